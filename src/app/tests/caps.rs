//! Contacts' capabilities in the store (CAPS-07…12, CAPS-14): which
//! presences ask, how many queries go out, what is shared and cached.

use super::*;
use crate::app::caps::{self, ClientInfo, Key, MAX_ATTEMPTS, MAX_IN_FLIGHT, supports};

const EXODUS_VER: &str = "QgayPKawpkPSDYmwT/WM94uAlu0=";
const EXODUS_NODE: &str = "http://code.google.com/p/exodus";

/// The XEP's simple example: hashes to [`EXODUS_VER`].
const EXODUS: &str = "<iq type='result' id='c'><query xmlns='http://jabber.org/protocol/disco#info'>\
     <identity category='client' name='Exodus 0.9.1' type='pc'/>\
     <feature var='http://jabber.org/protocol/caps'/>\
     <feature var='http://jabber.org/protocol/disco#info'/>\
     <feature var='http://jabber.org/protocol/disco#items'/>\
     <feature var='http://jabber.org/protocol/muc'/></query></iq>";

/// Hashes to something else.
const OTHER: &str = "<iq type='result' id='c'><query xmlns='http://jabber.org/protocol/disco#info'>\
     <identity category='client' name='Liar' type='pc'/>\
     <feature var='urn:xmpp:receipts'/></query></iq>";

fn caps_presence(state: &mut State, from: &str, hash: Option<&str>, ver: &str) -> Vec<Effect> {
    let hash = hash.map(|h| format!(" hash='{h}'")).unwrap_or_default();
    presence(
        state,
        &format!(
            "<presence from='{from}'><c xmlns='http://jabber.org/protocol/caps'{hash} \
             node='{EXODUS_NODE}' ver='{ver}'/></presence>"
        ),
    )
}

/// The caps queries in `effects`.
fn asked(effects: &[Effect]) -> Vec<(caps::Asked, Query)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Request {
                purpose: Purpose::Caps(asked),
                query,
            } => Some((asked.clone(), query.clone())),
            _ => None,
        })
        .collect()
}

fn answer(state: &mut State, (asked, query): (caps::Asked, Query), xml: &str) -> Vec<Effect> {
    let result = decoded(&query, Ok(iq(xml)));
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Caps(asked),
            result,
        },
    )
}

