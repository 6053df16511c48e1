//! OMEMO against a real server and an independent client: slixmpp with
//! slixmpp-omemo (python-omemo's oldmemo and twomemo) on the other side,
//! on Prosody and ejabberd. Requirement IDs: tests/omemo-requirements.md.

mod common;

use std::time::Duration;

use balcony::app::Preferences;
use balcony::app::event::Event;
use common::peer::Client;
use common::server::{Account, ServerKind, ServerOptions, TestServer};
use common::slixmpp::Device;

fn bare(jid: &str) -> jid::BareJid {
    jid::BareJid::new(jid).expect("a JID")
}

fn omemo_server(kind: ServerKind) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        pep: true,
        mam: true,
        ..ServerOptions::default()
    })
}

async fn balcony(server: &TestServer, account: &Account, data: &std::path::Path) -> Client {
    Client::start_with(
        server,
        account,
        Preferences::default(),
        Some(data.to_owned()),
        "balcony",
    )
    .await
}

/// Waits until the device sees `jid` announce an OMEMO device.
async fn until_announced(device: &mut Device, jid: &str) -> serde_json::Value {
    for _ in 0..40 {
        let devices = device.omemo_devices(jid).await;
        if devices["devices"].as_array().is_some_and(|d| !d.is_empty()) {
            return devices;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{jid} never announced an OMEMO device");
}

async fn message_from(client: &mut Client, from: &str, body: &str) {
    let from = from.to_owned();
    let body = body.to_owned();
    client
        .event(&format!("{body:?} from {from}"), |e| {
            matches!(e, Event::Message { from: f, body: b, .. } if f.starts_with(&from) && *b == body)
        })
        .await;
}

/// Every file under the server's directory (its data, the archive, its
/// logs), searched for `needle`.
fn server_has(server: &TestServer, needle: &str) -> bool {
    fn walk(dir: &std::path::Path, needle: &[u8]) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, needle)
            } else {
                std::fs::read(&path)
                    .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            }
        })
    }
    walk(&server.dir, needle.as_bytes())
}

/// OMEMO-01…06, OMEMO-10…15, OMEMO-20…22, OMEMO-30…33: balcony and
/// slixmpp-omemo exchange messages both ways, in OMEMO 2 (which the peer
/// announces) and in legacy OMEMO (which balcony answers in when the peer
/// writes in it); balcony restarts mid-conversation and goes on; the
/// server's files never hold a word of the text.
async fn omemo_both_ways_and_after_a_restart(kind: ServerKind) {
    let server = omemo_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let data = tempfile::tempdir().expect("a data directory");
    let peer_state = tempfile::tempdir().expect("a state directory");
    let mut peer = Device::start_omemo(&server, &bob, "phone", peer_state.path()).await;
    let mut client = balcony(&server, &alice, data.path()).await;
    until_announced(&mut peer, &alice.jid).await;

    // balcony → peer: the peer announces OMEMO 2, so that is used.
    client.ok(&format!("/omemo on {}", bob.jid)).await;
    client
        .ok(&format!("/msg {} capulet secret one", bob.jid))
        .await;
    let got = peer
        .expect_message("the first encrypted message", |m| {
            m["body"] == "capulet secret one"
        })
        .await;
    assert_eq!(got["ns"], "omemo2", "{got}");

    // peer → balcony, both namespaces.
    let sent = peer
        .omemo_send(&alice.jid, "montague secret two", "omemo2")
        .await;
    assert!(sent["error"].is_null(), "{sent}");
    message_from(&mut client, &bob.jid, "montague secret two").await;
    let sent = peer
        .omemo_send(&alice.jid, "montague secret three", "legacy")
        .await;
    assert!(sent["error"].is_null(), "{sent}");
    message_from(&mut client, &bob.jid, "montague secret three").await;

    // balcony answers in the namespace the peer last wrote in.
    client
        .ok(&format!("/msg {} capulet secret four", bob.jid))
        .await;
    let got = peer
        .expect_message("the legacy answer", |m| m["body"] == "capulet secret four")
        .await;
    assert_eq!(got["ns"], "legacy", "{got}");

    // A restart in the middle of the conversation.
    drop(client);
    let mut client = balcony(&server, &alice, data.path()).await;
    // The choice was kept (OMEMO-54).
    assert!(client.engine.state.omemo.chosen.get(&bare(&bob.jid)) == Some(&true));
    let sent = peer
        .omemo_send(&alice.jid, "montague secret five", "legacy")
        .await;
    assert!(sent["error"].is_null(), "{sent}");
    message_from(&mut client, &bob.jid, "montague secret five").await;
    client
        .ok(&format!("/msg {} capulet secret six", bob.jid))
        .await;
    let got = peer
        .expect_message("a message after the restart", |m| {
            m["body"] == "capulet secret six"
        })
        .await;
    assert_eq!(got["key_exchange"], false, "the session went on: {got}");

    // OMEMO-34: what the server keeps is ciphertext.
    drop(client);
    peer.quit().await;
    for secret in [
        "capulet secret one",
        "montague secret two",
        "montague secret three",
        "capulet secret four",
        "montague secret five",
        "capulet secret six",
    ] {
        assert!(!server_has(&server, secret), "the server holds {secret:?}");
    }
}
common::on_both_servers!(omemo_both_ways_and_after_a_restart);
