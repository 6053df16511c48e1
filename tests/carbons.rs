//! Messages across the user's devices against a real Prosody and a real ejabberd, with slixmpp
//! as the user's other device and as the contact (`common::slixmpp`): carbons (XEP-0280,
//! checklist CARBONS-*) show what another device sent as our own line and what it received as
//! an incoming one, each once and in the history; a contact's fake carbon is dropped; and what
//! balcony sends carries an origin-id (XEP-0359, SID-01).

mod common;

use std::path::Path;

use balcony::app::Preferences;
use balcony::app::chat::Direction as LineDirection;
use balcony::app::event::Event;
use balcony::engine::Engine;
use balcony::history::{Direction, History};
use common::slixmpp::Device;
use common::{Account, Client, ServerKind, TestServer};
use jid::BareJid;

/// Balcony as alice/balcony with a history at `path`, carbons on.
async fn balcony(server: &TestServer, account: &Account, path: &Path) -> Client {
    let mut settings = common::settings(server, account);
    settings.resource = Some("balcony".into());
    let history = History::open(path).expect("history");
    let engine =
        Engine::new(settings, Preferences::default(), None, Vec::new()).with_history(history);
    let mut client = Client::start_engine(engine).await;
    // CARBONS-01, CARBONS-02: both servers offer carbons; balcony turns them on at login.
    client
        .until("carbons enabled", |c| c.engine.state.devices.carbons)
        .await;
    client
}

