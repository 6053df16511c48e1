//! Displayed markers, `urn:xmpp:chat-markers:0` (XEP-0333 1.0.0; checklist
//! §13, MARKERS-01..10): `<markable/>`, which asks for a marker, and
//! `<displayed id/>`, which says a message has been seen.
//!
//! Version 0.5.0 of the XEP removed `<received/>` and `<acknowledged/>`;
//! they are neither read nor written (MARKERS-10). When to send a marker,
//! and moving the read mark only forwards (MARKERS-06), belong to the app;
//! this module must not import `crate::app` or `crate::ui`.

use jid::Jid;

use super::id_attr;
use super::message::{Message, MessageType};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// MARKERS-02: `<markable/>`, on a message with an `id`.
pub fn markable() -> Element {
    Element::new("markable", ns::CHAT_MARKERS)
}

/// `<displayed id/>` for the message with id `id` (MARKERS-03), or, in a
/// room that advertises `urn:xmpp:sid:0`, with the room's `stanza-id`
/// (MARKERS-05).
pub fn displayed(id: &str) -> Element {
    Element::new("displayed", ns::CHAT_MARKERS).with_attr("id", id)
}

/// True when `message` asks for a displayed marker.
pub fn is_markable(message: &Element) -> bool {
    message.has_child("markable", ns::CHAT_MARKERS)
}

/// The id a `<displayed/>` in `message` names, when it has a non-empty one.
/// Legacy `<received/>` and `<acknowledged/>` are ignored (MARKERS-10).
pub fn displayed_id(message: &Element) -> Option<String> {
    message
        .children_named("displayed", ns::CHAT_MARKERS)
        .find_map(|element| id_attr(element, "id"))
}

/// MARKERS-03 / MARKERS-05: the marker message for `id`: to a contact
/// (`type='chat'`, bare JID allowed) or to a room (`type='groupchat'`,
/// the room's bare JID), with a new message id. It never asks for a
/// marker or receipt itself (MARKERS-04).
pub fn marker_message(to: Jid, kind: MessageType, id: &str) -> Element {
    let mut message = Message::new(kind);
    message.to = Some(to);
    message.id = Some(crate::xmpp::id::next());
    message.to_element().with_child(displayed(id))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    /// MARKERS-02: the checklist's markable message.
    #[test]
    fn markers_02_markable() {
        let message = test_xml::parse(
            "<message to='romeo@example.net' type='chat' id='m6'><body>…</body>\
             <markable xmlns='urn:xmpp:chat-markers:0'/></message>",
        );
        assert!(is_markable(&message));
        assert_eq!(
            markable().to_xml(),
            "<markable xmlns='urn:xmpp:chat-markers:0'/>"
        );
        assert_eq!(displayed_id(&message), None);
    }

    /// MARKERS-03: the checklist's 1:1 marker, byte for byte.
    #[test]
    fn markers_03_displayed() {
        let mut message = marker_message(jid("romeo@example.net"), MessageType::Chat, "r1");
        message.set_attr("id", "d1");
        assert_eq!(
            message.to_xml(),
            "<message to='romeo@example.net' type='chat' id='d1'>\
             <displayed xmlns='urn:xmpp:chat-markers:0' id='r1'/></message>"
        );
        assert_eq!(displayed_id(&message).as_deref(), Some("r1"));
        assert!(!is_markable(&message));
    }

    /// MARKERS-05: the checklist's room marker, byte for byte.
    #[test]
    fn markers_05_room_marker() {
        let mut message = marker_message(
            jid("verona@conference.example.com"),
            MessageType::Groupchat,
            "39K7ZYIp",
        );
        message.set_attr("id", "d2");
        assert_eq!(
            message.to_xml(),
            "<message to='verona@conference.example.com' type='groupchat' id='d2'>\
             <displayed xmlns='urn:xmpp:chat-markers:0' id='39K7ZYIp'/></message>"
        );
    }

    /// MARKERS-10: legacy markers are not read.
    #[test]
    fn markers_10_legacy_ignored() {
        let message = test_xml::parse(
            "<message from='romeo@example.net/orchard'><received xmlns='urn:xmpp:chat-markers:0' id='r1'/>\
             <acknowledged xmlns='urn:xmpp:chat-markers:0' id='r1'/>\
             <displayed xmlns='urn:xmpp:chat-markers:0'/></message>",
        );
        assert_eq!(displayed_id(&message), None);
    }
}
