//! Client state indication (XEP-0352, CSI-*) against Prosody (`mod_csi`,
//! `mod_csi_simple`) and ejabberd (`mod_client_state`): both offer
//! `urn:xmpp:csi:0`; when the terminal loses the focus balcony sends
//! `<inactive/>`, and `<active/>` when it is back, once each. Stream
//! management keeps working: the nonzas are not counted as stanzas
//! (CSI-04, SM2-04), so a message sent after them is still acknowledged,
//! and messages flow both ways meanwhile.

mod common;

use balcony::app::event::Event;
use balcony::app::{Preferences, ViewMsg};
use balcony::engine::Engine;
use balcony::xmpp::stanza::message::Message;
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
