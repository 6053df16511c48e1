//! Messages in and out (RFC 3921 §2.1, §4; RFC 6121 §5.1 lock-in).

use super::*;
use crate::app::chat::Direction;
use crate::xmpp::stanza::message::MessageType;

const ROMEO_ASKS: &str = "<message from='romeo@example.net/orchard' type='chat' id='m1'>\
     <thread>t-77</thread><body>q</body></message>";

/// The one outbound message among `effects`, as XML.
fn sent_message(effects: &[Effect]) -> String {
    let lines: Vec<String> = trace(effects)
        .into_iter()
        .filter_map(|l| l.strip_prefix("message: ").map(str::to_owned))
        .collect();
    assert_eq!(lines.len(), 1, "{:?}", trace(effects));
    lines[0].clone()
}

/// MSG-03, MSG-08, NEW-11: a reply goes to the locked full JID and carries the thread.
#[test]
fn msg_03_msg_08_new_11_reply_goes_to_the_locked_resource() {
    let mut state = logged_in();
    assert_eq!(
        trace(&message(&mut state, ROMEO_ASKS)),
        ["emit: message chat from romeo@example.net/orchard thread=t-77: q"]
    );
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    assert_eq!(conversation.locked.as_deref(), Some("orchard"));
    assert_eq!(conversation.thread.as_deref(), Some("t-77"));
    assert_eq!(conversation.unread, 1);

    let effects = run(&mut state, 1, "/msg romeo@example.net a");
    assert_eq!(
        trace(&effects),
        [
            "message: <message to='romeo@example.net/orchard' type='chat' id='ID'>\
             <body>a</body><thread>t-77</thread><origin-id xmlns='urn:xmpp:sid:0' id='ID'/><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>",
            "emit: ok /msg romeo@example.net: sent",
        ]
    );
    // Plain text goes to the same conversation.
    assert_eq!(
        sent_message(&run(&mut state, 2, "b")),
        "<message to='romeo@example.net/orchard' type='chat' id='ID'>\
         <body>b</body><thread>t-77</thread><origin-id xmlns='urn:xmpp:sid:0' id='ID'/><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>"
    );
}

/// NEW-11: a presence change of the locked resource unlocks to the bare JID.
#[test]
fn new_11_presence_change_unlocks() {
    for change in [
        "<presence from='romeo@example.net/orchard' type='unavailable'/>",
        "<presence from='romeo@example.net/orchard'><show>away</show></presence>",
    ] {
        let mut state = logged_in();
        message(&mut state, ROMEO_ASKS);
        run(&mut state, 1, "/msg romeo@example.net a");
        presence(&mut state, change);
        assert_eq!(
            sent_message(&run(&mut state, 2, "b")),
            "<message to='romeo@example.net' type='chat' id='ID'>\
             <body>b</body><thread>t-77</thread><origin-id xmlns='urn:xmpp:sid:0' id='ID'/><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>"
        );
    }
}

/// NEW-11: another resource's presence keeps the lock; its message moves it.
#[test]
fn new_11_other_resources() {
    let mut state = logged_in();
    message(&mut state, ROMEO_ASKS);
    presence(&mut state, "<presence from='romeo@example.net/phone'/>");
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    assert_eq!(
        state.chats.get(id).unwrap().locked.as_deref(),
        Some("orchard")
    );
    message(
        &mut state,
        "<message from='romeo@example.net/phone' type='chat'>\
         <thread>t-77</thread><body>r</body></message>",
    );
    assert_eq!(
        state.chats.get(id).unwrap().locked.as_deref(),
        Some("phone")
    );
}

/// MSG-02, MSG-07: a new conversation goes to the bare JID with a fresh 128-bit thread; a
/// first message carries `<active/>` (STATES-04).
#[test]
fn msg_02_msg_07_new_conversation_goes_to_the_bare_jid() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/msg nurse@example.com hello");
    let conversation = state.chats.latest_with(&bare("nurse@example.com")).unwrap();
    let thread = conversation.thread.clone().unwrap();
    assert_eq!(thread.len(), 32);
    assert_eq!(
        sent_message(&effects),
        format!(
            "<message to='nurse@example.com' type='chat' id='ID'>\
             <body>hello</body><thread>{thread}</thread><origin-id xmlns='urn:xmpp:sid:0' id='ID'/><request xmlns='urn:xmpp:receipts'/>\
             <active xmlns='http://jabber.org/protocol/chatstates'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>"
        )
    );
    assert_eq!(state.active, Some(conversation.id));
    assert_eq!(
        conversation.lines.back().unwrap().direction,
        Direction::Outgoing
    );
}

