//! Room invitations through the keys and on the screen (MUC-30, MUC-48,
//! MUC-51): one arriving while the user types opens nothing and takes no
//! key; the status line counts it until the user opens the list (F5) and
//! answers, or types `/accept` or `/decline`.

use ratatui::crossterm::event::KeyCode;

use super::Harness;
use crate::app::{Effect, Msg, update};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::test_xml;

fn invitation_arrives(h: &mut Harness) {
    invitation_to(h, "verona@conference.example.com");
}

fn invitation_to(h: &mut Harness, room: &str) {
    let message = Message::parse(&test_xml::parse(&format!(
        "<message from='romeo@example.net/orchard'>\
         <x xmlns='jabber:x:conference' jid='{room}' reason='come up'/></message>",
    )))
    .expect("message");
    let effects = update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at: 0,
        },
    );
    h.effects.extend(effects);
}

#[test]
fn an_invitation_waits_without_taking_keys() {
    let mut h = Harness::new();
    h.press(KeyCode::Char('i'));
    h.type_text("hello ");
    invitation_arrives(&mut h);
    h.type_text("there y a");
    assert!(h.view.overlay.is_none());
    assert_eq!(h.view.input.text(), "hello there y a");
    assert!(
        !h.effects
            .iter()
            .any(|e| matches!(e, Effect::SendPresence(_) | Effect::Request { .. })),
        "nothing joined: {:?}",
        h.effects
    );
    let screen = h.screen();
    assert!(screen.contains("1 invitation (F5)"), "{screen}");
}

/// MUC-30, MUC-48: F5 lists the invitations; `d` declines the selected
/// one, `a` joins the next, and the list closes when none is left.
#[test]
fn f5_lists_invitations_to_answer() {
    let mut h = Harness::new();
    invitation_to(&mut h, "verona@conference.example.com");
    invitation_to(&mut h, "mantua@conference.example.com");
    h.press(KeyCode::F(5));
    let screen = h.screen();
    assert!(screen.contains("2 invitations into rooms:"), "{screen}");
    assert!(
        screen.contains("verona@conference.example.com  from romeo@example.net"),
        "{screen}"
    );
    assert!(screen.contains("come up"), "{screen}");
    h.press(KeyCode::Char('d'));
    assert_eq!(h.state.invitations.len(), 1);
    assert!(h.view.overlay.is_some(), "one still waits");
    h.press(KeyCode::Char('a'));
    assert!(h.state.invitations.is_empty());
    assert!(h.view.overlay.is_none());
    assert!(
        h.effects
            .iter()
            .any(|e| matches!(e, Effect::Request { .. } | Effect::SendPresence(_))),
        "the accepted one is joined: {:?}",
        h.effects
    );
    assert!(
        h.state
            .rooms
            .get(&jid::BareJid::new("mantua@conference.example.com").unwrap())
            .is_some()
    );
}
