//! Stream negotiation up to a bound session: TCP (or direct TLS), stream
//! header, STARTTLS, SASL, stream restart, resource binding and, when a
//! server still requires it, the session IQ (RFC 3920 §§5–7, RFC 3921 §3).
//!
//! Nothing but negotiation elements is sent before binding has finished
//! (SESS-01). Every failure comes back as a typed [`Error`] with a
//! sentence for the user; the stream is closed politely where possible.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jid::FullJid;
use tokio::io::{AsyncRead, AsyncWrite, ReadHalf};
use tracing::{debug, info};

use super::channel_binding::{SaslOffer, TlsBindings};
use super::connect;
use super::element::Element;
use super::error::{Error, SaslFailure, StanzaCondition, StanzaError, StreamError};
use super::id;
use super::ns;
use super::reader::{StreamEvent, StreamHeader, XmlReader};
use super::sasl::{self, SaslInput};
use super::settings::{ConnectSettings, TlsMode};
use super::tls;
use super::writer::StreamWriter;

/// A byte stream we can run XMPP over: plain TCP before STARTTLS, TLS after.
pub trait AsyncStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> AsyncStream for T {}

/// The boxed stream a logged-in connection runs over.
pub type BoxStream = Box<dyn AsyncStream>;

/// Whether and how the server advertised the session feature (SESS-02..04).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionFeature {
    #[default]
    NotAdvertised,
    Optional,
    Required,
}

/// The `<stream:features/>` we act on; unknown ones are ignored (CORE-04).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamFeatures {
    /// `Some(required)` when STARTTLS is offered.
    pub starttls: Option<bool>,
    pub mechanisms: Vec<String>,
    pub bind: bool,
    pub session: SessionFeature,
    pub roster_versioning: bool,
    pub pre_approval: bool,
    pub stream_management: bool,
    /// The XEP-0440 channel-binding types, when the server lists them
    /// (CB-01); `None` means the server's types are unknown.
    pub channel_binding_types: Option<Vec<String>>,
    /// Client state indication is offered (XEP-0352, CSI-01).
    pub csi: bool,
    /// The server's own entity capabilities `<c/>` (CAPS-13).
    pub caps: Option<super::stanza::caps::Announced>,
}

impl StreamFeatures {
    pub fn parse(features: &Element) -> Self {
        let mut parsed = StreamFeatures::default();
        for child in features.children() {
            match (child.ns(), child.name()) {
                (ns::TLS, "starttls") => {
                    parsed.starttls = Some(child.has_child("required", ns::TLS));
                }
                (ns::SASL, "mechanisms") => {
                    parsed.mechanisms = child
                        .children_named("mechanism", ns::SASL)
                        .map(|m| m.text().trim().to_owned())
                        .filter(|m| !m.is_empty())
                        .collect();
                }
                (ns::BIND, "bind") => parsed.bind = true,
                (ns::SESSION, "session") => {
                    parsed.session = if child.has_child("optional", ns::SESSION) {
                        SessionFeature::Optional
                    } else {
                        SessionFeature::Required
                    };
                }
                (ns::ROSTER_VER, "ver") => parsed.roster_versioning = true,
                (ns::PRE_APPROVAL, "sub") => parsed.pre_approval = true,
                (ns::SM, "sm") => parsed.stream_management = true,
                (ns::CSI, "csi") => parsed.csi = true,
                (ns::CAPS, "c") => parsed.caps = super::stanza::caps::Announced::of(features),
                (ns::SASL_CB, "sasl-channel-binding") => {
                    parsed.channel_binding_types = Some(
                        child
                            .children_named("channel-binding", ns::SASL_CB)
                            .filter_map(|b| b.attr("type"))
                            .map(|t| t.trim().to_owned())
                            .filter(|t| !t.is_empty())
                            .collect(),
                    );
                }
                _ => {}
            }
        }
        parsed
    }
}

/// A negotiated, bound stream, ready for stanzas.
pub struct Connection {
    /// Our full JID exactly as the server bound it (CORE-15).
    pub jid: FullJid,
    /// The features offered after authentication.
    pub features: StreamFeatures,
    pub reader: XmlReader<ReadHalf<BoxStream>>,
    pub writer: StreamWriter,
    /// The SASL mechanism that authenticated us.
    pub mechanism: String,
    /// How a requested stream resumption went (XEP-0198).
    pub resumption: Resumption,
}

