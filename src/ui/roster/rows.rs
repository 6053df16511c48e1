//! The roster pane's rows without a row list. The store keeps every group
//! sorted ([`crate::app::roster::order`]); the pane lays sections over
//! those lists (our devices, requests, rooms, each group, no group) and
//! finds row N by arithmetic, so it never copies or sorts contacts. Rooms
//! (and private conversations in them) are few ([`crate::app::room::MAX_ROOMS`])
//! and listed anew when the set of rooms or conversations changes.
//!
//! Two kinds of work, by what changed:
//! - [`build_sections`] when items, requests, the filter, folding or
//!   hide-offline changed: lists the groups in name order and, with a
//!   filter, marks the contacts whose name or JID matches.
//! - [`refresh`] on every store revision (presence included): counts per
//!   section (online contacts are a prefix, found by binary search), a
//!   filtered section's members re-read in store order, the row starts,
//!   and the cursor put back on the row it was on ([`Anchor`]).

use compact_str::CompactString;
use jid::BareJid;

use super::{RosterView, Section};
use crate::app::State;
use crate::app::roster::contact::ContactId;
use crate::app::roster::order::{ListId, compare, is_available};
use crate::sanitize::one_line;

/// The members of one section.
#[derive(Debug)]
pub(super) enum Members {
    /// Our other resources, highest priority first.
    Devices(Vec<CompactString>),
    /// Requests from outside the roster, oldest first.
    Requests(Vec<BareJid>),
    /// Rooms by name, each followed by our private conversations in it.
    Rooms(Vec<RoomEntry>),
    /// A store list. With a filter that the group name does not match,
    /// `filtered` holds the members whose name or JID does, in store order.
    Contacts {
        list: ListId,
        filtered: Option<Vec<ContactId>>,
    },
}

#[derive(Debug)]
pub(super) struct SectionRows {
    pub section: Section,
    pub members: Members,
    /// Members that pass the filter.
    pub total: usize,
    /// Of those, the available ones (contacts sections only).
    pub online: usize,
    pub collapsed: bool,
}

impl SectionRows {
    /// Members shown under the header when unfolded: offline contacts
    /// are hidden on request, and they sort last.
    fn shown(&self, hide_offline: bool) -> usize {
        match self.members {
            Members::Contacts { .. } if hide_offline => self.online,
            _ => self.total,
        }
    }

    /// Rows drawn, header included; an empty section is left out.
    fn rows(&self, hide_offline: bool) -> usize {
        match (self.total, self.collapsed) {
            (0, _) => 0,
            (_, true) => 1,
            (_, false) => 1 + self.shown(hide_offline),
        }
    }
}

/// A row of the Rooms section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum RoomEntry {
    Room(BareJid),
    /// A private conversation with occupant `nick` (MUC-23).
    Private(BareJid, String),
}

impl RoomEntry {
    pub fn room(&self) -> &BareJid {
        match self {
            RoomEntry::Room(room) | RoomEntry::Private(room, _) => room,
        }
    }

    pub fn nick(&self) -> Option<&str> {
        match self {
            RoomEntry::Room(_) => None,
            RoomEntry::Private(_, nick) => Some(nick),
        }
    }
}

/// One row, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Row {
    Header { section: usize },
    Contact { section: usize, id: ContactId },
    Request { section: usize, index: usize },
    Device { section: usize, index: usize },
    Room { section: usize, index: usize },
}

impl Row {
    pub fn section(self) -> usize {
        match self {
            Row::Header { section }
            | Row::Contact { section, .. }
            | Row::Request { section, .. }
            | Row::Device { section, .. }
            | Row::Room { section, .. } => section,
        }
    }
}

/// What the cursor is on, by identity rather than position, so it stays
/// there when rows move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Anchor {
    Header(Section),
    Contact { section: Section, jid: BareJid },
    Request(BareJid),
    Device(CompactString),
    Room(RoomEntry),
}

impl Anchor {
    pub fn jid(&self) -> Option<&BareJid> {
        match self {
            Anchor::Contact { jid, .. } | Anchor::Request(jid) => Some(jid),
            Anchor::Header(_) | Anchor::Device(_) | Anchor::Room(_) => None,
        }
    }
}

/// Store revisions the sections were built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Built {
    roster_rev: u64,
    items_rev: u64,
    pending_rev: u64,
    rooms_rev: u64,
    conversations: usize,
}

/// Brings the rows up to date with the store and the view settings.
pub(super) fn sync(view: &mut RosterView, state: &State) {
    let now = Built {
        roster_rev: state.roster_rev,
        items_rev: state.roster.items_rev(),
        pending_rev: state.pending.rev(),
        rooms_rev: state.rooms.rev(),
        conversations: state.chats.len(),
    };
    let structure = view.stale
        || view.built.is_none_or(|b| {
            b.items_rev != now.items_rev
                || b.pending_rev != now.pending_rev
                || b.rooms_rev != now.rooms_rev
                || b.conversations != now.conversations
        });
    if !structure && view.built == Some(now) {
        return;
    }
    if structure {
        build_sections(view, state);
    }
    refresh(view, state);
    view.built = Some(now);
    view.stale = false;
}

