//! Whether the user is looking: notifications (bell, `[notify]
//! command`), `/mute`, `/me` (ME-*) and client state indication (CSI-*).

use super::*;
use crate::app::ViewMsg;
use crate::app::chat::Direction;

const ROMEO_SAYS: &str = "<message from='romeo@example.net/orchard' type='chat' id='m1'>\
     <body>hi</body></message>";
const ROMEO_WAVES: &str = "<message from='romeo@example.net/orchard' type='chat' id='m2'>\
     <body>/me waves</body></message>";

/// A logged-in store as the terminal UI drives it: notifications wanted.
fn watched() -> State {
    let mut state = logged_in();
    state.attention.notify = true;
    state
}

fn view(state: &mut State, msg: ViewMsg) -> Vec<Effect> {
    update(state, Msg::View(msg))
}

fn notifications(effects: &[Effect]) -> Vec<String> {
    trace(effects)
        .into_iter()
        .filter(|l| l.starts_with("notify ") || l.starts_with("csi: "))
        .collect()
}

/// A message for a conversation that is not on screen notifies, with our
/// name for the sender.
#[test]
fn message_not_on_screen_notifies() {
    let mut state = watched();
    assert_eq!(
        notifications(&message(&mut state, ROMEO_SAYS)),
        ["notify Romeo in romeo@example.net: hi"]
    );
}

/// On screen and looked at: nothing; on screen but the terminal lost the
/// focus, or the user is idle: a notification.
#[test]
fn message_on_screen_notifies_only_when_unfocused_or_idle() {
    let mut state = watched();
    run(&mut state, 1, "/msg romeo@example.net");
    assert_eq!(
        notifications(&message(&mut state, ROMEO_SAYS)),
        Vec::<String>::new()
    );

    view(&mut state, ViewMsg::Focus(false));
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m3'><body>there?</body></message>",
    );
    assert_eq!(
        notifications(&effects),
        ["notify Romeo in romeo@example.net: there?"]
    );

    view(&mut state, ViewMsg::Focus(true));
    view(&mut state, ViewMsg::Idle(true));
    let effects = message(
        &mut state,
        "<message from='romeo@example.net/orchard' type='chat' id='m4'><body>hello?</body></message>",
    );
    assert_eq!(
        notifications(&effects),
        ["notify Romeo in romeo@example.net: hello?"]
    );
}

/// A muted contact never notifies; /unmute brings it back.
#[test]
fn muted_contacts_never_notify() {
    let mut state = watched();
    let effects = run(&mut state, 1, "/mute romeo@example.net");
    assert_eq!(
        trace(&effects),
        [
            "save-muted",
            "emit: ok /mute romeo@example.net: romeo@example.net muted: their messages no longer notify"
        ]
    );
    // Muting again changes nothing to save.
    let effects = run(&mut state, 4, "/mute romeo@example.net");
    assert!(!trace(&effects).contains(&"save-muted".to_owned()));
    view(&mut state, ViewMsg::Focus(false));
    assert_eq!(
        notifications(&message(&mut state, ROMEO_SAYS)),
        Vec::<String>::new()
    );
    // Still shown and counted.
    assert_eq!(state.chats.unread(), 1);

    assert_eq!(
        trace(&run(&mut state, 2, "/unmute romeo@example.net")),
        [
            "save-muted",
            "emit: ok /unmute romeo@example.net: romeo@example.net unmuted"
        ]
    );
    assert_eq!(
        notifications(&message(&mut state, ROMEO_WAVES)),
        ["notify Romeo in romeo@example.net: Romeo waves"]
    );
    let effects = run(&mut state, 3, "/unmute romeo@example.net");
    assert_eq!(
        trace(&effects),
        ["emit: failed /unmute romeo@example.net: romeo@example.net is not muted"]
    );
}

/// Mutes read from disk at start apply at once.
#[test]
fn muted_from_an_earlier_run() {
    let mut state = watched();
    update(&mut state, Msg::Muted(vec![bare("romeo@example.net")]));
    assert_eq!(
        notifications(&message(&mut state, ROMEO_SAYS)),
        Vec::<String>::new()
    );
}

/// `exec` (notifications not wanted) never gets them.
#[test]
fn no_notifications_unless_wanted() {
    let mut state = logged_in();
    assert_eq!(
        notifications(&message(&mut state, ROMEO_SAYS)),
        Vec::<String>::new()
    );
}

