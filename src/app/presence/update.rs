//! The presence area's update: presence from contacts, strangers and our
//! own other resources (RFC 3921 §5, PRES-*), and the user's presence
//! commands (`/status`, `/priority`, `/presence`). Subscription stanzas
//! are the subscription area's ([`crate::app::subscription`]).

use jid::{BareJid, Jid};

use crate::xmpp::error::StanzaError;
use crate::xmpp::stanza::presence::{Presence, PresenceType};

use crate::app::command::{Availability as Wanted, PresenceChoice};
use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::roster::update::sync_availability;
use crate::app::{Effect, OwnPresence, State, push_notice, subscription};

use super::{Availability, MAX_RESOURCES, ResourceState};

/// Entities outside the roster whose presence we keep (PRES-15); beyond
/// this, presence from strangers is dropped so spam cannot grow memory.
pub const MAX_STRANGERS: usize = 10_000;

/// One presence stanza from the server.
pub fn on_presence(state: &mut State, presence: Presence, effects: &mut Vec<Effect>) {
    // A presence without `from` comes from our own server; nothing to track.
    let Some(from) = presence.from.clone() else {
        return;
    };
    let bare = from.to_bare();
    let resource = from.resource().map(|r| r.as_str().to_owned());
    let status = presence.status(&state.prefs.language).map(str::to_owned);
    match presence.kind {
        // PRES-06: probes are the server's business.
        PresenceType::Probe => {}
        PresenceType::Available | PresenceType::Unavailable | PresenceType::Error
            if is_own(state, &bare) =>
        {
            apply_own(state, &presence, resource, status);
        }
        PresenceType::Available => {
            let contact = state.roster.id_of(&bare);
            let stranger = contact.is_none();
            if stranger_refused(state, &bare, stranger) {
                return;
            }
            let accepted = state.presence.set_available(
                &bare,
                resource.as_deref().unwrap_or(""),
                presence.show,
                status.clone(),
                presence.priority,
                stranger,
            );
            if !accepted {
                push_notice(
                    state,
                    format!("{bare} has too many resources; ignoring more"),
                    false,
                );
                return;
            }
            if let Some(id) = contact {
                let availability = state.presence.availability(&bare);
                state.roster.set_availability_of(id, availability);
            }
            state.chats.unlock(&bare, resource.as_deref());
            effects.push(Effect::Emit(Event::Presence {
                jid: from.to_string(),
                availability: Availability::from_show(presence.show).as_str().to_owned(),
                status,
                priority: presence.priority,
            }));
        }
        PresenceType::Unavailable => {
            // Most contacts at login were never online: nothing to move.
            if state
                .presence
                .set_unavailable(&bare, resource.as_deref(), status.clone())
            {
                sync_availability(state, &bare);
            }
            state.chats.unlock(&bare, resource.as_deref());
            effects.push(Effect::Emit(Event::Presence {
                jid: from.to_string(),
                availability: Availability::Offline.as_str().to_owned(),
                status,
                priority: 0,
            }));
        }
        PresenceType::Error => {
            let error = presence
                .error
                .clone()
                .unwrap_or_else(StanzaError::undefined);
            let stranger = !state.roster.contains(&bare);
            if stranger_refused(state, &bare, stranger) {
                return;
            }
            state.presence.set_error(&bare, error.clone(), stranger);
            sync_availability(state, &bare);
            state.chats.unlock(&bare, None);
            effects.push(Effect::Emit(Event::PresenceError {
                jid: from.to_string(),
                error: error.to_string(),
            }));
            subscription::update::on_presence_error(state, &bare, &error, effects);
        }
        PresenceType::Subscribe
        | PresenceType::Subscribed
        | PresenceType::Unsubscribed
        | PresenceType::Unsubscribe => {
            subscription::update::on_stanza(state, presence.kind, bare, status, effects)
        }
    }
}

/// True when `jid` is our own bare JID; compares without building one,
/// since every presence asks.
fn is_own(state: &State, jid: &BareJid) -> bool {
    state.jid.as_ref().is_some_and(|own| {
        own.as_str()
            .strip_prefix(jid.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// PRES-15: presence from a new stranger is dropped once the strangers'
/// table is full, so spam cannot grow memory; contacts never count.
fn stranger_refused(state: &State, jid: &BareJid, stranger: bool) -> bool {
    stranger && state.presence.get(jid).is_none() && state.presence.strangers() >= MAX_STRANGERS
}

/// PRES-13: presence from our other resources ("my other devices").
fn apply_own(
    state: &mut State,
    presence: &Presence,
    resource: Option<String>,
    status: Option<String>,
) {
    let Some(resource) = resource else {
        return;
    };
    let ours = state.jid.as_ref().map(|j| j.resource().as_str().to_owned());
    if ours.as_deref() == Some(resource.as_str()) {
        // The server reflects our own broadcast back to us.
        state.presence_reflected = presence.kind == PresenceType::Available;
        return;
    }
    match presence.kind {
        PresenceType::Available => {
            let own = &mut state.own_resources;
            if own.resources.len() < MAX_RESOURCES || own.resources.contains_key(&resource) {
                own.resources.insert(
                    resource,
                    ResourceState::new(presence.show, status, presence.priority),
                );
            }
        }
        _ => {
            state.own_resources.resources.remove(&resource);
        }
    }
}

/// `/status AVAILABILITY [TEXT]`
pub fn set_status(
    state: &mut State,
    availability: Wanted,
    text: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    state.own.show = availability.show();
    state.own.status = text;
    broadcast_own(state, effects);
    crate::app::room::update::share_presence(state, effects);
    Outcome::Done(String::new())
}

/// `/priority N`
pub fn set_priority(state: &mut State, priority: i8, effects: &mut Vec<Effect>) -> Outcome {
    state.own.priority = priority;
    broadcast_own(state, effects);
    if priority < 0 {
        // PRES-16
        Outcome::Done(
            "negative priority: this resource will get no messages sent to your bare JID".into(),
        )
    } else {
        Outcome::Done(String::new())
    }
}

/// PRES-05: a change of our availability, once initial presence is out.
fn broadcast_own(state: &State, effects: &mut Vec<Effect>) {
    if state.initial_presence_sent {
        effects.push(Effect::SendPresence(state.own.to_presence()));
    }
}

/// `/presence JID AVAILABILITY|unavailable [TEXT]`: PRES-07, PRES-08:
/// directed presence and its revocation, remembered.
pub fn directed(
    state: &mut State,
    to: Jid,
    choice: PresenceChoice,
    text: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    match choice {
        PresenceChoice::Available(availability) => {
            let own = OwnPresence {
                show: availability.show(),
                status: text,
                priority: state.own.priority,
            };
            let mut presence = own.to_presence();
            presence.to = Some(to.clone());
            effects.push(Effect::SendPresence(presence));
            state.directed.insert(to.to_string(), own);
            Outcome::Done("directed presence sent".into())
        }
        PresenceChoice::Unavailable => {
            let mut presence = Presence::unavailable();
            presence.to = Some(to.clone());
            if let Some(text) = text {
                presence = presence.with_status(text);
            }
            effects.push(Effect::SendPresence(presence));
            // To a bare JID it ends what each of its resources held too, so
            // none of them gets it back after a reconnect.
            let ended = to.as_str().to_owned();
            state.directed.retain(|held, _| {
                held != &ended
                    && !(to.resource().is_none()
                        && held
                            .strip_prefix(ended.as_str())
                            .is_some_and(|rest| rest.starts_with('/')))
            });
            Outcome::Done("directed unavailable sent".into())
        }
    }
}
