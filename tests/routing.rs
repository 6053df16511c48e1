//! The server's routing rules as balcony sees them (RFC 3921 §11, RFC 6121
//! §8), against a real Prosody and a real ejabberd: priorities and bare-JID delivery, requests
//! stored while offline, our own other resources, and subscription
//! requests reaching every available resource.

mod common;

use std::time::Duration;

use balcony::app::event::Event;
use balcony::app::presence::Availability;
use balcony::xmpp::session::SessionEvent;
use balcony::xmpp::stanza::message::Message;
use balcony::xmpp::stanza::presence::{Presence, PresenceType, Show};
use common::{Client, Peer, ServerKind, TestServer};
use jid::{BareJid, Jid};

fn bare(s: &str) -> BareJid {
    BareJid::new(s).unwrap()
}

/// RTE-01, RTE-02, PRES-16, NEW-13: a message to our bare JID goes to the
/// highest non-negative priority; a resource at negative priority
/// (`/priority -1`, with its warning) gets none of them.
async fn rte_02_negative_priority_gets_no_bare_jid_messages(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let text = client.ok("/priority -1").await;
    assert!(text.contains("no messages sent to your bare JID"), "{text}");
    let mut other = Peer::login(&server, &alice, "desk").await;
    other.send(
        Presence {
            priority: 1,
            ..Presence::available()
        }
        .to_element(),
    );
    let bob = Peer::online(&server, &bob, "phone").await;
    // Let the server see both presences before routing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob.send(Message::chat(Jid::new("alice@localhost").unwrap(), "to the bare JID").to_element());
    other
        .expect_message("the bare-JID message", |m| {
            m.body("en") == Some("to the bare JID")
        })
        .await;
    // The full JID still reaches the negative-priority resource.
    bob.send(
        Message::chat(
            Jid::new("alice@localhost/balcony").unwrap(),
            "to the full JID",
        )
        .to_element(),
    );
    let received = client
        .event("the full-JID message", |e| {
            matches!(e, Event::Message { .. })
        })
        .await;
    let Event::Message { body, .. } = received else {
        unreachable!()
    };
    assert_eq!(
        body, "to the full JID",
        "the bare-JID message must not have come here"
    );
}
common::on_both_servers!(rte_02_negative_priority_gets_no_bare_jid_messages);

/// RTE-06, SUB-07: a request sent while we were offline arrives after our
/// next initial presence, and is kept as one prompt.
async fn rte_06_requests_stored_while_offline(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let bob = Peer::online(&server, &bob, "phone").await;
    bob.send(
        Presence::subscription(PresenceType::Subscribe, bare("alice@localhost"))
            .with_status("while you were out")
            .to_element(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut client = Client::start(&server, &alice).await;
    let request = client
        .event("the stored request", |e| {
            matches!(e, Event::SubscriptionRequest { .. })
        })
        .await;
    assert_eq!(
        request,
        Event::SubscriptionRequest {
            jid: "bob@localhost".into(),
            greeting: Some("while you were out".into()),
        }
    );
    assert_eq!(client.engine.state.pending.len(), 1);
}
common::on_both_servers!(rte_06_requests_stored_while_offline);

/// RTE-07, PRES-13: our other resources' broadcast presence reaches us and
/// is kept as "my other devices", never as a roster contact.
async fn rte_07_own_other_resources(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;
    let tablet = Peer::login(&server, &alice, "tablet").await;
    tablet.send(
        Presence {
            show: Some(Show::Away),
            priority: 3,
            ..Presence::available()
        }
        .with_status("on the sofa")
        .to_element(),
    );
    client
        .until("the tablet", |c| {
            c.engine
                .state
                .own_resources
                .resources
                .contains_key("tablet")
        })
        .await;
    let tablet_state = &client.engine.state.own_resources.resources["tablet"];
    assert_eq!(tablet_state.show, Some(Show::Away));
    assert_eq!(tablet_state.status.as_deref(), Some("on the sofa"));
    assert!(
        client
            .engine
            .state
            .presence
            .get(&bare("alice@localhost"))
            .is_none()
    );
    assert!(client.roster_item("alice@localhost").is_none());
    // Our own reflected presence is not listed as another device.
    assert!(
        !client
            .engine
            .state
            .own_resources
            .resources
            .contains_key("balcony")
    );
    tablet.send(Presence::unavailable().to_element());
    client
        .until("the tablet gone", |c| {
            c.engine.state.own_resources.resources.is_empty()
        })
        .await;
}
common::on_both_servers!(rte_07_own_other_resources);

/// INT-11: a subscription request goes to every available resource,
/// including one that never fetched the roster; balcony's answer settles it
/// for all of them.
async fn int_11_requests_reach_every_resource(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut rosterless = Peer::login(&server, &alice, "watch").await;
    rosterless.send(Presence::available().to_element());
    let mut bob = Peer::online(&server, &bob, "phone").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob.send(Presence::subscription(PresenceType::Subscribe, bare("alice@localhost")).to_element());
    rosterless
        .expect_presence("the request", |p| p.kind == PresenceType::Subscribe)
        .await;
    client
        .event("the request", |e| {
            matches!(e, Event::SubscriptionRequest { .. })
        })
        .await;
    client.ok("/approve bob@localhost").await;
    bob.expect_presence("the approval", |p| p.kind == PresenceType::Subscribed)
        .await;
    // ROS-02: the roster-less resource gets no roster push about it.
    if kind == ServerKind::Ejabberd {
        // ejabberd 23.01 pushes to every resource, "interested" (RFC 6121 §2.1.6) or not.
        rosterless
            .expect_push("ejabberd's push", |i| i.jid.as_str() == "bob@localhost")
            .await;
        return;
    }
    assert!(
        rosterless
            .nothing(Duration::from_millis(500), |e| matches!(
                e,
                SessionEvent::RosterPush { .. }
            ))
            .await
    );
}
common::on_both_servers!(int_11_requests_reach_every_resource);

/// RTE-03: a chat locked to a resource that has gone is still delivered:
/// without a subscription we never see that resource leave, and the server
/// routes a message for a gone full JID as if it were for the bare JID.
async fn rte_03_message_to_gone_resource_still_arrives(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let phone = Peer::online(&server, &bob_account, "phone").await;
    let mut laptop = Peer::online(&server, &bob_account, "laptop").await;
    phone.send(
        Message::chat(
            Jid::new("alice@localhost/balcony").unwrap(),
            "from the phone",
        )
        .to_element(),
    );
    client
        .event("the message", |e| matches!(e, Event::Message { .. }))
        .await;
    let conversation = client
        .engine
        .state
        .chats
        .latest_with(&bare("bob@localhost"))
        .unwrap();
    assert_eq!(conversation.locked.as_deref(), Some("phone"));
    phone.send(Presence::unavailable().to_element());
    drop(phone);
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.ok("/msg bob@localhost still there?").await;
    laptop
        .expect_message("the rerouted message", |m| {
            m.body("en") == Some("still there?")
        })
        .await;
    assert_eq!(
        client
            .engine
            .state
            .presence
            .availability(&bare("bob@localhost")),
        Availability::Offline,
        "not subscribed: no presence known"
    );
}
common::on_both_servers!(rte_03_message_to_gone_resource_still_arrives);
