//! Balcony's one command language: the slash commands typed in the input
//! line, given to `balcony exec` and listed in `[startup] commands`.
//!
//! One static table, [`COMMANDS`], drives parsing ([`parse`]), the `/help`
//! text ([`help`]) and tab completion ([`complete`]), so the three can never
//! disagree. Parsing is pure: a line becomes an [`Action`] or a
//! [`CommandError`] the user can act on, and nothing here touches state, the
//! terminal or the network. This file imports only the `jid` crate and the
//! presence helpers of `xmpp`. A new command is one [`Action`] variant, one
//! parse function and one table entry; help and completion follow.

use std::borrow::Cow;
use std::collections::HashSet;

use jid::{BareJid, Jid};

use crate::xmpp::stanza::privacy::{PrivacyItem, PrivacyList};

use crate::xmpp::stanza::presence::{Show, parse_priority};

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
    /// The message from [`parse_priority`] (SYN-13).
    #[error("{0}")]
    InvalidPriority(String),
    #[error("the line is empty: type a message, or /help to list the commands")]
    Empty,
}

/// What an argument position holds; completion offers candidates by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// Any JID, full or bare.
    Jid,
    /// A JID without a resource.
    BareJid,
    /// A comma-separated list of groups that runs to the end of the line.
    Group,
    Availability,
    PresenceChoice,
    /// Free text to the end of the line.
    Text,
    Number,
    /// A command name (the topic of `/help`).
    Command,
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

/// One command: its name, how it is typed, what it does, and its parser.
#[derive(Debug)]
pub struct CommandSpec {
    /// Typed after `/`, matched without regard to case.
    pub name: &'static str,
    /// The argument synopsis, e.g. `"JID [TEXT]"`.
    pub args: &'static str,
    /// One lower-case line for the `/help` list.
    pub summary: &'static str,
    /// More for `/help COMMAND`: examples and caveats.
    pub details: &'static str,
    /// What each word position holds, for completion.
    pub args_kinds: &'static [ArgKind],
    parse: fn(&mut Args<'_>) -> Result<Action, CommandError>,
}

impl CommandSpec {
    /// The whole usage line, e.g. `/msg JID [TEXT]`.
    pub fn usage(&self) -> String {
        usage_line(self.name, self.args)
    }
}

const AVAILABILITY_WORDS: &str = "online, chat, away, xa or dnd";

/// The table behind parsing, help and completion, in the order `/help`
/// lists them.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "msg",
        args: "JID [TEXT]",
        summary: "open a conversation, sending TEXT if given",
        details: "JID may be a full address to reach one device \
                  (romeo@example.net/orchard). xmpp:, im: and pres: addresses are accepted.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_msg,
    },
    CommandSpec {
        name: "normal",
        args: "JID [SUBJECT |] BODY",
        summary: "send a normal (mail-like) message",
        details: "The text before the first \" | \" is the subject, e.g. \
                  /normal romeo@example.net Tonight | Meet me below the balcony.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_normal,
    },
    CommandSpec {
        name: "headline",
        args: "JID [SUBJECT |] BODY",
        summary: "send a headline (a notice that expects no reply)",
        details: "The text before the first \" | \" is the subject.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_headline,
    },
    CommandSpec {
        name: "add",
        args: "JID [NAME]",
        summary: "add a contact and ask to see their presence",
        details: "Adds the contact to your roster with NAME, then sends a subscription request.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_add,
    },
    CommandSpec {
        name: "remove",
        args: "JID",
        summary: "remove a contact from your roster",
        details: "This also ends the subscriptions in both directions.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_remove,
    },
    CommandSpec {
        name: "rename",
        args: "JID [NAME]",
        summary: "set a contact's name, or clear it",
        details: "Without NAME the contact is shown by their address again.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_rename,
    },
    CommandSpec {
        name: "group",
        args: "JID GROUP[,GROUP…]",
        summary: "put a contact in these groups instead of the old ones",
        details: "Separate groups with commas; names may contain spaces and keep their case. \
                  Empty and repeated names are dropped. A lone - removes all groups.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Group],
        parse: parse_group,
    },
    CommandSpec {
        name: "subscribe",
        args: "JID [TEXT]",
        summary: "ask to see a contact's presence, with an optional greeting",
        details: "The contact sees TEXT with your request.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_subscribe,
    },
    CommandSpec {
        name: "unsubscribe",
        args: "JID",
        summary: "stop seeing a contact's presence",
        details: "The contact can still see yours; use /cancel for that.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_unsubscribe,
    },
    CommandSpec {
        name: "approve",
        args: "JID",
        summary: "let a contact who asked see your presence",
        details: "Answers a pending subscription request with yes.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_approve,
    },
    CommandSpec {
        name: "deny",
        args: "JID",
        summary: "refuse a contact's request to see your presence",
        details: "Answers a pending subscription request with no.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_deny,
    },
    CommandSpec {
        name: "cancel",
        args: "JID",
        summary: "stop letting a contact see your presence",
        details: "Takes back a subscription you approved earlier.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_cancel,
    },
    CommandSpec {
        name: "preapprove",
        args: "JID",
        summary: "approve a contact's request before they ask",
        details: "Only works when your server supports subscription pre-approval.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_preapprove,
    },
    CommandSpec {
        name: "status",
        args: "online|chat|away|xa|dnd [TEXT]",
        summary: "set your availability and an optional status message",
        details: "xa means extended away, dnd means do not disturb.",
        args_kinds: &[ArgKind::Availability, ArgKind::Text],
        parse: parse_status,
    },
    CommandSpec {
        name: "priority",
        args: "N",
        summary: "set this resource's priority, from -128 to 127",
        details: "With a negative priority this resource gets no messages sent to your bare address.",
        args_kinds: &[ArgKind::Number],
        parse: parse_priority_command,
    },
    CommandSpec {
        name: "presence",
        args: "JID online|chat|away|xa|dnd|unavailable [TEXT]",
        summary: "send your presence to one address only",
        details: "For a room or someone outside your roster. Send unavailable when you are done; \
                  the server also does so when you log off.",
        args_kinds: &[ArgKind::Jid, ArgKind::PresenceChoice, ArgKind::Text],
        parse: parse_presence,
    },
    CommandSpec {
        name: "roster",
        args: "",
        summary: "list your contacts",
        details: "Shows each contact's name, address and subscription.",
        args_kinds: &[],
        parse: parse_roster,
    },
    CommandSpec {
        name: "contact",
        args: "JID",
        summary: "show a contact's resources, subscription and groups",
        details: "Lists every online resource with its availability and status message.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_contact,
    },
    CommandSpec {
        name: "help",
        args: "[COMMAND]",
        summary: "list the commands, or explain one",
        details: "A line without a leading / goes to the current conversation; \
                  start it with // to send text that begins with /.",
        args_kinds: &[ArgKind::Command],
        parse: parse_help,
    },
    CommandSpec {
        name: "block",
        args: "JID",
        summary: "block all communication with JID",
        details: "Uses the server's blocking command (XEP-0191) when it has one; otherwise \
                  adds JID to the privacy list balcony-blocked and makes that list active \
                  and default, leaving your other lists alone. JID may be a domain.",
        args_kinds: &[ArgKind::Jid],
        parse: parse_block,
    },
    CommandSpec {
        name: "unblock",
        args: "JID|*",
        summary: "unblock JID, or everyone with *",
        details: "The reverse of /block.",
        args_kinds: &[ArgKind::Jid],
        parse: parse_unblock,
    },
    CommandSpec {
        name: "blocklist",
        args: "",
        summary: "list who is blocked",
        details: "The server's blocklist, or the deny rules of balcony-blocked.",
        args_kinds: &[],
        parse: parse_blocklist,
    },
    CommandSpec {
        name: "privacy",
        args: "[list|show|active|default|decline|delete|rule|unrule …]",
        summary: "manage privacy lists",
        details: "list (or nothing): every list, with the active (*) and default (d) markers. \
                  show NAME: its rules. active/default NAME: use it for this session / for \
                  the account (an active list replaces the default one; they never stack). \
                  decline active|default: use none. delete NAME. \
                  rule NAME ORDER allow|deny [jid JID|group GROUP|subscription none|to|from|both] \
                  [message,iq,presence-in,presence-out]: add or replace the rule with that \
                  order (no TYPE: every sender; no KINDS: every stanza). unrule NAME ORDER: \
                  remove it. Every change sends the whole list. Quote a group with spaces: \
                  group \"Close Friends\".",
        args_kinds: &[ArgKind::Text],
        parse: parse_privacy,
    },
    CommandSpec {
        name: "search",
        args: "TEXT",
        summary: "find messages containing TEXT in the history",
        details: "Searches every conversation, newest first, regardless of case.",
        args_kinds: &[ArgKind::Text],
        parse: parse_search,
    },
    CommandSpec {
        name: "reconnect",
        args: "",
        summary: "connect again now",
        details: "Drops the connection (or cuts short the wait for the next attempt) and logs in \
                  again, resuming the session when the server allows.",
        args_kinds: &[],
        parse: parse_reconnect,
    },
    CommandSpec {
        name: "disconnect",
        args: "[TEXT]",
        summary: "go offline but keep balcony open",
        details: "Sends unavailable presence (with TEXT as the status) and closes the stream; \
                  /reconnect comes back.",
        args_kinds: &[ArgKind::Text],
        parse: parse_disconnect,
    },
    CommandSpec {
        name: "quit",
        args: "[TEXT]",
        summary: "go offline, with an optional goodbye status, and leave",
        details: "Contacts see TEXT as your last status message.",
        args_kinds: &[ArgKind::Text],
        parse: parse_quit,
    },
];

