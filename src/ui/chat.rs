//! The chat-thread pane: a window list on top, then the current
//! conversation (`State.active`) as `HH:MM <sender> body` rows wrapped by
//! display width with a hanging indent. A normal message's subject leads
//! its body as `[Subject]` (SYN-03), a bounce is marked under the line it
//! answers (MSG-12), a line of ours the recipient's client confirmed ends
//! in `✓✓` (XEP-0184, RECEIPTS-08) and one they have seen in `✓✓ read`
//! (XEP-0333, MARKERS-06), a corrected line in `(edited)` (XEP-0308,
//! CORRECT-08), a groupchat sender reads `#nick`, and a
//! `── new messages ──` row separates what arrived while the user was
//! elsewhere. A body starting with `/me ` is an action (XEP-0245, ME-01):
//! `HH:MM * Romeo waves`, in italics, with our name for the sender (our
//! own local part for our lines). The title ends in `typing…` or
//! `paused` while the contact's client says so (XEP-0085, STATES-09).
//! A room's window (the `room` module) colours each nick, highlights the
//! lines that mention our nick, names us by our room nick in actions and
//! carries its name, our nick and the subject in its title; room notices
//! are dimmed `--` lines.
//!
//! Only what is visible is laid out. The view remembers which row of which
//! line sits at its bottom (or follows the end) and wraps lines outward
//! from there until the pane is full, so a draw costs the pane's height,
//! not the history's length, and new lines never move a scrolled view.
//!
//! Remote text (bodies, subjects, names, resources, error texts) goes
//! through [`crate::sanitize`] before it reaches a cell. This file reads
//! the store and returns [`Request`]s; it never touches the session. New
//! per-line decorations go in `Layout::block`.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::keymap::{Context, UiAction};
use super::popup::Overlay;
use super::theme::Theme;
use super::{Focus, Request, View, text};

mod room;
use room::RoomLook;

/// XEP-0184: after our line once the recipient's client confirmed it.
const RECEIPT_MARK: &str = " ✓✓";
/// XEP-0333: after our line once the recipient has seen it (MARKERS-06).
const READ_MARK: &str = " ✓✓ read";
/// XEP-0308: after a line whose text was corrected (CORRECT-08).
const EDITED_MARK: &str = " (edited)";
/// OMEMO-40: after a line that crossed encrypted. U+26BF is one cell
/// (East Asian ambiguous, narrow outside CJK, as unicode-width and ratatui
/// count it); the lock emoji are two and would shift the rows.
const ENCRYPTED_MARK: &str = " ⚿";
/// OMEMO-53: decrypted, from a device the user has not trusted.
const UNTRUSTED_MARK: &str = " ⚿ untrusted device";
/// OMEMO-31: in the title of a conversation that is encrypted.
const ENCRYPTED_TITLE: &str = " · OMEMO";
use crate::app::chat::{ChatLine, Conversation, ConversationId, ConversationKind, Direction, Seal};
use crate::app::{State, ViewMsg};
use crate::sanitize::{for_terminal, one_line};
use crate::xmpp::stanza::chat_states::ChatState;
use crate::xmpp::stanza::message::MessageType;

/// Columns of the `HH:MM ` column, the indent when a sender is too long.
const TIME_COLS: usize = 6;
/// Widest sender label and window-list name.
const MAX_NAME_COLS: usize = 16;

/// What the chat pane remembers between frames.
#[derive(Debug, Default)]
pub struct ChatView {
    /// The row at the bottom of the view; `None` follows the end.
    scroll: Option<Anchor>,
    /// Per conversation, the `seq` up to which the user has seen it: set
    /// when its window is left or scrolled to the end.
    pub seen: HashMap<ConversationId, u64>,
    /// The conversation drawn last, to notice a change of window.
    shown: Option<ConversationId>,
    /// The `seq` of the line the separator goes above, fixed when the
    /// window was entered so it stays put while the user reads.
    marker: Option<u64>,
    /// Size of the message area at the last draw, for paging.
    width: usize,
    height: usize,
    /// Lines laid out by the last draw: bounded by the pane height.
    pub laid_out: usize,
}

/// A scroll position: row `row` of line `seq`'s rows is at the bottom.
/// Kept by `seq` so lines arriving below do not move the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Anchor {
    seq: u64,
    row: usize,
}

