//! The subscription area's update: requests, approvals and withdrawals
//! from others (RFC 3921 §8, SUB-*), and the user's answers and requests
//! (`/subscribe`, `/unsubscribe`, `/approve`, `/deny`, `/cancel`,
//! `/preapprove`). A request waits in [`super::PendingRequests`] until the
//! user answers it from a screen they opened.

use jid::BareJid;

use crate::xmpp::error::{ErrorType, StanzaError};
use crate::xmpp::stanza::presence::{Presence, PresenceType};
use crate::xmpp::stanza::roster::Subscription;

use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::roster::contact::Contact;
use crate::app::{ApprovePolicy, Effect, State, push_notice};

/// A subscription stanza from `jid` (`subscribe`, `subscribed`,
/// `unsubscribed` or `unsubscribe`).
pub fn on_stanza(
    state: &mut State,
    kind: PresenceType,
    jid: BareJid,
    status: Option<String>,
    effects: &mut Vec<Effect>,
) {
    if kind == PresenceType::Subscribe {
        on_request(state, jid, status, effects);
        return;
    }
    // SUB-11: notices; the roster changes only through pushes.
    if kind == PresenceType::Unsubscribe {
        // They withdrew their own request, if one was waiting.
        state.pending.remove(&jid);
    }
    let kind = kind.as_str().to_owned();
    push_notice(state, format!("{jid}: {kind}"), false);
    effects.push(Effect::Emit(Event::SubscriptionNotice {
        jid: jid.to_string(),
        kind,
    }));
}

/// SUB-04, SUB-06, SUB-07, SEC-04: a request waits for the user unless the
/// configured policy approves it.
fn on_request(
    state: &mut State,
    jid: BareJid,
    greeting: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let we_follow = state
        .roster
        .get(&jid)
        .is_some_and(|item| item.ask || item.subscription.has_to());
    if state.prefs.approve == ApprovePolicy::ContactsWeFollow && we_follow {
        effects.push(Effect::SendPresence(Presence::subscription(
            PresenceType::Subscribed,
            jid.clone(),
        )));
        push_notice(
            state,
            format!("approved {jid} (auto_approve policy)"),
            false,
        );
        effects.push(Effect::Emit(Event::SubscriptionNotice {
            jid: jid.to_string(),
            kind: "auto-approved".into(),
        }));
        return;
    }
    if state.pending.add(jid.clone(), greeting.clone()) {
        push_notice(state, format!("{jid} asks to see your presence"), false);
        effects.push(Effect::Emit(Event::SubscriptionRequest {
            jid: jid.to_string(),
            greeting,
        }));
    }
}

/// SUB-12, CORE-20: a presence error from a contact we asked to follow
/// means the request failed. A `wait` error may still go through and is
/// left pending; any other is final, so the pending state (`ask`) is
/// undone with `unsubscribe`, which only the server can clear, rather than
/// left for nobody to answer. Either way the user is told.
pub fn on_presence_error(
    state: &mut State,
    jid: &BareJid,
    error: &StanzaError,
    effects: &mut Vec<Effect>,
) {
    if !state.roster.get(jid).is_some_and(|c| c.ask) {
        return;
    }
    let text = if error.error_type == ErrorType::Wait {
        format!(
            "your subscription request to {jid} is delayed ({error}); it stays pending \
             (/unsubscribe {jid} withdraws it)"
        )
    } else {
        effects.push(Effect::SendPresence(Presence::subscription(
            PresenceType::Unsubscribe,
            jid.clone(),
        )));
        format!("your subscription request to {jid} failed ({error}); it has been withdrawn")
    };
    push_notice(state, text, true);
}

/// Approved (here, on another device, or by a pre-approval): the prompt is
/// answered and the pre-approval used up (INT-05).
pub fn answered_elsewhere(state: &mut State, jid: &BareJid) {
    if state
        .roster
        .get(jid)
        .is_some_and(|c| c.subscription.has_from())
    {
        state.pending.remove(jid);
        if !state.preapproved.is_empty() {
            state.preapproved.remove(jid);
        }
    }
}

/// `/subscribe JID [GREETING]`: SUB-01, SUB-03: to the bare JID, with an
/// optional greeting.
pub fn subscribe(jid: BareJid, greeting: Option<String>, effects: &mut Vec<Effect>) -> Outcome {
    let mut presence = Presence::subscription(PresenceType::Subscribe, jid);
    if let Some(greeting) = greeting {
        presence = presence.with_status(greeting);
    }
    effects.push(Effect::SendPresence(presence));
    Outcome::Done("request sent".into())
}

/// `/unsubscribe JID`: SUB-10.
pub fn unsubscribe(jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    send(effects, PresenceType::Unsubscribe, jid);
    Outcome::Done("sent".into())
}

/// `/approve JID`: SUB-04, SUB-05.
pub fn approve(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    state.pending.remove(&jid);
    send(effects, PresenceType::Subscribed, jid);
    Outcome::Done("approved".into())
}

/// `/deny JID`
pub fn deny(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    state.pending.remove(&jid);
    state.preapproved.remove(&jid);
    send(effects, PresenceType::Unsubscribed, jid);
    Outcome::Done("denied".into())
}

/// `/cancel JID`: SUB-09; also takes back a pre-approval (NEW-08).
pub fn cancel(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    state.preapproved.remove(&jid);
    send(effects, PresenceType::Unsubscribed, jid);
    Outcome::Done("cancelled".into())
}

/// `/preapprove JID`: NEW-08, only where the server advertises it.
pub fn preapprove(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    if !state.features.pre_approval {
        return Outcome::Failed("the server does not support subscription pre-approval".into());
    }
    send(effects, PresenceType::Subscribed, jid.clone());
    state.preapproved.insert(jid);
    Outcome::Done("pre-approved".into())
}

fn send(effects: &mut Vec<Effect>, kind: PresenceType, jid: BareJid) {
    effects.push(Effect::SendPresence(Presence::subscription(kind, jid)));
}

/// INT-01: the subscription state in words, as the §9.1 table names it.
pub fn subscription_state(item: Option<&Contact>, pending_in: bool) -> String {
    let (subscription, ask) = item.map_or((Subscription::None, false), |i| (i.subscription, i.ask));
    let mut text = match subscription {
        Subscription::None | Subscription::Remove => "none",
        Subscription::To => "to (you see them; they cannot see you)",
        Subscription::From => "from (they see you; you cannot see them)",
        Subscription::Both => "both",
    }
    .to_owned();
    if ask {
        text.push_str(" + pending out (awaiting their approval)");
    }
    if pending_in {
        text.push_str(" + pending in (they want to see your presence)");
    }
    text
}
