//! The roster as the store keeps it (RFC 3921 §7, RFC 6121 §2): items by
//! bare JID, the version for roster versioning, and pushes that arrive
//! before the roster result, held until it has been applied (ROS-14).
//!
//! State changes only through [`Roster::apply_result`] and
//! [`Roster::apply_push`], never from our own requests (ROS-06, INT-09);
//! presence reaches it only as each contact's availability
//! ([`Roster::set_availability`]), which the store keeps in step.
//!
//! Built for big rosters: contacts are compact ([`contact`]), found
//! through an index holding no second copy of their JIDs
//! ([`jid_index`]), with group names stored once
//! ([`group`]); each group is kept in display order
//! ([`order`]), so a change moves one contact and only a
//! full result sorts.

pub mod contact;
pub mod group;
pub mod jid_index;
pub mod ops;
pub mod order;
pub mod update;

use std::collections::BTreeSet;

use compact_str::CompactString;
use jid::BareJid;

use crate::app::presence::Availability;
use crate::xmpp::stanza::roster::{RosterItem, Subscription};
use contact::{Contact, ContactId, Contacts, GroupIds};
use group::{GroupId, GroupTable};
use jid_index::JidIndex;
use order::{ListId, RosterOrder, is_available};

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
    /// [`order`].
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
mod tests;
