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
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
pub const PRIVACY: &str = "jabber:iq:privacy";
pub const BLOCKING: &str = "urn:xmpp:blocking";
pub const BLOCKING_ERRORS: &str = "urn:xmpp:blocking:errors";
pub const SM: &str = "urn:xmpp:sm:3";
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// XEP-0004 data forms.
pub const DATA_FORMS: &str = "jabber:x:data";
/// XEP-0059 result set management.
pub const RSM: &str = "http://jabber.org/protocol/rsm";
/// XEP-0085 chat state notifications.
pub const CHAT_STATES: &str = "http://jabber.org/protocol/chatstates";
/// XEP-0184 message delivery receipts.
pub const RECEIPTS: &str = "urn:xmpp:receipts";
/// XEP-0203 delayed delivery.
pub const DELAY: &str = "urn:xmpp:delay";
/// XEP-0280 message carbons.
pub const CARBONS: &str = "urn:xmpp:carbons:2";
/// XEP-0280 §7: the server copies exactly as the XEP's rules say.
pub const CARBONS_RULES: &str = "urn:xmpp:carbons:rules:0";
/// XEP-0297 stanza forwarding.
pub const FORWARD: &str = "urn:xmpp:forward:0";
/// XEP-0308 last message correction.
pub const CORRECTION: &str = "urn:xmpp:message-correct:0";
/// XEP-0313 message archive management, version 2.
pub const MAM: &str = "urn:xmpp:mam:2";
/// XEP-0313 §7: the archive takes `before-id`, `after-id`, `ids`,
/// `<flip-page/>` and `<metadata/>`.
pub const MAM_EXTENDED: &str = "urn:xmpp:mam:2#extended";
/// XEP-0333 displayed markers.
pub const CHAT_MARKERS: &str = "urn:xmpp:chat-markers:0";
/// XEP-0334 message processing hints.
pub const HINTS: &str = "urn:xmpp:hints";
/// XEP-0352 client state indication.
pub const CSI: &str = "urn:xmpp:csi:0";
/// XEP-0359 unique and stable stanza ids.
pub const SID: &str = "urn:xmpp:sid:0";
/// XEP-0045 multi-user chat: the join `<x/>`, and the feature of a chat
/// service and of a client that takes part (MUC-05).
pub const MUC: &str = "http://jabber.org/protocol/muc";
/// XEP-0045 §15.2.2: what a room tells occupants.
pub const MUC_USER: &str = "http://jabber.org/protocol/muc#user";
/// XEP-0045 §15.2.3: moderation and affiliation lists.
pub const MUC_ADMIN: &str = "http://jabber.org/protocol/muc#admin";
/// XEP-0045 §15.2.4: room configuration and destruction.
pub const MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";
/// XEP-0249 direct invitations (MUC-05, MUC-48).
pub const CONFERENCE: &str = "jabber:x:conference";
/// XEP-0060 publish-subscribe.
pub const PUBSUB: &str = "http://jabber.org/protocol/pubsub";
/// XEP-0060 §7.1.4: notifications.
pub const PUBSUB_EVENT: &str = "http://jabber.org/protocol/pubsub#event";
/// XEP-0060 §12: application-specific error conditions.
pub const PUBSUB_ERRORS: &str = "http://jabber.org/protocol/pubsub#errors";
/// XEP-0060 §7.1.5: publishing with options (and its `FORM_TYPE`).
pub const PUBSUB_PUBLISH_OPTIONS: &str = "http://jabber.org/protocol/pubsub#publish-options";
/// XEP-0115 entity capabilities.
pub const CAPS: &str = "http://jabber.org/protocol/caps";
/// XEP-0402 PEP native bookmarks: the node and the payload namespace.
pub const BOOKMARKS: &str = "urn:xmpp:bookmarks:1";
/// XEP-0402 §3: the server keeps the XEP-0049 store in sync with the node.
pub const BOOKMARKS_COMPAT: &str = "urn:xmpp:bookmarks:1#compat";
/// XEP-0048 bookmarks, as kept in XEP-0049 private storage.
pub const LEGACY_BOOKMARKS: &str = "storage:bookmarks";
/// XEP-0049 private XML storage.
pub const PRIVATE: &str = "jabber:iq:private";
/// XEP-0363 HTTP file upload: slots, their errors, the service's feature.
pub const HTTP_UPLOAD: &str = "urn:xmpp:http:upload:0";
/// XEP-0066 out-of-band data in messages.
pub const OOB: &str = "jabber:x:oob";
/// XEP-0054 contact cards (VCARD-01).
pub const VCARD: &str = "vcard-temp";

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
        DATA_FORMS,
        RSM,
        CHAT_STATES,
        RECEIPTS,
        DELAY,
        CARBONS,
        FORWARD,
        CORRECTION,
        MAM,
        CHAT_MARKERS,
        HINTS,
        CSI,
        SID,
        PUBSUB,
        PUBSUB_EVENT,
        CAPS,
        BOOKMARKS,
        DISCO_ITEMS,
        MUC,
        MUC_USER,
        MUC_ADMIN,
        MUC_OWNER,
        CONFERENCE,
        "http://jabber.org/protocol/nick",
        "http://jabber.org/protocol/xhtml-im",
        "http://www.w3.org/1999/xhtml",
        "jabber:x:delay",
        "jabber:x:oob",
        "urn:xmpp:idle:1",
        "vcard-temp:x:update",
        VCARD,
    ];
    KNOWN.iter().copied().find(|known| *known == uri)
}