fn saved(effects: &[Effect]) -> Vec<Key> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::SaveCaps { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn muc_supported(state: &State, jid: &str) -> Option<bool> {
    supports(state, &full(jid), "http://jabber.org/protocol/muc")
}

/// CAPS-09: an unknown sha-1 `ver` is asked as disco#info of `node#ver`
/// of the exact full JID; a verified answer is kept, shared and saved
/// (CAPS-10), and CAPS-14 reads it per full JID.
#[test]
fn caps_09_unknown_ver_asks_the_full_jid_for_node_ver() {
    let mut state = logged_in();
    let effects = caps_presence(
        &mut state,
        "romeo@example.net/orchard",
        Some("sha-1"),
        EXODUS_VER,
    );
    let queries = asked(&effects);
    assert_eq!(queries.len(), 1);
    assert_eq!(
        queries[0].1,
        Query::EntityInfo {
            jid: full("romeo@example.net/orchard").into(),
            node: Some(format!("{EXODUS_NODE}#{EXODUS_VER}")),
        }
    );
    assert_eq!(muc_supported(&state, "romeo@example.net/orchard"), None);
    let effects = answer(&mut state, queries[0].clone(), EXODUS);
    assert_eq!(
        saved(&effects),
        [Key {
            hash: "sha-1".into(),
            ver: EXODUS_VER.into()
        }]
    );
    assert_eq!(
        muc_supported(&state, "romeo@example.net/orchard"),
        Some(true)
    );
    assert_eq!(
        supports(
            &state,
            &full("romeo@example.net/orchard"),
            "urn:xmpp:receipts"
        ),
        Some(false)
    );
    // CAPS-14: another resource, or the bare JID, is unknown.
    assert_eq!(muc_supported(&state, "romeo@example.net/tower"), None);
    assert_eq!(
        caps::supports_jid(&state, &bare("romeo@example.net").into(), "x"),
        None
    );
    // Known now: a second resource with the same ver asks nothing.
    let effects = caps_presence(
        &mut state,
        "romeo@example.net/tower",
        Some("sha-1"),
        EXODUS_VER,
    );
    assert!(asked(&effects).is_empty());
    assert_eq!(muc_supported(&state, "romeo@example.net/tower"), Some(true));
}

/// CAPS-11: fifty presences with one new `ver` make one request; the
/// others wait for its answer.
#[test]
fn caps_11_one_request_per_ver() {
    let mut state = logged_in();
    let mut queries = Vec::new();
    for n in 0..50 {
        let effects = caps_presence(
            &mut state,
            &format!("romeo@example.net/r{n}"),
            Some("sha-1"),
            EXODUS_VER,
        );
        queries.extend(asked(&effects));
    }
    assert_eq!(queries.len(), 1);
    assert_eq!(state.caps.asked, 1);
    answer(&mut state, queries[0].clone(), EXODUS);
    for n in 0..50 {
        assert_eq!(
            muc_supported(&state, &format!("romeo@example.net/r{n}")),
            Some(true)
        );
    }
}

/// CAPS-09: an answer that hashes to another `ver` is good for the JID
/// asked only: nothing is shared or saved, and another JID claiming the
/// `ver` is asked, a bounded number of times; an ill-formed answer is
/// used for nobody.
#[test]
fn caps_09_mismatch_is_kept_for_the_jid_only() {
    let mut state = logged_in();
    let mut first = Vec::new();
    for n in 0..5 {
        first.extend(asked(&caps_presence(
            &mut state,
            &format!("romeo@example.net/r{n}"),
            Some("sha-1"),
            EXODUS_VER,
        )));
    }
    assert_eq!(first.len(), 1);
    let effects = answer(&mut state, first[0].clone(), OTHER);
    assert!(saved(&effects).is_empty());
    assert_eq!(state.caps.cache_len(), 0);
    let asked_jid = first[0].0.jid.to_string();
    assert_eq!(
        caps::describe_client(
            &state,
            &bare("romeo@example.net"),
            first[0].0.jid.resource().as_str()
        )
        .as_deref(),
        Some("Liar (client/pc); delivery receipts")
    );
    assert_eq!(
        supports(&state, &full(&asked_jid), "urn:xmpp:receipts"),
        Some(true),
        "used for the JID asked"
    );
    let second = asked(&effects);
    assert_eq!(second.len(), 1, "another JID claiming the ver is asked");
    assert_ne!(second[0].0.jid.to_string(), asked_jid);
    let effects = answer(
        &mut state,
        second[0].clone(),
        "<iq type='result' id='c'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <feature var='f'/><feature var='f'/></query></iq>",
    );
    assert_eq!(supports(&state, &second[0].0.jid, "f"), None, "ill-formed");
    let mut next = asked(&effects);
    let mut rounds = 2;
    while let Some(query) = next.pop() {
        rounds += 1;
        next = asked(&answer(&mut state, query, OTHER));
    }
    assert_eq!(rounds, usize::from(MAX_ATTEMPTS));
    // Given up: a new JID with that ver asks nothing.
    let effects = caps_presence(&mut state, "paris@example.net/x", Some("sha-1"), EXODUS_VER);
    assert!(asked(&effects).is_empty());
    assert_eq!(state.caps.cache_len(), 0);
}

/// CAPS-07, CAPS-08: a legacy `<c/>` (no hash) and one with a hash we do
/// not compute are asked per full JID and never shared or cached.
#[test]
fn caps_07_08_legacy_and_unknown_hash_are_per_jid() {
    let mut state = logged_in();
    for hash in [None, Some("md2")] {
        let mut queries = Vec::new();
        for resource in ["a", "b"] {
            queries.extend(asked(&caps_presence(
                &mut state,
                &format!("romeo@example.net/{}{resource}", hash.unwrap_or("legacy")),
                hash,
                "1.0",
            )));
        }
        assert_eq!(queries.len(), 2, "one per JID");
        assert!(queries.iter().all(|(a, _)| !a.shared));
        for query in queries {
            let jid = query.0.jid.clone();
            let effects = answer(&mut state, query, EXODUS);
            assert!(saved(&effects).is_empty());
            assert_eq!(
                supports(&state, &jid, "http://jabber.org/protocol/muc"),
                Some(true)
            );
        }
        assert_eq!(state.caps.cache_len(), 0, "nothing cached under 1.0");
    }
}

/// CAPS-12: a later presence without `<c/>` keeps the caps; unavailable
/// forgets them, and the next `<c/>` with a known ver is not asked again.
#[test]
fn caps_12_presence_without_c_keeps_unavailable_forgets() {
    let mut state = logged_in();
    let queries = asked(&caps_presence(
        &mut state,
        "romeo@example.net/orchard",
        Some("sha-1"),
        EXODUS_VER,
    ));
    answer(&mut state, queries[0].clone(), EXODUS);
    presence(
        &mut state,
        "<presence from='romeo@example.net/orchard'><show>away</show></presence>",
    );
    assert_eq!(
        muc_supported(&state, "romeo@example.net/orchard"),
        Some(true)
    );
    presence(
        &mut state,
        "<presence from='romeo@example.net/orchard' type='unavailable'/>",
    );
    assert_eq!(muc_supported(&state, "romeo@example.net/orchard"), None);
    assert!(
        state
            .caps
            .announced(&full("romeo@example.net/orchard"))
            .is_none()
    );
    let effects = caps_presence(
        &mut state,
        "romeo@example.net/orchard",
        Some("sha-1"),
        EXODUS_VER,
    );
    assert!(asked(&effects).is_empty());
    assert_eq!(
        muc_supported(&state, "romeo@example.net/orchard"),
        Some(true)
    );
}

/// CAPS-10: while the disk cache is read, nothing is asked; a `ver` it
/// holds is never asked, one it lacks is asked once it has arrived.
#[test]
fn caps_10_disk_cache_comes_before_any_query() {
    let mut state = logged_in();
    state.caps.await_disk();
    let mut effects = caps_presence(
        &mut state,
        "romeo@example.net/orchard",
        Some("sha-1"),
        EXODUS_VER,
    );
    effects.extend(caps_presence(
        &mut state,
        "romeo@example.net/tower",
        Some("sha-1"),
        "bm90IGtub3du",
    ));
    assert!(asked(&effects).is_empty());
    let known = ClientInfo::new(Vec::new(), vec!["http://jabber.org/protocol/muc".into()]);
    let effects = update(
        &mut state,
        Msg::CapsCache(vec![(
            Key {
                hash: "sha-1".into(),
                ver: EXODUS_VER.into(),
            },
            known,
        )]),
    );
    assert_eq!(
        muc_supported(&state, "romeo@example.net/orchard"),
        Some(true)
    );
    let queries = asked(&effects);
    assert_eq!(queries.len(), 1);
    assert_eq!(queries[0].0.jid, full("romeo@example.net/tower"));
}

/// Bounds: new `ver`s beyond [`MAX_IN_FLIGHT`] wait; each answer lets one
/// more go; a disconnect forgets them and a late answer changes nothing.
#[test]
fn caps_queries_in_flight_are_bounded() {
    let mut state = logged_in();
    let mut queries = Vec::new();
    for n in 0..MAX_IN_FLIGHT + 10 {
        queries.extend(asked(&caps_presence(
            &mut state,
            &format!("romeo@example.net/r{n}"),
            Some("sha-1"),
            &format!("ver{n}"),
        )));
    }
    assert_eq!(queries.len(), MAX_IN_FLIGHT);
    let effects = answer(&mut state, queries[0].clone(), OTHER);
    assert_eq!(asked(&effects).len(), 1, "one from the backlog");
    assert_eq!(state.caps.in_flight(), MAX_IN_FLIGHT);
    connection_lost(&mut state);
    assert_eq!(state.caps.in_flight(), 0);
    let effects = answer(&mut state, queries[1].clone(), EXODUS);
    assert!(asked(&effects).is_empty());
    assert!(saved(&effects).is_empty());
}

/// A presence from a room's occupant or our own reflected presence asks
/// nothing.
#[test]
fn caps_own_presence_is_not_asked() {
    let mut state = logged_in();
    let effects = caps_presence(&mut state, ME, Some("sha-1"), EXODUS_VER);
    assert!(asked(&effects).is_empty());
}

fn sent(effects: &[Effect]) -> Vec<Message> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::SendMessage(message) => Some(message.clone()),
            _ => None,
        })
        .collect()
}

