//! Tests of the XML trace: what is redacted (credentials, message content),
//! the line format and its cap, rotation, the private file mode, and how an
//! I/O error turns the trace off.

use super::*;

const NS_REGISTER: &str = "jabber:iq:register";
const NS_FORWARD: &str = "urn:xmpp:forward:0";
const NS_CARBONS: &str = "urn:xmpp:carbons:2";
const NS_MUC: &str = "http://jabber.org/protocol/muc";
const NS_XHTML: &str = "http://www.w3.org/1999/xhtml";

fn bodies_hidden() -> TraceOptions {
    TraceOptions {
        redact_bodies: true,
    }
}

fn bodies_shown() -> TraceOptions {
    TraceOptions {
        redact_bodies: false,
    }
}

fn chat(body: &str) -> Element {
    Element::new("message", ns::CLIENT)
        .with_attr("type", "chat")
        .with_attr("to", "juliet@example.com")
        .with_child(Element::new("body", ns::CLIENT).with_text(body))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn sasl_payloads_are_redacted() {
    for name in ["auth", "response", "challenge", "success"] {
        let element = Element::new(name, ns::SASL)
            .with_attr("mechanism", "SCRAM-SHA-1")
            .with_text("bj1qdWxpZXQscj1zZWNyZXQ=");
        assert_eq!(
            redact(&element, &bodies_shown()).to_xml(),
            format!(
                "<{name} xmlns='{}' mechanism='SCRAM-SHA-1'>[redacted]</{name}>",
                ns::SASL
            )
        );
    }
}

#[test]
fn sasl_failure_and_empty_success_stay_visible() {
    let failure = Element::new("failure", ns::SASL)
        .with_child(Element::new("not-authorized", ns::SASL))
        .with_child(Element::new("text", ns::SASL).with_text("bad password"));
    assert_eq!(redact(&failure, &bodies_hidden()), failure);
    let success = Element::new("success", ns::SASL);
    assert_eq!(redact(&success, &bodies_hidden()), success);
}

#[test]
fn sasl2_payloads_are_redacted() {
    let authenticate = Element::new("authenticate", NS_SASL2)
        .with_attr("mechanism", "PLAIN")
        .with_child(Element::new("initial-response", NS_SASL2).with_text("AGp1bGlldABzZWNyZXQ="));
    let xml = redact(&authenticate, &bodies_hidden()).to_xml();
    assert!(
        xml.contains("<initial-response>[redacted]</initial-response>"),
        "{xml}"
    );
    assert!(!xml.contains("AGp1bGlldABzZWNyZXQ="));
}

#[test]
fn legacy_auth_password_and_digest_are_redacted() {
    let iq = Element::new("iq", ns::CLIENT)
        .with_attr("type", "set")
        .with_child(
            Element::new("query", NS_IQ_AUTH)
                .with_child(Element::new("username", NS_IQ_AUTH).with_text("juliet"))
                .with_child(Element::new("password", NS_IQ_AUTH).with_text("r0m30"))
                .with_child(Element::new("digest", NS_IQ_AUTH).with_text("48fc78be9ec8f86d")),
        );
    assert_eq!(
        redact(&iq, &bodies_hidden()).to_xml(),
        "<iq type='set'><query xmlns='jabber:iq:auth'><username>juliet</username>\
         <password>[redacted]</password><digest>[redacted]</digest></query></iq>"
    );
}

#[test]
fn register_password_is_redacted() {
    let iq = Element::new("iq", ns::CLIENT).with_child(
        Element::new("query", NS_REGISTER)
            .with_child(Element::new("username", NS_REGISTER).with_text("bill"))
            .with_child(Element::new("password", NS_REGISTER).with_text("Calliope")),
    );
    let xml = redact(&iq, &bodies_hidden()).to_xml();
    assert!(xml.contains("<username>bill</username>"), "{xml}");
    assert!(xml.contains("<password>[redacted]</password>"), "{xml}");
    assert!(!xml.contains("Calliope"));
}

#[test]
fn password_in_any_namespace_is_redacted() {
    let presence = Element::new("presence", ns::CLIENT).with_child(
        Element::new("x", NS_MUC)
            .with_child(Element::new("password", NS_MUC).with_text("cauldronburn")),
    );
    let xml = redact(&presence, &bodies_hidden()).to_xml();
    assert!(xml.contains("<password>[redacted]</password>"), "{xml}");
    assert!(!xml.contains("cauldronburn"));
}

#[test]
fn private_data_form_fields_are_redacted() {
    let form = Element::new("x", NS_XDATA)
        .with_attr("type", "submit")
        .with_child(
            Element::new("field", NS_XDATA)
                .with_attr("var", "username")
                .with_child(Element::new("value", NS_XDATA).with_text("juliet")),
        )
        .with_child(
            Element::new("field", NS_XDATA)
                .with_attr("var", "password")
                .with_child(Element::new("value", NS_XDATA).with_text("r0m30")),
        )
        .with_child(
            Element::new("field", NS_XDATA)
                .with_attr("var", "muc#roomconfig_roomsecret")
                .with_attr("type", "text-private")
                .with_child(Element::new("value", NS_XDATA).with_text("cauldronburn")),
        );
    let xml = redact(&form, &bodies_hidden()).to_xml();
    assert!(xml.contains("<value>juliet</value>"), "{xml}");
    assert!(!xml.contains("r0m30"), "{xml}");
    assert!(!xml.contains("cauldronburn"), "{xml}");
    assert_eq!(xml.matches("<value>[redacted]</value>").count(), 2, "{xml}");
}

#[test]
fn message_body_subject_and_html_are_replaced_by_their_length() {
    let message = Element::new("message", ns::CLIENT)
        .with_attr("id", "m1")
        .with_child(Element::new("subject", ns::CLIENT).with_text("plans"))
        .with_child(Element::new("body", ns::CLIENT).with_text("Wherefore art thou?"))
        .with_child(
            Element::new("html", NS_XHTML_IM).with_child(
                Element::new("body", NS_XHTML)
                    .with_text("Where")
                    .with_child(Element::new("em", NS_XHTML).with_text("fore")),
            ),
        )
        .with_child(Element::new("thread", ns::CLIENT).with_text("t1"));
    assert_eq!(
        redact(&message, &bodies_hidden()).to_xml(),
        "<message id='m1'><subject>[redacted 5 chars]</subject>\
         <body>[redacted 19 chars]</body>\
         <html xmlns='http://jabber.org/protocol/xhtml-im'>[redacted 9 chars]</html>\
         <thread>t1</thread></message>"
    );
}

#[test]
fn chars_not_bytes_are_counted() {
    let xml = redact(&chat("héllo ☃"), &bodies_hidden()).to_xml();
    assert!(xml.contains("<body>[redacted 7 chars]</body>"), "{xml}");
}

#[test]
fn bodies_are_kept_when_not_redacting_them() {
    let message = chat("Wherefore art thou?");
    assert_eq!(redact(&message, &bodies_shown()), message);
}

#[test]
fn credentials_are_redacted_even_when_bodies_are_shown() {
    let auth = Element::new("auth", ns::SASL).with_text("AGp1bGlldABzZWNyZXQ=");
    assert!(!redact(&auth, &bodies_shown()).to_xml().contains("AGp1"));
}

#[test]
fn presence_status_is_not_secret() {
    let presence = Element::new("presence", ns::CLIENT)
        .with_child(Element::new("status", ns::CLIENT).with_text("at the balcony"));
    assert_eq!(redact(&presence, &bodies_hidden()), presence);
}

#[test]
fn bodies_inside_carbons_and_forwards_are_redacted() {
    let carbon = Element::new("message", ns::CLIENT)
        .with_attr("from", "romeo@example.net")
        .with_child(
            Element::new("received", NS_CARBONS).with_child(
                Element::new("forwarded", NS_FORWARD).with_child(
                    Element::new("message", ns::CLIENT)
                        .with_child(Element::new("body", ns::CLIENT).with_text("secret1"))
                        .with_child(
                            // A forward of a forward, as some bots send.
                            Element::new("forwarded", NS_FORWARD).with_child(chat("secret22")),
                        ),
                ),
            ),
        );
    let xml = redact(&carbon, &bodies_hidden()).to_xml();
    assert!(!xml.contains("secret"), "{xml}");
    assert!(xml.contains("<body>[redacted 7 chars]</body>"), "{xml}");
    assert!(xml.contains("<body>[redacted 8 chars]</body>"), "{xml}");
    assert_eq!(redact(&carbon, &bodies_shown()), carbon);
}

#[test]
fn body_outside_a_message_is_left_alone() {
    // Only message text is conversation; a `<body>` elsewhere is some
    // other protocol's payload.
    let item =
        Element::new("item", "urn:x").with_child(Element::new("body", "urn:x").with_text("x"));
    assert_eq!(redact(&item, &bodies_hidden()), item);
}

#[test]
fn sasl_plain_password_never_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.xml");
    let trace = XmlTrace::open(&path, bodies_shown()).unwrap();
    // "\0juliet\0r0m30-secret" in base64.
    let payload = "AGp1bGlldAByMG0zMC1zZWNyZXQ=";
    trace.raw(Direction::Sent, "<stream:stream to='example.com'>");
    trace.element(
        Direction::Sent,
        &Element::new("auth", ns::SASL)
            .with_attr("mechanism", "PLAIN")
            .with_text(payload),
    );
    trace.element(Direction::Received, &Element::new("success", ns::SASL));
    let text = read(&path);
    assert!(!text.contains(payload), "{text}");
    assert!(!text.contains("r0m30"), "{text}");
    assert!(!text.contains("AGp1bGll"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].ends_with(" SEND <stream:stream to='example.com'>"));
    assert!(lines[1].ends_with(
        " SEND <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[redacted]</auth>"
    ));
    assert!(lines[2].contains(" RECV <success"));
    // Each line starts with the timestamp.
    assert_eq!(lines[1].as_bytes()[10], b'T');
    assert_eq!(&lines[1][23..24], "Z");
}

