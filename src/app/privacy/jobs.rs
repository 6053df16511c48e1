//! Running privacy and blocking [`Job`]s: each step is one request, and
//! its reply starts the next one, so the store stays pure and the order is
//! the order the server saw. A job ends in one result for the user
//! (internal jobs, started at login or by a push, report nothing).

use jid::Jid;

use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Unreadable};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::privacy::{ListNames, PrivacyAction, PrivacyList};

use crate::app::event::Event;
use crate::app::{Effect, Purpose, State, push_notice};

use super::update::{internal_job, setup_over};
use super::{BLOCK_LIST, Edit, Job, Plan, Step, step_label, step_query};

/// Internal jobs report nothing; user jobs end in one `Result`.
fn is_internal(tag: u64) -> bool {
    tag > u64::MAX / 2
}

/// Starts a job: sends its first step.
pub fn start(state: &mut State, job: Job, effects: &mut Vec<Effect>) {
    let tag = job.tag;
    state.privacy.jobs.insert(tag, job);
    advance(state, tag, effects);
}

/// Sends the job's next step, or reports it done.
fn advance(state: &mut State, tag: u64, effects: &mut Vec<Effect>) {
    // Plans become steps, and blocking edits that change nothing are left
    // out, until a step has something to send.
    let step = loop {
        let Some(job) = state.privacy.jobs.get(&tag) else {
            return;
        };
        let Some(step) = job.steps.front().cloned() else {
            finish(state, tag, effects);
            return;
        };
        match &step {
            Step::Plan(plan) => {
                let plan = plan.clone();
                // PRIV-13: deleting a list the server does not have fails
                // the same way everywhere (ejabberd would answer `result`).
                if let Plan::Release { name } = &plan
                    && state
                        .privacy
                        .names
                        .as_ref()
                        .is_some_and(|names| !names.lists.contains(name))
                {
                    let text = format!("there is no privacy list named {name}");
                    fail(state, tag, text, effects);
                    return;
                }
                if let Some(job) = state.privacy.jobs.get_mut(&tag) {
                    job.steps.pop_front();
                }
                expand(state, tag, plan);
            }
            Step::Save { name, edit } if !state.privacy.save_changes(name, edit) => {
                if let Some(job) = state.privacy.jobs.get_mut(&tag) {
                    job.steps.pop_front();
                }
            }
            _ => break step,
        }
    };
    // A list about to be saved is checked first (PRIV-06, PRIV-07, PRIV-11).
    if let Step::Save { name, edit } = &step {
        let list = state.privacy.edited(name, edit);
        let errors: Vec<String> = list
            .validate()
            .into_iter()
            .filter(|p| !p.is_warning())
            .map(|p| p.to_string())
            .collect();
        if !errors.is_empty() {
            fail(
                state,
                tag,
                format!("list {name} not saved: {}", errors.join("; ")),
                effects,
            );
            return;
        }
    }
    let Some(query) = step_query(&state.privacy, &step) else {
        return;
    };
    effects.push(Effect::Request {
        query,
        purpose: Purpose::Privacy { tag },
    });
}

