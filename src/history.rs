//! The message history on disk: every message in and out, stored in SQLite
//! before it is shown, so that a crash loses nothing the server counted as
//! delivered, and so that a long session keeps only a window of lines in
//! memory while older ones are paged in from here.
//!
//! This module owns the database file, its schema and its migrations. It must
//! not import `app`, `ui` or `xmpp`: callers hand it plain strings (bare JIDs,
//! `MessageType::as_str`) and get plain rows back, so the store can turn rows
//! into chat lines without the history knowing what a chat line is. New
//! queries go in [`History`]; a schema change is one more entry at the end of
//! `MIGRATIONS`, never an edit of an old one. Updates of stored rows for
//! delivery marks and corrections are in `marks`.
//!
//! Why these settings: WAL lets the reader (scrollback) and writer (a flood of
//! incoming messages) run without blocking each other, and with
//! `synchronous=NORMAL` a commit survives the process being killed (only a
//! power cut can lose the last commits), while one fsync per checkpoint
//! instead of per transaction keeps a 10,000-message flood fast. The page
//! cache is kept small (`CACHE_KIB`): the operating system caches the file
//! too, and a backlog's index pages are walked once. Every query
//! is bounded by `LIMIT` and served by an index, so a history of any length
//! costs nothing until it is scrolled to.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

mod marks;
pub use marks::Mark;
#[cfg(test)]
mod tests;

/// SQLite's page cache, in KiB (its default is 2,000). Filing a backlog
/// walks the trigram index's pages once; the operating system caches the
/// file anyway, so a large cache of our own only raised the peak memory.
const CACHE_KIB: i64 = 512;

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one entry per version: entry `i` takes the database from
/// `user_version = i` to `i + 1`. Append to upgrade; never edit a shipped
/// entry, since databases in the wild already ran it.
const MIGRATIONS: &[&str] = &[
    // v1: the messages, their indexes and a trigram full-text index of bodies.
    "CREATE TABLE messages (
         row       INTEGER PRIMARY KEY AUTOINCREMENT,
         account   TEXT    NOT NULL,
         peer      TEXT    NOT NULL,
         resource  TEXT,
         thread    TEXT,
         direction TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
         kind      TEXT    NOT NULL,
         subject   TEXT,
         body      TEXT    NOT NULL,
         stanza_id TEXT,
         at        INTEGER NOT NULL,
         pending   INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
         error     TEXT
     ) STRICT;
     -- Opening a conversation and scrolling back: newest rows of one peer.
     CREATE INDEX messages_by_peer ON messages (account, peer, row);
     -- Dedupe on redelivery and acks by id; most rows without an id cost nothing.
     CREATE INDEX messages_by_stanza_id ON messages (account, stanza_id)
         WHERE stanza_id IS NOT NULL;
     -- The outbox stays small, so its index does too.
     CREATE INDEX messages_pending ON messages (account, row)
         WHERE pending = 1;
     -- External content: the text lives once, in `messages`; the index holds
     -- trigrams, which make any substring (CJK included) searchable.
     CREATE VIRTUAL TABLE messages_fts USING fts5 (
         body, content = 'messages', content_rowid = 'row',
         tokenize = 'trigram case_sensitive 0'
     );
     CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
         INSERT INTO messages_fts (rowid, body) VALUES (new.row, new.body);
     END;
     CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
         INSERT INTO messages_fts (messages_fts, rowid, body)
             VALUES ('delete', old.row, old.body);
     END;
     CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
         INSERT INTO messages_fts (messages_fts, rowid, body)
             VALUES ('delete', old.row, old.body);
         INSERT INTO messages_fts (rowid, body) VALUES (new.row, new.body);
     END;",
    // v2: XEP-0359 stable ids, so one message arriving by several paths
    // (live, a carbon copy, resent after a reconnect, the archive) is stored
    // once: the sender's origin-id and the id our own archive gave it.
    "ALTER TABLE messages ADD COLUMN origin_id TEXT;
     ALTER TABLE messages ADD COLUMN archive_id TEXT;
     CREATE INDEX messages_by_archive_id ON messages (account, archive_id)
         WHERE archive_id IS NOT NULL;
     CREATE INDEX messages_by_origin_id ON messages (account, origin_id)
         WHERE origin_id IS NOT NULL;",
    // v3: how far our messages got (XEP-0184 receipts, XEP-0333 displayed
    // markers) and corrections (XEP-0308): a corrected row holds the new
    // text, marked edited, and its first text in `first_body`.
    "ALTER TABLE messages ADD COLUMN received INTEGER NOT NULL DEFAULT 0
         CHECK (received IN (0, 1));
     ALTER TABLE messages ADD COLUMN displayed INTEGER NOT NULL DEFAULT 0
         CHECK (displayed IN (0, 1));
     ALTER TABLE messages ADD COLUMN edited INTEGER NOT NULL DEFAULT 0
         CHECK (edited IN (0, 1));
     ALTER TABLE messages ADD COLUMN first_body TEXT;",
    // v4: where the catch-up from our server archive goes on (XEP-0313,
    // MAM-07): the archive id up to which the history holds the archive
    // without a gap. Kept apart from the stanza-ids of live messages
    // (MAM-11), which may arrive while older pages are still unfetched.
    "CREATE TABLE archive_cursor (
         account TEXT PRIMARY KEY,
         last_id TEXT NOT NULL
     ) STRICT;",
    // v5: group chat (XEP-0045). The `stanza-id` a room gave a message
    // (by = the room's JID, MUC-21), so one room message that comes live,
    // as join history and from the room's archive (MAM-14) is stored once.
    "ALTER TABLE messages ADD COLUMN room_id TEXT;
     CREATE INDEX messages_by_room_id ON messages (account, peer, room_id)
         WHERE room_id IS NOT NULL;",
];