#[test]
fn one_line_per_element_even_with_newlines_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.xml");
    let trace = XmlTrace::open(&path, bodies_shown()).unwrap();
    trace.element(Direction::Received, &chat("one\ntwo\r\nthree"));
    trace.raw(Direction::Received, "\n\u{1b}[2J\u{9b}");
    let text = read(&path);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("one&#xA;two&#xd;&#xA;three"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}'),
        "{text}"
    );
}

#[test]
fn appends_and_creates_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/trace.xml");
    XmlTrace::open(&path, bodies_hidden())
        .unwrap()
        .raw(Direction::Sent, "</stream:stream>");
    XmlTrace::open(&path, bodies_hidden())
        .unwrap()
        .raw(Direction::Received, "</stream:stream>");
    let text = read(&path);
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn long_lines_are_capped_with_a_marker() {
    let line = format_line(UNIX_EPOCH, Direction::Received, &"x".repeat(200_000));
    assert!(line.len() <= MAX_LINE_BYTES, "{}", line.len());
    assert!(line.ends_with(" bytes]\n"));
    let dropped: usize = line
        .rsplit_once("[truncated ")
        .and_then(|(_, rest)| rest.strip_suffix(" bytes]\n"))
        .unwrap()
        .parse()
        .unwrap();
    // Everything is accounted for: kept + dropped = the whole line.
    let kept = line.find(" [truncated").unwrap();
    assert_eq!(
        kept + dropped,
        "1970-01-01T00:00:00.000Z RECV ".len() + 200_000
    );
}

