//! The roster in the order the roster pane lists it: for each group (and
//! for contacts without one) the member ids sorted by availability, then
//! by name without regard to case, then by JID.
//!
//! Kept up to date as the roster and presence change, so a presence storm
//! costs a binary search and a short memmove per change, never a sort of
//! the whole roster: only a bulk load ([`RosterOrder::rebuild`]) sorts.
//! Available contacts sort first, so "online in this group" is a prefix.
//! [`super::Roster`] owns it and calls it around every change.

use std::cmp::Ordering;

use super::contact::{Contact, ContactId, Contacts};
use super::group::GroupId;
use crate::app::presence::Availability;
use crate::sanitize::one_line_chars;

/// One of the lists: a group's, or that of contacts without a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListId {
    Ungrouped,
    Group(GroupId),
}

impl ListId {
    fn index(self) -> usize {
        match self {
            ListId::Ungrouped => 0,
            ListId::Group(id) => id.index() + 1,
        }
    }
}

/// The lists a contact appears in.
pub fn lists_of(contact: &Contact) -> impl Iterator<Item = ListId> + '_ {
    let ungrouped = contact.groups.is_empty().then_some(ListId::Ungrouped);
    ungrouped
        .into_iter()
        .chain(contact.groups.iter().map(ListId::Group))
}

/// Lower ranks are more available; below this a contact counts as online.
const OFFLINE_RANK: u8 = 5;

pub fn is_available(availability: Availability) -> bool {
    availability.rank() < OFFLINE_RANK
}

/// The display order of two contacts.
pub fn compare(a: &Contact, b: &Contact) -> Ordering {
    a.availability
        .rank()
        .cmp(&b.availability.rank())
        .then_with(|| compare_names(a.display_name(), b.display_name()))
        .then_with(|| a.jid.as_str().cmp(b.jid.as_str()))
}

/// Compares two names as the pane shows them (made safe for the
/// terminal) and folded to lower case, without allocating: the printable
/// ASCII prefix they share byte by byte, then char by char, since names
/// are mostly ASCII and the Unicode path is several times slower.
fn compare_names(a: &str, b: &str) -> Ordering {
    let plain = |byte: u8| (0x20..0x7f).contains(&byte);
    let mut at = 0;
    for (x, y) in a.bytes().zip(b.bytes()) {
        if !plain(x) || !plain(y) {
            break;
        }
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
        at += 1;
    }
    // Everything before `at` is ASCII, so `at` is a char boundary in both,
    // and the folded prefixes are equal.
    fold(&a[at..]).cmp(fold(&b[at..]))
}

fn fold(text: &str) -> impl Iterator<Item = char> + '_ {
    one_line_chars(text).flat_map(char::to_lowercase)
}

/// The folded name as a string, for sorting many contacts at once.
/// Strings order by their chars, so this orders as [`compare_names`].
fn folded_name(contact: &Contact) -> String {
    let name = contact.display_name();
    if name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        name.to_ascii_lowercase()
    } else {
        let mut folded = String::with_capacity(name.len());
        folded.extend(fold(name));
        folded
    }
}

/// Compares by id; an id without a contact (never in a consistent
/// roster) sorts last rather than panicking.
fn compare_ids(contacts: &Contacts, a: ContactId, b: &Contact) -> Ordering {
    contacts.get(a).map_or(Ordering::Greater, |a| compare(a, b))
}

#[derive(Debug, Default)]
pub struct RosterOrder {
    /// By [`ListId::index`].
    lists: Vec<Vec<ContactId>>,
    full_sorts: u64,
    moves: u64,
}

impl RosterOrder {
    /// The members of one list, in display order.
    pub fn list(&self, list: ListId) -> &[ContactId] {
        self.lists.get(list.index()).map_or(&[], Vec::as_slice)
    }

    /// How many of a list's members are available: they come first.
    pub fn available(&self, list: ListId, contacts: &Contacts) -> usize {
        self.list(list).partition_point(|id| {
            contacts
                .get(*id)
                .is_some_and(|c| is_available(c.availability))
        })
    }

