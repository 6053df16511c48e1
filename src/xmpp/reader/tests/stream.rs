//! Well-formed streams: the login burst split at every byte, namespaces and
//! their scopes, text normalisation, keepalives, the empty root, and the
//! stream restart after SASL (CORE-11).

use super::*;

fn check_login_burst(events: &[StreamEvent]) {
    assert_eq!(events.len(), 7, "{events:#?}");
    assert_eq!(
        events[0],
        StreamEvent::Header(StreamHeader {
            from: Some("example.com".into()),
            to: None,
            id: Some("c2s_345".into()),
            version: Some("1.0".into()),
            lang: Some("en".into()),
        })
    );

    let features = stanza(&events[1]);
    assert!(features.is("features", ns::STREAM));
    assert_eq!(features.attrs().count(), 0);
    let bind = features.child("bind", ns::BIND).unwrap();
    assert!(bind.has_child("required", ns::BIND));
    let session = features.child("session", ns::SESSION).unwrap();
    assert!(session.has_child("optional", ns::SESSION));
    assert!(features.has_child("ver", ns::ROSTER_VER));

    let iq = stanza(&events[2]);
    assert!(iq.is("iq", ns::CLIENT));
    assert_eq!(iq.attr("type"), Some("result"));
    assert_eq!(iq.attr("id"), Some("r1"));
    assert_eq!(iq.attr("xmlns"), None);
    let query = iq.child("query", ns::ROSTER).unwrap();
    assert_eq!(query.attr("ver"), Some("ver7"));
    assert_eq!(query.attrs().collect::<Vec<_>>(), [("ver", "ver7")]);
    let items: Vec<_> = query.children_named("item", ns::ROSTER).collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].attr("jid"), Some("romeo@example.net"));
    assert_eq!(items[0].attr("subscription"), Some("both"));
    assert_eq!(
        items[0].child_text("group", ns::ROSTER).as_deref(),
        Some("Friends")
    );
    assert_eq!(items[1].attr("jid"), Some("mercutio@example.org"));
    assert!(items[1].nodes().is_empty());
    assert_eq!(items[2].attr("name"), Some("B & V"));
    assert_eq!(items[2].attr("ask"), Some("subscribe"));

    let presence = stanza(&events[3]);
    assert!(presence.is("presence", ns::CLIENT));
    assert_eq!(presence.lang(), Some("en"));
    assert_eq!(
        presence.child_text("show", ns::CLIENT).as_deref(),
        Some("away")
    );
    assert_eq!(
        presence.child_text("status", ns::CLIENT).as_deref(),
        Some("Out <back> soon")
    );
    // The child does not inherit xml:lang as an attribute.
    assert_eq!(presence.child("status", ns::CLIENT).unwrap().lang(), None);

    let gone = stanza(&events[4]);
    assert_eq!(
        gone.attrs().collect::<Vec<_>>(),
        [
            ("from", "mercutio@example.org/x"),
            ("type", "unavailable"),
            ("xml:lang", "it")
        ]
    );

    let message = stanza(&events[5]);
    assert!(message.is("message", ns::CLIENT));
    assert_eq!(message.attr("type"), Some("chat"));
    let body = message.child("body", ns::CLIENT).unwrap();
    // References merge with the text around them into one node.
    assert_eq!(
        body.nodes(),
        [Node::Text("Fish & chips <3 \u{263A} café".into())]
    );
    assert_eq!(
        message.child_text("thread", ns::CLIENT).as_deref(),
        Some("e0ffe42b")
    );
    assert_eq!(events[6], StreamEvent::End);
}

