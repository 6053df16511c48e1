//! The room area's update: what a room says, and what becomes of what we
//! send there (the commands are in [`super::command`]).
//!
//! - Presence ([`on_presence`]): occupants come, change and go (MUC-14,
//!   MUC-15, MUC-28); our own presence (`110`) fixes our nick (MUC-11) and
//!   carries the warnings and the creation code (MUC-12, MUC-45); our own
//!   `unavailable` ends our stay, by our wish or not (MUC-25…27); an error
//!   refuses a join or a nick change (MUC-13, MUC-16) or is shown in the
//!   room (MUC-47).
//! - Messages ([`on_message`]): the subject, which completes a join
//!   (MUC-10, MUC-19); room notices (MUC-29); history with its time
//!   (MUC-21); our own messages coming back, matched by origin-id (or id
//!   in rooms with stable ids) and shown once (MUC-17); errors (MUC-18);
//!   a live message naming our nick counts as a mention and notifies
//!   (through [`attention`], so mutes and focus apply).
//! - Private messages ([`on_private`], [`on_private_carbon`], MUC-23) in
//!   their own `room/nick` conversation.
//! - What we send: plain text in a room's window waits for its reflection
//!   and a private message carries the muc#user `<x/>` ([`on_compose`]);
//!   our status reaches the rooms (MUC-24, [`share_presence`]).
//! - The clock ([`on_tick`]): a join that waited long enough for the
//!   room's disco#info goes ahead; a leave the room did not answer ends;
//!   a silent room is self-pinged ([`super::self_ping`]).
//! - Replies: the room's disco#info ([`on_room_info`]) and the instant
//!   room's configuration ([`on_instant_room`]).
//!
//! Every line shown is also a [`Record`] (peer = room, resource = nick)
//! and an [`Event`]; notices are lines but never records.

use jid::{BareJid, Jid};

use crate::app::chat::{ChatLine, ConversationId, Direction, StableKey};
use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::{Effect, Purpose, Record, State, attention, push_notice};
use crate::xmpp::error::{StanzaCondition, StanzaError};
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::muc::{Affiliation, JoinRefusal, MucUser, Role, Status};
use crate::xmpp::stanza::presence::{Presence, PresenceType};

use super::occupants::{Change, Occupant};
use super::{Exit, INFO_WAIT_SECS, JoinPhase, LEAVE_TIMEOUT_SECS, Removal};

/// MUC-40: what changed in an occupant's role or affiliation, in words:
/// "tybalt is now a visitor", "nurse is now an admin and a moderator",
/// "tybalt is no longer a member".
fn rank_change(nick: &str, (role, affiliation): (Role, Affiliation), now: &Occupant) -> String {
    let article = |word: &str| {
        if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
            format!("an {word}")
        } else {
            format!("a {word}")
        }
    };
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    if affiliation != now.affiliation {
        match now.affiliation {
            Affiliation::None => lost.push(article(affiliation.as_str())),
            Affiliation::Outcast => gained.push("banned".to_owned()),
            other => gained.push(article(other.as_str())),
        }
    }
    if role != now.role && now.role != Role::None {
        gained.push(article(now.role.as_str()));
    }
    match (gained.is_empty(), lost.is_empty()) {
        (false, true) => format!("{nick} is now {}", gained.join(" and ")),
        (true, false) => format!("{nick} is no longer {}", lost.join(" and ")),
        (false, false) => format!(
            "{nick} is now {} and no longer {}",
            gained.join(" and "),
            lost.join(" and ")
        ),
        (true, true) => format!("{nick} is now {} ({})", now.role, now.affiliation),
    }
}

/// A notice line in the room's window: not a message, never recorded.
pub fn notice(state: &mut State, room: &BareJid, text: String, at: i64) -> ConversationId {
    let conversation = state.chats.room(room);
    let mut line = ChatLine::new(Direction::Incoming, MessageType::Groupchat, text, at);
    line.notice = true;
    state.chats.push_line(conversation, line);
    // A notice is not something to read.
    state.chats.mark_read_one(conversation);
    conversation
}

/// A notice line, and the same words as an [`Event::RoomNotice`].
pub fn tell(state: &mut State, room: &BareJid, text: String, at: i64, effects: &mut Vec<Effect>) {
    notice(state, room, text.clone(), at);
    effects.push(Effect::Emit(Event::RoomNotice {
        room: room.to_string(),
        text,
    }));
}

fn bump(state: &mut State, room: &BareJid) {
    if let Some(entry) = state.rooms.get_mut(room) {
        entry.rev += 1;
    }
}

