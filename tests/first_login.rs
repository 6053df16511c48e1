//! The first login, when it does not work at once (CORE-20, SESS-05): a
//! server that is down is retried with the session's backoff, shown as a
//! reconnect, until it is up; `/disconnect` and `/reconnect` during the wait
//! stop or restart that one login, and never leave a second one running.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use balcony::app::event::Event;
use balcony::app::{ConnectionState, Preferences};
use balcony::engine::Engine;
use balcony::xmpp::settings::{ConnectSettings, Password};
use common::{ServerKind, TestServer};
use tokio::time::Instant;

/// Steps `engine` until `done` holds, collecting its events; panics after
/// `limit`.
async fn until(
    engine: &mut Engine,
    events: &mut Vec<Event>,
    limit: Duration,
    what: &str,
    mut done: impl FnMut(&Engine, &[Event]) -> bool,
) {
    let deadline = Instant::now() + limit;
    loop {
        events.extend(engine.take_events());
        if done(engine, events) {
            return;
        }
        match tokio::time::timeout_at(deadline, engine.step()).await {
            Ok(true) => {}
            Ok(false) => panic!("engine stopped while waiting for {what}"),
            Err(_) => panic!(
                "no {what} within {limit:?}; state {:?}; events: {events:#?}",
                engine.state.connection
            ),
        }
    }
}

/// Steps `engine` for `duration`, collecting its events.
async fn idle(engine: &mut Engine, events: &mut Vec<Event>, duration: Duration) {
    let deadline = Instant::now() + duration;
    while let Ok(true) = tokio::time::timeout_at(deadline, engine.step()).await {
        events.extend(engine.take_events());
    }
    events.extend(engine.take_events());
}

fn reconnecting(engine: &Engine) -> bool {
    matches!(
        engine.state.connection,
        ConnectionState::Reconnecting { .. }
    )
}

fn attempt(engine: &Engine) -> Option<u32> {
    match engine.state.connection {
        ConnectionState::Reconnecting { attempt, .. } => Some(attempt),
        _ => None,
    }
}

/// Settings for a login to 127.0.0.1:`port`.
fn loopback(port: u16) -> ConnectSettings {
    let jid = jid::BareJid::new("juliet@localhost").unwrap();
    let mut settings = ConnectSettings::new(jid, Password::new("secret"));
    settings.host = Some("127.0.0.1".into());
    settings.port = Some(port);
    settings
}

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// SESS-05, CORE-20: the server is down at the first login; balcony says
/// so as a reconnect ("reconnecting in Ns (attempt N)"), keeps trying with
/// backoff, and logs in by itself once the server is back.
async fn sess_05_first_login_waits_for_the_server(kind: ServerKind) {
    let mut server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    server.stop();
    let mut engine = Engine::new(
        common::settings(&server, &alice),
        Preferences::default(),
        None,
        Vec::new(),
    );
    let mut events = Vec::new();
    engine.connect();
    until(
        &mut engine,
        &mut events,
        Duration::from_secs(10),
        "a retry announced",
        |e, _| reconnecting(e),
    )
    .await;
    let notice = engine.state.notices.back().unwrap().text.clone();
    assert!(notice.contains("reconnecting in"), "{notice}");
    assert!(notice.contains("(attempt 1)"), "{notice}");

    server.restart();
    until(
        &mut engine,
        &mut events,
        Duration::from_secs(45),
        "the login once the server is up",
        |e, _| e.state.initial_presence_sent,
    )
    .await;
    assert!(engine.state.is_online(), "{:?}", engine.state.connection);
    assert!(engine.is_connected());
}
common::on_both_servers!(sess_05_first_login_waits_for_the_server);

/// SESS-05: `/disconnect` while the first login waits to retry stops it:
/// Offline at once, and no attempt follows.
#[tokio::test]
async fn sess_05_disconnect_during_the_retry_wait_stops_the_login() {
    let mut engine = Engine::new(
        loopback(closed_port()),
        Preferences::default(),
        None,
        Vec::new(),
    );
    let mut events = Vec::new();
    engine.connect();
    until(
        &mut engine,
        &mut events,
        Duration::from_secs(10),
        "a retry announced",
        |e, _| reconnecting(e),
    )
    .await;
    engine.command_line("/disconnect");
    events.extend(engine.take_events());
    assert_eq!(
        engine.state.connection,
        ConnectionState::Offline { error: None }
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Offline { error: None }))
    );
    assert!(!engine.is_logging_in());
    // Longer than the first backoff (at most 1.5 s): nothing more happens.
    events.clear();
    idle(&mut engine, &mut events, Duration::from_secs(3)).await;
    assert_eq!(
        engine.state.connection,
        ConnectionState::Offline { error: None }
    );
    assert!(events.is_empty(), "{events:#?}");
}

/// SESS-05: `/reconnect` while the first login waits tries again at once,
/// replacing that login: every connection the server sees is one reported
/// attempt, so no forgotten login goes on trying beside the new one.
#[tokio::test]
async fn sess_05_reconnect_during_the_retry_wait_replaces_the_login() {
    // A "server" that accepts and hangs up: each login fails, retryably.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let mut engine = Engine::new(loopback(port), Preferences::default(), None, Vec::new());
    let mut events = Vec::new();
    let mut reported = 0;
    engine.connect();
    for _ in 0..3 {
        until(
            &mut engine,
            &mut events,
            Duration::from_secs(10),
            "a retry announced",
            |e, _| attempt(e) == Some(1),
        )
        .await;
        reported += 1;
        engine.command_line("/reconnect");
        assert_eq!(engine.state.connection, ConnectionState::Connecting);
    }
    // The last login goes on by itself: attempts 1, 2, 3.
    for n in 1..=3 {
        until(
            &mut engine,
            &mut events,
            Duration::from_secs(10),
            "the next attempt",
            |e, _| attempt(e) == Some(n),
        )
        .await;
        reported += 1;
    }
    // Every connection was an attempt that was reported, none more.
    assert_eq!(accepted.load(Ordering::SeqCst), reported, "{events:#?}");
}
