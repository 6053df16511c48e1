//! Stream negotiation against a scripted fake server over `tokio::io::duplex`:
//! SASL PLAIN, the stream restart, resource binding and the legacy session IQ
//! (checklist sections 2 and 13), plus the ways a server can break them.
//!
//! The client under test is `login::authenticate_and_bind`, the encrypted
//! phase, which runs over any byte stream. It runs in its own task; the test
//! body plays the server, reading what the client sends with the crate's own
//! `XmlReader` (a client stream header parses like any other) and answering
//! with canned XML. Only PLAIN is offered, so no SCRAM arithmetic is needed.
//! Real-server logins live in `tests/login.rs`.

use std::time::{Duration, Instant};

use balcony::xmpp::channel_binding::TlsBindings;
use balcony::xmpp::element::Element;
use balcony::xmpp::error::{Error, ErrorType, StanzaCondition, StreamCondition};
use balcony::xmpp::login::{self, Connection};
use balcony::xmpp::ns;
use balcony::xmpp::reader::{ReaderLimits, StreamEvent, StreamHeader, XmlError, XmlReader};
use balcony::xmpp::settings::{ConnectSettings, Password};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jid::BareJid;
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::task::JoinHandle;

/// How long the fake server waits for the client's next move before failing.
const STEP: Duration = Duration::from_secs(5);

const SERVER_HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='fake-1' from='example.com' \
    version='1.0' xml:lang='en'>";

const PLAIN_ONLY: &str = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
    <mechanism>PLAIN</mechanism></mechanisms></stream:features>";

const SESSION_REQUIRED: &str = "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>";
const SESSION_OPTIONAL: &str =
    "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>";

const FULL_JID: &str = "juliet@example.com/balcony";

/// Post-SASL features: bind plus whatever session feature the test wants.
fn bind_features(session: &str) -> String {
    format!(
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>{session}</stream:features>"
    )
}

fn settings() -> ConnectSettings {
    let jid = BareJid::new("juliet@example.com").expect("a valid JID");
    let mut settings = ConnectSettings::new(jid, Password::new("secret"));
    settings.resource = Some("balcony".into());
    // Generous, so a slow machine never turns a script into a timeout.
    settings.reply_timeout = STEP;
    settings
}

type Login = JoinHandle<Result<Connection, Error>>;

/// Starts the client on one end of a pipe; the caller plays the server.
fn start(settings: ConnectSettings) -> (FakeServer, Login) {
    start_bound(settings, TlsBindings::default())
}

/// Like [`start`], as if the pipe were a TLS session defining `bindings`.
fn start_bound(settings: ConnectSettings, bindings: TlsBindings) -> (FakeServer, Login) {
    let (client_side, server_side) = tokio::io::duplex(64 * 1024);
    let client = tokio::spawn(async move {
        login::authenticate_and_bind(Box::new(client_side), &settings, bindings).await
    });
    let (read, write) = tokio::io::split(server_side);
    let server = FakeServer {
        reader: Some(XmlReader::new(read, ReaderLimits::default())),
        writer: write,
        received: Vec::new(),
    };
    (server, client)
}

/// What the login task returned; a hang or a panic fails the test.
async fn outcome(client: Login) -> Result<Connection, Error> {
    tokio::time::timeout(STEP * 2, client)
        .await
        .expect("the login finished")
        .expect("the login task did not panic")
}

async fn login_error(client: Login) -> Error {
    match outcome(client).await {
        Ok(connection) => panic!("login succeeded as {}", connection.jid),
        Err(error) => error,
    }
}

/// The server half of the pipe, with a record of everything the client sent.
struct FakeServer {
    /// `None` only for the instant of a stream restart.
    reader: Option<XmlReader<ReadHalf<DuplexStream>>>,
    writer: WriteHalf<DuplexStream>,
    /// Every top-level element the client sent, in order (SESS-01).
    received: Vec<Element>,
}

