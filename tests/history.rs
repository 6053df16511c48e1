//! The message history against a real Prosody and a real ejabberd: every message in and out
//! is stored before it is shown, a conversation reopened after a restart
//! brings its recent history back, scrolling back pages older lines in,
//! `/search` finds messages across conversations, and a balcony killed with
//! SIGKILL in the middle of a flood has stored everything it had shown.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use balcony::app::event::Event;
use balcony::app::{Preferences, ViewMsg};
use balcony::engine::Engine;
use balcony::history::{Direction, History};
use balcony::xmpp::stanza::message::Message;
use common::{Account, Client, Peer, ServerKind, TestServer};
use jid::{BareJid, Jid};

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

/// Messages both ways are in the history; after a restart, opening the
/// conversation loads them; paging brings older ones; /search finds them.
async fn history_survives_restart_pages_and_searches(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let bob = Peer::online(&server, &bob, "phone").await;
    {
        let mut client = client_with_history(&server, &alice, &path).await;
        client.ok("/msg bob@localhost first from alice").await;
        for n in 0..150 {
            bob.send(
                Message::chat(
                    Jid::new("alice@localhost/balcony").unwrap(),
                    format!("bob line {n:03}"),
                )
                .to_element(),
            );
        }
        client
            .until("150 lines", |c| {
                c.events
                    .iter()
                    .filter(|e| matches!(e, Event::Message { .. }))
                    .count()
                    >= 150
            })
            .await;
        let stored = History::open(&path).unwrap();
        assert_eq!(stored.count("alice@localhost").unwrap(), 151);
        let recent = stored
            .recent("alice@localhost", "bob@localhost", 2)
            .unwrap();
        assert_eq!(recent[1].body, "bob line 149");
        assert_eq!(recent[1].direction, Direction::Incoming);
        client.ok("/quit").await;
    }
    // A new run: opening the conversation reads its recent history.
    let mut client = client_with_history(&server, &alice, &path).await;
    client.ok("/msg bob@localhost").await;
    client
        .until("recent history", |c| {
            c.engine
                .state
                .chats
                .latest_with(&BareJid::new("bob@localhost").unwrap())
                .is_some_and(|c| c.lines.len() >= 100)
        })
        .await;
    let id = client.engine.state.active.expect("the conversation");
    let conversation = client.engine.state.chats.get(id).unwrap();
    assert_eq!(conversation.lines.back().unwrap().body, "bob line 149");
    assert_eq!(conversation.lines.len(), 100);
    // Scrolling back pages the older lines in, down to alice's first one.
    client.engine.view(ViewMsg::LoadOlder(id));
    client
        .until("older lines", |c| {
            c.engine
                .state
                .chats
                .get(id)
                .is_some_and(|c| c.lines.len() == 151)
        })
        .await;
    let conversation = client.engine.state.chats.get(id).unwrap();
    assert_eq!(conversation.lines.front().unwrap().body, "first from alice");
    assert!(conversation.history_exhausted);
    let seqs: Vec<u64> = conversation.lines.iter().map(|l| l.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq stays increasing");
    client.ok("/search LINE 14").await;
    let found: Vec<String> = client
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Info { text } if text.contains("bob line 14") => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 10, "{found:?}"); // 140..149, case-insensitive
}
common::on_both_servers!(history_survives_restart_pages_and_searches);

