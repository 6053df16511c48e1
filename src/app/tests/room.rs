//! Rooms (XEP-0045, checklist §9): joining, occupants, messages and
//! private messages, with the checklist's stanzas.

use super::*;
use crate::app::chat::{ConversationKind, Direction};
use crate::app::room::{self, JoinPhase, RoomJoin, Route};
use crate::xmpp::stanza::muc::{Affiliation, JoinRefusal, Role};

const ROOM: &str = "verona@conference.example.com";

/// Starts joining [`ROOM`] as `nick`; the room's disco#info answers with
/// `features`. Returns the effects of both steps.
fn start_join(state: &mut State, nick: &str, features: &[&str]) -> Vec<Effect> {
    let mut effects = Vec::new();
    room::join(
        state,
        RoomJoin {
            room: bare(ROOM),
            nick: nick.into(),
            password: None,
            nick_is_default: false,
        },
        0,
        &mut effects,
    )
    .unwrap();
    effects.extend(update(
        state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Ok(Answer::Features(
                features.iter().map(|f| (*f).to_owned()).collect(),
            )),
        },
    ));
    effects
}

/// Joined [`ROOM`] as juliet with romeo in it, subject "Balcony scene".
fn joined() -> State {
    let mut state = logged_in();
    start_join(&mut state, "juliet", &[]);
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/romeo'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>",
    );
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>\
         <status code='110'/></x></presence>",
    );
    message(
        &mut state,
        "<message from='verona@conference.example.com' type='groupchat'><subject>Balcony scene</subject></message>",
    );
    assert_eq!(
        state.rooms.get(&bare(ROOM)).unwrap().phase,
        JoinPhase::Joined
    );
    state.active = state.chats.find_room(&bare(ROOM), None);
    state
}

fn room_lines(state: &State) -> Vec<(Direction, Option<String>, String, bool)> {
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    state
        .chats
        .get(id)
        .unwrap()
        .lines
        .iter()
        .map(|l| (l.direction, l.resource.clone(), l.body.clone(), l.notice))
        .collect()
}

/// MUC-03, MUC-07: a join asks the room's disco#info first, then sends
/// the join presence with the muc `<x/>` to `room/nick`.
#[test]
fn muc_07_join_presence_after_disco() {
    let mut state = logged_in();
    let mut effects = Vec::new();
    room::join(
        &mut state,
        RoomJoin {
            room: bare(ROOM),
            nick: "juliet".into(),
            password: Some("montague".into()),
            nick_is_default: false,
        },
        0,
        &mut effects,
    )
    .unwrap();
    assert_eq!(
        trace(&effects),
        [
            "request RoomInfo { room: BareJid(\"verona@conference.example.com\") }: \
          <iq type='get' id='ID' to='verona@conference.example.com'>\
          <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        ]
    );
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Ok(Answer::Features(vec![
                "http://jabber.org/protocol/muc#stable_id".into(),
                "urn:xmpp:mam:2".into(),
            ])),
        },
    );
    assert_eq!(
        trace(&effects),
        [
            "presence: <presence to='verona@conference.example.com/juliet'>\
          <x xmlns='http://jabber.org/protocol/muc'><history maxchars='0'/><password>montague</password></x></presence>"
        ]
    );
    let entry = state.rooms.get(&bare(ROOM)).unwrap();
    assert!(entry.flags.stable_id && entry.flags.archive);
    assert_eq!(entry.phase, JoinPhase::Joining { sent: true });
}

