//! Delivery receipts in the store (checklist §12, RECEIPTS-*): which
//! messages are answered, and which receipts mark which of our lines.

use super::*;
use crate::app::chat::Direction;
use crate::xmpp::stanza::carbons;

const ASKS: &str = "<message from='romeo@example.net/orchard' type='chat' id='r1'>\
     <body>hi</body><request xmlns='urn:xmpp:receipts'/></message>";

const RECEIPT_TO_ORCHARD: &str = "message: <message to='romeo@example.net/orchard' \
     type='chat' id='ID'><received xmlns='urn:xmpp:receipts' id='r1'/></message>";

/// The outbound messages among `effects`, as XML.
fn sent_messages(effects: &[Effect]) -> Vec<String> {
    trace(effects)
        .into_iter()
        .filter(|l| l.starts_with("message: "))
        .collect()
}

/// RECEIPTS-02, RECEIPTS-03: a live chat message with a request and an id
/// is shown, then answered to the sender's full JID with the same type, a
/// new id and only the `<received/>`.
#[test]
fn receipts_02_live_request_is_answered() {
    let mut state = logged_in();
    let effects = message(&mut state, ASKS);
    assert_eq!(sent_messages(&effects), [RECEIPT_TO_ORCHARD]);
    let answer = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => Some(m),
            _ => None,
        })
        .unwrap();
    assert_ne!(answer.id.as_deref(), Some("r1"), "a new id");
    assert!(!answer.receipt_request, "RECEIPTS-03");
    // The line is shown like any other.
    let lines = &state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .lines;
    assert_eq!(lines.len(), 1);
    // A `normal` message is answered with a `normal` receipt.
    let normal = "<message from='romeo@example.net/orchard' type='normal' id='n1'>\
         <body>hi</body><request xmlns='urn:xmpp:receipts'/></message>";
    assert_eq!(
        sent_messages(&message(&mut state, normal)),
        [
            "message: <message to='romeo@example.net/orchard' type='normal' id='ID'>\
          <received xmlns='urn:xmpp:receipts' id='n1'/></message>"
        ]
    );
}

/// RECEIPTS-04: no receipt for an error, a groupchat message, a message
/// without an id, a headline, a received carbon (CARBONS-08) or a
/// redelivery of a message already answered.
#[test]
fn receipts_04_no_answer() {
    let cases = [
        "<message from='romeo@example.net/orchard' type='error' id='r1'>\
         <request xmlns='urn:xmpp:receipts'/><error type='cancel'>\
         <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
        "<message from='verona@conference.example.net/romeo' type='groupchat' id='g1'>\
         <body>hi</body><request xmlns='urn:xmpp:receipts'/></message>",
        "<message from='romeo@example.net/orchard' type='chat'>\
         <body>hi</body><request xmlns='urn:xmpp:receipts'/></message>",
        "<message from='romeo@example.net/orchard' type='headline' id='h1'>\
         <body>news</body><request xmlns='urn:xmpp:receipts'/></message>",
    ];
    for xml in cases {
        let mut state = logged_in();
        assert_eq!(
            sent_messages(&message(&mut state, xml)),
            Vec::<String>::new(),
            "{xml}"
        );
    }
    let mut state = logged_in();
    let effects = session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Received,
            message: Message::parse(&test_xml::parse(ASKS)).unwrap(),
        },
    );
    assert_eq!(
        sent_messages(&effects),
        Vec::<String>::new(),
        "a received carbon"
    );
    let mut state = logged_in();
    assert_eq!(
        sent_messages(&message(&mut state, ASKS)),
        [RECEIPT_TO_ORCHARD]
    );
    assert_eq!(
        sent_messages(&message(&mut state, ASKS)),
        Vec::<String>::new(),
        "a redelivery"
    );
}

/// RECEIPTS-05: no receipt to a sender who does not see our presence: a
/// contact with subscription `none` or `to`, or a stranger.
#[test]
fn receipts_05_only_to_contacts_who_see_us() {
    for from in ["nurse@example.com/station", "tybalt@example.com/home"] {
        let mut state = logged_in();
        let xml = ASKS.replace("romeo@example.net/orchard", from);
        assert_eq!(
            sent_messages(&message(&mut state, &xml)),
            Vec::<String>::new(),
            "{from}"
        );
    }
}

