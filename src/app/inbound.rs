//! Applying what the server sends: login, roster results and pushes,
//! presence, subscription stanzas and messages (RFC 3921 §§4–9).

use jid::{BareJid, Jid};

use crate::xmpp::error::StanzaError;
use crate::xmpp::query::{Answer, Query, Unreadable};
use crate::xmpp::session::{RequestError, SessionEvent};
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::presence::{Presence, PresenceType};
use crate::xmpp::stanza::roster::RosterItem;

use super::chat::Incoming;
use super::contact::Contact;
use super::event::Event;
use super::headline::{Headline, find_urls};
use super::presence::Availability;
use super::roster::RosterChange;
use super::{ApprovePolicy, ConnectionState, Effect, Purpose, State, push_notice};

/// Entities outside the roster whose presence we keep (PRES-15); beyond
/// this, presence from strangers is dropped so spam cannot grow memory.
pub const MAX_STRANGERS: usize = 10_000;

pub fn apply(state: &mut State, event: SessionEvent, at: i64, effects: &mut Vec<Effect>) {
    match event {
        SessionEvent::Online { jid, features } => {
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
            state.presence.clear_all();
            state.roster.reset_availability();
            state.own_resources.resources.clear();
            // ROS-01, NEW-02: the roster first, versioned when offered.
            let versioned = features.roster_versioning;
            let ver = versioned.then(|| state.roster.request_ver());
            effects.push(Effect::Request {
                query: Query::RosterGet {
                    ver: ver.map(str::to_owned),
                },
                purpose: Purpose::RosterGet { versioned },
            });
            state.features = features;
            super::privacy_flow::discover(state, effects);
        }
        SessionEvent::Message(message) => apply_message(state, message, at, effects),
        SessionEvent::Presence(presence) => apply_presence(state, presence, effects),
        SessionEvent::RosterPush { item, ver } => {
            let pushed = item.clone();
            let change = state.roster.apply_push(item, ver);
            effects.push(Effect::SaveRoster);
            if let Some(change) = change {
                apply_roster_change(state, change, effects);
            }
            for done in state.roster_ops.pushed(&pushed) {
                finish_roster_op(done, effects);
            }
        }
        // The runner turns replies into `Msg::Reply` with their purpose.
        SessionEvent::Reply { .. } => {}
        SessionEvent::Reconnecting {
            error,
            attempt,
            retry_in,
        } => {
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
        SessionEvent::Resumed => {
            // XEP-0198: the session goes on; what the server held back
            // arrives now, and nothing needs fetching again.
            if let Some(jid) = state.jid.as_ref().map(|j| j.to_string()) {
                state.connection = ConnectionState::Online { jid: jid.clone() };
                push_notice(state, "reconnected; the session was resumed".into(), false);
                effects.push(Effect::Emit(Event::Online { jid }));
            }
        }
        SessionEvent::AcksEnabled => state.acks = true,
        SessionEvent::Acked { ids } => {
            for id in &ids {
                state.chats.mark_delivered(id);
                if let Some(to) = state.queued.remove(id) {
                    effects.push(Effect::Emit(Event::Sent { to, id: id.clone() }));
                }
            }
        }
        SessionEvent::PrivacyPush { name } => {
            super::privacy_flow::on_privacy_push(state, name, effects)
        }
        SessionEvent::BlockPush(push) => super::privacy_flow::on_block_push(state, push, effects),
        SessionEvent::Rejected(text) => {
            push_notice(state, text.clone(), false);
            effects.push(Effect::Emit(Event::Error { text }));
        }
        SessionEvent::Closed { error, .. } => {
            if let Some(error) = &error {
                push_notice(state, error.clone(), true);
            }
            effects.push(Effect::Emit(Event::Offline {
                error: error.clone(),
            }));
            // Roster commands that got their result count as done; the
            // others did not happen.
            for (op, result_ok) in state.roster_ops.drain() {
                let (ok, text) = match (result_ok, &op.then) {
                    (true, None) => (true, String::new()),
                    (true, Some(_)) => (
                        false,
                        "added to the roster, but the connection was lost before the subscription request was sent".to_owned(),
                    ),
                    (false, _) => (false, "the connection was lost".to_owned()),
                };
                effects.push(Effect::Emit(Event::Result {
                    tag: op.tag,
                    command: op.command,
                    ok,
                    text,
                }));
            }
            state.connection = ConnectionState::Offline { error };
            state.presence.clear_all();
            state.roster.reset_availability();
            state.own_resources.resources.clear();
            state.directed.clear();
            state.initial_presence_sent = false;
            super::action::fail_awaiting_features(state, effects);
        }
    }
}

pub fn apply_reply(
    state: &mut State,
    purpose: Purpose,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match purpose {
        Purpose::RosterGet { versioned } => {
            match result {
                Ok(Answer::RosterUnchanged) => apply_roster_result(state, None, effects),
                Ok(Answer::Roster { ver, items }) => {
                    apply_roster_result(state, Some((ver, items)), effects)
                }
                // Not a roster answer: read as an empty roster, as before.
                Ok(_) if !versioned => {
                    apply_roster_result(state, Some((None, Vec::new())), effects)
                }
                Ok(_) => apply_roster_result(state, None, effects),
                Err(RequestError::Unreadable(why)) => {
                    let why = match why {
                        Unreadable::Invalid(why) => why,
                        Unreadable::Empty => why.to_string(),
                    };
                    let text = format!("the server sent an unreadable roster: {why}");
                    push_notice(state, text.clone(), true);
                    effects.push(Effect::Emit(Event::Error { text }));
                }
                Err(error) => {
                    let text = format!("the roster could not be fetched: {error}");
                    push_notice(state, text.clone(), true);
                    effects.push(Effect::Emit(Event::Error { text }));
                    // Go on with the cached roster; pushes apply from now on.
                    for change in state.roster.abandon_fetch() {
                        apply_roster_change(state, change, effects);
                    }
                }
            }
            send_initial_presence(state, effects);
        }
        Purpose::ServerInfo => {
            super::privacy_flow::on_server_info(state, result, effects);
            super::action::run_awaiting_features(state, effects);
        }
        Purpose::Privacy { tag } => super::privacy_flow::on_reply(state, tag, result, effects),
        Purpose::RosterSet { tag } => match result {
            Ok(_) => {
                if let Some(done) = state.roster_ops.result(tag) {
                    finish_roster_op(done, effects);
                }
            }
            Err(error) => {
                if let Some(op) = state.roster_ops.failed(tag) {
                    let text = roster_error_text(&error);
                    push_notice(state, format!("{}: {text}", op.command), true);
                    effects.push(Effect::Emit(Event::Result {
                        tag,
                        command: op.command,
                        ok: false,
                        text,
                    }));
                }
            }
        },
    }
}

/// PRES-01: initial presence after the roster, even without one, and
/// (PRIV-25) after the active list of the last session is set again.
pub fn send_initial_presence(state: &mut State, effects: &mut Vec<Effect>) {
    if !state.is_online()
        || state.initial_presence_sent
        || state.roster.load_state() != super::roster::LoadState::Loaded
        || state.privacy.hold_presence
    {
        return;
    }
    state.initial_presence_sent = true;
    effects.push(Effect::SendPresence(state.own.to_presence()));
    // After a reconnect, those who held a directed presence from
    // us get it again.
    for (to, own) in &state.directed {
        if let Ok(to) = jid::Jid::new(to) {
            let mut presence = own.to_presence();
            presence.to = Some(to);
            effects.push(Effect::SendPresence(presence));
        }
    }
    effects.push(Effect::RunStartupCommands);
    // Without acknowledgements, a queued message is sent once
    // the new stream has it (the session flushes its queue at
    // login).
    if !state.acks {
        let mut queued: Vec<_> = state.queued.drain().collect();
        queued.sort();
        for (id, to) in queued {
            effects.push(Effect::Emit(Event::Sent { to, id }));
        }
    }
}

/// A roster command is done: send what follows it, report success.
fn finish_roster_op(done: super::roster_op::Finished, effects: &mut Vec<Effect>) {
    if let Some(presence) = done.then {
        effects.push(Effect::SendPresence(presence));
    }
    effects.push(Effect::Emit(Event::Result {
        tag: done.tag,
        command: done.command,
        ok: true,
        text: String::new(),
    }));
}

/// ROS-15, NEW-07: roster-set errors in words.
fn roster_error_text(error: &RequestError) -> String {
    use crate::xmpp::error::StanzaCondition as C;
    let RequestError::Stanza(stanza) = error else {
        return error.to_string();
    };
    let meaning = match stanza.condition {
        C::ItemNotFound => "that contact is not in your roster",
        C::NotAllowed => "the server does not allow that (you cannot add yourself)",
        C::NotAcceptable => "the server refused the name or a group (too long or empty)",
        C::ResourceConstraint => "your roster is full",
        C::BadRequest => "the server found the request malformed",
        C::Forbidden => "the server forbids changing this roster",
        _ => "",
    };
    if meaning.is_empty() {
        stanza.to_string()
    } else {
        format!("{meaning} ({stanza})")
    }
}

/// The roster the server sent; `None` (NEW-03) when an empty result to a
/// versioned request said the cache is current.
fn apply_roster_result(
    state: &mut State,
    result: Option<(Option<String>, Vec<RosterItem>)>,
    effects: &mut Vec<Effect>,
) {
    if let Some((_, items)) = &result
        && items.len() > super::roster::MAX_ROSTER
    {
        let text = format!(
            "the server's roster has {} contacts; balcony keeps the first {} of them",
            items.len(),
            super::roster::MAX_ROSTER
        );
        push_notice(state, text.clone(), true);
        effects.push(Effect::Emit(Event::Error { text }));
    }
    let changes = state.roster.apply_result(result);
    effects.push(Effect::SaveRoster);
    for change in changes {
        apply_roster_change(state, change, effects);
    }
}

/// Consequences of a roster change beyond the roster itself.
fn apply_roster_change(state: &mut State, change: RosterChange, effects: &mut Vec<Effect>) {
    match change {
        RosterChange::Removed(jid) => {
            // ROS-10: the item goes with its presence.
            state.presence.clear(&jid);
            effects.push(Effect::Emit(Event::RosterRemoved {
                jid: jid.to_string(),
            }));
        }
        RosterChange::Added(jid) => {
            state.presence.mark_contact(&jid);
            // New contacts start offline; only one we heard from moves.
            if state.presence.get(&jid).is_some() {
                sync_availability(state, &jid);
            }
            answered_elsewhere(state, &jid);
            emit_roster_item(state, &jid, effects);
        }
        RosterChange::Updated { jid, old } => {
            // INT-06, INT-12: losing our subscription to them takes them offline.
            let has_to = state
                .roster
                .get(&jid)
                .is_some_and(|c| c.subscription.has_to());
            if old.has_to() && !has_to {
                state.presence.clear(&jid);
                sync_availability(state, &jid);
            }
            answered_elsewhere(state, &jid);
            emit_roster_item(state, &jid, effects);
        }
    }
}

/// The roster keeps each contact's availability to stay sorted; call
/// after every presence change of `jid`.
fn sync_availability(state: &mut State, jid: &BareJid) {
    let availability = state.presence.availability(jid);
    state.roster.set_availability(jid, availability);
}

/// Approved (here, on another device, or by a pre-approval): the prompt is
/// answered and the pre-approval used up (INT-05).
fn answered_elsewhere(state: &mut State, jid: &BareJid) {
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

fn emit_roster_item(state: &State, jid: &BareJid, effects: &mut Vec<Effect>) {
    if state.notices_only {
        return;
    }
    if let Some(contact) = state.roster.get(jid) {
        effects.push(Effect::Emit(roster_event(state, contact)));
    }
}

/// The roster event for a contact, with pending-in from the stored requests.
pub fn roster_event(state: &State, contact: &Contact) -> Event {
    Event::Roster {
        jid: contact.jid.to_string(),
        name: contact.name.as_deref().map(str::to_owned),
        subscription: contact.subscription.as_str().to_owned(),
        ask: contact.ask,
        approved: contact.approved || state.preapproved.contains(&contact.jid),
        pending_in: state.pending.contains(&contact.jid),
        groups: state
            .roster
            .group_names(contact)
            .map(str::to_owned)
            .collect(),
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

fn apply_presence(state: &mut State, presence: Presence, effects: &mut Vec<Effect>) {
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
            apply_own_presence(state, &presence, resource, status);
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
                .unwrap_or_else(|| StanzaError::from_stanza(&presence.to_element()));
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
            withdraw_failed_request(state, &bare, &error, effects);
        }
        PresenceType::Subscribe => apply_subscribe(state, bare, status, effects),
        PresenceType::Subscribed | PresenceType::Unsubscribed | PresenceType::Unsubscribe => {
            // SUB-11: notices; the roster changes only through pushes.
            if presence.kind == PresenceType::Unsubscribe {
                // They withdrew their own request, if one was waiting.
                state.pending.remove(&bare);
            }
            let kind = presence.kind.as_str().to_owned();
            push_notice(state, format!("{bare}: {kind}"), false);
            effects.push(Effect::Emit(Event::SubscriptionNotice {
                jid: bare.to_string(),
                kind,
            }));
        }
    }
}

/// SUB-12, CORE-20: a presence error from a contact we asked to follow
/// means the request failed. A `wait` error may still go through and is
/// left pending; any other is final, so the pending state (`ask`) is
/// undone with `unsubscribe`, which only the server can clear, rather than
/// left for nobody to answer. Either way the user is told.
fn withdraw_failed_request(
    state: &mut State,
    jid: &BareJid,
    error: &StanzaError,
    effects: &mut Vec<Effect>,
) {
    if !state.roster.get(jid).is_some_and(|c| c.ask) {
        return;
    }
    let text = if error.error_type == crate::xmpp::error::ErrorType::Wait {
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

/// PRES-15: presence from a new stranger is dropped once the strangers'
/// table is full, so spam cannot grow memory; contacts never count.
fn stranger_refused(state: &State, jid: &BareJid, stranger: bool) -> bool {
    stranger && state.presence.get(jid).is_none() && state.presence.strangers() >= MAX_STRANGERS
}

/// PRES-13: presence from our other resources ("my other devices").
fn apply_own_presence(
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
        return;
    }
    match presence.kind {
        PresenceType::Available => {
            let own = &mut state.own_resources;
            if own.resources.len() < super::presence::MAX_RESOURCES
                || own.resources.contains_key(&resource)
            {
                own.resources.insert(
                    resource,
                    super::presence::ResourceState::new(presence.show, status, presence.priority),
                );
            }
        }
        _ => {
            state.own_resources.resources.remove(&resource);
        }
    }
}

/// SUB-04, SUB-06, SUB-07, SEC-04: a request waits for the user unless the
/// configured policy approves it.
fn apply_subscribe(
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

fn apply_message(state: &mut State, message: Message, at: i64, effects: &mut Vec<Effect>) {
    let lang = state.prefs.language.clone();
    let own_domain = state.jid.as_ref().map(|j| j.domain().as_str().to_owned());
    // CORE-24: no `from` means our own server.
    let from: Jid = match (&message.from, &own_domain) {
        (Some(from), _) => from.clone(),
        (None, Some(domain)) => match Jid::new(domain) {
            Ok(jid) => jid,
            Err(_) => return,
        },
        (None, None) => return,
    };
    if message.kind == MessageType::Error {
        let error = message
            .error
            .clone()
            .unwrap_or_else(|| StanzaError::from_stanza(&message.to_element()));
        let matched = message
            .id
            .as_deref()
            .and_then(|id| state.chats.attach_error(id, &from, error.clone()));
        if let (Some(id), Some(_)) = (&message.id, matched) {
            effects.push(Effect::RecordError {
                id: id.clone(),
                error: error.to_string(),
            });
        }
        let mut text = describe_delivery_error(&from, &error);
        // PRIV-22: our own list refused it (XEP-0016 says not-acceptable,
        // Prosody's module service-unavailable). When our blocklist has the
        // contact, the block is ours even without XEP-0191's <blocked/>
        // marker (ejabberd keeps the blocklist as a privacy list and bounces
        // with that list's words).
        let by_list = !error.is_blocked_by_us() && state.is_blocked(&from.to_bare());
        let in_blocklist = state
            .privacy
            .blocklist
            .as_ref()
            .is_some_and(|list| crate::xmpp::stanza::blocking::is_blocked(list, &from));
        if by_list && in_blocklist {
            text = format!("message to {from}: you blocked this contact ({error})");
        } else if by_list {
            text = format!("message to {from}: blocked by your privacy list ({error})");
        }
        // BLK-06: offer the way out.
        if by_list || error.is_blocked_by_us() {
            let (groups, subscription) = super::privacy::subscription_of(state, &from.to_bare());
            if let Some(hint) = state.privacy.unblock_hint(&from, &groups, &subscription) {
                text = format!("{text}; {hint}");
            }
        }
        push_notice(state, text, true);
        if matched.is_none() {
            tracing::debug!(from = %from, "an error reply to no message of ours");
        }
        effects.push(Effect::Emit(Event::MessageError {
            from: from.to_string(),
            id: message.id.clone(),
            error: error.to_string(),
        }));
        return;
    }
    // SYN-09: nothing we understand in it: nothing to show.
    if message.is_empty() {
        return;
    }
    let body = message.body(&lang).unwrap_or_default().to_owned();
    let subject = message.subject(&lang).map(str::to_owned);
    if let Some(id) = &message.id
        && state
            .chats
            .is_redelivery(&from, id, &[&body, subject.as_deref().unwrap_or_default()])
    {
        tracing::debug!(%from, %id, "dropping a redelivered message");
        return;
    }
    let from_server =
        from.node().is_none() && own_domain.as_deref() == Some(from.domain().as_str());
    let thread = message.thread.as_ref().map(|t| t.id.clone());
    let mut record = super::Record {
        peer: from.to_bare(),
        resource: from.resource().map(|r| r.as_str().to_owned()),
        thread: thread.clone(),
        kind: message.kind,
        subject: subject.clone(),
        body: body.clone(),
        stanza_id: message.id.clone(),
        at,
        line: None,
    };
    if message.kind == MessageType::Headline || from.node().is_none() {
        effects.push(Effect::Record(record));
        // MSG-13: announcements from a bare domain are system messages.
        state.headlines.push(Headline {
            from: from.to_string(),
            subject: subject.clone(),
            urls: find_urls(&body),
            body: body.clone(),
            at,
            from_server,
        });
        effects.push(Effect::Emit(Event::Headline {
            from: from.to_string(),
            subject,
            body,
        }));
        return;
    }
    let conversation = state.chats.receive(Incoming {
        from: &from,
        kind: message.kind,
        thread: thread.as_deref(),
        subject: subject.clone(),
        body: body.clone(),
        id: message.id.clone(),
        at,
    });
    record.line = state
        .chats
        .last_seq(conversation)
        .map(|seq| (conversation, seq));
    effects.push(Effect::Record(record));
    effects.push(Effect::Emit(Event::Message {
        from: from.to_string(),
        kind: message.kind.as_str().to_owned(),
        thread,
        subject,
        body,
    }));
}

/// MSG-12, RTE-05, PRIV-26, BLK-06: a bounce in words.
fn describe_delivery_error(from: &Jid, error: &StanzaError) -> String {
    use crate::xmpp::error::StanzaCondition as C;
    let reason = if error.is_blocked_by_us() {
        "you blocked this contact".to_owned()
    } else {
        match error.condition {
            C::ServiceUnavailable | C::RecipientUnavailable => {
                "not delivered: the recipient is unavailable or does not accept messages".to_owned()
            }
            C::ItemNotFound => "not delivered: no such user".to_owned(),
            C::RemoteServerNotFound | C::RemoteServerTimeout => {
                "not delivered: their server cannot be reached".to_owned()
            }
            _ => "not delivered".to_owned(),
        }
    };
    format!("message to {from}: {reason} ({error})")
}
