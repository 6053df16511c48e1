//! The engine's OMEMO (XEP-0384; IDs in tests/omemo-requirements.md):
//! this device's keys and sessions, the device lists and bundles it
//! publishes and fetches, and the two places messages pass through it:
//! decrypted on the way in, before the store sees them, and encrypted on
//! the way out, after the history has the plain text.
//!
//! Every secret and every decision is written to the key store as soon as
//! it is made, before the message it came with is shown or acknowledged.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use jid::{BareJid, Jid};
use tracing::{debug, warn};

use super::Engine;
use crate::app::Msg;
use crate::app::omemo::{OmemoCommand, Report};
use crate::omemo::account::{Account, DeviceKey, Recipient};
use crate::omemo::session::{Bundle, KeyData};
use crate::omemo::store::{DeviceRow, KeyStore, Trust};
use crate::omemo::{Error as OmemoError, Namespace};
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::{RequestError, SessionEvent};
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::omemo::{self as stanza, E2e, Encrypted};
use crate::xmpp::stanza::pubsub::{EventKind, Item, PublishOptions};
use crate::xmpp::stanza::sce;

const NAMESPACES: [Namespace; 2] = [Namespace::Legacy, Namespace::Omemo2];
/// Messages waiting for device lists and bundles; beyond, new ones fail
/// at once rather than pile up behind a server that does not answer.
const MAX_WAITING: usize = 256;
/// Contacts whose device lists are kept.
const MAX_JIDS: usize = 10_000;

/// What an OMEMO request is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Step {
    /// Our own device list, read at login to add this device (OMEMO-01).
    OwnList(Namespace),
    /// A publish of ours.
    Publish(Namespace),
    /// A contact's device list (OMEMO-03).
    List(String, Namespace),
    /// A contact's bundles (OMEMO-05): one device's node for legacy, the
    /// whole node for OMEMO 2.
    Bundle(String, Namespace, u32),
}

/// A message waiting for what encrypting it needs.
struct Waiting {
    message: Message,
    needs: HashSet<Step>,
}

/// The engine's OMEMO state.
#[derive(Default)]
pub(super) struct Omemo {
    /// Where keys and decisions are kept; in memory when the engine has no
    /// data directory.
    store: Option<KeyStore>,
    path: Option<PathBuf>,
    account: Option<Account>,
    /// Announced devices by (bare JID, namespace).
    lists: HashMap<(String, Namespace), Vec<u32>>,
    /// Lists read or pushed during this session.
    fresh: HashSet<(String, Namespace)>,
    /// The identity key each device showed (Montgomery form).
    identities: HashMap<DeviceKey, [u8; 32]>,
    trust: HashMap<(String, [u8; 32]), Trust>,
    /// Bundles fetched for devices without a session yet.
    bundles: HashMap<DeviceKey, Bundle>,
    /// Bundles that could not be had this session.
    missing: HashSet<DeviceKey>,
    waiting: VecDeque<Waiting>,
    requests: HashMap<u64, Step>,
    /// The namespace each contact last wrote to us in.
    last_ns: HashMap<String, Namespace>,
    /// Our bare JID for this session.
    own: Option<BareJid>,
    online: bool,
}

impl std::fmt::Debug for Omemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Omemo")
            .field("path", &self.path)
            .field("waiting", &self.waiting.len())
            .finish()
    }
}

