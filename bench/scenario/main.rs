//! The scenario runner: balcony against mcabber with big rosters and a message flood,
//! on a private Prosody, each client in a 160×48 tmux pane. See bench/README.md, "Scenario
//! runner", for what each figure means and how it is measured. With `--catchup` it runs the
//! archive catch-up benchmark instead (catchup.rs; README, "Catch-up from the archive"); with
//! `--room` the group-chat benchmark (room.rs; README, "Group chat").
//!
//! `cargo run --release --example scenario -- --help`

#[allow(dead_code)]
#[path = "../../tests/common/server.rs"]
mod server;

mod archive;
mod backlog;
mod catchup;
mod catchup_report;
mod clients;
mod component;
mod measure;
mod poezio;
mod profanity;
mod provision;
mod raw;
mod record;
mod report;
mod room;
mod room_clients;
mod room_report;
mod room_traffic;
mod setup;
mod term;
mod trace;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use tokio::runtime::Runtime;

use clients::{Client, ClientDir, LaunchOptions};
use measure::{CaptureCost, Settings};
use report::{Diagnostic, Run};
use setup::Scenario;

const USAGE: &str = "usage: cargo run --release --example scenario -- [options]

Starts a private Prosody, gives alice N contacts (20% online), and measures balcony and mcabber
in a 160x48 tmux pane: launch until the roster is drawn (cold, and warm for balcony), peak RSS,
idle CPU, a 10,000-message flood (time to the last message, CPU, key latency), and the server's
routing floor. Prints a markdown table of medians.

With --catchup: 10,000 messages from 50 contacts archived while alice's clients are closed;
balcony's catch-up at launch against the server floor (a raw client paging the same archive)
and against Profanity (the offline delivery of the same messages), and balcony's peak RSS
against its idle RSS. --runs, --messages, --poll-ms, --balcony, --keep, --dir and --out apply;
--client is balcony, profanity or both.

With --room: a room of 1,000 occupants (an external component plays them) with 100 history
messages; balcony, Profanity and Poezio (from PyPI, in a virtualenv the runner makes) each
join it (Enter until the last history line and the occupant count are drawn) and take a flood
of 10,000 groupchat messages; time, CPU, RSS idle and after the join. --client is a
comma-separated list of balcony, profanity, poezio (default all three); --messages, --poll-ms,
--balcony, --keep, --dir and --out apply.

  --contacts LIST   roster sizes, comma-separated (default 100,1000,5000)
  --runs N          repetitions; the table shows medians (default 3)
  --client WHICH    balcony, mcabber or both (default both)
  --catchup         the archive catch-up benchmark instead (see above)
  --room            the group-chat benchmark instead (see above)
  --occupants N     --room: occupants besides alice (default 1000)
  --hold            --room: set the room up, print the clients' command lines, wait for Ctrl-C
  --skip-flood      no flood, no key latency, no routing floor
  --quick           smoke check: 100 contacts, 1 run, 5 s idle window
  --keep            keep the work directory (servers, client dirs, traces)
  --record DIR      also write DIR/login-burst-5000.xml and DIR/flood-10000.xml
  --balcony PATH    the balcony binary (default: build it with cargo build --release)
  --idle-secs S     idle window (default 30)
  --poll-ms MS      capture-pane polling interval (default 15)
  --messages M      flood size (default 10000)
  --dir DIR         work directory (default: a new one under /tmp)
  --out FILE        raw results as JSON (default: <target dir>/scenario-results.json)
  --serve N         provision N contacts, print the client configs, and wait for Ctrl-C";

