//! The login steps before initial presence and the catch-up from our
//! server archive in the store (checklist §6 CARBONS-02, §8 MAM-*): the
//! order of the requests, each page filed and its cursor kept before the
//! next is asked, dedup against live traffic, the fall-backs and errors.

use super::*;
use crate::app::archive::{CatchUp, Cursor};
use crate::app::chat::Direction;
use crate::xmpp::stanza::mam::{ArchivedMessage, Fin};

const DISCO_CARBONS: &str = "<iq type='result' id='d1'>\
     <query xmlns='http://jabber.org/protocol/disco#info'>\
     <feature var='urn:xmpp:carbons:2'/></query></iq>";

const DISCO_NOTHING: &str = "<iq type='result' id='d1'>\
     <query xmlns='http://jabber.org/protocol/disco#info'/></iq>";

const ACCOUNT_MAM: &str = "<iq type='result' id='d2' from='juliet@example.com'>\
     <query xmlns='http://jabber.org/protocol/disco#info'>\
     <feature var='urn:xmpp:mam:2'/><feature var='urn:xmpp:sid:0'/></query></iq>";

fn reply(state: &mut State, purpose: Purpose, query: &Query, xml: &str) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose,
            result: decoded(query, Ok(iq(xml))),
        },
    )
}

fn server_info(state: &mut State, xml: &str) -> Vec<Effect> {
    reply(state, Purpose::ServerInfo, &Query::ServerInfo, xml)
}

/// Our account's features; the bookmarks read it also starts (an account
/// without PEP: private storage, BOOKMARKS-01, BOOKMARKS-11) is checked
/// and left out of what is returned.
fn account_info(state: &mut State, xml: &str) -> Vec<Effect> {
    let query = Query::AccountInfo(bare("juliet@example.com"));
    let (bookmarks, rest): (Vec<_>, Vec<_>) = reply(state, Purpose::AccountInfo, &query, xml)
        .into_iter()
        .partition(|e| {
            matches!(
                e,
                Effect::Request {
                    purpose: Purpose::Bookmarks(_),
                    ..
                }
            )
        });
    assert_eq!(
        trace(&bookmarks),
        [
            "request Bookmarks(Retrieve): <iq type='get' id='ID'><query xmlns='jabber:iq:private'>\
             <storage xmlns='storage:bookmarks'/></query></iq>"
        ]
    );
    rest
}

fn carbons_on(state: &mut State) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Carbons,
            result: Ok(Answer::Done),
        },
    )
}

fn cursor(state: &mut State, cursor: Option<Cursor>) -> Vec<Effect> {
    update(state, Msg::ArchiveCursor(cursor))
}

/// One archived message: archive id `id`, inner stanza `inner`.
fn archived(id: &str, stamp: &str, inner: &str) -> ArchivedMessage {
    let xml = format!(
        "<message xmlns='jabber:client'><result xmlns='urn:xmpp:mam:2' queryid='q' id='{id}'>\
         <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='{stamp}'/>\
         {inner}</forwarded></result></message>"
    );
    ArchivedMessage::parse(&test_xml::parse(&xml))
        .unwrap()
        .unwrap()
}

/// A chat message from Romeo as the archive holds it.
fn from_romeo(id: &str, body: &str) -> ArchivedMessage {
    archived(
        id,
        "2026-01-02T10:00:00Z",
        &format!(
            "<message xmlns='jabber:client' from='romeo@example.net/orchard' \
             to='juliet@example.com/balcony' type='chat' id='m-{id}'><body>{body}</body>\
             <request xmlns='urn:xmpp:receipts'/></message>"
        ),
    )
}

fn fin(complete: bool, first: Option<&str>, last: Option<&str>) -> Fin {
    let mut set = String::new();
    if let Some(first) = first {
        set.push_str(&format!("<first>{first}</first>"));
    }
    if let Some(last) = last {
        set.push_str(&format!("<last>{last}</last>"));
    }
    let complete = if complete { " complete='true'" } else { "" };
    Fin::parse(&test_xml::parse(&format!(
        "<fin xmlns='urn:xmpp:mam:2'{complete}>\
         <set xmlns='http://jabber.org/protocol/rsm'>{set}</set></fin>"
    )))
    .unwrap()
}

