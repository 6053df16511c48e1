//! Key-sequence tests: keys → `ui::handle_key` → requests → `app::update`
//! → screen, with the effects the store asks for checked too. No terminal
//! and no server: the store is fed the session events a login produces.

mod edits;
mod invitations;
mod rooms;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::test_support::{logged_in, render, screen};
use super::{Focus, Request, View, handle_key, raise_prompts};
use crate::app::command;
use crate::app::{Effect, Msg, State, update};
use crate::xmpp::error::Recovery;
use crate::xmpp::session::SessionEvent;
use crate::xmpp::settings::Password;
use crate::xmpp::stanza::presence::{Presence, PresenceType};
use crate::xmpp::stanza::roster::{RosterItem, Subscription};

struct Harness {
    state: State,
    view: View,
    effects: Vec<Effect>,
    tag: u64,
    /// Passwords handed to the engine to log in again with.
    logins: Vec<Password>,
}

impl Harness {
    fn new() -> Harness {
        let mut romeo = RosterItem::new(jid::BareJid::new("romeo@example.net").unwrap());
        romeo.name = Some("Romeo".into());
        romeo.subscription = Subscription::Both;
        romeo.groups = vec!["Friends".into()];
        Harness {
            state: logged_in(vec![romeo]),
            view: View::default(),
            effects: Vec::new(),
            tag: 0,
            logins: Vec::new(),
        }
    }

    fn press(&mut self, code: KeyCode) {
        self.press_with(code, KeyModifiers::NONE);
    }

    fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let requests = handle_key(&mut self.view, &self.state, KeyEvent::new(code, modifiers));
        for request in requests {
            self.apply(request);
        }
        raise_prompts(&mut self.view, &self.state);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    fn apply(&mut self, request: Request) {
        let action = match request {
            Request::Command(action) => action,
            Request::Line(line) => command::parse(&line).expect("a valid line"),
            Request::View(msg) => {
                self.effects.extend(update(&mut self.state, Msg::View(msg)));
                return;
            }
            Request::LogIn(password) => {
                self.logins.push(password);
                return;
            }
        };
        self.tag += 1;
        self.effects.extend(update(
            &mut self.state,
            Msg::Command {
                tag: self.tag,
                action,
                at: 45_000,
            },
        ));
    }

    fn screen(&mut self) -> String {
        screen(&self.state, &mut self.view, 100, 30)
    }

    fn sent_bodies(&self) -> Vec<String> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::SendMessage(m) => m.body("en").map(str::to_owned),
                _ => None,
            })
            .collect()
    }
}

/// Roster → Enter opens the chat and moves to the input; typed text is sent
/// to that conversation and drawn.
#[test]
fn open_chat_from_roster_and_send() {
    let mut h = Harness::new();
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    assert_eq!(h.view.focus, Focus::Input);
    h.type_text("Art thou there?");
    h.press(KeyCode::Enter);
    assert_eq!(h.sent_bodies(), ["Art thou there?"]);
    let screen = h.screen();
    assert!(screen.contains("[1:Romeo]"), "{screen}");
    assert!(screen.contains("<me> Art thou there?"), "{screen}");
}

/// ME-03, ME-01: `/me waves` typed in an open chat sends the body
/// `/me waves` unchanged and draws it as our action.
#[test]
fn me_typed_in_the_input_line() {
    let mut h = Harness::new();
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    h.type_text("/me waves");
    h.press(KeyCode::Enter);
    assert_eq!(h.sent_bodies(), ["/me waves"]);
    let screen = h.screen();
    assert!(screen.contains("* juliet waves"), "{screen}");
    assert!(!screen.contains("<me>"), "{screen}");
}

