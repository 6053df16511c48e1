//! The roster payload, `<query xmlns='jabber:iq:roster'/>` (RFC 3921 §7,
//! syntax in §2 as SYN-16; RFC 6121 §2 for `ver` and `approved`): reading
//! results and pushes, and building get, set and remove requests. Applying
//! pushes, checking who sent them (ROS-12) and answering them is the
//! session's and the app's job.
//!
//! Reading is lenient per item: one bad item is skipped with a warning and
//! never costs the user the rest of the roster. Writing is strict: a set
//! never carries `subscription` (other than `remove`), `ask` or `approved`
//! (ROS-05, NEW-06).

use std::fmt;
use std::str::FromStr;

use jid::{BareJid, Jid};

use super::{ParseError, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::{cap, ns};

/// The `subscription` attribute of an item (RFC 3921 §7.1, §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subscription {
    None,
    To,
    From,
    Both,
    /// Only in sets and pushes: the item is (to be) deleted (ROS-09, ROS-10).
    Remove,
}

impl Subscription {
    pub fn as_str(self) -> &'static str {
        match self {
            Subscription::None => "none",
            Subscription::To => "to",
            Subscription::From => "from",
            Subscription::Both => "both",
            Subscription::Remove => "remove",
        }
    }

    /// Reads an inbound attribute: missing means `none` (NEW-15, ejabberd
    /// leaves it out), and an unknown value is read as `none` too so the item
    /// is still shown (SYN-16).
    pub fn from_attr(value: Option<&str>) -> Subscription {
        match value.map(str::parse::<Subscription>) {
            None => Subscription::None,
            Some(Ok(subscription)) => subscription,
            Some(Err(error)) => {
                tracing::warn!(%error, "roster item: reading it as subscription none");
                Subscription::None
            }
        }
    }

    /// True when we receive the contact's presence (`to` or `both`).
    pub fn has_to(self) -> bool {
        matches!(self, Subscription::To | Subscription::Both)
    }

    /// True when the contact receives our presence (`from` or `both`).
    pub fn has_from(self) -> bool {
        matches!(self, Subscription::From | Subscription::Both)
    }
}

impl FromStr for Subscription {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => Subscription::None,
            "to" => Subscription::To,
            "from" => Subscription::From,
            "both" => Subscription::Both,
            "remove" => Subscription::Remove,
            other => {
                return Err(ParseError::Invalid(format!(
                    "unknown subscription {:?}",
                    quoted(other)
                )));
            }
        })
    }
}

impl fmt::Display for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One roster `<item/>` (SYN-16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterItem {
    /// Always bare: items are keyed by it (ROS-04).
    pub jid: BareJid,
    /// Opaque, kept exactly (ROS-16). An empty `name=''` reads as `None`
    /// (ROS-04 shows the JID then) and `Some("")` is never written.
    pub name: Option<String>,
    pub subscription: Subscription,
    /// `ask='subscribe'`: our request is pending (§9.1, "Pending Out").
    /// Legacy values such as `unsubscribe` read as `false`.
    pub ask: bool,
    /// `approved='true'` (NEW-09): the contact is pre-approved.
    pub approved: bool,
    /// Opaque group names in document order, without duplicates or empty
    /// ones (ROS-16).
    pub groups: Vec<String>,
}

impl RosterItem {
    /// An item with only a JID: subscription none, no name, no groups.
    pub fn new(jid: BareJid) -> RosterItem {
        RosterItem {
            jid,
            name: None,
            subscription: Subscription::None,
            ask: false,
            approved: false,
            groups: Vec::new(),
        }
    }

    /// Reads one `<item/>`. The `jid` is required, must be valid and must
    /// be bare; unknown attributes and children are ignored (SYN-16).
    pub fn parse(item: &Element) -> Result<RosterItem, ParseError> {
        let value = item
            .attr("jid")
            .ok_or(ParseError::MissingAttribute("jid"))?;
        let jid = Jid::new(value).map_err(|_| ParseError::InvalidJid {
            attr: "jid",
            value: quoted(value),
        })?;
        if jid.is_full() {
            return Err(ParseError::Invalid(format!(
                "roster item jid {:?} is not a bare JID",
                quoted(value)
            )));
        }
        let jid = jid.into_bare();
        Ok(RosterItem {
            jid,
            name: item
                .attr("name")
                .filter(|n| !n.is_empty())
                .map(|n| cap::cut_owned(n.to_owned(), cap::MAX_NAME_BYTES)),
            subscription: Subscription::from_attr(item.attr("subscription")),
            ask: item.attr("ask") == Some("subscribe"),
            approved: matches!(item.attr("approved"), Some("true" | "1")),
            groups: clean_groups(item.children_named("group", ns::ROSTER).map(|g| g.text())),
        })
    }
}

/// A roster result or push: the optional version and the items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterQuery {
    /// The roster version to store once applied (NEW-04); opaque.
    pub ver: Option<String>,
    pub items: Vec<RosterItem>,
}

