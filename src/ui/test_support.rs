//! Helpers for UI tests: render the whole screen into a `TestBackend` and
//! read it back as text, and build a logged-in store by feeding it the
//! session events a real login produces.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{View, draw};
use crate::app::{Msg, State, update};
use crate::xmpp::login::StreamFeatures;
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::iq::Iq;
use crate::xmpp::stanza::roster::RosterItem;

/// The screen as lines of text (one string per row, trailing spaces kept).
pub fn render(state: &State, view: &mut View, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| draw(frame, state, view))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            // A wide character covers the next cell too; skip it, so
            // "東京" reads back as written.
            let mut line = String::new();
            let mut x = 0;
            while x < buffer.area.width {
                let symbol = buffer[(x, y)].symbol();
                line.push_str(symbol);
                x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            }
            line
        })
        .collect()
}

/// The screen joined into one string, for `contains` checks.
pub fn screen(state: &State, view: &mut View, width: u16, height: u16) -> String {
    render(state, view, width, height).join("\n")
}

/// A store logged in as `juliet@example.com/balcony` with `items` as the
/// roster and initial presence sent.
pub fn logged_in(items: Vec<RosterItem>) -> State {
    let mut state = State::default();
    let jid = jid::FullJid::new("juliet@example.com/balcony").expect("jid");
    update(
        &mut state,
        Msg::Session {
            event: SessionEvent::Online {
                jid,
                features: StreamFeatures::default(),
            },
            at: 0,
        },
    );
    // The login steps before initial presence: a server without carbons,
    // an account without an archive.
    for purpose in [
        crate::app::Purpose::ServerInfo,
        crate::app::Purpose::AccountInfo,
    ] {
        update(
            &mut state,
            Msg::Reply {
                purpose,
                result: Ok(crate::xmpp::query::Answer::Features(Vec::new())),
            },
        );
    }
    let mut query = crate::xmpp::element::Element::new("query", crate::xmpp::ns::ROSTER);
    for item in &items {
        let mut element = crate::xmpp::stanza::roster::set_item(item)
            .children()
            .next()
            .cloned()
            .expect("item element");
        element.set_attr("subscription", item.subscription.as_str());
        if item.ask {
            element.set_attr("ask", "subscribe");
        }
        query.push_child(element);
    }
    let mut result = Iq::get(crate::xmpp::element::Element::new("x", "urn:x"));
    result.kind = crate::xmpp::stanza::iq::IqType::Result;
    result.payload = Some(query);
    update(
        &mut state,
        Msg::Reply {
            purpose: crate::app::Purpose::RosterGet { versioned: false },
            result: crate::xmpp::query::Query::RosterGet { ver: None }.decode(result),
        },
    );
    state
}
