//! Typed views of the three stanzas of RFC 3921 §2 (message, presence, iq),
//! of the roster payload of §7 and of the XEP payloads the client speaks
//! (privacy lists, blocking, and the message extensions of the IM suite:
//! carbons, forwarding, delay, hints, stable ids, archive queries with
//! result set management, receipts, markers, chat states, corrections,
//! client state indication and /me; service discovery items; multi-user chat; publish-subscribe as PEP uses it, room
//! bookmarks, upload slots and contact cards), built from and back into the owned
//! [`Element`] tree. This module owns only syntax: what a stanza says and how
//! to write one. What to *do* with a stanza (routing, state, replies) belongs
//! to the session and the app. It must not import `crate::app`, `crate::ui`
//! or `crate::tui`.
//!
//! Parsing never panics and never guesses an address: an attribute that should
//! hold a JID and does not is a [`ParseError`], so the caller drops the stanza
//! (or answers `bad-request`) instead of acting on the wrong contact. A new
//! stanza payload gets its own file here, next to `roster.rs`.

pub mod blocking;
pub mod bookmarks;
pub mod caps;
pub mod carbons;
pub mod chat_states;
pub mod conference;
pub mod correction;
pub mod csi;
pub mod data_form;
pub mod delay;
pub mod disco;
pub mod forward;
pub mod hints;
pub mod iq;
pub mod lang;
pub mod mam;
pub mod markers;
pub mod me;
pub mod message;
pub mod muc;
pub mod omemo;
pub mod oob;
pub mod presence;
pub mod privacy;
pub mod pubsub;
pub mod receipts;
pub mod roster;
pub mod rsm;
pub mod sce;
pub mod stable_id;
pub mod upload;
pub mod vcard;

use jid::Jid;

use super::element::Element;
use super::error::{ErrorType, StanzaCondition, StanzaError};
use super::ns;

