//! Errors of the protocol layer: stream errors (RFC 6120 §4.9, CORE-18),
//! stanza errors (RFC 6120 §8.3, CORE-19), SASL failures (CORE-12), and the
//! [`Error`] type every connection step returns.
//!
//! Each type renders as a sentence a user can act on; `is_retryable` keeps
//! authentication failures and resource conflicts out of any reconnect loop.

use std::fmt;

use super::cap;
use super::element::Element;
use super::ns;
use super::reader::XmlError;

macro_rules! conditions {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every defined condition, in the order the RFCs list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The element name on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Looks a condition up by element name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

conditions! {
    /// Stream error conditions of RFC 3920 and RFC 6120 (CORE-18).
    StreamCondition {
        BadFormat = "bad-format",
        BadNamespacePrefix = "bad-namespace-prefix",
        Conflict = "conflict",
        ConnectionTimeout = "connection-timeout",
        HostGone = "host-gone",
        HostUnknown = "host-unknown",
        ImproperAddressing = "improper-addressing",
        InternalServerError = "internal-server-error",
        InvalidFrom = "invalid-from",
        InvalidId = "invalid-id",
        InvalidNamespace = "invalid-namespace",
        InvalidXml = "invalid-xml",
        NotAuthorized = "not-authorized",
        NotWellFormed = "not-well-formed",
        PolicyViolation = "policy-violation",
        RemoteConnectionFailed = "remote-connection-failed",
        Reset = "reset",
        ResourceConstraint = "resource-constraint",
        RestrictedXml = "restricted-xml",
        SeeOtherHost = "see-other-host",
        SystemShutdown = "system-shutdown",
        UndefinedCondition = "undefined-condition",
        UnsupportedEncoding = "unsupported-encoding",
        UnsupportedFeature = "unsupported-feature",
        UnsupportedStanzaType = "unsupported-stanza-type",
        UnsupportedVersion = "unsupported-version",
    }
}

conditions! {
    /// Stanza error conditions of RFC 3920 and RFC 6120 (CORE-19).
    StanzaCondition {
        BadRequest = "bad-request",
        Conflict = "conflict",
        FeatureNotImplemented = "feature-not-implemented",
        Forbidden = "forbidden",
        Gone = "gone",
        InternalServerError = "internal-server-error",
        ItemNotFound = "item-not-found",
        JidMalformed = "jid-malformed",
        NotAcceptable = "not-acceptable",
        NotAllowed = "not-allowed",
        NotAuthorized = "not-authorized",
        PaymentRequired = "payment-required",
        PolicyViolation = "policy-violation",
        RecipientUnavailable = "recipient-unavailable",
        Redirect = "redirect",
        RegistrationRequired = "registration-required",
        RemoteServerNotFound = "remote-server-not-found",
        RemoteServerTimeout = "remote-server-timeout",
        ResourceConstraint = "resource-constraint",
        ServiceUnavailable = "service-unavailable",
        SubscriptionRequired = "subscription-required",
        UndefinedCondition = "undefined-condition",
        UnexpectedRequest = "unexpected-request",
    }
}

conditions! {
    /// SASL failure conditions of RFC 3920 and RFC 6120 (CORE-12).
    SaslCondition {
        Aborted = "aborted",
        AccountDisabled = "account-disabled",
        CredentialsExpired = "credentials-expired",
        EncryptionRequired = "encryption-required",
        IncorrectEncoding = "incorrect-encoding",
        InvalidAuthzid = "invalid-authzid",
        InvalidMechanism = "invalid-mechanism",
        MalformedRequest = "malformed-request",
        MechanismTooWeak = "mechanism-too-weak",
        NotAuthorized = "not-authorized",
        TemporaryAuthFailure = "temporary-auth-failure",
    }
}

impl StreamCondition {
    /// RFC 3920's `xml-not-well-formed` became `not-well-formed` in RFC 6120;
    /// unknown names are `undefined-condition` (CORE-18).
    pub fn parse(name: &str) -> Self {
        match name {
            "xml-not-well-formed" => StreamCondition::NotWellFormed,
            other => Self::from_name(other).unwrap_or(StreamCondition::UndefinedCondition),
        }
    }
}

/// A `<stream:error/>` received from (or sent to) the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamError {
    pub condition: StreamCondition,
    pub text: Option<String>,
    /// The new host of a `see-other-host` error.
    pub see_other_host: Option<String>,
}

