//! The `<presence/>` stanza (RFC 3921 §2.2 syntax, §5 exchanging presence,
//! §6 subscription requests): availability with show, status and priority,
//! and the subscription types. Per-resource presence tables and the
//! subscription workflow live in the app; this file only reads and writes the
//! stanza, with the multi-user chat `<x/>`s it may carry ([`super::muc`]).
//! Parsing is bounded: a hostile priority or status can neither
//! crash us nor make us keep megabytes per contact.

use std::fmt;
use std::str::FromStr;

use jid::{BareJid, Jid};

use super::caps::Announced;
use super::lang::{self, LangText};
use super::muc::{Join, MucUser};
use super::{ParseError, error_child, expect_stanza, jid_attr, owned_attr, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::error::StanzaError;
use crate::xmpp::{cap, id, ns};

/// The longest status text kept from a presence, in bytes. A status is a
/// one-line note shown next to a contact and kept for every resource, so a
/// longer one is cut (on a character boundary) rather than stored whole.
pub const MAX_STATUS_BYTES: usize = 4096;

/// The `type` of a presence (RFC 3921 §2.2.1); no `type` means available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PresenceType {
    Available,
    Unavailable,
    Subscribe,
    Subscribed,
    Unsubscribe,
    Unsubscribed,
    Probe,
    Error,
}

impl PresenceType {
    /// The name of the type; `"available"` for the one that has no
    /// attribute on the wire (see [`PresenceType::type_attr`]).
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceType::Available => "available",
            PresenceType::Unavailable => "unavailable",
            PresenceType::Subscribe => "subscribe",
            PresenceType::Subscribed => "subscribed",
            PresenceType::Unsubscribe => "unsubscribe",
            PresenceType::Unsubscribed => "unsubscribed",
            PresenceType::Probe => "probe",
            PresenceType::Error => "error",
        }
    }

    /// The `type` attribute to write: none for available presence.
    pub fn type_attr(self) -> Option<&'static str> {
        match self {
            PresenceType::Available => None,
            other => Some(other.as_str()),
        }
    }

    /// Reads an inbound `type` attribute. SYN-10: none means available; a
    /// value outside the seven defined ones is an error, so the caller drops
    /// the stanza and no state changes. `type='available'` is not a defined
    /// value either.
    pub fn from_attr(value: Option<&str>) -> Result<PresenceType, ParseError> {
        match value {
            None => Ok(PresenceType::Available),
            Some("available") => Err(unknown_type("available")),
            Some(value) => value.parse(),
        }
    }

    /// True for the four subscription types of RFC 3921 §6 (PRES-14: they
    /// never change availability).
    pub fn is_subscription(self) -> bool {
        matches!(
            self,
            PresenceType::Subscribe
                | PresenceType::Subscribed
                | PresenceType::Unsubscribe
                | PresenceType::Unsubscribed
        )
    }
}

fn unknown_type(value: &str) -> ParseError {
    ParseError::Invalid(format!("unknown presence type {:?}", quoted(value)))
}

impl FromStr for PresenceType {
    type Err = ParseError;

    /// Accepts every [`PresenceType::as_str`] name, `available` included.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "available" => PresenceType::Available,
            "unavailable" => PresenceType::Unavailable,
            "subscribe" => PresenceType::Subscribe,
            "subscribed" => PresenceType::Subscribed,
            "unsubscribe" => PresenceType::Unsubscribe,
            "unsubscribed" => PresenceType::Unsubscribed,
            "probe" => PresenceType::Probe,
            "error" => PresenceType::Error,
            other => return Err(unknown_type(other)),
        })
    }
}

impl fmt::Display for PresenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `<show/>` of available presence (SYN-11). Its absence means plainly
/// online.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Show {
    Away,
    Chat,
    Dnd,
    Xa,
}

