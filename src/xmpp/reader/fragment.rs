//! One XML element held in memory, read by the stream reader itself so it
//! gets the same restrictions and limits as anything from the network: an
//! OMEMO 2 envelope decrypted from a message is as remote as the stanza
//! it came in.

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::{ReaderLimits, StreamEvent, XmlError, XmlReader};
use crate::xmpp::element::Element;

const HEADER: &[u8] = b"<stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams'>";

/// The single element `xml` holds, with `jabber:client` as the default
/// namespace around it.
pub fn parse_fragment(xml: &[u8], limits: ReaderLimits) -> Result<Element, XmlError> {
    let mut input = Vec::with_capacity(HEADER.len() + xml.len());
    input.extend_from_slice(HEADER);
    input.extend_from_slice(xml);
    let mut reader = XmlReader::new(input.as_slice(), limits);
    let mut cx = Context::from_waker(Waker::noop());
    // The header, then the element; reading a slice never waits.
    for _ in 0..2 {
        let next = pin!(reader.next()).poll(&mut cx);
        match next {
            Poll::Ready(Ok(StreamEvent::Stanza(element))) => return Ok(element),
            Poll::Ready(Ok(StreamEvent::Header(_))) => {}
            Poll::Ready(Ok(StreamEvent::End)) | Poll::Pending => return Err(XmlError::Closed),
            Poll::Ready(Err(error)) => return Err(error),
        }
    }
    Err(XmlError::Closed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_element_and_refuses_what_the_stream_refuses() {
        let limits = ReaderLimits::default();
        let element = parse_fragment(
            b"<envelope xmlns='urn:xmpp:sce:1'><content><body xmlns='jabber:client'>hi &amp; bye</body></content></envelope>",
            limits,
        )
        .unwrap();
        assert!(element.is("envelope", "urn:xmpp:sce:1"));
        let body = element
            .child("content", "urn:xmpp:sce:1")
            .and_then(|c| c.child("body", "jabber:client"));
        assert_eq!(body.map(Element::text).as_deref(), Some("hi & bye"));
        assert!(parse_fragment(b"<a><!-- no --></a>", limits).is_err());
        assert!(parse_fragment(b"<a>", limits).is_err());
        assert!(parse_fragment(b"", limits).is_err());
        assert!(parse_fragment(b"</stream:stream>", limits).is_err());
    }
}
