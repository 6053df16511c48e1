//! The inbound half of the XML stream (RFC 6120 §4): turns the bytes of one
//! endless `<stream:stream>` document into a [`StreamHeader`], one owned
//! [`Element`] per top-level child, and the closing tag. It owns the
//! hardening of SEC-06 (restricted XML, RFC 6120 §11.1; size and depth caps)
//! and the mapping of parse failures to stream error conditions. It does no
//! I/O of its own beyond reading, knows nothing about stanza semantics, and
//! must not import anything outside `crate::xmpp`. Stanza decoding belongs
//! in the stanza modules, writing in the writer.
//!
//! Design: quick-xml parses from a [`BufReader`] seen through a metering
//! layer that lets the parser consume at most `max_stanza_bytes` per
//! top-level item. quick-xml buffers a whole tag or text run before handing
//! it out, so a cap applied after an event arrives would be too late; the
//! meter makes the read itself fail instead, which bounds every buffer to
//! the limit plus one read chunk.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use quick_xml::errors::{Error as QxError, IllFormedError};
use quick_xml::events::{BytesStart, Event};
use tokio::io::{AsyncBufRead, AsyncRead, BufReader, ReadBuf};

use super::element::Element;
use super::ns;

/// Bytes requested from the transport per read. Small enough that the
/// read-ahead stays well under the stanza limit, large enough for bulk
/// throughput.
const READ_CHUNK: usize = 32 * 1024;

/// The event buffer is shrunk back after a stanza bigger than this, so one
/// large stanza does not pin a megabyte for the rest of the session.
const KEEP_BUFFER: usize = 256 * 1024;

/// At most this many attributes (namespace declarations included) per
/// element. `Element::set_attr` is linear, so an uncapped count would make a
/// 1 MiB stanza cost quadratic time.
pub const MAX_ATTRIBUTES: usize = 128;

/// Resource caps for one stream (SEC-06: "cap the stanza size and nesting
/// depth").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Input bytes one top-level item may span: the prolog plus stream
    /// header, each stanza, each run of whitespace between stanzas.
    pub max_stanza_bytes: usize,
    /// Element nesting inside a stanza; the stanza itself is level 1.
    pub max_depth: usize,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        ReaderLimits {
            max_stanza_bytes: 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// The attributes of the peer's `<stream:stream>` (RFC 6120 §4.7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamHeader {
    pub from: Option<String>,
    pub to: Option<String>,
    pub id: Option<String>,
    pub version: Option<String>,
    /// `xml:lang`.
    pub lang: Option<String>,
}

/// One step of the inbound stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// The opening `<stream:stream>` tag was read.
    Header(StreamHeader),
    /// A complete top-level child of the stream, with its whole subtree.
    Stanza(Element),
    /// `</stream:stream>`: the peer closed the stream.
    End,
}

/// Why the inbound stream cannot continue. Every variant except `Io` and
/// `Closed` means we must send a stream error; see
/// [`XmlError::stream_condition`].
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("I/O error while reading the XML stream: {0}")]
    Io(#[from] io::Error),
    #[error("the connection ended without </stream:stream>")]
    Closed,
    /// RFC 6120 §11.1 restricts XMPP to an XML subset without comments,
    /// processing instructions, DTDs, or entity references other than the
    /// five predefined ones (SEC-06).
    #[error("{0}")]
    Restricted(String),
    #[error("the server sent XML that is not well-formed: {0}")]
    NotWellFormed(String),
    #[error("the server used the namespace prefix `{0}` without declaring it")]
    BadNamespacePrefix(String),
    #[error("wrong namespace: {0}")]
    InvalidNamespace(String),
    #[error("the server sent a stanza larger than the {limit}-byte limit")]
    StanzaTooLarge { limit: usize },
    #[error("the server nested elements deeper than the limit of {limit}")]
    TooDeep { limit: usize },
    #[error("the server sent an element with more than {limit} attributes")]
    TooManyAttributes { limit: usize },
    /// Character data directly inside `<stream:stream>`, where only
    /// whitespace keepalives may appear (CORE-25).
    #[error("the server sent text between stanzas: {0}")]
    BadFormat(String),
}

impl XmlError {
    /// The RFC 6120 §4.9.3 condition to send in our `<stream:error/>` before
    /// closing, or `None` when the transport is already gone.
    pub fn stream_condition(&self) -> Option<&'static str> {
        match self {
            XmlError::Io(_) | XmlError::Closed => None,
            XmlError::Restricted(_) => Some("restricted-xml"),
            XmlError::NotWellFormed(_) => Some("not-well-formed"),
            XmlError::BadNamespacePrefix(_) => Some("bad-namespace-prefix"),
            XmlError::InvalidNamespace(_) => Some("invalid-namespace"),
            XmlError::StanzaTooLarge { .. }
            | XmlError::TooDeep { .. }
            | XmlError::TooManyAttributes { .. } => Some("policy-violation"),
            XmlError::BadFormat(_) => Some("bad-format"),
        }
    }
}

