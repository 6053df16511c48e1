//! Conversations (RFC 3921 §4, RFC 6121 §5.1): one per peer and thread.
//!
//! - A message with a thread we know goes to that conversation; a new
//!   thread from the same peer opens a new one (MSG-10). A message without
//!   a thread joins the peer's most recent conversation (MSG-11).
//! - Conversations we start get a fresh random thread (MSG-07), kept for the
//!   whole conversation (MSG-09) and copied into replies (MSG-08).
//! - A conversation starts at the bare JID, locks to the full JID that
//!   writes to us, and unlocks when that resource's presence changes
//!   (MSG-02, MSG-03, NEW-11).
//! - Error replies are matched by id to the line we sent (MSG-12).
//! - Copies of what our other devices sent are our lines in the peer's
//!   conversation (CARBONS-06); one message reaching us by several paths
//!   is filed once, by its stable ids (CARBONS-14, SID-04, SID-05).
//! - Chat states (XEP-0085), both ways, are kept apart in [`states`].
//! - What became of our lines (acks, receipts, bounces) is in [`delivery`],
//!   corrections (XEP-0308) in [`correction`], displayed markers (XEP-0333)
//!   in [`markers`].
//!
//! Lines are capped per conversation so memory stays bounded however long
//! balcony runs; while the archive catch-up files a backlog, a conversation
//! not on screen holds only its newest lines, the rest are in the history.

pub mod correction;
pub mod delivery;
pub mod markers;
pub mod states;
pub mod update;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use jid::{BareJid, Jid};

use crate::xmpp::error::StanzaError;
use crate::xmpp::id;
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType, Thread};

/// Lines kept in memory per conversation.
pub const MAX_LINES: usize = 5_000;
/// Text kept in memory per conversation; older lines stay in the history
/// and are paged back in by scrolling. Without it a flood of 64 KiB
/// messages from one sender would hold 5,000 of them (300 MB).
pub const MAX_CONVERSATION_BYTES: usize = 2 << 20;

/// Lines a conversation not on screen keeps while the archive catch-up
/// files into it, once they are stored: a backlog of thousands is read
/// back from the history when its window is scrolled, not held for a
/// window nobody opened.
pub const CATCH_UP_LINES: usize = 100;

/// What a line costs against [`MAX_CONVERSATION_BYTES`].
fn line_bytes(line: &ChatLine) -> usize {
    line.body.len() + line.subject.as_ref().map_or(0, String::len)
}
/// Sent message ids remembered for matching error replies.
const MAX_SENT_IDS: usize = 10_000;
/// Conversations kept per peer: a sender inventing thread ids gets its
/// extra threads filed into its latest conversation.
pub const MAX_THREADS_PER_PEER: usize = 32;
/// Conversations kept in all.
pub const MAX_CONVERSATIONS: usize = 2_000;

/// The first line's sequence number (see `Conversation::total`).
pub const FIRST_SEQ: u64 = 1 << 40;
/// Received message ids remembered to drop redeliveries.
const MAX_SEEN_IDS: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(pub u64);

/// What the bounded memories of messages already filed keep of each one
/// (`Chats::is_known`, `Chats::is_redelivery`): 16 bytes instead of its
/// JID and ids, so 10,000 of them stay small when a backlog is filed.
type Fingerprint = u128;

/// Two hashers with keys random to this process: a sender cannot aim at a
/// fingerprint, and two different keys share one with odds of 2^-128.
#[derive(Debug, Default)]
struct Fingerprints {
    low: std::hash::RandomState,
    high: std::hash::RandomState,
}

impl Fingerprints {
    fn of<T: std::hash::Hash + ?Sized>(&self, value: &T) -> Fingerprint {
        use std::hash::BuildHasher;
        (u128::from(self.high.hash_one(value)) << 64) | u128::from(self.low.hash_one(value))
    }
}

/// What this session knows about our account's other devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Devices {
    /// The server copies messages between our resources (CARBONS-02).
    pub carbons: bool,
    /// Our account advertises `urn:xmpp:sid:0`: a `<stanza-id/>` by our
    /// bare JID is its archive's id (SID-02).
    pub archive_ids: bool,
}

