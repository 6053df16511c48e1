//! Moderation and invitations in rooms (XEP-0045 §7.8, §8…§10, XEP-0249;
//! checklist MUC-30, MUC-31, MUC-36…44, MUC-48…53).

use super::*;
use crate::app::room::moderation::Pending;
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};

const ROOM: &str = "verona@conference.example.com";

/// In [`ROOM`] as juliet with `affiliation` and `role`, with tybalt (a
/// participant whose real JID shows) and nurse (an admin, JID hidden).
fn in_room_as(affiliation: &str, role: &str) -> State {
    let mut state = logged_in();
    in_room(&mut state, ROOM, "juliet");
    presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='{affiliation}' role='{role}'/><status code='110'/></x></presence>"
        ),
    );
    presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/tybalt'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='participant' jid='tybalt@example.com/sword'/></x></presence>"
        ),
    );
    presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/nurse'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='admin' role='moderator'/></x></presence>"
        ),
    );
    state.active = state.chats.find_room(&bare(ROOM), None);
    state
}

fn refusal(condition: StanzaCondition) -> Result<Answer, RequestError> {
    Err(RequestError::Stanza(StanzaError::new(
        ErrorType::Cancel,
        condition,
    )))
}

/// MUC-36: a moderator's kick is a muc#admin set of role none by nick,
/// and its result comes with the room's answer.
#[test]
fn muc_36_kick_by_nick_with_reason() {
    let mut state = in_room_as("none", "moderator");
    let effects = run(&mut state, 1, "/kick tybalt brawling");
    assert_eq!(
        trace(&effects),
        [format!(
            "request Moderation {{ tag: 1, label: \"/kick tybalt\", pending: {:?} }}: \
             <iq type='set' id='ID' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'>\
             <item role='none' nick='tybalt'><reason>brawling</reason></item></query></iq>",
            Pending {
                room: bare(ROOM),
                target: "tybalt".into(),
                done: format!("tybalt was kicked from {ROOM}"),
                destroys: false,
                at: 100,
            }
        )]
    );
    let done = reply_to_request(&mut state, &effects, Ok(Answer::Done));
    assert_eq!(
        results(&done),
        [format!("ok /kick tybalt: tybalt was kicked from {ROOM}")]
    );
}

/// MUC-36: the room's `not-allowed` is explained (the target outranks us),
/// in the result and as a room line.
#[test]
fn muc_36_refusal_is_explained() {
    let mut state = in_room_as("none", "moderator");
    let effects = run(&mut state, 1, "/kick tybalt");
    let refused = reply_to_request(&mut state, &effects, refusal(StanzaCondition::NotAllowed));
    let lines = results(&refused);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("tybalt outranks you"), "{lines:?}");
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    let last = state.chats.get(id).unwrap().lines.back().unwrap();
    assert!(
        last.notice && last.body.contains("outranks"),
        "{}",
        last.body
    );
}

/// MUC-36, MUC-37: without the moderator role nothing is sent, and the
/// user learns why; nor may a moderator act on an admin.
#[test]
fn muc_37_rights_are_checked_first() {
    let mut state = in_room_as("none", "participant");
    for line in ["/kick tybalt", "/voice tybalt", "/devoice tybalt"] {
        let effects = run(&mut state, 1, line);
        let lines = results(&effects);
        assert!(lines[0].contains("only moderators"), "{line}: {lines:?}");
        assert!(!effects.iter().any(|e| matches!(e, Effect::Request { .. })));
    }
    let mut state = in_room_as("member", "moderator");
    let lines = results(&run(&mut state, 1, "/kick nurse"));
    assert!(lines[0].contains("nurse is an admin"), "{lines:?}");
    let lines = results(&run(&mut state, 1, "/role tybalt moderator"));
    assert!(lines[0].contains("only admins and owners"), "{lines:?}");
    let lines = results(&run(&mut state, 1, "/kick romeo"));
    assert!(lines[0].contains("nobody is called romeo"), "{lines:?}");
}

/// MUC-37: voice is role participant, devoice role visitor, by nick.
#[test]
fn muc_37_voice_and_devoice() {
    let mut state = in_room_as("none", "moderator");
    let voice = trace(&run(&mut state, 1, "/voice tybalt"));
    assert!(
        voice[0].contains("<item role='participant' nick='tybalt'/>"),
        "{voice:?}"
    );
    let devoice = trace(&run(&mut state, 2, "/devoice tybalt"));
    assert!(
        devoice[0].contains("<item role='visitor' nick='tybalt'/>"),
        "{devoice:?}"
    );
}

