//! Typed requests and answers at the session's border.
//!
//! The store asks with a [`Query`] and gets an [`Answer`] or a
//! [`RequestError`]; the IQ is built here and its reply decoded here, once,
//! where it arrives. Nothing above `xmpp/` sees the XML. New request kinds
//! go here, using the codecs in `stanza/`. Imports nothing above `xmpp/`.

use jid::{BareJid, Jid};

use super::element::Element;
use super::ns;
use super::session::RequestError;
use super::stanza::bookmarks::{self, Storage};
use super::stanza::delay::Stamp;
use super::stanza::iq::Iq;
use super::stanza::mam::{self, ArchivedMessage, Fin, MamQuery};
use super::stanza::privacy::{self, ListNames, PrivacyList};
use super::stanza::pubsub::{self, Item, Items, PublishOptions};
use super::stanza::roster::{self, RosterItem, RosterQuery};
use super::stanza::rsm::{Cursor, SetQuery};
use super::stanza::{blocking, carbons, disco, muc};

/// Feature names a [`Answer::Features`] may hold (XEP-0030 `var`s).
pub mod feature {
    use super::ns;

    /// XEP-0016 privacy lists.
    pub const PRIVACY_LISTS: &str = ns::PRIVACY;
    /// XEP-0191 blocking command.
    pub const BLOCKING: &str = ns::BLOCKING;
    /// XEP-0280 message carbons (CARBONS-01).
    pub const CARBONS: &str = ns::CARBONS;
    /// XEP-0359 stable ids: our account stamps `<stanza-id/>`s we may
    /// trust (SID-02, DISCO-08).
    pub const STABLE_IDS: &str = ns::SID;
    /// XEP-0313 message archive (MAM-01): our account keeps one we may
    /// page through.
    pub const ARCHIVE: &str = ns::MAM;
    /// XEP-0402 §3 (BOOKMARKS-01): the account keeps the XEP-0049 store in
    /// sync with the PEP node.
    pub const BOOKMARKS_COMPAT: &str = ns::BOOKMARKS_COMPAT;
    /// XEP-0060 §7.1.5 (BOOKMARKS-18): publish-options are honoured.
    pub const PUBLISH_OPTIONS: &str = ns::PUBSUB_PUBLISH_OPTIONS;
    /// XEP-0049 private storage.
    pub const PRIVATE_STORAGE: &str = ns::PRIVATE;
    /// Not a feature `var`: how a disco#info answer reports the identity
    /// category `pubsub`, type `pep` (PEP-01): our account is a PEP service.
    /// A `var` starts with a URI scheme, never with `#`, so no feature can
    /// pass for it (and a received `var` like it is dropped).
    pub const PEP_SERVICE: &str = "#identity pubsub/pep";
    /// Not a feature `var` either: the identity category `conference`,
    /// type `text` (MUC-01), which a chat service (and each of its rooms)
    /// has.
    pub const CHAT_IDENTITY: &str = "#identity conference/text";
    /// XEP-0045 (MUC-01): a chat service speaks multi-user chat.
    pub const MUC: &str = ns::MUC;
    /// XEP-0054 (VCARD-10, DISCO-07): our server keeps contact cards.
    pub const VCARD: &str = ns::VCARD;
}

/// The most items of a disco#items page kept.
pub const MAX_DISCO_ITEMS: usize = 1000;

/// How many items a disco#items page asks for (MUC-02).
pub const DISCO_PAGE: u32 = 100;

/// The most items of one node the store keeps (a hostile server may send
/// any number).
pub const MAX_ITEMS: usize = 2000;