/// I18N-02, I18N-03: a stanza without `xml:lang` is in the stream's
/// language, so that language counts as the stanza's when a body is
/// picked; a stanza's own `xml:lang` (even empty) stays.
#[tokio::test]
async fn i18n_02_i18n_03_stanzas_inherit_the_stream_language() {
    let xml = concat!(
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' ",
        "version='1.0' xml:lang='en'>",
        "<message from='romeo@example.net/orchard' type='chat'>",
        "<body xml:lang='en-US'>Howdy</body><body>Hello</body></message>",
        "<message from='romeo@example.net/orchard' xml:lang='it'><body>Ciao</body></message>",
        "<message from='romeo@example.net/orchard' xml:lang=''><body>x</body></message>",
    );
    let mut reader = XmlReader::new(xml.as_bytes(), ReaderLimits::default());
    let mut events = Vec::new();
    while let Ok(event) = reader.next().await {
        events.push(event);
    }
    assert_eq!(reader.stream_lang(), Some("en"));
    let mut inherited: Vec<Element> = events[1..4].iter().map(|e| stanza(e).clone()).collect();
    assert_eq!(inherited[0].lang(), None, "handed out as sent");
    for element in &mut inherited {
        inherit_lang(element, reader.stream_lang());
    }
    let message = Message::parse(&inherited[0]).unwrap();
    assert_eq!(message.lang.as_deref(), Some("en"));
    assert_eq!(message.body("en"), Some("Hello"));
    assert_eq!(inherited[1].lang(), Some("it"));
    assert_eq!(inherited[2].lang(), Some(""));
}

#[tokio::test]
async fn login_burst_read_whole() {
    let (events, error) = parse(LOGIN_BURST.as_bytes()).await;
    assert!(error.is_none(), "{error:?}");
    check_login_burst(&events);
}

#[tokio::test]
async fn login_burst_split_at_every_byte_boundary() {
    let bytes = LOGIN_BURST.as_bytes();
    let (whole, _) = parse(bytes).await;
    check_login_burst(&whole);
    for cut in 1..bytes.len() {
        let chunks = [bytes[..cut].to_vec(), bytes[cut..].to_vec()];
        let (events, error) = collect(Chunked::new(chunks), ReaderLimits::default()).await;
        assert!(error.is_none(), "cut at {cut}: {error:?}");
        assert_eq!(events, whole, "cut at {cut}");
    }
}

#[tokio::test]
async fn login_burst_one_byte_per_read() {
    let chunks = LOGIN_BURST.bytes().map(|b| vec![b]);
    let (events, error) = collect(Chunked::new(chunks), ReaderLimits::default()).await;
    assert!(error.is_none(), "{error:?}");
    check_login_burst(&events);
}

#[tokio::test]
async fn utf8_split_mid_sequence_in_text_and_attribute() {
    let input = format!("{HEADER}<message id='\u{263A}é'><body>日本語 🎉</body></message>");
    let bytes = input.as_bytes();
    let (whole, _) = parse(bytes).await;
    assert_eq!(stanza(&whole[1]).attr("id"), Some("\u{263A}é"));
    for cut in HEADER.len()..bytes.len() {
        let chunks = [bytes[..cut].to_vec(), bytes[cut..].to_vec()];
        let (events, error) = collect(Chunked::new(chunks), ReaderLimits::default()).await;
        assert!(matches!(error, Some(XmlError::Closed)), "cut at {cut}");
        assert_eq!(events, whole, "cut at {cut}");
    }
    assert_eq!(
        stanza(&whole[1]).child_text("body", ns::CLIENT).as_deref(),
        Some("日本語 🎉")
    );
}

