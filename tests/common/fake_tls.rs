//! A fake XMPP server on a loopback TLS port, for what the real `balcony`
//! binary does against a misbehaving server: it speaks just enough XMPP to
//! log a client in (direct TLS, PLAIN, bind, optionally stream management)
//! and hands the stream to the test, which then sends whatever it likes.
//!
//! Used by `tests/*.rs` through `tests/common/mod.rs` and, through
//! `#[path]`, by the hostile-server benchmark (`bench/hostile.rs`), so it
//! depends on the balcony library, tokio, rustls and `certs.rs` only.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use balcony::xmpp::element::Element;
use balcony::xmpp::ns;
use balcony::xmpp::reader::{ReaderLimits, StreamEvent, XmlReader};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;

// Its own copy of the certificate helper: the benchmark includes this file
// alone, without `server.rs`, which holds the other copy.
#[allow(clippy::duplicate_mod)]
#[path = "certs.rs"]
mod certs;

pub type FakeReader = XmlReader<ReadHalf<TlsStream<TcpStream>>>;
pub type FakeWriter = WriteHalf<TlsStream<TcpStream>>;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='fake' from='localhost' version='1.0'>";

/// The bound JID of every client.
pub const FAKE_JID: &str = "alice@localhost/fake";

/// A listening fake server with its own CA.
pub struct FakeTlsServer {
    pub port: u16,
    pub ca_file: PathBuf,
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    _dir: tempfile::TempDir,
}

impl FakeTlsServer {
    pub async fn start() -> FakeTlsServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ca_file = certs::write_certificates(dir.path());
        let certs = CertificateDer::pem_file_iter(dir.path().join("localhost.crt"))
            .expect("the certificate")
            .collect::<Result<Vec<_>, _>>()
            .expect("a PEM certificate");
        let key = PrivateKeyDer::from_pem_file(dir.path().join("localhost.key")).expect("the key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a server certificate");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        FakeTlsServer {
            port: listener.local_addr().expect("an address").port(),
            ca_file,
            listener,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            _dir: dir,
        }
    }

    /// A balcony config for `alice@localhost` on this server (direct TLS),
    /// with `extra` appended (other sections).
    pub fn client_config(&self, extra: &str) -> String {
        format!(
            "[account]\njid = \"alice@localhost\"\npassword = \"x\"\nhost = \"127.0.0.1\"\n\
             port = {}\ntls = \"direct\"\nca_file = \"{}\"\n{extra}",
            self.port,
            self.ca_file.display()
        )
    }

    /// Accepts one connection and the TLS handshake.
    pub async fn accept(&self) -> (FakeReader, FakeWriter) {
        let (tcp, _) = self.listener.accept().await.expect("a client");
        let tls = self.acceptor.accept(tcp).await.expect("a TLS handshake");
        let (read, writer) = tokio::io::split(tls);
        (XmlReader::new(read, ReaderLimits::default()), writer)
    }

    /// Accepts a client and logs it in as [`FAKE_JID`]; with
    /// `stream_management`, also enables XEP-0198 with resumption.
    pub async fn accept_logged_in(&self, stream_management: bool) -> (FakeReader, FakeWriter) {
        let (mut reader, mut writer) = self.accept().await;
        let _ = reader.next().await; // the client's header
        send(
            &mut writer,
            &format!(
                "{HEADER}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
                 <mechanism>PLAIN</mechanism></mechanisms></stream:features>"
            ),
        )
        .await;
        let _auth = next_element(&mut reader).await.expect("<auth/>");
        send(
            &mut writer,
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
        )
        .await;
        let mut reader = reader.restart();
        let _ = reader.next().await; // the restarted header
        let sm = if stream_management {
            "<sm xmlns='urn:xmpp:sm:3'/>"
        } else {
            ""
        };
        send(
            &mut writer,
            &format!(
                "{HEADER}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>{sm}\
                 </stream:features>"
            ),
        )
        .await;
        let bind = next_element(&mut reader).await.expect("the bind request");
        let id = bind.attr("id").unwrap_or_default().to_owned();
        send(
            &mut writer,
            &format!(
                "<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                 <jid>{FAKE_JID}</jid></bind></iq>"
            ),
        )
        .await;
        if stream_management {
            let enable = next_element(&mut reader).await.expect("<enable/>");
            assert!(enable.is("enable", ns::SM), "{}", enable.to_xml());
            send(
                &mut writer,
                "<enabled xmlns='urn:xmpp:sm:3' id='sm-fake' resume='true'/>",
            )
            .await;
        }
        (reader, writer)
    }
}

/// The next top-level element, or `None` once the stream is over.
pub async fn next_element(reader: &mut FakeReader) -> Option<Element> {
    loop {
        match reader.next().await {
            Ok(StreamEvent::Stanza(element)) => return Some(element),
            Ok(StreamEvent::Header(_)) => continue,
            _ => return None,
        }
    }
}

/// Writes `xml`; false once the client is gone.
pub async fn send(writer: &mut FakeWriter, xml: &str) -> bool {
    writer.write_all(xml.as_bytes()).await.is_ok() && writer.flush().await.is_ok()
}

/// Reads what the client sends until it is gone: every IQ get or set is
/// answered (through `answers`, for the writer to send in order) with an
/// empty result, and the highest `h` of its `<a/>`s is kept in `acked`.
pub async fn answer_client(
    mut reader: FakeReader,
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

/// Writes `text` to `dir/config.toml` and returns the path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write the config");
    path
}
