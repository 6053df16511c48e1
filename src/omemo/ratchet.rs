//! The Double Ratchet as both OMEMO namespaces run it: a root chain keyed
//! by HKDF-SHA-256, message chains stepped by HMAC-SHA-256 with the
//! constants 0x02 (next chain key) and 0x01 (message key), and each
//! message sealed with AES-256-CBC and a truncated HMAC-SHA-256.
//!
//! A message that fails changes nothing: decryption works on a copy of
//! the state, kept only when the message authenticated.

use prost::Message;
use serde::{Deserialize, Serialize};

use super::wire::{self, Authenticated2, LegacyMessage, Message2};
use super::{Error, Namespace, crypto};

/// Message keys kept for messages still to come out of order, per session.
pub const MAX_SKIPPED: usize = 500;
/// Message keys one message may skip; beyond, it is refused (a sender
/// cannot make us derive millions of keys).
pub const MAX_SKIP_PER_MESSAGE: u32 = 1_000;
/// Upper bound on an encrypted key element's bytes (a key of 32 to 48
/// bytes in a handful of protobuf fields; anything near this is hostile).
pub const MAX_MESSAGE_BYTES: usize = 1_024;

#[derive(Clone, Serialize, Deserialize)]
struct Chain {
    key: [u8; 32],
    n: u32,
}

impl Chain {
    /// Steps the chain, returning the message key for index `n`.
    fn step(&mut self) -> [u8; 32] {
        let message_key = crypto::hmac(&self.key, &[&[0x01]]);
        self.key = crypto::hmac(&self.key, &[&[0x02]]);
        self.n = self.n.saturating_add(1);
        message_key
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Skipped {
    their: [u8; 32],
    n: u32,
    key: [u8; 32],
}

/// One direction-agnostic ratchet state.
#[derive(Clone, Serialize, Deserialize)]
pub struct Ratchet {
    ns: Namespace,
    root: [u8; 32],
    own_secret: [u8; 32],
    own_public: [u8; 32],
    their: Option<[u8; 32]>,
    sending: Option<Chain>,
    receiving: Option<Chain>,
    previous_sending: u32,
    skipped: Vec<Skipped>,
}

impl std::fmt::Debug for Ratchet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ratchet")
            .field("ns", &self.ns)
            .field("sent", &self.sending.as_ref().map(|c| c.n))
            .field("received", &self.receiving.as_ref().map(|c| c.n))
            .field("skipped", &self.skipped.len())
            .finish()
    }
}

/// A message's ratchet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub their: [u8; 32],
    pub n: u32,
    pub pn: u32,
}

fn root_step(ns: Namespace, root: &[u8; 32], dh: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let out: [u8; 64] = crypto::hkdf(root, dh, ns.root_info());
    let mut next_root = [0u8; 32];
    let mut chain = [0u8; 32];
    next_root.copy_from_slice(&out[..32]);
    chain.copy_from_slice(&out[32..]);
    (next_root, chain)
}

/// The AES key, MAC key and IV a message key stands for.
fn message_keys(ns: Namespace, message_key: &[u8; 32]) -> ([u8; 32], [u8; 32], [u8; 16]) {
    let out: [u8; 80] = crypto::hkdf(&[0u8; 32], message_key, ns.message_info());
    let mut aes = [0u8; 32];
    let mut mac = [0u8; 32];
    let mut iv = [0u8; 16];
    aes.copy_from_slice(&out[..32]);
    mac.copy_from_slice(&out[32..64]);
    iv.copy_from_slice(&out[64..]);
    (aes, mac, iv)
}

