//! Entering a room: the `http://jabber.org/protocol/muc` `<x/>` of the join
//! presence (MUC-07), with the room's `<password/>` (MUC-08) and the
//! `<history/>` limits (MUC-09), and what a refused join means (MUC-13).
//!
//! The presence itself (to `room@service/nick`, with our show and status)
//! is a [`Presence`](crate::xmpp::stanza::presence::Presence) whose
//! `muc_join` field holds a [`Join`].

use super::{ParseError, quoted};
use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::error::{StanzaCondition, StanzaError};
use crate::xmpp::ns;
use crate::xmpp::stanza::delay::Stamp;

/// Longest room password kept or sent.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// How much of the room's recent history to send on join (MUC-09). Every
/// field is optional; a room may ignore them all, so lines are deduped
/// anyway.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub maxchars: Option<u32>,
    pub maxstanzas: Option<u32>,
    pub seconds: Option<u32>,
    /// Only what was said after this (the time of the last line we hold).
    pub since: Option<Stamp>,
}

impl History {
    /// `maxchars='0'`: none at all (the room's archive is read instead,
    /// MAM-14).
    pub fn none() -> History {
        History {
            maxchars: Some(0),
            ..History::default()
        }
    }

    pub fn to_element(&self) -> Element {
        Element::new("history", ns::MUC)
            .with_opt_attr("maxchars", self.maxchars.map(|n| n.to_string()))
            .with_opt_attr("maxstanzas", self.maxstanzas.map(|n| n.to_string()))
            .with_opt_attr("seconds", self.seconds.map(|n| n.to_string()))
            .with_opt_attr("since", self.since.as_ref().map(|s| s.as_str().to_owned()))
    }

    /// Reads a `<history/>`; an attribute that is not a number (or a
    /// date-time, for `since`) is left out.
    pub fn parse(element: &Element) -> History {
        let number = |name: &str| element.attr(name).and_then(|v| v.parse().ok());
        History {
            maxchars: number("maxchars"),
            maxstanzas: number("maxstanzas"),
            seconds: number("seconds"),
            since: element.attr("since").and_then(|s| Stamp::parse(s).ok()),
        }
    }
}

/// The `<x xmlns='http://jabber.org/protocol/muc'/>` of a join presence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Join {
    pub password: Option<String>,
    pub history: Option<History>,
}

impl Join {
    pub fn to_element(&self) -> Element {
        let mut x = Element::new("x", ns::MUC);
        if let Some(history) = &self.history {
            x.push_child(history.to_element());
        }
        if let Some(password) = &self.password {
            x.push_child(Element::new("password", ns::MUC).with_text(password.clone()));
        }
        x
    }

    /// The join `<x/>` of a presence, if it has one.
    pub fn of(stanza: &Element) -> Option<Join> {
        stanza.child("x", ns::MUC).map(|x| Join {
            password: x
                .child("password", ns::MUC)
                .map(|p| cap::cut_owned(p.text(), MAX_PASSWORD_BYTES)),
            history: x.child("history", ns::MUC).map(History::parse),
        })
    }
}

/// Why a room refused us (MUC-13): the presence `type='error'` from the
/// occupant JID we asked for. Each names what the user can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinRefusal {
    /// `not-authorized`: the room has a password; give it.
    PasswordRequired,
    /// `forbidden`: we are banned.
    Banned,
    /// `item-not-found`: no such room, or its creator has not configured
    /// it yet.
    NotFound,
    /// `not-allowed`: the service does not let us create rooms.
    CreationRestricted,
    /// `not-acceptable`: the room wants our reserved nick (MUC-06).
    ReservedNick,
    /// `registration-required`: members only.
    MembersOnly,
    /// `conflict`: the nick is taken.
    NickTaken,
    /// `service-unavailable`: the room is full.
    Full,
    /// `jid-malformed`: no nick, or one the service refuses.
    NickMissing,
    /// Anything else, with the condition the room gave.
    Other(StanzaCondition),
}

