//! The message body's encryption, under a fresh key per message whose
//! material each recipient device gets through its session.
//!
//! Legacy: AES-128-GCM, a 12-byte IV in the header (16 from old senders),
//! the key material being key ‖ tag (or the key alone, with the tag at
//! the payload's end, from the oldest senders). OMEMO 2: HKDF-SHA-256 of
//! a 32-byte key into AES-256-CBC and HMAC-SHA-256 keys and the IV, the
//! key material being key ‖ the MAC's first 16 bytes.

use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::Aes128;
use aes_gcm::{AesGcm, Nonce, Tag};

use super::{Error, Namespace, crypto};

/// Upper bound on a payload: a long message, not a file.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// An encrypted body: what goes into `<payload>`, the legacy `<iv>`
/// (empty for OMEMO 2) and the key material for the sessions.
pub struct Sealed {
    pub payload: Vec<u8>,
    pub iv: Vec<u8>,
    pub key_material: Vec<u8>,
}

pub fn seal(ns: Namespace, plaintext: &[u8]) -> Result<Sealed, Error> {
    match ns {
        Namespace::Legacy => {
            let key: [u8; 16] = crypto::random()?;
            let iv: [u8; 12] = crypto::random()?;
            let cipher = AesGcm::<Aes128, U12>::new(&key.into());
            let mut payload = plaintext.to_vec();
            let tag = cipher
                .encrypt_inout_detached(&Nonce::<U12>::from(iv), &[], payload.as_mut_slice().into())
                .map_err(|_| Error::Session("message too long"))?;
            let mut key_material = key.to_vec();
            key_material.extend_from_slice(&tag);
            Ok(Sealed {
                payload,
                iv: iv.to_vec(),
                key_material,
            })
        }
        Namespace::Omemo2 => {
            let key: [u8; 32] = crypto::random()?;
            let (aes, mac_key, iv) = omemo2_keys(&key);
            let payload = crypto::cbc_encrypt(&aes, &iv, plaintext);
            let mac = crypto::hmac(&mac_key, &[&payload]);
            let mut key_material = key.to_vec();
            key_material.extend_from_slice(&mac[..16]);
            Ok(Sealed {
                payload,
                iv: Vec::new(),
                key_material,
            })
        }
    }
}

pub fn open(
    ns: Namespace,
    payload: &[u8],
    iv: &[u8],
    key_material: &[u8],
) -> Result<Vec<u8>, Error> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::Malformed("payload too long"));
    }
    match ns {
        Namespace::Legacy => {
            let (key, tag, ciphertext) = match key_material.len() {
                32 => (&key_material[..16], &key_material[16..], payload),
                16 if payload.len() >= 16 => {
                    let (ciphertext, tag) = payload.split_at(payload.len() - 16);
                    (key_material, tag, ciphertext)
                }
                _ => return Err(Error::Malformed("key material")),
            };
            let key: [u8; 16] = key.try_into().map_err(|_| Error::Malformed("key"))?;
            let tag: [u8; 16] = tag.try_into().map_err(|_| Error::Malformed("tag"))?;
            let mut plaintext = ciphertext.to_vec();
            let result = match iv.len() {
                12 => {
                    let nonce = Nonce::<U12>::try_from(iv).map_err(|_| Error::Malformed("iv"))?;
                    AesGcm::<Aes128, U12>::new(&key.into()).decrypt_inout_detached(
                        &nonce,
                        &[],
                        plaintext.as_mut_slice().into(),
                        &Tag::from(tag),
                    )
                }
                16 => {
                    let nonce = Nonce::<U16>::try_from(iv).map_err(|_| Error::Malformed("iv"))?;
                    AesGcm::<Aes128, U16>::new(&key.into()).decrypt_inout_detached(
                        &nonce,
                        &[],
                        plaintext.as_mut_slice().into(),
                        &Tag::from(tag),
                    )
                }
                _ => return Err(Error::Malformed("iv")),
            };
            result.map_err(|_| Error::Decrypt("the payload does not authenticate"))?;
            Ok(plaintext)
        }
        Namespace::Omemo2 => {
            let (key, mac) = match key_material.len() {
                48 => key_material.split_at(32),
                _ => return Err(Error::Malformed("key material")),
            };
            let key: [u8; 32] = key.try_into().map_err(|_| Error::Malformed("key"))?;
            let (aes, mac_key, iv) = omemo2_keys(&key);
            let expected = crypto::hmac(&mac_key, &[payload]);
            if !crypto::tags_equal(&expected[..16], mac) {
                return Err(Error::Decrypt("the payload does not authenticate"));
            }
            crypto::cbc_decrypt(&aes, &iv, payload)
        }
    }
}

fn omemo2_keys(key: &[u8; 32]) -> ([u8; 32], [u8; 32], [u8; 16]) {
    let out: [u8; 80] = crypto::hkdf(&[0u8; 32], key, b"OMEMO Payload");
    let mut aes = [0u8; 32];
    let mut mac = [0u8; 32];
    let mut iv = [0u8; 16];
    aes.copy_from_slice(&out[..32]);
    mac.copy_from_slice(&out[32..64]);
    iv.copy_from_slice(&out[64..]);
    (aes, mac, iv)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn both_namespaces_round_trip_and_refuse_tampering() {
        for ns in [Namespace::Legacy, Namespace::Omemo2] {
            let sealed = seal(ns, "ünïcode body".as_bytes()).unwrap();
            let opened = open(ns, &sealed.payload, &sealed.iv, &sealed.key_material).unwrap();
            assert_eq!(opened, "ünïcode body".as_bytes());
            let mut tampered = sealed.payload.clone();
            tampered[0] ^= 1;
            assert!(open(ns, &tampered, &sealed.iv, &sealed.key_material).is_err());
            assert!(open(ns, &sealed.payload, &sealed.iv, &sealed.key_material[..5]).is_err());
        }
    }

    #[test]
    fn legacy_key_alone_with_the_tag_after_the_payload() {
        let sealed = seal(Namespace::Legacy, b"old sender").unwrap();
        let mut payload = sealed.payload.clone();
        payload.extend_from_slice(&sealed.key_material[16..]);
        let opened = open(
            Namespace::Legacy,
            &payload,
            &sealed.iv,
            &sealed.key_material[..16],
        );
        assert_eq!(opened.unwrap(), b"old sender");
    }
}
