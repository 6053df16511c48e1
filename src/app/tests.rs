//! Store tests: feed messages, look at the state and the effects.
//!
//! Each test drives [`update`] the way the engine does: hand-built
//! [`SessionEvent`]s, [`Msg::Reply`] for IQ answers, and [`Msg::Command`]
//! with actions from [`command::parse`]. It then checks the new [`State`]
//! and the exact [`Effect`]s, written out by [`trace`] as one line each
//! (outbound stanzas as XML, their random `id` shown as `ID`). Tests are
//! named after the checklist ID they prove
//! (`shared/spec/rfc3921-client-checklist.md`). Inbound stanzas are the
//! checklist's examples, parsed by the stanza layer as the session would.
//!
//! One file per area under `tests/`; the fixtures they share live here.
//! Tests marked `#[ignore = "bug: …"]` expose a known defect and pass once
//! it is fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod archive;
mod attention;
mod bookmarks;
mod caps;
mod carbons;
mod chat_states;
mod closed;
mod continuation;
mod corrections;
mod directory;
mod login;
mod markers;
mod message;
mod moderation;
mod omemo;
mod presence;
mod privacy;
mod readiness;
mod receipts;
mod register;
mod report;
mod room;
mod room_history;
mod roster;
mod roster_command;
mod routing;
mod scale;
mod service;
mod subscription;
mod upload;
mod vcard;
mod voice;

use jid::{BareJid, FullJid};

use super::event::Event;
use super::{Effect, Msg, Notice, Preferences, Purpose, State, command, update};
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::login::StreamFeatures;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::{RequestError, SessionEvent};
use crate::xmpp::stanza::iq::Iq;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::presence::Presence;
use crate::xmpp::stanza::roster::parse_push;
use crate::xmpp::stanza::test_xml;

/// Our full JID, as in the checklist.
const ME: &str = "juliet@example.com/balcony";

/// The roster the server returns in [`logged_in`].
const ROSTER: &str = "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='ver1'>\
     <item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item>\
     <item jid='nurse@example.com' name='Nurse' subscription='none'/>\
     </query></iq>";

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).unwrap()
}

fn full(jid: &str) -> FullJid {
    FullJid::new(jid).unwrap()
}

fn features(roster_versioning: bool, pre_approval: bool) -> StreamFeatures {
    StreamFeatures {
        roster_versioning,
        pre_approval,
        ..StreamFeatures::default()
    }
}

/// A session event arriving at time 0.
fn session(state: &mut State, event: SessionEvent) -> Vec<Effect> {
    update(state, Msg::Session { event, at: 0 })
}

/// Login finished: bound as [`ME`]. The steps between the roster and
/// initial presence (carbons, the archive catch-up) count as over, without
/// either: `tests/archive.rs` drives them with [`online_with_steps`].
fn online(state: &mut State, features: StreamFeatures) -> Vec<Effect> {
    let effects = online_with_steps(state, features);
    state.archive.skip_login_steps();
    effects
}

/// Login finished: bound as [`ME`], every login step still to come.
fn online_with_steps(state: &mut State, features: StreamFeatures) -> Vec<Effect> {
    session(
        state,
        SessionEvent::Online {
            jid: full(ME),
            features,
        },
    )
}

fn iq(xml: &str) -> Iq {
    Iq::parse(&test_xml::parse(xml)).unwrap()
}

/// The session side's reading of `result` as the answer to `query`: the
/// tests feed the server's XML, the store gets what the session decodes.
fn decoded(query: &Query, result: Result<Iq, RequestError>) -> Result<Answer, RequestError> {
    result.and_then(|iq| query.decode(iq))
}

/// The query privacy job `tag` is waiting on.
fn step_query(state: &State, tag: u64) -> Query {
    let step = state
        .privacy
        .jobs
        .get(&tag)
        .and_then(|job| job.steps.front())
        .expect("a job waiting for an answer");
    super::privacy::step_query(&state.privacy, step).expect("a step that sends")
}

/// The answer to the login roster get.
fn roster_reply(
    state: &mut State,
    versioned: bool,
    result: Result<Iq, RequestError>,
) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::RosterGet { versioned },
            result: decoded(
                &Query::RosterGet {
                    ver: versioned.then(String::new),
                },
                result,
            ),
        },
    )
}

/// A roster push that passed the session's sender check; `query` is the
/// `<query xmlns='jabber:iq:roster'>` holding the one item.
fn push(state: &mut State, query: &str) -> Vec<Effect> {
    let (item, ver) = parse_push(&test_xml::parse(query)).unwrap();
    session(state, SessionEvent::RosterPush { item, ver })
}

/// A push of a single `<item/>` without a version.
fn push_item(state: &mut State, item: &str) -> Vec<Effect> {
    push(
        state,
        &format!("<query xmlns='jabber:iq:roster'>{item}</query>"),
    )
}

