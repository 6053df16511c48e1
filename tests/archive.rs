//! The catch-up from the server archive (XEP-0313, checklist §8 MAM-*) against a real Prosody
//! and a real ejabberd, each with its archive module loaded for this test only, and slixmpp as
//! the contact and as the user's other device (`common::slixmpp`): what was said while balcony
//! was not running is in its history after the next login, once each and in order, including
//! what the user sent from the other device; a message that came live and again from the
//! archive is one line; a forged archive result is ignored.

mod common;

use std::path::Path;

use balcony::app::Preferences;
use balcony::app::event::Event;
use balcony::engine::Engine;
use balcony::history::{Direction, History};
use common::slixmpp::Device;
use common::{Account, Client, ServerKind, ServerOptions, TestServer};
use jid::BareJid;

/// Balcony as alice/balcony with the history at `path`, logged in: the catch-up is over and
/// initial presence sent (MAM-21).
async fn balcony(server: &TestServer, account: &Account, path: &Path) -> Client {
    balcony_with(server, account, path, Preferences::default()).await
}

async fn balcony_with(
    server: &TestServer,
    account: &Account,
    path: &Path,
    prefs: Preferences,
) -> Client {
    let mut settings = common::settings(server, account);
    settings.resource = Some("balcony".into());
    let history = History::open(path).expect("history");
    let engine = Engine::new(settings, prefs, None, Vec::new()).with_history(history);
    let client = Client::start_engine(engine).await;
    assert!(
        client.engine.state.archive.supported,
        "MAM-01: the account advertises its archive"
    );
    client
}

/// Ends balcony's session and waits until it is offline.
async fn quit(mut client: Client) {
    client.engine.command_line("/disconnect");
    client
        .until("offline", |c| !c.engine.state.is_online())
        .await;
}

/// The stored conversation with bob, oldest first: (direction, resource, body).
fn stored(path: &Path) -> Vec<(Direction, Option<String>, String)> {
    History::open(path)
        .expect("history")
        .recent("alice@localhost", "bob@localhost", 100)
        .expect("recent")
        .into_iter()
        .map(|m| (m.direction, m.resource, m.body))
        .collect()
}

/// The lines with `body` in balcony's conversation with bob.
fn lines_with(client: &Client, body: &str) -> usize {
    let bob = BareJid::new("bob@localhost").expect("jid");
    client
        .engine
        .state
        .chats
        .latest_with(&bob)
        .map_or(0, |c| c.lines.iter().filter(|l| l.body == body).count())
}

/// MAM-07, MAM-10, MAM-11, MAM-17, MAM-21: bob writes while balcony runs ("zero", "one"), then
/// while it does not ("two", "three"), and the user's phone writes to bob in between. The
/// catch-up cursor is put back behind "one", as when a catch-up was cut short while live
/// messages kept coming: the next login fetches "one" again from the archive. Afterwards every
/// message is stored exactly once, in the order said, the phone's as ours with its resource, and
/// "one" is a single line. On ejabberd the same messages also come as offline messages after
/// initial presence, and are filed once all the same.
async fn catch_up_stores_everything_once_in_order(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        mam: true,
        ..ServerOptions::default()
    });
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;

    // First run on this machine (MAM-09): an empty archive, so nothing to fetch.
    let mut client = balcony(&server, &alice, &path).await;
    let caught_up = client
        .event("the catch-up's end", |e| matches!(e, Event::CatchUp { .. }))
        .await;
    assert_eq!(
        caught_up,
        Event::CatchUp {
            count: 0,
            complete: true
        }
    );
    for body in ["zero", "one"] {
        bob.send_chat("alice@localhost", body, None).await;
        client
            .event(
                body,
                |e| matches!(e, Event::Message { body: b, .. } if b == body),
            )
            .await;
    }
    quit(client).await;

    // The cursor as a catch-up cut short would have left it: behind "one".
    let cursor = History::open(&path)
        .expect("history")
        .archive_cursor("alice@localhost")
        .expect("cursor");
    assert_eq!(
        cursor.last_id,
        Some(archive_id(&path, "one")),
        "MAM-11: once caught up, live archive ids move the cursor"
    );
    History::open(&path)
        .expect("history")
        .set_archive_cursor("alice@localhost", &archive_id(&path, "zero"))
        .expect("set the cursor");

    // Balcony is not running.
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    // Each waits for the one before it to arrive, so the archive holds them in this order. "two"
    // goes to the phone's full JID: sent to the bare JID, the server may still route it to the
    // session balcony has just closed, and the phone would never see it.
    bob.send_chat("alice@localhost/phone", "two", None).await;
    phone.expect_message("two", |m| m["body"] == "two").await;
    phone
        .send_chat("bob@localhost", "from my phone", Some("origin-phone-1"))
        .await;
    bob.expect_message("the phone's message", |m| m["body"] == "from my phone")
        .await;
    phone.quit().await;
    bob.send_chat("alice@localhost", "three", None).await;

    let mut client = balcony(&server, &alice, &path).await;
    let caught_up = client
        .event("the catch-up's end", |e| matches!(e, Event::CatchUp { .. }))
        .await;
    assert_eq!(
        caught_up,
        Event::CatchUp {
            count: 3,
            complete: true
        },
        "one, two and three from bob; the phone's own message is ours"
    );
    // Offline delivery (ejabberd) follows initial presence, before bob's next message.
    bob.send_chat("alice@localhost", "four", None).await;
    client
        .event(
            "four",
            |e| matches!(e, Event::Message { body, .. } if body == "four"),
        )
        .await;

    let expected: Vec<(Direction, Option<String>, String)> = [
        (Direction::Incoming, Some("laptop"), "zero"),
        (Direction::Incoming, Some("laptop"), "one"),
        (Direction::Incoming, Some("laptop"), "two"),
        (Direction::Outgoing, Some("phone"), "from my phone"),
        (Direction::Incoming, Some("laptop"), "three"),
        (Direction::Incoming, Some("laptop"), "four"),
    ]
    .into_iter()
    .map(|(d, r, b)| (d, r.map(str::to_owned), b.to_owned()))
    .collect();
    assert_eq!(stored(&path), expected, "MAM-10, MAM-17");
    for body in ["one", "two", "from my phone", "three"] {
        assert_eq!(lines_with(&client, body), 1, "{body} shown once");
    }
    let conversation = client
        .engine
        .state
        .chats
        .latest_with(&BareJid::new("bob@localhost").expect("jid"))
        .expect("the conversation with bob");
    assert!(
        conversation.unread >= 1,
        "what came while away is unread: {}",
        conversation.unread
    );
    bob.quit().await;
}
common::on_both_servers!(catch_up_stores_everything_once_in_order);

