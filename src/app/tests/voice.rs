//! Voice requests in moderated rooms (XEP-0045 §7.13, §8.6; checklist
//! MUC-34, MUC-37), and the nick a room reserves for us (§7.12, MUC-06).

use super::*;

const ROOM: &str = "verona@conference.example.com";

/// In [`ROOM`] as juliet with `role`.
fn in_room_with_role(role: &str) -> State {
    let mut state = logged_in();
    in_room(&mut state, ROOM, "juliet");
    presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='{role}'/><status code='110'/></x></presence>"
        ),
    );
    state.active = state.chats.find_room(&bare(ROOM), None);
    state
}

/// What a room relays to its moderators when `nick` asks for voice.
fn relayed(nick: &str) -> String {
    format!(
        "<message from='{ROOM}' id='r1'><x xmlns='jabber:x:data' type='form'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#request</value></field>\
         <field var='muc#role' type='list-single'><value>participant</value></field>\
         <field var='muc#jid' type='jid-single'><value>{nick}@example.com/x</value></field>\
         <field var='muc#roomnick' type='text-single'><value>{nick}</value></field>\
         <field var='muc#request_allow' type='boolean'><value>false</value></field>\
         </x></message>"
    )
}

/// MUC-34: a visitor's `/requestvoice` sends the room the muc#request form.
#[test]
fn muc_34_request_voice_sends_the_form() {
    let mut state = in_room_with_role("visitor");
    let effects = run(&mut state, 1, "/requestvoice");
    let lines = trace(&effects);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("to='{ROOM}' type='normal'"))
                && l.contains("<value>http://jabber.org/protocol/muc#request</value>")
                && l.contains("var='muc#role'")
                && l.contains("<value>participant</value>")),
        "{lines:?}"
    );
    assert_eq!(
        results(&effects),
        [format!(
            "ok /requestvoice: asked the moderators of {ROOM} for voice"
        )]
    );
}

/// MUC-34: a participant already has voice; nothing is sent.
#[test]
fn muc_34_participant_needs_no_voice() {
    let mut state = in_room_with_role("participant");
    let effects = run(&mut state, 1, "/requestvoice");
    assert!(!trace(&effects).iter().any(|l| l.contains("<message")));
    assert!(results(&effects)[0].contains("already have voice"));
}

/// MUC-37: a relayed request waits (never approved by itself), is
/// counted and described, and `/allowvoice` submits it back with
/// `muc#request_allow` and the `muc#jid` it came with (ejabberd refuses an
/// approval without it).
#[test]
fn muc_37_relayed_request_waits_until_allowed() {
    let mut state = in_room_with_role("moderator");
    let effects = message(&mut state, &relayed("tybalt"));
    assert!(
        !trace(&effects).iter().any(|l| l.contains("<message")),
        "nothing is sent by itself"
    );
    assert!(
        trace(&effects)
            .iter()
            .any(|l| l == &format!("emit: voice-request {ROOM} tybalt jid=tybalt@example.com")),
        "{:?}",
        trace(&effects)
    );
    assert_eq!(state.voice_requests.len(), 1);
    // A repeat is the same request.
    message(&mut state, &relayed("tybalt"));
    assert_eq!(state.voice_requests.len(), 1);
    let effects = run(&mut state, 2, "/allowvoice");
    let lines = trace(&effects);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("to='{ROOM}' type='normal'"))
                && l.contains("var='muc#roomnick'")
                && l.contains("<value>tybalt@example.com/x</value>")
                && l.contains("<value>tybalt</value>")
                && l.contains("var='muc#request_allow' type='boolean'><value>true</value>")),
        "{lines:?}"
    );
    assert!(state.voice_requests.is_empty());
}

/// MUC-37: with several waiting, `/allowvoice` lists them; `/voice NICK`
/// answers one too.
#[test]
fn muc_37_several_are_listed_and_voice_answers() {
    let mut state = in_room_with_role("moderator");
    message(&mut state, &relayed("tybalt"));
    message(&mut state, &relayed("mercutio"));
    presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/mercutio'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='visitor'/></x></presence>"
        ),
    );
    let effects = run(&mut state, 1, "/allowvoice");
    let lines = results(&effects);
    assert!(
        lines[0].contains("2 voice requests")
            && lines[0].contains("tybalt")
            && lines[0].contains("mercutio"),
        "{lines:?}"
    );
    run(&mut state, 2, "/voice mercutio");
    assert_eq!(state.voice_requests.len(), 1);
    assert_eq!(
        results(&run(&mut state, 3, "/allowvoice romeo")),
        ["failed /allowvoice romeo: no voice request from romeo"]
    );
}

/// A form from a room we are not in is nobody's request.
#[test]
fn muc_37_requests_from_other_rooms_are_ignored() {
    let mut state = logged_in();
    message(&mut state, &relayed("tybalt"));
    assert!(state.voice_requests.is_empty());
}

/// MUC-06: `/join ROOM` without a nick asks the room for the nick it
/// reserves for us and joins with it, whichever answer comes first.
#[test]
fn muc_06_join_without_nick_uses_the_reserved_nick() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, &format!("/join {ROOM}"));
    let lines = trace(&effects);
    assert!(
        lines.iter().any(|l| l.starts_with("request ReservedNick")
            && l.contains(
                "<query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/>"
            )),
        "{lines:?}"
    );
    let info = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Ok(Answer::Features(Vec::new())),
        },
    );
    assert!(
        sent_presences(&info).is_empty(),
        "waits for the reserved nick"
    );
    let reserved = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::ReservedNick { room: bare(ROOM) },
            result: Ok(Answer::ReservedNick(Some("thirdwitch".into()))),
        },
    );
    let sent = sent_presences(&reserved);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].starts_with(&format!("<presence to='{ROOM}/thirdwitch'>")),
        "{sent:?}"
    );
}

/// MUC-06: a typed nick is used as typed; the room is not asked.
#[test]
fn muc_06_typed_nick_is_not_replaced() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, &format!("/join {ROOM}/juliet"));
    assert!(!trace(&effects).iter().any(|l| l.contains("ReservedNick")));
}

/// MUC-06: a refused reserved-nick query leaves the default nick.
#[test]
fn muc_06_no_reserved_nick_keeps_the_default() {
    let mut state = logged_in();
    run(&mut state, 1, &format!("/join {ROOM}"));
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::ReservedNick { room: bare(ROOM) },
            result: Err(RequestError::Stanza(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::FeatureNotImplemented,
            ))),
        },
    );
    let info = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Ok(Answer::Features(Vec::new())),
        },
    );
    let sent = sent_presences(&info);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].starts_with(&format!("<presence to='{ROOM}/juliet'>")),
        "{sent:?}"
    );
}
