//! What a hostile server costs balcony: peak memory and CPU of the real
//! binary (`balcony exec`, history on) against a fake server on loopback
//! (`tests/common/fake_tls.rs`) in three scenarios:
//!
//! - **flood**: N chat messages of S bytes with an `<r/>` every 50; measured
//!   until the server has seen every one acknowledged, which balcony does
//!   only once they are in SQLite.
//! - **silent**: the server says nothing after login; CPU over a window of
//!   `keepalive` + `timeout` + 10 s (the loop must sleep, not spin).
//! - **id-bomb**: 2,000 messages whose ids are 200 KiB each.
//!
//! `cargo run --release --example hostile [-- --messages 20000 --size 60000]`
//! prints a markdown table; figures in bench/README.md.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../tests/common/fake_tls.rs"]
mod fake_tls;

use fake_tls::{FakeTlsServer, answer_client, send, write_config};

/// What one scenario measured.
struct Figures {
    name: String,
    seconds: f64,
    cpu_seconds: f64,
    idle_rss_mib: f64,
    peak_rss_mib: f64,
    history_mib: f64,
    note: String,
}

/// VmHWM or VmRSS of `pid`, in MiB.
fn memory_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// User + system CPU seconds of `pid`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields after the command: utime is the 12th, stime the 13th (0-based 11, 12).
    (ticks(11) + ticks(12)) / 100.0
}

fn file_mib(path: &Path) -> f64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = path.with_extension("sqlite3-wal");
    (size(path) + size(&wal)) as f64 / (1024.0 * 1024.0)
}

/// Starts `balcony exec` against `server` with `extra` config; stdin stays
/// open so it stays online.
fn start_balcony(
    balcony: &Path,
    server: &FakeTlsServer,
    dir: &Path,
    extra: &str,
) -> tokio::process::Child {
    let history = dir.join("history.sqlite3");
    let config = write_config(
        dir,
        &server.client_config(&format!(
            "{extra}[history]\nfile = \"{}\"\n",
            history.display()
        )),
    );
    tokio::process::Command::new(balcony)
        .env("XDG_DATA_HOME", dir)
        .env("XDG_STATE_HOME", dir)
        .arg("--config")
        .arg(&config)
        .arg("exec")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start balcony")
}

/// Sends `count` messages built by `message(n)`, an `<r/>` every 50, and
/// answers the client's IQs; returns when the client is gone.
/// Stanzas sent since stream management was enabled (what the client's
/// `h` counts), and whether the flood has all been sent.
#[derive(Default)]
struct Sent {
    stanzas: AtomicU32,
    finished: std::sync::atomic::AtomicBool,
}