impl StreamError {
    /// Reads a `<stream:error/>` element. Anything unexpected inside it is
    /// tolerated: the stream is dead either way, and the user wants the text.
    pub fn from_element(element: &Element) -> Self {
        let mut condition = StreamCondition::UndefinedCondition;
        let mut see_other_host = None;
        let mut text = None;
        for child in element.children() {
            if child.ns() != ns::STREAM_ERRORS {
                continue;
            }
            if child.name() == "text" {
                text = Some(cap::cut_owned(child.text(), cap::MAX_ERROR_TEXT_BYTES));
            } else {
                condition = StreamCondition::parse(child.name());
                if condition == StreamCondition::SeeOtherHost {
                    see_other_host = Some(child.text());
                }
            }
        }
        StreamError {
            condition,
            text,
            see_other_host,
        }
    }

    /// The element we send for a stream error of ours.
    pub fn to_element(&self) -> Element {
        let mut error = Element::new("error", ns::STREAM)
            .with_child(Element::new(self.condition.as_str(), ns::STREAM_ERRORS));
        if let Some(text) = &self.text {
            error.push_child(Element::new("text", ns::STREAM_ERRORS).with_text(text.clone()));
        }
        error
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stream error: {}", self.condition)?;
        if let Some(host) = &self.see_other_host {
            write!(f, " ({host})")?;
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            write!(f, " — {text}")?;
        }
        if self.condition == StreamCondition::Conflict {
            f.write_str(" (another client logged in with the same resource)")?;
        }
        Ok(())
    }
}

/// The `type` of a stanza error (CORE-20 says what each asks of us).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    Auth,
    Cancel,
    Continue,
    Modify,
    Wait,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Auth => "auth",
            ErrorType::Cancel => "cancel",
            ErrorType::Continue => "continue",
            ErrorType::Modify => "modify",
            ErrorType::Wait => "wait",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "auth" => ErrorType::Auth,
            "cancel" => ErrorType::Cancel,
            "continue" => ErrorType::Continue,
            "modify" => ErrorType::Modify,
            "wait" => ErrorType::Wait,
            _ => return None,
        })
    }
}

/// An `<error/>` child of a stanza of `type='error'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StanzaError {
    pub error_type: ErrorType,
    pub condition: StanzaCondition,
    pub text: Option<String>,
    /// Name and namespace of an application-specific condition, such as
    /// `blocked` in `urn:xmpp:blocking:errors`.
    pub app_condition: Option<(String, String)>,
    /// What the application-specific condition says beyond its name: the
    /// text of its first child (XEP-0363's `<max-file-size/>` in
    /// `<file-too-large/>`) or else its `stamp` (XEP-0363's `<retry/>`),
    /// capped.
    pub app_detail: Option<String>,
    /// The legacy numeric code (XEP-0086), kept for display.
    pub code: Option<u16>,
}

impl StanzaError {
    pub fn new(error_type: ErrorType, condition: StanzaCondition) -> Self {
        StanzaError {
            error_type,
            condition,
            text: None,
            app_condition: None,
            app_detail: None,
            code: None,
        }
    }

    /// Reads the `<error/>` child of `stanza`; a stanza of type error without
    /// one still yields an `undefined-condition` error (SYN-15).
    pub fn from_stanza(stanza: &Element) -> Self {
        match stanza.child("error", stanza.ns()) {
            Some(error) => Self::from_element(error),
            None => Self::undefined(),
        }
    }

    /// What a stanza of type error without an `<error/>` child means
    /// (SYN-15).
    pub fn undefined() -> Self {
        StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition)
    }

    /// Reads an `<error/>` element. The defined condition wins over the
    /// legacy `code`, which is only a fallback (CORE-19).
    pub fn from_element(error: &Element) -> Self {
        let code = error
            .attr("code")
            .and_then(|c| c.trim().parse::<u16>().ok());
        let mut condition = None;
        let mut text = None;
        let mut app_condition = None;
        let mut app_detail = None;
        for child in error.children() {
            if child.ns() == ns::STANZAS {
                if child.name() == "text" {
                    text = Some(cap::cut_owned(child.text(), cap::MAX_ERROR_TEXT_BYTES));
                } else if condition.is_none() {
                    condition = Some(
                        StanzaCondition::from_name(child.name())
                            .unwrap_or(StanzaCondition::UndefinedCondition),
                    );
                }
            } else if app_condition.is_none() {
                app_condition = Some((child.name().to_owned(), child.ns().to_owned()));
                app_detail = child
                    .children()
                    .next()
                    .map(Element::text)
                    .or_else(|| child.attr("stamp").map(str::to_owned))
                    .map(|detail| cap::cut_owned(detail, cap::MAX_ERROR_TEXT_BYTES));
            }
        }
        let condition = condition
            .or_else(|| code.map(condition_from_legacy_code))
            .unwrap_or(StanzaCondition::UndefinedCondition);
        let error_type = error
            .attr("type")
            .and_then(ErrorType::from_name)
            .unwrap_or_else(|| default_type(condition));
        StanzaError {
            error_type,
            condition,
            text,
            app_condition,
            app_detail,
            code,
        }
    }

    /// The `<error/>` element we put in an error reply.
    pub fn to_element(&self) -> Element {
        let mut error = Element::new("error", ns::CLIENT)
            .with_attr("type", self.error_type.as_str())
            .with_child(Element::new(self.condition.as_str(), ns::STANZAS));
        if let Some(text) = &self.text {
            error.push_child(Element::new("text", ns::STANZAS).with_text(text.clone()));
        }
        error
    }

    /// True for XEP-0191's "you blocked this contact" marker.
    pub fn is_blocked_by_us(&self) -> bool {
        matches!(&self.app_condition, Some((name, app_ns)) if name == "blocked" && app_ns == ns::BLOCKING_ERRORS)
    }
}