/// MUC-03: a room whose disco#info does not answer is joined after a short
/// wait all the same.
#[test]
fn muc_03_join_does_not_wait_long_for_disco() {
    let mut state = logged_in();
    let mut effects = Vec::new();
    room::join(
        &mut state,
        RoomJoin {
            room: bare(ROOM),
            nick: "juliet".into(),
            password: None,
            nick_is_default: false,
        },
        10,
        &mut effects,
    )
    .unwrap();
    assert_eq!(
        room::update::next_deadline(&state),
        Some((10 + room::INFO_WAIT_SECS) * 1000)
    );
    let effects = update(&mut state, Msg::Tick { at_ms: 11_000 });
    assert!(trace(&effects).is_empty());
    let effects = update(
        &mut state,
        Msg::Tick {
            at_ms: (10 + room::INFO_WAIT_SECS) * 1000,
        },
    );
    assert_eq!(
        trace(&effects),
        [
            "presence: <presence to='verona@conference.example.com/juliet'>\
          <x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='50'/></x></presence>"
        ]
    );
}

/// MUC-10, MUC-11, MUC-14, MUC-21: occupants, our own presence (whose
/// `from` is our nick), history with its time and no unread count, then
/// the subject completes the join.
#[test]
fn muc_10_join_in_order() {
    let mut state = logged_in();
    start_join(&mut state, "Juliet", &[]);
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/romeo'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>",
    );
    assert!(
        trace(&effects).is_empty(),
        "the join's list is counted at the end"
    );
    assert!(
        state.presence.get(&bare(ROOM)).is_none(),
        "occupants are no contacts"
    );
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>\
         <status code='110'/><status code='210'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: room-notice verona@conference.example.com: the room calls you juliet"]
    );
    let entry = state.rooms.get(&bare(ROOM)).unwrap();
    assert_eq!(entry.nick, "juliet", "MUC-11");
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='groupchat' id='h1'><body>earlier</body>\
         <delay xmlns='urn:xmpp:delay' from='verona@conference.example.com' stamp='2026-01-02T09:00:00Z'/>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='verona@conference.example.com' id='rs1'/></message>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: message groupchat from verona@conference.example.com/romeo: earlier"]
    );
    let record = &records(&effects)[0];
    assert_eq!(record.peer, bare(ROOM));
    assert_eq!(record.resource.as_deref(), Some("romeo"));
    assert_eq!(record.room_id.as_deref(), Some("rs1"));
    assert_eq!(record.at, 1_767_344_400, "MUC-21: the delay's time");
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com' type='groupchat'><subject>Balcony scene</subject></message>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: room-joined verona@conference.example.com as juliet occupants=2",
            "emit: room-subject verona@conference.example.com: Balcony scene"
        ]
    );
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    let conversation = state.chats.get(id).unwrap();
    assert_eq!(conversation.kind, ConversationKind::Room);
    assert_eq!(conversation.unread, 0, "history and notices are not news");
    assert!(room_lines(&state).contains(&(
        Direction::Incoming,
        Some("romeo".into()),
        "earlier".into(),
        false
    )));
    // MUC-21: the same history again (a rejoin) is no new line.
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='groupchat' id='h1'><body>earlier</body>\
         <delay xmlns='urn:xmpp:delay' from='verona@conference.example.com' stamp='2026-01-02T09:00:00Z'/>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='verona@conference.example.com' id='rs1'/></message>",
    );
    assert!(effects.is_empty(), "{effects:?}");
}

/// MUC-17: our message goes to the bare room as groupchat with an
/// origin-id; its reflection is matched and not drawn twice.
#[test]
fn muc_17_reflection_shown_once() {
    let mut state = joined();
    state.active = state.chats.find_room(&bare(ROOM), None);
    let effects = update(
        &mut state,
        Msg::Command {
            tag: 1,
            action: command::parse("hi all").unwrap(),
            at: 100,
        },
    );
    let sent = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => Some(m.clone()),
            _ => None,
        })
        .expect("a message");
    assert_eq!(
        sent.kind,
        crate::xmpp::stanza::message::MessageType::Groupchat
    );
    assert_eq!(sent.to.as_ref().unwrap().to_string(), ROOM);
    assert!(sent.origin_id.is_some() && sent.muc.is_none());
    let id = sent.id.clone().unwrap();
    let before = room_lines(&state).len();
    let effects = message(
        &mut state,
        &format!(
            "<message from='verona@conference.example.com/juliet' type='groupchat' id='{id}'>\
             <body>hi all</body><origin-id xmlns='urn:xmpp:sid:0' id='{id}'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='verona@conference.example.com' id='rs9'/></message>"
        ),
    );
    assert_eq!(room_lines(&state).len(), before, "shown once");
    assert!(records(&effects).is_empty(), "stored once, when sent");
    assert_eq!(trace(&effects), [format!("emit: reflected {ROOM} id={id}")]);
    let conversation = state.chats.find_room(&bare(ROOM), None).unwrap();
    let line = state
        .chats
        .get(conversation)
        .unwrap()
        .lines
        .back()
        .unwrap()
        .clone();
    assert_eq!(line.room_id.as_deref(), Some("rs9"));
    assert_eq!(line.direction, Direction::Outgoing);
}

