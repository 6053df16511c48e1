//! The roster pane: contacts grouped by roster group, with presence,
//! status, unread counts and subscription hints, and the keys that act on
//! the selected contact. Draws from `&State`; changes the store only
//! through the [`Request`]s [`handle`] returns, and opens dialogs by setting
//! `view.overlay` (the popup owner carries them out).
//!
//! The store keeps each group's contacts sorted as presence and the
//! roster change; `rows` lays the pane's sections over those lists and
//! finds row N by arithmetic, so a presence change moves one contact in
//! the store and costs the pane a recount, never a rebuild or a sort, and
//! each frame formats only the visible rows. Unread counts are read at
//! draw time because messages do not bump the revision.
//!
//! Sections, top to bottom: "My devices" (our other resources, PRES-13,
//! when there are any), "Requests" (pending inbound requests from JIDs not
//! in the roster), "Rooms" (rooms we are in or were in, each followed by
//! our private conversations with its occupants), the roster groups by
//! name, then "No group". A contact in
//! several groups appears in each. Within a section: by availability, then
//! by name, then by JID.
//!
//! A row is `MARK NAME  STATUS  UNREAD HINTS`, e.g.
//! `o Romeo  at the masque  3 ⇠`. Marks: `+` chat, `o` online, `a` away,
//! `x` xa, `d` dnd, `-` offline, `!` error, and a dimmed `?` when we have no
//! subscription to the contact's presence and heard nothing (INT-02: never
//! "offline" then). Hints: `⇠` they asked to see you (approve with `a`),
//! `⇢` you asked to see them and wait, `⊘` they cannot see you (no `from`),
//! `✓` instead of `⊘` when they are pre-approved, `⛔` blocked (blocklist
//! or the privacy list in force). Group headers read
//! `▾ Friends  2/5` (online/total), `▸` when folded. Hidden offline
//! contacts include the `?` and `!` ones. The filter matches a contact's
//! name or JID, or the group it is listed under.
//!
//! A room row is `# verona  (12, 2@)`: its name (the JID's local part),
//! then the unread lines and, of those, the ones that mention our nick;
//! the `#` is dimmed once we are out of the room. A private conversation
//! reads `» verona/romeo  3`. Enter opens either window, as for a contact.

mod rows;

use std::borrow::Cow;
use std::collections::HashSet;

use jid::{BareJid, Jid};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::keymap::{Context, Keymap, UiAction};
use super::popup::{EntryKind, Overlay};
use super::theme::{Theme, mark};
use super::{Focus, Request, View};
use crate::app::command::Action;
use crate::app::presence::Availability;
use crate::app::roster::contact::Contact;
use crate::app::{State, ViewMsg};
use crate::sanitize::one_line;
use rows::{Anchor, Members, RoomEntry, Row, SectionRows};

// Keys for the built-in sections in `collapsed`. XML cannot carry U+0000,
// so no roster group can be named like these.
const DEVICES_KEY: &str = "\0devices";
const REQUESTS_KEY: &str = "\0requests";
const ROOMS_KEY: &str = "\0rooms";
const UNGROUPED_KEY: &str = "\0ungrouped";

/// The key hint needs this many inner rows, so a short pane keeps its rows.
const HINT_MIN_HEIGHT: u16 = 8;
/// Below this many free cells the status text is left out.
const MIN_STATUS_WIDTH: usize = 4;

/// Which part of the roster a group header starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// Our own other resources (PRES-13).
    Devices,
    /// Pending inbound requests from JIDs not in the roster.
    Requests,
    /// Rooms (XEP-0045) and private conversations in them.
    Rooms,
    /// A roster group, by its exact (unsanitised) name.
    Group(String),
    /// Contacts without a group.
    Ungrouped,
}

impl Section {
    /// The entry in [`RosterView::collapsed`] that folds this section.
    pub fn key(&self) -> &str {
        match self {
            Section::Devices => DEVICES_KEY,
            Section::Requests => REQUESTS_KEY,
            Section::Rooms => ROOMS_KEY,
            Section::Group(name) => name,
            Section::Ungrouped => UNGROUPED_KEY,
        }
    }

