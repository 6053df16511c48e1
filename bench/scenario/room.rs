//! The group-chat benchmark (`--room`; bench/README.md, "Group chat"): joining a room of 1,000
//! occupants with 100 history messages, then a flood of 10,000 groupchat messages, for balcony,
//! Profanity and Poezio in turn on the same server and the same room.
//!
//! Order of one run: Prosody with the MUC service and an external component port → the
//! component (component.rs) creates and configures the room and fills it (room_traffic.rs) →
//! for each client: the room's history is sent again, the client is launched in a tmux pane
//! and left to settle (its idle RSS), `/join` is typed and timed until the last history line
//! and the full occupant count are drawn (its CPU and RSS after the join), the component
//! floods the room and the client is timed until the last message is drawn (its CPU), and it
//! quits → the server's floor: a raw session in the room reads one more flood. The table and
//! the JSON are in room_report.rs.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::runtime::Runtime;

use crate::clients::ClientDir;
use crate::component::Component;
use crate::measure::{self, CaptureCost, Settings, ms};
use crate::room_clients::{Binaries, RoomClient};
use crate::room_report::{Report, RoomRun};
use crate::room_traffic::{self as traffic, BOTS, Bot, HISTORY_END, ROOM};
use crate::server::ServerOptions;
use crate::setup::Scenario;
use crate::term::{self, Pane};

/// The component's shared secret (loopback only, a throwaway server).
const SECRET: &str = "balcony-room-bench";
const SEED: u64 = 45;
/// How long a client may take to log in, or to draw the room once it joined.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a client may take to show the flood's last message (Profanity takes minutes).
const FLOOD_TIMEOUT: Duration = Duration::from_secs(400);
/// CPU is counted until this long after the flood's last message showed (as measure.rs).
const FLOOD_TAIL: Duration = Duration::from_secs(2);

pub struct Options {
    pub clients: Vec<RoomClient>,
    pub occupants: usize,
    pub history: usize,
    pub messages: usize,
    pub keep: bool,
    /// Set the room up, print the clients' command lines, wait for Ctrl-C.
    pub hold: bool,
}

