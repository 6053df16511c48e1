//! The sending half of a stream: the stream header, stanzas, whitespace
//! keepalives and the closing tag, each written and flushed at once so that
//! nothing sits in a buffer while we wait for a reply.

use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt, WriteHalf};

use super::element::{Element, escape};
use super::error::Error;
use super::login::BoxStream;
use super::ns;
use super::settings::ConnectSettings;
use super::trace::{Direction as TraceDirection, XmlTrace};

/// How long a polite close may take before we just drop the socket.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Writes to the server. Generic so tests can use an in-memory pipe.
pub struct StreamWriter<W = WriteHalf<BoxStream>> {
    inner: W,
    closed: bool,
    trace: Option<XmlTrace>,
    /// How long one write may wait for the server to read; past it the
    /// link counts as dead.
    write_timeout: Option<Duration>,
}

impl<W: AsyncWrite + Unpin> StreamWriter<W> {
    pub fn new(inner: W) -> Self {
        StreamWriter {
            inner,
            closed: false,
            trace: None,
            write_timeout: None,
        }
    }

    /// Gives every write a deadline: a server that stops reading must not
    /// hold the session (and its keepalive and timers) forever.
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = Some(timeout);
        self
    }

    /// Records everything sent in the XML trace.
    pub fn with_trace(mut self, trace: Option<XmlTrace>) -> Self {
        self.trace = trace;
        self
    }

    /// Opens (or restarts) the stream (CORE-02, I18N-01). `from` is our bare
    /// JID, sent only once TLS protects it (RFC 6120 §4.7.1).
    pub async fn open(&mut self, settings: &ConnectSettings, encrypted: bool) -> Result<(), Error> {
        let from = if encrypted {
            format!(" from='{}'", escape(settings.jid.as_str()))
        } else {
            String::new()
        };
        let header = format!(
            "<?xml version='1.0'?><stream:stream to='{}'{from} version='1.0' xml:lang='{}' xmlns='{}' xmlns:stream='{}'>",
            escape(settings.domain()),
            escape(&settings.lang),
            ns::CLIENT,
            ns::STREAM,
        );
        self.send_raw(&header).await
    }

    /// Serialises and sends one stanza or negotiation element.
    pub async fn send(&mut self, element: &Element) -> Result<(), Error> {
        if let Some(trace) = &self.trace {
            trace.element(TraceDirection::Sent, element);
        }
        self.write(&element.to_xml()).await
    }

    /// Sends text as is; only for the header, close tag and whitespace.
    pub async fn send_raw(&mut self, text: &str) -> Result<(), Error> {
        if let Some(trace) = self.trace.as_ref().filter(|_| !text.trim().is_empty()) {
            trace.raw(TraceDirection::Sent, text);
        }
        self.write(text).await
    }

    async fn write(&mut self, text: &str) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Disconnected);
        }
        let inner = &mut self.inner;
        let write = async move {
            inner.write_all(text.as_bytes()).await?;
            inner.flush().await
        };
        let result = match self.write_timeout {
            Some(limit) => match tokio::time::timeout(limit, write).await {
                Ok(result) => result,
                Err(_) => {
                    // Part of the element may be on the wire: this stream
                    // cannot be used any more.
                    self.closed = true;
                    return Err(Error::Timeout(
                        "the server stopped reading what balcony sends",
                    ));
                }
            },
            None => write.await,
        };
        result?;
        Ok(())
    }

    /// A single space: the cheapest keepalive (CORE-25).
    pub async fn send_whitespace(&mut self) -> Result<(), Error> {
        self.send_raw(" ").await
    }

    /// Sends `</stream:stream>` and shuts down our side of the socket
    /// (CORE-26). Safe to call twice.
    pub async fn close(&mut self) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        let result = self.send_raw("</stream:stream>").await;
        self.closed = true;
        let _ = tokio::time::timeout(CLOSE_GRACE, self.inner.shutdown()).await;
        result
    }

    /// Best-effort goodbye after a failure: a stream error of our own when
    /// the server broke the rules (restricted XML, oversize stanza…), then
    /// the closing tag. Errors are ignored: the connection is going anyway.
    pub async fn fail(&mut self, error: &Error) {
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            if let Some((xml, condition)) = match error {
                Error::Xml(xml) => xml.stream_condition().map(|c| (xml, c)),
                _ => None,
            } {
                {
                    let stream_error = super::error::StreamError {
                        condition: super::error::StreamCondition::parse(condition),
                        text: Some(xml.to_string()),
                        see_other_host: None,
                    };
                    let _ = self.send(&stream_error.to_element()).await;
                }
            }
            let _ = self.close().await;
        })
        .await;
    }

    /// The underlying writer, for STARTTLS.
    pub fn into_inner(self) -> W {
        self.inner
    }
}
