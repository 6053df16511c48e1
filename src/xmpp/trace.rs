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
mod tests;
