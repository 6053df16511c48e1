//! Delivery receipts (XEP-0184, checklist RECEIPTS-*) against a real Prosody and a real
//! ejabberd, with slixmpp's own XEP-0184 plugin as the contact (`common::slixmpp`): what balcony
//! sends asks for a receipt and is marked delivered when the contact's client answers, and a
//! request from a contact who may see our presence is answered by balcony.

mod common;

use balcony::app::event::Event;
use balcony::xmpp::stanza::roster::Subscription;
use common::slixmpp::Device;
use common::{Client, ServerKind, TestServer};
use jid::BareJid;

/// Whether our line with `body` in the conversation with `peer` is marked delivered.
fn delivered(client: &Client, peer: &str, body: &str) -> Option<bool> {
    let peer = BareJid::new(peer).expect("jid");
    let conversation = client.engine.state.chats.latest_with(&peer)?;
    conversation
        .lines
        .iter()
        .find(|l| l.body == body)
        .map(|l| l.receipt)
}

/// RECEIPTS-06, RECEIPTS-07, RECEIPTS-08: balcony's message asks for a receipt (with an id);
/// slixmpp answers it, and balcony marks that line, and only that one, delivered.
async fn our_message_is_marked_delivered(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut bob = Device::start_with_receipts(&server, &bob, "laptop").await;

    // To the device's full JID: delivered even before the server has its initial presence.
    client.ok(&format!("/msg {} please confirm", bob.jid)).await;
    let got = bob
        .expect_message("balcony's message", |m| m["body"] == "please confirm")
        .await;
    assert_eq!(got["receipt_request"], true, "no request: {got}");
    let id = got["id"].as_str().unwrap_or_default().to_owned();
    assert!(!id.is_empty(), "RECEIPTS-06: no id: {got}");

    let event = client
        .event("the receipt", |e| matches!(e, Event::Receipt { .. }))
        .await;
    let Event::Receipt { from, id: named } = &event else {
        unreachable!()
    };
    assert_eq!(named, &id);
    assert!(from.starts_with("bob@localhost/"), "{from}");
    assert_eq!(
        delivered(&client, "bob@localhost", "please confirm"),
        Some(true)
    );
    // The receipt is not a line of its own.
    let peer = BareJid::new("bob@localhost").expect("jid");
    let lines = client
        .engine
        .state
        .chats
        .latest_with(&peer)
        .map(|c| c.lines.len());
    assert_eq!(lines, Some(1));
    bob.quit().await;
}
common::on_both_servers!(our_message_is_marked_delivered);

/// RECEIPTS-02, RECEIPTS-03, RECEIPTS-05: slixmpp's message with a request and an id is shown
/// in balcony; while bob cannot see alice's presence it gets no receipt, and once alice approved
/// his subscription the next one is answered with a receipt naming its id, from balcony's full
/// JID, carrying no request.
async fn their_request_is_answered(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    let to = format!("alice@localhost/{}", client_resource(&client));
    bob.send_chat_requesting_receipt(&to, "a stranger asks", "bob-r0")
        .await;
    client
        .event(
            "bob's first message",
            |e| matches!(e, Event::Message { body, .. } if body == "a stranger asks"),
        )
        .await;

    bob.send_raw("<presence to='alice@localhost' type='subscribe'/>")
        .await;
    client
        .event(
            "bob's request",
            |e| matches!(e, Event::SubscriptionRequest { jid, .. } if jid == "bob@localhost"),
        )
        .await;
    client.ok("/approve bob@localhost").await;
    let bob_bare = BareJid::new("bob@localhost").expect("jid");
    client
        .until("bob sees alice", |c| {
            c.engine.state.roster.get(&bob_bare).is_some_and(|contact| {
                matches!(
                    contact.subscription,
                    Subscription::From | Subscription::Both
                )
            })
        })
        .await;

    bob.send_chat_requesting_receipt(&to, "did you get this", "bob-r1")
        .await;
    client
        .event(
            "bob's message",
            |e| matches!(e, Event::Message { body, .. } if body == "did you get this"),
        )
        .await;
    let receipt = bob
        .expect_message("balcony's receipt", |m| m["receipt"] == "bob-r1")
        .await;
    assert_eq!(receipt["from"], to.as_str());
    assert_eq!(receipt["type"], "chat");
    assert_ne!(receipt["id"], "bob-r1", "a new id");
    assert_eq!(receipt["receipt_request"], false, "RECEIPTS-03");
    assert_eq!(receipt["body"], serde_json::Value::Null);
    // Sent in order: a receipt for the first message would have come before this one.
    assert!(
        !bob.pending_messages()
            .iter()
            .any(|m| !m["receipt"].is_null()),
        "RECEIPTS-05: {:?}",
        bob.pending_messages()
    );
    bob.quit().await;
}
common::on_both_servers!(their_request_is_answered);

/// The resource the server bound for balcony.
fn client_resource(client: &Client) -> String {
    client
        .engine
        .state
        .jid
        .as_ref()
        .map(|j| j.resource().as_str().to_owned())
        .expect("bound to a resource")
}