impl FakeServer {
    async fn next_event(&mut self) -> Result<StreamEvent, XmlError> {
        let reader = self.reader.as_mut().expect("a reader");
        tokio::time::timeout(STEP, reader.next())
            .await
            .unwrap_or_else(|_| panic!("the client sent nothing for {STEP:?}"))
    }

    async fn expect_header(&mut self) -> StreamHeader {
        match self.next_event().await {
            Ok(StreamEvent::Header(header)) => header,
            other => panic!("expected the client's stream header, got {other:?}"),
        }
    }

    async fn expect_element(&mut self) -> Element {
        match self.next_event().await {
            Ok(StreamEvent::Stanza(element)) => {
                self.received.push(element.clone());
                element
            }
            other => panic!("expected an element from the client, got {other:?}"),
        }
    }

    /// The client's `</stream:stream>` or the end of the pipe, and nothing
    /// before it.
    async fn expect_closed(&mut self) {
        match self.next_event().await {
            Ok(StreamEvent::End) | Err(XmlError::Closed) => {}
            Ok(StreamEvent::Stanza(element)) => {
                panic!("expected the stream to end, got {}", element.to_xml())
            }
            other => panic!("expected the stream to end, got {other:?}"),
        }
    }

    async fn send(&mut self, xml: &str) {
        self.writer
            .write_all(xml.as_bytes())
            .await
            .expect("write to the client");
        self.writer.flush().await.expect("flush to the client");
    }

    /// A new stream on the same pipe, as after `<success/>` (CORE-11).
    fn restart(&mut self) {
        let reader = self.reader.take().expect("a reader");
        self.reader = Some(reader.restart());
    }

    /// Reads the client's header (checking CORE-02) and answers with ours
    /// and `features`.
    async fn open(&mut self, features: &str) -> StreamHeader {
        let header = self.expect_header().await;
        assert_eq!(header.to.as_deref(), Some("example.com"), "{header:?}");
        assert_eq!(header.version.as_deref(), Some("1.0"), "{header:?}");
        self.send(&format!("{SERVER_HEADER}{features}")).await;
        header
    }

    /// Expects `<auth mechanism='PLAIN'>` carrying `\0juliet\0secret`.
    async fn expect_plain_auth(&mut self) {
        let auth = self.expect_element().await;
        assert!(auth.is("auth", ns::SASL), "{}", auth.to_xml());
        assert_eq!(auth.attr("mechanism"), Some("PLAIN"));
        let payload = BASE64
            .decode(auth.text().trim())
            .expect("the PLAIN payload is base64");
        assert_eq!(payload, b"\0juliet\0secret");
    }

    /// Everything up to and including the post-SASL features.
    async fn authenticate(&mut self, features_after: &str) {
        self.open(PLAIN_ONLY).await;
        self.expect_plain_auth().await;
        self.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
            .await;
        self.restart();
        self.open(features_after).await;
    }

    /// Expects an IQ set whose only child is `name` in `child_ns`.
    async fn expect_iq_set(&mut self, name: &str, child_ns: &str) -> Element {
        let iq = self.expect_element().await;
        assert!(iq.is("iq", ns::CLIENT), "{}", iq.to_xml());
        assert_eq!(iq.attr("type"), Some("set"), "{}", iq.to_xml());
        assert!(
            iq.attr("id").is_some_and(|id| !id.is_empty()),
            "{}",
            iq.to_xml()
        );
        let children: Vec<&Element> = iq.children().collect();
        assert_eq!(children.len(), 1, "one child: {}", iq.to_xml());
        assert!(children[0].is(name, child_ns), "{}", iq.to_xml());
        iq
    }

    /// Expects the bind IQ; returns it and the resource it asked for.
    async fn expect_bind(&mut self) -> (Element, Option<String>) {
        let iq = self.expect_iq_set("bind", ns::BIND).await;
        let resource = iq
            .child("bind", ns::BIND)
            .and_then(|bind| bind.child_text("resource", ns::BIND));
        (iq, resource)
    }

