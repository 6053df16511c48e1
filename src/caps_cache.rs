//! Contacts' capabilities kept on disk between runs (XEP-0115 §8.4,
//! CAPS-10): what a verified `(hash, ver)` means, so a second login with
//! the same contacts sends no disco#info at all. One SQLite file in the
//! cache dir, shared by every account (a verified `ver` means the same
//! thing to all of them); only answers whose hash was checked are ever
//! written.
//!
//! This module owns the file, its schema and its migrations (one more
//! entry at the end of `MIGRATIONS`, as in [`crate::history`]). It must not
//! import `app`, `ui` or `xmpp`: rows are plain strings. The engine opens
//! and reads it off the UI task at start and writes one row per newly
//! verified `ver`; the table is trimmed to [`MAX_ROWS`].

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, params};

/// Rows kept; the least recently saved go first.
pub const MAX_ROWS: usize = 4096;

/// Longest JSON column read back; a row over it (a file edited by hand, or
/// by a hostile process) is skipped.
const MAX_JSON_BYTES: usize = 256 * 1024;

const MIGRATIONS: &[&str] = &[
    // v1: one row per verified (hash, ver): identities as JSON
    // [category, type, lang, name] arrays, features as a JSON array.
    "CREATE TABLE caps (
         hash       TEXT    NOT NULL,
         ver        TEXT    NOT NULL,
         identities TEXT    NOT NULL,
         features   TEXT    NOT NULL,
         saved      INTEGER NOT NULL,
         PRIMARY KEY (hash, ver)
     ) STRICT;
     CREATE INDEX caps_by_saved ON caps (saved);",
];

/// One identity: category, type, `xml:lang`, name.
pub type CachedIdentity = (String, String, Option<String>, Option<String>);

/// One verified `(hash, ver)` and what it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedCaps {
    pub hash: String,
    pub ver: String,
    pub identities: Vec<CachedIdentity>,
    pub features: Vec<String>,
}

/// What went wrong with the cache file; the caller logs it and goes on
/// without the cache.
#[derive(Debug, thiserror::Error)]
pub enum CapsCacheError {
    #[error("caps cache {path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("caps cache {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("caps cache {path} was written by a newer balcony")]
    TooNew { path: PathBuf },
    #[error("caps cache {path}: cannot encode a row: {source}")]
    Encode {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The open cache file.
#[derive(Debug)]
pub struct CapsCache {
    conn: Connection,
    path: PathBuf,
    /// Increases with every save, ordering rows for the trim.
    clock: i64,
}

/// The cache file in `cache_dir`.
pub fn default_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("caps.sqlite3")
}

impl CapsCache {
    /// Opens (creating if needed) the cache at `path`, schema up to date.
    /// Which clients the contacts use is theirs to tell: the file is the
    /// user's alone, as the history is.
    pub fn open(path: &Path) -> Result<CapsCache, CapsCacheError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::history::create_private_dir(dir).map_err(|source| CapsCacheError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        crate::history::create_private_file(path).map_err(|source| CapsCacheError::Io {
            path: path.to_owned(),
            source,
        })?;
        let conn = Connection::open(path).map_err(|source| CapsCacheError::Sql {
            path: path.to_owned(),
            source,
        })?;
        CapsCache::setup(conn, path.to_owned())
    }

