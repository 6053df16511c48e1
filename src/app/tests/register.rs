//! Registering a nick with a room (XEP-0045 §7.10; checklist MUC-33).

use super::*;
use crate::xmpp::stanza::muc::register::Registration;

const ROOM: &str = "verona@conference.example.com";

fn form() -> crate::xmpp::stanza::data_form::DataForm {
    crate::xmpp::stanza::data_form::DataForm::parse(&test_xml::parse(
        "<x xmlns='jabber:x:data' type='form'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#register</value></field>\
         <field var='muc#register_roomnick' type='text-single'/></x>",
    ))
}

/// MUC-33: the form is asked for, sent back with the nick, and the
/// room's result is the command's.
#[test]
fn muc_33_register_submits_the_form_with_the_nick() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, &format!("/register {ROOM} thirdwitch"));
    let lines = trace(&effects);
    assert!(
        lines[0].contains(&format!(
            "<iq type='get' id='ID' to='{ROOM}'><query xmlns='jabber:iq:register'/></iq>"
        )),
        "{lines:?}"
    );
    let submit = reply_to_request(
        &mut state,
        &effects,
        Ok(Answer::RoomRegistration(Registration::Form(form()))),
    );
    let lines = trace(&submit);
    assert!(
        lines[0].contains("<iq type='set'")
            && lines[0].contains("var='muc#register_roomnick'")
            && lines[0].contains("<value>thirdwitch</value>"),
        "{lines:?}"
    );
    let done = reply_to_request(&mut state, &submit, Ok(Answer::Done));
    assert_eq!(
        results(&done),
        [format!(
            "ok /register {ROOM}: registered with {ROOM} as thirdwitch"
        )]
    );
}

/// MUC-33: a room that has us already says so; nothing is submitted.
#[test]
fn muc_33_registered_already() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, &format!("/register {ROOM}"));
    let done = reply_to_request(
        &mut state,
        &effects,
        Ok(Answer::RoomRegistration(Registration::Registered)),
    );
    assert_eq!(
        results(&done),
        [format!(
            "ok /register {ROOM}: you are registered with {ROOM} already"
        )]
    );
}

/// MUC-33: a nick registered by someone else is explained.
#[test]
fn muc_33_conflict_is_explained() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, &format!("/register {ROOM} thirdwitch"));
    let submit = reply_to_request(
        &mut state,
        &effects,
        Ok(Answer::RoomRegistration(Registration::Form(form()))),
    );
    let refused = reply_to_request(
        &mut state,
        &submit,
        Err(RequestError::Stanza(StanzaError::new(
            ErrorType::Cancel,
            StanzaCondition::Conflict,
        ))),
    );
    let lines = results(&refused);
    assert!(
        lines[0].contains("registered with") && lines[0].contains("someone else"),
        "{lines:?}"
    );
}
