//! HTTP file upload (XEP-0363; checklist §16): the slot request
//! (UPLOAD-03), the slot read from its result (UPLOAD-04) with only the
//! headers a PUT may carry (UPLOAD-05), and what a slot error means
//! (UPLOAD-08). The HTTP side is `crate::upload`'s; this is syntax only.
//!
//! Everything read is capped: URLs to [`MAX_URL_BYTES`] (a longer one is
//! refused, not cut), at most [`MAX_HEADERS`] headers of at most
//! [`MAX_HEADER_BYTES`] each.

use crate::xmpp::element::Element;
use crate::xmpp::error::{StanzaCondition, StanzaError};
use crate::xmpp::ns;

/// Longest URL taken from a slot.
pub const MAX_URL_BYTES: usize = 4096;
/// Headers kept from one slot.
pub const MAX_HEADERS: usize = 16;
/// Longest header value kept (a longer header is dropped).
pub const MAX_HEADER_BYTES: usize = 4096;

/// UPLOAD-05: the only headers a PUT carries.
const ALLOWED_HEADERS: [&str; 3] = ["Authorization", "Cookie", "Expires"];

/// UPLOAD-03: the `<request/>` for a slot: the file's base name (no
/// directories), its size in bytes, and its content type when known.
pub fn request(filename: &str, size: u64, content_type: Option<&str>) -> Element {
    Element::new("request", ns::HTTP_UPLOAD)
        .with_attr("filename", filename)
        .with_attr("size", size.to_string())
        .with_opt_attr("content-type", content_type.map(str::to_owned))
}

/// A slot (UPLOAD-04): where to PUT, the headers to send, where the file
/// can then be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub put: String,
    /// (name, value) pairs, already filtered (UPLOAD-05), in their order.
    pub headers: Vec<(String, String)>,
    pub get: String,
}

