//! A raw external component (XEP-0114, `jabber:component:accept`) on Prosody's component port:
//! the room benchmark's 1,000 occupants are JIDs of its domain (`u{i}@bots.localhost/r`), all
//! served by this one connection.
//!
//! Like raw.rs it parses no XML. A reader task drains everything the server sends (a room of
//! 1,000 occupants sends the component every occupant's presence for every join, about half a
//! million stanzas while the room fills), keeps a short tail for the error messages and the
//! needle searches, and wakes whoever waits for a string ([`Component::expect`]), which is how
//! the answers to the component's own IQs are found. One connection's stanzas are handled by
//! Prosody in order, so the answer to an IQ sent after a batch means the batch was handled.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::oneshot;

use crate::raw::find;

/// How long the handshake and each awaited answer may take. The room's fill makes Prosody
/// route about half a million presences, so an answer queued behind them takes a while.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(240);
/// How much of the stream's tail the reader keeps (for the needles and the error messages).
const TAIL: usize = 1 << 16;

/// Who waits for which string, and what came after it.
#[derive(Default)]
struct Shared {
    waits: HashMap<String, oneshot::Sender<String>>,
    /// The last [`TAIL`] bytes read.
    tail: Vec<u8>,
    /// Bytes read since the handshake.
    bytes: u64,
    /// Set when the stream ended: the reason.
    closed: Option<String>,
}

pub struct Component {
    writer: Writer,
    shared: Arc<Mutex<Shared>>,
}

/// The sending half, shared: a flood is written from its own task while the runner polls.
pub type Writer = Arc<tokio::sync::Mutex<OwnedWriteHalf>>;

