//! The inbound half of the XML stream (RFC 6120 §4): turns the bytes of one
//! endless `<stream:stream>` document into a [`StreamHeader`], one owned
//! [`Element`] per top-level child, and the closing tag. It owns the
//! hardening of SEC-06 (restricted XML, RFC 6120 §11.1; size and depth caps)
//! and the mapping of parse failures to stream error conditions. It does no
//! I/O of its own beyond reading, knows nothing about stanza semantics, and
//! must not import anything outside `crate::xmpp`. Stanza decoding belongs
//! in the stanza modules, writing in the writer.
//!
//! Design: the lexer (`super::lexer`) cuts the buffered bytes into tokens and the
//! `Tree` turns them into elements. Every limit is checked against the
//! bytes already buffered before the next read, so no buffer grows past the
//! stanza limit plus one read chunk.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::Range;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::element::{Element, Namespace, Text};
use super::lexer::{Lexer, Token, is_xml_space};
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

/// At most this many elements in one stanza, so a stanza of tiny elements
/// cannot turn the byte cap into a tree many times its size (a roster
/// result of 100,000 contacts with three groups each has 400,000).
pub const MAX_ELEMENTS: usize = 500_000;
/// Longest element name, attribute name or namespace URI accepted: real
/// ones are a few dozen bytes.
pub const MAX_NAME_BYTES: usize = 1024;

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
            // A roster result carries the whole roster in one stanza: about
            // 120 bytes a contact, so 16 MiB leaves room for the 100,000
            // contacts the store accepts.
            max_stanza_bytes: 16 * 1024 * 1024,
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
    #[error("the server sent a stanza with more than {limit} elements")]
    TooManyElements { limit: usize },
    #[error("the server sent an element, attribute or namespace name longer than {limit} bytes")]
    NameTooLong { limit: usize },
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
            | XmlError::TooManyAttributes { .. }
            | XmlError::TooManyElements { .. }
            | XmlError::NameTooLong { .. } => Some("policy-violation"),
            XmlError::BadFormat(_) => Some("bad-format"),
        }
    }
}

/// Returned by [`XmlReader::into_inner`] when the reader holds bytes the
/// peer sent after the last event, so they are not silently dropped. After
/// `<proceed/>` this is a STARTTLS injection attempt (plaintext that would be
/// taken as coming from inside TLS): drop the connection.
pub struct Unread<R> {
    bytes: Vec<u8>,
    inner: R,
}

impl<R> Unread<R> {
    /// The bytes read from the transport but not parsed.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The unread bytes and the transport they came from.
    pub fn into_parts(self) -> (Vec<u8>, R) {
        (self.bytes, self.inner)
    }
}

impl<R> fmt::Debug for Unread<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unread")
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl<R> fmt::Display for Unread<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server sent {} bytes past the last stanza before the stream was handed over",
            self.bytes.len()
        )
    }
}

impl<R> std::error::Error for Unread<R> {}

/// Gives a stanza without its own `xml:lang` the stream's language, so
/// that whoever reads the stanza picks texts by it (I18N-02, I18N-03). Only
/// `jabber:client` stanzas: negotiation elements carry no human text.
pub fn inherit_lang(element: &mut Element, stream_lang: Option<&str>) {
    if let Some(lang) = stream_lang
        && element.ns() == ns::CLIENT
        && element.attr("xml:lang").is_none()
    {
        element.set_attr("xml:lang", lang);
    }
}

/// Reads one XMPP stream. Create a new reader (or call
/// [`XmlReader::restart`]) for each stream restart.
///
/// Design: each read is checked as UTF-8 once and appended to one text
/// buffer, and every complete token in it is turned into tree updates
/// before the next read; only a token cut off by the end of a read waits
/// (and is moved to the front of the buffer). Tokens borrow from the
/// buffer, so nothing is copied or re-checked on the way from the socket to
/// the element tree.
pub struct XmlReader<R> {
    inner: R,
    /// Where reads land. Its first `carry` bytes are the start of a UTF-8
    /// sequence the previous read cut off.
    scratch: Vec<u8>,
    carry: usize,
    /// Checked input; `text[start..]` is not parsed yet.
    text: String,
    start: usize,
    /// The bytes after `text` are not UTF-8: once `text` is used up, the
    /// stream is not well-formed.
    invalid: bool,
    eof: bool,
    lexer: Lexer,
    /// Bytes of the current top-level item already parsed (SEC-06 cap).
    spent: usize,
    limits: ReaderLimits,
    tree: Tree,
    failed: bool,
}

