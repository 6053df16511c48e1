//! Smoke tests of the real terminal UI: the `balcony` binary runs inside tmux
//! against a private Prosody, and the tests read the screen the way a user
//! would. They cover start-up, the three ways to leave (`/quit`, Ctrl-C,
//! SIGTERM) with the terminal restored from the alternate screen, and how a
//! wrong password shows up. Drawing details belong in the `TestBackend`
//! tests in `src/ui/`; this file only proves the pieces work together.

mod common;

use std::time::Duration;

use common::tmux::{Tmux, shell_quote};
use common::{Account, TestServer};

/// Start-up, TLS and login against a loaded machine's Prosody.
const LOGIN: Duration = Duration::from_secs(20);
/// Leaving waits up to 3 s for the server to acknowledge the close.
const EXIT: Duration = Duration::from_secs(10);
const PANE_TITLES: [&str; 3] = [" Roster ", " Chat ", " Headlines "];

/// Runs balcony with `account`'s config in a fresh tmux.
fn start_balcony(server: &TestServer, account: &Account) -> Tmux {
    let config = server.write_config(account, "");
    let command = format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    );
    Tmux::start(&command)
}

fn wait_online(tmux: &Tmux) -> String {
    let screen = tmux.wait_for("online as alice@localhost/", LOGIN);
    for title in PANE_TITLES {
        assert!(screen.contains(title), "no {title:?} pane:\n{screen}");
    }
    screen
}

/// Waits for the shell's `EXITED:` line, checks the status was 0 and that
/// the UI is gone: the alternate screen was left, so the panes are not on
/// the normal screen the shell printed to.
fn assert_left_cleanly(tmux: &Tmux) {
    let screen = tmux.wait_for("EXITED:", EXIT);
    assert!(screen.contains("EXITED:0"), "non-zero exit:\n{screen}");
    // Bare words: capture-pane trims trailing blanks, padding included.
    for title in PANE_TITLES.map(str::trim) {
        assert!(
            !screen.contains(title),
            "{title:?} still on screen after exit:\n{screen}"
        );
    }
}

#[test]
fn tui_shows_online_and_quit_command_restores_the_terminal() {
    let server = TestServer::start();
    let alice = server.account("alice");
    let tmux = start_balcony(&server, &alice);
    wait_online(&tmux);

    tmux.type_text("/quit");
    tmux.send_keys(&["Enter"]);
    assert_left_cleanly(&tmux);

    // The log went to the temporary XDG state dir, not the real home.
    let log_dir = tmux.home().join("state/balcony");
    let logs: Vec<String> = std::fs::read_dir(&log_dir)
        .unwrap_or_else(|e| panic!("no log dir {}: {e}", log_dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let log = logs
        .iter()
        .find(|name| name.starts_with("balcony.log"))
        .unwrap_or_else(|| panic!("no log file in {}: {logs:?}", log_dir.display()));
    // At the default level the login is logged, and nothing below info is.
    let text = std::fs::read_to_string(log_dir.join(log)).unwrap();
    assert!(
        text.contains(" INFO ") && text.contains("logged in"),
        "{text}"
    );
    assert!(
        !text.contains(" DEBUG ") && !text.contains(" TRACE "),
        "{text}"
    );
    assert!(!text.contains(&alice.password), "the password was logged");
}

#[test]
fn ctrl_c_quits_with_status_0() {
    let server = TestServer::start();
    let alice = server.account("alice");
    let tmux = start_balcony(&server, &alice);
    wait_online(&tmux);

    // In raw mode Ctrl-C is a key, not SIGINT; a signal would give 130.
    tmux.send_keys(&["C-c"]);
    assert_left_cleanly(&tmux);
}

#[test]
fn sigterm_quits_and_restores_the_terminal() {
    let server = TestServer::start();
    let alice = server.account("alice");
    let tmux = start_balcony(&server, &alice);
    wait_online(&tmux);

    let pid = tmux.program_pid();
    tmux.signal(pid, "TERM");
    // balcony turns SIGTERM into a clean quit, so the status is 0, not 143.
    assert_left_cleanly(&tmux);
}

/// CORE-12 as the user sees it: the refusal is on screen, and /quit still
/// works afterwards.
#[test]
fn wrong_password_shows_not_authorized() {
    let server = TestServer::start();
    let alice = server.account("alice");
    let wrong = Account {
        password: "not-the-password".into(),
        ..alice
    };
    let tmux = start_balcony(&server, &wrong);
    let screen = tmux.wait_for("not-authorized", LOGIN);
    assert!(
        screen.contains("authentication failed: not-authorized"),
        "{screen}"
    );
    assert!(!screen.contains("online as"), "{screen}");

    tmux.type_text("/quit");
    tmux.send_keys(&["Enter"]);
    assert_left_cleanly(&tmux);
}