/// A presence from `room` (the router checked we are there).
pub fn on_presence(
    state: &mut State,
    room: BareJid,
    presence: Presence,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let nick = presence
        .from
        .as_ref()
        .and_then(|from| from.resource())
        .map(|r| r.as_str().to_owned());
    if presence.kind == PresenceType::Error {
        on_presence_error(state, &room, &presence, at, effects);
        return;
    }
    let Some(nick) = nick else {
        tracing::debug!(%room, "a presence from a room's own JID was ignored");
        return;
    };
    let user = presence.muc.clone().unwrap_or_default();
    bump(state, &room);
    match presence.kind {
        PresenceType::Unavailable => on_unavailable(state, &room, nick, &user, at, effects),
        PresenceType::Available => {
            let item = user.item().cloned().unwrap_or_default();
            let occupant = Occupant {
                nick: nick.clone(),
                role: item.role.unwrap_or(Role::Participant),
                affiliation: item.affiliation.unwrap_or(Affiliation::None),
                jid: item.jid.clone(),
                show: presence.show,
                status: presence.status(&state.prefs.language).map(str::to_owned),
            };
            let Some(entry) = state.rooms.get_mut(&room) else {
                return;
            };
            let change = entry.occupants.upsert(occupant.clone());
            if user.has(Status::SELF_PRESENCE) {
                on_self_presence(state, &room, &nick, &user, at, effects);
                return;
            }
            let joined = matches!(entry.phase, JoinPhase::Joined);
            if !joined {
                // The list the join brings: counted once it is complete.
                return;
            }
            let text = match change {
                Change::Joined => Some((format!("{nick} joined"), "joined")),
                Change::Updated { role, affiliation }
                    if role != occupant.role || affiliation != occupant.affiliation =>
                {
                    Some((
                        rank_change(&nick, (role, affiliation), &occupant),
                        "changed",
                    ))
                }
                Change::Updated { .. } | Change::Dropped => None,
            };
            if let Some((text, change)) = text {
                notice(state, &room, text, at);
                effects.push(occupant_event(&room, &occupant, change));
            }
        }
        // Subscription types never reach here (the router).
        _ => {}
    }
}

fn occupant_event(room: &BareJid, occupant: &Occupant, change: &str) -> Effect {
    Effect::Emit(Event::Occupant {
        room: room.to_string(),
        nick: occupant.nick.clone(),
        change: change.to_owned(),
        role: occupant.role.to_string(),
        affiliation: occupant.affiliation.to_string(),
        jid: occupant.jid.as_ref().map(Jid::to_string),
        new_nick: None,
        why: None,
        actor: None,
        reason: None,
    })
}

/// MUC-11, MUC-12, MUC-16, MUC-45: our own presence in the room.
fn on_self_presence(
    state: &mut State,
    room: &BareJid,
    nick: &str,
    user: &MucUser,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let asked = entry
        .pending_nick
        .take()
        .unwrap_or_else(|| entry.nick.clone());
    let renamed_by_service = user.has(Status::NICK_ASSIGNED) || asked != nick;
    entry.self_seen = true;
    entry.nick = nick.to_owned();
    let mut warnings = Vec::new();
    if (user.has(Status::NON_ANONYMOUS) || user.has(Status::NOW_NON_ANONYMOUS))
        && !entry.warned.non_anonymous
    {
        entry.warned.non_anonymous = true;
        entry.flags.non_anonymous = true;
        warnings
            .push("this room is non-anonymous: every occupant can see your full JID".to_owned());
    }
    if user.has(Status::LOGGED) && !entry.warned.logged {
        entry.warned.logged = true;
        entry.flags.logged = true;
        warnings.push("this room is logged publicly".to_owned());
    }
    let created = user.has(Status::CREATED) && !entry.awaiting_configuration;
    if created {
        entry.awaiting_configuration = true;
    }
    if renamed_by_service {
        warnings.push(format!("the room calls you {nick}"));
    }
    for text in warnings {
        tell(state, room, text, at, effects);
    }
    if created && entry_configures(state, room) {
        // MUC-45: asked for, the configuration form instead.
        tell(
            state,
            room,
            "you created this room; it is closed to others until you submit its configuration"
                .to_owned(),
            at,
            effects,
        );
        super::configure::creation_form(room, effects);
    } else if created {
        // MUC-45: others can enter once the room is configured; by default
        // it takes the service's defaults (an instant room).
        tell(
            state,
            room,
            "you created this room; it is opened with the default configuration".to_owned(),
            at,
            effects,
        );
        effects.push(Effect::Request {
            query: Query::InstantRoom(room.clone()),
            purpose: Purpose::InstantRoom { room: room.clone() },
        });
    }
}

/// Whether the room we just created waits for our configuration form.
fn entry_configures(state: &State, room: &BareJid) -> bool {
    state.rooms.get(room).is_some_and(|r| r.configure_on_create)
}