impl fmt::Display for StanzaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.condition, self.error_type.as_str())?;
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

/// XEP-0086's mapping from legacy codes to conditions.
fn condition_from_legacy_code(code: u16) -> StanzaCondition {
    use StanzaCondition::*;
    match code {
        302 => Redirect,
        400 => BadRequest,
        401 => NotAuthorized,
        402 => PaymentRequired,
        403 => Forbidden,
        404 => ItemNotFound,
        405 => NotAllowed,
        406 => NotAcceptable,
        407 => RegistrationRequired,
        408 | 504 => RemoteServerTimeout,
        409 => Conflict,
        500 => InternalServerError,
        501 => FeatureNotImplemented,
        502 => RemoteServerNotFound,
        503 | 510 => ServiceUnavailable,
        _ => UndefinedCondition,
    }
}

/// The type RFC 6120 §8.3.3 associates with a condition, used when a server
/// leaves `type` out.
fn default_type(condition: StanzaCondition) -> ErrorType {
    use StanzaCondition::*;
    match condition {
        BadRequest | JidMalformed | NotAcceptable | Redirect | Gone => ErrorType::Modify,
        Forbidden | NotAuthorized | PaymentRequired | RegistrationRequired
        | SubscriptionRequired => ErrorType::Auth,
        InternalServerError | RecipientUnavailable | RemoteServerTimeout | ResourceConstraint
        | UnexpectedRequest => ErrorType::Wait,
        _ => ErrorType::Cancel,
    }
}

/// A SASL `<failure/>` (CORE-12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaslFailure {
    /// `None` when the server sent a condition we do not know.
    pub condition: Option<SaslCondition>,
    pub condition_name: String,
    pub text: Option<String>,
}

impl SaslFailure {
    pub fn from_element(failure: &Element) -> Self {
        let mut condition_name = String::from("undefined");
        let mut text = None;
        let mut found = false;
        for child in failure.children().filter(|c| c.ns() == ns::SASL) {
            if child.name() == "text" {
                text = Some(cap::cut_owned(child.text(), cap::MAX_ERROR_TEXT_BYTES));
            } else if !found {
                condition_name = child.name().to_owned();
                found = true;
            }
        }
        SaslFailure {
            condition: SaslCondition::from_name(&condition_name),
            condition_name,
            text,
        }
    }

    /// What the condition means for the user.
    fn hint(&self) -> Option<&'static str> {
        Some(match self.condition? {
            SaslCondition::NotAuthorized => "wrong password or unknown account",
            SaslCondition::AccountDisabled => "the account is disabled on the server",
            SaslCondition::CredentialsExpired => "the password has expired; change it first",
            SaslCondition::EncryptionRequired => "the server wants an encrypted connection",
            SaslCondition::MechanismTooWeak => "the server wants a stronger mechanism",
            SaslCondition::TemporaryAuthFailure => "temporary server trouble; try again later",
            SaslCondition::InvalidAuthzid => "the server refused the authorization identity",
            SaslCondition::InvalidMechanism => "the server refused the chosen mechanism",
            SaslCondition::Aborted => "the exchange was aborted",
            SaslCondition::IncorrectEncoding | SaslCondition::MalformedRequest => {
                "the server could not read our authentication data"
            }
        })
    }
}

impl fmt::Display for SaslFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "authentication failed: {}", self.condition_name)?;
        if let Some(hint) = self.hint() {
            write!(f, " — {hint}")?;
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            write!(f, " (server says: {text})")?;
        }
        Ok(())
    }
}

/// CB-09: a failed bound login, in words that do not send the user off to
/// reset a good password when the server refused the binding itself.
fn describe_binding_failure(binding: &str, failure: &SaslFailure) -> String {
    let text = failure.text.as_deref().unwrap_or_default();
    let says = if text.is_empty() {
        String::new()
    } else {
        format!(" (server says: {text})")
    };
    let names_binding = text.to_ascii_lowercase().contains("channel binding")
        || text.to_ascii_lowercase().contains("channel-binding");
    let refused = names_binding || failure.condition == Some(SaslCondition::MalformedRequest);
    let verdict = if refused {
        format!("the server refused channel binding ({binding})")
    } else {
        format!(
            "authentication bound to the TLS channel ({binding}) failed: {} — either the password \
             is wrong or the server refused channel binding",
            failure.condition_name
        )
    };
    format!(
        "{verdict}{says}. balcony does not retry without binding, since an attacker could cause \
         this on purpose; if the server is known not to support it, set channel_binding = \"off\" \
         under [account]"
    )
}

