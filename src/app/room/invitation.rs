//! Invitations into rooms: the ones we send (`/invite`: direct, XEP-0249
//! with the room's password, MUC-50, unless the room is members-only, then
//! mediated through the room, MUC-31; `--direct`/`--mediated` choose) and
//! the ones we get, mediated (MUC-30) or direct
//! (XEP-0249, MUC-48), kept as [`Invitations`] until the user answers.
//!
//! An invitation is never acted on by itself (MUC-51): it waits as one
//! request per room (a mediated and a direct one for the same room merge,
//! MUC-49; one for a room we are in is dropped), counted in the status
//! line and listed by `/invitations`, until `/accept ROOM` joins through
//! [`super::join`] or `/decline ROOM` answers the room (mediated) or
//! forgets it (direct). Reasons are sanitised to one line; the password
//! is kept only for the join and never shown (MUC-53); prompts from
//! people outside the roster are rate-limited ([`STRANGER_LIMIT`] per
//! [`STRANGER_WINDOW_SECS`]). A `<decline/>` the room relays to us, and
//! a room's refusal of our own invitation, become room lines. An
//! invitation that continues a 1:1 chat (MUC-52) is accepted into a room
//! linked to that chat ([`super::continuation`]).

use std::collections::VecDeque;

use jid::{BareJid, Jid};

use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::{Effect, State, push_notice};
use crate::sanitize::one_line;
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::stanza::conference::DirectInvite;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::muc::{Decline, Invite, MucUser};

use super::JoinPhase;

/// How `/invite` sends its invitation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Via {
    /// Direct, unless the room is members-only (MUC-50).
    #[default]
    Auto,
    /// XEP-0249 to the invitee.
    Direct,
    /// Through the room (MUC-31).
    Mediated,
}

/// Invitations kept waiting for an answer.
pub const MAX_REQUESTS: usize = 64;
/// Invitations of ours kept, to explain a refusal (MUC-31).
pub const MAX_SENT: usize = 64;
/// Prompts from outside the roster shown per window (MUC-51).
pub const STRANGER_LIMIT: usize = 5;
/// The rate limit's window, in seconds.
pub const STRANGER_WINDOW_SECS: i64 = 60;
/// Longest reason shown.
pub const MAX_REASON_CHARS: usize = 300;

/// An invitation waiting for the user.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub room: BareJid,
    /// Who invites, when known: a user's JID, or (from rooms that hide
    /// real JIDs) the inviter's occupant JID in the room.
    pub from: Option<Jid>,
    /// Sanitised, one line.
    pub reason: Option<String>,
    /// Through the room (a decline goes back there) rather than direct.
    pub mediated: bool,
    /// Only for the join (MUC-53); never shown or stored.
    password: Option<String>,
    /// The room continues our 1:1 chat in this thread (MUC-52).
    pub continues: Option<String>,
    pub at: i64,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("room", &self.room)
            .field("from", &self.from)
            .field("reason", &self.reason)
            .field("mediated", &self.mediated)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("continues", &self.continues)
            .field("at", &self.at)
            .finish()
    }
}

impl Request {
    /// Whether the invitation came with a password (not what it is).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// Who invites, as shown: a bare JID, or the nick of an occupant of
    /// the room itself.
    pub fn inviter(&self) -> Option<String> {
        let from = self.from.as_ref()?;
        Some(match from.resource() {
            Some(nick) if from.to_bare() == self.room => one_line(nick.as_str()),
            _ => from.to_bare().to_string(),
        })
    }

    /// One line for lists and notices.
    pub fn describe(&self) -> String {
        let mut line = match self.inviter() {
            Some(from) => format!("{from} invites you to {}", self.room),
            None => format!("an invitation to {}", self.room),
        };
        if self.continues.is_some() {
            line.push_str(" to continue your chat");
        }
        if let Some(reason) = &self.reason {
            line.push_str(&format!(": {reason}"));
        }
        line
    }
}

/// An invitation of ours, sent through a room.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sent {
    id: String,
    room: BareJid,
    invitee: BareJid,
}

/// Invitations waiting for the user, and ours waiting for a refusal.
#[derive(Debug, Default)]
pub struct Invitations {
    requests: VecDeque<Request>,
    sent: VecDeque<Sent>,
    /// When prompts from strangers were shown, newest last.
    strangers: VecDeque<i64>,
    /// Bumped on every change, so a view can tell when to look again.
    pub rev: u64,
}

impl Invitations {
    /// Waiting invitations, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter()
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    pub fn get(&self, room: &BareJid) -> Option<&Request> {
        self.requests.iter().find(|r| &r.room == room)
    }

