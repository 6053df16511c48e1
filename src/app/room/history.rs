//! A room's history without repeats (MUC-09, MUC-21, MAM-14): what a join
//! asks the room for, the room's own archive paged after the join, and
//! what the lines read back from the history tell the dedupe.
//!
//! The start is always what the room's conversation holds: its lines come
//! back from the history when the room's window opens (before the room's
//! disco#info answers and the join presence goes out), and they stay in
//! memory across a reconnect. So [`start`] reads the newest id the room
//! gave a line we hold and the time of the newest line, and [`choose`]
//! decides (pure, tested below):
//!
//! - a room with an archive (`urn:xmpp:mam:2` in its disco#info) sends no
//!   join history (`maxchars='0'`); once the join completes, its archive
//!   is paged (to = the room's JID) after that id, else from that time,
//!   else only the newest [`Preferences::room_history`] messages;
//! - any other room is asked for what came `since` the newest line's time,
//!   or on a first join the newest `maxstanzas`.
//!
//! Either way a line already held is not shown again: the join history and
//! the archive's results go through [`super::update::on_message`], which
//! knows every id the room gave ([`StableKey::Room`], seeded from the lines
//! read back by [`on_lines_loaded`]), else the sender's id and text; the
//! store drops what the history held anyway (`Msg::Recorded`).
//!
//! [`Preferences::room_history`]: crate::app::Preferences::room_history

use jid::{BareJid, Jid};

use crate::app::chat::{ChatLine, ConversationId, ConversationKind, StableKey};
use crate::app::{Effect, Purpose, State};
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::delay::{Delay, Stamp};
use crate::xmpp::stanza::mam::ArchivedMessage;
use crate::xmpp::stanza::muc::History;
use crate::xmpp::stanza::rsm::Cursor;
use crate::xmpp::stanza::stable_id::StanzaId;

/// Messages asked per page of a room's archive.
pub const PAGE: u32 = 100;
/// Pages of a room's archive read after one join at most: a room that was
/// busy for days brings its newest part only after this many.
pub const MAX_PAGES: u32 = 50;

/// Where reading a room's archive after a join stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// The page to ask once the join completes.
    pub next: Option<Page>,
    /// Pages read since the join.
    pub pages: u32,
    /// A first join's newest page: nothing follows it.
    pub single: bool,
    /// The archive did not know our newest id; we read from a time since.
    pub fell_back: bool,
}

/// What the history holds of a room: where a join's history starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Start {
    /// The newest id the room gave a line we hold (MUC-21).
    pub last_id: Option<String>,
    /// The time of the newest line we hold (Unix seconds).
    pub last_at: Option<i64>,
}

/// What to ask of the room: the join's `<history/>` and, for a room with
/// an archive, the first page to read once the join completes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub join: History,
    pub archive: Option<Page>,
}

/// One page of a room's archive to ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub cursor: Option<Cursor>,
    pub start: Option<i64>,
    pub max: u32,
}

/// MUC-09, MAM-14: the history a join asks for, from what is held.
pub fn choose(archive: bool, start: &Start, first_join: u32) -> Plan {
    if archive {
        let page = match (&start.last_id, start.last_at) {
            (Some(id), _) => Page {
                cursor: Some(Cursor::After(id.clone())),
                start: None,
                max: PAGE,
            },
            (None, Some(at)) => Page {
                cursor: None,
                start: Some(at),
                max: PAGE,
            },
            (None, None) => Page {
                cursor: Some(Cursor::LastPage),
                start: None,
                max: first_join,
            },
        };
        return Plan {
            join: History::none(),
            archive: Some(page),
        };
    }
    let join = match start.last_at {
        // `since` is inclusive: the newest line held comes again, and is
        // recognised.
        Some(at) => History {
            since: Some(Stamp::from_unix(at)),
            ..History::default()
        },
        None => History {
            maxstanzas: Some(first_join),
            ..History::default()
        },
    };
    Plan {
        join,
        archive: None,
    }
}

