//! Last message correction in the store (checklist §15, CORRECT-*): what
//! `/correct` sends and shows, which incoming corrections replace a line's
//! text and which are shown as new lines, and what the history is told.

use super::*;
use crate::app::chat::Direction;
use crate::xmpp::stanza::carbons;

/// The one message among `effects`.
fn sent(effects: &[Effect]) -> Message {
    let mut messages = effects.iter().filter_map(|e| match e {
        Effect::SendMessage(m) => Some(m.clone()),
        _ => None,
    });
    let message = messages.next().expect("a message");
    assert!(messages.next().is_none(), "one message: {effects:?}");
    message
}

/// The effects on the history, one line each.
fn history(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::RecordCorrection { .. } | Effect::RecordMark { .. }
            )
        })
        .map(describe)
        .collect()
}

/// The lines with `peer`: direction, body, edited.
fn lines(state: &State, peer: &str) -> Vec<(Direction, String, bool)> {
    state
        .chats
        .latest_with(&bare(peer))
        .map(|c| {
            c.lines
                .iter()
                .map(|l| (l.direction, l.body.clone(), l.edited))
                .collect()
        })
        .unwrap_or_default()
}

fn carbon(state: &mut State, direction: carbons::Direction, inner: &str) -> Vec<Effect> {
    let message = Message::parse(&test_xml::parse(inner)).unwrap();
    session(state, SessionEvent::Carbon { direction, message })
}

/// CORRECT-03, CORRECT-04: `/correct` sends a new message (own id and
/// origin-id, same address and type) naming the original's id, and the
/// line shows the new text marked edited; a second correction still names
/// the original.
#[test]
fn correct_03_outgoing_correction_names_the_original() {
    let mut state = logged_in();
    let first = sent(&run(&mut state, 1, "/msg romeo@example.net helo"));
    let original = first.id.clone().unwrap();

    let effects = run(&mut state, 2, "/correct hello");
    let correction = sent(&effects);
    assert_eq!(correction.replace.as_deref(), Some(original.as_str()));
    assert_ne!(correction.id, first.id, "a new id");
    assert_eq!(correction.origin_id, correction.id, "SID-01");
    assert_eq!(correction.to, first.to);
    assert_eq!(correction.kind, first.kind);
    assert_eq!(correction.thread, first.thread);
    assert_eq!(correction.body(""), Some("hello"));
    assert!(correction.receipt_request && correction.markable);
    assert_eq!(
        correction
            .to_element()
            .to_xml()
            .matches("<replace ")
            .count(),
        1
    );
    assert_eq!(results(&effects), ["ok /correct: corrected"]);
    assert_eq!(
        history(&effects),
        [format!(
            "record-correction romeo@example.net Outgoing {original}: \"hello\""
        )]
    );
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [(Direction::Outgoing, "hello".to_owned(), true)]
    );

    let again = sent(&run(&mut state, 3, "/correct hello!"));
    assert_eq!(again.replace.as_deref(), Some(original.as_str()));
    assert_ne!(again.id, correction.id);
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [(Direction::Outgoing, "hello!".to_owned(), true)]
    );
}

/// CORRECT-04: only our last line is offered; with none, or no window,
/// the command fails and sends nothing.
#[test]
fn correct_04_nothing_to_correct() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/correct hello");
    assert_eq!(
        results(&effects),
        ["failed /correct: no conversation is open"]
    );
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>hi</body></message>",
    );
    state.active = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .map(|c| c.id);
    let effects = run(&mut state, 2, "/correct hello");
    assert_eq!(
        results(&effects),
        ["failed /correct: you have sent nothing here that can be corrected"]
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::SendMessage(_))));
}

