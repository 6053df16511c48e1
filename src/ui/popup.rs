//! Overlays drawn over the panes: the help, subscription prompts (one
//! request, or the list of all of them), one-line dialogs, yes/no
//! questions and a contact's details. Each is a centred box that clears
//! what is under it and shrinks to the screen (80×24 and up); long
//! content scrolls.
//!
//! While an overlay is open [`handle_key`] gets every key. It changes only
//! the view and returns [`Request`]s; the store is never touched here.
//! Text from the network (JIDs, names, greetings, statuses, errors) goes
//! through [`one_line`] before it is drawn (SEC-04, SEC-05), and greetings
//! are shown in quotes as the peer's words.
//!
//! In a subscription prompt `A` approves at once and opens the add dialog
//! with the JID filled in, so the user can name the contact (or cancel
//! the add and keep only the approval). A new overlay is a variant, a
//! `draw_*` and a `*_key` function here, and a keymap context: the key
//! function looks keys up in the keymap and the hints are built from it
//! (`*_HINTS`), so they cannot disagree. `layout` holds the box and
//! listing helpers they share.

mod layout;
mod password;

pub use password::SecretEntry;

use jid::BareJid;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListState, Paragraph};

use layout::{
    Row, centred, draw_scrolled, frame_box, key_hints, key_style, lay_out, position, room, to_u16,
};

use super::input::{self, InputLine, InputOutcome};
use super::keymap::{Context, Key, Keymap, UiAction};
use super::text::{truncate, width, wrap};
use super::theme::Theme;
use super::{Request, View};
use crate::app::State;
use crate::app::command::{self, Action};
use crate::app::presence::Availability;
use crate::app::subscription::update::subscription_state;
use crate::sanitize::{for_terminal, one_line};

/// Lines PageUp/PageDown move. Key handlers do not know the screen, and
/// this is most of a page at 80×24 with a few lines kept for context.
const PAGE: usize = 10;
/// A longer greeting is cut: the keys must stay on screen.
const MAX_GREETING_LINES: usize = 6;
/// Help goes side by side (keys | commands) from this screen width on.
const TWO_COLUMN_WIDTH: u16 = 150;

/// What a one-line dialog asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Add,
    Rename(BareJid),
    Groups(BareJid),
    Directed(BareJid),
    Filter,
}

impl EntryKind {
    fn title(&self) -> String {
        match self {
            EntryKind::Add => "Add contact".to_owned(),
            EntryKind::Rename(jid) => format!("Rename {}", one_line(jid.as_str())),
            EntryKind::Groups(jid) => format!("Groups of {}", one_line(jid.as_str())),
            EntryKind::Directed(jid) => format!("Presence to {}", one_line(jid.as_str())),
            EntryKind::Filter => "Filter the roster".to_owned(),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            EntryKind::Add => "Add contact: JID [NAME]",
            EntryKind::Rename(_) => "New name (empty shows the address)",
            EntryKind::Groups(_) => "Groups, comma separated (empty or - for none)",
            EntryKind::Directed(_) => "online|chat|away|xa|dnd|unavailable [TEXT]",
            EntryKind::Filter => "Show contacts whose name, address or group contains",
        }
    }

    /// The command line the text continues, for parsing and completion.
    fn command(&self) -> Option<String> {
        match self {
            EntryKind::Add => Some("/add ".to_owned()),
            EntryKind::Groups(jid) => Some(format!("/group {jid} ")),
            EntryKind::Directed(jid) => Some(format!("/presence {jid} ")),
            EntryKind::Rename(_) | EntryKind::Filter => None,
        }
    }
}

