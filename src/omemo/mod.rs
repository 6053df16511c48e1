//! OMEMO end-to-end encryption (XEP-0384): the legacy namespace
//! `eu.siacs.conversations.axolotl` (protocol version 0.3, what most
//! clients speak) and `urn:xmpp:omemo:2`.
//!
//! The primitives come from well-kept crates (curve25519-dalek,
//! ed25519-dalek, aes-gcm, aes, cbc, hkdf, hmac, sha2, prost); this module
//! is the protocol on top: XEdDSA, X3DH, the Double Ratchet and each
//! namespace's wire format.

pub mod account;
pub mod crypto;
pub mod identity;
pub mod payload;
pub mod ratchet;
pub mod session;
pub mod store;
pub mod wire;

use serde::{Deserialize, Serialize};

/// The two OMEMO namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Namespace {
    /// `eu.siacs.conversations.axolotl`
    Legacy,
    /// `urn:xmpp:omemo:2`
    Omemo2,
}

impl Namespace {
    pub fn xmlns(self) -> &'static str {
        match self {
            Namespace::Legacy => "eu.siacs.conversations.axolotl",
            Namespace::Omemo2 => "urn:xmpp:omemo:2",
        }
    }

    fn x3dh_info(self) -> &'static [u8] {
        match self {
            Namespace::Legacy => b"WhisperText",
            Namespace::Omemo2 => b"OMEMO X3DH",
        }
    }

    fn root_info(self) -> &'static [u8] {
        match self {
            Namespace::Legacy => b"WhisperRatchet",
            Namespace::Omemo2 => b"OMEMO Root Chain",
        }
    }

    fn message_info(self) -> &'static [u8] {
        match self {
            Namespace::Legacy => b"WhisperMessageKeys",
            Namespace::Omemo2 => b"OMEMO Message Key Material",
        }
    }

    /// Bytes of the truncated HMAC on each ratchet message.
    fn mac_len(self) -> usize {
        match self {
            Namespace::Legacy => 8,
            Namespace::Omemo2 => 16,
        }
    }
}

/// Why an OMEMO operation failed; each says it in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the system's random number generator failed")]
    NoRandomness,
    #[error("a bad key: {0}")]
    BadKey(&'static str),
    #[error("malformed: {0}")]
    Malformed(&'static str),
    #[error("cannot decrypt: {0}")]
    Decrypt(&'static str),
    #[error("a message already decrypted or replayed")]
    Replay,
    #[error("session: {0}")]
    Session(&'static str),
}
