//! Applying the user's commands: messages, roster management,
//! subscriptions and our own presence (RFC 3921 §§4–8). Each command ends
//! in exactly one [`Event::Result`], now or when the server has answered.

use jid::{BareJid, Jid};

use crate::xmpp::id;
use crate::xmpp::query::Query;
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::presence::{Presence, PresenceType, Show};
use crate::xmpp::stanza::roster::{RosterItem, Subscription};

use super::command::{self, Action, Availability as Wanted, PresenceChoice};
use super::contact::Contact;
use super::event::Event;
use super::inbound::roster_event;
use super::presence::Availability;
use super::privacy_flow;
use super::roster_op::Expected;
use super::{ConnectionState, Effect, OwnPresence, Purpose, State, push_notice};

/// Applies one command and records its outcome.
pub fn apply(state: &mut State, tag: u64, action: Action, at: i64, effects: &mut Vec<Effect>) {
    let label = action.label();
    let outcome = run(state, tag, &label, action, at, effects);
    finish(state, tag, label, outcome, effects);
}

/// Emits a command's outcome: a result, and a notice when it failed.
fn finish(state: &mut State, tag: u64, label: String, outcome: Outcome, effects: &mut Vec<Effect>) {
    match outcome {
        Outcome::Done(text) => effects.push(Effect::Emit(Event::Result {
            tag,
            command: label,
            ok: true,
            text,
        })),
        Outcome::Failed(text) => {
            push_notice(state, format!("{label}: {text}"), true);
            effects.push(Effect::Emit(Event::Result {
                tag,
                command: label,
                ok: false,
                text,
            }));
        }
        // The result follows the server's answer (see inbound::apply_reply).
        Outcome::Pending => {}
    }
}

enum Outcome {
    Done(String),
    Failed(String),
    Pending,
}

fn wanted_show(availability: Wanted) -> Option<Show> {
    match availability {
        Wanted::Online => None,
        Wanted::Chat => Some(Show::Chat),
        Wanted::Away => Some(Show::Away),
        Wanted::Xa => Some(Show::Xa),
        Wanted::Dnd => Some(Show::Dnd),
    }
}