    fn title(&self) -> Cow<'static, str> {
        match self {
            Section::Devices => "My devices".into(),
            Section::Requests => "Requests".into(),
            Section::Rooms => "Rooms".into(),
            Section::Group(name) => one_line(name).into(),
            Section::Ungrouped => "No group".into(),
        }
    }
}

/// Selection, scrolling, filter and folding of the roster pane, with the
/// sections laid over the store's lists (see `rows`).
#[derive(Debug, Default)]
pub struct RosterView {
    sections: Vec<SectionRows>,
    /// The first row of each section, then the number of rows.
    starts: Vec<usize>,
    /// The store revisions the rows are up to date with.
    built: Option<rows::Built>,
    /// Filter, folding or hide-offline changed since the last build.
    stale: bool,
    /// The row under the cursor, found again after rows move.
    anchor: Option<Anchor>,
    pub selected: usize,
    pub scroll: usize,
    pub filter: String,
    /// A filter dialog is open.
    pub filtering: bool,
    pub hide_offline: bool,
    pub collapsed: HashSet<String>,
    /// The filter in lower case, as last built.
    needle: String,
    /// With a filter: whether each contact's name or JID matches, by id.
    named: Vec<bool>,
    /// Rows in the last drawn list, for paging.
    page: usize,
    rebuilds: u64,
    refreshes: u64,
}

impl RosterView {
    /// How many rows the list has now.
    pub fn row_count(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The indices of the rows listed now; rows are not kept as a list.
    pub fn rows(&self) -> std::ops::Range<usize> {
        0..self.row_count()
    }

    /// How often the sections were laid out anew (items, requests, filter,
    /// folding); tests use it to prove that presence and scrolling do not.
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    /// How often counts and positions were refreshed after a store change.
    pub fn refreshes(&self) -> u64 {
        self.refreshes
    }

    /// Moves the cursor to `row` and remembers what is there.
    fn select(&mut self, state: &State, row: usize) {
        self.selected = row.min(self.row_count().saturating_sub(1));
        self.anchor = rows::anchor_at(self, state, self.selected);
    }
}

/// Presence as the roster shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shown {
    Known(Availability),
    /// INT-02: no subscription to them and nothing heard, so "offline"
    /// would be a guess.
    Unknown,
}

impl Shown {
    fn of(availability: Availability, subscribed_to: bool) -> Shown {
        match availability {
            Availability::Offline if !subscribed_to => Shown::Unknown,
            known => Shown::Known(known),
        }
    }

    fn span(self, theme: &Theme) -> Span<'static> {
        match self {
            Shown::Known(a) => Span::styled(mark(a), theme.availability(a)),
            Shown::Unknown => Span::styled("?", theme.dim()),
        }
    }
}

/// Cuts `text` to `width` cells, ending in `…` when it had to cut. Wide
/// characters are never split.
fn fit(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    // A char's width and its sequence's width can differ (emoji with
    // variation selectors); the string's width is what gets drawn.
    while out.width() > width - 1 {
        out.pop();
    }
    out.push('…');
    Cow::Owned(out)
}

/// Lays out `mark name  status … suffix` in exactly `width` cells: the
/// suffix is right-aligned, the name comes before the status, and the
/// status is shown only when a few cells are left for it.
fn compose(
    mark: Span<'static>,
    name: &str,
    name_style: Style,
    status: Option<(&str, Style)>,
    mut suffix: Vec<Span<'static>>,
    width: usize,
) -> Vec<Span<'static>> {
    let mut suffix_width: usize = suffix.iter().map(Span::width).sum();
    if width < suffix_width + 4 {
        suffix.clear();
        suffix_width = 0;
    }
    let avail = width.saturating_sub(2 + suffix_width);
    let name = fit(name, avail).into_owned();
    let mut used = name.width();
    let mut spans = vec![mark, Span::raw(" "), Span::styled(name, name_style)];
    if let Some((status, style)) = status.filter(|(s, _)| !s.trim().is_empty())
        && avail.saturating_sub(used) >= 2 + MIN_STATUS_WIDTH
    {
        let status = fit(status, avail - used - 2).into_owned();
        used += 2 + status.width();
        spans.push(Span::raw("  "));
        spans.push(Span::styled(status, style));
    }
    spans.push(Span::raw(" ".repeat(avail.saturating_sub(used))));
    spans.extend(suffix);
    spans
}