/// Turns one line into an action. Surrounding whitespace is ignored; a line
/// that does not start with `/` is text for the current conversation.
pub fn parse(line: &str) -> Result<Action, CommandError> {
    let line = line.trim();
    if line.is_empty() {
        return Err(CommandError::Empty);
    }
    let Some(command_line) = line.strip_prefix('/') else {
        return Ok(Action::Say {
            text: line.to_owned(),
        });
    };
    if command_line.starts_with('/') {
        // "//" escapes the slash so text like "/shrug" can be sent as is.
        return Ok(Action::Say {
            text: command_line.to_owned(),
        });
    }
    let name_end = command_line
        .find(char::is_whitespace)
        .unwrap_or(command_line.len());
    let (name, rest) = command_line.split_at(name_end);
    let spec = find_command(name).ok_or_else(|| CommandError::Unknown(name.to_owned()))?;
    (spec.parse)(&mut Args { spec, rest })
}

/// Reads a JID the user typed (COMP-03, I18N-06): trims it, strips an
/// `xmpp:`, `im:` or `pres:` scheme, then normalises it with stringprep.
pub fn parse_jid(input: &str) -> Result<Jid, CommandError> {
    let input = input.trim();
    let invalid = |reason: String| CommandError::InvalidJid {
        input: input.to_owned(),
        reason,
    };
    let address = strip_scheme(input).map_err(invalid)?;
    if address.is_empty() {
        return Err(invalid("it is empty".to_owned()));
    }
    Jid::new(&address).map_err(|e| invalid(jid_reason(&e)))
}

/// Like [`parse_jid`], but refuses a JID with a resource: roster and
/// subscription commands address the contact, never one of their devices
/// (SUB-01, SUB-05).
pub fn parse_bare_jid(input: &str) -> Result<BareJid, CommandError> {
    match parse_jid(input)?.try_into_full() {
        Ok(full) => Err(CommandError::NotBare(full.to_string())),
        Err(bare) => Ok(bare),
    }
}

/// The `/help` text: every command on one aligned line, or one command in
/// detail.
pub fn help(topic: Option<&str>) -> Result<String, CommandError> {
    let topic = topic
        .map(|t| t.trim().trim_start_matches('/'))
        .filter(|t| !t.is_empty());
    let Some(topic) = topic else {
        return Ok(help_overview());
    };
    let spec = find_command(topic).ok_or_else(|| CommandError::Unknown(topic.to_owned()))?;
    Ok(format!(
        "{}\n  {}\n  {}",
        spec.usage(),
        spec.summary,
        spec.details
    ))
}

fn help_overview() -> String {
    let width = COMMANDS
        .iter()
        .map(|spec| spec.usage().chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::from("Commands (/help COMMAND tells more):\n");
    for spec in COMMANDS {
        text.push_str(&format!("{:<width$}  {}\n", spec.usage(), spec.summary));
    }
    text.push_str(
        "A line without a leading / goes to the current conversation; \
         start it with // to send text that begins with /.",
    );
    text
}

/// What completion may offer: the roster's JIDs (bare or full) and groups.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompletionContext<'a> {
    pub jids: &'a [String],
    pub groups: &'a [String],
}

/// Candidates for the last word of `line` (the cursor is at its end), each a
/// whole replacement line, sorted and without duplicates. Command names
/// complete by prefix even though `parse` wants them whole.
pub fn complete(line: &str, ctx: &CompletionContext<'_>) -> Vec<String> {
    let Some(command_line) = line.strip_prefix('/') else {
        return Vec::new();
    };
    if command_line.starts_with('/') {
        return Vec::new();
    }
    let mut candidates = match command_line.find(char::is_whitespace) {
        None => command_names(command_line)
            .map(|name| format!("/{name}"))
            .collect(),
        Some(name_end) => match find_command(&command_line[..name_end]) {
            Some(spec) => complete_args(line, 1 + name_end, spec, ctx),
            None => Vec::new(),
        },
    };
    candidates.sort();
    candidates.dedup();
    candidates
}

