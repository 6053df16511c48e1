//! The app-state store: everything the UI draws and `exec` reports, changed
//! only by the pure [`update`] function, which returns [`Effect`]s for a
//! runner to carry out. No tokio, no terminal, no sockets here, so every
//! change can be tested by feeding messages and looking at the state.
//!
//! Organised by area, each holding its state and an `update` that applies
//! both the server's facts and the user's commands: [`session`],
//! [`roster`], [`presence`], [`subscription`], [`chat`], [`room`] (group
//! chat: rooms, occupants, and the one decision of which traffic is a
//! room's), [`headline`],
//! [`privacy`], [`archive`] (the login steps before initial presence
//! and the catch-up from the server archive), [`bookmarks`] (the rooms
//! bookmarked on the server), [`vcard`] (contact cards), [`caps`] (what
//! contacts' clients speak, from their entity capabilities), and
//! [`attention`] (whether the user is looking:
//! notifications, mutes, client state indication). [`update`] only routes; [`dispatch`] runs a command in its
//! area and reports its one result; [`command`] is the command language;
//! [`event`] is what the user is told. The roster keeps its contacts
//! compact and in display order, so big rosters stay small and cheap to
//! draw.

pub mod archive;
pub mod attention;
pub mod bookmarks;
pub mod caps;
pub mod chat;
pub mod command;
pub mod dispatch;
pub mod event;
pub mod headline;
pub mod link;
pub mod omemo;
pub mod presence;
pub mod privacy;
pub mod room;
pub mod roster;
pub mod service;
pub mod session;
pub mod subscription;
pub mod upload;
pub mod vcard;

use std::collections::{BTreeMap, VecDeque};

use jid::FullJid;

use crate::xmpp::error::Recovery;
use crate::xmpp::login::StreamFeatures;
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::{RequestError, SessionEvent};
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::presence::{Presence, Show};
use crate::xmpp::stanza::roster::RosterItem;

use chat::{Chats, ConversationId};
use command::Action;
use event::Event;
use headline::Headlines;
use presence::{EntityPresence, PresenceBook};
use roster::Roster;
use subscription::PendingRequests;

/// How many notices the status area keeps.
const MAX_NOTICES: usize = 200;

/// The connection as the user sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ConnectionState {
    #[default]
    Connecting,
    Online {
        jid: String,
    },
    /// Lost, and trying again: `attempt` after `retry_in_secs` seconds.
    Reconnecting {
        error: String,
        attempt: u32,
        retry_in_secs: u64,
    },
    /// Closed on purpose or lost; `error` says why when it was not on purpose.
    Offline {
        error: Option<String>,
    },
}

/// A line for the status area: errors, refusals, server notices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// Our own presence: what initial and broadcast presence carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnPresence {
    pub show: Option<Show>,
    pub status: Option<String>,
    pub priority: i8,
}

impl OwnPresence {
    /// Broadcast (or, with `to`, directed) available presence.
    pub fn to_presence(&self) -> Presence {
        let mut presence = Presence::available();
        presence.show = self.show;
        presence.priority = self.priority;
        if let Some(status) = &self.status {
            presence = presence.with_status(status.clone());
        }
        presence
    }
}

/// Who may be approved without asking the user (SUB-06, SEC-04).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApprovePolicy {
    /// Every request waits for the user.
    #[default]
    Never,
    /// Requests from contacts we asked ourselves, or already follow.
    ContactsWeFollow,
}

/// Preferences the store needs.
#[derive(Clone, Debug)]
pub struct Preferences {
    /// The user's language, for choosing among bodies (I18N-03).
    pub language: String,
    pub approve: ApprovePolicy,
    /// Presence sent at login.
    pub initial: OwnPresence,
    /// RECEIPTS-05: answer requests for delivery receipts.
    pub send_receipts: bool,
    /// MAM-09: with no local history, how many recent archived messages
    /// the first catch-up fetches.
    pub first_login_messages: u32,
    /// STATES-03: tell contacts when we type (XEP-0085 chat states).
    pub send_chat_states: bool,
    /// MARKERS-08: say when the user has seen a contact's messages.
    pub send_markers: bool,
    /// The nick `/join` uses when none is given, and the nick for rooms
    /// whose bookmark names none (BOOKMARKS-04); `None`: our JID's local
    /// part.
    pub room_nick: Option<String>,
    /// MUC-45: a room `/join` creates shows its configuration form
    /// (`[rooms] create = "configure"`) instead of opening at once.
    pub room_create_configure: bool,
    /// MUC-09, MAM-14: how many recent messages a first join of a room
    /// brings.
    pub room_history: u32,
    /// MUC-54: seconds without traffic from a room before we ask whether
    /// we are still in it.
    pub self_ping_secs: i64,
    /// UPLOAD-10, UPLOAD-11: plain `http://` links are offered and upload
    /// slots over plain HTTP are used (`[links] allow_http`).
    pub allow_http_links: bool,
    /// UPLOAD-10: the program `/open` hands a link to (`[links] command`),
    /// the link being its last argument.
    pub link_command: Vec<String>,
    /// OMEMO-31: encrypt conversations with contacts who announce OMEMO
    /// devices unless the user turned it off (`[omemo] default`).
    pub omemo_default: bool,
}

