//! X3DH key agreement and the per-device session built on it.
//!
//! The initiator picks one of the other device's pre-keys from its bundle,
//! derives the shared secret from four X25519 results and sends every
//! message as a key exchange until the other side has answered once
//! (the session is then confirmed). The responder rebuilds the secret from
//! the key exchange with its own pre-keys and deletes the pre-key used.

use std::collections::BTreeMap;

use prost::Message;
use serde::{Deserialize, Serialize};

use super::identity::{self, IdentityKey};
use super::ratchet::{MAX_MESSAGE_BYTES, Ratchet};
use super::wire::{self, Authenticated2, KeyExchange2, LegacyKeyExchange};
use super::{Error, Namespace, crypto};

/// Pre-keys published in a bundle (XEP-0384 asks for at least 25; 100 is
/// what most clients publish).
pub const PRE_KEYS: usize = 100;

/// The device's own secrets: its identity, one signed pre-key and the
/// one-time pre-keys not yet used.
#[derive(Clone, Serialize, Deserialize)]
pub struct OwnKeys {
    identity: [u8; 32],
    pub signed_pre_key: SignedPreKey,
    pub pre_keys: BTreeMap<u32, [u8; 32]>,
    pub next_pre_key_id: u32,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SignedPreKey {
    pub id: u32,
    secret: [u8; 32],
    /// Over `0x05 ‖ key`, for the legacy namespace.
    legacy_signature: Vec<u8>,
    /// Over the bare key, for OMEMO 2.
    signature: Vec<u8>,
}

impl SignedPreKey {
    fn generate(id: u32, identity: &IdentityKey) -> Result<SignedPreKey, Error> {
        let secret: [u8; 32] = crypto::random()?;
        let public = crypto::x25519_public(&secret);
        Ok(SignedPreKey {
            id,
            secret,
            legacy_signature: identity.sign(&wire::encode_curve(&public))?.to_vec(),
            signature: identity.sign(&public)?.to_vec(),
        })
    }

    pub fn public(&self) -> [u8; 32] {
        crypto::x25519_public(&self.secret)
    }

    pub fn signature(&self, ns: Namespace) -> &[u8] {
        match ns {
            Namespace::Legacy => &self.legacy_signature,
            Namespace::Omemo2 => &self.signature,
        }
    }
}

impl std::fmt::Debug for OwnKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnKeys")
            .field("pre_keys", &self.pre_keys.len())
            .finish()
    }
}

impl OwnKeys {
    pub fn generate() -> Result<OwnKeys, Error> {
        let identity = IdentityKey::generate()?;
        let mut keys = OwnKeys {
            signed_pre_key: SignedPreKey::generate(1, &identity)?,
            identity: *identity.secret(),
            pre_keys: BTreeMap::new(),
            next_pre_key_id: 1,
        };
        keys.refill()?;
        Ok(keys)
    }

    pub fn identity(&self) -> IdentityKey {
        IdentityKey::from_secret(self.identity)
    }

    /// Tops the one-time pre-keys up to [`PRE_KEYS`]; true when any was
    /// added (the bundle must then be published again).
    pub fn refill(&mut self) -> Result<bool, Error> {
        let mut added = false;
        while self.pre_keys.len() < PRE_KEYS {
            let id = self.next_pre_key_id;
            // Ids stay in 1..2^31 and are never reused while one is unused.
            self.next_pre_key_id = if id >= i32::MAX as u32 { 1 } else { id + 1 };
            if self.pre_keys.contains_key(&id) {
                continue;
            }
            self.pre_keys.insert(id, crypto::random()?);
            added = true;
        }
        Ok(added)
    }

    /// This device's bundle as a namespace publishes it.
    pub fn bundle(&self, ns: Namespace) -> Bundle {
        let identity = self.identity();
        Bundle {
            ns,
            identity: match ns {
                Namespace::Legacy => identity.curve_public(),
                Namespace::Omemo2 => identity.ed_public(),
            },
            signed_pre_key_id: self.signed_pre_key.id,
            signed_pre_key: self.signed_pre_key.public(),
            signature: self.signed_pre_key.signature(ns).to_vec(),
            pre_keys: self
                .pre_keys
                .iter()
                .map(|(id, secret)| (*id, crypto::x25519_public(secret)))
                .collect(),
        }
    }
}