fn row_spans(
    state: &State,
    theme: &Theme,
    roster: &RosterView,
    row: Row,
    width: usize,
) -> Vec<Span<'static>> {
    let section = &roster.sections[row.section()];
    match (row, &section.members) {
        (Row::Header { .. }, _) => {
            let fold = if section.collapsed { "▸" } else { "▾" };
            let (online, total) = (section.online, section.total);
            let count = match section.section {
                Section::Group(_) | Section::Ungrouped => format!(" {online}/{total}"),
                Section::Devices | Section::Requests | Section::Rooms => format!(" {total}"),
            };
            compose(
                Span::styled(fold, Style::default().fg(theme.accent)),
                &section.section.title(),
                Style::default().add_modifier(Modifier::BOLD),
                None,
                vec![Span::styled(count, theme.dim())],
                width,
            )
        }
        (Row::Contact { id, .. }, _) => match state.roster.contact(id) {
            Some(contact) => contact_spans(state, theme, contact, width),
            None => Vec::new(),
        },
        (Row::Request { index, .. }, Members::Requests(jids)) => {
            let Some(jid) = jids.get(index) else {
                return Vec::new();
            };
            let shown = Shown::of(state.presence.availability(jid), false);
            let greeting = state
                .pending
                .get(jid)
                .and_then(|r| r.greeting.as_deref().map(one_line));
            compose(
                shown.span(theme),
                &one_line(jid.as_str()),
                Style::default(),
                greeting.as_deref().map(|g| (g, theme.dim())),
                vec![Span::styled(" ⇠", Style::default().fg(theme.away))],
                width,
            )
        }
        (Row::Room { index, .. }, Members::Rooms(entries)) => match entries.get(index) {
            Some(entry) => room_spans(state, theme, entry, width),
            None => Vec::new(),
        },
        (Row::Device { index, .. }, Members::Devices(names)) => {
            let Some(r) = names
                .get(index)
                .and_then(|name| state.own_resources.resources.get(name))
            else {
                return Vec::new();
            };
            let status = r.status.as_deref().map(one_line);
            compose(
                Shown::Known(Availability::from_show(r.show)).span(theme),
                &one_line(&names[index]),
                Style::default().fg(theme.own),
                status.as_deref().map(|s| (s, theme.dim())),
                Vec::new(),
                width,
            )
        }
        _ => Vec::new(),
    }
}

/// `# verona  (12, 2@)` or `» verona/romeo  3`.
fn room_spans(state: &State, theme: &Theme, entry: &RoomEntry, width: usize) -> Vec<Span<'static>> {
    let room = entry.room();
    let name = room
        .node()
        .map_or_else(|| room.to_string(), |n| n.to_string());
    let conversation = state
        .chats
        .find_room(room, entry.nick())
        .and_then(|id| state.chats.get(id));
    let unread = conversation.map_or(0, |c| c.unread);
    let mentions = conversation.map_or(0, |c| c.mentions);
    let counts = match (entry, unread, mentions) {
        (_, 0, 0) => None,
        (RoomEntry::Room(_), unread, 0) => Some(format!(" ({unread})")),
        (RoomEntry::Room(_), unread, mentions) => Some(format!(" ({unread}, {mentions}@)")),
        (RoomEntry::Private(..), unread, _) => Some(format!(" {unread}")),
    };
    let accent = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let suffix = counts
        .map(|text| vec![Span::styled(text, accent)])
        .unwrap_or_default();
    let (mark, name) = match entry.nick() {
        None => {
            let present = state.rooms.is_present(room);
            let style = if present {
                Style::default().fg(theme.accent)
            } else {
                theme.dim()
            };
            (Span::styled("#", style), name)
        }
        Some(nick) => (Span::styled("»", theme.dim()), format!("{name}/{nick}")),
    };
    let subject = match entry {
        RoomEntry::Room(room) => state
            .rooms
            .get(room)
            .and_then(|r| r.subject.as_deref())
            .map(one_line),
        RoomEntry::Private(..) => None,
    };
    let name_style = if mentions > 0 {
        accent
    } else {
        Style::default()
    };
    compose(
        mark,
        &one_line(&name),
        name_style,
        subject.as_deref().map(|s| (s, theme.dim())),
        suffix,
        width,
    )
}

