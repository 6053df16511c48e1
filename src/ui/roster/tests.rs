//! Roster pane tests: a Verona roster with every availability, groups,
//! hostile and wide names, drawn at two sizes; key scripts through
//! `ui::handle_key`; and a 10,000-contact roster that must not be rebuilt
//! while scrolling.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::{Msg, update};
use crate::ui::test_support::{logged_in, render, screen};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::presence::Presence;
use crate::xmpp::stanza::roster::{RosterItem, Subscription};
use crate::xmpp::stanza::test_xml;

const EVIL: &str = "Evil\u{1b}[31mRed\u{202e}Name";

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).unwrap()
}

fn item(jid: &str, name: Option<&str>, subscription: Subscription, groups: &[&str]) -> RosterItem {
    let mut item = RosterItem::new(bare(jid));
    item.name = name.map(str::to_owned);
    item.subscription = subscription;
    item.groups = groups.iter().map(|g| (*g).to_owned()).collect();
    item
}

fn presence(state: &mut State, xml: &str) {
    let presence = Presence::parse(&test_xml::parse(xml)).unwrap();
    update(
        state,
        Msg::Session {
            event: SessionEvent::Presence(presence),
            at: 0,
        },
    );
}

fn message(state: &mut State, xml: &str) {
    let message = Message::parse(&test_xml::parse(xml)).unwrap();
    update(
        state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at: 0,
        },
    );
}

fn key(view: &mut View, state: &State, code: KeyCode) -> Vec<Request> {
    crate::ui::handle_key(view, state, KeyEvent::new(code, KeyModifiers::NONE))
}

/// The roster pane's rows as text, border included. Unlike
/// `test_support::render`, a wide character is not followed by the blank
/// cell it covers, so CJK names read as typed.
fn pane(state: &State, view: &mut View, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| crate::ui::draw(frame, state, view))
        .unwrap();
    let area = crate::ui::layout(Rect::new(0, 0, width, height), 1).roster;
    let buffer = terminal.backend().buffer();
    (area.y..area.bottom())
        .map(|y| {
            let mut line = String::new();
            let mut x = area.x;
            while x < area.right() {
                let symbol = buffer[(x, y)].symbol();
                line.push_str(symbol);
                x += symbol.width().max(1) as u16;
            }
            line
        })
        .collect()
}

/// The list rows of the pane, without the borders and trailing blanks.
fn rows(state: &State, view: &mut View, width: u16, height: u16) -> Vec<String> {
    let lines = pane(state, view, width, height);
    lines[1..lines.len() - 1]
        .iter()
        .map(|l| {
            let inner: String = l.chars().skip(1).collect();
            let inner: String = inner.chars().take(inner.chars().count() - 1).collect();
            inner.trim_end().to_owned()
        })
        .collect()
}

/// `left` and `right` at the two ends of a 38-cell row (the 200-column
/// layout's roster pane).
fn lr(left: &str, right: &str) -> String {
    let pad = 38 - left.width() - right.width();
    format!("{left}{}{right}", " ".repeat(pad))
}