fn matches(needle: &str, text: &str) -> bool {
    needle.is_empty() || text.to_lowercase().contains(needle)
}

/// Lists the sections and, with a filter, which contacts match it.
fn build_sections(view: &mut RosterView, state: &State) {
    view.needle = view.filter.to_lowercase();
    let needle = view.needle.as_str();
    view.named.clear();
    if !needle.is_empty() {
        let roster = &state.roster;
        view.named.resize(
            roster
                .contacts()
                .map(|(id, _)| id.index() + 1)
                .max()
                .unwrap_or(0),
            false,
        );
        for (id, contact) in roster.contacts() {
            view.named[id.index()] = matches(needle, &one_line(contact.display_name()))
                || matches(needle, contact.jid.as_str());
        }
    }

    let requests = state
        .pending
        .iter()
        .filter(|r| !state.roster.contains(&r.jid) && matches(needle, r.jid.as_str()))
        .map(|r| r.jid.clone())
        .collect();
    let mut groups: Vec<(String, &str, _)> = state
        .roster
        .group_ids()
        .map(|(id, name)| (name.to_lowercase(), name, id))
        .collect();
    groups.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let filtered = |name: Option<&str>| {
        let all = needle.is_empty() || name.is_some_and(|n| matches(needle, n));
        (!all).then(Vec::new)
    };

    let mut sections = vec![
        (Section::Devices, Members::Devices(Vec::new())),
        (Section::Requests, Members::Requests(requests)),
        (Section::Rooms, Members::Rooms(room_entries(state, needle))),
    ];
    for (_, name, id) in groups {
        sections.push((
            Section::Group(name.to_owned()),
            Members::Contacts {
                list: ListId::Group(id),
                filtered: filtered(Some(name)),
            },
        ));
    }
    sections.push((
        Section::Ungrouped,
        Members::Contacts {
            list: ListId::Ungrouped,
            filtered: filtered(None),
        },
    ));
    view.sections = sections
        .into_iter()
        .map(|(section, members)| SectionRows {
            collapsed: view.collapsed.contains(section.key()),
            section,
            members,
            total: 0,
            online: 0,
        })
        .collect();
    view.rebuilds += 1;
}

/// The rooms by name (local part, case aside, then JID), each followed by
/// the private conversations held with its occupants, by nick.
fn room_entries(state: &State, needle: &str) -> Vec<RoomEntry> {
    type Key = (String, BareJid, Option<String>);
    let mut keyed: Vec<(Key, RoomEntry)> = state
        .rooms
        .iter()
        .map(|room| RoomEntry::Room(room.jid.clone()))
        .chain(
            state
                .chats
                .by_activity()
                .into_iter()
                .filter_map(|c| match &c.kind {
                    crate::app::chat::ConversationKind::Private { nick } => {
                        Some(RoomEntry::Private(c.peer.clone(), nick.clone()))
                    }
                    _ => None,
                }),
        )
        .filter(|entry| {
            let text = match entry.nick() {
                Some(nick) => format!("{}/{nick}", entry.room()),
                None => entry.room().to_string(),
            };
            matches(needle, &one_line(&text))
        })
        .map(|entry| {
            let room = entry.room();
            let name = room
                .node()
                .map_or_else(|| room.to_string(), |n| n.to_lowercase());
            let key = (name, room.clone(), entry.nick().map(str::to_lowercase));
            (key, entry)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, entry)| entry).collect()
}

/// Counts, filtered members and row starts for the current store; then
/// the cursor goes back to its row.
fn refresh(view: &mut RosterView, state: &State) {
    let roster = &state.roster;
    let available = |id: &ContactId| {
        roster
            .contact(*id)
            .is_some_and(|c| is_available(c.availability))
    };
    for section in &mut view.sections {
        let (total, online) = match &mut section.members {
            Members::Devices(devices) => {
                devices.clear();
                devices.extend(
                    state
                        .own_resources
                        .sorted_resources()
                        .into_iter()
                        .filter(|(name, _)| matches(&view.needle, name))
                        .map(|(name, _)| CompactString::from(name)),
                );
                (devices.len(), devices.len())
            }
            Members::Requests(requests) => (requests.len(), 0),
            Members::Rooms(entries) => (entries.len(), 0),
            Members::Contacts {
                list,
                filtered: None,
            } => (roster.list(*list).len(), roster.available_in(*list)),
            Members::Contacts {
                list,
                filtered: Some(members),
            } => {
                let named = &view.named;
                members.clear();
                members.extend(
                    roster
                        .list(*list)
                        .iter()
                        .filter(|id| named.get(id.index()).copied().unwrap_or(false)),
                );
                (members.len(), members.partition_point(available))
            }
        };
        section.total = total;
        section.online = online;
    }
    view.starts.clear();
    let mut start = 0;
    for section in &view.sections {
        view.starts.push(start);
        start += section.rows(view.hide_offline);
    }
    view.starts.push(start);
    view.refreshes += 1;

    let count = view.row_count();
    view.selected = view
        .anchor
        .as_ref()
        .and_then(|anchor| find(view, state, anchor))
        .unwrap_or(view.selected)
        .min(count.saturating_sub(1));
    view.anchor = anchor_at(view, state, view.selected);
}