fn page(state: &mut State, messages: Vec<ArchivedMessage>, fin: Fin) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::CatchUp,
            result: Ok(Answer::ArchivePage { messages, fin }),
        },
    )
}

fn page_failed(state: &mut State, condition: StanzaCondition) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::CatchUp,
            result: Err(RequestError::Stanza(StanzaError::new(
                ErrorType::Cancel,
                condition,
            ))),
        },
    )
}

/// The archive queries among `effects`, as `cursor start max` (the
/// queryid is random).
fn pages_asked(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query:
                    Query::ArchivePage {
                        archive,
                        with,
                        start,
                        cursor,
                        max,
                    },
                purpose: Purpose::CatchUp,
            } => {
                assert_eq!((archive, with), (&None, &None), "our whole archive");
                Some(format!(
                    "{cursor:?} {} {max}",
                    start.as_ref().map_or("-", |s| s.as_str())
                ))
            }
            _ => None,
        })
        .collect()
}

/// The cursor moves among `effects`.
fn cursor_moves(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SaveArchiveCursor(id) => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

/// Bound, the roster loaded, carbons on and the account's archive
/// advertised: the history is being asked where the catch-up starts.
fn reading_cursor() -> State {
    let mut state = State::new(Preferences::default());
    online_with_steps(&mut state, features(false, false));
    roster_reply(&mut state, false, Ok(iq(ROSTER)));
    server_info(&mut state, DISCO_CARBONS);
    carbons_on(&mut state);
    let effects = account_info(&mut state, ACCOUNT_MAM);
    assert_eq!(trace(&effects), ["read-archive-cursor"]);
    assert!(!state.initial_presence_sent);
    state
}

/// Catching up after `A9`.
fn catching_up() -> State {
    let mut state = reading_cursor();
    let effects = cursor(
        &mut state,
        Some(Cursor {
            last_id: Some("A9".into()),
            last_at: Some(1_767_000_000),
        }),
    );
    assert_eq!(pages_asked(&effects), ["Some(After(\"A9\")) - 50"]);
    state
}

/// CARBONS-02, MAM-21: bind → roster → carbons → (account disco) → the
/// catch-up → initial presence; nothing goes out as presence before.
#[test]
fn carbons_02_mam_21_login_order() {
    let mut state = State::new(Preferences::default());
    online_with_steps(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert!(sent_presences(&effects).is_empty(), "{:?}", trace(&effects));
    let effects = server_info(&mut state, DISCO_CARBONS);
    let lines = trace(&effects);
    assert!(lines.iter().any(|l| l.contains("<enable")), "{lines:?}");
    assert!(sent_presences(&effects).is_empty());
    let effects = carbons_on(&mut state);
    assert!(effects.is_empty(), "{:?}", trace(&effects));
    let effects = account_info(&mut state, ACCOUNT_MAM);
    assert_eq!(trace(&effects), ["read-archive-cursor"]);
    let effects = cursor(
        &mut state,
        Some(Cursor {
            last_id: Some("A9".into()),
            last_at: Some(1_767_000_000),
        }),
    );
    // MAM-02: no `to`, a fresh queryid (random, so not compared here).
    let line = &trace(&effects)[0];
    let (head, rest) = line.split_at(line.find("queryid='").unwrap());
    assert_eq!(
        head,
        "request CatchUp: <iq type='set' id='ID'><query xmlns='urn:xmpp:mam:2' "
    );
    assert_eq!(
        &rest["queryid='".len() + 32..],
        "'><set xmlns='http://jabber.org/protocol/rsm'><max>50</max><after>A9</after></set>\
         </query></iq>"
    );
    assert!(!state.initial_presence_sent);
    // At the end: presence, then one last pass for what came meanwhile.
    let effects = page(&mut state, Vec::new(), fin(true, None, None));
    let lines = trace(&effects);
    assert_eq!(lines[..2], ["presence: <presence/>", "startup"]);
    assert_eq!(pages_asked(&effects), ["Some(After(\"A9\")) - 50"]);
    assert!(!state.archive.caught_up);
    let effects = tail(&mut state, Vec::new());
    assert_eq!(trace(&effects), ["emit: caught-up 0 messages"]);
    assert!(state.archive.caught_up);
}

/// The last pass after initial presence: `messages`, and the end.
fn tail(state: &mut State, messages: Vec<ArchivedMessage>) -> Vec<Effect> {
    let last = messages.last().map(|m| m.id.clone());
    page(state, messages, fin(true, None, last.as_deref()))
}

/// MAM-21: Prosody gives a session that queried its archive nothing from
/// offline storage, so what arrives between the last page and initial
/// presence is fetched by the pass after it, and counted with the rest.
#[test]
fn mam_21_what_came_before_presence_is_fetched_after_it() {
    let mut state = catching_up();
    let effects = page(
        &mut state,
        vec![from_romeo("B1", "one")],
        fin(true, Some("B1"), Some("B1")),
    );
    assert!(state.initial_presence_sent);
    assert_eq!(pages_asked(&effects), ["Some(After(\"B1\")) - 50"]);
    let effects = tail(&mut state, vec![from_romeo("B2", "in between")]);
    let bodies: Vec<&str> = records(&effects).iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["in between"]);
    assert_eq!(cursor_moves(&effects), ["B2"]);
    assert!(trace(&effects).contains(&"emit: caught-up 2 messages".to_owned()));
    assert!(pages_asked(&effects).is_empty());
}

/// MAM-01: without the archive feature there is no catch-up; carbons
/// refused are no obstacle either (CARBONS-02).
#[test]
fn mam_01_no_archive_no_catch_up() {
    let mut state = State::new(Preferences::default());
    online_with_steps(&mut state, features(false, false));
    roster_reply(&mut state, false, Ok(iq(ROSTER)));
    server_info(&mut state, DISCO_CARBONS);
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Carbons,
            result: Err(RequestError::Stanza(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::NotAllowed,
            ))),
        },
    );
    assert!(!state.initial_presence_sent);
    let effects = account_info(&mut state, DISCO_NOTHING);
    assert_eq!(trace(&effects), ["presence: <presence/>", "startup"]);
    assert_eq!(state.archive.catch_up, CatchUp::Done);
}

