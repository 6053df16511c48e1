//! Privacy lists, `<query xmlns='jabber:iq:privacy'/>` (RFC 3921 §10
//! "Blocking Communication", copied word for word into XEP-0016 v1.4;
//! checklist §8, PRIV-01..26): building the get and set payloads, reading
//! names, lists and pushes, checking a list before it is sent, and matching
//! a JID against a list the way the server does.
//!
//! Syntax and pure list logic only. Which list is in force, what a push
//! means for the store and how errors reach the user belong to
//! `crate::app`; this module must not import it, nor `crate::ui`.
//!
//! Reading is strict per item, unlike the roster: an edit sends the whole
//! list back (PRIV-09), so a silently dropped item would be deleted on the
//! next save. A list with a bad item is an error the caller shows.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use jid::Jid;

use super::{ParseError, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// The longest list name [`PrivacyList::validate`] accepts, in bytes. The
/// protocol sets no limit; this is the JID part limit, so a name always fits
/// what servers store.
pub const MAX_NAME_BYTES: usize = 1023;

/// The `type` attribute of an item (PRIV-05). An item without one is the
/// fall-through item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemType {
    Jid,
    Group,
    Subscription,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Jid => "jid",
            ItemType::Group => "group",
            ItemType::Subscription => "subscription",
        }
    }
}

impl FromStr for ItemType {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jid" => Ok(ItemType::Jid),
            "group" => Ok(ItemType::Group),
            "subscription" => Ok(ItemType::Subscription),
            other => Err(ParseError::Invalid(format!(
                "unknown privacy item type {:?}",
                quoted(other)
            ))),
        }
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The required `action` attribute of an item (PRIV-05).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrivacyAction {
    Allow,
    Deny,
}

impl PrivacyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PrivacyAction::Allow => "allow",
            PrivacyAction::Deny => "deny",
        }
    }
}

impl FromStr for PrivacyAction {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(PrivacyAction::Allow),
            "deny" => Ok(PrivacyAction::Deny),
            other => Err(ParseError::Invalid(format!(
                "unknown privacy item action {:?}",
                quoted(other)
            ))),
        }
    }
}

impl fmt::Display for PrivacyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stanza kinds an item covers: its `<message/>`, `<iq/>`,
/// `<presence-in/>` and `<presence-out/>` children (PRIV-05).
///
/// All false (no children) means *every* kind, subscription presence
/// included. That is broader than all four true, because `presence-in`
/// covers presence notifications only, not subscription requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StanzaKinds {
    pub message: bool,
    pub iq: bool,
    pub presence_in: bool,
    pub presence_out: bool,
}

impl StanzaKinds {
    /// True when the item has no children and so applies to every stanza.
    pub fn is_all(&self) -> bool {
        !(self.message || self.iq || self.presence_in || self.presence_out)
    }

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

/// The four kinds of stanza an item can name (PRIV-05). Subscription
/// presence has no kind of its own: only an item without children covers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StanzaKind {
    /// Messages, inbound and outbound alike.
    Message,
    Iq,
    /// Presence notifications coming to us.
    PresenceIn,
    /// Presence notifications we send.
    PresenceOut,
}

impl StanzaKinds {
    /// True when the item applies to stanzas of `kind`: it names that kind,
    /// or names none and so covers all.
    pub fn covers(&self, kind: StanzaKind) -> bool {
        self.is_all()
            || match kind {
                StanzaKind::Message => self.message,
                StanzaKind::Iq => self.iq,
                StanzaKind::PresenceIn => self.presence_in,
                StanzaKind::PresenceOut => self.presence_out,
            }
    }
}

/// One `<item/>` of a list (PRIV-05, PRIV-06).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacyItem {
    /// `None` is the fall-through item: it matches everyone (PRIV-08).
    pub kind: Option<ItemType>,
    /// A JID, a roster group or a subscription state, as `kind` says. Kept
    /// as text so a list the server holds can be shown and re-sent exactly.
    pub value: Option<String>,
    pub action: PrivacyAction,
    /// Unique within the list (PRIV-07); the lowest matching order decides.
    pub order: u32,
    pub stanzas: StanzaKinds,
}

impl PrivacyItem {
    /// A fall-through item covering every stanza kind.
    pub fn fall_through(action: PrivacyAction, order: u32) -> PrivacyItem {
        PrivacyItem {
            kind: None,
            value: None,
            action,
            order,
            stanzas: StanzaKinds::default(),
        }
    }

    /// A `type='jid'` item covering every stanza kind.
    pub fn for_jid(jid: &Jid, action: PrivacyAction, order: u32) -> PrivacyItem {
        PrivacyItem {
            kind: Some(ItemType::Jid),
            value: Some(jid.to_string()),
            ..PrivacyItem::fall_through(action, order)
        }
    }

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

