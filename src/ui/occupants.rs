//! The occupants pane: beside a room's messages, who is in the room
//! (XEP-0045, MUC-14), titled ` N occupants `.
//!
//! Occupants come grouped by role under headers with counts
//! (`Moderators (2)`, `Participants (950)`, `Visitors (3)`), sorted by
//! nick without regard to case, each as `PA nick`: `P` the presence mark
//! the roster uses (`o` online, `+` chat, `a` away, `x` xa, `d` dnd), `A`
//! the affiliation (`~` owner, `&` admin, `+` member, blank for none). Our
//! own nick is bold in our colour. The header of the group at the top
//! stays while the list scrolls.
//!
//! The pane shows when a room's window is current and the terminal is at
//! least [`AUTO_MIN_WIDTH`] columns wide; the toggle key
//! ([`UiAction::ToggleOccupants`]) shows or hides it whatever the width,
//! as long as the messages keep [`MIN_CHAT_COLS`]. Its own keys
//! ([`UiAction::OccupantsUp`], [`UiAction::OccupantsDown`]) page it.
//!
//! The store keeps the occupants in display order with a count per role
//! ([`crate::app::room::Occupants`]); the view remembers the top occupant
//! by its sort key and reads a window from there, so a frame costs the
//! pane's height whatever the room's size, and occupants coming and going
//! above do not move the view. Nicks are remote text: sanitised.

use jid::BareJid;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::keymap::UiAction;
use super::theme::{Theme, mark};
use super::{Request, View, text};
use crate::app::State;
use crate::app::chat::ConversationKind;
use crate::app::presence::Availability;
use crate::app::room::Room;
use crate::app::room::occupants::{Occupant, SortKey};
use crate::sanitize::one_line;
use crate::xmpp::stanza::muc::{Affiliation, Role};

/// What the marks mean, for the help overlay (F1).
pub const LEGEND: &str = "Each occupant reads `PA nick`: P is the presence mark (o online, + chat, \
a away, x xa, d dnd), A the affiliation (~ owner, & admin, + member, blank for none); your own \
nick is bold. Groups by role: Moderators, Participants, Visitors.";

/// From this terminal width on the pane shows by itself.
pub const AUTO_MIN_WIDTH: u16 = 100;
/// Columns the messages keep; below this the pane stays folded.
pub const MIN_CHAT_COLS: u16 = 36;

/// What the occupants pane remembers between frames.
#[derive(Debug, Default)]
pub struct OccupantsView {
    /// The user's choice (the toggle key); `None` follows the width.
    pub shown: Option<bool>,
    /// The room and the occupant at the top of the list; `None` starts at
    /// the first.
    top: Option<(BareJid, SortKey)>,
    /// Rows of the list at the last draw, 0 when it was not drawn.
    height: usize,
    /// Whether the last frame had the pane.
    visible: bool,
    /// Occupants formatted by the last draw: bounded by the pane height.
    pub drawn: usize,
}

impl OccupantsView {
    /// Whether the last frame showed the pane.
    pub fn is_visible(&self) -> bool {
        self.visible
    }

    fn top_in(&self, room: &BareJid) -> Option<&SortKey> {
        self.top
            .as_ref()
            .filter(|(r, _)| r == room)
            .map(|(_, key)| key)
    }
}

/// The room whose window is current, if it is a room's own.
pub fn room_on_screen(state: &State) -> Option<&Room> {
    let conversation = state.chats.get(state.active?)?;
    match conversation.kind {
        ConversationKind::Room => state.rooms.get(&conversation.peer),
        _ => None,
    }
}

/// Splits the chat area into messages and, when it shows, the pane on
/// their right. `screen_width` is the terminal's.
pub fn split(
    area: Rect,
    screen_width: u16,
    state: &State,
    view: &OccupantsView,
) -> (Rect, Option<Rect>) {
    if room_on_screen(state).is_none() {
        return (area, None);
    }
    let wanted = view.shown.unwrap_or(screen_width >= AUTO_MIN_WIDTH);
    let width = (area.width / 4).clamp(24, 32);
    if !wanted || area.width < width + MIN_CHAT_COLS {
        return (area, None);
    }
    let chat = Rect {
        width: area.width - width,
        ..area
    };
    let pane = Rect {
        x: area.x + chat.width,
        width,
        ..area
    };
    (chat, Some(pane))
}

/// The header of a role's group.
fn group_name(role: Role) -> &'static str {
    match role {
        Role::Moderator => "Moderators",
        Role::Participant => "Participants",
        Role::Visitor => "Visitors",
        Role::None => "Others",
    }
}