/// SYN-02, SYN-05: a missing or unknown type is `normal`, and so is the reply.
#[test]
fn syn_02_unknown_or_missing_type_is_normal() {
    for xml in [
        "<message from='romeo@example.net/orchard' type='x-foo'><body>x</body></message>",
        "<message from='romeo@example.net/orchard'><body>x</body></message>",
    ] {
        let mut state = logged_in();
        assert_eq!(
            trace(&message(&mut state, xml)),
            ["emit: message normal from romeo@example.net/orchard: x"]
        );
        let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
        assert_eq!(conversation.reply_kind, MessageType::Normal);
        assert!(
            sent_message(&run(&mut state, 1, "/msg romeo@example.net y")).contains("type='normal'")
        );
    }
}

/// SYN-03: a headline goes to the headlines, never to a chat.
#[test]
fn syn_03_headline_is_not_a_chat() {
    let mut state = logged_in();
    let effects = message(
        &mut state,
        "<message from='news.example.com' type='headline'><subject>Alert</subject>\
         <body>see https://news.example.com/a.</body></message>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: headline from news.example.com \"Alert\": see https://news.example.com/a."]
    );
    assert!(state.chats.is_empty());
    let headline = state.headlines.items().next().unwrap();
    assert_eq!(headline.subject.as_deref(), Some("Alert"));
    assert_eq!(headline.urls, ["https://news.example.com/a"]);
    assert_eq!(state.headlines.unread, 1);

    // A headline from a user's full JID is still a headline.
    message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='headline'><body>x</body></message>",
    );
    assert!(state.chats.is_empty());
    assert_eq!(state.headlines.len(), 2);
}

/// SYN-09: a message with only an unknown payload shows nothing.
#[test]
fn syn_09_unknown_payload_only_is_ignored() {
    let mut state = logged_in();
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard'><x xmlns='urn:example:unknown'/></message>",
    );
    assert!(effects.is_empty());
    assert!(state.chats.is_empty());
    assert!(state.headlines.is_empty());
}

/// MSG-13, CORE-24: a message from our domain (or without `from`) is a system message.
#[test]
fn msg_13_bare_domain_message_is_a_system_message() {
    let mut state = logged_in();
    let effects = message(
        &mut state,
        "<message from='example.com' to='juliet@example.com'>\
         <body>Maintenance at 22:00</body></message>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: headline from example.com: Maintenance at 22:00"]
    );
    message(&mut state, "<message><body>Welcome</body></message>");
    assert!(state.chats.is_empty());
    assert!(state.headlines.items().all(|h| h.from_server));
    assert_eq!(state.headlines.len(), 2);
}

/// MSG-13: a headline from another domain is not flagged as from our server.
#[test]

fn msg_13_other_domains_are_not_our_server() {
    let mut state = logged_in();
    message(
        &mut state,
        "<message from='news.example.org' type='headline'><body>x</body></message>",
    );
    assert!(!state.headlines.items().next().unwrap().from_server);
}

/// MSG-12: an error reply attaches to our sent line by id and is never answered.
#[test]
fn msg_12_error_attaches_to_the_sent_line() {
    let mut state = logged_in();
    message(&mut state, ROMEO_ASKS);
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    let Effect::SendMessage(sent) = &effects[0] else {
        panic!("a message expected");
    };
    let id = sent.id.clone().unwrap();
    let xml = format!(
        "<message type='error' from='romeo@example.net/orchard' id='{id}'><error type='cancel'>\
         <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
    );
    let effects = without_history(message(&mut state, &xml));
    assert_eq!(
        effects,
        [Effect::Emit(Event::MessageError {
            from: "romeo@example.net/orchard".into(),
            id: Some(id.clone()),
            error: "service-unavailable (cancel)".into(),
        })]
    );
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    let line = conversation.lines.back().unwrap();
    assert_eq!(line.id, Some(id));
    assert_eq!(
        line.error,
        Some(StanzaError::new(
            ErrorType::Cancel,
            StanzaCondition::ServiceUnavailable
        ))
    );
    assert_eq!(conversation.locked, None);
    assert!(last_notice(&state).is_error);
    assert!(last_notice(&state).text.contains("not delivered"));
}

