//! Roster results and pushes (RFC 3921 §7, §8; RFC 6121 §2.6).

use super::*;
use crate::app::presence::Availability;
use crate::app::roster::Fetch;
use crate::xmpp::stanza::roster::{RosterItem, Subscription};

fn item(jid: &str, subscription: Subscription) -> RosterItem {
    let mut item = RosterItem::new(bare(jid));
    item.subscription = subscription;
    item
}

/// ROS-03: a result replaces the cached roster: five cached, two returned, two left.
#[test]
fn ros_03_result_replaces_the_cached_roster() {
    let mut state = State::new(Preferences::default());
    let mut romeo = item("romeo@example.net", Subscription::Both);
    romeo.name = Some("Romeo".into());
    romeo.groups = vec!["Friends".into()];
    let cache = vec![
        romeo,
        item("a@example.org", Subscription::To),
        item("b@example.org", Subscription::From),
        item("c@example.org", Subscription::None),
        item("d@example.org", Subscription::Both),
    ];
    update(
        &mut state,
        Msg::RosterCache {
            ver: Some("old".into()),
            items: cache,
        },
    );
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert_eq!(effects[0], Effect::SaveRoster);
    assert_eq!(
        sorted_trace(&effects[1..effects.len() - 2]),
        [
            "emit: roster nurse@example.com name=\"Nurse\" subscription=none groups=",
            "emit: roster-removed a@example.org",
            "emit: roster-removed b@example.org",
            "emit: roster-removed c@example.org",
            "emit: roster-removed d@example.org",
        ]
    );
    assert_eq!(state.roster.len(), 2);
    assert!(state.roster.contains(&bare("nurse@example.com")));
    assert!(!state.roster.contains(&bare("a@example.org")));
    assert_eq!(state.roster.ver(), Some("ver1"));
}

/// A store read only for notices (the terminal UI) builds no roster event per contact, and
/// still takes the whole roster in.
#[test]
fn notices_only_builds_no_roster_events() {
    let mut state = State::new(Preferences::default());
    state.notices_only = true;
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert_eq!(effects[0], Effect::SaveRoster);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Emit(Event::Roster { .. }))),
        "{effects:?}"
    );
    assert_eq!(state.roster.len(), 2);
    assert!(state.roster.contains(&bare("nurse@example.com")));
}

/// NEW-03: an empty versioned result keeps the cache and its `ver`.
#[test]
fn new_03_empty_versioned_result_keeps_the_cache() {
    let mut state = State::new(Preferences::default());
    update(
        &mut state,
        Msg::RosterCache {
            ver: Some("ver14".into()),
            items: vec![item("romeo@example.net", Subscription::Both)],
        },
    );
    online(&mut state, features(true, false));
    let effects = roster_reply(&mut state, true, Ok(iq("<iq type='result' id='r1'/>")));
    assert_eq!(
        trace(&effects),
        ["save-roster", "presence: <presence/>", "startup"]
    );
    assert_eq!(state.roster.len(), 1);
    assert_eq!(state.roster.ver(), Some("ver14"));
    assert_eq!(state.roster.last_fetch, Some(Fetch::Unchanged));

    let effects = push(
        &mut state,
        "<query xmlns='jabber:iq:roster' ver='ver15'>\
         <item jid='nurse@example.com' subscription='none'/></query>",
    );
    assert_eq!(
        trace(&effects),
        [
            "save-roster",
            "emit: roster nurse@example.com name=\"\" subscription=none groups="
        ]
    );
    assert_eq!(state.roster.len(), 2);
    assert_eq!(state.roster.ver(), Some("ver15"));
}

/// ROS-14: a push before the result is applied after it, and its `ver` wins.
#[test]
fn ros_14_early_push_is_applied_after_the_result() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(true, false));
    let effects = push(
        &mut state,
        "<query xmlns='jabber:iq:roster' ver='ver2'>\
         <item jid='benvolio@example.org' name='Ben' subscription='to'/></query>",
    );
    assert_eq!(trace(&effects), ["save-roster"]);
    assert!(state.roster.is_empty());

    let effects = roster_reply(&mut state, true, Ok(iq(ROSTER)));
    assert!(trace(&effects).contains(
        &"emit: roster benvolio@example.org name=\"Ben\" subscription=to groups=".into()
    ));
    assert_eq!(state.roster.len(), 3);
    assert!(state.roster.contains(&bare("benvolio@example.org")));
    assert_eq!(state.roster.ver(), Some("ver2"));
}

/// ROS-10: a push with `subscription='remove'` deletes the item and its presence.
#[test]
fn ros_10_push_remove_deletes_item_and_presence() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    assert_eq!(
        state.presence.availability(&bare("romeo@example.net")),
        Availability::Online
    );
    let effects = push_item(
        &mut state,
        "<item jid='romeo@example.net' subscription='remove'/>",
    );
    assert_eq!(
        trace(&effects),
        ["save-roster", "emit: roster-removed romeo@example.net"]
    );
    assert!(!state.roster.contains(&bare("romeo@example.net")));
    assert!(state.presence.get(&bare("romeo@example.net")).is_none());
}

/// INT-06, INT-12: a push dropping `to` takes all the contact's resources offline.
#[test]
fn int_06_int_12_losing_to_clears_resources() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    presence(&mut state, "<presence from='romeo@example.net/balcony'/>");
    let effects = push_item(
        &mut state,
        "<item jid='romeo@example.net' name='Romeo' subscription='from'>\
         <group>Friends</group></item>",
    );
    assert_eq!(
        trace(&effects),
        [
            "save-roster",
            "emit: roster romeo@example.net name=\"Romeo\" subscription=from groups=Friends"
        ]
    );
    assert!(state.presence.get(&bare("romeo@example.net")).is_none());
    assert_eq!(
        state
            .roster
            .get(&bare("romeo@example.net"))
            .unwrap()
            .subscription,
        Subscription::From
    );
}

/// INT-06: a push that keeps `to` leaves presence alone.
#[test]
fn int_06_keeping_to_keeps_resources() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    push_item(
        &mut state,
        "<item jid='romeo@example.net' name='Romeo' subscription='to'>\
         <group>Friends</group></item>",
    );
    assert_eq!(
        state.presence.availability(&bare("romeo@example.net")),
        Availability::Online
    );
}

/// INT-09: the same push twice gives one Roster event.
#[test]
fn int_09_identical_push_twice_gives_one_event() {
    let mut state = logged_in();
    let push_to = "<item jid='nurse@example.com' name='Nurse' subscription='to'/>";
    assert_eq!(
        trace(&push_item(&mut state, push_to)),
        [
            "save-roster",
            "emit: roster nurse@example.com name=\"Nurse\" subscription=to groups="
        ]
    );
    assert_eq!(trace(&push_item(&mut state, push_to)), ["save-roster"]);
    assert_eq!(state.roster.len(), 2);
}

/// ROS-04, ROS-16: names and groups are kept exactly; an item may sit in several groups.
#[test]
fn ros_16_names_and_groups_are_opaque() {
    let mut state = logged_in();
    push_item(
        &mut state,
        "<item jid='nurse@example.com' name=' The  Nurse ' subscription='none'>\
         <group>House hold</group><group>verona</group></item>",
    );
    let nurse = state.roster.item(&bare("nurse@example.com")).unwrap();
    assert_eq!(nurse.name.as_deref(), Some(" The  Nurse "));
    assert_eq!(nurse.groups, ["House hold", "verona"]);
}
