//! The fuzz targets' seed corpus, replayed as an ordinary test so CI
//! exercises hostile input without cargo-fuzz or a nightly compiler.
//!
//! The harness is the fuzz package's own `fuzz/src/lib.rs`, included by
//! path, so the replay runs exactly what the targets run. On top of the
//! replay: every stream is read whole, byte by byte and in 7-byte reads
//! with the same outcome (layer 2 of STYLE.md's tests), a few hostile seeds
//! must be refused with the right stream condition (SEC-06), and a fixed
//! pseudo-random mutation loop feeds thousands of variants of the corpus
//! through the same harness.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use balcony::xmpp::reader::ReaderLimits;
use harness::{End, Outcome};

/// Mutations per XML target in the `mutated_*` tests.
const MUTATIONS: usize = 10_000;
/// A guard, not the plan: a slow machine stops early instead of holding up
/// CI, and says how far it got.
const MUTATION_BUDGET: Duration = Duration::from_secs(20);

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{} holds too few seeds", dir.display());
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().expect("a name").to_string_lossy().into();
            let bytes = std::fs::read(&path).expect("a readable seed");
            (name, bytes)
        })
        .collect()
}

/// Runs `check` on every seed and fails once, naming every seed that
/// panicked.
fn replay(target: &str, check: impl Fn(&str, &[u8])) {
    let mut failed = Vec::new();
    for (name, bytes) in corpus(target) {
        if panic::catch_unwind(AssertUnwindSafe(|| check(&name, &bytes))).is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: these seeds panicked: {failed:?}"
    );
}

/// The same bytes read whole, byte by byte and in 7-byte reads.
fn assert_chunking_agrees(name: &str, xml: &[u8], limits: ReaderLimits) -> Outcome {
    let whole = harness::read_stream(xml, &[], limits);
    for size in [1, 7] {
        let chunked = harness::read_stream(xml, &[size], limits);
        assert_eq!(
            harness::comparable(whole.clone(), xml),
            harness::comparable(chunked, xml),
            "{name}: whole and {size}-byte reads differ"
        );
    }
    whole
}

#[test]
fn stream_reader_corpus_replays_the_same_in_any_chunking() {
    replay("stream_reader", |name, bytes| {
        harness::stream_reader(bytes);
        let (plan, xml) = harness::split_plan(bytes);
        assert_chunking_agrees(name, xml, plan.limits);
    });
}

#[test]
fn stanzas_corpus_replays_through_decoders_store_and_screen() {
    replay("stanzas", |name, bytes| {
        harness::stanzas(bytes);
        assert_chunking_agrees(name, &harness::wrap(bytes), ReaderLimits::default());
    });
}

/// SEC-06: the hostile seeds are refused, each with the condition we would
/// send; a seed that quietly became harmless would test nothing.
#[test]
fn sec_06_hostile_seeds_are_refused_with_the_right_condition() {
    let expected = [
        ("doctype-entity.xml", Some("restricted-xml")),
        ("billion-laughs.xml", Some("restricted-xml")),
        ("custom-entity.xml", Some("restricted-xml")),
        ("comment.xml", Some("restricted-xml")),
        ("processing-instruction.xml", Some("restricted-xml")),
        ("deep-nesting.xml", Some("policy-violation")),
        ("deep-nesting-small-limits.xml", Some("policy-violation")),
        ("huge-attribute-small-limits.xml", Some("policy-violation")),
        ("ten-thousand-attributes.xml", Some("policy-violation")),
        ("invalid-utf8-text.xml", Some("not-well-formed")),
        ("invalid-utf8-attribute.xml", Some("not-well-formed")),
        ("raw-escape.xml", Some("not-well-formed")),
        ("unbalanced-tags.xml", Some("not-well-formed")),
        ("undeclared-prefix.xml", Some("bad-namespace-prefix")),
        ("text-between-stanzas.xml", Some("bad-format")),
        ("wrong-namespace.xml", Some("invalid-namespace")),
        ("truncated-in-tag.xml", None),
    ];
    let seeds = corpus("stream_reader");
    for (file, condition) in expected {
        let (_, bytes) = seeds
            .iter()
            .find(|(name, _)| name == file)
            .unwrap_or_else(|| panic!("no seed {file}"));
        let (plan, xml) = harness::split_plan(bytes);
        let outcome = harness::read_stream(xml, &plan.chunks, plan.limits);
        match outcome.end {
            End::Failed { condition: got, .. } => assert_eq!(got, condition, "{file}"),
            End::Closed => panic!("{file} was read to its end: {outcome:?}"),
        }
    }
}

