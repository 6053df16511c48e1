//! The ejabberd 23.01 side of [`TestServer`](super::TestServer): `ejabberd.yml`,
//! `ejabberdctl.cfg`, the command line, accounts, readiness and a graceful stop.
//!
//! Everything lives in the server's directory: config, Mnesia spool, logs, certificate. The
//! Erlang node gets a private name, a random cookie and a fixed distribution port on 127.0.0.1
//! (`ERL_DIST_PORT`), so no epmd is started and nothing listens beyond loopback. It runs as
//! `ejabberdctl … foreground` in its own session; as root the script switches to the `ejabberd`
//! user, hence the `chown`. Stock Debian settings that matter for clients are kept on purpose:
//! the default SASL offer (SCRAM-SHA-1(-PLUS) and PLAIN, `auth_password_format: scram`).
//!
//! Part of `server.rs` (loaded through `#[path]`); the life cycle and the public API are there.
//! Facts behind these choices: `../shared/ejabberd-notes.md`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{
    BlockingModule, DEBUG_LOG_ENV, Encryption, ServerOptions, TestServer, random_u64, toml_str,
};

/// Where Debian installs the control script, for when /usr/sbin is not in PATH.
const EJABBERDCTL: &str = "/usr/sbin/ejabberdctl";
/// The resume timeout when [`ServerOptions::smacks_resume_timeout`] is not set (ejabberd's own
/// default is 300 s, too long for tests that wait for a session to end).
const DEFAULT_RESUME_TIMEOUT: u32 = 30;
/// What ejabberd says when another process holds one of our ports (c2s or distribution).
pub const PORT_TAKEN: &[&str] = &["eaddrinuse"];

/// The private Erlang node of one server. The name stays the same across restarts: Mnesia's
/// schema in the spool belongs to it.
#[derive(Debug)]
pub struct Node {
    name: String,
    cookie: String,
    /// Erlang distribution (what `ejabberdctl` talks to), on 127.0.0.1.
    pub dist_port: u16,
}

impl Node {
    pub fn new(dir: &Path) -> Node {
        // Kept directories (the dev server) keep their node name, so that the spool still opens.
        let saved = dir.join("ejabberd.node");
        let name = fs::read_to_string(&saved)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                let name = format!("balcony_{:012x}@localhost", random_u64() >> 16);
                let _ = fs::write(&saved, &name);
                name
            });
        Node {
            name,
            cookie: format!("{:016x}{:016x}", random_u64(), random_u64()),
            dist_port: 0,
        }
    }
}

/// Fails early, with the fix, when ejabberd is not installed, and refuses Prosody-only options.
pub fn require(opts: &ServerOptions) {
    assert!(
        ejabberdctl().is_some(),
        "ejabberdctl not found in PATH or {EJABBERDCTL}; install it with \
         `apt-get install ejabberd` (Debian/Ubuntu; keep the system service stopped, \
         e.g. with a policy-rc.d that exits 101)"
    );
    assert!(
        opts.extra_config.is_empty(),
        "ServerOptions::extra_config is Prosody Lua and means nothing to ejabberd; \
         use a typed option (e.g. smacks_resume_timeout) instead"
    );
    if let Some(policy) = &opts.conflict_resolve {
        assert!(
            policy == "kick_old",
            "ejabberd always replaces the old session on a resource conflict (kick_old); \
             conflict_resolve = {policy:?} is Prosody-only"
        );
    }
}

fn ejabberdctl() -> Option<PathBuf> {
    if super::process::in_path("ejabberdctl") {
        Some(PathBuf::from("ejabberdctl"))
    } else {
        Path::new(EJABBERDCTL)
            .is_file()
            .then(|| PathBuf::from(EJABBERDCTL))
    }
}

/// (config, log, stdout/stderr) files in the server's directory.
pub fn files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    for sub in ["spool", "logs"] {
        fs::create_dir_all(dir.join(sub))
            .unwrap_or_else(|e| panic!("cannot create {}/{sub}: {e}", dir.display()));
    }
    (
        dir.join("ejabberd.yml"),
        dir.join("logs").join("ejabberd.log"),
        dir.join("ejabberd.out"),
    )
}

