//! Tests of `mam.rs`, with the checklist's example stanzas (§8).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::xmpp::stanza::iq::Iq;
use crate::xmpp::stanza::jid_attr;
use crate::xmpp::stanza::rsm::Cursor;
use crate::xmpp::stanza::test_xml;

fn jid(s: &str) -> Jid {
    Jid::new(s).unwrap()
}

fn bare(s: &str) -> BareJid {
    BareJid::new(s).unwrap()
}

fn iq_xml(query: &MamQuery, id: &str, to: Option<&str>) -> String {
    let mut iq = Iq::set(query.to_element());
    iq.id = id.into();
    if let Some(to) = to {
        iq = iq.with_to(jid(to));
    }
    iq.to_element().to_xml()
}

fn page(max: u32, cursor: Option<Cursor>) -> SetQuery {
    SetQuery {
        max: Some(max),
        cursor,
    }
}

const RESULT: &str = "<message><result xmlns='urn:xmpp:mam:2' queryid='f1' id='A1'>\
    <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>\
    <message xmlns='jabber:client' from='romeo@example.net/orchard' to='juliet@example.com/balcony' \
    type='chat'><body>hi</body></message></forwarded></result></message>";

/// MAM-02: the checklist's first query, byte for byte.
#[test]
fn mam_02_query() {
    let query = MamQuery {
        page: page(50, None),
        ..MamQuery::new("f1")
    };
    assert_eq!(
        iq_xml(&query, "q1", None),
        "<iq type='set' id='q1'><query xmlns='urn:xmpp:mam:2' queryid='f1'>\
         <set xmlns='http://jabber.org/protocol/rsm'><max>50</max></set></query></iq>"
    );
    assert!(!query.needs_extended());
}

/// MAM-02: every query id is new and hard to guess.
#[test]
fn mam_02_fresh_queryids() {
    let (a, b) = (new_queryid(), new_queryid());
    assert_ne!(a, b);
    assert_eq!(a.len(), 32);
}

/// MAM-07: catch-up pages forwards from the last id we hold.
#[test]
fn mam_07_catch_up() {
    let query = MamQuery {
        page: page(50, Some(Cursor::After("A9".into()))),
        ..MamQuery::new("f2")
    };
    assert_eq!(
        iq_xml(&query, "q2", None),
        "<iq type='set' id='q2'><query xmlns='urn:xmpp:mam:2' queryid='f2'>\
         <set xmlns='http://jabber.org/protocol/rsm'><max>50</max><after>A9</after></set></query></iq>"
    );
}

/// MAM-08 / MAM-13: the fallback form with `start`, byte for byte.
#[test]
fn mam_08_start_form() {
    let query = MamQuery {
        start: Some(Stamp::parse("2026-01-02T10:00:00Z").unwrap()),
        ..MamQuery::new("f5")
    };
    assert_eq!(
        query.to_element().to_xml(),
        "<query xmlns='urn:xmpp:mam:2' queryid='f5'><x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>\
         <field var='start'><value>2026-01-02T10:00:00Z</value></field></x></query>"
    );
}

/// MAM-09: with no history, the last page.
#[test]
fn mam_09_last_page() {
    let query = MamQuery {
        page: page(50, Some(Cursor::LastPage)),
        ..MamQuery::new("f6")
    };
    assert!(query.to_element().to_xml().ends_with(
        "<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set></query>"
    ));
}

/// MAM-12: scrollback in one conversation, byte for byte.
#[test]
fn mam_12_scrollback() {
    let query = MamQuery {
        with: Some(jid("romeo@example.net")),
        page: page(30, Some(Cursor::Before("A1".into()))),
        ..MamQuery::new("f3")
    };
    assert_eq!(
        iq_xml(&query, "q3", None),
        "<iq type='set' id='q3'><query xmlns='urn:xmpp:mam:2' queryid='f3'>\
         <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>\
         <value>urn:xmpp:mam:2</value></field><field var='with'><value>romeo@example.net</value>\
         </field></x><set xmlns='http://jabber.org/protocol/rsm'><max>30</max><before>A1</before>\
         </set></query></iq>"
    );
}

/// MAM-13 / MAM-01: every filter in form order; the id filters need the
/// extended archive.
#[test]
fn mam_13_all_filters() {
    let query = MamQuery {
        with: Some(jid("romeo@example.net")),
        start: Some(Stamp::parse("2026-01-01T00:00:00Z").unwrap()),
        end: Some(Stamp::parse("2026-01-02T00:00:00Z").unwrap()),
        after_id: Some("A1".into()),
        before_id: Some("A9".into()),
        ..MamQuery::new("f7")
    };
    assert!(query.needs_extended());
    let element = query.to_element();
    let form = element.child("x", ns::DATA_FORMS).unwrap();
    let vars: Vec<_> = form
        .children_named("field", ns::DATA_FORMS)
        .filter_map(|f| f.attr("var"))
        .collect();
    assert_eq!(
        vars,
        ["FORM_TYPE", "with", "start", "end", "after-id", "before-id"]
    );
    assert!(!element.has_child("set", ns::RSM));
}