/// A free loopback port for the component listener.
fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The module that keeps the room's work for the component's occupants off the server. In a
/// real room Prosody writes every message and presence to every occupant: 10 million stanzas
/// for a flood of 10,000 into 1,000 occupants, which takes it minutes here (67 s per 1,000
/// messages, still about 40 s per 1,000 when they are dropped at the component's host) and
/// would make every client's figure the server's; those copies are the same work whichever
/// client alice uses. Loaded on the component's host, the module wraps four methods of the
/// MUC's rooms (mod_muc's global `room_mt`) once the MUC host is up:
///
/// - `route_stanza`: nothing a room sends to the component's domain is routed, except
///   presences and IQs for the room's owner (its creation needs status 201);
/// - `broadcast` (a room message to every occupant): skips those occupants, instead of copying
///   every occupant for every message as Prosody's `each_occupant` does;
/// - `publicise_occupant_status`: a simulated occupant's join is announced only to the real
///   occupants;
/// - `send_occupant_list`: a simulated occupant that joins is sent no list of the others.
///
/// The last two make the fill take half a second instead of 25–80 s (a million presences
/// built). Everything alice gets is built and routed as before, her join's list included.
const QUIET_MODULE: &str = r#"-- Written by balcony's bench/scenario/room.rs: the room does not route its copies
-- for the benchmark's simulated occupants (see QUIET_MODULE there).
local room_host = "conference.localhost";
local suffix = "@bots.localhost";
local owner = "u0000@bots.localhost";
local jid_bare = require "util.jid".bare;
-- Whether a bare JID is one of the simulated occupants, remembered per JID: this is asked
-- once per occupant for every room message.
local simulated = setmetatable({}, { __index = function(t, jid)
	local v = jid:sub(-#suffix) == suffix;
	t[jid] = v;
	return v;
end });
local function patch()
	local host = prosody.hosts[room_host];
	local muc = host and host.modules and host.modules.muc;
	local mt = muc and muc.room_mt;
	if not mt or mt.bench_quiet then return; end
	local route = mt.route_stanza;
	mt.route_stanza = function(self, stanza)
		local to = jid_bare(stanza.attr.to) or "";
		if simulated[to] and not (stanza.name ~= "message" and to == owner) then
			return;
		end
		return route(self, stanza);
	end
	-- Messages: the stock loop copies every occupant for every message (each_occupant), 1,000
	-- copies per message here; the simulated occupants are skipped before that.
	mt.broadcast = function(self, stanza, cond_func)
		for nick, occupant in pairs(self._occupants) do
			if not simulated[occupant.bare_jid or ""] and (cond_func == nil or cond_func(nick, occupant)) then
				self:route_to_occupant(occupant, stanza);
			end
		end
	end
	-- A simulated occupant's own presence (its join, while the room fills) goes only to the
	-- other occupants, one by one, instead of through the loop that copies every occupant for
	-- every join. The owner's goes the stock way (its creation needs status 201).
	local publicise = mt.publicise_occupant_status;
	mt.publicise_occupant_status = function(self, occupant, x, nick, actor, reason, prev_role,
			force_unavailable, recipient)
		local jid = occupant.bare_jid or "";
		if recipient ~= nil or not simulated[jid] or jid == owner then
			return publicise(self, occupant, x, nick, actor, reason, prev_role, force_unavailable,
				recipient);
		end
		local others = {};
		for _, other in pairs(self._occupants) do
			if not simulated[other.bare_jid or ""] then
				others[#others + 1] = other;
			end
		end
		for _, other in ipairs(others) do
			publicise(self, occupant, x, nick, actor, reason, prev_role, force_unavailable, other);
		end
	end
	-- A simulated occupant that joins is sent no list of the others.
	local send_list = mt.send_occupant_list;
	mt.send_occupant_list = function(self, to, filter)
		if simulated[jid_bare(to) or ""] then
			return;
		end
		return send_list(self, to, filter);
	end
	mt.bench_quiet = true;
	module:log("info", "room copies for %s occupants are not routed", suffix);
end
module:hook_global("host-activated", function(host)
	if host == room_host then patch(); end
end);
module:hook_global("server-started", patch);
patch();
"#;
const QUIET_NAME: &str = "bench_quiet_occupants";

/// Prosody's extra configuration: the component port (the harness lists none), the module
/// path, and the component's host with its secret and [`QUIET_MODULE`]. It lands in the
/// global section, before the harness's `VirtualHost`.
fn server_config(port: u16, plugins: &Path) -> String {
    format!(
        "component_ports = {{ {port} }}\n\
         component_interfaces = {{ \"127.0.0.1\" }}\n\
         plugin_paths = {{ {} }}\n\
         Component \"{BOTS}\"\n  component_secret = \"{SECRET}\"\n\
         \x20 modules_enabled = {{ \"{QUIET_NAME}\" }}\n",
        crate::server::lua_str(&plugins.to_string_lossy())
    )
}

/// VmRSS in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    term::status_field(&status, "VmRSS").context("no VmRSS")
}

fn ticks_ms(ticks: u64, s: &Settings) -> f64 {
    ticks as f64 * 1000.0 / s.ticks_per_sec as f64
}

/// The whole room benchmark; prints the table, writes the JSON to `out`.
pub fn run(
    o: &Options,
    bins: &Binaries,
    rt: &Runtime,
    base: &Path,
    s: &Settings,
    out: &Path,
    versions: Vec<(String, String)>,
) -> Result<()> {
    if o.occupants < 2 || o.history == 0 {
        bail!("--occupants must be at least 2 and the history at least 1");
    }
    let port = free_port()?;
    let plugins = base.join("prosody-plugins");
    std::fs::create_dir_all(&plugins)?;
    std::fs::write(plugins.join(format!("mod_{QUIET_NAME}.lua")), QUIET_MODULE)?;
    let opts = ServerOptions {
        muc: true,
        extra_config: server_config(port, &plugins),
        ..ServerOptions::default()
    };
    let scenario = Scenario::provision(base, "prosody-room", Vec::new(), opts, o.keep)?;
    let bots = traffic::bots(o.occupants, SEED);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut report = Report {
        versions,
        occupants: o.occupants,
        history: o.history,
        messages: o.messages,
        ..Report::default()
    };

    let started = Instant::now();
    let mut component = rt.block_on(async {
        let mut c = Component::connect(addr, BOTS, SECRET).await?;
        traffic::fill(&mut c, &bots, o.history).await?;
        anyhow::Ok(c)
    })?;
    report.fill_ms = ms(started.elapsed());
    eprintln!(
        "[room] {} occupants joined in {:.1} s (the component received {} KB)",
        o.occupants,
        started.elapsed().as_secs_f64(),
        component.bytes() / 1000
    );

    if o.hold {
        rt.block_on(traffic::history(&mut component, &bots, o.history, SEED))?;
        for &client in &o.clients {
            let dir = ClientDir::new(base.join(format!("hold-{client}")))?;
            let (argv, extra) = client.prepare(&scenario, &dir, bins)?;
            let mut env = dir.env();
            env.extend(extra);
            let env: Vec<String> = env
                .iter()
                .map(|(k, v)| format!("{k}={}", term::sh_quote(v)))
                .collect();
            let argv: Vec<String> = argv.iter().map(|a| term::sh_quote(a)).collect();
            println!("{client}:\n  env {} {}", env.join(" "), argv.join(" "));
        }
        println!(
            "Prosody on 127.0.0.1:{}, room {ROOM} with {} occupants; Ctrl-C stops it.",
            scenario.server.port, o.occupants
        );
        rt.block_on(tokio::signal::ctrl_c())?;
        return Ok(());
    }

    let mut cost = CaptureCost::default();
    for (i, &client) in o.clients.iter().enumerate() {
        let started = Instant::now();
        rt.block_on(traffic::history(
            &mut component,
            &bots,
            o.history,
            SEED + i as u64,
        ))?;
        report.history_ms.push(ms(started.elapsed()));
        match measure_client(
            client,
            &scenario,
            &mut component,
            &bots,
            bins,
            rt,
            base,
            o,
            s,
            &mut cost,
        ) {
            Ok(r) => {
                eprintln!("[room] {client}: {}", r.summary());
                report.runs.push(r);
            }
            Err(e) => {
                eprintln!("[room] {client} failed: {e:#}");
                report.failures.push(format!("{client}: {e:#}"));
            }
        }
    }
    match flood_floor(&scenario, &mut component, &bots, rt, o, s) {
        Ok((ms, cpu)) => {
            eprintln!(
                "[room] floor: a raw session in the room read the flood in {ms:.0} ms \
                 (Prosody's CPU {} ms)",
                crate::catchup_report::cell(cpu, 0)
            );
            report.floor_ms = Some(ms);
            report.floor_server_cpu_ms = cpu;
        }
        Err(e) => eprintln!("[room] floor failed: {e:#}"),
    }
    report.capture_ms = cost.samples_ms;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&report.json())?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("{}", report.markdown());
    eprintln!("raw results: {}", out.display());
    if !report.failures.is_empty() {
        bail!("{} client(s) failed (see above)", report.failures.len());
    }
    Ok(())
}

