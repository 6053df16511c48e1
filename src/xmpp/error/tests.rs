//! Tests of the protocol errors: reading stream and stanza errors from the
//! wire, writing them back, the sentences they render as, and which are
//! retryable.

use super::*;

fn stream_error(condition: &str, text: Option<&str>) -> Element {
    let mut e =
        Element::new("error", ns::STREAM).with_child(Element::new(condition, ns::STREAM_ERRORS));
    if let Some(t) = text {
        e.push_child(Element::new("text", ns::STREAM_ERRORS).with_text(t));
    }
    e
}

/// CORE-18: every defined condition parses, the 3920 name maps to 6120's,
/// unknown names become undefined-condition.
#[test]
fn core_18_stream_conditions() {
    for condition in StreamCondition::ALL {
        let parsed = StreamError::from_element(&stream_error(condition.as_str(), None));
        assert_eq!(parsed.condition, *condition);
    }
    assert_eq!(
        StreamError::from_element(&stream_error("xml-not-well-formed", None)).condition,
        StreamCondition::NotWellFormed
    );
    assert_eq!(
        StreamError::from_element(&stream_error("x-new", None)).condition,
        StreamCondition::UndefinedCondition
    );
}

/// CORE-17: a conflict with text is explained to the user.
#[test]
fn core_17_conflict_is_explained_and_not_retried() {
    let error = StreamError::from_element(&stream_error(
        "conflict",
        Some("Replaced by new connection"),
    ));
    let text = error.to_string();
    assert!(text.contains("conflict"), "{text}");
    assert!(text.contains("Replaced by new connection"), "{text}");
    assert!(!Error::Stream(error).is_retryable());
}

/// CORE-19: every condition with type, text and an app-specific child.
#[test]
fn core_19_stanza_conditions() {
    for condition in StanzaCondition::ALL {
        let error = Element::new("error", ns::CLIENT)
            .with_attr("type", "cancel")
            .with_child(Element::new(condition.as_str(), ns::STANZAS))
            .with_child(Element::new("text", ns::STANZAS).with_text("why"))
            .with_child(Element::new("blocked", ns::BLOCKING_ERRORS));
        let parsed = StanzaError::from_element(&error);
        assert_eq!(parsed.condition, *condition);
        assert_eq!(parsed.error_type, ErrorType::Cancel);
        assert_eq!(parsed.text.as_deref(), Some("why"));
        assert!(parsed.is_blocked_by_us());
    }
}

/// CORE-19: the legacy code is only a fallback; unknown → undefined.
#[test]
fn core_19_legacy_code_fallback() {
    let only_code = Element::new("error", ns::CLIENT).with_attr("code", "404");
    let parsed = StanzaError::from_element(&only_code);
    assert_eq!(parsed.condition, StanzaCondition::ItemNotFound);
    assert_eq!(parsed.error_type, ErrorType::Cancel);

    let both = Element::new("error", ns::CLIENT)
        .with_attr("type", "auth")
        .with_attr("code", "404")
        .with_child(Element::new("forbidden", ns::STANZAS));
    assert_eq!(
        StanzaError::from_element(&both).condition,
        StanzaCondition::Forbidden
    );

    let unknown = Element::new("error", ns::CLIENT)
        .with_attr("type", "modify")
        .with_child(Element::new("x-strange", ns::STANZAS));
    assert_eq!(
        StanzaError::from_element(&unknown).condition,
        StanzaCondition::UndefinedCondition
    );
}

/// CORE-12: the failure becomes a sentence naming the cause.
#[test]
fn core_12_sasl_failure_sentence() {
    let failure =
        Element::new("failure", ns::SASL).with_child(Element::new("not-authorized", ns::SASL));
    let failure = SaslFailure::from_element(&failure);
    assert_eq!(
        failure.to_string(),
        "authentication failed: not-authorized — wrong password or unknown account"
    );
    assert!(!Error::Auth(failure).is_retryable());
}

fn sasl(condition: &str) -> SaslFailure {
    SaslFailure::from_element(
        &Element::new("failure", ns::SASL).with_child(Element::new(condition, ns::SASL)),
    )
}

fn stream(condition: StreamCondition) -> StreamError {
    StreamError {
        condition,
        text: None,
        see_other_host: None,
    }
}

/// CORE-20, SESS-05, CORE-12: each kind of login failure is retried,
/// asks for the password, or stops.
#[test]
fn core_20_sess_05_core_12_recovery_by_error_kind() {
    use Recovery::*;
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let cases: Vec<(Error, Recovery)> = vec![
        (Error::Io(refused), Retry),
        (
            Error::Connect {
                target: "example.com:5222".into(),
                reason: "network unreachable".into(),
            },
            Retry,
        ),
        (
            Error::Dns {
                domain: "example.com".into(),
                reason: "no answer".into(),
            },
            Retry,
        ),
        (Error::Timeout("the stream header"), Retry),
        (Error::Disconnected, Retry),
        (
            Error::Session(StanzaError::new(
                ErrorType::Wait,
                StanzaCondition::InternalServerError,
            )),
            Retry,
        ),
        (Error::Auth(sasl("temporary-auth-failure")), Retry),
        (
            Error::UnauthenticatedStream(stream(StreamCondition::SystemShutdown)),
            Retry,
        ),
        (
            Error::Stream(stream(StreamCondition::SystemShutdown)),
            Retry,
        ),
        (Error::Auth(sasl("not-authorized")), AskPassword),
        (Error::Auth(sasl("credentials-expired")), AskPassword),
        (Error::Auth(sasl("account-disabled")), GiveUp),
        (Error::Auth(sasl("x-unknown")), GiveUp),
        (
            Error::Session(StanzaError::new(
                ErrorType::Auth,
                StanzaCondition::Forbidden,
            )),
            GiveUp,
        ),
        (
            Error::Session(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::Conflict,
            )),
            GiveUp,
        ),
        (
            Error::Bind(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::Conflict,
            )),
            GiveUp,
        ),
        (
            Error::Certificate {
                reason: "unknown issuer".into(),
                hint: "set ca_file".into(),
            },
            GiveUp,
        ),
        (
            Error::ChannelBindingRefused {
                binding: "tls-exporter",
                failure: sasl("not-authorized"),
            },
            GiveUp,
        ),
        (Error::Stream(stream(StreamCondition::Conflict)), GiveUp),
        (
            Error::UnauthenticatedStream(stream(StreamCondition::HostUnknown)),
            GiveUp,
        ),
        (Error::NoStartTls, GiveUp),
    ];
    for (error, expected) in cases {
        assert_eq!(error.recovery(), expected, "{error}");
    }
}

#[test]
fn stanza_error_round_trips() {
    let mut error = StanzaError::new(ErrorType::Cancel, StanzaCondition::ServiceUnavailable);
    error.text = Some("no".into());
    let element = error.to_element();
    assert_eq!(StanzaError::from_element(&element), error);
}
