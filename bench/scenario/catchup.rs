//! The archive catch-up benchmark (`--catchup`; bench/README.md, "Catch-up from the archive"):
//! 10,000 messages from 50 contacts archived while alice's clients were closed, then how long
//! balcony takes from launch until all are in its history and the unread counts are drawn,
//! against the server floor (a raw session paging the same archive) and Profanity.
//!
//! Order of one run: Prosody with `mod_mam` and `mod_offline` (both stores in memory) →
//! warm-up message → balcony's warm-up launch (its idle RSS; its history now holds the warm-up
//! message's archive id) → the backlog → archive count → Profanity (it consumes the offline
//! store, so it goes before anything else could) → balcony's measured launches, each from a
//! copy of the warm-up history → one traced launch (the page size balcony asks for) → the floor
//! with that page size. The traffic itself is in backlog.rs, the raw archive queries in
//! archive.rs, Profanity's set-up in profanity.rs, the table and the JSON in
//! catchup_report.rs.

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::runtime::Runtime;

use crate::archive;
use crate::backlog::{self, Sender};
use crate::catchup_report::{Catchup, DEFAULT_PAGE, Results, cell, summary};
use crate::clients::{Client, ClientDir, LaunchOptions};
use crate::measure::{self, CaptureCost, Settings, ms};
use crate::profanity;
use crate::server::ServerOptions;
use crate::setup::Scenario;
use crate::term::{self, Pane};

/// How long one client may take to catch up before the run counts as failed.
const CATCHUP_TIMEOUT: Duration = Duration::from_secs(240);
/// The backlog's seed.
const SEED: u64 = 13;

/// Prosody's archive (`mod_mam`) and offline storage (`mod_offline`, on in Debian's default
/// config), both in `mod_storage_memory`: the internal (file) archive store needs minutes for
/// 10,000 messages. Memory stores last as long as the server process, which stays up for the
/// whole run. The memory store keeps 1,000 items per user unless told otherwise (the rest are
/// refused, and `mod_mam` then truncates the archive). All of it goes in the host's section:
/// host options override the global ones (setting a global option twice is an error on some
/// paths), and the host's module list adds to the global one.
const SERVER_CONFIG: &str = "VirtualHost \"localhost\"\n\
                             storage = { archive = \"memory\", offline = \"memory\" }\n\
                             default_storage = \"internal\"\n\
                             storage_archive_item_limit = 1000000\n\
                             max_archive_query_results = 50\n\
                             modules_enabled = { \"mam\", \"offline\" }\n";

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub runs: usize,
    pub balcony: bool,
    pub profanity: bool,
    pub messages: usize,
    pub keep: bool,
}

/// Copies `from` into `to` (a fresh directory), except tmux's socket directory.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_name() == "tmux" {
            fs::create_dir_all(&dst)?;
        } else if entry.file_type()?.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

fn open_history(path: &Path) -> Result<rusqlite::Connection> {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))
}

/// The newest row of balcony's history, before a launch.
fn last_row(path: &Path) -> Result<i64> {
    let db = open_history(path)?;
    Ok(
        db.query_row("SELECT coalesce(max(row), 0) FROM messages", [], |r| {
            r.get(0)
        })?,
    )
}

