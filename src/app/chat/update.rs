//! The chat area's update: every message the server delivers is
//! interpreted here, once (RFC 3921 §4, MSG-*): a bounce of ours, a
//! headline or announcement (handed to [`crate::app::headline`]), or a
//! conversation line. The same decision says what is shown and what is
//! recorded ([`Effect::Record`]); [`crate::app::attention`] says whether
//! it notifies. Carbon copies of what our other devices sent and received
//! (XEP-0280) are interpreted here too, and the stable ids (XEP-0359)
//! decide when one message came by several paths. Delivery receipts
//! (XEP-0184) are answered and matched to our lines here; a live message's
//! chat state (XEP-0085) goes to [`super::states`] first; corrections and
//! displayed markers are recognised here and handled by
//! [`super::correction`] and [`super::markers`]. The messages the archive
//! catch-up and scrollback fetched (XEP-0313) are interpreted here too, as
//! history: never answered, never notified one by one (MAM-15). Also the
//! user's `/msg`, `/normal`, plain text and `/search`, and turning carbons
//! on at login.

use jid::Jid;

use crate::xmpp::error::StanzaError;
use crate::xmpp::query::{Answer, Query, feature};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::carbons;
use crate::xmpp::stanza::mam::ArchivedMessage;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::omemo::E2e;
use crate::xmpp::stanza::roster::Subscription;

use crate::app::dispatch::{self, Outcome};
use crate::app::event::Event;
use crate::app::{Effect, Purpose, Record, State, attention, headline, privacy, push_notice};

use super::{ConversationId, Devices, Direction, Incoming, StableKey, correction, markers, states};

/// A new session (not a resumed one): carbons are off again until enabled
/// (CARBONS-03), and nothing is known of our account's stanza-ids.
pub fn discover(state: &mut State) {
    state.devices = Devices::default();
}

/// The server's features are known: turn carbons on when it offers them
/// (CARBONS-01, CARBONS-02), and ask our account whether its stanza-ids
/// can be trusted (DISCO-08, SID-02).
pub fn on_server_info(
    state: &mut State,
    result: &Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let Some(own) = state.jid.as_ref().map(|j| j.to_bare()) else {
        return;
    };
    let offered = matches!(result, Ok(Answer::Features(features))
        if features.iter().any(|f| f == feature::CARBONS));
    if offered {
        effects.push(Effect::Request {
            query: Query::CarbonsEnable,
            purpose: Purpose::Carbons,
        });
    }
    effects.push(Effect::Request {
        query: Query::AccountInfo(own),
        purpose: Purpose::AccountInfo,
    });
}

/// SID-02: our account's features; an error means none (DISCO-11).
pub fn on_account_info(state: &mut State, result: &Result<Answer, RequestError>) {
    state.devices.archive_ids = matches!(result, Ok(Answer::Features(features))
        if features.iter().any(|f| f == feature::STABLE_IDS));
}

/// CARBONS-02: an error means no carbons this session, not a failed login.
pub fn on_carbons_enabled(
    state: &mut State,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Ok(_) => state.devices.carbons = true,
        Err(error) => {
            state.devices.carbons = false;
            tracing::warn!(%error, "the server refused to enable carbons");
            effects.push(Effect::Emit(Event::Error {
                text: format!("messages of your other devices are not copied here: {error}"),
            }));
        }
    }
}

/// How a message reached us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin<'a> {
    /// Sent to us, now.
    Live,
    /// A copy of what another of our devices got (CARBONS-05).
    Carbon(carbons::Direction),
    /// From our archive, under this archive id (MAM-04): history.
    Archive(&'a str),
    /// From our archive, older than every line held (MAM-12): recorded,
    /// not filed as a line; the history shows it when read back.
    Scrollback(&'a str),
}

impl<'a> Origin<'a> {
    /// The archive id, for a message from our archive.
    fn archive_id(self) -> Option<&'a str> {
        match self {
            Origin::Archive(id) | Origin::Scrollback(id) => Some(id),
            Origin::Live | Origin::Carbon(_) => None,
        }
    }
}

/// One message from the server; `at` is its arrival time. Only a live
/// message's chat state counts (STATES-09, STATES-14).
pub fn on_message(state: &mut State, message: Message, at: i64, effects: &mut Vec<Effect>) {
    if message.kind == MessageType::Error && states::on_bounce(state, &message) {
        return;
    }
    states::on_message(state, &message, at, effects);
    interpret(state, message, Origin::Live, at, effects);
}

