//! alice's big roster: the contacts (names, groups, subscriptions, pending requests, who is
//! online), written straight into Prosody's `internal` storage files before it starts.
//!
//! `prosodyctl register` costs about a second per account, so thousands of contacts are made by
//! copying one registered account file: every contact has the same salt, password and SCRAM keys.
//! Every contact also gets a roster with alice in it, reciprocal to alice's entry, so that the
//! login probes are answered with `unavailable` (offline) or their presence (online), never with
//! `unsubscribed`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::server::lua_str;

/// The contacts that tell "the roster is drawn": each is the first row of one client's roster,
/// and offline, so it shows up as soon as the roster does, before any presence. balcony lists
/// groups first (sorted by name) and contacts without a group last: its first row is the marker
/// alone in the group that sorts first. mcabber lists contacts without a group first, sorted
/// byte-wise by name: its first row is the ungrouped marker, whose name sorts before every
/// generated one (`<` < `A`, and `<A` < `<E` of the `<Escalus & Co>` names).
pub const MARKER_USER: &str = "aaron.aardvark";
pub const MARKER_NAME: &str = "Aaron Aardvark";
pub const MARKER_GROUP: &str = "Aardvarks";
pub const UNGROUPED_MARKER_USER: &str = "abel.aardvark";
pub const UNGROUPED_MARKER_NAME: &str = "<Aardvark & Sons> Abel";
/// The contact whose chat window is open during the flood; the runner sends as it.
pub const FLOODER_USER: &str = "flooder";
/// A second receiver that is not one of alice's contacts: the server's routing floor.
pub const SINK_USER: &str = "sink";

/// alice's side of a subscription (RFC 6121 §2.1.2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sub {
    Both,
    /// alice sees them; they do not see alice.
    To,
    /// They see alice; alice does not see them (no probe is sent).
    From,
    None,
}

impl Sub {
    fn alice_side(self) -> &'static str {
        match self {
            Sub::Both => "both",
            Sub::To => "to",
            Sub::From => "from",
            Sub::None => "none",
        }
    }

    /// The contact's own entry for alice: the mirror image.
    fn contact_side(self) -> &'static str {
        match self {
            Sub::Both => "both",
            Sub::To => "from",
            Sub::From => "to",
            Sub::None => "none",
        }
    }

    /// Whether alice receives the contact's presence.
    pub fn alice_sees(self) -> bool {
        matches!(self, Sub::Both | Sub::To)
    }
}

/// Presence of a contact that is online during the scenario.
#[derive(Clone, Debug)]
pub struct Online {
    pub show: Option<&'static str>,
    pub status: String,
}

#[derive(Clone, Debug)]
pub struct Contact {
    /// The node (local part); the JID is `user@localhost`.
    pub user: String,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub sub: Sub,
    /// They asked to see alice's presence and wait for her answer (with an optional greeting).
    pub pending_in: Option<Option<String>>,
    pub online: Option<Online>,
}

/// SplitMix64: deterministic, so every run and both clients see the same roster.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const FIRST: &[&str] = &[
    "Anna", "Ben", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamar", "Umar", "Vera",
    "Wen", "Ximena", "Yusuf", "Zofia", "Émile", "Søren", "Łucja", "Jürgen",
];
pub const LAST: &[&str] = &[
    "Schmidt",
    "Rossi",
    "Petrov",
    "Yılmaz",
    "Haddad",
    "Novak",
    "Tanaka",
    "García",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Kowalski",
    "Nguyen",
    "Silva",
    "Fischer",
    "O'Brien",
    "van der Berg",
    "Popescu",
    "Dubois",
    "Andersen",
];
const CJK: &[&str] = &[
    "山田 太郎",
    "王小明",
    "김민준",
    "佐藤 花子",
    "李娜",
    "田中 美咲",
    "陈伟",
    "박서연",
    "鈴木一郎",
    "張家豪",
];
const EMOJI: &[&str] = &[
    "🌻 ",
    "🎸 ",
    "🚲 ",
    "🍕 ",
    "👩‍💻 ",
    "🇩🇪 ",
    "🐈 ",
    "☕ ",
    "🏔️ ",
    "🎉 ",
];
/// Group names: none sorts before [`MARKER_GROUP`], byte-wise or ignoring case.
const GROUPS: &[&str] = &[
    "Friends",
    "Work",
    "Family",
    "家族",
    "Colleagues & Partners",
    "Project <Balcony>",
    "Book club",
    "Neighbours",
    "Uni '09",
    "🎮 Gaming",
    "Ölkännchen",
    "Climbing",
    "Choir",
    "Customers",
    "Très long groupe pour voir comment les clients coupent les noms",
];
const SHOWS: &[Option<&str>] = &[
    None,
    None,
    None,
    Some("away"),
    Some("dnd"),
    Some("xa"),
    Some("chat"),
];
const STATUSES: &[&str] = &[
    "At the office",
    "在开会",
    "🏖️ on holiday until Monday",
    "<b>not bold</b> & \"quoted\"",
    "Working from home today, ping me if anything urgent comes up with the release",
    "",
    "🎧",
    "Im Zug — Empfang schlecht",
];