/// A byte order mark split over the first reads must read like a whole one:
/// TCP may cut anywhere, so the outcome must not depend on where it did.
#[test]
fn a_split_byte_order_mark_reads_like_a_whole_one() {
    let seeds = corpus("stream_reader");
    let (_, bytes) = seeds
        .iter()
        .find(|(name, _)| name == "bom-and-declaration.xml")
        .expect("the BOM seed");
    let (plan, xml) = harness::split_plan(bytes);
    let whole = harness::read_stream(xml, &[], plan.limits);
    assert_eq!(whole.end, End::Closed, "{whole:?}");
    for first in [1, 2] {
        let split = harness::read_stream(xml, &[first, 64], plan.limits);
        assert_eq!(whole, split, "first read of {first} bytes");
    }
}

/// The error for stray text before the header must not depend on where the
/// reads were cut either; found by the `stream_reader` fuzzer.
#[test]
fn a_split_byte_order_mark_gives_the_same_error_as_a_whole_one() {
    let seeds = corpus("stream_reader");
    let (_, bytes) = seeds
        .iter()
        .find(|(name, _)| name == "bom-then-text.xml")
        .expect("the seed");
    let (_, xml) = harness::split_plan(bytes);
    let whole = harness::read_stream(xml, &[], ReaderLimits::default());
    let split = harness::read_stream(xml, &[1], ReaderLimits::default());
    assert!(matches!(whole.end, End::Failed { .. }), "{whole:?}");
    assert_eq!(whole, split);
}

/// The login burst is read completely, so the corpus starts from a stream
/// the reader accepts.
#[test]
fn the_login_burst_seed_reads_to_the_end() {
    let seeds = corpus("stream_reader");
    let (_, bytes) = seeds
        .iter()
        .find(|(name, _)| name == "login-burst.xml")
        .expect("the login burst seed");
    let (plan, xml) = harness::split_plan(bytes);
    let outcome = harness::read_stream(xml, &plan.chunks, plan.limits);
    assert_eq!(outcome.end, End::Closed, "{outcome:?}");
    assert!(outcome.events.len() > 10, "{outcome:?}");
}

/// xorshift64*: tiny, fast, and the same sequence everywhere, so a failure
/// found here is found again on the next run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Fragments that turn one valid construct into a different one more often
/// than a random byte does.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"/>",
    b"</",
    b"'",
    b"&",
    b"&amp;",
    b"&#x9b;",
    b"&#x202e;",
    b"&#13;",
    b"&#1114111;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"<?x?>",
    b"<!DOCTYPE x>",
    b" xmlns='urn:x'",
    b" xmlns:p='urn:p' p:a='1'",
    b" xml:lang='it'",
    b" from='a@b@c'",
    b" from='romeo@example.net/orchard'",
    b" type='error'",
    b"<error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
    b"<priority>127</priority>",
    b"\xc2\x9b",
    b"\xe2\x80\xae",
    b"\xff",
    b"\xf0\x9f",
];

/// One to four random edits: bit flips, interesting bytes, tokens,
/// truncation, duplication of a range, and splicing with another seed.
fn mutate(rng: &mut Rng, seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].1.clone();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                const BYTES: &[u8] = b"<>&'\"/=:\0\x80\xff \n";
                let i = rng.below(len);
                data[i] = BYTES[rng.below(BYTES.len())];
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => data.truncate(rng.below(len)),
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let copy = data[start..end].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, copy);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            _ => {
                if len > 1 {
                    let i = rng.below(len);
                    data.remove(i);
                }
            }
        }
    }
    data
}

