//! What the store knows of OMEMO (XEP-0384; IDs in
//! tests/omemo-requirements.md): which contacts announce devices, what
//! the user chose per conversation, and the `/omemo` commands. The
//! protocol itself, its keys and sessions live in the engine's OMEMO,
//! which tells the store what it learns as [`Report`]s and carries out
//! what the store asks as [`Effect::Omemo`].

use std::collections::{HashMap, HashSet};

use jid::BareJid;

/// `/omemo …`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OmemoCommand {
    /// `/omemo on [JID]`: encrypt this conversation (OMEMO-31).
    On(Option<BareJid>),
    /// `/omemo off [JID]`: send it in clear from now on.
    Off(Option<BareJid>),
    /// `/omemo fingerprints [JID]`: our own, and a contact's devices with
    /// the trust each has (OMEMO-50).
    Fingerprints(Option<BareJid>),
    /// `/omemo trust JID FINGERPRINT`: verified (OMEMO-51).
    Trust { jid: BareJid, fingerprint: String },
    /// `/omemo untrust JID FINGERPRINT`: never encrypt to it (OMEMO-52).
    Untrust { jid: BareJid, fingerprint: String },
}

/// What the engine's OMEMO tells the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// `jid` announces `devices` OMEMO devices (0: none, or the list went away).
    Devices { jid: BareJid, devices: usize },
    /// The user's choice for a conversation, as stored (at start and after
    /// `/omemo on|off`).
    Chosen { jid: BareJid, on: bool },
    /// Our message `id` to `to` left encrypted.
    Sent { to: BareJid, id: String },
    /// Our message `id` to `to` was not sent: it could not be encrypted
    /// (OMEMO-31: never sent in clear instead).
    NotSent {
        to: BareJid,
        id: String,
        reason: String,
    },
    /// A device of `jid` the user has not decided on appeared beside a
    /// verified one; it gets nothing until the user decides (OMEMO-53).
    NewDevice { jid: BareJid, fingerprint: String },
    /// The result of a `/omemo` command the engine carried out.
    Result { tag: u64, ok: bool, text: String },
}

/// The store's view of OMEMO.
#[derive(Clone, Debug, Default)]
pub struct OmemoView {
    /// `[omemo] default`: encrypt conversations with contacts who
    /// announce devices, unless the user said otherwise.
    pub default_on: bool,
    /// Contacts who announce at least one device.
    pub announced: HashSet<BareJid>,
    /// `/omemo on|off` per conversation.
    pub chosen: HashMap<BareJid, bool>,
    /// Commands whose message waits to be encrypted, by message id: their
    /// result comes when it leaves (or cannot).
    pub sending: HashMap<String, (u64, String)>,
    /// The id of the encrypted message the command being applied just
    /// handed to the engine, so its result can wait for it.
    pub awaiting: Option<String>,
    /// The label of each `/omemo` command the engine is carrying out, by
    /// tag, for its [`Report::Result`].
    pub pending: HashMap<u64, String>,
}

impl OmemoView {
    /// Whether messages to `jid` must be encrypted.
    pub fn wants(&self, jid: &BareJid) -> bool {
        self.chosen
            .get(jid)
            .copied()
            .unwrap_or(self.default_on && self.announced.contains(jid))
    }
}

use super::chat::{ConversationId, ConversationKind, Seal};
use super::command::Action;
use super::dispatch::Outcome;
use super::event::Event;
use super::{Effect, State, dispatch, push_notice};
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::omemo::E2e;

/// OMEMO-31: the one place that decides whether a message we compose in
/// conversation `id` leaves encrypted: a chat or normal message with a
/// body, to a contact (not a room, nor an occupant in one) whose
/// conversation wants it. Line `seq` gets the lock mark when it does.
pub fn seal_outgoing(state: &mut State, id: ConversationId, seq: u64, message: &mut Message) {
    let Some(conversation) = state.chats.get(id) else {
        return;
    };
    let sealed = conversation.kind == ConversationKind::Chat
        && fits(message)
        && state.omemo.wants(&conversation.peer);
    if sealed {
        message.e2e = E2e::Required;
    }
    state
        .chats
        .set_seal(id, seq, sealed.then_some(Seal::Encrypted));
}

/// OMEMO-31: [`seal_outgoing`]'s rule for a message that is no longer in
/// a conversation (one the outbox sends again after a restart): by its
/// address, which must not be a room we know.
pub fn must_encrypt(state: &State, message: &Message) -> bool {
    let Some(to) = message.to.as_ref().map(jid::Jid::to_bare) else {
        return false;
    };
    fits(message) && state.chats.find_room(&to, None).is_none() && state.omemo.wants(&to)
}

/// Chat and normal messages with a body are encrypted; receipts, markers
/// and chat states alone carry nothing to hide and stay plain.
fn fits(message: &Message) -> bool {
    matches!(message.kind, MessageType::Chat | MessageType::Normal) && !message.bodies.is_empty()
}

/// OMEMO-40: the mark a decrypted incoming line gets, if any.
pub fn seal_of(e2e: &E2e) -> Option<Seal> {
    match e2e {
        E2e::Decrypted { trusted: true, .. } => Some(Seal::Encrypted),
        E2e::Decrypted { trusted: false, .. } => Some(Seal::Untrusted),
        E2e::Plain | E2e::Required | E2e::Undecryptable { .. } => None,
    }
}