/// What the store asks the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// RFC 6121 §2.2: the roster, with the cached version when the server
    /// offers versioning (§2.6).
    RosterGet { ver: Option<String> },
    /// RFC 6121 §2.3: add or update an item.
    RosterSet(RosterItem),
    /// RFC 6121 §2.5: remove an item.
    RosterRemove(BareJid),
    /// XEP-0030: the server's disco#info features.
    ServerInfo,
    /// XEP-0030 (DISCO-08): our own account's disco#info features, asked
    /// of our bare JID.
    AccountInfo(BareJid),
    /// XEP-0016 §2.3: the names of the lists and which are in force.
    PrivacyNames,
    /// XEP-0016 §2.3: one list.
    PrivacyList(String),
    /// XEP-0016 §2.6: create or replace a list.
    PrivacySet(PrivacyList),
    /// XEP-0016 §2.4: set (or, with `None`, decline) the active list.
    PrivacyActive(Option<String>),
    /// XEP-0016 §2.5: set (or decline) the default list.
    PrivacyDefault(Option<String>),
    /// XEP-0016 §2.8: remove a list.
    PrivacyRemove(String),
    /// XEP-0191 §3.2: the blocklist.
    Blocklist,
    /// XEP-0191 §3.3: block these.
    Block(Vec<Jid>),
    /// XEP-0191 §3.4: unblock these (all, when empty).
    Unblock(Vec<Jid>),
    /// XEP-0280 §4 (CARBONS-02): copies of this session's messages to
    /// our other resources and theirs to us, from now on.
    CarbonsEnable,
    /// XEP-0280 §5 (CARBONS-16): no more copies.
    CarbonsDisable,
    /// XEP-0313 §4 with XEP-0059 (MAM-02..06): one page of an archive.
    /// The session gives the query a fresh `queryid` and collects the
    /// result messages that name it until the IQ result ends the page.
    ArchivePage {
        /// The archive asked: `None` for our own (sent without `to`,
        /// MAM-02), else a room's bare JID (MAM-14).
        archive: Option<BareJid>,
        /// Only messages exchanged with this JID (MAM-12).
        with: Option<BareJid>,
        /// Only messages at or after this time (MAM-08).
        start: Option<Stamp>,
        /// Where the page starts: after or before an archive id, or the
        /// last page (MAM-06, MAM-07, MAM-09).
        cursor: Option<Cursor>,
        /// The most messages wanted; the server may send fewer.
        max: u32,
    },
    /// XEP-0045 §6.4 (MUC-03): a room's disco#info features (its flags).
    RoomInfo(BareJid),
    /// XEP-0045 §7.12 (MUC-06): the nick the room reserves for us, asked
    /// as disco#info of node `x-roomuser-item`.
    ReservedNick(BareJid),
    /// XEP-0030 (MUC-01): the disco#info of an item of our server, to tell
    /// whether it is a chat service.
    ServiceInfo(BareJid),
    /// XEP-0030 §4 with XEP-0059 (MUC-01, MUC-02): one page of the items of
    /// `to` (our server when `None`), after the item id `after`.
    DiscoItems {
        to: Option<BareJid>,
        after: Option<String>,
    },
    /// XEP-0045 §10.1.2 (MUC-45): accept the default configuration of a
    /// room we just created (an empty submitted form), so others may enter.
    InstantRoom(BareJid),
    /// XEP-0060 §6.5 (PEP-08): every item of one of our own nodes (no
    /// `to`); `item-not-found` means the node does not exist yet.
    PubsubItems { node: String },
    /// XEP-0060 §6.5 on another account's PEP service (OMEMO-03, OMEMO-05):
    /// the items of `node` at `jid` (a contact's device list or bundle).
    PubsubItemsOf { jid: BareJid, node: String },
    /// XEP-0060 §7.1 (PEP-06, PEP-07): publish `item` to our own `node`,
    /// demanding `options`.
    PubsubPublish {
        node: String,
        item: Item,
        options: Option<PublishOptions>,
    },
    /// XEP-0060 §7.2: retract item `id` from our own `node`, telling the
    /// subscribers (BOOKMARKS-07).
    PubsubRetract { node: String, id: String },
    /// XEP-0049 (BOOKMARKS-11): the XEP-0048 bookmarks in private storage.
    PrivateBookmarks,
    /// XEP-0049 (BOOKMARKS-13): store the whole `<storage/>`.
    SetPrivateBookmarks(Storage),
    /// XEP-0410 §3 (MUC-54): a ping to our own occupant JID, asking whether
    /// the room still has us.
    SelfPing(jid::FullJid),
    /// XEP-0045 §8, §9 (MUC-36…39): one role or affiliation change in a
    /// room, a muc#admin set.
    RoomAdmin {
        room: BareJid,
        item: muc::admin::AdminItem,
    },
    /// XEP-0045 §9.5, §10.5 (MUC-35, MUC-39): one affiliation or role
    /// list of a room, a muc#admin get.
    RoomList {
        room: BareJid,
        kind: muc::admin::ListKind,
    },
    /// XEP-0045 §7.10 (MUC-33): a room's registration form, or word that
    /// we are registered.
    RoomRegisterForm(BareJid),
    /// XEP-0045 §7.10 (MUC-33): the registration form submitted with
    /// `nick`.
    RoomRegister {
        room: BareJid,
        form: crate::xmpp::stanza::data_form::DataForm,
        nick: String,
    },
    /// XEP-0045 §10.2 (MUC-41): a room's configuration form.
    RoomConfigForm(BareJid),
    /// XEP-0045 §10.1.3, §10.2 (MUC-43): cancel the configuration (a
    /// room being created is destroyed).
    RoomConfigCancel(BareJid),
    /// XEP-0045 §10.2 (MUC-41): the whole configuration form, submitted.
    RoomConfigure {
        room: BareJid,
        form: super::stanza::data_form::DataForm,
    },
    /// XEP-0045 §10.9 (MUC-44): destroy a room we own.
    RoomDestroy {
        room: BareJid,
        destroy: muc::Destroy,
    },
    /// XEP-0030 §3 with XEP-0128 (DISCO-13): the whole disco#info of any
    /// entity (a contact's resource, a service), of `node` when given.
    EntityInfo { jid: Jid, node: Option<String> },
    /// XEP-0363 §4 (UPLOAD-03): a slot for one file from the upload
    /// `service`.
    UploadSlot {
        service: BareJid,
        filename: String,
        size: u64,
        content_type: Option<String>,
    },
    /// XEP-0054 §3.1, §3.2: a card: our own without `to` (VCARD-03), a
    /// contact's at their bare JID (VCARD-01).
    VcardGet(Option<BareJid>),
    /// XEP-0054 §3.3 (VCARD-04): our whole card, without `to`.
    VcardSet(super::stanza::vcard::VCard),
}

