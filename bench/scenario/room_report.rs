//! The room benchmark's results: one record per client, the markdown table (join and flood
//! time and CPU, RSS idle and after the join, KiB per occupant, balcony's ratios to the faster
//! anchor with the targets) and the raw JSON. The measurements are in room.rs.

use std::fmt::Write as _;

use serde_json::json;

use crate::catchup_report::cell;
use crate::report::median;

/// One client's join and flood.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RoomRun {
    pub client: String,
    /// VmRSS once logged in and quiet, before the join.
    pub idle_rss_kib: u64,
    /// Enter → the last history line and the full occupant count drawn: the figure.
    pub join_ms: Option<f64>,
    pub history_drawn_ms: Option<f64>,
    pub occupants_drawn_ms: Option<f64>,
    /// The occupant count on screen at that moment.
    pub occupants_shown: Option<usize>,
    /// Enter → the last 100 ms in which the client used CPU (measure::wait_quiet).
    pub join_settled_ms: Option<f64>,
    /// CPU from Enter until settled.
    pub join_cpu_ms: Option<f64>,
    /// VmRSS once the join settled.
    pub joined_rss_kib: Option<u64>,
    /// First flood write → the last message drawn.
    pub flood_ms: Option<f64>,
    /// CPU from the first write until 2 s after the last message showed.
    pub flood_cpu_ms: Option<f64>,
    /// Prosody's CPU from the first write until the last message showed.
    pub flood_server_cpu_ms: Option<f64>,
    pub flood_rss_kib: Option<u64>,
    /// VmHWM at the end.
    pub peak_rss_kib: Option<u64>,
}

impl RoomRun {
    /// KiB of resident memory per occupant the join added.
    pub fn kib_per_occupant(&self, occupants: usize) -> Option<f64> {
        let joined = self.joined_rss_kib? as f64;
        Some((joined - self.idle_rss_kib as f64) / occupants.max(1) as f64)
    }

    pub fn summary(&self) -> String {
        format!(
            "join {} ms (history {} ms, occupants {} ms, {} shown), CPU {} ms; flood {} ms, \
             CPU {} ms (Prosody's {} ms); RSS idle {} KiB, after join {} KiB, after flood {} \
             KiB, peak {} KiB",
            cell(self.join_ms, 0),
            cell(self.history_drawn_ms, 0),
            cell(self.occupants_drawn_ms, 0),
            self.occupants_shown
                .map_or("none".into(), |n| n.to_string()),
            cell(self.join_cpu_ms, 0),
            cell(self.flood_ms, 0),
            cell(self.flood_cpu_ms, 0),
            cell(self.flood_server_cpu_ms, 0),
            self.idle_rss_kib,
            self.joined_rss_kib.map_or("–".into(), |k| k.to_string()),
            self.flood_rss_kib.map_or("–".into(), |k| k.to_string()),
            self.peak_rss_kib.map_or("–".into(), |k| k.to_string()),
        )
    }
}

#[derive(Default)]
pub struct Report {
    /// (what, version) for the server and each client.
    pub versions: Vec<(String, String)>,
    pub occupants: usize,
    pub history: usize,
    pub messages: usize,
    /// The component's fill of the room (creation, configuration, every join handled).
    pub fill_ms: f64,
    /// Sending the history again before each client, until handled.
    pub history_ms: Vec<f64>,
    pub runs: Vec<RoomRun>,
    /// A raw session in the room reading the flood: the server's floor, and Prosody's CPU.
    pub floor_ms: Option<f64>,
    pub floor_server_cpu_ms: Option<f64>,
    pub failures: Vec<String>,
    pub capture_ms: Vec<f64>,
}

/// One figure of a client's run.
type Figure = fn(&RoomRun) -> Option<f64>;

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn met(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "",
    }
}

