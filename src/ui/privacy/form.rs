//! The rule form of the privacy editor: one rule's action, type, value
//! (completed from the roster), stanza kinds and order, checked against
//! PRIV-06 and PRIV-07 before it goes into the working copy. It edits only
//! the editor's [`Rules`]; nothing here sends anything. Draws itself over
//! the Rules screen with the helpers in `render`.

use jid::Jid;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::render::{boxed, hint_lines, to_u16, wrapped};
use super::{ORDER_STEP, Rules, SUBSCRIPTIONS};
use crate::app::State;
use crate::sanitize::one_line;
use crate::ui::input::{self, InputLine, InputOutcome};
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::theme::Theme;
use crate::xmpp::stanza::privacy::{
    ItemType, PrivacyAction, PrivacyItem, PrivacyList, StanzaKinds,
};

/// Which field of the rule form has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    Action,
    Type,
    Value,
    Kinds,
    Order,
}

const FIELDS: [Field; 5] = [
    Field::Action,
    Field::Type,
    Field::Value,
    Field::Kinds,
    Field::Order,
];

/// What the form changes when it is applied.
#[derive(Debug)]
pub(super) enum Target {
    Edit(usize),
    /// A new rule; `Some` holds the rules renumbered to make room after the
    /// selected one (PRIV-07), taken only if the form is applied.
    New(Option<Vec<PrivacyItem>>),
}

#[derive(Debug)]
pub(super) struct RuleForm {
    pub(super) target: Target,
    field: Field,
    action: PrivacyAction,
    kind: Option<ItemType>,
    value: InputLine,
    kinds: StanzaKinds,
    order: InputLine,
    problem: Option<String>,
}

impl RuleForm {
    pub(super) fn new(target: Target, item: &PrivacyItem) -> RuleForm {
        let mut value = InputLine::single_line();
        value.insert_text(item.value.as_deref().unwrap_or_default());
        let mut order = InputLine::single_line();
        order.insert_text(&item.order.to_string());
        RuleForm {
            field: if item.kind.is_some() {
                Field::Value
            } else {
                Field::Action
            },
            target,
            action: item.action,
            kind: item.kind,
            value,
            kinds: item.stanzas,
            order,
            problem: None,
        }
    }

    /// The next (or previous) field; the value is skipped for a
    /// fall-through rule, which has none.
    fn step(&mut self, forward: bool) {
        let at = FIELDS.iter().position(|f| *f == self.field).unwrap_or(0);
        let n = FIELDS.len();
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.field = FIELDS[next];
        if self.field == Field::Value && self.kind.is_none() {
            self.step(forward);
        }
    }

    pub(super) fn text_field(&mut self) -> Option<&mut InputLine> {
        match self.field {
            Field::Value => Some(&mut self.value),
            Field::Order => Some(&mut self.order),
            _ => None,
        }
    }
}

/// A form for a new rule after the selected one, with an order between it
/// and the next; when there is no room the list is renumbered (PRIV-07).
pub(super) fn new_rule_form(list: &PrivacyList, after: Option<usize>) -> RuleForm {
    let fits = |items: &[PrivacyItem]| -> Option<u32> {
        let Some(at) = after else {
            return match items.first() {
                Some(first) if first.order > 0 => Some(first.order / 2),
                Some(_) => None,
                None => Some(ORDER_STEP),
            };
        };
        let here = items[at].order;
        match items.get(at + 1) {
            Some(next) if next.order.saturating_sub(here) >= 2 => {
                Some(here + (next.order - here) / 2)
            }
            Some(_) => None,
            None => here.checked_add(ORDER_STEP),
        }
    };
    let (order, renumbered) = match fits(&list.items) {
        Some(order) => (order, None),
        None => {
            let mut spaced = list.clone();
            spaced.renumber();
            (
                fits(&spaced.items).unwrap_or(ORDER_STEP / 2),
                Some(spaced.items),
            )
        }
    };
    let blank = PrivacyItem {
        kind: Some(ItemType::Jid),
        value: None,
        action: PrivacyAction::Deny,
        order,
        stanzas: StanzaKinds::default(),
    };
    RuleForm::new(Target::New(renumbered), &blank)
}

