//! The scripted subcommands: each logs in from the config, does one thing,
//! prints plain text on stdout, and logs out cleanly. Errors come back as
//! sentences for stderr; the caller turns them into a non-zero exit.

pub mod exec;

use std::io::Read as _;

use jid::Jid;

use crate::sanitize::one_line;
use crate::xmpp::ns;
use crate::xmpp::session::{self, Session};
use crate::xmpp::settings::ConnectSettings;
use crate::xmpp::stanza::iq::Iq;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::roster::{self, RosterQuery};

/// `balcony check`: prints the bound full JID.
pub async fn check(settings: ConnectSettings) -> Result<(), String> {
    let session = session::start(settings).await.map_err(|e| e.to_string())?;
    println!("{}", session.handle.jid());
    finish(session).await
}

/// `balcony send JID TEXT`: one chat message, then a clean close so the
/// server has the message before we exit.
pub async fn send(settings: ConnectSettings, to: &str, text: &str) -> Result<(), String> {
    let to = Jid::new(to).map_err(|e| format!("{to:?} is not a valid JID: {e}"))?;
    let body = if text == "-" {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|e| format!("cannot read the message from standard input: {e}"))?;
        input.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        text.to_owned()
    };
    if body.is_empty() {
        return Err("refusing to send an empty message".into());
    }
    let session = session::start(settings).await.map_err(|e| e.to_string())?;
    let message = Message::chat(to, body);
    session
        .handle
        .send(message.to_element())
        .map_err(|e| e.to_string())?;
    finish(session).await
}

/// `balcony roster`: the roster as the server has it, one contact a line.
pub async fn roster(settings: ConnectSettings) -> Result<(), String> {
    let session = session::start(settings).await.map_err(|e| e.to_string())?;
    let reply = session
        .handle
        .request(Iq::get(roster::get_request(None)))
        .await
        .map_err(|e| format!("the roster request failed: {e}"))?;
    let query = reply
        .payload
        .as_ref()
        .filter(|p| p.is("query", ns::ROSTER))
        .ok_or("the server answered the roster request without a roster")?;
    let roster = RosterQuery::parse(query).map_err(|e| format!("unreadable roster: {e}"))?;
    for item in &roster.items {
        println!("{}", roster_line(item));
    }
    finish(session).await
}

/// jid, name, subscription, ask, groups — tab-separated, with any control
/// characters in remote text replaced so a line stays one line.
pub fn roster_line(item: &roster::RosterItem) -> String {
    // Groups are a set; sorted, the output is the same every time.
    let mut groups: Vec<String> = item.groups.iter().map(|g| one_line(g)).collect();
    groups.sort();
    format!(
        "{}\t{}\t{}\t{}\t{}",
        item.jid,
        item.name.as_deref().map(one_line).unwrap_or_default(),
        item.subscription.as_str(),
        if item.ask { "subscribe" } else { "" },
        groups.join(","),
    )
}

/// Closes the stream and waits for the session task; a session that had
/// already failed reports why.
async fn finish(mut session: Session) -> Result<(), String> {
    session.handle.close();
    let mut failure = None;
    while let Some(event) = session.events.recv().await {
        if let session::SessionEvent::Closed { error, .. } = event {
            failure = error;
            break;
        }
    }
    let _ = session.task.await;
    match failure {
        None => Ok(()),
        Some(error) => Err(error),
    }
}
