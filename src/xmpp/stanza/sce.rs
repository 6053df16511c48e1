//! Stanza Content Encryption envelopes (XEP-0420) as OMEMO 2 encrypts
//! them: the body inside `<content/>`, random padding so lengths do not
//! tell the text, and the sender's bare JID so a relayed envelope cannot
//! pass as someone else's words.

use jid::BareJid;

use super::ParseError;
use crate::xmpp::element::Element;
use crate::xmpp::ns;
use crate::xmpp::reader::ReaderLimits;
use crate::xmpp::reader::fragment::parse_fragment;

pub const SCE: &str = "urn:xmpp:sce:1";

/// Bytes of XML one envelope may take.
pub const MAX_ENVELOPE_BYTES: usize = 256 * 1024;

/// An envelope opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub body: Option<String>,
    pub from: Option<BareJid>,
}

/// Writes the envelope for `body` from `from`, padded with `padding`
/// characters of random filler.
pub fn envelope(body: &str, from: &BareJid, padding: &str) -> String {
    Element::new("envelope", SCE)
        .with_child(
            Element::new("content", SCE)
                .with_child(Element::new("body", ns::CLIENT).with_text(body)),
        )
        .with_child(Element::new("rpad", SCE).with_text(padding))
        .with_child(Element::new("from", SCE).with_attr("jid", from.to_string()))
        .to_xml()
}

pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, ParseError> {
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(ParseError::Invalid("envelope too long".to_owned()));
    }
    let limits = ReaderLimits {
        max_stanza_bytes: MAX_ENVELOPE_BYTES + 256,
        max_depth: 16,
    };
    let element =
        parse_fragment(bytes, limits).map_err(|e| ParseError::Invalid(format!("envelope: {e}")))?;
    if !element.is("envelope", SCE) {
        return Err(ParseError::Invalid("not an SCE envelope".to_owned()));
    }
    let body = element
        .child("content", SCE)
        .and_then(|content| content.child("body", ns::CLIENT))
        .map(Element::text);
    let from = element
        .child("from", SCE)
        .and_then(|from| from.attr("jid"))
        .and_then(|jid| BareJid::new(jid).ok());
    Ok(Envelope { body, from })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_reads_back() {
        let from = BareJid::new("juliet@capulet.lit").unwrap();
        let xml = envelope("a <b> & c", &from, "xyz");
        let read = parse_envelope(xml.as_bytes()).unwrap();
        assert_eq!(read.body.as_deref(), Some("a <b> & c"));
        assert_eq!(read.from, Some(from));
        assert!(parse_envelope(b"<envelope xmlns='other'/>").is_err());
        assert!(parse_envelope(b"not xml").is_err());
    }
}