/// A fingerprint as the user reads and types it: the Montgomery form of
/// the identity key in lowercase hex.
pub fn fingerprint(identity: &[u8; 32]) -> String {
    identity.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same, in groups of eight for reading aloud.
fn grouped(fingerprint: &str) -> String {
    fingerprint
        .as_bytes()
        .chunks(8)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn ns_name(ns: Namespace) -> &'static str {
    match ns {
        Namespace::Legacy => "legacy",
        Namespace::Omemo2 => "OMEMO 2",
    }
}

impl Omemo {
    /// Opens the key store of `account` in `data_dir` and loads what it
    /// holds; the reports tell the store who announces devices and what
    /// the user chose.
    pub(super) fn open(data_dir: Option<&Path>, account: &BareJid) -> (Omemo, Vec<Report>) {
        let mut omemo = Omemo::default();
        let opened = match data_dir {
            Some(dir) => {
                let path = crate::omemo::store::default_path(
                    dir,
                    &crate::roster_cache::file_safe(account),
                );
                omemo.path = Some(path.clone());
                KeyStore::open(&path)
            }
            None => KeyStore::open_in_memory(),
        };
        match opened {
            Ok(store) => omemo.store = Some(store),
            Err(error) => warn!(%error, "OMEMO keys cannot be kept; they live for this run only"),
        }
        let reports = omemo.load();
        (omemo, reports)
    }

    fn load(&mut self) -> Vec<Report> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        match store.load_own() {
            Ok(Some((device, keys))) => self.account = Some(Account::new(device, keys)),
            Ok(None) => {}
            Err(error) => warn!(%error, "cannot read this device's OMEMO keys"),
        }
        if let Some(account) = &mut self.account {
            match store.load_sessions() {
                Ok(sessions) => {
                    for (jid, ns, device, session) in sessions {
                        account.insert_session((jid, ns, device), session);
                    }
                }
                Err(error) => warn!(%error, "cannot read the OMEMO sessions"),
            }
        }
        match store.load_devices() {
            Ok(rows) => {
                for row in rows {
                    let key = (row.jid.clone(), row.ns, row.device);
                    if let Some(identity) = row.identity {
                        self.identities.insert(key, identity);
                    }
                    if row.active {
                        self.lists
                            .entry((row.jid, row.ns))
                            .or_default()
                            .push(row.device);
                    }
                }
            }
            Err(error) => warn!(%error, "cannot read the OMEMO devices"),
        }
        match store.load_identities() {
            Ok(rows) => {
                for (jid, identity, trust) in rows {
                    self.trust.insert((jid, identity), trust);
                }
            }
            Err(error) => warn!(%error, "cannot read the OMEMO trust"),
        }
        let mut reports = Vec::new();
        let jids: BTreeSet<&String> = self.lists.keys().map(|(jid, _)| jid).collect();
        for jid in jids {
            if let Ok(bare) = BareJid::new(jid) {
                reports.push(Report::Devices {
                    devices: self.device_count(jid),
                    jid: bare,
                });
            }
        }
        match store.load_chosen() {
            Ok(rows) => {
                for (jid, on) in rows {
                    if let Ok(jid) = BareJid::new(&jid) {
                        reports.push(Report::Chosen { jid, on });
                    }
                }
            }
            Err(error) => warn!(%error, "cannot read the OMEMO choices"),
        }
        reports
    }

    fn device_count(&self, jid: &str) -> usize {
        NAMESPACES
            .iter()
            .filter_map(|ns| self.lists.get(&(jid.to_owned(), *ns)))
            .map(Vec::len)
            .sum()
    }

    /// This device, generated on first use and kept.
    fn account(&mut self) -> Result<&mut Account, String> {
        if self.account.is_none() {
            let account = Account::generate().map_err(|e| e.to_string())?;
            if let Some(store) = &self.store
                && let Err(error) = store.save_own(account.device, &account.keys)
            {
                return Err(format!("cannot keep the new OMEMO keys: {error}"));
            }
            self.account = Some(account);
        }
        self.account
            .as_mut()
            .ok_or_else(|| "no OMEMO keys".to_owned())
    }

    /// Writes what the account changed: before anything it decrypted or
    /// encrypted is shown or sent. True when our keys changed (a pre-key
    /// used: the bundle must be published again).
    fn persist(&mut self) -> bool {
        let Some(account) = &mut self.account else {
            return false;
        };
        let changes = account.take_changes();
        let Some(store) = &self.store else {
            return changes.own_keys;
        };
        if changes.own_keys
            && let Err(error) = store.save_own(account.device, &account.keys)
        {
            warn!(%error, "cannot store this device's OMEMO keys");
        }
        for key in &changes.sessions {
            if let Some(session) = account.session(key)
                && let Err(error) = store.save_session(&key.0, key.1, key.2, session)
            {
                warn!(%error, "cannot store an OMEMO session");
            }
        }
        changes.own_keys
    }

    /// The trust of `identity` for `jid`, deciding it the first time it is
    /// seen (blind trust before verification, OMEMO-53): trusted unless the
    /// contact has a verified key, then undecided. The second value is true
    /// when the user must be told of a new undecided device.
    fn trust_of(&mut self, jid: &str, identity: [u8; 32]) -> (Trust, bool) {
        if let Some(trust) = self.trust.get(&(jid.to_owned(), identity)) {
            return (*trust, false);
        }
        let verified = self
            .trust
            .iter()
            .any(|((j, _), t)| j == jid && *t == Trust::Verified);
        let trust = if verified {
            Trust::Undecided
        } else {
            Trust::Blind
        };
        self.set_trust(jid, identity, trust);
        (trust, verified)
    }

    fn set_trust(&mut self, jid: &str, identity: [u8; 32], trust: Trust) {
        self.trust.insert((jid.to_owned(), identity), trust);
        if let Some(store) = &self.store
            && let Err(error) = store.save_identity(jid, &identity, trust)
        {
            warn!(%error, "cannot store an OMEMO trust decision");
        }
    }

    fn learn_identity(&mut self, key: &DeviceKey, identity: [u8; 32]) {
        if self.identities.get(key) == Some(&identity) {
            return;
        }
        self.identities.insert(key.clone(), identity);
        self.save_device(key, true);
    }

    fn save_device(&self, key: &DeviceKey, active: bool) {
        if let Some(store) = &self.store {
            let row = DeviceRow {
                jid: key.0.clone(),
                ns: key.1,
                device: key.2,
                active,
                label: None,
                identity: self.identities.get(key).copied(),
            };
            if let Err(error) = store.save_device(&row) {
                warn!(%error, "cannot store an OMEMO device");
            }
        }
    }

    /// Takes a device list read or pushed for `jid`; returns the devices
    /// that left it.
    fn set_list(&mut self, jid: &str, ns: Namespace, devices: Vec<u32>) {
        if self.lists.len() >= MAX_JIDS && !self.lists.contains_key(&(jid.to_owned(), ns)) {
            return;
        }
        let old = self
            .lists
            .insert((jid.to_owned(), ns), devices.clone())
            .unwrap_or_default();
        self.fresh.insert((jid.to_owned(), ns));
        for device in old.iter().filter(|d| !devices.contains(d)) {
            self.save_device(&(jid.to_owned(), ns, *device), false);
        }
        for device in devices.iter().filter(|d| !old.contains(d)) {
            self.save_device(&(jid.to_owned(), ns, *device), true);
        }
    }
}

