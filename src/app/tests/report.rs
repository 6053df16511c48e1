//! One notice path: only `update` writes notices. Outcomes the runner
//! learns (a line that does not parse, a history search) come back as
//! messages, so the terminal shows them as notices and `exec` reports them
//! as events.

use super::*;

fn texts(state: &State) -> Vec<&str> {
    state.notices.iter().map(|n| n.text.as_str()).collect()
}

#[test]
fn a_line_that_does_not_parse_fails_with_a_notice() {
    let mut state = State::new(Preferences::default());
    let effects = update(
        &mut state,
        Msg::Invalid {
            tag: 7,
            line: "/msgg romeo".into(),
            error: "unknown command /msgg".into(),
        },
    );
    assert_eq!(
        events(&effects),
        vec![&Event::Result {
            tag: 7,
            command: "/msgg romeo".into(),
            ok: false,
            text: "unknown command /msgg".into(),
        }]
    );
    assert_eq!(texts(&state), ["/msgg romeo: unknown command /msgg"]);
}

#[test]
fn search_matches_are_reported_and_shown_in_the_terminal() {
    let mut state = State::new(Preferences::default());
    state.notices_only = true;
    let effects = update(
        &mut state,
        Msg::Searched {
            tag: 3,
            text: "balcony".into(),
            result: Ok(vec!["romeo: the balcony".into(), "me: balcony?".into()]),
        },
    );
    let events = events(&effects);
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[2],
        &Event::Result {
            tag: 3,
            command: "/search balcony".into(),
            ok: true,
            text: "2 found".into(),
        }
    );
    assert_eq!(texts(&state), ["romeo: the balcony", "me: balcony?"]);
}

#[test]
fn a_failed_search_says_why() {
    let mut state = State::new(Preferences::default());
    update(
        &mut state,
        Msg::Searched {
            tag: 4,
            text: "x".into(),
            result: Err("the history is not open".into()),
        },
    );
    assert_eq!(texts(&state), ["/search x: the history is not open"]);
}

/// A success after a failure replaces the failure in the status line, so
/// the error does not stand for the later command.
#[test]
fn a_success_replaces_a_lingering_failure() {
    let mut state = State::new(Preferences::default());
    let mut effects = Vec::new();
    crate::app::dispatch::report(
        &mut state,
        1,
        "/continue".into(),
        crate::app::dispatch::Outcome::Failed("name the room".into()),
        &mut effects,
    );
    crate::app::dispatch::report(
        &mut state,
        2,
        "/continue --room verona@conference.example.com".into(),
        crate::app::dispatch::Outcome::Done("joined".into()),
        &mut effects,
    );
    let last = state.notices.back().unwrap();
    assert!(!last.is_error);
    assert_eq!(
        last.text,
        "/continue --room verona@conference.example.com: joined"
    );
}
