//! Displayed markers (XEP-0333; checklist §13, MARKERS-*): our chat
//! messages ask for one, the contact's `<displayed/>` marks our lines read,
//! and we say when the user has really seen the contact's messages.
//!
//! We send one marker, for the newest message that asked (MARKERS-03), when
//! the UI reports its window seen ([`ViewMsg::Seen`]: the window on screen,
//! at its end, in a focused terminal); never for archived or history lines,
//! our own lines (MARKERS-04), to a sender who may not see our presence
//! (MARKERS-08), or with `[privacy] send_markers = false`. A marker from our
//! other device (a `sent` carbon) means the user read the conversation
//! there. Legacy `<received/>` and `<acknowledged/>` markers are not read
//! (MARKERS-10).
//!
//! [`ViewMsg::Seen`]: crate::app::ViewMsg::Seen

use jid::{BareJid, Jid};

use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::roster::Subscription;

use crate::app::event::Event;
use crate::app::{Effect, Mark, State};

use super::{Chats, ConversationId, Direction};

impl Chats {
    /// MARKERS-06: `from` displayed our message `message_id` (or its
    /// newest correction): that line and every earlier one of ours in its
    /// conversation are read. Only from the bare JID the line went to, and
    /// only forwards: a marker for a line already read, or for one we do
    /// not hold, changes nothing. Returns the conversation when it moved.
    pub fn mark_displayed(&mut self, message_id: &str, from: &Jid) -> Option<ConversationId> {
        let peer = from.to_bare();
        let candidates: Vec<ConversationId> = match self.sent.get(message_id) {
            Some((id, to)) if to.to_bare() == peer => vec![*id],
            Some(_) => return None,
            // A line from an earlier run, read back from the history.
            None => self.by_peer.get(&peer)?.clone(),
        };
        for id in candidates {
            let Some(conversation) = self.conversations.get_mut(&id) else {
                continue;
            };
            if conversation.peer != peer {
                continue;
            }
            let Some(at) = conversation.lines.iter().rposition(|l| {
                l.direction == Direction::Outgoing
                    && (l.id.as_deref() == Some(message_id)
                        || l.correction.as_deref() == Some(message_id))
            }) else {
                continue;
            };
            if conversation.lines[at].displayed {
                return None;
            }
            for line in conversation.lines.range_mut(..=at).rev() {
                if line.direction != Direction::Outgoing {
                    continue;
                }
                if line.displayed {
                    break;
                }
                line.displayed = true;
            }
            return Some(id);
        }
        None
    }

    /// MARKERS-03: a message that asks for a marker was filed in
    /// conversation `id`; it is the one the next marker names.
    pub fn note_markable(&mut self, id: ConversationId, message_id: String) {
        if let Some(conversation) = self.conversations.get_mut(&id) {
            conversation.unmarked = Some(message_id);
        }
    }
}

/// A `<displayed/>` from the contact, live or copied from another of our
/// devices' inbox: our lines up to that one are read (MARKERS-06).
pub(super) fn on_displayed(state: &mut State, id: &str, from: &Jid, effects: &mut Vec<Effect>) {
    let Some(conversation) = state.chats.mark_displayed(id, from) else {
        tracing::debug!(%from, %id, "a displayed marker that moves no read mark");
        return;
    };
    if let Some(peer) = state.chats.get(conversation).map(|c| c.peer.clone()) {
        effects.push(Effect::RecordMark {
            peer,
            id: id.to_owned(),
            mark: Mark::Displayed,
        });
    }
    let to = state
        .jid
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    effects.push(Effect::Emit(Event::Displayed {
        from: from.to_string(),
        to,
        id: id.to_owned(),
    }));
}

/// A `<displayed/>` another of our devices sent to `peer`: the user read
/// the conversation there, so nothing in it is unread here, and it needs no
/// marker from us.
pub(super) fn on_displayed_elsewhere(
    state: &mut State,
    id: &str,
    device: &Jid,
    peer: &BareJid,
    effects: &mut Vec<Effect>,
) {
    if let Some(conversation) = state.chats.latest_with(peer).map(|c| c.id) {
        state.chats.mark_read(conversation);
        if let Some(conversation) = state.chats.get_mut(conversation) {
            conversation.unmarked = None;
        }
    }
    effects.push(Effect::Emit(Event::Displayed {
        from: device.to_string(),
        to: peer.to_string(),
        id: id.to_owned(),
    }));
}

/// The user has seen the end of conversation `id` (the UI's word): one
/// marker for the newest message there that asked for one, when allowed.
pub fn on_seen(state: &mut State, id: ConversationId, effects: &mut Vec<Effect>) {
    // Offline, the marker waits for the next time the window is seen.
    if !state.is_online() {
        return;
    }
    let Some(conversation) = state.chats.get_mut(id) else {
        return;
    };
    let Some(message_id) = conversation.unmarked.take() else {
        return;
    };
    let peer = conversation.peer.clone();
    if !state.prefs.send_markers {
        return;
    }
    // MARKERS-08: a marker says we are here, as a receipt does.
    let sees_us = state.roster.get(&peer).is_some_and(|contact| {
        matches!(
            contact.subscription,
            Subscription::From | Subscription::Both
        )
    });
    if !sees_us {
        tracing::debug!(%peer, "no marker for a sender who does not see our presence");
        return;
    }
    // MARKERS-03: it may go to the bare JID; every device of theirs learns.
    let mut marker = Message::new(MessageType::Chat);
    marker.to = Some(Jid::from(peer));
    marker.id = Some(crate::xmpp::id::next());
    marker.displayed = Some(message_id);
    effects.push(Effect::SendMessage(marker));
}
