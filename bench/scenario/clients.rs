//! The two clients under test: how to configure and start each one, what its screen looks like
//! when the roster is drawn and it is online, how to open the flooder's chat, where its input
//! line is, and how to quit.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::server::toml_str;

use crate::provision::{FLOODER_USER, MARKER_NAME, UNGROUPED_MARKER_NAME};
use crate::setup::Scenario;
use crate::term::{HEIGHT, Pane};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Client {
    Balcony,
    Mcabber,
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Client::Balcony => "balcony",
            Client::Mcabber => "mcabber",
        })
    }
}

/// A client's private directory: home, XDG directories, config, history, logs. A cold start
/// gets a new one; a warm start reuses it.
pub struct ClientDir {
    pub root: PathBuf,
}

/// Extra settings for one launch.
#[derive(Clone, Debug, Default)]
pub struct LaunchOptions {
    /// balcony's `[log] xml_trace`, with bodies in clear.
    pub xml_trace: Option<PathBuf>,
}

impl ClientDir {
    pub fn new(root: PathBuf) -> Result<ClientDir> {
        if root.exists() {
            fs::remove_dir_all(&root).with_context(|| format!("removing {}", root.display()))?;
        }
        for sub in ["home", "config", "data", "state", "cache", "tmux"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(ClientDir { root })
    }

    pub fn env(&self) -> BTreeMap<String, String> {
        let p = |s: &str| self.root.join(s).to_string_lossy().into_owned();
        BTreeMap::from([
            ("HOME".into(), p("home")),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_DATA_HOME".into(), p("data")),
            ("XDG_STATE_HOME".into(), p("state")),
            ("XDG_CACHE_HOME".into(), p("cache")),
            ("LANG".into(), "C.UTF-8".into()),
            ("LC_ALL".into(), "C.UTF-8".into()),
        ])
    }

    /// balcony's history database.
    pub fn history(&self) -> PathBuf {
        self.root.join("data/balcony/history.sqlite3")
    }
}

impl Client {
    /// Writes the client's config into `dir` (again on a warm start: same content) and returns
    /// the command line.
    pub fn prepare(
        self,
        scenario: &Scenario,
        dir: &ClientDir,
        balcony: &Path,
        opts: &LaunchOptions,
    ) -> Result<Vec<String>> {
        let alice = &scenario.alice;
        let server = &scenario.server;
        match self {
            Client::Balcony => {
                let mut cfg = format!(
                    "[account]\njid = {}\npassword = {}\nresource = \"balcony\"\n\
                     host = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\nca_file = {}\n\n\
                     [history]\nenabled = true\nfile = {}\n\n\
                     [log]\nlevel = \"info\"\nfile = {}\n",
                    toml_str(&alice.jid),
                    toml_str(&alice.password),
                    server.port,
                    toml_str(&server.ca_file.to_string_lossy()),
                    toml_str(&dir.history().to_string_lossy()),
                    toml_str(&dir.root.join("state/balcony.log").to_string_lossy()),
                );
                if let Some(trace) = &opts.xml_trace {
                    cfg.push_str(&format!(
                        "xml_trace = {}\nredact_bodies = false\n",
                        toml_str(&trace.to_string_lossy())
                    ));
                }
                let file = dir.root.join("config/balcony.toml");
                fs::write(&file, cfg)?;
                Ok(vec![
                    balcony.to_string_lossy().into_owned(),
                    "--config".into(),
                    file.to_string_lossy().into_owned(),
                ])
            }
            Client::Mcabber => {
                // Same account and resource policy as balcony; STARTTLS required, the test CA
                // trusted; history logged to disk like balcony's; no beeps, no auto-away, and
                // offline contacts shown (balcony shows them too).
                let histo = dir.root.join("home/.mcabber/histo");
                fs::create_dir_all(&histo)?;
                let cfg = format!(
                    "set jid = {jid}\nset password = {pw}\nset resource = mcabber\n\
                     set disable_random_resource = 1\n\
                     set server = 127.0.0.1\nset port = {port}\n\
                     set tls = 1\nset ssl = 0\nset ssl_ignore_checks = 0\nset ssl_ca = {ca}\n\
                     set pinginterval = 60\nset autoaway = 0\nset beep_on_message = 0\n\
                     set roster_display_filter = ofdna_\n\
                     set logging = 1\nset logging_ignore_status = 1\nset load_logs = 1\n\
                     set logging_dir = {histo}\n\
                     set statefile = {state}\nset escdelay = 50\n",
                    jid = alice.jid,
                    pw = alice.password,
                    port = server.port,
                    ca = server.ca_file.display(),
                    histo = histo.display(),
                    state = dir.root.join("home/.mcabber/mcabber.state").display(),
                );
                let file = dir.root.join("home/.mcabber/mcabberrc");
                fs::write(&file, cfg)?;
                use std::os::unix::fs::PermissionsExt as _;
                fs::set_permissions(&file, fs::Permissions::from_mode(0o600))?;
                Ok(vec![
                    "mcabber".into(),
                    "-f".into(),
                    file.to_string_lossy().into_owned(),
                ])
            }
        }
    }