fn contact_spans(
    state: &State,
    theme: &Theme,
    contact: &Contact,
    width: usize,
) -> Vec<Span<'static>> {
    let jid = &contact.jid;
    let shown = Shown::of(contact.availability, contact.subscription.has_to());
    let entity = state.presence.get(jid);
    let status = entity.and_then(|e| match e.top() {
        Some((_, top)) => top.status.as_deref().map(one_line),
        None => match &e.error {
            Some(error) => Some(one_line(&error.to_string())),
            None => e.last_status.as_deref().map(one_line),
        },
    });
    let mut suffix = Vec::new();
    let unread = state.chats.latest_with(jid).map_or(0, |c| c.unread);
    if unread > 0 {
        suffix.push(Span::styled(
            format!(" {unread}"),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ));
    }
    let pending_in = state.pending.contains(jid);
    let mut hints = String::new();
    if pending_in {
        hints.push('⇠');
    }
    if contact.ask {
        hints.push('⇢');
    }
    if !contact.subscription.has_from() && !pending_in {
        hints.push(if contact.approved || state.preapproved.contains(jid) {
            '✓'
        } else {
            '⊘'
        });
    }
    if !hints.is_empty() {
        let style = if pending_in {
            Style::default().fg(theme.away)
        } else {
            theme.dim()
        };
        suffix.push(Span::styled(format!(" {hints}"), style));
    }
    // Blocked by our blocklist or privacy list in force.
    if state.is_blocked(jid) {
        suffix.push(Span::styled(" ⛔", theme.error()));
    }
    compose(
        shown.span(theme),
        &one_line(contact.display_name()),
        Style::default(),
        status.as_deref().map(|s| (s, theme.dim())),
        suffix,
        width,
    )
}

fn title(view: &RosterView, state: &State) -> String {
    let mut title = format!(" Roster {}/{} ", state.roster.online(), state.roster.len());
    if !view.filter.is_empty() || view.filtering {
        title.push_str(&format!("/{} ", fit(&one_line(&view.filter), 16)));
    }
    if view.hide_offline {
        title.push_str("(online) ");
    }
    title
}

/// The actions the bottom hint offers, most useful first.
const HINTS: &[(Context, UiAction, &str)] = &[
    (Context::Global, UiAction::Help, "help"),
    (Context::Roster, UiAction::Open, "chat"),
    (Context::Roster, UiAction::Filter, "find"),
    (Context::Roster, UiAction::Rename, "rename"),
    (Context::Roster, UiAction::Remove, "remove"),
    (Context::Roster, UiAction::Approve, "approve"),
    (Context::Roster, UiAction::Details, "details"),
    (Context::Roster, UiAction::ToggleOffline, "offline"),
];

/// `? help  Enter chat  f find …`, from the keymap so rebinding shows.
fn hint_text(keymap: &Keymap, width: usize) -> String {
    let parts: Vec<String> = HINTS
        .iter()
        .filter_map(|(context, action, label)| {
            let key = keymap
                .keys_for(*context, *action)
                .into_iter()
                .map(|k| k.to_string())
                .min_by_key(|k| k.width())?;
            Some(format!("{key} {label}"))
        })
        .collect();
    fit(&parts.join("  "), width).into_owned()
}