/// MAM-07, MAM-17: each page is filed in archive order and its last id
/// kept before the next page is asked (the runner writes records and the
/// cursor before it sends the request); `complete` ends it.
#[test]
fn mam_07_mam_17_pages_forward_in_order() {
    let mut state = catching_up();
    // Two results with the same stamp keep their arrival order.
    let effects = page(
        &mut state,
        vec![from_romeo("B1", "one"), from_romeo("B2", "two")],
        fin(false, Some("B1"), Some("B2")),
    );
    let bodies: Vec<&str> = records(&effects).iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["one", "two"]);
    let archive_ids: Vec<_> = records(&effects)
        .iter()
        .map(|r| r.archive_id.clone())
        .collect();
    assert_eq!(archive_ids, [Some("B1".into()), Some("B2".into())]);
    assert_eq!(
        records(&effects)[0].at,
        1_767_348_000,
        "MAM-04: the delay's stamp"
    );
    // Records, then the cursor, then the next page.
    let positions: Vec<usize> = effects
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e,
                Effect::Record(_) | Effect::SaveArchiveCursor(_) | Effect::Request { .. }
            )
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(positions.len(), 4);
    assert!(matches!(
        effects[positions[2]],
        Effect::SaveArchiveCursor(_)
    ));
    assert_eq!(cursor_moves(&effects), ["B2"]);
    assert_eq!(pages_asked(&effects), ["Some(After(\"B2\")) - 50"]);
    assert!(!state.initial_presence_sent);

    let effects = page(
        &mut state,
        vec![from_romeo("B3", "three")],
        fin(true, Some("B3"), Some("B3")),
    );
    assert_eq!(cursor_moves(&effects), ["B3"]);
    assert_eq!(pages_asked(&effects), ["Some(After(\"B3\")) - 50"]);
    assert!(state.initial_presence_sent);
    let effects = tail(&mut state, Vec::new());
    assert!(trace(&effects).contains(&"emit: caught-up 3 messages".to_owned()));
    let romeo = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    let lines: Vec<&str> = romeo.lines.iter().map(|l| l.body.as_str()).collect();
    assert_eq!(lines, ["one", "two", "three"]);
    // Archived while we were away: unread, once each.
    assert_eq!(romeo.unread, 3);
}

