//! A private XMPP server for integration tests and the dev server: Prosody 0.12 or ejabberd 23.01.
//!
//! Each [`TestServer`] owns one server process with its own directory (config, data, logs,
//! certificates), its own free loopback ports and its own tiny CA, so any number of them can run
//! in parallel inside one `cargo test`. Dropping the server stops it, even while a test panics,
//! and a watchdog kills it if the test process dies without dropping it. Tests do not care which
//! [`ServerKind`] runs: the public API is the same for both.
//!
//! This file owns the public API and the start/stop life cycle. What differs per server (config
//! file, command line, accounts, readiness) lives in `prosody.rs` and `ejabberd.rs`; ports,
//! signals and the watchdog in `process.rs`; certificates in `certs.rs`. It is used by
//! `tests/common/mod.rs` and, through `#[path]`, by `examples/dev_server.rs` and `bench/scenario`,
//! so it depends on std, `tempfile` and `rcgen` only and on nothing else in `tests/common/`.
//! Facts behind these choices: `../shared/prosody-notes.md`, `../shared/ejabberd-notes.md`.

#[path = "certs.rs"]
mod certs;
#[path = "ejabberd.rs"]
mod ejabberd;
#[path = "process.rs"]
mod process;
#[path = "prosody.rs"]
mod prosody;

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub use certs::write_private;
use process::{StartError, Watchdog};

/// How long a server may take to start listening before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a server may take to shut down gracefully before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts at starting on fresh ports when another process took ours meanwhile.
const BIND_ATTEMPTS: usize = 5;
/// How much of the server's log a panicking test prints when it drops the server.
const LOG_TAIL_LINES: usize = 60;
/// Set this variable to anything to get the server's debug log (every stanza).
pub const DEBUG_LOG_ENV: &str = "BALCONY_PROSODY_DEBUG";
/// Set this variable to anything to keep a failing test's server directory (logs, data).
pub const KEEP_FAILED_ENV: &str = "BALCONY_KEEP_FAILED_SERVER";

/// Which server software to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerKind {
    /// Prosody 0.12 (`prosody -F`), accounts through `prosodyctl register`.
    #[default]
    Prosody,
    /// ejabberd 23.01 (`ejabberdctl … foreground`), accounts through `ejabberdctl register`.
    Ejabberd,
}

impl ServerKind {
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Prosody => "Prosody",
            ServerKind::Ejabberd => "ejabberd",
        }
    }
}

/// Whether the server offers TLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encryption {
    /// STARTTLS offered and required, PLAIN only over TLS.
    #[default]
    StartTls,
    /// No TLS at all and PLAIN offered in the clear: a server the client must refuse to log in to.
    None,
}

/// Which module answers blocking requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockingModule {
    /// XEP-0191: Prosody's `mod_blocklist`; ejabberd's `mod_blocking` (over `mod_privacy`, so
    /// XEP-0016 is offered too, and blocks show up as its list "Blocked contacts").
    #[default]
    Blocklist,
    /// XEP-0016 only: Prosody's `mod_privacy_lists` (prosody-modules) without `mod_blocklist`;
    /// ejabberd's `mod_privacy` without `mod_blocking`.
    PrivacyLists,
}

/// Which module answers vcard-temp (XEP-0054) on Prosody. ejabberd always runs its `mod_vcard`
/// (storing the XML as sent, an empty `<vCard/>` when there is none), as Debian's config does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VcardModule {
    /// No vcard module on Prosody.
    #[default]
    Off,
    /// Debian's default pair, `mod_vcard4` + `mod_vcard_legacy` (over `mod_pep`): a set becomes
    /// PEP nodes and a get is built back from them, lossily (`DESC` comes back as `NOTE`,
    /// unknown elements are dropped); nothing published is an empty `<vCard/>`.
    Legacy,
    /// `mod_vcard`: the XML as sent; `item-not-found` when there is none.
    Plain,
}