#[tokio::test]
async fn prefixed_child_and_default_namespace_override() {
    let input = format!(
        "{HEADER}<message xml:lang='de'><foo:x xmlns:foo='urn:foo' foo:a='1' b='2'>\
         <foo:y/><z/></foo:x><html xmlns='http://jabber.org/protocol/xhtml-im'>\
         <body xmlns='http://www.w3.org/1999/xhtml'><p>hi</p></body></html><after/></message>"
    );
    let (events, _) = parse(input.as_bytes()).await;
    let message = stanza(&events[1]);
    assert_eq!(message.lang(), Some("de"));
    assert_eq!(message.attrs().collect::<Vec<_>>(), [("xml:lang", "de")]);

    let x = message.child("x", "urn:foo").unwrap();
    // Declarations are not attributes; prefixed attributes keep their name.
    assert_eq!(x.attrs().collect::<Vec<_>>(), [("foo:a", "1"), ("b", "2")]);
    assert!(x.has_child("y", "urn:foo"));
    // An unprefixed child of a prefixed element is in the default namespace.
    assert!(x.has_child("z", ns::CLIENT));

    let html = message
        .child("html", "http://jabber.org/protocol/xhtml-im")
        .unwrap();
    assert_eq!(html.attrs().count(), 0);
    let body = html.child("body", "http://www.w3.org/1999/xhtml").unwrap();
    assert!(body.has_child("p", "http://www.w3.org/1999/xhtml"));
    // The override ends with its element.
    assert!(message.has_child("after", ns::CLIENT));
}

#[tokio::test]
async fn prefix_scope_ends_with_its_element() {
    let error = error_of("<iq><a:q xmlns:a='urn:a'/><a:r/></iq>").await;
    assert!(
        matches!(&error, XmlError::BadNamespacePrefix(p) if p == "a"),
        "{error:?}"
    );
}

#[tokio::test]
async fn unbound_prefix_is_bad_namespace_prefix() {
    let error = error_of("<message><foo:x/></message>").await;
    assert!(
        matches!(&error, XmlError::BadNamespacePrefix(p) if p == "foo"),
        "{error:?}"
    );
    assert_eq!(error.stream_condition(), Some("bad-namespace-prefix"));

    let error = error_of("<message bar:a='1'/>").await;
    assert!(
        matches!(&error, XmlError::BadNamespacePrefix(p) if p == "bar"),
        "{error:?}"
    );

    let (_, error) = parse(b"<stream:stream xmlns='jabber:client'>").await;
    let error = error.unwrap();
    assert!(
        matches!(&error, XmlError::BadNamespacePrefix(p) if p == "stream"),
        "{error:?}"
    );
}

#[tokio::test]
async fn wrong_root_is_invalid_namespace() {
    for input in [
        "<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>",
        "<stream xmlns='jabber:client'>",
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server'>",
        "<html xmlns='http://www.w3.org/1999/xhtml'>",
    ] {
        let (events, error) = parse(input.as_bytes()).await;
        assert!(events.is_empty());
        let error = error.unwrap();
        assert!(
            matches!(error, XmlError::InvalidNamespace(_)),
            "{input}: {error:?}"
        );
        assert_eq!(error.stream_condition(), Some("invalid-namespace"));
    }
}

#[tokio::test]
async fn other_stream_prefix_and_implied_default_namespace() {
    let input = "<s:stream xmlns:s='http://etherx.jabber.org/streams' id='x'>\
                 <s:features/><iq/></s:stream>";
    let (events, error) = parse(input.as_bytes()).await;
    assert!(error.is_none(), "{error:?}");
    assert!(stanza(&events[1]).is("features", ns::STREAM));
    assert!(stanza(&events[2]).is("iq", ns::CLIENT));
    assert_eq!(events[3], StreamEvent::End);
}

#[tokio::test]
async fn text_normalisation_cdata_and_references() {
    let input = format!(
        "{HEADER}<message a='x&#9;y\tz\r\nw' b='&quot;&apos;&#x41;&#65;&#0065;'>\
         <body>one\r\ntwo\rthree<![CDATA[ <not> & markup ]]>four&#13;&#x1F600;</body>\
         </message>"
    );
    let (events, _) = parse(input.as_bytes()).await;
    let message = stanza(&events[1]);
    assert_eq!(message.attr("a"), Some("x\ty z w"));
    assert_eq!(message.attr("b"), Some("\"'AAA"));
    let body = message.child("body", ns::CLIENT).unwrap();
    assert_eq!(
        body.nodes(),
        [Node::Text(
            "one\ntwo\nthree <not> & markup four\r\u{1F600}".into()
        )]
    );
}

