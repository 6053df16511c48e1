//! The `http://jabber.org/protocol/muc#user` `<x/>` (XEP-0045 §15.2.2),
//! read from presence and messages and written back.
//!
//! Only a room produces it (MUC-14): the decoder says what the element
//! holds, and the app decides whether its sender is a room we are in.
//! Everything is bounded: at most [`MAX_ITEMS`] items, [`MAX_STATUSES`]
//! distinct codes and [`MAX_INVITES`] invitations are kept; reasons are cut
//! to [`MAX_REASON_BYTES`] and nicks to
//! [`cap::MAX_NAME_BYTES`]. A value that
//! does not parse (an unknown role, an invalid `jid`) is left out rather
//! than failing the whole stanza: the rest of a room's presence still
//! counts.

use jid::{BareJid, Jid};

use super::{Affiliation, Role, Status};
use crate::xmpp::element::Element;
use crate::xmpp::{cap, ns};

/// Items kept from one `<x/>`: a room sends one per presence.
pub const MAX_ITEMS: usize = 8;
/// Distinct status codes kept from one `<x/>`.
pub const MAX_STATUSES: usize = 16;
/// Invitations kept from one `<x/>`.
pub const MAX_INVITES: usize = 4;
/// Longest reason, password or thread id kept.
pub const MAX_REASON_BYTES: usize = 1024;

/// Who acted on an occupant (a kick, a ban, a role change).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub nick: Option<String>,
    pub jid: Option<Jid>,
}

/// An `<item/>`: one occupant's affiliation and role, and what the room
/// adds about a change of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    pub affiliation: Option<Affiliation>,
    pub role: Option<Role>,
    /// The occupant's real JID, when we may see it (MUC-14).
    pub jid: Option<Jid>,
    /// The new nick of a 303 nick change (MUC-15), or the nick an admin
    /// item names.
    pub nick: Option<String>,
    pub actor: Option<Actor>,
    pub reason: Option<String>,
}

/// A `<destroy/>`: the room is gone (MUC-27), maybe with a successor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Destroy {
    pub jid: Option<BareJid>,
    pub reason: Option<String>,
    pub password: Option<String>,
}

/// A mediated invitation (MUC-30, MUC-31): `from` on one we receive, `to`
/// on one we send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invite {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub reason: Option<String>,
    /// `<continue thread/>` (MUC-32): the 1:1 conversation this room
    /// continues; `Some("")` when `<continue/>` names no thread.
    pub continue_thread: Option<String>,
}

/// A declined invitation (MUC-30, MUC-31).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decline {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub reason: Option<String>,
}

/// A muc#user `<x/>`. [`MucUser::default`] is the empty one a private
/// message carries (MUC-22).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MucUser {
    pub items: Vec<Item>,
    /// Distinct codes, in the order read.
    pub statuses: Vec<Status>,
    pub destroy: Option<Destroy>,
    pub invites: Vec<Invite>,
    pub decline: Option<Decline>,
    /// The room's password, sent with an invitation.
    pub password: Option<String>,
}

fn text_of(element: &Element, name: &str, max: usize) -> Option<String> {
    element
        .child(name, ns::MUC_USER)
        .map(|child| cap::cut_owned(child.text(), max))
}

fn jid_of(element: &Element, attr: &str) -> Option<Jid> {
    element.attr(attr).and_then(|value| Jid::new(value).ok())
}

fn nick_of(element: &Element) -> Option<String> {
    element
        .attr("nick")
        .filter(|nick| !nick.trim().is_empty())
        .map(|nick| cap::cut_owned(nick.to_owned(), cap::MAX_NAME_BYTES))
}

fn text_child(name: &str, text: &str) -> Element {
    Element::new(name, ns::MUC_USER).with_text(text.to_owned())
}

impl Item {
    /// Reads an `<item/>` in `ns` (muc#user here; muc#admin uses the same
    /// shape).
    pub fn parse(element: &Element, ns: &str) -> Item {
        let actor = element.child("actor", ns).map(|actor| Actor {
            nick: nick_of(actor),
            jid: jid_of(actor, "jid"),
        });
        Item {
            affiliation: element.attr("affiliation").and_then(|a| a.parse().ok()),
            role: element.attr("role").and_then(|r| r.parse().ok()),
            jid: jid_of(element, "jid"),
            nick: nick_of(element),
            actor,
            reason: element
                .child("reason", ns)
                .map(|r| cap::cut_owned(r.text(), MAX_REASON_BYTES)),
        }
    }