/// MAM-04, MAM-15: a message from our own archive (the session checked
/// MAM-03), filed at its archive time: ours when the inner `from` is our
/// account, else incoming. History: no receipt, marker or notification
/// comes of it. Returns the sender when it was filed as a new incoming
/// line, which counts as unread.
pub fn on_archived(
    state: &mut State,
    archived: ArchivedMessage,
    effects: &mut Vec<Effect>,
) -> Option<jid::BareJid> {
    file_archived(state, archived, false, effects)
}

/// MAM-12: a message from our archive older than every line held: only
/// recorded (the caller stores it below the rest), never filed as a line.
pub fn on_archived_older(state: &mut State, archived: ArchivedMessage, effects: &mut Vec<Effect>) {
    file_archived(state, archived, true, effects);
}

fn file_archived(
    state: &mut State,
    archived: ArchivedMessage,
    older: bool,
    effects: &mut Vec<Effect>,
) -> Option<jid::BareJid> {
    let own = state.jid.as_ref().map(|j| j.to_bare())?;
    let at = archived.stamp.unix_seconds().unwrap_or_default();
    let message = archived.forwarded.message;
    let origin = if older {
        Origin::Scrollback(&archived.id)
    } else {
        Origin::Archive(&archived.id)
    };
    if message
        .from
        .as_ref()
        .is_some_and(|from| from.to_bare() == own)
    {
        on_sent_elsewhere(state, message, origin, at, effects);
        return None;
    }
    if !older && let Some((room, nick)) = crate::app::room::route_archived(&message) {
        crate::app::room::update::on_archived_private(
            state,
            room.clone(),
            nick,
            message,
            at,
            archived.id.clone(),
            effects,
        );
        return Some(room);
    }
    let from = message.from.as_ref().map(|from| from.to_bare());
    interpret(state, message, origin, at, effects)
        .then_some(from)
        .flatten()
}

/// A carbon copy from our own account (the session checked CARBONS-04 and
/// CARBONS-07): a `received` copy is an incoming message (CARBONS-05), a
/// `sent` one our own line with its recipient (CARBONS-06). Neither is ever
/// answered (CARBONS-08).
pub fn on_carbon(
    state: &mut State,
    direction: carbons::Direction,
    message: Message,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    match direction {
        carbons::Direction::Received => {
            interpret(state, message, Origin::Carbon(direction), at, effects);
        }
        carbons::Direction::Sent => {
            on_sent_elsewhere(state, message, Origin::Carbon(direction), at, effects)
        }
    }
}

/// The stable ids a message is filed under: our archive's id when trusted
/// (SID-02, SID-04), and the sender's origin-id (SID-05).
fn stable_keys(
    state: &State,
    message: &Message,
    peer: &jid::BareJid,
    direction: Direction,
) -> (Vec<StableKey>, Option<String>) {
    let archive_id = state
        .jid
        .as_ref()
        .filter(|_| state.devices.archive_ids)
        .and_then(|own| {
            let own = Jid::from(own.to_bare());
            message
                .stanza_ids
                .iter()
                .find(|stanza_id| stanza_id.by == own)
                .map(|stanza_id| stanza_id.id.clone())
        });
    let mut keys = Vec::new();
    if let Some(id) = &archive_id {
        keys.push(StableKey::Archive(id.clone()));
    }
    if let Some(id) = &message.origin_id {
        keys.push(StableKey::Origin(peer.clone(), direction, id.clone()));
    }
    (keys, archive_id)
}

/// The stable keys and archive id of a message from our archive: the
/// result's id is our archive's id, whatever the message carries (MAM-04).
fn archived_keys(
    (mut keys, archive_id): (Vec<StableKey>, Option<String>),
    archived: Option<&str>,
) -> (Vec<StableKey>, Option<String>) {
    match archived {
        Some(id) => {
            keys.retain(|key| !matches!(key, StableKey::Archive(_)));
            keys.insert(0, StableKey::Archive(id.to_owned()));
            (keys, Some(id.to_owned()))
        }
        None => (keys, archive_id),
    }
}

