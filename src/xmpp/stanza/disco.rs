//! Service discovery (XEP-0030): what an entity is, `disco#info` (§3),
//! with its extended-information forms (XEP-0128, DISCO-13); and its items,
//! `disco#items` (§4), paged with result set management (XEP-0059) as chat
//! services page their room lists (MUC-01, MUC-02).
//!
//! An [`Info`] keeps identities, features and forms as the entity sent
//! them, in order and not deduplicated (a caps hash check must see what
//! was sent), each list and text capped. A form is kept only when it names
//! itself by a hidden `FORM_TYPE` field (DISCO-13).
//!
//! An item is kept when its `jid` is a bare JID (a server's component, a
//! room): items naming a resource or a `node` are no rooms or services and
//! are skipped. Names are capped; ids of a page are opaque.

use jid::BareJid;

use super::data_form::DataForm;
use super::rsm::{Cursor, SetQuery, SetResult};
use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Identities kept from one disco#info result.
pub const MAX_IDENTITIES: usize = 64;
/// Features kept from one disco#info result.
pub const MAX_FEATURES: usize = 512;
/// Extended-information forms kept from one disco#info result.
pub const MAX_FORMS: usize = 16;
/// Longest category, type, language, feature or node kept.
pub const MAX_TOKEN_BYTES: usize = 1024;

/// One `<identity/>` of a disco#info result (XEP-0030 §3.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub category: String,
    /// The identity's `type`.
    pub kind: String,
    /// Its own `xml:lang`, when it has one (DISCO-14).
    pub lang: Option<String>,
    /// Its `name`: for people, never to decide what the entity is
    /// (DISCO-14).
    pub name: Option<String>,
}

/// A disco#info result: what an entity is and speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Info {
    /// The `node` the result names, when it names one (DISCO-02).
    pub node: Option<String>,
    pub identities: Vec<Identity>,
    /// The feature `var`s, in the order sent.
    pub features: Vec<String>,
    /// XEP-0128 forms, each with a hidden `FORM_TYPE` (DISCO-13).
    pub forms: Vec<DataForm>,
}

impl Info {
    /// Whether an identity has this category and type (DISCO-14: never
    /// the name).
    pub fn has_identity(&self, category: &str, kind: &str) -> bool {
        self.identities
            .iter()
            .any(|i| i.category == category && i.kind == kind)
    }

    pub fn has_feature(&self, var: &str) -> bool {
        self.features.iter().any(|f| f == var)
    }

    /// The extended-information form named `form_type` (DISCO-13).
    pub fn form(&self, form_type: &str) -> Option<&DataForm> {
        self.forms
            .iter()
            .find(|form| form.form_type() == Some(form_type))
    }
}

/// The `<query/>` of a disco#info get, of `node` when given.
pub fn info_request(node: Option<&str>) -> Element {
    let query = Element::new("query", ns::DISCO_INFO);
    match node {
        Some(node) => query.with_attr("node", node),
        None => query,
    }
}

fn token(value: &str) -> String {
    cap::cut_owned(value.to_owned(), MAX_TOKEN_BYTES)
}

/// Reads a disco#info result. A result without the query (or with another
/// payload) is an entity with nothing known (DISCO-11); identities without
/// a category or type and features without a `var` are skipped.
pub fn parse_info(query: Option<&Element>) -> Info {
    let Some(query) = query.filter(|q| q.is("query", ns::DISCO_INFO)) else {
        return Info::default();
    };
    let identities = query
        .children_named("identity", ns::DISCO_INFO)
        .filter_map(|identity| {
            Some(Identity {
                category: token(identity.attr("category")?),
                kind: token(identity.attr("type")?),
                lang: identity.lang().map(token),
                name: identity
                    .attr("name")
                    .map(|name| cap::cut_owned(name.to_owned(), cap::MAX_NAME_BYTES)),
            })
        })
        .take(MAX_IDENTITIES)
        .collect();
    let features = query
        .children_named("feature", ns::DISCO_INFO)
        .filter_map(|feature| feature.attr("var"))
        .map(token)
        .take(MAX_FEATURES)
        .collect();
    let forms = query
        .children_named("x", ns::DATA_FORMS)
        .map(DataForm::parse)
        .filter(|form| form.form_type().is_some())
        .take(MAX_FORMS)
        .collect();
    Info {
        node: query.attr("node").map(token),
        identities,
        features,
        forms,
    }
}

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

    /// DISCO-13, DISCO-14, UPLOAD-01: identities with their language and
    /// name, features, and the forms named by a hidden FORM_TYPE; a form
    /// without one is ignored.
    #[test]
    fn info_reads_identities_features_and_named_forms() {
        let query = test_xml::parse(
            "<query xmlns='http://jabber.org/protocol/disco#info' node='n#v'>\
             <identity category='store' type='file' name='Upload'/>\
             <identity category='store' type='file' xml:lang='de' name='Hochladen'/>\
             <identity type='file'/>\
             <feature var='urn:xmpp:http:upload:0'/><feature/>\
             <x xmlns='jabber:x:data' type='result'>\
             <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>\
             <field var='max-file-size'><value>10485760</value></field></x>\
             <x xmlns='jabber:x:data' type='result'>\
             <field var='FORM_TYPE'><value>not-hidden</value></field></x>\
             <x xmlns='jabber:x:data' type='result'><field var='a'><value>b</value></field></x>\
             </query>",
        );
        let info = parse_info(Some(&query));
        assert_eq!(info.node.as_deref(), Some("n#v"));
        assert_eq!(info.identities.len(), 2, "an identity without category");
        assert_eq!(info.identities[1].lang.as_deref(), Some("de"));
        assert_eq!(info.identities[1].name.as_deref(), Some("Hochladen"));
        assert!(info.has_identity("store", "file"));
        assert!(!info.has_identity("conference", "text"));
        assert_eq!(info.features, ["urn:xmpp:http:upload:0"]);
        assert!(info.has_feature("urn:xmpp:http:upload:0"));
        assert_eq!(info.forms.len(), 1);
        let form = info.form("urn:xmpp:http:upload:0").unwrap();
        assert_eq!(form.field("max-file-size").unwrap().values, ["10485760"]);
        assert!(info.form("not-hidden").is_none());
    }

    /// DISCO-11: no query, or another payload, is nothing known; the
    /// lists are capped.
    #[test]
    fn info_is_empty_without_a_query_and_capped() {
        assert_eq!(parse_info(None), Info::default());
        let other = test_xml::parse("<query xmlns='jabber:iq:roster'/>");
        assert_eq!(parse_info(Some(&other)), Info::default());
        let many: String = (0..MAX_FEATURES + 10)
            .map(|i| format!("<feature var='urn:f:{i}'/>"))
            .collect();
        let query = test_xml::parse(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'>{many}</query>"
        ));
        assert_eq!(parse_info(Some(&query)).features.len(), MAX_FEATURES);
    }

    /// DISCO-02: a node asked is named in the request.
    #[test]
    fn info_request_names_the_node() {
        assert_eq!(info_request(Some("x")).attr("node"), Some("x"));
        assert!(info_request(None).attr("node").is_none());
        assert!(info_request(None).is("query", ns::DISCO_INFO));
    }

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
