//! The catch-up benchmark's results: one record per client launch, the run's figures, the
//! markdown table with the targets (balcony within 1.5× the server floor, at most ¼
//! of Profanity's time, peak RSS at most 1.5× idle) and the raw JSON. The measurements are in
//! catchup.rs.

use std::fmt::Write as _;

use serde_json::json;

use crate::archive::Floor;
use crate::report::median;

/// The page size when balcony's trace shows no archive query: Prosody's cap.
pub const DEFAULT_PAGE: usize = 50;

/// One client's catch-up.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Catchup {
    pub client: String,
    pub run: usize,
    /// Launch → every backlog message in the client's history (balcony; Profanity's database
    /// is read only after it quit, see profanity.rs).
    pub rows_ms: Option<f64>,
    /// Launch → every visible roster row shows its contact's final unread count (balcony:
    /// and the status bar the total).
    pub drawn_ms: Option<f64>,
    /// Launch → both: the figure.
    pub done_ms: Option<f64>,
    /// Launch → the last 100 ms in which the client used CPU (see measure::wait_quiet).
    pub settled_ms: Option<f64>,
    /// CPU from exec until settled.
    pub cpu_ms: Option<f64>,
    /// VmHWM once settled: the peak of the catch-up.
    pub peak_rss_kib: Option<u64>,
    /// Backlog rows in the history at the end, and incoming rows added by this launch.
    pub rows: u64,
    pub rows_added: u64,
    pub error: Option<String>,
}

/// Everything one `--catchup` run measured.
#[derive(Default)]
pub struct Results {
    pub prosody: String,
    pub profanity: String,
    pub balcony: String,
    pub messages: usize,
    pub counts: Vec<usize>,
    pub send_ms: f64,
    pub archive_count: Option<u64>,
    pub archive_count_after_profanity: Option<u64>,
    pub warmup_archive_id: Option<String>,
    pub idle_rss_kib: Option<u64>,
    pub page_sizes: Vec<usize>,
    pub floors: Vec<Floor>,
    pub balcony_runs: Vec<Catchup>,
    pub profanity_runs: Vec<Catchup>,
    pub profanity_rows: Option<(u64, u64)>,
    pub capture_ms: Vec<f64>,
}

pub fn summary(r: &Catchup) -> String {
    let f = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0}"));
    format!(
        "done {} ms (rows {} ms, counts drawn {} ms), settled {} ms, CPU {} ms, peak RSS {}, \
         {} backlog rows ({} new incoming){}",
        f(r.done_ms),
        f(r.rows_ms),
        f(r.drawn_ms),
        f(r.settled_ms),
        f(r.cpu_ms),
        r.peak_rss_kib
            .map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
        r.rows,
        r.rows_added,
        if r.error.is_some() { "; FAILED" } else { "" }
    )
}

fn mib(kib: Option<f64>) -> Option<f64> {
    kib.map(|k| k / 1024.0)
}

pub fn cell(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

fn met(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "",
    }
}

impl Results {
    /// The median of `get` over the runs that caught up.
    fn done(runs: &[Catchup], get: fn(&Catchup) -> Option<f64>) -> Option<f64> {
        let v: Vec<f64> = runs
            .iter()
            .filter(|r| r.error.is_none())
            .filter_map(get)
            .collect();
        median(&v)
    }

    pub fn json(&self) -> serde_json::Value {
        json!({
            "prosody_version": self.prosody,
            "profanity_version": self.profanity,
            "balcony_version": self.balcony,
            "messages": self.messages,
            "messages_per_contact": self.counts,
            "send_ms": self.send_ms,
            "archive_count": self.archive_count,
            "archive_count_after_profanity": self.archive_count_after_profanity,
            "warmup_archive_id": self.warmup_archive_id,
            "balcony_idle_rss_kib": self.idle_rss_kib,
            "balcony_page_sizes": self.page_sizes,
            "floor": self.floors,
            "balcony": self.balcony_runs,
            "profanity": self.profanity_runs,
            "profanity_database_rows": self.profanity_rows.map(|(tagged, all)| json!({
                "backlog": tagged, "incoming": all
            })),
            "capture_ms": self.capture_ms,
        })
    }

