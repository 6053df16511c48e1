//! The room benchmark's other side, all of it sent by the external component (component.rs):
//! the room's 1,000 occupants (`u0000@bots.localhost/r` …), their join presences, the room's
//! creation and configuration, its 100 history messages and the 10,000-message flood.
//!
//! Everything is fixed by a seed, so every client joins the same room and reads the same
//! history. The history's last message ([`HISTORY_END`]) and the flood's last message
//! ([`flood_marker`]) are the texts the runner looks for on each client's screen.

use std::collections::HashSet;

use anyhow::{Result, bail};

use crate::backlog;
use crate::component::Component;
use crate::provision::{FIRST, LAST, Rng};
use balcony::xmpp::element::escape;

/// The component's domain: every occupant but alice is one of its JIDs.
pub const BOTS: &str = "bots.localhost";
/// The room, on the harness's MUC service.
pub const ROOM: &str = "room@conference.localhost";
const NS_MUC: &str = "http://jabber.org/protocol/muc";
/// The history's last message, searched on screen: once it is drawn the whole history is.
/// Short, so that no client wraps it beside an occupants pane at 160 columns.
pub const HISTORY_END: &str = "last one before alice: see you at the meetup";

/// The nick of the room's creator, the first occupant.
pub const OWNER_NICK: &str = "Room Owner";

/// One occupant the component plays.
#[derive(Clone, Debug)]
pub struct Bot {
    pub jid: String,
    pub nick: String,
    /// `<show/>` and `<status/>` of its presence, if any.
    pub show: Option<&'static str>,
    pub status: Option<String>,
}

/// `n` occupants with unique nicks (first names, full names, handles; accents, an apostrophe
/// and a few CJK nicks), a fifth of them away, busy or with a status. The first is the room's
/// creator, its owner.
pub fn bots(n: usize, seed: u64) -> Vec<Bot> {
    const CJK: &[&str] = &["山田", "王小明", "김민준", "佐藤", "李娜", "陈伟"];
    let mut rng = Rng::new(seed);
    let mut seen = HashSet::new();
    (0..n)
        .map(|i| {
            let first = *rng.pick(FIRST);
            let last = *rng.pick(LAST);
            let base = if i == 0 {
                OWNER_NICK.to_owned()
            } else {
                match rng.below(10) {
                    0..=3 => first.to_owned(),
                    4..=5 => format!("{first} {last}"),
                    6..=7 => format!("{}{}", first.to_lowercase(), rng.below(100)),
                    8 => rng.pick(CJK).to_string(),
                    _ => format!(
                        "{}_{}",
                        last.replace(' ', "_"),
                        first.chars().next().unwrap_or('x')
                    ),
                }
            };
            let mut nick = base.clone();
            let mut k = 2;
            while !seen.insert(nick.clone()) {
                nick = format!("{base} {k}");
                k += 1;
            }
            let show = match rng.below(100) {
                0..=9 => Some("away"),
                10..=13 => Some("dnd"),
                14..=15 => Some("xa"),
                _ => None,
            };
            let status = rng.percent(8).then(|| backlog::body(&mut rng));
            Bot {
                jid: format!("u{i:04}@{BOTS}/r"),
                nick,
                show,
                status: status.map(|s| s.chars().take(80).collect()),
            }
        })
        .collect()
}

/// A bot's join: no history wanted.
fn join(bot: &Bot) -> String {
    let mut p = format!(
        "<presence from='{}' to='{ROOM}/{}'><x xmlns='{NS_MUC}'><history maxstanzas='0'/></x>",
        bot.jid,
        escape(&bot.nick)
    );
    if let Some(show) = bot.show {
        p.push_str(&format!("<show>{show}</show>"));
    }
    if let Some(status) = &bot.status {
        p.push_str(&format!("<status>{}</status>", escape(status)));
    }
    p.push_str("</presence>");
    p
}

fn groupchat(from: &str, id: &str, body: &str) -> String {
    format!(
        "<message type='groupchat' from='{from}' to='{ROOM}' id='{id}'><body>{}</body></message>",
        escape(body)
    )
}

/// The room configuration: persistent, and 100 history messages kept and sent to a client
/// that asks for no particular amount (Prosody's defaults are 20 of each).
fn config_form(id: &str, owner: &str, history: usize) -> String {
    format!(
        "<iq type='set' from='{owner}' to='{ROOM}' id='{id}'>\
         <query xmlns='{NS_MUC}#owner'><x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE'><value>{NS_MUC}#roomconfig</value></field>\
         <field var='muc#roomconfig_persistentroom'><value>1</value></field>\
         <field var='muc#roomconfig_roomname'><value>Big room</value></field>\
         <field var='muc#roomconfig_historylength'><value>{history}</value></field>\
         <field var='muc#roomconfig_defaulthistorymessages'><value>{history}</value></field>\
         </x></query></iq>"
    )
}

/// Creates the room as the first bot (status 201, then the configuration form, which also
/// unlocks it), then brings in the others in one write; returns when the server handled all.
pub async fn fill(c: &mut Component, bots: &[Bot], history: usize) -> Result<()> {
    let Some(owner) = bots.first() else {
        bail!("no occupants");
    };
    let created = c.expect("code='201'");
    c.send(&join(owner)).await?;
    c.answer(created, "the room's creation (status 201)")
        .await?;
    // Prosody applies a form's fields in no fixed order and caps the default history at the
    // history length in force: the second submission sees the first one's length.
    c.iq("cfg1", &config_form("cfg1", &owner.jid, history))
        .await?;
    c.iq("cfg2", &config_form("cfg2", &owner.jid, history))
        .await?;
    let all: String = bots[1..].iter().map(join).collect();
    c.send(&all).await?;
    c.sync(&owner.jid, "conference.localhost", "filled").await
}

/// The history: `count` messages of varied length from random occupants, the last one
/// [`HISTORY_END`] from the owner. Sent again before each client, so each reads the same
/// history (the flood before it replaced the room's).
pub async fn history(c: &mut Component, bots: &[Bot], count: usize, seed: u64) -> Result<()> {
    let mut rng = Rng::new(seed);
    let mut out = String::new();
    for i in 1..count {
        let from = &bots[rng.below(bots.len())].jid;
        out.push_str(&groupchat(from, &format!("h{i}"), &backlog::body(&mut rng)));
    }
    out.push_str(&groupchat(&bots[0].jid, &format!("h{count}"), HISTORY_END));
    c.send(&out).await?;
    c.sync(&bots[0].jid, "conference.localhost", &format!("hist{seed}"))
        .await
}

/// What the flood's last message starts with, searched on screen.
pub fn flood_marker(count: usize) -> String {
    format!("flood#{count:05} of {count}")
}

/// The flood: `count` groupchat messages from the occupants in turn (not the owner), numbered.
pub fn flood_stanzas(bots: &[Bot], count: usize, tag: &str) -> String {
    let mut out = String::with_capacity(count * 200);
    for i in 1..=count {
        let from = &bots[1 + (i * 7) % (bots.len() - 1).max(1)].jid;
        out.push_str(&groupchat(
            from,
            &format!("{tag}-{i}"),
            &format!("flood#{i:05} of {count}: the quick brown fox jumps over the lazy dog"),
        ));
    }
    out
}
