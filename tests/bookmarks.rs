//! Room bookmarks against a real Prosody (XEP-0402 with `#compat`) and a real ejabberd 23.01
//! (XEP-0048 in XEP-0049 private storage), with slixmpp as the user's other device
//! (`common::slixmpp`; checklist §10 BOOKMARKS, §11 PEP): balcony adds, lists and removes;
//! what the other device stores reaches balcony live (Prosody's notifications) or at the next
//! listing (private storage sends none); what balcony does not understand survives its edits;
//! a lookalike notification from another account is ignored; a node made public by another
//! client is never written without its options.

mod common;

use balcony::app::Preferences;
use balcony::app::bookmarks::Store;
use balcony::app::event::Event;
use common::slixmpp::Device;
use common::{Client, ServerKind, ServerOptions, TestServer};

const ROOM: &str = "verona@conference.localhost";

fn server(kind: ServerKind) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        pep: true,
        ..ServerOptions::default()
    })
}

/// Balcony logged in as `resource` with its bookmarks read.
async fn balcony_as(server: &TestServer, account: &common::Account, resource: &str) -> Client {
    let mut client =
        Client::start_with(server, account, Preferences::default(), None, resource).await;
    client
        .until("the bookmarks read", |c| c.engine.state.bookmarks.loaded)
        .await;
    client
}

async fn balcony(server: &TestServer, account: &common::Account) -> Client {
    balcony_as(server, account, "balcony").await
}

fn is_bookmark(event: &Event, room: &str) -> bool {
    matches!(event, Event::Bookmark { room: r, .. } if r == room)
}

fn is_change(event: &Event, change: &str, room: &str) -> bool {
    matches!(event, Event::RoomChange { change: c, room: r, .. } if c == change && r == room)
}

/// BOOKMARKS-01, -04, -05, -07, -11, -13: the store follows the server (Prosody: XEP-0402;
/// ejabberd 23.01: private storage); balcony adds a bookmark with autojoin (joined), lists it,
/// finds it again at the next login (joined again, with its nick), and removes it.
async fn add_list_remove(kind: ServerKind) {
    let server = server(kind);
    let alice = server.account("alice");
    let mut client = balcony(&server, &alice).await;
    let expected = match kind {
        ServerKind::Prosody => Store::Pep,
        ServerKind::Ejabberd => Store::Private,
    };
    assert_eq!(client.engine.state.bookmarks.store, expected);
    assert_eq!(client.ok("/bookmark list").await, "no bookmarks");

    let text = client
        .ok(&format!(
            "/bookmark add {ROOM} --autojoin --nick jules --name Fair Verona"
        ))
        .await;
    assert_eq!(text, format!("bookmarked {ROOM}"));
    let joined = client
        .event("the autojoin", |e| is_change(e, "join", ROOM))
        .await;
    assert_eq!(
        joined.to_line(),
        format!("bookmark autojoin: {ROOM} as jules")
    );
    client.events.clear();
    assert_eq!(client.ok("/bookmark list").await, "1 bookmark");
    let listed = client
        .event("the listed bookmark", |e| is_bookmark(e, ROOM))
        .await;
    assert_eq!(
        listed.to_line(),
        format!("bookmark {ROOM} name=\"Fair Verona\" autojoin=yes nick=jules")
    );

    // The next login (here on another desk) reads it from the server and joins.
    let mut client = balcony_as(&server, &alice, "desk").await;
    client
        .event("the autojoin at login", |e| is_change(e, "join", ROOM))
        .await;

    let text = client.ok(&format!("/bookmark remove {ROOM}")).await;
    assert_eq!(text, format!("removed the bookmark for {ROOM}"));
    assert_eq!(client.ok("/bookmark list").await, "no bookmarks");
    let (ok, text) = client.run(&format!("/bookmark remove {ROOM}")).await;
    assert!(!ok && text.contains("no bookmark"), "{text}");
}
common::on_both_servers!(add_list_remove);