/// Returned by [`XmlReader::into_inner`] when the reader holds bytes the
/// peer sent after the last event, so they are not silently dropped. After
/// `<proceed/>` this is a STARTTLS injection attempt (plaintext that would be
/// taken as coming from inside TLS): drop the connection.
pub struct Unread<R> {
    reader: BufReader<R>,
}

impl<R: AsyncRead> Unread<R> {
    /// The bytes read from the transport but not parsed.
    pub fn bytes(&self) -> &[u8] {
        self.reader.buffer()
    }

    /// The transport with the unread bytes still in front of it.
    pub fn into_buf_reader(self) -> BufReader<R> {
        self.reader
    }
}

impl<R: AsyncRead> fmt::Debug for Unread<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unread")
            .field("bytes", &self.bytes().len())
            .finish()
    }
}

impl<R: AsyncRead> fmt::Display for Unread<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server sent {} bytes past the last stanza before the stream was handed over",
            self.bytes().len()
        )
    }
}

impl<R: AsyncRead> std::error::Error for Unread<R> {}

/// Reads one XMPP stream. Create a new reader (or call
/// [`XmlReader::restart`]) for each stream restart.
pub struct XmlReader<R> {
    parser: quick_xml::Reader<Metered<R>>,
    buf: Vec<u8>,
    limits: ReaderLimits,
    tree: Tree,
    failed: bool,
}

impl<R: AsyncRead + Unpin> XmlReader<R> {
    pub fn new(inner: R, limits: ReaderLimits) -> Self {
        Self::over(BufReader::with_capacity(READ_CHUNK, inner), limits)
    }

    fn over(inner: BufReader<R>, limits: ReaderLimits) -> Self {
        let meter = Metered {
            inner,
            budget: limits.max_stanza_bytes,
            exceeded: false,
            eof: false,
        };
        XmlReader {
            parser: quick_xml::Reader::from_reader(meter),
            buf: Vec::with_capacity(READ_CHUNK),
            limits,
            tree: Tree::default(),
            failed: false,
        }
    }

    /// Reads until the next [`StreamEvent`].
    ///
    /// After `End`, further calls return `End` without reading. After an
    /// error the stream is dead and further calls return `Closed`.
    ///
    /// Not cancel-safe: dropping the future mid-read loses the partly read
    /// event. Keep one `next()` future alive (e.g. outside the `select!`
    /// loop) or only cancel when abandoning the connection.
    pub async fn next(&mut self) -> Result<StreamEvent, XmlError> {
        if self.failed {
            return Err(XmlError::Closed);
        }
        match self.tree.phase {
            Phase::Ended => return Ok(StreamEvent::End),
            Phase::EmptyRoot => {
                self.tree.phase = Phase::Ended;
                return Ok(StreamEvent::End);
            }
            Phase::Prolog { .. } | Phase::Open => {}
        }
        let result = self.advance().await;
        self.failed = result.is_err();
        result
    }

    async fn advance(&mut self) -> Result<StreamEvent, XmlError> {
        loop {
            self.buf.clear();
            let event = match self.parser.read_event_into_async(&mut self.buf).await {
                Ok(event) => event,
                Err(error) => return Err(self.map_error(error)),
            };
            match self.tree.handle(event, &self.limits)? {
                Step::Continue => {}
                Step::Boundary => self.parser.get_mut().budget = self.limits.max_stanza_bytes,
                Step::Emit(event) => {
                    self.parser.get_mut().budget = self.limits.max_stanza_bytes;
                    if self.buf.capacity() > KEEP_BUFFER {
                        self.buf = Vec::with_capacity(READ_CHUNK);
                    }
                    return Ok(event);
                }
            }
        }
    }

    fn map_error(&self, error: QxError) -> XmlError {
        let meter = self.parser.get_ref();
        if meter.exceeded {
            return XmlError::StanzaTooLarge {
                limit: self.limits.max_stanza_bytes,
            };
        }
        match error {
            QxError::Io(io) => XmlError::Io(
                Arc::try_unwrap(io).unwrap_or_else(|io| io::Error::new(io.kind(), io.to_string())),
            ),
            // Ran out of input inside a construct: a truncated stream.
            QxError::Syntax(_)
            | QxError::IllFormed(IllFormedError::UnclosedReference)
            | QxError::IllFormed(IllFormedError::MissingEndTag(_))
                if meter.eof =>
            {
                XmlError::Closed
            }
            other => XmlError::NotWellFormed(other.to_string()),
        }
    }

