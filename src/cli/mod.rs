//! The scripted subcommands: each logs in from the config, does one thing,
//! prints plain text on stdout, and logs out cleanly. Errors come back as
//! sentences for stderr; the caller turns them into a non-zero exit.

pub mod exec;

use std::io::Read as _;

use jid::Jid;

use crate::history::{Direction, History, NewMessage};
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
/// server has the message before we exit. With a `history`, the message is
/// kept there like every message sent: stored before it goes out, pending
/// until the clean close shows the server has it (otherwise the next run
/// of balcony sends it again from the outbox).
pub async fn send(
    settings: ConnectSettings,
    to: &str,
    text: &str,
    mut history: Option<History>,
) -> Result<(), String> {
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
    let account = settings.jid.to_string();
    let session = session::start(settings).await.map_err(|e| e.to_string())?;
    let message = Message::chat(to, body);
    if let Some(history) = &mut history {
        record_sent(history, &account, &message)?;
    }
    session
        .handle
        .send(message.to_element())
        .map_err(|e| e.to_string())?;
    finish(session).await?;
    if let (Some(history), Some(id)) = (&mut history, message.id.as_deref()) {
        history
            .mark_acked(&account, &[id])
            .map_err(|e| format!("sent, but the history could not be updated: {e}"))?;
    }
    Ok(())
}

/// Keeps an outgoing message in the history, pending, before it is sent.
fn record_sent(history: &mut History, account: &str, message: &Message) -> Result<(), String> {
    let (Some(to), Some(body)) = (&message.to, message.body("")) else {
        return Ok(());
    };
    let peer = to.to_bare().to_string();
    let row = NewMessage {
        account,
        peer: &peer,
        resource: None,
        thread: message.thread.as_ref().map(|t| t.id.as_str()),
        direction: Direction::Outgoing,
        kind: message.kind.as_str(),
        subject: message.subject(""),
        body,
        stanza_id: message.id.as_deref(),
        origin_id: message.origin_id.as_deref(),
        archive_id: None,
        room_id: None,
        at: crate::engine::now_unix(),
        pending: true,
    };
    history
        .insert_batch(&[row])
        .map(|_| ())
        .map_err(|e| format!("not sent: the history cannot store it: {e}"))
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
