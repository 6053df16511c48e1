//! `/rooms` (MUC-01, MUC-02): finding the chat service among the server's
//! items and paging through its rooms.

use super::*;

/// The one request in `effects`: its purpose and query.
fn request(effects: Vec<Effect>) -> (Purpose, Query) {
    let mut requests: Vec<(Purpose, Query)> = effects
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Request { purpose, query } => Some((purpose, query)),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

/// The server's answer `xml` to `query`.
fn answer(state: &mut State, (purpose, query): (Purpose, Query), xml: &str) -> Vec<Effect> {
    let result = decoded(&query, Ok(iq(xml)));
    update(state, Msg::Reply { purpose, result })
}

/// MUC-01, MUC-02: the upload service is skipped, the chat service found,
/// and its rooms are paged with `<after/>` until the set's count is in.
#[test]
fn muc_01_rooms_are_found_and_paged() {
    let mut state = logged_in();
    let asked = request(run(&mut state, 7, "/rooms"));
    assert_eq!(
        asked.1,
        Query::DiscoItems {
            to: None,
            after: None
        }
    );
    let asked = request(answer(
        &mut state,
        asked,
        "<iq type='result' id='a'><query xmlns='http://jabber.org/protocol/disco#items'>\
         <item jid='upload.example.com'/><item jid='conference.example.com'/></query></iq>",
    ));
    assert_eq!(asked.1, Query::ServiceInfo(bare("upload.example.com")));
    let asked = request(answer(
        &mut state,
        asked,
        "<iq type='result' id='b'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='store' type='file'/></query></iq>",
    ));
    assert_eq!(asked.1, Query::ServiceInfo(bare("conference.example.com")));
    let asked = request(answer(
        &mut state,
        asked,
        "<iq type='result' id='c'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='conference' type='text'/>\
         <feature var='http://jabber.org/protocol/muc'/></query></iq>",
    ));
    assert_eq!(
        asked.1,
        Query::DiscoItems {
            to: Some(bare("conference.example.com")),
            after: None
        }
    );
    let asked = request(answer(
        &mut state,
        asked,
        "<iq type='result' id='d'><query xmlns='http://jabber.org/protocol/disco#items'>\
         <item jid='verona@conference.example.com' name='The feast'/>\
         <set xmlns='http://jabber.org/protocol/rsm'><last>verona@conference.example.com</last>\
         <count>2</count></set></query></iq>",
    ));
    assert_eq!(
        asked.1,
        Query::DiscoItems {
            to: Some(bare("conference.example.com")),
            after: Some("verona@conference.example.com".into())
        }
    );
    let effects = answer(
        &mut state,
        asked,
        "<iq type='result' id='e'><query xmlns='http://jabber.org/protocol/disco#items'>\
         <item jid='mantua@conference.example.com'/>\
         <set xmlns='http://jabber.org/protocol/rsm'><last>mantua@conference.example.com</last>\
         <count>2</count></set></query></iq>",
    );
    let listing = events(&effects)
        .into_iter()
        .find_map(|e| match e {
            Event::Info { text } => Some(text.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        listing.contains("\n  mantua@conference.example.com"),
        "{listing}"
    );
    assert!(
        listing.contains("\n  verona@conference.example.com  The feast"),
        "{listing}"
    );
    // The set's count is reached: no further page.
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Request { .. })),
        "no page after the count"
    );
    assert_eq!(
        results(&effects),
        ["ok /rooms: 2 public rooms on conference.example.com"]
    );
}

/// MUC-01: a server naming no chat service says so.
#[test]
fn muc_01_no_chat_service_is_explained() {
    let mut state = logged_in();
    let asked = request(run(&mut state, 7, "/rooms"));
    let effects = answer(
        &mut state,
        asked,
        "<iq type='result' id='a'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
    );
    assert_eq!(
        results(&effects),
        ["failed /rooms: your server names no chat service"]
    );
}
