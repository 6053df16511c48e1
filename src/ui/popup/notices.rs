//! The notices overlay (F6): what the status line said, oldest first,
//! so a command's listing (`/vcard`, `/contact`, `/roster`, `/members`…),
//! of which the status line has room for one line, can be read whole.
//! Opens at the newest; scrolls and closes with the help screen's keys.
//! Each notice goes through [`one_line`] before it is drawn.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::layout::{Row, centred, draw_scrolled, frame_box, lay_out, position, room, to_u16};
use super::{Overlay, Step, close, scroll_hints, scrolled, stay};
use crate::app::State;
use crate::sanitize::one_line;
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::theme::Theme;

/// What the overlay's hint line offers, in order.
const NOTICES_HINTS: &[UiAction] = &[UiAction::Up, UiAction::Close];

pub(super) fn notices_key(keymap: &Keymap, scroll: usize, key: Key) -> Step {
    let action = keymap.lookup(Context::Help, key);
    if let Some(scroll) = scrolled(scroll, action) {
        return stay(Overlay::Notices { scroll });
    }
    if action == Some(UiAction::Close)
        || keymap.lookup(Context::Global, key) == Some(UiAction::Notices)
    {
        return close();
    }
    stay(Overlay::Notices { scroll })
}

fn notices_rows(state: &State) -> Vec<Row> {
    if state.notices.is_empty() {
        return vec![Row::Text("Nothing yet.".to_owned())];
    }
    state
        .notices
        .iter()
        .map(|notice| {
            let text = one_line(&notice.text);
            Row::Text(if notice.is_error {
                format!("✗ {text}")
            } else {
                text
            })
        })
        .collect()
}

pub(super) fn draw_notices(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    scroll: &mut usize,
) {
    let box_width = room(area.width).min(120);
    let lines = lay_out(&notices_rows(state), usize::from(box_width - 2), theme);
    let rect = centred(
        area,
        box_width,
        to_u16(lines.len() + 2).min(room(area.height)),
    );
    let page = usize::from(rect.height.saturating_sub(2));
    *scroll = (*scroll).min(lines.len().saturating_sub(page));
    let place = position(*scroll, page, lines.len());
    let footer = scroll_hints(keymap, Context::Help, NOTICES_HINTS, &place, theme);
    let inner = frame_box(frame, rect, "Notices", footer, theme);
    draw_scrolled(frame, inner, lines, scroll);
}
