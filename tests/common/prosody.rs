//! A private Prosody 0.12 for integration tests and the dev server.
//!
//! Each [`TestServer`] owns one `prosody -F` child process with its own directory (config, data,
//! pidfile, log, certificates), its own free loopback port and its own tiny CA, so any number of
//! them can run in parallel inside one `cargo test`. Dropping the server stops Prosody, even while
//! a test panics. Accounts are made with `prosodyctl --config FILE register`.
//!
//! This file is used by `tests/common/mod.rs` and, through `#[path]`, by `examples/dev_server.rs`,
//! so it depends on std, `tempfile` and `rcgen` only and on nothing else in `tests/common/`.
//! Facts about Prosody behind these choices: `../shared/prosody-notes.md`.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long Prosody may take to start listening before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long Prosody may take to shut down after SIGTERM before it gets SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts at starting on a fresh port when another process took ours meanwhile.
const BIND_ATTEMPTS: usize = 5;
/// How much of Prosody's log a panicking test prints when it drops the server.
const LOG_TAIL_LINES: usize = 60;
/// Set this variable to anything to get Prosody's debug log (every stanza) in `prosody.log`.
pub const DEBUG_LOG_ENV: &str = "BALCONY_PROSODY_DEBUG";

/// Whether the server offers TLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encryption {
    /// STARTTLS offered and required (`c2s_require_encryption = true`), PLAIN only over TLS.
    #[default]
    StartTls,
    /// No TLS at all (`mod_tls` not loaded) and PLAIN offered in the clear: a server the client
    /// must refuse to log in to.
    None,
}

/// Which module answers blocking requests. The two keep separate stores, so a server loads one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockingModule {
    /// XEP-0191 through core `mod_blocklist`.
    #[default]
    Blocklist,
    /// XEP-0016 through `mod_privacy_lists` (prosody-modules), without `mod_blocklist`.
    PrivacyLists,
}

/// What kind of server to start.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    pub encryption: Encryption,
    /// Also listen for direct TLS (XEP-0368, `c2s_direct_tls_ports`) on a second port.
    pub direct_tls: bool,
    /// Prosody's `conflict_resolve` for a resource already bound: `kick_old` (Prosody's default),
    /// `kick_new`, `increment` or `random`.
    pub conflict_resolve: Option<String>,
    pub blocking: BlockingModule,
    /// Load `mod_smacks` (XEP-0198).
    pub smacks: bool,
    /// Lua appended verbatim to the global section, e.g. `smacks_hibernation_time = 5`.
    pub extra_config: String,
    /// Listen on this port instead of a free one (the dev server's `--port`).
    pub port: Option<u16>,
    /// Log at debug level (every stanza). Also on when `BALCONY_PROSODY_DEBUG` is set.
    pub debug_log: bool,
}

/// An account registered on a [`TestServer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub password: String,
    /// `user@localhost`
    pub jid: String,
}

/// A running (or stopped) private Prosody.
#[derive(Debug)]
pub struct TestServer {
    /// The c2s port on 127.0.0.1 (STARTTLS, or plain for [`Encryption::None`]).
    pub port: u16,
    /// The direct TLS port, when [`ServerOptions::direct_tls`] was asked for.
    pub direct_tls_port: Option<u16>,
    /// The only virtual host: `localhost`.
    pub domain: String,
    /// The CA that signed the server certificate; clients trust this file.
    pub ca_file: PathBuf,
    /// The server's directory: `prosody.cfg.lua`, `data/`, `prosody.log`, certificates, configs.
    pub dir: PathBuf,
    opts: ServerOptions,
    config_file: PathBuf,
    log_file: PathBuf,
    child: Option<Child>,
    watchdog: Option<Watchdog>,
    /// The whole log is already in a panic message; Drop need not print its tail.
    log_shown: Cell<bool>,
    // Removed by Drop after Prosody is gone (fields drop after `drop()` runs).
    tempdir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a server with the default options in a fresh temporary directory.
    pub fn start() -> TestServer {
        TestServer::start_with(ServerOptions::default())
    }

