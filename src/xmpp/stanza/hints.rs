//! Message processing hints, `urn:xmpp:hints` (XEP-0334): the empty
//! `<no-permanent-store/>`, `<no-store/>`, `<no-copy/>` and `<store/>`
//! elements a sender adds to ask servers to handle a message a certain way.
//!
//! Hints are hints (CARBONS-12): a server may ignore them, so nothing may
//! depend on one being honoured, and a hint inside a `type='error'` stanza
//! means nothing. This module must not import `crate::app` or `crate::ui`.

use super::{ParseError, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// One hint (XEP-0334 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hint {
    /// Keep it out of permanent archives (MAM), not out of offline storage.
    NoPermanentStore,
    /// Keep it out of every store, offline storage included (STATES-13).
    NoStore,
    /// Don't copy it to other resources (CARBONS-11: only on messages to a
    /// full JID).
    NoCopy,
    /// Store it even though the server would not.
    Store,
}

impl Hint {
    pub const ALL: [Hint; 4] = [
        Hint::NoPermanentStore,
        Hint::NoStore,
        Hint::NoCopy,
        Hint::Store,
    ];

    /// The element name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Hint::NoPermanentStore => "no-permanent-store",
            Hint::NoStore => "no-store",
            Hint::NoCopy => "no-copy",
            Hint::Store => "store",
        }
    }

    /// The hint an element names, if it is one.
    pub fn parse(element: &Element) -> Result<Hint, ParseError> {
        if element.ns() == ns::HINTS
            && let Some(hint) = Hint::ALL.into_iter().find(|h| h.as_str() == element.name())
        {
            return Ok(hint);
        }
        Err(ParseError::Invalid(format!(
            "not a hint: <{}/> in {}",
            quoted(element.name()),
            quoted(element.ns())
        )))
    }

    pub fn to_element(self) -> Element {
        Element::new(self.as_str(), ns::HINTS)
    }
}

/// The hints on `message`, each once, in [`Hint::ALL`] order. Empty for a
/// `type='error'` message (CARBONS-12).
pub fn hints(message: &Element) -> Vec<Hint> {
    if message.attr("type") == Some("error") {
        return Vec::new();
    }
    Hint::ALL
        .into_iter()
        .filter(|hint| message.has_child(hint.as_str(), ns::HINTS))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// CARBONS-11: `<no-copy/>` is read and written.
    #[test]
    fn carbons_11_no_copy() {
        let message = test_xml::parse(
            "<message to='romeo@example.net/orchard' type='chat' id='p1'><body>…</body>\
             <private xmlns='urn:xmpp:carbons:2'/><no-copy xmlns='urn:xmpp:hints'/></message>",
        );
        assert_eq!(hints(&message), vec![Hint::NoCopy]);
        assert_eq!(
            Hint::NoCopy.to_element().to_xml(),
            "<no-copy xmlns='urn:xmpp:hints'/>"
        );
    }

    /// STATES-13: `<no-store/>` beside a chat state; repeats count once.
    #[test]
    fn states_13_no_store() {
        let message = test_xml::parse(
            "<message type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/>\
             <no-store xmlns='urn:xmpp:hints'/><no-store xmlns='urn:xmpp:hints'/>\
             <store xmlns='urn:xmpp:hints'/></message>",
        );
        assert_eq!(hints(&message), vec![Hint::NoStore, Hint::Store]);
    }

    /// CARBONS-12: hints in an error stanza are ignored.
    #[test]
    fn carbons_12_error_stanza_has_no_hints() {
        let message = test_xml::parse(
            "<message type='error'><no-copy xmlns='urn:xmpp:hints'/><error type='cancel'/></message>",
        );
        assert_eq!(hints(&message), Vec::new());
    }

    #[test]
    fn every_hint_round_trips() {
        for hint in Hint::ALL {
            assert_eq!(Hint::parse(&hint.to_element()), Ok(hint));
        }
        assert!(Hint::parse(&Element::new("no-copy", ns::CARBONS)).is_err());
        assert!(Hint::parse(&Element::new("no-storage", ns::HINTS)).is_err());
    }
}