/// `r` on a contact, a new name, Enter: a roster set with the whole item.
#[test]
fn rename_by_keys() {
    let mut h = Harness::new();
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Char('r'));
    assert!(h.screen().contains("Romeo"));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("Romeo Montague");
    h.press(KeyCode::Enter);
    let set = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Request { query, .. } => Some(query.to_iq("example.com").to_element().to_xml()),
            _ => None,
        })
        .expect("a roster set");
    assert!(set.contains("name='Romeo Montague'"), "{set}");
    assert!(set.contains("<group>Friends</group>"), "ROS-07: {set}");
    assert!(h.view.overlay.is_none());
}

/// `d` asks first; `n` keeps the contact, `y` removes it.
#[test]
fn remove_asks_for_confirmation() {
    let mut h = Harness::new();
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Char('d'));
    assert!(h.screen().contains("Remove romeo@example.net"));
    // Typed straight after the question appeared, `y` decides nothing.
    h.press(KeyCode::Char('y'));
    assert!(h.effects.is_empty());
    h.view.prompt_grace_until = Some(std::time::Instant::now());
    h.press(KeyCode::Char('n'));
    assert!(h.effects.is_empty());
    h.press(KeyCode::Char('d'));
    h.view.prompt_grace_until = Some(std::time::Instant::now());
    h.press(KeyCode::Char('y'));
    let remove = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Request { query, .. } => Some(query.to_iq("example.com").to_element().to_xml()),
            _ => None,
        })
        .expect("a roster remove");
    assert!(remove.contains("subscription='remove'"), "{remove}");
}

/// SUB-01, INT-05: a prompt that raised itself while the user was away
/// from the keyboard never takes what they type next for an answer: the
/// '/' of a command puts it aside and starts the command, and the 'a's of
/// "/status away" and of a room's name go into the input line, not to
/// "approve". The request waits in the list (F2).
#[test]
fn a_prompt_that_raised_itself_lets_a_typed_command_through() {
    let mut h = Harness::new();
    let mut request = Presence::new(PresenceType::Subscribe);
    request.from = Some(jid::Jid::new("stranger@example.org").unwrap());
    h.effects.extend(update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Presence(request),
            at: 0,
        },
    ));
    raise_prompts(&mut h.view, &h.state);
    assert!(h.view.overlay.is_some(), "the prompt raised itself");
    // Long after it opened: the user comes back and types.
    h.view.prompt_grace_until = None;
    h.type_text("/status away back at the balcony");
    assert!(h.view.overlay.is_none());
    assert_eq!(h.view.input.text(), "/status away back at the balcony");
    h.press(KeyCode::Enter);
    let approved = h
        .effects
        .iter()
        .any(|e| matches!(e, Effect::SendPresence(p) if p.kind == PresenceType::Subscribed));
    assert!(!approved, "{:?}", h.effects);
    assert!(
        h.state
            .pending
            .contains(&jid::BareJid::new("stranger@example.org").unwrap()),
        "the request still waits"
    );
    assert_eq!(
        h.state.own.show,
        Some(crate::xmpp::stanza::presence::Show::Away)
    );
}

/// An inbound request raises the prompt; `a` approves it.
#[test]
fn subscription_prompt_by_keys() {
    let mut h = Harness::new();
    let mut request = Presence::new(PresenceType::Subscribe).with_status("It's the Nurse");
    request.from = Some(jid::Jid::new("nurse@example.com").unwrap());
    h.effects.extend(update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Presence(request),
            at: 0,
        },
    ));
    raise_prompts(&mut h.view, &h.state);
    let screen = h.screen();
    assert!(screen.contains("nurse@example.com"), "{screen}");
    assert!(screen.contains("It's the Nurse"), "{screen}");
    h.effects.clear();
    // The user has read it: past the grace period of a prompt that opened
    // by itself.
    h.view.prompt_grace_until = None;
    h.press(KeyCode::Char('a'));
    let approved = h
        .effects
        .iter()
        .any(|e| matches!(e, Effect::SendPresence(p) if p.kind == PresenceType::Subscribed));
    assert!(approved, "{:?}", h.effects);
    assert!(h.state.pending.is_empty());
    assert!(h.view.overlay.is_none());
}