impl Show {
    pub fn as_str(self) -> &'static str {
        match self {
            Show::Away => "away",
            Show::Chat => "chat",
            Show::Dnd => "dnd",
            Show::Xa => "xa",
        }
    }

    /// Reads an inbound `<show/>` text. SYN-11: an unknown value is treated
    /// as plainly online (`None`), not as an error. Surrounding whitespace is
    /// tolerated.
    pub fn from_text(text: &str) -> Option<Show> {
        text.trim().parse().ok()
    }
}

impl FromStr for Show {
    type Err = ParseError;

    /// Strict: only the four values of SYN-11.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "away" => Show::Away,
            "chat" => Show::Chat,
            "dnd" => Show::Dnd,
            "xa" => Show::Xa,
            other => {
                return Err(ParseError::Invalid(format!(
                    "unknown show value {:?}",
                    quoted(other)
                )));
            }
        })
    }
}

impl fmt::Display for Show {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A presence stanza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    pub from: Option<Jid>,
    pub to: Option<Jid>,
    pub id: Option<String>,
    pub kind: PresenceType,
    /// Only for available presence (SYN-14); `None` is plainly online.
    pub show: Option<Show>,
    /// Reason, greeting or note (SYN-12), each cut to [`MAX_STATUS_BYTES`].
    pub statuses: Vec<LangText>,
    /// Only for available presence (SYN-14); 0 when absent (SYN-13).
    pub priority: i8,
    /// The stanza's own `xml:lang`, the default for statuses.
    pub lang: Option<String>,
    /// Set for `type='error'` (SYN-15, PRES-12).
    pub error: Option<StanzaError>,
    /// MUC-14: what a room says about the occupant (XEP-0045 muc#user);
    /// read and written.
    pub muc: Option<MucUser>,
    /// MUC-07: the join `<x/>` (password, history limits); written when
    /// entering a room, read back only for checks.
    pub muc_join: Option<Join>,
    /// CAPS-07…12: the sender's entity capabilities `<c/>`, read from
    /// available presence only. Ours is added on the way out
    /// ([`super::caps::stamp`]).
    pub caps: Option<Announced>,
    /// XEP-0153: the hash of the sender's card photo
    /// (`vcard-temp:x:update`), from available presence: `Some("")` when
    /// they have no photo, `None` when the presence says nothing of it.
    /// A change means their card changed.
    pub card_hash: Option<String>,
}

/// The longest card photo hash kept (a SHA-1 in hex is 40 bytes).
pub const MAX_CARD_HASH_BYTES: usize = 128;

/// XEP-0153 §3.2: `<x xmlns='vcard-temp:x:update'><photo>HASH</photo></x>`;
/// an empty `<photo/>` is "no photo", an `<x/>` without `<photo/>` says
/// nothing. An overlong hash is none.
fn card_hash(element: &Element) -> Option<String> {
    let x = element.child("x", VCARD_UPDATE)?;
    let photo = x.child("photo", VCARD_UPDATE)?;
    let hash = photo.text().trim().to_owned();
    (hash.len() <= MAX_CARD_HASH_BYTES).then_some(hash)
}

/// XEP-0153's presence payload.
const VCARD_UPDATE: &str = "vcard-temp:x:update";

impl Presence {
    /// A presence of type `kind` with nothing else set.
    pub fn new(kind: PresenceType) -> Presence {
        Presence {
            from: None,
            to: None,
            id: None,
            kind,
            show: None,
            statuses: Vec::new(),
            priority: 0,
            lang: None,
            error: None,
            muc: None,
            muc_join: None,
            caps: None,
            card_hash: None,
        }
    }

    /// Broadcast available presence, `<presence/>`: initial presence has
    /// neither `to` nor `type` (PRES-02).
    pub fn available() -> Presence {
        Presence::new(PresenceType::Available)
    }

    /// Broadcast `unavailable`, sent before closing the stream (PRES-09).
    pub fn unavailable() -> Presence {
        Presence::new(PresenceType::Unavailable)
    }