/// RECEIPTS-08, CORRECT-03: a receipt naming the correction's id marks the
/// corrected line delivered.
#[test]
fn correct_03_receipt_for_the_correction_marks_the_line() {
    let mut state = logged_in();
    run(&mut state, 1, "/msg romeo@example.net helo");
    let correction = sent(&run(&mut state, 2, "/correct hello"));
    let id = correction.id.unwrap();
    message(
        &mut state,
        &format!(
            "<message from='romeo@example.net/orchard' id='x'>\
             <received xmlns='urn:xmpp:receipts' id='{id}'/></message>"
        ),
    );
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    assert!(conversation.lines[0].receipt);
}

/// CORRECT-06, CORRECT-08: the contact's correction of their own line
/// replaces its text, marked edited; it is reported and recorded, and is
/// not a line of its own.
#[test]
fn correct_06_contact_corrects_their_line() {
    let mut state = logged_in();
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m1'><body>helo</body></message>",
    );
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/phone' type='chat' id='c2'><body>hello</body>\
         <replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>",
    );
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [(Direction::Incoming, "hello".to_owned(), true)]
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: correction from romeo@example.net/phone to juliet@example.com/balcony id=m1: hello"
        ]
    );
    assert_eq!(
        history(&effects),
        ["record-correction romeo@example.net Incoming m1: \"hello\""]
    );
    assert!(records(&effects).is_empty(), "not a message of its own");
}

/// CORRECT-06: the contact cannot rewrite our line with its id, nor one of
/// another contact's; CORRECT-09: such a correction, and one naming an id
/// we do not hold, is shown as a new line marked edited, and kept.
#[test]
fn correct_06_09_other_senders_and_unknown_ids_are_new_lines() {
    let mut state = logged_in();
    let ours = sent(&run(&mut state, 1, "/msg romeo@example.net mine"))
        .id
        .unwrap();
    message(
        &mut state,
        "<message from='nurse@example.com/station' type='chat' id='n1'><body>nurse</body></message>",
    );
    for (id, body) in [
        (ours.as_str(), "spoofed"),
        ("n1", "not hers"),
        ("zz", "unknown"),
    ] {
        let effects = message(
            &mut state,
            &format!(
                "<message from='romeo@example.net/orchard' type='chat' id='c-{body}'>\
                 <body>{body}</body>\
                 <replace xmlns='urn:xmpp:message-correct:0' id='{id}'/></message>"
            ),
        );
        let record = records(&effects);
        assert_eq!(record.len(), 1, "{body}");
        assert!(record[0].edited, "{body}");
        assert!(history(&effects).is_empty(), "{body}");
    }
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [
            (Direction::Outgoing, "mine".to_owned(), false),
            (Direction::Incoming, "spoofed".to_owned(), true),
            (Direction::Incoming, "not hers".to_owned(), true),
            (Direction::Incoming, "unknown".to_owned(), true),
        ]
    );
    assert_eq!(
        lines(&state, "nurse@example.com"),
        [(Direction::Incoming, "nurse".to_owned(), false)]
    );
}

/// CORRECT-06, CORRECT-07: in a room nothing tells whether the nick is
/// still the same person, so a correction there is an ordinary new line.
#[test]
fn correct_06_room_corrections_are_new_lines() {
    let mut state = logged_in();
    in_room(&mut state, "verona@conference.example.com", "juliet");
    let room = "<message from='verona@conference.example.com/romeo' type='groupchat' id='g1'>\
                <body>helo</body></message>";
    message(&mut state, room);
    let effects = message(
        &mut state,
        "<message from='verona@conference.example.com/romeo' type='groupchat' id='g2'>\
         <body>hello</body><replace xmlns='urn:xmpp:message-correct:0' id='g1'/></message>",
    );
    assert!(history(&effects).is_empty());
    assert!(!records(&effects)[0].edited);
    let room = bare("verona@conference.example.com");
    let id = state.chats.find_room(&room, None).unwrap();
    let lines: Vec<_> = state
        .chats
        .get(id)
        .unwrap()
        .lines
        .iter()
        .filter(|l| !l.notice)
        .map(|l| (l.direction, l.body.clone(), l.edited))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(!lines[1].2, "an ordinary new line");
}

