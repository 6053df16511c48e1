//! Contacts' capabilities (XEP-0115, checklist §3 CAPS-07…12, CAPS-14):
//! per full JID the last `<c/>` its available presence carried, and what
//! its client is and speaks once that is known.
//!
//! A `ver` hashed with a function we compute is asked once, of one of the
//! JIDs that announce it, as disco#info of `node#ver` (CAPS-09); the others
//! wait for that answer (CAPS-11). An answer that hashes to the `ver` is
//! cached by `(hash, ver)` for the session and, through
//! [`Effect::SaveCaps`], on disk (CAPS-10); one that does not is kept for
//! the JID asked only, and another JID announcing the same `ver` is asked,
//! a few times at most. A legacy `<c/>` without `hash` (CAPS-07) or one
//! with a hash we do not compute (CAPS-08) is asked per JID and never
//! shared. Everything is bounded: the JIDs tracked, the cache, the queries
//! in flight and those waiting for room, so a hostile server inventing
//! resources and `ver`s cannot make us send queries without end.
//!
//! Wire syntax and hashing are [`crate::xmpp::stanza::caps`]'s; the disk
//! is the engine's.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use jid::{BareJid, FullJid, Jid};

use crate::xmpp::ns;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::caps::{Announced, Verdict, verify};
use crate::xmpp::stanza::disco::{self, Identity};
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::presence::{Presence, PresenceType};

use super::{Effect, Purpose, State};

/// Full JIDs whose caps are tracked; presence beyond this keeps no caps.
pub const MAX_JIDS: usize = 20_000;
/// `(hash, ver)` entries kept in the shared cache.
pub const MAX_CACHE: usize = 4096;
/// disco#info queries about caps in flight at once.
pub const MAX_IN_FLIGHT: usize = 16;
/// JIDs waiting for room to be asked about; more are left unknown.
pub const MAX_BACKLOG: usize = 1024;
/// JIDs waiting on one `(hash, ver)` query.
pub const MAX_WAITING: usize = 256;
/// How many JIDs are asked about one `(hash, ver)` before it is given up
/// (CAPS-09: on a mismatch another entity that claims it is asked).
pub const MAX_ATTEMPTS: u8 = 3;
/// `(hash, ver)`s given up on, remembered so they are not asked again.
pub const MAX_REFUSED: usize = 1024;
/// Caps queries one session may send in all: contacts changing their
/// `ver` on every presence cannot keep us asking for ever.
pub const MAX_QUERIES_PER_SESSION: u32 = 4096;

/// The shared cache's key (CAPS-10): the hash function and the `ver`,
/// never the node.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub hash: String,
    pub ver: String,
}

/// What one client is and speaks: its identities and its features,
/// sorted and without repeats. Remote text: sanitise before drawing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub identities: Vec<Identity>,
    pub features: Vec<String>,
}

impl ClientInfo {
    pub fn from_info(info: &disco::Info) -> ClientInfo {
        ClientInfo::new(info.identities.clone(), info.features.clone())
    }

    pub fn new(identities: Vec<Identity>, mut features: Vec<String>) -> ClientInfo {
        features.sort_unstable();
        features.dedup();
        ClientInfo {
            identities,
            features,
        }
    }

    pub fn has(&self, feature: &str) -> bool {
        self.features
            .binary_search_by(|f| f.as_str().cmp(feature))
            .is_ok()
    }

    /// The identity to show: a `client` one if there is one (DISCO-14:
    /// chosen by category, never by name).
    pub fn client_identity(&self) -> Option<&Identity> {
        self.identities
            .iter()
            .find(|i| i.category == "client")
            .or_else(|| self.identities.first())
    }
}

/// A caps query's purpose: the JID asked, the caps it announced, and
/// whether the answer may be shared (a supported hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    pub jid: FullJid,
    pub caps: Announced,
    pub shared: bool,
    /// Which query this is, so an answer from an earlier session cannot
    /// end the current one's.
    pub serial: u64,
}

#[derive(Debug)]
struct Entry {
    caps: Announced,
    info: Option<Arc<ClientInfo>>,
}