/// The reply to a job's current step.
pub fn on_reply(
    state: &mut State,
    tag: u64,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let Some(step) = state
        .privacy
        .jobs
        .get_mut(&tag)
        .and_then(|job| job.steps.pop_front())
    else {
        return;
    };
    match result {
        Ok(answer) => {
            remember_decline(state, tag, &step);
            if let Err(problem) = apply_result(state, tag, &step, answer) {
                fail(state, tag, problem, effects);
                return;
            }
            if let Step::Active { .. } = step {
                // PRIV-25: the list is set again; presence may go out.
                setup_over(state, tag, effects);
            }
        }
        Err(RequestError::Unreadable(why)) => {
            // A malformed answer is a failure of the step.
            remember_decline(state, tag, &step);
            fail(state, tag, unreadable_text(&step, why), effects);
            return;
        }
        Err(error) => {
            let condition = match &error {
                RequestError::Stanza(e) => Some(e.condition),
                _ => None,
            };
            let missing = condition == Some(StanzaCondition::ItemNotFound);
            match &step {
                // A list that does not exist yet is an empty one to build on.
                Step::Fetch {
                    name,
                    missing_ok: true,
                } if missing => {
                    state.privacy.lists.remove(name);
                }
                _ => {
                    let label = step_label(&step);
                    let mut text = describe_error(&label, &error);
                    if let (Step::Remove { name }, Some(StanzaCondition::Conflict)) =
                        (&step, condition)
                        && uses(state, name)
                    {
                        // PRIV-13: ejabberd refuses to delete a list any
                        // session uses, ours included; only then is it ours.
                        text = format!(
                            "{label} failed: this session still uses it as its active or default list"
                        );
                    }
                    // PRIV-04: a list that is not there (Prosody's module
                    // says bad-request on delete): fetch the names again.
                    let gone = missing
                        || matches!(
                            (&step, condition),
                            (Step::Remove { .. }, Some(StanzaCondition::BadRequest))
                        );
                    if gone
                        && matches!(
                            step,
                            Step::Fetch { .. }
                                | Step::Remove { .. }
                                | Step::Active { .. }
                                | Step::Default { .. }
                        )
                    {
                        let refetch = state.next_internal_tag();
                        start(state, internal_job(refetch, vec![Step::Names]), effects);
                    }
                    let soft = state
                        .privacy
                        .jobs
                        .get(&tag)
                        .is_some_and(|job| job.soft.contains(&label));
                    if soft {
                        if let Some(job) = state.privacy.jobs.get_mut(&tag) {
                            job.done_text = format!("{}; but {text}", job.done_text);
                        }
                    } else {
                        fail(state, tag, text, effects);
                        return;
                    }
                }
            }
        }
    }
    advance(state, tag, effects);
}

/// True when this session uses list `name` as its active or default list.
fn uses(state: &State, name: &str) -> bool {
    state
        .privacy
        .names
        .as_ref()
        .is_some_and(|n| n.active.as_deref() == Some(name) || n.default.as_deref() == Some(name))
}

/// PRIV-13: a decline made on the way to a delete is remembered, to be put
/// back if the delete is refused.
fn remember_decline(state: &mut State, tag: u64, step: &Step) {
    let names = state.privacy.names.clone().unwrap_or_default();
    let Some(job) = state.privacy.jobs.get_mut(&tag) else {
        return;
    };
    if !job.restorable {
        return;
    }
    match step {
        Step::Active { name: None } if names.active.is_some() => {
            job.restore.push(Step::Active { name: names.active })
        }
        Step::Default { name: None } if names.default.is_some() => {
            job.restore.push(Step::Default {
                name: names.default,
            })
        }
        _ => {}
    }
}

