//! Room history without repeats, self-ping and rejoin (MUC-09, MUC-18,
//! MUC-21, MUC-24, MUC-46, MUC-54…58, MAM-14).

use super::*;
use crate::app::chat::{ChatLine, Direction};
use crate::app::room::{self, JoinPhase, RoomJoin};
use crate::xmpp::stanza::mam::{ArchivedMessage, Fin};
use crate::xmpp::stanza::message::MessageType;
use crate::xmpp::stanza::rsm::{Cursor, SetResult};

const ROOM: &str = "verona@conference.example.com";
/// 2026-01-02T09:00:00Z
const HELD_AT: i64 = 1_767_344_400;

/// Starts joining [`ROOM`] as juliet; the history gives back `held` for
/// the room's window before disco#info answers with `features`.
fn join_with(state: &mut State, held: Vec<ChatLine>, features: &[&str]) -> Vec<Effect> {
    let mut effects = Vec::new();
    room::join(
        state,
        RoomJoin {
            room: bare(ROOM),
            nick: "juliet".into(),
            password: None,
            nick_is_default: false,
        },
        HELD_AT + 100,
        &mut effects,
    )
    .unwrap();
    let conversation = state.chats.find_room(&bare(ROOM), None).unwrap();
    update(
        state,
        Msg::HistoryLoaded {
            conversation,
            lines: held,
            exhausted: true,
        },
    );
    update(
        state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Ok(Answer::Features(
                features.iter().map(|f| (*f).to_owned()).collect(),
            )),
        },
    )
}

/// A line the history held: romeo's, with the room's id `room_id`.
fn held(room_id: &str, body: &str) -> ChatLine {
    let mut line = ChatLine::new(
        Direction::Incoming,
        MessageType::Groupchat,
        body.into(),
        HELD_AT,
    );
    line.resource = Some("romeo".into());
    line.room_id = Some(room_id.into());
    line.id = Some(format!("m-{room_id}"));
    line.row = Some(1);
    line
}

/// Our own presence back and the subject: the join completes.
fn complete_join(state: &mut State) -> Vec<Effect> {
    let mut effects = presence(
        state,
        "<presence from='verona@conference.example.com/juliet'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>\
         <status code='110'/></x></presence>",
    );
    effects.extend(message(
        state,
        "<message from='verona@conference.example.com' type='groupchat'><subject>Balcony</subject></message>",
    ));
    effects
}

fn bodies(state: &State) -> Vec<String> {
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    state
        .chats
        .get(id)
        .unwrap()
        .lines
        .iter()
        .filter(|l| !l.notice)
        .map(|l| l.body.clone())
        .collect()
}

/// A groupchat line from romeo with the room's id, as join history.
fn history_line(room_id: &str, body: &str) -> String {
    format!(
        "<message from='verona@conference.example.com/romeo' type='groupchat' id='m-{room_id}'>\
         <body>{body}</body><stanza-id xmlns='urn:xmpp:sid:0' id='{room_id}' by='{ROOM}'/>\
         <delay xmlns='urn:xmpp:delay' from='{ROOM}' stamp='2026-01-02T09:00:00Z'/></message>"
    )
}

/// MUC-09, MUC-21: a room without an archive is asked for what came since
/// the newest line held; the held line coming again is not shown twice,
/// a new one is, as read history.
#[test]
fn muc_09_history_since_the_newest_line_held_and_no_repeat() {
    let mut state = logged_in();
    let effects = join_with(&mut state, vec![held("r1", "earlier")], &[]);
    assert_eq!(
        trace(&effects),
        [
            "presence: <presence to='verona@conference.example.com/juliet'>\
             <x xmlns='http://jabber.org/protocol/muc'><history since='2026-01-02T09:00:00Z'/></x></presence>"
        ]
    );
    message(&mut state, &history_line("r1", "earlier"));
    message(&mut state, &history_line("r2", "while you were out"));
    complete_join(&mut state);
    assert_eq!(bodies(&state), ["earlier", "while you were out"]);
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    assert_eq!(
        state.chats.get(id).unwrap().unread,
        0,
        "history is not news"
    );
}

/// MUC-21: without the room's id, the same nick, id and text held is not
/// shown again.
#[test]
fn muc_21_nick_id_and_text_dedupe_without_a_room_id() {
    let mut state = logged_in();
    let mut line = held("r1", "earlier");
    line.room_id = None;
    join_with(&mut state, vec![line], &[]);
    message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='groupchat' id='m-r1'>\
         <body>earlier</body><delay xmlns='urn:xmpp:delay' stamp='2026-01-02T09:00:00Z'/></message>",
    );
    assert_eq!(bodies(&state), ["earlier"]);
}

