//! Answering the IQ gets and sets the server sends us (CORE-22, CORE-23):
//! ping and disco#info here (with our caps node, CAPS-05), roster, privacy and blocklist pushes after the
//! sender check (NEW-05, PRIV-21), anything else with an error. Results and
//! errors complete our own requests instead (see `requests`).

use jid::Jid;

use super::SessionEvent;
use super::runner::Runner;
use crate::xmpp::element::Element;
use crate::xmpp::error::{Error, ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::ns;
use crate::xmpp::stanza::blocking;
use crate::xmpp::stanza::caps;
use crate::xmpp::stanza::iq::{Iq, IqType};
use crate::xmpp::stanza::privacy;
use crate::xmpp::stanza::roster;

/// The features we answer disco#info with; `urn:xmpp:receipts` because we
/// ask for and give delivery receipts (RECEIPTS-01), chat states because we
/// show and send them (STATES-01), corrections because we apply them
/// (CORRECT-01), displayed markers (MARKERS-01), group chat and direct
/// invitations, so others may invite us to rooms (MUC-05), caps because every
/// available presence carries ours (CAPS-01), and bookmark notifications,
/// of both forms, because we apply them (BOOKMARKS-09, BOOKMARKS-17,
/// PEP-02), and out-of-band links, because we show them and open them on
/// request (UPLOAD-10).
pub const FEATURES: &[&str] = &[
    ns::DISCO_INFO,
    ns::PING,
    ns::ROSTER,
    ns::RECEIPTS,
    ns::CHAT_STATES,
    ns::CORRECTION,
    ns::CHAT_MARKERS,
    ns::MUC,
    ns::CONFERENCE,
    ns::CAPS,
    ns::OOB,
    BOOKMARKS_NOTIFY,
    LEGACY_BOOKMARKS_NOTIFY,
    OMEMO_LEGACY_NOTIFY,
    OMEMO_NOTIFY,
    "jabber:client",
];

/// OMEMO-04: contacts' device lists, pushed as they change.
const OMEMO_LEGACY_NOTIFY: &str = "eu.siacs.conversations.axolotl.devicelist+notify";
const OMEMO_NOTIFY: &str = "urn:xmpp:omemo:2:devices+notify";

/// PEP-02: we want to hear of changes to our bookmarks (XEP-0402 §4).
const BOOKMARKS_NOTIFY: &str = "urn:xmpp:bookmarks:1+notify";
/// BOOKMARKS-17: and of the copy a server keeps of the private-storage
/// bookmarks in PEP (ejabberd's conversion), where those are the store.
const LEGACY_BOOKMARKS_NOTIFY: &str = "storage:bookmarks+notify";

/// Our one identity (DISCO-01): a text-only client.
const IDENTITY: caps::Identity<'static> = caps::Identity {
    category: "client",
    kind: "console",
    lang: "",
    name: "balcony",
};

/// CAPS-02: the caps `ver` of every feature balcony has ([`FEATURES`]),
/// which is what a session advertises unless the config turned some off.
pub fn caps_ver() -> &'static str {
    static VER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VER.get_or_init(|| caps::ver(&[IDENTITY], FEATURES))
}

/// DISCO-04, CAPS-06: what one session advertises: [`FEATURES`] less those
/// the config turned off (no chat states, no displayed markers), and the
/// caps `ver` of exactly that, so what we announce and what we answer
/// always agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advertised {
    features: Vec<&'static str>,
    ver: String,
}

impl Advertised {
    /// Every feature but those in `off`.
    pub fn without(off: &[&str]) -> Advertised {
        let features: Vec<&'static str> = FEATURES
            .iter()
            .copied()
            .filter(|feature| !off.contains(feature))
            .collect();
        let ver = caps::ver(&[IDENTITY], &features);
        Advertised { features, ver }
    }

    pub fn features(&self) -> &[&'static str] {
        &self.features
    }

    pub fn ver(&self) -> &str {
        &self.ver
    }
}

impl Default for Advertised {
    fn default() -> Self {
        Advertised::without(&[])
    }
}

/// DISCO-01, CAPS-05: our disco#info answer, echoing `node` when asked for
/// our caps node.
fn disco_info(node: Option<&str>, advertised: &Advertised) -> Element {
    let mut query = Element::new("query", ns::DISCO_INFO)
        .with_opt_attr("node", node)
        .with_child(
            Element::new("identity", ns::DISCO_INFO)
                .with_attr("category", IDENTITY.category)
                .with_attr("type", IDENTITY.kind)
                .with_attr("name", IDENTITY.name),
        );
    for feature in advertised.features() {
        query.push_child(Element::new("feature", ns::DISCO_INFO).with_attr("var", *feature));
    }
    query
}

