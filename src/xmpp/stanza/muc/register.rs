//! Registering with a room (XEP-0045 §7.10, MUC-33): the
//! `jabber:iq:register` query sent to the room's bare JID.
//!
//! A get answers with the room's form (`muc#register` fields, among them
//! `muc#register_roomnick`) or, when we are registered already, with
//! `<registered/>`; the set submits the form with our nick. Read forms
//! are bounded by [`DataForm`]'s caps.

use crate::xmpp::element::Element;
use crate::xmpp::stanza::data_form::DataForm;

/// XEP-0077 in-band registration, as rooms use it.
pub const NS: &str = "jabber:iq:register";
/// The form field holding the nick to register.
pub const ROOMNICK: &str = "muc#register_roomnick";

/// What a room answers to a registration get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    /// We are registered already.
    Registered,
    /// The form to fill in.
    Form(DataForm),
    /// Neither: the room offers no form.
    Nothing,
}

/// The get.
pub fn get() -> Element {
    Element::new("query", NS)
}

/// Reads the answer to [`get`].
pub fn parse(query: Option<&Element>) -> Registration {
    let Some(query) = query.filter(|q| q.is("query", NS)) else {
        return Registration::Nothing;
    };
    if query.child("registered", NS).is_some() {
        return Registration::Registered;
    }
    DataForm::of(query).map_or(Registration::Nothing, Registration::Form)
}

/// The set: `form` submitted with `nick` as the room nick.
pub fn submit(form: &DataForm, nick: &str) -> Element {
    let mut form = form.clone();
    match form.field_mut(ROOMNICK) {
        Some(field) => field.values = vec![nick.to_owned()],
        None => form.fields.push(crate::xmpp::stanza::data_form::Field {
            var: Some(ROOMNICK.to_owned()),
            values: vec![nick.to_owned()],
            ..Default::default()
        }),
    }
    Element::new("query", NS).with_child(form.to_submit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// MUC-33: the form is read, and submitted with the nick filled in.
    #[test]
    fn muc_33_form_read_and_submitted() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'>\
             <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#register</value></field>\
             <field var='muc#register_roomnick' type='text-single'/></x></query>",
        );
        let Registration::Form(form) = parse(Some(&query)) else {
            panic!("a form");
        };
        let set = submit(&form, "thirdwitch");
        let x = set.child("x", crate::xmpp::ns::DATA_FORMS).unwrap();
        let sent = DataForm::parse(x);
        assert_eq!(sent.kind, "submit");
        assert_eq!(sent.field(ROOMNICK).unwrap().values, ["thirdwitch"]);
        assert_eq!(
            sent.field("FORM_TYPE").unwrap().values,
            ["http://jabber.org/protocol/muc#register"]
        );
    }

    /// MUC-33: `<registered/>` says we are registered already.
    #[test]
    fn muc_33_registered_already() {
        let query = test_xml::parse(
            "<query xmlns='jabber:iq:register'><registered/><username>thirdwitch</username></query>",
        );
        assert_eq!(parse(Some(&query)), Registration::Registered);
        assert_eq!(parse(None), Registration::Nothing);
    }
}
