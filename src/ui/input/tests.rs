//! Input line tests: editing keys, history, multi-line text, paste,
//! drawing by display width, and completion.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jid::BareJid;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Position;

use super::*;
use crate::ui::test_support::logged_in;
use crate::xmpp::stanza::roster::RosterItem;

/// The default bindings, as the UI starts with them.
fn keymap() -> &'static Keymap {
    static KEYMAP: std::sync::OnceLock<Keymap> = std::sync::OnceLock::new();
    KEYMAP.get_or_init(Keymap::default)
}

/// A key as the terminal sends it, through the default bindings.
trait Press {
    fn press(&mut self, event: KeyEvent) -> InputOutcome;
}

impl Press for InputLine {
    fn press(&mut self, event: KeyEvent) -> InputOutcome {
        self.handle_key(keymap(), Key::from_event(event))
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::CONTROL)
}

fn alt(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::ALT)
}

fn c(ch: char) -> KeyCode {
    KeyCode::Char(ch)
}

fn typed(text: &str) -> InputLine {
    let mut line = InputLine::default();
    type_in(&mut line, text);
    line
}

fn type_in(line: &mut InputLine, text: &str) {
    for ch in text.chars() {
        line.press(key(c(ch)));
    }
}

/// The text with `|` where the cursor is.
fn at_cursor(line: &InputLine) -> String {
    let mut text: String = line.text().chars().take(line.cursor()).collect();
    text.push('|');
    text.extend(line.text().chars().skip(line.cursor()));
    text
}

/// Draws the line into a `width`×`height` test terminal: rows and cursor.
fn drawn(line: &InputLine, width: u16, height: u16) -> (Vec<String>, Position) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| line.draw(frame, frame.area(), true))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    // The cell after a wide char holds a blank that is not on screen.
    let rows = (0..height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < width {
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            }
            row
        })
        .collect();
    (rows, terminal.backend().cursor_position())
}

#[test]
fn typing_and_editing_keys() {
    let mut line = typed("héllo world");
    line.press(ctrl(c('a')));
    line.press(key(KeyCode::Delete));
    assert_eq!(line.text(), "éllo world");
    line.press(ctrl(c('e')));
    line.press(key(KeyCode::Backspace));
    assert_eq!(line.text(), "éllo worl");
    line.press(key(KeyCode::Left));
    line.press(key(KeyCode::Left));
    line.press(ctrl(c('k')));
    assert_eq!(line.text(), "éllo wo");
    line.press(ctrl(c('y')));
    assert_eq!(line.text(), "éllo worl");
    line.press(ctrl(c('u')));
    assert_eq!(line.text(), "");
    line.press(key(c('x')));
    assert_eq!(
        line.press(key(KeyCode::Enter)),
        InputOutcome::Submitted("x".into())
    );
    assert_eq!(line.text(), "");
    assert_eq!(line.press(key(KeyCode::F(5))), InputOutcome::Ignored);
}

#[test]
fn word_moves_and_word_kills() {
    let mut line = typed("send to-romeo@example.net now");
    line.press(alt(c('b')));
    assert_eq!(at_cursor(&line), "send to-romeo@example.net |now");
    line.press(ctrl(KeyCode::Left));
    assert_eq!(at_cursor(&line), "send to-romeo@example.|net now");
    line.press(alt(c('b')));
    line.press(alt(c('b')));
    assert_eq!(at_cursor(&line), "send to-|romeo@example.net now");
    line.press(alt(c('f')));
    assert_eq!(at_cursor(&line), "send to-romeo|@example.net now");
    line.press(ctrl(KeyCode::Right));
    assert_eq!(at_cursor(&line), "send to-romeo@example|.net now");
    // M-Backspace stops at punctuation, C-w only at spaces.
    line.press(alt(KeyCode::Backspace));
    assert_eq!(at_cursor(&line), "send to-romeo@|.net now");
    line.press(ctrl(c('w')));
    assert_eq!(at_cursor(&line), "send |.net now");
    line.press(alt(c('d')));
    assert_eq!(at_cursor(&line), "send | now");
    line.press(ctrl(c('y')));
    assert_eq!(at_cursor(&line), "send .net| now");
}

#[test]
fn history_walk_keeps_the_draft() {
    let mut line = InputLine::default();
    for entry in ["one", "two", "two", "  ", "three"] {
        type_in(&mut line, entry);
        line.press(key(KeyCode::Enter));
    }
    type_in(&mut line, "dra");
    let mut walk = Vec::new();
    for code in [
        KeyCode::Up,
        KeyCode::Up,
        KeyCode::Up,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::Down,
    ] {
        line.press(key(code));
        walk.push(line.text().to_owned());
    }
    assert_eq!(
        walk,
        ["three", "two", "one", "one", "two", "three", "dra"],
        "consecutive repeats and blank lines are kept once or not at all"
    );
    assert_eq!(line.press(key(KeyCode::Down)), InputOutcome::Ignored);

    // An edited entry becomes the new draft.
    line.press(key(KeyCode::Up));
    type_in(&mut line, "!");
    line.press(key(KeyCode::Up));
    assert_eq!(line.text(), "three");
    line.press(key(KeyCode::Down));
    assert_eq!(line.text(), "three!");
}

