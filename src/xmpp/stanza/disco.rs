//! Service discovery items, `http://jabber.org/protocol/disco#items`
//! (XEP-0030 §4), paged with result set management (XEP-0059) as chat
//! services page their room lists (MUC-01, MUC-02).
//!
//! An item is kept when its `jid` is a bare JID (a server's component, a
//! room): items naming a resource or a `node` are no rooms or services and
//! are skipped. Names are capped; ids of a page are opaque.

use jid::BareJid;

use super::rsm::{Cursor, SetQuery, SetResult};
use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// One entry of a disco#items result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoItem {
    pub jid: BareJid,
    /// The item's `name`, when it has one (a room's title).
    pub name: Option<String>,
}

/// One page of a disco#items result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemsPage {
    pub items: Vec<DiscoItem>,
    /// The result set's `<set/>`, when the entity pages (MUC-02).
    pub set: Option<SetResult>,
}

/// The `<query/>` of a disco#items get: the page after `after`, of at
/// most `max` items.
pub fn items_request(after: Option<&str>, max: u32) -> Element {
    let set = SetQuery {
        max: Some(max),
        cursor: after.map(|id| Cursor::After(id.to_owned())),
    };
    Element::new("query", ns::DISCO_ITEMS).with_child(set.to_element())
}

/// Reads a disco#items result: at most `max` items; a result without the
/// query is an empty page.
pub fn parse_items(query: Option<&Element>, max: usize) -> ItemsPage {
    let Some(query) = query.filter(|q| q.is("query", ns::DISCO_ITEMS)) else {
        return ItemsPage::default();
    };
    let items = query
        .children_named("item", ns::DISCO_ITEMS)
        .filter(|item| item.attr("node").is_none())
        .filter_map(|item| {
            let jid = BareJid::new(item.attr("jid")?).ok()?;
            let name = item
                .attr("name")
                .filter(|name| !name.trim().is_empty())
                .map(|name| cap::cut_owned(name.to_owned(), cap::MAX_NAME_BYTES));
            Some(DiscoItem { jid, name })
        })
        .take(max)
        .collect();
    let set = query
        .child("set", ns::RSM)
        .and_then(|set| SetResult::parse(set).ok());
    ItemsPage { items, set }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// MUC-02: the page after a room asks with `<after/>` and a `<max/>`.
    #[test]
    fn request_pages_after_the_last_item() {
        let query = items_request(Some("room9@conference.example.com"), 100);
        assert!(query.is("query", ns::DISCO_ITEMS));
        let set = query.child("set", ns::RSM).unwrap();
        assert_eq!(set.child_text("max", ns::RSM).as_deref(), Some("100"));
        assert_eq!(
            set.child_text("after", ns::RSM).as_deref(),
            Some("room9@conference.example.com")
        );
        let first = items_request(None, 100);
        assert!(
            first
                .child("set", ns::RSM)
                .unwrap()
                .child("after", ns::RSM)
                .is_none()
        );
    }

    /// MUC-01, MUC-02: rooms with names, the page's `<set/>`; items with a
    /// node or a resource are skipped, and the count is capped.
    #[test]
    fn items_are_read_with_names_and_set() {
        let query = test_xml::parse(
            "<query xmlns='http://jabber.org/protocol/disco#items'>\
             <item jid='verona@conference.example.com' name='The feast'/>\
             <item jid='mantua@conference.example.com'/>\
             <item jid='conference.example.com' node='x'/>\
             <item jid='romeo@example.com/phone'/>\
             <set xmlns='http://jabber.org/protocol/rsm'><first>a</first>\
             <last>mantua@conference.example.com</last><count>40</count></set></query>",
        );
        let page = parse_items(Some(&query), 10);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].name.as_deref(), Some("The feast"));
        assert_eq!(page.items[1].name, None);
        let set = page.set.unwrap();
        assert_eq!(set.last.as_deref(), Some("mantua@conference.example.com"));
        assert_eq!(parse_items(Some(&query), 1).items.len(), 1);
        assert_eq!(parse_items(None, 10), ItemsPage::default());
    }
}