/// Another device's published keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub ns: Namespace,
    /// The Montgomery form for legacy, the Ed25519 form for OMEMO 2.
    pub identity: [u8; 32],
    pub signed_pre_key_id: u32,
    pub signed_pre_key: [u8; 32],
    pub signature: Vec<u8>,
    pub pre_keys: Vec<(u32, [u8; 32])>,
}

impl Bundle {
    /// The identity key in Montgomery form, the one trust is kept on.
    pub fn identity_curve(&self) -> Option<[u8; 32]> {
        identity_curve(self.ns, &self.identity)
    }

    fn signature_verifies(&self) -> bool {
        let Ok(signature) = <[u8; 64]>::try_from(self.signature.as_slice()) else {
            return false;
        };
        match self.ns {
            Namespace::Legacy => identity::verify_curve(
                &self.identity,
                &wire::encode_curve(&self.signed_pre_key),
                &signature,
            ),
            Namespace::Omemo2 => {
                identity::verify_ed(&self.identity, &self.signed_pre_key, &signature)
            }
        }
    }
}

/// The Montgomery form of a namespace's identity key.
pub fn identity_curve(ns: Namespace, key: &[u8; 32]) -> Option<[u8; 32]> {
    match ns {
        Namespace::Legacy => Some(*key),
        Namespace::Omemo2 => identity::curve_from_ed(key),
    }
}

/// The key exchange sent with every message until the session is confirmed.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Initiation {
    pre_key_id: u32,
    signed_pre_key_id: u32,
    ephemeral: [u8; 32],
}

/// A session with one device of another party.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    ns: Namespace,
    ratchet: Ratchet,
    ad_send: Vec<u8>,
    ad_receive: Vec<u8>,
    /// The other device's identity, Montgomery form.
    pub their_identity: [u8; 32],
    initiation: Option<Initiation>,
    /// The ephemeral key of the key exchange that built a passive session,
    /// to recognise that exchange when it comes again.
    base_key: Option<[u8; 32]>,
}

/// A key element's content and whether it is a key exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyData {
    pub data: Vec<u8>,
    pub prekey: bool,
}

/// The identity key as each namespace puts it in associated data.
fn ad_identity(ns: Namespace, curve: &[u8; 32], ed: &[u8; 32]) -> Vec<u8> {
    match ns {
        Namespace::Legacy => wire::encode_curve(curve),
        Namespace::Omemo2 => ed.to_vec(),
    }
}

fn shared_secret(ns: Namespace, dhs: &[[u8; 32]]) -> [u8; 32] {
    let mut ikm = vec![0xffu8; 32];
    for dh in dhs {
        ikm.extend_from_slice(dh);
    }
    crypto::hkdf(&[0u8; 32], &ikm, ns.x3dh_info())
}

