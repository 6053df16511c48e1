//! balcony's OMEMO against python-omemo (oldmemo and twomemo, through
//! tests/peers/omemo_oracle.py): sessions started from either side, in
//! both namespaces, messages both ways, a session that survives the
//! oracle's restart. No server: the oracle's PEP is in its own process.
//! Requirement IDs: tests/omemo-requirements.md.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use balcony::omemo::Namespace;
use balcony::omemo::account::{Account, Recipient};
use balcony::omemo::session::KeyData;
use balcony::xmpp::element::Element;
use balcony::xmpp::reader::ReaderLimits;
use balcony::xmpp::reader::fragment::parse_fragment;
use balcony::xmpp::stanza::omemo::{self as stanza, Device, Encrypted};
use balcony::xmpp::stanza::sce;
use jid::BareJid;
use serde_json::{Value, json};

const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    fn start(state: &std::path::Path) -> Oracle {
        let mut child = Command::new(common::slixmpp::python())
            .arg("tests/peers/omemo_oracle.py")
            .arg("--state")
            .arg(state)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the oracle starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Oracle {
            child,
            stdin,
            stdout,
        }
    }

    fn ask(&mut self, request: Value) -> Value {
        writeln!(self.stdin, "{request}").expect("write");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read");
        let reply: Value = serde_json::from_str(&line).expect("a JSON reply");
        assert_eq!(reply["ok"], true, "{request} → {reply}");
        reply
    }

    fn quit(mut self) {
        self.ask(json!({"op": "quit"}));
        let _ = self.child.wait();
    }
}

fn xml(text: &str) -> Element {
    parse_fragment(text.as_bytes(), ReaderLimits::default()).expect("well-formed XML")
}

fn name(ns: Namespace) -> &'static str {
    match ns {
        Namespace::Legacy => "legacy",
        Namespace::Omemo2 => "omemo2",
    }
}

/// Alice (balcony) with the oracle's bundle for bob.
struct Alice {
    account: Account,
    bob_device: u32,
}

impl Alice {
    /// Tells the oracle about alice's device and bundle.
    fn publish(&self, oracle: &mut Oracle, ns: Namespace) {
        let list = stanza::device_list_element(
            ns,
            &[Device {
                id: self.account.device,
                label: None,
            }],
        );
        let bundle = stanza::bundle_element(&self.account.keys.bundle(ns));
        oracle.ask(json!({
            "op": "add_peer", "jid": ALICE, "ns": name(ns),
            "device_list": list.to_xml(),
            "bundles": {self.account.device.to_string(): bundle.to_xml()},
        }));
    }

    fn plaintext(ns: Namespace, body: &str) -> Vec<u8> {
        match ns {
            Namespace::Legacy => body.as_bytes().to_vec(),
            Namespace::Omemo2 => {
                sce::envelope(body, &BareJid::new(ALICE).unwrap(), "pad").into_bytes()
            }
        }
    }

    /// Encrypts `body` for bob; the oracle must read it.
    fn send(
        &mut self,
        oracle: &mut Oracle,
        ns: Namespace,
        bundle: Option<&str>,
        body: &str,
    ) -> Value {
        let bundle =
            bundle.map(|b| stanza::parse_bundle(ns, &xml(b)).expect("the oracle's bundle"));
        let (sealed, failed) = self
            .account
            .encrypt(
                ns,
                Some(&Alice::plaintext(ns, body)),
                &[Recipient {
                    jid: BOB,
                    device: self.bob_device,
                    bundle: bundle.as_ref(),
                }],
            )
            .expect("encrypts");
        assert!(failed.is_empty(), "{failed:?}");
        let element = Encrypted::from_sealed(sealed).to_element();
        let reply =
            oracle.ask(json!({"op": "decrypt", "from": ALICE, "encrypted": element.to_xml()}));
        assert_eq!(reply["plaintext"], body, "{reply}");
        // The oracle answers a new session with an empty message.
        for sent in reply["sent"].as_array().into_iter().flatten() {
            let opened = self.receive(sent["encrypted"].as_str().unwrap());
            assert_eq!(opened, None, "an empty message");
        }
        reply
    }

