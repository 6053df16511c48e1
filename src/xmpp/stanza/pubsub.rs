//! Publish-subscribe as a personal eventing service uses it (XEP-0060,
//! XEP-0163 PEP, XEP-0223 private PEP data; checklist §11 PEP and
//! BOOKMARKS-18..21): the items get, a publish with `<publish-options/>`, a
//! retract with `notify`, reading an items result, and reading the
//! notifications (`<event/>`: items, retractions, purge, delete). Generic
//! over the node and its payload, which stay [`Element`]s for the payload's
//! own module (`bookmarks.rs`) to read.
//!
//! Syntax only: who may send an event (PEP-05, BOOKMARKS-21) and what to do
//! with it belong to the session and `crate::app`, which this module must
//! not import.

use super::{ParseError, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::error::{StanzaCondition, StanzaError};
use crate::xmpp::ns;

/// One item of a node: its id and its payload (the item's first child
/// element). A notification's item may come without either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: Option<String>,
    pub payload: Option<Element>,
}

impl Item {
    fn parse(element: &Element) -> Item {
        Item {
            id: element.attr("id").map(str::to_owned),
            payload: element.children().next().cloned(),
        }
    }

    fn to_element(&self, item_ns: &'static str) -> Element {
        let mut item = Element::new("item", item_ns).with_opt_attr("id", self.id.as_deref());
        if let Some(payload) = &self.payload {
            item.push_child(payload.clone());
        }
        item
    }
}

/// The items a result or a notification carried, at most the number the
/// caller allowed; `truncated` when more came and were dropped (a hostile
/// server must not fill memory with items).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Items {
    pub items: Vec<Item>,
    pub truncated: bool,
}

/// The node configuration a publish demands (XEP-0060 §7.1.5): fields of
/// the `http://jabber.org/protocol/pubsub#publish-options` form, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishOptions {
    pub fields: Vec<(String, String)>,
}

impl PublishOptions {
    /// XEP-0223 §3 (BOOKMARKS-19): what private data needs at the least.
    pub fn private() -> PublishOptions {
        PublishOptions::default()
            .with("pubsub#persist_items", "true")
            .with("pubsub#access_model", "whitelist")
    }

    /// Adds one field.
    pub fn with(mut self, var: &str, value: &str) -> PublishOptions {
        self.fields.push((var.to_owned(), value.to_owned()));
        self
    }

    fn to_element(&self) -> Element {
        let mut form = Element::new("x", ns::DATA_FORMS)
            .with_attr("type", "submit")
            .with_child(field("FORM_TYPE", ns::PUBSUB_PUBLISH_OPTIONS).with_attr("type", "hidden"));
        for (var, value) in &self.fields {
            form.push_child(field(var, value));
        }
        Element::new("publish-options", ns::PUBSUB).with_child(form)
    }
}

/// A `<field var><value/></field>` of a submitted form.
fn field(var: &str, value: &str) -> Element {
    Element::new("field", ns::DATA_FORMS)
        .with_attr("var", var)
        .with_child(Element::new("value", ns::DATA_FORMS).with_text(value))
}

/// XEP-0060 §6.5 (PEP-08, BOOKMARKS-02): every item of `node`; sent
/// without `to` for our own service.
pub fn items_request(node: &str) -> Element {
    Element::new("pubsub", ns::PUBSUB)
        .with_child(Element::new("items", ns::PUBSUB).with_attr("node", node))
}

/// XEP-0060 §7.1 (PEP-06, BOOKMARKS-05): publishes `item` to `node`,
/// demanding `options` when given (PEP-07).
pub fn publish(node: &str, item: &Item, options: Option<&PublishOptions>) -> Element {
    let mut pubsub = Element::new("pubsub", ns::PUBSUB).with_child(
        Element::new("publish", ns::PUBSUB)
            .with_attr("node", node)
            .with_child(item.to_element(ns::PUBSUB)),
    );
    if let Some(options) = options {
        pubsub.push_child(options.to_element());
    }
    pubsub
}

/// XEP-0060 §7.2 (BOOKMARKS-07): deletes item `id` from `node`; with
/// `notify`, subscribers hear of it.
pub fn retract(node: &str, id: &str, notify: bool) -> Element {
    let mut retract = Element::new("retract", ns::PUBSUB).with_attr("node", node);
    if notify {
        retract.set_attr("notify", "true");
    }
    retract.push_child(Element::new("item", ns::PUBSUB).with_attr("id", id));
    Element::new("pubsub", ns::PUBSUB).with_child(retract)
}

/// Reads an items result (`<pubsub><items node/></pubsub>`) for `node`,
/// keeping at most `cap` items. Items of another node are an error: the
/// answer is not to our question.
pub fn parse_items(pubsub: &Element, node: &str, cap: usize) -> Result<Items, ParseError> {
    if !pubsub.is("pubsub", ns::PUBSUB) {
        return Err(ParseError::Invalid(format!(
            "expected a pubsub result, got <{}/>",
            quoted(pubsub.name())
        )));
    }
    let Some(items) = pubsub.child("items", ns::PUBSUB) else {
        return Ok(Items::default());
    };
    match items.attr("node") {
        Some(got) if got == node => {}
        Some(got) => {
            return Err(ParseError::Invalid(format!(
                "items of node {} instead of {}",
                quoted(got),
                quoted(node)
            )));
        }
        None => return Err(ParseError::MissingAttribute("node")),
    }
    Ok(collect(items.children_named("item", ns::PUBSUB), cap))
}

