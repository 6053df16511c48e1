//! The password dialog, opened after the server refused the password
//! (CORE-12: `not-authorized` means asking for it again, never retrying it
//! as it is). Its own small editor, not [`crate::ui::input::InputLine`]:
//! the secret must stay out of the input history and the kill ring, is
//! never drawn (one mask character per character typed), and its `Debug`
//! shows nothing. Enter hands it over as a [`Request::LogIn`], for this
//! run only; Esc leaves balcony offline. Those keys come from the
//! `password` context of the keymap; only printable characters are typed
//! without a lookup, and the config refuses to bind one there.

use std::fmt;

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::layout::{centred, frame_box, room, to_u16};
use super::{Overlay, Step, close, owned_hints, stay};
use crate::ui::Request;
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::text::wrap;
use crate::ui::theme::Theme;
use crate::xmpp::settings::Password;

/// Drawn for each character typed.
const MASK: char = '•';

/// What has been typed so far. Never drawn and never printed.
#[derive(Default)]
pub struct SecretEntry {
    secret: String,
    /// Shown under the field: why Enter was refused.
    problem: Option<String>,
}

impl fmt::Debug for SecretEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretEntry(<redacted>)")
    }
}

impl SecretEntry {
    /// Pasted text: line breaks cannot be part of a password typed here.
    pub fn paste(&mut self, text: &str) {
        self.problem = None;
        self.secret
            .extend(text.chars().filter(|c| *c != '\n' && *c != '\r'));
    }

    fn len(&self) -> usize {
        self.secret.chars().count()
    }
}

/// A key in the dialog: characters are added, Backspace and C-u take them
/// away, Enter submits, Esc gives up.
pub(super) fn password_key(keymap: &Keymap, mut entry: SecretEntry, key: Key) -> Step {
    match (keymap.lookup(Context::Password, key), key.code) {
        (Some(UiAction::Close), _) => close(),
        (Some(UiAction::Submit), _) if entry.secret.is_empty() => {
            let give_up = keymap
                .keys_for(Context::Password, UiAction::Close)
                .first()
                .map(|key| format!(", or {key} to stay offline"))
                .unwrap_or_default();
            entry.problem = Some(format!("type the password{give_up}"));
            stay(Overlay::Password(entry))
        }
        (Some(UiAction::Submit), _) => {
            let password = Password::new(std::mem::take(&mut entry.secret));
            (None, vec![Request::LogIn(password)])
        }
        (Some(UiAction::EraseChar), _) => {
            entry.secret.pop();
            stay(Overlay::Password(entry))
        }
        (Some(UiAction::EraseAll), _) => {
            entry.secret.clear();
            stay(Overlay::Password(entry))
        }
        // Ctrl+Alt together is AltGr on some keyboards: still text.
        (_, KeyCode::Char(c)) if key.ctrl == key.alt => {
            entry.problem = None;
            entry.secret.push(c);
            stay(Overlay::Password(entry))
        }
        _ => stay(Overlay::Password(entry)),
    }
}

/// The dialog: whose password, the masked field, and the keys.
pub(super) fn draw_password(
    frame: &mut Frame<'_>,
    area: Rect,
    keymap: &Keymap,
    theme: &Theme,
    entry: &SecretEntry,
) {
    let box_width = room(area.width).min(64);
    let columns = usize::from(box_width.saturating_sub(2));
    let label = wrap(
        "The server refused the password. Enter it again (used for this run only):",
        columns,
    );
    let problem = entry
        .problem
        .as_deref()
        .map(|p| wrap(p, columns))
        .unwrap_or_default();
    let rect = centred(area, box_width, to_u16(label.len() + problem.len() + 3));
    let hints = owned_hints(
        theme,
        &keymap.hints(Context::Password, &[UiAction::Submit, UiAction::Close]),
    );
    let inner = frame_box(frame, rect, "Password", hints, theme);
    let [top, field, below] = Layout::vertical([
        Constraint::Length(to_u16(label.len())),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(label.into_iter().map(Line::raw).collect::<Vec<_>>()),
        top,
    );
    // As many mask characters as fit, so a long password never wraps.
    let shown = entry.len().min(columns.saturating_sub(3));
    let masked: String = std::iter::repeat_n(MASK, shown).collect();
    frame.render_widget(Paragraph::new(format!("> {masked}")), field);
    let x = field.x + to_u16(2 + shown);
    frame.set_cursor_position(Position::new(
        x.min(field.right().saturating_sub(1)),
        field.y,
    ));
    let problem: Vec<Line<'static>> = problem
        .into_iter()
        .map(|p| Line::styled(p, theme.error()))
        .collect();
    frame.render_widget(Paragraph::new(problem), below);
}