fn complete_args(
    line: &str,
    mut pos: usize,
    spec: &CommandSpec,
    ctx: &CompletionContext<'_>,
) -> Vec<String> {
    // Walk the words; the one touching the end of the line is being typed.
    for kind in spec.args_kinds {
        let rest = &line[pos..];
        let word_start = pos + (rest.len() - rest.trim_start().len());
        match kind {
            ArgKind::Text => return Vec::new(),
            ArgKind::Group => return complete_groups(line, word_start, ctx),
            _ => {}
        }
        match line[word_start..].find(char::is_whitespace) {
            Some(len) => pos = word_start + len,
            None => return complete_word(line, word_start, *kind, ctx),
        }
    }
    Vec::new()
}

fn complete_word(
    line: &str,
    word_start: usize,
    kind: ArgKind,
    ctx: &CompletionContext<'_>,
) -> Vec<String> {
    let (head, partial) = line.split_at(word_start);
    let words: Vec<&str> = match kind {
        ArgKind::Jid => ctx.jids.iter().map(String::as_str).collect(),
        ArgKind::BareJid => ctx.jids.iter().map(|j| bare_part(j)).collect(),
        ArgKind::Availability => Availability::ALL.iter().map(|a| a.as_str()).collect(),
        ArgKind::PresenceChoice => Availability::ALL
            .iter()
            .map(|a| a.as_str())
            .chain([PresenceChoice::Unavailable.as_str()])
            .collect(),
        ArgKind::Command => command_names("").collect(),
        ArgKind::Group | ArgKind::Text | ArgKind::Number => Vec::new(),
    };
    words
        .into_iter()
        .filter(|word| starts_with_ignoring_case(word, partial))
        .map(|word| format!("{head}{word}"))
        .collect()
}

/// Completes the group after the last comma, leaving the earlier ones as
/// typed and not offering them again.
fn complete_groups(line: &str, list_start: usize, ctx: &CompletionContext<'_>) -> Vec<String> {
    let list = &line[list_start..];
    let (done, partial) = match list.rfind(',') {
        Some(comma) => (&list[..comma], list[comma + 1..].trim_start()),
        None => ("", list),
    };
    let head = &line[..line.len() - partial.len()];
    let chosen: HashSet<&str> = done.split(',').map(str::trim).collect();
    ctx.groups
        .iter()
        .filter(|group| !chosen.contains(group.as_str()))
        .filter(|group| starts_with_ignoring_case(group, partial))
        .map(|group| format!("{head}{group}"))
        .collect()
}

fn command_names(prefix: &str) -> impl Iterator<Item = &'static str> + '_ {
    COMMANDS
        .iter()
        .map(|spec| spec.name)
        .filter(move |name| starts_with_ignoring_case(name, prefix))
}

fn starts_with_ignoring_case(candidate: &str, prefix: &str) -> bool {
    candidate.to_lowercase().starts_with(&prefix.to_lowercase())
}

fn bare_part(jid: &str) -> &str {
    jid.split_once('/').map_or(jid, |(bare, _)| bare)
}

fn find_command(name: &str) -> Option<&'static CommandSpec> {
    // Whole names only: a unique prefix such as "/rem" could remove a
    // contact the user meant to rename.
    COMMANDS
        .iter()
        .find(|spec| spec.name.eq_ignore_ascii_case(name))
}

/// The words after the command name, consumed left to right.
struct Args<'a> {
    spec: &'static CommandSpec,
    rest: &'a str,
}

impl<'a> Args<'a> {
    fn usage(&self, problem: String) -> CommandError {
        CommandError::Usage {
            command: self.spec.name,
            usage: self.spec.args,
            problem,
        }
    }

    fn word(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, rest) = rest.split_at(end);
        self.rest = rest;
        (!word.is_empty()).then_some(word)
    }

    fn required(&mut self, what: &str) -> Result<&'a str, CommandError> {
        self.word()
            .ok_or_else(|| self.usage(format!("missing {what}")))
    }

    /// The rest of the line with its inner spacing kept; `None` when blank.
    fn text(&mut self) -> Option<String> {
        let text = self.rest.trim();
        self.rest = "";
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn required_text(&mut self, what: &str) -> Result<String, CommandError> {
        self.text()
            .ok_or_else(|| self.usage(format!("missing {what}")))
    }

    fn finish(&self) -> Result<(), CommandError> {
        match self.rest.trim() {
            "" => Ok(()),
            extra => Err(self.usage(format!("unexpected extra text {}", shown(extra)))),
        }
    }

    fn jid(&mut self) -> Result<Jid, CommandError> {
        parse_jid(self.required("the JID")?)
    }

    fn bare_jid(&mut self) -> Result<BareJid, CommandError> {
        parse_bare_jid(self.required("the JID")?)
    }

    /// A command whose only argument is a bare JID.
    fn only_bare_jid(&mut self) -> Result<BareJid, CommandError> {
        let jid = self.bare_jid()?;
        self.finish()?;
        Ok(jid)
    }

    /// `[SUBJECT |] BODY` for /normal and /headline.
    fn subject_and_body(&mut self) -> Result<(Option<String>, String), CommandError> {
        let text = self.required_text("the message text")?;
        let (subject, body) = split_subject(&text);
        if body.is_empty() {
            return Err(self.usage("the message has a subject but no body".to_owned()));
        }
        Ok((subject.map(str::to_owned), body.to_owned()))
    }
}

/// Splits at the first `|` that stands alone (whitespace or an end on both
/// sides), so `a|b` in a body is left alone.
fn split_subject(text: &str) -> (Option<&str>, &str) {
    let mut after_space = true;
    for (i, c) in text.char_indices() {
        if c == '|' && after_space {
            let after = &text[i + 1..];
            if after.chars().next().is_none_or(char::is_whitespace) {
                let subject = text[..i].trim();
                return ((!subject.is_empty()).then_some(subject), after.trim());
            }
        }
        after_space = c.is_whitespace();
    }
    (None, text.trim())
}

fn parse_msg(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    Ok(Action::Message {
        to,
        body: args.text(),
    })
}

fn parse_normal(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    let (subject, body) = args.subject_and_body()?;
    Ok(Action::Normal { to, subject, body })
}

fn parse_headline(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    let (subject, body) = args.subject_and_body()?;
    Ok(Action::Headline { to, subject, body })
}

fn parse_add(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    Ok(Action::Add {
        jid,
        name: args.text(),
    })
}

fn parse_remove(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Remove {
        jid: args.only_bare_jid()?,
    })
}

fn parse_rename(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    Ok(Action::Rename {
        jid,
        name: args.text(),
    })
}

fn parse_group(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    let list = args.required_text("the group names (separate them with commas)")?;
    if list == "-" {
        return Ok(Action::Group {
            jid,
            groups: Vec::new(),
        });
    }
    // ROS-16: never send an empty or repeated <group/>; names are otherwise
    // kept as typed, case included.
    let mut seen = HashSet::new();
    let groups: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|group| !group.is_empty() && seen.insert(*group))
        .map(str::to_owned)
        .collect();
    if groups.is_empty() {
        return Err(args.usage("no group names given (a lone - clears all groups)".to_owned()));
    }
    Ok(Action::Group { jid, groups })
}

