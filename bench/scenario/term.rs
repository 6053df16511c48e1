//! The client under test in a 160×48 tmux pane, and what /proc says about its process.
//!
//! Each launch gets a private tmux server (`-L`, socket under the run's directory, no config
//! file). The server is started first with a placeholder session, so the launch time does not
//! include starting tmux itself. The client runs with `exec`, so the pane's pid *is* the client's
//! pid, never a shell's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};

pub const WIDTH: u16 = 160;
pub const HEIGHT: u16 = 48;
const SESSION: &str = "client";

pub struct Pane {
    socket: String,
    tmpdir: PathBuf,
    pub pid: u32,
    /// When `tmux new-session` was issued for the client.
    pub spawned: Instant,
    /// The same moment on the wall clock, to compare with balcony's XML trace.
    pub spawned_wall: SystemTime,
}

fn tmux(socket: &str, tmpdir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("tmux")
        .env("TMUX_TMPDIR", tmpdir)
        .env_remove("TMUX")
        .args(["-L", socket, "-f", "/dev/null"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running tmux (apt-get install tmux)")?;
    if !out.status.success() {
        bail!(
            "tmux {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Quotes `text` for `sh` as one word.
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

impl Pane {
    /// Runs `argv` with `env` (on top of a minimal environment) in a fresh 160×48 pane.
    pub fn launch(tmpdir: &Path, argv: &[String], env: &BTreeMap<String, String>) -> Result<Pane> {
        let program = argv
            .first()
            .and_then(|a| Path::new(a).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Pane::launch_as(tmpdir, argv, env, &program)
    }

    /// [`Pane::launch`] for a command line that execs `program` in the end (`setpriv … poezio`):
    /// the pane's pid is taken once it runs `program`.
    pub fn launch_as(
        tmpdir: &Path,
        argv: &[String],
        env: &BTreeMap<String, String>,
        program: &str,
    ) -> Result<Pane> {
        std::fs::create_dir_all(tmpdir)?;
        let socket = format!(
            "scenario-{}-{}",
            std::process::id(),
            tmpdir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let (w, h) = (WIDTH.to_string(), HEIGHT.to_string());
        // Starting a tmux server has been seen to fail once in a while on a busy machine.
        let hold = ["new-session", "-d", "-s", "hold", "-x", &w, "-y", &h, "cat"];
        let mut attempt = 1;
        while let Err(e) = tmux(&socket, tmpdir, &hold) {
            if attempt == 3 {
                return Err(e);
            }
            eprintln!("starting tmux failed ({e:#}); trying again");
            let _ = tmux(&socket, tmpdir, &["kill-server"]);
            std::thread::sleep(Duration::from_millis(500));
            attempt += 1;
        }
        let line = format!(
            "exec {}",
            argv.iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let assignments: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args: Vec<&str> = vec!["new-session", "-d", "-s", SESSION, "-x", &w, "-y", &h];
        for a in &assignments {
            args.extend(["-e", a.as_str()]);
        }
        args.push(&line);
        let spawned = Instant::now();
        let spawned_wall = SystemTime::now();
        tmux(&socket, tmpdir, &args)?;
        let pid_text = tmux(
            &socket,
            tmpdir,
            &["display-message", "-p", "-t", SESSION, "#{pane_pid}"],
        )?;
        let pid: u32 = pid_text
            .trim()
            .parse()
            .with_context(|| format!("tmux gave pane pid {pid_text:?}"))?;
        // The pane's process is tmux's fork, then the shell, then (exec) the client: wait for the
        // last step, so that /proc is read for the client itself.
        let want: String = program.chars().take(15).collect();
        let deadline = Instant::now() + Duration::from_secs(5);
        while comm(pid) != want {
            if Instant::now() > deadline {
                bail!("the pane's pid {pid} runs {:?}, not {want:?}", comm(pid));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(Pane {
            socket,
            tmpdir: tmpdir.to_path_buf(),
            pid,
            spawned,
            spawned_wall,
        })
    }

    /// The visible screen, one line per row.
    pub fn capture(&self) -> Result<String> {
        tmux(
            &self.socket,
            &self.tmpdir,
            &["capture-pane", "-p", "-t", SESSION],
        )
    }

    /// Sends tmux key names (`Enter`, `C-c`, `BSpace`).
    pub fn keys(&self, keys: &[&str]) -> Result<()> {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        tmux(&self.socket, &self.tmpdir, &args).map(drop)
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) -> Result<()> {
        tmux(
            &self.socket,
            &self.tmpdir,
            &["send-keys", "-t", SESSION, "-l", text],
        )
        .map(drop)
    }

    pub fn alive(&self) -> bool {
        Path::new(&format!("/proc/{}", self.pid)).exists() && !is_zombie(self.pid)
    }

    /// Polls the screen every `interval` until `ready` holds; returns the screen and when it was
    /// captured (the moment the capture returned).
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        interval: Duration,
        mut ready: impl FnMut(&str) -> bool,
    ) -> Result<(String, Instant)> {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.capture()?;
            let at = Instant::now();
            if ready(&screen) {
                return Ok((screen, at));
            }
            if at > deadline {
                bail!("waited {timeout:?} for {what}; the screen:\n{screen}");
            }
            if !self.alive() {
                bail!("the client exited while we waited for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(interval);
        }
    }

    /// Waits up to `timeout` for the client to exit; kills it (SIGKILL) if it does not.
    pub fn wait_exit(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.alive() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status();
        false
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = tmux(&self.socket, &self.tmpdir, &["kill-server"]);
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

/// CPU time and scheduling counts of one process (all its live threads).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcSample {
    /// utime + stime of the whole process, in clock ticks.
    pub cpu_ticks: u64,
    /// Voluntary context switches summed over the threads: how often it went to sleep (woke up).
    pub voluntary: u64,
    pub nonvoluntary: u64,
}

pub fn clock_ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

pub fn sample(pid: u32) -> Result<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("odd /proc/PID/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| -> Result<u64> {
        fields
            .get(i - 3)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("field {i} of /proc/{pid}/stat"))
    };
    let cpu_ticks = num(14)? + num(15)?;
    let mut s = ProcSample {
        cpu_ticks,
        ..ProcSample::default()
    };
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
                continue;
            };
            s.voluntary += status_field(&status, "voluntary_ctxt_switches").unwrap_or(0);
            s.nonvoluntary += status_field(&status, "nonvoluntary_ctxt_switches").unwrap_or(0);
        }
    }
    Ok(s)
}

/// A numeric field of /proc/PID/status (`VmHWM` in kB, counters).
pub fn status_field(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == key).then(|| v.split_whitespace().next()?.parse().ok())?
    })
}

/// Peak resident set size (VmHWM) in KiB.
pub fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status_field(&status, "VmHWM").context("no VmHWM in /proc/PID/status")
}

/// The process name, to check that the pane's pid is really the client.
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}
