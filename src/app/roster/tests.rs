#![allow(clippy::unwrap_used)]
use super::*;
use crate::app::roster::order::{compare, lists_of};

fn item(jid: &str, subscription: Subscription) -> RosterItem {
    let mut item = RosterItem::new(BareJid::new(jid).unwrap());
    item.subscription = subscription;
    item
}

fn loaded(items: Vec<RosterItem>) -> Roster {
    let mut roster = Roster::default();
    roster.apply_result(Some((Some("1".into()), items)));
    roster
}

/// ROS-03: a result replaces the whole roster.
#[test]
fn ros_03_result_replaces() {
    let mut roster = loaded(vec![
        item("a@x", Subscription::Both),
        item("b@x", Subscription::To),
        item("c@x", Subscription::None),
    ]);
    roster.begin_session();
    let changes = roster.apply_result(Some((
        Some("2".into()),
        vec![
            item("a@x", Subscription::Both),
            item("d@x", Subscription::From),
        ],
    )));
    assert_eq!(roster.len(), 2);
    assert_eq!(roster.ver(), Some("2"));
    assert_eq!(
        changes
            .iter()
            .filter(|c| matches!(c, RosterChange::Removed(_)))
            .count(),
        2
    );
    assert!(changes.contains(&RosterChange::Added(BareJid::new("d@x").unwrap())));
}

/// NEW-03: an empty versioned result keeps the cached roster.
#[test]
fn new_03_empty_result_keeps_cache() {
    let mut roster = Roster::default();
    roster.load_cache(Some("7".into()), vec![item("a@x", Subscription::Both)]);
    assert_eq!(roster.request_ver(), "7");
    let changes = roster.apply_result(None);
    assert!(changes.is_empty());
    assert_eq!(roster.len(), 1);
    assert_eq!(roster.ver(), Some("7"));
}

/// NEW-02: without a cache the version sent is empty.
#[test]
fn new_02_no_cache_sends_empty_ver() {
    assert_eq!(Roster::default().request_ver(), "");
}

/// ROS-14: pushes before the result are applied after it.
#[test]
fn ros_14_early_pushes_are_queued() {
    let mut roster = Roster::default();
    assert_eq!(
        roster.apply_push(item("p@x", Subscription::None), Some("5".into())),
        None
    );
    assert!(roster.is_empty());
    let changes = roster.apply_result(Some((
        Some("4".into()),
        vec![item("a@x", Subscription::To)],
    )));
    assert_eq!(roster.len(), 2);
    assert_eq!(roster.ver(), Some("5"));
    assert!(changes.contains(&RosterChange::Added(BareJid::new("p@x").unwrap())));
}

/// INT-09: the same push twice is one change; ROS-10: remove deletes.
#[test]
fn int_09_idempotent_pushes_and_ros_10_remove() {
    let mut roster = loaded(vec![]);
    let push = item("a@x", Subscription::To);
    assert!(roster.apply_push(push.clone(), None).is_some());
    assert_eq!(roster.apply_push(push, None), None);
    let removed = roster.apply_push(item("a@x", Subscription::Remove), Some("9".into()));
    assert!(matches!(removed, Some(RosterChange::Removed(_))));
    assert!(roster.is_empty());
    assert_eq!(roster.ver(), Some("9"));
    assert_eq!(
        roster.apply_push(item("a@x", Subscription::Remove), None),
        None
    );
}

/// Hostile input: pushes cannot grow the roster past its cap.
#[test]
fn pushes_are_bounded() {
    let mut roster = loaded(
        (0..MAX_ROSTER)
            .map(|i| item(&format!("c{i}@x"), Subscription::None))
            .collect(),
    );
    assert_eq!(
        roster.apply_push(item("one-more@x", Subscription::None), None),
        None
    );
    assert_eq!(roster.len(), MAX_ROSTER);
    // An existing item can still change.
    assert!(
        roster
            .apply_push(item("c1@x", Subscription::Both), None)
            .is_some()
    );
}

fn named(jid: &str, name: Option<&str>, groups: &[&str]) -> RosterItem {
    let mut item = item(jid, Subscription::Both);
    item.name = name.map(str::to_owned);
    item.groups = groups.iter().map(|g| (*g).to_owned()).collect();
    item
}

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).unwrap()
}

