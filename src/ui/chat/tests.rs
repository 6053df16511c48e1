//! Chat pane tests: conversations are built by feeding the store the
//! session events and commands a real session produces, then the pane (or
//! the whole screen) is drawn into a `TestBackend` and read back as text.
//! Times are fixed so rows can be written out exactly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jid::{BareJid, Jid};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

use super::*;
use crate::app::chat::MAX_LINES;
use crate::app::{Effect, Msg, command, update};
use crate::ui::test_support::{logged_in, render, screen};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::lang::LangText;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::roster::{RosterItem, Subscription};
use crate::xmpp::stanza::test_xml;

/// 12:30 UTC.
const NOON: i64 = 12 * 3_600 + 30 * 60;

fn roster() -> Vec<RosterItem> {
    let mut romeo = RosterItem::new(BareJid::new("romeo@example.net").unwrap());
    romeo.name = Some("Romeo".into());
    romeo.subscription = Subscription::Both;
    let nurse = RosterItem::new(BareJid::new("nurse@example.com").unwrap());
    vec![romeo, nurse]
}

fn state() -> State {
    logged_in(roster())
}

/// In `room` as `nick`: the join presence answered with our own, the
/// empty subject received (MUC-10).
fn join_room(state: &mut State, room: &str, nick: &str) {
    let mut effects = Vec::new();
    crate::app::room::join(
        state,
        crate::app::room::RoomJoin {
            room: jid::BareJid::new(room).unwrap(),
            nick: nick.into(),
            password: None,
            nick_is_default: false,
        },
        0,
        &mut effects,
    )
    .unwrap();
    let presence = crate::xmpp::stanza::presence::Presence::parse(&test_xml::parse(&format!(
        "<presence from='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='none' role='participant'/><status code='110'/></x></presence>"
    )))
    .unwrap();
    update(
        state,
        Msg::Session {
            event: SessionEvent::Presence(presence),
            at: 0,
        },
    );
    receive(
        state,
        &format!("<message from='{room}' type='groupchat'><subject/></message>"),
        0,
    );
}

/// A stanza from the wire, arriving at `at`.
fn receive(state: &mut State, xml: &str, at: i64) {
    let message = Message::parse(&test_xml::parse(xml)).unwrap();
    deliver(state, message, at);
}

fn deliver(state: &mut State, message: Message, at: i64) {
    update(
        state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at,
        },
    );
}

/// A chat message from `from` with `body`, built directly so the body can
/// hold what XML cannot (raw control characters).
fn chat_from(from: &str, body: &str) -> Message {
    Message {
        from: Some(Jid::new(from).unwrap()),
        bodies: vec![LangText::new(body)],
        ..Message::new(MessageType::Chat)
    }
}

/// A line typed in the input line; returns the effects.
fn run(state: &mut State, line: &str, at: i64) -> Vec<Effect> {
    let action = command::parse(line).unwrap();
    update(state, Msg::Command { tag: 1, action, at })
}

fn sent_id(effects: &[Effect]) -> String {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .expect("a message was sent")
}

fn activate(state: &mut State, index: usize) -> ConversationId {
    let id = state.chats.windows()[index].id;
    update(state, Msg::View(ViewMsg::Activate(id)));
    id
}

fn apply(state: &mut State, requests: Vec<Request>) {
    for request in requests {
        if let Request::View(msg) = request {
            update(state, Msg::View(msg));
        }
    }
}

/// The rows of a buffer as text. A wide character's second cell is
/// skipped, so `東京` reads as written.
fn rows_of(buffer: &Buffer) -> Vec<String> {
    (0..buffer.area.height)
        .map(|y| {
            let mut row = String::new();
            let mut hidden = 0;
            for x in 0..buffer.area.width {
                if hidden > 0 {
                    hidden -= 1;
                    continue;
                }
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                hidden = text::width(symbol).saturating_sub(1);
            }
            row
        })
        .collect()
}

