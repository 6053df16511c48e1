//! Arbitrary bytes through the stream reader, cut into reads by a plan taken
//! from the first bytes (`balcony_fuzz::split_plan`). No panic, and the
//! outcome must not depend on how the bytes were cut.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balcony_fuzz::stream_reader(data));