#[derive(Debug)]
struct Asking {
    serial: u64,
    attempts: u8,
    waiting: Vec<FullJid>,
}

/// Everything known about contacts' capabilities.
#[derive(Debug, Default)]
pub struct CapsBook {
    jids: HashMap<FullJid, Entry>,
    /// How many of `jids` each bare JID has, so an unavailable presence
    /// from a bare JID costs nothing when it has none.
    per_bare: HashMap<BareJid, u16>,
    cache: HashMap<Key, Arc<ClientInfo>>,
    /// Shared queries in flight, by key (CAPS-11).
    asking: HashMap<Key, Asking>,
    /// Per-JID queries in flight (CAPS-07, CAPS-08), with their serial.
    per_jid: HashMap<FullJid, u64>,
    backlog: VecDeque<FullJid>,
    refused: HashSet<Key>,
    /// Set while the disk cache is being read: queries wait for it, so a
    /// `ver` known from an earlier run is never asked again.
    awaiting_disk: bool,
    serial: u64,
    /// Queries sent this session, against [`MAX_QUERIES_PER_SESSION`].
    session_queries: u32,
    /// disco#info queries sent about caps this run.
    pub asked: u64,
    /// CAPS-13: this session's server features came from the cache.
    pub server_from_cache: bool,
}

impl CapsBook {
    /// The disk cache is being read; queries wait for [`Msg::CapsCache`](super::Msg::CapsCache).
    pub fn await_disk(&mut self) {
        self.awaiting_disk = true;
    }

    /// The caps a full JID announced last (CAPS-12).
    pub fn announced(&self, jid: &FullJid) -> Option<&Announced> {
        self.jids.get(jid).map(|e| &e.caps)
    }

    /// What the client at `jid` is and speaks, once known.
    pub fn info(&self, jid: &FullJid) -> Option<&ClientInfo> {
        self.jids.get(jid)?.info.as_deref()
    }

    /// The shared cache's entry for `key`.
    pub fn cached(&self, key: &Key) -> Option<&ClientInfo> {
        self.cache.get(key).map(Arc::as_ref)
    }

    pub fn cache_len(&self) -> usize {
        self.cache.len()
    }

    /// Queries in flight.
    pub fn in_flight(&self) -> usize {
        self.asking.len() + self.per_jid.len()
    }

    /// Forgets every JID and query, as after a disconnect; the cache
    /// stays. `ver`s given up on get another chance in the next session.
    pub fn end_session(&mut self) {
        self.jids.clear();
        self.refused.clear();
        self.per_bare.clear();
        self.session_queries = 0;
        self.server_from_cache = false;
        self.asking.clear();
        self.per_jid.clear();
        self.backlog.clear();
    }

    fn remember(&mut self, key: Key, info: Arc<ClientInfo>) {
        if self.cache.len() >= MAX_CACHE
            && !self.cache.contains_key(&key)
            && let Some(old) = self.cache.keys().next().cloned()
        {
            self.cache.remove(&old);
        }
        self.cache.insert(key, info);
    }

    fn refuse(&mut self, key: Key) {
        if self.refused.len() >= MAX_REFUSED {
            self.refused.clear();
        }
        self.refused.insert(key);
    }

    fn insert(&mut self, jid: FullJid, caps: Announced) {
        *self.per_bare.entry(jid.to_bare()).or_default() += 1;
        self.jids.insert(jid, Entry { caps, info: None });
    }

    fn forget(&mut self, jid: &FullJid) {
        if self.jids.remove(jid).is_some() {
            let bare = jid.to_bare();
            if let Some(count) = self.per_bare.get_mut(&bare) {
                *count -= 1;
                if *count == 0 {
                    self.per_bare.remove(&bare);
                }
            }
        }
    }

    fn forget_bare(&mut self, bare: &BareJid) {
        if self.per_bare.remove(bare).is_some() {
            self.jids.retain(|jid, _| jid.to_bare() != *bare);
        }
    }
}

