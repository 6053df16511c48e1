//! Voice requests in moderated rooms (XEP-0045 §7.13, §8.6): the one we
//! send as a visitor (`/requestvoice`, MUC-34) and the ones a room relays
//! to us as a moderator (MUC-37), kept as [`VoiceRequests`] until the user
//! answers.
//!
//! A relayed request is never acted on by itself: it waits as one request
//! per room and nick (a repeat replaces nothing), at most [`MAX_REQUESTS`],
//! counted in the status line, until `/allowvoice NICK` submits the form
//! back with `muc#request_allow` or `/voice NICK` gives the role directly
//! (either forgets it). Only a room we are in is heard; nicks are
//! sanitised to one line and cut. Imports nothing from `ui`.

use std::collections::VecDeque;

use jid::{BareJid, Jid};

use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::{Effect, State, push_notice};
use crate::sanitize::one_line;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::muc::Role;
use crate::xmpp::stanza::muc::request::VoiceRequest;

use super::JoinPhase;

/// Voice requests kept waiting for an answer.
pub const MAX_REQUESTS: usize = 64;
/// Longest nick shown.
pub const MAX_NICK_CHARS: usize = 100;

/// A visitor's request waiting for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub room: BareJid,
    /// The nick as the room sent it (what the answer names).
    pub nick: String,
    /// The visitor's real JID, when the room shows it.
    pub jid: Option<BareJid>,
    /// `muc#jid` as the room sent it, which the answer gives back: ejabberd
    /// refuses an approval without it (XEP-0045 §8.6).
    pub form_jid: Option<Jid>,
    pub at: i64,
}

impl Request {
    /// One line for lists and notices.
    pub fn describe(&self) -> String {
        let nick: String = one_line(&self.nick).chars().take(MAX_NICK_CHARS).collect();
        match &self.jid {
            Some(jid) => format!("{nick} ({jid}) asks for voice in {}", self.room),
            None => format!("{nick} asks for voice in {}", self.room),
        }
    }
}

/// Voice requests waiting for the user.
#[derive(Debug, Default)]
pub struct VoiceRequests {
    requests: VecDeque<Request>,
    /// Bumped on every change, so a view can tell when to look again.
    pub rev: u64,
}

impl VoiceRequests {
    /// Waiting requests, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter()
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    fn position(&self, room: &BareJid, nick: &str) -> Option<usize> {
        self.requests
            .iter()
            .position(|r| &r.room == room && r.nick == nick)
    }

    /// Keeps `request` unless the same one waits. Returns whether it is new.
    fn add(&mut self, request: Request) -> bool {
        if self.position(&request.room, &request.nick).is_some() {
            return false;
        }
        if self.requests.len() >= MAX_REQUESTS {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
        self.rev += 1;
        true
    }

    /// Forgets the request of `nick` in `room`, answered.
    pub fn forget(&mut self, room: &BareJid, nick: &str) -> Option<Request> {
        let at = self.position(room, nick)?;
        self.rev += 1;
        self.requests.remove(at)
    }
}

/// Whether `message` is a voice request a room we are in relays to us
/// (MUC-37). The router sends such messages to [`on_message`].
pub fn is_voice_request(state: &State, message: &Message) -> bool {
    let Some(from) = &message.from else {
        return false;
    };
    message.voice_request.is_some()
        && from.resource().is_none()
        && !matches!(message.kind, MessageType::Error | MessageType::Groupchat)
        && state.rooms.is_present(&from.to_bare())
}

/// A message [`is_voice_request`] chose.
pub fn on_message(state: &mut State, message: Message, at: i64, effects: &mut Vec<Effect>) {
    let (Some(from), Some(form)) = (message.from, message.voice_request) else {
        return;
    };
    let Some(nick) = form.nick.filter(|n| !n.trim().is_empty()) else {
        tracing::debug!(room = %from, "dropped a voice request without a nick");
        return;
    };
    let request = Request {
        room: from.to_bare(),
        nick,
        jid: form.jid.as_ref().map(Jid::to_bare),
        form_jid: form.jid,
        at,
    };
    let text = request.describe();
    let event = Event::VoiceRequest {
        room: request.room.to_string(),
        nick: one_line(&request.nick),
        jid: request.jid.as_ref().map(ToString::to_string),
    };
    let room = request.room.clone();
    let nick = one_line(&request.nick);
    if state.voice_requests.add(request) {
        let hint = format!("/allowvoice --room {room} {nick}");
        push_notice(state, format!("{text} ({hint})"), false);
        effects.push(Effect::Emit(event));
    }
}

/// `/requestvoice [--room ROOM]` (MUC-34): a visitor asks the room's
/// moderators for voice. The room confirms nothing; voice, if given,
/// arrives as our new role.
pub fn request(state: &mut State, room: Option<BareJid>, effects: &mut Vec<Effect>) -> Outcome {
    let room = match super::moderation::current_room(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    let Some(entry) = state
        .rooms
        .get(&room)
        .filter(|r| r.phase == JoinPhase::Joined)
    else {
        return Outcome::Failed(format!("you are not in {room}"));
    };
    if entry
        .occupants
        .get(&entry.nick)
        .is_some_and(|me| me.role != Role::Visitor)
    {
        return Outcome::Failed(format!("you already have voice in {room}"));
    }
    let mut message = Message::new(MessageType::Normal);
    message.to = Some(Jid::from(room.clone()));
    message.id = Some(crate::xmpp::id::next());
    message.voice_request = Some(VoiceRequest::ask());
    effects.push(Effect::SendMessage(message));
    Outcome::Done(format!("asked the moderators of {room} for voice"))
}

/// The request `/allowvoice` answers: the one named, else the only one.
fn chosen(state: &State, room: Option<BareJid>, nick: Option<String>) -> Result<Request, String> {
    let matches: Vec<&Request> = state
        .voice_requests
        .iter()
        .filter(|r| room.as_ref().is_none_or(|room| &r.room == room))
        .filter(|r| nick.as_ref().is_none_or(|nick| &r.nick == nick))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(match (nick, room) {
            (Some(nick), Some(room)) => format!("no voice request from {nick} in {room}"),
            (Some(nick), None) => format!("no voice request from {nick}"),
            _ => "no voice requests".to_owned(),
        }),
        several => Err(format!(
            "{} voice requests: name the room and nick\n{}",
            several.len(),
            several
                .iter()
                .map(|r| r.describe())
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}

/// `/allowvoice [--room ROOM] [NICK]` (MUC-37): approves a waiting voice
/// request by submitting its form back with `muc#request_allow`; without
/// NICK, the only one waiting (several are listed).
pub fn allow(
    state: &mut State,
    room: Option<BareJid>,
    nick: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let request = match chosen(state, room, nick) {
        Ok(request) => request,
        Err(why) => return Outcome::Failed(why),
    };
    state.voice_requests.forget(&request.room, &request.nick);
    let mut message = Message::new(MessageType::Normal);
    message.to = Some(Jid::from(request.room.clone()));
    message.id = Some(crate::xmpp::id::next());
    message.voice_request = Some(VoiceRequest::answer(
        &request.nick,
        request.form_jid.clone(),
        true,
    ));
    effects.push(Effect::SendMessage(message));
    Outcome::Done(format!(
        "approved {}'s voice request in {}",
        one_line(&request.nick),
        request.room
    ))
}
