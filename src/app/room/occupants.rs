//! A room's occupants (MUC-14): nick → role, affiliation, presence and real
//! JID when the room shows it, kept in display order (by role, then nick
//! without regard to case) as they change.
//!
//! Every change is O(log n): an occupant list is one map by nick and one
//! ordered set of sort keys, so joining a room of thousands costs
//! n log n, and drawing walks the set in order without sorting. At most
//! [`MAX_OCCUPANTS`] are kept; the rest are counted, not held.
//!
//! A view scrolls by [`SortKey`]: [`Occupants::iter_from`] starts at a key
//! and [`Occupants::step`] moves one by whole occupants, each in O(log n),
//! so a pane shows a window of a large room without walking to it; the
//! occupants of each role are counted as they change ([`Occupants::count`]).

use std::collections::{BTreeSet, HashMap};

use jid::Jid;

use crate::xmpp::stanza::muc::{Affiliation, Role};
use crate::xmpp::stanza::presence::Show;

/// Occupants kept per room.
pub const MAX_OCCUPANTS: usize = 20_000;

/// One occupant, as the room last described it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occupant {
    pub nick: String,
    pub role: Role,
    pub affiliation: Affiliation,
    /// The real JID, when the room lets us see it.
    pub jid: Option<Jid>,
    pub show: Option<Show>,
    pub status: Option<String>,
}

/// The place of an occupant in display order: role, nick in lower case,
/// nick.
pub type SortKey = (Role, String, String);

fn sort_key(occupant: &Occupant) -> SortKey {
    (
        occupant.role,
        occupant.nick.to_lowercase(),
        occupant.nick.clone(),
    )
}

/// What an update did to the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Joined,
    /// Role, affiliation or presence changed; the old role and affiliation.
    Updated {
        role: Role,
        affiliation: Affiliation,
    },
    /// Not kept: the list is full.
    Dropped,
}

#[derive(Clone, Debug, Default)]
pub struct Occupants {
    by_nick: HashMap<String, Occupant>,
    order: BTreeSet<SortKey>,
    /// Occupants held per role, by [`role_index`].
    counts: [usize; 4],
    /// Occupants the room announced beyond [`MAX_OCCUPANTS`].
    pub overflow: usize,
}

impl Occupants {
    pub fn len(&self) -> usize {
        self.by_nick.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_nick.is_empty()
    }

    pub fn get(&self, nick: &str) -> Option<&Occupant> {
        self.by_nick.get(nick)
    }

    /// Occupants in display order: moderators, participants, visitors;
    /// by nick, case aside, within each.
    pub fn iter(&self) -> impl Iterator<Item = &Occupant> {
        self.order
            .iter()
            .filter_map(|(_, _, nick)| self.by_nick.get(nick))
    }

    /// Adds or replaces the occupant `occupant.nick`.
    pub fn upsert(&mut self, occupant: Occupant) -> Change {
        let full = self.by_nick.len() >= MAX_OCCUPANTS;
        match self.by_nick.get_mut(&occupant.nick) {
            Some(old) => {
                let change = Change::Updated {
                    role: old.role,
                    affiliation: old.affiliation,
                };
                if old.role != occupant.role {
                    self.order.remove(&sort_key(old));
                    self.order.insert(sort_key(&occupant));
                    self.counts[role_index(old.role)] -= 1;
                    self.counts[role_index(occupant.role)] += 1;
                }
                *old = occupant;
                change
            }
            None if full => {
                self.overflow += 1;
                Change::Dropped
            }
            None => {
                self.counts[role_index(occupant.role)] += 1;
                self.order.insert(sort_key(&occupant));
                self.by_nick.insert(occupant.nick.clone(), occupant);
                Change::Joined
            }
        }
    }

    /// Removes `nick`, returning what was known of it.
    pub fn remove(&mut self, nick: &str) -> Option<Occupant> {
        let occupant = self.by_nick.remove(nick);
        match &occupant {
            Some(occupant) => {
                self.order.remove(&sort_key(occupant));
                self.counts[role_index(occupant.role)] -= 1;
            }
            None => self.overflow = self.overflow.saturating_sub(1),
        }
        occupant
    }

    /// MUC-15: `old` is now called `new`; the room sends the new nick's
    /// presence next, which updates the rest.
    pub fn rename(&mut self, old: &str, new: &str) -> Option<&Occupant> {
        let mut occupant = self.remove(old)?;
        occupant.nick = new.to_owned();
        self.upsert(occupant);
        self.by_nick.get(new)
    }

    pub fn clear(&mut self) {
        self.by_nick.clear();
        self.order.clear();
        self.counts = [0; 4];
        self.overflow = 0;
    }

    /// Occupants held with `role`.
    pub fn count(&self, role: Role) -> usize {
        self.counts[role_index(role)]
    }

    /// Where `nick` sits in display order.
    pub fn key_of(&self, nick: &str) -> Option<SortKey> {
        self.by_nick.get(nick).map(sort_key)
    }

