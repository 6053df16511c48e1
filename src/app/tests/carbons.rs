//! Messages of the user's other devices in the store (checklist §6 CARBONS-*, §7 SID-*):
//! carbons turned on when offered, copies filed as our line or an incoming one, and one
//! message that arrives by several paths shown and recorded once.

use super::*;
use crate::app::chat::Direction;
use crate::xmpp::stanza::carbons;

const DISCO_CARBONS: &str = "<iq type='result' id='d1'>\
     <query xmlns='http://jabber.org/protocol/disco#info'>\
     <feature var='urn:xmpp:carbons:2'/><feature var='urn:xmpp:carbons:rules:0'/></query></iq>";

const DISCO_NOTHING: &str = "<iq type='result' id='d1'>\
     <query xmlns='http://jabber.org/protocol/disco#info'/></iq>";

const ACCOUNT_SID: &str = "<iq type='result' id='d2' from='juliet@example.com'>\
     <query xmlns='http://jabber.org/protocol/disco#info'>\
     <feature var='urn:xmpp:sid:0'/></query></iq>";

const ENABLE: &str = "request Carbons: <iq type='set' id='ID'>\
     <enable xmlns='urn:xmpp:carbons:2'/></iq>";

const ACCOUNT_INFO: &str = "request AccountInfo: <iq type='get' id='ID' to='juliet@example.com'>\
     <query xmlns='http://jabber.org/protocol/disco#info'/></iq>";

fn server_info(state: &mut State, xml: &str) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::ServerInfo,
            result: decoded(&Query::ServerInfo, Ok(iq(xml))),
        },
    )
}

/// Logged in, carbons on, and our account's stanza-ids trusted when `sid`.
fn with_carbons(sid: bool) -> State {
    let mut state = logged_in();
    server_info(&mut state, DISCO_CARBONS);
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Carbons,
            result: Ok(Answer::Done),
        },
    );
    let account = if sid { ACCOUNT_SID } else { DISCO_NOTHING };
    let query = Query::AccountInfo(bare("juliet@example.com"));
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::AccountInfo,
            result: decoded(&query, Ok(iq(account))),
        },
    );
    assert!(state.devices.carbons);
    assert_eq!(state.devices.archive_ids, sid);
    state
}

/// A copy the session unwrapped (it checked CARBONS-04 and CARBONS-07).
fn carbon(state: &mut State, direction: carbons::Direction, inner: &str) -> Vec<Effect> {
    let message = Message::parse(&test_xml::parse(inner)).unwrap();
    session(state, SessionEvent::Carbon { direction, message })
}

fn sent(state: &mut State, inner: &str) -> Vec<Effect> {
    carbon(state, carbons::Direction::Sent, inner)
}

fn received(state: &mut State, inner: &str) -> Vec<Effect> {
    carbon(state, carbons::Direction::Received, inner)
}