/// CAPS-14: a message to a resource whose caps lack markers and chat
/// states asks for neither (receipts it has, so its request stays); a
/// resource with unknown caps gets every request as before.
#[test]
fn caps_14_a_message_asks_only_what_the_resource_speaks() {
    let mut state = logged_in();
    let queries = asked(&caps_presence(
        &mut state,
        "romeo@example.net/orchard",
        Some("sha-1"),
        EXODUS_VER,
    ));
    answer(&mut state, queries[0].clone(), OTHER);
    let orchard = sent(&run(&mut state, 1, "/msg romeo@example.net/orchard hi"));
    assert_eq!(orchard.len(), 1);
    assert!(orchard[0].receipt_request);
    assert!(!orchard[0].markable);
    assert_eq!(orchard[0].chat_state, None);
    let tower = sent(&run(&mut state, 2, "/msg romeo@example.net/tower hi"));
    assert_eq!(tower.len(), 1);
    assert!(tower[0].receipt_request);
    assert!(tower[0].markable);
}

/// CAPS-12: unavailable from a bare JID forgets the caps of every one of
/// its resources, and nobody else's.
#[test]
fn caps_12_bare_unavailable_forgets_every_resource() {
    let mut state = logged_in();
    for from in [
        "romeo@example.net/a",
        "romeo@example.net/b",
        "nurse@example.com/c",
    ] {
        caps_presence(&mut state, from, None, "1.0");
    }
    presence(
        &mut state,
        "<presence from='romeo@example.net' type='unavailable'/>",
    );
    assert!(state.caps.announced(&full("romeo@example.net/a")).is_none());
    assert!(state.caps.announced(&full("romeo@example.net/b")).is_none());
    assert!(state.caps.announced(&full("nurse@example.com/c")).is_some());
}

