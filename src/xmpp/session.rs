//! The session task: owns a logged-in connection, turns inbound stanzas into
//! [`SessionEvent`]s, carries out [`SessionCommand`]s, and keeps the link
//! honest (CORE-21..26).
//!
//! - Every IQ we send is tracked by id with a deadline; a reply must come
//!   from where we sent it. On disconnect every pending request fails with
//!   [`RequestError::Disconnected`], so no caller waits forever.
//! - Every inbound IQ get/set is answered: ping and disco#info here, roster
//!   pushes after the sender check (NEW-05), anything else with
//!   `service-unavailable` (CORE-22). Results and errors are never answered
//!   (CORE-23).
//! - After `keepalive` of silence we ping the server (XEP-0199); no answer
//!   within `reply_timeout` means the link is dead.
//!
//! The reader runs in its own task because parsing is not cancel-safe; it
//! feeds this loop through a channel.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jid::{BareJid, FullJid, Jid};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, warn};

use super::element::Element;
use super::error::{Error, ErrorType, StanzaCondition, StanzaError, StreamError};
use super::ledger::{Ledger, MAX_BACKLOG, SessionEvents};
use super::login::{self, Connection, StreamFeatures};
use super::ns;
use super::query::{Answer, Query};
use super::reader::{StreamEvent, XmlError};
use super::settings::ConnectSettings;
use super::stanza::blocking::{self, BlockPush};
use super::stanza::iq::{Iq, IqType};
use super::stanza::message::Message;
use super::stanza::presence::Presence;
use super::stanza::privacy;
use super::stanza::roster::{self, RosterItem};
use super::writer::StreamWriter;

/// How long we wait for the server's `</stream:stream>` after ours.
const CLOSE_WAIT: Duration = Duration::from_secs(3);
/// Why we reconnect when the user asked to.
const RECONNECT_REQUESTED: &str = "reconnecting on request";
/// A connection that lasted this long resets the reconnection backoff.
const STABLE_CONNECTION: Duration = Duration::from_secs(60);
/// Parsed elements the reader task may hold ahead of the session loop.
const READ_AHEAD: usize = 32;

/// The features we answer disco#info with.
pub const FEATURES: &[&str] = &[ns::DISCO_INFO, ns::PING, ns::ROSTER, "jabber:client"];

/// Facts from the server, in the order they happened.
#[derive(Debug)]
pub enum SessionEvent {
    /// Logged in and bound.
    Online {
        jid: FullJid,
        features: StreamFeatures,
    },
    Message(Message),
    Presence(Presence),
    /// A roster push that passed the sender check (ROS-11, NEW-05).
    RosterPush {
        item: RosterItem,
        ver: Option<String>,
    },
    /// The answer to a request sent with [`SessionHandle::query`], decoded,
    /// delivered in order with everything else the server sent.
    Reply {
        token: u64,
        result: Result<Answer, RequestError>,
    },
    /// A privacy list changed (PRIV-19); the push names it.
    PrivacyPush {
        name: String,
    },
    /// The blocklist changed (BLK-05).
    BlockPush(BlockPush),
    /// Something arrived that we refused; for the log and the status line.
    Rejected(String),
    /// The connection was lost; the next attempt comes after `retry_in`.
    Reconnecting {
        error: String,
        attempt: u32,
        retry_in: Duration,
    },
    /// The stream was resumed (XEP-0198): nothing was lost, the session
    /// continues as it was.
    Resumed,
    /// The server acknowledges stanzas (XEP-0198); sent messages are
    /// confirmed with `Acked` from now on.
    AcksEnabled,
    /// The server has these sent messages (by id).
    Acked {
        ids: Vec<String>,
    },
    /// The connection is gone. `error` is `None` after a clean close.
    Closed {
        error: Option<String>,
        retryable: bool,
    },
}

/// Why a request got no result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Stanza(StanzaError),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the connection was lost before the answer came")]
    Disconnected,
    /// The server answered, but not in a form we can read.
    #[error("unreadable answer: {0}")]
    Unreadable(super::query::Unreadable),
}

/// What the session accepts.
#[derive(Debug)]
pub enum SessionCommand {
    /// Sends a stanza as is.
    Send(Element),
    /// Sends an IQ get or set and reports its result or error.
    Request { iq: Iq, reply: ReplyTo },
    /// Sends a typed query; its decoded answer arrives as
    /// [`SessionEvent::Reply`] with `token`.
    Query { query: Query, token: u64 },
    /// Closes the stream cleanly (CORE-26). Send unavailable presence first
    /// if available presence was sent (PRES-09).
    Close,
    /// Drops the connection (or ends the wait for the next attempt) and
    /// connects again now.
    Reconnect,
}

