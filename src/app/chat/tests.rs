#![allow(clippy::unwrap_used)]
use super::*;
use crate::xmpp::error::{ErrorType, StanzaCondition};

fn jid(s: &str) -> Jid {
    Jid::new(s).unwrap()
}

fn incoming<'a>(from: &'a Jid, thread: Option<&'a str>, body: &str) -> Incoming<'a> {
    Incoming {
        from,
        kind: MessageType::Chat,
        thread,
        subject: None,
        body: body.into(),
        id: None,
        at: 0,
    }
}

/// MSG-02, MSG-07: a new chat goes to the bare JID with a fresh thread.
#[test]
fn msg_02_msg_07_new_chat_bare_jid_new_thread() {
    let mut chats = Chats::default();
    let id = chats.conversation_for(&jid("romeo@example.net"));
    let message = chats
        .compose(id, None, None, "hi".into(), 0, false)
        .unwrap();
    assert_eq!(message.to, Some(jid("romeo@example.net")));
    assert_eq!(message.kind, MessageType::Chat);
    let thread = message.thread.unwrap().id;
    assert_eq!(thread.len(), 32);
    let other = chats.conversation_for(&jid("nurse@example.com"));
    let other = chats
        .compose(other, None, None, "x".into(), 0, false)
        .unwrap();
    assert_ne!(other.thread.unwrap().id, thread, "MSG-09: never reused");
}

/// MSG-03, MSG-08, NEW-11: a reply goes to the full JID that wrote,
/// with its thread; unlocked by that resource's presence.
#[test]
fn new_11_lock_and_unlock() {
    let mut chats = Chats::default();
    let from = jid("romeo@example.net/orchard");
    let id = chats.receive(incoming(&from, Some("t-77"), "q"));
    let reply = chats.compose(id, None, None, "a".into(), 0, false).unwrap();
    assert_eq!(reply.to, Some(from.clone()));
    assert_eq!(reply.thread.unwrap().id, "t-77");
    let romeo = BareJid::new("romeo@example.net").unwrap();
    chats.unlock(&romeo, Some("elsewhere"));
    assert_eq!(chats.get(id).unwrap().locked.as_deref(), Some("orchard"));
    chats.unlock(&romeo, Some("orchard"));
    let next = chats.compose(id, None, None, "b".into(), 0, false).unwrap();
    assert_eq!(next.to, Some(jid("romeo@example.net")));
    // A message from another resource relocks to it.
    let phone = jid("romeo@example.net/phone");
    chats.receive(incoming(&phone, Some("t-77"), "q2"));
    assert_eq!(chats.get(id).unwrap().locked.as_deref(), Some("phone"));
}

/// MSG-10: another thread from the same full JID is another conversation;
/// MSG-11: a message without thread joins the latest one.
#[test]
fn msg_10_msg_11_threads() {
    let mut chats = Chats::default();
    let from = jid("romeo@example.net/orchard");
    let a = chats.receive(incoming(&from, Some("a"), "1"));
    let b = chats.receive(incoming(&from, Some("b"), "2"));
    assert_ne!(a, b);
    let c = chats.receive(incoming(&from, None, "3"));
    assert_eq!(c, b);
    assert_eq!(chats.get(a).unwrap().lines.len(), 1);
    assert_eq!(chats.get(b).unwrap().lines.len(), 2);
}

/// SYN-05: a reply carries the type of the message it answers.
#[test]
fn syn_05_reply_type_follows_incoming() {
    let mut chats = Chats::default();
    let from = jid("romeo@example.net/orchard");
    let mut message = incoming(&from, None, "plans?");
    message.kind = MessageType::Normal;
    let id = chats.receive(message);
    let reply = chats
        .compose(id, None, None, "yes".into(), 0, false)
        .unwrap();
    assert_eq!(reply.kind, MessageType::Normal);
}

/// MSG-12: an error is attached to the line it answers, by id.
#[test]
fn msg_12_error_attached_by_id() {
    let mut chats = Chats::default();
    let id = chats.conversation_for(&jid("romeo@example.net"));
    let sent = chats
        .compose(id, None, None, "hi".into(), 0, false)
        .unwrap();
    let error = StanzaError::new(ErrorType::Cancel, StanzaCondition::ServiceUnavailable);
    assert_eq!(
        chats.attach_error(
            sent.id.as_deref().unwrap(),
            &jid("romeo@example.net"),
            error.clone()
        ),
        Some(id)
    );
    assert_eq!(
        chats.get(id).unwrap().lines.back().unwrap().error,
        Some(error.clone())
    );
    assert_eq!(
        chats.attach_error("unknown", &jid("romeo@example.net"), error),
        None
    );
}