fn room_result(id: &str, body: &str) -> ArchivedMessage {
    let xml = format!(
        "<message xmlns='jabber:client' from='{ROOM}'><result xmlns='urn:xmpp:mam:2' queryid='q' id='{id}'>\
         <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-02T09:30:00Z'/>\
         <message xmlns='jabber:client' from='{ROOM}/romeo' type='groupchat' id='m-{id}'>\
         <body>{body}</body></message></forwarded></result></message>"
    );
    ArchivedMessage::parse(&test_xml::parse(&xml))
        .unwrap()
        .unwrap()
}

fn archive_requests(effects: &[Effect]) -> Vec<Query> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query,
                purpose: Purpose::RoomArchive { .. },
            } => Some(query.clone()),
            _ => None,
        })
        .collect()
}

/// MAM-14: a room with an archive: `maxchars='0'`, then its archive (to
/// the room) after the newest id held; what is held is not shown again.
#[test]
fn mam_14_the_rooms_archive_after_the_newest_id_held() {
    let mut state = logged_in();
    let effects = join_with(&mut state, vec![held("r1", "earlier")], &["urn:xmpp:mam:2"]);
    assert_eq!(
        trace(&effects),
        [
            "presence: <presence to='verona@conference.example.com/juliet'>\
             <x xmlns='http://jabber.org/protocol/muc'><history maxchars='0'/></x></presence>"
        ]
    );
    let effects = complete_join(&mut state);
    let asked = archive_requests(&effects);
    assert_eq!(
        asked,
        [Query::ArchivePage {
            archive: Some(bare(ROOM)),
            with: None,
            start: None,
            cursor: Some(Cursor::After("r1".into())),
            max: room::history::PAGE,
        }]
    );
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomArchive { room: bare(ROOM) },
            result: Ok(Answer::ArchivePage {
                messages: vec![room_result("r1", "earlier"), room_result("r2", "missed")],
                fin: Fin {
                    complete: true,
                    stable: true,
                    set: SetResult {
                        first: Some("r1".into()),
                        last: Some("r2".into()),
                        ..SetResult::default()
                    },
                },
            }),
        },
    );
    assert!(archive_requests(&effects).is_empty(), "complete");
    assert_eq!(bodies(&state), ["earlier", "missed"]);
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    let line = state.chats.get(id).unwrap().lines.back().unwrap().clone();
    assert_eq!(line.room_id.as_deref(), Some("r2"));
    assert_eq!(line.resource.as_deref(), Some("romeo"));
}

/// MAM-14: a first join reads only the newest page of the room's archive.
#[test]
fn mam_14_a_first_join_reads_the_newest_page() {
    let mut state = logged_in();
    join_with(&mut state, Vec::new(), &["urn:xmpp:mam:2"]);
    let asked = archive_requests(&complete_join(&mut state));
    assert!(
        matches!(
            &asked[..],
            [Query::ArchivePage {
                cursor: Some(Cursor::LastPage),
                max: 50,
                ..
            }]
        ),
        "{asked:?}"
    );
}

/// In [`ROOM`], joined, with nothing held.
fn joined(state: &mut State) {
    join_with(state, Vec::new(), &[]);
    complete_join(state);
    assert_eq!(
        state.rooms.get(&bare(ROOM)).unwrap().phase,
        JoinPhase::Joined
    );
}

fn joins(effects: &[Effect]) -> usize {
    trace(effects)
        .iter()
        .filter(|l| l.contains("<x xmlns='http://jabber.org/protocol/muc'>"))
        .count()
}

/// MUC-46: a new session (no resume) rejoins every room after initial
/// presence, asking only for what came since.
#[test]
fn muc_46_a_new_session_rejoins_the_rooms() {
    let mut state = logged_in();
    joined(&mut state);
    message(&mut state, &history_line("r1", "before the drop"));
    connection_lost(&mut state);
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    let lines = trace(&effects);
    assert!(
        lines.iter().any(|l| l.contains(
            "<presence to='verona@conference.example.com/juliet'><x xmlns='http://jabber.org/protocol/muc'>\
             <history since='2026-01-02T09:00:00Z'/></x></presence>"
        )),
        "{lines:#?}"
    );
}

/// MUC-46: a resumed stream stays in the room (no join), and asks whether
/// the room still has us (MUC-54: a network change).
#[test]
fn muc_46_a_resumed_stream_stays_and_self_pings() {
    let mut state = logged_in();
    joined(&mut state);
    let effects = session(&mut state, SessionEvent::Resumed);
    assert_eq!(joins(&effects), 0);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Request { query: Query::SelfPing(to), .. } if to.to_string() == format!("{ROOM}/juliet")
    )));
}

fn self_ping_answer(state: &mut State, result: Result<Answer, RequestError>) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::SelfPing { room: bare(ROOM) },
            result,
        },
    )
}