/// `sha1(stream id + secret)` in lower-case hex: the handshake (XEP-0114 §3).
pub fn handshake_digest(stream_id: &str, secret: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{stream_id}{secret}").as_bytes(),
    );
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of attribute `name` in the first start tag of `text` that has it.
fn header_attr(text: &str, name: &str) -> Option<String> {
    for quote in ['\'', '"'] {
        let key = format!(" {name}={quote}");
        if let Some(i) = text.find(&key) {
            let rest = &text[i + key.len()..];
            return rest.split(quote).next().map(str::to_owned);
        }
    }
    None
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl Component {
    /// Connects to the component port, authenticates as `domain` with `secret`.
    pub async fn connect(addr: SocketAddr, domain: &str, secret: &str) -> Result<Component> {
        // The harness waits for the client port; the component port may open a moment later.
        let mut attempt = 0;
        let mut tcp = loop {
            match TcpStream::connect(addr).await {
                Ok(tcp) => break tcp,
                Err(_) if attempt < 50 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("connecting to the component port {addr}"));
                }
            }
        };
        tcp.set_nodelay(true)?;
        tcp.write_all(
            format!(
                "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' \
                 xmlns:stream='http://etherx.jabber.org/streams' to='{domain}'>"
            )
            .as_bytes(),
        )
        .await?;
        let mut buf = Vec::new();
        let read_until = async |tcp: &mut TcpStream, buf: &mut Vec<u8>, needle: &str| {
            let mut chunk = [0u8; 4096];
            loop {
                if let Some(i) = find(buf, needle.as_bytes()) {
                    return Ok::<usize, anyhow::Error>(i);
                }
                let n = tcp.read(&mut chunk).await?;
                if n == 0 {
                    bail!(
                        "the server closed the component stream: {}",
                        String::from_utf8_lossy(buf)
                    );
                }
                buf.extend_from_slice(&chunk[..n]);
                if String::from_utf8_lossy(buf).contains("<stream:error") {
                    bail!("the server said: {}", String::from_utf8_lossy(buf));
                }
            }
        };
        let steps = async {
            let at = read_until(&mut tcp, &mut buf, "<stream:stream").await?;
            // The header ends at the first `>` after its name.
            loop {
                if buf[at..].contains(&b'>') {
                    break;
                }
                read_until(&mut tcp, &mut buf, ">").await?;
            }
            let text = String::from_utf8_lossy(&buf[at..]).into_owned();
            let header = &text[..text.find('>').unwrap_or(text.len())];
            let id = header_attr(header, "id")
                .with_context(|| format!("no stream id in the component header: {header}"))?;
            tcp.write_all(
                format!("<handshake>{}</handshake>", handshake_digest(&id, secret)).as_bytes(),
            )
            .await?;
            read_until(&mut tcp, &mut buf, "<handshake").await?;
            anyhow::Ok(())
        };
        tokio::time::timeout(ANSWER_TIMEOUT, steps)
            .await
            .context("timed out in the component handshake")??;
        let (mut reader, writer) = tcp.into_split();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        tokio::spawn(async move {
            let mut chunk = vec![0u8; 1 << 16];
            let reason = loop {
                match reader.read(&mut chunk).await {
                    Ok(0) => break "the server closed the component stream".to_owned(),
                    Ok(n) => {
                        let mut s = lock(&state);
                        s.bytes += n as u64;
                        let keep_from = s.tail.len().saturating_sub(TAIL);
                        s.tail.drain(..keep_from);
                        let searched_from = s.tail.len();
                        s.tail.extend_from_slice(&chunk[..n]);
                        if s.waits.is_empty() {
                            continue;
                        }
                        let found: Vec<(String, String)> = s
                            .waits
                            .keys()
                            .filter_map(|needle| {
                                let from = searched_from.saturating_sub(needle.len());
                                let at = from + find(&s.tail[from..], needle.as_bytes())?;
                                // The answer: from the start tag holding the needle, 2 KiB.
                                let start =
                                    s.tail[..at].iter().rposition(|&b| b == b'<').unwrap_or(at);
                                let end = (at + 2048).min(s.tail.len());
                                let text = String::from_utf8_lossy(&s.tail[start..end]);
                                Some((needle.clone(), text.into_owned()))
                            })
                            .collect();
                        for (needle, text) in found {
                            if let Some(tx) = s.waits.remove(&needle) {
                                let _ = tx.send(text);
                            }
                        }
                    }
                    Err(e) => break format!("reading the component stream: {e}"),
                }
            };
            let mut s = lock(&state);
            s.closed = Some(reason);
            s.waits.clear();
        });
        Ok(Component {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            shared,
        })
    }

    /// Registers a wait for `needle` in what arrives from now on; await the receiver after
    /// sending what it answers. It yields the text from the start tag holding the needle.
    pub fn expect(&self, needle: &str) -> oneshot::Receiver<String> {
        let (tx, rx) = oneshot::channel();
        lock(&self.shared).waits.insert(needle.to_owned(), tx);
        rx
    }

    /// Awaits what [`Component::expect`] registered.
    pub async fn answer(&self, rx: oneshot::Receiver<String>, what: &str) -> Result<String> {
        match tokio::time::timeout(ANSWER_TIMEOUT, rx).await {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(_)) => bail!(
                "{what}: {}",
                lock(&self.shared)
                    .closed
                    .clone()
                    .unwrap_or_else(|| "the reader stopped".into())
            ),
            Err(_) => bail!(
                "{what}: no answer within {ANSWER_TIMEOUT:?}; the stream's tail: {}",
                self.tail(2048)
            ),
        }
    }

    /// The last `n` bytes received, as text.
    pub fn tail(&self, n: usize) -> String {
        let s = lock(&self.shared);
        let from = s.tail.len().saturating_sub(n);
        String::from_utf8_lossy(&s.tail[from..]).into_owned()
    }

    /// Bytes received since the handshake.
    pub fn bytes(&self) -> u64 {
        lock(&self.shared).bytes
    }

    pub async fn send(&mut self, xml: &str) -> Result<()> {
        send(&self.writer, xml).await
    }

    /// The sending half, for a task of its own.
    pub fn writer(&self) -> Writer {
        self.writer.clone()
    }

    /// Sends an IQ (its `id` is `id`) and returns the answer's text; an error answer fails.
    pub async fn iq(&mut self, id: &str, xml: &str) -> Result<String> {
        let rx = self.expect(&format!("id='{id}'"));
        self.send(xml).await?;
        let text = self.answer(rx, &format!("IQ {id}")).await?;
        let tag = &text[..text.find('>').unwrap_or(text.len())];
        if tag.contains("type='error'") || !tag.starts_with("<iq") {
            bail!("IQ {id} failed: {text}");
        }
        Ok(text)
    }

    /// Waits until the server has handled everything sent before: a disco#info query from
    /// `from` to `to` (the room service), answered after the stanzas ahead of it.
    pub async fn sync(&mut self, from: &str, to: &str, id: &str) -> Result<()> {
        self.iq(
            id,
            &format!(
                "<iq type='get' from='{from}' to='{to}' id='{id}'>\
                 <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
            ),
        )
        .await
        .map(drop)
    }
}

/// Writes `xml` to the component stream.
pub async fn send(writer: &Writer, xml: &str) -> Result<()> {
    let mut w = writer.lock().await;
    w.write_all(xml.as_bytes()).await?;
    w.flush().await?;
    Ok(())
}
