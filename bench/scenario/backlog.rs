//! The catch-up benchmark's traffic: alice's 50 contacts, how many messages each sends, the
//! bodies (short replies, sentences, paragraphs, links, a few long ones; CJK, emoji and XML
//! specials among them), and sending them all while no client of alice's is online.
//!
//! The backlog is fixed by a seed, so every run and every client catch up on the same messages.
//! Its very last message comes from [`MARKER_NAME`], the contact both clients draw on the first
//! row of their roster: once that row shows its final count, the client has got to the end of
//! the archive (the archive and offline delivery both keep the order the server received them
//! in).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::Semaphore;

use crate::provision::{Contact, FIRST, LAST, MARKER_GROUP, MARKER_NAME, MARKER_USER, Rng, Sub};
use crate::raw::{Raw, Target};
use balcony::xmpp::element::escape;

/// How many contacts write to alice.
pub const SENDERS: usize = 50;
/// Every backlog message's id (and origin-id) starts with this: `cu-SS-NNNNN`.
pub const PREFIX: &str = "cu-";
/// The one message archived before balcony's first launch, so that its history holds an
/// archive id older than the backlog.
pub const WARMUP_ID: &str = "wu-1";
pub const WARMUP_BODY: &str = "warm-up: archived before the first launch";
/// The sender of the warm-up message (an index into [`senders`]).
pub const WARMUP_SENDER: usize = 1;
const CONCURRENT_LOGINS: usize = 16;
const GROUPS: &[&str] = &["Friends", "Work", "Family", "Climbing", "Choir"];

/// One of alice's contacts and its share of the backlog.
#[derive(Clone, Debug)]
pub struct Sender {
    pub user: String,
    pub name: String,
    pub group: Option<String>,
    /// Messages in the backlog.
    pub count: usize,
}

impl Sender {
    /// The unread count a client should show for this contact: the backlog, plus the warm-up
    /// message if the client never saw it as read.
    pub fn expected(&self, index: usize) -> [usize; 2] {
        if index == WARMUP_SENDER {
            [self.count, self.count + 1]
        } else {
            [self.count, self.count]
        }
    }
}

/// The 50 senders with their shares of `total` messages: a Zipf-like spread (a few busy
/// conversations, many quiet ones), every sender at least one message, shuffled by the seed.
/// The first is the roster marker.
pub fn senders(total: usize, seed: u64) -> Result<Vec<Sender>> {
    if total < SENDERS {
        bail!("the catch-up needs at least {SENDERS} messages (one per contact)");
    }
    let mut rng = Rng::new(seed);
    let weights: Vec<f64> = (0..SENDERS)
        .map(|k| 1.0 / ((k + 1) as f64).powf(0.8))
        .collect();
    let sum: f64 = weights.iter().sum();
    let spare = total - SENDERS;
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| 1 + (w / sum * spare as f64).floor() as usize)
        .collect();
    // Largest remainders first, so the counts add up exactly.
    let mut order: Vec<usize> = (0..SENDERS).collect();
    order.sort_by(|&a, &b| {
        let frac = |k: usize| (weights[k] / sum * spare as f64).fract();
        frac(b).total_cmp(&frac(a))
    });
    let mut left = total - counts.iter().sum::<usize>();
    for &k in order.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[k] += 1;
        left -= 1;
    }
    // Shuffle who gets which share (Fisher–Yates).
    for i in (1..SENDERS).rev() {
        counts.swap(i, rng.below(i + 1));
    }
    let senders = (0..SENDERS)
        .map(|i| {
            if i == 0 {
                return Sender {
                    user: MARKER_USER.into(),
                    name: MARKER_NAME.into(),
                    group: Some(MARKER_GROUP.into()),
                    count: counts[i],
                };
            }
            Sender {
                user: format!("sender{i:02}"),
                // Unique: (i mod 30, 7i mod 20) repeats only every 60.
                name: format!("{} {}", FIRST[i % FIRST.len()], LAST[(7 * i) % LAST.len()]),
                group: (i % 7 != 0).then(|| GROUPS[i % GROUPS.len()].to_owned()),
                count: counts[i],
            }
        })
        .collect();
    Ok(senders)
}

/// The senders as roster entries (all mutual subscriptions, nobody online, no requests).
pub fn contacts(senders: &[Sender]) -> Vec<Contact> {
    senders
        .iter()
        .map(|s| Contact {
            user: s.user.clone(),
            name: Some(s.name.clone()),
            groups: s.group.iter().cloned().collect(),
            sub: Sub::Both,
            pending_in: None,
            online: None,
        })
        .collect()
}

const SHORT: &[&str] = &[
    "ok",
    "👍",
    "lol",
    "sure!",
    "on my way",
    "thanks :)",
    "np",
    "😂😂😂",
    "brb",
    "ja, passt",
    "好的",
    "see you at 6",
    "can't today, sorry",
    "yes & no",
    "<3",
    "hmm",
    "Done.",
    "🙈",
    "merci !",
    "where are you?",
];
const WORDS: &[&str] = &[
    "the",
    "meeting",
    "tomorrow",
    "I",
    "think",
    "we",
    "should",
    "move",
    "it",
    "to",
    "Friday",
    "because",
    "the",
    "release",
    "is",
    "not",
    "ready",
    "yet",
    "and",
    "Sam",
    "still",
    "has",
    "to",
    "review",
    "patch",
    "train",
    "was",
    "late",
    "again",
    "so",
    "dinner",
    "at",
    "eight",
    "could",
    "you",
    "send",
    "me",
    "the",
    "slides",
    "from",
    "last",
    "week",
    "climbing",
    "gym",
    "weather",
    "looks",
    "great",
    "for",
    "Sunday",
    "did",
    "anyone",
    "see",
    "my",
    "keys",
    "server",
    "restarted",
    "twice",
    "tonight",
    "budget",
    "café",
    "Müller",
    "naïve",
    "東京",
    "😊",
    "x < y",
    "R&D",
    "\"quoted\"",
    "it's",
    "a",
    "of",
    "in",
    "on",
    "with",
];

