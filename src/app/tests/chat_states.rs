//! Chat states in the store (checklist §14, STATES-*): what a contact's
//! states show and when they end, which messages never count, and which
//! states we send, when, and to whom.

use super::*;
use crate::app::ViewMsg;
use crate::app::chat::states::{self, MIN_GAP_MS, PAUSE_AFTER_MS, SHOWN_FOR_MS};
use crate::xmpp::stanza::carbons;
use crate::xmpp::stanza::chat_states::ChatState;

const NS: &str = "http://jabber.org/protocol/chatstates";

/// A standalone state from romeo/orchard.
fn romeo_state(state: &str) -> String {
    format!(
        "<message from='romeo@example.net/orchard' type='chat'>\
         <thread>t-77</thread><{state} xmlns='{NS}'/></message>"
    )
}

/// A content message from romeo/orchard, with `<active/>` when `active`.
fn romeo_says(body: &str, active: bool) -> String {
    let state = if active {
        format!("<active xmlns='{NS}'/>")
    } else {
        String::new()
    };
    format!(
        "<message from='romeo@example.net/orchard' type='chat'>\
         <thread>t-77</thread><body>{body}</body>{state}</message>"
    )
}

fn romeo() -> jid::BareJid {
    bare("romeo@example.net")
}

fn shown(state: &State) -> Option<ChatState> {
    state.chat_states.shown(&romeo())
}

fn lines_with_romeo(state: &State) -> usize {
    state
        .chats
        .latest_with(&romeo())
        .map_or(0, |c| c.lines.len())
}

fn tick(state: &mut State, at_ms: i64) -> Vec<Effect> {
    update(state, Msg::Tick { at_ms })
}

fn view(state: &mut State, msg: ViewMsg) -> Vec<Effect> {
    update(state, Msg::View(msg))
}

/// What the user typed since the last tick, at `at_ms`.
fn key(state: &mut State, composing: bool, at_ms: i64) -> Vec<Effect> {
    let mut effects = view(state, ViewMsg::Input { composing });
    effects.extend(tick(state, at_ms));
    effects
}

/// The standalone states among `effects`, as `to state`.
fn standalone(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendMessage(m) if m.bodies.is_empty() => Some(format!(
                "{} {}",
                m.to.as_ref().map(ToString::to_string).unwrap_or_default(),
                m.chat_state.map_or("none", ChatState::as_str)
            )),
            _ => None,
        })
        .collect()
}

/// Romeo's client sends states, he wrote to us, his conversation is on
/// screen, and we answered (so he was told we are active).
fn chatting_with_romeo() -> State {
    let mut state = logged_in();
    message(&mut state, &romeo_says("hi", true));
    let id = state.chats.latest_with(&romeo()).unwrap().id;
    view(&mut state, ViewMsg::Activate(id));
    tick(&mut state, 1_000);
    run(&mut state, 1, "hello romeo");
    assert_eq!(state.chat_states.told(id), Some(ChatState::Active));
    state
}

/// STATES-09, STATES-05: a standalone `<composing/>` shows, is reported
/// once however often it repeats, and is neither a line, nor a record, nor
/// a notification; romeo's next message (with `<active/>`) ends it.
#[test]
fn states_09_composing_shows_until_the_message() {
    let mut state = logged_in();
    state.attention.notify = true;
    let effects = message(&mut state, &romeo_state("composing"));
    assert_eq!(
        trace(&effects),
        ["emit: chat-state from romeo@example.net/orchard: composing"]
    );
    assert_eq!(shown(&state), Some(ChatState::Composing));
    assert_eq!(lines_with_romeo(&state), 0);
    assert!(state.chats.is_empty(), "no conversation from a state alone");
    // The same state again is no news.
    assert!(trace(&message(&mut state, &romeo_state("composing"))).is_empty());

    let effects = message(&mut state, &romeo_says("here I am", true));
    assert_eq!(
        events(&effects)[0].to_line(),
        "chat-state from romeo@example.net/orchard: active"
    );
    assert_eq!(shown(&state), None);
    assert_eq!(lines_with_romeo(&state), 1);
    assert_eq!(records(&effects).len(), 1, "only the content is stored");
}

