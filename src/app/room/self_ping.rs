//! Are we still in the room? XEP-0410 self-ping (MUC-54…57).
//!
//! Each joined room remembers when it last sent us anything ([`heard`]).
//! After [`Preferences::self_ping_secs`] of silence (and at once after a
//! resumed stream, [`after_resume`]) we ping our own occupant JID; the
//! answer is read by [`classify`] exactly as MUC-55 says: still joined,
//! unknown (tried again after [`RETRY_SECS`], and the user is told), or
//! not joined, which rejoins ([`super::rejoin::rejoin`], MUC-58).
//!
//! Nothing polls: [`next_deadline`] gives the next time a room is due,
//! and the runner's tick comes then ([`on_tick`]). Pings that rooms
//! forward to us from our occupant JID (MUC-56) are answered by the
//! session like any ping.
//!
//! [`Preferences::self_ping_secs`]: crate::app::Preferences::self_ping_secs

use jid::BareJid;

use crate::app::{Effect, Purpose, State};
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;

use super::JoinPhase;

/// After an unknown answer, seconds before asking again.
pub const RETRY_SECS: i64 = 60;

/// Where the self-ping of one room stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ping {
    /// When the room last sent us anything (Unix seconds).
    pub heard: i64,
    pub asking: Asking,
}

/// Whether a ping is out, or an unknown answer waits to be retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asking {
    Idle,
    /// A ping is out; its answer (or its timeout) comes as a reply.
    Waiting,
    /// The last answer could not tell; ask again at this time.
    Unknown {
        retry_at: i64,
    },
}

impl Ping {
    pub fn new(at: i64) -> Ping {
        Ping {
            heard: at,
            asking: Asking::Idle,
        }
    }

    /// When this room is next due for a ping, if it is joined.
    pub fn due(&self, interval: i64) -> Option<i64> {
        match self.asking {
            Asking::Idle => Some(self.heard.saturating_add(interval)),
            Asking::Waiting => None,
            Asking::Unknown { retry_at } => Some(retry_at),
        }
    }
}

/// What a self-ping's answer says (MUC-55).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Joined,
    /// The room's server could not be reached, or no answer came.
    Unknown,
    NotJoined,
}

/// MUC-55: the answer to a self-ping.
pub fn classify(result: &Result<Answer, RequestError>) -> Verdict {
    use StanzaCondition as C;
    match result {
        Ok(_) => Verdict::Joined,
        Err(RequestError::Stanza(error)) => match error.condition {
            // The pinged client lacks ping, or our nick just changed.
            C::ServiceUnavailable | C::FeatureNotImplemented | C::ItemNotFound => Verdict::Joined,
            C::RemoteServerNotFound | C::RemoteServerTimeout => Verdict::Unknown,
            _ => Verdict::NotJoined,
        },
        Err(RequestError::Timeout(_)) => Verdict::Unknown,
        // The session is gone: what comes next is a resume or a rejoin.
        Err(RequestError::Disconnected) => Verdict::Unknown,
        // An answer, not an error: the room had us.
        Err(RequestError::Unreadable(_)) => Verdict::Joined,
    }
}

/// Traffic from `room` (a message or presence): it still has us.
pub fn heard(state: &mut State, room: &BareJid, at: i64) {
    if let Some(entry) = state.rooms.get_mut(room) {
        entry.ping.heard = entry.ping.heard.max(at);
        if matches!(entry.ping.asking, Asking::Unknown { .. }) {
            entry.ping.asking = Asking::Idle;
        }
    }
}

/// MUC-54: the stream was resumed (the network changed): every joined
/// room is asked at once.
pub fn after_resume(state: &mut State, effects: &mut Vec<Effect>) {
    let rooms: Vec<BareJid> = joined(state).collect();
    for room in rooms {
        send(state, &room, effects);
    }
}

fn joined(state: &State) -> impl Iterator<Item = BareJid> + '_ {
    state
        .rooms
        .iter()
        .filter(|r| r.phase == JoinPhase::Joined)
        .map(|r| r.jid.clone())
}