/// BOOKMARKS-10, BOOKMARKS-06, PEP-02, PEP-10 (Prosody): the other device publishes a bookmark
/// with autojoin and an extension: balcony hears it live (our caps ask for the node's
/// notifications) and joins; balcony's edit keeps the extension and the unknown attribute;
/// the device's retract makes balcony leave and forget it.
#[tokio::test]
async fn bookmarks_10_pushes_from_another_device_apply_live() {
    let server = server(ServerKind::Prosody);
    let alice = server.account("alice");
    let mut client = balcony(&server, &alice).await;
    let mut phone = Device::start(&server, &alice, "phone", false).await;

    let (answer, xml) = phone
        .publish_bookmark(
            ROOM,
            "<conference xmlns='urn:xmpp:bookmarks:1' name='Verona' autojoin='true' \
             x-colour='red'><nick>romeo</nick><extensions>\
             <state xmlns='urn:example:client' minimized='true'/></extensions></conference>",
        )
        .await;
    assert_eq!(answer, "result", "{xml}");
    let pushed = client
        .event("the pushed bookmark", |e| is_bookmark(e, ROOM))
        .await;
    assert_eq!(
        pushed.to_line(),
        format!("bookmark {ROOM} name=\"Verona\" autojoin=yes nick=romeo")
    );
    let joined = client
        .event("the autojoin", |e| is_change(e, "join", ROOM))
        .await;
    assert_eq!(
        joined.to_line(),
        format!("bookmark autojoin: {ROOM} as romeo")
    );

    // BOOKMARKS-06: balcony's edit keeps what it does not understand.
    client
        .ok(&format!("/bookmark add {ROOM} --nick jules"))
        .await;
    let (answer, xml) = phone.bookmarks().await;
    assert_eq!(answer, "result");
    assert!(xml.contains("minimized=\"true\""), "{xml}");
    assert!(xml.contains("x-colour=\"red\""), "{xml}");
    assert!(xml.contains(">jules<"), "{xml}");

    let (answer, xml) = phone.retract_bookmark(ROOM).await;
    assert_eq!(answer, "result", "{xml}");
    client
        .event(
            "the retract",
            |e| matches!(e, Event::BookmarkRemoved { room } if room == ROOM),
        )
        .await;
    client
        .event("the leave", |e| is_change(e, "leave", ROOM))
        .await;
    assert!(client.engine.state.bookmarks.list.is_empty());
    phone.quit().await;
}

/// BOOKMARKS-13, BOOKMARKS-17 (ejabberd 23.01, private storage): what the other device stores
/// reaches balcony through the server's PEP copy (`storage:bookmarks`) and shows at the next
/// listing; balcony's add keeps the device's conference, its `<url/>` and an unknown child.
#[tokio::test]
async fn bookmarks_13_private_storage_edits_keep_the_rest() {
    let server = server(ServerKind::Ejabberd);
    let alice = server.account("alice");
    let mut client = balcony(&server, &alice).await;
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    let (answer, xml) = phone
        .set_private_bookmarks(
            "<storage xmlns='storage:bookmarks'>\
             <conference jid='capulet@conference.localhost' name='Capulet' autojoin='true'>\
             <nick>romeo</nick><x xmlns='urn:example:client'/></conference>\
             <url name='Globe' url='https://globe.example'/></storage>",
        )
        .await;
    assert_eq!(answer, "result", "{xml}");
    // BOOKMARKS-17: the server's PEP copy brings it live, and it is joined.
    client
        .event("the converted copy's autojoin", |e| {
            is_change(e, "join", "capulet@conference.localhost")
        })
        .await;

    assert_eq!(client.ok("/bookmark list").await, "1 bookmark");
    let listed = client
        .event("the device's bookmark", |e| {
            is_bookmark(e, "capulet@conference.localhost")
        })
        .await;
    assert_eq!(
        listed.to_line(),
        "bookmark capulet@conference.localhost name=\"Capulet\" autojoin=yes nick=romeo"
    );

    client
        .ok(&format!("/bookmark add {ROOM} --name Verona"))
        .await;
    let (answer, xml) = phone.private_bookmarks().await;
    assert_eq!(answer, "result");
    for kept in [
        "capulet@conference.localhost",
        "https://globe.example",
        "urn:example:client",
        ROOM,
    ] {
        assert!(xml.contains(kept), "{kept} missing from {xml}");
    }
    phone.quit().await;
}

