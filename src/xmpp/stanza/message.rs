//! The `<message/>` stanza (RFC 3921 §2.1 syntax, §4 exchanging messages;
//! RFC 6121 §5.2 for `<thread parent=…>`): its type, language alternatives of
//! body and subject, thread and error, and its XEP-0359 stable ids
//! (`origin-id`, `stanza-id`, read by [`super::stable_id`]) and XEP-0184
//! delivery receipts (request and receipt, [`super::receipts`]) and its XEP-0085
//! chat state ([`super::chat_states`]), its multi-user chat `<x/>`
//! ([`super::muc`]), its direct invitation ([`super::conference`]) and
//! `<delay/>` ([`super::delay`]), read from and written to an [`Element`].
//! Conversation logic (lock-in, thread contexts) lives in the app; this file
//! only says what a message contains.

use std::fmt;
use std::str::FromStr;

use jid::Jid;

use super::chat_states::ChatState;
use super::conference::DirectInvite;
use super::delay::Delay;
use super::lang::{self, LangText};
use super::muc::MucUser;
use super::muc::request::VoiceRequest;
use super::stable_id::{self, StanzaId};
use super::{ParseError, error_child, expect_stanza, jid_attr, owned_attr, quoted};
use super::{correction, markers, receipts};
use crate::xmpp::element::Element;
use crate::xmpp::error::StanzaError;
use crate::xmpp::{cap, id, ns};

/// The `type` of a message (RFC 3921 §2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    Chat,
    Normal,
    Headline,
    Groupchat,
    Error,
}

impl MessageType {
    /// The attribute value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Chat => "chat",
            MessageType::Normal => "normal",
            MessageType::Headline => "headline",
            MessageType::Groupchat => "groupchat",
            MessageType::Error => "error",
        }
    }

    /// Reads an inbound `type` attribute. SYN-02: a missing or unknown type is
    /// handled as `normal`.
    pub fn from_attr(value: Option<&str>) -> MessageType {
        value
            .and_then(|v| v.parse().ok())
            .unwrap_or(MessageType::Normal)
    }
}

impl FromStr for MessageType {
    type Err = ParseError;

    /// Strict: only the five values of SYN-01.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "chat" => MessageType::Chat,
            "normal" => MessageType::Normal,
            "headline" => MessageType::Headline,
            "groupchat" => MessageType::Groupchat,
            "error" => MessageType::Error,
            other => {
                return Err(ParseError::Invalid(format!(
                    "unknown message type {:?}",
                    quoted(other)
                )));
            }
        })
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `<thread/>` (SYN-08): an opaque id, compared only exactly, with the
/// optional `parent` of a sub-thread (NEW-12).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Thread {
    pub id: String,
    pub parent: Option<String>,
}

impl Thread {
    /// A new top-level thread with an id that is unique and hard to guess:
    /// 128 random bits in hex (MSG-07).
    pub fn new_random() -> Thread {
        Thread {
            id: id::random_hex(16),
            parent: None,
        }
    }
}

