//! Which item applies: the JID forms, groups, subscriptions, stanza kinds
//! and the lowest order.

use super::*;

/// PRIV-06: the four JID forms.
#[test]
fn priv_06_jid_matching() {
    let entry = |value: &str| item(Some(ItemType::Jid), Some(value), PrivacyAction::Deny, 1);
    let m = |value: &str, candidate: &str| entry(value).matches(&jid(candidate), &[], "none");
    // Full: only that resource.
    assert!(m("romeo@example.net/orchard", "romeo@example.net/orchard"));
    assert!(!m("romeo@example.net/orchard", "romeo@example.net/balcony"));
    assert!(!m("romeo@example.net/orchard", "romeo@example.net"));
    // Bare: every resource, and the bare JID itself.
    assert!(m("romeo@example.net", "romeo@example.net/orchard"));
    assert!(m("romeo@example.net", "romeo@example.net"));
    assert!(!m("romeo@example.net", "juliet@example.net"));
    // domain/resource: that resource anywhere in the domain.
    assert!(m("example.net/bot", "example.net/bot"));
    assert!(m("example.net/bot", "romeo@example.net/bot"));
    assert!(!m("example.net/bot", "example.net/other"));
    assert!(!m("example.net/bot", "example.net"));
    // Domain: everything in it, but not subdomains or other domains.
    assert!(m("example.net", "example.net"));
    assert!(m("example.net", "romeo@example.net/orchard"));
    assert!(m("example.net", "example.net/x"));
    assert!(!m("example.net", "conference.example.net"));
    assert!(!m("example.net", "romeo@example.com"));
    // Values are compared normalised; bad values match nothing.
    assert!(m("Romeo@Example.NET", "romeo@example.net/orchard"));
    assert!(!m("a@b@c", "a@b"));
}

/// PRIV-06: groups and subscriptions; strangers are `none` with no
/// groups.
#[test]
fn priv_06_group_and_subscription_matching() {
    let g = item(
        Some(ItemType::Group),
        Some("Montagues"),
        PrivacyAction::Deny,
        1,
    );
    let romeo = jid("romeo@example.net");
    assert!(g.matches(&romeo, &["Friends".into(), "Montagues".into()], "both"));
    assert!(!g.matches(&romeo, &["montagues".into()], "both"));
    assert!(!g.matches(&romeo, &[], "none"));
    let s = item(
        Some(ItemType::Subscription),
        Some("from"),
        PrivacyAction::Deny,
        2,
    );
    assert!(s.matches(&romeo, &[], "from"));
    assert!(!s.matches(&romeo, &[], "both"));
    assert!(PrivacyItem::fall_through(PrivacyAction::Allow, 3).matches(&romeo, &[], "none"));
}

/// Stanza kinds do not change whether an item matches.
#[test]
fn matches_ignores_stanza_kinds() {
    let mut i = item(
        Some(ItemType::Jid),
        Some("romeo@example.net"),
        PrivacyAction::Deny,
        1,
    );
    i.stanzas.presence_out = true;
    assert!(i.matches(&jid("romeo@example.net/orchard"), &[], "both"));
}

/// PRIV-06: the lowest matching order decides, even in an unsorted list.
#[test]
fn first_match_wins() {
    let l = list(vec![
        PrivacyItem::fall_through(PrivacyAction::Allow, 100),
        item(
            Some(ItemType::Jid),
            Some("example.net"),
            PrivacyAction::Allow,
            20,
        ),
        item(
            Some(ItemType::Jid),
            Some("romeo@example.net"),
            PrivacyAction::Deny,
            10,
        ),
    ]);
    let romeo = jid("romeo@example.net/orchard");
    assert_eq!(
        l.first_match(StanzaKind::Message, &romeo, &[], "both")
            .unwrap()
            .order,
        10
    );
    let benvolio = jid("benvolio@example.net");
    assert_eq!(
        l.first_match(StanzaKind::Message, &benvolio, &[], "none")
            .unwrap()
            .order,
        20
    );
    let nurse = jid("nurse@example.com");
    assert_eq!(
        l.first_match(StanzaKind::Message, &nurse, &[], "none")
            .unwrap()
            .order,
        100
    );
    let no_fall_through = list(vec![item(
        Some(ItemType::Jid),
        Some("romeo@example.net"),
        PrivacyAction::Deny,
        1,
    )]);
    assert_eq!(
        no_fall_through.first_match(StanzaKind::Message, &nurse, &[], "none"),
        None
    );
}

/// PRIV-22: an item that does not cover the stanza's kind is skipped,
/// as the server does: a deny of presence-in alone is not the match for
/// a message, so the deny-all rule after it decides.
#[test]
fn priv_22_first_match_respects_stanza_kinds() {
    let mut presence_only = item(
        Some(ItemType::Jid),
        Some("tybalt@example.com"),
        PrivacyAction::Deny,
        10,
    );
    presence_only.stanzas.presence_in = true;
    let mut allow_iq = item(
        Some(ItemType::Jid),
        Some("tybalt@example.com"),
        PrivacyAction::Allow,
        15,
    );
    allow_iq.stanzas.iq = true;
    let l = list(vec![
        presence_only,
        allow_iq,
        item(
            Some(ItemType::Jid),
            Some("tybalt@example.com"),
            PrivacyAction::Deny,
            20,
        ),
        PrivacyItem::fall_through(PrivacyAction::Allow, 100),
    ]);
    let tybalt = jid("tybalt@example.com/street");
    let order = |kind| l.first_match(kind, &tybalt, &[], "none").map(|i| i.order);
    assert_eq!(order(StanzaKind::PresenceIn), Some(10));
    assert_eq!(order(StanzaKind::Iq), Some(15));
    assert_eq!(order(StanzaKind::Message), Some(20));
    assert_eq!(order(StanzaKind::PresenceOut), Some(20));
    assert!(StanzaKinds::default().covers(StanzaKind::Message));
    let only_out = StanzaKinds {
        presence_out: true,
        ..StanzaKinds::default()
    };
    assert!(only_out.covers(StanzaKind::PresenceOut));
    assert!(!only_out.covers(StanzaKind::Message));
}
