//! Store updates: `app::update` fed the `Msg`s the engine produces for a
//! big login and for floods. No I/O, no drawing; the inputs are built and
//! decoded before the clock starts. Run: `cargo bench --bench store`.

#[path = "fixtures.rs"]
mod fixtures;

use std::hint::black_box;

use balcony::app::event::Event;
use balcony::app::presence::Availability;
use balcony::app::{Effect, Msg, State, ViewMsg, update};
use balcony::xmpp::query::Query;
use balcony::xmpp::session::SessionEvent;
use balcony::xmpp::stanza::iq::Iq;
use balcony::xmpp::stanza::message::Message;
use balcony::xmpp::stanza::presence::Presence;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fixtures::{Contact, RESOURCES, ROMEO, Rng};
use jid::BareJid;

const CONTACTS: usize = 5_000;
const FLOOD: usize = 10_000;

/// Applies `msgs` in order; returns the state (dropped outside the timing)
/// and how many presence and message events the store emitted.
fn apply_all(mut state: State, msgs: Vec<Msg>) -> (State, usize) {
    let mut emitted = 0;
    for msg in msgs {
        for effect in update(&mut state, msg) {
            if let Effect::Emit(Event::Presence { .. } | Event::Message { .. }) = effect {
                emitted += 1;
            }
        }
    }
    (state, emitted)
}

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).expect("a bare JID")
}

