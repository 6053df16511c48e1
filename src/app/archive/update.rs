//! The archive area's update: the login steps before initial presence as
//! their answers come (CARBONS-02, DISCO-08, MAM-21), and the catch-up's
//! pages (MAM-07..11, MAM-16, MAM-17). Each archived message is handed to
//! the chat area, which interprets every message once
//! ([`chat::update::on_archived`]); what is decided here is which page comes
//! next, where the cursor stands, and when presence may go out. Also the
//! older pages asked when the user scrolls past the local history (MAM-12).

use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query, feature};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::delay::Stamp;
use crate::xmpp::stanza::mam::ArchivedMessage;
use crate::xmpp::stanza::rsm::Cursor as PageCursor;

use crate::app::attention::Notification;
use crate::app::chat::ConversationId;
use crate::app::event::Event;
use crate::app::{Effect, Purpose, Record, State, chat, push_notice, session};

use super::{CatchUp, Cursor, PAGE};

/// A new session: presence waits for the steps again (MAM-22: a resumed
/// stream does not come here).
pub fn begin_session(state: &mut State) {
    state.archive.begin_session();
}

/// The server's disco#info: carbons are asked for when offered (the chat
/// area sends the request), and presence waits for their answer.
pub fn on_server_info(state: &mut State, result: &Result<Answer, RequestError>) {
    let archive = &mut state.archive;
    archive.server_info = true;
    archive.carbons_pending = matches!(result, Ok(Answer::Features(features))
        if features.iter().any(|f| f == feature::CARBONS));
}

/// Carbons are on, or refused: that step is over.
pub fn on_carbons_answered(state: &mut State, effects: &mut Vec<Effect>) {
    state.archive.carbons_pending = false;
    advance(state, effects);
}

/// MAM-01, DISCO-08: our account's features say whether it keeps an
/// archive; an error means it does not.
pub fn on_account_info(
    state: &mut State,
    result: &Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    state.archive.account_info = true;
    state.archive.supported = matches!(result, Ok(Answer::Features(features))
        if features.iter().any(|f| f == feature::ARCHIVE));
    advance(state, effects);
}

/// The next login step, once those before it are over: the catch-up when
/// the account has an archive, else initial presence.
fn advance(state: &mut State, effects: &mut Vec<Effect>) {
    let archive = &mut state.archive;
    if !archive.hold_presence
        || !archive.server_info
        || archive.carbons_pending
        || !archive.account_info
    {
        return;
    }
    match archive.catch_up {
        CatchUp::Idle if archive.supported => {
            archive.catch_up = CatchUp::Reading;
            effects.push(Effect::ReadArchiveCursor);
        }
        CatchUp::Idle | CatchUp::Done => release(state, effects),
        CatchUp::Reading | CatchUp::Forward { .. } | CatchUp::Window { .. } => {}
    }
}

/// Every step before initial presence is over.
fn release(state: &mut State, effects: &mut Vec<Effect>) {
    state.archive.catch_up = CatchUp::Done;
    state.archive.hold_presence = false;
    session::send_initial_presence(state, effects);
}

/// One page of our own archive.
fn ask(cursor: Option<PageCursor>, start: Option<i64>, max: u32, effects: &mut Vec<Effect>) {
    effects.push(Effect::Request {
        query: Query::ArchivePage {
            archive: None,
            with: None,
            start: start.map(Stamp::from_unix),
            cursor,
            max,
        },
        purpose: Purpose::CatchUp,
    });
}

/// Where the catch-up starts: after the last archive id held (MAM-07);
/// without one, from the newest message's time (MAM-08); with no history
/// at all, a recent window (MAM-09). No history kept: no catch-up.
pub fn on_cursor(state: &mut State, cursor: Option<Cursor>, effects: &mut Vec<Effect>) {
    if state.archive.catch_up != CatchUp::Reading {
        return;
    }
    let Some(Cursor { last_id, last_at }) = cursor else {
        release(state, effects);
        return;
    };
    match (last_id, last_at) {
        (Some(id), since) => {
            state.archive.catch_up = CatchUp::Forward {
                after: Some(id.clone()),
                since,
                fell_back: false,
            };
            ask(Some(PageCursor::After(id)), None, PAGE, effects);
        }
        (None, Some(at)) => {
            state.archive.catch_up = CatchUp::Forward {
                after: None,
                since: Some(at),
                fell_back: true,
            };
            ask(None, Some(at), PAGE, effects);
        }
        (None, None) => {
            let wanted = state
                .prefs
                .first_login_messages
                .min(super::MAX_FIRST_LOGIN_MESSAGES) as usize;
            if wanted == 0 {
                finish(state, true, None, effects);
                return;
            }
            state.archive.catch_up = CatchUp::Window {
                pages: Vec::new(),
                got: 0,
                wanted,
                newest: None,
            };
            ask(Some(PageCursor::LastPage), None, page_size(wanted), effects);
        }
    }
}