fn run(
    state: &mut State,
    tag: u64,
    label: &str,
    action: Action,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    // Commands that only read or change local state work offline too.
    let needs_connection = !action.spec().works_offline;
    // Messages written while the connection is being restored wait in the
    // session's queue and go out on reconnect.
    let can_wait = action.spec().may_wait
        && matches!(
            state.connection,
            ConnectionState::Reconnecting { .. } | ConnectionState::Connecting
        );
    if needs_connection && !state.is_online() && !can_wait {
        return Outcome::Failed("not connected (use /reconnect)".into());
    }
    match action {
        Action::Message { to, body } => {
            let id = state.chats.conversation_for(&to);
            state.active = Some(id);
            match body {
                None => Outcome::Done(format!("conversation with {to} open")),
                Some(body) => send_in(state, id, None, None, body, at, effects),
            }
        }
        Action::Say { text } => match state.active {
            Some(id) => send_in(state, id, None, None, text, at, effects),
            None => Outcome::Failed("no conversation is open: use /msg JID TEXT".into()),
        },
        Action::Normal { to, subject, body } => {
            let id = state.chats.conversation_for(&to);
            state.active = Some(id);
            send_in(
                state,
                id,
                Some(MessageType::Normal),
                subject,
                body,
                at,
                effects,
            )
        }
        Action::Headline { to, subject, body } => {
            let mut message = Message::new(MessageType::Headline);
            message.to = Some(to);
            message.id = Some(id::next());
            message.bodies = vec![LangText::new(body)];
            if let Some(subject) = subject {
                message.subjects = vec![LangText::new(subject)];
            }
            effects.push(Effect::SendMessage(message));
            Outcome::Done("sent".into())
        }
        Action::Add { jid, name } => {
            if state.jid.as_ref().is_some_and(|own| own.to_bare() == jid) {
                return Outcome::Failed("you cannot add yourself".into());
            }
            // ROS-05, SUB-02: the item first (keeping groups it may have),
            // then the subscription request once the server has it.
            let mut item = state
                .roster
                .item(&jid)
                .unwrap_or_else(|| RosterItem::new(jid.clone()));
            if name.is_some() {
                item.name = name;
            }
            roster_set(
                state,
                effects,
                tag,
                label,
                &jid,
                RosterSet::Item(item),
                Some(Presence::subscription(PresenceType::Subscribe, jid.clone())),
            )
        }
        Action::Remove { jid } => {
            // ROS-15: said the same on every server (ejabberd answers
            // `result` for an item it does not have); the server decides
            // while our copy of the roster is not loaded yet.
            if state.roster.load_state() == super::roster::LoadState::Loaded
                && state.roster.get(&jid).is_none()
            {
                return not_in_roster(&jid);
            }
            // ROS-09, INT-08: the server cancels both directions itself.
            roster_set(state, effects, tag, label, &jid, RosterSet::Remove, None)
        }
        Action::Rename { jid, name } => {
            update_item(state, effects, tag, label, &jid, |item| item.name = name)
        }
        Action::Group { jid, groups } => update_item(state, effects, tag, label, &jid, |item| {
            item.groups = groups
        }),
        Action::Subscribe { jid, greeting } => {
            // SUB-01, SUB-03: to the bare JID, with an optional greeting.
            let mut presence = Presence::subscription(PresenceType::Subscribe, jid);
            if let Some(greeting) = greeting {
                presence = presence.with_status(greeting);
            }
            effects.push(Effect::SendPresence(presence));
            Outcome::Done("request sent".into())
        }
        Action::Unsubscribe { jid } => {
            // SUB-10
            send_subscription(effects, PresenceType::Unsubscribe, jid);
            Outcome::Done("sent".into())
        }
        Action::Approve { jid } => {
            // SUB-04, SUB-05
            state.pending.remove(&jid);
            send_subscription(effects, PresenceType::Subscribed, jid);
            Outcome::Done("approved".into())
        }
        Action::Deny { jid } => {
            state.pending.remove(&jid);
            state.preapproved.remove(&jid);
            send_subscription(effects, PresenceType::Unsubscribed, jid);
            Outcome::Done("denied".into())
        }
        Action::Cancel { jid } => {
            // SUB-09; also takes back a pre-approval (NEW-08).
            state.preapproved.remove(&jid);
            send_subscription(effects, PresenceType::Unsubscribed, jid);
            Outcome::Done("cancelled".into())
        }
        Action::Preapprove { jid } => {
            // NEW-08: only where the server advertises it.
            if !state.features.pre_approval {
                return Outcome::Failed(
                    "the server does not support subscription pre-approval".into(),
                );
            }
            send_subscription(effects, PresenceType::Subscribed, jid.clone());
            state.preapproved.insert(jid);
            Outcome::Done("pre-approved".into())
        }
        Action::Status { availability, text } => {
            state.own.show = wanted_show(availability);
            state.own.status = text;
            broadcast_own(state, effects);
            Outcome::Done(String::new())
        }
        Action::Priority(priority) => {
            state.own.priority = priority;
            broadcast_own(state, effects);
            if priority < 0 {
                // PRES-16
                Outcome::Done(
                    "negative priority: this resource will get no messages sent to your bare JID"
                        .into(),
                )
            } else {
                Outcome::Done(String::new())
            }
        }
        Action::Presence { to, choice, text } => directed(state, to, choice, text, effects),
        Action::Roster => {
            let mut contacts: Vec<_> = state.roster.contacts().map(|(_, c)| c).collect();
            contacts.sort_by(|a, b| a.jid.as_str().cmp(b.jid.as_str()));
            for contact in &contacts {
                effects.push(Effect::Emit(roster_event(state, contact)));
            }
            for request in state.pending.list() {
                if !state.roster.contains(&request.jid) {
                    effects.push(Effect::Emit(Event::SubscriptionRequest {
                        jid: request.jid.to_string(),
                        greeting: request.greeting.clone(),
                    }));
                }
            }
            Outcome::Done(format!("{} contacts", contacts.len()))
        }
        Action::Contact { jid } => {
            effects.push(Effect::Emit(Event::Info {
                text: contact_details(state, &jid),
            }));
            Outcome::Done(String::new())
        }
        Action::Help { topic } => match command::help(topic.as_deref()) {
            Ok(text) => {
                effects.push(Effect::Emit(Event::Info { text }));
                Outcome::Done(String::new())
            }
            Err(error) => Outcome::Failed(error.to_string()),
        },
        Action::Block { jid } => privacy(
            state,
            tag,
            label,
            privacy_flow::Command::Block(jid),
            effects,
        ),
        Action::Unblock { jid } => privacy(
            state,
            tag,
            label,
            privacy_flow::Command::Unblock(jid.into_iter().collect()),
            effects,
        ),
        Action::Blocklist => privacy(state, tag, label, privacy_flow::Command::Blocklist, effects),
        Action::Privacy(sub) => privacy(
            state,
            tag,
            label,
            privacy_flow::Command::Privacy(sub),
            effects,
        ),
        Action::Reconnect => {
            effects.push(Effect::Reconnect);
            Outcome::Done(String::new())
        }
        Action::Disconnect { status } => {
            if state.is_online() && state.initial_presence_sent {
                let mut presence = Presence::unavailable();
                if let Some(status) = status {
                    presence = presence.with_status(status);
                }
                effects.push(Effect::SendPresence(presence));
            }
            effects.push(Effect::Disconnect);
            Outcome::Done(String::new())
        }
        Action::Search { text } => {
            effects.push(Effect::Search { tag, text });
            Outcome::Pending
        }
        Action::Quit { status } => {
            // PRES-09: broadcast unavailable before closing.
            if state.is_online() && state.initial_presence_sent {
                let mut presence = Presence::unavailable();
                if let Some(status) = status {
                    presence = presence.with_status(status);
                }
                effects.push(Effect::SendPresence(presence));
            }
            state.quitting = true;
            effects.push(Effect::Disconnect);
            Outcome::Done(String::new())
        }
    }
}