    /// A subscription stanza (`subscribe`, `subscribed`, `unsubscribe`,
    /// `unsubscribed`) to a contact's bare JID (SUB-01, SUB-05), with a
    /// fresh id so a returned error can be matched (SUB-12).
    pub fn subscription(kind: PresenceType, to: BareJid) -> Presence {
        Presence {
            to: Some(to.into()),
            id: Some(id::next()),
            ..Presence::new(kind)
        }
    }

    /// Adds a status text without its own `xml:lang`.
    pub fn with_status(mut self, text: impl Into<String>) -> Presence {
        self.statuses.push(LangText::new(text));
        self
    }

    /// Reads a `<presence/>` in `jabber:client`.
    ///
    /// An unknown `type` is `Err(ParseError::Invalid)` (SYN-10) and an
    /// invalid `from` or `to` is an error. Everything else is lenient and
    /// bounded: an unknown `<show/>` is plainly online (SYN-11); a priority
    /// that is not an integer counts as 0 and one out of range is clamped to
    /// −128..=127 (SYN-13); statuses are cut to [`MAX_STATUS_BYTES`]. Show and
    /// priority are read only from available presence (SYN-14).
    pub fn parse(element: &Element) -> Result<Presence, ParseError> {
        expect_stanza(element, "presence")?;
        let kind = PresenceType::from_attr(element.attr("type"))?;
        let available = kind == PresenceType::Available;
        let show = if available {
            element
                .child("show", ns::CLIENT)
                .and_then(|s| Show::from_text(&s.text()))
        } else {
            None
        };
        let priority = if available {
            element
                .child("priority", ns::CLIENT)
                .map_or(0, |p| wire_priority(&p.text()))
        } else {
            0
        };
        let mut statuses = lang::collect(element, "status");
        for status in &mut statuses {
            cap::cut(&mut status.text, MAX_STATUS_BYTES);
        }
        Ok(Presence {
            from: jid_attr(element, "from")?,
            to: jid_attr(element, "to")?,
            id: owned_attr(element, "id").map(cap::id),
            kind,
            show,
            statuses,
            priority,
            lang: element.lang().map(str::to_owned),
            error: (kind == PresenceType::Error).then(|| StanzaError::from_stanza(element)),
            muc: MucUser::of(element),
            muc_join: Join::of(element),
            caps: if available {
                Announced::of(element)
            } else {
                None
            },
            card_hash: if available { card_hash(element) } else { None },
        })
    }

    /// Builds the element to send. Never writes `from` (CORE-24). SYN-14:
    /// `<show/>` and `<priority/>` only in available presence, and priority
    /// only when it is not the default 0. Statuses keep one per language
    /// (I18N-04).
    pub fn to_element(&self) -> Element {
        let mut element = Element::new("presence", ns::CLIENT)
            .with_opt_attr("to", self.to.as_ref().map(Jid::to_string))
            .with_opt_attr("type", self.kind.type_attr())
            .with_opt_attr("id", self.id.clone())
            .with_opt_attr("xml:lang", self.lang.clone());
        let available = self.kind == PresenceType::Available;
        if available && let Some(show) = self.show {
            element.push_child(Element::new("show", ns::CLIENT).with_text(show.as_str()));
        }
        lang::push_texts(&mut element, "status", &self.statuses, self.lang.as_deref());
        if available && self.priority != 0 {
            element.push_child(
                Element::new("priority", ns::CLIENT).with_text(self.priority.to_string()),
            );
        }
        if let Some(join) = &self.muc_join {
            element.push_child(join.to_element());
        }
        if let Some(user) = &self.muc {
            element.push_child(user.to_element());
        }
        if available && let Some(caps) = &self.caps {
            element.push_child(caps.to_element());
        }
        if self.kind == PresenceType::Error {
            element.push_child(error_child(self.error.as_ref()));
        }
        element
    }

    /// The status to show for a user reading `preferred_lang` (I18N-03).
    pub fn status(&self, preferred_lang: &str) -> Option<&str> {
        lang::select(&self.statuses, preferred_lang, self.lang.as_deref()).map(|t| t.text.as_str())
    }
}