/// A position by index into `Conversation::lines`.
#[derive(Clone, Copy, Debug)]
struct Pos {
    index: usize,
    row: usize,
}

impl ChatView {
    /// True when the view follows the newest line.
    pub fn is_following(&self) -> bool {
        self.scroll.is_none()
    }

    /// The `seq` the "new messages" separator is drawn above, if any.
    pub fn marker(&self) -> Option<u64> {
        self.marker
    }

    /// Bookkeeping when the shown window changes: the one left counts as
    /// seen, and the one entered gets its separator and follows its end.
    fn track_window(&mut self, state: &State, active: Option<&Conversation>) {
        let id = active.map(|c| c.id);
        if id == self.shown {
            return;
        }
        if let Some(old) = self.shown.and_then(|old| state.chats.get(old)) {
            self.seen.insert(old.id, old.total);
        }
        self.shown = id;
        self.scroll = None;
        self.marker =
            active.and_then(|c| first_unseen(c, self.seen.get(&c.id).copied().unwrap_or(0)));
    }

    /// The user reached the end: everything is seen, the separator goes.
    fn reached_end(&mut self, conversation: &Conversation) {
        self.scroll = None;
        self.marker = None;
        self.seen.insert(conversation.id, conversation.total);
    }

    /// The bottom position, or `None` when following (or nothing to show).
    fn anchor_pos(&self, conversation: &Conversation) -> Option<Pos> {
        let anchor = self.scroll?;
        let front = conversation.lines.front()?.seq;
        if anchor.seq < front {
            // The line scrolled to fell out of memory: show the oldest.
            return Some(Pos { index: 0, row: 0 });
        }
        let index = usize::try_from(anchor.seq - front).ok()?;
        (index < conversation.lines.len()).then_some(Pos {
            index,
            row: anchor.row,
        })
    }

    fn set_anchor(&mut self, conversation: &Conversation, pos: Pos) {
        self.scroll = conversation.lines.get(pos.index).map(|line| Anchor {
            seq: line.seq,
            row: pos.row,
        });
    }