    /// Writes the item in `ns`.
    pub fn to_element(&self, ns: &str) -> Element {
        let mut element = Element::new("item", ns.to_owned())
            .with_opt_attr("affiliation", self.affiliation.map(Affiliation::as_str))
            .with_opt_attr("role", self.role.map(Role::as_str))
            .with_opt_attr("jid", self.jid.as_ref().map(Jid::to_string))
            .with_opt_attr("nick", self.nick.clone());
        if let Some(actor) = &self.actor {
            element.push_child(
                Element::new("actor", ns.to_owned())
                    .with_opt_attr("nick", actor.nick.clone())
                    .with_opt_attr("jid", actor.jid.as_ref().map(Jid::to_string)),
            );
        }
        if let Some(reason) = &self.reason {
            element.push_child(Element::new("reason", ns.to_owned()).with_text(reason.clone()));
        }
        element
    }
}

impl MucUser {
    /// The muc#user `<x/>` of a presence or message, if it has one (the
    /// first; a second is ignored).
    pub fn of(stanza: &Element) -> Option<MucUser> {
        stanza.child("x", ns::MUC_USER).map(MucUser::parse)
    }

    /// Reads a muc#user `<x/>`; never fails (see the module header).
    pub fn parse(x: &Element) -> MucUser {
        let mut user = MucUser::default();
        for child in x.children() {
            if child.ns() != ns::MUC_USER {
                continue;
            }
            match child.name() {
                "item" if user.items.len() < MAX_ITEMS => {
                    user.items.push(Item::parse(child, ns::MUC_USER))
                }
                "status" => {
                    if let Some(code) = child.attr("code").and_then(Status::parse)
                        && !user.statuses.contains(&code)
                        && user.statuses.len() < MAX_STATUSES
                    {
                        user.statuses.push(code);
                    }
                }
                "destroy" if user.destroy.is_none() => {
                    user.destroy = Some(Destroy {
                        jid: child.attr("jid").and_then(|j| BareJid::new(j).ok()),
                        reason: text_of(child, "reason", MAX_REASON_BYTES),
                        password: text_of(child, "password", MAX_REASON_BYTES),
                    })
                }
                "invite" if user.invites.len() < MAX_INVITES => user.invites.push(Invite {
                    from: jid_of(child, "from"),
                    to: jid_of(child, "to"),
                    reason: text_of(child, "reason", MAX_REASON_BYTES),
                    continue_thread: child.child("continue", ns::MUC_USER).map(|c| {
                        cap::cut_owned(c.attr("thread").unwrap_or_default().to_owned(), {
                            cap::MAX_ID_BYTES
                        })
                    }),
                }),
                "decline" if user.decline.is_none() => {
                    user.decline = Some(Decline {
                        from: jid_of(child, "from"),
                        to: jid_of(child, "to"),
                        reason: text_of(child, "reason", MAX_REASON_BYTES),
                    })
                }
                "password" if user.password.is_none() => {
                    user.password = Some(cap::cut_owned(child.text(), MAX_REASON_BYTES))
                }
                _ => {}
            }
        }
        user
    }

