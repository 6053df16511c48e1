//! Tests of the XML stream reader. This module holds the test transports
//! (chunked, stalling, generated) and the shared fixtures; `stream` covers
//! well-formed streams, namespaces, text and restarts, `hardening` the
//! restricted-XML rules, malformed input and the SEC-06 caps.

mod hardening;
mod stream;

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
