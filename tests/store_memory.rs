//! Heap held by the store and the roster pane after a big login, measured
//! with a counting allocator: 5,000 contacts in a dozen groups, then the
//! presences a login brings (a fifth available with show and status, the
//! rest unavailable) and a few subscription requests, then one frame.
//!
//! The allocator counts for the whole test binary, so this file holds one
//! test. Run with `--nocapture` to see the bytes per contact per phase.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use balcony::app::{Msg, Purpose, State, update};
use balcony::ui::View;
use balcony::xmpp::element::Element;
use balcony::xmpp::login::StreamFeatures;
use balcony::xmpp::ns;
use balcony::xmpp::query::Query;
use balcony::xmpp::session::SessionEvent;
use balcony::xmpp::stanza::iq::{Iq, IqType};
use balcony::xmpp::stanza::presence::{Presence, PresenceType, Show};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Bytes allocated and not yet freed.
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// Allocations not yet freed: each costs the allocator a header and
/// rounding on top of its bytes.
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is passed on to the system allocator unchanged; only
// the sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        BLOCKS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        LIVE.fetch_add(size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

const CONTACTS: usize = 5_000;
const GROUPS: [&str; 12] = [
    "Friends",
    "Work",
    "Family",
    "Colleagues",
    "Football",
    "Book club",
    "Neighbours",
    "School",
    "University",
    "Gym",
    "Choir",
    "Chess",
];

fn jid(i: usize) -> String {
    format!("contact{i}@example{}.org", i % 50)
}

/// The roster result: three quarters named, everyone in a group, a third
/// in two.
fn roster_result() -> Iq {
    let mut query = Element::new("query", ns::ROSTER).with_attr("ver", "v1");
    for i in 0..CONTACTS {
        let mut item = Element::new("item", ns::ROSTER)
            .with_attr("jid", jid(i))
            .with_attr("subscription", if i % 10 == 0 { "to" } else { "both" });
        if i % 4 != 0 {
            item = item.with_attr("name", format!("Contact Person {i}"));
        }
        let first = GROUPS[i % GROUPS.len()];
        let second = GROUPS[(i / 3) % GROUPS.len()];
        for (n, group) in [first, second].into_iter().enumerate() {
            if n == 1 && (i % 3 != 0 || group == first) {
                continue;
            }
            let mut element = Element::new("group", ns::ROSTER);
            element.push_text(group);
            item.push_child(element);
        }
        query.push_child(item);
    }
    Iq {
        from: None,
        to: None,
        id: "r1".into(),
        kind: IqType::Result,
        payload: Some(query),
        error: None,
    }
}

fn presence(kind: PresenceType, from: &str) -> Msg {
    let mut presence = Presence::new(kind);
    presence.from = jid::Jid::new(from).ok();
    presence_msg(presence)
}

fn presence_msg(presence: Presence) -> Msg {
    Msg::Session {
        event: SessionEvent::Presence(presence),
        at: 0,
    }
}

fn per_contact(bytes: isize) -> isize {
    bytes / CONTACTS as isize
}

#[test]
fn login_with_5000_contacts_keeps_the_store_small() {
    let mut state = State::default();
    update(
        &mut state,
        Msg::Session {
            event: SessionEvent::Online {
                jid: jid::FullJid::new("juliet@example.com/balcony").expect("jid"),
                features: StreamFeatures::default(),
            },
            at: 0,
        },
    );
    // The terminal's cell buffers are allocated by the first frame.
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    terminal
        .draw(|frame| balcony::ui::draw(frame, &state, &mut View::default()))
        .expect("draw");

    let start = live();
    let start_blocks = BLOCKS.load(Ordering::Relaxed);
    let reply = Msg::Reply {
        purpose: Purpose::RosterGet { versioned: false },
        // Decoded as the session does it, so the store gets items.
        result: Query::RosterGet { ver: None }.decode(roster_result()),
    };
    drop(update(&mut state, reply));
    let roster = live() - start;

    let mark = live();
    for i in (0..CONTACTS).step_by(5) {
        let mut available = Presence::available();
        available.from = jid::Jid::new(&format!("{}/laptop", jid(i))).ok();
        available.show = [None, Some(Show::Away), Some(Show::Dnd)][i % 3];
        available.priority = 5;
        if i % 2 == 0 {
            available = available.with_status(format!("status of {i}"));
        }
        drop(update(&mut state, presence_msg(available)));
    }
    let available = live() - mark;

    let mark = live();
    for i in (0..CONTACTS).filter(|i| i % 5 != 0) {
        let from = format!("{}/laptop", jid(i));
        drop(update(
            &mut state,
            presence(PresenceType::Unavailable, &from),
        ));
    }
    let unavailable = live() - mark;

    let mark = live();
    for i in 0..CONTACTS / 50 {
        let from = format!("stranger{i}@spam.example");
        drop(update(&mut state, presence(PresenceType::Subscribe, &from)));
    }
    let requests = live() - mark;

    let mark = live();
    let mut view = View::default();
    terminal
        .draw(|frame| balcony::ui::draw(frame, &state, &mut view))
        .expect("draw");
    let pane = live() - mark;

    let store = live() - start - pane;
    let blocks = BLOCKS.load(Ordering::Relaxed) - start_blocks;
    eprintln!(
        "bytes per contact: roster {}, available presences {}, unavailable {}, \
         requests {}, roster pane {}; store and pane in all {} ({store} bytes, \
         {blocks} allocations)",
        per_contact(roster),
        per_contact(available),
        per_contact(unavailable),
        per_contact(requests),
        per_contact(pane),
        per_contact(store + pane),
    );
    assert_eq!(state.roster.len(), CONTACTS);
    assert_eq!(state.presence.len(), CONTACTS / 5);
    assert_eq!(state.pending.len(), CONTACTS / 50);
    // Budgets with some room; the figures were 515 (store) and 184 (rows)
    // bytes per contact before the store was made compact.
    assert!(per_contact(roster) <= 130, "roster: {roster} bytes");
    assert!(per_contact(available) <= 70, "presence: {available} bytes");
    assert!(
        per_contact(unavailable) <= 1,
        "unavailable: {unavailable} bytes"
    );
    assert!(per_contact(pane) <= 8, "roster pane: {pane} bytes");
    assert!(per_contact(store) <= 200, "store: {store} bytes");
    drop(view);
}
