//! How a room's window differs from a chat's: each speaker's nick in its
//! own colour ([`Theme::nick`]), a line that mentions our nick highlighted
//! ([`crate::app::room::mention`]), our room nick for our own actions, and
//! the title's tail, `· juliet · Balcony scene` (our nick, then the
//! subject). Remote text (nicks, subject) is sanitised here.

use ratatui::style::Style;

use crate::app::State;
use crate::app::chat::{ChatLine, Conversation, ConversationKind, Direction};
use crate::app::room::mention;
use crate::sanitize::one_line;
use crate::ui::theme::Theme;

/// What a room's window needs, read once per frame.
pub(super) struct RoomLook {
    /// Our nick in the room, as the room last confirmed it.
    pub nick: String,
}

impl RoomLook {
    /// For a room's own window; `None` for chats and private ones.
    pub fn of(state: &State, conversation: &Conversation) -> Option<RoomLook> {
        if conversation.kind != ConversationKind::Room {
            return None;
        }
        let room = state.rooms.get(&conversation.peer)?;
        Some(RoomLook {
            nick: room.nick.clone(),
        })
    }

    /// A line someone else wrote that names our nick: drawn highlighted.
    pub fn mentions_us(&self, line: &ChatLine) -> bool {
        line.direction == Direction::Incoming
            && !line.notice
            && line.resource.as_deref() != Some(self.nick.as_str())
            && mention::mentions(&line.body, &self.nick)
    }

    /// The speaker's colour.
    pub fn nick_style(theme: &Theme, nick: &str) -> Style {
        Style::default().fg(theme.nick(nick))
    }
}

/// The title's room part: `juliet · Balcony scene`, our nick and the
/// subject when there is one, sanitised.
pub(super) fn title_tail(state: &State, conversation: &Conversation) -> Option<String> {
    if conversation.kind != ConversationKind::Room {
        return None;
    }
    let room = state.rooms.get(&conversation.peer)?;
    let mut tail = one_line(&room.nick);
    if let Some(subject) = room
        .subject
        .as_deref()
        .map(one_line)
        .filter(|s| !s.trim().is_empty())
    {
        tail.push_str(" · ");
        tail.push_str(subject.trim());
    }
    Some(tail)
}
