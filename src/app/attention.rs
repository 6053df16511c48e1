//! Whether the user is looking, and what follows from it: a notification
//! for a message they cannot see ([`Effect::Notify`]; never for a muted
//! contact or room; in a room only for a message that mentions our nick,
//! [`on_mention`]), and client state indication (XEP-0352, CSI-*) as
//! [`Effect::ClientState`].
//!
//! The terminal UI reports focus changes and idleness as [`ViewMsg`]s
//! (`crate::app::ViewMsg::Focus`, `Idle`); the user is looking while the
//! terminal has the focus and keys keep coming. The server is told only
//! when it offers CSI (CSI-01), only changes (CSI-03, through
//! [`Indicator`]), and again after a new session or a resume (CSI-07).
//! Going inactive never touches our presence (CSI-05).
//!
//! [`ViewMsg`]: crate::app::ViewMsg

use std::collections::BTreeSet;

use jid::{BareJid, Jid};

use crate::xmpp::stanza::csi::{ClientState, Indicator};
use crate::xmpp::stanza::me;
use crate::xmpp::stanza::message::MessageType;

use super::chat::ConversationId;
use super::dispatch::Outcome;
use super::{Effect, State};

/// What the store knows about the user's attention.
#[derive(Clone, Debug, Default)]
pub struct Attention {
    /// Notifications are wanted: a terminal is showing the store (not
    /// `balcony exec`).
    pub notify: bool,
    /// The terminal reported that it lost the focus.
    pub unfocused: bool,
    /// No key for the configured idle time.
    pub idle: bool,
    /// Contacts whose messages never notify (`/mute`), kept between runs.
    pub muted: BTreeSet<BareJid>,
    /// What the server was last told on this stream.
    pub told: Indicator,
}

impl Attention {
    /// True while the user is looking at the terminal.
    pub fn looking(&self) -> bool {
        !self.unfocused && !self.idle
    }

    /// The client state that matches the user's attention.
    pub fn wanted(&self) -> ClientState {
        if self.looking() {
            ClientState::Active
        } else {
            ClientState::Inactive
        }
    }
}

/// A message the user should hear about: who sent it, the conversation's
/// address, and its text (an action reads `Romeo waves`, ME-06). Remote
/// text as received; whoever shows or passes it on sanitises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The sender's name: roster name, else the JID's local part.
    pub from: String,
    /// The conversation's bare JID.
    pub conversation: String,
    pub body: String,
}

/// The terminal gained (`true`) or lost the focus.
pub fn on_focus(state: &mut State, focused: bool, effects: &mut Vec<Effect>) {
    state.attention.unfocused = !focused;
    tell_server(state, effects);
}

/// The user went idle, or pressed a key after being idle.
pub fn on_idle(state: &mut State, idle: bool, effects: &mut Vec<Effect>) {
    state.attention.idle = idle;
    tell_server(state, effects);
}

/// A new session: it starts active (CSI-03); tell the server if the user
/// is away (CSI-07).
pub fn on_online(state: &mut State, effects: &mut Vec<Effect>) {
    state.attention.told = Indicator::new();
    tell_server(state, effects);
}

/// A resumed session: say the current state again (CSI-07); servers
/// differ in what they keep.
pub fn on_resumed(state: &mut State, effects: &mut Vec<Effect>) {
    if !state.features.csi {
        return;
    }
    let wanted = state.attention.wanted();
    let mut told = Indicator::new();
    told.set(wanted);
    state.attention.told = told;
    effects.push(Effect::ClientState(wanted));
}

/// CSI-01, CSI-03: the server hears of a change only when it offers CSI.
fn tell_server(state: &mut State, effects: &mut Vec<Effect>) {
    if !state.features.csi || !state.is_online() {
        return;
    }
    let wanted = state.attention.wanted();
    if state.attention.told.set(wanted).is_some() {
        effects.push(Effect::ClientState(wanted));
    }
}

/// A message arrived in `conversation`: notify when the user cannot see it
/// (another conversation on screen, or not looking), unless the sender is
/// muted.
pub fn on_incoming(
    state: &State,
    conversation: ConversationId,
    from: &Jid,
    kind: MessageType,
    body: &str,
    effects: &mut Vec<Effect>,
) {
    let peer = from.to_bare();
    if !state.attention.notify || state.attention.muted.contains(&peer) {
        return;
    }
    if state.active == Some(conversation) && state.attention.looking() {
        return;
    }
    let name = sender_name(state, from, kind);
    effects.push(Effect::Notify(Notification {
        body: me::plain_text(&name, body).into_owned(),
        from: name,
        conversation: peer.to_string(),
    }));
}

/// A room message from `from` (`room/nick`) that mentions our nick:
/// notified as [`on_incoming`] does, so muting the room or looking at its
/// window keeps it quiet. Other room messages never notify.
pub fn on_mention(
    state: &State,
    conversation: ConversationId,
    from: &Jid,
    body: &str,
    effects: &mut Vec<Effect>,
) {
    on_incoming(
        state,
        conversation,
        from,
        MessageType::Groupchat,
        body,
        effects,
    );
}

/// ME-01, ME-06: a `/me` body in words (`Romeo waves`), with our name for
/// the sender; `None` for any other body, or one with a subject.
pub fn action_text(
    state: &State,
    from: &Jid,
    kind: MessageType,
    subject: Option<&str>,
    body: &str,
) -> Option<String> {
    if subject.is_some() {
        return None;
    }
    let rest = me::action(body)?;
    Some(format!("{} {rest}", sender_name(state, from, kind)))
}

/// ME-01: our name for a sender: in a room the occupant's nick, else the
/// roster name or local part.
fn sender_name(state: &State, from: &Jid, kind: MessageType) -> String {
    match (kind, from.resource()) {
        (MessageType::Groupchat, Some(nick)) => nick.as_str().to_owned(),
        _ => state.display_name(&from.to_bare()),
    }
}

/// `/mute JID`: no more notifications for JID's messages.
pub fn mute(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    let text = format!("{jid} muted: their messages no longer notify");
    if state.attention.muted.insert(jid) {
        effects.push(Effect::SaveMuted);
    }
    Outcome::Done(text)
}

/// `/unmute JID`: the reverse of `/mute`.
pub fn unmute(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) -> Outcome {
    if state.attention.muted.remove(&jid) {
        effects.push(Effect::SaveMuted);
        Outcome::Done(format!("{jid} unmuted"))
    } else {
        Outcome::Failed(format!("{jid} is not muted"))
    }
}
