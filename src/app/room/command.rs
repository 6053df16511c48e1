//! What the user does in rooms: `/join ROOM[/NICK] [PASSWORD]`,
//! `/leave [ROOM] [TEXT]`, `/nick NICK` and `/topic [TEXT]`. `/join` and
//! `/leave` report their result when the room has answered (the join
//! complete or refused, our own `unavailable` back).

use jid::{BareJid, Jid};

use crate::app::dispatch::Outcome;
use crate::app::{Effect, State};
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType};

use super::{JoinError, JoinPhase, RoomJoin};

/// The nick `/join` uses when none is typed: `[rooms] nick`, else our
/// JID's local part.
pub fn default_nick(state: &State) -> Option<String> {
    state.prefs.room_nick.clone().or_else(|| {
        state
            .jid
            .as_ref()
            .and_then(|jid| jid.node())
            .map(|node| node.as_str().to_owned())
    })
}

/// `/join ROOM[/NICK] [PASSWORD] [--configure]`: opens the room's
/// window; the result follows the join. An empty nick in `request` means
/// the default one. `configure` (or `[rooms] create = "configure"`): a
/// room the join creates waits for its configuration (MUC-45).
pub fn join(
    state: &mut State,
    tag: u64,
    label: &str,
    request: RoomJoin,
    configure: bool,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let RoomJoin {
        room,
        nick,
        password,
        nick_is_default,
    } = request;
    let nick_is_default = nick_is_default || nick.is_empty();
    let Some(nick) = Some(nick)
        .filter(|n| !n.is_empty())
        .or_else(|| default_nick(state))
    else {
        return Outcome::Failed(format!("give a nick: /join {room}/NICK"));
    };
    let configure = configure || state.prefs.room_create_configure;
    match super::join(
        state,
        RoomJoin {
            room: room.clone(),
            nick,
            password,
            nick_is_default,
        },
        at,
        effects,
    ) {
        Ok(conversation) => {
            state.active = Some(conversation);
            if let Some(entry) = state.rooms.get_mut(&room) {
                entry.join_report = Some((tag, label.to_owned()));
                entry.configure_on_create = configure;
            }
            Outcome::Pending
        }
        Err(JoinError::AlreadyIn(nick)) => {
            state.active = Some(state.chats.room(&room));
            Outcome::Failed(format!("you are already in {room} as {nick}"))
        }
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// The room `/leave`, `/nick` and `/topic` act on: the one named, else
/// the current window's (a private conversation's room too).
fn current_room(state: &State, named: Option<BareJid>) -> Result<BareJid, String> {
    named
        .or_else(|| {
            state
                .active
                .and_then(|id| super::room_of(state, id))
                .map(|(room, _)| room)
        })
        .ok_or_else(|| "no room here: name one, or switch to a room's window".to_owned())
}

/// `/leave [ROOM] [TEXT]` (MUC-25): `unavailable` to our occupant JID;
/// the result comes with the room's answer, or after a timeout.
pub fn leave(
    state: &mut State,
    tag: u64,
    label: &str,
    room: Option<BareJid>,
    text: Option<String>,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let room = match current_room(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    if let Err(why) = super::leave(state, &room, text, at, effects) {
        return Outcome::Failed(why);
    }
    if let Some(entry) = state.rooms.get_mut(&room) {
        entry.leave_report = Some((tag, label.to_owned()));
    }
    Outcome::Pending
}

/// `/nick NICK` (MUC-16): our presence, show and status kept, to the new
/// occupant JID; the room's answer decides.
pub fn nick(state: &mut State, nick: String, effects: &mut Vec<Effect>) -> Outcome {
    let room = match current_room(state, None) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    let own = state.own.clone();
    let Some(entry) = state.rooms.get_mut(&room) else {
        return Outcome::Failed(format!("you are not in {room}"));
    };
    if entry.phase != JoinPhase::Joined {
        return Outcome::Failed(format!("you are not in {room}"));
    }
    if crate::xmpp::stanza::muc::join::check_nick(&nick).is_err() {
        return Outcome::Failed(format!("{nick:?} cannot be a nick"));
    }
    let Some(to) = entry.occupant_jid(&nick) else {
        return Outcome::Failed(format!("{nick:?} cannot be a nick"));
    };
    let mut presence = own.to_presence();
    presence.priority = 0;
    presence.to = Some(Jid::from(to));
    entry.pending_nick = Some(nick.clone());
    effects.push(Effect::SendPresence(presence));
    Outcome::Done(format!("asking {room} to call you {nick}"))
}

/// `/topic [TEXT]` (MUC-19, MUC-20): the subject, or a new one.
pub fn topic(state: &mut State, text: Option<String>, effects: &mut Vec<Effect>) -> Outcome {
    let room = match current_room(state, None) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    let Some(entry) = state.rooms.get(&room) else {
        return Outcome::Failed(format!("you are not in {room}"));
    };
    let Some(text) = text else {
        return Outcome::Done(match (&entry.subject, &entry.subject_by) {
            (Some(subject), Some(by)) => format!("{room}: {subject} (set by {by})"),
            (Some(subject), None) => format!("{room}: {subject}"),
            (None, _) => format!("{room} has no subject"),
        });
    };
    if entry.phase != JoinPhase::Joined {
        return Outcome::Failed(format!("you are not in {room}"));
    }
    let mut message = Message::new(MessageType::Groupchat);
    message.to = Some(Jid::from(room.clone()));
    message.id = Some(crate::xmpp::id::next());
    message.subjects = vec![LangText::new(text.clone())];
    effects.push(Effect::SendMessage(message));
    Outcome::Done(format!("asking {room} to set the subject"))
}
