//! A local Prosody to try balcony against: `cargo run --example dev_server -- [--dir DIR] [--port N]`.
//!
//! Starts the integration tests' Prosody launcher (`tests/common/server.rs`, Prosody kind) in a kept directory
//! (default `target/dev-server`), registers the demo accounts, writes `alice.toml` and `bob.toml`
//! balcony configs there, writes `ready` once clients can connect, and runs until Ctrl-C or
//! SIGTERM. Certificates, passwords and data are reused on the next start. `scripts/dev-server`
//! and `scripts/demo` wrap it.
//!
//! alice's roster has a few contacts, and some of them are alive, driven by balcony's own session
//! layer from this process:
//! - bob (Friends) answers every chat message, in the same thread;
//! - news (Feeds) sends a headline every 20 seconds;
//! - carol (Work) never logs in, so she shows offline;
//! - dave is not a contact yet: he asks to see alice's presence, so the prompt shows at login.
//!
//! The server keeps an archive (XEP-0313), has stream management, a multi-user chat service at
//! `conference.localhost` whose rooms keep archives, and PEP with bookmarks. With `--no-bots` only the
//! server runs (then you can log in as bob yourself).

#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod server;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use server::{ServerOptions, TestServer, VcardModule};

const USAGE: &str = "usage: dev_server [--dir DIR] [--port PORT]

Runs a local Prosody for balcony with demo accounts (alice, bob, carol, news, dave @localhost).
  --dir DIR    where config, certificates, data and client configs live
               (default: target/dev-server in the balcony checkout)
  --port PORT  the STARTTLS port on 127.0.0.1 (default: a free one)
  --no-bots    do not run the demo contacts (bob answering, news headlines)";

const USERS: [&str; 5] = ["alice", "bob", "carol", "news", "dave"];

/// One seeded contact: (user, name, group).
type Seed = (&'static str, &'static str, &'static str);

/// Roster seeds: user → contacts, all mutually subscribed.
const ROSTERS: &[(&str, &[Seed])] = &[
    (
        "alice",
        &[
            ("bob", "Bob", "Friends"),
            ("carol", "Carol", "Work"),
            ("news", "Verona News", "Feeds"),
        ],
    ),
    ("bob", &[("alice", "Alice", "Friends")]),
    ("carol", &[("alice", "Alice", "Work")]),
    ("news", &[("alice", "Alice", "Readers")]),
];

struct Args {
    dir: PathBuf,
    port: Option<u16>,
    bots: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dev-server"),
        port: None,
        bots: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dir" => args.dir = it.next().context("--dir needs a directory")?.into(),
            "--port" => {
                let port = it.next().context("--port needs a number")?;
                args.port = Some(port.parse().with_context(|| format!("bad port {port:?}"))?);
            }
            "--no-bots" => args.bots = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    Ok(args)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    // Signals are caught from the start, so that a SIGTERM during startup still stops Prosody.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let signals = {
        let _guard = rt.enter();
        Signals::new()?
    };
    fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    let dir = args.dir.canonicalize()?;
    let ready = dir.join("ready");
    // A `ready` left by a run that crashed must not fool the scripts.
    let _ = fs::remove_file(&ready);

    let passwords = load_or_make_passwords(&dir)?;
    // Rosters are read at startup only (Prosody caches them), so they are seeded before it runs.
    for (user, contacts) in ROSTERS {
        seed_roster(&dir, user, contacts)?;
    }

    let mut server = TestServer::start_in(
        dir.clone(),
        ServerOptions {
            port: args.port,
            // Stream management, so the demo shows resumption after a cut;
            // the archive, so what came while balcony was closed is caught up;
            // rooms at conference.localhost (archived too), bookmarks in PEP,
            // contact cards as Debian's config keeps them, and file upload.
            smacks: true,
            mam: true,
            muc: true,
            pep: true,
            vcard: VcardModule::Legacy,
            upload: true,
            ..ServerOptions::default()
        },
    );
    let mut configs = Vec::new();
    let mut accounts = Vec::new();
    for (user, password) in &passwords {
        let account = server.register(user, password);
        if *user == "alice" || *user == "bob" {
            configs.push((account.clone(), server.write_config(&account, "")));
        }
        accounts.push(account);
    }
    if args.bots {
        let _guard = rt.enter();
        bots::start(&server, &accounts);
    }
    fs::write(&ready, format!("{}\n", server.port))?;

    println!(
        "Prosody dev server on 127.0.0.1:{} (STARTTLS, domain localhost)",
        server.port
    );
    println!("  CA certificate: {}", server.ca_file.display());
    println!("  log:            {}", dir.join("prosody.log").display());
    println!("Accounts:");
    for (account, _) in &configs {
        println!("  {:<18} password {}", account.jid, account.password);
    }
    if args.bots {
        println!("bob answers messages, news sends headlines, dave asks to see alice's presence.");
    }
    println!("Run the client (one terminal each):");
    for (_, path) in &configs {
        println!("  cargo run -- --config {}", path.display());
    }
    println!("Ctrl-C stops the server.");

    let outcome = rt.block_on(signals.wait(&mut server));
    let _ = fs::remove_file(&ready);
    server.stop();
    match outcome {
        Shutdown::Signal(name) => println!("\n{name}: Prosody stopped."),
        Shutdown::ProsodyExited => bail!(
            "Prosody exited on its own; see {}",
            dir.join("prosody.log").display()
        ),
    }
    Ok(())
}

