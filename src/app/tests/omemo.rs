//! OMEMO as the store sees it (XEP-0384, OMEMO-31, OMEMO-40, OMEMO-41,
//! OMEMO-50…53): which messages must leave encrypted, `/omemo` and its
//! results, the lock marks, and what an undecryptable message shows.

use super::*;
use crate::app::chat::{ConversationId, Seal};
use crate::app::omemo::{OmemoCommand, Report};
use crate::omemo::Namespace;
use crate::xmpp::stanza::omemo::E2e;

const ROMEO: &str = "romeo@example.net";
const ROOM: &str = "verona@conference.example.com";

fn announces(state: &mut State, jid: &str) {
    update(
        state,
        Msg::Omemo(Report::Devices {
            jid: bare(jid),
            devices: 2,
        }),
    );
}

/// The end-to-end decision of each message sent among `effects`.
fn sent_e2e(effects: &[Effect]) -> Vec<E2e> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendMessage(message) => Some(message.e2e.clone()),
            _ => None,
        })
        .collect()
}

fn omemo_effects(effects: &[Effect]) -> Vec<(u64, OmemoCommand)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Omemo { tag, command } => Some((*tag, command.clone())),
            _ => None,
        })
        .collect()
}

/// The mark of the newest line of the conversation on screen.
fn last_seal(state: &State) -> Option<Seal> {
    let conversation = state.chats.get(state.active.unwrap()).unwrap();
    conversation.seal(conversation.lines.back().unwrap().seq)
}

fn romeo_chat(state: &State) -> ConversationId {
    state.chats.latest_with(&bare(ROMEO)).unwrap().id
}

/// `xml` from romeo as the engine hands it over, decided `e2e`.
fn incoming(state: &mut State, xml: &str, e2e: E2e) -> Vec<Effect> {
    let mut message = Message::parse(&test_xml::parse(xml)).unwrap();
    message.e2e = e2e;
    session(state, SessionEvent::Message(message))
}

#[test]
fn omemo_31_a_contact_who_announces_devices_gets_encrypted_messages() {
    let mut state = logged_in();
    announces(&mut state, ROMEO);
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    assert_eq!(sent_e2e(&effects), [E2e::Required]);
    assert_eq!(last_seal(&state), Some(Seal::Encrypted));
}

#[test]
fn omemo_31_off_takes_effect_with_the_next_line() {
    let mut state = logged_in();
    announces(&mut state, ROMEO);
    run(&mut state, 1, "/msg romeo@example.net hi");
    let effects = run(&mut state, 2, "/omemo off");
    assert_eq!(
        omemo_effects(&effects),
        [(2, OmemoCommand::Off(Some(bare(ROMEO))))]
    );
    assert_eq!(
        results(&effects),
        ["ok /omemo off: OMEMO off for romeo@example.net"]
    );
    let effects = run(&mut state, 3, "in clear");
    assert_eq!(sent_e2e(&effects), [E2e::Plain]);
    assert_eq!(last_seal(&state), None);
    run(&mut state, 4, "/omemo on romeo@example.net");
    assert_eq!(sent_e2e(&run(&mut state, 5, "sealed")), [E2e::Required]);
}

#[test]
fn omemo_31_without_devices_or_with_default_off_messages_stay_plain() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    assert_eq!(sent_e2e(&effects), [E2e::Plain]);
    let prefs = Preferences {
        omemo_default: false,
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    announces(&mut state, ROMEO);
    let effects = run(&mut state, 1, "/msg romeo@example.net hi");
    assert_eq!(sent_e2e(&effects), [E2e::Plain]);
    // Turned on by hand, it is encrypted all the same.
    run(&mut state, 2, "/omemo on");
    assert_eq!(sent_e2e(&run(&mut state, 3, "now")), [E2e::Required]);
}