/// A stream management session we may resume (XEP-0198 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeToken {
    /// The `id` of `<enabled/>`.
    pub id: String,
    /// Stanzas we have handled from the server.
    pub h: u32,
    /// The full JID of the session being resumed.
    pub jid: FullJid,
}

/// The outcome of asking to resume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Resumption {
    /// No resumption was asked for.
    #[default]
    NotAsked,
    /// The old session continues; `h` is how many of our stanzas the server
    /// had handled.
    Resumed { h: u32 },
    /// The server could not resume and a fresh session was bound; `h`, when
    /// the server said, is how many of our stanzas it had handled.
    Failed { h: Option<u32> },
}

/// Resolves, connects, secures, authenticates and binds.
pub async fn connect(settings: &ConnectSettings) -> Result<Connection, Error> {
    connect_resuming(settings, None).await
}

/// Like [`connect()`], but first tries to resume `resume` (XEP-0198); when
/// the server refuses, it binds a fresh session on the same stream.
pub async fn connect_resuming(
    settings: &ConnectSettings,
    resume: Option<&ResumeToken>,
) -> Result<Connection, Error> {
    let targets = connect::resolve(settings).await?;
    let tcp = connect::connect_tcp(&targets).await?;
    let config = tls::client_config(settings.ca_file.as_deref())?;
    let has_ca = settings.ca_file.is_some();
    let (stream, binding): (BoxStream, TlsBindings) = match settings.tls {
        TlsMode::Direct => {
            let tls = tls::handshake(tcp, settings.domain(), config, has_ca).await?;
            let binding = tls::channel_bindings(&tls);
            (Box::new(tls), binding)
        }
        TlsMode::StartTls => {
            let tcp = starttls(tcp, settings)
                .await
                .map_err(Error::before_authentication)?;
            let tls = tls::handshake(tcp, settings.domain(), config, has_ca).await?;
            let binding = tls::channel_bindings(&tls);
            (Box::new(tls), binding)
        }
    };
    debug!(domain = settings.domain(), "TLS established");
    negotiate_encrypted(stream, settings, binding, resume).await
}

/// The plaintext phase: open the stream, insist on STARTTLS, get `<proceed/>`
/// and hand back the raw TCP stream for the handshake (CORE-05, CORE-06).
async fn starttls(
    tcp: super::quick_ack::QuickAck,
    settings: &ConnectSettings,
) -> Result<super::quick_ack::QuickAck, Error> {
    let (read, write) = tokio::io::split(tcp);
    let mut reader = XmlReader::new(read, settings.limits);
    let mut writer = StreamWriter::new(write)
        .with_trace(settings.trace.clone())
        .with_write_timeout(settings.reply_timeout);
    let outcome: Result<(), Error> = async {
        writer.open(settings, false).await?;
        let features = read_header_and_features(&mut reader, settings).await?;
        if features.starttls.is_none() {
            return Err(Error::NoStartTls);
        }
        writer.send(&Element::new("starttls", ns::TLS)).await?;
        let answer = next_element(
            &mut reader,
            settings.reply_timeout,
            settings.trace.as_ref(),
            "STARTTLS answer",
        )
        .await?;
        if answer.is("proceed", ns::TLS) {
            Ok(())
        } else if answer.is("failure", ns::TLS) {
            Err(Error::StartTlsRefused)
        } else {
            Err(unexpected(&answer, "STARTTLS"))
        }
    }
    .await;
    if let Err(error) = outcome {
        writer.fail(&error).await;
        return Err(error);
    }
    // Plaintext bytes after <proceed/> would be an injection attempt
    // (they would be treated as if they came over TLS): refuse them.
    let read = reader
        .into_inner()
        .map_err(|unread| Error::Protocol(format!("{unread}; refusing to continue with TLS")))?;
    Ok(read.unsplit(writer.into_inner()))
}

/// The encrypted phase over any stream: SASL, restart, bind, session.
/// Public so tests can drive it over an in-memory pipe.
pub async fn authenticate_and_bind(
    stream: BoxStream,
    settings: &ConnectSettings,
    channel_binding: TlsBindings,
) -> Result<Connection, Error> {
    negotiate_encrypted(stream, settings, channel_binding, None).await
}