    async fn answer_bind(&mut self, iq: &Element, jid: &str) {
        let id = iq.attr("id").unwrap_or_default();
        self.send(&format!(
            "<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
             <jid>{jid}</jid></bind></iq>"
        ))
        .await;
    }

    /// Expects the bind IQ for `balcony` and binds `FULL_JID`.
    async fn bind(&mut self) {
        let (iq, resource) = self.expect_bind().await;
        assert_eq!(resource.as_deref(), Some("balcony"));
        self.answer_bind(&iq, FULL_JID).await;
    }

    /// Expects the session IQ in exactly the RFC 3921 §3 shape.
    async fn expect_session(&mut self) -> Element {
        let iq = self.expect_iq_set("session", ns::SESSION).await;
        for (name, value) in iq.attrs() {
            match name {
                "type" | "id" => {}
                // RFC 3921 §3 addresses it to the server; leaving `to` off
                // means the same (our account's server handles it).
                "to" => assert_eq!(value, "example.com", "{}", iq.to_xml()),
                other => panic!("unexpected attribute {other} on {}", iq.to_xml()),
            }
        }
        let session = iq.child("session", ns::SESSION).expect("the session child");
        assert!(session.nodes().is_empty(), "{}", iq.to_xml());
        assert_eq!(session.attrs().count(), 0, "{}", iq.to_xml());
        iq
    }
}

/// Closes the client's stream the way the session task would and checks the
/// server sees nothing but the closing tag.
async fn close_and_expect_nothing_else(server: &mut FakeServer, mut connection: Connection) {
    connection.writer.close().await.expect("close the stream");
    server.expect_closed().await;
}

/// SESS-02, NEW-01: a session feature without `<optional/>` makes the client send the
/// session IQ after binding, and login waits for its result.
#[tokio::test]
async fn sess_02_required_session_is_established_before_login_completes() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features(SESSION_REQUIRED)).await;
    server.bind().await;
    let iq = server.expect_session().await;

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !client.is_finished(),
        "login finished before the session result"
    );
    let id = iq.attr("id").unwrap_or_default();
    server
        .send(&format!("<iq type='result' id='{id}' from='example.com'/>"))
        .await;
    let connection = outcome(client).await.expect("login");
    assert_eq!(connection.jid.to_string(), FULL_JID);
    assert_eq!(connection.features.session, login::SessionFeature::Required);
    close_and_expect_nothing_else(&mut server, connection).await;
}

/// SESS-03, NEW-01: `<optional/>` means no session IQ.
#[tokio::test]
async fn sess_03_optional_session_is_skipped() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features(SESSION_OPTIONAL)).await;
    server.bind().await;
    let connection = outcome(client).await.expect("login");
    assert_eq!(connection.features.session, login::SessionFeature::Optional);
    // A session IQ would arrive before the closing tag.
    close_and_expect_nothing_else(&mut server, connection).await;
}

/// SESS-04, NEW-01: no session feature, no session IQ.
#[tokio::test]
async fn sess_04_unadvertised_session_is_not_sent() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features("")).await;
    server.bind().await;
    let connection = outcome(client).await.expect("login");
    assert_eq!(
        connection.features.session,
        login::SessionFeature::NotAdvertised
    );
    close_and_expect_nothing_else(&mut server, connection).await;
}

