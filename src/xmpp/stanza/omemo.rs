//! OMEMO's elements in both namespaces (XEP-0384; requirement IDs in
//! `tests/omemo-requirements.md`): the device list and bundle as PEP items
//! carry them, and `<encrypted/>` in a message. Keys travel base64-encoded;
//! every count and length is capped before anything is decoded, so a
//! hostile list or bundle costs at most a few kilobytes (OMEMO-40).
//!
//! Syntax only: whether to trust, fetch or answer belongs to
//! `crate::app::omemo`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jid::BareJid;

use super::{ParseError, quoted};
use crate::omemo::Namespace;
use crate::omemo::session::Bundle;
use crate::omemo::wire;
use crate::xmpp::element::Element;

/// Explicit Message Encryption (XEP-0380).
pub const EME: &str = "urn:xmpp:eme:0";

/// The body a client that cannot decrypt shows (OMEMO-33).
pub const FALLBACK_BODY: &str = "This message is OMEMO encrypted; your client cannot read it.";

/// What end-to-end encryption decided for a message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum E2e {
    /// Neither encrypted nor to be.
    #[default]
    Plain,
    /// Outgoing: leaves encrypted or not at all (OMEMO-31).
    Required,
    /// Incoming: decrypted; sent by `device`, whose key the user trusts
    /// (blindly or verified) or not.
    Decrypted {
        ns: Namespace,
        device: u32,
        trusted: bool,
    },
    /// Incoming: encrypted, and not for us to read; the body says why.
    /// `quiet` when there is nothing to tell the user (a copy already
    /// read, an empty message that only moves a session on).
    Undecryptable { reason: String, quiet: bool },
}

impl E2e {
    /// True for a message that was or will be encrypted.
    pub fn is_encrypted(&self) -> bool {
        !matches!(self, E2e::Plain)
    }
}

/// Devices read from one list; the rest are ignored (a real account has a
/// handful).
pub const MAX_DEVICES: usize = 64;
/// Pre-keys read from one bundle.
pub const MAX_PRE_KEYS: usize = 200;
/// Key elements read from one message (one per recipient device).
pub const MAX_KEYS: usize = 256;
/// Base64 characters read for one key or signature.
const MAX_KEY_TEXT: usize = 2_048;
/// Base64 characters read for a payload.
const MAX_PAYLOAD_TEXT: usize = 360 * 1024;

/// The PEP node of a namespace's device list.
pub fn device_list_node(ns: Namespace) -> &'static str {
    match ns {
        Namespace::Legacy => "eu.siacs.conversations.axolotl.devicelist",
        Namespace::Omemo2 => "urn:xmpp:omemo:2:devices",
    }
}

/// The PEP node of a device's bundle: legacy has one node per device,
/// OMEMO 2 one node with an item per device.
pub fn bundle_node(ns: Namespace, device: u32) -> String {
    match ns {
        Namespace::Legacy => format!("eu.siacs.conversations.axolotl.bundles:{device}"),
        Namespace::Omemo2 => "urn:xmpp:omemo:2:bundles".to_owned(),
    }
}

/// Which namespace's device list `node` is.
pub fn device_list_namespace(node: &str) -> Option<Namespace> {
    [Namespace::Legacy, Namespace::Omemo2]
        .into_iter()
        .find(|&ns| device_list_node(ns) == node)
}

/// One device of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: u32,
    pub label: Option<String>,
}

/// A device id: 1 to 2^31 − 1, as both namespaces allow.
fn device_id(value: Option<&str>) -> Option<u32> {
    value?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|id| (1..=i32::MAX as u32).contains(id))
}

/// Reads a device list; devices with an invalid id are skipped, doubles
/// kept once.
pub fn parse_device_list(ns: Namespace, payload: &Element) -> Result<Vec<Device>, ParseError> {
    let name = match ns {
        Namespace::Legacy => "list",
        Namespace::Omemo2 => "devices",
    };
    if !payload.is(name, ns.xmlns()) {
        return Err(ParseError::Invalid(format!(
            "expected a device list, got <{}/>",
            quoted(payload.name())
        )));
    }
    let mut devices: Vec<Device> = Vec::new();
    for device in payload.children_named("device", ns.xmlns()) {
        if devices.len() >= MAX_DEVICES {
            break;
        }
        let Some(id) = device_id(device.attr("id")) else {
            continue;
        };
        if devices.iter().any(|d| d.id == id) {
            continue;
        }
        devices.push(Device {
            id,
            label: device
                .attr("label")
                .map(|label| super::super::cap::id(label.to_owned())),
        });
    }
    Ok(devices)
}