    /// A cache that lives as long as the value, for tests.
    pub fn open_in_memory() -> Result<CapsCache, CapsCacheError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| CapsCacheError::Sql {
            path: path.clone(),
            source,
        })?;
        CapsCache::setup(conn, path)
    }

    fn setup(mut conn: Connection, path: PathBuf) -> Result<CapsCache, CapsCacheError> {
        let sql = |source| CapsCacheError::Sql {
            path: path.clone(),
            source,
        };
        conn.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
        // A cache: each save is appended to the log, not synced to the
        // disk, so verifying a burst of new clients never waits on fsync.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let found: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(CapsCacheError::TooNew { path });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            tx.execute_batch(migration).map_err(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)
                .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        let clock: i64 = conn
            .query_row("SELECT coalesce(max(saved), 0) FROM caps", [], |r| r.get(0))
            .map_err(sql)?;
        Ok(CapsCache { conn, path, clock })
    }

    fn sql_err(&self) -> impl Fn(rusqlite::Error) -> CapsCacheError + '_ {
        |source| CapsCacheError::Sql {
            path: self.path.clone(),
            source,
        }
    }

    /// Every row, at most [`MAX_ROWS`], the most recently saved first;
    /// rows that do not read back are skipped.
    pub fn load(&self) -> Result<Vec<CachedCaps>, CapsCacheError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT hash, ver, identities, features FROM caps \
                 ORDER BY saved DESC LIMIT ?1",
            )
            .map_err(self.sql_err())?;
        let rows = statement
            .query_map(params![MAX_ROWS as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(self.sql_err())?;
        let mut out = Vec::new();
        for row in rows {
            let (hash, ver, identities, features) = row.map_err(self.sql_err())?;
            if identities.len() > MAX_JSON_BYTES || features.len() > MAX_JSON_BYTES {
                continue;
            }
            let (Ok(identities), Ok(features)) = (
                serde_json::from_str(&identities),
                serde_json::from_str(&features),
            ) else {
                continue;
            };
            out.push(CachedCaps {
                hash,
                ver,
                identities,
                features,
            });
        }
        Ok(out)
    }

    /// Keeps `caps` (replacing an older row of the same key) and trims the
    /// table to [`MAX_ROWS`].
    pub fn save(&mut self, caps: &CachedCaps) -> Result<(), CapsCacheError> {
        // A row that cannot be written is not written: an empty one would
        // say this client speaks nothing.
        let encode = |source| CapsCacheError::Encode {
            path: self.path.clone(),
            source,
        };
        let identities = serde_json::to_string(&caps.identities).map_err(encode)?;
        let features = serde_json::to_string(&caps.features).map_err(encode)?;
        self.clock += 1;
        let clock = self.clock;
        let tx = self
            .conn
            .transaction()
            .map_err(|source| CapsCacheError::Sql {
                path: self.path.clone(),
                source,
            })?;
        let sql = |source| CapsCacheError::Sql {
            path: self.path.clone(),
            source,
        };
        tx.execute(
            "INSERT OR REPLACE INTO caps (hash, ver, identities, features, saved) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![caps.hash, caps.ver, identities, features, clock],
        )
        .map_err(sql)?;
        tx.execute(
            "DELETE FROM caps WHERE saved <= \
             (SELECT saved FROM caps ORDER BY saved DESC LIMIT 1 OFFSET ?1)",
            params![MAX_ROWS as i64],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(ver: &str) -> CachedCaps {
        CachedCaps {
            hash: "sha-1".into(),
            ver: ver.into(),
            identities: vec![(
                "client".into(),
                "pc".into(),
                None,
                Some("Exodus 0.9.1".into()),
            )],
            features: vec!["http://jabber.org/protocol/muc".into()],
        }
    }

    /// CAPS-10: what is saved reads back in the next run, newest first,
    /// one row per (hash, ver).
    #[test]
    fn caps_10_rows_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = default_path(dir.path());
        {
            let mut cache = CapsCache::open(&path).unwrap();
            cache.save(&row("a")).unwrap();
            cache.save(&row("b")).unwrap();
            cache.save(&row("a")).unwrap();
        }
        let cache = CapsCache::open(&path).unwrap();
        let rows = cache.load().unwrap();
        assert_eq!(rows, [row("a"), row("b")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the cache is the user's alone");
        }
    }

    /// The table is trimmed to [`MAX_ROWS`], the oldest saved going first;
    /// a row that does not read back is skipped.
    #[test]
    fn caps_10_cache_is_bounded_and_bad_rows_skipped() {
        let mut cache = CapsCache::open_in_memory().unwrap();
        for n in 0..MAX_ROWS + 3 {
            cache.save(&row(&format!("v{n}"))).unwrap();
        }
        let rows = cache.load().unwrap();
        assert_eq!(rows.len(), MAX_ROWS);
        assert_eq!(rows[0].ver, format!("v{}", MAX_ROWS + 2));
        assert!(rows.iter().all(|r| r.ver != "v0"));
        cache
            .conn
            .execute("UPDATE caps SET features = 'not json' WHERE ver = 'v5'", [])
            .unwrap();
        assert_eq!(cache.load().unwrap().len(), MAX_ROWS - 1);
    }
}