/// `?` shows the help built from the tables; Esc closes it; typed `/help`
/// goes through the same command parser.
#[test]
fn help_overlay_and_commands_share_tables() {
    let mut h = Harness::new();
    h.press(KeyCode::Char('?'));
    let screen = render(&h.state, &mut h.view, 100, 40).join("\n");
    assert!(screen.contains("rename the selected contact"), "{screen}");
    h.press(KeyCode::Esc);
    assert!(h.view.overlay.is_none());
    h.press(KeyCode::Char('/'));
    assert_eq!(h.view.focus, Focus::Input);
    h.type_text("status away at the masque");
    h.press(KeyCode::Enter);
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::SendPresence(p) if p.status("en") == Some("at the masque")
    )));
    assert!(h.screen().contains("away"));
}

/// Tab moves between panes; Ctrl-C quits from anywhere, even mid-typing.
#[test]
fn focus_cycle_and_quit() {
    let mut h = Harness::new();
    assert_eq!(h.view.focus, Focus::Roster);
    h.press(KeyCode::Tab);
    assert_eq!(h.view.focus, Focus::Chat);
    h.press(KeyCode::Tab);
    assert_eq!(h.view.focus, Focus::Headlines);
    h.press(KeyCode::Tab);
    assert_eq!(h.view.focus, Focus::Input);
    h.type_text("half a thought");
    h.press_with(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(h.state.quitting);
    assert!(h.effects.contains(&Effect::Disconnect));
}

/// BLK-04: `/unblock *` typed in the UI asks first; `n` sends nothing,
/// `y` sends the empty `<unblock/>`. One JID is unblocked without asking.
#[test]
fn blk_04_unblock_everyone_asks_first() {
    let mut h = Harness::new();
    h.state.privacy.support = crate::app::privacy::Support {
        known: true,
        privacy_lists: false,
        blocking: true,
    };
    h.view.focus = Focus::Input;
    h.type_text("/unblock *");
    h.press(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("Unblock everyone"), "{screen}");
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    h.press(KeyCode::Char('n'));
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    assert!(h.view.overlay.is_none());

    h.type_text("/unblock *");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('y'));
    let sent: Vec<String> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request { query, .. } => Some(query.to_iq("example.com").to_element().to_xml()),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("<unblock xmlns='urn:xmpp:blocking'/>"),
        "{sent:?}"
    );

    h.effects.clear();
    h.type_text("/unblock tybalt@example.com");
    h.press(KeyCode::Enter);
    assert!(h.view.overlay.is_none());
    assert_eq!(h.effects.len(), 1, "{:?}", h.effects);
}

/// CORE-12: after `not-authorized` the status line offers F3 and nothing
/// opens by itself, so text being typed stays in the input line. F3 opens a
/// masked entry that shows no character of the password; Enter hands it to
/// the engine, and nothing of it reaches the input history.
#[test]
fn core_12_refused_password_is_asked_for_in_a_masked_entry() {
    let mut h = Harness::new();
    h.press(KeyCode::Char('i'));
    h.type_text("half a");
    h.effects.extend(update(
        &mut h.state,
        Msg::LoginFailed {
            error: "authentication failed: not-authorized — wrong password or unknown account"
                .into(),
            recovery: Recovery::AskPassword,
        },
    ));
    let screen = h.screen();
    assert!(
        screen.contains("offline: password refused (F3 to enter it again)"),
        "{screen}"
    );
    // Typing goes on into the input line: no dialog took the keys.
    h.type_text(" thought");
    assert!(h.view.overlay.is_none());
    assert_eq!(h.view.input.text(), "half a thought");

    h.press(KeyCode::F(3));
    assert!(h.screen().contains("The server refused the password"));
    h.type_text("wherefore");
    h.press(KeyCode::Backspace);
    h.type_text("e art");
    let screen = h.screen();
    for word in ["wherefor", "art", "e art"] {
        assert!(!screen.contains(word), "{word:?} shown: {screen}");
    }
    assert!(screen.contains("> ••••••••••••"), "{screen}");
    assert!(!format!("{:?}", h.view.overlay).contains("wherefor"));
    h.press(KeyCode::Enter);
    assert_eq!(h.logins, [Password::new("wherefore art")]);
    assert!(h.view.overlay.is_none());
    // The draft is untouched and the password is in no history.
    assert_eq!(h.view.input.text(), "half a thought");
    h.press(KeyCode::Up);
    assert!(!h.view.input.text().contains("wherefore"));
}

