//! The bookmarks area's update: the store chosen from our account's
//! features and the list read at login (BOOKMARKS-01, -02, -11, -16, -18,
//! PEP-01), `/bookmark list|add|remove` (BOOKMARKS-05, -07, -08, -13, -15;
//! without ROOM, the room window on screen, [`here`]),
//! the live notifications from our other devices (BOOKMARKS-10, -17, -21,
//! PEP-03..05), and the rooms to join or leave after each (BOOKMARKS-04),
//! held until initial presence has gone out.

use jid::{BareJid, Jid};

use crate::app::command::{BookmarkCommand, BookmarkEdit, BookmarkHere};
use crate::app::dispatch::{self, Outcome};
use crate::app::event::Event;
use crate::app::room::{self, JoinError, JoinPhase, RoomJoin};
use crate::app::{Effect, Purpose, State, push_notice};
use crate::sanitize::one_line;
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::ns;
use crate::xmpp::query::{Answer, Query, feature};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::bookmarks::{self, Bookmark, Storage};
use crate::xmpp::stanza::pubsub::{self, EventKind, Items};

use super::{Change, MAX_BOOKMARKS, RoomChange, Step, Store, Waiting, apply_edit};

/// BOOKMARKS-15: said whenever a password is stored.
const PASSWORD_WARNING: &str = "the room password is stored in clear on your server";

/// A new session (not a resumed one).
pub fn begin_session(state: &mut State) {
    state.bookmarks.begin_session();
}

/// The session ended: commands waiting for the list did not run, and the
/// rooms are left with the stream.
pub fn on_closed(state: &mut State, effects: &mut Vec<Effect>) {
    for waiting in std::mem::take(&mut state.bookmarks.waiting) {
        let outcome = Outcome::Failed("the connection was lost before it could run".into());
        dispatch::report(state, waiting.tag, waiting.label, outcome, effects);
    }
    state.bookmarks.deferred.clear();
}

/// BOOKMARKS-01, BOOKMARKS-18, PEP-01: our account's disco#info decides the
/// store, and the list is read from it. An error means no PEP (DISCO-11).
pub fn on_account_info(
    state: &mut State,
    result: &Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let has = |var: &str| matches!(result, Ok(Answer::Features(features)) if features.iter().any(|f| f == var));
    let pep = has(feature::PEP_SERVICE)
        && has(feature::BOOKMARKS_COMPAT)
        && has(feature::PUBLISH_OPTIONS);
    let store = if pep { Store::Pep } else { Store::Private };
    state.bookmarks.store = store;
    state.bookmarks.loaded = false;
    let query = match store {
        Store::Pep => Query::PubsubItems {
            node: ns::BOOKMARKS.to_owned(),
        },
        Store::Private | Store::Unknown => Query::PrivateBookmarks,
    };
    effects.push(Effect::Request {
        query,
        purpose: Purpose::Bookmarks(Step::Retrieve),
    });
}

/// The answer to one of the area's requests.
pub fn on_reply(
    state: &mut State,
    step: Step,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match step {
        Step::Retrieve => on_retrieved(state, result, effects),
        Step::Publish {
            tag,
            label,
            bookmark,
        } => {
            let outcome = match result {
                Ok(_) => {
                    let password = bookmark.password.is_some();
                    let room = bookmark.room.clone();
                    upsert(state, bookmark, effects);
                    Outcome::Done(saved_text(&room, password))
                }
                Err(RequestError::Stanza(error)) if pubsub::is_precondition_not_met(&error) => {
                    // BOOKMARKS-08: never publish again without the options,
                    // which could expose the list.
                    Outcome::Failed(
                        "not saved: your server keeps the bookmarks node with other settings \
                         than private ones (precondition-not-met); another client made it so. \
                         Fix the node's access model there, then add again"
                            .into(),
                    )
                }
                Err(error) => Outcome::Failed(format!("not saved: {error}")),
            };
            dispatch::report(state, tag, label, outcome, effects);
        }
        Step::Retract { tag, label, room } => {
            let outcome = match result {
                Ok(_) => {
                    remove(state, std::slice::from_ref(&room), effects);
                    Outcome::Done(format!("removed the bookmark for {room}"))
                }
                Err(error) => Outcome::Failed(format!("not removed: {error}")),
            };
            dispatch::report(state, tag, label, outcome, effects);
        }
        Step::Fetch {
            tag,
            label,
            command,
        } => on_fetched(state, tag, label, command, result, effects),
        Step::Store {
            tag,
            label,
            command,
            storage,
        } => {
            let outcome = match result {
                Ok(_) => {
                    let outcome = match &command {
                        BookmarkCommand::Add(edit) => {
                            Outcome::Done(saved_text(&edit.room, edit.password.is_some()))
                        }
                        BookmarkCommand::Remove(room) => {
                            Outcome::Done(format!("removed the bookmark for {room}"))
                        }
                        BookmarkCommand::List => Outcome::Done(String::new()),
                    };
                    apply_storage(state, &storage, effects);
                    outcome
                }
                Err(error) => Outcome::Failed(format!("not saved: {}", private_error(&error))),
            };
            dispatch::report(state, tag, label, outcome, effects);
        }
    }
}

