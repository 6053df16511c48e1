//! Inbound subscription requests waiting for the user's answer (SUB-04,
//! SUB-07): one entry per bare JID however often the server redelivers the
//! request, kept until approved or denied, in arrival order.

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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// SUB-07: the same request twice is one prompt.
    #[test]
    fn sub_07_requests_merge() {
        let mut pending = PendingRequests::default();
        let romeo = BareJid::new("romeo@example.net").unwrap();
        assert!(pending.add(romeo.clone(), Some("It's Romeo".into())));
        assert!(!pending.add(romeo.clone(), None));
        assert_eq!(pending.len(), 1);
        assert_eq!(pending.list()[0].greeting.as_deref(), Some("It's Romeo"));
        assert!(pending.remove(&romeo).is_some());
        assert!(pending.is_empty());
    }

    /// Requests list in arrival order without sorting; a request made again
    /// after it was answered counts as new.
    #[test]
    fn requests_keep_arrival_order() {
        let mut pending = PendingRequests::default();
        let jids: Vec<BareJid> = ["c@x", "a@x", "b@x"]
            .iter()
            .map(|j| BareJid::new(j).unwrap())
            .collect();
        for jid in &jids {
            pending.add(jid.clone(), None);
        }
        let listed: Vec<_> = pending.iter().map(|r| r.jid.as_str()).collect();
        assert_eq!(listed, ["c@x", "a@x", "b@x"]);
        let first = pending.first_after(0).unwrap().seq();
        assert_eq!(pending.first_after(first).unwrap().jid, jids[1]);
        let rev = pending.rev();
        pending.remove(&jids[0]);
        assert!(pending.rev() > rev);
        pending.add(jids[0].clone(), None);
        let last = pending.iter().last().unwrap();
        assert_eq!(last.jid, jids[0]);
        assert!(last.seq() > first);
        assert_eq!(pending.get(&jids[2]).unwrap().jid, jids[2]);
    }
}
