//! XEP-0249 direct invitations: the `jabber:x:conference` `<x/>` a contact
//! puts in a message to invite us into a room (MUC-48), and the one we
//! send (MUC-50).
//!
//! Read on every [`Message`](super::message::Message) as its
//! `direct_invite` field. The attributes are untrusted (MUC-51): the room
//! must be a bare JID with a local part, and the reason, password and
//! thread are cut to [`MAX_TEXT_BYTES`]. Whether an invitation is shown,
//! merged with a mediated one (MUC-49) or dropped is the app's
//! `room::invitation`.

use jid::BareJid;

use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Longest reason, password or thread kept.
pub const MAX_TEXT_BYTES: usize = 1024;

/// A direct invitation (XEP-0249 §2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectInvite {
    /// The room.
    pub room: BareJid,
    pub password: Option<String>,
    pub reason: Option<String>,
    /// `continue='true'`: the room continues a 1:1 chat (MUC-52).
    pub continues: bool,
    pub thread: Option<String>,
}

impl DirectInvite {
    /// The invitation in `message`, if it holds a well-formed one.
    pub fn of(message: &Element) -> Option<DirectInvite> {
        let x = message.child("x", ns::CONFERENCE)?;
        let room = BareJid::new(x.attr("jid")?).ok()?;
        room.node()?;
        let text = |name: &str| {
            x.attr(name)
                .filter(|value| !value.is_empty())
                .map(|value| cap::cut_owned(value.to_owned(), MAX_TEXT_BYTES))
        };
        Some(DirectInvite {
            room,
            password: text("password"),
            reason: text("reason"),
            continues: matches!(x.attr("continue"), Some("true" | "1")),
            thread: text("thread"),
        })
    }

    /// Writes the `<x/>`.
    pub fn to_element(&self) -> Element {
        Element::new("x", ns::CONFERENCE)
            .with_attr("jid", self.room.to_string())
            .with_opt_attr("password", self.password.clone())
            .with_opt_attr("reason", self.reason.clone())
            .with_opt_attr("continue", self.continues.then_some("true"))
            .with_opt_attr("thread", self.thread.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// MUC-48: the checklist's example, read and written back.
    #[test]
    fn reads_the_direct_invitation() {
        let message = test_xml::parse(
            "<message from='romeo@example.net/orchard'>\
             <x xmlns='jabber:x:conference' jid='verona@conference.example.com' \
             password='montague' reason='come up'/></message>",
        );
        let invite = DirectInvite::of(&message).unwrap();
        assert_eq!(invite.room.as_str(), "verona@conference.example.com");
        assert_eq!(invite.password.as_deref(), Some("montague"));
        assert_eq!(invite.reason.as_deref(), Some("come up"));
        assert!(!invite.continues);
        let again =
            DirectInvite::of(&Element::new("message", ns::CLIENT).with_child(invite.to_element()))
                .unwrap();
        assert_eq!(again, invite);
    }

    /// MUC-51: a room that is no room JID is no invitation.
    #[test]
    fn refuses_what_is_not_a_room() {
        for jid in ["", "conference.example.com", "a@b/c", "@@"] {
            let message = Element::new("message", ns::CLIENT)
                .with_child(Element::new("x", ns::CONFERENCE).with_attr("jid", jid));
            assert_eq!(DirectInvite::of(&message), None, "{jid:?}");
        }
    }
}
