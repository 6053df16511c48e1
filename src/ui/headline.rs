//! The headline pane: news and alerts (`type='headline'`) and server
//! announcements (MSG-13), kept apart from chats because they cannot be
//! answered. Newest at the bottom, each as `HH:MM from [Subject] body`
//! with its links on rows of their own; announcements from our server are
//! marked `(server)`. The title counts what is new; a key clears the list.
//!
//! Headlines count as read on the first key handled while the pane has
//! focus: the event loop has no hook on focus changes, so [`handle`] sends
//! `ViewMsg::HeadlinesRead` then (on any action).
//!
//! Like the chat pane, only the rows that show are laid out, walking back
//! from the newest. Remote text goes through [`crate::sanitize`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::chat::clock;
use super::keymap::{Context, UiAction};
use super::theme::Theme;
use super::{Focus, Request, View, text};
use crate::app::headline::Headline;
use crate::app::{State, ViewMsg};
use crate::sanitize::{for_terminal, one_line};

/// Continuation rows are indented past the `HH:MM ` column.
const INDENT: usize = 6;
/// Widest sender shown.
const MAX_FROM_COLS: usize = 24;

/// Scrolling of the headline pane.
#[derive(Debug, Default)]
pub struct HeadlineView {
    /// Rows hidden below the view; 0 shows the newest.
    pub scroll: usize,
    /// Height of the list at the last draw, for paging.
    height: usize,
    /// Headlines laid out by the last draw: bounded by the pane height.
    pub laid_out: usize,
}

/// The rows of one headline.
fn rows_of(headline: &Headline, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let from = text::truncate(&one_line(&headline.from), MAX_FROM_COLS.min(width / 2));
    let mut prefix = vec![
        Span::styled(clock(headline.at), theme.dim()),
        Span::raw(" "),
        Span::styled(from.clone(), Style::default().fg(theme.peer)),
    ];
    let mut prefix_cols = INDENT + text::width(&from) + 1;
    if headline.from_server {
        prefix.push(Span::styled(" (server)", Style::default().fg(theme.accent)));
        prefix_cols += 9;
    }
    prefix.push(Span::raw(" "));
    let subject = headline
        .subject
        .as_deref()
        .map(one_line)
        .filter(|s| !s.trim().is_empty())
        .map(|s| format!("[{}]", s.trim()));
    let body = for_terminal(&headline.body);
    let content = match &subject {
        Some(subject) if body.is_empty() => subject.clone(),
        Some(subject) => format!("{subject} {body}"),
        None => body.into_owned(),
    };
    let rest_cols = width.saturating_sub(INDENT);
    let wrapped = text::wrap_with(&content, width.saturating_sub(prefix_cols), rest_cols);
    let head = subject.as_deref().map_or(0, text::non_space_chars);
    let mut rows = Vec::new();
    for (i, (head, tail)) in text::split_rows(&wrapped, head).into_iter().enumerate() {
        let mut spans = if i == 0 {
            std::mem::take(&mut prefix)
        } else {
            vec![Span::raw(" ".repeat(INDENT))]
        };
        text::push_head_tail(&mut spans, head, tail);
        rows.push(Line::from(spans));
    }
    let link = theme.dim().add_modifier(Modifier::UNDERLINED);
    for url in &headline.urls {
        for row in text::wrap(&format!("↗ {}", one_line(url)), rest_cols) {
            rows.push(Line::from(vec![
                Span::raw(" ".repeat(INDENT)),
                Span::styled(row, link),
            ]));
        }
    }
    rows
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, view: &mut View) {
    let View {
        headlines: pane,
        theme,
        keymap,
        focus,
        ..
    } = view;
    let focused = *focus == Focus::Headlines;
    let list = &state.headlines;
    let title = match (list.unread, list.len()) {
        (0, 0) => " Headlines ".to_owned(),
        (0, total) => format!(" Headlines ({total}) "),
        (unread, _) => format!(" Headlines ({unread} new) "),
    };
    let mut block = Block::bordered()
        .border_style(theme.border(focused))
        .title(Span::styled(title, theme.title(focused)));
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    pane.height = height;
    pane.laid_out = 0;
    if focused && !list.is_empty() {
        let keys = keymap.keys_for(Context::Headlines, UiAction::ClearHeadlines);
        let hint = match keys.first() {
            Some(key) => format!(" read-only · {key} clears "),
            None => " read-only ".to_owned(),
        };
        block = block.title_bottom(Span::styled(hint, theme.dim()));
    }
    frame.render_widget(block, area);
    if list.is_empty() {
        let hint = "No headlines. News and server announcements show here; \
                    they cannot be answered.";
        let rows: Vec<Line<'static>> = text::wrap(hint, width)
            .into_iter()
            .map(|row| Line::from(Span::styled(row, theme.dim())))
            .collect();
        frame.render_widget(Paragraph::new(rows), inner);
        return;
    }
    // Walk back from the newest until the rows below the view and the
    // view itself are filled.
    let wanted = pane.scroll.saturating_add(height);
    let mut chunks = Vec::new();
    let mut count = 0;
    let mut exhausted = true;
    for headline in list.items().rev() {
        if count >= wanted {
            exhausted = false;
            break;
        }
        let chunk = rows_of(headline, width, theme);
        pane.laid_out += 1;
        count += chunk.len();
        chunks.push(chunk);
    }
    if exhausted {
        pane.scroll = pane.scroll.min(count.saturating_sub(height));
    }
    let rows: Vec<Line<'static>> = chunks.into_iter().rev().flatten().collect();
    let end = rows.len().saturating_sub(pane.scroll);
    let start = end.saturating_sub(height);
    let visible: Vec<Line<'static>> = rows[start..end].to_vec();
    frame.render_widget(Paragraph::new(visible), inner);
}

/// Scrolling and clearing; any key also marks the headlines read.
pub fn handle(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    let pane = &mut view.headlines;
    let page = pane.height.saturating_sub(1).max(1);
    let mut requests = Vec::new();
    match action {
        UiAction::Up => pane.scroll = pane.scroll.saturating_add(1),
        UiAction::Down => pane.scroll = pane.scroll.saturating_sub(1),
        UiAction::PageUp => pane.scroll = pane.scroll.saturating_add(page),
        UiAction::PageDown => pane.scroll = pane.scroll.saturating_sub(page),
        // Clamped to the oldest row at the next draw.
        UiAction::Top => pane.scroll = usize::MAX,
        UiAction::Bottom => pane.scroll = 0,
        UiAction::ClearHeadlines => {
            pane.scroll = 0;
            // Clearing also zeroes the unread count.
            return vec![Request::View(ViewMsg::ClearHeadlines)];
        }
        _ => {}
    }
    if state.headlines.unread > 0 {
        requests.push(Request::View(ViewMsg::HeadlinesRead));
    }
    requests
}

#[cfg(test)]
mod tests;