/// A message stanza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub id: Option<String>,
    pub kind: MessageType,
    /// The stanza's own `xml:lang`, the default for bodies and subjects.
    pub lang: Option<String>,
    pub bodies: Vec<LangText>,
    pub subjects: Vec<LangText>,
    pub thread: Option<Thread>,
    /// Set for `type='error'` (SYN-15, MSG-12).
    pub error: Option<StanzaError>,
    /// SYN-09: the message had children in namespaces other than
    /// `jabber:client` (chat states, receipts, …). They are not kept.
    pub has_unknown_payload: bool,
    /// SID-01 / SID-05: the sender's `<origin-id/>`; written when sending.
    /// Spoofable: it only ever recognises a message of the same sender.
    pub origin_id: Option<String>,
    /// SID-02 / SID-03: the well-formed `<stanza-id/>`s, as read; which
    /// archive to trust is the app's decision. Never written.
    pub stanza_ids: Vec<StanzaId>,
    /// RECEIPTS-02 / RECEIPTS-07: the message asks for a delivery receipt
    /// (`<request xmlns='urn:xmpp:receipts'/>`); written when sending.
    pub receipt_request: bool,
    /// RECEIPTS-08: the id a `<received/>` in the message names: a delivery
    /// receipt for one of the sender's recipient's messages. Written when
    /// sending (the receipt itself, RECEIPTS-02).
    pub receipt: Option<String>,
    /// STATES-02, STATES-05: the message's one chat state (XEP-0085); an
    /// unreadable one (two states, an unknown name) is none. Written when
    /// sending.
    pub chat_state: Option<ChatState>,
    /// CORRECT-03 / CORRECT-10: the original message's `id` a
    /// `<replace/>` names: this message corrects that one (XEP-0308).
    /// Written when sending a correction.
    pub replace: Option<String>,
    /// MARKERS-02: the message asks for a displayed marker
    /// (`<markable/>`, XEP-0333); written when sending.
    pub markable: bool,
    /// MARKERS-03: the id a `<displayed/>` names: the sender has seen that
    /// message and those before it. Written when sending the marker.
    pub displayed: Option<String>,
    /// MUC-14, MUC-22, MUC-29, MUC-30: the multi-user chat `<x/>` (XEP-0045
    /// muc#user): status codes of a room notice, an invitation, or the
    /// empty one a private message carries. Read and written.
    pub muc: Option<MucUser>,
    /// MUC-48: a direct invitation (XEP-0249 `jabber:x:conference`). Read
    /// and written.
    pub direct_invite: Option<DirectInvite>,
    /// MUC-34, MUC-37: a voice request (the `muc#request` data form), as a
    /// room relays it to moderators or as we send it. Read and written.
    pub voice_request: Option<VoiceRequest>,
    /// MUC-21: the `<delay/>` (XEP-0203) a room puts on its history, or a
    /// server on a message it held. Read only.
    pub delay: Option<Delay>,
    /// UPLOAD-09, UPLOAD-10: an out-of-band link (XEP-0066), such as a
    /// shared upload. Read and written.
    pub oob: Option<super::oob::Oob>,
    /// OMEMO-30: the OMEMO `<encrypted/>` (XEP-0384), as read or to write.
    pub encrypted: Option<super::omemo::Encrypted>,
    /// What end-to-end encryption decided for this message: set once
    /// (by the engine's OMEMO) and read by everyone after, never re-derived.
    pub e2e: super::omemo::E2e,
}

/// Longest body kept: a chat line, not a file transfer. Each conversation
/// holds thousands of lines, so a hostile sender must not make each one a
/// megabyte.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest subject kept.
pub const MAX_SUBJECT_BYTES: usize = 1024;

/// UPLOAD-10: the link a message carries out of band (XEP-0066) is part of
/// what it says, decided here once for every reader (chats, rooms, copies,
/// archives): a body that does not already show the URL ends with it on a
/// line of its own (after its description, if any), and a message with the
/// link alone gets that line as its body. What we send has the URL as its
/// body, so it reads back unchanged.
fn with_link_shown(mut bodies: Vec<LangText>, oob: Option<&super::oob::Oob>) -> Vec<LangText> {
    let Some(oob) = oob else {
        return bodies;
    };
    let line = match &oob.desc {
        Some(desc) => format!("{}: {}", desc.trim(), oob.url),
        None => oob.url.clone(),
    };
    if bodies.iter().all(|body| body.text.trim().is_empty()) {
        return vec![LangText {
            lang: None,
            text: line,
        }];
    }
    for body in &mut bodies {
        if !body.text.contains(&oob.url) {
            body.text.push('\n');
            body.text.push_str(&line);
        }
    }
    bodies
}

/// Cuts each text to `max` bytes, visibly.
fn capped(mut texts: Vec<LangText>, max: usize) -> Vec<LangText> {
    for text in &mut texts {
        cap::cut(&mut text.text, max);
    }
    texts
}

impl Message {
    /// An empty message of type `kind`, without id or addresses.
    pub fn new(kind: MessageType) -> Message {
        Message {
            from: None,
            to: None,
            id: None,
            kind,
            lang: None,
            bodies: Vec::new(),
            subjects: Vec::new(),
            thread: None,
            error: None,
            has_unknown_payload: false,
            origin_id: None,
            stanza_ids: Vec::new(),
            receipt_request: false,
            receipt: None,
            chat_state: None,
            replace: None,
            markable: false,
            displayed: None,
            muc: None,
            direct_invite: None,
            voice_request: None,
            delay: None,
            oob: None,
            encrypted: None,
            e2e: super::omemo::E2e::Plain,
        }
    }

    /// A chat message to `to` with a fresh id (MSG-04, MSG-05), which is
    /// also its origin-id (SID-01).
    pub fn chat(to: Jid, body: impl Into<String>) -> Message {
        let id = id::next();
        Message {
            to: Some(to),
            origin_id: Some(id.clone()),
            id: Some(id),
            bodies: vec![LangText::new(body)],
            ..Message::new(MessageType::Chat)
        }
    }