/// Draws only the chat pane at `width`×`height`; returns every row.
fn pane(state: &State, view: &mut View, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| draw(frame, frame.area(), state, view))
        .unwrap();
    rows_of(terminal.backend().buffer())
}

/// The rows inside the border, trailing spaces trimmed.
fn inside(rows: &[String]) -> Vec<String> {
    rows[1..rows.len() - 1]
        .iter()
        .map(|row| {
            let mut chars: Vec<char> = row.chars().collect();
            chars.remove(0);
            chars.pop();
            chars.into_iter().collect::<String>().trim_end().to_owned()
        })
        .collect()
}

fn body(state: &State, view: &mut View, width: u16, height: u16) -> Vec<String> {
    inside(&pane(state, view, width, height))
}

#[test]
fn hint_without_conversation() {
    let state = state();
    let mut view = View::default();
    let rows = body(&state, &mut view, 60, 6);
    assert_eq!(
        rows[0],
        "Select a contact and press Enter, or type /msg JID TEXT"
    );
    assert!(pane(&state, &mut view, 60, 6)[0].contains(" Chat "));
}

#[test]
fn history_rows_show_time_sender_and_body() {
    let mut state = state();
    let mut view = View::default();
    run(&mut state, "/msg romeo@example.net hi", NOON);
    body(&state, &mut view, 40, 8);
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body>hello juliet</body></message>",
        NOON + 60,
    );
    let rows = body(&state, &mut view, 40, 8);
    assert_eq!(
        rows[..3],
        ["[1:Romeo]", "12:30 <me> hi", "12:31 <Romeo> hello juliet"]
    );
    assert!(rows[3..].iter().all(String::is_empty));
}

#[test]
fn title_names_peer_thread_and_lock() {
    let mut state = state();
    run(&mut state, "/msg romeo@example.net hi", NOON);
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body>yes</body></message>",
        NOON,
    );
    let mut view = View::default();
    let top = &pane(&state, &mut view, 70, 6)[0];
    assert!(
        top.contains(" romeo@example.net → romeo@…/orchard · thread "),
        "{top}"
    );
}

/// CJK (two columns), emoji and a combining mark wrap at the right
/// columns, with a hanging indent under the body.
#[test]
fn wide_and_combining_text_wraps_by_columns() {
    let mut state = state();
    run(
        &mut state,
        "/msg romeo@example.net 東京都庁東京都庁東京都庁 🎉🎉🎉🎉🎉🎉🎉🎉🎉 cafe\u{301} noir",
        NOON,
    );
    let mut view = View::default();
    let rows = body(&state, &mut view, 30, 8);
    assert_eq!(
        rows[1..5],
        [
            "12:30 <me> 東京都庁東京都庁",
            "           東京都庁",
            "           🎉🎉🎉🎉🎉🎉🎉🎉",
            "           🎉 cafe\u{301} noir",
        ]
    );
}

/// SEC-05: escape sequences, the 8-bit CSI and bidi overrides in a body
/// or subject never reach the screen.
#[test]
fn sec_05_hostile_text_is_not_drawn() {
    let mut state = state();
    let mut message = chat_from(
        "romeo@example.net/orchard",
        "a\u{1b}[2Jb\u{9b}31mc\u{202e}evil\u{7}",
    );
    message.kind = MessageType::Normal;
    message.subjects = vec![LangText::new("s\u{1b}]0;title\u{7}\u{202e}x")];
    deliver(&mut state, message, NOON);
    activate(&mut state, 0);
    let mut view = View::default();
    for (width, height) in [(80, 24), (200, 60)] {
        let text = screen(&state, &mut view, width, height);
        for bad in ['\u{1b}', '\u{9b}', '\u{202e}', '\u{7}'] {
            assert!(!text.contains(bad), "{bad:?} reached the screen");
        }
        assert!(text.contains("a[2Jb31mcevil"), "{text}");
        assert!(text.contains("[s]0;titlex]"), "{text}");
    }
}

