//! Room invitations through the keys and on the screen (MUC-30, MUC-48,
//! MUC-51): one arriving while the user types opens nothing and takes no
//! key; the status line counts it until `/accept` or `/decline`.

use ratatui::crossterm::event::KeyCode;

use super::Harness;
use crate::app::{Effect, Msg, update};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::test_xml;

fn invitation_arrives(h: &mut Harness) {
    let message = Message::parse(&test_xml::parse(
        "<message from='romeo@example.net/orchard'>\
         <x xmlns='jabber:x:conference' jid='verona@conference.example.com' reason='come up'/></message>",
    ))
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
    assert!(screen.contains("1 invitation (/invitations)"), "{screen}");
}