    /// Starts a server with `opts` in a fresh temporary directory, removed on drop.
    pub fn start_with(opts: ServerOptions) -> TestServer {
        let tempdir = tempfile::Builder::new()
            .prefix("balcony-prosody-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let dir = tempdir.path().to_path_buf();
        TestServer::launch(dir, opts, Some(tempdir))
    }

    /// Starts a server in `dir`, which is kept: certificates and accounts found there are reused.
    pub fn start_in(dir: PathBuf, opts: ServerOptions) -> TestServer {
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        // Prosody resolves relative paths against its own working directory, not ours.
        let dir = dir
            .canonicalize()
            .unwrap_or_else(|e| panic!("cannot resolve {}: {e}", dir.display()));
        TestServer::launch(dir, opts, None)
    }

    fn launch(dir: PathBuf, opts: ServerOptions, tempdir: Option<tempfile::TempDir>) -> TestServer {
        require_prosody();
        fs::create_dir_all(dir.join("data"))
            .unwrap_or_else(|e| panic!("cannot create {}/data: {e}", dir.display()));
        let ca_file = write_certificates(&dir);
        let mut server = TestServer {
            port: 0,
            direct_tls_port: None,
            domain: "localhost".to_string(),
            ca_file,
            config_file: dir.join("prosody.cfg.lua"),
            log_file: dir.join("prosody.log"),
            dir,
            opts,
            child: None,
            watchdog: None,
            log_shown: Cell::new(false),
            tempdir,
        };
        for attempt in 1..=BIND_ATTEMPTS {
            let (port, direct) = free_ports(server.opts.direct_tls);
            server.port = server.opts.port.unwrap_or(port);
            server.direct_tls_port = direct;
            server.write_prosody_config();
            match server.spawn_and_wait() {
                Ok(()) => return server,
                Err(StartError::PortTaken)
                    if attempt < BIND_ATTEMPTS && server.opts.port.is_none() =>
                {
                    server.kill_process();
                }
                Err(e) => server.fail(&format!(
                    "Prosody did not start on port {}: {e:?}",
                    server.port
                )),
            }
        }
        unreachable!("the last attempt either returns or fails")
    }

    /// Registers (or re-registers, setting a new password) `user` on the server. Works whether
    /// Prosody runs or not: the account store is read from disk at each login.
    pub fn register(&self, user: &str, password: &str) -> Account {
        let out = Command::new("prosodyctl")
            .arg("--config")
            .arg(&self.config_file)
            .args(["register", user, &self.domain, password])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run prosodyctl: {e}"));
        if !out.status.success() {
            self.fail(&format!(
                "prosodyctl register {user} failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
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

    /// Stops Prosody gracefully (SIGTERM: clients get `<system-shutdown/>`), SIGKILL after 5 s.
    /// Takes about a second while clients are connected: Prosody waits that long for them to
    /// close their streams. Data and port are kept for [`TestServer::restart`].
    pub fn stop(&mut self) {
        self.stop_process(STOP_TIMEOUT);
    }

    /// Kills Prosody with SIGKILL: its clients see the TCP connection drop without a stream
    /// close, as after a crash or a network failure.
    pub fn kill(&mut self) {
        self.kill_process();
    }

    /// Stops Prosody if it runs, then starts it again on the same port with the same data.
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
                    "Prosody did not restart on port {}: {e:?}",
                    self.port
                )),
            }
        }
    }

    /// Whether the Prosody process is alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// The pid of the Prosody process, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Prosody's log so far (all runs), plus anything it printed outside its log. Print this when
    /// a test fails.
    pub fn log(&self) -> String {
        let log = fs::read_to_string(&self.log_file).unwrap_or_default();
        let out = fs::read_to_string(self.dir.join("prosody.out")).unwrap_or_default();
        if out.trim().is_empty() {
            log
        } else {
            format!("{log}\n--- prosody stdout/stderr ---\n{out}")
        }
    }