/// I18N-03, SYN-07: the body in the user's language is picked, never both.
#[test]
fn i18n_03_body_picked_by_language() {
    let prefs = Preferences {
        language: "it".into(),
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    assert_eq!(
        trace(&message(
            &mut state,
            "<message from='romeo@example.net/orchard' type='chat'>\
             <body xml:lang='en'>Hi</body><body xml:lang='it'>Ciao</body></message>",
        )),
        ["emit: message chat from romeo@example.net/orchard: Ciao"]
    );
}

/// SYN-03: groupchat does not crash and is shown as groupchat.
#[test]
fn syn_03_groupchat_is_shown_as_groupchat() {
    let mut state = logged_in();
    in_room(&mut state, "room@conference.example.com", "juliet");
    assert_eq!(
        trace(&message(
            &mut state,
            "<message from='room@conference.example.com/nurse' type='groupchat'>\
             <body>hello all</body></message>",
        )),
        ["emit: message groupchat from room@conference.example.com/nurse: hello all"]
    );
    let id = state
        .chats
        .find_room(&bare("room@conference.example.com"), None)
        .unwrap();
    let line = state.chats.get(id).unwrap().lines.back().unwrap();
    assert_eq!(line.kind, MessageType::Groupchat);
    assert_eq!(line.resource.as_deref(), Some("nurse"));
}

/// SYN-03: a reply in a room goes to the room's bare JID, not to an occupant.
#[test]

fn syn_03_groupchat_reply_goes_to_the_room() {
    let mut state = logged_in();
    in_room(&mut state, "room@conference.example.com", "juliet");
    message(
        &mut state,
        "<message from='room@conference.example.com/nurse' type='groupchat'>\
         <body>hi</body></message>",
    );
    let effects = run(&mut state, 1, "/msg room@conference.example.com hello");
    assert!(
        sent_message(&effects).starts_with("<message to='room@conference.example.com' "),
        "{:?}",
        trace(&effects)
    );
}

/// MSG-02: plain text without an open conversation fails.
#[test]
fn msg_02_say_without_conversation_fails() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 1, "hello?")),
        ["emit: failed say: no conversation is open: use /msg JID TEXT"]
    );
    assert!(last_notice(&state).is_error);
}

/// Offline, server commands fail with "not connected"; local ones still work.
#[test]
fn offline_commands_fail_not_connected() {
    let mut state = State::new(Preferences::default());
    state.connection = crate::app::ConnectionState::Offline { error: None };
    for line in [
        "/msg romeo@example.net hi",
        "/add romeo@example.net",
        "/status away",
        "/approve romeo@example.net",
        "/presence nurse@example.com away",
        "hello",
    ] {
        let effects = run(&mut state, 1, line);
        let [Event::Result { ok, text, .. }] = events(&effects)[..] else {
            panic!("{line}: {:?}", trace(&effects));
        };
        assert!(!ok, "{line}");
        assert_eq!(text, "not connected (use /reconnect)", "{line}");
        assert_eq!(effects.len(), 1, "{line}");
    }
    assert_eq!(
        trace(&run(&mut state, 2, "/roster")),
        ["emit: ok /roster: 0 contacts"]
    );
    for line in ["/help", "/contact romeo@example.net"] {
        let effects = run(&mut state, 3, line);
        assert!(
            matches!(
                &effects[..],
                [
                    Effect::Emit(Event::Info { .. }),
                    Effect::Emit(Event::Result { ok: true, .. })
                ]
            ),
            "{line}: {:?}",
            trace(&effects)
        );
    }
    assert_eq!(
        trace(&run(&mut state, 4, "/quit")),
        ["disconnect", "emit: ok /quit"]
    );
}

/// Outbox: a message written while the connection is being restored is
/// accepted, handed to the session (which queues it) and marked pending.
#[test]
fn message_while_reconnecting_waits_pending() {
    let mut state = logged_in();
    session(
        &mut state,
        SessionEvent::Reconnecting {
            error: "gone".into(),
            attempt: 1,
            retry_in: std::time::Duration::from_secs(1),
        },
    );
    let effects = run(&mut state, 1, "/msg romeo@example.net still there?");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::SendMessage(_))),
        "{:?}",
        trace(&effects)
    );
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    let line = conversation.lines.back().unwrap();
    assert!(line.pending);
    let id = line.id.clone().unwrap();
    session(&mut state, SessionEvent::Acked { ids: vec![id] });
    let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
    assert!(!conversation.lines.back().unwrap().pending);
}