/// SESS-05: a `forbidden` (auth) answer to the session IQ fails the login
/// with a session error naming the condition, and is not retried.
#[tokio::test]
async fn sess_05_forbidden_session_fails_the_login() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features(SESSION_REQUIRED)).await;
    server.bind().await;
    let iq = server.expect_session().await;
    let id = iq.attr("id").unwrap_or_default();
    server
        .send(&format!(
            "<iq type='error' id='{id}'><error type='auth'>\
             <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        ))
        .await;
    let error = login_error(client).await;
    match &error {
        Error::Session(stanza) => {
            assert_eq!(stanza.condition, StanzaCondition::Forbidden);
            assert_eq!(stanza.error_type, ErrorType::Auth);
        }
        other => panic!("expected a session error, got {other:?}"),
    }
    assert!(error.to_string().contains("forbidden"), "{error}");
    assert!(!error.is_retryable(), "{error}");
    server.expect_closed().await;
}

/// SESS-06: the session result is accepted from the domain, from our bare
/// JID, and without `from`.
#[tokio::test]
async fn sess_06_session_result_from_any_of_the_three_senders() {
    for from in [" from='example.com'", " from='juliet@example.com'", ""] {
        let (mut server, client) = start(settings());
        server.authenticate(&bind_features(SESSION_REQUIRED)).await;
        server.bind().await;
        let iq = server.expect_session().await;
        let id = iq.attr("id").unwrap_or_default();
        server
            .send(&format!("<iq type='result' id='{id}'{from}/>"))
            .await;
        match outcome(client).await {
            Ok(connection) => assert_eq!(connection.jid.to_string(), FULL_JID),
            Err(error) => panic!("session result with{from:?}: {error}"),
        }
    }
}

/// SESS-01: before the bind result the client sends only negotiation
/// elements: the SASL auth and the bind IQ (then the session IQ, then
/// nothing until we close).
#[tokio::test]
async fn sess_01_only_negotiation_elements_before_bind() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features(SESSION_REQUIRED)).await;
    let (bind, _) = server.expect_bind().await;
    let before_bind: Vec<String> = server.received.iter().map(Element::to_xml).collect();
    assert_eq!(before_bind.len(), 2, "{before_bind:#?}");
    assert!(server.received[0].is("auth", ns::SASL), "{before_bind:#?}");
    assert!(
        server.received[1].has_child("bind", ns::BIND),
        "{before_bind:#?}"
    );
    server.answer_bind(&bind, FULL_JID).await;

    let session = server.expect_session().await;
    let id = session.attr("id").unwrap_or_default();
    server.send(&format!("<iq type='result' id='{id}'/>")).await;
    let connection = outcome(client).await.expect("login");
    close_and_expect_nothing_else(&mut server, connection).await;
    assert_eq!(server.received.len(), 3);
}

/// CORE-15: the JID the server returns is ours, even with another resource.
#[tokio::test]
async fn core_15_the_bound_jid_is_taken_as_is() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features("")).await;
    let (iq, resource) = server.expect_bind().await;
    assert_eq!(resource.as_deref(), Some("balcony"));
    server
        .answer_bind(&iq, "juliet@example.com/balcony#1")
        .await;
    let connection = outcome(client).await.expect("login");
    assert_eq!(connection.jid.to_string(), "juliet@example.com/balcony#1");
}