/// MAM-15: archived messages are history: no receipt is sent for one that
/// asks, and no notification per message; one notification sums the
/// catch-up up.
#[test]
fn mam_15_no_receipts_and_one_notification() {
    let mut state = catching_up();
    state.attention.notify = true;
    let mut effects = page(
        &mut state,
        vec![from_romeo("B1", "one"), from_romeo("B2", "two")],
        fin(true, Some("B1"), Some("B2")),
    );
    effects.extend(tail(&mut state, Vec::new()));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SendMessage(_))),
        "{:?}",
        trace(&effects)
    );
    let notes: Vec<String> = trace(&effects)
        .into_iter()
        .filter(|l| l.starts_with("notify"))
        .collect();
    assert_eq!(
        notes,
        ["notify Romeo in romeo@example.net: 2 messages while you were away"]
    );
}

/// MUC-23, MAM-15: a private message in a room, from the catch-up, goes
/// to its `room/nick` conversation (the muc#user `<x/>` says what it is),
/// never to a chat with the room's JID, and rings no bell of its own.
#[test]
fn muc_23_archived_private_message_has_its_own_conversation() {
    let mut state = catching_up();
    state.attention.notify = true;
    let pm = archived(
        "P1",
        "2026-01-02T10:00:00Z",
        "<message xmlns='jabber:client' from='verona@conference.example.com/romeo' \
         to='juliet@example.com/balcony' type='chat' id='pm-1'><body>psst</body>\
         <x xmlns='http://jabber.org/protocol/muc#user'/></message>",
    );
    let effects = page(&mut state, vec![pm], fin(true, Some("P1"), Some("P1")));
    let room: jid::BareJid = "verona@conference.example.com".parse().unwrap();
    let private = state
        .chats
        .find_room(&room, Some("romeo"))
        .expect("room/nick");
    let line = state.chats.get(private).unwrap().lines.back().unwrap();
    assert_eq!(
        (line.body.as_str(), line.resource.as_deref()),
        ("psst", Some("romeo"))
    );
    assert!(state.chats.latest_with(&room).is_none(), "no contact chat");
    let recorded: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(r) => Some((r.peer.to_string(), r.archive_id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        recorded,
        [(
            "verona@conference.example.com".to_owned(),
            Some("P1".to_owned())
        )]
    );
    assert!(!trace(&effects).iter().any(|l| l.starts_with("notify")));
}

/// MAM-10, MAM-11: a live message with our archive's stanza-id during the
/// catch-up is shown once when its page brings it again, and does not
/// move the cursor; once caught up, live archive ids do.
#[test]
fn mam_10_mam_11_live_during_catch_up() {
    let mut state = catching_up();
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' \
         type='chat' id='m-B3'><body>live</body>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='B3'/></message>",
    );
    assert_eq!(records(&effects).len(), 1);
    assert!(cursor_moves(&effects).is_empty(), "MAM-11");
    let effects = page(
        &mut state,
        vec![from_romeo("B1", "one"), from_romeo("B3", "live")],
        fin(true, Some("B1"), Some("B3")),
    );
    let bodies: Vec<&str> = records(&effects).iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["one"], "the live one is filed already");
    assert_eq!(cursor_moves(&effects), ["B3"]);
    let romeo = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    assert_eq!(romeo.lines.len(), 2);
    tail(&mut state, Vec::new());

    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' \
         type='chat' id='m-C1'><body>later</body>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='C1'/></message>",
    );
    assert_eq!(cursor_moves(&effects), ["C1"]);
}

