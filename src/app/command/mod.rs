//! Balcony's one command language: the slash commands typed in the input
//! line, given to `balcony exec` and listed in `[startup] commands`.
//!
//! One static table, [`COMMANDS`], drives parsing ([`parse`]), the `/help`
//! text ([`help`]) and tab completion ([`complete`]), so the three can never
//! disagree. Its rows also hold what the rest of the app asks about a
//! command: whether it works offline, whether it may wait in the send queue
//! while the connection is restored, and whether it can change a roster row.
//! [`Action::spec`] finds the row of any action, so each of these facts has
//! one source. Parsing is pure: a line becomes an [`Action`] or a
//! [`CommandError`] the user can act on, and nothing here touches state, the
//! terminal or the network. These modules import only the `jid` crate and
//! the presence, privacy, muc role/affiliation and vcard field stanza
//! types of `xmpp`.
//!
//! Split by job:
//! - `mod.rs` (this file): the user-intent types ([`Action`],
//!   [`PrivacyCommand`], [`BookmarkCommand`], [`Availability`], [`PresenceChoice`]) and
//!   [`CommandError`];
//! - `table.rs`: [`CommandSpec`] and its rows, [`COMMANDS`] and the [`SAY`]
//!   row for plain text, with [`Action::spec`] and [`Action::label`];
//! - `parse.rs`: [`parse`], and one `parse_*` function per row reading the
//!   words after the command name;
//! - `jid_input.rs`: addresses as typed ([`parse_jid`], [`parse_bare_jid`]):
//!   `xmpp:`/`im:`/`pres:` schemes, %-decoding, the wording of JID errors,
//!   and how any error quotes what the user typed;
//! - `help.rs`: the `/help` text; `complete.rs`: tab completion;
//!   `suggest.rs`: the unknown-command message and its "did you mean";
//! - `tests/`: one file per topic, fixtures in `tests.rs`.
//!
//! A new command is one [`Action`] variant (here), one table row in
//! `table.rs` (name, usage, help text, argument kinds and its three flags;
//! the compiler then asks for the variant's arms in [`Action::spec`] and
//! [`Action::label`]), one parse function in `parse.rs` named by the row,
//! and one handler in its area's `update`, named by one arm of the `run`
//! match in `app::dispatch`. Help and completion
//! follow from the row.

mod complete;
mod help;
mod jid_input;
mod parse;
mod suggest;
mod table;
#[cfg(test)]
mod tests;

pub use complete::{CompletionContext, complete};
pub use help::help;
pub use jid_input::{parse_bare_jid, parse_jid};
pub use parse::parse;
pub use table::{ArgKind, COMMANDS, CommandSpec, SAY};

use jid::{BareJid, Jid};

pub use crate::app::omemo::OmemoCommand;
use crate::xmpp::stanza::muc::{Affiliation, Role};
use crate::xmpp::stanza::presence::Show;
use crate::xmpp::stanza::privacy::{PrivacyItem, PrivacyList};

use jid_input::{not_bare_message, shown};
use suggest::unknown_message;
use table::usage_line;

/// The availability the user can announce with `/status` (RFC 3921 §2.2.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Availability {
    Online,
    Chat,
    Away,
    Xa,
    Dnd,
}

impl Availability {
    /// Every value, in the order help and completion show them.
    pub const ALL: [Availability; 5] = [
        Availability::Online,
        Availability::Chat,
        Availability::Away,
        Availability::Xa,
        Availability::Dnd,
    ];

    /// The word typed for this value.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Online => "online",
            Availability::Chat => "chat",
            Availability::Away => "away",
            Availability::Xa => "xa",
            Availability::Dnd => "dnd",
        }
    }

    /// The `<show/>` to send; plainly online has none.
    pub fn show(self) -> Option<Show> {
        match self {
            Availability::Online => None,
            Availability::Chat => Some(Show::Chat),
            Availability::Away => Some(Show::Away),
            Availability::Xa => Some(Show::Xa),
            Availability::Dnd => Some(Show::Dnd),
        }
    }

    /// Reads a typed word, ignoring case.
    pub fn from_word(word: &str) -> Option<Availability> {
        Availability::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(word))
    }
}