/// ME-03: `/me waves` sends the body `/me waves` unchanged to the
/// conversation on screen; the command parser does not swallow it.
#[test]
fn me_03_me_sends_the_body_unchanged() {
    assert_eq!(
        command::parse("/me waves  twice").unwrap(),
        command::Action::Me {
            text: "waves  twice".into()
        }
    );
    assert!(command::parse("/me").is_err());
    let mut state = logged_in();
    run(&mut state, 1, "/msg romeo@example.net");
    let lines = trace(&run(&mut state, 2, "/me waves"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "message: <message to='romeo@example.net' type='chat' id='ID'><body>/me waves</body>"
        ),
        "{lines:?}"
    );
    assert_eq!(lines[1], "emit: ok /me: sent");
    let id = state.active.unwrap();
    let line = state.chats.get(id).unwrap().lines.back().unwrap();
    assert_eq!(line.direction, Direction::Outgoing);
    assert_eq!(line.body, "/me waves");
}

/// ME-01, ME-02: an incoming action is reported with our name for the
/// sender; anything else is not an action.
#[test]
fn me_01_me_02_action_label() {
    let mut state = logged_in();
    assert_eq!(
        trace(&message(&mut state, ROMEO_WAVES)),
        ["emit: message chat from romeo@example.net/orchard: * Romeo waves"]
    );
    let effects = message(
        &mut state,
        "<message from='tybalt@example.org/x' type='chat' id='m5'><body>/me draws</body></message>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: message chat from tybalt@example.org/x: * tybalt draws"]
    );
    // ME-04, ME-05: in a room the sender is the occupant's nick.
    in_room(&mut state, "verona@rooms.example.net", "juliet");
    let effects = message(
        &mut state,
        "<message from='verona@rooms.example.net/nurse' type='groupchat' id='g1'>\
         <body>/me has left the room</body></message>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: message groupchat from verona@rooms.example.net/nurse: * nurse has left the room"]
    );
    let effects = message(
        &mut state,
        "<message from='tybalt@example.org/x' type='chat' id='m6'><body> /me draws</body></message>",
    );
    assert_eq!(
        trace(&effects),
        ["emit: message chat from tybalt@example.org/x:  /me draws"]
    );
}

fn with_csi() -> StreamFeatures {
    StreamFeatures {
        csi: true,
        ..features(false, false)
    }
}

/// CSI-01: without the feature nothing is sent, whatever the focus.
#[test]
fn csi_01_not_offered_nothing_sent() {
    let mut state = logged_in();
    assert_eq!(
        notifications(&view(&mut state, ViewMsg::Focus(false))),
        Vec::<String>::new()
    );
    assert_eq!(
        notifications(&view(&mut state, ViewMsg::Idle(true))),
        Vec::<String>::new()
    );
}

/// CSI-02, CSI-03, CSI-05: inactive on focus loss, active on return, each
/// once; presence is untouched.
#[test]
fn csi_02_03_05_focus_and_idle() {
    let mut state = logged_in_with(Preferences::default(), with_csi());
    let effects = view(&mut state, ViewMsg::Focus(false));
    assert_eq!(trace(&effects), ["csi: <inactive xmlns='urn:xmpp:csi:0'/>"]);
    // Idle on top of unfocused: still inactive, not said again.
    assert_eq!(
        trace(&view(&mut state, ViewMsg::Idle(true))),
        Vec::<String>::new()
    );
    assert_eq!(
        trace(&view(&mut state, ViewMsg::Focus(true))),
        Vec::<String>::new()
    );
    assert_eq!(
        trace(&view(&mut state, ViewMsg::Idle(false))),
        ["csi: <active xmlns='urn:xmpp:csi:0'/>"]
    );
    assert_eq!(
        trace(&view(&mut state, ViewMsg::Focus(true))),
        Vec::<String>::new()
    );
}

/// CSI-03, CSI-07: a new session starts active: an away user makes it
/// inactive at once; a resume repeats the current state.
#[test]
fn csi_07_new_session_and_resume() {
    let mut state = logged_in_with(Preferences::default(), with_csi());
    view(&mut state, ViewMsg::Focus(false));
    let effects = online(&mut state, with_csi());
    assert!(
        trace(&effects).contains(&"csi: <inactive xmlns='urn:xmpp:csi:0'/>".to_owned()),
        "{:?}",
        trace(&effects)
    );
    let effects = session(&mut state, SessionEvent::Resumed);
    assert_eq!(
        notifications(&effects),
        ["csi: <inactive xmlns='urn:xmpp:csi:0'/>"]
    );
    // Looking at a fresh session: nothing (never <active/> first).
    view(&mut state, ViewMsg::Focus(true));
    let effects = online(&mut state, with_csi());
    assert_eq!(notifications(&effects), Vec::<String>::new());
}