struct Options {
    contacts: Vec<usize>,
    runs: usize,
    clients: Vec<Client>,
    /// `--client` as given, for `--catchup`, which knows other clients.
    client_arg: Option<String>,
    catchup: bool,
    room: bool,
    occupants: usize,
    hold: bool,
    flood: bool,
    keep: bool,
    record: Option<PathBuf>,
    balcony: Option<PathBuf>,
    idle: Duration,
    poll: Duration,
    messages: usize,
    dir: Option<PathBuf>,
    out: Option<PathBuf>,
    serve: Option<usize>,
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        contacts: vec![100, 1000, 5000],
        runs: 3,
        clients: vec![Client::Balcony, Client::Mcabber],
        client_arg: None,
        catchup: false,
        room: false,
        occupants: 1000,
        hold: false,
        flood: true,
        keep: false,
        record: None,
        balcony: None,
        idle: Duration::from_secs(30),
        poll: Duration::from_millis(15),
        messages: 10_000,
        dir: None,
        out: None,
        serve: None,
    };
    let mut quick = false;
    let mut it = std::env::args().skip(1);
    let value = |it: &mut dyn Iterator<Item = String>, name: &str| {
        it.next().with_context(|| format!("{name} needs a value"))
    };
    let mut contacts_given = false;
    let mut runs_given = false;
    let mut idle_given = false;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--contacts" => {
                let v = value(&mut it, "--contacts")?;
                o.contacts = v
                    .split(',')
                    .map(|s| s.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("bad --contacts {v:?}"))?;
                if o.contacts.iter().any(|&n| n < 3) {
                    bail!("--contacts: each size must be at least 3");
                }
                contacts_given = true;
            }
            "--runs" => {
                o.runs = value(&mut it, "--runs")?.parse().context("bad --runs")?;
                runs_given = true;
            }
            "--client" => o.client_arg = Some(value(&mut it, "--client")?),
            "--catchup" => o.catchup = true,
            "--room" => o.room = true,
            "--hold" => o.hold = true,
            "--occupants" => {
                o.occupants = value(&mut it, "--occupants")?
                    .parse()
                    .context("bad --occupants")?;
            }
            "--skip-flood" => o.flood = false,
            "--quick" => quick = true,
            "--keep" => o.keep = true,
            "--record" => o.record = Some(value(&mut it, "--record")?.into()),
            "--balcony" => o.balcony = Some(value(&mut it, "--balcony")?.into()),
            "--idle-secs" => {
                let secs: f64 = value(&mut it, "--idle-secs")?.parse()?;
                o.idle = Duration::from_secs_f64(secs);
                idle_given = true;
            }
            "--poll-ms" => {
                o.poll = Duration::from_millis(value(&mut it, "--poll-ms")?.parse()?);
            }
            "--messages" => o.messages = value(&mut it, "--messages")?.parse()?,
            "--dir" => o.dir = Some(value(&mut it, "--dir")?.into()),
            "--out" => o.out = Some(value(&mut it, "--out")?.into()),
            "--serve" => o.serve = Some(value(&mut it, "--serve")?.parse()?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    if let Some(which) = &o.client_arg
        && !o.catchup
        && !o.room
    {
        o.clients = match which.as_str() {
            "balcony" => vec![Client::Balcony],
            "mcabber" => vec![Client::Mcabber],
            "both" => vec![Client::Balcony, Client::Mcabber],
            other => bail!("--client {other:?}: balcony, mcabber or both"),
        }
    }
    if quick {
        if !contacts_given {
            o.contacts = vec![100];
        }
        if !runs_given {
            o.runs = 1;
        }
        if !idle_given {
            o.idle = Duration::from_secs(5);
        }
    }
    if o.runs == 0 || o.messages == 0 {
        bail!("--runs and --messages must be at least 1");
    }
    Ok(o)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => manifest_dir().join(dir),
        None => manifest_dir().join("target"),
    }
}

/// The balcony binary: `--balcony`, or a fresh `cargo build --release --bin balcony`.
fn balcony_binary(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = given {
        if !path.is_file() {
            bail!("--balcony {}: no such file", path.display());
        }
        return Ok(path.canonicalize()?);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building balcony (cargo build --release --bin balcony)…");
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "balcony"])
        .current_dir(manifest_dir())
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo build --release --bin balcony failed");
    }
    let path = target_dir().join("release/balcony");
    if !path.is_file() {
        bail!("built balcony, but {} is missing", path.display());
    }
    Ok(path)
}