// One overlay at a time, moved once per key: boxing the editor would only
// add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Overlay {
    /// Every key and command; `scroll` is the first line shown.
    Help { scroll: usize },
    /// All pending subscription requests (F2).
    Prompts { selected: usize },
    /// One subscription request, raised when it arrives.
    Prompt { jid: BareJid },
    /// A one-line dialog; a refused text keeps it open with the reason in
    /// [`InputLine::problem`].
    Entry { kind: EntryKind, editor: InputLine },
    /// A yes/no question; yes runs `action`.
    Confirm { question: String, action: Action },
    /// Everything the store knows about a contact.
    Details { jid: BareJid, scroll: usize },
    /// The privacy-list editor, which keeps its own screens.
    Privacy(Box<crate::ui::privacy::Editor>),
    /// The password again, after the server refused it (CORE-12).
    Password(SecretEntry),
}

impl Overlay {
    pub fn entry(kind: EntryKind, initial: &str) -> Overlay {
        let mut editor = InputLine::single_line();
        editor.insert_text(initial);
        Overlay::Entry { kind, editor }
    }

    /// Pasted text goes into a dialog's editor; other overlays ignore it.
    pub fn paste(&mut self, text: &str) {
        match self {
            Overlay::Entry { editor, .. } => editor.insert_text(text),
            Overlay::Privacy(editor) => editor.paste(text),
            Overlay::Password(entry) => entry.paste(text),
            _ => {}
        }
    }
}

/// The overlay after a key (`None` closes it) and what the key asks for.
type Step = (Option<Overlay>, Vec<Request>);

fn stay(overlay: Overlay) -> Step {
    (Some(overlay), Vec::new())
}

fn close() -> Step {
    (None, Vec::new())
}

fn command_request(action: Action) -> Vec<Request> {
    vec![Request::Command(action)]
}

/// Handles a key while an overlay is open. The quit chord still works.
pub fn handle_key(view: &mut View, state: &State, key: Key) -> Vec<Request> {
    if view.keymap.lookup_typing(key) == Some(UiAction::Quit) {
        return command_request(Action::Quit { status: None });
    }
    let Some(overlay) = view.overlay.take() else {
        return Vec::new();
    };
    let (next, requests) = match overlay {
        Overlay::Help { scroll } => help_key(&view.keymap, scroll, key),
        Overlay::Prompts { selected } => prompts_key(&view.keymap, state, selected, key),
        Overlay::Prompt { jid } => {
            // Just opened by itself: a key already on its way was meant for
            // something else, so it decides nothing (Esc still closes).
            let fresh = view
                .prompt_grace_until
                .is_some_and(|until| std::time::Instant::now() < until);
            if fresh && !plain(key, KeyCode::Esc) {
                stay(Overlay::Prompt { jid })
            } else {
                prompt_key(&view.keymap, state, jid, key)
            }
        }
        Overlay::Entry { kind, editor } => entry_key(view, state, kind, editor, key),
        Overlay::Confirm { question, action } => confirm_key(&view.keymap, question, action, key),
        Overlay::Password(entry) => password::password_key(&view.keymap, entry, key),
        Overlay::Privacy(editor) => {
            view.overlay = Some(Overlay::Privacy(editor));
            return crate::ui::privacy::handle_key(view, state, key);
        }
        Overlay::Details { jid, scroll } => {
            let action = view.keymap.lookup(Context::Details, key);
            match scrolled(scroll, action) {
                Some(scroll) => stay(Overlay::Details { jid, scroll }),
                None if action == Some(UiAction::Close) => close(),
                None => stay(Overlay::Details { jid, scroll }),
            }
        }
    };
    view.overlay = next;
    requests
}

/// A plain key (no Ctrl or Alt) with this code.
fn plain(key: Key, code: KeyCode) -> bool {
    !key.ctrl && !key.alt && key.code == code
}

/// The new scroll position for a scrolling action, or `None` for other
/// actions. Drawing clamps it to the content.
fn scrolled(scroll: usize, action: Option<UiAction>) -> Option<usize> {
    Some(match action? {
        UiAction::Up => scroll.saturating_sub(1),
        UiAction::Down => scroll.saturating_add(1),
        UiAction::PageUp => scroll.saturating_sub(PAGE),
        UiAction::PageDown => scroll.saturating_add(PAGE),
        UiAction::Top => 0,
        UiAction::Bottom => usize::MAX,
        _ => return None,
    })
}

