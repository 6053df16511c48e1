//! Poezio (from PyPI, in its own virtualenv) as the room benchmark's second comparison: where
//! it is installed, its configuration in a private home, and its command line.
//!
//! The runner makes the virtualenv itself (`python3 -m venv`, then `pip install poezio`) under
//! the target directory the first time, and reuses it. Poezio refuses to run as root ("Please
//! do not run poezio as root."), so when the runner is root it starts Poezio as `nobody`
//! through `setpriv`, with its directory handed over to that user. It is started with
//! `-f FILE`, so nothing outside its home is read.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::clients::ClientDir;
use crate::setup::Scenario;

/// The virtualenv: `<target dir>/poezio-venv`.
pub fn venv() -> PathBuf {
    crate::target_dir().join("poezio-venv")
}

/// The `poezio` script in the virtualenv, installing it first when it is missing.
pub fn install() -> Result<PathBuf> {
    let dir = venv();
    let bin = dir.join("bin/poezio");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!(
        "installing Poezio from PyPI into {} (python3 -m venv, pip install poezio)…",
        dir.display()
    );
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .context("running python3 -m venv (apt-get install python3-venv)")?;
    if !status.success() {
        bail!("python3 -m venv {} failed", dir.display());
    }
    let status = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "poezio"])
        .status()
        .context("running pip")?;
    if !status.success() {
        bail!("pip install poezio failed (it builds a C extension: gcc and python3-dev)");
    }
    if !bin.is_file() {
        bail!("pip installed poezio, but {} is missing", bin.display());
    }
    Ok(bin)
}

/// Poezio's version, from the virtualenv's pip.
pub fn version() -> String {
    Command::new(venv().join("bin/pip"))
        .args(["show", "poezio"])
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Version: ").map(|v| format!("Poezio {v}")))
        })
        .unwrap_or_else(|| "Poezio".into())
}

/// Writes Poezio's configuration into `dir`; returns the command line and extra environment.
///
/// Same account policy as the other clients: STARTTLS required and the runner's CA checked
/// (`ca_cert_path`); its defaults otherwise, except 100 history messages on joining a room
/// (its default asks for 50, the room offers 100), no keepalive pings (as for Profanity, whose
/// ping timeout ends its connection in the flood), no beeps and no desktop notifications.
pub fn prepare(
    scenario: &Scenario,
    dir: &ClientDir,
    poezio: &Path,
) -> Result<(Vec<String>, BTreeMap<String, String>)> {
    let alice = &scenario.alice;
    let config = dir.root.join("config/poezio");
    fs::create_dir_all(&config)?;
    let cfg = format!(
        "[Poezio]\njid = {jid}\npassword = {pw}\nresource = poezio\n\
         custom_host = 127.0.0.1\ncustom_port = {port}\nforce_encryption = true\n\
         ca_cert_path = {ca}\n\
         muc_history_length = 100\nconnection_check_interval = 0\n\
         beep_on =\nenable_user_tune = false\nenable_user_nick = false\n\
         enable_user_activity = false\nenable_user_gaming = false\nenable_user_mood = false\n\
         enable_vertical_tab_list = false\n\
         log_dir = {logs}\n",
        jid = alice.jid,
        pw = alice.password,
        port = scenario.server.port,
        ca = scenario.server.ca_file.display(),
        logs = dir.root.join("data/poezio-logs").display(),
    );
    let file = config.join("poezio.cfg");
    fs::write(&file, cfg)?;
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600))?;
    let mut argv = Vec::new();
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        hand_over(&dir.root, NOBODY)?;
        argv.extend(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
            ]
            .map(String::from),
        );
    }
    argv.extend([
        poezio.to_string_lossy().into_owned(),
        "-f".into(),
        file.to_string_lossy().into_owned(),
    ]);
    Ok((argv, BTreeMap::new()))
}

/// `nobody`'s user and group id.
const NOBODY: u32 = 65534;

/// Gives `dir` and everything in it to `uid` (group too), except tmux's socket directory.
fn hand_over(dir: &Path, uid: u32) -> Result<()> {
    std::os::unix::fs::chown(dir, Some(uid), Some(uid))
        .with_context(|| format!("chown {}", dir.display()))?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == "tmux" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            hand_over(&entry.path(), uid)?;
        } else {
            std::os::unix::fs::chown(entry.path(), Some(uid), Some(uid))?;
        }
    }
    Ok(())
}