    /// The rows to draw, bottom-aligned on the anchor (top-aligned when the
    /// history is shorter than the pane). Lays out only the lines that
    /// show, plus at most one partly hidden one.
    fn visible_rows(&mut self, layout: &Layout<'_>, height: usize) -> Vec<Line<'static>> {
        let lines = &layout.conversation.lines;
        self.laid_out = 0;
        if lines.is_empty() || height == 0 {
            return Vec::new();
        }
        let last = lines.len() - 1;
        let bottom = self.anchor_pos(layout.conversation);
        if bottom.is_none() {
            self.scroll = None;
        }
        let index = bottom.map_or(last, |p| p.index);
        let mut chunk = layout.block(&lines[index]);
        self.laid_out += 1;
        let row = bottom.map_or(chunk.len() - 1, |p| p.row.min(chunk.len() - 1));
        chunk.truncate(row + 1);
        let mut count = chunk.len();
        let mut chunks = vec![chunk];
        let mut top = index;
        while count < height && top > 0 {
            top -= 1;
            let chunk = layout.block(&lines[top]);
            self.laid_out += 1;
            count += chunk.len();
            chunks.push(chunk);
        }
        let mut rows: Vec<Line<'static>> = chunks.into_iter().rev().flatten().collect();
        if rows.len() > height {
            rows.drain(..rows.len() - height);
        }
        if self.scroll.is_none() {
            return rows;
        }
        // Scrolled past the top: fill the page downward and move the
        // anchor to the new bottom (or follow, when the end came first).
        let mut pos = Pos { index, row };
        let mut current = layout.block(&lines[index]);
        while rows.len() < height {
            if pos.row + 1 < current.len() {
                pos.row += 1;
                rows.push(current[pos.row].clone());
            } else if pos.index < last {
                pos.index += 1;
                pos.row = 0;
                current = layout.block(&lines[pos.index]);
                self.laid_out += 1;
                rows.push(current[0].clone());
            } else {
                self.scroll = None;
                return rows;
            }
        }
        self.set_anchor(layout.conversation, pos);
        rows
    }

    fn scroll_up(&mut self, layout: &Layout<'_>, rows: usize) {
        let lines = &layout.conversation.lines;
        let Some(last) = lines.len().checked_sub(1) else {
            return;
        };
        let mut pos = self.anchor_pos(layout.conversation).unwrap_or_else(|| Pos {
            index: last,
            row: layout.block(&lines[last]).len() - 1,
        });
        let mut left = rows;
        while left > 0 {
            if pos.row > 0 {
                let step = left.min(pos.row);
                pos.row -= step;
                left -= step;
            } else if pos.index > 0 {
                pos.index -= 1;
                pos.row = layout.block(&lines[pos.index]).len() - 1;
                left -= 1;
            } else {
                break;
            }
        }
        self.set_anchor(layout.conversation, pos);
    }

    /// Returns true when the move reached the end.
    fn scroll_down(&mut self, layout: &Layout<'_>, rows: usize) -> bool {
        let lines = &layout.conversation.lines;
        let Some(mut pos) = self.anchor_pos(layout.conversation) else {
            return true;
        };
        let mut len = layout.block(&lines[pos.index]).len();
        pos.row = pos.row.min(len - 1);
        let mut left = rows;
        while left > 0 {
            if pos.row + 1 < len {
                let step = left.min(len - 1 - pos.row);
                pos.row += step;
                left -= step;
            } else if pos.index + 1 < lines.len() {
                pos.index += 1;
                pos.row = 0;
                len = layout.block(&lines[pos.index]).len();
                left -= 1;
            } else {
                break;
            }
        }
        if pos.index + 1 == lines.len() && pos.row + 1 >= len {
            return true;
        }
        self.set_anchor(layout.conversation, pos);
        false
    }
}

/// The first incoming line at or after `seen` and after our own last
/// line (whoever wrote saw what came before), unless it is the oldest
/// line held: a separator with nothing above it separates nothing.
fn first_unseen(conversation: &Conversation, seen: u64) -> Option<u64> {
    let lines = &conversation.lines;
    let front = lines.front()?.seq;
    let mut start = usize::try_from(seen.saturating_sub(front)).ok()?;
    if start >= lines.len() {
        return None;
    }
    // Only the unseen lines are scanned.
    if let Some(own) = lines
        .range(start..)
        .rposition(|line| line.direction == Direction::Outgoing)
    {
        start += own + 1;
    }
    if start >= lines.len() {
        return None;
    }
    conversation
        .lines
        .range(start..)
        .zip(start..)
        .find(|(line, _)| line.direction == Direction::Incoming)
        .filter(|(_, index)| *index > 0)
        .map(|(line, _)| line.seq)
}

/// How one conversation's lines become rows at one width.
struct Layout<'a> {
    conversation: &'a Conversation,
    theme: &'a Theme,
    width: usize,
    marker: Option<u64>,
    /// The peer's label, worked out once per frame.
    peer: String,
    /// Our name in our own actions: our JID's local part, or our nick in
    /// a room.
    own: String,
    /// Set in a room's own window.
    room: Option<RoomLook>,
}

