//! `assets/doap.xml` tells the world what balcony implements; this keeps it true.
//!
//! - Every RFC and XEP in the DOAP has a row in [`SPECS`] and every row is in the DOAP.
//! - The features balcony advertises (`FEATURES`, the one list behind our disco#info answer
//!   and caps hash) are exactly those of the specifications the DOAP lists: a feature without
//!   a listed XEP, or a listed XEP whose feature is not advertised, fails.
//! - A XEP marked `complete` has a test citing every requirement ID of its checklist section
//!   (`MUC-32` in a comment, or `muc_32` in a test's name); a `partial` one says why in a
//!   note and has at least one citing test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use balcony::xmpp::session::FEATURES;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// Requirement IDs `PREFIX-FROM` … `PREFIX-TO` of a checklist section.
type Ids = (&'static str, u16, u16);

/// One specification: its DOAP name (`rfc6120`, `xep-0045`), the checklist IDs that say what
/// implementing it means, and the disco features that advertise it.
struct Spec {
    name: &'static str,
    ids: &'static [Ids],
    features: &'static [&'static str],
}

const SPECS: &[Spec] = &[
    Spec {
        name: "rfc6120",
        ids: &[
            ("CORE", 1, 26),
            ("SEC", 1, 8),
            ("I18N", 1, 6),
            ("COMP", 1, 3),
        ],
        features: &["jabber:client"],
    },
    Spec {
        name: "rfc6121",
        ids: &[
            ("SYN", 1, 16),
            ("SESS", 1, 6),
            ("MSG", 1, 13),
            ("PRES", 1, 16),
            ("SUB", 1, 12),
            ("ROS", 1, 17),
            ("INT", 1, 12),
            ("RTE", 1, 10),
            ("NEW", 1, 17),
        ],
        features: &["jabber:iq:roster"],
    },
    Spec {
        name: "rfc7622",
        ids: &[],
        features: &[],
    },
    Spec {
        name: "xep-0004",
        ids: &[("MUC", 41, 43), ("MUC", 33, 34)],
        features: &[],
    },
    Spec {
        name: "xep-0016",
        ids: &[("PRIV", 1, 26)],
        features: &[],
    },
    Spec {
        name: "xep-0030",
        ids: &[("DISCO", 1, 16)],
        features: &["http://jabber.org/protocol/disco#info"],
    },
    Spec {
        name: "xep-0045",
        ids: &[("MUC", 1, 47)],
        features: &["http://jabber.org/protocol/muc"],
    },
    Spec {
        name: "xep-0048",
        ids: &[("BOOKMARKS", 11, 17)],
        features: &["storage:bookmarks+notify"],
    },
    Spec {
        name: "xep-0049",
        ids: &[
            ("BOOKMARKS", 11, 11),
            ("BOOKMARKS", 13, 13),
            ("BOOKMARKS", 16, 16),
        ],
        features: &[],
    },
    Spec {
        name: "xep-0054",
        ids: &[("VCARD", 1, 10)],
        features: &[],
    },
    Spec {
        name: "xep-0059",
        ids: &[("MAM", 5, 6), ("MAM", 8, 8), ("MAM", 12, 12)],
        features: &[],
    },
    Spec {
        name: "xep-0060",
        ids: &[("PEP", 3, 8), ("BOOKMARKS", 5, 8), ("BOOKMARKS", 19, 21)],
        features: &[],
    },
    Spec {
        name: "xep-0066",
        ids: &[("UPLOAD", 9, 10)],
        features: &["jabber:x:oob"],
    },
    Spec {
        name: "xep-0077",
        ids: &[("MUC", 33, 33)],
        features: &[],
    },
    Spec {
        name: "xep-0085",
        ids: &[("STATES", 1, 14)],
        features: &["http://jabber.org/protocol/chatstates"],
    },
    Spec {
        name: "xep-0115",
        ids: &[("CAPS", 1, 14)],
        features: &["http://jabber.org/protocol/caps"],
    },
    Spec {
        name: "xep-0153",
        ids: &[],
        features: &[],
    },
    Spec {
        name: "xep-0163",
        ids: &[("PEP", 1, 11)],
        features: &[],
    },
    Spec {
        name: "xep-0184",
        ids: &[("RECEIPTS", 1, 9)],
        features: &["urn:xmpp:receipts"],
    },
    Spec {
        name: "xep-0191",
        ids: &[("BLK", 1, 7)],
        features: &[],
    },
    Spec {
        name: "xep-0198",
        ids: &[("SM2", 1, 20)],
        features: &[],
    },
    Spec {
        name: "xep-0199",
        ids: &[("CORE", 22, 22), ("MUC", 56, 56)],
        features: &["urn:xmpp:ping"],
    },
    Spec {
        name: "xep-0203",
        ids: &[("MAM", 4, 4)],
        features: &[],
    },
    Spec {
        name: "xep-0223",
        ids: &[("BOOKMARKS", 18, 21)],
        features: &[],
    },
    Spec {
        name: "xep-0245",
        ids: &[("ME", 1, 6)],
        features: &[],
    },
    Spec {
        name: "xep-0249",
        ids: &[("MUC", 48, 53)],
        features: &["jabber:x:conference"],
    },
    Spec {
        name: "xep-0280",
        ids: &[("CARBONS", 1, 16)],
        features: &[],
    },
    Spec {
        name: "xep-0297",
        ids: &[("CARBONS", 7, 7), ("MAM", 4, 4)],
        features: &[],
    },
    Spec {
        name: "xep-0308",
        ids: &[("CORRECT", 1, 11)],
        features: &["urn:xmpp:message-correct:0"],
    },
    Spec {
        name: "xep-0313",
        ids: &[("MAM", 1, 18), ("MAM", 21, 22)],
        features: &[],
    },
    Spec {
        name: "xep-0333",
        ids: &[("MARKERS", 1, 10)],
        features: &["urn:xmpp:chat-markers:0"],
    },
    Spec {
        name: "xep-0334",
        ids: &[("CARBONS", 11, 11)],
        features: &[],
    },
    Spec {
        name: "xep-0352",
        ids: &[("CSI", 1, 8)],
        features: &[],
    },
    Spec {
        name: "xep-0359",
        ids: &[("SID", 1, 7)],
        features: &[],
    },
    Spec {
        name: "xep-0363",
        ids: &[("UPLOAD", 1, 13)],
        features: &[],
    },
    Spec {
        name: "xep-0368",
        ids: &[("DIRECT-TLS", 1, 9)],
        features: &[],
    },
    Spec {
        name: "xep-0384",
        ids: &[
            ("OMEMO", 1, 6),
            ("OMEMO", 10, 16),
            ("OMEMO", 20, 25),
            ("OMEMO", 30, 34),
            ("OMEMO", 40, 41),
            ("OMEMO", 50, 54),
        ],
        features: &[
            "eu.siacs.conversations.axolotl.devicelist+notify",
            "urn:xmpp:omemo:2:devices+notify",
        ],
    },
    Spec {
        name: "xep-0402",
        ids: &[("BOOKMARKS", 1, 10)],
        features: &["urn:xmpp:bookmarks:1+notify"],
    },
    Spec {
        name: "xep-0410",
        ids: &[("MUC", 54, 58)],
        features: &[],
    },
    Spec {
        name: "xep-0440",
        ids: &[("CB", 1, 13)],
        features: &[],
    },
];

