//! Chat state notifications (XEP-0085, checklist §14, STATES-*): what the
//! contact's clients say they are doing, shown on the conversation's title
//! ("typing…", "paused"), and what ours tells them while the user types.
//!
//! - Incoming: only live `chat` messages count (STATES-07); archived and
//!   carbon-copied ones never change what is shown (STATES-14), so the
//!   chat area hands over live messages only. A state is kept per full JID
//!   and shown per contact (STATES-09); the resource's next content
//!   message, its unavailable presence, the end of the session or
//!   [`SHOWN_FOR_MS`] end it. A standalone state is never a line nor
//!   stored: the chat area drops messages with nothing to show before
//!   filing them. After the contact's `gone` our next message starts a
//!   new thread (STATES-10).
//! - Outgoing: the state the user's conduct asks for (composing while keys
//!   come in the conversation on screen, paused after [`PAUSE_AFTER_MS`]
//!   without one, inactive once they leave it or the terminal, gone when
//!   its window closes, active otherwise; STATES-08, STATES-10) is sent
//!   when it differs from what the contact was last told (STATES-06), at
//!   most once per [`MIN_GAP_MS`] per conversation, only to a contact who
//!   sent us a state (STATES-04), only in 1:1 chats (STATES-07,
//!   STATES-11) and never when the user turned it off (STATES-03). Our
//!   content messages carry `<active/>` unless the contact's last message
//!   showed it ignores states (STATES-04, STATES-05).
//!
//! Time comes in with [`crate::app::Msg::Tick`] (Unix milliseconds); the
//! runner asks [`next_deadline`] when the next tick is due. This module
//! decides; it imports nothing from `ui`.

use std::collections::{HashMap, HashSet, VecDeque};

use jid::{BareJid, Jid};

use crate::xmpp::stanza::chat_states::ChatState;
use crate::xmpp::stanza::message::{Message, MessageType, Thread};
use crate::xmpp::stanza::presence::{Presence, PresenceType};

use super::{Chats, Conversation, ConversationId};
use crate::app::event::Event;
use crate::app::{Effect, State};

/// How long a contact's `composing` or `paused` shows without news: a
/// client that died while typing never says it stopped.
pub const SHOWN_FOR_MS: i64 = 120_000;
/// How long after the last key `composing` becomes `paused` (STATES-08:
/// about 30 s, as XEP-0085 suggests).
pub const PAUSE_AFTER_MS: i64 = 30_000;
/// The shortest time between two standalone states in one conversation;
/// a change within it waits, and one undone meanwhile is never sent.
pub const MIN_GAP_MS: i64 = 1_000;
/// Contacts whose states are kept; a flood of senders evicts the oldest.
const MAX_PEERS: usize = 1_000;
/// Resources kept per contact.
const MAX_RESOURCES: usize = 8;
/// Contacts whose support for states is remembered.
const MAX_SUPPORT: usize = 10_000;
/// Ids of our standalone states remembered, to recognise their bounces.
const MAX_SENT_IDS: usize = 64;

/// A state one of the contact's resources sent.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Heard {
    resource: String,
    state: ChatState,
    /// Unix milliseconds.
    at: i64,
}

/// What a conversation's contact was last told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Told {
    state: ChatState,
    /// When the last standalone state went out (Unix ms); content
    /// messages do not count against [`MIN_GAP_MS`].
    at: i64,
}

/// The conversation the input line is being typed into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Typing {
    conversation: ConversationId,
    /// The last key's time, Unix ms.
    last_key: i64,
}

/// Chat states in both directions.
#[derive(Debug, Default)]
pub struct ChatStates {
    /// Per contact, per resource: the last state heard.
    heard: HashMap<BareJid, Vec<Heard>>,
    /// STATES-04: true once the contact sent a state, false after a
    /// content message of theirs without one.
    support: HashMap<BareJid, bool>,
    /// Per conversation: what its contact was last told.
    told: HashMap<ConversationId, Told>,
    typing: Option<Typing>,
    /// What the input line said since the last tick (true: text for the
    /// conversation on screen); the tick gives it its time.
    key: Option<bool>,
    /// The last tick's time, Unix ms.
    now: i64,
    /// Ids of the standalone states sent lately.
    sent_ids: VecDeque<String>,
    /// Conversations whose thread was renewed after a `gone`, until we
    /// send in them (STATES-10).
    renewed: HashSet<ConversationId>,
}

/// What one conversation's state asks for at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    /// Nothing to send, now or later.
    Nothing,
    /// The conversation is gone: forget what it was told.
    Forget,
    Send(ChatState),
    /// Ask again at this time (Unix ms).
    At(i64),
}

