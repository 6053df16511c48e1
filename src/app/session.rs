//! The session area's update: the connection's life as the store sees it
//! (login, loss, reconnects, stream resumption, acknowledgements), initial
//! presence (PRES-01, once every login step before it is done), and the user's `/reconnect`, `/disconnect` and
//! `/quit`.

use crate::xmpp::error::Recovery;
use crate::xmpp::login::StreamFeatures;
use crate::xmpp::query::Query;
use crate::xmpp::stanza::presence::Presence;

use super::dispatch::{self, Outcome};
use super::event::Event;
use super::roster::LoadState;
use super::{ConnectionState, Effect, Purpose, State, archive, chat, privacy, push_notice, roster};

/// Bound: the session starts with the roster (ROS-01, NEW-02), versioned
/// when offered, and the server's features.
pub fn on_online(
    state: &mut State,
    jid: jid::FullJid,
    features: StreamFeatures,
    effects: &mut Vec<Effect>,
) {
    state.connection = ConnectionState::Online {
        jid: jid.to_string(),
    };
    effects.push(Effect::Emit(Event::Online {
        jid: jid.to_string(),
    }));
    state.jid = Some(jid);
    state.acks = false;
    state.roster.begin_session();
    state.initial_presence_sent = false;
    state.presence_reflected = false;
    state.presence.clear_all();
    state.caps.end_session();
    state.roster.reset_availability();
    state.own_resources.resources.clear();
    let versioned = features.roster_versioning;
    let ver = versioned.then(|| state.roster.request_ver());
    effects.push(Effect::Request {
        query: Query::RosterGet {
            ver: ver.map(str::to_owned),
        },
        purpose: Purpose::RosterGet { versioned },
    });
    state.features = features;
    privacy::update::discover(state, effects);
    chat::update::discover(state);
    archive::update::begin_session(state);
    super::service::begin_session(state);
}

/// A new login attempt has started.
pub fn on_connecting(state: &mut State) {
    state.connection = ConnectionState::Connecting;
    state.password_refused = false;
}

/// A login ended without a session.
pub fn on_login_failed(
    state: &mut State,
    error: String,
    recovery: Recovery,
    effects: &mut Vec<Effect>,
) {
    // CORE-12: a refused password is asked for again, never retried as it is.
    state.password_refused = recovery == Recovery::AskPassword;
    push_notice(state, error.clone(), true);
    effects.push(Effect::Emit(Event::Offline {
        error: Some(error.clone()),
    }));
    state.connection = ConnectionState::Offline { error: Some(error) };
}

/// The link is down and the runner will try again.
pub fn on_reconnecting(
    state: &mut State,
    error: String,
    attempt: u32,
    retry_in: std::time::Duration,
    effects: &mut Vec<Effect>,
) {
    let text = format!(
        "connection lost ({error}); reconnecting in {}s (attempt {attempt})",
        retry_in.as_secs()
    );
    if attempt == 1 {
        push_notice(state, text.clone(), true);
    }
    effects.push(Effect::Emit(Event::Error { text }));
    state.connection = ConnectionState::Reconnecting {
        error,
        attempt,
        retry_in_secs: retry_in.as_secs(),
    };
}

/// XEP-0198: the session goes on; what the server held back arrives now,
/// and nothing needs fetching again.
pub fn on_resumed(state: &mut State, effects: &mut Vec<Effect>) {
    if let Some(jid) = state.jid.as_ref().map(|j| j.to_string()) {
        state.connection = ConnectionState::Online { jid: jid.clone() };
        push_notice(state, "reconnected; the session was resumed".into(), false);
        effects.push(Effect::Emit(Event::Online { jid }));
    }
}

/// The server acknowledged these messages of ours (XEP-0198).
pub fn on_acked(state: &mut State, ids: Vec<String>, effects: &mut Vec<Effect>) {
    for id in &ids {
        state.chats.mark_delivered(id);
        if let Some(to) = state.queued.remove(id) {
            effects.push(Effect::Emit(Event::Sent { to, id: id.clone() }));
        }
    }
}