/// Why an element could not be read as the stanza or payload asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("missing attribute {0}")]
    MissingAttribute(&'static str),
    #[error("invalid JID in {attr}: {value:?}")]
    InvalidJid { attr: &'static str, value: String },
    #[error("{0}")]
    Invalid(String),
}

/// The longest piece of a remote value quoted in an error or a log line. A
/// hostile peer controls these values; quoting them whole would let one
/// stanza fill the log.
const MAX_QUOTED_CHARS: usize = 64;

/// `value`, cut to [`MAX_QUOTED_CHARS`] characters with a trailing `…` when
/// it was longer, for error messages and logs.
pub(crate) fn quoted(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// Parses an optional JID attribute (`from`, `to`, a roster item's `jid`).
///
/// A missing attribute is `Ok(None)`. An invalid one is an error: bad input
/// must never crash, and must never silently become another address (I18N-06:
/// the value is normalised with nodeprep/resourceprep, so `josé@example.net`
/// is accepted and compared in its normal form).
pub fn jid_attr(element: &Element, attr: &'static str) -> Result<Option<Jid>, ParseError> {
    match element.attr(attr) {
        None => Ok(None),
        Some(value) => Jid::new(value)
            .map(Some)
            .map_err(|_| ParseError::InvalidJid {
                attr,
                value: quoted(value),
            }),
    }
}

/// Checks that `element` is the top-level stanza `name` of a client stream.
fn expect_stanza(element: &Element, name: &'static str) -> Result<(), ParseError> {
    if element.is(name, ns::CLIENT) {
        Ok(())
    } else {
        Err(ParseError::Invalid(format!(
            "expected <{name}/> in {}, got <{}/> in {}",
            ns::CLIENT,
            quoted(element.name()),
            quoted(element.ns())
        )))
    }
}

/// Checks that `element` is the payload `name` in namespace `ns`.
fn expect_element(element: &Element, name: &'static str, ns: &str) -> Result<(), ParseError> {
    if element.is(name, ns) {
        Ok(())
    } else {
        Err(ParseError::Invalid(format!(
            "expected <{name}/> in {}, got <{}/> in {}",
            quoted(ns),
            quoted(element.name()),
            quoted(element.ns())
        )))
    }
}

/// A non-empty id attribute (`id`, a queryid, an RSM cursor), within
/// [`cap::MAX_ID_BYTES`](crate::xmpp::cap::MAX_ID_BYTES). An empty id names
/// nothing, so it reads as absent.
fn id_attr(element: &Element, attr: &str) -> Option<String> {
    element
        .attr(attr)
        .filter(|value| !value.is_empty())
        .map(|value| super::cap::id(value.to_owned()))
}

/// The `<error/>` child of an outbound `type='error'` stanza. SYN-04 wants
/// one in every error stanza, so a missing error becomes
/// `undefined-condition` rather than an error stanza without a reason.
fn error_child(error: Option<&StanzaError>) -> Element {
    match error {
        Some(error) => error.to_element(),
        None => {
            StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition).to_element()
        }
    }
}

/// An attribute copied out as an owned string.
fn owned_attr(element: &Element, attr: &str) -> Option<String> {
    element.attr(attr).map(str::to_owned)
}

/// A tiny XML reader for tests, so they can use the checklist's example
/// stanzas verbatim. Unprefixed names default to `jabber:client`, as on a
/// client stream; `xml:lang` keeps its prefix, like the stream reader.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod test_xml {
    use quick_xml::NsReader;
    use quick_xml::XmlVersion;
    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::{BytesStart, Event};
    use quick_xml::name::ResolveResult;

    use super::Element;
    use crate::xmpp::ns;

    fn start(resolved: ResolveResult<'_>, start: &BytesStart<'_>) -> Element {
        let ns = match resolved {
            ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
            ResolveResult::Unbound => ns::CLIENT.to_owned(),
            ResolveResult::Unknown(prefix) => panic!("unknown prefix {prefix}"),
        };
        let name = start.local_name().as_ref().to_owned();
        let mut element = Element::new(name, ns);
        for attr in start.attributes() {
            let attr = attr.unwrap();
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            let key = attr.key.as_ref().to_owned();
            let value = attr.normalized_value(XmlVersion::Implicit1_0).unwrap();
            element.set_attr(key, value.into_owned());
        }
        element
    }

    /// Parses one element; panics on anything malformed (tests only).
    pub(crate) fn parse(xml: &str) -> Element {
        let mut reader = NsReader::from_str(xml);
        let mut stack: Vec<Element> = Vec::new();
        loop {
            let (resolved, event) = reader.read_resolved_event().unwrap();
            match event {
                Event::Start(s) => stack.push(start(resolved, &s)),
                Event::Empty(s) => {
                    let element = start(resolved, &s);
                    match stack.last_mut() {
                        Some(parent) => parent.push_child(element),
                        None => return element,
                    }
                }
                Event::End(_) => {
                    let element = stack.pop().unwrap();
                    match stack.last_mut() {
                        Some(parent) => parent.push_child(element),
                        None => return element,
                    }
                }
                Event::Text(t) => {
                    if let Some(parent) = stack.last_mut() {
                        parent.push_text(t.xml10_content().into_owned());
                    }
                }
                Event::CData(t) => {
                    if let Some(parent) = stack.last_mut() {
                        parent.push_text(t.xml10_content().into_owned());
                    }
                }
                Event::GeneralRef(r) => {
                    let text = match r.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => resolve_predefined_entity(&r.xml10_content())
                            .unwrap()
                            .to_owned(),
                    };
                    if let Some(parent) = stack.last_mut() {
                        parent.push_text(text);
                    }
                }
                Event::Eof => panic!("unexpected end of test XML"),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// I18N-06: non-ASCII localparts and resources are valid JIDs.
    #[test]
    fn i18n_06_non_ascii_jid_attr() {
        let e = Element::new("message", ns::CLIENT).with_attr("from", "josé@example.net/móvil");
        let jid = jid_attr(&e, "from").unwrap().unwrap();
        assert_eq!(jid.node().map(|n| n.as_str()), Some("josé"));
        assert_eq!(jid.resource().map(|r| r.as_str()), Some("móvil"));
    }

    /// I18N-06: comparison happens on the normalised form.
    #[test]
    fn i18n_06_jid_attr_is_normalised() {
        let e = Element::new("message", ns::CLIENT).with_attr("from", "Romeo@example.net/orchard");
        let jid = jid_attr(&e, "from").unwrap().unwrap();
        assert_eq!(jid.to_string(), "romeo@example.net/orchard");
    }

    #[test]
    fn missing_jid_attr_is_none() {
        let e = Element::new("message", ns::CLIENT);
        assert_eq!(jid_attr(&e, "to"), Ok(None));
    }

    #[test]
    fn invalid_jid_attr_is_an_error() {
        let e = Element::new("message", ns::CLIENT).with_attr("from", "a@b@c");
        assert_eq!(
            jid_attr(&e, "from"),
            Err(ParseError::InvalidJid {
                attr: "from",
                value: "a@b@c".into()
            })
        );
        let empty = Element::new("message", ns::CLIENT).with_attr("from", "");
        assert!(matches!(
            jid_attr(&empty, "from"),
            Err(ParseError::InvalidJid { attr: "from", .. })
        ));
    }

    /// A hostile 10 MB attribute is refused, and the error quotes only a
    /// bounded prefix of it.
    #[test]
    fn huge_invalid_jid_is_quoted_bounded() {
        let huge = format!("@{}", "x".repeat(10 * 1024 * 1024));
        let e = Element::new("message", ns::CLIENT).with_attr("from", huge);
        match jid_attr(&e, "from") {
            Err(ParseError::InvalidJid { value, .. }) => {
                assert_eq!(value.chars().count(), MAX_QUOTED_CHARS + 1);
                assert!(value.ends_with('…'));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parse_error_messages() {
        assert_eq!(
            ParseError::MissingAttribute("id").to_string(),
            "missing attribute id"
        );
        assert_eq!(
            ParseError::InvalidJid {
                attr: "to",
                value: "a@".into()
            }
            .to_string(),
            "invalid JID in to: \"a@\""
        );
    }

    #[test]
    fn expect_stanza_names_what_it_got() {
        let e = Element::new("message", "jabber:server");
        assert_eq!(
            expect_stanza(&e, "message"),
            Err(ParseError::Invalid(
                "expected <message/> in jabber:client, got <message/> in jabber:server".into()
            ))
        );
    }

    #[test]
    fn test_xml_reads_namespaces_and_entities() {
        let e = test_xml::parse(
            "<message xml:lang='en' to='a@b'><body>x &amp; &#x263a;</body><x xmlns='urn:x'><y/></x></message>",
        );
        assert!(e.is("message", ns::CLIENT));
        assert_eq!(e.lang(), Some("en"));
        assert_eq!(e.child_text("body", ns::CLIENT).as_deref(), Some("x & ☺"));
        assert!(e.child("x", "urn:x").unwrap().has_child("y", "urn:x"));
    }
}
