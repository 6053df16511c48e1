//! Our server's services at login (DISCO-09, DISCO-11, DISCO-16,
//! UPLOAD-01): items, then each item's disco#info, recorded in the store.

use super::*;
use crate::app::service::{MAX_PROBED, Step, UploadService};

/// The requests in `effects` discovery made.
fn discovery(effects: &[Effect]) -> Vec<(Step, Query)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Request {
                purpose: Purpose::Services(step),
                query,
            } => Some((step.clone(), query.clone())),
            _ => None,
        })
        .collect()
}

fn server_info(state: &mut State) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::ServerInfo,
            result: decoded(
                &Query::ServerInfo,
                Ok(iq("<iq type='result' id='d1'>\
                       <query xmlns='http://jabber.org/protocol/disco#info'/></iq>")),
            ),
        },
    )
}

fn answer(
    state: &mut State,
    (step, query): (Step, Query),
    result: Result<Iq, RequestError>,
) -> Vec<Effect> {
    let result = decoded(&query, result);
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Services(step),
            result,
        },
    )
}

const ITEMS: &str = "<iq type='result' id='i'><query xmlns='http://jabber.org/protocol/disco#items'>\
     <item jid='conference.example.com'/><item jid='upload.example.com'/>\
     <item jid='broken.example.com'/><item jid='upload.example.com'/></query></iq>";

const CHAT: &str = "<iq type='result' id='c'><query xmlns='http://jabber.org/protocol/disco#info'>\
     <identity category='conference' type='text' name='Chatrooms'/>\
     <feature var='http://jabber.org/protocol/muc'/></query></iq>";

const UPLOAD: &str = "<iq type='result' id='u'><query xmlns='http://jabber.org/protocol/disco#info'>\
     <identity category='store' type='file'/><feature var='urn:xmpp:http:upload:0'/>\
     <x xmlns='jabber:x:data' type='result'>\
     <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>\
     <field var='max-file-size'><value>10485760</value></field></x></query></iq>";

/// DISCO-09, UPLOAD-01, DISCO-11: after the server's disco#info, its items
/// are asked once, then each distinct item's disco#info together; the chat
/// and upload services are recorded with the upload limit, and an item
/// answering with an error is one without features.
/// DISCO-12: the services' answers omit the disco#info feature itself, as
/// many do, and are read all the same.
#[test]
fn disco_09_services_found_after_server_info() {
    let mut state = logged_in();
    let asked = discovery(&server_info(&mut state));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0].1,
        Query::DiscoItems {
            to: None,
            after: None
        }
    );
    assert!(
        discovery(&server_info(&mut state)).is_empty(),
        "once a session"
    );

    let probes = discovery(&answer(&mut state, asked[0].clone(), Ok(iq(ITEMS))));
    let asked_of: Vec<String> = probes
        .iter()
        .map(|(_, query)| match query {
            Query::EntityInfo { jid, node: None } => jid.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        asked_of,
        [
            "conference.example.com",
            "upload.example.com",
            "broken.example.com"
        ]
    );
    answer(&mut state, probes[0].clone(), Ok(iq(CHAT)));
    answer(&mut state, probes[1].clone(), Ok(iq(UPLOAD)));
    assert!(!state.services.done);
    let failed = answer(
        &mut state,
        probes[2].clone(),
        Err(RequestError::Stanza(StanzaError::new(
            ErrorType::Cancel,
            StanzaCondition::ServiceUnavailable,
        ))),
    );
    assert!(state.is_online(), "{:?}", trace(&failed));
    assert!(state.services.done);
    assert_eq!(state.services.chat, [bare("conference.example.com")]);
    assert_eq!(
        state.services.upload,
        Some(UploadService {
            jid: bare("upload.example.com"),
            max_file_size: Some(10_485_760),
        })
    );
}

/// DISCO-09: at most MAX_PROBED items are asked; DISCO-16: a new session
/// starts over, and an answer meant for the old one is dropped.
#[test]
fn disco_09_probes_are_capped_and_sessions_start_over() {
    let mut state = logged_in();
    let asked = discovery(&server_info(&mut state));
    let many: String = (0..MAX_PROBED + 5)
        .map(|i| format!("<item jid='s{i}.example.com'/>"))
        .collect();
    let items = format!(
        "<iq type='result' id='i'><query xmlns='http://jabber.org/protocol/disco#items'>{many}</query></iq>"
    );
    let probes = discovery(&answer(&mut state, asked[0].clone(), Ok(iq(&items))));
    assert_eq!(probes.len(), MAX_PROBED);

    online(&mut state, features(false, false));
    assert!(!state.services.started);
    answer(&mut state, probes[0].clone(), Ok(iq(CHAT)));
    assert!(
        state.services.chat.is_empty(),
        "an answer from the last session"
    );
    assert_eq!(discovery(&server_info(&mut state)).len(), 1);
}

/// MUC-01, DISCO-09: `/rooms` asks the rooms of the chat service found at
/// login straight away.
#[test]
fn muc_01_rooms_reuse_the_services_found() {
    let mut state = logged_in();
    let asked = discovery(&server_info(&mut state));
    let probes = discovery(&answer(&mut state, asked[0].clone(), Ok(iq(ITEMS))));
    for (probe, xml) in probes.into_iter().zip([CHAT, UPLOAD, UPLOAD]) {
        answer(&mut state, probe, Ok(iq(xml)));
    }
    let effects = run(&mut state, 3, "/rooms");
    let queries: Vec<Query> = effects
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Request { query, .. } => Some(query),
            _ => None,
        })
        .collect();
    assert_eq!(
        queries,
        [Query::DiscoItems {
            to: Some(bare("conference.example.com")),
            after: None
        }]
    );
}
