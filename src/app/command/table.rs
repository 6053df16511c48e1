//! The command table: one [`CommandSpec`] row per slash command, holding
//! how it is typed, its help text, what completion offers for each word,
//! its parse function and the facts the app asks about it (works offline,
//! may wait while reconnecting, can change a roster row).
//!
//! [`Action::spec`] maps every action to its row and [`Action::label`] names
//! it in results; both match exhaustively, so a new [`Action`] variant does
//! not build until it has a row. Plain text ([`Action::Say`]) is not typed as
//! a command, so its row, [`SAY`], stands outside [`COMMANDS`] where parsing,
//! help and completion cannot offer it.

use super::parse::{
    Args, parse_accept, parse_add, parse_affiliation, parse_allowvoice, parse_approve, parse_ban,
    parse_block, parse_blocklist, parse_bookmark, parse_cancel, parse_configure, parse_contact,
    parse_continue, parse_correct, parse_decline, parse_deny, parse_destroy, parse_devoice,
    parse_disconnect, parse_group, parse_headline, parse_help, parse_invitations, parse_invite,
    parse_join, parse_kick, parse_leave, parse_me, parse_members, parse_msg, parse_mute,
    parse_nick, parse_normal, parse_omemo, parse_open, parse_preapprove, parse_presence,
    parse_priority_command, parse_privacy, parse_quit, parse_reconnect, parse_register,
    parse_remove, parse_rename, parse_requestvoice, parse_role, parse_rooms, parse_roster,
    parse_say, parse_search, parse_status, parse_subscribe, parse_topic, parse_unblock,
    parse_unmute, parse_unsubscribe, parse_upload, parse_vcard, parse_voice,
};
use super::{
    Action, BookmarkCommand, BookmarkHere, CommandError, Moderation, OmemoCommand, PrivacyCommand,
};

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

/// One command: its name, how it is typed, what it does, its parser, and
/// how the app treats it.
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
    /// Reads the words after the name into an action.
    pub(super) parse: fn(&mut Args<'_>) -> Result<Action, CommandError>,
    /// Works without a connection: it only reads or changes local state
    /// (`/help`, `/roster`, `/search`…) or manages the connection itself
    /// (`/reconnect`, `/disconnect`, `/quit`). Any other command fails with
    /// "not connected" while offline, unless it may wait.
    pub works_offline: bool,
    /// While the connection is being restored, waits in the session's send
    /// queue and goes out on reconnect instead of failing: the messages
    /// written to someone (`/msg`, `/normal`, plain text), not headlines.
    pub may_wait: bool,
    /// Can change a roster row, so the view rebuilds its rows after it.
    /// Chat and read-only commands never do; they are the frequent ones.
    pub touches_roster: bool,
}

impl CommandSpec {
    /// The whole usage line, e.g. `/msg JID [TEXT]`.
    pub fn usage(&self) -> String {
        usage_line(self.name, self.args)
    }
}

