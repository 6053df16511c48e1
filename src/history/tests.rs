//! Tests of the history store, on in-memory databases and temp files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

const ME: &str = "me@example.org";

fn msg<'a>(peer: &'a str, direction: Direction, body: &'a str) -> NewMessage<'a> {
    NewMessage {
        account: ME,
        peer,
        resource: None,
        thread: None,
        direction,
        kind: "chat",
        subject: None,
        body,
        stanza_id: None,
        origin_id: None,
        archive_id: None,
        room_id: None,
        at: 1_700_000_000,
        pending: false,
    }
}

fn incoming<'a>(peer: &'a str, body: &'a str) -> NewMessage<'a> {
    msg(peer, Direction::Incoming, body)
}

fn bodies(messages: &[StoredMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.body.as_str()).collect()
}

#[test]
fn direction_round_trips_through_its_string() {
    for d in [Direction::Incoming, Direction::Outgoing] {
        assert_eq!(d.as_str().parse::<Direction>(), Ok(d));
    }
    assert!("sideways".parse::<Direction>().is_err());
}

#[test]
fn every_field_round_trips() {
    let mut h = History::open_in_memory().unwrap();
    let body = "héllo 世界 🦀 — ｆｕｌｌ\twidth\r\n\u{1b}[31mred\u{7}\u{7f}\u{202e}rtl";
    let full = NewMessage {
        account: ME,
        peer: "josé@例え.jp",
        resource: Some("ノートPC/🦀"),
        thread: Some("thread-ß"),
        direction: Direction::Outgoing,
        kind: "groupchat",
        subject: Some("Тема \u{1}"),
        body,
        stanza_id: Some("id-ü"),
        origin_id: None,
        archive_id: None,
        room_id: None,
        at: -5,
        pending: true,
    };
    let bare = NewMessage {
        at: i64::MAX,
        ..incoming("b@x", "")
    };
    let rows = h.insert_batch(&[full.clone(), bare.clone()]).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0] < rows[1]);

    let got = h.recent(ME, "josé@例え.jp", 10).unwrap();
    assert_eq!(
        got,
        [StoredMessage {
            row: rows[0],
            peer: full.peer.into(),
            resource: Some("ノートPC/🦀".into()),
            thread: Some("thread-ß".into()),
            direction: Direction::Outgoing,
            kind: "groupchat".into(),
            subject: Some("Тема \u{1}".into()),
            body: body.into(),
            stanza_id: Some("id-ü".into()),
            at: -5,
            pending: true,
            error: None,
            received: false,
            displayed: false,
            edited: false,
            room_id: None,
        }]
    );
    let got = h.recent(ME, "b@x", 10).unwrap();
    assert_eq!(
        got,
        [StoredMessage {
            row: rows[1],
            peer: "b@x".into(),
            resource: None,
            thread: None,
            direction: Direction::Incoming,
            kind: "chat".into(),
            subject: None,
            body: String::new(),
            stanza_id: None,
            at: i64::MAX,
            pending: false,
            error: None,
            received: false,
            displayed: false,
            edited: false,
            room_id: None,
        }]
    );
}

