//! XEP-0004 data forms (`jabber:x:data`), as far as a room's
//! configuration needs them (MUC-41, MUC-42): a form read from a result,
//! its fields with type, label, values and options, and the same fields
//! written back as a submitted form. A form's hidden `FORM_TYPE` names it
//! (XEP-0068), as disco#info's extended forms are found (DISCO-13).
//!
//! Everything read is bounded: at most [`MAX_FIELDS`] fields of at most
//! [`MAX_VALUES`] values and options, each text cut to [`MAX_TEXT_BYTES`].

use crate::xmpp::cap;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Fields kept from one form.
pub const MAX_FIELDS: usize = 256;
/// Values (and options) kept per field.
pub const MAX_VALUES: usize = 64;
/// Longest label, value or instruction kept.
pub const MAX_TEXT_BYTES: usize = 2048;

/// One `<field/>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    /// `None` for a `fixed` field, which is only text.
    pub var: Option<String>,
    /// `boolean`, `list-single`, `text-single`…; `None` means text-single.
    pub kind: Option<String>,
    pub label: Option<String>,
    pub values: Vec<String>,
    /// (label, value) pairs of a list field.
    pub options: Vec<(Option<String>, String)>,
}

/// A form: its type (`form`, `submit`, `cancel`, `result`) and fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataForm {
    pub kind: String,
    pub title: Option<String>,
    pub fields: Vec<Field>,
}

fn text(element: &Element) -> String {
    cap::cut_owned(element.text(), MAX_TEXT_BYTES)
}

fn attr(element: &Element, name: &str) -> Option<String> {
    element
        .attr(name)
        .map(|value| cap::cut_owned(value.to_owned(), MAX_TEXT_BYTES))
}

impl DataForm {
    /// The first form among `parent`'s children.
    pub fn of(parent: &Element) -> Option<DataForm> {
        parent.child("x", ns::DATA_FORMS).map(DataForm::parse)
    }

    /// Reads an `<x xmlns='jabber:x:data'/>`.
    pub fn parse(x: &Element) -> DataForm {
        let fields = x
            .children_named("field", ns::DATA_FORMS)
            .take(MAX_FIELDS)
            .map(|field| Field {
                var: attr(field, "var"),
                kind: attr(field, "type"),
                label: attr(field, "label"),
                values: field
                    .children_named("value", ns::DATA_FORMS)
                    .take(MAX_VALUES)
                    .map(text)
                    .collect(),
                options: field
                    .children_named("option", ns::DATA_FORMS)
                    .take(MAX_VALUES)
                    .filter_map(|option| {
                        let value = option.child("value", ns::DATA_FORMS)?;
                        Some((attr(option, "label"), text(value)))
                    })
                    .collect(),
            })
            .collect();
        DataForm {
            kind: x.attr("type").unwrap_or("form").to_owned(),
            title: x.child("title", ns::DATA_FORMS).map(text),
            fields,
        }
    }

    /// XEP-0068: the value of the hidden `FORM_TYPE` field that names the
    /// form, if it has one (DISCO-13).
    pub fn form_type(&self) -> Option<&str> {
        self.field("FORM_TYPE")
            .filter(|field| field.kind.as_deref() == Some("hidden"))
            .and_then(|field| field.values.first())
            .map(String::as_str)
    }

    pub fn field(&self, var: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.var.as_deref() == Some(var))
    }

    pub fn field_mut(&mut self, var: &str) -> Option<&mut Field> {
        self.fields
            .iter_mut()
            .find(|f| f.var.as_deref() == Some(var))
    }

    /// The whole form submitted (XEP-0004 §3.3): every field with a `var`
    /// and its values, `fixed` ones left out, hidden ones (`FORM_TYPE`)
    /// kept.
    pub fn to_submit(&self) -> Element {
        let mut x = Element::new("x", ns::DATA_FORMS).with_attr("type", "submit");
        for field in &self.fields {
            let Some(var) = &field.var else {
                continue;
            };
            if field.kind.as_deref() == Some("fixed") {
                continue;
            }
            let mut element = Element::new("field", ns::DATA_FORMS).with_attr("var", var.clone());
            if let Some(kind) = &field.kind {
                element.set_attr("type", kind.clone());
            }
            for value in &field.values {
                element.push_child(Element::new("value", ns::DATA_FORMS).with_text(value.clone()));
            }
            x.push_child(element);
        }
        x
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// MUC-41: the room's form read, changed and submitted whole, with
    /// its hidden FORM_TYPE.
    #[test]
    fn room_configuration_round_trip() {
        let query = test_xml::parse(
            "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'>\
             <title>Configuration</title>\
             <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>\
             <field type='fixed'><value>Room</value></field>\
             <field var='muc#roomconfig_roomname' type='text-single' label='Name'><value>old</value></field>\
             <field var='muc#roomconfig_persistentroom' type='boolean'><value>0</value></field>\
             <field var='muc#roomconfig_whois' type='list-single'><value>moderators</value>\
             <option label='Moderators'><value>moderators</value></option><option><value>anyone</value></option></field>\
             </x></query>",
        );
        let mut form = DataForm::of(&query).unwrap();
        assert_eq!(form.kind, "form");
        assert_eq!(form.title.as_deref(), Some("Configuration"));
        assert_eq!(form.fields.len(), 5);
        assert_eq!(form.field("muc#roomconfig_whois").unwrap().options.len(), 2);
        form.field_mut("muc#roomconfig_roomname").unwrap().values = vec!["new".into()];
        let submitted = DataForm::parse(&form.to_submit());
        assert_eq!(submitted.kind, "submit");
        assert_eq!(submitted.fields.len(), 4, "fixed left out");
        assert_eq!(
            submitted.field("FORM_TYPE").unwrap().values,
            ["http://jabber.org/protocol/muc#roomconfig"]
        );
        assert_eq!(
            submitted.field("muc#roomconfig_roomname").unwrap().values,
            ["new"]
        );
    }
}
