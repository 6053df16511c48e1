//! Unique and stable stanza ids, `urn:xmpp:sid:0` (XEP-0359; checklist
//! §7, SID-01..07): the `<origin-id id/>` a sender puts on its own
//! messages and the `<stanza-id id by/>` an archive (our account or a room)
//! stamps on the messages it stores.
//!
//! Anyone can put either element in a message. An `origin-id` only ever
//! recognises our own messages (SID-05); a `stanza-id` counts only when its
//! `by` is an archive the caller trusts (SID-02: our bare JID when our
//! account advertises `urn:xmpp:sid:0`, a room JID when the room does),
//! which [`trusted_stanza_id`] checks given that JID. Deciding which JIDs
//! qualify, and deduplicating by the ids, is the app's; this module must
//! not import `crate::app` or `crate::ui`.

use std::collections::HashMap;

use jid::{BareJid, Jid};

use super::id_attr;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// SID-01: `<origin-id xmlns='urn:xmpp:sid:0' id/>` for a message we send;
/// `id` is the message's own `id`, unpredictable.
pub fn origin_id(id: &str) -> Element {
    Element::new("origin-id", ns::SID).with_attr("id", id)
}

/// The `id` of the first `<origin-id/>` in `message` that has one.
/// SID-05: spoofable; match it only against ids we sent.
pub fn parse_origin_id(message: &Element) -> Option<String> {
    message
        .children_named("origin-id", ns::SID)
        .find_map(|element| id_attr(element, "id"))
}

/// A `<stanza-id/>`: the id the archive `by` gave the message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StanzaId {
    pub id: String,
    pub by: Jid,
}

impl StanzaId {
    pub fn to_element(&self) -> Element {
        Element::new("stanza-id", ns::SID)
            .with_attr("by", self.by.to_string())
            .with_attr("id", self.id.clone())
    }
}

/// The well-formed, unambiguous `<stanza-id/>`s of `message`, in document
/// order.
///
/// SID-03: one without a non-empty `id` or a valid `by` is malformed and
/// skipped, and when two or more name the same `by`, none of those is kept,
/// since there is no telling which one that archive wrote.
pub fn parse_stanza_ids(message: &Element) -> Vec<StanzaId> {
    let mut ids: Vec<StanzaId> = message
        .children_named("stanza-id", ns::SID)
        .filter_map(|element| {
            Some(StanzaId {
                id: id_attr(element, "id")?,
                by: Jid::new(element.attr("by")?).ok()?,
            })
        })
        .collect();
    // A map, so a hostile message with thousands of them stays linear.
    let mut per_archive: HashMap<Jid, usize> = HashMap::new();
    for stanza_id in &ids {
        *per_archive.entry(stanza_id.by.clone()).or_default() += 1;
    }
    ids.retain(|stanza_id| per_archive.get(&stanza_id.by) == Some(&1));
    ids
}

