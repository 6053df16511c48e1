//! The invitations overlay (F5): every invitation into a room waiting for
//! an answer (MUC-30, MUC-48), one a line with who invites and why. It
//! opens only on the user's key, never by itself (MUC-51), so nothing
//! typed meanwhile answers one; `a` or Enter joins (`/accept ROOM`), `d`
//! declines (`/decline ROOM`). Remote text goes through [`one_line`].

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListState, Paragraph};

use super::layout::{centred, frame_box, room, to_u16};
use super::{Overlay, Step, close, command_request, owned_hints, quoted, stay};
use crate::app::State;
use crate::app::command::Action;
use crate::sanitize::one_line;
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::text::{truncate, width};
use crate::ui::theme::Theme;

const INVITATIONS_HINTS: &[UiAction] = &[
    UiAction::Up,
    UiAction::Approve,
    UiAction::Deny,
    UiAction::Close,
];

pub(super) fn invitations_key(keymap: &Keymap, state: &State, selected: usize, key: Key) -> Step {
    let rooms: Vec<_> = state.invitations.iter().map(|r| r.room.clone()).collect();
    let last = rooms.len().saturating_sub(1);
    let selected = selected.min(last);
    let action = keymap.lookup(Context::Invitations, key);
    let answer = |action: Action| {
        // The list shrinks by the one answered; the overlay stays while
        // others wait.
        let next = (rooms.len() > 1).then_some(Overlay::Invitations {
            selected: selected.min(rooms.len().saturating_sub(2)),
        });
        (next, command_request(action))
    };
    match (action, rooms.get(selected)) {
        (Some(UiAction::Approve), Some(room)) => answer(Action::Accept {
            room: Some(room.clone()),
        }),
        (Some(UiAction::Deny), Some(room)) => answer(Action::Decline {
            room: Some(room.clone()),
            reason: None,
        }),
        (Some(UiAction::Up), _) => stay(Overlay::Invitations {
            selected: selected.saturating_sub(1),
        }),
        (Some(UiAction::Down), _) => stay(Overlay::Invitations {
            selected: (selected + 1).min(last),
        }),
        (Some(UiAction::Top), _) => stay(Overlay::Invitations { selected: 0 }),
        (Some(UiAction::Bottom), _) => stay(Overlay::Invitations { selected: last }),
        (Some(UiAction::Close), _) => close(),
        _ => stay(Overlay::Invitations { selected }),
    }
}

pub(super) fn draw_invitations(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    selected: &mut usize,
) {
    let box_width = room(area.width).min(100);
    let columns = usize::from(box_width.saturating_sub(2));
    let count = state.invitations.len();
    let header = match count {
        0 => "No invitations.".to_owned(),
        1 => "1 invitation into a room:".to_owned(),
        n => format!("{n} invitations into rooms:"),
    };
    let items: Vec<Line<'static>> = state
        .invitations
        .iter()
        .map(|request| {
            let room = one_line(request.room.as_str());
            let mut rest = match request.inviter() {
                Some(from) => format!("from {from}"),
                None => String::new(),
            };
            if request.continues.is_some() {
                rest.push_str(" (continues your chat)");
            }
            if let Some(reason) = &request.reason {
                rest.push_str(&format!("  {}", quoted(reason)));
            }
            let room_width = width(&room);
            let left = columns.saturating_sub(room_width + 2);
            Line::from(vec![
                Span::styled(room, Style::default().add_modifier(Modifier::BOLD)),
                Span::raw(format!("  {}", truncate(rest.trim(), left))),
            ])
        })
        .collect();
    let hints = if count == 0 {
        &[UiAction::Close][..]
    } else {
        INVITATIONS_HINTS
    };
    let footer = owned_hints(theme, &keymap.hints(Context::Invitations, hints));
    let rect = centred(
        area,
        box_width,
        to_u16(items.len() + 4).min(room(area.height)),
    );
    let inner = frame_box(frame, rect, "Invitations", footer, theme);
    let [top, _, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(header), top);
    *selected = (*selected).min(count.saturating_sub(1));
    let mut list_state =
        ListState::default().with_selected((!items.is_empty()).then_some(*selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        rest,
        &mut list_state,
    );
}