pub fn pidfile(server: &TestServer) -> PathBuf {
    server.dir.join("ejabberd.pid")
}

/// The pid of our node's `beam.smp`: from the pidfile, or, when the node dies before writing it,
/// found in /proc by our node name (unique per server), so that it is never left behind.
pub fn beam_pid(server: &TestServer) -> Option<u32> {
    if let Some(pid) = fs::read_to_string(pidfile(server))
        .ok()
        .and_then(|p| p.trim().parse().ok())
    {
        return Some(pid);
    }
    let name = &server.node.as_ref()?.name;
    let wanted = format!("\0-sname\0{name}\0");
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let cmdline = fs::read(entry.path().join("cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        (cmdline.split('\0').next()?.ends_with("beam.smp") && cmdline.contains(&wanted))
            .then_some(pid)
    })
}

/// Whether a line of ejabberd's console output is a log line (also in the log file).
pub fn is_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 11 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[10] == b' '
}

/// `ejabberdctl` with our directories; `args` say what to do.
fn ctl(server: &TestServer) -> Command {
    let mut command = Command::new(ejabberdctl().unwrap_or_else(|| PathBuf::from(EJABBERDCTL)));
    let dir = &server.dir;
    command
        .arg("--config-dir")
        .arg(dir)
        .arg("--config")
        .arg(&server.config_file)
        .arg("--ctl-config")
        .arg(dir.join("ejabberdctl.cfg"))
        .arg("--spool")
        .arg(dir.join("spool"))
        .arg("--logs")
        .arg(dir.join("logs"))
        .current_dir(dir);
    command
}

/// `setsid ejabberdctl … foreground`: the node in the foreground, in a session of its own.
pub fn command(server: &TestServer) -> Command {
    let ctl = ctl(server);
    let mut command = Command::new("setsid");
    command
        .arg("--wait")
        .arg(ctl.get_program())
        .args(ctl.get_args());
    command.arg("foreground");
    command
}

/// The log lines that show ejabberd listening on each of our ports.
pub fn ready_lines(server: &TestServer) -> Vec<String> {
    let mut wanted = vec![format!(
        "Start accepting TCP connections at 127.0.0.1:{} for ejabberd_c2s",
        server.port
    )];
    if let Some(p) = server.direct_tls_port {
        wanted.push(format!(
            "Start accepting TLS connections at 127.0.0.1:{p} for ejabberd_c2s"
        ));
    }
    if let Some(p) = server.https_port {
        wanted.push(format!(
            "Start accepting TLS connections at 127.0.0.1:{p} for ejabberd_http"
        ));
    }
    wanted
}

/// `ejabberdctl register`, or `change_password` when the account exists (Prosody's `register`
/// does both). Needs the node running.
pub fn register(server: &TestServer, user: &str, password: &str) -> Result<(), String> {
    let run = |args: &[&str]| -> Result<(bool, String), String> {
        let out = ctl(server)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run ejabberdctl: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((out.status.success(), text))
    };
    let (ok, text) = run(&["register", user, &server.domain, password])?;
    if ok {
        return Ok(());
    }
    if text.contains("already registered") {
        let (ok, again) = run(&["change_password", user, &server.domain, password])?;
        if ok {
            return Ok(());
        }
        return Err(format!("ejabberdctl change_password {user}: {again}"));
    }
    Err(format!("ejabberdctl register {user}: {text}"))
}

