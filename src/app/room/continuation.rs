//! A room that continues a 1:1 chat (XEP-0045 §7.8.2, XEP-0249).
//!
//! `/continue` turns the chat on screen into a room (MUC-32): it joins a
//! new instant room (named, or made up on a chat service we know), and
//! once the room has us, optionally posts the chat's recent lines there
//! (`--history`, which the result warns about), then invites the chat's
//! peer (and anyone named) to continue the chat's thread there
//! ([`super::invitation::send_continuing`]).
//!
//! Accepting an invitation that continues a chat (MUC-52: mediated
//! `<continue/>`, or a direct one with `continue='true'`) joins as any
//! accepted invitation does. Either way the room keeps a
//! [`Continuation`]: its messages carry the chat's thread id, and both
//! windows get a notice naming the other, which is how the panes are
//! linked.

use jid::{BareJid, Jid};

use crate::app::chat::{ConversationId, ConversationKind, Direction};
use crate::app::dispatch::Outcome;
use crate::app::{Effect, State};
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType, Thread};

use super::RoomJoin;

/// Lines of the chat `--history` posts to the room, newest last.
pub const HISTORY_LINES: usize = 20;
/// The most text `--history` posts, in bytes.
pub const HISTORY_BYTES: usize = 8 * 1024;
/// People `/continue` invites besides the chat's peer.
pub const MAX_INVITEES: usize = 16;

/// The 1:1 chat a room continues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Continuation {
    /// Who the chat was with.
    pub peer: BareJid,
    /// The chat's thread, which the room's messages carry on.
    pub thread: String,
    /// What is left to do once the room has us (`/continue` only).
    pub pending: Option<Plan>,
}

/// What `/continue` does when the room is joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The chat whose lines `--history` posts and which gets the notice.
    pub chat: ConversationId,
    /// The peer first, then the others named.
    pub invitees: Vec<BareJid>,
    pub history: bool,
}

/// `/continue [--room ROOM] [--history] [JID…]` in a 1:1 chat (MUC-32):
/// joins ROOM (a made-up name on a chat service we know when not named,
/// or on the service named without a room name) as an instant room; the
/// invitations follow the join, whose result this is.
#[allow(clippy::too_many_arguments)]
pub fn start(
    state: &mut State,
    tag: u64,
    label: &str,
    room: Option<BareJid>,
    history: bool,
    others: Vec<BareJid>,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let Some(chat) = state.active.filter(|id| {
        state
            .chats
            .get(*id)
            .is_some_and(|c| c.kind == ConversationKind::Chat)
    }) else {
        return Outcome::Failed("switch to a chat with one person first".to_owned());
    };
    let Some(peer) = state.chats.get(chat).map(|c| c.peer.clone()) else {
        return Outcome::Failed("switch to a chat with one person first".to_owned());
    };
    let room = match room_to_create(state, room) {
        Ok(room) => room,
        Err(why) => return Outcome::Failed(why),
    };
    if state.rooms.is_present(&room) {
        return Outcome::Failed(format!(
            "you are in {room} already: /invite {peer} there instead"
        ));
    }
    let thread = state.chats.ensure_thread(chat);
    let mut invitees = vec![peer.clone()];
    for other in others {
        if invitees.len() > MAX_INVITEES {
            break;
        }
        if !invitees.contains(&other) {
            invitees.push(other);
        }
    }
    let join = RoomJoin {
        room: room.clone(),
        nick: String::new(),
        password: None,
        nick_is_default: true,
    };
    let outcome = super::command::join(state, tag, label, join, false, at, effects);
    if !matches!(outcome, Outcome::Pending) {
        return outcome;
    }
    let continuation = Continuation {
        peer,
        thread,
        pending: Some(Plan {
            chat,
            invitees,
            history,
        }),
    };
    adopt(state, &room, continuation);
    outcome
}

/// MUC-52: the room of an accepted invitation continues the chat with
/// `peer` in `thread`.
pub fn accepted(state: &mut State, room: &BareJid, peer: BareJid, thread: String) {
    adopt(
        state,
        room,
        Continuation {
            peer,
            thread,
            pending: None,
        },
    );
}

/// Keeps `continuation` on the room; its window's messages carry the
/// thread from now on.
fn adopt(state: &mut State, room: &BareJid, continuation: Continuation) {
    let conversation = state.chats.room(room);
    if let Some(window) = state.chats.get_mut(conversation) {
        window.thread = Some(continuation.thread.clone());
    }
    if let Some(entry) = state.rooms.get_mut(room) {
        entry.continues = Some(continuation);
    }
}

