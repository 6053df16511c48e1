//! Group chat (XEP-0045, checklist §9 MUC) against a real Prosody (`muc` component) and a real
//! ejabberd (`mod_muc`), with slixmpp occupants (`common::slixmpp`) as the other people in the
//! room: joining a room others are in, messages both ways shown once (our own by its
//! reflection), private messages in their own conversation, nick changes on both sides, the
//! subject, a refused join, leaving; a room created as an instant room or through its
//! configuration form (`/join --configure`, submitted or cancelled); `balcony exec` joining, speaking and leaving; and the
//! terminal UI joining and speaking in a room window (tmux).

mod common;

use balcony::app::chat::{ConversationKind, Direction};
use balcony::app::event::Event;
use balcony::app::room::JoinPhase;
use common::slixmpp::Device;
use common::{Client, ServerKind, ServerOptions, TestServer};
use jid::BareJid;

const ROOM: &str = "verona@conference.localhost";

fn room() -> BareJid {
    BareJid::new(ROOM).expect("jid")
}

fn muc_server(kind: ServerKind) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        muc: true,
        ..ServerOptions::default()
    })
}

/// The room's lines (not notices) with `body`, with their direction and nick.
fn room_lines(client: &Client, body: &str) -> Vec<(Direction, Option<String>)> {
    let state = &client.engine.state;
    state
        .chats
        .find_room(&room(), None)
        .and_then(|id| state.chats.get(id))
        .map(|c| {
            c.lines
                .iter()
                .filter(|l| !l.notice && l.body == body)
                .map(|l| (l.direction, l.resource.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Bob (slixmpp, nick romeo) opens the room with a subject; balcony (alice) joins it as juliet.
async fn room_with_romeo(server: &TestServer) -> (Client, Device) {
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "romeo").await;
    bob.set_subject(ROOM, "Balcony scene").await;
    bob.expect_message("the subject back", |m| m["subject"] == "Balcony scene")
        .await;
    let mut client = Client::start(server, &alice).await;
    let text = client.ok(&format!("/join {ROOM}/juliet")).await;
    assert_eq!(
        text,
        format!("joined {ROOM} as juliet (2 here)"),
        "MUC-10: the join is complete with the subject"
    );
    (client, bob)
}

/// MUC-07, MUC-10, MUC-14, MUC-17, MUC-22, MUC-23: balcony joins a room romeo is in, sees him
/// and the subject; what each says reaches the other once (ours matched by its reflection);
/// private messages go both ways in their own `room/nick` conversation.
async fn muc_17_join_speak_and_private_messages(kind: ServerKind) {
    let server = muc_server(kind);
    let (mut client, mut bob) = room_with_romeo(&server).await;
    {
        let entry = client.engine.state.rooms.get(&room()).expect("the room");
        assert_eq!(entry.phase, JoinPhase::Joined);
        assert_eq!(entry.nick, "juliet");
        assert_eq!(entry.subject.as_deref(), Some("Balcony scene"));
        assert!(entry.occupants.get("romeo").is_some(), "MUC-14");
    }
    bob.expect_presence("juliet's arrival", |p| {
        p["from"] == format!("{ROOM}/juliet") && p["type"] == "available"
    })
    .await;

    // Plain text in the room's window goes to the room.
    client.ok("hello all").await;
    let got = bob
        .expect_message("juliet's message", |m| m["body"] == "hello all")
        .await;
    assert_eq!(got["type"], "groupchat");
    assert_eq!(got["from"], format!("{ROOM}/juliet"));
    client
        .event(
            "the reflection",
            |e| matches!(e, Event::Reflected { room, .. } if room == ROOM),
        )
        .await;
    assert_eq!(
        room_lines(&client, "hello all"),
        [(Direction::Outgoing, None)],
        "MUC-17: shown once, as ours"
    );

    bob.send_groupchat(ROOM, "hi juliet").await;
    client
        .event("romeo's message", |e| {
            matches!(e, Event::Message { from, kind, body, .. }
                if from == &format!("{ROOM}/romeo") && kind == "groupchat" && body == "hi juliet")
        })
        .await;
    assert_eq!(
        room_lines(&client, "hi juliet"),
        [(Direction::Incoming, Some("romeo".to_owned()))]
    );

    // MUC-23: a private message has its own conversation.
    bob.send_private(&format!("{ROOM}/juliet"), "psst").await;
    client
        .event("romeo's private message", |e| {
            matches!(e, Event::Message { from, kind, body, .. }
                if from == &format!("{ROOM}/romeo") && kind == "chat" && body == "psst")
        })
        .await;
    let state = &client.engine.state;
    let private = state
        .chats
        .find_room(&room(), Some("romeo"))
        .expect("a private conversation");
    assert_eq!(
        state.chats.get(private).map(|c| c.kind.clone()),
        Some(ConversationKind::Private {
            nick: "romeo".into()
        })
    );
    assert!(
        state.chats.latest_with(&room()).is_none(),
        "no contact chat"
    );

    // MUC-22: /msg ROOM/NICK answers privately.
    client.ok(&format!("/msg {ROOM}/romeo back to you")).await;
    let got = bob
        .expect_message("juliet's private answer", |m| m["body"] == "back to you")
        .await;
    assert_eq!(got["type"], "chat");
    assert_eq!(got["from"], format!("{ROOM}/juliet"));
    bob.quit().await;
}
common::on_both_servers!(muc_17_join_speak_and_private_messages);

/// MUC-13, MUC-15, MUC-16, MUC-19, MUC-20, MUC-25: romeo renames himself and sets the
/// subject; balcony renames itself; another user asking for a nick in use is told what to do;
/// balcony leaves and the room sees it go.
async fn muc_15_nicks_subject_conflict_and_leave(kind: ServerKind) {
    let server = muc_server(kind);
    let (mut client, mut bob) = room_with_romeo(&server).await;

    bob.change_nick(ROOM, "montague").await;
    client
        .event("romeo's new nick", |e| {
            matches!(e, Event::Occupant { nick, change, new_nick, .. }
                if nick == "romeo" && change == "renamed" && new_nick.as_deref() == Some("montague"))
        })
        .await;
    client
        .until("montague in the list", |c| {
            c.engine.state.rooms.get(&room()).is_some_and(|r| {
                r.occupants.get("montague").is_some() && r.occupants.get("romeo").is_none()
            })
        })
        .await;

    client.ok("/nick jules").await;
    bob.expect_presence("juliet's new nick", |p| {
        p["from"] == format!("{ROOM}/jules") && p["type"] == "available"
    })
    .await;
    client
        .until("our new nick", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .is_some_and(|r| r.nick == "jules")
        })
        .await;

    bob.set_subject(ROOM, "Act II").await;
    client
        .event("the new subject", |e| {
            matches!(e, Event::RoomSubject { subject, nick, .. }
                if subject == "Act II" && nick.as_deref() == Some("montague"))
        })
        .await;
    assert_eq!(
        client.ok("/topic").await,
        format!("{ROOM}: Act II (set by montague)")
    );

    // MUC-13: a nick in use.
    let carol = server.account("carol");
    let mut other = Client::start(&server, &carol).await;
    let (ok, text) = other.run(&format!("/join {ROOM}/montague")).await;
    assert!(!ok);
    assert!(
        text.contains("montague is taken") && text.contains(&format!("/join {ROOM}/montague_")),
        "{text}"
    );

    client.ok("/leave good night").await;
    bob.expect_presence("juliet leaving", |p| {
        p["from"] == format!("{ROOM}/jules") && p["type"] == "unavailable"
    })
    .await;
    assert!(!client.engine.state.rooms.is_present(&room()));
    bob.quit().await;
}
common::on_both_servers!(muc_15_nicks_subject_conflict_and_leave);

/// `balcony exec` joins, speaks (the room's line once), reads the subject and leaves, printing
/// the room's events.
async fn exec_joins_speaks_and_leaves(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "romeo").await;
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().expect("tempdir");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args([
            "exec",
            "--wait",
            "1",
            &format!("/join {ROOM}/juliet"),
            "hello from exec",
            "/topic",
            &format!("/leave {ROOM} bye"),
        ])
        .output()
        .await
        .expect("exec");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for wanted in [
        format!("ok /join {ROOM}: joined {ROOM} as juliet (2 here)"),
        format!("room-joined {ROOM} as juliet occupants=2"),
        "ok say: sent".to_owned(),
        format!("reflected {ROOM} id="),
        format!("ok /leave {ROOM}: left {ROOM}"),
        format!("room-left {ROOM} left"),
    ] {
        assert!(
            stdout.contains(&wanted),
            "{wanted:?} missing from:\n{stdout}"
        );
    }
    bob.expect_message("the message from exec", |m| {
        m["body"] == "hello from exec" && m["type"] == "groupchat"
    })
    .await;
    bob.quit().await;
}
common::on_both_servers!(exec_joins_speaks_and_leaves);

/// The terminal UI: `/join` opens the room's window, which the input line then speaks to; the
/// room's lines show with the speaker's nick.
async fn tui_joins_and_speaks(kind: ServerKind) {
    use common::tmux::{Tmux, shell_quote};
    use std::time::Duration;
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "romeo").await;
    let config = server.write_config(&alice, "");
    let tmux = Tmux::start(&format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    ));
    tmux.wait_for("online as alice@localhost/", Duration::from_secs(20));
    tmux.type_text(&format!("/join {ROOM}/juliet"));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("you joined as juliet", Duration::from_secs(20));
    tmux.type_text("hello from the terminal");
    tmux.send_keys(&["Enter"]);
    bob.expect_message("juliet's line", |m| {
        m["body"] == "hello from the terminal" && m["type"] == "groupchat"
    })
    .await;
    bob.send_groupchat(ROOM, "welcome, juliet").await;
    let screen = tmux.wait_for("<#romeo> welcome, juliet", Duration::from_secs(20));
    assert_eq!(
        screen.matches("hello from the terminal").count(),
        1,
        "MUC-17: our line once:\n{screen}"
    );
    tmux.type_text("/quit");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("EXITED:0", Duration::from_secs(10));
    bob.quit().await;
}
common::on_both_servers!(tui_joins_and_speaks);

