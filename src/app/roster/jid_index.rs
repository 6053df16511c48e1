//! Finding a contact by JID without a second copy of the JID.
//!
//! A `HashMap<BareJid, ContactId>` would store every JID twice (once in the
//! contact, once as the key, each with its own heap string). This table
//! holds only four-byte ids and compares against the JID inside the contact:
//! open addressing with linear probing, at most three quarters full, and
//! backward-shift deletion so no tombstones pile up. The hash is the
//! standard library's keyed SipHash, so invented JIDs cannot be chosen to
//! collide.

use std::hash::{BuildHasher, RandomState};

use super::contact::ContactId;

#[derive(Debug, Default)]
pub struct JidIndex {
    /// A power of two long (or empty).
    slots: Vec<Option<ContactId>>,
    len: usize,
    hasher: RandomState,
}

impl JidIndex {
    fn home(&self, jid: &str) -> usize {
        // Truncating the hash keeps its low bits, which is all the mask uses.
        self.hasher.hash_one(jid) as usize & (self.slots.len() - 1)
    }

    /// The contact whose JID is `jid`; `jid_of` reads a contact's JID.
    pub fn find<'a>(
        &self,
        jid: &str,
        jid_of: impl Fn(ContactId) -> Option<&'a str>,
    ) -> Option<ContactId> {
        self.slot_of(jid, jid_of).and_then(|i| self.slots[i])
    }

    fn slot_of<'a>(
        &self,
        jid: &str,
        jid_of: impl Fn(ContactId) -> Option<&'a str>,
    ) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(jid);
        // The table is never full, so an empty slot ends every probe.
        while let Some(id) = self.slots[i] {
            if jid_of(id) == Some(jid) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Adds `id` under `jid`, which must not be in the table yet.
    pub fn insert<'a>(
        &mut self,
        id: ContactId,
        jid: &str,
        jid_of: impl Fn(ContactId) -> Option<&'a str>,
    ) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize((self.slots.len() * 2).max(16), &jid_of);
        }
        self.place(id, jid);
        self.len += 1;
    }

    fn place(&mut self, id: ContactId, jid: &str) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(jid);
        while self.slots[i].is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = Some(id);
    }

    /// Removes the entry for `jid`; every contact in the table must still
    /// be readable through `jid_of`, the removed one included.
    pub fn remove<'a>(
        &mut self,
        jid: &str,
        jid_of: impl Fn(ContactId) -> Option<&'a str>,
    ) -> Option<ContactId> {
        let found = self.slot_of(jid, &jid_of)?;
        let removed = self.slots[found];
        let mask = self.slots.len() - 1;
        let mut hole = found;
        let mut next = (found + 1) & mask;
        // Pull back every later entry of the run that may sit in the hole:
        // one whose home is not between the hole and where it is now.
        while let Some(id) = self.slots[next] {
            let home = jid_of(id).map_or(next, |j| self.home(j));
            if next.wrapping_sub(home) & mask >= next.wrapping_sub(hole) & mask {
                self.slots[hole] = Some(id);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.slots[hole] = None;
        self.len -= 1;
        removed
    }

    /// Makes room for `extra` more entries at once, before a bulk insert.
    pub fn reserve<'a>(&mut self, extra: usize, jid_of: impl Fn(ContactId) -> Option<&'a str>) {
        let needed = ((self.len + extra) * 4)
            .div_ceil(3)
            .next_power_of_two()
            .max(16);
        if needed > self.slots.len() {
            self.resize(needed, &jid_of);
        }
    }

    /// Shrinks the table to what its entries need.
    pub fn shrink_to_fit<'a>(&mut self, jid_of: impl Fn(ContactId) -> Option<&'a str>) {
        let needed = (self.len * 4).div_ceil(3).next_power_of_two().max(16);
        if needed < self.slots.len() {
            self.resize(needed, &jid_of);
        }
    }

    fn resize<'a>(&mut self, size: usize, jid_of: &impl Fn(ContactId) -> Option<&'a str>) {
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        for id in old.into_iter().flatten() {
            if let Some(jid) = jid_of(id) {
                self.place(id, jid);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        self.slots = Vec::new();
        self.len = 0;
    }

    /// Bytes of table, for memory accounting in tests.
    pub fn table_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<ContactId>>()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::app::roster::contact::{Contact, Contacts};

    fn contact(jid: &str) -> Contact {
        Contact::bare_for_test(jid)
    }

    /// Inserts and removes in an order that wraps runs around the table's
    /// end and empties it, checking every lookup against a plain map.
    #[test]
    fn agrees_with_a_hash_map_through_inserts_and_removals() {
        let mut contacts = Contacts::default();
        let mut index = JidIndex::default();
        let mut model = std::collections::HashMap::new();
        let jid = |i: usize| format!("c{i}@example.org");
        for round in 0..3 {
            for i in 0..500 {
                let j = jid(i);
                if model.contains_key(&j) {
                    continue;
                }
                let id = contacts.insert(contact(&j)).ok().unwrap();
                index.insert(id, &j, |id| contacts.get(id).map(|c| c.jid.as_str()));
                model.insert(j, id);
            }
            // Remove a different two thirds each round.
            for i in (0..500).filter(|i| (i + round) % 3 != 0) {
                let j = jid(i);
                let removed = index.remove(&j, |id| contacts.get(id).map(|c| c.jid.as_str()));
                assert_eq!(removed, model.remove(&j));
                if let Some(id) = removed {
                    contacts.remove(id);
                }
            }
            for i in 0..600 {
                let j = jid(i);
                let found = index.find(&j, |id| contacts.get(id).map(|c| c.jid.as_str()));
                assert_eq!(found, model.get(&j).copied(), "{j} in round {round}");
            }
            assert_eq!(index.len(), model.len());
        }
        let before = index.table_bytes();
        index.shrink_to_fit(|id| contacts.get(id).map(|c| c.jid.as_str()));
        assert!(index.table_bytes() < before);
        for (j, id) in &model {
            let found = index.find(j, |id| contacts.get(id).map(|c| c.jid.as_str()));
            assert_eq!(found, Some(*id));
        }
    }

    #[test]
    fn empty_index_finds_nothing() {
        let index = JidIndex::default();
        assert_eq!(index.find("a@x", |_| None), None);
        assert!(index.is_empty());
    }
}