/// The room `/continue` creates: the one named; on a service named
/// without a room name, or else the chat service of a room we know, a
/// fresh name.
fn room_to_create(state: &State, named: Option<BareJid>) -> Result<BareJid, String> {
    let service = match named {
        Some(room) if room.node().is_some() => return Ok(room),
        Some(service) => Some(service.domain().to_owned()),
        None => known_service(state),
    };
    let Some(service) = service else {
        return Err(
            "name the room: /continue --room ROOM@SERVICE (/rooms finds your chat service)"
                .to_owned(),
        );
    };
    let own = state
        .jid
        .as_ref()
        .and_then(|jid| jid.node())
        .map_or("chat", |node| node.as_str());
    let name = format!("{own}-{}", crate::xmpp::id::random_hex(4));
    BareJid::new(&format!("{name}@{service}")).map_err(|_| format!("{service} is no chat service"))
}

/// A chat service we have seen: that of a room we know, else of a
/// bookmark.
fn known_service(state: &State) -> Option<jid::DomainPart> {
    let mut rooms: Vec<&BareJid> = state.rooms.iter().map(|r| &r.jid).collect();
    rooms.sort();
    rooms
        .into_iter()
        .chain(state.bookmarks.list.keys())
        .next()
        .map(|room| room.domain().to_owned())
}

/// The room has us: for a room that continues a chat, tells both windows
/// and does what `/continue` planned (history, then invitations). Returns
/// what to add to the join's result.
pub fn on_joined(
    state: &mut State,
    room: &BareJid,
    at: i64,
    effects: &mut Vec<Effect>,
) -> Option<String> {
    let continuation = state.rooms.get_mut(room)?.continues.as_mut()?;
    let peer = continuation.peer.clone();
    let thread = continuation.thread.clone();
    let plan = continuation.pending.take();
    let name = state.display_name(&peer);
    super::update::notice(
        state,
        room,
        format!("this room continues your chat with {name}"),
        at,
    );
    let chat = plan.as_ref().map(|p| p.chat).or_else(|| {
        state
            .chats
            .with_thread(&peer, &thread)
            .or_else(|| state.chats.latest_with(&peer).map(|c| c.id))
    });
    if let Some(chat) = chat {
        state
            .chats
            .push_notice_line(chat, format!("the conversation continues in {room}"), at);
    }
    let plan = plan?;
    let mut done = Vec::new();
    if plan.history
        && let Some(body) = history_text(state, plan.chat)
    {
        let mut message = Message::new(MessageType::Groupchat);
        message.to = Some(Jid::from(room.clone()));
        message.id = Some(crate::xmpp::id::next());
        message.thread = Some(Thread {
            id: thread.clone(),
            parent: None,
        });
        message.bodies = vec![LangText::new(body)];
        effects.push(Effect::SendMessage(message));
        done.push("posted the chat's recent lines, for everyone in the room to read".to_owned());
    }
    for invitee in &plan.invitees {
        super::invitation::send_continuing(
            state,
            room,
            invitee,
            Some(format!("continuing our chat in {room}")),
            thread.clone(),
            effects,
        );
    }
    let invited = plan
        .invitees
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    done.push(format!("invited {invited} to continue the chat here"));
    Some(done.join("; "))
}

/// The chat's recent lines as one quoted message, oldest first, at most
/// [`HISTORY_LINES`] and [`HISTORY_BYTES`].
fn history_text(state: &State, chat: ConversationId) -> Option<String> {
    let conversation = state.chats.get(chat)?;
    let peer_name = state.display_name(&conversation.peer);
    let own_name = super::command::default_nick(state).unwrap_or_else(|| "me".to_owned());
    let mut quoted: Vec<String> = Vec::new();
    let mut bytes = 0;
    for line in conversation.lines.iter().rev().filter(|l| !l.notice) {
        if quoted.len() >= HISTORY_LINES {
            break;
        }
        let who = match line.direction {
            Direction::Outgoing => own_name.as_str(),
            Direction::Incoming => peer_name.as_str(),
        };
        let text = format!("> {who}: {}", line.body.replace('\n', "\n> "));
        bytes += text.len() + 1;
        if bytes > HISTORY_BYTES {
            break;
        }
        quoted.push(text);
    }
    if quoted.is_empty() {
        return None;
    }
    quoted.reverse();
    Some(format!(
        "Earlier, between {own_name} and {peer_name}:\n{}",
        quoted.join("\n")
    ))
}
