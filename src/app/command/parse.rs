//! Parsing one line into an [`Action`]: [`parse`] finds the row in the
//! table and hands the words after the command name to that row's parse
//! function. Each `parse_*` function reads its arguments through [`Args`],
//! which turns every missing, extra or malformed word into a
//! [`CommandError::Usage`] naming the command's usage line; addresses go
//! through `jid_input`. A new command's parse function goes here, named by
//! its row in `table.rs`.

use std::collections::HashSet;

use jid::{BareJid, Jid};

use crate::xmpp::stanza::presence::parse_priority;
use crate::xmpp::stanza::privacy::PrivacyItem;

use super::jid_input::{parse_bare_jid, parse_jid, shown};
use super::table::{CommandSpec, SAY, find_command};
use super::{
    Action, Availability, BookmarkCommand, BookmarkEdit, BookmarkHere, CommandError, Moderation,
    OmemoCommand, PresenceChoice, PrivacyCommand, Target,
};
use crate::xmpp::stanza::muc::admin::ListKind;
use crate::xmpp::stanza::muc::{Affiliation, Role};

const AVAILABILITY_WORDS: &str = "online, chat, away, xa or dnd";

/// Turns one line into an action. Surrounding whitespace is ignored; a line
/// that does not start with `/` is text for the current conversation.
pub fn parse(line: &str) -> Result<Action, CommandError> {
    let line = line.trim();
    if line.is_empty() {
        return Err(CommandError::Empty);
    }
    let Some(command_line) = line.strip_prefix('/') else {
        return (SAY.parse)(&mut Args {
            spec: &SAY,
            rest: line,
        });
    };
    if command_line.starts_with('/') {
        // "//" escapes the slash so text like "/shrug" can be sent as is.
        return (SAY.parse)(&mut Args {
            spec: &SAY,
            rest: command_line,
        });
    }
    let name_end = command_line
        .find(char::is_whitespace)
        .unwrap_or(command_line.len());
    let (name, rest) = command_line.split_at(name_end);
    let spec = find_command(name).ok_or_else(|| CommandError::Unknown(name.to_owned()))?;
    (spec.parse)(&mut Args { spec, rest })
}

/// Plain text, already trimmed by [`parse`] and with a `//` escape undone.
pub(super) fn parse_say(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let text = std::mem::take(&mut args.rest).to_owned();
    Ok(Action::Say { text })
}

/// The words after the command name, consumed left to right.
pub(super) struct Args<'a> {
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

    /// The next word, left in place.
    fn peek_word(&self) -> Option<&'a str> {
        let rest = self.rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
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

pub(super) fn parse_msg(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    Ok(Action::Message {
        to,
        body: args.text(),
    })
}

/// `/join ROOM[/NICK] [PASSWORD] [--configure]`: the nick is the
/// address's resource.
pub(super) fn parse_join(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let address = args.jid()?;
    if address.node().is_none() {
        return Err(args.usage(format!(
            "{} is a service, not a room: a room is room@service",
            address
        )));
    }
    let mut password = None;
    let mut configure = false;
    while let Some(word) = args.word() {
        if word == "--configure" {
            configure = true;
        } else if password.is_none() {
            password = Some(word.to_owned());
        } else {
            return Err(args.usage(format!("{} is one word too many", shown(word))));
        }
    }
    args.finish()?;
    Ok(Action::Join {
        room: address.to_bare(),
        nick: address.resource().map(|r| r.as_str().to_owned()),
        password,
        configure,
    })
}

/// `/leave [ROOM] [TEXT]`: a first word with an `@` is the room.
pub(super) fn parse_leave(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let rest = args.rest.trim_start();
    let first = rest.split_whitespace().next().unwrap_or_default();
    let room = if first.contains('@') {
        Some(args.bare_jid()?)
    } else {
        None
    };
    Ok(Action::Leave {
        room,
        text: args.text(),
    })
}

pub(super) fn parse_nick(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let nick = args.required_text("the nick")?;
    Ok(Action::Nick { nick })
}

pub(super) fn parse_topic(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Topic { text: args.text() })
}

