//! Remote text never reaches a terminal raw, on any output path (SEC-05):
//! the words a server puts in a SASL failure end up on the subcommands'
//! stderr, and a CR there could forge a line ("… is online") over the real
//! error. The server fails the login with such a text.

mod common;

use common::fake_tls::{FakeTlsServer, next_element, send, write_config};

const HOSTILE_TEXT: &str =
    "nope\r balcony: alice is online, 3 new messages \u{9b}31m\u{202e}desrever\u{200b}";

#[tokio::test]
async fn sec_05_server_text_on_stderr_is_sanitised() {
    let server = std::sync::Arc::new(FakeTlsServer::start().await);
    let accepting = server.clone();
    tokio::spawn(async move {
        let (mut reader, mut writer) = accepting.accept().await;
        let _ = reader.next().await; // the client's header
        send(
            &mut writer,
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' id='x' from='localhost' \
             version='1.0'><stream:features><mechanisms \
             xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>\
             </mechanisms></stream:features>",
        )
        .await;
        let _auth = next_element(&mut reader).await;
        let failure = format!(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>\
             <text>{HOSTILE_TEXT}</text></failure></stream:stream>"
        );
        send(&mut writer, &failure).await;
    });

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server.client_config(""));
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .arg("--config")
        .arg(&config)
        .arg("check")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("authentication failed"), "{stderr:?}");
    assert!(stderr.contains("desrever"), "{stderr:?}");
    for bad in ['\r', '\u{9b}', '\u{202e}', '\u{200b}'] {
        assert!(!stderr.contains(bad), "{bad:?} reached stderr: {stderr:?}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
}
