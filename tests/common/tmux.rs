//! A tmux driver for end-to-end tests of the terminal UI: a real terminal
//! emulator interprets what the program draws, so a test sees the screen a
//! user would see, alternate screen and all.
//!
//! Each [`Tmux`] runs one detached server on a private socket (`-L`, under
//! `TMUX_TMPDIR`), with no config file and with HOME and the XDG directories
//! pointed into a temp dir, so neither tmux nor the program under test
//! leaves anything outside it. Dropping it kills that server and everything
//! running in it. Uses std::process only; tmux must be installed (`.ci/run`
//! installs it), and a missing tmux fails the test instead of skipping it.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How often [`Tmux::wait_for`] looks at the screen.
const POLL: Duration = Duration::from_millis(50);
/// The session name inside our private server.
const SESSION: &str = "balcony-test";
/// Terminal size of the pane.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

/// One private tmux server running one command in a 120×40 pane.
pub struct Tmux {
    socket: String,
    home: tempfile::TempDir,
}

impl Tmux {
    /// Starts `command` (a `sh -c` line) in a new detached session. After it
    /// ends the pane shows `EXITED:<status>` and stays open for 30 s, so a
    /// test can read the exit status and the restored screen.
    pub fn start(command: &str) -> Tmux {
        require_tmux();
        let home = tempfile::Builder::new()
            .prefix("balcony-tmux-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary home: {e}"));
        let tmux = Tmux {
            socket: unique_socket_name(),
            home,
        };
        let env = [
            ("HOME".to_owned(), tmux.home_path("home")),
            ("XDG_CONFIG_HOME".to_owned(), tmux.home_path("config")),
            ("XDG_STATE_HOME".to_owned(), tmux.home_path("state")),
            ("XDG_DATA_HOME".to_owned(), tmux.home_path("data")),
            ("XDG_CACHE_HOME".to_owned(), tmux.home_path("cache")),
            ("LANG".to_owned(), "C.UTF-8".to_owned()),
        ];
        for (_, dir) in env.iter().filter(|(key, _)| key != "LANG") {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {dir}: {e}"));
        }
        let line = format!("{command}; echo EXITED:$?; sleep 30");
        let (width, height) = (WIDTH.to_string(), HEIGHT.to_string());
        let mut args = vec![
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            &width,
            "-y",
            &height,
        ];
        // `-e` reaches the pane even if a tmux server with our name somehow
        // existed already; the process environment covers the server itself.
        let assignments: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for assignment in &assignments {
            args.extend(["-e", assignment.as_str()]);
        }
        args.push(&line);
        let mut start = tmux.command(&args);
        start.env_remove("TMUX");
        for (key, value) in &env {
            start.env(key, value);
        }
        tmux.check(start, &args);
        tmux
    }

    /// The temp dir standing in for the user's home and XDG directories.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    fn home_path(&self, name: &str) -> String {
        self.home.path().join(name).to_string_lossy().into_owned()
    }

    /// The visible screen, one line per row, trailing blanks trimmed.
    pub fn capture_pane(&self) -> String {
        let args = ["capture-pane", "-p", "-t", SESSION];
        let out = self.check(self.command(&args), &args);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until it contains `text`; fails with the last screen.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{text:?} on screen"), timeout, |screen| {
            screen.contains(text)
        })
    }

    /// Polls the screen until `ready` holds; fails with `what` and the last
    /// screen.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.capture_pane();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {timeout:?} for {what}; the screen:\n{screen}");
            }
            thread::sleep(POLL);
        }
    }

    /// Sends tmux key names (`Enter`, `C-c`, `Up`), one key each.
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        self.check(self.command(&args), &args);
    }

    /// Types `text` literally, character by character.
    pub fn type_text(&self, text: &str) {
        let args = ["send-keys", "-t", SESSION, "-l", text];
        self.check(self.command(&args), &args);
    }

    /// The pid of the pane's shell (the `sh -c` running our line).
    pub fn shell_pid(&self) -> u32 {
        let args = ["list-panes", "-t", SESSION, "-F", "#{pane_pid}"];
        let out = self.check(self.command(&args), &args);
        let text = String::from_utf8_lossy(&out.stdout);
        text.trim()
            .parse()
            .unwrap_or_else(|e| panic!("tmux gave pane pid {text:?}: {e}"))
    }

    /// The pid of the shell's only child: the program under test. Read from
    /// /proc, as `pgrep -P` would, without needing procps.
    pub fn program_pid(&self) -> u32 {
        let shell = self.shell_pid();
        let pids = children_of(shell);
        match pids.as_slice() {
            [pid] => *pid,
            _ => panic!(
                "expected one child of the pane shell {shell}, found {pids:?}; the screen:\n{}",
                self.capture_pane()
            ),
        }
    }

    /// Sends `signal` (a name such as `TERM`) to `pid` through the shell's
    /// `kill` builtin (no procps needed).
    pub fn signal(&self, pid: u32, signal: &str) {
        let status = Command::new("sh")
            .args(["-c", "kill -s \"$1\" \"$0\"", &pid.to_string(), signal])
            .status()
            .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
        assert!(status.success(), "kill -s {signal} {pid}: {status}");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        // The socket lives in our temp dir, so it goes away with it.
        command
            .env("TMUX_TMPDIR", self.home.path())
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .stdin(Stdio::null());
        command
    }

    fn check(&self, mut command: Command, args: &[&str]) -> Output {
        let out = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux {args:?}: {e}"));
        assert!(
            out.status.success(),
            "tmux {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Ends the server and, through SIGHUP, whatever still runs in it.
        let _ = self
            .command(&["kill-server"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The pids whose parent is `parent`, from the fourth field of
/// /proc/PID/stat (after the parenthesised command name, which may itself
/// contain spaces and parentheses).
fn children_of(parent: u32) -> Vec<u32> {
    let entries = std::fs::read_dir("/proc").unwrap_or_else(|e| panic!("cannot read /proc: {e}"));
    let mut children = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process may exit between listing and reading: skip it.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|field| field.parse::<u32>().ok());
        if ppid == Some(parent) {
            children.push(pid);
        }
    }
    children
}

/// A socket name no other test (or test run) uses at the same time.
fn unique_socket_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "balcony-test-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Fails loudly when tmux is missing: CI installs it, so a skip would hide a
/// broken setup.
fn require_tmux() {
    let found = Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "tmux not found in PATH; the TUI tests need it: install it with `apt-get install tmux` \
         (.ci/run does)"
    );
}

/// Quotes `text` for `sh` as one word.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
