//! The chat area's update: every message the server delivers is
//! interpreted here, once (RFC 3921 §4, MSG-*): a bounce of ours, a
//! headline or announcement (handed to [`crate::app::headline`]), or a
//! conversation line. The same decision says what is shown and what is
//! recorded ([`Effect::Record`]); [`crate::app::attention`] says whether
//! it notifies. Also the user's `/msg`, `/normal`, plain
//! text and `/search`.

use jid::Jid;

use crate::xmpp::error::StanzaError;
use crate::xmpp::stanza::message::{Message, MessageType};

use crate::app::dispatch::{self, Outcome};
use crate::app::event::Event;
use crate::app::{Effect, Record, State, attention, headline, privacy, push_notice};

use super::{ConversationId, Incoming};

/// One message from the server; `at` is its arrival time.
pub fn on_message(state: &mut State, message: Message, at: i64, effects: &mut Vec<Effect>) {
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
        on_bounce(state, &message, &from, effects);
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
    let mut record = Record {
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
        // MSG-13: announcements from a bare domain are system messages.
        effects.push(Effect::Record(record));
        headline::receive(state, &from, subject, body, at, from_server, effects);
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
    attention::on_incoming(state, conversation, &from, message.kind, &body, effects);
    let action = attention::action_text(state, &from, message.kind, subject.as_deref(), &body);
    effects.push(Effect::Emit(Event::Message {
        from: from.to_string(),
        kind: message.kind.as_str().to_owned(),
        thread,
        subject,
        body,
        action,
    }));
}

/// MSG-12: one of our messages came back as an error.
fn on_bounce(state: &mut State, message: &Message, from: &Jid, effects: &mut Vec<Effect>) {
    let error = message.error.clone().unwrap_or_else(StanzaError::undefined);
    let matched = message
        .id
        .as_deref()
        .and_then(|id| state.chats.attach_error(id, from, error.clone()));
    if let (Some(id), Some(_)) = (&message.id, matched) {
        effects.push(Effect::RecordError {
            id: id.clone(),
            error: error.to_string(),
        });
    }
    let mut text = describe_delivery_error(from, &error);
    // PRIV-22: our own list refused it (XEP-0016 says not-acceptable,
    // Prosody's module service-unavailable). When our blocklist has the
    // contact, the block is ours even without XEP-0191's <blocked/> marker
    // (ejabberd keeps the blocklist as a privacy list and bounces with that
    // list's words).
    let by_list = !error.is_blocked_by_us() && state.is_blocked(&from.to_bare());
    let in_blocklist = state
        .privacy
        .blocklist
        .as_ref()
        .is_some_and(|list| crate::xmpp::stanza::blocking::is_blocked(list, from));
    if by_list && in_blocklist {
        text = format!("message to {from}: you blocked this contact ({error})");
    } else if by_list {
        text = format!("message to {from}: blocked by your privacy list ({error})");
    }
    // BLK-06: offer the way out.
    if by_list || error.is_blocked_by_us() {
        let (groups, subscription) = privacy::subscription_of(state, &from.to_bare());
        if let Some(hint) = state.privacy.unblock_hint(from, &groups, &subscription) {
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

/// `/msg JID [TEXT]`: opens the conversation, sending TEXT if given.
pub fn open(
    state: &mut State,
    to: Jid,
    body: Option<String>,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let id = state.chats.conversation_for(&to);
    state.active = Some(id);
    match body {
        None => Outcome::Done(format!("conversation with {to} open")),
        Some(body) => send_in(state, id, None, None, body, at, effects),
    }
}

/// A plain line: to the conversation on screen.
pub fn say(state: &mut State, text: String, at: i64, effects: &mut Vec<Effect>) -> Outcome {
    match state.active {
        Some(id) => send_in(state, id, None, None, text, at, effects),
        None => Outcome::Failed("no conversation is open: use /msg JID TEXT".into()),
    }
}

/// `/normal JID [SUBJECT |] BODY`
pub fn send_normal(
    state: &mut State,
    to: Jid,
    subject: Option<String>,
    body: String,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let id = state.chats.conversation_for(&to);
    state.active = Some(id);
    let kind = Some(MessageType::Normal);
    send_in(state, id, kind, subject, body, at, effects)
}

/// `/search TEXT`: the runner searches the history and reports.
pub fn search(tag: u64, text: String, effects: &mut Vec<Effect>) -> Outcome {
    effects.push(Effect::Search { tag, text });
    Outcome::Pending
}

/// The history search is done: each match as information, then the
/// result.
pub fn on_searched(
    state: &mut State,
    tag: u64,
    text: String,
    result: Result<Vec<String>, String>,
    effects: &mut Vec<Effect>,
) {
    let outcome = match result {
        Ok(lines) => {
            let count = lines.len();
            for line in lines {
                effects.push(Effect::Emit(Event::Info { text: line }));
            }
            Outcome::Done(format!("{count} found"))
        }
        Err(why) => Outcome::Failed(why),
    };
    dispatch::report(state, tag, format!("/search {text}"), outcome, effects);
}

fn send_in(
    state: &mut State,
    id: ConversationId,
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