    /// True when the server would apply this item to a stanza from or to
    /// `jid` (PRIV-06), given that contact's roster `groups` and
    /// `subscription` (`"none"` for someone outside the roster). Stanza
    /// kinds are not considered: the caller decides which kinds it cares
    /// about. A `value` that does not parse matches nothing.
    ///
    /// Used to tell the user "blocked by your privacy list" (PRIV-22) and to
    /// mark roster contacts.
    pub fn matches(&self, jid: &Jid, groups: &[String], subscription: &str) -> bool {
        let Some(kind) = self.kind else {
            return true;
        };
        let Some(value) = self.value.as_deref() else {
            return false;
        };
        match kind {
            ItemType::Jid => Jid::new(value).is_ok_and(|entry| jid_matches(&entry, jid)),
            ItemType::Group => groups.iter().any(|group| group == value),
            ItemType::Subscription => value == subscription,
        }
    }
}

/// True when a `type='jid'` entry covers `candidate`, by the four forms of
/// PRIV-06 (RFC 3921 §10): a full entry matches only that resource, a bare
/// one every resource of the account, `domain/resource` that resource at
/// any address of the domain, and a domain the domain and every address in
/// it. Subdomains are not included: ejabberd and Prosody compare the domain
/// exactly. Also the XEP-0191 blocklist rule (BLK-07).
pub fn jid_matches(entry: &Jid, candidate: &Jid) -> bool {
    if entry.domain().as_str() != candidate.domain().as_str() {
        return false;
    }
    let node_ok = match entry.node() {
        None => true,
        Some(node) => candidate.node().map(|n| n.as_str()) == Some(node.as_str()),
    };
    let resource_ok = match entry.resource() {
        None => true,
        Some(resource) => candidate.resource().map(|r| r.as_str()) == Some(resource.as_str()),
    };
    node_ok && resource_ok
}

/// One privacy list with its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacyList {
    pub name: String,
    /// Sorted by `order` once parsed.
    pub items: Vec<PrivacyItem>,
}

impl PrivacyList {
    /// Everything wrong with the list before it is sent (PRIV-06, PRIV-07,
    /// PRIV-08, PRIV-11), list-wide problems first, then by item order.
    /// Problems with [`Problem::is_warning`] may be sent anyway; the rest
    /// would be refused by the server or do something the user did not
    /// mean.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.len() > MAX_NAME_BYTES {
            problems.push(Problem::BadName);
        }
        if self.items.is_empty() {
            problems.push(Problem::Empty);
            return problems;
        }
        let mut sorted: Vec<&PrivacyItem> = self.items.iter().collect();
        sorted.sort_by_key(|item| item.order);
        for pair in sorted.windows(2) {
            let order = pair[1].order;
            if pair[0].order == order && problems.last() != Some(&Problem::DuplicateOrder(order)) {
                problems.push(Problem::DuplicateOrder(order));
            }
        }
        let last = sorted.len() - 1;
        for (index, item) in sorted.iter().enumerate() {
            if let Some(problem) = item_problem(item) {
                problems.push(problem);
            }
            if item.kind.is_none() && item.value.is_none() && index != last {
                problems.push(Problem::FallThroughNotLast(item.order));
            }
        }
        problems
    }

    /// Sorts by order, then renumbers 10, 20, 30… keeping the relative
    /// order, so a new item fits between any two (PRIV-07).
    pub fn renumber(&mut self) {
        self.items.sort_by_key(|item| item.order);
        for (index, item) in self.items.iter_mut().enumerate() {
            let step = u32::try_from(index + 1).unwrap_or(u32::MAX);
            item.order = step.saturating_mul(10);
        }
    }

    /// The simplest list for "block these" (in the spirit of PRIV-24): one
    /// deny item per JID for every stanza kind, then a fall-through allow
    /// last (PRIV-08), so nobody else is affected. Repeated JIDs are written
    /// once.
    pub fn deny_jid(name: &str, jids: &[Jid]) -> PrivacyList {
        let mut seen: HashSet<&Jid> = HashSet::new();
        let mut items: Vec<PrivacyItem> = jids
            .iter()
            .filter(|jid| seen.insert(*jid))
            .map(|jid| PrivacyItem::for_jid(jid, PrivacyAction::Deny, 0))
            .collect();
        items.push(PrivacyItem::fall_through(PrivacyAction::Allow, 0));
        let mut list = PrivacyList {
            name: name.to_owned(),
            items,
        };
        list.renumber();
        list
    }

    /// The item that decides for a stanza of `kind` from or to `jid`: the
    /// item with the lowest order that covers `kind` and matches (see
    /// [`PrivacyItem::matches`]). Items for other kinds are skipped, as the
    /// server skips them (XEP-0016 §2.1; PRIV-22). `None` means no item
    /// matched, and the server then allows (PRIV-08).
    pub fn first_match(
        &self,
        kind: StanzaKind,
        jid: &Jid,
        groups: &[String],
        subscription: &str,
    ) -> Option<&PrivacyItem> {
        // min_by_key keeps the first of equal orders, so an unsorted list
        // (one being edited) still gives the server's answer.
        self.items
            .iter()
            .filter(|item| item.stanzas.covers(kind) && item.matches(jid, groups, subscription))
            .min_by_key(|item| item.order)
    }
}