pub(super) fn parse_normal(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    let (subject, body) = args.subject_and_body()?;
    Ok(Action::Normal { to, subject, body })
}

pub(super) fn parse_headline(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let to = args.jid()?;
    let (subject, body) = args.subject_and_body()?;
    Ok(Action::Headline { to, subject, body })
}

pub(super) fn parse_add(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    Ok(Action::Add {
        jid,
        name: args.text(),
    })
}

pub(super) fn parse_remove(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Remove {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_rename(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    Ok(Action::Rename {
        jid,
        name: args.text(),
    })
}

pub(super) fn parse_group(args: &mut Args<'_>) -> Result<Action, CommandError> {
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

pub(super) fn parse_subscribe(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.bare_jid()?;
    Ok(Action::Subscribe {
        jid,
        greeting: args.text(),
    })
}

pub(super) fn parse_unsubscribe(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Unsubscribe {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_approve(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Approve {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_deny(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Deny {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_cancel(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Cancel {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_preapprove(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Preapprove {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_status(args: &mut Args<'_>) -> Result<Action, CommandError> {
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

pub(super) fn parse_priority_command(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let word = args.required("the priority (a whole number from -128 to 127)")?;
    args.finish()?;
    parse_priority(word)
        .map(Action::Priority)
        .map_err(CommandError::InvalidPriority)
}

pub(super) fn parse_presence(args: &mut Args<'_>) -> Result<Action, CommandError> {
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

pub(super) fn parse_roster(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Roster)
}

pub(super) fn parse_contact(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Contact {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_help(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let topic = args
        .word()
        .map(|t| t.trim_start_matches('/').to_lowercase())
        .filter(|t| !t.is_empty());
    args.finish()?;
    Ok(Action::Help { topic })
}

pub(super) fn parse_search(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Search {
        text: args.required_text("the text to find")?,
    })
}

/// ME-03: the text goes out unchanged after `/me `.
pub(super) fn parse_me(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Me {
        text: args.required_text("the action")?,
    })
}

pub(super) fn parse_correct(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Correct {
        text: args.required_text("the corrected text")?,
    })
}

pub(super) fn parse_mute(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Mute {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_unmute(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Unmute {
        jid: args.only_bare_jid()?,
    })
}

pub(super) fn parse_reconnect(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Reconnect)
}

pub(super) fn parse_disconnect(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Disconnect {
        status: args.text(),
    })
}

pub(super) fn parse_block(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let jid = args.jid()?;
    args.finish()?;
    Ok(Action::Block { jid })
}

pub(super) fn parse_unblock(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let word = args.required("the JID (or * for everyone)")?;
    args.finish()?;
    if word == "*" {
        return Ok(Action::Unblock { jid: None });
    }
    Ok(Action::Unblock {
        jid: Some(parse_jid(word)?),
    })
}

pub(super) fn parse_blocklist(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Blocklist)
}

pub(super) fn parse_privacy(args: &mut Args<'_>) -> Result<Action, CommandError> {
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

/// `/bookmark [list | add ROOM [FLAGS] | remove ROOM]`; a bare
/// `/bookmark` lists them.
pub(super) fn parse_bookmark(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let sub = args.word().unwrap_or("list").to_lowercase();
    let command = match sub.as_str() {
        "list" => BookmarkCommand::List,
        // Without ROOM: the room window on screen.
        "add" if args.peek_word().is_none_or(|w| w.starts_with("--")) => {
            let edit = parse_bookmark_options(args)?;
            args.finish()?;
            return Ok(Action::BookmarkHere(BookmarkHere::Add {
                name: edit.name,
                nick: edit.nick,
                password: edit.password,
                autojoin: edit.autojoin,
            }));
        }
        "remove" if args.peek_word().is_none() => {
            return Ok(Action::BookmarkHere(BookmarkHere::Remove));
        }
        "add" => BookmarkCommand::Add(parse_bookmark_edit(args)?),
        "remove" => BookmarkCommand::Remove(bookmark_room(args)?),
        other => {
            return Err(args.usage(format!(
                "unknown subcommand {}: use list, add or remove",
                shown(other)
            )));
        }
    };
    args.finish()?;
    Ok(Action::Bookmark(command))
}

/// A room's bare JID: a local part at a service.
fn bookmark_room(args: &mut Args<'_>) -> Result<BareJid, CommandError> {
    let word = args.required("the room (room@conference.example.com)")?;
    let room = parse_bare_jid(word)?;
    if room.node().is_none() {
        return Err(args.usage(format!(
            "{} is a service, not a room: give room@service",
            shown(word)
        )));
    }
    Ok(room)
}

/// `ROOM [--autojoin|--no-autojoin] [--nick NICK] [--name NAME]
/// [--password PW]`; NAME runs to the next `--` flag.
fn parse_bookmark_edit(args: &mut Args<'_>) -> Result<BookmarkEdit, CommandError> {
    let room = bookmark_room(args)?;
    let options = parse_bookmark_options(args)?;
    Ok(BookmarkEdit {
        room,
        name: options.name,
        nick: options.nick,
        password: options.password,
        autojoin: options.autojoin,
    })
}

/// The options of `/bookmark add`.
struct BookmarkOptions {
    name: Option<String>,
    nick: Option<String>,
    password: Option<String>,
    autojoin: Option<bool>,
}

/// `[--autojoin|--no-autojoin] [--nick NICK] [--name NAME] [--password
/// PW]`.
fn parse_bookmark_options(args: &mut Args<'_>) -> Result<BookmarkOptions, CommandError> {
    let mut edit = BookmarkOptions {
        name: None,
        nick: None,
        password: None,
        autojoin: None,
    };
    while let Some(flag) = args.word() {
        let twice = |args: &Args<'_>| args.usage(format!("{flag} is given twice"));
        match flag {
            "--autojoin" | "--no-autojoin" => {
                if edit.autojoin.is_some() {
                    return Err(twice(args));
                }
                edit.autojoin = Some(flag == "--autojoin");
            }
            "--nick" => {
                if edit.nick.is_some() {
                    return Err(twice(args));
                }
                edit.nick = Some(args.required("the nick after --nick")?.to_owned());
            }
            "--password" => {
                if edit.password.is_some() {
                    return Err(twice(args));
                }
                edit.password = Some(args.required("the password after --password")?.to_owned());
            }
            "--name" => {
                if edit.name.is_some() {
                    return Err(twice(args));
                }
                let mut words = Vec::new();
                while let Some(word) = args.peek_word().filter(|w| !w.starts_with("--")) {
                    words.push(word);
                    args.word();
                }
                if words.is_empty() {
                    return Err(args.usage("missing the name after --name".into()));
                }
                edit.name = Some(words.join(" "));
            }
            other => {
                return Err(args.usage(format!(
                    "unknown option {}: use --autojoin, --no-autojoin, --nick, --name or --password",
                    shown(other)
                )));
            }
        }
    }
    Ok(edit)
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

pub(super) fn parse_quit(args: &mut Args<'_>) -> Result<Action, CommandError> {
    Ok(Action::Quit {
        status: args.text(),
    })
}

/// A leading `--room ROOM`: the room a room command acts on instead of
/// the current window's.
fn room_option(args: &mut Args<'_>) -> Result<Option<BareJid>, CommandError> {
    let rest = args.rest.trim_start();
    let Some(after) = rest.strip_prefix("--room") else {
        return Ok(None);
    };
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return Ok(None);
    }
    args.rest = after;
    let word = args.required("the room after --room")?;
    parse_bare_jid(word).map(Some)
}

/// A first word with an `@` is a JID, anything else a nick (MUC-38).
fn target(args: &mut Args<'_>) -> Result<Target, CommandError> {
    let word = args.required("the JID or nick")?;
    if word.contains('@') {
        parse_bare_jid(word).map(Target::Jid)
    } else {
        Ok(Target::Nick(word.to_owned()))
    }
}

fn moderate(
    args: &mut Args<'_>,
    order: impl FnOnce(&mut Args<'_>) -> Result<Moderation, CommandError>,
) -> Result<Action, CommandError> {
    let room = room_option(args)?;
    let order = order(args)?;
    Ok(Action::Moderate { room, order })
}

pub(super) fn parse_kick(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        let nick = args.required("the nick")?.to_owned();
        Ok(Moderation::Kick {
            nick,
            reason: args.text(),
        })
    })
}

pub(super) fn parse_ban(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        let target = target(args)?;
        Ok(Moderation::Ban {
            target,
            reason: args.text(),
        })
    })
}

pub(super) fn parse_voice(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        let nick = args.required("the nick")?.to_owned();
        args.finish()?;
        Ok(Moderation::Voice { nick })
    })
}

pub(super) fn parse_register(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let room = args.bare_jid()?;
    let nick = args.word().map(str::to_owned);
    args.finish()?;
    Ok(Action::Register { room, nick })
}

pub(super) fn parse_requestvoice(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let room = room_option(args)?;
    args.finish()?;
    Ok(Action::RequestVoice { room })
}

pub(super) fn parse_allowvoice(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let room = room_option(args)?;
    let nick = args.word().map(str::to_owned);
    args.finish()?;
    Ok(Action::AllowVoice { room, nick })
}

pub(super) fn parse_devoice(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        let nick = args.required("the nick")?.to_owned();
        args.finish()?;
        Ok(Moderation::Devoice { nick })
    })
}

pub(super) fn parse_role(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        let nick = args.required("the nick")?.to_owned();
        let word = args.required("the role")?;
        let role = word.to_ascii_lowercase().parse::<Role>().map_err(|_| {
            args.usage(format!(
                "roles are moderator, participant, visitor or none, not {}",
                shown(word)
            ))
        })?;
        args.finish()?;
        Ok(Moderation::Role { nick, role })
    })
}

pub(super) fn parse_affiliation(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        let target = target(args)?;
        let word = args.required("the affiliation")?;
        let affiliation = word
            .to_ascii_lowercase()
            .parse::<Affiliation>()
            .map_err(|_| {
                args.usage(format!(
                    "affiliations are owner, admin, member, none or outcast, not {}",
                    shown(word)
                ))
            })?;
        args.finish()?;
        Ok(Moderation::Affiliation {
            target,
            affiliation,
        })
    })
}

pub(super) fn parse_destroy(args: &mut Args<'_>) -> Result<Action, CommandError> {
    moderate(args, |args| {
        Ok(Moderation::Destroy {
            reason: args.text(),
        })
    })
}

pub(super) fn parse_rooms(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let service = match args.peek_word() {
        Some(_) => Some(args.only_bare_jid()?),
        None => None,
    };
    args.finish()?;
    Ok(Action::Rooms { service })
}

/// `/open [N]`: N counts from 1, the newest link.
pub(super) fn parse_open(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let n = match args.word() {
        None => 1,
        Some(word) => match word.parse::<usize>() {
            Ok(n) if (1..=super::super::link::MAX_LINKS).contains(&n) => n,
            _ => {
                return Err(args.usage(format!(
                    "N is a number from 1 (the newest link) to {}",
                    super::super::link::MAX_LINKS
                )));
            }
        },
    };
    args.finish()?;
    Ok(Action::Open { n })
}

/// `/upload PATH [JID]`, PATH quoted with `"` or `'` or its spaces escaped
/// with `\` (as a terminal pastes a dropped file); or `/upload cancel`.
pub(super) fn parse_upload(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let text = args.required_text("the file's path")?;
    if text == "cancel" {
        return Ok(Action::UploadCancel);
    }
    let (path, rest) = split_path(&text).map_err(|why| args.usage(why.to_owned()))?;
    if path.is_empty() {
        return Err(args.usage("missing the file's path".to_owned()));
    }
    let to = match rest.as_str() {
        "" => None,
        jid if jid.contains(char::is_whitespace) => {
            return Err(args.usage(format!("unexpected extra text {}", shown(jid))));
        }
        jid => Some(parse_bare_jid(jid)?),
    };
    Ok(Action::Upload {
        path: expand_home(&path),
        to,
    })
}

/// `/vcard [JID]`, `/vcard set FIELD [VALUE]` or `/vcard retry`.
pub(super) fn parse_vcard(args: &mut Args<'_>) -> Result<Action, CommandError> {
    use crate::xmpp::stanza::vcard::Field;
    match args.peek_word() {
        None => Ok(Action::Vcard { jid: None }),
        Some("set") => {
            args.word();
            let word = args.required("the field")?;
            let field = Field::parse(word).ok_or_else(|| {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
                args.usage(format!(
                    "fields are {}, not {}",
                    known.join(", "),
                    shown(word)
                ))
            })?;
            Ok(Action::VcardSet {
                field,
                value: args.text(),
            })
        }
        Some("retry") => {
            args.word();
            args.finish()?;
            Ok(Action::VcardRetry)
        }
        Some(_) => Ok(Action::Vcard {
            jid: Some(args.only_bare_jid()?),
        }),
    }
}

/// `/omemo on|off|fingerprints [JID]`, `/omemo trust|untrust JID
/// FINGERPRINT`.
pub(super) fn parse_omemo(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let sub = args
        .required("on, off, fingerprints, trust or untrust")?
        .to_lowercase();
    let command = match sub.as_str() {
        "on" => OmemoCommand::On(optional_bare_jid(args)?),
        "off" => OmemoCommand::Off(optional_bare_jid(args)?),
        "fingerprints" => OmemoCommand::Fingerprints(optional_bare_jid(args)?),
        "trust" | "untrust" => {
            let jid = args.bare_jid()?;
            let typed = args.required_text("the fingerprint")?;
            let fingerprint = fingerprint(&typed).ok_or_else(|| {
                args.usage(format!(
                    "{} is not a fingerprint: 64 hexadecimal digits, as /omemo fingerprints shows",
                    shown(&typed)
                ))
            })?;
            if sub == "trust" {
                OmemoCommand::Trust { jid, fingerprint }
            } else {
                OmemoCommand::Untrust { jid, fingerprint }
            }
        }
        other => {
            return Err(args.usage(format!(
                "unknown subcommand {}: use on, off, fingerprints, trust or untrust",
                shown(other)
            )));
        }
    };
    args.finish()?;
    Ok(Action::Omemo(command))
}

fn optional_bare_jid(args: &mut Args<'_>) -> Result<Option<BareJid>, CommandError> {
    args.word().map(parse_bare_jid).transpose()
}

/// A key's fingerprint as clients show it: hexadecimal in any case, in
/// groups split by spaces or colons, perhaps with the `05` that marks a
/// Curve25519 key in front. Lower case, without separators: the 32 bytes
/// of the key.
fn fingerprint(typed: &str) -> Option<String> {
    let hex: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let hex = match hex.len() {
        66 => hex.strip_prefix("05")?.to_owned(),
        _ => hex,
    };
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

/// The first word of `text` read as a shell would read a path: quoted
/// with `"` or `'`, or with `\` before a space; and the rest, trimmed.
fn split_path(text: &str) -> Result<(String, String), &'static str> {
    let mut path = String::new();
    let mut chars = text.char_indices();
    let mut quote = None;
    while let Some((at, c)) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '\\') => match chars.next() {
                Some((_, escaped)) => path.push(escaped),
                None => path.push('\\'),
            },
            (None, c) if c.is_whitespace() => {
                return Ok((path, text[at..].trim().to_owned()));
            }
            (_, c) => path.push(c),
        }
    }
    match quote {
        Some(_) => Err("the path's closing quote is missing"),
        None => Ok((path, String::new())),
    }
}