/// What the DOAP says of one specification.
#[derive(Debug, Default)]
struct Claim {
    /// `complete`, `partial`…; `None` for an RFC, which has no status.
    status: Option<String>,
    version: Option<String>,
    note: Option<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `https://xmpp.org/extensions/xep-0045.html` → `xep-0045`.
fn spec_name(resource: &str) -> Option<String> {
    let file = resource.rsplit('/').next()?;
    let name = file.strip_suffix(".html")?;
    (name.starts_with("xep-") || name.starts_with("rfc")).then(|| name.to_owned())
}

/// The specifications the DOAP claims, by name.
fn claims() -> BTreeMap<String, Claim> {
    let text = std::fs::read_to_string(root().join("assets/doap.xml")).expect("assets/doap.xml");
    let mut reader = Reader::from_str(&text);
    let mut claims = BTreeMap::new();
    let mut current: Option<(String, Claim)> = None;
    let mut field: Option<String> = None;
    let resource = |e: &quick_xml::events::BytesStart<'_>| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == "rdf:resource")
            .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
            .map(|v| v.into_owned())
    };
    loop {
        match reader.read_event().expect("well-formed DOAP") {
            Event::Empty(e) if e.name().as_ref() == "implements" => {
                let name = resource(&e).and_then(|r| spec_name(&r)).expect("an RFC");
                assert!(
                    name.starts_with("rfc"),
                    "{name}: XEPs go in xmpp:SupportedXep"
                );
                claims.insert(name, Claim::default());
            }
            Event::Empty(e) if e.name().as_ref() == "xmpp:xep" => {
                let name = resource(&e).and_then(|r| spec_name(&r)).expect("a XEP URL");
                current = Some((name, Claim::default()));
            }
            Event::Start(e) => {
                let tag = e.name().as_ref().to_owned();
                if matches!(tag.as_str(), "xmpp:status" | "xmpp:version" | "xmpp:note") {
                    field = Some(tag);
                }
            }
            Event::Text(t) => {
                if let (Some(tag), Some((_, claim))) = (&field, current.as_mut()) {
                    let value = Some(t.xml10_content().trim().to_owned());
                    match tag.as_str() {
                        "xmpp:status" => claim.status = value,
                        "xmpp:version" => claim.version = value,
                        _ => claim.note = value,
                    }
                }
            }
            Event::End(e) => {
                field = None;
                if e.name().as_ref() == "xmpp:SupportedXep"
                    && let Some((name, claim)) = current.take()
                {
                    assert!(claims.insert(name.clone(), claim).is_none(), "{name} twice");
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    claims
}

/// The text of every test: the files under `tests/` and, under `src/`, test modules and
/// whatever follows `#[cfg(test)]`.
fn test_text() -> String {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("tests"), &mut files);
    walk(&root().join("src"), &mut files);
    let mut text = String::new();
    for file in files {
        if file.ends_with("tests/doap.rs") {
            continue;
        }
        let content = std::fs::read_to_string(&file).expect("UTF-8 source");
        let in_tests = file.starts_with(root().join("tests"))
            || file.components().any(|c| {
                matches!(
                    c.as_os_str().to_str(),
                    Some("tests" | "tests.rs" | "flow_tests" | "flow_tests.rs")
                )
            });
        if in_tests {
            text.push_str(&content);
        } else if let Some(at) = content.find("#[cfg(test)]") {
            text.push_str(&content[at..]);
        }
        text.push('\n');
    }
    text.to_lowercase()
}

/// Whether `text` (lower case) cites `PREFIX-N`, as `prefix-nn` or `prefix_nn`.
fn cites(text: &str, prefix: &str, n: u16) -> bool {
    let prefix = prefix.to_lowercase();
    [
        format!("{prefix}-{n:02}"),
        format!("{}_{n:02}", prefix.replace('-', "_")),
    ]
    .iter()
    .any(|id| {
        text.match_indices(id.as_str()).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + id.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_digit())
        })
    })
}