/// MUC-45: a room balcony creates by joining is opened at once (an instant room), so others
/// can enter: Prosody keeps a new room locked until its creator does.
async fn muc_45_created_room_lets_others_in(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let new_room = "capulet@conference.localhost";
    let text = client.ok(&format!("/join {new_room}/juliet")).await;
    assert_eq!(text, format!("joined {new_room} as juliet (1 here)"));
    let room = BareJid::new(new_room).expect("jid");
    client
        .until("the instant room", |c| {
            c.engine
                .state
                .rooms
                .get(&room)
                .is_some_and(|r| !r.awaiting_configuration)
        })
        .await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(new_room, "romeo").await;
    client
        .event("romeo's arrival", |e| {
            matches!(e, Event::Occupant { nick, change, .. } if nick == "romeo" && change == "joined")
        })
        .await;
    bob.quit().await;
}
common::on_both_servers!(muc_45_created_room_lets_others_in);

/// The result of command `tag`, once it came: (ok, text).
async fn result_of(client: &mut Client, tag: u64) -> (bool, String) {
    let event = client
        .event(
            "the command's result",
            |e| matches!(e, Event::Result { tag: t, .. } if *t == tag),
        )
        .await;
    let Event::Result { ok, text, .. } = event else {
        unreachable!()
    };
    (ok, text)
}

