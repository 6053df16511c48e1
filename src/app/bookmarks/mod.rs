//! The bookmarks area: the rooms bookmarked on the user's server (checklist
//! §10 BOOKMARKS, §11 PEP). Which store holds them is decided from our
//! account's disco#info at each login (BOOKMARKS-01, BOOKMARKS-18, PEP-01):
//! XEP-0402 PEP items where the account keeps both stores in sync, else the
//! XEP-0048 `<storage/>` in XEP-0049 private storage. This file holds the
//! state, the pure rules ([`autojoin_changes`], [`apply_edit`],
//! [`nick_for`]); `update.rs` the retrieval at login, `/bookmark`, the
//! publish, retract and read-modify-write, and the live pushes from other
//! devices.
//!
//! Rooms themselves are another area's: this one only says which rooms to
//! join or leave ([`RoomChange`]), and reports each as an
//! [`Event::RoomChange`](crate::app::event::Event::RoomChange). Nothing here
//! parses XML; the wire forms are `xmpp::stanza::{bookmarks, pubsub}`.

pub mod update;

use std::collections::{BTreeMap, BTreeSet};

use jid::BareJid;

use crate::app::command::{BookmarkCommand, BookmarkEdit};
use crate::xmpp::stanza::bookmarks::{Bookmark, Storage};

/// The most bookmarks kept: a hostile server may send any number
/// (the session already stops reading at [`crate::xmpp::query::MAX_ITEMS`]).
pub const MAX_BOOKMARKS: usize = crate::xmpp::query::MAX_ITEMS;

/// Where this session's bookmarks live (BOOKMARKS-01).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Store {
    /// Our account's features are not known yet.
    #[default]
    Unknown,
    /// XEP-0402 items of the PEP node `urn:xmpp:bookmarks:1`.
    Pep,
    /// XEP-0048 `<storage/>` in XEP-0049 private storage.
    Private,
}

/// A room to join or leave because of a bookmark (BOOKMARKS-04,
/// BOOKMARKS-10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomChange {
    Join {
        room: BareJid,
        nick: String,
        password: Option<String>,
    },
    Leave {
        room: BareJid,
    },
}

