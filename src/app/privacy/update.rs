//! The privacy area's update (RFC 3921 §10 = XEP-0016, XEP-0191): what
//! the server offers, learned at login; its pushes (PRIV-19..21, BLK-05);
//! and the user's `/block`, `/unblock`, `/blocklist` and `/privacy`
//! commands, each turned into a [`Job`] that [`super::jobs`] runs.

use jid::Jid;

use crate::xmpp::query::{Answer, Query, feature};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::blocking::BlockPush;

use crate::app::command::PrivacyCommand;
use crate::app::event::Event;
use crate::app::{Effect, Purpose, State, push_notice, session};

use super::jobs::start;
use super::{Edit, Job, Plan, Step, Support};

/// Login: ask the server what it offers (PRIV-01, BLK-01). When an active
/// list was in use before, initial presence waits until it is set again
/// (PRIV-25).
pub fn discover(state: &mut State, effects: &mut Vec<Effect>) {
    state.privacy.reset();
    state.privacy.hold_presence = state.privacy.wanted_active.is_some();
    // disco#info goes to our server, which the session knows.
    if state.jid.is_none() {
        return;
    }
    // CAPS-13: the server's caps name a disco#info we checked before.
    if let Some(features) = crate::app::caps::cached_server_features(state) {
        state.caps.server_from_cache = true;
        effects.push(Effect::Answered {
            purpose: Purpose::ServerInfo,
            answer: Answer::Features(features),
        });
        return;
    }
    effects.push(Effect::Request {
        query: Query::ServerInfo,
        purpose: Purpose::ServerInfo,
    });
    crate::app::caps::ask_server(state, effects);
}

/// The disco#info answer: remember the features, then fetch what we use:
/// the blocklist (BLK-02), or the list names and the lists in force.
pub fn on_server_info(
    state: &mut State,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let features: Vec<String> = match result {
        Ok(Answer::Features(features)) => features,
        _ => Vec::new(),
    };
    state.privacy.support = Support {
        known: true,
        privacy_lists: features.iter().any(|f| f == feature::PRIVACY_LISTS),
        blocking: features.iter().any(|f| f == feature::BLOCKING),
    };
    let mut steps = Vec::new();
    let reactivate = state
        .privacy
        .wanted_active
        .clone()
        .filter(|_| state.privacy.support.privacy_lists && state.privacy.hold_presence);
    if let Some(name) = &reactivate {
        // PRIV-25: active lists are per session; the one in use before the
        // reconnect is set again before initial presence goes out.
        steps.push(Step::Active {
            name: Some(name.clone()),
        });
    }
    if state.privacy.support.blocking {
        steps.push(Step::Blocklist);
    }
    if state.privacy.support.privacy_lists {
        steps.push(Step::Names);
    }
    if !steps.is_empty() {
        let tag = state.next_internal_tag();
        if reactivate.is_some() {
            state.privacy.setup_job = Some(tag);
        }
        start(state, internal_job(tag, steps), effects);
    }
    if state.privacy.hold_presence && state.privacy.setup_job.is_none() {
        state.privacy.hold_presence = false;
        session::send_initial_presence(state, effects);
    }
}

pub(super) fn internal_job(tag: u64, steps: Vec<Step>) -> Job {
    Job::new(tag, "", steps, "")
}

/// PRIV-25: the login's privacy set-up is over (done or failed): initial
/// presence may go out.
pub(super) fn setup_over(state: &mut State, tag: u64, effects: &mut Vec<Effect>) {
    if state.privacy.setup_job == Some(tag) {
        state.privacy.setup_job = None;
        state.privacy.hold_presence = false;
        session::send_initial_presence(state, effects);
    }
}

