//! Changes to stored messages after the fact: how far our messages got
//! (XEP-0184 receipts, XEP-0333 displayed markers) and corrections
//! (XEP-0308). Every update names the account, the peer and the direction,
//! since message ids are the sender's choice and not unique across peers.
//! Like the rest of the history it takes plain strings from its callers.

use rusqlite::params;

use super::{Direction, History, HistoryError, sql_err};

// The newest of the peer's messages in that direction with that id: a
// sender whose ids restart reuses them, and a correction is of the last one.
const APPLY_CORRECTION: &str = "UPDATE messages
     SET first_body = COALESCE(first_body, body), body = ?5, edited = 1
     WHERE row = (SELECT row FROM messages
                  WHERE account = ?1 AND stanza_id = ?4 AND peer = ?2 AND direction = ?3
                  ORDER BY row DESC LIMIT 1)";

const MARK_RECEIVED: &str = "UPDATE messages SET received = 1
     WHERE account = ?1 AND stanza_id = ?3 AND peer = ?2 AND direction = 'out'";

// Everything of ours up to that message (by the peer index) that is not
// marked yet; rows marked already stop costing anything after the first time.
const MARK_DISPLAYED: &str = "UPDATE messages SET displayed = 1
     WHERE account = ?1 AND peer = ?2 AND direction = 'out' AND displayed = 0
       AND row <= (SELECT max(row) FROM messages
                   WHERE account = ?1 AND stanza_id = ?3 AND peer = ?2 AND direction = 'out')";

const MARK_EDITED: &str = "UPDATE messages SET edited = 1 WHERE row = ?1";

/// A mark on one of our messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The recipient's client has it.
    Received,
    /// The recipient has seen it and everything before it.
    Displayed,
}

impl History {
    /// The message `stanza_id` in the conversation with `peer`, sent in
    /// `direction`, now reads `body`; its first text is kept beside it and
    /// it is marked edited. Returns false when no such message is stored.
    pub fn apply_correction(
        &mut self,
        account: &str,
        peer: &str,
        direction: Direction,
        stanza_id: &str,
        body: &str,
    ) -> Result<bool, HistoryError> {
        let changed = self
            .conn
            .prepare_cached(APPLY_CORRECTION)
            .and_then(|mut s| s.execute(params![account, peer, direction, stanza_id, body]))
            .map_err(sql_err(&self.path))?;
        Ok(changed > 0)
    }