/// What the room's conversation holds (lines read back from the history,
/// and those of this run).
pub fn start(state: &State, room: &BareJid) -> Start {
    let Some(conversation) = state
        .chats
        .find_room(room, None)
        .and_then(|id| state.chats.get(id))
    else {
        return Start::default();
    };
    let held = || conversation.lines.iter().filter(|l| !l.notice);
    Start {
        last_id: held().rev().find_map(|l| l.room_id.clone()),
        last_at: held().map(|l| l.at).max(),
    }
}

/// The `<history/>` the join presence of `room` carries; for a room with
/// an archive, the page to read after the join is kept for [`on_joined`].
pub fn join_history(state: &mut State, room: &BareJid) -> Option<History> {
    let held = start(state, room);
    let first = state.prefs.room_history;
    let entry = state.rooms.get_mut(room)?;
    let plan = choose(entry.flags.archive, &held, first);
    entry.reading = Reading {
        single: plan.archive.as_ref().is_some_and(first_join_page),
        next: plan.archive,
        pages: 0,
        fell_back: false,
    };
    Some(plan.join)
}

/// The join is complete: a room with an archive is read from where the
/// history stops (MAM-14).
pub fn on_joined(state: &mut State, room: &BareJid, effects: &mut Vec<Effect>) {
    let Some(page) = state
        .rooms
        .get_mut(room)
        .and_then(|entry| entry.reading.next.take())
    else {
        return;
    };
    ask(room, page, effects);
}

fn ask(room: &BareJid, page: Page, effects: &mut Vec<Effect>) {
    effects.push(Effect::Request {
        query: Query::ArchivePage {
            archive: Some(room.clone()),
            with: None,
            start: page.start.map(Stamp::from_unix),
            cursor: page.cursor,
            max: page.max,
        },
        purpose: Purpose::RoomArchive { room: room.clone() },
    });
}

/// One page of the room's archive: each result is the room's line, with
/// the archive's id as the room's id and its time (MAM-14). The session
/// kept only results from this room's archive for this query (MAM-03).
pub fn on_page(
    state: &mut State,
    room: BareJid,
    result: Result<Answer, RequestError>,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    if !state.rooms.is_present(&room) {
        return;
    }
    let (messages, fin) = match result {
        Ok(Answer::ArchivePage { messages, fin }) => (messages, fin),
        // The archive no longer has the newest id held: from its time,
        // once, and the user is told a gap is possible.
        Err(RequestError::Stanza(error))
            if error.condition == StanzaCondition::ItemNotFound
                && state.rooms.get(&room).is_some_and(|r| !r.reading.fell_back) =>
        {
            let held = start(state, &room);
            if let Some(entry) = state.rooms.get_mut(&room) {
                entry.reading.fell_back = true;
            }
            let text = "the room's archive no longer has the last message this history holds; \
                        some messages may be missing"
                .to_owned();
            super::update::tell(state, &room, text, at, effects);
            if let Some(since) = held.last_at {
                ask(
                    &room,
                    Page {
                        cursor: None,
                        start: Some(since),
                        max: PAGE,
                    },
                    effects,
                );
            }
            return;
        }
        Err(error) => {
            let text = format!("the room's history could not be read: {error}");
            super::update::tell(state, &room, text, at, effects);
            return;
        }
        Ok(_) => return,
    };
    let last = fin
        .set
        .last
        .clone()
        .or_else(|| messages.last().map(|m| m.id.clone()));
    let empty = messages.is_empty();
    for archived in messages {
        file(state, &room, archived, at, effects);
    }
    let Some(entry) = state.rooms.get_mut(&room) else {
        return;
    };
    entry.reading.pages += 1;
    // A last page asked backwards (a first join) is all that is wanted.
    let reading = &entry.reading;
    if fin.complete || empty || reading.single || reading.pages >= MAX_PAGES {
        return;
    }
    if let Some(last) = last {
        ask(
            &room,
            Page {
                cursor: Some(Cursor::After(last)),
                start: None,
                max: PAGE,
            },
            effects,
        );
    }
}

/// A first join's page: the newest messages, nothing after them.
pub fn first_join_page(page: &Page) -> bool {
    page.cursor == Some(Cursor::LastPage)
}