/// MUC-22, MUC-23: a chat message from an occupant is a private message in
/// its own `room/nick` conversation; answers carry the empty muc#user x.
#[test]
fn muc_23_private_message_has_its_own_conversation() {
    let mut state = joined();
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='chat'><body>psst</body></message>",
    );
    assert!(
        trace(&effects).contains(
            &"emit: message chat from verona@conference.example.com/romeo: psst".to_owned()
        )
    );
    let private = state.chats.find_room(&bare(ROOM), Some("romeo")).unwrap();
    assert_eq!(
        state.chats.get(private).unwrap().kind,
        ConversationKind::Private {
            nick: "romeo".into()
        }
    );
    assert!(
        state.chats.latest_with(&bare(ROOM)).is_none(),
        "no contact chat"
    );
    state.active = Some(private);
    let effects = update(
        &mut state,
        Msg::Command {
            tag: 1,
            action: command::parse("hello").unwrap(),
            at: 100,
        },
    );
    let sent = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => Some(m.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        sent.to.as_ref().unwrap().to_string(),
        "verona@conference.example.com/romeo"
    );
    assert_eq!(sent.kind, crate::xmpp::stanza::message::MessageType::Chat);
    assert!(sent.muc.is_some(), "MUC-22: the empty muc#user x");
}

/// MUC-15, MUC-23: a private conversation follows its occupant's nick
/// change, so a reply reaches them under the new nick.
#[test]
fn muc_15_private_conversation_follows_a_rename() {
    let mut state = joined();
    message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='chat'><body>psst</body></message>",
    );
    let private = state.chats.find_room(&bare(ROOM), Some("romeo")).unwrap();
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/romeo' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='none' role='participant' nick='montague'/><status code='303'/></x></presence>",
    );
    assert_eq!(state.chats.find_room(&bare(ROOM), Some("romeo")), None);
    assert_eq!(
        state.chats.find_room(&bare(ROOM), Some("montague")),
        Some(private)
    );
    state.active = Some(private);
    let effects = update(
        &mut state,
        Msg::Command {
            tag: 1,
            action: command::parse("still there?").unwrap(),
            at: 100,
        },
    );
    let to = effects.iter().find_map(|e| match e {
        Effect::SendMessage(m) => m.to.as_ref().map(ToString::to_string),
        _ => None,
    });
    assert_eq!(
        to.as_deref(),
        Some("verona@conference.example.com/montague")
    );
}

/// MUC-47: groupchat from a room we are not in is dropped.
#[test]
fn muc_47_stray_groupchat_is_dropped() {
    let mut state = logged_in();
    let stray = Message::parse(&test_xml::parse(
        "<message from='mantua@conference.example.com/tybalt' type='groupchat'><body>x</body></message>",
    ))
    .unwrap();
    assert_eq!(room::route_message(&state.rooms, &stray), Route::Stray);
    let effects = session(&mut state, SessionEvent::Message(stray));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(state.chats.is_empty());
}

