//! The bookmarks area in the store (checklist §10 BOOKMARKS, §11 PEP): the
//! store chosen from our account's features, the list read at login, the
//! autojoins made after initial presence, `/bookmark` on both stores, and
//! the live notifications from our other devices.

use super::*;
use crate::app::bookmarks::{Step, Store};
use crate::xmpp::ns;
use crate::xmpp::query::feature;
use crate::xmpp::stanza::pubsub;

const ACCOUNT_PEP: &str = "<iq type='result' id='d2' from='juliet@example.com'>\
     <query xmlns='http://jabber.org/protocol/disco#info'>\
     <identity category='pubsub' type='pep'/>\
     <feature var='urn:xmpp:bookmarks:1#compat'/>\
     <feature var='http://jabber.org/protocol/pubsub#publish-options'/></query></iq>";

const ITEMS: &str = "<iq type='result' id='bm1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
     <items node='urn:xmpp:bookmarks:1'>\
     <item id='verona@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1' \
     name='Verona' autojoin='1'><nick>jules</nick></conference></item>\
     <item id='capulet@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1' \
     autojoin='true'><extensions><state xmlns='urn:example:client'/></extensions>\
     </conference></item>\
     <item id='mantua@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1'/></item>\
     </items></pubsub></iq>";

fn account(state: &mut State, xml: &str) -> Vec<Effect> {
    let query = Query::AccountInfo(bare("juliet@example.com"));
    update(
        state,
        Msg::Reply {
            purpose: Purpose::AccountInfo,
            result: decoded(&query, Ok(iq(xml))),
        },
    )
}

fn bookmarks_reply(state: &mut State, step: Step, query: &Query, xml: &str) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Bookmarks(step),
            result: decoded(query, Ok(iq(xml))),
        },
    )
}

fn bookmarks_error(state: &mut State, step: Step, error: StanzaError) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Bookmarks(step),
            result: Err(RequestError::Stanza(error)),
        },
    )
}

/// The requests among `effects`, with their step.
fn requests(effects: &[Effect]) -> Vec<(Step, Query)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query,
                purpose: Purpose::Bookmarks(step),
            } => Some((step.clone(), query.clone())),
            _ => None,
        })
        .collect()
}

fn items_query() -> Query {
    Query::PubsubItems {
        node: ns::BOOKMARKS.into(),
    }
}

/// Logged in on an account with XEP-0402, the list of [`ITEMS`] read.
fn with_pep_bookmarks() -> State {
    let mut state = logged_in();
    let effects = account(&mut state, ACCOUNT_PEP);
    assert_eq!(requests(&effects), [(Step::Retrieve, items_query())]);
    bookmarks_reply(&mut state, Step::Retrieve, &items_query(), ITEMS);
    state
}

fn emitted(effects: &[Effect]) -> Vec<String> {
    events(effects).iter().map(|e| e.to_line()).collect()
}

fn pubsub_event(state: &mut State, from: Option<&str>, xml: &str) -> Vec<Effect> {
    let message = test_xml::parse(xml);
    let event = pubsub::parse_event(&message, 100).unwrap();
    session(
        state,
        SessionEvent::Pubsub {
            from: from.map(|f| jid::Jid::new(f).unwrap()),
            event,
        },
    )
}

