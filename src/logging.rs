//! Logging through `tracing` into a file under the XDG state directory, so
//! nothing is ever written to the terminal the TUI draws on. Passwords and
//! SASL payloads are never logged anywhere in the crate.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Lines waiting for the writer thread at most.
const LOG_QUEUE_LINES: usize = 1024;

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
/// `RUST_LOG` overrides: a level, or `target=level` pairs separated by commas
/// (`info,balcony::xmpp=trace`). Returns the guard that flushes the file on drop, or
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
    // The default queue of 128,000 lines costs 4 MB up front; a thousand lines absorb any
    // burst balcony logs, and a full queue makes the logging call wait rather than drop lines.
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(false)
        .finish(appender);
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|text| text.parse::<Targets>().ok())
        .or_else(|| level.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(Sanitized(writer))
                .with_ansi(false),
        )
        .with(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Log lines quote remote text (stanza errors, a server's words); the log
/// is read on a terminal (`tail -f`), so it gets the terminal's filter.
struct Sanitized<M>(M);

impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for Sanitized<M>
{
    type Writer = SanitizedWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        SanitizedWriter(self.0.make_writer())
    }
}

/// Writes each formatted line with unsafe characters removed.
pub struct SanitizedWriter<W>(W);

impl<W: std::io::Write> std::io::Write for SanitizedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        if text.chars().any(crate::sanitize::is_unsafe) {
            let clean: String = text
                .chars()
                .filter(|c| !crate::sanitize::is_unsafe(*c))
                .collect();
            self.0.write_all(clean.as_bytes())?;
        } else {
            self.0.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::SanitizedWriter;

    /// A server's text with a CR and an escape sequence cannot forge or
    /// recolour log lines.
    #[test]
    fn log_lines_lose_controls() {
        let mut out = SanitizedWriter(Vec::new());
        out.write_all(b"WARN stanza error: fine\r\x1b[2KINFO all good\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "WARN stanza error: fine[2KINFO all good\n"
        );
    }
}
