//! The help overlay (F1): every context's keys with their `[keys.…]`
//! names, and the commands, generated from the keymap and the command
//! table so it lists exactly what is bound. Scrolls; side by side on wide
//! screens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::layout::{Row, centred, frame_box, lay_out, position, room, to_u16};
use super::{Overlay, Step, close, scroll_hints, scrolled, stay};
use crate::app::command;
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::theme::Theme;

/// Help goes side by side (keys | commands) from this screen width on.
const TWO_COLUMN_WIDTH: u16 = 150;
/// What the help overlay's hint line offers, in order.
const HELP_HINTS: &[UiAction] = &[UiAction::Up, UiAction::Close];

pub(super) fn help_key(keymap: &Keymap, scroll: usize, key: Key) -> Step {
    let action = keymap.lookup(Context::Help, key);
    if let Some(scroll) = scrolled(scroll, action) {
        return stay(Overlay::Help { scroll });
    }
    if action == Some(UiAction::Close) {
        return close();
    }
    stay(Overlay::Help { scroll })
}

/// The help rows, all from the keymap and the command table: each
/// screen's keys by context, then the line editor's keys (`input`) and
/// the commands, which are what one reads while typing.
fn help_rows(keymap: &Keymap) -> (Vec<Row>, Vec<Row>) {
    let lines = keymap.help_lines_named();
    let mut keys = Vec::new();
    for context in Context::ALL {
        if context == Context::Input {
            continue;
        }
        if !keys.is_empty() {
            keys.push(Row::Blank);
        }
        context_rows(&mut keys, &lines, context);
    }
    let mut other = Vec::new();
    context_rows(&mut other, &lines, Context::Input);
    other.push(Row::Blank);
    other.push(Row::Heading("Commands".to_owned()));
    for spec in command::COMMANDS {
        other.push(Row::Pair(spec.usage(), spec.summary.to_owned()));
    }
    other.push(Row::Text(
        "Text without a leading / goes to the open conversation. /help COMMAND tells more."
            .to_owned(),
    ));
    other.push(Row::Blank);
    other.push(Row::Heading("Room occupants".to_owned()));
    other.push(Row::Text(crate::ui::occupants::LEGEND.to_owned()));
    (keys, other)
}

/// One context's heading, with its `[keys.…]` name, and its keys.
fn context_rows(
    rows: &mut Vec<Row>,
    lines: &[(Context, String, &'static str, &'static str)],
    context: Context,
) {
    rows.push(Row::Heading(format!(
        "{}  [keys.{}]",
        context.title(),
        context.as_str()
    )));
    for (_, bound, help, name) in lines.iter().filter(|(c, ..)| *c == context) {
        rows.push(Row::Pair(bound.clone(), format!("{help} ({name})")));
    }
}

pub(super) fn draw_help(
    frame: &mut Frame<'_>,
    area: Rect,
    keymap: &Keymap,
    theme: &Theme,
    scroll: &mut usize,
) {
    let (keys, other) = help_rows(keymap);
    let two_columns = area.width >= TWO_COLUMN_WIDTH;
    let box_width = if two_columns {
        room(area.width)
    } else {
        room(area.width).min(100)
    };
    let inner_width = usize::from(box_width.saturating_sub(2));
    let columns = if two_columns {
        let left = inner_width * 2 / 5;
        let left_lines = lay_out(&keys, left, theme);
        let right_lines = lay_out(&other, inner_width - left - 2, theme);
        vec![(left, left_lines), (inner_width - left - 2, right_lines)]
    } else {
        let mut rows = keys;
        rows.push(Row::Blank);
        rows.extend(other);
        vec![(inner_width, lay_out(&rows, inner_width, theme))]
    };
    let total = columns.iter().map(|(_, l)| l.len()).max().unwrap_or(0);
    let rect = centred(area, box_width, to_u16(total + 2).min(room(area.height)));
    let page = usize::from(rect.height.saturating_sub(2));
    *scroll = (*scroll).min(total.saturating_sub(page));
    let place = position(*scroll, page, total);
    let footer = scroll_hints(keymap, Context::Help, HELP_HINTS, &place, theme);
    let inner = frame_box(frame, rect, "Help", footer, theme);
    let mut x = inner.x;
    for (column_width, lines) in columns {
        let area = Rect {
            x,
            width: to_u16(column_width).min(inner.right() - x),
            ..inner
        };
        // The same offset for both columns, so the shorter one runs out
        // rather than scrolling on its own.
        frame.render_widget(Paragraph::new(lines).scroll((to_u16(*scroll), 0)), area);
        x = x
            .saturating_add(to_u16(column_width + 2))
            .min(inner.right());
    }
}
