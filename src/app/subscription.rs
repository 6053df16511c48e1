//! Inbound subscription requests waiting for the user's answer (SUB-04,
//! SUB-07): one entry per bare JID however often the server redelivers the
//! request, kept until approved or denied, in arrival order.

use std::collections::HashMap;

use jid::BareJid;

/// A request to see our presence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRequest {
    pub jid: BareJid,
    /// The `<status/>` that came with it: untrusted text (SEC-04).
    pub greeting: Option<String>,
    seq: u64,
}

/// Most requests kept waiting: a flood of requests from invented addresses
/// must not grow memory (or the prompt list) without bound.
pub const MAX_PENDING: usize = 1_000;

#[derive(Debug, Default)]
pub struct PendingRequests {
    by_jid: HashMap<BareJid, PendingRequest>,
    seq: u64,
}

impl PendingRequests {
    /// Records a request; a repeat merges (SUB-07), keeping the newest
    /// greeting. Returns true when the request is new.
    pub fn add(&mut self, jid: BareJid, greeting: Option<String>) -> bool {
        if let Some(existing) = self.by_jid.get_mut(&jid) {
            if greeting.is_some() {
                existing.greeting = greeting;
            }
            return false;
        }
        if self.by_jid.len() >= MAX_PENDING {
            tracing::warn!(%jid, "too many pending subscription requests; ignoring a new one");
            return false;
        }
        self.seq += 1;
        self.by_jid.insert(
            jid.clone(),
            PendingRequest {
                jid,
                greeting,
                seq: self.seq,
            },
        );
        true
    }

    pub fn remove(&mut self, jid: &BareJid) -> Option<PendingRequest> {
        self.by_jid.remove(jid)
    }

    pub fn contains(&self, jid: &BareJid) -> bool {
        self.by_jid.contains_key(jid)
    }

    pub fn len(&self) -> usize {
        self.by_jid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_jid.is_empty()
    }

    /// All pending requests, oldest first.
    pub fn list(&self) -> Vec<&PendingRequest> {
        let mut list: Vec<_> = self.by_jid.values().collect();
        list.sort_by_key(|r| r.seq);
        list
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
}
