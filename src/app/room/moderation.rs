//! Moderation (XEP-0045 §8…§10): `/kick`, `/ban`, `/voice`, `/devoice`,
//! `/role`, `/affiliation` and `/destroy` in a room we are in.
//!
//! Each command is checked first against our own role and affiliation
//! where XEP-0045 leaves no doubt (only moderators change roles, only
//! admins and owners change affiliations, only owners grant admin or owner
//! or destroy the room, nobody acts on someone of a higher affiliation),
//! so the user learns why at once; then it goes to the room as one typed
//! [`Query`] (a muc#admin or muc#owner set) and its result is reported
//! when the room answers, a refusal explained by [`explain`]. What the
//! change does to occupants arrives as the room's presence and becomes
//! room lines in [`super::update`] (MUC-40). Imports nothing from `ui`.

use jid::BareJid;

use crate::app::command::{Moderation, Target};
use crate::app::dispatch::{Outcome, report};
use crate::app::{Effect, Purpose, State};
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::muc::admin::AdminItem;
use crate::xmpp::stanza::muc::{Affiliation, Destroy, Role};

use super::JoinPhase;

/// What a sent moderation request was, for its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub room: BareJid,
    /// Whom it acts on, as typed (a nick or a JID); empty for `/destroy`.
    pub target: String,
    /// The result's text when the room agrees.
    pub done: String,
    /// `/destroy`: the room is gone once it agrees.
    pub destroys: bool,
    /// When the command was given: replies carry no clock, and a refusal's
    /// room line goes at this time.
    pub at: i64,
}

/// The room a room command acts on: the one named, else the current
/// window's (a private conversation's room too).
pub fn current_room(state: &State, named: Option<BareJid>) -> Result<BareJid, String> {
    named
        .or_else(|| {
            state
                .active
                .and_then(|id| super::room_of(state, id))
                .map(|(room, _)| room)
        })
        .ok_or_else(|| {
            "no room here: name one with --room ROOM, or switch to a room's window".to_owned()
        })
}

/// Runs one moderation command; the result follows the room's answer.
pub fn moderate(
    state: &mut State,
    tag: u64,
    label: &str,
    room: Option<BareJid>,
    order: Moderation,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let voice = matches!(order, Moderation::Voice { .. });
    match plan(state, room, order) {
        Ok((query, mut pending)) => {
            pending.at = at;
            if voice {
                // MUC-37: the role given answers a waiting request.
                state.voice_requests.forget(&pending.room, &pending.target);
            }
            effects.push(Effect::Request {
                query,
                purpose: Purpose::Moderation {
                    tag,
                    label: label.to_owned(),
                    pending,
                },
            });
            Outcome::Pending
        }
        Err(why) => Outcome::Failed(why),
    }
}

/// Our role and affiliation in `room`, as its presence last said.
fn standing(state: &State, room: &BareJid) -> Result<(Role, Affiliation), String> {
    let entry = state
        .rooms
        .get(room)
        .filter(|entry| entry.phase == JoinPhase::Joined)
        .ok_or_else(|| format!("you are not in {room}"))?;
    Ok(entry
        .occupants
        .get(&entry.nick)
        .map(|me| (me.role, me.affiliation))
        .unwrap_or((Role::Participant, Affiliation::None)))
}

/// Whether `a` ranks above `b` (owner > admin > member > none > outcast).
fn outranks(a: Affiliation, b: Affiliation) -> bool {
    a < b
}