/// MUC-13: a refused join says what to do.
#[test]
fn muc_13_nick_conflict_is_explained() {
    let mut state = logged_in();
    start_join(&mut state, "juliet", &[]);
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet' type='error'>\
         <x xmlns='http://jabber.org/protocol/muc'/><error type='cancel'>\
         <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: room-error verona@conference.example.com conflict: the nick juliet is taken in \
          verona@conference.example.com: try another, e.g. /join verona@conference.example.com/juliet_"
        ]
    );
    assert_eq!(
        state.rooms.get(&bare(ROOM)).unwrap().phase,
        JoinPhase::Failed(JoinRefusal::NickTaken)
    );
    assert!(!state.rooms.is_present(&bare(ROOM)));
}

/// MUC-14, MUC-15, MUC-28: joins, role changes, renames and kicks of
/// others become lines and events.
#[test]
fn muc_15_occupant_changes() {
    let mut state = joined();
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/nurse'><show>away</show>\
         <x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='admin' role='moderator' jid='nurse@example.com/kitchen'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: occupant verona@conference.example.com/nurse joined role=moderator affiliation=admin \
          jid=nurse@example.com/kitchen"
        ]
    );
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/romeo' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='member' role='participant' nick='montague'/><status code='303'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: occupant verona@conference.example.com/romeo renamed role=participant \
          affiliation=member new-nick=montague"
        ]
    );
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/montague'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>",
    );
    let entry = state.rooms.get(&bare(ROOM)).unwrap();
    let nicks: Vec<_> = entry.occupants.iter().map(|o| o.nick.as_str()).collect();
    assert_eq!(nicks, ["nurse", "juliet", "montague"]);
    assert_eq!(entry.occupants.get("nurse").unwrap().role, Role::Moderator);
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/montague' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'>\
         <actor nick='nurse'/><reason>brawling</reason></item><status code='307'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: occupant verona@conference.example.com/montague removed role=participant \
          affiliation=member why=kicked by=nurse \"brawling\""
        ]
    );
    assert!(room_lines(&state).iter().any(|(_, _, body, notice)| *notice
        && body == "montague was kicked by nurse: brawling"));
}

/// MUC-26: our own kick ends our stay and says who and why.
#[test]
fn muc_26_we_are_kicked() {
    let mut state = joined();
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'>\
         <actor nick='nurse'/><reason>hush</reason></item><status code='110'/><status code='307'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: room-left verona@conference.example.com kicked by=nurse \"hush\""]
    );
    let entry = state.rooms.get(&bare(ROOM)).unwrap();
    assert!(!entry.phase.is_present());
    assert!(entry.occupants.is_empty());
}

/// MUC-12, MUC-45: a new room (201) is opened as an instant room; the
/// warnings come once.
#[test]
fn muc_45_created_room_becomes_instant() {
    let mut state = logged_in();
    start_join(&mut state, "juliet", &[]);
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/>\
         <status code='110'/><status code='201'/><status code='100'/><status code='170'/></x></presence>",
    );
    let lines = trace(&effects);
    assert!(
        lines.contains(
            &"request InstantRoom { room: BareJid(\"verona@conference.example.com\") }: \
          <iq type='set' id='ID' to='verona@conference.example.com'>\
          <query xmlns='http://jabber.org/protocol/muc#owner'>\
          <x xmlns='jabber:x:data' type='submit'/></query></iq>"
                .to_owned()
        ),
        "{lines:#?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("room-notice")).count(),
        3,
        "{lines:#?}"
    );
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/>\
         <status code='110'/><status code='100'/><status code='170'/></x></presence>",
    );
    assert!(trace(&effects).is_empty(), "warned once");
    assert_eq!(
        state
            .rooms
            .get(&bare(ROOM))
            .unwrap()
            .occupants
            .get("juliet")
            .unwrap()
            .affiliation,
        Affiliation::Owner
    );
}