pub fn device_list_element(ns: Namespace, devices: &[Device]) -> Element {
    let name = match ns {
        Namespace::Legacy => "list",
        Namespace::Omemo2 => "devices",
    };
    let mut list = Element::new(name, ns.xmlns());
    for device in devices {
        let mut element = Element::new("device", ns.xmlns()).with_attr("id", device.id.to_string());
        if ns == Namespace::Omemo2 {
            element = element.with_opt_attr("label", device.label.as_deref());
        }
        list.push_child(element);
    }
    list
}

fn decode(text: &str, limit: usize) -> Option<Vec<u8>> {
    if text.len() > limit {
        return None;
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    BASE64.decode(compact).ok()
}

/// A legacy public key: `0x05 ‖ key`, or the bare 32 bytes some
/// clients publish.
fn legacy_key(bytes: &[u8]) -> Option<[u8; 32]> {
    match bytes.len() {
        33 => wire::curve_key(Some(bytes)),
        32 => bytes.try_into().ok(),
        _ => None,
    }
}

fn key_text(element: Option<&Element>, ns: Namespace) -> Option<[u8; 32]> {
    let bytes = decode(&element?.text(), MAX_KEY_TEXT)?;
    match ns {
        Namespace::Legacy => legacy_key(&bytes),
        Namespace::Omemo2 => bytes.as_slice().try_into().ok(),
    }
}

fn invalid(what: &str) -> ParseError {
    ParseError::Invalid(format!("bundle: {what}"))
}

/// Reads a bundle. Pre-keys with a bad id or key are skipped; a bundle
/// left without any is still returned (the caller cannot start a session
/// with it, and says so).
pub fn parse_bundle(ns: Namespace, payload: &Element) -> Result<Bundle, ParseError> {
    if !payload.is("bundle", ns.xmlns()) {
        return Err(invalid("not a bundle"));
    }
    let x = ns.xmlns();
    let (spk_name, spk_id_attr, sig_name, ik_name, pk_name, pk_id_attr) = match ns {
        Namespace::Legacy => (
            "signedPreKeyPublic",
            "signedPreKeyId",
            "signedPreKeySignature",
            "identityKey",
            "preKeyPublic",
            "preKeyId",
        ),
        Namespace::Omemo2 => ("spk", "id", "spks", "ik", "pk", "id"),
    };
    let spk = payload
        .child(spk_name, x)
        .ok_or_else(|| invalid("no signed pre-key"))?;
    let signed_pre_key_id = spk
        .attr(spk_id_attr)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| invalid("signed pre-key id"))?;
    let signed_pre_key = key_text(Some(spk), ns).ok_or_else(|| invalid("signed pre-key"))?;
    let signature = payload
        .child(sig_name, x)
        .and_then(|s| decode(&s.text(), MAX_KEY_TEXT))
        .filter(|s| s.len() == 64)
        .ok_or_else(|| invalid("signature"))?;
    let identity =
        key_text(payload.child(ik_name, x), ns).ok_or_else(|| invalid("identity key"))?;
    let mut pre_keys = Vec::new();
    if let Some(list) = payload.child("prekeys", x) {
        for pk in list.children_named(pk_name, x) {
            if pre_keys.len() >= MAX_PRE_KEYS {
                break;
            }
            let id = pk
                .attr(pk_id_attr)
                .and_then(|v| v.trim().parse::<u32>().ok());
            if let (Some(id), Some(key)) = (id, key_text(Some(pk), ns)) {
                pre_keys.push((id, key));
            }
        }
    }
    Ok(Bundle {
        ns,
        identity,
        signed_pre_key_id,
        signed_pre_key,
        signature,
        pre_keys,
    })
}