/// A page's size: what is still wanted, at most [`PAGE`].
fn page_size(wanted: usize) -> u32 {
    u32::try_from(wanted).unwrap_or(PAGE).clamp(1, PAGE)
}

/// One page answered, or failed.
pub fn on_page(state: &mut State, result: Result<Answer, RequestError>, effects: &mut Vec<Effect>) {
    match std::mem::take(&mut state.archive.catch_up) {
        CatchUp::Forward {
            after,
            since,
            fell_back,
        } => on_forward_page(state, result, (after, since, fell_back), effects),
        CatchUp::Window {
            pages,
            got,
            wanted,
            newest,
        } => on_window_page(state, result, (pages, got, wanted, newest), effects),
        // Not paging (a session that ended meanwhile): nothing to do.
        other => state.archive.catch_up = other,
    }
}

/// MAM-07: a forward page is filed in archive order (MAM-17), the cursor
/// moves to its last id, and the next page is asked until the archive
/// says it is complete.
fn on_forward_page(
    state: &mut State,
    result: Result<Answer, RequestError>,
    (after, since, fell_back): (Option<String>, Option<i64>, bool),
    effects: &mut Vec<Effect>,
) {
    let (messages, fin) = match result {
        Ok(Answer::ArchivePage { messages, fin }) => (messages, fin),
        // MAM-08: the archive no longer knows our id (expired): start from
        // the time of the last message held, once, and say a gap is
        // possible.
        Err(RequestError::Stanza(error))
            if error.condition == StanzaCondition::ItemNotFound && !fell_back =>
        {
            let text = "the server archive no longer has the last message this history holds; \
                        some messages from while you were away may be missing"
                .to_owned();
            push_notice(state, text.clone(), true);
            effects.push(Effect::Emit(Event::Error { text }));
            match since {
                Some(at) => {
                    state.archive.catch_up = CatchUp::Forward {
                        after: None,
                        since: Some(at),
                        fell_back: true,
                    };
                    ask(None, Some(at), PAGE, effects);
                }
                None => finish(state, false, None, effects),
            }
            return;
        }
        Err(error) => return failed(state, &error, effects),
        Ok(_) => {
            return failed(
                state,
                &RequestError::Unreadable(crate::xmpp::query::Unreadable::Empty),
                effects,
            );
        }
    };
    let last = fin
        .set
        .last
        .clone()
        .or_else(|| messages.last().map(|m| m.id.clone()));
    let empty = messages.is_empty();
    file(state, messages, effects);
    if let Some(last) = &last {
        effects.push(Effect::SaveArchiveCursor(last.clone()));
    }
    // A page that brings nothing and no cursor cannot lead anywhere new.
    let stuck = empty || last.is_none() || last == after;
    if fin.complete || stuck {
        let from = last.or(after);
        finish(state, fin.complete, Some(from), effects);
        return;
    }
    state.archive.catch_up = CatchUp::Forward {
        after: last.clone(),
        since,
        fell_back,
    };
    ask(last.map(PageCursor::After), None, PAGE, effects);
}

