//! Staying in rooms across sessions (MUC-46, MUC-58) and keeping them
//! told of our presence (MUC-24).
//!
//! - A new session that did not resume the stream ([`on_new_session`]):
//!   the server took us out of every room, so each one we were in is
//!   marked, and rejoined once initial presence is out
//!   ([`after_initial_presence`]). A resumed stream keeps us in them.
//! - A room that no longer has us (a self-ping's answer, MUC-55; a
//!   `not-acceptable` to our message, MUC-18) is rejoined at once
//!   ([`rejoin`]), with a notice that messages may have been missed.
//!
//! Every rejoin goes through [`super::join`], so its history follows the
//! same rules ([`super::history`]): nothing already held comes again. A
//! restart of balcony rejoins nothing here: rooms come back through
//! bookmarks' autojoin or `/join`, and their history through the store.

use jid::{BareJid, Jid};

use crate::app::{Effect, State};

use super::{Exit, JoinPhase, RoomJoin};

/// A new stream (not resumed): every room we were in is out now, and
/// waits to be rejoined after initial presence.
pub fn on_new_session(state: &mut State) {
    let rooms: Vec<BareJid> = state
        .rooms
        .iter()
        .filter(|r| r.phase.is_present() && !matches!(r.phase, JoinPhase::Leaving { .. }))
        .map(|r| r.jid.clone())
        .collect();
    for room in rooms {
        if let Some(entry) = state.rooms.get_mut(&room) {
            entry.phase = JoinPhase::Left(Exit::Disconnected);
            entry.occupants.clear();
            entry.self_seen = false;
            entry.rev += 1;
        }
    }
}

/// MUC-46: initial presence is out: the rooms the last session lost are
/// joined again.
pub fn after_initial_presence(state: &mut State, effects: &mut Vec<Effect>) {
    let rooms: Vec<BareJid> = state
        .rooms
        .iter()
        .filter(|r| r.phase == JoinPhase::Left(Exit::Disconnected))
        .map(|r| r.jid.clone())
        .collect();
    let at = state.rooms.clock;
    for room in rooms {
        join_again(state, &room, at, effects);
    }
}

/// MUC-55, MUC-18: the room no longer has us: join again, and say that
/// messages may have been missed (MUC-58).
pub fn rejoin(state: &mut State, room: &BareJid, at: i64, effects: &mut Vec<Effect>) {
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    if !entry.phase.is_present() || matches!(entry.phase, JoinPhase::Leaving { .. }) {
        return;
    }
    entry.phase = JoinPhase::Left(Exit::Disconnected);
    super::update::notice(
        state,
        room,
        "the room no longer had you: rejoining (messages may have been missed)".to_owned(),
        at,
    );
    join_again(state, room, at, effects);
}

fn join_again(state: &mut State, room: &BareJid, at: i64, effects: &mut Vec<Effect>) {
    let Some(entry) = state.rooms.get(room) else {
        return;
    };
    let request = RoomJoin {
        room: room.clone(),
        nick: entry.nick.clone(),
        password: entry.password.clone(),
    };
    if let Err(error) = super::join(state, request, at, effects) {
        let text = format!("cannot rejoin: {error}");
        super::update::notice(state, room, text, at);
    }
}

/// MUC-24: our new show and status go to each room we are in, to our
/// occupant JID (servers do not forward broadcast presence to rooms).
pub fn send_presence_to_rooms(state: &State, effects: &mut Vec<Effect>) {
    for entry in state.rooms.iter() {
        if entry.phase != JoinPhase::Joined {
            continue;
        }
        let Some(to) = entry.occupant_jid(&entry.nick) else {
            continue;
        };
        let mut presence = state.own.to_presence();
        presence.priority = 0;
        presence.to = Some(Jid::from(to));
        effects.push(Effect::SendPresence(presence));
    }
}
