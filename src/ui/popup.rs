//! Overlays drawn over the panes: the help, subscription prompts (one
//! request, or the list of all of them), one-line dialogs, yes/no
//! questions, a contact's details and the invitations into rooms. Each is a centred box that clears
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
//! `draw_*` and a `*_key` function (here, or in a sibling file when it is
//! long: `help`, `details`, `password`, `invitations`), and a keymap context: the key
//! function looks keys up in the keymap and the hints are built from it
//! (`*_HINTS`), so they cannot disagree. `layout` holds the box and
//! listing helpers they share.

mod details;
mod help;
mod invitations;
mod layout;
mod notices;
mod password;

pub use password::SecretEntry;

use jid::BareJid;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListState, Paragraph};

use layout::{centred, frame_box, key_hints, key_style, room, to_u16};

use super::input::{self, InputLine, InputOutcome};
use super::keymap::{Context, Key, Keymap, UiAction};
use super::text::{truncate, width, wrap};
use super::theme::Theme;
use super::{Request, View};
use crate::app::State;
use crate::app::command::{self, Action};
use crate::app::subscription::update::subscription_state;
use crate::sanitize::{for_terminal, one_line};

/// Lines PageUp/PageDown move. Key handlers do not know the screen, and
/// this is most of a page at 80×24 with a few lines kept for context.
const PAGE: usize = 10;
/// A longer greeting is cut: the keys must stay on screen.
const MAX_GREETING_LINES: usize = 6;

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
    /// The invitations into rooms waiting for an answer (F5).
    Invitations { selected: usize },
    /// What the status line said, whole (F6); opens at the newest.
    Notices { scroll: usize },
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
        Overlay::Help { scroll } => help::help_key(&view.keymap, scroll, key),
        Overlay::Prompts { selected } => prompts_key(&view.keymap, state, selected, key),
        Overlay::Prompt { jid }
            if state.pending.contains(&jid)
                && view.keymap.lookup(Context::Prompt, key).is_none() =>
        {
            // Not an answer: the user is typing something else (a command
            // that starts with '/', a pane's key) into a screen the prompt
            // covered. The prompt steps aside, the request waits in the
            // list (F2), and the key goes where it was meant to go, so the
            // rest of what is typed can never answer it.
            view.prompt_grace_until = None;
            return super::handle_key_in_panes(view, state, key);
        }
        Overlay::Prompt { jid } => {
            // Just opened by itself: a key already on its way was meant for
            // something else, so it decides nothing. Only a key that cannot
            // be text and puts the prompt aside (Esc) still closes it.
            let fresh = view
                .prompt_grace_until
                .is_some_and(|until| std::time::Instant::now() < until);
            let puts_aside =
                key.is_chord() && view.keymap.lookup(Context::Prompt, key) == Some(UiAction::Later);
            if fresh && !puts_aside {
                stay(Overlay::Prompt { jid })
            } else {
                prompt_key(&view.keymap, state, jid, key)
            }
        }
        Overlay::Entry { kind, editor } => entry_key(view, state, kind, editor, key),
        Overlay::Confirm { question, action } => {
            // As a fresh prompt: only a key that cannot be text and says
            // "no" counts at first.
            let fresh = view
                .prompt_grace_until
                .is_some_and(|until| std::time::Instant::now() < until);
            let declines =
                key.is_chord() && view.keymap.lookup(Context::Confirm, key) == Some(UiAction::No);
            if fresh && !declines {
                stay(Overlay::Confirm { question, action })
            } else {
                confirm_key(&view.keymap, question, action, key)
            }
        }
        Overlay::Password(entry) => password::password_key(&view.keymap, entry, key),
        Overlay::Privacy(editor) => {
            view.overlay = Some(Overlay::Privacy(editor));
            let fresh = view
                .prompt_grace_until
                .is_some_and(|until| std::time::Instant::now() < until);
            if fresh && key.is_text() {
                return Vec::new();
            }
            return crate::ui::privacy::handle_key(view, state, key);
        }
        Overlay::Details { jid, scroll } => details::details_key(&view.keymap, jid, scroll, key),
        Overlay::Invitations { selected } => {
            invitations::invitations_key(&view.keymap, state, selected, key)
        }
        Overlay::Notices { scroll } => notices::notices_key(&view.keymap, scroll, key),
    };
    view.overlay = next;
    requests
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
    match editor.handle_key(&view.keymap, key) {
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
        Overlay::Help { scroll } => help::draw_help(frame, area, keymap, theme, scroll),
        Overlay::Prompts { selected } => draw_prompts(frame, area, state, keymap, theme, selected),
        Overlay::Invitations { selected } => {
            invitations::draw_invitations(frame, area, state, keymap, theme, selected)
        }
        Overlay::Prompt { jid } => draw_prompt(frame, area, state, keymap, theme, jid),
        Overlay::Entry { kind, editor } => draw_entry(frame, area, keymap, theme, kind, editor),
        Overlay::Confirm { question, .. } => draw_confirm(frame, area, keymap, theme, question),
        Overlay::Details { jid, scroll } => {
            details::draw_details(frame, area, state, keymap, theme, jid, scroll)
        }
        Overlay::Password(entry) => password::draw_password(frame, area, keymap, theme, entry),
        Overlay::Notices { scroll } => {
            notices::draw_notices(frame, area, state, keymap, theme, scroll)
        }
        Overlay::Privacy(editor) => {
            crate::ui::privacy::draw(frame, area, state, editor, keymap, theme)
        }
    }
}

/// A peer's words, quoted and made safe.
fn quoted(text: &str) -> String {
    format!("“{}”", one_line(text))
}

/// A titled box of `rows`, at most `max_width` wide and as tall as they
/// need, scrolled from `scroll` (clamped), with the scroll position and
/// `context`'s `hints` in its footer: the shape of every read-only listing.
#[allow(clippy::too_many_arguments)]
fn draw_scrolled_box(
    frame: &mut Frame<'_>,
    area: Rect,
    rows: &[layout::Row],
    max_width: u16,
    title: &str,
    (context, hints): (Context, &[UiAction]),
    (keymap, theme): (&Keymap, &Theme),
    scroll: &mut usize,
) {
    let box_width = room(area.width).min(max_width);
    let lines = layout::lay_out(rows, usize::from(box_width - 2), theme);
    let rect = centred(
        area,
        box_width,
        to_u16(lines.len() + 2).min(room(area.height)),
    );
    let page = usize::from(rect.height.saturating_sub(2));
    *scroll = (*scroll).min(lines.len().saturating_sub(page));
    let place = layout::position(*scroll, page, lines.len());
    let footer = scroll_hints(keymap, context, hints, &place, theme);
    let inner = frame_box(frame, rect, title, footer, theme);
    layout::draw_scrolled(frame, inner, lines, scroll);
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
    // Enter and Tab belong to the line editor (`input`), Esc to the dialog.
    let mut hints = keymap.hints(Context::Input, &[UiAction::Submit]);
    hints.extend(keymap.hints(Context::Entry, &[UiAction::Close]));
    if kind.command().is_some() {
        hints.extend(keymap.hints(Context::Input, &[UiAction::Complete]));
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

#[cfg(test)]
mod tests;