/// `ejabberdctl stop`: an RPC to our node only. Clients get `<system-shutdown/>`. The caller
/// waits for the process to end and kills it if it lingers.
pub fn stop(server: &TestServer, grace: Duration) {
    if let Ok(mut child) = ctl(server)
        .arg("stop")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        if !super::process::wait_exit(&mut child, grace) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// Writes `ejabberd.yml`, `ejabberdctl.cfg`, `inetrc` and the certificate bundle, and hands the
/// directory to the `ejabberd` user when we are root.
pub fn write_config(server: &TestServer) {
    let dir = &server.dir;
    let node = server
        .node
        .as_ref()
        .unwrap_or_else(|| panic!("an ejabberd server without its node"));
    let bundle = dir.join("localhost.pem");
    let pem = |name: &str| {
        fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("cannot read {}/{name}: {e}", dir.display()))
    };
    // Leaf, its CA and the key in one file: ejabberd then has the whole chain.
    let chain = format!(
        "{}{}{}",
        pem("localhost.crt"),
        pem("ca.pem"),
        pem("localhost.key")
    );
    super::write_private(&bundle, chain.as_bytes());
    fs::write(&server.config_file, ejabberd_yml(server, &bundle))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", server.config_file.display()));
    // Read by `ejabberdctl` (a shell script) and by every `ejabberdctl` call after it.
    let ctl_cfg = format!(
        "# Written by balcony's tests/common/ejabberd.rs; rewritten at every start.\n\
         ERLANG_NODE={name}\n\
         ERL_DIST_PORT={port}\n\
         INET_DIST_INTERFACE=127.0.0.1\n\
         ERL_OPTIONS=\"-setcookie {cookie} -env ERL_CRASH_DUMP_BYTES 0\"\n\
         EJABBERD_PID_PATH={pid}\n\
         EJABBERD_BYPASS_WARNINGS=true\n\
         CONTRIB_MODULES_PATH={modules}\n\
         CONTRIB_MODULES_CONF_DIR={modules}/conf\n",
        name = node.name,
        port = node.dist_port,
        cookie = node.cookie,
        pid = pidfile(server).display(),
        modules = dir.join("modules").display(),
    );
    super::write_private(&dir.join("ejabberdctl.cfg"), ctl_cfg.as_bytes());
    // Erlang resolves `localhost` (our node's host) through this file, not /etc/ejabberd's.
    fs::write(
        dir.join("inetrc"),
        "{lookup,[\"file\",\"native\"]}.\n{host,{127,0,0,1}, [\"localhost\"]}.\n",
    )
    .unwrap_or_else(|e| panic!("cannot write {}/inetrc: {e}", dir.display()));
    hand_over(dir);
}

/// As root, `ejabberdctl` runs the node as the `ejabberd` user: it must own the directory.
fn hand_over(dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let ours = fs::metadata(dir).map(|m| m.uid()).unwrap_or(u32::MAX);
    let root = fs::metadata("/").map(|m| m.uid()).unwrap_or(0);
    if ours != root {
        // Not root: the script runs the node as the current user, and only as `ejabberd`.
        let me = Command::new("id").arg("-un").output();
        let me = me
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        assert!(
            me == "ejabberd",
            "ejabberdctl runs a node only as root or as the `ejabberd` user, not as {me:?}: \
             run the ejabberd tests as root"
        );
        return;
    }
    let status = Command::new("chown")
        .args(["-R", "ejabberd:ejabberd"])
        .arg(dir)
        .status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "chown -R ejabberd:ejabberd {} failed: {status:?}",
        dir.display()
    );
}

