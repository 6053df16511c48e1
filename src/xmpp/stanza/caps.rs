//! Entity capabilities as we announce them (XEP-0115; checklist §3 CAPS-01,
//! CAPS-02, CAPS-04, CAPS-05): the `ver` string computed from our identity
//! and features, and the `<c/>` every available presence carries. Servers
//! learn our `+notify` interests from it (PEP-10): without it Prosody and
//! ejabberd send no PEP notifications, bookmark pushes included.
//!
//! Syntax only: which features we have is the session's (`answer.rs`).
//! Only our own caps are written here; contacts' caps are not read. Must
//! not import `crate::app`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::digest;

use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// CAPS-04: a constant URI naming balcony.
pub const NODE: &str = "https://balcony.example/caps";

/// One `<identity/>`: category, type, `xml:lang` and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity<'a> {
    pub category: &'a str,
    pub kind: &'a str,
    pub lang: &'a str,
    pub name: &'a str,
}

/// CAPS-02: the `sha-1` verification string of `identities` and
/// `features` (no extended forms): identities sorted by category, type and
/// lang, each `category/type/lang/name<`, then the sorted features, each
/// `feature<`, hashed and written in base64 with padding.
pub fn ver(identities: &[Identity<'_>], features: &[&str]) -> String {
    let mut identities = identities.to_vec();
    identities.sort_by(|a, b| (a.category, a.kind, a.lang).cmp(&(b.category, b.kind, b.lang)));
    let mut features = features.to_vec();
    features.sort_unstable();
    let mut s = String::new();
    for identity in &identities {
        s.push_str(&format!(
            "{}/{}/{}/{}<",
            identity.category, identity.kind, identity.lang, identity.name
        ));
    }
    for feature in &features {
        s.push_str(feature);
        s.push('<');
    }
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, s.as_bytes());
    BASE64.encode(hash.as_ref())
}

/// CAPS-01: `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1'
/// node ver/>`.
pub fn element(ver: &str) -> Element {
    Element::new("c", ns::CAPS)
        .with_attr("hash", "sha-1")
        .with_attr("node", NODE)
        .with_attr("ver", ver)
}

/// CAPS-01: adds our `<c/>` to an available presence (no `type`) that has
/// none; every other stanza is left as it is.
pub fn stamp(stanza: &mut Element, ver: &str) {
    if stanza.name() == "presence"
        && stanza.ns() == ns::CLIENT
        && stanza.attr("type").is_none()
        && !stanza.has_child("c", ns::CAPS)
    {
        stanza.push_child(element(ver));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CAPS-02: the XEP's simple example and the checklist's vector.
    #[test]
    fn caps_02_ver_vectors() {
        let exodus = Identity {
            category: "client",
            kind: "pc",
            lang: "",
            name: "Exodus 0.9.1",
        };
        assert_eq!(
            ver(
                &[exodus],
                &[
                    "http://jabber.org/protocol/muc",
                    "http://jabber.org/protocol/caps",
                    "http://jabber.org/protocol/disco#items",
                    "http://jabber.org/protocol/disco#info",
                ]
            ),
            "QgayPKawpkPSDYmwT/WM94uAlu0="
        );
        let balcony = Identity {
            category: "client",
            kind: "console",
            lang: "",
            name: "balcony",
        };
        assert_eq!(
            ver(
                &[balcony],
                &[
                    "urn:xmpp:receipts",
                    "http://jabber.org/protocol/caps",
                    "http://jabber.org/protocol/disco#info",
                    "http://jabber.org/protocol/disco#items",
                    "urn:xmpp:bookmarks:1+notify",
                ]
            ),
            "HJpxRx4022QQrDAuc4c3V3fqhvc="
        );
    }

    /// CAPS-01: available presence gets the `<c/>`, once; unavailable and
    /// other stanzas do not.
    #[test]
    fn caps_01_stamp_available_presence_only() {
        let mut presence = Element::new("presence", ns::CLIENT);
        stamp(&mut presence, "V=");
        stamp(&mut presence, "V=");
        assert_eq!(
            presence.to_xml(),
            "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' \
             node='https://balcony.example/caps' ver='V='/></presence>"
        );
        let mut gone = Element::new("presence", ns::CLIENT).with_attr("type", "unavailable");
        stamp(&mut gone, "V=");
        assert_eq!(gone.to_xml(), "<presence type='unavailable'/>");
        let mut message = Element::new("message", ns::CLIENT);
        stamp(&mut message, "V=");
        assert_eq!(message.to_xml(), "<message/>");
    }
}
