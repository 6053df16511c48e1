//! Corrections and read marks through the keys and on the screen
//! (XEP-0308 CORRECT-*, XEP-0333 MARKERS-*): Up in an empty input line,
//! editing, Enter; Esc; the `(edited)` and `✓✓ read` marks; and when the
//! conversation on screen counts as seen.

use ratatui::crossterm::event::KeyCode;

use super::Harness;
use crate::app::{Effect, Msg, ViewMsg, update};
use crate::ui::chat::seen_window;
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::test_xml;

/// Opens the chat with Romeo from the roster; the input line has the keys.
fn open_romeo() -> Harness {
    let mut h = Harness::new();
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    h
}

fn receive(h: &mut Harness, xml: &str) {
    let message = Message::parse(&test_xml::parse(xml)).expect("message");
    let effects = update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at: 45_000,
        },
    );
    h.effects.extend(effects);
}

fn sent(h: &Harness) -> Vec<Message> {
    h.effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendMessage(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// CORRECT-03, CORRECT-04, CORRECT-08: Up in the empty input line puts our
/// last message there under a `correct>` prompt; after editing, Enter sends
/// it as a correction of that message, and the line shows the new text
/// marked edited, in place of the old.
#[test]
fn correct_04_up_in_empty_input_corrects_the_last_message() {
    let mut h = open_romeo();
    h.type_text("Art thou thre?");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Up);
    assert_eq!(h.view.input.text(), "Art thou thre?");
    let screen = h.screen();
    assert!(screen.contains("correct> Art thou thre?"), "{screen}");
    for _ in 0..3 {
        h.press(KeyCode::Backspace);
    }
    h.type_text("ere?");
    h.press(KeyCode::Enter);
    let sent = sent(&h);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1].body("en"), Some("Art thou there?"));
    assert_eq!(sent[1].replace, sent[0].id);
    assert_ne!(sent[1].id, sent[0].id);
    let screen = h.screen();
    assert!(screen.contains("<me> Art thou there? (edited)"), "{screen}");
    assert!(!screen.contains("thre?"), "{screen}");
    assert!(!screen.contains("correct>"), "{screen}");
    assert_eq!(h.view.input.text(), "");
}

/// Up while correcting keeps the text (no history walk); Esc leaves
/// correcting mode without sending, and the input is empty again.
#[test]
fn correct_esc_cancels() {
    let mut h = open_romeo();
    h.type_text("hello");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Up);
    assert!(h.screen().contains("correct> hello"));
    // Up again does not swap in another line of the history.
    h.press(KeyCode::Up);
    assert_eq!(h.view.input.text(), "hello");
    h.press(KeyCode::Esc);
    assert_eq!(h.view.input.text(), "");
    assert!(h.view.correcting.is_none());
    let screen = h.screen();
    assert!(!screen.contains("correct>"), "{screen}");
    assert_eq!(sent(&h).len(), 1);
    // Enter on an empty line sends nothing, correction or not.
    h.press(KeyCode::Enter);
    assert_eq!(sent(&h).len(), 1);
}

/// CORRECT-06, CORRECT-08: the contact's correction is drawn in place of
/// their line, marked edited.
#[test]
fn correct_08_contacts_correction_is_drawn_edited() {
    let mut h = open_romeo();
    receive(
        &mut h,
        "<message from='romeo@example.net/orchard' type='chat' id='m1'><body>helo</body></message>",
    );
    receive(
        &mut h,
        "<message from='romeo@example.net/orchard' type='chat' id='c1'><body>hello</body>\
         <replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>",
    );
    let screen = h.screen();
    assert!(screen.contains("<Romeo> hello (edited)"), "{screen}");
    assert!(!screen.contains("helo"), "{screen}");
}

/// RECEIPTS-08, MARKERS-06: a receipt draws `✓✓`; the contact's marker
/// turns that and every earlier line of ours into `✓✓ read`.
#[test]
fn markers_06_read_mark_is_drawn() {
    let mut h = open_romeo();
    h.type_text("one");
    h.press(KeyCode::Enter);
    h.type_text("two");
    h.press(KeyCode::Enter);
    let ids: Vec<String> = sent(&h).iter().filter_map(|m| m.id.clone()).collect();
    receive(
        &mut h,
        &format!(
            "<message from='romeo@example.net/orchard' id='x'>\
             <received xmlns='urn:xmpp:receipts' id='{}'/></message>",
            ids[1]
        ),
    );
    let screen = h.screen();
    assert!(screen.contains("<me> two ✓✓"), "{screen}");
    assert!(!screen.contains("✓✓ read"), "{screen}");
    receive(
        &mut h,
        &format!(
            "<message from='romeo@example.net/orchard' id='y'>\
             <displayed xmlns='urn:xmpp:chat-markers:0' id='{}'/></message>",
            ids[1]
        ),
    );
    let screen = h.screen();
    assert!(screen.contains("<me> one ✓✓ read"), "{screen}");
    assert!(screen.contains("<me> two ✓✓ read"), "{screen}");
}

/// MARKERS-03: the window counts as seen only while drawn, following its
/// end, with nothing over it, in a focused terminal; the store then sends
/// one marker for the newest markable message.
#[test]
fn markers_03_seen_only_when_really_on_screen() {
    let mut h = open_romeo();
    receive(
        &mut h,
        "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>look</body>\
         <markable xmlns='urn:xmpp:chat-markers:0'/></message>",
    );
    h.screen();
    let id = h.state.active.expect("a window");
    h.effects
        .extend(update(&mut h.state, Msg::View(ViewMsg::Focus(false))));
    assert_eq!(seen_window(&h.view, &h.state), None, "terminal unfocused");
    h.effects
        .extend(update(&mut h.state, Msg::View(ViewMsg::Focus(true))));
    h.press(KeyCode::F(1));
    h.screen();
    assert_eq!(seen_window(&h.view, &h.state), None, "help over it");
    h.press(KeyCode::Esc);
    h.screen();
    assert_eq!(seen_window(&h.view, &h.state), Some(id));
    assert!(
        !sent(&h).iter().any(|m| m.displayed.is_some()),
        "nothing before the UI says so"
    );
    h.apply(crate::ui::Request::View(ViewMsg::Seen(id)));
    let markers: Vec<_> = sent(&h).into_iter().filter_map(|m| m.displayed).collect();
    assert_eq!(markers, ["r1"]);
    assert_eq!(seen_window(&h.view, &h.state), None, "once");
}