    /// Decrypts what the oracle sent.
    fn receive(&mut self, encrypted: &str) -> Option<String> {
        let parsed = Encrypted::parse(&xml(encrypted)).expect("the oracle's element");
        let own = BareJid::new(ALICE).unwrap();
        let key = parsed
            .key_for(&own, self.account.device)
            .expect("a key for us");
        let opened = self
            .account
            .decrypt(
                parsed.ns,
                BOB,
                parsed.sid,
                &KeyData {
                    data: key.data.clone(),
                    prekey: key.prekey,
                },
                &parsed.iv,
                parsed.payload.as_deref(),
            )
            .expect("decrypts");
        let plaintext = opened.plaintext?;
        Some(match parsed.ns {
            Namespace::Legacy => String::from_utf8(plaintext).unwrap(),
            Namespace::Omemo2 => {
                let envelope = sce::parse_envelope(&plaintext).expect("an envelope");
                assert_eq!(envelope.from.as_ref().map(|j| j.as_str()), Some(BOB));
                envelope.body.unwrap()
            }
        })
    }

    fn ask_oracle(oracle: &mut Oracle, ns: Namespace, body: &str) -> String {
        let reply =
            oracle.ask(json!({"op": "encrypt", "to": ALICE, "ns": name(ns), "plaintext": body}));
        reply["encrypted"].as_str().unwrap().to_owned()
    }
}

fn temp_state(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("balcony-oracle-{}-{tag}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join("state.json")
}

/// OMEMO-10, OMEMO-11, OMEMO-12, OMEMO-13, OMEMO-20, OMEMO-21: balcony
/// starts the session from the oracle's bundle; messages go both ways; the
/// oracle restarts and the session goes on.
fn balcony_initiates(ns: Namespace) {
    let state = temp_state(&format!("a-{}", name(ns)));
    let mut oracle = Oracle::start(&state);
    let init = oracle.ask(json!({"op": "init", "jid": BOB}));
    let mut alice = Alice {
        account: Account::generate().unwrap(),
        bob_device: init["device_id"].as_u64().unwrap() as u32,
    };
    alice.publish(&mut oracle, ns);
    let bundle = init[name(ns)]["bundle"].as_str().unwrap().to_owned();
    let first = alice.send(&mut oracle, ns, Some(&bundle), "hello from balcony");
    assert_eq!(first["key_exchange"], true, "{first}");
    let second = alice.send(&mut oracle, ns, None, "second, ünïcode ✓");
    assert_eq!(
        second["key_exchange"], false,
        "confirmed by the empty answer: {second}"
    );

    let reply = Alice::ask_oracle(&mut oracle, ns, "hello from python");
    assert_eq!(alice.receive(&reply).as_deref(), Some("hello from python"));

    oracle.quit();
    let mut oracle = Oracle::start(&state);
    oracle.ask(json!({"op": "init"}));
    let later = Alice::ask_oracle(&mut oracle, ns, "after my restart");
    assert_eq!(alice.receive(&later).as_deref(), Some("after my restart"));
    alice.send(&mut oracle, ns, None, "welcome back");
    oracle.quit();
    let _ = std::fs::remove_dir_all(state.parent().unwrap());
}

/// OMEMO-14, OMEMO-15, OMEMO-22: the oracle starts the session from
/// balcony's bundle; the pre-key it used is replaced.
fn python_initiates(ns: Namespace) {
    let state = temp_state(&format!("b-{}", name(ns)));
    let mut oracle = Oracle::start(&state);
    let init = oracle.ask(json!({"op": "init", "jid": BOB}));
    let mut alice = Alice {
        account: Account::generate().unwrap(),
        bob_device: init["device_id"].as_u64().unwrap() as u32,
    };
    alice.publish(&mut oracle, ns);
    let before: Vec<u32> = alice.account.keys.pre_keys.keys().copied().collect();
    let first = Alice::ask_oracle(&mut oracle, ns, "hello from python");
    assert_eq!(alice.receive(&first).as_deref(), Some("hello from python"));
    let after: Vec<u32> = alice.account.keys.pre_keys.keys().copied().collect();
    assert_eq!(after.len(), before.len(), "refilled");
    assert_ne!(after, before, "the used pre-key is gone");
    // Answering confirms the session on the oracle's side.
    alice.send(&mut oracle, ns, None, "hello back");
    let next = Alice::ask_oracle(&mut oracle, ns, "no more key exchange");
    assert!(
        !next.contains("prekey=\"true\"") && !next.contains("kex=\"true\""),
        "{next}"
    );
    assert_eq!(
        alice.receive(&next).as_deref(),
        Some("no more key exchange")
    );
    oracle.quit();
}

#[test]
fn legacy_balcony_initiates() {
    balcony_initiates(Namespace::Legacy);
}

#[test]
fn omemo2_balcony_initiates() {
    balcony_initiates(Namespace::Omemo2);
}

#[test]
fn legacy_python_initiates() {
    python_initiates(Namespace::Legacy);
}

#[test]
fn omemo2_python_initiates() {
    python_initiates(Namespace::Omemo2);
}
