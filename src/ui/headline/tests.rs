//! Headline pane tests: headlines and server announcements are fed to the
//! store as session events, then the pane is drawn and read back as text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use super::*;
use crate::app::{Msg, update};
use crate::ui::test_support::{logged_in, render};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::test_xml;

/// 12:30 UTC.
const NOON: i64 = 12 * 3_600 + 30 * 60;

fn receive(state: &mut State, xml: &str, at: i64) {
    let message = Message::parse(&test_xml::parse(xml)).unwrap();
    deliver(state, message, at);
}

fn deliver(state: &mut State, message: Message, at: i64) {
    update(
        state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at,
        },
    );
}

fn apply(state: &mut State, requests: Vec<Request>) {
    for request in requests {
        if let Request::View(msg) = request {
            update(state, Msg::View(msg));
        }
    }
}

/// A news item and an announcement from our own server (MSG-13).
fn with_news() -> State {
    let mut state = logged_in(Vec::new());
    receive(
        &mut state,
        "<message from='feeds@news.example.net' type='headline'>\
         <subject>Storm</subject>\
         <body>Winds at 100 km/h, see https://example.org/storm</body></message>",
        NOON,
    );
    receive(
        &mut state,
        "<message from='example.com'><body>Maintenance at 02:00</body></message>",
        NOON + 60,
    );
    state
}

/// Draws only the headline pane; returns every row, trailing spaces
/// trimmed (the text here is all one column wide).
fn pane(state: &State, view: &mut View, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| draw(frame, frame.area(), state, view))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The rows inside the border.
fn inside(rows: &[String]) -> Vec<String> {
    rows[1..rows.len() - 1]
        .iter()
        .map(|row| {
            let mut chars: Vec<char> = row.chars().collect();
            chars.remove(0);
            chars.pop();
            chars.into_iter().collect::<String>().trim_end().to_owned()
        })
        .collect()
}

/// MSG-13: the announcement is marked; the news item shows sender,
/// subject, body and its link on a row of its own.
#[test]
fn msg_13_headlines_with_links_and_server_mark() {
    let state = with_news();
    assert_eq!(state.headlines.len(), 2);
    let mut view = View::default();
    let rows = pane(&state, &mut view, 60, 7);
    assert!(rows[0].contains(" Headlines (2 new) "), "{}", rows[0]);
    assert_eq!(
        inside(&rows),
        [
            "12:30 feeds@news.example.net [Storm] Winds at 100 km/h,",
            "      see https://example.org/storm",
            "      ↗ https://example.org/storm",
            "12:31 example.com (server) Maintenance at 02:00",
            "",
        ]
    );
}

#[test]
fn link_rows_are_dim_and_underlined() {
    let state = with_news();
    let mut view = View::default();
    let mut terminal = Terminal::new(TestBackend::new(60, 7)).unwrap();
    terminal
        .draw(|frame| draw(frame, frame.area(), &state, &mut view))
        .unwrap();
    let cell = &terminal.backend().buffer()[(9, 3)];
    assert_eq!(cell.symbol(), "h");
    assert!(cell.modifier.contains(Modifier::UNDERLINED));
    assert_eq!(cell.fg, view.theme.dim);
}

/// The first key in the focused pane marks the headlines read; clearing
/// empties the list.
#[test]
fn read_on_focus_and_cleared() {
    let mut state = with_news();
    let mut view = View {
        focus: Focus::Headlines,
        ..View::default()
    };
    let requests = handle(&mut view, &state, UiAction::Down);
    assert_eq!(requests, [Request::View(ViewMsg::HeadlinesRead)]);
    apply(&mut state, requests);
    assert_eq!(state.headlines.unread, 0);
    let rows = pane(&state, &mut view, 60, 7);
    assert!(rows[0].contains(" Headlines (2) "), "{}", rows[0]);
    assert!(rows[6].contains(" read-only · C clears "), "{}", rows[6]);
    assert!(handle(&mut view, &state, UiAction::Down).is_empty());

    let requests = handle(&mut view, &state, UiAction::ClearHeadlines);
    assert_eq!(requests, [Request::View(ViewMsg::ClearHeadlines)]);
    apply(&mut state, requests);
    assert!(state.headlines.is_empty());
    let rows = inside(&pane(&state, &mut view, 60, 7));
    assert_eq!(
        rows[..2],
        [
            "No headlines. News and server announcements show here;",
            "they cannot be answered.",
        ]
    );
}

/// Also through the keymap, as the event loop drives it.
#[test]
fn clear_key_reaches_the_store() {
    let mut state = with_news();
    let mut view = View {
        focus: Focus::Headlines,
        ..View::default()
    };
    let key =
        ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char('C'));
    let requests = crate::ui::handle_key(&mut view, &state, key);
    apply(&mut state, requests);
    assert!(state.headlines.is_empty());
}

/// SEC-05 in headlines too.
#[test]
fn sec_05_hostile_headline_is_not_drawn() {
    let mut state = logged_in(Vec::new());
    let mut message = Message::new(MessageType::Headline);
    message.from = Some(jid::Jid::new("feeds@news.example.net").unwrap());
    message.subjects = vec![LangText::new("x\u{1b}[2J\u{202e}y")];
    message.bodies = vec![LangText::new("a\u{9b}31mb")];
    deliver(&mut state, message, NOON);
    let mut view = View::default();
    let text = pane(&state, &mut view, 60, 5).join("\n");
    for bad in ['\u{1b}', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(bad), "{bad:?} reached the screen");
    }
    assert!(text.contains("[x[2Jy] a31mb"), "{text}");
}

fn many(count: usize) -> State {
    let mut state = logged_in(Vec::new());
    for i in 0..count {
        receive(
            &mut state,
            &format!(
                "<message from='feeds@news.example.net' type='headline'><body>item {i}</body></message>"
            ),
            NOON,
        );
    }
    state
}

#[test]
fn newest_at_the_bottom_and_scrolling() {
    let state = many(10);
    let mut view = View::default();
    let show = |view: &mut View| inside(&pane(&state, view, 50, 5));
    assert_eq!(
        show(&mut view),
        [
            "12:30 feeds@news.example.net item 7",
            "12:30 feeds@news.example.net item 8",
            "12:30 feeds@news.example.net item 9",
        ]
    );
    assert!(view.headlines.laid_out <= 3);
    handle(&mut view, &state, UiAction::PageUp);
    assert_eq!(show(&mut view)[2], "12:30 feeds@news.example.net item 7");
    handle(&mut view, &state, UiAction::Top);
    assert_eq!(show(&mut view)[0], "12:30 feeds@news.example.net item 0");
    assert_eq!(view.headlines.scroll, 7, "clamped to the oldest row");
    handle(&mut view, &state, UiAction::Down);
    assert_eq!(show(&mut view)[0], "12:30 feeds@news.example.net item 1");
    handle(&mut view, &state, UiAction::Bottom);
    assert_eq!(show(&mut view)[2], "12:30 feeds@news.example.net item 9");
}

#[test]
fn whole_screen_shows_the_pane() {
    let state = with_news();
    let mut view = View::default();
    let text = render(&state, &mut view, 80, 24).join("\n");
    assert!(text.contains(" Headlines (2 new) "), "{text}");
    assert!(
        text.contains("example.com (server) Maintenance at 02:00"),
        "{text}"
    );
    let text = render(&state, &mut view, 200, 60).join("\n");
    assert!(
        text.contains(
            "12:30 feeds@news.example.net [Storm] Winds at 100 km/h, see https://example.org/storm"
        ),
        "{text}"
    );
    assert!(text.contains("↗ https://example.org/storm"), "{text}");
}