#[test]
fn ten_thousand_messages_in_one_batch() {
    let mut h = History::open_in_memory().unwrap();
    let texts: Vec<String> = (0..10_000).map(|i| format!("flood {i}")).collect();
    let ids: Vec<String> = (0..10_000).map(|i| format!("id{i}")).collect();
    let batch: Vec<NewMessage<'_>> = texts
        .iter()
        .zip(&ids)
        .map(|(t, id)| NewMessage {
            stanza_id: Some(id),
            ..incoming("flood@x", t)
        })
        .collect();
    let rows = h.insert_batch(&batch).unwrap();
    assert_eq!(rows.len(), 10_000);
    assert!(rows.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(h.count(ME).unwrap(), 10_000);
    assert_eq!(h.count("other@x").unwrap(), 0);
    assert_eq!(bodies(&h.recent(ME, "flood@x", 1).unwrap()), ["flood 9999"]);
}

#[test]
fn a_failing_batch_stores_nothing() {
    let mut h = History::open_in_memory().unwrap();
    h.insert_batch(&[incoming("a@x", "kept")]).unwrap();
    // A test-only trigger makes the third insert fail halfway through.
    h.conn
        .execute_batch(
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON messages WHEN new.body = 'boom'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let err = h
        .insert_batch(&[
            incoming("a@x", "1"),
            incoming("a@x", "2"),
            incoming("a@x", "boom"),
        ])
        .unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
    assert_eq!(bodies(&h.recent(ME, "a@x", 10).unwrap()), ["kept"]);
    assert_eq!(h.search(ME, "kept", 10).unwrap().len(), 1);
}

#[test]
fn recent_and_before_page_through_one_peer() {
    let mut h = History::open_in_memory().unwrap();
    let texts: Vec<String> = (0..2_500).map(|i| format!("a{i}")).collect();
    let others: Vec<String> = (0..2_500).map(|i| format!("b{i}")).collect();
    // Interleave another peer, and the same peer under another account.
    let mut batch = Vec::new();
    for (a, b) in texts.iter().zip(&others) {
        batch.push(incoming("alice@x", a));
        batch.push(msg("bob@x", Direction::Outgoing, b));
        batch.push(NewMessage {
            account: "other@example.org",
            ..incoming("alice@x", b)
        });
    }
    let rows = h.insert_batch(&batch).unwrap();
    let alice_rows: Vec<i64> = rows.iter().copied().step_by(3).collect();

    let page = h.recent(ME, "alice@x", 100).unwrap();
    assert_eq!(page.len(), 100);
    assert_eq!(page[0].body, "a2400");
    assert_eq!(page[99].body, "a2499");
    assert_eq!(
        page.iter().map(|m| m.row).collect::<Vec<_>>(),
        alice_rows[2400..]
    );

    // Walk back to the start; 2,400 older rows make six pages of 350 and
    // a last one of 300.
    let mut seen = page;
    let mut sizes = Vec::new();
    loop {
        let older = h.before(ME, "alice@x", seen[0].row, 350).unwrap();
        if older.is_empty() {
            break;
        }
        sizes.push(older.len());
        assert!(older.windows(2).all(|w| w[0].row < w[1].row));
        assert!(older.last().unwrap().row < seen[0].row);
        seen.splice(0..0, older);
    }
    assert_eq!(sizes, [350, 350, 350, 350, 350, 350, 300]);
    assert_eq!(seen.len(), 2_500);
    assert_eq!(seen.iter().map(|m| m.row).collect::<Vec<_>>(), alice_rows);
    assert!(seen.iter().enumerate().all(|(i, m)| m.body == texts[i]));
    assert!(seen.iter().all(|m| m.peer == "alice@x"));

    assert_eq!(h.recent(ME, "bob@x", 1).unwrap()[0].body, "b2499");
    assert!(h.recent(ME, "nobody@x", 10).unwrap().is_empty());
    assert!(h.recent(ME, "alice@x", 0).unwrap().is_empty());
    assert_eq!(h.recent(ME, "alice@x", usize::MAX).unwrap().len(), 2_500);
}

#[test]
fn search_ignores_case_in_any_script() {
    let mut h = History::open_in_memory().unwrap();
    h.insert_batch(&[
        incoming("a@x", "Hello World"),
        incoming("b@x", "ПРИВЕТ мир"),
        incoming("a@x", "ΚΑΛΗΜΕΡΑ"),
        incoming("b@x", "Ärger über Öl"),
        incoming("a@x", "nothing here"),
    ])
    .unwrap();
    assert_eq!(
        bodies(&h.search(ME, "hello world", 10).unwrap()),
        ["Hello World"]
    );
    assert_eq!(bodies(&h.search(ME, "O W", 10).unwrap()), ["Hello World"]);
    assert_eq!(bodies(&h.search(ME, "привет", 10).unwrap()), ["ПРИВЕТ мир"]);
    assert_eq!(
        bodies(&h.search(ME, "καλημέρα", 10).unwrap()),
        Vec::<&str>::new()
    );
    assert_eq!(bodies(&h.search(ME, "καλημερα", 10).unwrap()), ["ΚΑΛΗΜΕΡΑ"]);
    assert_eq!(
        bodies(&h.search(ME, "ärger", 10).unwrap()),
        ["Ärger über Öl"]
    );
    // One and two characters go the short way, still ignoring case.
    assert_eq!(bodies(&h.search(ME, "öL", 10).unwrap()), ["Ärger über Öl"]);
    assert_eq!(bodies(&h.search(ME, "ü", 10).unwrap()), ["Ärger über Öl"]);
    assert_eq!(bodies(&h.search(ME, "Ж", 10).unwrap()), Vec::<&str>::new());
    assert_eq!(bodies(&h.search(ME, "и", 10).unwrap()), ["ПРИВЕТ мир"]);
    assert!(h.search(ME, "", 10).unwrap().is_empty());
}

#[test]
fn search_finds_cjk_substrings() {
    let mut h = History::open_in_memory().unwrap();
    h.insert_batch(&[
        incoming("a@x", "我们明天去北京吃烤鸭"),
        incoming("b@x", "東京タワーに行きました"),
        incoming("a@x", "오늘 날씨가 좋네요 🌞"),
    ])
    .unwrap();
    assert_eq!(
        bodies(&h.search(ME, "北京吃", 10).unwrap()),
        ["我们明天去北京吃烤鸭"]
    );
    assert_eq!(
        bodies(&h.search(ME, "北京", 10).unwrap()),
        ["我们明天去北京吃烤鸭"]
    );
    assert_eq!(bodies(&h.search(ME, "京", 10).unwrap()).len(), 2);
    assert_eq!(
        bodies(&h.search(ME, "タワー", 10).unwrap()),
        ["東京タワーに行きました"]
    );
    assert_eq!(
        bodies(&h.search(ME, "날씨가", 10).unwrap()),
        ["오늘 날씨가 좋네요 🌞"]
    );
    assert_eq!(
        bodies(&h.search(ME, "요 🌞", 10).unwrap()),
        ["오늘 날씨가 좋네요 🌞"]
    );
    assert_eq!(
        bodies(&h.search(ME, "🌞", 10).unwrap()),
        ["오늘 날씨가 좋네요 🌞"]
    );
    assert!(h.search(ME, "上海", 10).unwrap().is_empty());
}

#[test]
fn search_treats_wildcards_quotes_and_syntax_literally() {
    let mut h = History::open_in_memory().unwrap();
    h.insert_batch(&[
        incoming("a@x", "100% sure"),
        incoming("a@x", "1000 sure"),
        incoming("a@x", "snake_case"),
        incoming("a@x", "snakeXcase"),
        incoming("a@x", "she said \"hi\" AND left"),
        incoming("a@x", "x OR y NEAR(z) col:* ^start"),
        incoming("a@x", "back\\slash"),
    ])
    .unwrap();
    assert_eq!(bodies(&h.search(ME, "%", 10).unwrap()), ["100% sure"]);
    assert_eq!(bodies(&h.search(ME, "0% s", 10).unwrap()), ["100% sure"]);
    assert_eq!(bodies(&h.search(ME, "_", 10).unwrap()), ["snake_case"]);
    assert_eq!(bodies(&h.search(ME, "e_c", 10).unwrap()), ["snake_case"]);
    assert_eq!(
        bodies(&h.search(ME, "\"hi\"", 10).unwrap()),
        ["she said \"hi\" AND left"]
    );
    assert_eq!(
        bodies(&h.search(ME, "\"", 10).unwrap()),
        ["she said \"hi\" AND left"]
    );
    assert_eq!(bodies(&h.search(ME, "NEAR(z) col:*", 10).unwrap()).len(), 1);
    assert_eq!(bodies(&h.search(ME, "^st", 10).unwrap()).len(), 1);
    assert_eq!(bodies(&h.search(ME, "\\", 10).unwrap()), ["back\\slash"]);
    assert!(
        h.search(ME, "'; DROP TABLE messages; --", 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(h.count(ME).unwrap(), 7);
}

#[test]
fn search_is_newest_first_limited_and_per_account() {
    let mut h = History::open_in_memory().unwrap();
    let texts: Vec<String> = (0..50).map(|i| format!("ping {i}")).collect();
    let batch: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| incoming(if i % 2 == 0 { "a@x" } else { "b@x" }, t))
        .collect();
    h.insert_batch(&batch).unwrap();
    h.insert_batch(&[NewMessage {
        account: "other@x",
        ..incoming("a@x", "ping other")
    }])
    .unwrap();
    for needle in ["PING", "pi", "g"] {
        let found = h.search(ME, needle, 3).unwrap();
        assert_eq!(
            bodies(&found),
            ["ping 49", "ping 48", "ping 47"],
            "{needle}"
        );
        assert_eq!(h.search(ME, needle, 100).unwrap().len(), 50, "{needle}");
    }
    assert_eq!(
        bodies(&h.search("other@x", "ping", 10).unwrap()),
        ["ping other"]
    );
    assert!(h.search(ME, "ping", 0).unwrap().is_empty());
}

#[test]
fn case_variants_cover_upper_and_lower() {
    let mut v = case_variants("aB");
    v.sort();
    assert_eq!(v, ["AB", "Ab", "aB", "ab"]);
    assert_eq!(case_variants("京"), ["京"]);
    // The short query has room for the worst case of two characters.
    assert!(case_variants("ǅǅ").len() <= SHORT_VARIANTS);
}

/// The same id with new content (a sender whose ids restart) is a new
/// message, stored; the same id and content is not stored twice.
#[test]
fn reused_id_with_new_content_is_stored() {
    let mut h = History::open_in_memory().unwrap();
    let first = NewMessage {
        stanza_id: Some("same1"),
        ..incoming("a@x", "first text")
    };
    let second = NewMessage {
        stanza_id: Some("same1"),
        ..incoming("a@x", "second, different text")
    };
    let rows = h.insert_batch(&[first, second.clone()]).unwrap();
    assert_ne!(rows[0], rows[1]);
    let again = h.insert_batch(&[second]).unwrap();
    assert_eq!(again, [rows[1]]);
    assert_eq!(h.count(ME).unwrap(), 2);
}

#[test]
fn redelivered_incoming_ids_are_stored_once() {
    let mut h = History::open_in_memory().unwrap();
    let first = NewMessage {
        stanza_id: Some("s1"),
        ..incoming("a@x", "hi")
    };
    let rows = h.insert_batch(&[first.clone(), first.clone()]).unwrap();
    assert_eq!(rows[0], rows[1], "a duplicate in the same batch");
    let again = h.insert_batch(std::slice::from_ref(&first)).unwrap();
    assert_eq!(again, [rows[0]], "redelivered after a reconnect");
    assert_eq!(h.count(ME).unwrap(), 1);

    // The same id from another peer, the other direction or another account
    // is another message.
    h.insert_batch(&[
        NewMessage {
            peer: "b@x",
            ..first.clone()
        },
        NewMessage {
            direction: Direction::Outgoing,
            ..first.clone()
        },
        NewMessage {
            account: "other@x",
            ..first.clone()
        },
    ])
    .unwrap();
    assert_eq!(h.count(ME).unwrap(), 3);
    assert_eq!(h.count("other@x").unwrap(), 1);
    // Messages without an id are never merged.
    h.insert_batch(&[incoming("a@x", "hi"), incoming("a@x", "hi")])
        .unwrap();
    assert_eq!(h.count(ME).unwrap(), 5);
}

#[test]
fn outbox_acks_and_errors() {
    let mut h = History::open_in_memory().unwrap();
    let out = |id, body| NewMessage {
        stanza_id: Some(id),
        pending: true,
        ..msg("a@x", Direction::Outgoing, body)
    };
    h.insert_batch(&[
        out("o1", "first"),
        incoming("a@x", "reply"),
        out("o2", "second"),
        out("o3", "third"),
        NewMessage {
            account: "other@x",
            ..out("o1", "elsewhere")
        },
    ])
    .unwrap();
    assert_eq!(bodies(&h.outbox(ME).unwrap()), ["first", "second", "third"]);
    assert!(h.outbox(ME).unwrap().iter().all(|m| m.pending));

    h.mark_acked(ME, &["o1", "o3", "unknown"]).unwrap();
    assert_eq!(bodies(&h.outbox(ME).unwrap()), ["second"]);
    assert_eq!(bodies(&h.outbox("other@x").unwrap()), ["elsewhere"]);
    let conversation = h.recent(ME, "a@x", 10).unwrap();
    assert_eq!(
        conversation.iter().map(|m| m.pending).collect::<Vec<_>>(),
        [false, false, true, false]
    );

    h.set_error(ME, "o2", "service-unavailable").unwrap();
    assert!(h.outbox(ME).unwrap().is_empty());
    let second = &h.recent(ME, "a@x", 2).unwrap()[0];
    assert_eq!(second.body, "second");
    assert_eq!(second.error.as_deref(), Some("service-unavailable"));
    assert!(!second.pending);
    h.mark_acked(ME, &[]).unwrap();
}

#[test]
fn everything_is_there_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = default_path(&dir.path().join("nested/data"), ME);
    assert!(path.ends_with("nested/data/history.sqlite3"));
    {
        let mut h = History::open(&path).unwrap();
        assert_eq!(h.path(), path);
        h.insert_batch(&[
            incoming("a@x", "one"),
            NewMessage {
                stanza_id: Some("p"),
                pending: true,
                ..msg("a@x", Direction::Outgoing, "two")
            },
        ])
        .unwrap();
    }
    let mut h = History::open(&path).unwrap();
    assert_eq!(bodies(&h.recent(ME, "a@x", 10).unwrap()), ["one", "two"]);
    assert_eq!(bodies(&h.outbox(ME).unwrap()), ["two"]);
    assert_eq!(bodies(&h.search(ME, "ONE", 10).unwrap()), ["one"]);
    let rows = h.insert_batch(&[incoming("a@x", "three")]).unwrap();
    assert!(rows[0] > h.recent(ME, "a@x", 3).unwrap()[1].row);
}

#[cfg(unix)]
#[test]
fn the_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = default_path(&data, ME);
    History::open(&path).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn wal_mode_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open(&dir.path().join("h.sqlite3")).unwrap();
    let mode: String = h
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = h
        .conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 1, "NORMAL");
    let fk: i64 = h
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let cache: i64 = h
        .conn
        .pragma_query_value(None, "cache_size", |r| r.get(0))
        .unwrap();
    assert_eq!(cache, -CACHE_KIB, "KiB, not pages");
}

