//! The README's `check` and `exec` examples, run as a user runs them, on
//! Prosody and on ejabberd with stock SASL settings, several times in a row
//! with no random failure (set `BALCONY_README_RUNS` for more runs than
//! the default two). Addresses are the test server's instead of the
//! README's example.net.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{BlockingModule, ServerKind, ServerOptions, TestServer};

/// Runs `balcony ARGS` with `stdin`; returns (success, stdout + stderr).
fn balcony(
    config: &std::path::Path,
    data: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data)
        .env("XDG_STATE_HOME", data)
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.as_bytes()).unwrap();
    drop(pipe);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn readme_examples(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, _romeo) = (server.account("alice"), server.account("romeo"));
    let config = server.write_config(&alice, "");
    // Stock Prosody has no privacy lists (mod_privacy_lists is a community
    // module); the privacy example runs on one that loads it.
    let lists_server = (kind == ServerKind::Prosody).then(|| {
        TestServer::start_with(ServerOptions {
            kind,
            blocking: BlockingModule::PrivacyLists,
            ..ServerOptions::default()
        })
    });
    let lists_config = match &lists_server {
        Some(other) => other.write_config(&other.account("alice"), ""),
        None => config.clone(),
    };
    let runs: usize = std::env::var("BALCONY_README_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2);
    for run in 0..runs {
        let data = tempfile::tempdir().unwrap();
        let data = data.path();
        let (ok, out) = balcony(&config, data, &["check"], "");
        assert!(
            ok && out.starts_with("alice@localhost/"),
            "run {run}: {out}"
        );
        let (ok, out) = balcony(
            &config,
            data,
            &[
                "exec",
                "--wait",
                "1",
                "/add romeo@localhost Romeo",
                "/msg romeo@localhost Art thou there?",
            ],
            "",
        );
        assert!(ok, "run {run}: {out}");
        assert!(out.contains("ok /add romeo@localhost"), "run {run}: {out}");
        assert!(
            out.contains("ok /msg romeo@localhost: sent"),
            "run {run}: {out}"
        );
        let (ok, out) = balcony(
            &config,
            data,
            &["exec", "--json"],
            "/status away at the masque\n",
        );
        assert!(ok, "run {run}: {out}");
        assert!(
            out.contains("\"command\":\"/status away\""),
            "run {run}: {out}"
        );
        let (ok, out) = balcony(
            &lists_config,
            data,
            &[
                "exec",
                "/privacy rule work 10 deny jid tybalt@localhost",
                "/privacy rule work 20 allow",
                "/privacy active work",
                "/privacy",
                "/privacy decline active",
            ],
            "",
        );
        assert!(ok, "run {run}: {out}");
        let (ok, out) = balcony(
            &config,
            data,
            &[
                "exec",
                "/block spam.example.org",
                "/blocklist",
                "/unblock spam.example.org",
            ],
            "",
        );
        assert!(ok, "run {run}: {out}");
        assert!(out.contains("spam.example.org"), "run {run}: {out}");
        let (ok, out) = balcony(&config, data, &["roster"], "");
        assert!(
            ok && out.contains("romeo@localhost\tRomeo"),
            "run {run}: {out}"
        );
    }
}
common::on_both_servers!(sync readme_examples);
