//! The session's event stream with a receipt: what the consumer has made
//! durable, so that the session acknowledges to the server (XEP-0198 `h`)
//! only stanzas whose effects are stored, and stops reading the socket when
//! the consumer falls behind.
//!
//! The session counts every event it emits; the consumer counts every event
//! it has handled (for a message: written to the history). Events are
//! handled in the order they were emitted, so the two counters say exactly
//! which stanzas are durable. A consumer with nothing to store receives
//! with [`SessionEvents::recv`], which counts each event as handled at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Notify, mpsc};

use super::session::SessionEvent;

/// Events the consumer may hold unhandled before the session stops reading
/// the socket. A message is at most 64 KiB of body, so this bounds the
/// backlog to a few MiB while keeping a flood flowing in large batches.
pub const MAX_BACKLOG: u64 = 128;

/// The two counters, shared by the session task and the consumer.
#[derive(Debug, Default)]
pub struct Ledger {
    emitted: AtomicU64,
    handled: AtomicU64,
    /// Wakes the session when the consumer has handled more.
    progress: Notify,
}

impl Ledger {
    /// Counts one event emitted; returns the count so far.
    pub(crate) fn emitted_one(&self) -> u64 {
        self.emitted.fetch_add(1, Ordering::AcqRel) + 1
    }

    pub(crate) fn emitted(&self) -> u64 {
        self.emitted.load(Ordering::Acquire)
    }

    /// The consumer has made the effects of `count` more events durable.
    pub fn handled(&self, count: u64) {
        if count > 0 {
            self.handled.fetch_add(count, Ordering::AcqRel);
            self.progress.notify_one();
        }
    }

    pub(crate) fn handled_so_far(&self) -> u64 {
        self.handled.load(Ordering::Acquire)
    }

    /// Events emitted and not yet handled.
    pub(crate) fn backlog(&self) -> u64 {
        self.emitted().saturating_sub(self.handled_so_far())
    }

    /// Resolves when the consumer next reports progress.
    pub(crate) async fn progress(&self) {
        self.progress.notified().await;
    }
}

/// The receiving end of a session's events.
#[derive(Debug)]
pub struct SessionEvents {
    rx: mpsc::UnboundedReceiver<SessionEvent>,
    ledger: Arc<Ledger>,
}

impl SessionEvents {
    pub(crate) fn new(rx: mpsc::UnboundedReceiver<SessionEvent>, ledger: Arc<Ledger>) -> Self {
        SessionEvents { rx, ledger }
    }

    /// The next event, counted as handled at once: for consumers that store
    /// nothing (tests, one-shot commands).
    pub async fn recv(&mut self) -> Option<SessionEvent> {
        let event = self.rx.recv().await;
        if event.is_some() {
            self.ledger.handled(1);
        }
        event
    }

    /// The next event, to be reported with [`Ledger::handled`] once its
    /// effects are durable.
    pub async fn recv_held(&mut self) -> Option<SessionEvent> {
        self.rx.recv().await
    }

    /// The counters to report handled events to.
    pub fn ledger(&self) -> Arc<Ledger> {
        self.ledger.clone()
    }
}