/// Incoming rows after `row`: cheap (a range of the primary key), polled while balcony writes.
fn rows_after(path: &Path, row: i64) -> Result<u64> {
    let db = open_history(path)?;
    let n: i64 = db.query_row(
        "SELECT count(*) FROM messages WHERE row > ?1 AND direction = 'in'",
        [row],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Backlog rows in balcony's history, by message id or origin id, each message counted once.
fn backlog_rows(path: &Path) -> Result<u64> {
    let db = open_history(path)?;
    let n: i64 = db.query_row(
        "SELECT count(DISTINCT coalesce(origin_id, stanza_id)) FROM messages \
         WHERE direction = 'in' AND (stanza_id LIKE ?1 OR origin_id LIKE ?1)",
        [format!("{}%", backlog::PREFIX)],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// The archive id balcony stored for the warm-up message, if it got it from the archive.
fn warmup_archive_id(path: &Path) -> Result<Option<String>> {
    let db = open_history(path)?;
    Ok(db
        .query_row(
            "SELECT archive_id FROM messages WHERE archive_id IS NOT NULL \
             ORDER BY row DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok())
}

/// How a client draws an unread count after a contact's name in its roster.
#[derive(Clone, Copy)]
enum Style {
    /// `Aaron Aardvark 213`
    Balcony,
    /// `Aaron Aardvark (213)`
    Profanity,
}

/// The counts drawn after `name` on `line` in `style`, one per occurrence that has one.
fn counts_after(line: &str, name: &str, style: Style) -> Vec<usize> {
    line.match_indices(name)
        .filter_map(|(at, _)| {
            let rest = &line[at + name.len()..];
            // `Name*N` in the window bar counts only when the entry ends there: the bar's last
            // entry may be cut at the pane's edge (`Name*2` for 264).
            let (rest, whole) = match style {
                Style::Balcony => match rest.strip_prefix('*') {
                    Some(rest) => (rest, Some([' ', ']'])),
                    // Right-aligned in the roster pane.
                    None => (rest.strip_prefix(' ')?.trim_start_matches(' '), None),
                },
                Style::Profanity => (rest.strip_prefix(" (")?, None),
            };
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Some(ends) = whole {
                let next = rest[digits.len()..].chars().next()?;
                if !ends.contains(&next) {
                    return None;
                }
            }
            digits.parse().ok()
        })
        .collect()
}

/// Every count drawn for a contact on screen is its final one, the marker's among them (its
/// roster row is the first, and its message the archive's last); contacts shown without a
/// count (scrolled out of the roster, say) are not judged. For balcony the status bar's total
/// is at least the backlog.
fn counts_drawn(screen: &str, senders: &[Sender], style: Style, total: usize) -> bool {
    if let Style::Balcony = style {
        let shown = screen.lines().find_map(|l| {
            let before = &l[..l.find(" unread")?];
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse::<usize>().ok()
        });
        if shown.is_none_or(|n| n < total) {
            return false;
        }
    }
    let mut marker = false;
    for (i, s) in senders.iter().enumerate() {
        let counts: Vec<usize> = screen
            .lines()
            .flat_map(|l| counts_after(l, &s.name, style))
            .collect();
        if counts.iter().any(|c| !s.expected(i).contains(c)) {
            return false;
        }
        marker |= i == 0 && !counts.is_empty();
    }
    marker
}

/// Keeps the screen the measurement ended on (`screen.txt` in the client's directory, kept
/// with `--keep`).
fn save_screen(pane: &Pane, dir: &ClientDir) {
    if let Ok(screen) = pane.capture() {
        let _ = fs::write(dir.root.join("screen.txt"), screen);
    }
}

/// Launches balcony on a copy of the warm-up directory and measures its catch-up.
#[allow(clippy::too_many_arguments)]
fn balcony_catchup(
    scenario: &Scenario,
    senders: &[Sender],
    snapshot: &ClientDir,
    base: &Path,
    balcony: &Path,
    run: usize,
    s: &Settings,
    cost: &mut CaptureCost,
) -> Result<(Catchup, ClientDir)> {
    let dir = ClientDir::new(base.join(format!("balcony-catchup-{run}")))?;
    copy_dir(&snapshot.root, &dir.root)?;
    let history = dir.history();
    let before = last_row(&history)?;
    let argv = Client::Balcony.prepare(scenario, &dir, balcony, &LaunchOptions::default())?;
    scenario.wait_server_idle(s.ticks_per_sec);
    let pane = Pane::launch(&dir.root.join("tmux"), &argv, &dir.env())?;
    let mut r = Catchup {
        client: "balcony".into(),
        run,
        ..Catchup::default()
    };
    let total = s.messages;
    let (mut rows_at, mut drawn_at) = (None, None);
    let deadline = pane.spawned + CATCHUP_TIMEOUT;
    loop {
        let (screen, at) = cost.timed(&pane)?;
        if drawn_at.is_none() && counts_drawn(&screen, senders, Style::Balcony, total) {
            drawn_at = Some(at);
        }
        if rows_at.is_none() {
            // Errors while balcony opens or checkpoints its database only mean "not yet".
            let added = rows_after(&history, before).unwrap_or(0);
            if added >= total as u64 && backlog_rows(&history).unwrap_or(0) >= total as u64 {
                rows_at = Some(Instant::now());
            }
        }
        if rows_at.is_some() && drawn_at.is_some() {
            break;
        }
        if at > deadline || !pane.alive() {
            let rows = backlog_rows(&history).unwrap_or(0);
            r.error = Some(format!(
                "not caught up after {:.0} s{}: {rows} of {total} backlog rows in the history, \
                 counts {}drawn; the screen:\n{screen}",
                (at - pane.spawned).as_secs_f64(),
                if pane.alive() { "" } else { " (it exited)" },
                if drawn_at.is_some() { "" } else { "not " },
            ));
            break;
        }
        std::thread::sleep(s.poll);
    }
    save_screen(&pane, &dir);
    r.rows_ms = rows_at.map(|t| ms(t - pane.spawned));
    r.drawn_ms = drawn_at.map(|t| ms(t - pane.spawned));
    if let (Some(a), Some(b)) = (r.rows_ms, r.drawn_ms) {
        r.done_ms = Some(a.max(b));
    }
    if pane.alive() {
        let (settled, ticks) = measure::wait_quiet(&pane, scenario.server.pid())?;
        r.settled_ms = Some(ms(settled.saturating_duration_since(pane.spawned)));
        r.cpu_ms = Some(ticks as f64 * 1000.0 / s.ticks_per_sec as f64);
        r.peak_rss_kib = term::peak_rss_kib(pane.pid).ok();
        Client::Balcony.quit(&pane)?;
        pane.wait_exit(Duration::from_secs(15));
    }
    drop(pane);
    r.rows = backlog_rows(&history)?;
    r.rows_added = rows_after(&history, before)?;
    Ok((r, dir))
}

/// Profanity's catch-up: the offline delivery of the backlog after it logs in (it does not
/// page the archive at login; see bench/README.md). Timed until its roster shows every visible
/// contact's final count, the marker's included; its database is checked after it quit.
fn profanity_catchup(
    scenario: &Scenario,
    senders: &[Sender],
    base: &Path,
    s: &Settings,
    cost: &mut CaptureCost,
    results: &mut Results,
) -> Result<Catchup> {
    let dir = ClientDir::new(base.join("profanity"))?;
    let (argv, extra) = profanity::prepare(scenario, &dir)?;
    let mut env = dir.env();
    env.extend(extra);
    scenario.wait_server_idle(s.ticks_per_sec);
    let pane = Pane::launch(&dir.root.join("tmux"), &argv, &env)?;
    let mut r = Catchup {
        client: "profanity".into(),
        run: 1,
        ..Catchup::default()
    };
    let deadline = pane.spawned + CATCHUP_TIMEOUT;
    loop {
        let (screen, at) = cost.timed(&pane)?;
        if counts_drawn(&screen, senders, Style::Profanity, s.messages) {
            r.drawn_ms = Some(ms(at - pane.spawned));
            r.done_ms = r.drawn_ms;
            break;
        }
        if at > deadline || !pane.alive() {
            r.error = Some(format!(
                "counts not drawn after {:.0} s{}; the screen:\n{screen}",
                (at - pane.spawned).as_secs_f64(),
                if pane.alive() { "" } else { " (it exited)" },
            ));
            break;
        }
        std::thread::sleep(s.poll);
    }
    save_screen(&pane, &dir);
    if pane.alive() {
        let (settled, ticks) = measure::wait_quiet(&pane, scenario.server.pid())?;
        r.settled_ms = Some(ms(settled.saturating_duration_since(pane.spawned)));
        r.cpu_ms = Some(ticks as f64 * 1000.0 / s.ticks_per_sec as f64);
        r.peak_rss_kib = term::peak_rss_kib(pane.pid).ok();
        pane.keys(&["C-u"])?;
        pane.type_text("/quit")?;
        pane.keys(&["Enter"])?;
        if !pane.wait_exit(Duration::from_secs(15)) {
            eprintln!("[catch-up] profanity did not quit within 15 s; killed");
        }
    }
    drop(pane);
    if let Some(db) = profanity::database(&dir) {
        let rows = profanity::rows(&db, backlog::PREFIX, &scenario.alice.jid)?;
        r.rows = rows.0;
        r.rows_added = rows.1;
        results.profanity_rows = Some(rows);
    }
    Ok(r)
}

/// The whole catch-up benchmark; prints the table, writes the JSON to `out`.
pub fn run(
    o: &Options,
    balcony: &Path,
    rt: &Runtime,
    base: &Path,
    s: &Settings,
    out: &Path,
    versions: (String, String),
) -> Result<()> {
    let senders = backlog::senders(o.messages, SEED)?;
    let mut results = Results {
        prosody: versions.0,
        balcony: versions.1,
        profanity: crate::version("profanity", &["--version"]),
        messages: o.messages,
        counts: senders.iter().map(|s| s.count).collect(),
        ..Results::default()
    };
    let mut cost = CaptureCost::default();
    let opts = ServerOptions {
        extra_config: SERVER_CONFIG.into(),
        ..ServerOptions::default()
    };
    let scenario = Scenario::provision(
        base,
        "prosody-catchup",
        backlog::contacts(&senders),
        opts,
        o.keep,
    )?;
    let target = Arc::new(crate::raw::Target::new(
        scenario.server.addr(),
        &scenario.server.domain,
        &scenario.server.ca_file,
    )?);
    let alice = scenario.alice.clone();
    let password = scenario.contact_password.clone();
    rt.block_on(backlog::send_warmup(
        &target, &alice.jid, &senders, &password,
    ))?;

    // Warm-up: balcony's first login (nothing but the warm-up message to fetch), its idle
    // RSS, and a history holding an archive id older than the backlog.
    let warm = ClientDir::new(base.join("balcony-warm"))?;
    if o.balcony {
        let plain = LaunchOptions::default();
        let (pane, _) = measure::launch(
            Client::Balcony,
            &scenario,
            &warm,
            balcony,
            &plain,
            s,
            &mut cost,
        )?;
        measure::wait_quiet(&pane, scenario.server.pid())?;
        results.idle_rss_kib = term::peak_rss_kib(pane.pid).ok();
        Client::Balcony.quit(&pane)?;
        pane.wait_exit(Duration::from_secs(15));
        drop(pane);
        results.warmup_archive_id = warmup_archive_id(&warm.history())?;
        match &results.warmup_archive_id {
            Some(id) => eprintln!("[catch-up] warm-up: balcony holds archive id {id}"),
            None => eprintln!(
                "[catch-up] warm-up: balcony's history holds no archive id: it has no \
                 catch-up cursor (this build does not read the archive)"
            ),
        }
    }

    eprintln!(
        "[catch-up] sending {} messages from {} contacts…",
        o.messages,
        senders.len()
    );
    scenario.wait_server_idle(s.ticks_per_sec);
    let took = rt.block_on(backlog::send(
        target.clone(),
        &alice.jid,
        &senders,
        &password,
        SEED,
    ))?;
    results.send_ms = ms(took);
    scenario.wait_server_idle(s.ticks_per_sec);
    let (first_id, count) = rt.block_on(async {
        let mut raw = crate::raw::Raw::login(&target, &alice.user, &alice.password, "count")
            .await
            .context("alice's count session")?;
        let (id, text) = archive::first(&mut raw).await?;
        if !text.contains(backlog::WARMUP_BODY) {
            bail!("the archive's first message is not the warm-up message: {text}");
        }
        let count = archive::total(&mut raw).await?;
        raw.close().await;
        anyhow::Ok((id, count))
    })?;
    eprintln!(
        "[catch-up] sent in {:.1} s; the archive holds {count} messages, the first the \
         warm-up message ({first_id})",
        took.as_secs_f64()
    );
    results.archive_count = Some(count);
    if let Some(held) = &results.warmup_archive_id
        && *held != first_id
    {
        eprintln!(
            "[catch-up] balcony's newest archive id {held} is not the warm-up message's \
             {first_id}: its catch-up starts elsewhere than the floor's"
        );
    }
    if count != o.messages as u64 + 1 {
        bail!(
            "the archive holds {count} messages, not the warm-up message and {}",
            o.messages
        );
    }

    if o.profanity {
        match profanity_catchup(&scenario, &senders, base, s, &mut cost, &mut results) {
            Ok(r) => {
                eprintln!("[catch-up] profanity: {}", summary(&r));
                results.profanity_runs.push(r);
            }
            Err(e) => eprintln!("[catch-up] profanity failed: {e:#}"),
        }
        let after = rt.block_on(async {
            let mut raw =
                crate::raw::Raw::login(&target, &alice.user, &alice.password, "count").await?;
            let n = archive::total(&mut raw).await?;
            raw.close().await;
            anyhow::Ok(n)
        })?;
        results.archive_count_after_profanity = Some(after);
    }

    let mut last_dir = None;
    if o.balcony {
        for run in 1..=o.runs {
            let (r, dir) =
                balcony_catchup(&scenario, &senders, &warm, base, balcony, run, s, &mut cost)?;
            eprintln!("[catch-up] balcony run {run}: {}", summary(&r));
            let failed = r.error.is_some();
            results.balcony_runs.push(r);
            if let Some(old) = last_dir.replace(dir)
                && !o.keep
            {
                let _ = fs::remove_dir_all(&old.root);
            }
            if failed {
                eprintln!("[catch-up] balcony did not catch up; no more runs");
                break;
            }
        }
        // The page size balcony asks for, from one more (traced) launch: with nothing left to
        // catch up it sends one query after its newest archive id.
        let dir = last_dir.as_ref().unwrap_or(&warm);
        let trace_file = dir.root.join("xml-trace.log");
        let traced = LaunchOptions {
            xml_trace: Some(trace_file.clone()),
        };
        let (pane, _) = measure::launch(
            Client::Balcony,
            &scenario,
            dir,
            balcony,
            &traced,
            s,
            &mut cost,
        )?;
        measure::wait_quiet(&pane, scenario.server.pid())?;
        Client::Balcony.quit(&pane)?;
        pane.wait_exit(Duration::from_secs(15));
        drop(pane);
        results.page_sizes = archive::page_sizes_sent(&crate::trace::read(&trace_file)?);
    }

    let max = results
        .page_sizes
        .last()
        .copied()
        .unwrap_or(DEFAULT_PAGE)
        .max(1);
    for run in 1..=o.runs {
        for quick_ack in [false, true] {
            scenario.wait_server_idle(s.ticks_per_sec);
            let f = rt.block_on(archive::floor(
                &target,
                (&alice.user, &alice.password),
                &first_id,
                max,
                scenario.server.pid().map(|pid| (pid, s.ticks_per_sec)),
                quick_ack,
            ))?;
            eprintln!(
                "[catch-up] floor run {run}{}: {:.0} ms ({} pages of {max}, {} results, login \
                 {:.0} ms, Prosody CPU {} ms)",
                if quick_ack { " (quick ACKs)" } else { "" },
                f.total_ms,
                f.pages,
                f.results,
                f.login_ms,
                cell(f.server_cpu_ms, 0)
            );
            if f.results != o.messages {
                bail!("the floor read {} results, not {}", f.results, o.messages);
            }
            results.floors.push(f);
        }
    }
    results.capture_ms = cost.samples_ms;

    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(out, serde_json::to_string_pretty(&results.json())?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("{}", results.markdown());
    eprintln!("raw results: {}", out.display());
    let failures: Vec<&Catchup> = results
        .balcony_runs
        .iter()
        .chain(&results.profanity_runs)
        .filter(|r| r.error.is_some())
        .collect();
    for r in &failures {
        eprintln!(
            "[catch-up] {} run {}: {}",
            r.client,
            r.run,
            r.error.as_deref().unwrap_or_default()
        );
    }
    if !failures.is_empty() {
        bail!("{} catch-up(s) failed (see above)", failures.len());
    }
    Ok(())
}
