//! Rooms we take part in (XEP-0045): the `state.rooms` area.
//!
//! - [`Rooms`] holds each [`Room`] by its bare JID: our nick there (as the
//!   room's `110` self-presence says, MUC-11), where the join stands
//!   ([`JoinPhase`]), the subject, what the room is ([`RoomFlags`], from
//!   status codes and disco#info), its occupants ([`occupants`]) and the
//!   conversation its lines go to (a [`ConversationKind::Room`] in
//!   [`crate::app::chat`], each incoming line carrying the speaker's nick as
//!   its resource).
//! - [`route_message`], [`route_presence`] and [`route_carbon`] are the one
//!   decision of what a stanza from a room is ([`Route`]): traffic from a
//!   room we are in (or joining, or leaving) goes to [`update`]; a
//!   groupchat message from any other room is dropped (MUC-47); a `chat`
//!   message from an occupant (or a carbon copy of one, either way) is a
//!   private message in its own `room/nick` conversation (MUC-23).
//! - A new session (not a resumed one) leaves every room
//!   ([`Exit::Disconnected`]); [`rejoin`] joins them again after initial
//!   presence (MUC-46), and a room that no longer has us (MUC-18, MUC-55)
//!   at once, with a notice (MUC-58).
//! - [`self_ping`] asks a room that has been silent whether it still has us
//!   (XEP-0410, MUC-54…57), by the clock of [`update::on_tick`].
//! - [`join`] is the one way into a room (commands, bookmarks, invitations
//!   call it); the `<history/>` its presence asks for comes from
//!   [`join_history`], and the room's archive is read after it
//!   ([`history`], MUC-09, MAM-14).
//! - [`update`] applies what the room says (presence, messages, subject,
//!   errors) and what becomes of what we send there; [`command`] is what
//!   the user does (`/join`, `/leave`, `/nick`, `/topic`; plain text and
//!   `/msg ROOM/NICK` go through the chat area's composing, which asks
//!   [`update::may_send`] and [`update::on_compose`]).
//! - [`mention`] tells whether a message names our nick: such a live line
//!   counts in the conversation's `mentions` and notifies.
//! - [`invitation`] keeps invitations into rooms until the user answers
//!   them (`/invite`, `/invitations`, `/accept`, `/decline`); the session
//!   event router asks [`invitation::is_invitation`] before
//!   [`route_message`].
//! - [`configure`] is an owner's `/configure` of the room's form.
//! - [`continuation`] turns a 1:1 chat into a room (`/continue`, MUC-32)
//!   and links a room to the chat it continues (MUC-52).
//! - [`directory`] finds the chat service and lists its public rooms
//!   (`/rooms`); [`members`] fetches a room's affiliation or role list
//!   (`/members`).
//! - [`register`] registers a nick with a room (`/register`, MUC-33).
//! - [`moderation`] is what a moderator, admin or owner does (`/kick`,
//!   `/ban`, `/voice`, `/devoice`, `/role`, `/affiliation`, `/destroy`).
//! - [`voice`] asks for voice as a visitor (`/requestvoice`) and keeps the
//!   voice requests a room relays to us until `/allowvoice` or `/voice`
//!   answers them; the router asks [`voice::is_voice_request`] before
//!   [`route_message`].
//!
//! Private messages are recorded with the room as peer and the nick as
//! resource, like the room's own lines; their kind (`chat`) tells them
//! apart when the history is read back ([`update::history_lines`]). Room
//! lines carry the room's own `<stanza-id/>` as `room_id` (on the line and
//! on its [`Record`](crate::app::Record)).

pub mod command;
pub mod configure;
pub mod continuation;
pub mod directory;
pub mod history;
pub mod invitation;
pub mod members;
pub mod mention;
pub mod moderation;
pub mod occupants;
pub mod register;
pub mod rejoin;
pub mod self_ping;
pub mod update;
pub mod voice;

use std::collections::HashMap;

use jid::{BareJid, FullJid, Jid};

