//! The roster kept on disk between runs, with its version, so that a login
//! with an unchanged roster transfers nothing (roster versioning, RFC 6121
//! §2.6, NEW-02..04). One JSON file per account under the XDG data dir,
//! replaced atomically so a crash never leaves half a file.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use jid::BareJid;
use serde::{Deserialize, Serialize};

use crate::xmpp::stanza::roster::{RosterItem, Subscription};

#[derive(Deserialize)]
struct CachedRoster {
    ver: Option<String>,
    items: Vec<CachedItem>,
}

#[derive(Deserialize)]
struct CachedItem {
    jid: String,
    #[serde(default)]
    name: Option<String>,
    subscription: String,
    #[serde(default)]
    ask: bool,
    #[serde(default)]
    approved: bool,
    #[serde(default)]
    groups: Vec<String>,
}

/// One item as written: [`CachedItem`] borrowing from a [`RosterItem`].
#[derive(Serialize)]
struct CachedItemRef<'a> {
    jid: &'a str,
    name: Option<&'a str>,
    subscription: &'a str,
    ask: bool,
    approved: bool,
    groups: &'a [String],
}

/// Writes the file's JSON (the shape [`CachedRoster`] reads) item by item.
fn write_json(
    out: &mut impl Write,
    ver: Option<&str>,
    items: impl Iterator<Item = impl std::borrow::Borrow<RosterItem>>,
) -> std::io::Result<()> {
    out.write_all(b"{\"ver\":")?;
    serde_json::to_writer(&mut *out, &ver)?;
    out.write_all(b",\"items\":[")?;
    for (n, item) in items.enumerate() {
        let item = item.borrow();
        if n > 0 {
            out.write_all(b",")?;
        }
        let cached = CachedItemRef {
            jid: item.jid.as_str(),
            name: item.name.as_deref(),
            subscription: item.subscription.as_str(),
            ask: item.ask,
            approved: item.approved,
            groups: &item.groups,
        };
        serde_json::to_writer(&mut *out, &cached)?;
    }
    out.write_all(b"]}")
}

/// `jid` made safe for a file name: anything but letters, digits and
/// `.@-_` as `%hex`.
pub fn file_safe(jid: &BareJid) -> String {
    jid.as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_') {
                c.to_string()
            } else {
                format!("%{:x}", c as u32)
            }
        })
        .collect()
}

/// A cached roster: its version and items.
pub type Snapshot = (Option<String>, Vec<RosterItem>);

/// The cache file of one account.
#[derive(Debug)]
pub struct RosterCache {
    path: PathBuf,
}

impl RosterCache {
    /// `dir/roster-<jid>.json`, with the JID made safe for a file name.
    pub fn new(dir: PathBuf, jid: &BareJid) -> RosterCache {
        RosterCache {
            path: dir.join(format!("roster-{}.json", file_safe(jid))),
        }
    }

    /// The cached version and items, or `None` when there is no cache.
    /// Unreadable entries are skipped; an unreadable file is an error (the
    /// caller then logs in without a cache).
    pub fn load(&self) -> Result<Option<Snapshot>, String> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        let cached: CachedRoster =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", self.path.display()))?;
        let items = cached
            .items
            .into_iter()
            .filter_map(|c| {
                let mut item = RosterItem::new(BareJid::new(&c.jid).ok()?);
                item.name = c.name;
                item.subscription = Subscription::from_attr(Some(&c.subscription));
                item.ask = c.ask;
                item.approved = c.approved;
                item.groups = c.groups;
                Some(item)
            })
            .collect();
        Ok(Some((cached.ver, items)))
    }

    /// Replaces the cache with `items` at version `ver`.
    /// The store builds items on the fly, so owned ones are taken too; each is written as it
    /// comes, so saving a big roster needs no copy of it in memory.
    pub fn save(
        &self,
        ver: Option<&str>,
        items: impl Iterator<Item = impl std::borrow::Borrow<RosterItem>>,
    ) -> Result<(), String> {
        let dir = self.path.parent().unwrap_or(std::path::Path::new("."));
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let temp = self.path.with_extension("json.tmp");
        let file = fs::File::create(&temp).map_err(|e| format!("{}: {e}", temp.display()))?;
        let mut out = BufWriter::new(file);
        write_json(&mut out, ver, items)
            .and_then(|()| out.into_inner().map_err(|e| e.into_error()))
            .and_then(|file| file.sync_all())
            .map_err(|e| format!("{}: {e}", temp.display()))?;
        fs::rename(&temp, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_survives_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RosterCache::new(dir.path().to_owned(), &BareJid::new("a@x").unwrap());
        assert!(cache.load().unwrap().is_none());
        let mut item = RosterItem::new(BareJid::new("josé@example.net").unwrap());
        item.name = Some("José".into());
        item.subscription = Subscription::Both;
        item.groups = vec!["Amigos".into()];
        cache.save(Some("42"), [&item].into_iter()).unwrap();
        let (ver, items) = cache.load().unwrap().unwrap();
        assert_eq!(ver.as_deref(), Some("42"));
        assert_eq!(items, [item]);
        fs::write(cache.path(), "{not json").unwrap();
        assert!(cache.load().is_err());
    }

    #[test]
    fn writes_many_items_and_an_empty_roster() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RosterCache::new(dir.path().to_owned(), &BareJid::new("a@x").unwrap());
        let mut quoted = RosterItem::new(BareJid::new("q@example.net").unwrap());
        quoted.name = Some("\"<Escalus & Co>\"\\\n\u{1b}[31m".into());
        quoted.ask = true;
        quoted.groups = vec!["a,b".into(), "]}".into()];
        let bare = RosterItem::new(BareJid::new("b@example.net").unwrap());
        let items = vec![quoted, bare];
        cache.save(None, items.iter()).unwrap();
        assert_eq!(cache.load().unwrap().unwrap(), (None, items));
        cache
            .save(Some("v2"), std::iter::empty::<RosterItem>())
            .unwrap();
        assert_eq!(cache.load().unwrap().unwrap(), (Some("v2".into()), vec![]));
    }
}
