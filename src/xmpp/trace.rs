//! The opt-in XML trace (`[log] xml_trace = "PATH"`): one line per element
//! sent or received, written to its own file, never to the terminal.
//!
//! Everything passes through [`redact`] first, so credentials (SASL payloads,
//! legacy and in-band-registration passwords, private data-form fields) never
//! reach the disk, and message bodies are replaced by their length unless the
//! user turns `redact_bodies` off. The file is private (mode 0600), each line
//! is capped and the file rotates by size, so a flood cannot fill the disk.
//! Tracing must never take the session down: the first I/O error turns the
//! trace off with one `tracing::warn!`.
//!
//! This module owns only formatting and the file; the session and login code
//! decide what to trace. New redaction rules go in `is_secret` (credentials)
//! or `is_message_content` (conversation text), each with a test.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::element::{Element, Node};
use super::ns;

/// Legacy authentication (XEP-0078).
const NS_IQ_AUTH: &str = "jabber:iq:auth";
/// SASL2 (XEP-0388): its payload elements carry the same secrets as SASL's.
const NS_SASL2: &str = "urn:xmpp:sasl:2";
/// XHTML-IM (XEP-0071): a formatted copy of the body.
const NS_XHTML_IM: &str = "http://jabber.org/protocol/xhtml-im";
/// Data forms (XEP-0004), used by in-band registration and room config.
const NS_XDATA: &str = "jabber:x:data";

/// What replaces a credential.
const REDACTED: &str = "[redacted]";
/// Longest line written, newline included.
const MAX_LINE_BYTES: usize = 64 * 1024;
/// Room kept at the end of a capped line for the truncation marker.
const MARKER_RESERVE: usize = 48;
/// Size past which the file is moved to `PATH.1` and a new one started.
const ROTATE_BYTES: u64 = 10 * 1024 * 1024;

/// Which way an element travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

impl Direction {
    fn label(self) -> &'static str {
        match self {
            Direction::Sent => "SEND",
            Direction::Received => "RECV",
        }
    }
}

/// What the trace hides beyond credentials, which it always hides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// Replace message `<body>`, `<subject>` and XHTML-IM `<html>` contents
    /// with their length.
    pub redact_bodies: bool,
}

impl Default for TraceOptions {
    /// Bodies are private by default; showing them is an explicit choice.
    fn default() -> Self {
        TraceOptions {
            redact_bodies: true,
        }
    }
}

/// A handle on the trace file. Clones share the file, so the session and the
/// login code can each hold one.
#[derive(Clone)]
pub struct XmlTrace {
    inner: Arc<Inner>,
}

struct Inner {
    options: TraceOptions,
    /// Set once after an I/O error; checked before any formatting work.
    disabled: AtomicBool,
    file: Mutex<TraceFile>,
}

struct TraceFile {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    rotate_at: u64,
    /// Only regular files are rotated or have their mode changed (a trace to
    /// a device such as `/dev/null` is left alone).
    regular: bool,
}

impl std::fmt::Debug for XmlTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self
            .inner
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("XmlTrace")
            .field("path", &state.path)
            .field("options", &self.inner.options)
            .field("active", &self.is_active())
            .finish()
    }
}

impl XmlTrace {
    /// Opens `path` for appending, creating it and its parent directories.
    /// On unix the file is made mode 0600, since it may hold conversations.
    pub fn open(path: &Path, options: TraceOptions) -> Result<XmlTrace, String> {
        XmlTrace::open_with_limit(path, options, ROTATE_BYTES)
    }