#[tokio::test]
async fn core25_whitespace_keepalives_between_stanzas_are_ignored() {
    let input = format!("{HEADER} \n <iq/>\t\r\n <iq/>{}", " ".repeat(5000));
    let (events, error) = parse(input.as_bytes()).await;
    assert_eq!(events.len(), 3);
    assert!(matches!(error, Some(XmlError::Closed)), "{error:?}");
}

#[tokio::test]
async fn text_between_stanzas_is_bad_format() {
    let error = error_of("<iq/>hello<iq/>").await;
    assert!(matches!(error, XmlError::BadFormat(_)), "{error:?}");
    assert_eq!(error.stream_condition(), Some("bad-format"));
}

#[tokio::test]
async fn empty_root_gives_header_then_end() {
    let input = "<stream:stream xmlns='jabber:client' \
                 xmlns:stream='http://etherx.jabber.org/streams'/>";
    let mut reader = XmlReader::new(Chunked::new([input.into()]), ReaderLimits::default());
    assert!(matches!(reader.next().await, Ok(StreamEvent::Header(_))));
    assert!(matches!(reader.next().await, Ok(StreamEvent::End)));
    assert!(matches!(reader.next().await, Ok(StreamEvent::End)));
}

#[tokio::test]
async fn after_an_error_the_reader_stays_closed() {
    let input = format!("{HEADER}<a></b><iq/>");
    let mut reader = XmlReader::new(Chunked::new([input.into()]), ReaderLimits::default());
    assert!(matches!(reader.next().await, Ok(StreamEvent::Header(_))));
    assert!(matches!(
        reader.next().await,
        Err(XmlError::NotWellFormed(_))
    ));
    assert!(matches!(reader.next().await, Err(XmlError::Closed)));
}

const SECOND_HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='c2s_346' from='example.com' \
    version='1.0'>";

fn first_stream() -> String {
    format!("{HEADER}<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
}

async fn read_second_stream<R: AsyncRead + Unpin>(reader: &mut XmlReader<R>) {
    match reader.next().await.unwrap() {
        StreamEvent::Header(header) => assert_eq!(header.id.as_deref(), Some("c2s_346")),
        other => panic!("{other:?}"),
    }
    let features = reader.next().await.unwrap();
    assert!(stanza(&features).is("features", ns::STREAM));
}

async fn read_first_stream<R: AsyncRead + Unpin>(reader: &mut XmlReader<R>) {
    assert!(matches!(reader.next().await, Ok(StreamEvent::Header(_))));
    let success = reader.next().await.unwrap();
    assert!(stanza(&success).is("success", ns::SASL));
}

#[tokio::test]
async fn core11_restart_with_a_fresh_reader_on_the_same_transport() {
    let second = format!("{SECOND_HEADER}<stream:features/>");
    let transport = Chunked::new([first_stream().into(), second.into()]);
    let mut reader = XmlReader::new(transport, ReaderLimits::default());
    read_first_stream(&mut reader).await;
    let transport = reader.into_inner().expect("nothing past <success/>");
    let mut reader = XmlReader::new(transport, ReaderLimits::default());
    read_second_stream(&mut reader).await;
}

#[tokio::test]
async fn core11_into_inner_refuses_to_drop_buffered_bytes_and_restart_keeps_them() {
    let both = format!("{}{SECOND_HEADER}<stream:features/>", first_stream());
    let mut reader = XmlReader::new(Chunked::new([both.clone().into()]), ReaderLimits::default());
    read_first_stream(&mut reader).await;
    assert!(reader.buffered().starts_with(b"<?xml"));
    let unread = reader.into_inner().err().expect("bytes past <success/>");
    let expected = format!("{SECOND_HEADER}<stream:features/>");
    assert_eq!(unread.bytes(), expected.as_bytes());

    let mut reader = XmlReader::new(Chunked::new([both.into()]), ReaderLimits::default());
    read_first_stream(&mut reader).await;
    let mut reader = reader.restart();
    read_second_stream(&mut reader).await;
}