impl Engine {
    /// True when `from` is our own account (a carbon or archived copy of
    /// what one of our devices sent).
    pub(super) fn is_ours(&self, from: Option<&Jid>) -> bool {
        from.is_some_and(|f| f.to_bare().as_str() == self.account)
    }

    /// OMEMO's part in a session event before the store applies it:
    /// messages decrypted, device lists taken. False when the event is
    /// OMEMO's alone and the store has nothing to do with it.
    pub(super) fn omemo_session_event(&mut self, msg: &mut Msg) -> bool {
        let Msg::Session { event, .. } = msg else {
            return true;
        };
        match event {
            SessionEvent::Message(message) => {
                let ours = self.is_ours(message.from.as_ref());
                self.omemo_incoming(message, ours);
            }
            SessionEvent::Carbon { direction, message } => {
                let ours = *direction == crate::xmpp::stanza::carbons::Direction::Sent;
                self.omemo_incoming(message, ours);
            }
            SessionEvent::Pubsub { from, event } if self.omemo_event(from.as_ref(), event) => {
                return false;
            }
            SessionEvent::Online { jid, .. } => {
                let own = jid.to_bare();
                // After the store has seen the session start.
                self.omemo.own = Some(own);
            }
            _ => {}
        }
        true
    }

    /// Carries out a `/omemo` command.
    pub(super) fn omemo_command(
        &mut self,
        tag: u64,
        command: OmemoCommand,
        queue: &mut VecDeque<Msg>,
    ) {
        let (ok, text) = match command {
            OmemoCommand::On(None) | OmemoCommand::Off(None) => return,
            // The store has reported these already; only keep them.
            OmemoCommand::On(Some(jid)) => return self.omemo_choose(&jid, true),
            OmemoCommand::Off(Some(jid)) => return self.omemo_choose(&jid, false),
            OmemoCommand::Fingerprints(jid) => (true, self.omemo_fingerprints(jid.as_ref())),
            OmemoCommand::Trust { jid, fingerprint } => {
                self.omemo_decide(&jid, &fingerprint, Trust::Verified)
            }
            OmemoCommand::Untrust { jid, fingerprint } => {
                self.omemo_decide(&jid, &fingerprint, Trust::Distrusted)
            }
        };
        queue.push_back(Msg::Omemo(Report::Result { tag, ok, text }));
    }

    fn omemo_choose(&mut self, jid: &BareJid, on: bool) {
        if let Some(store) = &self.omemo.store
            && let Err(error) = store.save_chosen(jid.as_str(), on)
        {
            warn!(%error, "cannot keep the OMEMO choice");
        }
    }

    fn omemo_fingerprints(&mut self, jid: Option<&BareJid>) -> String {
        let omemo = &mut self.omemo;
        let mut lines = Vec::new();
        match omemo.account() {
            Ok(account) => {
                let own = fingerprint(&account.keys.identity().curve_public());
                lines.push(format!(
                    "this device ({}): {}",
                    account.device,
                    grouped(&own)
                ));
            }
            Err(why) => lines.push(format!("this device: {why}")),
        }
        if let Some(jid) = jid {
            let mut any = false;
            for ns in NAMESPACES {
                let devices = omemo
                    .lists
                    .get(&(jid.to_string(), ns))
                    .cloned()
                    .unwrap_or_default();
                for device in devices {
                    any = true;
                    let key = (jid.to_string(), ns, device);
                    let line = match omemo.identities.get(&key) {
                        Some(identity) => {
                            let trust = omemo
                                .trust
                                .get(&(jid.to_string(), *identity))
                                .copied()
                                .unwrap_or(Trust::Undecided);
                            format!(
                                "{jid} device {device} ({}): {} [{}]",
                                ns_name(ns),
                                grouped(&fingerprint(identity)),
                                trust_word(trust)
                            )
                        }
                        None => format!(
                            "{jid} device {device} ({}): key not seen yet (it is fetched when you \
                             next write)",
                            ns_name(ns)
                        ),
                    };
                    lines.push(line);
                }
            }
            if !any {
                lines.push(format!("{jid} announces no OMEMO device"));
            }
        }
        lines.join("\n")
    }

