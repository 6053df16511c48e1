//! Scale sanity (not timing): a big roster and a presence burst cost one
//! event per stanza and never rebuild the roster.

use super::*;
use crate::app::presence::Availability;
use crate::app::presence::update::MAX_STRANGERS;
use crate::xmpp::element::Element;
use crate::xmpp::ns;
use crate::xmpp::stanza::iq::IqType;

/// A roster result of `count` contacts `c{i}@example.net`, all `both`.
fn big_roster(count: usize) -> Iq {
    let mut query = Element::new("query", ns::ROSTER).with_attr("ver", "big");
    for i in 0..count {
        query.push_child(
            Element::new("item", ns::ROSTER)
                .with_attr("jid", format!("c{i}@example.net"))
                .with_attr("subscription", "both"),
        );
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

fn available(from: &str, priority: i8) -> SessionEvent {
    let mut presence = Presence::available();
    presence.from = Some(jid::Jid::new(from).unwrap());
    presence.priority = priority;
    SessionEvent::Presence(presence)
}

/// ROS-03, PRES-03: 10,000 contacts, then 1,000 presence updates of one event each.
#[test]
fn scale_big_roster_then_presence_burst() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(true, false));
    let effects = roster_reply(&mut state, true, Ok(big_roster(10_000)));
    // The cache write, one event per contact, initial presence, startup.
    assert_eq!(effects.len(), 1 + 10_000 + 2);
    assert_eq!(state.roster.len(), 10_000);

    for i in 0..1_000 {
        let effects = session(
            &mut state,
            available(&format!("c{}@example.net/r{}", i % 700, i % 3), 1),
        );
        assert!(
            matches!(&effects[..], [Effect::Emit(Event::Presence { .. })]),
            "{:?}",
            trace(&effects)
        );
    }
    assert_eq!(state.roster.len(), 10_000);
    assert_eq!(state.roster.ver(), Some("big"));
    assert_eq!(state.presence.len(), 700);
    // Updates 0 and 700 came from c0/r0 and c0/r1.
    let busy = state.presence.get(&bare("c0@example.net")).unwrap();
    assert_eq!(busy.resources.len(), 2);
}

/// PRES-15: online roster contacts do not use up the strangers' slots.
#[test]

fn pres_15_contacts_do_not_use_up_stranger_slots() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(false, false));
    roster_reply(&mut state, false, Ok(big_roster(MAX_STRANGERS)));
    for i in 0..MAX_STRANGERS {
        session(&mut state, available(&format!("c{i}@example.net/r"), 0));
    }
    let effects = presence(&mut state, "<presence from='nurse2@example.com/kitchen'/>");
    assert_eq!(effects.len(), 1);
    assert!(state.presence.get(&bare("nurse2@example.com")).is_some());
}

/// The roster's own availability (which orders it) follows the presence
/// book through a storm: available, away, errors, unavailable, bare
/// unavailable, and a lost connection. Each change moves one contact; only
/// the login and the disconnect sort.
#[test]
fn presence_storm_moves_contacts_without_sorting_the_roster() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(true, false));
    roster_reply(&mut state, true, Ok(big_roster(5_000)));
    let sorts = state.roster.order().full_sorts();
    let moves = state.roster.order().moves();
    for i in 0..1_000 {
        session(
            &mut state,
            available(&format!("c{}@example.net/r{}", i % 500, i % 2), 1),
        );
    }
    for i in 0..100 {
        presence(
            &mut state,
            &format!("<presence from='c{i}@example.net/r0' type='unavailable'/>"),
        );
        presence(
            &mut state,
            &format!(
                "<presence from='c{}@example.net' type='unavailable'/>",
                i + 100
            ),
        );
        presence(
            &mut state,
            &format!(
                "<presence from='c{}@example.net' type='error'><error type='cancel'>\
                 <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
                 </error></presence>",
                i + 200
            ),
        );
    }
    assert_eq!(state.roster.order().full_sorts(), sorts);
    assert!(state.roster.order().moves() - moves <= 500 + 300);
    let mut online = 0;
    for (_, contact) in state.roster.contacts() {
        assert_eq!(
            contact.availability,
            state.presence.availability(&contact.jid),
            "{}",
            contact.jid
        );
        online += usize::from(contact.availability.rank() < 5);
    }
    assert_eq!(state.roster.online(), online);
    // c0–c499 came online on one resource each (r0 for even numbers);
    // then 50 even ones of c0–c99 lost it, c100–c199 left, c200–c299 failed.
    assert_eq!(online, 250);

    session(
        &mut state,
        SessionEvent::Closed {
            error: None,
            retryable: false,
        },
    );
    assert_eq!(state.roster.online(), 0);
    assert!(
        state
            .roster
            .contacts()
            .all(|(_, c)| c.availability == Availability::Offline)
    );
}

/// A roster over the cap is cut, and the user is told so.
#[test]
fn roster_cut_at_the_cap_says_so() {
    use crate::app::roster::MAX_ROSTER;
    let mut state = State::new(Preferences::default());
    state.notices_only = true;
    online(&mut state, features(true, false));
    let effects = roster_reply(&mut state, true, Ok(big_roster(MAX_ROSTER + 5)));
    assert_eq!(state.roster.len(), MAX_ROSTER);
    let said = events(&effects)
        .iter()
        .any(|e| e.to_line().contains("balcony keeps the first 100000"));
    assert!(said, "no event says the roster was cut");
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("roster has 100005 contacts")),
        "no notice says the roster was cut"
    );
}
