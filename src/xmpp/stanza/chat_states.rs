//! Chat state notifications, `http://jabber.org/protocol/chatstates`
//! (XEP-0085; checklist §14, STATES-01..14): the five states a message may
//! carry, at most one per message (STATES-05).
//!
//! When to send which state (STATES-04, STATES-06, STATES-08) and how to
//! show one (STATES-09) belong to the app; this module must not import
//! `crate::app` or `crate::ui`.

use std::fmt;
use std::str::FromStr;

use super::{ParseError, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// A chat state (XEP-0085 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatState {
    /// Taking part; the only state a content message carries (STATES-05).
    Active,
    /// Typing.
    Composing,
    /// Stopped typing for a while.
    Paused,
    /// Not paying attention.
    Inactive,
    /// Left the conversation (STATES-10; never in rooms, STATES-11, nor at
    /// logout, STATES-12).
    Gone,
}

impl ChatState {
    pub const ALL: [ChatState; 5] = [
        ChatState::Active,
        ChatState::Composing,
        ChatState::Paused,
        ChatState::Inactive,
        ChatState::Gone,
    ];

    /// The element name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Active => "active",
            ChatState::Composing => "composing",
            ChatState::Paused => "paused",
            ChatState::Inactive => "inactive",
            ChatState::Gone => "gone",
        }
    }

    pub fn to_element(self) -> Element {
        Element::new(self.as_str(), ns::CHAT_STATES)
    }

    /// The chat state of `message`: `Ok(None)` without one.
    ///
    /// STATES-05: two or more state elements (or an unknown element in the
    /// namespace) make the message's state unreadable, an error the caller
    /// answers by ignoring the state, not the message.
    pub fn of(message: &Element) -> Result<Option<ChatState>, ParseError> {
        let mut states = message.children().filter(|c| c.ns() == ns::CHAT_STATES);
        let Some(first) = states.next() else {
            return Ok(None);
        };
        if states.next().is_some() {
            return Err(ParseError::Invalid(
                "a message holds more than one chat state".into(),
            ));
        }
        first.name().parse().map(Some)
    }
}

impl FromStr for ChatState {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChatState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| ParseError::Invalid(format!("unknown chat state {:?}", quoted(s))))
    }
}

impl fmt::Display for ChatState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// STATES-04: the checklist's first message carries `<active/>`.
    #[test]
    fn states_04_active_on_a_content_message() {
        let message = test_xml::parse(
            "<message to='romeo@example.net' type='chat' id='m7'><body>hi</body>\
             <active xmlns='http://jabber.org/protocol/chatstates'/></message>",
        );
        assert_eq!(ChatState::of(&message), Ok(Some(ChatState::Active)));
        assert_eq!(
            ChatState::Active.to_element().to_xml(),
            "<active xmlns='http://jabber.org/protocol/chatstates'/>"
        );
    }

    /// STATES-05: the checklist's standalone notification, byte for byte.
    #[test]
    fn states_05_standalone() {
        let xml = "<message to='romeo@example.net/orchard' type='chat'>\
                   <composing xmlns='http://jabber.org/protocol/chatstates'/></message>";
        let message = Element::new("message", ns::CLIENT)
            .with_attr("to", "romeo@example.net/orchard")
            .with_attr("type", "chat")
            .with_child(ChatState::Composing.to_element());
        assert_eq!(message.to_xml(), xml);
        assert_eq!(
            ChatState::of(&test_xml::parse(xml)),
            Ok(Some(ChatState::Composing))
        );
    }

    /// STATES-02: all five states are read and written.
    #[test]
    fn states_02_every_state() {
        for state in ChatState::ALL {
            let message = Element::new("message", ns::CLIENT).with_child(state.to_element());
            assert_eq!(ChatState::of(&message), Ok(Some(state)));
            assert_eq!(state.to_string().parse(), Ok(state));
        }
    }

    /// STATES-05: two states, or an unknown one, are unreadable; none is
    /// `None`.
    #[test]
    fn states_05_malformed() {
        let two = test_xml::parse(
            "<message type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/>\
             <composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
        );
        assert!(ChatState::of(&two).is_err());
        let unknown = test_xml::parse(
            "<message type='chat'><typing xmlns='http://jabber.org/protocol/chatstates'/></message>",
        );
        assert_eq!(
            ChatState::of(&unknown),
            Err(ParseError::Invalid("unknown chat state \"typing\"".into()))
        );
        let none = test_xml::parse("<message type='chat'><body>x</body><active/></message>");
        assert_eq!(ChatState::of(&none), Ok(None));
    }
}