/// Mutations for the OMEMO targets: their inputs cost signature checks,
/// key agreements and decryptions, and the XML seeds include lists and
/// bundles of 10 000 entries, so fewer (a few seconds each).
const OMEMO_MUTATIONS: usize = 800;
const OMEMO_WIRE_MUTATIONS: usize = 1_500;

/// Feeds `MUTATIONS` variants of the corpus through `run`; on a panic,
/// saves the input under `target/` and fails with its path.
fn mutate_and_run(target: &str, seed: u64, run: impl Fn(&[u8], usize)) {
    mutate_and_run_some(target, seed, MUTATIONS, run);
}

/// [`mutate_and_run`] with `count` mutations.
fn mutate_and_run_some(target: &str, seed: u64, count: usize, run: impl Fn(&[u8], usize)) {
    let seeds = corpus(target);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut done = 0;
    while done < count {
        if started.elapsed() > MUTATION_BUDGET {
            eprintln!("{target}: stopped after {done} mutations, at the time budget");
            break;
        }
        let input = mutate(&mut rng, &seeds);
        if panic::catch_unwind(AssertUnwindSafe(|| run(&input, done))).is_err() {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join(format!("fuzz-corpus-crash-{target}-{done}"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{target}: mutation {done} panicked; the input is in {} ({:?})",
                path.display(),
                String::from_utf8_lossy(&input)
            );
        }
        done += 1;
    }
    eprintln!("{target}: {done} mutations in {:?}", started.elapsed());
}

#[test]
fn mutated_stream_reader_corpus_never_panics() {
    mutate_and_run("stream_reader", 0x9E37_79B9_7F4A_7C15, |input, _| {
        harness::stream_reader(input)
    });
}

#[test]
fn mutated_stanzas_corpus_never_panics() {
    // Every 16th input is drawn too: drawing costs more than the rest.
    mutate_and_run("stanzas", 0xD1B5_4A32_D192_ED03, |input, i| {
        harness::stanzas_with(input, i % 16 == 0)
    });
}

#[test]
fn vcard_corpus_replays_through_codec_edits_and_details_pane() {
    replay("vcard", |name, bytes| {
        harness::vcard(bytes);
        assert_chunking_agrees(name, &harness::wrap(bytes), ReaderLimits::default());
    });
}

#[test]
fn mutated_vcard_corpus_never_panics() {
    // Every 16th input is drawn too, as for the stanzas.
    mutate_and_run("vcard", 0x2545_F491_4F6C_DD1D, |input, i| {
        harness::vcard_with(input, i % 16 == 0)
    });
}

#[test]
fn omemo_corpus_replays_through_the_omemo_elements() {
    replay("omemo", |name, bytes| {
        harness::omemo(bytes);
        assert_chunking_agrees(name, &harness::wrap(bytes), ReaderLimits::default());
    });
}

#[test]
fn mutated_omemo_corpus_never_panics() {
    mutate_and_run_some(
        "omemo",
        0x94D0_49BB_1331_11EB,
        OMEMO_MUTATIONS,
        |input, _| harness::omemo(input),
    );
}

#[test]
fn omemo_wire_corpus_replays_through_the_binary_decoders() {
    replay("omemo_wire", |_, bytes| harness::omemo_wire(bytes));
}

/// The genuine seeds are what they say against the fixture: a key
/// exchange we accept, messages that decrypt, payloads that open. A
/// fixture written again without its seeds would leave every seed
/// refused, and the target would test only the refusals.
#[test]
fn omemo_wire_genuine_seeds_decrypt_against_the_fixture() {
    use balcony::omemo::payload;
    use balcony::omemo::session::KeyExchange;
    let seeds = corpus("omemo_wire");
    let seed = |name: &str| {
        seeds
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| bytes.as_slice())
            .unwrap_or_else(|| panic!("no seed {name}"))
    };
    let fixtures = harness::wire_fixtures();
    assert_eq!(fixtures.len(), 2, "a fixture per namespace");
    for fixture in fixtures {
        let ns = fixture.ns;
        let prefix = match ns {
            balcony::omemo::Namespace::Legacy => "legacy",
            balcony::omemo::Namespace::Omemo2 => "omemo2",
        };
        let exchange = KeyExchange::parse(ns, seed(&format!("{prefix}-key-exchange.bin")))
            .expect("the key exchange reads");
        let (_, material) = exchange.accept(&fixture.keys).expect("and is accepted");
        assert!(!material.is_empty());
        let mut session = fixture.session.clone();
        for n in 1..=2 {
            let message = seed(&format!("{prefix}-message-{n}.bin"));
            assert!(session.decrypt(message).is_ok(), "{prefix} message {n}");
        }
        let replayed = seed(&format!("{prefix}-message-replayed.bin"));
        assert!(session.decrypt(replayed).is_err(), "{prefix} replay");
        let (iv_len, material_len) = match ns {
            balcony::omemo::Namespace::Legacy => (12, 32),
            balcony::omemo::Namespace::Omemo2 => (0, 48),
        };
        let sealed = seed(&format!("{prefix}-payload.bin"));
        let (iv, rest) = sealed.split_at(iv_len);
        let (material, payload) = rest.split_at(material_len);
        assert_eq!(
            payload::open(ns, payload, iv, material).as_deref(),
            Ok(&b"a payload"[..])
        );
    }
}