/// MUC-38: a ban is by bare JID; a nick resolves through the real JID the
/// room shows, and is refused, with why, when it hides it.
#[test]
fn muc_38_ban_by_jid_or_visible_nick() {
    let mut state = in_room_as("admin", "moderator");
    let by_nick = trace(&run(&mut state, 1, "/ban tybalt brawling"));
    assert!(
        by_nick[0].contains(
            "<item affiliation='outcast' jid='tybalt@example.com'><reason>brawling</reason></item>"
        ),
        "{by_nick:?}"
    );
    let by_jid = trace(&run(&mut state, 2, "/ban romeo@example.net"));
    assert!(
        by_jid[0].contains("<item affiliation='outcast' jid='romeo@example.net'/>"),
        "{by_jid:?}"
    );
    let hidden = run(&mut state, 3, "/ban nurse");
    let lines = results(&hidden);
    assert!(
        lines[0].contains("does not show nurse's address"),
        "{lines:?}"
    );
    let mut state = in_room_as("member", "participant");
    let lines = results(&run(&mut state, 1, "/ban tybalt"));
    assert!(lines[0].contains("only admins and owners"), "{lines:?}");
}

/// MUC-39: only owners grant admin; admins grant membership.
#[test]
fn muc_39_affiliation_rights() {
    let mut state = in_room_as("admin", "moderator");
    let lines = results(&run(&mut state, 1, "/affiliation romeo@example.net admin"));
    assert!(lines[0].contains("only owners"), "{lines:?}");
    let member = trace(&run(&mut state, 2, "/affiliation romeo@example.net member"));
    assert!(
        member[0].contains("<item affiliation='member' jid='romeo@example.net'/>"),
        "{member:?}"
    );
}

/// MUC-44: only an owner destroys, with a muc#owner `<destroy/>`.
#[test]
fn muc_44_destroy() {
    let mut state = in_room_as("admin", "moderator");
    let lines = results(&run(&mut state, 1, "/destroy"));
    assert!(lines[0].contains("only owners may destroy"), "{lines:?}");
    let mut state = in_room_as("owner", "moderator");
    let effects = run(&mut state, 2, "/destroy moved on");
    let sent = trace(&effects);
    assert!(
        sent[0].contains(
            "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy><reason>moved on</reason></destroy></query>"
        ),
        "{sent:?}"
    );
    let refused = reply_to_request(&mut state, &effects, refusal(StanzaCondition::Forbidden));
    assert!(results(&refused)[0].contains("does not allow it"));
}

/// `--room` names the room when the window on screen is no room's.
#[test]
fn room_option_or_current_window() {
    let mut state = in_room_as("none", "moderator");
    state.active = None;
    let lines = results(&run(&mut state, 1, "/kick tybalt"));
    assert!(lines[0].contains("no room here"), "{lines:?}");
    let effects = run(&mut state, 2, &format!("/kick --room {ROOM} tybalt"));
    assert!(effects.iter().any(|e| matches!(e, Effect::Request { .. })));
}