/// CAPS-14: whether the client at `jid` speaks `feature`: `None` while its
/// caps are unknown (or it has none), so a caller keeps its default.
pub fn supports(state: &State, jid: &FullJid, feature: &str) -> Option<bool> {
    state.caps.info(jid).map(|info| info.has(feature))
}

/// CAPS-14 for any JID: a bare JID's features are unknown.
pub fn supports_jid(state: &State, jid: &Jid, feature: &str) -> Option<bool> {
    jid.try_as_full()
        .ok()
        .and_then(|full| supports(state, full, feature))
}

/// CAPS-14: a message to a full JID whose caps say its client does not
/// speak receipts (XEP-0184 §5: no request then), displayed markers
/// (XEP-0333) or chat states (XEP-0085) goes without them. Unknown caps,
/// or a bare JID, keep what the message asks.
pub fn fit_to_recipient(state: &State, message: &mut Message) {
    let Some(Ok(to)) = message.to.as_ref().map(Jid::try_as_full) else {
        return;
    };
    let Some(info) = state.caps.info(to) else {
        return;
    };
    if !info.has(ns::RECEIPTS) {
        message.receipt_request = false;
    }
    if !info.has(ns::CHAT_MARKERS) {
        message.markable = false;
    }
    if !info.has(ns::CHAT_STATES) {
        message.chat_state = None;
    }
}

fn key_of(caps: &Announced) -> Option<Key> {
    caps.algorithm().map(|_| Key {
        hash: caps.hash.clone().unwrap_or_default(),
        ver: caps.ver.clone(),
    })
}

/// A presence that is not a room's (CAPS-12): available presence with a
/// `<c/>` sets the JID's caps and asks what they mean if that is not
/// known; one without keeps the last; unavailable (or an error) forgets.
pub fn on_presence(state: &mut State, presence: &Presence, effects: &mut Vec<Effect>) {
    let Some(from) = &presence.from else {
        return;
    };
    match presence.kind {
        PresenceType::Available => {}
        PresenceType::Unavailable | PresenceType::Error => {
            match from.try_as_full() {
                Ok(full) => state.caps.forget(full),
                Err(_) => state.caps.forget_bare(&from.to_bare()),
            }
            return;
        }
        _ => return,
    }
    let (Ok(full), Some(caps)) = (from.try_as_full(), &presence.caps) else {
        return;
    };
    // Our own presence, reflected: we know what we speak.
    if state.jid.as_ref() == Some(full) {
        return;
    }
    let book = &mut state.caps;
    let full_table = book.jids.len() >= MAX_JIDS;
    match book.jids.get_mut(full) {
        Some(entry) if entry.caps == *caps => return,
        Some(entry) => {
            entry.caps = caps.clone();
            entry.info = None;
        }
        None if full_table => return,
        None => book.insert(full.clone(), caps.clone()),
    }
    resolve(state, full.clone(), effects);
}

/// Finds what `jid`'s caps mean: from the cache, by waiting on a query
/// already asked, or by asking (when there is room).
fn resolve(state: &mut State, jid: FullJid, effects: &mut Vec<Effect>) {
    let book = &mut state.caps;
    let Some(entry) = book.jids.get_mut(&jid) else {
        return;
    };
    if entry.info.is_some() {
        return;
    }
    let caps = entry.caps.clone();
    let key = key_of(&caps);
    if let Some(key) = &key {
        if let Some(info) = book.cache.get(key) {
            entry.info = Some(info.clone());
            return;
        }
        if book.refused.contains(key) {
            return;
        }
        if let Some(asking) = book.asking.get_mut(key) {
            if asking.waiting.len() < MAX_WAITING && !asking.waiting.contains(&jid) {
                asking.waiting.push(jid);
            }
            return;
        }
    } else if book.per_jid.contains_key(&jid) {
        // Its answer comes; a changed `<c/>` is asked again then.
        return;
    }
    if book.session_queries >= MAX_QUERIES_PER_SESSION {
        return;
    }
    if book.awaiting_disk || book.in_flight() >= MAX_IN_FLIGHT {
        if book.backlog.len() < MAX_BACKLOG && !book.backlog.contains(&jid) {
            book.backlog.push_back(jid);
        }
        return;
    }
    book.serial += 1;
    let serial = book.serial;
    match key {
        Some(key) => {
            book.asking.insert(
                key,
                Asking {
                    serial,
                    attempts: 1,
                    waiting: Vec::new(),
                },
            );
        }
        None => {
            book.per_jid.insert(jid.clone(), serial);
        }
    }
    ask(state, jid, caps, serial, effects);
}