/// A stable id under which a message was filed (CARBONS-14).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StableKey {
    /// SID-04: the id our own archive gave it, the same on every path.
    Archive(String),
    /// SID-05: the sender's origin-id; only ever compared with the same
    /// sender's (peer and direction), since anyone can write one.
    Origin(BareJid, Direction, String),
    /// MUC-21: the id a room's archive gave a message in that room.
    Room(BareJid, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// One message in a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatLine {
    pub direction: Direction,
    /// The sender's resource for incoming lines.
    pub resource: Option<String>,
    pub kind: MessageType,
    pub subject: Option<String>,
    pub body: String,
    pub id: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// The error the recipient's server sent back, if any (MSG-12).
    pub error: Option<StanzaError>,
    /// Position in the conversation since it began; stays valid when old
    /// lines are dropped from memory.
    pub seq: u64,
    /// Sent but not yet acknowledged by the server (XEP-0198), or written
    /// while offline and not sent yet.
    pub pending: bool,
    /// RECEIPTS-08: the recipient's client confirmed it got this line of
    /// ours (XEP-0184), as opposed to the server's acknowledgement.
    pub receipt: bool,
    /// The line's row in the history database, for lines loaded from it.
    pub row: Option<i64>,
    /// CORRECT-08: the text is a correction of what was first sent
    /// (XEP-0308); drawn with an "(edited)" mark.
    pub edited: bool,
    /// The `id` of the newest correction of this line, which receipts and
    /// markers for it name (CORRECT-03, RECEIPTS-08).
    pub correction: Option<String>,
    /// MARKERS-06: the recipient's client showed this line of ours, or a
    /// later one, to its user (XEP-0333).
    pub displayed: bool,
    /// In a room: the id the room's archive gave the message (its
    /// `<stanza-id by='room'/>`, MUC-21, MAM-14), ours once reflected.
    pub room_id: Option<String>,
    /// In a room: not a message but what the room or the client says
    /// (joins, leaves, nick changes, warnings, errors); never recorded.
    pub notice: bool,
}

/// OMEMO-31, OMEMO-40: how a line crossed end to end, drawn as a lock
/// mark. Kept beside the lines ([`Conversation::seal`]), not in them: the
/// history does not store it, so lines read back from it carry none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seal {
    /// Ours, to be encrypted; or decrypted from a device the user trusts.
    Encrypted,
    /// Decrypted, but from a device the user has not trusted (OMEMO-53).
    Untrusted,
}

impl ChatLine {
    /// A line as it first arrives or is sent: no error, mark or row yet;
    /// its `seq` is given when it joins a conversation.
    pub fn new(direction: Direction, kind: MessageType, body: String, at: i64) -> ChatLine {
        ChatLine {
            direction,
            resource: None,
            kind,
            subject: None,
            body,
            id: None,
            at,
            error: None,
            seq: 0,
            pending: false,
            receipt: false,
            row: None,
            edited: false,
            correction: None,
            displayed: false,
            room_id: None,
            notice: false,
        }
    }
}

/// Whom a conversation is with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConversationKind {
    /// A contact (or anyone writing to us): threads, lock-in, `/msg`.
    Chat,
    /// A room we take part in ([`crate::app::room`]): `peer` is the room;
    /// incoming lines carry the speaker's nick as their resource.
    Room,
    /// MUC-23: private messages with one occupant of the room `peer`,
    /// drawn as `room/nick`; never merged with a contact's chat.
    Private { nick: String },
}

#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: ConversationId,
    /// Rooms and private messages in rooms are kept out of the peer and
    /// thread indexes: only [`Chats::room`] and [`Chats::private`] find them.
    pub kind: ConversationKind,
    pub peer: BareJid,
    pub thread: Option<String>,
    /// The resource replies go to while locked (NEW-11).
    pub locked: Option<String>,
    /// The type replies carry: that of the last incoming message (SYN-05).
    pub reply_kind: MessageType,
    pub lines: VecDeque<ChatLine>,
    pub unread: usize,
    /// Of the unread lines in a room, those that mention our nick
    /// ([`crate::app::room::mention`]).
    pub mentions: usize,
    /// Store-wide activity counter, for "most recent".
    pub activity: u64,
    /// Shown in the window list; closing a window hides it until the next
    /// message.
    pub open: bool,
    /// Lines ever added (the next line's `seq`).
    pub total: u64,
    /// Recent history has been asked for (once, when it first appears).
    pub history_requested: bool,
    /// Nothing older is left in the history.
    pub history_exhausted: bool,
    /// The text the lines hold, in bytes (see [`MAX_CONVERSATION_BYTES`]).
    pub bytes: usize,
    /// MARKERS-03: the id of the newest message that asked for a
    /// displayed marker and has not been answered with one yet.
    pub unmarked: Option<String>,
    /// History rows of the lines the archive catch-up let go
    /// ([`CATCH_UP_LINES`]): still shown when scrolled back, so a message
    /// coming again under one of them is no new line. Emptied when the
    /// catch-up ends.
    pub shed_rows: HashSet<i64>,
    /// The end-to-end mark of lines by `seq`; only encrypted ones are here.
    pub seals: HashMap<u64, Seal>,
}

impl Conversation {
    /// The end-to-end mark of line `seq`, if it crossed encrypted.
    pub fn seal(&self, seq: u64) -> Option<Seal> {
        self.seals.get(&seq).copied()
    }

