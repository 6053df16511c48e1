//! The engine: the one runner between the session task and the store,
//! shared by the terminal UI and `balcony exec`.
//!
//! It owns the [`State`], starts the session, turns session events and IQ
//! replies into [`Msg`]s, applies them with [`app::update`], and carries out
//! the [`Effect`]s: stanzas to the session, requests whose replies come back
//! later as messages, the roster cache on disk, and events for whoever
//! drives it. It never blocks on the network: a request is sent, and its
//! answer is just another message.

mod login;
mod omemo;
mod rows;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use login::log_in;
use rows::{outbox_message, stored_line};
use tracing::{debug, warn};

use crate::app::chat::{ConversationId, Direction};
use crate::app::command::{self, Action};
use crate::app::event::Event;
use crate::app::{self, Effect, Msg, Preferences, Purpose, State};
use crate::caps_cache::{CachedCaps, CapsCache};
use crate::history::{
    Direction as HistoryDirection, History, Mark as HistoryMark, NewMessage, StoredMessage,
};
use crate::roster_cache::RosterCache;
use crate::xmpp::ledger::Ledger;
use crate::xmpp::session::{RequestError, Session, SessionEvent, SessionHandle};
use crate::xmpp::settings::{ConnectSettings, Password};
use crate::xmpp::stanza::message::Message;
use jid::BareJid;

/// How long roster changes may wait before the cache is written, so a burst
/// of pushes costs one write.
const SAVE_DELAY: Duration = Duration::from_secs(1);
/// Most events taken from the channel (and stored) in one go.
const BATCH: usize = 512;
/// History lines read at a time.
const HISTORY_PAGE: usize = 100;
/// Notifications kept until the terminal UI takes them.
const MAX_NOTIFICATIONS: usize = 64;
/// Matches `/search` shows.
const SEARCH_LIMIT: usize = 50;

/// What the engine's own channel carries.
#[allow(clippy::large_enum_variant)]
enum Internal {
    Msg(Msg),
    /// The caps cache file, opened and read off this task (CAPS-10).
    CapsLoaded(Option<CapsCache>, Vec<CachedCaps>),
    /// Login attempt `generation` logged in. The engine takes the session
    /// only if that attempt is still the current one.
    LoggedIn(u64, Session),
    /// News from login attempt `generation`: a failure, or a retry to come.
    Login(u64, Msg),
}

/// The login in progress, until it yields a session or gives up.
struct Login {
    /// Bumped by every new attempt and every stop, so whatever an attempt
    /// that was given up sent meanwhile is recognised and dropped.
    generation: u64,
    task: Option<tokio::task::AbortHandle>,
}

pub struct Engine {
    pub state: State,
    settings: ConnectSettings,
    handle: Option<SessionHandle>,
    /// Where the current session learns which of its events are applied
    /// and stored, so it acknowledges only those to the server.
    ledger: Option<Arc<Ledger>>,
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
    history: Option<History>,
    /// Our bare JID, the account column of the history.
    account: String,
    /// Messages from earlier runs that the server never acknowledged.
    outbox: Vec<StoredMessage>,
    /// What the store asked to keep in the history, written in one
    /// transaction per batch before the batch is shown or acknowledged.
    records: Vec<app::Record>,
    /// True while a batch of events is being applied.
    in_batch: bool,
    login: Login,
    /// Stanzas given while logging in, sent once logged in.
    unsent: Vec<crate::xmpp::element::Element>,
    /// Where `/mute` is kept between runs.
    mutes: Option<crate::notify::MuteList>,
    /// Messages the user should hear about, for the terminal UI.
    notifications: VecDeque<app::attention::Notification>,
    /// Where the archive catch-up goes on next (MAM-07), written after the
    /// records the store kept before it.
    cursor_due: Option<String>,
    /// The tasks reading or sending `/upload` files, by command tag, so
    /// `/upload cancel` can stop them; at most one per upload in flight.
    uploads: HashMap<u64, tokio::task::AbortHandle>,
    /// Where verified caps are kept between runs (CAPS-10), once open.
    caps_cache: Option<CapsCache>,
    /// OMEMO's keys, sessions and what waits for them.
    omemo: omemo::Omemo,
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
        let mut settings = settings;
        // DISCO-04, CAPS-06: what the config turned off is not advertised.
        settings.advertised = crate::xmpp::session::Advertised::without(&prefs.features_off());
        let (tx, rx) = mpsc::unbounded_channel();
        let cache_dir = cache.clone();
        let mut engine = Engine {
            state: State::new(prefs),
            mutes: cache
                .clone()
                .map(|dir| crate::notify::MuteList::new(dir, &settings.jid)),
            cache: cache.map(|dir| RosterCache::new(dir, &settings.jid)),
            settings,
            handle: None,
            ledger: None,
            tx,
            rx,
            startup,
            events: VecDeque::new(),
            requests: HashMap::new(),
            next_token: 0,
            next_tag: 0,
            save_due: None,
            history: None,
            account: String::new(),
            outbox: Vec::new(),
            records: Vec::new(),
            in_batch: false,
            login: Login {
                generation: 0,
                task: None,
            },
            unsent: Vec::new(),
            notifications: VecDeque::new(),
            cursor_due: None,
            uploads: HashMap::new(),
            caps_cache: None,
            omemo: omemo::Omemo::default(),
        };
        engine.account = engine.settings.jid.to_string();
        let (omemo, reports) = omemo::Omemo::open(cache_dir.as_deref(), &engine.settings.jid);
        engine.omemo = omemo;
        for report in reports {
            engine.process(Msg::Omemo(report));
        }
        if let Some(mutes) = &engine.mutes {
            match mutes.load() {
                Ok(jids) if jids.is_empty() => {}
                Ok(jids) => engine.process(Msg::Muted(jids)),
                Err(error) => warn!(%error, "ignoring the muted contacts"),
            }
        }
        if let Some(dir) = &cache_dir {
            engine.load_caps_cache(crate::caps_cache::default_path(dir));
        }
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

