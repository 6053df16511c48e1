//! Roster group names, each stored once however many contacts are in the
//! group: contacts hold a [`GroupId`], and a name is freed when its last
//! member leaves, so a long session of group edits does not leak names.
//!
//! Only [`super`] changes the table.

use std::collections::HashMap;
use std::num::NonZeroU32;

use compact_str::CompactString;

/// A group in the [`GroupTable`]. Never zero, so `Option<GroupId>` is four
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(NonZeroU32);

impl GroupId {
    /// The position of this group's slot, from 0.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    fn from_index(index: usize) -> Option<GroupId> {
        u32::try_from(index + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .map(GroupId)
    }
}

#[derive(Debug)]
struct Slot {
    name: CompactString,
    /// Contacts listed in the group; the slot is free at zero.
    members: u32,
}

/// Interned group names with member counts.
#[derive(Debug, Default)]
pub struct GroupTable {
    slots: Vec<Slot>,
    by_name: HashMap<CompactString, GroupId>,
    free: Vec<GroupId>,
}

impl GroupTable {
    /// The id for `name`, counting one more member; a new name takes a
    /// free slot or a new one. `None` only past four billion groups.
    pub fn acquire(&mut self, name: &str) -> Option<GroupId> {
        if let Some(&id) = self.by_name.get(name) {
            self.slots[id.index()].members += 1;
            return Some(id);
        }
        let name = CompactString::from(name);
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id.index()] = Slot {
                    name: name.clone(),
                    members: 1,
                };
                id
            }
            None => {
                let id = GroupId::from_index(self.slots.len())?;
                self.slots.push(Slot {
                    name: name.clone(),
                    members: 1,
                });
                id
            }
        };
        self.by_name.insert(name, id);
        Some(id)
    }

    /// One member fewer; the name goes when nobody is left.
    pub fn release(&mut self, id: GroupId) {
        let Some(slot) = self.slots.get_mut(id.index()) else {
            return;
        };
        if slot.members == 0 {
            return;
        }
        slot.members -= 1;
        if slot.members == 0 {
            let name = std::mem::take(&mut slot.name);
            self.by_name.remove(&name);
            self.free.push(id);
        }
    }

    /// The group's name ("" for a freed id).
    pub fn name(&self, id: GroupId) -> &str {
        self.slots.get(id.index()).map_or("", |s| s.name.as_str())
    }

    pub fn id(&self, name: &str) -> Option<GroupId> {
        self.by_name.get(name).copied()
    }

    /// Groups with at least one member, in no particular order.
    pub fn in_use(&self) -> impl Iterator<Item = (GroupId, &str)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.members > 0)
            .filter_map(|(i, slot)| Some((GroupId::from_index(i)?, slot.name.as_str())))
    }

    /// How many groups have members.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Slots ever used, free ones included: ids are below this.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Gives back spare room after a bulk load.
    pub fn shrink_to_fit(&mut self) {
        self.slots.shrink_to_fit();
        self.by_name.shrink_to_fit();
        self.free.shrink_to_fit();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shared_and_freed_with_their_last_member() {
        let mut table = GroupTable::default();
        let friends = table.acquire("Friends").unwrap();
        assert_eq!(table.acquire("Friends"), Some(friends));
        let work = table.acquire("Work").unwrap();
        assert_ne!(friends, work);
        assert_eq!(table.len(), 2);
        table.release(friends);
        assert_eq!(table.name(friends), "Friends");
        table.release(friends);
        assert_eq!(table.id("Friends"), None);
        assert_eq!(table.len(), 1);
        // The freed slot is reused rather than growing the table.
        let family = table.acquire("Family").unwrap();
        assert_eq!(family, friends);
        assert_eq!(table.name(family), "Family");
        assert_eq!(table.capacity(), 2);
        let mut names: Vec<_> = table.in_use().map(|(_, n)| n).collect();
        names.sort_unstable();
        assert_eq!(names, ["Family", "Work"]);
    }

    #[test]
    fn releasing_too_often_is_harmless() {
        let mut table = GroupTable::default();
        let id = table.acquire("Solo").unwrap();
        table.release(id);
        table.release(id);
        assert!(table.is_empty());
        assert_eq!(table.acquire("Solo"), Some(id));
        assert_eq!(table.len(), 1);
    }
}