/// SYN-03: a normal message shows its subject, in bold, before the body.
#[test]
fn syn_03_normal_message_shows_subject() {
    let mut state = state();
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='normal'>\
         <subject>Dinner</subject><body>At eight?</body></message>",
        NOON,
    );
    activate(&mut state, 0);
    let mut view = View::default();
    let mut terminal = Terminal::new(TestBackend::new(50, 6)).unwrap();
    terminal
        .draw(|frame| draw(frame, frame.area(), &state, &mut view))
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert_eq!(
        inside(&rows_of(buffer))[1],
        "12:30 <Romeo> [Dinner] At eight?"
    );
    // Row 2 of the buffer, after "│12:30 <Romeo> ".
    assert!(buffer[(15, 2)].modifier.contains(Modifier::BOLD));
    assert_eq!(buffer[(15, 2)].symbol(), "[");
    assert!(!buffer[(25, 2)].modifier.contains(Modifier::BOLD));
}

#[test]
fn groupchat_lines_are_marked() {
    let mut state = state();
    join_room(&mut state, "verona@rooms.example.net", "juliet");
    receive(
        &mut state,
        "<message from='verona@rooms.example.net/mercutio' type='groupchat'>\
         <body>A plague</body></message>",
        NOON,
    );
    activate(&mut state, 0);
    let mut view = View::default();
    let rows = pane(&state, &mut view, 60, 6);
    assert!(rows[0].contains("· groupchat"), "{}", rows[0]);
    let inside = inside(&rows);
    assert!(
        inside[1].starts_with("00:00 -- you joined as juliet"),
        "{inside:?}"
    );
    assert_eq!(inside[2], "12:30 <#mercutio> A plague");
}