    /// Keeps every message in `history` (stored before it is shown), and
    /// sends what earlier runs wrote but never got acknowledged.
    pub fn with_history(mut self, history: History) -> Engine {
        match history.outbox(&self.account) {
            Ok(outbox) => self.outbox = outbox,
            Err(error) => warn!(%error, "cannot read the outbox"),
        }
        self.history = Some(history);
        self
    }

    /// Starts logging in in the background, replacing any login still in
    /// progress. Passing failures are retried with the session's backoff
    /// (CORE-20, SESS-05).
    pub fn connect(&mut self) {
        self.stop_login();
        self.process(Msg::Connecting);
        let generation = self.login.generation;
        let task = tokio::spawn(log_in(self.settings.clone(), self.tx.clone(), generation));
        self.login.task = Some(task.abort_handle());
    }

    /// Logs in again with a password the user typed after the server
    /// refused the one we had (CORE-12). It is kept for this run only.
    pub fn connect_with_password(&mut self, password: Password) {
        self.settings.password = password;
        self.connect();
    }

    /// True while a login is in progress (including the wait before a retry).
    pub fn is_logging_in(&self) -> bool {
        self.login.task.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Ends the login in progress, if any; what it already sent is ignored.
    /// Returns whether one was running.
    fn stop_login(&mut self) -> bool {
        self.login.generation += 1;
        match self.login.task.take() {
            Some(task) => {
                task.abort();
                true
            }
            None => false,
        }
    }

    /// Takes a session a login produced, unless that login was given up
    /// meanwhile: then the session is closed, and never heard from.
    fn take_session(&mut self, generation: u64, session: Session) {
        if generation != self.login.generation {
            session.handle.close();
            return;
        }
        self.login.task = None;
        for stanza in std::mem::take(&mut self.unsent) {
            let _ = session.handle.send(stanza);
        }
        self.handle = Some(session.handle.clone());
        self.ledger = Some(session.events.ledger());
        let tx = self.tx.clone();
        let mut events = session.events;
        tokio::spawn(async move {
            // Held: the engine reports each event handled once it is
            // applied and its message stored.
            while let Some(event) = events.recv_held().await {
                let msg = Msg::Session {
                    event,
                    at: now_unix(),
                };
                if tx.send(Internal::Msg(msg)).is_err() {
                    break;
                }
            }
        });
    }

    /// Waits for the next thing to happen and applies it. Cancel-safe, so
    /// it can sit in a `select!` beside terminal input. Returns false when
    /// nothing can happen any more.
    pub async fn step(&mut self) -> bool {
        // Rooms keep their own clock (a join waiting for disco#info, a leave
        // waiting for the room) in `exec` too, where nothing else ticks.
        let room_due = app::room::update::next_deadline(&self.state).map(|due| {
            let wait = due.saturating_sub(now_unix_ms()).clamp(0, 86_400_000);
            Instant::now() + Duration::from_millis(wait.unsigned_abs())
        });
        let internal = match (self.save_due, room_due) {
            (save_due, Some(room_due)) if save_due.is_none_or(|save| room_due < save) => {
                tokio::select! {
                    internal = self.rx.recv() => internal,
                    _ = tokio::time::sleep_until(room_due) => {
                        self.tick();
                        return true;
                    }
                }
            }
            (Some(due), _) => tokio::select! {
                internal = self.rx.recv() => internal,
                _ = tokio::time::sleep_until(due) => {
                    self.save_roster();
                    return true;
                }
            },
            (None, _) => self.rx.recv().await,
        };
        let Some(first) = internal else {
            return false;
        };
        // Take whatever else is already waiting, so a flood is stored in
        // one transaction before any of it is shown.
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match self.rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        self.record_acks(&batch);
        // Applied, and what the store kept stored: then the session may
        // acknowledge them, and they may be shown.
        let mut handled = 0;
        self.in_batch = true;
        for internal in batch {
            let from_session = matches!(internal, Internal::Msg(Msg::Session { .. }));
            if matches!(internal, Internal::LoggedIn(..)) {
                self.write_records();
                self.report_handled(std::mem::take(&mut handled));
            }
            self.handle_internal(internal);
            handled += u64::from(from_session);
        }
        self.in_batch = false;
        self.write_records();
        self.report_handled(handled);
        true
    }

    /// Tells the session that `count` more of its events are applied and
    /// stored.
    fn report_handled(&self, count: u64) {
        if let Some(ledger) = &self.ledger {
            ledger.handled(count);
        }
    }

    fn handle_internal(&mut self, internal: Internal) {
        match internal {
            Internal::LoggedIn(generation, session) => self.take_session(generation, session),
            Internal::CapsLoaded(cache, rows) => {
                self.caps_cache = cache;
                let entries = rows.into_iter().map(caps_entry).collect();
                self.process(Msg::CapsCache(entries));
            }
            Internal::Login(generation, msg) => {
                if generation == self.login.generation {
                    if matches!(msg, Msg::LoginFailed { .. }) {
                        self.login.task = None;
                    }
                    self.process(msg);
                }
            }
            Internal::Msg(Msg::Session {
                event: SessionEvent::Reply { token, result },
                ..
            }) => {
                if self.omemo_reply(token, &result) {
                    return;
                }
                if let Some(purpose) = self.requests.remove(&token) {
                    let mut result = result;
                    if let Ok(crate::xmpp::query::Answer::ArchivePage { messages, .. }) =
                        &mut result
                    {
                        for archived in messages {
                            let ours = self.is_ours(archived.forwarded.message.from.as_ref());
                            self.omemo_incoming(&mut archived.forwarded.message, ours);
                        }
                    }
                    self.process(Msg::Reply { purpose, result });
                }
            }
            Internal::Msg(mut msg) => {
                if matches!(
                    &msg,
                    Msg::Session {
                        event: SessionEvent::Closed { .. },
                        ..
                    }
                ) {
                    self.fail_requests();
                    self.omemo_offline();
                }
                if !self.omemo_session_event(&mut msg) {
                    return;
                }
                if let Msg::Upload {
                    report:
                        app::upload::Report::Inspected { tag, .. }
                        | app::upload::Report::Finished { tag, .. },
                    ..
                } = &msg
                {
                    self.uploads.remove(tag);
                }
                let online = match &msg {
                    Msg::Session {
                        event: SessionEvent::Online { jid, .. },
                        ..
                    } => Some(jid.to_bare()),
                    _ => None,
                };
                self.process(msg);
                if let Some(own) = online {
                    self.omemo_online(own);
                }
            }
        }
    }

    /// Marks what the server acknowledged in the batch as sent, in the
    /// history, before the store hears of it.
    fn record_acks(&mut self, batch: &[Internal]) {
        let Some(history) = &mut self.history else {
            return;
        };
        let acked: Vec<&str> = batch
            .iter()
            .filter_map(|internal| match internal {
                Internal::Msg(Msg::Session {
                    event: SessionEvent::Acked { ids },
                    ..
                }) => Some(ids),
                _ => None,
            })
            .flatten()
            .map(String::as_str)
            .collect();
        if !acked.is_empty()
            && let Err(error) = history.mark_acked(&self.account, &acked)
        {
            warn!(%error, "cannot mark messages acknowledged");
        }
    }

    /// Writes the messages the store kept since the last call, in one
    /// transaction, and tells the store which row each shown line got.
    ///
    /// Then the archive cursor, when it moved: only once what came before
    /// it is stored, so a failed write never leaves a gap behind it.
    fn write_records(&mut self) {
        if self.records.is_empty() {
            self.write_cursor();
            return;
        }
        let records = std::mem::take(&mut self.records);
        let Some(history) = &mut self.history else {
            return;
        };
        let peers: Vec<String> = records.iter().map(|r| r.peer.to_string()).collect();
        let new = new_messages(&self.account, &records, &peers);
        // New rows come after every row held; a row at or below this one
        // is a message the history already had.
        let newest_before = match history.newest_row() {
            Ok(row) => row.unwrap_or(0),
            Err(error) => {
                warn!(%error, "cannot read the history");
                i64::MIN
            }
        };
        let rows = match history.insert_batch(&new) {
            Ok(rows) => rows,
            Err(error) => {
                warn!(%error, "cannot store incoming messages");
                self.cursor_due = None;
                return;
            }
        };
        // CORRECT-09: corrections kept as messages of their own.
        let edited: Vec<i64> = records
            .iter()
            .zip(&rows)
            .filter(|(record, _)| record.edited)
            .map(|(_, row)| *row)
            .collect();
        if !edited.is_empty()
            && let Err(error) = history.mark_edited(&edited)
        {
            warn!(%error, "cannot mark corrections as edited");
        }
        self.write_cursor();
        for (record, row) in records.iter().zip(rows) {
            if let Some((conversation, seq)) = record.line {
                self.process(Msg::Recorded {
                    conversation,
                    seq,
                    row,
                    stored_before: row <= newest_before,
                });
            }
        }
    }

    /// MAM-12: messages from the archive older than every one held.
    fn write_older(&mut self, records: &[app::Record]) {
        let Some(history) = &mut self.history else {
            return;
        };
        let peers: Vec<String> = records.iter().map(|r| r.peer.to_string()).collect();
        let new = new_messages(&self.account, records, &peers);
        if let Err(error) = history.insert_older(&new) {
            warn!(%error, "cannot store older messages from the archive");
        }
    }

    /// Writes the archive cursor the store last moved.
    fn write_cursor(&mut self) {
        let (Some(history), Some(id)) = (&mut self.history, self.cursor_due.take()) else {
            return;
        };
        if let Err(error) = history.set_archive_cursor(&self.account, &id) {
            warn!(%error, "cannot keep where the archive catch-up stands");
        }
    }

    /// Where the archive catch-up starts; `None` without a history.
    fn read_archive_cursor(&self) -> Option<app::archive::Cursor> {
        let history = self.history.as_ref()?;
        match history.archive_cursor(&self.account) {
            Ok(found) => Some(app::archive::Cursor {
                last_id: found.last_id,
                last_at: found.last_at,
            }),
            Err(error) => {
                warn!(%error, "cannot read where the archive catch-up stands");
                None
            }
        }
    }

    /// Writes an outgoing message to the history before it is sent.
    fn record_outgoing(&mut self, message: &Message) {
        let Some(history) = &mut self.history else {
            return;
        };
        let (Some(to), Some(body)) = (&message.to, message.body("")) else {
            return;
        };
        // A correction changes the row of the message it corrects
        // (`Effect::RecordCorrection`).
        if message.replace.is_some() {
            return;
        }
        let peer = to.to_bare().to_string();
        let pending = self.state.acks || !self.state.is_online();
        // A private message in a room (MUC-22) is kept under the room, with
        // the occupant's nick.
        let resource = message
            .muc
            .as_ref()
            .and(to.resource())
            .map(|nick| nick.as_str());
        let row = NewMessage {
            account: &self.account,
            peer: &peer,
            resource,
            thread: message.thread.as_ref().map(|t| t.id.as_str()),
            direction: HistoryDirection::Outgoing,
            kind: message.kind.as_str(),
            subject: message.subject(""),
            body,
            stanza_id: message.id.as_deref(),
            origin_id: message.origin_id.as_deref(),
            archive_id: None,
            room_id: None,
            at: now_unix(),
            pending,
        };
        if let Err(error) = history.insert_batch(&[row]) {
            warn!(%error, "cannot store an outgoing message");
        }
    }

    /// Reads lines for a conversation from the history into the store.
    fn load_history(
        &mut self,
        conversation: ConversationId,
        peer: &BareJid,
        before: Option<i64>,
    ) -> Option<Msg> {
        let history = self.history.as_ref()?;
        let page = match before {
            None => history.recent(&self.account, peer.as_str(), HISTORY_PAGE),
            Some(row) => history.before(&self.account, peer.as_str(), row, HISTORY_PAGE),
        };
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                warn!(%error, "cannot read the history");
                return None;
            }
        };
        let exhausted = page.len() < HISTORY_PAGE;
        let lines = page.into_iter().map(stored_line).collect();
        Some(Msg::HistoryLoaded {
            conversation,
            lines,
            exhausted,
        })
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