enum Shutdown {
    Signal(&'static str),
    ProsodyExited,
}

struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for Ctrl-C or SIGTERM, or for Prosody to die under us.
    async fn wait(mut self, server: &mut TestServer) -> Shutdown {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                _ = self.int.recv() => return Shutdown::Signal("SIGINT"),
                _ = self.term.recv() => return Shutdown::Signal("SIGTERM"),
                _ = tick.tick() => if !server.is_running() { return Shutdown::ProsodyExited },
            }
        }
    }
}

/// The demo passwords, kept in `<dir>/passwords` (`user password` lines) so that configs and
/// habits survive restarts.
fn load_or_make_passwords(dir: &Path) -> Result<Vec<(String, String)>> {
    let file = dir.join("passwords");
    let saved = fs::read_to_string(&file).unwrap_or_default();
    let mut out = Vec::new();
    for user in USERS {
        let known = saved.lines().find_map(|line| {
            let (u, p) = line.split_once(' ')?;
            (u == user).then(|| p.to_string())
        });
        out.push((
            user.to_string(),
            known.unwrap_or_else(server::generate_password),
        ));
    }
    let text: String = out.iter().map(|(u, p)| format!("{u} {p}\n")).collect();
    server::write_private(&file, text.as_bytes());
    Ok(out)
}

