//! Logging through `tracing` into a file under the XDG state directory, so
//! nothing is ever written to the terminal the TUI draws on. Passwords and
//! SASL payloads are never logged anywhere in the crate.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The default log file: `$XDG_STATE_HOME/balcony/balcony.log`.
pub fn default_log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "balcony")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts logging to `file` (or the default location) at `level`, which
/// `RUST_LOG` overrides. Returns the guard that flushes the file on drop, or
/// `None` when no log file could be opened (balcony still runs).
pub fn init(level: &str, file: Option<&Path>) -> Option<WorkerGuard> {
    let (dir, name) = match file {
        Some(path) => (
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
            path.file_name()?.to_owned(),
        ),
        None => (default_log_dir()?, "balcony.log".into()),
    };
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(name.to_string_lossy().into_owned())
        .max_log_files(7)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_env_filter(filter)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