#[test]
fn the_bundled_sqlite_has_fts5_trigram() {
    let h = History::open_in_memory().unwrap();
    let fts5: bool = h
        .conn
        .query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(fts5);
    let sql: String = h
        .conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(sql.contains("trigram"), "{sql}");
}

#[test]
fn an_empty_database_gets_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE unrelated (x)").unwrap();
        assert_eq!(user_version(&conn).unwrap(), 0);
    }
    let mut h = History::open(&path).unwrap();
    assert_eq!(user_version(&h.conn).unwrap(), MIGRATIONS.len() as i64);
    h.insert_batch(&[incoming("a@x", "hi")]).unwrap();
    drop(h);
    // Opening again runs nothing twice.
    let h = History::open(&path).unwrap();
    assert_eq!(user_version(&h.conn).unwrap(), MIGRATIONS.len() as i64);
    assert_eq!(h.count(ME).unwrap(), 1);
}

#[test]
fn a_database_from_a_newer_balcony_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    let err = History::open(&path).unwrap_err();
    assert!(
        matches!(err, HistoryError::TooNew { found: 999, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("999"), "{text}");
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "not switched to WAL");
}

#[test]
fn a_file_that_is_not_a_database_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    fs::write(
        &path,
        "this is not a database, just text that is long enough",
    )
    .unwrap();
    let err = History::open(&path).unwrap_err();
    assert!(matches!(err, HistoryError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("h.sqlite3"), "{err}");
}

