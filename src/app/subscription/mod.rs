//! Inbound subscription requests waiting for the user's answer (SUB-04,
//! SUB-07): one entry per bare JID however often the server redelivers the
//! request, kept until approved or denied, in arrival order.

pub mod update;

use std::collections::{BTreeMap, HashMap};

use jid::BareJid;

/// A request to see our presence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRequest {
    pub jid: BareJid,
    /// The `<status/>` that came with it: untrusted text (SEC-04).
    pub greeting: Option<String>,
    seq: u64,
}

impl PendingRequest {
    /// Arrival number: later requests have higher ones, and a request
    /// that is dropped and made again gets a new one.
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// Most requests kept waiting: a flood of requests from invented addresses
/// must not grow memory (or the prompt list) without bound.
pub const MAX_PENDING: usize = 1_000;

/// Requests in arrival order, with a JID lookup; neither listing nor
/// lookup sorts anything.
#[derive(Debug, Default)]
pub struct PendingRequests {
    by_seq: BTreeMap<u64, PendingRequest>,
    seq_of: HashMap<BareJid, u64>,
    seq: u64,
    /// Bumped on every change, so a view can tell when to look again.
    rev: u64,
}

impl PendingRequests {
    /// Records a request; a repeat merges (SUB-07), keeping the newest
    /// greeting. Returns true when the request is new.
    pub fn add(&mut self, jid: BareJid, greeting: Option<String>) -> bool {
        if let Some(seq) = self.seq_of.get(&jid) {
            if greeting.is_some()
                && let Some(existing) = self.by_seq.get_mut(seq)
            {
                existing.greeting = greeting;
                self.rev += 1;
            }
            return false;
        }
        if self.by_seq.len() >= MAX_PENDING {
            tracing::warn!(%jid, "too many pending subscription requests; ignoring a new one");
            return false;
        }
        self.seq += 1;
        self.rev += 1;
        self.seq_of.insert(jid.clone(), self.seq);
        self.by_seq.insert(
            self.seq,
            PendingRequest {
                jid,
                greeting,
                seq: self.seq,
            },
        );
        true
    }

    pub fn remove(&mut self, jid: &BareJid) -> Option<PendingRequest> {
        // Asked for every contact at login, when nothing is pending:
        // answer without hashing.
        if self.seq_of.is_empty() {
            return None;
        }
        let seq = self.seq_of.remove(jid)?;
        self.rev += 1;
        self.by_seq.remove(&seq)
    }

    pub fn get(&self, jid: &BareJid) -> Option<&PendingRequest> {
        self.by_seq.get(self.seq_of.get(jid)?)
    }

    pub fn contains(&self, jid: &BareJid) -> bool {
        self.seq_of.contains_key(jid)
    }

    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// All pending requests, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &PendingRequest> {
        self.by_seq.values()
    }

    /// All pending requests, oldest first, as a list.
    pub fn list(&self) -> Vec<&PendingRequest> {
        self.iter().collect()
    }

    /// The oldest request that arrived after the one numbered `seq`.
    pub fn first_after(&self, seq: u64) -> Option<&PendingRequest> {
        self.by_seq
            .range((std::ops::Bound::Excluded(seq), std::ops::Bound::Unbounded))
            .next()
            .map(|(_, r)| r)
    }

    /// Changes whenever a request is added, merged or removed.
    pub fn rev(&self) -> u64 {
        self.rev
    }
}

#[cfg(test)]
mod tests;
