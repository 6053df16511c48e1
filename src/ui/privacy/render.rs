//! Drawing the privacy editor: the Lists screen (or, without privacy
//! lists, the read-only blocklist), its dialogs, and the Rules screen with
//! its table. Reads the editor and `state.privacy`; changes nothing but
//! clamped selections. Every name and value from the server goes through
//! [`one_line`] (SEC-05).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, List, ListState, Paragraph, Row, Table, TableState,
};

use super::form::draw_form;
use super::{Dialog, Editor, Rules, STACKING_NOTE, Screen, names};
use crate::app::State;
use crate::sanitize::one_line;
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::text::{truncate, width, wrap};
use crate::ui::theme::Theme;
use crate::xmpp::stanza::privacy::{PrivacyItem, PrivacyList, StanzaKinds};

pub(super) fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// A box of at most `width`×`height`, centred in `area` with a margin when
/// there is room, cleared and framed; returns the inside.
pub(super) fn boxed(
    frame: &mut Frame<'_>,
    area: Rect,
    size: (u16, u16),
    title: &str,
    theme: &Theme,
) -> Rect {
    let margin = |total: u16| if total > 20 { total - 2 } else { total };
    let width = size.0.min(margin(area.width));
    let height = size.1.min(margin(area.height));
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title(true)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn key_style(theme: &Theme) -> Style {
    Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD)
}

/// What the Lists screen's hint lines offer, in order.
const LISTS_HINTS: &[UiAction] = &[
    UiAction::Edit,
    UiAction::NewList,
    UiAction::Activate,
    UiAction::MakeDefault,
    UiAction::Deactivate,
    UiAction::ClearDefault,
    UiAction::Delete,
    UiAction::Reload,
    UiAction::Close,
];
/// What the Rules screen's hint lines offer, in order.
const RULES_HINTS: &[UiAction] = &[
    UiAction::AddRule,
    UiAction::Edit,
    UiAction::MoveUp,
    UiAction::MoveDown,
    UiAction::Delete,
    UiAction::Save,
    UiAction::Reload,
    UiAction::Close,
];

/// Hints built from the keymap, as [`hint_lines`] takes them.
fn borrowed<'a>(hints: &'a [(String, &'static str)]) -> Vec<(&'a str, &'static str)> {
    hints.iter().map(|(k, w)| (k.as_str(), *w)).collect()
}

/// Key hints packed into as many lines of `columns` as they need.
pub(super) fn hint_lines(
    theme: &Theme,
    hints: &[(&str, &str)],
    columns: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (keys, what) in hints {
        let needed = width(keys) + 1 + width(what) + if used > 0 { 3 } else { 0 };
        if used > 0 && used + needed > columns {
            lines.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        if used > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
            used += 3;
        }
        spans.push(Span::styled((*keys).to_owned(), key_style(theme)));
        spans.push(Span::raw(format!(" {what}")));
        used += width(keys) + 1 + width(what);
    }
    if !spans.is_empty() {
        lines.push(Line::from(spans));
    }
    lines
}

pub(super) fn wrapped(text: &str, columns: usize, style: Style) -> Vec<Line<'static>> {
    wrap(&one_line(text), columns.max(1))
        .into_iter()
        .map(|row| Line::styled(row, style))
        .collect()
}

/// Draws the editor over `area`; mutable so the selection can be clamped
/// and a fetched list picked up.
pub fn draw(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    editor: &mut Editor,
    keymap: &Keymap,
    theme: &Theme,
) {
    // The status line stays visible: the store reports failures there.
    let area = if area.height >= 20 {
        Rect {
            height: area.height - 2,
            ..area
        }
    } else {
        area
    };
    editor.sync(state);
    let notice = editor.notice.clone();
    match &mut editor.screen {
        Screen::Lists(dialog) => {
            draw_lists(
                frame,
                area,
                state,
                &mut editor.selected,
                notice,
                keymap,
                theme,
            );
            if let Some(dialog) = dialog {
                draw_dialog(frame, area, state, dialog, keymap, theme);
            }
        }
        Screen::Rules(rules) => {
            draw_rules(frame, area, state, rules, notice, keymap, theme);
        }
    }
}