#[test]
fn queries_use_indexes() {
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
    for sql in [RECENT, BEFORE] {
        let p = plan(sql);
        assert!(p.contains("USING INDEX messages_by_peer"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
    }
    let p = plan(FIND_INCOMING);
    assert!(p.contains("messages_by_stanza_id"), "{p}");
    let p = plan(OUTBOX);
    assert!(p.contains("messages_pending"), "{p}");
    let p = plan(SEARCH_INDEXED);
    assert!(p.contains("VIRTUAL TABLE INDEX"), "{p}");
    assert!(!p.contains("TEMP B-TREE"), "{p}");
    let p = plan(SEARCH_SHORT);
    assert!(!p.contains("TEMP B-TREE"), "{p}");
}

/// The environment variable that turns [`crash_child`] from a no-op into the
/// process that gets killed.
const CRASH_DB: &str = "BALCONY_HISTORY_CRASH_DB";

/// The child's exit code when it could not SIGKILL itself.
const KILLED_ANOTHER_WAY: i32 = 86;

/// Run by [`a_kill_mid_transaction_loses_only_the_open_transaction`] in a
/// child process: commit one batch, then write a large transaction and kill
/// ourselves with SIGKILL before it commits. Without the variable (a normal
/// test run) it does nothing.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CRASH_DB) else {
        return;
    };
    let mut h = History::open(Path::new(&path)).unwrap();
    let texts: Vec<String> = (0..500).map(|i| format!("acked {i}")).collect();
    let batch: Vec<_> = texts.iter().map(|t| incoming("a@x", t)).collect();
    h.insert_batch(&batch).unwrap();
    // A tiny page cache makes SQLite spill the open transaction's pages into
    // the WAL, so the killed process leaves uncommitted frames on disk.
    h.conn.pragma_update(None, "cache_size", 2).unwrap();
    h.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let big = "x".repeat(2_000);
    for i in 0..2_000 {
        h.conn
            .execute(
                "INSERT INTO messages (account, peer, direction, kind, body, at)
                 VALUES (?1, 'a@x', 'in', 'chat', ?2, ?3)",
                params![ME, big, i],
            )
            .unwrap();
    }
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    // Should `kill` be missing: exiting runs no destructors either, so the
    // transaction is neither committed nor rolled back.
    std::process::exit(KILLED_ANOTHER_WAY);
}