/// `/omemo …`: on and off take effect here at once (the next line typed
/// obeys them) and the engine stores the choice; the rest are the
/// engine's, whose [`Report::Result`] ends the command.
pub fn command(
    state: &mut State,
    tag: u64,
    command: OmemoCommand,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let command = match resolve(state, command) {
        Ok(command) => command,
        Err(why) => return Outcome::Failed(why),
    };
    let done = match &command {
        OmemoCommand::On(Some(jid)) | OmemoCommand::Off(Some(jid)) => {
            let on = matches!(command, OmemoCommand::On(_));
            state.omemo.chosen.insert(jid.clone(), on);
            let word = if on { "on" } else { "off" };
            Some(format!("OMEMO {word} for {jid}"))
        }
        _ => None,
    };
    if done.is_none() {
        let label = Action::Omemo(command.clone()).label();
        state.omemo.pending.insert(tag, label);
    }
    effects.push(Effect::Omemo { tag, command });
    match done {
        Some(text) => Outcome::Done(text),
        None => Outcome::Pending,
    }
}

/// Fills in the conversation on screen where the JID was left out, and
/// refuses rooms: OMEMO here is for one-to-one chats.
fn resolve(state: &State, command: OmemoCommand) -> Result<OmemoCommand, String> {
    let contact = |jid: Option<BareJid>| match jid {
        Some(jid) => not_a_room(state, jid),
        None => chat_on_screen(state),
    };
    Ok(match command {
        OmemoCommand::On(jid) => OmemoCommand::On(Some(contact(jid)?)),
        OmemoCommand::Off(jid) => OmemoCommand::Off(Some(contact(jid)?)),
        // Without a contact, our own devices alone.
        OmemoCommand::Fingerprints(None) => OmemoCommand::Fingerprints(chat_on_screen(state).ok()),
        OmemoCommand::Fingerprints(Some(jid)) => {
            OmemoCommand::Fingerprints(Some(not_a_room(state, jid)?))
        }
        OmemoCommand::Trust { jid, fingerprint } => OmemoCommand::Trust {
            jid: not_a_room(state, jid)?,
            fingerprint,
        },
        OmemoCommand::Untrust { jid, fingerprint } => OmemoCommand::Untrust {
            jid: not_a_room(state, jid)?,
            fingerprint,
        },
    })
}

/// The contact of the one-to-one chat on screen.
fn chat_on_screen(state: &State) -> Result<BareJid, String> {
    let conversation = state
        .active
        .and_then(|id| state.chats.get(id))
        .ok_or("no conversation is open: give the contact's JID")?;
    match conversation.kind {
        ConversationKind::Chat => Ok(conversation.peer.clone()),
        ConversationKind::Room | ConversationKind::Private { .. } => {
            Err("OMEMO is for one-to-one chats, not rooms: give a contact's JID".to_owned())
        }
    }
}

fn not_a_room(state: &State, jid: BareJid) -> Result<BareJid, String> {
    if state.chats.find_room(&jid, None).is_some() {
        return Err(format!(
            "{jid} is a room: OMEMO is for one-to-one chats here"
        ));
    }
    Ok(jid)
}

/// Applies what the engine's OMEMO reports.
pub fn on_report(state: &mut State, report: Report, effects: &mut Vec<Effect>) {
    match report {
        Report::Devices { jid, devices } => {
            if devices > 0 {
                state.omemo.announced.insert(jid);
            } else {
                state.omemo.announced.remove(&jid);
            }
        }
        Report::Chosen { jid, on } => {
            state.omemo.chosen.insert(jid, on);
        }
        Report::Sent { to, id } => {
            if let Some((tag, label)) = state.omemo.sending.remove(&id) {
                let text = format!("sent encrypted to {to}");
                dispatch::report(state, tag, label, dispatch::Outcome::Done(text), effects);
            }
        }
        Report::NotSent { to, id, reason } => {
            if let Some((tag, label)) = state.omemo.sending.remove(&id) {
                let text = format!("not sent: it could not be encrypted ({reason})");
                dispatch::report(state, tag, label, dispatch::Outcome::Failed(text), effects);
            }
            let mut error =
                StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition);
            error.text = Some(format!("not encrypted, not sent: {reason}"));
            let from = jid::Jid::from(to.clone());
            if state
                .chats
                .attach_error(&id, &from, error.clone())
                .is_some()
            {
                effects.push(Effect::RecordError {
                    id: id.clone(),
                    error: error.to_string(),
                });
            }
            push_notice(
                state,
                format!("message to {to} not sent: it could not be encrypted ({reason})"),
                true,
            );
            effects.push(Effect::Emit(Event::MessageError {
                from: to.to_string(),
                id: Some(id),
                error: format!("not encrypted, not sent: {reason}"),
            }));
        }
        Report::NewDevice { jid, fingerprint } => push_notice(
            state,
            format!(
                "{jid} has a new OMEMO device {fingerprint}: nothing is encrypted to it until you \
                 decide (/omemo trust {jid} {fingerprint} or /omemo untrust {jid} {fingerprint})"
            ),
            true,
        ),
        Report::Result { tag, ok, text } => {
            let outcome = if ok {
                dispatch::Outcome::Done(text)
            } else {
                dispatch::Outcome::Failed(text)
            };
            let label = state
                .omemo
                .pending
                .remove(&tag)
                .unwrap_or_else(|| "/omemo".to_owned());
            dispatch::report(state, tag, label, outcome, effects);
        }
    }
}
