//! The input line: a single-line editor with the usual emacs keys. It maps
//! keys to edits and hands back a finished line on Enter; it never touches
//! the store.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// What a key did to the input line.
#[derive(Debug, PartialEq, Eq)]
pub enum InputOutcome {
    /// The line changed (or the cursor moved): redraw.
    Edited,
    /// Enter: the submitted text; the line is now empty.
    Submitted(String),
    /// Tab: the caller should complete the line.
    Complete,
    /// The key is not an editing key.
    Ignored,
}

/// The text being typed and the cursor, as a char index.
#[derive(Debug, Default)]
pub struct InputLine {
    text: String,
    cursor: usize,
}

impl InputLine {
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Lines the input needs on screen.
    pub fn line_count(&self) -> usize {
        self.text.lines().count().max(1)
    }

    /// Inserts text at the cursor (paste, or a key that starts a command).
    pub fn insert_text(&mut self, text: &str) {
        let at = self.byte_index(self.cursor);
        self.text.insert_str(at, text);
        self.cursor += text.chars().count();
    }

    /// Replaces the whole line, cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.len();
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

    /// Applies one key.
    pub fn handle_key(&mut self, key: KeyEvent) -> InputOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Tab => InputOutcome::Complete,
            KeyCode::Enter => {
                self.cursor = 0;
                InputOutcome::Submitted(std::mem::take(&mut self.text))
            }
            KeyCode::Char('a') if ctrl => self.move_to(0),
            KeyCode::Char('e') if ctrl => self.move_to(self.len()),
            KeyCode::Char('u') if ctrl => {
                let end = self.byte_index(self.cursor);
                self.text.replace_range(..end, "");
                self.move_to(0)
            }
            KeyCode::Char('k') if ctrl => {
                let start = self.byte_index(self.cursor);
                self.text.truncate(start);
                InputOutcome::Edited
            }
            KeyCode::Char(c) if !ctrl => {
                let at = self.byte_index(self.cursor);
                self.text.insert(at, c);
                self.move_to(self.cursor + 1)
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_index(self.cursor - 1);
                self.text.remove(at);
                self.move_to(self.cursor - 1)
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let at = self.byte_index(self.cursor);
                self.text.remove(at);
                InputOutcome::Edited
            }
            KeyCode::Left if self.cursor > 0 => self.move_to(self.cursor - 1),
            KeyCode::Right if self.cursor < self.len() => self.move_to(self.cursor + 1),
            KeyCode::Home => self.move_to(0),
            KeyCode::End => self.move_to(self.len()),
            _ => InputOutcome::Ignored,
        }
    }

    fn move_to(&mut self, cursor: usize) -> InputOutcome {
        self.cursor = cursor.min(self.len());
        InputOutcome::Edited
    }

    /// Draws the line with a prompt and, when focused, places the cursor.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect, focused: bool) {
        if !focused {
            frame.render_widget(Paragraph::new(format!("  {}", self.text)), area);
            return;
        }
        let prompt = "> ";
        frame.render_widget(Paragraph::new(format!("{prompt}{}", self.text)), area);
        let before = &self.text[..self.byte_index(self.cursor)];
        let x = area.x + (prompt.width() + before.width()) as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// Tab completion of commands, JIDs and groups from the roster.
pub fn complete(input: &mut InputLine, state: &crate::app::State) {
    let jids: Vec<String> = state.roster.items().map(|i| i.jid.to_string()).collect();
    let groups: Vec<String> = state
        .roster
        .groups()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let ctx = crate::app::command::CompletionContext {
        jids: &jids,
        groups: &groups,
    };
    let candidates = crate::app::command::complete(input.text(), &ctx);
    if let [only] = candidates.as_slice() {
        input.set_text(only);
    } else if let Some(prefix) = common_prefix(&candidates) {
        if prefix.len() > input.text().len() {
            input.set_text(&prefix);
        }
    }
}

fn common_prefix(candidates: &[String]) -> Option<String> {
    let first = candidates.first()?;
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
    Some(first[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn typing_and_editing_keys() {
        let mut line = InputLine::default();
        for c in "héllo world".chars() {
            line.handle_key(key(KeyCode::Char(c)));
        }
        line.handle_key(ctrl('a'));
        line.handle_key(key(KeyCode::Delete));
        assert_eq!(line.text(), "éllo world");
        line.handle_key(ctrl('e'));
        line.handle_key(key(KeyCode::Backspace));
        assert_eq!(line.text(), "éllo worl");
        line.handle_key(key(KeyCode::Left));
        line.handle_key(key(KeyCode::Left));
        line.handle_key(ctrl('k'));
        assert_eq!(line.text(), "éllo wo");
        line.handle_key(ctrl('u'));
        assert_eq!(line.text(), "");
        line.handle_key(key(KeyCode::Char('x')));
        assert_eq!(
            line.handle_key(key(KeyCode::Enter)),
            InputOutcome::Submitted("x".into())
        );
        assert_eq!(line.text(), "");
    }
}