/// A room of 2,000 occupants joins in well under a second: occupant
/// updates are O(log n).
#[test]
fn big_room_join_is_not_quadratic() {
    let mut state = logged_in();
    start_join(&mut state, "juliet", &[]);
    let started = std::time::Instant::now();
    for n in 0..2_000 {
        let presence = Presence::parse(&test_xml::parse(&format!(
            "<presence from='verona@conference.example.com/n{n}'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>"
        )))
        .unwrap();
        session(&mut state, SessionEvent::Presence(presence));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(state.rooms.get(&bare(ROOM)).unwrap().occupants.len(), 2_000);
}

/// MUC-07, MUC-25: `/join` uses the account's local part as nick, opens
/// the room's window and reports once the join is complete; `/leave`
/// reports once the room confirms.
#[test]
fn muc_07_join_and_leave_commands() {
    let mut state = logged_in();
    let effects = run(&mut state, 7, &format!("/join {ROOM}"));
    assert!(
        trace(&effects).iter().all(|l| !l.contains("emit: ")),
        "pending"
    );
    let conversation = state.chats.find_room(&bare(ROOM), None);
    assert_eq!(state.active, conversation);
    // MUC-06: no nick typed, so the room is asked for a reserved one.
    no_reserved_nick(&mut state, ROOM);
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Err(RequestError::Stanza(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::ItemNotFound,
            ))),
        },
    );
    assert_eq!(
        trace(&effects),
        [
            "presence: <presence to='verona@conference.example.com/juliet'>\
          <x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='50'/></x></presence>"
        ]
    );
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>\
         <status code='110'/></x></presence>",
    );
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com' type='groupchat'><subject/></message>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: ok /join verona@conference.example.com: joined verona@conference.example.com as juliet (1 here)",
            "emit: room-joined verona@conference.example.com as juliet occupants=1"
        ]
    );
    let effects = run(&mut state, 8, "/topic");
    assert_eq!(
        trace(&effects),
        ["emit: ok /topic: verona@conference.example.com has no subject"]
    );
    let effects = run(&mut state, 9, "/topic Act II");
    assert_eq!(
        trace(&effects),
        [
            "message: <message to='verona@conference.example.com' type='groupchat' id='ID'>\
             <subject>Act II</subject></message>",
            "emit: ok /topic: asking verona@conference.example.com to set the subject"
        ]
    );
    let effects = run(&mut state, 10, "/leave good night");
    assert_eq!(
        trace(&effects),
        [
            "presence: <presence to='verona@conference.example.com/juliet' type='unavailable'>\
          <status>good night</status></presence>"
        ]
    );
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/>\
         <status code='110'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: ok /leave: left verona@conference.example.com",
            "emit: room-left verona@conference.example.com left"
        ]
    );
    // Plain text to a room we left fails, saying how to get back.
    let effects = run(&mut state, 11, "anyone?");
    assert_eq!(
        trace(&effects),
        [
            "emit: failed say: you are not in verona@conference.example.com: /join verona@conference.example.com first"
        ]
    );
}

/// MUC-25: a leave the room never answers ends after a timeout.
#[test]
fn muc_25_leave_times_out() {
    let mut state = joined();
    run(&mut state, 3, &format!("/leave {ROOM}"));
    assert!(state.rooms.is_present(&bare(ROOM)), "still leaving");
    let due = room::update::next_deadline(&state).unwrap();
    let effects = update(&mut state, Msg::Tick { at_ms: due });
    assert!(trace(&effects).contains(&format!("emit: ok /leave {ROOM}: left {ROOM}")));
    assert!(!state.rooms.is_present(&bare(ROOM)));
}