/// The query for `order`, or why it cannot be asked.
fn plan(
    state: &State,
    room: Option<BareJid>,
    order: Moderation,
) -> Result<(Query, Pending), String> {
    let room = current_room(state, room)?;
    let (role, affiliation) = standing(state, &room)?;
    let entry = state
        .rooms
        .get(&room)
        .ok_or_else(|| format!("you are not in {room}"))?;
    let own_nick = entry.nick.clone();
    // An occupant's role change: we must be a moderator, the occupant
    // present and not of a higher affiliation than ours (XEP-0045 §8).
    let role_change = |nick: String, new: Role, reason: Option<String>, done: String| {
        if role != Role::Moderator {
            return Err(format!(
                "only moderators may do that in {room}; you are a {role}"
            ));
        }
        let Some(occupant) = entry.occupants.get(&nick) else {
            return Err(format!("nobody is called {nick} in {room}"));
        };
        if nick == own_nick && new == Role::None {
            return Err(format!("you cannot kick yourself: /leave {room}"));
        }
        if outranks(occupant.affiliation, affiliation) {
            return Err(format!(
                "{nick} is {} of {room}, above your {affiliation}: you may not change their role",
                article(occupant.affiliation)
            ));
        }
        let moderator_change = new == Role::Moderator || occupant.role == Role::Moderator;
        if moderator_change
            && nick != own_nick
            && !matches!(affiliation, Affiliation::Owner | Affiliation::Admin)
        {
            return Err(format!(
                "only admins and owners of {room} may grant or take the moderator role"
            ));
        }
        Ok((
            Query::RoomAdmin {
                room: room.clone(),
                item: AdminItem::Role {
                    nick: nick.clone(),
                    role: new,
                    reason,
                },
            },
            Pending {
                room: room.clone(),
                target: nick,
                done,
                destroys: false,
                at: 0,
            },
        ))
    };
    match order {
        Moderation::Kick { nick, reason } => {
            let done = format!("{nick} was kicked from {room}");
            role_change(nick, Role::None, reason, done)
        }
        Moderation::Voice { nick } => {
            let done = format!("{nick} has a voice in {room}");
            role_change(nick, Role::Participant, None, done)
        }
        Moderation::Devoice { nick } => {
            let done = format!("{nick} is a visitor in {room} now");
            role_change(nick, Role::Visitor, None, done)
        }
        Moderation::Role { nick, role: new } => {
            let done = format!("{nick} is a {new} in {room} now");
            role_change(nick, new, None, done)
        }
        Moderation::Ban { target, reason } => affiliation_change(
            state,
            &room,
            affiliation,
            target,
            Affiliation::Outcast,
            reason,
        ),
        Moderation::Affiliation {
            target,
            affiliation: new,
        } => affiliation_change(state, &room, affiliation, target, new, None),
        Moderation::Destroy { reason } => {
            if affiliation != Affiliation::Owner {
                return Err(format!(
                    "only owners may destroy {room}; you are {}",
                    article(affiliation)
                ));
            }
            Ok((
                Query::RoomDestroy {
                    room: room.clone(),
                    destroy: Destroy {
                        jid: None,
                        reason,
                        password: None,
                    },
                },
                Pending {
                    room: room.clone(),
                    target: String::new(),
                    done: format!("{room} is destroyed"),
                    destroys: true,
                    at: 0,
                },
            ))
        }
    }
}

