//! Login order: the roster first, then initial presence (RFC 3921 §3,
//! §5.1.1, §7.3; RFC 6121 §2.6 versioning).

use super::*;
use crate::app::roster::{Fetch, LoadState};
use crate::app::{ConnectionState, OwnPresence};
use crate::xmpp::stanza::presence::Show;

/// PRIV-01, BLK-01: login also asks the server what it offers.
const DISCO: &str = "request ServerInfo: <iq type='get' id='ID' to='example.com'>\
                     <query xmlns='http://jabber.org/protocol/disco#info'/></iq>";

const GET_PLAIN: &str = "request RosterGet { versioned: false }: \
     <iq type='get' id='ID'><query xmlns='jabber:iq:roster'/></iq>";

/// ROS-01, NEW-04: Online sends exactly one roster get, without `ver` unless offered.
#[test]
fn ros_01_online_sends_exactly_one_roster_get() {
    let mut state = State::new(Preferences::default());
    let effects = online(&mut state, features(false, false));
    assert_eq!(
        trace(&effects),
        ["emit: online juliet@example.com/balcony", GET_PLAIN, DISCO]
    );
    assert_eq!(state.connection, ConnectionState::Online { jid: ME.into() });
    assert_eq!(state.jid, Some(full(ME)));
    assert!(!state.initial_presence_sent);
    assert_eq!(state.roster.load_state(), LoadState::NotLoaded);
}

/// NEW-02: with versioning and no cache, the get carries `ver=''`.
#[test]
fn new_02_versioned_get_without_cache_sends_empty_ver() {
    let mut state = State::new(Preferences::default());
    let effects = online(&mut state, features(true, false));
    assert_eq!(
        trace(&effects)[1],
        "request RosterGet { versioned: true }: \
         <iq type='get' id='ID'><query xmlns='jabber:iq:roster' ver=''/></iq>"
    );
    assert_eq!(trace(&effects)[2], DISCO);
    assert_eq!(effects.len(), 3);
}

/// NEW-02, NEW-04: the cached `ver` is sent with versioning, never without it.
#[test]
fn new_04_cached_ver_sent_only_when_offered() {
    let cached = || Msg::RosterCache {
        ver: Some("ver14".into()),
        items: vec![crate::xmpp::stanza::roster::RosterItem::new(bare(
            "romeo@example.net",
        ))],
    };
    let mut state = State::new(Preferences::default());
    assert!(update(&mut state, cached()).is_empty());
    let effects = online(&mut state, features(true, false));
    assert_eq!(
        trace(&effects)[1],
        "request RosterGet { versioned: true }: \
         <iq type='get' id='ID'><query xmlns='jabber:iq:roster' ver='ver14'/></iq>"
    );

    let mut state = State::new(Preferences::default());
    update(&mut state, cached());
    let effects = online(&mut state, features(false, false));
    assert_eq!(trace(&effects)[1], GET_PLAIN);
}

/// PRES-01, PRES-02: no presence before the roster reply, then one `<presence/>`, then startup.
#[test]
fn pres_01_pres_02_initial_presence_after_roster_reply() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(false, false));
    assert_eq!(
        trace(&run(&mut state, 1, "/status away at the masque")),
        ["emit: ok /status away"]
    );
    assert_eq!(
        trace(&push_item(
            &mut state,
            "<item jid='nurse@example.com' name='Nurse' subscription='none'/>"
        )),
        ["save-roster"]
    );

    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    let lines = trace(&effects);
    assert_eq!(lines[0], "save-roster");
    assert_eq!(
        sorted_trace(&effects[1..3]),
        [
            "emit: roster nurse@example.com name=\"Nurse\" subscription=none groups=",
            "emit: roster romeo@example.net name=\"Romeo\" subscription=both groups=Friends",
        ]
    );
    assert_eq!(
        lines[3..],
        [
            "presence: <presence><show>away</show><status>at the masque</status></presence>",
            "startup",
        ]
    );
    assert!(state.initial_presence_sent);
    assert_eq!(state.roster.load_state(), LoadState::Loaded);

    // A repeated reply (it cannot happen, but) sends no second presence.
    let again = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert!(sent_presences(&again).is_empty());
    assert!(!again.contains(&Effect::RunStartupCommands));
}

/// PRES-01: initial presence carries the configured show and priority.
#[test]
fn pres_01_initial_presence_uses_preferences() {
    let prefs = Preferences {
        initial: OwnPresence {
            show: Some(Show::Chat),
            status: None,
            priority: 5,
        },
        ..Preferences::default()
    };
    let mut state = State::new(prefs);
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq("<iq type='result' id='r1'/>")));
    assert_eq!(
        trace(&effects),
        [
            "save-roster",
            "presence: <presence><show>chat</show><priority>5</priority></presence>",
            "startup",
        ]
    );
}

/// PRES-01: a failed roster fetch is reported and initial presence still goes out.
#[test]
fn pres_01_failed_roster_fetch_still_sends_initial_presence() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(false, false));
    let effects = roster_reply(
        &mut state,
        false,
        Err(RequestError::Timeout(std::time::Duration::from_secs(30))),
    );
    assert_eq!(
        trace(&effects),
        [
            "emit: error: the roster could not be fetched: no answer within 30s",
            "presence: <presence/>",
            "startup",
        ]
    );
    assert!(state.initial_presence_sent);
    assert!(last_notice(&state).is_error);
}

/// NEW-04: the `ver` of each applied result and push is kept and the cache saved.
#[test]
fn new_04_result_and_push_versions_are_saved() {
    let mut state = State::new(Preferences::default());
    online(&mut state, features(true, false));
    let effects = roster_reply(&mut state, true, Ok(iq(ROSTER)));
    assert_eq!(effects[0], Effect::SaveRoster);
    assert_eq!(state.roster.ver(), Some("ver1"));
    assert_eq!(state.roster.last_fetch, Some(Fetch::Full { items: 2 }));

    let effects = push(
        &mut state,
        "<query xmlns='jabber:iq:roster' ver='ver2'>\
         <item jid='nurse@example.com' name='Nurse' subscription='from'/></query>",
    );
    assert_eq!(effects[0], Effect::SaveRoster);
    assert_eq!(state.roster.ver(), Some("ver2"));
}

/// ROS-01: a reconnect sends one new roster get and no presence until its reply.
#[test]
fn ros_01_reconnect_fetches_the_roster_again() {
    let mut state = logged_in();
    connection_lost(&mut state);
    let effects = online(&mut state, features(false, false));
    assert_eq!(
        trace(&effects),
        ["emit: online juliet@example.com/balcony", GET_PLAIN, DISCO]
    );
    assert!(!state.initial_presence_sent);
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert_eq!(sent_presences(&effects), ["<presence/>"]);
}
