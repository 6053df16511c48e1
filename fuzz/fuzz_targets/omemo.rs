//! The input as the body of a server stream: every element in it read as
//! an OMEMO device list and bundle in both namespaces, as `<encrypted/>`
//! and as an SCE envelope; what reads is capped and writes back to the
//! same value (OMEMO-40).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balcony_fuzz::omemo(data));
