//! The pure rules: which rooms to join or leave (BOOKMARKS-04,
//! BOOKMARKS-10), the nick (BOOKMARKS-04) and an edit (BOOKMARKS-06).

#![allow(clippy::unwrap_used)]

use super::*;

fn room(s: &str) -> BareJid {
    BareJid::new(s).unwrap()
}

fn bookmark(jid: &str, autojoin: bool, nick: Option<&str>) -> Bookmark {
    let mut bookmark = Bookmark::new(room(jid));
    bookmark.autojoin = autojoin;
    bookmark.nick = nick.map(str::to_owned);
    bookmark
}

fn join(jid: &str, nick: &str) -> RoomChange {
    RoomChange::Join {
        room: room(jid),
        nick: nick.into(),
        password: None,
    }
}

fn leave(jid: &str) -> RoomChange {
    RoomChange::Leave { room: room(jid) }
}

/// BOOKMARKS-04: at login, every autojoin bookmark not joined, with its
/// nick or the default.
#[test]
fn bookmarks_04_retrieved_joins_autojoin_rooms() {
    let list = [
        bookmark("a@c.example", true, Some("jules")),
        bookmark("b@c.example", false, None),
        bookmark("c@c.example", true, Some("  ")),
        bookmark("d@c.example", true, None),
    ];
    let joined = BTreeSet::from([room("d@c.example")]);
    assert_eq!(
        autojoin_changes(Change::Retrieved(&list), &joined, "juliet"),
        [join("a@c.example", "jules"), join("c@c.example", "juliet")]
    );
}

/// BOOKMARKS-10: an update joins or leaves as autojoin says; a removal
/// leaves joined rooms only.
#[test]
fn bookmarks_10_updates_and_removals() {
    let joined = BTreeSet::from([room("a@c.example")]);
    let on = bookmark("b@c.example", true, None);
    assert_eq!(
        autojoin_changes(Change::Updated(&on), &joined, "juliet"),
        [join("b@c.example", "juliet")]
    );
    let off = bookmark("a@c.example", false, None);
    assert_eq!(
        autojoin_changes(Change::Updated(&off), &joined, "juliet"),
        [leave("a@c.example")]
    );
    let still = bookmark("a@c.example", true, None);
    assert!(autojoin_changes(Change::Updated(&still), &joined, "juliet").is_empty());
    assert_eq!(
        autojoin_changes(
            Change::Removed(&[room("a@c.example"), room("z@c.example")]),
            &joined,
            "juliet"
        ),
        [leave("a@c.example")]
    );
}

/// BOOKMARKS-06: an edit keeps what it does not set, extensions included.
#[test]
fn bookmarks_06_edit_keeps_the_rest() {
    let mut old = bookmark("a@c.example", true, Some("jules"));
    old.name = Some("A".into());
    old.extensions = Some(crate::xmpp::element::Element::new(
        "extensions",
        crate::xmpp::ns::BOOKMARKS,
    ));
    let edit = BookmarkEdit {
        room: room("a@c.example"),
        name: None,
        nick: Some("romeo".into()),
        password: None,
        autojoin: Some(false),
    };
    let new = apply_edit(Some(&old), &edit);
    assert_eq!(new.name.as_deref(), Some("A"));
    assert_eq!(new.nick.as_deref(), Some("romeo"));
    assert!(!new.autojoin);
    assert_eq!(new.extensions, old.extensions);
    let fresh = apply_edit(None, &edit);
    assert_eq!(fresh.name, None);
    assert_eq!(nick_for(&fresh, "juliet"), "romeo");
}