fn saved_text(room: &BareJid, password: bool) -> String {
    if password {
        format!("bookmarked {room} ({PASSWORD_WARNING})")
    } else {
        format!("bookmarked {room}")
    }
}

/// BOOKMARKS-16: private-storage errors in words.
fn private_error(error: &RequestError) -> String {
    match error {
        RequestError::Stanza(e)
            if matches!(
                e.condition,
                StanzaCondition::Forbidden | StanzaCondition::ServiceUnavailable
            ) =>
        {
            format!("the server refused access to private storage ({error})")
        }
        RequestError::Stanza(e)
            if matches!(
                e.condition,
                StanzaCondition::NotAcceptable | StanzaCondition::BadRequest
            ) =>
        {
            format!("the server did not accept the private-storage request ({error})")
        }
        _ => error.to_string(),
    }
}

/// BOOKMARKS-02, BOOKMARKS-11: the list at login. `item-not-found` on the
/// node means no bookmarks yet.
fn on_retrieved(
    state: &mut State,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let bookmarks = &mut state.bookmarks;
    bookmarks.loaded = true;
    match result {
        Ok(Answer::PubsubItems(items)) => {
            bookmarks.list.clear();
            bookmarks.truncated = items.truncated;
            for bookmark in read_items(&items) {
                bookmarks.keep(bookmark);
            }
        }
        Ok(Answer::PrivateBookmarks(storage)) => bookmarks.replace_from(&storage),
        Ok(_) => {}
        Err(RequestError::Stanza(error)) if error.condition == StanzaCondition::ItemNotFound => {
            bookmarks.list.clear();
        }
        Err(error) => {
            let text = match bookmarks.store {
                Store::Pep => format!("your bookmarks could not be read: {error}"),
                Store::Private | Store::Unknown => format!(
                    "your bookmarks could not be read: {}",
                    private_error(&error)
                ),
            };
            push_notice(state, text.clone(), true);
            effects.push(Effect::Emit(Event::Error { text }));
        }
    }
    tell_truncated(state, effects);
    let list: Vec<Bookmark> = state.bookmarks.sorted().cloned().collect();
    follow(state, super::Change::Retrieved(&list), effects);
    for waiting in std::mem::take(&mut state.bookmarks.waiting) {
        let outcome = run(state, waiting.tag, &waiting.label, waiting.command, effects);
        dispatch::report(state, waiting.tag, waiting.label, outcome, effects);
    }
}

fn tell_truncated(state: &mut State, effects: &mut Vec<Effect>) {
    if state.bookmarks.truncated {
        let text = format!(
            "your server sent more bookmarks than balcony keeps; only {MAX_BOOKMARKS} are used"
        );
        push_notice(state, text.clone(), true);
        effects.push(Effect::Emit(Event::Error { text }));
    }
}

/// BOOKMARKS-03: the bookmarks among `items`; items of another payload are
/// skipped, unreadable ones logged and skipped.
fn read_items(items: &Items) -> Vec<Bookmark> {
    items
        .items
        .iter()
        .filter_map(|item| match Bookmark::from_item(item) {
            Ok(bookmark) => bookmark,
            Err(error) => {
                tracing::warn!(%error, "skipped an unreadable bookmark");
                None
            }
        })
        .collect()
}