/// MUC-31: `/invite --mediated` is a muc#user `<invite to/>` through the
/// room; the room's refusal of it becomes a room line and a room-error
/// event.
#[test]
fn muc_31_mediated_invitation_and_its_refusal() {
    let mut state = in_room_as("none", "participant");
    let effects = run(
        &mut state,
        1,
        "/invite --mediated romeo@example.net join us",
    );
    assert_eq!(
        trace(&effects),
        [
            format!(
                "message: <message to='{ROOM}' type='normal' id='ID'>\
                 <x xmlns='http://jabber.org/protocol/muc#user'><invite to='romeo@example.net'>\
                 <reason>join us</reason></invite></x></message>"
            ),
            format!("emit: ok /invite romeo@example.net: invited romeo@example.net to {ROOM}"),
        ]
    );
    let Some(Effect::SendMessage(sent)) = effects.first() else {
        panic!("no message");
    };
    let id = sent.id.clone().unwrap();
    let refused = message(
        &mut state,
        &format!(
            "<message from='{ROOM}' type='error' id='{id}'><error type='auth'>\
             <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        ),
    );
    assert_eq!(
        trace(&refused),
        [format!(
            "emit: room-error {ROOM} forbidden: {ROOM} does not let you invite romeo@example.net"
        )]
    );
}

/// MUC-31: a decline the room relays is shown in the room.
#[test]
fn muc_31_decline_relayed_by_the_room() {
    let mut state = in_room_as("none", "participant");
    let effects = message(
        &mut state,
        &format!(
            "<message from='{ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <decline from='romeo@example.net/orchard'><reason>busy</reason></decline></x></message>"
        ),
    );
    assert_eq!(
        trace(&effects),
        [format!(
            "emit: invitation-declined {ROOM} by=romeo@example.net \"busy\""
        )]
    );
    let id = state.chats.find_room(&bare(ROOM), None).unwrap();
    let last = state.chats.get(id).unwrap().lines.back().unwrap();
    assert_eq!(
        last.body,
        format!("romeo@example.net declined your invitation to {ROOM}: busy")
    );
}

const MEDIATED: &str = "<message from='verona@conference.example.com'>\
    <x xmlns='http://jabber.org/protocol/muc#user'>\
    <invite from='romeo@example.net/orchard'><reason>come up</reason></invite>\
    <password>montague</password></x></message>";
const DIRECT: &str = "<message from='romeo@example.net/orchard'>\
    <x xmlns='jabber:x:conference' jid='verona@conference.example.com' \
    password='montague' reason='come up'/></message>";

/// MUC-30, MUC-48, MUC-49, MUC-53: a mediated and a direct invitation to
/// the same room are one request; nothing is joined until the user
/// accepts, and the join carries the password, which nothing shows.
#[test]
fn muc_49_one_request_per_room_joined_on_accept() {
    let mut state = logged_in();
    let first = message(&mut state, MEDIATED);
    assert_eq!(
        trace(&first),
        [format!(
            "emit: invitation {ROOM} mediated from=romeo@example.net \"come up\""
        )]
    );
    assert!(trace(&message(&mut state, DIRECT)).is_empty(), "merged");
    assert_eq!(state.invitations.len(), 1);
    assert!(state.rooms.get(&bare(ROOM)).is_none(), "never joined alone");
    let request = state.invitations.get(&bare(ROOM)).unwrap();
    assert!(request.mediated && request.has_password());
    assert!(!format!("{request:?}").contains("montague"), "MUC-53");
    assert!(!request.describe().contains("montague"), "MUC-53");
    assert!(!last_notice(&state).text.contains("montague"), "MUC-53");

    let effects = run(&mut state, 1, "/accept");
    assert!(state.invitations.is_empty());
    no_reserved_nick(&mut state, ROOM);
    let joined = update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::RoomInfo { room: bare(ROOM) },
            result: Ok(Answer::Features(Vec::new())),
        },
    );
    assert!(trace(&effects)[0].starts_with("request RoomInfo"));
    assert_eq!(
        sent_presences(&joined),
        [format!(
            "<presence to='{ROOM}/juliet'><x xmlns='http://jabber.org/protocol/muc'>\
             <history maxstanzas='50'/><password>montague</password></x></presence>"
        )]
    );
}

/// MUC-30: declining a mediated invitation answers the inviter through the
/// room; a direct one is only forgotten (MUC-48).
#[test]
fn muc_30_decline_goes_through_the_room() {
    let mut state = logged_in();
    message(&mut state, MEDIATED);
    let effects = run(&mut state, 1, "/decline busy tonight");
    assert_eq!(
        trace(&effects),
        [
            format!(
                "message: <message to='{ROOM}' type='normal' id='ID'>\
                 <x xmlns='http://jabber.org/protocol/muc#user'><decline to='romeo@example.net'>\
                 <reason>busy tonight</reason></decline></x></message>"
            ),
            format!("emit: ok /decline: declined romeo@example.net's invitation to {ROOM}"),
        ]
    );
    message(&mut state, DIRECT);
    let effects = run(&mut state, 2, &format!("/decline {ROOM}"));
    assert_eq!(
        trace(&effects),
        [format!(
            "emit: ok /decline {ROOM}: forgot the invitation to {ROOM}"
        )]
    );
}

/// MUC-49: an invitation to a room we are in is dropped.
#[test]
fn muc_49_invitation_to_a_room_we_are_in_is_dropped() {
    let mut state = in_room_as("none", "participant");
    assert!(trace(&message(&mut state, DIRECT)).is_empty());
    assert!(state.invitations.is_empty());
}

