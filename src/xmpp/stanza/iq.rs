//! The `<iq/>` stanza (RFC 3920 §9.2.3, RFC 3921 §2.3 and checklist
//! CORE-21 to CORE-23): request/response with a required `id`, one payload
//! in a `get` or `set`, and the result or error reply to it. Matching
//! replies to requests and timing them out is the session's job; this file
//! only reads, builds and answers the stanza.

use std::fmt;
use std::str::FromStr;

use jid::Jid;

use super::{ParseError, error_child, expect_stanza, jid_attr, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::error::StanzaError;
use crate::xmpp::{id, ns};

/// The `type` of an IQ (RFC 3920 §9.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IqType {
    Get,
    Set,
    Result,
    Error,
}

impl IqType {
    pub fn as_str(self) -> &'static str {
        match self {
            IqType::Get => "get",
            IqType::Set => "set",
            IqType::Result => "result",
            IqType::Error => "error",
        }
    }

    /// True for `get` and `set`, which must be answered (CORE-22).
    pub fn is_request(self) -> bool {
        matches!(self, IqType::Get | IqType::Set)
    }
}

impl FromStr for IqType {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "get" => IqType::Get,
            "set" => IqType::Set,
            "result" => IqType::Result,
            "error" => IqType::Error,
            other => {
                return Err(ParseError::Invalid(format!(
                    "unknown iq type {:?}",
                    quoted(other)
                )));
            }
        })
    }
}

impl fmt::Display for IqType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any child but `<error/>` is the payload.
fn is_payload(child: &Element) -> bool {
    !child.is("error", ns::CLIENT)
}

/// An IQ stanza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iq {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub id: String,
    pub kind: IqType,
    /// The first child element that is not `<error/>`.
    pub payload: Option<Element>,
    /// Set for `type='error'` (SYN-15, CORE-19).
    pub error: Option<StanzaError>,
}

impl Iq {
    /// Reads an `<iq/>` in `jabber:client`.
    ///
    /// Errors: no `id` or no `type` (`MissingAttribute`), an unknown type, a
    /// `get` or `set` without exactly one payload child (CORE-21; the caller
    /// answers `bad-request`), an invalid `from` or `to`. A `result` with
    /// more than one child is tolerated and its first child kept.
    pub fn parse(element: &Element) -> Result<Iq, ParseError> {
        let mut iq = Iq::parse_envelope(element)?;
        iq.payload = element.children().find(|&child| is_payload(child)).cloned();
        Ok(iq)
    }

    /// [`Iq::parse`] taking the stanza by value, so the payload is moved rather than copied
    /// (a roster result can be megabytes). On error the stanza comes back with the reason,
    /// for the caller to answer it.
    pub fn parse_owned(mut element: Element) -> Result<Iq, (ParseError, Box<Element>)> {
        match Iq::parse_envelope(&element) {
            Ok(mut iq) => {
                iq.payload = element.take_child(is_payload);
                Ok(iq)
            }
            Err(error) => Err((error, Box::new(element))),
        }
    }

    /// Everything but the payload, checked as [`Iq::parse`] documents.
    fn parse_envelope(element: &Element) -> Result<Iq, ParseError> {
        expect_stanza(element, "iq")?;
        let id = element
            .attr("id")
            .ok_or(ParseError::MissingAttribute("id"))?
            .to_owned();
        let kind: IqType = element
            .attr("type")
            .ok_or(ParseError::MissingAttribute("type"))?
            .parse()?;
        let from = jid_attr(element, "from")?;
        let to = jid_attr(element, "to")?;
        if kind.is_request() {
            let count = element
                .children()
                .filter(|&child| is_payload(child))
                .count();
            if count != 1 {
                return Err(ParseError::Invalid(format!(
                    "iq {} must hold exactly one payload element, not {count}",
                    kind.as_str()
                )));
            }
        }
        Ok(Iq {
            from,
            to,
            id,
            kind,
            payload: None,
            error: (kind == IqType::Error).then(|| StanzaError::from_stanza(element)),
        })
    }

    fn request(kind: IqType, payload: Element) -> Iq {
        Iq {
            from: None,
            to: None,
            id: id::next(),
            kind,
            payload: Some(payload),
            error: None,
        }
    }

    /// A `get` with a fresh id and no `to` (addressed to our own account,
    /// ROS-17), carrying exactly one payload (CORE-21).
    pub fn get(payload: Element) -> Iq {
        Iq::request(IqType::Get, payload)
    }

