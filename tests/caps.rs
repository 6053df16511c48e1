//! Entity capabilities (XEP-0115, checklist CAPS-*) against a real Prosody and a real ejabberd,
//! with slixmpp's own XEP-0115 plugin on the other side (`common::slixmpp`): balcony learns
//! what another client speaks from its `<c/>` with one disco#info per `ver`, keeps it across
//! runs, and answers the disco#info of its own `node#ver` with what hashes to the `ver` it
//! announced.

mod common;

use balcony::app::Preferences;
use balcony::app::caps::supports;
use common::slixmpp::Device;
use common::{Client, ServerKind, TestServer};
use jid::FullJid;

const RECEIPTS: &str = "urn:xmpp:receipts";
const CHAT_STATES: &str = "http://jabber.org/protocol/chatstates";

fn full(jid: &str) -> FullJid {
    FullJid::new(jid).expect("a full JID")
}

/// Whether the store knows that the client at `jid` speaks receipts and chat states.
fn resolved(client: &Client, jid: &FullJid) -> bool {
    let state = &client.engine.state;
    supports(state, jid, RECEIPTS) == Some(true) && supports(state, jid, CHAT_STATES) == Some(true)
}

/// CAPS-09, CAPS-11, CAPS-10, CAPS-14: two slixmpp devices with the same `ver` come online;
/// balcony asks one of them, once, verifies the answer and knows both speak receipts and chat
/// states. A second run with the same cache dir knows them from the disk, asking nothing.
/// DISCO-10: what clients speak is learnt from caps, one query per `ver`, never by asking
/// every resource.
async fn contacts_caps_resolve_once_and_from_the_cache(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let cache = tempfile::tempdir().expect("a temporary dir");
    let start = |resource: &'static str| {
        Client::start_with(
            &server,
            &alice,
            Preferences::default(),
            Some(cache.path().to_owned()),
            resource,
        )
    };
    let mut client = start("balcony").await;
    let phone = Device::start_with_caps(&server, &alice, "phone").await;
    let tablet = Device::start_with_caps(&server, &alice, "tablet").await;
    let (phone_jid, tablet_jid) = (full(&phone.jid), full(&tablet.jid));
    client
        .until("both devices' features", |c| {
            resolved(c, &phone_jid) && resolved(c, &tablet_jid)
        })
        .await;
    let state = &client.engine.state;
    let announced = state.caps.announced(&phone_jid).cloned().expect("caps");
    assert_eq!(announced.hash.as_deref(), Some("sha-1"));
    assert_eq!(
        state.caps.announced(&tablet_jid).map(|c| &c.ver),
        Some(&announced.ver),
        "one ver for both"
    );
    assert_eq!(state.caps.asked, 1, "CAPS-11: one disco#info for one ver");
    let key = balcony::app::caps::Key {
        hash: "sha-1".into(),
        ver: announced.ver.clone(),
    };
    assert!(
        state.caps.cached(&key).is_some(),
        "CAPS-09: verified and shared"
    );
    let info = state.caps.info(&phone_jid).expect("resolved");
    assert!(info.client_identity().is_some(), "{info:?}");
    // CAPS-14: the bare JID's features stay unknown.
    assert_eq!(
        balcony::app::caps::supports_jid(
            state,
            &jid::Jid::new("alice@localhost").unwrap(),
            RECEIPTS
        ),
        None
    );

    client.ok("/quit").await;
    drop(client);
    let again = start("balcony").await;
    let mut again = again;
    again
        .until("both devices' features from the cache", |c| {
            resolved(c, &phone_jid) && resolved(c, &tablet_jid)
        })
        .await;
    assert_eq!(again.engine.state.caps.asked, 0, "CAPS-10: nothing asked");
    // CAPS-13: both servers' caps verified in the first run, so the second took the server's
    // features from the cache instead of asking.
    assert!(
        again.engine.state.caps.server_from_cache,
        "server caps {:?}",
        again.engine.state.features.caps
    );
    again.until_features().await;
    phone.quit().await;
    tablet.quit().await;
}
common::on_both_servers!(contacts_caps_resolve_once_and_from_the_cache);

/// CAPS-01, CAPS-02, CAPS-05, DISCO-01: slixmpp, another client of the account, sees balcony's
/// `<c/>`, asks disco#info of its `node#ver` at balcony's full JID, and what comes back (node
/// echoed) hashes, by the device's own computation, to the `ver` balcony announced.
async fn balcony_answers_its_own_node_ver(kind: ServerKind) {
    answers_its_own_node_ver(kind, Preferences::default()).await;
}

/// The node#ver of `prefs`' session: what it advertises, hashed; the answer lists exactly that.
async fn answers_its_own_node_ver(kind: ServerKind, prefs: Preferences) -> Vec<serde_json::Value> {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let client = Client::start_with(&server, &alice, prefs, None, "balcony").await;
    let me = client.engine.state.jid.as_ref().expect("bound").to_string();
    let mut device = Device::start_with_caps(&server, &alice, "phone").await;
    let caps = device.expect_caps(&me).await;
    assert_eq!(caps["hash"], "sha-1", "{caps}");
    let (node, ver) = (
        caps["node"].as_str().expect("node"),
        caps["ver"].as_str().expect("ver"),
    );
    let asked = format!("{node}#{ver}");
    // balcony is driven meanwhile, so it answers.
    let query = device.caps_query(&me, &asked);
    let mut client = client;
    let drive = async {
        loop {
            client.engine.step().await;
        }
    };
    let answer = tokio::select! {
        answer = query => answer,
        _ = drive => unreachable!(),
    };
    assert_eq!(answer["error"], serde_json::Value::Null, "{answer}");
    assert_eq!(answer["node"], asked.as_str(), "CAPS-05: node echoed");
    assert_eq!(
        answer["ver"], ver,
        "CAPS-02: the answer hashes to the ver: {answer}"
    );
    let features = answer["features"].as_array().expect("features").clone();
    assert!(
        features
            .iter()
            .any(|f| f == "http://jabber.org/protocol/caps"),
        "{answer}"
    );
    device.quit().await;
    features
}
common::on_both_servers!(balcony_answers_its_own_node_ver);

/// DISCO-04, CAPS-06: with chat states and markers turned off in the config, the session
/// advertises neither: the independent client gets a node#ver whose answer lacks them and
/// still hashes to the ver announced.
async fn what_the_config_turns_off_is_not_advertised(kind: ServerKind) {
    let prefs = Preferences {
        send_chat_states: false,
        send_markers: false,
        ..Preferences::default()
    };
    let features = answers_its_own_node_ver(kind, prefs).await;
    for off in [
        "http://jabber.org/protocol/chatstates",
        "urn:xmpp:chat-markers:0",
    ] {
        assert!(!features.iter().any(|f| f == off), "{off}: {features:?}");
    }
    assert!(
        features.iter().any(|f| f == "urn:xmpp:receipts"),
        "{features:?}"
    );
}
common::on_both_servers!(what_the_config_turns_off_is_not_advertised);