impl Runner {
    pub(super) async fn dispatch_iq(&mut self, element: Element) -> Result<(), Error> {
        let iq = match Iq::parse_owned(element) {
            Ok(iq) => iq,
            Err((error, element)) => {
                // A get or set we cannot read still deserves an answer.
                let kind = element.attr("type").unwrap_or_default();
                if let Some(id) = element.attr("id").filter(|_| matches!(kind, "get" | "set")) {
                    let mut reply = Element::new("iq", ns::CLIENT)
                        .with_attr("type", "error")
                        .with_attr("id", id);
                    if let Some(from) = element.attr("from") {
                        reply.set_attr("to", from);
                    }
                    let mut stanza_error =
                        StanzaError::new(ErrorType::Modify, StanzaCondition::BadRequest);
                    stanza_error.text = Some(error.to_string());
                    reply.push_child(stanza_error.to_element());
                    self.send_stanza(reply).await?;
                }
                self.reject(format!("an IQ was refused: {error}"));
                return Ok(());
            }
        };
        match iq.kind {
            IqType::Result | IqType::Error => {
                self.complete(iq);
                Ok(())
            }
            IqType::Get | IqType::Set => self.answer(iq).await,
        }
    }

    async fn answer(&mut self, iq: Iq) -> Result<(), Error> {
        let Some(payload) = iq.payload.as_ref() else {
            return self.refuse(&iq, StanzaCondition::BadRequest).await;
        };
        match (iq.kind, payload.ns(), payload.name()) {
            (IqType::Get, ns::PING, "ping") => {
                self.send_stanza(Iq::result_for(&iq, None).to_element())
                    .await
            }
            (IqType::Get, ns::DISCO_INFO, "query") => match payload.attr("node") {
                None => {
                    let query = disco_info(None, &self.settings.advertised);
                    self.send_stanza(Iq::result_for(&iq, Some(query)).to_element())
                        .await
                }
                // CAPS-05: servers ask our caps node to learn our
                // `+notify` interests (PEP-10, DISCO-05).
                Some(node) if is_caps_node(node, &self.settings.advertised) => {
                    let query = disco_info(Some(node), &self.settings.advertised);
                    self.send_stanza(Iq::result_for(&iq, Some(query)).to_element())
                        .await
                }
                // DISCO-02: a node we don't serve.
                Some(_) => self.refuse(&iq, StanzaCondition::ItemNotFound).await,
            },
            // DISCO-03: a client has no items to list (not even the rooms
            // it is in, which are its own business): an empty answer,
            // never an error, echoing the node asked for.
            (IqType::Get, ns::DISCO_ITEMS, "query") => {
                let query = Element::new("query", ns::DISCO_ITEMS)
                    .with_opt_attr("node", payload.attr("node"));
                self.send_stanza(Iq::result_for(&iq, Some(query)).to_element())
                    .await
            }
            (IqType::Set, ns::ROSTER, "query") => {
                if !self.push_sender_ok(iq.from.as_ref()) {
                    // ROS-12: never apply and never acknowledge a spoofed push.
                    self.reject(format!(
                        "a roster push from {} was ignored (only our server may push)",
                        iq.from.as_ref().map_or("?".into(), |j| j.to_string())
                    ));
                    return self.refuse(&iq, StanzaCondition::ServiceUnavailable).await;
                }
                match roster::parse_push(payload) {
                    Ok((item, ver)) => {
                        self.send_stanza(Iq::result_for(&iq, None).to_element())
                            .await?;
                        self.emit(SessionEvent::RosterPush { item, ver });
                        Ok(())
                    }
                    Err(error) => {
                        self.reject(format!("a roster push was refused: {error}"));
                        self.refuse(&iq, StanzaCondition::BadRequest).await
                    }
                }
            }
            (IqType::Set, ns::PRIVACY, "query") => {
                // PRIV-21: only our own account may push.
                if !self.push_sender_ok(iq.from.as_ref()) {
                    self.reject("a privacy list push from someone else was ignored".into());
                    return self.refuse(&iq, StanzaCondition::ServiceUnavailable).await;
                }
                match privacy::parse_push(payload) {
                    Ok(name) => {
                        self.send_stanza(Iq::result_for(&iq, None).to_element())
                            .await?;
                        self.emit(SessionEvent::PrivacyPush { name });
                        Ok(())
                    }
                    Err(error) => {
                        self.reject(format!("a privacy push was refused: {error}"));
                        self.refuse(&iq, StanzaCondition::BadRequest).await
                    }
                }
            }
            (IqType::Set, ns::BLOCKING, "block" | "unblock") => {
                if !self.push_sender_ok(iq.from.as_ref()) {
                    self.reject("a blocklist push from someone else was ignored".into());
                    return self.refuse(&iq, StanzaCondition::ServiceUnavailable).await;
                }
                match blocking::parse_push(payload) {
                    Ok(push) => {
                        self.send_stanza(Iq::result_for(&iq, None).to_element())
                            .await?;
                        self.emit(SessionEvent::BlockPush(push));
                        Ok(())
                    }
                    Err(error) => {
                        self.reject(format!("a blocklist push was refused: {error}"));
                        self.refuse(&iq, StanzaCondition::BadRequest).await
                    }
                }
            }
            _ => self.refuse(&iq, StanzaCondition::ServiceUnavailable).await,
        }
    }

