//! Subscriptions: requests wait for the user, answers go to the bare JID,
//! notices never touch the roster (RFC 3921 §6, §9; RFC 6121 §3.4).

use super::*;
use crate::app::ApprovePolicy;

const MERCUTIO_ASKS: &str = "<presence from='mercutio@example.org/home' type='subscribe'>\
     <status>It's Mercutio</status></presence>";

/// SUB-04, SUB-06, SEC-04: an inbound `subscribe` waits for the user, never approved.
#[test]
fn sub_04_sub_06_sec_04_request_waits_for_the_user() {
    let mut state = logged_in();
    let effects = presence(&mut state, MERCUTIO_ASKS);
    assert_eq!(
        trace(&effects),
        ["emit: subscription-request mercutio@example.org \"It's Mercutio\""]
    );
    let list = state.pending.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].jid, bare("mercutio@example.org"));
    assert_eq!(list[0].greeting.as_deref(), Some("It's Mercutio"));
    assert!(!state.roster.contains(&bare("mercutio@example.org")));
    assert!(state.presence.is_empty());
}

/// SUB-07: the same request delivered again is one prompt and one event.
#[test]
fn sub_07_repeated_request_prompts_once() {
    let mut state = logged_in();
    presence(&mut state, MERCUTIO_ASKS);
    let notices = state.notices.len();
    let again = presence(
        &mut state,
        "<presence from='mercutio@example.org/phone' type='subscribe'/>",
    );
    assert!(again.is_empty());
    assert_eq!(state.pending.len(), 1);
    assert_eq!(state.notices.len(), notices);
}

/// SUB-05: /approve sends `subscribed` to the bare JID and removes the prompt.
#[test]
fn sub_05_approve_sends_subscribed_to_the_bare_jid() {
    let mut state = logged_in();
    presence(&mut state, MERCUTIO_ASKS);
    assert_eq!(
        trace(&run(&mut state, 1, "/approve mercutio@example.org")),
        [
            "presence: <presence to='mercutio@example.org' type='subscribed' id='ID'/>",
            "emit: ok /approve mercutio@example.org: approved",
        ]
    );
    assert!(state.pending.is_empty());
}

/// SUB-04: /deny sends `unsubscribed` and removes the prompt.
#[test]
fn sub_04_deny_sends_unsubscribed() {
    let mut state = logged_in();
    presence(&mut state, MERCUTIO_ASKS);
    assert_eq!(
        trace(&run(&mut state, 1, "/deny mercutio@example.org")),
        [
            "presence: <presence to='mercutio@example.org' type='unsubscribed' id='ID'/>",
            "emit: ok /deny mercutio@example.org: denied",
        ]
    );
    assert!(state.pending.is_empty());
}