/// Bounds: one session sends at most [`caps::MAX_QUERIES_PER_SESSION`]
/// caps queries, however often contacts change their `ver`.
#[test]
fn caps_queries_per_session_are_bounded() {
    let mut state = logged_in();
    let mut sent = 0;
    for n in 0..caps::MAX_QUERIES_PER_SESSION + 20 {
        let effects = caps_presence(
            &mut state,
            "romeo@example.net/fickle",
            Some("sha-1"),
            &format!("v{n}"),
        );
        for query in asked(&effects) {
            sent += 1;
            update(
                &mut state,
                Msg::Reply {
                    purpose: Purpose::Caps(query.0),
                    result: Err(RequestError::Timeout(std::time::Duration::from_secs(1))),
                },
            );
        }
    }
    assert_eq!(sent, caps::MAX_QUERIES_PER_SESSION as usize);
}

/// A query lost with the connection is no verdict: nothing is refused,
/// and once the session is resumed the JIDs still unknown are asked again.
#[test]
fn caps_lost_query_is_asked_again_after_resumption() {
    let mut state = logged_in();
    let mut queries = Vec::new();
    for resource in ["a", "b"] {
        queries.extend(asked(&caps_presence(
            &mut state,
            &format!("romeo@example.net/{resource}"),
            Some("sha-1"),
            EXODUS_VER,
        )));
    }
    assert_eq!(queries.len(), 1);
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Caps(queries[0].0.clone()),
            result: Err(RequestError::Disconnected),
        },
    );
    assert!(asked(&effects).is_empty());
    assert_eq!(state.caps.in_flight(), 0);
    let effects = session(&mut state, SessionEvent::Resumed);
    let again = asked(&effects);
    assert_eq!(again.len(), 1, "one query for the one ver");
    answer(&mut state, again[0].clone(), EXODUS);
    assert_eq!(muc_supported(&state, "romeo@example.net/a"), Some(true));
    assert_eq!(muc_supported(&state, "romeo@example.net/b"), Some(true));
}