fn sentence(rng: &mut Rng, min: usize, max: usize) -> String {
    let n = min + rng.below(max - min + 1);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len())]);
    }
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push_str(match rng.below(4) {
        0 => "?",
        1 => "!",
        _ => ".",
    });
    s
}

/// One body: 30% short replies, 45% a sentence, 15% a paragraph, 5% a link, 5% long
/// (1–3 KB).
pub fn body(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=29 => rng.pick(SHORT).to_string(),
        30..=74 => sentence(rng, 4, 24),
        75..=89 => {
            let n = 3 + rng.below(6);
            (0..n)
                .map(|_| sentence(rng, 6, 20))
                .collect::<Vec<_>>()
                .join(" ")
        }
        90..=94 => format!(
            "have a look: https://example.org/notes/{}?ref=chat&page={} {}",
            rng.next() % 100_000,
            rng.below(40),
            sentence(rng, 2, 8)
        ),
        _ => {
            let n = 15 + rng.below(30);
            (0..n)
                .map(|_| sentence(rng, 8, 16))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

/// One chat message to alice, as a current client sends it: body, chat state, origin id.
pub fn stanza(to: &str, id: &str, body: &str) -> String {
    format!(
        "<message type='chat' to='{to}' id='{id}'><body>{}</body>\
         <active xmlns='http://jabber.org/protocol/chatstates'/>\
         <origin-id xmlns='urn:xmpp:sid:0' id='{id}'/></message>",
        escape(body)
    )
}

/// The id of sender `s`'s `i`-th message (from 1).
pub fn message_id(s: usize, i: usize) -> String {
    format!("{PREFIX}{s:02}-{i:05}")
}

/// Each sender's messages, in sending order.
fn batches(to: &str, senders: &[Sender], seed: u64) -> Vec<Vec<String>> {
    let mut rng = Rng::new(seed ^ 0xC47C_4B0B);
    senders
        .iter()
        .enumerate()
        .map(|(s, sender)| {
            (1..=sender.count)
                .map(|i| stanza(to, &message_id(s, i), &body(&mut rng)))
                .collect()
        })
        .collect()
}

/// Waits until the server has handled everything this session sent before: it answers a ping
/// only after the stanzas ahead of it (one connection's stanzas are handled in order).
async fn sync(raw: &mut Raw, id: &str) -> Result<()> {
    let from = raw.received.len();
    raw.send(&format!(
        "<iq type='get' id='{id}'><ping xmlns='urn:xmpp:ping'/></iq>"
    ))
    .await?;
    raw.read_until_seen(from, &format!("id='{id}'")).await?;
    Ok(())
}

/// Sends the warm-up message from [`WARMUP_SENDER`].
pub async fn send_warmup(
    target: &Target,
    to: &str,
    senders: &[Sender],
    password: &str,
) -> Result<()> {
    let mut raw = Raw::login(target, &senders[WARMUP_SENDER].user, password, "backlog").await?;
    raw.send(&stanza(to, WARMUP_ID, WARMUP_BODY)).await?;
    sync(&mut raw, "warm").await?;
    raw.close().await;
    Ok(())
}

/// Logs every sender in (without presence: alice sees them offline), then all send their
/// messages at once, so the conversations interleave in the archive; the marker's last message
/// goes alone after everyone else's were handled. Returns the time from the first send until
/// the server had handled the last message.
pub async fn send(
    target: Arc<Target>,
    to: &str,
    senders: &[Sender],
    password: &str,
    seed: u64,
) -> Result<Duration> {
    let mut batches = batches(to, senders, seed);
    let last = batches[0].pop().context("the marker sends nothing")?;
    let gate = Arc::new(Semaphore::new(CONCURRENT_LOGINS));
    let mut logins = tokio::task::JoinSet::new();
    for (s, sender) in senders.iter().enumerate() {
        let (gate, target) = (gate.clone(), target.clone());
        let (user, password) = (sender.user.clone(), password.to_owned());
        logins.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let raw = Raw::login(&target, &user, &password, "backlog").await?;
            anyhow::Ok((s, raw))
        });
    }
    let mut sessions: Vec<Option<Raw>> = (0..senders.len()).map(|_| None).collect();
    while let Some(joined) = logins.join_next().await {
        let (s, raw) = joined.context("login task")??;
        sessions[s] = Some(raw);
    }
    let start = Instant::now();
    let mut sends = tokio::task::JoinSet::new();
    for (s, batch) in batches.into_iter().enumerate() {
        let mut raw = sessions[s].take().context("a sender did not log in")?;
        sends.spawn(async move {
            raw.send(&batch.concat()).await?;
            sync(&mut raw, "sent").await?;
            anyhow::Ok((s, raw))
        });
    }
    let mut marker = None;
    let mut others = Vec::new();
    while let Some(joined) = sends.join_next().await {
        let (s, raw) = joined.context("send task")??;
        if s == 0 {
            marker = Some(raw);
        } else {
            others.push(raw);
        }
    }
    let mut marker = marker.context("the marker's session is gone")?;
    marker.send(&last).await?;
    sync(&mut marker, "last").await?;
    let took = start.elapsed();
    others.push(marker);
    for raw in others {
        raw.close().await;
    }
    Ok(took)
}