    fn omemo_decide(&mut self, jid: &BareJid, typed: &str, trust: Trust) -> (bool, String) {
        let wanted: String = typed
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect::<String>()
            .to_ascii_lowercase();
        let found: Vec<[u8; 32]> = self
            .omemo
            .identities
            .iter()
            .filter(|((j, _, _), _)| j == jid.as_str())
            .map(|(_, identity)| *identity)
            .chain(
                self.omemo
                    .trust
                    .keys()
                    .filter(|(j, _)| j == jid.as_str())
                    .map(|(_, identity)| *identity),
            )
            .filter(|identity| fingerprint(identity) == wanted)
            .collect();
        let Some(identity) = found.first().copied() else {
            return (
                false,
                format!("no device of {jid} has that fingerprint (see /omemo fingerprints {jid})"),
            );
        };
        self.omemo.set_trust(jid.as_str(), identity, trust);
        let text = match trust {
            Trust::Verified => format!("{} of {jid} is verified", grouped(&wanted)),
            _ => format!(
                "{} of {jid} is not trusted: nothing is encrypted to it",
                grouped(&wanted)
            ),
        };
        (true, text)
    }

    /// The session is up: announce this device and its bundles (OMEMO-01,
    /// OMEMO-02), and send what waited for the connection.
    pub(super) fn omemo_online(&mut self, own: BareJid) {
        self.omemo.own = Some(own);
        self.omemo.online = true;
        self.omemo.fresh.clear();
        self.omemo.missing.clear();
        if let Err(why) = self.omemo.account() {
            warn!(%why, "OMEMO is off for this session");
            return;
        }
        for ns in NAMESPACES {
            self.omemo_query(
                Query::PubsubItems {
                    node: stanza::device_list_node(ns).to_owned(),
                },
                Step::OwnList(ns),
            );
            self.omemo_publish_bundle(ns);
        }
        self.omemo_drain();
    }

    pub(super) fn omemo_offline(&mut self) {
        self.omemo.online = false;
        self.omemo.requests.clear();
        for waiting in &mut self.omemo.waiting {
            waiting.needs.clear();
        }
    }

    fn omemo_publish_bundle(&mut self, ns: Namespace) {
        let Some(account) = &self.omemo.account else {
            return;
        };
        let bundle = stanza::bundle_element(&account.keys.bundle(ns));
        let (node, id) = match ns {
            Namespace::Legacy => (
                stanza::bundle_node(ns, account.device),
                "current".to_owned(),
            ),
            Namespace::Omemo2 => (
                stanza::bundle_node(ns, account.device),
                account.device.to_string(),
            ),
        };
        self.omemo_query(
            Query::PubsubPublish {
                node,
                item: Item {
                    id: Some(id),
                    payload: Some(bundle),
                },
                options: Some(open_options()),
            },
            Step::Publish(ns),
        );
    }

    fn omemo_publish_list(&mut self, ns: Namespace, devices: &[u32]) {
        let list: Vec<stanza::Device> = devices
            .iter()
            .map(|&id| stanza::Device { id, label: None })
            .collect();
        self.omemo_query(
            Query::PubsubPublish {
                node: stanza::device_list_node(ns).to_owned(),
                item: Item {
                    id: Some("current".to_owned()),
                    payload: Some(stanza::device_list_element(ns, &list)),
                },
                options: Some(open_options()),
            },
            Step::Publish(ns),
        );
    }

    fn omemo_query(&mut self, query: Query, step: Step) {
        self.next_token += 1;
        let token = self.next_token;
        let sent = self
            .handle
            .as_ref()
            .is_some_and(|h| h.query(query, token).is_ok());
        if sent {
            self.omemo.requests.insert(token, step);
        } else {
            self.omemo_settled(&step);
        }
    }