/// The lines of the latest conversation with `peer`: direction, resource, body.
fn lines(state: &State, peer: &str) -> Vec<(Direction, Option<String>, String)> {
    state
        .chats
        .latest_with(&bare(peer))
        .map(|c| {
            c.lines
                .iter()
                .map(|l| (l.direction, l.resource.clone(), l.body.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// CARBONS-01, CARBONS-02: the server lists carbons: they are enabled, and our account is asked
/// about stable ids (DISCO-08); without the feature only the account is asked.
#[test]
fn carbons_01_02_enabled_only_when_offered() {
    let mut state = logged_in();
    let effects = server_info(&mut state, DISCO_CARBONS);
    let trace = trace(&effects);
    assert!(trace.contains(&ENABLE.to_owned()), "{trace:?}");
    assert!(trace.contains(&ACCOUNT_INFO.to_owned()), "{trace:?}");

    let mut state = logged_in();
    let trace = super::trace(&server_info(&mut state, DISCO_NOTHING));
    assert!(!trace.iter().any(|l| l.contains("<enable")), "{trace:?}");
    assert!(trace.contains(&ACCOUNT_INFO.to_owned()), "{trace:?}");
}

/// CARBONS-02: a refusal means no carbons this session, said once, and the session goes on.
#[test]
fn carbons_02_refusal_is_not_a_login_failure() {
    let mut state = logged_in();
    server_info(&mut state, DISCO_CARBONS);
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Carbons,
            result: Err(RequestError::Stanza(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::NotAllowed,
            ))),
        },
    );
    assert!(!state.devices.carbons);
    assert!(state.is_online());
    assert!(
        events(&effects)
            .iter()
            .any(|e| matches!(e, Event::Error { text } if text.contains("other devices")))
    );
}

/// CARBONS-03: a new session starts without carbons (enabled again after its disco#info); a
/// resumed one keeps them and sends nothing.
#[test]
fn carbons_03_new_session_enables_again_resume_does_not() {
    let mut state = with_carbons(true);
    let effects = session(&mut state, SessionEvent::Resumed);
    assert!(state.devices.carbons);
    assert!(!trace(&effects).iter().any(|l| l.contains("<enable")));

    connection_lost(&mut state);
    let effects = online(&mut state, features(false, false));
    assert!(!state.devices.carbons);
    assert!(!state.devices.archive_ids);
    assert!(!trace(&effects).iter().any(|l| l.contains("<enable")));
    let effects = server_info(&mut state, DISCO_CARBONS);
    assert!(trace(&effects).contains(&ENABLE.to_owned()));
}

/// CARBONS-06: the checklist's sent copy is our line in the romeo conversation, with the
/// sending device kept, recorded as outgoing, reported as a carbon; never incoming from us,
/// never unread, and the conversation is not locked to anyone.
#[test]
fn carbons_06_sent_copy_is_our_line() {
    let mut state = with_carbons(false);
    let effects = sent(
        &mut state,
        "<message xmlns='jabber:client' from='juliet@example.com/chamber' \
         to='romeo@example.net' type='chat' id='s4'><body>Yes</body>\
         <origin-id xmlns='urn:xmpp:sid:0' id='o-s4'/></message>",
    );
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [(Direction::Outgoing, Some("chamber".into()), "Yes".into())]
    );
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    assert_eq!(conversation.unread, 0);
    assert_eq!(conversation.locked, None);
    assert!(lines(&state, "juliet@example.com").is_empty());
    assert_eq!(
        trace(&effects),
        [
            "emit: carbon sent chat from other device juliet@example.com/chamber \
          to romeo@example.net: Yes"
        ]
    );
    let records = records(&effects);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].peer, bare("romeo@example.net"));
    assert_eq!(records[0].direction, Direction::Outgoing);
    assert_eq!(records[0].resource.as_deref(), Some("chamber"));
    assert_eq!(records[0].origin_id.as_deref(), Some("o-s4"));
    assert_eq!(records[0].archive_id, None);
    assert!(
        records[0].line.is_some(),
        "stored as the line it is shown as"
    );
}

/// CARBONS-05: the checklist's received copy is an incoming line from romeo.
#[test]
fn carbons_05_received_copy_is_incoming() {
    let mut state = with_carbons(false);
    let effects = received(
        &mut state,
        "<message xmlns='jabber:client' from='romeo@example.net/orchard' \
         to='juliet@example.com/chamber' type='chat' id='r9'><body>Art thou there?</body></message>",
    );
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [(
            Direction::Incoming,
            Some("orchard".into()),
            "Art thou there?".into()
        )]
    );
    assert_eq!(
        trace(&effects),
        ["emit: carbon received chat from romeo@example.net/orchard \
          to other device juliet@example.com/chamber: Art thou there?"]
    );
    let records = records(&effects);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].direction, Direction::Incoming);
}