impl RosterQuery {
    /// Reads a `<query xmlns='jabber:iq:roster'/>`. Items with a missing,
    /// invalid or non-bare `jid` are skipped with a warning; the rest of the
    /// roster is kept.
    pub fn parse(query: &Element) -> Result<RosterQuery, ParseError> {
        expect_query(query)?;
        Ok(RosterQuery {
            ver: query.attr("ver").map(str::to_owned),
            items: query
                .children_named("item", ns::ROSTER)
                .filter_map(read_item)
                .collect(),
        })
    }

    /// [`RosterQuery::parse`] taking the query by value: each `<item/>` is freed once read, so
    /// a big roster is never held twice.
    pub fn parse_owned(query: Element) -> Result<RosterQuery, ParseError> {
        expect_query(&query)?;
        let ver = query.attr("ver").map(str::to_owned);
        let items = query
            .into_children()
            .filter(|item| item.is("item", ns::ROSTER))
            .filter_map(|item| read_item(&item))
            .collect();
        Ok(RosterQuery { ver, items })
    }
}

/// One item of a roster result, or `None` (with a warning) for one that must be skipped.
fn read_item(item: &Element) -> Option<RosterItem> {
    match RosterItem::parse(item) {
        Ok(item) => Some(item),
        Err(error) => {
            tracing::warn!(%error, "skipping a roster item");
            None
        }
    }
}

fn expect_query(query: &Element) -> Result<(), ParseError> {
    if query.is("query", ns::ROSTER) {
        Ok(())
    } else {
        Err(ParseError::Invalid(format!(
            "expected <query/> in {}, got <{}/> in {}",
            ns::ROSTER,
            quoted(query.name()),
            quoted(query.ns())
        )))
    }
}

/// Keeps group names in order, dropping empty ones and repeats (ROS-16);
/// names are otherwise untouched, since they are opaque.
fn clean_groups(groups: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for group in groups {
        let group = cap::cut_owned(group, cap::MAX_NAME_BYTES);
        if !group.is_empty() && !out.contains(&group) {
            if out.len() == MAX_GROUPS_PER_ITEM {
                break;
            }
            out.push(group);
        }
    }
    out
}

/// Groups kept per contact; more is a hostile roster, not a real one.
pub const MAX_GROUPS_PER_ITEM: usize = 100;

/// The payload of a roster get (ROS-01). With roster versioning (NEW-02)
/// `ver` carries the cached version, or `Some("")` when there is no cache;
/// `None` leaves the attribute out, as it must be when the server does not
/// advertise versioning (NEW-04).
pub fn get_request(ver: Option<&str>) -> Element {
    Element::new("query", ns::ROSTER).with_opt_attr("ver", ver)
}

