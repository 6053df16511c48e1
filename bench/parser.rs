//! The XML stream reader on traffic recorded from Prosody with balcony's
//! XML trace, reported as throughput. Each recording is a whole stream
//! document, fed from memory in 16 KiB reads (one TLS record each), as
//! the session's TLS stream would hand it over. Run: `cargo bench --bench
//! parser`.

use std::hint::black_box;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use balcony::xmpp::reader::{ReaderLimits, StreamEvent, XmlReader};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::events::Event;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::runtime::Runtime;

/// Most bytes one read returns: a full TLS record.
const READ: usize = 16 * 1024;

/// The recordings, with the fewest roster items and messages each must
/// hold, so a truncated or wrong file cannot pass for one.
const RECORDINGS: &[(&str, Survey)] = &[
    (
        "login-burst-5000",
        Survey {
            stanzas: 1,
            roster_items: 5_000,
            messages: 0,
        },
    ),
    (
        "flood-10000",
        Survey {
            stanzas: 10_000,
            roster_items: 0,
            messages: 10_000,
        },
    ),
];

/// What a recording holds, counted by another parser.
#[derive(Debug, Default)]
struct Survey {
    /// Top-level stanzas: what the reader must emit.
    stanzas: usize,
    /// `<item/>`s in roster results.
    roster_items: usize,
    messages: usize,
}

/// A transport that has the whole input ready and hands it over in
/// TLS-record-sized reads.
struct Recorded<'a> {
    rest: &'a [u8],
}

impl AsyncRead for Recorded<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.rest.len().min(READ).min(buf.remaining());
        let (chunk, rest) = self.rest.split_at(n);
        buf.put_slice(chunk);
        self.rest = rest;
        Poll::Ready(Ok(()))
    }
}

/// Reads the whole stream; returns how many stanzas it held. Panics on a
/// parse error, so an error path is never what gets measured.
async fn read_stream(input: &[u8]) -> usize {
    let mut reader = XmlReader::new(Recorded { rest: input }, ReaderLimits::default());
    let mut stanzas = 0;
    loop {
        match reader.next().await.expect("the recording parses") {
            StreamEvent::Header(header) => {
                black_box(header);
            }
            StreamEvent::Stanza(element) => {
                stanzas += 1;
                black_box(element);
            }
            StreamEvent::End => return stanzas,
        }
    }
}

fn survey(input: &[u8]) -> Survey {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut survey = Survey::default();
    let mut depth = 0;
    loop {
        let event = reader.read_event().expect("the recording is XML");
        let (name, opens) = match &event {
            Event::Start(e) => (e.name(), true),
            Event::Empty(e) => (e.name(), false),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => return survey,
            _ => continue,
        };
        let name = name.into_inner();
        if depth == 1 {
            survey.stanzas += 1;
            survey.messages += usize::from(name == "message");
        }
        // <stream:stream><iq><query><item/>
        survey.roster_items += usize::from(depth == 3 && name == "item");
        depth += usize::from(opens);
    }
}

fn load(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("bench/data")
        .join(format!("{name}.xml"));
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; the recordings of Prosody traffic belong in bench/data",
            path.display()
        )
    })
}

fn parser(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("parser");
    for (name, least) in RECORDINGS {
        let input = load(name);
        let found = survey(&input);
        assert!(
            found.stanzas >= least.stanzas
                && found.roster_items >= least.roster_items
                && found.messages >= least.messages,
            "{name}: {found:?}, expected at least {least:?}"
        );
        assert_eq!(
            runtime.block_on(read_stream(&input)),
            found.stanzas,
            "{name}: the reader and quick-xml disagree"
        );
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(*name, |b| bench_stream(b, &runtime, &input));
    }
    group.finish();
}

fn bench_stream(b: &mut criterion::Bencher<'_>, runtime: &Runtime, input: &[u8]) {
    b.iter(|| runtime.block_on(read_stream(black_box(input))))
}

criterion_group!(benches, parser);
criterion_main!(benches);