#[test]
fn capping_respects_character_boundaries() {
    let line = format_line(UNIX_EPOCH, Direction::Sent, &"☃".repeat(40_000));
    assert!(line.len() <= MAX_LINE_BYTES);
    assert!(line.contains("☃ [truncated "));
}

#[test]
fn short_lines_are_not_capped() {
    let line = format_line(UNIX_EPOCH, Direction::Sent, "<r xmlns='urn:xmpp:sm:3'/>");
    assert_eq!(
        line,
        "1970-01-01T00:00:00.000Z SEND <r xmlns='urn:xmpp:sm:3'/>\n"
    );
}

#[test]
fn rotates_when_the_file_would_pass_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.xml");
    let rotated = dir.path().join("trace.xml.1");
    // Each line is 24 + 6 + 3 + 1 = 34 bytes; three fit in 110.
    let trace = XmlTrace::open_with_limit(&path, bodies_hidden(), 110).unwrap();
    for n in 0..3 {
        trace.raw(Direction::Sent, &format!("<{n}>"));
    }
    assert!(!rotated.exists());
    assert_eq!(read(&path).lines().count(), 3);

    trace.raw(Direction::Sent, "<3>");
    assert!(read(&rotated).contains("<0>") && read(&rotated).contains("<2>"));
    assert_eq!(read(&path).lines().count(), 1);
    assert!(read(&path).contains("<3>"));

    // The next rotation replaces the old `.1`.
    for n in 4..7 {
        trace.raw(Direction::Sent, &format!("<{n}>"));
    }
    let old = read(&rotated);
    assert!(
        !old.contains("<0>") && old.contains("<3>") && old.contains("<5>"),
        "{old}"
    );
    assert!(read(&path).contains("<6>"));
    assert!(trace.is_active());
}

