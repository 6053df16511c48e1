//! Stanza forwarding, `urn:xmpp:forward:0` (XEP-0297): the
//! `<forwarded><delay/><message/></forwarded>` envelope that carbons
//! (XEP-0280, `carbons.rs`) and archive results (XEP-0313, `mam.rs`) wrap
//! around a message. Read here once, with the checks both need; whether to
//! trust the wrapper around it is the caller's question.
//!
//! Syntax only; this module must not import `crate::app` or `crate::ui`.

use super::delay::Delay;
use super::message::Message;
use super::{ParseError, expect_element};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// A `<forwarded/>` holding one message (XEP-0297 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forwarded {
    /// When the message was first sent or received (XEP-0297 §3: SHOULD be
    /// there; XEP-0313 makes it a MUST for archive results).
    pub delay: Option<Delay>,
    /// The forwarded message, read as any message is.
    pub message: Message,
    /// The same `<message/>` as it came, for the readers of its extensions
    /// (stable ids, receipts, markers, chat states, corrections).
    pub stanza: Element,
}

impl Forwarded {
    /// Reads a `<forwarded/>`.
    ///
    /// CARBONS-07: exactly one stanza, and it is a `<message/>` in
    /// `jabber:client`; a forwarded presence or IQ, several stanzas, or
    /// none, is an error. A message that itself wraps a forwarded stanza one
    /// level down (a carbon inside a carbon, an archive result inside an
    /// archive result) is an error too: nobody has a reason to send one,
    /// and unwrapping it would hide who really sent the inner message.
    pub fn parse(element: &Element) -> Result<Forwarded, ParseError> {
        expect_element(element, "forwarded", ns::FORWARD)?;
        let mut stanzas = element.children().filter(|c| c.ns() == ns::CLIENT);
        let (Some(stanza), None) = (stanzas.next(), stanzas.next()) else {
            return Err(ParseError::Invalid(
                "a forwarded element must hold exactly one stanza".into(),
            ));
        };
        let message = Message::parse(stanza)?;
        if wraps_forwarded(stanza) {
            return Err(ParseError::Invalid(
                "a forwarded message wraps another forwarded stanza".into(),
            ));
        }
        Ok(Forwarded {
            delay: Delay::of(element)?,
            message,
            stanza: stanza.clone(),
        })
    }

    /// The `<forwarded/>` element: the delay, then the message as it came.
    pub fn to_element(&self) -> Element {
        let mut element = Element::new("forwarded", ns::FORWARD);
        if let Some(delay) = &self.delay {
            element.push_child(delay.to_element());
        }
        element.with_child(self.stanza.clone())
    }
}

/// True when a child of `message` holds a `<forwarded/>`: the shape of a
/// carbon (`<received><forwarded/>`) or an archive result
/// (`<result><forwarded/>`).
fn wraps_forwarded(message: &Element) -> bool {
    message
        .children()
        .any(|child| child.has_child("forwarded", ns::FORWARD))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    const INNER: &str = "<message xmlns='jabber:client' from='romeo@example.net/orchard' \
        to='juliet@example.com/chamber' type='chat' id='r9'><body>Art thou there?</body></message>";

    fn forwarded(inside: &str) -> Element {
        test_xml::parse(&format!(
            "<forwarded xmlns='urn:xmpp:forward:0'>{inside}</forwarded>"
        ))
    }

    /// CARBONS-05 / MAM-04: the delay and the message are read, and the
    /// message is kept whole for its extensions.
    #[test]
    fn carbons_05_reads_delay_and_message() {
        let element = forwarded(&format!(
            "<delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>{INNER}"
        ));
        let f = Forwarded::parse(&element).unwrap();
        assert_eq!(
            f.delay.as_ref().map(|d| d.stamp.as_str()),
            Some("2026-01-02T10:00:00Z")
        );
        assert_eq!(f.message.body("en"), Some("Art thou there?"));
        assert_eq!(f.message.id.as_deref(), Some("r9"));
        assert!(f.stanza.is("message", ns::CLIENT));
        assert_eq!(f.to_element(), element);
        assert_eq!(Forwarded::parse(&f.to_element()), Ok(f));
    }

    #[test]
    fn delay_is_optional() {
        let f = Forwarded::parse(&forwarded(INNER)).unwrap();
        assert_eq!(f.delay, None);
    }

    /// CARBONS-07: no message, two messages, a presence, or a message in
    /// the wrong namespace are refused.
    #[test]
    fn carbons_07_exactly_one_message() {
        for inside in [
            String::new(),
            "<delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>".into(),
            format!("{INNER}{INNER}"),
            "<presence xmlns='jabber:client'/>".into(),
            format!("{INNER}<presence xmlns='jabber:client'/>"),
            "<message xmlns='jabber:server' type='chat'><body>x</body></message>".into(),
            "<message><body>in the forward namespace</body></message>".into(),
        ] {
            assert!(Forwarded::parse(&forwarded(&inside)).is_err(), "{inside}");
        }
    }

    /// CARBONS-07: a carbon inside a carbon, or an archive result inside a
    /// forwarded message, is refused.
    #[test]
    fn carbons_07_no_forward_inside_a_forward() {
        for wrapper in [
            "<received xmlns='urn:xmpp:carbons:2'>",
            "<result xmlns='urn:xmpp:mam:2' id='x'>",
        ] {
            let name = if wrapper.contains("received") {
                "received"
            } else {
                "result"
            };
            let nested = format!(
                "<message xmlns='jabber:client' type='chat'>{wrapper}\
                 <forwarded xmlns='urn:xmpp:forward:0'>{INNER}</forwarded></{name}></message>"
            );
            assert!(Forwarded::parse(&forwarded(&nested)).is_err(), "{nested}");
        }
    }

    /// An invalid address inside is an error, never another contact.
    #[test]
    fn invalid_inner_address() {
        let element =
            forwarded("<message xmlns='jabber:client' from='a@@b'><body>x</body></message>");
        assert!(matches!(
            Forwarded::parse(&element),
            Err(ParseError::InvalidJid { attr: "from", .. })
        ));
        let bad_delay = forwarded(&format!(
            "<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>{INNER}"
        ));
        assert!(Forwarded::parse(&bad_delay).is_err());
    }

    #[test]
    fn wrong_element() {
        let element = test_xml::parse("<forwarded xmlns='urn:xmpp:forward:1'/>");
        assert_eq!(
            Forwarded::parse(&element),
            Err(ParseError::Invalid(
                "expected <forwarded/> in urn:xmpp:forward:0, got <forwarded/> in urn:xmpp:forward:1"
                    .into()
            ))
        );
    }
}
