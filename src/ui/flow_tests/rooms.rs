//! The room window through the keys and on the screen (XEP-0045, checklist
//! §9): the occupants pane (MUC-14) at 80×24 and wide, paged and toggled
//! by keys; nicks, actions and the subject; mentions highlighted, counted
//! and notified; the Rooms group in the roster, whose rows open the room
//! and private (MUC-23) windows. The store is fed the stanzas a room
//! sends, through its own update.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Modifier;

use super::Harness;
use crate::app::chat::ConversationId;
use crate::app::{Effect, Msg, ViewMsg, update};
use crate::ui::{Focus, Request, draw};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::message::Message;
use crate::xmpp::stanza::presence::Presence;
use crate::xmpp::stanza::test_xml;

const ROOM: &str = "verona@conference.example.com";

fn room_jid() -> jid::BareJid {
    jid::BareJid::new(ROOM).expect("room")
}

fn presence(h: &mut Harness, xml: &str) {
    let presence = Presence::parse(&test_xml::parse(xml)).expect("presence");
    let effects = update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Presence(presence),
            at: 45_000,
        },
    );
    h.effects.extend(effects);
}

fn receive(h: &mut Harness, xml: &str) {
    let message = Message::parse(&test_xml::parse(xml)).expect("message");
    let effects = update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at: 45_000,
        },
    );
    h.effects.extend(effects);
}

/// An occupant's presence: `role`, `affiliation`, and `show` when given.
fn occupant(h: &mut Harness, nick: &str, role: &str, affiliation: &str, show: Option<&str>) {
    let show = show.map_or(String::new(), |s| format!("<show>{s}</show>"));
    presence(
        h,
        &format!(
            "<presence from='{ROOM}/{nick}'>{show}<x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='{affiliation}' role='{role}'/></x></presence>"
        ),
    );
}

/// Joined [`ROOM`] as juliet: the occupants the room announces, our own
/// presence, then the subject.
fn joined(others: &[(&str, &str, &str, Option<&str>)]) -> Harness {
    let mut h = Harness::new();
    let mut effects = Vec::new();
    crate::app::room::join(
        &mut h.state,
        crate::app::room::RoomJoin {
            room: room_jid(),
            nick: "juliet".into(),
            password: None,
            nick_is_default: false,
        },
        45_000,
        &mut effects,
    )
    .expect("join");
    for (nick, role, affiliation, show) in others {
        occupant(&mut h, nick, role, affiliation, *show);
    }
    presence(
        &mut h,
        &format!(
            "<presence from='{ROOM}/juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' role='participant'/><status code='110'/></x></presence>"
        ),
    );
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}' type='groupchat'><subject>Balcony scene</subject></message>"
        ),
    );
    h
}

fn verona() -> Harness {
    joined(&[
        ("nurse", "moderator", "owner", None),
        ("Romeo", "participant", "admin", Some("away")),
        ("benvolio", "participant", "none", Some("dnd")),
        ("tybalt", "visitor", "none", Some("xa")),
    ])
}

fn room_window(h: &Harness) -> ConversationId {
    h.state
        .chats
        .find_room(&room_jid(), None)
        .expect("the room's conversation")
}

fn show_room(h: &mut Harness) {
    let id = room_window(h);
    h.apply(Request::View(ViewMsg::Activate(id)));
}

fn buffer(h: &mut Harness, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| draw(frame, &h.state, &mut h.view))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn rows(buffer: &Buffer) -> Vec<String> {
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// Where `text` starts on screen, as (x, y) of its first cell.
fn find(buffer: &Buffer, text: &str) -> Option<(u16, u16)> {
    rows(buffer).iter().enumerate().find_map(|(y, row)| {
        let at = row.find(text)?;
        // Columns, not bytes: the borders are multi-byte.
        let x = row[..at].chars().count();
        Some((x as u16, y as u16))
    })
}

/// A roster row that starts with `start` and ends with `end`.
fn has_row(screen: &str, start: &str, end: &str) -> bool {
    screen.lines().any(|line| {
        let row = line.trim_start_matches('│');
        let row = row.split('│').next().unwrap_or("").trim_end();
        row.starts_with(start) && row.ends_with(end)
    })
}

/// MUC-14: wide, the pane sits beside the messages: ` 5 occupants `, the
/// groups with their counts, presence and affiliation marks, sorted
/// without regard to case, our own nick in our colour.
#[test]
fn muc_14_occupants_pane_wide() {
    let mut h = verona();
    show_room(&mut h);
    let buffer = buffer(&mut h, 120, 30);
    let screen = rows(&buffer).join("\n");
    assert!(screen.contains(" 5 occupants "), "{screen}");
    assert!(screen.contains("Moderators (1)"), "{screen}");
    assert!(screen.contains("o~ nurse"), "{screen}");
    assert!(screen.contains("Participants (3)"), "{screen}");
    assert!(screen.contains("Visitors (1)"), "{screen}");
    assert!(screen.contains("x  tybalt"), "{screen}");
    let order: Vec<u16> = ["d  benvolio", "o+ juliet", "a& Romeo"]
        .iter()
        .map(|t| find(&buffer, t).expect(t).1)
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] + 1 == w[1]),
        "{order:?}\n{screen}"
    );
    let (x, y) = find(&buffer, "o+ juliet").expect("own nick");
    let own = &buffer[(x + 3, y)];
    assert!(own.modifier.contains(Modifier::BOLD));
    assert_eq!(own.fg, h.view.theme.own);
    // The subject and our nick are in the window's title.
    assert!(screen.contains("· juliet · Balcony scene"), "{screen}");
}