fn presence(state: &mut State, xml: &str) -> Vec<Effect> {
    let presence = Presence::parse(&test_xml::parse(xml)).unwrap();
    session(state, SessionEvent::Presence(presence))
}

fn message(state: &mut State, xml: &str) -> Vec<Effect> {
    let message = Message::parse(&test_xml::parse(xml)).unwrap();
    session(state, SessionEvent::Message(message))
}

/// A line typed by the user, as command `tag`.
fn run(state: &mut State, tag: u64, line: &str) -> Vec<Effect> {
    let action = command::parse(line).unwrap();
    update(
        state,
        Msg::Command {
            tag,
            action,
            at: 100,
        },
    )
}

/// The server's `result` to roster set `tag`.
fn set_ok(state: &mut State, tag: u64) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::RosterSet { tag },
            result: Ok(Answer::Done),
        },
    )
}

/// The server's `error` to roster set `tag`.
fn set_failed(
    state: &mut State,
    tag: u64,
    error_type: ErrorType,
    condition: StanzaCondition,
) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::RosterSet { tag },
            result: Err(RequestError::Stanza(StanzaError::new(
                error_type, condition,
            ))),
        },
    )
}

fn connection_lost(state: &mut State) -> Vec<Effect> {
    session(
        state,
        SessionEvent::Closed {
            error: Some("connection reset".into()),
            retryable: true,
        },
    )
}

/// Online with `features`, the roster of [`ROSTER`] applied, initial
/// presence sent.
fn logged_in_with(prefs: Preferences, features: StreamFeatures) -> State {
    let mut state = State::new(prefs);
    online(&mut state, features);
    roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert!(state.initial_presence_sent);
    state
}

fn logged_in() -> State {
    logged_in_with(Preferences::default(), features(false, false))
}

/// In `room` as `nick` (MUC-10): joined, our own presence back, the
/// subject (empty) received.
fn in_room(state: &mut State, room: &str, nick: &str) {
    let mut effects = Vec::new();
    super::room::join(
        state,
        super::room::RoomJoin {
            room: bare(room),
            nick: nick.into(),
            password: None,
            nick_is_default: false,
        },
        0,
        &mut effects,
    )
    .unwrap();
    update(
        state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(room) },
            result: Ok(Answer::Features(Vec::new())),
        },
    );
    presence(
        state,
        &format!(
            "<presence from='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='participant'/><status code='110'/></x></presence>"
        ),
    );
    message(
        state,
        &format!("<message from='{room}' type='groupchat'><subject/></message>"),
    );
}

/// MUC-06: `room` reserves no nick for us; nothing goes out yet.
fn no_reserved_nick(state: &mut State, room: &str) {
    let effects = update(
        state,
        Msg::Reply {
            purpose: Purpose::ReservedNick { room: bare(room) },
            result: Ok(Answer::ReservedNick(None)),
        },
    );
    assert!(trace(&effects).is_empty(), "{:?}", trace(&effects));
}

/// Every effect as one line: stanzas as XML with a present `id` shown as
/// `ID`, events in their `exec` text form.
/// The effects as lines. Reading a new conversation's history is left out
/// here; `message::new_conversation_reads_its_history` covers it. So is
/// keeping messages in the history, which [`records`] shows.
/// Answers the first request among `effects` with `result`.
fn reply_to_request(
    state: &mut State,
    effects: &[Effect],
    result: Result<Answer, RequestError>,
) -> Vec<Effect> {
    let purpose = effects
        .iter()
        .find_map(|e| match e {
            Effect::Request { purpose, .. } => Some(purpose.clone()),
            _ => None,
        })
        .unwrap();
    update(state, Msg::Reply { purpose, result })
}

fn trace(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter(|e| !is_history(e))
        .map(describe)
        .collect()
}

/// Effects that read or write the history.
fn is_history(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::LoadHistory { .. }
            | Effect::Record(_)
            | Effect::RecordError { .. }
            | Effect::RecordCorrection { .. }
            | Effect::RecordMark { .. }
            | Effect::RecordRoomId { .. }
    )
}

/// The effects without those on the history.
fn without_history(effects: Vec<Effect>) -> Vec<Effect> {
    effects.into_iter().filter(|e| !is_history(e)).collect()
}

/// The messages `effects` keep in the history.
fn records(effects: &[Effect]) -> Vec<&super::Record> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(record) => Some(record),
            _ => None,
        })
        .collect()
}

