//! `/register ROOM [NICK]` (XEP-0045 §7.10, MUC-33): registering a nick
//! with a room, often how one becomes a member.
//!
//! Two steps, one typed [`Query`] each: the room's registration form is
//! asked for (a room that answers `<registered/>` has us already); the
//! form goes back with `muc#register_roomnick` set to NICK (else our
//! default nick) and its other fields as the room filled them. The
//! result is the command's; a refusal is explained by [`explain`]. The
//! room need not be joined. Imports nothing from `ui`.

use jid::BareJid;

use crate::app::dispatch::{Outcome, report};
use crate::app::{Effect, Purpose, State};
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::muc::register::Registration;

/// A registration under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub room: BareJid,
    pub nick: String,
    /// The form was sent: the next answer is the registration's.
    pub submitted: bool,
}

/// Starts `/register ROOM [NICK]`.
pub fn register(
    state: &mut State,
    tag: u64,
    label: &str,
    room: BareJid,
    nick: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let Some(nick) = nick
        .filter(|n| !n.is_empty())
        .or_else(|| super::command::default_nick(state))
    else {
        return Outcome::Failed(format!("give a nick: /register {room} NICK"));
    };
    if room.with_resource_str(&nick).is_err() {
        return Outcome::Failed(format!("{nick:?} cannot be a nick"));
    }
    effects.push(Effect::Request {
        query: Query::RoomRegisterForm(room.clone()),
        purpose: Purpose::RoomRegister {
            tag,
            label: label.to_owned(),
            pending: Pending {
                room,
                nick,
                submitted: false,
            },
        },
    });
    Outcome::Pending
}

/// The room answered a step.
pub fn on_reply(
    state: &mut State,
    tag: u64,
    label: String,
    pending: Pending,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let room = pending.room.clone();
    let outcome = match result {
        Err(error) => Outcome::Failed(explain(&pending, &error)),
        Ok(_) if pending.submitted => Outcome::Done(format!(
            "registered with {room} as {}",
            crate::sanitize::one_line(&pending.nick)
        )),
        Ok(Answer::RoomRegistration(Registration::Registered)) => {
            Outcome::Done(format!("you are registered with {room} already"))
        }
        Ok(Answer::RoomRegistration(Registration::Form(form))) => {
            effects.push(Effect::Request {
                query: Query::RoomRegister {
                    room,
                    form,
                    nick: pending.nick.clone(),
                },
                purpose: Purpose::RoomRegister {
                    tag,
                    label,
                    pending: Pending {
                        submitted: true,
                        ..pending
                    },
                },
            });
            return;
        }
        Ok(_) => Outcome::Failed(format!("{room} offers no registration form")),
    };
    report(state, tag, label, outcome, effects);
}

/// Why a room refused a registration step.
pub fn explain(pending: &Pending, error: &RequestError) -> String {
    let RequestError::Stanza(error) = error else {
        return error.to_string();
    };
    let room = &pending.room;
    let nick = crate::sanitize::one_line(&pending.nick);
    match error.condition {
        StanzaCondition::Conflict => {
            format!("the nick {nick} is registered with {room} by someone else: try another")
        }
        StanzaCondition::NotAllowed | StanzaCondition::Forbidden => {
            format!("{room} does not let you register")
        }
        StanzaCondition::RegistrationRequired => {
            format!("{room} takes registrations only from its members")
        }
        StanzaCondition::NotAcceptable | StanzaCondition::BadRequest => {
            format!("{room} wants more than a nick to register: its form was not accepted")
        }
        StanzaCondition::ItemNotFound => format!("{room} does not exist"),
        StanzaCondition::ServiceUnavailable | StanzaCondition::FeatureNotImplemented => {
            format!("{room} does not take registrations")
        }
        other => format!("{room} refused the registration ({other})"),
    }
}