fn privacy(
    state: &mut State,
    tag: u64,
    label: &str,
    command: privacy_flow::Command,
    effects: &mut Vec<Effect>,
) -> Outcome {
    // What these commands do depends on what the server supports, which
    // disco#info tells shortly after login: hold them until it has.
    if !state.privacy.support.known {
        state.awaiting_features.push(AwaitingFeatures {
            tag,
            label: label.to_owned(),
            command,
        });
        return Outcome::Pending;
    }
    match privacy_flow::command(state, tag, label, command, effects) {
        Ok(()) => Outcome::Pending,
        Err(why) => Outcome::Failed(why),
    }
}

/// A blocking or privacy command held until the server's features are
/// known.
#[derive(Debug)]
pub struct AwaitingFeatures {
    tag: u64,
    label: String,
    command: privacy_flow::Command,
}

/// The server's features are known: runs the held commands, in order.
pub fn run_awaiting_features(state: &mut State, effects: &mut Vec<Effect>) {
    for held in std::mem::take(&mut state.awaiting_features) {
        let outcome = privacy(state, held.tag, &held.label, held.command, effects);
        finish(state, held.tag, held.label, outcome, effects);
    }
}

/// The connection closed before the features were known: the held
/// commands did not run.
pub fn fail_awaiting_features(state: &mut State, effects: &mut Vec<Effect>) {
    for held in std::mem::take(&mut state.awaiting_features) {
        let outcome = Outcome::Failed("the connection was lost before it could run".into());
        finish(state, held.tag, held.label, outcome, effects);
    }
}

/// ROS-07: an update sends the complete item with one field changed.
fn update_item(
    state: &mut State,
    effects: &mut Vec<Effect>,
    tag: u64,
    label: &str,
    jid: &BareJid,
    change: impl FnOnce(&mut RosterItem),
) -> Outcome {
    let Some(mut item) = state.roster.item(jid) else {
        return not_in_roster(jid);
    };
    change(&mut item);
    roster_set(state, effects, tag, label, jid, RosterSet::Item(item), None)
}

fn not_in_roster(jid: &BareJid) -> Outcome {
    Outcome::Failed(format!("{jid} is not in your roster"))
}