impl Ratchet {
    /// The initiator's state: it knows the other side's signed pre-key,
    /// which stands as their first ratchet key, and can send at once.
    pub fn active(ns: Namespace, shared: [u8; 32], their: [u8; 32]) -> Result<Ratchet, Error> {
        let own_secret: [u8; 32] = crypto::random()?;
        let (root, chain) = root_step(ns, &shared, &crypto::x25519(&own_secret, &their)?);
        Ok(Ratchet {
            ns,
            root,
            own_public: crypto::x25519_public(&own_secret),
            own_secret,
            their: Some(their),
            sending: Some(Chain { key: chain, n: 0 }),
            receiving: None,
            previous_sending: 0,
            skipped: Vec::new(),
        })
    }

    /// The responder's state: its signed pre-key is its first ratchet key;
    /// it can send only after the first message arrives.
    pub fn passive(ns: Namespace, shared: [u8; 32], signed_pre_key: [u8; 32]) -> Ratchet {
        Ratchet {
            ns,
            root: shared,
            own_public: crypto::x25519_public(&signed_pre_key),
            own_secret: signed_pre_key,
            their: None,
            sending: None,
            receiving: None,
            previous_sending: 0,
            skipped: Vec::new(),
        }
    }

    pub fn can_send(&self) -> bool {
        self.sending.is_some()
    }

    /// Encrypts `plaintext` (the payload's key material) into the
    /// namespace's authenticated message. `ad` is the associated data as
    /// the namespace defines it for this direction.
    pub fn encrypt(&mut self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
        let previous = self.previous_sending;
        let Some(chain) = self.sending.as_mut() else {
            return Err(Error::Session("no sending chain yet"));
        };
        let n = chain.n;
        let message_key = chain.step();
        let (aes, mac_key, iv) = message_keys(self.ns, &message_key);
        let ciphertext = crypto::cbc_encrypt(&aes, &iv, plaintext);
        Ok(match self.ns {
            Namespace::Legacy => {
                let mut message = vec![wire::LEGACY_VERSION];
                LegacyMessage {
                    dh_pub: Some(wire::encode_curve(&self.own_public)),
                    n: Some(n),
                    pn: Some(previous),
                    ciphertext: Some(ciphertext),
                }
                .encode(&mut message)
                .map_err(|_| Error::Session("encoding"))?;
                let mac = crypto::hmac(&mac_key, &[ad, &message]);
                message.extend_from_slice(&mac[..self.ns.mac_len()]);
                message
            }
            Namespace::Omemo2 => {
                let message = Message2 {
                    n: Some(n),
                    pn: Some(previous),
                    dh_pub: Some(self.own_public.to_vec()),
                    ciphertext: Some(ciphertext),
                }
                .encode_to_vec();
                let mac = crypto::hmac(&mac_key, &[ad, &message]);
                Authenticated2 {
                    mac: Some(mac[..self.ns.mac_len()].to_vec()),
                    message: Some(message),
                }
                .encode_to_vec()
            }
        })
    }

    /// Decrypts an authenticated message. On any failure the state is as
    /// before.
    pub fn decrypt(&mut self, bytes: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
        let parsed = parse(self.ns, bytes)?;
        let mut next = self.clone();
        let message_key = next.message_key(&parsed.header)?;
        let (aes, mac_key, iv) = message_keys(self.ns, &message_key);
        let mac = crypto::hmac(&mac_key, &[ad, &parsed.authenticated]);
        if !crypto::tags_equal(&mac[..self.ns.mac_len()], &parsed.mac) {
            return Err(Error::Decrypt("the message's MAC does not match"));
        }
        let plaintext = crypto::cbc_decrypt(&aes, &iv, &parsed.ciphertext)?;
        *self = next;
        Ok(plaintext)
    }

    /// The message key for `header`, ratcheting as needed.
    fn message_key(&mut self, header: &Header) -> Result<[u8; 32], Error> {
        if let Some(i) = self
            .skipped
            .iter()
            .position(|s| s.their == header.their && s.n == header.n)
        {
            return Ok(self.skipped.remove(i).key);
        }
        if self.their != Some(header.their) {
            if self.their.is_some() {
                self.skip_to(header.pn)?;
            }
            self.dh_step(header.their)?;
        }
        self.skip_to(header.n)?;
        let Some(chain) = self.receiving.as_mut() else {
            return Err(Error::Session("no receiving chain"));
        };
        if chain.n > header.n {
            return Err(Error::Replay);
        }
        Ok(chain.step())
    }