/// BOOKMARKS-21, PEP-03, PEP-05: a lookalike notification from another account is ignored, and
/// never shown as a message.
async fn bookmarks_21_spoofed_notification_is_ignored(kind: ServerKind) {
    let server = server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = balcony(&server, &alice).await;
    client.ok(&format!("/bookmark add {ROOM}")).await;
    let mut mallory = Device::start(&server, &bob, "laptop", false).await;
    mallory
        .send_raw(&format!(
            "<message to='alice@localhost/balcony' type='headline'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'><retract id='{ROOM}'/></items></event></message>"
        ))
        .await;
    mallory
        .send_chat("alice@localhost/balcony", "after the lookalike", None)
        .await;
    client
        .event(
            "the message after it",
            |e| matches!(e, Event::Message { body, .. } if body == "after the lookalike"),
        )
        .await;
    assert!(
        client
            .engine
            .state
            .bookmarks
            .list
            .keys()
            .any(|r| r.to_string() == ROOM),
        "the bookmark is still there"
    );
    assert!(
        !client
            .events
            .iter()
            .any(|e| matches!(e, Event::BookmarkRemoved { .. } | Event::Headline { .. })),
        "{:?}",
        client.events
    );
    mallory.quit().await;
}
common::on_both_servers!(bookmarks_21_spoofed_notification_is_ignored);

/// BOOKMARKS-08 (Prosody): another client created the node with the open access model; balcony's
/// publish demanding a whitelist is refused, told, and not retried without the options (the
/// node still holds nothing).
#[tokio::test]
async fn bookmarks_08_precondition_not_met_is_told() {
    let server = server(ServerKind::Prosody);
    let alice = server.account("alice");
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    let (answer, xml) = phone.open_bookmarks_node().await;
    assert_eq!(answer, "result", "{xml}");
    let mut client = balcony(&server, &alice).await;
    let (ok, text) = client.run(&format!("/bookmark add {ROOM}")).await;
    assert!(!ok, "{text}");
    assert!(text.contains("precondition-not-met"), "{text}");
    let (answer, xml) = phone.bookmarks().await;
    assert_eq!(answer, "result", "{xml}");
    assert!(!xml.contains(ROOM), "nothing was published: {xml}");
    phone.quit().await;
}

/// `balcony exec ARGS` for `config`; returns (success, stdout and stderr).
async fn exec(config: &std::path::Path, data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data)
        .env("XDG_STATE_HOME", data)
        .arg("--config")
        .arg(config)
        .arg("exec")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run balcony exec");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `exec` adds, lists (text and JSON: room, name, autojoin, nick) and removes bookmarks, and
/// prints the autojoin a bookmark asks for.
async fn exec_lists_bookmarks(kind: ServerKind) {
    let server = server(kind);
    let alice = server.account("alice");
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().expect("tempdir");
    let add = format!("/bookmark add {ROOM} --autojoin --nick jules --name Fair Verona");
    let (ok, output) = exec(&config, data.path(), &[&add]).await;
    assert!(ok, "{output}");
    assert!(
        output.contains(&format!("ok /bookmark add {ROOM}: bookmarked {ROOM}")),
        "{output}"
    );
    assert!(
        output.contains(&format!("bookmark autojoin: {ROOM} as jules")),
        "{output}"
    );
    let (ok, output) = exec(&config, data.path(), &["/bookmark list"]).await;
    assert!(ok, "{output}");
    assert!(
        output.contains(&format!(
            "bookmark {ROOM} name=\"Fair Verona\" autojoin=yes nick=jules"
        )),
        "{output}"
    );
    let (ok, output) = exec(&config, data.path(), &["--json", "/bookmark list"]).await;
    assert!(ok, "{output}");
    assert!(
        output.contains(&format!(
            "{{\"event\":\"bookmark\",\"room\":\"{ROOM}\",\"name\":\"Fair Verona\",\
             \"autojoin\":true,\"nick\":\"jules\",\"password\":false}}"
        )),
        "{output}"
    );
    let remove = format!("/bookmark remove {ROOM}");
    let (ok, output) = exec(&config, data.path(), &[&remove, &remove]).await;
    assert!(!ok, "the second remove fails: {output}");
    assert!(
        output.contains(&format!("ok /bookmark remove {ROOM}")),
        "{output}"
    );
    assert!(
        output.contains(&format!(
            "failed /bookmark remove {ROOM}: there is no bookmark for {ROOM}"
        )),
        "{output}"
    );
}
common::on_both_servers!(exec_lists_bookmarks);