/// The columns of [`StoredMessage`], in the order [`read_message`] reads them.
macro_rules! columns {
    () => {
        "row, peer, resource, thread, direction, kind, subject, body, stanza_id, at, pending, error, \
         received, displayed, edited, room_id"
    };
}

const INSERT: &str = "INSERT INTO messages
     (account, peer, resource, thread, direction, kind, subject, body, stanza_id, at, pending,
      origin_id, archive_id, room_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING row";

const INSERT_AT: &str = "INSERT INTO messages
     (row, account, peer, resource, thread, direction, kind, subject, body, stanza_id, at, pending,
      origin_id, archive_id, room_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

// MUC-21: the id a room gave a message is only ever compared with that
// room's own ids.
const FIND_ROOM_ID: &str = "SELECT row FROM messages
     WHERE account = ?1 AND peer = ?2 AND room_id = ?3
     ORDER BY row LIMIT 1";

const LOWEST_ROW: &str = "SELECT min(row) FROM messages";

// Where scrolling back into the archive goes on (MAM-12).
const OLDEST_ARCHIVE_ID: &str = "SELECT archive_id FROM messages
     WHERE account = ?1 AND peer = ?2 AND archive_id IS NOT NULL
     ORDER BY row LIMIT 1";

// The id our own archive gave a message is the same on every path.
const FIND_ARCHIVED: &str = "SELECT row FROM messages
     WHERE account = ?1 AND archive_id = ?2
     ORDER BY row LIMIT 1";

// An origin-id is the sender's word: it only matches the same sender's
// messages in the same direction.
const FIND_ORIGIN: &str = "SELECT row FROM messages
     WHERE account = ?1 AND origin_id = ?2 AND peer = ?3 AND direction = ?4
     ORDER BY row LIMIT 1";

// A redelivery is the same message: same id *and* same content. A sender
// whose ids restart (a counter per session, a bot) reuses ids for new text.
// In a room the sender is the nick (MUC-21): everyone writes from the
// room's JID.
const FIND_INCOMING: &str = "SELECT row FROM messages
     WHERE account = ?1 AND stanza_id = ?2 AND peer = ?3 AND direction = 'in'
       AND body = ?4 AND subject IS ?5 AND (kind != 'groupchat' OR resource IS ?6)
     ORDER BY row LIMIT 1";

const SET_ROOM_ID: &str = "UPDATE messages SET room_id = ?4
     WHERE account = ?1 AND peer = ?2 AND stanza_id = ?3 AND direction = 'out'
       AND room_id IS NULL";

const ARCHIVE_CURSOR: &str = "SELECT last_id FROM archive_cursor WHERE account = ?1";

const SET_ARCHIVE_CURSOR: &str = "INSERT INTO archive_cursor (account, last_id) VALUES (?1, ?2)
     ON CONFLICT (account) DO UPDATE SET last_id = excluded.last_id";

// A history written before the cursor was kept: the newest archive id held.
const NEWEST_ARCHIVE_ID: &str = "SELECT archive_id FROM messages
     WHERE account = ?1 AND archive_id IS NOT NULL
     ORDER BY row DESC LIMIT 1";

const ARCHIVED_AT: &str = "SELECT at FROM messages
     WHERE account = ?1 AND archive_id = ?2
     ORDER BY row LIMIT 1";

const NEWEST_AT: &str = "SELECT at FROM messages WHERE account = ?1 ORDER BY row DESC LIMIT 1";

const RECENT: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM messages WHERE account = ?1 AND peer = ?2 ORDER BY row DESC LIMIT ?3"
);

const BEFORE: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM messages WHERE account = ?1 AND peer = ?2 AND row < ?3 ORDER BY row DESC LIMIT ?4"
);

