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
//!
//! This module is the public face: [`SessionHandle`], [`SessionEvent`],
//! [`SessionCommand`] and starting a session. Typed queries and their
//! answers are in `super::query`. The task itself is split by job:
//! - `runner`: the lifecycle, one connection after another (login, the
//!   event loop, dispatch of inbound stanzas, backoff and reconnection);
//! - `stream_management`: XEP-0198 counting, acknowledgements and what is
//!   resent after a resumption;
//! - `requests`: the IQs we sent and wait for (ids, deadlines, the sender
//!   check, the keepalive ping);
//! - `answer`: the IQ gets and sets the server sends us, each answered;
//! - `archive`: the archive queries open and the results they collect
//!   (MAM-03), handed over with the IQ result that ends the page.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jid::FullJid;
use tokio::sync::{mpsc, oneshot};

use super::element::Element;
use super::error::{Error, StanzaError};
use super::ledger::{Ledger, SessionEvents};
use super::login::{self, Connection, StreamFeatures};
use super::query::{Answer, Query};
use super::settings::ConnectSettings;
use super::stanza::blocking::BlockPush;
use super::stanza::csi::ClientState;
use super::stanza::iq::Iq;
use super::stanza::message::Message;
use super::stanza::presence::Presence;
use super::stanza::roster::RosterItem;

mod answer;
mod archive;
mod requests;
mod runner;
mod stream_management;

pub use answer::{Advertised, FEATURES, caps_ver};
pub use runner::backoff;
use runner::run;

/// Facts from the server, in the order they happened.
#[derive(Debug)]
pub enum SessionEvent {
    /// Logged in and bound.
    Online {
        jid: FullJid,
        features: StreamFeatures,
    },
    Message(Message),
    /// XEP-0280: a copy of a message another of our resources sent
    /// (CARBONS-06) or received (CARBONS-05), unwrapped. Only wrappers from
    /// our own bare JID get here (CARBONS-04); the rest are dropped and
    /// logged by the session.
    Carbon {
        direction: crate::xmpp::stanza::carbons::Direction,
        message: Message,
    },
    Presence(Presence),
    /// A pubsub notification (PEP-03), from `from` as the stanza says; not
    /// yet checked against the node's owner (PEP-05).
    Pubsub {
        from: Option<jid::Jid>,
        event: crate::xmpp::stanza::pubsub::Event,
    },
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
    /// Tells the server whether the user is looking (XEP-0352): a nonza,
    /// written as is and never counted by stream management (CSI-04).
    /// Dropped while disconnected; the store says it again once online.
    ClientState(ClientState),
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

    /// Sends a client state indication nonza (XEP-0352).
    pub fn set_client_state(&self, state: ClientState) {
        let _ = self.commands.send(SessionCommand::ClientState(state));
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
