//! Rule matching as the server does it (PRIV-06, PRIV-22; XEP-0016 §2.1):
//! whether an item covers a kind of stanza, whether it matches a JID given
//! that contact's roster groups and subscription, and which item of a list
//! decides. The same JID rule serves the XEP-0191 blocklist (BLK-07).

use jid::Jid;

use super::{ItemType, PrivacyItem, PrivacyList, StanzaKinds};

/// The four kinds of stanza an item can name (PRIV-05). Subscription
/// presence has no kind of its own: only an item without children covers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StanzaKind {
    /// Messages, inbound and outbound alike.
    Message,
    Iq,
    /// Presence notifications coming to us.
    PresenceIn,
    /// Presence notifications we send.
    PresenceOut,
}

impl StanzaKinds {
    /// True when the item applies to stanzas of `kind`: it names that kind,
    /// or names none and so covers all.
    pub fn covers(&self, kind: StanzaKind) -> bool {
        self.is_all()
            || match kind {
                StanzaKind::Message => self.message,
                StanzaKind::Iq => self.iq,
                StanzaKind::PresenceIn => self.presence_in,
                StanzaKind::PresenceOut => self.presence_out,
            }
    }
}

impl PrivacyItem {
    /// True when the server would apply this item to a stanza from or to
    /// `jid` (PRIV-06), given that contact's roster `groups` and
    /// `subscription` (`"none"` for someone outside the roster). Stanza
    /// kinds are not considered: the caller decides which kinds it cares
    /// about. A `value` that does not parse matches nothing.
    ///
    /// Used to tell the user "blocked by your privacy list" (PRIV-22) and to
    /// mark roster contacts.
    pub fn matches(&self, jid: &Jid, groups: &[String], subscription: &str) -> bool {
        let Some(kind) = self.kind else {
            return true;
        };
        let Some(value) = self.value.as_deref() else {
            return false;
        };
        match kind {
            ItemType::Jid => Jid::new(value).is_ok_and(|entry| jid_matches(&entry, jid)),
            ItemType::Group => groups.iter().any(|group| group == value),
            ItemType::Subscription => value == subscription,
        }
    }
}

/// True when a `type='jid'` entry covers `candidate`, by the four forms of
/// PRIV-06 (RFC 3921 §10): a full entry matches only that resource, a bare
/// one every resource of the account, `domain/resource` that resource at
/// any address of the domain, and a domain the domain and every address in
/// it. Subdomains are not included: ejabberd and Prosody compare the domain
/// exactly. Also the XEP-0191 blocklist rule (BLK-07).
pub fn jid_matches(entry: &Jid, candidate: &Jid) -> bool {
    if entry.domain().as_str() != candidate.domain().as_str() {
        return false;
    }
    let node_ok = match entry.node() {
        None => true,
        Some(node) => candidate.node().map(|n| n.as_str()) == Some(node.as_str()),
    };
    let resource_ok = match entry.resource() {
        None => true,
        Some(resource) => candidate.resource().map(|r| r.as_str()) == Some(resource.as_str()),
    };
    node_ok && resource_ok
}

impl PrivacyList {
    /// The item that decides for a stanza of `kind` from or to `jid`: the
    /// item with the lowest order that covers `kind` and matches (see
    /// [`PrivacyItem::matches`]). Items for other kinds are skipped, as the
    /// server skips them (XEP-0016 §2.1; PRIV-22). `None` means no item
    /// matched, and the server then allows (PRIV-08).
    pub fn first_match(
        &self,
        kind: StanzaKind,
        jid: &Jid,
        groups: &[String],
        subscription: &str,
    ) -> Option<&PrivacyItem> {
        // min_by_key keeps the first of equal orders, so an unsorted list
        // (one being edited) still gives the server's answer.
        self.items
            .iter()
            .filter(|item| item.stanzas.covers(kind) && item.matches(jid, groups, subscription))
            .min_by_key(|item| item.order)
    }
}
