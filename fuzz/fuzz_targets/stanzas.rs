//! The input as the body of a server stream: every element through every
//! stanza decoder, the decoded events through `app::update` on a logged-in
//! store, and a drawn frame that must hold no terminal control character.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balcony_fuzz::stanzas(data));
