//! Between history rows and the store: a stored message as a conversation
//! line (with its delivery, read and edited marks), and an unacknowledged
//! one rebuilt to be sent again.

use crate::app::chat::{ChatLine, Direction};
use crate::history::{Direction as HistoryDirection, StoredMessage};
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType, Thread};

/// A history row as a conversation line.
pub(super) fn stored_line(stored: StoredMessage) -> ChatLine {
    ChatLine {
        direction: match stored.direction {
            HistoryDirection::Incoming => Direction::Incoming,
            HistoryDirection::Outgoing => Direction::Outgoing,
        },
        resource: stored.resource,
        kind: MessageType::from_attr(Some(&stored.kind)),
        subject: stored.subject,
        body: stored.body,
        id: stored.stanza_id,
        at: stored.at,
        error: stored.error.map(|text| {
            let mut error =
                StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition);
            error.text = Some(text);
            error
        }),
        seq: 0,
        pending: stored.pending,
        receipt: stored.received,
        row: Some(stored.row),
        edited: stored.edited,
        correction: None,
        displayed: stored.displayed,
        room_id: stored.room_id,
        notice: false,
    }
}

/// A message from the outbox, rebuilt to be sent again.
pub(super) fn outbox_message(stored: &StoredMessage) -> Option<Message> {
    let mut message = Message::new(MessageType::from_attr(Some(&stored.kind)));
    message.to = Some(jid::Jid::new(&stored.peer).ok()?);
    message.id = stored.stanza_id.clone();
    message.thread = stored.thread.clone().map(|id| Thread { id, parent: None });
    message.bodies = vec![LangText::new(stored.body.clone())];
    if let Some(subject) = &stored.subject {
        message.subjects = vec![LangText::new(subject.clone())];
    }
    crate::app::chat::stamp_outgoing(&mut message);
    Some(message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RECEIPTS-08, MARKERS-06, CORRECT-08: the marks kept in the history
    /// come back on the line after a restart.
    fn pending_chat() -> StoredMessage {
        StoredMessage {
            row: 3,
            peer: "romeo@example.net".into(),
            resource: None,
            thread: Some("t1".into()),
            direction: HistoryDirection::Outgoing,
            kind: "chat".into(),
            subject: None,
            body: "still there?".into(),
            stanza_id: Some("m9".into()),
            at: 1,
            pending: true,
            error: None,
            received: false,
            displayed: false,
            edited: false,
            room_id: None,
        }
    }

    /// SID-01, RECEIPTS-06, MARKERS-02: a message sent again from the outbox
    /// after a restart carries what it carried the first time, so the
    /// archive and carbons recognise it and it can still be marked.
    #[test]
    fn outbox_message_is_stamped_as_when_first_sent() {
        let message = outbox_message(&pending_chat()).unwrap();
        assert_eq!(
            message.to_element().to_xml(),
            "<message to='romeo@example.net' type='chat' id='m9'>\
             <body>still there?</body><thread>t1</thread>\
             <origin-id xmlns='urn:xmpp:sid:0' id='m9'/><request xmlns='urn:xmpp:receipts'/>\
             <markable xmlns='urn:xmpp:chat-markers:0'/></message>"
        );
    }

    #[test]
    fn stored_marks_come_back_on_the_line() {
        let stored = StoredMessage {
            row: 7,
            peer: "romeo@example.net".into(),
            resource: None,
            thread: None,
            direction: HistoryDirection::Outgoing,
            kind: "chat".into(),
            subject: None,
            body: "hello".into(),
            stanza_id: Some("m1".into()),
            at: 1,
            pending: false,
            error: None,
            received: true,
            displayed: true,
            edited: true,
            room_id: None,
        };
        let line = stored_line(stored);
        assert!(line.receipt && line.displayed && line.edited);
        assert_eq!(line.row, Some(7));
        assert_eq!(line.id.as_deref(), Some("m1"));
    }
}
