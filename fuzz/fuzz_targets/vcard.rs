//! The input as the body of a server stream: every contact card in it read,
//! written back whole, edited field by field with nothing else changing,
//! and drawn in a contact's details pane with no terminal control character
//! (VCARD-04, VCARD-07, VCARD-08, SEC-05).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balcony_fuzz::vcard(data));