/// CORE-16: a `conflict` for our resource makes the client ask again without
/// a resource, and it takes the one the server picks.
#[tokio::test]
async fn core_16_bind_conflict_retries_with_a_server_resource() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features("")).await;
    let (first, resource) = server.expect_bind().await;
    assert_eq!(resource.as_deref(), Some("balcony"));
    let first_id = first.attr("id").unwrap_or_default().to_owned();
    server
        .send(&format!(
            "<iq type='error' id='{first_id}'><error type='cancel'>\
             <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        ))
        .await;

    let (second, resource) = server.expect_bind().await;
    assert_eq!(resource, None, "{}", second.to_xml());
    let bind = second.child("bind", ns::BIND).expect("bind");
    assert_eq!(bind.children().count(), 0, "{}", second.to_xml());
    assert_ne!(second.attr("id"), Some(first_id.as_str()), "CORE-21");
    server
        .answer_bind(&second, "juliet@example.com/4f2a9c")
        .await;
    let connection = outcome(client).await.expect("login");
    assert_eq!(connection.jid.to_string(), "juliet@example.com/4f2a9c");
}

/// CORE-16: `not-allowed` stops the login with a bind error; no retry.
#[tokio::test]
async fn core_16_bind_not_allowed_fails() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features("")).await;
    let (iq, _) = server.expect_bind().await;
    let id = iq.attr("id").unwrap_or_default();
    server
        .send(&format!(
            "<iq type='error' id='{id}'><error type='cancel'>\
             <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        ))
        .await;
    match login_error(client).await {
        Error::Bind(stanza) => assert_eq!(stanza.condition, StanzaCondition::NotAllowed),
        other => panic!("expected a bind error, got {other:?}"),
    }
    // A second bind attempt would arrive before the closing tag.
    server.expect_closed().await;
}

/// CORE-03: a server header without `version` (or below 1.0) is a pre-1.0
/// server: stop with a protocol error that says so.
#[tokio::test]
async fn core_03_pre_1_0_server_is_refused() {
    for version in ["", " version='0.9'"] {
        let (mut server, client) = start(settings());
        server.expect_header().await;
        server
            .send(&format!(
                "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
                 xmlns:stream='http://etherx.jabber.org/streams' id='old' \
                 from='example.com'{version}>"
            ))
            .await;
        let error = login_error(client).await;
        assert!(matches!(error, Error::Protocol(_)), "{error:?}");
        assert!(error.to_string().contains("pre-1.0"), "{error}");
        server.expect_closed().await;
    }
}

/// CORE-12: a SASL failure becomes a sentence with the condition, a hint and
/// the server's text, and is not retried.
#[tokio::test]
async fn core_12_sasl_failure_is_explained() {
    let (mut server, client) = start(settings());
    server.open(PLAIN_ONLY).await;
    server.expect_plain_auth().await;
    server
        .send(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>\
             <text>bad</text></failure>",
        )
        .await;
    let error = login_error(client).await;
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "authentication failed: not-authorized — wrong password or unknown account \
         (server says: bad)"
    );
    assert!(!error.is_retryable());
    server.expect_closed().await;
}

/// CORE-11: after `<success/>` the very next thing the client sends is a new
/// stream header.
#[tokio::test]
async fn core_11_stream_restarts_after_sasl_success() {
    let (mut server, client) = start(settings());
    server.open(PLAIN_ONLY).await;
    server.expect_plain_auth().await;
    server
        .send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
        .await;
    // A fresh reader sees an element before a header as a bad root, so
    // anything but a header fails here.
    server.restart();
    let header = server.expect_header().await;
    assert_eq!(header.to.as_deref(), Some("example.com"));
    assert_eq!(header.version.as_deref(), Some("1.0"));
    assert_eq!(header.from.as_deref(), Some("juliet@example.com"));
    server
        .send(&format!("{SERVER_HEADER}{}", bind_features("")))
        .await;
    server.bind().await;
    outcome(client).await.expect("login");
}

/// SEC-06, CORE-18: restricted XML from the server fails the login with the
/// reader's error, and the client answers with a `restricted-xml` stream
/// error and its closing tag.
async fn restricted_xml_mid_negotiation(forbidden: &str) {
    let (mut server, client) = start(settings());
    server.open(PLAIN_ONLY).await;
    server.expect_plain_auth().await;
    server.send(forbidden).await;

    let error = login_error(client).await;
    assert!(
        matches!(error, Error::Xml(XmlError::Restricted(_))),
        "{forbidden}: {error:?}"
    );
    let stream_error = server.expect_element().await;
    assert!(
        stream_error.is("error", ns::STREAM),
        "{}",
        stream_error.to_xml()
    );
    let condition = stream_error
        .children()
        .find(|c| c.ns() == ns::STREAM_ERRORS && c.name() != "text")
        .map(|c| c.name().to_owned());
    assert_eq!(
        condition.as_deref(),
        Some("restricted-xml"),
        "{}",
        stream_error.to_xml()
    );
    match server.next_event().await {
        Ok(StreamEvent::End) => {}
        other => panic!("expected </stream:stream> after the stream error, got {other:?}"),
    }
}

#[tokio::test]
async fn sec_06_core_18_doctype_is_restricted_xml() {
    restricted_xml_mid_negotiation("<!DOCTYPE x [<!ENTITY a 'b'>]>").await;
}