/// The JIDs of a list, in order.
fn listed(roster: &Roster, list: ListId) -> Vec<&str> {
    roster
        .list(list)
        .iter()
        .map(|id| roster.contact(*id).unwrap().jid.as_str())
        .collect()
}

fn group(roster: &Roster, name: &str) -> ListId {
    ListId::Group(roster.groups.id(name).unwrap())
}

/// Every list holds exactly its members in display order, the index
/// finds every contact, and the online count is right.
fn assert_consistent(roster: &Roster) {
    let mut lists: std::collections::HashMap<ListId, Vec<&Contact>> = Default::default();
    for (id, contact) in roster.contacts() {
        assert_eq!(roster.id_of(&contact.jid), Some(id));
        for list in lists_of(contact) {
            lists.entry(list).or_default().push(contact);
        }
    }
    for (list, mut members) in lists {
        members.sort_by(|a, b| compare(a, b));
        let expected: Vec<&str> = members.iter().map(|c| c.jid.as_str()).collect();
        assert_eq!(listed(roster, list), expected, "{list:?}");
    }
    let groups: BTreeSet<String> = roster
        .contacts()
        .flat_map(|(_, c)| roster.group_names(c).map(str::to_owned))
        .collect();
    let in_table: BTreeSet<String> = roster.groups().into_iter().map(str::to_owned).collect();
    assert_eq!(groups, in_table);
    let online = roster
        .contacts()
        .filter(|(_, c)| is_available(c.availability))
        .count();
    assert_eq!(roster.online(), online);
}

/// Within a group: available first, then by name ignoring case and
/// control characters, then by JID; a contact in two groups is in both.
#[test]
fn lists_follow_availability_then_name_then_jid() {
    let mut roster = loaded(vec![
        named("b@x", Some("bob"), &["Friends"]),
        named("a@x", Some("Bob"), &["Friends", "Work"]),
        named("c@x", Some("\u{1b}Alice"), &["Friends"]),
        named("d@x", None, &[]),
        named("e@x", Some("Zed"), &["Friends"]),
    ]);
    assert_eq!(
        listed(&roster, group(&roster, "Friends")),
        ["c@x", "a@x", "b@x", "e@x"]
    );
    assert_eq!(listed(&roster, group(&roster, "Work")), ["a@x"]);
    assert_eq!(listed(&roster, ListId::Ungrouped), ["d@x"]);
    roster.set_availability(&bare("e@x"), Availability::Away);
    roster.set_availability(&bare("b@x"), Availability::Chat);
    assert_eq!(
        listed(&roster, group(&roster, "Friends")),
        ["b@x", "e@x", "c@x", "a@x"]
    );
    assert_eq!(roster.available_in(group(&roster, "Friends")), 2);
    assert_eq!(roster.online(), 2);
    assert_consistent(&roster);
}

/// A presence change puts one contact into place: no list is sorted
/// again, whatever the roster's size.
#[test]
fn availability_change_moves_one_contact_without_sorting() {
    let mut roster = loaded(
        (0..5_000)
            .map(|i| named(&format!("c{i:04}@x"), None, &["All"]))
            .collect(),
    );
    let sorts = roster.order().full_sorts();
    let moves = roster.order().moves();
    roster.set_availability(&bare("c4999@x"), Availability::Online);
    assert_eq!(roster.order().full_sorts(), sorts);
    assert_eq!(roster.order().moves(), moves + 1);
    let all = group(&roster, "All");
    assert_eq!(listed(&roster, all)[..2], ["c4999@x", "c0000@x"]);
    assert_eq!(
        roster.position(all, roster.id_of(&bare("c0000@x")).unwrap()),
        Some(1)
    );
    // The same availability again changes nothing.
    roster.set_availability(&bare("c4999@x"), Availability::Online);
    assert_eq!(roster.order().moves(), moves + 1);
    // Someone outside the roster changes nothing either.
    roster.set_availability(&bare("stranger@x"), Availability::Online);
    assert_eq!(roster.online(), 1);
    roster.reset_availability();
    assert_eq!(roster.online(), 0);
    assert_eq!(listed(&roster, all)[4_999], "c4999@x");
}