    /// Keeps the keys of the messages before `until` in the receiving chain.
    fn skip_to(&mut self, until: u32) -> Result<(), Error> {
        let Some(their) = self.their else {
            return Ok(());
        };
        let Some(chain) = self.receiving.as_mut() else {
            return Ok(());
        };
        if until.saturating_sub(chain.n) > MAX_SKIP_PER_MESSAGE {
            return Err(Error::Decrypt("too many messages skipped"));
        }
        while chain.n < until {
            let n = chain.n;
            let key = chain.step();
            if self.skipped.len() >= MAX_SKIPPED {
                self.skipped.remove(0);
            }
            self.skipped.push(Skipped { their, n, key });
        }
        Ok(())
    }

    fn dh_step(&mut self, their: [u8; 32]) -> Result<(), Error> {
        let (root, receiving) = root_step(
            self.ns,
            &self.root,
            &crypto::x25519(&self.own_secret, &their)?,
        );
        let own_secret: [u8; 32] = crypto::random()?;
        let (root, sending) = root_step(self.ns, &root, &crypto::x25519(&own_secret, &their)?);
        self.previous_sending = self.sending.as_ref().map_or(0, |c| c.n);
        self.root = root;
        self.their = Some(their);
        self.receiving = Some(Chain {
            key: receiving,
            n: 0,
        });
        self.sending = Some(Chain { key: sending, n: 0 });
        self.own_public = crypto::x25519_public(&own_secret);
        self.own_secret = own_secret;
        Ok(())
    }
}

/// A message taken apart.
struct Parsed {
    header: Header,
    /// The bytes the MAC covers after the associated data.
    authenticated: Vec<u8>,
    mac: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn parse(ns: Namespace, bytes: &[u8]) -> Result<Parsed, Error> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(Error::Malformed("message too long"));
    }
    match ns {
        Namespace::Legacy => {
            let mac_len = ns.mac_len();
            if bytes.len() < 1 + mac_len || bytes[0] != wire::LEGACY_VERSION {
                return Err(Error::Malformed("not a version 3 message"));
            }
            let (authenticated, mac) = bytes.split_at(bytes.len() - mac_len);
            let message = LegacyMessage::decode(&authenticated[1..])
                .map_err(|_| Error::Malformed("message"))?;
            let their = wire::curve_key(message.dh_pub.as_deref())
                .ok_or(Error::Malformed("ratchet key"))?;
            Ok(Parsed {
                header: Header {
                    their,
                    n: message.n.ok_or(Error::Malformed("counter"))?,
                    pn: message.pn.unwrap_or(0),
                },
                authenticated: authenticated.to_vec(),
                mac: mac.to_vec(),
                ciphertext: message.ciphertext.ok_or(Error::Malformed("ciphertext"))?,
            })
        }
        Namespace::Omemo2 => {
            let outer = Authenticated2::decode(bytes)
                .map_err(|_| Error::Malformed("authenticated message"))?;
            let (Some(mac), Some(authenticated)) = (outer.mac, outer.message) else {
                return Err(Error::Malformed("authenticated message"));
            };
            let inner = Message2::decode(authenticated.as_slice())
                .map_err(|_| Error::Malformed("message"))?;
            let their =
                wire::key32(inner.dh_pub.as_deref()).ok_or(Error::Malformed("ratchet key"))?;
            Ok(Parsed {
                header: Header {
                    their,
                    n: inner.n.ok_or(Error::Malformed("counter"))?,
                    pn: inner.pn.unwrap_or(0),
                },
                authenticated,
                mac,
                ciphertext: inner.ciphertext.ok_or(Error::Malformed("ciphertext"))?,
            })
        }
    }
}
