//! The roster as the store keeps it (RFC 3921 §7, RFC 6121 §2): items by
//! bare JID, the version for roster versioning, and pushes that arrive
//! before the roster result, held until it has been applied (ROS-14).
//!
//! State changes only through [`Roster::apply_result`] and
//! [`Roster::apply_push`], never from our own requests (ROS-06, INT-09);
//! presence reaches it only as each contact's availability
//! ([`Roster::set_availability`]), which the store keeps in step.
//!
//! Built for big rosters: contacts are compact ([`super::contact`]), found
//! through an index holding no second copy of their JIDs
//! ([`super::jid_index`]), with group names stored once
//! ([`super::group`]); each group is kept in display order
//! ([`super::roster_order`]), so a change moves one contact and only a
//! full result sorts.

use std::collections::BTreeSet;

use compact_str::CompactString;
use jid::BareJid;

use super::contact::{Contact, ContactId, Contacts, GroupIds};
use super::group::{GroupId, GroupTable};
use super::jid_index::JidIndex;
use super::presence::Availability;
use super::roster_order::{ListId, RosterOrder, is_available};
use crate::xmpp::stanza::roster::{RosterItem, Subscription};

/// Most roster items kept. A result is already bounded by the stanza size
/// limit; this bounds what pushes can add.
pub const MAX_ROSTER: usize = 100_000;

/// What one result or push did to an item; the item itself is in the
/// roster (or, when removed, gone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RosterChange {
    Added(BareJid),
    /// `old` is the subscription before the change.
    Updated {
        jid: BareJid,
        old: Subscription,
    },
    Removed(BareJid),
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

/// Whether a change sorts its contact into place now, or leaves the lists
/// to one sort at the end of a bulk load.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placing {
    Now,
    Later,
}

#[derive(Debug, Default)]
pub struct Roster {
    pub last_fetch: Option<Fetch>,
    contacts: Contacts,
    index: JidIndex,
    groups: GroupTable,
    order: RosterOrder,
    ver: Option<String>,
    state: LoadState,
    early_pushes: Vec<(RosterItem, Option<String>)>,
    /// Bumped when an item is added, removed or changed; presence leaves
    /// it alone.
    items_rev: u64,
    /// Contacts whose availability counts as online.
    online: usize,
}

/// Reads a contact's JID for the index.
fn jid_of<'a>(contacts: &'a Contacts) -> impl Fn(ContactId) -> Option<&'a str> + 'a {
    move |id| contacts.get(id).map(|c| c.jid.as_str())
}

impl Roster {
    /// Seeds the roster from the on-disk cache before login (NEW-02).
    pub fn load_cache(&mut self, ver: Option<String>, items: Vec<RosterItem>) {
        self.replace(items);
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
    /// roster (ROS-03); a JID listed twice ends up as its last item. Then
    /// any queued pushes are applied in order.
    pub fn apply_result(
        &mut self,
        result: Option<(Option<String>, Vec<RosterItem>)>,
    ) -> Vec<RosterChange> {
        self.last_fetch = Some(match &result {
            Some((_, items)) => Fetch::Full { items: items.len() },
            None => Fetch::Unchanged,
        });
        let mut changes = Vec::new();
        if let Some((ver, items)) = result {
            changes = self.replace(items);
            self.ver = ver;
        }
        self.state = LoadState::Loaded;
        for (item, ver) in std::mem::take(&mut self.early_pushes) {
            changes.extend(self.apply_push(item, ver));
        }
        changes
    }

    /// Makes the roster exactly `items`: contacts not listed go, the
    /// others are added or updated in place (keeping their ids and
    /// presence), and the lists are sorted once at the end.
    fn replace(&mut self, mut items: Vec<RosterItem>) -> Vec<RosterChange> {
        items.truncate(MAX_ROSTER);
        let mut changes = Vec::with_capacity(items.len());
        // At login without a cache there is nothing to compare against.
        if !self.contacts.is_empty() {
            let mut listed = vec![false; self.contacts.capacity()];
            for item in &items {
                if let Some(id) = self.id_of(&item.jid) {
                    listed[id.index()] = true;
                }
            }
            let stale: Vec<ContactId> = self
                .contacts
                .iter()
                .filter(|(id, _)| !listed[id.index()])
                .map(|(id, _)| id)
                .collect();
            for id in stale {
                changes.extend(self.remove_id(id, Placing::Later));
            }
        }
        self.index.reserve(items.len(), jid_of(&self.contacts));
        self.contacts.reserve(items.len());
        for item in items {
            changes.extend(self.upsert(item, Placing::Later));
        }
        self.order.rebuild(&self.contacts);
        self.contacts.shrink_to_fit();
        self.index.shrink_to_fit(jid_of(&self.contacts));
        self.groups.shrink_to_fit();
        self.items_rev += 1;
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
            let id = self.id_of(&item.jid)?;
            return self.remove_id(id, Placing::Now);
        }
        self.upsert(item, Placing::Now)
    }