/// MAM-09: the recent window, newest page first, paged backwards until
/// enough; then filed oldest first.
fn on_window_page(
    state: &mut State,
    result: Result<Answer, RequestError>,
    (mut pages, mut got, wanted, mut newest): (
        Vec<Vec<ArchivedMessage>>,
        usize,
        usize,
        Option<String>,
    ),
    effects: &mut Vec<Effect>,
) {
    let (messages, fin) = match result {
        Ok(Answer::ArchivePage { messages, fin }) => (messages, fin),
        Err(error) => {
            // What came so far is still history.
            file_window(state, pages, newest, effects);
            return failed(state, &error, effects);
        }
        Ok(_) => {
            file_window(state, pages, newest, effects);
            return finish(state, false, None, effects);
        }
    };
    if newest.is_none() {
        newest = fin
            .set
            .last
            .clone()
            .or_else(|| messages.last().map(|m| m.id.clone()));
    }
    let first = fin
        .set
        .first
        .clone()
        .or_else(|| messages.first().map(|m| m.id.clone()));
    got += messages.len();
    let empty = messages.is_empty();
    pages.push(messages);
    let more = !fin.complete && !empty && got < wanted;
    match first.filter(|_| more) {
        Some(first) => {
            state.archive.catch_up = CatchUp::Window {
                pages,
                got,
                wanted,
                newest,
            };
            ask(
                Some(PageCursor::Before(first)),
                None,
                page_size(wanted - got),
                effects,
            );
        }
        None => {
            file_window(state, pages, newest.clone(), effects);
            finish(state, true, Some(newest), effects);
        }
    }
}

/// Files the window's pages oldest first, at most the messages wanted,
/// and puts the cursor at the newest.
fn file_window(
    state: &mut State,
    pages: Vec<Vec<ArchivedMessage>>,
    newest: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let wanted = state
        .prefs
        .first_login_messages
        .min(super::MAX_FIRST_LOGIN_MESSAGES) as usize;
    let mut messages: Vec<ArchivedMessage> = pages.into_iter().rev().flatten().collect();
    if messages.len() > wanted {
        messages.drain(..messages.len() - wanted);
    }
    file(state, messages, effects);
    if let Some(newest) = newest {
        effects.push(Effect::SaveArchiveCursor(newest));
    }
}

/// Hands each archived message to the chat area, in archive order.
fn file(state: &mut State, messages: Vec<ArchivedMessage>, effects: &mut Vec<Effect>) {
    for archived in messages {
        if let Some(sender) = chat::update::on_archived(state, archived, effects) {
            state.archive.filed += 1;
            if !state.attention.muted.contains(&sender) {
                state.archive.senders.insert(sender);
            }
        }
    }
}

/// MAM-16: an error ends the paging, and the user is told.
fn failed(state: &mut State, error: &RequestError, effects: &mut Vec<Effect>) {
    // The session is gone: the next one starts over.
    if matches!(error, RequestError::Disconnected) {
        state.archive.catch_up = CatchUp::Idle;
        return;
    }
    let text = format!("messages from while you were away could not be fetched: {error}");
    push_notice(state, text.clone(), true);
    effects.push(Effect::Emit(Event::Error { text }));
    finish(state, false, None, effects);
}

/// The paging reached the end of the archive (`complete`), or stopped.
///
/// Reaching the end the first time, initial presence goes out, and one
/// more pass pages on from `tail_from` (the last id filed; `None`: the
/// archive was empty, so its newest page): Prosody delivers nothing from
/// offline storage to a session that queried its archive (MAM-21), so
/// what arrived between the last page and our presence is fetched so.
/// After that pass, or when the paging stopped: one event with the count,
/// one notification for all the messages filed (not one per message),
/// and presence if it is still held.
fn finish(
    state: &mut State,
    complete: bool,
    tail_from: Option<Option<String>>,
    effects: &mut Vec<Effect>,
) {
    if complete
        && !state.archive.tail
        && let Some(from) = tail_from
    {
        state.archive.tail = true;
        release(state, effects);
        let cursor = match &from {
            Some(id) => PageCursor::After(id.clone()),
            None => PageCursor::LastPage,
        };
        state.archive.catch_up = CatchUp::Forward {
            after: from,
            since: None,
            // Nothing to fall back to: an unknown id now is an error.
            fell_back: true,
        };
        ask(Some(cursor), None, PAGE, effects);
        return;
    }
    state.archive.catch_up = CatchUp::Done;
    state.archive.caught_up = complete;
    state.chats.forget_shed_rows();
    let count = state.archive.filed;
    effects.push(Effect::Emit(Event::CatchUp { count, complete }));
    let senders = std::mem::take(&mut state.archive.senders);
    if state.attention.notify
        && count > 0
        && let Some(last) = senders.iter().next_back()
    {
        let from = match senders.len() {
            1 => state.display_name(last),
            n => format!("{n} contacts"),
        };
        let noun = if count == 1 { "message" } else { "messages" };
        effects.push(Effect::Notify(Notification {
            from,
            conversation: last.to_string(),
            body: format!("{count} {noun} while you were away"),
        }));
    }
    if state.archive.hold_presence {
        release(state, effects);
    }
}