/// MSG-12: the bounce is marked under the message it answers, not the
/// last one.
#[test]
fn msg_12_error_marked_under_its_message() {
    let mut state = state();
    let first = sent_id(&run(&mut state, "/msg romeo@example.net first", NOON));
    run(&mut state, "/msg romeo@example.net second", NOON);
    receive(
        &mut state,
        &format!(
            "<message from='romeo@example.net' type='error' id='{first}'>\
             <error type='cancel'><service-unavailable \
             xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        ),
        NOON,
    );
    let mut view = View::default();
    let rows = body(&state, &mut view, 60, 8);
    assert_eq!(
        rows[1..4],
        [
            "12:30 <me> first",
            "           ✗ not delivered: service-unavailable (cancel)",
            "12:30 <me> second",
        ]
    );
}

/// RECEIPTS-08: the contact's receipt marks the line it names, and only
/// that one; a receipt from someone else for the same id marks nothing.
#[test]
fn receipts_08_delivered_mark_on_its_line() {
    let mut state = state();
    let first = sent_id(&run(&mut state, "/msg romeo@example.net first", NOON));
    let second = sent_id(&run(&mut state, "/msg romeo@example.net second", NOON));
    receive(
        &mut state,
        &format!(
            "<message from='nurse@example.com/balcony'>\
             <received xmlns='urn:xmpp:receipts' id='{second}'/></message>"
        ),
        NOON,
    );
    receive(
        &mut state,
        &format!(
            "<message from='romeo@example.net/orchard'>\
             <received xmlns='urn:xmpp:receipts' id='{first}'/></message>"
        ),
        NOON,
    );
    let mut view = View::default();
    let rows = body(&state, &mut view, 60, 8);
    assert_eq!(
        rows[1..3],
        ["12:30 <me> first ✓✓", "12:30 <me> second"],
        "{rows:?}"
    );
    // The mark keeps its room when the line wraps.
    let rows = body(&state, &mut view, 20, 8);
    assert!(rows.iter().all(|r| r.chars().count() <= 18), "{rows:?}");
    assert!(
        rows.iter().any(|r| r.trim_end().ends_with("✓✓")),
        "{rows:?}"
    );
}

#[test]
fn window_list_marks_current_and_unread() {
    let mut state = state();
    run(&mut state, "/msg romeo@example.net hi", NOON);
    for body in ["a", "b", "c"] {
        deliver(
            &mut state,
            chat_from("nurse@example.com/kitchen", body),
            NOON,
        );
    }
    deliver(
        &mut state,
        chat_from("tybalt@example.net/street", "draw"),
        NOON,
    );
    activate(&mut state, 2);
    let mut view = View::default();
    assert_eq!(
        body(&state, &mut view, 60, 6)[0],
        "1:Romeo 2:nurse*3 [3:tybalt]"
    );
    // Too narrow: the windows before the current one give way.
    assert_eq!(body(&state, &mut view, 20, 6)[0], "… [3:tybalt]");
}

/// A thousand open windows: the list shows those around the current one,
/// numbered in opening order, with unread marks and `~2` for a second
/// thread with one peer; closing a window renumbers the later ones.
#[test]
fn window_list_with_many_windows_shows_those_around_the_current_one() {
    let mut state = state();
    for i in 0..1_000 {
        deliver(
            &mut state,
            chat_from(&format!("c{i}@example.org/r"), "hi"),
            NOON,
        );
    }
    receive(
        &mut state,
        "<message from='c5@example.org/r' type='chat'><thread>t2</thread><body>x</body></message>",
        NOON,
    );
    activate(&mut state, 499);
    let mut view = View::default();
    let list = &body(&state, &mut view, 60, 6)[0];
    assert!(list.starts_with("… "), "{list}");
    // The windows before the current one give way first.
    assert!(list.contains(" 499:c498*1 [500:c499]"), "{list}");
    activate(&mut state, 1_000);
    let list = &body(&state, &mut view, 60, 6)[0];
    assert!(list.ends_with("[1001:c5~2]"), "{list}");
    let first = state.chats.window_ids()[0];
    update(&mut state, Msg::View(ViewMsg::Close(first)));
    let list = &body(&state, &mut view, 60, 6)[0];
    assert!(list.ends_with("[1000:c5~2]"), "{list}");
}

/// Lines that arrived while the user was in another window sit under the
/// separator; it stays while they read, and goes once they scroll to the
/// end or come back later.
#[test]
fn new_messages_separator() {
    let mut state = state();
    run(&mut state, "/msg romeo@example.net hi", NOON);
    let mut view = View::default();
    body(&state, &mut view, 40, 10);
    deliver(
        &mut state,
        chat_from("nurse@example.com/kitchen", "psst"),
        NOON,
    );
    activate(&mut state, 1);
    body(&state, &mut view, 40, 10);
    for text in ["one", "two"] {
        deliver(
            &mut state,
            chat_from("romeo@example.net/orchard", text),
            NOON,
        );
    }
    activate(&mut state, 0);
    let rows = body(&state, &mut view, 40, 10);
    assert_eq!(
        rows[1..5],
        [
            "12:30 <me> hi",
            "── new messages ──────────────────────",
            "12:30 <Romeo> one",
            "12:30 <Romeo> two",
        ]
    );
    assert_eq!(view.chat.marker(), Some(crate::app::chat::FIRST_SEQ + 1));

    // More arrive while reading: the separator stays where it was.
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "three"),
        NOON,
    );
    let rows = body(&state, &mut view, 40, 10);
    assert_eq!(rows[2], "── new messages ──────────────────────");
    assert_eq!(rows[5], "12:30 <Romeo> three");

    // Scrolling up and back to the end: all seen, the separator goes.
    handle(&mut view, &state, UiAction::PageUp);
    handle(&mut view, &state, UiAction::PageDown);
    let rows = body(&state, &mut view, 40, 10);
    assert_eq!(rows[1..3], ["12:30 <me> hi", "12:30 <Romeo> one"]);
    assert_eq!(
        view.chat.seen.get(&state.active.unwrap()),
        Some(&(crate::app::chat::FIRST_SEQ + 4))
    );

    // Leaving and coming back with nothing new: no separator.
    activate(&mut state, 1);
    body(&state, &mut view, 40, 10);
    activate(&mut state, 0);
    let rows = body(&state, &mut view, 40, 10);
    assert!(!rows.iter().any(|r| r.contains("new messages")));
}

