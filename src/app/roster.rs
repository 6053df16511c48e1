//! The roster as the store keeps it (RFC 3921 §7, RFC 6121 §2): items keyed
//! by bare JID, the version for roster versioning, and pushes that arrive
//! before the roster result, held until it has been applied (ROS-14).
//!
//! State changes only through [`Roster::apply_result`] and
//! [`Roster::apply_push`], never from our own requests (ROS-06, INT-09).

use std::collections::{BTreeSet, HashMap};

use jid::BareJid;

use crate::xmpp::stanza::roster::{RosterItem, Subscription};

/// Most roster items kept. A result is already bounded by the stanza size
/// limit; this bounds what pushes can add.
pub const MAX_ROSTER: usize = 100_000;

/// What one result or push did to an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RosterChange {
    Added(RosterItem),
    Updated { old: RosterItem, new: RosterItem },
    Removed(RosterItem),
}

/// Where the roster is in its login cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadState {
    /// Nothing from the server yet this session (a cached roster may be shown).
    #[default]
    NotLoaded,
    /// The roster result has been applied.
    Loaded,
}

/// How the last roster fetch went, for the status line and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// The server sent the whole roster.
    Full { items: usize },
    /// The server confirmed the cached version (NEW-03): nothing transferred.
    Unchanged,
}

#[derive(Debug, Default)]
pub struct Roster {
    pub last_fetch: Option<Fetch>,
    items: HashMap<BareJid, RosterItem>,
    ver: Option<String>,
    state: LoadState,
    early_pushes: Vec<(RosterItem, Option<String>)>,
}

impl Roster {
    /// Seeds the roster from the on-disk cache before login (NEW-02).
    pub fn load_cache(&mut self, ver: Option<String>, items: Vec<RosterItem>) {
        self.items = items.into_iter().map(|i| (i.jid.clone(), i)).collect();
        self.ver = ver;
    }

    /// Marks a new session: pushes are queued until the next result.
    pub fn begin_session(&mut self) {
        self.state = LoadState::NotLoaded;
        self.early_pushes.clear();
    }

    pub fn load_state(&self) -> LoadState {
        self.state
    }

    /// The version to send with the roster get, when the server offers
    /// versioning: the cached one, or "" without a cache (NEW-02).
    pub fn request_ver(&self) -> &str {
        self.ver.as_deref().unwrap_or("")
    }

    pub fn ver(&self) -> Option<&str> {
        self.ver.as_deref()
    }

    /// Applies the roster result. `None` is the empty result of a versioned
    /// request: the cache is current (NEW-03). A full result replaces the
    /// roster (ROS-03). Then any queued pushes are applied in order.
    pub fn apply_result(
        &mut self,
        result: Option<(Option<String>, Vec<RosterItem>)>,
    ) -> Vec<RosterChange> {
        let mut changes = Vec::new();
        self.last_fetch = Some(match &result {
            Some((_, items)) => Fetch::Full { items: items.len() },
            None => Fetch::Unchanged,
        });
        if let Some((ver, items)) = result {
            let new: HashMap<BareJid, RosterItem> = items
                .into_iter()
                .take(MAX_ROSTER)
                .map(|i| (i.jid.clone(), i))
                .collect();
            for (jid, old) in &self.items {
                match new.get(jid) {
                    Some(item) if item == old => {}
                    Some(item) => changes.push(RosterChange::Updated {
                        old: old.clone(),
                        new: item.clone(),
                    }),
                    None => changes.push(RosterChange::Removed(old.clone())),
                }
            }
            for (jid, item) in &new {
                if !self.items.contains_key(jid) {
                    changes.push(RosterChange::Added(item.clone()));
                }
            }
            self.items = new;
            self.ver = ver;
        }
        self.state = LoadState::Loaded;
        for (item, ver) in std::mem::take(&mut self.early_pushes) {
            changes.extend(self.apply_push(item, ver));
        }
        changes
    }

    /// The fetch failed: carry on with what we have (the cache), and let
    /// queued and future pushes apply.
    pub fn abandon_fetch(&mut self) -> Vec<RosterChange> {
        self.state = LoadState::Loaded;
        let mut changes = Vec::new();
        for (item, ver) in std::mem::take(&mut self.early_pushes) {
            changes.extend(self.apply_push(item, ver));
        }
        changes
    }

    /// Applies one push (ROS-10, INT-09): idempotent; `remove` deletes.
    /// Before the result has arrived the push is queued (ROS-14).
    pub fn apply_push(&mut self, item: RosterItem, ver: Option<String>) -> Option<RosterChange> {
        if self.state == LoadState::NotLoaded {
            self.early_pushes.push((item, ver));
            return None;
        }
        if ver.is_some() {
            self.ver = ver;
        }
        if item.subscription == Subscription::Remove {
            return self.items.remove(&item.jid).map(RosterChange::Removed);
        }
        if !self.items.contains_key(&item.jid) && self.items.len() >= MAX_ROSTER {
            tracing::warn!(jid = %item.jid, "the roster is full; ignoring a pushed item");
            return None;
        }
        match self.items.insert(item.jid.clone(), item.clone()) {
            None => Some(RosterChange::Added(item)),
            Some(old) if old == item => None,
            Some(old) => Some(RosterChange::Updated { old, new: item }),
        }
    }

