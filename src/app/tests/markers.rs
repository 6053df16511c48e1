//! Displayed markers in the store (checklist §13, MARKERS-*): what our
//! messages ask for, which markers mark our lines read, and when the store
//! sends one for the contact's messages.

use super::*;
use crate::app::ViewMsg;
use crate::app::chat::ConversationId;
use crate::xmpp::stanza::carbons;

const ROMEO: &str = "romeo@example.net";

/// The outbound messages among `effects`, as XML.
fn sent_messages(effects: &[Effect]) -> Vec<String> {
    trace(effects)
        .into_iter()
        .filter(|l| l.starts_with("message: "))
        .collect()
}

/// The ids of our messages sent as `/msg romeo@example.net BODY`.
fn send(state: &mut State, tag: u64, body: &str) -> String {
    run(state, tag, &format!("/msg {ROMEO} {body}"))
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .expect("sent")
}

fn displayed(state: &mut State, from: &str, id: &str) -> Vec<Effect> {
    message(
        state,
        &format!(
            "<message from='{from}' type='chat' id='d-{id}'>\
             <displayed xmlns='urn:xmpp:chat-markers:0' id='{id}'/></message>"
        ),
    )
}

/// Our lines with Romeo: body and read mark.
fn read_marks(state: &State) -> Vec<(String, bool)> {
    state
        .chats
        .latest_with(&bare(ROMEO))
        .map(|c| {
            c.lines
                .iter()
                .filter(|l| l.direction == crate::app::chat::Direction::Outgoing)
                .map(|l| (l.body.clone(), l.displayed))
                .collect()
        })
        .unwrap_or_default()
}

fn conversation(state: &State, peer: &str) -> ConversationId {
    state.chats.latest_with(&bare(peer)).unwrap().id
}

fn seen(state: &mut State, id: ConversationId) -> Vec<Effect> {
    update(state, Msg::View(ViewMsg::Seen(id)))
}

fn markable(from: &str, id: &str, body: &str) -> String {
    format!(
        "<message from='{from}' type='chat' id='{id}'><body>{body}</body>\
         <markable xmlns='urn:xmpp:chat-markers:0'/></message>"
    )
}

/// MARKERS-02: our chat messages ask for a marker, with an id; a normal
/// message does not (MARKERS-07 is about 1:1 chat).
#[test]
fn markers_02_our_chat_messages_are_markable() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    assert_eq!(
        sent_messages(&effects),
        [
            "message: <message to='romeo@example.net' type='chat' id='ID'><body>hi</body>\
          <thread>THREAD</thread><origin-id xmlns='urn:xmpp:sid:0' id='ID'/>\
          <request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/>\
          <markable xmlns='urn:xmpp:chat-markers:0'/></message>"
                .replace(
                    "THREAD",
                    state
                        .chats
                        .latest_with(&bare(ROMEO))
                        .unwrap()
                        .thread
                        .as_deref()
                        .unwrap()
                )
        ]
    );
    let effects = run(&mut state, 2, "/normal nurse@example.com a letter");
    assert!(
        !sent_messages(&effects)[0].contains("markable"),
        "{effects:?}"
    );
}

/// MARKERS-06: the contact's marker marks that line of ours and every
/// earlier one read, is recorded and reported; one for an older line, for
/// an id we do not have, or from anyone else changes nothing.
#[test]
fn markers_06_marker_moves_the_read_mark_forward() {
    let mut state = logged_in();
    let a = send(&mut state, 1, "one");
    let b = send(&mut state, 2, "two");
    let c = send(&mut state, 3, "three");
    let effects = displayed(&mut state, "tybalt@example.com/home", &c);
    assert!(effects.is_empty(), "a stranger's marker: {effects:?}");
    let effects = displayed(&mut state, "romeo@example.net/orchard", "unknown");
    assert!(effects.is_empty(), "{effects:?}");

    let effects = displayed(&mut state, "romeo@example.net/orchard", &b);
    assert_eq!(
        trace(&effects),
        [format!(
            "emit: displayed from romeo@example.net/orchard to juliet@example.com/balcony id={b}"
        )]
    );
    assert!(
        effects.contains(&Effect::RecordMark {
            peer: bare(ROMEO),
            id: b.clone(),
            mark: crate::app::Mark::Displayed,
        }),
        "{effects:?}"
    );
    assert_eq!(
        read_marks(&state),
        [
            ("one".to_owned(), true),
            ("two".to_owned(), true),
            ("three".to_owned(), false)
        ]
    );
    // Backwards: nothing.
    assert!(displayed(&mut state, "romeo@example.net/orchard", &a).is_empty());
    assert_eq!(read_marks(&state)[2], ("three".to_owned(), false));
    // Never a line of its own, never answered (MARKERS-04).
    assert_eq!(
        state.chats.latest_with(&bare(ROMEO)).unwrap().lines.len(),
        3
    );
}