impl Preferences {
    /// DISCO-04, CAPS-06: the features these preferences turn off, which
    /// the session then does not advertise: chat states we do not send
    /// (STATES-03) and displayed markers we do not send (MARKERS-08).
    pub fn features_off(&self) -> Vec<&'static str> {
        let mut off = Vec::new();
        if !self.send_chat_states {
            off.push(crate::xmpp::ns::CHAT_STATES);
        }
        if !self.send_markers {
            off.push(crate::xmpp::ns::CHAT_MARKERS);
        }
        off
    }

    /// What the store needs from the config.
    pub fn from_config(config: &crate::config::Config) -> Preferences {
        use crate::config::{AutoApprove, ShowSetting};
        let show = match config.presence.show {
            ShowSetting::Online => None,
            ShowSetting::Chat => Some(Show::Chat),
            ShowSetting::Away => Some(Show::Away),
            ShowSetting::Xa => Some(Show::Xa),
            ShowSetting::Dnd => Some(Show::Dnd),
        };
        Preferences {
            language: config.connection.language.clone(),
            approve: match config.subscriptions.auto_approve {
                AutoApprove::Never => ApprovePolicy::Never,
                AutoApprove::ContactsWeFollow => ApprovePolicy::ContactsWeFollow,
            },
            initial: OwnPresence {
                show,
                status: config.presence.status.clone().filter(|s| !s.is_empty()),
                priority: i8::try_from(*config.presence.priority.get_ref()).unwrap_or(0),
            },
            send_receipts: config.privacy.send_receipts,
            first_login_messages: config.history.first_login_messages,
            send_chat_states: config.privacy.send_chat_states,
            send_markers: config.privacy.send_markers,
            room_nick: config.rooms.nick.clone().filter(|n| !n.trim().is_empty()),
            room_create_configure: config.rooms.create == crate::config::RoomCreation::Configure,
            room_history: config.rooms.history_messages,
            self_ping_secs: i64::from(config.rooms.self_ping_secs.max(1)),
            allow_http_links: config.links.allow_http,
            link_command: config.links.command.clone(),
            omemo_default: config.omemo.default,
        }
    }
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            language: "en".to_owned(),
            approve: ApprovePolicy::Never,
            initial: OwnPresence::default(),
            send_receipts: true,
            first_login_messages: archive::FIRST_LOGIN_MESSAGES,
            send_chat_states: true,
            send_markers: true,
            room_nick: None,
            room_create_configure: false,
            room_history: room::FIRST_JOIN_MESSAGES,
            self_ping_secs: room::SELF_PING_SECS,
            allow_http_links: false,
            link_command: vec!["xdg-open".to_owned()],
            omemo_default: true,
        }
    }
}

/// The whole state.
#[derive(Debug, Default)]
pub struct State {
    pub connection: ConnectionState,
    pub jid: Option<FullJid>,
    pub features: StreamFeatures,
    pub roster: Roster,
    /// Presence of contacts and of strangers who sent us directed presence
    /// (PRES-15).
    pub presence: PresenceBook,
    /// Our own other resources (PRES-13).
    pub own_resources: EntityPresence,
    pub pending: PendingRequests,
    /// Roster commands waiting for their result and push.
    pub roster_ops: roster::ops::RosterOps,
    /// Blocking and privacy lists.
    pub privacy: privacy::Privacy,
    /// Tags for jobs the store starts itself (login fetches, push
    /// refetches), counted down from the top so they never meet command
    /// tags.
    pub internal_tag: u64,
    pub chats: Chats,
    pub headlines: Headlines,
    /// Contacts we pre-approved (NEW-08). Prosody never echoes `approved`,
    /// so what we sent is remembered until it is used or taken back.
    pub preapproved: std::collections::HashSet<jid::BareJid>,
    /// Everyone holding a directed presence from us (PRES-07, PRES-08).
    pub directed: BTreeMap<String, OwnPresence>,
    pub own: OwnPresence,
    pub initial_presence_sent: bool,
    /// The server reflected our available presence back (RFC 6121 §4.2.2):
    /// from here on it routes messages for our bare JID to this session.
    pub presence_reflected: bool,
    /// Blocking and privacy commands given before the server's features
    /// were known, run in order once they are.
    pub awaiting_features: Vec<dispatch::AwaitingFeatures>,
    /// Messages written while offline, by id, with their recipient: each
    /// is reported as sent once it has gone out.
    pub queued: std::collections::HashMap<String, String>,
    /// The server acknowledges our stanzas (XEP-0198): sent messages stay
    /// marked pending until it does.
    pub acks: bool,
    /// The conversation plain text goes to: the current chat window.
    pub active: Option<ConversationId>,
    /// Bumped whenever the roster, presence or pending requests change, so
    /// a view can tell when to rebuild its rows.
    pub roster_rev: u64,
    pub notices: VecDeque<Notice>,
    /// How many of the newest notices came as one listing (a command's
    /// lines, e.g. a card): the status line shows the last and says how
    /// many there are to read.
    pub notice_batch: usize,
    pub prefs: Preferences,
    /// Set when the user asked to leave; the runner exits once it sees it.
    pub quitting: bool,
    /// The server refused the password (CORE-12): the user may give it
    /// again. Cleared by the next login attempt.
    pub password_refused: bool,
    /// Our other devices (XEP-0280, XEP-0359): whether carbons are on in
    /// this session and whether our account's stanza-ids are trusted.
    pub devices: chat::Devices,
    /// Set when only notices are read (the terminal UI draws from the store): the engine keeps
    /// only [`Event::Info`], and no roster event is built per contact, which at login would be
    /// one for every contact.
    pub notices_only: bool,
    /// Whether the user is looking; mutes; what the server was told.
    pub attention: attention::Attention,
    /// The login steps before initial presence and the archive catch-up.
    pub archive: archive::Archive,
    /// Chat states (XEP-0085): what contacts are doing, what we told them.
    pub chat_states: chat::states::ChatStates,
    /// Rooms we are in, joining or were in (XEP-0045).
    pub rooms: room::Rooms,
    /// The rooms bookmarked on the server (XEP-0402, XEP-0048).
    pub bookmarks: bookmarks::Bookmarks,
    /// Invitations into rooms waiting for the user, and ours sent (MUC-30,
    /// MUC-31, MUC-48).
    pub invitations: room::invitation::Invitations,
    /// Voice requests relayed by rooms we moderate (MUC-37).
    pub voice_requests: room::voice::VoiceRequests,
    /// Our server's services found this session (DISCO-09, UPLOAD-01).
    pub services: service::Services,
    /// `/upload`s in flight (UPLOAD-02…09).
    pub uploads: upload::Uploads,
    /// Contact cards fetched this session and `/vcard set`s in flight
    /// (VCARD-01…10).
    pub cards: vcard::Cards,
    /// Contacts' capabilities per full JID, and the `(hash, ver)` cache
    /// (CAPS-07…12).
    pub caps: caps::CapsBook,
    /// Who announces OMEMO devices and what the user chose (OMEMO-31).
    pub omemo: omemo::OmemoView,
}