#[test]
fn no_separator_above_the_first_line() {
    let mut state = state();
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "hi"),
        NOON,
    );
    activate(&mut state, 0);
    let mut view = View::default();
    let rows = body(&state, &mut view, 40, 6);
    assert_eq!(rows[1], "12:30 <Romeo> hi");
    assert_eq!(view.chat.marker(), None);
}

fn forty_lines() -> State {
    let mut state = state();
    for i in 0..40 {
        deliver(
            &mut state,
            chat_from("romeo@example.net/orchard", &format!("line {i}")),
            NOON,
        );
    }
    activate(&mut state, 0);
    state
}

/// PageUp shows older lines and holds the view; PageDown comes back.
#[test]
fn paging_scrolls_through_history() {
    let mut state = forty_lines();
    let mut view = View::default();
    // 12 rows: border, window list, 9 message rows, border.
    let rows = body(&state, &mut view, 40, 12);
    assert_eq!(rows[1], "12:30 <Romeo> line 31");
    assert_eq!(rows[9], "12:30 <Romeo> line 39");

    assert!(handle(&mut view, &state, UiAction::PageUp).is_empty());
    let all = pane(&state, &mut view, 40, 12);
    let rows = inside(&all);
    assert_eq!(rows[1], "12:30 <Romeo> line 23");
    assert_eq!(rows[9], "12:30 <Romeo> line 31");
    assert!(all[11].contains("more below"));

    // New lines do not move a scrolled view.
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "late"),
        NOON,
    );
    assert_eq!(body(&state, &mut view, 40, 12)[9], "12:30 <Romeo> line 31");

    handle(&mut view, &state, UiAction::Up);
    assert_eq!(body(&state, &mut view, 40, 12)[9], "12:30 <Romeo> line 30");
    handle(&mut view, &state, UiAction::Top);
    let rows = body(&state, &mut view, 40, 12);
    assert_eq!(rows[1], "12:30 <Romeo> line 0");
    assert_eq!(rows[9], "12:30 <Romeo> line 8");
    handle(&mut view, &state, UiAction::PageUp);
    assert_eq!(body(&state, &mut view, 40, 12)[1], "12:30 <Romeo> line 0");

    handle(&mut view, &state, UiAction::Bottom);
    assert!(view.chat.is_following());
    assert_eq!(body(&state, &mut view, 40, 12)[9], "12:30 <Romeo> late");
}

/// While typing, PageUp and PageDown still scroll the chat.
#[test]
fn page_keys_scroll_from_the_input_line() {
    let state = forty_lines();
    let mut view = View {
        focus: Focus::Input,
        ..View::default()
    };
    body(&state, &mut view, 40, 12);
    crate::ui::dispatch(&mut view, &state, UiAction::PageUp);
    assert!(!view.chat.is_following());
    crate::ui::dispatch(&mut view, &state, UiAction::PageDown);
    assert!(view.chat.is_following());
}

/// A full history of long lines: a draw lays out only the lines that
/// show, whatever the scroll position.
#[test]
fn drawing_touches_only_visible_lines() {
    let mut state = state();
    let long = "lorem ipsum dolor sit amet ".repeat(12);
    for i in 0..MAX_LINES {
        deliver(
            &mut state,
            chat_from("romeo@example.net/orchard", &format!("{i}: {long}end{i}")),
            NOON,
        );
    }
    activate(&mut state, 0);
    assert_eq!(
        state.chats.get(state.active.unwrap()).unwrap().lines.len(),
        MAX_LINES
    );
    let mut view = View::default();
    let text = screen(&state, &mut view, 80, 24);
    let last = MAX_LINES - 1;
    assert!(text.contains(&format!("end{last}")), "{text}");
    assert!(!text.contains(&format!("end{}", last - 5)));
    // 14 message rows; each line wraps to several.
    assert!(view.chat.laid_out <= 14, "{}", view.chat.laid_out);

    for _ in 0..5 {
        handle(&mut view, &state, UiAction::PageUp);
        screen(&state, &mut view, 80, 24);
        assert!(view.chat.laid_out <= 15, "{}", view.chat.laid_out);
    }
    handle(&mut view, &state, UiAction::Top);
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("12:30 <Romeo> 0: lorem"), "{text}");
    assert!(view.chat.laid_out <= 15, "{}", view.chat.laid_out);
}