fn encode_key(ns: Namespace, key: &[u8; 32]) -> String {
    match ns {
        Namespace::Legacy => BASE64.encode(wire::encode_curve(key)),
        Namespace::Omemo2 => BASE64.encode(key),
    }
}

pub fn bundle_element(bundle: &Bundle) -> Element {
    let ns = bundle.ns;
    let x = ns.xmlns();
    let mut pre_keys = Element::new("prekeys", x);
    match ns {
        Namespace::Legacy => {
            for (id, key) in &bundle.pre_keys {
                pre_keys.push_child(
                    Element::new("preKeyPublic", x)
                        .with_attr("preKeyId", id.to_string())
                        .with_text(encode_key(ns, key)),
                );
            }
            Element::new("bundle", x)
                .with_child(
                    Element::new("signedPreKeyPublic", x)
                        .with_attr("signedPreKeyId", bundle.signed_pre_key_id.to_string())
                        .with_text(encode_key(ns, &bundle.signed_pre_key)),
                )
                .with_child(
                    Element::new("signedPreKeySignature", x)
                        .with_text(BASE64.encode(&bundle.signature)),
                )
                .with_child(
                    Element::new("identityKey", x).with_text(encode_key(ns, &bundle.identity)),
                )
                .with_child(pre_keys)
        }
        Namespace::Omemo2 => {
            for (id, key) in &bundle.pre_keys {
                pre_keys.push_child(
                    Element::new("pk", x)
                        .with_attr("id", id.to_string())
                        .with_text(encode_key(ns, key)),
                );
            }
            Element::new("bundle", x)
                .with_child(
                    Element::new("spk", x)
                        .with_attr("id", bundle.signed_pre_key_id.to_string())
                        .with_text(encode_key(ns, &bundle.signed_pre_key)),
                )
                .with_child(Element::new("spks", x).with_text(BASE64.encode(&bundle.signature)))
                .with_child(Element::new("ik", x).with_text(encode_key(ns, &bundle.identity)))
                .with_child(pre_keys)
        }
    }
}

/// One recipient device's key element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The recipient's bare JID (OMEMO 2 groups keys by JID; legacy does not).
    pub jid: Option<BareJid>,
    pub rid: u32,
    /// A key exchange (`prekey='true'` or `kex='true'`).
    pub prekey: bool,
    pub data: Vec<u8>,
}

/// An `<encrypted/>` element read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encrypted {
    pub ns: Namespace,
    /// The sending device.
    pub sid: u32,
    pub keys: Vec<Key>,
    /// Legacy only.
    pub iv: Vec<u8>,
    /// Absent in an empty message (a key transport, or a heartbeat that
    /// only moves the ratchet on).
    pub payload: Option<Vec<u8>>,
}

fn is_true(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("true" | "1"))
}

impl Encrypted {
    /// The `<encrypted/>` of `message`, and the decision so far: one that
    /// does not read is undecryptable now.
    pub fn of(message: &Element) -> (Option<Encrypted>, E2e) {
        match Encrypted::find(message).map(Encrypted::parse) {
            None => (None, E2e::Plain),
            Some(Ok(encrypted)) => (Some(encrypted), E2e::Plain),
            Some(Err(error)) => (
                None,
                E2e::Undecryptable {
                    reason: error.to_string(),
                    quiet: false,
                },
            ),
        }
    }

    /// The `<encrypted/>` of either namespace in `message`, if any; OMEMO 2
    /// first when a sender put both.
    pub fn find(message: &Element) -> Option<&Element> {
        [Namespace::Omemo2, Namespace::Legacy]
            .into_iter()
            .find_map(|ns| message.child("encrypted", ns.xmlns()))
    }

