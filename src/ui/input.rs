//! The input line, and the one-line editor inside dialogs: emacs-style
//! editing, history, multi-line messages, bracketed paste and tab
//! completion. It turns keys into edits and hands back the finished text
//! on Enter; it never touches the store.
//!
//! Its keys come from the keymap's `input` context, like every other
//! screen's: the keymap names an action, [`Edit::from_action`] turns it
//! into an [`Edit`], and [`InputLine::edit`] applies it. Only printable
//! characters are typed without a lookup. A new edit is a `UiAction`, a
//! default row in the keymap, and a variant here.
//!
//! Completion (Tab) first extends the word to the longest prefix all
//! candidates share. When that adds nothing, each further Tab shows the
//! next candidate in turn, then the text as typed, and starts over.
//! History keeps submitted lines (consecutive repeats once, the newest
//! [`HISTORY_LIMIT`]); Up and Down walk it and come back to the draft.

use std::cell::Cell;
use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;

use super::keymap::{Context, Key, Keymap, UiAction};
use crate::app::State;
use crate::app::command::{self, CompletionContext};
use crate::sanitize::for_terminal;

/// Most rows the input line takes on screen; longer text scrolls.
pub const MAX_LINES: usize = 5;
/// Most submitted lines remembered.
pub const HISTORY_LIMIT: usize = 500;
/// Drawn before the first line; later lines are indented to match.
const PROMPT: &str = "> ";

/// What a key did to the input line.
#[derive(Debug, PartialEq, Eq)]
pub enum InputOutcome {
    /// The line changed (or the cursor moved): redraw.
    Edited,
    /// Enter: the submitted text; the line is now empty.
    Submitted(String),
    /// Tab: the caller should complete the line (see [`complete_from`]).
    Complete,
    /// The key is not an editing key.
    Ignored,
}

/// What an editing action does to the text. The keys come from the
/// keymap's `input` context; [`Edit::from_action`] maps its actions here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Submit,
    Newline,
    Complete,
    Up,
    Down,
    Left,
    Right,
    WordLeft,
    WordRight,
    LineStart,
    LineEnd,
    Backspace,
    Delete,
    KillSpaceWord,
    KillWordBack,
    KillWordForward,
    KillToLineStart,
    KillToLineEnd,
    Yank,
}

impl Edit {
    /// The edit an `input` action stands for; `None` for other actions.
    pub fn from_action(action: UiAction) -> Option<Edit> {
        Some(match action {
            UiAction::Submit => Edit::Submit,
            UiAction::Newline => Edit::Newline,
            UiAction::Complete => Edit::Complete,
            UiAction::Up => Edit::Up,
            UiAction::Down => Edit::Down,
            UiAction::Left => Edit::Left,
            UiAction::Right => Edit::Right,
            UiAction::WordLeft => Edit::WordLeft,
            UiAction::WordRight => Edit::WordRight,
            UiAction::LineStart => Edit::LineStart,
            UiAction::LineEnd => Edit::LineEnd,
            UiAction::EraseChar => Edit::Backspace,
            UiAction::DeleteChar => Edit::Delete,
            UiAction::KillToSpace => Edit::KillSpaceWord,
            UiAction::KillWordBack => Edit::KillWordBack,
            UiAction::KillWord => Edit::KillWordForward,
            UiAction::KillToStart => Edit::KillToLineStart,
            UiAction::KillToEnd => Edit::KillToLineEnd,
            UiAction::Yank => Edit::Yank,
            _ => return None,
        })
    }
}

/// Submitted lines, and where Up/Down have got to.
#[derive(Debug, Default)]
struct History {
    entries: VecDeque<String>,
    /// The entry shown, while walking.
    at: Option<usize>,
    /// The unsubmitted text, given back after the newest entry.
    draft: String,
}

impl History {
    fn push(&mut self, line: &str) {
        self.at = None;
        self.draft.clear();
        if line.trim().is_empty() || self.entries.back().is_some_and(|last| last == line) {
            return;
        }
        if self.entries.len() == HISTORY_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(line.to_owned());
    }
}