/// The IDs of `spec` no test cites.
fn uncited(text: &str, spec: &Spec) -> Vec<String> {
    spec.ids
        .iter()
        .flat_map(|&(prefix, from, to)| (from..=to).map(move |n| (prefix, n)))
        .filter(|&(prefix, n)| !cites(text, prefix, n))
        .map(|(prefix, n)| format!("{prefix}-{n:02}"))
        .collect()
}

#[test]
fn the_doap_and_the_table_list_the_same_specifications() {
    let claims = claims();
    let listed: BTreeSet<&str> = claims.keys().map(String::as_str).collect();
    let known: BTreeSet<&str> = SPECS.iter().map(|s| s.name).collect();
    assert_eq!(listed, known);
}

#[test]
fn every_xep_has_a_status_and_version_and_a_partial_one_a_note() {
    for (name, claim) in claims() {
        if name.starts_with("rfc") {
            continue;
        }
        let status = claim.status.as_deref().unwrap_or_default();
        assert!(
            matches!(status, "complete" | "partial"),
            "{name}: status {status:?}"
        );
        assert!(
            claim.version.is_some_and(|v| !v.is_empty()),
            "{name}: no version"
        );
        if status == "partial" {
            assert!(
                claim.note.is_some_and(|n| !n.is_empty()),
                "{name}: a partial XEP says what it lacks"
            );
        }
    }
}

/// The advertised features and the DOAP agree both ways.
#[test]
fn advertised_features_match_the_doap() {
    let claims = claims();
    for feature in FEATURES {
        let owners: Vec<&str> = SPECS
            .iter()
            .filter(|s| s.features.contains(feature))
            .map(|s| s.name)
            .collect();
        assert!(
            owners.iter().any(|name| claims.contains_key(*name)),
            "{feature} is advertised but no specification in the DOAP claims it"
        );
    }
    for spec in SPECS {
        if claims.contains_key(spec.name) {
            for feature in spec.features {
                assert!(
                    FEATURES.contains(feature),
                    "{} is in the DOAP but {feature} is not advertised",
                    spec.name
                );
            }
        }
    }
}

/// A XEP marked complete has a test for every requirement of its checklist section; a
/// partial one has at least one.
#[test]
fn claimed_xeps_are_tested() {
    let text = test_text();
    let claims = claims();
    let mut problems = Vec::new();
    for spec in SPECS {
        let Some(claim) = claims.get(spec.name) else {
            continue;
        };
        let missing = uncited(&text, spec);
        let total: usize = spec
            .ids
            .iter()
            .map(|&(_, from, to)| usize::from(to - from + 1))
            .sum();
        match claim.status.as_deref() {
            Some("complete") if !missing.is_empty() => problems.push(format!(
                "{} is marked complete but no test cites {}",
                spec.name,
                missing.join(", ")
            )),
            _ if total > 0 && missing.len() == total => {
                problems.push(format!("{}: no test cites any of its IDs", spec.name))
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn citations_are_read_as_whole_ids() {
    let text = "fn muc_32_continue() {} // see sm2-04; direct-tls-01 and pep-011";
    assert!(cites(text, "MUC", 32));
    assert!(cites(text, "SM2", 4));
    assert!(cites(text, "DIRECT-TLS", 1));
    assert!(!cites(text, "PEP", 1), "pep-011 is not PEP-01");
    assert!(!cites(text, "MUC", 3));
    assert!(!cites("xmuc_32", "MUC", 32));
}