/// A key in the rule form; `None` closes it.
pub(super) fn form_key(
    rules: &mut Rules,
    state: &State,
    mut form: RuleForm,
    keymap: &Keymap,
    key: Key,
) -> Option<RuleForm> {
    let action = keymap.lookup(Context::PrivacyForm, key);
    if action == Some(UiAction::Close) {
        return None;
    }
    if action == Some(UiAction::Submit) {
        return match apply(rules, state, &form) {
            Ok(()) => None,
            Err(problem) => {
                form.problem = Some(problem);
                Some(form)
            }
        };
    }
    let choice = matches!(action, Some(UiAction::NextChoice | UiAction::PrevChoice));
    let tick = matches!(
        action,
        Some(
            UiAction::TickMessages
                | UiAction::TickIq
                | UiAction::TickPresenceIn
                | UiAction::TickPresenceOut
        )
    );
    match action {
        // A key that also completes in the line editor (Tab) completes the
        // value first; other keys for the action only move.
        Some(UiAction::NextField) => {
            let completes = keymap.lookup(Context::Input, key) == Some(UiAction::Complete);
            if !(completes && form.field == Field::Value && complete(&mut form, state)) {
                form.step(true);
            }
        }
        Some(UiAction::PrevField) => form.step(false),
        Some(tick_action) if tick && form.text_field().is_none() => {
            let kinds = &mut form.kinds;
            let tick = match tick_action {
                UiAction::TickMessages => &mut kinds.message,
                UiAction::TickIq => &mut kinds.iq,
                UiAction::TickPresenceIn => &mut kinds.presence_in,
                _ => &mut kinds.presence_out,
            };
            *tick = !*tick;
        }
        _ if choice && form.field == Field::Action => {
            form.action = match form.action {
                PrivacyAction::Allow => PrivacyAction::Deny,
                PrivacyAction::Deny => PrivacyAction::Allow,
            };
        }
        _ if choice && form.field == Field::Type => {
            let cycle = [
                None,
                Some(ItemType::Jid),
                Some(ItemType::Group),
                Some(ItemType::Subscription),
            ];
            let at = cycle.iter().position(|k| *k == form.kind).unwrap_or(0);
            let next = if action == Some(UiAction::PrevChoice) {
                at + 3
            } else {
                at + 1
            };
            form.kind = cycle[next % cycle.len()];
        }
        _ => {
            let value = form.field == Field::Value;
            if let Some(line) = form.text_field()
                && line.handle_key(keymap, key) == InputOutcome::Complete
                && value
            {
                complete(&mut form, state);
            }
        }
    }
    form.problem = None;
    Some(form)
}

/// Completes the value from the roster (JIDs, groups) or the subscription
/// states; false when it changed nothing, so Tab moves on instead.
fn complete(form: &mut RuleForm, state: &State) -> bool {
    let before = form.value.text().to_owned();
    if before.trim().is_empty() {
        return false;
    }
    let mut options: Vec<String> = match form.kind {
        Some(ItemType::Jid) => state
            .roster
            .contacts()
            .map(|(_, c)| c.jid.to_string())
            .collect(),
        Some(ItemType::Group) => state
            .roster
            .groups()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        Some(ItemType::Subscription) => SUBSCRIPTIONS.iter().map(|s| (*s).to_owned()).collect(),
        None => return false,
    };
    options.sort();
    input::complete_from(&mut form.value, |head| {
        let head = head.to_lowercase();
        options
            .into_iter()
            .filter(|o| o.to_lowercase().starts_with(&head))
            .collect()
    });
    form.value.text() != before
}

/// Checks the form's rule (PRIV-06, PRIV-07) and puts it in the working
/// copy, or says what is wrong.
fn apply(rules: &mut Rules, state: &State, form: &RuleForm) -> Result<(), String> {
    let Some(working) = &mut rules.working else {
        return Err("The list is still loading.".to_owned());
    };
    let order: u32 = form
        .order
        .text()
        .trim()
        .parse()
        .map_err(|_| format!("The order must be a whole number from 0 to {}.", u32::MAX))?;
    let text = form.value.text().trim();
    let shown = one_line(text);
    let value = match form.kind {
        None => None,
        Some(_) if text.is_empty() => {
            return Err("Type a value for this rule, or make its type none.".to_owned());
        }
        Some(ItemType::Jid) => match Jid::new(text) {
            Ok(jid) => Some(jid.to_string()),
            Err(e) => return Err(format!("“{shown}” is not a valid JID: {e}.")),
        },
        Some(ItemType::Subscription) if !SUBSCRIPTIONS.contains(&text) => {
            return Err(format!(
                "“{shown}” is not a subscription state: use both, to, from or none."
            ));
        }
        Some(_) => Some(text.to_owned()),
    };
    let mut items = match &form.target {
        Target::New(Some(renumbered)) => renumbered.clone(),
        _ => working.items.clone(),
    };
    let replaced = match form.target {
        Target::Edit(index) if index < items.len() => Some(index),
        _ => None,
    };
    let taken = items
        .iter()
        .enumerate()
        .any(|(i, item)| item.order == order && Some(i) != replaced);
    if taken {
        return Err(format!(
            "Another rule has order {order}: each needs its own number."
        ));
    }
    let item = PrivacyItem {
        kind: form.kind,
        value,
        action: form.action,
        order,
        stanzas: form.kinds,
    };
    match replaced {
        Some(index) => items[index] = item,
        None => items.push(item),
    }
    items.sort_by_key(|item| item.order);
    rules.selected = items.iter().position(|i| i.order == order).unwrap_or(0);
    working.items = items;
    rules.problems.clear();
    // PRIV-06: the server may refuse a group nobody is in, but the roster
    // we have could be stale, so this only warns.
    let unknown_group = form.kind == Some(ItemType::Group) && !state.roster.groups().contains(text);
    if unknown_group {
        rules.problems.push((
            format!("No contact is in the group “{shown}”; the server may refuse it."),
            true,
        ));
    }
    Ok(())
}