/// BOOKMARKS-01, PEP-01, BOOKMARKS-02: an account with PEP, `#compat` and
/// publish-options keeps XEP-0402; the items get asks the node, and each
/// autojoin bookmark is joined with its nick, else our local part
/// (BOOKMARKS-04).
#[test]
fn bookmarks_01_02_04_pep_store_read_and_autojoined() {
    let mut state = logged_in();
    let effects = account(&mut state, ACCOUNT_PEP);
    assert_eq!(state.bookmarks.store, Store::Pep);
    assert_eq!(
        trace(&effects)
            .into_iter()
            .filter(|l| l.contains("Bookmarks"))
            .collect::<Vec<_>>(),
        ["request Bookmarks(Retrieve): <iq type='get' id='ID'>\
          <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
          <items node='urn:xmpp:bookmarks:1'/></pubsub></iq>"]
    );
    let effects = bookmarks_reply(&mut state, Step::Retrieve, &items_query(), ITEMS);
    assert_eq!(
        emitted(&effects),
        [
            "bookmark autojoin: capulet@conference.example.com as juliet",
            "bookmark autojoin: verona@conference.example.com as jules",
        ]
    );
    assert_eq!(state.bookmarks.list.len(), 3);
}

/// BOOKMARKS-01: without `#compat` (ejabberd 23.01) the legacy store is
/// used even with PEP; a `[rooms] nick` is the default nick.
#[test]
fn bookmarks_01_11_14_private_store_without_compat() {
    let prefs = Preferences {
        room_nick: Some("juju".into()),
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    let effects = account(
        &mut state,
        "<iq type='result' id='d2'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='pubsub' type='pep'/>\
         <feature var='http://jabber.org/protocol/pubsub#publish-options'/></query></iq>",
    );
    assert_eq!(state.bookmarks.store, Store::Private);
    assert_eq!(
        requests(&effects),
        [(Step::Retrieve, Query::PrivateBookmarks)]
    );
    let effects = bookmarks_reply(
        &mut state,
        Step::Retrieve,
        &Query::PrivateBookmarks,
        "<iq type='result' id='pv1'><query xmlns='jabber:iq:private'>\
         <storage xmlns='storage:bookmarks'>\
         <conference jid='verona@conference.example.com' autojoin='true'/>\
         <url name='Globe' url='https://globe.example'/></storage></query></iq>",
    );
    assert_eq!(
        emitted(&effects),
        ["bookmark autojoin: verona@conference.example.com as juju"]
    );
}

/// BOOKMARKS-02: `item-not-found` is no bookmarks yet, not an error;
/// BOOKMARKS-16: any other error is told.
#[test]
fn bookmarks_02_16_no_node_and_errors() {
    let mut state = logged_in();
    account(&mut state, ACCOUNT_PEP);
    let effects = bookmarks_error(
        &mut state,
        Step::Retrieve,
        StanzaError::new(ErrorType::Cancel, StanzaCondition::ItemNotFound),
    );
    assert!(emitted(&effects).is_empty(), "{:?}", trace(&effects));
    assert!(state.bookmarks.loaded && state.bookmarks.list.is_empty());

    let mut state = logged_in();
    account(&mut state, "<iq type='result' id='d2'/>");
    let effects = bookmarks_error(
        &mut state,
        Step::Retrieve,
        StanzaError::new(ErrorType::Cancel, StanzaCondition::Forbidden),
    );
    let lines = emitted(&effects);
    assert!(
        lines.len() == 1 && lines[0].contains("refused access to private storage"),
        "{lines:?}"
    );
}

/// BOOKMARKS-04: joins found before initial presence wait for it.
#[test]
fn bookmarks_04_autojoin_waits_for_initial_presence() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(false, false));
    account(&mut state, ACCOUNT_PEP);
    let effects = bookmarks_reply(&mut state, Step::Retrieve, &items_query(), ITEMS);
    assert!(emitted(&effects).is_empty());
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    let lines = trace(&effects);
    let presence = lines.iter().position(|l| l.starts_with("presence"));
    let join = lines.iter().position(|l| l.contains("bookmark autojoin"));
    assert!(presence.is_some() && join > presence, "{lines:?}");
}

/// BOOKMARKS-05, BOOKMARKS-06, BOOKMARKS-15: an edit republishes the item
/// with its extensions and the private options; a password comes with the
/// warning; the result reports it and the room is joined.
#[test]
fn bookmarks_05_06_15_add_publishes_with_options() {
    let mut state = with_pep_bookmarks();
    let effects = run(
        &mut state,
        7,
        "/bookmark add capulet@conference.example.com --no-autojoin --password pw",
    );
    let sent = requests(&effects);
    let [(step, query)] = &sent[..] else {
        panic!("{sent:?}")
    };
    let xml = query.to_iq("example.com").to_element().to_xml();
    assert!(
        xml.contains(
            "<conference xmlns='urn:xmpp:bookmarks:1'><password>pw</password>\
             <extensions><state xmlns='urn:example:client'/></extensions></conference>"
        ),
        "{xml}"
    );
    assert!(xml.contains("<field var='pubsub#access_model'><value>whitelist</value>"));
    let effects = bookmarks_reply(
        &mut state,
        step.clone(),
        query,
        "<iq type='result' id='x'/>",
    );
    assert_eq!(
        emitted(&effects),
        [
            "bookmark capulet@conference.example.com autojoin=no password",
            "bookmark leave: capulet@conference.example.com",
            "ok /bookmark add capulet@conference.example.com: bookmarked \
             capulet@conference.example.com (the room password is stored in clear on your server)",
        ]
    );
}

