//! The engine: the one runner between the session task and the store,
//! shared by the terminal UI and `balcony exec`.
//!
//! It owns the [`State`], starts the session, turns session events and IQ
//! replies into [`Msg`]s, applies them with [`app::update`], and carries out
//! the [`Effect`]s: stanzas to the session, requests whose replies come back
//! later as messages, the roster cache on disk, and events for whoever
//! drives it. It never blocks on the network: a request is sent, and its
//! answer is just another message.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::app::command::{self, Action};
use crate::app::event::Event;
use crate::app::{self, Effect, Msg, Preferences, Purpose, State};
use crate::roster_cache::RosterCache;
use crate::xmpp::session::{self, RequestError, SessionEvent, SessionHandle};
use crate::xmpp::settings::ConnectSettings;

/// How long roster changes may wait before the cache is written, so a burst
/// of pushes costs one write.
const SAVE_DELAY: Duration = Duration::from_secs(1);

/// What the engine's own channel carries.
#[allow(clippy::large_enum_variant)]
enum Internal {
    Started(SessionHandle),
    Msg(Msg),
}

pub struct Engine {
    pub state: State,
    settings: ConnectSettings,
    handle: Option<SessionHandle>,
    tx: mpsc::UnboundedSender<Internal>,
    rx: mpsc::UnboundedReceiver<Internal>,
    cache: Option<RosterCache>,
    startup: Vec<String>,
    events: VecDeque<Event>,
    /// What each outstanding request is for, by token.
    requests: HashMap<u64, Purpose>,
    next_token: u64,
    next_tag: u64,
    save_due: Option<Instant>,
}

impl Engine {
    /// An engine for one account. `cache` is where the roster is kept
    /// between runs (roster versioning); `startup` are the `[startup]
    /// commands` run after every login.
    pub fn new(
        settings: ConnectSettings,
        prefs: Preferences,
        cache: Option<PathBuf>,
        startup: Vec<String>,
    ) -> Engine {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut engine = Engine {
            state: State::new(prefs),
            cache: cache.map(|dir| RosterCache::new(dir, &settings.jid)),
            settings,
            handle: None,
            tx,
            rx,
            startup,
            events: VecDeque::new(),
            requests: HashMap::new(),
            next_token: 0,
            next_tag: 0,
            save_due: None,
        };
        if let Some(cache) = &engine.cache {
            match cache.load() {
                Ok(Some((ver, items))) => {
                    engine.process(Msg::RosterCache { ver, items });
                }
                Ok(None) => {}
                Err(error) => warn!(%error, "ignoring the roster cache"),
            }
        }
        engine
    }