/// A completion in progress, so repeated Tabs can cycle.
#[derive(Debug)]
struct Cycle {
    candidates: Vec<String>,
    /// The text before the cursor when cycling started: the last stop.
    typed: String,
    /// The text after the cursor, kept as is.
    tail: String,
    /// The stop shown next: an index into `candidates`, or their length
    /// for `typed`.
    next: usize,
    /// The whole text as completion left it; any other text ends the cycle.
    shown: String,
}

/// The text being typed and the cursor, as a char index.
#[derive(Debug)]
pub struct InputLine {
    text: String,
    cursor: usize,
    /// False in dialogs: newlines become spaces and M-Enter does nothing.
    multiline: bool,
    history: History,
    cycle: Option<Cycle>,
    /// The text C-w, C-k, C-u… removed last, for C-y.
    killed: String,
    /// Drawn before the first line instead of `> `, saying what the text
    /// is for (`correct> `).
    prompt: Option<&'static str>,
    /// Why a dialog refused this text, shown under it until it changes.
    problem: Option<String>,
    /// The first line and column drawn; cells so `draw` can keep the view
    /// still while the cursor moves inside it.
    top: Cell<usize>,
    left: Cell<usize>,
}

impl Default for InputLine {
    fn default() -> Self {
        InputLine {
            text: String::new(),
            cursor: 0,
            multiline: true,
            history: History::default(),
            cycle: None,
            killed: String::new(),
            prompt: None,
            problem: None,
            top: Cell::new(0),
            left: Cell::new(0),
        }
    }
}

