//! Acknowledge only what is stored (XEP-0198, SM2): a server floods balcony
//! with messages and asks for acks all along; balcony is killed with SIGKILL
//! at a moment picked at random. Every message the server saw acknowledged
//! must be in the history, since the server will never send those again.
//!
//! The server is `common::fake_tls` (just enough XMPP: PLAIN, bind, stream
//! management, empty answers to IQs); balcony is the real binary running
//! `exec`.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::fake_tls::{FakeTlsServer, answer_client, send, write_config};
use common::toml_str;

const FLOOD: u32 = 3_000;

/// What the server sent after stream management was enabled, in order:
/// the message number, or `None` for an IQ answer. The client's `h` counts
/// these stanzas.
type SentLog = Arc<Mutex<Vec<Option<u32>>>>;

/// Logs the client in with stream management, then floods it with
/// numbered messages, asking for an ack after every 50.
async fn flood(server: Arc<FakeTlsServer>, acked: Arc<AtomicU32>, log: SentLog) {
    let (reader, mut writer) = server.accept_logged_in(true).await;
    let (answers_tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(answer_client(reader, answers_tx, acked));
    let body = "flood ".repeat(600);
    for n in 1..=FLOOD {
        while let Ok(answer) = answers.try_recv() {
            log.lock().unwrap().push(None);
            if !send(&mut writer, &answer).await {
                return;
            }
        }
        log.lock().unwrap().push(Some(n));
        let mut xml = format!(
            "<message type='chat' from='romeo@localhost/orchard' id='f{n}'><body>{n} {body}</body></message>"
        );
        if n % 50 == 0 {
            xml.push_str("<r xmlns='urn:xmpp:sm:3'/>");
        }
        if !send(&mut writer, &xml).await {
            return;
        }
    }
    // Keep answering until the client is gone.
    while let Some(answer) = answers.recv().await {
        log.lock().unwrap().push(None);
        if !send(&mut writer, &answer).await {
            return;
        }
    }
}

/// Kills balcony once the server has seen `kill_after` stanzas
/// acknowledged, then checks the history holds every acknowledged message.
async fn flood_and_kill(kill_after: u32) {
    let server = Arc::new(FakeTlsServer::start().await);
    let acked = Arc::new(AtomicU32::new(0));
    let log = SentLog::default();
    let server_task = tokio::spawn(flood(server.clone(), acked.clone(), log.clone()));

    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.sqlite3");
    let config = write_config(
        dir.path(),
        &server.client_config(&format!(
            "[history]\nfile = {}\n",
            toml_str(&history.to_string_lossy())
        )),
    );
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .arg("--config")
        .arg(&config)
        .arg("exec")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < kill_after {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} acknowledged after 60 s",
            acked.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    server_task.abort();
    let acknowledged = acked.load(Ordering::SeqCst);

    let stored = balcony::history::History::open(&history).unwrap();
    let rows = stored
        .recent("alice@localhost", "romeo@localhost", FLOOD as usize)
        .unwrap();
    let mut numbers: Vec<u32> = rows
        .iter()
        .filter_map(|m| m.body.split(' ').next()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let sent = log.lock().unwrap().clone();
    let acknowledged_messages: Vec<u32> = sent
        .iter()
        .take(acknowledged as usize)
        .flatten()
        .copied()
        .collect();
    let missing: Vec<u32> = acknowledged_messages
        .iter()
        .copied()
        .filter(|n| numbers.binary_search(n).is_err())
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged {acknowledged} stanzas, stored {}, missing {} (first {:?})",
        numbers.len(),
        missing.len(),
        missing.first()
    );
}

/// Killed early, midway and late in the flood, at a moment chosen at random
/// within each third.
#[tokio::test]
async fn killed_mid_flood_loses_nothing_acknowledged() {
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes).unwrap();
    for (third, byte) in bytes.iter().enumerate() {
        let span = FLOOD / 3;
        let kill_after = (third as u32) * span + u32::from(*byte) * span / 256 + 1;
        flood_and_kill(kill_after.min(FLOOD - 50)).await;
    }
}