/// Juliet's roster: groups, a contact in two groups, ungrouped contacts,
/// wide and hostile names, every subscription state and availability,
/// a stranger's request, another device of ours, and unread messages.
fn verona() -> State {
    let long = "Prince".repeat(15);
    let mut escalus = item(
        "escalus@example.org",
        Some("<Escalus & Co>"),
        Subscription::None,
        &[],
    );
    escalus.ask = true;
    let mut state = logged_in(vec![
        item(
            "romeo@example.net",
            Some("Romeo"),
            Subscription::Both,
            &["Friends", "Montague"],
        ),
        item(
            "mercutio@example.net",
            Some("Mercutio"),
            Subscription::Both,
            &["Friends"],
        ),
        item(
            "tokyo@example.jp",
            Some("東京の友達"),
            Subscription::Both,
            &["Friends"],
        ),
        item(
            "benvolio@example.net",
            Some("Benvolio"),
            Subscription::Both,
            &["Montague"],
        ),
        item(
            "evil@example.org",
            Some(EVIL),
            Subscription::Both,
            &["Montague"],
        ),
        item(
            "tybalt@example.net",
            Some("Tybalt"),
            Subscription::To,
            &["Capulet"],
        ),
        item("party@example.org", Some("🎉 Party"), Subscription::To, &[]),
        escalus,
        item("prince@example.org", Some(&long), Subscription::From, &[]),
        item("nurse@example.com", Some("Nurse"), Subscription::From, &[]),
    ]);
    for xml in [
        "<presence from='romeo@example.net/orchard'><status>at the masque</status></presence>",
        "<presence from='mercutio@example.net/x'><show>away</show></presence>",
        "<presence from='tokyo@example.jp/x'><show>dnd</show></presence>",
        "<presence from='evil@example.org/x'><show>xa</show></presence>",
        "<presence from='party@example.org/x'><show>chat</show></presence>",
        "<presence from='tybalt@example.net' type='error'><error type='cancel'>\
         <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
        "<presence from='juliet@example.com/phone'><show>away</show><status>on the bus</status></presence>",
        "<presence from='nurse@example.com' type='subscribe'/>",
        "<presence from='paris@example.net' type='subscribe'><status>Paris here</status></presence>",
    ] {
        presence(&mut state, xml);
    }
    for _ in 0..3 {
        message(
            &mut state,
            "<message from='romeo@example.net/orchard' type='chat'><body>hi</body></message>",
        );
    }
    state
}

#[test]
fn wide_pane_lists_sections_rows_and_markers_in_order() {
    let state = verona();
    let mut view = View::default();
    let rows = rows(&state, &mut view, 200, 60);
    let expected = [
        lr("▾ My devices", "1"),
        "a phone  on the bus".into(),
        lr("▾ Requests", "1"),
        lr("? paris@example.net  Paris here", "⇠"),
        lr("▾ Capulet", "0/1"),
        lr("! Tybalt  remote-server-not-found (…", "⊘"),
        lr("▾ Friends", "3/3"),
        lr("o Romeo  at the masque", "3"),
        "a Mercutio".into(),
        "d 東京の友達".into(),
        lr("▾ Montague", "2/3"),
        lr("o Romeo  at the masque", "3"),
        "x Evil[31mRedName".into(),
        "- Benvolio".into(),
        lr("▾ No group", "1/4"),
        lr("+ 🎉 Party", "⊘"),
        lr("? <Escalus & Co>", "⇢⊘"),
        lr("? Nurse", "⇠"),
        format!("? {}…", &"Prince".repeat(15)[..35]),
    ];
    assert_eq!(rows[..expected.len()], expected);
    assert_eq!(rows[expected.len()], "");
    let lines = pane(&state, &mut view, 200, 60);
    assert!(lines[0].contains(" Roster 5/10 "), "{}", lines[0]);
    // The key hint sits at the bottom of the focused pane.
    assert!(lines[lines.len() - 2].contains("? help  Enter chat  f find"));
}

/// SEC-05: escape and bidi characters in names never reach the screen.
#[test]
fn sec_05_hostile_names_are_sanitised() {
    let state = verona();
    let mut view = View::default();
    for (w, h) in [(80, 24), (200, 60)] {
        let text = screen(&state, &mut view, w, h);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        assert!(text.contains("<Escalus"));
    }
}

#[test]
fn narrow_pane_truncates_by_display_width() {
    let state = verona();
    let mut view = View::default();
    let rows = rows(&state, &mut view, 80, 24);
    assert_eq!(rows.len(), 20);
    // 18 cells inside the border: status cut, unread count kept.
    assert_eq!(rows[7], "o Romeo  at the… 3");
    assert_eq!(rows[9], "d 東京の友達");
    assert_eq!(rows[15], "+ 🎉 Party       ⊘");
    assert_eq!(rows[18], "? PrincePrincePri…");
    assert!(rows[19].starts_with("? help"));
    // Wide names never spill over the border.
    for line in pane(&state, &mut view, 80, 24) {
        assert_eq!(line.width(), 20, "{line:?}");
    }
}