fn parse_subscribe(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    Ok(Action::Subscribe {
        jid,
        greeting: args.text(),
    })
}

fn parse_unsubscribe(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Unsubscribe {
        jid: args.only_bare_jid()?,
    })
}

fn parse_approve(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Approve {
        jid: args.only_bare_jid()?,
    })
}

fn parse_deny(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Deny {
        jid: args.only_bare_jid()?,
    })
}

fn parse_cancel(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Cancel {
        jid: args.only_bare_jid()?,
    })
}

fn parse_preapprove(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Preapprove {
        jid: args.only_bare_jid()?,
    })
}

fn parse_status(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let word = args.required(&format!("the availability ({AVAILABILITY_WORDS})"))?;
    let availability = Availability::from_word(word).ok_or_else(|| {
        args.usage(format!(
            "unknown availability {}: use {AVAILABILITY_WORDS}",
            shown(word)
        ))
    })?;
    Ok(Action::Status {
        availability,
        text: args.text(),
    })
}

fn parse_priority_command(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let word = args.required("the priority (a whole number from -128 to 127)")?;
    args.finish()?;
    parse_priority(word)
        .map(Action::Priority)
        .map_err(CommandError::InvalidPriority)
}

fn parse_presence(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    let word = args.required(&format!(
        "the presence ({AVAILABILITY_WORDS}, or unavailable)"
    ))?;
    let choice = PresenceChoice::from_word(word).ok_or_else(|| {
        args.usage(format!(
            "unknown presence {}: use {AVAILABILITY_WORDS}, or unavailable",
            shown(word)
        ))
    })?;
    Ok(Action::Presence {
        to,
        choice,
        text: args.text(),
    })
}

fn parse_roster(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Roster)
}

fn parse_contact(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Contact {
        jid: args.only_bare_jid()?,
    })
}

fn parse_help(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let topic = args
        .word()
        .map(|t| t.trim_start_matches('/').to_lowercase())
        .filter(|t| !t.is_empty());
    args.finish()?;
    Ok(Action::Help { topic })
}

fn parse_search(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Search {
        text: args.required_text("the text to find")?,
    })
}

fn parse_reconnect(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Reconnect)
}

fn parse_disconnect(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Disconnect {
        status: args.text(),
    })
}

fn parse_block(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.jid()?;
    args.finish()?;
    Ok(Action::Block { jid })
}

fn parse_unblock(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let word = args.required("the JID (or * for everyone)")?;
    args.finish()?;
    if word == "*" {
        return Ok(Action::Unblock { jid: None });
    }
    Ok(Action::Unblock {
        jid: Some(parse_jid(word)?),
    })
}

fn parse_blocklist(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Blocklist)
}

fn parse_privacy(args: &mut Args<'_>) -> Result<Action, CommandError> {
    // A bare `/privacy` lists the lists, as `/blocklist` does for blocking.
    let sub = args.word().unwrap_or("list").to_lowercase();
    let command = match sub.as_str() {
        "list" => PrivacyCommand::List,
        "show" => PrivacyCommand::Show(args.required("the list name")?.to_owned()),
        "active" => PrivacyCommand::Active(Some(args.required("the list name")?.to_owned())),
        "default" => PrivacyCommand::Default(Some(args.required("the list name")?.to_owned())),
        "decline" => match args.required("active or default")? {
            "active" => PrivacyCommand::Active(None),
            "default" => PrivacyCommand::Default(None),
            other => {
                return Err(args.usage(format!(
                    "decline takes active or default, not {}",
                    shown(other)
                )));
            }
        },
        "delete" => PrivacyCommand::Delete(args.required("the list name")?.to_owned()),
        "rule" => {
            let list = args.required("the list name")?.to_owned();
            let item = parse_rule(args)?;
            PrivacyCommand::Rule { list, item }
        }
        "unrule" => {
            let list = args.required("the list name")?.to_owned();
            let order = parse_order(args)?;
            PrivacyCommand::Unrule { list, order }
        }
        other => {
            return Err(args.usage(format!(
                "unknown subcommand {}: use list, show, active, default, decline, delete, rule or unrule",
                shown(other)
            )));
        }
    };
    args.finish()?;
    Ok(Action::Privacy(command))
}

fn parse_order(args: &mut Args<'_>) -> Result<u32, CommandError> {
    let word = args.required("the rule's order (a whole number)")?;
    word.parse::<u32>().map_err(|_| {
        args.usage(format!(
            "the order must be a whole number from 0 up, not {}",
            shown(word)
        ))
    })
}

/// `ORDER allow|deny [TYPE VALUE] [KINDS]` (PRIV-05, PRIV-06).
fn parse_rule(args: &mut Args<'_>) -> Result<PrivacyItem, CommandError> {
    use crate::xmpp::stanza::privacy::{ItemType, PrivacyAction, StanzaKinds};
    let order = parse_order(args)?;
    let action = match args.required("allow or deny")? {
        "allow" => PrivacyAction::Allow,
        "deny" => PrivacyAction::Deny,
        other => {
            return Err(args.usage(format!("the action is allow or deny, not {}", shown(other))));
        }
    };
    let mut item = PrivacyItem {
        kind: None,
        value: None,
        action,
        order,
        stanzas: StanzaKinds::default(),
    };
    let mut next = args.word();
    let kind = match next {
        Some("jid") => Some(ItemType::Jid),
        Some("group") => Some(ItemType::Group),
        Some("subscription") => Some(ItemType::Subscription),
        _ => None,
    };
    if let Some(kind) = kind {
        let value =
            quoted_word(args).ok_or_else(|| args.usage("missing the rule's value".to_owned()))?;
        if kind == ItemType::Jid {
            parse_jid(&value)?;
        }
        item.kind = Some(kind);
        item.value = Some(value);
        next = args.word();
    }
    if let Some(kinds) = next {
        for kind in kinds.split(',').filter(|k| !k.is_empty()) {
            match kind {
                "message" => item.stanzas.message = true,
                "iq" => item.stanzas.iq = true,
                "presence-in" => item.stanzas.presence_in = true,
                "presence-out" => item.stanzas.presence_out = true,
                other => {
                    return Err(args.usage(format!(
                        "stanza kinds are message, iq, presence-in and presence-out, not {}",
                        shown(other)
                    )));
                }
            }
        }
    }
    Ok(item)
}

/// A word, or a "double-quoted phrase" with its spaces.
fn quoted_word(args: &mut Args<'_>) -> Option<String> {
    let rest = args.rest.trim_start();
    if let Some(inner) = rest.strip_prefix('"') {
        let end = inner.find('"')?;
        args.rest = &inner[end + 1..];
        return Some(inner[..end].to_owned());
    }
    args.word().map(str::to_owned)
}

fn parse_quit(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Quit {
        status: args.text(),
    })
}