fn ask(state: &mut State, jid: FullJid, caps: Announced, serial: u64, effects: &mut Vec<Effect>) {
    state.caps.asked += 1;
    state.caps.session_queries += 1;
    let shared = key_of(&caps).is_some();
    effects.push(Effect::Request {
        query: Query::EntityInfo {
            jid: Jid::from(jid.clone()),
            node: Some(caps.disco_node()),
        },
        purpose: Purpose::Caps(Asked {
            jid,
            caps,
            shared,
            serial,
        }),
    });
}

/// The answer to a caps query (CAPS-09): verified and shared, kept for the
/// JID asked only, or (an error, DISCO-11) nothing known.
pub fn on_reply(
    state: &mut State,
    asked: Asked,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let lost = matches!(result, Err(RequestError::Disconnected));
    let info = match result {
        Ok(Answer::Info(info)) => Some(info),
        _ => None,
    };
    if asked.shared && lost {
        // Nobody answered wrongly: the ver is asked again once the
        // session is back (resumed: [`on_resumed`]; new: new presences).
        if let Some(key) = key_of(&asked.caps)
            && state.caps.asking.get(&key).map(|a| a.serial) == Some(asked.serial)
        {
            state.caps.asking.remove(&key);
        }
        return;
    }
    if asked.shared {
        on_shared_reply(state, asked, info, effects);
    } else if state.caps.per_jid.get(&asked.jid) == Some(&asked.serial) {
        state.caps.per_jid.remove(&asked.jid);
        let current = state.caps.jids.get_mut(&asked.jid);
        match current {
            Some(entry) if entry.caps == asked.caps => {
                // CAPS-07, CAPS-08: for this JID only, unchecked.
                entry.info = info.map(|info| Arc::new(ClientInfo::from_info(&info)));
            }
            Some(_) => resolve(state, asked.jid, effects),
            None => {}
        }
    }
    drain_backlog(state, effects);
}

fn on_shared_reply(
    state: &mut State,
    asked: Asked,
    info: Option<disco::Info>,
    effects: &mut Vec<Effect>,
) {
    let Some(key) = key_of(&asked.caps) else {
        return;
    };
    let book = &mut state.caps;
    if book.asking.get(&key).map(|a| a.serial) != Some(asked.serial) {
        return;
    }
    let Some(asking) = book.asking.remove(&key) else {
        return;
    };
    let verdict = match (&info, asked.caps.algorithm()) {
        (Some(info), Some(algorithm)) => Some(verify(algorithm, &asked.caps.ver, info)),
        _ => None,
    };
    let same_caps = |book: &CapsBook, jid: &FullJid| {
        book.jids
            .get(jid)
            .is_some_and(|e| key_of(&e.caps).as_ref() == Some(&key))
    };
    match (verdict, info) {
        (Some(Verdict::Verified), Some(info)) => {
            let client = ClientInfo::from_info(&info);
            let shared = Arc::new(client.clone());
            book.remember(key.clone(), shared.clone());
            for jid in std::iter::once(&asked.jid).chain(&asking.waiting) {
                if same_caps(book, jid)
                    && let Some(entry) = book.jids.get_mut(jid)
                {
                    entry.info = Some(shared.clone());
                }
            }
            effects.push(Effect::SaveCaps { key, info: client });
            return;
        }
        (Some(Verdict::Mismatch), Some(info)) => {
            tracing::info!(jid = %asked.jid, "caps answer does not hash to its ver (CAPS-09)");
            if same_caps(book, &asked.jid)
                && let Some(entry) = book.jids.get_mut(&asked.jid)
            {
                entry.info = Some(Arc::new(ClientInfo::from_info(&info)));
            }
        }
        (Some(Verdict::IllFormed(error)), _) => {
            tracing::info!(jid = %asked.jid, %error, "ill-formed caps answer (CAPS-09)");
        }
        _ => {}
    }
    // CAPS-09: ask another entity that claims the same ver, a few times.
    let mut waiting = asking.waiting.into_iter();
    if asking.attempts < MAX_ATTEMPTS && book.session_queries < MAX_QUERIES_PER_SESSION {
        while let Some(next) = waiting.next() {
            if !same_caps(book, &next) {
                continue;
            }
            let Some(caps) = book.jids.get(&next).map(|e| e.caps.clone()) else {
                continue;
            };
            book.serial += 1;
            let serial = book.serial;
            book.asking.insert(
                key,
                Asking {
                    serial,
                    attempts: asking.attempts + 1,
                    waiting: waiting.collect(),
                },
            );
            ask(state, next, caps, serial, effects);
            return;
        }
    }
    book.refuse(key);
}