/// INT-02: no subscription to them means unknown, not offline.
#[test]
fn int_02_unsubscribed_contacts_show_unknown_not_offline() {
    let state = verona();
    let mut view = View::default();
    let rows = rows(&state, &mut view, 200, 60);
    for name in ["<Escalus", "Nurse", "Prince"] {
        let row = rows.iter().find(|r| r.contains(name)).unwrap();
        assert!(row.starts_with("? "), "{row}");
    }
    assert!(rows.iter().any(|r| r.starts_with("- Benvolio")));
}

/// Juliet, Romeo and Mercutio in Friends; Benvolio offline without a group.
fn small() -> State {
    let mut state = logged_in(vec![
        item(
            "romeo@example.net",
            Some("Romeo"),
            Subscription::Both,
            &["Friends"],
        ),
        item(
            "mercutio@example.net",
            Some("Mercutio"),
            Subscription::Both,
            &["Friends"],
        ),
        item(
            "benvolio@example.net",
            Some("Benvolio"),
            Subscription::Both,
            &[],
        ),
    ]);
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    presence(
        &mut state,
        "<presence from='mercutio@example.net/x'><show>away</show></presence>",
    );
    state
}

#[test]
fn down_down_enter_opens_the_selected_conversation() {
    let state = small();
    let mut view = View::default();
    render(&state, &mut view, 80, 24);
    key(&mut view, &state, KeyCode::Down);
    key(&mut view, &state, KeyCode::Down);
    assert_eq!(selected_jid(&view), Some(bare("mercutio@example.net")));
    let requests = key(&mut view, &state, KeyCode::Enter);
    assert_eq!(
        requests,
        vec![Request::Command(Action::Message {
            to: Jid::from(bare("mercutio@example.net")),
            body: None,
        })]
    );
    assert_eq!(view.focus, Focus::Input);
}