/// CORE-12: Esc leaves the dialog and stays offline; F3 opens nothing when
/// no password was refused.
#[test]
fn core_12_password_entry_esc_stays_offline() {
    let mut h = Harness::new();
    h.press(KeyCode::F(3));
    assert!(h.view.overlay.is_none());
    h.effects.extend(update(
        &mut h.state,
        Msg::LoginFailed {
            error: "authentication failed: not-authorized".into(),
            recovery: Recovery::AskPassword,
        },
    ));
    h.effects.clear();
    h.press(KeyCode::F(3));
    h.type_text("secret");
    h.press(KeyCode::Esc);
    assert!(h.view.overlay.is_none());
    assert!(h.logins.is_empty());
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    assert!(!h.state.is_online());
    // Enter on an empty entry logs in with nothing.
    h.press(KeyCode::F(3));
    h.press(KeyCode::Enter);
    assert!(h.logins.is_empty());
    assert!(h.screen().contains("type the password"));
}

/// A subscription request from `from`, as the session delivers it.
fn request_arrives(h: &mut Harness, from: &str) {
    let mut request = Presence::new(PresenceType::Subscribe);
    request.from = Some(jid::Jid::new(from).unwrap());
    h.effects.extend(update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Presence(request),
            at: 0,
        },
    ));
}

fn answered(h: &Harness) -> bool {
    h.effects.iter().any(|e| {
        matches!(e, Effect::SendPresence(p)
            if matches!(p.kind, PresenceType::Subscribed | PresenceType::Unsubscribed))
    })
}

/// A request that arrives while the user types never takes the keys:
/// typing `/msg juliet@localhost` used to answer it with the `a` of
/// "localhost" (approving a stranger) and the rest toggled roster
/// settings. It is announced instead, and every key reaches the input line.
#[test]
fn typing_while_a_request_arrives_never_decides_it() {
    let mut h = Harness::new();
    h.press(KeyCode::Char('i'));
    h.type_text("/msg jul");
    request_arrives(&mut h, "mallory@evil.example");
    h.type_text("iet@localhost and a dozen more keys: a A d y");
    assert!(!answered(&h), "{:?}", h.effects);
    assert!(h.view.overlay.is_none());
    assert_eq!(
        h.view.input.text(),
        "/msg juliet@localhost and a dozen more keys: a A d y"
    );
    assert!(
        h.state
            .pending
            .contains(&jid::BareJid::new("mallory@evil.example").unwrap())
    );
    let screen = h.screen();
    assert!(screen.contains("1 requests (F2)"), "{screen}");
    // Even with the focus in the input line and nothing typed yet.
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    request_arrives(&mut h, "eve@evil.example");
    h.type_text("a");
    assert!(!answered(&h), "{:?}", h.effects);
    assert_eq!(h.view.input.text(), "a");
}

/// A prompt that opens by itself (the user was not typing) decides nothing
/// on the keys that come right after it appeared; once it has been on
/// screen for a moment, its keys work.
#[test]
fn prompt_that_opened_by_itself_ignores_keys_at_first() {
    let mut h = Harness::new();
    h.view.focus = Focus::Roster;
    request_arrives(&mut h, "mallory@evil.example");
    raise_prompts(&mut h.view, &h.state);
    assert!(h.view.overlay.is_some());
    h.press(KeyCode::Char('a'));
    h.press(KeyCode::Char('d'));
    assert!(!answered(&h), "{:?}", h.effects);
    assert!(h.view.overlay.is_some(), "the prompt stays");
    h.view.prompt_grace_until = Some(std::time::Instant::now());
    h.press(KeyCode::Char('d'));
    assert!(answered(&h), "{:?}", h.effects);
}