fn require(tool: &str, hint: &str) -> Result<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()));
    if !found {
        bail!("{tool} not found in PATH: {hint}");
    }
    Ok(())
}

fn version(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// Prosody's version: the `Prosody X.Y.Z` line of `prosodyctl about`, which may start with a
/// banner about missing optional libraries.
fn prosody_version() -> String {
    Command::new("prosodyctl")
        .arg("about")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout).lines().find_map(|l| {
                l.strip_prefix("Prosody ")
                    .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                    .map(|v| format!("Prosody {}", v.trim()))
            })
        })
        .unwrap_or_else(|| version("prosodyctl", &["about"]))
}

/// ` (git abc1234, with uncommitted changes)` for the checkout the runner was built from.
fn source_revision() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(manifest_dir())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no", "--", "src"])
                .is_some_and(|s| !s.is_empty());
            format!(
                " (git {rev}{})",
                if dirty {
                    ", with uncommitted changes in src/"
                } else {
                    ""
                }
            )
        }
        None => String::new(),
    }
}

/// `--client` for `--catchup`: whether balcony and Profanity are measured.
fn catchup_clients(o: &Options) -> Result<(bool, bool)> {
    Ok(match o.client_arg.as_deref() {
        None | Some("both") => (true, true),
        Some("balcony") => (true, false),
        Some("profanity") => (false, true),
        Some(other) => bail!("--client {other:?}: balcony, profanity or both"),
    })
}

/// `--client` for `--room`: which clients, in the order measured.
fn room_clients(o: &Options) -> Result<Vec<room_clients::RoomClient>> {
    use room_clients::RoomClient;
    let Some(list) = o.client_arg.as_deref() else {
        return Ok(vec![
            RoomClient::Balcony,
            RoomClient::Profanity,
            RoomClient::Poezio,
        ]);
    };
    list.split(',')
        .map(|c| match c.trim() {
            "balcony" => Ok(RoomClient::Balcony),
            "profanity" => Ok(RoomClient::Profanity),
            "poezio" => Ok(RoomClient::Poezio),
            other => bail!("--client {other:?}: balcony, profanity or poezio"),
        })
        .collect()
}

fn main() -> Result<()> {
    let o = parse_args()?;
    require("tmux", "apt-get install -y tmux")?;
    require("prosody", "apt-get install -y prosody prosody-modules")?;
    if o.catchup && catchup_clients(&o)?.1 {
        require("profanity", "apt-get install -y profanity")?;
    }
    if o.room && room_clients(&o)?.contains(&room_clients::RoomClient::Profanity) {
        require("profanity", "apt-get install -y profanity")?;
    }
    if o.clients.contains(&Client::Mcabber) && !o.catchup && !o.room {
        require("mcabber", "apt-get install -y mcabber")?;
    }
    let balcony = balcony_binary(o.balcony.clone())?;
    let poezio = if o.room && room_clients(&o)?.contains(&room_clients::RoomClient::Poezio) {
        match poezio::install() {
            Ok(bin) => Some(bin),
            Err(e) => {
                eprintln!("Poezio cannot be measured: {e:#}");
                None
            }
        }
    } else {
        None
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    let base = match &o.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.canonicalize()?
        }
        None => tempfile::Builder::new()
            .prefix("balcony-scenario-")
            .tempdir()?
            .keep(),
    };
    let outcome = run(&o, &balcony, poezio.as_deref(), &rt, &base);
    if !o.keep && o.dir.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    } else {
        eprintln!("work directory: {}", base.display());
    }
    outcome
}