impl<R: AsyncRead + Unpin> XmlReader<R> {
    pub fn new(inner: R, limits: ReaderLimits) -> Self {
        Self::with_buffer(inner, Unparsed::default(), limits)
    }

    fn with_buffer(inner: R, unparsed: Unparsed, limits: ReaderLimits) -> Self {
        let mut scratch = vec![0; READ_CHUNK + 4];
        scratch[..unparsed.carry.len()].copy_from_slice(&unparsed.carry);
        XmlReader {
            inner,
            scratch,
            carry: unparsed.carry.len(),
            text: unparsed.text,
            start: 0,
            invalid: unparsed.invalid,
            eof: false,
            lexer: Lexer::default(),
            spent: 0,
            limits,
            tree: Tree::default(),
            failed: false,
        }
    }

    /// The `xml:lang` of the stream header read so far: the language of
    /// every stanza that does not name its own (XML 1.0 §2.12; I18N-02,
    /// I18N-03). Stanzas are handed out as sent; [`inherit_lang`] applies it.
    pub fn stream_lang(&self) -> Option<&str> {
        self.tree.lang.as_deref()
    }

    /// What was read but not parsed, for a reader that takes over.
    fn unparsed(&self) -> Unparsed {
        Unparsed {
            text: self.text[self.start..].to_owned(),
            carry: self.scratch[..self.carry].to_vec(),
            invalid: self.invalid,
        }
    }

    /// Reads until the next [`StreamEvent`].
    ///
    /// After `End`, further calls return `End` without reading. After an
    /// error the stream is dead and further calls return `Closed`.
    ///
    /// Cancel-safe: everything parsed so far is kept in the reader, and a
    /// cancelled read has consumed nothing.
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
            if let Some(event) = self.parse_buffered()? {
                return Ok(event);
            }
            if self.invalid {
                return Err(XmlError::NotWellFormed(
                    "the server sent bytes that are not UTF-8".into(),
                ));
            }
            if self.eof {
                return Err(self.at_eof());
            }
            self.fill().await?;
        }
    }

    /// Feeds every complete token in the buffer to the tree, up to the next
    /// event.
    fn parse_buffered(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        loop {
            let input = self.text.get(self.start..).unwrap_or_default();
            let Some((token, len)) = self.lexer.next(input)? else {
                return Ok(None);
            };
            self.start += len;
            self.spent += len;
            if self.spent > self.limits.max_stanza_bytes {
                return Err(self.too_large());
            }
            match self.tree.handle(token, &self.limits)? {
                Step::Continue => {}
                Step::Boundary => self.spent = 0,
                Step::Emit(event) => {
                    self.spent = 0;
                    return Ok(Some(event));
                }
            }
        }
    }

    /// The stream ended inside a token, or between tokens without
    /// `</stream:stream>`.
    fn at_eof(&mut self) -> XmlError {
        let rest = self.text.get(self.start..).unwrap_or_default();
        if !self.tree.stack.is_empty() || self.carry > 0 {
            return XmlError::Closed;
        }
        // Text between stanzas is still judged, as stray or as a keepalive.
        match Lexer::trailing_text(rest) {
            Some(token) => match self.tree.handle(token, &self.limits) {
                Ok(_) => XmlError::Closed,
                Err(error) => error,
            },
            None => XmlError::Closed,
        }
    }

    /// Reads once from the transport, after moving the unparsed tail to the
    /// front of the buffer, and appends what is valid UTF-8.
    async fn fill(&mut self) -> Result<(), XmlError> {
        let pending = self.text.len() - self.start + self.carry;
        if self.spent + pending > self.limits.max_stanza_bytes {
            return Err(self.too_large());
        }
        self.text.drain(..self.start);
        self.start = 0;
        if self.text.capacity() > KEEP_BUFFER && self.text.len() < READ_CHUNK {
            // One large stanza does not pin a megabyte for the session.
            self.text.shrink_to(2 * READ_CHUNK);
        }
        let window = &mut self.scratch[self.carry..self.carry + READ_CHUNK];
        let n = self.inner.read(window).await?;
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        let read = &self.scratch[..self.carry + n];
        match std::str::from_utf8(read) {
            Ok(text) => {
                self.text.push_str(text);
                self.carry = 0;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                self.text
                    .push_str(std::str::from_utf8(&read[..valid]).unwrap_or_default());
                if error.error_len().is_some() {
                    self.invalid = true;
                    self.carry = 0;
                } else {
                    // A sequence cut off by the end of the read.
                    let end = self.carry + n;
                    self.scratch.copy_within(valid..end, 0);
                    self.carry = end - valid;
                }
            }
        }
        Ok(())
    }

    fn too_large(&self) -> XmlError {
        XmlError::StanzaTooLarge {
            limit: self.limits.max_stanza_bytes,
        }
    }

    /// Starts reading a new stream on the same transport (RFC 6120 §4.3.3,
    /// after SASL success), keeping any bytes already buffered.
    pub fn restart(self) -> Self {
        let unparsed = self.unparsed();
        Self::with_buffer(self.inner, unparsed, self.limits)
    }

    /// The transport, for handing to TLS after `<proceed/>` or to a fresh
    /// reader after a restart. Fails with [`Unread`] (which still holds every
    /// byte) when the peer sent data past the last event, because those
    /// bytes would otherwise be lost. In practice the server sends nothing
    /// after `<proceed/>` or `<success/>` until we speak again.
    pub fn into_inner(self) -> Result<R, Unread<R>> {
        let bytes = self.buffered();
        if bytes.is_empty() && !self.invalid {
            Ok(self.inner)
        } else {
            Err(Unread {
                bytes,
                inner: self.inner,
            })
        }
    }

    /// Bytes buffered from the transport but not yet parsed (without any
    /// that were not UTF-8).
    pub fn buffered(&self) -> Vec<u8> {
        let mut bytes = self.text.as_bytes()[self.start..].to_vec();
        bytes.extend_from_slice(&self.scratch[..self.carry]);
        bytes
    }
}

