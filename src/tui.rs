//! The terminal event loop: it owns the [`Engine`] (and through it the
//! store), waits on the keyboard (a blocking reader thread), the engine and
//! signals at once, and redraws only when something changed, at most once
//! per frame budget. It never awaits the network.
//!
//! It also tells the store whether the user is looking (terminal focus
//! events, idle time) and the time when the store asks for it (chat
//! states), and carries out the notifications the store decides
//! on ([`Alerts`]): the bell, written through the terminal backend, the
//! `[notify] command`, and the unread count in the terminal title. After a
//! draw it tells the store which conversation's end the user sees, for
//! displayed markers (XEP-0333).

use std::time::Duration;

use ratatui::DefaultTerminal;
use std::io::Write;

use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableFocusChange, EnableBracketedPaste, EnableFocusChange,
    Event, KeyEventKind,
};
use ratatui::crossterm::terminal::SetTitle;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::command::Action;
use crate::app::{State, ViewMsg};
use crate::config::NotifyConfig;
use crate::engine::Engine;
use crate::notify::Notifier;
use crate::ui::{self, Request, View};

/// The shortest time between two frames; bursts within it share one draw.
const FRAME_BUDGET: Duration = Duration::from_millis(16);
/// How long quitting waits for the server to acknowledge our close.
const QUIT_GRACE: Duration = Duration::from_secs(3);

/// Terminal-side inputs, from the reader thread and the signal watcher.
enum Incoming {
    Terminal(Event),
    Terminate,
}

/// How the user's attention is sought, from `[notify]`.
#[derive(Debug)]
pub struct Alerts {
    bell: bool,
    notifier: Notifier,
    /// After this long without a key the user counts as away.
    idle_after: Option<Duration>,
    /// The title last set, so it is set again only when it changes.
    title: Option<String>,
}

impl Alerts {
    pub fn from_config(config: &NotifyConfig) -> Alerts {
        Alerts {
            bell: config.bell,
            notifier: Notifier::new(config.command.clone()),
            idle_after: (config.idle_seconds > 0).then(|| Duration::from_secs(config.idle_seconds)),
            title: None,
        }
    }

    /// The terminal title for `state` when it differs from the one set
    /// last; `None` when it is unchanged.
    pub fn title_change(&mut self, state: &State) -> Option<String> {
        let title = ui::window_title(state);
        if self.title.as_deref() == Some(title.as_str()) {
            return None;
        }
        self.title = Some(title.clone());
        Some(title)
    }
}