impl<'a> Layout<'a> {
    fn new(
        state: &State,
        conversation: &'a Conversation,
        theme: &'a Theme,
        width: usize,
        marker: Option<u64>,
    ) -> Layout<'a> {
        Layout {
            conversation,
            theme,
            width,
            marker,
            peer: peer_name(state, conversation),
            own: match RoomLook::of(state, conversation) {
                Some(room) => text::truncate(&one_line(&room.nick), MAX_NAME_COLS),
                None => own_name(state),
            },
            room: RoomLook::of(state, conversation),
        }
    }

    /// The rows of one line: separator, `HH:MM <sender> [Subject] body`
    /// with a hanging indent, then the error mark. Never empty.
    fn block(&self, line: &ChatLine) -> Vec<Line<'static>> {
        let mut rows = Vec::new();
        if self.marker == Some(line.seq) {
            rows.push(separator(self.width, self.theme));
        }
        // ME-01: an action; a subject keeps the line a normal message.
        let action = match &line.subject {
            None => crate::xmpp::stanza::me::action(&line.body),
            Some(_) => None,
        };
        let (label, label_style) = self.sender(line, action.is_some());
        let (label, label_style, row_style) = match action {
            // What a room or the client says, not a message.
            _ if line.notice => ("--".to_owned(), self.theme.dim(), self.theme.dim()),
            Some(_) => {
                let italic = Style::default().add_modifier(Modifier::ITALIC);
                (format!("* {label}"), label_style.patch(italic), italic)
            }
            None => (format!("<{label}>"), label_style, Style::default()),
        };
        // A line that names us stands out (its label keeps its colour).
        let row_style = match &self.room {
            Some(room) if room.mentions_us(line) => row_style.patch(self.theme.mention()),
            _ => row_style,
        };
        let prefix_cols = TIME_COLS + text::width(&label) + 1;
        let indent = if prefix_cols <= self.width / 2 {
            prefix_cols
        } else {
            TIME_COLS
        };
        let subject = line
            .subject
            .as_deref()
            .map(one_line)
            .filter(|s| !s.trim().is_empty())
            .map(|s| format!("[{}]", s.trim()));
        let body = for_terminal(action.unwrap_or(&line.body));
        let content = match &subject {
            Some(subject) if body.is_empty() => subject.clone(),
            Some(subject) => format!("{subject} {body}"),
            None => body.into_owned(),
        };
        let first_cols = self.width.saturating_sub(prefix_cols);
        let rest_cols = self.width.saturating_sub(indent);
        // RECEIPTS-08, MARKERS-06, CORRECT-08: room is kept at the end of
        // the last row for the marks.
        let marks = marks(line, self.conversation.seal(line.seq));
        let mark_cols = text::width(&marks);
        let wrapped = text::wrap_with(
            &content,
            first_cols.saturating_sub(mark_cols),
            rest_cols.saturating_sub(mark_cols),
        );
        let head = subject.as_deref().map_or(0, text::non_space_chars);
        for (i, (head, tail)) in text::split_rows(&wrapped, head).into_iter().enumerate() {
            let mut spans = if i == 0 {
                vec![
                    Span::styled(clock(line.at), self.theme.dim()),
                    Span::raw(" "),
                    Span::styled(label.clone(), label_style),
                    Span::raw(" "),
                ]
            } else {
                vec![Span::raw(" ".repeat(indent))]
            };
            text::push_head_tail(&mut spans, head, tail);
            rows.push(Line::from(spans).style(row_style));
        }
        if !marks.is_empty()
            && let Some(last) = rows.last_mut()
        {
            last.spans.push(Span::styled(marks, self.theme.dim()));
        }
        if line.pending && line.error.is_none() {
            // Not yet acknowledged by the server (or waiting for the
            // connection): it will be sent, or resent, on its own.
            rows.push(Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(
                    "… pending (not yet confirmed by the server)",
                    self.theme.dim(),
                ),
            ]));
        }
        if let Some(error) = &line.error {
            let mark = format!("✗ not delivered: {}", one_line(&error.to_string()));
            for row in text::wrap(&mark, rest_cols) {
                rows.push(Line::from(vec![
                    Span::raw(" ".repeat(indent)),
                    Span::styled(row, self.theme.error()),
                ]));
            }
        }
        rows
    }

    /// The sender's label and style; `action` names us by our own name
    /// rather than "me" (`* juliet waves`).
    fn sender(&self, line: &ChatLine, action: bool) -> (String, Style) {
        match line.direction {
            Direction::Outgoing => {
                // CARBONS-06: a line another of our devices sent names it.
                let name = match (&line.resource, action) {
                    (_, true) => self.own.clone(),
                    (Some(device), false) => {
                        text::truncate(&format!("me/{}", one_line(device)), MAX_NAME_COLS)
                    }
                    (None, false) => "me".to_owned(),
                };
                (name, Style::default().fg(self.theme.own))
            }
            Direction::Incoming => {
                let nick = line.resource.as_deref().map(one_line);
                let label = if line.kind == MessageType::Groupchat {
                    // In a room the resource is the speaker's nick; an
                    // action reads `* mercutio waves`.
                    let nick = nick.clone().unwrap_or_else(|| self.peer.clone());
                    if action { nick } else { format!("#{nick}") }
                } else {
                    self.peer.clone()
                };
                let style = match (&self.room, &nick) {
                    (Some(_), Some(nick)) => RoomLook::nick_style(self.theme, nick),
                    _ => Style::default().fg(self.theme.peer),
                };
                (text::truncate(&label, MAX_NAME_COLS), style)
            }
        }
    }
}

