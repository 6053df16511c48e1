//! The Prosody 0.12 side of [`TestServer`](super::TestServer): its config file, command line,
//! accounts and readiness. One `prosody -F` child per server, stopped with SIGTERM.
//!
//! Part of `server.rs` (loaded through `#[path]`); the life cycle and the public API are there.
//! Facts about Prosody behind these choices: `../shared/prosody-notes.md`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BlockingModule, DEBUG_LOG_ENV, Encryption, TestServer, VcardModule, lua_str};

/// Log lines saying that another process holds one of our ports.
pub const PORT_TAKEN: &[&str] = &["Failed to open server port"];

/// Fails early, with the fix, when Prosody is not installed.
pub fn require() {
    assert!(
        super::process::in_path("prosody") && super::process::in_path("prosodyctl"),
        "prosody/prosodyctl not found in PATH; install them with \
         `apt-get install prosody prosody-modules` (Debian/Ubuntu)"
    );
}

/// (config, log, stdout/stderr) files in the server's directory.
pub fn files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    fs::create_dir_all(dir.join("data"))
        .unwrap_or_else(|e| panic!("cannot create {}/data: {e}", dir.display()));
    (
        dir.join("prosody.cfg.lua"),
        dir.join("prosody.log"),
        dir.join("prosody.out"),
    )
}

/// `prosody -F`: in the foreground, as our child.
pub fn command(server: &TestServer) -> Command {
    let mut command = Command::new("prosody");
    command.arg("--config").arg(&server.config_file).arg("-F");
    command
}

/// The log lines that show Prosody listening on each of our ports.
pub fn ready_lines(server: &TestServer) -> Vec<String> {
    let mut wanted = vec![format!(
        "Activated service 'c2s' on [127.0.0.1]:{}",
        server.port
    )];
    if let Some(p) = server.direct_tls_port {
        wanted.push(format!(
            "Activated service 'c2s_direct_tls' on [127.0.0.1]:{p}"
        ));
    }
    if let Some(p) = server.https_port {
        wanted.push(format!("Activated service 'https' on [127.0.0.1]:{p}"));
    }
    wanted
}

/// `prosodyctl register`, which also sets a new password for an existing account. Works whether
/// Prosody runs or not: the account store is read from disk at each login.
pub fn register(server: &TestServer, user: &str, password: &str) -> Result<(), String> {
    let out = Command::new("prosodyctl")
        .arg("--config")
        .arg(&server.config_file)
        .args(["register", user, &server.domain, password])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run prosodyctl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "prosodyctl register {user} ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Writes the Prosody config. Everything lives in the server's directory; nothing is read
/// from /etc.
pub fn write_config(server: &TestServer) {
    let cfg = prosody_config(server);
    fs::write(&server.config_file, cfg)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", server.config_file.display()));
}

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
    // Client state indication (XEP-0352), as in Debian's default config;
    // it only acts on a client that says it is inactive.
    modules.push("csi");
    modules.push("csi_simple");
    if opts.mam {
        // XEP-0313: every message to and from an account is archived (`default_archive_policy`
        // is `true` by default), in the internal store like everything else.
        modules.push("mam");
    }
    if opts.pep {
        modules.extend(["pep", "bookmarks", "private"]);
    }
    match opts.vcard {
        VcardModule::Off => {}
        // Debian's default config; vcard_legacy keeps the cards in PEP.
        VcardModule::Legacy => {
            if !opts.pep {
                modules.push("pep");
            }
            modules.extend(["vcard4", "vcard_legacy"]);
        }
        VcardModule::Plain => modules.push("vcard"),
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
    match server.https_port {
        // The upload component's slots; the certificate is the c2s one (SAN localhost).
        Some(p) => c.push_str(&format!(
            "https_ports = {{ {p} }}\nhttps_certificate = {}\nhttps_key = {}\n",
            path("localhost.crt"),
            path("localhost.key")
        )),
        None => c.push_str("https_ports = { }\n"),
    }
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
    if let Some(seconds) = opts.smacks_resume_timeout {
        c.push_str(&format!("smacks_hibernation_time = {seconds}\n"));
    }
    if !opts.extra_config.is_empty() {
        c.push_str("-- extra_config\n");
        c.push_str(&opts.extra_config);
        c.push('\n');
    }
    c.push_str(&format!("\nVirtualHost {}\n", lua_str(&server.domain)));
    if opts.muc {
        c.push_str(&format!(
            "\nComponent {} \"muc\"\n",
            lua_str(&format!("conference.{}", server.domain))
        ));
        if opts.mam {
            // Room archives (XEP-0313 on the room): every room keeps its history.
            c.push_str("  modules_enabled = { \"muc_mam\" }\n");
            c.push_str("  muc_log_by_default = true\n");
            c.push_str("  muc_log_all_rooms = true\n");
        }
        // Big rooms for the benchmarks and tests: Prosody's default caps a room at 20 history
        // messages and rooms at no occupant limit.
        c.push_str("  max_history_messages = 100\n");
    }
    if let Some(p) = server.https_port {
        // Slot URLs name `localhost`, which resolves and which the certificate covers, not the
        // component's own name.
        c.push_str(&format!(
            "\nComponent {} \"http_file_share\"\n  http_host = {}\n  \
             http_external_url = {}\n  http_file_share_size_limit = {}\n",
            lua_str(&format!("upload.{}", server.domain)),
            lua_str(&server.domain),
            lua_str(&format!("https://{}:{p}/", server.domain)),
            super::UPLOAD_LIMIT
        ));
    }
    c
}