async fn negotiate_encrypted(
    stream: BoxStream,
    settings: &ConnectSettings,
    channel_binding: TlsBindings,
    resume: Option<&ResumeToken>,
) -> Result<Connection, Error> {
    let (read, write) = tokio::io::split(stream);
    let reader = XmlReader::new(read, settings.limits);
    let mut writer = StreamWriter::new(write)
        .with_trace(settings.trace.clone())
        .with_write_timeout(settings.reply_timeout);
    match negotiate(reader, &mut writer, settings, channel_binding, resume).await {
        Ok((jid, features, mechanism, reader, resumption)) => {
            info!(%jid, %mechanism, ?resumption, "logged in");
            Ok(Connection {
                jid,
                features,
                reader,
                writer,
                mechanism,
                resumption,
            })
        }
        Err(error) => {
            writer.fail(&error).await;
            Err(error)
        }
    }
}

type Negotiated = (
    FullJid,
    StreamFeatures,
    String,
    XmlReader<ReadHalf<BoxStream>>,
    Resumption,
);

async fn negotiate(
    mut reader: XmlReader<ReadHalf<BoxStream>>,
    writer: &mut StreamWriter,
    settings: &ConnectSettings,
    channel_binding: TlsBindings,
    resume: Option<&ResumeToken>,
) -> Result<Negotiated, Error> {
    let mechanism = async {
        writer.open(settings, true).await?;
        let features = read_header_and_features(&mut reader, settings).await?;
        authenticate(&mut reader, writer, settings, &features, channel_binding).await
    }
    .await
    .map_err(Error::before_authentication)?;

    // CORE-11: restart the stream on the same connection; old features are void.
    let mut fresh = reader.restart();
    writer.open(settings, true).await?;
    let features = read_header_and_features(&mut fresh, settings).await?;
    let mut resumption = Resumption::NotAsked;
    if let Some(token) = resume.filter(|_| features.stream_management) {
        resumption = resume_session(&mut fresh, writer, settings, token).await?;
        if let Resumption::Resumed { .. } = resumption {
            return Ok((token.jid.clone(), features, mechanism, fresh, resumption));
        }
    } else if resume.is_some() {
        resumption = Resumption::Failed { h: None };
    }
    if !features.bind {
        return Err(Error::Protocol(
            "the server did not offer resource binding after authentication".into(),
        ));
    }
    let jid = bind(&mut fresh, writer, settings).await?;
    if features.session == SessionFeature::Required {
        establish_session(&mut fresh, writer, settings).await?;
    }
    Ok((jid, features, mechanism, fresh, resumption))
}

/// XEP-0198 §5: asks to resume; `<failed/>` leaves the stream ready for a
/// fresh bind.
async fn resume_session<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    writer: &mut StreamWriter,
    settings: &ConnectSettings,
    token: &ResumeToken,
) -> Result<Resumption, Error> {
    writer
        .send(
            &Element::new("resume", ns::SM)
                .with_attr("previd", token.id.clone())
                .with_attr("h", token.h.to_string()),
        )
        .await?;
    loop {
        let answer = next_element(
            reader,
            settings.reply_timeout,
            settings.trace.as_ref(),
            "stream resumption",
        )
        .await?;
        let h = answer.attr("h").and_then(|h| h.trim().parse::<u32>().ok());
        if answer.is("resumed", ns::SM) {
            return Ok(Resumption::Resumed { h: h.unwrap_or(0) });
        }
        if answer.is("failed", ns::SM) {
            info!("the server could not resume the session; starting a fresh one");
            return Ok(Resumption::Failed { h });
        }
        debug!(name = answer.name(), "ignoring an element while resuming");
    }
}

/// Reads the server's stream header and the features that follow it
/// (CORE-03, CORE-04).
async fn read_header_and_features<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    settings: &ConnectSettings,
) -> Result<StreamFeatures, Error> {
    let header = match tokio::time::timeout(settings.reply_timeout, reader.next()).await {
        Err(_) => return Err(Error::Timeout("the server's stream header")),
        Ok(Err(e)) => return Err(Error::Xml(e)),
        Ok(Ok(StreamEvent::Header(header))) => header,
        Ok(Ok(StreamEvent::Stanza(e))) => return Err(unexpected(&e, "the stream header")),
        Ok(Ok(StreamEvent::End)) => return Err(Error::Disconnected),
    };
    check_version(&header)?;
    let features = next_element(
        reader,
        settings.reply_timeout,
        settings.trace.as_ref(),
        "stream features",
    )
    .await?;
    if !features.is("features", ns::STREAM) {
        return Err(unexpected(&features, "stream features"));
    }
    Ok(StreamFeatures::parse(&features))
}