/// What follows a line's text: the lock of an encrypted one (OMEMO-40),
/// "(edited)" for a corrected one (CORRECT-08), then, for ours, `✓✓ read`
/// once the recipient has seen it (MARKERS-06), else `✓✓` once their
/// client confirmed it (RECEIPTS-08).
fn marks(line: &ChatLine, seal: Option<Seal>) -> String {
    let mut marks = String::new();
    match seal {
        Some(Seal::Encrypted) => marks.push_str(ENCRYPTED_MARK),
        Some(Seal::Untrusted) => marks.push_str(UNTRUSTED_MARK),
        None => {}
    }
    if line.edited {
        marks.push_str(EDITED_MARK);
    }
    if line.direction == Direction::Outgoing && line.error.is_none() {
        if line.displayed {
            marks.push_str(READ_MARK);
        } else if line.receipt {
            marks.push_str(RECEIPT_MARK);
        }
    }
    marks
}

/// `HH:MM` in UTC of a Unix time.
pub fn clock(at: i64) -> String {
    let seconds = at.rem_euclid(86_400);
    format!("{:02}:{:02}", seconds / 3_600, seconds / 60 % 60)
}

fn separator(width: usize, theme: &Theme) -> Line<'static> {
    let label = "── new messages ";
    let fill = "─".repeat(width.saturating_sub(text::width(label)));
    Line::from(Span::styled(
        text::truncate(&format!("{label}{fill}"), width),
        Style::default().fg(theme.accent),
    ))
}

/// The roster name, else the JID's local part, else its domain; a private
/// conversation in a room is `room/nick` (MUC-23).
fn peer_name(state: &State, conversation: &Conversation) -> String {
    if let crate::app::chat::ConversationKind::Private { nick } = &conversation.kind {
        let room = conversation
            .peer
            .node()
            .map_or_else(|| conversation.peer.to_string(), |n| n.to_string());
        return text::truncate(&one_line(&format!("{room}/{nick}")), MAX_NAME_COLS);
    }
    let name = state
        .roster
        .get(&conversation.peer)
        .and_then(|item| item.name.as_deref())
        .map(one_line)
        .filter(|name| !name.trim().is_empty());
    let name = name.unwrap_or_else(|| match conversation.peer.node() {
        Some(node) => one_line(node.as_str()),
        None => one_line(conversation.peer.domain().as_str()),
    });
    text::truncate(name.trim(), MAX_NAME_COLS)
}

/// Our JID's local part, for our own actions; "me" before login.
fn own_name(state: &State) -> String {
    let name = state
        .jid
        .as_ref()
        .and_then(|jid| jid.node())
        .map(|node| one_line(node.as_str()));
    text::truncate(name.as_deref().unwrap_or("me"), MAX_NAME_COLS)
}

/// STATES-09: what the contact is doing, for the title: `typing…` or
/// `paused`; nothing otherwise (active, inactive, gone, or no word).
fn activity(state: &State, conversation: &Conversation) -> Option<&'static str> {
    match state.chat_states.shown(&conversation.peer)? {
        ChatState::Composing => Some("typing…"),
        ChatState::Paused => Some("paused"),
        _ => None,
    }
}

/// ` romeo@example.net → romeo@…/orchard · thread 3f9a1c… · typing… `, cut
/// to fit; what the contact is doing stays when the rest is cut.
fn title(
    conversation: &Conversation,
    activity: Option<&str>,
    room: Option<&str>,
    encrypted: bool,
    max_cols: usize,
) -> String {
    let Some(activity) = activity else {
        return plain_title(conversation, room, encrypted, max_cols);
    };
    let tail = format!("· {activity} ");
    let room = max_cols.saturating_sub(text::width(&tail));
    if room == 0 {
        return text::truncate(&tail, max_cols);
    }
    format!("{}{tail}", plain_title(conversation, None, encrypted, room))
}

/// OMEMO-31: a chat whose messages leave encrypted.
fn encrypted(state: &State, conversation: &Conversation) -> bool {
    conversation.kind == ConversationKind::Chat && state.omemo.wants(&conversation.peer)
}

