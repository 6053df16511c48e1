//! Routing-related behaviour that needs no server: what we send without
//! `to`, what we do not acknowledge, and remote failures.

use super::*;
use crate::app::presence::Availability;

/// RTE-08, ROS-17: account-level requests (the roster get, a roster set)
/// carry no `to`.
#[test]
fn rte_08_account_requests_have_no_to() {
    let mut state = State::new(Preferences::default());
    let effects = online(&mut state, features(true, false));
    let get = effects
        .iter()
        .find_map(|e| match e {
            Effect::Request { query, .. } => Some(query.to_iq("example.com").to_element()),
            _ => None,
        })
        .expect("the roster get");
    assert_eq!(get.attr("to"), None);
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/rename romeo@example.net Romeo M.");
    let set = effects
        .iter()
        .find_map(|e| match e {
            Effect::Request { query, .. } => Some(query.to_iq("example.com").to_element()),
            _ => None,
        })
        .expect("the roster set");
    assert_eq!(set.attr("to"), None);
}

/// INT-10, NEW-14: the §9.4 acknowledgements are off: `subscribed`,
/// `unsubscribed` and `unsubscribe` from a contact are notices and send
/// nothing back.
#[test]
fn int_10_no_acknowledgements_by_default() {
    let mut state = logged_in();
    for kind in ["subscribed", "unsubscribed", "unsubscribe"] {
        let effects = presence(
            &mut state,
            &format!("<presence from='romeo@example.net' type='{kind}'/>"),
        );
        assert!(
            sent_presences(&effects).is_empty(),
            "{kind}: {:?}",
            trace(&effects)
        );
        assert!(
            events(&effects)
                .iter()
                .any(|e| matches!(e, Event::SubscriptionNotice { kind: k, .. } if k == kind)),
            "{kind}"
        );
    }
}

/// RTE-09, PRES-12: a remote-server failure is shown on that contact and
/// nothing is retried.
#[test]
fn rte_09_remote_failure_shown_on_contact_without_retry() {
    let mut state = logged_in();
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net' type='error'><error type='cancel'>\
         <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    );
    assert!(sent_presences(&effects).is_empty(), "{:?}", trace(&effects));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Request { .. } | Effect::SendMessage(_)))
    );
    assert_eq!(
        state.presence.availability(&bare("romeo@example.net")),
        Availability::Error
    );
    let entity = state
        .presence
        .get(&bare("romeo@example.net"))
        .expect("entity");
    assert_eq!(
        entity.error.as_ref().map(|e| e.condition),
        Some(StanzaCondition::RemoteServerNotFound)
    );
}