    /// Adds or updates one item.
    fn upsert(&mut self, item: RosterItem, placing: Placing) -> Option<RosterChange> {
        let Some(id) = self.id_of(&item.jid) else {
            return self.add(item, placing);
        };
        let contact = self.contacts.get(id)?;
        if self.same(contact, &item) {
            return None;
        }
        let old = contact.subscription;
        if placing == Placing::Now {
            self.order.remove(id, &self.contacts);
        }
        let groups = self.acquire_groups(&item.groups);
        let contact = self.contacts.get_mut(id)?;
        let old_groups = std::mem::replace(&mut contact.groups, groups);
        contact.name = item.name.map(CompactString::from);
        contact.subscription = item.subscription;
        contact.ask = item.ask;
        contact.approved = item.approved;
        for group in old_groups.iter() {
            self.groups.release(group);
        }
        if placing == Placing::Now {
            self.order.insert(id, &self.contacts);
        }
        self.items_rev += 1;
        Some(RosterChange::Updated { jid: item.jid, old })
    }

    fn add(&mut self, item: RosterItem, placing: Placing) -> Option<RosterChange> {
        if placing == Placing::Now && self.contacts.len() >= MAX_ROSTER {
            tracing::warn!(jid = %item.jid, "the roster is full; ignoring a pushed item");
            return None;
        }
        let jid = item.jid.clone();
        let contact = Contact {
            groups: self.acquire_groups(&item.groups),
            jid: item.jid,
            name: item.name.map(CompactString::from),
            subscription: item.subscription,
            ask: item.ask,
            approved: item.approved,
            availability: Availability::Offline,
        };
        let id = match self.contacts.insert(contact) {
            Ok(id) => id,
            Err(contact) => {
                for group in contact.groups.iter() {
                    self.groups.release(group);
                }
                return None;
            }
        };
        self.index.insert(id, jid.as_str(), jid_of(&self.contacts));
        if placing == Placing::Now {
            self.order.insert(id, &self.contacts);
        }
        self.items_rev += 1;
        Some(RosterChange::Added(jid))
    }

    fn remove_id(&mut self, id: ContactId, placing: Placing) -> Option<RosterChange> {
        if placing == Placing::Now {
            self.order.remove(id, &self.contacts);
        }
        let jid = self.contacts.get(id)?.jid.clone();
        self.index.remove(jid.as_str(), jid_of(&self.contacts));
        let contact = self.contacts.remove(id)?;
        for group in contact.groups.iter() {
            self.groups.release(group);
        }
        if is_available(contact.availability) {
            self.online -= 1;
        }
        self.items_rev += 1;
        Some(RosterChange::Removed(jid))
    }

    fn acquire_groups(&mut self, names: &[String]) -> GroupIds {
        GroupIds::new(
            names
                .iter()
                .filter_map(|name| self.groups.acquire(name))
                .collect(),
        )
    }

    /// True when `item` says nothing new about `contact`.
    fn same(&self, contact: &Contact, item: &RosterItem) -> bool {
        contact.name.as_deref() == item.name.as_deref()
            && contact.subscription == item.subscription
            && contact.ask == item.ask
            && contact.approved == item.approved
            && self
                .group_names(contact)
                .eq(item.groups.iter().map(String::as_str))
    }

    /// Records the presence summary of a contact and moves it to its new
    /// place in the order; nothing happens for someone not in the roster.
    pub fn set_availability(&mut self, jid: &BareJid, availability: Availability) {
        if let Some(id) = self.id_of(jid) {
            self.set_availability_of(id, availability);
        }
    }