impl State {
    pub fn new(prefs: Preferences) -> Self {
        State {
            own: prefs.initial.clone(),
            omemo: omemo::OmemoView {
                default_on: prefs.omemo_default,
                ..omemo::OmemoView::default()
            },
            prefs,
            ..State::default()
        }
    }

    /// NEW-09: pre-approved by the server's word or by ours.
    pub fn is_preapproved(&self, jid: &jid::BareJid) -> bool {
        self.preapproved.contains(jid) || self.roster.get(jid).is_some_and(|i| i.approved)
    }

    /// A tag for a job the store starts on its own.
    pub fn next_internal_tag(&mut self) -> u64 {
        if self.internal_tag == 0 {
            self.internal_tag = u64::MAX;
        }
        self.internal_tag -= 1;
        self.internal_tag
    }

    /// True when our blocklist or privacy list in force blocks messages
    /// from and to `jid` (what the roster's mark and bounces mean).
    pub fn is_blocked(&self, jid: &jid::BareJid) -> bool {
        // Asked for every roster row drawn: without a blocklist entry or a
        // list in force, skip building the rule inputs.
        let blocklist_empty = self.privacy.blocklist.as_ref().is_none_or(Vec::is_empty);
        if blocklist_empty && self.privacy.list_in_force().is_none() {
            return false;
        }
        let (groups, subscription) = privacy::subscription_of(self, jid);
        self.privacy.blocks(
            crate::xmpp::stanza::privacy::StanzaKind::Message,
            &jid::Jid::from(jid.clone()),
            &groups,
            &subscription,
        )
    }

    /// Our name for `jid`: its roster name, else its local part, else its
    /// domain. Remote text: sanitise before drawing.
    pub fn display_name(&self, jid: &jid::BareJid) -> String {
        self.roster
            .get(jid)
            .and_then(|item| item.name.as_deref())
            .filter(|name| !name.trim().is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| match jid.node() {
                Some(node) => node.as_str().to_owned(),
                None => jid.domain().as_str().to_owned(),
            })
    }

    pub fn is_online(&self) -> bool {
        matches!(self.connection, ConnectionState::Online { .. })
    }
}

/// What a reply to one of our IQs is for.
// Moved once per event; boxing the big variants would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The login roster fetch; `versioned` when we sent a `ver`.
    RosterGet { versioned: bool },
    /// A roster set made by a command (see [`roster::ops`]).
    RosterSet { tag: u64 },
    /// The server's disco#info at login (PRIV-01, BLK-01, CARBONS-01).
    ServerInfo,
    /// Our account's disco#info at login (DISCO-08, SID-02).
    AccountInfo,
    /// Turning carbons on for this session (CARBONS-02).
    Carbons,
    /// A page of the login's catch-up from our archive (MAM-07).
    CatchUp,
    /// A page of a conversation's past from our archive (MAM-12).
    Scrollback { conversation: ConversationId },
    /// The current step of privacy/blocking job `tag`.
    Privacy { tag: u64 },
    /// A room's disco#info before joining it (MUC-03), or after it said
    /// its configuration changed (MUC-29).
    RoomInfo { room: jid::BareJid },
    /// The nick a room reserves for us, before a join without a nick
    /// (MUC-06).
    ReservedNick { room: jid::BareJid },
    /// Accepting the defaults of a room we created (MUC-45).
    InstantRoom { room: jid::BareJid },
    /// A bookmarks request (XEP-0402, XEP-0049).
    Bookmarks(bookmarks::Step),
    /// A page of a room's archive after joining it (MAM-14).
    RoomArchive { room: jid::BareJid },
    /// Asking whether we are still in a room (MUC-54).
    SelfPing { room: jid::BareJid },
    /// A step of `/configure` command `tag` (MUC-41).
    RoomConfig {
        tag: u64,
        label: String,
        pending: room::configure::Pending,
    },
    /// A step of a `/rooms` command (MUC-01, MUC-02).
    Directory(room::directory::Pending),
    /// `/register` command `tag` (MUC-33), labelled `label`.
    RoomRegister {
        tag: u64,
        label: String,
        pending: room::register::Pending,
    },
    /// `/members` command `tag` (MUC-35, MUC-39), labelled `label`.
    RoomList {
        tag: u64,
        label: String,
        pending: room::members::Pending,
    },
    /// Moderation command `tag` (MUC-36…44), labelled `label`.
    Moderation {
        tag: u64,
        label: String,
        pending: room::moderation::Pending,
    },
    /// A step of finding our server's services (DISCO-09).
    Services(service::Step),
    /// The slot for `/upload` command `tag` (UPLOAD-03).
    Upload { tag: u64 },
    /// A contact card fetched or stored (VCARD-01…09).
    Vcard(vcard::Step),
    /// What a contact's caps `ver` means (CAPS-09).
    Caps(caps::Asked),
    /// What our server's caps `ver` means (CAPS-13).
    ServerCaps(crate::xmpp::stanza::caps::Announced),
}