    fn open_with_limit(
        path: &Path,
        options: TraceOptions,
        rotate_at: u64,
    ) -> Result<XmlTrace, String> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let file = open_private(path)?;
        let metadata = file
            .metadata()
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let regular = metadata.is_file();
        if regular {
            restrict_mode(&file).map_err(|e| format!("cannot chmod {}: {e}", path.display()))?;
        }
        Ok(XmlTrace {
            inner: Arc::new(Inner {
                options,
                disabled: AtomicBool::new(false),
                file: Mutex::new(TraceFile {
                    path: path.to_path_buf(),
                    file: Some(file),
                    size: metadata.len(),
                    rotate_at,
                    regular,
                }),
            }),
        })
    }

    /// Traces one stanza or nonza after [`redact`]ing it.
    pub fn element(&self, direction: Direction, element: &Element) {
        if !self.is_active() {
            return;
        }
        let xml = redact(element, &self.inner.options).to_xml();
        self.write_line(direction, &xml);
    }

    /// Traces text that is not an element: the stream header, the closing
    /// tag, whitespace keepalives. These carry no secrets, so they are only
    /// capped and made printable.
    pub fn raw(&self, direction: Direction, text: &str) {
        if !self.is_active() {
            return;
        }
        self.write_line(direction, text);
    }

    /// False once an I/O error has turned the trace off.
    pub fn is_active(&self) -> bool {
        !self.inner.disabled.load(Ordering::Relaxed)
    }

    fn write_line(&self, direction: Direction, payload: &str) {
        let line = format_line(SystemTime::now(), direction, payload);
        let mut state = self
            .inner
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = state.append(line.as_bytes()) {
            state.file = None;
            self.inner.disabled.store(true, Ordering::Relaxed);
            tracing::warn!(
                path = %state.path.display(),
                %error,
                "XML trace disabled after an I/O error"
            );
        }
    }
}

impl TraceFile {
    fn append(&mut self, line: &[u8]) -> std::io::Result<()> {
        let len = line.len() as u64;
        if self.regular && self.size > 0 && self.size + len > self.rotate_at {
            self.rotate()?;
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        // One write per line, so a crash never leaves half a line between
        // two whole ones.
        file.write_all(line)?;
        self.size += len;
        Ok(())
    }

    /// Moves the full file to `PATH.1` (replacing an older one) and starts
    /// an empty one, so the trace keeps at most about twice `rotate_at`.
    fn rotate(&mut self) -> std::io::Result<()> {
        self.file = None;
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old)?;
        let file = open_private(&self.path).map_err(std::io::Error::other)?;
        restrict_mode(&file)?;
        self.file = Some(file);
        self.size = 0;
        Ok(())
    }
}

