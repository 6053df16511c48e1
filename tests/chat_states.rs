//! Chat state notifications (XEP-0085, checklist STATES-*) against a real Prosody and a real
//! ejabberd, with slixmpp as the contact (`common::slixmpp`): the contact's `composing` reaches
//! balcony as an event (what `exec` prints) and on the conversation, without a line; keys typed
//! for the contact's conversation (the terminal UI's `ViewMsg::Input`) send one `composing`, and
//! the message then carries `active`. A contact whose client sends no states gets none after
//! its first plain answer. `balcony exec --json` prints each change once. The same through the
//! real terminal UI (tmux): `typing…` on the chat title, and `paused` sent about 30 seconds
//! after the last key, on the terminal loop's own clock. The receiving clients stay active (no
//! CSI), so neither server holds standalone states back.

mod common;

use std::time::{Duration, Instant};

use balcony::app::ViewMsg;
use balcony::app::event::Event;
use balcony::xmpp::stanza::chat_states::ChatState;
use common::slixmpp::Device;
use common::tmux::{Tmux, shell_quote};
use common::{Client, ServerKind, TestServer};
use jid::BareJid;
use serde_json::Value;

fn bob_bare() -> BareJid {
    BareJid::new("bob@localhost").expect("jid")
}

fn is_state(event: &Event, want: &str) -> bool {
    matches!(event, Event::ChatState { state, .. } if state == want)
}

fn is_message(event: &Event, text: &str) -> bool {
    matches!(event, Event::Message { body, .. } if body == text)
}

/// Lines in the conversation with bob.
fn lines_with_bob(client: &Client) -> usize {
    client
        .engine
        .state
        .chats
        .latest_with(&bob_bare())
        .map_or(0, |c| c.lines.len())
}

/// Standalone states bob's device received so far (and has not taken).
fn standalone_states(device: &Device) -> Vec<String> {
    device
        .pending_messages()
        .iter()
        .filter(|m| m["body"].is_null())
        .filter_map(|m| m["chat_state"].as_str().map(str::to_owned))
        .collect()
}

/// STATES-09, STATES-05: bob's standalone `composing` is reported once (a repeat is no news),
/// shown on the conversation, and neither a line nor anything but a state; `paused` follows.
/// STATES-04, STATES-06, STATES-08: balcony's keys for bob's conversation send one standalone
/// `composing` to bob's device, however many keys; the message then carries `active`.
async fn typing_both_ways(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;
    let to = "alice@localhost/balcony";

    bob.send_chat_state(to, Some("hello"), "active").await;
    client
        .event("bob's message", |e| is_message(e, "hello"))
        .await;
    bob.send_chat_state(to, None, "composing").await;
    bob.send_chat_state(to, None, "composing").await;
    bob.send_chat_state(to, None, "paused").await;
    let composing = client
        .event("bob's composing", |e| is_state(e, "composing"))
        .await;
    let Event::ChatState { from, .. } = &composing else {
        unreachable!()
    };
    assert_eq!(from, &bob.jid);
    assert_eq!(
        composing.to_json(),
        format!(
            "{{\"event\":\"chat-state\",\"from\":\"{}\",\"state\":\"composing\"}}",
            bob.jid
        )
    );
    client
        .event("bob's paused", |e| is_state(e, "paused"))
        .await;
    assert!(
        !client.events.iter().any(|e| is_state(e, "composing")),
        "a repeated state is reported once: {:?}",
        client.events
    );
    assert_eq!(
        client.engine.state.chat_states.shown(&bob_bare()),
        Some(ChatState::Paused)
    );
    assert_eq!(lines_with_bob(&client), 1, "a state is never a line");
    bob.send_chat_state(to, None, "composing").await;
    client
        .event("bob's composing again", |e| is_state(e, "composing"))
        .await;
    assert_eq!(
        client.engine.state.chat_states.shown(&bob_bare()),
        Some(ChatState::Composing)
    );

    // Balcony's user opens bob's conversation and types.
    client.ok("/msg bob@localhost").await;
    client.engine.view(ViewMsg::Input { composing: true });
    client.engine.view(ViewMsg::Input { composing: true });
    let got = bob
        .expect_message("balcony's composing", |m: &Value| {
            m["chat_state"] == "composing"
        })
        .await;
    assert!(got["body"].is_null(), "standalone: {got}");
    assert_eq!(got["type"], "chat");
    assert_eq!(got["from"], "alice@localhost/balcony");
    client.engine.view(ViewMsg::Input { composing: true });
    client.ok("wherefore art thou").await;
    let got = bob
        .expect_message("balcony's message", |m: &Value| {
            m["body"] == "wherefore art thou"
        })
        .await;
    assert_eq!(got["chat_state"], "active", "{got}");
    assert_eq!(
        standalone_states(&bob),
        Vec::<String>::new(),
        "STATES-06: one composing only"
    );
    // Bob's message with `active` ends what the title showed.
    bob.send_chat_state(to, Some("here"), "active").await;
    client
        .event("bob's answer", |e| is_message(e, "here"))
        .await;
    assert_eq!(client.engine.state.chat_states.shown(&bob_bare()), None);
    bob.quit().await;
}
common::on_both_servers!(typing_both_ways);