#[test]
fn close_and_details() {
    let mut state = state();
    run(&mut state, "/msg romeo@example.net hi", NOON);
    let id = state.active.unwrap();
    let mut view = View::default();
    assert_eq!(
        handle(&mut view, &state, UiAction::CloseWindow),
        [Request::View(ViewMsg::Close(id))]
    );
    // VCARD-10: opening the details asks for the peer's card.
    assert_eq!(
        handle(&mut view, &state, UiAction::Details),
        [Request::View(ViewMsg::Details(
            jid::BareJid::new("romeo@example.net").unwrap()
        ))]
    );
    assert!(matches!(
        &view.overlay,
        Some(Overlay::Details { jid, scroll: 0 }) if jid.as_str() == "romeo@example.net"
    ));
    apply(&mut state, vec![Request::View(ViewMsg::Close(id))]);
    assert!(state.chats.windows().is_empty());
    let rows = body(&state, &mut view, 60, 6);
    assert_eq!(
        rows[0],
        "Select a contact and press Enter, or type /msg JID TEXT"
    );
}

#[test]
fn whole_screen_at_80x24_and_200x60() {
    let mut state = state();
    let mut view = View::default();
    run(&mut state, "/msg romeo@example.net hi", NOON);
    render(&state, &mut view, 80, 24);
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body>by yonder window</body></message>",
        NOON + 60,
    );
    let rows = render(&state, &mut view, 80, 24);
    // The chat pane starts at column 20 (the roster takes a quarter).
    assert!(
        rows[0]
            .chars()
            .skip(20)
            .collect::<String>()
            .starts_with("┌ romeo@example.net → romeo@…/orchard"),
        "{}",
        rows[0]
    );
    assert!(rows[1].contains("│[1:Romeo]"), "{}", rows[1]);
    assert!(rows[2].contains("│12:30 <me> hi "), "{}", rows[2]);
    assert!(
        rows[3].contains("│12:31 <Romeo> by yonder window "),
        "{}",
        rows[3]
    );

    let rows = render(&state, &mut view, 200, 60);
    assert!(rows[1].contains("│[1:Romeo]"), "{}", rows[1]);
    assert!(
        rows[3].contains("│12:31 <Romeo> by yonder window "),
        "{}",
        rows[3]
    );
    assert!(rows.iter().all(|r| r.chars().count() == 200));
}

/// Writing a line means having seen what came before it: the separator
/// never goes above our own last line.
#[test]
fn separator_follows_our_last_line() {
    let mut state = state();
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "a"),
        NOON,
    );
    run(&mut state, "/msg romeo@example.net b", NOON);
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "c"),
        NOON,
    );
    let mut view = View::default();
    let rows = body(&state, &mut view, 30, 8);
    assert_eq!(
        rows[1..5],
        [
            "12:30 <Romeo> a",
            "12:30 <me> b",
            "── new messages ────────────",
            "12:30 <Romeo> c",
        ]
    );
}