    /// Reads a `<message/>` in `jabber:client`.
    ///
    /// Lenient where RFC 3921 asks us to be: an unknown `type` is `normal`
    /// (SYN-02), stray markup in body or subject is ignored (SYN-06), only the
    /// first `<thread/>` counts (SYN-08) and unknown payloads are only noted
    /// (SYN-09). Strict where it matters: an invalid `from` or `to` is an
    /// error, so a message is never attributed to the wrong contact.
    pub fn parse(element: &Element) -> Result<Message, ParseError> {
        expect_stanza(element, "message")?;
        let kind = MessageType::from_attr(element.attr("type"));
        let thread = element.child("thread", ns::CLIENT).and_then(|t| {
            let id = t.text();
            // An empty thread id names nothing to continue.
            (!id.is_empty()).then(|| Thread {
                id: cap::id(id),
                parent: owned_attr(t, "parent").map(cap::id),
            })
        });
        let oob = super::oob::Oob::of(element);
        let bodies = capped(lang::collect(element, "body"), MAX_BODY_BYTES);
        let (encrypted, e2e) = super::omemo::Encrypted::of(element);
        Ok(Message {
            from: jid_attr(element, "from")?,
            to: jid_attr(element, "to")?,
            id: owned_attr(element, "id").map(cap::id),
            kind,
            lang: element.lang().map(str::to_owned),
            bodies: with_link_shown(bodies, oob.as_ref()),
            subjects: capped(lang::collect(element, "subject"), MAX_SUBJECT_BYTES),
            thread,
            error: (kind == MessageType::Error).then(|| StanzaError::from_stanza(element)),
            has_unknown_payload: element.children().any(|c| c.ns() != ns::CLIENT),
            origin_id: stable_id::parse_origin_id(element),
            stanza_ids: stable_id::parse_stanza_ids(element),
            receipt_request: receipts::is_requested(element),
            receipt: receipts::received_id(element).map(cap::id),
            chat_state: ChatState::of(element).ok().flatten(),
            replace: correction::replaced_id(element).map(cap::id),
            markable: markers::is_markable(element),
            displayed: markers::displayed_id(element).map(cap::id),
            muc: MucUser::of(element),
            direct_invite: DirectInvite::of(element),
            voice_request: VoiceRequest::of(element),
            delay: Delay::of(element).ok().flatten(),
            oob,
            encrypted,
            e2e,
        })
    }

    /// Builds the element to send.
    ///
    /// Always writes `type` (SYN-01, MSG-04) and the id when set; never
    /// `from`, which the server stamps (CORE-24). Bodies and subjects keep
    /// their `xml:lang`, one per language (I18N-04). The `<error/>` child is
    /// written only for `type='error'`.
    pub fn to_element(&self) -> Element {
        let mut element = Element::new("message", ns::CLIENT)
            .with_opt_attr("to", self.to.as_ref().map(Jid::to_string))
            .with_attr("type", self.kind.as_str())
            .with_opt_attr("id", self.id.clone())
            .with_opt_attr("xml:lang", self.lang.clone());
        let lang = self.lang.as_deref();
        lang::push_texts(&mut element, "subject", &self.subjects, lang);
        lang::push_texts(&mut element, "body", &self.bodies, lang);
        if let Some(thread) = &self.thread {
            element.push_child(
                Element::new("thread", ns::CLIENT)
                    .with_opt_attr("parent", thread.parent.clone())
                    .with_text(thread.id.clone()),
            );
        }
        if self.kind == MessageType::Error {
            element.push_child(error_child(self.error.as_ref()));
        }
        if let Some(origin_id) = &self.origin_id {
            element.push_child(stable_id::origin_id(origin_id));
        }
        // RECEIPTS-03: a receipt never asks for one.
        if let Some(id) = &self.receipt {
            element.push_child(receipts::received(id));
        } else if self.receipt_request {
            element.push_child(receipts::request());
        }
        if let Some(state) = self.chat_state {
            element.push_child(state.to_element());
        }
        if let Some(id) = &self.replace {
            element.push_child(correction::replace(id));
        }
        if let Some(user) = &self.muc {
            element.push_child(user.to_element());
        }
        if let Some(invite) = &self.direct_invite {
            element.push_child(invite.to_element());
        }
        if let Some(request) = &self.voice_request {
            element.push_child(request.to_element());
        }
        if let Some(oob) = &self.oob {
            element.push_child(oob.to_element());
        }
        if let Some(encrypted) = &self.encrypted {
            element.push_child(encrypted.to_element());
            // OMEMO-33: archived for the user's other devices, and named
            // for clients that cannot read it (XEP-0380).
            element.push_child(Element::new("store", ns::HINTS));
            element.push_child(
                Element::new("encryption", super::omemo::EME)
                    .with_attr("namespace", encrypted.ns.xmlns())
                    .with_attr("name", "OMEMO"),
            );
        }
        // MARKERS-04: a marker never asks for one.
        if let Some(id) = &self.displayed {
            element.push_child(markers::displayed(id));
        } else if self.markable {
            element.push_child(markers::markable());
        }
        element
    }

