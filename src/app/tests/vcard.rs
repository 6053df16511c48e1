//! Contact cards (VCARD-01…10) as the store runs them: who is asked,
//! the three shapes of no card, the lines shown, the details pane's fetch,
//! and an edit's steps: fetch, set the whole card, read it back, or
//! explain a refusal and keep it for `/vcard retry`.

use jid::BareJid;

use crate::app::dispatch::Outcome;
use crate::app::event::Event;
use crate::app::vcard::*;
use crate::app::{Effect, Purpose, State};
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::vcard::{Field, VCard};

fn online() -> State {
    State {
        jid: Some(jid::FullJid::new("juliet@example.com/balcony").unwrap()),
        connection: crate::app::ConnectionState::Online {
            jid: "juliet@example.com/balcony".to_owned(),
        },
        ..State::default()
    }
}

fn bare(s: &str) -> BareJid {
    BareJid::new(s).unwrap()
}

fn requests(effects: &[Effect]) -> Vec<(Query, Purpose)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request { query, purpose } => Some((query.clone(), purpose.clone())),
            _ => None,
        })
        .collect()
}

fn result(effects: &[Effect]) -> (bool, String) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Emit(Event::Result { ok, text, .. }) => Some((*ok, text.clone())),
            _ => None,
        })
        .unwrap()
}

fn infos(effects: &[Effect]) -> String {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(Event::Info { text }) => Some(text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn stanza_error(condition: StanzaCondition, kind: ErrorType) -> RequestError {
    RequestError::Stanza(StanzaError::new(kind, condition))
}

fn card(fields: &[(Field, &str)]) -> VCard {
    let mut card = VCard::default();
    for (field, value) in fields {
        card.set(*field, Some(value));
    }
    card
}

/// VCARD-01, VCARD-03: a contact's card is asked of their bare JID;
/// ours, with or without naming our JID, without `to`.
#[test]
fn vcard_01_03_who_is_asked() {
    let mut state = online();
    let mut effects = Vec::new();
    show(&mut state, 1, "/vcard", None, &mut effects);
    show(
        &mut state,
        2,
        "/vcard",
        Some(bare("juliet@example.com")),
        &mut effects,
    );
    show(
        &mut state,
        3,
        "/vcard",
        Some(bare("romeo@example.net")),
        &mut effects,
    );
    let queries: Vec<Query> = requests(&effects).into_iter().map(|(q, _)| q).collect();
    assert_eq!(
        queries,
        [
            Query::VcardGet(None),
            Query::VcardGet(None),
            Query::VcardGet(Some(bare("romeo@example.net"))),
        ]
    );
    assert_eq!(
        state.cards.get(&bare("romeo@example.net")),
        Some(&CardState::Loading)
    );
}

/// VCARD-02: all three shapes of "no card" are an empty card and a
/// success; another error is a failure.
#[test]
fn vcard_02_no_card_is_not_an_error() {
    let romeo = bare("romeo@example.net");
    for answer in [
        Ok(Answer::Vcard(VCard::default())),
        Err(stanza_error(
            StanzaCondition::ItemNotFound,
            ErrorType::Cancel,
        )),
        Err(stanza_error(
            StanzaCondition::ServiceUnavailable,
            ErrorType::Cancel,
        )),
    ] {
        let mut state = online();
        let mut effects = Vec::new();
        let step = Step::Show {
            jid: romeo.clone(),
            tag: Some(7),
            label: "/vcard romeo@example.net".into(),
        };
        on_reply(&mut state, step, answer, &mut effects);
        assert_eq!(result(&effects), (true, "no card published".to_owned()));
        assert!(infos(&effects).contains("has published no card"));
        assert_eq!(
            state.cards.get(&romeo),
            Some(&CardState::Loaded(VCard::default()))
        );
    }
    let mut state = online();
    let mut effects = Vec::new();
    let step = Step::Show {
        jid: romeo.clone(),
        tag: Some(8),
        label: "/vcard romeo@example.net".into(),
    };
    on_reply(
        &mut state,
        step,
        Err(RequestError::Disconnected),
        &mut effects,
    );
    assert!(!result(&effects).0);
    assert!(matches!(
        state.cards.get(&romeo),
        Some(CardState::Failed(_))
    ));
}

/// VCARD-07, SEC-05: the card is shown as lines, remote text
/// sanitised.
#[test]
fn vcard_07_card_lines_are_sanitised() {
    let mut state = online();
    let mut effects = Vec::new();
    let romeo = bare("romeo@example.net");
    let step = Step::Show {
        jid: romeo.clone(),
        tag: Some(1),
        label: "/vcard romeo@example.net".into(),
    };
    let answer = card(&[
        (Field::FullName, "Romeo\u{1b}[31m Montague"),
        (Field::Note, "line one\nline two"),
    ]);
    on_reply(&mut state, step, Ok(Answer::Vcard(answer)), &mut effects);
    let text = infos(&effects);
    assert!(text.starts_with("card of romeo@example.net:"), "{text}");
    assert!(text.contains("\n  name: Romeo[31m Montague"), "{text}");
    assert!(text.contains("\n  note: line one line two"), "{text}");
    assert_eq!(result(&effects), (true, "2 fields".to_owned()));
}

/// VCARD-10: opening the details fetches a card once per session,
/// only while online, and again once the contact's presence announced a
/// new card (XEP-0153's photo hash).
#[test]
fn vcard_10_details_fetch_once() {
    let romeo = bare("romeo@example.net");
    let mut offline = State::default();
    let mut effects = Vec::new();
    on_details_opened(&mut offline, romeo.clone(), &mut effects);
    assert!(effects.is_empty());
    let mut state = online();
    on_details_opened(&mut state, romeo.clone(), &mut effects);
    on_details_opened(&mut state, romeo.clone(), &mut effects);
    let asked = requests(&effects);
    assert_eq!(asked.len(), 1);
    let (_, Purpose::Vcard(step)) = asked[0].clone() else {
        panic!()
    };
    on_reply(
        &mut state,
        step,
        Ok(Answer::Vcard(card(&[(Field::Nickname, "Romy")]))),
        &mut effects,
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Emit(Event::Result { .. } | Event::Info { .. }))),
        "the pane's fetch reports nothing"
    );
    on_details_opened(&mut state, romeo.clone(), &mut effects);
    assert_eq!(requests(&effects).len(), 1, "kept for the session");

    // XEP-0153: the same photo hash again keeps the card; a new one means
    // a new card, asked for when the details open next (not before).
    let presence = |hash: &str| {
        crate::xmpp::stanza::presence::Presence::parse(&crate::xmpp::stanza::test_xml::parse(
            &format!(
                "<presence from='romeo@example.net/orchard'>\
                 <x xmlns='vcard-temp:x:update'><photo>{hash}</photo></x></presence>"
            ),
        ))
        .unwrap()
    };
    on_presence(
        &mut state,
        &presence("01b87fcd030b72895ff8e88db57ec525450f000d"),
    );
    on_presence(
        &mut state,
        &presence("01b87fcd030b72895ff8e88db57ec525450f000d"),
    );
    assert!(matches!(
        state.cards.get(&romeo),
        Some(CardState::Loaded(_))
    ));
    on_presence(&mut state, &presence("sha1-of-the-new-photo"));
    assert!(state.cards.get(&romeo).is_none(), "the old card is dropped");
    assert_eq!(
        requests(&effects).len(),
        1,
        "nothing is fetched on presence"
    );
    on_details_opened(&mut state, romeo.clone(), &mut effects);
    assert_eq!(requests(&effects).len(), 2, "fetched again on opening");
}