/// ME-01, ME-02, ME-05: `/me` bodies, ours and theirs, are drawn as
/// `* name text` in italics, with our name for the sender; a body that
/// merely contains `/me` is drawn as is; remote text stays sanitised.
#[test]
fn me_01_actions_read_star_name_text() {
    let mut state = state();
    run(&mut state, "/msg romeo@example.net", NOON);
    run(&mut state, "/me waves", NOON);
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body>/me bows</body></message>",
        NOON + 60,
    );
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "/me sighs\u{1b}[2J\u{202e}"),
        NOON + 60,
    );
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body> /me bows</body></message>",
        NOON + 120,
    );
    let mut view = View::default();
    let mut terminal = Terminal::new(TestBackend::new(40, 9)).unwrap();
    terminal
        .draw(|frame| draw(frame, frame.area(), &state, &mut view))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let rows = inside(&rows_of(buffer));
    assert_eq!(
        rows[1..6],
        [
            "12:30 * juliet waves",
            "── new messages ──────────────────────",
            "12:31 * Romeo bows",
            "12:31 * Romeo sighs[2J",
            "12:32 <Romeo>  /me bows",
        ]
    );
    // The action, name and text, is in italics; a plain line is not.
    // Buffer row 4 is "│12:31 * Romeo bows", row 6 the plain line.
    assert!(buffer[(7, 4)].modifier.contains(Modifier::ITALIC));
    assert!(buffer[(15, 4)].modifier.contains(Modifier::ITALIC));
    assert!(!buffer[(15, 6)].modifier.contains(Modifier::ITALIC));
}

/// The terminal title counts unread lines; reading them clears it.
#[test]
fn window_title_counts_unread() {
    let mut state = state();
    assert_eq!(crate::ui::window_title(&state), "balcony");
    for id in ["a", "b", "c"] {
        receive(
            &mut state,
            &format!(
                "<message from='romeo@example.net/orchard' type='chat' id='{id}'><body>hi</body></message>"
            ),
            NOON,
        );
    }
    assert_eq!(crate::ui::window_title(&state), "balcony (3)");
    activate(&mut state, 0);
    assert_eq!(crate::ui::window_title(&state), "balcony");
}

/// CARBONS-06: a message another of our devices sent is our line, and
/// names that device; ours from here stay plain `<me>`.
#[test]
fn carbons_06_a_line_from_another_device_names_it() {
    let mut state = state();
    let mut view = View::default();
    run(&mut state, "/msg romeo@example.net from here", NOON);
    let copy = Message::parse(&test_xml::parse(
        "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat'>\
         <body>from the phone</body></message>",
    ))
    .unwrap();
    update(
        &mut state,
        Msg::Session {
            event: SessionEvent::Carbon {
                direction: crate::xmpp::stanza::carbons::Direction::Sent,
                message: copy,
            },
            at: NOON + 60,
        },
    );
    let rows = body(&state, &mut view, 50, 8);
    assert_eq!(
        rows[..3],
        [
            "[1:Romeo]",
            "12:30 <me> from here",
            "12:31 <me/phone> from the phone"
        ],
        "{rows:#?}"
    );
}

/// MAM-12: at the top of a conversation whose local history is read to
/// its start, the pane still asks for older lines: the store goes on in
/// the server archive, and ignores the request when there is none.
#[test]
fn top_of_a_read_history_still_asks_for_older_lines() {
    let mut state = state();
    deliver(
        &mut state,
        chat_from("romeo@example.net/orchard", "hi"),
        NOON,
    );
    activate(&mut state, 0);
    let id = state.active.unwrap();
    update(
        &mut state,
        Msg::HistoryLoaded {
            conversation: id,
            lines: Vec::new(),
            exhausted: true,
        },
    );
    let mut view = View::default();
    body(&state, &mut view, 40, 12);
    let requests = handle(&mut view, &state, UiAction::Top);
    assert!(
        matches!(requests.as_slice(), [Request::View(ViewMsg::LoadOlder(c))] if *c == id),
        "{requests:?}"
    );
    // Without an archive the store does nothing with it.
    let effects = update(&mut state, Msg::View(ViewMsg::LoadOlder(id)));
    assert!(effects.is_empty(), "{effects:?}");
}

