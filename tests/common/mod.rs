//! Shared helpers for the integration tests in `tests/*.rs` (each test file is its own crate and
//! declares `mod common;`).
//!
//! [`prosody`] starts private Prosody servers; more helpers (raw XMPP clients, client drivers)
//! belong in sibling modules here. Not every test crate uses every helper, hence the
//! `dead_code` allowance.
#![allow(dead_code, unused_imports)]

pub mod prosody;

pub use prosody::*;
pub mod client;
pub mod fake_server;
pub use client::*;
pub use fake_server::*;
pub mod peer;
pub mod tmux;
pub use peer::*;