/// VCARD-04, VCARD-09: an edit fetches the card, sends it whole with
/// the field changed, and reads back what was stored.
#[test]
fn vcard_04_09_an_edit_sends_the_whole_card_and_reads_it_back() {
    let mut state = online();
    let mut effects = Vec::new();
    set(
        &mut state,
        5,
        "/vcard set fn",
        Field::FullName,
        Some("Juliet C.".into()),
        &mut effects,
    );
    assert_eq!(
        requests(&effects),
        [(
            Query::VcardGet(None),
            Purpose::Vcard(Step::Fetch { tag: 5 })
        )]
    );
    let held = card(&[(Field::Nickname, "jules"), (Field::FullName, "Juliet")]);
    let mut effects = Vec::new();
    on_reply(
        &mut state,
        Step::Fetch { tag: 5 },
        Ok(Answer::Vcard(held)),
        &mut effects,
    );
    let sent = card(&[(Field::Nickname, "jules"), (Field::FullName, "Juliet C.")]);
    assert_eq!(
        requests(&effects),
        [(
            Query::VcardSet(sent.clone()),
            Purpose::Vcard(Step::Store { tag: 5 })
        )]
    );
    let mut effects = Vec::new();
    on_reply(
        &mut state,
        Step::Store { tag: 5 },
        Ok(Answer::Done),
        &mut effects,
    );
    assert_eq!(
        requests(&effects),
        [(
            Query::VcardGet(None),
            Purpose::Vcard(Step::Verify { tag: 5 })
        )]
    );
    let mut effects = Vec::new();
    on_reply(
        &mut state,
        Step::Verify { tag: 5 },
        Ok(Answer::Vcard(sent.clone())),
        &mut effects,
    );
    assert_eq!(
        result(&effects),
        (true, "fn is now \"Juliet C.\"".to_owned())
    );
    assert!(infos(&effects).contains("name: Juliet C."));
    assert_eq!(
        state.cards.get(&bare("juliet@example.com")),
        Some(&CardState::Loaded(sent))
    );
    assert!(state.cards.edits.is_empty());
}