/// The one thing wrong with an item on its own, if any (PRIV-06).
fn item_problem(item: &PrivacyItem) -> Option<Problem> {
    let order = item.order;
    let Some(kind) = item.kind else {
        return item
            .value
            .is_some()
            .then_some(Problem::ValueWithoutType(order));
    };
    let Some(value) = item.value.as_deref() else {
        return Some(Problem::MissingValue(order));
    };
    match kind {
        ItemType::Jid if Jid::new(value).is_err() => Some(Problem::BadJid {
            order,
            value: value.to_owned(),
        }),
        ItemType::Subscription if !matches!(value, "both" | "to" | "from" | "none") => {
            Some(Problem::BadSubscription {
                order,
                value: value.to_owned(),
            })
        }
        ItemType::Group if value.is_empty() => Some(Problem::EmptyGroup(order)),
        _ => None,
    }
}

/// Something [`PrivacyList::validate`] found; the numbers are item orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// PRIV-11: sending a list without items deletes it.
    Empty,
    /// PRIV-07: the server answers `bad-request`.
    DuplicateOrder(u32),
    /// A typed item without a `value`.
    MissingValue(u32),
    BadJid {
        order: u32,
        value: String,
    },
    /// PRIV-06: only `both`, `to`, `from` and `none`.
    BadSubscription {
        order: u32,
        value: String,
    },
    EmptyGroup(u32),
    /// A `value` without a `type`: the item would match everyone.
    ValueWithoutType(u32),
    /// PRIV-08: items after the fall-through never apply. A warning.
    FallThroughNotLast(u32),
    /// Empty, or longer than [`MAX_NAME_BYTES`].
    BadName,
}

impl Problem {
    /// True for problems the list may still be sent with.
    pub fn is_warning(&self) -> bool {
        matches!(self, Problem::FallThroughNotLast(_))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str(
                "The list has no rules, and saving an empty list deletes it. Add a rule or delete the list.",
            ),
            Problem::DuplicateOrder(order) => write!(
                f,
                "More than one rule has order {order}. Each rule needs its own number."
            ),
            Problem::MissingValue(order) => {
                write!(f, "Rule {order} has a type but no value.")
            }
            Problem::BadJid { order, value } => {
                write!(f, "Rule {order}: {:?} is not a valid JID.", quoted(value))
            }
            Problem::BadSubscription { order, value } => write!(
                f,
                "Rule {order}: {:?} is not a subscription state. Use both, to, from or none.",
                quoted(value)
            ),
            Problem::EmptyGroup(order) => write!(f, "Rule {order} names an empty group."),
            Problem::ValueWithoutType(order) => write!(
                f,
                "Rule {order} has a value but no type, so it would match everyone."
            ),
            Problem::FallThroughNotLast(order) => write!(
                f,
                "Rule {order} matches everyone, so the rules after it never apply. Move it last."
            ),
            Problem::BadName => write!(
                f,
                "A list name must be between 1 and {MAX_NAME_BYTES} bytes long."
            ),
        }
    }
}

/// The names the server holds (PRIV-02), with the active and default
/// markers. Any part may be absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListNames {
    pub active: Option<String>,
    pub default: Option<String>,
    pub lists: Vec<String>,
}

