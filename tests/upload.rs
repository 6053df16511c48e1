//! HTTP file upload (XEP-0363, checklist UPLOAD-*) and out-of-band links (XEP-0066) against a
//! real Prosody (`http_file_share`) and a real ejabberd (`mod_http_upload`), with slixmpp on the
//! other side: balcony uploads a file by path with progress, sends the link, and the contact
//! downloads the very same bytes over HTTPS; a file over the service's limit is refused before
//! any slot is asked for; a link from the contact is shown as part of its message.

mod common;

use std::io::Write;

use balcony::app::Preferences;
use balcony::app::event::Event;
use common::slixmpp::Device;
use common::{Client, ServerKind, ServerOptions, TestServer, UPLOAD_LIMIT};
use jid::BareJid;

fn server_with_upload(kind: ServerKind) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        upload: true,
        ..ServerOptions::default()
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Bytes that are not all alike, so a truncated or shifted copy cannot hash the same.
fn content(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// The bodies of the lines in the conversation with `peer`.
fn bodies(client: &Client, peer: &str) -> Vec<String> {
    let peer = BareJid::new(peer).expect("jid");
    client
        .engine
        .state
        .chats
        .latest_with(&peer)
        .map(|c| c.lines.iter().map(|l| l.body.to_string()).collect())
        .unwrap_or_default()
}

/// UPLOAD-01, UPLOAD-03, UPLOAD-04, UPLOAD-05, UPLOAD-06, UPLOAD-07, UPLOAD-09: a 5 MiB file
/// whose name has a space is found through the server's items, gets a slot, is PUT with
/// progress reported on the way, and its link goes to bob marked jabber:x:oob with the URL as
/// the body; bob downloads it over HTTPS and gets the same bytes.
async fn a_file_reaches_the_contact_byte_for_byte(kind: ServerKind) {
    let server = server_with_upload(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("holiday photo.png");
    let bytes = content(5 * 1024 * 1024);
    std::fs::write(&path, &bytes).expect("write the file");

    let text = client
        .ok(&format!("/upload \"{}\" bob@localhost", path.display()))
        .await;
    assert!(
        text.contains("uploaded holiday photo.png to https://"),
        "{text}"
    );

    // UPLOAD-06: progress went up to the whole file, in more than one step.
    let progress: Vec<(u64, u64)> = client
        .events
        .iter()
        .filter_map(|e| match e {
            Event::UploadProgress { sent, total, .. } => Some((*sent, *total)),
            _ => None,
        })
        .collect();
    assert!(progress.len() >= 2, "progress: {progress:?}");
    assert!(
        progress.windows(2).all(|w| w[0].0 <= w[1].0),
        "{progress:?}"
    );
    assert_eq!(
        progress.last(),
        Some(&(bytes.len() as u64, bytes.len() as u64))
    );

    let got = bob
        .expect_message("the link", |m| m["oob_url"].is_string())
        .await;
    let url = got["oob_url"].as_str().unwrap_or_default().to_owned();
    assert_eq!(got["body"], url, "UPLOAD-09: the body is the URL: {got}");
    assert!(url.starts_with("https://localhost:"), "{url}");
    assert!(text.contains(&url), "the result names the link: {text}");
    // The service may rewrite the name (ejabberd replaces the space), but it is the one sent.
    assert!(
        url.contains("holiday") && url.ends_with("photo.png"),
        "UPLOAD-03: the file's own name is asked for: {url}"
    );
    // Our own line shows the link too.
    assert!(bodies(&client, "bob@localhost").contains(&url));

    let fetched = bob.fetch(&url).await;
    assert_eq!(fetched["status"], 200, "{fetched}");
    assert_eq!(fetched["size"], bytes.len() as u64, "{fetched}");
    assert_eq!(fetched["sha256"], sha256_hex(&bytes), "{fetched}");
    bob.quit().await;
}
common::on_both_servers!(a_file_reaches_the_contact_byte_for_byte);

/// UPLOAD-06: `/upload cancel` stops an upload under way: its result says so, the PUT ends,
/// and no link is sent.
async fn an_upload_can_be_cancelled(kind: ServerKind) {
    let server = server_with_upload(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    std::fs::write(&path, content(UPLOAD_LIMIT as usize)).expect("write the file");
    let tag = client
        .engine
        .command_line(&format!("/upload {} bob@localhost", path.display()));
    client
        .event(
            "the first progress",
            |e| matches!(e, Event::UploadProgress { sent, total, .. } if sent < total),
        )
        .await;
    let text = client.ok("/upload cancel").await;
    assert_eq!(text, "cancelled the upload of big.bin");
    let result = client
        .event(
            "the upload's result",
            |e| matches!(e, Event::Result { tag: t, .. } if *t == tag),
        )
        .await;
    let Event::Result { ok, text, .. } = result else {
        unreachable!()
    };
    assert!(!ok && text == "cancelled", "{text}");
    assert!(client.engine.state.uploads.jobs.is_empty());

    // Nothing follows: a message sent after the cancel is the first bob gets.
    client.ok("/msg bob@localhost after the cancel").await;
    let first = bob
        .expect_message("alice's first message", |m| {
            m["from"].as_str().is_some_and(|f| f.starts_with("alice@"))
        })
        .await;
    assert_eq!(first["body"], "after the cancel", "{first}");
    let (_, status) = client.run("/upload cancel").await;
    assert_eq!(status, "no upload is running");
    bob.quit().await;
}
common::on_both_servers!(an_upload_can_be_cancelled);

/// UPLOAD-02: a file over the max-file-size the service announces is refused before a slot is
/// asked for, and the refusal names the limit; a missing file says so.
async fn a_file_over_the_limit_is_refused_first(kind: ServerKind) {
    let server = server_with_upload(kind);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(UPLOAD_LIMIT + 1).expect("sparse file");

    let (ok, text) = client
        .run(&format!("/upload \"{}\" bob@localhost", path.display()))
        .await;
    assert!(!ok, "{text}");
    assert!(text.contains(&UPLOAD_LIMIT.to_string()), "{text}");
    assert!(
        !client
            .events
            .iter()
            .any(|e| matches!(e, Event::UploadProgress { .. })),
        "nothing was sent"
    );

    let missing = dir.path().join("missing.txt");
    let (ok, text) = client
        .run(&format!("/upload {} bob@localhost", missing.display()))
        .await;
    assert!(!ok, "{text}");
    assert!(text.contains("missing.txt"), "{text}");
}
common::on_both_servers!(a_file_over_the_limit_is_refused_first);

/// UPLOAD-01: a server without an upload service gets a clear answer, not a hang.
async fn a_server_without_upload_says_so(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("note.txt");
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(b"hello").expect("write");

    let (ok, text) = client
        .run(&format!("/upload \"{}\" bob@localhost", path.display()))
        .await;
    assert!(!ok, "{text}");
    assert!(text.contains("offers no HTTP upload service"), "{text}");
}
common::on_both_servers!(a_server_without_upload_says_so);

/// UPLOAD-10: a link the contact shares out of band is shown in its message: after the text
/// when the text does not have it, once when the body is the URL. Nothing opens it until
/// `/open` hands it, newest first, to the `[links] command`.
async fn a_contacts_link_is_shown_and_opened_on_request(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let dir = tempfile::tempdir().expect("tempdir");
    let opened = dir.path().join("opened");
    let prefs = Preferences {
        link_command: vec![
            "sh".into(),
            "-c".into(),
            format!("printf '%s\\n' \"$1\" >> '{}'", opened.display()),
            "opener".into(),
        ],
        ..Preferences::default()
    };
    let mut client = Client::start_with(&server, &alice, prefs, None, "balcony").await;
    let mut bob = Device::start(&server, &bob, "laptop", false).await;

    let first = "https://files.example/share/a%20b.png";
    let second = "https://files.example/share/c.pdf";
    bob.send_link("alice@localhost", "look at this", first)
        .await;
    bob.send_link("alice@localhost", second, second).await;
    client
        .until("both links", |c| bodies(c, "bob@localhost").len() >= 2)
        .await;
    let shown = bodies(&client, "bob@localhost");
    assert_eq!(
        shown,
        vec![format!("look at this\n{first}"), second.to_owned()]
    );
    assert!(!opened.exists(), "nothing is opened on its own");

    client.ok("/msg bob@localhost").await;
    assert_eq!(client.ok("/open").await, format!("opened {second}"));
    assert_eq!(client.ok("/open 2").await, format!("opened {first}"));
    let (ok, text) = client.run("/open 3").await;
    assert!(!ok && text.contains("2 links"), "{text}");
    // The openers are processes of their own: wait for them, not for the engine.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&opened).is_ok_and(|s| s.lines().count() == 2) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the opener did not run twice"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Two openers, each with its one link (they may finish in either order).
    let ran = std::fs::read_to_string(&opened).expect("opener output");
    let mut ran: Vec<&str> = ran.lines().collect();
    ran.sort_unstable();
    assert_eq!(ran, vec![first, second]);
    bob.quit().await;
}
common::on_both_servers!(a_contacts_link_is_shown_and_opened_on_request);
