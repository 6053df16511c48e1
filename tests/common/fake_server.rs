//! A scripted fake server over `tokio::io::duplex` for tests of what a
//! misbehaving server can do: it logs the client in with PLAIN (the
//! encrypted phase, `login::authenticate_and_bind`), optionally offering
//! stream management, and then the real session task runs on the pipe.

use std::time::Duration;

use balcony::xmpp::element::Element;
use balcony::xmpp::login;
use balcony::xmpp::ns;
use balcony::xmpp::reader::{ReaderLimits, StreamEvent, XmlError, XmlReader};
use balcony::xmpp::session::{self, Session, SessionEvent};
use balcony::xmpp::settings::{ConnectSettings, Password};
use jid::BareJid;
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};

/// How long any one step of a script may take before the test fails.
pub const STEP: Duration = Duration::from_secs(10);

/// The JID the fake server binds.
pub const BOUND_JID: &str = "juliet@example.com/balcony";

const SERVER_HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='hostile-1' from='example.com' \
    version='1.0' xml:lang='en'>";

/// The fake server's end of the pipe, after it has logged the client in.
pub struct FakeServer {
    /// Reads what the client sends; `None` only during the SASL restart.
    pub reader: Option<XmlReader<ReadHalf<DuplexStream>>>,
    pub writer: WriteHalf<DuplexStream>,
}

/// Settings for `juliet@example.com/balcony`. A reconnect goes to a closed
/// local port, so it fails at once instead of looking up `example.com`.
pub fn fake_settings() -> ConnectSettings {
    let jid = BareJid::new("juliet@example.com").expect("a valid JID");
    let mut settings = ConnectSettings::new(jid, Password::new("secret"));
    settings.resource = Some("balcony".into());
    settings.reply_timeout = STEP;
    settings.host = Some("127.0.0.1".into());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    settings.port = Some(closed.local_addr().expect("an address").port());
    settings
}

impl FakeServer {
    pub async fn next(&mut self) -> Result<StreamEvent, XmlError> {
        let reader = self.reader.as_mut().expect("a reader");
        tokio::time::timeout(STEP, reader.next())
            .await
            .unwrap_or_else(|_| panic!("the client sent nothing for {STEP:?}"))
    }

    pub async fn element(&mut self) -> Element {
        match self.next().await {
            Ok(StreamEvent::Stanza(element)) => element,
            other => panic!("expected an element from the client, got {other:?}"),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
        self.writer.flush().await.expect("flush");
    }

    /// Reads the client's header and answers with ours and `features`.
    pub async fn open(&mut self, features: &str) {
        match self.next().await {
            Ok(StreamEvent::Header(_)) => {}
            other => panic!("expected the client's header, got {other:?}"),
        }
        self.send(format!("{SERVER_HEADER}{features}").as_bytes())
            .await;
    }
}

/// Logs a client in over a pipe of `capacity` bytes and starts its session
/// task; `post_auth_features` go with `<bind/>` after SASL (e.g. `<sm/>`).
/// The `Online` event has been taken.
pub async fn fake_login(
    settings: ConnectSettings,
    capacity: usize,
    post_auth_features: &str,
) -> (FakeServer, Session) {
    let (client_side, server_side) = tokio::io::duplex(capacity);
    let login_settings = settings.clone();
    let login = tokio::spawn(async move {
        login::authenticate_and_bind(Box::new(client_side), &login_settings, Default::default())
            .await
    });
    let (read, writer) = tokio::io::split(server_side);
    let mut server = FakeServer {
        reader: Some(XmlReader::new(read, ReaderLimits::default())),
        writer,
    };
    server
        .open(
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
             <mechanism>PLAIN</mechanism></mechanisms></stream:features>",
        )
        .await;
    assert!(server.element().await.is("auth", ns::SASL));
    server
        .send(b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
        .await;
    server.reader = server.reader.take().map(XmlReader::restart);
    server
        .open(&format!(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\
             {post_auth_features}</stream:features>"
        ))
        .await;
    let bind = server.element().await;
    let id = bind.attr("id").expect("a bind id").to_owned();
    server
        .send(
            format!(
                "<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                 <jid>{BOUND_JID}</jid></bind></iq>"
            )
            .as_bytes(),
        )
        .await;
    let connection = tokio::time::timeout(STEP, login)
        .await
        .expect("the login finished")
        .expect("the login task did not panic")
        .expect("the login succeeded");
    let mut session = session::spawn(connection, settings);
    match tokio::time::timeout(STEP, session.events.recv()).await {
        Ok(Some(SessionEvent::Online { jid, .. })) => assert_eq!(jid.to_string(), BOUND_JID),
        other => panic!("expected Online first, got {other:?}"),
    }
    (server, session)
}
