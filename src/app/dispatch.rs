//! Running the user's commands: each goes to the area that handles it and
//! ends in exactly one [`Event::Result`], now or when the server has
//! answered. Commands that need the server's features wait here until
//! disco#info has answered.

use super::command::{self, Action};
use super::event::Event;
use super::{
    ConnectionState, Effect, State, attention, bookmarks, chat, headline, presence, privacy,
    push_notice,
};
use super::{room, roster, session, subscription};

/// Applies one command and records its outcome.
pub fn apply(state: &mut State, tag: u64, action: Action, at: i64, effects: &mut Vec<Effect>) {
    let label = action.label();
    let outcome = run(state, tag, &label, action, at, effects);
    // A message that waits to be encrypted (OMEMO-31) reports when it
    // leaves, or cannot.
    if let Some(id) = state.omemo.awaiting.take() {
        state.omemo.sending.insert(id, (tag, label));
        return;
    }
    report(state, tag, label, outcome, effects);
}

/// A line that did not parse: a failed result under the line itself.
pub fn invalid(
    state: &mut State,
    tag: u64,
    line: String,
    error: String,
    effects: &mut Vec<Effect>,
) {
    report(state, tag, line, Outcome::Failed(error), effects);
}

/// Emits a command's outcome: a result, and a notice when it failed.
pub fn report(
    state: &mut State,
    tag: u64,
    label: String,
    outcome: Outcome,
    effects: &mut Vec<Effect>,
) {
    match outcome {
        Outcome::Done(text) => {
            // The status line shows the latest notice: an earlier failure
            // must not linger there over this success.
            if !text.is_empty() && state.notices.back().is_some_and(|n| n.is_error) {
                push_notice(state, format!("{label}: {text}"), false);
            }
            effects.push(Effect::Emit(Event::Result {
                tag,
                command: label,
                ok: true,
                text,
            }));
        }
        Outcome::Failed(text) => {
            push_notice(state, format!("{label}: {text}"), true);
            effects.push(Effect::Emit(Event::Result {
                tag,
                command: label,
                ok: false,
                text,
            }));
        }
        // The area reports the result when the server has answered.
        Outcome::Pending => {}
    }
}

/// How a command ended, as far as the store can tell now.
pub enum Outcome {
    Done(String),
    Failed(String),
    /// The result follows the server's answer.
    Pending,
}