/// A resumed session still has its presences: the JIDs whose caps are
/// unknown (a query lost with the connection) are asked about again.
pub fn on_resumed(state: &mut State, effects: &mut Vec<Effect>) {
    let unknown: Vec<FullJid> = state
        .caps
        .jids
        .iter()
        .filter(|(jid, entry)| entry.info.is_none() && !state.caps.per_jid.contains_key(*jid))
        .map(|(jid, _)| jid.clone())
        .take(MAX_BACKLOG)
        .collect();
    for jid in unknown {
        resolve(state, jid, effects);
    }
}

/// CAPS-13: the server's features from the cache, when the caps in its
/// stream features name a verified `ver` we hold: as a plain disco#info
/// of the server reports them, with a PEP or chat identity as the
/// pseudo-features [`crate::xmpp::query::feature`] names.
pub fn cached_server_features(state: &State) -> Option<Vec<String>> {
    let key = key_of(state.features.caps.as_ref()?)?;
    if state.caps.awaiting_disk {
        return None;
    }
    let info = state.caps.cache.get(&key)?;
    let mut features: Vec<String> = info
        .features
        .iter()
        .filter(|var| !var.starts_with('#'))
        .cloned()
        .collect();
    let has_identity = |category: &str, kind: &str| {
        info.identities
            .iter()
            .any(|i| i.category == category && i.kind == kind)
    };
    if has_identity("pubsub", "pep") {
        features.push(crate::xmpp::query::feature::PEP_SERVICE.to_owned());
    }
    if has_identity("conference", "text") {
        features.push(crate::xmpp::query::feature::CHAT_IDENTITY.to_owned());
    }
    Some(features)
}

/// CAPS-13: the server's caps `ver` is not in the cache: its `node#ver` is
/// asked beside the plain disco#info, so a verified answer spares the next
/// login that query.
pub fn ask_server(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(caps) = state.features.caps.clone() else {
        return;
    };
    let Some(domain) = state
        .jid
        .as_ref()
        .and_then(|j| Jid::new(j.domain().as_str()).ok())
    else {
        return;
    };
    if key_of(&caps).is_none() || state.caps.session_queries >= MAX_QUERIES_PER_SESSION {
        return;
    }
    state.caps.session_queries += 1;
    effects.push(Effect::Request {
        query: Query::EntityInfo {
            jid: domain,
            node: Some(caps.disco_node()),
        },
        purpose: Purpose::ServerCaps(caps),
    });
}

/// CAPS-13: the server's answer for its `node#ver`; kept (and saved) only
/// when it hashes to the `ver`.
pub fn on_server_reply(
    state: &mut State,
    caps: Announced,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let (Some(key), Some(algorithm), Ok(Answer::Info(info))) =
        (key_of(&caps), caps.algorithm(), result)
    else {
        return;
    };
    if verify(algorithm, &caps.ver, &info) != Verdict::Verified {
        tracing::info!("the server's caps answer does not hash to its ver (CAPS-13)");
        return;
    }
    let client = ClientInfo::from_info(&info);
    state.caps.remember(key.clone(), Arc::new(client.clone()));
    effects.push(Effect::SaveCaps { key, info: client });
}

