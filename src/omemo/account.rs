//! One device's OMEMO state for an account: its keys and its sessions
//! with other devices, and the two operations on a message: encrypt a body
//! for a set of devices, decrypt what one device sent us.
//!
//! No I/O here: the caller fetches bundles, stores what [`Account::take_changes`]
//! reports and decides whom to trust.

use std::collections::{BTreeMap, BTreeSet};

use super::payload;
use super::session::{Bundle, KeyData, KeyExchange, OwnKeys, Session};
use super::{Error, Namespace, crypto};

/// A device of some JID.
pub type DeviceKey = (String, Namespace, u32);

/// What changed since the caller last stored: sessions and own keys.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub sessions: BTreeSet<DeviceKey>,
    pub own_keys: bool,
}

/// A message encrypted for some devices.
#[derive(Clone, Debug)]
pub struct Sealed {
    pub ns: Namespace,
    pub sid: u32,
    /// (recipient JID, device, key element).
    pub keys: Vec<(String, u32, KeyData)>,
    pub iv: Vec<u8>,
    pub payload: Option<Vec<u8>>,
}

/// A recipient device: its JID and id, and its bundle when no session
/// exists yet.
pub struct Recipient<'a> {
    pub jid: &'a str,
    pub device: u32,
    pub bundle: Option<&'a Bundle>,
}

/// Devices left out of a message, with why.
pub type Failures = Vec<(String, u32, Error)>;

/// What decrypting gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The body's bytes; `None` for an empty message (a key transport
    /// or a session's confirmation).
    pub plaintext: Option<Vec<u8>>,
    /// The sender device's identity key (Montgomery form).
    pub identity: [u8; 32],
    /// A new session was built from a key exchange: the sender expects an
    /// empty message back to confirm it.
    pub new_session: bool,
}

pub struct Account {
    pub device: u32,
    pub keys: OwnKeys,
    sessions: BTreeMap<DeviceKey, Session>,
    changes: Changes,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("device", &self.device)
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

/// A fresh device id: 1 to 2^31 − 1.
pub fn new_device_id() -> Result<u32, Error> {
    let raw = u32::from_le_bytes(crypto::random()?) & 0x7fff_ffff;
    Ok(raw.max(1))
}

impl Account {
    /// A new device with fresh keys.
    pub fn generate() -> Result<Account, Error> {
        Ok(Account::new(new_device_id()?, OwnKeys::generate()?))
    }

    pub fn new(device: u32, keys: OwnKeys) -> Account {
        Account {
            device,
            keys,
            sessions: BTreeMap::new(),
            changes: Changes::default(),
        }
    }

    pub fn insert_session(&mut self, key: DeviceKey, session: Session) {
        self.sessions.insert(key, session);
    }

    pub fn session(&self, key: &DeviceKey) -> Option<&Session> {
        self.sessions.get(key)
    }

    pub fn has_session(&self, jid: &str, ns: Namespace, device: u32) -> bool {
        self.sessions.contains_key(&(jid.to_owned(), ns, device))
    }

    /// Sessions and keys changed since the last call, to be stored.
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Encrypts `plaintext` (`None`: an empty message) for `recipients`.
    /// A device whose session cannot be built is left out and named in the
    /// second value, with why; the caller decides whether what remains is
    /// enough.
    pub fn encrypt(
        &mut self,
        ns: Namespace,
        plaintext: Option<&[u8]>,
        recipients: &[Recipient<'_>],
    ) -> Result<(Sealed, Failures), Error> {
        let (payload, iv, key_material) = match plaintext {
            Some(plaintext) => {
                let sealed = payload::seal(ns, plaintext)?;
                (Some(sealed.payload), sealed.iv, sealed.key_material)
            }
            None => match ns {
                Namespace::Legacy => (
                    None,
                    crypto::random::<12>()?.to_vec(),
                    crypto::random::<16>()?.to_vec(),
                ),
                Namespace::Omemo2 => (None, Vec::new(), vec![0u8; 32]),
            },
        };
        let mut keys = Vec::new();
        let mut failed = Vec::new();
        for recipient in recipients {
            let key = (recipient.jid.to_owned(), ns, recipient.device);
            let session = match self.sessions.get_mut(&key) {
                Some(session) => session,
                None => {
                    let built = recipient
                        .bundle
                        .ok_or(Error::Session("no session and no bundle"))
                        .and_then(|bundle| Session::initiate(&self.keys, bundle));
                    match built {
                        Ok(session) => self.sessions.entry(key.clone()).or_insert(session),
                        Err(error) => {
                            failed.push((key.0, key.2, error));
                            continue;
                        }
                    }
                }
            };
            match session.encrypt(&self.keys, &key_material) {
                Ok(data) => {
                    self.changes.sessions.insert(key.clone());
                    keys.push((key.0, key.2, data));
                }
                Err(error) => failed.push((key.0, key.2, error)),
            }
        }
        Ok((
            Sealed {
                ns,
                sid: self.device,
                keys,
                iv,
                payload,
            },
            failed,
        ))
    }

    /// Decrypts a message from device `sid` of `from`, given the key
    /// element addressed to us. On failure nothing changes.
    pub fn decrypt(
        &mut self,
        ns: Namespace,
        from: &str,
        sid: u32,
        key: &KeyData,
        iv: &[u8],
        payload: Option<&[u8]>,
    ) -> Result<Opened, Error> {
        let device_key = (from.to_owned(), ns, sid);
        // (key material, sender identity, pre-key used, session after)
        let (key_material, identity, used_pre_key, session) = if key.prekey {
            let exchange = KeyExchange::parse(ns, &key.data)?;
            match self.sessions.get(&device_key) {
                Some(existing) if exchange.built(existing) => {
                    let mut session = existing.clone();
                    let material = exchange.decrypt_with(&mut session)?;
                    (material, exchange.identity, None, session)
                }
                _ => {
                    let (session, material) = exchange.accept(&self.keys)?;
                    (
                        material,
                        exchange.identity,
                        Some(exchange.pre_key_id),
                        session,
                    )
                }
            }
        } else {
            let Some(existing) = self.sessions.get(&device_key) else {
                return Err(Error::Session("no session with this device"));
            };
            let mut session = existing.clone();
            let material = session.decrypt(&key.data)?;
            let identity = session.their_identity;
            (material, identity, None, session)
        };
        let plaintext = match payload {
            Some(payload) => Some(payload::open(ns, payload, iv, &key_material)?),
            None => None,
        };
        // Only a message that opened whole spends the pre-key (a forged
        // exchange must not use them up).
        if let Some(id) = used_pre_key {
            self.keys.pre_keys.remove(&id);
            self.keys.refill()?;
            self.changes.own_keys = true;
        }
        self.sessions.insert(device_key.clone(), session);
        self.changes.sessions.insert(device_key);
        Ok(Opened {
            plaintext,
            identity,
            new_session: used_pre_key.is_some(),
        })
    }
}
