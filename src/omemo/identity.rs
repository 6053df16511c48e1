//! A device's long-term identity key and XEdDSA.
//!
//! One Curve25519 private key serves both namespaces: legacy OMEMO names
//! it by its Montgomery form (`0x05 ‖ u`), OMEMO 2 by its Ed25519 form. As
//! XEdDSA specifies, the Ed25519 form is the one whose sign bit is zero, so
//! the signatures made here verify as plain Ed25519 against it.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::Sha512;

use super::{Error, crypto};

/// A private Curve25519 key (clamped on use), the device's identity.
#[derive(Clone)]
pub struct IdentityKey {
    secret: [u8; 32],
}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityKey(…)")
    }
}

impl IdentityKey {
    pub fn generate() -> Result<IdentityKey, Error> {
        Ok(IdentityKey {
            secret: crypto::random()?,
        })
    }

    pub fn from_secret(secret: [u8; 32]) -> IdentityKey {
        IdentityKey { secret }
    }

    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    /// The Montgomery `u` coordinate, the legacy namespace's form.
    pub fn curve_public(&self) -> [u8; 32] {
        crypto::x25519_public(&self.secret)
    }

    /// The Ed25519 form with the sign bit forced to zero (XEdDSA).
    pub fn ed_public(&self) -> [u8; 32] {
        let (_, public) = self.signing_pair();
        public.compress().to_bytes()
    }

    /// The private scalar and public point whose sign bit is zero: the key
    /// is negated when its point's sign is one (XEdDSA §2.3).
    fn signing_pair(&self) -> (Scalar, EdwardsPoint) {
        let scalar = Scalar::from_bytes_mod_order(clamp_integer(self.secret));
        let point = EdwardsPoint::mul_base(&scalar);
        if point.compress().to_bytes()[31] & 0x80 == 0 {
            (scalar, point)
        } else {
            (-scalar, -point)
        }
    }

    /// XEdDSA: an Ed25519 signature by the sign-forced key. Its nonce comes
    /// from SHA-512 of fresh random bytes and the message, which verifiers
    /// cannot tell from the specification's own derivation.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; 64], Error> {
        let (scalar, point) = self.signing_pair();
        let expanded = ExpandedSecretKey {
            scalar,
            hash_prefix: crypto::random()?,
        };
        let verifying = VerifyingKey::from(&expanded);
        debug_assert_eq!(verifying.to_bytes(), point.compress().to_bytes());
        Ok(raw_sign::<Sha512>(&expanded, message, &verifying).to_bytes())
    }
}

/// Verifies an Ed25519 signature against an Ed25519 public key.
pub fn verify_ed(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(signature))
        .is_ok()
}

/// Verifies an XEdDSA signature against a Montgomery public key. The sign
/// of the Edwards point is read from the signature's top bit, where
/// libsignal puts it; XEdDSA proper always leaves it zero.
pub fn verify_curve(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Some(ed) = ed_from_curve(public, signature[63] >> 7) else {
        return false;
    };
    let mut signature = *signature;
    signature[63] &= 0x7f;
    verify_ed(&ed, message, &signature)
}

/// The Ed25519 form of a Montgomery public key, with the given sign.
pub fn ed_from_curve(public: &[u8; 32], sign: u8) -> Option<[u8; 32]> {
    MontgomeryPoint(*public)
        .to_edwards(sign)
        .map(|point| point.compress().to_bytes())
}

/// The Montgomery form of an Ed25519 public key; `None` when it is not a
/// point on the curve.
pub fn curve_from_ed(public: &[u8; 32]) -> Option<[u8; 32]> {
    curve25519_dalek::edwards::CompressedEdwardsY(*public)
        .decompress()
        .map(|point| point.to_montgomery().to_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn forms_agree_and_signatures_verify_in_both() {
        for _ in 0..16 {
            let key = IdentityKey::generate().unwrap();
            let ed = key.ed_public();
            assert_eq!(ed[31] & 0x80, 0, "XEdDSA forces the sign bit to zero");
            assert_eq!(curve_from_ed(&ed), Some(key.curve_public()));
            assert_eq!(ed_from_curve(&key.curve_public(), 0), Some(ed));
            let signature = key.sign(b"\x05signed pre-key").unwrap();
            assert!(verify_ed(&ed, b"\x05signed pre-key", &signature));
            assert!(verify_curve(
                &key.curve_public(),
                b"\x05signed pre-key",
                &signature
            ));
            assert!(!verify_curve(&key.curve_public(), b"\x05other", &signature));
        }
    }

    #[test]
    fn a_flipped_bit_fails() {
        let key = IdentityKey::generate().unwrap();
        let mut signature = key.sign(b"m").unwrap();
        signature[10] ^= 1;
        assert!(!verify_curve(&key.curve_public(), b"m", &signature));
    }
}