fn run(
    o: &Options,
    balcony: &Path,
    poezio: Option<&Path>,
    rt: &Runtime,
    base: &Path,
) -> Result<()> {
    let s = Settings {
        poll: o.poll,
        idle: o.idle,
        messages: o.messages,
        ticks_per_sec: term::clock_ticks_per_sec(),
    };
    if let Some(n) = o.serve {
        return serve(n, balcony, rt, base);
    }
    let balcony_version = format!(
        "{}{}",
        version(&balcony.to_string_lossy(), &["--version"]).trim_start_matches("balcony "),
        source_revision()
    );
    if o.room {
        let mut clients = room_clients(o)?;
        if poezio.is_none() {
            clients.retain(|&c| c != room_clients::RoomClient::Poezio);
        }
        let mut versions = vec![
            ("server".to_owned(), prosody_version()),
            ("balcony".to_owned(), format!("balcony {balcony_version}")),
        ];
        if clients.contains(&room_clients::RoomClient::Profanity) {
            versions.push(("profanity".into(), version("profanity", &["--version"])));
        }
        if poezio.is_some() {
            versions.push(("poezio".into(), poezio::version()));
        }
        let r = room::Options {
            clients,
            occupants: o.occupants,
            history: 100,
            messages: o.messages,
            keep: o.keep,
            hold: o.hold,
        };
        let out = o
            .out
            .clone()
            .unwrap_or_else(|| target_dir().join("room-results.json"));
        let bins = room_clients::Binaries { balcony, poezio };
        return room::run(&r, &bins, rt, base, &s, &out, versions);
    }
    if o.catchup {
        let (with_balcony, with_profanity) = catchup_clients(o)?;
        let c = catchup::Options {
            runs: o.runs,
            balcony: with_balcony,
            profanity: with_profanity,
            messages: o.messages,
            keep: o.keep,
        };
        let out = o
            .out
            .clone()
            .unwrap_or_else(|| target_dir().join("catchup-results.json"));
        return catchup::run(
            &c,
            balcony,
            rt,
            base,
            &s,
            &out,
            (prosody_version(), balcony_version),
        );
    }
    let mut report = report::Report {
        date: report::today(),
        prosody: prosody_version(),
        mcabber: version("mcabber", &["-V"]),
        balcony: balcony_version,
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        load: std::fs::read_to_string("/proc/loadavg").unwrap_or_default(),
        repeats: o.runs,
        messages: o.messages,
        idle_secs: o.idle.as_secs_f64(),
        poll_ms: o.poll.as_secs_f64() * 1000.0,
        ..report::Report::default()
    };
    let mut cost = CaptureCost::default();
    let mut recorded = false;
    for &n in &o.contacts {
        let mut scenario = Scenario::start(base, n, 7, o.keep, rt)?;
        let check = rt.block_on(scenario.check())?;
        eprintln!("[{n}] check: {check}");
        report.checks.push((n, check, scenario.online));
        if o.clients.contains(&Client::Balcony) {
            match diagnose(&scenario, balcony, base, &s, &mut cost, o.keep) {
                Ok(d) => report.diagnostics.push(d),
                Err(e) => eprintln!("[{n}] trace diagnostic failed: {e:#}"),
            }
        }
        for run in 1..=o.runs {
            if o.flood {
                match measure::floor(
                    &mut scenario,
                    rt,
                    o.messages,
                    &format!("floor-{n}-{run}"),
                    s.ticks_per_sec,
                ) {
                    Ok(ms) => {
                        eprintln!("[{n}] run {run}: routing floor {ms:.0} ms");
                        report.floors.push((n, ms));
                    }
                    Err(e) => eprintln!("[{n}] run {run}: routing floor failed: {e:#}"),
                }
            }
            // Alternate who goes first, so a slow drift of the machine hits both alike.
            let mut order = o.clients.clone();
            if run % 2 == 0 {
                order.reverse();
            }
            for &client in &order {
                match run_client(
                    client,
                    &mut scenario,
                    rt,
                    balcony,
                    base,
                    run,
                    o,
                    &s,
                    &mut cost,
                ) {
                    Ok(r) => {
                        eprintln!("[{n}] run {run}: {client}: {}", r.summary());
                        report.runs.push(r);
                    }
                    Err(e) => {
                        eprintln!("[{n}] run {run}: {client} failed: {e:#}");
                        report
                            .failures
                            .push(format!("{n} contacts, run {run}, {client}: {e:#}"));
                    }
                }
            }
        }
        if let Some(dir) = &o.record
            && n == 5000
        {
            record(&mut scenario, rt, balcony, base, dir, &s, &mut cost)?;
            recorded = true;
        }
    }
    if let Some(dir) = &o.record
        && !recorded
    {
        let mut scenario = Scenario::start(base, 5000, 7, o.keep, rt)?;
        record(&mut scenario, rt, balcony, base, dir, &s, &mut cost)?;
    }
    report.capture_ms = cost.samples_ms;
    let out = o
        .out
        .clone()
        .unwrap_or_else(|| target_dir().join("scenario-results.json"));
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&report.json())?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("{}", report.markdown());
    eprintln!("raw results: {}", out.display());
    if !report.failures.is_empty() {
        bail!(
            "{} measurement(s) failed (see above)",
            report.failures.len()
        );
    }
    Ok(())
}

