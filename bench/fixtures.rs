//! Inputs for the store and draw benches: what a Prosody login (roster
//! result, presences) and chat traffic look like to the store. Stanzas are
//! written as Prosody serialises them, read by the real [`XmlReader`] and
//! decoded by the same stanza parsers the session task uses, then wrapped
//! in the `Msg`s the engine hands to `app::update`. Everything is
//! deterministic, so runs compare.

// Each bench uses a different part of this file.
#![allow(dead_code)]

use balcony::app::{Effect, Msg, Preferences, Purpose, State, update};
use balcony::xmpp::element::Element;
use balcony::xmpp::login::StreamFeatures;
use balcony::xmpp::query::{Answer, Query};
use balcony::xmpp::reader::{ReaderLimits, StreamEvent, XmlReader};
use balcony::xmpp::session::SessionEvent;
use balcony::xmpp::stanza::iq::Iq;
use balcony::xmpp::stanza::message::Message;
use balcony::xmpp::stanza::presence::Presence;
use balcony::xmpp::stanza::roster::{self, RosterItem};

/// Our full JID.
pub const ME: &str = "juliet@example.com/balcony";
/// The contact who floods us.
pub const ROMEO: &str = "romeo@example.net";
/// Arrival time of every event (Unix seconds); the engine stamps `now`.
pub const AT: i64 = 1_732_213_325;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xml:lang='en' \
    xmlns:stream='http://etherx.jabber.org/streams' id='b9d5f1c2' from='example.com' version='1.0'>";

const FIRST: &[&str] = &[
    "Romeo",
    "Mercutio",
    "Benvolio",
    "Tybalt",
    "Rosaline",
    "Paris",
    "Laurence",
    "Balthasar",
    "Sampson",
    "Gregory",
    "Escalus",
    "Chloé",
    "Zoë",
    "Jürgen",
    "Åsa",
    "Søren",
    "Ngozi",
    "Dmitri",
    "Ольга",
    "佐藤",
    "José",
    "François",
    "Noémie",
    "Aiyana",
];
const LAST: &[&str] = &[
    "Montague",
    "Capulet",
    "Smith",
    "Müller",
    "García",
    "Nguyen",
    "O'Brien",
    "Kowalski",
    "Johansson",
    "Rossi",
    "Dubois",
    "Haddad",
    "Ito",
    "Novák",
    "Ødegaard",
    "Silva",
    "Yılmaz",
];
const GROUPS: &[&str] = &[
    "Friends",
    "Work",
    "Family",
    "Verona",
    "Team — Ops",
    "Book club",
    "Football",
    "Uni",
    "Neighbours",
    "Mantua & co",
];
const DOMAINS: &[&str] = &[
    "example.net",
    "example.org",
    "verona.example",
    "mantua.example",
    "example.com",
];
const STATUSES: &[&str] = &[
    "Out <back> soon",
    "At the masque",
    "on the phone",
    "Busy — deadline",
    "🌹",
    "In a meeting until 15:00",
    "Working from home",
    "Ne pas déranger",
    "commuting",
];
const SHOWS: &[Option<&str>] = &[None, None, None, Some("away"), Some("xa"), Some("dnd")];
const CAPS_NODES: &[&str] = &[
    "https://conversations.im",
    "http://gajim.org",
    "https://dino.im",
    "https://poez.io",
];
/// The resources of a contact, most used first.
pub const RESOURCES: &[&str] = &["desktop", "phone", "Conversations.x3Fq"];
const WORDS: &[&str] = &[
    "to",
    "be",
    "or",
    "not",
    "that",
    "is",
    "the",
    "question",
    "whether",
    "'tis",
    "nobler",
    "in",
    "mind",
    "suffer",
    "slings",
    "&",
    "arrows",
    "of",
    "outrageous",
    "fortune",
    "<3",
    "café",
    "naïve",
    "東京",
    "🌹",
    "https://example.org/x?a=1&b=2",
];

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Escapes text or a single-quoted attribute value, as Prosody does.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One roster contact.
pub struct Contact {
    pub jid: String,
    pub name: Option<String>,
    pub groups: Vec<&'static str>,
    pub subscription: &'static str,
}