/// `/bookmark add|remove` without ROOM: the room of the window on screen,
/// our nick there as the bookmark's nick unless `--nick` names one.
pub fn here(state: &State, here: BookmarkHere) -> Result<BookmarkCommand, String> {
    let room = crate::app::room::moderation::current_room(state, None)
        .map_err(|_| "no room here: name one, or switch to a room's window".to_owned())?;
    Ok(match here {
        BookmarkHere::Remove => BookmarkCommand::Remove(room),
        BookmarkHere::Add {
            name,
            nick,
            password,
            autojoin,
        } => {
            let nick = nick.or_else(|| state.rooms.get(&room).map(|r| r.nick.clone()));
            BookmarkCommand::Add(BookmarkEdit {
                room,
                name,
                nick,
                password,
                autojoin,
            })
        }
    })
}

/// `/bookmark …`: runs now when the list is known, else once it is.
pub fn command(
    state: &mut State,
    tag: u64,
    label: &str,
    command: BookmarkCommand,
    effects: &mut Vec<Effect>,
) -> Outcome {
    if !state.bookmarks.loaded {
        state.bookmarks.waiting.push(Waiting {
            tag,
            label: label.to_owned(),
            command,
        });
        return Outcome::Pending;
    }
    run(state, tag, label, command, effects)
}

fn run(
    state: &mut State,
    tag: u64,
    label: &str,
    command: BookmarkCommand,
    effects: &mut Vec<Effect>,
) -> Outcome {
    match (command, state.bookmarks.store) {
        // Private storage sends no notifications: a listing reads it again,
        // so what other clients stored shows.
        (BookmarkCommand::List, Store::Pep) => list(state, effects),
        (BookmarkCommand::Add(edit), Store::Pep) => {
            let bookmark = apply_edit(state.bookmarks.list.get(&edit.room), &edit);
            effects.push(Effect::Request {
                query: Query::PubsubPublish {
                    node: ns::BOOKMARKS.to_owned(),
                    item: bookmark.to_item(),
                    options: Some(bookmarks::publish_options()),
                },
                purpose: Purpose::Bookmarks(Step::Publish {
                    tag,
                    label: label.to_owned(),
                    bookmark,
                }),
            });
            Outcome::Pending
        }
        (BookmarkCommand::Remove(room), Store::Pep) => {
            if !state.bookmarks.list.contains_key(&room) {
                return Outcome::Failed(format!("there is no bookmark for {room}"));
            }
            effects.push(Effect::Request {
                query: Query::PubsubRetract {
                    node: ns::BOOKMARKS.to_owned(),
                    id: room.to_string(),
                },
                purpose: Purpose::Bookmarks(Step::Retract {
                    tag,
                    label: label.to_owned(),
                    room,
                }),
            });
            Outcome::Pending
        }
        // BOOKMARKS-13: a fresh fetch right before each write.
        (command, Store::Private | Store::Unknown) => {
            effects.push(Effect::Request {
                query: Query::PrivateBookmarks,
                purpose: Purpose::Bookmarks(Step::Fetch {
                    tag,
                    label: label.to_owned(),
                    command,
                }),
            });
            Outcome::Pending
        }
    }
}

/// `/bookmark list`: one event per bookmark, in room order.
fn list(state: &mut State, effects: &mut Vec<Effect>) -> Outcome {
    let count = state.bookmarks.list.len();
    for bookmark in state.bookmarks.sorted() {
        effects.push(Effect::Emit(bookmark_event(bookmark)));
    }
    Outcome::Done(match count {
        0 => "no bookmarks".to_owned(),
        1 => "1 bookmark".to_owned(),
        n => format!("{n} bookmarks"),
    })
}

fn bookmark_event(bookmark: &Bookmark) -> Event {
    Event::Bookmark {
        room: bookmark.room.to_string(),
        name: bookmark.name.clone(),
        autojoin: bookmark.autojoin,
        nick: bookmark.nick.clone(),
        password: bookmark.password.is_some(),
    }
}