/// ` romeo@example.net → romeo@…/orchard · thread 3f9a1c… `, cut to fit;
/// a room's is ` verona · groupchat · juliet · Balcony scene `: its name,
/// then our nick and its subject (`room`). ` · OMEMO` after the name when
/// `encrypted`.
fn plain_title(
    conversation: &Conversation,
    room: Option<&str>,
    encrypted: bool,
    max_cols: usize,
) -> String {
    let peer = &conversation.peer;
    // A room goes by its name: its JID's local part.
    let name = match (room, peer.node()) {
        (Some(_), Some(node)) => node.to_string(),
        _ => peer.to_string(),
    };
    let mut title = format!(" {}", one_line(&name));
    // Next to the name: the last thing a narrow title should cut.
    if encrypted {
        title.push_str(ENCRYPTED_TITLE);
    }
    if let Some(resource) = &conversation.locked {
        let short = match peer.node() {
            Some(node) => format!("{}@…", one_line(node.as_str())),
            None => one_line(peer.domain().as_str()),
        };
        title.push_str(&format!(" → {short}/{}", one_line(resource)));
    }
    if let Some(thread) = &conversation.thread {
        title.push_str(&format!(
            " · thread {}",
            text::truncate(&one_line(thread), 7)
        ));
    }
    if conversation.reply_kind == MessageType::Groupchat {
        title.push_str(" · groupchat");
    }
    if let Some(room) = room {
        title.push_str(&format!(" · {room}"));
    }
    title.push(' ');
    text::truncate(&title, max_cols)
}

/// `1:romeo 2:nurse*3 [3:tybalt]`: every open window, the current one in
/// brackets, unread counts after a `*`. When the list is too wide, windows
/// before the current one give way first. Only the items that fit are
/// formatted, so a thousand open windows cost what a screenful does.
fn window_list(
    state: &State,
    active: Option<ConversationId>,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let windows = state.chats.window_ids();
    let current = active
        .and_then(|id| state.chats.window_position(id))
        .unwrap_or(0);
    let item = |i: usize| window_item(state, windows[i], i, active, theme);
    let Some(current_item) = windows.get(current).map(|_| item(current)) else {
        return Line::default();
    };
    // Walk back from the current window while the items up to it fit; an
    // ellipsis and a space go before a list that does not start at 1.
    let mut start = current;
    let mut items = vec![current_item];
    let mut used = text::width(&items[0].0) + 1;
    while start > 0 {
        let before = item(start - 1);
        let lead = if start - 1 > 0 { 2 } else { 0 };
        if lead + used + text::width(&before.0) + 1 > width {
            break;
        }
        used += text::width(&before.0) + 1;
        start -= 1;
        items.insert(0, before);
    }
    // Then the windows after it, until the line is full.
    let mut end = current + 1;
    while end < windows.len() && used <= width {
        let after = item(end);
        used += text::width(&after.0) + 1;
        items.push(after);
        end += 1;
    }
    let mut spans = Vec::new();
    if start > 0 {
        spans.push(Span::styled("… ", theme.dim()));
    }
    for (i, (item, style)) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(item, style));
    }
    Line::from(spans)
}

/// One window's entry in the list: number, name, and a mark.
fn window_item(
    state: &State,
    id: ConversationId,
    index: usize,
    active: Option<ConversationId>,
    theme: &Theme,
) -> (String, Style) {
    let Some(conversation) = state.chats.get(id) else {
        return (format!("{}:?", index + 1), Style::default());
    };
    let mut name = peer_name(state, conversation);
    // Two threads with one peer: number them so they can be told apart.
    let same_peer = state.chats.earlier_windows_with_peer(id);
    if same_peer > 0 {
        name.push_str(&format!("~{}", same_peer + 1));
    }
    let mut item = format!("{}:{name}", index + 1);
    let style = if Some(id) == active {
        item = format!("[{item}]");
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    } else if conversation.unread > 0 {
        item.push_str(&format!("*{}", conversation.unread));
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    (item, style)
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, view: &mut View) {
    let View {
        chat,
        theme,
        keymap,
        focus,
        ..
    } = view;
    let focused = *focus == Focus::Chat;
    let active = state.active.and_then(|id| state.chats.get(id));
    chat.track_window(state, active);
    let has_windows = !state.chats.window_ids().is_empty();

    let mut block = Block::bordered().border_style(theme.border(focused));
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let title_text = match active {
        Some(conversation) => title(
            conversation,
            activity(state, conversation),
            room::title_tail(state, conversation).as_deref(),
            encrypted(state, conversation),
            usize::from(area.width.saturating_sub(2)),
        ),
        None => " Chat ".to_owned(),
    };
    block = block.title(Span::styled(title_text, theme.title(focused)));

    let mut body = inner;
    let mut rows: Vec<Line<'static>> = Vec::new();
    if has_windows && inner.height > 1 {
        rows.push(window_list(state, active.map(|c| c.id), width, theme));
        body.y += 1;
        body.height -= 1;
    }
    let height = usize::from(body.height);
    chat.width = width;
    chat.height = height;
    match active {
        Some(conversation) if !conversation.lines.is_empty() => {
            let layout = Layout::new(state, conversation, theme, width, chat.marker);
            rows.extend(chat.visible_rows(&layout, height));
        }
        Some(_) => {
            chat.laid_out = 0;
            let first = |context, action| keymap.keys_for(context, action).first().copied();
            let text = match (
                first(Context::Global, UiAction::FocusInput),
                first(Context::Input, UiAction::Submit),
            ) {
                (Some(focus), Some(send)) => {
                    format!("No messages yet: press {focus}, type, then {send}.")
                }
                _ => "No messages yet.".to_owned(),
            };
            rows.extend(hint(&text, width, theme));
        }
        None => {
            chat.laid_out = 0;
            let mut text = String::new();
            let keys = keymap.keys_for(Context::Global, UiAction::NextWindow);
            if has_windows && !keys.is_empty() {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                text.push_str(&format!("{} shows a window. ", keys.join("/")));
            }
            match keymap.keys_for(Context::Roster, UiAction::Open).first() {
                Some(open) => text.push_str(&format!(
                    "Select a contact and press {open}, or type /msg JID TEXT"
                )),
                None => text.push_str("Type /msg JID TEXT"),
            }
            rows.extend(hint(&text, width, theme));
        }
    }
    if !chat.is_following() {
        block = block.title_bottom(Span::styled(" ↓ more below (End) ", theme.dim()));
    }
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(rows), inner);
}