/// The payload of a roster set that adds or updates `item` (ROS-05, ROS-07):
/// `jid`, `name` when set, and the complete list of groups. Never
/// `subscription`, `ask` or `approved` (ROS-08, NEW-06), whatever the item
/// says. Groups are written without empties or duplicates (ROS-16).
pub fn set_item(item: &RosterItem) -> Element {
    let mut element = Element::new("item", ns::ROSTER)
        .with_attr("jid", item.jid.to_string())
        .with_opt_attr("name", item.name.clone().filter(|n| !n.is_empty()));
    for group in clean_groups(item.groups.iter().cloned()) {
        element.push_child(Element::new("group", ns::ROSTER).with_text(group));
    }
    Element::new("query", ns::ROSTER).with_child(element)
}

/// The payload of a roster set that deletes the item for `jid` (ROS-09).
pub fn remove_item(jid: &BareJid) -> Element {
    Element::new("query", ns::ROSTER).with_child(
        Element::new("item", ns::ROSTER)
            .with_attr("jid", jid.to_string())
            .with_attr("subscription", Subscription::Remove.as_str()),
    )
}

/// Reads a roster push: exactly one item (ROS-13, NEW-05), else
/// `Err(ParseError::Invalid)` so the caller answers `bad-request` without
/// applying anything. Returns the item and the push's `ver`.
pub fn parse_push(query: &Element) -> Result<(RosterItem, Option<String>), ParseError> {
    expect_query(query)?;
    let mut items = query.children_named("item", ns::ROSTER);
    let (Some(item), None) = (items.next(), items.next()) else {
        let count = query.children_named("item", ns::ROSTER).count();
        return Err(ParseError::Invalid(format!(
            "a roster push must hold exactly one item, not {count}"
        )));
    };
    Ok((
        RosterItem::parse(item)?,
        query.attr("ver").map(str::to_owned),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::iq::{Iq, IqType};
    use crate::xmpp::stanza::test_xml;

    fn bare(s: &str) -> BareJid {
        BareJid::new(s).unwrap()
    }

    /// The `<query/>` inside an IQ from the checklist.
    fn query_of(xml: &str) -> Element {
        Iq::parse(&test_xml::parse(xml)).unwrap().payload.unwrap()
    }

    /// SYN-16: the checklist's roster result, every field.
    #[test]
    fn syn_16_roster_result() {
        let query = query_of(
            "<iq type='result' id='r1'><query xmlns='jabber:iq:roster'>\
             <item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item>\
             </query></iq>",
        );
        assert_eq!(
            RosterQuery::parse(&query).unwrap(),
            RosterQuery {
                ver: None,
                items: vec![RosterItem {
                    jid: bare("romeo@example.net"),
                    name: Some("Romeo".into()),
                    subscription: Subscription::Both,
                    ask: false,
                    approved: false,
                    groups: vec!["Friends".into()],
                }],
            }
        );
    }

    /// SYN-16: unknown attributes, children and legacy `ask` values are
    /// accepted; an unknown subscription reads as none.
    #[test]
    fn syn_16_tolerates_unknowns() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster' ver='v1' x-extra='1'>\
             <item jid='a@example.net' subscription='x-weird' ask='unsubscribe' foo='bar'>\
             <x xmlns='urn:example'/><group>G</group></item>\
             <unknown/></query>",
        );
        let roster = RosterQuery::parse(&query).unwrap();
        assert_eq!(RosterQuery::parse_owned(query).unwrap(), roster);
        assert_eq!(roster.ver.as_deref(), Some("v1"));
        assert_eq!(roster.items.len(), 1);
        let item = &roster.items[0];
        assert_eq!(item.subscription, Subscription::None);
        assert!(!item.ask);
        assert_eq!(item.groups, vec!["G".to_string()]);
    }

    /// SYN-16 / F1: `ask='subscribe'` is Pending Out.
    #[test]
    fn syn_16_ask_subscribe() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='romeo@example.net' name='Romeo' subscription='none' ask='subscribe'/></query>",
        );
        let (item, ver) = parse_push(&query).unwrap();
        assert!(item.ask);
        assert_eq!(item.subscription, Subscription::None);
        assert_eq!(ver, None);
    }

    /// Items with a missing, invalid or full JID are skipped; the rest of
    /// the roster survives.
    #[test]
    fn bad_items_are_skipped() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'>\
             <item jid='a@@b'/><item name='no jid'/><item jid='romeo@example.net/orchard'/>\
             <item jid='nurse@example.com'/></query>",
        );
        let roster = RosterQuery::parse(&query).unwrap();
        assert_eq!(
            roster.items,
            vec![RosterItem::new(bare("nurse@example.com"))]
        );
        assert_eq!(RosterQuery::parse_owned(query).unwrap(), roster);
    }

    #[test]
    fn item_errors_are_exact() {
        let item = |xml: &str| RosterItem::parse(&test_xml::parse(xml));
        assert_eq!(
            item("<item xmlns='jabber:iq:roster'/>"),
            Err(ParseError::MissingAttribute("jid"))
        );
        assert_eq!(
            item("<item xmlns='jabber:iq:roster' jid='a@@b'/>"),
            Err(ParseError::InvalidJid {
                attr: "jid",
                value: "a@@b".into()
            })
        );
        assert_eq!(
            item("<item xmlns='jabber:iq:roster' jid='romeo@example.net/orchard'/>"),
            Err(ParseError::Invalid(
                "roster item jid \"romeo@example.net/orchard\" is not a bare JID".into()
            ))
        );
    }

    #[test]
    fn wrong_payload_is_refused() {
        let e = Element::new("query", "jabber:iq:version");
        assert_eq!(
            RosterQuery::parse(&e),
            Err(ParseError::Invalid(
                "expected <query/> in jabber:iq:roster, got <query/> in jabber:iq:version".into()
            ))
        );
        assert!(parse_push(&e).is_err());
    }

    /// ROS-01: a plain roster get, byte for byte.
    #[test]
    fn ros_01_get_request() {
        let mut iq = Iq::get(get_request(None));
        iq.id = "roster_1".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='get' id='roster_1'><query xmlns='jabber:iq:roster'/></iq>"
        );
    }

    /// NEW-02: the stored version, or `ver=''` without a cache.
    #[test]
    fn new_02_versioned_get() {
        let mut iq = Iq::get(get_request(Some("ver14")));
        iq.id = "r1".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver='ver14'/></iq>"
        );
        assert_eq!(
            get_request(Some("")).to_xml(),
            "<query xmlns='jabber:iq:roster' ver=''/>"
        );
    }

    /// NEW-03: a versioned push carries its `ver`.
    #[test]
    fn new_03_push_with_ver() {
        let query = query_of(
            "<iq type='set' id='p5'><query xmlns='jabber:iq:roster' ver='ver15'>\
             <item jid='nurse@example.com' subscription='none'/></query></iq>",
        );
        let (item, ver) = parse_push(&query).unwrap();
        assert_eq!(item, RosterItem::new(bare("nurse@example.com")));
        assert_eq!(ver.as_deref(), Some("ver15"));
    }

    /// ROS-05: the checklist's add, byte for byte.
    #[test]
    fn ros_05_add_item() {
        let mut item = RosterItem::new(bare("nurse@example.com"));
        item.name = Some("Nurse".into());
        item.groups = vec!["Household".into()];
        let mut iq = Iq::set(set_item(&item));
        iq.id = "roster_2".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='set' id='roster_2'><query xmlns='jabber:iq:roster'>\
             <item jid='nurse@example.com' name='Nurse'><group>Household</group></item></query></iq>"
        );
    }

    /// ROS-07: an update carries the complete item; no name means none.
    #[test]
    fn ros_07_update_item() {
        let mut item = RosterItem::new(bare("nurse@example.com"));
        item.name = Some("Nurse".into());
        item.groups = vec!["Household".into(), "Verona".into()];
        assert_eq!(
            set_item(&item).to_xml(),
            "<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' name='Nurse'>\
             <group>Household</group><group>Verona</group></item></query>"
        );
        item.name = None;
        item.groups.clear();
        assert_eq!(
            set_item(&item).to_xml(),
            "<query xmlns='jabber:iq:roster'><item jid='nurse@example.com'/></query>"
        );
    }

    /// NEW-06 / ROS-08: a set never carries subscription, ask or approved.
    #[test]
    fn new_06_set_never_sends_state() {
        let item = RosterItem {
            jid: bare("nurse@example.com"),
            name: Some("Nurse".into()),
            subscription: Subscription::Both,
            ask: true,
            approved: true,
            groups: Vec::new(),
        };
        assert_eq!(
            set_item(&item).to_xml(),
            "<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' name='Nurse'/></query>"
        );
    }

    /// ROS-09: removal, byte for byte.
    #[test]
    fn ros_09_remove_item() {
        let mut iq = Iq::set(remove_item(&bare("nurse@example.com")));
        iq.id = "roster_4".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='set' id='roster_4'><query xmlns='jabber:iq:roster'>\
             <item jid='nurse@example.com' subscription='remove'/></query></iq>"
        );
    }

    /// ROS-10: a removal push reads as `Remove`.
    #[test]
    fn ros_10_remove_push() {
        let query = query_of(
            "<iq type='set' id='p9'><query xmlns='jabber:iq:roster'>\
             <item jid='nurse@example.com' subscription='remove'/></query></iq>",
        );
        let (item, _) = parse_push(&query).unwrap();
        assert_eq!(item.subscription, Subscription::Remove);
    }

    /// ROS-11: the checklist's push, and our answer.
    #[test]
    fn ros_11_push_and_answer() {
        let iq = Iq::parse(&test_xml::parse(
            "<iq type='set' id='push1'><query xmlns='jabber:iq:roster'>\
             <item jid='nurse@example.com' name='Nurse' subscription='none'><group>Household</group></item>\
             </query></iq>",
        ))
        .unwrap();
        assert_eq!(iq.kind, IqType::Set);
        let (item, ver) = parse_push(iq.payload.as_ref().unwrap()).unwrap();
        assert_eq!(item.name.as_deref(), Some("Nurse"));
        assert_eq!(item.groups, vec!["Household".to_string()]);
        assert_eq!(ver, None);
        assert_eq!(
            Iq::result_for(&iq, None).to_element().to_xml(),
            "<iq type='result' id='push1'/>"
        );
    }

    /// ROS-13: a push without exactly one item is refused, unapplied.
    #[test]
    fn ros_13_push_needs_one_item() {
        let two = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='a@example.net'/><item jid='b@example.net'/></query>",
        );
        assert_eq!(
            parse_push(&two),
            Err(ParseError::Invalid(
                "a roster push must hold exactly one item, not 2".into()
            ))
        );
        let none = test_xml::parse("<query xmlns='jabber:iq:roster'/>");
        assert_eq!(
            parse_push(&none),
            Err(ParseError::Invalid(
                "a roster push must hold exactly one item, not 0".into()
            ))
        );
    }

    /// A push whose one item is bad is an error too (answer bad-request).
    #[test]
    fn push_with_bad_item_is_an_error() {
        let query = test_xml::parse("<query xmlns='jabber:iq:roster'><item jid='x@y/z'/></query>");
        assert!(matches!(parse_push(&query), Err(ParseError::Invalid(_))));
    }

    /// ROS-16: names and groups are opaque (case and spaces kept); empty
    /// and duplicate groups are dropped, reading and writing.
    #[test]
    fn ros_16_opaque_groups_deduped() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='a@example.net' name=' Mixed Case '>\
             <group>Friends</group><group/><group>friends</group><group> Friends </group>\
             <group>Friends</group></item></query>",
        );
        let (item, _) = parse_push(&query).unwrap();
        assert_eq!(item.name.as_deref(), Some(" Mixed Case "));
        assert_eq!(item.groups, vec!["Friends", "friends", " Friends "]);

        let mut out = RosterItem::new(bare("a@example.net"));
        out.groups = vec!["A".into(), String::new(), "A".into(), "B".into()];
        assert_eq!(
            set_item(&out).to_xml(),
            "<query xmlns='jabber:iq:roster'><item jid='a@example.net'><group>A</group><group>B</group></item></query>"
        );
    }

    /// An empty name reads as none and is never written.
    #[test]
    fn empty_name_is_none() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='a@example.net' name=''/></query>",
        );
        assert_eq!(parse_push(&query).unwrap().0.name, None);
        let mut item = RosterItem::new(bare("a@example.net"));
        item.name = Some(String::new());
        assert_eq!(
            set_item(&item).to_xml(),
            "<query xmlns='jabber:iq:roster'><item jid='a@example.net'/></query>"
        );
    }

    /// NEW-08 / NEW-09: `approved='true'` reads as pre-approved.
    #[test]
    fn new_09_approved() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' subscription='none' approved='true'/></query>",
        );
        let (item, _) = parse_push(&query).unwrap();
        assert!(item.approved);
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' approved='false'/></query>",
        );
        assert!(!parse_push(&query).unwrap().0.approved);
    }

    /// NEW-15: a missing subscription means none (ejabberd).
    #[test]
    fn new_15_missing_subscription_is_none() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' name='Nurse'/></query>",
        );
        let (item, _) = parse_push(&query).unwrap();
        assert_eq!(item.subscription, Subscription::None);
        assert_eq!(item.name.as_deref(), Some("Nurse"));
    }

    /// F1 / INT-03: the subscribe flow's pushes read as the §9.1 states.
    #[test]
    fn int_03_f1_states() {
        let states: Vec<(Subscription, bool)> = [
            "<item jid='romeo@example.net' name='Romeo' subscription='none'/>",
            "<item jid='romeo@example.net' name='Romeo' subscription='none' ask='subscribe'/>",
            "<item jid='romeo@example.net' name='Romeo' subscription='to'/>",
        ]
        .iter()
        .map(|item| {
            let query = test_xml::parse(&format!("<query xmlns='jabber:iq:roster'>{item}</query>"));
            let (item, _) = parse_push(&query).unwrap();
            (item.subscription, item.ask)
        })
        .collect();
        assert_eq!(
            states,
            vec![
                (Subscription::None, false),
                (Subscription::None, true),
                (Subscription::To, false)
            ]
        );
        assert!(Subscription::To.has_to() && !Subscription::To.has_from());
        assert!(Subscription::Both.has_to() && Subscription::Both.has_from());
    }

    /// I18N-06: non-ASCII JIDs in items; stringprep normalises case.
    #[test]
    fn i18n_06_non_ascii_item() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:roster'><item jid='José@example.net' name='José'/></query>",
        );
        let (item, _) = parse_push(&query).unwrap();
        assert_eq!(item.jid, bare("josé@example.net"));
        assert_eq!(item.name.as_deref(), Some("José"));
        assert_eq!(
            set_item(&item).to_xml(),
            "<query xmlns='jabber:iq:roster'><item jid='josé@example.net' name='José'/></query>"
        );
    }

    #[test]
    fn subscription_strings_round_trip() {
        for s in [
            Subscription::None,
            Subscription::To,
            Subscription::From,
            Subscription::Both,
            Subscription::Remove,
        ] {
            assert_eq!(s.as_str().parse::<Subscription>(), Ok(s));
            assert_eq!(Subscription::from_attr(Some(s.as_str())), s);
        }
        assert_eq!(Subscription::from_attr(None), Subscription::None);
    }
}
