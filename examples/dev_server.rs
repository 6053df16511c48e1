//! A local Prosody to try balcony against: `cargo run --example dev_server -- [--dir DIR] [--port N]`.
//!
//! Starts the integration tests' Prosody launcher (`tests/common/prosody.rs`) in a kept directory
//! (default `target/dev-server`), registers `alice` and `bob` (contacts of each other), writes
//! `alice.toml` and `bob.toml` balcony configs there, writes `ready` once clients can connect, and
//! runs until Ctrl-C or SIGTERM. Certificates, passwords and data are reused on the next start.
//! `scripts/dev-server` and `scripts/demo` wrap it.

#[allow(dead_code)]
#[path = "../tests/common/prosody.rs"]
mod prosody;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use prosody::{ServerOptions, TestServer};

const USAGE: &str = "usage: dev_server [--dir DIR] [--port PORT]

Runs a local Prosody for balcony with the accounts alice@localhost and bob@localhost.
  --dir DIR    where config, certificates, data and client configs live
               (default: target/dev-server in the balcony checkout)
  --port PORT  the STARTTLS port on 127.0.0.1 (default: a free one)";

const USERS: [&str; 2] = ["alice", "bob"];

struct Args {
    dir: PathBuf,
    port: Option<u16>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dev-server"),
        port: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dir" => args.dir = it.next().context("--dir needs a directory")?.into(),
            "--port" => {
                let port = it.next().context("--port needs a number")?;
                args.port = Some(port.parse().with_context(|| format!("bad port {port:?}"))?);
            }
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
    for (user, contact) in [("alice", "bob"), ("bob", "alice")] {
        seed_roster(&dir, user, contact)?;
    }

    let mut server = TestServer::start_in(
        dir.clone(),
        ServerOptions {
            port: args.port,
            ..ServerOptions::default()
        },
    );
    let mut configs = Vec::new();
    for (user, password) in &passwords {
        let account = server.register(user, password);
        configs.push((account.clone(), server.write_config(&account, "")));
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
            known.unwrap_or_else(prosody::generate_password),
        ));
    }
    let text: String = out.iter().map(|(u, p)| format!("{u} {p}\n")).collect();
    prosody::write_private(&file, text.as_bytes());
    Ok(out)
}

/// Makes `contact` a mutually subscribed contact of `user`, unless `user` already has a roster.
/// The file is Prosody's own storage format (`data/<host>/roster/<user>.dat`, a Lua table with
/// metadata under the key `false`).
fn seed_roster(dir: &Path, user: &str, contact: &str) -> Result<()> {
    let roster_dir = dir.join("data/localhost/roster");
    let file = roster_dir.join(format!("{user}.dat"));
    if file.exists() {
        return Ok(());
    }
    fs::create_dir_all(&roster_dir)?;
    let mut name = contact.to_string();
    name[..1].make_ascii_uppercase();
    let lua = format!(
        "return {{\n\
         \t[false] = {{ version = 1; pending = {{}}; }};\n\
         \t[\"{contact}@localhost\"] = {{ subscription = \"both\"; name = \"{name}\"; groups = {{ [\"Friends\"] = true; }}; }};\n\
         }};\n"
    );
    fs::write(&file, lua).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}