async fn flood_server(
    server: Arc<FakeTlsServer>,
    acked: Arc<AtomicU32>,
    sent: Arc<Sent>,
    settled: tokio::sync::oneshot::Sender<()>,
    count: u32,
    message: impl Fn(u32) -> String,
) {
    let (reader, mut writer) = server.accept_logged_in(true).await;
    let (answers_tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(answer_client(reader, answers_tx, acked));
    // Let the login settle (roster, disco, presence) before measuring.
    tokio::time::sleep(Duration::from_secs(1)).await;
    while let Ok(answer) = answers.try_recv() {
        sent.stanzas.fetch_add(1, Ordering::SeqCst);
        send(&mut writer, &answer).await;
    }
    let _ = settled.send(());
    for n in 1..=count {
        while let Ok(answer) = answers.try_recv() {
            sent.stanzas.fetch_add(1, Ordering::SeqCst);
            if !send(&mut writer, &answer).await {
                return;
            }
        }
        sent.stanzas.fetch_add(1, Ordering::SeqCst);
        let mut xml = message(n);
        if n % 50 == 0 || n == count {
            xml.push_str("<r xmlns='urn:xmpp:sm:3'/>");
        }
        if !send(&mut writer, &xml).await {
            return;
        }
    }
    sent.finished.store(true, Ordering::SeqCst);
    while let Some(answer) = answers.recv().await {
        sent.stanzas.fetch_add(1, Ordering::SeqCst);
        if !send(&mut writer, &answer).await {
            return;
        }
    }
}

/// Runs a flood of `count` messages built by `message`, measured until all
/// are acknowledged.
async fn flood(
    balcony: &Path,
    name: &str,
    count: u32,
    message: impl Fn(u32) -> String + Send + 'static,
) -> Figures {
    let server = Arc::new(FakeTlsServer::start().await);
    let acked = Arc::new(AtomicU32::new(0));
    let sent = Arc::new(Sent::default());
    let (settled_tx, settled) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(flood_server(
        server.clone(),
        acked.clone(),
        sent.clone(),
        settled_tx,
        count,
        message,
    ));
    let dir = tempfile::tempdir().expect("a directory");
    let mut child = start_balcony(balcony, &server, dir.path(), "");
    let pid = child.id().expect("a pid");
    let _ = settled.await;
    let idle = memory_mib(pid, "VmRSS:");
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    // Done when everything sent is acknowledged, so stored.
    while !sent.finished.load(Ordering::SeqCst)
        || acked.load(Ordering::SeqCst) < sent.stanzas.load(Ordering::SeqCst)
    {
        if started.elapsed() > Duration::from_secs(1_800) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let figures = Figures {
        name: name.to_owned(),
        seconds,
        cpu_seconds: cpu_seconds(pid) - cpu_before,
        idle_rss_mib: idle,
        peak_rss_mib: memory_mib(pid, "VmHWM:"),
        history_mib: file_mib(&dir.path().join("history.sqlite3")),
        note: format!(
            "{} of {} stanzas acknowledged",
            acked.load(Ordering::SeqCst),
            sent.stanzas.load(Ordering::SeqCst)
        ),
    };
    let _ = child.kill().await;
    task.abort();
    figures
}

/// Logs in and stays silent; CPU over the window in which the dead link
/// must be noticed.
async fn silent(balcony: &Path) -> Figures {
    let server = Arc::new(FakeTlsServer::start().await);
    let accepting = server.clone();
    let task = tokio::spawn(async move {
        let (reader, mut writer) = accepting.accept_logged_in(false).await;
        let (answers_tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(answer_client(reader, answers_tx, Arc::default()));
        // Answer the login's requests, then nothing, ever (pings included).
        let until = tokio::time::Instant::now() + Duration::from_secs(1);
        while let Ok(Some(answer)) = tokio::time::timeout_at(until, answers.recv()).await {
            send(&mut writer, &answer).await;
        }
        std::future::pending::<()>().await;
        drop(writer);
    });
    let dir = tempfile::tempdir().expect("a directory");
    let extra = "[connection]\nkeepalive = 10\ntimeout = 10\n";
    let mut child = start_balcony(balcony, &server, dir.path(), extra);
    let pid = child.id().expect("a pid");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = memory_mib(pid, "VmRSS:");
    let cpu_before = cpu_seconds(pid);
    let window = Duration::from_secs(30);
    tokio::time::sleep(window).await;
    let figures = Figures {
        name: "silent server (keepalive 10 s, timeout 10 s)".into(),
        seconds: window.as_secs_f64(),
        cpu_seconds: cpu_seconds(pid) - cpu_before,
        idle_rss_mib: idle,
        peak_rss_mib: memory_mib(pid, "VmHWM:"),
        history_mib: file_mib(&dir.path().join("history.sqlite3")),
        note: "ping after 10 s, dead link after 20 s, then reconnect attempts".into(),
    };
    let _ = child.kill().await;
    task.abort();
    figures
}

fn argument(args: &[String], name: &str, default: u32) -> u32 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let messages = argument(&args, "--messages", 20_000);
    let size = argument(&args, "--size", 60_000) as usize;
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let balcony = Path::new(&target).join("release/balcony");
    let status = std::process::Command::new("cargo")
        .args(["build", "--release", "--bin", "balcony"])
        .status()
        .expect("cargo");
    assert!(status.success(), "cargo build failed");

    let body = "x".repeat(size);
    let mut results = vec![
        flood(
            &balcony,
            &format!("flood: {messages} × {} KB", size / 1000),
            messages,
            move |n| {
                format!(
                    "<message type='chat' from='romeo@localhost/orchard' id='f{n}'><body>{n} {body}</body></message>"
                )
            },
        )
        .await,
    ];
    eprintln!("flood done");
    let id = "i".repeat(200 * 1024);
    results.push(
        flood(&balcony, "id-bomb: 2,000 ids of 200 KiB", 2_000, move |n| {
            format!(
                "<message type='chat' from='romeo@localhost/orchard' id='{id}{n}'><body>bomb {n}</body></message>"
            )
        })
        .await,
    );
    eprintln!("id-bomb done");
    results.push(silent(&balcony).await);

    println!(
        "| scenario | time (s) | balcony CPU (s) | RSS idle (MiB) | peak RSS (MiB) | history (MiB) | note |"
    );
    println!("|---|---|---|---|---|---|---|");
    for f in results {
        println!(
            "| {} | {:.1} | {:.2} | {:.1} | {:.1} | {:.1} | {} |",
            f.name, f.seconds, f.cpu_seconds, f.idle_rss_mib, f.peak_rss_mib, f.history_mib, f.note
        );
    }
}
