//! Roster commands in flight. A roster set is done for the user when its
//! push has been applied, not merely when the server said "result": RFC
//! 3921 §7.5 (ROS-06) sends both, in either order, and only the push changes
//! the store. Reporting at the push means the next command sees the change.

use jid::BareJid;

use crate::xmpp::stanza::presence::Presence;
use crate::xmpp::stanza::roster::{RosterItem, Subscription};

/// What the push that reflects an operation looks like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// An item with this name and these groups (a set: order is not kept).
    Item {
        name: Option<String>,
        groups: Vec<String>,
    },
    Removed,
}

impl Expected {
    pub fn item(item: &RosterItem) -> Expected {
        let mut groups = item.groups.clone();
        groups.sort();
        Expected::Item {
            name: item.name.clone(),
            groups,
        }
    }

    fn matches(&self, push: &RosterItem) -> bool {
        match self {
            Expected::Removed => push.subscription == Subscription::Remove,
            Expected::Item { name, groups } => {
                let mut pushed = push.groups.clone();
                pushed.sort();
                push.subscription != Subscription::Remove && push.name == *name && pushed == *groups
            }
        }
    }
}

/// One roster set waiting for its result and its push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterOp {
    pub tag: u64,
    pub command: String,
    pub jid: BareJid,
    pub expected: Expected,
    /// Sent once the set has succeeded (the `subscribe` after `/add`).
    pub then: Option<Presence>,
    result_ok: bool,
    pushed: bool,
}

/// What a finished operation reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub tag: u64,
    pub command: String,
    pub then: Option<Presence>,
}

#[derive(Debug, Default)]
pub struct RosterOps {
    ops: Vec<RosterOp>,
}

impl RosterOps {
    pub fn start(
        &mut self,
        tag: u64,
        command: String,
        jid: BareJid,
        expected: Expected,
        then: Option<Presence>,
    ) {
        self.ops.push(RosterOp {
            tag,
            command,
            jid,
            expected,
            then,
            result_ok: false,
            pushed: false,
        });
    }

    /// The server accepted the set; finished if its push came first.
    pub fn result(&mut self, tag: u64) -> Option<Finished> {
        let index = self.ops.iter().position(|op| op.tag == tag)?;
        self.ops[index].result_ok = true;
        self.finish_if_done(index)
    }

    /// The set failed: the operation ends without a push.
    pub fn failed(&mut self, tag: u64) -> Option<RosterOp> {
        let index = self.ops.iter().position(|op| op.tag == tag)?;
        Some(self.ops.remove(index))
    }

    /// A push was applied: operations it reflects are marked, and those
    /// that already have their result are finished. Other pushes for the
    /// same contact (a subscription change, another client) do not count.
    pub fn pushed(&mut self, item: &RosterItem) -> Vec<Finished> {
        let mut finished = Vec::new();
        let mut index = 0;
        while index < self.ops.len() {
            let op = &self.ops[index];
            if op.jid == item.jid && !op.pushed && op.expected.matches(item) {
                self.ops[index].pushed = true;
                if let Some(done) = self.finish_if_done(index) {
                    finished.push(done);
                    continue;
                }
            }
            index += 1;
        }
        finished
    }

    /// The connection ended: whatever had its result is reported done.
    pub fn drain(&mut self) -> Vec<(RosterOp, bool)> {
        self.ops
            .drain(..)
            .map(|op| {
                let ok = op.result_ok;
                (op, ok)
            })
            .collect()
    }

    fn finish_if_done(&mut self, index: usize) -> Option<Finished> {
        let op = &self.ops[index];
        if !(op.result_ok && op.pushed) {
            return None;
        }
        let op = self.ops.remove(index);
        Some(Finished {
            tag: op.tag,
            command: op.command,
            then: op.then,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn jid() -> BareJid {
        BareJid::new("romeo@example.net").unwrap()
    }

    fn item(name: Option<&str>, groups: &[&str]) -> RosterItem {
        let mut item = RosterItem::new(jid());
        item.name = name.map(str::to_owned);
        item.groups = groups.iter().map(|g| g.to_string()).collect();
        item
    }

    /// ROS-06: result then push, or push then result: done at the second.
    #[test]
    fn ros_06_done_after_both_in_either_order() {
        let mut ops = RosterOps::default();
        let wanted = item(Some("Romeo"), &["b", "a"]);
        ops.start(1, "/add".into(), jid(), Expected::item(&wanted), None);
        assert_eq!(ops.result(1), None);
        assert_eq!(ops.pushed(&item(Some("Romeo"), &["a", "b"])).len(), 1);

        ops.start(
            2,
            "/rename".into(),
            jid(),
            Expected::item(&item(None, &[])),
            None,
        );
        assert!(ops.pushed(&item(None, &[])).is_empty());
        assert_eq!(ops.result(2).map(|f| f.tag), Some(2));
        assert!(ops.drain().is_empty());
    }

    /// A push for the same contact that does not reflect the operation
    /// (here: the old name with a new `ask`) does not finish it.
    #[test]
    fn unrelated_push_does_not_finish() {
        let mut ops = RosterOps::default();
        ops.start(
            1,
            "/rename".into(),
            jid(),
            Expected::item(&item(Some("New"), &[])),
            None,
        );
        let mut stale = item(Some("Old"), &[]);
        stale.ask = true;
        assert!(ops.pushed(&stale).is_empty());
        assert_eq!(ops.result(1), None);
        assert_eq!(ops.pushed(&item(Some("New"), &[])).len(), 1);
    }

    #[test]
    fn failure_ends_the_operation() {
        let mut ops = RosterOps::default();
        ops.start(1, "/remove".into(), jid(), Expected::Removed, None);
        assert!(ops.failed(1).is_some());
        let mut removed = item(None, &[]);
        removed.subscription = Subscription::Remove;
        assert!(ops.pushed(&removed).is_empty());
    }
}
