//! Stream management (XEP-0198) bookkeeping: counting what we send and
//! keeping it until the server acknowledges it, answering the server's
//! `<r/>` with only what the consumer has made durable, and the server's
//! `<enabled/>`, `<failed/>` and `<a/>`. What the counts mean on a resumed
//! or fresh connection is decided by the runner.

use std::collections::VecDeque;

use tracing::debug;

use super::SessionEvent;
use super::runner::Runner;
use crate::xmpp::element::Element;
use crate::xmpp::error::Error;
use crate::xmpp::ns;

/// XEP-0198 state, kept across reconnections so a session can resume and
/// nothing sent is lost.
#[derive(Debug, Default)]
pub(super) struct StreamManagement {
    /// `<enable/>` was sent on the current stream.
    pub(super) active: bool,
    /// `<enabled/>` arrived: the server counts and acknowledges.
    pub(super) enabled: bool,
    /// The id to resume with, when the server allows resumption.
    pub(super) id: Option<String>,
    /// Stanzas received from the server on this session.
    pub(super) inbound: u32,
    /// Of those, how many have durable effects: the `h` we acknowledge.
    pub(super) durable: u32,
    /// Received stanzas not yet durable: the count after each, and how many
    /// events had been emitted once it was dispatched.
    pub(super) undurable: VecDeque<(u32, u64)>,
    /// An `<r/>` was answered before everything was durable: acknowledge
    /// again once it is.
    pub(super) ack_owed: bool,
    /// Stanzas sent since `<enable/>`.
    pub(super) outbound: u32,
    /// Sent and not yet acknowledged, with their sequence numbers.
    pub(super) unacked: VecDeque<(u32, Element)>,
    /// An `<r/>` is outstanding.
    pub(super) requested: bool,
}

impl Runner {
    /// Sends a stanza, counting it for stream management; with acks on, it
    /// is kept until the server acknowledges it, and an ack is requested.
    pub(super) async fn send_stanza(&mut self, stanza: Element) -> Result<(), Error> {
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
    pub(super) fn acknowledge(&mut self, h: u32) {
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
    pub(super) async fn stream_management(&mut self, element: Element) -> Result<(), Error> {
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

    /// XEP-0198 `h`: the stanzas whose effects the consumer has made
    /// durable, in order.
    pub(super) fn durable_h(&mut self) -> u32 {
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
    pub(super) async fn send_owed_ack(&mut self) -> Result<(), Error> {
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
}