/// BOOKMARKS-08: precondition-not-met is told, never retried without
/// options.
#[test]
fn bookmarks_08_precondition_not_met_is_told() {
    let mut state = with_pep_bookmarks();
    let effects = run(&mut state, 7, "/bookmark add new@conference.example.com");
    let (step, _) = requests(&effects).remove(0);
    let mut error = StanzaError::new(ErrorType::Cancel, StanzaCondition::Conflict);
    error.app_condition = Some(("precondition-not-met".into(), ns::PUBSUB_ERRORS.to_owned()));
    let effects = bookmarks_error(&mut state, step, error);
    assert!(requests(&effects).is_empty(), "no retry");
    let results = results(&effects);
    assert!(
        results.len() == 1 && results[0].contains("precondition-not-met"),
        "{results:?}"
    );
    assert!(
        !state
            .bookmarks
            .list
            .contains_key(&bare("new@conference.example.com"))
    );
}

/// BOOKMARKS-07: remove retracts with notify; the room is left.
#[test]
fn bookmarks_07_remove_retracts() {
    let mut state = with_pep_bookmarks();
    assert!(
        run(
            &mut state,
            1,
            "/bookmark remove nowhere@conference.example.com"
        )
        .iter()
        .any(|e| matches!(e, Effect::Emit(Event::Result { ok: false, .. })))
    );
    let effects = run(
        &mut state,
        2,
        "/bookmark remove verona@conference.example.com",
    );
    let (step, query) = requests(&effects).remove(0);
    assert_eq!(
        query,
        Query::PubsubRetract {
            node: ns::BOOKMARKS.into(),
            id: "verona@conference.example.com".into()
        }
    );
    let effects = bookmarks_reply(&mut state, step, &query, "<iq type='result' id='x'/>");
    assert_eq!(
        emitted(&effects)[..2],
        [
            "bookmark-removed verona@conference.example.com",
            "bookmark leave: verona@conference.example.com",
        ]
    );
}

/// `/bookmark list`: each bookmark, name or JID, autojoin and nick.
#[test]
fn bookmark_list_reports_each() {
    let mut state = with_pep_bookmarks();
    let effects = run(&mut state, 3, "/bookmark");
    assert_eq!(
        emitted(&effects),
        [
            "bookmark capulet@conference.example.com autojoin=yes",
            "bookmark mantua@conference.example.com autojoin=no",
            "bookmark verona@conference.example.com name=\"Verona\" autojoin=yes nick=jules",
            "ok /bookmark list: 3 bookmarks",
        ]
    );
}

/// A command given before the list is read waits for it.
#[test]
fn bookmark_command_waits_for_the_list() {
    let mut state = logged_in();
    account(&mut state, ACCOUNT_PEP);
    let effects = run(&mut state, 3, "/bookmark list");
    assert!(results(&effects).is_empty());
    let effects = bookmarks_reply(&mut state, Step::Retrieve, &items_query(), ITEMS);
    assert!(
        results(&effects).iter().any(|r| r.contains("3 bookmarks")),
        "{:?}",
        trace(&effects)
    );
}

/// BOOKMARKS-13: on private storage each write fetches afresh, changes
/// only its conference and sets the whole storage back.
#[test]
fn bookmarks_13_private_read_modify_write() {
    let mut state = logged_in();
    account(&mut state, "<iq type='result' id='d2'/>");
    bookmarks_reply(
        &mut state,
        Step::Retrieve,
        &Query::PrivateBookmarks,
        "<iq type='result' id='pv1'/>",
    );
    let effects = run(
        &mut state,
        4,
        "/bookmark add verona@conference.example.com --autojoin --name Fair Verona",
    );
    let (step, query) = requests(&effects).remove(0);
    assert_eq!(query, Query::PrivateBookmarks, "a fresh fetch first");
    let effects = bookmarks_reply(
        &mut state,
        step,
        &query,
        "<iq type='result' id='pv1'><query xmlns='jabber:iq:private'>\
         <storage xmlns='storage:bookmarks'>\
         <url name='Globe' url='https://globe.example'/>\
         <conference jid='other@conference.example.com'><x xmlns='urn:example'/></conference>\
         </storage></query></iq>",
    );
    let (step, query) = requests(&effects).remove(0);
    let mut set = query.to_iq("example.com");
    set.id = "pv2".into();
    assert_eq!(
        set.to_element().to_xml(),
        "<iq type='set' id='pv2'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>\
         <url name='Globe' url='https://globe.example'/>\
         <conference jid='other@conference.example.com'><x xmlns='urn:example'/></conference>\
         <conference jid='verona@conference.example.com' name='Fair Verona' autojoin='true'/>\
         </storage></query></iq>"
    );
    let effects = bookmarks_reply(&mut state, step, &query, "<iq type='result' id='pv2'/>");
    assert_eq!(
        emitted(&effects),
        [
            "bookmark other@conference.example.com autojoin=no",
            "bookmark verona@conference.example.com name=\"Fair Verona\" autojoin=yes",
            "bookmark autojoin: verona@conference.example.com as juliet",
            "ok /bookmark add verona@conference.example.com: bookmarked \
             verona@conference.example.com",
        ]
    );
}

