//! The notices overlay (F6): what the status line said, oldest first,
//! so a command's listing (`/vcard`, `/contact`, `/roster`, `/members`…),
//! of which the status line has room for one line, can be read whole.
//! Opens at the newest; scrolls and closes with the help screen's keys.
//! Each notice goes through [`one_line`] before it is drawn.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::layout::Row;
use super::{Overlay, Step, close, draw_scrolled_box, scrolled, stay};
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
    draw_scrolled_box(
        frame,
        area,
        &notices_rows(state),
        120,
        "Notices",
        (Context::Help, NOTICES_HINTS),
        (keymap, theme),
        scroll,
    );
}