fn describe(effect: &Effect) -> String {
    let id = |id: &Option<String>| id.as_ref().map(|_| "ID".to_owned());
    match effect {
        Effect::SendMessage(message) => {
            let mut message = message.clone();
            // SID-01: an origin-id is always the message's own id.
            if message.origin_id.is_some() {
                assert_eq!(
                    message.origin_id, message.id,
                    "origin-id differs from the id"
                );
            }
            message.id = id(&message.id);
            message.origin_id = id(&message.origin_id);
            format!("message: {}", message.to_element().to_xml())
        }
        Effect::SendPresence(presence) => format!("presence: {}", presence_xml(presence)),
        Effect::Request { query, purpose } => {
            // As the session sends it (the server is our own domain).
            let mut iq = query.to_iq(full(ME).domain().as_str());
            iq.id = "ID".into();
            format!("request {purpose:?}: {}", iq.to_element().to_xml())
        }
        Effect::SaveRoster => "save-roster".into(),
        Effect::Omemo { tag, command } => format!("omemo {tag}: {command:?}"),
        Effect::Emit(event) => format!("emit: {}", event.to_line()),
        Effect::RunStartupCommands => "startup".into(),
        Effect::Disconnect => "disconnect".into(),
        Effect::Reconnect => "reconnect".into(),
        Effect::LoadHistory { peer, .. } => format!("load-history {peer}"),
        Effect::Record(record) => format!("record {} {:?}", record.peer, record.body),
        Effect::RecordError { id, error } => format!("record-error {id}: {error}"),
        Effect::RecordCorrection {
            peer,
            direction,
            original,
            body,
        } => format!("record-correction {peer} {direction:?} {original}: {body:?}"),
        Effect::RecordMark { peer, id, mark } => format!("record-mark {peer} {id}: {mark:?}"),
        Effect::RecordRoomId { room, id, room_id } => {
            format!("record-room-id {room} {id}: {room_id}")
        }
        Effect::Search { text, .. } => format!("search {text}"),
        Effect::SaveMuted => "save-muted".into(),
        Effect::Notify(n) => format!("notify {} in {}: {}", n.from, n.conversation, n.body),
        Effect::ClientState(state) => format!("csi: {}", state.to_element().to_xml()),
        Effect::ReadArchiveCursor => "read-archive-cursor".into(),
        Effect::SaveArchiveCursor(id) => format!("archive-cursor {id}"),
        Effect::ReadOldestArchiveId { peer, .. } => format!("read-oldest-archive-id {peer}"),
        Effect::RecordOlder(records) => format!("record-older {}", records.len()),
        Effect::Upload(job) => format!("upload {job:?}"),
        Effect::OpenLink { command, url, .. } => format!("open {command:?} {url}"),
        Effect::SaveCaps { key, .. } => format!("save-caps {} {}", key.hash, key.ver),
        Effect::Answered { purpose, answer } => format!("answered {purpose:?}: {answer:?}"),
    }
}

fn presence_xml(presence: &Presence) -> String {
    let mut presence = presence.clone();
    presence.id = presence.id.map(|_| "ID".to_owned());
    presence.to_element().to_xml()
}

/// The outbound presence stanzas among `effects`, as XML.
fn sent_presences(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendPresence(p) => Some(presence_xml(p)),
            _ => None,
        })
        .collect()
}

/// The events among `effects`.
fn events(effects: &[Effect]) -> Vec<&Event> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(event) => Some(event),
            _ => None,
        })
        .collect()
}

/// The commands' outcomes among `effects`, as `exec` prints them.
fn results(effects: &[Effect]) -> Vec<String> {
    events(effects)
        .into_iter()
        .filter(|e| matches!(e, Event::Result { .. }))
        .map(Event::to_line)
        .collect()
}

/// `trace` with the lines sorted, for effects that come from a hash map.
fn sorted_trace(effects: &[Effect]) -> Vec<String> {
    let mut lines = trace(effects);
    lines.sort();
    lines
}

fn last_notice(state: &State) -> &Notice {
    state.notices.back().expect("a notice")
}

/// Fixture sanity: the logged-in state holds the roster it was given.
#[test]
fn fixture_logged_in_state() {
    let state = logged_in();
    assert_eq!(state.roster.len(), 2);
    assert_eq!(state.roster.ver(), Some("ver1"));
    let romeo = state.roster.item(&bare("romeo@example.net")).unwrap();
    assert_eq!(romeo.name.as_deref(), Some("Romeo"));
    assert_eq!(romeo.groups, ["Friends"]);
    assert!(state.presence.is_empty());
    assert_eq!(state.jid, Some(full(ME)));
}

/// I18N-01: the configured language is the one the store prefers; the
/// default is `en`.
#[test]
fn i18n_01_preferences_carry_the_configured_language() {
    for (extra, lang) in [("", "en"), ("[connection]\nlanguage = 'it'\n", "it")] {
        let text = format!("[account]\njid = 'a@example.org'\npassword = 'x'\n{extra}");
        let config =
            crate::config::Config::parse(&text, std::path::Path::new("test.toml")).unwrap();
        assert_eq!(Preferences::from_config(&config).language, lang);
    }
}
