//! The contact details overlay: everything the store knows about one
//! contact (roster entry, subscription, presence per resource with the
//! client and its notable features from its caps, directed presence
//! sent, their card once fetched: VCARD-07, VCARD-10), scrolled with the
//! `details` keys. Remote text goes
//! through [`one_line`] or quotes before it is drawn.

use jid::BareJid;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::layout::Row;
use super::{Overlay, Step, close, draw_scrolled_box, quoted, scrolled, stay};
use crate::app::State;
use crate::app::presence::Availability;
use crate::app::subscription::update::subscription_state;
use crate::app::vcard::CardState;
use crate::sanitize::one_line;
use crate::ui::keymap::{Context, Key, Keymap, UiAction};
use crate::ui::theme::Theme;

const DETAILS_HINTS: &[UiAction] = &[UiAction::Up, UiAction::Close];

pub(super) fn details_key(keymap: &Keymap, jid: BareJid, scroll: usize, key: Key) -> Step {
    let action = keymap.lookup(Context::Details, key);
    match scrolled(scroll, action) {
        Some(scroll) => stay(Overlay::Details { jid, scroll }),
        None if action == Some(UiAction::Close) => close(),
        None => stay(Overlay::Details { jid, scroll }),
    }
}

pub(super) fn draw_details(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    jid: &BareJid,
    scroll: &mut usize,
) {
    draw_scrolled_box(
        frame,
        area,
        &details_rows(state, jid),
        100,
        "Contact",
        (Context::Details, DETAILS_HINTS),
        (keymap, theme),
        scroll,
    );
}

/// What the caps of `jid/resource` say (XEP-0115): the client's name,
/// category and type, and its notable features in words. Nothing when it
/// announced no caps.
fn client_rows(state: &State, jid: &BareJid, resource: &str) -> Vec<Row> {
    let Ok(full) = jid.with_resource_str(resource) else {
        return Vec::new();
    };
    if state.caps.announced(&full).is_none() {
        return Vec::new();
    }
    let Some(info) = state.caps.info(&full) else {
        return vec![Row::Pair("  client".to_owned(), "not known yet".to_owned())];
    };
    let client = match info.client_identity() {
        Some(identity) => {
            let kind = format!(
                "{}/{}",
                one_line(&identity.category),
                one_line(&identity.kind)
            );
            match identity.name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(name) => format!("{} ({kind})", one_line(name)),
                None => kind,
            }
        }
        None => "no identity".to_owned(),
    };
    let notable = crate::app::caps::notable_features(info);
    let speaks = if notable.is_empty() {
        format!("{} features, none notable", info.features.len())
    } else {
        notable.join(", ")
    };
    vec![
        Row::Pair("  client".to_owned(), client),
        Row::Pair("  features".to_owned(), speaks),
    ]
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
            rows.extend(client_rows(state, jid, name));
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
    card_rows(state, jid, &mut rows);
    rows
}

/// VCARD-07: the contact's card, fetched when the pane opened (VCARD-10);
/// every value is remote text, drawn on one line.
fn card_rows(state: &State, jid: &BareJid, rows: &mut Vec<Row>) {
    rows.push(Row::Blank);
    rows.push(Row::Heading("Card".to_owned()));
    let pair = |label: &str, value: String| Row::Pair(label.to_owned(), value);
    match state.cards.get(jid) {
        None if state.is_online() => rows.push(pair("card", "not fetched yet".to_owned())),
        None => rows.push(pair("card", "not fetched (offline)".to_owned())),
        Some(CardState::Loading) => rows.push(pair("card", "fetching…".to_owned())),
        Some(CardState::Failed(why)) => rows.push(pair("card", one_line(why))),
        Some(CardState::Loaded(card)) => {
            let lines = card.card().lines();
            if lines.is_empty() {
                rows.push(pair("card", "none published".to_owned()));
            }
            for (label, value) in lines {
                rows.push(pair(label, one_line(&value)));
            }
        }
    }
}