fn send_in(
    state: &mut State,
    id: super::chat::ConversationId,
    kind: Option<MessageType>,
    subject: Option<String>,
    body: String,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    // Pending until the server acknowledges it, when it does (XEP-0198),
    // or until we are back online.
    let pending = state.acks || !state.is_online();
    match state.chats.compose(id, kind, subject, body, at, pending) {
        Some(message) if !state.is_online() => {
            // Not on the wire yet: say so now, and "sent" once it is.
            if let (Some(id), Some(to)) = (&message.id, &message.to) {
                state.queued.insert(id.clone(), to.to_string());
            }
            effects.push(Effect::SendMessage(message));
            Outcome::Done("queued: it is sent when the connection is back".into())
        }
        Some(message) => {
            effects.push(Effect::SendMessage(message));
            Outcome::Done("sent".into())
        }
        None => Outcome::Failed("that conversation is gone".into()),
    }
}

/// The change a roster command asks for.
enum RosterSet {
    Item(RosterItem),
    Remove,
}

fn roster_set(
    state: &mut State,
    effects: &mut Vec<Effect>,
    tag: u64,
    label: &str,
    jid: &BareJid,
    change: RosterSet,
    then: Option<Presence>,
) -> Outcome {
    let (query, expected) = match change {
        RosterSet::Item(item) => {
            let expected = Expected::item(&item);
            (Query::RosterSet(item), expected)
        }
        RosterSet::Remove => (Query::RosterRemove(jid.clone()), Expected::Removed),
    };
    state
        .roster_ops
        .start(tag, label.to_owned(), jid.clone(), expected, then);
    effects.push(Effect::Request {
        query,
        purpose: Purpose::RosterSet { tag },
    });
    Outcome::Pending
}

fn send_subscription(effects: &mut Vec<Effect>, kind: PresenceType, jid: BareJid) {
    effects.push(Effect::SendPresence(Presence::subscription(kind, jid)));
}

/// PRES-05: a change of our availability, once initial presence is out.
fn broadcast_own(state: &State, effects: &mut Vec<Effect>) {
    if state.initial_presence_sent {
        effects.push(Effect::SendPresence(state.own.to_presence()));
    }
}

/// PRES-07, PRES-08: directed presence and its revocation, remembered.
fn directed(
    state: &mut State,
    to: Jid,
    choice: PresenceChoice,
    text: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    match choice {
        PresenceChoice::Available(availability) => {
            let own = OwnPresence {
                show: wanted_show(availability),
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

/// The details view of one contact, as text.
fn contact_details(state: &State, jid: &BareJid) -> String {
    let item = state.roster.get(jid);
    let mut lines = vec![format!("{jid}")];
    match item {
        Some(item) => {
            lines.push(format!("  name: {}", item.name.as_deref().unwrap_or("-")));
            let groups: Vec<&str> = state.roster.group_names(item).collect();
            lines.push(format!(
                "  groups: {}",
                if groups.is_empty() {
                    "-".to_owned()
                } else {
                    groups.join(", ")
                }
            ));
        }
        None => lines.push("  not in your roster".to_owned()),
    }
    let mut subscription = subscription_state(item, state.pending.contains(jid));
    if state.is_preapproved(jid) {
        subscription.push_str(" + pre-approved");
    }
    lines.push(format!("  subscription: {subscription}"));
    let presence = state.presence.get(jid);
    let availability = state.presence.availability(jid);
    // INT-02: without a subscription to them, "offline" would be a lie.
    let knows_presence = item.is_some_and(|i| i.subscription.has_to()) || presence.is_some();
    lines.push(format!(
        "  presence: {}",
        if knows_presence || availability != Availability::Offline {
            availability.as_str()
        } else {
            "unknown (no subscription)"
        }
    ));
    if let Some(entity) = presence {
        if let Some(error) = &entity.error {
            lines.push(format!("  unreachable: {error}"));
        }
        for (resource, r) in entity.sorted_resources() {
            lines.push(format!(
                "  /{resource}: {} priority {}{}",
                Availability::from_show(r.show).as_str(),
                r.priority,
                r.status
                    .as_deref()
                    .map(|s| format!(" \"{s}\""))
                    .unwrap_or_default()
            ));
        }
    }
    if state.directed.contains_key(jid.as_str()) {
        lines.push("  holds a directed presence from you".to_owned());
    }
    lines.join("\n")
}