/// Seeds `user`'s roster with mutually subscribed contacts, unless `user` already has a roster.
/// The file is Prosody's own storage format (`data/<host>/roster/<user>.dat`, a Lua table with
/// metadata under the key `false`).
fn seed_roster(dir: &Path, user: &str, contacts: &[Seed]) -> Result<()> {
    let roster_dir = dir.join("data/localhost/roster");
    let file = roster_dir.join(format!("{user}.dat"));
    if file.exists() {
        return Ok(());
    }
    fs::create_dir_all(&roster_dir)?;
    let mut lua = String::from("return {\n\t[false] = { version = 1; pending = {}; };\n");
    for (contact, name, group) in contacts {
        lua.push_str(&format!(
            "\t[\"{contact}@localhost\"] = {{ subscription = \"both\"; name = \"{name}\"; groups = {{ [\"{group}\"] = true; }}; }};\n"
        ));
    }
    lua.push_str("};\n");
    fs::write(&file, lua).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

/// The demo contacts, as tasks on the dev server's runtime.
mod bots {
    use std::time::Duration;

    use balcony::xmpp::session::{self, SessionEvent};
    use balcony::xmpp::settings::{ConnectSettings, Password};
    use balcony::xmpp::stanza::iq::Iq;
    use balcony::xmpp::stanza::lang::LangText;
    use balcony::xmpp::stanza::message::{Message, MessageType};
    use balcony::xmpp::stanza::presence::{Presence, PresenceType};
    use balcony::xmpp::stanza::roster;

    use super::server::{Account, TestServer};

    fn settings(server: &TestServer, account: &Account) -> Option<ConnectSettings> {
        let jid = jid::BareJid::new(&account.jid).ok()?;
        let mut settings = ConnectSettings::new(jid, Password::new(account.password.clone()));
        settings.host = Some("127.0.0.1".into());
        settings.port = Some(server.port);
        settings.ca_file = Some(server.ca_file.clone());
        settings.resource = Some("demo".into());
        Some(settings)
    }

    pub fn start(server: &TestServer, accounts: &[Account]) {
        for account in accounts {
            let Some(settings) = settings(server, account) else {
                continue;
            };
            match account.user.as_str() {
                "bob" => {
                    tokio::spawn(answering(settings));
                }
                "news" => {
                    tokio::spawn(headlines(settings));
                }
                "dave" => {
                    tokio::spawn(asking(settings));
                }
                _ => {}
            }
        }
    }

    /// Logs in, fetches the roster (so pushes arrive) and goes available.
    async fn online(settings: ConnectSettings, status: &str) -> Option<session::Session> {
        let session = session::start(settings).await.ok()?;
        let _ = session
            .handle
            .request(Iq::get(roster::get_request(None)))
            .await;
        let _ = session
            .handle
            .send(Presence::available().with_status(status).to_element());
        Some(session)
    }

    /// bob: answers every chat or normal message in its thread, and
    /// approves anyone who asks.
    async fn answering(settings: ConnectSettings) {
        let Some(mut session) = online(settings, "I answer every message").await else {
            return;
        };
        while let Some(event) = session.events.recv().await {
            match event {
                SessionEvent::Message(message)
                    if matches!(message.kind, MessageType::Chat | MessageType::Normal) =>
                {
                    let Some(body) = message.body("en").map(str::to_owned) else {
                        continue;
                    };
                    let reply = message.reply(format!("Bob here. You said: \u{ab}{body}\u{bb}"));
                    let _ = session.handle.send(reply.to_element());
                }
                SessionEvent::Presence(p) if p.kind == PresenceType::Subscribe => {
                    if let Some(from) = p.from {
                        let answer =
                            Presence::subscription(PresenceType::Subscribed, from.to_bare());
                        let _ = session.handle.send(answer.to_element());
                    }
                }
                SessionEvent::Closed { .. } => break,
                _ => {}
            }
        }
    }

    /// news: a headline to alice every 20 seconds.
    async fn headlines(settings: ConnectSettings) {
        let Some(session) = online(settings, "Verona's finest news").await else {
            return;
        };
        let Ok(alice) = jid::Jid::new("alice@localhost") else {
            return;
        };
        let stories = [
            (
                "Feud continues",
                "Montagues and Capulets brawl in the square again. https://example.org/verona/brawl",
            ),
            (
                "Masque tonight",
                "Lord Capulet hosts a masked ball. Uninvited guests expected. https://example.org/verona/masque",
            ),
            (
                "Balcony sales up",
                "Balconies are the year's most wanted home feature. https://example.org/verona/balconies",
            ),
        ];
        let mut tick = tokio::time::interval(Duration::from_secs(20));
        for n in 0usize.. {
            tick.tick().await;
            if session.handle.is_closed() {
                break;
            }
            let (subject, body) = stories[n % stories.len()];
            let mut headline = Message::new(MessageType::Headline);
            headline.to = Some(alice.clone());
            headline.subjects = vec![LangText::new(subject)];
            headline.bodies = vec![LangText::new(body)];
            let _ = session.handle.send(headline.to_element());
        }
    }

    /// dave: asks to see alice's presence once, and stays around.
    async fn asking(settings: ConnectSettings) {
        let Some(mut session) = online(settings, "new in Verona").await else {
            return;
        };
        let Ok(alice) = jid::BareJid::new("alice@localhost") else {
            return;
        };
        let request = Presence::subscription(PresenceType::Subscribe, alice)
            .with_status("Hi Alice, it's Dave from the market");
        let _ = session.handle.send(request.to_element());
        while let Some(event) = session.events.recv().await {
            if matches!(event, SessionEvent::Closed { .. }) {
                break;
            }
        }
    }
}
