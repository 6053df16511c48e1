//! Drawing: `ui::draw` and the panes it is made of, into ratatui's
//! `TestBackend` at 160×48, through `Terminal::draw` as the TUI calls it
//! (so the buffer diff is counted too). The store holds a 10,000-contact
//! roster with presences and groups, a full headline list, and a
//! conversation that received 100,000 messages (the store keeps the last
//! `MAX_LINES` of them). Steady redraws show what a frame costs; "after a
//! PageDown", "after a presence" and "after a message" show what one event
//! costs on screen. Run: `cargo bench --bench draw`.

#[path = "fixtures.rs"]
mod fixtures;

use std::hint::black_box;

use balcony::app::chat::MAX_LINES;
use balcony::app::headline::MAX_HEADLINES;
use balcony::app::{Msg, State, ViewMsg, update};
use balcony::ui::{self, Focus, View};
use balcony::xmpp::stanza::message::Message;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fixtures::{RESOURCES, ROMEO, Rng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
const CONTACTS: usize = 10_000;
const MESSAGES: usize = 100_000;
/// Distinct messages decoded; the flood repeats them under fresh ids.
const DISTINCT: usize = 1_000;
/// Other contacts with a window open, for the window list.
const OTHER_WINDOWS: usize = 8;

#[derive(Clone, Copy)]
enum Pane {
    Roster,
    Chat,
    Headlines,
    Full,
}

struct Screen {
    terminal: Terminal<TestBackend>,
    view: View,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            terminal: Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal"),
            view: View::default(),
        }
    }

    /// One frame with `pane` (or everything) drawn, as the TUI draws.
    fn draw(&mut self, state: &State, pane: Pane) {
        let view = &mut self.view;
        self.terminal
            .draw(|frame| {
                let areas = ui::layout(frame.area(), view.input.line_count() as u16);
                match pane {
                    Pane::Roster => ui::roster::draw(frame, areas.roster, state, view),
                    Pane::Chat => ui::chat::draw(frame, areas.chat, state, view),
                    Pane::Headlines => ui::headline::draw(frame, areas.headlines, state, view),
                    Pane::Full => ui::draw(frame, state, view),
                }
            })
            .expect("draw");
    }

    /// The last frame as text, a line per row.
    fn text(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let mut text = String::new();
        for row in buffer.content.chunks(usize::from(WIDTH)) {
            text.extend(row.iter().map(|cell| cell.symbol()));
            text.push('\n');
        }
        text
    }
}

/// A chat message from Romeo with a fresh id.
fn from_romeo(prototypes: &[Message], i: usize) -> Msg {
    let mut message = prototypes[i % prototypes.len()].clone();
    // Each a new message: its own id and stable id (XEP-0359), or the
    // store files the repeats once.
    message.id = Some(format!("m{i:07}"));
    message.origin_id = message.id.clone();
    fixtures::message_msg(message)
}

/// The store after a login with `CONTACTS` contacts, most of them online,
/// a full headline list and `MESSAGES` messages from Romeo in the window on
/// screen. Returns it with the decoded messages the flood repeats.
fn busy_store() -> (State, Vec<Message>) {
    let contacts = fixtures::contacts(CONTACTS);
    let mut state = fixtures::logged_in(&fixtures::roster_result(&contacts));

    let mut rng = Rng::new(17);
    let mut xml = String::new();
    for contact in &contacts {
        if !matches!(contact.subscription, "both" | "to") || rng.chance(35) {
            continue;
        }
        for resource in &RESOURCES[..1 + rng.below(2)] {
            let status = rng
                .chance(50)
                .then(|| rng.pick(&["At the masque", "on the phone", "Busy — deadline", "🌹"]));
            xml.push_str(&fixtures::presence_xml(
                &format!("{}/{resource}", contact.jid),
                rng.pick(&[None, None, Some("away"), Some("xa"), Some("dnd")]),
                status,
                rng.pick(&[0, 1, 5]),
                Some("2024-11-21T18:22:05Z"),
            ));
        }
    }
    for presence in fixtures::presences(&xml) {
        update(&mut state, fixtures::presence_msg(presence));
    }

    let xml: String = (0..MAX_HEADLINES)
        .map(|i| fixtures::headline_xml(i, &fixtures::body(&mut rng)))
        .collect();
    for headline in fixtures::messages(&xml) {
        update(&mut state, fixtures::message_msg(headline));
    }

    let xml: String = contacts[1..=OTHER_WINDOWS]
        .iter()
        .map(|c| fixtures::chat_xml(&format!("{}/phone", c.jid), "hi", "Art thou there?"))
        .collect();
    for message in fixtures::messages(&xml) {
        update(&mut state, fixtures::message_msg(message));
    }

    let from = format!("{ROMEO}/orchard");
    let xml: String = (0..DISTINCT)
        .map(|i| fixtures::chat_xml(&from, &format!("p{i}"), &fixtures::body(&mut rng)))
        .collect();
    let prototypes = fixtures::messages(&xml);
    update(&mut state, from_romeo(&prototypes, 0));
    let romeo = jid::BareJid::new(ROMEO).expect("Romeo's JID");
    let id = state.chats.latest_with(&romeo).expect("Romeo's window").id;
    update(&mut state, Msg::View(ViewMsg::Activate(id)));
    for i in 1..MESSAGES {
        update(&mut state, from_romeo(&prototypes, i));
    }
    // The TUI marks the window on screen read before it draws.
    update(&mut state, Msg::View(ViewMsg::Read(id)));
    (state, prototypes)
}