/// What the help overlay's hint line offers, in order.
const HELP_HINTS: &[UiAction] = &[UiAction::Up, UiAction::Close];
/// What the request prompt offers, in order.
const PROMPT_HINTS: &[UiAction] = &[
    UiAction::Approve,
    UiAction::ApproveAndAdd,
    UiAction::Deny,
    UiAction::Later,
];
const PROMPTS_HINTS: &[UiAction] = &[
    UiAction::Up,
    UiAction::Approve,
    UiAction::ApproveAndAdd,
    UiAction::Deny,
    UiAction::Read,
    UiAction::Close,
];
const CONFIRM_HINTS: &[UiAction] = &[UiAction::Yes, UiAction::No];
const DETAILS_HINTS: &[UiAction] = &[UiAction::Up, UiAction::Close];

fn help_key(keymap: &Keymap, scroll: usize, key: Key) -> Step {
    let action = keymap.lookup(Context::Help, key);
    if let Some(scroll) = scrolled(scroll, action) {
        return stay(Overlay::Help { scroll });
    }
    if action == Some(UiAction::Close) {
        return close();
    }
    stay(Overlay::Help { scroll })
}

/// The approve/deny answers shared by the prompt and the list; `None` for
/// other actions. `after` is the overlay left open by approve and deny.
fn answer(jid: &BareJid, action: Option<UiAction>, after: Option<Overlay>) -> Option<Step> {
    let approve = Action::Approve { jid: jid.clone() };
    match action? {
        UiAction::Approve => Some((after, command_request(approve))),
        UiAction::ApproveAndAdd => Some((
            Some(Overlay::entry(EntryKind::Add, &format!("{jid} "))),
            command_request(approve),
        )),
        UiAction::Deny => Some((after, command_request(Action::Deny { jid: jid.clone() }))),
        _ => None,
    }
}

fn prompt_key(keymap: &Keymap, state: &State, jid: BareJid, key: Key) -> Step {
    // Answered elsewhere meanwhile (INT-05): answering again would send a
    // pre-approval nobody asked for, so any key just closes.
    if !state.pending.contains(&jid) {
        return close();
    }
    let action = keymap.lookup(Context::Prompt, key);
    if let Some(step) = answer(&jid, action, None) {
        return step;
    }
    if action == Some(UiAction::Later) {
        return close();
    }
    stay(Overlay::Prompt { jid })
}

fn prompts_key(keymap: &Keymap, state: &State, selected: usize, key: Key) -> Step {
    let list = state.pending.list();
    let last = list.len().saturating_sub(1);
    let selected = selected.min(last);
    let list_at = |selected| Some(Overlay::Prompts { selected });
    let action = keymap.lookup(Context::Prompts, key);
    if let Some(request) = list.get(selected)
        && let Some(step) = answer(&request.jid, action, list_at(selected))
    {
        return step;
    }
    let selected = match action {
        Some(UiAction::Up) => selected.saturating_sub(1),
        Some(UiAction::Down) => (selected + 1).min(last),
        Some(UiAction::Top) => 0,
        Some(UiAction::Bottom) => last,
        Some(UiAction::Read) => {
            return match list.get(selected) {
                Some(request) => stay(Overlay::Prompt {
                    jid: request.jid.clone(),
                }),
                None => close(),
            };
        }
        Some(UiAction::Close) => return close(),
        _ => selected,
    };
    stay(Overlay::Prompts { selected })
}

fn confirm_key(keymap: &Keymap, question: String, action: Action, key: Key) -> Step {
    match keymap.lookup(Context::Confirm, key) {
        Some(UiAction::Yes) => (None, command_request(action)),
        Some(UiAction::No) => close(),
        _ => stay(Overlay::Confirm { question, action }),
    }
}