/// RECEIPTS-05: the user turned receipts off.
#[test]
fn receipts_05_setting_off() {
    let prefs = Preferences {
        send_receipts: false,
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    assert_eq!(
        sent_messages(&message(&mut state, ASKS)),
        Vec::<String>::new()
    );
    let lines = &state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .lines;
    assert_eq!(lines.len(), 1, "the message itself is shown");
}

/// RECEIPTS-06, RECEIPTS-07: what we send asks for a receipt, with an id.
#[test]
fn receipts_06_07_our_messages_ask() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    let sent = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => Some(m),
            _ => None,
        })
        .unwrap();
    assert!(sent.receipt_request);
    assert!(sent.id.is_some());
}

/// The id of the one message among `effects`.
fn sent_id(effects: &[Effect]) -> String {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .unwrap()
}

/// Our lines with romeo: body and whether the recipient confirmed it.
fn marks(state: &State) -> Vec<(String, bool)> {
    state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .lines
        .iter()
        .filter(|l| l.direction == Direction::Outgoing)
        .map(|l| (l.body.clone(), l.receipt))
        .collect()
}

/// RECEIPTS-08: a receipt from the contact marks the line it names, from
/// any resource and with any type; a receipt-only message is not a line,
/// is never answered (RECEIPTS-03), and `exec` hears of it.
#[test]
fn receipts_08_marks_the_named_line() {
    let mut state = logged_in();
    let first = sent_id(&run(&mut state, 1, "/msg romeo@example.net first"));
    sent_id(&run(&mut state, 2, "/msg romeo@example.net second"));
    let effects = message(
        &mut state,
        &format!(
            "<message from='romeo@example.net/phone' type='normal' id='x'>\
             <received xmlns='urn:xmpp:receipts' id='{first}'/>\
             <request xmlns='urn:xmpp:receipts'/></message>"
        ),
    );
    assert_eq!(
        trace(&effects),
        [format!(
            "emit: receipt from romeo@example.net/phone id={first}"
        )]
    );
    assert_eq!(
        marks(&state),
        [("first".to_owned(), true), ("second".to_owned(), false)]
    );
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    assert_eq!(conversation.lines.len(), 2, "the receipt is not a line");
}

/// RECEIPTS-08: ids are not secret: a receipt from another JID for our id,
/// or for an id we never sent, marks nothing and says nothing.
#[test]
fn receipts_08_spoofed_or_unknown_ignored() {
    let mut state = logged_in();
    let first = sent_id(&run(&mut state, 1, "/msg romeo@example.net first"));
    for from in [
        "nurse@example.com/balcony",
        "example.net",
        "romeo@evil.example/orchard",
    ] {
        let effects = message(
            &mut state,
            &format!(
                "<message from='{from}'><received xmlns='urn:xmpp:receipts' id='{first}'/>\
                 </message>"
            ),
        );
        assert_eq!(trace(&effects), Vec::<String>::new(), "{from}");
    }
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard'>\
         <received xmlns='urn:xmpp:receipts' id='never-sent'/></message>",
    );
    assert_eq!(trace(&effects), Vec::<String>::new());
    assert_eq!(marks(&state), [("first".to_owned(), false)]);
}

/// RECEIPTS-09: a receipt our other device got (a received carbon) marks
/// the line the same way; a receipt our other device sent marks nothing.
#[test]
fn receipts_09_copied_receipts() {
    let mut state = logged_in();
    let first = sent_id(&run(&mut state, 1, "/msg romeo@example.net first"));
    let copy = |from: &str, to: &str| {
        Message::parse(&test_xml::parse(&format!(
            "<message from='{from}' to='{to}'>\
             <received xmlns='urn:xmpp:receipts' id='{first}'/></message>"
        )))
        .unwrap()
    };
    let effects = session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Sent,
            message: copy("juliet@example.com/tablet", "romeo@example.net/orchard"),
        },
    );
    assert_eq!(trace(&effects), Vec::<String>::new());
    assert_eq!(marks(&state), [("first".to_owned(), false)]);
    let effects = session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Received,
            message: copy("romeo@example.net/orchard", "juliet@example.com/tablet"),
        },
    );
    assert_eq!(
        trace(&effects),
        [format!(
            "emit: receipt from romeo@example.net/orchard id={first}"
        )]
    );
    assert_eq!(marks(&state), [("first".to_owned(), true)]);
}
