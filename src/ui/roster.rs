//! The roster pane: contacts grouped by roster group, with presence,
//! status, unread counts and subscription hints, and the keys that act on
//! the selected contact. Draws from `&State`; changes the store only
//! through the [`Request`]s [`handle`] returns, and opens dialogs by setting
//! `view.overlay` (the popup owner carries them out).
//!
//! Rows are built once per `state.roster_rev` (or filter, folding,
//! hide-offline change) into [`RosterView`]'s cache; each frame formats
//! only the visible slice, so a 10,000-contact roster scrolls instantly.
//! Unread counts are read at draw time because messages do not bump the
//! revision.
//!
//! Sections, top to bottom: "My devices" (our other resources, PRES-13,
//! when there are any), "Requests" (pending inbound requests from JIDs not
//! in the roster), the roster groups by name, then "No group". A contact in
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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

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
use crate::app::State;
use crate::app::command::Action;
use crate::app::presence::Availability;
use crate::sanitize::one_line;
use crate::xmpp::stanza::roster::RosterItem;

// Keys for the built-in sections in `collapsed`. XML cannot carry U+0000,
// so no roster group can be named like these.
const DEVICES_KEY: &str = "\0devices";
const REQUESTS_KEY: &str = "\0requests";
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
            Section::Group(name) => name,
            Section::Ungrouped => UNGROUPED_KEY,
        }
    }

    fn title(&self) -> Cow<'static, str> {
        match self {
            Section::Devices => "My devices".into(),
            Section::Requests => "Requests".into(),
            Section::Group(name) => one_line(name).into(),
            Section::Ungrouped => "No group".into(),
        }
    }
}

/// One line of the roster list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// A section header; `total` counts the contacts that pass the filter,
    /// `online` those of them that are available.
    Group {
        section: Section,
        total: usize,
        online: usize,
        collapsed: bool,
    },
    /// A roster contact under `group` (`None`: "No group").
    Contact { jid: BareJid, group: Option<String> },
    /// Someone outside the roster waiting for an answer.
    Request { jid: BareJid },
    /// One of our own other resources.
    Device { resource: String },
}

impl Row {
    /// The contact the row acts on, if any.
    pub fn jid(&self) -> Option<&BareJid> {
        match self {
            Row::Contact { jid, .. } | Row::Request { jid } => Some(jid),
            Row::Group { .. } | Row::Device { .. } => None,
        }
    }

    /// Same row across rebuilds: counts and folding may differ.
    fn same_as(&self, other: &Row) -> bool {
        match (self, other) {
            (Row::Group { section: a, .. }, Row::Group { section: b, .. }) => a == b,
            (Row::Device { resource: a }, Row::Device { resource: b }) => a == b,
            _ => self == other,
        }
    }
}

/// Selection, scrolling, filter and folding of the roster pane, with the
/// row cache.
#[derive(Debug, Default)]
pub struct RosterView {
    rows: Vec<Row>,
    /// The `roster_rev` the rows were built for; `None` before the first build.
    built_rev: Option<u64>,
    /// Filter, folding or hide-offline changed since the last build.
    stale: bool,
    pub selected: usize,
    pub scroll: usize,
    pub filter: String,
    /// A filter dialog is open.
    pub filtering: bool,
    pub hide_offline: bool,
    pub collapsed: HashSet<String>,
    /// Rows in the last drawn list, for paging.
    page: usize,
    online: usize,
    total: usize,
    rebuilds: u64,
}

impl RosterView {
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// How often the rows were rebuilt; tests use it to prove caching.
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    fn needs_rebuild(&self, state: &State) -> bool {
        self.stale || self.built_rev != Some(state.roster_rev)
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
    fn of(state: &State, jid: &BareJid, subscribed_to: bool) -> Shown {
        match state.presence.availability(jid) {
            Availability::Offline if !subscribed_to => Shown::Unknown,
            known => Shown::Known(known),
        }
    }

    fn rank(self) -> u8 {
        match self {
            Shown::Known(a) => a.rank(),
            Shown::Unknown => Availability::Offline.rank(),
        }
    }

    fn is_available(self) -> bool {
        !matches!(
            self,
            Shown::Unknown | Shown::Known(Availability::Offline | Availability::Error)
        )
    }

    fn span(self, theme: &Theme) -> Span<'static> {
        match self {
            Shown::Known(a) => Span::styled(mark(a), theme.availability(a)),
            Shown::Unknown => Span::styled("?", theme.dim()),
        }
    }
}