use crate::app::chat::{ConversationId, ConversationKind};
use crate::app::{Effect, Purpose, State};
use crate::xmpp::query::Query;
use crate::xmpp::stanza::message::{Message, MessageType};
use crate::xmpp::stanza::muc::{History, Join, JoinRefusal};
use crate::xmpp::stanza::presence::{Presence, PresenceType};

pub use occupants::{Occupant, Occupants};

/// Rooms kept at once.
pub const MAX_ROOMS: usize = 512;
/// How many recent messages a first join brings, unless configured
/// (MUC-09, MAM-14).
pub const FIRST_JOIN_MESSAGES: u32 = 50;
/// Silence from a room before a self-ping, unless configured (MUC-54).
pub const SELF_PING_SECS: i64 = 15 * 60;
/// How long a leave waits for the room's answer before the room counts as
/// left anyway (MUC-25), in seconds.
pub const LEAVE_TIMEOUT_SECS: i64 = 10;
/// How long a join waits for the room's disco#info before it goes ahead
/// without it (MUC-03), in seconds.
pub const INFO_WAIT_SECS: i64 = 3;
/// Messages of ours kept waiting for their reflection per room (MUC-17).
pub const MAX_AWAITING_REFLECTION: usize = 256;

/// Where a join stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinPhase {
    /// The join presence went out (or waits for the room's disco#info);
    /// occupants, our own presence and history arrive until the subject
    /// does (MUC-10).
    Joining {
        /// The join presence is sent.
        sent: bool,
    },
    /// The subject came: the join is complete.
    Joined,
    /// We asked to leave and wait for our own `unavailable` (MUC-25), since
    /// this time.
    Leaving { since: i64 },
    /// Out of the room, and why.
    Left(Exit),
    /// The room refused us (MUC-13).
    Failed(JoinRefusal),
}

impl JoinPhase {
    /// Whether the room still sends us its traffic.
    pub fn is_present(&self) -> bool {
        matches!(
            self,
            JoinPhase::Joining { .. } | JoinPhase::Joined | JoinPhase::Leaving { .. }
        )
    }
}

/// Why we are out of a room (MUC-25, MUC-26, MUC-27).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// We left.
    Left,
    /// Removed by the room: the status codes say why; `actor` and `reason`
    /// when the room named them.
    Removed {
        why: Removal,
        actor: Option<String>,
        reason: Option<String>,
    },
    /// The room was destroyed (MUC-27), maybe with a successor.
    Destroyed {
        alternative: Option<BareJid>,
        reason: Option<String>,
    },
    /// The session ended.
    Disconnected,
}

/// A forced exit's kind (MUC-26, MUC-28).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Kicked,
    Banned,
    /// The affiliation changed in a members-only room (321).
    AffiliationChanged,
    /// The room became members-only (322).
    MembersOnly,
    /// The service is shutting down (332).
    Shutdown,
    /// A technical error (333).
    TechnicalError,
}

impl Removal {
    /// Past participle for room lines: "romeo was kicked".
    pub fn verb(self) -> &'static str {
        match self {
            Removal::Kicked => "kicked",
            Removal::Banned => "banned",
            Removal::AffiliationChanged => "removed (affiliation changed)",
            Removal::MembersOnly => "removed (the room is now members-only)",
            Removal::Shutdown => "removed (the service is shutting down)",
            Removal::TechnicalError => "removed (a technical error)",
        }
    }
}

/// What a room is, from its status codes and disco#info (MUC-03, MUC-12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoomFlags {
    /// Everyone sees our real JID (`100`, `172`, `muc_nonanonymous`).
    pub non_anonymous: bool,
    /// The room is logged publicly (`170`).
    pub logged: bool,
    /// `http://jabber.org/protocol/muc#stable_id`: the room keeps message
    /// ids, so our reflection may be matched by `id` (MUC-17).
    pub stable_id: bool,
    /// `urn:xmpp:mam:2`: the room keeps its own archive (MAM-14).
    pub archive: bool,
    /// `http://jabber.org/protocol/muc#self-ping-optimization` (MUC-57).
    pub self_ping_optimization: bool,
    pub members_only: bool,
    pub moderated: bool,
    pub password_protected: bool,
    pub persistent: bool,
    pub public: bool,
    /// disco#info has answered (or failed).
    pub known: bool,
}