/// Moves `scroll` so the selection is on screen and no space is wasted
/// below the last row.
fn keep_visible(view: &mut RosterView, height: usize) {
    let height = height.max(1);
    let count = view.row_count();
    view.selected = view.selected.min(count.saturating_sub(1));
    if view.selected < view.scroll {
        view.scroll = view.selected;
    } else if view.selected >= view.scroll + height {
        view.scroll = view.selected + 1 - height;
    }
    view.scroll = view.scroll.min(count.saturating_sub(height));
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, view: &mut View) {
    let focused = view.focus == Focus::Roster;
    let theme = &view.theme;
    let roster = &mut view.roster;
    roster.filtering = matches!(
        view.overlay,
        Some(Overlay::Entry {
            kind: EntryKind::Filter,
            ..
        })
    );
    rows::sync(roster, state);

    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(title(roster, state), theme.title(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let show_hint = focused && inner.height >= HINT_MIN_HEIGHT;
    let list_height = inner.height.saturating_sub(u16::from(show_hint));
    roster.page = list_height as usize;
    keep_visible(roster, roster.page);

    let lines: Vec<Line<'static>> = if roster.row_count() == 0 {
        let empty = if !roster.filter.is_empty() {
            "no match"
        } else if roster.hide_offline && !state.roster.is_empty() {
            "nobody online"
        } else {
            "no contacts"
        };
        vec![Line::styled(fit(empty, width).into_owned(), theme.dim())]
    } else {
        let end = (roster.scroll + roster.page).min(roster.row_count());
        (roster.scroll..end)
            .filter_map(|i| {
                let row = rows::row_at(roster, state, i)?;
                let line = Line::from(row_spans(state, theme, roster, row, width));
                Some(if focused && i == roster.selected {
                    line.patch_style(theme.selected())
                } else {
                    line
                })
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(lines),
        Rect {
            height: list_height,
            ..inner
        },
    );
    if show_hint {
        let hint = hint_text(&view.keymap, width);
        frame.render_widget(
            Paragraph::new(Line::styled(hint, theme.dim())),
            Rect {
                y: inner.y + list_height,
                height: 1,
                ..inner
            },
        );
    }
}

/// The contact under the cursor, if the row is one.
pub fn selected_jid(view: &View) -> Option<BareJid> {
    view.roster.anchor.as_ref()?.jid().cloned()
}

/// Applies the text of a filter dialog; an empty text clears the filter.
pub fn set_filter(view: &mut View, text: &str) {
    let roster = &mut view.roster;
    if roster.filter != text {
        roster.filter = text.to_owned();
        roster.stale = true;
    }
}

/// Folds or unfolds the section of the selected row, leaving the cursor on
/// its header.
fn toggle_group(roster: &mut RosterView, state: &State) {
    let Some(row) = rows::row_at(roster, state, roster.selected) else {
        return;
    };
    let section = &roster.sections[row.section()].section;
    let key = section.key().to_owned();
    roster.anchor = Some(Anchor::Header(section.clone()));
    roster.selected = roster.starts[row.section()];
    if !roster.collapsed.remove(&key) {
        roster.collapsed.insert(key);
    }
    roster.stale = true;
}

pub fn handle(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    rows::sync(&mut view.roster, state);
    let roster = &mut view.roster;
    let last = roster.row_count().saturating_sub(1);
    let page = roster.page.max(1);
    let selected = roster.selected;
    match action {
        UiAction::Up => roster.select(state, selected.saturating_sub(1)),
        UiAction::Down => roster.select(state, (selected + 1).min(last)),
        UiAction::PageUp => {
            roster.select(state, selected.saturating_sub(page));
            roster.scroll = roster.scroll.saturating_sub(page);
        }
        UiAction::PageDown => {
            roster.select(state, (selected + page).min(last));
            roster.scroll += page;
        }
        UiAction::Top => roster.select(state, 0),
        UiAction::Bottom => roster.select(state, last),
        UiAction::ToggleOffline => {
            roster.hide_offline = !roster.hide_offline;
            roster.stale = true;
        }
        UiAction::Filter => {
            roster.filtering = true;
            view.overlay = Some(Overlay::entry(EntryKind::Filter, &roster.filter));
        }
        UiAction::ToggleGroup => toggle_group(roster, state),
        _ => return act_on_row(view, state, action),
    }
    if !roster.stale {
        keep_visible(roster, page);
    }
    Vec::new()
}

/// The actions that need the selected row.
fn act_on_row(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    let Some(anchor) = view.roster.anchor.clone() else {
        return Vec::new();
    };
    let command = |action: Action| vec![Request::Command(action)];
    let jid = match anchor {
        Anchor::Header(_) => {
            if action == UiAction::Open {
                toggle_group(&mut view.roster, state);
            }
            return Vec::new();
        }
        Anchor::Room(entry) => {
            // A room's window, or a private one with an occupant, opens as
            // a chat does (MUC-22, MUC-23).
            let to = match entry.nick() {
                None => Some(Jid::from(entry.room().clone())),
                Some(nick) => entry.room().with_resource_str(nick).ok().map(Jid::from),
            };
            let Some(to) = to.filter(|_| action == UiAction::Open) else {
                return Vec::new();
            };
            view.focus = Focus::Input;
            return command(Action::Message { to, body: None });
        }
        Anchor::Device(resource) => {
            // Another device of ours: Enter chats with it; nothing else applies.
            let own = state.jid.as_ref().map(|j| j.to_bare());
            let to = own.and_then(|own| own.with_resource_str(&resource).ok());
            let Some(to) = to.filter(|_| action == UiAction::Open) else {
                return Vec::new();
            };
            view.focus = Focus::Input;
            return command(Action::Message {
                to: Jid::from(to),
                body: None,
            });
        }
        // A request's row opens its prompt: the screen that shows what
        // each answer key does.
        Anchor::Request(jid) if matches!(action, UiAction::Open) => {
            view.ask(Overlay::Prompt { jid });
            return Vec::new();
        }
        Anchor::Contact { jid, .. } | Anchor::Request(jid) => jid,
    };
    let name = one_line(jid.as_str());
    // Renaming, regrouping and removing need a roster item.
    let item = state.roster.get(&jid);
    match action {
        UiAction::Open => {
            view.focus = Focus::Input;
            command(Action::Message {
                to: Jid::from(jid),
                body: None,
            })
        }
        UiAction::Rename => {
            if let Some(item) = item {
                let name = item.name.as_deref().map(one_line).unwrap_or_default();
                view.overlay = Some(Overlay::entry(EntryKind::Rename(jid), &name));
            }
            Vec::new()
        }
        UiAction::EditGroups => {
            if let Some(item) = item {
                let groups: Vec<String> = state.roster.group_names(item).map(one_line).collect();
                view.overlay = Some(Overlay::entry(EntryKind::Groups(jid), &groups.join(",")));
            }
            Vec::new()
        }
        // Nothing that changes who sees whom happens on one key of the
        // pane the program starts in: each asks first, guarded.
        UiAction::Remove => {
            if item.is_some() {
                view.ask(Overlay::Confirm {
                    question: format!("Remove {name} from your roster?"),
                    action: Action::Remove { jid },
                });
            }
            Vec::new()
        }
        UiAction::Subscribe => {
            view.ask(Overlay::Confirm {
                question: format!("Ask to see {name}'s presence?"),
                action: Action::Subscribe {
                    jid,
                    greeting: None,
                },
            });
            Vec::new()
        }
        UiAction::Unsubscribe => {
            view.ask(Overlay::Confirm {
                question: format!("Stop seeing {name}'s presence?"),
                action: Action::Unsubscribe { jid },
            });
            Vec::new()
        }
        UiAction::CancelTheirs => {
            view.ask(Overlay::Confirm {
                question: format!("Stop letting {name} see your presence?"),
                action: Action::Cancel { jid },
            });
            Vec::new()
        }
        UiAction::Approve | UiAction::Deny => {
            if state.pending.contains(&jid) {
                view.ask(Overlay::Prompt { jid });
            }
            Vec::new()
        }
        UiAction::DirectedPresence => {
            view.overlay = Some(Overlay::entry(EntryKind::Directed(jid), ""));
            Vec::new()
        }
        UiAction::Details => {
            view.overlay = Some(Overlay::Details {
                jid: jid.clone(),
                scroll: 0,
            });
            // VCARD-10: the card is fetched because the user opened this.
            vec![Request::View(ViewMsg::Details(jid))]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
