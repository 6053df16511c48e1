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

use std::collections::{HashMap, VecDeque};

use jid::{BareJid, Jid};

use crate::xmpp::element::Element;
use crate::xmpp::stanza::blocking;
use crate::xmpp::stanza::privacy::{ListNames, PrivacyAction, PrivacyItem, PrivacyList};

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
    /// Drop every rule naming this JID.
    AllowJid(Jid),
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
}

impl Privacy {
    /// Forgets what belonged to the session (active list, fetched data).
    pub fn reset(&mut self) {
        *self = Privacy {
            jobs: std::mem::take(&mut self.jobs),
            ..Privacy::default()
        };
    }

    /// The list that governs this session: the active one, else the
    /// default (PRIV-18: lists do not stack).
    pub fn list_in_force(&self) -> Option<&PrivacyList> {
        let names = self.names.as_ref()?;
        let name = names.active.as_ref().or(names.default.as_ref())?;
        self.lists.get(name)
    }

    /// True when `jid` is blocked by the blocklist, or denied every stanza
    /// kind (or messages) by the first matching rule of the list in force.
    pub fn blocks(&self, jid: &Jid, groups: &[String], subscription: &str) -> bool {
        if let Some(list) = &self.blocklist
            && blocking::is_blocked(list, jid)
        {
            return true;
        }
        self.list_in_force()
            .and_then(|list| list.first_match(jid, groups, subscription))
            .is_some_and(|item| {
                item.action == PrivacyAction::Deny
                    && (item.stanzas.is_all() || item.stanzas.message)
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
                list.items
                    .retain(|i| i.value.as_deref() != Some(value.as_str()));
            }
        }
        list.items.sort_by_key(|i| i.order);
        list
    }
}

/// The payload a step sends (`Fetch` of a list, the names…).
pub fn step_payload(privacy: &Privacy, step: &Step) -> (Element, bool) {
    use crate::xmpp::stanza::privacy as p;
    match step {
        Step::Fetch { name, .. } => (p::get_list(name), false),
        Step::Names => (p::get_names(), false),
        Step::Save { name, edit } => (p::set_list(&privacy.edited(name, edit)), true),
        Step::Remove { name } => (p::remove_list(name), true),
        Step::Active { name } => (p::set_active(name.as_deref()), true),
        Step::Default { name } => (p::set_default(name.as_deref()), true),
        Step::Block { jids } => (blocking::block(jids), true),
        Step::Unblock { jids } => (blocking::unblock(jids), true),
        Step::Blocklist => (blocking::get_blocklist(), false),
    }
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
    }
}

/// The subscription value a privacy rule sees for a roster contact (or
/// "none" for someone outside the roster, PRIV-06).
pub fn subscription_of(state: &super::State, jid: &BareJid) -> (Vec<String>, String) {
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