/// Turns a plan into the steps it needs now, at the front of the job.
fn expand(state: &mut State, tag: u64, plan: Plan) {
    let names = state.privacy.names.clone().unwrap_or_default();
    let privacy = &mut state.privacy;
    let Some(job) = privacy.jobs.get_mut(&tag) else {
        return;
    };
    let mut steps = Vec::new();
    match plan {
        Plan::Release { name } => {
            job.restorable = true;
            if names.active.as_deref() == Some(&name) {
                steps.push(Step::Active { name: None });
            }
            if names.default.as_deref() == Some(&name) {
                steps.push(Step::Default { name: None });
            }
        }
        Plan::Block(jid) => {
            let (block_steps, text, soft) = block_plan(&names, jid);
            steps = block_steps;
            job.done_text = text;
            job.soft.extend(soft);
        }
        Plan::Unblock(jids) => {
            let mut targets: Vec<String> = [names.active.clone(), names.default.clone()]
                .into_iter()
                .flatten()
                .collect();
            if names.lists.iter().any(|n| n == BLOCK_LIST) || privacy.lists.contains_key(BLOCK_LIST)
            {
                targets.push(BLOCK_LIST.to_owned());
            }
            dedup(&mut targets);
            for name in targets {
                steps.push(Step::Fetch {
                    name: name.clone(),
                    missing_ok: true,
                });
                if jids.is_empty() {
                    steps.push(Step::Save {
                        name,
                        edit: Edit::AllowAll,
                    });
                } else {
                    for jid in &jids {
                        steps.push(Step::Save {
                            name: name.clone(),
                            edit: Edit::AllowJid(jid.clone()),
                        });
                    }
                }
            }
            steps.push(Step::Plan(Plan::Tidy));
        }
        Plan::Tidy => {
            let unused = privacy
                .lists
                .get(BLOCK_LIST)
                .is_some_and(|l| !l.items.iter().any(|i| i.action == PrivacyAction::Deny));
            if unused {
                if names.active.as_deref() == Some(BLOCK_LIST) {
                    steps.push(Step::Active { name: None });
                }
                if names.default.as_deref() == Some(BLOCK_LIST) {
                    let decline = Step::Default { name: None };
                    job.soft.push(step_label(&decline));
                    steps.push(decline);
                }
                steps.push(Step::Plan(Plan::DropUnused {
                    name: BLOCK_LIST.to_owned(),
                }));
            }
        }
        Plan::DropUnused { name } => {
            let in_use =
                names.active.as_deref() == Some(&name) || names.default.as_deref() == Some(&name);
            if !in_use {
                let remove = Step::Remove { name };
                job.soft.push(step_label(&remove));
                steps.push(remove);
            }
        }
    }
    for step in steps.into_iter().rev() {
        job.steps.push_front(step);
    }
}

fn dedup(names: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
}

/// PRIV-18: `/block` without the blocking command. Lists do not stack, so
/// a list of ours made active or default would silently switch off the
/// user's own list in force. Instead the deny rule goes to the top of each
/// list in force (active and default); `balcony-blocked` is used, and made
/// the default (and active), only where the user has no list.
fn block_plan(names: &ListNames, jid: Jid) -> (Vec<Step>, String, Vec<String>) {
    let mut targets: Vec<String> = [names.active.clone(), names.default.clone()]
        .into_iter()
        .flatten()
        .collect();
    let own_default = names.default.is_none();
    if own_default {
        targets.push(BLOCK_LIST.to_owned());
    }
    dedup(&mut targets);
    let mut steps = Vec::new();
    for name in &targets {
        steps.push(Step::Fetch {
            name: name.clone(),
            missing_ok: true,
        });
        steps.push(Step::Save {
            name: name.clone(),
            edit: Edit::DenyJid(jid.clone()),
        });
    }
    let mut soft = Vec::new();
    if names.active.is_none() && own_default {
        steps.push(Step::Active {
            name: Some(BLOCK_LIST.into()),
        });
    }
    if own_default {
        let default = Step::Default {
            name: Some(BLOCK_LIST.into()),
        };
        soft.push(step_label(&default));
        steps.push(default);
    }
    let users: Vec<&str> = targets
        .iter()
        .map(String::as_str)
        .filter(|n| *n != BLOCK_LIST)
        .collect();
    let text = if users.is_empty() && names.active.is_none() && own_default {
        "blocked (privacy list balcony-blocked, active and default)".to_owned()
    } else if users.is_empty() {
        "blocked (privacy list balcony-blocked)".to_owned()
    } else if own_default {
        format!(
            "blocked: a deny rule was put at the top of your active list {}; balcony-blocked, \
             with the same rule, is now the default list (for your other sessions and while offline)",
            users.join(" and ")
        )
    } else {
        format!(
            "blocked: a deny rule was put at the top of your list {} (in force); \
             your lists stay active and default",
            users.join(" and ")
        )
    };
    (steps, text, soft)
}