/// What kind of server to start.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    pub kind: ServerKind,
    pub encryption: Encryption,
    /// Also listen for direct TLS (XEP-0368) on a second port.
    pub direct_tls: bool,
    /// Prosody's `conflict_resolve` for a resource already bound: `kick_old` (Prosody's default),
    /// `kick_new`, `increment` or `random`. ejabberd always replaces the old session, so it
    /// accepts only `kick_old`.
    pub conflict_resolve: Option<String>,
    pub blocking: BlockingModule,
    /// Offer stream management (XEP-0198): Prosody's `mod_smacks`, ejabberd's `mod_stream_mgmt`.
    pub smacks: bool,
    /// Seconds a dropped stream-management session waits to be resumed (Prosody's
    /// `smacks_hibernation_time`, ejabberd's `resume_timeout`). Default: the server's own for
    /// Prosody, 30 s for ejabberd.
    pub smacks_resume_timeout: Option<u32>,
    /// Prosody only: Lua appended verbatim to the global section. ejabberd refuses it.
    pub extra_config: String,
    /// Listen on this port instead of a free one (the dev server's `--port`).
    pub port: Option<u16>,
    /// Log at debug level (every stanza). Also on when `BALCONY_PROSODY_DEBUG` is set.
    pub debug_log: bool,
    /// Keep a message archive (XEP-0313) for every account: Prosody's `mod_mam`, ejabberd's
    /// `mod_mam` archiving everything. Off by default: it slows Prosody's routing a lot.
    pub mam: bool,
    /// A multi-user chat service (XEP-0045) at `conference.<domain>`: Prosody's `muc` component
    /// (with `muc_mam` when `mam` is on), ejabberd's `mod_muc` (rooms archived when `mam` is on).
    pub muc: bool,
    /// Personal eventing and private storage on Prosody (`mod_pep`, `mod_bookmarks`,
    /// `mod_private`), as in Debian's config; ejabberd always has `mod_pubsub` (pep) and
    /// `mod_private`.
    pub pep: bool,
    /// HTTP file upload (XEP-0363) at `upload.<domain>`, its slots on an HTTPS port of its own
    /// ([`TestServer::https_port`]) with the server's certificate: Prosody's `http_file_share`
    /// component, ejabberd's `mod_http_upload` behind an `ejabberd_http` listener. Files up to
    /// [`UPLOAD_LIMIT`] bytes.
    pub upload: bool,
    /// Contact cards (XEP-0054) on Prosody: see [`VcardModule`].
    pub vcard: VcardModule,
}

/// The largest file the test servers' upload services take.
pub const UPLOAD_LIMIT: u64 = 8 * 1024 * 1024;

/// An account registered on a [`TestServer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub password: String,
    /// `user@localhost`
    pub jid: String,
}

/// A running (or stopped) private server.
#[derive(Debug)]
pub struct TestServer {
    /// The c2s port on 127.0.0.1 (STARTTLS, or plain for [`Encryption::None`]).
    pub port: u16,
    /// The direct TLS port, when [`ServerOptions::direct_tls`] was asked for.
    pub direct_tls_port: Option<u16>,
    /// The HTTPS port of the upload service, when [`ServerOptions::upload`] was asked for.
    pub https_port: Option<u16>,
    /// The only virtual host: `localhost`.
    pub domain: String,
    /// The CA that signed the server certificate; clients trust this file.
    pub ca_file: PathBuf,
    /// The server's directory: config, data, logs, certificates, client configs.
    pub dir: PathBuf,
    opts: ServerOptions,
    config_file: PathBuf,
    log_file: PathBuf,
    /// What the server printed outside its log.
    out_file: PathBuf,
    /// ejabberd's Erlang node: name, cookie and distribution port.
    node: Option<ejabberd::Node>,
    /// The process we spawned: `prosody`, or the `ejabberdctl` script.
    child: Option<Child>,
    /// The server process itself: `prosody`, or ejabberd's `beam.smp`.
    server_pid: Option<u32>,
    watchdog: Option<Watchdog>,
    /// The last stop had to kill the server: it sent its clients no stream error.
    killed: Cell<bool>,
    /// The whole log is already in a panic message; Drop need not print its tail.
    log_shown: Cell<bool>,
    // Removed by Drop after the server is gone (fields drop after `drop()` runs).
    tempdir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a Prosody with the default options in a fresh temporary directory.
    pub fn start() -> TestServer {
        TestServer::start_with(ServerOptions::default())
    }

    /// Starts a server of `kind` with otherwise default options.
    pub fn start_kind(kind: ServerKind) -> TestServer {
        TestServer::start_with(ServerOptions {
            kind,
            ..ServerOptions::default()
        })
    }

    /// Starts a server with `opts` in a fresh temporary directory, removed on drop.
    pub fn start_with(opts: ServerOptions) -> TestServer {
        let prefix = match opts.kind {
            ServerKind::Prosody => "balcony-prosody-",
            ServerKind::Ejabberd => "balcony-ejabberd-",
        };
        let tempdir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let dir = tempdir.path().to_path_buf();
        TestServer::launch(dir, opts, Some(tempdir))
    }