    /// [`Roster::set_availability`] for a contact already looked up.
    pub fn set_availability_of(&mut self, id: ContactId, availability: Availability) {
        let Some(old) = self.contacts.get(id).map(|c| c.availability) else {
            return;
        };
        if old == availability {
            return;
        }
        self.order.remove(id, &self.contacts);
        if let Some(contact) = self.contacts.get_mut(id) {
            contact.availability = availability;
        }
        self.order.insert(id, &self.contacts);
        match (is_available(old), is_available(availability)) {
            (false, true) => self.online += 1,
            (true, false) => self.online -= 1,
            _ => {}
        }
    }

    /// Everyone went offline at once (a new session, a lost connection):
    /// one sort instead of a move per contact.
    pub fn reset_availability(&mut self) {
        let ids: Vec<ContactId> = self
            .contacts
            .iter()
            .filter(|(_, c)| c.availability != Availability::Offline)
            .map(|(id, _)| id)
            .collect();
        if ids.is_empty() {
            return;
        }
        for id in ids {
            if let Some(contact) = self.contacts.get_mut(id) {
                contact.availability = Availability::Offline;
            }
        }
        self.online = 0;
        self.order.rebuild(&self.contacts);
    }

    pub fn id_of(&self, jid: &BareJid) -> Option<ContactId> {
        self.index.find(jid.as_str(), jid_of(&self.contacts))
    }

    pub fn get(&self, jid: &BareJid) -> Option<&Contact> {
        self.contacts.get(self.id_of(jid)?)
    }

    pub fn contact(&self, id: ContactId) -> Option<&Contact> {
        self.contacts.get(id)
    }

    /// The item as the wire and the cache carry it.
    pub fn item(&self, jid: &BareJid) -> Option<RosterItem> {
        self.get(jid).map(|c| self.to_item(c))
    }

    pub fn to_item(&self, contact: &Contact) -> RosterItem {
        RosterItem {
            jid: contact.jid.clone(),
            name: contact.name.as_deref().map(str::to_owned),
            subscription: contact.subscription,
            ask: contact.ask,
            approved: contact.approved,
            groups: self.group_names(contact).map(str::to_owned).collect(),
        }
    }