/// Why a slot result could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("the upload service sent no slot")]
    Missing,
    #[error("the upload service sent a slot without a {0} URL")]
    NoUrl(&'static str),
    #[error("the upload service sent a {0} URL that is too long")]
    TooLong(&'static str),
}

/// Reads the `<slot/>` of a result.
pub fn parse_slot(payload: Option<&Element>) -> Result<Slot, SlotError> {
    let slot = payload
        .filter(|p| p.is("slot", ns::HTTP_UPLOAD))
        .ok_or(SlotError::Missing)?;
    let url = |name: &'static str| -> Result<(String, Option<&Element>), SlotError> {
        let element = slot
            .child(name, ns::HTTP_UPLOAD)
            .ok_or(SlotError::NoUrl(name))?;
        let url = element
            .attr("url")
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .ok_or(SlotError::NoUrl(name))?;
        if url.len() > MAX_URL_BYTES {
            return Err(SlotError::TooLong(name));
        }
        Ok((url.to_owned(), Some(element)))
    };
    let (put, put_element) = url("put")?;
    let (get, _) = url("get")?;
    let headers = put_element
        .map(|put| {
            put.children_named("header", ns::HTTP_UPLOAD)
                .filter_map(|header| Some((header.attr("name")?.to_owned(), header.text())))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Ok(Slot {
        put,
        headers: filter_headers(headers),
        get,
    })
}

/// UPLOAD-05: keeps only `Authorization`, `Cookie` and `Expires` (names
/// compared without case), all of them in their order, with line breaks
/// taken out of names and values; values are otherwise opaque. Capped.
pub fn filter_headers(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    let clean = |text: String| text.replace(['\r', '\n'], "");
    headers
        .into_iter()
        .map(|(name, value)| (clean(name), clean(value)))
        .filter(|(name, value)| {
            ALLOWED_HEADERS
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(name.trim()))
                && value.len() <= MAX_HEADER_BYTES
        })
        .map(|(name, value)| (name.trim().to_owned(), value))
        .take(MAX_HEADERS)
        .collect()
}

/// UPLOAD-08: a slot error in words, with the limit or the time to retry
/// when the service gave one.
pub fn explain_error(error: &StanzaError) -> String {
    let app = |name: &str| matches!(&error.app_condition, Some((n, app_ns)) if n == name && app_ns == ns::HTTP_UPLOAD);
    let detail = error.app_detail.as_deref().map(str::trim);
    let mut text = match error.condition {
        StanzaCondition::NotAcceptable if app("file-too-large") => match detail {
            Some(max) if !max.is_empty() => {
                format!("the file is too large for the upload service (at most {max} bytes)")
            }
            _ => "the file is too large for the upload service".to_owned(),
        },
        StanzaCondition::ResourceConstraint => match detail.filter(|_| app("retry")) {
            Some(stamp) if !stamp.is_empty() => {
                format!("your upload quota is used up; try again after {stamp}")
            }
            _ => "your upload quota is used up; try again later".to_owned(),
        },
        StanzaCondition::Forbidden | StanzaCondition::NotAllowed => {
            "the upload service does not allow you to upload".to_owned()
        }
        StanzaCondition::BadRequest => {
            "the upload service refused the request as invalid (a file name it does not take?)"
                .to_owned()
        }
        _ => format!("the upload service refused: {error}"),
    };
    if let Some(said) = error.text.as_deref().filter(|t| !t.trim().is_empty())
        && !text.contains(said)
    {
        text.push_str(&format!(" ({said})"));
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// UPLOAD-03: base name, size, content type.
    #[test]
    fn upload_03_request_names_file_size_and_type() {
        let request = request("très cool.jpg", 23456, Some("image/jpeg"));
        assert!(request.is("request", ns::HTTP_UPLOAD));
        assert_eq!(request.attr("filename"), Some("très cool.jpg"));
        assert_eq!(request.attr("size"), Some("23456"));
        assert_eq!(request.attr("content-type"), Some("image/jpeg"));
        assert!(super::request("a", 1, None).attr("content-type").is_none());
    }

    /// UPLOAD-04, UPLOAD-05: the checklist's slot; only the allowed
    /// headers, without line breaks, in order.
    #[test]
    fn upload_04_05_slot_is_read_and_headers_filtered() {
        let slot = test_xml::parse(
            "<slot xmlns='urn:xmpp:http:upload:0'>\
             <put url='https://upload.example.com/s1/tr%C3%A8s%20cool.jpg'>\
             <header name='Authorization'>Bearer abc</header>\
             <header name='X-Evil'>x</header>\
             <header name='eXpires'>Tue,\n 1</header>\
             <header name='Cookie'>a=b</header><header>nameless</header></put>\
             <get url='https://upload.example.com/s1/tr%C3%A8s%20cool.jpg'/></slot>",
        );
        let slot = parse_slot(Some(&slot)).unwrap();
        assert_eq!(
            slot.put,
            "https://upload.example.com/s1/tr%C3%A8s%20cool.jpg"
        );
        assert_eq!(slot.get, slot.put);
        assert_eq!(
            slot.headers,
            [
                ("Authorization".to_owned(), "Bearer abc".to_owned()),
                ("eXpires".to_owned(), "Tue, 1".to_owned()),
                ("Cookie".to_owned(), "a=b".to_owned()),
            ]
        );
    }

    /// UPLOAD-04: a slot without its URLs, or none at all, is refused.
    #[test]
    fn upload_04_incomplete_slots_are_refused() {
        let no_get =
            test_xml::parse("<slot xmlns='urn:xmpp:http:upload:0'><put url='https://a/b'/></slot>");
        assert_eq!(parse_slot(Some(&no_get)), Err(SlotError::NoUrl("get")));
        assert_eq!(parse_slot(None), Err(SlotError::Missing));
        let long = format!(
            "<slot xmlns='urn:xmpp:http:upload:0'><put url='https://a/{}'/><get url='https://a/b'/></slot>",
            "x".repeat(MAX_URL_BYTES)
        );
        assert_eq!(
            parse_slot(Some(&test_xml::parse(&long))),
            Err(SlotError::TooLong("put"))
        );
    }

    fn error(xml: &str) -> StanzaError {
        StanzaError::from_element(&test_xml::parse(xml))
    }

    /// UPLOAD-08: each slot error says what it means, with the limit or the
    /// retry time.
    #[test]
    fn upload_08_slot_errors_are_explained() {
        let too_large = error(
            "<error xmlns='jabber:client' type='modify'>\
             <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <file-too-large xmlns='urn:xmpp:http:upload:0'><max-file-size>20000</max-file-size></file-too-large></error>",
        );
        assert!(explain_error(&too_large).contains("at most 20000 bytes"));
        let quota = error(
            "<error xmlns='jabber:client' type='wait'>\
             <resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <retry xmlns='urn:xmpp:http:upload:0' stamp='2017-12-03T23:42:05Z'/></error>",
        );
        assert!(explain_error(&quota).contains("after 2017-12-03T23:42:05Z"));
        let forbidden = error(
            "<error xmlns='jabber:client' type='auth'>\
             <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
        );
        assert!(explain_error(&forbidden).contains("does not allow"));
        let bad = error(
            "<error xmlns='jabber:client' type='modify'>\
             <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Invalid filename</text></error>",
        );
        assert!(explain_error(&bad).contains("invalid"));
        assert!(explain_error(&bad).contains("(Invalid filename)"));
    }
}