/// MUC-15, MUC-25…28: an occupant (or we) left, was renamed or removed.
fn on_unavailable(
    state: &mut State,
    room: &BareJid,
    nick: String,
    user: &MucUser,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let own = user.has(Status::SELF_PRESENCE);
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let item = user.item().cloned().unwrap_or_default();
    // MUC-15: a nick change is no leave.
    if user.has(Status::NICK_CHANGED)
        && let Some(new) = item.nick.clone()
    {
        let renamed = entry.occupants.rename(&nick, &new).cloned();
        if own {
            entry.nick = new.clone();
            entry.pending_nick = Some(new.clone());
        }
        let text = if own {
            format!("you are now known as {new}")
        } else {
            format!("{nick} is now known as {new}")
        };
        notice(state, room, text, at);
        if !own {
            state.chats.rename_private(room, &nick, &new);
        }
        let occupant = renamed.unwrap_or(Occupant {
            nick: nick.clone(),
            role: item.role.unwrap_or(Role::Participant),
            affiliation: item.affiliation.unwrap_or(Affiliation::None),
            jid: item.jid.clone(),
            show: None,
            status: None,
        });
        effects.push(Effect::Emit(Event::Occupant {
            room: room.to_string(),
            nick,
            change: "renamed".to_owned(),
            role: occupant.role.to_string(),
            affiliation: occupant.affiliation.to_string(),
            jid: occupant.jid.as_ref().map(Jid::to_string),
            new_nick: Some(new),
            why: None,
            actor: None,
            reason: None,
        }));
        return;
    }
    let removal = removal(user);
    let actor = item.actor.as_ref().and_then(|a| {
        a.nick
            .clone()
            .or_else(|| a.jid.as_ref().map(Jid::to_string))
    });
    let reason = item.reason.clone();
    if own {
        let exit = match (&user.destroy, removal) {
            (Some(destroy), _) => Exit::Destroyed {
                alternative: destroy.jid.clone(),
                reason: destroy.reason.clone(),
            },
            (None, Some(why)) => Exit::Removed {
                why,
                actor: actor.clone(),
                reason: reason.clone(),
            },
            (None, None) => Exit::Left,
        };
        leave_done(state, room, exit, at, effects);
        return;
    }
    let gone = entry.occupants.remove(&nick);
    let joined = matches!(entry.phase, JoinPhase::Joined);
    let role = gone.as_ref().map_or(Role::None, |o| o.role);
    let affiliation = gone.as_ref().map_or(Affiliation::None, |o| o.affiliation);
    let jid = gone.and_then(|o| o.jid);
    if !joined {
        return;
    }
    let mut text = match removal {
        Some(why) => format!("{nick} was {}", why.verb()),
        None => format!("{nick} left"),
    };
    if let Some(actor) = &actor {
        text.push_str(&format!(" by {actor}"));
    }
    if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
        text.push_str(&format!(": {reason}"));
    }
    notice(state, room, text, at);
    effects.push(Effect::Emit(Event::Occupant {
        room: room.to_string(),
        nick,
        change: if removal.is_some() { "removed" } else { "left" }.to_owned(),
        role: role.to_string(),
        affiliation: affiliation.to_string(),
        jid: jid.as_ref().map(Jid::to_string),
        new_nick: None,
        why: removal.map(|r| removal_name(r).to_owned()),
        actor,
        reason,
    }));
}

/// MUC-26: the removal a presence's codes name; `333` wins over `307`.
fn removal(user: &MucUser) -> Option<Removal> {
    [
        (Status::TECHNICAL_REMOVAL, Removal::TechnicalError),
        (Status::BANNED, Removal::Banned),
        (Status::KICKED, Removal::Kicked),
        (Status::AFFILIATION_REMOVED, Removal::AffiliationChanged),
        (Status::MEMBERS_ONLY_REMOVED, Removal::MembersOnly),
        (Status::SHUTDOWN, Removal::Shutdown),
    ]
    .into_iter()
    .find(|(code, _)| user.has(*code))
    .map(|(_, removal)| removal)
}

fn removal_name(removal: Removal) -> &'static str {
    match removal {
        Removal::Kicked => "kicked",
        Removal::Banned => "banned",
        Removal::AffiliationChanged => "affiliation",
        Removal::MembersOnly => "members-only",
        Removal::Shutdown => "shutdown",
        Removal::TechnicalError => "error",
    }
}

/// We are out of `room`: the occupants go, the window says why.
pub fn leave_done(
    state: &mut State,
    room: &BareJid,
    exit: Exit,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    entry.phase = JoinPhase::Left(exit.clone());
    let reports = [entry.join_report.take(), entry.leave_report.take()];
    entry.occupants.clear();
    entry.self_seen = false;
    entry.pending_nick = None;
    entry.awaiting_reflection.clear();
    entry.rev += 1;
    let (text, why, actor, reason, alternative) = match exit {
        Exit::Left => ("you left the room".to_owned(), "left", None, None, None),
        Exit::Disconnected => (
            "you are out of the room: the connection ended".to_owned(),
            "disconnected",
            None,
            None,
            None,
        ),
        Exit::Removed { why, actor, reason } => {
            let mut text = format!("you were {}", why.verb());
            if let Some(actor) = &actor {
                text.push_str(&format!(" by {actor}"));
            }
            if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
                text.push_str(&format!(": {reason}"));
            }
            (text, removal_name(why), actor, reason, None)
        }
        Exit::Destroyed {
            alternative,
            reason,
        } => {
            let mut text = "the room was destroyed".to_owned();
            if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
                text.push_str(&format!(": {reason}"));
            }
            if let Some(alternative) = &alternative {
                text.push_str(&format!(
                    "; it continues in {alternative}: /join {alternative}"
                ));
            }
            (text, "destroyed", None, reason, alternative)
        }
    };
    notice(state, room, text.clone(), at);
    for (tag, label) in reports.into_iter().flatten() {
        let outcome = if why == "left" {
            Outcome::Done(format!("left {room}"))
        } else {
            Outcome::Failed(text.clone())
        };
        crate::app::dispatch::report(state, tag, label, outcome, effects);
    }
    if why != "left" && why != "disconnected" {
        push_notice(state, format!("{room}: {text}"), true);
    }
    effects.push(Effect::Emit(Event::RoomLeft {
        room: room.to_string(),
        why: why.to_owned(),
        actor,
        reason,
        alternative: alternative.map(|a| a.to_string()),
    }));
}

