//! Client state indication (XEP-0352, CSI-*) against Prosody (`mod_csi`,
//! `mod_csi_simple`) and ejabberd (`mod_client_state`): both offer
//! `urn:xmpp:csi:0`; when the terminal loses the focus balcony sends
//! `<inactive/>`, and `<active/>` when it is back, once each. Stream
//! management keeps working: the nonzas are not counted as stanzas
//! (CSI-04, SM2-04), so a message sent after them is still acknowledged,
//! and messages flow both ways meanwhile. The servers act on it: a
//! contact's presence change waits while we are inactive and arrives once
//! we say `<active/>` (CSI-02, CSI-06, CSI-08).

mod common;

use std::time::Duration;

use balcony::app::event::Event;
use balcony::app::presence::Availability;
use balcony::app::{Preferences, ViewMsg};
use balcony::engine::Engine;
use balcony::xmpp::stanza::message::Message;
use balcony::xmpp::stanza::presence::{Presence, PresenceType, Show};
use balcony::xmpp::stanza::roster::Subscription;
use balcony::xmpp::trace::{TraceOptions, XmlTrace};
use common::{Client, Peer, ServerKind, ServerOptions, TestServer};
use jid::{BareJid, Jid};

const INACTIVE: &str = "<inactive xmlns='urn:xmpp:csi:0'/>";
const ACTIVE: &str = "<active xmlns='urn:xmpp:csi:0'/>";

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// CSI-01..04: offered, sent on focus changes only, and SM unharmed.
async fn csi_goes_out_and_messages_flow(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        smacks: true,
        ..ServerOptions::default()
    });
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().unwrap();
    let trace_path = dir.path().join("trace.xml");
    let mut settings = common::client::settings(&server, &alice);
    settings.trace = Some(XmlTrace::open(&trace_path, TraceOptions::default()).unwrap());
    let mut client = Client::start_engine(Engine::new(
        settings,
        Preferences::default(),
        None,
        Vec::new(),
    ))
    .await;
    client.until("acks", |c| c.engine.state.acks).await;
    assert!(
        client.engine.state.features.csi,
        "{} does not offer urn:xmpp:csi:0",
        kind.name()
    );
    let mut peer = Peer::online(&server, &bob, "phone").await;

    // Focus lost, then idle on top: one <inactive/>.
    client.engine.view(ViewMsg::Focus(false));
    client.engine.view(ViewMsg::Idle(true));
    client.engine.view(ViewMsg::Focus(false));

    // While inactive a message with a body still reaches us.
    peer.send(Message::chat(Jid::new(&alice.jid).unwrap(), "while away").to_element());
    client
        .event(
            "the message sent while inactive",
            |e| matches!(e, Event::Message { body, .. } if body == "while away"),
        )
        .await;

    // Our message after the nonza is delivered and acknowledged: had the
    // nonza been counted, the server's <a h/> would fall one short.
    client.ok(&format!("/msg {} from afar", bob.jid)).await;
    peer.expect_message("alice's message", |m| {
        m.body("en").is_some_and(|b| b == "from afar")
    })
    .await;
    let peer_jid = BareJid::new(&bob.jid).unwrap();
    client
        .until("the server's ack of our message", |c| {
            c.engine
                .state
                .chats
                .latest_with(&peer_jid)
                .is_some_and(|conversation| {
                    conversation
                        .lines
                        .iter()
                        .any(|l| l.body == "from afar" && !l.pending)
                })
        })
        .await;

    // Back: one <active/>, only once both focus and keys are back.
    client.engine.view(ViewMsg::Focus(true));
    client.engine.view(ViewMsg::Idle(false));
    client.engine.view(ViewMsg::Idle(false));
    client.ok(&format!("/msg {} back", bob.jid)).await;
    peer.expect_message("alice's second message", |m| {
        m.body("en").is_some_and(|b| b == "back")
    })
    .await;
    client
        .until("the server's ack of the second message", |c| {
            c.engine
                .state
                .chats
                .latest_with(&peer_jid)
                .is_some_and(|conversation| {
                    conversation
                        .lines
                        .iter()
                        .any(|l| l.body == "back" && !l.pending)
                })
        })
        .await;
    assert!(client.engine.is_connected(), "the server closed the stream");

    let trace = std::fs::read_to_string(&trace_path).unwrap();
    assert_eq!(count(&trace, INACTIVE), 1, "{trace}");
    assert_eq!(count(&trace, ACTIVE), 1, "{trace}");
    let inactive_at = trace.find(INACTIVE).unwrap();
    assert!(
        trace[inactive_at..].contains(ACTIVE),
        "active before inactive"
    );
}
common::on_both_servers!(csi_goes_out_and_messages_flow);

/// CSI-02, CSI-06: while we are inactive the server holds a contact's
/// presence change; `<active/>` brings it.
async fn presence_waits_while_inactive(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(&server, &bob_account, "phone").await;
    let mut client = Client::start(&server, &alice).await;
    let bob_bare = BareJid::new(&bob_account.jid).unwrap();
    let alice_bare = BareJid::new(&alice.jid).unwrap();
    client.ok(&format!("/add {}", bob_account.jid)).await;
    bob.expect_presence("subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    bob.send(Presence::subscription(PresenceType::Subscribed, alice_bare.clone()).to_element());
    bob.send(Presence::subscription(PresenceType::Subscribe, alice_bare).to_element());
    client
        .event("request", |e| {
            matches!(e, Event::SubscriptionRequest { .. })
        })
        .await;
    client.ok(&format!("/approve {}", bob_account.jid)).await;
    client
        .until("both", |c| {
            c.roster_item(&bob_account.jid)
                .is_some_and(|i| i.subscription == Subscription::Both)
        })
        .await;
    client
        .until("bob online", |c| {
            c.engine.state.presence.availability(&bob_bare) == Availability::Online
        })
        .await;
    assert!(
        client.engine.state.features.csi,
        "{} does not offer CSI",
        kind.name()
    );

    client.engine.view(ViewMsg::Focus(false));
    // Let the session task write <inactive/> and the server read it before
    // bob changes (a stanza of ours would make Prosody flush, so no round
    // trip here).
    let settle = tokio::time::Instant::now() + Duration::from_secs(1);
    while tokio::time::Instant::now() < settle {
        let _ = tokio::time::timeout_at(settle, client.engine.step()).await;
    }
    let mut away = Presence::available();
    away.show = Some(Show::Away);
    bob.send(away.to_element());
    // Held: after a while we still see bob online.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while tokio::time::Instant::now() < deadline {
        let _ = tokio::time::timeout_at(deadline, client.engine.step()).await;
    }
    assert_eq!(
        client.engine.state.presence.availability(&bob_bare),
        Availability::Online,
        "{} delivered the presence change to an inactive client",
        kind.name()
    );

    client.engine.view(ViewMsg::Focus(true));
    client
        .until("bob away once active", |c| {
            c.engine.state.presence.availability(&bob_bare) == Availability::Away
        })
        .await;
}
common::on_both_servers!(presence_waits_while_inactive);