impl Query {
    /// For an archive query, the archive its results must come from
    /// (MAM-03): `own` for our own archive.
    pub fn archive(&self, own: &BareJid) -> Option<BareJid> {
        match self {
            Query::ArchivePage { archive, .. } => {
                Some(archive.clone().unwrap_or_else(|| own.clone()))
            }
            _ => None,
        }
    }

    /// For an archive query, how many results the session keeps for it:
    /// a little above the `max` asked, since a server counts differently
    /// at the edges; anything beyond is dropped.
    pub fn result_cap(&self) -> Option<usize> {
        match self {
            Query::ArchivePage { max, .. } => {
                let max = *max as usize;
                Some(max + max / 10 + 5)
            }
            _ => None,
        }
    }
}

/// What the server answered, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Roster {
        ver: Option<String>,
        items: Vec<RosterItem>,
    },
    /// RFC 6121 §2.6.3: an empty result to a versioned get; the cache is
    /// current.
    RosterUnchanged,
    Features(Vec<String>),
    /// MUC-06: the nick a room reserves for us, if it names one.
    ReservedNick(Option<String>),
    PrivacyNames(ListNames),
    PrivacyList(PrivacyList),
    Blocklist(Vec<Jid>),
    /// One page of an archive: the results the session collected for the
    /// query, in the order they came (MAM-17), and the `<fin/>` that ended
    /// it (MAM-05).
    ArchivePage {
        messages: Vec<ArchivedMessage>,
        fin: Fin,
    },
    /// The items of a node, at most [`MAX_ITEMS`] (BOOKMARKS-20).
    PubsubItems(Items),
    /// XEP-0048 bookmarks from private storage, whole (BOOKMARKS-12).
    PrivateBookmarks(Storage),
    /// The items of a room's affiliation or role list (MUC-35, MUC-39), at
    /// most [`muc::admin::MAX_LIST`].
    RoomList(Vec<muc::user::Item>),
    /// MUC-33: a room's answer to a registration get.
    RoomRegistration(muc::register::Registration),
    /// One page of disco#items, at most [`MAX_DISCO_ITEMS`] (MUC-02).
    DiscoItems(super::stanza::disco::ItemsPage),
    /// A data form (XEP-0004), such as a room's configuration (MUC-41).
    Form(super::stanza::data_form::DataForm),
    /// A whole disco#info result: identities, features, extended forms
    /// (DISCO-13).
    Info(disco::Info),
    /// UPLOAD-04: an upload slot, its headers already filtered (UPLOAD-05).
    Slot(super::stanza::upload::Slot),
    /// VCARD-01, VCARD-02: a card, empty when the result held none.
    Vcard(super::stanza::vcard::VCard),
    /// A set that was accepted.
    Done,
}

/// Why an answer could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// The result carried nothing where something was due.
    #[error("the answer was empty")]
    Empty,
    /// The result did not parse; the parser's words.
    #[error("{0}")]
    Invalid(String),
}