/// Everything that can end a connection attempt or a live session.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot find the server for {domain}: {reason}")]
    Dns { domain: String, reason: String },
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("TLS error: {0}")]
    Tls(String),
    #[error("the server's certificate was refused: {reason}. {hint}")]
    Certificate { reason: String, hint: String },
    #[error(
        "the server does not offer STARTTLS, and balcony never logs in over an unencrypted connection"
    )]
    NoStartTls,
    #[error("the server refused to start TLS")]
    StartTlsRefused,
    #[error("{0}")]
    Auth(SaslFailure),
    /// CB-09: the server failed a login bound to the channel. Not retried
    /// with weaker binding: an attacker could cause this on purpose.
    #[error("{}", describe_binding_failure(binding, failure))]
    ChannelBindingRefused {
        binding: &'static str,
        failure: SaslFailure,
    },
    /// The channel-binding policy or the server's offer rules out logging
    /// in (CB-04, CB-05, CB-10).
    #[error("channel binding: {0}")]
    ChannelBinding(String),
    #[error("no usable authentication mechanism: the server offers {offered}")]
    NoMechanism { offered: String },
    #[error("SASL error: {0}")]
    Sasl(String),
    #[error("resource binding failed: {0}")]
    Bind(StanzaError),
    #[error("session establishment failed: {0}")]
    Session(StanzaError),
    #[error("{0}")]
    Stream(StreamError),
    /// A stream error before the server knew who we are: anyone on the path
    /// can send it, so it says nothing about the account.
    #[error("{0} (before authentication)")]
    UnauthenticatedStream(StreamError),
    #[error("XML error: {0}")]
    Xml(#[from] XmlError),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("timed out: {0}")]
    Timeout(&'static str),
    #[error("the connection was closed")]
    Disconnected,
}

impl Error {
    /// Marks a stream error that came before authentication as such.
    pub fn before_authentication(self) -> Error {
        match self {
            Error::Stream(stream) => Error::UnauthenticatedStream(stream),
            other => other,
        }
    }

    /// False for failures that a reconnect with the same settings cannot fix
    /// (wrong password, a certificate we refuse, a resource conflict).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Auth(failure) => failure.condition == Some(SaslCondition::TemporaryAuthFailure),
            Error::Stream(stream) => !matches!(
                stream.condition,
                StreamCondition::Conflict
                    | StreamCondition::NotAuthorized
                    | StreamCondition::HostUnknown
                    | StreamCondition::PolicyViolation
            ),
            Error::Certificate { .. }
            | Error::NoStartTls
            | Error::StartTlsRefused
            | Error::NoMechanism { .. }
            | Error::ChannelBindingRefused { .. }
            | Error::ChannelBinding(_)
            | Error::Sasl(_)
            | Error::Bind(_) => false,
            Error::Session(error) => error.error_type == ErrorType::Wait,
            // Only a wrong domain is worth stopping for.
            Error::UnauthenticatedStream(stream) => {
                stream.condition != StreamCondition::HostUnknown
            }
            Error::Io(_)
            | Error::Dns { .. }
            | Error::Connect { .. }
            | Error::Tls(_)
            | Error::Xml(_)
            | Error::Protocol(_)
            | Error::Timeout(_)
            | Error::Disconnected => true,
        }
    }
}

/// What a failed login asks of the client, decided from the error's type in
/// one place (CORE-12, CORE-20, SESS-05).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Transient: the network, a server restarting, a `wait`-type session
    /// error, `temporary-auth-failure`, a stream error before
    /// authentication. Try again after a backoff.
    Retry,
    /// The server refused the password (`not-authorized`,
    /// `credentials-expired`): ask the user for it again. Never retried as
    /// is: the same password would only be refused again (CORE-12).
    AskPassword,
    /// Nothing a retry with the same settings can fix (a certificate we
    /// refuse, channel binding refused, a bind conflict…): stop and say why.
    GiveUp,
}

impl Error {
    /// What to do after this error ended a login.
    pub fn recovery(&self) -> Recovery {
        if self.is_retryable() {
            return Recovery::Retry;
        }
        match self {
            Error::Auth(SaslFailure {
                condition: Some(SaslCondition::NotAuthorized | SaslCondition::CredentialsExpired),
                ..
            }) => Recovery::AskPassword,
            _ => Recovery::GiveUp,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