/// `~/` at the start of a path is the home directory.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home)
            .join(rest)
            .to_string_lossy()
            .into_owned(),
        _ => path.to_owned(),
    }
}

pub(super) fn parse_members(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let room = room_option(args)?;
    let word = args.required("the affiliation or role")?;
    let kind = ListKind::parse(&word.to_ascii_lowercase()).ok_or_else(|| {
        args.usage(format!(
            "lists are owner, admin, member, outcast, moderator or participant, not {}",
            shown(word)
        ))
    })?;
    args.finish()?;
    Ok(Action::Members { room, kind })
}

/// `/invite [--room ROOM] [--direct|--mediated] JID [TEXT]`, the options
/// in any order.
pub(super) fn parse_invite(args: &mut Args<'_>) -> Result<Action, CommandError> {
    use crate::app::room::invitation::Via;
    let mut room = None;
    let mut via = Via::Auto;
    loop {
        if let Some(named) = room_option(args)? {
            room = Some(named);
            continue;
        }
        let rest = args.rest.trim_start();
        let chosen = [("--direct", Via::Direct), ("--mediated", Via::Mediated)]
            .into_iter()
            .find(|(flag, _)| {
                rest.strip_prefix(flag)
                    .is_some_and(|after| after.is_empty() || after.starts_with(char::is_whitespace))
            });
        let Some((flag, chosen)) = chosen else {
            break;
        };
        args.rest = &rest[flag.len()..];
        via = chosen;
    }
    let jid = args.bare_jid()?;
    Ok(Action::Invite {
        room,
        jid,
        reason: args.text(),
        via,
    })
}

