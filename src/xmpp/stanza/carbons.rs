//! Message carbons, `urn:xmpp:carbons:2` (XEP-0280; checklist §6,
//! CARBONS-01..16): the enable and disable IQ payloads, the `<received/>`
//! and `<sent/>` wrappers around a forwarded copy of a message, and the
//! `<private/>` element that, with XEP-0334 `<no-copy/>`, keeps a message
//! away from our other devices.
//!
//! A wrapper is trusted only when it comes from our own bare JID
//! (CARBONS-04): [`carbon_from_own_account`] says whether it does, and the
//! caller asks it *before* using what [`Carbon::parse`] unwrapped. Showing
//! a copy, deduplicating it, and never answering one (CARBONS-08) belong to
//! the app; this module must not import `crate::app` or `crate::ui`.

use jid::{BareJid, Jid};

use super::forward::Forwarded;
use super::hints::Hint;
use super::message::MessageType;
use super::{ParseError, expect_stanza};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// CARBONS-02: the payload of the IQ set that turns carbons on for this
/// session. Sent without `to`, to our own account.
pub fn enable() -> Element {
    Element::new("enable", ns::CARBONS)
}

/// CARBONS-16: the payload that turns them off again.
pub fn disable() -> Element {
    Element::new("disable", ns::CARBONS)
}

/// CARBONS-11: `<private/>`, which asks our server not to copy a message.
pub fn private() -> Element {
    Element::new("private", ns::CARBONS)
}

/// CARBONS-11: marks an outbound message as private with both elements the
/// checklist asks for, `<private/>` and `<no-copy/>`. Only for messages to
/// a full JID: XEP-0334 forbids `<no-copy/>` on any other.
pub fn keep_private(message: &mut Element) {
    message.push_child(private());
    message.push_child(Hint::NoCopy.to_element());
}

/// True when `message` carries `<private/>` (CARBONS-11). Never proof that
/// a message without it reached our other devices (CARBONS-12).
pub fn is_private(message: &Element) -> bool {
    message.has_child("private", ns::CARBONS)
}

/// Which way the copied message went (XEP-0280 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// CARBONS-05: another of our resources received it.
    Received,
    /// CARBONS-06: another of our resources sent it.
    Sent,
}

impl Direction {
    /// The wrapper element's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Received => "received",
            Direction::Sent => "sent",
        }
    }
}

/// A carbon copy: the wrapper's direction and the message inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carbon {
    pub direction: Direction,
    pub forwarded: Forwarded,
}

impl Carbon {
    /// Unwraps the carbon in `message`, a `<message/>` stanza: `Ok(None)`
    /// when it holds no `<received/>` or `<sent/>`.
    ///
    /// CARBONS-07: one wrapper, holding exactly one `<forwarded/>` with one
    /// `<message/>`; a second wrapper (even of the other kind), a carbon
    /// inside a carbon, or an inner `type='groupchat'` is an error, and the
    /// caller drops the whole stanza. Does *not* check who sent the wrapper:
    /// see [`carbon_from_own_account`].
    pub fn parse(message: &Element) -> Result<Option<Carbon>, ParseError> {
        expect_stanza(message, "message")?;
        let mut wrappers = message
            .children()
            .filter(|c| c.ns() == ns::CARBONS && matches!(c.name(), "received" | "sent"));
        let Some(wrapper) = wrappers.next() else {
            return Ok(None);
        };
        if wrappers.next().is_some() {
            return Err(ParseError::Invalid(
                "a message holds more than one carbon".into(),
            ));
        }
        let direction = if wrapper.name() == "sent" {
            Direction::Sent
        } else {
            Direction::Received
        };
        let mut forwards = wrapper.children_named("forwarded", ns::FORWARD);
        let (Some(forwarded), None) = (forwards.next(), forwards.next()) else {
            return Err(ParseError::Invalid(
                "a carbon must hold exactly one forwarded element".into(),
            ));
        };
        let forwarded = Forwarded::parse(forwarded)?;
        if forwarded.message.kind == MessageType::Groupchat {
            return Err(ParseError::Invalid(
                "a carbon of a groupchat message".into(),
            ));
        }
        Ok(Some(Carbon {
            direction,
            forwarded,
        }))
    }

    /// The `<received/>` or `<sent/>` wrapper, as a server sends it.
    pub fn to_element(&self) -> Element {
        Element::new(self.direction.as_str(), ns::CARBONS).with_child(self.forwarded.to_element())
    }

    /// The conversation the copy belongs to: the inner sender for a
    /// `received` copy (CARBONS-05), the inner recipient for a `sent` one
    /// (CARBONS-06), as a bare JID. `None` when that address is missing.
    pub fn peer(&self) -> Option<BareJid> {
        let message = &self.forwarded.message;
        let address = match self.direction {
            Direction::Received => message.from.as_ref(),
            Direction::Sent => message.to.as_ref(),
        };
        address.map(Jid::to_bare)
    }
}

/// CARBONS-04: true only when the wrapper's `from` is exactly our bare
/// JID. A contact, a full JID (even one of our own resources), another
/// account on our server, our domain, or no `from` at all is a spoof, and
/// the whole stanza is ignored.
pub fn carbon_from_own_account(wrapper_from: Option<&Jid>, own: &BareJid) -> bool {
    wrapper_from.is_some_and(|from| from == own)
}

#[cfg(test)]
#[path = "carbons_tests.rs"]
mod tests;
