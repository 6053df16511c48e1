//! Where OMEMO keeps its secrets and what it learnt: one SQLite file per
//! account, created owner-only (0600) before SQLite opens it, synced fully
//! on each write (a lost ratchet step would leave a session that can no
//! longer decrypt).
//!
//! Rows: this device's id and keys; a session per (JID, namespace,
//! device); each contact's devices as their lists announced them; and
//! each identity key seen with the trust the user gave it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::Namespace;
use super::session::{OwnKeys, Session};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS own (device INTEGER NOT NULL, keys TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    jid TEXT NOT NULL, ns INTEGER NOT NULL, device INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (jid, ns, device));
CREATE TABLE IF NOT EXISTS devices (
    jid TEXT NOT NULL, ns INTEGER NOT NULL, device INTEGER NOT NULL,
    active INTEGER NOT NULL, label TEXT, identity BLOB,
    PRIMARY KEY (jid, ns, device));
CREATE TABLE IF NOT EXISTS chosen (jid TEXT PRIMARY KEY, encrypt INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS identities (
    jid TEXT NOT NULL, identity BLOB NOT NULL, trust INTEGER NOT NULL,
    PRIMARY KEY (jid, identity));
";

/// What the user decided about an identity key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// Seen while the contact had nothing verified: used until the user
    /// verifies a key of theirs (blind trust before verification).
    Blind,
    /// Compared by the user (`/omemo trust`).
    Verified,
    /// Refused by the user (`/omemo untrust`): never encrypted to.
    Distrusted,
    /// New beside a verified key: waits for the user's decision.
    Undecided,
}

impl Trust {
    fn code(self) -> i64 {
        match self {
            Trust::Blind => 1,
            Trust::Verified => 2,
            Trust::Distrusted => 3,
            Trust::Undecided => 0,
        }
    }

    fn from_code(code: i64) -> Trust {
        match code {
            1 => Trust::Blind,
            2 => Trust::Verified,
            3 => Trust::Distrusted,
            _ => Trust::Undecided,
        }
    }

    /// Whether messages are encrypted to a device with this key.
    pub fn usable(self) -> bool {
        matches!(self, Trust::Blind | Trust::Verified)
    }
}

fn ns_code(ns: Namespace) -> i64 {
    match ns {
        Namespace::Legacy => 0,
        Namespace::Omemo2 => 2,
    }
}

fn ns_from(code: i64) -> Option<Namespace> {
    match code {
        0 => Some(Namespace::Legacy),
        2 => Some(Namespace::Omemo2),
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: a stored key does not read back")]
    Corrupt { path: PathBuf },
}

/// A device row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    pub jid: String,
    pub ns: Namespace,
    pub device: u32,
    pub active: bool,
    pub label: Option<String>,
    pub identity: Option<[u8; 32]>,
}

pub struct KeyStore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("path", &self.path)
            .finish()
    }
}

/// The key file of `account` in `data_dir`.
pub fn default_path(data_dir: &Path, account_file_name: &str) -> PathBuf {
    data_dir.join(format!("omemo-{account_file_name}.sqlite3"))
}