#[cfg(unix)]
#[test]
fn a_kill_mid_transaction_loses_only_the_open_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["history::tests::crash_child", "--exact", "--test-threads=1"])
        .env(CRASH_DB, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    use std::os::unix::process::ExitStatusExt as _;
    assert!(
        status.signal() == Some(9) || status.code() == Some(KILLED_ANOTHER_WAY),
        "the child did not get killed: {status:?}"
    );
    let wal = fs::metadata(dir.path().join("h.sqlite3-wal")).unwrap();
    assert!(wal.len() > 100_000, "the open transaction reached the WAL");

    let mut h = History::open(&path).unwrap();
    assert_eq!(h.count(ME).unwrap(), 500);
    assert_eq!(bodies(&h.recent(ME, "a@x", 1).unwrap()), ["acked 499"]);
    let check: String = h
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    h.conn
        .execute_batch("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        .unwrap();
    assert_eq!(h.search(ME, "acked 49", 100).unwrap().len(), 11);
    h.insert_batch(&[incoming("a@x", "after")]).unwrap();
    assert_eq!(h.count(ME).unwrap(), 501);
}

/// CARBONS-14, SID-04, SID-05: one message reaching us by several paths (live, a carbon, the
/// archive) is one row: by the id our archive gave it, else by the same sender's origin-id in
/// the same direction; an origin-id from another peer or the other way is another message.
#[test]
fn stable_ids_store_a_message_once() {
    let mut h = History::open_in_memory().unwrap();
    let live = NewMessage {
        stanza_id: Some("live-id"),
        archive_id: Some("A7"),
        room_id: None,
        ..incoming("a@x", "hi")
    };
    let copy = NewMessage {
        stanza_id: Some("copy-id"),
        ..live.clone()
    };
    let rows = h.insert_batch(&[live, copy]).unwrap();
    assert_eq!(rows[0], rows[1]);
    assert_eq!(h.count(ME).unwrap(), 1);

    let ours = NewMessage {
        stanza_id: Some("s1"),
        origin_id: Some("o1"),
        ..msg("a@x", Direction::Outgoing, "from my phone")
    };
    let resent = NewMessage {
        stanza_id: Some("s2"),
        ..ours.clone()
    };
    let rows = h.insert_batch(&[ours.clone(), resent]).unwrap();
    assert_eq!(rows[0], rows[1], "the same origin-id from the same side");
    assert_eq!(h.count(ME).unwrap(), 2);
    h.insert_batch(&[
        NewMessage {
            peer: "b@x",
            ..ours.clone()
        },
        NewMessage {
            direction: Direction::Incoming,
            ..ours.clone()
        },
    ])
    .unwrap();
    assert_eq!(h.count(ME).unwrap(), 4);
}

#[test]
fn stable_id_lookups_use_indexes() {
    let h = History::open_in_memory().unwrap();
    for (sql, index) in [
        (FIND_ARCHIVED, "messages_by_archive_id"),
        (FIND_ORIGIN, "messages_by_origin_id"),
    ] {
        let mut stmt = h
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let count = stmt.parameter_count();
        let args: Vec<&dyn ToSql> = vec![&"x"; count];
        let plan = stmt
            .query_map(args.as_slice(), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .join("; ");
        assert!(plan.contains(index), "{plan}");
    }
}

/// MAM-07, MAM-08, MAM-11: the catch-up cursor is its own row, kept per
/// account; without one, the newest archive id held is used; its time is
/// that of the message holding it; no history at all is no time.
#[test]
fn mam_07_archive_cursor() {
    let mut h = History::open_in_memory().unwrap();
    assert_eq!(h.archive_cursor(ME).unwrap(), ArchiveCursor::default());

    let mut first = incoming("a@x", "first");
    first.archive_id = Some("A1");
    first.at = 100;
    let mut live = incoming("a@x", "live");
    live.archive_id = Some("C1");
    live.at = 300;
    h.insert_batch(&[first]).unwrap();
    assert_eq!(
        h.archive_cursor(ME).unwrap(),
        ArchiveCursor {
            last_id: Some("A1".into()),
            last_at: Some(100)
        }
    );
    h.set_archive_cursor(ME, "A1").unwrap();
    h.insert_batch(&[live]).unwrap();
    // MAM-11: a live stanza-id stored later does not move the cursor.
    assert_eq!(
        h.archive_cursor(ME).unwrap(),
        ArchiveCursor {
            last_id: Some("A1".into()),
            last_at: Some(100)
        }
    );
    h.set_archive_cursor(ME, "C1").unwrap();
    assert_eq!(h.archive_cursor(ME).unwrap().last_id.as_deref(), Some("C1"));
    assert_eq!(h.archive_cursor(ME).unwrap().last_at, Some(300));
    // An id the history no longer holds: the newest message's time.
    h.set_archive_cursor(ME, "gone").unwrap();
    assert_eq!(h.archive_cursor(ME).unwrap().last_at, Some(300));
    // Accounts never see each other's cursor.
    assert_eq!(
        h.archive_cursor("other@example.org").unwrap(),
        ArchiveCursor::default()
    );
}

/// MAM-12: scrollback from the archive is stored below every row held,
/// oldest lowest, so paging back with `before` reaches it in order; a
/// message already held (same archive id) is not stored again.
#[test]
fn mam_12_older_messages_go_below() {
    let mut h = History::open_in_memory().unwrap();
    let mut held = incoming("a@x", "held");
    held.archive_id = Some("A5");
    let newest = h
        .insert_batch(&[held.clone(), incoming("b@x", "other")])
        .unwrap();
    let mut older = Vec::new();
    for (id, body) in [("A1", "one"), ("A2", "two")] {
        let mut m = incoming("a@x", body);
        m.archive_id = Some(id);
        older.push(m);
    }
    older.push(held);
    let rows = h.insert_older(&older).unwrap();
    assert!(
        rows[0] < rows[1] && rows[1] < newest[0],
        "{rows:?} {newest:?}"
    );
    assert_eq!(rows[2], newest[0], "stored once");
    assert_eq!(
        bodies(&h.recent(ME, "a@x", 10).unwrap()),
        ["one", "two", "held"]
    );
    assert_eq!(
        bodies(&h.before(ME, "a@x", newest[0], 10).unwrap()),
        ["one", "two"]
    );
    // Searchable like any other.
    assert_eq!(bodies(&h.search(ME, "two", 10).unwrap()), ["two"]);
    // And again further back.
    let mut zero = incoming("a@x", "zero");
    zero.archive_id = Some("A0");
    let rows_again = h.insert_older(&[zero]).unwrap();
    assert!(rows_again[0] < rows[0]);
    assert_eq!(
        h.oldest_archive_id(ME, "a@x").unwrap().as_deref(),
        Some("A0")
    );
    assert_eq!(h.oldest_archive_id(ME, "b@x").unwrap(), None);
}

fn room_line<'a>(nick: &'a str, room_id: Option<&'a str>, body: &'a str) -> NewMessage<'a> {
    NewMessage {
        resource: Some(nick),
        kind: "groupchat",
        room_id,
        ..incoming("room@conference.example.org", body)
    }
}