/// What `update` takes.
// Moved once per event; boxing the big variants would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    /// A fact from the session; `at` is the arrival time in Unix seconds.
    Session { event: SessionEvent, at: i64 },
    /// A new login attempt has started.
    Connecting,
    /// A login ended without a session, and the runner will not try again
    /// by itself: it retries [`Recovery::Retry`] failures, reporting each
    /// as [`SessionEvent::Reconnecting`], until one of the others comes.
    LoginFailed { error: String, recovery: Recovery },
    Reply {
        purpose: Purpose,
        result: Result<Answer, RequestError>,
    },
    /// A user command; `tag` pairs it with its [`Event::Result`].
    Command { tag: u64, action: Action, at: i64 },
    /// The cached roster, read before login.
    RosterCache {
        ver: Option<String>,
        items: Vec<RosterItem>,
    },
    /// The contacts muted in earlier runs, read before login.
    Muted(Vec<jid::BareJid>),
    /// Something for the status area.
    Warning(String),
    /// The user looked at something.
    View(ViewMsg),
    /// Lines read from the history for a conversation, oldest first;
    /// `exhausted` when nothing older is left.
    HistoryLoaded {
        conversation: ConversationId,
        lines: Vec<chat::ChatLine>,
        exhausted: bool,
    },
    /// A line that is not a command (typed, piped or in `[startup]
    /// commands`): its result is a failure saying why.
    Invalid {
        tag: u64,
        line: String,
        error: String,
    },
    /// The history search for command `tag` is done: the matching lines,
    /// newest first, or why it failed.
    Searched {
        tag: u64,
        text: String,
        result: Result<Vec<String>, String>,
    },
    /// The opener `/open` (command `tag`) ran for `url` started, or why not.
    Opened {
        tag: u64,
        label: String,
        url: String,
        result: Result<(), String>,
    },
    /// A [`Record`] that belongs to a line is in the history as `row`;
    /// `stored_before` when the history already held that message (the
    /// same archive id, origin-id, or sender, id and text), from an earlier
    /// run or an earlier batch: then the line is a repeat.
    Recorded {
        conversation: ConversationId,
        seq: u64,
        row: i64,
        stored_before: bool,
    },
    /// Where the catch-up from our archive starts, as the history says
    /// ([`Effect::ReadArchiveCursor`]); `None` when no history is kept.
    ArchiveCursor(Option<archive::Cursor>),
    /// The oldest archive id held for a conversation's peer, to scroll back
    /// from ([`Effect::ReadOldestArchiveId`]); `None` when no history is
    /// kept.
    ArchiveScrollFrom {
        conversation: ConversationId,
        before: Option<Option<String>>,
    },
    /// The time is `at_ms` (Unix milliseconds): sent after every
    /// [`Msg::View`] and when [`chat::states::next_deadline`] comes.
    Tick { at_ms: i64 },
    /// The runner's news of an `/upload` (UPLOAD-06), at Unix second `at`.
    Upload { report: upload::Report, at: i64 },
    /// The caps cache read from disk (CAPS-10), after
    /// [`caps::CapsBook::await_disk`].
    CapsCache(Vec<(caps::Key, caps::ClientInfo)>),
    /// News from the engine's OMEMO.
    Omemo(omemo::Report),
}

/// A message for the history. The store decides what is kept, as it
/// decides what is shown, and the runner writes it; a record of a shown
/// line names that line, so the row it gets is the line's row and reading
/// the history back never shows it twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub peer: jid::BareJid,
    pub resource: Option<String>,
    pub thread: Option<String>,
    pub kind: crate::xmpp::stanza::message::MessageType,
    pub subject: Option<String>,
    pub body: String,
    pub stanza_id: Option<String>,
    /// Ours (a copy of what another of our devices sent, CARBONS-06) or
    /// theirs.
    pub direction: chat::Direction,
    /// SID-01 / SID-05: the sender's origin-id, matched only against the
    /// same sender's messages.
    pub origin_id: Option<String>,
    /// SID-02 / SID-04: the stanza-id our own account gave it, when trusted:
    /// the same message by another path (carbon, offline, archive) is
    /// stored once.
    pub archive_id: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// The conversation line it is shown as: (conversation, seq).
    pub line: Option<(ConversationId, u64)>,
    /// CORRECT-09: a correction of a message we do not hold, kept as a
    /// message of its own that shows it was edited.
    pub edited: bool,
    /// MUC-21, MAM-14: in a room (`peer` the room, `resource` the nick),
    /// the id the room's archive gave the message (`<stanza-id by='room'/>`):
    /// the same message from the room's history or archive is the same row.
    pub room_id: Option<String>,
}