fn collect<'a>(items: impl Iterator<Item = &'a Element>, cap: usize) -> Items {
    let mut out = Items::default();
    for item in items {
        if out.items.len() == cap {
            out.truncated = true;
            break;
        }
        out.items.push(Item::parse(item));
    }
    out
}

/// What a notification says happened to a node (XEP-0060 §7.1.2, §7.2.2,
/// §8.4.2, §8.5.2; PEP-03).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Items published (or sent again as the last item, PEP-04) and item
    /// ids retracted, in one `<items/>`.
    Items {
        items: Items,
        retracted: Vec<String>,
    },
    /// Every item was deleted.
    Purge,
    /// The node was deleted.
    Delete,
}

/// A notification from a pubsub service: the node and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub node: String,
    pub kind: EventKind,
}

/// True when `message` carries a pubsub notification: then it is that and
/// never a chat message (PEP-03), whether or not it reads.
pub fn is_event(message: &Element) -> bool {
    message.has_child("event", ns::PUBSUB_EVENT)
}

/// Reads the `<event/>` of a notification message, keeping at most `cap`
/// items and `cap` retractions.
pub fn parse_event(message: &Element, cap: usize) -> Result<Event, ParseError> {
    let event = message
        .child("event", ns::PUBSUB_EVENT)
        .ok_or_else(|| ParseError::Invalid("no pubsub <event/>".into()))?;
    let Some(what) = event.children().next() else {
        return Err(ParseError::Invalid("an empty pubsub <event/>".into()));
    };
    let node = what
        .attr("node")
        .ok_or(ParseError::MissingAttribute("node"))?
        .to_owned();
    let kind = match what.name() {
        "items" if what.ns() == ns::PUBSUB_EVENT => {
            let items = collect(what.children_named("item", ns::PUBSUB_EVENT), cap);
            let mut retracted = Vec::new();
            for retract in what.children_named("retract", ns::PUBSUB_EVENT) {
                if retracted.len() == cap {
                    break;
                }
                let id = retract
                    .attr("id")
                    .ok_or(ParseError::MissingAttribute("id"))?;
                retracted.push(id.to_owned());
            }
            EventKind::Items { items, retracted }
        }
        "purge" if what.ns() == ns::PUBSUB_EVENT => EventKind::Purge,
        "delete" if what.ns() == ns::PUBSUB_EVENT => EventKind::Delete,
        other => {
            return Err(ParseError::Invalid(format!(
                "an unknown pubsub event <{}/>",
                quoted(other)
            )));
        }
    };
    Ok(Event { node, kind })
}