/// Strips a URI scheme (COMP-03). CPIM `im:`/`pres:` only lose the scheme;
/// an RFC 5122 `xmpp:` URI also loses its authority, query and fragment and
/// is %-decoded.
fn strip_scheme(input: &str) -> Result<Cow<'_, str>, String> {
    if let Some(rest) = strip_prefix_ignoring_case(input, "xmpp:") {
        let path = match rest.strip_prefix("//") {
            Some(authority_and_path) => authority_and_path
                .split_once('/')
                .map_or("", |(_, path)| path),
            None => rest,
        };
        let end = path.find(['?', '#']).unwrap_or(path.len());
        return percent_decode(&path[..end])
            .map(Cow::Owned)
            .ok_or_else(|| "the xmpp: address has a broken %-escape".to_owned());
    }
    for scheme in ["im:", "pres:"] {
        if let Some(rest) = strip_prefix_ignoring_case(input, scheme) {
            return Ok(Cow::Borrowed(rest));
        }
    }
    Ok(Cow::Borrowed(input))
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `jid` crate's errors, reworded for someone typing an address.
fn jid_reason(error: &jid::Error) -> String {
    use jid::Error as E;
    match error {
        E::NodeEmpty => "there is nothing before the @".to_owned(),
        E::ResourceEmpty => "there is nothing after the /".to_owned(),
        E::NodeTooLong => "the part before the @ is longer than 1023 bytes".to_owned(),
        E::ResourceTooLong => "the part after the / is longer than 1023 bytes".to_owned(),
        E::NodePrep => "the part before the @ has a character not allowed there \
             (such as a space, \", &, ', :, < or >)"
            .to_owned(),
        E::NamePrep | E::Idna => "the part after the @ is not a valid domain name".to_owned(),
        E::ResourcePrep => "the part after the / has a character not allowed there".to_owned(),
        E::TooManyAts => "it has more than one @ before the /".to_owned(),
        E::ResourceMissingInFullJid | E::ResourceInBareJid => error.to_string(),
    }
}

/// How many characters of user input an error message repeats.
const MAX_SHOWN_CHARS: usize = 64;

