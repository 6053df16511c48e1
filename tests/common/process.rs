//! The process side of a private test server, shared by every server kind: free loopback ports,
//! signals, waiting for a process to end, and the watchdog that kills a server when the test
//! process dies without dropping it.
//!
//! Part of `server.rs` (loaded through `#[path]`), so it uses std only. Nothing here knows about
//! Prosody or ejabberd; their differences live in `prosody.rs` and `ejabberd.rs`.

use std::fs::File;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Why a server did not come up.
#[derive(Debug)]
pub enum StartError {
    /// Another process bound one of our ports between our probe and the server's bind.
    PortTaken,
    Exited(ExitStatus),
    Timeout,
    Io(String),
}

/// A `sh` that kills the server if our process dies without dropping it (SIGKILL, abort): it
/// waits for EOF on a pipe only we hold. Dropping it kills it first, so it never fires then.
///
/// It signals `pid` and, when given, the pid written in `pidfile` at that moment: ejabberd runs
/// as a grandchild of the `ejabberdctl` script we start, under another user and session.
#[derive(Debug)]
pub struct Watchdog {
    child: Child,
    _pipe: ChildStdin,
}

impl Watchdog {
    pub fn spawn(pid: u32, pidfile: Option<&Path>) -> Option<Watchdog> {
        let pidfile: PathBuf = pidfile.map(Path::to_path_buf).unwrap_or_default();
        let mut child = Command::new("sh")
            .args([
                "-c",
                "read -r _; p=\"$0\"; [ -n \"$1\" ] && p=\"$p $(cat \"$1\" 2>/dev/null)\"; \
                 kill -TERM $p 2>/dev/null; sleep 3; kill -KILL $p 2>/dev/null",
                &pid.to_string(),
            ])
            .arg(&pidfile)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let pipe = child.stdin.take()?;
        Some(Watchdog { child, _pipe: pipe })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `signal` (`TERM`, `KILL`) to `pid` through `kill(1)`: no libc dependency, and it works
/// for processes that run as another user when we are root.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Waits up to `grace` for `child` to exit; true if it did.
pub fn wait_exit(child: &mut Child, grace: Duration) -> bool {
    let deadline = Instant::now() + grace;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() > deadline => return false,
            Ok(None) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Whether a process with this pid exists (it may be a zombie).
pub fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// `count` distinct free loopback ports, held together while probing so that they differ.
pub fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"))
        })
        .collect();
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The text of `path` from byte `offset` on (empty if it does not exist yet).
pub fn read_from(path: &Path, offset: u64) -> String {
    use std::io::{Seek, SeekFrom};
    let mut text = String::new();
    if let Ok(mut f) = File::open(path)
        && f.seek(SeekFrom::Start(offset)).is_ok()
    {
        let mut bytes = Vec::new();
        let _ = f.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

/// Whether an executable named `name` is in one of the PATH directories (or is a path itself).
pub fn in_path(name: &str) -> bool {
    if name.contains('/') {
        return Path::new(name).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}