/// At 80×24 the pane folds away and the room stays usable; F4 brings it
/// back and puts it away again.
#[test]
fn occupants_pane_folds_at_80_columns_and_toggles() {
    let mut h = verona();
    show_room(&mut h);
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/nurse' type='groupchat'><body>Madam, your mother calls</body></message>"
        ),
    );
    let screen = crate::ui::test_support::screen(&h.state, &mut h.view, 80, 24);
    assert!(!screen.contains("occupants"), "{screen}");
    assert!(
        screen.contains("<#nurse> Madam, your mother calls"),
        "{screen}"
    );
    assert!(!h.view.occupants.is_visible());
    // The roster still lists the room, with its unread line.
    assert!(screen.contains("# verona"), "{screen}");
    assert!(screen.contains("(1)"), "{screen}");
    h.press(KeyCode::F(4));
    let screen = crate::ui::test_support::screen(&h.state, &mut h.view, 80, 24);
    assert!(screen.contains(" 5 occupants "), "{screen}");
    assert!(screen.contains("<#nurse> Madam"), "{screen}");
    h.press(KeyCode::F(4));
    let screen = crate::ui::test_support::screen(&h.state, &mut h.view, 120, 30);
    assert!(!screen.contains("occupants"), "{screen}");
}

/// MUC-14: a room of 1,000 pages with the chat pane's `]` and `[`, the
/// group's header staying on top; a frame formats only the rows it shows.
#[test]
fn muc_14_large_room_pages_by_key_and_draws_only_what_shows() {
    let mut h = joined(&[("nurse", "moderator", "owner", None)]);
    for n in 0..1_000 {
        occupant(&mut h, &format!("guest{n:04}"), "participant", "none", None);
    }
    show_room(&mut h);
    h.press(KeyCode::Esc);
    h.press(KeyCode::Tab);
    assert_eq!(h.view.focus, Focus::Chat);
    let screen = h.screen();
    assert!(screen.contains(" 1002 occupants "), "{screen}");
    assert!(screen.contains("Moderators (1)"), "{screen}");
    assert!(screen.contains("guest0000"), "{screen}");
    let height = crate::ui::layout(ratatui::layout::Rect::new(0, 0, 100, 30), 1)
        .chat
        .height as usize;
    assert!(
        h.view.occupants.drawn < height,
        "{}",
        h.view.occupants.drawn
    );

    h.press(KeyCode::Char(']'));
    let screen = h.screen();
    assert!(!screen.contains("guest0000"), "{screen}");
    assert!(screen.contains("Participants (1001)"), "{screen}");
    assert!(!screen.contains("Moderators"), "{screen}");
    for _ in 0..200 {
        h.press(KeyCode::Char(']'));
    }
    let screen = h.screen();
    assert!(screen.contains("guest0999"), "{screen}");
    assert!(screen.contains("Participants (1001)"), "{screen}");
    assert!(h.view.occupants.drawn < height);
    for _ in 0..200 {
        h.press(KeyCode::Char('['));
    }
    let screen = h.screen();
    assert!(screen.contains("Moderators (1)"), "{screen}");
    assert!(screen.contains("guest0000"), "{screen}");
}

/// A message naming our nick is highlighted, counted in the roster's
/// Rooms row and notified while another window is on screen; history and
/// our own lines are neither counted nor notified.
#[test]
fn mention_highlighted_counted_and_notified() {
    let mut h = verona();
    h.state.attention.notify = true;
    h.effects.clear();
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/juliet' type='groupchat'><body>juliet speaks</body></message>"
        ),
    );
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/Romeo' type='groupchat'><body>Juliet: look down</body></message>"
        ),
    );
    receive(
        &mut h,
        &format!("<message from='{ROOM}/nurse' type='groupchat'><body>anon, anon</body></message>"),
    );
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/nurse' type='groupchat'><body>juliet was here</body>\
             <delay xmlns='urn:xmpp:delay' stamp='2020-01-01T00:00:00Z'/></message>"
        ),
    );
    let notified: Vec<String> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(format!("{}: {}", n.from, n.body)),
            _ => None,
        })
        .collect();
    assert_eq!(notified, ["Romeo: Juliet: look down"]);
    let conversation = h.state.chats.get(room_window(&h)).expect("room");
    assert_eq!((conversation.unread, conversation.mentions), (2, 1));

    let screen = h.screen();
    assert!(has_row(&screen, "▾ Rooms", "1"), "{screen}");
    assert!(screen.contains("# verona"), "{screen}");
    assert!(screen.contains("(2, 1@)"), "{screen}");

    // On screen: the mentioning line stands out, the others do not.
    show_room(&mut h);
    let buffer = buffer(&mut h, 120, 30);
    let (x, y) = find(&buffer, "look down").expect("the mention");
    assert_eq!(buffer[(x, y)].fg, h.view.theme.mention);
    assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(&buffer, "anon, anon").expect("a plain line");
    assert_ne!(buffer[(x, y)].fg, h.view.theme.mention);
    // Reading the room clears the counts.
    let conversation = h.state.chats.get(room_window(&h)).expect("room");
    assert_eq!((conversation.unread, conversation.mentions), (0, 0));
    // Seen now: a new mention does not notify.
    h.effects.clear();
    receive(
        &mut h,
        &format!("<message from='{ROOM}/Romeo' type='groupchat'><body>juliet!</body></message>"),
    );
    assert!(!h.effects.iter().any(|e| matches!(e, Effect::Notify(_))));
}

