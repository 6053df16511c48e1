//! Startup: arguments → config → logging → password → the chosen mode (the
//! terminal UI, or a scripted subcommand that logs in, acts and exits).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use balcony::cli;
use balcony::config::{self, Config};
use balcony::engine::Engine;
use balcony::xmpp::settings::Password;

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
    /// Log in, run commands (from the arguments, or stdin lines as they come),
    /// print every event one a line, wait for late events, log out.
    Exec {
        /// Seconds to keep printing events after the last command.
        #[arg(long, default_value_t = 0, value_name = "SECONDS")]
        wait: u64,
        /// Print JSON lines instead of text.
        #[arg(long)]
        json: bool,
        /// Commands such as "/msg romeo@example.net hi"; none means read stdin.
        commands: Vec<String>,
    },
}

/// One malloc arena for every thread. The session task parses a big roster result on a runtime
/// thread and the UI thread frees it while filling the store: with glibc's per-thread arenas
/// the freed tree cannot be reused for the store, and login's peak memory holds both.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn share_one_malloc_arena() {
    // SAFETY: mallopt only changes the allocator's tuning, and runs before any other thread
    // exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn share_one_malloc_arena() {}

fn main() -> ExitCode {
    share_one_malloc_arena();
    let args = Args::parse();
    let path = match args.config.map(Ok).unwrap_or_else(config::default_path) {
        Ok(path) => path,
        Err(error) => return fail(&error.to_string(), 2),
    };
    let config = match Config::load_checked(&path, &CHECKS) {
        Ok(config) => config,
        Err(error) => return fail(&error.to_string(), 2),
    };
    let _log_guard = balcony::logging::init(&config.log.level, config.log.file.as_deref());
    let settings = if config.lacks_password() && std::io::stdin().is_terminal() {
        // Asked once, unechoed, before the terminal UI takes the screen.
        match rpassword::prompt_password(format!("Password for {}: ", config.account.jid.get_ref()))
        {
            Ok(password) => config.connect_settings_with(Password::new(password)),
            Err(error) => Err(format!("cannot read the password: {error}")),
        }
    } else {
        config.connect_settings()
    };
    let mut settings = match settings {
        Ok(settings) => settings,
        Err(error) => return fail(&error, 2),
    };
    if let Some(path) = &config.log.xml_trace {
        let options = balcony::xmpp::trace::TraceOptions {
            redact_bodies: config.log.redact_bodies,
        };
        match balcony::xmpp::trace::XmlTrace::open(path, options) {
            Ok(trace) => settings.trace = Some(trace),
            Err(error) => return fail(&format!("cannot open the XML trace: {error}"), 2),
        }
    }
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
            Some(Command::Send { jid, text }) => {
                let history = history(&config, &settings.jid.to_string())?;
                cli::send(settings, &jid, &text, history).await
            }
            Some(Command::Roster) => cli::roster(settings).await,
            Some(Command::Exec {
                wait,
                json,
                commands,
            }) => {
                let engine = engine(&config, settings)?;
                let options = cli::exec::ExecOptions {
                    wait: std::time::Duration::from_secs(wait),
                    json,
                    commands,
                };
                cli::exec::run(engine, options).await
            }
            None => match view(&config) {
                Ok(view) => {
                    let alerts = balcony::tui::Alerts::from_config(&config.notify);
                    balcony::tui::run(engine(&config, settings)?, view, alerts).await
                }
                Err(error) => Err(error),
            },
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error, 1),
    }
}

/// The checks of config values whose meaning lives in the UI and the store.
const CHECKS: config::Checks = config::Checks {
    keys: |keys| balcony::ui::keymap::Keymap::with_overrides(keys).map(drop),
    theme: |theme| balcony::ui::theme::Theme::with_overrides(theme).map(drop),
    command: |line| {
        balcony::app::command::parse(line)
            .map(drop)
            .map_err(|e| e.to_string())
    },
};

/// The UI's key bindings and colours from the config.
fn view(config: &Config) -> Result<balcony::ui::View, String> {
    Ok(balcony::ui::View {
        keymap: balcony::ui::keymap::Keymap::with_overrides(&config.key_overrides())?,
        theme: balcony::ui::theme::Theme::with_overrides(&config.theme_overrides())?,
        ..balcony::ui::View::default()
    })
}

/// The engine for the TUI and `exec`, with the roster cache and the
/// history in the data dir.
fn engine(
    config: &Config,
    settings: balcony::xmpp::settings::ConnectSettings,
) -> Result<Engine, String> {
    let data_dir = config::data_dir();
    let account = settings.jid.to_string();
    let engine = Engine::new(
        settings,
        balcony::app::Preferences::from_config(config),
        data_dir,
        config.startup.commands.clone(),
    );
    Ok(match history(config, &account)? {
        Some(history) => engine.with_history(history),
        None => engine,
    })
}

/// The message history from the config, unless it is turned off.
fn history(config: &Config, account: &str) -> Result<Option<balcony::history::History>, String> {
    if !config.history.enabled {
        return Ok(None);
    }
    let path = match (&config.history.file, config::data_dir()) {
        (Some(file), _) => file.clone(),
        (None, Some(dir)) => balcony::history::default_path(&dir, account),
        (None, None) => return Err("no data directory for the history; set [history] file".into()),
    };
    balcony::history::History::open(&path)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn fail(message: &str, code: u8) -> ExitCode {
    // Errors quote the server (a SASL failure's text, a stream error's):
    // never raw on the terminal.
    eprintln!("balcony: {}", balcony::sanitize::one_line(message));
    ExitCode::from(code)
}