    /// Takes the reply to an OMEMO request; false when `token` is not one.
    pub(super) fn omemo_reply(
        &mut self,
        token: u64,
        result: &Result<Answer, RequestError>,
    ) -> bool {
        let Some(step) = self.omemo.requests.remove(&token) else {
            return false;
        };
        match (&step, result) {
            (Step::OwnList(ns), Ok(Answer::PubsubItems(items))) => {
                let devices = first_list(*ns, items.items.first().and_then(|i| i.payload.as_ref()));
                self.omemo_own_list(*ns, devices);
            }
            // No list yet: ours is the first device.
            (Step::OwnList(ns), Err(RequestError::Stanza(_))) => {
                self.omemo_own_list(*ns, Vec::new())
            }
            (Step::Publish(ns), Err(RequestError::Stanza(error))) => {
                // A server that cannot meet the options (OMEMO-02) still
                // gets the item, with its defaults.
                debug!(%error, "publishing without options");
                let _ = ns;
            }
            (Step::List(jid, ns), Ok(Answer::PubsubItems(items))) => {
                let devices = first_list(*ns, items.items.first().and_then(|i| i.payload.as_ref()));
                self.omemo_list_learnt(jid, *ns, devices);
            }
            (Step::List(jid, ns), Err(_)) => {
                self.omemo.fresh.insert((jid.clone(), *ns));
            }
            (Step::Bundle(jid, ns, device), Ok(Answer::PubsubItems(items))) => {
                for item in &items.items {
                    let Some(payload) = &item.payload else {
                        continue;
                    };
                    let device = match ns {
                        Namespace::Legacy => Some(*device),
                        Namespace::Omemo2 => item.id.as_deref().and_then(|i| i.parse().ok()),
                    };
                    let Some(device) = device else {
                        continue;
                    };
                    match stanza::parse_bundle(*ns, payload) {
                        Ok(bundle) => {
                            let key = (jid.clone(), *ns, device);
                            if let Some(identity) = bundle.identity_curve() {
                                self.omemo.learn_identity(&key, identity);
                            }
                            self.omemo.bundles.insert(key, bundle);
                        }
                        Err(error) => debug!(%error, %jid, device, "an unreadable bundle"),
                    }
                }
                let key = (jid.clone(), *ns, *device);
                if !self.omemo.bundles.contains_key(&key) {
                    self.omemo.missing.insert(key);
                }
            }
            (Step::Bundle(jid, ns, device), Err(_)) => {
                self.omemo.missing.insert((jid.clone(), *ns, *device));
            }
            _ => {}
        }
        self.omemo_settled(&step);
        true
    }

    fn omemo_own_list(&mut self, ns: Namespace, mut devices: Vec<u32>) {
        let (Some(own), Some(account)) = (self.omemo.own.clone(), &self.omemo.account) else {
            return;
        };
        let device = account.device;
        if !devices.contains(&device) {
            devices.push(device);
            self.omemo_publish_list(ns, &devices);
        }
        self.omemo_list_learnt(own.as_str(), ns, devices);
    }

    fn omemo_list_learnt(&mut self, jid: &str, ns: Namespace, devices: Vec<u32>) {
        self.omemo.set_list(jid, ns, devices);
        if let Ok(bare) = BareJid::new(jid) {
            let count = self.omemo.device_count(jid);
            self.process(Msg::Omemo(Report::Devices {
                jid: bare,
                devices: count,
            }));
        }
    }

    /// A device list pushed (PEP +notify, OMEMO-04). Returns false when
    /// the event is not OMEMO's.
    pub(super) fn omemo_event(
        &mut self,
        from: Option<&Jid>,
        event: &crate::xmpp::stanza::pubsub::Event,
    ) -> bool {
        let Some(ns) = stanza::device_list_namespace(&event.node) else {
            return false;
        };
        // A list is its owner's: a push without a sender, or from a full
        // JID, is nobody's (OMEMO-41).
        let Some(owner) = from.filter(|j| j.resource().is_none()).map(Jid::to_bare) else {
            return true;
        };
        let devices = match &event.kind {
            EventKind::Items { items, .. } => {
                first_list(ns, items.items.first().and_then(|i| i.payload.as_ref()))
            }
            EventKind::Purge | EventKind::Delete => Vec::new(),
        };
        if self.omemo.own.as_ref() == Some(&owner) {
            self.omemo_own_list(ns, devices);
        } else {
            self.omemo_list_learnt(owner.as_str(), ns, devices);
        }
        true
    }

    /// Decrypts an incoming message in place (OMEMO-20…24): its body
    /// becomes the text, or says why there is none; `e2e` records which.
    pub(super) fn omemo_incoming(&mut self, message: &mut Message, sent_by_us: bool) {
        let Some(encrypted) = message.encrypted.take() else {
            return;
        };
        let outcome = self.omemo_decrypt(message, &encrypted, sent_by_us);
        message.oob = None;
        match outcome {
            Ok(Some((body, device, trusted))) => {
                message.bodies = vec![crate::xmpp::stanza::lang::LangText::new(body)];
                message.e2e = E2e::Decrypted {
                    ns: encrypted.ns,
                    device,
                    trusted,
                };
            }
            Ok(None) => {
                message.bodies.clear();
                message.e2e = E2e::Undecryptable {
                    reason: "an empty OMEMO message".to_owned(),
                    quiet: true,
                };
            }
            Err((reason, quiet)) => {
                message.bodies = vec![crate::xmpp::stanza::lang::LangText::new(format!(
                    "[OMEMO: cannot decrypt: {reason}]"
                ))];
                message.e2e = E2e::Undecryptable { reason, quiet };
            }
        }
    }