fn roster_load(c: &mut Criterion, contacts: &[Contact], roster: &Iq) {
    let fresh = || {
        let (state, purpose) = fixtures::online();
        let reply = Msg::Reply {
            purpose,
            // Decoded as the session does it, before the store sees it.
            result: Query::RosterGet { ver: None }.decode(roster.clone()),
        };
        (state, reply)
    };
    let (state, effects) = {
        let (mut state, reply) = fresh();
        let effects = update(&mut state, reply);
        (state, effects)
    };
    assert_eq!(state.roster.len(), contacts.len());
    assert!(state.initial_presence_sent, "{effects:?}");

    let mut group = c.benchmark_group("store");
    group.sample_size(20);
    group.throughput(Throughput::Elements(contacts.len() as u64));
    group.bench_function("roster_load_5000", |b| {
        b.iter_batched(
            fresh,
            |(mut state, reply)| {
                let effects = update(&mut state, reply);
                (state, black_box(effects))
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// Every subscribed contact's resources come online (replayed with a
/// delay, as at login), then go away, then offline.
fn storm(contacts: &[Contact]) -> Vec<Presence> {
    let mut rng = Rng::new(11);
    let mut xml = String::new();
    let subscribed = contacts
        .iter()
        .filter(|c| matches!(c.subscription, "both" | "to"));
    for (phase, show) in [(0, None), (1, Some("away")), (2, None)] {
        for contact in subscribed.clone() {
            for resource in RESOURCES {
                let from = format!("{}/{resource}", contact.jid);
                if phase == 2 {
                    xml.push_str(&fixtures::unavailable_xml(&from));
                    continue;
                }
                let show = show.or_else(|| rng.pick(&[None, None, Some("chat"), Some("dnd")]));
                let status = rng
                    .chance(50)
                    .then(|| rng.pick(&["At the masque", "Auto away", "on the phone", "🌹"]));
                let stamp = (phase == 0).then_some("2024-11-21T18:22:05Z");
                xml.push_str(&fixtures::presence_xml(
                    &from,
                    show,
                    status,
                    rng.pick(&[0, 1, 5, 10]),
                    stamp,
                ));
            }
        }
    }
    fixtures::presences(&xml)
}

fn presence_storm(c: &mut Criterion, roster: &Iq, presences: &[Presence]) {
    let msgs = || {
        presences
            .iter()
            .cloned()
            .map(fixtures::presence_msg)
            .collect::<Vec<_>>()
    };
    // Each phase must land: available, then away, then gone.
    let romeo = bare(ROMEO);
    let mut state = fixtures::logged_in(roster);
    let phases = presences.chunks(presences.len() / 3);
    for (phase, expected) in
        phases.zip([None, Some(Availability::Away), Some(Availability::Offline)])
    {
        let msgs = phase.iter().cloned().map(fixtures::presence_msg).collect();
        let (next, emitted) = apply_all(state, msgs);
        assert_eq!(emitted, phase.len());
        let shown = next.presence.availability(&romeo);
        match expected {
            Some(expected) => assert_eq!(shown, expected),
            None => assert_ne!(shown, Availability::Offline),
        }
        state = next;
    }

    let mut group = c.benchmark_group("store");
    group.sample_size(20);
    group.throughput(Throughput::Elements(presences.len() as u64));
    group.bench_function("presence_storm", |b| {
        b.iter_batched(
            || (fixtures::logged_in(roster), msgs()),
            |(state, msgs)| black_box(apply_all(state, msgs)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// A logged-in store with Romeo's conversation open on screen.
fn chatting(roster: &Iq, opener: &Message) -> State {
    let mut state = fixtures::logged_in(roster);
    update(&mut state, fixtures::message_msg(opener.clone()));
    let id = state
        .chats
        .latest_with(&bare(ROMEO))
        .expect("the conversation")
        .id;
    update(&mut state, Msg::View(ViewMsg::Activate(id)));
    state
}

fn chat_flood(c: &mut Criterion, roster: &Iq) {
    let mut rng = Rng::new(13);
    let from = format!("{ROMEO}/orchard");
    let xml: String = (0..=FLOOD)
        .map(|i| fixtures::chat_xml(&from, &format!("m{i:06}"), &fixtures::body(&mut rng)))
        .collect();
    let mut flood = fixtures::messages(&xml);
    let opener = flood.remove(0);
    let msgs = || {
        flood
            .iter()
            .cloned()
            .map(fixtures::message_msg)
            .collect::<Vec<_>>()
    };
    let (state, emitted) = apply_all(chatting(roster, &opener), msgs());
    assert_eq!(emitted, FLOOD);
    let conversation = state.chats.latest_with(&bare(ROMEO)).expect("Romeo");
    assert_eq!(state.active, Some(conversation.id));
    assert_eq!(
        conversation.lines.len(),
        (FLOOD + 1).min(balcony::app::chat::MAX_LINES)
    );

    let mut group = c.benchmark_group("store");
    group.sample_size(20);
    group.throughput(Throughput::Elements(FLOOD as u64));
    group.bench_function("chat_flood_10000", |b| {
        b.iter_batched(
            || (chatting(roster, &opener), msgs()),
            |(state, msgs)| black_box(apply_all(state, msgs)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// One rename pushed into the full roster, the name alternating so every
/// push is a change.
fn roster_push(c: &mut Criterion, contacts: &[Contact], roster: &Iq) {
    let target = &contacts[42];
    let renamed = |name: &str| Contact {
        jid: target.jid.clone(),
        name: Some(name.to_owned()),
        groups: target.groups.clone(),
        subscription: target.subscription,
    };
    let pushes = [
        fixtures::roster_push(&renamed("Tybalt, Prince of Cats"), 6_000),
        fixtures::roster_push(&renamed("Tybalt"), 6_001),
    ];
    let mut state = fixtures::logged_in(roster);
    let mut next = 0;
    let mut push = || {
        next += 1;
        let (item, ver) = pushes[next % 2].clone();
        fixtures::session(SessionEvent::RosterPush { item, ver })
    };
    update(&mut state, push());
    let name = |state: &State| {
        state
            .roster
            .get(&bare(&target.jid))
            .and_then(|i| i.name.clone())
    };
    assert_eq!(name(&state).as_deref(), Some("Tybalt"));
    update(&mut state, push());
    assert_eq!(name(&state).as_deref(), Some("Tybalt, Prince of Cats"));
    assert_eq!(state.roster.len(), contacts.len());

    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.bench_function("roster_push_into_5000", |b| {
        b.iter_batched(
            &mut push,
            |msg| update(&mut state, msg),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let contacts = fixtures::contacts(CONTACTS);
    let roster = fixtures::roster_result(&contacts);
    roster_load(c, &contacts, &roster);
    presence_storm(c, &roster, &storm(&contacts));
    chat_flood(c, &roster);
    roster_push(c, &contacts, &roster);
}

criterion_group!(store, benches);
criterion_main!(store);