/// SIGKILL during an incoming flood: every message balcony had printed was
/// already in the history (stored before shown), and a second run adds no
/// duplicates.
fn killed_during_flood_keeps_what_it_showed(kind: ServerKind) {
    let server = TestServer::start_with(common::ServerOptions {
        kind,
        smacks: true,
        ..Default::default()
    });
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let config = server.write_config(&alice, "resource = \"flood\"\n");
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .arg("exec")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until logged in.
    for line in lines.by_ref() {
        if line.unwrap().starts_with("online ") {
            break;
        }
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let flooder = runtime.block_on(Peer::online(&server, &bob, "flood"));
    let to = Jid::new("alice@localhost/flood").unwrap();
    runtime.block_on(async {
        for n in 0..3000 {
            flooder.send(Message::chat(to.clone(), format!("flood {n:04}")).to_element());
        }
    });
    let mut shown = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, body)) = line.split_once(": flood ") {
            shown.push(format!("flood {body}"));
        }
        if shown.len() >= 700 || Instant::now() > deadline {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(shown.len() >= 700, "only {} shown", shown.len());
    let path = data.path().join("balcony/history.sqlite3");
    let history = History::open(&path).unwrap();
    let stored: std::collections::HashSet<String> = history
        .search("alice@localhost", "flood", 100_000)
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    let missing: Vec<&String> = shown.iter().filter(|b| !stored.contains(*b)).collect();
    assert!(missing.is_empty(), "shown but not stored: {missing:?}");

    // A second run receives whatever the server still had; nothing twice.
    drop(history);
    let out = Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args(["exec", "--wait", "3"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history = History::open(&path).unwrap();
    let all = history.search("alice@localhost", "flood", 100_000).unwrap();
    let mut ids: Vec<String> = all.iter().filter_map(|m| m.stanza_id.clone()).collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "a message was stored twice");
    assert!(total >= shown.len());
    drop(runtime);
}
common::on_both_servers!(sync killed_during_flood_keeps_what_it_showed);

/// A message without an `id` is stored once and shown once: the line shown
/// live and the row read back from the history are the same message (the
/// store decides what is kept and the row comes back to its line).
async fn message_without_id_is_shown_once_with_history_on(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let bob = Peer::online(&server, &bob, "phone").await;
    let mut client = client_with_history(&server, &alice, &path).await;
    let mut message = Message::chat(Jid::new("alice@localhost/balcony").unwrap(), "no id here");
    message.id = None;
    bob.send(message.to_element());
    client
        .event(
            "the message",
            |e| matches!(e, Event::Message { body, .. } if body == "no id here"),
        )
        .await;
    let bob_jid = BareJid::new("bob@localhost").unwrap();
    let conversation = client.engine.state.chats.latest_with(&bob_jid).unwrap();
    let bodies: Vec<&str> = conversation.lines.iter().map(|l| l.body.as_str()).collect();
    assert_eq!(bodies, ["no id here"]);
    assert!(
        conversation.lines[0].row.is_some(),
        "the line knows its row"
    );
    let stored = History::open(&path).unwrap();
    assert_eq!(stored.count("alice@localhost").unwrap(), 1);
    // Scrolling back finds nothing more to show.
    let id = conversation.id;
    client.engine.view(ViewMsg::LoadOlder(id));
    let conversation = client.engine.state.chats.get(id).unwrap();
    assert_eq!(conversation.lines.len(), 1);
}
common::on_both_servers!(message_without_id_is_shown_once_with_history_on);

/// `balcony send JID TEXT` keeps what it sent in the history, like every
/// other way of sending.
fn send_command_records_the_message(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let config = server.write_config(
        &alice,
        &format!("[history]\nfile = {:?}\n", path.to_string_lossy()),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_balcony"))
        .arg("--config")
        .arg(&config)
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .args(["send", "bob@localhost", "sent from the command line"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = History::open(&path).unwrap();
    let recent = stored
        .recent("alice@localhost", "bob@localhost", 10)
        .unwrap();
    assert_eq!(recent.len(), 1, "{recent:?}");
    assert_eq!(recent[0].body, "sent from the command line");
    assert_eq!(recent[0].direction, Direction::Outgoing);
    assert_eq!(recent[0].kind, "chat");
    assert!(!recent[0].pending, "the server has it: nothing to resend");
    assert!(stored.outbox("alice@localhost").unwrap().is_empty());
}
common::on_both_servers!(sync send_command_records_the_message);
