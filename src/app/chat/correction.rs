//! Last message correction (XEP-0308; checklist §15, CORRECT-*): the
//! user's `/correct TEXT` (and Up in an empty input line, which the UI
//! turns into it), and corrections that arrive, live, as carbon copies of
//! what another of our devices sent, or from the contact.
//!
//! A correction replaces the text of the line it names only when it comes
//! from the line's sender (CORRECT-06): the conversation's contact for
//! their lines, our own account for ours. One naming an id we do not hold
//! is shown as a new line marked edited (CORRECT-09); nothing is dropped.
//! The history keeps the corrected text on the original's row, with the
//! first text beside it ([`Effect::RecordCorrection`]).

use jid::{BareJid, Jid};

use crate::xmpp::id;
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType, Thread};

use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::{Effect, State};

use super::{ChatLine, Chats, ConversationId, Direction, line_bytes};

impl Chats {
    /// CORRECT-04: the last line we sent in conversation `id`, when it can
    /// be corrected: it has an id and did not bounce. Only the last one:
    /// corrections of older messages are not assumed to work.
    pub fn last_own_line(&self, id: ConversationId) -> Option<&ChatLine> {
        self.conversations
            .get(&id)?
            .lines
            .iter()
            .rev()
            .find(|line| line.direction == Direction::Outgoing)
            .filter(|line| line.id.is_some() && line.error.is_none())
    }

    /// CORRECT-06: puts `body` in place of the text of the line with id
    /// `original` that `peer` sent us (`Incoming`) or we sent `peer`
    /// (`Outgoing`), and marks it edited. Conversations are per contact, so
    /// a line found here has the correction's sender. Returns the
    /// conversation and the line's `seq`, or `None` when no such line is
    /// held.
    pub fn apply_correction(
        &mut self,
        peer: &BareJid,
        direction: Direction,
        original: &str,
        correction: Option<String>,
        body: String,
    ) -> Option<(ConversationId, u64)> {
        let ids = self.by_peer.get(peer)?;
        for id in ids.iter().rev() {
            let Some(conversation) = self.conversations.get_mut(id) else {
                continue;
            };
            let Some(line) = conversation
                .lines
                .iter_mut()
                .rev()
                .find(|l| l.direction == direction && l.id.as_deref() == Some(original))
            else {
                continue;
            };
            let before = line_bytes(line);
            line.body = body;
            line.edited = true;
            line.correction = correction;
            let seq = line.seq;
            let after = line_bytes(line);
            conversation.bytes = conversation.bytes + after - before;
            return Some((*id, seq));
        }
        None
    }

    /// CORRECT-03: the correction of our last line in conversation `id`
    /// (see [`Chats::last_own_line`]): a new message with its own id, to
    /// where the original went, of its type, naming the original's id.
    /// The line shows the new text at once.
    fn compose_correction(
        &mut self,
        id: ConversationId,
        body: String,
        pending: bool,
    ) -> Option<Message> {
        let line = self.last_own_line(id)?;
        let original = line.id.clone()?;
        let kind = line.kind;
        let subject = line.subject.clone();
        let to = match self.sent.get(&original) {
            Some((_, to)) => to.clone(),
            None => self.conversations.get(&id)?.address(),
        };
        let conversation = self.conversations.get_mut(&id)?;
        let message_id = id::next();
        let mut message = Message::new(kind);
        message.to = Some(to.clone());
        message.id = Some(message_id.clone());
        // The correction is a message of its own: it asks for a receipt and
        // a marker as the original did (CORRECT-10).
        super::stamp_outgoing(&mut message);
        message.thread = conversation
            .thread
            .clone()
            .map(|id| Thread { id, parent: None });
        message.bodies = vec![LangText::new(body.clone())];
        // CORRECT-03, CORRECT-05: the whole message again, of the same
        // nature: a normal message keeps its subject.
        if let Some(subject) = subject {
            message.subjects = vec![LangText::new(subject)];
        }
        message.replace = Some(original.clone());
        let peer = conversation.peer.clone();
        let applied = self.apply_correction(
            &peer,
            Direction::Outgoing,
            &original,
            Some(message_id.clone()),
            body,
        );
        if let Some((conversation, seq)) = applied
            && let Some(line) = self
                .conversations
                .get_mut(&conversation)
                .and_then(|c| c.lines.iter_mut().find(|l| l.seq == seq))
        {
            line.pending = pending;
            // Delivery marks were for the old text.
            line.receipt = false;
            line.displayed = false;
        }
        self.remember_sent(message_id, id, to);
        Some(message)
    }
}