/// Needles of three characters or more: the trigram index finds the rows,
/// newest first, and the join keeps those of the account. `CROSS JOIN` pins
/// the loop order so the index drives and `LIMIT` stops it early.
const SEARCH_INDEXED: &str = "SELECT m.row, m.peer, m.resource, m.thread, m.direction, m.kind,
         m.subject, m.body, m.stanza_id, m.at, m.pending, m.error,
         m.received, m.displayed, m.edited, m.room_id
     FROM messages_fts CROSS JOIN messages AS m ON m.row = messages_fts.rowid
     WHERE messages_fts MATCH ?2 AND m.account = ?1
     ORDER BY messages_fts.rowid DESC LIMIT ?3";

/// Needles of one or two characters, which trigrams cannot index: walk the
/// table newest first (`+account` keeps the planner on the rowid order, so
/// `LIMIT` stops the walk) and compare each case variant literally.
const SEARCH_SHORT: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM messages
     WHERE +account = ?1 AND (instr(body, ?2) OR instr(body, ?3) OR instr(body, ?4)
         OR instr(body, ?5) OR instr(body, ?6) OR instr(body, ?7) OR instr(body, ?8)
         OR instr(body, ?9) OR instr(body, ?10))
     ORDER BY row DESC LIMIT ?11"
);

/// Placeholders `?2..?10` of [`SEARCH_SHORT`]: at most three forms (as typed,
/// lower, upper) of each of at most two characters.
const SHORT_VARIANTS: usize = 9;

const OUTBOX: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM messages WHERE account = ?1 AND pending = 1 AND direction = 'out' ORDER BY row"
);

const MARK_ACKED: &str = "UPDATE messages SET pending = 0
     WHERE account = ?1 AND stanza_id = ?2 AND direction = 'out' AND pending = 1";

const SET_ERROR: &str = "UPDATE messages SET error = ?3, pending = 0
     WHERE account = ?1 AND stanza_id = ?2 AND direction = 'out'";

/// Which way a message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    /// The value stored in the `direction` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "in",
            Direction::Outgoing => "out",
        }
    }
}

/// A `direction` value that is neither `in` nor `out`.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("unknown message direction {0:?}")]
pub struct UnknownDirection(pub String);

