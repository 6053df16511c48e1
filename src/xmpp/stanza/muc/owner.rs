//! The `http://jabber.org/protocol/muc#owner` query (XEP-0045 §10): what
//! only a room's owner sends. Destroying the room (§10.9, MUC-44), with
//! an optional successor and reason, and cancelling a configuration
//! (§10.1.3, MUC-43: during creation that destroys the room). The instant
//! room's empty submitted form (MUC-45) is [`instant`]; the configuration
//! form is asked with [`get_form`] and sent back whole with [`submit`]
//! (MUC-41).

use super::user::Destroy;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// The `<query/>` of a muc#owner set destroying the room (MUC-44).
pub fn destroy(destroy: &Destroy) -> Element {
    let mut element = Element::new("destroy", ns::MUC_OWNER).with_opt_attr(
        "jid",
        destroy.jid.as_ref().map(std::string::ToString::to_string),
    );
    if let Some(reason) = &destroy.reason {
        element.push_child(Element::new("reason", ns::MUC_OWNER).with_text(reason.clone()));
    }
    Element::new("query", ns::MUC_OWNER).with_child(element)
}

/// The `<query/>` accepting the default configuration: an empty
/// submitted form (MUC-45).
pub fn instant() -> Element {
    Element::new("query", ns::MUC_OWNER)
        .with_child(Element::new("x", ns::DATA_FORMS).with_attr("type", "submit"))
}

/// The `<query/>` asking for the configuration form (MUC-41).
pub fn get_form() -> Element {
    Element::new("query", ns::MUC_OWNER)
}

/// The `<query/>` submitting `form` whole (MUC-41).
pub fn submit(form: &crate::xmpp::stanza::data_form::DataForm) -> Element {
    Element::new("query", ns::MUC_OWNER).with_child(form.to_submit())
}

/// The `<query/>` cancelling a configuration (MUC-43).
pub fn cancel() -> Element {
    Element::new("query", ns::MUC_OWNER)
        .with_child(Element::new("x", ns::DATA_FORMS).with_attr("type", "cancel"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// MUC-44: the successor and the reason travel in `<destroy/>`.
    #[test]
    fn destroy_carries_successor_and_reason() {
        let query = destroy(&Destroy {
            jid: Some(jid::BareJid::new("mantua@conference.example.com").unwrap()),
            reason: Some("moved".into()),
            password: None,
        });
        assert!(query.is("query", ns::MUC_OWNER));
        let element = query.child("destroy", ns::MUC_OWNER).unwrap();
        assert_eq!(element.attr("jid"), Some("mantua@conference.example.com"));
        assert_eq!(
            element
                .child("reason", ns::MUC_OWNER)
                .map(|r| r.text())
                .as_deref(),
            Some("moved")
        );
        let bare = destroy(&Destroy::default());
        let element = bare.child("destroy", ns::MUC_OWNER).unwrap();
        assert_eq!(element.attr("jid"), None);
        assert!(element.child("reason", ns::MUC_OWNER).is_none());
    }

    /// MUC-43, MUC-45: cancel and instant are forms of type cancel and
    /// submit.
    #[test]
    fn cancel_and_instant_forms() {
        for (query, kind) in [(cancel(), "cancel"), (instant(), "submit")] {
            let x = query.child("x", ns::DATA_FORMS).unwrap();
            assert_eq!(x.attr("type"), Some(kind));
        }
    }
}