/// Input one reader hands to the next at a stream restart.
#[derive(Default)]
struct Unparsed {
    text: String,
    carry: Vec<u8>,
    invalid: bool,
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
    prefixes: HashMap<String, Vec<Namespace>>,
    /// Prefixes declared by the open elements, innermost last.
    declared: Vec<String>,
    /// Default namespaces, innermost last.
    defaults: Vec<Namespace>,
    /// Character data not yet attached to `stack.last()`; adjacent text,
    /// references and CDATA merge here into one node.
    text: String,
    /// The qualified names of the open elements, root first, concatenated;
    /// `name_ends` marks where each ends. End tags must match them.
    names: String,
    name_ends: Vec<usize>,
    /// Scratch space for the attributes of the tag being opened.
    attribute_spans: Vec<RawAttribute>,
    /// Elements in the stanza being read ([`MAX_ELEMENTS`]).
    elements: usize,
    /// The stream header's `xml:lang`: the language of every stanza that
    /// does not name its own (XML 1.0 §2.12; I18N-02, I18N-03).
    lang: Option<String>,
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
            names: String::new(),
            name_ends: Vec::new(),
            attribute_spans: Vec::new(),
            elements: 0,
            lang: None,
        }
    }
}

impl Tree {
    fn handle(&mut self, token: Token<'_>, limits: &ReaderLimits) -> Result<Step, XmlError> {
        match token {
            Token::Start { name, attrs, empty } => self.start(name, attrs, limits, empty),
            Token::End { name } => self.end(name),
            Token::Text(text) => self.chars(text, Mode::Text),
            Token::CData(data) => self.chars(data, Mode::CData),
            Token::Decl => match self.phase {
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
            Token::Comment => Err(XmlError::Restricted(
                "the server sent a comment, which XMPP forbids (restricted-xml)".into(),
            )),
            Token::Pi { target } => Err(XmlError::Restricted(format!(
                "the server sent a processing instruction (<?{}?>), which XMPP forbids \
                 (restricted-xml)",
                excerpt(target)
            ))),
            Token::DocType => Err(XmlError::Restricted(
                "the server sent a DTD (<!DOCTYPE>), which XMPP forbids (restricted-xml)".into(),
            )),
        }
    }

    fn start(
        &mut self,
        name: &str,
        attrs: &str,
        limits: &ReaderLimits,
        empty: bool,
    ) -> Result<Step, XmlError> {
        match self.phase {
            Phase::Prolog { .. } => self.header(name, attrs, empty),
            Phase::Open => {
                if self.stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                self.elements += 1;
                if self.elements > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements {
                        limit: MAX_ELEMENTS,
                    });
                }
                self.flush_text();
                let element = self.open(name, attrs)?;
                if empty {
                    self.close_scope();
                    Ok(self.attach(element))
                } else {
                    self.stack.push(element);
                    self.push_name(name);
                    Ok(Step::Continue)
                }
            }
            Phase::EmptyRoot | Phase::Ended => Err(content_after_end()),
        }
    }

    fn header(&mut self, name: &str, attrs: &str, empty: bool) -> Result<Step, XmlError> {
        let mut root = self.open(name, attrs)?;
        self.push_name(name);
        if !root.is("stream", ns::STREAM) {
            return Err(XmlError::InvalidNamespace(format!(
                "the stream root is <{}> in namespace '{}', expected <stream> in '{}'",
                excerpt(name),
                excerpt(root.ns()),
                ns::STREAM
            )));
        }
        // RFC 6120 §4.8.2: the content namespace of a client stream.
        match self.defaults.last() {
            None => self.defaults.push(Namespace::from(ns::CLIENT)),
            Some(default) if default.as_str() == ns::CLIENT => {}
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
        self.lang = header.lang.clone();
        // The root's scope stays open for the whole stream.
        self.phase = if empty { Phase::EmptyRoot } else { Phase::Open };
        Ok(Step::Emit(StreamEvent::Header(header)))
    }

    fn end(&mut self, name: &str) -> Result<Step, XmlError> {
        if self.phase == Phase::Open {
            self.pop_name(name)?;
        }
        match self.phase {
            Phase::Open => match self.stack.pop() {
                Some(mut element) => {
                    if !self.text.is_empty() {
                        // Copied, not moved: short text is stored inline and
                        // the scratch buffer keeps its capacity.
                        element.push_text(self.text.as_str());
                        self.text.clear();
                    }
                    self.close_scope();
                    Ok(self.attach(element))
                }
                None => {
                    self.phase = Phase::Ended;
                    Ok(Step::Emit(StreamEvent::End))
                }
            },
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
            // A byte-order mark before the header arrives as text.
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

    fn push_name(&mut self, name: &str) {
        self.names.push_str(name);
        self.name_ends.push(self.names.len());
    }

    /// Closes the innermost open name, which must be `name` (XML 1.0 §3,
    /// element type match).
    fn pop_name(&mut self, name: &str) -> Result<(), XmlError> {
        let Some(&end) = self.name_ends.last() else {
            return Err(XmlError::NotWellFormed(format!(
                "the end tag </{}> closes nothing",
                excerpt(name)
            )));
        };
        let start = match self.name_ends.len() {
            1 => 0,
            n => self.name_ends[n - 2],
        };
        let open = &self.names[start..end];
        if open != name {
            return Err(XmlError::NotWellFormed(format!(
                "expected </{}>, found </{}>",
                excerpt(open),
                excerpt(name)
            )));
        }
        self.names.truncate(start);
        self.name_ends.pop();
        Ok(())
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
        if let Some(parent) = self.stack.last_mut() {
            parent.push_text(self.text.as_str());
        }
        self.text.clear();
    }

    fn attach(&mut self, element: Element) -> Step {
        match self.stack.last_mut() {
            Some(parent) => {
                parent.push_child(element);
                Step::Continue
            }
            None => {
                self.elements = 0;
                Step::Emit(StreamEvent::Stanza(element))
            }
        }
    }

    /// Opens the namespace scope of `start` and builds its element, without
    /// children. The caller closes the scope when the element ends.
    fn open(&mut self, qname: &str, attrs: &str) -> Result<Element, XmlError> {
        if qname.len() > MAX_NAME_BYTES {
            return Err(XmlError::NameTooLong {
                limit: MAX_NAME_BYTES,
            });
        }
        let (prefix, local) = split_qname(qname)?;
        // One pass over the raw attributes, kept as offsets into `attrs`:
        // declarations may follow the attributes they bind, so they are
        // applied before any prefix is resolved.
        let mut spans = std::mem::take(&mut self.attribute_spans);
        spans.clear();
        let mut declarations = false;
        each_attribute(qname, attrs, |attribute| {
            let name = &attrs[attribute.name.clone()];
            // A namespace URI is a name too: every element in it keeps one.
            let is_declaration = name.starts_with("xmlns");
            if name.len() > MAX_NAME_BYTES
                || (is_declaration && attribute.value.len() > MAX_NAME_BYTES)
            {
                return Err(XmlError::NameTooLong {
                    limit: MAX_NAME_BYTES,
                });
            }
            declarations |= is_declaration;
            spans.push(attribute);
            Ok(())
        })?;
        let mut frame = Frame {
            declared: 0,
            pushed_default: false,
        };
        if declarations {
            for attribute in &spans {
                let key = &attrs[attribute.name.clone()];
                let raw = &attrs[attribute.value.clone()];
                if key == "xmlns" {
                    let uri = decode_attribute(raw, attribute.plain)?;
                    if frame.pushed_default {
                        return Err(duplicate_attribute(qname));
                    }
                    if uri == ns::XML || uri == NS_XMLNS {
                        return Err(reserved_namespace(&uri));
                    }
                    self.defaults.push(Namespace::intern(&uri));
                    frame.pushed_default = true;
                } else if let Some(declared) = key.strip_prefix("xmlns:") {
                    self.declare(
                        declared,
                        decode_attribute(raw, attribute.plain)?,
                        &mut frame,
                    )?;
                }
            }
        }
        // From here the declarations are undone by `close_scope`. An error
        // in between leaves them dangling, which is harmless: every error
        // ends the stream.
        self.frames.push(frame);
        let mut element = Element::new(local, self.resolve(prefix)?);
        // Raw lengths bound the decoded ones: one allocation holds the whole tag.
        element.reserve_attr_bytes(spans.iter().map(|a| a.name.len() + a.value.len() + 2).sum());
        for (index, attribute) in spans.iter().enumerate() {
            let key = &attrs[attribute.name.clone()];
            if declarations && (key == "xmlns" || key.starts_with("xmlns:")) {
                continue;
            }
            if let Some(colon) = attribute.colon {
                self.resolve(Some(&key[..colon]))?;
            }
            // Names hold no references, so raw names compare as read.
            if spans[..index].iter().any(|a| &attrs[a.name.clone()] == key) {
                return Err(duplicate_attribute(qname));
            }
            let raw = &attrs[attribute.value.clone()];
            if attribute.plain {
                element.push_parsed_attr(key, raw);
            } else {
                element.push_parsed_attr(key, &decode_attribute(raw, false)?);
            }
        }
        self.attribute_spans = spans;
        Ok(element)
    }

    fn declare(&mut self, prefix: &str, uri: Text, frame: &mut Frame) -> Result<(), XmlError> {
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
            .push(Namespace::intern(&uri));
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

    fn resolve(&self, prefix: Option<&str>) -> Result<Namespace, XmlError> {
        match prefix {
            None => Ok(self.defaults.last().cloned().unwrap_or(Namespace::from(""))),
            Some("xml") => Ok(Namespace::from(ns::XML)),
            Some(prefix) => self
                .prefixes
                .get(prefix)
                .and_then(|uris| uris.last())
                .cloned()
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

/// One attribute of a start tag, as offsets into the tag's raw attribute
/// text.
#[derive(Clone, Debug)]
struct RawAttribute {
    name: Range<usize>,
    /// Where the prefix ends, for `prefix:local`.
    colon: Option<usize>,
    value: Range<usize>,
    /// The value needs no decoding: no reference, control character, `<`
    /// or 0xEF byte.
    plain: bool,
}

/// Calls `visit` with each attribute in `attrs` (the raw text of a start
/// tag after its name), enforcing [`MAX_ATTRIBUTES`], the attribute syntax
/// of XML 1.0 §3.1 (whitespace before each attribute, `=`, a quoted value)
/// and valid QNames. One pass, one table load per byte.
fn each_attribute(
    element: &str,
    attrs: &str,
    mut visit: impl FnMut(RawAttribute) -> Result<(), XmlError>,
) -> Result<(), XmlError> {
    let bytes = attrs.as_bytes();
    let bad = |what: &str| {
        XmlError::NotWellFormed(format!("bad attribute in <{}>: {what}", excerpt(element)))
    };
    let skip_space = |mut i: usize| {
        while i < bytes.len() && is_xml_space(bytes[i]) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    let mut count = 0;
    loop {
        let gap = i;
        i = skip_space(i);
        if i == bytes.len() {
            return Ok(());
        }
        if i == gap {
            return Err(bad("no whitespace before an attribute"));
        }
        if count >= MAX_ATTRIBUTES {
            return Err(XmlError::TooManyAttributes {
                limit: MAX_ATTRIBUTES,
            });
        }
        count += 1;
        let name_start = i;
        let mut colon = None;
        let mut segment_start = i;
        while i < bytes.len() {
            let b = bytes[i];
            let class = NAME_BYTES[usize::from(b)];
            if class == NAME_START || (class == NAME_CHAR && i != segment_start) {
                i += 1;
            } else if b == b':' && colon.is_none() && i != segment_start {
                colon = Some(i - name_start);
                i += 1;
                segment_start = i;
            } else {
                break;
            }
        }
        let name = name_start..i;
        if i == segment_start {
            // Empty, or ends with the colon.
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b'=' || is_xml_space(b))
                .map_or(bytes.len(), |n| i + n);
            return Err(bad_name(&attrs[name_start..end]));
        }
        i = skip_space(i);
        if bytes.get(i) != Some(&b'=') {
            return Err(match bytes.get(i) {
                Some(&b) if !is_xml_space(b) && b != b'\'' && b != b'"' && b != b'/' => {
                    let end = bytes[i..]
                        .iter()
                        .position(|&b| b == b'=' || is_xml_space(b))
                        .map_or(bytes.len(), |n| i + n);
                    bad_name(&attrs[name_start..end])
                }
                _ => bad(&format!("`{}` has no value", excerpt(&attrs[name]))),
            });
        }
        i = skip_space(i + 1);
        let quote = match bytes.get(i) {
            Some(&q) if q == b'\'' || q == b'"' => q,
            _ => {
                return Err(bad(&format!(
                    "the value of `{}` is not quoted",
                    excerpt(&attrs[name])
                )));
            }
        };
        let value_start = i + 1;
        let Some(len) = memchr::memchr(quote, &bytes[value_start..]) else {
            return Err(bad(&format!(
                "the value of `{}` is not closed",
                excerpt(&attrs[name])
            )));
        };
        let value = value_start..value_start + len;
        let plain = first_special(&bytes[value.clone()], Mode::Attribute).is_none();
        i = value.end + 1;
        visit(RawAttribute {
            name,
            colon,
            value,
            plain,
        })?;
    }
}

fn decode_attribute(raw: &str, plain: bool) -> Result<Text, XmlError> {
    // Most values need no decoding; a short one is then stored inline.
    if plain {
        return Ok(Text::from(raw));
    }
    let mut value = String::with_capacity(raw.len());
    decode_into(raw, Mode::Attribute, &mut value)?;
    Ok(Text::from(value))
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
    let mut segment_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let class = NAME_BYTES[usize::from(b)];
        if class == NAME_START || (class == NAME_CHAR && i != segment_start) {
            continue;
        }
        if b == b':' && colon.is_none() && i != segment_start {
            colon = Some(i);
            segment_start = i + 1;
            continue;
        }
        return Err(bad_name(name));
    }
    if segment_start == bytes.len() {
        // Empty, or ends with the colon.
        return Err(bad_name(name));
    }
    Ok(match colon {
        Some(i) => (Some(&name[..i]), &name[i + 1..]),
        None => (None, name),
    })
}

const NAME_OTHER: u8 = 0;
const NAME_START: u8 = 1;
/// Allowed in a name, but not first.
const NAME_CHAR: u8 = 2;

/// What each byte may be in a name: ASCII exactly as XML 1.0 says, any
/// non-ASCII byte accepted. One load per byte.
static NAME_BYTES: [u8; 256] = {
    let mut table = [NAME_OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80 {
            NAME_START
        } else if byte.is_ascii_digit() || byte == b'-' || byte == b'.' {
            NAME_CHAR
        } else {
            NAME_OTHER
        };
        b += 1;
    }
    table
};

fn bad_name(name: &str) -> XmlError {
    XmlError::NotWellFormed(format!(
        "`{}` is not a valid element or attribute name",
        excerpt(name)
    ))
}

/// A name without colons.
fn is_ncname(name: &str) -> bool {
    matches!(split_qname(name), Ok((None, _)))
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
    /// Character data: references are resolved here.
    Text,
    /// CDATA content: `&` and `<` are literal.
    CData,
    /// A raw attribute value: references are resolved here.
    Attribute,
}

/// Bytes `decode_into` must stop at: controls and line ends (except the ones
/// character data keeps as they are), 0xEF (which leads U+FFFE and U+FFFF),
/// `&` outside CDATA, and in attribute values `<`. A table keeps the scan of
/// every text byte to one load.
const fn special_bytes(mode: Mode) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[0xEF] = true;
    match mode {
        Mode::Attribute => {
            table[b'&' as usize] = true;
            table[b'<' as usize] = true;
        }
        Mode::Text | Mode::CData => {
            table[b'\t' as usize] = false;
            table[b'\n' as usize] = false;
            table[b'&' as usize] = matches!(mode, Mode::Text);
        }
    }
    table
}

static TEXT_SPECIAL: [bool; 256] = special_bytes(Mode::Text);
static CDATA_SPECIAL: [bool; 256] = special_bytes(Mode::CData);
static ATTRIBUTE_SPECIAL: [bool; 256] = special_bytes(Mode::Attribute);

/// Appends `raw` to `out` as the application sees it: line ends normalised
/// (XML 1.0 §2.11), attribute whitespace normalised (§3.3.3), references
/// resolved, and characters XML cannot carry rejected.
fn decode_into(raw: &str, mode: Mode, out: &mut String) -> Result<(), XmlError> {
    let bytes = raw.as_bytes();
    let Some(first) = first_special(bytes, mode) else {
        out.push_str(raw);
        return Ok(());
    };
    out.reserve(raw.len());
    let mut run = 0;
    let mut i = first;
    // `i` is always at a special byte: ASCII or a UTF-8 lead byte, so a
    // char boundary.
    while let Some(&b) = bytes.get(i) {
        out.push_str(&raw[run..i]);
        match b {
            b'\t' | b'\n' => {
                out.push(' ');
                i += 1;
                run = i;
            }
            b'\r' => {
                out.push(if mode == Mode::Attribute { ' ' } else { '\n' });
                i += 1;
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
                run = i;
            }
            b'&' => {
                let Some(len) = raw[i..].find(';') else {
                    return Err(XmlError::NotWellFormed(
                        "a reference (`&`) lacks its `;`".into(),
                    ));
                };
                resolve_reference(&raw[i + 1..i + len], out)?;
                i += len + 1;
                run = i;
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
            }
            control => {
                return Err(XmlError::NotWellFormed(format!(
                    "the control character U+{control:04X}, which XML does not allow"
                )));
            }
        }
        match first_special(&bytes[i.min(bytes.len())..], mode) {
            Some(next) => i += next,
            None => break,
        }
    }
    out.push_str(&raw[run..]);
    Ok(())
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Marks (with a high bit) the zero bytes of `word`, and possibly bytes
/// after one: a hint, checked byte by byte.
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGH_BITS
}

/// The first byte of `bytes` that `decode_into` must look at in `mode`.
/// Eight bytes are tested at a time for the few values that can be special
/// (controls, `&`, `<`, 0xEF); only a word with a hit is checked against
/// the exact table, so plain text costs a few instructions per word.
fn first_special(bytes: &[u8], mode: Mode) -> Option<usize> {
    let table = match mode {
        Mode::Attribute => &ATTRIBUTE_SPECIAL,
        Mode::Text => &TEXT_SPECIAL,
        Mode::CData => &CDATA_SPECIAL,
    };
    let exact = |chunk: &[u8]| chunk.iter().position(|&b| table[usize::from(b)]);
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(chunk).map(u64::from_le_bytes) else {
            break;
        };
        // Bytes below 0x20 (for ASCII bytes the formula is exact).
        let mut hint = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS;
        hint |= zero_bytes(word ^ (ONES * 0xEF));
        if mode != Mode::CData {
            hint |= zero_bytes(word ^ (ONES * u64::from(b'&')));
        }
        if mode == Mode::Attribute {
            hint |= zero_bytes(word ^ (ONES * u64::from(b'<')));
        }
        if hint != 0
            && let Some(at) = exact(chunk)
        {
            return Some(offset + at);
        }
        offset += 8;
    }
    exact(chunks.remainder()).map(|at| offset + at)
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
    use crate::xmpp::stanza::message::Message;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};
    use tokio::io::ReadBuf;

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
        let (reader, served) =
            Generated::new(&format!("{HEADER}<message to='"), b'a', 20 << 20, "'/>");
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

    /// The word-at-a-time scan finds exactly what a byte-by-byte scan of
    /// the table finds, at every alignment and for every special byte.
    #[test]
    fn first_special_agrees_with_the_table() {
        let alphabet: &[u8] = b"ab<&;\t\n\r\x01\x1f \xef\xbf\xbe\xc3\xa9~";
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Mostly plain bytes, so specials land anywhere.
                        if seed.is_multiple_of(4) {
                            alphabet[(seed >> 8) as usize % alphabet.len()]
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                for (mode, table) in [
                    (Mode::Text, &TEXT_SPECIAL),
                    (Mode::CData, &CDATA_SPECIAL),
                    (Mode::Attribute, &ATTRIBUTE_SPECIAL),
                ] {
                    let expected = bytes.iter().position(|&b| table[usize::from(b)]);
                    assert_eq!(first_special(&bytes, mode), expected, "{bytes:?}");
                }
            }
        }
    }

    /// Not a gate, a measurement: `cargo test --release --lib
    /// xmpp::reader::tests::throughput -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore]
    async fn throughput() {
        let one_burst = &LOGIN_BURST[HEADER.len()..LOGIN_BURST.len() - " </stream:stream>".len()];
        let repeat = std::env::var("THROUGHPUT_REPEAT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        // THROUGHPUT_FILE: a whole stream document, parsed `repeat` times.
        let (input, passes) = match std::env::var("THROUGHPUT_FILE") {
            Ok(path) => (std::fs::read_to_string(path).unwrap(), repeat),
            Err(_) => (
                format!("{HEADER}{}</stream:stream>", one_burst.repeat(repeat)),
                1,
            ),
        };
        let chunks: Vec<Vec<u8>> = input
            .as_bytes()
            .chunks(16 * 1024)
            .map(<[u8]>::to_vec)
            .collect();
        let mut elapsed = std::time::Duration::ZERO;
        let mut stanzas = 0;
        for _ in 0..passes {
            let mut reader = XmlReader::new(Chunked::new(chunks.clone()), ReaderLimits::default());
            let started = std::time::Instant::now();
            loop {
                match reader.next().await.unwrap() {
                    StreamEvent::Stanza(_) => stanzas += 1,
                    StreamEvent::Header(_) => {}
                    StreamEvent::End => break,
                }
            }
            elapsed += started.elapsed();
        }
        let input = input.repeat(passes);
        println!(
            "{} MB, {stanzas} stanzas in {elapsed:?}: {:.0} MB/s",
            input.len() / 1_000_000,
            input.len() as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
}
