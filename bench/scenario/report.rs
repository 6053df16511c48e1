//! Results: one record per client and run, medians, and the markdown table with the
//! performance targets.

use std::fmt::Write as _;

use serde_json::json;

use crate::clients::Client;
use crate::measure::{Flood, Idle, Launch};

#[derive(Clone, Debug, Default)]
pub struct Run {
    pub n: usize,
    pub client: Option<Client>,
    pub run: usize,
    pub cold: Option<Launch>,
    pub warm: Option<Launch>,
    pub idle: Option<Idle>,
    pub flood: Option<Flood>,
    pub peak_rss_after_flood_kib: Option<u64>,
}

impl Run {
    pub fn summary(&self) -> String {
        let mut s = String::new();
        if let Some(c) = &self.cold {
            let _ = write!(s, "roster drawn {:.0} ms", c.ready_ms);
        }
        if let Some(w) = &self.warm {
            let _ = write!(s, ", warm {:.0} ms", w.ready_ms);
        }
        if let Some(i) = &self.idle {
            let _ = write!(
                s,
                ", login done {:.0} ms ({:.0} ms CPU), peak RSS {:.1} MiB, idle {:.0} ms CPU / {:.0} s ({:.1} wake-ups/s)",
                i.settled_ms,
                i.login_cpu_ms,
                i.peak_rss_kib as f64 / 1024.0,
                i.cpu_ms,
                i.seconds,
                i.voluntary_per_sec
            );
        }
        if let Some(f) = &self.flood {
            let _ = write!(
                s,
                ", flood last {:.0} ms, CPU {:.0} ms, keys median {:.0} max {:.0} ms ({} probes)",
                f.last_ms,
                f.cpu_ms,
                median(&f.keys_ms).unwrap_or(f64::NAN),
                max(&f.keys_ms).unwrap_or(f64::NAN),
                f.keys_ms.len()
            );
            if let Some(rows) = f.history_rows {
                let _ = write!(s, ", history {rows} rows");
            }
        }
        s
    }
}

/// balcony's login, step by step, from its XML trace (ms after spawn).
#[derive(Clone, Debug, Default)]
pub struct Diagnostic {
    pub n: usize,
    pub cold: Vec<(String, f64)>,
    pub warm: Vec<(String, f64)>,
}

#[derive(Default)]
pub struct Report {
    pub date: String,
    pub prosody: String,
    pub mcabber: String,
    pub balcony: String,
    pub cpus: usize,
    pub load: String,
    pub repeats: usize,
    pub messages: usize,
    pub idle_secs: f64,
    pub poll_ms: f64,
    pub runs: Vec<Run>,
    pub floors: Vec<(usize, f64)>,
    pub checks: Vec<(usize, String, usize)>,
    pub diagnostics: Vec<Diagnostic>,
    pub failures: Vec<String>,
    pub capture_ms: Vec<f64>,
}

pub fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

pub fn max(v: &[f64]) -> Option<f64> {
    v.iter().copied().filter(|x| x.is_finite()).reduce(f64::max)
}

fn percentile(v: &[f64], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = v.to_vec();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    Some(v[i])
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    balcony::xmpp::trace::format_rfc3339(std::time::Duration::from_millis(now))[..10].to_owned()
}

/// How a figure compares with the target.
enum Target {
    /// balcony/mcabber at most this (only checked at `at` contacts, if set).
    Ratio(f64, Option<usize>),
    /// balcony's absolute value below this.
    Below(f64),
    None,
}

struct Metric {
    name: &'static str,
    unit: &'static str,
    target: Target,
    target_text: &'static str,
    get: fn(&Run) -> Option<f64>,
    /// Median over runs, or the maximum (worst case).
    worst: bool,
}

fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            name: "roster drawn, cold",
            unit: "ms",
            target: Target::Ratio(1.0 / 3.0, Some(5000)),
            target_text: "≤ ⅓ mcabber at 5k",
            get: |r| r.cold.as_ref().map(|c| c.ready_ms),
            worst: false,
        },
        Metric {
            name: "roster drawn, warm",
            unit: "ms",
            target: Target::None,
            target_text: "",
            get: |r| r.warm.as_ref().map(|c| c.ready_ms),
            worst: false,
        },
        Metric {
            name: "login done (CPU quiet)",
            unit: "ms",
            target: Target::None,
            target_text: "",
            get: |r| r.idle.as_ref().map(|i| i.settled_ms),
            worst: false,
        },
        Metric {
            name: "login CPU",
            unit: "ms",
            target: Target::None,
            target_text: "",
            get: |r| r.idle.as_ref().map(|i| i.login_cpu_ms),
            worst: false,
        },
        Metric {
            name: "peak RSS after login",
            unit: "MiB",
            target: Target::Ratio(0.8, Some(5000)),
            target_text: "≤ 0.8× mcabber at 5k",
            get: |r| r.idle.as_ref().map(|i| i.peak_rss_kib as f64 / 1024.0),
            worst: false,
        },
        Metric {
            name: "idle CPU",
            unit: "ms/30 s",
            target: Target::Below(30.0),
            target_text: "≈ 0 (< 0.1% of a core)",
            get: |r| {
                r.idle
                    .as_ref()
                    .map(|i| i.cpu_ms * 30.0 / i.seconds.max(0.001))
            },
            worst: false,
        },
        Metric {
            name: "idle wake-ups",
            unit: "/s",
            target: Target::None,
            target_text: "",
            get: |r| r.idle.as_ref().map(|i| i.voluntary_per_sec),
            worst: false,
        },
        Metric {
            name: "flood: last message shown",
            unit: "ms",
            target: Target::Ratio(0.5, None),
            target_text: "≤ ½ mcabber",
            get: |r| r.flood.as_ref().map(|f| f.last_ms),
            worst: false,
        },
        Metric {
            name: "flood: client CPU",
            unit: "ms",
            target: Target::Ratio(0.25, None),
            target_text: "≤ ¼ mcabber",
            get: |r| r.flood.as_ref().map(|f| f.cpu_ms),
            worst: false,
        },
        Metric {
            name: "keys during flood, median",
            unit: "ms",
            target: Target::Below(50.0),
            target_text: "< 50 ms",
            get: |r| r.flood.as_ref().and_then(|f| median(&f.keys_ms)),
            worst: false,
        },
        Metric {
            name: "keys during flood, max",
            unit: "ms",
            target: Target::Below(50.0),
            target_text: "< 50 ms",
            get: |r| r.flood.as_ref().and_then(|f| max(&f.keys_ms)),
            worst: true,
        },
        Metric {
            name: "peak RSS after flood",
            unit: "MiB",
            target: Target::None,
            target_text: "",
            get: |r| r.peak_rss_after_flood_kib.map(|k| k as f64 / 1024.0),
            worst: false,
        },
    ]
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

impl Report {
    fn values(&self, n: usize, client: Client, get: fn(&Run) -> Option<f64>) -> Vec<f64> {
        self.runs
            .iter()
            .filter(|r| r.n == n && r.client == Some(client))
            .filter_map(get)
            .collect()
    }

    fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.checks.iter().map(|c| c.0).collect();
        sizes.dedup();
        sizes
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## Scenario results ({}, median of {} run{})\n",
            self.date,
            self.repeats,
            if self.repeats == 1 { "" } else { "s" }
        );
        let _ = writeln!(
            out,
            "{} CPUs, load at start {}; {}; mcabber {}; balcony {}; flood {} messages; idle \
             window {:.0} s; screen polled every {:.0} ms.\n",
            self.cpus,
            self.load
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
            self.prosody,
            self.mcabber
                .trim_start_matches("MCabber ")
                .split(" --")
                .next()
                .unwrap_or_default(),
            self.balcony,
            self.messages,
            self.idle_secs,
            self.poll_ms
        );
        let _ = writeln!(
            out,
            "| contacts | figure | balcony | mcabber | balcony/mcabber | target | met |"
        );
        let _ = writeln!(out, "|---:|---|---:|---:|---:|---|:-:|");
        for n in self.sizes() {
            for m in metrics() {
                let pick = |c| {
                    let v = self.values(n, c, m.get);
                    if m.worst { max(&v) } else { median(&v) }
                };
                let (b, mc) = (pick(Client::Balcony), pick(Client::Mcabber));
                if b.is_none() && mc.is_none() {
                    continue;
                }
                let ratio = match (b, mc) {
                    (Some(b), Some(m)) if m > 0.0 => Some(b / m),
                    _ => None,
                };
                let met = match (&m.target, b, ratio) {
                    (Target::Ratio(limit, at), _, Some(r)) if at.is_none_or(|at| at == n) => {
                        if r <= *limit { "✓" } else { "✗" }
                    }
                    (Target::Below(limit), Some(b), _) => {
                        if b < *limit {
                            "✓"
                        } else {
                            "✗"
                        }
                    }
                    _ => "",
                };
                let target = match &m.target {
                    Target::Ratio(_, Some(at)) if *at != n => "",
                    _ => m.target_text,
                };
                let _ = writeln!(
                    out,
                    "| {n} | {} ({}) | {} | {} | {} | {target} | {met} |",
                    m.name,
                    m.unit,
                    fmt_value(b),
                    fmt_value(mc),
                    ratio
                        .map(|r| format!("{r:.2}"))
                        .unwrap_or_else(|| "–".into()),
                );
            }
            let floors: Vec<f64> = self
                .floors
                .iter()
                .filter(|f| f.0 == n)
                .map(|f| f.1)
                .collect();
            if let Some(f) = median(&floors) {
                let _ = writeln!(
                    out,
                    "| {n} | flood: server routing floor (ms) | {} | | | | |",
                    fmt_value(Some(f))
                );
            }
            let rows: Vec<f64> = self
                .runs
                .iter()
                .filter(|r| r.n == n)
                .filter_map(|r| r.flood.as_ref()?.history_rows.map(|x| x as f64))
                .collect();
            if let Some(min) = rows.iter().copied().reduce(f64::min) {
                let _ = writeln!(
                    out,
                    "| {n} | flood: rows in balcony's history (least of runs) | {min:.0} / {} | | | all stored | {} |",
                    self.messages,
                    if min as usize == self.messages {
                        "✓"
                    } else {
                        "✗"
                    }
                );
            }
        }
        if let (Some(med), Some(p95), Some(mx)) = (
            median(&self.capture_ms),
            percentile(&self.capture_ms, 0.95),
            max(&self.capture_ms),
        ) {
            let _ = writeln!(
                out,
                "\nScreen polling: one `tmux capture-pane` takes {med:.1} ms (median; p95 \
                 {p95:.1}, max {mx:.1}) over {} captures, plus the {:.0} ms interval: a time read \
                 from the screen is late by up to about {:.0} ms.",
                self.capture_ms.len(),
                self.poll_ms,
                self.poll_ms + p95
            );
        }
        if !self.checks.is_empty() {
            let _ = writeln!(out, "\nProvisioning checks (raw session as alice):");
            for (n, check, online) in &self.checks {
                let _ = writeln!(out, "- {n} contacts, {online} online: {check}");
            }
        }
        for d in &self.diagnostics {
            let _ = writeln!(
                out,
                "\nbalcony's login with {} contacts, from its XML trace (ms after spawn; trace on):",
                d.n
            );
            for (label, steps) in [("cold", &d.cold), ("warm", &d.warm)] {
                let line: Vec<String> = steps
                    .iter()
                    .map(|(what, ms)| format!("{what} {ms:.0}"))
                    .collect();
                let _ = writeln!(out, "- {label}: {}", line.join(" · "));
            }
        }
        if !self.failures.is_empty() {
            let _ = writeln!(out, "\nFailed measurements:");
            for f in &self.failures {
                let first = f.lines().next().unwrap_or_default();
                let _ = writeln!(out, "- {first}");
            }
        }
        out
    }

    pub fn json(&self) -> serde_json::Value {
        json!({
            "date": self.date,
            "prosody": self.prosody,
            "mcabber": self.mcabber,
            "balcony": self.balcony,
            "cpus": self.cpus,
            "load_at_start": self.load.trim(),
            "messages": self.messages,
            "idle_secs": self.idle_secs,
            "poll_ms": self.poll_ms,
            "floors_ms": self.floors,
            "checks": self.checks,
            "failures": self.failures,
            "capture_ms": {
                "count": self.capture_ms.len(),
                "median": median(&self.capture_ms),
                "p95": percentile(&self.capture_ms, 0.95),
                "max": max(&self.capture_ms),
            },
            "diagnostics": self.diagnostics.iter().map(|d| json!({
                "contacts": d.n, "cold": d.cold, "warm": d.warm,
            })).collect::<Vec<_>>(),
            "runs": self.runs.iter().map(|r| json!({
                "contacts": r.n,
                "client": r.client.map(|c| c.to_string()),
                "run": r.run,
                "cold": r.cold,
                "warm": r.warm,
                "idle": r.idle,
                "flood": r.flood,
                "peak_rss_after_flood_kib": r.peak_rss_after_flood_kib,
            })).collect::<Vec<_>>(),
        })
    }
}