fn server_caps() -> crate::xmpp::stanza::caps::Announced {
    crate::xmpp::stanza::caps::Announced {
        hash: Some("sha-1".into()),
        node: "http://prosody.im".into(),
        ver: EXODUS_VER.into(),
    }
}

/// CAPS-13: stream features with the server's `<c/>` and a `ver` not in
/// the cache: the plain disco#info goes out (DISCO-07) and its `node#ver`
/// is asked beside it; a verified answer is cached and saved. The next
/// login with that `ver` asks neither: the cached features come back as
/// the server's answer.
#[test]
fn caps_13_server_caps_spare_the_login_disco() {
    let mut state = State::new(Preferences::default());
    let with_caps = StreamFeatures {
        caps: Some(server_caps()),
        ..features(false, false)
    };
    let effects = online(&mut state, with_caps.clone());
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Request {
            purpose: Purpose::ServerInfo,
            ..
        }
    )));
    let (caps, query) = effects
        .iter()
        .find_map(|e| match e {
            Effect::Request {
                purpose: Purpose::ServerCaps(caps),
                query,
            } => Some((caps.clone(), query.clone())),
            _ => None,
        })
        .expect("the server's node#ver asked");
    assert_eq!(
        query,
        Query::EntityInfo {
            jid: jid::Jid::new("example.com").unwrap(),
            node: Some(format!("http://prosody.im#{EXODUS_VER}")),
        }
    );
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::ServerCaps(caps),
            result: decoded(&query, Ok(iq(EXODUS))),
        },
    );
    assert_eq!(saved(&effects).len(), 1);

    connection_lost(&mut state);
    let effects = online(&mut state, with_caps);
    assert!(!effects.iter().any(|e| matches!(
        e,
        Effect::Request {
            purpose: Purpose::ServerInfo | Purpose::ServerCaps(_),
            ..
        }
    )));
    let answered = effects
        .iter()
        .find_map(|e| match e {
            Effect::Answered {
                purpose: Purpose::ServerInfo,
                answer: Answer::Features(features),
            } => Some(features.clone()),
            _ => None,
        })
        .expect("the cached answer");
    assert!(answered.contains(&"http://jabber.org/protocol/muc".to_owned()));
}

/// CAPS-13: a server answer that does not hash to its `ver` is not cached.
#[test]
fn caps_13_unverified_server_answer_is_not_cached() {
    let mut state = State::new(Preferences::default());
    online(
        &mut state,
        StreamFeatures {
            caps: Some(server_caps()),
            ..features(false, false)
        },
    );
    let query = Query::EntityInfo {
        jid: jid::Jid::new("example.com").unwrap(),
        node: Some(format!("http://prosody.im#{EXODUS_VER}")),
    };
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::ServerCaps(server_caps()),
            result: decoded(&query, Ok(iq(OTHER))),
        },
    );
    assert!(saved(&effects).is_empty());
    assert_eq!(state.caps.cache_len(), 0);
}
