//! Checking a list before it is sent, and the problem sentences.

use super::*;

/// PRIV-11: an empty list is refused before it deletes anything.
#[test]
fn priv_11_empty_list() {
    assert_eq!(list(Vec::new()).validate(), vec![Problem::Empty]);
    assert!(!Problem::Empty.is_warning());
}

#[test]
fn valid_list_has_no_problems() {
    assert_eq!(edit_list().validate(), Vec::new());
    assert_eq!(
        PrivacyList::deny_jid("b", &[jid("a@b")]).validate(),
        Vec::new()
    );
}

/// PRIV-07: duplicates are reported once per order.
#[test]
fn priv_07_duplicate_order() {
    let l = list(vec![
        item(Some(ItemType::Jid), Some("a@b"), PrivacyAction::Deny, 5),
        item(Some(ItemType::Jid), Some("c@d"), PrivacyAction::Deny, 5),
        item(Some(ItemType::Jid), Some("e@f"), PrivacyAction::Deny, 5),
        PrivacyItem::fall_through(PrivacyAction::Allow, 9),
    ]);
    assert_eq!(l.validate(), vec![Problem::DuplicateOrder(5)]);
}

/// PRIV-06: values must fit their type.
#[test]
fn priv_06_item_problems() {
    let l = list(vec![
        item(Some(ItemType::Jid), None, PrivacyAction::Deny, 1),
        item(Some(ItemType::Jid), Some("a@b@c"), PrivacyAction::Deny, 2),
        item(
            Some(ItemType::Subscription),
            Some("pending"),
            PrivacyAction::Deny,
            3,
        ),
        item(Some(ItemType::Group), Some(""), PrivacyAction::Deny, 4),
        item(None, Some("x"), PrivacyAction::Deny, 5),
        item(
            Some(ItemType::Subscription),
            Some("none"),
            PrivacyAction::Deny,
            6,
        ),
    ]);
    assert_eq!(
        l.validate(),
        vec![
            Problem::MissingValue(1),
            Problem::BadJid {
                order: 2,
                value: "a@b@c".into()
            },
            Problem::BadSubscription {
                order: 3,
                value: "pending".into()
            },
            Problem::EmptyGroup(4),
            Problem::ValueWithoutType(5),
        ]
    );
    assert!(l.validate().iter().all(|p| !p.is_warning()));
}

/// PRIV-08: a fall-through before other items is a warning.
#[test]
fn priv_08_fall_through_not_last() {
    let l = list(vec![
        item(Some(ItemType::Jid), Some("a@b"), PrivacyAction::Deny, 20),
        PrivacyItem::fall_through(PrivacyAction::Allow, 10),
    ]);
    let problems = l.validate();
    assert_eq!(problems, vec![Problem::FallThroughNotLast(10)]);
    assert!(problems[0].is_warning());
}

#[test]
fn bad_names() {
    let mut l = edit_list();
    l.name = String::new();
    assert_eq!(l.validate(), vec![Problem::BadName]);
    l.name = "x".repeat(MAX_NAME_BYTES + 1);
    assert_eq!(l.validate(), vec![Problem::BadName]);
    l.name = "é".repeat(MAX_NAME_BYTES / 2);
    assert_eq!(l.validate(), Vec::new());
}

#[test]
fn problem_sentences() {
    assert_eq!(
        Problem::DuplicateOrder(5).to_string(),
        "More than one rule has order 5. Each rule needs its own number."
    );
    assert_eq!(
        Problem::BadSubscription {
            order: 3,
            value: "pending".into()
        }
        .to_string(),
        "Rule 3: \"pending\" is not a subscription state. Use both, to, from or none."
    );
    assert_eq!(
        Problem::FallThroughNotLast(10).to_string(),
        "Rule 10 matches everyone, so the rules after it never apply. Move it last."
    );
    assert_eq!(
        Problem::BadName.to_string(),
        "A list name must be between 1 and 1023 bytes long."
    );
}