/// STATES-09: paused shows as such; inactive and gone clear it; a message
/// without a state ends that resource's state too, and says romeo's client
/// does not take states (STATES-04).
#[test]
fn states_09_what_ends_a_state() {
    let mut state = logged_in();
    message(&mut state, &romeo_state("paused"));
    assert_eq!(shown(&state), Some(ChatState::Paused));
    for ending in ["inactive", "gone", "active"] {
        message(&mut state, &romeo_state("composing"));
        assert_eq!(shown(&state), Some(ChatState::Composing));
        message(&mut state, &romeo_state(ending));
        assert_eq!(shown(&state), None, "{ending}");
    }
    assert_eq!(state.chat_states.supported_by(&romeo()), Some(true));
    message(&mut state, &romeo_state("composing"));
    message(&mut state, &romeo_says("plain", false));
    assert_eq!(shown(&state), None);
    assert_eq!(state.chat_states.supported_by(&romeo()), Some(false));
}

/// STATES-09: shown per contact, kept per resource: the phone's composing
/// shows while the laptop is paused, and the phone's going offline leaves
/// the laptop's paused.
#[test]
fn states_09_per_resource_shown_per_contact() {
    let mut state = logged_in();
    message(
        &mut state,
        &format!(
            "<message from='romeo@example.net/laptop' type='chat'><paused xmlns='{NS}'/></message>"
        ),
    );
    message(
        &mut state,
        &format!(
            "<message from='romeo@example.net/phone' type='chat'><composing xmlns='{NS}'/></message>"
        ),
    );
    assert_eq!(shown(&state), Some(ChatState::Composing));
    presence(
        &mut state,
        "<presence from='romeo@example.net/phone' type='unavailable'/>",
    );
    assert_eq!(shown(&state), Some(ChatState::Paused));
    connection_lost(&mut state);
    assert_eq!(shown(&state), None, "a new session starts with nothing");
}

/// A state fades after [`SHOWN_FOR_MS`]: the store asks for a tick then.
#[test]
fn states_09_a_state_fades() {
    let mut state = logged_in();
    message(&mut state, &romeo_state("composing"));
    assert_eq!(states::next_deadline(&state), Some(SHOWN_FOR_MS));
    tick(&mut state, SHOWN_FOR_MS - 1);
    assert_eq!(shown(&state), Some(ChatState::Composing));
    tick(&mut state, SHOWN_FOR_MS);
    assert_eq!(shown(&state), None);
    assert_eq!(states::next_deadline(&state), None);
}

/// STATES-14, STATES-07, STATES-11: copies from our other devices (either
/// direction), groupchat states, errors and our own account never change
/// what is shown, and they report nothing.
#[test]
fn states_14_copies_and_rooms_never_count() {
    let mut state = logged_in();
    let inner =
        romeo_state("composing").replace("<message ", "<message to='juliet@example.com/phone' ");
    let effects = session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Received,
            message: Message::parse(&test_xml::parse(&inner)).unwrap(),
        },
    );
    assert!(trace(&effects).is_empty(), "{:?}", trace(&effects));
    let ours = format!(
        "<message from='juliet@example.com/phone' to='romeo@example.net' type='chat'>\
         <composing xmlns='{NS}'/></message>"
    );
    session(
        &mut state,
        SessionEvent::Carbon {
            direction: carbons::Direction::Sent,
            message: Message::parse(&test_xml::parse(&ours)).unwrap(),
        },
    );
    message(
        &mut state,
        &format!(
            "<message from='room@muc.example.net/romeo' type='groupchat'><composing xmlns='{NS}'/></message>"
        ),
    );
    message(&mut state, &ours);
    assert_eq!(shown(&state), None);
    assert_eq!(state.chat_states.shown(&bare("room@muc.example.net")), None);
    assert_eq!(state.chat_states.shown(&bare("juliet@example.com")), None);
    assert_eq!(state.chat_states.supported_by(&romeo()), None);
}