/// BOOKMARKS-10, PEP-04: a push from our account applies live: a new
/// autojoin item joins, the same item again changes nothing, autojoin off
/// leaves, a retract forgets.
#[test]
fn bookmarks_10_pushes_apply_live() {
    let mut state = with_pep_bookmarks();
    let item = |autojoin: &str| {
        format!(
            "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'><item id='globe@conference.example.com'>\
             <conference xmlns='urn:xmpp:bookmarks:1' autojoin='{autojoin}'/></item>\
             </items></event></message>"
        )
    };
    let effects = pubsub_event(&mut state, Some("juliet@example.com"), &item("true"));
    assert_eq!(
        emitted(&effects),
        [
            "bookmark globe@conference.example.com autojoin=yes",
            "bookmark autojoin: globe@conference.example.com as juliet",
        ]
    );
    let again = pubsub_event(&mut state, None, &item("true"));
    assert!(again.is_empty(), "{:?}", trace(&again));
    let effects = pubsub_event(&mut state, None, &item("false"));
    assert_eq!(
        emitted(&effects),
        [
            "bookmark globe@conference.example.com autojoin=no",
            "bookmark leave: globe@conference.example.com",
        ]
    );
    let effects = pubsub_event(
        &mut state,
        Some("juliet@example.com"),
        "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <items node='urn:xmpp:bookmarks:1'><retract id='verona@conference.example.com'/>\
         </items></event></message>",
    );
    assert_eq!(
        emitted(&effects),
        [
            "bookmark-removed verona@conference.example.com",
            "bookmark leave: verona@conference.example.com",
        ]
    );
    let effects = pubsub_event(
        &mut state,
        None,
        "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <purge node='urn:xmpp:bookmarks:1'/></event></message>",
    );
    assert_eq!(emitted(&effects).len(), 4, "{:?}", trace(&effects));
    assert!(state.bookmarks.list.is_empty());
}

/// BOOKMARKS-10: bookmarking a room we are in, without autojoin, leaves us
/// in it (found by trying `/bookmark add` in a room: the echo of our own
/// publish left the room); turning autojoin off afterwards still leaves.
#[test]
fn bookmarks_10_a_new_bookmark_without_autojoin_stays() {
    let mut state = with_pep_bookmarks();
    let item = |autojoin: &str| {
        format!(
            "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'><item id='verona@conference.example.com'>\
             <conference xmlns='urn:xmpp:bookmarks:1' autojoin='{autojoin}'/></item>\
             </items></event></message>"
        )
    };
    // verona is joined and bookmarked with autojoin: switching it off leaves.
    let effects = pubsub_event(&mut state, None, &item("false"));
    assert!(
        emitted(&effects).contains(&"bookmark leave: verona@conference.example.com".to_owned())
    );
    // A room joined by hand, then bookmarked without autojoin: no leave.
    let room: BareJid = "globe@conference.example.com".parse().unwrap();
    crate::app::room::join(
        &mut state,
        crate::app::room::RoomJoin {
            room: room.clone(),
            nick: "juliet".into(),
            password: None,
            nick_is_default: false,
        },
        0,
        &mut Vec::new(),
    )
    .unwrap();
    let globe = "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <items node='urn:xmpp:bookmarks:1'><item id='globe@conference.example.com'>\
         <conference xmlns='urn:xmpp:bookmarks:1' autojoin='false'/></item>\
         </items></event></message>";
    let effects = pubsub_event(&mut state, None, globe);
    assert_eq!(
        emitted(&effects),
        ["bookmark globe@conference.example.com autojoin=no"]
    );
    assert_eq!(
        state.rooms.get(&room).map(|r| r.phase.clone()),
        Some(crate::app::room::JoinPhase::Joining { sent: false })
    );
}

