//! A 1:1 chat carried on in a room (XEP-0045 §7.8.2, XEP-0249; checklist
//! MUC-32, MUC-52).

use super::*;

const ROOM: &str = "verona@conference.example.com";

/// A chat with romeo, on screen, with a line each way; returns its thread.
fn chat_with_romeo(state: &mut State) -> String {
    run(state, 1, "/msg romeo@example.net meet me at the feast");
    message(
        state,
        "<message from='romeo@example.net/orchard' type='chat'><body>I will come</body></message>",
    );
    let chat = state.active.unwrap();
    state.chats.get(chat).unwrap().thread.clone().unwrap()
}

/// The room answers the join of `/continue` (no reserved nick, our own
/// presence, the subject) and returns what that did.
fn room_answers_join(state: &mut State, room: &str, nick: &str, features: &[&str]) -> Vec<Effect> {
    let mut effects = update(
        state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(room) },
            result: Ok(Answer::Features(
                features.iter().map(|f| (*f).to_owned()).collect(),
            )),
        },
    );
    effects.extend(update(
        state,
        Msg::Reply {
            purpose: Purpose::ReservedNick { room: bare(room) },
            result: Ok(Answer::ReservedNick(None)),
        },
    ));
    effects.extend(presence(
        state,
        &format!(
            "<presence from='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' role='moderator'/><status code='110'/></x></presence>"
        ),
    ));
    effects.extend(message(
        state,
        &format!("<message from='{room}' type='groupchat'><subject/></message>"),
    ));
    effects
}

/// MUC-32: `/continue` joins the room, posts the chat's lines when asked,
/// and invites the peer (and others named) through the room with the
/// chat's thread; the room's messages then carry that thread.
#[test]
fn muc_32_continue_a_chat_in_a_room() {
    let mut state = logged_in();
    let thread = chat_with_romeo(&mut state);
    let chat = state.active.unwrap();
    let effects = run(
        &mut state,
        2,
        &format!("/continue --room {ROOM} --history nurse@example.com"),
    );
    assert!(results(&effects).is_empty(), "{:?}", trace(&effects));
    let effects = room_answers_join(&mut state, ROOM, "juliet", &[]);
    let lines = trace(&effects);
    let history = lines
        .iter()
        .find(|l| l.contains("type='groupchat'"))
        .expect("the chat's lines are posted");
    assert!(
        history.contains(&format!("<thread>{thread}</thread>"))
            && history.contains("&gt; juliet: meet me at the feast")
            && history.contains("&gt; Romeo: I will come"),
        "{history}"
    );
    let invites: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("jabber:x:conference"))
        .collect();
    assert_eq!(invites.len(), 2, "{lines:?}");
    assert!(
        invites[0].contains("to='romeo@example.net'")
            && invites[0].contains("continue='true'")
            && invites[0].contains(&format!("thread='{thread}'")),
        "{}",
        invites[0]
    );
    assert!(invites[1].contains("to='nurse@example.com'"));
    assert_eq!(
        results(&effects),
        [format!(
            "ok /continue: joined {ROOM} as juliet (1 here); posted the chat's recent lines, for everyone in the room to read; \
             invited romeo@example.net, nurse@example.com to continue the chat here"
        )]
    );
    let notice = &state.chats.get(chat).unwrap().lines.back().unwrap();
    assert!(notice.notice && notice.body.contains(ROOM), "{notice:?}");
    // What we say in the room goes on in the chat's thread.
    state.active = state.chats.find_room(&bare(ROOM), None);
    let said = run(&mut state, 3, "all here now");
    assert!(
        trace(&said)
            .iter()
            .any(|l| l.contains("type='groupchat'")
                && l.contains(&format!("<thread>{thread}</thread>"))),
        "{:?}",
        trace(&said)
    );
}