/// Where the answer to a request goes.
#[derive(Debug)]
pub enum ReplyTo {
    /// To one waiting caller.
    Caller(oneshot::Sender<Result<Iq, RequestError>>),
    /// Decoded as the answer to `query`, onto the event stream as
    /// [`SessionEvent::Reply`], so it is ordered with the pushes and
    /// presence that came before it.
    Event { token: u64, query: Box<Query> },
}

/// A cheap, cloneable way to talk to the session task.
#[derive(Clone, Debug)]
pub struct SessionHandle {
    commands: mpsc::UnboundedSender<SessionCommand>,
    jid: FullJid,
    turns: Arc<AtomicU64>,
}

impl SessionHandle {
    /// The full JID the server bound for us.
    pub fn jid(&self) -> &FullJid {
        &self.jid
    }

    /// Queues a stanza; fails only when the session has ended.
    pub fn send(&self, stanza: Element) -> Result<(), RequestError> {
        self.commands
            .send(SessionCommand::Send(stanza))
            .map_err(|_| RequestError::Disconnected)
    }

    /// Sends an IQ and waits for its answer.
    pub async fn request(&self, iq: Iq) -> Result<Iq, RequestError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(SessionCommand::Request {
                iq,
                reply: ReplyTo::Caller(reply),
            })
            .map_err(|_| RequestError::Disconnected)?;
        answer.await.unwrap_or(Err(RequestError::Disconnected))
    }

    /// Sends `query`; its decoded answer arrives as [`SessionEvent::Reply`]
    /// with `token`. A query the session can no longer take fails at once.
    pub fn query(&self, query: Query, token: u64) -> Result<(), RequestError> {
        self.commands
            .send(SessionCommand::Query { query, token })
            .map_err(|_| RequestError::Disconnected)
    }

    /// Asks the session to close the stream.
    pub fn close(&self) {
        let _ = self.commands.send(SessionCommand::Close);
    }

    /// Asks the session to reconnect now.
    pub fn reconnect(&self) {
        let _ = self.commands.send(SessionCommand::Reconnect);
    }

    /// True once the session task has ended.
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }

    /// How often the session loop has woken up: an idle session wakes only
    /// for its keepalive, so this shows a loop that spins.
    pub fn loop_turns(&self) -> u64 {
        self.turns.load(Ordering::Relaxed)
    }
}

/// A running session: the handle, the event stream, and the task to await.
pub struct Session {
    pub handle: SessionHandle,
    pub events: SessionEvents,
    pub task: tokio::task::JoinHandle<()>,
}

/// Logs in and starts the session task. The first event is `Online`.
pub async fn start(settings: ConnectSettings) -> Result<Session, Error> {
    let connection = login::connect(&settings).await?;
    Ok(spawn(connection, settings))
}

/// Starts the session task on an already negotiated connection.
pub fn spawn(connection: Connection, settings: ConnectSettings) -> Session {
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let (events_tx, events) = mpsc::unbounded_channel();
    let ledger = Arc::new(Ledger::default());
    let turns = Arc::new(AtomicU64::new(0));
    // The task announces `Online` itself, as for every fresh connection.
    let jid = connection.jid.clone();
    let task = tokio::spawn(run(
        connection,
        settings,
        (commands_rx, events_tx),
        ledger.clone(),
        turns.clone(),
    ));
    Session {
        handle: SessionHandle {
            commands: commands_tx,
            jid,
            turns,
        },
        events: SessionEvents::new(events, ledger),
        task,
    }
}

struct Pending {
    /// Where the request went; the answer must come from there (CORE-21).
    to: Option<Jid>,
    deadline: Instant,
    reply: Option<ReplyTo>,
}

struct Runner {
    jid: FullJid,
    bare: BareJid,
    domain: String,
    writer: StreamWriter,
    events: mpsc::UnboundedSender<SessionEvent>,
    /// What the consumer has handled of what we emitted.
    ledger: Arc<Ledger>,
    /// Loop wake-ups, for [`SessionHandle::loop_turns`].
    turns: Arc<AtomicU64>,
    pending: HashMap<String, Pending>,
    settings: ConnectSettings,
    last_inbound: Instant,
    /// Id of our outstanding keepalive ping.
    ping: Option<String>,
    sm: StreamManagement,
    /// Stanzas given to us while there was no connection, in order.
    queued: Vec<Element>,
}

