//! Last message correction, `urn:xmpp:message-correct:0` (XEP-0308;
//! checklist §15, CORRECT-01..11): the `<replace id/>` that makes a message
//! the corrected version of an earlier one.
//!
//! The id is the original message's `id` attribute, never a `stanza-id`
//! (CORRECT-10), and a second correction names the original again
//! (CORRECT-03). Whether a correction may apply (same sender, same person,
//! CORRECT-06) is the app's decision; this module must not import
//! `crate::app` or `crate::ui`.

use super::id_attr;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// CORRECT-03: `<replace id/>` naming the original message's id.
pub fn replace(original_id: &str) -> Element {
    Element::new("replace", ns::CORRECTION).with_attr("id", original_id)
}

/// The original id a correction in `message` names: the first `<replace/>`
/// with a non-empty `id`. `None` for an ordinary message.
pub fn replaced_id(message: &Element) -> Option<String> {
    message
        .children_named("replace", ns::CORRECTION)
        .find_map(|element| id_attr(element, "id"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// CORRECT-03: the checklist's correction, byte for byte, and read back.
    #[test]
    fn correct_03_replace() {
        let xml = "<message to='romeo@example.net' type='chat' id='c2'><body>window</body>\
                   <replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>";
        let built = Element::new("message", ns::CLIENT)
            .with_attr("to", "romeo@example.net")
            .with_attr("type", "chat")
            .with_attr("id", "c2")
            .with_child(Element::new("body", ns::CLIENT).with_text("window"))
            .with_child(replace("m1"));
        assert_eq!(built.to_xml(), xml);
        assert_eq!(replaced_id(&test_xml::parse(xml)).as_deref(), Some("m1"));
    }

    /// CORRECT-10: a stanza-id beside the replace belongs to the
    /// correction, and the replace id is read as given.
    #[test]
    fn correct_10_replace_id_is_the_message_id() {
        let message = test_xml::parse(
            "<message from='romeo@example.net/orchard' type='chat' id='c3'><body>x</body>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='S9'/>\
             <replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>",
        );
        assert_eq!(replaced_id(&message).as_deref(), Some("m1"));
    }

    #[test]
    fn no_correction() {
        for xml in [
            "<message type='chat'><body>x</body></message>",
            "<message type='chat'><replace xmlns='urn:xmpp:message-correct:0'/></message>",
            "<message type='chat'><replace xmlns='urn:xmpp:message-correct:0' id=''/></message>",
            "<message type='chat'><replace xmlns='urn:xmpp:message-correct:1' id='m1'/></message>",
        ] {
            assert_eq!(replaced_id(&test_xml::parse(xml)), None, "{xml}");
        }
    }
}