/// JIDs that waited for room are asked about, while there is room.
fn drain_backlog(state: &mut State, effects: &mut Vec<Effect>) {
    while !state.caps.awaiting_disk && state.caps.in_flight() < MAX_IN_FLIGHT {
        let Some(jid) = state.caps.backlog.pop_front() else {
            return;
        };
        resolve(state, jid, effects);
    }
}

/// The cache read from disk (CAPS-10): its entries join the session's,
/// and the JIDs that waited for it are resolved.
pub fn on_disk_cache(
    state: &mut State,
    entries: Vec<(Key, ClientInfo)>,
    effects: &mut Vec<Effect>,
) {
    for (key, info) in entries.into_iter().take(MAX_CACHE) {
        state.caps.remember(key, Arc::new(info));
    }
    state.caps.awaiting_disk = false;
    drain_backlog(state, effects);
}

/// Notable features, in words, for people (the details view): what a
/// contact's client can do that changes how we talk to it.
pub const NOTABLE: &[(&str, &str)] = &[
    (ns::RECEIPTS, "delivery receipts"),
    (ns::CHAT_STATES, "chat states (typing)"),
    (ns::CHAT_MARKERS, "read markers"),
    (ns::CORRECTION, "message corrections"),
    (ns::CARBONS, "message carbons"),
    (
        "eu.siacs.conversations.axolotl.devicelist+notify",
        "OMEMO encryption",
    ),
    ("urn:xmpp:omemo:2:devices+notify", "OMEMO 2 encryption"),
    (ns::HTTP_UPLOAD, "file upload"),
    (ns::OOB, "file links (out of band)"),
    ("urn:xmpp:jingle:1", "Jingle sessions"),
    (
        "urn:xmpp:jingle:apps:file-transfer:5",
        "file transfer (Jingle)",
    ),
    ("urn:xmpp:jingle:apps:rtp:audio", "audio calls"),
    ("urn:xmpp:jingle:apps:rtp:video", "video calls"),
    (ns::MUC, "group chat"),
    (ns::MAM, "message archive"),
    (ns::PING, "ping"),
    ("jabber:iq:version", "software version"),
    ("urn:xmpp:time", "entity time"),
    (
        "http://jabber.org/protocol/xhtml-im",
        "formatted messages (XHTML-IM)",
    ),
    ("urn:xmpp:reactions:0", "reactions"),
    ("urn:xmpp:message-retract:1", "message retraction"),
    ("urn:xmpp:avatar:metadata+notify", "avatars"),
    ("http://jabber.org/protocol/nick+notify", "nicknames"),
    ("urn:xmpp:bookmarks:1+notify", "bookmarks"),
];

/// One line about the client at `jid/resource` from its caps, for
/// `/contact`: its identity and notable features, or that they are still
/// being asked; `None` when it announced no caps. Remote text: sanitise
/// before drawing.
pub fn describe_client(state: &State, jid: &BareJid, resource: &str) -> Option<String> {
    let full = jid.with_resource_str(resource).ok()?;
    state.caps.announced(&full)?;
    let Some(info) = state.caps.info(&full) else {
        return Some("not known yet".to_owned());
    };
    let identity = info.client_identity().map(|i| {
        let kind = format!("{}/{}", i.category, i.kind);
        match i.name.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(name) => format!("{name} ({kind})"),
            None => kind,
        }
    });
    let notable = notable_features(info);
    Some(format!(
        "{}; {}",
        identity.unwrap_or_else(|| "no identity".to_owned()),
        if notable.is_empty() {
            "no notable features".to_owned()
        } else {
            notable.join(", ")
        }
    ))
}

/// The notable features `info` has, in words, in [`NOTABLE`]'s order.
pub fn notable_features(info: &ClientInfo) -> Vec<&'static str> {
    NOTABLE
        .iter()
        .filter(|(var, _)| info.has(var))
        .map(|(_, words)| *words)
        .collect()
}