/// The bindings with `[keys.CONTEXT] action = keys` applied.
fn rebound(context: &str, action: &str, keys: &[&str]) -> crate::ui::keymap::Keymap {
    let keys = keys.iter().map(|k| (*k).to_owned()).collect();
    let overrides = std::collections::HashMap::from([(
        context.to_owned(),
        std::collections::HashMap::from([(action.to_owned(), keys)]),
    )]);
    crate::ui::keymap::Keymap::with_overrides(&overrides).unwrap()
}

/// `[keys.input]` rebinds the line editor like any screen: the new key
/// edits, the keys it replaced no longer do, and F1 lists the new one.
#[test]
fn a_rebound_editing_key_works_and_f1_lists_it() {
    let mut h = Harness::new();
    h.view.keymap = rebound("input", "line-start", &["C-t"]);
    h.press(KeyCode::Char('i'));
    h.type_text("world");
    h.press_with(KeyCode::Char('a'), KeyModifiers::CONTROL);
    h.type_text("!");
    assert_eq!(h.view.input.text(), "world!");
    h.press_with(KeyCode::Char('t'), KeyModifiers::CONTROL);
    h.type_text("hello ");
    assert!(h.screen().contains("> hello world!"));
    // Home was line-start as well: binding the action replaced both.
    h.press(KeyCode::Home);
    h.type_text("x");
    assert_eq!(h.view.input.text(), "hello xworld!");
    // Other edits keep their keys.
    h.press_with(KeyCode::Char('e'), KeyModifiers::CONTROL);
    h.press(KeyCode::Backspace);
    assert_eq!(h.view.input.text(), "hello xworld");

    h.press(KeyCode::F(1));
    let help = super::test_support::render(&h.state, &mut h.view, 200, 60);
    let line_start = "go to the start of the line (line-start)";
    let shown = help.iter().find(|l| l.contains(line_start)).unwrap();
    let keys = &shown[..shown.find(line_start).unwrap()];
    assert!(keys.contains("C-t"), "{shown}");
    assert!(!keys.contains("C-a") && !keys.contains("Home"), "{shown}");
    assert!(
        help.iter()
            .any(|l| l.contains("Input line and dialogs  [keys.input]")),
        "{help:#?}"
    );
}

/// The new-list dialog of the privacy editor is a one-line dialog: it
/// cancels with the entry context's cancel key, rebound here, and its
/// hint shows that key.
#[test]
fn the_new_list_dialog_cancels_with_the_rebound_cancel_key() {
    let mut h = Harness::new();
    h.state.privacy.support = crate::app::privacy::Support {
        known: true,
        privacy_lists: true,
        blocking: false,
    };
    h.state.privacy.names = Some(Default::default());
    h.view.keymap = rebound("entry", "close", &["C-g"]);
    h.press(KeyCode::Char('P'));
    h.view.prompt_grace_until = Some(std::time::Instant::now());
    h.press(KeyCode::Char('n'));
    h.type_text("friends");
    let screen = h.screen();
    assert!(screen.contains("Name of the new list"), "{screen}");
    assert!(screen.contains("C-g cancel"), "{screen}");
    assert!(!screen.contains("Esc cancel"), "{screen}");
    h.press(KeyCode::Esc);
    assert!(h.screen().contains("Name of the new list"));
    h.press_with(KeyCode::Char('g'), KeyModifiers::CONTROL);
    let screen = h.screen();
    assert!(!screen.contains("Name of the new list"), "{screen}");
    assert!(screen.contains("Privacy lists"), "{screen}");
    assert!(h.effects.is_empty(), "{:?}", h.effects);
}