#[test]
fn history_is_capped() {
    let mut line = InputLine::default();
    for n in 0..HISTORY_LIMIT + 20 {
        line.set_text(&n.to_string());
        line.press(key(KeyCode::Enter));
    }
    assert_eq!(line.history.entries.len(), HISTORY_LIMIT);
    assert_eq!(line.history.entries.front().unwrap(), "20");
}

#[test]
fn alt_enter_makes_multi_line_text() {
    let mut line = typed("ab");
    line.press(alt(KeyCode::Enter));
    type_in(&mut line, "東京x");
    assert_eq!(line.text(), "ab\n東京x");
    assert_eq!(line.line_count(), 2);

    // Up keeps the display column: after "東" (2 cells) is after "ab".
    line.press(key(KeyCode::Left));
    line.press(key(KeyCode::Left));
    assert_eq!(at_cursor(&line), "ab\n東|京x");
    line.press(key(KeyCode::Up));
    assert_eq!(at_cursor(&line), "ab|\n東京x");
    line.press(ctrl(c('a')));
    line.press(key(KeyCode::Down));
    assert_eq!(at_cursor(&line), "ab\n|東京x");
    line.press(ctrl(c('e')));
    assert_eq!(at_cursor(&line), "ab\n東京x|");

    // C-k at the end of a line joins the next one.
    line.press(key(KeyCode::Up));
    line.press(ctrl(c('k')));
    assert_eq!(line.text(), "ab東京x");
    line.press(alt(KeyCode::Enter));
    assert_eq!(
        line.press(key(KeyCode::Enter)),
        InputOutcome::Submitted("ab\n東京x".into())
    );

    let mut dialog = InputLine::single_line();
    assert_eq!(dialog.press(alt(KeyCode::Enter)), InputOutcome::Ignored);
    assert_eq!(dialog.text(), "");
}

#[test]
fn multi_line_rendering_places_the_cursor() {
    let mut line = typed("hi");
    line.press(alt(KeyCode::Enter));
    type_in(&mut line, "東京x");
    let (rows, cursor) = drawn(&line, 20, 2);
    assert_eq!(rows[0].trim_end(), "> hi");
    assert_eq!(rows[1].trim_end(), "  東京x");
    // Prompt (2) + two wide chars (4) + "x" (1).
    assert_eq!(cursor, Position::new(7, 1));

    // Seven lines in five rows: the cursor's line stays in view.
    let mut long = InputLine::default();
    long.insert_text("1\n2\n3\n4\n5\n6\n7");
    assert_eq!(long.line_count(), MAX_LINES);
    let (rows, cursor) = drawn(&long, 10, 5);
    assert_eq!(rows[0].trim_end(), "  3");
    assert_eq!(rows[4].trim_end(), "  7");
    assert_eq!(cursor, Position::new(3, 4));
    for _ in 0..6 {
        long.press(key(KeyCode::Up));
    }
    let (rows, cursor) = drawn(&long, 10, 5);
    assert_eq!(rows[0].trim_end(), "> 1");
    assert_eq!(cursor, Position::new(3, 0));
}

#[test]
fn long_line_scrolls_sideways_by_display_width() {
    let line = typed("abcdefgh東京");
    let (rows, cursor) = drawn(&line, 8, 1);
    // Six columns of text: the end of the line and the cursor after it.
    assert_eq!(rows[0], "> h東京 ");
    assert_eq!(cursor, Position::new(7, 0));
    assert!(line.left.get() > 0);

    // Control characters pasted by the user are shown, not sent raw.
    let mut pasted = InputLine::default();
    pasted.insert_text("a\u{1b}[2Jb\tc");
    let (rows, cursor) = drawn(&pasted, 20, 1);
    assert_eq!(rows[0].trim_end(), "> a\u{fffd}[2Jb c");
    assert_eq!(cursor, Position::new(10, 0));
}

#[test]
fn paste_keeps_newlines() {
    let mut line = typed("say: ");
    line.insert_text("first\r\nsecond\rthird\n");
    assert_eq!(line.text(), "say: first\nsecond\nthird\n");
    assert_eq!(line.line_count(), 4);
    assert_eq!(
        line.press(key(KeyCode::Enter)),
        InputOutcome::Submitted("say: first\nsecond\nthird\n".into())
    );

    let mut dialog = InputLine::single_line();
    dialog.insert_text("romeo@example.net\nRomeo");
    assert_eq!(dialog.text(), "romeo@example.net Romeo");
}