impl Session {
    /// Starts a session with the device whose bundle this is (X3DH, active).
    pub fn initiate(own: &OwnKeys, bundle: &Bundle) -> Result<Session, Error> {
        let ns = bundle.ns;
        if !bundle.signature_verifies() {
            return Err(Error::BadKey(
                "the signed pre-key's signature does not verify",
            ));
        }
        let their_curve = bundle
            .identity_curve()
            .ok_or(Error::BadKey("identity key"))?;
        if bundle.pre_keys.is_empty() {
            return Err(Error::BadKey("the bundle has no pre-keys"));
        }
        let pick = u32::from_le_bytes(crypto::random()?) as usize % bundle.pre_keys.len();
        let (pre_key_id, pre_key) = bundle.pre_keys[pick];
        let identity = own.identity();
        let ephemeral: [u8; 32] = crypto::random()?;
        let shared = shared_secret(
            ns,
            &[
                crypto::x25519(identity.secret(), &bundle.signed_pre_key)?,
                crypto::x25519(&ephemeral, &their_curve)?,
                crypto::x25519(&ephemeral, &bundle.signed_pre_key)?,
                crypto::x25519(&ephemeral, &pre_key)?,
            ],
        );
        let ours = ad_identity(ns, &identity.curve_public(), &identity.ed_public());
        let theirs = match ns {
            Namespace::Legacy => wire::encode_curve(&bundle.identity),
            Namespace::Omemo2 => bundle.identity.to_vec(),
        };
        // Legacy orders the associated data sender ‖ receiver (libsignal);
        // OMEMO 2 initiator ‖ responder in both directions.
        let (ad_send, ad_receive) = match ns {
            Namespace::Legacy => ([&ours[..], &theirs].concat(), [&theirs[..], &ours].concat()),
            Namespace::Omemo2 => {
                let ad = [&ours[..], &theirs].concat();
                (ad.clone(), ad)
            }
        };
        Ok(Session {
            ns,
            ratchet: Ratchet::active(ns, shared, bundle.signed_pre_key)?,
            ad_send,
            ad_receive,
            their_identity: their_curve,
            initiation: Some(Initiation {
                pre_key_id,
                signed_pre_key_id: bundle.signed_pre_key_id,
                ephemeral,
            }),
            base_key: None,
        })
    }

    pub fn namespace(&self) -> Namespace {
        self.ns
    }

    /// True once the other device has answered (no key exchange sent any more).
    pub fn confirmed(&self) -> bool {
        self.initiation.is_none()
    }

    /// Encrypts key material for this device.
    pub fn encrypt(&mut self, own: &OwnKeys, key_material: &[u8]) -> Result<KeyData, Error> {
        let message = self.ratchet.encrypt(key_material, &self.ad_send)?;
        let Some(initiation) = &self.initiation else {
            return Ok(KeyData {
                data: message,
                prekey: false,
            });
        };
        let identity = own.identity();
        let ephemeral = crypto::x25519_public(&initiation.ephemeral);
        let data = match self.ns {
            Namespace::Legacy => {
                let mut out = vec![wire::LEGACY_VERSION];
                LegacyKeyExchange {
                    pk_id: Some(initiation.pre_key_id),
                    ek: Some(wire::encode_curve(&ephemeral)),
                    ik: Some(wire::encode_curve(&identity.curve_public())),
                    message: Some(message),
                    registration_id: None,
                    spk_id: Some(initiation.signed_pre_key_id),
                }
                .encode(&mut out)
                .map_err(|_| Error::Session("encoding"))?;
                out
            }
            Namespace::Omemo2 => KeyExchange2 {
                pk_id: Some(initiation.pre_key_id),
                spk_id: Some(initiation.signed_pre_key_id),
                ik: Some(identity.ed_public().to_vec()),
                ek: Some(ephemeral.to_vec()),
                message: Some(
                    Authenticated2::decode(message.as_slice())
                        .map_err(|_| Error::Session("encoding"))?,
                ),
            }
            .encode_to_vec(),
        };
        Ok(KeyData { data, prekey: true })
    }

    /// Decrypts an ordinary (not key exchange) message. The first one to
    /// decrypt confirms the session.
    pub fn decrypt(&mut self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let plaintext = self.ratchet.decrypt(data, &self.ad_receive)?;
        self.initiation = None;
        Ok(plaintext)
    }
}

/// A key exchange taken apart.
pub struct KeyExchange {
    pub ns: Namespace,
    pub pre_key_id: u32,
    pub signed_pre_key_id: u32,
    /// Montgomery form.
    pub identity: [u8; 32],
    /// As the namespace's associated data carries it.
    identity_ad: Vec<u8>,
    pub ephemeral: [u8; 32],
    message: Vec<u8>,
}

