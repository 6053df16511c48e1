//! Staying in rooms across sessions (MUC-46, MUC-58).
//!
//! - A new session that did not resume the stream: the server took us out
//!   of every room ([`super::update::on_session_lost`] marks them left as
//!   [`Exit::Disconnected`]), and each is rejoined once initial presence is
//!   out ([`after_initial_presence`]). A resumed stream keeps us in them.
//! - A room that no longer has us (a self-ping's answer, MUC-55; a
//!   `not-acceptable` to our message, MUC-18) is rejoined at once
//!   ([`rejoin`]), with a notice that messages may have been missed.
//!
//! Every rejoin goes through [`super::join`], so its history follows the
//! same rules ([`super::history`]): nothing already held comes again. A
//! restart of balcony rejoins nothing here: rooms come back through
//! bookmarks' autojoin or `/join`, and their history through the store.

use jid::BareJid;

use crate::app::{Effect, State};

use super::{Exit, JoinPhase, RoomJoin};

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
    super::update::tell(
        state,
        room,
        "the room no longer had you: rejoining (messages may have been missed)".to_owned(),
        at,
        effects,
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
        nick_is_default: false,
    };
    if let Err(error) = super::join(state, request, at, effects) {
        let text = format!("cannot rejoin: {error}");
        super::update::tell(state, room, text, at, effects);
    }
}