/// XEP-0198 state, kept across reconnections so a session can resume and
/// nothing sent is lost.
#[derive(Debug, Default)]
struct StreamManagement {
    /// `<enable/>` was sent on the current stream.
    active: bool,
    /// `<enabled/>` arrived: the server counts and acknowledges.
    enabled: bool,
    /// The id to resume with, when the server allows resumption.
    id: Option<String>,
    /// Stanzas received from the server on this session.
    inbound: u32,
    /// Of those, how many have durable effects: the `h` we acknowledge.
    durable: u32,
    /// Received stanzas not yet durable: the count after each, and how many
    /// events had been emitted once it was dispatched.
    undurable: VecDeque<(u32, u64)>,
    /// An `<r/>` was answered before everything was durable: acknowledge
    /// again once it is.
    ack_owed: bool,
    /// Stanzas sent since `<enable/>`.
    outbound: u32,
    /// Sent and not yet acknowledged, with their sequence numbers.
    unacked: VecDeque<(u32, Element)>,
    /// An `<r/>` is outstanding.
    requested: bool,
}

/// How a connection ended.
enum Exit {
    /// We closed it (the user quit or disconnected).
    Clean,
    /// The user asked to reconnect now.
    Reconnect,
    Failed(Error),
}

/// How long to wait before reconnection attempt `attempt` (1-based):
/// exponential from 1 s up to 60 s, with jitter so many clients do not
/// return at the same moment.
pub fn backoff(attempt: u32) -> Duration {
    let base = 2u64
        .saturating_pow(attempt.saturating_sub(1).min(6))
        .min(60);
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    let jitter = f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX);
    Duration::from_secs_f64(base as f64 * (0.5 + jitter))
}

async fn run(
    connection: Connection,
    settings: ConnectSettings,
    (mut commands, events): (
        mpsc::UnboundedReceiver<SessionCommand>,
        mpsc::UnboundedSender<SessionEvent>,
    ),
    ledger: Arc<Ledger>,
    turns: Arc<AtomicU64>,
) {
    let mut runner = Runner {
        bare: connection.jid.to_bare(),
        domain: connection.jid.domain().as_str().to_owned(),
        jid: connection.jid.clone(),
        // Replaced by each connection's writer in `drive`.
        writer: StreamWriter::new(
            tokio::io::split(Box::new(tokio::io::duplex(1).0) as super::login::BoxStream).1,
        ),
        events,
        ledger,
        turns,
        pending: HashMap::new(),
        settings,
        last_inbound: Instant::now(),
        ping: None,
        sm: StreamManagement::default(),
        queued: Vec::new(),
    };
    let mut connection = connection;
    // Connections that ended soon after login, in a row: a server that
    // kicks us after each login is backed off like a failed attempt.
    let mut short_lived = 0u32;
    loop {
        let connected_at = Instant::now();
        let exit = runner.drive(connection, &mut commands).await;
        if connected_at.elapsed() < STABLE_CONNECTION {
            short_lived = short_lived.saturating_add(1);
        } else {
            short_lived = 0;
        }
        let error = match exit {
            Exit::Clean => {
                runner.fail_pending();
                runner.emit(SessionEvent::Closed {
                    error: None,
                    retryable: false,
                });
                return;
            }
            Exit::Reconnect => RECONNECT_REQUESTED.to_owned(),
            Exit::Failed(error) if !error.is_retryable() => {
                runner.fail_pending();
                runner.emit(SessionEvent::Closed {
                    error: Some(error.to_string()),
                    retryable: false,
                });
                return;
            }
            Exit::Failed(error) => error.to_string(),
        };
        match runner.reconnect(error, short_lived, &mut commands).await {
            Some(next) => connection = next,
            None => return,
        }
    }
}

impl Runner {
    /// Runs one connection until it ends.
    async fn drive(
        &mut self,
        connection: Connection,
        commands: &mut mpsc::UnboundedReceiver<SessionCommand>,
    ) -> Exit {
        let Connection {
            jid,
            reader,
            writer,
            features,
            resumption,
            ..
        } = connection;
        self.writer = writer;
        let (inbound_tx, mut inbound) = mpsc::channel::<Result<StreamEvent, XmlError>>(READ_AHEAD);
        let reader_task = tokio::spawn(async move {
            let mut reader = reader;
            loop {
                let mut event = reader.next().await;
                // I18N-03: stanzas are in the server stream's language
                // unless they say otherwise.
                if let Ok(StreamEvent::Stanza(element)) = &mut event {
                    super::reader::inherit_lang(element, reader.stream_lang());
                }
                let last = !matches!(event, Ok(StreamEvent::Stanza(_)));
                if inbound_tx.send(event).await.is_err() || last {
                    break;
                }
            }
        });
        self.last_inbound = Instant::now();
        self.ping = None;
        let exit = match self.begin(jid, &features, resumption).await {
            Err(error) => Exit::Failed(error),
            Ok(()) => self.pump(&mut inbound, commands).await,
        };
        if let Exit::Failed(error) = &exit {
            warn!(%error, "connection lost");
            self.writer.fail(error).await;
        }
        reader_task.abort();
        exit
    }