/// MUC-45: `/join --configure` creating a room shows its configuration form instead of opening
/// it; the join is done (and says the room stays closed), and only once the user submits the
/// form can others enter (Prosody keeps the room locked meanwhile).
async fn muc_45_join_configure_submits_the_form(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let new_room = "montague@conference.localhost";
    let room = BareJid::new(new_room).expect("jid");
    let tag = client
        .engine
        .command_line(&format!("/join {new_room}/juliet --configure"));
    client
        .event(
            "the configuration form",
            |e| matches!(e, Event::Info { text } if text.contains("/configure submit")),
        )
        .await;
    assert!(
        client
            .engine
            .state
            .rooms
            .get(&room)
            .is_some_and(|r| r.awaiting_configuration)
    );
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    if kind == ServerKind::Prosody {
        assert_eq!(
            bob.try_join_room(new_room, "romeo").await.as_deref(),
            Some("item-not-found"),
            "MUC-45: the room stays locked until the form is submitted"
        );
    }
    let (ok, text) = result_of(&mut client, tag).await;
    assert!(ok && text.contains("stays closed to others"), "{text}");
    let text = client.ok("/configure name=Montague").await;
    assert_eq!(text, format!("{new_room} is configured"));
    if kind == ServerKind::Prosody {
        assert_eq!(bob.try_join_room(new_room, "romeo").await, None);
    } else {
        bob.join_room(new_room, "romeo").await;
    }
    client
        .event("romeo's arrival", |e| {
            matches!(e, Event::Occupant { nick, change, .. } if nick == "romeo" && change == "joined")
        })
        .await;
    bob.quit().await;
}
common::on_both_servers!(muc_45_join_configure_submits_the_form);