fn query() -> Element {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::iq::{Iq, IqType};
    use crate::xmpp::stanza::test_xml;

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    /// The `<query/>` inside an IQ from the checklist.
    fn query_of(xml: &str) -> Element {
        Iq::parse(&test_xml::parse(xml)).unwrap().payload.unwrap()
    }

    /// The payload wrapped in an IQ with a fixed id, as XML.
    fn iq_xml(kind: IqType, id: &str, payload: Element) -> String {
        let mut iq = match kind {
            IqType::Get => Iq::get(payload),
            _ => Iq::set(payload),
        };
        iq.id = id.into();
        iq.to_element().to_xml()
    }

    fn item(
        kind: Option<ItemType>,
        value: Option<&str>,
        action: PrivacyAction,
        order: u32,
    ) -> PrivacyItem {
        PrivacyItem {
            kind,
            value: value.map(str::to_owned),
            action,
            order,
            stanzas: StanzaKinds::default(),
        }
    }

    fn list(items: Vec<PrivacyItem>) -> PrivacyList {
        PrivacyList {
            name: "public".into(),
            items,
        }
    }

    /// PRIV-02: the names request, byte for byte.
    #[test]
    fn priv_02_get_names() {
        assert_eq!(
            iq_xml(IqType::Get, "getlist1", get_names()),
            "<iq type='get' id='getlist1'><query xmlns='jabber:iq:privacy'/></iq>"
        );
    }

    /// PRIV-02: the checklist's names result, every field.
    #[test]
    fn priv_02_parse_names() {
        let query = query_of(
            "<iq type='result' id='getlist1'><query xmlns='jabber:iq:privacy'>\
             <active name='private'/><default name='public'/><list name='public'/><list name='private'/>\
             </query></iq>",
        );
        assert_eq!(
            parse_names(&query).unwrap(),
            ListNames {
                active: Some("private".into()),
                default: Some("public".into()),
                lists: vec!["public".into(), "private".into()],
            }
        );
    }

    /// PRIV-02: every part may be absent; nameless markers mean none.
    #[test]
    fn priv_02_names_may_be_absent() {
        let empty = test_xml::parse("<query xmlns='jabber:iq:privacy'/>");
        assert_eq!(parse_names(&empty).unwrap(), ListNames::default());
        let partial = test_xml::parse(
            "<query xmlns='jabber:iq:privacy'><active/><list/><list name='a'/></query>",
        );
        assert_eq!(
            parse_names(&partial).unwrap(),
            ListNames {
                active: None,
                default: None,
                lists: vec!["a".into()],
            }
        );
    }

    /// PRIV-03: one list per request, byte for byte.
    #[test]
    fn priv_03_get_list() {
        assert_eq!(
            iq_xml(IqType::Get, "getlist2", get_list("public")),
            "<iq type='get' id='getlist2'><query xmlns='jabber:iq:privacy'><list name='public'/></query></iq>"
        );
    }

    /// PRIV-05: the checklist's `public` list, field by field.
    #[test]
    fn priv_05_parse_public_list() {
        let query = query_of(
            "<iq type='result' id='getlist2'><query xmlns='jabber:iq:privacy'><list name='public'>\
             <item type='jid' value='tybalt@example.com' action='deny' order='1'/>\
             <item action='allow' order='2'/></list></query></iq>",
        );
        let parsed = parse_list(&query).unwrap();
        assert_eq!(parsed.name, "public");
        assert_eq!(parsed.items.len(), 2);
        let deny = &parsed.items[0];
        assert_eq!(deny.kind, Some(ItemType::Jid));
        assert_eq!(deny.value.as_deref(), Some("tybalt@example.com"));
        assert_eq!(deny.action, PrivacyAction::Deny);
        assert_eq!(deny.order, 1);
        assert!(deny.stanzas.is_all());
        assert_eq!(
            parsed.items[1],
            PrivacyItem::fall_through(PrivacyAction::Allow, 2)
        );
    }

    /// PRIV-05: stanza-kind children, unknown children ignored, and items
    /// sorted by order.
    #[test]
    fn priv_05_children_and_sorting() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:privacy'><list name='x'>\
             <item action='allow' order='30'/>\
             <item type='group' value='G' action='deny' order='5'><presence-out/><iq/><x xmlns='urn:x'/></item>\
             <item type='subscription' value='none' action='deny' order='7'><message/><presence-in/></item>\
             </list></query>",
        );
        let parsed = parse_list(&query).unwrap();
        let orders: Vec<u32> = parsed.items.iter().map(|i| i.order).collect();
        assert_eq!(orders, vec![5, 7, 30]);
        assert_eq!(
            parsed.items[0].stanzas,
            StanzaKinds {
                iq: true,
                presence_out: true,
                ..StanzaKinds::default()
            }
        );
        assert_eq!(
            parsed.items[1].stanzas,
            StanzaKinds {
                message: true,
                presence_in: true,
                ..StanzaKinds::default()
            }
        );
        assert!(!parsed.items[1].stanzas.is_all());
    }

    fn edit_list() -> PrivacyList {
        let mut group = item(
            Some(ItemType::Group),
            Some("Montagues"),
            PrivacyAction::Deny,
            20,
        );
        group.stanzas.message = true;
        list(vec![
            item(
                Some(ItemType::Jid),
                Some("tybalt@example.com"),
                PrivacyAction::Deny,
                10,
            ),
            group,
            PrivacyItem::fall_through(PrivacyAction::Allow, 100),
        ])
    }

    const EDIT1: &str = "<iq type='set' id='edit1'><query xmlns='jabber:iq:privacy'><list name='public'>\
        <item type='jid' value='tybalt@example.com' action='deny' order='10'/>\
        <item type='group' value='Montagues' action='deny' order='20'><message/></item>\
        <item action='allow' order='100'/></list></query></iq>";

    /// PRIV-09: the checklist's edit, byte for byte.
    #[test]
    fn priv_09_set_list_exact() {
        assert_eq!(iq_xml(IqType::Set, "edit1", set_list(&edit_list())), EDIT1);
    }

    /// PRIV-09: the edit example parses to the same list, and writing it
    /// back gives the same XML.
    #[test]
    fn priv_09_round_trip() {
        let parsed = parse_list(&query_of(EDIT1)).unwrap();
        assert_eq!(parsed, edit_list());
        assert_eq!(iq_xml(IqType::Set, "edit1", set_list(&parsed)), EDIT1);
    }

    /// PRIV-09: items go out in order whatever order they are held in, with
    /// stanza kinds in a fixed order.
    #[test]
    fn priv_09_set_list_sorts_items() {
        let mut all = item(Some(ItemType::Jid), Some("a@b"), PrivacyAction::Deny, 2);
        all.stanzas = StanzaKinds {
            message: true,
            iq: true,
            presence_in: true,
            presence_out: true,
        };
        let l = list(vec![
            PrivacyItem::fall_through(PrivacyAction::Allow, 9),
            all,
        ]);
        assert_eq!(
            set_list(&l).to_xml(),
            "<query xmlns='jabber:iq:privacy'><list name='public'>\
             <item type='jid' value='a@b' action='deny' order='2'><message/><iq/><presence-in/><presence-out/></item>\
             <item action='allow' order='9'/></list></query>"
        );
    }

    /// PRIV-13: removal is an empty list element.
    #[test]
    fn priv_13_remove_list() {
        assert_eq!(
            iq_xml(IqType::Set, "remove1", remove_list("private")),
            "<iq type='set' id='remove1'><query xmlns='jabber:iq:privacy'><list name='private'/></query></iq>"
        );
    }

    /// PRIV-14 / PRIV-15: activate and decline.
    #[test]
    fn priv_14_15_active() {
        assert_eq!(
            iq_xml(IqType::Set, "active1", set_active(Some("special"))),
            "<iq type='set' id='active1'><query xmlns='jabber:iq:privacy'><active name='special'/></query></iq>"
        );
        assert_eq!(
            iq_xml(IqType::Set, "active3", set_active(None)),
            "<iq type='set' id='active3'><query xmlns='jabber:iq:privacy'><active/></query></iq>"
        );
    }

    /// PRIV-16 / PRIV-17: default and decline.
    #[test]
    fn priv_16_17_default() {
        assert_eq!(
            iq_xml(IqType::Set, "default1", set_default(Some("special"))),
            "<iq type='set' id='default1'><query xmlns='jabber:iq:privacy'><default name='special'/></query></iq>"
        );
        assert_eq!(
            iq_xml(IqType::Set, "default2", set_default(None)),
            "<iq type='set' id='default2'><query xmlns='jabber:iq:privacy'><default/></query></iq>"
        );
    }

    /// PRIV-19: the checklist's push gives the list name; the answer is a
    /// plain result.
    #[test]
    fn priv_19_push() {
        let iq = Iq::parse(&test_xml::parse(
            "<iq type='set' id='push1'><query xmlns='jabber:iq:privacy'><list name='public'/></query></iq>",
        ))
        .unwrap();
        assert_eq!(parse_push(iq.payload.as_ref().unwrap()).unwrap(), "public");
        assert_eq!(
            Iq::result_for(&iq, None).to_element().to_xml(),
            "<iq type='result' id='push1'/>"
        );
    }

    /// PRIV-19: a push must name exactly one list.
    #[test]
    fn priv_19_bad_pushes() {
        let two = test_xml::parse(
            "<query xmlns='jabber:iq:privacy'><list name='a'/><list name='b'/></query>",
        );
        assert_eq!(
            parse_push(&two),
            Err(ParseError::Invalid(
                "a privacy push must hold exactly one list, not 2".into()
            ))
        );
        let nameless = test_xml::parse("<query xmlns='jabber:iq:privacy'><list/></query>");
        assert_eq!(
            parse_push(&nameless),
            Err(ParseError::MissingAttribute("name"))
        );
        let wrong = Element::new("query", ns::ROSTER);
        assert!(parse_push(&wrong).is_err());
    }

    #[test]
    fn parse_list_needs_one_named_list() {
        let none = test_xml::parse("<query xmlns='jabber:iq:privacy'/>");
        assert_eq!(
            parse_list(&none),
            Err(ParseError::Invalid(
                "a privacy list result must hold exactly one list, not 0".into()
            ))
        );
        let nameless = test_xml::parse(
            "<query xmlns='jabber:iq:privacy'><list><item action='allow' order='1'/></list></query>",
        );
        assert_eq!(
            parse_list(&nameless),
            Err(ParseError::MissingAttribute("name"))
        );
    }

    /// Hostile items: each bad one makes the list an error naming it.
    #[test]
    fn priv_05_bad_items_are_errors() {
        let parse = |item: &str| {
            parse_list(&test_xml::parse(&format!(
                "<query xmlns='jabber:iq:privacy'><list name='x'>{item}</list></query>"
            )))
        };
        assert_eq!(
            parse("<item action='deny'/>"),
            Err(ParseError::MissingAttribute("order"))
        );
        assert_eq!(
            parse("<item order='1'/>"),
            Err(ParseError::MissingAttribute("action"))
        );
        assert_eq!(
            parse("<item action='deny' order='abc'/>"),
            Err(ParseError::Invalid(
                "privacy item order \"abc\" is not an unsigned 32-bit number".into()
            ))
        );
        assert!(parse("<item action='deny' order='-1'/>").is_err());
        assert!(parse("<item action='deny' order='4294967296'/>").is_err());
        assert_eq!(
            parse("<item type='jid' value='a@b' action='deny' order='4294967295'/>")
                .unwrap()
                .items[0]
                .order,
            u32::MAX
        );
        assert_eq!(
            parse("<item type='ip' value='1.2.3.4' action='deny' order='1'/>"),
            Err(ParseError::Invalid(
                "unknown privacy item type \"ip\"".into()
            ))
        );
        assert_eq!(
            parse("<item action='block' order='1'/>"),
            Err(ParseError::Invalid(
                "unknown privacy item action \"block\"".into()
            ))
        );
        assert_eq!(
            parse("<item type='group' action='deny' order='1'/>"),
            Err(ParseError::Invalid(
                "privacy item of type group has no value".into()
            ))
        );
    }

    /// Hostile input: 10,000 items parse, in order, without trouble.
    #[test]
    fn ten_thousand_items() {
        let mut list = Element::new("list", ns::PRIVACY).with_attr("name", "big");
        for order in (0..10_000u32).rev() {
            list.push_child(
                Element::new("item", ns::PRIVACY)
                    .with_attr("action", "deny")
                    .with_attr("order", order.to_string()),
            );
        }
        let parsed = parse_list(&query().with_child(list)).unwrap();
        assert_eq!(parsed.items.len(), 10_000);
        assert!(parsed.items.windows(2).all(|w| w[0].order < w[1].order));
        let problems = parsed.validate();
        assert_eq!(problems.len(), 9_999);
        assert!(problems.iter().all(Problem::is_warning));
    }

    #[test]
    fn wrong_payload_is_refused() {
        let e = Element::new("query", "jabber:iq:version");
        assert_eq!(
            parse_names(&e),
            Err(ParseError::Invalid(
                "expected <query/> in jabber:iq:privacy, got <query/> in jabber:iq:version".into()
            ))
        );
        assert!(parse_list(&e).is_err());
    }

    /// PRIV-11: an empty list is refused before it deletes anything.
    #[test]
    fn priv_11_empty_list() {
        assert_eq!(list(Vec::new()).validate(), vec![Problem::Empty]);
        assert!(!Problem::Empty.is_warning());
    }

    #[test]
    fn valid_list_has_no_problems() {
        assert_eq!(edit_list().validate(), Vec::new());
        assert_eq!(
            PrivacyList::deny_jid("b", &[jid("a@b")]).validate(),
            Vec::new()
        );
    }

    /// PRIV-07: duplicates are reported once per order.
    #[test]
    fn priv_07_duplicate_order() {
        let l = list(vec![
            item(Some(ItemType::Jid), Some("a@b"), PrivacyAction::Deny, 5),
            item(Some(ItemType::Jid), Some("c@d"), PrivacyAction::Deny, 5),
            item(Some(ItemType::Jid), Some("e@f"), PrivacyAction::Deny, 5),
            PrivacyItem::fall_through(PrivacyAction::Allow, 9),
        ]);
        assert_eq!(l.validate(), vec![Problem::DuplicateOrder(5)]);
    }

    /// PRIV-06: values must fit their type.
    #[test]
    fn priv_06_item_problems() {
        let l = list(vec![
            item(Some(ItemType::Jid), None, PrivacyAction::Deny, 1),
            item(Some(ItemType::Jid), Some("a@b@c"), PrivacyAction::Deny, 2),
            item(
                Some(ItemType::Subscription),
                Some("pending"),
                PrivacyAction::Deny,
                3,
            ),
            item(Some(ItemType::Group), Some(""), PrivacyAction::Deny, 4),
            item(None, Some("x"), PrivacyAction::Deny, 5),
            item(
                Some(ItemType::Subscription),
                Some("none"),
                PrivacyAction::Deny,
                6,
            ),
        ]);
        assert_eq!(
            l.validate(),
            vec![
                Problem::MissingValue(1),
                Problem::BadJid {
                    order: 2,
                    value: "a@b@c".into()
                },
                Problem::BadSubscription {
                    order: 3,
                    value: "pending".into()
                },
                Problem::EmptyGroup(4),
                Problem::ValueWithoutType(5),
            ]
        );
        assert!(l.validate().iter().all(|p| !p.is_warning()));
    }

    /// PRIV-08: a fall-through before other items is a warning.
    #[test]
    fn priv_08_fall_through_not_last() {
        let l = list(vec![
            item(Some(ItemType::Jid), Some("a@b"), PrivacyAction::Deny, 20),
            PrivacyItem::fall_through(PrivacyAction::Allow, 10),
        ]);
        let problems = l.validate();
        assert_eq!(problems, vec![Problem::FallThroughNotLast(10)]);
        assert!(problems[0].is_warning());
    }

    #[test]
    fn bad_names() {
        let mut l = edit_list();
        l.name = String::new();
        assert_eq!(l.validate(), vec![Problem::BadName]);
        l.name = "x".repeat(MAX_NAME_BYTES + 1);
        assert_eq!(l.validate(), vec![Problem::BadName]);
        l.name = "é".repeat(MAX_NAME_BYTES / 2);
        assert_eq!(l.validate(), Vec::new());
    }

    #[test]
    fn problem_sentences() {
        assert_eq!(
            Problem::DuplicateOrder(5).to_string(),
            "More than one rule has order 5. Each rule needs its own number."
        );
        assert_eq!(
            Problem::BadSubscription {
                order: 3,
                value: "pending".into()
            }
            .to_string(),
            "Rule 3: \"pending\" is not a subscription state. Use both, to, from or none."
        );
        assert_eq!(
            Problem::FallThroughNotLast(10).to_string(),
            "Rule 10 matches everyone, so the rules after it never apply. Move it last."
        );
        assert_eq!(
            Problem::BadName.to_string(),
            "A list name must be between 1 and 1023 bytes long."
        );
    }

    /// PRIV-07: renumbering keeps the relative order (stable on ties) and
    /// leaves room between items.
    #[test]
    fn priv_07_renumber() {
        let mut l = list(vec![
            item(Some(ItemType::Jid), Some("c@d"), PrivacyAction::Deny, 7),
            item(Some(ItemType::Jid), Some("a@b"), PrivacyAction::Deny, 3),
            item(Some(ItemType::Jid), Some("e@f"), PrivacyAction::Deny, 7),
            PrivacyItem::fall_through(PrivacyAction::Allow, 4_000_000_000),
        ]);
        l.renumber();
        let got: Vec<(u32, Option<&str>)> = l
            .items
            .iter()
            .map(|i| (i.order, i.value.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (10, Some("a@b")),
                (20, Some("c@d")),
                (30, Some("e@f")),
                (40, None)
            ]
        );
        assert_eq!(l.validate(), Vec::new());
    }

    /// PRIV-24 / PRIV-08: deny items for every kind, then allow last.
    #[test]
    fn priv_24_deny_jid_shape() {
        let l = PrivacyList::deny_jid(
            "balcony-blocked",
            &[
                jid("tybalt@example.com"),
                jid("example.org"),
                jid("tybalt@example.com"),
            ],
        );
        assert_eq!(
            set_list(&l).to_xml(),
            "<query xmlns='jabber:iq:privacy'><list name='balcony-blocked'>\
             <item type='jid' value='tybalt@example.com' action='deny' order='10'/>\
             <item type='jid' value='example.org' action='deny' order='20'/>\
             <item action='allow' order='30'/></list></query>"
        );
    }

    /// PRIV-24: the checklist's "block strangers" item, byte for byte.
    #[test]
    fn priv_24_block_strangers_item() {
        let i = item(
            Some(ItemType::Subscription),
            Some("none"),
            PrivacyAction::Deny,
            437,
        );
        assert_eq!(
            i.to_element().to_xml(),
            "<item xmlns='jabber:iq:privacy' type='subscription' value='none' action='deny' order='437'/>"
        );
        assert!(i.matches(&jid("stranger@example.org"), &[], "none"));
        assert!(!i.matches(&jid("romeo@example.net"), &[], "both"));
    }

    /// PRIV-06: the four JID forms.
    #[test]
    fn priv_06_jid_matching() {
        let entry = |value: &str| item(Some(ItemType::Jid), Some(value), PrivacyAction::Deny, 1);
        let m = |value: &str, candidate: &str| entry(value).matches(&jid(candidate), &[], "none");
        // Full: only that resource.
        assert!(m("romeo@example.net/orchard", "romeo@example.net/orchard"));
        assert!(!m("romeo@example.net/orchard", "romeo@example.net/balcony"));
        assert!(!m("romeo@example.net/orchard", "romeo@example.net"));
        // Bare: every resource, and the bare JID itself.
        assert!(m("romeo@example.net", "romeo@example.net/orchard"));
        assert!(m("romeo@example.net", "romeo@example.net"));
        assert!(!m("romeo@example.net", "juliet@example.net"));
        // domain/resource: that resource anywhere in the domain.
        assert!(m("example.net/bot", "example.net/bot"));
        assert!(m("example.net/bot", "romeo@example.net/bot"));
        assert!(!m("example.net/bot", "example.net/other"));
        assert!(!m("example.net/bot", "example.net"));
        // Domain: everything in it, but not subdomains or other domains.
        assert!(m("example.net", "example.net"));
        assert!(m("example.net", "romeo@example.net/orchard"));
        assert!(m("example.net", "example.net/x"));
        assert!(!m("example.net", "conference.example.net"));
        assert!(!m("example.net", "romeo@example.com"));
        // Values are compared normalised; bad values match nothing.
        assert!(m("Romeo@Example.NET", "romeo@example.net/orchard"));
        assert!(!m("a@b@c", "a@b"));
    }

    /// PRIV-06: groups and subscriptions; strangers are `none` with no
    /// groups.
    #[test]
    fn priv_06_group_and_subscription_matching() {
        let g = item(
            Some(ItemType::Group),
            Some("Montagues"),
            PrivacyAction::Deny,
            1,
        );
        let romeo = jid("romeo@example.net");
        assert!(g.matches(&romeo, &["Friends".into(), "Montagues".into()], "both"));
        assert!(!g.matches(&romeo, &["montagues".into()], "both"));
        assert!(!g.matches(&romeo, &[], "none"));
        let s = item(
            Some(ItemType::Subscription),
            Some("from"),
            PrivacyAction::Deny,
            2,
        );
        assert!(s.matches(&romeo, &[], "from"));
        assert!(!s.matches(&romeo, &[], "both"));
        assert!(PrivacyItem::fall_through(PrivacyAction::Allow, 3).matches(&romeo, &[], "none"));
    }

    /// Stanza kinds do not change whether an item matches.
    #[test]
    fn matches_ignores_stanza_kinds() {
        let mut i = item(
            Some(ItemType::Jid),
            Some("romeo@example.net"),
            PrivacyAction::Deny,
            1,
        );
        i.stanzas.presence_out = true;
        assert!(i.matches(&jid("romeo@example.net/orchard"), &[], "both"));
    }

    /// PRIV-06: the lowest matching order decides, even in an unsorted list.
    #[test]
    fn first_match_wins() {
        let l = list(vec![
            PrivacyItem::fall_through(PrivacyAction::Allow, 100),
            item(
                Some(ItemType::Jid),
                Some("example.net"),
                PrivacyAction::Allow,
                20,
            ),
            item(
                Some(ItemType::Jid),
                Some("romeo@example.net"),
                PrivacyAction::Deny,
                10,
            ),
        ]);
        let romeo = jid("romeo@example.net/orchard");
        assert_eq!(
            l.first_match(StanzaKind::Message, &romeo, &[], "both")
                .unwrap()
                .order,
            10
        );
        let benvolio = jid("benvolio@example.net");
        assert_eq!(
            l.first_match(StanzaKind::Message, &benvolio, &[], "none")
                .unwrap()
                .order,
            20
        );
        let nurse = jid("nurse@example.com");
        assert_eq!(
            l.first_match(StanzaKind::Message, &nurse, &[], "none")
                .unwrap()
                .order,
            100
        );
        let no_fall_through = list(vec![item(
            Some(ItemType::Jid),
            Some("romeo@example.net"),
            PrivacyAction::Deny,
            1,
        )]);
        assert_eq!(
            no_fall_through.first_match(StanzaKind::Message, &nurse, &[], "none"),
            None
        );
    }

    /// PRIV-22: an item that does not cover the stanza's kind is skipped,
    /// as the server does: a deny of presence-in alone is not the match for
    /// a message, so the deny-all rule after it decides.
    #[test]
    fn priv_22_first_match_respects_stanza_kinds() {
        let mut presence_only = item(
            Some(ItemType::Jid),
            Some("tybalt@example.com"),
            PrivacyAction::Deny,
            10,
        );
        presence_only.stanzas.presence_in = true;
        let mut allow_iq = item(
            Some(ItemType::Jid),
            Some("tybalt@example.com"),
            PrivacyAction::Allow,
            15,
        );
        allow_iq.stanzas.iq = true;
        let l = list(vec![
            presence_only,
            allow_iq,
            item(
                Some(ItemType::Jid),
                Some("tybalt@example.com"),
                PrivacyAction::Deny,
                20,
            ),
            PrivacyItem::fall_through(PrivacyAction::Allow, 100),
        ]);
        let tybalt = jid("tybalt@example.com/street");
        let order = |kind| l.first_match(kind, &tybalt, &[], "none").map(|i| i.order);
        assert_eq!(order(StanzaKind::PresenceIn), Some(10));
        assert_eq!(order(StanzaKind::Iq), Some(15));
        assert_eq!(order(StanzaKind::Message), Some(20));
        assert_eq!(order(StanzaKind::PresenceOut), Some(20));
        assert!(StanzaKinds::default().covers(StanzaKind::Message));
        let only_out = StanzaKinds {
            presence_out: true,
            ..StanzaKinds::default()
        };
        assert!(only_out.covers(StanzaKind::PresenceOut));
        assert!(!only_out.covers(StanzaKind::Message));
    }

    #[test]
    fn strings_round_trip() {
        for t in [ItemType::Jid, ItemType::Group, ItemType::Subscription] {
            assert_eq!(t.as_str().parse::<ItemType>(), Ok(t));
        }
        for a in [PrivacyAction::Allow, PrivacyAction::Deny] {
            assert_eq!(a.as_str().parse::<PrivacyAction>(), Ok(a));
        }
        assert!("JID".parse::<ItemType>().is_err());
    }
}