/// MUC-51: reasons are one sanitised line, and strangers' prompts are
/// rate-limited.
#[test]
fn muc_51_untrusted_invitations() {
    let mut state = logged_in();
    message(
        &mut state,
        "<message from='mallory@evil.example/x'>\
         <x xmlns='jabber:x:conference' jid='pit@conference.evil.example' \
         reason='hi&#x1b;[2J&#10;there'/></message>",
    );
    let request = state
        .invitations
        .get(&bare("pit@conference.evil.example"))
        .unwrap();
    assert_eq!(request.reason.as_deref(), Some("hi[2J there"));
    for n in 0..20 {
        message(
            &mut state,
            &format!(
                "<message from='mallory@evil.example/x'>\
                 <x xmlns='jabber:x:conference' jid='pit{n}@conference.evil.example'/></message>"
            ),
        );
    }
    assert_eq!(
        state.invitations.len(),
        crate::app::room::invitation::STRANGER_LIMIT
    );
}

/// MUC-41, MUC-42: `/configure KEY=VALUE` fetches the form, sets the
/// named fields by type and submits the whole form; a field the form
/// lacks, or a value its type refuses, fails before anything is sent.
#[test]
fn muc_41_configure_sets_named_fields_and_submits_the_whole_form() {
    use crate::xmpp::stanza::data_form::DataForm;
    let form = DataForm::parse(&crate::xmpp::stanza::test_xml::parse(
        "<x xmlns='jabber:x:data' type='form'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>\
         <field var='muc#roomconfig_roomname' type='text-single'><value/></field>\
         <field var='muc#roomconfig_persistentroom' type='boolean'><value>0</value></field>\
         <field var='muc#roomconfig_whois' type='list-single'><value>moderators</value>\
         <option><value>moderators</value></option><option><value>anyone</value></option></field></x>",
    ));
    let mut state = in_room_as("owner", "moderator");
    let asked = run(
        &mut state,
        1,
        "/configure persistent=yes name=\"The feast\" whois=anyone",
    );
    assert!(trace(&asked)[0].contains("<query xmlns='http://jabber.org/protocol/muc#owner'/>"));
    let submitted = reply_to_request(&mut state, &asked, Ok(Answer::Form(form.clone())));
    let sent = trace(&submitted);
    assert!(
        sent[0].contains(
            "<x xmlns='jabber:x:data' type='submit'>\
             <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>\
             <field var='muc#roomconfig_roomname' type='text-single'><value>The feast</value></field>\
             <field var='muc#roomconfig_persistentroom' type='boolean'><value>1</value></field>\
             <field var='muc#roomconfig_whois' type='list-single'><value>anyone</value></field></x>"
        ),
        "{sent:?}"
    );
    let done = reply_to_request(&mut state, &submitted, Ok(Answer::Done));
    // The result waits for the room's new flags, so the next command sees them.
    assert!(results(&done).is_empty(), "{:?}", trace(&done));
    let info = reply_to_request(
        &mut state,
        &done,
        Ok(Answer::Features(vec!["muc_membersonly".to_owned()])),
    );
    assert_eq!(
        results(&info),
        [format!("ok /configure: {ROOM} is configured")]
    );
    assert!(state.rooms.get(&bare(ROOM)).unwrap().flags.members_only);
    for (line, why) in [
        ("/configure whois=everyone", "one of moderators, anyone"),
        ("/configure persistent=maybe", "yes or no"),
        ("/configure nosuch=1", "no field nosuch"),
    ] {
        let asked = run(&mut state, 2, line);
        let refused = reply_to_request(&mut state, &asked, Ok(Answer::Form(form.clone())));
        assert!(results(&refused)[0].contains(why), "{line}: {refused:?}");
    }
    let mut state = in_room_as("admin", "moderator");
    let lines = results(&run(&mut state, 3, "/configure"));
    assert!(lines[0].contains("only owners"), "{lines:?}");
}

/// `/join ROOM/NICK --configure` up to the room's own presence with 201.
fn creating(line: &str) -> (State, Vec<Effect>) {
    let mut state = logged_in();
    let asked = run(&mut state, 7, line);
    let mut effects = reply_to_request(&mut state, &asked, Ok(Answer::Features(Vec::new())));
    effects.extend(presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x></presence>"
        ),
    ));
    (state, effects)
}