/// A prompt that opened by itself asks the table which keys put it aside:
/// a rebound non-text `later` key still closes it at once, its text key
/// does nothing at first, and Esc, no longer bound, is no answer: it puts
/// the prompt aside and decides nothing.
#[test]
fn a_fresh_prompt_closes_with_the_rebound_later_key() {
    let mut h = Harness::new();
    h.view.keymap = rebound("prompt", "later", &["F9", "l"]);
    h.view.focus = Focus::Roster;
    request_arrives(&mut h, "mallory@evil.example");
    raise_prompts(&mut h.view, &h.state);
    assert!(h.view.overlay.is_some());
    h.press(KeyCode::Char('l'));
    assert!(
        h.view.overlay.is_some(),
        "only a non-text key closes it now"
    );
    h.press(KeyCode::F(9));
    assert!(h.view.overlay.is_none());
    request_arrives(&mut h, "trudy@evil.example");
    raise_prompts(&mut h.view, &h.state);
    assert!(h.view.overlay.is_some());
    h.press(KeyCode::Esc);
    assert!(h.view.overlay.is_none());
    assert!(!answered(&h), "{:?}", h.effects);
}

/// Words typed into the roster pane (where balcony starts) while a request
/// waits on the selected row: each letter is a pane key there, yet none of
/// them approves, denies, subscribes, unsubscribes or removes anything.
/// (`a` used to approve the request under the cursor at once.)
#[test]
fn typing_into_the_roster_pane_decides_nothing() {
    let mut h = Harness::new();
    h.view.focus = Focus::Roster;
    request_arrives(&mut h, "mallory@evil.example");
    // The prompt that raised itself is put aside; the request stays listed.
    raise_prompts(&mut h.view, &h.state);
    assert!(h.view.overlay.is_some());
    h.press(KeyCode::Esc);
    assert!(h.view.overlay.is_none());
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    // The request is the selected row.
    h.press(KeyCode::Char('v'));
    assert!(
        matches!(&h.view.overlay, Some(crate::ui::popup::Overlay::Details { jid, .. })
            if jid.as_str() == "mallory@evil.example"),
        "{:?}",
        h.view.overlay
    );
    h.view.overlay = None;
    h.type_text("and another study day, dear nurse: yes, cancel it all");
    h.press(KeyCode::Enter);
    h.type_text("yay");
    assert!(!answered(&h), "{:?}", h.effects);
    // Opening the details (`v`) fetches the card (VCARD-10), which
    // decides nothing; nothing else went out.
    let sent: Vec<_> = h
        .effects
        .iter()
        .filter(|e| match e {
            Effect::Request { query, .. } => {
                !matches!(query, crate::xmpp::query::Query::VcardGet(_))
            }
            Effect::SendPresence(_) => true,
            _ => false,
        })
        .collect();
    assert!(sent.is_empty(), "{sent:?}");
    assert!(
        h.state
            .pending
            .contains(&jid::BareJid::new("mallory@evil.example").unwrap())
    );
}

/// `P` typed at the start of a word opens the privacy screen, where `a`
/// and `d` change which list is in force: the letters typed right after
/// it do nothing there; a moment later its keys work.
#[test]
fn letters_typed_after_p_change_no_privacy_list() {
    let mut h = Harness::new();
    h.state.privacy.support = crate::app::privacy::Support {
        known: true,
        privacy_lists: true,
        blocking: false,
    };
    h.state.privacy.names = Some(crate::xmpp::stanza::privacy::ListNames {
        lists: vec!["work".into()],
        ..Default::default()
    });
    h.view.focus = Focus::Roster;
    h.press(KeyCode::Char('P'));
    assert!(h.screen().contains("work"), "{}", h.screen());
    h.type_text("aris and dad");
    let requests: Vec<_> = h
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::Request { .. }))
        .collect();
    assert!(requests.is_empty(), "{requests:?}");
    assert!(h.view.overlay.is_some());
    h.view.prompt_grace_until = Some(std::time::Instant::now());
    h.press(KeyCode::Char('q'));
    assert!(h.view.overlay.is_none(), "its keys work after the moment");
}

