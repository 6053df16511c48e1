//! Tests of `carbons.rs`, with the checklist's example stanzas (§6).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::xmpp::stanza::iq::Iq;
use crate::xmpp::stanza::jid_attr;
use crate::xmpp::stanza::test_xml;

fn jid(s: &str) -> Jid {
    Jid::new(s).unwrap()
}

fn own() -> BareJid {
    BareJid::new("juliet@example.com").unwrap()
}

const RECEIVED: &str = "<message from='juliet@example.com' type='chat'>\
    <received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
    <message xmlns='jabber:client' from='romeo@example.net/orchard' to='juliet@example.com/chamber' \
    type='chat' id='r9'><body>Art thou there?</body></message></forwarded></received></message>";

const SENT: &str = "<message from='juliet@example.com' type='chat'>\
    <sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
    <message xmlns='jabber:client' from='juliet@example.com/chamber' to='romeo@example.net' \
    type='chat' id='s4'><body>Yes</body></message></forwarded></sent></message>";

fn with_id(mut iq: Iq, id: &str) -> String {
    iq.id = id.into();
    iq.to_element().to_xml()
}

/// CARBONS-02: the checklist's enable, byte for byte, and its answer.
#[test]
fn carbons_02_enable() {
    assert_eq!(
        with_id(Iq::set(enable()), "cb1"),
        "<iq type='set' id='cb1'><enable xmlns='urn:xmpp:carbons:2'/></iq>"
    );
    let answer = Iq::parse(&test_xml::parse(
        "<iq type='result' id='cb1' from='juliet@example.com'/>",
    ))
    .unwrap();
    assert_eq!(answer.payload, None);
}

/// CARBONS-16: the checklist's disable, byte for byte.
#[test]
fn carbons_16_disable() {
    assert_eq!(
        with_id(Iq::set(disable()), "cb2"),
        "<iq type='set' id='cb2'><disable xmlns='urn:xmpp:carbons:2'/></iq>"
    );
}

/// CARBONS-05: a `received` copy is an incoming message in the romeo
/// conversation.
#[test]
fn carbons_05_received() {
    let outer = test_xml::parse(RECEIVED);
    let carbon = Carbon::parse(&outer).unwrap().unwrap();
    assert_eq!(carbon.direction, Direction::Received);
    assert_eq!(
        carbon.peer(),
        Some(BareJid::new("romeo@example.net").unwrap())
    );
    let message = &carbon.forwarded.message;
    assert_eq!(message.from, Some(jid("romeo@example.net/orchard")));
    assert_eq!(message.body("en"), Some("Art thou there?"));
    assert_eq!(carbon.forwarded.delay, None);
    assert!(carbon_from_own_account(
        jid_attr(&outer, "from").unwrap().as_ref(),
        &own()
    ));
    assert_eq!(
        outer.child("received", ns::CARBONS),
        Some(&carbon.to_element())
    );
}

/// CARBONS-06: a `sent` copy is our own message in the romeo conversation.
#[test]
fn carbons_06_sent() {
    let carbon = Carbon::parse(&test_xml::parse(SENT)).unwrap().unwrap();
    assert_eq!(carbon.direction, Direction::Sent);
    assert_eq!(
        carbon.peer(),
        Some(BareJid::new("romeo@example.net").unwrap())
    );
    assert_eq!(carbon.forwarded.message.id.as_deref(), Some("s4"));
    assert_eq!(carbon.forwarded.message.body("en"), Some("Yes"));
}

/// CARBONS-04: the checklist's spoof from a contact's full JID is refused,
/// and so is every other `from` that is not exactly our bare JID.
#[test]
fn carbons_04_only_our_bare_jid() {
    let spoof = test_xml::parse(
        "<message from='tybalt@example.com/home' type='chat'><received xmlns='urn:xmpp:carbons:2'>\
         <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' \
         from='romeo@example.net/orchard' to='juliet@example.com/chamber' type='chat'>\
         <body>meet me</body></message></forwarded></received></message>",
    );
    // It unwraps like any carbon; the check on its sender is what drops it.
    assert!(Carbon::parse(&spoof).unwrap().is_some());
    let from = jid_attr(&spoof, "from").unwrap();
    assert!(!carbon_from_own_account(from.as_ref(), &own()));

    for spoofed in [
        "tybalt@example.com",
        "juliet@example.com/chamber",
        "juliet@example.com/balcony",
        "example.com",
        "juliet@example.net",
        "juliet@evil.example",
        "romeo@example.net",
    ] {
        assert!(
            !carbon_from_own_account(Some(&jid(spoofed)), &own()),
            "{spoofed}"
        );
    }
    assert!(!carbon_from_own_account(None, &own()), "no from");
    // The comparison is on the normalised JID.
    assert!(carbon_from_own_account(
        Some(&jid("Juliet@Example.COM")),
        &own()
    ));
}