/// MAM-11: once caught up, a live message's archive id carries the cursor
/// on: nothing before it is left unfetched.
pub fn follow_live(state: &State, effects: &mut Vec<Effect>) {
    if !state.archive.caught_up {
        return;
    }
    let last = effects.iter().rev().find_map(|effect| match effect {
        Effect::Record(record) => record.archive_id.clone(),
        _ => None,
    });
    if let Some(id) = last {
        effects.push(Effect::SaveArchiveCursor(id));
    }
}

/// MAM-12: the user scrolled past the top of the local history of
/// conversation `id`: ask the runner where the archive goes on, unless a
/// page is on its way, the archive's start was reached, or there is no
/// archive to ask.
pub fn scroll_back(state: &mut State, id: ConversationId, effects: &mut Vec<Effect>) {
    let archive = &state.archive;
    if !state.is_online()
        || !archive.supported
        || archive.hold_presence
        || archive.scrolling.contains(&id)
        || archive.scrolled_to_start.contains(&id)
    {
        return;
    }
    let Some(peer) = state.chats.get(id).map(|c| c.peer.clone()) else {
        return;
    };
    state.archive.scrolling.insert(id);
    effects.push(Effect::ReadOldestArchiveId {
        conversation: id,
        peer,
    });
}

/// The page before the oldest archive id held, with the conversation's
/// contact (MAM-12); none held: the newest page with them. No history
/// kept: nothing to page into.
pub fn on_scroll_from(
    state: &mut State,
    conversation: ConversationId,
    before: Option<Option<String>>,
    effects: &mut Vec<Effect>,
) {
    let peer = state.chats.get(conversation).map(|c| c.peer.clone());
    let (Some(before), Some(peer)) = (before, peer) else {
        state.archive.scrolling.remove(&conversation);
        return;
    };
    effects.push(Effect::Request {
        query: Query::ArchivePage {
            archive: None,
            with: Some(peer),
            start: None,
            cursor: Some(before.map_or(PageCursor::LastPage, PageCursor::Before)),
            max: PAGE,
        },
        purpose: Purpose::Scrollback { conversation },
    });
}

/// An older page: interpreted by the chat area as history, stored below
/// everything held, then read back into the conversation like any older
/// history. `complete` is the archive's start: nothing more to ask.
pub fn on_scroll_page(
    state: &mut State,
    conversation: ConversationId,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    state.archive.scrolling.remove(&conversation);
    let (messages, fin) = match result {
        Ok(Answer::ArchivePage { messages, fin }) => (messages, fin),
        Err(RequestError::Disconnected) => return,
        Err(error) => {
            let text = format!("older messages could not be fetched: {error}");
            push_notice(state, text.clone(), true);
            effects.push(Effect::Emit(Event::Error { text }));
            return;
        }
        Ok(_) => return,
    };
    if fin.complete || messages.is_empty() {
        state.archive.scrolled_to_start.insert(conversation);
    }
    let Some(peer) = state.chats.get(conversation).map(|c| c.peer.clone()) else {
        return;
    };
    let mut filed = Vec::new();
    for archived in messages {
        chat::update::on_archived_older(state, archived, &mut filed);
    }
    let records: Vec<Record> = filed
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Record(record) => Some(record),
            other => {
                effects.push(other);
                None
            }
        })
        .collect();
    if records.is_empty() {
        return;
    }
    effects.push(Effect::RecordOlder(records));
    if let Some(conversation_state) = state.chats.get_mut(conversation) {
        conversation_state.history_exhausted = false;
    }
    effects.push(Effect::LoadHistory {
        conversation,
        peer,
        before_row: Some(state.chats.oldest_row(conversation).unwrap_or(i64::MAX)),
    });
}
