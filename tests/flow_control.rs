//! What a server can do to the plumbing behind the parser: ask for acks
//! before anything is stored, flood faster than messages can be stored, go
//! silent, or stop reading. Each against the real session task on a
//! scripted fake server (loopback-free: an in-memory pipe).
//!
//! - Acknowledge only what is stored: the XEP-0198 `h` covers only events
//!   the consumer has reported handled (SM2, ours).
//! - Backpressure: an unhandled backlog stops the session reading.
//! - No spin: a silent server costs a handful of loop turns, not a busy
//!   loop, until the dead link is noticed (CORE-25).
//! - No blocked writer: a server that stops reading is a dead link after
//!   the timeout, not a session stuck "online" for ever.

mod common;

use std::time::Duration;

use balcony::xmpp::ledger::MAX_BACKLOG;
use balcony::xmpp::ns;
use balcony::xmpp::session::{Session, SessionEvent};
use balcony::xmpp::stanza::message::Message;
use common::{FakeServer, STEP, fake_login, fake_settings};

const SM_FEATURE: &str = "<sm xmlns='urn:xmpp:sm:3'/>";

/// Logs in with stream management and enables it; the `AcksEnabled` event
/// is taken (and handled).
async fn with_stream_management(capacity: usize) -> (FakeServer, Session) {
    let (mut server, mut session) = fake_login(fake_settings(), capacity, SM_FEATURE).await;
    let enable = server.element().await;
    assert!(enable.is("enable", ns::SM), "{}", enable.to_xml());
    server
        .send(b"<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>")
        .await;
    match tokio::time::timeout(STEP, session.events.recv()).await {
        Ok(Some(SessionEvent::AcksEnabled)) => {}
        other => panic!("expected AcksEnabled, got {other:?}"),
    }
    (server, session)
}

fn chat(n: usize, body: &str) -> String {
    format!(
        "<message type='chat' from='romeo@example.net/orchard' id='m{n}'><body>{body}</body></message>"
    )
}

/// The `h` of the next `<a/>` the client sends.
async fn next_ack(server: &mut FakeServer) -> u32 {
    loop {
        let element = server.element().await;
        if element.is("a", ns::SM) {
            return element
                .attr("h")
                .and_then(|h| h.parse().ok())
                .expect("a numeric h");
        }
    }
}

/// A held event, not yet reported handled.
async fn held(session: &mut Session) -> SessionEvent {
    tokio::time::timeout(STEP, session.events.recv_held())
        .await
        .expect("an event in time")
        .expect("the session is alive")
}

/// The server asks for an ack while messages wait unstored: `h` counts
/// only what the consumer reported handled, and the rest is acknowledged
/// once it has been (SM2-05: every `<r/>` answered; SM2-06: `h` never
/// runs ahead of what we hold).
#[tokio::test]
async fn ack_covers_only_handled_stanzas() {
    let (mut server, mut session) = with_stream_management(1 << 20).await;
    let ledger = session.events.ledger();
    for n in 1..=3 {
        server.send(chat(n, "hello").as_bytes()).await;
    }
    for _ in 1..=3 {
        assert!(matches!(held(&mut session).await, SessionEvent::Message(_)));
    }
    server.send(b"<r xmlns='urn:xmpp:sm:3'/>").await;
    assert_eq!(next_ack(&mut server).await, 0, "nothing is stored yet");

    ledger.handled(2);
    server.send(b"<r xmlns='urn:xmpp:sm:3'/>").await;
    assert_eq!(next_ack(&mut server).await, 2);

    // The last one stored: the owed ack comes without another <r/>.
    ledger.handled(1);
    assert_eq!(next_ack(&mut server).await, 3);
}

/// A flood the consumer does not keep up with: the session stops reading
/// (the server's writes block on the pipe) instead of buffering, and
/// resumes as the consumer catches up; nothing is lost.
#[tokio::test]
async fn unhandled_backlog_stops_reading() {
    const FLOOD: usize = 2_000;
    let (server, mut session) = with_stream_management(64 << 10).await;
    let ledger = session.events.ledger();
    let body = "x".repeat(1_000);
    let FakeServer { mut writer, reader } = server;
    let flood = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        for n in 1..=FLOOD {
            writer
                .write_all(chat(n, &body).as_bytes())
                .await
                .expect("write");
        }
        writer
    });
    // Let the flood run as far as it can while nothing is handled.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut waiting = 0;
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_millis(100), session.events.recv_held()).await
    {
        waiting += 1;
    }
    assert!(
        waiting <= MAX_BACKLOG + 2,
        "{waiting} events buffered; the backlog limit is {MAX_BACKLOG}"
    );
    assert!(
        !flood.is_finished(),
        "the server's writes should be blocked"
    );

    // Catch up: everything arrives, in order.
    ledger.handled(waiting);
    let mut received = waiting;
    while received < FLOOD as u64 {
        match held(&mut session).await {
            SessionEvent::Message(m) => {
                received += 1;
                assert_eq!(m.id.as_deref(), Some(format!("m{received}").as_str()));
            }
            other => panic!("unexpected {other:?}"),
        }
        ledger.handled(1);
    }
    let _writer = tokio::time::timeout(STEP, flood)
        .await
        .expect("the flood finished")
        .expect("the flood task did not panic");
    drop(reader);
}