/// How far one of our messages got, as the history keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// RECEIPTS-08: the recipient's client has it (XEP-0184).
    Received,
    /// MARKERS-06: the recipient has seen it and everything before it
    /// (XEP-0333).
    Displayed,
}

/// What the terminal UI tells the store about what the user looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewMsg {
    /// This conversation is now the current window (plain text goes there)
    /// and has been read.
    Activate(ConversationId),
    /// New lines arrived in the window the user is looking at.
    Read(ConversationId),
    Close(ConversationId),
    HeadlinesRead,
    ClearHeadlines,
    /// The user scrolled to the top of a window: bring older lines in.
    LoadOlder(ConversationId),
    /// The terminal gained (`true`) or lost the focus.
    Focus(bool),
    /// The user sees the end of this conversation: its window is on
    /// screen, scrolled to the bottom, in a focused terminal (MARKERS-03).
    Seen(ConversationId),
    /// No key for the idle time (`true`), or a key after that (`false`).
    Idle(bool),
    /// The input line changed: it holds text for the conversation on
    /// screen (`true`), or it was cleared or sent (STATES-08).
    Input {
        composing: bool,
    },
    /// The user opened a contact's details: their card is fetched, once
    /// a session (VCARD-10).
    Details(jid::BareJid),
}

/// What the store asks the runner to do.
// Moved once per event; boxing the big variants would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    SendMessage(Message),
    /// Carry out a `/omemo` command (`tag` for its result).
    Omemo {
        tag: u64,
        command: omemo::OmemoCommand,
    },
    SendPresence(Presence),
    Request {
        query: Query,
        purpose: Purpose,
    },
    /// The roster or its version changed: write the cache.
    SaveRoster,
    /// Tell the user.
    Emit(Event),
    /// Initial presence went out: run the `[startup] commands`.
    RunStartupCommands,
    /// Close the session cleanly.
    Disconnect,
    /// Reconnect now (or connect again after a disconnect).
    Reconnect,
    /// Keep an incoming message in the history.
    Record(Record),
    /// MSG-12: the server bounced our message `id`; note it in the history.
    RecordError {
        id: String,
        error: String,
    },
    /// CORRECT-08, CORRECT-11: the message `original` in the conversation
    /// with `peer`, sent that way, now reads `body`; the history keeps its
    /// first text too.
    RecordCorrection {
        peer: jid::BareJid,
        direction: chat::Direction,
        original: String,
        body: String,
    },
    /// Our message `id` to `peer` got this far; [`Mark::Displayed`] covers
    /// every earlier one too (MARKERS-06).
    RecordMark {
        peer: jid::BareJid,
        id: String,
        mark: Mark,
    },
    /// MUC-17: our message `id` in `room` came back from the room, which
    /// gave it `room_id` (MUC-21): the history keeps it for the next join.
    RecordRoomId {
        room: jid::BareJid,
        id: String,
        room_id: String,
    },
    /// Search the history; the runner reports the matches and the result.
    Search {
        tag: u64,
        text: String,
    },
    /// Read history lines for a conversation with `peer`: the most recent
    /// ones, or those before `before_row`.
    LoadHistory {
        conversation: ConversationId,
        peer: jid::BareJid,
        before_row: Option<i64>,
    },
    /// Tell the user about a message they cannot see (the bell, the
    /// `[notify] command`).
    Notify(attention::Notification),
    /// The muted contacts changed: write them to disk.
    SaveMuted,
    /// Tell the server whether the user is looking (XEP-0352): a nonza.
    ClientState(crate::xmpp::stanza::csi::ClientState),
    /// Read where the archive catch-up starts; the runner answers with
    /// [`Msg::ArchiveCursor`].
    ReadArchiveCursor,
    /// The history holds our archive up to this id (MAM-07): write it with
    /// the records before it, never ahead of them.
    SaveArchiveCursor(String),
    /// Read the oldest archive id held for `peer`; the runner answers with
    /// [`Msg::ArchiveScrollFrom`].
    ReadOldestArchiveId {
        conversation: ConversationId,
        peer: jid::BareJid,
    },
    /// Keep these messages from the archive in the history as older than
    /// every one held (MAM-12), in this order, oldest first.
    RecordOlder(Vec<Record>),
    /// Read or send a file for `/upload`, or stop doing so; the runner
    /// answers with [`Msg::Upload`].
    Upload(upload::Job),
    /// `/open`: run `command` with `url` as its last argument; the runner
    /// answers with [`Msg::Opened`].
    OpenLink {
        tag: u64,
        label: String,
        command: Vec<String>,
        url: String,
    },
    /// An answer the store already holds (CAPS-13: the server's disco#info
    /// from the caps cache): the runner hands it back as the reply to
    /// `purpose`, after this update, where a reply would come.
    Answered {
        purpose: Purpose,
        answer: Answer,
    },
    /// CAPS-10: a verified `(hash, ver)` and what it means, for the disk
    /// cache.
    SaveCaps {
        key: caps::Key,
        info: caps::ClientInfo,
    },
}