/// Reads an inbound `<priority/>`: an integer, clamped to the `i8` range
/// when out of it; anything that is not an integer is 0 (SYN-13's default).
fn wire_priority(text: &str) -> i8 {
    let text = text.trim();
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let negative = text.starts_with('-');
    // Any integer with more digits than an i64 holds is out of range anyway;
    // saturate by sign instead of failing.
    let value = text
        .parse::<i64>()
        .unwrap_or(if negative { i64::MIN } else { i64::MAX });
    i8::try_from(value.clamp(i8::MIN.into(), i8::MAX.into())).unwrap_or(0)
}

/// Parses a priority typed by the user. SYN-13: a whole number from −128 to
/// 127; anything else is refused with a message saying why.
pub fn parse_priority(text: &str) -> Result<i8, String> {
    let trimmed = text.trim();
    match trimmed.parse::<i64>() {
        Ok(value) => i8::try_from(value)
            .map_err(|_| format!("priority {value} is out of range: it must be from -128 to 127")),
        Err(e)
            if matches!(
                e.kind(),
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
            ) =>
        {
            Err(format!(
                "priority {} is out of range: it must be from -128 to 127",
                quoted(trimmed)
            ))
        }
        Err(_) => Err(format!(
            "priority must be a whole number from -128 to 127, not {:?}",
            quoted(trimmed)
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::xmpp::error::{ErrorType, StanzaCondition};
    use crate::xmpp::stanza::test_xml;

    fn parse(xml: &str) -> Presence {
        Presence::parse(&test_xml::parse(xml)).unwrap()
    }

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    const ALL_TYPES: [PresenceType; 8] = [
        PresenceType::Available,
        PresenceType::Unavailable,
        PresenceType::Subscribe,
        PresenceType::Subscribed,
        PresenceType::Unsubscribe,
        PresenceType::Unsubscribed,
        PresenceType::Probe,
        PresenceType::Error,
    ];

    /// PRES-01 / PRES-02: initial presence has no `to` and no `type`.
    #[test]
    fn pres_02_initial_presence_is_bare() {
        assert_eq!(Presence::available().to_element().to_xml(), "<presence/>");
    }

    /// SYN-10: no type means available; every defined type round-trips.
    #[test]
    fn syn_10_types_round_trip() {
        for kind in ALL_TYPES {
            let element = Presence::new(kind).to_element();
            assert_eq!(element.attr("type"), kind.type_attr());
            assert_eq!(Presence::parse(&element).unwrap().kind, kind);
            assert_eq!(kind.as_str().parse::<PresenceType>(), Ok(kind));
        }
    }

    /// SYN-10: an unknown type is an error, so the caller ignores it.
    #[test]
    fn syn_10_unknown_type_is_refused() {
        let e = test_xml::parse("<presence from='romeo@example.net/orchard' type='bogus'/>");
        assert_eq!(
            Presence::parse(&e),
            Err(ParseError::Invalid(
                "unknown presence type \"bogus\"".into()
            ))
        );
        let e = test_xml::parse("<presence type='available'/>");
        assert_eq!(
            Presence::parse(&e),
            Err(ParseError::Invalid(
                "unknown presence type \"available\"".into()
            ))
        );
    }

    /// SYN-11: the four show values round-trip; `dnd` is the example.
    #[test]
    fn syn_11_show_values() {
        let p = parse("<presence><show>dnd</show></presence>");
        assert_eq!(p.show, Some(Show::Dnd));
        assert_eq!(
            p.to_element().to_xml(),
            "<presence><show>dnd</show></presence>"
        );
        for show in [Show::Away, Show::Chat, Show::Dnd, Show::Xa] {
            assert_eq!(show.as_str().parse::<Show>(), Ok(show));
            assert_eq!(Show::from_text(show.as_str()), Some(show));
        }
        assert_eq!(
            "busy".parse::<Show>(),
            Err(ParseError::Invalid("unknown show value \"busy\"".into()))
        );
    }

    /// SYN-11: an unknown show inbound is plainly online, not an error.
    #[test]
    fn syn_11_unknown_show_is_online() {
        let p = parse("<presence from='romeo@example.net/orchard'><show>busy</show></presence>");
        assert_eq!(p.kind, PresenceType::Available);
        assert_eq!(p.show, None);
        assert_eq!(
            parse("<presence><show> away </show></presence>").show,
            Some(Show::Away)
        );
    }

    /// SYN-12: a status in unavailable presence is kept as the reason.
    #[test]
    fn syn_12_status_in_unavailable() {
        let p = parse(
            "<presence from='romeo@example.net/orchard' type='unavailable'><status>gone home</status></presence>",
        );
        assert_eq!(
            p,
            Presence {
                from: Some(jid("romeo@example.net/orchard")),
                statuses: vec![LangText::new("gone home")],
                ..Presence::new(PresenceType::Unavailable)
            }
        );
        assert_eq!(p.status("en"), Some("gone home"));
    }

    /// SYN-12 / I18N-03: several statuses with distinct languages.
    #[test]
    fn syn_12_status_by_language() {
        let p = parse(
            "<presence xml:lang='en'><status>out</status><status xml:lang='it'>fuori</status></presence>",
        );
        assert_eq!(p.status("it"), Some("fuori"));
        assert_eq!(p.status("en-GB"), Some("out"));
        assert_eq!(p.status("fr"), Some("out"));
    }

    /// SYN-13: priority −1 round-trips; missing is 0.
    #[test]
    fn syn_13_priority() {
        let p = parse("<presence><priority>-1</priority></presence>");
        assert_eq!(p.priority, -1);
        assert_eq!(
            p.to_element().to_xml(),
            "<presence><priority>-1</priority></presence>"
        );
        assert_eq!(parse("<presence/>").priority, 0);
    }

    /// SYN-13: hostile priorities are bounded, never a crash.
    #[test]
    fn syn_13_hostile_priority_bounded() {
        let cases = [
            ("1000", 127),
            ("-1000", -128),
            ("127", 127),
            ("-128", -128),
            ("+5", 5),
            (" 7 ", 7),
            ("abc", 0),
            ("", 0),
            ("-", 0),
            ("1.5", 0),
            ("99999999999999999999999999", 127),
            ("-99999999999999999999999999", -128),
        ];
        for (text, want) in cases {
            let p = parse(&format!("<presence><priority>{text}</priority></presence>"));
            assert_eq!(p.priority, want, "priority {text:?}");
        }
    }

    /// SYN-13: user input outside −128..=127 is refused with a clear message.
    #[test]
    fn syn_13_parse_priority_user_input() {
        assert_eq!(parse_priority("5"), Ok(5));
        assert_eq!(parse_priority(" -128 "), Ok(-128));
        assert_eq!(parse_priority("127"), Ok(127));
        assert_eq!(
            parse_priority("128"),
            Err("priority 128 is out of range: it must be from -128 to 127".into())
        );
        assert_eq!(
            parse_priority("-1000"),
            Err("priority -1000 is out of range: it must be from -128 to 127".into())
        );
        assert_eq!(
            parse_priority("99999999999999999999"),
            Err(
                "priority 99999999999999999999 is out of range: it must be from -128 to 127".into()
            )
        );
        assert_eq!(
            parse_priority("abc"),
            Err("priority must be a whole number from -128 to 127, not \"abc\"".into())
        );
        assert!(parse_priority("").is_err());
    }

    /// SYN-14 / SUB-01: subscription stanzas carry no show or priority, go
    /// to the bare JID and have an id.
    #[test]
    fn syn_14_sub_01_subscribe_shape() {
        let mut p = Presence::subscription(
            PresenceType::Subscribe,
            BareJid::new("romeo@example.net").unwrap(),
        );
        assert!(p.id.is_some());
        p.id = Some("sub1".into());
        p.show = Some(Show::Chat);
        p.priority = 5;
        assert_eq!(
            p.to_element().to_xml(),
            "<presence to='romeo@example.net' type='subscribe' id='sub1'/>"
        );
    }

    /// SYN-14: show and priority inbound on a non-available presence are
    /// ignored.
    #[test]
    fn syn_14_show_ignored_outside_available() {
        let p =
            parse("<presence type='unavailable'><show>dnd</show><priority>5</priority></presence>");
        assert_eq!(p.show, None);
        assert_eq!(p.priority, 0);
    }

    /// SYN-14: priority 0 is the default and is not written.
    #[test]
    fn syn_14_zero_priority_omitted() {
        let mut p = Presence::available();
        p.show = Some(Show::Away);
        assert_eq!(
            p.to_element().to_xml(),
            "<presence><show>away</show></presence>"
        );
    }

    /// SUB-03: a greeting in `subscribe`.
    #[test]
    fn sub_03_subscribe_greeting() {
        let mut p = Presence::subscription(
            PresenceType::Subscribe,
            BareJid::new("romeo@example.net").unwrap(),
        )
        .with_status("It's Juliet");
        p.id = None;
        let xml = "<presence to='romeo@example.net' type='subscribe'><status>It's Juliet</status></presence>";
        assert_eq!(p.to_element().to_xml(), xml);
        let back = parse(xml);
        assert_eq!(back.status("en"), Some("It's Juliet"));
        assert!(back.kind.is_subscription());
    }

    /// PRES-05: broadcast presence with lang, show, status and priority,
    /// byte for byte.
    #[test]
    fn pres_05_broadcast_presence() {
        let xml = "<presence xml:lang='en'><show>xa</show><status>at the masque</status><priority>2</priority></presence>";
        let p = parse(xml);
        assert_eq!(
            p,
            Presence {
                lang: Some("en".into()),
                show: Some(Show::Xa),
                statuses: vec![LangText::new("at the masque")],
                priority: 2,
                ..Presence::available()
            }
        );
        assert_eq!(p.to_element().to_xml(), xml);
    }

    /// PRES-07: directed presence keeps `to`.
    #[test]
    fn pres_07_directed_presence() {
        let xml = "<presence to='nurse@example.com' xml:lang='en'><show>chat</show><status>ask me about the feast</status></presence>";
        let p = parse(xml);
        assert_eq!(p.to, Some(jid("nurse@example.com")));
        assert_eq!(p.to_element().to_xml(), xml);
    }

    /// PRES-09: unavailable with a reason.
    #[test]
    fn pres_09_unavailable_with_status() {
        let p = Presence::unavailable().with_status("logging off");
        assert_eq!(
            p.to_element().to_xml(),
            "<presence type='unavailable'><status>logging off</status></presence>"
        );
    }

    /// PRES-11: unavailable from a bare JID.
    #[test]
    fn pres_11_unavailable_from_bare() {
        let p = parse("<presence from='romeo@example.net' type='unavailable'/>");
        assert_eq!(p.kind, PresenceType::Unavailable);
        let from = p.from.unwrap();
        assert!(from.is_bare());
        assert_eq!(from.to_bare(), BareJid::new("romeo@example.net").unwrap());
    }

    /// PRES-12 / SYN-15: an error presence carries its condition.
    #[test]
    fn pres_12_syn_15_error_presence() {
        let p = parse(
            "<presence from='mercutio@example.org' type='error'><error type='cancel'>\
             <gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
        );
        assert_eq!(p.kind, PresenceType::Error);
        assert_eq!(p.from, Some(jid("mercutio@example.org")));
        let error = p.error.unwrap();
        assert_eq!(error.condition, StanzaCondition::Gone);
        assert_eq!(error.error_type, ErrorType::Cancel);
    }

    /// SUB-12: an error on our `subscribe` is matched by id.
    #[test]
    fn sub_12_subscription_error_keeps_id() {
        let p = parse(
            "<presence from='romeo@example.net' type='error' id='sub1'><error type='cancel'>\
             <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
        );
        assert_eq!(p.id.as_deref(), Some("sub1"));
        assert_eq!(
            p.error.map(|e| e.condition),
            Some(StanzaCondition::RemoteServerNotFound)
        );
    }

    /// I18N-05: a server-stamped `xml:lang` is kept and used as default.
    #[test]
    fn i18n_05_stamped_lang() {
        let p = parse(
            "<presence from='romeo@example.net/orchard' xml:lang='EN'><status>hi</status><status xml:lang='it'>ciao</status></presence>",
        );
        assert_eq!(p.lang.as_deref(), Some("EN"));
        assert_eq!(p.status("en"), Some("hi"));
    }

    /// I18N-06: non-ASCII JIDs.
    #[test]
    fn i18n_06_non_ascii_from() {
        let p = parse("<presence from='josé@example.net/móvil'><show>away</show></presence>");
        let from = p.from.unwrap();
        assert_eq!(from.node().map(|n| n.as_str()), Some("josé"));
        assert_eq!(from.resource().map(|r| r.as_str()), Some("móvil"));
    }

    /// A 10 MB status is cut to a bounded size, on a character boundary.
    #[test]
    fn hostile_huge_status_is_bounded() {
        let huge = "é".repeat(5 * 1024 * 1024);
        let e = Element::new("presence", ns::CLIENT)
            .with_child(Element::new("status", ns::CLIENT).with_text(huge));
        let p = Presence::parse(&e).unwrap();
        let status = p.status("en").unwrap();
        assert!(status.len() <= MAX_STATUS_BYTES);
        assert!(status.len() > MAX_STATUS_BYTES - 4);
        // Cut visibly: the text, then "…".
        let cut = status.strip_suffix('…').expect("ends with an ellipsis");
        assert!(cut.chars().all(|c| c == 'é'));
    }

    /// An invalid `from` is an error, never another contact.
    #[test]
    fn invalid_from_is_an_error() {
        let e = test_xml::parse("<presence from='@example.net'/>");
        assert_eq!(
            Presence::parse(&e),
            Err(ParseError::InvalidJid {
                attr: "from",
                value: "@example.net".into()
            })
        );
    }

    /// CORE-24: never write `from`.
    #[test]
    fn core_24_no_from() {
        let mut p = Presence::available();
        p.from = Some(jid("juliet@example.com/balcony"));
        assert_eq!(p.to_element().to_xml(), "<presence/>");
    }

    /// XEP-0153: the card photo hash of available presence: a hash, an
    /// empty photo (no photo), or nothing said; never from unavailable,
    /// never overlong.
    #[test]
    fn card_hash_of_available_presence() {
        let of = |xml: &str| {
            Presence::parse(&crate::xmpp::stanza::test_xml::parse(xml))
                .unwrap()
                .card_hash
        };
        let x = |inner: &str| format!("<x xmlns='vcard-temp:x:update'>{inner}</x>");
        assert_eq!(
            of(&format!(
                "<presence from='a@b/c'>{}</presence>",
                x("<photo>abc</photo>")
            )),
            Some("abc".to_owned())
        );
        assert_eq!(
            of(&format!(
                "<presence from='a@b/c'>{}</presence>",
                x("<photo/>")
            )),
            Some(String::new())
        );
        assert_eq!(
            of(&format!("<presence from='a@b/c'>{}</presence>", x(""))),
            None
        );
        assert_eq!(
            of(&format!(
                "<presence from='a@b/c' type='unavailable'>{}</presence>",
                x("<photo>abc</photo>")
            )),
            None
        );
        let long = "f".repeat(MAX_CARD_HASH_BYTES + 1);
        assert_eq!(
            of(&format!(
                "<presence from='a@b/c'>{}</presence>",
                x(&format!("<photo>{long}</photo>"))
            )),
            None
        );
    }
}