/// The table behind parsing, help and completion, in the order `/help`
/// lists them. The `privacy` row also stands for
/// [`PrivacyCommand::Save`], which the privacy editor sends instead of a
/// typed line: it is a privacy change like any other.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "msg",
        args: "JID [TEXT]",
        summary: "open a conversation, sending TEXT if given",
        details: "JID may be a full address to reach one device \
                  (romeo@example.net/orchard). xmpp:, im: and pres: addresses are accepted.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_msg,
        works_offline: false,
        may_wait: true,
        touches_roster: false,
    },
    CommandSpec {
        name: "join",
        args: "ROOM[/NICK] [PASSWORD] [--configure]",
        summary: "join a group chat room",
        details: "Enters ROOM (room@conference.example.org) as NICK, or as the [rooms] nick of \
                  the config (else your JID's local part). Its window opens; plain text there \
                  goes to the room, and /msg ROOM/NICK writes privately to one occupant. A room \
                  the join creates opens with the default configuration, or, with --configure \
                  (or [rooms] create = \"configure\"), shows its configuration form and stays \
                  closed to others until /configure KEY=VALUE… or /configure submit.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_join,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "leave",
        args: "[ROOM] [TEXT]",
        summary: "leave a room (the current one without ROOM), saying TEXT",
        details: "ROOM is a room's address (it has an @); anything else is the goodbye text.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_leave,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "nick",
        args: "NICK",
        summary: "change your nick in the current room",
        details: "The room may refuse a nick that is taken or reserved; you keep the old one then.",
        args_kinds: &[ArgKind::Text],
        parse: parse_nick,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "topic",
        args: "[TEXT]",
        summary: "show the current room's subject, or set it to TEXT",
        details: "Rooms let moderators change the subject; some let every participant.",
        args_kinds: &[ArgKind::Text],
        parse: parse_topic,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "me",
        args: "TEXT",
        summary: "act in the current conversation: /me waves shows as * name waves",
        details: "Sends the body \"/me TEXT\" unchanged (XEP-0245); every client draws it \
                  as an action with the sender's name.",
        args_kinds: &[ArgKind::Text],
        parse: parse_me,
        works_offline: false,
        may_wait: true,
        touches_roster: false,
    },
    CommandSpec {
        name: "correct",
        args: "TEXT",
        summary: "replace your last message here with TEXT",
        details: "Sends TEXT as a correction of your last message there (XEP-0308); clients \
                  that support it show the new text in its place, marked as edited, others \
                  show it as a new message. Up in an empty input line does the same.",
        args_kinds: &[ArgKind::Text],
        parse: parse_correct,
        works_offline: false,
        may_wait: true,
        touches_roster: false,
    },
    CommandSpec {
        name: "normal",
        args: "JID [SUBJECT |] BODY",
        summary: "send a normal (mail-like) message",
        details: "The text before the first \" | \" is the subject, e.g. \
                  /normal romeo@example.net Tonight | Meet me below the balcony.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_normal,
        works_offline: false,
        may_wait: true,
        touches_roster: false,
    },
    CommandSpec {
        name: "headline",
        args: "JID [SUBJECT |] BODY",
        summary: "send a headline (a notice that expects no reply)",
        details: "The text before the first \" | \" is the subject.",
        args_kinds: &[ArgKind::Jid, ArgKind::Text],
        parse: parse_headline,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "add",
        args: "JID [NAME]",
        summary: "add a contact and ask to see their presence",
        details: "Adds the contact to your roster with NAME, then sends a subscription request.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_add,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "remove",
        args: "JID",
        summary: "remove a contact from your roster",
        details: "This also ends the subscriptions in both directions.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_remove,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "rename",
        args: "JID [NAME]",
        summary: "set a contact's name, or clear it",
        details: "Without NAME the contact is shown by their address again.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_rename,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "group",
        args: "JID GROUP[,GROUP…]",
        summary: "put a contact in these groups instead of the old ones",
        details: "Separate groups with commas; names may contain spaces and keep their case. \
                  Empty and repeated names are dropped. A lone - removes all groups.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Group],
        parse: parse_group,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "subscribe",
        args: "JID [TEXT]",
        summary: "ask to see a contact's presence, with an optional greeting",
        details: "The contact sees TEXT with your request.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_subscribe,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "unsubscribe",
        args: "JID",
        summary: "stop seeing a contact's presence",
        details: "The contact can still see yours; use /cancel for that.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_unsubscribe,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "approve",
        args: "JID",
        summary: "let a contact who asked see your presence",
        details: "Answers a pending subscription request with yes.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_approve,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "deny",
        args: "JID",
        summary: "refuse a contact's request to see your presence",
        details: "Answers a pending subscription request with no.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_deny,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "cancel",
        args: "JID",
        summary: "stop letting a contact see your presence",
        details: "Takes back a subscription you approved earlier.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_cancel,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "preapprove",
        args: "JID",
        summary: "approve a contact's request before they ask",
        details: "Only works when your server supports subscription pre-approval.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_preapprove,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "status",
        args: "online|chat|away|xa|dnd [TEXT]",
        summary: "set your availability and an optional status message",
        details: "xa means extended away, dnd means do not disturb.",
        args_kinds: &[ArgKind::Availability, ArgKind::Text],
        parse: parse_status,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "priority",
        args: "N",
        summary: "set this resource's priority, from -128 to 127",
        details: "With a negative priority this resource gets no messages sent to your bare address.",
        args_kinds: &[ArgKind::Number],
        parse: parse_priority_command,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "presence",
        args: "JID online|chat|away|xa|dnd|unavailable [TEXT]",
        summary: "send your presence to one address only",
        details: "For a room or someone outside your roster. Send unavailable when you are done; \
                  the server also does so when you log off.",
        args_kinds: &[ArgKind::Jid, ArgKind::PresenceChoice, ArgKind::Text],
        parse: parse_presence,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "roster",
        args: "",
        summary: "list your contacts",
        details: "Shows each contact's name, address and subscription.",
        args_kinds: &[],
        parse: parse_roster,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "contact",
        args: "JID",
        summary: "show a contact's resources, subscription and groups",
        details: "Lists every online resource with its availability and status message.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_contact,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "help",
        args: "[COMMAND]",
        summary: "list the commands, or explain one",
        details: "A line without a leading / goes to the current conversation; \
                  start it with // to send text that begins with /.",
        args_kinds: &[ArgKind::Command],
        parse: parse_help,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
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
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "unblock",
        args: "JID|*",
        summary: "unblock JID, or everyone with *",
        details: "The reverse of /block.",
        args_kinds: &[ArgKind::Jid],
        parse: parse_unblock,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "blocklist",
        args: "",
        summary: "list who is blocked",
        details: "The server's blocklist, or the deny rules of balcony-blocked.",
        args_kinds: &[],
        parse: parse_blocklist,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
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
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "bookmark",
        args: "[list|add|remove] …",
        summary: "list, add or remove room bookmarks",
        details: "/bookmark list, /bookmark add [ROOM] [OPTIONS], /bookmark remove [ROOM]; \
                  without ROOM, the room window on screen (with your nick there). \
                  Bookmarks live on your server (XEP-0402, or XEP-0048 private storage where \
                  the server lacks it), shared by all your clients. OPTIONS: --autojoin or \
                  --no-autojoin, --nick NICK, --name NAME, --password PW. add again to edit one: \
                  what you give replaces, the rest stays. Rooms marked --autojoin are joined \
                  at login with the bookmark's nick, else [rooms] nick, else your JID's local \
                  part. A --password is stored in clear on your server; give it only if you \
                  must. NAME runs to the next --flag.",
        args_kinds: &[ArgKind::Text],
        parse: parse_bookmark,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "omemo",
        args: "on|off|fingerprints [JID] | trust|untrust JID FINGERPRINT",
        summary: "end-to-end encryption (OMEMO) with a contact: on, off, keys and trust",
        details: "Without JID: the chat on screen (rooms are not encrypted). on: every message \
                  to JID leaves encrypted or not at all; off: in clear from now on. \
                  fingerprints: your own key, and JID's devices with the trust each has. \
                  trust JID FINGERPRINT: you verified that key (spaces, colons and case do \
                  not matter); from then on a new device of JID gets nothing until you \
                  decide. untrust JID FINGERPRINT: nothing is encrypted to that device. \
                  [omemo] default in the config says whether contacts who announce OMEMO \
                  devices start on.",
        args_kinds: &[ArgKind::Text],
        parse: parse_omemo,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "search",
        args: "TEXT",
        summary: "find messages containing TEXT in the history",
        details: "Searches every conversation, newest first, regardless of case.",
        args_kinds: &[ArgKind::Text],
        parse: parse_search,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "mute",
        args: "JID",
        summary: "stop notifications (bell, [notify] command) for JID's messages",
        details: "Their messages still arrive and count as unread. Kept between runs, in \
                  the data directory next to the roster cache.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_mute,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "unmute",
        args: "JID",
        summary: "notify of JID's messages again",
        details: "The reverse of /mute.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_unmute,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "reconnect",
        args: "",
        summary: "connect again now",
        details: "Drops the connection (or cuts short the wait for the next attempt) and logs in \
                  again, resuming the session when the server allows.",
        args_kinds: &[],
        parse: parse_reconnect,
        works_offline: true,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "disconnect",
        args: "[TEXT]",
        summary: "go offline but keep balcony open",
        details: "Sends unavailable presence (with TEXT as the status) and closes the stream; \
                  /reconnect comes back.",
        args_kinds: &[ArgKind::Text],
        parse: parse_disconnect,
        works_offline: true,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "kick",
        args: "[--room ROOM] NICK [TEXT]",
        summary: "remove an occupant from the room (moderators)",
        details: "The occupant may come back unless banned. TEXT is the reason the room shows. Without --room, acts on the room of the current window.",
        args_kinds: &[ArgKind::Text, ArgKind::Text],
        parse: parse_kick,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "ban",
        args: "[--room ROOM] JID|NICK [TEXT]",
        summary: "ban a user from the room by address (admins and owners)",
        details: "A ban is by bare address; a NICK works when the room shows you that occupant's address.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_ban,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "voice",
        args: "[--room ROOM] NICK",
        summary: "let a visitor speak in a moderated room (moderators)",
        details: "Gives the occupant the participant role.",
        args_kinds: &[ArgKind::Text],
        parse: parse_voice,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "register",
        args: "ROOM [NICK]",
        summary: "register a nick with a room (often how one becomes a member)",
        details: "Without NICK, your default nick. The room's form is sent back with the nick; a room that has you already says so.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_register,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "requestvoice",
        args: "[--room ROOM]",
        summary: "ask the moderators for voice in a moderated room (visitors)",
        details: "The room passes the request on to its moderators; voice, if given, shows as your new role.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_requestvoice,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "allowvoice",
        args: "[--room ROOM] [NICK]",
        summary: "approve a visitor's voice request (moderators)",
        details: "Without NICK, the only request waiting; several are listed. /voice NICK answers a request too.",
        args_kinds: &[ArgKind::Text],
        parse: parse_allowvoice,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "devoice",
        args: "[--room ROOM] NICK",
        summary: "take an occupant's voice away (moderators)",
        details: "Makes the occupant a visitor, who reads but cannot speak in a moderated room.",
        args_kinds: &[ArgKind::Text],
        parse: parse_devoice,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "role",
        args: "[--room ROOM] NICK ROLE",
        summary: "set an occupant's role: moderator, participant, visitor or none",
        details: "Role none removes the occupant (a kick). Making someone a moderator needs admin or owner rights.",
        args_kinds: &[ArgKind::Text, ArgKind::Text],
        parse: parse_role,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "affiliation",
        args: "[--room ROOM] JID|NICK AFFILIATION",
        summary: "set a user's affiliation: owner, admin, member, none or outcast",
        details: "Affiliations last beyond the visit; outcast is a ban. Owners and admins may change them; only owners grant admin or owner.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_affiliation,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "destroy",
        args: "[--room ROOM] [TEXT]",
        summary: "destroy the room (owners)",
        details: "Everyone is removed and the room is gone; TEXT is the reason they see.",
        args_kinds: &[ArgKind::Text],
        parse: parse_destroy,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "rooms",
        args: "[SERVICE]",
        summary: "list the public rooms of a chat service",
        details: "Without SERVICE, the chat service of your server is found first. \
                  Example: /rooms conference.example.org",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_rooms,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "upload",
        args: "PATH [JID] | cancel",
        summary: "upload a file over HTTP and send its link",
        details: "The link goes to JID, else into the current chat or room window. \
                  The file is stored unencrypted on your server's upload service; anyone \
                  with the link can fetch it. Quote a PATH with spaces: /upload \"my file.png\". \
                  The status line shows its progress; /upload cancel stops it. Example: /upload ~/cat.jpg",
        args_kinds: &[ArgKind::Text, ArgKind::BareJid],
        parse: parse_upload,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "open",
        args: "[N]",
        summary: "open a link of this window with the [links] command",
        details: "Opens the newest https link shown in the current window, or the Nth newest \
                  (/open 2 is the one before). Links are never opened on their own. The \
                  program is [links] command in the config (xdg-open unless set); it gets the \
                  link as its last argument.",
        args_kinds: &[ArgKind::Number],
        parse: parse_open,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "vcard",
        args: "[JID] | set FIELD [VALUE] | retry",
        summary: "show a contact's card (yours without JID), or change a field of yours",
        details: "Cards are vcard-temp (XEP-0054). /vcard set FIELD VALUE changes one field of \
                  your card and sends it whole, keeping every other field; without VALUE it \
                  clears the field. FIELD is fn (your full name), nickname, given, family, \
                  middle, email, tel, url, bday (YYYY-MM-DD), org, title, role, note, desc or \
                  jid. Afterwards the card is read back and what the server stored is shown: \
                  some servers keep only some fields. /vcard retry sends a refused change again. \
                  Example: /vcard set nickname jules",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_vcard,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "members",
        args: "[--room ROOM] AFFILIATION|ROLE",
        summary: "a room's affiliation or role list (owners, members, bans…)",
        details: "Rooms show their lists to those allowed to see them, usually admins and owners; \
                  outcast is the ban list. Example: /members outcast",
        args_kinds: &[ArgKind::Text],
        parse: parse_members,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "configure",
        args: "[--room ROOM] [KEY=VALUE …|submit|cancel]",
        summary: "show the room's configuration, or change it (owners)",
        details: "Keys: name, desc, persistent, public, membersonly, moderated, passwordprotected, \
                  password, whois (moderators or anyone), allowpm, changesubject, allowinvites, \
                  maxusers, or any field's full name. Example: /configure persistent=yes \
                  name=\"The feast\". submit sends the form as it is; cancel drops it (a room \
                  being created is then destroyed by the service).",
        args_kinds: &[ArgKind::Text],
        parse: parse_configure,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "invite",
        args: "[--room ROOM] [--direct|--mediated] JID [TEXT]",
        summary: "invite someone into the room",
        details: "The invitation goes straight to JID (XEP-0249, with the room's password when it has one), or, in a members-only room, through the room, which makes JID a member; --direct or --mediated choose. TEXT is the reason the invitee sees.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_invite,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "continue",
        args: "[--room ROOM] [--history] [JID…]",
        summary: "carry this chat on in a new room",
        details: "From a chat with one person: joins a new room (ROOM, or a made-up name on the \
                  chat service of the rooms you know; a service alone, like \
                  conference.example.org, picks the name there) and invites that person, and \
                  each JID named, to continue the chat there, in the same thread. --history also \
                  posts the chat's last lines to the room, where everyone in it can read them.",
        args_kinds: &[ArgKind::Jid, ArgKind::BareJid],
        parse: parse_continue,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "invitations",
        args: "",
        summary: "list the invitations into rooms waiting for an answer",
        details: "Invitations are never accepted by themselves: answer each with /accept or /decline.",
        args_kinds: &[],
        parse: parse_invitations,
        works_offline: true,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "accept",
        args: "[ROOM]",
        summary: "accept an invitation: join its room",
        details: "Without ROOM, the only waiting invitation. A room password that came with it is used for the join and then forgotten.",
        args_kinds: &[ArgKind::BareJid],
        parse: parse_accept,
        works_offline: false,
        may_wait: false,
        touches_roster: true,
    },
    CommandSpec {
        name: "decline",
        args: "[ROOM] [TEXT]",
        summary: "decline an invitation, telling the inviter TEXT",
        details: "An invitation sent through the room is declined there, so the inviter learns it; a direct one is only forgotten.",
        args_kinds: &[ArgKind::BareJid, ArgKind::Text],
        parse: parse_decline,
        works_offline: false,
        may_wait: false,
        touches_roster: false,
    },
    CommandSpec {
        name: "quit",
        args: "[TEXT]",
        summary: "go offline, with an optional goodbye status, and leave",
        details: "Contacts see TEXT as your last status message.",
        args_kinds: &[ArgKind::Text],
        parse: parse_quit,
        works_offline: true,
        may_wait: false,
        touches_roster: true,
    },
];