/// Applies one message; returns the effects to carry out.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    // `active` is a plain field others set; eviction reads it from here.
    state.chats.set_on_screen(state.active);
    // Only what can change a roster row invalidates the view's rows:
    // messages, acks and chat commands are the flood cases and never do.
    let touches_roster = match &msg {
        // A room's presence is about its occupants, never a roster row: a
        // big room's join must not rebuild the roster a thousand times.
        Msg::Session {
            event: SessionEvent::Presence(presence),
            ..
        } => room::route_presence(&state.rooms, presence) == room::Route::Elsewhere,
        Msg::Session { event, .. } => matches!(
            event,
            SessionEvent::Online { .. }
                | SessionEvent::Presence(_)
                | SessionEvent::RosterPush { .. }
                | SessionEvent::BlockPush(_)
                | SessionEvent::PrivacyPush { .. }
                | SessionEvent::Closed { .. }
                | SessionEvent::Reconnecting { .. }
                | SessionEvent::Resumed
        ),
        Msg::Reply { purpose, .. } => !matches!(
            purpose,
            Purpose::ServerInfo
                | Purpose::AccountInfo
                | Purpose::Carbons
                | Purpose::CatchUp
                | Purpose::Scrollback { .. }
                | Purpose::RoomInfo { .. }
                | Purpose::ReservedNick { .. }
                | Purpose::InstantRoom { .. }
                | Purpose::Bookmarks(_)
                | Purpose::RoomArchive { .. }
                | Purpose::SelfPing { .. }
                | Purpose::Moderation { .. }
                | Purpose::RoomList { .. }
                | Purpose::RoomRegister { .. }
                | Purpose::Directory(_)
                | Purpose::RoomConfig { .. }
                | Purpose::Services(_)
                | Purpose::Upload { .. }
                | Purpose::Vcard(_)
                | Purpose::Caps(_)
                | Purpose::ServerCaps(_)
        ),
        Msg::Command { action, .. } => action.spec().touches_roster,
        Msg::RosterCache { .. } => true,
        Msg::Connecting
        | Msg::LoginFailed { .. }
        | Msg::Warning(_)
        | Msg::Muted(_)
        | Msg::View(_)
        | Msg::HistoryLoaded { .. }
        | Msg::Invalid { .. }
        | Msg::Searched { .. }
        | Msg::Opened { .. }
        | Msg::Recorded { .. }
        | Msg::ArchiveCursor(_)
        | Msg::ArchiveScrollFrom { .. }
        | Msg::Tick { .. }
        | Msg::Upload { .. }
        | Msg::CapsCache(_)
        | Msg::Omemo(_) => false,
    };
    // MAM-11: once caught up, live messages with our archive's ids carry
    // the cursor on; before, only the catch-up's own pages do.
    let live = matches!(
        &msg,
        Msg::Session {
            event: SessionEvent::Message(_) | SessionEvent::Carbon { .. },
            ..
        }
    );
    if touches_roster {
        state.roster_rev += 1;
    }
    // Replies carry no time: what they start is dated by the rooms' clock.
    if let Msg::Command { at, .. } = &msg {
        state.rooms.clock = state.rooms.clock.max(*at);
    }
    match msg {
        Msg::Session { event, at } => {
            state.rooms.clock = state.rooms.clock.max(at);
            apply_session_event(state, event, at, &mut effects)
        }
        Msg::Connecting => session::on_connecting(state),
        Msg::LoginFailed { error, recovery } => {
            session::on_login_failed(state, error, recovery, &mut effects)
        }
        Msg::Reply { purpose, result } => apply_reply(state, purpose, result, &mut effects),
        Msg::Command { tag, action, at } => dispatch::apply(state, tag, action, at, &mut effects),
        Msg::Invalid { tag, line, error } => {
            dispatch::invalid(state, tag, line, error, &mut effects)
        }
        Msg::Searched { tag, text, result } => {
            chat::update::on_searched(state, tag, text, result, &mut effects)
        }
        Msg::Opened {
            tag,
            label,
            url,
            result,
        } => {
            let outcome = match result {
                Ok(()) => dispatch::Outcome::Done(format!("opened {url}")),
                Err(why) => dispatch::Outcome::Failed(format!("could not open {url}: {why}")),
            };
            dispatch::report(state, tag, label, outcome, &mut effects)
        }
        Msg::RosterCache { ver, items } => state.roster.load_cache(ver, items),
        Msg::Warning(text) => push_notice(state, text, false),
        Msg::Muted(jids) => state.attention.muted.extend(jids),
        Msg::View(view) => apply_view(state, view, &mut effects),
        Msg::HistoryLoaded {
            conversation,
            lines,
            exhausted,
        } => {
            let lines = room::update::history_lines(state, conversation, lines);
            room::history::on_lines_loaded(state, conversation, &lines);
            state.chats.prepend(conversation, lines, exhausted)
        }
        // During the catch-up a message may come again that the history
        // already showed (MAM-10): its row tells.
        // A message the history held before (a contact's client sending it
        // again after a reconnect, the archive bringing it again) is not a
        // new line, however it came (MAM-10).
        Msg::Recorded {
            conversation,
            seq,
            row,
            stored_before,
        } if stored_before || state.archive.running() => {
            state
                .chats
                .set_row_once(conversation, seq, row, stored_before)
        }
        Msg::Recorded {
            conversation,
            seq,
            row,
            ..
        } => state.chats.set_row(conversation, seq, row),
        Msg::ArchiveCursor(cursor) => archive::update::on_cursor(state, cursor, &mut effects),
        Msg::ArchiveScrollFrom {
            conversation,
            before,
        } => archive::update::on_scroll_from(state, conversation, before, &mut effects),
        Msg::Tick { at_ms } => {
            state.rooms.clock = state.rooms.clock.max(at_ms / 1000);
            chat::states::on_tick(state, at_ms, &mut effects);
            room::update::on_tick(state, at_ms, &mut effects);
        }
        Msg::Upload { report, at } => upload::on_report(state, report, at, &mut effects),
        Msg::CapsCache(entries) => caps::on_disk_cache(state, entries, &mut effects),
        Msg::Omemo(report) => omemo::on_report(state, report, &mut effects),
    }
    if live {
        archive::update::follow_live(state, &mut effects);
    }
    request_history(state, &mut effects);
    if state.notices_only {
        show_info_as_notices(state, &effects);
    }
    effects
}