/// MARKERS-03: the conversation whose newest lines the user sees now, when
/// it has a message waiting for a displayed marker: the current window as
/// last drawn, nothing over it, following its end, in a terminal that has
/// the focus of a user who is not idle. The store decides the rest.
pub fn seen_window(view: &View, state: &State) -> Option<ConversationId> {
    let id = state.active?;
    let chat = &view.chat;
    let on_screen =
        view.overlay.is_none() && chat.shown == Some(id) && chat.is_following() && chat.height > 0;
    if !on_screen || !state.attention.looking() {
        return None;
    }
    state.chats.get(id)?.unmarked.as_ref()?;
    Some(id)
}

fn hint(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    text::wrap(text, width)
        .into_iter()
        .map(|row| Line::from(Span::styled(row, theme.dim())))
        .collect()
}

/// Scrolling (by row, by page of the last drawn height, to either end),
/// closing the window, and details of its peer.
pub fn handle(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    let Some(conversation) = state.active.and_then(|id| state.chats.get(id)) else {
        return Vec::new();
    };
    let View {
        chat,
        theme,
        overlay,
        ..
    } = view;
    chat.track_window(state, Some(conversation));
    let page = chat.height.saturating_sub(1).max(1);
    let layout = Layout::new(state, conversation, theme, chat.width, chat.marker);
    let scrolling = chat.width > 0;
    match action {
        UiAction::Up if scrolling => chat.scroll_up(&layout, 1),
        UiAction::PageUp if scrolling => chat.scroll_up(&layout, page),
        UiAction::Top => chat.set_anchor(conversation, Pos { index: 0, row: 0 }),
        UiAction::Down | UiAction::PageDown if scrolling => {
            let rows = if action == UiAction::Down { 1 } else { page };
            if chat.scroll_down(&layout, rows) {
                chat.reached_end(conversation);
            }
        }
        UiAction::Bottom => chat.reached_end(conversation),
        UiAction::CloseWindow => {
            chat.seen.insert(conversation.id, conversation.total);
            return vec![Request::View(ViewMsg::Close(conversation.id))];
        }
        UiAction::Details => {
            *overlay = Some(Overlay::Details {
                jid: conversation.peer.clone(),
                scroll: 0,
            });
            // VCARD-10: the card is fetched because the user opened this.
            return vec![Request::View(ViewMsg::Details(conversation.peer.clone()))];
        }
        _ => {}
    }
    // Near the oldest line held in memory: bring older ones in from the
    // history, and past its start from the server archive (MAM-12); the
    // store ignores this once nothing older is left anywhere.
    let near_top = chat
        .anchor_pos(conversation)
        .is_some_and(|pos| pos.index <= page);
    if matches!(action, UiAction::Up | UiAction::PageUp | UiAction::Top) && near_top {
        return vec![Request::View(ViewMsg::LoadOlder(conversation.id))];
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
