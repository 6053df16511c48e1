//! Boxes and listings shared by the overlays: a centred, cleared box
//! with titles, key hints for its bottom edge, and rows laid out in two
//! aligned columns that wrap instead of cutting text off.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::ui::text::{width, wrap};
use crate::ui::theme::Theme;

/// What fits inside `total` cells leaving a one-cell margin, unless the
/// screen is too small to spare it.
pub(super) fn room(total: u16) -> u16 {
    if total > 20 { total - 2 } else { total }
}

pub(super) fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// A `width`×`height` box centred in `area`, shrunk to fit it.
pub(super) fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Clears `rect`, draws the frame with its titles and returns the inside.
pub(super) fn frame_box(
    frame: &mut Frame<'_>,
    rect: Rect,
    title: &str,
    footer: Line<'static>,
    theme: &Theme,
) -> Rect {
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title(true)))
        .title_bottom(footer);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

/// A bottom title of keys and what they do: `[("Esc", "close")]`.
pub(super) fn key_hints(theme: &Theme, hints: &[(&str, &str)]) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (keys, what)) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled((*keys).to_owned(), key_style(theme)));
        spans.push(Span::raw(format!(" {what}")));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

pub(super) fn key_style(theme: &Theme) -> Style {
    Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD)
}

pub(super) fn heading_style(theme: &Theme) -> Style {
    Style::default()
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        .fg(theme.accent)
}

/// One logical row of a help or details listing, laid out by [`lay_out`].
pub(super) enum Row {
    Heading(String),
    /// A key (or usage, or label) and what it means, aligned in columns.
    Pair(String, String),
    Text(String),
    Blank,
}

/// Lays rows out in `columns` cells. The first column of a run of pairs
/// is as wide as its widest entry that fits two fifths of the width;
/// wider entries get a line of their own. Second columns wrap with a
/// hanging indent, so nothing is cut off.
pub(super) fn lay_out(rows: &[Row], columns: usize, theme: &Theme) -> Vec<Line<'static>> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut key_width = 0;
    for (i, row) in rows.iter().enumerate() {
        match row {
            Row::Heading(text) => lines.push(Line::styled(text.clone(), heading_style(theme))),
            Row::Blank => lines.push(Line::default()),
            Row::Text(text) => lines.extend(wrap(text, columns).into_iter().map(Line::raw)),
            Row::Pair(left, right) => {
                if i == 0 || !matches!(rows[i - 1], Row::Pair(..)) {
                    key_width = first_column_width(&rows[i..], columns);
                }
                lay_out_pair(&mut lines, left, right, key_width, columns, theme);
            }
        }
    }
    lines
}

pub(super) fn first_column_width(rows: &[Row], columns: usize) -> usize {
    let cap = columns * 2 / 5;
    rows.iter()
        .map_while(|row| match row {
            Row::Pair(left, _) => Some(width(left)),
            _ => None,
        })
        .filter(|w| *w <= cap)
        .max()
        .unwrap_or(0)
}

pub(super) fn lay_out_pair(
    lines: &mut Vec<Line<'static>>,
    left: &str,
    right: &str,
    key_width: usize,
    columns: usize,
    theme: &Theme,
) {
    let left_width = width(left);
    let indent = key_width + 2;
    let right_rows = wrap(right, columns.saturating_sub(indent).max(1));
    let mut right_rows = right_rows.into_iter();
    if left_width <= key_width {
        let padded = format!("{left}{}", " ".repeat(key_width - left_width));
        let first = right_rows.next().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(padded, key_style(theme)),
            Span::raw(format!("  {first}")),
        ]));
    } else {
        lines.push(Line::styled(left.to_owned(), key_style(theme)));
    }
    for rest in right_rows {
        lines.push(Line::raw(format!("{}{rest}", " ".repeat(indent))));
    }
}

/// Draws `lines` from `scroll` on, clamping it so the last page is full.
pub(super) fn draw_scrolled(
    frame: &mut Frame<'_>,
    area: Rect,
    lines: Vec<Line<'static>>,
    scroll: &mut usize,
) {
    *scroll = (*scroll).min(lines.len().saturating_sub(usize::from(area.height)));
    frame.render_widget(Paragraph::new(lines).scroll((to_u16(*scroll), 0)), area);
}

/// "12–33 of 95" for a scrolled listing, or nothing when it all fits.
pub(super) fn position(scroll: usize, page: usize, total: usize) -> String {
    if total <= page {
        String::new()
    } else {
        format!("{}–{} of {total}", scroll + 1, (scroll + page).min(total))
    }
}