/// What happened to the bookmarks, for [`autojoin_changes`].
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    /// The whole list, read at login (BOOKMARKS-04, BOOKMARKS-14).
    Retrieved(&'a [Bookmark]),
    /// One bookmark added or changed, here or on another device
    /// (BOOKMARKS-10).
    Updated(&'a Bookmark),
    /// Bookmarks removed (a retract, a purge, a deleted node).
    Removed(&'a [BareJid]),
}

/// The rooms to join and leave after `change`, given the rooms `joined`:
/// join an autojoin room not joined; leave a joined room whose bookmark
/// lost autojoin or is gone (BOOKMARKS-10). The nick is the bookmark's,
/// else `default_nick` (BOOKMARKS-04).
pub fn autojoin_changes(
    change: Change<'_>,
    joined: &BTreeSet<BareJid>,
    default_nick: &str,
) -> Vec<RoomChange> {
    let join = |bookmark: &Bookmark| RoomChange::Join {
        room: bookmark.room.clone(),
        nick: nick_for(bookmark, default_nick),
        password: bookmark.password.clone(),
    };
    match change {
        Change::Retrieved(bookmarks) => bookmarks
            .iter()
            .filter(|b| b.autojoin && !joined.contains(&b.room))
            .map(join)
            .collect(),
        Change::Updated(bookmark) => match (bookmark.autojoin, joined.contains(&bookmark.room)) {
            (true, false) => vec![join(bookmark)],
            (false, true) => vec![RoomChange::Leave {
                room: bookmark.room.clone(),
            }],
            _ => Vec::new(),
        },
        Change::Removed(rooms) => rooms
            .iter()
            .filter(|room| joined.contains(*room))
            .map(|room| RoomChange::Leave { room: room.clone() })
            .collect(),
    }
}

/// BOOKMARKS-04: the bookmark's `<nick/>`, else `default_nick` (the
/// configured `[rooms] nick`, else our local part).
pub fn nick_for(bookmark: &Bookmark, default_nick: &str) -> String {
    bookmark
        .nick
        .as_deref()
        .map(str::trim)
        .filter(|nick| !nick.is_empty())
        .unwrap_or(default_nick)
        .to_owned()
}

/// The bookmark `/bookmark add` makes of `existing` (kept whole, its
/// extensions and unknown parts included, BOOKMARKS-06) and `edit`.
pub fn apply_edit(existing: Option<&Bookmark>, edit: &BookmarkEdit) -> Bookmark {
    let mut bookmark = existing
        .cloned()
        .unwrap_or_else(|| Bookmark::new(edit.room.clone()));
    if let Some(name) = &edit.name {
        bookmark.name = Some(name.clone());
    }
    if let Some(nick) = &edit.nick {
        bookmark.nick = Some(nick.clone());
    }
    if let Some(password) = &edit.password {
        bookmark.password = Some(password.clone());
    }
    if let Some(autojoin) = edit.autojoin {
        bookmark.autojoin = autojoin;
    }
    bookmark
}

/// What a reply to one of the area's requests is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The login's read of the list (BOOKMARKS-02, BOOKMARKS-11).
    Retrieve,
    /// `/bookmark add` on the PEP node (BOOKMARKS-05): `bookmark` was
    /// published.
    Publish {
        tag: u64,
        label: String,
        bookmark: Bookmark,
    },
    /// `/bookmark remove` on the PEP node (BOOKMARKS-07).
    Retract {
        tag: u64,
        label: String,
        room: BareJid,
    },
    /// The fresh fetch before a private-storage write (BOOKMARKS-13).
    Fetch {
        tag: u64,
        label: String,
        command: BookmarkCommand,
    },
    /// The private-storage write of `storage`.
    Store {
        tag: u64,
        label: String,
        command: BookmarkCommand,
        storage: Storage,
    },
}

/// A `/bookmark` command waiting for the store and the list to be known.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub tag: u64,
    pub label: String,
    pub command: BookmarkCommand,
}

/// What the area keeps.
#[derive(Debug, Default)]
pub struct Bookmarks {
    /// Where this session's bookmarks live.
    pub store: Store,
    /// The bookmarks by room, at most [`MAX_BOOKMARKS`].
    pub list: BTreeMap<BareJid, Bookmark>,
    /// The list was read in this session (or its reading failed).
    pub loaded: bool,
    /// More bookmarks came than are kept.
    pub truncated: bool,
    /// Joins found before initial presence went out, sent after it.
    pub deferred: Vec<RoomChange>,
    /// Commands given before the list was read.
    pub waiting: Vec<Waiting>,
}

impl Bookmarks {
    /// A new session: the store is decided again (BOOKMARKS-01), the list
    /// read again, and no room is joined yet.
    pub fn begin_session(&mut self) {
        self.store = Store::Unknown;
        self.loaded = false;
        self.deferred.clear();
    }

    /// The bookmarks in room order.
    pub fn sorted(&self) -> impl Iterator<Item = &Bookmark> {
        self.list.values()
    }

    /// Keeps `bookmark`; false when the list is full and it is a new room.
    pub fn keep(&mut self, bookmark: Bookmark) -> bool {
        if self.list.len() >= MAX_BOOKMARKS && !self.list.contains_key(&bookmark.room) {
            self.truncated = true;
            return false;
        }
        self.list.insert(bookmark.room.clone(), bookmark);
        true
    }

    /// Replaces the list with what a private storage holds.
    pub fn replace_from(&mut self, storage: &Storage) {
        self.list.clear();
        self.truncated = storage.truncated;
        for bookmark in storage.bookmarks() {
            self.keep(bookmark.clone());
        }
    }
}

#[cfg(test)]
mod tests;