impl RoomFlags {
    /// Reads the room's disco#info features (MUC-03).
    pub fn from_features(features: &[String]) -> RoomFlags {
        let has = |name: &str| features.iter().any(|f| f == name);
        RoomFlags {
            non_anonymous: has("muc_nonanonymous"),
            logged: false,
            stable_id: has("http://jabber.org/protocol/muc#stable_id"),
            archive: has(crate::xmpp::ns::MAM),
            self_ping_optimization: has("http://jabber.org/protocol/muc#self-ping-optimization"),
            members_only: has("muc_membersonly"),
            moderated: has("muc_moderated"),
            password_protected: has("muc_passwordprotected"),
            persistent: has("muc_persistent"),
            public: has("muc_public"),
            known: true,
        }
    }
}

/// Warnings the user gets once per room (MUC-12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Warned {
    pub non_anonymous: bool,
    pub logged: bool,
}

/// One room.
#[derive(Clone, Debug)]
pub struct Room {
    pub jid: BareJid,
    /// Our nick: asked for at first, then whatever our `110` presence
    /// says (MUC-11).
    pub nick: String,
    pub phase: JoinPhase,
    /// The subject, and who set it (a nick), once the room said.
    pub subject: Option<String>,
    pub subject_by: Option<String>,
    pub flags: RoomFlags,
    pub warned: Warned,
    pub occupants: Occupants,
    /// Our own presence in the room came (status `110`).
    pub self_seen: bool,
    /// The password the join used, kept only for rejoining (MUC-53).
    pub password: Option<String>,
    /// A nick change of ours waiting for the room's answer (MUC-16).
    pub pending_nick: Option<String>,
    /// We created the room and it waits for its configuration (MUC-45).
    pub awaiting_configuration: bool,
    /// A room this join creates shows its configuration form instead of
    /// opening as an instant room (MUC-45, `/join --configure`).
    pub configure_on_create: bool,
    /// The join waits for the nick the room reserves for us (MUC-06).
    pub awaiting_reserved_nick: bool,
    /// When the join started (Unix seconds), for the disco#info wait.
    pub since: i64,
    /// Ids (and origin-ids) of our messages not yet reflected, oldest
    /// first (MUC-17).
    pub awaiting_reflection: std::collections::VecDeque<String>,
    /// Bumped at every occupant change, so a view can tell when to redraw.
    pub rev: u64,
    /// The `/join` (tag, label) whose result waits for the join's end.
    pub join_report: Option<(u64, String)>,
    /// The `/leave` (tag, label) whose result waits for the room's answer.
    pub leave_report: Option<(u64, String)>,
    /// Reading the room's archive after the join (MAM-14).
    pub reading: history::Reading,
    /// Whether we are still in the room (MUC-54…57).
    pub ping: self_ping::Ping,
    /// The 1:1 chat this room continues (MUC-32, MUC-52).
    pub continues: Option<continuation::Continuation>,
    /// A `/configure` (tag, label, result) reported once the room's
    /// disco#info has the new flags, so the next command (a script's
    /// `/invite` into a room just made members-only) sees them.
    pub configured_report: Option<(u64, String, String)>,
}

impl Room {
    fn new(jid: BareJid, nick: String, password: Option<String>, at: i64) -> Room {
        Room {
            jid,
            nick,
            phase: JoinPhase::Joining { sent: false },
            subject: None,
            subject_by: None,
            flags: RoomFlags::default(),
            warned: Warned::default(),
            occupants: Occupants::default(),
            self_seen: false,
            password,
            pending_nick: None,
            awaiting_configuration: false,
            configure_on_create: false,
            awaiting_reserved_nick: false,
            since: at,
            awaiting_reflection: std::collections::VecDeque::new(),
            rev: 0,
            join_report: None,
            leave_report: None,
            reading: history::Reading::default(),
            ping: self_ping::Ping::new(at),
            continues: None,
            configured_report: None,
        }
    }