fn notice_lines(
    notice: Option<(String, bool)>,
    columns: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    notice
        .map(|(text, error)| {
            let style = if error { theme.error() } else { theme.dim() };
            wrapped(&text, columns, style)
        })
        .unwrap_or_default()
}

fn draw_lists(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    selected: &mut usize,
    notice: Option<(String, bool)>,
    keymap: &Keymap,
    theme: &Theme,
) {
    let privacy = &state.privacy;
    let box_width = if area.width >= 160 { 120 } else { 100 };
    let columns = usize::from(box_width.min(area.width).saturating_sub(4));
    if !privacy.support.privacy_lists {
        return draw_unsupported(frame, area, state, columns, keymap, theme);
    }
    let marks = privacy.names.clone().unwrap_or_default();
    let names = names(state);
    let widest = names.iter().map(|n| width(&one_line(n))).max().unwrap_or(0);
    let name_width = widest.min(columns / 2);
    let rows: Vec<Line<'static>> = names
        .iter()
        .map(|name| {
            let mut tags = Vec::new();
            if marks.active.as_ref() == Some(name) {
                tags.push(Span::styled("active", Style::default().fg(theme.online)));
            }
            if marks.default.as_ref() == Some(name) {
                if !tags.is_empty() {
                    tags.push(Span::raw(" "));
                }
                tags.push(Span::styled("default", Style::default().fg(theme.accent)));
            }
            let shown = truncate(&one_line(name), name_width);
            let pad = " ".repeat(name_width.saturating_sub(width(&shown)) + 2);
            let mut spans = vec![Span::raw(format!(" {shown}{pad}"))];
            spans.extend(tags);
            if let Some(list) = privacy.lists.get(name) {
                let n = list.items.len();
                let rules = if n == 1 {
                    "1 rule".into()
                } else {
                    format!("{n} rules")
                };
                spans.push(Span::styled(format!("  {rules}"), theme.dim()));
            }
            Line::from(spans)
        })
        .collect();
    let mut below: Vec<Line<'static>> = vec![Line::default()];
    let marker = |label: &str, name: &Option<String>, what: &str| {
        let name = name
            .as_deref()
            .map_or("none".to_owned(), |n| format!("“{}”", one_line(n)));
        Line::from(vec![
            Span::styled(format!("{label:<9}"), theme.dim()),
            Span::raw(format!("{name} {what}")),
        ])
    };
    below.push(marker("Active", &marks.active, "(this session only)"));
    below.push(marker(
        "Default",
        &marks.default,
        "(the whole account, offline too)",
    ));
    below.extend(wrapped(STACKING_NOTE, columns, theme.dim()));
    below.extend(notice_lines(notice, columns, theme));
    let hints = keymap.hints(Context::PrivacyLists, LISTS_HINTS);
    let hints = hint_lines(theme, &borrowed(&hints), columns);
    let heading = match (&privacy.names, names.len()) {
        (None, _) => "Fetching the list names from the server…".to_owned(),
        (Some(_), 0) => "The server holds no privacy lists. Press n to make one.".to_owned(),
        (Some(_), 1) => "1 privacy list on the server:".to_owned(),
        (Some(_), n) => format!("{n} privacy lists on the server:"),
    };
    let fixed = 1 + below.len() + 1 + hints.len();
    let height = to_u16(fixed + rows.len().max(1) + 2);
    let inner = boxed(frame, area, (box_width, height), "Privacy lists", theme);
    let [top, list, rest, _, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(to_u16(below.len())),
        Constraint::Length(1),
        Constraint::Length(to_u16(hints.len())),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(heading), top);
    *selected = (*selected).min(rows.len().saturating_sub(1));
    let mut list_state =
        ListState::default().with_selected((!rows.is_empty()).then_some(*selected));
    frame.render_stateful_widget(
        List::new(rows).highlight_style(theme.selected()),
        list,
        &mut list_state,
    );
    frame.render_widget(Paragraph::new(below), rest);
    frame.render_widget(Paragraph::new(hints), keys);
}