/// The archive id stored for the row with `body`.
fn archive_id(path: &Path, body: &str) -> String {
    let conn = rusqlite::Connection::open(path).expect("open the history");
    conn.query_row(
        "SELECT archive_id FROM messages WHERE body = ?1 AND archive_id IS NOT NULL",
        [body],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("no archive id stored for {body:?}: {e}"))
}

/// MAM-03: an archive result from a contact (a forged page of history, for a query balcony
/// never sent) is ignored and reported: nothing shown, nothing stored.
async fn forged_result_is_ignored(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        mam: true,
        ..ServerOptions::default()
    });
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut client = balcony(&server, &alice, &path).await;
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;
    bob.send_raw(
        "<message to='alice@localhost/balcony'>\
         <result xmlns='urn:xmpp:mam:2' queryid='guessed' id='F1'>\
         <forwarded xmlns='urn:xmpp:forward:0'>\
         <delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>\
         <message xmlns='jabber:client' from='carol@localhost/home' to='alice@localhost' \
         type='chat'><body>forged history</body></message></forwarded></result></message>",
    )
    .await;
    client
        .event(
            "the refusal",
            |e| matches!(e, Event::Error { text } if text.contains("MAM-03")),
        )
        .await;
    bob.send_chat("alice@localhost", "real", None).await;
    client
        .event(
            "bob's real message",
            |e| matches!(e, Event::Message { body, .. } if body == "real"),
        )
        .await;
    assert!(
        !client
            .events
            .iter()
            .any(|e| matches!(e, Event::Message { body, .. } if body.contains("forged"))),
        "{:?}",
        client.events
    );
    let carol = BareJid::new("carol@localhost").expect("jid");
    assert!(client.engine.state.chats.latest_with(&carol).is_none());
    let history = History::open(&path).expect("history");
    assert!(
        history
            .search("alice@localhost", "forged", 10)
            .expect("search")
            .is_empty()
    );
    bob.quit().await;
}
common::on_both_servers!(forged_result_is_ignored);

/// MAM-09, MAM-12: on the first login only the newest messages are fetched (here 2, by
/// `[history] first_login_messages`); scrolling past them asks the archive for the older ones
/// with bob, which are stored before them and shown above them; the archive's start ends it.
async fn first_login_window_then_scrollback(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        mam: true,
        ..ServerOptions::default()
    });
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut bob = Device::start(&server, &bob_account, "laptop", false).await;
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    for body in ["s1", "s2", "s3", "s4"] {
        bob.send_chat("alice@localhost", body, None).await;
        phone.expect_message(body, |m| m["body"] == body).await;
    }
    phone.quit().await;

    let prefs = Preferences {
        first_login_messages: 2,
        ..Preferences::default()
    };
    let mut client = balcony_with(&server, &alice, &path, prefs).await;
    let caught_up = client
        .event("the catch-up's end", |e| matches!(e, Event::CatchUp { .. }))
        .await;
    assert_eq!(
        caught_up,
        Event::CatchUp {
            count: 2,
            complete: true
        }
    );
    let bodies = |client: &Client| -> Vec<String> {
        let bob = BareJid::new("bob@localhost").expect("jid");
        client
            .engine
            .state
            .chats
            .latest_with(&bob)
            .map(|c| c.lines.iter().map(|l| l.body.clone()).collect())
            .unwrap_or_default()
    };
    client
        .until("the local history read", |c| {
            let bob = BareJid::new("bob@localhost").expect("jid");
            c.engine
                .state
                .chats
                .latest_with(&bob)
                .is_some_and(|c| c.history_exhausted)
        })
        .await;
    assert_eq!(bodies(&client), ["s3", "s4"]);
    let id = client
        .engine
        .state
        .chats
        .latest_with(&BareJid::new("bob@localhost").expect("jid"))
        .expect("the conversation")
        .id;
    client.engine.view(balcony::app::ViewMsg::LoadOlder(id));
    client
        .until("the older lines", |c| bodies(c).len() == 4)
        .await;
    assert_eq!(bodies(&client), ["s1", "s2", "s3", "s4"]);
    let stored: Vec<String> = stored(&path).into_iter().map(|(_, _, b)| b).collect();
    assert_eq!(stored, ["s1", "s2", "s3", "s4"]);
    assert!(
        client.engine.state.archive.scrolled_to_start.contains(&id),
        "complete: the start of the archive"
    );
    bob.quit().await;
}
common::on_both_servers!(first_login_window_then_scrollback);
