//! The archive queries we sent and the result messages they collect
//! (XEP-0313, MAM-02..05): a `<result/>` is kept only when it names a
//! query still open and comes from the archive that query asked (MAM-03),
//! and at most a little more than the page asked for; the IQ result that
//! ends the page hands the collected results over with its `<fin/>`.
//!
//! A message holding a `<result/>` is never read as a normal message,
//! whatever happens to it here. Pure bookkeeping: no I/O, so the decisions
//! are tested with literal stanzas below.

use std::collections::HashMap;

use jid::{BareJid, Jid};

use crate::xmpp::element::Element;
use crate::xmpp::ns;
use crate::xmpp::stanza::mam::{ArchivedMessage, result_from_archive};

/// Results collected for one open query.
#[derive(Debug)]
struct Collecting {
    archive: BareJid,
    messages: Vec<ArchivedMessage>,
    cap: usize,
    dropped: usize,
}

/// The archive queries waiting for their IQ result, by `queryid`.
#[derive(Debug, Default)]
pub(super) struct OpenQueries {
    open: HashMap<String, Collecting>,
}

/// What became of a result message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Kept for its query.
    Kept,
    /// Over the query's cap: dropped; logged, not reported.
    OverCap,
    /// Forged, late, malformed: dropped, and the reason reported.
    Refused(String),
}

/// True when `message` is an archive result, which only this module reads.
pub(super) fn is_result(message: &Element) -> bool {
    message.has_child("result", ns::MAM)
}

impl OpenQueries {
    /// A query `queryid` to `archive` was sent; keep up to `cap` results.
    pub(super) fn open(&mut self, queryid: String, archive: BareJid, cap: usize) {
        self.open.insert(
            queryid,
            Collecting {
                archive,
                messages: Vec::new(),
                cap,
                dropped: 0,
            },
        );
    }

    /// MAM-03, MAM-04: reads a result message and keeps it for its query,
    /// when the query is open and the message comes from its archive.
    pub(super) fn accept(&mut self, message: &Element, own: &BareJid) -> Outcome {
        let from = message.attr("from");
        let archived = match ArchivedMessage::parse(message) {
            Ok(Some(archived)) => archived,
            Ok(None) => return Outcome::Refused("not an archive result".into()),
            Err(error) => {
                return Outcome::Refused(format!("an archive result was ignored: {error}"));
            }
        };
        let Some(collecting) = archived
            .queryid
            .as_ref()
            .and_then(|queryid| self.open.get_mut(queryid))
        else {
            return Outcome::Refused(
                "an archive result for no query of ours was ignored (MAM-03)".into(),
            );
        };
        let from_jid = match from.map(Jid::new) {
            None => None,
            Some(Ok(jid)) => Some(jid),
            Some(Err(_)) => {
                return Outcome::Refused(
                    "an archive result with an unreadable sender was ignored (MAM-03)".into(),
                );
            }
        };
        if !result_from_archive(from_jid.as_ref(), &collecting.archive, own) {
            return Outcome::Refused(format!(
                "an archive result from {} was ignored: not the archive asked (MAM-03)",
                from.unwrap_or("?")
            ));
        }
        if collecting.messages.len() >= collecting.cap {
            collecting.dropped += 1;
            return Outcome::OverCap;
        }
        collecting.messages.push(archived);
        Outcome::Kept
    }

    /// The query's IQ result or error came, or it can no longer come: its
    /// results, in arrival order (MAM-17), and how many were over the cap.
    pub(super) fn finish(&mut self, queryid: &str) -> (Vec<ArchivedMessage>, usize) {
        self.open
            .remove(queryid)
            .map(|c| (c.messages, c.dropped))
            .unwrap_or_default()
    }