    /// Writes the `<x/>`.
    pub fn to_element(&self) -> Element {
        let mut x = Element::new("x", ns::MUC_USER);
        for invite in &self.invites {
            let mut element = Element::new("invite", ns::MUC_USER)
                .with_opt_attr("from", invite.from.as_ref().map(Jid::to_string))
                .with_opt_attr("to", invite.to.as_ref().map(Jid::to_string));
            if let Some(reason) = &invite.reason {
                element.push_child(text_child("reason", reason));
            }
            if let Some(thread) = &invite.continue_thread {
                element.push_child(
                    Element::new("continue", ns::MUC_USER)
                        .with_opt_attr("thread", Some(thread.clone()).filter(|t| !t.is_empty())),
                );
            }
            x.push_child(element);
        }
        if let Some(decline) = &self.decline {
            let mut element = Element::new("decline", ns::MUC_USER)
                .with_opt_attr("from", decline.from.as_ref().map(Jid::to_string))
                .with_opt_attr("to", decline.to.as_ref().map(Jid::to_string));
            if let Some(reason) = &decline.reason {
                element.push_child(text_child("reason", reason));
            }
            x.push_child(element);
        }
        if let Some(destroy) = &self.destroy {
            let mut element = Element::new("destroy", ns::MUC_USER)
                .with_opt_attr("jid", destroy.jid.as_ref().map(BareJid::to_string));
            if let Some(reason) = &destroy.reason {
                element.push_child(text_child("reason", reason));
            }
            if let Some(password) = &destroy.password {
                element.push_child(text_child("password", password));
            }
            x.push_child(element);
        }
        for item in &self.items {
            x.push_child(item.to_element(ns::MUC_USER));
        }
        for status in &self.statuses {
            x.push_child(
                Element::new("status", ns::MUC_USER).with_attr("code", status.to_string()),
            );
        }
        if let Some(password) = &self.password {
            x.push_child(text_child("password", password));
        }
        x
    }

    /// Whether the room put this status code on the stanza.
    pub fn has(&self, status: Status) -> bool {
        self.statuses.contains(&status)
    }