/// MUC-21: a room's line that comes again (join history, the room's
/// archive) with the id the room gave it is the row held.
#[test]
fn muc_21_a_room_line_is_stored_once_by_the_rooms_id() {
    let mut h = History::open_in_memory().unwrap();
    let first = h
        .insert_batch(&[room_line("romeo", Some("r1"), "hi all")])
        .unwrap();
    let again = h
        .insert_batch(&[room_line("romeo", Some("r1"), "hi all")])
        .unwrap();
    assert_eq!(first, again);
    // Another room's id is no match, however it reads.
    let other = h
        .insert_batch(&[NewMessage {
            peer: "other@conference.example.org",
            ..room_line("romeo", Some("r1"), "hi all")
        }])
        .unwrap();
    assert_ne!(other, first);
    let stored = h.recent(ME, "room@conference.example.org", 10).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].room_id.as_deref(), Some("r1"));
    assert_eq!(stored[0].resource.as_deref(), Some("romeo"));
}

/// MUC-21: without the room's id, the same nick, id and text is the same
/// line; another nick's line with that id and text is not.
#[test]
fn muc_21_without_the_rooms_id_nick_id_and_text_decide() {
    let mut h = History::open_in_memory().unwrap();
    let line = |nick| NewMessage {
        stanza_id: Some("m1"),
        ..room_line(nick, None, "hello")
    };
    let first = h.insert_batch(&[line("romeo")]).unwrap();
    assert_eq!(h.insert_batch(&[line("romeo")]).unwrap(), first);
    assert_ne!(h.insert_batch(&[line("mercutio")]).unwrap(), first);
    assert_eq!(h.count(ME).unwrap(), 2);
}