fn config_form() -> crate::xmpp::stanza::data_form::DataForm {
    crate::xmpp::stanza::data_form::DataForm::parse(&crate::xmpp::stanza::test_xml::parse(
        "<x xmlns='jabber:x:data' type='form'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>\
         <field var='muc#roomconfig_roomname' type='text-single'><value/></field>\
         <field var='muc#roomconfig_persistentroom' type='boolean'><value>0</value></field></x>",
    ))
}

/// MUC-45: `/join --configure` creating a room fetches and lists its
/// form instead of making it instant; the join is reported when the room
/// sends its subject, saying the room stays closed until the form,
/// changed or as it is, is submitted.
#[test]
fn muc_45_join_configure_shows_the_form_and_completes_on_submit() {
    for (submit, sent_field) in [
        (
            "/configure name=Feast",
            "<field var='muc#roomconfig_roomname' type='text-single'><value>Feast</value></field>",
        ),
        (
            "/configure submit",
            "<field var='muc#roomconfig_roomname' type='text-single'><value/></field>",
        ),
    ] {
        let (mut state, effects) =
            creating("/join verona@conference.example.com/juliet --configure");
        let lines = trace(&effects);
        assert!(
            !lines.iter().any(|l| l.contains("InstantRoom")),
            "{lines:#?}"
        );
        let form_request = effects
            .iter()
            .filter(|e| matches!(e, Effect::Request { .. }))
            .cloned()
            .collect::<Vec<_>>();
        assert!(
            trace(&form_request)
                .last()
                .is_some_and(|l| l.contains("step: Creating")
                    && l.contains("<query xmlns='http://jabber.org/protocol/muc#owner'/>")),
            "{lines:#?}"
        );
        let shown = reply_to_request(
            &mut state,
            &form_request[form_request.len() - 1..],
            Ok(Answer::Form(config_form())),
        );
        let shown = trace(&shown).join("\n");
        assert!(
            shown.contains("name (text-single) =") && shown.contains("/configure submit"),
            "{shown}"
        );
        // The subject ends the join; the room stays closed until the submit.
        let subject = message(
            &mut state,
            &format!("<message from='{ROOM}' type='groupchat'><subject/></message>"),
        );
        let joined = results(&subject);
        assert!(
            joined
                .iter()
                .any(|l| l.contains("/join")
                    && l.contains("stays closed to others until you submit")),
            "{joined:?}"
        );
        assert!(state.rooms.get(&bare(ROOM)).unwrap().awaiting_configuration);
        let asked = run(&mut state, 8, submit);
        let submitted = reply_to_request(&mut state, &asked, Ok(Answer::Form(config_form())));
        let sent = trace(&submitted);
        assert!(
            sent[0].contains("type='submit'") && sent[0].contains(sent_field),
            "{sent:?}"
        );
        let done = reply_to_request(&mut state, &submitted, Ok(Answer::Done));
        let done = reply_to_request(&mut state, &done, Ok(Answer::Features(Vec::new())));
        let done = results(&done);
        assert!(done.iter().any(|l| l.contains("is configured")), "{done:?}");
        assert!(!state.rooms.get(&bare(ROOM)).unwrap().awaiting_configuration);
    }
}

/// MUC-43, MUC-45: `/configure cancel` during the creation sends a
/// cancel form; the `/join` fails and the user is told the room goes.
#[test]
fn muc_43_cancel_during_creation_destroys_the_room() {
    let (mut state, _) = creating("/join verona@conference.example.com/juliet --configure");
    let asked = run(&mut state, 8, "/configure cancel");
    assert!(
        trace(&asked)[0].contains(
            "<query xmlns='http://jabber.org/protocol/muc#owner'>\
             <x xmlns='jabber:x:data' type='cancel'/></query>"
        ),
        "{asked:?}"
    );
    let done = results(&reply_to_request(&mut state, &asked, Ok(Answer::Done)));
    assert!(
        done.iter()
            .any(|l| l.contains("/join") && l.contains("cancelled")),
        "{done:?}"
    );
    assert!(
        done.iter().any(|l| l.contains("destroys the room")),
        "{done:?}"
    );
}

