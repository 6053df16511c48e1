//! The wire form: the checklist's requests byte for byte, its results and
//! pushes field by field, and hostile payloads.

use super::super::codec::query;
use super::*;

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