    /// The first item: the occupant a presence is about.
    pub fn item(&self) -> Option<&Item> {
        self.items.first()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::message::Message;
    use crate::xmpp::stanza::presence::Presence;
    use crate::xmpp::stanza::test_xml;

    fn presence(xml: &str) -> Presence {
        Presence::parse(&test_xml::parse(xml)).unwrap()
    }

    fn reread(user: &MucUser) {
        assert_eq!(&MucUser::parse(&user.to_element()), user);
    }

    /// MUC-14: the checklist's occupant presence: show, affiliation, role
    /// and the real JID.
    #[test]
    fn muc_14_occupant_item() {
        let p = presence(
            "<presence from='verona@conference.example.com/nurse'><show>away</show>\
             <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='admin' role='moderator' jid='nurse@example.com/kitchen'/></x></presence>",
        );
        let user = p.muc.as_ref().expect("a muc#user x");
        let item = user.item().unwrap();
        assert_eq!(item.affiliation, Some(Affiliation::Admin));
        assert_eq!(item.role, Some(Role::Moderator));
        assert_eq!(
            item.jid.as_ref().map(Jid::to_string).as_deref(),
            Some("nurse@example.com/kitchen")
        );
        assert!(user.statuses.is_empty());
        reread(user);
    }

    /// MUC-10, MUC-11, MUC-12: our own presence carries 110, and maybe
    /// 210, 100 and 170.
    #[test]
    fn muc_11_self_presence_codes() {
        let p = presence(
            "<presence from='verona@conference.example.com/juliet'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>\
             <status code='110'/><status code='210'/><status code='100'/><status code='170'/>\
             <status code='110'/><status code='abc'/></x></presence>",
        );
        let user = p.muc.unwrap();
        assert_eq!(
            user.statuses,
            [
                Status::SELF_PRESENCE,
                Status::NICK_ASSIGNED,
                Status::NON_ANONYMOUS,
                Status::LOGGED
            ],
            "distinct, valid codes only"
        );
        assert!(user.has(Status::SELF_PRESENCE));
        reread(&user);
    }

    /// MUC-15: a nick change names the new nick.
    #[test]
    fn muc_15_nick_change() {
        let p = presence(
            "<presence from='verona@conference.example.com/romeo' type='unavailable'>\
             <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' role='participant' nick='montague'/><status code='303'/></x></presence>",
        );
        let user = p.muc.unwrap();
        assert!(user.has(Status::NICK_CHANGED));
        assert_eq!(user.item().unwrap().nick.as_deref(), Some("montague"));
    }

    /// MUC-26: a kick with its actor and reason.
    #[test]
    fn muc_26_kick_actor_and_reason() {
        let p = presence(
            "<presence from='verona@conference.example.com/juliet' type='unavailable'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'>\
             <actor nick='nurse'/><reason>hush</reason></item>\
             <status code='110'/><status code='307'/></x></presence>",
        );
        let user = p.muc.unwrap();
        let item = user.item().unwrap();
        assert_eq!(item.role, Some(Role::None));
        assert_eq!(
            item.actor.as_ref().and_then(|a| a.nick.as_deref()),
            Some("nurse")
        );
        assert_eq!(item.reason.as_deref(), Some("hush"));
        assert!(user.has(Status::KICKED) && user.has(Status::SELF_PRESENCE));
        reread(&user);
    }

    /// MUC-27: a destruction with its successor and reason.
    #[test]
    fn muc_27_destroy() {
        let p = presence(
            "<presence from='verona@conference.example.com/juliet' type='unavailable'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/>\
             <destroy jid='mantua@conference.example.com'><reason>moved</reason></destroy></x></presence>",
        );
        let destroy = p.muc.as_ref().unwrap().destroy.clone().unwrap();
        assert_eq!(
            destroy.jid.map(|j| j.to_string()).as_deref(),
            Some("mantua@conference.example.com")
        );
        assert_eq!(destroy.reason.as_deref(), Some("moved"));
        reread(p.muc.as_ref().unwrap());
    }

    /// MUC-30: a mediated invitation with reason and password; the decline
    /// we send back.
    #[test]
    fn muc_30_invite_and_decline() {
        let m = Message::parse(&test_xml::parse(
            "<message from='verona@conference.example.com'>\
             <x xmlns='http://jabber.org/protocol/muc#user'>\
             <invite from='romeo@example.net/orchard'><reason>come up</reason></invite>\
             <password>montague</password></x></message>",
        ))
        .unwrap();
        let user = m.muc.unwrap();
        let invite = &user.invites[0];
        assert_eq!(
            invite.from.as_ref().map(Jid::to_string).as_deref(),
            Some("romeo@example.net/orchard")
        );
        assert_eq!(invite.reason.as_deref(), Some("come up"));
        assert_eq!(user.password.as_deref(), Some("montague"));
        reread(&user);
        let decline = MucUser {
            decline: Some(Decline {
                to: Some(Jid::new("romeo@example.net").unwrap()),
                reason: Some("busy".into()),
                ..Decline::default()
            }),
            ..MucUser::default()
        };
        assert_eq!(
            decline.to_element().to_xml(),
            "<x xmlns='http://jabber.org/protocol/muc#user'><decline to='romeo@example.net'>\
             <reason>busy</reason></decline></x>"
        );
    }

    /// MUC-32: `<continue thread/>` in an invitation.
    #[test]
    fn muc_32_continue_thread() {
        let user = MucUser::parse(&test_xml::parse(
            "<x xmlns='http://jabber.org/protocol/muc#user'>\
             <invite to='romeo@example.net/orchard'><continue thread='t-77'/></invite></x>",
        ));
        assert_eq!(user.invites[0].continue_thread.as_deref(), Some("t-77"));
        reread(&user);
    }

    /// MUC-22: the empty `<x/>` of a private message.
    #[test]
    fn muc_22_empty_x() {
        assert_eq!(
            MucUser::default().to_element().to_xml(),
            "<x xmlns='http://jabber.org/protocol/muc#user'/>"
        );
    }

    /// Hostile input: unknown values are left out, lists and texts are
    /// capped.
    #[test]
    fn hostile_x_is_bounded() {
        let mut x = Element::new("x", ns::MUC_USER);
        for n in 0..1000 {
            x.push_child(
                Element::new("item", ns::MUC_USER)
                    .with_attr("role", "emperor")
                    .with_attr("jid", "a@@b")
                    .with_child(
                        Element::new("reason", ns::MUC_USER).with_text("r".repeat(100_000)),
                    ),
            );
            x.push_child(
                Element::new("status", ns::MUC_USER).with_attr("code", (100 + n).to_string()),
            );
            x.push_child(Element::new("invite", ns::MUC_USER));
        }
        let user = MucUser::parse(&x);
        assert_eq!(user.items.len(), MAX_ITEMS);
        assert_eq!(user.statuses.len(), MAX_STATUSES);
        assert_eq!(user.invites.len(), MAX_INVITES);
        let item = &user.items[0];
        assert_eq!((item.role, item.jid.as_ref()), (None, None));
        assert!(item.reason.as_ref().unwrap().len() <= MAX_REASON_BYTES);
    }
}