/// BOOKMARKS-21, PEP-05: an event from another account, or from one of
/// our resources, or for another node, is ignored; PEP-03: never a line.
#[test]
fn bookmarks_21_spoofed_events_are_ignored() {
    let mut state = with_pep_bookmarks();
    // The autojoined rooms' windows; the events must open none.
    let windows = state.chats.window_ids().to_vec();
    let retract = "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <items node='urn:xmpp:bookmarks:1'><retract id='verona@conference.example.com'/>\
         </items></event></message>";
    for from in ["mallory@evil.example", "juliet@example.com/other"] {
        let effects = pubsub_event(&mut state, Some(from), retract);
        assert!(effects.is_empty(), "{from}: {:?}", trace(&effects));
    }
    let other_node = "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <purge node='urn:example:tune'/></event></message>";
    assert!(pubsub_event(&mut state, None, other_node).is_empty());
    assert_eq!(state.bookmarks.list.len(), 3);
    assert_eq!(state.chats.window_ids(), windows);
}

/// A new session decides the store again, reads the list again and
/// joins the autojoin rooms again after its initial presence (rooms are
/// left with the old stream).
#[test]
fn bookmarks_01_04_a_reconnect_joins_again() {
    let mut state = with_pep_bookmarks();
    assert_eq!(rooms_in(&state), 2);
    connection_lost(&mut state);
    online(&mut state, features(false, false));
    assert_eq!(state.bookmarks.store, Store::Unknown);
    assert_eq!(rooms_in(&state), 0);
    let effects = account(&mut state, ACCOUNT_PEP);
    assert_eq!(requests(&effects), [(Step::Retrieve, items_query())]);
    bookmarks_reply(&mut state, Step::Retrieve, &items_query(), ITEMS);
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    // Each room is joined again once: by the room area's rejoin (MUC-46)
    // or by its bookmark, never both.
    let mut joins: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query: crate::xmpp::query::Query::RoomInfo(room),
                ..
            } => Some(room.to_string()),
            _ => None,
        })
        .collect();
    joins.sort();
    assert_eq!(
        joins,
        [
            "capulet@conference.example.com",
            "verona@conference.example.com",
        ]
    );
    assert_eq!(rooms_in(&state), 2);
    assert!(feature::PEP_SERVICE.starts_with('#'));
}

/// A command waiting for the list fails when the connection is lost.
#[test]
fn a_waiting_bookmark_command_fails_with_the_connection() {
    let mut state = logged_in();
    account(&mut state, ACCOUNT_PEP);
    assert!(results(&run(&mut state, 3, "/bookmark list")).is_empty());
    let effects = connection_lost(&mut state);
    let results = results(&effects);
    assert!(
        results.len() == 1 && results[0].contains("connection was lost"),
        "{results:?}"
    );
}

/// The terminal UI, which reads notices only, shows the listing and the
/// autojoins as notice lines, remote text made safe.
#[test]
fn the_terminal_ui_shows_bookmarks_as_notices() {
    let mut state = logged_in();
    state.notices_only = true;
    account(&mut state, ACCOUNT_PEP);
    bookmarks_reply(&mut state, Step::Retrieve, &items_query(), ITEMS);
    run(&mut state, 3, "/bookmark list");
    let notices: Vec<&str> = state.notices.iter().map(|n| n.text.as_str()).collect();
    assert!(
        notices.contains(&"bookmark autojoin: verona@conference.example.com as jules"),
        "{notices:?}"
    );
    assert!(
        notices.contains(
            &"bookmark verona@conference.example.com name=\"Verona\" autojoin=yes nick=jules"
        ),
        "{notices:?}"
    );
}

/// A hostile server's flood of bookmarks is cut at the cap, and the user
/// is told.
#[test]
fn a_flood_of_bookmarks_is_capped_and_told() {
    let mut state = logged_in();
    account(&mut state, ACCOUNT_PEP);
    let mut xml = String::from(
        "<iq type='result' id='bm1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <items node='urn:xmpp:bookmarks:1'>",
    );
    for i in 0..crate::app::bookmarks::MAX_BOOKMARKS + 500 {
        xml.push_str(&format!(
            "<item id='r{i}@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1'/></item>"
        ));
    }
    xml.push_str("</items></pubsub></iq>");
    let effects = bookmarks_reply(&mut state, Step::Retrieve, &items_query(), &xml);
    assert_eq!(
        state.bookmarks.list.len(),
        crate::app::bookmarks::MAX_BOOKMARKS
    );
    assert!(
        emitted(&effects)
            .iter()
            .any(|l| l.contains("more bookmarks than balcony keeps")),
        "{:?}",
        emitted(&effects)
    );
}

