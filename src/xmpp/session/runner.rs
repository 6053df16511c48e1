//! The session task's lifecycle: the state it keeps across connections, one
//! connection driven from its start (fresh or resumed) through the event
//! loop to its end, dispatch of what arrives, and reconnection with backoff.
//! Stream management, pending requests and answering IQs are the sibling
//! modules' jobs; they extend [`Runner`] with their own methods.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jid::{BareJid, FullJid};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::archive::{self, OpenQueries, Outcome};
use super::requests::Pending;
use super::stream_management::StreamManagement;
use super::{ReplyTo, RequestError, SessionCommand, SessionEvent};
use crate::xmpp::element::Element;
use crate::xmpp::error::{Error, StreamError};
use crate::xmpp::ledger::{Ledger, MAX_BACKLOG};
use crate::xmpp::login::{self, Connection, StreamFeatures};
use crate::xmpp::ns;
use crate::xmpp::query::Query;
use crate::xmpp::reader::{StreamEvent, XmlError};
use crate::xmpp::settings::ConnectSettings;
use crate::xmpp::stanza::caps;
use crate::xmpp::stanza::carbons::{Carbon, carbon_from_own_account};
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::presence::Presence;
use crate::xmpp::stanza::pubsub;
use crate::xmpp::writer::StreamWriter;

/// How long we wait for the server's `</stream:stream>` after ours.
const CLOSE_WAIT: Duration = Duration::from_secs(3);
/// Why we reconnect when the user asked to.
const RECONNECT_REQUESTED: &str = "reconnecting on request";
/// A connection that lasted this long resets the reconnection backoff.
const STABLE_CONNECTION: Duration = Duration::from_secs(60);
/// Parsed elements the reader task may hold ahead of the session loop.
const READ_AHEAD: usize = 32;

pub(super) struct Runner {
    pub(super) jid: FullJid,
    pub(super) bare: BareJid,
    pub(super) domain: String,
    pub(super) writer: StreamWriter,
    pub(super) events: mpsc::UnboundedSender<SessionEvent>,
    /// What the consumer has handled of what we emitted.
    pub(super) ledger: Arc<Ledger>,
    /// Loop wake-ups, for [`SessionHandle::loop_turns`].
    pub(super) turns: Arc<AtomicU64>,
    pub(super) pending: HashMap<String, Pending>,
    pub(super) settings: ConnectSettings,
    pub(super) last_inbound: Instant,
    /// Id of our outstanding keepalive ping.
    pub(super) ping: Option<String>,
    pub(super) sm: StreamManagement,
    /// Stanzas given to us while there was no connection, in order.
    pub(super) queued: Vec<Element>,
    /// Archive queries collecting their results (MAM-03).
    pub(super) archive: OpenQueries,
}

