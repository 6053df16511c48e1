//! Roster commands: a set, then its result and its push in either order
//! (RFC 3921 §7.4–7.6, §8.2; RFC 6121 §2.3–2.5).

use super::*;

const ADD_BENVOLIO: &str = "request RosterSet { tag: 7 }: <iq type='set' id='ID'>\
     <query xmlns='jabber:iq:roster'><item jid='benvolio@example.org' name='Benvolio'/>\
     </query></iq>";
const BENVOLIO_PUSHED: &str =
    "<item jid='benvolio@example.org' name='Benvolio' subscription='none'/>";
const BENVOLIO_ROSTER: &str =
    "emit: roster benvolio@example.org name=\"Benvolio\" subscription=none groups=";
const SUBSCRIBE_BENVOLIO: &str =
    "presence: <presence to='benvolio@example.org' type='subscribe' id='ID'/>";

/// ROS-05, NEW-06: /add sends one item with `jid` and `name`, no `subscription` or `ask`.
#[test]
fn ros_05_new_06_add_sends_a_bare_item() {
    let mut state = logged_in();
    let effects = run(&mut state, 7, "/add benvolio@example.org Benvolio");
    assert_eq!(trace(&effects), [ADD_BENVOLIO]);
    // Local state changes only from the push (ROS-06).
    assert!(!state.roster.contains(&bare("benvolio@example.org")));
}

/// SUB-01, SUB-02: result then push: `subscribe` to the bare JID, then the result.
#[test]
fn sub_01_sub_02_add_subscribes_after_result_and_push() {
    let mut state = logged_in();
    run(&mut state, 7, "/add benvolio@example.org Benvolio");
    assert!(set_ok(&mut state, 7).is_empty());
    let effects = push_item(&mut state, BENVOLIO_PUSHED);
    assert_eq!(
        trace(&effects),
        [
            "save-roster",
            BENVOLIO_ROSTER,
            SUBSCRIBE_BENVOLIO,
            "emit: ok /add benvolio@example.org",
        ]
    );
    assert!(state.roster.contains(&bare("benvolio@example.org")));
}

/// SUB-02, ROS-06: push then result: the same outcome.
#[test]
fn sub_02_add_subscribes_after_push_and_result() {
    let mut state = logged_in();
    run(&mut state, 7, "/add benvolio@example.org Benvolio");
    assert_eq!(
        trace(&push_item(&mut state, BENVOLIO_PUSHED)),
        ["save-roster", BENVOLIO_ROSTER]
    );
    assert_eq!(
        trace(&set_ok(&mut state, 7)),
        [SUBSCRIBE_BENVOLIO, "emit: ok /add benvolio@example.org"]
    );
}

/// ROS-07: /add of a known contact without a name keeps its name and groups.
#[test]
fn ros_07_add_known_contact_keeps_the_item() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/add romeo@example.net");
    assert_eq!(
        trace(&effects),
        [
            "request RosterSet { tag: 1 }: <iq type='set' id='ID'><query xmlns='jabber:iq:roster'>\
          <item jid='romeo@example.net' name='Romeo'><group>Friends</group></item></query></iq>"
        ]
    );
}

/// ROS-15: adding ourselves fails locally (Prosody would answer `not-allowed`).
#[test]
fn ros_15_add_self_fails_without_request() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 1, "/add juliet@example.com")),
        ["emit: failed /add juliet@example.com: you cannot add yourself"]
    );
}

/// ROS-06, ROS-07: a push with the old name does not complete /rename; the new one does.
#[test]
fn ros_07_rename_waits_for_the_matching_push() {
    let mut state = logged_in();
    let effects = run(&mut state, 2, "/rename romeo@example.net Romeo Montague");
    assert_eq!(
        trace(&effects),
        [
            "request RosterSet { tag: 2 }: <iq type='set' id='ID'><query xmlns='jabber:iq:roster'>\
          <item jid='romeo@example.net' name='Romeo Montague'><group>Friends</group></item>\
          </query></iq>"
        ]
    );
    assert!(set_ok(&mut state, 2).is_empty());
    let stale = push_item(
        &mut state,
        "<item jid='romeo@example.net' name='Romeo' subscription='both' ask='subscribe'>\
         <group>Friends</group></item>",
    );
    assert!(
        events(&stale)
            .iter()
            .all(|e| !matches!(e, Event::Result { .. }))
    );
    let effects = push_item(
        &mut state,
        "<item jid='romeo@example.net' name='Romeo Montague' subscription='both'>\
         <group>Friends</group></item>",
    );
    assert_eq!(trace(&effects)[2..], ["emit: ok /rename romeo@example.net"]);
    assert!(sent_presences(&effects).is_empty());
}