/// The terminal UI shows notices, not events: what an [`Event::Info`]
/// tells the user becomes notice lines there too, and so do bookmarks
/// (a listing, a change from another device, a room to join or leave),
/// which have no pane of their own.
fn show_info_as_notices(state: &mut State, effects: &[Effect]) {
    for effect in effects {
        match effect {
            Effect::Emit(Event::Info { text }) => {
                let mut count = 0;
                for line in text.lines() {
                    push_notice(state, line.to_owned(), false);
                    count += 1;
                }
                state.notice_batch = count;
            }
            Effect::Emit(
                event @ (Event::Bookmark { .. }
                | Event::BookmarkRemoved { .. }
                | Event::RoomChange { .. }),
            ) => push_notice(state, event.to_line(), false),
            _ => {}
        }
    }
}

/// Routes a fact from the session to its area.
fn apply_session_event(state: &mut State, event: SessionEvent, at: i64, effects: &mut Vec<Effect>) {
    match event {
        SessionEvent::Online { jid, features } => {
            // A new session: the rooms of the last one no longer have us
            // (they are joined again after initial presence, MUC-46).
            room::update::on_session_lost(state, at, effects);
            bookmarks::update::begin_session(state);
            session::on_online(state, jid, features, effects);
            attention::on_online(state, effects);
        }
        SessionEvent::Message(message) if room::voice::is_voice_request(state, &message) => {
            room::voice::on_message(state, message, at, effects)
        }
        SessionEvent::Message(message) if room::invitation::is_invitation(state, &message) => {
            room::invitation::on_message(state, message, at, effects)
        }
        SessionEvent::Message(message) => match room::route_message(&state.rooms, &message) {
            room::Route::Room(jid) => {
                room::self_ping::heard(state, &jid, at);
                room::update::on_message(state, jid, message, at, effects)
            }
            room::Route::Private { room, nick } => {
                room::self_ping::heard(state, &room, at);
                room::update::on_private(state, room, nick, message, at, effects)
            }
            room::Route::Stray => tracing::info!(
                from = ?message.from.as_ref().map(ToString::to_string),
                "dropped a groupchat message from a room we are not in (MUC-47)"
            ),
            room::Route::Elsewhere => chat::update::on_message(state, message, at, effects),
        },
        SessionEvent::Carbon { direction, message } => {
            match room::route_carbon(&state.rooms, direction, &message) {
                room::Route::Private { room, nick } => room::update::on_private_carbon(
                    state, room, nick, direction, message, at, effects,
                ),
                room::Route::Stray => tracing::info!(
                    "dropped a copy of a private message in a room we are not in (CARBONS-13)"
                ),
                room::Route::Room(_) | room::Route::Elsewhere => {
                    chat::update::on_carbon(state, direction, message, at, effects)
                }
            }
        }
        SessionEvent::Presence(presence) => match room::route_presence(&state.rooms, &presence) {
            room::Route::Room(jid) => {
                room::self_ping::heard(state, &jid, at);
                room::update::on_presence(state, jid, presence, at, effects)
            }
            _ => {
                caps::on_presence(state, &presence, effects);
                vcard::on_presence(state, &presence);
                chat::states::on_presence(state, &presence);
                presence::update::on_presence(state, presence, effects)
            }
        },
        SessionEvent::Pubsub { from, event } => {
            bookmarks::update::on_pubsub(state, from, event, effects)
        }
        SessionEvent::RosterPush { item, ver } => {
            roster::update::on_push(state, item, ver, effects)
        }
        // The runner turns replies into `Msg::Reply` with their purpose.
        SessionEvent::Reply { .. } => {}
        SessionEvent::Reconnecting {
            error,
            attempt,
            retry_in,
        } => session::on_reconnecting(state, error, attempt, retry_in, effects),
        SessionEvent::Resumed => {
            session::on_resumed(state, effects);
            attention::on_resumed(state, effects);
            // MUC-46: the rooms still have us; MUC-54: the network changed.
            room::self_ping::after_resume(state, effects);
            caps::on_resumed(state, effects);
        }
        SessionEvent::AcksEnabled => state.acks = true,
        SessionEvent::Acked { ids } => session::on_acked(state, ids, effects),
        SessionEvent::PrivacyPush { name } => {
            privacy::update::on_privacy_push(state, name, effects)
        }
        SessionEvent::BlockPush(push) => privacy::update::on_block_push(state, push, effects),
        SessionEvent::Rejected(text) => session::on_rejected(state, text, effects),
        SessionEvent::Closed { error, .. } => {
            chat::states::on_closed(state);
            room::update::on_session_lost(state, at, effects);
            session::on_closed(state, error, effects)
        }
    }
}

