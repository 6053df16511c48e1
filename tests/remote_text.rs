//! Remote text never reaches a terminal raw, on any output path (SEC-05):
//! the words a server puts in a SASL failure end up on the subcommands'
//! stderr, and a CR there could forge a line ("… is online") over the real
//! error. The server here is a bare TLS listener that fails the login with
//! such a text.

mod common;

use std::sync::Arc;

use common::{TestServer, toml_str};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOSTILE_TEXT: &str =
    "nope\r balcony: alice is online, 3 new messages \u{9b}31m\u{202e}desrever\u{200b}";

/// Reads from `tls` until `marker` has been seen.
async fn read_until<S: tokio::io::AsyncRead + Unpin>(tls: &mut S, marker: &str) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(marker) {
        let n = tls.read(&mut buf).await.expect("read");
        assert!(n > 0, "the client closed before sending {marker}");
        seen.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn sec_05_server_text_on_stderr_is_sanitised() {
    // The test server only lends its certificate and CA.
    let server = TestServer::start();
    let certs = CertificateDer::pem_file_iter(server.dir.join("localhost.crt"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(server.dir.join("localhost.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        read_until(&mut tls, "<stream:stream").await;
        tls.write_all(
            b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
              xmlns:stream='http://etherx.jabber.org/streams' id='x' from='localhost' \
              version='1.0'><stream:features><mechanisms \
              xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>\
              </mechanisms></stream:features>",
        )
        .await
        .unwrap();
        read_until(&mut tls, "</auth>").await;
        let failure = format!(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>\
             <text>{HOSTILE_TEXT}</text></failure></stream:stream>"
        );
        tls.write_all(failure.as_bytes()).await.unwrap();
        let _ = tls.shutdown().await;
    });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account]\njid = \"alice@localhost\"\npassword = \"x\"\nhost = \"127.0.0.1\"\n\
             port = {port}\ntls = \"direct\"\nca_file = {}\n",
            toml_str(&server.ca_file.to_string_lossy())
        ),
    )
    .unwrap();
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