/// The row of a plain text line ([`Action::Say`]): a line without a leading
/// `/`, or one starting with `//` (sent as `/…`). It is not in [`COMMANDS`],
/// so parsing, `/help` and completion never offer a `/say`; its label in
/// results is its bare name, `say`.
pub static SAY: CommandSpec = CommandSpec {
    name: "say",
    args: "TEXT",
    summary: "send TEXT to the current conversation",
    details: "A line without a leading / goes to the current conversation; \
              start it with // to send text that begins with /.",
    args_kinds: &[ArgKind::Text],
    parse: parse_say,
    works_offline: false,
    may_wait: true,
    touches_roster: false,
};

impl Action {
    /// The row holding this action's facts. Typed actions map to their
    /// command's row, [`Action::Say`] to [`SAY`] and every privacy change,
    /// the editor's [`PrivacyCommand::Save`] included, to `privacy`. Names are
    /// looked up while compiling: a name without a row does not build.
    pub fn spec(&self) -> &'static CommandSpec {
        match self {
            Action::Message { .. } => const { row("msg") },
            Action::Join { .. } => const { row("join") },
            Action::Leave { .. } => const { row("leave") },
            Action::Nick { .. } => const { row("nick") },
            Action::Topic { .. } => const { row("topic") },
            Action::Moderate { order, .. } => match order {
                Moderation::Kick { .. } => const { row("kick") },
                Moderation::Ban { .. } => const { row("ban") },
                Moderation::Voice { .. } => const { row("voice") },
                Moderation::Devoice { .. } => const { row("devoice") },
                Moderation::Role { .. } => const { row("role") },
                Moderation::Affiliation { .. } => const { row("affiliation") },
                Moderation::Destroy { .. } => const { row("destroy") },
            },
            Action::Invite { .. } => const { row("invite") },
            Action::Members { .. } => const { row("members") },
            Action::RequestVoice { .. } => const { row("requestvoice") },
            Action::Register { .. } => const { row("register") },
            Action::AllowVoice { .. } => const { row("allowvoice") },
            Action::Rooms { .. } => const { row("rooms") },
            Action::Upload { .. } | Action::UploadCancel => const { row("upload") },
            Action::Open { .. } => const { row("open") },
            Action::Vcard { .. } | Action::VcardSet { .. } | Action::VcardRetry => {
                const { row("vcard") }
            }
            Action::Configure { .. } => const { row("configure") },
            Action::Invitations => const { row("invitations") },
            Action::Continue { .. } => const { row("continue") },
            Action::Accept { .. } => const { row("accept") },
            Action::Decline { .. } => const { row("decline") },
            Action::Normal { .. } => const { row("normal") },
            Action::Me { .. } => const { row("me") },
            Action::Correct { .. } => const { row("correct") },
            Action::Mute { .. } => const { row("mute") },
            Action::Unmute { .. } => const { row("unmute") },
            Action::Headline { .. } => const { row("headline") },
            Action::Add { .. } => const { row("add") },
            Action::Remove { .. } => const { row("remove") },
            Action::Rename { .. } => const { row("rename") },
            Action::Group { .. } => const { row("group") },
            Action::Subscribe { .. } => const { row("subscribe") },
            Action::Unsubscribe { .. } => const { row("unsubscribe") },
            Action::Approve { .. } => const { row("approve") },
            Action::Deny { .. } => const { row("deny") },
            Action::Cancel { .. } => const { row("cancel") },
            Action::Preapprove { .. } => const { row("preapprove") },
            Action::Status { .. } => const { row("status") },
            Action::Priority(_) => const { row("priority") },
            Action::Presence { .. } => const { row("presence") },
            Action::Roster => const { row("roster") },
            Action::Contact { .. } => const { row("contact") },
            Action::Help { .. } => const { row("help") },
            Action::Quit { .. } => const { row("quit") },
            Action::Say { .. } => &SAY,
            Action::Reconnect => const { row("reconnect") },
            Action::Disconnect { .. } => const { row("disconnect") },
            Action::Search { .. } => const { row("search") },
            Action::Block { .. } => const { row("block") },
            Action::Unblock { .. } => const { row("unblock") },
            Action::Blocklist => const { row("blocklist") },
            Action::Privacy(_) => const { row("privacy") },
            Action::Bookmark(_) | Action::BookmarkHere(_) => const { row("bookmark") },
            Action::Omemo(_) => const { row("omemo") },
        }
    }

    /// A short label for results: the command and its main argument, e.g.
    /// `/msg romeo@example.net`.
    pub fn label(&self) -> String {
        match self {
            Action::Message { to, .. } => format!("/msg {to}"),
            Action::Join { room, .. } => format!("/join {room}"),
            Action::Leave {
                room: Some(room), ..
            } => format!("/leave {room}"),
            Action::Leave { room: None, .. } => "/leave".to_owned(),
            Action::Nick { nick } => format!("/nick {nick}"),
            Action::Topic { .. } => "/topic".to_owned(),
            Action::Moderate { order, .. } => match order {
                Moderation::Kick { nick, .. } => format!("/kick {nick}"),
                Moderation::Ban { target, .. } => format!("/ban {target}"),
                Moderation::Voice { nick } => format!("/voice {nick}"),
                Moderation::Devoice { nick } => format!("/devoice {nick}"),
                Moderation::Role { nick, role } => format!("/role {nick} {role}"),
                Moderation::Affiliation {
                    target,
                    affiliation,
                } => format!("/affiliation {target} {affiliation}"),
                Moderation::Destroy { .. } => "/destroy".to_owned(),
            },
            Action::Invite { jid, .. } => format!("/invite {jid}"),
            Action::Members { kind, .. } => format!("/members {kind}"),
            Action::RequestVoice { .. } => "/requestvoice".to_owned(),
            Action::Register { room, .. } => format!("/register {room}"),
            Action::AllowVoice {
                nick: Some(nick), ..
            } => format!("/allowvoice {nick}"),
            Action::AllowVoice { nick: None, .. } => "/allowvoice".to_owned(),
            Action::Rooms {
                service: Some(service),
            } => format!("/rooms {service}"),
            Action::Rooms { service: None } => "/rooms".to_owned(),
            Action::Upload { path, to: Some(to) } => format!("/upload {} {to}", quoted(path)),
            Action::Upload { path, to: None } => format!("/upload {}", quoted(path)),
            Action::UploadCancel => "/upload cancel".to_owned(),
            Action::Open { n } => format!("/open {n}"),
            Action::Vcard { jid: Some(jid) } => format!("/vcard {jid}"),
            Action::Vcard { jid: None } => "/vcard".to_owned(),
            Action::VcardSet { field, .. } => format!("/vcard set {}", field.as_str()),
            Action::VcardRetry => "/vcard retry".to_owned(),
            Action::Configure { .. } => "/configure".to_owned(),
            Action::Invitations => "/invitations".to_owned(),
            Action::Continue { .. } => "/continue".to_owned(),
            Action::Accept { room: Some(room) } => format!("/accept {room}"),
            Action::Accept { room: None } => "/accept".to_owned(),
            Action::Decline {
                room: Some(room), ..
            } => format!("/decline {room}"),
            Action::Decline { room: None, .. } => "/decline".to_owned(),
            Action::Normal { to, .. } => format!("/normal {to}"),
            Action::Me { .. } => "/me".to_owned(),
            Action::Correct { .. } => "/correct".to_owned(),
            Action::Mute { jid } => format!("/mute {jid}"),
            Action::Unmute { jid } => format!("/unmute {jid}"),
            Action::Headline { to, .. } => format!("/headline {to}"),
            Action::Add { jid, .. } => format!("/add {jid}"),
            Action::Remove { jid } => format!("/remove {jid}"),
            Action::Rename { jid, .. } => format!("/rename {jid}"),
            Action::Group { jid, .. } => format!("/group {jid}"),
            Action::Subscribe { jid, .. } => format!("/subscribe {jid}"),
            Action::Unsubscribe { jid } => format!("/unsubscribe {jid}"),
            Action::Approve { jid } => format!("/approve {jid}"),
            Action::Deny { jid } => format!("/deny {jid}"),
            Action::Cancel { jid } => format!("/cancel {jid}"),
            Action::Preapprove { jid } => format!("/preapprove {jid}"),
            Action::Status { availability, .. } => format!("/status {}", availability.as_str()),
            Action::Priority(n) => format!("/priority {n}"),
            Action::Presence { to, .. } => format!("/presence {to}"),
            Action::Roster => "/roster".to_owned(),
            Action::Contact { jid } => format!("/contact {jid}"),
            Action::Help { .. } => "/help".to_owned(),
            Action::Quit { .. } => "/quit".to_owned(),
            Action::Reconnect => "/reconnect".to_owned(),
            Action::Disconnect { .. } => "/disconnect".to_owned(),
            Action::Search { text } => format!("/search {text}"),
            Action::Say { .. } => "say".to_owned(),
            Action::Block { jid } => format!("/block {jid}"),
            Action::Unblock { jid: Some(jid) } => format!("/unblock {jid}"),
            Action::Unblock { jid: None } => "/unblock *".to_owned(),
            Action::Blocklist => "/blocklist".to_owned(),
            Action::Privacy(sub) => match sub {
                PrivacyCommand::List => "/privacy list".to_owned(),
                PrivacyCommand::Show(name) => format!("/privacy show {name}"),
                PrivacyCommand::Active(Some(name)) => format!("/privacy active {name}"),
                PrivacyCommand::Active(None) => "/privacy decline active".to_owned(),
                PrivacyCommand::Default(Some(name)) => format!("/privacy default {name}"),
                PrivacyCommand::Default(None) => "/privacy decline default".to_owned(),
                PrivacyCommand::Delete(name) => format!("/privacy delete {name}"),
                PrivacyCommand::Rule { list, item } => {
                    format!("/privacy rule {list} {}", item.order)
                }
                PrivacyCommand::Unrule { list, order } => {
                    format!("/privacy unrule {list} {order}")
                }
                PrivacyCommand::Save(list) => format!("/privacy save {}", list.name),
            },
            Action::Bookmark(sub) => match sub {
                BookmarkCommand::List => "/bookmark list".to_owned(),
                BookmarkCommand::Add(edit) => format!("/bookmark add {}", edit.room),
                BookmarkCommand::Remove(room) => format!("/bookmark remove {room}"),
            },
            Action::BookmarkHere(BookmarkHere::Add { .. }) => "/bookmark add".to_owned(),
            Action::BookmarkHere(BookmarkHere::Remove) => "/bookmark remove".to_owned(),
            Action::Omemo(sub) => omemo_label(sub),
        }
    }
}

