//! Presence as the store keeps it (RFC 3921 §5): every resource of every
//! entity that sent us presence, and the summary the UI shows for a
//! contact: its highest-priority resource, the most recent one on a tie
//! (PRES-10). Updates are O(1) in the number of contacts.
//!
//! Kept small, since a big roster has thousands of entries: an entity's
//! resources are a short list rather than a hash map (most have one),
//! short names and statuses are stored inline, and the rare error and
//! last status are boxed away.

pub mod update;

use std::collections::HashMap;
use std::ops::Index;

use compact_str::CompactString;
use jid::BareJid;

use crate::xmpp::error::StanzaError;
use crate::xmpp::stanza::presence::Show;

/// Most resources kept per entity: a hostile peer cannot grow this table
/// without bound by inventing resources.
pub const MAX_RESOURCES: usize = 64;

/// One available resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceState {
    pub show: Option<Show>,
    pub status: Option<CompactString>,
    pub priority: i8,
    /// Order of arrival, for the tie-break.
    seq: u64,
}

impl ResourceState {
    /// A resource state outside a [`PresenceBook`] (our own other
    /// resources), ordered by priority alone.
    pub fn new(show: Option<Show>, status: Option<String>, priority: i8) -> Self {
        ResourceState {
            show,
            status: status.map(CompactString::from),
            priority,
            seq: 0,
        }
    }
}

/// An entity's resources by name: a short list searched in order, since
/// there are rarely more than a few (and never more than
/// [`MAX_RESOURCES`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceMap {
    entries: Vec<(CompactString, ResourceState)>,
}

impl ResourceMap {
    pub fn get(&self, name: &str) -> Option<&ResourceState> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets a resource; returns what it replaced.
    pub fn insert(
        &mut self,
        name: impl Into<CompactString>,
        state: ResourceState,
    ) -> Option<ResourceState> {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => Some(std::mem::replace(old, state)),
            None => {
                // One at a time: a first push would make room for four,
                // and nearly every entity has one resource.
                self.entries.reserve_exact(1);
                self.entries.push((name, state));
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<ResourceState> {
        let at = self.entries.iter().position(|(n, _)| n == name)?;
        let (_, state) = self.entries.swap_remove(at);
        if self.entries.is_empty() {
            self.entries = Vec::new();
        }
        Some(state)
    }

    pub fn clear(&mut self) {
        self.entries = Vec::new();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ResourceState)> {
        self.entries.iter().map(|(n, r)| (n.as_str(), r))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &ResourceState> {
        self.entries.iter().map(|(_, r)| r)
    }
}

impl<Q: AsRef<str> + ?Sized> Index<&Q> for ResourceMap {
    type Output = ResourceState;

    /// Panics when the resource is missing, like a map's index.
    fn index(&self, name: &Q) -> &ResourceState {
        match self.get(name.as_ref()) {
            Some(state) => state,
            None => panic!("no resource {:?}", name.as_ref()),
        }
    }
}

/// What the UI shows for an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    Offline,
    Online,
    Chat,
    Away,
    Xa,
    Dnd,
    /// A presence error came back (PRES-12).
    Error,
}

impl Availability {
    pub fn from_show(show: Option<Show>) -> Availability {
        match show {
            None => Availability::Online,
            Some(Show::Chat) => Availability::Chat,
            Some(Show::Away) => Availability::Away,
            Some(Show::Xa) => Availability::Xa,
            Some(Show::Dnd) => Availability::Dnd,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Offline => "offline",
            Availability::Online => "online",
            Availability::Chat => "chat",
            Availability::Away => "away",
            Availability::Xa => "xa",
            Availability::Dnd => "dnd",
            Availability::Error => "error",
        }
    }

    /// Sort rank: lower is more available.
    pub fn rank(self) -> u8 {
        match self {
            Availability::Chat => 0,
            Availability::Online => 1,
            Availability::Away => 2,
            Availability::Dnd => 3,
            Availability::Xa => 4,
            Availability::Offline => 5,
            Availability::Error => 6,
        }
    }
}

/// All we know about one entity's presence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntityPresence {
    pub resources: ResourceMap,
    /// The last presence error, until the entity is heard from again.
    pub error: Option<Box<StanzaError>>,
    /// The status that came with the last unavailable presence.
    pub last_status: Option<CompactString>,
    /// Not a roster contact (PRES-15): counted against the strangers' cap.
    stranger: bool,
}

impl EntityPresence {
    /// The resource the summary comes from (PRES-10).
    pub fn top(&self) -> Option<(&str, &ResourceState)> {
        self.resources
            .iter()
            .max_by_key(|(_, r)| (r.priority, r.seq))
    }