/// MAM-14: the room's last page goes to the room.
#[test]
fn mam_14_room_query() {
    let query = MamQuery {
        page: page(50, Some(Cursor::LastPage)),
        ..MamQuery::new("f4")
    };
    assert_eq!(
        iq_xml(&query, "q4", Some("verona@conference.example.com")),
        "<iq type='set' id='q4' to='verona@conference.example.com'>\
         <query xmlns='urn:xmpp:mam:2' queryid='f4'><set xmlns='http://jabber.org/protocol/rsm'>\
         <max>50</max><before/></set></query></iq>"
    );
}

/// MAM-04: the checklist's result: archive id, stamp, inner message.
#[test]
fn mam_04_result() {
    let outer = test_xml::parse(RESULT);
    let result = ArchivedMessage::parse(&outer).unwrap().unwrap();
    assert_eq!(result.queryid.as_deref(), Some("f1"));
    assert_eq!(result.id, "A1");
    assert_eq!(result.stamp.as_str(), "2026-01-02T10:00:00Z");
    let message = &result.forwarded.message;
    assert_eq!(message.from, Some(jid("romeo@example.net/orchard")));
    assert_eq!(message.to, Some(jid("juliet@example.com/balcony")));
    assert_eq!(message.body("en"), Some("hi"));
    assert_eq!(outer.child("result", ns::MAM), Some(&result.to_element()));
    // Our own archive: results with no `from` are accepted (Prosody).
    let own = bare("juliet@example.com");
    assert!(result_from_archive(None, &own, &own));
}

/// MAM-03: results from anyone but the archive asked are forged history.
#[test]
fn mam_03_forged_results() {
    let forged = test_xml::parse(
        "<message from='mallory@evil.example'><result xmlns='urn:xmpp:mam:2' queryid='f1' id='X'>\
         <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>\
         <message xmlns='jabber:client' from='romeo@example.net/orchard' type='chat'><body>x</body>\
         </message></forwarded></result></message>",
    );
    assert!(ArchivedMessage::parse(&forged).unwrap().is_some());
    let from = jid_attr(&forged, "from").unwrap();
    let own = bare("juliet@example.com");
    let room = bare("verona@conference.example.com");
    assert!(!result_from_archive(from.as_ref(), &own, &own));
    assert!(!result_from_archive(from.as_ref(), &room, &own));
    // Our archive: our bare JID or nothing; never a full JID of ours.
    assert!(result_from_archive(
        Some(&jid("juliet@example.com")),
        &own,
        &own
    ));
    assert!(!result_from_archive(
        Some(&jid("juliet@example.com/balcony")),
        &own,
        &own
    ));
    assert!(!result_from_archive(Some(&jid("example.com")), &own, &own));
    // A room's archive: the room's bare JID only; no `from` is not the room.
    assert!(result_from_archive(
        Some(&jid("verona@conference.example.com")),
        &room,
        &own
    ));
    assert!(!result_from_archive(None, &room, &own));
    assert!(!result_from_archive(
        Some(&jid("verona@conference.example.com/nurse")),
        &room,
        &own
    ));
}

/// MAM-14: a room result: the inner message is from the occupant.
#[test]
fn mam_14_room_result() {
    let outer = test_xml::parse(
        "<message from='verona@conference.example.com'><result xmlns='urn:xmpp:mam:2' queryid='f4' \
         id='39K7ZYIp'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' \
         stamp='2026-01-02T10:00:00Z'/><message xmlns='jabber:client' \
         from='verona@conference.example.com/romeo' type='groupchat'><body>hello</body></message>\
         </forwarded></result></message>",
    );
    let result = ArchivedMessage::parse(&outer).unwrap().unwrap();
    assert_eq!(result.id, "39K7ZYIp");
    assert_eq!(
        result.forwarded.message.from,
        Some(jid("verona@conference.example.com/romeo"))
    );
}

/// MAM-15: a receipt request inside a result stays visible, so the app
/// can see it and not answer.
#[test]
fn mam_15_inner_request_is_readable() {
    let outer = test_xml::parse(&RESULT.replace(
        "<body>hi</body>",
        "<body>hi</body><request xmlns='urn:xmpp:receipts'/>",
    ));
    let result = ArchivedMessage::parse(&outer).unwrap().unwrap();
    assert!(result.forwarded.stanza.has_child("request", ns::RECEIPTS));
}