/// Pushes, removals, regrouping and presence in a long pseudo-random
/// sequence leave the lists exactly as a fresh sort would.
#[test]
fn incremental_order_matches_a_fresh_sort() {
    let mut roster = loaded(vec![]);
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let names = [None, Some("Ann"), Some("ann"), Some("Bea"), Some("zed")];
    let groups: [&[&str]; 5] = [&[], &["A"], &["B"], &["A", "B"], &["C", "A", "B"]];
    let shows = [
        Availability::Offline,
        Availability::Online,
        Availability::Away,
        Availability::Dnd,
        Availability::Error,
    ];
    for step in 0..3_000 {
        let jid = format!("c{}@x", next(60));
        match next(4) {
            0 | 1 => {
                let name = names[next(5) as usize];
                let item = named(&jid, name, groups[next(5) as usize]);
                roster.apply_push(item, None);
            }
            2 => {
                roster.apply_push(item(&jid, Subscription::Remove), None);
            }
            _ => roster.set_availability(&bare(&jid), shows[next(5) as usize]),
        }
        if step % 100 == 0 {
            assert_consistent(&roster);
        }
    }
    assert_consistent(&roster);
    // A result replaces it all and keeps the survivors' presence.
    let survivor = roster
        .contacts()
        .next()
        .map(|(_, c)| c.jid.clone())
        .unwrap();
    roster.set_availability(&survivor, Availability::Chat);
    roster.apply_result(Some((None, vec![named(survivor.as_str(), None, &["New"])])));
    assert_eq!(roster.len(), 1);
    assert_eq!(
        roster.get(&survivor).unwrap().availability,
        Availability::Chat
    );
    assert_eq!(roster.groups().into_iter().collect::<Vec<_>>(), ["New"]);
    assert_consistent(&roster);
}

/// ROS-16: an item comes back exactly as it was pushed, and a repeat
/// of it is no change.
#[test]
fn items_round_trip_through_the_compact_form() {
    let mut roster = loaded(vec![]);
    let mut pushed = named(
        "romeo@example.net",
        Some("Romeo, a name longer than twenty-four bytes"),
        &["Verona", "Friends", "Montague"],
    );
    pushed.ask = true;
    pushed.approved = true;
    pushed.subscription = Subscription::From;
    roster.apply_push(pushed.clone(), None);
    assert_eq!(roster.item(&pushed.jid), Some(pushed.clone()));
    assert_eq!(roster.items().collect::<Vec<_>>(), [pushed.clone()]);
    assert_eq!(roster.apply_push(pushed.clone(), None), None);
    // Reordered groups are a change (document order is kept).
    pushed.groups.swap(0, 1);
    assert!(roster.apply_push(pushed.clone(), None).is_some());
    assert_eq!(roster.item(&pushed.jid).unwrap().groups, pushed.groups);
}

/// Group names are stored once and go with their last member.
#[test]
fn group_names_are_interned_and_freed() {
    let mut roster = loaded(vec![
        named("a@x", None, &["Friends"]),
        named("b@x", None, &["Friends", "Work"]),
    ]);
    let a = roster.get(&bare("a@x")).unwrap().groups.iter().next();
    let b = roster.get(&bare("b@x")).unwrap().groups.iter().next();
    assert_eq!(a, b);
    roster.apply_push(named("b@x", None, &[]), None);
    assert_eq!(roster.groups().into_iter().collect::<Vec<_>>(), ["Friends"]);
    roster.apply_push(item("a@x", Subscription::Remove), None);
    assert!(roster.groups().is_empty());
    assert_eq!(listed(&roster, ListId::Ungrouped), ["b@x"]);
}

#[test]
fn groups_are_listed_once() {
    let mut a = item("a@x", Subscription::Both);
    a.groups = vec!["Friends".into(), "Work".into()];
    let mut b = item("b@x", Subscription::Both);
    b.groups = vec!["Friends".into()];
    let roster = loaded(vec![a, b]);
    assert_eq!(
        roster.groups().into_iter().collect::<Vec<_>>(),
        ["Friends", "Work"]
    );
}
