//! Presence in and out (RFC 3921 §5).

use super::*;
use crate::app::presence::Availability;
use crate::xmpp::stanza::presence::Show;

fn romeo() -> BareJid {
    bare("romeo@example.net")
}

/// PRES-10: each resource is tracked; the summary comes from the highest priority.
#[test]
fn pres_10_summary_from_highest_priority() {
    let mut state = logged_in();
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net/orchard'>\
         <show>away</show><priority>1</priority></presence>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: presence romeo@example.net/orchard away priority=1"]
    );
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net/balcony'><show>dnd</show>\
         <status>busy</status><priority>5</priority></presence>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: presence romeo@example.net/balcony dnd priority=5 \"busy\""]
    );
    let entity = state.presence.get(&romeo()).unwrap();
    assert_eq!(entity.resources.len(), 2);
    assert_eq!(entity.top().unwrap().0, "balcony");
    assert_eq!(state.presence.availability(&romeo()), Availability::Dnd);
}

/// PRES-11: `unavailable` from a full JID removes one resource, from the bare JID all.
#[test]
fn pres_11_unavailable_full_then_bare() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    presence(&mut state, "<presence from='romeo@example.net/balcony'/>");
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net/orchard' type='unavailable'/>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: presence romeo@example.net/orchard offline priority=0"]
    );
    let entity = state.presence.get(&romeo()).unwrap();
    assert_eq!(entity.resources.keys().collect::<Vec<_>>(), ["balcony"]);

    presence(
        &mut state,
        "<presence from='romeo@example.net' type='unavailable'>\
         <status>gone home</status></presence>",
    );
    assert_eq!(state.presence.availability(&romeo()), Availability::Offline);
    let entity = state.presence.get(&romeo()).unwrap();
    assert!(entity.resources.is_empty());
    assert_eq!(entity.last_status.as_deref(), Some("gone home"));
}

/// PRES-12, SYN-15: a presence error marks the contact unreachable.
#[test]
fn pres_12_error_marks_the_contact_unreachable() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net' type='error'><error type='cancel'>\
         <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: presence-error romeo@example.net: remote-server-not-found (cancel)"]
    );
    let entity = state.presence.get(&romeo()).unwrap();
    assert!(entity.resources.is_empty());
    assert_eq!(
        entity.error,
        Some(Box::new(StanzaError::new(
            ErrorType::Cancel,
            StanzaCondition::RemoteServerNotFound
        )))
    );
    assert_eq!(state.presence.availability(&romeo()), Availability::Error);
}

/// PRES-06: a probe is ignored: no effects, no state change.
#[test]
fn pres_06_probe_is_ignored() {
    let mut state = logged_in();
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net' type='probe'/>",
    );
    assert!(effects.is_empty());
    assert!(state.presence.is_empty());
}

/// PRES-13: our other resources are "my devices"; our own reflection is ignored.
#[test]
fn pres_13_own_resources_are_not_contacts() {
    let mut state = logged_in();
    let effects = presence(
        &mut state,
        "<presence from='juliet@example.com/chamber'><show>away</show></presence>",
    );
    assert!(effects.is_empty());
    assert!(state.presence.is_empty());
    let chamber = &state.own_resources.resources["chamber"];
    assert_eq!(chamber.show, Some(Show::Away));

    assert!(presence(&mut state, "<presence from='juliet@example.com/balcony'/>").is_empty());
    assert_eq!(state.own_resources.resources.len(), 1);

    presence(
        &mut state,
        "<presence from='juliet@example.com/chamber' type='unavailable'/>",
    );
    assert!(state.own_resources.resources.is_empty());
    assert!(state.presence.is_empty());
}

/// PRES-14, PRES-15: subscription stanzas keep availability; presence never edits the roster.
#[test]
fn pres_14_pres_15_presence_never_changes_the_roster() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    for kind in ["subscribe", "subscribed", "unsubscribe", "unsubscribed"] {
        let effects = presence(
            &mut state,
            &format!("<presence from='romeo@example.net/orchard' type='{kind}'/>"),
        );
        assert!(
            events(&effects)
                .iter()
                .all(|e| !matches!(e, Event::Presence { .. }))
        );
        assert_eq!(state.presence.availability(&romeo()), Availability::Online);
    }
    presence(&mut state, "<presence from='nurse2@example.com/kitchen'/>");
    assert_eq!(state.roster.len(), 2);
    assert!(state.presence.get(&bare("nurse2@example.com")).is_some());
}