#[test]
fn malformed_results() {
    let inner = "<message xmlns='jabber:client' type='chat'><body>x</body></message>";
    let delay = "<delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>";
    let cases = [
        // No id, an empty id.
        format!(
            "<result xmlns='urn:xmpp:mam:2' queryid='f1'><forwarded xmlns='urn:xmpp:forward:0'>{delay}{inner}</forwarded></result>"
        ),
        format!(
            "<result xmlns='urn:xmpp:mam:2' id=''><forwarded xmlns='urn:xmpp:forward:0'>{delay}{inner}</forwarded></result>"
        ),
        // No delay, a bad stamp.
        format!(
            "<result xmlns='urn:xmpp:mam:2' id='A'><forwarded xmlns='urn:xmpp:forward:0'>{inner}</forwarded></result>"
        ),
        format!(
            "<result xmlns='urn:xmpp:mam:2' id='A'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='now'/>{inner}</forwarded></result>"
        ),
        // No forwarded, two.
        "<result xmlns='urn:xmpp:mam:2' id='A'/>".to_owned(),
        format!(
            "<result xmlns='urn:xmpp:mam:2' id='A'><forwarded xmlns='urn:xmpp:forward:0'>{delay}{inner}</forwarded><forwarded xmlns='urn:xmpp:forward:0'>{delay}{inner}</forwarded></result>"
        ),
        // Two results.
        format!(
            "<result xmlns='urn:xmpp:mam:2' id='A'><forwarded xmlns='urn:xmpp:forward:0'>{delay}{inner}</forwarded></result><result xmlns='urn:xmpp:mam:2' id='B'><forwarded xmlns='urn:xmpp:forward:0'>{delay}{inner}</forwarded></result>"
        ),
    ];
    for result in cases {
        let outer = test_xml::parse(&format!("<message>{result}</message>"));
        assert!(ArchivedMessage::parse(&outer).is_err(), "{result}");
    }
    let plain = test_xml::parse("<message type='chat'><body>x</body></message>");
    assert_eq!(ArchivedMessage::parse(&plain), Ok(None));
    // The old namespaces are not read.
    let old = test_xml::parse(&RESULT.replace("urn:xmpp:mam:2", "urn:xmpp:mam:1"));
    assert_eq!(ArchivedMessage::parse(&old), Ok(None));
}

/// MAM-05: the checklist's fin, and its round trip.
#[test]
fn mam_05_fin() {
    let iq = Iq::parse(&test_xml::parse(
        "<iq type='result' id='q1'><fin xmlns='urn:xmpp:mam:2' complete='true'>\
         <set xmlns='http://jabber.org/protocol/rsm'><first>A1</first><last>A9</last></set></fin></iq>",
    ))
    .unwrap();
    let payload = iq.payload.unwrap();
    let fin = Fin::parse(&payload).unwrap();
    assert!(fin.complete);
    assert!(fin.stable);
    assert_eq!(fin.set.first.as_deref(), Some("A1"));
    assert_eq!(fin.set.last.as_deref(), Some("A9"));
    assert_eq!(fin.to_element(), payload);
}

/// MAM-05: absent or false `complete` means more pages; `stable='false'`
/// is read; unreadable values take the cautious side.
#[test]
fn mam_05_fin_flags() {
    let fin = |attrs: &str| {
        Fin::parse(&test_xml::parse(&format!(
            "<fin xmlns='urn:xmpp:mam:2' {attrs}><set xmlns='http://jabber.org/protocol/rsm'/></fin>"
        )))
        .unwrap()
    };
    let plain = fin("");
    assert!(!plain.complete && plain.stable);
    assert!(fin("complete='1'").complete);
    assert!(!fin("complete='false'").complete);
    assert!(!fin("complete='yes'").complete);
    assert!(!fin("stable='false'").stable);
    assert!(!fin("stable='0'").stable);
    assert!(!fin("stable='maybe'").stable);
    assert!(fin("stable='true'").stable);
    let unstable = fin("complete='true' stable='false'");
    assert_eq!(Fin::parse(&unstable.to_element()), Ok(unstable));
    // A fin without a set is an empty page.
    let bare_fin = Fin::parse(&test_xml::parse("<fin xmlns='urn:xmpp:mam:2'/>")).unwrap();
    assert_eq!(bare_fin.set, SetResult::default());
    assert!(Fin::parse(&test_xml::parse("<fin xmlns='urn:xmpp:mam:1'/>")).is_err());
}