/// `/continue [--room ROOM] [--history] [JID…]`, the options in any
/// order before the JIDs.
pub(super) fn parse_continue(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let mut room = None;
    let mut history = false;
    loop {
        if let Some(named) = room_option(args)? {
            room = Some(named);
            continue;
        }
        let rest = args.rest.trim_start();
        match rest.strip_prefix("--history") {
            Some(after) if after.is_empty() || after.starts_with(char::is_whitespace) => {
                args.rest = after;
                history = true;
            }
            _ => break,
        }
    }
    let mut others = Vec::new();
    while args.peek_word().is_some() {
        others.push(args.bare_jid()?);
    }
    Ok(Action::Continue {
        room,
        history,
        others,
    })
}

pub(super) fn parse_invitations(args: &mut Args<'_>) -> Result<Action, CommandError> {
    args.finish()?;
    Ok(Action::Invitations)
}

/// A first word with an `@` is the room.
fn optional_room(args: &mut Args<'_>) -> Result<Option<BareJid>, CommandError> {
    let rest = args.rest.trim_start();
    let first = rest.split_whitespace().next().unwrap_or_default();
    if first.contains('@') {
        args.bare_jid().map(Some)
    } else {
        Ok(None)
    }
}

pub(super) fn parse_accept(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let room = optional_room(args)?;
    args.finish()?;
    Ok(Action::Accept { room })
}