#[tokio::test]
async fn sec_06_core_18_comment_is_restricted_xml() {
    restricted_xml_mid_negotiation("<!-- x -->").await;
}

#[tokio::test]
async fn sec_06_core_18_processing_instruction_is_restricted_xml() {
    restricted_xml_mid_negotiation("<?evil x?>").await;
}

/// CORE-18: a stream error from the server ends the login with that
/// condition and text.
#[tokio::test]
async fn core_18_host_unknown_stream_error() {
    let (mut server, client) = start(settings());
    server.expect_header().await;
    server
        .send(&format!(
            "{SERVER_HEADER}<stream:error>\
             <host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
             <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no such domain</text>\
             </stream:error></stream:stream>"
        ))
        .await;
    let error = login_error(client).await;
    // Before authentication; a wrong domain is still final.
    assert!(!error.is_retryable(), "{error}");
    match error {
        Error::Stream(stream) | Error::UnauthenticatedStream(stream) => {
            assert_eq!(stream.condition, StreamCondition::HostUnknown);
            assert_eq!(stream.text.as_deref(), Some("no such domain"));
        }
        other => panic!("expected a stream error, got {other:?}"),
    }
    server.expect_closed().await;
}

/// A server that never answers the bind IQ: the login times out after
/// `reply_timeout`, not later.
#[tokio::test]
async fn unanswered_bind_times_out() {
    let mut settings = settings();
    settings.reply_timeout = Duration::from_secs(1);
    let (mut server, client) = start(settings);
    server.authenticate(&bind_features("")).await;
    server.expect_bind().await;
    let asked = Instant::now();
    let error = login_error(client).await;
    let waited = asked.elapsed();
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_millis(2500),
        "timed out after {waited:?}"
    );
    server.expect_closed().await;
}

/// Session binding data as on TLS 1.3: `tls-exporter` and
/// `tls-server-end-point`.
fn tls13_bindings() -> TlsBindings {
    TlsBindings {
        exporter: Some(vec![0xEE; 32]),
        unique: None,
        server_end_point: Some(vec![0x5E; 32]),
    }
}

fn mechanisms(names: &[&str]) -> String {
    let names: String = names
        .iter()
        .map(|n| format!("<mechanism>{n}</mechanism>"))
        .collect();
    format!("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{names}</mechanisms>")
}

fn binding_list(types: &[&str]) -> String {
    let types: String = types
        .iter()
        .map(|t| format!("<channel-binding type='{t}'/>"))
        .collect();
    format!("<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>{types}</sasl-channel-binding>")
}

/// Reads `<auth/>`; returns its mechanism and decoded initial response.
async fn expect_auth(server: &mut FakeServer) -> (String, String) {
    let auth = server.expect_element().await;
    assert!(auth.is("auth", ns::SASL), "{}", auth.to_xml());
    let payload = BASE64.decode(auth.text().trim()).expect("base64");
    (
        auth.attr("mechanism").unwrap_or_default().to_owned(),
        String::from_utf8(payload).expect("UTF-8"),
    )
}

