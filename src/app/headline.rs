//! Headline messages (RFC 3921 §2.1.1): news and alerts kept apart from
//! chats, never replied to (SYN-03). Server announcements from a bare
//! domain land here too (MSG-13). The list is capped. The chat area
//! decides what is a headline; this area keeps them and sends ours.

use std::collections::VecDeque;

use jid::Jid;

use crate::xmpp::id;
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::{Message, MessageType};

use super::dispatch::Outcome;
use super::event::Event;
use super::{Effect, State};

/// Headlines kept.
pub const MAX_HEADLINES: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    pub from: String,
    pub subject: Option<String>,
    pub body: String,
    /// http(s) links found in the body.
    pub urls: Vec<String>,
    /// Unix seconds.
    pub at: i64,
    /// True for an announcement from our server (MSG-13).
    pub from_server: bool,
}

#[derive(Debug, Default)]
pub struct Headlines {
    items: VecDeque<Headline>,
    pub unread: usize,
}

impl Headlines {
    pub fn push(&mut self, headline: Headline) {
        if self.items.len() == MAX_HEADLINES {
            self.items.pop_front();
        }
        self.items.push_back(headline);
        self.unread += 1;
    }

    pub fn items(&self) -> impl DoubleEndedIterator<Item = &Headline> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.unread = 0;
    }

    pub fn mark_read(&mut self) {
        self.unread = 0;
    }
}

/// The http and https links in `text`, trailing punctuation trimmed.
pub fn find_urls(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_start_matches(['(', '[', '<', '"', '\'']))
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ';', ':', ')', ']', '>', '"', '\'']))
        // A URL longer than any browser takes is no link; a body full of
        // them yields a bounded list.
        .filter(|w| w.len() <= MAX_URL_BYTES)
        .take(MAX_URLS)
        .map(str::to_owned)
        .collect()
}

/// Longest URL listed as a link.
pub const MAX_URL_BYTES: usize = 2048;
/// Links listed per headline.
pub const MAX_URLS: usize = 16;

/// A headline, or an announcement from a bare domain (MSG-13), already
/// recorded by the chat area that interpreted it.
pub(super) fn receive(
    state: &mut State,
    from: &Jid,
    subject: Option<String>,
    body: String,
    at: i64,
    from_server: bool,
    effects: &mut Vec<Effect>,
) {
    state.headlines.push(Headline {
        from: from.to_string(),
        subject: subject.clone(),
        urls: find_urls(&body),
        body: body.clone(),
        at,
        from_server,
    });
    effects.push(Effect::Emit(Event::Headline {
        from: from.to_string(),
        subject,
        body,
    }));
}

/// `/headline JID [SUBJECT |] BODY`: sent, never kept (SYN-03).
pub(super) fn send(
    to: Jid,
    subject: Option<String>,
    body: String,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let mut message = Message::new(MessageType::Headline);
    message.to = Some(to);
    message.id = Some(id::next());
    message.bodies = vec![LangText::new(body)];
    if let Some(subject) = subject {
        message.subjects = vec![LangText::new(subject)];
    }
    effects.push(Effect::SendMessage(message));
    Outcome::Done("sent".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links() {
        assert_eq!(
            find_urls("see https://example.org/a, and (http://x.y/z). ftp://no"),
            ["https://example.org/a", "http://x.y/z"]
        );
    }

    /// Hostile input: overlong URLs are not links, and the list is short.
    #[test]
    fn urls_are_capped() {
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_BYTES));
        assert!(find_urls(&long).is_empty());
        let many = "https://x.y/ ".repeat(1_000);
        assert_eq!(find_urls(&many).len(), MAX_URLS);
    }

    #[test]
    fn bounded_and_clearable() {
        let mut headlines = Headlines::default();
        for i in 0..(MAX_HEADLINES + 3) {
            headlines.push(Headline {
                from: "news.example.com".into(),
                subject: None,
                body: i.to_string(),
                urls: vec![],
                at: 0,
                from_server: false,
            });
        }
        assert_eq!(headlines.len(), MAX_HEADLINES);
        assert_eq!(headlines.unread, MAX_HEADLINES + 3);
        headlines.clear();
        assert!(headlines.is_empty());
        assert_eq!(headlines.unread, 0);
    }
}