/// MUC-45: `[rooms] create = "configure"` makes every `/join` creation
/// wait for the form; the default stays instant.
#[test]
fn muc_45_configured_creation_by_preference() {
    let mut state = logged_in();
    state.prefs.room_create_configure = true;
    let asked = run(&mut state, 7, "/join verona@conference.example.com/juliet");
    reply_to_request(&mut state, &asked, Ok(Answer::Features(Vec::new())));
    let effects = presence(
        &mut state,
        &format!(
            "<presence from='{ROOM}/juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x></presence>"
        ),
    );
    let lines = trace(&effects);
    assert!(
        lines.iter().any(|l| l.contains("step: Creating")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("InstantRoom")),
        "{lines:#?}"
    );
    use crate::config::{RoomCreation, RoomsConfig};
    let rooms: RoomsConfig = toml::from_str("create = \"configure\"").unwrap();
    assert_eq!(rooms.create, RoomCreation::Configure);
    let rooms: RoomsConfig = toml::from_str("").unwrap();
    assert_eq!(rooms.create, RoomCreation::Instant);
    assert!(toml::from_str::<RoomsConfig>("create = \"later\"").is_err());
}

/// MUC-50: in a room that is not members-only `/invite` sends a direct
/// invitation (XEP-0249) to the invitee, with the password the room was
/// joined with; in a members-only one it goes through the room (MUC-31);
/// `--direct` and `--mediated` choose.
#[test]
fn muc_50_direct_invitation_unless_members_only() {
    let mut state = in_room_as("none", "participant");
    state.rooms.get_mut(&bare(ROOM)).unwrap().password = Some("tomb".into());
    let effects = run(&mut state, 1, "/invite romeo@example.net join us");
    assert_eq!(
        trace(&effects),
        [
            format!(
                "message: <message to='romeo@example.net' type='normal' id='ID'>\
                 <x xmlns='jabber:x:conference' jid='{ROOM}' password='tomb' reason='join us'/></message>"
            ),
            format!(
                "emit: ok /invite romeo@example.net: invited romeo@example.net to {ROOM} (direct invitation)"
            ),
        ]
    );
    state.rooms.get_mut(&bare(ROOM)).unwrap().flags.members_only = true;
    let mediated = trace(&run(&mut state, 2, "/invite romeo@example.net"));
    assert!(
        mediated[0].contains(&format!("<message to='{ROOM}'"))
            && mediated[0].contains("<invite to='romeo@example.net'/>"),
        "{mediated:?}"
    );
    let forced = trace(&run(&mut state, 3, "/invite --direct romeo@example.net"));
    assert!(forced[0].contains("jabber:x:conference"), "{forced:?}");
}

#[test]
fn invite_options_parse() {
    use crate::app::command::{Action, parse};
    use crate::app::room::invitation::Via;
    for (line, room, via) in [
        ("/invite romeo@example.net hi", None, Via::Auto),
        ("/invite --direct romeo@example.net", None, Via::Direct),
        (
            "/invite --mediated --room verona@conference.example.com romeo@example.net",
            Some(bare(ROOM)),
            Via::Mediated,
        ),
        (
            "/invite --room verona@conference.example.com --direct romeo@example.net",
            Some(bare(ROOM)),
            Via::Direct,
        ),
    ] {
        let Action::Invite {
            room: r,
            via: v,
            jid,
            ..
        } = parse(line).unwrap()
        else {
            panic!("{line}");
        };
        assert_eq!(
            (r, v, jid),
            (room, via, bare("romeo@example.net")),
            "{line}"
        );
    }
}

/// MUC-40: a change of role or affiliation is a line in words.
#[test]
fn muc_40_rank_changes_in_words() {
    let mut state = in_room_as("owner", "moderator");
    let change = |state: &mut State, affiliation: &str, role: &str| {
        presence(
            state,
            &format!(
                "<presence from='{ROOM}/tybalt'><x xmlns='http://jabber.org/protocol/muc#user'>\
                 <item affiliation='{affiliation}' role='{role}' jid='tybalt@example.com/sword'/>\
                 </x></presence>"
            ),
        );
        let window = state.chats.find_room(&bare(ROOM), None).unwrap();
        state
            .chats
            .get(window)
            .unwrap()
            .lines
            .back()
            .unwrap()
            .body
            .clone()
    };
    assert_eq!(
        change(&mut state, "none", "visitor"),
        "tybalt is now a visitor"
    );
    assert_eq!(
        change(&mut state, "admin", "moderator"),
        "tybalt is now an admin and a moderator"
    );
    assert_eq!(
        change(&mut state, "none", "moderator"),
        "tybalt is no longer an admin"
    );
    assert_eq!(
        change(&mut state, "member", "participant"),
        "tybalt is now a member and a participant"
    );
}
