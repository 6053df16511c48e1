//! Result set management, `http://jabber.org/protocol/rsm` (XEP-0059), as
//! archive queries use it (checklist MAM-05, MAM-06): the `<set/>` that
//! asks for a page (`<max/>`, `<after/>`, `<before/>`) and the `<set/>` that
//! describes the page returned (`<first/>`, `<last/>`, `<count/>`).
//!
//! Ids are opaque (MAM-06): they are compared and sent back, never
//! interpreted. `<index/>` is never sent and a received `index` is not
//! read. Paging decisions are the caller's; this module must not import
//! `crate::app` or `crate::ui`.

use super::{ParseError, expect_element};
use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Where a requested page starts (XEP-0059 §2.2, §2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// The page after this id: paging forwards (MAM-07).
    After(String),
    /// The page before this id: paging backwards (MAM-12).
    Before(String),
    /// An empty `<before/>`: the last page (MAM-09, MAM-14).
    LastPage,
}

/// A request for one page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetQuery {
    /// The most items wanted; the server may send fewer (MAM-06).
    pub max: Option<u32>,
    pub cursor: Option<Cursor>,
}

impl SetQuery {
    /// True when the `<set/>` would be empty, so it need not be sent.
    pub fn is_empty(&self) -> bool {
        self.max.is_none() && self.cursor.is_none()
    }

    /// `<set/>` with `<max/>` first, then the cursor, as in the checklist's
    /// examples.
    pub fn to_element(&self) -> Element {
        let mut set = Element::new("set", ns::RSM);
        if let Some(max) = self.max {
            set.push_child(Element::new("max", ns::RSM).with_text(max.to_string()));
        }
        match &self.cursor {
            Some(Cursor::After(id)) => {
                set.push_child(Element::new("after", ns::RSM).with_text(id.clone()))
            }
            Some(Cursor::Before(id)) => {
                set.push_child(Element::new("before", ns::RSM).with_text(id.clone()))
            }
            Some(Cursor::LastPage) => set.push_child(Element::new("before", ns::RSM)),
            None => {}
        }
        set
    }
}

/// The page a server returned (XEP-0059 §2.6): the ids of its first and
/// last items, and the size of the whole set when the server counted it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetResult {
    pub first: Option<String>,
    pub last: Option<String>,
    /// Optional (MAM-06): don't depend on it.
    pub count: Option<u32>,
}

/// The text of `name` in `set`, as an id: non-empty, and over
/// [`cap::MAX_ID_BYTES`] replaced by a digest. An archive never hands out
/// such ids; if one did, the digest sent back would be answered with
/// `item-not-found`, which the caller handles anyway (MAM-08).
fn id_text(set: &Element, name: &str) -> Option<String> {
    let text = set.child_text(name, ns::RSM)?;
    (!text.is_empty()).then(|| cap::id(text))
}

impl SetResult {
    /// Reads a `<set/>`. Lenient: a missing or unreadable `<count/>` is
    /// `None`, an empty `<first/>` or `<last/>` is absent.
    pub fn parse(element: &Element) -> Result<SetResult, ParseError> {
        expect_element(element, "set", ns::RSM)?;
        Ok(SetResult {
            first: id_text(element, "first"),
            last: id_text(element, "last"),
            count: element
                .child("count", ns::RSM)
                .and_then(|count| count.text().trim().parse().ok()),
        })
    }

    pub fn to_element(&self) -> Element {
        let mut set = Element::new("set", ns::RSM);
        for (name, value) in [("first", &self.first), ("last", &self.last)] {
            if let Some(id) = value {
                set.push_child(Element::new(name, ns::RSM).with_text(id.clone()));
            }
        }
        if let Some(count) = self.count {
            set.push_child(Element::new("count", ns::RSM).with_text(count.to_string()));
        }
        set
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// MAM-02 / MAM-07 / MAM-09 / MAM-12: the checklist's `<set/>`s, byte
    /// for byte.
    #[test]
    fn mam_06_requests() {
        let cases = [
            (
                SetQuery {
                    max: Some(50),
                    cursor: None,
                },
                "<set xmlns='http://jabber.org/protocol/rsm'><max>50</max></set>",
            ),
            (
                SetQuery {
                    max: Some(50),
                    cursor: Some(Cursor::After("A9".into())),
                },
                "<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><after>A9</after></set>",
            ),
            (
                SetQuery {
                    max: Some(50),
                    cursor: Some(Cursor::LastPage),
                },
                "<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set>",
            ),
            (
                SetQuery {
                    max: Some(30),
                    cursor: Some(Cursor::Before("A1".into())),
                },
                "<set xmlns='http://jabber.org/protocol/rsm'><max>30</max><before>A1</before></set>",
            ),
        ];
        for (query, xml) in cases {
            assert!(!query.is_empty());
            assert_eq!(query.to_element().to_xml(), xml);
        }
        assert!(SetQuery::default().is_empty());
    }

    /// MAM-05: the checklist's page description.
    #[test]
    fn mam_05_result() {
        let set = test_xml::parse(
            "<set xmlns='http://jabber.org/protocol/rsm'><first>A1</first><last>A9</last></set>",
        );
        let result = SetResult::parse(&set).unwrap();
        assert_eq!(
            result,
            SetResult {
                first: Some("A1".into()),
                last: Some("A9".into()),
                count: None
            }
        );
        assert_eq!(result.to_element(), set);
    }

    /// MAM-06: count is read when it is a number; index is never read.
    #[test]
    fn mam_06_count_and_index() {
        let set = test_xml::parse(
            "<set xmlns='http://jabber.org/protocol/rsm'><first index='0'>A1</first>\
             <last>A9</last><count> 120 </count></set>",
        );
        let result = SetResult::parse(&set).unwrap();
        assert_eq!(result.count, Some(120));
        assert_eq!(result.first.as_deref(), Some("A1"));
        for bad in ["-1", "lots", "99999999999999999999", ""] {
            let set = test_xml::parse(&format!(
                "<set xmlns='http://jabber.org/protocol/rsm'><count>{bad}</count></set>"
            ));
            assert_eq!(SetResult::parse(&set).unwrap().count, None, "{bad}");
        }
    }

    /// An empty archive's page: no first, no last.
    #[test]
    fn empty_page() {
        let set = test_xml::parse(
            "<set xmlns='http://jabber.org/protocol/rsm'><first/><count>0</count></set>",
        );
        assert_eq!(
            SetResult::parse(&set).unwrap(),
            SetResult {
                first: None,
                last: None,
                count: Some(0)
            }
        );
        assert!(SetResult::parse(&Element::new("set", ns::MAM)).is_err());
    }
}