/// STATES-04, STATES-05: our messages carry `<active/>` (and only it)
/// until the contact answers without a state; then no more.
#[test]
fn states_04_content_messages_carry_active_until_ignored() {
    let mut state = logged_in();
    let effects = run(&mut state, 1, "/msg romeo@example.net hello");
    let sent = trace(&effects).remove(0);
    assert!(
        sent.ends_with(&format!(
            "<request xmlns='urn:xmpp:receipts'/><active xmlns='{NS}'/>\
             <markable xmlns='urn:xmpp:chat-markers:0'/></message>"
        )),
        "{sent}"
    );
    assert_eq!(sent.matches(NS).count(), 1);
    message(&mut state, &romeo_says("no states here", false));
    let sent = trace(&run(&mut state, 2, "again")).remove(0);
    assert!(!sent.contains(NS), "{sent}");
    // A groupchat or normal message never carries one (STATES-07).
    let sent = trace(&run(&mut state, 3, "/normal nurse@example.com hi")).remove(0);
    assert!(!sent.contains(NS), "{sent}");
}

/// STATES-03: with sending turned off, no state goes out at all, though
/// romeo's are still shown.
#[test]
fn states_03_sending_turned_off() {
    let prefs = Preferences {
        send_chat_states: false,
        ..Preferences::default()
    };
    let mut state = logged_in_with(prefs, features(false, false));
    message(&mut state, &romeo_state("composing"));
    assert_eq!(shown(&state), Some(ChatState::Composing));
    let sent = trace(&run(&mut state, 1, "/msg romeo@example.net hi")).remove(0);
    assert!(!sent.contains(NS), "{sent}");
    assert!(standalone(&key(&mut state, true, 2_000)).is_empty());
    assert!(standalone(&tick(&mut state, 2_000 + PAUSE_AFTER_MS)).is_empty());
    // Only romeo's state fading is waited for.
    assert_eq!(states::next_deadline(&state), Some(SHOWN_FOR_MS));
}

/// STATES-06, STATES-08: typing sends `<composing/>` once however many
/// keys, `<paused/>` after [`PAUSE_AFTER_MS`] without one, `<composing/>`
/// again on the next key (held back to [`MIN_GAP_MS`] after the last
/// state), and the message itself carries `<active/>` with no state of its
/// own after it. A standalone state carries the thread (STATES-05).
#[test]
fn states_06_08_typing_pausing_sending() {
    let mut state = chatting_with_romeo();
    let effects = key(&mut state, true, 2_000);
    assert_eq!(
        trace(&effects),
        [format!(
            "message: <message to='romeo@example.net/orchard' type='chat' id='ID'>\
             <thread>t-77</thread><composing xmlns='{NS}'/></message>"
        )]
    );
    for at in [2_100, 3_000, 4_000] {
        assert!(standalone(&key(&mut state, true, at)).is_empty(), "{at}");
    }
    assert_eq!(states::next_deadline(&state), Some(4_000 + PAUSE_AFTER_MS));
    assert!(standalone(&tick(&mut state, 8_999)).is_empty());
    assert_eq!(
        standalone(&tick(&mut state, 4_000 + PAUSE_AFTER_MS)),
        ["romeo@example.net/orchard paused"]
    );
    assert_eq!(states::next_deadline(&state), None, "nothing waits");
    // Typing again right away: held back until the gap is over.
    let paused_at = 4_000 + PAUSE_AFTER_MS;
    assert!(standalone(&key(&mut state, true, paused_at + 10)).is_empty());
    assert_eq!(states::next_deadline(&state), Some(paused_at + MIN_GAP_MS));
    assert_eq!(
        standalone(&tick(&mut state, paused_at + MIN_GAP_MS)),
        ["romeo@example.net/orchard composing"]
    );
    // Sent: the message says active; the emptied input adds nothing.
    let effects = run(&mut state, 1, "my answer");
    let sent = trace(&effects).remove(0);
    assert!(sent.ends_with(&format!(
        "<active xmlns='{NS}'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>"
    )));
    assert!(standalone(&key(&mut state, false, 20_000)).is_empty());
    assert_eq!(
        state.chat_states.told(state.active.unwrap()),
        Some(ChatState::Active)
    );
}