/// The fresh private storage: listed, or changed as the command says and
/// set back whole, every other entry untouched (BOOKMARKS-13).
fn on_fetched(
    state: &mut State,
    tag: u64,
    label: String,
    command: BookmarkCommand,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let storage = match result {
        Ok(Answer::PrivateBookmarks(storage)) => storage,
        Ok(_) => Storage::default(),
        Err(error) => {
            let outcome = Outcome::Failed(format!("not saved: {}", private_error(&error)));
            dispatch::report(state, tag, label, outcome, effects);
            return;
        }
    };
    if command == BookmarkCommand::List {
        apply_storage(state, &storage, effects);
        let outcome = list(state, effects);
        dispatch::report(state, tag, label, outcome, effects);
        return;
    }
    if storage.truncated {
        // Writing back what was read would drop the rest.
        let outcome = Outcome::Failed(format!(
            "not saved: your private storage holds more than {MAX_BOOKMARKS} entries, \
             too many to rewrite safely"
        ));
        dispatch::report(state, tag, label, outcome, effects);
        return;
    }
    let mut storage = storage;
    match &command {
        BookmarkCommand::Add(edit) => {
            let bookmark = apply_edit(storage.get(&edit.room), edit);
            storage.upsert(bookmark);
        }
        BookmarkCommand::Remove(room) => {
            if !storage.remove(room) {
                // Someone else removed it meanwhile: the list learns that.
                apply_storage(state, &storage, effects);
                let outcome = Outcome::Failed(format!("there is no bookmark for {room}"));
                dispatch::report(state, tag, label, outcome, effects);
                return;
            }
        }
        BookmarkCommand::List => {}
    }
    effects.push(Effect::Request {
        query: Query::SetPrivateBookmarks(storage.clone()),
        purpose: Purpose::Bookmarks(Step::Store {
            tag,
            label,
            command,
            storage,
        }),
    });
}

/// The private storage as now stored: the list follows it, with the events
/// and room changes of every difference.
fn apply_storage(state: &mut State, storage: &Storage, effects: &mut Vec<Effect>) {
    let gone: Vec<BareJid> = state
        .bookmarks
        .list
        .keys()
        .filter(|room| storage.get(room).is_none())
        .cloned()
        .collect();
    remove(state, &gone, effects);
    for bookmark in storage.bookmarks() {
        upsert(state, bookmark.clone(), effects);
    }
}

/// Keeps a new or changed bookmark: reported, and its room joined or left
/// (BOOKMARKS-10). The same bookmark again changes nothing (PEP-04).
fn upsert(state: &mut State, bookmark: Bookmark, effects: &mut Vec<Effect>) {
    let before = state.bookmarks.list.get(&bookmark.room);
    if before == Some(&bookmark) {
        return;
    }
    let was_autojoin = before.is_some_and(|b| b.autojoin);
    if !state.bookmarks.keep(bookmark.clone()) {
        tell_truncated(state, effects);
        return;
    }
    effects.push(Effect::Emit(bookmark_event(&bookmark)));
    // BOOKMARKS-10: turning autojoin off leaves the room; bookmarking a
    // room we are in without autojoin (here or on another device) does not.
    if bookmark.autojoin || was_autojoin {
        follow(state, Change::Updated(&bookmark), effects);
    }
}

/// Forgets the bookmarks of `rooms`: reported, and the rooms left.
fn remove(state: &mut State, rooms: &[BareJid], effects: &mut Vec<Effect>) {
    let removed: Vec<BareJid> = rooms
        .iter()
        .filter(|room| state.bookmarks.list.remove(*room).is_some())
        .cloned()
        .collect();
    for room in &removed {
        effects.push(Effect::Emit(Event::BookmarkRemoved {
            room: room.to_string(),
        }));
    }
    follow(state, Change::Removed(&removed), effects);
}

/// PEP-03, PEP-05, BOOKMARKS-10, BOOKMARKS-21: a pubsub notification. Only
/// our bookmarks node is of interest, and only from our own account.
pub fn on_pubsub(
    state: &mut State,
    from: Option<Jid>,
    event: pubsub::Event,
    effects: &mut Vec<Effect>,
) {
    let legacy = match event.node.as_str() {
        ns::BOOKMARKS => false,
        // BOOKMARKS-17: read, never written, and only where it is the store
        // in use; where XEP-0402 is, it is a converted copy.
        ns::LEGACY_BOOKMARKS if state.bookmarks.store == Store::Private => true,
        _ => {
            tracing::debug!(node = %one_line(&event.node), "ignored a notification for a node we do not follow");
            return;
        }
    };
    let own = state.jid.as_ref().map(|j| j.to_bare());
    let trusted = match (&from, &own) {
        (None, _) => true,
        (Some(from), Some(own)) => from.is_bare() && from.to_bare() == *own,
        _ => false,
    };
    if !trusted {
        tracing::warn!(
            from = %from.as_ref().map(|f| one_line(f.as_str())).unwrap_or_default(),
            "ignored a bookmarks notification not from our own account (BOOKMARKS-21)"
        );
        return;
    }
    if legacy {
        on_legacy_event(state, event.kind, effects);
        return;
    }
    match event.kind {
        EventKind::Items { items, retracted } => {
            for bookmark in read_items(&items) {
                upsert(state, bookmark, effects);
            }
            let rooms: Vec<BareJid> = retracted
                .iter()
                .filter_map(|id| BareJid::new(id).ok())
                .collect();
            remove(state, &rooms, effects);
            if items.truncated {
                state.bookmarks.truncated = true;
                tell_truncated(state, effects);
            }
        }
        EventKind::Purge | EventKind::Delete => {
            let rooms: Vec<BareJid> = state.bookmarks.list.keys().cloned().collect();
            remove(state, &rooms, effects);
        }
    }
}

