//! Room configuration by its owner (XEP-0045 §10.1, §10.2, MUC-41…43,
//! MUC-45): `/configure [--room ROOM] [KEY=VALUE …|submit|cancel]`.
//!
//! The room's muc#owner form is fetched; without changes its fields are
//! listed (name, type, value), with them the named fields are set and the
//! whole form goes back submitted, hidden `FORM_TYPE` included; `submit`
//! sends it back as it is. The common fields have short names
//! ([`COMMON`], MUC-42); any other field is named by its `var`. A change
//! naming a field the form lacks fails before anything is sent. Booleans
//! take 1/0, yes/no, true/false or on/off.
//!
//! A room created by `/join --configure` (or `[rooms] create =
//! "configure"`) is not opened as an instant room: its form is fetched and
//! listed ([`creation_form`]), and the `/join` completes when the form is
//! submitted. `cancel` sends `<x type='cancel'/>` (MUC-43); during the
//! creation the service then destroys the room (Prosody does).

use jid::BareJid;

use crate::app::dispatch::{Outcome, report};
use crate::app::event::Event;
use crate::app::{Effect, Purpose, State};
use crate::sanitize::one_line;
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::data_form::DataForm;
use crate::xmpp::stanza::muc::Affiliation;

use super::JoinPhase;

/// Short names of the common fields (MUC-42), and the `var` each means.
pub const COMMON: &[(&str, &str)] = &[
    ("name", "muc#roomconfig_roomname"),
    ("desc", "muc#roomconfig_roomdesc"),
    ("persistent", "muc#roomconfig_persistentroom"),
    ("public", "muc#roomconfig_publicroom"),
    ("membersonly", "muc#roomconfig_membersonly"),
    ("moderated", "muc#roomconfig_moderatedroom"),
    ("passwordprotected", "muc#roomconfig_passwordprotectedroom"),
    ("password", "muc#roomconfig_roomsecret"),
    ("whois", "muc#roomconfig_whois"),
    ("allowpm", "muc#roomconfig_allowpm"),
    ("changesubject", "muc#roomconfig_changesubject"),
    ("allowinvites", "muc#roomconfig_allowinvites"),
    ("maxusers", "muc#roomconfig_maxusers"),
];

/// What `/configure` was asked to do, and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Fetch the form: list it, or set the changes and submit it.
    Ask,
    /// Fetch the form and submit it as it is.
    Submit,
    /// Cancel the configuration (MUC-43).
    Cancel,
    /// The form went back; the answer is the result.
    Submitted,
    /// The form of a room we just created, to be listed (MUC-45).
    Creating,
}

/// Where a `/configure` stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub room: BareJid,
    /// (var, value) changes asked; empty to list the form.
    pub changes: Vec<(String, String)>,
    pub step: Step,
}

/// The `var` a typed key means.
fn var_of(key: &str) -> String {
    COMMON
        .iter()
        .find(|(short, _)| short.eq_ignore_ascii_case(key))
        .map_or_else(|| key.to_owned(), |(_, var)| (*var).to_owned())
}

/// `/configure`: asks the room for its form.
pub fn configure(
    state: &mut State,
    tag: u64,
    label: &str,
    room: Option<BareJid>,
    changes: Vec<(String, String)>,
    step: Step,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let room = match super::moderation::current_room(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    let Some(entry) = state
        .rooms
        .get(&room)
        .filter(|r| r.phase == JoinPhase::Joined || r.awaiting_configuration)
    else {
        return Outcome::Failed(format!("you are not in {room}"));
    };
    let affiliation = entry.occupants.get(&entry.nick).map(|me| me.affiliation);
    if affiliation.is_some_and(|a| a != Affiliation::Owner) {
        return Outcome::Failed(format!("only owners may configure {room}"));
    }
    let changes = changes
        .into_iter()
        .map(|(key, value)| (var_of(&key), value))
        .collect();
    let query = if step == Step::Cancel {
        Query::RoomConfigCancel(room.clone())
    } else {
        Query::RoomConfigForm(room.clone())
    };
    effects.push(Effect::Request {
        query,
        purpose: Purpose::RoomConfig {
            tag,
            label: label.to_owned(),
            pending: Pending {
                room,
                changes,
                step,
            },
        },
    });
    Outcome::Pending
}

/// MUC-45: we created `room` and asked to configure it; its form is
/// fetched and listed, the room staying closed until it is submitted.
pub fn creation_form(room: &BareJid, effects: &mut Vec<Effect>) {
    effects.push(Effect::Request {
        query: Query::RoomConfigForm(room.clone()),
        purpose: Purpose::RoomConfig {
            tag: 0,
            label: "/join".to_owned(),
            pending: Pending {
                room: room.clone(),
                changes: Vec::new(),
                step: Step::Creating,
            },
        },
    });
}

/// The room being created was configured (`ok`) or its creation
/// cancelled: the `/join` waiting for it ends.
fn end_creation(state: &mut State, room: &BareJid, ok: bool, effects: &mut Vec<Effect>) {
    let Some(entry) = state
        .rooms
        .get_mut(room)
        .filter(|r| r.awaiting_configuration)
    else {
        return;
    };
    entry.awaiting_configuration = false;
    let nick = entry.nick.clone();
    let occupants = entry.occupants.len() + entry.occupants.overflow;
    if let Some((tag, label)) = entry.join_report.take() {
        let outcome = if ok {
            Outcome::Done(format!(
                "joined {room} as {nick} ({occupants} here); the room is open"
            ))
        } else {
            Outcome::Failed(format!("the creation of {room} is cancelled"))
        };
        report(state, tag, label, outcome, effects);
    }
}

/// Sets `value` on the field `var`, as its type wants.
fn set(form: &mut DataForm, var: &str, value: &str) -> Result<(), String> {
    let Some(field) = form.field_mut(var) else {
        return Err(format!("the room's form has no field {var}"));
    };
    let value = match field.kind.as_deref() {
        Some("boolean") => match value.to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" | "on" => "1".to_owned(),
            "0" | "no" | "false" | "off" => "0".to_owned(),
            _ => return Err(format!("{var} is yes or no, not {value:?}")),
        },
        Some("list-single")
            if !field.options.is_empty() && !field.options.iter().any(|(_, v)| v == value) =>
        {
            let choices = field
                .options
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(format!("{var} is one of {choices}, not {value:?}"));
        }
        _ => value.to_owned(),
    };
    field.values = match field.kind.as_deref() {
        Some("list-multi" | "jid-multi" | "text-multi") => value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => vec![value],
    };
    Ok(())
}

