//! The roster pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders};

use super::keymap::UiAction;
use super::{Focus, Request, View};
use crate::app::State;

/// Selection, scrolling, filter and folding of the roster pane.
#[derive(Debug, Default)]
pub struct RosterView {}

pub fn draw(frame: &mut Frame<'_>, area: Rect, _state: &State, view: &mut View) {
    let focused = view.focus == Focus::Roster;
    frame.render_widget(
        Block::default()
            .borders(Borders::ALL)
            .border_style(view.theme.border(focused))
            .title(" Roster "),
        area,
    );
}

pub fn handle(_view: &mut View, _state: &State, _action: UiAction) -> Vec<Request> {
    Vec::new()
}