/// What `/presence` sends to one address: an availability, or `unavailable`
/// to end directed presence (PRES-07, PRES-08).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PresenceChoice {
    Available(Availability),
    Unavailable,
}

impl PresenceChoice {
    /// The word typed for this value.
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceChoice::Available(a) => a.as_str(),
            PresenceChoice::Unavailable => "unavailable",
        }
    }

    /// Reads a typed word, ignoring case.
    pub fn from_word(word: &str) -> Option<PresenceChoice> {
        if word.eq_ignore_ascii_case("unavailable") {
            return Some(PresenceChoice::Unavailable);
        }
        Availability::from_word(word).map(PresenceChoice::Available)
    }
}

/// What the user asked for. The app turns it into effects; nothing has
/// happened yet when `parse` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `/msg JID [TEXT]`; without text it only opens the conversation.
    Message { to: Jid, body: Option<String> },
    /// `/join ROOM[/NICK] [PASSWORD] [--configure]` (MUC-07, MUC-08);
    /// `--configure`: a room the join creates waits for its configuration
    /// form instead of opening as an instant room (MUC-45).
    Join {
        room: BareJid,
        nick: Option<String>,
        password: Option<String>,
        configure: bool,
    },
    /// `/leave [ROOM] [TEXT]` (MUC-25); no room: the current one.
    Leave {
        room: Option<BareJid>,
        text: Option<String>,
    },
    /// `/nick NICK` in the current room (MUC-16).
    Nick { nick: String },
    /// `/topic [TEXT]` in the current room: show the subject, or set it
    /// (MUC-20).
    Topic { text: Option<String> },
    /// A moderation command (MUC-36…44) in `room`, given as `--room ROOM`,
    /// else the room of the current window.
    Moderate {
        room: Option<BareJid>,
        order: Moderation,
    },
    /// `/invite JID [TEXT]` (MUC-31, MUC-50): an invitation into `room`
    /// (`--room ROOM`, else the current window's), direct or mediated
    /// (`--direct`, `--mediated`, else by the room's members-only flag).
    Invite {
        room: Option<BareJid>,
        jid: BareJid,
        reason: Option<String>,
        via: crate::app::room::invitation::Via,
    },
    /// `/continue [--room ROOM] [--history] [JID…]` (MUC-32): the 1:1 chat
    /// on screen goes on in a new room, its peer (and `others`) invited.
    Continue {
        room: Option<BareJid>,
        history: bool,
        others: Vec<BareJid>,
    },
    /// `/rooms [SERVICE]` (MUC-01, MUC-02): the public rooms of a chat
    /// service, found on our server when not named.
    Rooms { service: Option<BareJid> },
    /// `/upload PATH [JID]` (UPLOAD-02…09): upload a file and send its
    /// link to `to`, else into the current window.
    Upload { path: String, to: Option<BareJid> },
    /// `/upload cancel`: stop the upload of the current window, else the
    /// most recent one.
    UploadCancel,
    /// `/open [N]` (UPLOAD-10): hand the `n`th newest link of the current
    /// window (1 the newest) to the `[links] command`.
    Open { n: usize },
    /// `/vcard [JID]` (VCARD-01, VCARD-03): a contact's card, or ours.
    Vcard { jid: Option<BareJid> },
    /// `/vcard set FIELD [VALUE]` (VCARD-04): change one field of our
    /// card, or clear it without VALUE.
    VcardSet {
        field: crate::xmpp::stanza::vcard::Field,
        value: Option<String>,
    },
    /// `/vcard retry` (VCARD-06): send the change the server refused again.
    VcardRetry,
    /// `/register ROOM [NICK]` (MUC-33): register a nick with a room.
    Register { room: BareJid, nick: Option<String> },
    /// `/requestvoice [--room ROOM]` (MUC-34): a visitor asks for voice.
    RequestVoice { room: Option<BareJid> },
    /// `/allowvoice [--room ROOM] [NICK]` (MUC-37): approve a waiting
    /// voice request, the named one or the only one.
    AllowVoice {
        room: Option<BareJid>,
        nick: Option<String>,
    },
    /// `/members [--room ROOM] AFFILIATION|ROLE` (MUC-35, MUC-39): one of
    /// the room's affiliation or role lists.
    Members {
        room: Option<BareJid>,
        kind: crate::xmpp::stanza::muc::admin::ListKind,
    },
    /// `/configure [--room ROOM] [KEY=VALUE …|submit|cancel]` (MUC-41…43,
    /// MUC-45): list the room's configuration, change the named fields,
    /// submit the form as it is, or cancel (a room being created is then
    /// destroyed).
    Configure {
        room: Option<BareJid>,
        changes: Vec<(String, String)>,
        step: crate::app::room::configure::Step,
    },
    /// `/invitations`: the invitations waiting for an answer.
    Invitations,
    /// `/accept [ROOM]`: join the room of an invitation (MUC-30, MUC-48).
    Accept { room: Option<BareJid> },
    /// `/decline [ROOM] [TEXT]`: decline an invitation (MUC-30).
    Decline {
        room: Option<BareJid>,
        reason: Option<String>,
    },
    /// `/me TEXT`: an action (XEP-0245), sent to the current conversation
    /// as the body `/me TEXT` (ME-03).
    Me { text: String },
    /// `/correct TEXT`: TEXT replaces our last message in the current
    /// conversation (XEP-0308, CORRECT-03, CORRECT-04).
    Correct { text: String },
    /// `/mute JID`: JID's messages no longer notify.
    Mute { jid: BareJid },
    /// `/unmute JID`
    Unmute { jid: BareJid },
    /// `/normal JID [SUBJECT |] BODY`
    Normal {
        to: Jid,
        subject: Option<String>,
        body: String,
    },
    /// `/headline JID [SUBJECT |] BODY`
    Headline {
        to: Jid,
        subject: Option<String>,
        body: String,
    },
    /// `/add JID [NAME]`: roster add, then subscribe (SUB-02).
    Add { jid: BareJid, name: Option<String> },
    /// `/remove JID`
    Remove { jid: BareJid },
    /// `/rename JID [NAME]`; no name clears it.
    Rename { jid: BareJid, name: Option<String> },
    /// `/group JID GROUP[,GROUP…]`; empty `groups` (typed as `-`) clears them.
    /// Never holds an empty or repeated name (ROS-16).
    Group { jid: BareJid, groups: Vec<String> },
    /// `/subscribe JID [TEXT]` (SUB-01, SUB-03).
    Subscribe {
        jid: BareJid,
        greeting: Option<String>,
    },
    /// `/unsubscribe JID` (SUB-10).
    Unsubscribe { jid: BareJid },
    /// `/approve JID` (SUB-04).
    Approve { jid: BareJid },
    /// `/deny JID` (SUB-04).
    Deny { jid: BareJid },
    /// `/cancel JID` (SUB-09).
    Cancel { jid: BareJid },
    /// `/preapprove JID`
    Preapprove { jid: BareJid },
    /// `/status online|chat|away|xa|dnd [TEXT]`
    Status {
        availability: Availability,
        text: Option<String>,
    },
    /// `/priority N`, already checked against -128..=127 (SYN-13).
    Priority(i8),
    /// `/presence JID CHOICE [TEXT]`: directed presence (PRES-07, PRES-08).
    Presence {
        to: Jid,
        choice: PresenceChoice,
        text: Option<String>,
    },
    /// `/roster`
    Roster,
    /// `/contact JID`
    Contact { jid: BareJid },
    /// `/help [COMMAND]`; the topic is lower-cased, without a leading `/`.
    Help { topic: Option<String> },
    /// `/quit [TEXT]`
    Quit { status: Option<String> },
    /// A line without a leading `/` (or with `//`, sent as `/…`): text for
    /// the current conversation.
    Say { text: String },
    /// `/reconnect`
    Reconnect,
    /// `/disconnect [TEXT]`: go offline but keep balcony open.
    Disconnect { status: Option<String> },
    /// `/search TEXT`: find messages in the history.
    Search { text: String },
    /// `/block JID`
    Block { jid: Jid },
    /// `/unblock JID|*`; `None` unblocks everyone.
    Unblock { jid: Option<Jid> },
    /// `/blocklist`
    Blocklist,
    /// `/privacy …`
    Privacy(PrivacyCommand),
    /// `/bookmark [list|add|remove] …` (XEP-0402, XEP-0048).
    Bookmark(BookmarkCommand),
    /// `/bookmark add|remove` without ROOM: the room window on screen.
    BookmarkHere(BookmarkHere),
    /// `/omemo on|off|fingerprints [JID]`, `/omemo trust|untrust JID
    /// FINGERPRINT` (XEP-0384, OMEMO-31, OMEMO-50…52).
    Omemo(OmemoCommand),
}

