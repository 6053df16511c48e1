//! The roster area's update: the server's roster results and pushes (RFC
//! 3921 §7, ROS-*), what each change means beyond the roster, and the
//! user's roster commands (`/add`, `/remove`, `/rename`, `/group`,
//! `/roster`, `/contact`). A roster command is done when its push has been
//! applied ([`super::ops`]).

use jid::BareJid;

use crate::xmpp::query::{Answer, Query, Unreadable};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::presence::{Presence, PresenceType};
use crate::xmpp::stanza::roster::RosterItem;

use super::contact::Contact;
use super::ops::{Expected, Finished};
use super::{LoadState, MAX_ROSTER, RosterChange};
use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::presence::Availability;
use crate::app::subscription::update::{answered_elsewhere, subscription_state};
use crate::app::{Effect, Purpose, State, push_notice, session};

/// ROS-03, ROS-04: a push from the server.
pub fn on_push(
    state: &mut State,
    item: RosterItem,
    ver: Option<String>,
    effects: &mut Vec<Effect>,
) {
    let pushed = item.clone();
    let change = state.roster.apply_push(item, ver);
    effects.push(Effect::SaveRoster);
    if let Some(change) = change {
        apply_change(state, change, effects);
    }
    for done in state.roster_ops.pushed(&pushed) {
        finish_op(done, effects);
    }
}

/// The answer to the login roster fetch; initial presence follows it.
pub fn on_roster_result(
    state: &mut State,
    versioned: bool,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Ok(Answer::RosterUnchanged) => apply_result(state, None, effects),
        Ok(Answer::Roster { ver, items }) => apply_result(state, Some((ver, items)), effects),
        // Not a roster answer: read as an empty roster, as before.
        Ok(_) if !versioned => apply_result(state, Some((None, Vec::new())), effects),
        Ok(_) => apply_result(state, None, effects),
        Err(RequestError::Unreadable(why)) => {
            let why = match why {
                Unreadable::Invalid(why) => why,
                Unreadable::Empty => why.to_string(),
            };
            let text = format!("the server sent an unreadable roster: {why}");
            push_notice(state, text.clone(), true);
            effects.push(Effect::Emit(Event::Error { text }));
        }
        Err(error) => {
            let text = format!("the roster could not be fetched: {error}");
            push_notice(state, text.clone(), true);
            effects.push(Effect::Emit(Event::Error { text }));
            // Go on with the cached roster; pushes apply from now on.
            for change in state.roster.abandon_fetch() {
                apply_change(state, change, effects);
            }
        }
    }
    session::send_initial_presence(state, effects);
}

/// The answer to a roster set made by command `tag`.
pub fn on_set_result(
    state: &mut State,
    tag: u64,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Ok(_) => {
            if let Some(done) = state.roster_ops.result(tag) {
                finish_op(done, effects);
            }
        }
        Err(error) => {
            if let Some(op) = state.roster_ops.failed(tag) {
                let text = error_text(&error);
                push_notice(state, format!("{}: {text}", op.command), true);
                effects.push(Effect::Emit(Event::Result {
                    tag,
                    command: op.command,
                    ok: false,
                    text,
                }));
            }
        }
    }
}

/// The connection closed: roster commands that got their result count as
/// done; the others did not happen.
pub fn on_connection_lost(state: &mut State, effects: &mut Vec<Effect>) {
    for (op, result_ok) in state.roster_ops.drain() {
        let (ok, text) = match (result_ok, &op.then) {
            (true, None) => (true, String::new()),
            (true, Some(_)) => (
                false,
                "added to the roster, but the connection was lost before the subscription request was sent".to_owned(),
            ),
            (false, _) => (false, "the connection was lost".to_owned()),
        };
        effects.push(Effect::Emit(Event::Result {
            tag: op.tag,
            command: op.command,
            ok,
            text,
        }));
    }
}

/// A roster command is done: send what follows it, report success.
fn finish_op(done: Finished, effects: &mut Vec<Effect>) {
    if let Some(presence) = done.then {
        effects.push(Effect::SendPresence(presence));
    }
    effects.push(Effect::Emit(Event::Result {
        tag: done.tag,
        command: done.command,
        ok: true,
        text: String::new(),
    }));
}

/// ROS-15, NEW-07: roster-set errors in words.
fn error_text(error: &RequestError) -> String {
    use crate::xmpp::error::StanzaCondition as C;
    let RequestError::Stanza(stanza) = error else {
        return error.to_string();
    };
    let meaning = match stanza.condition {
        C::ItemNotFound => "that contact is not in your roster",
        C::NotAllowed => "the server does not allow that (you cannot add yourself)",
        C::NotAcceptable => "the server refused the name or a group (too long or empty)",
        C::ResourceConstraint => "your roster is full",
        C::BadRequest => "the server found the request malformed",
        C::Forbidden => "the server forbids changing this roster",
        _ => "",
    };
    if meaning.is_empty() {
        stanza.to_string()
    } else {
        format!("{meaning} ({stanza})")
    }
}