/// How a connection ended.
pub(super) enum Exit {
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

pub(super) async fn run(
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
            tokio::io::split(Box::new(tokio::io::duplex(1).0) as crate::xmpp::login::BoxStream).1,
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
        archive: OpenQueries::default(),
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
                    crate::xmpp::reader::inherit_lang(element, reader.stream_lang());
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
        resumption: crate::xmpp::login::Resumption,
    ) -> Result<(), Error> {
        use crate::xmpp::login::Resumption;
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
                        Some(SessionCommand::Send(mut stanza)) => {
                            caps::stamp(&mut stanza, self.settings.advertised.ver());
                            self.queued.push(stanza)
                        }
                        // The store says it again on the next stream.
                        Some(SessionCommand::ClientState(_)) => {}
                        Some(SessionCommand::Request { reply, .. }) => {
                            self.answer_request(reply, Err(RequestError::Disconnected), None);
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
            let token = self
                .sm
                .id
                .clone()
                .map(|id| crate::xmpp::login::ResumeToken {
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

    async fn execute(&mut self, command: SessionCommand) -> Result<(), Error> {
        match command {
            SessionCommand::Send(mut stanza) => {
                // CAPS-01: every available presence, broadcast or directed.
                caps::stamp(&mut stanza, self.settings.advertised.ver());
                self.send_stanza(stanza).await
            }
            SessionCommand::Request { iq, reply } => {
                self.track(&iq, Some(reply));
                self.send_stanza(iq.to_element()).await
            }
            SessionCommand::Query { query, token } => {
                let iq = query.to_iq(&self.domain);
                let archive = query.archive(&self.bare);
                let cap = query.result_cap().unwrap_or_default();
                let reply = ReplyTo::Event {
                    token,
                    query: Box::new(query),
                };
                match (archive, Query::queryid(&iq)) {
                    (Some(archive), Some(queryid)) => {
                        self.track_archive(&iq, reply, queryid, archive, cap)
                    }
                    _ => self.track(&iq, Some(reply)),
                }
                self.send_stanza(iq.to_element()).await
            }
            // A nonza: not a stanza, so not counted for stream
            // management (CSI-04, SM2-04).
            SessionCommand::ClientState(state) => self.writer.send(&state.to_element()).await,
            SessionCommand::Close | SessionCommand::Reconnect => Ok(()),
        }
    }

    /// CORE-26: our closing tag, then wait briefly for the server's.
    ///
    /// First, briefly, the server's acknowledgement of what we sent and it
    /// has not confirmed yet (XEP-0198): a message left unconfirmed is sent
    /// again at the next login, and its recipient would get it twice.
    async fn close_cleanly(&mut self, inbound: &mut mpsc::Receiver<Result<StreamEvent, XmlError>>) {
        if self.sm.enabled && !self.sm.unacked.is_empty() {
            let asked =
                self.sm.requested || self.writer.send(&Element::new("r", ns::SM)).await.is_ok();
            if asked {
                self.sm.requested = true;
                let _ = tokio::time::timeout(CLOSE_WAIT, async {
                    while !self.sm.unacked.is_empty() {
                        let Some(Ok(StreamEvent::Stanza(element))) = inbound.recv().await else {
                            break;
                        };
                        if self.dispatch(element).await.is_err() {
                            break;
                        }
                    }
                })
                .await;
            }
        }
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
            trace.element(crate::xmpp::trace::Direction::Received, &element);
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
            "message" => self.dispatch_message(&element),
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

    /// A message, or a carbon copy of one (XEP-0280): a wrapper is
    /// unwrapped only when it comes from our own bare JID (CARBONS-04) and
    /// has the one shape allowed (CARBONS-07); anything else claiming to be
    /// a carbon is dropped whole and logged, never shown as a message.
    fn dispatch_message(&mut self, element: &Element) {
        // MAM-03: an archive result is history for one of our queries, or
        // nothing; never a message in its own right.
        if archive::is_result(element) {
            match self.archive.accept(element, &self.bare) {
                Outcome::Kept => {}
                Outcome::OverCap => debug!("an archive result beyond the page asked was dropped"),
                Outcome::Refused(why) => self.reject(why),
            }
            return;
        }
        // PEP-03: a notification is never a chat message, readable or not,
        // and is never answered. Who may send it is the store's to check
        // (PEP-05, BOOKMARKS-21): it depends on the node.
        if pubsub::is_event(element) {
            match pubsub::parse_event(element, crate::xmpp::query::MAX_ITEMS) {
                // An unreadable `from` must not pass for none (BOOKMARKS-21).
                Ok(event) => match element.attr("from").map(jid::Jid::new) {
                    None => self.emit(SessionEvent::Pubsub { from: None, event }),
                    Some(Ok(from)) => self.emit(SessionEvent::Pubsub {
                        from: Some(from),
                        event,
                    }),
                    Some(Err(_)) => warn!("dropped a pubsub notification with an invalid from"),
                },
                Err(error) => warn!(%error, "dropped a malformed pubsub notification"),
            }
            return;
        }
        match Carbon::parse(element) {
            Ok(None) => match Message::parse(element) {
                Ok(message) => self.emit(SessionEvent::Message(message)),
                Err(error) => self.reject(format!("a message was ignored: {error}")),
            },
            Ok(Some(carbon)) => {
                let from = element.attr("from");
                let wrapper_from = from.and_then(|f| jid::Jid::new(f).ok());
                if carbon_from_own_account(wrapper_from.as_ref(), &self.bare) {
                    self.emit(SessionEvent::Carbon {
                        direction: carbon.direction,
                        message: carbon.forwarded.message,
                    });
                } else {
                    // Logged, not reported: a contact could fill the status
                    // line with them.
                    warn!(
                        from = from.unwrap_or("(none)"),
                        "dropped a carbon copy not from our own account (CARBONS-04)"
                    );
                }
            }
            Err(error) => warn!(%error, "dropped a malformed carbon copy (CARBONS-07)"),
        }
    }

    pub(super) fn emit(&self, event: SessionEvent) {
        // A dropped receiver only means nobody is listening any more; the
        // event then counts as handled, so nothing waits for it.
        self.ledger.emitted_one();
        if self.events.send(event).is_err() {
            self.ledger.handled(1);
        }
    }

    pub(super) fn reject(&self, why: String) {
        warn!("{why}");
        self.emit(SessionEvent::Rejected(why));
    }
}
