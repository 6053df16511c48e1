//! One roster contact as the store keeps it, and the slab that holds them.
//!
//! A [`RosterItem`](crate::xmpp::stanza::roster::RosterItem) is what the wire carries; a [`Contact`] is the same
//! facts in less memory: a short name inline, group names as ids into the
//! roster's group table, and the presence summary the roster is sorted by.
//! Contacts live in [`Contacts`] under a stable [`ContactId`], so indexes
//! and row lists hold four bytes per contact instead of a copy of the JID.

use std::num::NonZeroU32;

use compact_str::CompactString;
use jid::BareJid;

use super::group::GroupId;
use crate::app::presence::Availability;
use crate::xmpp::stanza::roster::Subscription;

/// A contact's slot in [`Contacts`]; stable while the contact exists.
/// Never zero inside, so `Option<ContactId>` is four bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(NonZeroU32);

impl ContactId {
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    fn from_index(index: usize) -> Option<ContactId> {
        u32::try_from(index + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .map(ContactId)
    }
}

/// Group memberships in document order (ROS-16): up to two without a heap
/// allocation, which is nearly every contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupIds {
    Few([Option<GroupId>; 2]),
    Many(Box<[GroupId]>),
}

impl Default for GroupIds {
    fn default() -> Self {
        GroupIds::Few([None, None])
    }
}

impl GroupIds {
    pub fn new(ids: Vec<GroupId>) -> GroupIds {
        match ids[..] {
            [] => GroupIds::Few([None, None]),
            [a] => GroupIds::Few([Some(a), None]),
            [a, b] => GroupIds::Few([Some(a), Some(b)]),
            _ => GroupIds::Many(ids.into_boxed_slice()),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = GroupId> + '_ {
        let (few, many): (&[Option<GroupId>], &[GroupId]) = match self {
            GroupIds::Few(few) => (few, &[]),
            GroupIds::Many(many) => (&[], many),
        };
        few.iter().flatten().chain(many).copied()
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, GroupIds::Few([None, _]))
    }
}

/// A roster item in compact form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub jid: BareJid,
    /// Kept exactly (ROS-16); inline up to 24 bytes.
    pub name: Option<CompactString>,
    pub subscription: Subscription,
    /// Our own subscription request is pending.
    pub ask: bool,
    /// Pre-approved by the server (NEW-09).
    pub approved: bool,
    /// The presence summary the roster is ordered by, kept in step with
    /// the presence book by the store.
    pub availability: Availability,
    pub groups: GroupIds,
}

impl Contact {
    /// The text a contact is shown and sorted by: its name, else its JID.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.jid.as_str())
    }

    /// A contact with only a JID, offline, in no group.
    #[cfg(test)]
    pub(crate) fn bare_for_test(jid: &str) -> Contact {
        Contact {
            jid: BareJid::new(jid).unwrap(),
            name: None,
            subscription: Subscription::None,
            ask: false,
            approved: false,
            availability: Availability::Offline,
            groups: GroupIds::default(),
        }
    }
}

/// Contacts by id, reusing the slots of removed ones.
#[derive(Debug, Default)]
pub struct Contacts {
    slots: Vec<Option<Contact>>,
    free: Vec<ContactId>,
    len: usize,
}

impl Contacts {
    pub fn get(&self, id: ContactId) -> Option<&Contact> {
        self.slots.get(id.index())?.as_ref()
    }

    pub fn get_mut(&mut self, id: ContactId) -> Option<&mut Contact> {
        self.slots.get_mut(id.index())?.as_mut()
    }

    /// Stores a contact; gives it back only past four billion.
    pub fn insert(&mut self, contact: Contact) -> Result<ContactId, Contact> {
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id.index()] = Some(contact);
                id
            }
            None => {
                let Some(id) = ContactId::from_index(self.slots.len()) else {
                    return Err(contact);
                };
                self.slots.push(Some(contact));
                id
            }
        };
        self.len += 1;
        Ok(id)
    }

    pub fn remove(&mut self, id: ContactId) -> Option<Contact> {
        let contact = self.slots.get_mut(id.index())?.take()?;
        self.free.push(id);
        self.len -= 1;
        Some(contact)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = (ContactId, &Contact)> {
        self.slots.iter().enumerate().filter_map(|(i, slot)| {
            let contact = slot.as_ref()?;
            Some((ContactId::from_index(i)?, contact))
        })
    }

    /// Ids are below this.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Room for `additional` more contacts, exactly: a bulk load knows its size.
    pub fn reserve(&mut self, additional: usize) {
        let wanted = (self.len + additional).saturating_sub(self.slots.len());
        self.slots.reserve_exact(wanted);
    }

    /// Gives back spare room after a bulk load; trailing free slots go.
    pub fn shrink_to_fit(&mut self) {
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        let end = self.slots.len();
        self.free.retain(|id| id.index() < end);
        self.slots.shrink_to_fit();
        self.free.shrink_to_fit();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::app::roster::group::GroupTable;

    fn contact(jid: &str) -> Contact {
        Contact::bare_for_test(jid)
    }

    #[test]
    fn group_ids_keep_document_order_inline_or_not() {
        let mut table = GroupTable::default();
        let ids: Vec<GroupId> = ["c", "a", "b"]
            .iter()
            .map(|n| table.acquire(n).unwrap())
            .collect();
        for count in 0..=3 {
            let groups = GroupIds::new(ids[..count].to_vec());
            assert_eq!(groups.iter().collect::<Vec<_>>(), ids[..count]);
            assert_eq!(groups.is_empty(), count == 0);
            assert_eq!(matches!(groups, GroupIds::Many(_)), count > 2);
        }
    }

    #[test]
    fn compact_sizes() {
        // A contact without groups beyond two and with a short name owns
        // no heap memory besides its JID.
        assert_eq!(std::mem::size_of::<GroupIds>(), 16);
        assert!(std::mem::size_of::<Option<Contact>>() <= 80);
    }

    #[test]
    fn slots_are_reused_and_trimmed() {
        let mut contacts = Contacts::default();
        let a = contacts.insert(contact("a@x")).ok().unwrap();
        let b = contacts.insert(contact("b@x")).ok().unwrap();
        assert_eq!(contacts.remove(a).unwrap().jid.as_str(), "a@x");
        assert!(contacts.get(a).is_none());
        assert!(contacts.remove(a).is_none());
        let c = contacts.insert(contact("c@x")).ok().unwrap();
        assert_eq!(c, a);
        assert_eq!(contacts.len(), 2);
        contacts.remove(b);
        contacts.shrink_to_fit();
        assert_eq!(contacts.capacity(), 1);
        let d = contacts.insert(contact("d@x")).ok().unwrap();
        assert_eq!(d.index(), 1);
        let listed: Vec<_> = contacts.iter().map(|(_, c)| c.jid.as_str()).collect();
        assert_eq!(listed, ["c@x", "d@x"]);
    }
}