/// BOOKMARKS-17: the server republished the private-storage bookmarks to
/// the PEP node `storage:bookmarks` (ejabberd's conversion): the newest
/// `<storage/>` is the list now. Its retractions say nothing of rooms.
fn on_legacy_event(state: &mut State, kind: EventKind, effects: &mut Vec<Effect>) {
    let EventKind::Items { items, .. } = kind else {
        return;
    };
    let newest = items.items.iter().rev().find_map(|item| {
        item.payload
            .as_ref()
            .and_then(|payload| Storage::parse(payload, MAX_BOOKMARKS).ok())
    });
    if let Some(storage) = newest {
        if storage.truncated {
            state.bookmarks.truncated = true;
            tell_truncated(state, effects);
        }
        apply_storage(state, &storage, effects);
    }
}

/// The nick for a bookmark without one (BOOKMARKS-04): `[rooms] nick`,
/// else our local part.
fn default_nick(state: &State) -> String {
    state
        .prefs
        .room_nick
        .clone()
        .or_else(|| {
            state
                .jid
                .as_ref()
                .and_then(|j| j.node().map(|n| n.as_str().to_owned()))
        })
        .unwrap_or_else(|| "balcony".to_owned())
}

/// Carries out the room changes `change` calls for; before initial
/// presence, they wait for it.
fn follow(state: &mut State, change: Change<'_>, effects: &mut Vec<Effect>) {
    let nick = default_nick(state);
    // The room area alone knows which rooms we are in.
    let joined: std::collections::BTreeSet<BareJid> = state
        .rooms
        .iter()
        .filter(|room| room.phase.is_present() && !matches!(room.phase, JoinPhase::Leaving { .. }))
        .map(|room| room.jid.clone())
        .collect();
    let changes = super::autojoin_changes(change, &joined, &nick);
    for change in changes {
        if state.initial_presence_sent {
            carry_out(state, change, effects);
        } else {
            state.bookmarks.deferred.push(change);
        }
    }
}

/// Initial presence went out: the joins found before it are made now.
pub fn on_initial_presence(state: &mut State, effects: &mut Vec<Effect>) {
    for change in std::mem::take(&mut state.bookmarks.deferred) {
        carry_out(state, change, effects);
    }
}

/// Joins or leaves through the room area, the one way in and out; the
/// window of a room joined this way opens without taking the screen.
fn carry_out(state: &mut State, change: RoomChange, effects: &mut Vec<Effect>) {
    let at = state.rooms.clock;
    match change {
        RoomChange::Join {
            room,
            nick,
            password,
        } => {
            let request = RoomJoin {
                room: room.clone(),
                nick: nick.clone(),
                password,
                nick_is_default: false,
            };
            match room::join(state, request, at, effects) {
                Ok(_) => effects.push(Effect::Emit(Event::RoomChange {
                    change: "join".into(),
                    room: room.to_string(),
                    nick: Some(nick),
                })),
                Err(JoinError::AlreadyIn(_)) => {}
                Err(error) => push_notice(
                    state,
                    format!("bookmark {room}: cannot join: {error}"),
                    true,
                ),
            }
        }
        RoomChange::Leave { room } => {
            if room::leave(state, &room, None, at, effects).is_ok() {
                effects.push(Effect::Emit(Event::RoomChange {
                    change: "leave".into(),
                    room: room.to_string(),
                    nick: None,
                }));
            }
        }
    }
}