    pub fn availability(&self) -> Availability {
        if let Some((_, top)) = self.top() {
            Availability::from_show(top.show)
        } else if self.error.is_some() {
            Availability::Error
        } else {
            Availability::Offline
        }
    }

    /// Resources, highest priority first.
    pub fn sorted_resources(&self) -> Vec<(&str, &ResourceState)> {
        let mut list: Vec<_> = self.resources.iter().collect();
        list.sort_by_key(|(_, r)| std::cmp::Reverse((r.priority, r.seq)));
        list
    }
}

/// Presence of every entity we heard from, keyed by bare JID.
#[derive(Debug, Default)]
pub struct PresenceBook {
    entities: HashMap<BareJid, EntityPresence>,
    /// How many entries are strangers, kept so the cap check is O(1).
    strangers: usize,
    seq: u64,
}

impl PresenceBook {
    pub fn get(&self, jid: &BareJid) -> Option<&EntityPresence> {
        self.entities.get(jid)
    }

    pub fn availability(&self, jid: &BareJid) -> Availability {
        self.entities
            .get(jid)
            .map_or(Availability::Offline, EntityPresence::availability)
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Entries for entities outside the roster (PRES-15).
    pub fn strangers(&self) -> usize {
        self.strangers
    }

    /// The entry for `jid`, created if needed; `stranger` says whether a
    /// new entry counts against the strangers' cap.
    fn entry(&mut self, jid: &BareJid, stranger: bool) -> &mut EntityPresence {
        if !self.entities.contains_key(jid) && stranger {
            self.strangers += 1;
        }
        self.entities
            .entry(jid.clone())
            .or_insert_with(|| EntityPresence {
                stranger,
                ..EntityPresence::default()
            })
    }

    fn remove(&mut self, jid: &BareJid) -> bool {
        match self.entities.remove(jid) {
            Some(entity) => {
                if entity.stranger {
                    self.strangers -= 1;
                }
                true
            }
            None => false,
        }
    }

    /// A stranger was added to the roster: it no longer counts as one.
    pub fn mark_contact(&mut self, jid: &BareJid) {
        if let Some(entity) = self.entities.get_mut(jid).filter(|e| e.stranger) {
            entity.stranger = false;
            self.strangers -= 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Available presence from `jid/resource` (PRES-10); `stranger` when
    /// `jid` is not a roster contact. Returns false when the resource limit
    /// refused it.
    pub fn set_available(
        &mut self,
        jid: &BareJid,
        resource: &str,
        show: Option<Show>,
        status: Option<String>,
        priority: i8,
        stranger: bool,
    ) -> bool {
        self.seq += 1;
        let seq = self.seq;
        let entity = self.entry(jid, stranger);
        if !entity.resources.contains_key(resource) && entity.resources.len() >= MAX_RESOURCES {
            return false;
        }
        entity.error = None;
        entity.resources.insert(
            resource,
            ResourceState {
                show,
                status: status.map(CompactString::from),
                priority,
                seq,
            },
        );
        true
    }

    /// Unavailable presence (PRES-11): from a full JID it removes that
    /// resource, from a bare JID every resource. Returns false when there
    /// was nothing to change: we never heard from `jid`.
    pub fn set_unavailable(
        &mut self,
        jid: &BareJid,
        resource: Option<&str>,
        status: Option<String>,
    ) -> bool {
        let Some(entity) = self.entities.get_mut(jid) else {
            return false;
        };
        match resource {
            Some(resource) => {
                entity.resources.remove(resource);
            }
            None => entity.resources.clear(),
        }
        entity.last_status = status.map(CompactString::from);
        if entity.resources.is_empty() && entity.error.is_none() && entity.last_status.is_none() {
            self.remove(jid);
        }
        true
    }

    /// A presence error (PRES-12): the entity is unreachable; its resources
    /// are cleared and the condition kept for display.
    pub fn set_error(&mut self, jid: &BareJid, error: StanzaError, stranger: bool) {
        let entity = self.entry(jid, stranger);
        entity.resources.clear();
        entity.error = Some(Box::new(error));
    }

    /// Forgets everything about an entity (INT-06, INT-12, ROS-10).
    pub fn clear(&mut self, jid: &BareJid) -> bool {
        self.remove(jid)
    }

    /// Forgets everyone, as after a disconnect.
    pub fn clear_all(&mut self) {
        self.entities.clear();
        self.strangers = 0;
    }
}

#[cfg(test)]
mod tests;