/// CARBONS-06: a message another of our devices sent; from our archive,
/// one we sent (from here or elsewhere) as the archive kept it (MAM-10: the
/// one this session sent is known by its origin-id).
fn on_sent_elsewhere(
    state: &mut State,
    message: Message,
    origin: Origin<'_>,
    at: i64,
    effects: &mut Vec<Effect>,
) {
    let archived = origin.archive_id();
    let Some(own) = state.jid.as_ref().map(|j| j.to_bare()) else {
        return;
    };
    let Some(to) = message.to.clone() else {
        tracing::debug!("a sent carbon without a recipient");
        return;
    };
    // Sent by one of our resources, or it is not ours to show as ours.
    if message
        .from
        .as_ref()
        .is_some_and(|from| from.to_bare() != own)
    {
        tracing::warn!("dropped a sent carbon whose message is not from our account");
        return;
    }
    if message.kind == MessageType::Error || to.node().is_none() {
        return;
    }
    let device = message
        .from
        .clone()
        .unwrap_or_else(|| Jid::from(own.clone()));
    // A marker we sent from there: read there.
    if let Some(id) = &message.displayed {
        markers::on_displayed_elsewhere(state, id, &device, &to.to_bare(), effects);
    }
    // CARBONS-15 and SYN-09: errors and empty copies show nothing.
    if message.is_empty() {
        return;
    }
    let lang = state.prefs.language.clone();
    let body = message.body(&lang).unwrap_or_default().to_owned();
    let subject = message.subject(&lang).map(str::to_owned);
    let peer = to.to_bare();
    let (keys, archive_id) = archived_keys(
        stable_keys(state, &message, &peer, Direction::Outgoing),
        archived,
    );
    if state.chats.is_known(&keys) {
        tracing::debug!(%to, "dropping a copy of a message already filed");
        return;
    }
    // OMEMO-41: as for a message to us (see `interpret`).
    if let E2e::Undecryptable { quiet: true, .. } = message.e2e {
        return;
    }
    // CORRECT-06, CORRECT-11: our own correction from another device.
    let corrects = message.replace.is_some();
    if corrects
        && correction::apply_incoming(
            state,
            &message,
            &peer,
            &device,
            Direction::Outgoing,
            &body,
            effects,
        )
        .is_some()
    {
        return;
    }
    let device = device.resource().map(|r| r.as_str().to_owned());
    let thread = message.thread.as_ref().map(|t| t.id.clone());
    if let Origin::Scrollback(_) = origin {
        effects.push(Effect::Record(Record {
            peer,
            resource: device,
            thread,
            kind: message.kind,
            subject,
            body,
            stanza_id: message.id.clone(),
            direction: Direction::Outgoing,
            origin_id: message.origin_id.clone(),
            archive_id,
            at,
            line: None,
            edited: false,
            room_id: None,
        }));
        return;
    }
    let conversation = state.chats.sent_elsewhere(
        Incoming {
            from: &to,
            kind: message.kind,
            thread: thread.as_deref(),
            subject: subject.clone(),
            body: body.clone(),
            id: message.id.clone(),
            at,
        },
        device.clone(),
    );
    if let Some(seq) = state.chats.last_seq(conversation) {
        let seal = crate::app::omemo::seal_of(&message.e2e);
        state.chats.set_seal(conversation, seq, seal);
    }
    if corrects {
        correction::mark_new_line_edited(state, conversation);
    }
    effects.push(Effect::Record(Record {
        peer,
        resource: device.clone(),
        thread: thread.clone(),
        kind: message.kind,
        subject: subject.clone(),
        body: body.clone(),
        stanza_id: message.id.clone(),
        direction: Direction::Outgoing,
        origin_id: message.origin_id.clone(),
        archive_id,
        at,
        line: state
            .chats
            .last_seq(conversation)
            .map(|seq| (conversation, seq)),
        edited: corrects,
        room_id: None,
    }));
    if archived.is_some() {
        return;
    }
    effects.push(Effect::Emit(Event::Carbon {
        direction: carbons::Direction::Sent.as_str().to_owned(),
        from: message
            .from
            .as_ref()
            .map_or_else(|| own.to_string(), Jid::to_string),
        to: to.to_string(),
        kind: message.kind.as_str().to_owned(),
        thread,
        subject,
        body,
    }));
}

