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
//!
//! This module holds the public types, the limits, and the buffering between
//! the transport and the tree. The jobs below it:
//! - `tree`: tokens to elements (namespace scopes, open elements, the stream
//!   header, the per-stanza caps);
//! - `tag`: the syntax of a start tag (QNames and the attribute list);
//! - `decode`: character data and attribute values as the application sees
//!   them (line ends, references, characters XML cannot carry).

use std::fmt;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::element::Element;
use super::lexer::Lexer;
use super::ns;

mod decode;
pub mod fragment;
mod tag;
mod tree;

use tree::{Phase, Step, Tree};

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

/// Shortens peer-controlled text quoted in error messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