/// The server's floor for the flood: after the clients, a raw session of a second account
/// (`floor`, resource `floor`) joins the room (timed, with the history: the join's floor) and
/// only reads bytes; time from the
/// component's write until it has read the last message, and Prosody's CPU over that time.
fn flood_floor(
    scenario: &Scenario,
    component: &mut Component,
    bots: &[Bot],
    rt: &Runtime,
    o: &Options,
    s: &Settings,
) -> Result<(f64, Option<f64>)> {
    let password = crate::server::generate_password();
    scenario.server.register("floor", &password);
    let server_pid = scenario.server.pid();
    let stanzas = traffic::flood_stanzas(bots, o.messages, "fl-floor");
    let last = traffic::flood_marker(o.messages);
    rt.block_on(async {
        let mut raw = crate::raw::Raw::login(&scenario.target, "floor", &password, "floor").await?;
        // The join's floor: the same room and history the clients joined, read until the
        // subject (which closes the join, MUC-10), by a session that parses nothing.
        traffic::history(component, bots, o.history, SEED).await?;
        scenario.wait_server_idle(s.ticks_per_sec);
        let from = raw.received.len();
        let start = Instant::now();
        raw.send(&format!(
            "<presence to='{ROOM}/floor'><x xmlns='http://jabber.org/protocol/muc'>\
             <history maxstanzas='{}'/></x></presence>",
            o.history
        ))
        .await?;
        raw.read_until_seen(from, "<subject").await?;
        eprintln!(
            "[room] join floor: a raw session joined the room ({} occupants, {} history \
             messages) in {:.0} ms",
            o.occupants,
            o.history,
            ms(Instant::now() - start)
        );
        raw.read_until_quiet(Duration::from_millis(500), Duration::from_secs(60))
            .await?;
        scenario.wait_server_idle(s.ticks_per_sec);
        let from = raw.received.len();
        let cpu_before = server_pid.and_then(|p| term::sample(p).ok());
        let start = Instant::now();
        let writer = component.writer();
        let (sent, seen) = tokio::join!(crate::component::send(&writer, &stanzas), async {
            let r = raw.read_until_seen(from, &last).await;
            (r, Instant::now())
        });
        sent?;
        seen.0?;
        let took = ms(seen.1 - start);
        let cpu = match (cpu_before, server_pid.and_then(|p| term::sample(p).ok())) {
            (Some(a), Some(b)) => Some(ticks_ms(b.cpu_ticks - a.cpu_ticks, s)),
            _ => None,
        };
        raw.close().await;
        anyhow::Ok((took, cpu))
    })
}