/// MUC-13, MUC-16, MUC-47: a presence error from the room.
fn on_presence_error(
    state: &mut State,
    room: &BareJid,
    presence: &Presence,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let error = presence
        .error
        .clone()
        .unwrap_or_else(StanzaError::undefined);
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let nick = entry.nick.clone();
    let text = if matches!(entry.phase, JoinPhase::Joining { .. }) && !entry.self_seen {
        let refusal = JoinRefusal::from_error(&error);
        entry.phase = JoinPhase::Failed(refusal.clone());
        entry.occupants.clear();
        entry.rev += 1;
        let report = entry.join_report.take();
        let text = explain_refusal(room, &nick, &refusal, &error);
        if let Some((tag, label)) = report {
            crate::app::dispatch::report(state, tag, label, Outcome::Failed(text.clone()), effects);
        }
        text
    } else if let Some(asked) = entry.pending_nick.take() {
        // MUC-16: the old nick stays.
        match error.condition {
            StanzaCondition::Conflict => {
                format!("the nick {asked} is taken in {room}; you are still {nick}")
            }
            StanzaCondition::NotAcceptable => {
                format!("{room} does not let you change your nick; you are still {nick}")
            }
            _ => format!("{room} refused the nick {asked} ({error}); you are still {nick}"),
        }
    } else {
        format!("{room}: {error}")
    };
    notice(state, room, text.clone(), at);
    push_notice(state, text.clone(), true);
    effects.push(Effect::Emit(Event::RoomError {
        room: room.to_string(),
        error: error.condition.to_string(),
        text,
    }));
}

/// MUC-13: what a refused join means and what to do about it.
pub fn explain_refusal(
    room: &BareJid,
    nick: &str,
    refusal: &JoinRefusal,
    error: &StanzaError,
) -> String {
    match refusal {
        JoinRefusal::NickTaken => {
            format!("the nick {nick} is taken in {room}: try another, e.g. /join {room}/{nick}_")
        }
        JoinRefusal::PasswordRequired => {
            format!("{room} needs a password: /join {room}/{nick} PASSWORD")
        }
        JoinRefusal::Banned => format!("you are banned from {room}"),
        JoinRefusal::NotFound => format!(
            "{room} does not exist, or its creator has not opened it yet: check the name, or try again later"
        ),
        JoinRefusal::CreationRestricted => {
            format!("{room} does not exist, and this service does not let you create rooms")
        }
        JoinRefusal::ReservedNick => {
            format!("{room} wants you to use the nick reserved for you there")
        }
        JoinRefusal::MembersOnly => {
            format!("{room} is members-only: ask one of its admins to make you a member")
        }
        JoinRefusal::Full => format!("{room} is full or unavailable: try again later"),
        JoinRefusal::NickMissing => {
            format!("{room} refused the nick {nick:?}: /join {room}/NICK with another")
        }
        JoinRefusal::Other(_) => format!("{room} refused to let you in ({error})"),
    }
}

