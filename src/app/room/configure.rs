//! Room configuration by its owner (XEP-0045 §10.2, MUC-41, MUC-42):
//! `/configure [--room ROOM] [KEY=VALUE …]`.
//!
//! The room's muc#owner form is fetched; without changes its fields are
//! listed (name, type, value), with them the named fields are set and the
//! whole form goes back submitted, hidden `FORM_TYPE` included. The common
//! fields have short names ([`COMMON`], MUC-42); any other field is named
//! by its `var`. A change naming a field the form lacks fails before
//! anything is sent. Booleans take 1/0, yes/no, true/false or on/off.

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

/// Where a `/configure` stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub room: BareJid,
    /// (var, value) changes asked; empty to list the form.
    pub changes: Vec<(String, String)>,
    /// The form went back; the answer is the result.
    pub submitted: bool,
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
    let affiliation = entry.occupants.get(&entry.nick).map(|me| me.affiliation);
    if affiliation.is_some_and(|a| a != Affiliation::Owner) {
        return Outcome::Failed(format!("only owners may configure {room}"));
    }
    let changes = changes
        .into_iter()
        .map(|(key, value)| (var_of(&key), value))
        .collect();
    effects.push(Effect::Request {
        query: Query::RoomConfigForm(room.clone()),
        purpose: Purpose::RoomConfig {
            tag,
            label: label.to_owned(),
            pending: Pending {
                room,
                changes,
                submitted: false,
            },
        },
    });
    Outcome::Pending
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
    let outcome = match (result, pending.submitted) {
        (Err(error), _) => Outcome::Failed(match &error {
            RequestError::Stanza(e) if e.condition == StanzaCondition::Forbidden => {
                format!("only owners may configure {room}")
            }
            _ => format!("{room} refused: {error}"),
        }),
        (Ok(_), true) => Outcome::Done(format!("{room} is configured")),
        (Ok(Answer::Form(form)), false) if pending.changes.is_empty() => {
            effects.push(Effect::Emit(Event::Info {
                text: listing(&room, &form),
            }));
            Outcome::Done(String::new())
        }
        (Ok(Answer::Form(mut form)), false) => {
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
                                submitted: true,
                                ..pending
                            },
                        },
                    });
                    return;
                }
                Err(why) => Outcome::Failed(why),
            }
        }
        (Ok(_), false) => Outcome::Failed(format!("{room} sent no configuration form")),
    };
    report(state, tag, label, outcome, effects);
}