    /// True when a push comes from our own account (NEW-05, SEC-02): no
    /// `from`, or `from` equal to our bare JID.
    fn push_sender_ok(&self, from: Option<&Jid>) -> bool {
        match from {
            None => true,
            Some(j) => j.as_str() == self.bare.as_str(),
        }
    }

    /// CORE-22: answers a get or set with an error of the given condition.
    async fn refuse(&mut self, iq: &Iq, condition: StanzaCondition) -> Result<(), Error> {
        let error_type = match condition {
            StanzaCondition::BadRequest => ErrorType::Modify,
            _ => ErrorType::Cancel,
        };
        let reply = Iq::error_for(iq, StanzaError::new(error_type, condition));
        self.send_stanza(reply.to_element()).await
    }
}

/// `node` is `<our caps node>#<our ver>` (CAPS-05).
fn is_caps_node(node: &str, advertised: &Advertised) -> bool {
    node.strip_prefix(caps::NODE)
        .and_then(|rest| rest.strip_prefix('#'))
        .is_some_and(|ver| ver == advertised.ver())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CAPS-05, DISCO-02: our caps node is recognised, with its `ver`
    /// only; the answer echoes it and lists the `+notify` interest
    /// (PEP-02, BOOKMARKS-09).
    #[test]
    fn caps_05_our_node_is_answered() {
        let all = Advertised::default();
        let node = format!("{}#{}", caps::NODE, caps_ver());
        assert!(is_caps_node(&node, &all));
        assert!(!is_caps_node(caps::NODE, &all));
        assert!(!is_caps_node(&format!("{}#other", caps::NODE), &all));
        assert!(!is_caps_node("x-unknown", &all));
        let xml = disco_info(Some(&node), &all).to_xml();
        assert!(xml.starts_with(&format!("<query xmlns='http://jabber.org/protocol/disco#info' node='{node}'><identity category='client' type='console' name='balcony'/>")), "{xml}");
        assert!(
            xml.contains("<feature var='urn:xmpp:bookmarks:1+notify'/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<feature var='http://jabber.org/protocol/caps'/>"),
            "{xml}"
        );
        assert_eq!(caps_ver(), caps::ver(&[IDENTITY], FEATURES));
        assert_eq!(all.ver(), caps_ver());
    }

    /// DISCO-04, CAPS-06: a feature the config turned off is neither in
    /// the answer nor in the `ver`, and the node of the full set is no
    /// longer ours.
    #[test]
    fn disco_04_caps_06_what_is_off_is_not_advertised() {
        let quiet = Advertised::without(&[ns::CHAT_STATES, ns::CHAT_MARKERS]);
        let xml = disco_info(None, &quiet).to_xml();
        assert!(!xml.contains(ns::CHAT_STATES), "{xml}");
        assert!(!xml.contains(ns::CHAT_MARKERS), "{xml}");
        assert!(xml.contains(ns::RECEIPTS), "{xml}");
        assert_ne!(quiet.ver(), caps_ver());
        assert_eq!(quiet.ver(), caps::ver(&[IDENTITY], quiet.features()));
        let ours = format!("{}#{}", caps::NODE, quiet.ver());
        assert!(is_caps_node(&ours, &quiet));
        assert!(!is_caps_node(
            &format!("{}#{}", caps::NODE, caps_ver()),
            &quiet
        ));
    }

    /// MUC-05: we advertise group chat and direct invitations, so other
    /// clients may invite us.
    #[test]
    fn muc_05_group_chat_features_advertised() {
        let xml = disco_info(None, &Advertised::default()).to_xml();
        for var in [ns::MUC, ns::CONFERENCE] {
            assert!(
                xml.contains(&format!("<feature var='{var}'/>")),
                "{var}: {xml}"
            );
        }
    }

    /// STATES-01, CORRECT-01, MARKERS-01, UPLOAD-10: what we show and
    /// send of chat states, corrections, displayed markers and out-of-band
    /// links is advertised, in the disco answer and so in the caps hash.
    #[test]
    fn states_01_correct_01_markers_01_features_advertised() {
        let xml = disco_info(None, &Advertised::default()).to_xml();
        for var in [ns::CHAT_STATES, ns::CORRECTION, ns::CHAT_MARKERS, ns::OOB] {
            assert!(
                xml.contains(&format!("<feature var='{var}'/>")),
                "{var}: {xml}"
            );
        }
    }

    /// MUC-56: a ping the room forwards from our own occupant JID (another
    /// client of ours self-pinging) is answered to that occupant JID.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn muc_56_forwarded_self_ping_is_answered() {
        let iq = Iq::parse(&crate::xmpp::stanza::test_xml::parse(
            "<iq type='get' id='c0ffee-sp1' from='verona@conference.example.com/juliet' \
             to='juliet@example.com/balcony'><ping xmlns='urn:xmpp:ping'/></iq>",
        ))
        .unwrap();
        let payload = iq.payload.as_ref().unwrap();
        assert_eq!((payload.ns(), payload.name()), (ns::PING, "ping"));
        assert_eq!(
            Iq::result_for(&iq, None).to_element().to_xml(),
            "<iq type='result' id='c0ffee-sp1' to='verona@conference.example.com/juliet'/>"
        );
    }
}