/// ROS-07: /rename without a name leaves `name` out of the set.
#[test]
fn ros_07_rename_without_name_clears_it() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 2, "/rename nurse@example.com")),
        [
            "request RosterSet { tag: 2 }: <iq type='set' id='ID'><query xmlns='jabber:iq:roster'>\
          <item jid='nurse@example.com'/></query></iq>"
        ]
    );
}

/// ROS-07: /rename of a JID not in the roster fails without a request.
#[test]
fn ros_07_rename_unknown_contact_fails_locally() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 3, "/rename tybalt@example.org Tybalt")),
        ["emit: failed /rename tybalt@example.org: tybalt@example.org is not in your roster"]
    );
    assert!(state.roster_ops.drain().is_empty());
}

/// ROS-07: /group sends the whole item: the name is kept, the groups replaced.
#[test]
fn ros_07_group_keeps_the_name() {
    let mut state = logged_in();
    let effects = run(&mut state, 4, "/group romeo@example.net Verona, Household");
    assert_eq!(
        trace(&effects),
        [
            "request RosterSet { tag: 4 }: <iq type='set' id='ID'><query xmlns='jabber:iq:roster'>\
          <item jid='romeo@example.net' name='Romeo'><group>Verona</group>\
          <group>Household</group></item></query></iq>"
        ]
    );
    set_ok(&mut state, 4);
    // Groups are a set: the server may push them in another order.
    let effects = push_item(
        &mut state,
        "<item jid='romeo@example.net' name='Romeo' subscription='both'>\
         <group>Household</group><group>Verona</group></item>",
    );
    assert_eq!(trace(&effects)[2..], ["emit: ok /group romeo@example.net"]);
}

/// ROS-09, ROS-15: `item-not-found` fails /remove with a readable text.
#[test]
fn ros_15_item_not_found_is_a_readable_failure() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 5, "/remove nurse@example.com")),
        [
            "request RosterSet { tag: 5 }: <iq type='set' id='ID'><query xmlns='jabber:iq:roster'>\
          <item jid='nurse@example.com' subscription='remove'/></query></iq>"
        ]
    );
    let effects = set_failed(
        &mut state,
        5,
        ErrorType::Modify,
        StanzaCondition::ItemNotFound,
    );
    assert_eq!(
        trace(&effects),
        ["emit: failed /remove nurse@example.com: \
          that contact is not in your roster (item-not-found (modify))"]
    );
    assert!(last_notice(&state).is_error);
    assert!(state.roster.contains(&bare("nurse@example.com")));
    let late = push_item(
        &mut state,
        "<item jid='nurse@example.com' subscription='remove'/>",
    );
    assert!(
        events(&late)
            .iter()
            .all(|e| !matches!(e, Event::Result { .. }))
    );
}

/// ROS-15, NEW-07: other roster-set errors read as words too.
#[test]
fn ros_15_new_07_roster_errors_in_words() {
    let cases = [
        (
            StanzaCondition::NotAcceptable,
            "the server refused the name or a group",
        ),
        (StanzaCondition::ResourceConstraint, "your roster is full"),
        (
            StanzaCondition::NotAllowed,
            "the server does not allow that",
        ),
        (
            StanzaCondition::BadRequest,
            "the server found the request malformed",
        ),
    ];
    for (tag, (condition, words)) in (1..).zip(cases) {
        let mut state = logged_in();
        run(&mut state, tag, "/group romeo@example.net Verona");
        let effects = set_failed(&mut state, tag, ErrorType::Modify, condition);
        let [Event::Result { ok, text, .. }] = events(&effects)[..] else {
            panic!("one result expected: {:?}", trace(&effects));
        };
        assert!(!ok);
        assert!(text.starts_with(words), "{text}");
    }
}

/// ROS-06: the result of one command does not finish another's.
#[test]
fn ros_06_results_are_matched_by_tag() {
    let mut state = logged_in();
    run(&mut state, 1, "/rename nurse@example.com Angelica");
    run(&mut state, 2, "/group romeo@example.net Verona");
    assert!(set_ok(&mut state, 2).is_empty());
    let effects = push_item(
        &mut state,
        "<item jid='nurse@example.com' name='Angelica' subscription='none'/>",
    );
    assert!(
        events(&effects)
            .iter()
            .all(|e| !matches!(e, Event::Result { .. }))
    );
    assert_eq!(
        trace(&set_ok(&mut state, 1)),
        ["emit: ok /rename nurse@example.com"]
    );
}