fn entry_key(
    view: &mut View,
    state: &State,
    kind: EntryKind,
    mut editor: InputLine,
    key: Key,
) -> Step {
    if view.keymap.lookup(Context::Entry, key) == Some(UiAction::Close) {
        return close();
    }
    let mut modifiers = KeyModifiers::NONE;
    if key.ctrl {
        modifiers |= KeyModifiers::CONTROL;
    }
    if key.alt {
        modifiers |= KeyModifiers::ALT;
    }
    match editor.handle_key(KeyEvent::new(key.code, modifiers)) {
        InputOutcome::Submitted(text) => match submit(view, &kind, &text) {
            Ok(requests) => return (None, requests),
            Err(problem) => {
                editor.set_text(&text);
                editor.set_problem(problem);
            }
        },
        InputOutcome::Complete => {
            if let Some(prefix) = kind.command() {
                input::complete_as(&mut editor, state, &prefix);
            }
        }
        InputOutcome::Edited | InputOutcome::Ignored => {}
    }
    stay(Overlay::Entry { kind, editor })
}

/// What Enter in a dialog asks for, or why the text cannot be used.
fn submit(view: &mut View, kind: &EntryKind, text: &str) -> Result<Vec<Request>, String> {
    let line = match kind {
        EntryKind::Rename(jid) => {
            let name = text.trim();
            return Ok(command_request(Action::Rename {
                jid: jid.clone(),
                name: (!name.is_empty()).then(|| name.to_owned()),
            }));
        }
        EntryKind::Filter => {
            super::roster::set_filter(view, text.trim());
            return Ok(Vec::new());
        }
        // "-" is how /group spells "no groups".
        EntryKind::Groups(jid) if text.trim().is_empty() => format!("/group {jid} -"),
        _ => format!("{}{text}", kind.command().unwrap_or_default()),
    };
    command::parse(&line)
        .map(command_request)
        .map_err(|e| e.to_string())
}

/// Draws the overlay over `area`. It is mutable so scroll positions and
/// selections can be clamped to what there is.
pub fn draw(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    overlay: &mut Overlay,
    keymap: &Keymap,
    theme: &Theme,
) {
    match overlay {
        Overlay::Help { scroll } => draw_help(frame, area, keymap, theme, scroll),
        Overlay::Prompts { selected } => draw_prompts(frame, area, state, keymap, theme, selected),
        Overlay::Prompt { jid } => draw_prompt(frame, area, state, keymap, theme, jid),
        Overlay::Entry { kind, editor } => draw_entry(frame, area, keymap, theme, kind, editor),
        Overlay::Confirm { question, .. } => draw_confirm(frame, area, keymap, theme, question),
        Overlay::Details { jid, scroll } => {
            draw_details(frame, area, state, keymap, theme, jid, scroll)
        }
        Overlay::Password(entry) => password::draw_password(frame, area, keymap, theme, entry),
        Overlay::Privacy(editor) => {
            crate::ui::privacy::draw(frame, area, state, editor, keymap, theme)
        }
    }
}

/// A peer's words, quoted and made safe.
fn quoted(text: &str) -> String {
    format!("“{}”", one_line(text))
}

/// The help rows: the keymap's keys by context, then the input line's
/// keys and the commands. Both come from their tables.
fn help_rows(keymap: &Keymap) -> (Vec<Row>, Vec<Row>) {
    let mut keys = Vec::new();
    let mut context = None;
    for (ctx, bound, help, name) in keymap.help_lines_named() {
        if context != Some(ctx) {
            if context.is_some() {
                keys.push(Row::Blank);
            }
            keys.push(Row::Heading(format!(
                "{}  [keys.{}]",
                ctx.title(),
                ctx.as_str()
            )));
            context = Some(ctx);
        }
        keys.push(Row::Pair(bound, format!("{help} ({name})")));
    }
    let mut other = vec![Row::Heading("Input line and dialogs".to_owned())];
    for (bound, help) in input::help_lines() {
        other.push(Row::Pair(bound, help.to_owned()));
    }
    other.push(Row::Blank);
    other.push(Row::Heading("Commands".to_owned()));
    for spec in command::COMMANDS {
        other.push(Row::Pair(spec.usage(), spec.summary.to_owned()));
    }
    other.push(Row::Text(
        "Text without a leading / goes to the open conversation. /help COMMAND tells more."
            .to_owned(),
    ));
    (keys, other)
}