/// The session refused to send something (a reason for the user).
pub fn on_rejected(state: &mut State, text: String, effects: &mut Vec<Effect>) {
    push_notice(state, text.clone(), false);
    effects.push(Effect::Emit(Event::Error { text }));
}

/// The session ended, cleanly or not.
pub fn on_closed(state: &mut State, error: Option<String>, effects: &mut Vec<Effect>) {
    if let Some(error) = &error {
        push_notice(state, error.clone(), true);
    }
    effects.push(Effect::Emit(Event::Offline {
        error: error.clone(),
    }));
    roster::update::on_connection_lost(state, effects);
    state.connection = ConnectionState::Offline { error };
    state.presence.clear_all();
    state.caps.end_session();
    state.roster.reset_availability();
    state.own_resources.resources.clear();
    state.directed.clear();
    state.initial_presence_sent = false;
    state.presence_reflected = false;
    state.archive.end_session();
    dispatch::fail_awaiting_features(state, effects);
    super::bookmarks::update::on_closed(state, effects);
}

/// PRES-01: initial presence after the roster, even without one,
/// (PRIV-25) after the active list of the last session is set again, and
/// after carbons are on and the archive caught up (CARBONS-02, MAM-21).
pub fn send_initial_presence(state: &mut State, effects: &mut Vec<Effect>) {
    if !state.is_online()
        || state.initial_presence_sent
        || state.roster.load_state() != LoadState::Loaded
        || state.privacy.hold_presence
        || state.archive.hold_presence
    {
        return;
    }
    state.initial_presence_sent = true;
    effects.push(Effect::SendPresence(state.own.to_presence()));
    // After a reconnect, those who held a directed presence from us get it
    // again.
    for (to, own) in &state.directed {
        if let Ok(to) = jid::Jid::new(to) {
            let mut presence = own.to_presence();
            presence.to = Some(to);
            effects.push(Effect::SendPresence(presence));
        }
    }
    // MUC-46: the rooms the last session was in, before anything the
    // startup commands join.
    crate::app::room::rejoin::after_initial_presence(state, effects);
    effects.push(Effect::RunStartupCommands);
    super::bookmarks::update::on_initial_presence(state, effects);
    // Without acknowledgements, a queued message is sent once the new
    // stream has it (the session flushes its queue at login).
    if !state.acks {
        let mut queued: Vec<_> = state.queued.drain().collect();
        queued.sort();
        for (id, to) in queued {
            effects.push(Effect::Emit(Event::Sent { to, id }));
        }
    }
}

/// `/reconnect`
pub fn reconnect(effects: &mut Vec<Effect>) -> Outcome {
    effects.push(Effect::Reconnect);
    Outcome::Done(String::new())
}

/// `/disconnect [STATUS]`: PRES-09: unavailable before closing.
pub fn disconnect(state: &State, status: Option<String>, effects: &mut Vec<Effect>) -> Outcome {
    say_goodbye(state, status, effects);
    effects.push(Effect::Disconnect);
    Outcome::Done(String::new())
}

/// `/quit [STATUS]`: as `/disconnect`, then the program ends.
pub fn quit(state: &mut State, status: Option<String>, effects: &mut Vec<Effect>) -> Outcome {
    say_goodbye(state, status, effects);
    state.quitting = true;
    effects.push(Effect::Disconnect);
    Outcome::Done(String::new())
}

/// PRES-09: broadcast unavailable before closing.
fn say_goodbye(state: &State, status: Option<String>, effects: &mut Vec<Effect>) {
    if state.is_online() && state.initial_presence_sent {
        let mut presence = Presence::unavailable();
        if let Some(status) = status {
            presence = presence.with_status(status);
        }
        effects.push(Effect::SendPresence(presence));
    }
}
