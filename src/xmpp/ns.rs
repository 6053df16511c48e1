//! Namespace URIs used on the wire.

pub const CLIENT: &str = "jabber:client";
pub const STREAM: &str = "http://etherx.jabber.org/streams";
pub const STREAM_ERRORS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
pub const TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
pub const SASL_CB: &str = "urn:xmpp:sasl-cb:0";
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
pub const ROSTER: &str = "jabber:iq:roster";
pub const ROSTER_VER: &str = "urn:xmpp:features:rosterver";
pub const PRE_APPROVAL: &str = "urn:xmpp:features:pre-approval";
pub const PING: &str = "urn:xmpp:ping";
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
pub const PRIVACY: &str = "jabber:iq:privacy";
pub const BLOCKING: &str = "urn:xmpp:blocking";
pub const BLOCKING_ERRORS: &str = "urn:xmpp:blocking:errors";
pub const SM: &str = "urn:xmpp:sm:3";
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Namespaces seen in nearly every session, returned as `'static` so the
/// stream reader does not allocate a copy for each element in them.
pub fn well_known(uri: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &[
        CLIENT,
        STREAM,
        STREAM_ERRORS,
        STANZAS,
        TLS,
        SASL,
        BIND,
        SESSION,
        ROSTER,
        ROSTER_VER,
        PRE_APPROVAL,
        PING,
        DISCO_INFO,
        PRIVACY,
        BLOCKING,
        BLOCKING_ERRORS,
        SM,
        XML,
        "http://jabber.org/protocol/caps",
        "http://jabber.org/protocol/chatstates",
        "http://jabber.org/protocol/disco#items",
        "http://jabber.org/protocol/muc",
        "http://jabber.org/protocol/muc#user",
        "http://jabber.org/protocol/nick",
        "http://jabber.org/protocol/xhtml-im",
        "http://www.w3.org/1999/xhtml",
        "jabber:x:data",
        "jabber:x:delay",
        "jabber:x:oob",
        "urn:xmpp:carbons:2",
        "urn:xmpp:chat-markers:0",
        "urn:xmpp:delay",
        "urn:xmpp:forward:0",
        "urn:xmpp:hints",
        "urn:xmpp:mam:2",
        "urn:xmpp:receipts",
        "urn:xmpp:sid:0",
        "urn:xmpp:idle:1",
        "vcard-temp:x:update",
    ];
    KNOWN.iter().copied().find(|known| *known == uri)
}
