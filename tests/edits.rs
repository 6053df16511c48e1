//! Message corrections (XEP-0308, checklist CORRECT-*) and displayed markers (XEP-0333,
//! MARKERS-*) against a real Prosody and a real ejabberd, with slixmpp as the contact
//! (`common::slixmpp`): the contact's correction replaces their line in balcony and in its
//! history (after a restart too), balcony's `/correct` reaches the contact naming the original
//! id, balcony's marker goes out only once the store hears the window was seen, and the
//! contact's marker marks balcony's lines read, in memory and in the history. The last test
//! runs the real binary in tmux and drives it by keys: the marker waits until the window is on
//! screen, Up corrects the last message, and the marks are drawn.

mod common;

use balcony::app::event::Event;
use balcony::app::{Preferences, ViewMsg};
use balcony::engine::Engine;
use balcony::history::History;
use balcony::xmpp::stanza::roster::Subscription;
use common::slixmpp::Device;
use common::tmux::{Tmux, shell_quote};
use common::{Account, Client, ServerKind, TestServer};
use jid::BareJid;

const BOB: &str = "bob@localhost";

async fn client_with_history(
    server: &TestServer,
    account: &Account,
    path: &std::path::Path,
) -> Client {
    let mut settings = common::settings(server, account);
    settings.resource = Some("balcony".into());
    let history = History::open(path).expect("history");
    let engine =
        Engine::new(settings, Preferences::default(), None, Vec::new()).with_history(history);
    Client::start_engine(engine).await
}

/// The lines with bob: body, edited, read.
fn lines(client: &Client) -> Vec<(String, bool, bool)> {
    let peer = BareJid::new(BOB).expect("jid");
    client
        .engine
        .state
        .chats
        .latest_with(&peer)
        .map(|c| {
            c.lines
                .iter()
                .map(|l| (l.body.clone(), l.edited, l.displayed))
                .collect()
        })
        .unwrap_or_default()
}

fn line(body: &str, edited: bool, read: bool) -> (String, bool, bool) {
    (body.to_owned(), edited, read)
}

/// CORRECT-06, CORRECT-08, CORRECT-11: bob corrects his message; balcony shows the new text in
/// its place, marked edited, reports it, and keeps it in the history, so a restart shows the
/// corrected text with the mark. CORRECT-03, CORRECT-04: balcony's `/correct` reaches bob as a
/// new message naming the original id, twice.
async fn corrections_both_ways(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.sqlite3");
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    {
        let mut client = client_with_history(&server, &alice, &path).await;
        let to = "alice@localhost/balcony";
        bob.send_markable(to, "helo wrld", "bob-1").await;
        client
            .event(
                "bob's message",
                |e| matches!(e, Event::Message { body, .. } if body == "helo wrld"),
            )
            .await;
        bob.send_correction(to, "hello world", "bob-2", "bob-1")
            .await;
        let event = client
            .event("bob's correction", |e| {
                matches!(e, Event::Correction { .. })
            })
            .await;
        let Event::Correction { from, id, body, .. } = &event else {
            unreachable!()
        };
        assert!(from.starts_with("bob@localhost/laptop"), "{from}");
        assert_eq!((id.as_str(), body.as_str()), ("bob-1", "hello world"));
        assert_eq!(lines(&client), [line("hello world", true, false)]);
        let stored = History::open(&path).expect("history");
        let rows = stored.recent("alice@localhost", BOB, 10).expect("recent");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].body, "hello world");
        assert!(rows[0].edited);
        assert_eq!(
            stored.first_body(rows[0].row).expect("first").as_deref(),
            Some("helo wrld")
        );

        // CORRECT-09: a correction of a message balcony never had is a new line, marked edited,
        // and kept so.
        bob.send_correction(to, "out of nowhere", "bob-3", "bob-unknown")
            .await;
        client
            .event(
                "bob's orphan correction",
                |e| matches!(e, Event::Message { body, .. } if body == "out of nowhere"),
            )
            .await;
        let rows = History::open(&path)
            .expect("history")
            .recent("alice@localhost", BOB, 10)
            .expect("recent");
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[1].edited, "{rows:?}");

        // Balcony corrects its own message.
        client.ok(&format!("/msg {} hallo", bob.jid)).await;
        let first = bob
            .expect_message("balcony's message", |m| m["body"] == "hallo")
            .await;
        let original = first["id"].as_str().unwrap_or_default().to_owned();
        assert!(!original.is_empty(), "CORRECT-02: {first}");
        assert_eq!(first["markable"], true, "MARKERS-02: {first}");
        client.ok("/correct hullo").await;
        client.ok("/correct hello").await;
        for body in ["hullo", "hello"] {
            let correction = bob
                .expect_message("balcony's correction", |m| m["body"] == body)
                .await;
            assert_eq!(correction["replace"], original.as_str(), "{correction}");
            assert_ne!(correction["id"], original.as_str(), "a new id");
            assert_eq!(correction["type"], "chat");
        }
        assert_eq!(
            lines(&client),
            [
                line("hello world", true, false),
                line("out of nowhere", true, false),
                line("hello", true, false)
            ]
        );
        client.ok("/quit").await;
    }
    // A new run shows the corrected texts, marked.
    let mut client = client_with_history(&server, &alice, &path).await;
    client.ok(&format!("/msg {BOB}")).await;
    client.until("the history", |c| lines(c).len() == 3).await;
    assert_eq!(
        lines(&client),
        [
            line("hello world", true, false),
            line("out of nowhere", true, false),
            line("hello", true, false)
        ]
    );
    bob.quit().await;
}
common::on_both_servers!(corrections_both_ways);