/// PRIV-13, PRIV-16, PRIV-17, BLK-*: errors in words.
fn describe_error(label: &str, error: &RequestError) -> String {
    let RequestError::Stanza(stanza) = error else {
        return format!("{label} failed: {error}");
    };
    let why = match stanza.condition {
        StanzaCondition::Conflict => "another session of yours is using that list",
        StanzaCondition::ItemNotFound => "there is no such list",
        StanzaCondition::BadRequest => {
            "the server refused the request as malformed (or the list does not exist)"
        }
        StanzaCondition::ServiceUnavailable | StanzaCondition::FeatureNotImplemented => {
            "the server does not support this"
        }
        StanzaCondition::NotAcceptable => "the server does not accept that",
        _ => "",
    };
    if why.is_empty() {
        format!("{label} failed: {stanza}")
    } else {
        format!("{label} failed: {why} ({stanza})")
    }
}

/// Stores what a step returned; a malformed answer is a failure.
fn apply_result(state: &mut State, tag: u64, step: &Step, answer: Answer) -> Result<(), String> {
    match step {
        Step::Names => {
            let Answer::PrivacyNames(names) = answer else {
                return Err(unreadable_text(step, Unreadable::Empty));
            };
            // PRIV-20: fetch the lists in force so the UI can tell who is
            // blocked; each is fetched once.
            let mut wanted: Vec<String> = [names.active.clone(), names.default.clone()]
                .into_iter()
                .flatten()
                .filter(|n| !state.privacy.lists.contains_key(n))
                .collect();
            wanted.dedup();
            if let Some(job) = state.privacy.jobs.get_mut(&tag) {
                for name in wanted.into_iter().rev() {
                    job.steps.push_front(Step::Fetch {
                        name,
                        missing_ok: true,
                    });
                }
            }
            state.privacy.names = Some(names);
        }
        Step::Fetch { .. } => {
            let Answer::PrivacyList(list) = answer else {
                return Err(unreadable_text(step, Unreadable::Empty));
            };
            state.privacy.lists.insert(list.name.clone(), list);
        }
        Step::Save { name, edit } => {
            // Accepted as sent; the push that follows refetches it anyway.
            let list = state.privacy.edited(name, edit);
            let names = state.privacy.names.get_or_insert_with(Default::default);
            if !names.lists.contains(name) {
                names.lists.push(name.clone());
            }
            state.privacy.lists.insert(name.clone(), list);
        }
        Step::Remove { name } => {
            state.privacy.lists.remove(name);
            if let Some(names) = &mut state.privacy.names {
                names.lists.retain(|n| n != name);
                if names.active.as_deref() == Some(name) {
                    names.active = None;
                }
                if names.default.as_deref() == Some(name) {
                    names.default = None;
                }
            }
        }
        Step::Active { name } => {
            state
                .privacy
                .names
                .get_or_insert_with(Default::default)
                .active = name.clone();
            state.privacy.wanted_active = name.clone();
        }
        Step::Default { name } => {
            state
                .privacy
                .names
                .get_or_insert_with(Default::default)
                .default = name.clone();
        }
        Step::Blocklist => {
            let Answer::Blocklist(list) = answer else {
                return Err(unreadable_text(step, Unreadable::Empty));
            };
            state.privacy.blocklist = Some(list);
        }
        // The push that follows updates the blocklist (BLK-05).
        Step::Block { .. } | Step::Unblock { .. } => {}
        Step::Plan(_) => {}
    }
    state.roster_rev += 1;
    Ok(())
}

/// What the user reads when a step's answer could not be read.
fn unreadable_text(step: &Step, why: Unreadable) -> String {
    match (step, why) {
        (Step::Fetch { name, .. }, Unreadable::Empty) => format!("the server sent no list {name}"),
        (Step::Fetch { name, .. }, why) => format!("unreadable list {name}: {why}"),
        (Step::Names, why) => format!("unreadable list names: {why}"),
        (Step::Blocklist, why) => format!("unreadable blocklist: {why}"),
        (step, why) => format!("{} failed: unreadable answer: {why}", step_label(step)),
    }
}