/// Runs the terminal UI until the user quits. The terminal is restored on
/// every exit path, including a panic (ratatui's hook).
pub async fn run(mut engine: Engine, mut view: View, mut alerts: Alerts) -> Result<(), String> {
    let mut terminal =
        ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let _ =
        ratatui::crossterm::execute!(std::io::stdout(), EnableBracketedPaste, EnableFocusChange);
    let result = event_loop(&mut terminal, &mut engine, &mut view, &mut alerts).await;
    let _ =
        ratatui::crossterm::execute!(std::io::stdout(), DisableBracketedPaste, DisableFocusChange);
    ratatui::restore();
    engine.flush();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    engine: &mut Engine,
    view: &mut View,
    alerts: &mut Alerts,
) -> Result<(), String> {
    engine.keep_only_notices();
    engine.enable_notifications();
    let (tx, mut rx) = mpsc::unbounded_channel::<Incoming>();
    spawn_terminal_reader(tx.clone());
    spawn_signal_watch(tx);
    engine.connect();

    let mut dirty = true;
    // Set by the user's own input: its echo is drawn at once, whatever the budget, because the
    // budget is there to merge network bursts, not to delay a keystroke.
    let mut urgent = false;
    let mut last_draw = Instant::now() - FRAME_BUDGET;
    let mut quit_deadline: Option<Instant> = None;
    let mut last_key = Instant::now();

    loop {
        // Events are `exec`'s report; the store has already made notices of
        // what the user should see here.
        if !engine.take_events().is_empty() {
            dirty = true;
        }
        carry_out_notifications(terminal, engine, alerts);
        if dirty {
            ui::raise_prompts(view, &engine.state);
            // The window on screen is read as it fills, while the user is
            // looking.
            if engine.state.attention.looking()
                && let Some(id) = engine.state.active
                && engine.state.chats.get(id).is_some_and(|c| c.unread > 0)
            {
                engine.view(ViewMsg::Read(id));
            }
            if view.focus == ui::Focus::Headlines && engine.state.headlines.unread > 0 {
                engine.view(ViewMsg::HeadlinesRead);
            }
        }
        if dirty && (urgent || last_draw.elapsed() >= FRAME_BUDGET) {
            terminal
                .draw(|frame| ui::draw(frame, &engine.state, view))
                .map_err(|e| format!("cannot draw: {e}"))?;
            dirty = false;
            urgent = false;
            last_draw = Instant::now();
            // MARKERS-03: what was just drawn is what the user sees.
            if let Some(id) = ui::chat::seen_window(view, &engine.state) {
                engine.view(ViewMsg::Seen(id));
            }
        }
        if engine.state.quitting {
            if !engine.is_connected() {
                return Ok(());
            }
            quit_deadline.get_or_insert(Instant::now() + QUIT_GRACE);
        }
        let idle_at = alerts
            .idle_after
            .filter(|_| !engine.state.attention.idle)
            .map(|after| last_key + after);
        let wake = match (dirty, quit_deadline) {
            (true, _) => Some(last_draw + FRAME_BUDGET),
            (false, deadline) => deadline,
        };
        // Chat states go by the clock too (STATES-08).
        let tick_at = engine.tick_due();
        let wake = [wake, idle_at, tick_at].into_iter().flatten().min();
        let sleep = async {
            match wake {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            alive = engine.step() => {
                dirty = true;
                if !alive {
                    return Ok(());
                }
            }
            incoming = rx.recv() => {
                let Some(incoming) = incoming else { return Ok(()) };
                let requests = match incoming {
                    Incoming::Terminal(Event::Key(key)) if key.kind != KeyEventKind::Release => {
                        last_key = Instant::now();
                        if engine.state.attention.idle {
                            engine.view(ViewMsg::Idle(false));
                        }
                        ui::handle_key(view, &engine.state, key)
                    }
                    Incoming::Terminal(Event::FocusGained) => {
                        engine.view(ViewMsg::Focus(true));
                        Vec::new()
                    }
                    Incoming::Terminal(Event::FocusLost) => {
                        engine.view(ViewMsg::Focus(false));
                        Vec::new()
                    }
                    Incoming::Terminal(Event::Paste(text)) => {
                        ui::handle_paste(view, &engine.state, &text)
                    }
                    Incoming::Terminal(_) => Vec::new(),
                    Incoming::Terminate => vec![Request::Command(Action::Quit { status: None })],
                };
                for request in requests {
                    carry_out(engine, request);
                }
                dirty = true;
                urgent = true;
            }
            _ = sleep => {
                if quit_deadline.is_some_and(|d| Instant::now() >= d) {
                    return Ok(());
                }
                if idle_at.is_some_and(|at| Instant::now() >= at) {
                    engine.view(ViewMsg::Idle(true));
                    dirty = true;
                }
                if tick_at.is_some_and(|at| Instant::now() >= at) {
                    engine.tick();
                    dirty = true;
                }
            }
        }
    }
}

/// Rings the bell once for what arrived, runs the `[notify] command`, and
/// sets the title when the unread count changed.
fn carry_out_notifications(
    terminal: &mut DefaultTerminal,
    engine: &mut Engine,
    alerts: &mut Alerts,
) {
    let notifications = engine.take_notifications();
    if alerts.bell && !notifications.is_empty() {
        let backend = terminal.backend_mut();
        let _ = backend.write_all(b"\x07").and_then(|()| backend.flush());
    }
    for notification in &notifications {
        match alerts.notifier.notify(notification) {
            Ok(outcome) => tracing::debug!(?outcome, "notify command"),
            Err(error) => tracing::warn!(%error, "cannot run the [notify] command"),
        }
    }
    if let Some(title) = alerts.title_change(&engine.state) {
        let _ = ratatui::crossterm::execute!(terminal.backend_mut(), SetTitle(title));
    }
}

/// Hands a UI request to the engine.
fn carry_out(engine: &mut Engine, request: Request) {
    match request {
        Request::Command(action) => {
            engine.command(action);
        }
        Request::Line(line) => {
            engine.command_line(&line);
        }
        Request::View(msg) => engine.view(msg),
        Request::LogIn(password) => engine.connect_with_password(password),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::app::{Msg, update};
    use crate::xmpp::session::SessionEvent;
    use crate::xmpp::stanza::message::Message;
    use crate::xmpp::stanza::test_xml;

    /// The title is set at the start, then only when the count changes.
    #[test]
    fn title_is_set_only_when_it_changes() {
        let mut alerts = Alerts::from_config(&NotifyConfig::default());
        let mut state = State::default();
        assert_eq!(alerts.title_change(&state).as_deref(), Some("balcony"));
        assert_eq!(alerts.title_change(&state), None);
        let xml = "<message from='romeo@example.net/orchard' type='chat'><body>hi</body></message>";
        let message = Message::parse(&test_xml::parse(xml)).unwrap();
        update(
            &mut state,
            Msg::Session {
                event: SessionEvent::Message(message),
                at: 0,
            },
        );
        assert_eq!(alerts.title_change(&state).as_deref(), Some("balcony (1)"));
        assert_eq!(alerts.title_change(&state), None);
    }
}