/// VCARD-02, VCARD-04: with no card yet (item-not-found), the edit
/// starts from an empty one.
#[test]
fn vcard_04_an_edit_without_a_card_starts_empty() {
    let mut state = online();
    let mut effects = Vec::new();
    set(
        &mut state,
        1,
        "/vcard set note",
        Field::Note,
        Some("hi".into()),
        &mut effects,
    );
    let mut effects = Vec::new();
    on_reply(
        &mut state,
        Step::Fetch { tag: 1 },
        Err(stanza_error(
            StanzaCondition::ItemNotFound,
            ErrorType::Cancel,
        )),
        &mut effects,
    );
    assert_eq!(
        requests(&effects)[0].0,
        Query::VcardSet(card(&[(Field::Note, "hi")]))
    );
}

/// VCARD-09: a server that stores the card lossily is reported.
#[test]
fn vcard_09_a_lossy_store_is_reported() {
    let mut state = online();
    let mut effects = Vec::new();
    set(
        &mut state,
        2,
        "/vcard set desc",
        Field::Desc,
        Some("About me".into()),
        &mut effects,
    );
    on_reply(
        &mut state,
        Step::Verify { tag: 2 },
        Ok(Answer::Vcard(card(&[(Field::Note, "About me")]))),
        &mut effects,
    );
    let (ok, text) = result(&effects);
    assert!(ok);
    assert_eq!(
        text,
        "sent; the server did not keep desc (it keeps it as note)"
    );
}

/// VCARD-06: a refused set is explained, kept, and sent again by
/// `/vcard retry`.
#[test]
fn vcard_06_a_refused_set_is_explained_and_kept() {
    let mut state = online();
    let mut effects = Vec::new();
    set(
        &mut state,
        3,
        "/vcard set fn",
        Field::FullName,
        Some("J".into()),
        &mut effects,
    );
    let mut effects = Vec::new();
    on_reply(
        &mut state,
        Step::Store { tag: 3 },
        Err(stanza_error(StanzaCondition::Forbidden, ErrorType::Auth)),
        &mut effects,
    );
    let (ok, text) = result(&effects);
    assert!(!ok);
    assert!(text.contains("does not let you change"), "{text}");
    assert!(text.contains("/vcard retry"), "{text}");
    assert!(state.cards.refused.is_some());
    let mut effects = Vec::new();
    assert!(matches!(
        retry(&mut state, 4, &mut effects),
        Outcome::Pending
    ));
    assert_eq!(
        requests(&effects),
        [(
            Query::VcardGet(None),
            Purpose::Vcard(Step::Fetch { tag: 4 })
        )]
    );
    assert!(matches!(
        retry(&mut state, 5, &mut Vec::new()),
        Outcome::Failed(_)
    ));

    let mut wait = StanzaError::new(ErrorType::Wait, StanzaCondition::ResourceConstraint);
    assert!(explain_refusal(&wait).contains("try again later"));
    wait.condition = StanzaCondition::InternalServerError;
    assert!(explain_refusal(&wait).contains("try again later"));
    let mut pep = StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition);
    pep.text = Some("PEP publish\nfailed".into());
    assert_eq!(
        explain_refusal(&pep),
        "the server refused your card: PEP publish failed"
    );
}

/// VCARD-10, DISCO-07: a server without `vcard-temp` is not asked for our
/// card nor for its accounts' cards, and the user is told why; a contact
/// on another server is asked all the same.
#[test]
fn vcard_10_a_server_without_cards_is_not_asked() {
    let mut state = online();
    on_server_info(
        &mut state,
        &Ok(Answer::Features(vec!["urn:xmpp:ping".into()])),
    );
    let mut effects = Vec::new();
    for outcome in [
        show(&mut state, 1, "/vcard", None, &mut effects),
        show(
            &mut state,
            2,
            "/vcard nurse@example.com",
            Some(bare("nurse@example.com")),
            &mut effects,
        ),
        set(
            &mut state,
            3,
            "/vcard set fn",
            Field::FullName,
            Some("J".into()),
            &mut effects,
        ),
    ] {
        assert!(matches!(outcome, Outcome::Failed(why) if why == NO_SERVICE));
    }
    on_details_opened(&mut state, bare("nurse@example.com"), &mut effects);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        state.cards.get(&bare("nurse@example.com")),
        Some(&CardState::Failed(NO_SERVICE.to_owned()))
    );
    let romeo = bare("romeo@example.net");
    show(
        &mut state,
        4,
        "/vcard romeo@example.net",
        Some(romeo.clone()),
        &mut effects,
    );
    assert_eq!(requests(&effects)[0].0, Query::VcardGet(Some(romeo)));

    on_server_info(&mut state, &Ok(Answer::Features(vec!["vcard-temp".into()])));
    let mut effects = Vec::new();
    assert!(matches!(
        show(&mut state, 5, "/vcard", None, &mut effects),
        Outcome::Pending
    ));
}