    /// Starts a server in `dir`, which is kept: certificates and accounts found there are reused.
    pub fn start_in(dir: PathBuf, opts: ServerOptions) -> TestServer {
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        // Servers resolve relative paths against their own working directory, not ours.
        let dir = dir
            .canonicalize()
            .unwrap_or_else(|e| panic!("cannot resolve {}: {e}", dir.display()));
        TestServer::launch(dir, opts, None)
    }

    fn launch(dir: PathBuf, opts: ServerOptions, tempdir: Option<tempfile::TempDir>) -> TestServer {
        match opts.kind {
            ServerKind::Prosody => prosody::require(),
            ServerKind::Ejabberd => ejabberd::require(&opts),
        }
        let ca_file = certs::write_certificates(&dir);
        let (config_file, log_file, out_file) = match opts.kind {
            ServerKind::Prosody => prosody::files(&dir),
            ServerKind::Ejabberd => ejabberd::files(&dir),
        };
        let node = (opts.kind == ServerKind::Ejabberd).then(|| ejabberd::Node::new(&dir));
        let mut server = TestServer {
            port: 0,
            direct_tls_port: None,
            https_port: None,
            domain: "localhost".to_string(),
            ca_file,
            config_file,
            log_file,
            out_file,
            dir,
            opts,
            node,
            child: None,
            server_pid: None,
            watchdog: None,
            killed: Cell::new(false),
            log_shown: Cell::new(false),
            tempdir,
        };
        for attempt in 1..=BIND_ATTEMPTS {
            let ports = process::free_ports(4);
            server.port = server.opts.port.unwrap_or(ports[0]);
            server.direct_tls_port = server.opts.direct_tls.then_some(ports[1]);
            server.https_port = server.opts.upload.then_some(ports[3]);
            if let Some(node) = server.node.as_mut() {
                node.dist_port = ports[2];
            }
            server.write_server_config();
            match server.spawn_and_wait() {
                Ok(()) => return server,
                Err(StartError::PortTaken)
                    if attempt < BIND_ATTEMPTS && server.opts.port.is_none() =>
                {
                    server.kill_process();
                }
                Err(e) => server.fail(&format!(
                    "{} did not start on port {}: {e:?}",
                    server.kind().name(),
                    server.port
                )),
            }
        }
        unreachable!("the last attempt either returns or fails")
    }

    /// Which server software this is.
    pub fn kind(&self) -> ServerKind {
        self.opts.kind
    }

    /// Registers (or re-registers, setting a new password) `user` on the server. Prosody's
    /// accounts can be made while it is stopped; ejabberd's only while it runs.
    pub fn register(&self, user: &str, password: &str) -> Account {
        let result = match self.kind() {
            ServerKind::Prosody => prosody::register(self, user, password),
            ServerKind::Ejabberd => ejabberd::register(self, user, password),
        };
        if let Err(e) = result {
            self.fail(&format!("registering {user} failed: {e}"));
        }
        Account {
            user: user.to_string(),
            password: password.to_string(),
            jid: format!("{user}@{}", self.domain),
        }
    }

    /// Registers `user` with a generated password. Picking distinct user names is the caller's job.
    pub fn account(&self, user: &str) -> Account {
        self.register(user, &generate_password())
    }

    /// The balcony config for `account` over STARTTLS on [`TestServer::port`], as TOML.
    ///
    /// For an [`Encryption::None`] server this is the same text on purpose: the client must
    /// refuse a server that offers no TLS, and the config must not tell it otherwise.
    pub fn config_toml(&self, account: &Account) -> String {
        self.client_toml(account, self.port, "starttls")
    }

    /// The balcony config for `account` over direct TLS on [`TestServer::direct_tls_port`].
    pub fn config_toml_direct_tls(&self, account: &Account) -> String {
        let port = self
            .direct_tls_port
            .unwrap_or_else(|| panic!("this server was started without direct_tls"));
        self.client_toml(account, port, "direct")
    }

    /// Writes [`TestServer::config_toml`] plus `extra` to `<dir>/<user>.toml`.
    ///
    /// `extra` is appended verbatim: lines before any `[table]` header still belong to
    /// `[account]`, and it may add whole tables (`[connection]`, ...).
    pub fn write_config(&self, account: &Account, extra: &str) -> PathBuf {
        let path = self.dir.join(format!("{}.toml", account.user));
        self.write_client_config(&path, self.config_toml(account), extra)
    }