/// MAM-10, SID-05: our own message comes back from the archive: the one
/// this session sent is known by its origin-id, one from another device is
/// our line.
#[test]
fn mam_10_our_own_messages_in_the_archive() {
    let mut state = catching_up();
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    let sent = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.origin_id.clone(),
            _ => None,
        })
        .unwrap();
    let ours = archived(
        "B1",
        "2026-01-02T10:00:00Z",
        &format!(
            "<message xmlns='jabber:client' from='juliet@example.com/balcony' \
             to='romeo@example.net' type='chat' id='{sent}'><body>hi</body>\
             <origin-id xmlns='urn:xmpp:sid:0' id='{sent}'/></message>"
        ),
    );
    let elsewhere = archived(
        "B2",
        "2026-01-02T10:01:00Z",
        "<message xmlns='jabber:client' from='juliet@example.com/chamber' \
         to='romeo@example.net' type='chat' id='x1'><body>from the phone</body></message>",
    );
    let effects = page(
        &mut state,
        vec![ours, elsewhere],
        fin(true, None, Some("B2")),
    );
    let recorded: Vec<_> = records(&effects)
        .iter()
        .map(|r| (r.direction, r.body.clone(), r.archive_id.clone()))
        .collect();
    assert_eq!(
        recorded,
        [(
            Direction::Outgoing,
            "from the phone".to_owned(),
            Some("B2".to_owned())
        )]
    );
    let romeo = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    let lines: Vec<&str> = romeo.lines.iter().map(|l| l.body.as_str()).collect();
    assert_eq!(lines, ["hi", "from the phone"]);
    assert!(
        !trace(&effects)
            .iter()
            .any(|l| l.starts_with("emit: carbon")),
        "not reported as a carbon"
    );
}

/// MAM-08: an archive that no longer knows our id starts again from the
/// time of the last message held, and says a gap is possible; the same
/// error again ends the catch-up (MAM-16).
#[test]
fn mam_08_unknown_id_falls_back_to_a_start_time() {
    let mut state = catching_up();
    let effects = page_failed(&mut state, StanzaCondition::ItemNotFound);
    assert_eq!(pages_asked(&effects), ["None 2025-12-29T09:20:00Z 50"]);
    assert!(last_notice(&state).text.contains("missing"));
    assert!(!state.initial_presence_sent);
    let effects = page(
        &mut state,
        vec![from_romeo("B1", "one")],
        fin(false, Some("B1"), Some("B1")),
    );
    assert_eq!(pages_asked(&effects), ["Some(After(\"B1\")) - 50"]);
    let effects = page_failed(&mut state, StanzaCondition::ItemNotFound);
    assert!(pages_asked(&effects).is_empty());
    assert!(state.initial_presence_sent);
    assert!(
        trace(&effects).contains(&"emit: caught-up 1 message (incomplete)".to_owned()),
        "{:?}",
        trace(&effects)
    );
}

/// MAM-16: any other error ends the paging with a notice, and presence
/// follows.
#[test]
fn mam_16_errors_end_the_paging() {
    let mut state = catching_up();
    let effects = page_failed(&mut state, StanzaCondition::ServiceUnavailable);
    assert!(pages_asked(&effects).is_empty());
    assert!(last_notice(&state).is_error);
    assert!(last_notice(&state).text.contains("could not be fetched"));
    assert!(state.initial_presence_sent);
    assert!(!state.archive.caught_up);
}

