//! Voice requests (XEP-0045 §7.13 and §8.6, MUC-34, MUC-37): the
//! `http://jabber.org/protocol/muc#request` data form in a message.
//!
//! A visitor sends the room a submitted form asking for the participant
//! role ([`VoiceRequest::ask`]); the room passes it on to its moderators with the
//! visitor's nick (and real JID where the room shows it), read here as a
//! [`VoiceRequest`] on the message's `voice_request` field; a moderator
//! answers with the same form carrying `muc#request_allow`
//! ([`VoiceRequest::answer`]).
//! A form whose `FORM_TYPE` is anything else is not a voice request.
//! Texts are bounded by [`DataForm`]'s caps.

use jid::Jid;

use crate::xmpp::element::Element;
use crate::xmpp::ns;
use crate::xmpp::stanza::data_form::DataForm;

/// The `FORM_TYPE` of a voice request.
pub const FORM_TYPE: &str = "http://jabber.org/protocol/muc#request";

/// A voice request as a room relays it to moderators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoiceRequest {
    /// `muc#roomnick`: the visitor asking.
    pub nick: Option<String>,
    /// `muc#jid`: the visitor's real JID, when the room shows it.
    pub jid: Option<Jid>,
    /// `muc#request_allow`, when the form carries an answer.
    pub allow: Option<bool>,
}

impl VoiceRequest {
    /// The voice request among `message`'s children, if one is there.
    pub fn of(message: &Element) -> Option<VoiceRequest> {
        let x = message.children_named("x", ns::DATA_FORMS).find(|x| {
            DataForm::parse(x)
                .field("FORM_TYPE")
                .is_some_and(is_request)
        })?;
        let form = DataForm::parse(x);
        let value = |var: &str| {
            form.field(var)
                .and_then(|f| f.values.first())
                .filter(|v| !v.is_empty())
                .cloned()
        };
        Some(VoiceRequest {
            nick: value("muc#roomnick"),
            jid: value("muc#jid").and_then(|j| j.parse().ok()),
            allow: value("muc#request_allow").map(|v| v == "1" || v == "true"),
        })
    }
}

fn is_request(field: &crate::xmpp::stanza::data_form::Field) -> bool {
    field.values.first().map(String::as_str) == Some(FORM_TYPE)
}

fn field(var: &str, kind: Option<&str>, value: &str) -> Element {
    let mut element = Element::new("field", ns::DATA_FORMS).with_attr("var", var.to_owned());
    if let Some(kind) = kind {
        element.set_attr("type", kind.to_owned());
    }
    element.with_child(Element::new("value", ns::DATA_FORMS).with_text(value.to_owned()))
}

impl VoiceRequest {
    /// MUC-34: a visitor's request for voice (XEP-0045 §7.13), sent to
    /// the room's bare JID in a normal message.
    pub fn ask() -> VoiceRequest {
        VoiceRequest::default()
    }

    /// MUC-37: a moderator's answer to `nick`'s request (XEP-0045 §8.6),
    /// with the `muc#jid` the request carried.
    pub fn answer(nick: &str, jid: Option<Jid>, allow: bool) -> VoiceRequest {
        VoiceRequest {
            nick: Some(nick.to_owned()),
            jid,
            allow: Some(allow),
        }
    }

    /// The submitted form.
    pub fn to_element(&self) -> Element {
        let mut x = Element::new("x", ns::DATA_FORMS).with_attr("type", "submit");
        x.push_child(field("FORM_TYPE", Some("hidden"), FORM_TYPE));
        x.push_child(field("muc#role", Some("list-single"), "participant"));
        if let Some(jid) = &self.jid {
            x.push_child(field("muc#jid", Some("jid-single"), &jid.to_string()));
        }
        if let Some(nick) = &self.nick {
            x.push_child(field("muc#roomnick", Some("text-single"), nick));
        }
        if let Some(allow) = self.allow {
            let value = if allow { "true" } else { "false" };
            x.push_child(field("muc#request_allow", Some("boolean"), value));
        }
        x
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn message(xml: &str) -> Element {
        crate::xmpp::stanza::test_xml::parse(xml)
    }

    /// MUC-37: the form a room relays to moderators (XEP-0045 example 95).
    #[test]
    fn muc_37_relayed_request_read() {
        let element = message(
            "<message xmlns='jabber:client' from='verona@conference.example.com'>\
             <x xmlns='jabber:x:data' type='form'>\
             <field var='FORM_TYPE' type='hidden'>\
             <value>http://jabber.org/protocol/muc#request</value></field>\
             <field var='muc#role' type='list-single'><value>participant</value></field>\
             <field var='muc#jid' type='jid-single'><value>tybalt@example.com/x</value></field>\
             <field var='muc#roomnick' type='text-single'><value>tybalt</value></field>\
             <field var='muc#request_allow' type='boolean'><value>false</value></field>\
             </x></message>",
        );
        let request = VoiceRequest::of(&element).unwrap();
        assert_eq!(request.nick.as_deref(), Some("tybalt"));
        assert_eq!(
            request.jid.map(|j| j.to_string()).as_deref(),
            Some("tybalt@example.com/x")
        );
        assert_eq!(request.allow, Some(false));
    }

    #[test]
    fn other_forms_are_not_voice_requests() {
        let element = message(
            "<message xmlns='jabber:client'><x xmlns='jabber:x:data' type='form'>\
             <field var='FORM_TYPE' type='hidden'><value>urn:other</value></field>\
             </x></message>",
        );
        assert_eq!(VoiceRequest::of(&element), None);
    }

    /// MUC-34 and MUC-37: what we send reads back as a request.
    #[test]
    fn muc_34_ask_and_answer_round_trip() {
        let mut asked = Element::new("message", ns::CLIENT);
        asked.push_child(VoiceRequest::ask().to_element());
        let read = VoiceRequest::of(&asked).unwrap();
        assert_eq!(read.nick, None);
        let mut answered = Element::new("message", ns::CLIENT);
        answered.push_child(VoiceRequest::answer("tybalt", None, true).to_element());
        let read = VoiceRequest::of(&answered).unwrap();
        assert_eq!(read.nick.as_deref(), Some("tybalt"));
        assert_eq!(read.allow, Some(true));
    }
}