fn run(
    state: &mut State,
    tag: u64,
    label: &str,
    action: Action,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    // Commands that only read or change local state work offline too;
    // messages written while the connection is being restored wait in the
    // session's queue and go out on reconnect.
    let spec = action.spec();
    let needs_connection = !spec.works_offline;
    let can_wait = spec.may_wait
        && matches!(
            state.connection,
            ConnectionState::Reconnecting { .. } | ConnectionState::Connecting
        );
    if needs_connection && !state.is_online() && !can_wait {
        return Outcome::Failed("not connected (use /reconnect)".into());
    }
    match action {
        Action::Message { to, body } => chat::update::open(state, to, body, at, effects),
        Action::Join {
            room,
            nick,
            password,
            configure,
        } => {
            let join = room::RoomJoin {
                room,
                nick_is_default: nick.is_none(),
                nick: nick.unwrap_or_default(),
                password,
            };
            room::command::join(state, tag, label, join, configure, at, effects)
        }
        Action::Leave { room, text } => {
            room::command::leave(state, tag, label, room, text, at, effects)
        }
        Action::Nick { nick } => room::command::nick(state, nick, effects),
        Action::Topic { text } => room::command::topic(state, text, effects),
        Action::Moderate { room, order } => {
            room::moderation::moderate(state, tag, label, room, order, at, effects)
        }
        Action::Invitations => room::invitation::list(state, effects),
        Action::Continue {
            room,
            history,
            others,
        } => room::continuation::start(state, tag, label, room, history, others, at, effects),
        Action::Register { room, nick } => {
            room::register::register(state, tag, label, room, nick, effects)
        }
        Action::RequestVoice { room } => room::voice::request(state, room, effects),
        Action::AllowVoice { room, nick } => room::voice::allow(state, room, nick, effects),
        Action::Upload { path, to } => super::upload::start(state, tag, label, path, to, effects),
        Action::UploadCancel => super::upload::cancel(state, effects),
        Action::Open { n } => super::link::open(state, tag, label, n, effects),
        Action::Vcard { jid } => super::vcard::show(state, tag, label, jid, effects),
        Action::VcardSet { field, value } => {
            super::vcard::set(state, tag, label, field, value, effects)
        }
        Action::VcardRetry => super::vcard::retry(state, tag, effects),
        Action::Rooms { service } => {
            let known = state.services.done.then(|| state.services.chat.clone());
            room::directory::rooms(tag, label, service, known, effects)
        }
        Action::Members { room, kind } => {
            room::members::fetch(state, tag, label, room, kind, effects)
        }
        Action::Configure {
            room,
            changes,
            step,
        } => room::configure::configure(state, tag, label, room, changes, step, effects),
        Action::Accept { room } => room::invitation::accept(state, tag, label, room, at, effects),
        Action::Decline { room, reason } => room::invitation::decline(state, room, reason, effects),
        Action::Invite {
            room,
            jid,
            reason,
            via,
        } => room::invitation::invite(state, tag, label, room, jid, reason, via, effects),
        Action::Say { text } => chat::update::say(state, text, at, effects),
        // ME-03: the body is the line as typed.
        Action::Me { text } => chat::update::say(state, format!("/me {text}"), at, effects),
        Action::Correct { text } => chat::correction::correct(state, text, at, effects),
        Action::Mute { jid } => attention::mute(state, jid, effects),
        Action::Unmute { jid } => attention::unmute(state, jid, effects),
        Action::Normal { to, subject, body } => {
            chat::update::send_normal(state, to, subject, body, at, effects)
        }
        Action::Headline { to, subject, body } => headline::send(to, subject, body, effects),
        Action::Search { text } => chat::update::search(tag, text, effects),
        Action::Add { jid, name } => roster::update::add(state, tag, label, jid, name, effects),
        Action::Remove { jid } => roster::update::remove(state, tag, label, jid, effects),
        Action::Rename { jid, name } => {
            roster::update::rename(state, tag, label, jid, name, effects)
        }
        Action::Group { jid, groups } => {
            roster::update::set_groups(state, tag, label, jid, groups, effects)
        }
        Action::Roster => roster::update::list(state, effects),
        Action::Contact { jid } => roster::update::show(state, &jid, effects),
        Action::Subscribe { jid, greeting } => {
            subscription::update::subscribe(jid, greeting, effects)
        }
        Action::Unsubscribe { jid } => subscription::update::unsubscribe(jid, effects),
        Action::Approve { jid } => subscription::update::approve(state, jid, effects),
        Action::Deny { jid } => subscription::update::deny(state, jid, effects),
        Action::Cancel { jid } => subscription::update::cancel(state, jid, effects),
        Action::Preapprove { jid } => subscription::update::preapprove(state, jid, effects),
        Action::Status { availability, text } => {
            presence::update::set_status(state, availability, text, effects)
        }
        Action::Priority(priority) => presence::update::set_priority(state, priority, effects),
        Action::Presence { to, choice, text } => {
            presence::update::directed(state, to, choice, text, effects)
        }
        Action::Help { topic } => match command::help(topic.as_deref()) {
            Ok(text) => {
                effects.push(Effect::Emit(Event::Info { text }));
                Outcome::Done(String::new())
            }
            Err(error) => Outcome::Failed(error.to_string()),
        },
        Action::Block { jid } => held_for_features(
            state,
            tag,
            label,
            privacy::update::Command::Block(jid),
            effects,
        ),
        Action::Unblock { jid } => held_for_features(
            state,
            tag,
            label,
            privacy::update::Command::Unblock(jid.into_iter().collect()),
            effects,
        ),
        Action::Blocklist => held_for_features(
            state,
            tag,
            label,
            privacy::update::Command::Blocklist,
            effects,
        ),
        Action::Privacy(sub) => held_for_features(
            state,
            tag,
            label,
            privacy::update::Command::Privacy(sub),
            effects,
        ),
        Action::Bookmark(command) => {
            bookmarks::update::command(state, tag, label, command, effects)
        }
        Action::BookmarkHere(here) => match bookmarks::update::here(state, here) {
            Ok(command) => bookmarks::update::command(state, tag, label, command, effects),
            Err(why) => Outcome::Failed(why),
        },
        Action::Omemo(command) => super::omemo::command(state, tag, command, effects),
        Action::Reconnect => session::reconnect(effects),
        Action::Disconnect { status } => session::disconnect(state, status, effects),
        Action::Quit { status } => session::quit(state, status, effects),
    }
}

/// Privacy and blocking commands depend on what the server supports, which
/// disco#info tells shortly after login: they wait until it has.
fn held_for_features(
    state: &mut State,
    tag: u64,
    label: &str,
    command: privacy::update::Command,
    effects: &mut Vec<Effect>,
) -> Outcome {
    if !state.privacy.support.known {
        state.awaiting_features.push(AwaitingFeatures {
            tag,
            label: label.to_owned(),
            command,
        });
        return Outcome::Pending;
    }
    match privacy::update::command(state, tag, label, command, effects) {
        Ok(()) => Outcome::Pending,
        Err(why) => Outcome::Failed(why),
    }
}

/// A blocking or privacy command held until the server's features are
/// known.
#[derive(Debug)]
pub struct AwaitingFeatures {
    tag: u64,
    label: String,
    command: privacy::update::Command,
}

/// The server's features are known: runs the held commands, in order.
pub fn run_awaiting_features(state: &mut State, effects: &mut Vec<Effect>) {
    for held in std::mem::take(&mut state.awaiting_features) {
        let outcome = held_for_features(state, held.tag, &held.label, held.command, effects);
        report(state, held.tag, held.label, outcome, effects);
    }
}

/// The connection closed before the features were known: the held
/// commands did not run.
pub fn fail_awaiting_features(state: &mut State, effects: &mut Vec<Effect>) {
    for held in std::mem::take(&mut state.awaiting_features) {
        let outcome = Outcome::Failed("the connection was lost before it could run".into());
        report(state, held.tag, held.label, outcome, effects);
    }
}