/// Routes the answer to one of our requests to the area that asked.
fn apply_reply(
    state: &mut State,
    purpose: Purpose,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match purpose {
        Purpose::RosterGet { versioned } => {
            roster::update::on_roster_result(state, versioned, result, effects)
        }
        Purpose::RosterSet { tag } => roster::update::on_set_result(state, tag, result, effects),
        Purpose::ServerInfo => {
            chat::update::on_server_info(state, &result, effects);
            archive::update::on_server_info(state, &result);
            vcard::on_server_info(state, &result);
            privacy::update::on_server_info(state, result, effects);
            dispatch::run_awaiting_features(state, effects);
            service::discover(state, effects);
        }
        Purpose::Privacy { tag } => privacy::jobs::on_reply(state, tag, result, effects),
        Purpose::AccountInfo => {
            chat::update::on_account_info(state, &result);
            bookmarks::update::on_account_info(state, &result, effects);
            archive::update::on_account_info(state, &result, effects);
        }
        Purpose::Carbons => {
            chat::update::on_carbons_enabled(state, result, effects);
            archive::update::on_carbons_answered(state, effects);
        }
        Purpose::CatchUp => archive::update::on_page(state, result, effects),
        Purpose::Bookmarks(step) => bookmarks::update::on_reply(state, step, result, effects),
        Purpose::Scrollback { conversation } => {
            archive::update::on_scroll_page(state, conversation, result, effects)
        }
        Purpose::RoomInfo { room } => room::update::on_room_info(state, room, result, effects),
        Purpose::ReservedNick { room } => {
            room::update::on_reserved_nick(state, room, result, effects)
        }
        Purpose::InstantRoom { room } => {
            room::update::on_instant_room(state, room, result, effects)
        }
        Purpose::RoomArchive { room } => {
            let at = state.rooms.clock;
            room::history::on_page(state, room, result, at, effects)
        }
        Purpose::SelfPing { room } => room::self_ping::on_answer(state, room, result, effects),
        Purpose::Moderation {
            tag,
            label,
            pending,
        } => room::moderation::on_reply(state, tag, label, pending, result, effects),
        Purpose::Directory(pending) => room::directory::on_reply(state, pending, result, effects),
        Purpose::RoomList {
            tag,
            label,
            pending,
        } => room::members::on_reply(state, tag, label, pending, result, effects),
        Purpose::RoomRegister {
            tag,
            label,
            pending,
        } => room::register::on_reply(state, tag, label, pending, result, effects),
        Purpose::RoomConfig {
            tag,
            label,
            pending,
        } => room::configure::on_reply(state, tag, label, pending, result, effects),
        Purpose::Services(step) => service::on_reply(state, step, result, effects),
        Purpose::Upload { tag } => upload::on_slot(state, tag, result, effects),
        Purpose::Vcard(step) => vcard::on_reply(state, step, result, effects),
        Purpose::Caps(asked) => caps::on_reply(state, asked, result, effects),
        Purpose::ServerCaps(announced) => caps::on_server_reply(state, announced, result, effects),
    }
}

/// Conversations that just appeared get their recent history read once.
fn request_history(state: &mut State, effects: &mut Vec<Effect>) {
    for (id, peer) in state.chats.take_unrequested() {
        effects.push(Effect::LoadHistory {
            conversation: id,
            peer,
            before_row: None,
        });
    }
}

fn apply_view(state: &mut State, msg: ViewMsg, effects: &mut Vec<Effect>) {
    match msg {
        ViewMsg::LoadOlder(id) => match state.chats.get(id) {
            Some(conversation) if !conversation.history_exhausted => {
                effects.push(Effect::LoadHistory {
                    conversation: id,
                    peer: conversation.peer.clone(),
                    before_row: Some(state.chats.oldest_row(id).unwrap_or(i64::MAX)),
                });
            }
            // MAM-12: past the top of the local history, the archive.
            Some(_) => archive::update::scroll_back(state, id, effects),
            None => {}
        },
        ViewMsg::Activate(id) => {
            if state.chats.get(id).is_some() {
                state.active = Some(id);
                state.chats.mark_read(id);
            }
        }
        ViewMsg::Read(id) => state.chats.mark_read(id),
        ViewMsg::Close(id) => {
            state.chats.close(id);
            if state.active == Some(id) {
                state.active = state.chats.window_ids().last().copied();
            }
        }
        ViewMsg::Focus(focused) => attention::on_focus(state, focused, effects),
        ViewMsg::Seen(id) => chat::markers::on_seen(state, id, effects),
        ViewMsg::Idle(idle) => attention::on_idle(state, idle, effects),
        ViewMsg::Input { composing } => chat::states::on_input(state, composing),
        ViewMsg::HeadlinesRead => state.headlines.mark_read(),
        ViewMsg::ClearHeadlines => state.headlines.clear(),
        ViewMsg::Details(jid) => vcard::on_details_opened(state, jid, effects),
    }
}

/// Longest notice kept.
pub const MAX_NOTICE_BYTES: usize = 2048;

/// Adds a notice, dropping the oldest beyond the cap so memory stays bounded.
pub fn push_notice(state: &mut State, mut text: String, is_error: bool) {
    // Notices quote remote text and are redrawn on every key press.
    crate::xmpp::cap::cut(&mut text, MAX_NOTICE_BYTES);
    if state.notices.len() == MAX_NOTICES {
        state.notices.pop_front();
    }
    state.notices.push_back(Notice { text, is_error });
    state.notice_batch = 1;
}

#[cfg(test)]
mod tests;
