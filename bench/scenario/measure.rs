//! The measurements on one running client: launch until the roster is drawn, first key echo,
//! idle CPU, peak RSS, the flood with key latency during it, and the server's routing floor.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use tokio::runtime::Runtime;

use crate::clients::{Client, ClientDir, LaunchOptions};
use crate::provision::SINK_USER;
use crate::raw::Raw;
use crate::setup::Scenario;
use crate::term::{self, Pane};

/// How long a client may take to draw its roster.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(600);
/// How long the last flood message may take to show.
const FLOOD_TIMEOUT: Duration = Duration::from_secs(600);
/// Pause between two key probes during the flood.
const KEY_PROBE_GAP: Duration = Duration::from_millis(100);
/// A key probe that is not echoed within this long is counted at this value.
const KEY_PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// CPU is counted until this long after the last message showed, for work that trails the
/// drawing (history commits, deferred redraws).
const FLOOD_TAIL: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// capture-pane polling interval.
    pub poll: Duration,
    pub idle: Duration,
    pub messages: usize,
    pub ticks_per_sec: u64,
}

/// Statistics of the screen polling itself, so its latency can be reported next to results.
#[derive(Clone, Debug, Default)]
pub struct CaptureCost {
    pub samples_ms: Vec<f64>,
}

impl CaptureCost {
    pub fn timed(&mut self, pane: &Pane) -> Result<(String, Instant)> {
        let t = Instant::now();
        let screen = pane.capture()?;
        let now = Instant::now();
        self.samples_ms.push(ms(now - t));
        Ok((screen, now))
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Launch {
    /// Spawn → marker contact on screen.
    pub visible_ms: f64,
    /// Spawn → marker on screen and the client says it is online: "roster drawn".
    pub ready_ms: f64,
    /// Wall clock at "roster drawn", to compare with XML trace stamps.
    #[serde(skip)]
    pub ready_wall: Option<SystemTime>,
    #[serde(skip)]
    pub visible_wall: Option<SystemTime>,
}

/// Starts `client` in a pane and waits for its roster. The pane is returned running.
pub fn launch(
    client: Client,
    scenario: &Scenario,
    dir: &ClientDir,
    balcony: &Path,
    opts: &LaunchOptions,
    s: &Settings,
    cost: &mut CaptureCost,
) -> Result<(Pane, Launch)> {
    let argv = client.prepare(scenario, dir, balcony, opts)?;
    scenario.wait_server_idle(s.ticks_per_sec);
    let pane = Pane::launch(&dir.root.join("tmux"), &argv, &dir.env())?;
    let mut result = Launch::default();
    let mut visible_at = None;
    let deadline = pane.spawned + LAUNCH_TIMEOUT;
    loop {
        let (screen, at) = cost.timed(&pane)?;
        let visible = client.roster_visible(&screen);
        if visible && visible_at.is_none() {
            visible_at = Some(at);
            result.visible_wall = Some(SystemTime::now());
        }
        if visible && client.online(&screen) {
            result.visible_ms = ms(visible_at.unwrap_or(at) - pane.spawned);
            result.ready_ms = ms(at - pane.spawned);
            result.ready_wall = Some(SystemTime::now());
            break;
        }
        if at > deadline || !pane.alive() {
            bail!(
                "{client}: roster not drawn after {:?}{}; the screen:\n{screen}",
                at - pane.spawned,
                if pane.alive() { "" } else { " (it exited)" }
            );
        }
        std::thread::sleep(s.poll);
    }
    Ok((pane, result))
}

/// Sends `key`; returns when it was handed to tmux.
fn send_key(pane: &Pane, key: &str) -> Result<Instant> {
    let sent = Instant::now();
    if key.chars().count() == 1 {
        pane.type_text(key)?;
    } else {
        pane.keys(&[key])?;
    }
    Ok(sent)
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Idle {
    /// Spawn → the last CPU tick before the client went quiet (no CPU for [`QUIET`]): when the
    /// login's work, presence burst included, was over.
    pub settled_ms: f64,
    /// CPU the client used from spawn until then.
    pub login_cpu_ms: f64,
    pub cpu_ms: f64,
    pub voluntary_per_sec: f64,
    pub seconds: f64,
    /// VmHWM at the end of the idle window: the peak of the whole login.
    pub peak_rss_kib: u64,
}

/// How long a client must use no CPU to count as done with its login.
pub const QUIET: Duration = Duration::from_secs(1);
/// How long a client may stay busy after drawing its roster.
const QUIET_TIMEOUT: Duration = Duration::from_secs(1200);

/// Waits until the client has used no CPU for [`QUIET`] while the server (`server_pid`) has
/// used none either: the server answers a big login's probes seconds after the roster, so a
/// quiet client alone does not mean the login is over. Returns when the client's last busy
/// sample was taken, and its CPU ticks then.
pub fn wait_quiet(pane: &Pane, server_pid: Option<u32>) -> Result<(Instant, u64)> {
    let server_ticks = || {
        server_pid
            .and_then(|p| term::sample(p).ok())
            .map(|s| s.cpu_ticks)
    };
    let deadline = Instant::now() + QUIET_TIMEOUT;
    let start = Instant::now();
    let mut busy = (start, term::sample(pane.pid)?.cpu_ticks);
    // The server counts as busy when it used 20 ms or more in a 100 ms sample: its timers
    // alone never do.
    let mut server_busy = start;
    let mut server_prev = server_ticks();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = Instant::now();
        let ticks = term::sample(pane.pid)?.cpu_ticks;
        if ticks > busy.1 {
            busy = (now, ticks);
        }
        let st = server_ticks();
        if let (Some(a), Some(b)) = (server_prev, st)
            && b >= a + 2
        {
            server_busy = now;
        }
        server_prev = st;
        if now - busy.0 >= QUIET && now - server_busy >= QUIET {
            return Ok(busy);
        }
        if now > deadline {
            bail!("the client was still busy {QUIET_TIMEOUT:?} after its roster showed");
        }
    }
}

/// Waits for the login's work to end, then measures CPU time and voluntary context switches
/// over `idle`.
pub fn idle(pane: &Pane, scenario: &Scenario, s: &Settings) -> Result<Idle> {
    let (settled, login_ticks) = wait_quiet(pane, scenario.server.pid())?;
    let a = term::sample(pane.pid)?;
    let t = Instant::now();
    std::thread::sleep(s.idle);
    let b = term::sample(pane.pid)?;
    let secs = t.elapsed().as_secs_f64();
    Ok(Idle {
        settled_ms: ms(settled.saturating_duration_since(pane.spawned)),
        login_cpu_ms: ticks_ms(login_ticks, s),
        cpu_ms: ticks_ms(b.cpu_ticks - a.cpu_ticks, s),
        voluntary_per_sec: (b.voluntary.saturating_sub(a.voluntary)) as f64 / secs,
        seconds: secs,
        peak_rss_kib: term::peak_rss_kib(pane.pid)?,
    })
}

fn ticks_ms(ticks: u64, s: &Settings) -> f64 {
    ticks as f64 * 1000.0 / s.ticks_per_sec as f64
}

/// The flood's messages, as one buffer: `count` chats to `to` with numbered bodies and ids
/// unique to this flood (`tag`), carrying what a current client sends along with a body: a chat
/// state (XEP-0085) and an origin id (XEP-0359).
pub fn flood_stanzas(to: &str, count: usize, tag: &str) -> String {
    let mut out = String::with_capacity(count * 300);
    for i in 1..=count {
        out.push_str(&format!(
            "<message type='chat' to='{to}' id='{tag}-{i}'><body>{}</body>\
             <active xmlns='http://jabber.org/protocol/chatstates'/>\
             <origin-id xmlns='urn:xmpp:sid:0' id='{tag}-{i}'/></message>",
            body(i, count)
        ));
    }
    out
}

pub fn body(i: usize, count: usize) -> String {
    format!("msg#{i:05} of {count}: the quick brown fox jumps over the lazy dog")
}

/// What the last message's body starts with, as searched on screen.
pub fn last_marker(count: usize) -> String {
    format!("msg#{count:05} of {count}")
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Flood {
    /// First send → last body on screen.
    pub last_ms: f64,
    /// Client CPU from the first send until [`FLOOD_TAIL`] after the last body showed.
    pub cpu_ms: f64,
    /// Key latencies during the flood.
    pub keys_ms: Vec<f64>,
    /// balcony: rows of this flood in the history database.
    pub history_rows: Option<u64>,
    /// Modal dialogs closed before the chat could be opened.
    pub dialogs_closed: usize,
}

/// Sends the flood to alice with the chat open and measures it.
pub fn flood(
    client: Client,
    pane: &Pane,
    scenario: &mut Scenario,
    rt: &Runtime,
    s: &Settings,
    tag: &str,
    cost: &mut CaptureCost,
) -> Result<Flood> {
    let dialogs = client.dismiss_dialogs(pane, s.poll)?;
    client.open_chat(pane, &scenario.server.domain)?;
    pane.wait_until(
        "the flooder's chat",
        Duration::from_secs(30),
        s.poll,
        |screen| client.chat_open(screen) && client.input_line(screen).is_empty(),
    )?;
    let stanzas = flood_stanzas(&scenario.alice.jid, s.messages, tag);
    wait_quiet(pane, scenario.server.pid())?;
    let last = last_marker(s.messages);
    let mut flooder = scenario.flooder.take().context("no flooder session")?;
    let before = term::sample(pane.pid)?;
    let start = Instant::now();
    let sending = rt.spawn(async move {
        let r = flooder.send(&stanzas).await;
        (flooder, r)
    });

    let mut result = Flood {
        dialogs_closed: dialogs,
        ..Flood::default()
    };
    // One poll loop watches for the last message and runs the key probes: a probe types `x`
    // and waits for the input line to read `x`, the next one erases it.
    let mut probe: Option<(Instant, &str)> = None;
    let mut next_probe = start + KEY_PROBE_GAP;
    let mut typed = false;
    let mut end = None;
    loop {
        let (screen, at) = cost.timed(pane)?;
        if end.is_none() && screen.contains(&last) {
            end = Some(at);
        }
        match probe {
            Some((sent, expect)) => {
                let echoed = client.input_line(&screen) == expect;
                if echoed || at - sent > KEY_PROBE_TIMEOUT {
                    result.keys_ms.push(ms(at - sent));
                    typed = !typed;
                    probe = None;
                    next_probe = at + KEY_PROBE_GAP;
                }
            }
            None if at >= next_probe && end.is_none() => {
                let (key, expect) = if typed { ("BSpace", "") } else { ("x", "x") };
                probe = Some((send_key(pane, key)?, expect));
            }
            None => {}
        }
        // Done when the last message showed and no probe is waiting for its echo.
        if end.is_some() && probe.is_none() {
            break;
        }
        if at - start > FLOOD_TIMEOUT || !pane.alive() {
            bail!(
                "{client}: last message not shown after {:?}; the screen:\n{screen}",
                at - start
            );
        }
        std::thread::sleep(s.poll);
    }
    let end = end.context("the flood loop ended without the last message")?;
    result.last_ms = ms(end - start);
    let (flooder, sent) = rt.block_on(sending)?;
    sent.context("sending the flood")?;
    scenario.flooder = Some(flooder);
    // Leave the input line empty for whoever comes next.
    if typed {
        send_key(pane, "BSpace")?;
    }
    let tail = (end + FLOOD_TAIL).saturating_duration_since(Instant::now());
    std::thread::sleep(tail);
    let after = term::sample(pane.pid)?;
    result.cpu_ms = ticks_ms(after.cpu_ticks - before.cpu_ticks, s);
    Ok(result)
}

/// Rows of flood `tag` in balcony's history.
pub fn history_rows(path: &Path, tag: &str) -> Result<u64> {
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {}", path.display()))?;
    let rows: i64 = db.query_row(
        "SELECT count(*) FROM messages WHERE direction = 'in' AND stanza_id LIKE ?1",
        [format!("{tag}-%")],
        |r| r.get(0),
    )?;
    Ok(rows as u64)
}

/// The routing floor: the flooder sends the flood to the sink, a raw session that only reads;
/// time from the first send until the sink has read the last message.
pub fn floor(
    scenario: &mut Scenario,
    rt: &Runtime,
    messages: usize,
    tag: &str,
    ticks_per_sec: u64,
) -> Result<f64> {
    scenario.wait_server_idle(ticks_per_sec);
    let to = format!("{SINK_USER}@{}", scenario.server.domain);
    let stanzas = flood_stanzas(&to, messages, tag);
    let last = last_marker(messages);
    let mut flooder = scenario.flooder.take().context("no flooder session")?;
    let (target, password) = (&scenario.target, scenario.contact_password.clone());
    let result = rt.block_on(async {
        let mut sink = Raw::login(target, SINK_USER, &password, "floor").await?;
        // Only an available resource gets messages sent to the bare JID.
        sink.send("<presence/>").await?;
        sink.read_until_quiet(Duration::from_millis(300), Duration::from_secs(5))
            .await?;
        let from = sink.received.len();
        let start = Instant::now();
        let (sent, seen) = tokio::join!(flooder.send(&stanzas), async {
            let r = sink.read_until_seen(from, &last).await;
            (r, Instant::now())
        });
        sent?;
        let (end, at) = seen;
        end?;
        let got = String::from_utf8_lossy(&sink.received[from..])
            .matches("<message")
            .count();
        sink.close().await;
        if got != messages {
            bail!("the sink got {got} of {messages} messages");
        }
        anyhow::Ok(ms(at - start))
    });
    scenario.flooder = Some(flooder);
    result
}