/// The roster the server sent; `None` (NEW-03) when an empty result to a
/// versioned request said the cache is current.
fn apply_result(
    state: &mut State,
    result: Option<(Option<String>, Vec<RosterItem>)>,
    effects: &mut Vec<Effect>,
) {
    if let Some((_, items)) = &result
        && items.len() > MAX_ROSTER
    {
        let text = format!(
            "the server's roster has {} contacts; balcony keeps the first {} of them",
            items.len(),
            MAX_ROSTER
        );
        push_notice(state, text.clone(), true);
        effects.push(Effect::Emit(Event::Error { text }));
    }
    let changes = state.roster.apply_result(result);
    effects.push(Effect::SaveRoster);
    for change in changes {
        apply_change(state, change, effects);
    }
}

/// Consequences of a roster change beyond the roster itself.
fn apply_change(state: &mut State, change: RosterChange, effects: &mut Vec<Effect>) {
    match change {
        RosterChange::Removed(jid) => {
            // ROS-10: the item goes with its presence.
            state.presence.clear(&jid);
            effects.push(Effect::Emit(Event::RosterRemoved {
                jid: jid.to_string(),
            }));
        }
        RosterChange::Added(jid) => {
            state.presence.mark_contact(&jid);
            // New contacts start offline; only one we heard from moves.
            if state.presence.get(&jid).is_some() {
                sync_availability(state, &jid);
            }
            answered_elsewhere(state, &jid);
            emit_item(state, &jid, effects);
        }
        RosterChange::Updated { jid, old } => {
            // INT-06, INT-12: losing our subscription to them takes them offline.
            let has_to = state
                .roster
                .get(&jid)
                .is_some_and(|c| c.subscription.has_to());
            if old.has_to() && !has_to {
                state.presence.clear(&jid);
                sync_availability(state, &jid);
            }
            answered_elsewhere(state, &jid);
            emit_item(state, &jid, effects);
        }
    }
}

/// The roster keeps each contact's availability to stay sorted; call
/// after every presence change of `jid`.
pub fn sync_availability(state: &mut State, jid: &BareJid) {
    let availability = state.presence.availability(jid);
    state.roster.set_availability(jid, availability);
}

fn emit_item(state: &State, jid: &BareJid, effects: &mut Vec<Effect>) {
    if state.notices_only {
        return;
    }
    if let Some(contact) = state.roster.get(jid) {
        effects.push(Effect::Emit(roster_event(state, contact)));
    }
}

/// The roster event for a contact, with pending-in from the stored requests.
pub fn roster_event(state: &State, contact: &Contact) -> Event {
    Event::Roster {
        jid: contact.jid.to_string(),
        name: contact.name.as_deref().map(str::to_owned),
        subscription: contact.subscription.as_str().to_owned(),
        ask: contact.ask,
        approved: contact.approved || state.preapproved.contains(&contact.jid),
        pending_in: state.pending.contains(&contact.jid),
        groups: state
            .roster
            .group_names(contact)
            .map(str::to_owned)
            .collect(),
    }
}

/// `/add JID [NAME]`: ROS-05, SUB-02: the item first (keeping groups it may
/// have), then the subscription request once the server has it.
pub fn add(
    state: &mut State,
    tag: u64,
    label: &str,
    jid: BareJid,
    name: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    if state.jid.as_ref().is_some_and(|own| own.to_bare() == jid) {
        return Outcome::Failed("you cannot add yourself".into());
    }
    let mut item = state
        .roster
        .item(&jid)
        .unwrap_or_else(|| RosterItem::new(jid.clone()));
    if name.is_some() {
        item.name = name;
    }
    let then = Some(Presence::subscription(PresenceType::Subscribe, jid.clone()));
    roster_set(
        state,
        effects,
        tag,
        label,
        &jid,
        RosterSet::Item(item),
        then,
    )
}

/// `/remove JID`
pub fn remove(
    state: &mut State,
    tag: u64,
    label: &str,
    jid: BareJid,
    effects: &mut Vec<Effect>,
) -> Outcome {
    // ROS-15: said the same on every server (ejabberd answers `result` for
    // an item it does not have); the server decides while our copy of the
    // roster is not loaded yet.
    if state.roster.load_state() == LoadState::Loaded && state.roster.get(&jid).is_none() {
        return not_in_roster(&jid);
    }
    // ROS-09, INT-08: the server cancels both directions itself.
    roster_set(state, effects, tag, label, &jid, RosterSet::Remove, None)
}

/// `/rename JID [NAME]`
pub fn rename(
    state: &mut State,
    tag: u64,
    label: &str,
    jid: BareJid,
    name: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    update_item(state, effects, tag, label, &jid, |item| item.name = name)
}