/// One client, one run: cold launch, idle, flood; then, for balcony, a warm launch.
#[allow(clippy::too_many_arguments)]
fn run_client(
    client: Client,
    scenario: &mut Scenario,
    rt: &Runtime,
    balcony: &Path,
    base: &Path,
    run: usize,
    o: &Options,
    s: &Settings,
    cost: &mut CaptureCost,
) -> Result<Run> {
    let n = scenario.n;
    let dir = ClientDir::new(base.join(format!("{client}-{n}-{run}")))?;
    let plain = LaunchOptions::default();
    let mut r = Run {
        n,
        client: Some(client),
        run,
        ..Run::default()
    };
    let (pane, cold) = measure::launch(client, scenario, &dir, balcony, &plain, s, cost)?;
    r.cold = Some(cold);
    r.idle = Some(measure::idle(&pane, scenario, s)?);
    if o.flood {
        let tag = format!("fl-{client}-{n}-{run}");
        let flood = measure::flood(client, &pane, scenario, rt, s, &tag, cost)?;
        r.flood = Some(flood);
        r.peak_rss_after_flood_kib = term::peak_rss_kib(pane.pid).ok();
        if client == Client::Balcony
            && let Some(f) = r.flood.as_mut()
        {
            f.history_rows = Some(measure::history_rows(&dir.history(), &tag)?);
        }
    }
    client.quit(&pane)?;
    if !pane.wait_exit(Duration::from_secs(15)) {
        eprintln!("[{n}] run {run}: {client} did not quit within 15 s; killed");
    }
    drop(pane);
    if client == Client::Balcony {
        let (pane, warm) = measure::launch(client, scenario, &dir, balcony, &plain, s, cost)?;
        r.warm = Some(warm);
        client.quit(&pane)?;
        pane.wait_exit(Duration::from_secs(15));
    }
    if !o.keep {
        let _ = std::fs::remove_dir_all(&dir.root);
    }
    Ok(r)
}