    /// A `set` with a fresh id and no `to`, carrying exactly one payload.
    pub fn set(payload: Element) -> Iq {
        Iq::request(IqType::Set, payload)
    }

    /// Addresses the IQ to `to`.
    pub fn with_to(mut self, to: Jid) -> Iq {
        self.to = Some(to);
        self
    }

    /// Builds the element to send: `type`, `id`, then `to` when set; never
    /// `from` (CORE-24). The payload comes first, the `<error/>` after it.
    pub fn to_element(&self) -> Element {
        let mut element = Element::new("iq", ns::CLIENT)
            .with_attr("type", self.kind.as_str())
            .with_attr("id", self.id.clone())
            .with_opt_attr("to", self.to.as_ref().map(Jid::to_string));
        if let Some(payload) = &self.payload {
            element.push_child(payload.clone());
        }
        if self.kind == IqType::Error {
            element.push_child(error_child(self.error.as_ref()));
        }
        element
    }

    /// The `result` answering `request` (CORE-22): same id, addressed to the
    /// requester (no `to` when the request had no `from`, i.e. came from our
    /// own server or account).
    pub fn result_for(request: &Iq, payload: Option<Element>) -> Iq {
        Iq {
            from: None,
            to: request.from.clone(),
            id: request.id.clone(),
            kind: IqType::Result,
            payload,
            error: None,
        }
    }

