//! What the protocol layer needs to know to log in. The config module builds
//! this from the user's file; tests build it directly.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use jid::BareJid;

use super::channel_binding::ChannelBindingPolicy;
use super::reader::ReaderLimits;

/// How TLS is set up. There is deliberately no plaintext mode: a server that
/// does not offer STARTTLS is refused (SEC-01).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP, then STARTTLS, which must be offered (CORE-05).
    #[default]
    StartTls,
    /// TLS from the first byte (XEP-0368).
    Direct,
}

/// A password that never shows up in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(secret: impl Into<String>) -> Self {
        Password(secret.into())
    }

    /// The secret itself, for SASL only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Everything needed to open, secure, authenticate and bind one stream.
#[derive(Clone, Debug)]
pub struct ConnectSettings {
    pub jid: BareJid,
    pub password: Password,
    /// The resource to ask for; `None` lets the server choose (SEC-08).
    pub resource: Option<String>,
    /// Skip SRV and connect here.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: TlsMode,
    /// An extra trust anchor (PEM) for a self-signed or private CA.
    pub ca_file: Option<PathBuf>,
    /// Whether SASL binds to the TLS channel (CB-10).
    pub channel_binding: ChannelBindingPolicy,
    pub limits: ReaderLimits,
    /// Idle time after which we ping the server (CORE-25).
    pub keepalive: Duration,
    /// How long a ping or any request may go unanswered before the
    /// connection is declared dead.
    pub reply_timeout: Duration,
    /// The language tag put on the stream header (I18N-01).
    pub lang: String,
    /// Where every element sent and received is written, redacted.
    pub trace: Option<super::trace::XmlTrace>,
    /// What this session advertises (DISCO-04, CAPS-06).
    pub advertised: super::session::Advertised,
}

impl ConnectSettings {
    /// Settings with the defaults used when the config leaves keys out.
    pub fn new(jid: BareJid, password: Password) -> Self {
        ConnectSettings {
            jid,
            password,
            resource: None,
            host: None,
            port: None,
            tls: TlsMode::StartTls,
            ca_file: None,
            channel_binding: ChannelBindingPolicy::Auto,
            limits: ReaderLimits::default(),
            keepalive: Duration::from_secs(60),
            reply_timeout: Duration::from_secs(30),
            lang: "en".to_owned(),
            trace: None,
            advertised: super::session::Advertised::default(),
        }
    }

    /// The domain we log in to, which is also the TLS server name.
    pub fn domain(&self) -> &str {
        self.jid.domain().as_str()
    }
}