pub(super) fn parse_decline(args: &mut Args<'_>) -> Result<Action, CommandError> {
    let room = optional_room(args)?;
    Ok(Action::Decline {
        room,
        reason: args.text(),
    })
}

/// `/configure [--room ROOM] [KEY=VALUE …|submit|cancel]`; a value may be
/// "quoted" to hold spaces.
pub(super) fn parse_configure(args: &mut Args<'_>) -> Result<Action, CommandError> {
    use crate::app::room::configure::Step;
    let room = room_option(args)?;
    let word = args.rest.trim();
    for (name, step) in [("submit", Step::Submit), ("cancel", Step::Cancel)] {
        if word.eq_ignore_ascii_case(name) {
            args.rest = "";
            return Ok(Action::Configure {
                room,
                changes: Vec::new(),
                step,
            });
        }
    }
    let mut changes = Vec::new();
    loop {
        let rest = args.rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let Some((key, after)) = rest.split_once('=') else {
            return Err(args.usage(format!("{} is not KEY=VALUE", shown(rest))));
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(args.usage(format!("{} is not KEY=VALUE", shown(rest))));
        }
        args.rest = after;
        let value = if args.rest.starts_with('"') {
            quoted_word(args)
                .ok_or_else(|| args.usage("a quoted value is not closed".to_owned()))?
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            let (value, rest) = after.split_at(end);
            args.rest = rest;
            value.to_owned()
        };
        changes.push((key.to_owned(), value));
    }
    Ok(Action::Configure {
        room,
        changes,
        step: Step::Ask,
    })
}
