//! The `[notify] command` end to end: the `balcony` binary runs in tmux
//! against a private Prosody; a message arrives for a conversation that is
//! not on screen, and the configured program (a script written here that
//! dumps its environment to a file) runs with `BALCONY_FROM`,
//! `BALCONY_CONVERSATION` and `BALCONY_BODY`. A hostile body (escape
//! sequences, `$(...)`, backquotes, quotes) arrives sanitised to one line
//! and is never executed: it is passed in the environment, never in a
//! shell line.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use balcony::xmpp::stanza::message::Message;
use common::tmux::{Tmux, shell_quote};
use common::{Peer, TestServer};
use jid::Jid;

const LOGIN: Duration = Duration::from_secs(20);
const WAIT: Duration = Duration::from_secs(15);

/// A script that writes the three variables to `$1`, then renames it into
/// place so the test never reads half a file.
fn write_dump_script(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("dump-env.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         printf 'FROM=%s\\nCONVERSATION=%s\\nBODY=%s\\nARGS=%s\\n' \
         \"$BALCONY_FROM\" \"$BALCONY_CONVERSATION\" \"$BALCONY_BODY\" \"$#\" > \"$1.tmp\"\n\
         mv \"$1.tmp\" \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

async fn wait_for_file(path: &Path) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the [notify] command did not run within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_command_gets_sanitised_env_and_runs_nothing_from_the_body() {
    let server = TestServer::start();
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().unwrap();
    let script = write_dump_script(dir.path());
    let out = dir.path().join("notified.txt");
    let pwned = dir.path().join("pwned");
    let extra = format!(
        "[notify]\nbell = true\ncommand = [{:?}, {:?}]\n",
        script.to_string_lossy(),
        out.to_string_lossy()
    );
    let config = server.write_config(&alice, &extra);
    let tmux = Tmux::start(&format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    ));
    tmux.wait_for("online as alice@localhost/", LOGIN);

    let peer = Peer::online(&server, &bob, "phone").await;
    let pwned_path = pwned.to_string_lossy();
    let body = format!(
        "hi \u{1b}]0;owned\u{7}\u{1b}[2J $(touch {pwned_path}) `touch {pwned_path}` \
         \"q\" 'q' ; touch {pwned_path}\nsecond line"
    );
    let to = Jid::new(&alice.jid).unwrap();
    peer.send(Message::chat(to, body.clone()).to_element());

    let dumped = wait_for_file(&out).await;
    let expected_body = balcony::notify::env_value(&body);
    assert_eq!(
        dumped,
        format!(
            "FROM=bob\nCONVERSATION={}\nBODY={expected_body}\nARGS=1\n",
            bob.jid
        )
    );
    // Intact but sanitised: the words are there, the controls are not.
    assert!(expected_body.contains(&format!("$(touch {pwned_path})")));
    assert!(expected_body.contains("\"q\" 'q'"));
    assert!(!dumped.contains('\u{1b}') && !dumped.contains('\u{7}'));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!pwned.exists(), "the body was executed");
    // The title counts it, and the message is in the UI.
    tmux.wait_for("bob", WAIT);
}