/// The whole scenario's roster for `n` contacts (n ≥ 3: the markers and the flooder are always
/// there). About 2% wait for alice's answer to a subscription request and about 20% are online.
pub fn plan(n: usize, seed: u64) -> Vec<Contact> {
    let mut rng = Rng::new(seed ^ n as u64);
    let mut contacts = Vec::with_capacity(n);
    contacts.push(Contact {
        user: MARKER_USER.into(),
        name: Some(MARKER_NAME.into()),
        groups: vec![MARKER_GROUP.into()],
        sub: Sub::Both,
        pending_in: None,
        online: None,
    });
    contacts.push(Contact {
        user: UNGROUPED_MARKER_USER.into(),
        name: Some(UNGROUPED_MARKER_NAME.into()),
        groups: Vec::new(),
        sub: Sub::Both,
        pending_in: None,
        online: None,
    });
    contacts.push(Contact {
        user: FLOODER_USER.into(),
        name: Some("Flood Gate".into()),
        groups: vec!["Work".into()],
        sub: Sub::Both,
        pending_in: None,
        online: Some(Online {
            show: None,
            status: "sending a lot".into(),
        }),
    });
    for i in contacts.len()..n {
        let first = *rng.pick(FIRST);
        let last = *rng.pick(LAST);
        let user = format!(
            "{}.{}.{i}",
            ascii_lower(first),
            ascii_lower(last).replace(' ', "")
        );
        let name = match rng.below(100) {
            0..=9 => None,
            10..=17 => Some(format!("{} {i}", rng.pick(CJK))),
            18..=25 => Some(format!("{}{first} {last}", rng.pick(EMOJI))),
            26..=28 => Some(format!("<Escalus & Co> \"{last}\" #{i}")),
            29..=31 => Some(long_name(first, last, i)),
            _ => Some(format!("{first} {last}")),
        };
        let mut groups: Vec<String> = Vec::new();
        for _ in 0..rng.below(4) {
            let g = rng.pick(GROUPS).to_string();
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        let pending = rng.percent(2);
        let sub = if pending {
            if rng.percent(50) { Sub::None } else { Sub::To }
        } else {
            match rng.below(100) {
                0..=2 => Sub::To,
                3..=4 => Sub::From,
                _ => Sub::Both,
            }
        };
        let pending_in = pending.then(|| {
            rng.percent(50)
                .then(|| format!("Hi, it's {first} from {} — add me?", rng.pick(GROUPS)))
        });
        // The flooder is one of the online fifth.
        let online = (!pending && sub.alice_sees() && rng.below(1000) < 203).then(|| Online {
            show: *rng.pick(SHOWS),
            status: rng.pick(STATUSES).to_string(),
        });
        contacts.push(Contact {
            user,
            name,
            groups,
            sub,
            pending_in,
            online,
        });
    }
    contacts
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'a'..='z' | ' ' => Some(c),
            'É' | 'é' => Some('e'),
            'Ø' | 'ø' => Some('o'),
            'Ł' | 'ł' => Some('l'),
            'ü' => Some('u'),
            'í' => Some('i'),
            'ı' => Some('i'),
            _ => None,
        })
        .collect()
}