/// Schema v5 (the rooms' ids) upgrades a v4 history in place: its rows stay
/// and read back without a room id.
#[test]
fn a_v4_history_is_upgraded_with_room_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    {
        let conn = Connection::open(&path).unwrap();
        for (version, sql) in MIGRATIONS.iter().take(4).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", version as i64 + 1)
                .unwrap();
        }
        conn.execute(
            "INSERT INTO messages (account, peer, resource, direction, kind, body, stanza_id, at)
             VALUES (?1, 'room@conference.example.org', 'romeo', 'in', 'groupchat', 'old', 'x1', 5)",
            params![ME],
        )
        .unwrap();
    }
    let mut h = History::open(&path).unwrap();
    assert_eq!(user_version(&h.conn).unwrap(), 5);
    let old = h.recent(ME, "room@conference.example.org", 10).unwrap();
    assert_eq!(bodies(&old), ["old"]);
    assert_eq!(old[0].room_id, None);
    let rows = h
        .insert_batch(&[room_line("romeo", Some("r9"), "new")])
        .unwrap();
    assert_eq!(
        h.insert_batch(&[room_line("romeo", Some("r9"), "new")])
            .unwrap(),
        rows
    );
    assert_eq!(h.count(ME).unwrap(), 2);
}

/// MUC-17, MUC-21: our room message, reflected with the room's id, keeps
/// it; the room's archive bringing it again is then the same row.
#[test]
fn muc_17_our_reflected_line_keeps_the_rooms_id() {
    let mut h = History::open_in_memory().unwrap();
    let ours = NewMessage {
        peer: "room@conference.example.org",
        kind: "groupchat",
        stanza_id: Some("o1"),
        ..msg("room@conference.example.org", Direction::Outgoing, "mine")
    };
    let rows = h.insert_batch(&[ours]).unwrap();
    assert_eq!(
        h.set_room_id(ME, "room@conference.example.org", "o1", "r5")
            .unwrap(),
        1
    );
    let back = NewMessage {
        direction: Direction::Outgoing,
        ..room_line("juliet", Some("r5"), "mine")
    };
    assert_eq!(h.insert_batch(&[back]).unwrap(), rows);
    let stored = h.recent(ME, "room@conference.example.org", 10).unwrap();
    assert_eq!(stored[0].room_id.as_deref(), Some("r5"));
}