impl Query {
    /// The IQ to send; `domain` is our server, the one disco#info asks.
    pub fn to_iq(&self, domain: &str) -> Iq {
        match self {
            Query::RosterGet { ver } => Iq::get(roster::get_request(ver.as_deref())),
            Query::RosterSet(item) => Iq::set(roster::set_item(item)),
            Query::RosterRemove(jid) => Iq::set(roster::remove_item(jid)),
            Query::ServerInfo => {
                let iq = Iq::get(Element::new("query", ns::DISCO_INFO));
                match Jid::new(domain) {
                    Ok(to) => iq.with_to(to),
                    Err(_) => iq,
                }
            }
            Query::DiscoItems { to, after } => {
                let iq = Iq::get(disco::items_request(after.as_deref(), DISCO_PAGE));
                let to = match to {
                    Some(to) => Ok(Jid::from(to.clone())),
                    None => Jid::new(domain),
                };
                match to {
                    Ok(to) => iq.with_to(to),
                    Err(_) => iq,
                }
            }
            Query::AccountInfo(own) | Query::RoomInfo(own) | Query::ServiceInfo(own) => {
                Iq::get(Element::new("query", ns::DISCO_INFO)).with_to(Jid::from(own.clone()))
            }
            Query::ReservedNick(room) => {
                Iq::get(Element::new("query", ns::DISCO_INFO).with_attr("node", RESERVED_NICK_NODE))
                    .with_to(Jid::from(room.clone()))
            }
            Query::SelfPing(occupant) => {
                Iq::get(Element::new("ping", ns::PING)).with_to(Jid::from(occupant.clone()))
            }
            Query::InstantRoom(room) => {
                Iq::set(muc::owner::instant()).with_to(Jid::from(room.clone()))
            }
            Query::RoomAdmin { room, item } => {
                Iq::set(muc::admin::set(item)).with_to(Jid::from(room.clone()))
            }
            Query::RoomRegisterForm(room) => {
                Iq::get(muc::register::get()).with_to(Jid::from(room.clone()))
            }
            Query::RoomRegister { room, form, nick } => {
                Iq::set(muc::register::submit(form, nick)).with_to(Jid::from(room.clone()))
            }
            Query::RoomList { room, kind } => {
                Iq::get(muc::admin::get_list(*kind)).with_to(Jid::from(room.clone()))
            }
            Query::RoomConfigForm(room) => {
                Iq::get(muc::owner::get_form()).with_to(Jid::from(room.clone()))
            }
            Query::RoomConfigure { room, form } => {
                Iq::set(muc::owner::submit(form)).with_to(Jid::from(room.clone()))
            }
            Query::RoomConfigCancel(room) => {
                Iq::set(muc::owner::cancel()).with_to(Jid::from(room.clone()))
            }
            Query::RoomDestroy { room, destroy } => {
                Iq::set(muc::owner::destroy(destroy)).with_to(Jid::from(room.clone()))
            }
            Query::EntityInfo { jid, node } => {
                Iq::get(disco::info_request(node.as_deref())).with_to(jid.clone())
            }
            Query::UploadSlot {
                service,
                filename,
                size,
                content_type,
            } => Iq::get(super::stanza::upload::request(
                filename,
                *size,
                content_type.as_deref(),
            ))
            .with_to(Jid::from(service.clone())),
            Query::VcardGet(jid) => {
                let iq = Iq::get(Element::new("vCard", ns::VCARD));
                match jid {
                    Some(jid) => iq.with_to(Jid::from(jid.clone())),
                    None => iq,
                }
            }
            Query::VcardSet(card) => Iq::set(card.to_element()),
            Query::PrivacyNames => Iq::get(privacy::get_names()),
            Query::PrivacyList(name) => Iq::get(privacy::get_list(name)),
            Query::PrivacySet(list) => Iq::set(privacy::set_list(list)),
            Query::PrivacyActive(name) => Iq::set(privacy::set_active(name.as_deref())),
            Query::PrivacyDefault(name) => Iq::set(privacy::set_default(name.as_deref())),
            Query::PrivacyRemove(name) => Iq::set(privacy::remove_list(name)),
            Query::Blocklist => Iq::get(blocking::get_blocklist()),
            Query::Block(jids) => Iq::set(blocking::block(jids)),
            Query::Unblock(jids) => Iq::set(blocking::unblock(jids)),
            Query::CarbonsEnable => Iq::set(carbons::enable()),
            Query::CarbonsDisable => Iq::set(carbons::disable()),
            Query::PubsubItems { node } => Iq::get(pubsub::items_request(node)),
            Query::PubsubItemsOf { jid, node } => {
                Iq::get(pubsub::items_request(node)).with_to(Jid::from(jid.clone()))
            }
            Query::PubsubPublish {
                node,
                item,
                options,
            } => Iq::set(pubsub::publish(node, item, options.as_ref())),
            Query::PubsubRetract { node, id } => Iq::set(pubsub::retract(node, id, true)),
            Query::PrivateBookmarks => Iq::get(bookmarks::private_get()),
            Query::SetPrivateBookmarks(storage) => Iq::set(bookmarks::private_set(storage)),
            Query::ArchivePage {
                archive,
                with,
                start,
                cursor,
                max,
            } => {
                let query = MamQuery {
                    with: with.clone().map(Jid::from),
                    start: start.clone(),
                    page: SetQuery {
                        max: Some(*max),
                        cursor: cursor.clone(),
                    },
                    ..MamQuery::new(mam::new_queryid())
                };
                let iq = Iq::set(query.to_element());
                match archive {
                    Some(archive) => iq.with_to(Jid::from(archive.clone())),
                    None => iq,
                }
            }
        }
    }

    /// The `queryid` an archive query's IQ carries, which its results
    /// echo (MAM-03 (b)).
    pub fn queryid(iq: &Iq) -> Option<String> {
        iq.payload
            .as_ref()
            .filter(|p| p.is("query", ns::MAM))
            .and_then(|p| p.attr("queryid"))
            .map(str::to_owned)
    }