pub(super) fn draw_form(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    form: &RuleForm,
    keymap: &Keymap,
    theme: &Theme,
) {
    let columns = 72usize.min(usize::from(area.width.saturating_sub(6)));
    let label = |field: Field, text: &str| {
        let style = if form.field == field {
            theme.selected()
        } else {
            theme.dim()
        };
        Span::styled(format!("{text:<8}"), style)
    };
    // Key names come from the table, so the text names what is bound.
    let first = |context, action| {
        keymap
            .keys_for(context, action)
            .first()
            .map(ToString::to_string)
    };
    let tick = |on: bool, action: UiAction, name: &str| {
        let key = first(Context::PrivacyForm, action).unwrap_or_default();
        format!("{key}[{}] {name}  ", if on { 'x' } else { ' ' })
    };
    let k = &form.kinds;
    let kind = form.kind.map_or("none (everyone)", ItemType::as_str);
    let mut lines = vec![
        Line::from(vec![
            label(Field::Action, "Action"),
            Span::raw(format!("  {}", form.action)),
        ]),
        Line::from(vec![
            label(Field::Type, "Type"),
            Span::raw(format!("  {kind}")),
        ]),
        Line::from(vec![label(Field::Value, "Value")]),
        Line::from(vec![
            label(Field::Kinds, "Kinds"),
            Span::raw(format!(
                "  {}{}{}{}",
                tick(k.message, UiAction::TickMessages, "message"),
                tick(k.iq, UiAction::TickIq, "iq"),
                tick(k.presence_in, UiAction::TickPresenceIn, "presence-in"),
                tick(k.presence_out, UiAction::TickPresenceOut, "presence-out")
            )),
        ]),
        Line::from(vec![label(Field::Order, "Order")]),
        Line::default(),
    ];
    let choice = first(Context::PrivacyForm, UiAction::NextChoice);
    let completes = first(Context::Input, UiAction::Complete)
        .map(|key| format!("; {key} completes"))
        .unwrap_or_default();
    let help = match form.field {
        Field::Action => match choice {
            Some(key) => format!("{key} switches between allow and deny."),
            None => "Allow or deny.".to_owned(),
        },
        Field::Type => {
            let how = choice
                .map(|key| format!("{key} cycles "))
                .unwrap_or_default();
            format!("{how}none, jid, group, subscription. None matches everyone.")
        }
        Field::Value => match form.kind {
            Some(ItemType::Jid) => format!("A JID or domain{completes} from your roster."),
            Some(ItemType::Group) => {
                let groups = state.roster.groups().len();
                format!("A roster group ({groups} known){completes}.")
            }
            _ => format!("both, to, from or none (none also covers strangers){completes}."),
        },
        Field::Kinds => "The key before a kind ticks it; none ticked covers every stanza, \
                         subscriptions too."
            .to_owned(),
        Field::Order => "Rules apply lowest order first; each order is unique.".to_owned(),
    };
    lines.extend(wrapped(&help, columns, theme.dim()));
    if let Some(problem) = &form.problem {
        lines.extend(wrapped(problem, columns, theme.error()));
    }
    lines.push(Line::default());
    let hints = keymap.hints(
        Context::PrivacyForm,
        &[UiAction::NextField, UiAction::Submit, UiAction::Close],
    );
    let hints: Vec<(&str, &str)> = hints.iter().map(|(k, w)| (k.as_str(), *w)).collect();
    lines.extend(hint_lines(theme, &hints, columns));
    let title = if matches!(form.target, Target::Edit(_)) {
        "Edit rule"
    } else {
        "New rule"
    };
    let inner = boxed(
        frame,
        area,
        (to_u16(columns + 2), to_u16(lines.len() + 2)),
        title,
        theme,
    );
    frame.render_widget(Paragraph::new(lines), inner);
    let row = |y: u16| Rect {
        x: inner.x + 8,
        y: inner.y + y,
        width: inner.width.saturating_sub(8),
        height: 1,
    };
    if form.kind.is_some() {
        form.value.draw(frame, row(2), form.field == Field::Value);
    } else {
        frame.render_widget(
            Paragraph::new(Span::styled("  (no value)", theme.dim())),
            row(2),
        );
    }
    form.order.draw(frame, row(4), form.field == Field::Order);
}