    /// Starts using a new connection: a resumed session continues where it
    /// was; a fresh one is announced, gets stream management again, and
    /// receives what was not acknowledged before.
    async fn begin(
        &mut self,
        jid: FullJid,
        features: &StreamFeatures,
        resumption: super::login::Resumption,
    ) -> Result<(), Error> {
        use super::login::Resumption;
        match resumption {
            Resumption::Resumed { h } => {
                self.acknowledge(h);
                // The server continues counting our stanzas from `h`.
                self.sm.outbound = h;
                self.sm.enabled = true;
                self.sm.active = true;
                self.sm.requested = false;
                let resend: Vec<Element> = self.sm.unacked.drain(..).map(|(_, e)| e).collect();
                self.emit(SessionEvent::Resumed);
                self.send_all(resend).await?;
            }
            Resumption::Failed { .. } | Resumption::NotAsked => {
                if let Resumption::Failed { h: Some(h) } = resumption {
                    self.acknowledge(h);
                }
                // Only messages are worth sending again in a new session:
                // presence is re-announced and old requests have failed.
                let resend: Vec<Element> = self
                    .sm
                    .unacked
                    .drain(..)
                    .map(|(_, e)| e)
                    .filter(|e| e.is("message", ns::CLIENT))
                    .collect();
                self.fail_pending();
                self.sm = StreamManagement::default();
                self.bare = jid.to_bare();
                self.domain = jid.domain().as_str().to_owned();
                self.jid = jid.clone();
                self.emit(SessionEvent::Online {
                    jid,
                    features: features.clone(),
                });
                if features.stream_management {
                    self.writer
                        .send(&Element::new("enable", ns::SM).with_attr("resume", "true"))
                        .await?;
                    self.sm.active = true;
                }
                self.send_all(resend).await?;
            }
        }
        let queued = std::mem::take(&mut self.queued);
        self.send_all(queued).await
    }

    /// Sends `stanzas` in order; when the link fails midway, the messages
    /// not yet written wait for the next connection with the rest.
    async fn send_all(&mut self, stanzas: Vec<Element>) -> Result<(), Error> {
        let mut stanzas = stanzas.into_iter();
        while let Some(stanza) = stanzas.next() {
            if let Err(error) = self.send_stanza(stanza).await {
                let unsent = stanzas.filter(|e| e.is("message", ns::CLIENT));
                self.queued.extend(unsent);
                return Err(error);
            }
        }
        Ok(())
    }

    /// The connection's event loop.
    async fn pump(
        &mut self,
        inbound: &mut mpsc::Receiver<Result<StreamEvent, XmlError>>,
        commands: &mut mpsc::UnboundedReceiver<SessionCommand>,
    ) -> Exit {
        loop {
            self.turns.fetch_add(1, Ordering::Relaxed);
            let wake = self.next_deadline();
            // Backpressure: while the consumer is behind, leave the socket
            // unread so TCP slows the server down.
            let reading = self.ledger.backlog() < MAX_BACKLOG;
            let ledger = self.ledger.clone();
            tokio::select! {
                _ = ledger.progress(), if !reading || self.sm.ack_owed => {
                    if let Err(error) = self.send_owed_ack().await {
                        return Exit::Failed(error);
                    }
                }
                event = inbound.recv(), if reading => {
                    self.last_inbound = Instant::now();
                    match event {
                        Some(Ok(StreamEvent::Stanza(element))) => {
                            if let Err(error) = self.dispatch(element).await {
                                return Exit::Failed(error);
                            }
                        }
                        Some(Ok(StreamEvent::End)) => {
                            // The server closed without an error: answer, and
                            // come back (a restart, a timeout on its side).
                            let _ = self.writer.close().await;
                            return Exit::Failed(Error::Disconnected);
                        }
                        Some(Ok(StreamEvent::Header(_))) => {
                            return Exit::Failed(Error::Protocol("the server restarted the stream".into()));
                        }
                        Some(Err(error)) => return Exit::Failed(Error::Xml(error)),
                        None => return Exit::Failed(Error::Disconnected),
                    }
                }
                command = commands.recv() => {
                    match command {
                        Some(SessionCommand::Close) | None => {
                            self.close_cleanly(inbound).await;
                            return Exit::Clean;
                        }
                        Some(SessionCommand::Reconnect) => {
                            self.close_cleanly(inbound).await;
                            return Exit::Reconnect;
                        }
                        Some(command) => {
                            if let Err(error) = self.execute(command).await {
                                return Exit::Failed(error);
                            }
                        }
                    }
                }
                _ = tokio::time::sleep_until(wake) => {
                    if let Err(error) = self.on_timer().await {
                        return Exit::Failed(error);
                    }
                }
            }
        }
    }