fn state() -> crate::app::State {
    let mut romeo = RosterItem::new(BareJid::new("romeo@example.net").unwrap());
    romeo.groups = vec!["Friends".into(), "Family".into()];
    let rosaline = RosterItem::new(BareJid::new("rosaline@example.net").unwrap());
    let nurse = RosterItem::new(BareJid::new("nurse@example.com").unwrap());
    logged_in(vec![romeo, rosaline, nurse])
}

fn tab(line: &mut InputLine, state: &crate::app::State) -> String {
    assert_eq!(line.press(key(KeyCode::Tab)), InputOutcome::Complete);
    complete(line, state);
    line.text().to_owned()
}

#[test]
fn completion_of_a_single_candidate() {
    let state = state();
    let mut line = typed("/ad");
    assert_eq!(tab(&mut line, &state), "/add");
    let mut line = typed("/msg nu");
    assert_eq!(tab(&mut line, &state), "/msg nurse@example.com");
    let mut line = typed("/group romeo@example.net Friends, Fa");
    assert_eq!(
        tab(&mut line, &state),
        "/group romeo@example.net Friends, Family"
    );
    // Only the text before the cursor is completed; the rest stays.
    let mut line = typed("/ad romeo@example.net");
    line.press(ctrl(c('a')));
    for _ in 0..3 {
        line.press(key(KeyCode::Right));
    }
    assert_eq!(tab(&mut line, &state), "/add romeo@example.net");
    assert_eq!(at_cursor(&line), "/add| romeo@example.net");
    // Nothing matches: nothing changes.
    let mut line = typed("/xyz");
    assert_eq!(tab(&mut line, &state), "/xyz");
}

#[test]
fn completion_extends_to_the_common_prefix_then_cycles() {
    let state = state();
    let mut line = typed("/msg r");
    assert_eq!(tab(&mut line, &state), "/msg ro");
    let cycle: Vec<String> = (0..4).map(|_| tab(&mut line, &state)).collect();
    assert_eq!(
        cycle,
        [
            "/msg romeo@example.net",
            "/msg rosaline@example.net",
            "/msg ro",
            "/msg romeo@example.net"
        ]
    );
    // Typing ends the cycle; the next Tab starts from the new text.
    type_in(&mut line, " hi");
    assert_eq!(tab(&mut line, &state), "/msg romeo@example.net hi");
}

#[test]
fn completion_cycles_when_no_prefix_is_shared() {
    let state = state();
    let mut line = typed("/re");
    let cycle: Vec<String> = (0..7).map(|_| tab(&mut line, &state)).collect();
    assert_eq!(
        cycle,
        [
            "/reconnect",
            "/register",
            "/remove",
            "/rename",
            "/requestvoice",
            "/re",
            "/reconnect"
        ]
    );
    line.press(key(KeyCode::Backspace));
    assert_eq!(line.text(), "/reconnec");
}

#[test]
fn help_lists_each_edit_once_with_all_its_keys() {
    let help: Vec<(String, &str)> = keymap()
        .help_lines()
        .into_iter()
        .filter(|(context, _, _)| *context == Context::Input)
        .map(|(_, keys, help)| (keys, help))
        .collect();
    let newline = help.iter().find(|(keys, _)| keys == "M-Enter").unwrap();
    assert_eq!(newline.1, UiAction::Newline.help());
    assert!(help.iter().any(|(keys, _)| keys == "M-b C-Left"));
    // Every action of the input context is an edit, and every edit has
    // an action.
    for (key, action) in keymap().bound(Context::Input) {
        assert!(Edit::from_action(action).is_some(), "{key}: {action:?}");
    }
    for action in UiAction::ALL {
        assert_eq!(
            action.is_edit(),
            Edit::from_action(*action).is_some(),
            "{action:?}"
        );
    }
}

/// A rebound edit works on its new key; the old key is no longer an edit
/// (and, being a chord, not text either).
#[test]
fn rebound_edit_keys_follow_the_keymap() {
    let overrides = std::collections::HashMap::from([(
        "input".to_owned(),
        std::collections::HashMap::from([("line-start".to_owned(), vec!["C-t".to_owned()])]),
    )]);
    let keymap = Keymap::with_overrides(&overrides).unwrap();
    let mut line = InputLine::default();
    for ch in "world".chars() {
        line.handle_key(&keymap, Key::from_event(key(c(ch))));
    }
    let ctrl_a = Key::from_event(ctrl(c('a')));
    assert_eq!(line.handle_key(&keymap, ctrl_a), InputOutcome::Ignored);
    assert_eq!(at_cursor(&line), "world|");
    let ctrl_t = Key::from_event(ctrl(c('t')));
    assert_eq!(line.handle_key(&keymap, ctrl_t), InputOutcome::Edited);
    assert_eq!(at_cursor(&line), "|world");
    assert_eq!(line.edit(Edit::LineEnd), InputOutcome::Edited);
    assert_eq!(at_cursor(&line), "world|");
}