    /// The text, sender device and whether it is trusted; `Ok(None)` for an
    /// empty message; the error says why and whether to keep quiet.
    #[allow(clippy::type_complexity)]
    fn omemo_decrypt(
        &mut self,
        message: &Message,
        encrypted: &Encrypted,
        sent_by_us: bool,
    ) -> Result<Option<(String, u32, bool)>, (String, bool)> {
        if message.kind == MessageType::Groupchat {
            return Err(("OMEMO in rooms is not supported".to_owned(), false));
        }
        let own = self
            .omemo
            .own
            .clone()
            .or_else(|| BareJid::new(&self.account).ok())
            .ok_or(("no account".to_owned(), false))?;
        // Our own messages come back (the archive, a carbon of another
        // device's) encrypted for the devices they went to.
        let sender = if sent_by_us {
            own.clone()
        } else {
            message
                .from
                .as_ref()
                .map(Jid::to_bare)
                .ok_or(("no sender".to_owned(), false))?
        };
        let account = self.omemo.account().map_err(|why| (why, false))?;
        let device = account.device;
        if sent_by_us && encrypted.sid == device {
            // What this device sent: the history has its text.
            return Err(("sent from this device".to_owned(), true));
        }
        let Some(key) = encrypted.key_for(&own, device) else {
            return Err(("it was not encrypted for this device".to_owned(), false));
        };
        let key = KeyData {
            data: key.data.clone(),
            prekey: key.prekey,
        };
        let opened = account.decrypt(
            encrypted.ns,
            sender.as_str(),
            encrypted.sid,
            &key,
            &encrypted.iv,
            encrypted.payload.as_deref(),
        );
        let opened = match opened {
            Ok(opened) => opened,
            Err(OmemoError::Replay) => return Err(("already read".to_owned(), true)),
            Err(error) => return Err((error.to_string(), false)),
        };
        let republish = self.omemo.persist();
        let device_key = (sender.to_string(), encrypted.ns, encrypted.sid);
        self.omemo.learn_identity(&device_key, opened.identity);
        let (trust, new) = self.omemo.trust_of(sender.as_str(), opened.identity);
        if new {
            self.process(Msg::Omemo(Report::NewDevice {
                jid: sender.clone(),
                fingerprint: fingerprint(&opened.identity),
            }));
        }
        if republish {
            self.omemo_publish_bundle(encrypted.ns);
        }
        if opened.new_session {
            // OMEMO-15: answer a new session at once, so the other side
            // stops sending key exchanges.
            self.omemo_send_empty(&sender, encrypted.ns, encrypted.sid);
        }
        let Some(plaintext) = opened.plaintext else {
            return Ok(None);
        };
        if !sent_by_us && self.omemo.last_ns.len() < MAX_JIDS {
            self.omemo.last_ns.insert(sender.to_string(), encrypted.ns);
        }
        let body = match encrypted.ns {
            Namespace::Legacy => String::from_utf8_lossy(&plaintext).into_owned(),
            Namespace::Omemo2 => {
                let envelope =
                    sce::parse_envelope(&plaintext).map_err(|e| (e.to_string(), false))?;
                // OMEMO-25: the envelope names its sender; another's words
                // relayed are refused.
                if envelope.from.as_ref() != Some(&sender) {
                    return Err(("the envelope names another sender".to_owned(), false));
                }
                envelope.body.unwrap_or_default()
            }
        };
        Ok(Some((body, encrypted.sid, trust.usable())))
    }

    fn omemo_send_empty(&mut self, to: &BareJid, ns: Namespace, device: u32) {
        let Ok(account) = self.omemo.account() else {
            return;
        };
        let recipient = Recipient {
            jid: to.as_str(),
            device,
            bundle: None,
        };
        let Ok((sealed, _)) = account.encrypt(ns, None, &[recipient]) else {
            return;
        };
        self.omemo.persist();
        let mut message = Message::new(MessageType::Chat);
        message.to = Some(Jid::from(to.clone()));
        message.encrypted = Some(Encrypted::from_sealed(sealed));
        self.send(message.to_element());
    }

    /// Takes an outgoing message the store wants encrypted (OMEMO-31): it
    /// leaves encrypted, or not at all.
    pub(super) fn omemo_outgoing(&mut self, message: Message) {
        if self.omemo.waiting.len() >= MAX_WAITING {
            self.omemo_not_sent(&message, "too many messages wait for encryption".to_owned());
            return;
        }
        self.omemo.waiting.push_back(Waiting {
            message,
            needs: HashSet::new(),
        });
        self.omemo_drain();
    }

    fn omemo_settled(&mut self, step: &Step) {
        for waiting in &mut self.omemo.waiting {
            waiting.needs.remove(step);
        }
        self.omemo_drain();
    }