    /// Starts reading a new stream on the same transport (RFC 6120 §4.3.3,
    /// after SASL success), keeping any bytes already buffered.
    pub fn restart(self) -> Self {
        let limits = self.limits;
        Self::over(self.parser.into_inner().inner, limits)
    }

    /// The transport, for handing to TLS after `<proceed/>` or to a fresh
    /// reader after a restart. Fails with [`Unread`] (which still holds every
    /// byte) when the peer sent data past the last event, because those
    /// bytes would otherwise be lost. In practice the server sends nothing
    /// after `<proceed/>` or `<success/>` until we speak again.
    pub fn into_inner(self) -> Result<R, Unread<R>> {
        let reader = self.parser.into_inner().inner;
        if reader.buffer().is_empty() {
            Ok(reader.into_inner())
        } else {
            Err(Unread { reader })
        }
    }

    /// Bytes buffered from the transport but not yet parsed.
    pub fn buffered(&self) -> &[u8] {
        self.parser.get_ref().inner.buffer()
    }
}

/// Lets the parser consume at most `budget` more bytes, and remembers
/// whether reading stopped for that reason or at end of input.
struct Metered<R> {
    inner: BufReader<R>,
    budget: usize,
    exceeded: bool,
    eof: bool,
}

impl<R: AsyncRead + Unpin> AsyncBufRead for Metered<R> {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let Metered {
            inner,
            budget,
            exceeded,
            eof,
        } = self.get_mut();
        let available = ready!(Pin::new(inner).poll_fill_buf(cx))?;
        if available.is_empty() {
            *eof = true;
            return Poll::Ready(Ok(available));
        }
        if *budget == 0 {
            // An error, not an empty slice: quick-xml would take that as EOF.
            *exceeded = true;
            return Poll::Ready(Err(io::Error::other("stanza size limit reached")));
        }
        let allowed = available.len().min(*budget);
        Poll::Ready(Ok(&available[..allowed]))
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        Pin::new(&mut this.inner).consume(amt);
        this.budget = this.budget.saturating_sub(amt);
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Metered<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let available = ready!(Pin::new(&mut *this).poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        Pin::new(this).consume(n);
        Poll::Ready(Ok(()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before `<stream:stream>`; an XML declaration is still allowed.
    Prolog {
        decl_allowed: bool,
    },
    Open,
    /// The root was `<stream:stream/>`: `End` is due next.
    EmptyRoot,
    Ended,
}

/// What the reader does after one parser event.
enum Step {
    Continue,
    /// A top-level item (whitespace) ended: reset the size budget.
    Boundary,
    Emit(StreamEvent),
}

/// Namespace scope undone when an element closes.
struct Frame {
    declared: usize,
    pushed_default: bool,
}

/// Turns parser events into elements: namespace scopes, the stack of open
/// elements and the text waiting to be attached to the innermost one.
struct Tree {
    phase: Phase,
    stack: Vec<Element>,
    frames: Vec<Frame>,
    /// prefix → URIs, innermost declaration last.
    prefixes: HashMap<String, Vec<String>>,
    /// Prefixes declared by the open elements, innermost last.
    declared: Vec<String>,
    /// Default namespaces, innermost last.
    defaults: Vec<String>,
    /// Character data not yet attached to `stack.last()`; adjacent text,
    /// references and CDATA merge here into one node.
    text: String,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            phase: Phase::Prolog { decl_allowed: true },
            stack: Vec::new(),
            frames: Vec::new(),
            prefixes: HashMap::new(),
            declared: Vec::new(),
            defaults: Vec::new(),
            text: String::new(),
        }
    }
}

impl Tree {
    fn handle(&mut self, event: Event<'_>, limits: &ReaderLimits) -> Result<Step, XmlError> {
        match event {
            Event::Start(start) => self.start(&start, limits, false),
            Event::Empty(start) => self.start(&start, limits, true),
            Event::End(_) => self.end(),
            Event::Text(text) => self.chars(&text, Mode::Text),
            Event::CData(data) => self.chars(&data, Mode::CData),
            Event::GeneralRef(reference) => self.reference(&reference),
            Event::Decl(_) => match self.phase {
                Phase::Prolog { decl_allowed: true } => {
                    self.phase = Phase::Prolog {
                        decl_allowed: false,
                    };
                    Ok(Step::Continue)
                }
                _ => Err(XmlError::NotWellFormed(
                    "an XML declaration is only allowed at the start of the stream".into(),
                )),
            },
            Event::Comment(_) => Err(XmlError::Restricted(
                "the server sent a comment, which XMPP forbids (restricted-xml)".into(),
            )),
            Event::PI(pi) => Err(XmlError::Restricted(format!(
                "the server sent a processing instruction (<?{}?>), which XMPP forbids \
                 (restricted-xml)",
                excerpt(pi.target())
            ))),
            Event::DocType(_) => Err(XmlError::Restricted(
                "the server sent a DTD (<!DOCTYPE>), which XMPP forbids (restricted-xml)".into(),
            )),
            Event::Eof => Err(XmlError::Closed),
        }
    }