/// One line per field: its var, type and value(s).
fn listing(room: &BareJid, form: &DataForm) -> String {
    let mut lines = vec![format!("{room} configuration:")];
    for field in &form.fields {
        let (Some(var), kind) = (&field.var, field.kind.as_deref().unwrap_or("text-single")) else {
            continue;
        };
        if kind == "hidden" || kind == "fixed" {
            continue;
        }
        let short = COMMON
            .iter()
            .find(|(_, v)| v == var)
            .map_or(var.as_str(), |(short, _)| short);
        let value = if kind == "text-private" {
            "…".to_owned()
        } else {
            field.values.join(", ")
        };
        lines.push(one_line(&format!("  {short} ({kind}) = {value}")));
    }
    lines.join("\n")
}

/// The room answered a step of `/configure`.
pub fn on_reply(
    state: &mut State,
    tag: u64,
    label: String,
    pending: Pending,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let room = pending.room.clone();
    let creating = state
        .rooms
        .get(&room)
        .is_some_and(|r| r.awaiting_configuration);
    if pending.step == Step::Creating {
        let text = match result {
            Ok(Answer::Form(form)) => format!(
                "{}\nthe room stays closed to others until you submit it: \
                 /configure KEY=VALUE… or /configure submit; /configure cancel destroys it",
                listing(&room, &form)
            ),
            Ok(_) => format!("{room} sent no configuration form: /configure submit opens it"),
            Err(error) => format!(
                "{room} did not send its configuration form ({error}): \
                 /configure submit opens it"
            ),
        };
        effects.push(Effect::Emit(Event::Info { text }));
        return;
    }
    let outcome = match (result, pending.step) {
        (Err(error), _) => Outcome::Failed(match &error {
            RequestError::Stanza(e) if e.condition == StanzaCondition::Forbidden => {
                format!("only owners may configure {room}")
            }
            _ => format!("{room} refused: {error}"),
        }),
        (Ok(_), Step::Submitted) => {
            end_creation(state, &room, true, effects);
            // The room's flags (members-only, password…) follow the form:
            // the result waits for them.
            effects.push(Effect::Request {
                query: Query::RoomInfo(room.clone()),
                purpose: Purpose::RoomInfo { room: room.clone() },
            });
            let done = format!("{room} is configured");
            match state.rooms.get_mut(&room) {
                Some(entry) => {
                    entry.configured_report = Some((tag, label, done));
                    return;
                }
                None => Outcome::Done(done),
            }
        }
        (Ok(_), Step::Cancel) => {
            end_creation(state, &room, false, effects);
            Outcome::Done(if creating {
                format!("the creation of {room} is cancelled: the service destroys the room")
            } else {
                format!("the configuration of {room} is left as it was")
            })
        }
        (Ok(Answer::Form(form)), _) if pending.changes.is_empty() && pending.step == Step::Ask => {
            effects.push(Effect::Emit(Event::Info {
                text: listing(&room, &form),
            }));
            Outcome::Done(String::new())
        }
        (Ok(Answer::Form(mut form)), _) => {
            match pending
                .changes
                .iter()
                .try_for_each(|(var, value)| set(&mut form, var, value))
            {
                Ok(()) => {
                    effects.push(Effect::Request {
                        query: Query::RoomConfigure {
                            room: room.clone(),
                            form,
                        },
                        purpose: Purpose::RoomConfig {
                            tag,
                            label,
                            pending: Pending {
                                step: Step::Submitted,
                                ..pending
                            },
                        },
                    });
                    return;
                }
                Err(why) => Outcome::Failed(why),
            }
        }
        (Ok(_), _) => Outcome::Failed(format!("{room} sent no configuration form")),
    };
    report(state, tag, label, outcome, effects);
}