/// CORRECT-11: our correction sent from another device (a `sent` carbon)
/// applies to our line, whichever device wrote it; one of the contact's
/// lines copied from our other device (`received`) too.
#[test]
fn correct_11_corrections_through_carbons() {
    let mut state = logged_in();
    carbon(
        &mut state,
        carbons::Direction::Sent,
        "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat' id='p1'>\
         <body>from the fone</body></message>",
    );
    let effects = carbon(
        &mut state,
        carbons::Direction::Sent,
        "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat' id='p2'>\
         <body>from the phone</body>\
         <replace xmlns='urn:xmpp:message-correct:0' id='p1'/></message>",
    );
    assert_eq!(
        history(&effects),
        ["record-correction romeo@example.net Outgoing p1: \"from the phone\""]
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: correction from juliet@example.com/phone to romeo@example.net id=p1: \
             from the phone"
        ]
    );
    carbon(
        &mut state,
        carbons::Direction::Received,
        "<message from='romeo@example.net/orchard' to='juliet@example.com/phone' type='chat' \
         id='r1'><body>wherefore</body></message>",
    );
    carbon(
        &mut state,
        carbons::Direction::Received,
        "<message from='romeo@example.net/orchard' to='juliet@example.com/phone' type='chat' \
         id='r2'><body>wherefore art thou</body>\
         <replace xmlns='urn:xmpp:message-correct:0' id='r1'/></message>",
    );
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [
            (Direction::Outgoing, "from the phone".to_owned(), true),
            (Direction::Incoming, "wherefore art thou".to_owned(), true),
        ]
    );
}

/// CORRECT-06: a contact's correction copied from our other device cannot
/// rewrite a line of ours either.
#[test]
fn correct_06_sent_carbon_does_not_touch_the_contacts_line() {
    let mut state = logged_in();
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m1'><body>theirs</body></message>",
    );
    carbon(
        &mut state,
        carbons::Direction::Sent,
        "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat' id='p2'>\
         <body>rewritten</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>",
    );
    assert_eq!(
        lines(&state, "romeo@example.net"),
        [
            (Direction::Incoming, "theirs".to_owned(), false),
            (Direction::Outgoing, "rewritten".to_owned(), true),
        ]
    );
}

/// CORRECT-03, CORRECT-05: a correction repeats the message with the new
/// text and keeps its nature: a normal message stays normal, with its
/// subject, and asks for no marker.
#[test]
fn correct_05_correction_keeps_the_nature_of_the_message() {
    use crate::xmpp::stanza::message::MessageType;
    let mut state = logged_in();
    let first = sent(&run(
        &mut state,
        1,
        "/normal romeo@example.net Tonight | Meet me",
    ));
    let correction = sent(&run(&mut state, 2, "/correct Meet me below"));
    assert_eq!(correction.kind, MessageType::Normal);
    assert_eq!(correction.subject(""), Some("Tonight"));
    assert_eq!(correction.replace, first.id);
    assert!(!correction.markable);
}

/// MARKERS-03 with CORRECT-*: a contact's correction that asks for a
/// marker is the newest message there; one marker is sent, naming it, when
/// the window is seen (the sender matches it to the corrected line).
#[test]
fn correct_a_markable_correction_gets_the_one_marker() {
    let mut state = logged_in();
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m1'><body>helo</body>\
         <markable xmlns='urn:xmpp:chat-markers:0'/></message>",
    );
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='c1'><body>hello</body>\
         <replace xmlns='urn:xmpp:message-correct:0' id='m1'/>\
         <markable xmlns='urn:xmpp:chat-markers:0'/></message>",
    );
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    let effects = update(&mut state, Msg::View(crate::app::ViewMsg::Seen(id)));
    assert_eq!(sent(&effects).displayed.as_deref(), Some("c1"));
}