/// A message redelivered after the sender's reconnect (same sender, same
/// id) is shown once; the same id from someone else is another message.
#[test]
fn redelivered_message_is_shown_once() {
    let mut state = logged_in();
    let xml = "<message from='romeo@example.net/orchard' type='chat' id='m-1'><body>once</body></message>";
    let first = message(&mut state, xml);
    assert_eq!(events(&first).len(), 1);
    let again = message(&mut state, xml);
    assert!(again.is_empty(), "{:?}", trace(&again));
    let other = message(
        &mut state,
        "<message from='nurse@example.com/kitchen' type='chat' id='m-1'><body>mine</body></message>",
    );
    assert_eq!(events(&other).len(), 1);
}

/// A sender whose ids restart (a bot, a counter per session) reuses an id
/// for new text: that is a new message, shown; only the same id with the
/// same content is a redelivery.
#[test]
fn reused_id_with_new_content_is_a_new_message() {
    let mut state = logged_in();
    let say = |text: &str| {
        format!(
            "<message from='romeo@example.net/orchard' type='chat' id='same1'><body>{text}</body></message>"
        )
    };
    assert_eq!(events(&message(&mut state, &say("first text"))).len(), 1);
    let second = message(&mut state, &say("second, different text"));
    assert_eq!(events(&second).len(), 1, "{:?}", trace(&second));
    let again = message(&mut state, &say("second, different text"));
    assert!(again.is_empty(), "{:?}", trace(&again));
}

/// A conversation that appears asks once for its recent history; scrolling
/// to its top asks for the page before the oldest line held.
#[test]
fn new_conversation_reads_its_history() {
    let mut state = logged_in();
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='h1'><body>hi</body></message>",
    );
    let loads: Vec<&Effect> = effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::LoadHistory {
                    before_row: None,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(loads.len(), 1, "{:?}", effects);
    let again = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='h2'><body>again</body></message>",
    );
    assert!(
        !again
            .iter()
            .any(|e| matches!(e, Effect::LoadHistory { .. }))
    );
    let id = state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .unwrap()
        .id;
    let older = update(&mut state, Msg::View(crate::app::ViewMsg::LoadOlder(id)));
    assert!(older.iter().any(|e| matches!(
        e,
        Effect::LoadHistory {
            before_row: Some(_),
            ..
        }
    )));
}

/// MSG-04, MSG-11, SYN-05 (user bug): a thread-less `normal` message that
/// joins a chat does not turn the next `/msg` into a `normal` message.
#[test]
fn msg_04_thread_less_normal_message_keeps_the_chat_a_chat() {
    // We started the chat; they answered it with a chat.
    for opening in [None, Some(ROMEO_ASKS)] {
        let mut state = logged_in();
        match opening {
            Some(xml) => {
                message(&mut state, xml);
            }
            None => {
                run(&mut state, 1, "/msg romeo@example.net hi");
            }
        }
        message(
            &mut state,
            "<message from='romeo@example.net/orchard' type='normal'><body>a note</body></message>",
        );
        let sent = sent_message(&run(&mut state, 2, "/msg romeo@example.net y"));
        assert!(sent.contains("type='chat'"), "{sent}");
        // A normal message in the conversation's own thread is answered in kind.
        let thread = state
            .chats
            .latest_with(&bare("romeo@example.net"))
            .unwrap()
            .thread
            .clone()
            .unwrap();
        message(
            &mut state,
            &format!(
                "<message from='romeo@example.net/orchard' type='normal'>\
                 <thread>{thread}</thread><body>formal</body></message>"
            ),
        );
        let sent = sent_message(&run(&mut state, 3, "/msg romeo@example.net z"));
        assert!(sent.contains("type='normal'"), "{sent}");
    }
}

