//! The `http://jabber.org/protocol/muc#admin` query (XEP-0045 §8, §9):
//! what a moderator or admin sets on one occupant or user.
//!
//! A role change names an occupant by `nick` (kick is role `none`, voice is
//! `participant`, MUC-36, MUC-37); an affiliation change names a user by
//! bare `jid` (a ban is `outcast`, MUC-38, MUC-39). One `<item/>` never
//! carries both, which rooms answer with `bad-request`: [`AdminItem`] can
//! only hold one of them. Only syntax lives here; who may do what is the
//! app's `room::moderation`.

use jid::{BareJid, Jid};

use super::user::Item;
use super::{Affiliation, Role};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// One change a muc#admin set asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminItem {
    /// A new role for the occupant called `nick` (§8.2…§8.6).
    Role {
        nick: String,
        role: Role,
        reason: Option<String>,
    },
    /// A new affiliation for the user `jid` (§9.1…§10.8).
    Affiliation {
        jid: BareJid,
        affiliation: Affiliation,
        reason: Option<String>,
    },
}

impl AdminItem {
    /// The `<item/>` in the muc#admin namespace.
    pub fn to_item(&self) -> Item {
        match self {
            AdminItem::Role { nick, role, reason } => Item {
                nick: Some(nick.clone()),
                role: Some(*role),
                reason: reason.clone(),
                ..Item::default()
            },
            AdminItem::Affiliation {
                jid,
                affiliation,
                reason,
            } => Item {
                jid: Some(Jid::from(jid.clone())),
                affiliation: Some(*affiliation),
                reason: reason.clone(),
                ..Item::default()
            },
        }
    }
}

/// The `<query/>` of a muc#admin set holding `item`.
pub fn set(item: &AdminItem) -> Element {
    Element::new("query", ns::MUC_ADMIN).with_child(item.to_item().to_element(ns::MUC_ADMIN))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// MUC-36: a kick is role `none` by nick, with its reason.
    #[test]
    fn kick_names_the_nick_and_role_none() {
        let query = set(&AdminItem::Role {
            nick: "tybalt".into(),
            role: Role::None,
            reason: Some("brawling".into()),
        });
        assert!(query.is("query", ns::MUC_ADMIN));
        let item = query.child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(item.attr("nick"), Some("tybalt"));
        assert_eq!(item.attr("role"), Some("none"));
        assert_eq!(item.attr("affiliation"), None);
        assert_eq!(item.attr("jid"), None);
        assert_eq!(
            item.child("reason", ns::MUC_ADMIN)
                .map(|r| r.text())
                .as_deref(),
            Some("brawling")
        );
    }

    /// MUC-38, MUC-39: a ban is affiliation `outcast` by bare JID, never
    /// with a nick or role beside it.
    #[test]
    fn ban_names_the_bare_jid_only() {
        let query = set(&AdminItem::Affiliation {
            jid: BareJid::new("tybalt@example.com").unwrap(),
            affiliation: Affiliation::Outcast,
            reason: None,
        });
        let item = query.child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(item.attr("affiliation"), Some("outcast"));
        assert_eq!(item.attr("jid"), Some("tybalt@example.com"));
        assert_eq!(item.attr("nick"), None);
        assert_eq!(item.attr("role"), None);
    }
}