impl JoinRefusal {
    pub fn from_error(error: &StanzaError) -> JoinRefusal {
        match error.condition {
            StanzaCondition::NotAuthorized => JoinRefusal::PasswordRequired,
            StanzaCondition::Forbidden => JoinRefusal::Banned,
            StanzaCondition::ItemNotFound => JoinRefusal::NotFound,
            StanzaCondition::NotAllowed => JoinRefusal::CreationRestricted,
            StanzaCondition::NotAcceptable => JoinRefusal::ReservedNick,
            StanzaCondition::RegistrationRequired => JoinRefusal::MembersOnly,
            StanzaCondition::Conflict => JoinRefusal::NickTaken,
            StanzaCondition::ServiceUnavailable => JoinRefusal::Full,
            StanzaCondition::JidMalformed => JoinRefusal::NickMissing,
            other => JoinRefusal::Other(other),
        }
    }
}

/// A nick typed by the user: never empty or only spaces (MUC-07).
pub fn check_nick(nick: &str) -> Result<&str, ParseError> {
    if nick.trim().is_empty() {
        Err(ParseError::Invalid("a nick cannot be empty".into()))
    } else if nick.len() > cap::MAX_NAME_BYTES {
        Err(ParseError::Invalid(format!(
            "nick {:?} is too long",
            quoted(nick)
        )))
    } else {
        Ok(nick)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::error::ErrorType;
    use crate::xmpp::stanza::presence::Presence;
    use crate::xmpp::stanza::test_xml;

    /// MUC-07, MUC-08, MUC-09: the join `<x/>` with a password and
    /// history limits, read back the same.
    #[test]
    fn muc_08_09_join_x() {
        let join = Join {
            password: Some("montague".into()),
            history: Some(History::none()),
        };
        let x = join.to_element();
        assert_eq!(
            x.to_xml(),
            "<x xmlns='http://jabber.org/protocol/muc'><history maxchars='0'/>\
             <password>montague</password></x>"
        );
        let presence = Element::new("presence", ns::CLIENT).with_child(x);
        assert_eq!(Join::of(&presence), Some(join));
        assert_eq!(
            Join::default().to_element().to_xml(),
            "<x xmlns='http://jabber.org/protocol/muc'/>"
        );
        let since = History {
            since: Some(Stamp::parse("2026-01-02T09:00:00Z").unwrap()),
            maxstanzas: Some(20),
            ..History::default()
        };
        assert_eq!(History::parse(&since.to_element()), since);
    }

    /// MUC-13: the checklist's refusal, and each condition's meaning.
    #[test]
    fn muc_13_refusals() {
        let p = Presence::parse(&test_xml::parse(
            "<presence from='verona@conference.example.com/juliet' type='error'>\
             <x xmlns='http://jabber.org/protocol/muc'/><error type='auth'>\
             <registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
        ))
        .unwrap();
        assert_eq!(
            JoinRefusal::from_error(p.error.as_ref().unwrap()),
            JoinRefusal::MembersOnly
        );
        let of = |c| JoinRefusal::from_error(&StanzaError::new(ErrorType::Cancel, c));
        assert_eq!(of(StanzaCondition::Conflict), JoinRefusal::NickTaken);
        assert_eq!(
            of(StanzaCondition::NotAuthorized),
            JoinRefusal::PasswordRequired
        );
        assert_eq!(of(StanzaCondition::Forbidden), JoinRefusal::Banned);
        assert_eq!(of(StanzaCondition::ServiceUnavailable), JoinRefusal::Full);
        assert_eq!(
            of(StanzaCondition::Gone),
            JoinRefusal::Other(StanzaCondition::Gone)
        );
    }

    #[test]
    fn muc_07_nick_is_never_blank() {
        assert!(check_nick("  ").is_err());
        assert!(check_nick("").is_err());
        assert_eq!(check_nick("juliet").unwrap(), "juliet");
    }
}