/// MAM-09: with no history at all only a recent window is fetched, paged
/// backwards from an empty `<before/>` up to the configured size, and
/// filed oldest first; the cursor goes to the newest.
#[test]
fn mam_09_first_login_fetches_a_recent_window() {
    let mut state = reading_cursor();
    state.prefs.first_login_messages = 3;
    let effects = cursor(&mut state, Some(Cursor::default()));
    assert_eq!(pages_asked(&effects), ["Some(LastPage) - 3"]);
    let effects = page(
        &mut state,
        vec![from_romeo("A8", "eight"), from_romeo("A9", "nine")],
        fin(false, Some("A8"), Some("A9")),
    );
    assert!(
        records(&effects).is_empty(),
        "held until the window is whole"
    );
    assert_eq!(pages_asked(&effects), ["Some(Before(\"A8\")) - 1"]);
    let effects = page(
        &mut state,
        vec![from_romeo("A7", "seven")],
        fin(false, Some("A7"), Some("A7")),
    );
    let bodies: Vec<&str> = records(&effects).iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["seven", "eight", "nine"]);
    assert_eq!(cursor_moves(&effects), ["A9"]);
    assert_eq!(pages_asked(&effects), ["Some(After(\"A9\")) - 50"]);
    assert!(state.initial_presence_sent);
}

/// MAM-09, MAM-21: an empty archive at the first login: the pass after
/// presence asks for the newest page, since there is no id to go on from.
#[test]
fn mam_09_empty_archive_then_the_newest_page() {
    let mut state = reading_cursor();
    cursor(&mut state, Some(Cursor::default()));
    let effects = page(&mut state, Vec::new(), fin(true, None, None));
    assert!(state.initial_presence_sent);
    assert_eq!(pages_asked(&effects), ["Some(LastPage) - 50"]);
    let effects = tail(&mut state, vec![from_romeo("A1", "just now")]);
    assert_eq!(records(&effects).len(), 1);
    assert!(state.archive.caught_up);
}

/// No history kept (`[history] enabled = false`): nothing to catch up
/// into, so presence goes out at once.
#[test]
fn no_history_no_catch_up() {
    let mut state = reading_cursor();
    let effects = cursor(&mut state, None);
    assert_eq!(trace(&effects), ["presence: <presence/>", "startup"]);
}

/// MAM-22: a resumed stream needs no catch-up, and a lost one stops the
/// catch-up quietly; the next session starts over.
#[test]
fn mam_22_resume_needs_no_catch_up() {
    let mut state = catching_up();
    page(&mut state, Vec::new(), fin(true, None, None));
    tail(&mut state, Vec::new());
    let effects = session(&mut state, SessionEvent::Resumed);
    assert!(pages_asked(&effects).is_empty());
    assert!(!trace(&effects).contains(&"read-archive-cursor".to_owned()));

    let mut state = catching_up();
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::CatchUp,
            result: Err(RequestError::Disconnected),
        },
    );
    assert!(effects.is_empty(), "{:?}", trace(&effects));
    connection_lost(&mut state);
    online_with_steps(&mut state, features(false, false));
    assert!(state.archive.hold_presence);
    assert_eq!(state.archive.catch_up, CatchUp::Idle);
}