    /// Tells the store what the user is looking at, and the time it
    /// happened (chat states follow it at once).
    pub fn view(&mut self, msg: app::ViewMsg) {
        self.process(Msg::View(msg));
        self.tick();
    }

    /// Tells the store the time, for what it does by the clock (chat
    /// states: `paused`, a held-back change, a contact's state fading).
    pub fn tick(&mut self) {
        self.process(Msg::Tick {
            at_ms: now_unix_ms(),
        });
    }

    /// When the store next wants [`Engine::tick`], as an instant.
    pub fn tick_due(&self) -> Option<Instant> {
        let due = [
            app::chat::states::next_deadline(&self.state),
            app::room::update::next_deadline(&self.state),
        ]
        .into_iter()
        .flatten()
        .min()?;
        // Within a day: a clock gone wrong must not overflow the instant.
        let wait = due.saturating_sub(now_unix_ms()).clamp(0, 86_400_000);
        Some(Instant::now() + Duration::from_millis(wait.unsigned_abs()))
    }

    /// Parses and runs one command line; a parse error becomes a failed
    /// result at once.
    pub fn command_line(&mut self, line: &str) -> u64 {
        match command::parse(line) {
            Ok(action) => self.command(action),
            Err(error) => {
                self.next_tag += 1;
                let tag = self.next_tag;
                self.process(Msg::Invalid {
                    tag,
                    line: line.trim().to_owned(),
                    error: error.to_string(),
                });
                tag
            }
        }
    }