/// STATES-08: keys typed into the input line while Romeo's chat is on
/// screen send one `<composing/>` (at the next tick, however many keys);
/// Enter sends the text with `<active/>`; a `/command` being typed is not
/// composing.
#[test]
fn states_08_typing_in_the_input_line_sends_composing_once() {
    use crate::xmpp::stanza::chat_states::ChatState;
    let mut h = Harness::new();
    let romeo = "<message from='romeo@example.net/orchard' type='chat'><body>hi</body>\
                 <active xmlns='http://jabber.org/protocol/chatstates'/></message>";
    let message =
        crate::xmpp::stanza::message::Message::parse(&crate::xmpp::stanza::test_xml::parse(romeo))
            .unwrap();
    update(
        &mut h.state,
        Msg::Session {
            event: SessionEvent::Message(message),
            at: 0,
        },
    );
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    assert_eq!(h.view.focus, Focus::Input);
    h.type_text("Art thou");
    h.effects
        .extend(update(&mut h.state, Msg::Tick { at_ms: 1_000 }));
    h.type_text(" there?");
    h.effects
        .extend(update(&mut h.state, Msg::Tick { at_ms: 2_000 }));
    let states: Vec<Option<ChatState>> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendMessage(m) => Some(m.chat_state),
            _ => None,
        })
        .collect();
    assert_eq!(states, [Some(ChatState::Composing)]);
    h.press(KeyCode::Enter);
    let last = h.effects.iter().rev().find_map(|e| match e {
        Effect::SendMessage(m) => Some(m.clone()),
        _ => None,
    });
    let last = last.unwrap();
    assert_eq!(last.body("en"), Some("Art thou there?"));
    assert_eq!(last.chat_state, Some(ChatState::Active));
    // A command being typed is not a message being written.
    let before = h.effects.len();
    h.type_text("/close");
    h.effects
        .extend(update(&mut h.state, Msg::Tick { at_ms: 5_000 }));
    assert!(
        !h.effects[before..]
            .iter()
            .any(|e| matches!(e, Effect::SendMessage(_))),
        "{:?}",
        &h.effects[before..]
    );
}

/// STATES-08: pasting text into the input line for an open chat is typing
/// too; pasting into a dialog is not.
#[test]
fn states_08_paste_is_typing() {
    let mut h = Harness::new();
    h.press(KeyCode::Home);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    let requests = super::handle_paste(&mut h.view, &h.state, "pasted words");
    assert_eq!(
        requests,
        [Request::View(crate::app::ViewMsg::Input {
            composing: true
        })]
    );
    h.view.overlay = Some(super::popup::Overlay::Help { scroll: 0 });
    assert!(super::handle_paste(&mut h.view, &h.state, "more").is_empty());
}

/// A command's listing is several notices: the status line shows the last
/// and how many there are, and F6 shows them all, scrolled to the newest,
/// until Esc.
#[test]
fn a_listing_is_read_whole_with_f6() {
    let mut h = Harness::new();
    // As the terminal UI runs the store.
    h.state.notices_only = true;
    h.press(KeyCode::Char('/'));
    h.type_text("help upload");
    h.press(KeyCode::Enter);
    let lines = h.state.notice_batch;
    assert!(lines > 1, "a listing of several lines");
    let status = h.screen();
    assert!(status.contains(&format!("{lines} lines (F6):")), "{status}");
    h.press(KeyCode::Esc);
    h.press(KeyCode::F(6));
    let shown = h.screen();
    assert!(shown.contains("Notices"), "{shown}");
    assert!(shown.contains("/upload PATH"), "{shown}");
    h.press(KeyCode::Esc);
    assert!(h.view.overlay.is_none());
    assert!(!h.screen().contains("┌ Notices"));
}