/// MAM-12: scrolling past the top of the local history asks the archive
/// for the page before the oldest archive id held, with that contact; the
/// page is recorded as older history (no new line, nothing unread, no
/// receipt) and read back from the history; `complete` is the start, and
/// nothing more is asked.
#[test]
fn mam_12_scrollback_pages_into_the_archive() {
    let mut state = catching_up();
    page(
        &mut state,
        vec![from_romeo("B1", "one")],
        fin(true, Some("B1"), Some("B1")),
    );
    tail(&mut state, Vec::new());
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    let unread = state.chats.get(id).unwrap().unread;
    // The local history is read to its start.
    update(
        &mut state,
        Msg::HistoryLoaded {
            conversation: id,
            lines: Vec::new(),
            exhausted: true,
        },
    );
    let effects = update(&mut state, Msg::View(crate::app::ViewMsg::LoadOlder(id)));
    assert_eq!(
        trace(&effects),
        ["read-oldest-archive-id romeo@example.net"]
    );
    // Asked once while the page is on its way.
    let again = update(&mut state, Msg::View(crate::app::ViewMsg::LoadOlder(id)));
    assert!(again.is_empty(), "{:?}", trace(&again));
    let effects = update(
        &mut state,
        Msg::ArchiveScrollFrom {
            conversation: id,
            before: Some(Some("B1".into())),
        },
    );
    let asked: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query:
                    Query::ArchivePage {
                        archive: None,
                        with: Some(with),
                        cursor,
                        max,
                        ..
                    },
                purpose: Purpose::Scrollback { conversation },
            } if *conversation == id => Some(format!("{with} {cursor:?} {max}")),
            _ => None,
        })
        .collect();
    assert_eq!(asked, ["romeo@example.net Some(Before(\"B1\")) 50"]);
    let older = vec![
        from_romeo("A1", "long ago"),
        from_romeo("A2", "less long ago"),
    ];
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Scrollback { conversation: id },
            result: Ok(Answer::ArchivePage {
                messages: older,
                fin: fin(true, Some("A1"), Some("A2")),
            }),
        },
    );
    let stored: Vec<(String, Option<String>)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::RecordOlder(records) => Some(records),
            _ => None,
        })
        .flatten()
        .map(|r| (r.body.clone(), r.archive_id.clone()))
        .collect();
    assert_eq!(
        stored,
        [
            ("long ago".to_owned(), Some("A1".to_owned())),
            ("less long ago".to_owned(), Some("A2".to_owned()))
        ]
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::LoadHistory { conversation, before_row: Some(_), .. } if *conversation == id
    )));
    assert!(!effects.iter().any(|e| matches!(e, Effect::SendMessage(_))));
    let conversation = state.chats.get(id).unwrap();
    assert_eq!(conversation.lines.len(), 1, "read back from the history");
    assert_eq!(conversation.unread, unread);
    // The archive's start: nothing more to ask.
    update(
        &mut state,
        Msg::HistoryLoaded {
            conversation: id,
            lines: Vec::new(),
            exhausted: true,
        },
    );
    let effects = update(&mut state, Msg::View(crate::app::ViewMsg::LoadOlder(id)));
    assert!(effects.is_empty(), "{:?}", trace(&effects));
}

/// MAM-10: during the catch-up, a message the history already held (its
/// cursor lagged behind it) and showed in the conversation comes again from
/// the archive; once stored it has the same row as the line read from the
/// history, and the new line goes: one message, one line, not unread.
#[test]
fn mam_10_a_message_the_history_showed_is_one_line() {
    let mut state = catching_up();
    page(
        &mut state,
        vec![from_romeo("B1", "one")],
        fin(false, Some("B1"), Some("B1")),
    );
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    // The history read back "two" (row 7) from an earlier session.
    let stored = crate::app::chat::ChatLine {
        direction: Direction::Incoming,
        resource: Some("orchard".into()),
        kind: crate::xmpp::stanza::message::MessageType::Chat,
        subject: None,
        body: "two".into(),
        id: None,
        at: 0,
        error: None,
        seq: 0,
        pending: false,
        receipt: false,
        row: Some(7),
        edited: false,
        correction: None,
        displayed: false,
        room_id: None,
        notice: false,
    };
    update(
        &mut state,
        Msg::HistoryLoaded {
            conversation: id,
            lines: vec![stored],
            exhausted: true,
        },
    );
    let unread = state.chats.get(id).unwrap().unread;
    let effects = page(
        &mut state,
        vec![archived(
            "B2",
            "2026-01-02T10:00:00Z",
            "<message xmlns='jabber:client' from='romeo@example.net/orchard' \
             to='juliet@example.com/balcony' type='chat'><body>two</body></message>",
        )],
        fin(true, Some("B2"), Some("B2")),
    );
    let record = records(&effects)[0].line.unwrap();
    assert_eq!(state.chats.get(id).unwrap().unread, unread + 1);
    update(
        &mut state,
        Msg::Recorded {
            conversation: record.0,
            seq: record.1,
            row: 7,
            stored_before: false,
        },
    );
    let conversation = state.chats.get(id).unwrap();
    let twos = conversation
        .lines
        .iter()
        .filter(|l| l.body == "two")
        .count();
    assert_eq!(twos, 1);
    assert_eq!(conversation.unread, unread);
}

