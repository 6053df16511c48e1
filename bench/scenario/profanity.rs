//! Profanity (the Debian package) as the catch-up benchmark's comparison: its account and
//! preferences in a private home, what its roster shows, and its chat-log database.
//!
//! Profanity 0.13.1 reads `$XDG_DATA_HOME/profanity/accounts` and
//! `$XDG_CONFIG_HOME/profanity/profrc` (GLib key files), logs every message it receives into
//! `$XDG_DATA_HOME/profanity/database/<jid>/chatlog.db` (SQLite, table `ChatLogs`, rollback
//! journal) and trusts the certificates OpenSSL's default verify paths name, so the runner's
//! CA is given with `SSL_CERT_FILE`. It is started with `-a alice`, which connects at once.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::clients::ClientDir;
use crate::setup::Scenario;

/// The account's name in Profanity's accounts file.
pub const ACCOUNT: &str = "alice";

/// Writes the account and preferences into `dir`; returns the command line and the extra
/// environment.
pub fn prepare(
    scenario: &Scenario,
    dir: &ClientDir,
) -> Result<(Vec<String>, BTreeMap<String, String>)> {
    let alice = &scenario.alice;
    let data = dir.root.join("data/profanity");
    let config = dir.root.join("config/profanity");
    fs::create_dir_all(&data)?;
    fs::create_dir_all(&config)?;
    // Same account and resource policy as balcony: STARTTLS required, the CA checked.
    let accounts = format!(
        "[{ACCOUNT}]\nenabled=true\njid={jid}\nserver=127.0.0.1\nport={port}\n\
         resource=profanity\npassword={pw}\ntls.policy=force\n\
         presence.last=online\npresence.login=online\n",
        jid = alice.jid,
        port = scenario.server.port,
        pw = alice.password,
    );
    let file = data.join("accounts");
    fs::write(&file, accounts)?;
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600))?;
    // Its defaults otherwise (chat logs on, roster with unread counts after the name, offline
    // contacts shown, MAM off); no desktop notifications or beeps (there is no desktop), no
    // auto-away, as for balcony. No keepalive pings: with its defaults (a ping every 60 s, the
    // connection dropped when the answer takes 20 s) it hangs up in the middle of the room
    // benchmark's flood, whose answer waits behind thousands of messages.
    let profrc = "[ui]\nbeep=false\nflash=false\n\n\
                  [connection]\nautoping=0\n\n\
                  [notifications]\nmessage=false\nroom=false\ntyping=false\ninvite=false\nsub=false\n\n\
                  [presence]\nautoaway.mode=off\n";
    fs::write(config.join("profrc"), profrc)?;
    let env = BTreeMap::from([(
        "SSL_CERT_FILE".to_owned(),
        scenario.server.ca_file.to_string_lossy().into_owned(),
    )]);
    Ok((vec!["profanity".into(), "-a".into(), ACCOUNT.into()], env))
}

/// Profanity's chat-log database under `dir`, once it exists.
pub fn database(dir: &ClientDir) -> Option<PathBuf> {
    find_file(&dir.root.join("data/profanity/database"), "chatlog.db")
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}

/// Incoming rows in Profanity's database whose message id starts with `prefix`, and all
/// incoming rows. Read once Profanity has quit: it sets no busy timeout, so a reader holding
/// the database while it commits would make it drop that message.
pub fn rows(db: &Path, prefix: &str, alice: &str) -> Result<(u64, u64)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {}", db.display()))?;
    let tagged: i64 = conn.query_row(
        "SELECT count(*) FROM ChatLogs WHERE to_jid = ?1 AND stanza_id LIKE ?2",
        [alice, &format!("{prefix}%")],
        |r| r.get(0),
    )?;
    let all: i64 = conn.query_row(
        "SELECT count(*) FROM ChatLogs WHERE to_jid = ?1",
        [alice],
        |r| r.get(0),
    )?;
    Ok((tagged as u64, all as u64))
}
