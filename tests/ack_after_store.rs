//! Acknowledge only what is stored (XEP-0198, SM2; issue "never acknowledge
//! what is not stored"): a server floods balcony with messages and asks for
//! acks all along; balcony is killed with SIGKILL at a moment picked at
//! random. Every message the server saw acknowledged must be in the
//! history, since the server will never send those again.
//!
//! The server is a bare TLS listener speaking just enough XMPP (PLAIN,
//! bind, stream management, empty roster and disco answers); balcony is the
//! real binary running `exec`.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use balcony::xmpp::element::Element;
use balcony::xmpp::ns;
use balcony::xmpp::reader::{ReaderLimits, StreamEvent, XmlReader};
use common::{TestServer, toml_str};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

const FLOOD: u32 = 3_000;
const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='flood' from='localhost' version='1.0'>";

type Reader = XmlReader<ReadHalf<TlsStream<TcpStream>>>;
type Writer = WriteHalf<TlsStream<TcpStream>>;

async fn next_element(reader: &mut Reader) -> Option<Element> {
    loop {
        match reader.next().await {
            Ok(StreamEvent::Stanza(element)) => return Some(element),
            Ok(StreamEvent::Header(_)) => continue,
            _ => return None,
        }
    }
}

async fn send(writer: &mut Writer, xml: &str) -> bool {
    writer.write_all(xml.as_bytes()).await.is_ok() && writer.flush().await.is_ok()
}

/// Answers every IQ get/set from the client with an empty result (roster,
/// disco), and records the `h` of every `<a/>`.
async fn serve_client_side(
    mut reader: Reader,
    answers: tokio::sync::mpsc::UnboundedSender<String>,
    acked: Arc<AtomicU32>,
) {
    while let Some(element) = next_element(&mut reader).await {
        if element.is("a", ns::SM) {
            if let Some(h) = element.attr("h").and_then(|h| h.parse::<u32>().ok()) {
                acked.fetch_max(h, Ordering::SeqCst);
            }
        } else if element.is("iq", ns::CLIENT)
            && matches!(element.attr("type"), Some("get" | "set"))
        {
            let id = element.attr("id").unwrap_or_default();
            let _ = answers.send(format!("<iq type='result' id='{id}'/>"));
        }
    }
}

/// Logs the client in, enables stream management, then floods it with
/// numbered messages, asking for an ack after every 50.
/// What the server sent after stream management was enabled, in order:
/// the message number, or `None` for an IQ answer. The client's `h` counts
/// these stanzas.
type SentLog = Arc<Mutex<Vec<Option<u32>>>>;

async fn flood_server(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    acked: Arc<AtomicU32>,
    log: SentLog,
) {
    let (tcp, _) = listener.accept().await.unwrap();
    let tls = acceptor.accept(tcp).await.unwrap();
    let (read, mut writer) = tokio::io::split(tls);
    let mut reader = XmlReader::new(read, ReaderLimits::default());
    let _ = reader.next().await; // the client's header
    send(&mut writer, &format!("{HEADER}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>")).await;
    let _auth = next_element(&mut reader).await.unwrap();
    send(
        &mut writer,
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    )
    .await;
    let mut reader = reader.restart();
    let _ = reader.next().await; // the restarted header
    send(&mut writer, &format!("{HEADER}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>")).await;
    let bind = next_element(&mut reader).await.unwrap();
    let id = bind.attr("id").unwrap_or_default().to_owned();
    send(&mut writer, &format!("<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/flood</jid></bind></iq>")).await;
    let enable = next_element(&mut reader).await.unwrap();
    assert!(enable.is("enable", ns::SM), "{}", enable.to_xml());
    send(
        &mut writer,
        "<enabled xmlns='urn:xmpp:sm:3' id='sm-flood' resume='true'/>",
    )
    .await;

    let (answers_tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(serve_client_side(reader, answers_tx, acked));
    let body = "flood ".repeat(600);
    for n in 1..=FLOOD {
        while let Ok(answer) = answers.try_recv() {
            log.lock().unwrap().push(None);
            if !send(&mut writer, &answer).await {
                return;
            }
        }
        log.lock().unwrap().push(Some(n));
        let mut xml = format!(
            "<message type='chat' from='romeo@localhost/orchard' id='f{n}'><body>{n} {body}</body></message>"
        );
        if n % 50 == 0 {
            xml.push_str("<r xmlns='urn:xmpp:sm:3'/>");
        }
        if !send(&mut writer, &xml).await {
            return;
        }
    }
    // Keep answering until the client is gone.
    while let Some(answer) = answers.recv().await {
        log.lock().unwrap().push(None);
        if !send(&mut writer, &answer).await {
            return;
        }
    }
}

/// Kills balcony once the server has seen `kill_after` acknowledged, then
/// checks the history holds every acknowledged message.
async fn flood_and_kill(kill_after: u32) {
    let server = TestServer::start();
    let certs = CertificateDer::pem_file_iter(server.dir.join("localhost.crt"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(server.dir.join("localhost.key")).unwrap();
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acked = Arc::new(AtomicU32::new(0));
    let log = SentLog::default();
    let server_task = tokio::spawn(flood_server(listener, acceptor, acked.clone(), log.clone()));

    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.sqlite3");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account]\njid = \"alice@localhost\"\npassword = \"x\"\nhost = \"127.0.0.1\"\n\
             port = {port}\ntls = \"direct\"\nca_file = {}\n[history]\nfile = {}\n",
            toml_str(&server.ca_file.to_string_lossy()),
            toml_str(&history.to_string_lossy()),
        ),
    )
    .unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .arg("--config")
        .arg(&config)
        .arg("exec")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < kill_after {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} acknowledged after 60 s",
            acked.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    server_task.abort();
    let acknowledged = acked.load(Ordering::SeqCst);

    let stored = balcony::history::History::open(&history).unwrap();
    let rows = stored
        .recent("alice@localhost", "romeo@localhost", FLOOD as usize)
        .unwrap();
    let mut numbers: Vec<u32> = rows
        .iter()
        .filter_map(|m| m.body.split(' ').next()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let sent = log.lock().unwrap().clone();
    let acknowledged_messages: Vec<u32> = sent
        .iter()
        .take(acknowledged as usize)
        .flatten()
        .copied()
        .collect();
    let missing: Vec<u32> = acknowledged_messages
        .iter()
        .copied()
        .filter(|n| numbers.binary_search(n).is_err())
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged {acknowledged} stanzas, stored {}, missing {} (first {:?})",
        numbers.len(),
        missing.len(),
        missing.first()
    );
}

/// Killed early, midway and late in the flood, at a moment chosen at random
/// within each third.
#[tokio::test]
async fn killed_mid_flood_loses_nothing_acknowledged() {
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes).unwrap();
    for (third, byte) in bytes.iter().enumerate() {
        let span = FLOOD / 3;
        let kill_after = (third as u32) * span + u32::from(*byte) * span / 256 + 1;
        flood_and_kill(kill_after.min(FLOOD - 50)).await;
    }
}