/// MUC-16: our nick change: the room's 303 then the new self-presence;
/// a refused one keeps the old nick.
#[test]
fn muc_16_our_nick_change() {
    let mut state = joined();
    let effects = run(&mut state, 4, "/nick jules");
    assert_eq!(
        trace(&effects)[0],
        "presence: <presence to='verona@conference.example.com/jules'/>"
    );
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='none' role='participant' nick='jules'/><status code='303'/><status code='110'/></x></presence>",
    );
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/jules'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>\
         <status code='110'/></x></presence>",
    );
    let entry = state.rooms.get(&bare(ROOM)).unwrap();
    assert_eq!(entry.nick, "jules");
    assert!(entry.occupants.get("juliet").is_none());
    run(&mut state, 5, "/nick romeo");
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/romeo' type='error'>\
         <error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: room-error verona@conference.example.com conflict: the nick romeo is taken in \
          verona@conference.example.com; you are still jules"
        ]
    );
    assert_eq!(state.rooms.get(&bare(ROOM)).unwrap().nick, "jules");
    assert!(state.rooms.is_present(&bare(ROOM)));
}

/// MUC-22: `/msg ROOM/NICK` writes privately to one occupant.
#[test]
fn muc_22_msg_to_an_occupant() {
    let mut state = joined();
    let effects = run(&mut state, 6, &format!("/msg {ROOM}/romeo psst"));
    assert_eq!(
        trace(&effects)[0],
        "message: <message to='verona@conference.example.com/romeo' type='chat' id='ID'>\
         <body>psst</body><origin-id xmlns='urn:xmpp:sid:0' id='ID'/>\
         <request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/>\
         <x xmlns='http://jabber.org/protocol/muc#user'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>"
    );
}

#[test]
fn room_commands_parse() {
    use crate::app::command::{Action, parse};
    assert_eq!(
        parse("/join verona@conference.example.com/Juliet secret").unwrap(),
        Action::Join {
            room: bare(ROOM),
            nick: Some("Juliet".into()),
            password: Some("secret".into()),
            configure: false,
        }
    );
    // MUC-45: the creation choice goes before or after the password.
    for line in [
        "/join verona@conference.example.com --configure",
        "/join verona@conference.example.com secret --configure",
        "/join verona@conference.example.com --configure secret",
    ] {
        let Action::Join {
            configure,
            password,
            ..
        } = parse(line).unwrap()
        else {
            panic!("{line}");
        };
        assert!(configure, "{line}");
        assert_eq!(password.is_some(), line.contains("secret"), "{line}");
    }
    assert!(parse("/join verona@conference.example.com a b").is_err());
    assert!(parse("/join conference.example.com").is_err());
    assert_eq!(
        parse("/leave good night").unwrap(),
        Action::Leave {
            room: None,
            text: Some("good night".into())
        }
    );
    assert_eq!(
        parse(&format!("/leave {ROOM} bye")).unwrap(),
        Action::Leave {
            room: Some(bare(ROOM)),
            text: Some("bye".into())
        }
    );
    assert!(parse("/nick").is_err());
    assert_eq!(parse("/topic").unwrap(), Action::Topic { text: None });
}

/// MUC-24: a status change reaches the rooms we are in.
#[test]
fn muc_24_status_reaches_rooms() {
    let mut state = joined();
    let effects = run(&mut state, 2, "/status away at the window");
    assert_eq!(
        trace(&effects)[..2],
        [
            "presence: <presence><show>away</show><status>at the window</status></presence>",
            "presence: <presence to='verona@conference.example.com/juliet'><show>away</show>\
             <status>at the window</status></presence>"
        ]
    );
}

/// A new session (not a resumed one) means the rooms no longer have us:
/// they count as left, for whoever rejoins them.
#[test]
fn new_session_leaves_rooms() {
    let mut state = joined();
    connection_lost_and_back(&mut state);
    let entry = state.rooms.get(&bare(ROOM)).unwrap();
    assert_eq!(
        entry.phase,
        JoinPhase::Left(room::Exit::Disconnected),
        "{:?}",
        entry.phase
    );
    assert!(entry.occupants.is_empty());
}

fn connection_lost_and_back(state: &mut State) {
    session(
        state,
        SessionEvent::Reconnecting {
            error: "connection reset".into(),
            attempt: 1,
            retry_in: std::time::Duration::from_secs(1),
        },
    );
    online(state, features(false, false));
}