/// CORE-25: with the server silent, the keepalive ping goes out after
/// `keepalive` and the link is dead `timeout` later, with the loop waking
/// only a few times (it used to spin on the past keepalive moment, tens of
/// thousands of turns a second). Real time, short intervals: a paused
/// clock never advances under a spinning task, so the test would hang
/// instead of failing.
#[tokio::test]
async fn silent_server_costs_no_spin() {
    let mut settings = fake_settings();
    settings.keepalive = Duration::from_secs(1);
    settings.reply_timeout = Duration::from_secs(1);
    let (mut server, mut session) = fake_login(settings, 1 << 20, "").await;
    let turns = session.handle.loop_turns();
    let started = tokio::time::Instant::now();
    let event = tokio::time::timeout(Duration::from_secs(30), session.events.recv())
        .await
        .expect("the dead link is noticed")
        .expect("the session reports it");
    let SessionEvent::Reconnecting { error, .. } = event else {
        panic!("expected Reconnecting, got {event:?}");
    };
    assert!(error.contains("keepalive"), "{error}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1_900), "{waited:?}");
    let woke = session.handle.loop_turns() - turns;
    assert!(woke <= 10, "the loop woke {woke} times in {waited:?}");
    let ping = server.element().await;
    assert!(ping.has_child("ping", ns::PING), "{}", ping.to_xml());
}

/// A server that stops reading: a write that cannot complete within the
/// timeout makes the link count as dead, instead of the session sitting
/// "online" for ever with the message never sent.
#[tokio::test(start_paused = true)]
async fn server_that_stops_reading_is_a_dead_link() {
    let mut settings = fake_settings();
    settings.reply_timeout = Duration::from_secs(30);
    // A pipe of 4 KiB that the server never reads from.
    let (_server, mut session) = fake_login(settings, 4 << 10, "").await;
    let big = "y".repeat(16 << 10);
    let mut message = Message::chat("romeo@example.net".parse().expect("a JID"), big);
    message.id = Some("stuck-1".into());
    session
        .handle
        .send(message.to_element())
        .expect("the session takes it");
    let event = tokio::time::timeout(Duration::from_secs(120), session.events.recv())
        .await
        .expect("the stuck write is noticed")
        .expect("the session reports it");
    let SessionEvent::Reconnecting { error, .. } = event else {
        panic!("expected Reconnecting, got {event:?}");
    };
    assert!(error.contains("stopped reading"), "{error}");
}

/// A server that drops every connection right after login gets logins at
/// a growing interval (attempts 1, 2, 3 of the backoff), not one a second
/// for ever.
#[tokio::test]
async fn kicks_after_each_login_back_off() {
    let server = common::TestServer::start();
    let account = server.account("alice");
    let proxy = common::FreezableProxy::start(server.port).await;
    let mut settings = common::settings(&server, &account);
    settings.port = Some(proxy.port);
    let mut session = balcony::xmpp::session::start(settings)
        .await
        .expect("login");
    let mut attempts = Vec::new();
    for _ in 0..3 {
        proxy.cut();
        let attempt = loop {
            match tokio::time::timeout(Duration::from_secs(20), session.events.recv()).await {
                Ok(Some(SessionEvent::Reconnecting { attempt, .. })) => break attempt,
                Ok(Some(_)) => continue,
                other => panic!("expected Reconnecting, got {other:?}"),
            }
        };
        attempts.push(attempt);
        // Wait for the next login before cutting again.
        loop {
            match tokio::time::timeout(Duration::from_secs(20), session.events.recv()).await {
                Ok(Some(SessionEvent::Online { .. } | SessionEvent::Resumed)) => break,
                Ok(Some(_)) => continue,
                other => panic!("expected a new login, got {other:?}"),
            }
        }
    }
    assert_eq!(attempts, [1, 2, 3]);
}