fn finish(state: &mut State, tag: u64, effects: &mut Vec<Effect>) {
    let Some(job) = state.privacy.jobs.remove(&tag) else {
        return;
    };
    setup_over(state, tag, effects);
    if is_internal(tag) {
        return;
    }
    if let Some(report) = report_for(state, &job.command) {
        effects.push(Effect::Emit(Event::Info { text: report }));
    }
    effects.push(Effect::Emit(Event::Result {
        tag,
        command: job.command,
        ok: true,
        text: job.done_text,
    }));
}

fn fail(state: &mut State, tag: u64, mut text: String, effects: &mut Vec<Effect>) {
    let Some(job) = state.privacy.jobs.remove(&tag) else {
        return;
    };
    if state.privacy.setup_job == Some(tag) {
        // PRIV-25: the list could not be set again; say so, and stop
        // trying at every reconnect.
        state.privacy.wanted_active = None;
        text = format!("{text}; going online without it");
    }
    if !job.restore.is_empty() {
        // PRIV-13: what was declined for the delete is put back.
        let back: Vec<String> = job
            .restore
            .iter()
            .filter_map(|step| match step {
                Step::Active { name: Some(n) } => Some(format!("{n} is active again")),
                Step::Default { name: Some(n) } => Some(format!("{n} is the default again")),
                _ => None,
            })
            .collect();
        text = format!("{text}; {}", back.join(", "));
        let undo = state.next_internal_tag();
        let mut steps = job.restore.clone();
        steps.push(Step::Names);
        start(state, internal_job(undo, steps), effects);
    }
    push_notice(state, text.clone(), true);
    setup_over(state, tag, effects);
    if is_internal(tag) {
        effects.push(Effect::Emit(Event::Error { text }));
        return;
    }
    effects.push(Effect::Emit(Event::Result {
        tag,
        command: job.command,
        ok: false,
        text,
    }));
}

/// What some commands show once done: the names, a list, the blocklist.
fn report_for(state: &State, command: &str) -> Option<String> {
    let privacy = &state.privacy;
    if command == "/blocklist" {
        let jids: Vec<String> = match &privacy.blocklist {
            Some(list) => list.iter().map(Jid::to_string).collect(),
            // PRIV-18: what the list in force denies by address.
            None => privacy.denied_jids(),
        };
        return Some(if jids.is_empty() {
            "nobody is blocked".to_owned()
        } else {
            format!("blocked: {}", jids.join(", "))
        });
    }
    if command == "/privacy list" {
        let names = privacy.names.clone().unwrap_or_default();
        if names.lists.is_empty() {
            return Some("no privacy lists".to_owned());
        }
        let lines: Vec<String> = names
            .lists
            .iter()
            .map(|n| {
                let mut marks = String::new();
                if names.active.as_deref() == Some(n) {
                    marks.push_str(" (active)");
                }
                if names.default.as_deref() == Some(n) {
                    marks.push_str(" (default)");
                }
                format!("{n}{marks}")
            })
            .collect();
        let mut text = format!("privacy lists: {}", lines.join(", "));
        if names.active.is_some() && names.default.is_some() {
            text.push_str(" — the active list replaces the default one for this session");
        }
        return Some(text);
    }
    if let Some(name) = command.strip_prefix("/privacy show ") {
        return privacy.lists.get(name).map(describe_list);
    }
    None
}

/// A list as text, one rule a line.
pub fn describe_list(list: &PrivacyList) -> String {
    let mut lines = vec![format!("list {}:", list.name)];
    for item in &list.items {
        let who = match (&item.kind, &item.value) {
            (Some(kind), Some(value)) => format!("{} {value}", kind.as_str()),
            _ => "everyone else".to_owned(),
        };
        let kinds = if item.stanzas.is_all() {
            "all".to_owned()
        } else {
            let s = &item.stanzas;
            [
                (s.message, "message"),
                (s.iq, "iq"),
                (s.presence_in, "presence-in"),
                (s.presence_out, "presence-out"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(",")
        };
        lines.push(format!(
            "  {:>5} {} {who} ({kinds})",
            item.order,
            item.action.as_str()
        ));
    }
    lines.join("\n")
}