    /// Starts logging in in the background.
    pub fn connect(&mut self) {
        self.process(Msg::Connecting);
        let settings = self.settings.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            match session::start(settings).await {
                Ok(mut session) => {
                    let _ = tx.send(Internal::Started(session.handle.clone()));
                    while let Some(event) = session.events.recv().await {
                        let msg = Msg::Session {
                            event,
                            at: now_unix(),
                        };
                        if tx.send(Internal::Msg(msg)).is_err() {
                            break;
                        }
                    }
                }
                Err(error) => {
                    let _ = tx.send(Internal::Msg(Msg::LoginFailed {
                        error: error.to_string(),
                    }));
                }
            }
        });
    }

    /// Waits for the next thing to happen and applies it. Cancel-safe, so
    /// it can sit in a `select!` beside terminal input. Returns false when
    /// nothing can happen any more.
    pub async fn step(&mut self) -> bool {
        let internal = match self.save_due {
            Some(due) => tokio::select! {
                internal = self.rx.recv() => internal,
                _ = tokio::time::sleep_until(due) => {
                    self.save_roster();
                    return true;
                }
            },
            None => self.rx.recv().await,
        };
        match internal {
            Some(Internal::Started(handle)) => {
                self.handle = Some(handle);
                true
            }
            Some(Internal::Msg(Msg::Session {
                event: SessionEvent::Reply { token, result },
                ..
            })) => {
                if let Some(purpose) = self.requests.remove(&token) {
                    self.process(Msg::Reply { purpose, result });
                }
                true
            }
            Some(Internal::Msg(msg)) => {
                if matches!(
                    &msg,
                    Msg::Session {
                        event: SessionEvent::Closed { .. },
                        ..
                    }
                ) {
                    self.fail_requests();
                }
                self.process(msg);
                true
            }
            None => false,
        }
    }

    /// Runs a user command; returns the tag its result will carry.
    pub fn command(&mut self, action: Action) -> u64 {
        self.next_tag += 1;
        let tag = self.next_tag;
        self.process(Msg::Command {
            tag,
            action,
            at: now_unix(),
        });
        tag
    }

    /// Tells the store what the user is looking at.
    pub fn view(&mut self, msg: app::ViewMsg) {
        self.process(Msg::View(msg));
    }

    /// Parses and runs one command line; a parse error becomes a failed
    /// result at once.
    pub fn command_line(&mut self, line: &str) -> u64 {
        match command::parse(line) {
            Ok(action) => self.command(action),
            Err(error) => {
                self.next_tag += 1;
                let tag = self.next_tag;
                self.events.push_back(Event::Result {
                    tag,
                    command: line.trim().to_owned(),
                    ok: false,
                    text: error.to_string(),
                });
                tag
            }
        }
    }

    /// Events emitted since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// True while the session task is running.
    pub fn is_connected(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_closed())
    }

    /// Writes any pending roster change now (before exiting).
    pub fn flush(&mut self) {
        if self.save_due.is_some() {
            self.save_roster();
        }
    }

    fn process(&mut self, msg: Msg) {
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for effect in app::update(&mut self.state, msg) {
                self.execute(effect, &mut queue);
            }
        }
    }

    fn execute(&mut self, effect: Effect, queue: &mut VecDeque<Msg>) {
        match effect {
            Effect::SendMessage(message) => self.send(message.to_element()),
            Effect::SendPresence(presence) => self.send(presence.to_element()),
            Effect::Request { iq, purpose } => {
                // The answer comes back on the session's event stream, in
                // order with the pushes before it (ROS-06).
                self.next_token += 1;
                let token = self.next_token;
                let sent = self
                    .handle
                    .as_ref()
                    .map(|h| h.request_tagged(iq, token).is_ok())
                    .unwrap_or(false);
                if sent {
                    self.requests.insert(token, purpose);
                } else {
                    queue.push_back(Msg::Reply {
                        purpose,
                        result: Err(RequestError::Disconnected),
                    });
                }
            }
            Effect::SaveRoster => {
                self.save_due
                    .get_or_insert_with(|| Instant::now() + SAVE_DELAY);
            }
            Effect::Emit(event) => self.events.push_back(event),
            Effect::RunStartupCommands => {
                for line in self.startup.clone() {
                    self.next_tag += 1;
                    let tag = self.next_tag;
                    match command::parse(&line) {
                        Ok(action) => queue.push_back(Msg::Command {
                            tag,
                            action,
                            at: now_unix(),
                        }),
                        Err(error) => self.events.push_back(Event::Result {
                            tag,
                            command: line.clone(),
                            ok: false,
                            text: format!("startup command: {error}"),
                        }),
                    }
                }
            }
            Effect::Reconnect => match &self.handle {
                Some(handle) if !handle.is_closed() => handle.reconnect(),
                _ => self.connect(),
            },
            Effect::Search { tag, text } => {
                let outcome = self.search(&text);
                let (ok, text) = match outcome {
                    Ok(lines) => {
                        let count = lines.len();
                        for line in lines {
                            self.events.push_back(Event::Info { text: line });
                        }
                        (true, format!("{count} found"))
                    }
                    Err(why) => (false, why),
                };
                self.events.push_back(Event::Result {
                    tag,
                    command: format!("/search {text}"),
                    ok,
                    text,
                });
            }
            Effect::Disconnect => {
                self.flush();
                match &self.handle {
                    Some(handle) => handle.close(),
                    None => self.events.push_back(Event::Offline { error: None }),
                }
            }
        }
    }

    /// Requests still open when the session ends get no answer event
    /// (the session fails them first, but be sure).
    fn fail_requests(&mut self) {
        for (_, purpose) in std::mem::take(&mut self.requests) {
            self.process(Msg::Reply {
                purpose,
                result: Err(RequestError::Disconnected),
            });
        }
    }

    /// `/search`: matching lines from the history, newest first.
    fn search(&self, _text: &str) -> Result<Vec<String>, String> {
        Err("the message history is off".into())
    }

    fn send(&self, stanza: crate::xmpp::element::Element) {
        match &self.handle {
            Some(handle) => {
                if handle.send(stanza).is_err() {
                    debug!("dropping a stanza: the session has ended");
                }
            }
            None => debug!("dropping a stanza: not connected"),
        }
    }

    fn save_roster(&mut self) {
        self.save_due = None;
        let Some(cache) = &self.cache else {
            return;
        };
        if let Err(error) = cache.save(self.state.roster.ver(), self.state.roster.items()) {
            warn!(%error, "cannot write the roster cache");
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