/// STATES-08: clearing the input returns to `<active/>`; a change undone
/// within the gap is never sent.
#[test]
fn states_08_clearing_the_input_and_undone_changes() {
    let mut state = chatting_with_romeo();
    key(&mut state, true, 2_000);
    assert_eq!(
        standalone(&key(&mut state, false, 5_000)),
        ["romeo@example.net/orchard active"]
    );
    // Typed and cleared within the gap: nothing at all.
    assert!(standalone(&key(&mut state, true, 5_500)).is_empty());
    assert!(standalone(&key(&mut state, false, 5_600)).is_empty());
    assert!(standalone(&tick(&mut state, 7_000)).is_empty());
    assert_eq!(states::next_deadline(&state), None);
}

/// STATES-08, STATES-10: leaving the window (another one on screen, or
/// the terminal losing the focus) says `<inactive/>`, coming back
/// `<active/>`, and closing it `<gone/>`, after which only typing speaks.
#[test]
fn states_08_10_leaving_coming_back_closing() {
    let mut state = chatting_with_romeo();
    let romeo_window = state.active.unwrap();
    run(&mut state, 1, "/msg nurse@example.com hi");
    assert_eq!(
        standalone(&tick(&mut state, 2_000)),
        ["romeo@example.net/orchard inactive"]
    );
    view(&mut state, ViewMsg::Activate(romeo_window));
    assert_eq!(
        standalone(&tick(&mut state, 3_000)),
        ["romeo@example.net/orchard active"]
    );
    view(&mut state, ViewMsg::Focus(false));
    assert_eq!(
        standalone(&tick(&mut state, 4_000)),
        ["romeo@example.net/orchard inactive"]
    );
    view(&mut state, ViewMsg::Focus(true));
    assert_eq!(
        standalone(&tick(&mut state, 5_000)),
        ["romeo@example.net/orchard active"]
    );
    view(&mut state, ViewMsg::Close(romeo_window));
    assert_eq!(
        standalone(&tick(&mut state, 6_000)),
        ["romeo@example.net/orchard gone"]
    );
    // Romeo writes again: the window opens, but only a message or typing
    // follows a `gone`.
    message(&mut state, &romeo_says("still there?", true));
    view(&mut state, ViewMsg::Activate(romeo_window));
    assert!(standalone(&tick(&mut state, 8_000)).is_empty());
    assert_eq!(
        standalone(&key(&mut state, true, 9_000)),
        ["romeo@example.net/orchard composing"]
    );
}

/// Leaving a window before the contact was told anything says nothing:
/// there is nothing to correct.
#[test]
fn states_08_nothing_told_nothing_to_correct() {
    let mut state = logged_in();
    message(&mut state, &romeo_says("hi", true));
    run(&mut state, 1, "/msg nurse@example.com hi");
    assert!(standalone(&tick(&mut state, 2_000)).is_empty());
    assert_eq!(states::next_deadline(&state), None);
}

/// STATES-04: a contact who never sent a state hears none of ours, and
/// neither does one while we are offline; the nurse gets only the
/// `<active/>` in the message.
#[test]
fn states_04_only_where_welcome() {
    let mut state = logged_in();
    run(&mut state, 1, "/msg nurse@example.com hello");
    assert!(standalone(&key(&mut state, true, 2_000)).is_empty());
    assert_eq!(states::next_deadline(&state), None);

    let mut state = chatting_with_romeo();
    connection_lost(&mut state);
    assert!(standalone(&key(&mut state, true, 2_000)).is_empty());
    assert_eq!(states::next_deadline(&state), None);
}

