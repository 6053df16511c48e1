//! Message delivery receipts, `urn:xmpp:receipts` (XEP-0184; checklist
//! §12, RECEIPTS-01..09): the `<request/>` that asks for a receipt and the
//! `<received id/>` that gives one, on a `<message/>`.
//!
//! Whether to answer is the app's decision (RECEIPTS-04, RECEIPTS-05:
//! never for archived messages, carbons, errors or strangers), as is
//! matching a receipt to the message it names (RECEIPTS-08). This module
//! must not import `crate::app` or `crate::ui`.

use jid::Jid;

use super::id_attr;
use super::message::{Message, MessageType};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// RECEIPTS-07: `<request/>`, for a message that has an `id`
/// (RECEIPTS-06).
pub fn request() -> Element {
    Element::new("request", ns::RECEIPTS)
}

/// `<received id/>`: the receipt for the message with id `id`.
pub fn received(id: &str) -> Element {
    Element::new("received", ns::RECEIPTS).with_attr("id", id)
}

/// True when `message` asks for a receipt. RECEIPTS-02: only a message
/// that also has an `id` can be answered.
pub fn is_requested(message: &Element) -> bool {
    message.has_child("request", ns::RECEIPTS)
}

/// The id a receipt in `message` names, when it holds one with a non-empty
/// `id` (RECEIPTS-08: any message `type`).
pub fn received_id(message: &Element) -> Option<String> {
    message
        .children_named("received", ns::RECEIPTS)
        .find_map(|element| id_attr(element, "id"))
}

/// RECEIPTS-02 / RECEIPTS-03: the receipt message for `their_id`, to the
/// sender's full JID `to`, with the same `type` and a new id; its only
/// child is the `<received/>`, never a request.
pub fn answer(to: Jid, kind: MessageType, their_id: &str) -> Element {
    let mut message = Message::new(kind);
    message.to = Some(to);
    message.id = Some(crate::xmpp::id::next());
    message.receipt = Some(their_id.to_owned());
    message.to_element()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::cap::MAX_ID_BYTES;
    use crate::xmpp::stanza::test_xml;

    /// RECEIPTS-02: the checklist's request, and the answer, byte for byte.
    #[test]
    fn receipts_02_request_and_answer() {
        let incoming = test_xml::parse(
            "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>hi</body>\
             <request xmlns='urn:xmpp:receipts'/></message>",
        );
        assert!(is_requested(&incoming));
        assert_eq!(received_id(&incoming), None);
        let message = Message::parse(&incoming).unwrap();
        let mut reply = answer(
            message.from.clone().unwrap(),
            message.kind,
            message.id.as_deref().unwrap(),
        );
        assert_ne!(reply.attr("id"), Some("r1"));
        reply.set_attr("id", "a1");
        assert_eq!(
            reply.to_xml(),
            "<message to='romeo@example.net/orchard' type='chat' id='a1'>\
             <received xmlns='urn:xmpp:receipts' id='r1'/></message>"
        );
        // RECEIPTS-03: a receipt asks for nothing.
        assert!(!is_requested(&reply));
    }

    /// RECEIPTS-07: the checklist's outbound request, byte for byte.
    #[test]
    fn receipts_07_request_shape() {
        let message = Element::new("message", ns::CLIENT)
            .with_attr("to", "romeo@example.net")
            .with_attr("type", "chat")
            .with_attr("id", "m5")
            .with_child(Element::new("body", ns::CLIENT).with_text("…"))
            .with_child(request());
        assert_eq!(
            message.to_xml(),
            "<message to='romeo@example.net' type='chat' id='m5'><body>…</body>\
             <request xmlns='urn:xmpp:receipts'/></message>"
        );
    }

    /// RECEIPTS-08: the checklist's receipt, with no type, names `m5`.
    #[test]
    fn receipts_08_received() {
        let receipt = test_xml::parse(
            "<message from='romeo@example.net/orchard'><received xmlns='urn:xmpp:receipts' id='m5'/></message>",
        );
        assert_eq!(received_id(&receipt).as_deref(), Some("m5"));
        assert!(!is_requested(&receipt));
        for unnamed in [
            "<message><received xmlns='urn:xmpp:receipts'/></message>",
            "<message><received xmlns='urn:xmpp:receipts' id=''/></message>",
            "<message><received xmlns='urn:xmpp:chat-markers:0' id='m5'/></message>",
        ] {
            assert_eq!(received_id(&test_xml::parse(unnamed)), None, "{unnamed}");
        }
    }

    /// Hostile input: a huge receipt id is kept as a bounded digest.
    #[test]
    fn huge_receipt_id() {
        let message =
            Element::new("message", ns::CLIENT).with_child(received(&"r".repeat(1 << 20)));
        assert!(received_id(&message).unwrap().len() <= MAX_ID_BYTES);
    }
}
