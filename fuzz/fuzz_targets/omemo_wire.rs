//! Raw bytes as an OMEMO key exchange, ratchet message and payload of both
//! namespaces against fixed sessions; nothing panics, and after a refusal
//! the next genuine message still decrypts (OMEMO-23, OMEMO-40).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balcony_fuzz::omemo_wire(data));