impl FromStr for Direction {
    type Err = UnknownDirection;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "in" => Ok(Direction::Incoming),
            "out" => Ok(Direction::Outgoing),
            other => Err(UnknownDirection(other.to_owned())),
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for Direction {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Direction {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A message to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage<'a> {
    /// Our bare JID.
    pub account: &'a str,
    /// The bare JID of the other side.
    pub peer: &'a str,
    pub resource: Option<&'a str>,
    pub thread: Option<&'a str>,
    pub direction: Direction,
    /// `chat`, `normal`, `headline` or `groupchat`.
    pub kind: &'a str,
    pub subject: Option<&'a str>,
    /// As received; sanitising for the terminal is the UI's job.
    pub body: &'a str,
    pub stanza_id: Option<&'a str>,
    /// XEP-0359: the sender's `origin-id` (ours for what we send).
    pub origin_id: Option<&'a str>,
    /// XEP-0359: the `stanza-id` our own archive gave it, when trusted.
    pub archive_id: Option<&'a str>,
    /// MUC-21: the `stanza-id` the room `peer` gave it (by = the room).
    pub room_id: Option<&'a str>,
    /// Unix seconds.
    pub at: i64,
    /// Outgoing and not yet acknowledged by the server.
    pub pending: bool,
}

/// A message read back from the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// Increases with every message stored: the conversation order, and the
    /// cursor for [`History::before`].
    pub row: i64,
    pub peer: String,
    pub resource: Option<String>,
    pub thread: Option<String>,
    pub direction: Direction,
    pub kind: String,
    pub subject: Option<String>,
    pub body: String,
    pub stanza_id: Option<String>,
    /// Unix seconds.
    pub at: i64,
    pub pending: bool,
    /// The error the server sent back for an outgoing message.
    pub error: Option<String>,
    /// Ours, and the recipient's client confirmed it (XEP-0184).
    pub received: bool,
    /// Ours, and the recipient has seen it (XEP-0333).
    pub displayed: bool,
    /// The text is a correction of the first one (XEP-0308).
    pub edited: bool,
    /// MUC-21: the `stanza-id` the room gave it.
    pub room_id: Option<String>,
}

/// Where the catch-up from the server archive starts (MAM-07, MAM-08).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchiveCursor {
    /// The archive id to page after: up to it the history holds the
    /// archive.
    pub last_id: Option<String>,
    /// Unix seconds of the message holding `last_id`, else of the newest
    /// message stored; `None` when the account has no history at all.
    pub last_at: Option<i64>,
}

/// Why the history could not be opened, read or written. Each names the file.
#[derive(thiserror::Error, Debug)]
pub enum HistoryError {
    #[error("cannot create {} for the history: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the history database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the history database {} has schema version {found}, but this balcony only knows \
         versions up to {known}; run a newer balcony or move the file aside",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "cannot upgrade the history database {} to schema version {version}: {source}",
        path.display()
    )]
    Migrate {
        path: PathBuf,
        version: i64,
        source: rusqlite::Error,
    },
    #[error("history database {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An open history database.
#[derive(Debug)]
pub struct History {
    conn: Connection,
    /// For error messages; `:memory:` for an in-memory database.
    path: PathBuf,
}

/// The history file: `data_dir/history.sqlite3`, one database for all
/// accounts with an `account` column on every row. One file means one WAL,
/// one thing to back up, and searches across accounts stay possible; every
/// query names its account, so accounts never see each other's rows. The
/// `account` parameter is kept so that splitting per account later does not
/// change callers.
pub fn default_path(data_dir: &Path, _account: &str) -> PathBuf {
    data_dir.join("history.sqlite3")
}