/// SUB-06: the opt-in policy approves only contacts we follow or asked.
#[test]
fn sub_06_contacts_we_follow_policy() {
    let prefs = Preferences {
        approve: ApprovePolicy::ContactsWeFollow,
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    push_item(
        &mut state,
        "<item jid='benvolio@example.org' subscription='none' ask='subscribe'/>",
    );
    push_item(
        &mut state,
        "<item jid='tybalt@example.org' subscription='from'/>",
    );

    for jid in ["romeo@example.net", "benvolio@example.org"] {
        let effects = presence(
            &mut state,
            &format!("<presence from='{jid}' type='subscribe'/>"),
        );
        assert_eq!(
            trace(&effects),
            [
                format!("presence: <presence to='{jid}' type='subscribed' id='ID'/>"),
                format!("emit: auto-approved {jid}"),
            ]
        );
    }
    for jid in [
        "tybalt@example.org",
        "nurse@example.com",
        "mercutio@example.org",
    ] {
        let effects = presence(
            &mut state,
            &format!("<presence from='{jid}' type='subscribe'/>"),
        );
        assert_eq!(
            trace(&effects),
            [format!("emit: subscription-request {jid}")]
        );
    }
    assert_eq!(state.pending.len(), 3);
}

/// SUB-11: inbound `subscribed`, `unsubscribed`, `unsubscribe` are notices only.
#[test]
fn sub_11_notices_do_not_change_the_roster() {
    let mut state = logged_in();
    presence(&mut state, "<presence from='romeo@example.net/orchard'/>");
    let before = state.roster.get(&bare("romeo@example.net")).cloned();
    for kind in ["subscribed", "unsubscribed", "unsubscribe"] {
        let effects = presence(
            &mut state,
            &format!("<presence from='romeo@example.net/orchard' type='{kind}'/>"),
        );
        assert_eq!(trace(&effects), [format!("emit: {kind} romeo@example.net")]);
        assert_eq!(
            last_notice(&state).text,
            format!("romeo@example.net: {kind}")
        );
    }
    assert_eq!(
        state.roster.get(&bare("romeo@example.net")).cloned(),
        before
    );
    assert_eq!(state.roster.len(), 2);
    assert!(state.presence.get(&bare("romeo@example.net")).is_some());
}

/// SUB-11: an inbound `unsubscribe` withdraws that contact's waiting request.
#[test]
fn sub_11_unsubscribe_withdraws_a_pending_request() {
    let mut state = logged_in();
    presence(&mut state, MERCUTIO_ASKS);
    presence(
        &mut state,
        "<presence from='mercutio@example.org' type='unsubscribe'/>",
    );
    assert!(state.pending.is_empty());
}

/// SUB-03, SUB-09, SUB-10: /subscribe, /cancel and /unsubscribe go to the bare JID.
#[test]
fn sub_09_sub_10_cancel_and_unsubscribe() {
    let mut state = logged_in();
    assert_eq!(
        sent_presences(&run(&mut state, 1, "/cancel romeo@example.net")),
        ["<presence to='romeo@example.net' type='unsubscribed' id='ID'/>"]
    );
    assert_eq!(
        sent_presences(&run(&mut state, 2, "/unsubscribe romeo@example.net")),
        ["<presence to='romeo@example.net' type='unsubscribe' id='ID'/>"]
    );
    assert_eq!(
        sent_presences(&run(
            &mut state,
            3,
            "/subscribe tybalt@example.org It's Juliet"
        )),
        [
            "<presence to='tybalt@example.org' type='subscribe' id='ID'>\
             <status>It's Juliet</status></presence>"
        ]
    );
}

/// NEW-08: /preapprove fails when the server does not advertise it.
#[test]
fn new_08_preapprove_needs_the_feature() {
    let mut state = logged_in();
    assert_eq!(
        trace(&run(&mut state, 1, "/preapprove nurse@example.com")),
        ["emit: failed /preapprove nurse@example.com: \
          the server does not support subscription pre-approval"]
    );
    assert!(!state.is_preapproved(&bare("nurse@example.com")));
}

/// NEW-08, NEW-09: /preapprove shows as pre-approved until /cancel.
#[test]
fn new_08_new_09_preapprove_and_take_back() {
    let mut state = logged_in_with(Preferences::default(), features(false, true));
    let nurse = bare("nurse@example.com");
    assert_eq!(
        trace(&run(&mut state, 1, "/preapprove nurse@example.com")),
        [
            "presence: <presence to='nurse@example.com' type='subscribed' id='ID'/>",
            "emit: ok /preapprove nurse@example.com: pre-approved",
        ]
    );
    assert!(state.is_preapproved(&nurse));
    let roster = trace(&run(&mut state, 2, "/roster"));
    assert!(
        roster.contains(
            &"emit: roster nurse@example.com name=\"Nurse\" subscription=none pre-approved groups="
                .to_owned()
        )
    );
    assert_eq!(
        sent_presences(&run(&mut state, 3, "/cancel nurse@example.com")),
        ["<presence to='nurse@example.com' type='unsubscribed' id='ID'/>"]
    );
    assert!(!state.is_preapproved(&nurse));
}

/// NEW-09: the server's `approved='true'` shows as pre-approved.
#[test]
fn new_09_server_approved_flag() {
    let mut state = logged_in_with(Preferences::default(), features(false, true));
    let effects = push_item(
        &mut state,
        "<item jid='nurse@example.com' name='Nurse' subscription='none' approved='true'/>",
    );
    assert_eq!(
        trace(&effects)[1],
        "emit: roster nurse@example.com name=\"Nurse\" subscription=none pre-approved groups="
    );
    assert!(state.is_preapproved(&bare("nurse@example.com")));
    run(&mut state, 1, "/preapprove romeo@example.net");
    push_item(
        &mut state,
        "<item jid='romeo@example.net' name='Romeo' subscription='both'/>",
    );
    assert!(!state.is_preapproved(&bare("romeo@example.net")));
}

/// INT-05: approval elsewhere (push `from`) clears the prompt of a new item.
#[test]

fn int_05_approval_elsewhere_clears_the_prompt_of_a_new_item() {
    let mut state = logged_in();
    presence(&mut state, MERCUTIO_ASKS);
    let effects = push_item(
        &mut state,
        "<item jid='mercutio@example.org' subscription='from'/>",
    );
    assert!(state.pending.is_empty());
    assert_eq!(
        trace(&effects)[1],
        "emit: roster mercutio@example.org name=\"\" subscription=from groups="
    );
}

/// INT-05: approval elsewhere clears the prompt of a known contact.
#[test]
fn int_05_approval_elsewhere_clears_the_prompt() {
    let mut state = logged_in();
    presence(
        &mut state,
        "<presence from='nurse@example.com' type='subscribe'/>",
    );
    push_item(
        &mut state,
        "<item jid='nurse@example.com' name='Nurse' subscription='from'/>",
    );
    assert!(state.pending.is_empty());
}

/// SUB-12, CORE-20: our subscription request bounces: a final error undoes
/// the pending state with `unsubscribe` and tells the user; a `wait` error
/// leaves it pending and says how to withdraw it.
#[test]
fn sub_12_bounced_request_is_withdrawn_and_shown() {
    let bounce = |kind: &str, condition: &str| {
        format!(
            "<presence from='nurse@example.com' type='error' id='sub1'><error type='{kind}'>\
             <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"
        )
    };
    let mut state = logged_in();
    push_item(
        &mut state,
        "<item jid='nurse@example.com' subscription='none' ask='subscribe'/>",
    );
    let effects = presence(&mut state, &bounce("wait", "remote-server-timeout"));
    assert!(sent_presences(&effects).is_empty());
    assert!(last_notice(&state).is_error);
    assert!(
        last_notice(&state)
            .text
            .contains("/unsubscribe nurse@example.com"),
        "{}",
        last_notice(&state).text
    );
    let effects = presence(&mut state, &bounce("cancel", "remote-server-not-found"));
    assert_eq!(
        sent_presences(&effects),
        ["<presence to='nurse@example.com' type='unsubscribe' id='ID'/>"]
    );
    assert!(last_notice(&state).is_error);
    assert!(
        last_notice(&state).text.contains("remote-server-not-found"),
        "{}",
        last_notice(&state).text
    );
    // Without a pending request, a presence error changes no subscription.
    let effects = presence(
        &mut state,
        "<presence from='romeo@example.net' type='error'><error type='cancel'>\
         <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    );
    assert!(sent_presences(&effects).is_empty());
}

/// INT-04: our request is refused: the push takes the item back to `none`
/// without `ask`, then their `unsubscribed` arrives. The pending mark is
/// gone and the refusal is a notice; the roster changes only by the push.
#[test]
fn int_04_refused_request_clears_the_pending_mark() {
    let mut state = logged_in();
    let effects = push_item(
        &mut state,
        "<item jid='nurse@example.com' subscription='none' ask='subscribe'/>",
    );
    assert!(
        trace(&effects)
            .iter()
            .any(|l| l.contains("nurse@example.com") && l.contains("pending-out")),
        "{:?}",
        trace(&effects)
    );
    assert!(state.roster.get(&bare("nurse@example.com")).unwrap().ask);
    let effects = push_item(
        &mut state,
        "<item jid='nurse@example.com' subscription='none'/>",
    );
    let contact = state.roster.get(&bare("nurse@example.com")).unwrap();
    assert!(!contact.ask);
    assert!(
        events(&effects).iter().any(
            |e| matches!(e, Event::Roster { jid, ask: false, .. } if jid == "nurse@example.com")
        ),
        "{:?}",
        trace(&effects)
    );
    let effects = presence(
        &mut state,
        "<presence from='nurse@example.com' type='unsubscribed'/>",
    );
    assert_eq!(trace(&effects), ["emit: unsubscribed nurse@example.com"]);
    assert!(!state.roster.get(&bare("nurse@example.com")).unwrap().ask);
    assert!(sent_presences(&effects).is_empty());
    assert!(last_notice(&state).text.contains("unsubscribed"));
}
