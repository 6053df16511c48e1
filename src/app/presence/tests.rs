#![allow(clippy::unwrap_used)]
use super::*;
use crate::xmpp::error::{ErrorType, StanzaCondition};

fn romeo() -> BareJid {
    BareJid::new("romeo@example.net").unwrap()
}

/// PRES-10: the summary comes from the highest priority, then the newest.
#[test]
fn pres_10_aggregates_by_priority_then_recency() {
    let mut book = PresenceBook::default();
    book.set_available(&romeo(), "orchard", Some(Show::Away), None, 1, false);
    book.set_available(
        &romeo(),
        "balcony",
        Some(Show::Dnd),
        Some("busy".into()),
        5,
        false,
    );
    let entity = book.get(&romeo()).unwrap();
    assert_eq!(entity.top().unwrap().0, "balcony");
    assert_eq!(book.availability(&romeo()), Availability::Dnd);
    // A tie goes to the most recent.
    book.set_available(&romeo(), "orchard", Some(Show::Chat), None, 5, false);
    assert_eq!(book.get(&romeo()).unwrap().top().unwrap().0, "orchard");
    assert_eq!(book.availability(&romeo()), Availability::Chat);
}

/// PRES-11: unavailable from a full JID removes that resource, from the
/// bare JID all of them.
#[test]
fn pres_11_unavailable_full_and_bare() {
    let mut book = PresenceBook::default();
    book.set_available(&romeo(), "a", None, None, 0, false);
    book.set_available(&romeo(), "b", None, None, 0, false);
    book.set_unavailable(&romeo(), Some("a"), None);
    assert_eq!(book.get(&romeo()).unwrap().resources.len(), 1);
    book.set_unavailable(&romeo(), None, Some("gone home".into()));
    assert_eq!(book.availability(&romeo()), Availability::Offline);
    assert_eq!(
        book.get(&romeo()).unwrap().last_status.as_deref(),
        Some("gone home")
    );
}

/// PRES-12: an error marks the entity unreachable until it is heard from.
#[test]
fn pres_12_error_marks_unreachable() {
    let mut book = PresenceBook::default();
    book.set_available(&romeo(), "a", None, None, 0, false);
    book.set_error(
        &romeo(),
        StanzaError::new(ErrorType::Cancel, StanzaCondition::RemoteServerNotFound),
        false,
    );
    assert_eq!(book.availability(&romeo()), Availability::Error);
    book.set_available(&romeo(), "a", None, None, 0, false);
    assert_eq!(book.availability(&romeo()), Availability::Online);
}

/// Hostile input: resources beyond the limit are refused.
#[test]
fn resource_count_is_bounded() {
    let mut book = PresenceBook::default();
    for i in 0..(MAX_RESOURCES + 10) {
        book.set_available(&romeo(), &i.to_string(), None, None, 0, false);
    }
    assert_eq!(book.get(&romeo()).unwrap().resources.len(), MAX_RESOURCES);
}