/// MARKERS-03, MARKERS-08: bob (who may see alice's presence) sends a markable message; balcony
/// sends no marker while the window is only open, and one naming that message once the store
/// hears it was seen. MARKERS-06: bob's marker for balcony's second message marks both of its
/// lines read, and the history keeps the marks.
async fn markers_both_ways(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.sqlite3");
    let mut client = client_with_history(&server, &alice, &path).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    bob.send_raw("<presence to='alice@localhost' type='subscribe'/>")
        .await;
    client
        .event(
            "bob's request",
            |e| matches!(e, Event::SubscriptionRequest { jid, .. } if jid == BOB),
        )
        .await;
    client.ok("/approve bob@localhost").await;
    let peer = BareJid::new(BOB).expect("jid");
    client
        .until("bob sees alice", |c| {
            c.engine.state.roster.get(&peer).is_some_and(|contact| {
                matches!(
                    contact.subscription,
                    Subscription::From | Subscription::Both
                )
            })
        })
        .await;

    let to = "alice@localhost/balcony";
    bob.send_markable(to, "do you see this", "bob-m1").await;
    client
        .event(
            "bob's message",
            |e| matches!(e, Event::Message { body, .. } if body == "do you see this"),
        )
        .await;
    let conversation = client
        .engine
        .state
        .chats
        .latest_with(&peer)
        .map(|c| c.id)
        .expect("a conversation");
    client.engine.view(ViewMsg::Activate(conversation));
    // Sent in order: a marker sent on opening would reach bob before this message.
    client.ok(&format!("/msg {} one", bob.jid)).await;
    bob.expect_message("balcony's first", |m| m["body"] == "one")
        .await;
    assert!(
        !bob.pending_messages()
            .iter()
            .any(|m| !m["displayed"].is_null()),
        "MARKERS-03: a marker before the window was seen: {:?}",
        bob.pending_messages()
    );
    client.engine.view(ViewMsg::Seen(conversation));
    let marker = bob
        .expect_message("balcony's marker", |m| !m["displayed"].is_null())
        .await;
    assert_eq!(marker["displayed"], "bob-m1");
    assert_eq!(marker["body"], serde_json::Value::Null);
    assert_eq!(marker["markable"], false, "MARKERS-04");
    // Seen again: nothing new to mark.
    client.engine.view(ViewMsg::Seen(conversation));

    client.ok(&format!("/msg {} two", bob.jid)).await;
    let two = bob
        .expect_message("balcony's second", |m| m["body"] == "two")
        .await;
    let id = two["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(two["markable"], true, "MARKERS-02");
    bob.send_displayed(to, &id).await;
    let event = client
        .event("bob's marker", |e| matches!(e, Event::Displayed { .. }))
        .await;
    let Event::Displayed {
        from, id: named, ..
    } = &event
    else {
        unreachable!()
    };
    assert!(from.starts_with("bob@localhost/laptop"), "{from}");
    assert_eq!(named, &id);
    assert_eq!(
        lines(&client),
        [
            line("do you see this", false, false),
            line("one", false, true),
            line("two", false, true),
        ]
    );
    let stored = History::open(&path).expect("history");
    let rows = stored.recent("alice@localhost", BOB, 10).expect("recent");
    let marks: Vec<(&str, bool)> = rows
        .iter()
        .map(|m| (m.body.as_str(), m.displayed))
        .collect();
    assert_eq!(
        marks,
        [("do you see this", false), ("one", true), ("two", true)]
    );
    assert!(
        !bob.pending_messages()
            .iter()
            .any(|m| !m["displayed"].is_null()),
        "one marker only: {:?}",
        bob.pending_messages()
    );

    // Alice reads bob's next message on her phone: its marker, copied to balcony, clears the
    // conversation's unread count there.
    let mut phone = Device::start(&server, &alice, "phone", true).await;
    bob.send_markable(to, "read it anywhere", "bob-m2").await;
    client
        .until("bob's unread message", |c| {
            c.engine
                .state
                .chats
                .get(conversation)
                .is_some_and(|c| c.unread > 0)
        })
        .await;
    phone.send_displayed(BOB, "bob-m2").await;
    let event = client
        .event(
            "the phone's marker",
            |e| matches!(e, Event::Displayed { from, .. } if from.ends_with("/phone")),
        )
        .await;
    let Event::Displayed { to, id, .. } = &event else {
        unreachable!()
    };
    assert_eq!((to.as_str(), id.as_str()), (BOB, "bob-m2"));
    assert_eq!(
        client
            .engine
            .state
            .chats
            .get(conversation)
            .map(|c| c.unread),
        Some(0)
    );
    // Read there: no marker from here (one would reach bob before this message).
    client.engine.view(ViewMsg::Seen(conversation));
    client
        .ok(&format!("/msg {} after the phone", bob.jid))
        .await;
    bob.expect_message("balcony's last", |m| m["body"] == "after the phone")
        .await;
    let from_balcony = |m: &serde_json::Value| {
        m["from"]
            .as_str()
            .is_some_and(|from| from.ends_with("/balcony"))
    };
    assert!(
        !bob.pending_messages()
            .iter()
            .any(|m| !m["displayed"].is_null() && from_balcony(m)),
        "a marker for what was read on the phone: {:?}",
        bob.pending_messages()
    );
    phone.quit().await;
    client.ok("/quit").await;
    drop(client);

    // A new run draws the read marks from the history.
    let mut client = client_with_history(&server, &alice, &path).await;
    client.ok(&format!("/msg {BOB}")).await;
    client.until("the history", |c| lines(c).len() == 5).await;
    assert_eq!(
        lines(&client),
        [
            line("do you see this", false, false),
            line("one", false, true),
            line("two", false, true),
            line("read it anywhere", false, false),
            line("after the phone", false, false),
        ]
    );
    bob.quit().await;
}
common::on_both_servers!(markers_both_ways);

/// `balcony exec --json` reports bob's correction (CORRECT-11) and his marker for balcony's
/// message (MARKERS-06) as events, with the ids they name.
async fn exec_reports_corrections_and_markers(kind: ServerKind) {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args(["exec", "--json", "--wait", "1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("exec");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("/msg {} hi from exec\n", bob.jid).as_bytes())
        .await
        .expect("write");
    let hi = bob
        .expect_message("exec's message", |m| m["body"] == "hi from exec")
        .await;
    let alice_jid = hi["from"].as_str().unwrap_or_default().to_owned();
    let id = hi["id"].as_str().unwrap_or_default().to_owned();
    bob.send_markable(&alice_jid, "helo", "bob-x1").await;
    bob.send_correction(&alice_jid, "hello", "bob-x2", "bob-x1")
        .await;
    bob.send_displayed(&alice_jid, &id).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    drop(stdin);
    let out = child.wait_with_output().await.expect("exec output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let correction = events
        .iter()
        .find(|e| e["event"] == "correction")
        .unwrap_or_else(|| panic!("no correction: {stdout}"));
    assert_eq!(correction["id"], "bob-x1");
    assert_eq!(correction["body"], "hello");
    assert_eq!(correction["from"], bob.jid.as_str());
    let displayed = events
        .iter()
        .find(|e| e["event"] == "displayed")
        .unwrap_or_else(|| panic!("no marker: {stdout}"));
    assert_eq!(displayed["id"], id.as_str());
    assert_eq!(displayed["from"], bob.jid.as_str());
    bob.quit().await;
}
common::on_both_servers!(exec_reports_corrections_and_markers);

/// Lets bob see alice's presence (MARKERS-08), approved from a balcony of alice's that then
/// leaves: the subscription stays on the server.
async fn bob_may_see_alice(server: &TestServer, alice: &Account, bob: &mut Device) {
    let mut client = Client::start_with(server, alice, Preferences::default(), None, "setup").await;
    bob.send_raw("<presence to='alice@localhost' type='subscribe'/>")
        .await;
    client
        .event(
            "bob's request",
            |e| matches!(e, Event::SubscriptionRequest { jid, .. } if jid == BOB),
        )
        .await;
    client.ok("/approve bob@localhost").await;
    let peer = BareJid::new(BOB).expect("jid");
    client
        .until("bob sees alice", |c| {
            c.engine.state.roster.get(&peer).is_some_and(|contact| {
                matches!(
                    contact.subscription,
                    Subscription::From | Subscription::Both
                )
            })
        })
        .await;
    client.ok("/quit").await;
}

/// Waits up to `within` for a message to bob matching `pred`; `None` when none came.
async fn maybe_message(
    bob: &mut Device,
    within: std::time::Duration,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> Option<serde_json::Value> {
    tokio::time::timeout(within, bob.expect_message("a message", pred))
        .await
        .ok()
}

/// The terminal UI by keys (tmux). MARKERS-03: bob's markable message gets no marker while its
/// window is not the one on screen, and one as soon as C-n shows it. CORRECT-04: Up in the empty
/// input line brings back the last message under `correct>`, Enter sends the edited text as a
/// correction of it (CORRECT-03), drawn `(edited)`. MARKERS-06: bob's marker draws `✓✓ read`.
async fn tui_markers_and_corrections_by_keys(kind: ServerKind) {
    const WAIT: std::time::Duration = std::time::Duration::from_secs(20);
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob_may_see_alice(&server, &alice, &mut bob).await;
    let config = server.write_config(&alice, "resource = \"tty\"\n");
    let tmux = Tmux::start(&format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    ));
    tmux.wait_for("online as alice@localhost/tty", WAIT);

    let to = "alice@localhost/tty";
    bob.send_markable(to, "look at this", "bob-t1").await;
    tmux.wait_for("1:bob", WAIT);
    let early = maybe_message(&mut bob, std::time::Duration::from_secs(2), |m| {
        !m["displayed"].is_null()
    })
    .await;
    assert_eq!(early, None, "MARKERS-03: marked before it was on screen");
    tmux.send_keys(&["C-n"]);
    tmux.wait_for("<bob> look at this", WAIT);
    let marker = bob
        .expect_message("balcony's marker", |m| !m["displayed"].is_null())
        .await;
    assert_eq!(marker["displayed"], "bob-t1");

    tmux.type_text("i");
    tmux.type_text("helo");
    tmux.send_keys(&["Enter"]);
    let first = bob
        .expect_message("balcony's message", |m| m["body"] == "helo")
        .await;
    assert_eq!(first["markable"], true, "MARKERS-02");
    tmux.wait_for("<me> helo", WAIT);
    tmux.send_keys(&["Up"]);
    tmux.wait_for("correct> helo", WAIT);
    tmux.type_text("!");
    tmux.send_keys(&["Enter"]);
    let correction = bob
        .expect_message("balcony's correction", |m| m["body"] == "helo!")
        .await;
    assert_eq!(correction["replace"], first["id"], "{correction}");
    assert_ne!(correction["id"], first["id"]);
    tmux.wait_for("<me> helo! (edited)", WAIT);

    let id = correction["id"].as_str().unwrap_or_default().to_owned();
    bob.send_displayed(to, &id).await;
    tmux.wait_for("<me> helo! (edited) ✓✓ read", WAIT);
    tmux.type_text("/quit");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("EXITED:0", WAIT);
    bob.quit().await;
}
common::on_both_servers!(tui_markers_and_corrections_by_keys);