/// CORE-03: without version 1.0 no features come; we do not do legacy auth.
fn check_version(header: &StreamHeader) -> Result<(), Error> {
    let major = header
        .version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.trim().parse::<u32>().ok());
    match major {
        Some(m) if m >= 1 => Ok(()),
        _ => Err(Error::Protocol(
            "the server speaks pre-1.0 XMPP (no version='1.0' on its stream), which balcony does not support".into(),
        )),
    }
}

/// CORE-08..12: runs the SASL exchange; returns the mechanism's name.
async fn authenticate<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    writer: &mut StreamWriter,
    settings: &ConnectSettings,
    features: &StreamFeatures,
    channel_binding: TlsBindings,
) -> Result<String, Error> {
    let username = settings
        .jid
        .node()
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    let mut mechanism = sasl::choose(SaslInput {
        offer: SaslOffer {
            mechanisms: &features.mechanisms,
            binding_types: features.channel_binding_types.as_deref(),
        },
        username: &username,
        password: settings.password.expose(),
        tls: &channel_binding,
        policy: settings.channel_binding,
    })?;
    let name = mechanism.name();
    debug!(mechanism = %name, "authenticating");
    let initial = mechanism.initial();
    writer
        .send(
            &Element::new("auth", ns::SASL)
                .with_attr("mechanism", name.clone())
                .with_text(encode_sasl(&initial)),
        )
        .await?;
    loop {
        let element = next_element(
            reader,
            settings.reply_timeout,
            settings.trace.as_ref(),
            "the SASL exchange",
        )
        .await?;
        if element.ns() != ns::SASL {
            return Err(unexpected(&element, "SASL"));
        }
        match element.name() {
            "challenge" => {
                let challenge = decode_sasl(&element.text())?;
                let response = mechanism.respond(&challenge).map_err(|e| {
                    Error::Sasl(format!("cannot answer the server's challenge: {e}"))
                })?;
                writer
                    .send(&Element::new("response", ns::SASL).with_text(encode_sasl(&response)))
                    .await?;
            }
            "success" => {
                let data = decode_sasl(&element.text())?;
                // CORE-10: a wrong server signature means we may be talking
                // to an impostor, even though it said "success".
                mechanism.finish(&data).map_err(|e| {
                    Error::Sasl(format!(
                        "the server's final SCRAM proof is wrong ({e}); refusing to continue"
                    ))
                })?;
                return Ok(name);
            }
            "failure" => {
                let failure = SaslFailure::from_element(&element);
                // CB-09: a failed bound login is reported as what it may
                // be, and never retried with weaker binding.
                return Err(match mechanism.binding() {
                    Some(kind) => Error::ChannelBindingRefused {
                        binding: kind.name(),
                        failure,
                    },
                    None => Error::Auth(failure),
                });
            }
            _ => return Err(unexpected(&element, "SASL")),
        }
    }
}

/// Empty payloads are sent as "=" (RFC 6120 §6.4.2).
fn encode_sasl(data: &[u8]) -> String {
    if data.is_empty() {
        "=".to_owned()
    } else {
        BASE64.encode(data)
    }
}

fn decode_sasl(text: &str) -> Result<Vec<u8>, Error> {
    let text = text.trim();
    if text.is_empty() || text == "=" {
        return Ok(Vec::new());
    }
    BASE64
        .decode(text)
        .map_err(|_| Error::Sasl("the server sent SASL data that is not valid base64".into()))
}

