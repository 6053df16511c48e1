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

    /// Draws the line with a prompt and places the terminal cursor.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect) {
        let prompt = "> ";
        frame.render_widget(Paragraph::new(format!("{prompt}{}", self.text)), area);
        let before = &self.text[..self.byte_index(self.cursor)];
        let x = area.x + (prompt.width() + before.width()) as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
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
