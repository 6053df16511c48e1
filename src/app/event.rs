//! What happened, for the user: the store emits one [`Event`] for every
//! message, presence change, subscription request or answer, roster change,
//! error and command outcome. `balcony exec` prints them one a line (JSON
//! lines with `--json`); the TUI shows the notable ones in its status area.
//!
//! Remote text is carried as received; the text form strips control
//! characters so a line stays one line (SEC-05).

use serde::Serialize;

use crate::sanitize::one_line;

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    Online {
        jid: String,
    },
    Offline {
        error: Option<String>,
    },
    Message {
        from: String,
        kind: String,
        thread: Option<String>,
        subject: Option<String>,
        body: String,
        /// ME-01, ME-06: for a `/me` body, the action in words with our
        /// name for the sender (`Romeo waves`); the body stays as sent.
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<String>,
    },
    /// XEP-0280: a copy of a message another of our devices sent
    /// (`direction` `sent`: `from` is that device, `to` the recipient) or
    /// received (`received`: `from` the sender, `to` that device).
    Carbon {
        direction: String,
        from: String,
        to: String,
        kind: String,
        thread: Option<String>,
        subject: Option<String>,
        body: String,
    },
    /// A message written while offline has gone out.
    Sent {
        to: String,
        id: String,
    },
    /// XEP-0184: the recipient's client confirmed it got our message `id`
    /// (RECEIPTS-08).
    Receipt {
        from: String,
        id: String,
    },
    /// XEP-0085: a contact's client says what its user is doing
    /// (`composing`, `paused`, `active`, `inactive` or `gone`); reported
    /// when it changes, not for every message that repeats it (STATES-09).
    ChatState {
        from: String,
        state: String,
    },
    /// XEP-0308: `from` corrected the message `id` (the original's id) to
    /// `body`: the contact, or another of our devices (CORRECT-11).
    Correction {
        from: String,
        to: String,
        id: String,
        body: String,
    },
    /// XEP-0333: `from` has seen the message `id` and those before it; from
    /// another of our devices (`to` the contact), we read it there.
    Displayed {
        from: String,
        to: String,
        id: String,
    },
    /// A message of ours came back as an error (MSG-12).
    MessageError {
        from: String,
        id: Option<String>,
        error: String,
    },
    Headline {
        from: String,
        subject: Option<String>,
        body: String,
    },
    Presence {
        jid: String,
        availability: String,
        status: Option<String>,
        priority: i8,
    },
    PresenceError {
        jid: String,
        error: String,
    },
    SubscriptionRequest {
        jid: String,
        greeting: Option<String>,
    },
    /// `subscribed`, `unsubscribed` or `unsubscribe` from a contact (SUB-11).
    SubscriptionNotice {
        jid: String,
        kind: String,
    },
    Roster {
        jid: String,
        name: Option<String>,
        subscription: String,
        ask: bool,
        approved: bool,
        pending_in: bool,
        groups: Vec<String>,
    },
    RosterRemoved {
        jid: String,
    },
    /// The outcome of a command; `tag` pairs it with the command.
    Result {
        tag: u64,
        command: String,
        ok: bool,
        text: String,
    },
    /// Output a command produced (help text, a listing).
    Info {
        text: String,
    },
    Error {
        text: String,
    },
    /// A room bookmark (BOOKMARKS-03, BOOKMARKS-12): listed by
    /// `/bookmark list`, or added or changed here or on another device
    /// (BOOKMARKS-10). `password` says whether one is stored, never what.
    Bookmark {
        room: String,
        name: Option<String>,
        autojoin: bool,
        nick: Option<String>,
        password: bool,
    },
    /// A bookmark was removed, here or on another device.
    BookmarkRemoved {
        room: String,
    },
    /// A bookmark asks to `join` the room as `nick` (autojoin at login or
    /// on a change, BOOKMARKS-04) or to `leave` it (BOOKMARKS-10).
    RoomChange {
        change: String,
        room: String,
        nick: Option<String>,
    },
    /// The login's catch-up from the server archive is over (MAM-07):
    /// `count` messages from while we were away were filed; `complete`
    /// when it reached the end of the archive.
    CatchUp {
        count: usize,
        complete: bool,
    },
    /// XEP-0045: the join of `room` is complete (MUC-10): our nick there
    /// (MUC-11) and how many occupants it has, us included.
    RoomJoined {
        room: String,
        nick: String,
        occupants: usize,
    },
    /// An occupant of a room we are in changed (MUC-14, MUC-15, MUC-28):
    /// `change` is `joined`, `left`, `renamed` (to `new_nick`), `removed`
    /// (kicked, banned: `why`) or `changed` (role or affiliation).
    Occupant {
        room: String,
        nick: String,
        change: String,
        role: String,
        affiliation: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        jid: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        new_nick: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        actor: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Our message `id` came back from `room` (MUC-17): it is in the
    /// room, shown once; `room_id` is the id the room's archive gave it.
    Reflected {
        room: String,
        id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        room_id: Option<String>,
    },
    /// The room's subject (MUC-19), set by `nick` when known; empty when
    /// cleared.
    RoomSubject {
        room: String,
        nick: Option<String>,
        subject: String,
    },
    /// What a room told us, or what we tell the user about it (warnings
    /// MUC-12, notices MUC-29).
    RoomNotice {
        room: String,
        text: String,
    },
    /// We are out of `room` (MUC-25…27): `why` is `left`, `kicked`,
    /// `banned`, `removed`, `destroyed` or `disconnected`.
    RoomLeft {
        room: String,
        why: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        actor: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        alternative: Option<String>,
    },
    /// A room refused something (MUC-13, MUC-16, MUC-18): `error` is the
    /// condition, `text` says what to do.
    RoomError {
        room: String,
        error: String,
        text: String,
    },
    /// An invitation into `room` waits for the user (MUC-30, MUC-48):
    /// `mediated` when it came through the room. The password, if any, is
    /// never shown (MUC-53).
    Invitation {
        room: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        mediated: bool,
        /// The room continues our 1:1 chat in this thread (MUC-52).
        #[serde(skip_serializing_if = "Option::is_none")]
        continues: Option<String>,
    },
    /// A visitor in `room` asks us, a moderator, for voice (MUC-37).
    VoiceRequest {
        room: String,
        nick: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        jid: Option<String>,
    },
    /// Someone declined our invitation into `room` (MUC-31).
    InvitationDeclined {
        room: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// `/upload` command `tag` has sent `sent` of the `total` bytes of
    /// `file` (UPLOAD-06).
    UploadProgress {
        tag: u64,
        file: String,
        sent: u64,
        total: u64,
    },
}

/// `sent` of `total` in whole percent (100 for an empty file).
pub fn percent(sent: u64, total: u64) -> u64 {
    if total == 0 {
        return 100;
    }
    (u128::from(sent.min(total)) * 100 / u128::from(total)) as u64
}

impl Event {
    /// The plain-text line `exec` prints without `--json`.
    pub fn to_line(&self) -> String {
        let opt = |s: &Option<String>| s.as_deref().map(one_line);
        match self {
            Event::Online { jid } => format!("online {jid}"),
            Event::Offline { error: None } => "offline".to_owned(),
            Event::Offline { error: Some(e) } => format!("offline: {}", one_line(e)),
            Event::Message {
                from,
                kind,
                thread,
                subject,
                body,
                action,
            } => {
                let mut line = format!("message {kind} from {from}");
                if let Some(thread) = opt(thread) {
                    line.push_str(&format!(" thread={thread}"));
                }
                if let Some(subject) = opt(subject) {
                    line.push_str(&format!(" subject=\"{subject}\""));
                }
                line.push_str(": ");
                match action {
                    Some(action) => line.push_str(&format!("* {}", one_line(action))),
                    None => line.push_str(&one_line(body)),
                }
                line
            }
            Event::Carbon {
                direction,
                from,
                to,
                kind,
                thread,
                subject,
                body,
            } => {
                let mut line = if direction == "sent" {
                    format!("carbon sent {kind} from other device {from} to {to}")
                } else {
                    format!("carbon received {kind} from {from} to other device {to}")
                };
                if let Some(thread) = opt(thread) {
                    line.push_str(&format!(" thread={thread}"));
                }
                if let Some(subject) = opt(subject) {
                    line.push_str(&format!(" subject=\"{subject}\""));
                }
                line.push_str(": ");
                line.push_str(&one_line(body));
                line
            }
            Event::Sent { to, id } => format!("sent to {to} id={}", one_line(id)),
            Event::Receipt { from, id } => format!("receipt from {from} id={}", one_line(id)),
            Event::ChatState { from, state } => {
                format!("chat-state from {}: {}", one_line(from), one_line(state))
            }
            Event::Correction { from, to, id, body } => format!(
                "correction from {from} to {to} id={}: {}",
                one_line(id),
                one_line(body)
            ),
            Event::Displayed { from, to, id } => {
                format!("displayed from {from} to {to} id={}", one_line(id))
            }
            Event::MessageError { from, id, error } => format!(
                "message-error from {from} id={}: {}",
                id.as_deref().map_or_else(|| "-".to_owned(), one_line),
                one_line(error)
            ),
            Event::Headline {
                from,
                subject,
                body,
            } => match opt(subject) {
                Some(subject) => format!("headline from {from} \"{subject}\": {}", one_line(body)),
                None => format!("headline from {from}: {}", one_line(body)),
            },
            Event::Presence {
                jid,
                availability,
                status,
                priority,
            } => {
                let mut line = format!("presence {jid} {availability} priority={priority}");
                if let Some(status) = opt(status) {
                    line.push_str(&format!(" \"{status}\""));
                }
                line
            }
            Event::PresenceError { jid, error } => {
                format!("presence-error {jid}: {}", one_line(error))
            }
            Event::SubscriptionRequest { jid, greeting } => match opt(greeting) {
                Some(greeting) => format!("subscription-request {jid} \"{greeting}\""),
                None => format!("subscription-request {jid}"),
            },
            Event::SubscriptionNotice { jid, kind } => format!("{kind} {jid}"),
            Event::Roster {
                jid,
                name,
                subscription,
                ask,
                approved,
                pending_in,
                groups,
            } => {
                let mut flags = Vec::new();
                if *ask {
                    flags.push("pending-out");
                }
                if *pending_in {
                    flags.push("pending-in");
                }
                if *approved {
                    flags.push("pre-approved");
                }
                format!(
                    "roster {jid} name=\"{}\" subscription={subscription}{}{} groups={}",
                    opt(name).unwrap_or_default(),
                    if flags.is_empty() { "" } else { " " },
                    flags.join(" "),
                    groups
                        .iter()
                        .map(|g| one_line(g))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Event::RosterRemoved { jid } => format!("roster-removed {jid}"),
            Event::Result {
                command, ok, text, ..
            } => {
                let verdict = if *ok { "ok" } else { "failed" };
                if text.is_empty() {
                    format!("{verdict} {command}")
                } else {
                    format!("{verdict} {command}: {}", one_line(text))
                }
            }
            Event::Info { text } => crate::sanitize::for_terminal(text).into_owned(),
            Event::Error { text } => format!("error: {}", one_line(text)),
            Event::Bookmark {
                room,
                name,
                autojoin,
                nick,
                password,
            } => {
                let mut line = format!("bookmark {}", one_line(room));
                if let Some(name) = opt(name) {
                    line.push_str(&format!(" name=\"{name}\""));
                }
                line.push_str(if *autojoin {
                    " autojoin=yes"
                } else {
                    " autojoin=no"
                });
                if let Some(nick) = opt(nick) {
                    line.push_str(&format!(" nick={nick}"));
                }
                if *password {
                    line.push_str(" password");
                }
                line
            }
            Event::BookmarkRemoved { room } => format!("bookmark-removed {}", one_line(room)),
            Event::RoomChange { change, room, nick } => match (change.as_str(), opt(nick)) {
                ("join", Some(nick)) => {
                    format!("bookmark autojoin: {} as {nick}", one_line(room))
                }
                _ => format!("bookmark {}: {}", one_line(change), one_line(room)),
            },
            Event::CatchUp { count, complete } => {
                let noun = if *count == 1 { "message" } else { "messages" };
                let rest = if *complete { "" } else { " (incomplete)" };
                format!("caught-up {count} {noun}{rest}")
            }
            Event::RoomJoined {
                room,
                nick,
                occupants,
            } => format!(
                "room-joined {room} as {} occupants={occupants}",
                one_line(nick)
            ),
            Event::Occupant {
                room,
                nick,
                change,
                role,
                affiliation,
                jid,
                new_nick,
                why,
                actor,
                reason,
            } => {
                let mut line = format!(
                    "occupant {room}/{} {change} role={role} affiliation={affiliation}",
                    one_line(nick)
                );
                if let Some(jid) = jid {
                    line.push_str(&format!(" jid={}", one_line(jid)));
                }
                if let Some(new_nick) = opt(new_nick) {
                    line.push_str(&format!(" new-nick={new_nick}"));
                }
                if let Some(why) = why {
                    line.push_str(&format!(" why={why}"));
                }
                if let Some(actor) = opt(actor) {
                    line.push_str(&format!(" by={actor}"));
                }
                if let Some(reason) = opt(reason) {
                    line.push_str(&format!(" \"{reason}\""));
                }
                line
            }
            Event::Reflected { room, id, .. } => {
                format!("reflected {room} id={}", one_line(id))
            }
            Event::RoomSubject {
                room,
                nick,
                subject,
            } => match opt(nick) {
                Some(nick) => format!("room-subject {room} by {nick}: {}", one_line(subject)),
                None => format!("room-subject {room}: {}", one_line(subject)),
            },
            Event::RoomNotice { room, text } => format!("room-notice {room}: {}", one_line(text)),
            Event::RoomLeft {
                room,
                why,
                actor,
                reason,
                alternative,
            } => {
                let mut line = format!("room-left {room} {why}");
                if let Some(actor) = opt(actor) {
                    line.push_str(&format!(" by={actor}"));
                }
                if let Some(alternative) = alternative {
                    line.push_str(&format!(" alternative={alternative}"));
                }
                if let Some(reason) = opt(reason) {
                    line.push_str(&format!(" \"{reason}\""));
                }
                line
            }
            Event::RoomError { room, error, text } => {
                format!("room-error {room} {error}: {}", one_line(text))
            }
            Event::Invitation {
                room,
                from,
                reason,
                mediated,
                continues,
            } => {
                let mut line = format!(
                    "invitation {room} {}",
                    if *mediated { "mediated" } else { "direct" }
                );
                if let Some(from) = opt(from) {
                    line.push_str(&format!(" from={from}"));
                }
                if let Some(thread) = opt(continues) {
                    line.push_str(&format!(" continues={}", one_line(&thread)));
                }
                if let Some(reason) = opt(reason) {
                    line.push_str(&format!(" \"{reason}\""));
                }
                line
            }
            Event::VoiceRequest { room, nick, jid } => {
                let mut line = format!("voice-request {room} {}", one_line(nick));
                if let Some(jid) = opt(jid) {
                    line.push_str(&format!(" jid={jid}"));
                }
                line
            }
            Event::InvitationDeclined { room, by, reason } => {
                let mut line = format!("invitation-declined {room}");
                if let Some(by) = opt(by) {
                    line.push_str(&format!(" by={by}"));
                }
                if let Some(reason) = opt(reason) {
                    line.push_str(&format!(" \"{reason}\""));
                }
                line
            }
            Event::UploadProgress {
                file, sent, total, ..
            } => format!(
                "upload-progress {}: {sent}/{total} bytes ({}%)",
                one_line(file),
                percent(*sent, *total)
            ),
        }
    }

    /// One JSON object on one line.
    pub fn to_json(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|e| {
            format!("{{\"event\":\"error\",\"text\":\"cannot encode an event: {e}\"}}")
        });
        escape_unsafe_json(json)
    }
}

/// serde_json escapes only C0 controls; everything else a terminal must
/// not see raw (C1 controls, bidi and invisible format characters) is
/// written as a `\\uXXXX` escape, so the line is safe on a terminal and
/// the decoded string is still exactly what arrived.
fn escape_unsafe_json(json: String) -> String {
    if !json.chars().any(crate::sanitize::is_unsafe) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if crate::sanitize::is_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remote text in JSON lines: C1 controls, bidi overrides and tag
    /// characters are escaped, not raw, and decode back unchanged.
    #[test]
    fn json_escapes_c1_bidi_and_invisible_characters() {
        let body = "a\u{9b}2J\u{202e}b\u{e0041}c\u{1b}[0m";
        let event = Event::Message {
            from: "romeo@example.net/orchard".into(),
            kind: "chat".into(),
            thread: None,
            subject: None,
            body: body.into(),
            action: None,
        };
        let line = event.to_json();
        assert!(!line.chars().any(crate::sanitize::is_unsafe), "{line:?}");
        assert!(
            line.contains("\\u009b") && line.contains("\\u202e"),
            "{line}"
        );
        assert!(line.contains("\\udb40\\udc41"), "{line}");
        let json: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(json["body"], body);
    }

    #[test]
    fn message_line_and_json() {
        let event = Event::Message {
            from: "romeo@example.net/orchard".into(),
            kind: "chat".into(),
            thread: Some("t-77".into()),
            subject: None,
            body: "two\nlines\u{1b}[2J".into(),
            action: None,
        };
        assert_eq!(
            event.to_line(),
            "message chat from romeo@example.net/orchard thread=t-77: two lines[2J"
        );
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["event"], "message");
        assert_eq!(json["body"], "two\nlines\u{1b}[2J");
    }

    /// ME-01, ME-06: an action prints as `* Romeo waves`; JSON keeps the
    /// body as sent and adds the action's words; other messages have no
    /// `action` field.
    #[test]
    fn me_action_in_text_and_json() {
        let mut event = Event::Message {
            from: "romeo@example.net/orchard".into(),
            kind: "chat".into(),
            thread: None,
            subject: None,
            body: "/me waves\u{1b}[2J".into(),
            action: Some("Romeo waves\u{1b}[2J".into()),
        };
        assert_eq!(
            event.to_line(),
            "message chat from romeo@example.net/orchard: * Romeo waves[2J"
        );
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["body"], "/me waves\u{1b}[2J");
        assert_eq!(json["action"], "Romeo waves\u{1b}[2J");
        if let Event::Message { action, .. } = &mut event {
            *action = None;
        }
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert!(json.get("action").is_none(), "{json}");
    }

    /// CORRECT-11, MARKERS-06: corrections and markers name their sender,
    /// recipient and the message's id in both forms, remote text made safe.
    #[test]
    fn correction_and_displayed_lines_and_json() {
        let correction = Event::Correction {
            from: "romeo@example.net/orchard".into(),
            to: "juliet@example.com/balcony".into(),
            id: "m1".into(),
            body: "window\u{1b}[2J".into(),
        };
        assert_eq!(
            correction.to_line(),
            "correction from romeo@example.net/orchard to juliet@example.com/balcony id=m1: \
             window[2J"
        );
        let json: serde_json::Value = serde_json::from_str(&correction.to_json()).unwrap();
        assert_eq!(json["event"], "correction");
        assert_eq!(json["id"], "m1");
        assert_eq!(json["body"], "window\u{1b}[2J");
        let displayed = Event::Displayed {
            from: "romeo@example.net/orchard".into(),
            to: "juliet@example.com/balcony".into(),
            id: "m5".into(),
        };
        assert_eq!(
            displayed.to_line(),
            "displayed from romeo@example.net/orchard to juliet@example.com/balcony id=m5"
        );
        let json: serde_json::Value = serde_json::from_str(&displayed.to_json()).unwrap();
        assert_eq!(json["event"], "displayed");
        assert_eq!(json["from"], "romeo@example.net/orchard");
        assert_eq!(json["id"], "m5");
    }

    /// RECEIPTS-08: a receipt names its sender and our message's id, in
    /// both forms.
    #[test]
    fn receipt_line_and_json() {
        let event = Event::Receipt {
            from: "romeo@example.net/orchard".into(),
            id: "m5\u{1b}[2J".into(),
        };
        assert_eq!(
            event.to_line(),
            "receipt from romeo@example.net/orchard id=m5[2J"
        );
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["event"], "receipt");
        assert_eq!(json["from"], "romeo@example.net/orchard");
        assert_eq!(json["id"], "m5\u{1b}[2J");
    }

    /// STATES-09: a contact's state names the resource and the state, in
    /// both forms.
    #[test]
    fn chat_state_line_and_json() {
        let event = Event::ChatState {
            from: "romeo@example.net/orchard".into(),
            state: "composing".into(),
        };
        assert_eq!(
            event.to_line(),
            "chat-state from romeo@example.net/orchard: composing"
        );
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["event"], "chat-state");
        assert_eq!(json["from"], "romeo@example.net/orchard");
        assert_eq!(json["state"], "composing");
    }

    /// XEP-0045: room events name the room, in both forms; remote text
    /// (nicks, reasons) is made safe in the text form.
    #[test]
    fn room_lines_and_json() {
        let occupant = Event::Occupant {
            room: "verona@conference.example.com".into(),
            nick: "romeo\u{1b}[2J".into(),
            change: "removed".into(),
            role: "participant".into(),
            affiliation: "member".into(),
            jid: None,
            new_nick: None,
            why: Some("kicked".into()),
            actor: Some("nurse".into()),
            reason: Some("brawling\nagain".into()),
        };
        assert_eq!(
            occupant.to_line(),
            "occupant verona@conference.example.com/romeo[2J removed role=participant \
             affiliation=member why=kicked by=nurse \"brawling again\""
        );
        let json: serde_json::Value = serde_json::from_str(&occupant.to_json()).unwrap();
        assert_eq!(json["event"], "occupant");
        assert_eq!(json["why"], "kicked");
        assert!(json.get("jid").is_none());
        let joined = Event::RoomJoined {
            room: "verona@conference.example.com".into(),
            nick: "juliet".into(),
            occupants: 2,
        };
        assert_eq!(
            joined.to_line(),
            "room-joined verona@conference.example.com as juliet occupants=2"
        );
        let json: serde_json::Value = serde_json::from_str(&joined.to_json()).unwrap();
        assert_eq!(json["event"], "room-joined");
        assert_eq!(json["occupants"], 2);
        let left = Event::RoomLeft {
            room: "verona@conference.example.com".into(),
            why: "destroyed".into(),
            actor: None,
            reason: Some("moved".into()),
            alternative: Some("mantua@conference.example.com".into()),
        };
        assert_eq!(
            left.to_line(),
            "room-left verona@conference.example.com destroyed \
             alternative=mantua@conference.example.com \"moved\""
        );
    }

    /// CARBONS-05 / CARBONS-06: a copy says which device, in both forms.
    #[test]
    fn carbon_line_and_json() {
        let sent = Event::Carbon {
            direction: "sent".into(),
            from: "juliet@example.com/chamber".into(),
            to: "romeo@example.net".into(),
            kind: "chat".into(),
            thread: None,
            subject: None,
            body: "Yes\u{1b}[2J".into(),
        };
        assert_eq!(
            sent.to_line(),
            "carbon sent chat from other device juliet@example.com/chamber to romeo@example.net: Yes[2J"
        );
        let json: serde_json::Value = serde_json::from_str(&sent.to_json()).unwrap();
        assert_eq!(json["event"], "carbon");
        assert_eq!(json["direction"], "sent");
        assert_eq!(json["from"], "juliet@example.com/chamber");
        assert_eq!(json["to"], "romeo@example.net");
        let received = Event::Carbon {
            direction: "received".into(),
            from: "romeo@example.net/orchard".into(),
            to: "juliet@example.com/chamber".into(),
            kind: "chat".into(),
            thread: Some("t1".into()),
            subject: None,
            body: "Art thou there?".into(),
        };
        assert_eq!(
            received.to_line(),
            "carbon received chat from romeo@example.net/orchard to other device \
             juliet@example.com/chamber thread=t1: Art thou there?"
        );
    }
}