/// MSG-12: an error carrying our id from someone other than the recipient
/// is not attached to our line (nor recorded), whatever it claims.
#[test]
fn msg_12_error_from_another_sender_is_not_attached() {
    let bounce = |from: &str, id: &str| {
        format!(
            "<message type='error' from='{from}' id='{id}'><error type='cancel'>\
             <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        )
    };
    // Sent to the bare JID: the bare JID or one of its resources may bounce.
    // Locked to a full JID: that full JID or the bare JID may.
    let cases = [
        (None, "nurse@example.com", false),
        (None, "nurse@example.com/kitchen", false),
        (None, "romeo@example.net", true),
        (None, "romeo@example.net/orchard", true),
        (Some(ROMEO_ASKS), "romeo@example.net/phone", false),
        (Some(ROMEO_ASKS), "example.net", false),
        (Some(ROMEO_ASKS), "romeo@example.net/orchard", true),
        (Some(ROMEO_ASKS), "romeo@example.net", true),
    ];
    for (opening, from, attached) in cases {
        let mut state = logged_in();
        if let Some(xml) = opening {
            message(&mut state, xml);
        }
        let effects = run(&mut state, 1, "/msg romeo@example.net hi");
        let Effect::SendMessage(sent) = &effects[0] else {
            panic!("a message expected");
        };
        let id = sent.id.clone().unwrap();
        let effects = message(&mut state, &bounce(from, &id));
        let conversation = state.chats.latest_with(&bare("romeo@example.net")).unwrap();
        let line = conversation.lines.back().unwrap();
        assert_eq!(line.error.is_some(), attached, "{from} {opening:?}");
        let recorded = effects
            .iter()
            .any(|e| matches!(e, Effect::RecordError { id: i, .. } if *i == id));
        assert_eq!(recorded, attached, "{from} {opening:?}");
        if !attached && opening.is_some() {
            assert_eq!(conversation.locked.as_deref(), Some("orchard"));
        }
    }
}

/// The store decides what the history keeps: every message it shows, with
/// the line it is shown as, so reading the history back never shows a
/// message twice, even one without an id (user bug).
#[test]
fn shown_message_without_id_is_recorded_with_its_line_and_shown_once() {
    use crate::app::chat::ChatLine;
    let mut state = logged_in();
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body>no id</body></message>",
    );
    let recorded = records(&effects);
    assert_eq!(recorded.len(), 1);
    let record = recorded[0].clone();
    assert_eq!(record.body, "no id");
    assert_eq!(record.stanza_id, None);
    assert_eq!(record.resource.as_deref(), Some("orchard"));
    let (conversation, seq) = record.line.unwrap();
    update(
        &mut state,
        Msg::Recorded {
            conversation,
            seq,
            row: 7,
            stored_before: false,
        },
    );
    // The history read for the new conversation holds the same row.
    let stored = ChatLine {
        row: Some(7),
        seq: 0,
        ..state.chats.get(conversation).unwrap().lines[0].clone()
    };
    update(
        &mut state,
        Msg::HistoryLoaded {
            conversation,
            lines: vec![stored],
            exhausted: true,
        },
    );
    let lines = &state.chats.get(conversation).unwrap().lines;
    assert_eq!(lines.len(), 1, "{lines:?}");
    // A redelivery is neither shown nor recorded again; a headline is kept.
    let xml =
        "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>x</body></message>";
    assert_eq!(records(&message(&mut state, xml)).len(), 1);
    assert!(records(&message(&mut state, xml)).is_empty());
    let headline = message(
        &mut state,
        "<message from='romeo@example.net' type='headline'><body>news</body></message>",
    );
    assert_eq!(records(&headline)[0].line, None);
}

/// MAM-10: a message the history held before (here a contact's client
/// resending it after its reconnect, with the same id and text, in a later
/// run of ours) is stored once, and its line goes: shown once, unread once.
#[test]
fn a_message_the_history_held_before_is_no_new_line() {
    let mut state = logged_in();
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>again</body></message>",
    );
    let (conversation, seq) = records(&effects)[0].line.unwrap();
    assert_eq!(state.chats.get(conversation).unwrap().unread, 1);
    update(
        &mut state,
        Msg::Recorded {
            conversation,
            seq,
            row: 3,
            stored_before: true,
        },
    );
    let chat = state.chats.get(conversation).unwrap();
    assert!(chat.lines.is_empty(), "{:?}", chat.lines);
    assert_eq!(chat.unread, 0);
    // A new message is recorded as new and stays.
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='r2'><body>new</body></message>",
    );
    let (conversation, seq) = records(&effects)[0].line.unwrap();
    update(
        &mut state,
        Msg::Recorded {
            conversation,
            seq,
            row: 4,
            stored_before: false,
        },
    );
    let chat = state.chats.get(conversation).unwrap();
    assert_eq!(chat.lines.len(), 1);
    assert_eq!(chat.unread, 1);
}