    fn take(&mut self, room: &BareJid) -> Option<Request> {
        let at = self.requests.iter().position(|r| &r.room == room)?;
        self.rev += 1;
        self.requests.remove(at)
    }

    /// Keeps `request`, merging with one for the same room (MUC-49).
    /// Returns whether it is new.
    fn add(&mut self, request: Request) -> bool {
        self.rev += 1;
        if let Some(existing) = self.requests.iter_mut().find(|r| r.room == request.room) {
            existing.mediated |= request.mediated;
            existing.from = existing.from.take().or(request.from);
            existing.reason = existing.reason.take().or(request.reason);
            existing.password = existing.password.take().or(request.password);
            existing.continues = existing.continues.take().or(request.continues);
            return false;
        }
        if self.requests.len() >= MAX_REQUESTS {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
        true
    }

    /// Whether one more prompt from a stranger may be shown at `at`.
    fn stranger_allowed(&mut self, at: i64) -> bool {
        while self
            .strangers
            .front()
            .is_some_and(|t| at - *t >= STRANGER_WINDOW_SECS)
        {
            self.strangers.pop_front();
        }
        if self.strangers.len() >= STRANGER_LIMIT {
            return false;
        }
        self.strangers.push_back(at);
        true
    }
}

/// Whether `message` is about invitations: one for us (mediated or
/// direct), a decline relayed by a room, or a room's refusal of one of
/// ours. The router sends such messages to [`on_message`].
pub fn is_invitation(state: &State, message: &Message) -> bool {
    let Some(from) = &message.from else {
        return false;
    };
    if message.kind == MessageType::Error {
        return message
            .id
            .as_deref()
            .is_some_and(|id| state.invitations.sent.iter().any(|s| s.id == id));
    }
    if message.kind == MessageType::Groupchat {
        return false;
    }
    let from_room = from.resource().is_none();
    let mediated = message
        .muc
        .as_ref()
        .is_some_and(|x| !x.invites.is_empty() || x.decline.is_some());
    (from_room && mediated) || message.direct_invite.is_some()
}

/// A message [`is_invitation`] chose.
pub fn on_message(state: &mut State, message: Message, at: i64, effects: &mut Vec<Effect>) {
    let Some(from) = message.from.clone() else {
        return;
    };
    if message.kind == MessageType::Error {
        on_refused(state, &message, at, effects);
        return;
    }
    let muc = message.muc.clone().unwrap_or_default();
    if from.resource().is_none() {
        let room = from.to_bare();
        if let Some(decline) = &muc.decline {
            on_decline(state, &room, decline, at, effects);
            return;
        }
        if let Some(invite) = muc.invites.first() {
            let request = Request {
                room,
                from: invite.from.clone(),
                reason: invite.reason.as_deref().and_then(clean),
                mediated: true,
                password: muc.password.clone(),
                continues: invite.continue_thread.clone().filter(|t| !t.is_empty()),
                at,
            };
            // MUC-30: a server adding a direct `<x/>` too gives one request.
            offer(state, request, at, effects);
            return;
        }
    }
    if let Some(direct) = message.direct_invite {
        let request = Request {
            room: direct.room,
            from: Some(Jid::from(from.to_bare())),
            reason: direct.reason.as_deref().and_then(clean),
            mediated: false,
            password: direct.password,
            continues: direct.thread.filter(|t| direct.continues && !t.is_empty()),
            at,
        };
        offer(state, request, at, effects);
    }
}

/// A reason as shown: one line, without control characters, cut.
fn clean(text: &str) -> Option<String> {
    let line = one_line(text);
    let line = line.trim();
    (!line.is_empty()).then(|| line.chars().take(MAX_REASON_CHARS).collect())
}

/// Keeps an invitation for the user, unless it is for a room we are in
/// (MUC-49) or a stranger's beyond the rate limit (MUC-51).
fn offer(state: &mut State, request: Request, at: i64, effects: &mut Vec<Effect>) {
    if state
        .rooms
        .get(&request.room)
        .is_some_and(|r| r.phase.is_present() && !matches!(r.phase, JoinPhase::Leaving { .. }))
    {
        tracing::debug!(room = %request.room, "dropped an invitation to a room we are in (MUC-49)");
        return;
    }
    let known = request
        .from
        .as_ref()
        .is_some_and(|from| state.roster.get(&from.to_bare()).is_some());
    let repeat = state.invitations.get(&request.room).is_some();
    if !known && !repeat && !state.invitations.stranger_allowed(at) {
        tracing::info!(room = %request.room, "dropped an invitation from a stranger: too many (MUC-51)");
        return;
    }
    let text = request.describe();
    let event = Event::Invitation {
        room: request.room.to_string(),
        from: request.inviter(),
        reason: request.reason.clone(),
        mediated: request.mediated,
        continues: request.continues.clone(),
    };
    if state.invitations.add(request.clone()) {
        push_notice(
            state,
            format!(
                "{text} (/accept {room} or /decline {room})",
                room = request.room
            ),
            false,
        );
        effects.push(Effect::Emit(event));
    }
}

/// MUC-31: the room relays that our invitee declined.
fn on_decline(
    state: &mut State,
    room: &BareJid,
    decline: &Decline,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let who = decline
        .from
        .as_ref()
        .map_or_else(|| "someone".to_owned(), |j| j.to_bare().to_string());
    let mut text = format!("{who} declined your invitation to {room}");
    if let Some(reason) = decline.reason.as_deref().and_then(clean) {
        text.push_str(&format!(": {reason}"));
    }
    if state.rooms.get(room).is_some() {
        super::update::notice(state, room, text.clone(), at);
    } else {
        push_notice(state, text.clone(), false);
    }
    effects.push(Effect::Emit(Event::InvitationDeclined {
        room: room.to_string(),
        by: decline.from.as_ref().map(|j| j.to_bare().to_string()),
        reason: decline.reason.as_deref().and_then(clean),
    }));
}

/// MUC-31: the room refused an invitation of ours.
fn on_refused(state: &mut State, message: &Message, at: i64, effects: &mut Vec<Effect>) {
    let Some(id) = message.id.as_deref() else {
        return;
    };
    let Some(index) = state.invitations.sent.iter().position(|s| s.id == id) else {
        return;
    };
    let Some(sent) = state.invitations.sent.remove(index) else {
        return;
    };
    let condition = message
        .error
        .as_ref()
        .map_or(StanzaCondition::UndefinedCondition, |e| e.condition);
    let room = &sent.room;
    let text = match condition {
        StanzaCondition::Forbidden | StanzaCondition::NotAllowed => {
            format!("{room} does not let you invite {}", sent.invitee)
        }
        StanzaCondition::ItemNotFound | StanzaCondition::RecipientUnavailable => {
            format!("{room} could not find {}", sent.invitee)
        }
        StanzaCondition::NotAcceptable => format!("you are not in {room}"),
        other => format!(
            "{room} refused the invitation of {} ({other})",
            sent.invitee
        ),
    };
    super::update::notice(state, room, text.clone(), at);
    effects.push(Effect::Emit(Event::RoomError {
        room: room.to_string(),
        error: condition.to_string(),
        text,
    }));
}

/// `/invite [--room ROOM] [--direct|--mediated] JID [TEXT]`: a direct
/// invitation (XEP-0249, with the password the room was joined with,
/// MUC-50) unless the room is members-only (disco's `muc_membersonly`),
/// where it goes through the room (MUC-31) so the room makes the invitee a
/// member. The room confirms nothing; a refusal of a mediated one comes
/// later as a room line and a `room-error` event.
#[allow(clippy::too_many_arguments)]
pub fn invite(
    state: &mut State,
    _tag: u64,
    _label: &str,
    room: Option<BareJid>,
    jid: BareJid,
    reason: Option<String>,
    via: Via,
    effects: &mut Vec<Effect>,
) -> Outcome {
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
    let direct = match via {
        Via::Direct => true,
        Via::Mediated => false,
        Via::Auto => !entry.flags.members_only,
    };
    if direct {
        send_direct(state, &room, &jid, reason, None, effects);
        return Outcome::Done(format!("invited {jid} to {room} (direct invitation)"));
    }
    send_mediated(state, &room, &jid, reason, None, effects);
    Outcome::Done(format!("invited {jid} to {room}"))
}

/// An invitation that continues the 1:1 chat in `thread` (MUC-32): direct
/// (`continue='true'`), unless the room is members-only, then through the
/// room (`<continue thread/>`), as `/invite` chooses. Direct is also what
/// reaches the invitee whole: Prosody rebuilds mediated invitations
/// without `<continue/>`.
pub fn send_continuing(
    state: &mut State,
    room: &BareJid,
    jid: &BareJid,
    reason: Option<String>,
    thread: String,
    effects: &mut Vec<Effect>,
) {
    let members_only = state.rooms.get(room).is_some_and(|r| r.flags.members_only);
    if members_only {
        send_mediated(state, room, jid, reason, Some(thread), effects);
    } else {
        send_direct(state, room, jid, reason, Some(thread), effects);
    }
}

/// A direct invitation (XEP-0249) with the password the room was joined
/// with (MUC-50); `continues` names the 1:1 chat's thread.
fn send_direct(
    state: &State,
    room: &BareJid,
    jid: &BareJid,
    reason: Option<String>,
    continues: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let mut message = Message::new(MessageType::Normal);
    message.to = Some(Jid::from(jid.clone()));
    message.id = Some(crate::xmpp::id::next());
    message.direct_invite = Some(DirectInvite {
        room: room.clone(),
        password: state.rooms.get(room).and_then(|r| r.password.clone()),
        reason,
        continues: continues.is_some(),
        thread: continues,
    });
    effects.push(Effect::SendMessage(message));
}

/// An invitation through the room (MUC-31), kept to explain a refusal;
/// `continues` names the 1:1 chat's thread the room goes on with (MUC-32).
fn send_mediated(
    state: &mut State,
    room: &BareJid,
    jid: &BareJid,
    reason: Option<String>,
    continues: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let id = crate::xmpp::id::next();
    let mut message = Message::new(MessageType::Normal);
    message.to = Some(Jid::from(room.clone()));
    message.id = Some(id.clone());
    message.muc = Some(MucUser {
        invites: vec![Invite {
            to: Some(Jid::from(jid.clone())),
            reason,
            continue_thread: continues,
            ..Invite::default()
        }],
        ..MucUser::default()
    });
    let sent = &mut state.invitations.sent;
    if sent.len() >= MAX_SENT {
        sent.pop_front();
    }
    sent.push_back(Sent {
        id,
        room: room.clone(),
        invitee: jid.clone(),
    });
    effects.push(Effect::SendMessage(message));
}

/// `/invitations`: the waiting ones.
pub fn list(state: &State, effects: &mut Vec<Effect>) -> Outcome {
    if state.invitations.is_empty() {
        return Outcome::Done("no invitations".to_owned());
    }
    let text = state
        .invitations
        .iter()
        .map(Request::describe)
        .collect::<Vec<_>>()
        .join("\n");
    effects.push(Effect::Emit(Event::Info { text }));
    Outcome::Done(String::new())
}

/// The invitation `/accept` or `/decline` answers: the one named, else
/// the only one.
fn chosen(state: &State, room: Option<BareJid>) -> Result<BareJid, String> {
    match room {
        Some(room) if state.invitations.get(&room).is_some() => Ok(room),
        Some(room) => Err(format!("no invitation to {room}")),
        None => match state.invitations.len() {
            0 => Err("no invitations".to_owned()),
            1 => state
                .invitations
                .iter()
                .next()
                .map(|r| r.room.clone())
                .ok_or_else(|| "no invitations".to_owned()),
            n => Err(format!(
                "{n} invitations: name the room (/invitations lists them)"
            )),
        },
    }
}

/// `/accept [ROOM]`: joins with the invitation's password (MUC-30,
/// MUC-48, MUC-53); the result follows the join.
pub fn accept(
    state: &mut State,
    tag: u64,
    label: &str,
    room: Option<BareJid>,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let room = match chosen(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    let Some(request) = state.invitations.take(&room) else {
        return Outcome::Failed(format!("no invitation to {room}"));
    };
    let inviter = request
        .from
        .as_ref()
        .map(Jid::to_bare)
        .filter(|from| *from != room);
    let join = super::RoomJoin {
        room: room.clone(),
        nick: String::new(),
        password: request.password,
        nick_is_default: true,
    };
    let outcome = super::command::join(state, tag, label, join, false, at, effects);
    // MUC-52: the room goes on with the inviter's chat, in its thread.
    if let (Outcome::Pending, Some(thread), Some(peer)) = (&outcome, request.continues, inviter) {
        super::continuation::accepted(state, &room, peer, thread);
    }
    outcome
}

/// `/decline [ROOM] [TEXT]`: a mediated invitation is declined through the
/// room (MUC-30); a direct one is forgotten (MUC-48).
pub fn decline(
    state: &mut State,
    room: Option<BareJid>,
    reason: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let room = match chosen(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    let Some(request) = state.invitations.take(&room) else {
        return Outcome::Failed(format!("no invitation to {room}"));
    };
    let who = request.inviter().unwrap_or_default();
    match (request.mediated, request.from) {
        (true, Some(inviter)) => {
            let mut message = Message::new(MessageType::Normal);
            message.to = Some(Jid::from(room.clone()));
            message.id = Some(crate::xmpp::id::next());
            message.muc = Some(MucUser {
                decline: Some(Decline {
                    // A user by bare JID (MUC-30); an occupant by its
                    // occupant JID, from rooms that hide real JIDs.
                    to: Some(if inviter.to_bare() == room {
                        inviter.clone()
                    } else {
                        Jid::from(inviter.to_bare())
                    }),
                    reason,
                    from: None,
                }),
                ..MucUser::default()
            });
            effects.push(Effect::SendMessage(message));
            Outcome::Done(format!("declined {who}'s invitation to {room}"))
        }
        _ => Outcome::Done(format!("forgot the invitation to {room}")),
    }
}