    pub fn contains(&self, jid: &BareJid) -> bool {
        self.id_of(jid).is_some()
    }

    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }

    /// Every item, built on the fly (for the cache and `/roster`).
    pub fn items(&self) -> impl Iterator<Item = RosterItem> + '_ {
        self.contacts.iter().map(|(_, c)| self.to_item(c))
    }

    pub fn contacts(&self) -> impl Iterator<Item = (ContactId, &Contact)> {
        self.contacts.iter()
    }

    /// A contact's groups in document order.
    pub fn group_names<'a>(&'a self, contact: &'a Contact) -> impl Iterator<Item = &'a str> {
        contact.groups.iter().map(|id| self.groups.name(id))
    }

    pub fn group_name(&self, id: GroupId) -> &str {
        self.groups.name(id)
    }

    /// Every group name in use, sorted.
    pub fn groups(&self) -> BTreeSet<&str> {
        self.groups.in_use().map(|(_, name)| name).collect()
    }

    /// Groups with members, in no particular order.
    pub fn group_ids(&self) -> impl Iterator<Item = (GroupId, &str)> {
        self.groups.in_use()
    }

    /// The members of a group (or of no group) in display order; see
    /// [`super::roster_order`].
    pub fn list(&self, list: ListId) -> &[ContactId] {
        self.order.list(list)
    }

    /// How many members of a list are online: the first ones.
    pub fn available_in(&self, list: ListId) -> usize {
        self.order.available(list, &self.contacts)
    }

    /// Where a contact is in a list.
    pub fn position(&self, list: ListId, id: ContactId) -> Option<usize> {
        self.order.position(list, id, &self.contacts)
    }

    pub fn order(&self) -> &RosterOrder {
        &self.order
    }

    /// Contacts online now.
    pub fn online(&self) -> usize {
        self.online
    }

    /// Changes when an item is added, removed or edited, not on presence.
    pub fn items_rev(&self) -> u64 {
        self.items_rev
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::app::roster_order::{compare, lists_of};

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
        assert!(changes.contains(&RosterChange::Added(BareJid::new("d@x").unwrap())));
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
        assert!(changes.contains(&RosterChange::Added(BareJid::new("p@x").unwrap())));
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
        let mut roster = loaded(
            (0..MAX_ROSTER)
                .map(|i| item(&format!("c{i}@x"), Subscription::None))
                .collect(),
        );
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

    fn named(jid: &str, name: Option<&str>, groups: &[&str]) -> RosterItem {
        let mut item = item(jid, Subscription::Both);
        item.name = name.map(str::to_owned);
        item.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        item
    }

    fn bare(jid: &str) -> BareJid {
        BareJid::new(jid).unwrap()
    }

    /// The JIDs of a list, in order.
    fn listed(roster: &Roster, list: ListId) -> Vec<&str> {
        roster
            .list(list)
            .iter()
            .map(|id| roster.contact(*id).unwrap().jid.as_str())
            .collect()
    }

    fn group(roster: &Roster, name: &str) -> ListId {
        ListId::Group(roster.groups.id(name).unwrap())
    }

    /// Every list holds exactly its members in display order, the index
    /// finds every contact, and the online count is right.
    fn assert_consistent(roster: &Roster) {
        let mut lists: std::collections::HashMap<ListId, Vec<&Contact>> = Default::default();
        for (id, contact) in roster.contacts() {
            assert_eq!(roster.id_of(&contact.jid), Some(id));
            for list in lists_of(contact) {
                lists.entry(list).or_default().push(contact);
            }
        }
        for (list, mut members) in lists {
            members.sort_by(|a, b| compare(a, b));
            let expected: Vec<&str> = members.iter().map(|c| c.jid.as_str()).collect();
            assert_eq!(listed(roster, list), expected, "{list:?}");
        }
        let groups: BTreeSet<String> = roster
            .contacts()
            .flat_map(|(_, c)| roster.group_names(c).map(str::to_owned))
            .collect();
        let in_table: BTreeSet<String> = roster.groups().into_iter().map(str::to_owned).collect();
        assert_eq!(groups, in_table);
        let online = roster
            .contacts()
            .filter(|(_, c)| is_available(c.availability))
            .count();
        assert_eq!(roster.online(), online);
    }

    /// Within a group: available first, then by name ignoring case and
    /// control characters, then by JID; a contact in two groups is in both.
    #[test]
    fn lists_follow_availability_then_name_then_jid() {
        let mut roster = loaded(vec![
            named("b@x", Some("bob"), &["Friends"]),
            named("a@x", Some("Bob"), &["Friends", "Work"]),
            named("c@x", Some("\u{1b}Alice"), &["Friends"]),
            named("d@x", None, &[]),
            named("e@x", Some("Zed"), &["Friends"]),
        ]);
        assert_eq!(
            listed(&roster, group(&roster, "Friends")),
            ["c@x", "a@x", "b@x", "e@x"]
        );
        assert_eq!(listed(&roster, group(&roster, "Work")), ["a@x"]);
        assert_eq!(listed(&roster, ListId::Ungrouped), ["d@x"]);
        roster.set_availability(&bare("e@x"), Availability::Away);
        roster.set_availability(&bare("b@x"), Availability::Chat);
        assert_eq!(
            listed(&roster, group(&roster, "Friends")),
            ["b@x", "e@x", "c@x", "a@x"]
        );
        assert_eq!(roster.available_in(group(&roster, "Friends")), 2);
        assert_eq!(roster.online(), 2);
        assert_consistent(&roster);
    }

    /// A presence change puts one contact into place: no list is sorted
    /// again, whatever the roster's size.
    #[test]
    fn availability_change_moves_one_contact_without_sorting() {
        let mut roster = loaded(
            (0..5_000)
                .map(|i| named(&format!("c{i:04}@x"), None, &["All"]))
                .collect(),
        );
        let sorts = roster.order().full_sorts();
        let moves = roster.order().moves();
        roster.set_availability(&bare("c4999@x"), Availability::Online);
        assert_eq!(roster.order().full_sorts(), sorts);
        assert_eq!(roster.order().moves(), moves + 1);
        let all = group(&roster, "All");
        assert_eq!(listed(&roster, all)[..2], ["c4999@x", "c0000@x"]);
        assert_eq!(
            roster.position(all, roster.id_of(&bare("c0000@x")).unwrap()),
            Some(1)
        );
        // The same availability again changes nothing.
        roster.set_availability(&bare("c4999@x"), Availability::Online);
        assert_eq!(roster.order().moves(), moves + 1);
        // Someone outside the roster changes nothing either.
        roster.set_availability(&bare("stranger@x"), Availability::Online);
        assert_eq!(roster.online(), 1);
        roster.reset_availability();
        assert_eq!(roster.online(), 0);
        assert_eq!(listed(&roster, all)[4_999], "c4999@x");
    }

    /// Pushes, removals, regrouping and presence in a long pseudo-random
    /// sequence leave the lists exactly as a fresh sort would.
    #[test]
    fn incremental_order_matches_a_fresh_sort() {
        let mut roster = loaded(vec![]);
        let mut seed: u64 = 7;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let names = [None, Some("Ann"), Some("ann"), Some("Bea"), Some("zed")];
        let groups: [&[&str]; 5] = [&[], &["A"], &["B"], &["A", "B"], &["C", "A", "B"]];
        let shows = [
            Availability::Offline,
            Availability::Online,
            Availability::Away,
            Availability::Dnd,
            Availability::Error,
        ];
        for step in 0..3_000 {
            let jid = format!("c{}@x", next(60));
            match next(4) {
                0 | 1 => {
                    let name = names[next(5) as usize];
                    let item = named(&jid, name, groups[next(5) as usize]);
                    roster.apply_push(item, None);
                }
                2 => {
                    roster.apply_push(item(&jid, Subscription::Remove), None);
                }
                _ => roster.set_availability(&bare(&jid), shows[next(5) as usize]),
            }
            if step % 100 == 0 {
                assert_consistent(&roster);
            }
        }
        assert_consistent(&roster);
        // A result replaces it all and keeps the survivors' presence.
        let survivor = roster
            .contacts()
            .next()
            .map(|(_, c)| c.jid.clone())
            .unwrap();
        roster.set_availability(&survivor, Availability::Chat);
        roster.apply_result(Some((None, vec![named(survivor.as_str(), None, &["New"])])));
        assert_eq!(roster.len(), 1);
        assert_eq!(
            roster.get(&survivor).unwrap().availability,
            Availability::Chat
        );
        assert_eq!(roster.groups().into_iter().collect::<Vec<_>>(), ["New"]);
        assert_consistent(&roster);
    }

    /// ROS-16: an item comes back exactly as it was pushed, and a repeat
    /// of it is no change.
    #[test]
    fn items_round_trip_through_the_compact_form() {
        let mut roster = loaded(vec![]);
        let mut pushed = named(
            "romeo@example.net",
            Some("Romeo, a name longer than twenty-four bytes"),
            &["Verona", "Friends", "Montague"],
        );
        pushed.ask = true;
        pushed.approved = true;
        pushed.subscription = Subscription::From;
        roster.apply_push(pushed.clone(), None);
        assert_eq!(roster.item(&pushed.jid), Some(pushed.clone()));
        assert_eq!(roster.items().collect::<Vec<_>>(), [pushed.clone()]);
        assert_eq!(roster.apply_push(pushed.clone(), None), None);
        // Reordered groups are a change (document order is kept).
        pushed.groups.swap(0, 1);
        assert!(roster.apply_push(pushed.clone(), None).is_some());
        assert_eq!(roster.item(&pushed.jid).unwrap().groups, pushed.groups);
    }

    /// Group names are stored once and go with their last member.
    #[test]
    fn group_names_are_interned_and_freed() {
        let mut roster = loaded(vec![
            named("a@x", None, &["Friends"]),
            named("b@x", None, &["Friends", "Work"]),
        ]);
        let a = roster.get(&bare("a@x")).unwrap().groups.iter().next();
        let b = roster.get(&bare("b@x")).unwrap().groups.iter().next();
        assert_eq!(a, b);
        roster.apply_push(named("b@x", None, &[]), None);
        assert_eq!(roster.groups().into_iter().collect::<Vec<_>>(), ["Friends"]);
        roster.apply_push(item("a@x", Subscription::Remove), None);
        assert!(roster.groups().is_empty());
        assert_eq!(listed(&roster, ListId::Ungrouped), ["b@x"]);
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