    fn start(
        &mut self,
        start: &BytesStart<'_>,
        limits: &ReaderLimits,
        empty: bool,
    ) -> Result<Step, XmlError> {
        match self.phase {
            Phase::Prolog { .. } => self.header(start, empty),
            Phase::Open => {
                if self.stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                self.flush_text();
                let element = self.open(start)?;
                if empty {
                    self.close_scope();
                    Ok(self.attach(element))
                } else {
                    self.stack.push(element);
                    Ok(Step::Continue)
                }
            }
            Phase::EmptyRoot | Phase::Ended => Err(content_after_end()),
        }
    }

    fn header(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<Step, XmlError> {
        let mut root = self.open(start)?;
        if !root.is("stream", ns::STREAM) {
            return Err(XmlError::InvalidNamespace(format!(
                "the stream root is <{}> in namespace '{}', expected <stream> in '{}'",
                excerpt(start.name().0),
                excerpt(root.ns()),
                ns::STREAM
            )));
        }
        // RFC 6120 §4.8.2: the content namespace of a client stream.
        match self.defaults.last() {
            None => self.defaults.push(ns::CLIENT.to_owned()),
            Some(default) if default == ns::CLIENT => {}
            Some(default) => {
                return Err(XmlError::InvalidNamespace(format!(
                    "the stream's default namespace is '{}', expected '{}'",
                    excerpt(default),
                    ns::CLIENT
                )));
            }
        }
        let header = StreamHeader {
            from: root.remove_attr("from"),
            to: root.remove_attr("to"),
            id: root.remove_attr("id"),
            version: root.remove_attr("version"),
            lang: root.remove_attr("xml:lang"),
        };
        // The root's scope stays open for the whole stream.
        self.phase = if empty { Phase::EmptyRoot } else { Phase::Open };
        Ok(Step::Emit(StreamEvent::Header(header)))
    }

    fn end(&mut self) -> Result<Step, XmlError> {
        match self.phase {
            Phase::Open => match self.stack.pop() {
                Some(mut element) => {
                    if !self.text.is_empty() {
                        element.push_text(std::mem::take(&mut self.text));
                    }
                    self.close_scope();
                    Ok(self.attach(element))
                }
                None => {
                    self.phase = Phase::Ended;
                    Ok(Step::Emit(StreamEvent::End))
                }
            },
            // quick-xml reports unmatched end tags before we get here.
            Phase::Prolog { .. } => Err(XmlError::NotWellFormed(
                "an end tag before the stream header".into(),
            )),
            Phase::EmptyRoot | Phase::Ended => Err(content_after_end()),
        }
    }

    fn chars(&mut self, raw: &str, mode: Mode) -> Result<Step, XmlError> {
        match self.phase {
            Phase::Open if !self.stack.is_empty() => {
                decode_into(raw, mode, &mut self.text)?;
                Ok(Step::Continue)
            }
            // A byte-order mark before the header: quick-xml strips it only
            // when the first read holds all three bytes; split, it lands here.
            Phase::Prolog { .. }
                if raw.trim_start_matches('\u{feff}').bytes().all(is_xml_space) =>
            {
                Ok(Step::Continue)
            }
            _ if raw.bytes().all(is_xml_space) => {
                if self.phase == Phase::Open {
                    Ok(Step::Boundary)
                } else {
                    Ok(Step::Continue)
                }
            }
            _ => Err(self.stray_text(raw)),
        }
    }

    fn reference(&mut self, name: &str) -> Result<Step, XmlError> {
        if self.phase == Phase::Open && !self.stack.is_empty() {
            resolve_reference(name, &mut self.text)?;
            return Ok(Step::Continue);
        }
        let mut resolved = String::new();
        resolve_reference(name, &mut resolved)?;
        Err(self.stray_text(&resolved))
    }

    fn stray_text(&self, text: &str) -> XmlError {
        match self.phase {
            Phase::Open => XmlError::BadFormat(format!("'{}'", excerpt(text.trim()))),
            Phase::Prolog { .. } => XmlError::NotWellFormed(format!(
                "text before the stream header: '{}'",
                excerpt(text.trim())
            )),
            Phase::EmptyRoot | Phase::Ended => content_after_end(),
        }
    }

    fn flush_text(&mut self) {
        if self.text.is_empty() {
            return;
        }
        match self.stack.last_mut() {
            Some(parent) => parent.push_text(std::mem::take(&mut self.text)),
            None => self.text.clear(),
        }
    }

    fn attach(&mut self, element: Element) -> Step {
        match self.stack.last_mut() {
            Some(parent) => {
                parent.push_child(element);
                Step::Continue
            }
            None => Step::Emit(StreamEvent::Stanza(element)),
        }
    }

    /// Opens the namespace scope of `start` and builds its element, without
    /// children. The caller closes the scope when the element ends.
    fn open(&mut self, start: &BytesStart<'_>) -> Result<Element, XmlError> {
        let qname = start.name().0;
        let (prefix, local) = split_qname(qname)?;
        let mut frame = Frame {
            declared: 0,
            pushed_default: false,
        };
        // Declarations may follow the attributes they bind, so they get
        // their own pass, skipped for the many elements without any.
        if start.attributes_raw().contains("xmlns") {
            each_attribute(start, |key, raw| {
                if key == "xmlns" {
                    let uri = decode_attribute(raw)?;
                    if frame.pushed_default {
                        return Err(duplicate_attribute(qname));
                    }
                    if uri == ns::XML || uri == NS_XMLNS {
                        return Err(reserved_namespace(&uri));
                    }
                    self.defaults.push(uri);
                    frame.pushed_default = true;
                } else if let Some(declared) = key.strip_prefix("xmlns:") {
                    self.declare(declared, decode_attribute(raw)?, &mut frame)?;
                }
                Ok(())
            })?;
        }
        // From here the declarations are undone by `close_scope`. An error
        // in between leaves them dangling, which is harmless: every error
        // ends the stream.
        self.frames.push(frame);
        let mut element = Element::new(local, self.resolve(prefix)?);
        let mut kept = 0;
        each_attribute(start, |key, raw| {
            if key == "xmlns" || key.starts_with("xmlns:") {
                return Ok(());
            }
            if let (Some(attr_prefix), _) = split_qname(key)? {
                self.resolve(Some(attr_prefix))?;
            }
            element.set_attr(key, decode_attribute(raw)?);
            kept += 1;
            Ok(())
        })?;
        // `set_attr` replaces, so a duplicate shows up as a shortfall.
        if element.attrs().count() != kept {
            return Err(duplicate_attribute(qname));
        }
        Ok(element)
    }

    fn declare(&mut self, prefix: &str, uri: String, frame: &mut Frame) -> Result<(), XmlError> {
        if !is_ncname(prefix) {
            return Err(XmlError::NotWellFormed(format!(
                "`xmlns:{}` does not declare a valid prefix",
                excerpt(prefix)
            )));
        }
        if prefix == "xml" {
            // Always bound; redeclaring it to its own URI is allowed.
            return if uri == ns::XML {
                Ok(())
            } else {
                Err(reserved_namespace(&uri))
            };
        }
        if prefix == "xmlns" || uri == ns::XML || uri == NS_XMLNS {
            return Err(reserved_namespace(&uri));
        }
        if uri.is_empty() {
            return Err(XmlError::NotWellFormed(format!(
                "the prefix `{}` is bound to an empty namespace",
                excerpt(prefix)
            )));
        }
        let first = self.declared.len() - frame.declared;
        if self.declared[first..].iter().any(|p| p == prefix) {
            return Err(XmlError::NotWellFormed(format!(
                "the prefix `{}` is declared twice on one element",
                excerpt(prefix)
            )));
        }
        self.prefixes
            .entry(prefix.to_owned())
            .or_default()
            .push(uri);
        self.declared.push(prefix.to_owned());
        frame.declared += 1;
        Ok(())
    }

    fn close_scope(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.pushed_default {
            self.defaults.pop();
        }
        for _ in 0..frame.declared {
            let Some(prefix) = self.declared.pop() else {
                break;
            };
            if let Some(uris) = self.prefixes.get_mut(&prefix) {
                uris.pop();
                // Drop empty entries so a long session cannot grow the map.
                if uris.is_empty() {
                    self.prefixes.remove(&prefix);
                }
            }
        }
    }

    fn resolve(&self, prefix: Option<&str>) -> Result<&str, XmlError> {
        match prefix {
            None => Ok(self.defaults.last().map_or("", String::as_str)),
            Some("xml") => Ok(ns::XML),
            Some(prefix) => self
                .prefixes
                .get(prefix)
                .and_then(|uris| uris.last())
                .map(String::as_str)
                .ok_or_else(|| XmlError::BadNamespacePrefix(excerpt(prefix))),
        }
    }
}

const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

fn content_after_end() -> XmlError {
    XmlError::NotWellFormed("content after </stream:stream>".into())
}

fn duplicate_attribute(element: &str) -> XmlError {
    XmlError::NotWellFormed(format!("<{}> repeats an attribute", excerpt(element)))
}

/// Calls `visit` with the name and raw value of each attribute, enforcing
/// [`MAX_ATTRIBUTES`].
fn each_attribute<'a>(
    start: &'a BytesStart<'_>,
    mut visit: impl FnMut(&'a str, &str) -> Result<(), XmlError>,
) -> Result<(), XmlError> {
    let mut attributes = start.attributes();
    // quick-xml's duplicate check is quadratic in the attribute count; ours
    // runs after the cap.
    attributes.with_checks(false);
    for (count, attribute) in attributes.enumerate() {
        if count >= MAX_ATTRIBUTES {
            return Err(XmlError::TooManyAttributes {
                limit: MAX_ATTRIBUTES,
            });
        }
        let attribute = attribute.map_err(|e| {
            XmlError::NotWellFormed(format!(
                "bad attribute in <{}>: {e}",
                excerpt(start.name().0)
            ))
        })?;
        visit(attribute.key.0, &attribute.value)?;
    }
    Ok(())
}

fn decode_attribute(raw: &str) -> Result<String, XmlError> {
    let mut value = String::with_capacity(raw.len());
    decode_into(raw, Mode::Attribute, &mut value)?;
    Ok(value)
}

fn reserved_namespace(uri: &str) -> XmlError {
    XmlError::NotWellFormed(format!(
        "misuse of the reserved namespace '{}'",
        excerpt(uri)
    ))
}

/// Splits `prefix:local` in one pass, rejecting names that are not
/// XML-namespace QNames. ASCII is checked exactly; any non-ASCII character
/// is accepted, which is laxer than XML 1.0 but never unsafe.
fn split_qname(name: &str) -> Result<(Option<&str>, &str), XmlError> {
    let bytes = name.as_bytes();
    let mut colon = None;
    let mut segment_start = true;
    for (i, &b) in bytes.iter().enumerate() {
        let ok = if segment_start {
            is_name_start(b)
        } else if b == b':' && colon.is_none() {
            colon = Some(i);
            segment_start = true;
            continue;
        } else {
            is_name_start(b) || b.is_ascii_digit() || b == b'-' || b == b'.'
        };
        if !ok {
            return Err(bad_name(name));
        }
        segment_start = false;
    }
    if segment_start {
        // Empty, or ends with the colon.
        return Err(bad_name(name));
    }
    Ok(match colon {
        Some(i) => (Some(&name[..i]), &name[i + 1..]),
        None => (None, name),
    })
}

fn bad_name(name: &str) -> XmlError {
    XmlError::NotWellFormed(format!(
        "`{}` is not a valid element or attribute name",
        excerpt(name)
    ))
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// A name without colons.
fn is_ncname(name: &str) -> bool {
    matches!(split_qname(name), Ok((None, _)))
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// XML 1.0 §2.2 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Shortens peer-controlled text quoted in error messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Character data; quick-xml has already split off references.
    Text,
    /// CDATA content: `&` and `<` are literal.
    CData,
    /// A raw attribute value: references are resolved here.
    Attribute,
}

/// Bytes `decode_into` must stop at: controls and line ends (except the ones
/// character data keeps as they are), 0xEF (which leads U+FFFE and U+FFFF),
/// and in attribute values `&` and `<`. A table keeps the scan of every
/// text byte to one load.
const fn special_bytes(attribute: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[0xEF] = true;
    if attribute {
        table[b'&' as usize] = true;
        table[b'<' as usize] = true;
    } else {
        table[b'\t' as usize] = false;
        table[b'\n' as usize] = false;
    }
    table
}

static TEXT_SPECIAL: [bool; 256] = special_bytes(false);
static ATTRIBUTE_SPECIAL: [bool; 256] = special_bytes(true);

/// Appends `raw` to `out` as the application sees it: line ends normalised
/// (XML 1.0 §2.11), attribute whitespace normalised (§3.3.3), references
/// resolved, and characters XML cannot carry rejected.
fn decode_into(raw: &str, mode: Mode, out: &mut String) -> Result<(), XmlError> {
    let bytes = raw.as_bytes();
    let table = if mode == Mode::Attribute {
        &ATTRIBUTE_SPECIAL
    } else {
        &TEXT_SPECIAL
    };
    let special = |b: u8| table[usize::from(b)];
    let Some(first) = bytes.iter().position(|&b| special(b)) else {
        out.push_str(raw);
        return Ok(());
    };
    out.reserve(raw.len());
    let mut run = 0;
    let mut i = first;
    while i < bytes.len() {
        let b = bytes[i];
        if !special(b) {
            i += 1;
            continue;
        }
        // `i` is at an ASCII byte or a UTF-8 lead byte: a char boundary.
        out.push_str(&raw[run..i]);
        match b {
            b'\t' | b'\n' => {
                out.push(' ');
                i += 1;
            }
            b'\r' => {
                out.push(if mode == Mode::Attribute { ' ' } else { '\n' });
                i += 1;
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'&' => {
                let Some(len) = raw[i..].find(';') else {
                    return Err(XmlError::NotWellFormed(
                        "a reference in an attribute value lacks its `;`".into(),
                    ));
                };
                resolve_reference(&raw[i + 1..i + len], out)?;
                i += len + 1;
            }
            b'<' => {
                return Err(XmlError::NotWellFormed(
                    "`<` inside an attribute value".into(),
                ));
            }
            0xEF => {
                if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
                {
                    return Err(XmlError::NotWellFormed(
                        "U+FFFE or U+FFFF, which XML does not allow".into(),
                    ));
                }
                // An ordinary character: it starts the next run.
                run = i;
                i += 1;
                continue;
            }
            control => {
                return Err(XmlError::NotWellFormed(format!(
                    "the control character U+{control:04X}, which XML does not allow"
                )));
            }
        }
        run = i;
    }
    out.push_str(&raw[run..]);
    Ok(())
}

/// Resolves the reference `&name;`: the five predefined entities and
/// character references are all XMPP allows (RFC 6120 §11.1).
fn resolve_reference(name: &str, out: &mut String) -> Result<(), XmlError> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "apos" => '\'',
        "quot" => '"',
        _ => match name.strip_prefix('#') {
            Some(number) => char_reference(number).ok_or_else(|| {
                XmlError::NotWellFormed(format!(
                    "&{};, which is not a legal XML character",
                    excerpt(name)
                ))
            })?,
            None if is_ncname(name) => {
                return Err(XmlError::Restricted(format!(
                    "the server used the entity &{};, but XMPP allows only the five \
                     predefined ones (restricted-xml)",
                    excerpt(name)
                )));
            }
            None => {
                return Err(XmlError::NotWellFormed(format!(
                    "the malformed reference &{};",
                    excerpt(name)
                )));
            }
        },
    };
    out.push(c);
    Ok(())
}

/// `number` is what follows `&#`: decimal, or hex after a lowercase `x`.
fn char_reference(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 8 {
        return None;
    }
    let code = if significant.is_empty() {
        0
    } else {
        u32::from_str_radix(significant, radix).ok()?
    };
    char::from_u32(code).filter(|&c| is_xml_char(c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::xmpp::element::Node;
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' id='c2s_345' from='example.com' \
        version='1.0' xml:lang='en'>";

    /// Serves fixed chunks, one per read, and says `Pending` before every
    /// other one so the parser is suspended mid-event as on a real socket.
    struct Chunked {
        chunks: VecDeque<Vec<u8>>,
        stall: bool,
    }

    impl Chunked {
        fn new<I: IntoIterator<Item = Vec<u8>>>(chunks: I) -> Self {
            Chunked {
                chunks: chunks.into_iter().collect(),
                stall: false,
            }
        }
    }

    impl AsyncRead for Chunked {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.stall = !self.stall;
            if self.stall {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let Some(mut chunk) = self.chunks.pop_front() else {
                return Poll::Ready(Ok(()));
            };
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            if n < chunk.len() {
                self.chunks.push_front(chunk.split_off(n));
            }
            Poll::Ready(Ok(()))
        }
    }

    /// `head`, then `fill` repeated `count` times, then `tail`; counts the
    /// bytes handed out so tests can check how far the reader read.
    struct Generated {
        head: Vec<u8>,
        fill: u8,
        count: usize,
        tail: Vec<u8>,
        pos: usize,
        served: Arc<AtomicUsize>,
    }

    impl Generated {
        fn new(head: &str, fill: u8, count: usize, tail: &str) -> (Self, Arc<AtomicUsize>) {
            let served = Arc::new(AtomicUsize::new(0));
            let reader = Generated {
                head: head.as_bytes().to_vec(),
                fill,
                count,
                tail: tail.as_bytes().to_vec(),
                pos: 0,
                served: served.clone(),
            };
            (reader, served)
        }

        fn byte_at(&self, pos: usize) -> Option<u8> {
            let h = self.head.len();
            if pos < h {
                Some(self.head[pos])
            } else if pos - h < self.count {
                Some(self.fill)
            } else {
                self.tail.get(pos - h - self.count).copied()
            }
        }
    }

    impl AsyncRead for Generated {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            while buf.remaining() > 0 {
                let Some(b) = self.byte_at(self.pos) else {
                    break;
                };
                buf.put_slice(&[b]);
                self.pos += 1;
                self.served.fetch_add(1, Ordering::Relaxed);
            }
            Poll::Ready(Ok(()))
        }
    }

    async fn collect<R: AsyncRead + Unpin>(
        reader: R,
        limits: ReaderLimits,
    ) -> (Vec<StreamEvent>, Option<XmlError>) {
        let mut xml = XmlReader::new(reader, limits);
        let mut events = Vec::new();
        loop {
            match xml.next().await {
                Ok(StreamEvent::End) => {
                    events.push(StreamEvent::End);
                    return (events, None);
                }
                Ok(event) => events.push(event),
                Err(error) => return (events, Some(error)),
            }
        }
    }

    async fn parse(input: &[u8]) -> (Vec<StreamEvent>, Option<XmlError>) {
        collect(Chunked::new([input.to_vec()]), ReaderLimits::default()).await
    }

    /// The error a stream with `body` after the standard header ends in.
    async fn error_of(body: &str) -> XmlError {
        let input = format!("{HEADER}{body}");
        let (_, error) = parse(input.as_bytes()).await;
        error.expect("the stream should fail")
    }

    fn stanza(event: &StreamEvent) -> &Element {
        match event {
            StreamEvent::Stanza(element) => element,
            other => panic!("expected a stanza, got {other:?}"),
        }
    }

    const LOGIN_BURST: &str = concat!(
        "<?xml version='1.0'?>",
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' ",
        "id='c2s_345' from='example.com' version='1.0' xml:lang='en'>",
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind>",
        "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>",
        "<ver xmlns='urn:xmpp:features:rosterver'/></stream:features>\n",
        "<iq type='result' id='r1' to='juliet@example.com/balcony'>",
        "<query xmlns='jabber:iq:roster' ver='ver7'>",
        "<item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item>",
        "<item jid='mercutio@example.org' subscription='from'/>",
        "<item jid='benvolio@example.org' name='B &amp; V' subscription='none' ask='subscribe'/>",
        "</query></iq> \n\t \r\n",
        "<presence from='romeo@example.net/orchard' xml:lang='en'><show>away</show>",
        "<status>Out &lt;back&gt; soon</status><priority>1</priority></presence>",
        "<presence from=\"mercutio@example.org/x\" type=\"unavailable\" xml:lang=\"it\"/>  ",
        "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat' ",
        "id='m1' xml:lang='en'><body>Fish &amp; chips &lt;3 &#x263A; caf&#233;</body>",
        "<thread>e0ffe42b</thread></message>",
        " </stream:stream>",
    );

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
    async fn mismatched_end_tag_quotes_quick_xml() {
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
    async fn sec06_two_mib_text_exceeds_the_default_limit() {
        let (reader, served) = Generated::new(
            &format!("{HEADER}<message><body>"),
            b'a',
            2 * 1024 * 1024,
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
    async fn sec06_ten_mib_attribute_value_is_cut_off() {
        let (reader, served) =
            Generated::new(&format!("{HEADER}<message to='"), b'a', 10 << 20, "'/>");
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
        let mut reader =
            XmlReader::new(Chunked::new([both.clone().into()]), ReaderLimits::default());
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

    /// Not a gate, a measurement: `cargo test --release --lib
    /// xmpp::reader::tests::throughput -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore]
    async fn throughput() {
        let one_burst = &LOGIN_BURST[HEADER.len()..LOGIN_BURST.len() - " </stream:stream>".len()];
        let input = format!("{HEADER}{}</stream:stream>", one_burst.repeat(100_000));
        let chunks: Vec<Vec<u8>> = input
            .as_bytes()
            .chunks(16 * 1024)
            .map(<[u8]>::to_vec)
            .collect();
        let mut reader = XmlReader::new(Chunked::new(chunks), ReaderLimits::default());
        let started = std::time::Instant::now();
        let mut stanzas = 0;
        loop {
            match reader.next().await.unwrap() {
                StreamEvent::Stanza(_) => stanzas += 1,
                StreamEvent::Header(_) => {}
                StreamEvent::End => break,
            }
        }
        let elapsed = started.elapsed();
        println!(
            "{} MB, {stanzas} stanzas in {elapsed:?}: {:.0} MB/s",
            input.len() / 1_000_000,
            input.len() as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
}