impl InputLine {
    /// An editor for one-line dialog fields.
    pub fn single_line() -> InputLine {
        InputLine {
            multiline: false,
            ..InputLine::default()
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, as a char index into [`InputLine::text`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Why a dialog refused the text, until the text changes.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Shows `prompt` before the text instead of `> `; `None` restores it.
    pub fn set_prompt(&mut self, prompt: Option<&'static str>) {
        self.prompt = prompt;
    }

    pub fn set_problem(&mut self, problem: String) {
        self.problem = Some(problem);
    }

    /// Rows the input needs on screen: one per line, at most [`MAX_LINES`].
    pub fn line_count(&self) -> usize {
        self.text.split('\n').count().min(MAX_LINES)
    }

    /// Inserts text at the cursor as is (paste, or a key that starts a
    /// command). Terminals paste line breaks as CR, so CR and CRLF become
    /// newlines; in a one-line editor, spaces.
    pub fn insert_text(&mut self, text: &str) {
        let mut text = text.replace("\r\n", "\n").replace('\r', "\n");
        if !self.multiline {
            text = text.replace('\n', " ");
        }
        self.text_changed();
        let at = self.byte_index(self.cursor);
        self.text.insert_str(at, &text);
        self.cursor += text.chars().count();
    }

    /// Replaces the whole text, cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        self.text_changed();
        self.load(text);
    }

    /// Applies one key: the edit `keymap` binds it to in the `input`
    /// context, else a character typed. Other keys are
    /// [`InputOutcome::Ignored`].
    pub fn handle_key(&mut self, keymap: &Keymap, key: Key) -> InputOutcome {
        if let Some(edit) = keymap
            .lookup(Context::Input, key)
            .and_then(Edit::from_action)
        {
            return self.edit(edit);
        }
        match key.code {
            // Ctrl+Alt together is AltGr on some keyboards: still text.
            KeyCode::Char(c) if key.is_text() => {
                self.text_changed();
                let at = self.byte_index(self.cursor);
                self.text.insert(at, c);
                self.move_to(self.cursor + 1)
            }
            _ => InputOutcome::Ignored,
        }
    }

    /// Applies one edit, whatever key it came from.
    pub fn edit(&mut self, edit: Edit) -> InputOutcome {
        if edit != Edit::Complete {
            self.cycle = None;
        }
        self.apply(edit)
    }

    fn apply(&mut self, edit: Edit) -> InputOutcome {
        let (start, end) = self.line_bounds();
        match edit {
            Edit::Submit => {
                self.cursor = 0;
                let line = std::mem::take(&mut self.text);
                self.history.push(&line);
                return InputOutcome::Submitted(line);
            }
            Edit::Complete => return InputOutcome::Complete,
            Edit::Newline if self.multiline => self.insert_text("\n"),
            Edit::Newline => return InputOutcome::Ignored,
            Edit::Up if start > 0 => self.move_vertically(false),
            Edit::Up => return self.history_back(),
            Edit::Down if end < self.len() => self.move_vertically(true),
            Edit::Down => return self.history_forward(),
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::Right => self.cursor = (self.cursor + 1).min(self.len()),
            Edit::WordLeft => self.cursor = self.word_start_before(self.cursor, is_word),
            Edit::WordRight => self.cursor = self.word_end_after(self.cursor),
            Edit::LineStart => self.cursor = start,
            Edit::LineEnd => self.cursor = end,
            Edit::Backspace if self.cursor > 0 => {
                self.remove(self.cursor - 1, self.cursor);
            }
            Edit::Delete if self.cursor < self.len() => {
                self.remove(self.cursor, self.cursor + 1);
            }
            Edit::Backspace | Edit::Delete => return InputOutcome::Ignored,
            Edit::KillSpaceWord => {
                let from = self.word_start_before(self.cursor, |c| !c.is_whitespace());
                self.kill(from, self.cursor);
            }
            Edit::KillWordBack => {
                self.kill(self.word_start_before(self.cursor, is_word), self.cursor)
            }
            Edit::KillWordForward => self.kill(self.cursor, self.word_end_after(self.cursor)),
            Edit::KillToLineStart => self.kill(start, self.cursor),
            // At the end of a line, C-k joins the next one, as in emacs.
            Edit::KillToLineEnd if self.cursor == end && end < self.len() => {
                self.kill(end, end + 1)
            }
            Edit::KillToLineEnd => self.kill(self.cursor, end),
            Edit::Yank => {
                let killed = self.killed.clone();
                self.insert_text(&killed);
            }
        }
        InputOutcome::Edited
    }

    /// Sets the text without ending a history walk or a completion cycle.
    fn load(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.len();
    }

    /// Editing ends walking the history (the edited text becomes the
    /// draft) and cycling completions, and makes a reported problem stale.
    fn text_changed(&mut self) {
        self.history.at = None;
        self.cycle = None;
        self.problem = None;
    }

    fn history_back(&mut self) -> InputOutcome {
        let entries = &self.history.entries;
        let at = match self.history.at {
            None if entries.is_empty() => return InputOutcome::Ignored,
            None => {
                self.history.draft = self.text.clone();
                entries.len() - 1
            }
            Some(0) => return InputOutcome::Ignored,
            Some(at) => at - 1,
        };
        self.history.at = Some(at);
        let entry = self.history.entries[at].clone();
        self.load(&entry);
        InputOutcome::Edited
    }

    fn history_forward(&mut self) -> InputOutcome {
        let Some(at) = self.history.at else {
            return InputOutcome::Ignored;
        };
        let text = if at + 1 < self.history.entries.len() {
            self.history.at = Some(at + 1);
            self.history.entries[at + 1].clone()
        } else {
            self.history.at = None;
            std::mem::take(&mut self.history.draft)
        };
        self.load(&text);
        InputOutcome::Edited
    }

    fn byte_index(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    fn move_to(&mut self, cursor: usize) -> InputOutcome {
        self.cursor = cursor.min(self.len());
        InputOutcome::Edited
    }

    /// Removes chars `from..to` and returns them; the cursor goes to `from`.
    fn remove(&mut self, from: usize, to: usize) -> String {
        self.text_changed();
        let range = self.byte_index(from)..self.byte_index(to);
        let removed = self.text[range.clone()].to_owned();
        self.text.replace_range(range, "");
        self.cursor = from;
        removed
    }

    fn kill(&mut self, from: usize, to: usize) {
        if from < to {
            self.killed = self.remove(from, to);
        }
    }

    /// Char indices of the start and end of the cursor's line.
    fn line_bounds(&self) -> (usize, usize) {
        let chars: Vec<char> = self.text.chars().collect();
        let start = chars[..self.cursor]
            .iter()
            .rposition(|c| *c == '\n')
            .map_or(0, |i| i + 1);
        let end = chars[self.cursor..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |i| self.cursor + i);
        (start, end)
    }

    /// Back over non-word chars, then over word chars.
    fn word_start_before(&self, from: usize, word: fn(char) -> bool) -> usize {
        let chars: Vec<char> = self.text.chars().take(from).collect();
        let mut i = chars.len();
        while i > 0 && !word(chars[i - 1]) {
            i -= 1;
        }
        while i > 0 && word(chars[i - 1]) {
            i -= 1;
        }
        i
    }

    /// Forward over non-word chars, then over word chars.
    fn word_end_after(&self, from: usize) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = from;
        while i < chars.len() && !is_word(chars[i]) {
            i += 1;
        }
        while i < chars.len() && is_word(chars[i]) {
            i += 1;
        }
        i
    }

    /// Up or Down inside multi-line text, keeping the display column.
    fn move_vertically(&mut self, down: bool) {
        let chars: Vec<char> = self.text.chars().collect();
        let (start, end) = self.line_bounds();
        let column = width(&chars[start..self.cursor]);
        let (from, to) = if down {
            let from = end + 1;
            let to = chars[from..]
                .iter()
                .position(|c| *c == '\n')
                .map_or(chars.len(), |i| from + i);
            (from, to)
        } else {
            let to = start - 1;
            let from = chars[..to]
                .iter()
                .rposition(|c| *c == '\n')
                .map_or(0, |i| i + 1);
            (from, to)
        };
        let mut cursor = from;
        let mut x = 0;
        while cursor < to {
            let w = cell_width(chars[cursor]);
            if x + w > column {
                break;
            }
            x += w;
            cursor += 1;
        }
        self.cursor = cursor;
    }

    /// The cursor's line and its char index within that line.
    fn cursor_line_col(&self) -> (usize, usize) {
        let before: String = self.text.chars().take(self.cursor).collect();
        let line = before.matches('\n').count();
        let col = before
            .rsplit('\n')
            .next()
            .map_or(0, |last| last.chars().count());
        (line, col)
    }

    /// Draws the part of the text around the cursor and, when focused,
    /// places the terminal cursor by display width.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, focused: bool) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let lines: Vec<&str> = self.text.split('\n').collect();
        let (line, col) = self.cursor_line_col();
        let rows = usize::from(area.height);
        let top = scroll_to_show(self.top.get(), line, rows).min(lines.len().saturating_sub(rows));
        self.top.set(top);

        let first_prompt = self.prompt.unwrap_or(PROMPT);
        let prompt_width = first_prompt.chars().count();
        let indent = " ".repeat(prompt_width);
        let columns = usize::from(area.width).saturating_sub(prompt_width).max(1);
        let chars: Vec<char> = lines[line].chars().take(col).collect();
        let x = width(&chars);
        let left = scroll_to_show(self.left.get(), x, columns);
        self.left.set(left);

        let shown: Vec<Line<'static>> = lines
            .iter()
            .enumerate()
            .skip(top)
            .take(rows)
            .map(|(i, text)| {
                let prompt = if i == 0 && (focused || self.prompt.is_some()) {
                    first_prompt
                } else {
                    indent.as_str()
                };
                Line::raw(format!("{prompt}{}", visible_part(text, left, columns)))
            })
            .collect();
        frame.render_widget(Paragraph::new(shown), area);
        if focused {
            let x = area.x + (prompt_width + x - left) as u16;
            let y = area.y + (line - top) as u16;
            frame.set_cursor_position(Position::new(x.min(area.right() - 1), y));
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first row (or column) to draw so that `at` is inside a window of
/// `size`, moving the old one as little as possible.
fn scroll_to_show(old: usize, at: usize, size: usize) -> usize {
    if at < old {
        at
    } else if at >= old + size {
        at + 1 - size
    } else {
        old
    }
}

/// What a char looks like on screen: the user's own text may hold tabs or
/// pasted control characters, which must not reach the terminal raw.
fn display_char(c: char) -> char {
    let mut buf = [0; 4];
    if c == '\t' {
        ' '
    } else if for_terminal(c.encode_utf8(&mut buf)).is_empty() {
        '\u{fffd}'
    } else {
        c
    }
}

fn cell_width(c: char) -> usize {
    display_char(c).width().unwrap_or(0)
}

fn width(chars: &[char]) -> usize {
    chars.iter().map(|c| cell_width(*c)).sum()
}

/// The columns `left..left + columns` of one line. A wide char cut by the
/// left edge shows as a space; one cut by the right edge is left out.
fn visible_part(line: &str, left: usize, columns: usize) -> String {
    let mut out = String::new();
    let mut x = 0;
    for c in line.chars() {
        let w = cell_width(c);
        if x >= left && x + w <= left + columns {
            out.push(display_char(c));
        } else if x < left && x + w > left {
            out.extend(std::iter::repeat_n(' ', x + w - left));
        }
        x += w;
        if x > left + columns {
            break;
        }
    }
    out
}

/// Tab completion of commands, JIDs and groups from the roster.
pub fn complete(input: &mut InputLine, state: &State) {
    complete_as(input, state, "");
}

/// Completes `input` as the rest of a command line that starts with
/// `prefix`: a dialog that stands for "/group JID " completes groups.
pub fn complete_as(input: &mut InputLine, state: &State, prefix: &str) {
    let jids: Vec<String> = state
        .roster
        .contacts()
        .map(|(_, c)| c.jid.to_string())
        .collect();
    let groups: Vec<String> = state
        .roster
        .groups()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let ctx = CompletionContext {
        jids: &jids,
        groups: &groups,
    };
    complete_from(input, |head| {
        command::complete(&format!("{prefix}{head}"), &ctx)
            .into_iter()
            .filter_map(|line| line.strip_prefix(prefix).map(str::to_owned))
            .collect()
    });
}

/// Completes the text before the cursor. `candidates` gets that text and
/// returns whole replacements for it; the text after the cursor stays.
/// A repeated call continues the cycle instead of asking again.
pub fn complete_from(input: &mut InputLine, candidates: impl FnOnce(&str) -> Vec<String>) {
    if let Some(mut cycle) = input.cycle.take()
        && cycle.shown == input.text
    {
        let stop = cycle
            .candidates
            .get(cycle.next)
            .unwrap_or(&cycle.typed)
            .clone();
        cycle.next = (cycle.next + 1) % (cycle.candidates.len() + 1);
        show_completion(input, &stop, &mut cycle);
        input.cycle = Some(cycle);
        return;
    }
    let split = input.byte_index(input.cursor);
    let (head, tail) = input.text.split_at(split);
    let (head, tail) = (head.to_owned(), tail.to_owned());
    let candidates = candidates(&head);
    match candidates.as_slice() {
        [] => {}
        [only] => {
            let only = only.clone();
            input.set_text(&format!("{only}{tail}"));
            input.cursor = only.chars().count();
        }
        _ => {
            let prefix = common_prefix(&candidates);
            let extends = prefix.chars().count() > head.chars().count();
            let mut cycle = Cycle {
                typed: if extends { prefix.clone() } else { head },
                candidates,
                tail,
                next: 0,
                shown: String::new(),
            };
            let stop = if extends {
                prefix
            } else {
                cycle.next = 1;
                cycle.candidates[0].clone()
            };
            show_completion(input, &stop, &mut cycle);
            input.cycle = Some(cycle);
        }
    }
}

fn show_completion(input: &mut InputLine, head: &str, cycle: &mut Cycle) {
    input.load(&format!("{head}{}", cycle.tail));
    input.cursor = head.chars().count();
    cycle.shown = input.text.clone();
}

fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut end = first.len();
    for other in &candidates[1..] {
        end = first
            .char_indices()
            .zip(other.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_owned()
}

#[cfg(test)]
mod tests;