/// A groupchat message, or an error, from a room we are in.
pub fn on_message(
    state: &mut State,
    room: BareJid,
    message: Message,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    if message.kind == MessageType::Error {
        on_message_error(state, &room, &message, at, effects);
        return;
    }
    let nick = message
        .from
        .as_ref()
        .and_then(|f| f.resource())
        .map(|r| r.as_str().to_owned());
    let body = message.body(&state.prefs.language).unwrap_or_default();
    // MUC-19: a subject without body or thread is a subject change.
    if body.is_empty() && message.thread.is_none() && !message.subjects.is_empty() {
        let subject = message
            .subject(&state.prefs.language)
            .unwrap_or_default()
            .to_owned();
        on_subject(state, &room, nick, subject, at, effects);
        return;
    }
    if body.is_empty() {
        // MUC-29: status codes from the room itself.
        if let Some(user) = &message.muc {
            on_room_notice(state, &room, user, at, effects);
        }
        return;
    }
    let body = body.to_owned();
    let Some(entry) = state.rooms.get_mut(&room) else {
        return;
    };
    let Some(nick) = nick else {
        // The room speaking as itself.
        tell(state, &room, body, at, effects);
        return;
    };
    let room_id = message
        .stanza_ids
        .iter()
        .find(|s| s.by.to_bare() == room && s.by.resource().is_none())
        .map(|s| s.id.clone());
    // MUC-17: our own message back from the room.
    let reflected = [
        message.origin_id.as_ref(),
        message.id.as_ref().filter(|_| entry.flags.stable_id),
    ]
    .into_iter()
    .flatten()
    .find_map(|id| {
        let at = entry.awaiting_reflection.iter().position(|a| a == id)?;
        entry.awaiting_reflection.remove(at)
    });
    if let Some(sent) = reflected {
        let conversation = state.chats.room(&room);
        if let Some(line) = state.chats.get_mut(conversation).and_then(|c| {
            c.lines
                .iter_mut()
                .rev()
                .find(|l| l.direction == Direction::Outgoing && l.id.as_deref() == Some(&sent))
        }) {
            line.room_id = room_id.clone();
            line.pending = false;
        }
        if let Some(room_id) = &room_id {
            state
                .chats
                .is_known(&[StableKey::Room(room.clone(), room_id.clone())]);
            effects.push(Effect::RecordRoomId {
                room: room.clone(),
                id: sent.clone(),
                room_id: room_id.clone(),
            });
        }
        effects.push(Effect::Emit(Event::Reflected {
            room: room.to_string(),
            id: sent,
            room_id,
        }));
        return;
    }
    let own = nick == entry.nick;
    let our_nick = entry.nick.clone();
    let history = message.delay.is_some();
    let at = message
        .delay
        .as_ref()
        .and_then(|d| d.stamp.unix_seconds())
        .unwrap_or(at);
    // MUC-21: the same message again (history after a rejoin, a resend).
    let repeat = match &room_id {
        Some(room_id) => state
            .chats
            .is_known(&[StableKey::Room(room.clone(), room_id.clone())]),
        // The sender is the occupant (the nick), not the room.
        None => message.id.as_deref().is_some_and(|id| {
            message.from.as_ref().is_some_and(|from| {
                state
                    .chats
                    .is_redelivery(from, id, &[nick.as_str(), body.as_str()])
            })
        }),
    };
    // Our own line back as history (a rejoin, the room's archive): its
    // origin-id is the id we sent it with.
    let repeat = repeat
        || (own
            && message.origin_id.as_deref().is_some_and(|sent| {
                state
                    .chats
                    .find_room(&room, None)
                    .and_then(|c| state.chats.get(c))
                    .is_some_and(|c| {
                        c.lines.iter().any(|l| {
                            l.direction == Direction::Outgoing && l.id.as_deref() == Some(sent)
                        })
                    })
            }));
    if repeat {
        tracing::debug!(%room, "a room message seen before was dropped");
        return;
    }
    let direction = if own {
        Direction::Outgoing
    } else {
        Direction::Incoming
    };
    let conversation = state.chats.room(&room);
    let mut line = ChatLine::new(direction, MessageType::Groupchat, body.clone(), at);
    line.resource = Some(nick.clone());
    line.id = message.id.clone();
    line.room_id = room_id.clone();
    let seq = state.chats.push_line(conversation, line);
    if history || own {
        // History is not news (MUC-21), nor is what we said.
        state.chats.mark_read_one(conversation);
    }
    let mentioned = !history && !own && super::mention::mentions(&body, &our_nick);
    if mentioned && let Some(c) = state.chats.get_mut(conversation) {
        c.mentions += 1;
    }
    effects.push(Effect::Record(Record {
        peer: room.clone(),
        resource: Some(nick.clone()),
        thread: message.thread.as_ref().map(|t| t.id.clone()),
        kind: MessageType::Groupchat,
        subject: None,
        body: body.clone(),
        stanza_id: message.id.clone(),
        direction,
        origin_id: message.origin_id.clone(),
        archive_id: None,
        at,
        line: seq.map(|seq| (conversation, seq)),
        edited: false,
        room_id: room_id.clone(),
    }));
    let Some(from) = message.from.as_ref() else {
        return;
    };
    if mentioned {
        attention::on_mention(state, conversation, from, &body, effects);
    }
    let action = attention::action_text(state, from, MessageType::Groupchat, None, &body);
    effects.push(Effect::Emit(Event::Message {
        from: from.to_string(),
        kind: MessageType::Groupchat.to_string(),
        thread: message.thread.as_ref().map(|t| t.id.clone()),
        subject: None,
        body,
        action,
    }));
}

/// MUC-10, MUC-19: the subject; its first arrival completes the join.
fn on_subject(
    state: &mut State,
    room: &BareJid,
    nick: Option<String>,
    subject: String,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let completes = matches!(entry.phase, JoinPhase::Joining { .. });
    entry.subject = Some(subject.clone()).filter(|s| !s.is_empty());
    entry.subject_by = nick.clone();
    if completes {
        entry.phase = JoinPhase::Joined;
        let our_nick = entry.nick.clone();
        let occupants = entry.occupants.len() + entry.occupants.overflow;
        // MUC-45: a room we are configuring stays closed to others until the
        // form is submitted; the join itself is done, so a script goes on to
        // its `/configure` line.
        let closed = if entry.awaiting_configuration && entry.configure_on_create {
            "; it stays closed to others until you submit its configuration"
        } else {
            ""
        };
        let report = entry.join_report.take();
        let text = format!("you joined as {our_nick}; {occupants} here");
        notice(state, room, text, at);
        let continued = super::continuation::on_joined(state, room, at, effects)
            .map(|done| format!("; {done}"))
            .unwrap_or_default();
        if let Some((tag, label)) = report {
            crate::app::dispatch::report(
                state,
                tag,
                label,
                Outcome::Done(format!(
                    "joined {room} as {our_nick} ({occupants} here){closed}{continued}"
                )),
                effects,
            );
        }
        super::history::on_joined(state, room, effects);
        effects.push(Effect::Emit(Event::RoomJoined {
            room: room.to_string(),
            nick: our_nick,
            occupants,
        }));
    }
    let text = match (&nick, subject.is_empty(), completes) {
        (_, true, true) => None,
        (_, false, true) => Some(format!("subject: {subject}")),
        (Some(nick), true, false) => Some(format!("{nick} cleared the subject")),
        (None, true, false) => Some("the subject was cleared".to_owned()),
        (Some(nick), false, false) => Some(format!("{nick} set the subject: {subject}")),
        (None, false, false) => Some(format!("the subject is now: {subject}")),
    };
    if let Some(text) = text {
        notice(state, room, text, at);
    }
    if !(completes && subject.is_empty()) {
        effects.push(Effect::Emit(Event::RoomSubject {
            room: room.to_string(),
            nick,
            subject,
        }));
    }
}

