//! Privacy lists, `<query xmlns='jabber:iq:privacy'/>` (RFC 3921 §10
//! "Blocking Communication", copied word for word into XEP-0016 v1.4;
//! checklist §8, PRIV-01..26): building the get and set payloads, reading
//! names, lists and pushes, checking a list before it is sent, and matching
//! a JID against a list the way the server does.
//!
//! This module holds the list model (items, lists, names) and the ways to
//! build one. The jobs below it, re-exported here:
//! - `codec`: the wire form, parsing and serialising items, lists and the
//!   IQ payloads;
//! - `matching`: which item applies to a stanza from or to a JID, if any;
//! - `problem`: checking a list before it is sent, and the sentences that
//!   explain each problem.
//!
//! Syntax and pure list logic only. Which list is in force, what a push
//! means for the store and how errors reach the user belong to
//! `crate::app`; this module must not import it, nor `crate::ui`.
//!
//! Reading is strict per item, unlike the roster: an edit sends the whole
//! list back (PRIV-09), so a silently dropped item would be deleted on the
//! next save. A list with a bad item is an error the caller shows.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use jid::Jid;

use super::{ParseError, quoted};

mod codec;
mod matching;
mod problem;

pub use codec::{
    get_list, get_names, parse_list, parse_names, parse_push, remove_list, set_active, set_default,
    set_list,
};
pub use matching::{StanzaKind, jid_matches};
pub use problem::Problem;

/// The longest list name [`PrivacyList::validate`] accepts, in bytes. The
/// protocol sets no limit; this is the JID part limit, so a name always fits
/// what servers store.
pub const MAX_NAME_BYTES: usize = 1023;

/// The `type` attribute of an item (PRIV-05). An item without one is the
/// fall-through item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemType {
    Jid,
    Group,
    Subscription,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Jid => "jid",
            ItemType::Group => "group",
            ItemType::Subscription => "subscription",
        }
    }
}

impl FromStr for ItemType {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jid" => Ok(ItemType::Jid),
            "group" => Ok(ItemType::Group),
            "subscription" => Ok(ItemType::Subscription),
            other => Err(ParseError::Invalid(format!(
                "unknown privacy item type {:?}",
                quoted(other)
            ))),
        }
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The required `action` attribute of an item (PRIV-05).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrivacyAction {
    Allow,
    Deny,
}

impl PrivacyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PrivacyAction::Allow => "allow",
            PrivacyAction::Deny => "deny",
        }
    }
}

impl FromStr for PrivacyAction {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(PrivacyAction::Allow),
            "deny" => Ok(PrivacyAction::Deny),
            other => Err(ParseError::Invalid(format!(
                "unknown privacy item action {:?}",
                quoted(other)
            ))),
        }
    }
}

impl fmt::Display for PrivacyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stanza kinds an item covers: its `<message/>`, `<iq/>`,
/// `<presence-in/>` and `<presence-out/>` children (PRIV-05).
///
/// All false (no children) means *every* kind, subscription presence
/// included. That is broader than all four true, because `presence-in`
/// covers presence notifications only, not subscription requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StanzaKinds {
    pub message: bool,
    pub iq: bool,
    pub presence_in: bool,
    pub presence_out: bool,
}

impl StanzaKinds {
    /// True when the item has no children and so applies to every stanza.
    pub fn is_all(&self) -> bool {
        !(self.message || self.iq || self.presence_in || self.presence_out)
    }
}

/// One `<item/>` of a list (PRIV-05, PRIV-06).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacyItem {
    /// `None` is the fall-through item: it matches everyone (PRIV-08).
    pub kind: Option<ItemType>,
    /// A JID, a roster group or a subscription state, as `kind` says. Kept
    /// as text so a list the server holds can be shown and re-sent exactly.
    pub value: Option<String>,
    pub action: PrivacyAction,
    /// Unique within the list (PRIV-07); the lowest matching order decides.
    pub order: u32,
    pub stanzas: StanzaKinds,
}

impl PrivacyItem {
    /// A fall-through item covering every stanza kind.
    pub fn fall_through(action: PrivacyAction, order: u32) -> PrivacyItem {
        PrivacyItem {
            kind: None,
            value: None,
            action,
            order,
            stanzas: StanzaKinds::default(),
        }
    }

    /// A `type='jid'` item covering every stanza kind.
    pub fn for_jid(jid: &Jid, action: PrivacyAction, order: u32) -> PrivacyItem {
        PrivacyItem {
            kind: Some(ItemType::Jid),
            value: Some(jid.to_string()),
            ..PrivacyItem::fall_through(action, order)
        }
    }
}

/// One privacy list with its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacyList {
    pub name: String,
    /// Sorted by `order` once parsed.
    pub items: Vec<PrivacyItem>,
}

impl PrivacyList {
    /// Sorts by order, then renumbers 10, 20, 30… keeping the relative
    /// order, so a new item fits between any two (PRIV-07).
    pub fn renumber(&mut self) {
        self.items.sort_by_key(|item| item.order);
        for (index, item) in self.items.iter_mut().enumerate() {
            let step = u32::try_from(index + 1).unwrap_or(u32::MAX);
            item.order = step.saturating_mul(10);
        }
    }

    /// The simplest list for "block these" (in the spirit of PRIV-24): one
    /// deny item per JID for every stanza kind, then a fall-through allow
    /// last (PRIV-08), so nobody else is affected. Repeated JIDs are written
    /// once.
    pub fn deny_jid(name: &str, jids: &[Jid]) -> PrivacyList {
        let mut seen: HashSet<&Jid> = HashSet::new();
        let mut items: Vec<PrivacyItem> = jids
            .iter()
            .filter(|jid| seen.insert(*jid))
            .map(|jid| PrivacyItem::for_jid(jid, PrivacyAction::Deny, 0))
            .collect();
        items.push(PrivacyItem::fall_through(PrivacyAction::Allow, 0));
        let mut list = PrivacyList {
            name: name.to_owned(),
            items,
        };
        list.renumber();
        list
    }
}

/// The names the server holds (PRIV-02), with the active and default
/// markers. Any part may be absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListNames {
    pub active: Option<String>,
    pub default: Option<String>,
    pub lists: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