/// The row at `index`, if there is one.
pub(super) fn row_at(view: &RosterView, state: &State, index: usize) -> Option<Row> {
    if index >= view.row_count() {
        return None;
    }
    // The last section starting at or before the row; empty sections
    // share their start with the next one and are skipped this way.
    let section = view.starts.partition_point(|start| *start <= index) - 1;
    let offset = index - view.starts[section];
    if offset == 0 {
        return Some(Row::Header { section });
    }
    let index = offset - 1;
    Some(match &view.sections[section].members {
        Members::Devices(_) => Row::Device { section, index },
        Members::Requests(_) => Row::Request { section, index },
        Members::Rooms(_) => Row::Room { section, index },
        Members::Contacts { list, filtered } => {
            let members = filtered
                .as_deref()
                .unwrap_or_else(|| state.roster.list(*list));
            Row::Contact {
                section,
                id: *members.get(index)?,
            }
        }
    })
}

/// The identity of the row at `index`.
pub(super) fn anchor_at(view: &RosterView, state: &State, index: usize) -> Option<Anchor> {
    let row = row_at(view, state, index)?;
    let section = &view.sections[row.section()];
    Some(match (row, &section.members) {
        (Row::Header { .. }, _) => Anchor::Header(section.section.clone()),
        (Row::Contact { id, .. }, _) => Anchor::Contact {
            section: section.section.clone(),
            jid: state.roster.contact(id)?.jid.clone(),
        },
        (Row::Request { index, .. }, Members::Requests(jids)) => {
            Anchor::Request(jids.get(index)?.clone())
        }
        (Row::Device { index, .. }, Members::Devices(names)) => {
            Anchor::Device(names.get(index)?.clone())
        }
        (Row::Room { index, .. }, Members::Rooms(entries)) => {
            Anchor::Room(entries.get(index)?.clone())
        }
        _ => return None,
    })
}

/// Where the anchored row is now: the same row, or the same contact in
/// another section.
fn find(view: &RosterView, state: &State, anchor: &Anchor) -> Option<usize> {
    let position = |wanted: &Section| view.sections.iter().position(|s| s.section == *wanted);
    match anchor {
        Anchor::Header(section) => {
            let s = position(section)?;
            (view.sections[s].rows(view.hide_offline) > 0).then_some(view.starts[s])
        }
        Anchor::Contact { section, jid } => {
            let id = state.roster.id_of(jid)?;
            position(section)
                .into_iter()
                .chain(0..view.sections.len())
                .find_map(|s| contact_row(view, state, s, id))
        }
        Anchor::Request(jid) => view.sections.iter().enumerate().find_map(|(s, section)| {
            let Members::Requests(jids) = &section.members else {
                return None;
            };
            member_row(view, s, jids.iter().position(|j| j == jid)?)
        }),
        Anchor::Device(name) => view.sections.iter().enumerate().find_map(|(s, section)| {
            let Members::Devices(names) = &section.members else {
                return None;
            };
            member_row(view, s, names.iter().position(|n| n == name)?)
        }),
        Anchor::Room(entry) => view.sections.iter().enumerate().find_map(|(s, section)| {
            let Members::Rooms(entries) = &section.members else {
                return None;
            };
            member_row(view, s, entries.iter().position(|e| e == entry)?)
        }),
    }
}

/// The row of member `index` of section `s`, if it is drawn.
fn member_row(view: &RosterView, s: usize, index: usize) -> Option<usize> {
    let section = &view.sections[s];
    let drawn = !section.collapsed && index < section.shown(view.hide_offline);
    drawn.then(|| view.starts[s] + 1 + index)
}

/// The row of contact `id` in section `s`, found by binary search.
fn contact_row(view: &RosterView, state: &State, s: usize, id: ContactId) -> Option<usize> {
    let Members::Contacts { list, filtered } = &view.sections[s].members else {
        return None;
    };
    let index = match filtered {
        None => state.roster.position(*list, id)?,
        Some(members) => {
            let contact = state.roster.contact(id)?;
            let at = members.partition_point(|x| {
                state
                    .roster
                    .contact(*x)
                    .is_some_and(|x| compare(x, contact).is_lt())
            });
            (members.get(at) == Some(&id)).then_some(at)?
        }
    };
    member_row(view, s, index)
}