/// MUC-54, MUC-55, MUC-58: after the silence, a self-ping; "not
/// acceptable" rejoins with a notice; a result keeps us; a timeout is
/// unknown and asked again later.
#[test]
fn muc_54_self_ping_after_silence_and_rejoin() {
    let mut state = logged_in();
    joined(&mut state);
    let heard = state.rooms.get(&bare(ROOM)).unwrap().ping.heard;
    let due = heard + room::SELF_PING_SECS;
    assert_eq!(room::update::next_deadline(&state), Some(due * 1000));
    assert!(
        trace(&update(
            &mut state,
            Msg::Tick {
                at_ms: (due - 1) * 1000
            }
        ))
        .is_empty()
    );
    let effects = update(&mut state, Msg::Tick { at_ms: due * 1000 });
    assert_eq!(
        trace(&effects),
        [format!(
            "request SelfPing {{ room: BareJid(\"{ROOM}\") }}: <iq type='get' id='ID' to='{ROOM}/juliet'>\
             <ping xmlns='urn:xmpp:ping'/></iq>"
        )]
    );
    // No second ping while one is out.
    assert_eq!(room::update::next_deadline(&state), None);
    // A result: still in.
    self_ping_answer(&mut state, Ok(Answer::Done));
    assert!(room::update::next_deadline(&state).is_some());
    // Unknown: asked again after a while.
    update(
        &mut state,
        Msg::Tick {
            at_ms: (due + 2 * room::SELF_PING_SECS) * 1000,
        },
    );
    self_ping_answer(
        &mut state,
        Err(RequestError::Timeout(std::time::Duration::from_secs(30))),
    );
    let clock = state.rooms.clock;
    assert_eq!(
        room::update::next_deadline(&state),
        Some((clock + room::self_ping::RETRY_SECS) * 1000)
    );
    // Not joined: back in, and told.
    update(
        &mut state,
        Msg::Tick {
            at_ms: (clock + room::self_ping::RETRY_SECS) * 1000,
        },
    );
    let effects = self_ping_answer(
        &mut state,
        Err(RequestError::Stanza(StanzaError::new(
            ErrorType::Cancel,
            StanzaCondition::NotAcceptable,
        ))),
    );
    assert_eq!(joins(&effects), 1, "{:#?}", trace(&effects));
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    assert!(
        state
            .chats
            .get(id)
            .unwrap()
            .lines
            .iter()
            .any(|l| l.notice && l.body.contains("messages may have been missed"))
    );
}

/// MUC-18, MUC-58: `not-acceptable` to our message: rejoin.
#[test]
fn muc_18_not_acceptable_rejoins() {
    let mut state = logged_in();
    joined(&mut state);
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com' type='error' id='g1'>\
         <error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
    );
    assert_eq!(joins(&effects), 1, "{:#?}", trace(&effects));
}

/// MUC-24: a new show reaches the room's occupant JID too.
#[test]
fn muc_24_status_changes_reach_the_rooms() {
    let mut state = logged_in();
    joined(&mut state);
    let effects = run(&mut state, 3, "/status away at the window");
    let lines = trace(&effects);
    assert!(
        lines.iter().any(
            |l| l.starts_with(&format!("presence: <presence to='{ROOM}/juliet'>"))
                && l.contains("<show>away</show>")
        ),
        "{lines:#?}"
    );
}

/// MUC-21: our own line held, back from the room as history with the
/// origin-id we sent it with, is not shown twice.
#[test]
fn muc_21_our_own_line_back_as_history_is_not_repeated() {
    let mut state = logged_in();
    let mut ours = ChatLine::new(
        Direction::Outgoing,
        MessageType::Groupchat,
        "said before".into(),
        HELD_AT,
    );
    ours.id = Some("o1".into());
    ours.row = Some(1);
    join_with(&mut state, vec![ours], &[]);
    message(
        &mut state,
        "<message from='verona@conference.example.com/juliet' type='groupchat' id='o1'>\
         <body>said before</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/>\
         <delay xmlns='urn:xmpp:delay' stamp='2026-01-02T09:00:00Z'/></message>",
    );
    assert_eq!(bodies(&state), ["said before"]);
}

/// MAM-14 (as MAM-08): the room's archive no longer knows the newest id
/// held: read from that line's time, once, and say a gap is possible.
#[test]
fn mam_14_an_unknown_id_reads_from_the_time_held_once() {
    let mut state = logged_in();
    join_with(&mut state, vec![held("r1", "earlier")], &["urn:xmpp:mam:2"]);
    complete_join(&mut state);
    let not_found = || {
        Err(RequestError::Stanza(StanzaError::new(
            ErrorType::Cancel,
            StanzaCondition::ItemNotFound,
        )))
    };
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomArchive { room: bare(ROOM) },
            result: not_found(),
        },
    );
    assert!(
        matches!(
            &archive_requests(&effects)[..],
            [Query::ArchivePage { cursor: None, start: Some(stamp), .. }]
                if stamp.as_str() == "2026-01-02T09:00:00Z"
        ),
        "{:#?}",
        trace(&effects)
    );
    assert!(
        trace(&effects)
            .iter()
            .any(|l| l.contains("some messages may be missing"))
    );
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomArchive { room: bare(ROOM) },
            result: not_found(),
        },
    );
    assert!(archive_requests(&effects).is_empty());
}
