//! Out-of-band data in messages (XEP-0066 `jabber:x:oob`): the link an
//! upload is shared with (UPLOAD-09), and the one a received message
//! carries (UPLOAD-10). Read capped: a URL longer than [`MAX_URL_BYTES`]
//! is no link; the description is cut to [`MAX_DESC_BYTES`]. Which
//! schemes are offered is the app's decision; this is syntax only.

use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Longest URL kept.
pub const MAX_URL_BYTES: usize = 4096;
/// Longest description kept.
pub const MAX_DESC_BYTES: usize = 1024;

/// One `<x xmlns='jabber:x:oob'/>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oob {
    pub url: String,
    pub desc: Option<String>,
}

impl Oob {
    /// The first `<x/>` of `message` with a usable `<url/>`.
    pub fn of(message: &Element) -> Option<Oob> {
        message.children_named("x", ns::OOB).find_map(|x| {
            let url = x.child_text("url", ns::OOB)?;
            let url = url.trim();
            (!url.is_empty() && url.len() <= MAX_URL_BYTES).then(|| Oob {
                url: url.to_owned(),
                desc: x
                    .child_text("desc", ns::OOB)
                    .filter(|desc| !desc.trim().is_empty())
                    .map(|desc| cap::cut_owned(desc, MAX_DESC_BYTES)),
            })
        })
    }

    pub fn to_element(&self) -> Element {
        let mut x = Element::new("x", ns::OOB)
            .with_child(Element::new("url", ns::OOB).with_text(self.url.clone()));
        if let Some(desc) = &self.desc {
            x.push_child(Element::new("desc", ns::OOB).with_text(desc.clone()));
        }
        x
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// UPLOAD-09, UPLOAD-10: a link with its description, read back from
    /// what we write; an empty or overlong URL is none.
    #[test]
    fn upload_09_10_oob_round_trip_and_caps() {
        let oob = Oob {
            url: "https://upload.example.net/x/a.png".into(),
            desc: Some("a picture".into()),
        };
        let message = Element::new("message", ns::CLIENT).with_child(oob.to_element());
        assert_eq!(Oob::of(&message), Some(oob));
        let empty = test_xml::parse(
            "<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url> </url></x></message>",
        );
        assert_eq!(Oob::of(&empty), None);
        let long = format!(
            "<message xmlns='jabber:client'><x xmlns='jabber:x:oob'><url>https://a/{}</url></x></message>",
            "x".repeat(MAX_URL_BYTES)
        );
        assert_eq!(Oob::of(&test_xml::parse(&long)), None);
    }
}
