//! Blocking communication (RFC 3921 §10 = XEP-0016 privacy lists, and
//! XEP-0191's blocking command) as the store keeps it: what the server
//! offers (NEW-10, PRIV-01), the blocklist (BLK-*), the privacy list names
//! with the active and default markers, the lists we fetched, and commands
//! in flight.
//!
//! Every change goes to the server first and comes back as a result or a
//! push; the store never assumes a change it has not seen confirmed. A
//! command that needs several requests (blocking through a privacy list:
//! fetch, save the whole list, activate, make default) is a [`Job`] whose
//! steps run one after another, each started by the previous reply.

pub mod jobs;
pub mod update;

use std::collections::{HashMap, VecDeque};

use jid::{BareJid, Jid};

use crate::xmpp::query::Query;
use crate::xmpp::stanza::blocking;
use crate::xmpp::stanza::privacy::{
    ItemType, ListNames, PrivacyAction, PrivacyItem, PrivacyList, StanzaKind,
};

/// The list `/block` manages on servers without the blocking command.
pub const BLOCK_LIST: &str = "balcony-blocked";

/// What the server offers, from disco#info (PRIV-01, BLK-01).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Support {
    /// False until the disco#info answer arrived.
    pub known: bool,
    pub privacy_lists: bool,
    pub blocking: bool,
}

/// One request of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Fetch a list into the store (a missing list counts as empty when
    /// `missing_ok`).
    Fetch {
        name: String,
        missing_ok: bool,
    },
    /// Fetch the names with their active/default markers.
    Names,
    /// Send a whole list, built from the fetched one by the edit.
    Save {
        name: String,
        edit: Edit,
    },
    Remove {
        name: String,
    },
    Active {
        name: Option<String>,
    },
    Default {
        name: Option<String>,
    },
    Block {
        jids: Vec<Jid>,
    },
    /// `jids` empty: unblock all.
    Unblock {
        jids: Vec<Jid>,
    },
    Blocklist,
    /// A decision taken when the job reaches it, from the names and lists
    /// the steps before it fetched; it becomes zero or more steps and sends
    /// nothing itself.
    Plan(Plan),
}

/// What a [`Step::Plan`] decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// PRIV-13: stop using list `name` in this session (decline it where it
    /// is our active or default list) so the server lets us delete it.
    Release { name: String },
    /// PRIV-18: put a deny rule for this JID at the top of the lists in
    /// force, never replacing them; `balcony-blocked` only where none is.
    Block(Jid),
    /// PRIV-18: drop the deny rules for these JIDs (all of them when
    /// empty) from the lists in force and `balcony-blocked`.
    Unblock(Vec<Jid>),
    /// PRIV-18: when `balcony-blocked` denies nobody any more, stop using it
    /// and delete it, which gives back the state before the first `/block`.
    Tidy,
    /// Delete `name` unless this session still uses it.
    DropUnused { name: String },
}

/// How a `Save` step changes the list it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Replace the whole list (the editor's save).
    Replace(PrivacyList),
    /// Add or replace the rule with this order.
    PutRule(PrivacyItem),
    /// Drop the rule with this order.
    DropRule(u32),
    /// Add a deny-everything rule for this JID before the others.
    DenyJid(Jid),
    /// Drop every deny rule for exactly this JID (`type='jid'`).
    AllowJid(Jid),
    /// Drop every deny rule of `type='jid'` (unblock everyone).
    AllowAll,
}

/// A user command in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub tag: u64,
    pub command: String,
    pub steps: VecDeque<Step>,
    /// Said when the job ends well.
    pub done_text: String,
    /// Steps whose failure is reported but does not stop the job (making a
    /// blocking list the default while another session uses the default).
    pub soft: Vec<String>,
    /// Set by [`Plan::Release`]: what the job declined, put back if the job
    /// fails later (PRIV-13: the delete was refused after all).
    pub restore: Vec<Step>,
    /// True while the job declines lists that [`Job::restore`] should give
    /// back.
    pub restorable: bool,
}