    /// The Prosody config file, for `prosodyctl --config`.
    pub fn config_file(&self) -> &Path {
        &self.config_file
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

    fn write_prosody_config(&self) {
        let cfg = prosody_config(self);
        fs::write(&self.config_file, cfg)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.config_file.display()));
    }

    /// Spawns `prosody -F` and waits until it listens on our port(s).
    fn spawn_and_wait(&mut self) -> Result<(), StartError> {
        // Only this run's part of the log counts: the file is appended to across restarts.
        let log_start = fs::metadata(&self.log_file).map(|m| m.len()).unwrap_or(0);
        let out = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("prosody.out"))
            .map_err(|e| StartError::Io(e.to_string()))?;
        let err = out.try_clone().map_err(|e| StartError::Io(e.to_string()))?;
        let child = Command::new("prosody")
            .arg("--config")
            .arg(&self.config_file)
            .arg("-F")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| StartError::Io(format!("cannot run prosody: {e}")))?;
        self.watchdog = Watchdog::spawn(child.id());
        self.child = Some(child);

        let deadline = Instant::now() + START_TIMEOUT;
        let mut wanted = vec![format!(
            "Activated service 'c2s' on [127.0.0.1]:{}",
            self.port
        )];
        if let Some(p) = self.direct_tls_port {
            wanted.push(format!(
                "Activated service 'c2s_direct_tls' on [127.0.0.1]:{p}"
            ));
        }
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(StartError::Exited(status));
            }
            let log = read_from(&self.log_file, log_start);
            if log.contains("Failed to open server port") {
                return Err(StartError::PortTaken);
            }
            // Our own log line proves that *this* Prosody owns the port, not some other process.
            if wanted.iter().all(|w| log.contains(w.as_str()))
                && TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1)).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(StartError::Timeout);
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop_process(&mut self, grace: Duration) {
        // The watchdog goes first so that it can never signal a reused pid later.
        self.watchdog = None;
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            let _ = Command::new("sh")
                .args(["-c", "kill -TERM \"$0\"", &child.id().to_string()])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + grace;
            while let Ok(None) = child.try_wait() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    break;
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        // Reap it, so that its pid is really gone when we return.
        let _ = child.wait();
    }

    fn kill_process(&mut self) {
        self.watchdog = None;
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Panics with `msg` and Prosody's log. Drop then stops the process.
    fn fail(&self, msg: &str) -> ! {
        self.log_shown.set(true);
        panic!(
            "{msg}\n--- {} ---\n{}\n--- end of Prosody log ---",
            self.log_file.display(),
            self.log()
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
        }
        if self.tempdir.is_some() {
            // The data is about to be deleted, and a graceful stop waits a second for every
            // client still connected: no reason to be gentle.
            self.kill_process();
        } else {
            self.stop_process(STOP_TIMEOUT);
        }
    }
}

#[derive(Debug)]
enum StartError {
    /// Another process bound our port between our probe and Prosody's bind.
    PortTaken,
    Exited(ExitStatus),
    Timeout,
    Io(String),
}

/// A `sh` that kills Prosody if our process dies without dropping the server (SIGKILL, abort):
/// it waits for EOF on a pipe only we hold. Dropping it kills it first, so it never fires then.
#[derive(Debug)]
struct Watchdog {
    child: Child,
    _pipe: ChildStdin,
}

impl Watchdog {
    fn spawn(pid: u32) -> Option<Watchdog> {
        let mut child = Command::new("sh")
            .args([
                "-c",
                "read -r _; kill -TERM \"$0\" 2>/dev/null; sleep 3; kill -KILL \"$0\" 2>/dev/null",
                &pid.to_string(),
            ])
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

/// Fails early, with the fix, when Prosody is not installed.
fn require_prosody() {
    let found = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|d| d.join("prosody").is_file() && d.join("prosodyctl").is_file())
    });
    assert!(
        found,
        "prosody/prosodyctl not found in PATH; install them with \
         `apt-get install prosody prosody-modules` (Debian/Ubuntu)"
    );
}

