//! Commands given before the session is ready for them: blocking and
//! privacy commands wait for the server's features (PRIV-01, BLK-01), and
//! messages written offline are reported as queued, then as sent.

use super::*;

/// The disco#info answer naming `features`.
fn server_info(state: &mut State, features: &[&str]) -> Vec<Effect> {
    let features: String = features
        .iter()
        .map(|f| format!("<feature var='{f}'/>"))
        .collect();
    update(
        state,
        Msg::Reply {
            purpose: Purpose::ServerInfo,
            result: decoded(
                &Query::ServerInfo,
                Ok(iq(&format!(
                    "<iq type='result' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'>\
                     {features}</query></iq>"
                ))),
            ),
        },
    )
}

/// A privacy command typed before disco#info answered waits for it and
/// then runs, instead of failing with "features not known yet".
#[test]
fn privacy_command_waits_for_server_features() {
    let mut state = logged_in();
    assert!(!state.privacy.support.known);
    let effects = run(&mut state, 1, "/privacy show work");
    assert!(results(&effects).is_empty(), "{:?}", trace(&effects));
    assert!(
        !trace(&effects)
            .iter()
            .any(|l| l.contains("jabber:iq:privacy")),
        "{:?}",
        trace(&effects)
    );
    let effects = run(&mut state, 2, "/blocklist");
    assert!(results(&effects).is_empty(), "{:?}", trace(&effects));

    let effects = server_info(&mut state, &["jabber:iq:privacy", "urn:xmpp:blocking"]);
    let requests: Vec<String> = trace(&effects)
        .into_iter()
        .filter(|l| l.starts_with("request Privacy"))
        .collect();
    // The login's own fetches, then `/privacy show work`'s list.
    assert!(
        requests.iter().any(|l| l.contains("<list name='work'/>")),
        "{requests:?}"
    );
    assert!(state.awaiting_features.is_empty());
}

/// A held command whose server lacks the feature fails then, saying why.
#[test]
fn held_command_fails_when_the_server_lacks_the_feature() {
    let mut state = logged_in();
    run(&mut state, 1, "/privacy");
    let effects = server_info(&mut state, &[]);
    assert_eq!(
        results(&effects),
        ["failed /privacy list: the server does not support privacy lists (jabber:iq:privacy)"]
    );
}

/// The connection drops before disco#info answers: the held commands
/// fail instead of hanging.
#[test]
fn held_commands_fail_when_the_connection_is_lost() {
    let mut state = logged_in();
    run(&mut state, 1, "/privacy list");
    let effects = connection_lost(&mut state);
    assert_eq!(
        results(&effects),
        ["failed /privacy list: the connection was lost before it could run"]
    );
    assert!(state.awaiting_features.is_empty());
}

/// A bare `/privacy` lists the lists, as `/blocklist` does for blocking.
#[test]
fn bare_privacy_lists_the_lists() {
    assert_eq!(
        command::parse("/privacy").unwrap(),
        command::parse("/privacy list").unwrap()
    );
}

/// `/msg` while offline says "queued", and "sent" once the message has
/// gone out on the new stream (here: acknowledged, XEP-0198).
#[test]
fn message_while_reconnecting_is_queued_then_reported_sent() {
    let mut state = logged_in();
    session(
        &mut state,
        SessionEvent::Reconnecting {
            error: "connection reset".into(),
            attempt: 1,
            retry_in: std::time::Duration::from_secs(1),
        },
    );
    let effects = run(&mut state, 1, "/msg romeo@example.net are you there?");
    assert_eq!(
        results(&effects),
        ["ok /msg romeo@example.net: queued: it is sent when the connection is back"]
    );
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .unwrap();
    session(&mut state, SessionEvent::Resumed);
    session(&mut state, SessionEvent::AcksEnabled);
    let effects = session(
        &mut state,
        SessionEvent::Acked {
            ids: vec![id.clone()],
        },
    );
    let sent: Vec<String> = events(&effects).iter().map(|e| e.to_line()).collect();
    assert_eq!(sent, [format!("sent to romeo@example.net id={id}")]);
    assert!(state.queued.is_empty());
}

/// Without acknowledgements, a queued message counts as sent when the new
/// stream is up (the session flushes its queue right after login).
#[test]
fn queued_message_reported_sent_after_login_without_acks() {
    let mut state = logged_in();
    connection_lost(&mut state);
    session(
        &mut state,
        SessionEvent::Reconnecting {
            error: "connection reset".into(),
            attempt: 1,
            retry_in: std::time::Duration::from_secs(1),
        },
    );
    run(&mut state, 1, "/msg romeo@example.net later");
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert!(
        events(&effects)
            .iter()
            .any(|e| e.to_line().starts_with("sent to romeo@example.net id=")),
        "{:?}",
        trace(&effects)
    );
}

/// DISCO-07: once bound, our server is asked its disco#info once (to the
/// domain), and what it lists is what the session then relies on.
#[test]
fn disco_07_server_features_asked_once_after_bind() {
    let mut state = State::new(Preferences::default());
    let effects = online(&mut state, features(false, false));
    let asked: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query: query @ Query::ServerInfo,
                ..
            } => Some(query.to_iq("example.com").to_element().to_xml()),
            _ => None,
        })
        .collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("disco#info"), "{asked:?}");
    assert!(!state.privacy.support.known);
    server_info(&mut state, &["jabber:iq:privacy", "urn:xmpp:blocking"]);
    assert!(state.privacy.support.known);
    assert!(state.privacy.support.blocking);
}
