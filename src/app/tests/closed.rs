//! The connection ends: what is forgotten, what is reported, what stays.

use super::*;
use crate::app::ConnectionState;
use crate::xmpp::error::Recovery;

/// SUB-07, ROS-06: Closed clears presence and directed, reports roster ops, keeps requests.
#[test]
fn closed_clears_presence_and_reports_roster_ops() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    presence(&mut state, "<presence from='juliet@example.com/chamber'/>");
    presence(
        &mut state,
        "<presence from='mercutio@example.org' type='subscribe'/>",
    );
    run(&mut state, 1, "/presence nurse@example.com away");
    run(&mut state, 2, "/group romeo@example.net Verona");
    set_ok(&mut state, 2);
    run(&mut state, 3, "/rename nurse@example.com Angelica");

    let effects = connection_lost(&mut state);
    assert_eq!(
        trace(&effects),
        [
            "emit: offline: connection reset",
            "emit: ok /group romeo@example.net",
            "emit: failed /rename nurse@example.com: the connection was lost",
        ]
    );
    assert_eq!(
        state.connection,
        ConnectionState::Offline {
            error: Some("connection reset".into())
        }
    );
    assert!(state.presence.is_empty());
    assert!(state.own_resources.resources.is_empty());
    assert!(state.directed.is_empty());
    assert!(!state.initial_presence_sent);
    assert!(state.roster_ops.drain().is_empty());
    assert!(last_notice(&state).is_error);
    // Kept: the roster (for display and the next versioned login) and the
    // unanswered request (SUB-07).
    assert_eq!(state.roster.len(), 2);
    assert!(state.pending.contains(&bare("mercutio@example.org")));

    // Late answers to the lost commands are ignored.
    assert!(set_ok(&mut state, 3).is_empty());
}

/// A clean close is Offline without an error.
#[test]
fn closed_cleanly_is_offline_without_error() {
    let mut state = logged_in();
    let effects = session(
        &mut state,
        SessionEvent::Closed {
            error: None,
            retryable: false,
        },
    );
    assert_eq!(trace(&effects), ["emit: offline"]);
    assert_eq!(state.connection, ConnectionState::Offline { error: None });
}

/// A failed login is an error notice and an Offline event.
#[test]
fn login_failed_is_offline_with_error() {
    let mut state = State::new(Preferences::default());
    let effects = update(
        &mut state,
        Msg::LoginFailed {
            error: "authentication failed: not-authorized".into(),
            recovery: Recovery::AskPassword,
        },
    );
    assert_eq!(
        trace(&effects),
        ["emit: offline: authentication failed: not-authorized"]
    );
    assert!(!state.is_online());
}

/// CORE-12: a refused password goes Offline at once and asks for the
/// password; the next login attempt stops asking.
#[test]
fn core_12_refused_password_is_asked_for_again() {
    let mut state = State::new(Preferences::default());
    update(
        &mut state,
        Msg::LoginFailed {
            error: "authentication failed: not-authorized".into(),
            recovery: Recovery::AskPassword,
        },
    );
    assert!(state.password_refused);
    assert_eq!(
        state.connection,
        ConnectionState::Offline {
            error: Some("authentication failed: not-authorized".into())
        }
    );
    assert!(update(&mut state, Msg::Connecting).is_empty());
    assert!(!state.password_refused);
    assert_eq!(state.connection, ConnectionState::Connecting);
}

/// CORE-20: a final failure (a refused certificate, channel binding, a
/// bind conflict) is Offline with the sentence, and asks for nothing.
#[test]
fn core_20_final_login_failure_asks_for_nothing() {
    let mut state = State::new(Preferences::default());
    let effects = update(
        &mut state,
        Msg::LoginFailed {
            error: "the server refused channel binding (tls-exporter)".into(),
            recovery: Recovery::GiveUp,
        },
    );
    assert_eq!(
        trace(&effects),
        ["emit: offline: the server refused channel binding (tls-exporter)"]
    );
    assert!(!state.password_refused);
    assert!(last_notice(&state).is_error);
}

/// SESS-05, CORE-20: a first login that fails for a passing reason is
/// shown exactly as a reconnect: attempt and delay on the status line,
/// and commands that can wait still wait.
#[test]
fn sess_05_retried_first_login_shows_as_reconnecting() {
    let mut state = State::new(Preferences::default());
    update(&mut state, Msg::Connecting);
    let effects = session(
        &mut state,
        SessionEvent::Reconnecting {
            error: "session establishment failed: internal-server-error (wait)".into(),
            attempt: 1,
            retry_in: std::time::Duration::from_secs(2),
        },
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: error: connection lost (session establishment failed: \
             internal-server-error (wait)); reconnecting in 2s (attempt 1)"
        ]
    );
    assert_eq!(
        state.connection,
        ConnectionState::Reconnecting {
            error: "session establishment failed: internal-server-error (wait)".into(),
            attempt: 1,
            retry_in_secs: 2,
        }
    );
    assert!(!state.password_refused);
    // /disconnect and /reconnect during the wait reach the runner.
    assert_eq!(
        trace(&run(&mut state, 1, "/reconnect")),
        ["reconnect", "emit: ok /reconnect"]
    );
    assert_eq!(
        trace(&run(&mut state, 2, "/disconnect")),
        ["disconnect", "emit: ok /disconnect"]
    );
}

/// SUB-02: an /add cut off before its push (no subscribe sent) is not reported plainly done.
#[test]

fn sub_02_add_cut_off_before_its_push_is_not_reported_done() {
    let mut state = logged_in();
    run(&mut state, 1, "/add benvolio@example.org Benvolio");
    set_ok(&mut state, 1);
    let effects = connection_lost(&mut state);
    let result = events(&effects)
        .into_iter()
        .find_map(|e| match e {
            Event::Result {
                tag: 1, ok, text, ..
            } => Some((*ok, text.clone())),
            _ => None,
        })
        .unwrap();
    assert!(
        !result.0 || !result.1.is_empty(),
        "reported as plainly done: {result:?}"
    );
}

/// ROS-14, ROS-06: after a failed roster fetch, pushes still reach the roster.
#[test]

fn ros_14_pushes_apply_after_a_failed_fetch() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(false, false));
    roster_reply(&mut state, false, Err(RequestError::Disconnected));
    run(&mut state, 1, "/add benvolio@example.org Benvolio");
    set_ok(&mut state, 1);
    let effects = push_item(
        &mut state,
        "<item jid='benvolio@example.org' name='Benvolio' subscription='none'/>",
    );
    assert!(
        events(&effects)
            .iter()
            .any(|e| matches!(e, Event::Result { ok: true, .. }))
    );
    assert!(state.roster.contains(&bare("benvolio@example.org")));
}