/// STATES-09: the title says what the contact is doing: `typing…` while
/// composing, `paused`, and nothing once a message (with `<active/>`)
/// came; it stays when a narrow pane cuts the rest of the title.
#[test]
fn states_09_title_shows_typing() {
    const STATES: &str = "http://jabber.org/protocol/chatstates";
    let mut state = state();
    let from_romeo = |payload: &str| {
        format!(
            "<message from='romeo@example.net/orchard' type='chat'><thread>t-1</thread>\
             {payload}</message>"
        )
    };
    receive(&mut state, &from_romeo("<body>hi</body>"), NOON);
    activate(&mut state, 0);
    let mut view = View::default();
    let top = &pane(&state, &mut view, 70, 6)[0];
    assert!(!top.contains("typing") && !top.contains("paused"), "{top}");

    receive(
        &mut state,
        &from_romeo(&format!("<composing xmlns='{STATES}'/>")),
        NOON,
    );
    let top = &pane(&state, &mut view, 70, 6)[0];
    assert!(
        top.contains(" romeo@example.net → romeo@…/orchard · thread t-1 · typing… "),
        "{top}"
    );
    let narrow = &pane(&state, &mut view, 30, 6)[0];
    assert!(narrow.contains("· typing… "), "{narrow}");

    receive(
        &mut state,
        &from_romeo(&format!("<paused xmlns='{STATES}'/>")),
        NOON,
    );
    let top = &pane(&state, &mut view, 70, 6)[0];
    assert!(top.contains("· paused "), "{top}");

    receive(
        &mut state,
        &from_romeo(&format!("<body>back</body><active xmlns='{STATES}'/>")),
        NOON,
    );
    let top = &pane(&state, &mut view, 70, 6)[0];
    assert!(!top.contains("typing") && !top.contains("paused"), "{top}");
    // The state-only messages drew no line.
    let rows = body(&state, &mut view, 70, 8);
    assert_eq!(rows.iter().filter(|r| r.contains("<Romeo>")).count(), 2);
}

/// OMEMO-31, OMEMO-40: an encrypted line ends in a one-cell lock, one from
/// a device not trusted says so, and the title says the chat is encrypted.
#[test]
fn omemo_40_encrypted_lines_and_title_are_marked() {
    use crate::app::omemo::Report;
    use crate::xmpp::stanza::omemo::E2e;
    assert_eq!(text::width(ENCRYPTED_MARK), 2, "a space and one cell");
    let mut state = state();
    state.omemo.default_on = true;
    update(
        &mut state,
        Msg::Omemo(Report::Devices {
            jid: BareJid::new("romeo@example.net").unwrap(),
            devices: 1,
        }),
    );
    run(&mut state, "/msg romeo@example.net hi", NOON);
    let mut view = View::default();
    body(&state, &mut view, 60, 8);
    let mut message = chat_from("romeo@example.net/orchard", "who is there");
    message.e2e = E2e::Decrypted {
        ns: crate::omemo::Namespace::Legacy,
        device: 9,
        trusted: false,
    };
    deliver(&mut state, message, NOON);
    receive(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat'><body>plain</body></message>",
        NOON,
    );
    let rows = body(&state, &mut view, 60, 8);
    assert_eq!(
        rows[1..4],
        [
            "12:30 <me> hi ⚿",
            "12:30 <Romeo> who is there ⚿ untrusted device",
            "12:30 <Romeo> plain",
        ],
        "{rows:?}"
    );
    let title = &pane(&state, &mut view, 60, 8)[0];
    assert!(title.contains(" · OMEMO "), "{title}");
    run(&mut state, "/omemo off", NOON);
    let title = &pane(&state, &mut view, 60, 8)[0];
    assert!(!title.contains("OMEMO"), "{title}");
}

/// OMEMO-31: a room's title never claims encryption.
#[test]
fn omemo_31_a_room_title_has_no_omemo() {
    let mut state = state();
    join_room(&mut state, "verona@conference.example.com", "juliet");
    state
        .omemo
        .chosen
        .insert(BareJid::new("verona@conference.example.com").unwrap(), true);
    let mut view = View::default();
    let title = &pane(&state, &mut view, 60, 8)[0];
    assert!(!title.contains("OMEMO"), "{title}");
}