/// Lines with `body` in the conversation with `peer`, with their direction and resource.
fn lines_with(client: &Client, peer: &str, body: &str) -> Vec<(LineDirection, Option<String>)> {
    let peer = BareJid::new(peer).expect("jid");
    client
        .engine
        .state
        .chats
        .latest_with(&peer)
        .map(|c| {
            c.lines
                .iter()
                .filter(|l| l.body == body)
                .map(|l| (l.direction, l.resource.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Stored rows with `body` with `peer`, with their direction and resource.
fn stored_with(path: &Path, peer: &str, body: &str) -> Vec<(Direction, Option<String>)> {
    History::open(path)
        .expect("history")
        .recent("alice@localhost", peer, 100)
        .expect("recent")
        .into_iter()
        .filter(|m| m.body == body)
        .map(|m| (m.direction, m.resource))
        .collect()
}

fn is_carbon(event: &Event, want: &str, text: &str) -> bool {
    matches!(event, Event::Carbon { direction, body, .. } if direction == want && body == text)
}

/// CARBONS-06, CARBONS-14, SID-05: what the user's phone sends to bob shows in balcony as the
/// user's own line in the bob conversation (the phone's resource kept), once, even when the
/// phone sends it again with the same origin-id (a resend after a reconnect); it is stored once,
/// as outgoing. Bob gets it from the phone.
async fn sent_from_other_device_is_our_line_once(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut client = balcony(&server, &alice, &path).await;
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    phone
        .send_chat("bob@localhost", "from my phone", Some("origin-phone-1"))
        .await;
    phone
        .send_chat("bob@localhost", "from my phone", Some("origin-phone-1"))
        .await;
    phone
        .send_chat(
            "bob@localhost",
            "second from my phone",
            Some("origin-phone-2"),
        )
        .await;
    let event = client
        .event("the sent carbon", |e| {
            is_carbon(e, "sent", "second from my phone")
        })
        .await;
    let Event::Carbon { from, to, .. } = &event else {
        unreachable!()
    };
    assert_eq!(from, "alice@localhost/phone");
    assert_eq!(to, "bob@localhost");
    let got = bob
        .expect_message("the phone's message", |m| {
            m["body"] == "second from my phone"
        })
        .await;
    assert_eq!(got["from"], "alice@localhost/phone");

    assert_eq!(
        lines_with(&client, "bob@localhost", "from my phone"),
        [(LineDirection::Outgoing, Some("phone".to_owned()))],
        "shown once, as our own line"
    );
    assert_eq!(
        client
            .events
            .iter()
            .filter(|e| is_carbon(e, "sent", "from my phone"))
            .count(),
        1
    );
    assert!(
        !client
            .events
            .iter()
            .any(|e| matches!(e, Event::Message { body, .. } if body.contains("from my phone"))),
        "never shown as incoming: {:?}",
        client.events
    );
    assert_eq!(
        stored_with(&path, "bob@localhost", "from my phone"),
        [(Direction::Outgoing, Some("phone".to_owned()))]
    );
    assert_eq!(
        stored_with(&path, "bob@localhost", "second from my phone").len(),
        1
    );
    phone.quit().await;
    bob.quit().await;
}
common::on_both_servers!(sent_from_other_device_is_our_line_once);

/// CARBONS-05: bob writes to the user's phone by its full JID; balcony gets the received copy
/// and shows it as an incoming line from bob, stored once as incoming.
async fn received_by_other_device_is_shown_incoming(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut client = balcony(&server, &alice, &path).await;
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    bob.send_chat("alice@localhost/phone", "to your phone", None)
        .await;
    phone
        .expect_message("bob's message", |m| m["body"] == "to your phone")
        .await;
    let event = client
        .event("the received carbon", |e| {
            is_carbon(e, "received", "to your phone")
        })
        .await;
    let Event::Carbon { from, to, .. } = &event else {
        unreachable!()
    };
    assert_eq!(from, "bob@localhost/laptop");
    assert_eq!(to, "alice@localhost/phone");
    assert_eq!(
        lines_with(&client, "bob@localhost", "to your phone"),
        [(LineDirection::Incoming, Some("laptop".to_owned()))]
    );
    assert_eq!(
        stored_with(&path, "bob@localhost", "to your phone"),
        [(Direction::Incoming, Some("laptop".to_owned()))]
    );
    phone.quit().await;
    bob.quit().await;
}
common::on_both_servers!(received_by_other_device_is_shown_incoming);

/// CARBONS-04: a contact wraps a `<sent/>` and a `<received/>` in a message of their own.
/// Neither is shown or stored: no line, no conversation with the made-up peer, no history row;
/// bob's plain message sent afterwards arrives as usual.
async fn spoofed_carbon_is_dropped(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut client = balcony(&server, &alice, &path).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    for (wrapper, inner) in [
        (
            "sent",
            "from='alice@localhost/phone' to='mallory@localhost'",
        ),
        (
            "received",
            "from='mallory@localhost/x' to='alice@localhost/phone'",
        ),
    ] {
        bob.send_raw(&format!(
            "<message to='alice@localhost/balcony' type='chat' id='spoof-{wrapper}'>\
             <{wrapper} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
             <message xmlns='jabber:client' {inner} type='chat' id='inner-{wrapper}'>\
             <body>spoofed {wrapper}</body></message></forwarded></{wrapper}></message>"
        ))
        .await;
    }
    bob.send_chat("alice@localhost/balcony", "after the spoof", None)
        .await;
    client
        .event(
            "bob's plain message",
            |e| matches!(e, Event::Message { body, .. } if body == "after the spoof"),
        )
        .await;

    let shown = |e: &Event| format!("{e:?}").contains("spoofed");
    assert!(!client.events.iter().any(shown), "{:?}", client.events);
    let mallory = BareJid::new("mallory@localhost").expect("jid");
    assert!(client.engine.state.chats.latest_with(&mallory).is_none());
    for peer in ["bob@localhost", "mallory@localhost"] {
        let peer_jid = BareJid::new(peer).expect("jid");
        if let Some(c) = client.engine.state.chats.latest_with(&peer_jid) {
            assert!(!c.lines.iter().any(|l| l.body.contains("spoofed")));
        }
    }
    let history = History::open(&path).expect("history");
    assert!(
        history
            .search("alice@localhost", "spoofed", 10)
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        stored_with(&path, "bob@localhost", "after the spoof").len(),
        1
    );
    bob.quit().await;
}
common::on_both_servers!(spoofed_carbon_is_dropped);

/// SID-01: what balcony sends carries an `<origin-id/>` equal to the message id, as the
/// contact's independent client sees it.
async fn outgoing_messages_carry_origin_id(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut client = balcony(&server, &alice, &path).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    // To the device itself: a bare JID would depend on the server having
    // its presence already.
    client.ok("/msg bob@localhost/laptop with an origin").await;
    let got = bob
        .expect_message("balcony's message", |m| m["body"] == "with an origin")
        .await;
    let origin = got["origin_id"].as_str().unwrap_or_default();
    assert!(!origin.is_empty(), "no origin-id: {got}");
    assert_eq!(got["id"], got["origin_id"]);
    bob.quit().await;
}
common::on_both_servers!(outgoing_messages_carry_origin_id);

/// CARBONS-04, CARBONS-07, at the session's border: wrappers from anyone but our bare JID (our
/// own full JID, another account, our domain, a contact, nobody) and malformed ones produce no
/// event at all; a good one from our bare JID comes out unwrapped, then the next message.
#[tokio::test]
async fn carbons_04_07_session_unwraps_only_our_own_well_formed_carbons() {
    use balcony::xmpp::session::SessionEvent;
    use balcony::xmpp::stanza::carbons::Direction as CarbonDirection;

    let (mut server, mut session) = common::fake_login(common::fake_settings(), 1 << 20, "").await;
    let inner = "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' \
                 from='juliet@example.com/chamber' to='romeo@example.net' type='chat'>\
                 <body>BODY</body></message></forwarded>";
    let mut stream = String::new();
    for from in [
        " from='juliet@example.com/chamber'",
        " from='juliet@example.com/balcony'",
        " from='nurse@example.com'",
        " from='example.com'",
        " from='tybalt@example.com/home'",
        "",
    ] {
        stream.push_str(&format!(
            "<message{from} to='juliet@example.com/balcony' type='chat'>\
             <sent xmlns='urn:xmpp:carbons:2'>{}</sent></message>",
            inner.replace("BODY", "spoofed")
        ));
    }
    // CARBONS-07: two wrappers; a wrapper without a forwarded message; an inner groupchat.
    stream.push_str(&format!(
        "<message from='juliet@example.com'><sent xmlns='urn:xmpp:carbons:2'>{0}</sent>\
         <received xmlns='urn:xmpp:carbons:2'>{0}</received></message>\
         <message from='juliet@example.com'><sent xmlns='urn:xmpp:carbons:2'/></message>\
         <message from='juliet@example.com'><received xmlns='urn:xmpp:carbons:2'>\
         <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' \
         from='verona@conference.example.com/romeo' type='groupchat'><body>malformed</body>\
         </message></forwarded></received></message>",
        inner.replace("BODY", "malformed")
    ));
    stream.push_str(&format!(
        "<message from='juliet@example.com' to='juliet@example.com/balcony' type='chat'>\
         <sent xmlns='urn:xmpp:carbons:2'>{}</sent></message>\
         <message from='romeo@example.net/orchard' type='chat'><body>plain</body></message>",
        inner.replace("BODY", "genuine")
    ));
    server.send(stream.as_bytes()).await;

    let mut events = Vec::new();
    while events.len() < 2 {
        match tokio::time::timeout(common::STEP, session.events.recv()).await {
            Ok(Some(event)) => events.push(event),
            other => panic!("no event: {other:?}; so far {events:?}"),
        }
    }
    match &events[0] {
        SessionEvent::Carbon { direction, message } => {
            assert_eq!(*direction, CarbonDirection::Sent);
            assert_eq!(message.body(""), Some("genuine"));
            assert_eq!(
                message.to.as_ref().map(|j| j.to_string()).as_deref(),
                Some("romeo@example.net")
            );
        }
        other => panic!("expected the genuine carbon first, got {other:?}"),
    }
    assert!(
        matches!(&events[1], SessionEvent::Message(m) if m.body("") == Some("plain")),
        "{events:?}"
    );
}