/// SID-02 / SID-04 / SID-06: the id the archive `by` gave `message`, when
/// it wrote exactly one well-formed `<stanza-id/>` (SID-03). `by` is our
/// bare JID or a room's, and the caller has already checked that it
/// advertises `urn:xmpp:sid:0`; every other `<stanza-id/>` is ignored.
pub fn trusted_stanza_id(message: &Element, by: &BareJid) -> Option<String> {
    parse_stanza_ids(message)
        .into_iter()
        .find(|stanza_id| stanza_id.by == *by)
        .map(|stanza_id| stanza_id.id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::cap::MAX_ID_BYTES;
    use crate::xmpp::stanza::test_xml;

    fn own() -> BareJid {
        BareJid::new("juliet@example.com").unwrap()
    }

    fn room() -> BareJid {
        BareJid::new("verona@conference.example.com").unwrap()
    }

    /// SID-01: the checklist's outbound origin-id, byte for byte.
    #[test]
    fn sid_01_origin_id() {
        let message = Element::new("message", ns::CLIENT)
            .with_attr("to", "verona@conference.example.com")
            .with_attr("type", "groupchat")
            .with_attr("id", "5b9c")
            .with_child(Element::new("body", ns::CLIENT).with_text("hi"))
            .with_child(origin_id("5b9c"));
        assert_eq!(
            message.to_xml(),
            "<message to='verona@conference.example.com' type='groupchat' id='5b9c'><body>hi</body>\
             <origin-id xmlns='urn:xmpp:sid:0' id='5b9c'/></message>"
        );
        assert_eq!(parse_origin_id(&message).as_deref(), Some("5b9c"));
    }

    /// SID-05: an origin-id without an id names nothing; the next counts.
    #[test]
    fn sid_05_origin_id_needs_an_id() {
        let message = test_xml::parse(
            "<message><origin-id xmlns='urn:xmpp:sid:0'/><origin-id xmlns='urn:xmpp:sid:0' id=''/>\
             <origin-id xmlns='urn:xmpp:sid:0' id='o2'/></message>",
        );
        assert_eq!(parse_origin_id(&message).as_deref(), Some("o2"));
        let none = test_xml::parse("<message><body>x</body></message>");
        assert_eq!(parse_origin_id(&none), None);
    }

    /// SID-02: the checklist's message, its stanza-id by our bare JID, read
    /// and written; the caller decides whether our account is trusted.
    #[test]
    fn sid_02_stanza_id_by_our_account() {
        let message = test_xml::parse(
            "<message from='romeo@example.net/orchard' type='chat'><body>x</body>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='A1'/></message>",
        );
        let ids = parse_stanza_ids(&message);
        assert_eq!(
            ids,
            vec![StanzaId {
                id: "A1".into(),
                by: Jid::new("juliet@example.com").unwrap()
            }]
        );
        assert_eq!(
            ids[0].to_element().to_xml(),
            "<stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='A1'/>"
        );
        assert_eq!(trusted_stanza_id(&message, &own()).as_deref(), Some("A1"));
        assert_eq!(trusted_stanza_id(&message, &room()), None);
    }

    /// SID-02 / SID-06: with several archives' ids, each trusted JID gets
    /// its own; one by a contact, a full JID or another server is never
    /// taken for ours.
    #[test]
    fn sid_02_sid_06_only_the_named_archive() {
        let message = test_xml::parse(
            "<message from='verona@conference.example.com/romeo' type='groupchat'><body>x</body>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='romeo@example.net' id='forged'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com/balcony' id='forged2'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='example.com' id='forged3'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='verona@conference.example.com' id='39K7ZYIp'/>\
             <stanza-id xmlns='urn:xmpp:sid:1' by='juliet@example.com' id='other-ns'/></message>",
        );
        assert_eq!(parse_stanza_ids(&message).len(), 4);
        assert_eq!(
            trusted_stanza_id(&message, &room()).as_deref(),
            Some("39K7ZYIp")
        );
        assert_eq!(trusted_stanza_id(&message, &own()), None);
    }

    /// SID-03: without `id` or `by` a stanza-id is skipped; two by the same
    /// archive cancel each other, and the other archives' ids survive.
    #[test]
    fn sid_03_malformed_and_ambiguous() {
        let message = test_xml::parse(
            "<message type='chat'>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' id='no-by'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='a@@b' id='bad-by'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='verona@conference.example.com' id='R1'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='A1'/>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='Juliet@example.com' id='A2'/></message>",
        );
        assert_eq!(trusted_stanza_id(&message, &own()), None);
        assert_eq!(trusted_stanza_id(&message, &room()).as_deref(), Some("R1"));
        let only_malformed = test_xml::parse(
            "<message><stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id=''/></message>",
        );
        assert_eq!(parse_stanza_ids(&only_malformed), Vec::new());
    }

    /// Hostile input: ten thousand stanza-ids by one archive are read in
    /// linear time and trusted not at all; a huge id becomes a digest.
    #[test]
    fn hostile_stanza_ids() {
        let mut message = Element::new("message", ns::CLIENT);
        for n in 0..10_000 {
            message.push_child(
                Element::new("stanza-id", ns::SID)
                    .with_attr("by", "juliet@example.com")
                    .with_attr("id", format!("x{n}")),
            );
        }
        assert_eq!(trusted_stanza_id(&message, &own()), None);
        let huge = Element::new("message", ns::CLIENT).with_child(
            Element::new("stanza-id", ns::SID)
                .with_attr("by", "juliet@example.com")
                .with_attr("id", "i".repeat(100_000)),
        );
        let id = trusted_stanza_id(&huge, &own()).unwrap();
        assert!(id.len() <= MAX_ID_BYTES);
    }
}
