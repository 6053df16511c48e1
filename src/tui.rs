//! The terminal event loop: it owns the [`Engine`] (and through it the
//! store), waits on the keyboard (a blocking reader thread), the engine and
//! signals at once, and redraws only when something changed, at most once
//! per frame budget. It never awaits the network.

use std::time::Duration;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::ViewMsg;
use crate::app::command::Action;
use crate::engine::Engine;
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

/// Runs the terminal UI until the user quits. The terminal is restored on
/// every exit path, including a panic (ratatui's hook).
pub async fn run(mut engine: Engine, mut view: View) -> Result<(), String> {
    let mut terminal =
        ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let _ = ratatui::crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut engine, &mut view).await;
    let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    engine.flush();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    engine: &mut Engine,
    view: &mut View,
) -> Result<(), String> {
    engine.keep_only_notices();
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

    loop {
        // Events are `exec`'s report; the store has already made notices of
        // what the user should see here.
        if !engine.take_events().is_empty() {
            dirty = true;
        }
        if dirty {
            ui::raise_prompts(view, &engine.state);
            // The window on screen is read as it fills.
            if let Some(id) = engine.state.active
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
        }
        if engine.state.quitting {
            if !engine.is_connected() {
                return Ok(());
            }
            quit_deadline.get_or_insert(Instant::now() + QUIT_GRACE);
        }
        let wake = match (dirty, quit_deadline) {
            (true, _) => Some(last_draw + FRAME_BUDGET),
            (false, deadline) => deadline,
        };
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
                        ui::handle_key(view, &engine.state, key)
                    }
                    Incoming::Terminal(Event::Paste(text)) => {
                        ui::handle_paste(view, &text);
                        Vec::new()
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
            }
        }
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