/// One archived message of the room as the room's line.
fn file(
    state: &mut State,
    room: &BareJid,
    archived: ArchivedMessage,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let mut message = archived.forwarded.message;
    // Only the room's own lines: its archive speaks for the room only.
    if message.from.as_ref().map(Jid::to_bare).as_ref() != Some(room) {
        return;
    }
    message.kind = crate::xmpp::stanza::message::MessageType::Groupchat;
    if message.delay.is_none() {
        message.delay = Some(Delay {
            stamp: archived.stamp,
            from: Some(Jid::from(room.clone())),
        });
    }
    message.stanza_ids.retain(|s| s.by.to_bare() != *room);
    message.stanza_ids.push(StanzaId {
        id: archived.id,
        by: Jid::from(room.clone()),
    });
    // A subject in the archive is not the room's subject now.
    if message
        .body(&state.prefs.language)
        .is_none_or(str::is_empty)
    {
        return;
    }
    super::update::on_message(state, room.clone(), message, at, effects);
}

/// MUC-21: the lines of a room read back from the history: the ids the
/// room gave them, and the sender's id and text, count as filed, so the
/// join history and the room's archive do not bring them again.
pub fn on_lines_loaded(state: &mut State, conversation: ConversationId, lines: &[ChatLine]) {
    let Some(c) = state.chats.get(conversation) else {
        return;
    };
    if c.kind != ConversationKind::Room {
        return;
    }
    let room = c.peer.clone();
    for line in lines {
        if let Some(id) = &line.room_id {
            state
                .chats
                .is_known(&[StableKey::Room(room.clone(), id.clone())]);
        }
        // The same key `update::on_message` asks about: sender, id, and
        // the nick with the text.
        if let (Some(id), Some(nick)) = (&line.id, &line.resource)
            && let Ok(from) = room.with_resource_str(nick)
        {
            state
                .chats
                .is_redelivery(&Jid::from(from), id, &[nick.as_str(), line.body.as_str()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(id: Option<&str>, at: Option<i64>) -> Start {
        Start {
            last_id: id.map(str::to_owned),
            last_at: at,
        }
    }

    /// MUC-09, MAM-14: a room with an archive sends no join history; its
    /// archive is paged after the newest id held.
    #[test]
    fn mam_14_an_archived_room_is_paged_after_the_newest_id() {
        let plan = choose(true, &held(Some("r7"), Some(100)), 50);
        assert_eq!(plan.join, History::none());
        assert_eq!(
            plan.archive,
            Some(Page {
                cursor: Some(Cursor::After("r7".into())),
                start: None,
                max: PAGE,
            })
        );
    }

    /// MAM-14: lines without the room's id (an archive that gave none
    /// before): from the newest line's time.
    #[test]
    fn mam_14_without_an_id_the_archive_is_read_from_the_newest_time() {
        let plan = choose(true, &held(None, Some(100)), 50);
        assert_eq!(plan.archive.unwrap().start, Some(100));
    }

    /// MAM-14: a first join reads only the newest N.
    #[test]
    fn mam_14_a_first_join_reads_the_newest_n() {
        let page = choose(true, &Start::default(), 20).archive.unwrap();
        assert_eq!(page.cursor, Some(Cursor::LastPage));
        assert_eq!(page.max, 20);
        assert!(first_join_page(&page));
    }

    /// MUC-09: without an archive, what came since the newest line held;
    /// a first join asks for the newest N stanzas.
    #[test]
    fn muc_09_history_since_the_newest_line_else_maxstanzas() {
        let plan = choose(false, &held(Some("r7"), Some(1_700_000_000)), 50);
        assert_eq!(plan.archive, None);
        assert_eq!(
            plan.join.since.as_ref().map(|s| s.as_str().to_owned()),
            Some("2023-11-14T22:13:20Z".to_owned())
        );
        assert_eq!(plan.join.maxstanzas, None);
        let plan = choose(false, &Start::default(), 50);
        assert_eq!(
            plan.join,
            History {
                maxstanzas: Some(50),
                ..History::default()
            }
        );
    }
}
