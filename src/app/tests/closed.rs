//! The connection ends: what is forgotten, what is reported, what stays.

use super::*;
use crate::app::ConnectionState;

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
        },
    );
    assert_eq!(
        trace(&effects),
        ["emit: offline: authentication failed: not-authorized"]
    );
    assert!(!state.is_online());
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