impl ChatStates {
    /// What the contact is doing, for its conversations' titles:
    /// composing if any resource is, else paused if any is (STATES-09).
    pub fn shown(&self, peer: &BareJid) -> Option<ChatState> {
        let heard = self.heard.get(peer)?;
        [ChatState::Composing, ChatState::Paused]
            .into_iter()
            .find(|wanted| heard.iter().any(|h| h.state == *wanted))
    }

    /// STATES-04: whether the contact's client takes chat states: `None`
    /// until it showed either way.
    pub fn supported_by(&self, peer: &BareJid) -> Option<bool> {
        self.support.get(peer).copied()
    }

    /// The state the conversation's contact was last told.
    pub fn told(&self, conversation: ConversationId) -> Option<ChatState> {
        self.told.get(&conversation).map(|t| t.state)
    }

    fn set_support(&mut self, peer: &BareJid, supported: bool) {
        if self.support.len() >= MAX_SUPPORT
            && !self.support.contains_key(peer)
            && let Some(old) = self.support.keys().next().cloned()
        {
            self.support.remove(&old);
        }
        self.support.insert(peer.clone(), supported);
    }

    /// Keeps `state` from `peer/resource`; true when it is news.
    fn hear(&mut self, peer: &BareJid, resource: &str, state: ChatState, at: i64) -> bool {
        if !self.heard.contains_key(peer) && self.heard.len() >= MAX_PEERS {
            let oldest = self
                .heard
                .iter()
                .min_by_key(|(_, heard)| heard.iter().map(|h| h.at).max().unwrap_or(i64::MIN))
                .map(|(peer, _)| peer.clone());
            if let Some(oldest) = oldest {
                self.heard.remove(&oldest);
            }
        }
        let heard = self.heard.entry(peer.clone()).or_default();
        if let Some(known) = heard.iter_mut().find(|h| h.resource == resource) {
            let news = known.state != state;
            known.state = state;
            known.at = at;
            return news;
        }
        if heard.len() >= MAX_RESOURCES {
            heard.remove(0);
        }
        heard.push(Heard {
            resource: resource.to_owned(),
            state,
            at,
        });
        true
    }

    /// Forgets what `peer/resource` said (or every resource of `peer`).
    fn forget(&mut self, peer: &BareJid, resource: Option<&str>) {
        let Some(heard) = self.heard.get_mut(peer) else {
            return;
        };
        heard.retain(|h| resource.is_some_and(|r| r != h.resource));
        if heard.is_empty() {
            self.heard.remove(peer);
        }
    }

    /// Drops what was heard too long ago to show.
    fn expire(&mut self, now: i64) {
        self.heard.retain(|_, heard| {
            heard.retain(|h| h.at.saturating_add(SHOWN_FOR_MS) > now);
            !heard.is_empty()
        });
    }

    /// The first time what is shown fades (other states go unseen, at the
    /// next tick after theirs).
    fn next_expiry(&self) -> Option<i64> {
        self.heard
            .values()
            .flatten()
            .filter(|h| matches!(h.state, ChatState::Composing | ChatState::Paused))
            .map(|h| h.at.saturating_add(SHOWN_FOR_MS))
            .min()
    }

    fn remember_sent(&mut self, id: String) {
        if self.sent_ids.len() == MAX_SENT_IDS {
            self.sent_ids.pop_front();
        }
        self.sent_ids.push_back(id);
    }
}

/// A live `chat` message (not a carbon, not from the archive) arrived at
/// `at` (Unix seconds): keep its state, or, for a content message without
/// one, end the sender's and note that it ignores states (STATES-04,
/// STATES-09). Emits [`Event::ChatState`] only when the resource's state
/// changed.
pub fn on_message(state: &mut State, message: &Message, at: i64, effects: &mut Vec<Effect>) {
    // STATES-07: 1:1 chats only; in rooms a `gone` is ignored (STATES-11),
    // and rooms show no states here at all.
    if message.kind != MessageType::Chat {
        return;
    }
    let Some(from) = &message.from else {
        return;
    };
    let peer = from.to_bare();
    let own = state.jid.as_ref().map(|j| j.to_bare());
    if from.node().is_none() || own.as_ref() == Some(&peer) {
        return;
    }
    let resource = from.resource().map(|r| r.as_str()).unwrap_or_default();
    let states = &mut state.chat_states;
    match message.chat_state {
        Some(chat_state) => {
            states.set_support(&peer, true);
            if states.hear(&peer, resource, chat_state, at.saturating_mul(1000)) {
                effects.push(Effect::Emit(Event::ChatState {
                    from: from.to_string(),
                    state: chat_state.as_str().to_owned(),
                }));
            }
            if chat_state == ChatState::Gone {
                on_gone(state, message, &peer);
            }
        }
        // A content message without a state: the contact's client does
        // not take them (STATES-04), and this resource is done typing.
        None if !message.is_empty() => {
            states.set_support(&peer, false);
            states.forget(&peer, Some(resource));
        }
        None => {}
    }
}