    /// Our occupant JID, `room@service/nick`.
    pub fn occupant_jid(&self, nick: &str) -> Option<FullJid> {
        self.jid.with_resource_str(nick).ok()
    }
}

/// Every room, by bare JID, with the conversation each one's lines go to.
#[derive(Debug, Default)]
pub struct Rooms {
    rooms: HashMap<BareJid, Room>,
    /// Bumped when a room is added or forgotten, so a view listing rooms
    /// can tell when to list them again.
    rev: u64,
    /// The time of the last message the store applied (Unix seconds), for
    /// answers, which carry none.
    pub clock: i64,
}

impl Rooms {
    /// Changes with the set of rooms held (not with what happens in them).
    pub fn rev(&self) -> u64 {
        self.rev
    }

    pub fn get(&self, jid: &BareJid) -> Option<&Room> {
        self.rooms.get(jid)
    }

    pub fn get_mut(&mut self, jid: &BareJid) -> Option<&mut Room> {
        self.rooms.get_mut(jid)
    }

    /// Rooms by JID.
    pub fn iter(&self) -> impl Iterator<Item = &Room> {
        self.rooms.values()
    }

    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Whether the room sends us its traffic now.
    pub fn is_present(&self, jid: &BareJid) -> bool {
        self.rooms.get(jid).is_some_and(|r| r.phase.is_present())
    }

    /// Keeps `room`; `false` when every slot holds a room we are in.
    fn insert(&mut self, room: Room) -> bool {
        if self.rooms.len() >= MAX_ROOMS && !self.rooms.contains_key(&room.jid) {
            // Make room by forgetting one we are out of.
            let gone = self
                .rooms
                .iter()
                .find(|(_, r)| !r.phase.is_present())
                .map(|(jid, _)| jid.clone());
            match gone {
                Some(jid) => {
                    self.rooms.remove(&jid);
                }
                None => return false,
            }
        }
        self.rev += 1;
        self.rooms.insert(room.jid.clone(), room);
        true
    }

    pub fn remove(&mut self, jid: &BareJid) -> Option<Room> {
        self.rev += 1;
        self.rooms.remove(jid)
    }
}

/// What the user (or a bookmark, or an accepted invitation) asks to join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomJoin {
    pub room: BareJid,
    pub nick: String,
    pub password: Option<String>,
    /// The user typed no nick: `nick` is the default, and a nick the room
    /// reserves for us takes its place (MUC-06).
    pub nick_is_default: bool,
}

/// Why a join could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// We are in that room already (or joining it), under this nick.
    AlreadyIn(String),
    /// The nick cannot be a JID resource.
    BadNick(String),
    TooManyRooms,
}

impl std::fmt::Display for JoinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinError::AlreadyIn(nick) => write!(f, "you are already in that room as {nick}"),
            JoinError::BadNick(nick) => write!(f, "{nick:?} cannot be a nick"),
            JoinError::TooManyRooms => write!(f, "too many rooms: leave one first"),
        }
    }
}