/// The history keeps a room's lines and its private messages under the
/// room: each window takes its own.
#[test]
fn history_lines_go_to_their_window() {
    use crate::app::chat::ChatLine;
    use crate::xmpp::stanza::message::MessageType;
    let mut state = joined();
    message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='chat'><body>psst</body></message>",
    );
    let room_id = state.chats.find_room(&bare(ROOM), None).unwrap();
    let private = state.chats.find_room(&bare(ROOM), Some("romeo")).unwrap();
    let stored = |kind, nick: &str, body: &str, row| ChatLine {
        resource: Some(nick.into()),
        row: Some(row),
        ..ChatLine::new(Direction::Incoming, kind, body.into(), 0)
    };
    let lines = vec![
        stored(MessageType::Groupchat, "romeo", "to all", 1),
        stored(MessageType::Chat, "romeo", "old secret", 2),
        stored(MessageType::Chat, "nurse", "other secret", 3),
    ];
    for (id, want) in [(room_id, "to all"), (private, "old secret")] {
        update(
            &mut state,
            Msg::HistoryLoaded {
                conversation: id,
                lines: lines.clone(),
                exhausted: true,
            },
        );
        let bodies: Vec<_> = state
            .chats
            .get(id)
            .unwrap()
            .lines
            .iter()
            .filter(|l| l.row.is_some())
            .map(|l| l.body.clone())
            .collect();
        assert_eq!(bodies, [want]);
    }
}

/// MUC-18: a refused room message says why and marks our line.
#[test]
fn muc_18_message_errors_are_explained() {
    let mut state = joined();
    let effects = run(&mut state, 1, "hear me");
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .unwrap();
    let effects = message(
        &mut state,
        &format!(
            "<message from='verona@conference.example.com' type='error' id='{id}'>\
             <error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        ),
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: room-error verona@conference.example.com forbidden: you have no voice in \
          verona@conference.example.com: a moderator must give it to you"
        ]
    );
    let conversation = state.chats.find_room(&bare(ROOM), None).unwrap();
    let line = state
        .chats
        .get(conversation)
        .unwrap()
        .lines
        .iter()
        .find(|l| l.body == "hear me")
        .unwrap()
        .clone();
    assert!(line.error.is_some());
    assert!(
        state
            .rooms
            .get(&bare(ROOM))
            .unwrap()
            .awaiting_reflection
            .is_empty(),
        "no reflection is coming"
    );
}

/// MUC-27: a destroyed room says so and offers its successor.
#[test]
fn muc_27_destroyed_room() {
    let mut state = joined();
    let effects = presence(
        &mut state,
        "<presence from='verona@conference.example.com/juliet' type='unavailable'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/>\
         <destroy jid='mantua@conference.example.com'><reason>moved</reason></destroy>\
         <status code='110'/></x></presence>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: room-left verona@conference.example.com destroyed \
          alternative=mantua@conference.example.com \"moved\""]
    );
    assert!(room_lines(&state).iter().any(|(_, _, body, _)| body
        == "the room was destroyed: moved; it continues in mantua@conference.example.com: \
            /join mantua@conference.example.com"));
}

/// MUC-29: status codes in a room message are notices; 104 asks the
/// room's disco#info again.
#[test]
fn muc_29_room_notices() {
    let mut state = joined();
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com' type='groupchat'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/><status code='170'/></x></message>",
    );
    assert_eq!(
        trace(&effects),
        [
            "request RoomInfo { room: BareJid(\"verona@conference.example.com\") }: \
             <iq type='get' id='ID' to='verona@conference.example.com'>\
             <query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
            "emit: room-notice verona@conference.example.com: the room's configuration changed",
            "emit: room-notice verona@conference.example.com: the room is now logged publicly"
        ]
    );
    assert!(state.rooms.get(&bare(ROOM)).unwrap().flags.logged);
}