/// `n` contacts: mostly named, mostly in one group (some in two, some in
/// none), mostly `both`.
pub fn contacts(n: usize) -> Vec<Contact> {
    let mut rng = Rng::new(7);
    (0..n)
        .map(|i| {
            let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
            let local: String = format!("{first}.{last}")
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphabetic)
                .collect();
            let groups = match rng.below(100) {
                0..15 => Vec::new(),
                15..85 => vec![rng.pick(GROUPS)],
                _ => vec![rng.pick(GROUPS), rng.pick(GROUPS)],
            };
            if i == 0 {
                // The contact who floods us is in the roster too.
                return Contact {
                    jid: ROMEO.to_owned(),
                    name: Some("Romeo".to_owned()),
                    groups: vec!["Friends"],
                    subscription: "both",
                };
            }
            Contact {
                jid: format!("{local}{i}@{}", rng.pick(DOMAINS)),
                name: (!rng.chance(10)).then(|| format!("{first} {last}")),
                groups,
                subscription: match rng.below(100) {
                    0..85 => "both",
                    85..91 => "to",
                    91..97 => "from",
                    _ => "none",
                },
            }
        })
        .collect()
}

/// The `<item/>` of a contact.
pub fn item_xml(contact: &Contact) -> String {
    let mut xml = format!(
        "<item jid='{}' subscription='{}'",
        contact.jid, contact.subscription
    );
    if let Some(name) = &contact.name {
        xml.push_str(&format!(" name='{}'", escape(name)));
    }
    if contact.groups.is_empty() {
        xml.push_str("/>");
    } else {
        xml.push('>');
        for group in &contact.groups {
            xml.push_str(&format!("<group>{}</group>", escape(group)));
        }
        xml.push_str("</item>");
    }
    xml
}

/// The roster result to our login fetch.
pub fn roster_result_xml(contacts: &[Contact]) -> String {
    let mut xml = format!(
        "<iq type='result' id='a3f1c09e' to='{ME}'><query xmlns='jabber:iq:roster' ver='{}'>",
        contacts.len() + 2
    );
    for contact in contacts {
        xml.push_str(&item_xml(contact));
    }
    xml.push_str("</query></iq>");
    xml
}

/// An available presence from `from` (a full JID), with caps and, when
/// `stamp` is set, the delay Prosody adds to presences it replays at login.
pub fn presence_xml(
    from: &str,
    show: Option<&str>,
    status: Option<&str>,
    priority: i8,
    stamp: Option<&str>,
) -> String {
    let mut xml = format!("<presence from='{from}' to='{ME}' xml:lang='en'>");
    if let Some(show) = show {
        xml.push_str(&format!("<show>{show}</show>"));
    }
    if let Some(status) = status {
        xml.push_str(&format!("<status>{}</status>", escape(status)));
    }
    xml.push_str(&format!(
        "<priority>{priority}</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' \
         node='{}' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>",
        CAPS_NODES[from.len() % CAPS_NODES.len()]
    ));
    if let Some(stamp) = stamp {
        let domain = from.split(['@', '/']).nth(1).unwrap_or("example.com");
        xml.push_str(&format!(
            "<delay xmlns='urn:xmpp:delay' from='{domain}' stamp='{stamp}'/>"
        ));
    }
    xml.push_str("</presence>");
    xml
}

/// The presence a resource sends when it goes offline.
pub fn unavailable_xml(from: &str) -> String {
    format!("<presence from='{from}' to='{ME}' type='unavailable' xml:lang='en'/>")
}

/// A chat message as a modern client sends it and Prosody (with MAM)
/// delivers it.
pub fn chat_xml(from: &str, id: &str, body: &str) -> String {
    format!(
        "<message type='chat' to='{ME}' id='{id}' from='{from}' xml:lang='en'>\
         <body>{}</body><thread>e0ffe42b28561960c6b12b944a092794</thread>\
         <active xmlns='http://jabber.org/protocol/chatstates'/>\
         <origin-id xmlns='urn:xmpp:sid:0' id='{id}'/>\
         <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.com' id='{id}-s'/></message>",
        escape(body)
    )
}