    /// Where `id` is in `list`, found by binary search.
    pub fn position(&self, list: ListId, id: ContactId, contacts: &Contacts) -> Option<usize> {
        let contact = contacts.get(id)?;
        let members = self.list(list);
        let at = members.partition_point(|x| compare_ids(contacts, *x, contact) == Ordering::Less);
        (members.get(at) == Some(&id)).then_some(at)
    }

    /// Puts a contact into its lists at its place. Call after the contact
    /// got its final name, groups and availability.
    pub fn insert(&mut self, id: ContactId, contacts: &Contacts) {
        let Some(contact) = contacts.get(id) else {
            return;
        };
        for list in lists_of(contact) {
            let index = list.index();
            if self.lists.len() <= index {
                self.lists.resize_with(index + 1, Vec::new);
            }
            let members = &mut self.lists[index];
            let at =
                members.partition_point(|x| compare_ids(contacts, *x, contact) == Ordering::Less);
            members.insert(at, id);
        }
        self.moves += 1;
    }

    /// Takes a contact out of its lists. Call before changing anything the
    /// order depends on, so it is found where it was put.
    pub fn remove(&mut self, id: ContactId, contacts: &Contacts) {
        let Some(contact) = contacts.get(id) else {
            return;
        };
        for list in lists_of(contact) {
            let Some(members) = self.lists.get_mut(list.index()) else {
                continue;
            };
            let at =
                members.partition_point(|x| compare_ids(contacts, *x, contact) == Ordering::Less);
            if members.get(at) == Some(&id) {
                members.remove(at);
            } else if let Some(at) = members.iter().position(|x| *x == id) {
                // Only if a caller changed the key first; stay correct.
                tracing::warn!("roster order: a contact was not where its key says");
                members.remove(at);
            }
        }
    }

    /// Sorts every list from scratch: after a bulk load or when every
    /// contact's availability changed at once.
    pub fn rebuild(&mut self, contacts: &Contacts) {
        for list in &mut self.lists {
            list.clear();
        }
        for (id, contact) in contacts.iter() {
            for list in lists_of(contact) {
                let index = list.index();
                if self.lists.len() <= index {
                    self.lists.resize_with(index + 1, Vec::new);
                }
                self.lists[index].push(id);
            }
        }
        for list in &mut self.lists {
            // Each name folded once per sort rather than once per
            // comparison; the keys order exactly as `compare` does.
            list.sort_by_cached_key(|id| match contacts.get(*id) {
                Some(c) => (c.availability.rank(), folded_name(c), c.jid.as_str()),
                None => (u8::MAX, String::new(), ""),
            });
            list.shrink_to_fit();
        }
        self.full_sorts += 1;
    }

    /// How often every list was sorted from scratch; tests use it to show
    /// that presence changes move one contact instead.
    pub fn full_sorts(&self) -> u64 {
        self.full_sorts
    }

    /// How often one contact was put into place.
    pub fn moves(&self) -> u64 {
        self.moves
    }

    /// Bytes held by the lists, for memory accounting in tests.
    pub fn list_bytes(&self) -> usize {
        self.lists.capacity() * std::mem::size_of::<Vec<ContactId>>()
            + self
                .lists
                .iter()
                .map(|l| l.capacity() * std::mem::size_of::<ContactId>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII shortcut agrees with comparing the folded names in full.
    #[test]
    fn name_comparison_agrees_with_folding() {
        let names = [
            "",
            "a",
            "A",
            "ab",
            "aB",
            "abc",
            "b",
            "Zoë",
            "zoe",
            "ZOË",
            "\u{1b}a",
            "a\u{1b}",
            "a\tb",
            "a b",
            "東京",
            "Ångström",
            "angstrom",
            "İstanbul",
            "istanbul",
            "~",
            "Ａ",
        ];
        for a in names {
            for b in names {
                let full = one_line_chars(a)
                    .flat_map(char::to_lowercase)
                    .cmp(one_line_chars(b).flat_map(char::to_lowercase));
                assert_eq!(compare_names(a, b), full, "{a:?} {b:?}");
            }
        }
    }
}