/// BOOKMARKS-08, PEP-07: a publish refused because the node exists with
/// another configuration than the options demanded: `conflict` with
/// `<precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>`.
pub fn is_precondition_not_met(error: &StanzaError) -> bool {
    error.condition == StanzaCondition::Conflict
        && error
            .app_condition
            .as_ref()
            .is_some_and(|(name, ns)| name == "precondition-not-met" && ns == ns::PUBSUB_ERRORS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::xmpp::stanza::iq::Iq;
    use crate::xmpp::stanza::test_xml;

    /// BOOKMARKS-02, PEP-08: the items get for our own node.
    #[test]
    fn bookmarks_02_items_request() {
        let mut iq = Iq::get(items_request(ns::BOOKMARKS));
        iq.id = "bm1".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='get' id='bm1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:bookmarks:1'/></pubsub></iq>"
        );
    }

    /// BOOKMARKS-07: retract by id with notify.
    #[test]
    fn bookmarks_07_retract_with_notify() {
        let mut iq = Iq::set(retract(
            ns::BOOKMARKS,
            "verona@conference.example.com",
            true,
        ));
        iq.id = "bm3".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='set' id='bm3'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <retract node='urn:xmpp:bookmarks:1' notify='true'>\
             <item id='verona@conference.example.com'/></retract></pubsub></iq>"
        );
    }

    /// BOOKMARKS-19: private data demands persistence and a whitelist.
    #[test]
    fn bookmarks_19_private_publish_options() {
        let item = Item {
            id: Some("current".into()),
            payload: Some(Element::new("data", "urn:example:private")),
        };
        let xml = publish(
            "urn:example:private",
            &item,
            Some(&PublishOptions::private()),
        )
        .to_xml();
        assert_eq!(
            xml,
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='urn:example:private'><item id='current'>\
             <data xmlns='urn:example:private'/></item></publish>\
             <publish-options><x xmlns='jabber:x:data' type='submit'>\
             <field var='FORM_TYPE' type='hidden'>\
             <value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
             <field var='pubsub#persist_items'><value>true</value></field>\
             <field var='pubsub#access_model'><value>whitelist</value></field>\
             </x></publish-options></pubsub>"
        );
    }

    /// BOOKMARKS-20, BOOKMARKS-03: an items result is every item with its
    /// payload; a result for another node is refused; an empty result is
    /// no items.
    #[test]
    fn bookmarks_20_items_result() {
        let pubsub = test_xml::parse(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'>\
             <item id='a@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1'/></item>\
             <item id='b@conference.example.com'/></items></pubsub>",
        );
        let items = parse_items(&pubsub, ns::BOOKMARKS, 10).unwrap();
        assert_eq!(items.items.len(), 2);
        assert!(!items.truncated);
        assert_eq!(
            items.items[0].id.as_deref(),
            Some("a@conference.example.com")
        );
        assert!(
            items.items[0]
                .payload
                .as_ref()
                .unwrap()
                .is("conference", ns::BOOKMARKS)
        );
        assert_eq!(items.items[1].payload, None);
        assert!(parse_items(&pubsub, "urn:example:other", 10).is_err());
        let empty = test_xml::parse("<pubsub xmlns='http://jabber.org/protocol/pubsub'/>");
        assert_eq!(parse_items(&empty, ns::BOOKMARKS, 10), Ok(Items::default()));
    }

    /// A hostile service's flood of items is cut at the cap, and says so.
    #[test]
    fn items_beyond_the_cap_are_dropped() {
        let mut xml =
            String::from("<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'>");
        for i in 0..50 {
            xml.push_str(&format!("<item id='{i}'/>"));
        }
        xml.push_str("</items></pubsub>");
        let items = parse_items(&test_xml::parse(&xml), "n", 20).unwrap();
        assert_eq!(items.items.len(), 20);
        assert!(items.truncated);
    }

    /// PEP-03, BOOKMARKS-10: items, retractions, purge and delete.
    #[test]
    fn pep_03_events() {
        let message = test_xml::parse(
            "<message from='juliet@example.com' type='headline'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'>\
             <retract id='verona@conference.example.com'/></items></event></message>",
        );
        assert!(is_event(&message));
        let event = parse_event(&message, 10).unwrap();
        assert_eq!(event.node, ns::BOOKMARKS);
        assert_eq!(
            event.kind,
            EventKind::Items {
                items: Items::default(),
                retracted: vec!["verona@conference.example.com".into()]
            }
        );
        let published = test_xml::parse(
            "<message from='romeo@example.net' type='headline'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:example:tune'>\
             <item id='current'><tune xmlns='urn:example:tune'/></item></items></event></message>",
        );
        let Event { node, kind } = parse_event(&published, 10).unwrap();
        assert_eq!(node, "urn:example:tune");
        let EventKind::Items { items, retracted } = kind else {
            panic!()
        };
        assert_eq!(items.items[0].id.as_deref(), Some("current"));
        assert!(retracted.is_empty());
        for (what, kind) in [("purge", EventKind::Purge), ("delete", EventKind::Delete)] {
            let message = test_xml::parse(&format!(
                "<message><event xmlns='http://jabber.org/protocol/pubsub#event'>\
                 <{what} node='urn:xmpp:bookmarks:1'/></event></message>"
            ));
            assert_eq!(parse_event(&message, 10).unwrap().kind, kind);
        }
        let chat = test_xml::parse("<message><body>hi</body></message>");
        assert!(!is_event(&chat));
        let broken = test_xml::parse(
            "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items/></event></message>",
        );
        assert_eq!(
            parse_event(&broken, 10),
            Err(ParseError::MissingAttribute("node"))
        );
    }

    /// BOOKMARKS-08: conflict + precondition-not-met is recognised; a bare
    /// conflict is not.
    #[test]
    fn bookmarks_08_precondition_not_met() {
        let iq = Iq::parse(&test_xml::parse(
            "<iq type='error' id='bm2'><error type='cancel'>\
             <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>\
             </error></iq>",
        ))
        .unwrap();
        assert!(is_precondition_not_met(&iq.error.unwrap()));
        let plain = StanzaError::new(
            crate::xmpp::error::ErrorType::Cancel,
            StanzaCondition::Conflict,
        );
        assert!(!is_precondition_not_met(&plain));
    }

    /// PEP-06, PEP-07: a publish goes to our own PEP service (no `to`),
    /// with publish-options when the node's configuration matters.
    #[test]
    fn pep_06_07_publish_to_our_own_service_with_options() {
        let item = Item {
            id: Some("verona@conference.example.com".into()),
            payload: Some(Element::new("conference", ns::BOOKMARKS)),
        };
        let mut iq = Iq::set(publish(
            ns::BOOKMARKS,
            &item,
            Some(&PublishOptions::private()),
        ));
        iq.id = "pp1".into();
        let xml = iq.to_element().to_xml();
        assert!(
            xml.starts_with(
                "<iq type='set' id='pp1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
                 <publish node='urn:xmpp:bookmarks:1'>"
            ),
            "{xml}"
        );
        assert!(xml.contains("<publish-options>"), "{xml}");
        let bare = publish(ns::BOOKMARKS, &item, None).to_xml();
        assert!(!bare.contains("publish-options"), "{bare}");
    }
}