/// MARKERS-03: once the window is seen, one marker for the newest message
/// that asked, to the contact's bare JID; nothing more until another
/// markable message arrives; none for a message that did not ask
/// (MARKERS-07).
#[test]
fn markers_03_one_marker_for_the_newest_when_seen() {
    let mut state = logged_in();
    message(
        &mut state,
        &markable("romeo@example.net/orchard", "r1", "one"),
    );
    message(
        &mut state,
        &markable("romeo@example.net/orchard", "r2", "two"),
    );
    let id = conversation(&state, ROMEO);
    let effects = seen(&mut state, id);
    assert_eq!(
        sent_messages(&effects),
        [
            "message: <message to='romeo@example.net' type='chat' id='ID'>\
          <displayed xmlns='urn:xmpp:chat-markers:0' id='r2'/></message>"
        ]
    );
    assert!(sent_messages(&seen(&mut state, id)).is_empty());
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='r3'><body>plain</body></message>",
    );
    assert!(sent_messages(&seen(&mut state, id)).is_empty());
}

/// MARKERS-03 with CORRECT-06: a contact's correction that asks for a
/// marker replaces its line's text, and the marker sent once the window is
/// seen names the correction, the newest message there.
#[test]
fn markers_03_a_seen_correction_is_marked() {
    let mut state = logged_in();
    message(
        &mut state,
        &markable("romeo@example.net/orchard", "r1", "helo"),
    );
    let id = conversation(&state, ROMEO);
    assert_eq!(sent_messages(&seen(&mut state, id)).len(), 1);
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='r1b'><body>hello</body>\
         <replace xmlns='urn:xmpp:message-correct:0' id='r1'/>\
         <markable xmlns='urn:xmpp:chat-markers:0'/></message>",
    );
    assert_eq!(state.chats.get(id).unwrap().lines.len(), 1);
    assert_eq!(
        sent_messages(&seen(&mut state, id)),
        [
            "message: <message to='romeo@example.net' type='chat' id='ID'>\
          <displayed xmlns='urn:xmpp:chat-markers:0' id='r1b'/></message>"
        ]
    );
}

/// MARKERS-08: no marker with `send_markers = false`, nor to a sender who
/// may not see our presence.
#[test]
fn markers_08_opt_out_and_strangers() {
    let prefs = Preferences {
        send_markers: false,
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    message(
        &mut state,
        &markable("romeo@example.net/orchard", "r1", "one"),
    );
    let id = conversation(&state, ROMEO);
    assert!(sent_messages(&seen(&mut state, id)).is_empty());

    let mut state = logged_in();
    message(
        &mut state,
        &markable("nurse@example.com/station", "n1", "one"),
    );
    let id = conversation(&state, "nurse@example.com");
    assert!(sent_messages(&seen(&mut state, id)).is_empty());
}

/// MARKERS-04: a copy of what our other device sent, even one asking for a
/// marker, is never marked by us.
#[test]
fn markers_04_never_for_our_own_lines() {
    let mut state = logged_in();
    let inner = "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat' \
                 id='p1'><body>mine</body><markable xmlns='urn:xmpp:chat-markers:0'/></message>";
    let message = Message::parse(&test_xml::parse(inner)).unwrap();
    session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Sent,
            message,
        },
    );
    let id = conversation(&state, ROMEO);
    assert!(sent_messages(&seen(&mut state, id)).is_empty());
}

/// A marker our other device sent (a `sent` carbon): the conversation was
/// read there; its unread count is cleared and no marker goes from here.
#[test]
fn markers_displayed_from_our_other_device_clears_unread() {
    let mut state = logged_in();
    message(
        &mut state,
        &markable("romeo@example.net/orchard", "r1", "one"),
    );
    let id = conversation(&state, ROMEO);
    assert_eq!(state.chats.get(id).unwrap().unread, 1);
    let inner = "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat' \
                 id='d1'><displayed xmlns='urn:xmpp:chat-markers:0' id='r1'/></message>";
    let message = Message::parse(&test_xml::parse(inner)).unwrap();
    let effects = session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Sent,
            message,
        },
    );
    assert_eq!(
        trace(&effects),
        ["emit: displayed from juliet@example.com/phone to romeo@example.net id=r1"]
    );
    assert_eq!(state.chats.get(id).unwrap().unread, 0);
    assert_eq!(state.chats.unread(), 0);
    assert!(sent_messages(&seen(&mut state, id)).is_empty());
}

/// MARKERS-06 with a correction: a marker naming the correction's id marks
/// the corrected line.
#[test]
fn markers_06_marker_for_a_correction() {
    let mut state = logged_in();
    send(&mut state, 1, "helo");
    let correction = run(&mut state, 2, "/correct hello")
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .unwrap();
    displayed(&mut state, "romeo@example.net/orchard", &correction);
    assert_eq!(read_marks(&state), [("hello".to_owned(), true)]);
}

/// MARKERS-03: while offline no marker goes; it goes when the window is
/// seen once the session is back.
#[test]
fn markers_03_offline_the_marker_waits() {
    let mut state = logged_in();
    message(
        &mut state,
        &markable("romeo@example.net/orchard", "r1", "one"),
    );
    let id = conversation(&state, ROMEO);
    connection_lost(&mut state);
    assert!(sent_messages(&seen(&mut state, id)).is_empty());
    online(&mut state, features(false, false));
    assert_eq!(
        sent_messages(&seen(&mut state, id)),
        [
            "message: <message to='romeo@example.net' type='chat' id='ID'>\
          <displayed xmlns='urn:xmpp:chat-markers:0' id='r1'/></message>"
        ]
    );
}