/// MUC-43, MUC-45: `/configure cancel` while a room is being created cancels it, and the user
/// is told the service destroys the room.
async fn muc_43_cancel_during_creation(kind: ServerKind) {
    let server = muc_server(kind);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;
    let new_room = "rosaline@conference.localhost";
    let tag = client
        .engine
        .command_line(&format!("/join {new_room}/juliet --configure"));
    client
        .event(
            "the configuration form",
            |e| matches!(e, Event::Info { text } if text.contains("/configure cancel")),
        )
        .await;
    let (ok, text) = result_of(&mut client, tag).await;
    assert!(ok && text.contains("stays closed to others"), "{text}");
    let text = client.ok("/configure cancel").await;
    assert!(text.contains("destroys the room"), "{text}");
}
common::on_both_servers!(muc_43_cancel_during_creation);

/// MUC-21: what was said before we came is history: shown once, with the room's time, and
/// not counted as unread.
async fn muc_21_history_on_join(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "romeo").await;
    bob.send_groupchat(ROOM, "before you came").await;
    bob.expect_message("the line back", |m| m["body"] == "before you came")
        .await;
    let mut client = Client::start(&server, &alice).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    assert_eq!(
        room_lines(&client, "before you came"),
        [(Direction::Incoming, Some("romeo".to_owned()))]
    );
    let state = &client.engine.state;
    let conversation = state
        .chats
        .find_room(&room(), None)
        .and_then(|id| state.chats.get(id))
        .expect("the room's window");
    assert_eq!(conversation.unread, 0, "history is not news");
    bob.quit().await;
}
common::on_both_servers!(muc_21_history_on_join);

/// MUC-26: a moderator removes balcony: it says who and why, and the room counts as left.
async fn muc_26_kicked_by_a_moderator(kind: ServerKind) {
    let server = muc_server(kind);
    let (mut client, mut bob) = room_with_romeo(&server).await;
    // Romeo created the room: he is its owner and a moderator.
    bob.send_raw(&format!(
        "<iq type='set' id='kick1' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'>\
         <item nick='juliet' role='none'><reason>hush</reason></item></query></iq>"
    ))
    .await;
    let event = client
        .event("our removal", |e| matches!(e, Event::RoomLeft { .. }))
        .await;
    let Event::RoomLeft { why, reason, .. } = event else {
        unreachable!()
    };
    assert_eq!(why, "kicked");
    assert_eq!(reason.as_deref(), Some("hush"));
    assert!(!client.engine.state.rooms.is_present(&room()));
    bob.quit().await;
}
common::on_both_servers!(muc_26_kicked_by_a_moderator);