/// A message for us, live, as another device got it, or from our archive;
/// true when it was filed as a new conversation line.
fn interpret(
    state: &mut State,
    message: Message,
    origin: Origin<'_>,
    at: i64,
    effects: &mut Vec<Effect>,
) -> bool {
    // A copy names its sender, and a copied bounce belongs to the device
    // that sent the message (CARBONS-15); an archived bounce is old news.
    if origin != Origin::Live && (message.from.is_none() || message.kind == MessageType::Error) {
        return false;
    }
    let archived = origin.archive_id();
    let lang = state.prefs.language.clone();
    let own_domain = state.jid.as_ref().map(|j| j.domain().as_str().to_owned());
    // CORE-24: no `from` means our own server.
    let from: Jid = match (&message.from, &own_domain) {
        (Some(from), _) => from.clone(),
        (None, Some(domain)) => match Jid::new(domain) {
            Ok(jid) => jid,
            Err(_) => return false,
        },
        (None, None) => return false,
    };
    if message.kind == MessageType::Error {
        on_bounce(state, &message, &from, effects);
        return false;
    }
    // RECEIPTS-08, RECEIPTS-09: a receipt, live or copied, marks our line
    // and is never drawn.
    if let Some(id) = &message.receipt {
        on_receipt(state, id, &from, effects);
    }
    // MARKERS-06: the same for a displayed marker; MARKERS-04: never
    // answered.
    if let Some(id) = &message.displayed {
        markers::on_displayed(state, id, &from, effects);
    }
    // SYN-09: nothing we understand in it: nothing to show.
    if message.is_empty() {
        return false;
    }
    let body = message.body(&lang).unwrap_or_default().to_owned();
    let subject = message.subject(&lang).map(str::to_owned);
    // CARBONS-14: the same message by another path (live and a carbon,
    // resent after a reconnect) is filed once, by its stable ids first.
    let (keys, archive_id) = archived_keys(
        stable_keys(state, &message, &from.to_bare(), Direction::Incoming),
        archived,
    );
    if state.chats.is_known(&keys) {
        tracing::debug!(%from, "dropping a message already filed");
        return false;
    }
    if let Some(id) = &message.id
        && state
            .chats
            .is_redelivery(&from, id, &[&body, subject.as_deref().unwrap_or_default()])
    {
        tracing::debug!(%from, %id, "dropping a redelivered message");
        return false;
    }
    // OMEMO-41: a message the engine could not decrypt and has nothing
    // to say about (a copy already read, a session being moved on) shows
    // nothing; one it has something to say about is a line of its own,
    // its body saying why.
    if let E2e::Undecryptable { quiet: true, .. } = message.e2e {
        tracing::debug!(%from, "dropping an undecryptable message with nothing to tell");
        return false;
    }
    let seal = crate::app::omemo::seal_of(&message.e2e);
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
        direction: Direction::Incoming,
        origin_id: message.origin_id.clone(),
        archive_id,
        at,
        line: None,
        edited: false,
        room_id: None,
    };
    if message.kind == MessageType::Headline || from.node().is_none() {
        // MSG-13: announcements from a bare domain are system messages;
        // an archived one is kept, not announced again.
        effects.push(Effect::Record(record));
        if archived.is_none() {
            headline::receive(state, &from, subject, body, at, from_server, effects);
        }
        return false;
    }
    if let Origin::Scrollback(_) = origin {
        effects.push(Effect::Record(record));
        return false;
    }
    // CORRECT-06: the contact's correction of their own line.
    if message.replace.is_some()
        && let Some(conversation) = correction::apply_incoming(
            state,
            &message,
            &from.to_bare(),
            &from,
            Direction::Incoming,
            &body,
            effects,
        )
    {
        // MARKERS-03: the correction is now the newest text seen there;
        // MAM-15: an archived one asks for no marker nor receipt.
        if archived.is_none() {
            note_markable(state, conversation, &message);
        }
        if origin == Origin::Live {
            answer_receipt(state, &message, &from, effects);
        }
        return false;
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
    if let Some((_, seq)) = record.line {
        state.chats.set_seal(conversation, seq, seal);
    }
    // CORRECT-09: a correction of a line we do not hold is a new line,
    // marked edited; in a room it is an ordinary one (CORRECT-06).
    if message.replace.is_some() && message.kind != MessageType::Groupchat {
        correction::mark_new_line_edited(state, conversation);
        record.edited = true;
    }
    // MAM-15: an archived message asks for no marker.
    if archived.is_none() {
        note_markable(state, conversation, &message);
    }
    effects.push(Effect::Record(record));
    // RECEIPTS-04, MAM-15: only a live message is answered; an archived
    // one notifies only in the catch-up's summary.
    if origin == Origin::Live {
        answer_receipt(state, &message, &from, effects);
    }
    if archived.is_none() {
        attention::on_incoming(state, conversation, &from, message.kind, &body, effects);
    }
    let action = attention::action_text(state, &from, message.kind, subject.as_deref(), &body);
    let event = match origin {
        Origin::Carbon(direction) => Event::Carbon {
            direction: direction.as_str().to_owned(),
            from: from.to_string(),
            to: message.to.as_ref().map(Jid::to_string).unwrap_or_default(),
            kind: message.kind.as_str().to_owned(),
            thread,
            subject,
            body,
        },
        Origin::Live | Origin::Archive(_) | Origin::Scrollback(_) => Event::Message {
            from: from.to_string(),
            kind: message.kind.as_str().to_owned(),
            thread,
            subject,
            body,
            action,
        },
    };
    effects.push(Effect::Emit(event));
    true
}