/// `/bookmark add|remove` for the room window on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookmarkHere {
    /// As [`BookmarkEdit`]; without `--nick`, our nick in the room.
    Add {
        name: Option<String>,
        nick: Option<String>,
        password: Option<String>,
        autojoin: Option<bool>,
    },
    Remove,
}

/// The `/bookmark` subcommands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookmarkCommand {
    /// Every bookmark: room, name, autojoin, nick.
    List,
    /// Adds a bookmark, or edits the one for the room.
    Add(BookmarkEdit),
    /// Removes the bookmark for the room.
    Remove(BareJid),
}

/// What `/bookmark add` sets; a field left `None` keeps the bookmark's
/// value when it exists (and is unset for a new one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookmarkEdit {
    pub room: BareJid,
    pub name: Option<String>,
    pub nick: Option<String>,
    /// Given only when the user asked to store it (BOOKMARKS-15).
    pub password: Option<String>,
    /// `--autojoin` or `--no-autojoin`.
    pub autojoin: Option<bool>,
}

/// A moderation command's own part (XEP-0045 §8…§10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Moderation {
    /// `/kick NICK [TEXT]` (MUC-36).
    Kick {
        nick: String,
        reason: Option<String>,
    },
    /// `/ban JID|NICK [TEXT]` (MUC-38).
    Ban {
        target: Target,
        reason: Option<String>,
    },
    /// `/voice NICK` (MUC-37).
    Voice { nick: String },
    /// `/devoice NICK` (MUC-37).
    Devoice { nick: String },
    /// `/role NICK ROLE` (MUC-39).
    Role { nick: String, role: Role },
    /// `/affiliation JID|NICK AFFILIATION` (MUC-39).
    Affiliation {
        target: Target,
        affiliation: Affiliation,
    },
    /// `/destroy [TEXT]` (MUC-44).
    Destroy { reason: Option<String> },
}