    /// Sends the waiting messages that have what they need, in order: one
    /// still waiting holds back those behind it (OMEMO-32).
    fn omemo_drain(&mut self) {
        while self.omemo.online {
            let Some(front) = self.omemo.waiting.front() else {
                return;
            };
            if !front.needs.is_empty() {
                return;
            }
            let Some(to) = front.message.to.as_ref().map(Jid::to_bare) else {
                if let Some(waiting) = self.omemo.waiting.pop_front() {
                    self.omemo_not_sent(&waiting.message, "no recipient".to_owned());
                }
                continue;
            };
            let needs = self.omemo_needs(&to);
            if !needs.is_empty() {
                for step in &needs {
                    if !self.omemo.requests.values().any(|s| s == step) {
                        self.omemo_query(step_query(step), step.clone());
                    }
                }
                if let Some(front) = self.omemo.waiting.front_mut() {
                    front.needs = needs;
                }
                // A query may have failed at once and settled everything.
                if self
                    .omemo
                    .waiting
                    .front()
                    .is_some_and(|w| !w.needs.is_empty())
                {
                    return;
                }
                continue;
            }
            if let Some(waiting) = self.omemo.waiting.pop_front() {
                self.omemo_seal_and_send(waiting.message, &to);
            }
        }
    }

    /// What is still to be fetched before a message to `to` can be
    /// encrypted: its device lists, then the bundles of devices without a
    /// session.
    fn omemo_needs(&self, to: &BareJid) -> HashSet<Step> {
        let mut needs = HashSet::new();
        let mut jids = vec![to.to_string()];
        if let Some(own) = &self.omemo.own
            && own != to
        {
            jids.push(own.to_string());
        }
        for jid in &jids {
            for ns in NAMESPACES {
                if !self.omemo.fresh.contains(&(jid.clone(), ns)) {
                    needs.insert(Step::List(jid.clone(), ns));
                }
            }
        }
        if !needs.is_empty() {
            return needs;
        }
        let ns = self.omemo_namespace_for(to);
        for jid in &jids {
            for device in self.omemo_recipients(jid, ns) {
                let key = (jid.clone(), ns, device);
                let has_session = self
                    .omemo
                    .account
                    .as_ref()
                    .is_some_and(|a| a.has_session(jid, ns, device));
                if !has_session
                    && !self.omemo.bundles.contains_key(&key)
                    && !self.omemo.missing.contains(&key)
                {
                    needs.insert(Step::Bundle(jid.clone(), ns, device));
                }
            }
        }
        needs
    }

    /// The namespace the contact last wrote in, else OMEMO 2 when they
    /// announce it, else legacy (OMEMO-06).
    fn omemo_namespace_for(&self, to: &BareJid) -> Namespace {
        if let Some(ns) = self.omemo.last_ns.get(to.as_str()) {
            return *ns;
        }
        let announces = |ns| {
            self.omemo
                .lists
                .get(&(to.to_string(), ns))
                .is_some_and(|l| !l.is_empty())
        };
        if announces(Namespace::Omemo2) {
            Namespace::Omemo2
        } else {
            Namespace::Legacy
        }
    }

