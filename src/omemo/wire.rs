//! The protobuf messages each namespace carries in a `<key>` element.
//!
//! Legacy OMEMO (`eu.siacs.conversations.axolotl`) uses libsignal's
//! WhisperMessage and PreKeyWhisperMessage behind a version byte, the
//! message followed by an 8-byte MAC. OMEMO 2 wraps its message and a
//! 16-byte MAC in an OMEMOAuthenticatedMessage. Every field is written
//! even when zero: both formats were defined with proto2's `required`.

use prost::Message;

/// The version byte in front of every legacy message (protocol version 3).
pub const LEGACY_VERSION: u8 = 0x33;
/// The prefix of a Curve25519 public key in the legacy format.
pub const CURVE_PREFIX: u8 = 0x05;

/// Legacy WhisperMessage.
#[derive(Clone, PartialEq, Message)]
pub struct LegacyMessage {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub dh_pub: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "2")]
    pub n: Option<u32>,
    #[prost(uint32, optional, tag = "3")]
    pub pn: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub ciphertext: Option<Vec<u8>>,
}

/// Legacy PreKeyWhisperMessage.
#[derive(Clone, PartialEq, Message)]
pub struct LegacyKeyExchange {
    #[prost(uint32, optional, tag = "1")]
    pub pk_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub ek: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub ik: Option<Vec<u8>>,
    /// Version byte, LegacyMessage and MAC.
    #[prost(bytes = "vec", optional, tag = "4")]
    pub message: Option<Vec<u8>>,
    /// libsignal's registration id, which OMEMO does not use.
    #[prost(uint32, optional, tag = "5")]
    pub registration_id: Option<u32>,
    #[prost(uint32, optional, tag = "6")]
    pub spk_id: Option<u32>,
}

/// OMEMO 2 OMEMOMessage.
#[derive(Clone, PartialEq, Message)]
pub struct Message2 {
    #[prost(uint32, optional, tag = "1")]
    pub n: Option<u32>,
    #[prost(uint32, optional, tag = "2")]
    pub pn: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub dh_pub: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub ciphertext: Option<Vec<u8>>,
}

/// OMEMO 2 OMEMOAuthenticatedMessage.
#[derive(Clone, PartialEq, Message)]
pub struct Authenticated2 {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub mac: Option<Vec<u8>>,
    /// An encoded Message2.
    #[prost(bytes = "vec", optional, tag = "2")]
    pub message: Option<Vec<u8>>,
}

/// OMEMO 2 OMEMOKeyExchange.
#[derive(Clone, PartialEq, Message)]
pub struct KeyExchange2 {
    #[prost(uint32, optional, tag = "1")]
    pub pk_id: Option<u32>,
    #[prost(uint32, optional, tag = "2")]
    pub spk_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub ik: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub ek: Option<Vec<u8>>,
    #[prost(message, optional, tag = "5")]
    pub message: Option<Authenticated2>,
}

/// A 32-byte key from a field, which must be present and exactly that long.
pub fn key32(field: Option<&[u8]>) -> Option<[u8; 32]> {
    field.and_then(|bytes| bytes.try_into().ok())
}

/// A legacy Curve25519 key: `0x05` and 32 bytes.
pub fn curve_key(field: Option<&[u8]>) -> Option<[u8; 32]> {
    match field? {
        [CURVE_PREFIX, rest @ ..] => rest.try_into().ok(),
        _ => None,
    }
}

/// The legacy encoding of a Curve25519 public key.
pub fn encode_curve(key: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(33);
    out.push(CURVE_PREFIX);
    out.extend_from_slice(key);
    out
}
