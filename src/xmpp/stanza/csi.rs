//! Client state indication, `urn:xmpp:csi:0` (XEP-0352; checklist §18,
//! CSI-01..08): the `<active/>` and `<inactive/>` nonzas that tell the
//! server whether the user is looking, and the stream feature that offers
//! them.
//!
//! They are nonzas, not stanzas: no reply, no stream-management count
//! (CSI-04), and no effect on presence (CSI-05). [`Indicator`] keeps the
//! rule of CSI-03; when to go inactive is the app's decision. This module
//! must not import `crate::app` or `crate::ui`.

use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// What the client tells the server (XEP-0352 §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// The user is looking; every stream starts so (CSI-03).
    #[default]
    Active,
    /// The user is not looking (CSI-02).
    Inactive,
}

impl ClientState {
    /// The element name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientState::Active => "active",
            ClientState::Inactive => "inactive",
        }
    }

    /// The nonza, sent at the top level of the stream.
    pub fn to_element(self) -> Element {
        Element::new(self.as_str(), ns::CSI)
    }

    /// The state a top-level element names, if it is a CSI nonza.
    pub fn parse(element: &Element) -> Option<ClientState> {
        if element.ns() != ns::CSI {
            return None;
        }
        match element.name() {
            "active" => Some(ClientState::Active),
            "inactive" => Some(ClientState::Inactive),
            _ => None,
        }
    }
}

/// CSI-01: true when the post-authentication `<stream:features/>` offer
/// `<csi xmlns='urn:xmpp:csi:0'/>`.
pub fn offered(features: &Element) -> bool {
    features.has_child("csi", ns::CSI)
}

/// The state last told to the server on this stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Indicator {
    told: ClientState,
}

impl Indicator {
    /// A new stream: the server takes us as active (CSI-03).
    pub fn new() -> Indicator {
        Indicator::default()
    }

    /// The nonza that moves the server to `state`, or `None` when it is
    /// there already (CSI-03: never `<active/>` first, never the same
    /// state twice in a row).
    pub fn set(&mut self, state: ClientState) -> Option<Element> {
        (state != self.told).then(|| {
            self.told = state;
            state.to_element()
        })
    }

    /// What the server was last told.
    pub fn state(&self) -> ClientState {
        self.told
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// CSI-01: the checklist's features offer CSI; others don't.
    #[test]
    fn csi_01_offered() {
        let features = test_xml::parse(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
             <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><csi xmlns='urn:xmpp:csi:0'/></stream:features>",
        );
        assert!(offered(&features));
        let without = test_xml::parse(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
             <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><csi xmlns='urn:xmpp:csi:1'/></stream:features>",
        );
        assert!(!offered(&without));
    }

    /// CSI-02 / CSI-08: the checklist's nonzas, byte for byte.
    #[test]
    fn csi_02_nonzas() {
        assert_eq!(
            ClientState::Inactive.to_element().to_xml(),
            "<inactive xmlns='urn:xmpp:csi:0'/>"
        );
        assert_eq!(
            ClientState::Active.to_element().to_xml(),
            "<active xmlns='urn:xmpp:csi:0'/>"
        );
        for state in [ClientState::Active, ClientState::Inactive] {
            assert_eq!(ClientState::parse(&state.to_element()), Some(state));
        }
        let chat_state = test_xml::parse("<active xmlns='http://jabber.org/protocol/chatstates'/>");
        assert_eq!(ClientState::parse(&chat_state), None);
        assert_eq!(ClientState::parse(&Element::new("idle", ns::CSI)), None);
    }

    /// CSI-03: never `<active/>` first, never the same state twice.
    #[test]
    fn csi_03_only_changes_are_sent() {
        let mut indicator = Indicator::new();
        assert_eq!(indicator.set(ClientState::Active), None);
        assert_eq!(
            indicator.set(ClientState::Inactive),
            Some(ClientState::Inactive.to_element())
        );
        assert_eq!(indicator.set(ClientState::Inactive), None);
        assert_eq!(indicator.state(), ClientState::Inactive);
        assert_eq!(
            indicator.set(ClientState::Active),
            Some(ClientState::Active.to_element())
        );
        assert_eq!(indicator.set(ClientState::Active), None);
    }
}