    /// The devices of `jid` in `ns` to encrypt to: all announced but this
    /// one and those the user refused or has not decided on.
    fn omemo_recipients(&self, jid: &str, ns: Namespace) -> Vec<u32> {
        let own_device = self.omemo.account.as_ref().map(|a| a.device);
        self.omemo
            .lists
            .get(&(jid.to_owned(), ns))
            .map(|devices| {
                devices
                    .iter()
                    .copied()
                    .filter(|d| {
                        !(Some(*d) == own_device
                            && self.omemo.own.as_ref().is_some_and(|o| o.as_str() == jid))
                    })
                    .filter(|d| {
                        let key = (jid.to_owned(), ns, *d);
                        match self.omemo.identities.get(&key) {
                            Some(identity) => self
                                .omemo
                                .trust
                                .get(&(jid.to_owned(), *identity))
                                .is_none_or(|t| t.usable()),
                            None => true,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn omemo_seal_and_send(&mut self, mut message: Message, to: &BareJid) {
        let ns = self.omemo_namespace_for(to);
        let own = self.omemo.own.clone();
        let mut targets: Vec<(String, u32)> = self
            .omemo_recipients(to.as_str(), ns)
            .into_iter()
            .map(|d| (to.to_string(), d))
            .collect();
        // Decide trust for keys first seen in bundles now, before sending.
        let mut announced = Vec::new();
        targets.retain(|(jid, device)| {
            let key = (jid.clone(), ns, *device);
            let identity = self.omemo.identities.get(&key).copied().or_else(|| {
                self.omemo
                    .bundles
                    .get(&key)
                    .and_then(Bundle::identity_curve)
            });
            match identity {
                Some(identity) => {
                    let (trust, new) = self.omemo.trust_of(jid, identity);
                    if new {
                        announced.push((jid.clone(), identity));
                    }
                    trust.usable()
                }
                None => true,
            }
        });
        for (jid, identity) in announced {
            if let Ok(jid) = BareJid::new(&jid) {
                self.process(Msg::Omemo(Report::NewDevice {
                    jid,
                    fingerprint: fingerprint(&identity),
                }));
            }
        }
        if targets.is_empty() {
            let why = if self.omemo.device_count(to.as_str()) == 0 {
                format!("{to} announces no OMEMO device")
            } else {
                format!("no device of {to} is trusted (see /omemo fingerprints {to})")
            };
            self.omemo_not_sent(&message, why);
            return;
        }
        if let Some(own) = &own
            && own != to
        {
            targets.extend(
                self.omemo_recipients(own.as_str(), ns)
                    .into_iter()
                    .map(|d| (own.to_string(), d)),
            );
        }
        let body = message.body("").unwrap_or_default().to_owned();
        let plaintext = match ns {
            Namespace::Legacy => body.into_bytes(),
            Namespace::Omemo2 => {
                let Some(own) = &own else {
                    self.omemo_not_sent(&message, "not online".to_owned());
                    return;
                };
                sce::envelope(&body, own, &padding()).into_bytes()
            }
        };
        let bundles = std::mem::take(&mut self.omemo.bundles);
        let recipients: Vec<Recipient<'_>> = targets
            .iter()
            .map(|(jid, device)| Recipient {
                jid,
                device: *device,
                bundle: bundles.get(&(jid.clone(), ns, *device)),
            })
            .collect();
        let sealed = match self.omemo.account() {
            Ok(account) => account.encrypt(ns, Some(&plaintext), &recipients),
            Err(why) => {
                self.omemo.bundles = bundles;
                self.omemo_not_sent(&message, why);
                return;
            }
        };
        // Bundles of devices that now have sessions are not needed again.
        self.omemo.bundles = bundles;
        self.omemo.persist();
        let (sealed, failed) = match sealed {
            Ok(result) => result,
            Err(error) => {
                self.omemo_not_sent(&message, error.to_string());
                return;
            }
        };
        for (jid, device, error) in &failed {
            debug!(%jid, device, %error, "a device left out");
        }
        if !sealed.keys.iter().any(|(jid, _, _)| jid == to.as_str()) {
            let why = failed
                .iter()
                .find(|(jid, _, _)| jid == to.as_str())
                .map(|(_, _, e)| e.to_string())
                .unwrap_or_else(|| "no session with any of their devices".to_owned());
            self.omemo_not_sent(&message, why);
            return;
        }
        for (jid, device, _) in &sealed.keys {
            self.omemo.bundles.remove(&(jid.clone(), ns, *device));
        }
        message.bodies = vec![crate::xmpp::stanza::lang::LangText::new(
            stanza::FALLBACK_BODY,
        )];
        // The link is in the encrypted text; in clear it would leak.
        message.oob = None;
        message.encrypted = Some(Encrypted::from_sealed(sealed));
        self.send(message.to_element());
        if let Some(id) = message.id.clone() {
            self.process(Msg::Omemo(Report::Sent { to: to.clone(), id }));
        }
    }

    fn omemo_not_sent(&mut self, message: &Message, reason: String) {
        let (Some(to), Some(id)) = (message.to.as_ref(), message.id.clone()) else {
            return;
        };
        self.process(Msg::Omemo(Report::NotSent {
            to: to.to_bare(),
            id,
            reason,
        }));
    }
}

fn trust_word(trust: Trust) -> &'static str {
    match trust {
        Trust::Blind => "trusted (not verified)",
        Trust::Verified => "verified",
        Trust::Distrusted => "not trusted",
        Trust::Undecided => "undecided: /omemo trust or /omemo untrust",
    }
}

/// XEP-0384 §5.3.2: device lists and bundles are readable by anyone.
fn open_options() -> PublishOptions {
    PublishOptions::default()
        .with("pubsub#persist_items", "true")
        .with("pubsub#access_model", "open")
}

fn first_list(ns: Namespace, payload: Option<&crate::xmpp::element::Element>) -> Vec<u32> {
    payload
        .and_then(|p| stanza::parse_device_list(ns, p).ok())
        .map(|devices| devices.into_iter().map(|d| d.id).collect())
        .unwrap_or_default()
}

fn step_query(step: &Step) -> Query {
    match step {
        Step::List(jid, ns) => list_query(jid, stanza::device_list_node(*ns)),
        Step::Bundle(jid, ns, device) => list_query(jid, &stanza::bundle_node(*ns, *device)),
        Step::OwnList(ns) => Query::PubsubItems {
            node: stanza::device_list_node(*ns).to_owned(),
        },
        Step::Publish(ns) => Query::PubsubItems {
            node: stanza::device_list_node(*ns).to_owned(),
        },
    }
}

fn list_query(jid: &str, node: &str) -> Query {
    match BareJid::new(jid) {
        Ok(jid) => Query::PubsubItemsOf {
            jid,
            node: node.to_owned(),
        },
        Err(_) => Query::PubsubItems {
            node: node.to_owned(),
        },
    }
}

/// SCE `<rpad/>`: 0 to 200 random letters, so the length of a message
/// does not give its text away.
fn padding() -> String {
    let Ok(bytes) = crate::omemo::crypto::random::<201>() else {
        return String::new();
    };
    let len = usize::from(bytes[0]) % 201;
    bytes[1..=len]
        .iter()
        .map(|b| char::from(b'a' + b % 26))
        .collect()
}