    pub fn get(&self, jid: &BareJid) -> Option<&RosterItem> {
        self.items.get(jid)
    }

    pub fn contains(&self, jid: &BareJid) -> bool {
        self.items.contains_key(jid)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> impl Iterator<Item = &RosterItem> {
        self.items.values()
    }

    /// Every group name in use, sorted.
    pub fn groups(&self) -> BTreeSet<&str> {
        self.items
            .values()
            .flat_map(|i| i.groups.iter().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn item(jid: &str, subscription: Subscription) -> RosterItem {
        let mut item = RosterItem::new(BareJid::new(jid).unwrap());
        item.subscription = subscription;
        item
    }

    fn loaded(items: Vec<RosterItem>) -> Roster {
        let mut roster = Roster::default();
        roster.apply_result(Some((Some("1".into()), items)));
        roster
    }

    /// ROS-03: a result replaces the whole roster.
    #[test]
    fn ros_03_result_replaces() {
        let mut roster = loaded(vec![
            item("a@x", Subscription::Both),
            item("b@x", Subscription::To),
            item("c@x", Subscription::None),
        ]);
        roster.begin_session();
        let changes = roster.apply_result(Some((
            Some("2".into()),
            vec![
                item("a@x", Subscription::Both),
                item("d@x", Subscription::From),
            ],
        )));
        assert_eq!(roster.len(), 2);
        assert_eq!(roster.ver(), Some("2"));
        assert_eq!(
            changes
                .iter()
                .filter(|c| matches!(c, RosterChange::Removed(_)))
                .count(),
            2
        );
        assert!(changes.contains(&RosterChange::Added(item("d@x", Subscription::From))));
    }

    /// NEW-03: an empty versioned result keeps the cached roster.
    #[test]
    fn new_03_empty_result_keeps_cache() {
        let mut roster = Roster::default();
        roster.load_cache(Some("7".into()), vec![item("a@x", Subscription::Both)]);
        assert_eq!(roster.request_ver(), "7");
        let changes = roster.apply_result(None);
        assert!(changes.is_empty());
        assert_eq!(roster.len(), 1);
        assert_eq!(roster.ver(), Some("7"));
    }

    /// NEW-02: without a cache the version sent is empty.
    #[test]
    fn new_02_no_cache_sends_empty_ver() {
        assert_eq!(Roster::default().request_ver(), "");
    }

    /// ROS-14: pushes before the result are applied after it.
    #[test]
    fn ros_14_early_pushes_are_queued() {
        let mut roster = Roster::default();
        assert_eq!(
            roster.apply_push(item("p@x", Subscription::None), Some("5".into())),
            None
        );
        assert!(roster.is_empty());
        let changes = roster.apply_result(Some((
            Some("4".into()),
            vec![item("a@x", Subscription::To)],
        )));
        assert_eq!(roster.len(), 2);
        assert_eq!(roster.ver(), Some("5"));
        assert!(changes.contains(&RosterChange::Added(item("p@x", Subscription::None))));
    }

    /// INT-09: the same push twice is one change; ROS-10: remove deletes.
    #[test]
    fn int_09_idempotent_pushes_and_ros_10_remove() {
        let mut roster = loaded(vec![]);
        let push = item("a@x", Subscription::To);
        assert!(roster.apply_push(push.clone(), None).is_some());
        assert_eq!(roster.apply_push(push, None), None);
        let removed = roster.apply_push(item("a@x", Subscription::Remove), Some("9".into()));
        assert!(matches!(removed, Some(RosterChange::Removed(_))));
        assert!(roster.is_empty());
        assert_eq!(roster.ver(), Some("9"));
        assert_eq!(
            roster.apply_push(item("a@x", Subscription::Remove), None),
            None
        );
    }

    /// Hostile input: pushes cannot grow the roster past its cap.
    #[test]
    fn pushes_are_bounded() {
        let mut roster = loaded(vec![]);
        for i in 0..MAX_ROSTER {
            roster.items.insert(
                BareJid::new(&format!("c{i}@x")).unwrap(),
                item(&format!("c{i}@x"), Subscription::None),
            );
        }
        assert_eq!(
            roster.apply_push(item("one-more@x", Subscription::None), None),
            None
        );
        assert_eq!(roster.len(), MAX_ROSTER);
        // An existing item can still change.
        assert!(
            roster
                .apply_push(item("c1@x", Subscription::Both), None)
                .is_some()
        );
    }

    #[test]
    fn groups_are_listed_once() {
        let mut a = item("a@x", Subscription::Both);
        a.groups = vec!["Friends".into(), "Work".into()];
        let mut b = item("b@x", Subscription::Both);
        b.groups = vec!["Friends".into()];
        let roster = loaded(vec![a, b]);
        assert_eq!(
            roster.groups().into_iter().collect::<Vec<_>>(),
            ["Friends", "Work"]
        );
    }
}