    /// The body to show for a user reading `preferred_lang` (I18N-03).
    pub fn body(&self, preferred_lang: &str) -> Option<&str> {
        lang::select(&self.bodies, preferred_lang, self.lang.as_deref()).map(|t| t.text.as_str())
    }

    /// The subject to show for a user reading `preferred_lang` (I18N-03).
    pub fn subject(&self, preferred_lang: &str) -> Option<&str> {
        lang::select(&self.subjects, preferred_lang, self.lang.as_deref()).map(|t| t.text.as_str())
    }

    /// True when there is nothing to show: no non-empty body or subject and
    /// no error. SYN-09: a message carrying only unknown children (or only a
    /// thread) is ignored as a whole rather than drawn as an empty line.
    pub fn is_empty(&self) -> bool {
        self.bodies.iter().all(|b| b.text.is_empty())
            && self.subjects.iter().all(|s| s.text.is_empty())
            && self.error.is_none()
    }

    /// A reply to this message: addressed to its sender, with the same type
    /// (SYN-05), the same thread (MSG-08) and a fresh id (MSG-05).
    pub fn reply(&self, body: impl Into<String>) -> Message {
        Message {
            to: self.from.clone(),
            id: Some(id::next()),
            bodies: vec![LangText::new(body)],
            thread: self.thread.clone(),
            ..Message::new(self.kind)
        }
    }