/// Free loopback ports, held together while probing so that the two differ.
fn free_ports(with_direct_tls: bool) -> (u16, Option<u16>) {
    let bind = || {
        TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"))
    };
    let port_of = |l: &TcpListener| {
        l.local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let first = bind();
    let second = with_direct_tls.then(bind);
    (port_of(&first), second.as_ref().map(port_of))
}

/// The Prosody config. Everything lives in the server's directory; nothing is read from /etc.
fn prosody_config(server: &TestServer) -> String {
    let opts = &server.opts;
    let dir = &server.dir;
    let path = |name: &str| lua_str(&dir.join(name).to_string_lossy());
    let tls = opts.encryption == Encryption::StartTls;

    let mut modules = vec!["roster", "saslauth", "disco", "ping", "carbons"];
    if tls {
        modules.push("tls");
    }
    modules.push(match opts.blocking {
        BlockingModule::Blocklist => "blocklist",
        BlockingModule::PrivacyLists => "privacy_lists",
    });
    if opts.smacks {
        modules.push("smacks");
    }
    let modules: Vec<String> = modules.iter().map(|m| lua_str(m)).collect();
    let level = if opts.debug_log || std::env::var_os(DEBUG_LOG_ENV).is_some() {
        "debug"
    } else {
        "info"
    };

    let mut c = String::new();
    c.push_str("-- Written by balcony's tests/common/prosody.rs; rewritten at every start.\n");
    c.push_str("run_as_root = true\n");
    c.push_str(&format!("pidfile = {}\n", path("prosody.pid")));
    c.push_str(&format!("data_path = {}\n", path("data")));
    c.push_str(&format!("admin_socket = {}\n", path("prosody.sock")));
    c.push_str(&format!("log = {{ {level} = {} }}\n", path("prosody.log")));
    c.push_str("interfaces = { \"127.0.0.1\" }\n");
    c.push_str(&format!("c2s_ports = {{ {} }}\n", server.port));
    match server.direct_tls_port {
        Some(p) => c.push_str(&format!("c2s_direct_tls_ports = {{ {p} }}\n")),
        None => c.push_str("c2s_direct_tls_ports = { }\n"),
    }
    c.push_str("legacy_ssl_ports = { }\n");
    c.push_str("s2s_ports = { }\n");
    c.push_str("s2s_direct_tls_ports = { }\n");
    c.push_str("http_ports = { }\n");
    c.push_str("https_ports = { }\n");
    c.push_str("component_ports = { }\n");
    c.push_str(&format!("modules_enabled = {{ {} }}\n", modules.join(", ")));
    c.push_str("authentication = \"internal_hashed\"\n");
    c.push_str("storage = \"internal\"\n");
    c.push_str("allow_registration = false\n");
    if tls {
        c.push_str("c2s_require_encryption = true\n");
        c.push_str("allow_unencrypted_plain_auth = false\n");
    } else {
        // Otherwise Prosody offers no SASL at all before TLS, and PLAIN never in the clear.
        c.push_str("c2s_require_encryption = false\n");
        c.push_str("allow_unencrypted_plain_auth = true\n");
    }
    // Prosody also indexes a certificate directory (default: next to the config); pointing it at
    // ours avoids an error line about a missing `certs/` in every log.
    c.push_str(&format!(
        "certificates = {}\n",
        lua_str(&dir.to_string_lossy())
    ));
    if tls || server.direct_tls_port.is_some() {
        c.push_str(&format!(
            "ssl = {{ certificate = {}, key = {} }}\n",
            path("localhost.crt"),
            path("localhost.key")
        ));
    }
    if let Some(policy) = &opts.conflict_resolve {
        c.push_str(&format!("conflict_resolve = {}\n", lua_str(policy)));
    }
    if !opts.extra_config.is_empty() {
        c.push_str("-- extra_config\n");
        c.push_str(&opts.extra_config);
        c.push('\n');
    }
    c.push_str(&format!("\nVirtualHost {}\n", lua_str(&server.domain)));
    c
}

/// Writes ca.pem, localhost.crt and localhost.key unless all three exist; returns the CA's path.
///
/// rustls refuses a self-signed leaf marked CA:TRUE, so this is a real two-level chain: a CA
/// (CA:TRUE, keyCertSign) and a `localhost` leaf (CA:FALSE, serverAuth) signed by it.
fn write_certificates(dir: &Path) -> PathBuf {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };

    let ca_file = dir.join("ca.pem");
    let (crt_file, key_file) = (dir.join("localhost.crt"), dir.join("localhost.key"));
    if ca_file.is_file() && crt_file.is_file() && key_file.is_file() {
        return ca_file;
    }
    let gen_err = |e: rcgen::Error| -> ! { panic!("certificate generation failed: {e}") };

    let ca_key = KeyPair::generate().unwrap_or_else(|e| gen_err(e));
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| gen_err(e));
    ca.distinguished_name
        .push(DnType::CommonName, "balcony test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap_or_else(|e| gen_err(e));
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate().unwrap_or_else(|e| gen_err(e));
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap_or_else(|e| gen_err(e));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .unwrap_or_else(|e| gen_err(e));

    write_private(&key_file, leaf_key.serialize_pem().as_bytes());
    fs::write(&crt_file, leaf_cert.pem()).unwrap_or_else(|e| panic!("{}: {e}", crt_file.display()));
    fs::write(&ca_file, ca_cert.pem()).unwrap_or_else(|e| panic!("{}: {e}", ca_file.display()));
    ca_file
}

/// Writes a file only its owner can read (keys, configs with passwords).
pub fn write_private(path: &Path, contents: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    f.write_all(contents)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The text of `path` from byte `offset` on (empty if it does not exist yet).
fn read_from(path: &Path, offset: u64) -> String {
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

/// A password nobody will guess twice, without a random-number crate: std's hasher keys are
/// random per process, mixed with the time and a counter.
pub fn generate_password() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("pw-{:016x}", h.finish())
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

/// A TOML basic string.
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
