//! `balcony exec`: the engine without a terminal. It logs in, runs commands
//! in order (each waits for its outcome before the next starts), prints
//! every event one a line (JSON lines with `--json`), waits for late events,
//! and logs out cleanly. Without commands on the command line it reads them
//! from stdin while staying online, running the lines in order, each after
//! the one before has its outcome.

use std::collections::VecDeque;
use std::io::Write as _;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::command::Action;
use crate::app::event::Event;
use crate::engine::Engine;

/// How long one command may take before exec gives up waiting for it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long logging in may take.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the clean logout may take.
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(5);

/// What `exec` was asked to do.
pub struct ExecOptions {
    pub wait: Duration,
    pub json: bool,
    /// Commands from the command line; empty means read stdin.
    pub commands: Vec<String>,
}

/// Prints events and remembers failures.
struct Printer {
    json: bool,
    failed: bool,
    /// Why the connection ended, when it ended with an error.
    lost: Option<String>,
}

impl Printer {
    fn print(&mut self, events: Vec<Event>) {
        let mut out = std::io::stdout().lock();
        for event in events {
            match &event {
                Event::Result { ok: false, .. } => self.failed = true,
                Event::Offline { error: Some(error) } => self.lost = Some(error.clone()),
                _ => {}
            }
            let line = if self.json {
                event.to_json()
            } else {
                event.to_line()
            };
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }
}

/// Runs `exec`. Errors are for the exit status: a failed login, a failed
/// command, or a connection lost before the end.
pub async fn run(mut engine: Engine, options: ExecOptions) -> Result<(), String> {
    let mut printer = Printer {
        json: options.json,
        failed: false,
        lost: None,
    };
    engine.connect();
    wait_until_ready(&mut engine, &mut printer, Instant::now() + LOGIN_TIMEOUT).await?;

    if options.commands.is_empty() {
        run_stdin(&mut engine, &mut printer).await;
    } else {
        for line in &options.commands {
            if engine.state.quitting {
                break;
            }
            let tag = engine.command_line(line);
            wait_for_result(&mut engine, &mut printer, tag).await;
        }
    }
    if !engine.state.quitting {
        pump_for(&mut engine, &mut printer, options.wait).await;
        engine.command(Action::Quit { status: None });
    }
    logout(&mut engine, &mut printer).await;
    if let Some(error) = printer.lost {
        // A fatal stream error or a lost link is a failure of the run.
        Err(format!("the connection ended: {error}"))
    } else if printer.failed {
        Err("a command failed".into())
    } else {
        Ok(())
    }
}

/// Waits until commands can run: logged in, the roster loaded, initial
/// presence sent (and the startup commands it triggers), the archive
/// catch-up over (MAM-07), and the server's features known (they decide how blocking and privacy commands work).
/// Failed logins are retried until `deadline` (SESS-05); running out of
/// time reports the last reason a login failed.
async fn wait_until_ready(
    engine: &mut Engine,
    printer: &mut Printer,
    deadline: Instant,
) -> Result<(), String> {
    let mut last_error: Option<String> = None;
    loop {
        printer.print(engine.take_events());
        // The archive catch-up's last pass runs after initial presence: its
        // end (and count) is reported before the first command runs.
        if engine.state.initial_presence_sent
            && engine.state.privacy.support.known
            && !engine.state.archive.running()
        {
            return Ok(());
        }
        match &engine.state.connection {
            crate::app::ConnectionState::Offline { error } => {
                return Err(error
                    .clone()
                    .unwrap_or_else(|| "the connection closed".into()));
            }
            crate::app::ConnectionState::Reconnecting { error, .. } => {
                last_error = Some(error.clone());
            }
            _ => {}
        }
        match tokio::time::timeout_at(deadline, engine.step()).await {
            Ok(true) => {}
            Ok(false) => return Err("the session ended".into()),
            Err(_) => {
                return Err(match last_error {
                    Some(error) => {
                        format!("timed out logging in; the last attempt failed: {error}")
                    }
                    None => "timed out logging in".into(),
                });
            }
        }
    }
}

/// Processes events until the result tagged `tag` has been printed.
async fn wait_for_result(engine: &mut Engine, printer: &mut Printer, tag: u64) {
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    loop {
        let events = engine.take_events();
        let done = events
            .iter()
            .any(|e| matches!(e, Event::Result { tag: t, .. } if *t == tag));
        printer.print(events);
        if done {
            return;
        }
        match tokio::time::timeout_at(deadline, engine.step()).await {
            Ok(true) => {}
            Ok(false) | Err(_) => {
                printer.print(vec![no_outcome(tag)]);
                return;
            }
        }
    }
}

/// Reads commands from stdin until it ends. Lines run strictly in the
/// order given, each once the one before has its outcome, however fast
/// they arrive; the rest wait in a queue.
async fn run_stdin(engine: &mut Engine, printer: &mut Printer) {
    let (tx, mut lines) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut waiting: VecDeque<String> = VecDeque::new();
    let mut running: Option<(u64, Instant)> = None;
    let mut stdin_open = true;
    loop {
        let events = engine.take_events();
        if let Some((tag, _)) = running
            && events
                .iter()
                .any(|e| matches!(e, Event::Result { tag: t, .. } if *t == tag))
        {
            running = None;
        }
        printer.print(events);
        if engine.state.quitting {
            return;
        }
        if running.is_none()
            && let Some(line) = waiting.pop_front()
        {
            let tag = engine.command_line(&line);
            running = Some((tag, Instant::now() + COMMAND_TIMEOUT));
            continue;
        }
        if !stdin_open && running.is_none() {
            return;
        }
        let deadline = running.map(|(_, deadline)| deadline);
        tokio::select! {
            line = lines.recv(), if stdin_open => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => waiting.push_back(line),
                None => stdin_open = false,
            },
            alive = engine.step() => {
                if !alive || !engine.is_connected() {
                    printer.print(engine.take_events());
                    return;
                }
            }
            _ = sleep_until_some(deadline) => {
                if let Some((tag, _)) = running.take() {
                    printer.print(vec![no_outcome(tag)]);
                }
            }
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The result printed for a command the server never answered.
fn no_outcome(tag: u64) -> Event {
    Event::Result {
        tag,
        command: "command".into(),
        ok: false,
        text: "no outcome: the server did not answer".into(),
    }
}

/// Prints events for `duration`.
async fn pump_for(engine: &mut Engine, printer: &mut Printer, duration: Duration) {
    let deadline = Instant::now() + duration;
    loop {
        printer.print(engine.take_events());
        match tokio::time::timeout_at(deadline, engine.step()).await {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
    }
    printer.print(engine.take_events());
}

/// Waits for the session to close after `/quit`.
async fn logout(engine: &mut Engine, printer: &mut Printer) {
    let deadline = Instant::now() + LOGOUT_TIMEOUT;
    while engine.is_connected()
        || !matches!(
            engine.state.connection,
            crate::app::ConnectionState::Offline { .. }
        )
    {
        printer.print(engine.take_events());
        match tokio::time::timeout_at(deadline, engine.step()).await {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
    }
    printer.print(engine.take_events());
    engine.flush();
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::app::Preferences;
    use crate::xmpp::settings::{ConnectSettings, Password};

    /// A port on loopback with nothing listening: the login is refused.
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    /// SESS-05, CORE-20: a server that cannot be reached is retried until
    /// the readiness limit, and running out of time names the reason.
    #[tokio::test]
    async fn sess_05_unreachable_server_is_retried_until_the_limit_with_the_reason() {
        let jid = jid::BareJid::new("juliet@example.com").unwrap();
        let mut settings = ConnectSettings::new(jid, Password::new("secret"));
        settings.host = Some("127.0.0.1".into());
        settings.port = Some(closed_port());
        let mut engine = Engine::new(settings, Preferences::default(), None, Vec::new());
        let mut printer = Printer {
            json: false,
            failed: false,
            lost: None,
        };
        engine.connect();
        let started = Instant::now();
        let limit = Duration::from_secs(3);
        let error = wait_until_ready(&mut engine, &mut printer, started + limit)
            .await
            .unwrap_err();
        assert!(started.elapsed() >= limit, "gave up early: {error}");
        assert!(error.starts_with("timed out logging in"), "{error}");
        assert!(error.contains("cannot connect"), "{error}");
        assert!(matches!(
            engine.state.connection,
            crate::app::ConnectionState::Reconnecting { .. }
        ));
    }
}