    /// Writes [`TestServer::config_toml_direct_tls`] plus `extra` to `<dir>/<user>-direct.toml`.
    pub fn write_config_direct_tls(&self, account: &Account, extra: &str) -> PathBuf {
        let path = self.dir.join(format!("{}-direct.toml", account.user));
        self.write_client_config(&path, self.config_toml_direct_tls(account), extra)
    }

    /// Stops the server gracefully (clients get `<system-shutdown/>`), killing it after 5 s.
    /// Prosody takes about a second while clients are connected (it waits that long for them to
    /// close their streams); ejabberd is stopped by `ejabberdctl stop`. Data and ports are kept
    /// for [`TestServer::restart`].
    pub fn stop(&mut self) {
        self.stop_process(STOP_TIMEOUT);
    }

    /// Kills the server with SIGKILL: its clients see the TCP connection drop without a stream
    /// close, as after a crash or a network failure.
    pub fn kill(&mut self) {
        self.kill_process();
    }

    /// Whether the last [`TestServer::stop`] had to kill the server (slow to stop under load),
    /// so that its clients got no `<system-shutdown/>`.
    pub fn was_killed(&self) -> bool {
        self.killed.get()
    }

    /// Stops the server if it runs, then starts it again on the same ports with the same data.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.spawn_and_wait() {
                Ok(()) => return,
                // Our old listening socket may linger for a moment; anything else is fatal.
                Err(StartError::PortTaken) if Instant::now() < deadline => {
                    self.kill_process();
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => self.fail(&format!(
                    "{} did not restart on port {}: {e:?}",
                    self.kind().name(),
                    self.port
                )),
            }
        }
    }

    /// Whether the server process is alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// The pid of the server process (`prosody`, ejabberd's `beam.smp`), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and(self.server_pid)
    }

    /// The server's log so far (all runs), plus anything it printed outside its log. Print this
    /// when a test fails.
    pub fn log(&self) -> String {
        let log = fs::read_to_string(&self.log_file).unwrap_or_default();
        let out = fs::read_to_string(&self.out_file).unwrap_or_default();
        // ejabberd in the foreground prints its log lines to stdout as well; keep the rest.
        let out: Vec<&str> = out
            .lines()
            .filter(|l| !(self.kind() == ServerKind::Ejabberd && ejabberd::is_log_line(l)))
            .collect();
        if out.iter().all(|l| l.trim().is_empty()) {
            log
        } else {
            format!(
                "{log}\n--- {} stdout/stderr ---\n{}",
                self.kind().name(),
                out.join("\n")
            )
        }
    }

    /// The server's main config file (`prosody.cfg.lua`, `ejabberd.yml`).
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }

    /// The server's log file.
    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// The address clients connect to for STARTTLS.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn client_toml(&self, account: &Account, port: u16, tls: &str) -> String {
        format!(
            "[account]\n\
             jid = {}\n\
             password = {}\n\
             host = \"127.0.0.1\"\n\
             port = {port}\n\
             tls = \"{tls}\"\n\
             ca_file = {}\n",
            toml_str(&account.jid),
            toml_str(&account.password),
            toml_str(&self.ca_file.to_string_lossy()),
        )
    }

    fn write_client_config(&self, path: &Path, toml: String, extra: &str) -> PathBuf {
        let mut text = toml;
        if !extra.is_empty() {
            text.push_str(extra);
            if !extra.ends_with('\n') {
                text.push('\n');
            }
        }
        write_private(path, text.as_bytes());
        path.to_path_buf()
    }

    fn write_server_config(&self) {
        match self.kind() {
            ServerKind::Prosody => prosody::write_config(self),
            ServerKind::Ejabberd => ejabberd::write_config(self),
        }
    }

    /// Spawns the server and waits until it listens on our port(s).
    fn spawn_and_wait(&mut self) -> Result<(), StartError> {
        // Only this run's part of the log counts: the file is appended to across restarts.
        let log_start = fs::metadata(&self.log_file).map(|m| m.len()).unwrap_or(0);
        let out = File::options()
            .create(true)
            .append(true)
            .open(&self.out_file)
            .map_err(|e| StartError::Io(e.to_string()))?;
        let err = out.try_clone().map_err(|e| StartError::Io(e.to_string()))?;
        let (mut command, pidfile) = match self.kind() {
            ServerKind::Prosody => (prosody::command(self), None),
            ServerKind::Ejabberd => (ejabberd::command(self), Some(ejabberd::pidfile(self))),
        };
        if let Some(pidfile) = &pidfile {
            // A stale pid from the last run must never be signalled.
            let _ = fs::remove_file(pidfile);
        }
        let child = command
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| StartError::Io(format!("cannot run {command:?}: {e}")))?;
        self.watchdog = Watchdog::spawn(child.id(), pidfile.as_deref());
        self.server_pid = Some(child.id());
        self.child = Some(child);
        self.killed.set(false);

        let (wanted, taken) = match self.kind() {
            ServerKind::Prosody => (prosody::ready_lines(self), prosody::PORT_TAKEN),
            ServerKind::Ejabberd => (ejabberd::ready_lines(self), ejabberd::PORT_TAKEN),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let log = process::read_from(&self.log_file, log_start);
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                let out = fs::read_to_string(&self.out_file).unwrap_or_default();
                if taken.iter().any(|t| log.contains(t) || out.contains(t)) {
                    return Err(StartError::PortTaken);
                }
                return Err(StartError::Exited(status));
            }
            if taken.iter().any(|t| log.contains(t)) {
                return Err(StartError::PortTaken);
            }
            // Our own log lines prove that *this* server owns the ports, not some other process.
            if wanted.iter().all(|w| log.contains(w.as_str()))
                && TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1)).is_ok()
            {
                self.find_server_pid();
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(StartError::Timeout);
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// ejabberd's `beam.smp` is not our child: look it up before signalling it.
    fn find_server_pid(&mut self) {
        if self.kind() == ServerKind::Ejabberd
            && self.child.is_some()
            && let Some(pid) = ejabberd::beam_pid(self)
        {
            self.server_pid = Some(pid);
        }
    }

    fn stop_process(&mut self, grace: Duration) {
        self.find_server_pid();
        let Some(mut child) = self.child.take() else {
            self.watchdog = None;
            return;
        };
        if let Ok(None) = child.try_wait() {
            match self.kind() {
                ServerKind::Prosody => process::signal(child.id(), "TERM"),
                ServerKind::Ejabberd => ejabberd::stop(self, grace),
            }
            if !process::wait_exit(&mut child, grace) {
                self.killed.set(true);
                if let Some(pid) = self.server_pid {
                    process::signal(pid, "KILL");
                }
                let _ = child.kill();
            }
        }
        // Reap it, so that its pid is really gone when we return; only then may the watchdog
        // go (it can never signal a reused pid while we hold the zombie).
        let _ = child.wait();
        self.watchdog = None;
    }

    fn kill_process(&mut self) {
        self.find_server_pid();
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = self.server_pid
                && pid != child.id()
            {
                // ejabberd's beam: its parents (the script, su, sh) end and reap it in turn.
                process::signal(pid, "KILL");
                process::wait_exit(&mut child, STOP_TIMEOUT);
            }
            let _ = child.kill();
            let _ = child.wait();
            self.killed.set(true);
        }
        self.watchdog = None;
    }

    /// Panics with `msg` and the server's log. Drop then stops the process.
    fn fail(&self, msg: &str) -> ! {
        self.log_shown.set(true);
        panic!(
            "{msg}\n--- {} ---\n{}\n--- end of {} log ---",
            self.log_file.display(),
            self.log(),
            self.kind().name()
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // A failing test shows what the server saw (cargo test prints stderr of failures only).
        if thread::panicking() && !self.log_shown.get() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
            eprintln!(
                "--- last lines of {} ---\n{tail}\n---",
                self.log_file.display()
            );
            if std::env::var_os(KEEP_FAILED_ENV).is_some()
                && let Some(dir) = self.tempdir.take()
            {
                eprintln!("kept {} ({KEEP_FAILED_ENV})", dir.keep().display());
            }
        }
        if self.tempdir.is_some() || thread::panicking() {
            // The data is about to be deleted, and a graceful stop waits for every client still
            // connected: no reason to be gentle.
            self.kill_process();
        } else {
            self.stop_process(STOP_TIMEOUT);
        }
    }
}

/// A password nobody will guess twice, without a random-number crate: std's hasher keys are
/// random per process, mixed with the time and a counter.
pub fn generate_password() -> String {
    format!("pw-{:016x}", random_u64())
}

/// 64 random-enough bits (see [`generate_password`]).
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// A Lua string literal; UTF-8 passes through as bytes, control characters as decimal escapes.
pub fn lua_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\{:03}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML basic string (also a valid YAML double-quoted string).
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