#[test]
fn omemo_31_a_room_message_is_never_encrypted() {
    let mut state = logged_in();
    in_room(&mut state, ROOM, "juliet");
    announces(&mut state, ROOM);
    state.omemo.chosen.insert(bare(ROOM), true);
    let effects = run(&mut state, 1, "/msg verona@conference.example.com to all");
    assert_eq!(sent_e2e(&effects), [E2e::Plain]);
    let effects = run(&mut state, 2, "/omemo on");
    assert!(omemo_effects(&effects).is_empty());
    assert_eq!(
        results(&effects),
        ["failed /omemo on: OMEMO is for one-to-one chats, not rooms: give a contact's JID"]
    );
    let effects = run(&mut state, 3, "/omemo on verona@conference.example.com");
    assert!(omemo_effects(&effects).is_empty(), "{effects:?}");
}

#[test]
fn omemo_31_corrections_and_receipts_follow_the_conversation() {
    let mut state = logged_in();
    announces(&mut state, ROMEO);
    run(&mut state, 1, "/msg romeo@example.net hi");
    assert_eq!(
        sent_e2e(&run(&mut state, 2, "/correct hello")),
        [E2e::Required]
    );
    // A receipt we answer with carries no body: it stays plain.
    let effects = incoming(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m1'><body>x</body>\
         <request xmlns='urn:xmpp:receipts'/></message>",
        E2e::Decrypted {
            ns: Namespace::Legacy,
            device: 7,
            trusted: true,
        },
    );
    assert!(sent_e2e(&effects).iter().all(|e| *e == E2e::Plain));
}

#[test]
fn omemo_31_without_a_chat_on_screen_on_needs_a_jid() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/omemo on");
    assert_eq!(
        results(&effects),
        ["failed /omemo on: no conversation is open: give the contact's JID"]
    );
    // Fingerprints without a contact: our own.
    let effects = run(&mut state, 2, "/omemo fingerprints");
    assert_eq!(
        omemo_effects(&effects),
        [(2, OmemoCommand::Fingerprints(None))]
    );
}

#[test]
fn omemo_50_the_engines_result_names_the_command() {
    let mut state = logged_in();
    run(&mut state, 1, "/msg romeo@example.net");
    let effects = run(&mut state, 7, "/omemo fingerprints");
    assert_eq!(
        omemo_effects(&effects),
        [(7, OmemoCommand::Fingerprints(Some(bare(ROMEO))))]
    );
    assert!(
        results(&effects).is_empty(),
        "pending until the engine answers"
    );
    let effects = update(
        &mut state,
        Msg::Omemo(Report::Result {
            tag: 7,
            ok: true,
            text: "2 devices".into(),
        }),
    );
    assert_eq!(
        results(&effects),
        ["ok /omemo fingerprints romeo@example.net: 2 devices"]
    );
    assert!(state.omemo.pending.is_empty());
    let fingerprint = "ab".repeat(32);
    let effects = run(
        &mut state,
        8,
        &format!("/omemo untrust romeo@example.net {fingerprint}"),
    );
    assert_eq!(omemo_effects(&effects).len(), 1);
    let effects = update(
        &mut state,
        Msg::Omemo(Report::Result {
            tag: 8,
            ok: false,
            text: "no such device".into(),
        }),
    );
    assert_eq!(
        results(&effects),
        [format!(
            "failed /omemo untrust romeo@example.net {fingerprint}: no such device"
        )]
    );
}

#[test]
fn omemo_40_decrypted_lines_carry_their_trust() {
    let mut state = logged_in();
    for (id, trusted, seal) in [
        ("m1", true, Seal::Encrypted),
        ("m2", false, Seal::Untrusted),
    ] {
        incoming(
            &mut state,
            &format!(
                "<message from='romeo@example.net/orchard' type='chat' id='{id}'>\
                 <body>secret {id}</body></message>"
            ),
            E2e::Decrypted {
                ns: Namespace::Omemo2,
                device: 7,
                trusted,
            },
        );
        let conversation = state.chats.get(romeo_chat(&state)).unwrap();
        let seq = conversation.lines.back().unwrap().seq;
        assert_eq!(conversation.seal(seq), Some(seal));
    }
    incoming(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m3'><body>plain</body></message>",
        E2e::Plain,
    );
    let conversation = state.chats.get(romeo_chat(&state)).unwrap();
    assert_eq!(
        conversation.seal(conversation.lines.back().unwrap().seq),
        None
    );
}