/// What every bench starts from: the screen drawn once.
fn checked_screen(state: &State) -> Screen {
    let mut screen = Screen::new();
    screen.draw(state, Pane::Full);
    let text = screen.text();
    if std::env::var_os("SHOW_SCREEN").is_some() {
        eprintln!("{text}");
    }
    for expected in [
        "Romeo",
        "Book club",
        "/10000",
        "Bulletin",
        "news.example.org",
        "<Romeo>",
    ] {
        assert!(text.contains(expected), "{expected:?} is not on screen");
    }
    assert!(screen.view.roster.rows().len() > CONTACTS);
    screen
}

fn draw(c: &mut Criterion) {
    let (mut state, prototypes) = busy_store();
    let romeo = state
        .active
        .and_then(|id| state.chats.get(id))
        .expect("Romeo");
    assert_eq!(romeo.total - balcony::app::chat::FIRST_SEQ, MESSAGES as u64);
    assert_eq!(romeo.lines.len(), MAX_LINES);
    assert_eq!(state.headlines.len(), MAX_HEADLINES);

    let mut group = c.benchmark_group("draw_160x48");
    for (name, pane) in [
        ("roster_pane", Pane::Roster),
        ("chat_pane", Pane::Chat),
        ("headline_pane", Pane::Headlines),
        ("full_frame", Pane::Full),
    ] {
        let mut screen = checked_screen(&state);
        group.bench_function(name, |b| b.iter(|| screen.draw(black_box(&state), pane)));
    }

    // A PageDown in the roster, then the frame; back to the top at the end.
    let mut screen = checked_screen(&state);
    screen.view.focus = Focus::Roster;
    let page_down = KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE);
    let before = screen.view.roster.selected;
    assert!(ui::handle_key(&mut screen.view, &state, page_down).is_empty());
    assert!(screen.view.roster.selected > before);
    group.bench_function("roster_after_page_down", |b| {
        b.iter(|| {
            let roster = &mut screen.view.roster;
            if roster.selected + 1 >= roster.rows().len() {
                roster.selected = 0;
                roster.scroll = 0;
            }
            ui::handle_key(&mut screen.view, &state, page_down);
            screen.draw(&state, Pane::Roster);
        })
    });

    // Romeo's phone goes away and comes back: the pane refreshes its
    // counts and positions, without laying out the sections anew.
    let xml = [Some("away"), None]
        .map(|show| fixtures::presence_xml(&format!("{ROMEO}/phone"), show, None, 0, None))
        .concat();
    let presences = fixtures::presences(&xml);
    let mut screen = checked_screen(&state);
    let rebuilds = screen.view.roster.rebuilds();
    let refreshes = screen.view.roster.refreshes();
    let mut flip = 0;
    group.bench_function("roster_after_presence", |b| {
        b.iter_batched(
            || {
                flip += 1;
                fixtures::presence_msg(presences[flip % 2].clone())
            },
            |msg| {
                update(&mut state, msg);
                screen.draw(&state, Pane::Roster);
            },
            BatchSize::SmallInput,
        )
    });
    assert!(screen.view.roster.refreshes() > refreshes);
    assert_eq!(screen.view.roster.rebuilds(), rebuilds);

    // One more message in the window on screen, marked read, then the frame.
    let mut screen = checked_screen(&state);
    let id = state.active.expect("Romeo's window");
    let mut next = MESSAGES;
    group.bench_function("chat_after_message", |b| {
        b.iter_batched(
            || {
                next += 1;
                from_romeo(&prototypes, next)
            },
            |msg| {
                update(&mut state, msg);
                update(&mut state, Msg::View(ViewMsg::Read(id)));
                screen.draw(&state, Pane::Chat);
            },
            BatchSize::SmallInput,
        )
    });
    assert!(screen.view.chat.laid_out <= usize::from(HEIGHT));
    group.finish();
}

criterion_group!(benches, draw);
criterion_main!(benches);