/// balcony once more, cold and warm, with its XML trace on: where the login time goes, and
/// whether a warm start draws the roster before the server's roster answer.
fn diagnose(
    scenario: &Scenario,
    balcony: &Path,
    base: &Path,
    s: &Settings,
    cost: &mut CaptureCost,
    keep: bool,
) -> Result<Diagnostic> {
    let n = scenario.n;
    let dir = ClientDir::new(base.join(format!("trace-{n}")))?;
    let trace_file = dir.root.join("xml-trace.log");
    let opts = LaunchOptions {
        xml_trace: Some(trace_file.clone()),
    };
    let mut d = Diagnostic {
        n,
        ..Diagnostic::default()
    };
    for warm in [false, true] {
        let (pane, launch) =
            measure::launch(Client::Balcony, scenario, &dir, balcony, &opts, s, cost)?;
        let spawned = pane.spawned_wall;
        measure::wait_quiet(&pane, scenario.server.pid())?;
        Client::Balcony.quit(&pane)?;
        pane.wait_exit(Duration::from_secs(15));
        drop(pane);
        let lines = trace::read(&trace_file)?;
        let mut timeline = trace::timeline(&lines, spawned);
        if let Some(at) = launch.visible_wall {
            timeline.push(("marker contact on screen".into(), trace::since(spawned, at)));
        }
        if let Some(at) = launch.ready_wall {
            timeline.push((
                "roster drawn and online (screen)".into(),
                trace::since(spawned, at),
            ));
        }
        timeline.sort_by(|a, b| a.1.total_cmp(&b.1));
        if warm {
            d.warm = timeline;
        } else {
            d.cold = timeline;
        }
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&dir.root);
    }
    Ok(d)
}

/// The parser benchmark's recordings (see record.rs).
fn record(
    scenario: &mut Scenario,
    rt: &Runtime,
    balcony: &Path,
    base: &Path,
    out: &Path,
    s: &Settings,
    cost: &mut CaptureCost,
) -> Result<()> {
    if s.messages != 10_000 || scenario.n != 5000 {
        bail!("--record needs the 10,000-message flood and 5,000 contacts");
    }
    eprintln!("recording the login burst and the flood…");
    let dir = ClientDir::new(base.join("record"))?;
    let trace_file = dir.root.join("xml-trace.log");
    let opts = LaunchOptions {
        xml_trace: Some(trace_file.clone()),
    };
    let (pane, _) = measure::launch(Client::Balcony, scenario, &dir, balcony, &opts, s, cost)?;
    measure::wait_quiet(&pane, scenario.server.pid())?;
    let logged_in = SystemTime::now();
    measure::flood(Client::Balcony, &pane, scenario, rt, s, "rec", cost)?;
    Client::Balcony.quit(&pane)?;
    pane.wait_exit(Duration::from_secs(15));
    drop(pane);

    let lines = trace::read(&trace_file)?;
    let sends = record::login_sends(&lines, logged_in)?;
    let login = record::login_burst(scenario, rt, &sends)?;
    let header = record::stream_header(&login)?;
    let flood = record::flood_doc(
        &lines,
        &header,
        &format!(">{}", measure::body(1, s.messages)),
        &format!(">{}", measure::last_marker(s.messages)),
    )?;
    record::write(out, record::LOGIN_FILE, &login)?;
    record::write(out, record::FLOOD_FILE, &flood)?;
    Ok(())
}

/// Provisions `n` contacts and waits, for trying the clients by hand.
fn serve(n: usize, balcony: &Path, rt: &Runtime, base: &Path) -> Result<()> {
    let scenario = Scenario::start(base, n, 7, true, rt)?;
    println!("{}", rt.block_on(scenario.check())?);
    for client in [Client::Balcony, Client::Mcabber] {
        let dir = ClientDir::new(base.join(format!("serve-{client}")))?;
        let argv = client.prepare(&scenario, &dir, balcony, &LaunchOptions::default())?;
        let env: Vec<String> = dir
            .env()
            .iter()
            .map(|(k, v)| format!("{k}={}", term::sh_quote(v)))
            .collect();
        let argv: Vec<String> = argv.iter().map(|a| term::sh_quote(a)).collect();
        println!("{client}:\n  env {} {}", env.join(" "), argv.join(" "));
    }
    println!(
        "Prosody on 127.0.0.1:{}, directory {}; Ctrl-C stops it.",
        scenario.server.port,
        scenario.dir.display()
    );
    rt.block_on(tokio::signal::ctrl_c())?;
    Ok(())
}
