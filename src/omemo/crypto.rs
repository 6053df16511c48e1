//! The primitives OMEMO is built from, each a thin call into a
//! well-kept crate: X25519 (curve25519-dalek), HKDF and HMAC over SHA-256,
//! AES-256-CBC with PKCS#7 and AES-GCM. Nothing here is protocol.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use curve25519_dalek::montgomery::MontgomeryPoint;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::Error;

/// Fills `N` bytes from the operating system's generator; a key is never
/// made from anything weaker, so a failure is an error, not zeros.
pub fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| Error::NoRandomness)?;
    Ok(bytes)
}

/// X25519. An all-zero result means the other side gave a point of small
/// order, which would make the secret known to anyone: refused.
pub fn x25519(secret: &[u8; 32], public: &[u8; 32]) -> Result<[u8; 32], Error> {
    let shared = MontgomeryPoint(*public).mul_clamped(*secret).to_bytes();
    if shared == [0u8; 32] {
        return Err(Error::BadKey("a public key of small order"));
    }
    Ok(shared)
}

/// The X25519 public key of `secret`.
pub fn x25519_public(secret: &[u8; 32]) -> [u8; 32] {
    MontgomeryPoint::mul_base_clamped(*secret).to_bytes()
}

/// HKDF-SHA-256 of `ikm` into `N` bytes.
pub fn hkdf<const N: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    // N is a small constant (at most 80 here), far below HKDF's 8,160-byte limit.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, &mut out);
    out
}

/// HMAC-SHA-256.
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return [0u8; 32];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Compares two tags in time independent of where they differ.
pub fn tags_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// AES-256-CBC with PKCS#7 padding.
pub fn cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into()).encrypt_padded_vec::<Pkcs7>(plaintext)
}

/// AES-256-CBC decryption; bad padding is an error.
pub fn cbc_decrypt(key: &[u8; 32], iv: &[u8; 16], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| Error::Decrypt("bad padding"))
}