impl Report {
    pub fn json(&self) -> serde_json::Value {
        json!({
            "versions": self.versions.iter().map(|(k, v)| json!({k: v})).collect::<Vec<_>>(),
            "occupants": self.occupants,
            "history": self.history,
            "messages": self.messages,
            "fill_ms": self.fill_ms,
            "history_ms": self.history_ms,
            "runs": self.runs,
            "floor_ms": self.floor_ms,
            "floor_server_cpu_ms": self.floor_server_cpu_ms,
            "kib_per_occupant": self.runs.iter().map(|r| json!({
                r.client.clone(): r.kib_per_occupant(self.occupants)
            })).collect::<Vec<_>>(),
            "failures": self.failures,
            "capture_ms": self.capture_ms,
        })
    }

    fn run(&self, client: &str) -> Option<&RoomRun> {
        self.runs.iter().find(|r| r.client == client)
    }

    /// The anchor (Profanity or Poezio) with the smaller value of `get`.
    fn faster_anchor(&self, get: impl Fn(&RoomRun) -> Option<f64>) -> Option<(String, f64)> {
        self.runs
            .iter()
            .filter(|r| r.client != "balcony")
            .filter_map(|r| get(r).map(|v| (r.client.clone(), v)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let versions: Vec<String> = self.versions.iter().map(|(_, v)| v.clone()).collect();
        let _ = writeln!(
            s,
            "Room of {} occupants (plus alice), {} history messages, a flood of {} groupchat \
             messages; {}.\n",
            self.occupants,
            self.history,
            self.messages,
            versions.join("; ")
        );
        let _ = writeln!(
            s,
            "| client | join (ms) | join CPU (ms) | flood (ms) | flood CPU (ms) | RSS idle (MiB) \
             | RSS after join (MiB) | KiB / occupant |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
        let mib = |k: Option<u64>| k.map(|k| k as f64 / 1024.0);
        for r in &self.runs {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.client,
                cell(r.join_ms, 0),
                cell(r.join_cpu_ms, 0),
                cell(r.flood_ms, 0),
                cell(r.flood_cpu_ms, 0),
                cell(mib(Some(r.idle_rss_kib)), 1),
                cell(mib(r.joined_rss_kib), 1),
                cell(r.kib_per_occupant(self.occupants), 2),
            );
        }
        for f in &self.failures {
            let first = f.lines().next().unwrap_or_default();
            let _ = writeln!(s, "| {first} | failed | | | | | | |");
        }
        if self.floor_ms.is_some() {
            let _ = writeln!(
                s,
                "| server floor (raw session) | | | {} | (Prosody {}) | | | |",
                cell(self.floor_ms, 0),
                cell(self.floor_server_cpu_ms, 0)
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "| balcony / faster anchor | ratio | target | met |");
        let _ = writeln!(s, "|---|---:|---|:-:|");
        let balcony = self.run("balcony");
        let figures: [(&str, Figure); 4] = [
            ("join time", |r| r.join_ms),
            ("join CPU", |r| r.join_cpu_ms),
            ("flood time", |r| r.flood_ms),
            ("flood CPU", |r| r.flood_cpu_ms),
        ];
        for (name, get) in figures {
            let anchor = self.faster_anchor(get);
            let value = ratio(balcony.and_then(get), anchor.as_ref().map(|a| a.1));
            let _ = writeln!(
                s,
                "| {name} (vs {}) | {} | ≤ 0.25 | {} |",
                anchor.as_ref().map_or("–", |a| a.0.as_str()),
                cell(value, 2),
                met(value.map(|v| v <= 0.25))
            );
        }
        let per = balcony.and_then(|r| r.kib_per_occupant(self.occupants));
        let _ = writeln!(
            s,
            "| balcony KiB per occupant above idle | {} | ≤ 2 | {} |",
            cell(per, 2),
            met(per.map(|v| v <= 2.0))
        );
        let _ = writeln!(s);
        for r in &self.runs {
            let _ = writeln!(s, "- {}: {}", r.client, r.summary());
        }
        let _ = writeln!(
            s,
            "- room filled in {:.1} s; history sent again before each client in {} ms (median); \
             one screen capture takes {} ms (median)",
            self.fill_ms / 1000.0,
            cell(median(&self.history_ms), 0),
            cell(median(&self.capture_ms), 1)
        );
        s
    }
}