impl Job {
    pub fn new(tag: u64, command: &str, steps: Vec<Step>, done_text: &str) -> Job {
        Job {
            tag,
            command: command.to_owned(),
            steps: steps.into(),
            done_text: done_text.to_owned(),
            soft: Vec::new(),
            restore: Vec::new(),
            restorable: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct Privacy {
    pub support: Support,
    pub names: Option<ListNames>,
    /// Lists fetched this session, by name.
    pub lists: HashMap<String, PrivacyList>,
    /// The blocklist, once fetched (BLK-02).
    pub blocklist: Option<Vec<Jid>>,
    /// Jobs by tag; at most a few run at once.
    pub jobs: HashMap<u64, Job>,
    /// The active list we chose last (PRIV-14, PRIV-15). Active lists
    /// belong to a session, so after a reconnect this one is activated
    /// again before initial presence (PRIV-25). Kept across [`reset`].
    ///
    /// [`reset`]: Privacy::reset
    pub wanted_active: Option<String>,
    /// Initial presence waits for the privacy set-up (PRIV-25): from login
    /// until [`Privacy::wanted_active`] is active again, or cannot be.
    pub hold_presence: bool,
    /// The login job that re-activates [`Privacy::wanted_active`].
    pub setup_job: Option<u64>,
}

impl Privacy {
    /// Forgets what belonged to the session (active list, fetched data).
    pub fn reset(&mut self) {
        *self = Privacy {
            jobs: std::mem::take(&mut self.jobs),
            wanted_active: self.wanted_active.take(),
            ..Privacy::default()
        };
    }

    /// True when saving `edit` to `name` would change what the server
    /// holds. Blocking edits that change nothing are not sent (no push, no
    /// empty list created by an unblock).
    pub fn save_changes(&self, name: &str, edit: &Edit) -> bool {
        match (edit, self.lists.get(name)) {
            (Edit::AllowJid(_) | Edit::AllowAll, None) => false,
            (Edit::DenyJid(_) | Edit::AllowJid(_) | Edit::AllowAll, Some(list)) => {
                self.edited(name, edit) != *list
            }
            _ => true,
        }
    }

    /// The JIDs the list in force denies by a `type='jid'` rule: what
    /// `/blocklist` shows without the blocking command.
    pub fn denied_jids(&self) -> Vec<String> {
        self.list_in_force()
            .map(|l| {
                l.items
                    .iter()
                    .filter(|i| is_jid_deny(i, None))
                    .filter_map(|i| i.value.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The list that governs this session: the active one, else the
    /// default (PRIV-18: lists do not stack).
    pub fn list_in_force(&self) -> Option<&PrivacyList> {
        let names = self.names.as_ref()?;
        let name = names.active.as_ref().or(names.default.as_ref())?;
        self.lists.get(name)
    }

    /// True when `jid` is blocked by the blocklist, or when the rule of the
    /// list in force that decides for stanzas of `kind` denies them
    /// (PRIV-22: a rule for presence alone never decides for a message).
    pub fn blocks(
        &self,
        kind: StanzaKind,
        jid: &Jid,
        groups: &[String],
        subscription: &str,
    ) -> bool {
        if let Some(list) = &self.blocklist
            && blocking::is_blocked(list, jid)
        {
            return true;
        }
        self.list_in_force()
            .and_then(|list| list.first_match(kind, jid, groups, subscription))
            .is_some_and(|item| item.action == PrivacyAction::Deny)
    }

    /// BLK-06: how to undo what blocks messages to and from `jid`: the
    /// command for the blocklist entry or the deny rule that matches, or
    /// where to look when the rule names no address.
    pub fn unblock_hint(&self, jid: &Jid, groups: &[String], subscription: &str) -> Option<String> {
        if let Some(entry) = self
            .blocklist
            .iter()
            .flatten()
            .find(|entry| crate::xmpp::stanza::privacy::jid_matches(entry, jid))
        {
            return Some(format!("/unblock {entry} to unblock"));
        }
        let list = self.list_in_force()?;
        let item = list
            .first_match(StanzaKind::Message, jid, groups, subscription)
            .filter(|item| item.action == PrivacyAction::Deny)?;
        Some(match (item.kind, &item.value) {
            (Some(ItemType::Jid), Some(value)) => format!("/unblock {value} to unblock"),
            _ => format!(
                "rule {} of your list {} blocks it: /privacy show {}, or P to edit",
                item.order, list.name, list.name
            ),
        })
    }

    /// Applies a block push or unblock push (BLK-05).
    pub fn apply_block_push(&mut self, push: blocking::BlockPush) {
        let list = self.blocklist.get_or_insert_with(Vec::new);
        match push {
            blocking::BlockPush::Block(jids) => {
                for jid in jids {
                    if !list.contains(&jid) {
                        list.push(jid);
                    }
                }
            }
            blocking::BlockPush::Unblock(jids) if jids.is_empty() => list.clear(),
            blocking::BlockPush::Unblock(jids) => list.retain(|j| !jids.contains(j)),
        }
    }

    /// The list `Save` would send for `edit`, from the fetched list.
    pub fn edited(&self, name: &str, edit: &Edit) -> PrivacyList {
        let mut list = self.lists.get(name).cloned().unwrap_or(PrivacyList {
            name: name.to_owned(),
            items: Vec::new(),
        });
        match edit {
            Edit::Replace(new) => return new.clone(),
            Edit::PutRule(item) => {
                list.items.retain(|i| i.order != item.order);
                list.items.push(item.clone());
            }
            Edit::DropRule(order) => list.items.retain(|i| i.order != *order),
            Edit::DenyJid(jid) => {
                let value = jid.to_string();
                if !list.items.iter().any(|i| {
                    i.value.as_deref() == Some(value.as_str()) && i.action == PrivacyAction::Deny
                }) {
                    // Ahead of every other rule, then a fall-through allow
                    // so only this JID is affected (PRIV-08, PRIV-24).
                    list.renumber();
                    let mut deny = PrivacyList::deny_jid(name, std::slice::from_ref(jid));
                    let mut item = deny.items.remove(0);
                    item.order = 1;
                    list.items.insert(0, item);
                    if !list.items.iter().any(|i| i.kind.is_none())
                        && let Some(allow) = deny.items.pop()
                    {
                        list.items.push(allow);
                    }
                    list.renumber();
                }
            }
            Edit::AllowJid(jid) => {
                let value = jid.to_string();
                list.items.retain(|i| !is_jid_deny(i, Some(&value)));
            }
            Edit::AllowAll => list.items.retain(|i| !is_jid_deny(i, None)),
        }
        // PRIV-11: an empty list would mean "delete"; what is left of a list
        // that only blocked is one that allows everyone.
        if list.items.is_empty() && matches!(edit, Edit::AllowJid(_) | Edit::AllowAll) {
            list.items
                .push(PrivacyItem::fall_through(PrivacyAction::Allow, 10));
        }
        list.items.sort_by_key(|i| i.order);
        list
    }
}

/// A `type='jid'` deny rule, for `value` or any.
fn is_jid_deny(item: &PrivacyItem, value: Option<&str>) -> bool {
    item.kind == Some(ItemType::Jid)
        && item.action == PrivacyAction::Deny
        && value.is_none_or(|v| item.value.as_deref() == Some(v))
}

/// The query a step sends (`Fetch` of a list, the names…); `None` for a
/// [`Step::Plan`], which sends nothing.
pub fn step_query(privacy: &Privacy, step: &Step) -> Option<Query> {
    Some(match step {
        Step::Fetch { name, .. } => Query::PrivacyList(name.clone()),
        Step::Names => Query::PrivacyNames,
        Step::Save { name, edit } => Query::PrivacySet(privacy.edited(name, edit)),
        Step::Remove { name } => Query::PrivacyRemove(name.clone()),
        Step::Active { name } => Query::PrivacyActive(name.clone()),
        Step::Default { name } => Query::PrivacyDefault(name.clone()),
        Step::Block { jids } => Query::Block(jids.clone()),
        Step::Unblock { jids } => Query::Unblock(jids.clone()),
        Step::Blocklist => Query::Blocklist,
        Step::Plan(_) => return None,
    })
}

/// Short text naming a step, for "failed at …" messages.
pub fn step_label(step: &Step) -> String {
    match step {
        Step::Fetch { name, .. } => format!("fetching list {name}"),
        Step::Names => "fetching the list names".into(),
        Step::Save { name, .. } => format!("saving list {name}"),
        Step::Remove { name } => format!("deleting list {name}"),
        Step::Active { name: Some(n) } => format!("making {n} the active list"),
        Step::Active { name: None } => "declining the active list".into(),
        Step::Default { name: Some(n) } => format!("making {n} the default list"),
        Step::Default { name: None } => "declining the default list".into(),
        Step::Block { .. } => "blocking".into(),
        Step::Unblock { .. } => "unblocking".into(),
        Step::Blocklist => "fetching the blocklist".into(),
        Step::Plan(_) => "planning".into(),
    }
}

/// The subscription value a privacy rule sees for a roster contact (or
/// "none" for someone outside the roster, PRIV-06).
pub fn subscription_of(state: &crate::app::State, jid: &BareJid) -> (Vec<String>, String) {
    match state.roster.get(jid) {
        Some(item) => (
            state.roster.group_names(item).map(str::to_owned).collect(),
            match item.subscription {
                crate::xmpp::stanza::roster::Subscription::Both => "both",
                crate::xmpp::stanza::roster::Subscription::To => "to",
                crate::xmpp::stanza::roster::Subscription::From => "from",
                _ => "none",
            }
            .to_owned(),
        ),
        None => (Vec::new(), "none".to_owned()),
    }
}
