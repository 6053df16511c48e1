//! Multi-user chat (XEP-0045): the vocabulary every room feature shares.
//!
//! - Here: [`Role`] and [`Affiliation`] (XEP-0045 §5), and [`Status`], the
//!   numeric status codes (§15.6) rooms put on presence and messages.
//! - [`user`]: the `http://jabber.org/protocol/muc#user` `<x/>` a room
//!   adds to presence and messages ([`MucUser`]): items (affiliation, role,
//!   real JID, new nick, actor, reason), status codes, `<destroy/>`,
//!   mediated `<invite/>` and `<decline/>`, `<password/>`. Read on every
//!   [`Presence`](super::presence::Presence) and
//!   [`Message`](super::message::Message) as their `muc` field, and written
//!   from it (the empty `<x/>` of a private message, MUC-22; invitations).
//! - [`join`]: what we send to enter a room (the `http://jabber.org/protocol/muc`
//!   `<x/>` with `<password/>` and `<history/>`, MUC-07…09), and what a
//!   refused join means ([`JoinRefusal`], MUC-13).
//!
//! - [`admin`]: the `muc#admin` query a moderator or admin sends to change
//!   one role (by nick) or affiliation (by bare JID), MUC-36…39.
//! - [`owner`]: the `muc#owner` queries only an owner sends: destroy
//!   (MUC-44), the instant room's empty form (MUC-45), cancel (MUC-43).
//! - [`request`]: the `muc#request` form of a voice request and its
//!   answer (MUC-34, MUC-37), read on every message as its
//!   `voice_request` field.
//!
//! - [`register`]: registering a nick with a room (`jabber:iq:register`,
//!   MUC-33).
//!
//! Only syntax lives here: what a status code *does* is the
//! app's room area.

pub mod admin;
pub mod join;
pub mod owner;
pub mod register;
pub mod request;
pub mod user;

use std::fmt;
use std::str::FromStr;

use super::{ParseError, quoted};

pub use join::{History, Join, JoinRefusal};
pub use user::{Actor, Decline, Destroy, Invite, Item, MucUser};

/// A role: what an occupant may do in the room now (XEP-0045 §5.1).
/// Ordered from most to least powerful, which is also how occupant lists
/// are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Moderator,
    Participant,
    Visitor,
    /// Not in the room (the role of every `unavailable` presence).
    None,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Participant => "participant",
            Role::Visitor => "visitor",
            Role::None => "none",
        }
    }
}

impl FromStr for Role {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "moderator" => Role::Moderator,
            "participant" => Role::Participant,
            "visitor" => Role::Visitor,
            "none" => Role::None,
            other => {
                return Err(ParseError::Invalid(format!(
                    "unknown role {:?}",
                    quoted(other)
                )));
            }
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An affiliation: a lasting relation between a user and the room
/// (XEP-0045 §5.2), from most to least privileged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Affiliation {
    Owner,
    Admin,
    Member,
    None,
    /// Banned.
    Outcast,
}

impl Affiliation {
    pub fn as_str(self) -> &'static str {
        match self {
            Affiliation::Owner => "owner",
            Affiliation::Admin => "admin",
            Affiliation::Member => "member",
            Affiliation::None => "none",
            Affiliation::Outcast => "outcast",
        }
    }
}

impl FromStr for Affiliation {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "owner" => Affiliation::Owner,
            "admin" => Affiliation::Admin,
            "member" => Affiliation::Member,
            "none" => Affiliation::None,
            "outcast" => Affiliation::Outcast,
            other => {
                return Err(ParseError::Invalid(format!(
                    "unknown affiliation {:?}",
                    quoted(other)
                )));
            }
        })
    }
}

impl fmt::Display for Affiliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A muc#user status code (XEP-0045 §15.6), as its number. The codes the
/// client acts on have names; any other three-digit code is kept as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(pub u16);

impl Status {
    /// The room is non-anonymous: every occupant sees our real JID (MUC-12).
    pub const NON_ANONYMOUS: Status = Status(100);
    /// An affiliation changed while the user was not in the room.
    pub const AFFILIATION_CHANGED_OFFLINE: Status = Status(101);
    /// The room now shows unavailable members (MUC-29).
    pub const SHOWS_UNAVAILABLE: Status = Status(102);
    /// The room no longer shows unavailable members (MUC-29).
    pub const HIDES_UNAVAILABLE: Status = Status(103);
    /// The room's configuration changed: ask disco#info again (MUC-29).
    pub const CONFIG_CHANGED: Status = Status(104);
    /// This presence is our own (MUC-10, MUC-11).
    pub const SELF_PRESENCE: Status = Status(110);
    /// The room is logged publicly (MUC-12).
    pub const LOGGED: Status = Status(170);
    /// Public logging was turned off (MUC-29).
    pub const NOT_LOGGED: Status = Status(171);
    /// The room became non-anonymous (MUC-29).
    pub const NOW_NON_ANONYMOUS: Status = Status(172);
    /// The room became semi-anonymous (MUC-29).
    pub const NOW_SEMI_ANONYMOUS: Status = Status(173);
    /// We just created the room; it waits for its configuration (MUC-45).
    pub const CREATED: Status = Status(201);
    /// The service changed (or gave) our nick (MUC-11).
    pub const NICK_ASSIGNED: Status = Status(210);
    /// Banned (MUC-26, MUC-28).
    pub const BANNED: Status = Status(301);
    /// A nick change: the item names the new nick (MUC-15).
    pub const NICK_CHANGED: Status = Status(303);
    /// Kicked (MUC-26, MUC-28).
    pub const KICKED: Status = Status(307);
    /// Removed because the affiliation changed (members-only room).
    pub const AFFILIATION_REMOVED: Status = Status(321);
    /// Removed because the room became members-only.
    pub const MEMBERS_ONLY_REMOVED: Status = Status(322);
    /// Removed because the service is shutting down.
    pub const SHUTDOWN: Status = Status(332);
    /// Removed for a technical error (XEP-0045 1.31, MUC-26).
    pub const TECHNICAL_REMOVAL: Status = Status(333);

    /// Reads a `code` attribute: exactly three digits (100…999).
    pub fn parse(code: &str) -> Option<Status> {
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
            .then(|| code.parse().ok())
            .flatten()
            .filter(|n| *n >= 100)
            .map(Status)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_affiliations_read_their_names_only() {
        for role in [
            Role::Moderator,
            Role::Participant,
            Role::Visitor,
            Role::None,
        ] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        for affiliation in [
            Affiliation::Owner,
            Affiliation::Admin,
            Affiliation::Member,
            Affiliation::None,
            Affiliation::Outcast,
        ] {
            assert_eq!(
                affiliation.as_str().parse::<Affiliation>().unwrap(),
                affiliation
            );
        }
        assert!("Moderator".parse::<Role>().is_err());
        assert!("".parse::<Affiliation>().is_err());
        assert!(Role::Moderator < Role::Participant && Role::Participant < Role::Visitor);
    }

    #[test]
    fn status_codes_are_three_digits() {
        assert_eq!(Status::parse("110"), Some(Status::SELF_PRESENCE));
        assert_eq!(Status::parse("999"), Some(Status(999)));
        for bad in ["", "11", "0110", "099", "+11", "abc", "1 0"] {
            assert_eq!(Status::parse(bad), None, "{bad:?}");
        }
    }
}