/// MUC-29: a room notice by status code.
fn on_room_notice(
    state: &mut State,
    room: &BareJid,
    user: &MucUser,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let mut texts = Vec::new();
    for status in &user.statuses {
        let text = match *status {
            Status::CONFIG_CHANGED => {
                effects.push(Effect::Request {
                    query: Query::RoomInfo(room.clone()),
                    purpose: Purpose::RoomInfo { room: room.clone() },
                });
                "the room's configuration changed"
            }
            Status::LOGGED => {
                entry.flags.logged = true;
                "the room is now logged publicly"
            }
            Status::NOT_LOGGED => {
                entry.flags.logged = false;
                "the room is no longer logged publicly"
            }
            Status::NON_ANONYMOUS | Status::NOW_NON_ANONYMOUS => {
                entry.flags.non_anonymous = true;
                "the room is now non-anonymous: every occupant can see your full JID"
            }
            Status::NOW_SEMI_ANONYMOUS => {
                entry.flags.non_anonymous = false;
                "the room is now semi-anonymous: only moderators see your full JID"
            }
            Status::SHOWS_UNAVAILABLE => "the room now shows unavailable members",
            Status::HIDES_UNAVAILABLE => "the room no longer shows unavailable members",
            _ => continue,
        };
        texts.push(text.to_owned());
    }
    for text in texts {
        tell(state, room, text, at, effects);
    }
}

/// MUC-18: a room refused one of our messages (or our subject).
fn on_message_error(
    state: &mut State,
    room: &BareJid,
    message: &Message,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let error = message.error.clone().unwrap_or_else(StanzaError::undefined);
    let from = Jid::from(room.clone());
    let matched = message
        .id
        .as_deref()
        .and_then(|id| state.chats.attach_error(id, &from, error.clone()));
    if let (Some(id), Some(_)) = (&message.id, matched) {
        effects.push(Effect::RecordError {
            id: id.clone(),
            error: error.to_string(),
        });
    }
    if let (Some(id), Some(entry)) = (&message.id, state.rooms.get_mut(room)) {
        entry.awaiting_reflection.retain(|a| a != id);
    }
    let text = match error.condition {
        StanzaCondition::Forbidden if !message.subjects.is_empty() => {
            format!("you may not change the subject of {room}")
        }
        StanzaCondition::Forbidden => {
            format!("you have no voice in {room}: a moderator must give it to you")
        }
        StanzaCondition::NotAcceptable => format!("you are no longer in {room}"),
        _ => format!("{room} refused the message ({error})"),
    };
    notice(state, room, text.clone(), at);
    effects.push(Effect::Emit(Event::RoomError {
        room: room.to_string(),
        error: error.condition.to_string(),
        text,
    }));
    // MUC-18, MUC-58: the room dropped us: back in, with what was missed.
    if error.condition == StanzaCondition::NotAcceptable {
        super::rejoin::rejoin(state, room, at, effects);
    }
}

/// MUC-23: a private message from (or an error about one to) `nick` in
/// `room`.
pub fn on_private(
    state: &mut State,
    room: BareJid,
    nick: String,
    message: Message,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    file_private(state, room, nick, message, at, None, effects);
}

/// MUC-23, MAM-15: a private message in a room from our own archive's
/// catch-up (`archive_id` is its id there): filed and recorded like a live
/// one, without a notification.
pub fn on_archived_private(
    state: &mut State,
    room: BareJid,
    nick: String,
    message: Message,
    at: i64,
    archive_id: String,
    effects: &mut Vec<Effect>,
) {
    file_private(state, room, nick, message, at, Some(archive_id), effects);
}