    /// The `type='error'` answer to this message, or `None` when it is itself
    /// an error: SYN-04 and CORE-23 forbid answering an error with an error.
    /// Keeps the id so the sender can match it (MSG-12).
    pub fn error_reply(&self, error: StanzaError) -> Option<Message> {
        (self.kind != MessageType::Error).then(|| Message {
            to: self.from.clone(),
            id: self.id.clone(),
            error: Some(error),
            ..Message::new(MessageType::Error)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::xmpp::error::{ErrorType, StanzaCondition};
    use crate::xmpp::stanza::test_xml;

    fn parse(xml: &str) -> Message {
        Message::parse(&test_xml::parse(xml)).unwrap()
    }

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    /// UPLOAD-10: a link carried out of band is shown once: after a body
    /// that does not show it, as the body when there is none, and not
    /// again when the body is the URL (what we and most clients send).
    #[test]
    fn upload_10_an_oob_link_is_part_of_the_body() {
        let oob = "<x xmlns='jabber:x:oob'><url>https://up.example/a%20b.png</url></x>";
        let with_text = parse(&format!(
            "<message from='romeo@example.net/o' type='chat'><body>look</body>{oob}</message>"
        ));
        assert_eq!(
            with_text.body(""),
            Some("look\nhttps://up.example/a%20b.png")
        );
        let alone = parse(&format!(
            "<message from='romeo@example.net/o' type='chat'>{oob}</message>"
        ));
        assert_eq!(alone.body(""), Some("https://up.example/a%20b.png"));
        assert!(!alone.is_empty());
        let same = parse(&format!(
            "<message from='romeo@example.net/o' type='chat'>\
             <body>https://up.example/a%20b.png</body>{oob}</message>"
        ));
        assert_eq!(same.body(""), Some("https://up.example/a%20b.png"));
        let described = parse(
            "<message from='romeo@example.net/o' type='chat'><x xmlns='jabber:x:oob'>\
             <url>https://up.example/c.pdf</url><desc>the contract</desc></x></message>",
        );
        assert_eq!(
            described.body(""),
            Some("the contract: https://up.example/c.pdf")
        );
        let plain = parse("<message from='romeo@example.net/o'><body>hi</body></message>");
        assert_eq!(plain.body(""), Some("hi"));
    }

    /// RECEIPTS-07 / RECEIPTS-08: a request and a receipt are read into
    /// typed fields and written back; a receipt never carries a request
    /// (RECEIPTS-03).
    #[test]
    fn receipts_request_and_receipt_fields() {
        let asked = parse(
            "<message from='romeo@example.net/orchard' type='chat' id='r1'><body>hi</body>\
             <request xmlns='urn:xmpp:receipts'/></message>",
        );
        assert!(asked.receipt_request);
        assert_eq!(asked.receipt, None);
        let receipt = parse(
            "<message from='romeo@example.net/orchard' id='x'>\
             <received xmlns='urn:xmpp:receipts' id='m5'/></message>",
        );
        assert!(!receipt.receipt_request);
        assert_eq!(receipt.receipt.as_deref(), Some("m5"));
        assert!(receipt.is_empty(), "a receipt alone is not a line");
        let mut m = Message::new(MessageType::Chat);
        m.id = Some("m1".into());
        m.receipt_request = true;
        assert_eq!(
            m.to_element().to_xml(),
            "<message type='chat' id='m1'><request xmlns='urn:xmpp:receipts'/></message>"
        );
        m.receipt = Some("r1".into());
        assert_eq!(
            m.to_element().to_xml(),
            "<message type='chat' id='m1'><received xmlns='urn:xmpp:receipts' id='r1'/></message>"
        );
    }

    /// CORRECT-03, MARKERS-02, MARKERS-03: a correction, a markable
    /// message and a marker are read into typed fields and written back; a
    /// marker never asks for one (MARKERS-04).
    #[test]
    fn correction_and_marker_fields() {
        let correction = parse(
            "<message from='romeo@example.net/orchard' type='chat' id='c2'><body>window</body>\
             <replace xmlns='urn:xmpp:message-correct:0' id='m1'/>\
             <markable xmlns='urn:xmpp:chat-markers:0'/></message>",
        );
        assert_eq!(correction.replace.as_deref(), Some("m1"));
        assert!(correction.markable);
        assert_eq!(correction.displayed, None);
        let marker = parse(
            "<message from='romeo@example.net/orchard' type='chat' id='d1'>\
             <displayed xmlns='urn:xmpp:chat-markers:0' id='m6'/></message>",
        );
        assert_eq!(marker.displayed.as_deref(), Some("m6"));
        assert!(marker.is_empty(), "a marker alone is not a line");
        let mut m = Message::new(MessageType::Chat);
        m.id = Some("c2".into());
        m.bodies = vec![LangText::new("window")];
        m.replace = Some("m1".into());
        m.markable = true;
        assert_eq!(
            m.to_element().to_xml(),
            "<message type='chat' id='c2'><body>window</body>\
             <replace xmlns='urn:xmpp:message-correct:0' id='m1'/>\
             <markable xmlns='urn:xmpp:chat-markers:0'/></message>"
        );
        let mut d = Message::new(MessageType::Chat);
        d.id = Some("d1".into());
        d.displayed = Some("m6".into());
        d.markable = true;
        assert_eq!(
            d.to_element().to_xml(),
            "<message type='chat' id='d1'><displayed xmlns='urn:xmpp:chat-markers:0' id='m6'/>\
             </message>"
        );
    }

    /// SYN-01: the checklist's outbound chat, byte for byte.
    #[test]
    fn syn_01_outbound_chat_shape() {
        let mut m = Message::chat(jid("romeo@example.net"), "hi");
        assert_eq!(m.origin_id, m.id, "SID-01: the origin-id is the id");
        m.id = Some("m1".into());
        m.origin_id = Some("m1".into());
        assert_eq!(
            m.to_element().to_xml(),
            "<message to='romeo@example.net' type='chat' id='m1'><body>hi</body>\
             <origin-id xmlns='urn:xmpp:sid:0' id='m1'/></message>"
        );
    }

    /// SYN-01 / MSG-04 / MSG-05: the helper sets type and a fresh id.
    #[test]
    fn msg_04_chat_helper_sets_type_and_id() {
        let a = Message::chat(jid("romeo@example.net"), "a");
        let b = Message::chat(jid("romeo@example.net"), "b");
        assert_eq!(a.kind, MessageType::Chat);
        assert!(a.id.is_some());
        assert_ne!(a.id, b.id);
        assert_eq!(a.to_element().attr("type"), Some("chat"));
    }

    /// SYN-01 / MSG-04: even a default-built message writes its type.
    #[test]
    fn syn_01_type_always_written() {
        let m = Message::new(MessageType::Normal);
        assert_eq!(m.to_element().to_xml(), "<message type='normal'/>");
    }

    /// SYN-02: an unknown type is handled as normal; every field is read.
    #[test]
    fn syn_02_unknown_type_is_normal() {
        let m = parse(
            "<message from='romeo@example.net/orchard' type='x-foo'><body>x</body></message>",
        );
        assert_eq!(
            m,
            Message {
                from: Some(jid("romeo@example.net/orchard")),
                bodies: vec![LangText::new("x")],
                ..Message::new(MessageType::Normal)
            }
        );
    }

    /// SYN-02: a missing type is normal too.
    #[test]
    fn syn_02_missing_type_is_normal() {
        let m = parse("<message from='romeo@example.net'><body>x</body></message>");
        assert_eq!(m.kind, MessageType::Normal);
    }

    #[test]
    fn message_type_strings_round_trip() {
        for kind in [
            MessageType::Chat,
            MessageType::Normal,
            MessageType::Headline,
            MessageType::Groupchat,
            MessageType::Error,
        ] {
            assert_eq!(kind.as_str().parse::<MessageType>(), Ok(kind));
            assert_eq!(MessageType::from_attr(Some(kind.as_str())), kind);
        }
        assert_eq!(
            "Chat".parse::<MessageType>(),
            Err(ParseError::Invalid("unknown message type \"Chat\"".into()))
        );
    }

    /// SYN-03: a headline with subject and body.
    #[test]
    fn syn_03_headline() {
        let m = parse(
            "<message from='news.example.com' type='headline'><subject>Alert</subject><body>…</body></message>",
        );
        assert_eq!(m.kind, MessageType::Headline);
        assert_eq!(m.subject("en"), Some("Alert"));
        assert_eq!(m.body("en"), Some("…"));
        assert_eq!(m.from, Some(jid("news.example.com")));
    }

    /// SYN-05 / MSG-08: a reply keeps the type and thread and goes back to
    /// the sender's full JID.
    #[test]
    fn syn_05_reply_keeps_type_and_thread() {
        let m = parse(
            "<message from='romeo@example.net/orchard' type='normal'><thread>t-77</thread><body>q</body></message>",
        );
        let mut r = m.reply("a");
        assert_eq!(r.kind, MessageType::Normal);
        r.id = Some("r1".into());
        assert_eq!(
            r.to_element().to_xml(),
            "<message to='romeo@example.net/orchard' type='normal' id='r1'><body>a</body><thread>t-77</thread></message>"
        );
    }

    /// SYN-06 / MSG-06: subject and body of a normal message, and the
    /// checklist's outbound shape (subject before body).
    #[test]
    fn syn_06_msg_06_subject_and_body() {
        let xml = "<message to='romeo@example.net' type='normal' id='n1'><subject>Masque</subject><body>Tonight</body></message>";
        let m = parse(xml);
        assert_eq!(m.to, Some(jid("romeo@example.net")));
        assert_eq!(m.id.as_deref(), Some("n1"));
        assert_eq!(m.kind, MessageType::Normal);
        assert_eq!(m.subjects, vec![LangText::new("Masque")]);
        assert_eq!(m.bodies, vec![LangText::new("Tonight")]);
        assert!(!m.has_unknown_payload);
        assert_eq!(m.to_element().to_xml(), xml);
    }

    /// SYN-06: stray markup in a body is ignored, its text kept.
    #[test]
    fn syn_06_stray_markup_ignored() {
        let m = parse("<message type='chat'><body>a<b>X</b>c</body></message>");
        assert_eq!(m.body("en"), Some("ac"));
        assert!(!m.has_unknown_payload);
    }

    /// SYN-07 / I18N-03: several bodies, the reader picks one.
    #[test]
    fn syn_07_picks_one_body_by_language() {
        let xml = "<message from='romeo@example.net/orchard' type='chat'><body xml:lang='en'>Hi</body><body xml:lang='it'>Ciao</body></message>";
        let m = parse(xml);
        assert_eq!(
            m.bodies,
            vec![
                LangText::with_lang("en", "Hi"),
                LangText::with_lang("it", "Ciao")
            ]
        );
        assert_eq!(m.body("it"), Some("Ciao"));
        assert_eq!(m.body("en-GB"), Some("Hi"));
        assert_eq!(m.body("fr"), Some("Hi"));
    }

    /// I18N-05: a server-stamped stanza language is the default for bodies
    /// without their own.
    #[test]
    fn i18n_05_stanza_lang_is_default() {
        let m = parse(
            "<message xml:lang='IT' type='chat'><body xml:lang='en'>Hi</body><body>Ciao</body></message>",
        );
        assert_eq!(m.lang.as_deref(), Some("IT"));
        assert_eq!(m.body("it"), Some("Ciao"));
        assert_eq!(m.body("en"), Some("Hi"));
    }

    /// I18N-04: never two bodies with the same language; the first wins.
    #[test]
    fn i18n_04_duplicate_langs_deduped() {
        let mut m = Message::new(MessageType::Chat);
        m.lang = Some("it".into());
        m.bodies = vec![
            LangText::with_lang("en", "Hi"),
            LangText::with_lang("EN", "Hello"),
            LangText::new("Ciao"),
            LangText::with_lang("it", "Salve"),
        ];
        assert_eq!(
            m.to_element().to_xml(),
            "<message type='chat' xml:lang='it'><body xml:lang='en'>Hi</body><body>Ciao</body></message>"
        );
    }

    /// SYN-08: the thread is opaque (case and spacing kept), only the first
    /// counts; NEW-12: the parent attribute is read and written.
    #[test]
    fn syn_08_new_12_thread() {
        let m = parse(
            "<message type='chat'><thread parent='e0ffe42b28561960c6b12b944a092794'> 7edb </thread>\
             <thread>second</thread><body>x</body></message>",
        );
        let thread = m.thread.clone().unwrap();
        assert_eq!(thread.id, " 7edb ");
        assert_eq!(
            thread.parent.as_deref(),
            Some("e0ffe42b28561960c6b12b944a092794")
        );
        let out = m.to_element();
        assert_eq!(out.children_named("thread", ns::CLIENT).count(), 1);
        assert_eq!(
            Message::parse(&out).unwrap().thread,
            Some(thread),
            "round trip"
        );
    }

    /// An empty `<thread/>` names no thread.
    #[test]
    fn syn_08_empty_thread_is_none() {
        let m = parse("<message type='chat'><thread/><body>x</body></message>");
        assert_eq!(m.thread, None);
    }

    /// MSG-07: a new thread id is 128 random bits in hex, unique.
    #[test]
    fn msg_07_new_thread_id() {
        let a = Thread::new_random();
        let b = Thread::new_random();
        assert_eq!(a.id.len(), 32);
        assert!(a.id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(a.parent, None);
    }

    /// SYN-09: a message whose only child is unknown is ignored as a whole.
    #[test]
    fn syn_09_only_unknown_child_is_empty() {
        let m = parse(
            "<message from='romeo@example.net/orchard'><x xmlns='urn:example:unknown'/></message>",
        );
        assert!(m.has_unknown_payload);
        assert!(m.is_empty());
        assert_eq!(m.kind, MessageType::Normal);
    }

    /// SYN-09: unknown parts beside a body are ignored, the body is shown.
    #[test]
    fn syn_09_unknown_beside_body() {
        let m = parse(
            "<message type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/><body>x</body></message>",
        );
        assert!(m.has_unknown_payload);
        assert!(!m.is_empty());
    }

    /// SYN-09: a thread alone, or an empty body, has nothing to show.
    #[test]
    fn syn_09_thread_only_is_empty() {
        assert!(parse("<message type='chat'><thread>t</thread></message>").is_empty());
        assert!(parse("<message type='chat'><body/></message>").is_empty());
    }

    /// MSG-12 / SYN-15: an error message keeps the id and the condition, and
    /// is not empty (it must be shown).
    #[test]
    fn msg_12_error_message() {
        let m = parse(
            "<message type='error' from='romeo@example.net' id='c1'><error type='cancel'>\
             <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
        );
        assert_eq!(m.kind, MessageType::Error);
        assert_eq!(m.id.as_deref(), Some("c1"));
        assert_eq!(m.from, Some(jid("romeo@example.net")));
        let error = m.error.clone().unwrap();
        assert_eq!(error.condition, StanzaCondition::ServiceUnavailable);
        assert_eq!(error.error_type, ErrorType::Cancel);
        assert!(!m.is_empty());
        assert!(!m.has_unknown_payload);
        // SYN-04 / CORE-23: never answer an error with an error.
        assert_eq!(
            m.error_reply(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::ServiceUnavailable
            )),
            None
        );
    }

    /// SYN-15: `type='error'` without `<error/>` still yields an error.
    #[test]
    fn syn_15_error_without_error_child() {
        let m = parse("<message type='error' id='c1'/>");
        assert_eq!(
            m.error.map(|e| e.condition),
            Some(StanzaCondition::UndefinedCondition)
        );
    }

    /// An `<error/>` child on a non-error message is not an error.
    #[test]
    fn error_child_ignored_unless_type_error() {
        let m = parse("<message type='chat'><error type='cancel'/><body>x</body></message>");
        assert_eq!(m.error, None);
    }

    /// SYN-04: the checklist's error reply, byte for byte.
    #[test]
    fn syn_04_error_reply_shape() {
        let m = parse(
            "<message from='romeo@example.net/orchard' type='chat' id='m7'><body>x</body></message>",
        );
        let reply = m
            .error_reply(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::ServiceUnavailable,
            ))
            .unwrap();
        assert_eq!(
            reply.to_element().to_xml(),
            "<message to='romeo@example.net/orchard' type='error' id='m7'><error type='cancel'>\
             <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        );
    }

    /// SYN-04: an outbound error always carries `<error/>`, even when the
    /// caller forgot to set one.
    #[test]
    fn syn_04_error_child_always_written() {
        let m = Message::new(MessageType::Error);
        assert_eq!(
            m.to_element().to_xml(),
            "<message type='error'><error type='cancel'>\
             <undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        );
    }

    /// MSG-13: a message to our bare JID from a bare domain (an MOTD).
    #[test]
    fn msg_13_bare_to_and_domain_from() {
        let m = parse(
            "<message from='example.com' to='juliet@example.com'><body>Maintenance at 22:00</body></message>",
        );
        let from = m.from.clone().unwrap();
        assert!(from.node().is_none());
        assert_eq!(from.domain().as_str(), "example.com");
        assert_eq!(m.to, Some(jid("juliet@example.com")));
        assert!(m.to.as_ref().unwrap().is_bare());
        assert_eq!(m.kind, MessageType::Normal);
        assert_eq!(m.body("en"), Some("Maintenance at 22:00"));
    }

    /// I18N-06: non-ASCII JIDs parse and round-trip.
    #[test]
    fn i18n_06_non_ascii_from() {
        let m = parse(
            "<message from='josé@example.net/móvil' type='chat'><body>¡Hola!</body></message>",
        );
        let from = m.from.clone().unwrap();
        assert_eq!(from.node().map(|n| n.as_str()), Some("josé"));
        assert_eq!(from.resource().map(|r| r.as_str()), Some("móvil"));
        let reply = m.reply("olá");
        assert!(
            reply
                .to_element()
                .to_xml()
                .starts_with("<message to='josé@example.net/móvil' type='chat'")
        );
    }

    /// CORE-24: `from` is never written, even when set.
    #[test]
    fn core_24_no_from() {
        let mut m = Message::chat(jid("romeo@example.net"), "x");
        m.from = Some(jid("juliet@example.com/balcony"));
        assert_eq!(m.to_element().attr("from"), None);
    }

    /// An invalid `from` is an error, never a different contact.
    #[test]
    fn invalid_from_is_an_error() {
        let e = test_xml::parse(
            "<message from='romeo@@example.net' type='chat'><body>x</body></message>",
        );
        assert_eq!(
            Message::parse(&e),
            Err(ParseError::InvalidJid {
                attr: "from",
                value: "romeo@@example.net".into()
            })
        );
        let e = test_xml::parse("<message to='a@b/' type='chat'/>");
        assert!(matches!(
            Message::parse(&e),
            Err(ParseError::InvalidJid { attr: "to", .. })
        ));
    }

    #[test]
    fn wrong_element_is_refused() {
        let e = test_xml::parse("<presence/>");
        assert!(matches!(Message::parse(&e), Err(ParseError::Invalid(_))));
    }

    /// A 10 MB body parses without trouble (the reader caps stanza size).
    #[test]
    /// Hostile input: a 10 MB body is cut to MAX_BODY_BYTES on a character
    /// boundary, never a panic.
    fn huge_body_is_bounded() {
        let body = "é".repeat(5 * 1024 * 1024);
        let e = Element::new("message", ns::CLIENT)
            .with_attr("type", "chat")
            .with_child(Element::new("body", ns::CLIENT).with_text(body));
        let m = Message::parse(&e).unwrap();
        let kept = m.body("en").unwrap();
        assert!(kept.len() <= MAX_BODY_BYTES && kept.len() > MAX_BODY_BYTES - 4);
        // Cut visibly: the text, then "…".
        let cut = kept.strip_suffix('…').expect("ends with an ellipsis");
        assert!(cut.chars().all(|c| c == 'é'));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod cap_tests {
    use super::*;
    use crate::xmpp::cap::MAX_ID_BYTES;

    /// Hostile input: a 200 KiB id and thread id are kept as digests, so a
    /// flood of them costs bytes, not megabytes, and the same id still
    /// names the same message.
    #[test]
    fn huge_ids_become_digests() {
        let long = "i".repeat(200 * 1024);
        let stanza = || {
            Element::new("message", ns::CLIENT)
                .with_attr("type", "chat")
                .with_attr("from", "romeo@example.net/orchard")
                .with_attr("id", long.clone())
                .with_child(Element::new("thread", ns::CLIENT).with_text(long.clone()))
                .with_child(Element::new("body", ns::CLIENT).with_text("hi"))
        };
        let first = Message::parse(&stanza()).unwrap();
        let again = Message::parse(&stanza()).unwrap();
        let id = first.id.clone().unwrap();
        assert!(id.len() <= MAX_ID_BYTES, "{}", id.len());
        assert_eq!(first.id, again.id);
        assert!(first.thread.unwrap().id.len() <= MAX_ID_BYTES);
    }
}