/// MUC-32: in a members-only room the invitation goes through the room,
/// with `<continue thread/>`.
#[test]
fn muc_32_members_only_room_invites_through_the_room() {
    let mut state = logged_in();
    let thread = chat_with_romeo(&mut state);
    run(&mut state, 2, &format!("/continue --room {ROOM}"));
    let effects = room_answers_join(&mut state, ROOM, "juliet", &["muc_membersonly"]);
    assert!(
        trace(&effects).iter().any(|l| l.contains(&format!(
            "<invite to='romeo@example.net'><reason>continuing our chat in {ROOM}</reason>\
             <continue thread='{thread}'/></invite>"
        ))),
        "{:?}",
        trace(&effects)
    );
}

/// MUC-32: only from a chat with one person, and the room needs a service.
#[test]
fn muc_32_needs_a_chat_and_a_service() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/continue");
    assert_eq!(
        results(&effects),
        ["failed /continue: switch to a chat with one person first"]
    );
    chat_with_romeo(&mut state);
    let effects = run(&mut state, 2, "/continue");
    assert_eq!(
        results(&effects),
        [
            "failed /continue: name the room: /continue --room ROOM@SERVICE (/rooms finds your chat service)"
        ]
    );
    // A service alone gets a made-up room name there.
    run(&mut state, 3, "/continue --room conference.example.com");
    let room = state.rooms.iter().next().unwrap().jid.clone();
    assert_eq!(room.domain().as_str(), "conference.example.com");
    assert!(room.node().unwrap().as_str().starts_with("juliet-"));
}

/// MUC-52: an invitation that continues a chat says so; accepting it links
/// the room to that chat (a notice in each) and the room's messages carry
/// its thread.
#[test]
fn muc_52_accepting_a_continuation() {
    let mut state = logged_in();
    let thread = chat_with_romeo(&mut state);
    let chat = state.active.unwrap();
    let effects = message(
        &mut state,
        &format!(
            "<message from='{ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <invite from='romeo@example.net/orchard'><reason>more of us</reason>\
             <continue thread='{thread}'/></invite></x></message>"
        ),
    );
    assert_eq!(
        trace(&effects),
        [format!(
            "emit: invitation {ROOM} mediated from=romeo@example.net continues={thread} \"more of us\""
        )]
    );
    assert!(
        state
            .invitations
            .get(&bare(ROOM))
            .unwrap()
            .describe()
            .contains("to continue your chat")
    );
    run(&mut state, 2, "/accept");
    let effects = room_answers_join(&mut state, ROOM, "juliet", &[]);
    assert_eq!(
        results(&effects),
        [format!("ok /accept: joined {ROOM} as juliet (1 here)")]
    );
    let chat_notice = state.chats.get(chat).unwrap().lines.back().unwrap();
    assert!(chat_notice.notice && chat_notice.body.contains(ROOM));
    let room = state.chats.find_room(&bare(ROOM), None).unwrap();
    let room_notice = state.chats.get(room).unwrap().lines.back().unwrap();
    assert!(
        room_notice.body.contains("continues your chat with"),
        "{room_notice:?}"
    );
    assert_eq!(
        state.chats.get(room).unwrap().thread.as_deref(),
        Some(thread.as_str())
    );
}

/// MUC-52: a direct invitation continues a chat only with
/// `continue='true'` and a thread.
#[test]
fn muc_52_direct_continuation() {
    let mut state = logged_in();
    message(
        &mut state,
        &format!(
            "<message from='romeo@example.net/orchard'>\
             <x xmlns='jabber:x:conference' jid='{ROOM}' continue='true' thread='t-77'/></message>"
        ),
    );
    assert_eq!(
        state
            .invitations
            .get(&bare(ROOM))
            .unwrap()
            .continues
            .as_deref(),
        Some("t-77")
    );
    message(
        &mut state,
        "<message from='romeo@example.net/orchard'>\
         <x xmlns='jabber:x:conference' jid='mantua@conference.example.com' thread='t-78'/></message>",
    );
    assert_eq!(
        state
            .invitations
            .get(&bare("mantua@conference.example.com"))
            .unwrap()
            .continues,
        None
    );
}