/// PRES-15: beyond `MAX_STRANGERS` new strangers are dropped; known ones still update.
#[test]
fn pres_15_strangers_are_bounded() {
    use crate::app::presence::update::MAX_STRANGERS;
    let mut state = logged_in();
    for i in 0..MAX_STRANGERS {
        let mut p = Presence::available();
        p.from = Some(jid::Jid::new(&format!("s{i}@spam.example/x")).unwrap());
        session(&mut state, SessionEvent::Presence(p));
    }
    assert_eq!(state.presence.len(), MAX_STRANGERS);
    let dropped = presence(&mut state, "<presence from='new@spam.example/x'/>");
    assert!(dropped.is_empty());
    assert_eq!(state.presence.len(), MAX_STRANGERS);
    assert_eq!(
        presence(&mut state, "<presence from='s1@spam.example/y'/>").len(),
        1
    );
    assert_eq!(
        presence(&mut state, "<presence from='romeo@example.net/orchard'/>").len(),
        1
    );
    assert_eq!(state.presence.len(), MAX_STRANGERS + 1);
}

/// PRES-15: presence errors from strangers respect the same bound.
#[test]

fn pres_15_stranger_errors_are_bounded() {
    use crate::app::presence::update::MAX_STRANGERS;
    let mut state = logged_in();
    for i in 0..(MAX_STRANGERS + 50) {
        let xml = format!(
            "<presence from='e{i}@spam.example' type='error'><error type='cancel'>\
             <gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"
        );
        presence(&mut state, &xml);
    }
    assert!(state.presence.len() <= MAX_STRANGERS);
}

/// PRES-05: /status sends broadcast presence with show and status.
#[test]
fn pres_05_status_broadcasts_presence() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 1, "/status xa at the masque")),
        [
            "presence: <presence><show>xa</show><status>at the masque</status></presence>",
            "emit: ok /status xa",
        ]
    );
    assert_eq!(state.own.show, Some(Show::Xa));
    assert_eq!(
        sent_presences(&run(&mut state, 2, "/status online")),
        ["<presence/>"]
    );
}

/// PRES-16, SYN-13: a negative priority is sent, with a warning.
#[test]
fn pres_16_negative_priority_warns() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 1, "/priority -1")),
        [
            "presence: <presence><priority>-1</priority></presence>",
            "emit: ok /priority -1: negative priority: \
             this resource will get no messages sent to your bare JID",
        ]
    );
    assert_eq!(state.own.priority, -1);
    assert!(command::parse("/priority 128").is_err());
}

/// PRES-07, PRES-08: directed presence is sent and remembered; `unavailable` ends it.
#[test]
fn pres_07_pres_08_directed_presence() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(
            &mut state,
            1,
            "/presence nurse@example.com chat ask me about the feast"
        )),
        [
            "presence: <presence to='nurse@example.com'><show>chat</show>\
             <status>ask me about the feast</status></presence>",
            "emit: ok /presence nurse@example.com: directed presence sent",
        ]
    );
    assert_eq!(state.directed["nurse@example.com"].show, Some(Show::Chat));
    assert_eq!(
        trace(&run(
            &mut state,
            2,
            "/presence nurse@example.com unavailable"
        )),
        [
            "presence: <presence to='nurse@example.com' type='unavailable'/>",
            "emit: ok /presence nurse@example.com: directed unavailable sent",
        ]
    );
    assert!(state.directed.is_empty());
}

/// PRES-09: /quit sends broadcast `unavailable` with the reason, then closes.
#[test]
fn pres_09_quit_sends_unavailable_then_disconnects() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 1, "/quit logging off")),
        [
            "presence: <presence type='unavailable'><status>logging off</status></presence>",
            "disconnect",
            "emit: ok /quit",
        ]
    );
    assert!(state.quitting);
}

/// PRES-09, PRES-04: /quit before initial presence sends no `unavailable`.
#[test]
fn pres_09_quit_before_initial_presence_sends_none() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(false, false));
    assert_eq!(
        trace(&run(&mut state, 1, "/quit")),
        ["disconnect", "emit: ok /quit"]
    );
}

/// PRES-08: directed presence ended through the bare JID is ended for the
/// resources that held it too: a reconnect does not send it to them again.
#[test]
fn pres_08_directed_presence_revoked_via_bare_jid_stays_revoked() {
    let mut state = logged_in();
    run(&mut state, 1, "/presence nurse@example.com/kitchen chat");
    run(&mut state, 2, "/presence tybalt@example.org/sword chat");
    run(&mut state, 3, "/presence nurse@example.com unavailable");
    session(
        &mut state,
        SessionEvent::Reconnecting {
            error: "gone".into(),
            attempt: 1,
            retry_in: std::time::Duration::from_secs(1),
        },
    );
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert_eq!(
        sent_presences(&effects),
        [
            "<presence/>",
            "<presence to='tybalt@example.org/sword'><show>chat</show></presence>"
        ]
    );
}
