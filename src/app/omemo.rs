//! What the store knows of OMEMO (XEP-0384; IDs in
//! tests/omemo-requirements.md): which contacts announce devices, what
//! the user chose per conversation, and the `/omemo` commands. The
//! protocol itself, its keys and sessions live in the engine's OMEMO,
//! which tells the store what it learns as [`Report`]s and carries out
//! what the store asks as [`Effect::Omemo`](super::Effect::Omemo).

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

use super::event::Event;
use super::{Effect, State, dispatch, push_notice};
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};

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
            dispatch::report(state, tag, "/omemo".to_owned(), outcome, effects);
        }
    }
}