/// PRIV-01: without privacy lists there is nothing to edit; the blocklist,
/// when the server has one, is shown read-only.
fn draw_unsupported(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    columns: usize,
    keymap: &Keymap,
    theme: &Theme,
) {
    let support = state.privacy.support;
    let mut lines = wrapped(
        "This server does not support privacy lists (jabber:iq:privacy), so there is nothing to edit here.",
        columns,
        Style::default(),
    );
    if !support.known {
        lines.extend(wrapped(
            "It has not said what it supports yet; this view updates when it does.",
            columns,
            theme.dim(),
        ));
    }
    if support.blocking {
        lines.push(Line::default());
        lines.extend(wrapped(
            "It offers the blocking command instead. Your blocklist (read-only here; use /block JID and /unblock JID to change it):",
            columns,
            Style::default(),
        ));
        match &state.privacy.blocklist {
            None => lines.push(Line::styled("  (not fetched yet)", theme.dim())),
            Some(list) if list.is_empty() => {
                lines.push(Line::styled("  (nobody is blocked)", theme.dim()))
            }
            Some(list) => lines.extend(
                list.iter()
                    .map(|jid| Line::raw(format!("  {}", one_line(&jid.to_string())))),
            ),
        }
    }
    lines.push(Line::default());
    let hints = keymap.hints(Context::PrivacyLists, &[UiAction::Close]);
    lines.extend(hint_lines(theme, &borrowed(&hints), columns));
    let height = to_u16(lines.len() + 2);
    let inner = boxed(
        frame,
        area,
        (to_u16(columns + 4), height),
        "Privacy lists",
        theme,
    );
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A small question or name prompt over the Lists screen.
fn draw_dialog(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    dialog: &Dialog,
    keymap: &Keymap,
    theme: &Theme,
) {
    let columns = 60usize.min(usize::from(area.width.saturating_sub(6)));
    // The yes/no keys are the confirm context's, with this dialog's words.
    let answers = |yes: &'static str, no: &'static str| -> Vec<(String, &'static str)> {
        let first = |action| {
            keymap
                .keys_for(Context::Confirm, action)
                .first()
                .map(Key::to_string)
        };
        let mut hints = Vec::new();
        if let Some(key) = first(UiAction::Yes) {
            hints.push((key, yes));
        }
        if let Some(key) = first(UiAction::No) {
            hints.push((key, no));
        }
        hints
    };
    let (title, mut lines, hints) = match dialog {
        Dialog::Name(line) => {
            let mut lines = vec![
                Line::styled("Name of the new list:", theme.dim()),
                Line::default(),
            ];
            if let Some(problem) = line.problem() {
                lines.extend(wrapped(problem, columns, theme.error()));
            }
            // The line editor's submit and the entry context's cancel,
            // as in every one-line dialog.
            let mut hints = Vec::new();
            if let Some(key) = keymap.keys_for(Context::Input, UiAction::Submit).first() {
                hints.push((key.to_string(), "create"));
            }
            if let Some(key) = keymap.keys_for(Context::Entry, UiAction::Close).first() {
                hints.push((key.to_string(), "cancel"));
            }
            ("New list", lines, hints)
        }
        Dialog::Overwrite(name) => (
            "List exists",
            wrapped(
                &format!(
                    "A list named “{}” already exists. Saving a new list with that name replaces it. Start a new list anyway?",
                    one_line(name)
                ),
                columns,
                Style::default(),
            ),
            answers("start over", "choose another name"),
        ),
        Dialog::Delete(name) => {
            let marks = state.privacy.names.clone().unwrap_or_default();
            let mut text = format!(
                "Delete the privacy list “{}” from the server?",
                one_line(name)
            );
            if marks.active.as_ref() == Some(name) || marks.default.as_ref() == Some(name) {
                text.push_str(
                    " It is in use; the server may refuse until another list replaces it.",
                );
            }
            (
                "Delete list",
                wrapped(&text, columns, Style::default()),
                answers("delete", "keep"),
            )
        }
    };
    lines.push(Line::default());
    lines.extend(hint_lines(theme, &borrowed(&hints), columns));
    let inner = boxed(
        frame,
        area,
        (to_u16(columns + 2), to_u16(lines.len() + 2)),
        title,
        theme,
    );
    frame.render_widget(Paragraph::new(lines), inner);
    if let Dialog::Name(line) = dialog {
        let [_, row] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
        line.draw(frame, row, true);
    }
}

/// The stanza kinds a rule covers, in short words when `short`.
fn kinds_text(kinds: &StanzaKinds, short: bool) -> String {
    if kinds.is_all() {
        return "all".to_owned();
    }
    let names = [
        (kinds.message, "message", "msg"),
        (kinds.iq, "iq", "iq"),
        (kinds.presence_in, "presence-in", "p-in"),
        (kinds.presence_out, "presence-out", "p-out"),
    ];
    let on: Vec<&str> = names
        .iter()
        .filter(|(on, _, _)| *on)
        .map(|(_, long, brief)| if short { *brief } else { *long })
        .collect();
    on.join(" ")
}

fn rule_row(item: &PrivacyItem, short: bool) -> [String; 5] {
    let (kind, value) = match item.kind {
        None => ("-".to_owned(), "everyone".to_owned()),
        Some(kind) => (
            kind.as_str().to_owned(),
            one_line(item.value.as_deref().unwrap_or_default()),
        ),
    };
    [
        item.order.to_string(),
        item.action.as_str().to_owned(),
        kind,
        value,
        kinds_text(&item.stanzas, short),
    ]
}

fn draw_rules(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    rules: &mut Rules,
    notice: Option<(String, bool)>,
    keymap: &Keymap,
    theme: &Theme,
) {
    let inner = boxed(frame, area, (160, area.height), "Privacy list", theme);
    let columns = usize::from(inner.width);
    let marks = state.privacy.names.clone().unwrap_or_default();
    let mut head = vec![Span::styled(
        format!("“{}”", one_line(&rules.name)),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let active = marks.active.as_ref() == Some(&rules.name);
    let default = marks.default.as_ref() == Some(&rules.name);
    for (on, tag) in [(active, "active"), (default, "default"), (rules.new, "new")] {
        if on {
            head.push(Span::styled(format!(" · {tag}"), theme.dim()));
        }
    }
    if rules.dirty() {
        head.push(Span::styled(
            " · unsaved changes",
            Style::default().fg(theme.away),
        ));
    }
    let mut top = vec![Line::from(head)];
    // PRIV-18: a default list shadowed by an active one does nothing here.
    if default && !active && marks.active.is_some() {
        top.extend(wrapped(
            "Another list is active, so this default list does not apply to this session.",
            columns,
            theme.dim(),
        ));
    }
    let mut bottom: Vec<Line<'static>> = Vec::new();
    for (problem, warning) in rules.problems.iter().take(4) {
        let style = if *warning {
            Style::default().fg(theme.away)
        } else {
            theme.error()
        };
        let label = if *warning { "warning: " } else { "error: " };
        bottom.extend(wrapped(&format!("{label}{problem}"), columns, style));
    }
    bottom.extend(notice_lines(notice, columns, theme));
    let hints = if rules.working.is_some() {
        keymap.hints(Context::PrivacyRules, RULES_HINTS)
    } else {
        keymap.hints(Context::PrivacyRules, &[UiAction::Reload, UiAction::Close])
    };
    let hints = hint_lines(theme, &borrowed(&hints), columns);
    let [top_area, table_area, bottom_area, keys] = Layout::vertical([
        Constraint::Length(to_u16(top.len())),
        Constraint::Min(2),
        Constraint::Length(to_u16(bottom.len())),
        Constraint::Length(to_u16(hints.len())),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(top), top_area);
    frame.render_widget(Paragraph::new(bottom), bottom_area);
    frame.render_widget(Paragraph::new(hints), keys);
    let Some(working) = &rules.working else {
        let text = format!("Loading “{}” from the server…", one_line(&rules.name));
        frame.render_widget(
            Paragraph::new(wrapped(&text, columns, theme.dim())),
            table_area,
        );
        return;
    };
    if working.items.is_empty() {
        let add = keymap
            .keys_for(Context::PrivacyRules, UiAction::AddRule)
            .first()
            .map(|key| format!("Press {key} to add one; a"))
            .unwrap_or_else(|| "A".to_owned());
        let text = format!("No rules yet. {add} list needs at least one rule to be saved.");
        frame.render_widget(
            Paragraph::new(wrapped(&text, columns, theme.dim())),
            table_area,
        );
    } else {
        draw_table(frame, table_area, working, &mut rules.selected, theme);
    }
    if rules.ask_discard {
        let question = format!("Discard unsaved changes to {}?", one_line(&rules.name));
        let mut lines = wrapped(&question, 50, Style::default());
        lines.push(Line::default());
        let mut hints = Vec::new();
        for (action, what) in [(UiAction::Yes, "discard"), (UiAction::No, "keep editing")] {
            if let Some(key) = keymap.keys_for(Context::Discard, action).first() {
                hints.push((key.to_string(), what));
            }
        }
        lines.extend(hint_lines(theme, &borrowed(&hints), 50));
        let inner = boxed(
            frame,
            area,
            (54, to_u16(lines.len() + 2)),
            "Unsaved changes",
            theme,
        );
        frame.render_widget(Paragraph::new(lines), inner);
    }
    if let Some(form) = &rules.form {
        draw_form(frame, area, state, form, keymap, theme);
    }
}

fn draw_table(
    frame: &mut Frame<'_>,
    area: Rect,
    list: &PrivacyList,
    selected: &mut usize,
    theme: &Theme,
) {
    // Long kind names while they fit in a third of the width.
    let short = list
        .items
        .iter()
        .any(|i| width(&kinds_text(&i.stanzas, false)) > usize::from(area.width) / 3);
    let rows: Vec<[String; 5]> = list.items.iter().map(|i| rule_row(i, short)).collect();
    let widest = |i: usize, floor: usize| {
        rows.iter()
            .map(|r| width(&r[i]))
            .max()
            .unwrap_or(0)
            .max(floor)
    };
    let kinds = widest(4, 5).min(usize::from(area.width) / 3);
    let (order, kind) = (widest(0, 5), widest(2, 4));
    // The value gets what the others leave, but no more than it needs, so
    // the kinds stay next to it on a wide screen.
    let spare = usize::from(area.width).saturating_sub(order + 6 + kind + kinds + 8);
    let widths = [
        Constraint::Length(to_u16(order)),
        Constraint::Length(6),
        Constraint::Length(to_u16(kind)),
        Constraint::Length(to_u16(widest(3, 5).min(spare))),
        Constraint::Length(to_u16(kinds)),
    ];
    let header = Row::new(["Order", "Action", "Type", "Value", "Kinds"]).style(theme.title(true));
    let body = rows.into_iter().map(|cells| {
        let deny = cells[1] == "deny";
        Row::new(cells.into_iter().enumerate().map(|(i, text)| {
            let cell = Cell::from(text);
            if i == 1 && deny {
                cell.style(theme.error())
            } else {
                cell
            }
        }))
    });
    *selected = (*selected).min(list.items.len().saturating_sub(1));
    let mut table_state = TableState::default().with_selected(Some(*selected));
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(2)
        .row_highlight_style(theme.selected());
    frame.render_stateful_widget(table, area, &mut table_state);
}
