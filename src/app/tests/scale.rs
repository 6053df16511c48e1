//! Scale sanity (not timing): a big roster and a presence burst cost one
//! event per stanza and never rebuild the roster.

use super::*;
use crate::app::inbound::MAX_STRANGERS;
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