/// The affiliation mark: `~` owner, `&` admin, `+` member.
pub fn affiliation_mark(affiliation: Affiliation) -> &'static str {
    match affiliation {
        Affiliation::Owner => "~",
        Affiliation::Admin => "&",
        Affiliation::Member => "+",
        Affiliation::None => " ",
        Affiliation::Outcast => "!",
    }
}

fn header(role: Role, count: usize, width: usize, theme: &Theme) -> Line<'static> {
    let text = text::truncate(&format!("{} ({count})", group_name(role)), width);
    Line::from(Span::styled(
        text,
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    ))
}

fn occupant_line(occupant: &Occupant, own: bool, width: usize, theme: &Theme) -> Line<'static> {
    let availability = Availability::from_show(occupant.show);
    let nick = text::truncate(&one_line(&occupant.nick), width.saturating_sub(3));
    let nick_style = if own {
        Style::default().fg(theme.own).add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::styled(mark(availability), theme.availability(availability)),
        Span::styled(affiliation_mark(occupant.affiliation), theme.dim()),
        Span::raw(" "),
        Span::styled(nick, nick_style),
    ])
}

/// ` 1 occupant `, ` 950 occupants `.
fn title(room: &Room) -> String {
    match room.occupants.len() + room.occupants.overflow {
        1 => " 1 occupant ".to_owned(),
        n => format!(" {n} occupants "),
    }
}

/// Draws the pane into `area` (or notes that it is folded, when `None`).
pub fn draw(frame: &mut Frame<'_>, area: Option<Rect>, state: &State, view: &mut View) {
    let pane = &mut view.occupants;
    pane.drawn = 0;
    let (Some(area), Some(room)) = (area, room_on_screen(state)) else {
        pane.visible = false;
        pane.height = 0;
        return;
    };
    let theme = &view.theme;
    let block = Block::bordered()
        .border_style(theme.border(false))
        .title(Span::styled(
            text::truncate(&title(room), usize::from(area.width.saturating_sub(2))),
            theme.title(false),
        ));
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    pane.visible = true;
    pane.height = height;
    let occupants = &room.occupants;
    let mut rows: Vec<Line<'static>> = Vec::with_capacity(height);
    let mut role = None;
    let top = pane.top_in(&room.jid).cloned();
    for occupant in occupants.iter_from(top.as_ref()) {
        if role != Some(occupant.role) {
            if rows.len() + 1 >= height {
                break;
            }
            role = Some(occupant.role);
            rows.push(header(
                occupant.role,
                occupants.count(occupant.role),
                width,
                theme,
            ));
        }
        if rows.len() >= height {
            break;
        }
        rows.push(occupant_line(
            occupant,
            occupant.nick == room.nick,
            width,
            theme,
        ));
        pane.drawn += 1;
    }
    if occupants.is_empty() {
        rows.push(Line::from(Span::styled(
            text::truncate("nobody yet", width),
            theme.dim(),
        )));
    }
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(rows), inner);
}

/// The pane's keys: the toggle, and paging while it shows.
pub fn handle(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    let pane = &mut view.occupants;
    // Only where there is a pane to show or hide: a chat window keeps
    // the choice as it was.
    if action == UiAction::ToggleOccupants {
        if room_on_screen(state).is_some() {
            pane.shown = Some(!pane.visible);
        }
        return Vec::new();
    }
    let Some(room) = room_on_screen(state).filter(|_| pane.visible) else {
        return Vec::new();
    };
    let occupants = &room.occupants;
    // A page of occupants: the rows less the group headers a page may hold.
    let groups = [
        Role::Moderator,
        Role::Participant,
        Role::Visitor,
        Role::None,
    ]
    .into_iter()
    .filter(|role| occupants.count(*role) > 0)
    .count();
    let page = pane.height.saturating_sub(groups).max(1);
    let by = isize::try_from(page.saturating_sub(1).max(1)).unwrap_or(isize::MAX);
    let top = pane.top_in(&room.jid).cloned();
    let moved = match action {
        UiAction::OccupantsUp => occupants.step(top.as_ref(), -by),
        UiAction::OccupantsDown => {
            // No further than the page that ends with the last occupant.
            let last_page = occupants.key_from_end(page);
            let next = occupants.step(top.as_ref(), by);
            match (next, last_page) {
                (Some(next), Some(last)) => Some(next.min(last)),
                (next, _) => next,
            }
        }
        _ => return Vec::new(),
    };
    pane.top = moved.map(|key| (room.jid.clone(), key));
    Vec::new()
}