impl KeyStore {
    pub fn open(path: &Path) -> Result<KeyStore, StoreError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| StoreError::Io { path, source }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::history::create_private_dir(dir).map_err(io(dir))?;
        }
        crate::history::create_private_file(path).map_err(io(path))?;
        let conn = Connection::open(path).map_err(|source| StoreError::Sql {
            path: path.to_owned(),
            source,
        })?;
        KeyStore::setup(conn, path.to_owned())
    }

    pub fn open_in_memory() -> Result<KeyStore, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sql {
            path: path.clone(),
            source,
        })?;
        KeyStore::setup(conn, path)
    }

    fn setup(conn: Connection, path: PathBuf) -> Result<KeyStore, StoreError> {
        let store = KeyStore { conn, path };
        store
            .conn
            .busy_timeout(Duration::from_secs(5))
            .map_err(|e| store.sql(e))?;
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| store.sql(e))?;
        store
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| store.sql(e))?;
        store.conn.execute_batch(SCHEMA).map_err(|e| store.sql(e))?;
        Ok(store)
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            source,
        }
    }

    fn corrupt(&self) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This device's id and keys, once generated.
    pub fn load_own(&self) -> Result<Option<(u32, OwnKeys)>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row("SELECT device, keys FROM own LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((device, keys)) = row else {
            return Ok(None);
        };
        let device = u32::try_from(device).map_err(|_| self.corrupt())?;
        let keys = serde_json::from_str(&keys).map_err(|_| self.corrupt())?;
        Ok(Some((device, keys)))
    }

    pub fn save_own(&self, device: u32, keys: &OwnKeys) -> Result<(), StoreError> {
        let keys = serde_json::to_string(keys).map_err(|_| self.corrupt())?;
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
        tx.execute("DELETE FROM own", []).map_err(|e| self.sql(e))?;
        tx.execute(
            "INSERT INTO own (device, keys) VALUES (?1, ?2)",
            params![device, keys],
        )
        .map_err(|e| self.sql(e))?;
        tx.commit().map_err(|e| self.sql(e))
    }

    /// Every stored session; one that no longer reads is skipped (a new
    /// one is built when needed).
    pub fn load_sessions(&self) -> Result<Vec<(String, Namespace, u32, Session)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT jid, ns, device, data FROM sessions")
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut sessions = Vec::new();
        for row in rows {
            let (jid, ns, device, data) = row.map_err(|e| self.sql(e))?;
            let (Some(ns), Ok(device), Ok(session)) = (
                ns_from(ns),
                u32::try_from(device),
                serde_json::from_str::<Session>(&data),
            ) else {
                continue;
            };
            sessions.push((jid, ns, device, session));
        }
        Ok(sessions)
    }

    pub fn save_session(
        &self,
        jid: &str,
        ns: Namespace,
        device: u32,
        session: &Session,
    ) -> Result<(), StoreError> {
        let data = serde_json::to_string(session).map_err(|_| self.corrupt())?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO sessions (jid, ns, device, data) VALUES (?1, ?2, ?3, ?4)",
                params![jid, ns_code(ns), device, data],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    pub fn load_devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT jid, ns, device, active, label, identity FROM devices")
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut devices = Vec::new();
        for row in rows {
            let (jid, ns, device, active, label, identity) = row.map_err(|e| self.sql(e))?;
            let (Some(ns), Ok(device)) = (ns_from(ns), u32::try_from(device)) else {
                continue;
            };
            devices.push(DeviceRow {
                jid,
                ns,
                device,
                active,
                label,
                identity: identity.and_then(|i| i.try_into().ok()),
            });
        }
        Ok(devices)
    }

    pub fn save_device(&self, row: &DeviceRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO devices (jid, ns, device, active, label, identity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    row.jid,
                    ns_code(row.ns),
                    row.device,
                    row.active,
                    row.label,
                    row.identity.map(|i| i.to_vec())
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    pub fn load_identities(&self) -> Result<Vec<(String, [u8; 32], Trust)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT jid, identity, trust FROM identities")
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut identities = Vec::new();
        for row in rows {
            let (jid, identity, trust) = row.map_err(|e| self.sql(e))?;
            if let Ok(identity) = <[u8; 32]>::try_from(identity.as_slice()) {
                identities.push((jid, identity, Trust::from_code(trust)));
            }
        }
        Ok(identities)
    }

    pub fn save_identity(
        &self,
        jid: &str,
        identity: &[u8; 32],
        trust: Trust,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO identities (jid, identity, trust) VALUES (?1, ?2, ?3)",
                params![jid, identity.to_vec(), trust.code()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }
}

impl KeyStore {
    /// `/omemo on|off` per conversation.
    pub fn load_chosen(&self) -> Result<Vec<(String, bool)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT jid, encrypt FROM chosen")
            .map_err(|e| self.sql(e))?;
        let rows = statement
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    pub fn save_chosen(&self, jid: &str, encrypt: bool) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO chosen (jid, encrypt) VALUES (?1, ?2)",
                params![jid, encrypt],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn everything_reads_back_after_a_reopen() {
        let dir = std::env::temp_dir().join(format!("balcony-omemo-{}", std::process::id()));
        let path = dir.join("omemo-test.sqlite3");
        let _ = std::fs::remove_file(&path);
        let keys = OwnKeys::generate().unwrap();
        let other = OwnKeys::generate().unwrap();
        let session = Session::initiate(&keys, &other.bundle(Namespace::Legacy)).unwrap();
        {
            let store = KeyStore::open(&path).unwrap();
            store.save_own(1234, &keys).unwrap();
            store
                .save_session("romeo@montague.lit", Namespace::Legacy, 7, &session)
                .unwrap();
            store
                .save_device(&DeviceRow {
                    jid: "romeo@montague.lit".into(),
                    ns: Namespace::Omemo2,
                    device: 7,
                    active: true,
                    label: Some("phone".into()),
                    identity: Some([3; 32]),
                })
                .unwrap();
            store
                .save_identity("romeo@montague.lit", &[3; 32], Trust::Verified)
                .unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let store = KeyStore::open(&path).unwrap();
        let (device, loaded) = store.load_own().unwrap().unwrap();
        assert_eq!(device, 1234);
        assert_eq!(
            loaded.identity().curve_public(),
            keys.identity().curve_public()
        );
        let sessions = store.load_sessions().unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].3.their_identity, session.their_identity);
        assert_eq!(
            store.load_devices().unwrap()[0].label.as_deref(),
            Some("phone")
        );
        assert_eq!(
            store.load_identities().unwrap(),
            vec![("romeo@montague.lit".to_owned(), [3; 32], Trust::Verified)]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