/// `/omemo …` as typed, with the JID when there is one.
fn omemo_label(command: &OmemoCommand) -> String {
    let with = |word: &str, jid: &Option<jid::BareJid>| match jid {
        Some(jid) => format!("/omemo {word} {jid}"),
        None => format!("/omemo {word}"),
    };
    match command {
        OmemoCommand::On(jid) => with("on", jid),
        OmemoCommand::Off(jid) => with("off", jid),
        OmemoCommand::Fingerprints(jid) => with("fingerprints", jid),
        OmemoCommand::Trust { jid, fingerprint } => format!("/omemo trust {jid} {fingerprint}"),
        OmemoCommand::Untrust { jid, fingerprint } => {
            format!("/omemo untrust {jid} {fingerprint}")
        }
    }
}

/// The row named `name` in [`COMMANDS`], for [`Action::spec`]; evaluated
/// while compiling, where a missing name stops the build.
const fn row(name: &str) -> &'static CommandSpec {
    let mut i = 0;
    while i < COMMANDS.len() {
        if same_bytes(COMMANDS[i].name.as_bytes(), name.as_bytes()) {
            return &COMMANDS[i];
        }
        i += 1;
    }
    panic!("Action::spec names a command that has no row in COMMANDS");
}

const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The row of a typed command name. Whole names only, ignoring case: a
/// unique prefix such as "/rem" could remove a contact the user meant to
/// rename.
pub(super) fn find_command(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|spec| spec.name.eq_ignore_ascii_case(name))
}

/// The command names starting with `prefix`, ignoring case, in table order.
pub(super) fn command_names(prefix: &str) -> impl Iterator<Item = &'static str> + '_ {
    COMMANDS
        .iter()
        .map(|spec| spec.name)
        .filter(move |name| starts_with_ignoring_case(name, prefix))
}

pub(super) fn starts_with_ignoring_case(candidate: &str, prefix: &str) -> bool {
    candidate.to_lowercase().starts_with(&prefix.to_lowercase())
}

/// `/name args`, or `/name` alone when the command takes nothing.
pub(super) fn usage_line(name: &str, args: &str) -> String {
    if args.is_empty() {
        format!("/{name}")
    } else {
        format!("/{name} {args}")
    }
}

/// A path as `/upload` reads it back: in double quotes when it has spaces.
fn quoted(path: &str) -> String {
    if path.contains(char::is_whitespace) {
        format!("\"{path}\"")
    } else {
        path.to_owned()
    }
}