#[test]
fn a_plain_message_is_no_carbon() {
    let message = test_xml::parse(
        "<message from='romeo@example.net/orchard' type='chat'><body>hi</body>\
         <private xmlns='urn:xmpp:carbons:2'/></message>",
    );
    assert_eq!(Carbon::parse(&message), Ok(None));
    let presence = test_xml::parse("<presence/>");
    assert!(Carbon::parse(&presence).is_err());
}

/// CARBONS-07: malformed carbons are refused whole.
#[test]
fn carbons_07_malformed() {
    let inner = "<message xmlns='jabber:client' from='romeo@example.net/orchard' type='chat'>\
                 <body>x</body></message>";
    let forwarded = format!("<forwarded xmlns='urn:xmpp:forward:0'>{inner}</forwarded>");
    let cases = [
        // No forwarded element, or an empty one.
        "<received xmlns='urn:xmpp:carbons:2'/>".to_owned(),
        "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'/></received>"
            .to_owned(),
        // Two forwarded elements.
        format!("<received xmlns='urn:xmpp:carbons:2'>{forwarded}{forwarded}</received>"),
        // Two wrappers, of either kind.
        format!(
            "<received xmlns='urn:xmpp:carbons:2'>{forwarded}</received>\
             <sent xmlns='urn:xmpp:carbons:2'>{forwarded}</sent>"
        ),
        // A carbon inside a carbon.
        format!(
            "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
             <message xmlns='jabber:client' type='chat'><received xmlns='urn:xmpp:carbons:2'>\
             {forwarded}</received></message></forwarded></sent>"
        ),
        // An inner groupchat message.
        "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
         <message xmlns='jabber:client' from='verona@conference.example.com/nurse' \
         type='groupchat'><body>x</body></message></forwarded></received>"
            .to_owned(),
    ];
    for wrapper in cases {
        let outer = test_xml::parse(&format!(
            "<message from='juliet@example.com' type='chat'>{wrapper}</message>"
        ));
        assert!(Carbon::parse(&outer).is_err(), "{wrapper}");
    }
}

/// CARBONS-08: the request inside a received carbon is readable (so the
/// app can see it and not answer it).
#[test]
fn carbons_08_inner_extensions_stay_readable() {
    let outer = test_xml::parse(
        "<message from='juliet@example.com' type='chat'><received xmlns='urn:xmpp:carbons:2'>\
         <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' \
         from='romeo@example.net/orchard' to='juliet@example.com/chamber' type='chat' id='r1'>\
         <body>hi</body><request xmlns='urn:xmpp:receipts'/></message></forwarded></received></message>",
    );
    let carbon = Carbon::parse(&outer).unwrap().unwrap();
    assert!(carbon.forwarded.stanza.has_child("request", ns::RECEIPTS));
}

/// CARBONS-11: the checklist's private message, byte for byte.
#[test]
fn carbons_11_private() {
    let mut message = Element::new("message", ns::CLIENT)
        .with_attr("to", "romeo@example.net/orchard")
        .with_attr("type", "chat")
        .with_attr("id", "p1")
        .with_child(Element::new("body", ns::CLIENT).with_text("…"));
    assert!(!is_private(&message));
    keep_private(&mut message);
    assert!(is_private(&message));
    assert_eq!(
        message.to_xml(),
        "<message to='romeo@example.net/orchard' type='chat' id='p1'><body>…</body>\
         <private xmlns='urn:xmpp:carbons:2'/><no-copy xmlns='urn:xmpp:hints'/></message>"
    );
}

/// A sent copy without a `to`, or a received one without a `from`, has
/// no conversation.
#[test]
fn peer_needs_the_address() {
    let outer = test_xml::parse(
        "<message from='juliet@example.com'><sent xmlns='urn:xmpp:carbons:2'>\
         <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'>\
         <body>x</body></message></forwarded></sent></message>",
    );
    assert_eq!(Carbon::parse(&outer).unwrap().unwrap().peer(), None);
}