#[test]
fn rename_and_remove_open_their_dialogs() {
    let state = small();
    let mut view = View::default();
    render(&state, &mut view, 80, 24);
    key(&mut view, &state, KeyCode::Down);
    key(&mut view, &state, KeyCode::Char('r'));
    match &view.overlay {
        Some(Overlay::Entry {
            kind: EntryKind::Rename(jid),
            editor,
        }) => {
            assert_eq!(jid, &bare("romeo@example.net"));
            assert_eq!(editor.text(), "Romeo");
        }
        other => panic!("{other:?}"),
    }
    view.overlay = None;
    key(&mut view, &state, KeyCode::Char('d'));
    match &view.overlay {
        Some(Overlay::Confirm { question, action }) => {
            assert_eq!(question, "Remove romeo@example.net from your roster?");
            assert_eq!(
                action,
                &Action::Remove {
                    jid: bare("romeo@example.net")
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn subscription_keys_send_commands_for_the_selected_contact() {
    let state = verona();
    let mut view = View::default();
    render(&state, &mut view, 200, 60);
    // Row 3 is Paris's request.
    for _ in 0..3 {
        key(&mut view, &state, KeyCode::Down);
    }
    let paris = bare("paris@example.net");
    // One key of the roster pane decides nothing about a request: it opens
    // the request's prompt, whose keys count after a moment (so typing
    // "and" into the wrong pane cannot open and answer it).
    for answer in ['a', 'x'] {
        assert!(key(&mut view, &state, KeyCode::Char(answer)).is_empty());
        assert!(matches!(&view.overlay, Some(Overlay::Prompt { jid }) if jid == &paris));
        assert!(key(&mut view, &state, KeyCode::Char('d')).is_empty());
        assert!(view.overlay.is_some());
        view.prompt_grace_until = Some(std::time::Instant::now());
        assert_eq!(
            key(&mut view, &state, KeyCode::Char('a')),
            vec![Request::Command(Action::Approve { jid: paris.clone() })]
        );
    }
    view.overlay = None;
    // Enter on the request's row opens the same prompt.
    key(&mut view, &state, KeyCode::Enter);
    assert!(matches!(&view.overlay, Some(Overlay::Prompt { jid }) if jid == &paris));
    view.overlay = None;
    for (letter, question, expected) in [
        (
            's',
            "Ask to see paris@example.net's presence?",
            Action::Subscribe {
                jid: paris.clone(),
                greeting: None,
            },
        ),
        (
            'u',
            "Stop seeing paris@example.net's presence?",
            Action::Unsubscribe { jid: paris.clone() },
        ),
        (
            'c',
            "Stop letting paris@example.net see your presence?",
            Action::Cancel { jid: paris.clone() },
        ),
    ] {
        assert!(key(&mut view, &state, KeyCode::Char(letter)).is_empty());
        assert!(
            matches!(&view.overlay, Some(Overlay::Confirm { question: q, action })
                if q == question && action == &expected),
            "{:?}",
            view.overlay
        );
        assert!(key(&mut view, &state, KeyCode::Char('y')).is_empty());
        view.prompt_grace_until = Some(std::time::Instant::now());
        assert_eq!(
            key(&mut view, &state, KeyCode::Char('y')),
            vec![Request::Command(expected)]
        );
    }
    // VCARD-10: opening the details asks for the contact's card.
    assert_eq!(
        key(&mut view, &state, KeyCode::Char('v')),
        vec![Request::View(crate::app::ViewMsg::Details(paris.clone()))]
    );
    assert!(matches!(&view.overlay, Some(Overlay::Details { jid, scroll: 0 }) if jid == &paris));
}

#[test]
fn groups_directed_presence_and_own_devices() {
    let state = verona();
    let mut view = View::default();
    render(&state, &mut view, 200, 60);
    // Row 7 is Romeo under Friends; he is in two groups.
    for _ in 0..7 {
        key(&mut view, &state, KeyCode::Down);
    }
    key(&mut view, &state, KeyCode::Char('g'));
    assert!(matches!(
        &view.overlay,
        Some(Overlay::Entry { kind: EntryKind::Groups(jid), editor })
            if jid == &bare("romeo@example.net") && editor.text() == "Friends,Montague"
    ));
    view.overlay = None;
    key(&mut view, &state, KeyCode::Char('p'));
    assert!(matches!(
        &view.overlay,
        Some(Overlay::Entry { kind: EntryKind::Directed(jid), editor })
            if jid == &bare("romeo@example.net") && editor.text().is_empty()
    ));
    view.overlay = None;
    // PRES-13: Enter on our other device opens a chat with that resource.
    key(&mut view, &state, KeyCode::Home);
    key(&mut view, &state, KeyCode::Down);
    let to = Jid::new("juliet@example.com/phone").unwrap();
    assert_eq!(
        key(&mut view, &state, KeyCode::Enter),
        vec![Request::Command(Action::Message { to, body: None })]
    );
}

#[test]
fn o_hides_offline_contacts_and_shows_them_again() {
    let state = small();
    let mut view = View::default();
    assert!(screen(&state, &mut view, 80, 24).contains("Benvolio"));
    key(&mut view, &state, KeyCode::Char('o'));
    let text = screen(&state, &mut view, 200, 60);
    assert!(!text.contains("Benvolio") && text.contains("Mercutio"));
    assert!(text.contains(" Roster 2/3 (online) "));
    // The header still counts the hidden contact.
    assert!(text.contains("No group"));
    key(&mut view, &state, KeyCode::Char('o'));
    assert!(screen(&state, &mut view, 80, 24).contains("Benvolio"));
}

#[test]
fn folding_a_group_hides_its_rows() {
    let state = small();
    let mut view = View::default();
    render(&state, &mut view, 80, 24);
    // Space on a contact folds its group and moves to the header.
    key(&mut view, &state, KeyCode::Down);
    key(&mut view, &state, KeyCode::Char(' '));
    let folded = rows(&state, &mut view, 80, 24);
    assert!(folded[0].starts_with("▸ Friends"), "{folded:?}");
    assert!(folded[1].starts_with("▾ No group"));
    assert!(!folded.iter().any(|r| r.contains("Romeo")));
    // Enter on the header unfolds it.
    key(&mut view, &state, KeyCode::Enter);
    assert!(rows(&state, &mut view, 80, 24)[1].starts_with("o Romeo"));
}

#[test]
fn filter_narrows_rows_by_name_jid_or_group() {
    let state = verona();
    let mut view = View::default();
    render(&state, &mut view, 200, 60);
    key(&mut view, &state, KeyCode::Char('f'));
    assert!(matches!(
        &view.overlay,
        Some(Overlay::Entry { kind: EntryKind::Filter, editor }) if editor.text().is_empty()
    ));
    view.overlay = None;
    set_filter(&mut view, "MERC");
    assert_eq!(
        rows(&state, &mut view, 200, 60)[..3],
        [lr("▾ Friends", "1/1"), "a Mercutio".into(), String::new()]
    );
    set_filter(&mut view, "montague");
    let listed = rows(&state, &mut view, 200, 60);
    assert!(listed[0].starts_with("▾ Montague") && listed[3].starts_with("- Benvolio"));
    assert!(listed[4].is_empty());
    set_filter(&mut view, "example.jp");
    assert_eq!(rows(&state, &mut view, 200, 60)[1], "d 東京の友達");
    set_filter(&mut view, "nobody");
    assert_eq!(rows(&state, &mut view, 200, 60)[0], "no match");
    assert!(pane(&state, &mut view, 200, 60)[0].contains("/nobody"));
}

#[test]
fn selection_follows_the_contact_across_rebuilds() {
    let mut state = small();
    let mut view = View::default();
    render(&state, &mut view, 80, 24);
    key(&mut view, &state, KeyCode::Down);
    key(&mut view, &state, KeyCode::Down);
    assert_eq!(selected_jid(&view), Some(bare("mercutio@example.net")));
    // Mercutio becomes chatty and moves above Romeo.
    presence(
        &mut state,
        "<presence from='mercutio@example.net/x'><show>chat</show></presence>",
    );
    let listed = rows(&state, &mut view, 80, 24);
    assert!(listed[1].starts_with("+ Mercutio"));
    assert_eq!(view.roster.selected, 1);
    assert_eq!(selected_jid(&view), Some(bare("mercutio@example.net")));
}

/// `contact00000@example.org`… with no name or group, subscription both.
fn numbered_contacts(count: usize) -> Vec<RosterItem> {
    (0..count)
        .map(|i| {
            item(
                &format!("contact{i:05}@example.org"),
                None,
                Subscription::Both,
                &[],
            )
        })
        .collect()
}

#[test]
fn ten_thousand_contacts_scroll_without_rebuilding() {
    let items = numbered_contacts(10_000);
    let state = logged_in(items);
    let mut view = View::default();
    render(&state, &mut view, 80, 24);
    assert_eq!(view.roster.rebuilds(), 1);
    assert_eq!(view.roster.row_count(), 10_001);
    for _ in 0..100 {
        key(&mut view, &state, KeyCode::PageDown);
    }
    let listed = rows(&state, &mut view, 80, 24);
    assert_eq!(view.roster.rebuilds(), 1);
    // 19 rows a page (20 inside the border, less the key hint); row 0 is
    // the header, so row 1900 is contact01899, now at the top.
    assert_eq!(selected_jid(&view), Some(bare("contact01899@example.org")));
    assert_eq!(listed[0], "- contact01899@ex…");
    assert_eq!(listed[1], "- contact01900@ex…");
    key(&mut view, &state, KeyCode::End);
    assert!(rows(&state, &mut view, 80, 24)[18].starts_with("- contact09999"));
    assert_eq!(view.roster.rebuilds(), 1);
}

/// A presence change for one contact of 10,000 moves that contact in the
/// store's order and recounts the pane: no rows are rebuilt, nothing is
/// sorted, and the cursor stays on its contact as the rows shift under it.
#[test]
fn presence_change_moves_one_contact_without_rebuilding_rows() {
    let items = numbered_contacts(10_000);
    let mut state = logged_in(items);
    let mut view = View::default();
    render(&state, &mut view, 80, 24);
    for _ in 0..5 {
        key(&mut view, &state, KeyCode::PageDown);
    }
    // Row 95 (19 rows a page; row 0 is the header).
    assert_eq!(selected_jid(&view), Some(bare("contact00094@example.org")));
    let rebuilds = view.roster.rebuilds();
    let refreshes = view.roster.refreshes();
    let sorts = state.roster.order().full_sorts();
    let moves = state.roster.order().moves();

    presence(&mut state, "<presence from='contact09999@example.org/x'/>");
    let listed = rows(&state, &mut view, 80, 24);
    assert_eq!(view.roster.rebuilds(), rebuilds);
    assert_eq!(view.roster.refreshes(), refreshes + 1);
    assert_eq!(state.roster.order().full_sorts(), sorts);
    assert_eq!(state.roster.order().moves(), moves + 1);
    assert_eq!(view.roster.selected, 96);
    assert_eq!(selected_jid(&view), Some(bare("contact00094@example.org")));
    assert!(listed.iter().any(|r| r.starts_with("- contact00094")));

    key(&mut view, &state, KeyCode::Home);
    let top = rows(&state, &mut view, 80, 24);
    assert_eq!(top[0], "▾ No group 1/10000");
    assert_eq!(top[1], "o contact09999@ex…");
    assert!(pane(&state, &mut view, 80, 24)[0].contains(" Roster 1/10000 "));
    // Drawing again with nothing new does no work at all.
    let refreshes = view.roster.refreshes();
    render(&state, &mut view, 80, 24);
    assert_eq!(view.roster.refreshes(), refreshes);
}

/// With a filter and offline contacts hidden, a contact coming online
/// appears in its place and leaves again, with counts, and no rebuild.
#[test]
fn filtered_rows_follow_presence_without_rebuilding() {
    let mut state = small();
    let mut view = View::default();
    set_filter(&mut view, "io");
    key(&mut view, &state, KeyCode::Char('o'));
    assert_eq!(
        rows(&state, &mut view, 200, 60)[..4],
        [
            lr("▾ Friends", "1/1"),
            "a Mercutio".into(),
            lr("▾ No group", "0/1"),
            String::new(),
        ]
    );
    let rebuilds = view.roster.rebuilds();
    presence(&mut state, "<presence from='benvolio@example.net/x'/>");
    assert_eq!(
        rows(&state, &mut view, 200, 60)[2..4],
        [lr("▾ No group", "1/1"), "o Benvolio".into()]
    );
    presence(
        &mut state,
        "<presence from='mercutio@example.net/x' type='unavailable'/>",
    );
    assert_eq!(
        rows(&state, &mut view, 200, 60)[..3],
        [
            lr("▾ Friends", "0/1"),
            lr("▾ No group", "1/1"),
            "o Benvolio".into()
        ]
    );
    assert_eq!(view.roster.rebuilds(), rebuilds);
}

/// A rename moves the contact to its place by name: the pane lays out its
/// sections again (items changed) but the store sorts nothing.
#[test]
fn rename_moves_the_contact_by_name() {
    let mut state = logged_in(vec![
        item("a@example.org", Some("Ann"), Subscription::Both, &["G"]),
        item("b@example.org", Some("Bob"), Subscription::Both, &["G"]),
        item("c@example.org", Some("Cid"), Subscription::Both, &["G"]),
    ]);
    let mut view = View::default();
    render(&state, &mut view, 200, 60);
    key(&mut view, &state, KeyCode::Down);
    assert_eq!(selected_jid(&view), Some(bare("a@example.org")));
    let sorts = state.roster.order().full_sorts();
    update(
        &mut state,
        Msg::Session {
            event: SessionEvent::RosterPush {
                item: item("a@example.org", Some("zoe"), Subscription::Both, &["G"]),
                ver: None,
            },
            at: 0,
        },
    );
    let listed = rows(&state, &mut view, 200, 60);
    assert_eq!(listed[1..4], ["- Bob", "- Cid", "- zoe"]);
    assert_eq!(state.roster.order().full_sorts(), sorts);
    assert_eq!(selected_jid(&view), Some(bare("a@example.org")));
    assert_eq!(view.roster.selected, 3);
}