    /// Reads the result `iq` as the answer to this query.
    pub fn decode(&self, iq: Iq) -> Result<Answer, RequestError> {
        let unreadable = |e: String| RequestError::Unreadable(Unreadable::Invalid(e));
        let payload = iq.payload;
        match self {
            Query::RosterGet { ver } => match payload.filter(|p| p.is("query", ns::ROSTER)) {
                None if ver.is_some() => Ok(Answer::RosterUnchanged),
                None => Ok(Answer::Roster {
                    ver: None,
                    items: Vec::new(),
                }),
                Some(query) => RosterQuery::parse_owned(query)
                    .map(|q| Answer::Roster {
                        ver: q.ver,
                        items: q.items,
                    })
                    .map_err(|e| unreadable(e.to_string())),
            },
            Query::DiscoItems { .. } => Ok(Answer::DiscoItems(disco::parse_items(
                payload.as_ref(),
                MAX_DISCO_ITEMS,
            ))),
            Query::ServerInfo
            | Query::AccountInfo(_)
            | Query::RoomInfo(_)
            | Query::ServiceInfo(_) => Ok(Answer::Features(disco_features(payload.as_ref()))),
            Query::ReservedNick(_) => Ok(Answer::ReservedNick(reserved_nick(payload.as_ref()))),
            Query::PubsubItems { node } | Query::PubsubItemsOf { node, .. } => match payload {
                None => Ok(Answer::PubsubItems(Items::default())),
                Some(pubsub) => pubsub::parse_items(&pubsub, node, MAX_ITEMS)
                    .map(Answer::PubsubItems)
                    .map_err(|e| unreadable(e.to_string())),
            },
            Query::PrivateBookmarks => bookmarks::parse_private(payload.as_ref(), MAX_ITEMS)
                .map(Answer::PrivateBookmarks)
                .map_err(|e| unreadable(e.to_string())),
            Query::PrivacyNames => payload
                .filter(|q| q.is("query", ns::PRIVACY))
                .map(|q| privacy::parse_names(&q))
                .transpose()
                .map(|names| Answer::PrivacyNames(names.unwrap_or_default()))
                .map_err(|e| unreadable(e.to_string())),
            Query::PrivacyList(_) => payload
                .filter(|q| q.is("query", ns::PRIVACY))
                .map(|q| privacy::parse_list(&q))
                .transpose()
                .map_err(|e| unreadable(e.to_string()))?
                .map(Answer::PrivacyList)
                .ok_or(RequestError::Unreadable(Unreadable::Empty)),
            Query::Blocklist => payload
                .filter(|q| q.is("blocklist", ns::BLOCKING))
                .map(|q| blocking::parse_blocklist(&q))
                .transpose()
                .map(|list| Answer::Blocklist(list.unwrap_or_default()))
                .map_err(|e| unreadable(e.to_string())),
            // The results are the session's to add: they came before.
            Query::ArchivePage { .. } => payload
                .filter(|p| p.is("fin", ns::MAM))
                .map(|p| Fin::parse(&p))
                .transpose()
                .map_err(|e| unreadable(e.to_string()))?
                .map(|fin| Answer::ArchivePage {
                    messages: Vec::new(),
                    fin,
                })
                .ok_or(RequestError::Unreadable(Unreadable::Empty)),
            Query::RosterSet(_)
            | Query::RosterRemove(_)
            | Query::PrivacySet(_)
            | Query::PrivacyActive(_)
            | Query::PrivacyDefault(_)
            | Query::PrivacyRemove(_)
            | Query::Block(_)
            | Query::Unblock(_)
            | Query::CarbonsEnable
            | Query::CarbonsDisable
            | Query::InstantRoom(_)
            | Query::PubsubPublish { .. }
            | Query::PubsubRetract { .. }
            | Query::SetPrivateBookmarks(_)
            | Query::SelfPing(_) => Ok(Answer::Done),
            Query::RoomAdmin { .. }
            | Query::RoomConfigure { .. }
            | Query::RoomConfigCancel(_)
            | Query::RoomDestroy { .. } => Ok(Answer::Done),
            Query::RoomRegisterForm(_) => Ok(Answer::RoomRegistration(muc::register::parse(
                payload.as_ref(),
            ))),
            Query::RoomRegister { .. } => Ok(Answer::Done),
            Query::RoomList { .. } => {
                Ok(Answer::RoomList(muc::admin::parse_list(payload.as_ref())))
            }
            Query::RoomConfigForm(_) => payload
                .filter(|p| p.is("query", ns::MUC_OWNER))
                .and_then(|p| super::stanza::data_form::DataForm::of(&p))
                .map(Answer::Form)
                .ok_or(RequestError::Unreadable(Unreadable::Empty)),
            Query::EntityInfo { .. } => Ok(Answer::Info(disco::parse_info(payload.as_ref()))),
            Query::UploadSlot { .. } => super::stanza::upload::parse_slot(payload.as_ref())
                .map(Answer::Slot)
                .map_err(|e| unreadable(e.to_string())),
            Query::VcardGet(_) => super::stanza::vcard::VCard::from_result(payload.as_ref())
                .map(Answer::Vcard)
                .map_err(|e| unreadable(e.to_string())),
            Query::VcardSet(_) => Ok(Answer::Done),
        }
    }
}

/// XEP-0045 §7.12: the disco#info node that names our reserved nick.
pub const RESERVED_NICK_NODE: &str = "x-roomuser-item";

/// Longest reserved nick kept (a resourcepart is at most 1023 bytes).
const MAX_NICK_BYTES: usize = 1023;

/// MUC-06: the `name` of the `conference/text` identity of a
/// `x-roomuser-item` answer; none when the room reserves nothing.
fn reserved_nick(query: Option<&Element>) -> Option<String> {
    query?
        .children_named("identity", ns::DISCO_INFO)
        .filter(|i| i.attr("category") == Some("conference"))
        .find_map(|i| i.attr("name"))
        .filter(|name| !name.trim().is_empty())
        .map(|name| crate::xmpp::cap::cut_owned(name.to_owned(), MAX_NICK_BYTES))
}