/// A headline from a news service.
pub fn headline_xml(i: usize, body: &str) -> String {
    format!(
        "<message type='headline' from='news.example.org' to='{ME}' id='news-{i}'>\
         <subject>Bulletin {i}: {}</subject><body>{} https://news.example.org/{i}</body></message>",
        escape(&body.split(' ').take(5).collect::<Vec<_>>().join(" ")),
        escape(body)
    )
}

/// A message body of a few to sixty words; one in twenty spans two lines.
pub fn body(rng: &mut Rng) -> String {
    let words: Vec<&str> = (0..2 + rng.below(58)).map(|_| rng.pick(WORDS)).collect();
    let line = words.join(" ");
    if rng.chance(5) {
        format!("{line}\n{line}")
    } else {
        line
    }
}

/// Reads `stanzas` (the inside of a stream) with the stream reader.
pub fn parse(stanzas: &str) -> Vec<Element> {
    let document = format!("{HEADER}{stanzas}</stream:stream>");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // The default limits, as a user has them: 16 MiB takes a 10,000-contact
        // roster result (~1.2 MB) with room to spare.
        let mut reader = XmlReader::new(document.as_bytes(), ReaderLimits::default());
        let mut elements = Vec::new();
        loop {
            match reader.next().await.expect("well-formed bench input") {
                StreamEvent::Header(_) => {}
                StreamEvent::Stanza(element) => elements.push(element),
                StreamEvent::End => return elements,
            }
        }
    })
}

pub fn presences(xml: &str) -> Vec<Presence> {
    parse(xml)
        .iter()
        .map(|e| Presence::parse(e).expect("a valid presence"))
        .collect()
}

pub fn messages(xml: &str) -> Vec<Message> {
    parse(xml)
        .iter()
        .map(|e| Message::parse(e).expect("a valid message"))
        .collect()
}

/// The IQ result carrying the whole roster.
pub fn roster_result(contacts: &[Contact]) -> Iq {
    let elements = parse(&roster_result_xml(contacts));
    Iq::parse(&elements[0]).expect("a valid roster result")
}

/// A roster push of one item, decoded as the session does.
pub fn roster_push(contact: &Contact, ver: usize) -> (RosterItem, Option<String>) {
    let xml = format!(
        "<iq type='set' id='push{ver}' to='{ME}'><query xmlns='jabber:iq:roster' ver='{ver}'>{}</query></iq>",
        item_xml(contact)
    );
    let iq = Iq::parse(&parse(&xml)[0]).expect("a valid push");
    roster::parse_push(iq.payload.as_ref().expect("a query")).expect("one item")
}

pub fn session(event: SessionEvent) -> Msg {
    Msg::Session { event, at: AT }
}

pub fn presence_msg(presence: Presence) -> Msg {
    session(SessionEvent::Presence(presence))
}

pub fn message_msg(message: Message) -> Msg {
    session(SessionEvent::Message(message))
}

/// A fresh store that just bound its resource, and the purpose of the
/// roster fetch it asked for (the engine pairs the reply with it).
pub fn online() -> (State, Purpose) {
    let mut state = State::new(Preferences::default());
    let features = StreamFeatures {
        bind: true,
        roster_versioning: true,
        stream_management: true,
        ..StreamFeatures::default()
    };
    let event = SessionEvent::Online {
        jid: jid::FullJid::new(ME).expect("our JID"),
        features,
    };
    let purpose = update(&mut state, session(event))
        .into_iter()
        .find_map(|effect| match effect {
            Effect::Request {
                purpose: purpose @ Purpose::RosterGet { .. },
                ..
            } => Some(purpose),
            _ => None,
        })
        .expect("the login asks for the roster");
    // The login steps before initial presence: a server without carbons,
    // an account without an archive.
    for step in [Purpose::ServerInfo, Purpose::AccountInfo] {
        update(
            &mut state,
            Msg::Reply {
                purpose: step,
                result: Ok(Answer::Features(Vec::new())),
            },
        );
    }
    (state, purpose)
}

/// A store logged in with `roster` applied and initial presence sent.
pub fn logged_in(roster: &Iq) -> State {
    let (mut state, purpose) = online();
    update(
        &mut state,
        Msg::Reply {
            purpose,
            // Decoded as the session does it, before the store sees it.
            result: Query::RosterGet { ver: None }.decode(roster.clone()),
        },
    );
    state
}