    pub fn markdown(&self) -> String {
        let floor_of = |quick: bool| {
            median(
                &self
                    .floors
                    .iter()
                    .filter(|f| f.quick_ack == quick)
                    .map(|f| f.total_ms)
                    .collect::<Vec<_>>(),
            )
        };
        let floor = floor_of(false);
        let quick_floor = floor_of(true);
        let balcony = Self::done(&self.balcony_runs, |r| r.done_ms);
        let profanity = Self::done(&self.profanity_runs, |r| r.done_ms);
        let peak = Self::done(&self.balcony_runs, |r| r.peak_rss_kib.map(|k| k as f64));
        let idle = self.idle_rss_kib.map(|k| k as f64);
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        let to_floor = ratio(balcony, floor);
        let to_profanity = ratio(balcony, profanity);
        let rss = ratio(peak, idle);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Catch-up of {} messages from {} contacts; {}; balcony {}; {}; \
             medians of {} run(s).\n",
            self.messages,
            self.counts.len(),
            self.prosody,
            self.balcony,
            self.profanity,
            (self.floors.len() / 2).max(self.balcony_runs.len()),
        );
        let no_cursor = !self.balcony_runs.is_empty() && self.warmup_archive_id.is_none();
        if no_cursor {
            let _ = writeln!(
                s,
                "**balcony's warm-up history holds no archive id, so it had no catch-up cursor: \
                 whatever it was timed on is not an archive catch-up (the offline delivery, if \
                 the offline store still held the backlog). Its ratios are not judged.**\n"
            );
        }
        let judge = |ok: Option<bool>| if no_cursor { None } else { ok };
        let _ = writeln!(s, "| figure | value | target | met |");
        let _ = writeln!(s, "|---|---:|---|:-:|");
        let pages = self.floors.first().map(|f| (f.pages, f.max));
        let _ = writeln!(
            s,
            "| server floor: raw archive paging (ms){} | {} | | |",
            pages.map_or(String::new(), |(p, m)| format!(", {p} pages of {m}")),
            cell(floor, 0)
        );
        let _ = writeln!(
            s,
            "| server floor with quick ACKs (ms) | {} | | |",
            cell(quick_floor, 0)
        );
        let _ = writeln!(
            s,
            "| balcony: launch → all in history, unread counts drawn (ms) | {} | | |",
            cell(balcony, 0)
        );
        let _ = writeln!(
            s,
            "| balcony / floor | {} | ≤ 1.5 | {} |",
            cell(to_floor, 2),
            met(judge(to_floor.map(|r| r <= 1.5)))
        );
        let _ = writeln!(
            s,
            "| Profanity: launch → offline delivery drawn (ms) | {} | | |",
            cell(profanity, 0)
        );
        let _ = writeln!(
            s,
            "| balcony / Profanity | {} | ≤ 0.25 | {} |",
            cell(to_profanity, 2),
            met(judge(to_profanity.map(|r| r <= 0.25)))
        );
        let _ = writeln!(
            s,
            "| balcony peak RSS during catch-up (MiB) | {} | | |",
            cell(mib(peak), 1)
        );
        let _ = writeln!(
            s,
            "| balcony idle RSS, login without catch-up (MiB) | {} | | |",
            cell(mib(idle), 1)
        );
        let _ = writeln!(
            s,
            "| balcony peak / idle RSS | {} | ≤ 1.5 | {} |",
            cell(rss, 2),
            met(judge(rss.map(|r| r <= 1.5)))
        );
        let _ = writeln!(s);
        for r in self.balcony_runs.iter().chain(&self.profanity_runs) {
            let _ = writeln!(s, "- {} run {}: {}", r.client, r.run, summary(r));
        }
        for (i, f) in self.floors.iter().enumerate() {
            let _ = writeln!(
                s,
                "- floor run {}{}: {:.0} ms (login {:.0} ms), {} pages, {} results, Prosody CPU {} ms",
                i / 2 + 1,
                if f.quick_ack { " (quick ACKs)" } else { "" },
                f.total_ms,
                f.login_ms,
                f.pages,
                f.results,
                cell(f.server_cpu_ms, 0)
            );
        }
        let _ = writeln!(
            s,
            "- backlog sent in {:.0} ms; the archive: {} messages (the warm-up message and the \
             backlog){}",
            self.send_ms,
            self.archive_count.map_or("?".into(), |c| c.to_string()),
            self.archive_count_after_profanity
                .map_or(String::new(), |c| format!(" ({c} after Profanity's run)")),
        );
        let _ = writeln!(
            s,
            "- balcony's warm-up history: {}; page size it asks for: {}",
            self.warmup_archive_id
                .as_deref()
                .map_or("no archive id".into(), |id| format!("archive id {id}")),
            if self.page_sizes.is_empty() {
                format!("none seen (floor used {DEFAULT_PAGE})")
            } else {
                format!("{:?}", self.page_sizes)
            }
        );
        if let Some((tagged, all)) = self.profanity_rows {
            let _ = writeln!(
                s,
                "- Profanity's database after it quit: {tagged} backlog rows, {all} incoming rows"
            );
        }
        let capture = median(&self.capture_ms);
        let _ = writeln!(
            s,
            "- one screen capture takes {} ms (median)",
            cell(capture, 1)
        );
        s
    }
}
