//! The `http://jabber.org/protocol/muc#admin` query (XEP-0045 §8, §9):
//! what a moderator or admin sets on one occupant or user.
//!
//! A role change names an occupant by `nick` (kick is role `none`, voice is
//! `participant`, MUC-36, MUC-37); an affiliation change names a user by
//! bare `jid` (a ban is `outcast`, MUC-38, MUC-39). One `<item/>` never
//! carries both, which rooms answer with `bad-request`: [`AdminItem`] can
//! only hold one of them. A get naming one affiliation or role fetches
//! that list ([`ListKind`], MUC-35, MUC-39), read back by [`parse_list`].
//! Only syntax lives here; who may do what is the app's
//! `room::moderation`.

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

/// The most entries of one list kept (a hostile room may send any number).
pub const MAX_LIST: usize = 2000;

/// Which list a muc#admin get asks for: one affiliation or one role
/// (MUC-39; `none` and `visitor` are no lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Affiliation(Affiliation),
    Role(Role),
}

impl ListKind {
    /// `outcast`, `member`, `admin`, `owner`, `moderator` or
    /// `participant`; anything else is no list.
    pub fn parse(word: &str) -> Option<ListKind> {
        match word.parse::<Affiliation>() {
            Ok(Affiliation::None) => None,
            Ok(affiliation) => Some(ListKind::Affiliation(affiliation)),
            Err(_) => match word.parse::<Role>() {
                Ok(role @ (Role::Moderator | Role::Participant)) => Some(ListKind::Role(role)),
                _ => None,
            },
        }
    }
}

impl std::fmt::Display for ListKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListKind::Affiliation(affiliation) => write!(f, "{affiliation}"),
            ListKind::Role(role) => write!(f, "{role}"),
        }
    }
}

/// The `<query/>` of a muc#admin get for one list (MUC-35, MUC-39).
pub fn get_list(kind: ListKind) -> Element {
    let item = match kind {
        ListKind::Affiliation(affiliation) => Item {
            affiliation: Some(affiliation),
            ..Item::default()
        },
        ListKind::Role(role) => Item {
            role: Some(role),
            ..Item::default()
        },
    };
    Element::new("query", ns::MUC_ADMIN).with_child(item.to_element(ns::MUC_ADMIN))
}

/// The items of a muc#admin list result, at most [`MAX_LIST`]; a result
/// without the query is an empty list.
pub fn parse_list(query: Option<&Element>) -> Vec<Item> {
    query
        .filter(|q| q.is("query", ns::MUC_ADMIN))
        .map(|q| {
            q.children_named("item", ns::MUC_ADMIN)
                .take(MAX_LIST)
                .map(|item| Item::parse(item, ns::MUC_ADMIN))
                .collect()
        })
        .unwrap_or_default()
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

    /// MUC-35, MUC-39: a list get names one affiliation or role only.
    #[test]
    fn list_get_names_one_affiliation_or_role() {
        let query = get_list(ListKind::Affiliation(Affiliation::Member));
        let item = query.child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(item.attr("affiliation"), Some("member"));
        assert_eq!(item.attr("role"), None);
        let query = get_list(ListKind::Role(Role::Moderator));
        let item = query.child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(item.attr("role"), Some("moderator"));
        assert_eq!(item.attr("affiliation"), None);
        assert_eq!(
            ListKind::parse("outcast"),
            Some(ListKind::Affiliation(Affiliation::Outcast))
        );
        assert_eq!(
            ListKind::parse("participant"),
            Some(ListKind::Role(Role::Participant))
        );
        assert_eq!(ListKind::parse("none"), None);
        assert_eq!(ListKind::parse("visitor"), None);
    }

    /// MUC-39: a list result's items keep their JID, nick and reason.
    #[test]
    fn list_result_is_read_with_reasons() {
        let query = crate::xmpp::stanza::test_xml::parse(
            "<query xmlns='http://jabber.org/protocol/muc#admin'>\
             <item affiliation='outcast' jid='tybalt@example.com'><reason>brawling</reason></item>\
             <item affiliation='outcast' jid='paris@example.com'/></query>",
        );
        let items = parse_list(Some(&query));
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0].jid.as_ref().map(|j| j.to_string()).as_deref(),
            Some("tybalt@example.com")
        );
        assert_eq!(items[0].reason.as_deref(), Some("brawling"));
        assert!(parse_list(None).is_empty());
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