/// Whom an affiliation change names: a user by bare JID, or an occupant
/// whose real JID the room shows (MUC-38).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Jid(BareJid),
    Nick(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Jid(jid) => write!(f, "{jid}"),
            Target::Nick(nick) => f.write_str(nick),
        }
    }
}

/// Why a line could not become an [`Action`]. `Display` gives a sentence
/// that says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The command name as typed (without the `/`); the message suggests a
    /// close or unique-prefix match.
    #[error("{}", unknown_message(.0))]
    Unknown(String),
    /// Missing, extra or malformed arguments. `usage` is the spec's argument
    /// synopsis ([`CommandSpec::args`]); the message shows the whole line.
    #[error("{problem}; usage: {}", usage_line(.command, .usage))]
    Usage {
        command: &'static str,
        usage: &'static str,
        problem: String,
    },
    /// `input` is what the user typed, `reason` says what is wrong with it.
    #[error("{} is not a valid JID: {reason}", shown(.input))]
    InvalidJid { input: String, reason: String },
    /// The command needs a bare JID; holds the (normalised) full JID typed.
    #[error("{}", not_bare_message(.0))]
    NotBare(String),
    /// The message from
    /// [`parse_priority`](crate::xmpp::stanza::presence::parse_priority)
    /// (SYN-13).
    #[error("{0}")]
    InvalidPriority(String),
    #[error("the line is empty: type a message, or /help to list the commands")]
    Empty,
}

/// The `/privacy` subcommands (RFC 3921 §10 / XEP-0016).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrivacyCommand {
    /// Every list, with the active and default markers.
    List,
    Show(String),
    /// `None` declines the active list (PRIV-15).
    Active(Option<String>),
    /// `None` declines the default list (PRIV-17).
    Default(Option<String>),
    Delete(String),
    /// Adds or replaces the rule with this order, sending the whole list.
    Rule {
        list: String,
        item: PrivacyItem,
    },
    /// Removes the rule with this order, sending the whole list.
    Unrule {
        list: String,
        order: u32,
    },
    /// Sends a whole list as edited (the privacy editor; not typed).
    Save(PrivacyList),
}