/// `/group JID [GROUP, …]`
pub fn set_groups(
    state: &mut State,
    tag: u64,
    label: &str,
    jid: BareJid,
    groups: Vec<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    update_item(state, effects, tag, label, &jid, |item| {
        item.groups = groups
    })
}

/// `/roster`: every contact, then requests from those outside the roster.
pub fn list(state: &State, effects: &mut Vec<Effect>) -> Outcome {
    let mut contacts: Vec<_> = state.roster.contacts().map(|(_, c)| c).collect();
    contacts.sort_by(|a, b| a.jid.as_str().cmp(b.jid.as_str()));
    for contact in &contacts {
        effects.push(Effect::Emit(roster_event(state, contact)));
    }
    for request in state.pending.list() {
        if !state.roster.contains(&request.jid) {
            effects.push(Effect::Emit(Event::SubscriptionRequest {
                jid: request.jid.to_string(),
                greeting: request.greeting.clone(),
            }));
        }
    }
    Outcome::Done(format!("{} contacts", contacts.len()))
}

/// `/contact JID`
pub fn show(state: &State, jid: &BareJid, effects: &mut Vec<Effect>) -> Outcome {
    effects.push(Effect::Emit(Event::Info {
        text: contact_details(state, jid),
    }));
    Outcome::Done(String::new())
}

/// ROS-07: an update sends the complete item with one field changed.
fn update_item(
    state: &mut State,
    effects: &mut Vec<Effect>,
    tag: u64,
    label: &str,
    jid: &BareJid,
    change: impl FnOnce(&mut RosterItem),
) -> Outcome {
    let Some(mut item) = state.roster.item(jid) else {
        return not_in_roster(jid);
    };
    change(&mut item);
    roster_set(state, effects, tag, label, jid, RosterSet::Item(item), None)
}

fn not_in_roster(jid: &BareJid) -> Outcome {
    Outcome::Failed(format!("{jid} is not in your roster"))
}

/// The change a roster command asks for.
enum RosterSet {
    Item(RosterItem),
    Remove,
}

fn roster_set(
    state: &mut State,
    effects: &mut Vec<Effect>,
    tag: u64,
    label: &str,
    jid: &BareJid,
    change: RosterSet,
    then: Option<Presence>,
) -> Outcome {
    let (query, expected) = match change {
        RosterSet::Item(item) => {
            let expected = Expected::item(&item);
            (Query::RosterSet(item), expected)
        }
        RosterSet::Remove => (Query::RosterRemove(jid.clone()), Expected::Removed),
    };
    state
        .roster_ops
        .start(tag, label.to_owned(), jid.clone(), expected, then);
    effects.push(Effect::Request {
        query,
        purpose: Purpose::RosterSet { tag },
    });
    Outcome::Pending
}

/// The details view of one contact, as text.
fn contact_details(state: &State, jid: &BareJid) -> String {
    let item = state.roster.get(jid);
    let mut lines = vec![format!("{jid}")];
    match item {
        Some(item) => {
            lines.push(format!("  name: {}", item.name.as_deref().unwrap_or("-")));
            let groups: Vec<&str> = state.roster.group_names(item).collect();
            lines.push(format!(
                "  groups: {}",
                if groups.is_empty() {
                    "-".to_owned()
                } else {
                    groups.join(", ")
                }
            ));
        }
        None => lines.push("  not in your roster".to_owned()),
    }
    let mut subscription = subscription_state(item, state.pending.contains(jid));
    if state.is_preapproved(jid) {
        subscription.push_str(" + pre-approved");
    }
    lines.push(format!("  subscription: {subscription}"));
    let presence = state.presence.get(jid);
    let availability = state.presence.availability(jid);
    // INT-02: without a subscription to them, "offline" would be a lie.
    let knows_presence = item.is_some_and(|i| i.subscription.has_to()) || presence.is_some();
    lines.push(format!(
        "  presence: {}",
        if knows_presence || availability != Availability::Offline {
            availability.as_str()
        } else {
            "unknown (no subscription)"
        }
    ));
    if let Some(entity) = presence {
        if let Some(error) = &entity.error {
            lines.push(format!("  unreachable: {error}"));
        }
        for (resource, r) in entity.sorted_resources() {
            lines.push(format!(
                "  /{resource}: {} priority {}{}",
                Availability::from_show(r.show).as_str(),
                r.priority,
                r.status
                    .as_deref()
                    .map(|s| format!(" \"{s}\""))
                    .unwrap_or_default()
            ));
            if let Some(client) = crate::app::caps::describe_client(state, jid, resource) {
                lines.push(format!("    client: {client}"));
            }
        }
    }
    if state.directed.contains_key(jid.as_str()) {
        lines.push("  holds a directed presence from you".to_owned());
    }
    lines.join("\n")
}