#[test]
fn mutated_omemo_wire_corpus_never_panics() {
    mutate_and_run_some(
        "omemo_wire",
        0xBF58_476D_1CE4_E5B9,
        OMEMO_WIRE_MUTATIONS,
        |input, _| harness::omemo_wire(input),
    );
}

/// Writes the `omemo_wire` fixture and the genuine seeds of both OMEMO
/// targets, from fresh keys. Run with `--ignored` only to replace them:
/// the wire seeds are genuine for this fixture and no other.
#[test]
#[ignore = "writes the OMEMO fixture and seeds"]
fn write_omemo_seeds() {
    use balcony::omemo::Namespace;
    use balcony::omemo::account::{Account, Recipient};
    use balcony::omemo::payload;
    use balcony::omemo::session::OwnKeys;
    use balcony::xmpp::stanza::omemo::{
        Device, Encrypted, bundle_element, bundle_node, device_list_element, device_list_node,
    };
    use harness::{ALICE, BOB, CAROL, CHECK};

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let write = |path: PathBuf, bytes: &[u8]| std::fs::write(&path, bytes).expect("writable");
    let account = |device| Account::new(device, OwnKeys::generate().expect("keys"));
    let mut stored: harness::StoredFixture = Vec::new();
    for ns in [Namespace::Legacy, Namespace::Omemo2] {
        let prefix = match ns {
            Namespace::Legacy => "legacy",
            Namespace::Omemo2 => "omemo2",
        };
        let wire = |name: &str, bytes: &[u8]| {
            write(
                root.join(format!("corpus/omemo_wire/{prefix}-{name}.bin")),
                bytes,
            )
        };
        let xml = |name: &str, text: String| {
            write(
                root.join(format!("corpus/omemo/{prefix}-{name}.xml")),
                text.as_bytes(),
            )
        };
        let (mut alice, mut bob, mut carol) = (account(1), account(2), account(3));
        let bundle = bob.keys.bundle(ns);
        let to = |jid, device, bundle| {
            [Recipient {
                jid,
                device,
                bundle,
            }]
        };
        let send = |from: &mut Account, body: Option<&[u8]>, rcpt: &[Recipient<'_>]| {
            let (sealed, failed) = from.encrypt(ns, body, rcpt).expect("encrypts");
            assert!(failed.is_empty(), "{failed:?}");
            sealed
        };
        let read = |to: &mut Account, from: &str, sid, sealed: &balcony::omemo::account::Sealed| {
            to.decrypt(
                ns,
                from,
                sid,
                &sealed.keys[0].2,
                &sealed.iv,
                sealed.payload.as_deref(),
            )
            .expect("decrypts")
        };
        // Alice's key exchange, accepted; Bob's empty answer confirms;
        // one message read on Alice's new ratchet key.
        let first = send(&mut alice, Some(b"first"), &to(BOB, 2, Some(&bundle)));
        wire("key-exchange-accepted", &first.keys[0].2.data);
        read(&mut bob, ALICE, 1, &first);
        let answer = send(&mut bob, None, &to(ALICE, 1, None));
        read(&mut alice, BOB, 2, &answer);
        let zeroth = send(&mut alice, Some(b"zeroth"), &to(BOB, 2, None));
        read(&mut bob, ALICE, 1, &zeroth);
        wire("message-replayed", &zeroth.keys[0].2.data);
        // Carol's key exchange, not read: its pre-key is still ours.
        let carols = send(&mut carol, Some(b"from carol"), &to(BOB, 2, Some(&bundle)));
        wire("key-exchange", &carols.keys[0].2.data);
        // Two messages in flight, then the check.
        for n in 1..=2 {
            let body = format!("in flight {n}");
            let sealed = send(&mut alice, Some(body.as_bytes()), &to(BOB, 2, None));
            wire(&format!("message-{n}"), &sealed.keys[0].2.data);
        }
        let check = send(&mut alice, Some(CHECK), &to(BOB, 2, None));
        let session = bob
            .session(&(ALICE.to_owned(), ns, 1))
            .expect("a session")
            .clone();
        stored.push((
            ns,
            bob.keys.clone(),
            session,
            check.keys[0].2.data.clone(),
            check.iv.clone(),
            check.payload.clone().expect("a payload"),
        ));
        let sealed = payload::seal(ns, b"a payload").expect("seals");
        wire(
            "payload",
            &[&sealed.iv[..], &sealed.key_material, &sealed.payload].concat(),
        );

        // The XML target's genuine seeds: a device list pushed, a bundle
        // fetched, messages to two devices, an empty message.
        let devices =
            [(1, Some("Phone")), (2, None), (2_147_483_647, Some("Desk"))].map(|(id, label)| {
                Device {
                    id,
                    label: label.map(str::to_owned),
                }
            });
        xml(
            "device-list",
            format!(
                "<message from='{ALICE}' to='{BOB}' type='headline'><event \
                 xmlns='http://jabber.org/protocol/pubsub#event'><items node='{}'><item \
                 id='current'>{}</item></items></event></message>",
                device_list_node(ns),
                device_list_element(ns, &devices).to_xml()
            ),
        );
        xml(
            "bundle",
            format!(
                "<iq type='result' id='b1' from='{BOB}' to='{ALICE}/a'><pubsub \
                 xmlns='http://jabber.org/protocol/pubsub'><items node='{}'><item \
                 id='2'>{}</item></items></pubsub></iq>",
                bundle_node(ns, 2),
                bundle_element(&bundle).to_xml()
            ),
        );
        let message = |sealed| {
            format!(
                "<message from='{ALICE}/a' to='{BOB}' type='chat' id='m1'>{}<body>This \
                 message is OMEMO encrypted.</body><encryption xmlns='urn:xmpp:eme:0' \
                 namespace='{}'/><store xmlns='urn:xmpp:hints'/></message>",
                Encrypted::from_sealed(sealed).to_element().to_xml(),
                ns.xmlns()
            )
        };
        let mut dave = account(4);
        let both = [
            Recipient {
                jid: BOB,
                device: 2,
                bundle: Some(&bundle),
            },
            Recipient {
                jid: CAROL,
                device: 3,
                bundle: Some(&carol.keys.bundle(ns)),
            },
            Recipient {
                jid: ALICE,
                device: 1,
                bundle: Some(&alice.keys.bundle(ns)),
            },
        ];
        xml(
            "key-exchange-message",
            message(send(&mut dave, Some(b"hi"), &both)),
        );
        xml(
            "key-exchange-again",
            message(send(&mut dave, Some(b"again"), &both)),
        );
        xml("empty-message", message(send(&mut dave, None, &both)));
    }
    let json = serde_json::to_string(&stored).expect("serialises");
    write(root.join("src/omemo_wire_fixture.json"), json.as_bytes());
    let envelope = balcony::xmpp::stanza::sce::envelope(
        "a <b> & c",
        &jid::BareJid::new(ALICE).expect("a JID"),
        "Zm9vYmFy",
    );
    let escaped = envelope
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    write(
        root.join("corpus/omemo/sce-envelope.xml"),
        format!("<message from='{ALICE}/a' to='{BOB}'><body>{escaped}</body></message>").as_bytes(),
    );
}