/// `/correct TEXT` (and Up in an empty input line): TEXT replaces our last
/// message in the conversation on screen (CORRECT-03, CORRECT-04).
pub fn correct(state: &mut State, text: String, _at: i64, effects: &mut Vec<Effect>) -> Outcome {
    let Some(id) = state.active else {
        return Outcome::Failed("no conversation is open".into());
    };
    let Some(original) = state.chats.last_own_line(id).and_then(|l| l.id.clone()) else {
        return Outcome::Failed("you have sent nothing here that can be corrected".into());
    };
    let pending = state.acks || !state.is_online();
    let Some(mut message) = state.chats.compose_correction(id, text.clone(), pending) else {
        return Outcome::Failed("that conversation is gone".into());
    };
    // OMEMO-31: the correction crosses as a new message would.
    if let Some(seq) = state.chats.last_own_line(id).map(|l| l.seq) {
        crate::app::omemo::seal_outgoing(state, id, seq, &mut message);
    }
    let Some(peer) = state.chats.get(id).map(|c| c.peer.clone()) else {
        return Outcome::Failed("that conversation is gone".into());
    };
    if !state.is_online()
        && let (Some(id), Some(to)) = (&message.id, &message.to)
    {
        state.queued.insert(id.clone(), to.to_string());
    }
    effects.push(Effect::RecordCorrection {
        peer,
        direction: Direction::Outgoing,
        original,
        body: text,
    });
    effects.push(Effect::SendMessage(message));
    Outcome::Done("corrected".into())
}

/// An incoming message with `<replace id='original'/>` from `from`, in
/// `direction` (ours from a carbon of another device, or the contact's).
/// Applies it to the line it names when that line is held (CORRECT-06,
/// CORRECT-11) and reports it, returning its conversation; `None` when the caller should file
/// the message as a new line instead (CORRECT-09). Corrections in rooms
/// are shown as new lines: nothing here tells whether the nick still
/// belongs to the same person (CORRECT-06, CORRECT-07).
pub(super) fn apply_incoming(
    state: &mut State,
    message: &Message,
    peer: &BareJid,
    from: &Jid,
    direction: Direction,
    body: &str,
    effects: &mut Vec<Effect>,
) -> Option<ConversationId> {
    let original = message.replace.as_ref()?;
    if message.kind == MessageType::Groupchat {
        return None;
    }
    let applied = state.chats.apply_correction(
        peer,
        direction,
        original,
        message.id.clone(),
        body.to_owned(),
    );
    let Some((conversation, seq)) = applied else {
        tracing::debug!(%from, %original, "a correction of no line held: shown as new");
        return None;
    };
    // The mark follows the text now shown.
    let seal = crate::app::omemo::seal_of(&message.e2e);
    state.chats.set_seal(conversation, seq, seal);
    effects.push(Effect::RecordCorrection {
        peer: peer.clone(),
        direction,
        original: original.clone(),
        body: body.to_owned(),
    });
    // A live message without `to` was for us.
    let to = message
        .to
        .as_ref()
        .map(Jid::to_string)
        .or_else(|| state.jid.as_ref().map(ToString::to_string))
        .unwrap_or_default();
    effects.push(Effect::Emit(Event::Correction {
        from: from.to_string(),
        to,
        id: original.clone(),
        body: body.to_owned(),
    }));
    Some(conversation)
}

/// CORRECT-09: a correction filed as a new line shows it was edited.
pub(super) fn mark_new_line_edited(state: &mut State, conversation: ConversationId) {
    if let Some(line) = state
        .chats
        .get_mut(conversation)
        .and_then(|c| c.lines.back_mut())
    {
        line.edited = true;
    }
}