/// CORE-14..16: binds the configured resource, falling back to one the
/// server assigns when ours is refused as a conflict or bad request.
async fn bind<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    writer: &mut StreamWriter,
    settings: &ConnectSettings,
) -> Result<FullJid, Error> {
    let mut resource = settings.resource.clone();
    loop {
        let mut request = Element::new("bind", ns::BIND);
        if let Some(resource) = &resource {
            request.push_child(Element::new("resource", ns::BIND).with_text(resource.clone()));
        }
        let reply =
            iq_round_trip(reader, writer, settings, request, None, "resource binding").await?;
        match reply {
            Ok(result) => {
                let jid_text = result
                    .child("bind", ns::BIND)
                    .and_then(|b| b.child_text("jid", ns::BIND))
                    .ok_or_else(|| Error::Protocol("the bind result holds no JID".into()))?;
                let jid = FullJid::new(jid_text.trim()).map_err(|e| {
                    Error::Protocol(format!("the server bound an invalid JID {jid_text:?}: {e}"))
                })?;
                // CORE-15: the resource is the server's to choose; the
                // account is not.
                if jid.to_bare() != settings.jid {
                    return Err(Error::Protocol(format!(
                        "the server bound {jid}, which is not the account {} that logged in",
                        settings.jid
                    )));
                }
                return Ok(jid);
            }
            Err(error)
                if resource.is_some()
                    && matches!(
                        error.condition,
                        StanzaCondition::Conflict | StanzaCondition::BadRequest
                    ) =>
            {
                info!(condition = %error.condition, "resource refused; asking the server for one");
                resource = None;
            }
            Err(error) => return Err(Error::Bind(error)),
        }
    }
}

/// SESS-02, SESS-05, SESS-06: the legacy session IQ, sent only when the
/// server requires it. Its result may come from the domain, our bare JID,
/// or no one.
async fn establish_session<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    writer: &mut StreamWriter,
    settings: &ConnectSettings,
) -> Result<(), Error> {
    let request = Element::new("session", ns::SESSION);
    let domain = settings.domain().to_owned();
    let reply = iq_round_trip(
        reader,
        writer,
        settings,
        request,
        Some(&domain),
        "session establishment",
    )
    .await?;
    match reply {
        Ok(_) => Ok(()),
        Err(error) => Err(Error::Session(error)),
    }
}

/// Sends an IQ set and waits for its reply, which during negotiation is the
/// only stanza the server may send (SESS-01).
async fn iq_round_trip<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    writer: &mut StreamWriter,
    settings: &ConnectSettings,
    payload: Element,
    to: Option<&str>,
    what: &'static str,
) -> Result<Result<Element, StanzaError>, Error> {
    let id = id::next();
    let iq = Element::new("iq", ns::CLIENT)
        .with_attr("type", "set")
        .with_attr("id", id.clone())
        .with_opt_attr("to", to)
        .with_child(payload);
    writer.send(&iq).await?;
    // One deadline for the whole exchange: unrelated stanzas must not
    // extend it.
    let deadline = tokio::time::Instant::now() + settings.reply_timeout;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let reply = next_element(reader, left, settings.trace.as_ref(), what).await?;
        if !reply.is("iq", ns::CLIENT) || reply.attr("id") != Some(id.as_str()) {
            debug!(name = reply.name(), "ignoring a stanza during {what}");
            continue;
        }
        return Ok(match reply.attr("type") {
            Some("result") => Ok(reply),
            Some("error") => Err(StanzaError::from_stanza(&reply)),
            _ => continue,
        });
    }
}

/// The next top-level element; a `<stream:error/>` or the end of the stream
/// becomes the matching error.
pub(crate) async fn next_element<R: AsyncRead + Unpin>(
    reader: &mut XmlReader<R>,
    timeout: Duration,
    trace: Option<&super::trace::XmlTrace>,
    what: &'static str,
) -> Result<Element, Error> {
    let event = tokio::time::timeout(timeout, reader.next()).await;
    if let (Some(trace), Ok(Ok(StreamEvent::Stanza(e)))) = (trace, &event) {
        trace.element(super::trace::Direction::Received, e);
    }
    match event {
        Err(_) => Err(Error::Timeout(what)),
        Ok(Err(e)) => Err(Error::Xml(e)),
        Ok(Ok(StreamEvent::Stanza(e))) if e.is("error", ns::STREAM) => {
            Err(Error::Stream(StreamError::from_element(&e)))
        }
        Ok(Ok(StreamEvent::Stanza(e))) => Ok(e),
        Ok(Ok(StreamEvent::End)) => Err(Error::Disconnected),
        Ok(Ok(StreamEvent::Header(_))) => Err(Error::Protocol(
            "the server restarted the stream unexpectedly".into(),
        )),
    }
}

fn unexpected(element: &Element, during: &str) -> Error {
    Error::Protocol(format!(
        "unexpected <{}/> in {} during {during}",
        element.name(),
        element.ns()
    ))
}