impl Chats {
    /// STATES-10: the contact left the conversation `id` (`<gone/>`): our
    /// next message there starts a new thread (MSG-07). The former thread
    /// still leads to the conversation, so a late message in it is not a
    /// new window; only the latest former one is kept.
    fn renew_thread(&mut self, id: ConversationId) {
        let Some(conversation) = self.conversations.get_mut(&id) else {
            return;
        };
        let Some(old) = conversation.thread.take() else {
            return;
        };
        let new = Thread::new_random().id;
        conversation.thread = Some(new.clone());
        let peer = conversation.peer.clone();
        if let Some(older) = self.former_threads.insert(id, old) {
            self.by_thread.remove(&(peer.clone(), older));
        }
        self.by_thread.insert((peer, new), id);
    }
}

/// STATES-10: `<gone/>` from the contact in the conversation its thread
/// names (else the contact's latest): a new thread for what we send next,
/// once until we have sent something in it.
fn on_gone(state: &mut State, message: &Message, peer: &BareJid) {
    let id = match &message.thread {
        Some(thread) => state
            .chats
            .by_thread
            .get(&(peer.clone(), thread.id.clone()))
            .copied(),
        None => state.chats.latest_with(peer).map(|c| c.id),
    };
    let Some(id) = id else {
        return;
    };
    if state.chat_states.renewed.insert(id) {
        state.chats.renew_thread(id);
    }
}

/// A bounce of one of our standalone states: swallowed (the user never
/// wrote it), and the contact gets no more (XEP-0085 §5.1). True when it
/// was one.
pub fn on_bounce(state: &mut State, message: &Message) -> bool {
    let Some(id) = &message.id else {
        return false;
    };
    let states = &mut state.chat_states;
    let Some(at) = states.sent_ids.iter().position(|sent| sent == id) else {
        return false;
    };
    states.sent_ids.remove(at);
    if let Some(from) = &message.from {
        states.set_support(&from.to_bare(), false);
    }
    tracing::debug!(%id, "a chat state of ours bounced");
    true
}

/// A resource that went offline says nothing any more.
pub fn on_presence(state: &mut State, presence: &Presence) {
    if presence.kind != PresenceType::Unavailable {
        return;
    }
    if let Some(from) = &presence.from {
        let resource = from.resource().map(|r| r.as_str());
        state.chat_states.forget(&from.to_bare(), resource);
    }
}

/// The session ended: what contacts said is stale.
pub fn on_closed(state: &mut State) {
    state.chat_states.heard.clear();
}

/// The input line changed: `composing` when it holds text for the
/// conversation on screen, false when it was cleared or sent.
pub fn on_input(state: &mut State, composing: bool) {
    state.chat_states.key = Some(composing);
}

/// Our content message in `conversation` is about to go out: it carries
/// `<active/>` (STATES-04, STATES-06), unless the user turned states off
/// (STATES-03), it is not a 1:1 chat (STATES-07) or the contact's client
/// showed it ignores them. Typing there is over.
pub fn on_send(state: &mut State, conversation: ConversationId, message: &mut Message) {
    let states = &mut state.chat_states;
    states.renewed.remove(&conversation);
    if states
        .typing
        .is_some_and(|t| t.conversation == conversation)
    {
        states.typing = None;
    }
    let Some(peer) = message.to.as_ref().map(Jid::to_bare) else {
        return;
    };
    if !state.prefs.send_chat_states
        || message.kind != MessageType::Chat
        || states.support.get(&peer) == Some(&false)
    {
        return;
    }
    message.chat_state = Some(ChatState::Active);
    states.told.insert(
        conversation,
        Told {
            state: ChatState::Active,
            at: i64::MIN,
        },
    );
}

/// The time is `now` (Unix ms): the last key gets it, faded states go,
/// and every conversation whose contact should hear of a change does.
pub fn on_tick(state: &mut State, now: i64, effects: &mut Vec<Effect>) {
    let states = &mut state.chat_states;
    states.now = now;
    if let Some(composing) = states.key.take() {
        states.typing = match (composing, state.active) {
            (true, Some(conversation)) => Some(Typing {
                conversation,
                last_key: now,
            }),
            _ => None,
        };
    }
    // Typing stops counting once its window is left.
    if state
        .chat_states
        .typing
        .is_some_and(|t| Some(t.conversation) != state.active)
    {
        state.chat_states.typing = None;
    }
    state.chat_states.expire(now);
    for conversation in candidates(state) {
        match decide(state, conversation, now) {
            Decision::Send(chat_state) => send(state, conversation, chat_state, now, effects),
            Decision::Forget => {
                state.chat_states.told.remove(&conversation);
            }
            Decision::Nothing | Decision::At(_) => {}
        }
    }
}