    /// The roster is drawn: the contact on the first row of this client's roster is on screen
    /// (see `provision::MARKER_NAME`).
    pub fn roster_visible(self, screen: &str) -> bool {
        match self {
            Client::Balcony => screen.contains(MARKER_NAME),
            // mcabber cuts names at its roster width (24 columns).
            Client::Mcabber => screen.contains(&UNGROUPED_MARKER_NAME[..17]),
        }
    }

    /// The client says it is online (logged in and bound).
    pub fn online(self, screen: &str) -> bool {
        match self {
            Client::Balcony => screen.contains("[o] online as alice@"),
            Client::Mcabber => mcabber_status_line(screen).contains("[o]"),
        }
    }

    /// The line the user types into (the last row), without its prompt, blanks trimmed.
    pub fn input_line(self, screen: &str) -> String {
        let last = row(screen, HEIGHT - 1);
        match self {
            Client::Balcony => last.strip_prefix('>').unwrap_or(last).trim().to_owned(),
            Client::Mcabber => last.trim().to_owned(),
        }
    }

    /// Opens the flooder's conversation, so its messages are drawn, and leaves the keyboard in
    /// the input line.
    pub fn open_chat(self, pane: &Pane, domain: &str) -> Result<()> {
        match self {
            Client::Balcony => {
                pane.keys(&["i"])?;
                std::thread::sleep(Duration::from_millis(100));
                pane.type_text(&format!("/msg {FLOODER_USER}@{domain}"))?;
                pane.keys(&["Enter"])?;
            }
            Client::Mcabber => {
                pane.type_text(&format!("/roster search {FLOODER_USER}@{domain}"))?;
                pane.keys(&["Enter"])?;
                std::thread::sleep(Duration::from_millis(200));
                // Enter on an empty line: chat mode, which shows the selected contact's buffer.
                pane.keys(&["Enter"])?;
            }
        }
        Ok(())
    }

    /// Closes whatever modal dialog the login left on screen (balcony shows one per pending
    /// subscription request, each closed with Esc: "decide later"), so keys reach the input
    /// line. mcabber only logs requests, so it has none.
    pub fn dismiss_dialogs(self, pane: &Pane, poll: Duration) -> Result<usize> {
        if self != Client::Balcony {
            return Ok(0);
        }
        let mut closed = 0;
        let mut last = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            let screen = pane.capture()?;
            let Some(popup) = screen
                .lines()
                .find(|l| l.contains("┌ Subscription request"))
                .map(|_| dialog_text(&screen))
            else {
                return Ok(closed);
            };
            if popup != last {
                pane.keys(&["Escape"])?;
                closed += 1;
                last = popup;
            }
            if std::time::Instant::now() > deadline {
                anyhow::bail!("balcony's subscription dialogs did not go away:\n{screen}");
            }
            std::thread::sleep(poll);
        }
    }

    /// Whether the flooder's conversation is open on screen.
    pub fn chat_open(self, screen: &str) -> bool {
        match self {
            Client::Balcony => screen.contains("[1:Flood Gate]"),
            Client::Mcabber => screen.contains("~[o] Buddy: Flood Gate"),
        }
    }

    pub fn quit(self, pane: &Pane) -> Result<()> {
        match self {
            Client::Balcony => pane.keys(&["C-c"]),
            Client::Mcabber => {
                pane.keys(&["C-u"])?;
                pane.type_text("/quit")?;
                pane.keys(&["Enter"])
            }
        }
    }
}

/// Row `i` (from 0) of a captured screen.
fn row(screen: &str, i: u16) -> &str {
    screen.lines().nth(usize::from(i)).unwrap_or_default()
}

/// mcabber's status bar: the row just above the input line.
fn mcabber_status_line(screen: &str) -> &str {
    row(screen, HEIGHT - 2)
}

/// The row under the title of balcony's subscription dialog (the requester's JID), to tell one
/// dialog from the next.
fn dialog_text(screen: &str) -> String {
    let mut rows = screen
        .lines()
        .skip_while(|l| !l.contains("┌ Subscription request"));
    rows.nth(1).unwrap_or_default().to_owned()
}