fn ejabberd_yml(server: &TestServer, bundle: &Path) -> String {
    let opts = &server.opts;
    let tls = opts.encryption == Encryption::StartTls;
    let level = if opts.debug_log || std::env::var_os(DEBUG_LOG_ENV).is_some() {
        "debug"
    } else {
        "info"
    };
    let mut y = String::new();
    y.push_str("# Written by balcony's tests/common/ejabberd.rs; rewritten at every start.\n");
    y.push_str(&format!("loglevel: {level}\n"));
    y.push_str("log_rotate_count: 0\n");
    y.push_str(&format!("hosts:\n  - {}\n", toml_str(&server.domain)));
    if tls || server.direct_tls_port.is_some() || server.https_port.is_some() {
        y.push_str(&format!(
            "certfiles:\n  - {}\n",
            toml_str(&bundle.to_string_lossy())
        ));
    }
    // Debian's stock choice, kept: SCRAM hashes, so SCRAM-SHA-1(-PLUS) and PLAIN are offered.
    y.push_str("auth_method: internal\nauth_password_format: scram\n");
    y.push_str("listen:\n");
    let listener = |port: u16, extra: &str| {
        format!(
            "  -\n    port: {port}\n    ip: \"127.0.0.1\"\n    module: ejabberd_c2s\n    \
             max_stanza_size: 262144\n    shaper: c2s_shaper\n    access: c2s\n{extra}"
        )
    };
    y.push_str(&listener(
        server.port,
        if tls {
            "    starttls_required: true\n"
        } else {
            ""
        },
    ));
    if let Some(p) = server.direct_tls_port {
        y.push_str(&listener(p, "    tls: true\n"));
    }
    if let Some(p) = server.https_port {
        y.push_str(&format!(
            "  -\n    port: {p}\n    ip: \"127.0.0.1\"\n    module: ejabberd_http\n    \
             tls: true\n    request_handlers:\n      /upload: mod_http_upload\n"
        ));
    }
    y.push_str(
        "s2s_access: none\n\
         acl:\n  local:\n    user_regexp: \"\"\n\
         access_rules:\n  local:\n    allow: local\n  c2s:\n    allow: all\n  \
         pubsub_createnode:\n    allow: local\n\
         # Debian throttles clients to 3000 B/s; tests flood thousands of stanzas.\n\
         shaper_rules:\n  c2s_shaper: none\n  max_user_offline_messages: 10000\n",
    );
    // mod_admin_extra gives `ejabberdctl change_password`, for registering an account again.
    y.push_str("modules:\n  mod_admin_extra: {}\n");
    y.push_str("  mod_roster:\n    versioning: true\n");
    y.push_str("  mod_privacy: {}\n");
    if opts.blocking == BlockingModule::Blocklist {
        y.push_str("  mod_blocking: {}\n");
    }
    if opts.smacks {
        y.push_str(&format!(
            "  mod_stream_mgmt:\n    resume_timeout: {}\n    resend_on_timeout: if_offline\n",
            opts.smacks_resume_timeout.unwrap_or(DEFAULT_RESUME_TIMEOUT)
        ));
    }
    y.push_str(
        "  mod_ping: {}\n  mod_disco: {}\n  mod_caps: {}\n  mod_carboncopy: {}\n  \
         mod_offline:\n    access_max_user_messages: max_user_offline_messages\n  \
         mod_vcard:\n    search: false\n  mod_private: {}\n  mod_client_state: {}\n  \
         mod_pubsub:\n    access_createnode: pubsub_createnode\n    plugins:\n      - flat\n      \
         - pep\n",
    );
    if opts.mam {
        // XEP-0313: ejabberd archives nothing unless told to (its `default` is `never`).
        y.push_str("  mod_mam:\n    default: always\n");
    }
    if opts.muc {
        // `mam: true` in the default room options archives every room when mod_mam is loaded.
        y.push_str(&format!(
            "  mod_muc:\n    host: {}\n    access: all\n    access_create: local\n    \
             access_persistent: local\n    access_admin: none\n    history_size: 100\n    \
             max_users: 5000\n    max_user_conferences: 1000\n    \
             default_room_options:\n      mam: {}\n",
            toml_str(&format!("conference.{}", server.domain)),
            opts.mam
        ));
    }
    if let Some(p) = server.https_port {
        // Slots on the listener above; files in the server's directory.
        y.push_str(&format!(
            "  mod_http_upload:\n    host: {}\n    put_url: {}\n    docroot: {}\n    \
             max_size: {}\n",
            toml_str(&format!("upload.{}", server.domain)),
            toml_str(&format!("https://{}:{p}/upload", server.domain)),
            toml_str(&server.dir.join("upload").to_string_lossy()),
            super::UPLOAD_LIMIT
        ));
    }
    y
}