fn file_private(
    state: &mut State,
    room: BareJid,
    nick: String,
    message: Message,
    at: i64,
    archive_id: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let live = archive_id.is_none();
    let Some(from) = message.from.clone() else {
        return;
    };
    if message.kind == MessageType::Error {
        let error = message.error.clone().unwrap_or_else(StanzaError::undefined);
        if let Some(id) = &message.id
            && state.chats.attach_error(id, &from, error.clone()).is_some()
        {
            effects.push(Effect::RecordError {
                id: id.clone(),
                error: error.to_string(),
            });
        }
        let text = match error.condition {
            StanzaCondition::ItemNotFound => format!("{nick} is not in {room}"),
            StanzaCondition::NotAcceptable => format!("you are not in {room}"),
            _ => format!("{room}/{nick} did not get the message ({error})"),
        };
        let conversation = state.chats.private(&room, &nick);
        let mut line = ChatLine::new(Direction::Incoming, MessageType::Chat, text.clone(), at);
        line.notice = true;
        state.chats.push_line(conversation, line);
        state.chats.mark_read_one(conversation);
        effects.push(Effect::Emit(Event::MessageError {
            from: from.to_string(),
            id: message.id.clone(),
            error: error.to_string(),
        }));
        return;
    }
    let Some(body) = message
        .body(&state.prefs.language)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
    else {
        return;
    };
    if let Some(id) = &message.id
        && state
            .chats
            .is_redelivery(&from, id, &[nick.as_str(), body.as_str()])
    {
        return;
    }
    let conversation = state.chats.private(&room, &nick);
    let mut line = ChatLine::new(Direction::Incoming, message.kind, body.clone(), at);
    line.resource = Some(nick.clone());
    line.id = message.id.clone();
    let seq = state.chats.push_line(conversation, line);
    effects.push(Effect::Record(Record {
        peer: room.clone(),
        resource: Some(nick),
        thread: message.thread.as_ref().map(|t| t.id.clone()),
        kind: message.kind,
        subject: None,
        body: body.clone(),
        stanza_id: message.id.clone(),
        direction: Direction::Incoming,
        origin_id: message.origin_id.clone(),
        archive_id,
        at,
        line: seq.map(|seq| (conversation, seq)),
        edited: false,
        room_id: None,
    }));
    if live {
        attention::on_incoming(state, conversation, &from, message.kind, &body, effects);
    }
    effects.push(Effect::Emit(Event::Message {
        from: from.to_string(),
        kind: message.kind.to_string(),
        thread: message.thread.as_ref().map(|t| t.id.clone()),
        subject: None,
        body,
        action: None,
    }));
}

/// MUC-23, CARBONS-05, CARBONS-06: a copy of a private message in a room
/// that another of our devices received (an incoming line) or sent (ours).
pub fn on_private_carbon(
    state: &mut State,
    room: BareJid,
    nick: String,
    direction: crate::xmpp::stanza::carbons::Direction,
    message: Message,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    use crate::xmpp::stanza::carbons::Direction as Copy;
    if direction == Copy::Received {
        on_private(state, room, nick, message, at, effects);
        return;
    }
    let Some(body) = message
        .body(&state.prefs.language)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
    else {
        return;
    };
    let conversation = state.chats.private(&room, &nick);
    let mut line = ChatLine::new(Direction::Outgoing, message.kind, body.clone(), at);
    line.id = message.id.clone();
    let seq = state.chats.push_line(conversation, line);
    effects.push(Effect::Record(Record {
        peer: room.clone(),
        resource: Some(nick.clone()),
        thread: message.thread.as_ref().map(|t| t.id.clone()),
        kind: message.kind,
        subject: None,
        body: body.clone(),
        stanza_id: message.id.clone(),
        direction: Direction::Outgoing,
        origin_id: message.origin_id.clone(),
        archive_id: None,
        at,
        line: seq.map(|seq| (conversation, seq)),
        edited: false,
        room_id: None,
    }));
    effects.push(Effect::Emit(Event::Carbon {
        direction: "sent".to_owned(),
        from: message
            .from
            .as_ref()
            .map(Jid::to_string)
            .unwrap_or_default(),
        to: format!("{room}/{nick}"),
        kind: message.kind.to_string(),
        thread: message.thread.as_ref().map(|t| t.id.clone()),
        subject: None,
        body,
    }));
}

/// MUC-03: the room's features; the join goes ahead either way.
pub fn on_room_info(
    state: &mut State,
    room: BareJid,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = state.rooms.get_mut(&room) else {
        return;
    };
    match result {
        Ok(Answer::Features(features)) => {
            let logged = entry.flags.logged;
            entry.flags = super::RoomFlags::from_features(&features);
            entry.flags.logged = logged;
        }
        Ok(_) => entry.flags.known = true,
        // item-not-found: a new room, created by the join (MUC-45).
        Err(error) => {
            tracing::debug!(%room, %error, "no disco#info for the room");
            entry.flags.known = true;
        }
    }
    if let Some((tag, label, done)) = entry.configured_report.take() {
        crate::app::dispatch::report(state, tag, label, Outcome::Done(done), effects);
    }
    super::send_join(state, &room, effects);
}

/// MUC-06: the nick the room reserves for us, asked because the user
/// typed none. A reserved nick replaces the default one; no answer, an
/// error or an unusable name leaves the default. The join goes out once
/// the room's disco#info is in too.
pub fn on_reserved_nick(
    state: &mut State,
    room: BareJid,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let Some(entry) = state.rooms.get_mut(&room) else {
        return;
    };
    if !entry.awaiting_reserved_nick || entry.phase != (JoinPhase::Joining { sent: false }) {
        return;
    }
    entry.awaiting_reserved_nick = false;
    match result {
        Ok(Answer::ReservedNick(Some(nick)))
            if crate::xmpp::stanza::muc::join::check_nick(&nick).is_ok()
                && room.with_resource_str(&nick).is_ok() =>
        {
            tracing::debug!(%room, "joining with the nick the room reserves (MUC-06)");
            entry.nick = nick;
        }
        Ok(_) => {}
        Err(error) => tracing::debug!(%room, %error, "no reserved nick"),
    }
    if entry.flags.known {
        super::send_join(state, &room, effects);
    }
}