/// Files `count` messages from Romeo (archive ids `prefix` and a number)
/// in pages of 50 and stores each as the next history row from
/// `first_row` on, as the engine does once a page is written.
fn backlog_from_romeo(state: &mut State, prefix: &str, count: usize, first_row: i64) {
    let mut row = first_row;
    for start in (0..count).step_by(50) {
        let end = (start + 50).min(count);
        let messages = (start..end)
            .map(|n| from_romeo(&format!("{prefix}{n}"), &format!("line {n}")))
            .collect();
        let last = format!("{prefix}{}", end - 1);
        let effects = page(state, messages, fin(false, None, Some(&last)));
        for record in records(&effects) {
            let (conversation, seq) = record.line.unwrap();
            update(
                state,
                Msg::Recorded {
                    conversation,
                    seq,
                    row,
                    stored_before: false,
                },
            );
            row += 1;
        }
    }
}

/// A backlog for a window nobody is looking at is not held in memory:
/// only the newest stored lines stay, every message still counts as
/// unread, and scrolling reads the rest back from the history.
#[test]
fn the_catch_up_keeps_only_the_newest_lines_of_a_window_not_on_screen() {
    use crate::app::chat::CATCH_UP_LINES;
    let mut state = catching_up();
    backlog_from_romeo(&mut state, "C", 250, 1);
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    let conversation = state.chats.get(id).unwrap();
    assert_eq!(conversation.lines.len(), CATCH_UP_LINES);
    assert_eq!(conversation.unread, 250);
    assert!(!conversation.history_exhausted);
    assert_eq!(conversation.lines.back().unwrap().body, "line 249");
    assert_eq!(state.chats.oldest_row(id), Some(151));
    // Line 3 comes again without an id to tell (MAM-10): the history
    // gives it its row, which the window no longer holds but still shows.
    let effects = page(
        &mut state,
        vec![archived(
            "D1",
            "2026-01-02T10:00:00Z",
            "<message xmlns='jabber:client' from='romeo@example.net/orchard' \
             to='juliet@example.com/balcony' type='chat'><body>line 3</body></message>",
        )],
        fin(false, None, Some("D1")),
    );
    let (conversation, seq) = records(&effects)[0].line.unwrap();
    update(
        &mut state,
        Msg::Recorded {
            conversation,
            seq,
            row: 4,
            stored_before: false,
        },
    );
    let conversation = state.chats.get(id).unwrap();
    assert_eq!(conversation.unread, 250);
    assert!(conversation.lines.iter().all(|l| l.body != "line 3"));
    let effects = update(&mut state, Msg::View(crate::app::ViewMsg::LoadOlder(id)));
    assert!(matches!(
        effects.as_slice(),
        [Effect::LoadHistory {
            before_row: Some(151),
            ..
        }]
    ));
}

/// The window on screen keeps every line the catch-up files into it.
#[test]
fn the_catch_up_keeps_every_line_of_the_window_on_screen() {
    let mut state = catching_up();
    backlog_from_romeo(&mut state, "C", 1, 1);
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    update(&mut state, Msg::View(crate::app::ViewMsg::Activate(id)));
    backlog_from_romeo(&mut state, "E", 250, 2);
    assert_eq!(state.chats.get(id).unwrap().lines.len(), 251);
}