#[test]
fn rotation_counts_what_was_already_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.xml");
    std::fs::write(&path, "x".repeat(100)).unwrap();
    let trace = XmlTrace::open_with_limit(&path, bodies_hidden(), 110).unwrap();
    trace.raw(Direction::Sent, "<a>");
    assert_eq!(read(&dir.path().join("trace.xml.1")), "x".repeat(100));
}

#[cfg(unix)]
#[test]
fn trace_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();

    let path = dir.path().join("new.xml");
    let trace = XmlTrace::open_with_limit(&path, bodies_hidden(), 40).unwrap();
    assert_eq!(mode(&path), 0o600);
    trace.raw(Direction::Sent, "<a>");
    trace.raw(Direction::Sent, "<b>");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("new.xml.1")), 0o600);

    let old = dir.path().join("old.xml");
    std::fs::write(&old, "").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    XmlTrace::open(&old, bodies_hidden()).unwrap();
    assert_eq!(mode(&old), 0o600);
}

#[cfg(target_os = "linux")]
#[test]
fn an_io_error_disables_the_trace_quietly() {
    // Every write to /dev/full fails with ENOSPC.
    let trace = XmlTrace::open(Path::new("/dev/full"), bodies_hidden()).unwrap();
    assert!(trace.is_active());
    trace.raw(Direction::Sent, "<a>");
    assert!(!trace.is_active());
    trace.element(Direction::Sent, &chat("after"));
    assert!(!trace.clone().is_active());
}

#[test]
fn open_reports_an_unusable_path() {
    let dir = tempfile::tempdir().unwrap();
    let error = XmlTrace::open(dir.path(), bodies_hidden()).unwrap_err();
    assert!(error.contains("cannot open"), "{error}");
}

#[test]
fn trace_handles_cross_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<XmlTrace>();
}

#[test]
fn default_options_redact_bodies() {
    assert!(TraceOptions::default().redact_bodies);
}

#[test]
fn formats_known_instants_as_rfc3339() {
    let at = |secs: u64, millis: u64| {
        format_rfc3339(Duration::from_secs(secs) + Duration::from_millis(millis))
    };
    assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
    assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    assert_eq!(at(1_709_210_096, 789), "2024-02-29T12:34:56.789Z");
    assert_eq!(at(1_234_567_890, 5), "2009-02-13T23:31:30.005Z");
    // 2100 is not a leap year.
    assert_eq!(at(4_107_542_399, 999), "2100-02-28T23:59:59.999Z");
    assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
    assert_eq!(at(253_402_300_799, 0), "9999-12-31T23:59:59.000Z");
}

#[test]
fn civil_dates_match_day_by_day_around_leap_days() {
    // 2024-02-28 is day 19781 after the epoch.
    assert_eq!(civil_from_days(19_781), (2024, 2, 28));
    assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    assert_eq!(civil_from_days(19_783), (2024, 3, 1));
    assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    assert_eq!(civil_from_days(19_722), (2023, 12, 31));
}

#[test]
fn times_before_the_epoch_are_clamped() {
    let before = UNIX_EPOCH - Duration::from_secs(10);
    assert!(format_line(before, Direction::Sent, "x").starts_with("1970-01-01T00:00:00.000Z"));
}
