//! Room history without repeats (checklist §9 MUC-09, MUC-21, MUC-46; §8 MAM-14) against a
//! real Prosody (`muc` with `muc_mam`) and a real ejabberd (`mod_muc` with rooms archived), with
//! a slixmpp occupant (`common::slixmpp`) speaking while balcony is out: what was said is
//! fetched on the next join exactly once, from the room's archive when it keeps one, else
//! through `<history since>`; a restart of balcony reads the room's lines back from the history
//! and shows none twice; a server restart (a new session, not resumed) rejoins the room.

mod common;

use balcony::app::Preferences;
use balcony::app::room::JoinPhase;
use balcony::engine::Engine;
use balcony::history::History;
use common::slixmpp::Device;
use common::{Account, Client, ServerKind, ServerOptions, TestServer};
use jid::BareJid;

const ROOM: &str = "capulet@conference.localhost";

fn room() -> BareJid {
    BareJid::new(ROOM).expect("jid")
}

fn muc_server(kind: ServerKind, mam: bool) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        muc: true,
        mam,
        ..ServerOptions::default()
    })
}

async fn client_with_history(
    server: &TestServer,
    account: &Account,
    path: &std::path::Path,
) -> Client {
    let mut settings = common::settings(server, account);
    settings.resource = Some("balcony".into());
    let history = History::open(path).expect("history");
    let engine =
        Engine::new(settings, Preferences::default(), None, Vec::new()).with_history(history);
    Client::start_engine(engine).await
}

/// How many of the room's lines (not notices) read `body`.
fn shown(client: &Client, body: &str) -> usize {
    let state = &client.engine.state;
    state
        .chats
        .find_room(&room(), None)
        .and_then(|id| state.chats.get(id))
        .map_or(0, |c| {
            c.lines
                .iter()
                .filter(|l| !l.notice && l.body == body)
                .count()
        })
}

/// How many rows of the history read `body`.
fn stored(path: &std::path::Path, account: &Account, body: &str) -> usize {
    let history = History::open(path).expect("history");
    history
        .recent(&account.jid, ROOM, 500)
        .expect("rows")
        .iter()
        .filter(|m| m.body == body)
        .count()
}

async fn wait_shown(client: &mut Client, body: &str) {
    client
        .until(&format!("{body:?} in the room"), |c| shown(c, body) >= 1)
        .await;
}

/// MUC-09, MUC-21, MAM-14: romeo speaks before balcony's first join, while balcony is in the
/// room, and while balcony is not running, and balcony speaks too; the next run's join brings
/// only what it missed, and every line (ours too) is shown and stored once.
async fn room_lines_once_across_runs(kind: ServerKind, mam: bool) {
    let server = muc_server(kind, mam);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "romeo").await;
    bob.set_subject(ROOM, "Feast").await;
    bob.send_groupchat(ROOM, "before you came").await;
    bob.expect_message("the line back", |m| m["body"] == "before you came")
        .await;
    {
        let mut client = client_with_history(&server, &alice, &path).await;
        client.ok(&format!("/join {ROOM}/juliet")).await;
        wait_shown(&mut client, "before you came").await;
        bob.send_groupchat(ROOM, "while you are here").await;
        wait_shown(&mut client, "while you are here").await;
        client.ok("juliet was here").await;
        bob.expect_message("our line", |m| m["body"] == "juliet was here")
            .await;
        client.ok(&format!("/leave {ROOM}")).await;
    }
    bob.send_groupchat(ROOM, "while you were away").await;
    bob.expect_message("the line back", |m| m["body"] == "while you were away")
        .await;
    let mut client = client_with_history(&server, &alice, &path).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    let archived = client
        .engine
        .state
        .rooms
        .get(&room())
        .is_some_and(|r| r.flags.archive);
    assert_eq!(
        archived, mam,
        "the room keeps an archive exactly when the server does"
    );
    wait_shown(&mut client, "while you were away").await;
    // Whatever else would come has come with the join or the archive's page.
    bob.send_groupchat(ROOM, "last").await;
    wait_shown(&mut client, "last").await;
    for body in [
        "before you came",
        "while you are here",
        "juliet was here",
        "while you were away",
        "last",
    ] {
        assert_eq!(shown(&client, body), 1, "{body:?} shown once (MUC-21)");
    }
    drop(client);
    for body in [
        "before you came",
        "while you are here",
        "while you were away",
    ] {
        assert_eq!(
            stored(&path, &alice, body),
            1,
            "{body:?} stored once (MUC-21)"
        );
    }
    bob.quit().await;
}

/// MAM-14: rooms that keep an archive (ejabberd's with `mod_mam`, Prosody's with `muc_mam`).
async fn mam_14_room_archive_once_across_runs(kind: ServerKind) {
    room_lines_once_across_runs(kind, true).await;
}
common::on_both_servers!(mam_14_room_archive_once_across_runs);

/// MUC-09: rooms without an archive: `<history since>` the newest line held.
async fn muc_09_history_since_once_across_runs(kind: ServerKind) {
    room_lines_once_across_runs(kind, false).await;
}
common::on_both_servers!(muc_09_history_since_once_across_runs);

/// MUC-46: the server restarts under balcony (a new session, nothing to resume): balcony
/// joins the room again by itself, and the lines it held are not shown twice.
async fn muc_46_rejoin_after_a_server_restart(kind: ServerKind) {
    let mut server = muc_server(kind, false);
    let alice = server.account("alice");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut client = client_with_history(&server, &alice, &path).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    client.ok("before the restart").await;
    wait_shown(&mut client, "before the restart").await;
    server.restart();
    client
        .until("out of the room", |c| {
            !c.engine
                .state
                .rooms
                .get(&room())
                .is_some_and(|r| r.phase == JoinPhase::Joined)
        })
        .await;
    client
        .until("back in the room", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .is_some_and(|r| r.phase == JoinPhase::Joined)
        })
        .await;
    assert_eq!(shown(&client, "before the restart"), 1);
}
common::on_both_servers!(muc_46_rejoin_after_a_server_restart);

/// MUC-54, MUC-55: after the configured silence balcony pings its own occupant JID; each
/// server's answer reads as "still joined" (no rejoin, no notice), and the next ping is due
/// again after the silence.
async fn muc_54_self_ping_reads_joined(kind: ServerKind) {
    let server = muc_server(kind, false);
    let alice = server.account("alice");
    let mut settings = common::settings(&server, &alice);
    settings.resource = Some("balcony".into());
    let prefs = Preferences {
        self_ping_secs: 1,
        ..Preferences::default()
    };
    let mut client = Client::start_engine(Engine::new(settings, prefs, None, Vec::new())).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    let joined_at = client.engine.state.rooms.clock;
    client
        .until("two self-pings answered", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .is_some_and(|r| r.ping.heard >= joined_at + 2)
        })
        .await;
    let state = &client.engine.state;
    let entry = state.rooms.get(&room()).expect("the room");
    assert_eq!(entry.phase, JoinPhase::Joined);
    let conversation = state
        .chats
        .find_room(&room(), None)
        .and_then(|id| state.chats.get(id))
        .expect("the room's window");
    assert!(
        !conversation
            .lines
            .iter()
            .any(|l| l.body.contains("rejoining") || l.body.contains("cannot tell")),
        "MUC-55: the answer means joined"
    );
}
common::on_both_servers!(muc_54_self_ping_reads_joined);