/// A bounce of one of our standalone states is not the user's business:
/// no notice, no event, and the contact gets no more states.
#[test]
fn states_bounce_of_a_state_is_swallowed() {
    let mut state = chatting_with_romeo();
    let effects = key(&mut state, true, 2_000);
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendMessage(m) => m.id.clone(),
            _ => None,
        })
        .unwrap();
    let notices = state.notices.len();
    let effects = message(
        &mut state,
        &format!(
            "<message from='romeo@example.net/orchard' type='error' id='{id}'>\
             <error type='cancel'><service-unavailable \
             xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        ),
    );
    assert!(trace(&effects).is_empty(), "{:?}", trace(&effects));
    assert_eq!(state.notices.len(), notices);
    assert_eq!(state.chat_states.supported_by(&romeo()), Some(false));
    assert!(standalone(&key(&mut state, false, 5_000)).is_empty());
}

/// STATES-10: after romeo's `<gone/>` our next message starts a new
/// thread (once, however many `gone`s come before it); romeo's late
/// message in the old thread still lands in the same window.
#[test]
fn states_10_new_thread_after_gone() {
    let mut state = chatting_with_romeo();
    let id = state.active.unwrap();
    let thread = |state: &State| state.chats.get(id).unwrap().thread.clone().unwrap();
    assert_eq!(thread(&state), "t-77");
    message(&mut state, &romeo_state("gone"));
    let renewed = thread(&state);
    assert_ne!(renewed, "t-77");
    assert_eq!(renewed.len(), 32, "MSG-07: a fresh random thread");
    message(&mut state, &romeo_state("gone"));
    assert_eq!(thread(&state), renewed, "renewed once until we write");
    message(&mut state, &romeo_says("one more thing", true));
    assert_eq!(state.chats.len(), 1, "the old thread still leads here");
    let sent = trace(&run(&mut state, 2, "go on")).remove(0);
    assert!(
        sent.contains(&format!("<thread>{renewed}</thread>")),
        "{sent}"
    );
}

/// The terminal loop sleeps until [`states::next_deadline`]: after every
/// tick the next one is later (or none), whatever happened, so it never
/// spins.
#[test]
fn a_tick_always_moves_the_deadline_on() {
    let mut state = chatting_with_romeo();
    let romeo_window = state.active.unwrap();
    let mut at = 2_000;
    type Step = Box<dyn Fn(&mut State)>;
    let steps: Vec<Step> = vec![
        Box::new(|s| {
            view(s, ViewMsg::Input { composing: true });
        }),
        Box::new(|s| {
            view(s, ViewMsg::Input { composing: false });
        }),
        Box::new(|s| {
            message(s, &romeo_state("composing"));
        }),
        Box::new(|s| {
            run(s, 9, "/msg nurse@example.com hi");
        }),
        Box::new(move |s| {
            view(s, ViewMsg::Activate(romeo_window));
        }),
        Box::new(|s| {
            view(s, ViewMsg::Focus(false));
        }),
        Box::new(|s| {
            view(s, ViewMsg::Focus(true));
        }),
        Box::new(|s| {
            connection_lost(s);
        }),
        Box::new(move |s| {
            view(s, ViewMsg::Close(romeo_window));
        }),
    ];
    for (i, step) in steps.iter().enumerate() {
        for _ in 0..3 {
            step(&mut state);
            for _ in 0..4 {
                tick(&mut state, at);
                let next = states::next_deadline(&state);
                assert!(
                    next.is_none_or(|next| next > at),
                    "step {i} at {at}: {next:?}"
                );
                at = next.unwrap_or(at + 700).min(at + 700);
            }
        }
    }
}