/// A user command: builds its job, or says why it cannot run.
pub fn command(
    state: &mut State,
    tag: u64,
    label: &str,
    action: Command,
    effects: &mut Vec<Effect>,
) -> Result<(), String> {
    let support = state.privacy.support;
    if !support.known {
        return Err("the server's features are not known yet; try again in a moment".into());
    }
    let needs_lists = || {
        if support.privacy_lists {
            Ok(())
        } else {
            Err("the server does not support privacy lists (jabber:iq:privacy)".to_owned())
        }
    };
    let (steps, done, soft): (Vec<Step>, &str, Vec<String>) = match action {
        Command::Block(jid) if support.blocking => {
            (vec![Step::Block { jids: vec![jid] }], "blocked", vec![])
        }
        Command::Block(jid) if support.privacy_lists => (
            // PRIV-18: where the rule goes depends on the lists in force,
            // fetched first.
            vec![Step::Names, Step::Plan(Plan::Block(jid))],
            "blocked",
            vec![],
        ),
        Command::Unblock(jids) if support.blocking => {
            (vec![Step::Unblock { jids }], "unblocked", vec![])
        }
        Command::Unblock(jids) if support.privacy_lists => (
            vec![Step::Names, Step::Plan(Plan::Unblock(jids))],
            "unblocked",
            vec![],
        ),
        Command::Blocklist if support.blocking => (vec![Step::Blocklist], "", vec![]),
        Command::Blocklist if support.privacy_lists => (vec![Step::Names], "", vec![]),
        Command::Block(_) | Command::Unblock(_) | Command::Blocklist => {
            return Err("the server offers neither the blocking command nor privacy lists".into());
        }
        Command::Privacy(sub) => {
            needs_lists()?;
            match sub {
                PrivacyCommand::List => (vec![Step::Names], "", vec![]),
                PrivacyCommand::Show(name) => (
                    vec![Step::Fetch {
                        name,
                        missing_ok: false,
                    }],
                    "",
                    vec![],
                ),
                PrivacyCommand::Active(name) => {
                    (vec![Step::Active { name }, Step::Names], "", vec![])
                }
                PrivacyCommand::Default(name) => {
                    (vec![Step::Default { name }, Step::Names], "", vec![])
                }
                // PRIV-13: what this session uses is declined first (on
                // fresh names), as ejabberd refuses to delete a list in use.
                PrivacyCommand::Delete(name) => (
                    vec![
                        Step::Names,
                        Step::Plan(Plan::Release { name: name.clone() }),
                        Step::Remove { name },
                        Step::Names,
                    ],
                    "deleted",
                    vec![],
                ),
                PrivacyCommand::Rule { list, item } => (
                    vec![
                        Step::Fetch {
                            name: list.clone(),
                            missing_ok: true,
                        },
                        Step::Save {
                            name: list,
                            edit: Edit::PutRule(item),
                        },
                    ],
                    "saved",
                    vec![],
                ),
                PrivacyCommand::Unrule { list, order } => (
                    vec![
                        Step::Fetch {
                            name: list.clone(),
                            missing_ok: false,
                        },
                        Step::Save {
                            name: list,
                            edit: Edit::DropRule(order),
                        },
                    ],
                    "saved",
                    vec![],
                ),
                PrivacyCommand::Save(list) => (
                    vec![
                        Step::Save {
                            name: list.name.clone(),
                            edit: Edit::Replace(list),
                        },
                        Step::Names,
                    ],
                    "saved",
                    vec![],
                ),
            }
        }
    };
    let mut job = Job::new(tag, label, steps, done);
    job.soft = soft;
    start(state, job, effects);
    Ok(())
}

/// What the action module hands over.
#[derive(Debug)]
pub enum Command {
    Block(Jid),
    /// Empty: everyone.
    Unblock(Vec<Jid>),
    Blocklist,
    Privacy(PrivacyCommand),
}

/// PRIV-19, PRIV-20: a list changed (here or on another device): refetch
/// the names and that list.
pub fn on_privacy_push(state: &mut State, name: String, effects: &mut Vec<Effect>) {
    state.privacy.lists.remove(&name);
    let tag = state.next_internal_tag();
    let steps = vec![
        Step::Names,
        Step::Fetch {
            name,
            missing_ok: true,
        },
    ];
    start(state, internal_job(tag, steps), effects);
}

/// BLK-05, BLK-07: a block or unblock push; Prosody also refuses a blocked
/// contact's pending request, so that prompt goes.
pub fn on_block_push(state: &mut State, push: BlockPush, effects: &mut Vec<Effect>) {
    if let BlockPush::Block(jids) = &push {
        for jid in jids {
            state.pending.remove(&jid.to_bare());
        }
    }
    let text = match &push {
        BlockPush::Block(jids) => format!("blocked {}", join(jids)),
        BlockPush::Unblock(jids) if jids.is_empty() => "unblocked everyone".to_owned(),
        BlockPush::Unblock(jids) => format!("unblocked {}", join(jids)),
    };
    state.privacy.apply_block_push(push);
    state.roster_rev += 1;
    push_notice(state, text.clone(), false);
    effects.push(Effect::Emit(Event::Info { text }));
}

fn join(jids: &[Jid]) -> String {
    jids.iter()
        .map(Jid::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
