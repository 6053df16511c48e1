//! Finding rooms (XEP-0045 §6; checklist MUC-01, MUC-02) against a real Prosody (`muc`
//! component) and a real ejabberd (`mod_muc`): balcony finds the chat service through its
//! server's disco#items and disco#info and lists the public rooms there, named or not, in
//! the client and through `balcony exec` (text and `--json`).

mod common;

use balcony::app::event::Event;
use common::{Client, ServerKind, ServerOptions, TestServer};
use jid::BareJid;

const SERVICE: &str = "conference.localhost";
const ROOMS: [&str; 2] = ["mantua@conference.localhost", "verona@conference.localhost"];

fn muc_server(kind: ServerKind) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        muc: true,
        ..ServerOptions::default()
    })
}

/// Alice opens both rooms and makes them public.
async fn open_rooms(server: &TestServer) -> Client {
    let alice = server.account("alice");
    let mut client = Client::start(server, &alice).await;
    for room in ROOMS {
        client.ok(&format!("/join {room}/juliet")).await;
        let jid = BareJid::new(room).expect("jid");
        client
            .until("the instant room", |c| {
                c.engine
                    .state
                    .rooms
                    .get(&jid)
                    .is_some_and(|r| !r.awaiting_configuration)
            })
            .await;
        // Prosody's rooms are hidden by default (muc_room_default_public).
        assert_eq!(
            client
                .ok(&format!("/configure --room {room} public=yes"))
                .await,
            format!("{room} is configured")
        );
    }
    client
}

/// The listing the last `/rooms` showed.
async fn listing(client: &mut Client) -> String {
    let event = client
        .event(
            "the room listing",
            |e| matches!(e, Event::Info { text } if text.starts_with("rooms on")),
        )
        .await;
    let Event::Info { text } = event else {
        unreachable!()
    };
    text
}

/// MUC-01, MUC-02: without a service, balcony finds the server's chat service and lists its
/// public rooms; named, the service lists the same.
async fn muc_01_rooms_of_the_found_service(kind: ServerKind) {
    let server = muc_server(kind);
    let mut client = open_rooms(&server).await;
    assert_eq!(
        client.ok("/rooms").await,
        format!("2 public rooms on {SERVICE}")
    );
    let text = listing(&mut client).await;
    assert!(text.starts_with(&format!("rooms on {SERVICE}:")), "{text}");
    for room in ROOMS {
        assert!(text.contains(&format!("\n  {room}")), "{room} in {text}");
    }
    assert_eq!(
        client.ok(&format!("/rooms {SERVICE}")).await,
        format!("2 public rooms on {SERVICE}")
    );
    let (ok, text) = client.run("/rooms nosuch.localhost").await;
    assert!(!ok, "{text}");
}
common::on_both_servers!(muc_01_rooms_of_the_found_service);

/// MUC-02: `exec /rooms` prints the listing, in text and in JSON.
async fn exec_lists_rooms(kind: ServerKind) {
    let server = muc_server(kind);
    let _client = open_rooms(&server).await;
    let bob = server.account("bob");
    let config = server.write_config(&bob, "");
    let data = tempfile::tempdir().expect("tempdir");
    for json in [false, true] {
        let mut args = vec!["exec"];
        if json {
            args.push("--json");
        }
        args.push("/rooms");
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
            .env("XDG_DATA_HOME", data.path())
            .env("XDG_STATE_HOME", data.path())
            .arg("--config")
            .arg(&config)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("exec");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        for room in ROOMS {
            assert!(stdout.contains(room), "{room} missing from:\n{stdout}");
        }
        if json {
            assert!(stdout.contains("\"ok\":true"), "{stdout}");
        } else {
            assert!(
                stdout.contains(&format!("ok /rooms: 2 public rooms on {SERVICE}")),
                "{stdout}"
            );
        }
    }
}
common::on_both_servers!(exec_lists_rooms);