/// CARBONS-06: a "sent" copy of a message that is not from our account is not ours to show;
/// CARBONS-15: a copied bounce shows nothing.
#[test]
fn carbons_06_15_foreign_sent_copy_and_copied_errors_are_dropped() {
    let mut state = with_carbons(false);
    let effects = sent(
        &mut state,
        "<message xmlns='jabber:client' from='tybalt@example.com/home' \
         to='romeo@example.net' type='chat'><body>not yours</body></message>",
    );
    assert!(effects.is_empty(), "{effects:?}");
    let effects = received(
        &mut state,
        "<message xmlns='jabber:client' from='romeo@example.net' \
         to='juliet@example.com/chamber' type='error' id='x1'>\
         <error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         </error></message>",
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(lines(&state, "romeo@example.net").is_empty());
}

/// CARBONS-14, SID-04: with our account's stanza-ids trusted, a live message and a received
/// copy of it with the same archive id (but another message id) are one line and one record.
#[test]
fn carbons_14_sid_04_one_line_per_archive_id() {
    let mut state = with_carbons(true);
    let first = message(
        &mut state,
        "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat' \
         id='a'><body>once</body>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='A7'/></message>",
    );
    assert_eq!(records(&first)[0].archive_id.as_deref(), Some("A7"));
    let again = received(
        &mut state,
        "<message xmlns='jabber:client' from='romeo@example.net/orchard' \
         to='juliet@example.com/chamber' type='chat' id='b'><body>once</body>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='A7'/></message>",
    );
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(lines(&state, "romeo@example.net").len(), 1);
}

/// SID-02: without `urn:xmpp:sid:0` on our account, a stanza-id claiming our JID is not
/// used: two messages with different ids are two lines, and nothing is recorded as archived.
#[test]
fn sid_02_untrusted_stanza_id_is_ignored() {
    let mut state = with_carbons(false);
    for id in ["a", "b"] {
        let effects = message(
            &mut state,
            &format!(
                "<message from='romeo@example.net/orchard' type='chat' id='{id}'>\
                 <body>twice</body>\
                 <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='A1'/></message>"
            ),
        );
        assert_eq!(records(&effects)[0].archive_id, None);
    }
    assert_eq!(lines(&state, "romeo@example.net").len(), 2);
}

/// CARBONS-14, SID-05: a sent copy that comes again with the same origin-id (resent after a
/// reconnect, with a new message id) is one line; the same origin-id from another sender is
/// another message, since an origin-id only recognises its own sender's messages.
#[test]
fn carbons_14_sid_05_one_line_per_origin_id_of_the_same_sender() {
    let mut state = with_carbons(false);
    for id in ["s1", "s2"] {
        sent(
            &mut state,
            &format!(
                "<message xmlns='jabber:client' from='juliet@example.com/phone' \
                 to='romeo@example.net' type='chat' id='{id}'><body>from the phone</body>\
                 <origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>"
            ),
        );
    }
    assert_eq!(lines(&state, "romeo@example.net").len(), 1);
    // Romeo reusing that origin-id is his own message, not a copy of ours.
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>mine</body>\
         <origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>",
    );
    // And the nurse reusing his is hers.
    message(
        &mut state,
        "<message from='nurse@example.com/kitchen' type='chat' id='n1'><body>hers</body>\
         <origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>",
    );
    assert_eq!(lines(&state, "romeo@example.net").len(), 2);
    assert_eq!(lines(&state, "nurse@example.com").len(), 1);
}

/// SID-01, SID-05: a sent copy carrying the origin-id of a message this session sent is that
/// message, already shown.
#[test]
fn sid_05_copy_of_our_own_message_is_not_shown_twice() {
    let mut state = with_carbons(false);
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.origin_id.clone(),
            _ => None,
        })
        .expect("an origin-id on the message sent");
    let effects = sent(
        &mut state,
        &format!(
            "<message xmlns='jabber:client' from='juliet@example.com/balcony' \
             to='romeo@example.net' type='chat' id='{id}'><body>hi</body>\
             <origin-id xmlns='urn:xmpp:sid:0' id='{id}'/></message>"
        ),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(lines(&state, "romeo@example.net").len(), 1);
}
