//! Carrying out a notification the store decided on
//! ([`crate::app::Effect::Notify`]): the `[notify] command`, run with the
//! sender, conversation and text in the environment (`BALCONY_FROM`,
//! `BALCONY_CONVERSATION`, `BALCONY_BODY`), never in a shell line or an
//! argument. Values are sanitised to one line and cut to
//! [`MAX_VALUE_BYTES`]. The program is spawned without waiting for it;
//! while one is still running, or within [`MIN_INTERVAL`] of the last
//! start, further notifications are dropped, so a flood of messages cannot
//! start a flood of processes. The bell is the terminal UI's part.
//!
//! [`MuteList`] keeps the contacts muted with `/mute` between runs: one
//! bare JID a line in the data dir, replaced atomically.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::app::attention::Notification;

/// The longest value passed in the environment.
pub const MAX_VALUE_BYTES: usize = 256;
/// The shortest time between two starts of the command.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Runs the `[notify] command`, one at a time.
#[derive(Debug)]
pub struct Notifier {
    /// The program and its arguments, as configured.
    command: Vec<String>,
    running: Option<Child>,
    last_start: Option<Instant>,
}

/// What [`Notifier::notify`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Started,
    /// No command configured.
    Off,
    /// The previous one is still running, or started too recently.
    Dropped,
}

impl Notifier {
    /// `command` is the program followed by its arguments; empty turns
    /// the command off.
    pub fn new(command: Vec<String>) -> Notifier {
        Notifier {
            command,
            running: None,
            last_start: None,
        }
    }

    /// Starts the command for `notification`, unless it is off or busy.
    pub fn notify(&mut self, notification: &Notification) -> std::io::Result<Outcome> {
        let Some((program, args)) = self.command.split_first() else {
            return Ok(Outcome::Off);
        };
        if let Some(child) = &mut self.running {
            match child.try_wait() {
                Ok(None) => return Ok(Outcome::Dropped),
                Ok(Some(_)) | Err(_) => self.running = None,
            }
        }
        if self
            .last_start
            .is_some_and(|at| at.elapsed() < MIN_INTERVAL)
        {
            return Ok(Outcome::Dropped);
        }
        self.last_start = Some(Instant::now());
        let child = Command::new(program)
            .args(args)
            .env("BALCONY_FROM", env_value(&notification.from))
            .env(
                "BALCONY_CONVERSATION",
                env_value(&notification.conversation),
            )
            .env("BALCONY_BODY", env_value(&notification.body))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.running = Some(child);
        Ok(Outcome::Started)
    }
}

/// The muted contacts of one account on disk.
#[derive(Debug)]
pub struct MuteList {
    path: PathBuf,
}

impl MuteList {
    /// `dir/muted-<jid>.txt`.
    pub fn new(dir: PathBuf, jid: &jid::BareJid) -> MuteList {
        let name = crate::roster_cache::file_safe(jid);
        MuteList {
            path: dir.join(format!("muted-{name}.txt")),
        }
    }

    /// The muted contacts; none when there is no file. Lines that are not
    /// bare JIDs are skipped.
    pub fn load(&self) -> Result<Vec<jid::BareJid>, String> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text
                .lines()
                .filter_map(|line| jid::BareJid::new(line.trim()).ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!("{}: {e}", self.path.display())),
        }
    }

    /// Replaces the file with `muted`.
    pub fn save(&self, muted: &BTreeSet<jid::BareJid>) -> Result<(), String> {
        let dir = self.path.parent().unwrap_or(std::path::Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let text: String = muted.iter().map(|jid| format!("{jid}\n")).collect();
        let temp = self.path.with_extension("txt.tmp");
        std::fs::write(&temp, text).map_err(|e| format!("{}: {e}", temp.display()))?;
        std::fs::rename(&temp, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// Remote text as one safe line of at most [`MAX_VALUE_BYTES`].
pub fn env_value(text: &str) -> String {
    crate::xmpp::cap::cut_owned(crate::sanitize::one_line(text), MAX_VALUE_BYTES)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_one_clean_bounded_line() {
        assert_eq!(env_value("hi\x1b[31m\nthere\x07"), "hi[31m there");
        let long = env_value(&"é".repeat(400));
        assert!(long.len() <= MAX_VALUE_BYTES, "{}", long.len());
        assert!(long.ends_with('…'));
    }

    /// While the command runs, and within the interval, nothing else starts.
    #[test]
    fn one_at_a_time() {
        let mut notifier = Notifier::new(vec!["sleep".into(), "2".into()]);
        let n = Notification {
            from: "Romeo".into(),
            conversation: "romeo@example.net".into(),
            body: "hi".into(),
        };
        assert_eq!(notifier.notify(&n).ok(), Some(Outcome::Started));
        for _ in 0..100 {
            assert_eq!(notifier.notify(&n).ok(), Some(Outcome::Dropped));
        }
        if let Some(child) = &mut notifier.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Mutes survive a restart; junk lines are skipped.
    #[test]
    fn mute_list_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let me = jid::BareJid::new("juliet@example.com").unwrap();
        let list = MuteList::new(dir.path().to_owned(), &me);
        assert_eq!(list.load().unwrap(), Vec::<jid::BareJid>::new());
        let muted: BTreeSet<jid::BareJid> = ["romeo@example.net", "tybalt@example.org"]
            .iter()
            .map(|j| jid::BareJid::new(j).unwrap())
            .collect();
        list.save(&muted).unwrap();
        let mut text = std::fs::read_to_string(&list.path).unwrap();
        text.push_str("not a jid@@\n");
        std::fs::write(&list.path, text).unwrap();
        let loaded: BTreeSet<jid::BareJid> = list.load().unwrap().into_iter().collect();
        assert_eq!(loaded, muted);
    }

    #[test]
    fn no_command_is_off() {
        let mut notifier = Notifier::new(Vec::new());
        let n = Notification {
            from: "Romeo".into(),
            conversation: "romeo@example.net".into(),
            body: "hi".into(),
        };
        assert_eq!(notifier.notify(&n).ok(), Some(Outcome::Off));
    }
}