/// CB-07: stock ejabberd 23.01 offers -PLUS on TLS 1.3 with no XEP-0440
/// list; balcony uses the plain mechanism with `n`, never a guessed
/// tls-exporter.
#[tokio::test]
async fn cb_07_plus_without_list_authenticates_unbound_with_n() {
    let (mut server, client) = start_bound(settings(), tls13_bindings());
    let offer = mechanisms(&["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "PLAIN"]);
    server
        .open(&format!("<stream:features>{offer}</stream:features>"))
        .await;
    let (mechanism, initial) = expect_auth(&mut server).await;
    assert_eq!(mechanism, "SCRAM-SHA-1");
    assert!(initial.starts_with("n,,n=juliet,r="), "{initial}");
    server
        .send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>")
        .await;
    let error = login_error(client).await;
    assert!(matches!(error, Error::Auth(_)), "{error}");
}

/// CB-01, CB-03, CB-09: with a list, balcony binds with the strongest
/// listed type; when the server refuses the bound login, the error says
/// so (not "wrong password") and is not retried.
#[tokio::test]
async fn cb_09_refused_binding_is_reported_as_such() {
    let (mut server, client) = start_bound(settings(), tls13_bindings());
    let features = format!(
        "<stream:features>{}{}</stream:features>",
        binding_list(&["tls-server-end-point", "tls-exporter"]),
        mechanisms(&["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN"])
    );
    server.open(&features).await;
    let (mechanism, initial) = expect_auth(&mut server).await;
    assert_eq!(mechanism, "SCRAM-SHA-256-PLUS");
    assert!(
        initial.starts_with("p=tls-exporter,,n=juliet,"),
        "{initial}"
    );
    server
        .send(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>\
             <text xml:lang='en'>Invalid channel binding</text></failure>",
        )
        .await;
    let error = login_error(client).await;
    assert!(
        matches!(
            error,
            Error::ChannelBindingRefused {
                binding: "tls-exporter",
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("refused channel binding (tls-exporter)"),
        "{text}"
    );
    assert!(!text.contains("wrong password"), "{text}");
    assert!(!error.is_retryable());
}

/// CB-04: a list holding only types this session cannot compute (and not
/// tls-server-end-point) looks like interception: no `<auth/>` is sent.
#[tokio::test]
async fn cb_04_stripped_list_aborts_before_auth() {
    let (mut server, client) = start_bound(settings(), tls13_bindings());
    let features = format!(
        "<stream:features>{}{}</stream:features>",
        binding_list(&["tls-unique"]),
        mechanisms(&["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"])
    );
    server.open(&features).await;
    let error = login_error(client).await;
    assert!(matches!(error, Error::ChannelBinding(_)), "{error:?}");
    assert!(error.to_string().contains("interception"), "{error}");
    assert!(!error.is_retryable());
    assert!(
        !server.received.iter().any(|e| e.is("auth", ns::SASL)),
        "no credentials were offered"
    );
}

/// CB-06: no -PLUS and no list while the session could bind: `y`.
#[tokio::test]
async fn cb_06_no_plus_offered_sends_y() {
    let (mut server, client) = start_bound(settings(), tls13_bindings());
    server
        .open(&format!(
            "<stream:features>{}</stream:features>",
            mechanisms(&["SCRAM-SHA-1", "PLAIN"])
        ))
        .await;
    let (mechanism, initial) = expect_auth(&mut server).await;
    assert_eq!(mechanism, "SCRAM-SHA-1");
    assert!(initial.starts_with("y,,n=juliet,r="), "{initial}");
    drop(server);
    let _ = login_error(client).await;
}

/// CORE-15: a bind result naming another account is refused; only the
/// resource is the server's to choose.
#[tokio::test]
async fn core_15_bind_result_for_another_account_is_refused() {
    let (mut server, client) = start(settings());
    server.authenticate(&bind_features("")).await;
    let (iq, _) = server.expect_bind().await;
    server.answer_bind(&iq, "mallory@example.com/balcony").await;
    match login_error(client).await {
        Error::Protocol(text) => {
            assert!(text.contains("mallory@example.com/balcony"), "{text}");
            assert!(text.contains("not the account"), "{text}");
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

/// A stream error before authentication (anyone on the path can send it)
/// is no verdict about the account: the reconnect loop keeps trying.
#[tokio::test]
async fn unauthenticated_conflict_is_retryable() {
    let (mut server, client) = start(settings());
    server.expect_header().await;
    server
        .send(&format!(
            "{SERVER_HEADER}<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
             </stream:error>"
        ))
        .await;
    let error = login_error(client).await;
    assert!(
        matches!(error, Error::UnauthenticatedStream(_)),
        "{error:?}"
    );
    assert!(error.is_retryable(), "{error}");
    assert!(
        error.to_string().contains("before authentication"),
        "{error}"
    );
}