/// When the next [`crate::app::Msg::Tick`] is due (Unix ms): a key not yet
/// timed, a state waiting to be sent, `paused` coming, or a contact's
/// state fading. `None`: nothing is waiting.
pub fn next_deadline(state: &State) -> Option<i64> {
    let states = &state.chat_states;
    let now = states.now;
    if states.key.is_some() {
        return Some(now);
    }
    let mut next = states.next_expiry();
    for conversation in candidates(state) {
        let at = match decide(state, conversation, now) {
            Decision::Send(_) | Decision::Forget => now,
            Decision::At(at) => at,
            Decision::Nothing => continue,
        };
        next = Some(next.map_or(at, |n| n.min(at)));
    }
    next
}

/// The conversations that may have something to say: those told
/// something, and the one being typed into.
fn candidates(state: &State) -> Vec<ConversationId> {
    let states = &state.chat_states;
    let mut list: Vec<ConversationId> = states.told.keys().copied().collect();
    if let Some(typing) = states.typing
        && !states.told.contains_key(&typing.conversation)
    {
        list.push(typing.conversation);
    }
    list
}

/// What the user's conduct says in `conversation` (STATES-08, STATES-10),
/// and when that changes by itself (`paused`).
fn wanted(state: &State, conversation: &Conversation, now: i64) -> (ChatState, Option<i64>) {
    if !conversation.open {
        return (ChatState::Gone, None);
    }
    if state.active != Some(conversation.id) || !state.attention.looking() {
        return (ChatState::Inactive, None);
    }
    match state.chat_states.typing {
        Some(typing) if typing.conversation == conversation.id => {
            let pause_at = typing.last_key.saturating_add(PAUSE_AFTER_MS);
            if now >= pause_at {
                (ChatState::Paused, None)
            } else {
                (ChatState::Composing, Some(pause_at))
            }
        }
        _ => (ChatState::Active, None),
    }
}

fn decide(state: &State, id: ConversationId, now: i64) -> Decision {
    let Some(conversation) = state.chats.get(id) else {
        return Decision::Forget;
    };
    // STATES-03, STATES-04, STATES-07, STATES-11: only where welcome.
    // CAPS-14: the caps of the resource the conversation is locked to
    // decide first; else what the contact's messages showed.
    let by_caps = conversation
        .locked
        .as_deref()
        .and_then(|resource| conversation.peer.with_resource_str(resource).ok())
        .and_then(|full| crate::app::caps::supports(state, &full, crate::xmpp::ns::CHAT_STATES));
    let welcome = state.prefs.send_chat_states
        && state.is_online()
        && conversation.reply_kind == MessageType::Chat
        && by_caps.unwrap_or(state.chat_states.support.get(&conversation.peer) == Some(&true));
    if !welcome {
        return Decision::Nothing;
    }
    let told = state.chat_states.told.get(&id).copied();
    let (wanted, changes_at) = wanted(state, conversation, now);
    let told_state = told.map(|t| t.state);
    // Typing is news to anyone; anything else only corrects what the
    // contact was told, and after `gone` only a new message or typing
    // speaks again. STATES-06: never the same state twice in a row.
    let worth = match told_state {
        _ if told_state == Some(wanted) => false,
        None | Some(ChatState::Gone) => wanted == ChatState::Composing,
        Some(_) => true,
    };
    if !worth {
        return changes_at.map_or(Decision::Nothing, Decision::At);
    }
    // A last state "in the future" means the clock went back: no wait.
    let ready_at = told
        .filter(|t| t.at <= now)
        .map_or(i64::MIN, |t| t.at.saturating_add(MIN_GAP_MS));
    if now < ready_at {
        return Decision::At(ready_at);
    }
    Decision::Send(wanted)
}

/// STATES-05: a standalone state carries the state and the thread only
/// (an id, to recognise a bounce).
fn send(
    state: &mut State,
    id: ConversationId,
    chat_state: ChatState,
    now: i64,
    effects: &mut Vec<Effect>,
) {
    let Some(conversation) = state.chats.get(id) else {
        return;
    };
    let mut message = Message::new(MessageType::Chat);
    message.to = Some(conversation.address());
    message.thread = conversation
        .thread
        .clone()
        .map(|id| Thread { id, parent: None });
    let message_id = crate::xmpp::id::next();
    message.id = Some(message_id.clone());
    message.chat_state = Some(chat_state);
    let states = &mut state.chat_states;
    states.remember_sent(message_id);
    states.told.insert(
        id,
        Told {
            state: chat_state,
            at: now,
        },
    );
    effects.push(Effect::SendMessage(message));
}