fn draw_help(
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

/// A scrolling overlay's hint line: scrolling keys only when there is
/// more than fits, then the position.
fn scroll_hints(
    keymap: &Keymap,
    context: Context,
    actions: &[UiAction],
    place: &str,
    theme: &Theme,
) -> Line<'static> {
    let mut hints = keymap.hints(context, actions);
    if place.is_empty() {
        hints.retain(|(_, what)| *what != "scroll");
    } else {
        hints.push((place.to_owned(), ""));
    }
    owned_hints(theme, &hints)
}

/// [`key_hints`] for hints built from the keymap.
fn owned_hints(theme: &Theme, hints: &[(String, &str)]) -> Line<'static> {
    let pairs: Vec<(&str, &str)> = hints.iter().map(|(k, w)| (k.as_str(), *w)).collect();
    key_hints(theme, &pairs)
}

fn draw_prompt(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    jid: &BareJid,
) {
    let box_width = room(area.width).min(72);
    let columns = usize::from(box_width.saturating_sub(2));
    let shown_jid = one_line(jid.as_str());
    let mut lines = vec![Line::styled(
        shown_jid.clone(),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let request = state.pending.get(jid);
    let footer = match request {
        None => {
            lines.push(Line::styled("This request has been answered.", theme.dim()));
            key_hints(theme, &[("any key", "close")])
        }
        Some(request) => {
            lines.push(Line::raw(
                "asks to see your presence (when you are online, away…).",
            ));
            let roster = match state.roster.get(jid) {
                Some(item) => format!(
                    "In your roster as {}; subscription: {}.",
                    item.name.as_deref().map_or(shown_jid, quoted),
                    subscription_state(Some(item), false)
                ),
                None => "Not in your roster.".to_owned(),
            };
            lines.extend(wrap(&roster, columns).into_iter().map(Line::raw));
            lines.push(Line::default());
            lines.extend(greeting_lines(request.greeting.as_deref(), columns, theme));
            lines.push(Line::default());
            for (keys, what) in keymap.hints_all_keys(Context::Prompt, PROMPT_HINTS) {
                lines.push(Line::from(vec![
                    Span::styled(format!("{keys:>5}"), key_style(theme)),
                    Span::raw(format!("  {what}")),
                ]));
            }
            let others = state.pending.len() - 1;
            if others > 0 {
                lines.push(Line::styled(
                    format!("{others} more waiting."),
                    Style::default().fg(theme.away),
                ));
            }
            Line::default()
        }
    };
    let rect = centred(area, box_width, to_u16(lines.len() + 2));
    let inner = frame_box(frame, rect, "Subscription request", footer, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The greeting, marked as the peer's own words: quoted, made safe, and
/// cut after a few lines.
fn greeting_lines(greeting: Option<&str>, columns: usize, theme: &Theme) -> Vec<Line<'static>> {
    let text = greeting.map(one_line).unwrap_or_default();
    if text.trim().is_empty() {
        return vec![Line::styled("They sent no message.", theme.dim())];
    }
    let mut lines = vec![Line::styled(
        "Their message, as they wrote it:",
        theme.dim(),
    )];
    let mut rows = wrap(&quoted(text.trim()), columns.saturating_sub(2).max(1));
    if rows.len() > MAX_GREETING_LINES {
        rows.truncate(MAX_GREETING_LINES);
        if let Some(last) = rows.last_mut() {
            *last = format!("{}…”", truncate(last, columns.saturating_sub(4)));
        }
    }
    let style = Style::default().add_modifier(Modifier::ITALIC);
    lines.extend(
        rows.into_iter()
            .map(|row| Line::styled(format!("  {row}"), style)),
    );
    lines
}

fn draw_prompts(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    selected: &mut usize,
) {
    let list = state.pending.list();
    let box_width = room(area.width).min(100);
    let columns = usize::from(box_width.saturating_sub(2));
    let header = match list.len() {
        0 => "No pending subscription requests.".to_owned(),
        1 => "1 request to see your presence:".to_owned(),
        n => format!("{n} requests to see your presence:"),
    };
    let items: Vec<Line<'static>> = list
        .iter()
        .map(|request| {
            let greeting = match request.greeting.as_deref().map(one_line) {
                Some(text) if !text.trim().is_empty() => quoted(text.trim()),
                _ => "(no message)".to_owned(),
            };
            let jid = one_line(request.jid.as_str());
            let rest = columns.saturating_sub(width(&jid) + 2);
            Line::from(vec![
                Span::styled(jid, Style::default().add_modifier(Modifier::BOLD)),
                Span::raw(format!("  {}", truncate(&greeting, rest))),
            ])
        })
        .collect();
    let footer = if list.is_empty() {
        owned_hints(theme, &keymap.hints(Context::Prompts, &[UiAction::Close]))
    } else {
        owned_hints(theme, &keymap.hints(Context::Prompts, PROMPTS_HINTS))
    };
    let rect = centred(
        area,
        box_width,
        to_u16(items.len() + 4).min(room(area.height)),
    );
    let inner = frame_box(frame, rect, "Subscription requests", footer, theme);
    let [top, _, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(header), top);
    *selected = (*selected).min(list.len().saturating_sub(1));
    let mut list_state =
        ListState::default().with_selected((!items.is_empty()).then_some(*selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        rest,
        &mut list_state,
    );
}

fn draw_entry(
    frame: &mut Frame<'_>,
    area: Rect,
    keymap: &Keymap,
    theme: &Theme,
    kind: &EntryKind,
    editor: &InputLine,
) {
    let box_width = room(area.width).min(80);
    let columns = usize::from(box_width.saturating_sub(2));
    let problem: Vec<String> = editor
        .problem()
        .map(|p| wrap(&one_line(p), columns))
        .unwrap_or_default();
    // Enter and Tab belong to the line editor, whose table is in `input`.
    let mut hints = vec![("Enter".to_owned(), "apply")];
    hints.extend(keymap.hints(Context::Entry, &[UiAction::Close]));
    if kind.command().is_some() {
        hints.push(("Tab".to_owned(), "complete"));
    }
    let rect = centred(area, box_width, to_u16(problem.len() + 4));
    let inner = frame_box(
        frame,
        rect,
        &kind.title(),
        owned_hints(theme, &hints),
        theme,
    );
    let [label, line, below] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::styled(kind.label(), theme.dim())),
        label,
    );
    editor.draw(frame, line, true);
    let problem: Vec<Line<'static>> = problem
        .into_iter()
        .map(|p| Line::styled(p, theme.error()))
        .collect();
    frame.render_widget(Paragraph::new(problem), below);
}

fn draw_confirm(frame: &mut Frame<'_>, area: Rect, keymap: &Keymap, theme: &Theme, question: &str) {
    let box_width = room(area.width).min(64);
    let columns = usize::from(box_width.saturating_sub(2));
    let mut lines: Vec<Line<'static>> = for_terminal(question)
        .split('\n')
        .flat_map(|line| wrap(line, columns))
        .map(Line::raw)
        .collect();
    lines.push(Line::default());
    let mut answers = Vec::new();
    for (keys, what) in keymap.hints(Context::Confirm, CONFIRM_HINTS) {
        if !answers.is_empty() {
            answers.push(Span::raw("    "));
        }
        answers.push(Span::styled(keys, key_style(theme)));
        answers.push(Span::raw(format!(" {what}")));
    }
    lines.push(Line::from(answers));
    let rect = centred(area, box_width, to_u16(lines.len() + 2));
    let inner = frame_box(frame, rect, "Confirm", Line::default(), theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_details(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    jid: &BareJid,
    scroll: &mut usize,
) {
    let box_width = room(area.width).min(100);
    let lines = lay_out(&details_rows(state, jid), usize::from(box_width - 2), theme);
    let rect = centred(
        area,
        box_width,
        to_u16(lines.len() + 2).min(room(area.height)),
    );
    let page = usize::from(rect.height.saturating_sub(2));
    *scroll = (*scroll).min(lines.len().saturating_sub(page));
    let place = position(*scroll, page, lines.len());
    let footer = scroll_hints(keymap, Context::Details, DETAILS_HINTS, &place, theme);
    let inner = frame_box(frame, rect, "Contact", footer, theme);
    draw_scrolled(frame, inner, lines, scroll);
}

/// Everything the store knows about `jid`, like `/contact` prints it.
fn details_rows(state: &State, jid: &BareJid) -> Vec<Row> {
    let pair = |label: &str, value: String| Row::Pair(label.to_owned(), value);
    let item = state.roster.get(jid);
    let mut rows = vec![Row::Heading(one_line(jid.as_str()))];
    match item {
        Some(item) => {
            rows.push(pair(
                "name",
                item.name.as_deref().map_or("-".to_owned(), one_line),
            ));
            let groups: Vec<String> = state.roster.group_names(item).map(one_line).collect();
            let groups = if groups.is_empty() {
                "-".to_owned()
            } else {
                groups.join(", ")
            };
            rows.push(pair("groups", groups));
        }
        None => rows.push(pair("roster", "not in your roster".to_owned())),
    }
    let request = state.pending.get(jid);
    let mut subscription = subscription_state(item, request.is_some());
    if state.is_preapproved(jid) {
        subscription.push_str(" + pre-approved");
    }
    rows.push(pair("subscription", subscription));
    if let Some(greeting) = request.and_then(|r| r.greeting.as_deref()) {
        rows.push(pair("their request", quoted(greeting)));
    }
    let entity = state.presence.get(jid);
    // INT-02: without a subscription to them, "offline" would be a guess.
    let known = item.is_some_and(|i| i.subscription.has_to()) || entity.is_some();
    let presence = if known {
        state.presence.availability(jid).as_str()
    } else {
        "unknown (no subscription)"
    };
    rows.push(pair("presence", presence.to_owned()));
    if let Some(entity) = entity {
        if let Some(error) = &entity.error {
            rows.push(pair("unreachable", one_line(&error.to_string())));
        }
        if entity.resources.is_empty()
            && let Some(status) = &entity.last_status
        {
            rows.push(pair("last status", quoted(status)));
        }
        let resources = entity.sorted_resources();
        if !resources.is_empty() {
            rows.push(Row::Blank);
            rows.push(Row::Heading(format!("Resources ({})", resources.len())));
        }
        for (name, resource) in resources {
            let status = resource
                .status
                .as_deref()
                .map(|s| format!(", {}", quoted(s)));
            rows.push(Row::Pair(
                format!("/{}", one_line(name)),
                format!(
                    "{}, priority {}{}",
                    Availability::from_show(resource.show).as_str(),
                    resource.priority,
                    status.unwrap_or_default()
                ),
            ));
        }
    }
    let held: Vec<_> = state
        .directed
        .iter()
        .filter(|(to, _)| {
            to.as_str() == jid.as_str()
                || to
                    .strip_prefix(jid.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
        .collect();
    if !held.is_empty() {
        rows.push(Row::Blank);
        rows.push(Row::Heading("Directed presence you sent".to_owned()));
    }
    for (to, own) in held {
        let status = own.status.as_deref().map(|s| format!(", {}", quoted(s)));
        rows.push(Row::Pair(
            one_line(to),
            format!(
                "{}{}",
                Availability::from_show(own.show).as_str(),
                status.unwrap_or_default()
            ),
        ));
    }
    rows
}

#[cfg(test)]
mod tests;