/// RECEIPTS-08: `from` confirmed our message `id`; a receipt from anyone
/// but the conversation's contact, or for an id we do not know, is
/// ignored. The history keeps the mark.
fn on_receipt(state: &mut State, id: &str, from: &Jid, effects: &mut Vec<Effect>) {
    if state.chats.mark_received(id, from).is_some() {
        effects.push(Effect::RecordMark {
            peer: from.to_bare(),
            id: id.to_owned(),
            mark: crate::app::Mark::Received,
        });
        effects.push(Effect::Emit(Event::Receipt {
            from: from.to_string(),
            id: id.to_owned(),
        }));
    } else {
        tracing::debug!(%from, %id, "a receipt for no message of ours from there");
    }
}

/// RECEIPTS-02: a live message that asks for a receipt, now shown and
/// recorded, is answered to the sender's full JID. Not for carbons
/// (RECEIPTS-04, the caller's check), errors (handled before), groupchat,
/// headlines, a message without an id, when the user turned receipts off,
/// or to a sender who may not see our presence (RECEIPTS-05: a receipt
/// says we are online).
fn answer_receipt(state: &State, message: &Message, from: &Jid, effects: &mut Vec<Effect>) {
    if !message.receipt_request || !state.prefs.send_receipts {
        return;
    }
    let sees_us = state.roster.get(&from.to_bare()).is_some_and(|contact| {
        matches!(
            contact.subscription,
            Subscription::From | Subscription::Both
        )
    });
    if !sees_us {
        tracing::debug!(%from, "no receipt for a sender who does not see our presence");
        return;
    }
    if !matches!(message.kind, MessageType::Chat | MessageType::Normal) {
        return;
    }
    let Some(id) = &message.id else {
        return;
    };
    let mut answer = Message::new(message.kind);
    answer.to = Some(from.clone());
    answer.id = Some(crate::xmpp::id::next());
    answer.receipt = Some(id.clone());
    effects.push(Effect::SendMessage(answer));
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
    let id = match crate::app::room::conversation_for(state, &to) {
        Some(id) => id,
        None => state.chats.conversation_for(&to),
    };
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
    if let Err(why) = crate::app::room::update::may_send(state, id) {
        return Outcome::Failed(why);
    }
    // Pending until the server acknowledges it, when it does (XEP-0198),
    // or until we are back online.
    let pending = state.acks || !state.is_online();
    let mut message = state.chats.compose(id, kind, subject, body, at, pending);
    if let Some(message) = &mut message {
        states::on_send(state, id, message);
        crate::app::caps::fit_to_recipient(state, message);
        crate::app::room::update::on_compose(state, id, message);
        if let Some(seq) = state.chats.last_seq(id) {
            crate::app::omemo::seal_outgoing(state, id, seq, message);
        }
    }
    match message {
        Some(message) if !state.is_online() => {
            // Not on the wire yet: say so now, and "sent" once it is.
            if let (Some(id), Some(to)) = (&message.id, &message.to) {
                state.queued.insert(id.clone(), to.to_string());
            }
            effects.push(Effect::SendMessage(message));
            Outcome::Done("queued: it is sent when the connection is back".into())
        }
        Some(message) => {
            if message.e2e == crate::xmpp::stanza::omemo::E2e::Required {
                state.omemo.awaiting = message.id.clone();
            }
            effects.push(Effect::SendMessage(message));
            Outcome::Done("sent".into())
        }
        None => Outcome::Failed("that conversation is gone".into()),
    }
}

/// UPLOAD-09: sends `link` into conversation `id` as a message whose body
/// is the URL, marked with `jabber:x:oob`.
pub fn send_link(
    state: &mut State,
    id: ConversationId,
    link: crate::xmpp::stanza::oob::Oob,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let before = effects.len();
    let outcome = send_in(state, id, None, None, link.url.clone(), at, effects);
    for effect in &mut effects[before..] {
        // An encrypted link travels in the body alone: `jabber:x:oob`
        // beside the encrypted body would give it away in clear.
        if let Effect::SendMessage(message) = effect
            && message.oob.is_none()
            && !message.e2e.is_encrypted()
            && message.body("") == Some(link.url.as_str())
        {
            message.oob = Some(link.clone());
        }
    }
    outcome
}

/// MARKERS-02, MARKERS-07: a chat message that asked for a marker is the one
/// the next marker from this conversation names.
fn note_markable(state: &mut State, conversation: ConversationId, message: &Message) {
    if message.markable
        && message.kind == MessageType::Chat
        && let Some(id) = &message.id
    {
        state.chats.note_markable(conversation, id.clone());
    }
}