/// The feature `var`s of a disco#info result, with the identity that makes
/// an account a PEP service as [`feature::PEP_SERVICE`] (PEP-01) and a chat
/// identity as [`feature::CHAT_IDENTITY`] (MUC-01).
fn disco_features(query: Option<&Element>) -> Vec<String> {
    let info = disco::parse_info(query);
    let mut features: Vec<String> = info
        .features
        .iter()
        .filter(|var| !var.starts_with('#'))
        .cloned()
        .collect();
    if info.has_identity("pubsub", "pep") {
        features.push(feature::PEP_SERVICE.to_owned());
    }
    if info.has_identity("conference", "text") {
        features.push(feature::CHAT_IDENTITY.to_owned());
    }
    features
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::xmpp::stanza::test_xml;

    fn result(xml: &str) -> Iq {
        Iq::parse(&test_xml::parse(xml)).unwrap()
    }

    /// RFC 6121 §2.6.3 (NEW-03): an empty result to a versioned get says
    /// the cache is current; to a plain get it is an empty roster.
    #[test]
    fn empty_roster_result_depends_on_the_version_sent() {
        let empty = "<iq type='result' id='r1'/>";
        let versioned = Query::RosterGet {
            ver: Some("v1".into()),
        };
        assert_eq!(versioned.decode(result(empty)), Ok(Answer::RosterUnchanged));
        let plain = Query::RosterGet { ver: None };
        assert_eq!(
            plain.decode(result(empty)),
            Ok(Answer::Roster {
                ver: None,
                items: Vec::new()
            })
        );
    }

    #[test]
    fn roster_result_is_decoded_once_here() {
        let answer = Query::RosterGet { ver: None }.decode(result(
            "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='v2'>\
             <item jid='romeo@example.net' subscription='both'/></query></iq>",
        ));
        let Ok(Answer::Roster { ver, items }) = answer else {
            panic!("{answer:?}");
        };
        assert_eq!(ver.as_deref(), Some("v2"));
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn a_reply_that_does_not_parse_is_unreadable() {
        let answer = Query::PrivacyList("w".into()).decode(result(
            "<iq type='result' id='p'><query xmlns='jabber:iq:privacy'>\
             <list name='w'><item order='1'/></list></query></iq>",
        ));
        assert!(
            matches!(
                answer,
                Err(RequestError::Unreadable(Unreadable::Invalid(_)))
            ),
            "{answer:?}"
        );
        let missing =
            Query::PrivacyList("work".into()).decode(result("<iq type='result' id='p'/>"));
        assert_eq!(missing, Err(RequestError::Unreadable(Unreadable::Empty)));
    }

    /// PRIV-01, BLK-01: disco#info goes to our server; its features come
    /// back as names.
    #[test]
    fn server_info_asks_our_domain_and_lists_features() {
        let iq = Query::ServerInfo.to_iq("example.com");
        assert_eq!(iq.to.map(|j| j.to_string()).as_deref(), Some("example.com"));
        let answer = Query::ServerInfo.decode(result(
            "<iq type='result' id='d'><query xmlns='http://jabber.org/protocol/disco#info'>\
             <feature var='jabber:iq:privacy'/><feature var='urn:xmpp:blocking'/></query></iq>",
        ));
        assert_eq!(
            answer,
            Ok(Answer::Features(vec![
                feature::PRIVACY_LISTS.to_owned(),
                feature::BLOCKING.to_owned()
            ]))
        );
    }

    /// DISCO-13, UPLOAD-01: the whole disco#info of an entity, with its
    /// node and extended form.
    #[test]
    fn entity_info_keeps_node_identities_and_forms() {
        let query = Query::EntityInfo {
            jid: Jid::new("upload.example.com").unwrap(),
            node: Some("n".into()),
        };
        let iq = query.to_iq("example.com");
        assert_eq!(
            iq.to.as_ref().map(|to| to.to_string()).as_deref(),
            Some("upload.example.com")
        );
        assert_eq!(iq.payload.as_ref().and_then(|p| p.attr("node")), Some("n"));
        let Ok(Answer::Info(info)) = query.decode(result(
            "<iq type='result' id='u0'><query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='store' type='file'/><feature var='urn:xmpp:http:upload:0'/>\
             <x xmlns='jabber:x:data' type='result'>\
             <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>\
             <field var='max-file-size'><value>1024</value></field></x></query></iq>",
        )) else {
            panic!("not an Info answer");
        };
        assert!(info.has_identity("store", "file"));
        assert!(info.form("urn:xmpp:http:upload:0").is_some());
        let empty = query.decode(result("<iq type='result' id='u1'/>"));
        assert_eq!(empty, Ok(Answer::Info(disco::Info::default())));
    }

    /// DISCO-08, SID-02: our account's disco#info goes to our bare JID;
    /// the stable-ids feature comes back by name.
    #[test]
    fn disco_08_account_info_asks_our_bare_jid() {
        let own = BareJid::new("juliet@example.com").unwrap();
        let query = Query::AccountInfo(own);
        let mut iq = query.to_iq("example.com");
        iq.id = "d2".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='get' id='d2' to='juliet@example.com'>\
             <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        );
        let answer = query.decode(result(
            "<iq type='result' id='d2' from='juliet@example.com'>\
             <query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='account' type='registered'/>\
             <feature var='urn:xmpp:sid:0'/></query></iq>",
        ));
        assert_eq!(
            answer,
            Ok(Answer::Features(vec![feature::STABLE_IDS.to_owned()]))
        );
    }

    /// CARBONS-02 / CARBONS-16: enable and disable go to our own account
    /// (no `to`), and the empty result is a plain success.
    #[test]
    fn carbons_02_enable_and_disable() {
        for (query, payload) in [
            (Query::CarbonsEnable, "<enable xmlns='urn:xmpp:carbons:2'/>"),
            (
                Query::CarbonsDisable,
                "<disable xmlns='urn:xmpp:carbons:2'/>",
            ),
        ] {
            let mut iq = query.to_iq("example.com");
            iq.id = "cb1".into();
            assert_eq!(
                iq.to_element().to_xml(),
                format!("<iq type='set' id='cb1'>{payload}</iq>")
            );
            assert_eq!(
                query.decode(result(
                    "<iq type='result' id='cb1' from='juliet@example.com'/>"
                )),
                Ok(Answer::Done)
            );
        }
    }

    /// MAM-02, MAM-07: our archive is asked without `to`, with a fresh
    /// queryid, the page after the last id we hold.
    #[test]
    fn mam_07_archive_page_query() {
        let query = Query::ArchivePage {
            archive: None,
            with: None,
            start: None,
            cursor: Some(Cursor::After("A9".into())),
            max: 50,
        };
        let mut iq = query.to_iq("example.com");
        iq.id = "q2".into();
        let queryid = Query::queryid(&iq).unwrap();
        assert_eq!(queryid.len(), 32);
        assert_eq!(
            iq.to_element().to_xml(),
            format!(
                "<iq type='set' id='q2'><query xmlns='urn:xmpp:mam:2' queryid='{queryid}'>\
                 <set xmlns='http://jabber.org/protocol/rsm'><max>50</max><after>A9</after></set>\
                 </query></iq>"
            )
        );
        let again = query.to_iq("example.com");
        assert_ne!(
            Query::queryid(&again),
            Some(queryid),
            "MAM-02: a new queryid each time"
        );
        let own = BareJid::new("juliet@example.com").unwrap();
        assert_eq!(query.archive(&own), Some(own.clone()));
        assert_eq!(query.result_cap(), Some(60));
        assert_eq!(Query::CarbonsEnable.archive(&own), None);
    }

    /// MAM-08, MAM-12: a `start` or `with` filter is a submitted form.
    #[test]
    fn mam_08_mam_12_filters() {
        let query = Query::ArchivePage {
            archive: None,
            with: Some(BareJid::new("romeo@example.net").unwrap()),
            start: Some(Stamp::parse("2026-01-02T10:00:00Z").unwrap()),
            cursor: Some(Cursor::Before("A1".into())),
            max: 30,
        };
        let xml = query.to_iq("example.com").to_element().to_xml();
        assert!(
            xml.contains("<field var='with'><value>romeo@example.net</value></field>"),
            "{xml}"
        );
        assert!(
            xml.contains("<field var='start'><value>2026-01-02T10:00:00Z</value></field>"),
            "{xml}"
        );
        assert!(xml.contains("<max>30</max><before>A1</before>"), "{xml}");
    }

    /// MAM-05: the IQ result's `<fin/>` is the answer; the results are
    /// added by the session. No `<fin/>` is an unreadable answer.
    #[test]
    fn mam_05_fin_is_decoded() {
        let query = Query::ArchivePage {
            archive: None,
            with: None,
            start: None,
            cursor: None,
            max: 50,
        };
        let answer = query.decode(result(
            "<iq type='result' id='q1'><fin xmlns='urn:xmpp:mam:2' complete='true'>\
             <set xmlns='http://jabber.org/protocol/rsm'><first>A1</first><last>A9</last></set>\
             </fin></iq>",
        ));
        let Ok(Answer::ArchivePage { messages, fin }) = answer else {
            panic!("{answer:?}");
        };
        assert!(messages.is_empty());
        assert!(fin.complete);
        assert_eq!(fin.set.last.as_deref(), Some("A9"));
        assert_eq!(
            query.decode(result("<iq type='result' id='q1'/>")),
            Err(RequestError::Unreadable(Unreadable::Empty))
        );
    }

    /// MUC-06: the reserved nick is the name of the conference identity;
    /// an answer without one reserves nothing.
    #[test]
    fn muc_06_reserved_nick_is_read() {
        let room = BareJid::new("verona@conference.example.com").unwrap();
        let query = Query::ReservedNick(room);
        let named = query.decode(result(
            "<iq type='result' id='r'><query xmlns='http://jabber.org/protocol/disco#info' \
             node='x-roomuser-item'><identity category='conference' type='text' name='thirdwitch'/>\
             </query></iq>",
        ));
        assert_eq!(named, Ok(Answer::ReservedNick(Some("thirdwitch".into()))));
        let none = query.decode(result(
            "<iq type='result' id='r'><query xmlns='http://jabber.org/protocol/disco#info' \
             node='x-roomuser-item'/></iq>",
        ));
        assert_eq!(none, Ok(Answer::ReservedNick(None)));
    }

    /// VCARD-01, VCARD-03, VCARD-04: a contact's card is asked of their
    /// bare JID, ours and the set without `to`; an empty result is an
    /// empty card (VCARD-02).
    #[test]
    fn vcard_01_03_04_card_queries() {
        use crate::xmpp::stanza::vcard::{Field, VCard};
        let romeo = BareJid::new("romeo@example.net").unwrap();
        let mut iq = Query::VcardGet(Some(romeo)).to_iq("example.com");
        iq.id = "v1".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='get' id='v1' to='romeo@example.net'><vCard xmlns='vcard-temp'/></iq>"
        );
        let own = Query::VcardGet(None);
        let mut iq = own.to_iq("example.com");
        iq.id = "v2".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='get' id='v2'><vCard xmlns='vcard-temp'/></iq>"
        );
        let mut card = VCard::default();
        card.set(Field::FullName, Some("Juliet Capulet"));
        card.set(Field::Nickname, Some("jules"));
        let mut iq = Query::VcardSet(card.clone()).to_iq("example.com");
        iq.id = "v3".into();
        assert_eq!(
            iq.to_element().to_xml(),
            "<iq type='set' id='v3'><vCard xmlns='vcard-temp'><FN>Juliet Capulet</FN>\
             <NICKNAME>jules</NICKNAME></vCard></iq>"
        );
        assert_eq!(
            own.decode(result("<iq type='result' id='v2'/>")),
            Ok(Answer::Vcard(VCard::default()))
        );
        assert_eq!(
            own.decode(result(
                "<iq type='result' id='v2'><vCard xmlns='vcard-temp'><FN>Juliet Capulet</FN>\
                 <NICKNAME>jules</NICKNAME></vCard></iq>"
            )),
            Ok(Answer::Vcard(card.clone()))
        );
        assert_eq!(
            Query::VcardSet(card).decode(result("<iq type='result' id='v3'/>")),
            Ok(Answer::Done)
        );
    }

    #[test]
    fn sets_answer_done() {
        let ok = "<iq type='result' id='s'/>";
        for query in [
            Query::PrivacyRemove("work".into()),
            Query::PrivacyActive(None),
            Query::Block(Vec::new()),
        ] {
            assert_eq!(query.decode(result(ok)), Ok(Answer::Done));
        }
    }

    /// PEP-01, BOOKMARKS-01: the account's PEP identity comes back as
    /// [`feature::PEP_SERVICE`], next to `#compat` and publish-options; a
    /// `var` posing as it is dropped.
    #[test]
    fn pep_01_account_identity_is_reported() {
        let own = BareJid::new("juliet@example.com").unwrap();
        let answer = Query::AccountInfo(own.clone()).decode(result(
            "<iq type='result' id='d2' from='juliet@example.com'>\
             <query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='account' type='registered'/>\
             <identity category='pubsub' type='pep'/>\
             <feature var='urn:xmpp:bookmarks:1#compat'/>\
             <feature var='http://jabber.org/protocol/pubsub#publish-options'/>\
             </query></iq>",
        ));
        assert_eq!(
            answer,
            Ok(Answer::Features(vec![
                feature::BOOKMARKS_COMPAT.to_owned(),
                feature::PUBLISH_OPTIONS.to_owned(),
                feature::PEP_SERVICE.to_owned(),
            ]))
        );
        let spoofed = Query::AccountInfo(own).decode(result(
            "<iq type='result' id='d2'><query xmlns='http://jabber.org/protocol/disco#info'>\
             <feature var='#identity pubsub/pep'/></query></iq>",
        ));
        assert_eq!(spoofed, Ok(Answer::Features(Vec::new())));
    }

    /// BOOKMARKS-02, BOOKMARKS-07, BOOKMARKS-11: the bookmark queries go to
    /// our own account (no `to`); an items result is decoded here.
    #[test]
    fn bookmark_queries() {
        let items = Query::PubsubItems {
            node: ns::BOOKMARKS.into(),
        };
        let iq = items.to_iq("example.com");
        assert_eq!(iq.to, None);
        let answer = items.decode(result(
            "<iq type='result' id='bm1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:bookmarks:1'><item id='a@conference.example.com'>\
             <conference xmlns='urn:xmpp:bookmarks:1'/></item></items></pubsub></iq>",
        ));
        let Ok(Answer::PubsubItems(got)) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(got.items.len(), 1);
        let retract = Query::PubsubRetract {
            node: ns::BOOKMARKS.into(),
            id: "a@conference.example.com".into(),
        };
        let xml = retract.to_iq("example.com").to_element().to_xml();
        assert!(xml.contains("notify='true'"), "{xml}");
        assert_eq!(
            retract.decode(result("<iq type='result' id='bm3'/>")),
            Ok(Answer::Done)
        );
        let private = Query::PrivateBookmarks;
        assert_eq!(
            private.decode(result(
                "<iq type='result' id='pv1'><query xmlns='jabber:iq:private'>\
                 <storage xmlns='storage:bookmarks'/></query></iq>"
            )),
            Ok(Answer::PrivateBookmarks(Storage::default()))
        );
    }
}