    /// Occupants in display order from `start` on (the first at or after
    /// it; from the first when `None`), in O(log n) to the first.
    pub fn iter_from(&self, start: Option<&SortKey>) -> impl Iterator<Item = &Occupant> {
        use std::ops::Bound;
        let lower = match start {
            Some(key) => Bound::Included(key),
            None => Bound::Unbounded,
        };
        self.order
            .range::<SortKey, _>((lower, Bound::Unbounded))
            .filter_map(|(_, _, nick)| self.by_nick.get(nick))
    }

    /// The key `by` occupants after (or, negative, before) the first at or
    /// after `start`, stopping at either end; `None` for an empty list.
    /// Costs O(|by| + log n).
    pub fn step(&self, start: Option<&SortKey>, by: isize) -> Option<SortKey> {
        use std::ops::Bound;
        let here = match start {
            Some(key) => self
                .order
                .range::<SortKey, _>((Bound::Included(key), Bound::Unbounded))
                .next()
                .or_else(|| self.order.last()),
            None => self.order.first(),
        }?;
        let moved = if by >= 0 {
            self.order
                .range::<SortKey, _>((Bound::Included(here), Bound::Unbounded))
                .nth(by.unsigned_abs())
                .or_else(|| self.order.last())
        } else {
            self.order
                .range::<SortKey, _>((Bound::Unbounded, Bound::Included(here)))
                .nth_back(by.unsigned_abs())
                .or_else(|| self.order.first())
        };
        moved.cloned()
    }

    /// The key `n` occupants before the end (the top of a last page).
    pub fn key_from_end(&self, n: usize) -> Option<SortKey> {
        self.order
            .iter()
            .nth_back(n.max(1) - 1)
            .or_else(|| self.order.first())
            .cloned()
    }
}

/// The slot of `role` in [`Occupants::count`]'s table.
fn role_index(role: Role) -> usize {
    match role {
        Role::Moderator => 0,
        Role::Participant => 1,
        Role::Visitor => 2,
        Role::None => 3,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn occupant(nick: &str, role: Role) -> Occupant {
        Occupant {
            nick: nick.to_owned(),
            role,
            affiliation: Affiliation::None,
            jid: None,
            show: None,
            status: None,
        }
    }

    fn order(occupants: &Occupants) -> Vec<&str> {
        occupants.iter().map(|o| o.nick.as_str()).collect()
    }

    /// MUC-14: grouped by role, then by nick without regard to case, kept
    /// in order through role changes and renames.
    #[test]
    fn muc_14_display_order() {
        let mut occupants = Occupants::default();
        occupants.upsert(occupant("romeo", Role::Participant));
        occupants.upsert(occupant("Benvolio", Role::Participant));
        occupants.upsert(occupant("nurse", Role::Moderator));
        occupants.upsert(occupant("tybalt", Role::Visitor));
        assert_eq!(order(&occupants), ["nurse", "Benvolio", "romeo", "tybalt"]);
        assert_eq!(
            occupants.upsert(occupant("tybalt", Role::Moderator)),
            Change::Updated {
                role: Role::Visitor,
                affiliation: Affiliation::None
            }
        );
        assert_eq!(order(&occupants), ["nurse", "tybalt", "Benvolio", "romeo"]);
        occupants.rename("romeo", "montague");
        assert_eq!(
            order(&occupants),
            ["nurse", "tybalt", "Benvolio", "montague"]
        );
        assert!(occupants.remove("nurse").is_some());
        assert_eq!(occupants.len(), 3);
        assert_eq!(occupants.count(Role::Moderator), 1);
        assert_eq!(occupants.count(Role::Participant), 2);
        assert_eq!(occupants.count(Role::Visitor), 0);
    }

    /// A window of the list is reached by key, from either end.
    #[test]
    fn windows_by_key() {
        let mut occupants = Occupants::default();
        for nick in ["d", "a", "c", "b", "e"] {
            occupants.upsert(occupant(nick, Role::Participant));
        }
        let from = |occupants: &Occupants, key: Option<SortKey>| -> Vec<String> {
            occupants
                .iter_from(key.as_ref())
                .map(|o| o.nick.clone())
                .collect()
        };
        let second = occupants.step(None, 1);
        assert_eq!(from(&occupants, second.clone()), ["b", "c", "d", "e"]);
        assert_eq!(occupants.step(second.as_ref(), 10), occupants.key_of("e"));
        assert_eq!(occupants.step(second.as_ref(), -10), occupants.key_of("a"));
        assert_eq!(occupants.key_from_end(2), occupants.key_of("d"));
        // A key whose occupant left still places the window.
        let gone = occupants.key_of("c");
        occupants.remove("c");
        assert_eq!(from(&occupants, gone.clone()), ["d", "e"]);
        assert_eq!(occupants.step(gone.as_ref(), -1), occupants.key_of("b"));
        assert_eq!(Occupants::default().step(None, 1), None);
    }

    /// A room cannot grow the list without bound.
    #[test]
    fn capped() {
        let mut occupants = Occupants::default();
        for n in 0..MAX_OCCUPANTS + 3 {
            occupants.upsert(occupant(&format!("n{n}"), Role::Participant));
        }
        assert_eq!(occupants.len(), MAX_OCCUPANTS);
        assert_eq!(occupants.overflow, 3);
    }
}
