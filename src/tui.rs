//! The terminal event loop: one task that owns the [`State`], fed by the
//! keyboard (a blocking reader thread), the session task and signals through
//! one channel. It applies each message with [`app::update`], forwards the
//! effects to the session, and redraws only when something changed, at most
//! once per frame budget. It never awaits the network.

use std::time::Duration;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{self, Effect, Msg, State};
use crate::config::Config;
use crate::ui::{self, input::InputLine, input::InputOutcome};
use crate::xmpp::session::{self, SessionEvent, SessionHandle};
use crate::xmpp::settings::ConnectSettings;

/// The shortest time between two frames; bursts within it share one draw.
const FRAME_BUDGET: Duration = Duration::from_millis(16);
/// How long quitting waits for the server to acknowledge our close.
const QUIT_GRACE: Duration = Duration::from_secs(3);

/// Everything the loop reacts to.
enum Incoming {
    Terminal(Event),
    SessionStarted(SessionHandle),
    Session(Box<SessionEvent>),
    LoginFailed(String),
    Terminate,
}

/// Runs the terminal UI until the user quits. The terminal is restored on
/// every exit path, including a panic (ratatui's hook).
pub async fn run(settings: ConnectSettings, _config: Config) -> Result<(), String> {
    let mut terminal =
        ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let result = event_loop(&mut terminal, settings).await;
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    settings: ConnectSettings,
) -> Result<(), String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Incoming>();
    spawn_terminal_reader(tx.clone());
    spawn_signal_watch(tx.clone());
    spawn_session(settings, tx.clone());

    let mut state = State::default();
    let mut input = InputLine::default();
    let mut session: Option<SessionHandle> = None;
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME_BUDGET;
    let mut quit_deadline: Option<Instant> = None;

    loop {
        if dirty && last_draw.elapsed() >= FRAME_BUDGET {
            terminal
                .draw(|frame| ui::draw(frame, &state, &input))
                .map_err(|e| format!("cannot draw: {e}"))?;
            dirty = false;
            last_draw = Instant::now();
        }
        if state.quitting && (session.as_ref().is_none_or(|s| s.is_closed())) {
            return Ok(());
        }
        let wake = match (dirty, quit_deadline) {
            (true, _) => Some(last_draw + FRAME_BUDGET),
            (false, deadline) => deadline,
        };
        let incoming = match wake {
            Some(at) => tokio::select! {
                incoming = rx.recv() => incoming,
                _ = tokio::time::sleep_until(at) => {
                    if quit_deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(());
                    }
                    continue;
                }
            },
            None => rx.recv().await,
        };
        let Some(incoming) = incoming else {
            return Ok(());
        };
        let msg = match incoming {
            Incoming::Terminal(Event::Key(key)) if key.kind != KeyEventKind::Release => {
                if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
                    Some(Msg::Quit)
                } else {
                    match input.handle_key(key) {
                        InputOutcome::Submitted(line) => Some(Msg::Input(line)),
                        InputOutcome::Edited => {
                            dirty = true;
                            None
                        }
                        InputOutcome::Ignored => None,
                    }
                }
            }
            Incoming::Terminal(Event::Resize(..)) => {
                dirty = true;
                None
            }
            Incoming::Terminal(_) => None,
            Incoming::SessionStarted(handle) => {
                session = Some(handle);
                None
            }
            Incoming::Session(event) => session_msg(*event),
            Incoming::LoginFailed(error) => Some(Msg::ConnectionFailed { error }),
            Incoming::Terminate => Some(Msg::Quit),
        };
        if let Some(msg) = msg {
            dirty = true;
            for effect in app::update(&mut state, msg) {
                match effect {
                    Effect::Disconnect => {
                        if let Some(handle) = &session {
                            handle.close();
                        }
                        quit_deadline.get_or_insert(Instant::now() + QUIT_GRACE);
                    }
                }
            }
        }
    }
}

/// Translates a session fact into a store message.
fn session_msg(event: SessionEvent) -> Option<Msg> {
    match event {
        SessionEvent::Online { jid, .. } => Some(Msg::Connected {
            jid: jid.to_string(),
        }),
        SessionEvent::Closed { error, .. } => Some(Msg::Closed { error }),
        SessionEvent::Rejected(text) => Some(Msg::Warning(text)),
        SessionEvent::Message(_) | SessionEvent::Presence(_) | SessionEvent::RosterPush { .. } => {
            None
        }
    }
}

/// Crossterm's reader blocks, so it gets a thread of its own.
fn spawn_terminal_reader(tx: mpsc::UnboundedSender<Incoming>) {
    std::thread::spawn(move || {
        while let Ok(event) = event::read() {
            if tx.send(Incoming::Terminal(event)).is_err() {
                break;
            }
        }
    });
}

/// SIGTERM and SIGHUP leave as cleanly as /quit.
fn spawn_signal_watch(tx: mpsc::UnboundedSender<Incoming>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Incoming::Terminate);
    });
}

/// Logs in in the background and forwards the session's events.
fn spawn_session(settings: ConnectSettings, tx: mpsc::UnboundedSender<Incoming>) {
    tokio::spawn(async move {
        match session::start(settings).await {
            Ok(mut session) => {
                let _ = tx.send(Incoming::SessionStarted(session.handle.clone()));
                while let Some(event) = session.events.recv().await {
                    if tx.send(Incoming::Session(Box::new(event))).is_err() {
                        break;
                    }
                }
            }
            Err(error) => {
                let _ = tx.send(Incoming::LoginFailed(error.to_string()));
            }
        }
    });
}