/// When the next self-ping is due, in Unix seconds.
pub fn next_deadline(state: &State) -> Option<i64> {
    let interval = state.prefs.self_ping_secs;
    state
        .rooms
        .iter()
        .filter(|r| r.phase == JoinPhase::Joined)
        .filter_map(|r| r.ping.due(interval))
        .min()
}

/// The clock: rooms silent long enough are pinged.
pub fn on_tick(state: &mut State, now: i64, effects: &mut Vec<Effect>) {
    let interval = state.prefs.self_ping_secs;
    let due: Vec<BareJid> = state
        .rooms
        .iter()
        .filter(|r| r.phase == JoinPhase::Joined)
        .filter(|r| r.ping.due(interval).is_some_and(|at| at <= now))
        .map(|r| r.jid.clone())
        .collect();
    for room in due {
        send(state, &room, effects);
    }
}

fn send(state: &mut State, room: &BareJid, effects: &mut Vec<Effect>) {
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let Some(occupant) = entry.occupant_jid(&entry.nick) else {
        return;
    };
    entry.ping.asking = Asking::Waiting;
    effects.push(Effect::Request {
        query: Query::SelfPing(occupant),
        purpose: Purpose::SelfPing { room: room.clone() },
    });
}

/// The self-ping's answer (MUC-55): joined, unknown (retried, and shown),
/// or not joined: rejoin (MUC-58).
pub fn on_answer(
    state: &mut State,
    room: BareJid,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let now = state.rooms.clock;
    let Some(entry) = state.rooms.get_mut(&room) else {
        return;
    };
    if entry.phase != JoinPhase::Joined || entry.ping.asking != Asking::Waiting {
        return;
    }
    match classify(&result) {
        Verdict::Joined => {
            entry.ping = Ping::new(now);
        }
        Verdict::Unknown => {
            entry.ping.asking = Asking::Unknown {
                retry_at: now + RETRY_SECS,
            };
            if !matches!(result, Err(RequestError::Disconnected)) {
                let text = format!(
                    "cannot tell whether you are still in the room ({}); asking again soon",
                    result.err().map(|e| e.to_string()).unwrap_or_default()
                );
                super::update::tell(state, &room, text, now, effects);
            }
        }
        Verdict::NotJoined => super::rejoin::rejoin(state, &room, now, effects),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmpp::error::{ErrorType, StanzaError};
    use std::time::Duration;

    fn error(condition: StanzaCondition) -> Result<Answer, RequestError> {
        Err(RequestError::Stanza(StanzaError::new(
            ErrorType::Cancel,
            condition,
        )))
    }

    /// MUC-55: every answer, as the checklist reads it.
    #[test]
    fn muc_55_answers_are_read_exactly() {
        use StanzaCondition as C;
        assert_eq!(classify(&Ok(Answer::Done)), Verdict::Joined);
        for joined in [
            C::ServiceUnavailable,
            C::FeatureNotImplemented,
            C::ItemNotFound,
        ] {
            assert_eq!(classify(&error(joined)), Verdict::Joined, "{joined:?}");
        }
        for unknown in [C::RemoteServerNotFound, C::RemoteServerTimeout] {
            assert_eq!(classify(&error(unknown)), Verdict::Unknown, "{unknown:?}");
        }
        assert_eq!(
            classify(&Err(RequestError::Timeout(Duration::from_secs(30)))),
            Verdict::Unknown
        );
        for gone in [
            C::NotAcceptable,
            C::NotAllowed,
            C::BadRequest,
            C::Forbidden,
            C::InternalServerError,
        ] {
            assert_eq!(classify(&error(gone)), Verdict::NotJoined, "{gone:?}");
        }
    }

    /// MUC-54: a quiet room is due after the interval; a ping out is not
    /// due again; an unknown answer is due at its retry.
    #[test]
    fn muc_54_deadlines() {
        let mut ping = Ping::new(1000);
        assert_eq!(ping.due(900), Some(1900));
        ping.asking = Asking::Waiting;
        assert_eq!(ping.due(900), None);
        ping.asking = Asking::Unknown { retry_at: 1960 };
        assert_eq!(ping.due(900), Some(1960));
    }
}