/// The name a contact is shown and sorted by: its roster name, else its JID.
fn display_name(item: &RosterItem) -> String {
    one_line(item.name.as_deref().unwrap_or(item.jid.as_str()))
}

/// Rebuilds the rows if the store or the view settings changed.
fn ensure_rows(view: &mut RosterView, state: &State) {
    if view.needs_rebuild(state) {
        rebuild(view, state);
    }
}

/// Builds the row list, keeping the selection on the same row (or the same
/// contact in another group) when it still exists.
fn rebuild(view: &mut RosterView, state: &State) {
    let keep = view.rows.get(view.selected).cloned();
    let needle = view.filter.to_lowercase();
    let matches = |text: &str| needle.is_empty() || text.to_lowercase().contains(&needle);
    let mut rows = Vec::new();

    let devices: Vec<Row> = state
        .own_resources
        .sorted_resources()
        .into_iter()
        .filter(|(resource, _)| matches(resource))
        .map(|(resource, _)| Row::Device {
            resource: resource.to_owned(),
        })
        .collect();
    let total = devices.len();
    push_section(view, &mut rows, Section::Devices, total, total, devices);

    let requests: Vec<Row> = state
        .pending
        .list()
        .into_iter()
        .filter(|r| !state.roster.contains(&r.jid) && matches(r.jid.as_str()))
        .map(|r| Row::Request { jid: r.jid.clone() })
        .collect();
    let total = requests.len();
    push_section(view, &mut rows, Section::Requests, total, 0, requests);

    // Per contact once: sort key and availability; groups borrow these.
    struct Entry<'a> {
        item: &'a RosterItem,
        rank: u8,
        name: String,
        available: bool,
        named: bool,
    }
    let mut entries: Vec<Entry<'_>> = state
        .roster
        .items()
        .map(|item| {
            let shown = Shown::of(state, &item.jid, item.subscription.has_to());
            let name = display_name(item).to_lowercase();
            let named = matches(&name) || matches(item.jid.as_str());
            Entry {
                item,
                rank: shown.rank(),
                name,
                available: shown.is_available(),
                named,
            }
        })
        .collect();
    entries.sort_by(|a, b| (a.rank, &a.name, &a.item.jid).cmp(&(b.rank, &b.name, &b.item.jid)));
    view.total = entries.len();
    view.online = entries.iter().filter(|e| e.available).count();

    let mut groups: BTreeMap<(String, &str), Vec<&Entry<'_>>> = BTreeMap::new();
    let mut ungrouped = Vec::new();
    for entry in &entries {
        if entry.item.groups.is_empty() {
            if entry.named {
                ungrouped.push(entry);
            }
            continue;
        }
        for group in &entry.item.groups {
            if entry.named || matches(group) {
                groups
                    .entry((group.to_lowercase(), group.as_str()))
                    .or_default()
                    .push(entry);
            }
        }
    }
    let listed = groups
        .into_iter()
        .map(|((_, name), list)| (Some(name), list))
        .chain(std::iter::once((None, ungrouped)));
    for (group, list) in listed {
        let online = list.iter().filter(|e| e.available).count();
        let hide = view.hide_offline;
        let section = group.map_or(Section::Ungrouped, |g| Section::Group(g.to_owned()));
        let contacts = list
            .iter()
            .filter(|e| !hide || e.available)
            .map(|e| Row::Contact {
                jid: e.item.jid.clone(),
                group: group.map(str::to_owned),
            });
        push_section(view, &mut rows, section, list.len(), online, contacts);
    }

    view.selected = keep
        .and_then(|old| {
            rows.iter().position(|r| r.same_as(&old)).or_else(|| {
                let jid = old.jid()?;
                rows.iter().position(|r| r.jid() == Some(jid))
            })
        })
        .unwrap_or(view.selected)
        .min(rows.len().saturating_sub(1));
    view.rows = rows;
    view.built_rev = Some(state.roster_rev);
    view.stale = false;
    view.rebuilds += 1;
}