impl KeyExchange {
    pub fn parse(ns: Namespace, data: &[u8]) -> Result<KeyExchange, Error> {
        if data.len() > MAX_MESSAGE_BYTES + 128 {
            return Err(Error::Malformed("key exchange too long"));
        }
        match ns {
            Namespace::Legacy => {
                let [wire::LEGACY_VERSION, rest @ ..] = data else {
                    return Err(Error::Malformed("not a version 3 key exchange"));
                };
                let parsed = LegacyKeyExchange::decode(rest)
                    .map_err(|_| Error::Malformed("key exchange"))?;
                let identity = wire::curve_key(parsed.ik.as_deref())
                    .ok_or(Error::Malformed("identity key"))?;
                Ok(KeyExchange {
                    ns,
                    pre_key_id: parsed.pk_id.ok_or(Error::Malformed("pre-key id"))?,
                    signed_pre_key_id: parsed
                        .spk_id
                        .ok_or(Error::Malformed("signed pre-key id"))?,
                    identity,
                    identity_ad: wire::encode_curve(&identity),
                    ephemeral: wire::curve_key(parsed.ek.as_deref())
                        .ok_or(Error::Malformed("base key"))?,
                    message: parsed.message.ok_or(Error::Malformed("message"))?,
                })
            }
            Namespace::Omemo2 => {
                let parsed =
                    KeyExchange2::decode(data).map_err(|_| Error::Malformed("key exchange"))?;
                let ed =
                    wire::key32(parsed.ik.as_deref()).ok_or(Error::Malformed("identity key"))?;
                Ok(KeyExchange {
                    ns,
                    pre_key_id: parsed.pk_id.ok_or(Error::Malformed("pre-key id"))?,
                    signed_pre_key_id: parsed
                        .spk_id
                        .ok_or(Error::Malformed("signed pre-key id"))?,
                    identity: identity::curve_from_ed(&ed).ok_or(Error::BadKey("identity key"))?,
                    identity_ad: ed.to_vec(),
                    ephemeral: wire::key32(parsed.ek.as_deref())
                        .ok_or(Error::Malformed("base key"))?,
                    message: parsed
                        .message
                        .ok_or(Error::Malformed("message"))?
                        .encode_to_vec(),
                })
            }
        }
    }

    /// True when `session` was built from this very exchange: a sender
    /// repeats it on every message until we answer.
    pub fn built(&self, session: &Session) -> bool {
        session.base_key == Some(self.ephemeral) && session.their_identity == self.identity
    }

    /// Decrypts the message inside with a session this exchange built.
    pub fn decrypt_with(&self, session: &mut Session) -> Result<Vec<u8>, Error> {
        session.ratchet.decrypt(&self.message, &session.ad_receive)
    }

