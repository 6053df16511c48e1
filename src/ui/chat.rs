//! The chat-thread pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders};

use super::keymap::UiAction;
use super::{Focus, Request, View};
use crate::app::State;

/// Scrolling of the chat pane.
#[derive(Debug, Default)]
pub struct ChatView {}

pub fn draw(frame: &mut Frame<'_>, area: Rect, _state: &State, view: &mut View) {
    let focused = view.focus == Focus::Chat;
    frame.render_widget(
        Block::default()
            .borders(Borders::ALL)
            .border_style(view.theme.border(focused))
            .title(" Chat "),
        area,
    );
}

pub fn handle(_view: &mut View, _state: &State, _action: UiAction) -> Vec<Request> {
    Vec::new()
}