/// A room's presence never touches the roster's rows.
#[test]
fn room_presence_leaves_the_roster_alone() {
    let mut state = joined();
    let rev = state.roster_rev;
    presence(
        &mut state,
        "<presence from='verona@conference.example.com/nurse'>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>",
    );
    assert_eq!(state.roster_rev, rev);
}

/// MUC-23, CARBONS-13: copies of private messages in a room we are in
/// belong to its private conversation; one for a room we are not in is
/// dropped.
#[test]
fn carbons_13_private_message_copies() {
    use crate::xmpp::stanza::carbons;
    let mut state = joined();
    let copy = |xml: &str| Message::parse(&test_xml::parse(xml)).unwrap();
    session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Sent,
            message: copy(
                "<message from='juliet@example.com/phone' to='verona@conference.example.com/romeo' \
                 type='chat' id='p1'><body>from my phone</body>\
                 <x xmlns='http://jabber.org/protocol/muc#user'/></message>",
            ),
        },
    );
    let private = state.chats.find_room(&bare(ROOM), Some("romeo")).unwrap();
    let line = state
        .chats
        .get(private)
        .unwrap()
        .lines
        .back()
        .unwrap()
        .clone();
    assert_eq!(
        (line.direction, line.body.as_str()),
        (Direction::Outgoing, "from my phone")
    );
    let effects = session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Received,
            message: copy(
                "<message from='mantua@conference.example.com/tybalt' to='juliet@example.com/phone' \
                 type='chat'><body>hi</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>",
            ),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        state
            .chats
            .latest_with(&bare("mantua@conference.example.com"))
            .is_none()
    );
}

/// Two occupants may send the same text under the same id: both are
/// lines (a repeat is the same sender's).
#[test]
fn same_id_from_two_occupants_is_two_lines() {
    let mut state = joined();
    for nick in ["romeo", "nurse", "romeo"] {
        message(
            &mut state,
            &format!(
                "<message from='verona@conference.example.com/{nick}' type='groupchat' id='1'>\
                 <body>good morrow</body></message>"
            ),
        );
    }
    let senders: Vec<_> = room_lines(&state)
        .into_iter()
        .filter(|(_, _, body, _)| body == "good morrow")
        .map(|(_, nick, _, _)| nick)
        .collect();
    assert_eq!(senders, [Some("romeo".into()), Some("nurse".into())]);
}

/// MUC-57, MUC-03: a room advertising self-ping optimisation is noted
/// from its disco#info, with its other flags; its answers to a self-ping
/// follow the same rules (MUC-55).
#[test]
fn muc_57_self_ping_optimization_flag() {
    let flags = crate::app::room::RoomFlags::from_features(&[
        "http://jabber.org/protocol/muc#self-ping-optimization".to_owned(),
        "muc_membersonly".to_owned(),
        "muc_passwordprotected".to_owned(),
    ]);
    assert!(flags.self_ping_optimization && flags.members_only && flags.password_protected);
    assert!(flags.known);
    let plain = crate::app::room::RoomFlags::from_features(&[]);
    assert!(!plain.self_ping_optimization && !plain.members_only);
}

/// MUC-19, MUC-20: a subject change from an occupant is shown and kept
/// with who set it; `/topic` shows it, `/topic TEXT` asks the room for a
/// new one with a groupchat `<subject/>` and no body.
#[test]
fn muc_19_20_subject_shown_and_set() {
    let mut state = joined();
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='groupchat'>\
         <subject>Act II</subject></message>",
    );
    assert!(
        trace(&effects)
            .iter()
            .any(|l| l.contains("room-subject verona@conference.example.com")
                && l.contains("Act II")),
        "{effects:?}"
    );
    assert_eq!(
        results(&run(&mut state, 1, "/topic")),
        ["ok /topic: verona@conference.example.com: Act II (set by romeo)"]
    );
    let sent = trace(&run(&mut state, 2, "/topic Act III"));
    assert_eq!(
        sent[0],
        "message: <message to='verona@conference.example.com' type='groupchat' id='ID'>\
         <subject>Act III</subject></message>"
    );
}
