//! `balcony exec` driven the way scripts drive it: commands given at once
//! on the command line or piped into stdin in one write, right after login,
//! against a real server. Nothing may race the login, and the outcomes come
//! in the order the commands were given.

mod common;

use std::process::Stdio;

use common::{BlockingModule, ServerKind, ServerOptions, TestServer};
use tokio::io::AsyncWriteExt;

/// Runs `balcony exec ARGS` for `config`, feeding `stdin` in one write when
/// given; returns (success, stdout).
async fn exec(
    config: &std::path::Path,
    data: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data)
        .env("XDG_STATE_HOME", data)
        .arg("--config")
        .arg(config)
        .arg("exec")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).await.unwrap();
        drop(pipe);
    }
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.success(), format!("{stdout}{stderr}"))
}

/// The `ok`/`failed` lines of exec's plain output, in order, without the
/// text after the command.
fn outcomes(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("failed "))
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect()
}

/// Lines piped all at once run strictly in order, each after the one
/// before has its outcome: `/rename` never overtakes `/add`, and privacy
/// and blocking commands never run before the server's features are known.
async fn stdin_lines_piped_at_once_run_in_order(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, _bob) = (server.account("alice"), server.account("bob"));
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    let script = "/add bob@localhost Bob\n\
                  /rename bob@localhost Robert\n\
                  /group bob@localhost Friends,Verona\n\
                  /block spam.example.org\n\
                  /blocklist\n\
                  /unblock spam.example.org\n\
                  /contact bob@localhost\n";
    let (ok, output) = exec(&config, data.path(), &["--wait", "0"], Some(script)).await;
    assert!(ok, "{output}");
    assert_eq!(
        outcomes(&output),
        [
            "ok /add bob@localhost",
            "ok /rename bob@localhost",
            "ok /group bob@localhost",
            "ok /block spam.example.org",
            "ok /blocklist",
            "ok /unblock spam.example.org",
            "ok /contact bob@localhost",
            "ok /quit",
        ],
        "{output}"
    );
    assert!(output.contains("name=\"Robert\""), "{output}");
}
common::on_both_servers!(stdin_lines_piped_at_once_run_in_order);

/// Commands on the command line right after login, repeated: the server's
/// features are always known before the first one runs. The server has
/// privacy lists (XEP-0016) but no blocking command, so `/block` keeps its
/// own list, which it can only do once it knows that.
async fn first_commands_never_race_service_discovery(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        blocking: BlockingModule::PrivacyLists,
        ..ServerOptions::default()
    });
    let alice = server.account("alice");
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    for run in 0..5 {
        let (ok, output) = exec(
            &config,
            data.path(),
            &[
                "/privacy",
                "/blocklist",
                "/block x@example.org",
                "/unblock x@example.org",
            ],
            None,
        )
        .await;
        assert!(ok, "run {run}: {output}");
        assert!(!output.contains("not known yet"), "run {run}: {output}");
    }
}
common::on_both_servers!(first_commands_never_race_service_discovery);

/// A fatal stream error (here another login taking our resource, which
/// Prosody answers with `conflict`) ends `exec` with a non-zero status and
/// the reason, even while it waits on stdin.
async fn fatal_stream_error_fails_exec(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let config = server.write_config(&alice, "resource = \"desk\"\n");
    let data = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .arg("exec")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"/roster\n").await.unwrap();
    // Logged in once /roster has run; then take the resource.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let _thief = common::Peer::login(&server, &alice, "desk").await;
    let out = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("exec ends")
        .unwrap();
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("conflict"), "{stderr}");
}
common::on_both_servers!(fatal_stream_error_fails_exec);

