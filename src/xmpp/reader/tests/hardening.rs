//! Hostile and broken input: restricted XML (SEC-06), input that is not
//! well-formed or not UTF-8, truncation, transport errors, and the size,
//! depth, element, attribute and name caps.

use super::*;

fn assert_restricted(error: &XmlError, needle: &str) {
    match error {
        XmlError::Restricted(message) => {
            assert!(message.contains(needle), "{message}");
            assert!(message.contains("restricted-xml"), "{message}");
        }
        other => panic!("expected Restricted, got {other:?}"),
    }
    assert_eq!(error.stream_condition(), Some("restricted-xml"));
}

#[tokio::test]
async fn sec06_doctype_with_internal_entity_is_restricted() {
    let input = format!("<!DOCTYPE x [<!ENTITY a 'b'>]>{}", &HEADER[21..]);
    let (events, error) = parse(input.as_bytes()).await;
    assert!(events.is_empty());
    assert_restricted(&error.unwrap(), "DTD");

    let error = error_of("<!DOCTYPE x [<!ENTITY a 'b'>]><iq/>").await;
    assert_restricted(&error, "DTD");
}

#[tokio::test]
async fn sec06_comments_are_restricted() {
    let error = error_of("<iq/><!-- hi --><iq/>").await;
    assert_restricted(&error, "the server sent a comment, which XMPP forbids");
    let error = error_of("<message><body>a<!-- hi -->b</body></message>").await;
    assert_restricted(&error, "comment");
    let (_, error) = parse(format!("<!-- x -->{HEADER}").as_bytes()).await;
    assert_restricted(&error.unwrap(), "comment");
}

#[tokio::test]
async fn sec06_processing_instructions_are_restricted() {
    let error = error_of("<iq><?evil data?></iq>").await;
    assert_restricted(&error, "<?evil?>");
    let error = error_of("<?xml-stylesheet href='x'?><iq/>").await;
    assert_restricted(&error, "processing instruction");
    // A second declaration is not a PI but still ill-formed.
    let error = error_of("<?xml version='1.0'?>").await;
    assert!(matches!(error, XmlError::NotWellFormed(_)), "{error:?}");
}

#[tokio::test]
async fn sec06_custom_entity_is_restricted() {
    let error = error_of("<message><body>&custom;</body></message>").await;
    assert_restricted(&error, "&custom;");
    let error = error_of("<message to='&custom;'/>").await;
    assert_restricted(&error, "&custom;");
}

#[tokio::test]
async fn illegal_character_references_are_not_well_formed() {
    for body in [
        "&#0;",
        "&#x0;",
        "&#xD800;",
        "&#xFFFE;",
        "&#x110000;",
        "&#1;",
        "&#X41;",
        "&#;",
        "&#x;",
        "&#12a;",
        "&#99999999999999999999;",
    ] {
        let error = error_of(&format!("<message><body>{body}</body></message>")).await;
        assert!(
            matches!(error, XmlError::NotWellFormed(_)),
            "{body}: {error:?}"
        );
        assert_eq!(error.stream_condition(), Some("not-well-formed"));
    }
    let error = error_of("<message a='&#0;'/>").await;
    assert!(matches!(error, XmlError::NotWellFormed(_)), "{error:?}");
}

#[tokio::test]
async fn literal_control_characters_are_not_well_formed() {
    for body in ["a\u{1}b", "a\u{0}", "\u{FFFF}", "\u{1B}[2J"] {
        let error = error_of(&format!("<message><body>{body}</body></message>")).await;
        assert!(
            matches!(error, XmlError::NotWellFormed(_)),
            "{body:?}: {error:?}"
        );
    }
    let error = error_of("<message a='\u{7}'/>").await;
    assert!(matches!(error, XmlError::NotWellFormed(_)), "{error:?}");
}

#[tokio::test]
async fn malformed_markup_is_not_well_formed() {
    for body in [
        "<message><body>x</message>",
        "<message a='1' a='2'/>",
        "<message xmlns:p='urn:a' xmlns:p='urn:b'/>",
        "<message a/>",
        "<message a=1/>",
        "<message a='<'/>",
        "<1message/>",
        "<a:b:c xmlns:a='urn:a'/>",
        "<message><body>fish & chips</body></message>",
        "<message xmlns:p=''/>",
        "</iq>",
    ] {
        let error = error_of(body).await;
        assert!(
            matches!(error, XmlError::NotWellFormed(_)),
            "{body}: {error:?}"
        );
        assert_eq!(error.stream_condition(), Some("not-well-formed"));
    }
}