/// Exactly 90 characters.
fn long_name(first: &str, last: &str, i: usize) -> String {
    let mut s = format!(
        "Dr. {first} {last}, Head of Procurement and Strategic Partnerships (EMEA, APAC), #{i} "
    );
    while s.chars().count() < 90 {
        s.push('x');
    }
    s.chars().take(90).collect()
}

/// Prosody's file-name encoding of hosts and users (`util.datamanager`): every
/// non-alphanumeric byte becomes `%xx`.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02x}");
        }
    }
    out
}

fn lua_groups(groups: &[String]) -> String {
    let mut out = String::from("{ ");
    for g in groups {
        let _ = write!(out, "[{}] = true; ", lua_str(g));
    }
    out.push('}');
    out
}

/// Writes accounts and rosters for every contact, the flooder and the sink, and alice's roster,
/// into `data` (Prosody's `data_path`; Prosody must not be running). `account_file` is the
/// content of one registered account's `.dat`, copied for every generated user.
pub fn write_data(
    data: &Path,
    host: &str,
    alice: &str,
    contacts: &[Contact],
    account_file: &str,
) -> Result<()> {
    let host_dir = data.join(encode(host));
    let accounts = host_dir.join("accounts");
    let rosters = host_dir.join("roster");
    fs::create_dir_all(&accounts).with_context(|| format!("creating {}", accounts.display()))?;
    fs::create_dir_all(&rosters).with_context(|| format!("creating {}", rosters.display()))?;
    let alice_jid = format!("{alice}@{host}");

    let write = |dir: &Path, user: &str, text: &str| -> Result<()> {
        let path = dir.join(format!("{}.dat", encode(user)));
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };

    let mut alice_roster = String::from("return {\n");
    let mut pending = String::new();
    for c in contacts {
        let jid = format!("{}@{host}", c.user);
        write(&accounts, &c.user, account_file)?;
        // The contact's entry for alice, mirroring alice's entry for the contact.
        let ask = if c.pending_in.is_some() {
            " ask = \"subscribe\";"
        } else {
            ""
        };
        write(
            &rosters,
            &c.user,
            &format!(
                "return {{\n\t[false] = {{ version = 1; pending = {{}}; }};\n\t[{}] = {{ subscription = {};{ask} name = \"Alice\"; groups = {{ [\"Friends\"] = true; }}; }};\n}};\n",
                lua_str(&alice_jid),
                lua_str(c.sub.contact_side()),
            ),
        )?;
        let name = c
            .name
            .as_deref()
            .map(|n| format!(" name = {};", lua_str(n)))
            .unwrap_or_default();
        let _ = writeln!(
            alice_roster,
            "\t[{}] = {{ subscription = {};{name} groups = {}; }};",
            lua_str(&jid),
            lua_str(c.sub.alice_side()),
            lua_groups(&c.groups)
        );
        match &c.pending_in {
            // The stored request, as Prosody keeps it (util.stanza preserialized), greeting and all.
            Some(Some(greeting)) => {
                let _ = write!(
                    pending,
                    "[{}] = {{ name = \"presence\"; attr = {{ type = \"subscribe\"; }}; {{ name = \"status\"; attr = {{}}; {} }}; }}; ",
                    lua_str(&jid),
                    lua_str(greeting)
                );
            }
            Some(None) => {
                let _ = write!(pending, "[{}] = true; ", lua_str(&jid));
            }
            None => {}
        }
    }
    let _ = writeln!(
        alice_roster,
        "\t[false] = {{ version = 1; pending = {{ {pending}}}; }};\n}};"
    );
    write(&rosters, alice, &alice_roster)?;
    // The sink has an account and no contacts.
    write(&accounts, SINK_USER, account_file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_sized() {
        let a = plan(1000, 7);
        let b = plan(1000, 7);
        assert_eq!(a.len(), 1000);
        assert_eq!(a[500].user, b[500].user);
        let online = a.iter().filter(|c| c.online.is_some()).count();
        assert!((150..250).contains(&online), "{online}");
    }

    #[test]
    fn encode_matches_prosody() {
        assert_eq!(encode("a.b_c"), "a%2eb%5fc");
    }
}
