//! The wire form of privacy lists (XEP-0016 §2; PRIV-02..19): each item as
//! an `<item/>` element and back, the get and set payloads, and reading the
//! names result, a list result and a push. Reading is strict per item (see
//! the parent module). Which item applies to a stanza is `matching`'s job.

use super::{ItemType, ListNames, ParseError, PrivacyItem, PrivacyList, StanzaKinds, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

impl StanzaKinds {
    /// The child element names in the order we write them.
    fn names(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.message, "message"),
            (self.iq, "iq"),
            (self.presence_in, "presence-in"),
            (self.presence_out, "presence-out"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
    }
}

impl PrivacyItem {
    /// Reads one `<item/>`. `action` and `order` are required; a `type`
    /// needs a `value`. Unknown children are ignored.
    pub fn parse(item: &Element) -> Result<PrivacyItem, ParseError> {
        let kind = item.attr("type").map(str::parse::<ItemType>).transpose()?;
        let value = item.attr("value").map(str::to_owned);
        if let (Some(kind), None) = (kind, &value) {
            return Err(ParseError::Invalid(format!(
                "privacy item of type {kind} has no value"
            )));
        }
        let action = item
            .attr("action")
            .ok_or(ParseError::MissingAttribute("action"))?
            .parse()?;
        let order = item
            .attr("order")
            .ok_or(ParseError::MissingAttribute("order"))?;
        // xs:unsignedInt is exactly u32; whitespace around it is collapsed
        // by the schema type, so tolerate it.
        let order = order.trim().parse::<u32>().map_err(|_| {
            ParseError::Invalid(format!(
                "privacy item order {:?} is not an unsigned 32-bit number",
                quoted(order)
            ))
        })?;
        let has = |name: &str| item.has_child(name, ns::PRIVACY);
        Ok(PrivacyItem {
            kind,
            value,
            action,
            order,
            stanzas: StanzaKinds {
                message: has("message"),
                iq: has("iq"),
                presence_in: has("presence-in"),
                presence_out: has("presence-out"),
            },
        })
    }

    /// The `<item/>` element, attributes in the checklist's order (`type`,
    /// `value`, `action`, `order`) and no children for "every kind".
    pub fn to_element(&self) -> Element {
        let mut element = Element::new("item", ns::PRIVACY)
            .with_opt_attr("type", self.kind.map(ItemType::as_str))
            .with_opt_attr("value", self.value.clone())
            .with_attr("action", self.action.as_str())
            .with_attr("order", self.order.to_string());
        for name in self.stanzas.names() {
            element.push_child(Element::new(name, ns::PRIVACY));
        }
        element
    }
}

pub(super) fn query() -> Element {
    Element::new("query", ns::PRIVACY)
}

fn named(element: &str, name: Option<&str>) -> Element {
    query().with_child(Element::new(element, ns::PRIVACY).with_opt_attr("name", name))
}

/// PRIV-02: the empty query that asks for the list names.
pub fn get_names() -> Element {
    query()
}

/// PRIV-03: asks for one list; never several in one request.
pub fn get_list(name: &str) -> Element {
    named("list", Some(name))
}

/// PRIV-09, PRIV-10: creates or replaces `list` with every item, in order.
/// The caller runs [`PrivacyList::validate`] first: an empty list here would
/// delete it (PRIV-11).
pub fn set_list(list: &PrivacyList) -> Element {
    let mut items: Vec<&PrivacyItem> = list.items.iter().collect();
    items.sort_by_key(|item| item.order);
    let mut element = Element::new("list", ns::PRIVACY).with_attr("name", list.name.clone());
    for item in items {
        element.push_child(item.to_element());
    }
    query().with_child(element)
}

/// PRIV-13: an empty `<list name/>` removes the list.
pub fn remove_list(name: &str) -> Element {
    named("list", Some(name))
}

/// PRIV-14: makes `name` active for this session; `None` declines any
/// active list (PRIV-15).
pub fn set_active(name: Option<&str>) -> Element {
    named("active", name)
}

/// PRIV-16: makes `name` the account's default; `None` declines the
/// default (PRIV-17).
pub fn set_default(name: Option<&str>) -> Element {
    named("default", name)
}

fn expect_query(query: &Element) -> Result<(), ParseError> {
    if query.is("query", ns::PRIVACY) {
        Ok(())
    } else {
        Err(ParseError::Invalid(format!(
            "expected <query/> in {}, got <{}/> in {}",
            ns::PRIVACY,
            quoted(query.name()),
            quoted(query.ns())
        )))
    }
}

/// The one `<list/>` a list result or push holds.
fn only_list<'a>(query: &'a Element, what: &str) -> Result<&'a Element, ParseError> {
    expect_query(query)?;
    let mut lists = query.children_named("list", ns::PRIVACY);
    match (lists.next(), lists.next()) {
        (Some(list), None) => Ok(list),
        _ => Err(ParseError::Invalid(format!(
            "a privacy {what} must hold exactly one list, not {}",
            query.children_named("list", ns::PRIVACY).count()
        ))),
    }
}

/// Reads the answer to [`get_names`] (PRIV-02). A nameless `<active/>` or
/// `<default/>` reads as none; nameless `<list/>` entries are skipped.
pub fn parse_names(query: &Element) -> Result<ListNames, ParseError> {
    expect_query(query)?;
    let marker = |element: &str| {
        query
            .child(element, ns::PRIVACY)
            .and_then(|e| e.attr("name"))
            .map(str::to_owned)
    };
    let mut lists = Vec::new();
    for list in query.children_named("list", ns::PRIVACY) {
        match list.attr("name") {
            Some(name) => lists.push(name.to_owned()),
            None => tracing::warn!("privacy list names: skipping a <list/> without a name"),
        }
    }
    Ok(ListNames {
        active: marker("active"),
        default: marker("default"),
        lists,
    })
}

/// Reads the answer to [`get_list`] (PRIV-03, PRIV-05): exactly one named
/// list. Items come back sorted by order (stable, so duplicates keep their
/// document order). Any bad item makes the whole list an error, since
/// dropping it would delete it on the next save.
pub fn parse_list(query: &Element) -> Result<PrivacyList, ParseError> {
    let list = only_list(query, "list result")?;
    let name = list
        .attr("name")
        .ok_or(ParseError::MissingAttribute("name"))?
        .to_owned();
    let mut items = list
        .children_named("item", ns::PRIVACY)
        .map(PrivacyItem::parse)
        .collect::<Result<Vec<_>, _>>()?;
    items.sort_by_key(|item| item.order);
    Ok(PrivacyList { name, items })
}

/// Reads a privacy push (PRIV-19): the name of the list that changed. The
/// push carries no items; the caller answers with a result, checks the
/// sender (PRIV-21) and refetches the list if it is in force (PRIV-20).
pub fn parse_push(query: &Element) -> Result<String, ParseError> {
    let list = only_list(query, "push")?;
    list.attr("name")
        .map(str::to_owned)
        .ok_or(ParseError::MissingAttribute("name"))
}