#[test]
fn omemo_41_a_quiet_undecryptable_message_shows_nothing() {
    let mut state = logged_in();
    let effects = incoming(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='k1'>\
         <body>not for this device</body></message>",
        E2e::Undecryptable {
            reason: "a key exchange".into(),
            quiet: true,
        },
    );
    assert!(records(&effects).is_empty(), "{effects:?}");
    assert!(state.chats.latest_with(&bare(ROMEO)).is_none());
}

#[test]
fn omemo_41_an_undecryptable_message_is_one_line_saying_why() {
    let mut state = logged_in();
    let xml = "<message from='romeo@example.net/orchard' type='chat' id='u1'>\
               <body>could not decrypt: no session</body></message>";
    let undecryptable = || E2e::Undecryptable {
        reason: "no session".into(),
        quiet: false,
    };
    let effects = incoming(&mut state, xml, undecryptable());
    assert_eq!(records(&effects).len(), 1);
    let conversation = state.chats.get(romeo_chat(&state)).unwrap();
    assert_eq!(conversation.lines.len(), 1);
    assert_eq!(conversation.lines[0].body, "could not decrypt: no session");
    assert_eq!(conversation.seal(conversation.lines[0].seq), None);
    // The same message again (a resend): still one line.
    let effects = incoming(&mut state, xml, undecryptable());
    assert!(records(&effects).is_empty());
    assert_eq!(state.chats.get(romeo_chat(&state)).unwrap().lines.len(), 1);
}

#[test]
fn omemo_41_a_known_message_never_becomes_an_error_line() {
    let mut state = logged_in();
    incoming(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='s1'>\
         <origin-id xmlns='urn:xmpp:sid:0' id='o1'/><body>hello</body></message>",
        E2e::Decrypted {
            ns: Namespace::Legacy,
            device: 7,
            trusted: true,
        },
    );
    // The same message by another path, which this device cannot read.
    let effects = incoming(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='s1'>\
         <origin-id xmlns='urn:xmpp:sid:0' id='o1'/><body>could not decrypt</body></message>",
        E2e::Undecryptable {
            reason: "already read".into(),
            quiet: false,
        },
    );
    assert!(records(&effects).is_empty(), "{effects:?}");
    let conversation = state.chats.get(romeo_chat(&state)).unwrap();
    assert_eq!(conversation.lines.len(), 1);
    assert_eq!(conversation.lines[0].body, "hello");
}

#[test]
fn omemo_31_a_message_resent_from_the_outbox_follows_the_same_rule() {
    let mut state = logged_in();
    announces(&mut state, ROMEO);
    in_room(&mut state, ROOM, "juliet");
    announces(&mut state, ROOM);
    let to = |jid: &str, kind, body: &str| {
        let mut message = Message::new(kind);
        message.to = Some(jid::Jid::new(jid).unwrap());
        if !body.is_empty() {
            message.bodies = vec![crate::xmpp::stanza::lang::LangText::new(body)];
        }
        message
    };
    use crate::app::omemo::must_encrypt;
    use crate::xmpp::stanza::message::MessageType;
    assert!(must_encrypt(&state, &to(ROMEO, MessageType::Chat, "hi")));
    assert!(must_encrypt(&state, &to(ROMEO, MessageType::Normal, "hi")));
    assert!(!must_encrypt(&state, &to(ROMEO, MessageType::Chat, "")));
    assert!(!must_encrypt(
        &state,
        &to(ROMEO, MessageType::Headline, "hi")
    ));
    assert!(!must_encrypt(
        &state,
        &to(ROOM, MessageType::Groupchat, "hi")
    ));
    assert!(!must_encrypt(
        &state,
        &to(&format!("{ROOM}/romeo"), MessageType::Chat, "hi")
    ));
    state.omemo.chosen.insert(bare(ROMEO), false);
    assert!(!must_encrypt(&state, &to(ROMEO, MessageType::Chat, "hi")));
}