/// MAM-07: exec reports the end of the archive catch-up with its count, in text and in JSON,
/// before its commands run: bob's two messages from while it was not running.
async fn catch_up_is_reported(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        mam: true,
        ..ServerOptions::default()
    });
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    let (ok, output) = exec(&config, data.path(), &["/roster"], None).await;
    assert!(ok, "{output}");
    assert!(output.contains("caught-up 0 messages"), "{output}");
    let mut bob = common::slixmpp::Device::start(&server, &bob, "laptop", false).await;
    for body in ["first", "second"] {
        bob.send_chat("alice@localhost", body, None).await;
    }
    bob.quit().await;
    let (ok, output) = exec(&config, data.path(), &["--json", "/roster"], None).await;
    assert!(ok, "{output}");
    assert!(
        output.contains("{\"event\":\"catch-up\",\"count\":2,\"complete\":true}"),
        "{output}"
    );
    let caught_up = output.find("catch-up").unwrap();
    let roster = output.find("/roster").unwrap();
    assert!(caught_up < roster, "{output}");
}
common::on_both_servers!(catch_up_is_reported);

/// SM2 with CORE-26: a script that sends a burst and quits at once leaves nothing
/// unconfirmed behind. balcony asks the server to acknowledge what it has not confirmed
/// before it closes the stream, so no message stays pending in the history to be sent again
/// (and received twice) at the next login.
async fn quitting_after_a_burst_leaves_nothing_to_resend(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        smacks: true,
        ..ServerOptions::default()
    });
    let (alice, _bob) = (server.account("alice"), server.account("bob"));
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    let script: String = (1..=200)
        .map(|n| format!("/msg bob@localhost burst line {n}\n"))
        .collect();
    let (ok, output) = exec(&config, data.path(), &["--wait", "0"], Some(&script)).await;
    assert!(ok, "{output}");
    let history = data.path().join("balcony").join("history.sqlite3");
    let conn = rusqlite::Connection::open(&history).unwrap();
    let (sent, pending): (i64, i64) = conn
        .query_row(
            "SELECT count(*), coalesce(sum(pending), 0) FROM messages \
             WHERE account = 'alice@localhost' AND direction = 'out'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((sent, pending), (200, 0), "{output}");
}
common::on_both_servers!(quitting_after_a_burst_leaves_nothing_to_resend);

/// UPLOAD-01, UPLOAD-06, UPLOAD-09: an upload piped right after login waits for the server's
/// upload service to be found, reports its progress, and ends before the next line runs; the
/// contact gets the link before the message that follows it.
async fn an_upload_piped_after_login_runs_in_order(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        upload: true,
        ..ServerOptions::default()
    });
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = common::slixmpp::Device::start(&server, &bob, "laptop", false).await;
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("notes from today.txt");
    std::fs::write(&path, vec![b'x'; 300 * 1024]).unwrap();
    let script = format!(
        "/upload '{}' bob@localhost\n/msg bob@localhost that was the file\n",
        path.display()
    );
    let (ok, output) = exec(&config, data.path(), &["--wait", "0"], Some(&script)).await;
    assert!(ok, "{output}");
    let outcomes = outcomes(&output);
    assert_eq!(outcomes.len(), 3, "{output}");
    assert!(outcomes[0].starts_with("ok /upload "), "{output}");
    assert_eq!(outcomes[1], "ok /msg bob@localhost", "{output}");
    assert!(
        output.contains(&format!(
            "upload-progress notes from today.txt: {0}/{0} bytes (100%)",
            300 * 1024
        )),
        "{output}"
    );
    let first = bob
        .expect_message("alice's first message", |m| {
            m["from"].as_str().is_some_and(|f| f.starts_with("alice@"))
        })
        .await;
    assert!(
        first["oob_url"].is_string(),
        "the link comes first: {first}"
    );
    bob.expect_message("the text", |m| m["body"] == "that was the file")
        .await;
    let link = first;
    let fetched = bob
        .fetch(link["oob_url"].as_str().unwrap_or_default())
        .await;
    assert_eq!(fetched["size"], 300 * 1024, "{fetched}");
    bob.quit().await;
}
common::on_both_servers!(an_upload_piped_after_login_runs_in_order);