    /// Where the next message goes: the locked full JID or the bare JID.
    pub fn address(&self) -> Jid {
        if let ConversationKind::Private { nick } = &self.kind {
            return self
                .peer
                .with_resource_str(nick)
                .map(Jid::from)
                .unwrap_or_else(|_| Jid::from(self.peer.clone()));
        }
        match &self.locked {
            Some(resource) => self
                .peer
                .with_resource_str(resource)
                .map(Jid::from)
                .unwrap_or_else(|_| Jid::from(self.peer.clone())),
            None => Jid::from(self.peer.clone()),
        }
    }

    fn push(&mut self, mut line: ChatLine) {
        let size = line_bytes(&line);
        while self.lines.len() >= MAX_LINES
            || (!self.lines.is_empty() && self.bytes + size > MAX_CONVERSATION_BYTES)
        {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= line_bytes(&old);
            self.seals.remove(&old.seq);
            self.history_exhausted = false;
        }
        self.bytes += size;
        line.seq = self.total;
        self.total += 1;
        self.open = true;
        self.lines.push_back(line);
    }
}

/// Every conversation, with the indexes that keep lookups O(1).
#[derive(Debug, Default)]
pub struct Chats {
    conversations: HashMap<ConversationId, Conversation>,
    by_thread: HashMap<(BareJid, String), ConversationId>,
    /// The thread a conversation had before a new one replaced it
    /// (STATES-10), still leading to it; one per conversation.
    former_threads: HashMap<ConversationId, String>,
    by_peer: HashMap<BareJid, Vec<ConversationId>>,
    /// Sent message ids: the conversation and the address it went to.
    sent: HashMap<String, (ConversationId, Jid)>,
    sent_order: VecDeque<String>,
    /// Received messages (sender, id, content), to drop redeliveries.
    seen: HashSet<Fingerprint>,
    /// False after a conversation opened, until its history was asked for.
    all_requested: bool,
    seen_order: VecDeque<Fingerprint>,
    /// Stable ids of the messages filed, to drop the same message coming
    /// again by another path. Bounded like `seen`.
    stable: HashSet<Fingerprint>,
    stable_order: VecDeque<Fingerprint>,
    fingerprints: Fingerprints,
    next_id: u64,
    activity: u64,
    /// Conversations by their last activity (values are unique), so the
    /// least recent is found without a scan.
    by_activity: BTreeMap<u64, ConversationId>,
    /// Open windows in the order they were opened: ids only grow, so
    /// sorted by id. Numbering a window is a binary search.
    windows: Vec<ConversationId>,
    /// The conversation on screen, which eviction must spare.
    on_screen: Option<ConversationId>,
    /// Room conversations and private ones with occupants, by room and
    /// (room, nick): outside `by_peer`, so no contact's chat meets them.
    by_room: HashMap<(BareJid, Option<String>), ConversationId>,
}

/// An incoming message reduced to what a conversation line needs.
pub struct Incoming<'a> {
    pub from: &'a Jid,
    pub kind: MessageType,
    pub thread: Option<&'a str>,
    pub subject: Option<String>,
    pub body: String,
    pub id: Option<String>,
    pub at: i64,
}

impl Chats {
    pub fn get(&self, id: ConversationId) -> Option<&Conversation> {
        self.conversations.get(&id)
    }

