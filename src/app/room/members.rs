//! A room's affiliation and role lists (XEP-0045 §9.5, §10.5; MUC-35,
//! MUC-39): `/members [--room ROOM] AFFILIATION|ROLE`.
//!
//! One muc#admin get names one affiliation (`owner`, `admin`, `member`,
//! `outcast`) or role (`moderator`, `participant`); the answer is shown as
//! one listing, a line per entry (the bare JID or nick, and the reason the
//! room keeps, sanitised), and a refusal in words the user can act on
//! (`forbidden`: the room shows that list only to those above us). The
//! room need not be joined: a members list is asked before entering a
//! members-only room. Imports nothing from `ui`.

use jid::BareJid;

use crate::app::dispatch::{Outcome, report};
use crate::app::event::Event;
use crate::app::{Effect, Purpose, State};
use crate::sanitize::one_line;
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::muc::Item;
use crate::xmpp::stanza::muc::admin::ListKind;

/// What a sent list request was, for its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub room: BareJid,
    pub kind: ListKind,
}

/// Asks `room` (else the current window's) for one list.
pub fn fetch(
    state: &mut State,
    tag: u64,
    label: &str,
    room: Option<BareJid>,
    kind: ListKind,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let room = match super::moderation::current_room(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    effects.push(Effect::Request {
        query: Query::RoomList {
            room: room.clone(),
            kind,
        },
        purpose: Purpose::RoomList {
            tag,
            label: label.to_owned(),
            pending: Pending { room, kind },
        },
    });
    Outcome::Pending
}

/// The room answered: the list as one listing, or why not.
pub fn on_reply(
    state: &mut State,
    tag: u64,
    label: String,
    pending: Pending,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let outcome = match result {
        Ok(Answer::RoomList(items)) => {
            let count = items.len();
            if count > 0 {
                effects.push(Effect::Emit(Event::Info {
                    text: listing(&pending, &items),
                }));
            }
            Outcome::Done(summary(&pending, count))
        }
        Ok(_) => Outcome::Failed(format!("{} sent no list", pending.room)),
        Err(error) => Outcome::Failed(explain(&pending, &error)),
    };
    report(state, tag, label, outcome, effects);
}

/// The plural naming the list's entries: "members", "outcasts".
fn plural(kind: ListKind) -> String {
    format!("{kind}s")
}

/// "3 members of room@…", "no outcasts in room@…".
fn summary(pending: &Pending, count: usize) -> String {
    let room = &pending.room;
    let what = plural(pending.kind);
    match count {
        0 => format!("no {what} in {room}"),
        1 => format!("1 {} in {room}", pending.kind),
        n => format!("{n} {what} in {room}"),
    }
}

/// A header and one line per entry: who (bare JID, else nick), their nick
/// beside a JID, and the reason the room keeps.
pub fn listing(pending: &Pending, items: &[Item]) -> String {
    let mut text = format!("{} of {}:", plural(pending.kind), pending.room);
    for item in items {
        let jid = item.jid.as_ref().map(|jid| jid.to_bare().to_string());
        let nick = item.nick.as_deref().map(one_line);
        let who = match (jid, nick) {
            (Some(jid), Some(nick)) => format!("{jid} ({nick})"),
            (Some(jid), None) => jid,
            (None, Some(nick)) => nick,
            (None, None) => "(unnamed)".to_owned(),
        };
        text.push_str("\n  ");
        text.push_str(&who);
        if let Some(reason) = item.reason.as_deref().map(one_line)
            && !reason.trim().is_empty()
        {
            text.push_str(" — ");
            text.push_str(reason.trim());
        }
    }
    text
}

/// A refused list in words the user can act on.
pub fn explain(pending: &Pending, error: &RequestError) -> String {
    let RequestError::Stanza(error) = error else {
        return error.to_string();
    };
    let room = &pending.room;
    let what = plural(pending.kind);
    let why = match error.condition {
        StanzaCondition::Forbidden | StanzaCondition::NotAllowed => format!(
            "{room} shows its {what} only to those allowed to see them (usually admins and owners)"
        ),
        StanzaCondition::ItemNotFound => format!("{room} does not exist"),
        StanzaCondition::BadRequest => format!("{room} did not understand the request"),
        StanzaCondition::ServiceUnavailable | StanzaCondition::FeatureNotImplemented => {
            format!("{room} does not give out its {what}")
        }
        _ => format!("{room} refused ({})", error.condition),
    };
    match error.text.as_deref().map(one_line) {
        Some(text) if !text.trim().is_empty() => format!("{why}: {}", text.trim()),
        _ => why,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::error::{ErrorType, StanzaError};
    use crate::xmpp::stanza::muc::Affiliation;

    fn pending() -> Pending {
        Pending {
            room: BareJid::new("verona@conference.example.com").unwrap(),
            kind: ListKind::Affiliation(Affiliation::Outcast),
        }
    }

    /// MUC-39: each entry shows its JID and the reason, sanitised.
    #[test]
    fn listing_shows_jid_and_reason() {
        let items = vec![
            Item {
                jid: Some(jid::Jid::new("tybalt@example.com").unwrap()),
                reason: Some("brawling\x1b[31m".into()),
                ..Item::default()
            },
            Item {
                nick: Some("nurse".into()),
                ..Item::default()
            },
        ];
        let text = listing(&pending(), &items);
        assert!(text.starts_with("outcasts of verona@conference.example.com:"));
        assert!(text.contains("\n  tybalt@example.com — brawling"));
        assert!(!text.contains('\x1b'));
        assert!(text.contains("\n  nurse"));
        assert_eq!(
            summary(&pending(), 0),
            "no outcasts in verona@conference.example.com"
        );
    }

    /// MUC-35: `forbidden` says the list is not ours to see.
    #[test]
    fn forbidden_is_explained() {
        let error = RequestError::Stanza(StanzaError::new(
            ErrorType::Auth,
            StanzaCondition::Forbidden,
        ));
        let why = explain(&pending(), &error);
        assert!(why.contains("only to those allowed"), "{why}");
    }
}