/// Polls the screen until `done` holds, for at most `timeout`; returns the screen and when it
/// was captured.
fn poll(
    pane: &Pane,
    cost: &mut CaptureCost,
    s: &Settings,
    (what, timeout): (&str, Duration),
    mut done: impl FnMut(&str) -> bool,
) -> Result<(String, Instant)> {
    let deadline = Instant::now() + timeout;
    loop {
        let (screen, at) = cost.timed(pane)?;
        if done(&screen) {
            return Ok((screen, at));
        }
        if at > deadline || !pane.alive() {
            bail!(
                "{what}: not on screen after {timeout:?}{}; the screen:\n{screen}",
                if pane.alive() { "" } else { " (it exited)" }
            );
        }
        std::thread::sleep(s.poll);
    }
}

/// Keeps the screen a step ended on (`<step>-screen.txt` in the client's directory).
fn save_screen(dir: &ClientDir, step: &str, screen: &str) {
    let _ = std::fs::write(dir.root.join(format!("{step}-screen.txt")), screen);
}

/// One client: launch, idle RSS, the timed join, the timed flood, quit.
#[allow(clippy::too_many_arguments)]
fn measure_client(
    client: RoomClient,
    scenario: &Scenario,
    component: &mut Component,
    bots: &[Bot],
    bins: &Binaries,
    rt: &Runtime,
    base: &Path,
    o: &Options,
    s: &Settings,
    cost: &mut CaptureCost,
) -> Result<RoomRun> {
    let dir = ClientDir::new(base.join(format!("room-{client}")))?;
    let (argv, extra) = client.prepare(scenario, &dir, bins)?;
    let mut env = dir.env();
    env.extend(extra);
    let server_pid = scenario.server.pid();
    scenario.wait_server_idle(s.ticks_per_sec);
    let pane = Pane::launch_as(&dir.root.join("tmux"), &argv, &env, &client.program(bins))?;
    let mut r = RoomRun {
        client: client.to_string(),
        ..RoomRun::default()
    };
    let (screen, _) = poll(&pane, cost, s, ("online", STEP_TIMEOUT), |screen| {
        client.online(screen)
    })?;
    save_screen(&dir, "login", &screen);
    measure::wait_quiet(&pane, server_pid)?;
    r.idle_rss_kib = rss_kib(pane.pid)?;

    // The join: from the Enter key until the last history line and the full occupant count
    // (everyone but alice, plus alice) are drawn.
    let everyone = o.occupants + 1;
    client.type_join(&pane, ROOM)?;
    std::thread::sleep(Duration::from_millis(200));
    scenario.wait_server_idle(s.ticks_per_sec);
    let before = term::sample(pane.pid)?;
    let enter = Instant::now();
    pane.keys(&["Enter"])?;
    let (mut history_at, mut occupants_at) = (None, None);
    let (screen, _) = poll(
        &pane,
        cost,
        s,
        ("the room's history and occupants", STEP_TIMEOUT),
        |screen| {
            let now = Instant::now();
            if history_at.is_none() && screen.contains(HISTORY_END) {
                history_at = Some(now);
            }
            if occupants_at.is_none() && client.occupants_drawn(screen, everyone) {
                occupants_at = Some(now);
            }
            history_at.is_some() && occupants_at.is_some()
        },
    )?;
    save_screen(&dir, "join", &screen);
    let joined = history_at.max(occupants_at).context("no join time")?;
    r.join_ms = Some(ms(joined - enter));
    r.history_drawn_ms = history_at.map(|t| ms(t - enter));
    r.occupants_drawn_ms = occupants_at.map(|t| ms(t - enter));
    r.occupants_shown = client.occupants_shown(&screen);
    let (settled, ticks) = measure::wait_quiet(&pane, server_pid)?;
    r.join_settled_ms = Some(ms(settled.saturating_duration_since(enter)));
    r.join_cpu_ms = Some(ticks_ms(ticks - before.cpu_ticks, s));
    r.joined_rss_kib = Some(rss_kib(pane.pid)?);

    // The flood, sent by the component as fast as the server takes it.
    let stanzas = traffic::flood_stanzas(bots, o.messages, &format!("fl-{client}"));
    let last = traffic::flood_marker(o.messages);
    scenario.wait_server_idle(s.ticks_per_sec);
    let before = term::sample(pane.pid)?;
    let server_before = server_pid.and_then(|p| term::sample(p).ok());
    let start = Instant::now();
    let writer = component.writer();
    let sending = rt.spawn(async move { crate::component::send(&writer, &stanzas).await });
    let (screen, end) = poll(
        &pane,
        cost,
        s,
        ("the flood's last message", FLOOD_TIMEOUT),
        |screen| screen.contains(&last),
    )?;
    save_screen(&dir, "flood", &screen);
    rt.block_on(sending)?.context("sending the flood")?;
    r.flood_ms = Some(ms(end - start));
    if let (Some(a), Some(b)) = (server_before, server_pid.and_then(|p| term::sample(p).ok())) {
        r.flood_server_cpu_ms = Some(ticks_ms(b.cpu_ticks - a.cpu_ticks, s));
    }
    std::thread::sleep((end + FLOOD_TAIL).saturating_duration_since(Instant::now()));
    let after = term::sample(pane.pid)?;
    r.flood_cpu_ms = Some(ticks_ms(after.cpu_ticks - before.cpu_ticks, s));
    r.flood_rss_kib = Some(rss_kib(pane.pid)?);
    r.peak_rss_kib = term::peak_rss_kib(pane.pid).ok();

    client.quit(&pane)?;
    if !pane.wait_exit(Duration::from_secs(15)) {
        eprintln!("[room] {client} did not quit within 15 s; killed");
    }
    drop(pane);
    // The flood is still being routed to the component's occupants, and alice's leave with it.
    rt.block_on(component.sync(
        &bots[0].jid,
        "conference.localhost",
        &format!("after-{client}"),
    ))?;
    if !o.keep {
        let _ = std::fs::remove_dir_all(&dir.root);
    }
    Ok(r)
}