    /// Marks our message `stanza_id` to `peer` (and, for
    /// [`Mark::Displayed`], every earlier one to `peer`). Returns how many
    /// rows changed.
    pub fn set_mark(
        &mut self,
        account: &str,
        peer: &str,
        stanza_id: &str,
        mark: Mark,
    ) -> Result<usize, HistoryError> {
        let sql = match mark {
            Mark::Received => MARK_RECEIVED,
            Mark::Displayed => MARK_DISPLAYED,
        };
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(params![account, peer, stanza_id]))
            .map_err(sql_err(&self.path))
    }

    /// Marks these rows edited: corrections of messages that are not
    /// stored, kept as messages of their own.
    pub fn mark_edited(&mut self, rows: &[i64]) -> Result<(), HistoryError> {
        let fail = sql_err(&self.path);
        let tx = self.conn.transaction().map_err(&fail)?;
        {
            let mut update = tx.prepare_cached(MARK_EDITED).map_err(&fail)?;
            for row in rows {
                update.execute(params![row]).map_err(&fail)?;
            }
        }
        tx.commit().map_err(&fail)
    }

    /// The first text of a corrected message, when it was corrected.
    pub fn first_body(&self, row: i64) -> Result<Option<String>, HistoryError> {
        use rusqlite::OptionalExtension as _;
        let found: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT first_body FROM messages WHERE row = ?1")
            .and_then(|mut s| s.query_row(params![row], |r| r.get(0)).optional())
            .map_err(sql_err(&self.path))?;
        Ok(found.flatten())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::history::NewMessage;

    const ME: &str = "juliet@example.com";

    fn message<'a>(direction: Direction, id: &'a str, body: &'a str) -> NewMessage<'a> {
        NewMessage {
            account: ME,
            peer: "romeo@example.net",
            resource: None,
            thread: None,
            direction,
            kind: "chat",
            subject: None,
            body,
            stanza_id: Some(id),
            origin_id: None,
            archive_id: None,
            room_id: None,
            at: 1,
            pending: false,
        }
    }

    /// CORRECT-08, CORRECT-11: the row holds the corrected text after a
    /// restart, marked edited, with the first text kept; only the peer's
    /// row in that direction is touched, and a second correction keeps the
    /// very first text.
    #[test]
    fn correct_08_correction_replaces_the_text_and_keeps_the_first() {
        let mut h = History::open_in_memory().unwrap();
        let rows = h
            .insert_batch(&[
                message(Direction::Incoming, "m1", "hello wrld"),
                message(Direction::Outgoing, "m1", "ours, same id"),
            ])
            .unwrap();
        assert!(
            h.apply_correction(
                ME,
                "romeo@example.net",
                Direction::Incoming,
                "m1",
                "hello world"
            )
            .unwrap()
        );
        assert!(
            h.apply_correction(
                ME,
                "romeo@example.net",
                Direction::Incoming,
                "m1",
                "hello, world"
            )
            .unwrap()
        );
        assert!(
            !h.apply_correction(ME, "tybalt@example.net", Direction::Incoming, "m1", "x")
                .unwrap(),
            "CORRECT-06: another peer's id"
        );
        assert!(
            !h.apply_correction(ME, "romeo@example.net", Direction::Incoming, "m9", "x")
                .unwrap()
        );
        let got = h.recent(ME, "romeo@example.net", 10).unwrap();
        assert_eq!(got[0].body, "hello, world");
        assert!(got[0].edited);
        assert_eq!(got[1].body, "ours, same id");
        assert!(!got[1].edited);
        assert_eq!(
            h.first_body(rows[0]).unwrap().as_deref(),
            Some("hello wrld")
        );
        assert_eq!(h.first_body(rows[1]).unwrap(), None);
        // The search index follows the new text.
        assert_eq!(h.search(ME, "hello, world", 10).unwrap().len(), 1);
    }

    /// Every update finds its rows by an index, however long the history.
    #[test]
    fn updates_use_indexes() {
        use rusqlite::ToSql;
        let h = History::open_in_memory().unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = h
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let count = stmt.parameter_count();
            let args: Vec<&dyn ToSql> = vec![&"x"; count];
            stmt.query_map(args.as_slice(), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
                .join("; ")
        };
        for sql in [APPLY_CORRECTION, MARK_RECEIVED] {
            let p = plan(sql);
            assert!(p.contains("messages_by_stanza_id"), "{p}");
            assert!(!p.contains("SCAN messages"), "{p}");
        }
        let p = plan(MARK_DISPLAYED);
        assert!(p.contains("messages_by_peer"), "{p}");
        assert!(p.contains("messages_by_stanza_id"), "{p}");
    }

    /// RECEIPTS-08, MARKERS-06: marks survive a restart; a displayed marker
    /// covers every earlier message of ours, and nothing after it.
    #[test]
    fn markers_06_marks_are_stored() {
        let mut h = History::open_in_memory().unwrap();
        h.insert_batch(&[
            message(Direction::Outgoing, "a", "one"),
            message(Direction::Incoming, "x", "theirs"),
            message(Direction::Outgoing, "b", "two"),
            message(Direction::Outgoing, "c", "three"),
        ])
        .unwrap();
        assert_eq!(
            h.set_mark(ME, "romeo@example.net", "c", Mark::Received)
                .unwrap(),
            1
        );
        assert_eq!(
            h.set_mark(ME, "romeo@example.net", "b", Mark::Displayed)
                .unwrap(),
            2
        );
        assert_eq!(
            h.set_mark(ME, "tybalt@example.net", "c", Mark::Displayed)
                .unwrap(),
            0,
            "another peer's marker"
        );
        let got = h.recent(ME, "romeo@example.net", 10).unwrap();
        let marks: Vec<(&str, bool, bool)> = got
            .iter()
            .map(|m| (m.body.as_str(), m.received, m.displayed))
            .collect();
        assert_eq!(
            marks,
            [
                ("one", false, true),
                ("theirs", false, false),
                ("two", false, true),
                ("three", true, false),
            ]
        );
    }
}