/// Starts joining a room: the one way in. Asks the room's disco#info
/// first (MUC-03, to learn its flags), and, when the user typed no nick,
/// the nick the room reserves for us (MUC-06); the join presence goes out
/// when both answered, or after [`INFO_WAIT_SECS`] (see
/// [`update::on_tick`]). Opens
/// the room's window.
pub fn join(
    state: &mut State,
    request: RoomJoin,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Result<ConversationId, JoinError> {
    let RoomJoin {
        room,
        nick,
        password,
        nick_is_default,
    } = request;
    if let Some(existing) = state.rooms.get(&room)
        && existing.phase.is_present()
        && !matches!(existing.phase, JoinPhase::Leaving { .. })
    {
        return Err(JoinError::AlreadyIn(existing.nick.clone()));
    }
    if crate::xmpp::stanza::muc::join::check_nick(&nick).is_err()
        || room.with_resource_str(&nick).is_err()
    {
        return Err(JoinError::BadNick(nick));
    }
    let flags = state.rooms.get(&room).map(|r| r.flags).unwrap_or_default();
    let mut entry = Room::new(room.clone(), nick, password, at);
    entry.flags = flags;
    entry.awaiting_reserved_nick = nick_is_default;
    if !state.rooms.insert(entry) {
        return Err(JoinError::TooManyRooms);
    }
    let conversation = state.chats.room(&room);
    effects.push(Effect::Request {
        query: Query::RoomInfo(room.clone()),
        purpose: Purpose::RoomInfo { room: room.clone() },
    });
    if nick_is_default {
        effects.push(Effect::Request {
            query: Query::ReservedNick(room.clone()),
            purpose: Purpose::ReservedNick { room: room.clone() },
        });
    } else if flags.known {
        send_join(state, &room, effects);
    }
    Ok(conversation)
}

/// The join presence of `room` goes out (MUC-07…09), once.
pub fn send_join(state: &mut State, room: &BareJid, effects: &mut Vec<Effect>) {
    let ready = state.rooms.get(room).is_some_and(|r| {
        r.phase == (JoinPhase::Joining { sent: false }) && !r.awaiting_reserved_nick
    });
    if !ready {
        return;
    }
    let history = join_history(state, room);
    let own = state.own.clone();
    let Some(entry) = state.rooms.get_mut(room) else {
        return;
    };
    let Some(to) = entry.occupant_jid(&entry.nick) else {
        return;
    };
    entry.phase = JoinPhase::Joining { sent: true };
    let mut presence = own.to_presence();
    presence.priority = 0;
    presence.to = Some(Jid::from(to));
    presence.muc_join = Some(Join {
        password: entry.password.clone(),
        history,
    });
    effects.push(Effect::SendPresence(presence));
}

/// Starts leaving `room` (MUC-25): `unavailable`, with `text` as its
/// status, to our occupant JID; the room is left when it answers, or after
/// [`LEAVE_TIMEOUT_SECS`]. The one way out (`/leave`, bookmarks).
pub fn leave(
    state: &mut State,
    room: &BareJid,
    text: Option<String>,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Result<(), String> {
    let not_in = || format!("you are not in {room}");
    let entry = state.rooms.get_mut(room).ok_or_else(not_in)?;
    if !entry.phase.is_present() {
        return Err(not_in());
    }
    let to = entry.occupant_jid(&entry.nick).ok_or_else(not_in)?;
    let mut presence = Presence::unavailable();
    presence.to = Some(Jid::from(to));
    if let Some(text) = text {
        presence = presence.with_status(text);
    }
    entry.phase = JoinPhase::Leaving { since: at };
    effects.push(Effect::SendPresence(presence));
    Ok(())
}

/// The `<history/>` a join asks for (MUC-09, MAM-14): see [`history`].
pub fn join_history(state: &mut State, room: &BareJid) -> Option<History> {
    history::join_history(state, room)
}

/// Where a stanza from (or about) a room goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// To the room area: traffic of a room we are in, joining or leaving.
    Room(BareJid),
    /// MUC-23: a private message with an occupant of a room we are in.
    Private { room: BareJid, nick: String },
    /// MUC-47: a groupchat message from a room we are not in: dropped.
    Stray,
    /// Not a room's: wherever it went before rooms.
    Elsewhere,
}

/// The one decision of where a message goes, by its sender and type.
pub fn route_message(rooms: &Rooms, message: &Message) -> Route {
    let Some(from) = &message.from else {
        return Route::Elsewhere;
    };
    let bare = from.to_bare();
    if !rooms.is_present(&bare) {
        return if message.kind == MessageType::Groupchat {
            Route::Stray
        } else {
            Route::Elsewhere
        };
    }
    match (message.kind, from.resource()) {
        (MessageType::Groupchat, _) => Route::Room(bare),
        // An error from an occupant answers a private message of ours.
        (MessageType::Chat | MessageType::Normal | MessageType::Error, Some(nick))
            if message.muc.as_ref().is_none_or(|x| x.invites.is_empty()) =>
        {
            Route::Private {
                room: bare,
                nick: nick.as_str().to_owned(),
            }
        }
        (MessageType::Error, None) => Route::Room(bare),
        // Room notices without a body (MUC-29) are groupchat; a normal
        // message from the room itself (an invitation, a decline, a voice
        // request) is not the room's line.
        _ => Route::Elsewhere,
    }
}

/// MUC-22, MUC-23: a message from our own archive that is a private
/// message in a room (a `chat` from an occupant JID carrying the muc#user
/// `<x/>`): its room and the occupant's nick, whether or not we are in the
/// room now, so the catch-up files it where a live one would have gone.
pub fn route_archived(message: &Message) -> Option<(BareJid, String)> {
    let from = message.from.as_ref()?;
    let nick = from.resource()?;
    let marked = message.muc.as_ref().is_some_and(|x| x.invites.is_empty());
    (message.kind == MessageType::Chat && marked)
        .then(|| (from.to_bare(), nick.as_str().to_owned()))
}

/// Where a carbon copy (XEP-0280) of a private message in a room goes: a
/// copy of one with an occupant of a room we are in is that private
/// conversation's (MUC-23); a copy marked as a room's private message
/// (muc#user `<x/>`) for a room we are not in is dropped (CARBONS-13).
pub fn route_carbon(
    rooms: &Rooms,
    direction: crate::xmpp::stanza::carbons::Direction,
    message: &Message,
) -> Route {
    use crate::xmpp::stanza::carbons::Direction as Copy;
    let peer = match direction {
        Copy::Received => message.from.as_ref(),
        Copy::Sent => message.to.as_ref(),
    };
    let Some(peer) = peer else {
        return Route::Elsewhere;
    };
    let room = peer.to_bare();
    match peer.resource() {
        Some(nick) if rooms.is_present(&room) && message.kind != MessageType::Groupchat => {
            Route::Private {
                room,
                nick: nick.as_str().to_owned(),
            }
        }
        _ if message.muc.is_some() && !rooms.is_present(&room) => Route::Stray,
        _ => Route::Elsewhere,
    }
}

/// The one decision of where a presence goes: presence from a room we are
/// in (or joining, or leaving) is about its occupants.
pub fn route_presence(rooms: &Rooms, presence: &Presence) -> Route {
    let Some(from) = &presence.from else {
        return Route::Elsewhere;
    };
    let bare = from.to_bare();
    let subscription = presence.kind.is_subscription() || presence.kind == PresenceType::Probe;
    if rooms.is_present(&bare) && !subscription {
        Route::Room(bare)
    } else {
        Route::Elsewhere
    }
}

/// The conversation `/msg` opens for `to` when it names a room we know:
/// the room's own (bare JID) or a private one with an occupant (MUC-22).
pub fn conversation_for(state: &mut State, to: &Jid) -> Option<ConversationId> {
    let room = to.to_bare();
    state.rooms.get(&room)?;
    Some(match to.resource() {
        None => state.chats.room(&room),
        Some(nick) => state.chats.private(&room, nick.as_str()),
    })
}

/// The conversation kind of `id`, if it is a room's or a private one.
pub fn room_of(state: &State, id: ConversationId) -> Option<(BareJid, Option<String>)> {
    let conversation = state.chats.get(id)?;
    match &conversation.kind {
        ConversationKind::Chat => None,
        ConversationKind::Room => Some((conversation.peer.clone(), None)),
        ConversationKind::Private { nick } => Some((conversation.peer.clone(), Some(nick.clone()))),
    }
}