/// At the cap the least recently active conversation goes, never the
/// one on screen, and the indexes forget it too.
#[test]
fn eviction_drops_the_least_recent_but_spares_the_one_on_screen() {
    let mut chats = Chats::default();
    let first = jid("c0@example.net/r");
    let on_screen = chats.receive(incoming(&first, None, "hi"));
    chats.set_on_screen(Some(on_screen));
    let second = jid("c1@example.net/r");
    let oldest_other = chats.receive(incoming(&second, None, "hi"));
    for i in 2..MAX_CONVERSATIONS {
        let from = jid(&format!("c{i}@example.net/r"));
        chats.receive(incoming(&from, None, "hi"));
    }
    assert_eq!(chats.len(), MAX_CONVERSATIONS);
    let newcomer = jid("new@example.net/r");
    let added = chats.receive(incoming(&newcomer, None, "hi"));
    assert_eq!(chats.len(), MAX_CONVERSATIONS);
    assert!(chats.get(on_screen).is_some(), "the window on screen stays");
    assert!(chats.get(oldest_other).is_none());
    assert!(chats.latest_with(&second.to_bare()).is_none());
    assert_eq!(chats.window_ids().len(), MAX_CONVERSATIONS);
    assert_eq!(chats.window_ids().last(), Some(&added));
    assert_eq!(chats.window_position(oldest_other), None);
    // Activity moves a conversation to the back of the queue.
    let third = chats.window_ids()[1];
    chats.set_on_screen(None);
    chats.receive(incoming(&first, None, "again"));
    chats.receive(incoming(&jid("newer@example.net/r"), None, "hi"));
    assert!(chats.get(on_screen).is_some());
    assert!(chats.get(third).is_none());
}

/// Windows keep their opening order through closing and reopening;
/// threads with one peer are counted for their `~2` suffix.
#[test]
fn windows_in_opening_order() {
    let mut chats = Chats::default();
    let romeo = jid("romeo@example.net/orchard");
    let a = chats.receive(incoming(&romeo, Some("a"), "1"));
    let nurse = chats.receive(incoming(&jid("nurse@example.com/k"), None, "2"));
    let b = chats.receive(incoming(&romeo, Some("b"), "3"));
    assert_eq!(chats.window_ids(), [a, nurse, b]);
    assert_eq!(chats.earlier_windows_with_peer(a), 0);
    assert_eq!(chats.earlier_windows_with_peer(b), 1);
    chats.close(a);
    assert_eq!(chats.window_ids(), [nurse, b]);
    assert_eq!(chats.earlier_windows_with_peer(b), 0);
    assert_eq!(chats.window_position(b), Some(1));
    chats.receive(incoming(&romeo, Some("a"), "4"));
    assert_eq!(chats.window_ids(), [a, nurse, b]);
    let ids: Vec<_> = chats.windows().iter().map(|c| c.id).collect();
    assert_eq!(ids, [a, nurse, b]);
}

#[test]
fn text_in_memory_is_bounded() {
    let mut chats = Chats::default();
    let from = jid("romeo@example.net/orchard");
    let big = "x".repeat(60_000);
    for i in 0..200 {
        chats.receive(incoming(&from, None, &format!("{i} {big}")));
    }
    let conversation = chats.latest_with(&from.to_bare()).unwrap();
    assert!(conversation.bytes <= MAX_CONVERSATION_BYTES);
    let held: usize = conversation.lines.iter().map(line_bytes).sum();
    assert_eq!(held, conversation.bytes);
    assert_eq!(conversation.lines.len(), MAX_CONVERSATION_BYTES / 60_004);
    assert!(conversation.lines.back().unwrap().body.starts_with("199 "));
    // The older lines are in the history, to be paged back in.
    assert!(!conversation.history_exhausted);
}

#[test]
fn lines_are_bounded() {
    let mut chats = Chats::default();
    let from = jid("romeo@example.net/orchard");
    for i in 0..(MAX_LINES + 5) {
        chats.receive(incoming(&from, None, &i.to_string()));
    }
    let conversation = chats.latest_with(&from.to_bare()).unwrap();
    assert_eq!(conversation.lines.len(), MAX_LINES);
    assert_eq!(conversation.lines.front().unwrap().body, "5");
}