    pub fn get_mut(&mut self, id: ConversationId) -> Option<&mut Conversation> {
        self.conversations.get_mut(&id)
    }

    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }

    /// Conversations, most recently active first.
    pub fn by_activity(&self) -> Vec<&Conversation> {
        let mut list: Vec<_> = self.conversations.values().collect();
        list.sort_by_key(|c| std::cmp::Reverse(c.activity));
        list
    }

    /// Open windows in the order they were opened (stable numbering).
    pub fn windows(&self) -> Vec<&Conversation> {
        self.windows
            .iter()
            .filter_map(|id| self.conversations.get(id))
            .collect()
    }

    /// The ids of [`Chats::windows`], without building a list.
    pub fn window_ids(&self) -> &[ConversationId] {
        &self.windows
    }

    /// The place of a window in [`Chats::window_ids`].
    pub fn window_position(&self, id: ConversationId) -> Option<usize> {
        self.windows.binary_search(&id).ok()
    }

    /// How many open windows before `id` are with the same peer: the
    /// second thread with Romeo is his window number 1. Bounded by
    /// [`MAX_THREADS_PER_PEER`].
    pub fn earlier_windows_with_peer(&self, id: ConversationId) -> usize {
        let Some(conversation) = self.conversations.get(&id) else {
            return 0;
        };
        self.by_peer.get(&conversation.peer).map_or(0, |ids| {
            ids.iter()
                .filter(|other| **other < id)
                .filter(|other| self.conversations.get(other).is_some_and(|c| c.open))
                .count()
        })
    }

    /// Tells eviction which conversation is on screen (it is never
    /// dropped while there).
    pub fn set_on_screen(&mut self, id: Option<ConversationId>) {
        self.on_screen = id;
    }

    /// A line was just added to `id`, which opens its window.
    fn note_open(&mut self, id: ConversationId) {
        if let Err(at) = self.windows.binary_search(&id) {
            self.windows.insert(at, id);
        }
    }

    /// Puts older lines from the history before the ones in memory,
    /// skipping any already there (the newest stored lines may be the ones
    /// just received). Sequence numbers stay increasing: older lines get
    /// numbers below the first held one.
    pub fn prepend(&mut self, id: ConversationId, older: Vec<ChatLine>, exhausted: bool) {
        let Some(conversation) = self.conversations.get_mut(&id) else {
            return;
        };
        conversation.history_exhausted = exhausted;
        // A line shown live carries the row it was recorded as, so a
        // message without an id is recognised too.
        let known: HashSet<String> = conversation
            .lines
            .iter()
            .filter_map(|l| l.id.clone())
            .collect();
        let rows: HashSet<i64> = conversation.lines.iter().filter_map(|l| l.row).collect();
        let mut fresh: Vec<ChatLine> = older
            .into_iter()
            .filter(|l| l.id.as_ref().is_none_or(|id| !known.contains(id)))
            .filter(|l| l.row.is_none_or(|row| !rows.contains(&row)))
            .collect();
        let room = MAX_LINES.saturating_sub(conversation.lines.len());
        if fresh.len() > room {
            fresh.drain(..fresh.len() - room);
        }
        // Older lines only as far as the text budget goes, newest first.
        let mut budget = MAX_CONVERSATION_BYTES.saturating_sub(conversation.bytes);
        let keep = fresh
            .iter()
            .rev()
            .take_while(|line| {
                let size = line_bytes(line);
                let fits = size <= budget;
                budget = budget.saturating_sub(size);
                fits
            })
            .count();
        fresh.drain(..fresh.len() - keep);
        conversation.bytes += fresh.iter().map(line_bytes).sum::<usize>();
        let first_seq = conversation
            .lines
            .front()
            .map_or(conversation.total, |l| l.seq);
        let count = fresh.len() as u64;
        for (i, mut line) in fresh.into_iter().enumerate().rev() {
            line.seq = first_seq.saturating_sub(count - i as u64);
            conversation.lines.push_front(line);
        }
    }

    /// How line `seq` of conversation `id` crossed (or will cross): a
    /// correction's text may have crossed otherwise than the first.
    pub fn set_seal(&mut self, id: ConversationId, seq: u64, seal: Option<Seal>) {
        if let Some(conversation) = self.conversations.get_mut(&id) {
            match seal {
                Some(seal) => conversation.seals.insert(seq, seal),
                None => conversation.seals.remove(&seq),
            };
        }
    }

    /// The line `seq` of conversation `id` is history row `row`.
    pub fn set_row(&mut self, id: ConversationId, seq: u64, row: i64) {
        let Some(conversation) = self.conversations.get_mut(&id) else {
            return;
        };
        // Lines are in `seq` order.
        if let Ok(at) = conversation.lines.binary_search_by_key(&seq, |l| l.seq) {
            conversation.lines[at].row = Some(row);
        }
    }

    /// As [`Chats::set_row`], and when the history held the message before
    /// (`stored_before`) or another line already shows that row (it came
    /// again, from the server archive or a contact's client resending it,
    /// without an id to tell), the new line goes: one message is one line.
    /// Unread counts it no more. A conversation not on screen
    /// then lets go of its oldest stored lines past [`CATCH_UP_LINES`].
    /// O(lines): for the archive catch-up only.
    pub fn set_row_once(&mut self, id: ConversationId, seq: u64, row: i64, stored_before: bool) {
        let Some(conversation) = self.conversations.get_mut(&id) else {
            return;
        };
        let Ok(at) = conversation.lines.binary_search_by_key(&seq, |l| l.seq) else {
            return;
        };
        let shown = stored_before
            || conversation.shed_rows.contains(&row)
            || conversation
                .lines
                .iter()
                .any(|l| l.seq != seq && l.row == Some(row));
        if !shown {
            conversation.lines[at].row = Some(row);
            self.shed(id);
            return;
        }
        if let Some(line) = conversation.lines.remove(at) {
            conversation.bytes = conversation.bytes.saturating_sub(line_bytes(&line));
            if line.direction == Direction::Incoming {
                conversation.unread = conversation.unread.saturating_sub(1);
            }
        }
    }

    /// During the archive catch-up: a conversation not on screen keeps its
    /// newest [`CATCH_UP_LINES`] lines; older ones that are stored go, and
    /// scrolling reads them back from the history. A line not stored yet
    /// stays, so nothing is held only by the history's absence.
    fn shed(&mut self, id: ConversationId) {
        if self.on_screen == Some(id) {
            return;
        }
        let Some(conversation) = self.conversations.get_mut(&id) else {
            return;
        };
        while conversation.lines.len() > CATCH_UP_LINES {
            let Some(row) = conversation.lines.front().and_then(|l| l.row) else {
                break;
            };
            if let Some(line) = conversation.lines.pop_front() {
                conversation.bytes = conversation.bytes.saturating_sub(line_bytes(&line));
            }
            conversation.shed_rows.insert(row);
            conversation.history_exhausted = false;
        }
    }

    /// The archive catch-up is over: the rows it let go need no
    /// remembering any more.
    pub fn forget_shed_rows(&mut self) {
        for conversation in self.conversations.values_mut() {
            conversation.shed_rows = HashSet::new();
        }
    }

    /// The `seq` of the newest line of conversation `id`.
    pub fn last_seq(&self, id: ConversationId) -> Option<u64> {
        self.conversations.get(&id)?.lines.back().map(|l| l.seq)
    }

    /// Conversations whose recent history has not been asked for yet;
    /// marks them asked. Cheap: new conversations are few.
    pub fn take_unrequested(&mut self) -> Vec<(ConversationId, BareJid)> {
        if self.all_requested {
            return Vec::new();
        }
        self.all_requested = true;
        self.conversations
            .values_mut()
            .filter(|c| !c.history_requested)
            .map(|c| {
                c.history_requested = true;
                (c.id, c.peer.clone())
            })
            .collect()
    }

    /// The oldest history row held for a conversation.
    pub fn oldest_row(&self, id: ConversationId) -> Option<i64> {
        self.conversations
            .get(&id)?
            .lines
            .iter()
            .filter_map(|l| l.row)
            .min()
    }

    /// Hides a window until its next message.
    pub fn close(&mut self, id: ConversationId) {
        if let Some(conversation) = self.conversations.get_mut(&id) {
            conversation.open = false;
            conversation.unread = 0;
        }
        if let Ok(at) = self.windows.binary_search(&id) {
            self.windows.remove(at);
        }
    }

    /// Forgets the least recently active conversation (its lines stay in
    /// the history), so invented senders cannot grow memory without bound.
    /// The one on screen is spared. O(log n).
    fn evict_oldest(&mut self) {
        let Some((&activity, &id)) = self
            .by_activity
            .iter()
            .find(|(_, id)| Some(**id) != self.on_screen)
        else {
            return;
        };
        self.by_activity.remove(&activity);
        if let Ok(at) = self.windows.binary_search(&id) {
            self.windows.remove(at);
        }
        if let Some(conversation) = self.conversations.remove(&id) {
            // Its current thread and any it had before (STATES-10).
            if let Some(thread) = &conversation.thread {
                self.by_thread
                    .remove(&(conversation.peer.clone(), thread.clone()));
            }
            if let Some(former) = self.former_threads.remove(&id) {
                self.by_thread.remove(&(conversation.peer.clone(), former));
            }
            if let Some(ids) = self.by_peer.get_mut(&conversation.peer) {
                ids.retain(|c| *c != id);
                if ids.is_empty() {
                    self.by_peer.remove(&conversation.peer);
                }
            }
            match conversation.kind {
                ConversationKind::Chat => {}
                ConversationKind::Room => {
                    self.by_room.remove(&(conversation.peer, None));
                }
                ConversationKind::Private { nick } => {
                    self.by_room.remove(&(conversation.peer, Some(nick)));
                }
            }
        }
    }

    /// The conversation of `room`, opened when there is none.
    pub fn room(&mut self, room: &BareJid) -> ConversationId {
        self.room_or_private(room, None)
    }

    /// MUC-23: the private conversation with `nick` in `room`, opened when
    /// there is none.
    pub fn private(&mut self, room: &BareJid, nick: &str) -> ConversationId {
        self.room_or_private(room, Some(nick))
    }

    /// MUC-15: the occupant `old` of `room` is now `new`; our private
    /// conversation with them follows, unless one with `new` is open.
    pub fn rename_private(&mut self, room: &BareJid, old: &str, new: &str) {
        let new_key = (room.clone(), Some(new.to_owned()));
        if self.by_room.contains_key(&new_key) {
            return;
        }
        let Some(id) = self.by_room.remove(&(room.clone(), Some(old.to_owned()))) else {
            return;
        };
        if let Some(conversation) = self.conversations.get_mut(&id) {
            conversation.kind = ConversationKind::Private {
                nick: new.to_owned(),
            };
        }
        self.by_room.insert(new_key, id);
    }

    /// The conversation of `room` (or with `nick` in it), if there is one.
    pub fn find_room(&self, room: &BareJid, nick: Option<&str>) -> Option<ConversationId> {
        self.by_room
            .get(&(room.clone(), nick.map(str::to_owned)))
            .copied()
    }

    fn room_or_private(&mut self, room: &BareJid, nick: Option<&str>) -> ConversationId {
        let key = (room.clone(), nick.map(str::to_owned));
        if let Some(id) = self.by_room.get(&key) {
            return *id;
        }
        let (kind, message_kind) = match nick {
            None => (ConversationKind::Room, MessageType::Groupchat),
            Some(nick) => (
                ConversationKind::Private {
                    nick: nick.to_owned(),
                },
                MessageType::Chat,
            ),
        };
        let id = self.open_as(kind, room.clone(), None, message_kind);
        self.by_room.insert(key, id);
        id
    }

    /// Adds `line` to a room or private conversation `id`; an incoming
    /// line counts as unread. Returns the line's `seq`.
    pub fn push_line(&mut self, id: ConversationId, line: ChatLine) -> Option<u64> {
        let activity = self.touch(id);
        let conversation = self.conversations.get_mut(&id)?;
        conversation.activity = activity;
        match line.direction {
            Direction::Incoming => conversation.unread += 1,
            Direction::Outgoing => {
                conversation.unread = 0;
                conversation.mentions = 0;
            }
        }
        conversation.push(line);
        let seq = conversation.lines.back().map(|l| l.seq);
        self.note_open(id);
        seq
    }

    /// Remembers a message we sent in a room or private conversation, so
    /// its error reply finds the line (MSG-12, MUC-18).
    pub fn note_sent(&mut self, message_id: String, conversation: ConversationId, to: Jid) {
        self.remember_sent(message_id, conversation, to);
    }

    /// A notice line (not a message, never recorded, not unread) in
    /// conversation `id`.
    pub fn push_notice_line(&mut self, id: ConversationId, text: String, at: i64) {
        let Some(kind) = self.conversations.get(&id).map(|c| c.reply_kind) else {
            return;
        };
        let mut line = ChatLine::new(Direction::Incoming, kind, text, at);
        line.notice = true;
        self.push_line(id, line);
        self.mark_read_one(id);
    }

    /// The chat with `peer` in `thread`, if there is one.
    pub fn with_thread(&self, peer: &BareJid, thread: &str) -> Option<ConversationId> {
        self.by_thread
            .get(&(peer.clone(), thread.to_owned()))
            .copied()
    }

    /// The thread of chat `id`, given one now if it had none (a chat the
    /// peer began without a thread), so what continues it can name it.
    pub fn ensure_thread(&mut self, id: ConversationId) -> String {
        let Some(conversation) = self.conversations.get_mut(&id) else {
            return Thread::new_random().id;
        };
        if let Some(thread) = &conversation.thread {
            return thread.clone();
        }
        let thread = Thread::new_random().id;
        conversation.thread = Some(thread.clone());
        let peer = conversation.peer.clone();
        self.by_thread.insert((peer, thread.clone()), id);
        thread
    }

    /// The peer's most recent conversation.
    pub fn latest_with(&self, peer: &BareJid) -> Option<&Conversation> {
        self.by_peer
            .get(peer)?
            .iter()
            .filter_map(|id| self.conversations.get(id))
            .max_by_key(|c| c.activity)
    }

    /// New activity in conversation `id` (if it exists yet), keeping the
    /// activity index in step.
    fn touch(&mut self, id: ConversationId) -> u64 {
        self.activity += 1;
        if let Some(conversation) = self.conversations.get_mut(&id) {
            self.by_activity.remove(&conversation.activity);
            conversation.activity = self.activity;
            self.by_activity.insert(self.activity, id);
        }
        self.activity
    }

    fn open(&mut self, peer: BareJid, thread: Option<String>, kind: MessageType) -> ConversationId {
        let id = self.open_as(ConversationKind::Chat, peer.clone(), thread, kind);
        self.by_peer.entry(peer).or_default().push(id);
        id
    }

    fn open_as(
        &mut self,
        conversation_kind: ConversationKind,
        peer: BareJid,
        thread: Option<String>,
        kind: MessageType,
    ) -> ConversationId {
        if self.conversations.len() >= MAX_CONVERSATIONS {
            self.evict_oldest();
        }
        self.next_id += 1;
        self.all_requested = false;
        let id = ConversationId(self.next_id);
        if let Some(thread) = &thread {
            self.by_thread.insert((peer.clone(), thread.clone()), id);
        }
        let activity = self.touch(id);
        self.by_activity.insert(activity, id);
        self.windows.push(id);
        self.conversations.insert(
            id,
            Conversation {
                id,
                kind: conversation_kind,
                peer,
                thread,
                locked: None,
                reply_kind: kind,
                lines: VecDeque::new(),
                unread: 0,
                mentions: 0,
                activity,
                open: true,
                // Lines read from the history later go before the first
                // one held, so numbering starts high enough to leave room.
                total: FIRST_SEQ,
                history_requested: false,
                history_exhausted: false,
                bytes: 0,
                unmarked: None,
                shed_rows: HashSet::new(),
                seals: HashMap::new(),
            },
        );
        id
    }

    /// True when this sender already gave us this message: the same id and
    /// the same content. A sender that lost its connection before the
    /// server's ack resends what may have arrived already (XEP-0198 §6),
    /// with the same id; a sender whose ids restart reuses an id for new
    /// text, which is a new message. Remembers the message otherwise.
    /// Bounded.
    pub fn is_redelivery(&mut self, from: &Jid, id: &str, content: &[&str]) -> bool {
        let key = self.fingerprints.of(&(from.to_bare(), id, content));
        if self.seen.contains(&key) {
            return true;
        }
        if self.seen_order.len() == MAX_SEEN_IDS
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen_order.push_back(key);
        self.seen.insert(key);
        false
    }

    /// CARBONS-14: true when a message with any of these stable ids was
    /// filed already; remembers them otherwise. A `sent` copy whose
    /// origin-id is the id of a message this session sent is ours too.
    pub fn is_known(&mut self, keys: &[StableKey]) -> bool {
        let prints: Vec<Fingerprint> = keys.iter().map(|key| self.fingerprints.of(key)).collect();
        let known = keys.iter().zip(&prints).any(|(key, print)| match key {
            StableKey::Origin(_, Direction::Outgoing, id) => {
                self.stable.contains(print) || self.sent.contains_key(id)
            }
            _ => self.stable.contains(print),
        });
        if known {
            return true;
        }
        for print in prints {
            if self.stable_order.len() == MAX_SEEN_IDS
                && let Some(old) = self.stable_order.pop_front()
            {
                self.stable.remove(&old);
            }
            self.stable_order.push_back(print);
            self.stable.insert(print);
        }
        false
    }

    /// CARBONS-06: files a message another of our devices (`device`, its
    /// resource) sent to `message.from`, which names the recipient here: our
    /// line in that peer's conversation, found as an incoming message's
    /// would be (thread, else the latest). It neither locks the
    /// conversation nor counts as unread.
    pub fn sent_elsewhere(
        &mut self,
        message: Incoming<'_>,
        device: Option<String>,
    ) -> ConversationId {
        let peer = message.from.to_bare();
        let id = match message.thread {
            Some(thread) => match self.by_thread.get(&(peer.clone(), thread.to_owned())) {
                Some(id) => *id,
                None => match self.latest_with(&peer) {
                    Some(conversation) if self.crowded(&peer) => conversation.id,
                    _ => self.open(peer, Some(thread.to_owned()), message.kind),
                },
            },
            None => match self.latest_with(&peer) {
                Some(conversation) => conversation.id,
                None => self.open(peer, None, message.kind),
            },
        };
        let activity = self.touch(id);
        if let Some(conversation) = self.conversations.get_mut(&id) {
            conversation.activity = activity;
            // Answered on another device: read there.
            conversation.unread = 0;
            conversation.push(ChatLine {
                resource: device,
                subject: message.subject,
                id: message.id,
                ..ChatLine::new(Direction::Outgoing, message.kind, message.body, message.at)
            });
            self.note_open(id);
        }
        id
    }

    fn crowded(&self, peer: &BareJid) -> bool {
        self.by_peer
            .get(peer)
            .is_some_and(|ids| ids.len() >= MAX_THREADS_PER_PEER)
    }

    /// Files an incoming chat, normal or groupchat message.
    pub fn receive(&mut self, message: Incoming<'_>) -> ConversationId {
        let peer = message.from.to_bare();
        let crowded = self
            .by_peer
            .get(&peer)
            .is_some_and(|ids| ids.len() >= MAX_THREADS_PER_PEER);
        // A thread-less message joining a conversation (MSG-11) is filed
        // there; as a single `normal` message it does not make the
        // conversation's replies `normal` (MSG-04): that takes a message in
        // its thread, or one that opens it (SYN-05).
        let mut joined = false;
        let id = match message.thread {
            Some(thread) => match self.by_thread.get(&(peer.clone(), thread.to_owned())) {
                Some(id) => *id,
                // MSG-10 wants a new conversation, but not without limit.
                None if crowded => match self.latest_with(&peer) {
                    Some(conversation) => {
                        joined = true;
                        conversation.id
                    }
                    None => self.open(peer.clone(), Some(thread.to_owned()), message.kind),
                },
                None => self.open(peer.clone(), Some(thread.to_owned()), message.kind),
            },
            None => match self.latest_with(&peer) {
                Some(conversation) => {
                    joined = true;
                    conversation.id
                }
                None => self.open(peer.clone(), None, message.kind),
            },
        };
        let sets_reply_kind = !(joined && message.kind == MessageType::Normal);
        let activity = self.touch(id);
        if let Some(conversation) = self.conversations.get_mut(&id) {
            // A room's conversation is the room itself: replies go to the
            // bare room JID, never to one occupant.
            if message.kind == MessageType::Groupchat {
                conversation.reply_kind = MessageType::Groupchat;
            } else {
                conversation.locked = message.from.resource().map(|r| r.as_str().to_owned());
                if sets_reply_kind {
                    conversation.reply_kind = message.kind;
                }
            }
            conversation.unread += 1;
            conversation.activity = activity;
            conversation.push(ChatLine {
                resource: message.from.resource().map(|r| r.as_str().to_owned()),
                subject: message.subject,
                id: message.id,
                ..ChatLine::new(Direction::Incoming, message.kind, message.body, message.at)
            });
            self.note_open(id);
        }
        id
    }

    /// The conversation `/msg` continues with `to`, or a new one with a
    /// fresh thread. A full JID locks it to that resource.
    pub fn conversation_for(&mut self, to: &Jid) -> ConversationId {
        let peer = to.to_bare();
        let id = match self.latest_with(&peer) {
            Some(conversation) => conversation.id,
            None => self.open(peer, Some(Thread::new_random().id), MessageType::Chat),
        };
        if let (Some(resource), Some(conversation)) =
            (to.resource(), self.conversations.get_mut(&id))
        {
            conversation.locked = Some(resource.as_str().to_owned());
        }
        id
    }

    /// Builds the message for `body` in conversation `id` (thread, address,
    /// reply type, fresh id) and records it as sent.
    pub fn compose(
        &mut self,
        id: ConversationId,
        kind: Option<MessageType>,
        subject: Option<String>,
        body: String,
        at: i64,
        pending: bool,
    ) -> Option<Message> {
        let activity = self.touch(id);
        let conversation = self.conversations.get_mut(&id)?;
        // A type the user chose (`/normal`) is what the conversation is
        // now (SYN-05 for the replies that follow).
        let kind = match kind {
            Some(kind) => {
                conversation.reply_kind = kind;
                kind
            }
            None => conversation.reply_kind,
        };
        let mut message = Message::new(kind);
        let to = conversation.address();
        message.to = Some(to.clone());
        let message_id = id::next();
        message.id = Some(message_id.clone());
        stamp_outgoing(&mut message);
        message.thread = conversation
            .thread
            .clone()
            .map(|id| Thread { id, parent: None });
        message.bodies = vec![LangText::new(body.clone())];
        if let Some(subject) = &subject {
            message.subjects = vec![LangText::new(subject.clone())];
        }
        conversation.activity = activity;
        conversation.unread = 0;
        conversation.push(ChatLine {
            subject,
            id: Some(message_id.clone()),
            pending,
            ..ChatLine::new(Direction::Outgoing, kind, body, at)
        });
        self.note_open(id);
        self.remember_sent(message_id, id, to);
        Some(message)
    }

    fn remember_sent(&mut self, message_id: String, conversation: ConversationId, to: Jid) {
        if self.sent_order.len() == MAX_SENT_IDS
            && let Some(old) = self.sent_order.pop_front()
        {
            self.sent.remove(&old);
        }
        self.sent_order.push_back(message_id.clone());
        self.sent.insert(message_id, (conversation, to));
    }

    /// NEW-11: a presence change of `peer/resource` unlocks conversations
    /// locked to it; the next message goes to the bare JID.
    pub fn unlock(&mut self, peer: &BareJid, resource: Option<&str>) {
        let Some(ids) = self.by_peer.get(peer) else {
            return;
        };
        for id in ids {
            if let Some(conversation) = self.conversations.get_mut(id)
                && (resource.is_none() || conversation.locked.as_deref() == resource)
            {
                conversation.locked = None;
            }
        }
    }

    /// Marks a conversation read (the user looked at it).
    pub fn mark_read(&mut self, id: ConversationId) {
        if let Some(conversation) = self.conversations.get_mut(&id) {
            conversation.unread = 0;
            conversation.mentions = 0;
        }
    }

    /// One line fewer to read in `id`: the one just added was not news.
    pub fn mark_read_one(&mut self, id: ConversationId) {
        if let Some(conversation) = self.conversations.get_mut(&id) {
            conversation.unread = conversation.unread.saturating_sub(1);
        }
    }

    /// Total unread lines.
    pub fn unread(&self) -> usize {
        self.conversations.values().map(|c| c.unread).sum()
    }
}

#[cfg(test)]
mod tests;

/// What every message of ours carries beside its text, whether sent now or
/// again from the outbox after a restart: the origin-id (SID-01, the same
/// unpredictable value as the id, so the archive and carbons recognise it),
/// a request for a receipt on chat and normal messages (RECEIPTS-06,
/// RECEIPTS-07) and, on chat messages, for a displayed marker (MARKERS-02).
pub fn stamp_outgoing(message: &mut Message) {
    message.origin_id = message.id.clone();
    message.receipt_request = matches!(message.kind, MessageType::Chat | MessageType::Normal);
    message.markable = message.kind == MessageType::Chat;
}