/// User input for an error message: cut short, control characters escaped so
/// the message stays one printable line.
fn shown_plain(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn shown(text: &str) -> String {
    format!("\"{}\"", shown_plain(text))
}

fn usage_line(name: &str, args: &str) -> String {
    if args.is_empty() {
        format!("/{name}")
    } else {
        format!("/{name} {args}")
    }
}

fn unknown_message(name: &str) -> String {
    if name.is_empty() {
        return "a command name must follow the / (try /help; type // to send text \
                that begins with /)"
            .to_owned();
    }
    let name_shown = shown_plain(name);
    match suggestion(name) {
        Some(close) => {
            format!("unknown command /{name_shown}: did you mean /{close}? (try /help)")
        }
        None => format!("unknown command /{name_shown} (try /help)"),
    }
}

fn not_bare_message(full: &str) -> String {
    match full.split_once('/') {
        Some((bare, resource)) => format!(
            "use the bare address {}, without /{}",
            shown_plain(bare),
            shown_plain(resource)
        ),
        None => format!("use the bare address {}", shown_plain(full)),
    }
}

/// The command the user probably meant: the single closest name within edit
/// distance 2, else the single name the input is a prefix of.
fn suggestion(typed: &str) -> Option<&'static str> {
    let typed = typed.to_lowercase();
    let typed_len = typed.chars().count();
    let mut best: Option<(usize, &'static str)> = None;
    let mut tied = false;
    for spec in COMMANDS {
        // Cheap bound first: a long line must not cost a full comparison.
        if typed_len.abs_diff(spec.name.len()) > 2 {
            continue;
        }
        let distance = edit_distance(&typed, spec.name);
        match best {
            _ if distance > 2 => {}
            Some((best_distance, _)) if distance > best_distance => {}
            Some((best_distance, _)) if distance == best_distance => tied = true,
            _ => {
                best = Some((distance, spec.name));
                tied = false;
            }
        }
    }
    match best {
        Some((_, name)) if !tied => Some(name),
        // Several equally close names: better no hint than a wrong one.
        Some(_) => None,
        None => {
            let mut prefixed = command_names(&typed);
            match (prefixed.next(), prefixed.next()) {
                (Some(name), None) if !typed.is_empty() => Some(name),
                _ => None,
            }
        }
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let replace = previous[j] + usize::from(ca != *cb);
            let delete = previous[j + 1] + 1;
            let insert = current[j] + 1;
            current.push(replace.min(delete).min(insert));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    fn bare(s: &str) -> BareJid {
        BareJid::new(s).unwrap()
    }

    fn ok(line: &str) -> Action {
        match parse(line) {
            Ok(action) => action,
            Err(e) => panic!("{line:?} failed: {e}"),
        }
    }

    fn err(line: &str) -> String {
        match parse(line) {
            Ok(action) => panic!("{line:?} parsed as {action:?}"),
            Err(e) => e.to_string(),
        }
    }

    const ROMEO: &str = "romeo@example.net";

    #[test]
    fn msg_with_and_without_text() {
        assert_eq!(
            ok("/msg romeo@example.net  wherefore   art thou  "),
            Action::Message {
                to: jid(ROMEO),
                body: Some("wherefore   art thou".into())
            }
        );
        assert_eq!(
            ok("/msg romeo@example.net/orchard"),
            Action::Message {
                to: jid("romeo@example.net/orchard"),
                body: None
            }
        );
        assert_eq!(err("/msg"), "missing the JID; usage: /msg JID [TEXT]");
        assert_eq!(err("/msg   "), "missing the JID; usage: /msg JID [TEXT]");
    }

    /// I18N-06: non-ASCII localparts and resources are accepted and kept.
    #[test]
    fn i18n_06_non_ascii_jid() {
        let action = ok("/msg josé@example.net/móvil hola");
        assert_eq!(
            action,
            Action::Message {
                to: jid("josé@example.net/móvil"),
                body: Some("hola".into())
            }
        );
        let Action::Message { to, .. } = action else {
            unreachable!()
        };
        assert_eq!(to.to_string(), "josé@example.net/móvil");
        // Nodeprep case-folds the localpart, so both spellings are one contact.
        assert_eq!(
            ok("/contact JOSÉ@example.net"),
            Action::Contact {
                jid: bare("josé@example.net")
            }
        );
    }

    #[test]
    fn normal_with_and_without_subject() {
        assert_eq!(
            ok("/normal romeo@example.net Tonight | Meet me  below | the balcony"),
            Action::Normal {
                to: jid(ROMEO),
                subject: Some("Tonight".into()),
                body: "Meet me  below | the balcony".into()
            }
        );
        assert_eq!(
            ok("/normal romeo@example.net just a|body"),
            Action::Normal {
                to: jid(ROMEO),
                subject: None,
                body: "just a|body".into()
            }
        );
        assert_eq!(
            ok("/normal romeo@example.net | only body"),
            Action::Normal {
                to: jid(ROMEO),
                subject: None,
                body: "only body".into()
            }
        );
        assert_eq!(
            err("/normal romeo@example.net"),
            "missing the message text; usage: /normal JID [SUBJECT |] BODY"
        );
        assert_eq!(
            err("/normal romeo@example.net Tonight |"),
            "the message has a subject but no body; usage: /normal JID [SUBJECT |] BODY"
        );
    }

    #[test]
    fn headline_with_and_without_subject() {
        assert_eq!(
            ok("/headline romeo@example.net News | The feast is on"),
            Action::Headline {
                to: jid(ROMEO),
                subject: Some("News".into()),
                body: "The feast is on".into()
            }
        );
        assert_eq!(
            ok("/headline romeo@example.net The feast is on"),
            Action::Headline {
                to: jid(ROMEO),
                subject: None,
                body: "The feast is on".into()
            }
        );
        assert_eq!(
            err("/headline"),
            "missing the JID; usage: /headline JID [SUBJECT |] BODY"
        );
    }

    #[test]
    fn add_with_and_without_name() {
        assert_eq!(
            ok("/add romeo@example.net Romeo  Montague"),
            Action::Add {
                jid: bare(ROMEO),
                name: Some("Romeo  Montague".into())
            }
        );
        assert_eq!(
            ok("/ADD romeo@example.net"),
            Action::Add {
                jid: bare(ROMEO),
                name: None
            }
        );
        assert_eq!(
            parse("/add romeo@example.net/orchard Romeo"),
            Err(CommandError::NotBare("romeo@example.net/orchard".into()))
        );
        assert_eq!(
            err("/add romeo@example.net/orchard"),
            "use the bare address romeo@example.net, without /orchard"
        );
    }

    #[test]
    fn remove_takes_exactly_one_jid() {
        assert_eq!(
            ok("/remove romeo@example.net"),
            Action::Remove { jid: bare(ROMEO) }
        );
        assert_eq!(
            err("/remove romeo@example.net now"),
            "unexpected extra text \"now\"; usage: /remove JID"
        );
        assert_eq!(err("/remove"), "missing the JID; usage: /remove JID");
    }

    #[test]
    fn rename_sets_or_clears() {
        assert_eq!(
            ok("/rename romeo@example.net Romeo"),
            Action::Rename {
                jid: bare(ROMEO),
                name: Some("Romeo".into())
            }
        );
        assert_eq!(
            ok("/rename romeo@example.net   "),
            Action::Rename {
                jid: bare(ROMEO),
                name: None
            }
        );
        assert_eq!(err("/rename"), "missing the JID; usage: /rename JID [NAME]");
    }

    /// ROS-16: groups are trimmed, never empty, never repeated; case and
    /// inner spaces are kept.
    #[test]
    fn ros_16_group_trim_dedupe_and_clear() {
        assert_eq!(
            ok("/group romeo@example.net  Friends , Close  Family,,friends, Friends ,"),
            Action::Group {
                jid: bare(ROMEO),
                groups: vec!["Friends".into(), "Close  Family".into(), "friends".into()]
            }
        );
        assert_eq!(
            ok("/group romeo@example.net -"),
            Action::Group {
                jid: bare(ROMEO),
                groups: vec![]
            }
        );
        assert_eq!(
            ok("/group romeo@example.net -,Work"),
            Action::Group {
                jid: bare(ROMEO),
                groups: vec!["-".into(), "Work".into()]
            }
        );
        assert_eq!(
            err("/group romeo@example.net , ,"),
            "no group names given (a lone - clears all groups); \
             usage: /group JID GROUP[,GROUP…]"
        );
        assert_eq!(
            err("/group romeo@example.net"),
            "missing the group names (separate them with commas); \
             usage: /group JID GROUP[,GROUP…]"
        );
    }

    /// SUB-01, SUB-03: subscribe goes to a bare JID, with an optional greeting.
    #[test]
    fn sub_03_subscribe_with_greeting() {
        assert_eq!(
            ok("/subscribe romeo@example.net It's Juliet"),
            Action::Subscribe {
                jid: bare(ROMEO),
                greeting: Some("It's Juliet".into())
            }
        );
        assert_eq!(
            ok("/subscribe romeo@example.net"),
            Action::Subscribe {
                jid: bare(ROMEO),
                greeting: None
            }
        );
        assert_eq!(
            err("/subscribe @example.net"),
            "\"@example.net\" is not a valid JID: there is nothing before the @"
        );
    }

    /// SUB-04, SUB-05, SUB-09, SUB-10: the answers and cancellations take one
    /// bare JID.
    #[test]
    fn sub_single_jid_commands() {
        type Make = fn(BareJid) -> Action;
        let cases: [(&str, Make); 5] = [
            ("unsubscribe", |jid| Action::Unsubscribe { jid }),
            ("approve", |jid| Action::Approve { jid }),
            ("deny", |jid| Action::Deny { jid }),
            ("cancel", |jid| Action::Cancel { jid }),
            ("preapprove", |jid| Action::Preapprove { jid }),
        ];
        for (name, make) in cases {
            assert_eq!(ok(&format!("/{name} {ROMEO}")), make(bare(ROMEO)));
            assert_eq!(
                err(&format!("/{name} {ROMEO}/orchard")),
                "use the bare address romeo@example.net, without /orchard"
            );
            assert_eq!(
                err(&format!("/{name}")),
                format!("missing the JID; usage: /{name} JID")
            );
            assert_eq!(
                err(&format!("/{name} {ROMEO} please")),
                format!("unexpected extra text \"please\"; usage: /{name} JID")
            );
        }
    }

    #[test]
    fn status_words_and_text() {
        for availability in Availability::ALL {
            assert_eq!(
                ok(&format!("/status {}", availability.as_str().to_uppercase())),
                Action::Status {
                    availability,
                    text: None
                }
            );
        }
        assert_eq!(
            ok("/status away  at the  feast "),
            Action::Status {
                availability: Availability::Away,
                text: Some("at the  feast".into())
            }
        );
        assert_eq!(Availability::Online.show(), None);
        assert_eq!(Availability::Dnd.show(), Some(Show::Dnd));
        assert_eq!(
            err("/status busy"),
            "unknown availability \"busy\": use online, chat, away, xa or dnd; \
             usage: /status online|chat|away|xa|dnd [TEXT]"
        );
        assert_eq!(
            err("/status"),
            "missing the availability (online, chat, away, xa or dnd); \
             usage: /status online|chat|away|xa|dnd [TEXT]"
        );
    }

    /// SYN-13: only -128..=127 is accepted, with a clear message otherwise.
    #[test]
    fn syn_13_priority_range() {
        assert_eq!(ok("/priority -128"), Action::Priority(-128));
        assert_eq!(ok("/priority 127"), Action::Priority(127));
        assert_eq!(ok("/priority 0"), Action::Priority(0));
        assert_eq!(
            err("/priority 128"),
            "priority 128 is out of range: it must be from -128 to 127"
        );
        assert_eq!(
            err("/priority -129"),
            "priority -129 is out of range: it must be from -128 to 127"
        );
        assert_eq!(
            parse("/priority abc"),
            Err(CommandError::InvalidPriority(
                "priority must be a whole number from -128 to 127, not \"abc\"".into()
            ))
        );
        assert_eq!(
            err("/priority"),
            "missing the priority (a whole number from -128 to 127); usage: /priority N"
        );
        assert_eq!(
            err("/priority 1 2"),
            "unexpected extra text \"2\"; usage: /priority N"
        );
    }

    /// PRES-07, PRES-08: directed presence to any JID, available or not.
    #[test]
    fn pres_07_08_directed_presence() {
        assert_eq!(
            ok("/presence nurse@example.com chat ask me about the feast"),
            Action::Presence {
                to: jid("nurse@example.com"),
                choice: PresenceChoice::Available(Availability::Chat),
                text: Some("ask me about the feast".into())
            }
        );
        assert_eq!(
            ok("/presence room@muc.example.com/juliet Unavailable"),
            Action::Presence {
                to: jid("room@muc.example.com/juliet"),
                choice: PresenceChoice::Unavailable,
                text: None
            }
        );
        assert_eq!(
            err("/presence nurse@example.com gone"),
            "unknown presence \"gone\": use online, chat, away, xa or dnd, or unavailable; \
             usage: /presence JID online|chat|away|xa|dnd|unavailable [TEXT]"
        );
        assert_eq!(
            err("/presence nurse@example.com"),
            "missing the presence (online, chat, away, xa or dnd, or unavailable); \
             usage: /presence JID online|chat|away|xa|dnd|unavailable [TEXT]"
        );
    }

    #[test]
    fn roster_contact_help_quit() {
        assert_eq!(ok("/roster"), Action::Roster);
        assert_eq!(
            err("/roster all"),
            "unexpected extra text \"all\"; usage: /roster"
        );
        assert_eq!(
            ok("/contact romeo@example.net"),
            Action::Contact { jid: bare(ROMEO) }
        );
        assert_eq!(err("/contact"), "missing the JID; usage: /contact JID");
        assert_eq!(ok("/help"), Action::Help { topic: None });
        assert_eq!(
            ok("/help /Group"),
            Action::Help {
                topic: Some("group".into())
            }
        );
        assert_eq!(
            err("/help add remove"),
            "unexpected extra text \"remove\"; usage: /help [COMMAND]"
        );
        assert_eq!(ok("/quit"), Action::Quit { status: None });
        assert_eq!(
            ok("/Quit  off to  Mantua "),
            Action::Quit {
                status: Some("off to  Mantua".into())
            }
        );
    }

    #[test]
    fn say_and_double_slash_escape() {
        assert_eq!(
            ok("  hello,  Romeo "),
            Action::Say {
                text: "hello,  Romeo".into()
            }
        );
        assert_eq!(
            ok("//shrug ¯\\_(ツ)_/¯"),
            Action::Say {
                text: "/shrug ¯\\_(ツ)_/¯".into()
            }
        );
        assert_eq!(ok("//"), Action::Say { text: "/".into() });
        assert_eq!(parse("   "), Err(CommandError::Empty));
        assert_eq!(
            err(""),
            "the line is empty: type a message, or /help to list the commands"
        );
    }

    #[test]
    fn unknown_command_with_did_you_mean() {
        assert_eq!(err("/foo"), "unknown command /foo (try /help)");
        assert_eq!(
            err("/rmove romeo@example.net"),
            "unknown command /rmove: did you mean /remove? (try /help)"
        );
        assert_eq!(
            err("/QUTI"),
            "unknown command /QUTI: did you mean /quit? (try /help)"
        );
        // Prefixes are refused but hinted at.
        assert_eq!(
            parse("/rem romeo@example.net"),
            Err(CommandError::Unknown("rem".into()))
        );
        assert_eq!(
            err("/rem romeo@example.net"),
            "unknown command /rem: did you mean /remove? (try /help)"
        );
        // "/re" is close to nothing and a prefix of three commands.
        assert_eq!(err("/re"), "unknown command /re (try /help)");
        assert_eq!(
            err("/ msg"),
            "a command name must follow the / (try /help; type // to send text \
             that begins with /)"
        );
        assert_eq!(err("/zzz\u{7}"), "unknown command /zzz\\u{7} (try /help)");
    }

    /// COMP-03: im:, pres: and xmpp: addresses are accepted.
    #[test]
    fn comp_03_scheme_stripping() {
        for input in [
            "im:romeo@example.net",
            "pres:romeo@example.net",
            "IM:romeo@example.net",
            "xmpp:romeo@example.net",
            "xmpp:romeo@example.net?subscribe",
            "XMPP:romeo@example.net?message;body=hi#frag",
            "xmpp://juliet@example.com/romeo@example.net?roster",
            "  im:romeo@example.net  ",
        ] {
            assert_eq!(parse_jid(input), Ok(jid(ROMEO)), "{input}");
            assert_eq!(parse_bare_jid(input), Ok(bare(ROMEO)), "{input}");
        }
        assert_eq!(
            parse_jid("xmpp:jos%C3%A9@example.net/m%C3%B3vil"),
            Ok(jid("josé@example.net/móvil"))
        );
        assert_eq!(
            ok("/add im:romeo@example.net Romeo"),
            Action::Add {
                jid: bare(ROMEO),
                name: Some("Romeo".into())
            }
        );
        assert_eq!(
            err("/add xmpp:romeo@example.net/orchard"),
            "use the bare address romeo@example.net, without /orchard"
        );
        assert_eq!(
            err("/msg xmpp:jos%C3@example.net"),
            "\"xmpp:jos%C3@example.net\" is not a valid JID: \
             the xmpp: address has a broken %-escape"
        );
        assert_eq!(err("/msg im:"), "\"im:\" is not a valid JID: it is empty");
    }

    #[test]
    fn invalid_jids_name_input_and_reason() {
        assert_eq!(
            err("/msg a@b@example.net"),
            "\"a@b@example.net\" is not a valid JID: it has more than one @ before the /"
        );
        assert_eq!(
            err("/msg romeo@example.net/"),
            "\"romeo@example.net/\" is not a valid JID: there is nothing after the /"
        );
        assert_eq!(
            err("/msg ro<meo@example.net"),
            "\"ro<meo@example.net\" is not a valid JID: the part before the @ has a \
             character not allowed there (such as a space, \", &, ', :, < or >)"
        );
        assert_eq!(
            err("/msg romeo@exa_mple..net"),
            "\"romeo@exa_mple..net\" is not a valid JID: \
             the part after the @ is not a valid domain name"
        );
    }

    #[test]
    fn help_lists_every_command() {
        let text = help(None).unwrap();
        for spec in COMMANDS {
            assert!(text.contains(&format!("/{} ", spec.name)), "{}", spec.name);
            assert!(text.contains(spec.summary), "{}", spec.name);
        }
        // Summaries start in one column.
        let add = text.lines().find(|l| l.starts_with("/add ")).unwrap();
        let roster = text.lines().find(|l| l.starts_with("/roster ")).unwrap();
        assert_eq!(add.find("add a contact"), roster.find("list your contacts"));
        assert!(add.starts_with("/add JID [NAME]  "));
    }

    #[test]
    fn help_for_one_command() {
        assert_eq!(
            help(Some("/GROUP")).unwrap(),
            "/group JID GROUP[,GROUP…]\n  put a contact in these groups instead of the old ones\n  \
             Separate groups with commas; names may contain spaces and keep their case. \
             Empty and repeated names are dropped. A lone - removes all groups."
        );
        assert_eq!(help(Some("  ")), help(None));
        assert_eq!(
            help(Some("remve")).unwrap_err().to_string(),
            "unknown command /remve: did you mean /remove? (try /help)"
        );
    }

    #[test]
    fn every_command_parses_and_has_kinds_for_its_args() {
        for spec in COMMANDS {
            assert!(find_command(spec.name).is_some());
            let words = spec.args.split_whitespace().count();
            assert!(spec.args_kinds.len() >= words.min(1), "{}", spec.name);
            assert!(!spec.summary.is_empty() && !spec.details.is_empty());
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn complete_command_names() {
        let ctx = CompletionContext::default();
        assert_eq!(complete("/re", &ctx), ["/reconnect", "/remove", "/rename"]);
        assert_eq!(complete("/PRE", &ctx), ["/preapprove", "/presence"]);
        assert_eq!(complete("/", &ctx).len(), COMMANDS.len());
        assert!(complete("/zz", &ctx).is_empty());
        assert!(complete("hello", &ctx).is_empty());
        assert!(complete("//re", &ctx).is_empty());
        assert_eq!(complete("/help ro", &ctx), ["/help roster"]);
    }

    #[test]
    fn complete_jids() {
        let jids = strings(&[
            "romeo@example.net",
            "Rosaline@example.net",
            "romeo@example.net/orchard",
            "nurse@example.com",
        ]);
        let ctx = CompletionContext {
            jids: &jids,
            groups: &[],
        };
        assert_eq!(
            complete("/msg ro", &ctx),
            [
                "/msg Rosaline@example.net",
                "/msg romeo@example.net",
                "/msg romeo@example.net/orchard"
            ]
        );
        // Bare-JID commands offer each contact once, without resources.
        assert_eq!(
            complete("/add RO", &ctx),
            ["/add Rosaline@example.net", "/add romeo@example.net"]
        );
        assert_eq!(complete("/remove ", &ctx).len(), 3);
        // Past the JID comes free text: nothing to offer.
        assert!(complete("/msg romeo@example.net ro", &ctx).is_empty());
        assert!(complete("/remove romeo@example.net ", &ctx).is_empty());
        assert!(complete("/nosuch ro", &ctx).is_empty());
    }

    #[test]
    fn complete_groups_after_commas() {
        let groups = strings(&["Friends", "Family", "Work", "Close Friends"]);
        let jids = strings(&[ROMEO]);
        let ctx = CompletionContext {
            jids: &jids,
            groups: &groups,
        };
        assert_eq!(
            complete("/group romeo@example.net f", &ctx),
            [
                "/group romeo@example.net Family",
                "/group romeo@example.net Friends"
            ]
        );
        assert_eq!(
            complete("/group romeo@example.net Friends, f", &ctx),
            ["/group romeo@example.net Friends, Family"]
        );
        assert_eq!(
            complete("/group romeo@example.net Work,Clo", &ctx),
            ["/group romeo@example.net Work,Close Friends"]
        );
        assert_eq!(
            complete("/group romeo@example.net Close Fr", &ctx),
            ["/group romeo@example.net Close Friends"]
        );
        assert_eq!(complete("/group rom", &ctx), ["/group romeo@example.net"]);
    }

    #[test]
    fn complete_availability_words() {
        let ctx = CompletionContext::default();
        assert_eq!(
            complete("/status ", &ctx),
            [
                "/status away",
                "/status chat",
                "/status dnd",
                "/status online",
                "/status xa"
            ]
        );
        assert_eq!(complete("/status a", &ctx), ["/status away"]);
        assert!(complete("/status away ", &ctx).is_empty());
        assert_eq!(
            complete("/presence nurse@example.com u", &ctx),
            ["/presence nurse@example.com unavailable"]
        );
        assert!(complete("/priority ", &ctx).is_empty());
    }

    /// Parsing, help and completion never panic, whatever is typed.
    #[test]
    fn no_panics_on_odd_input() {
        let groups = strings(&["Friends", "Ünïcode"]);
        let jids = strings(&["josé@example.net/móvil", ROMEO]);
        let ctx = CompletionContext {
            jids: &jids,
            groups: &groups,
        };
        let mut lines: Vec<String> = [
            "/msg josé@example.net/móvil hola | ¿qué tal? ",
            "/group xmpp://a@b/c@d?x#y a, ,b,,\t-, ",
            "/normal im:@/ | | |",
            "/presence pres:ü@ö/ä unavailable \u{0}\u{1b}[31m",
            "//\u{202e}/priority -99999999999999999999999",
            "/status DND \r\n tab\there",
            "/add xmpp:%%%25%C3%28@example.net",
            "/\u{feff}help \u{200b}",
            "/msg [::1] /msg 127.0.0.1/x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        lines.push(format!("/msg {}@example.net", "a".repeat(5000)));
        lines.push(format!("/{}", "q".repeat(20_000)));
        lines.push(format!("/group {ROMEO} {}", "g,".repeat(10_000)));
        // A tiny xorshift gives varied unicode and control input without a
        // dependency.
        let mut seed: u32 = 0x9e37_79b9;
        for _ in 0..200 {
            let mut line = String::from("/");
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let c = match seed % 4 {
                    0 => char::from_u32(seed % 0x80),
                    1 => char::from_u32(seed % 0x3000),
                    2 => [' ', '@', '/', '|', ',', ':', '%']
                        .get((seed % 7) as usize)
                        .copied(),
                    _ => char::from_u32(seed % 0x11_0000),
                };
                line.push(c.unwrap_or('\u{fffd}'));
            }
            lines.push(line);
        }
        for line in &lines {
            let boundaries = line
                .char_indices()
                .map(|(i, _)| i)
                .chain([line.len()])
                .step_by(if line.len() > 1000 { 997 } else { 1 });
            for end in boundaries {
                let prefix = &line[..end];
                if let Err(e) = parse(prefix) {
                    let _ = e.to_string();
                }
                let _ = complete(prefix, &ctx);
                if let Err(e) = help(Some(prefix)) {
                    let _ = e.to_string();
                }
                for rest in ["", "/"] {
                    let _ = parse(&format!("{rest}{prefix}"));
                }
            }
        }
    }
}
