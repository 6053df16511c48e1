//! Startup: arguments → config → logging → password → the chosen mode (the
//! terminal UI, or a scripted subcommand that logs in, acts and exits).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use balcony::cli;
use balcony::config::{self, Config};

#[derive(Parser)]
#[command(name = "balcony", version, about = "A terminal XMPP client")]
struct Args {
    /// Config file (default: $XDG_CONFIG_HOME/balcony/config.toml).
    #[arg(long, short, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Log in, print the bound full JID, log out.
    Check,
    /// Send one chat message and log out after a clean close.
    Send {
        /// The recipient.
        jid: String,
        /// The message text; `-` reads it from standard input.
        text: String,
    },
    /// Print the roster from the server: jid, name, subscription, ask, groups (tab-separated).
    Roster,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let path = match args.config.map(Ok).unwrap_or_else(config::default_path) {
        Ok(path) => path,
        Err(error) => return fail(&error.to_string(), 2),
    };
    let config = match Config::load(&path) {
        Ok(config) => config,
        Err(error) => return fail(&error.to_string(), 2),
    };
    let _log_guard = balcony::logging::init(&config.log.level, config.log.file.as_deref());
    let settings = match config.connect_settings() {
        Ok(settings) => settings,
        Err(error) => return fail(&error, 2),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}"), 1),
    };
    let outcome = runtime.block_on(async {
        match args.command {
            Some(Command::Check) => cli::check(settings).await,
            Some(Command::Send { jid, text }) => cli::send(settings, &jid, &text).await,
            Some(Command::Roster) => cli::roster(settings).await,
            None => balcony::tui::run(settings, config).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error, 1),
    }
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("balcony: {message}");
    ExitCode::from(code)
}