/// A muted room's mentions count but do not notify.
#[test]
fn muted_room_mentions_do_not_notify() {
    let mut h = verona();
    h.state.attention.notify = true;
    h.state.attention.muted.insert(room_jid());
    h.effects.clear();
    receive(
        &mut h,
        &format!("<message from='{ROOM}/Romeo' type='groupchat'><body>juliet?</body></message>"),
    );
    assert!(!h.effects.iter().any(|e| matches!(e, Effect::Notify(_))));
    let conversation = h.state.chats.get(room_window(&h)).expect("room");
    assert_eq!(conversation.mentions, 1);
}

/// The roster lists the room under Rooms, and a private conversation with
/// an occupant under it (MUC-23); Enter on either opens its window.
#[test]
fn rooms_group_rows_open_their_windows() {
    let mut h = verona();
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/nurse' type='chat'><body>a word, madam</body>\
             <x xmlns='http://jabber.org/protocol/muc#user'/></message>"
        ),
    );
    h.press(KeyCode::Esc);
    let screen = h.screen();
    assert!(has_row(&screen, "▾ Rooms", "2"), "{screen}");
    assert!(screen.contains("# verona"), "{screen}");
    assert!(screen.contains("» verona/nurse"), "{screen}");
    // Home is the Rooms header; the room, then the private conversation.
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    assert_eq!(h.state.active, Some(room_window(&h)));
    assert_eq!(h.view.focus, Focus::Input);
    h.press(KeyCode::Esc);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    let private = h.state.chats.find_room(&room_jid(), Some("nurse"));
    assert!(private.is_some());
    assert_eq!(h.state.active, private);
    let screen = h.screen();
    assert!(screen.contains("a word, madam"), "{screen}");
    // No occupants pane in a private window.
    assert!(!screen.contains("occupants"), "{screen}");
    // Nor does its key change anything there.
    h.press(KeyCode::Esc);
    h.press(KeyCode::F(4));
    assert_eq!(h.view.occupants.shown, None);
}

/// `/me` in a room reads `* nick does`, ours with our room nick; remote
/// nicks are sanitised.
#[test]
fn actions_and_hostile_nicks() {
    let mut h = verona();
    occupant(&mut h, "evil\u{fe0f}twin", "participant", "none", None);
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/evil\u{fe0f}twin' type='groupchat'><body>boo</body></message>"
        ),
    );
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/Romeo' type='groupchat'><body>/me climbs the wall</body></message>"
        ),
    );
    // Our own line, from another of our clients in the room.
    receive(
        &mut h,
        &format!(
            "<message from='{ROOM}/juliet' type='groupchat'><body>/me blushes</body></message>"
        ),
    );
    show_room(&mut h);
    let screen = crate::ui::test_support::screen(&h.state, &mut h.view, 120, 30);
    assert!(screen.contains("* Romeo climbs the wall"), "{screen}");
    assert!(screen.contains("* juliet blushes"), "{screen}");
    assert!(!screen.contains('\u{fe0f}'), "{screen}");
    assert!(screen.contains("o  eviltwin"), "{screen}");
    assert!(screen.contains("<#eviltwin> boo"), "{screen}");
}

/// The pane's keys come from the key table: rebound under `[keys.…]`,
/// the new keys work and the old ones no longer do; F1 explains the marks.
#[test]
fn occupants_keys_rebind() {
    use std::collections::HashMap;
    let mut h = verona();
    show_room(&mut h);
    let overrides = HashMap::from([(
        "global".to_owned(),
        HashMap::from([("toggle-occupants".to_owned(), vec!["F6".to_owned()])]),
    )]);
    h.view.keymap = crate::ui::keymap::Keymap::with_overrides(&overrides).expect("keymap");
    h.screen();
    assert!(h.view.occupants.is_visible());
    h.press(KeyCode::F(4));
    h.screen();
    assert!(h.view.occupants.is_visible());
    h.press(KeyCode::F(6));
    h.screen();
    assert!(!h.view.occupants.is_visible());
    let help = h.view.keymap.help_lines();
    assert!(
        help.iter()
            .any(|(_, keys, text)| keys == "F6" && text.contains("occupants pane")),
        "{help:?}"
    );
    assert!(crate::ui::occupants::LEGEND.contains("~ owner, & admin, + member"));
}