    /// Events emitted since the last call, oldest first.
    /// From now on the store tells the user through notices only (the
    /// terminal UI); events already queued are dropped.
    pub fn keep_only_notices(&mut self) {
        self.state.notices_only = true;
        self.events.clear();
    }

    /// The store decides when a message notifies (the terminal UI wants
    /// that; `exec` reports every message anyway).
    pub fn enable_notifications(&mut self) {
        self.state.attention.notify = true;
    }

    /// Notifications decided since the last call, oldest first.
    pub fn take_notifications(&mut self) -> Vec<app::attention::Notification> {
        self.notifications.drain(..).collect()
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// True while the session task is running.
    pub fn is_connected(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_closed())
    }

    /// CAPS-10: opens and reads the caps cache in a blocking task, so a
    /// big file never holds up the terminal; the store asks no caps query
    /// until it has arrived ([`Internal::CapsLoaded`]).
    fn load_caps_cache(&mut self, path: PathBuf) {
        self.state.caps.await_disk();
        let read = move || match CapsCache::open(&path).and_then(|c| c.load().map(|r| (c, r))) {
            Ok((cache, rows)) => Internal::CapsLoaded(Some(cache), rows),
            Err(error) => {
                warn!(%error, "ignoring the caps cache");
                Internal::CapsLoaded(None, Vec::new())
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let tx = self.tx.clone();
                runtime.spawn_blocking(move || {
                    let _ = tx.send(read());
                });
            }
            Err(_) => {
                let _ = self.tx.send(read());
            }
        }
    }