impl History {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date. Refuses a database written by a newer balcony.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| HistoryError::Create {
                path: dir.to_owned(),
                source,
            })?;
        }
        create_private_file(path).map_err(|source| HistoryError::Create {
            path: path.to_owned(),
            source,
        })?;
        let conn = Connection::open(path).map_err(|source| HistoryError::Open {
            path: path.to_owned(),
            source,
        })?;
        History::setup(conn, path.to_owned())
    }

    /// A database that lives as long as the value, for tests. (With
    /// `[history] enabled = false` open nothing: this one would grow without
    /// bound over a long session.)
    pub fn open_in_memory() -> Result<History, HistoryError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| HistoryError::Open {
            path: path.clone(),
            source,
        })?;
        History::setup(conn, path)
    }

    fn setup(conn: Connection, path: PathBuf) -> Result<History, HistoryError> {
        let open_err = |source| HistoryError::Open {
            path: path.clone(),
            source,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Check the version before anything writes to the file (switching to
        // WAL does), so a newer balcony's database is left exactly as it was.
        // This read is also what fails on a file that is not a database.
        let found = user_version(&conn).map_err(open_err)?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(HistoryError::TooNew { path, found, known });
        }
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        // Some network file systems cannot do WAL. The rollback journal is
        // only crash-safe with FULL sync: slower, but better than no history.
        let wal = matches!(mode.to_ascii_lowercase().as_str(), "wal" | "memory");
        let synchronous = if wal {
            "NORMAL"
        } else {
            tracing::warn!(path = %path.display(), mode, "history: WAL unavailable");
            "FULL"
        };
        conn.pragma_update(None, "synchronous", synchronous)
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(open_err)?;
        let mut history = History { conn, path };
        if found < known {
            history.migrate()?;
        }
        Ok(history)
    }

    /// Runs the migrations the database has not seen, all in one immediate
    /// transaction so that two balconies starting at once cannot both run one.
    fn migrate(&mut self) -> Result<(), HistoryError> {
        let known = MIGRATIONS.len() as i64;
        let path = &self.path;
        let migrate_err = |version| {
            move |source| HistoryError::Migrate {
                path: path.clone(),
                version,
                source,
            }
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(migrate_err(known))?;
        // Read again under the lock: another process may have migrated.
        let found = user_version(&tx).map_err(migrate_err(known))?;
        if found > known {
            return Err(HistoryError::TooNew {
                path: path.clone(),
                found,
                known,
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let version = index as i64 + 1;
            tx.execute_batch(sql).map_err(migrate_err(version))?;
            tx.pragma_update(None, "user_version", version)
                .map_err(migrate_err(version))?;
        }
        tx.commit().map_err(migrate_err(known))
    }

    /// The file this history lives in (`:memory:` for an in-memory one).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores `messages` in one transaction, all or none, and returns their
    /// row ids in order. A message already stored is not stored again; its
    /// existing row id is returned instead. Already stored means: the same
    /// archive id; else the same origin-id from the same peer in the same
    /// direction; else, for an incoming message, the same peer, stanza id and
    /// content (a redelivery after reconnect). The same id with new content
    /// is a new message.
    pub fn insert_batch(&mut self, messages: &[NewMessage<'_>]) -> Result<Vec<i64>, HistoryError> {
        self.insert(messages, false)
    }

    /// The newest row id held, for any account; `None` when empty. Rows
    /// [`History::insert_batch`] adds come after it.
    pub fn newest_row(&self) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row("SELECT max(row) FROM messages", [], |r| r.get(0))
            .map_err(sql_err(&self.path))
    }

    /// Stores `messages`, oldest first, as older than every message held:
    /// scrollback fetched from the server archive (XEP-0313, MAM-12). They
    /// get row ids below the lowest in the database, so [`History::before`]
    /// pages into them like any other. Already stored as in
    /// [`History::insert_batch`]; returns the row ids in order.
    pub fn insert_older(&mut self, messages: &[NewMessage<'_>]) -> Result<Vec<i64>, HistoryError> {
        self.insert(messages, true)
    }

    fn insert(
        &mut self,
        messages: &[NewMessage<'_>],
        older: bool,
    ) -> Result<Vec<i64>, HistoryError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let fail = sql_err(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let mut rows = Vec::with_capacity(messages.len());
        {
            let mut find = tx.prepare_cached(FIND_INCOMING).map_err(&fail)?;
            let mut archived = tx.prepare_cached(FIND_ARCHIVED).map_err(&fail)?;
            let mut by_origin = tx.prepare_cached(FIND_ORIGIN).map_err(&fail)?;
            let mut by_room = tx.prepare_cached(FIND_ROOM_ID).map_err(&fail)?;
            let mut insert = tx.prepare_cached(INSERT).map_err(&fail)?;
            let mut insert_at = tx.prepare_cached(INSERT_AT).map_err(&fail)?;
            // Older rows count down from below the lowest, newest first, so
            // the oldest message gets the lowest row.
            let mut below: i64 = if older {
                tx.query_row(LOWEST_ROW, [], |r| r.get::<_, Option<i64>>(0))
                    .map_err(&fail)?
                    .unwrap_or(1)
                    .min(1)
            } else {
                0
            };
            let fresh: Vec<bool> = if older {
                let mut fresh = Vec::with_capacity(messages.len());
                for m in messages {
                    fresh.push(
                        find_stored(
                            m,
                            [&mut find, &mut archived, &mut by_origin, &mut by_room],
                            &fail,
                        )?
                        .is_none(),
                    );
                }
                fresh
            } else {
                Vec::new()
            };
            let mut planned: Vec<Option<i64>> = vec![None; messages.len()];
            if older {
                for (i, is_fresh) in fresh.iter().enumerate().rev() {
                    if *is_fresh {
                        below -= 1;
                        planned[i] = Some(below);
                    }
                }
            }
            for (m, at_row) in messages.iter().zip(planned) {
                if let Some(row) = find_stored(
                    m,
                    [&mut find, &mut archived, &mut by_origin, &mut by_room],
                    &fail,
                )? {
                    rows.push(row);
                    continue;
                }
                if let Some(at_row) = at_row {
                    insert_at
                        .execute(params![
                            at_row,
                            m.account,
                            m.peer,
                            m.resource,
                            m.thread,
                            m.direction,
                            m.kind,
                            m.subject,
                            m.body,
                            m.stanza_id,
                            m.at,
                            m.pending,
                            m.origin_id,
                            m.archive_id,
                            m.room_id,
                        ])
                        .map_err(&fail)?;
                    rows.push(at_row);
                    continue;
                }
                let row = insert
                    .query_row(
                        params![
                            m.account,
                            m.peer,
                            m.resource,
                            m.thread,
                            m.direction,
                            m.kind,
                            m.subject,
                            m.body,
                            m.stanza_id,
                            m.at,
                            m.pending,
                            m.origin_id,
                            m.archive_id,
                            m.room_id,
                        ],
                        |r| r.get(0),
                    )
                    .map_err(&fail)?;
                rows.push(row);
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(rows)
    }

    /// The newest `limit` messages with `peer`, oldest first.
    pub fn recent(
        &self,
        account: &str,
        peer: &str,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, HistoryError> {
        let mut page = self.query(RECENT, params![account, peer, sql_limit(limit)])?;
        page.reverse();
        Ok(page)
    }

    /// The `limit` messages with `peer` just older than `before_row`, oldest
    /// first: the page to show when scrolling back past `before_row`.
    pub fn before(
        &self,
        account: &str,
        peer: &str,
        before_row: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, HistoryError> {
        let mut page = self.query(BEFORE, params![account, peer, before_row, sql_limit(limit)])?;
        page.reverse();
        Ok(page)
    }

    /// Messages of `account` whose body contains `text`, ignoring case, in
    /// any conversation, newest first. The needle is always literal: `%`,
    /// `_` and quotes match themselves.
    pub fn search(
        &self,
        account: &str,
        text: &str,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, HistoryError> {
        let chars = text.chars().count();
        if chars == 0 {
            return Ok(Vec::new());
        }
        if chars >= 3 {
            // One FTS5 string: everything between the quotes is literal, and
            // a quote is written twice. The trigram tokenizer folds case.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            return self.query(SEARCH_INDEXED, params![account, phrase, sql_limit(limit)]);
        }
        let mut variants = case_variants(text);
        let first = variants.first().cloned().unwrap_or_default();
        variants.resize(SHORT_VARIANTS, first);
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(SHORT_VARIANTS + 2);
        args.push(&account);
        args.extend(variants.iter().map(|v| v as &dyn ToSql));
        let limit = sql_limit(limit);
        args.push(&limit);
        self.query(SEARCH_SHORT, args.as_slice())
    }

    /// Marks our messages with these stanza ids as acknowledged by the
    /// server, which takes them out of the [`outbox`](History::outbox).
    pub fn mark_acked(&mut self, account: &str, stanza_ids: &[&str]) -> Result<(), HistoryError> {
        if stanza_ids.is_empty() {
            return Ok(());
        }
        let fail = sql_err(&self.path);
        let tx = self.conn.transaction().map_err(&fail)?;
        {
            let mut update = tx.prepare_cached(MARK_ACKED).map_err(&fail)?;
            for id in stanza_ids {
                update.execute(params![account, id]).map_err(&fail)?;
            }
        }
        tx.commit().map_err(&fail)
    }

    /// Records the error the server returned for our message `stanza_id`.
    /// The message leaves the outbox too: it was answered, and sending it
    /// again would only bounce again.
    pub fn set_error(
        &mut self,
        account: &str,
        stanza_id: &str,
        error: &str,
    ) -> Result<(), HistoryError> {
        let mut update = self
            .conn
            .prepare_cached(SET_ERROR)
            .map_err(sql_err(&self.path))?;
        update
            .execute(params![account, stanza_id, error])
            .map_err(sql_err(&self.path))?;
        Ok(())
    }

    /// Our messages not yet acknowledged by the server, oldest first: what
    /// to send when the connection is back.
    pub fn outbox(&self, account: &str) -> Result<Vec<StoredMessage>, HistoryError> {
        self.query(OUTBOX, params![account])
    }

    /// Where catching up with `account`'s server archive starts.
    pub fn archive_cursor(&self, account: &str) -> Result<ArchiveCursor, HistoryError> {
        let fail = sql_err(&self.path);
        let one = |sql: &str,
                   args: &[&dyn ToSql]|
         -> Result<Option<rusqlite::types::Value>, HistoryError> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut s| s.query_row(args, |r| r.get(0)).optional())
                .map_err(&fail)
        };
        let text = |value: Option<rusqlite::types::Value>| match value {
            Some(rusqlite::types::Value::Text(text)) => Some(text),
            _ => None,
        };
        let integer = |value: Option<rusqlite::types::Value>| match value {
            Some(rusqlite::types::Value::Integer(n)) => Some(n),
            _ => None,
        };
        let last_id = match text(one(ARCHIVE_CURSOR, &[&account])?) {
            Some(id) => Some(id),
            None => text(one(NEWEST_ARCHIVE_ID, &[&account])?),
        };
        let archived_at = match &last_id {
            Some(id) => integer(one(ARCHIVED_AT, &[&account, id])?),
            None => None,
        };
        let last_at = match archived_at {
            Some(at) => Some(at),
            None => integer(one(NEWEST_AT, &[&account])?),
        };
        Ok(ArchiveCursor { last_id, last_at })
    }

    /// The archive id of the oldest message with `peer` that has one: the
    /// page before it is the next to fetch when scrolling back (MAM-12).
    pub fn oldest_archive_id(
        &self,
        account: &str,
        peer: &str,
    ) -> Result<Option<String>, HistoryError> {
        self.conn
            .prepare_cached(OLDEST_ARCHIVE_ID)
            .and_then(|mut s| s.query_row(params![account, peer], |r| r.get(0)).optional())
            .map_err(sql_err(&self.path))
    }

    /// The history now holds `account`'s archive up to `last_id`.
    pub fn set_archive_cursor(&mut self, account: &str, last_id: &str) -> Result<(), HistoryError> {
        let fail = sql_err(&self.path);
        self.conn
            .prepare_cached(SET_ARCHIVE_CURSOR)
            .and_then(|mut s| s.execute(params![account, last_id]))
            .map_err(fail)?;
        Ok(())
    }

    /// MUC-17, MUC-21: our message `stanza_id` in room `peer` came back
    /// from the room with the id the room gave it. Returns how many rows
    /// changed.
    pub fn set_room_id(
        &mut self,
        account: &str,
        peer: &str,
        stanza_id: &str,
        room_id: &str,
    ) -> Result<usize, HistoryError> {
        self.conn
            .prepare_cached(SET_ROOM_ID)
            .and_then(|mut s| s.execute(params![account, peer, stanza_id, room_id]))
            .map_err(sql_err(&self.path))
    }

    /// How many messages `account` has stored.
    pub fn count(&self, account: &str) -> Result<u64, HistoryError> {
        let fail = sql_err(&self.path);
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM messages WHERE account = ?1")
            .and_then(|mut s| s.query_row(params![account], |r| r.get(0)))
            .map_err(fail)?;
        Ok(n.max(0) as u64)
    }

    fn query(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<StoredMessage>, HistoryError> {
        let fail = sql_err(&self.path);
        let mut stmt = self.conn.prepare_cached(sql).map_err(&fail)?;
        let rows = stmt.query_map(args, read_message).map_err(&fail)?;
        rows.collect::<Result<_, _>>().map_err(&fail)
    }
}

/// The row a message is already stored as: the same archive id; else the
/// same id from the same room (MUC-21); else the same origin-id from the
/// same peer in the same direction; else, for an incoming message, the same
/// peer (the room, for a room's line), resource, stanza id and content.
fn find_stored(
    m: &NewMessage<'_>,
    [find, archived, by_origin, by_room]: [&mut rusqlite::CachedStatement<'_>; 4],
    fail: &impl Fn(rusqlite::Error) -> HistoryError,
) -> Result<Option<i64>, HistoryError> {
    if let Some(id) = m.archive_id
        && let Some(row) = archived
            .query_row(params![m.account, id], |r| r.get(0))
            .optional()
            .map_err(fail)?
    {
        return Ok(Some(row));
    }
    if let Some(id) = m.room_id
        && let Some(row) = by_room
            .query_row(params![m.account, m.peer, id], |r| r.get(0))
            .optional()
            .map_err(fail)?
    {
        return Ok(Some(row));
    }
    if let Some(id) = m.origin_id
        && let Some(row) = by_origin
            .query_row(params![m.account, id, m.peer, m.direction], |r| r.get(0))
            .optional()
            .map_err(fail)?
    {
        return Ok(Some(row));
    }
    if m.direction == Direction::Incoming
        && let Some(id) = m.stanza_id
    {
        return find
            .query_row(
                params![m.account, id, m.peer, m.body, m.subject, m.resource],
                |r| r.get(0),
            )
            .optional()
            .map_err(fail);
    }
    Ok(None)
}

/// Reads the columns listed by `columns!`.
fn read_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    Ok(StoredMessage {
        row: r.get(0)?,
        peer: r.get(1)?,
        resource: r.get(2)?,
        thread: r.get(3)?,
        direction: r.get(4)?,
        kind: r.get(5)?,
        subject: r.get(6)?,
        body: r.get(7)?,
        stanza_id: r.get(8)?,
        at: r.get(9)?,
        pending: r.get(10)?,
        error: r.get(11)?,
        received: r.get(12)?,
        displayed: r.get(13)?,
        edited: r.get(14)?,
        room_id: r.get(15)?,
    })
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
    move |source| HistoryError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// SQLite's `LIMIT` is signed; anything beyond it means "no limit" anyway.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Every spelling of a short needle that differs only in case: each
/// character as typed, lowercased and uppercased. For the one- and
/// two-character needles that the trigram index cannot serve.
fn case_variants(needle: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    for c in needle.chars() {
        let mut forms = vec![
            c.to_string(),
            c.to_lowercase().collect::<String>(),
            c.to_uppercase().collect::<String>(),
        ];
        forms.sort();
        forms.dedup();
        variants = variants
            .iter()
            .flat_map(|v| forms.iter().map(move |f| format!("{v}{f}")))
            .collect();
    }
    variants
}

/// Chat history is private: a new directory is readable by us alone.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the database file with owner-only permissions before SQLite does
/// (SQLite gives its `-wal` and `-shm` files the same mode). An empty file is
/// a valid empty database.
pub(crate) fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