/// MUC-45: the instant room is configured (or refused).
pub fn on_instant_room(
    state: &mut State,
    room: BareJid,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let clock = state.rooms.clock;
    let Some(entry) = state.rooms.get_mut(&room) else {
        return;
    };
    entry.awaiting_configuration = false;
    // Replies carry no time: the rooms' clock dates the line.
    let at = clock.max(entry.since);
    if let Err(error) = result {
        tell(
            state,
            &room,
            format!("the room could not be opened with the default configuration: {error}"),
            at,
            effects,
        );
    }
}

/// The clock: joins that waited [`INFO_WAIT_SECS`] for disco#info go
/// ahead; leaves the room did not answer in [`LEAVE_TIMEOUT_SECS`] end.
pub fn on_tick(state: &mut State, at_ms: i64, effects: &mut Vec<Effect>) {
    let now = at_ms / 1000;
    let mut due_joins = Vec::new();
    let mut due_leaves = Vec::new();
    for room in state.rooms.iter() {
        match room.phase {
            JoinPhase::Joining { sent: false } if now >= room.since + INFO_WAIT_SECS => {
                due_joins.push(room.jid.clone())
            }
            JoinPhase::Leaving { since } if now >= since + LEAVE_TIMEOUT_SECS => {
                due_leaves.push(room.jid.clone())
            }
            _ => {}
        }
    }
    for room in due_joins {
        if let Some(entry) = state.rooms.get_mut(&room) {
            entry.awaiting_reserved_nick = false;
        }
        super::send_join(state, &room, effects);
    }
    for room in due_leaves {
        leave_done(state, &room, Exit::Left, now, effects);
    }
    super::self_ping::on_tick(state, now, effects);
}

/// When [`on_tick`] next has something to do, in Unix milliseconds.
pub fn next_deadline(state: &State) -> Option<i64> {
    state
        .rooms
        .iter()
        .filter_map(|room| match room.phase {
            JoinPhase::Joining { sent: false } => Some(room.since + INFO_WAIT_SECS),
            JoinPhase::Leaving { since } => Some(since + LEAVE_TIMEOUT_SECS),
            _ => None,
        })
        .chain(super::self_ping::next_deadline(state))
        .min()
        .map(|secs| secs * 1000)
}

/// The session ended without resuming: every room is left (the server
/// told the rooms). Rejoining is for the one who brings rooms back.
pub fn on_session_lost(state: &mut State, at: i64, effects: &mut Vec<Effect>) {
    let present: Vec<BareJid> = state
        .rooms
        .iter()
        .filter(|r| r.phase.is_present())
        .map(|r| r.jid.clone())
        .collect();
    for room in present {
        leave_done(state, &room, Exit::Disconnected, at, effects);
    }
}

/// Whether plain text may go to conversation `id`: a room's only while we
/// are in it.
pub fn may_send(state: &State, id: ConversationId) -> Result<(), String> {
    match super::room_of(state, id) {
        Some((room, _)) if !state.rooms.is_present(&room) => {
            Err(format!("you are not in {room}: /join {room} first"))
        }
        _ => Ok(()),
    }
}

/// A message composed in a room's conversation waits for its reflection
/// (MUC-17); one to an occupant carries the empty muc#user `<x/>` (MUC-22).
pub fn on_compose(state: &mut State, id: ConversationId, message: &mut Message) {
    match super::room_of(state, id) {
        Some((room, None)) => {
            if let (Some(entry), Some(sent)) = (state.rooms.get_mut(&room), &message.origin_id) {
                if entry.awaiting_reflection.len() >= super::MAX_AWAITING_REFLECTION {
                    entry.awaiting_reflection.pop_front();
                }
                entry.awaiting_reflection.push_back(sent.clone());
            }
        }
        Some((_, Some(_))) => message.muc = Some(MucUser::default()),
        None => {}
    }
}

/// MUC-24: our new show and status reach every room we are in (servers do
/// not forward broadcast presence to rooms): to our occupant JID, without
/// the join `<x/>`.
pub fn share_presence(state: &State, effects: &mut Vec<Effect>) {
    for room in state.rooms.iter() {
        if room.phase != JoinPhase::Joined {
            continue;
        }
        let Some(to) = room.occupant_jid(&room.nick) else {
            continue;
        };
        let mut presence = state.own.to_presence();
        presence.priority = 0;
        presence.to = Some(Jid::from(to));
        effects.push(Effect::SendPresence(presence));
    }
}

/// Lines read from the history for a room's conversation: the history
/// keeps a room's lines and its private messages under the room, so a
/// room's window takes its groupchat lines and a private conversation
/// those with its nick.
pub fn history_lines(
    state: &State,
    conversation: ConversationId,
    lines: Vec<ChatLine>,
) -> Vec<ChatLine> {
    match super::room_of(state, conversation) {
        None => lines,
        Some((_, None)) => lines
            .into_iter()
            .filter(|l| l.kind == MessageType::Groupchat)
            .collect(),
        Some((_, Some(nick))) => lines
            .into_iter()
            .filter(|l| l.kind != MessageType::Groupchat && l.resource.as_deref() == Some(&nick))
            .collect(),
    }
}