/// An affiliation change by bare JID (MUC-38, MUC-39): a nick is resolved
/// through the occupant's real JID, when the room shows it.
fn affiliation_change(
    state: &State,
    room: &BareJid,
    ours: Affiliation,
    target: Target,
    new: Affiliation,
    reason: Option<String>,
) -> Result<(Query, Pending), String> {
    if !matches!(ours, Affiliation::Owner | Affiliation::Admin) {
        return Err(format!(
            "only admins and owners may change affiliations in {room}; you are {}",
            article(ours)
        ));
    }
    let occupants = state.rooms.get(room).map(|entry| &entry.occupants);
    let (jid, shown) = match target {
        Target::Jid(jid) => (jid.clone(), jid.to_string()),
        Target::Nick(nick) => {
            let Some(occupant) = occupants.and_then(|o| o.get(&nick)) else {
                return Err(format!(
                    "nobody is called {nick} in {room}: give the address instead"
                ));
            };
            let Some(jid) = &occupant.jid else {
                return Err(format!(
                    "{room} does not show {nick}'s address, and a ban or affiliation is by address: give it instead"
                ));
            };
            (jid.to_bare(), nick)
        }
    };
    // The current affiliation, when the user is present.
    let current = occupants.and_then(|o| {
        o.iter()
            .find(|occupant| occupant.jid.as_ref().map(|j| j.to_bare()) == Some(jid.clone()))
            .map(|occupant| occupant.affiliation)
    });
    let touches_top = matches!(new, Affiliation::Owner | Affiliation::Admin)
        || matches!(current, Some(Affiliation::Owner | Affiliation::Admin));
    if touches_top && ours != Affiliation::Owner {
        return Err(format!(
            "only owners of {room} may grant or take the admin and owner affiliations"
        ));
    }
    let done = match new {
        Affiliation::Outcast => format!("{shown} is banned from {room}"),
        other => format!("{shown} is {} of {room} now", article(other)),
    };
    Ok((
        Query::RoomAdmin {
            room: room.clone(),
            item: AdminItem::Affiliation {
                jid,
                affiliation: new,
                reason,
            },
        },
        Pending {
            room: room.clone(),
            target: shown,
            done,
            destroys: false,
            at: 0,
        },
    ))
}

/// "an owner", "a member", "not affiliated".
fn article(affiliation: Affiliation) -> String {
    match affiliation {
        Affiliation::Owner => "an owner".to_owned(),
        Affiliation::Admin => "an admin".to_owned(),
        Affiliation::Member => "a member".to_owned(),
        Affiliation::None => "not affiliated".to_owned(),
        Affiliation::Outcast => "banned".to_owned(),
    }
}

/// The room answered a moderation request.
pub fn on_reply(
    state: &mut State,
    tag: u64,
    label: String,
    pending: Pending,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let outcome = match result {
        Ok(_) if pending.destroys => {
            // MUC-27, MUC-44: a service that sends the destroyer no
            // `unavailable` (ejabberd) still leaves us out of the room.
            if state.rooms.is_present(&pending.room) {
                super::update::leave_done(
                    state,
                    &pending.room,
                    super::Exit::Destroyed {
                        alternative: None,
                        reason: None,
                    },
                    pending.at,
                    effects,
                );
            }
            Outcome::Done(pending.done)
        }
        Ok(_) => Outcome::Done(pending.done),
        Err(error) => {
            let why = explain(&pending, &error);
            super::update::notice(state, &pending.room, format!("{label}: {why}"), pending.at);
            Outcome::Failed(why)
        }
    };
    report(state, tag, label, outcome, effects);
}

/// A room's refusal in words the user can act on.
pub fn explain(pending: &Pending, error: &RequestError) -> String {
    let RequestError::Stanza(error) = error else {
        return error.to_string();
    };
    let room = &pending.room;
    let target = if pending.target.is_empty() {
        "that"
    } else {
        pending.target.as_str()
    };
    let why = match error.condition {
        StanzaCondition::NotAllowed => {
            format!("{room} refused: {target} outranks you, or the room does not allow it")
        }
        StanzaCondition::Forbidden => {
            format!("{room} refused: your role or affiliation does not allow it")
        }
        StanzaCondition::ItemNotFound => format!("{room} knows no {target}"),
        StanzaCondition::Conflict => {
            format!(
                "{room} refused: you cannot do that to yourself, or the room would lose its last owner"
            )
        }
        StanzaCondition::NotAcceptable => format!("{room} says you are not in it"),
        StanzaCondition::BadRequest => format!("{room} did not understand the request"),
        StanzaCondition::ServiceUnavailable | StanzaCondition::FeatureNotImplemented => {
            format!("{room} does not support that")
        }
        _ => format!("{room} refused ({})", error.condition),
    };
    match error.text.as_deref().map(crate::sanitize::one_line) {
        Some(text) if !text.trim().is_empty() => format!("{why}: {}", text.trim()),
        _ => why,
    }
}