    /// CAPS-10: keeps a verified `(hash, ver)` for later runs.
    fn save_caps(&mut self, key: &app::caps::Key, info: &app::caps::ClientInfo) {
        let Some(cache) = &mut self.caps_cache else {
            return;
        };
        let row = CachedCaps {
            hash: key.hash.clone(),
            ver: key.ver.clone(),
            identities: info
                .identities
                .iter()
                .map(|i| {
                    (
                        i.category.clone(),
                        i.kind.clone(),
                        i.lang.clone(),
                        i.name.clone(),
                    )
                })
                .collect(),
            features: info.features.clone(),
        };
        if let Err(error) = cache.save(&row) {
            warn!(%error, "cannot write the caps cache");
        }
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
        // Outside a batch nothing waits to be written with the rest.
        if !self.in_batch {
            self.write_records();
        }
    }

    fn execute(&mut self, effect: Effect, queue: &mut VecDeque<Msg>) {
        match effect {
            Effect::Omemo { tag, command } => self.omemo_command(tag, command, queue),
            Effect::SendMessage(message) => {
                self.record_outgoing(&message);
                if message.e2e == crate::xmpp::stanza::omemo::E2e::Required {
                    self.omemo_outgoing(message);
                } else {
                    self.send(message.to_element());
                }
            }
            Effect::LoadHistory {
                conversation,
                peer,
                before_row,
            } => {
                // During the archive catch-up, what this update filed is
                // stored first, so its lines know their rows and the page
                // read back does not repeat them: a message fetched again
                // from the archive may have no id of its own to be
                // recognised by. (Otherwise a flood keeps its one write per
                // batch.)
                if self.state.archive.running() {
                    self.write_records();
                }
                if let Some(msg) = self.load_history(conversation, &peer, before_row) {
                    queue.push_back(msg);
                }
            }
            Effect::SendPresence(presence) => self.send(presence.to_element()),
            Effect::Record(record) => {
                if self.history.is_some() {
                    self.records.push(record);
                }
            }
            Effect::RecordError { id, error } => {
                if let Some(history) = &mut self.history
                    && let Err(error) = history.set_error(&self.account, &id, &error)
                {
                    warn!(%error, "cannot record a bounce");
                }
            }
            Effect::RecordCorrection {
                peer,
                direction,
                original,
                body,
            } => {
                // The row it changes may still wait in this batch.
                self.write_records();
                if let Some(history) = &mut self.history
                    && let Err(error) = history.apply_correction(
                        &self.account,
                        peer.as_str(),
                        history_direction(direction),
                        &original,
                        &body,
                    )
                {
                    warn!(%error, "cannot record a correction");
                }
            }
            Effect::RecordRoomId { room, id, room_id } => {
                // The row of our message may still wait in this batch.
                self.write_records();
                if let Some(history) = &mut self.history
                    && let Err(error) =
                        history.set_room_id(&self.account, room.as_str(), &id, &room_id)
                {
                    warn!(%error, "cannot record the id a room gave our message");
                }
            }
            Effect::RecordMark { peer, id, mark } => {
                self.write_records();
                let mark = match mark {
                    app::Mark::Received => HistoryMark::Received,
                    app::Mark::Displayed => HistoryMark::Displayed,
                };
                if let Some(history) = &mut self.history
                    && let Err(error) = history.set_mark(&self.account, peer.as_str(), &id, mark)
                {
                    warn!(%error, "cannot record a delivery mark");
                }
            }
            Effect::Request { query, purpose } => {
                // MAM-07: a catch-up page is asked only once the pages
                // before it are stored.
                if matches!(query, crate::xmpp::query::Query::ArchivePage { .. }) {
                    self.write_records();
                }
                // The answer comes back on the session's event stream, in
                // order with the pushes before it (ROS-06).
                self.next_token += 1;
                let token = self.next_token;
                let sent = self
                    .handle
                    .as_ref()
                    .map(|h| h.query(query, token).is_ok())
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
            Effect::Emit(event) => {
                self.events.push_back(event);
            }
            Effect::RunStartupCommands => {
                // Messages an earlier run wrote but never saw acknowledged go
                // out again, with their ids (receivers drop repeats).
                for stored in std::mem::take(&mut self.outbox) {
                    if let Some(mut message) = outbox_message(&stored) {
                        // OMEMO-31: what would be encrypted now is never
                        // resent in clear.
                        if app::omemo::must_encrypt(&self.state, &message) {
                            message.e2e = crate::xmpp::stanza::omemo::E2e::Required;
                            self.omemo_outgoing(message);
                        } else {
                            self.send(message.to_element());
                        }
                    }
                }
                for line in self.startup.clone() {
                    self.next_tag += 1;
                    let tag = self.next_tag;
                    match command::parse(&line) {
                        Ok(action) => queue.push_back(Msg::Command {
                            tag,
                            action,
                            at: now_unix(),
                        }),
                        Err(error) => queue.push_back(Msg::Invalid {
                            tag,
                            line: line.clone(),
                            error: format!("startup command: {error}"),
                        }),
                    }
                }
            }
            Effect::SaveMuted => {
                if let Some(mutes) = &self.mutes
                    && let Err(error) = mutes.save(&self.state.attention.muted)
                {
                    warn!(%error, "cannot write the muted contacts");
                }
            }
            Effect::Notify(notification) => {
                // Bounded: a flood while nobody takes them keeps the newest.
                if self.notifications.len() == MAX_NOTIFICATIONS {
                    self.notifications.pop_front();
                }
                self.notifications.push_back(notification);
            }
            Effect::ReadArchiveCursor => {
                queue.push_back(Msg::ArchiveCursor(self.read_archive_cursor()));
            }
            Effect::ReadOldestArchiveId { conversation, peer } => {
                let before = self.history.as_ref().map(|history| {
                    history
                        .oldest_archive_id(&self.account, peer.as_str())
                        .unwrap_or_else(|error| {
                            warn!(%error, "cannot read the oldest archive id");
                            None
                        })
                });
                queue.push_back(Msg::ArchiveScrollFrom {
                    conversation,
                    before,
                });
            }
            Effect::RecordOlder(records) => self.write_older(&records),
            Effect::SaveArchiveCursor(id) => {
                if self.history.is_some() {
                    self.cursor_due = Some(id);
                }
            }
            Effect::ClientState(client_state) => {
                if let Some(handle) = &self.handle {
                    handle.set_client_state(client_state);
                }
            }
            Effect::Reconnect => match &self.handle {
                Some(handle) if !handle.is_closed() => handle.reconnect(),
                _ => self.connect(),
            },
            Effect::Search { tag, text } => {
                let result = self.search(&text);
                queue.push_back(Msg::Searched { tag, text, result });
            }
            Effect::Upload(job) => self.run_upload(job),
            Effect::OpenLink {
                tag,
                label,
                command,
                url,
            } => {
                let result = open_link(&command, &url);
                queue.push_back(Msg::Opened {
                    tag,
                    label,
                    url,
                    result,
                });
            }
            Effect::SaveCaps { key, info } => self.save_caps(&key, &info),
            Effect::Answered { purpose, answer } => queue.push_back(Msg::Reply {
                purpose,
                result: Ok(answer),
            }),
            Effect::Disconnect => {
                self.flush();
                // Logging in, or waiting to retry: stop, and go Offline as a
                // closed session does.
                if self.stop_login() {
                    queue.push_back(Msg::Session {
                        event: SessionEvent::Closed {
                            error: None,
                            retryable: false,
                        },
                        at: now_unix(),
                    });
                    return;
                }
                match &self.handle {
                    Some(handle) => handle.close(),
                    None => self.events.push_back(Event::Offline { error: None }),
                }
            }
        }
    }

    /// Carries out an `/upload` step in a task of its own: the disk and the
    /// network are never touched here (UPLOAD-06, UPLOAD-11).
    fn run_upload(&mut self, job: app::upload::Job) {
        use app::upload::{Job, Report};
        let tx = self.tx.clone();
        let report = move |report: Report| {
            let _ = tx.send(Internal::Msg(Msg::Upload {
                report,
                at: now_unix(),
            }));
        };
        let (tag, task) = match job {
            Job::Cancel { tag } => {
                if let Some(task) = self.uploads.remove(&tag) {
                    task.abort();
                }
                return;
            }
            Job::Inspect { tag, path } => (
                tag,
                tokio::spawn(async move {
                    let size = crate::upload::file_size(&path).await;
                    report(Report::Inspected { tag, size });
                }),
            ),
            Job::Put {
                tag,
                path,
                url,
                headers,
                size,
                content_type,
            } => {
                // UPLOAD-11: the login's trust, `ca_file` included.
                let tls = crate::xmpp::tls::client_config(self.settings.ca_file.as_deref());
                let allow_http = self.state.prefs.allow_http_links;
                let put = crate::upload::Put {
                    path,
                    url,
                    headers,
                    size,
                    content_type,
                };
                (
                    tag,
                    tokio::spawn(async move {
                        let tls = match tls {
                            Ok(tls) => tls,
                            Err(error) => {
                                let result = Err(error.to_string());
                                report(Report::Finished { tag, result });
                                return;
                            }
                        };
                        // At most about a hundred progress reports.
                        let step = (size / 100).max(1);
                        let last = std::sync::atomic::AtomicU64::new(0);
                        let progress_report = report.clone();
                        let progress = move |sent: u64| {
                            let before = last.load(std::sync::atomic::Ordering::Relaxed);
                            if sent >= before + step || sent == size {
                                last.store(sent, std::sync::atomic::Ordering::Relaxed);
                                progress_report(Report::Progress { tag, sent });
                            }
                        };
                        let result = crate::upload::put(put, tls, allow_http, progress).await;
                        report(Report::Finished { tag, result });
                    }),
                )
            }
        };
        if let Some(old) = self.uploads.insert(tag, task.abort_handle()) {
            old.abort();
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
    fn search(&self, text: &str) -> Result<Vec<String>, String> {
        let history = self
            .history
            .as_ref()
            .ok_or_else(|| "the message history is off ([history] enabled = false)".to_owned())?;
        let found = history
            .search(&self.account, text, SEARCH_LIMIT)
            .map_err(|e| e.to_string())?;
        Ok(found
            .iter()
            .map(|m| {
                let when =
                    crate::xmpp::trace::format_rfc3339(Duration::from_secs(m.at.max(0) as u64));
                let arrow = match m.direction {
                    HistoryDirection::Incoming => "from",
                    HistoryDirection::Outgoing => "to",
                };
                format!(
                    "{} {arrow} {}: {}",
                    &when[..16.min(when.len())].replace('T', " "),
                    m.peer,
                    crate::sanitize::one_line(&m.body)
                )
            })
            .collect())
    }

    fn send(&mut self, stanza: crate::xmpp::element::Element) {
        match &self.handle {
            Some(handle) if !handle.is_closed() => {
                if handle.send(stanza).is_err() {
                    debug!("dropping a stanza: the session has ended");
                }
            }
            // A message written while the first login is retried goes out
            // once it succeeds, as the session does on a reconnect.
            _ if self.is_logging_in() => self.unsent.push(stanza),
            _ => debug!("dropping a stanza: not connected"),
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
        self.stop_login();
        self.flush();
    }
}

/// The history's rows for `records`, whose peers are `peers`.
fn new_messages<'a>(
    account: &'a str,
    records: &'a [app::Record],
    peers: &'a [String],
) -> Vec<NewMessage<'a>> {
    records
        .iter()
        .zip(peers)
        .map(|(record, peer)| NewMessage {
            account,
            peer,
            resource: record.resource.as_deref(),
            thread: record.thread.as_deref(),
            direction: history_direction(record.direction),
            kind: record.kind.as_str(),
            subject: record.subject.as_deref(),
            body: &record.body,
            stanza_id: record.stanza_id.as_deref(),
            origin_id: record.origin_id.as_deref(),
            archive_id: record.archive_id.as_deref(),
            room_id: record.room_id.as_deref(),
            at: record.at,
            pending: false,
        })
        .collect()
}

/// Milliseconds since the Unix epoch.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The history's word for which way a message went.
fn history_direction(direction: Direction) -> HistoryDirection {
    match direction {
        Direction::Incoming => HistoryDirection::Incoming,
        Direction::Outgoing => HistoryDirection::Outgoing,
    }
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Starts the `[links] command` on `url` (UPLOAD-10) without a shell and
/// without the terminal: its output would tear the TUI. The child is
/// waited for in a task so it leaves no zombie; its exit is its own affair.
fn open_link(command: &[String], url: &str) -> Result<(), String> {
    let Some((program, args)) = command.split_first() else {
        return Err("no [links] command is set".to_owned());
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(false)
        .spawn()
        .map_err(|error| format!("{program}: {error}"))?;
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    Ok(())
}

/// A caps cache row as the store keeps it; lengths are bounded as a
/// received answer's are.
fn caps_entry(row: CachedCaps) -> (app::caps::Key, app::caps::ClientInfo) {
    use crate::xmpp::stanza::disco::{self, Identity};
    let token = |s: String| crate::xmpp::cap::cut_owned(s, disco::MAX_TOKEN_BYTES);
    let identities = row
        .identities
        .into_iter()
        .take(disco::MAX_IDENTITIES)
        .map(|(category, kind, lang, name)| Identity {
            category: token(category),
            kind: token(kind),
            lang: lang.map(token),
            name: name.map(|n| crate::xmpp::cap::cut_owned(n, crate::xmpp::cap::MAX_NAME_BYTES)),
        })
        .collect();
    let features = row
        .features
        .into_iter()
        .take(disco::MAX_FEATURES)
        .map(token)
        .collect();
    (
        app::caps::Key {
            hash: row.hash,
            ver: row.ver,
        },
        app::caps::ClientInfo::new(identities, features),
    )
}