    pub fn parse(element: &Element) -> Result<Encrypted, ParseError> {
        let ns = [Namespace::Legacy, Namespace::Omemo2]
            .into_iter()
            .find(|ns| element.is("encrypted", ns.xmlns()))
            .ok_or_else(|| ParseError::Invalid("not an OMEMO element".to_owned()))?;
        let x = ns.xmlns();
        let bad = |what: &str| ParseError::Invalid(format!("OMEMO: {what}"));
        let header = element.child("header", x).ok_or_else(|| bad("no header"))?;
        let sid = device_id(header.attr("sid")).ok_or_else(|| bad("sender device"))?;
        let mut keys = Vec::new();
        let mut read_key = |key: &Element, jid: Option<&BareJid>| {
            if keys.len() >= MAX_KEYS {
                return;
            }
            let (Some(rid), Some(data)) = (
                device_id(key.attr("rid")),
                decode(&key.text(), MAX_KEY_TEXT),
            ) else {
                return;
            };
            let prekey = match ns {
                Namespace::Legacy => is_true(key.attr("prekey")),
                Namespace::Omemo2 => is_true(key.attr("kex")),
            };
            keys.push(Key {
                jid: jid.cloned(),
                rid,
                prekey,
                data,
            });
        };
        match ns {
            Namespace::Legacy => {
                for key in header.children_named("key", x) {
                    read_key(key, None);
                }
            }
            Namespace::Omemo2 => {
                for group in header.children_named("keys", x) {
                    let Some(jid) = group.attr("jid").and_then(|j| BareJid::new(j).ok()) else {
                        continue;
                    };
                    for key in group.children_named("key", x) {
                        read_key(key, Some(&jid));
                    }
                }
            }
        }
        let iv = match ns {
            Namespace::Legacy => header
                .child("iv", x)
                .and_then(|iv| decode(&iv.text(), 64))
                .unwrap_or_default(),
            Namespace::Omemo2 => Vec::new(),
        };
        let payload = match element.child("payload", x) {
            Some(payload) => {
                Some(decode(&payload.text(), MAX_PAYLOAD_TEXT).ok_or_else(|| bad("payload"))?)
            }
            None => None,
        };
        Ok(Encrypted {
            ns,
            sid,
            keys,
            iv,
            payload,
        })
    }

    /// The key element for our device, if the sender included one.
    pub fn key_for(&self, jid: &BareJid, device: u32) -> Option<&Key> {
        self.keys
            .iter()
            .find(|k| k.rid == device && k.jid.as_ref().is_none_or(|j| j == jid))
    }

    pub fn to_element(&self) -> Element {
        let x = self.ns.xmlns();
        let mut header = Element::new("header", x).with_attr("sid", self.sid.to_string());
        let key_element = |key: &Key| {
            let flag = match self.ns {
                Namespace::Legacy => "prekey",
                Namespace::Omemo2 => "kex",
            };
            Element::new("key", x)
                .with_attr("rid", key.rid.to_string())
                .with_opt_attr(flag, key.prekey.then_some("true"))
                .with_text(BASE64.encode(&key.data))
        };
        match self.ns {
            Namespace::Legacy => {
                for key in &self.keys {
                    header.push_child(key_element(key));
                }
                header.push_child(Element::new("iv", x).with_text(BASE64.encode(&self.iv)));
            }
            Namespace::Omemo2 => {
                let mut groups: Vec<(Option<&BareJid>, Element)> = Vec::new();
                for key in &self.keys {
                    let jid = key.jid.as_ref();
                    match groups.iter_mut().find(|(j, _)| *j == jid) {
                        Some((_, group)) => group.push_child(key_element(key)),
                        None => {
                            let group = Element::new("keys", x)
                                .with_opt_attr("jid", jid.map(|j| j.to_string()))
                                .with_child(key_element(key));
                            groups.push((jid, group));
                        }
                    }
                }
                for (_, group) in groups {
                    header.push_child(group);
                }
            }
        }
        let mut encrypted = Element::new("encrypted", x).with_child(header);
        if let Some(payload) = &self.payload {
            encrypted.push_child(Element::new("payload", x).with_text(BASE64.encode(payload)));
        }
        encrypted
    }
}

impl Encrypted {
    /// The element for a message [`Account::encrypt`](crate::omemo::account::Account::encrypt)
    /// sealed.
    pub fn from_sealed(sealed: crate::omemo::account::Sealed) -> Encrypted {
        Encrypted {
            ns: sealed.ns,
            sid: sealed.sid,
            keys: sealed
                .keys
                .into_iter()
                .map(|(jid, rid, key)| Key {
                    jid: BareJid::new(&jid).ok(),
                    rid,
                    prekey: key.prekey,
                    data: key.data,
                })
                .collect(),
            iv: sealed.iv,
            payload: sealed.payload,
        }
    }
}