/// STATES-04: balcony's first message to bob carries `active`; bob's client answers without a
/// state, so the next message carries none and typing for bob sends nothing.
async fn no_states_for_a_client_without_them(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;

    client.ok(&format!("/msg {} first", bob.jid)).await;
    let got = bob
        .expect_message("the first message", |m: &Value| m["body"] == "first")
        .await;
    assert_eq!(got["chat_state"], "active", "{got}");
    bob.send_chat("alice@localhost/balcony", "plain answer", None)
        .await;
    client
        .event("bob's plain answer", |e| is_message(e, "plain answer"))
        .await;
    client.engine.view(ViewMsg::Input { composing: true });
    client.ok("second").await;
    let got = bob
        .expect_message("the second message", |m: &Value| m["body"] == "second")
        .await;
    assert!(got["chat_state"].is_null(), "{got}");
    assert_eq!(standalone_states(&bob), Vec::<String>::new());
    bob.quit().await;
}
common::on_both_servers!(no_states_for_a_client_without_them);

/// STATES-08, STATES-09 in the terminal UI: bob's `composing` puts `typing…` on the chat title;
/// text typed for bob's conversation sends one `composing`, then `paused` once no key came for
/// about 30 seconds (nothing but the clock wakes the UI for it), and Enter sends the text with
/// `active`.
async fn typing_in_the_terminal(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let config = server.write_config(&alice, "");
    let tmux = Tmux::start(&format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    ));
    tmux.wait_for("online as alice@localhost/", Duration::from_secs(20));
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;

    bob.send_chat_state("alice@localhost", Some("hello juliet"), "active")
        .await;
    tmux.send_keys(&["/"]);
    tmux.type_text("msg bob@localhost");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("hello juliet", Duration::from_secs(10));
    bob.send_chat_state("alice@localhost", None, "composing")
        .await;
    tmux.wait_for("· typing…", Duration::from_secs(10));

    tmux.type_text("wherefore");
    let got = bob
        .expect_message("balcony's composing", |m: &Value| {
            m["chat_state"] == "composing"
        })
        .await;
    assert!(got["body"].is_null(), "{got}");
    let typed = Instant::now();
    bob.expect_message_within("balcony's paused", Duration::from_secs(60), |m: &Value| {
        m["chat_state"] == "paused"
    })
    .await;
    let waited = typed.elapsed();
    assert!(
        waited >= Duration::from_secs(28) && waited < Duration::from_secs(45),
        "paused after {waited:?}"
    );
    tmux.send_keys(&["Enter"]);
    let got = bob
        .expect_message("balcony's message", |m: &Value| m["body"] == "wherefore")
        .await;
    assert_eq!(got["chat_state"], "active", "{got}");
    assert_eq!(standalone_states(&bob), Vec::<String>::new());
    bob.quit().await;
    tmux.send_keys(&["C-c"]);
}
common::on_both_servers!(typing_in_the_terminal);

/// STATES-09 through `balcony exec --json`: bob's standalone states print as `chat-state`
/// lines, one per change (the repeated `composing` once), and nothing else of them: no message
/// line.
async fn exec_prints_each_change_once(kind: ServerKind) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let server = TestServer::start_kind(kind);
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args(["exec", "--json", "--wait", "0"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start balcony exec");
    let stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut next_line = async || -> Value {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("exec printed in time")
            .expect("read exec")
            .expect("exec still running");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    };
    let me = loop {
        let event = next_line().await;
        if event["event"] == "online" {
            break event["jid"].as_str().unwrap_or_default().to_owned();
        }
    };
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;
    for state in ["composing", "composing", "paused"] {
        bob.send_chat_state(&me, None, state).await;
    }
    let mut seen = Vec::new();
    loop {
        let event = next_line().await;
        let done = event["event"] == "chat-state" && event["state"] == "paused";
        if event["event"] == "chat-state" || event["event"] == "message" {
            seen.push(event);
        }
        if done {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            serde_json::json!({"event": "chat-state", "from": bob.jid, "state": "composing"}),
            serde_json::json!({"event": "chat-state", "from": bob.jid, "state": "paused"}),
        ]
    );
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    bob.quit().await;
}
common::on_both_servers!(exec_prints_each_change_once);