    /// Every query is over (the session that sent them is gone).
    pub(super) fn clear(&mut self) {
        self.open.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    fn own() -> BareJid {
        BareJid::new("juliet@example.com").unwrap()
    }

    /// A result message: `from` (or none), `queryid`, archive id `id`.
    fn result(from: Option<&str>, queryid: &str, id: &str) -> Element {
        let from = from.map_or(String::new(), |f| format!(" from='{f}'"));
        test_xml::parse(&format!(
            "<message xmlns='jabber:client'{from} to='juliet@example.com/balcony'>\
             <result xmlns='urn:xmpp:mam:2' queryid='{queryid}' id='{id}'>\
             <forwarded xmlns='urn:xmpp:forward:0'>\
             <delay xmlns='urn:xmpp:delay' stamp='2026-01-02T10:00:00Z'/>\
             <message xmlns='jabber:client' from='romeo@example.net/orchard' \
             to='juliet@example.com/balcony' type='chat'><body>hi {id}</body></message>\
             </forwarded></result></message>"
        ))
    }

    /// MAM-03: our own archive's results come from our bare JID or with no
    /// `from` (Prosody); both are kept, in arrival order (MAM-17).
    #[test]
    fn mam_03_own_archive_with_or_without_from() {
        let mut queries = OpenQueries::default();
        queries.open("f1".into(), own(), 10);
        assert!(is_result(&result(None, "f1", "A1")));
        assert_eq!(
            queries.accept(&result(None, "f1", "A1"), &own()),
            Outcome::Kept
        );
        assert_eq!(
            queries.accept(&result(Some("juliet@example.com"), "f1", "A2"), &own()),
            Outcome::Kept
        );
        let (messages, dropped) = queries.finish("f1");
        let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["A1", "A2"]);
        assert_eq!(dropped, 0);
        assert!(queries.finish("f1").0.is_empty(), "finished once");
    }

    /// MAM-03: a result from anyone else, from one of our full JIDs, for a
    /// queryid we never sent, or after its query ended, is refused.
    #[test]
    fn mam_03_forged_results_are_refused() {
        let mut queries = OpenQueries::default();
        queries.open("f1".into(), own(), 10);
        for forged in [
            result(Some("mallory@evil.example"), "f1", "X"),
            result(Some("juliet@example.com/other"), "f1", "X"),
            result(Some("example.com"), "f1", "X"),
            result(None, "f2", "X"),
        ] {
            assert!(
                matches!(queries.accept(&forged, &own()), Outcome::Refused(_)),
                "{}",
                forged.to_xml()
            );
        }
        assert!(queries.finish("f1").0.is_empty());
        assert!(matches!(
            queries.accept(&result(None, "f1", "late"), &own()),
            Outcome::Refused(_)
        ));
    }

    /// MAM-14: a room's archive sends from the room's bare JID; our own
    /// JID, or no `from`, is not the room.
    #[test]
    fn mam_03_room_archive_only_from_the_room() {
        let room = BareJid::new("verona@conference.example.com").unwrap();
        let mut queries = OpenQueries::default();
        queries.open("r1".into(), room, 10);
        assert!(matches!(
            queries.accept(&result(None, "r1", "X"), &own()),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            queries.accept(&result(Some("juliet@example.com"), "r1", "X"), &own()),
            Outcome::Refused(_)
        ));
        assert_eq!(
            queries.accept(
                &result(Some("verona@conference.example.com"), "r1", "R1"),
                &own()
            ),
            Outcome::Kept
        );
    }

    /// A server (or someone) sending more than asked cannot grow memory:
    /// results beyond the cap are dropped and counted.
    #[test]
    fn results_beyond_the_cap_are_dropped() {
        let mut queries = OpenQueries::default();
        queries.open("f1".into(), own(), 2);
        for id in ["A1", "A2"] {
            assert_eq!(
                queries.accept(&result(None, "f1", id), &own()),
                Outcome::Kept
            );
        }
        assert_eq!(
            queries.accept(&result(None, "f1", "A3"), &own()),
            Outcome::OverCap
        );
        let (messages, dropped) = queries.finish("f1");
        assert_eq!(messages.len(), 2);
        assert_eq!(dropped, 1);
    }

    /// MAM-04: a result without its delay, or without an id, is refused.
    #[test]
    fn mam_04_malformed_results_are_refused() {
        let mut queries = OpenQueries::default();
        queries.open("f1".into(), own(), 10);
        let no_delay = test_xml::parse(
            "<message xmlns='jabber:client'><result xmlns='urn:xmpp:mam:2' queryid='f1' id='A1'>\
             <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' \
             from='romeo@example.net/orchard' type='chat'><body>hi</body></message>\
             </forwarded></result></message>",
        );
        assert!(is_result(&no_delay));
        assert!(matches!(
            queries.accept(&no_delay, &own()),
            Outcome::Refused(_)
        ));
        queries.clear();
        assert!(matches!(
            queries.accept(&result(None, "f1", "A1"), &own()),
            Outcome::Refused(_)
        ));
    }
}