    /// Reconnects with backoff. Stanzas sent meanwhile are queued; requests
    /// fail at once. Returns `None` when the session is over.
    async fn reconnect(
        &mut self,
        mut reason: String,
        short_lived: u32,
        commands: &mut mpsc::UnboundedReceiver<SessionCommand>,
    ) -> Option<Connection> {
        // Without resumption, requests in flight can no longer be answered.
        if self.sm.id.is_none() {
            self.fail_pending();
        }
        // After connections that each ended right after login, start
        // further up the backoff; the user's own /reconnect is immediate.
        let mut attempt = if reason == RECONNECT_REQUESTED {
            0
        } else {
            short_lived.saturating_sub(1)
        };
        loop {
            attempt += 1;
            let delay = if reason == RECONNECT_REQUESTED && attempt == 1 {
                Duration::ZERO
            } else {
                backoff(attempt)
            };
            self.emit(SessionEvent::Reconnecting {
                error: reason.clone(),
                attempt,
                retry_in: delay,
            });
            let deadline = Instant::now() + delay;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => break,
                    command = commands.recv() => match command {
                        Some(SessionCommand::Close) | None => {
                            self.fail_pending();
                            self.emit(SessionEvent::Closed { error: None, retryable: false });
                            return None;
                        }
                        Some(SessionCommand::Reconnect) => break,
                        Some(SessionCommand::Send(stanza)) => self.queued.push(stanza),
                        Some(SessionCommand::Request { reply, .. }) => {
                            self.answer_request(reply, Err(RequestError::Disconnected));
                        }
                        Some(SessionCommand::Query { token, .. }) => {
                            self.emit(SessionEvent::Reply {
                                token,
                                result: Err(RequestError::Disconnected),
                            });
                        }
                    }
                }
            }
            let durable = self.durable_h();
            let token = self.sm.id.clone().map(|id| super::login::ResumeToken {
                id,
                h: durable,
                jid: self.jid.clone(),
            });
            match login::connect_resuming(&self.settings, token.as_ref()).await {
                Ok(connection) => return Some(connection),
                Err(error) if error.is_retryable() => reason = error.to_string(),
                Err(error) => {
                    self.fail_pending();
                    self.emit(SessionEvent::Closed {
                        error: Some(error.to_string()),
                        retryable: false,
                    });
                    return None;
                }
            }
        }
    }

    /// Every request still waiting fails: its answer cannot come any more.
    fn fail_pending(&mut self) {
        let pending: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        self.ping = None;
        for pending in pending {
            if let Some(reply) = pending.reply {
                self.answer_request(reply, Err(RequestError::Disconnected));
            }
        }
    }

    /// Sends a stanza, counting it for stream management; with acks on, it
    /// is kept until the server acknowledges it, and an ack is requested.
    async fn send_stanza(&mut self, stanza: Element) -> Result<(), Error> {
        if let Err(error) = self.writer.send(&stanza).await {
            // Not on the wire: a message goes out on the next connection.
            if stanza.is("message", ns::CLIENT) {
                self.queued.push(stanza);
            }
            return Err(error);
        }
        if self.sm.active {
            self.sm.outbound = self.sm.outbound.wrapping_add(1);
            self.sm.unacked.push_back((self.sm.outbound, stanza));
            if !self.sm.requested {
                self.sm.requested = true;
                self.writer.send(&Element::new("r", ns::SM)).await?;
            }
        }
        Ok(())
    }

    /// Drops what the server has handled (up to `h`) and reports the
    /// message ids among them as acknowledged.
    fn acknowledge(&mut self, h: u32) {
        let mut ids = Vec::new();
        while let Some((seq, _)) = self.sm.unacked.front() {
            // Sequence numbers wrap at 2^32 (XEP-0198 §4).
            if h.wrapping_sub(*seq) > u32::MAX / 2 {
                break;
            }
            if let Some((_, stanza)) = self.sm.unacked.pop_front()
                && stanza.is("message", ns::CLIENT)
                && let Some(id) = stanza.attr("id")
            {
                ids.push(id.to_owned());
            }
        }
        if !ids.is_empty() {
            self.emit(SessionEvent::Acked { ids });
        }
    }

    /// XEP-0198 elements from the server.
    async fn stream_management(&mut self, element: Element) -> Result<(), Error> {
        match element.name() {
            "enabled" => {
                self.sm.enabled = true;
                self.sm.inbound = 0;
                self.sm.durable = 0;
                self.sm.undurable.clear();
                if matches!(element.attr("resume"), Some("true" | "1")) {
                    self.sm.id = element.attr("id").map(str::to_owned);
                }
                self.emit(SessionEvent::AcksEnabled);
            }
            "failed" => {
                // Enabling failed: nothing is counted, nothing will be acked.
                let unacked = std::mem::take(&mut self.sm.unacked);
                self.sm = StreamManagement::default();
                let ids = unacked
                    .into_iter()
                    .filter_map(|(_, e)| e.attr("id").map(str::to_owned))
                    .collect::<Vec<_>>();
                if !ids.is_empty() {
                    self.emit(SessionEvent::Acked { ids });
                }
            }
            "r" => {
                // Only what is durable: the server resends the rest if the
                // session is lost before it is stored.
                let h = self.durable_h();
                self.sm.ack_owed = h != self.sm.inbound;
                self.writer
                    .send(&Element::new("a", ns::SM).with_attr("h", h.to_string()))
                    .await?;
            }
            "a" => {
                let h = element
                    .attr("h")
                    .and_then(|h| h.trim().parse::<u32>().ok())
                    .ok_or_else(|| Error::Protocol("an ack without a valid h".into()))?;
                self.sm.requested = false;
                self.acknowledge(h);
                if !self.sm.unacked.is_empty() {
                    self.sm.requested = true;
                    self.writer.send(&Element::new("r", ns::SM)).await?;
                }
            }
            other => debug!(name = other, "ignoring a stream management element"),
        }
        Ok(())
    }

    fn emit(&self, event: SessionEvent) {
        // A dropped receiver only means nobody is listening any more; the
        // event then counts as handled, so nothing waits for it.
        self.ledger.emitted_one();
        if self.events.send(event).is_err() {
            self.ledger.handled(1);
        }
    }

    /// The earliest moment something is due: a request deadline, the ping
    /// deadline, or the next keepalive.
    fn next_deadline(&self) -> Instant {
        // While our ping is out, its own deadline is the one that matters:
        // the keepalive moment has passed, and waking for it again would
        // spin the loop until the ping times out.
        let keepalive = self
            .ping
            .is_none()
            .then(|| self.last_inbound + self.settings.keepalive);
        self.pending
            .values()
            .map(|p| p.deadline)
            .chain(keepalive)
            .min()
            .unwrap_or_else(|| Instant::now() + self.settings.keepalive)
    }

    async fn on_timer(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if self.ping.as_deref() == Some(id.as_str()) {
                return Err(Error::Timeout(
                    "the server stopped answering (keepalive ping)",
                ));
            }
            if let Some(reply) = self.pending.remove(&id).and_then(|p| p.reply) {
                self.answer_request(
                    reply,
                    Err(RequestError::Timeout(self.settings.reply_timeout)),
                );
            }
        }
        if self.ping.is_none() && now >= self.last_inbound + self.settings.keepalive {
            let ping = Iq::get(Element::new("ping", ns::PING)).with_to(Jid::from(
                BareJid::new(&self.domain).map_err(|e| {
                    Error::Protocol(format!("our own domain is not a valid JID: {e}"))
                })?,
            ));
            self.ping = Some(ping.id.clone());
            self.track(&ping, None);
            self.send_stanza(ping.to_element()).await?;
        }
        Ok(())
    }

    /// Hands a request's outcome to whoever waits for it.
    fn answer_request(&self, reply: ReplyTo, result: Result<Iq, RequestError>) {
        match reply {
            ReplyTo::Caller(sender) => {
                let _ = sender.send(result);
            }
            ReplyTo::Event { token, query } => self.emit(SessionEvent::Reply {
                token,
                result: result.and_then(|iq| query.decode(iq)),
            }),
        }
    }

    fn track(&mut self, iq: &Iq, reply: Option<ReplyTo>) {
        self.pending.insert(
            iq.id.clone(),
            Pending {
                to: iq.to.clone(),
                deadline: Instant::now() + self.settings.reply_timeout,
                reply,
            },
        );
    }

    async fn execute(&mut self, command: SessionCommand) -> Result<(), Error> {
        match command {
            SessionCommand::Send(stanza) => self.send_stanza(stanza).await,
            SessionCommand::Request { iq, reply } => {
                self.track(&iq, Some(reply));
                self.send_stanza(iq.to_element()).await
            }
            SessionCommand::Query { query, token } => {
                let iq = query.to_iq(&self.domain);
                let reply = ReplyTo::Event {
                    token,
                    query: Box::new(query),
                };
                self.track(&iq, Some(reply));
                self.send_stanza(iq.to_element()).await
            }
            SessionCommand::Close | SessionCommand::Reconnect => Ok(()),
        }
    }

    /// CORE-26: our closing tag, then wait briefly for the server's.
    async fn close_cleanly(&mut self, inbound: &mut mpsc::Receiver<Result<StreamEvent, XmlError>>) {
        if self.writer.close().await.is_err() {
            return;
        }
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(StreamEvent::Stanza(_))) = inbound.recv().await {}
        })
        .await;
    }

    async fn dispatch(&mut self, element: Element) -> Result<(), Error> {
        if let Some(trace) = &self.settings.trace {
            trace.element(super::trace::Direction::Received, &element);
        }
        if element.is("error", ns::STREAM) {
            return Err(Error::Stream(StreamError::from_element(&element)));
        }
        if element.ns() == ns::SM {
            return self.stream_management(element).await;
        }
        if element.ns() != ns::CLIENT {
            debug!(
                name = element.name(),
                ns = element.ns(),
                "ignoring a non-stanza element"
            );
            return Ok(());
        }
        match element.name() {
            "message" => match Message::parse(&element) {
                Ok(message) => self.emit(SessionEvent::Message(message)),
                Err(error) => self.reject(format!("a message was ignored: {error}")),
            },
            "presence" => match Presence::parse(&element) {
                Ok(presence) => self.emit(SessionEvent::Presence(presence)),
                Err(error) => self.reject(format!("a presence was ignored: {error}")),
            },
            "iq" => self.dispatch_iq(element).await?,
            other => self.reject(format!("an unknown <{other}/> stanza was ignored")),
        }
        if self.sm.enabled {
            // Durable once the consumer has handled every event emitted
            // so far, this stanza's included.
            self.sm.inbound = self.sm.inbound.wrapping_add(1);
            self.sm
                .undurable
                .push_back((self.sm.inbound, self.ledger.emitted()));
        }
        Ok(())
    }

    /// XEP-0198 `h`: the stanzas whose effects the consumer has made
    /// durable, in order.
    fn durable_h(&mut self) -> u32 {
        let handled = self.ledger.handled_so_far();
        while let Some(&(h, emitted)) = self.sm.undurable.front() {
            if emitted > handled {
                break;
            }
            self.sm.durable = h;
            self.sm.undurable.pop_front();
        }
        if self.sm.undurable.is_empty() {
            self.sm.durable = self.sm.inbound;
        }
        self.sm.durable
    }

    /// After an `<r/>` answered short: acknowledge everything once it is
    /// durable, so the server can let go of it.
    async fn send_owed_ack(&mut self) -> Result<(), Error> {
        if !self.sm.ack_owed {
            return Ok(());
        }
        let h = self.durable_h();
        if h == self.sm.inbound {
            self.sm.ack_owed = false;
            self.writer
                .send(&Element::new("a", ns::SM).with_attr("h", h.to_string()))
                .await?;
        }
        Ok(())
    }

    fn reject(&self, why: String) {
        warn!("{why}");
        self.emit(SessionEvent::Rejected(why));
    }

    async fn dispatch_iq(&mut self, element: Element) -> Result<(), Error> {
        let iq = match Iq::parse_owned(element) {
            Ok(iq) => iq,
            Err((error, element)) => {
                // A get or set we cannot read still deserves an answer.
                let kind = element.attr("type").unwrap_or_default();
                if let Some(id) = element.attr("id").filter(|_| matches!(kind, "get" | "set")) {
                    let mut reply = Element::new("iq", ns::CLIENT)
                        .with_attr("type", "error")
                        .with_attr("id", id);
                    if let Some(from) = element.attr("from") {
                        reply.set_attr("to", from);
                    }
                    let mut stanza_error =
                        StanzaError::new(ErrorType::Modify, StanzaCondition::BadRequest);
                    stanza_error.text = Some(error.to_string());
                    reply.push_child(stanza_error.to_element());
                    self.send_stanza(reply).await?;
                }
                self.reject(format!("an IQ was refused: {error}"));
                return Ok(());
            }
        };
        match iq.kind {
            IqType::Result | IqType::Error => {
                self.complete(iq);
                Ok(())
            }
            IqType::Get | IqType::Set => self.answer(iq).await,
        }
    }

    /// CORE-21: matches a reply to our request by id and sender.
    fn complete(&mut self, iq: Iq) {
        let Some(pending) = self.pending.get(&iq.id) else {
            debug!(id = %iq.id, "reply to no request of ours");
            return;
        };
        if !self.reply_sender_ok(pending.to.as_ref(), iq.from.as_ref()) {
            self.reject(format!(
                "a reply to request {} came from {} instead of where it was sent; ignored",
                iq.id,
                iq.from.as_ref().map_or("?".into(), |j| j.to_string())
            ));
            return;
        }
        let Some(pending) = self.pending.remove(&iq.id) else {
            return;
        };
        if self.ping.as_deref() == Some(iq.id.as_str()) {
            self.ping = None;
        }
        let outcome = match iq.kind {
            IqType::Error => Err(RequestError::Stanza(iq.error.clone().unwrap_or_else(
                || StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition),
            ))),
            _ => Ok(iq),
        };
        if let Some(reply) = pending.reply {
            self.answer_request(reply, outcome);
        }
    }

    /// A request to our account or server may be answered by the server
    /// itself (no `from`, our bare JID, or our domain).
    fn reply_sender_ok(&self, to: Option<&Jid>, from: Option<&Jid>) -> bool {
        let ours = |jid: Option<&Jid>| match jid {
            None => true,
            Some(j) => {
                j.to_bare() == self.bare
                    || (j.node().is_none()
                        && j.domain().as_str() == self.domain
                        && j.resource().is_none())
                    || j.as_str() == self.jid.as_str()
            }
        };
        match to {
            None => ours(from),
            Some(to) if ours(Some(to)) => ours(from),
            Some(to) => from == Some(to),
        }
    }

    /// True when a push comes from our own account (NEW-05, SEC-02): no
    /// `from`, or `from` equal to our bare JID.
    fn push_sender_ok(&self, from: Option<&Jid>) -> bool {
        match from {
            None => true,
            Some(j) => j.as_str() == self.bare.as_str(),
        }
    }

    async fn answer(&mut self, iq: Iq) -> Result<(), Error> {
        let Some(payload) = iq.payload.as_ref() else {
            return self.refuse(&iq, StanzaCondition::BadRequest).await;
        };
        match (iq.kind, payload.ns(), payload.name()) {
            (IqType::Get, ns::PING, "ping") => {
                self.send_stanza(Iq::result_for(&iq, None).to_element())
                    .await
            }
            (IqType::Get, ns::DISCO_INFO, "query") if payload.attr("node").is_none() => {
                let mut query = Element::new("query", ns::DISCO_INFO).with_child(
                    Element::new("identity", ns::DISCO_INFO)
                        .with_attr("category", "client")
                        .with_attr("type", "console")
                        .with_attr("name", "balcony"),
                );
                for feature in FEATURES {
                    query.push_child(
                        Element::new("feature", ns::DISCO_INFO).with_attr("var", *feature),
                    );
                }
                self.send_stanza(Iq::result_for(&iq, Some(query)).to_element())
                    .await
            }
            (IqType::Set, ns::ROSTER, "query") => {
                if !self.push_sender_ok(iq.from.as_ref()) {
                    // ROS-12: never apply and never acknowledge a spoofed push.
                    self.reject(format!(
                        "a roster push from {} was ignored (only our server may push)",
                        iq.from.as_ref().map_or("?".into(), |j| j.to_string())
                    ));
                    return self.refuse(&iq, StanzaCondition::ServiceUnavailable).await;
                }
                match roster::parse_push(payload) {
                    Ok((item, ver)) => {
                        self.send_stanza(Iq::result_for(&iq, None).to_element())
                            .await?;
                        self.emit(SessionEvent::RosterPush { item, ver });
                        Ok(())
                    }
                    Err(error) => {
                        self.reject(format!("a roster push was refused: {error}"));
                        self.refuse(&iq, StanzaCondition::BadRequest).await
                    }
                }
            }
            (IqType::Set, ns::PRIVACY, "query") => {
                // PRIV-21: only our own account may push.
                if !self.push_sender_ok(iq.from.as_ref()) {
                    self.reject("a privacy list push from someone else was ignored".into());
                    return self.refuse(&iq, StanzaCondition::ServiceUnavailable).await;
                }
                match privacy::parse_push(payload) {
                    Ok(name) => {
                        self.send_stanza(Iq::result_for(&iq, None).to_element())
                            .await?;
                        self.emit(SessionEvent::PrivacyPush { name });
                        Ok(())
                    }
                    Err(error) => {
                        self.reject(format!("a privacy push was refused: {error}"));
                        self.refuse(&iq, StanzaCondition::BadRequest).await
                    }
                }
            }
            (IqType::Set, ns::BLOCKING, "block" | "unblock") => {
                if !self.push_sender_ok(iq.from.as_ref()) {
                    self.reject("a blocklist push from someone else was ignored".into());
                    return self.refuse(&iq, StanzaCondition::ServiceUnavailable).await;
                }
                match blocking::parse_push(payload) {
                    Ok(push) => {
                        self.send_stanza(Iq::result_for(&iq, None).to_element())
                            .await?;
                        self.emit(SessionEvent::BlockPush(push));
                        Ok(())
                    }
                    Err(error) => {
                        self.reject(format!("a blocklist push was refused: {error}"));
                        self.refuse(&iq, StanzaCondition::BadRequest).await
                    }
                }
            }
            _ => self.refuse(&iq, StanzaCondition::ServiceUnavailable).await,
        }
    }

    /// CORE-22: answers a get or set with an error of the given condition.
    async fn refuse(&mut self, iq: &Iq, condition: StanzaCondition) -> Result<(), Error> {
        let error_type = match condition {
            StanzaCondition::BadRequest => ErrorType::Modify,
            _ => ErrorType::Cancel,
        };
        let reply = Iq::error_for(iq, StanzaError::new(error_type, condition));
        self.send_stanza(reply.to_element()).await
    }
}
