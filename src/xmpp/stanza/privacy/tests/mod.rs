//! Tests of privacy lists. This module holds the shared builders and the
//! list model's own tests (strings, renumbering, the deny-JID list);
//! `codec`, `problem` and `matching` test the jobs of the same names with
//! the checklist's example stanzas.

mod codec;
mod matching;
mod problem;

use super::*;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

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

/// The checklist's edit example (PRIV-09) as a list.
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