    /// Builds the responder's session (X3DH, passive) and decrypts the
    /// message inside. The caller deletes the pre-key once this succeeded.
    pub fn accept(&self, own: &OwnKeys) -> Result<(Session, Vec<u8>), Error> {
        let ns = self.ns;
        if own.signed_pre_key.id != self.signed_pre_key_id {
            return Err(Error::Session("an unknown signed pre-key"));
        }
        let Some(pre_key) = own.pre_keys.get(&self.pre_key_id) else {
            return Err(Error::Session("a pre-key already used or never published"));
        };
        let identity = own.identity();
        let signed = &own.signed_pre_key.secret;
        let shared = shared_secret(
            ns,
            &[
                crypto::x25519(signed, &self.identity)?,
                crypto::x25519(identity.secret(), &self.ephemeral)?,
                crypto::x25519(signed, &self.ephemeral)?,
                crypto::x25519(pre_key, &self.ephemeral)?,
            ],
        );
        let ours = ad_identity(ns, &identity.curve_public(), &identity.ed_public());
        let theirs = &self.identity_ad;
        let (ad_send, ad_receive) = match ns {
            Namespace::Legacy => ([&ours[..], theirs].concat(), [&theirs[..], &ours].concat()),
            Namespace::Omemo2 => {
                let ad = [&theirs[..], &ours].concat();
                (ad.clone(), ad)
            }
        };
        let mut session = Session {
            ns,
            ratchet: Ratchet::passive(ns, shared, *signed),
            ad_send,
            ad_receive,
            their_identity: self.identity,
            initiation: None,
            base_key: Some(self.ephemeral),
        };
        let plaintext = self.decrypt_with(&mut session)?;
        Ok((session, plaintext))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn exchange(ns: Namespace) {
        let alice = OwnKeys::generate().unwrap();
        let mut bob = OwnKeys::generate().unwrap();
        let mut to_bob = Session::initiate(&alice, &bob.bundle(ns)).unwrap();
        let first = to_bob.encrypt(&alice, b"key material 1").unwrap();
        let second = to_bob.encrypt(&alice, b"key material 2").unwrap();
        assert!(first.prekey && second.prekey, "key exchange until answered");

        let exchange = KeyExchange::parse(ns, &first.data).unwrap();
        let (mut to_alice, plaintext) = exchange.accept(&bob).unwrap();
        assert_eq!(plaintext, b"key material 1");
        bob.pre_keys.remove(&exchange.pre_key_id);
        // The same exchange again (a retry, a carbon) is recognised and
        // decrypts with the session it built, though its pre-key is gone.
        let again = KeyExchange::parse(ns, &second.data).unwrap();
        assert!(again.built(&to_alice));
        assert!(again.accept(&bob).is_err());
        assert_eq!(
            again.decrypt_with(&mut to_alice).unwrap(),
            b"key material 2"
        );

        let reply = to_alice.encrypt(&bob, b"reply").unwrap();
        assert!(!reply.prekey);
        assert_eq!(to_bob.decrypt(&reply.data).unwrap(), b"reply");
        assert!(to_bob.confirmed());
        let next = to_bob.encrypt(&alice, b"after").unwrap();
        assert!(!next.prekey);

        // Out of order, then a replay.
        let a = to_alice.encrypt(&bob, b"a").unwrap();
        let b = to_alice.encrypt(&bob, b"b").unwrap();
        assert_eq!(to_alice.decrypt(&next.data).unwrap(), b"after");
        assert_eq!(to_bob.decrypt(&b.data).unwrap(), b"b");
        assert_eq!(to_bob.decrypt(&a.data).unwrap(), b"a");
        assert!(matches!(to_bob.decrypt(&a.data), Err(Error::Replay)));
        let mut tampered = b.data.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(to_bob.decrypt(&tampered).is_err());
        // Failures left the session working.
        let c = to_alice.encrypt(&bob, b"c").unwrap();
        assert_eq!(to_bob.decrypt(&c.data).unwrap(), b"c");

        // The session survives being stored and loaded.
        let stored = serde_json::to_string(&to_bob).unwrap();
        let mut loaded: Session = serde_json::from_str(&stored).unwrap();
        let d = to_alice.encrypt(&bob, b"d").unwrap();
        assert_eq!(loaded.decrypt(&d.data).unwrap(), b"d");
    }

    #[test]
    fn legacy_sessions_exchange_both_ways() {
        exchange(Namespace::Legacy);
    }

    #[test]
    fn omemo2_sessions_exchange_both_ways() {
        exchange(Namespace::Omemo2);
    }

    #[test]
    fn a_forged_signed_pre_key_is_refused() {
        let alice = OwnKeys::generate().unwrap();
        let bob = OwnKeys::generate().unwrap();
        for ns in [Namespace::Legacy, Namespace::Omemo2] {
            let mut bundle = bob.bundle(ns);
            bundle.signed_pre_key[0] ^= 1;
            assert!(Session::initiate(&alice, &bundle).is_err());
        }
    }

    #[test]
    fn a_skip_too_far_is_refused_without_harm() {
        let alice = OwnKeys::generate().unwrap();
        let bob = OwnKeys::generate().unwrap();
        let mut to_bob = Session::initiate(&alice, &bob.bundle(Namespace::Omemo2)).unwrap();
        let first = to_bob.encrypt(&alice, b"1").unwrap();
        let (mut to_alice, _) = KeyExchange::parse(Namespace::Omemo2, &first.data)
            .unwrap()
            .accept(&bob)
            .unwrap();
        for _ in 0..1_100 {
            to_bob.encrypt(&alice, b"lost").unwrap();
        }
        let far = to_bob.encrypt(&alice, b"far").unwrap();
        let far = KeyExchange::parse(Namespace::Omemo2, &far.data).unwrap();
        assert!(far.decrypt_with(&mut to_alice).is_err());
    }
}