#[tokio::test]
async fn mismatched_end_tag_names_the_expected_tag() {
    let error = error_of("<message><body>x</bodyy></message>").await;
    match &error {
        XmlError::NotWellFormed(message) => assert!(message.contains("</body>"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_utf8_is_not_well_formed() {
    let mut input = HEADER.as_bytes().to_vec();
    input.extend_from_slice(b"<message><body>\xff\xfe</body></message>");
    let (_, error) = parse(&input).await;
    let error = error.unwrap();
    assert!(matches!(error, XmlError::NotWellFormed(_)), "{error:?}");

    let mut input = HEADER.as_bytes().to_vec();
    input.extend_from_slice(b"<message to='\xc3('/>");
    let (_, error) = parse(&input).await;
    assert!(
        matches!(error, Some(XmlError::NotWellFormed(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn truncation_is_closed() {
    for cut in [
        "<message><body>hel",
        "<message><bo",
        "<message to='a",
        "<message>&am",
        "",
    ] {
        let error = error_of(cut).await;
        assert!(matches!(error, XmlError::Closed), "{cut:?}: {error:?}");
        assert_eq!(error.stream_condition(), None);
    }
    let (events, error) = parse(b"").await;
    assert!(events.is_empty());
    assert!(matches!(error, Some(XmlError::Closed)));
}

#[tokio::test]
async fn transport_errors_are_io_without_a_stream_condition() {
    struct Reset;
    impl AsyncRead for Reset {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()))
        }
    }
    let (_, error) = collect(Reset, ReaderLimits::default()).await;
    let error = error.unwrap();
    assert!(
        matches!(&error, XmlError::Io(e) if e.kind() == io::ErrorKind::ConnectionReset),
        "{error:?}"
    );
    assert_eq!(error.stream_condition(), None);
}

fn assert_too_large(error: Option<XmlError>, served: &AtomicUsize) {
    let limit = ReaderLimits::default().max_stanza_bytes;
    let error = error.unwrap();
    assert!(
        matches!(error, XmlError::StanzaTooLarge { limit: l } if l == limit),
        "{error:?}"
    );
    assert_eq!(error.stream_condition(), Some("policy-violation"));
    let served = served.load(Ordering::Relaxed);
    assert!(served >= limit, "stopped early, after {served} bytes");
    assert!(served < limit + 64 * 1024, "read {served} bytes");
}

#[tokio::test]
async fn sec06_text_past_the_default_limit_is_refused() {
    let (reader, served) = Generated::new(
        &format!("{HEADER}<message><body>"),
        b'a',
        ReaderLimits::default().max_stanza_bytes + 1024 * 1024,
        "</body></message>",
    );
    let (events, error) = collect(reader, ReaderLimits::default()).await;
    assert_eq!(events.len(), 1);
    assert_too_large(error, &served);
}

#[tokio::test]
async fn sec06_endless_text_is_cut_off_with_bounded_reads() {
    let (reader, served) =
        Generated::new(&format!("{HEADER}<message><body>"), b'a', usize::MAX, "");
    let (_, error) = collect(reader, ReaderLimits::default()).await;
    assert_too_large(error, &served);
}

#[tokio::test]
async fn sec06_huge_attribute_value_is_cut_off() {
    let (reader, served) = Generated::new(&format!("{HEADER}<message to='"), b'a', 20 << 20, "'/>");
    let (_, error) = collect(reader, ReaderLimits::default()).await;
    assert_too_large(error, &served);
}

#[tokio::test]
async fn sec06_huge_tag_name_is_cut_off() {
    let (reader, served) = Generated::new(&format!("{HEADER}<"), b'a', usize::MAX, "");
    let (_, error) = collect(reader, ReaderLimits::default()).await;
    assert_too_large(error, &served);
}

#[tokio::test]
async fn sec06_huge_stream_header_is_cut_off() {
    let (reader, served) = Generated::new("<stream:stream a='", b'a', usize::MAX, "");
    let (events, error) = collect(reader, ReaderLimits::default()).await;
    assert!(events.is_empty());
    assert_too_large(error, &served);
}

#[tokio::test]
async fn sec06_endless_whitespace_is_cut_off() {
    let (reader, served) = Generated::new(&format!("{HEADER}<iq/>"), b' ', usize::MAX, "");
    let (events, error) = collect(reader, ReaderLimits::default()).await;
    assert_eq!(events.len(), 2);
    assert_too_large(error, &served);
}

/// A stanza of many tiny elements is refused by count long before the
/// byte cap, and the count starts again with each stanza.
#[tokio::test]
async fn sec06_too_many_elements_is_a_policy_violation() {
    let many = format!("<iq>{}</iq>", "<a/>".repeat(MAX_ELEMENTS));
    let input = format!("{HEADER}{many}");
    let (events, error) = parse(input.as_bytes()).await;
    assert_eq!(events.len(), 1);
    let error = error.unwrap();
    assert!(
        matches!(error, XmlError::TooManyElements { .. }),
        "{error:?}"
    );
    assert_eq!(error.stream_condition(), Some("policy-violation"));

    let fits = format!("<iq>{}</iq>", "<a/>".repeat(MAX_ELEMENTS / 2));
    let input = format!("{HEADER}{fits}{fits}{fits}");
    let (events, error) = parse(input.as_bytes()).await;
    assert_eq!(events.len(), 4, "{error:?}");
}

#[tokio::test]
async fn the_size_budget_resets_per_stanza() {
    let limits = ReaderLimits {
        max_stanza_bytes: 200,
        max_depth: 8,
    };
    let one = format!("<message><body>{}</body></message> ", "x".repeat(150));
    let input = format!("{HEADER}{}", one.repeat(20));
    let (events, error) = collect(Chunked::new([input.into()]), limits).await;
    assert_eq!(events.len(), 21);
    assert!(matches!(error, Some(XmlError::Closed)), "{error:?}");

    let input = format!(
        "{HEADER}<message><body>{}</body></message>",
        "x".repeat(200)
    );
    let (_, error) = collect(Chunked::new([input.into()]), limits).await;
    assert!(matches!(
        error,
        Some(XmlError::StanzaTooLarge { limit: 200 })
    ));
}

#[tokio::test]
async fn sec06_deep_nesting_is_too_deep() {
    let body = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let error = error_of(&body).await;
    assert!(
        matches!(error, XmlError::TooDeep { limit: 64 }),
        "{error:?}"
    );
    assert_eq!(error.stream_condition(), Some("policy-violation"));

    // Exactly the limit is fine.
    let body = format!("{}<b/>{}", "<a>".repeat(63), "</a>".repeat(63));
    let input = format!("{HEADER}{body}");
    let (events, error) = parse(input.as_bytes()).await;
    assert!(matches!(error, Some(XmlError::Closed)), "{error:?}");
    assert_eq!(events.len(), 2);
    // One more level is not.
    let error = error_of(&format!("{}<b/>", "<a>".repeat(64))).await;
    assert!(
        matches!(error, XmlError::TooDeep { limit: 64 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn too_many_attributes_are_a_policy_violation() {
    let attrs: String = (0..=MAX_ATTRIBUTES).map(|i| format!(" a{i}=''")).collect();
    let error = error_of(&format!("<message{attrs}/>")).await;
    assert!(
        matches!(error, XmlError::TooManyAttributes { .. }),
        "{error:?}"
    );
    assert_eq!(error.stream_condition(), Some("policy-violation"));
}

/// Hostile input: overlong element names, attribute names and namespace
/// URIs are a policy violation, not megabytes kept per element.
#[tokio::test]
async fn overlong_names_are_a_policy_violation() {
    let long = "n".repeat(MAX_NAME_BYTES + 1);
    for stanza in [
        format!("<message><{long}/></message>"),
        format!("<message {long}='x'/>"),
        format!("<message><x xmlns='urn:{long}'/></message>"),
    ] {
        let error = error_of(&stanza).await;
        assert!(matches!(error, XmlError::NameTooLong { .. }), "{error:?}");
        assert_eq!(error.stream_condition(), Some("policy-violation"));
    }
    let fits = "n".repeat(64);
    let input = format!("{HEADER}<message><{fits} xmlns='urn:{fits}'/></message>");
    let (events, error) = parse(input.as_bytes()).await;
    assert!(
        !matches!(error, Some(XmlError::NameTooLong { .. })),
        "{error:?}"
    );
    assert_eq!(stanza(&events[1]).children().count(), 1);
}