fn open_private(path: &Path) -> Result<File, String> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// `OpenOptions::mode` only applies to new files; an older trace left with
/// wider permissions is tightened too.
fn restrict_mode(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// `TIMESTAMP DIR PAYLOAD\n`, on one line and at most [`MAX_LINE_BYTES`].
fn format_line(now: SystemTime, direction: Direction, payload: &str) -> String {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut line = format_rfc3339(since_epoch);
    line.push(' ');
    line.push_str(direction.label());
    line.push(' ');
    push_printable(&mut line, payload);
    cap_line(&mut line);
    line.push('\n');
    line
}

/// Keeps each entry on one line and keeps terminal escapes out of a file
/// people `cat`: line breaks and other control characters become character
/// references (equivalent XML inside text).
fn push_printable(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() && c != '\t' {
            let _ = write!(out, "&#x{:X};", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// Truncates `line` (without its newline) to fit [`MAX_LINE_BYTES`],
/// ending it with a marker that says how much was cut.
fn cap_line(line: &mut String) {
    if line.len() < MAX_LINE_BYTES {
        return;
    }
    let mut cut = MAX_LINE_BYTES - MARKER_RESERVE;
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = line.len() - cut;
    line.truncate(cut);
    let _ = write!(line, " [truncated {dropped} bytes]");
}

/// RFC 3339 in UTC with milliseconds, e.g. `2024-02-29T12:34:56.789Z`.
pub fn format_rfc3339(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since_epoch.subsec_millis()
    )
}

/// Year, month, day of the `days`th day after 1970-01-01 in the proleptic
/// Gregorian calendar. Works in 400-year eras starting on March 1st, so the
/// leap day falls at the end of the era's year (H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // 719 468 days from 0000-03-01 to 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// A copy of `element` fit for the trace: credentials are replaced by
/// `[redacted]` and, with `redact_bodies`, message text by
/// `[redacted N chars]`. Elements and attributes are kept, so the trace
/// still shows what was exchanged and how big it was.
pub fn redact(element: &Element, options: &TraceOptions) -> Element {
    redact_under(element, None, options)
}

fn redact_under(element: &Element, parent: Option<&Element>, options: &TraceOptions) -> Element {
    if is_secret(element, parent) {
        return with_content(element, REDACTED);
    }
    if options.redact_bodies && parent.is_some_and(|p| is_message_content(p, element)) {
        let marker = format!("[redacted {} chars]", text_chars(element));
        return with_content(element, &marker);
    }
    let mut copy = shell(element);
    for node in element.nodes() {
        match node {
            Node::Text(text) => copy.push_text(text.clone()),
            // Recursing everywhere covers messages inside carbons
            // (XEP-0280), forwards (XEP-0297) and archive results.
            Node::Element(child) => copy.push_child(redact_under(child, Some(element), options)),
        }
    }
    copy
}

/// Credentials, hidden whatever the options say.
fn is_secret(element: &Element, parent: Option<&Element>) -> bool {
    let name = element.name();
    let ns = element.ns();
    // RFC 6120 §6.4: every SASL payload is credentials or a proof of them
    // (PLAIN carries the password itself; SCRAM's can be attacked offline).
    (ns == ns::SASL && matches!(name, "auth" | "response" | "challenge" | "success"))
        || (ns == NS_SASL2
            && matches!(
                name,
                "initial-response" | "response" | "challenge" | "additional-data"
            ))
        // XEP-0078 `<password>`/`<digest>`, XEP-0077 `<password>`, XEP-0045
        // room passwords, and anything else that calls itself a password.
        || name == "password"
        || (ns == NS_IQ_AUTH && name == "digest")
        || (element.is("value", NS_XDATA) && parent.is_some_and(is_private_field))
}

/// A data-form field that holds a secret (XEP-0004 §3.3 `text-private`, or
/// the XEP-0077 `password` field, whose submitted form may omit the type).
fn is_private_field(field: &Element) -> bool {
    field.is("field", NS_XDATA)
        && (field.attr("type") == Some("text-private") || field.attr("var") == Some("password"))
}

/// Conversation text inside a `<message>` (RFC 6121 §5.2.2–3, XEP-0071).
/// Presence `<status>` stays visible: it is broadcast, not private.
fn is_message_content(parent: &Element, element: &Element) -> bool {
    parent.name() == "message"
        && ((element.ns() == parent.ns() && matches!(element.name(), "body" | "subject"))
            || element.is("html", NS_XHTML_IM))
}

/// Same name, namespace and attributes as `element`, no children.
fn shell(element: &Element) -> Element {
    let mut copy = Element::new(element.name(), element.namespace());
    for (name, value) in element.attrs() {
        copy.set_attr(name, value);
    }
    copy
}

/// `element` with its content replaced by `text`; an empty element stays
/// empty, since there is nothing to hide.
fn with_content(element: &Element, text: &str) -> Element {
    let mut copy = shell(element);
    if !element.nodes().is_empty() {
        copy.push_text(text);
    }
    copy
}

/// Characters of text in `element` and all its descendants.
fn text_chars(element: &Element) -> usize {
    element
        .nodes()
        .iter()
        .map(|node| match node {
            Node::Text(text) => text.chars().count(),
            Node::Element(child) => text_chars(child),
        })
        .sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
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
            .with_child(
                Element::new("initial-response", NS_SASL2).with_text("AGp1bGlldABzZWNyZXQ="),
            );
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
}