/// Adds a header and, unless folded, its rows; an empty section is left out.
fn push_section(
    view: &RosterView,
    rows: &mut Vec<Row>,
    section: Section,
    total: usize,
    online: usize,
    members: impl IntoIterator<Item = Row>,
) {
    if total == 0 {
        return;
    }
    let collapsed = view.collapsed.contains(section.key());
    rows.push(Row::Group {
        section,
        total,
        online,
        collapsed,
    });
    if !collapsed {
        rows.extend(members);
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

fn row_spans(state: &State, theme: &Theme, row: &Row, width: usize) -> Vec<Span<'static>> {
    match row {
        Row::Group {
            section,
            total,
            online,
            collapsed,
        } => {
            let fold = if *collapsed { "▸" } else { "▾" };
            let count = match section {
                Section::Group(_) | Section::Ungrouped => format!(" {online}/{total}"),
                Section::Devices | Section::Requests => format!(" {total}"),
            };
            compose(
                Span::styled(fold, Style::default().fg(theme.accent)),
                &section.title(),
                Style::default().add_modifier(Modifier::BOLD),
                None,
                vec![Span::styled(count, theme.dim())],
                width,
            )
        }
        Row::Contact { jid, .. } => match state.roster.get(jid) {
            Some(item) => contact_spans(state, theme, item, width),
            None => Vec::new(),
        },
        Row::Request { jid } => {
            let shown = Shown::of(state, jid, false);
            let greeting = state
                .pending
                .list()
                .into_iter()
                .find(|r| &r.jid == jid)
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
        Row::Device { resource } => {
            let Some(r) = state.own_resources.resources.get(resource) else {
                return Vec::new();
            };
            let status = r.status.as_deref().map(one_line);
            compose(
                Shown::Known(Availability::from_show(r.show)).span(theme),
                &one_line(resource),
                Style::default().fg(theme.own),
                status.as_deref().map(|s| (s, theme.dim())),
                Vec::new(),
                width,
            )
        }
    }
}

fn contact_spans(
    state: &State,
    theme: &Theme,
    item: &RosterItem,
    width: usize,
) -> Vec<Span<'static>> {
    let jid = &item.jid;
    let shown = Shown::of(state, jid, item.subscription.has_to());
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
    let mut hints = String::new();
    if state.pending.contains(jid) {
        hints.push('⇠');
    }
    if item.ask {
        hints.push('⇢');
    }
    if !item.subscription.has_from() && !state.pending.contains(jid) {
        hints.push(if state.is_preapproved(jid) {
            '✓'
        } else {
            '⊘'
        });
    }
    if !hints.is_empty() {
        let style = if state.pending.contains(jid) {
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
        &display_name(item),
        Style::default(),
        status.as_deref().map(|s| (s, theme.dim())),
        suffix,
        width,
    )
}

fn title(view: &RosterView) -> String {
    let mut title = format!(" Roster {}/{} ", view.online, view.total);
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
    view.selected = view.selected.min(view.rows.len().saturating_sub(1));
    if view.selected < view.scroll {
        view.scroll = view.selected;
    } else if view.selected >= view.scroll + height {
        view.scroll = view.selected + 1 - height;
    }
    view.scroll = view.scroll.min(view.rows.len().saturating_sub(height));
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
    ensure_rows(roster, state);

    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(title(roster), theme.title(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let show_hint = focused && inner.height >= HINT_MIN_HEIGHT;
    let list_height = inner.height.saturating_sub(u16::from(show_hint));
    roster.page = list_height as usize;
    keep_visible(roster, roster.page);

    let lines: Vec<Line<'static>> = if roster.rows.is_empty() {
        let empty = if !roster.filter.is_empty() {
            "no match"
        } else if roster.hide_offline && roster.total > 0 {
            "nobody online"
        } else {
            "no contacts"
        };
        vec![Line::styled(fit(empty, width).into_owned(), theme.dim())]
    } else {
        let end = (roster.scroll + roster.page).min(roster.rows.len());
        (roster.scroll..end)
            .map(|i| {
                let line = Line::from(row_spans(state, theme, &roster.rows[i], width));
                if focused && i == roster.selected {
                    line.patch_style(theme.selected())
                } else {
                    line
                }
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
    view.roster.rows.get(view.roster.selected)?.jid().cloned()
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
fn toggle_group(roster: &mut RosterView) {
    let Some(header) = roster
        .rows
        .iter()
        .take(roster.selected + 1)
        .rposition(|r| matches!(r, Row::Group { .. }))
    else {
        return;
    };
    if let Row::Group { section, .. } = &roster.rows[header] {
        let key = section.key().to_owned();
        if !roster.collapsed.remove(&key) {
            roster.collapsed.insert(key);
        }
        roster.selected = header;
        roster.stale = true;
    }
}

pub fn handle(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    ensure_rows(&mut view.roster, state);
    let roster = &mut view.roster;
    let last = roster.rows.len().saturating_sub(1);
    let page = roster.page.max(1);
    match action {
        UiAction::Up => roster.selected = roster.selected.saturating_sub(1),
        UiAction::Down => roster.selected = (roster.selected + 1).min(last),
        UiAction::PageUp => {
            roster.selected = roster.selected.saturating_sub(page);
            roster.scroll = roster.scroll.saturating_sub(page);
        }
        UiAction::PageDown => {
            roster.selected = (roster.selected + page).min(last);
            roster.scroll += page;
        }
        UiAction::Top => roster.selected = 0,
        UiAction::Bottom => roster.selected = last,
        UiAction::ToggleOffline => {
            roster.hide_offline = !roster.hide_offline;
            roster.stale = true;
        }
        UiAction::Filter => {
            roster.filtering = true;
            view.overlay = Some(Overlay::entry(EntryKind::Filter, &roster.filter));
        }
        UiAction::ToggleGroup => toggle_group(roster),
        _ => return act_on_row(view, state, action),
    }
    if !roster.stale {
        keep_visible(roster, page);
    }
    Vec::new()
}

/// The actions that need the selected row.
fn act_on_row(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    let Some(row) = view.roster.rows.get(view.roster.selected).cloned() else {
        return Vec::new();
    };
    let command = |action: Action| vec![Request::Command(action)];
    if let Row::Group { .. } = row {
        if action == UiAction::Open {
            toggle_group(&mut view.roster);
        }
        return Vec::new();
    }
    if let Row::Device { resource } = &row {
        // Another device of ours: Enter chats with it; nothing else applies.
        let own = state.jid.as_ref().map(|j| j.to_bare());
        let to = own.and_then(|own| own.with_resource_str(resource).ok());
        let Some(to) = to.filter(|_| action == UiAction::Open) else {
            return Vec::new();
        };
        view.focus = Focus::Input;
        return command(Action::Message {
            to: Jid::from(to),
            body: None,
        });
    }
    let Some(jid) = row.jid().cloned() else {
        return Vec::new();
    };
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
                let groups: Vec<String> = item.groups.iter().map(|g| one_line(g)).collect();
                view.overlay = Some(Overlay::entry(EntryKind::Groups(jid), &groups.join(",")));
            }
            Vec::new()
        }
        UiAction::Remove => {
            if item.is_some() {
                view.overlay = Some(Overlay::Confirm {
                    question: format!("Remove {} from your roster?", one_line(jid.as_str())),
                    action: Action::Remove { jid },
                });
            }
            Vec::new()
        }
        UiAction::Subscribe => command(Action::Subscribe {
            jid,
            greeting: None,
        }),
        UiAction::Unsubscribe => command(Action::Unsubscribe { jid }),
        UiAction::CancelTheirs => command(Action::Cancel { jid }),
        UiAction::Approve => command(Action::Approve { jid }),
        UiAction::Deny => command(Action::Deny { jid }),
        UiAction::DirectedPresence => {
            view.overlay = Some(Overlay::entry(EntryKind::Directed(jid), ""));
            Vec::new()
        }
        UiAction::Details => {
            view.overlay = Some(Overlay::Details { jid, scroll: 0 });
            Vec::new()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