/// BOOKMARKS-17: the server's PEP copy of the private-storage bookmarks
/// (`storage:bookmarks`) is read where private storage is the store, and
/// ignored where XEP-0402 is (there it is a converted copy).
#[test]
fn bookmarks_17_converted_copy_only_on_private_storage() {
    let copy = "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <items node='storage:bookmarks'><item id='current'><storage xmlns='storage:bookmarks'>\
         <conference jid='globe@conference.example.com' autojoin='true'/></storage></item>\
         </items></event></message>";
    let mut state = with_pep_bookmarks();
    assert!(pubsub_event(&mut state, None, copy).is_empty());

    let mut state = logged_in();
    account(&mut state, "<iq type='result' id='d2'/>");
    bookmarks_reply(
        &mut state,
        Step::Retrieve,
        &Query::PrivateBookmarks,
        "<iq type='result' id='pv1'/>",
    );
    let effects = pubsub_event(&mut state, Some("mallory@evil.example"), copy);
    assert!(effects.is_empty(), "BOOKMARKS-21");
    let effects = pubsub_event(&mut state, Some("juliet@example.com"), copy);
    assert_eq!(
        emitted(&effects),
        [
            "bookmark globe@conference.example.com autojoin=yes",
            "bookmark autojoin: globe@conference.example.com as juliet",
        ]
    );
}

/// Rooms the room area counts us in (joining or joined).
fn rooms_in(state: &State) -> usize {
    state
        .rooms
        .iter()
        .filter(|room| room.phase.is_present())
        .count()
}

/// `/bookmark add` without ROOM bookmarks the room window on screen, with
/// our nick there (unless `--nick`); `/bookmark remove` without ROOM
/// removes its bookmark; outside a room both say to name one.
#[test]
fn bookmark_add_and_remove_the_room_on_screen() {
    let mut state = with_pep_bookmarks();
    let lines = results(&run(&mut state, 1, "/bookmark add --autojoin"));
    assert!(lines[0].contains("no room here"), "{lines:?}");
    in_room(&mut state, "montague@conference.example.com", "jules");
    state.active = state
        .chats
        .find_room(&bare("montague@conference.example.com"), None);
    let effects = run(&mut state, 2, "/bookmark add --autojoin");
    let sent = requests(&effects);
    let [(_, query)] = &sent[..] else {
        panic!("{sent:?}")
    };
    let xml = query.to_iq("example.com").to_element().to_xml();
    assert!(
        xml.contains("<item id='montague@conference.example.com'>")
            && xml.contains("autojoin='true'")
            && xml.contains("<nick>jules</nick>"),
        "{xml}"
    );
    let effects = run(&mut state, 3, "/bookmark add --nick romeo");
    let xml = requests(&effects)[0]
        .1
        .to_iq("example.com")
        .to_element()
        .to_xml();
    assert!(xml.contains("<nick>romeo</nick>"), "{xml}");
    state.active = state
        .chats
        .find_room(&bare("verona@conference.example.com"), None);
    let effects = run(&mut state, 4, "/bookmark remove");
    assert_eq!(
        requests(&effects)[0].1,
        Query::PubsubRetract {
            node: ns::BOOKMARKS.into(),
            id: "verona@conference.example.com".into()
        }
    );
    use crate::app::command::{Action, BookmarkHere, parse};
    assert_eq!(
        parse("/bookmark remove").unwrap(),
        Action::BookmarkHere(BookmarkHere::Remove)
    );
    assert!(parse("/bookmark add --bogus").is_err());
}

/// BOOKMARKS-18, PEP-01: a PEP service without publish-options is not used
/// for private data: the bookmarks stay in private storage.
#[test]
fn bookmarks_18_no_publish_options_no_pep_store() {
    let mut state = logged_in();
    let effects = account(
        &mut state,
        "<iq type='result' id='d2' from='juliet@example.com'>\
         <query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='pubsub' type='pep'/>\
         <feature var='urn:xmpp:bookmarks:1#compat'/></query></iq>",
    );
    assert_eq!(state.bookmarks.store, Store::Private);
    assert_eq!(
        requests(&effects),
        [(Step::Retrieve, Query::PrivateBookmarks)]
    );
}