    /// The `error` answering `request` (CORE-22): same id, addressed to the
    /// requester, carrying the original payload and the `<error/>`, as in
    /// the checklist's `service-unavailable` example. Only `get` and `set`
    /// may be answered (CORE-23); that check is the caller's.
    pub fn error_for(request: &Iq, error: StanzaError) -> Iq {
        Iq {
            from: None,
            to: request.from.clone(),
            id: request.id.clone(),
            kind: IqType::Error,
            payload: request.payload.clone(),
            error: Some(error),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::error::{ErrorType, StanzaCondition};
    use crate::xmpp::stanza::test_xml;

    /// Reads `xml` both ways, checking that they agree.
    fn parse(xml: &str) -> Result<Iq, ParseError> {
        let element = test_xml::parse(xml);
        let borrowed = Iq::parse(&element);
        let owned = Iq::parse_owned(element.clone()).map_err(|(error, back)| {
            assert_eq!(*back, element);
            error
        });
        assert_eq!(owned, borrowed);
        borrowed
    }

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    /// CORE-22: the checklist's exchange, byte for byte: an unsupported
    /// payload gets `service-unavailable` with the payload echoed.
    #[test]
    fn core_22_error_reply_shape() {
        let request = parse(
            "<iq type='get' id='v1' from='romeo@example.net/orchard'><query xmlns='jabber:iq:version'/></iq>",
        )
        .unwrap();
        assert_eq!(request.kind, IqType::Get);
        assert_eq!(request.id, "v1");
        assert_eq!(request.from, Some(jid("romeo@example.net/orchard")));
        assert_eq!(request.to, None);
        assert_eq!(
            request.payload,
            Some(Element::new("query", "jabber:iq:version"))
        );
        assert_eq!(request.error, None);
        let reply = Iq::error_for(
            &request,
            StanzaError::new(ErrorType::Cancel, StanzaCondition::ServiceUnavailable),
        );
        assert_eq!(
            reply.to_element().to_xml(),
            "<iq type='error' id='v1' to='romeo@example.net/orchard'><query xmlns='jabber:iq:version'/>\
             <error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        );
    }

    /// CORE-22 / ROS-11: a result keeps the id; no `from` on the request
    /// means no `to` on the reply.
    #[test]
    fn core_22_result_reply() {
        let push = parse(
            "<iq type='set' id='push1'><query xmlns='jabber:iq:roster'><item jid='nurse@example.com'/></query></iq>",
        )
        .unwrap();
        assert_eq!(
            Iq::result_for(&push, None).to_element().to_xml(),
            "<iq type='result' id='push1'/>"
        );
        let ping =
            parse("<iq type='get' id='p' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>")
                .unwrap();
        assert_eq!(
            Iq::result_for(&ping, None).to_element().to_xml(),
            "<iq type='result' id='p' to='example.com'/>"
        );
    }

    /// CORE-21: fresh ids, exactly one payload, no `to` unless asked;
    /// CORE-25's ping as the example.
    #[test]
    fn core_21_requests() {
        let a = Iq::get(Element::new("ping", ns::PING));
        let b = Iq::get(Element::new("ping", ns::PING));
        assert_ne!(a.id, b.id);
        let mut ping = a.with_to(jid("example.com"));
        ping.id = "ping1".into();
        assert_eq!(
            ping.to_element().to_xml(),
            "<iq type='get' id='ping1' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>"
        );
        let mut set = Iq::set(Element::new("query", ns::ROSTER));
        set.id = "s1".into();
        assert_eq!(
            set.to_element().to_xml(),
            "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'/></iq>"
        );
        assert_eq!(Iq::parse(&set.to_element()).unwrap(), set);
    }

    /// CORE-21: a request without exactly one payload is refused, so the
    /// caller can answer `bad-request`.
    #[test]
    fn core_21_request_needs_one_payload() {
        assert_eq!(
            parse("<iq type='get' id='x'/>"),
            Err(ParseError::Invalid(
                "iq get must hold exactly one payload element, not 0".into()
            ))
        );
        assert_eq!(
            parse("<iq type='set' id='x'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>"),
            Err(ParseError::Invalid(
                "iq set must hold exactly one payload element, not 2".into()
            ))
        );
    }

    /// A result may be empty (NEW-03's "cache still good") or have one child.
    #[test]
    fn new_03_empty_result() {
        let iq = parse("<iq type='result' id='r1'/>").unwrap();
        assert_eq!(iq.kind, IqType::Result);
        assert_eq!(iq.payload, None);
    }

    #[test]
    fn missing_id_or_type_is_refused() {
        assert_eq!(
            parse("<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>"),
            Err(ParseError::MissingAttribute("id"))
        );
        assert_eq!(
            parse("<iq id='a'><ping xmlns='urn:xmpp:ping'/></iq>"),
            Err(ParseError::MissingAttribute("type"))
        );
        assert_eq!(
            parse("<iq id='a' type='query'><ping xmlns='urn:xmpp:ping'/></iq>"),
            Err(ParseError::Invalid("unknown iq type \"query\"".into()))
        );
    }

    /// CORE-19 / SESS-05: an error IQ, with its echoed payload kept apart
    /// from the `<error/>`.
    #[test]
    fn core_19_error_iq() {
        let iq = parse(
            "<iq type='error' id='x'><query xmlns='jabber:iq:roster'/><error type='auth' code='403'>\
             <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></iq>",
        )
        .unwrap();
        assert_eq!(iq.payload, Some(Element::new("query", ns::ROSTER)));
        let error = iq.error.unwrap();
        assert_eq!(error.condition, StanzaCondition::Forbidden);
        assert_eq!(error.error_type, ErrorType::Auth);
        assert_eq!(error.text.as_deref(), Some("no"));
        assert_eq!(error.code, Some(403));
    }

    /// An error IQ whose only child is `<error/>` has no payload.
    #[test]
    fn error_iq_without_payload() {
        let iq = parse(
            "<iq type='error' id='sess1'><error type='wait'>\
             <internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
        )
        .unwrap();
        assert_eq!(iq.payload, None);
        assert_eq!(iq.error.map(|e| e.error_type), Some(ErrorType::Wait));
    }

    /// An invalid `from` is an error, never a different sender (this is
    /// what ROS-12's sender check relies on).
    #[test]
    fn invalid_from_is_an_error() {
        assert_eq!(
            parse("<iq type='result' id='a' from='a@b@c'/>"),
            Err(ParseError::InvalidJid {
                attr: "from",
                value: "a@b@c".into()
            })
        );
    }

    /// I18N-06: replies go back to non-ASCII JIDs unchanged.
    #[test]
    fn i18n_06_non_ascii_requester() {
        let request = parse(
            "<iq type='get' id='v2' from='josé@example.net/móvil'><query xmlns='jabber:iq:version'/></iq>",
        )
        .unwrap();
        assert_eq!(
            Iq::result_for(&request, None).to_element().to_xml(),
            "<iq type='result' id='v2' to='josé@example.net/móvil'/>"
        );
    }

    #[test]
    fn iq_type_strings_round_trip() {
        for kind in [IqType::Get, IqType::Set, IqType::Result, IqType::Error] {
            assert_eq!(kind.as_str().parse::<IqType>(), Ok(kind));
        }
    }
}
