//! What became of the messages we sent, marked on their lines: the
//! server has them (XEP-0198 acks), the recipient got them (XEP-0184
//! receipts), or they bounced (MSG-12). A line's newest correction
//! (XEP-0308) is matched as the line itself; read marks (XEP-0333) are in
//! `markers`. Each mark is accepted only from
//! where the message went, since message ids are not secret.

use jid::Jid;

use crate::xmpp::error::StanzaError;

use super::{Chats, ConversationId, Direction};

impl Chats {
    /// MSG-12: attaches an error reply to the line we sent with that id,
    /// when it comes from where the message went: the same bare JID, and,
    /// for a message sent to a full JID, that full JID or the bare one
    /// (sent to the bare JID, any of its resources may answer). Ids are
    /// not secret, so an error from anyone else is not ours to attach.
    /// Returns the conversation, or `None` when no sent line matches.
    pub fn attach_error(
        &mut self,
        message_id: &str,
        from: &Jid,
        error: StanzaError,
    ) -> Option<ConversationId> {
        let (id, to) = self.sent.get(message_id)?;
        let same_bare = from.to_bare() == to.to_bare();
        let from_there = match to.resource() {
            Some(_) => from == to || from.resource().is_none(),
            None => true,
        };
        if !(same_bare && from_there) {
            return None;
        }
        let id = *id;
        let conversation = self.conversations.get_mut(&id)?;
        let line =
            conversation.lines.iter_mut().rev().find(|l| {
                l.direction == Direction::Outgoing && l.id.as_deref() == Some(message_id)
            })?;
        line.error = Some(error);
        // A bounce means the locked resource is not there any more.
        conversation.locked = None;
        Some(id)
    }

    /// The server has the message with this id: no longer pending.
    pub fn mark_delivered(&mut self, message_id: &str) {
        let Some(id) = self.sent.get(message_id).map(|(id, _)| *id) else {
            return;
        };
        if let Some(line) = self.conversations.get_mut(&id).and_then(|c| {
            c.lines.iter_mut().rev().find(|l| {
                l.id.as_deref() == Some(message_id) || l.correction.as_deref() == Some(message_id)
            })
        }) {
            line.pending = false;
        }
    }

    /// RECEIPTS-08: `from` confirmed it got our message `message_id`.
    /// Ids are not secret: only a receipt from the bare JID the message went
    /// to marks the line. Returns the conversation when a line was marked.
    pub fn mark_received(&mut self, message_id: &str, from: &Jid) -> Option<ConversationId> {
        let (id, to) = self.sent.get(message_id)?;
        if from.to_bare() != to.to_bare() {
            return None;
        }
        let id = *id;
        let line = self
            .conversations
            .get_mut(&id)?
            .lines
            .iter_mut()
            .rev()
            .find(|l| {
                l.direction == Direction::Outgoing
                    && (l.id.as_deref() == Some(message_id)
                        || l.correction.as_deref() == Some(message_id))
            })?;
        line.receipt = true;
        Some(id)
    }

    /// Every pending line counts as sent (after a login without acks).
    pub fn mark_all_delivered(&mut self) {
        for conversation in self.conversations.values_mut() {
            for line in conversation.lines.iter_mut().filter(|l| l.pending) {
                line.pending = false;
            }
        }
    }
}
