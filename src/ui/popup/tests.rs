//! Overlay tests: each overlay drawn on a whole screen (80×24 and
//! 200×60), and its keys turned into requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jid::{BareJid, Jid};
use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::app::command::{Availability as Wanted, COMMANDS, PresenceChoice};
use crate::app::{Msg, OwnPresence, update};
use crate::ui::raise_prompts;
use crate::ui::test_support::{logged_in, render, screen};
use crate::xmpp::session::SessionEvent;
use crate::xmpp::stanza::presence::{Presence, Show};
use crate::xmpp::stanza::roster::{RosterItem, Subscription};
use crate::xmpp::stanza::test_xml;

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).unwrap()
}

fn with(overlay: Overlay) -> View {
    View {
        overlay: Some(overlay),
        ..View::default()
    }
}

fn press(view: &mut View, state: &State, key: &str) -> Vec<Request> {
    handle_key(view, state, Key::parse(key).unwrap())
}

fn type_text(view: &mut View, state: &State, text: &str) {
    for c in text.chars() {
        let key = Key {
            code: KeyCode::Char(c),
            ctrl: false,
            alt: false,
        };
        handle_key(view, state, key);
    }
}

/// Presence from the network, applied by the store as the session would.
fn presence(state: &mut State, xml: &str) {
    let stanza = Presence::parse(&test_xml::parse(xml)).unwrap();
    update(
        state,
        Msg::Session {
            event: SessionEvent::Presence(stanza),
            at: 0,
        },
    );
}

fn command(action: Action) -> Vec<Request> {
    vec![Request::Command(action)]
}

/// Every line the help shows while paging down to its end.
fn help_seen(width: u16, height: u16) -> Vec<String> {
    let state = logged_in(Vec::new());
    let mut view = with(Overlay::Help { scroll: 0 });
    let mut seen: Vec<String> = Vec::new();
    let mut last = Vec::new();
    loop {
        let rows = render(&state, &mut view, width, height);
        if rows == last {
            break;
        }
        seen.extend(rows.iter().cloned());
        last = rows;
        assert!(press(&mut view, &state, "PageDown").is_empty());
    }
    seen
}

/// True when a seen line shows `keys`, then spaces, then `help`.
fn shows_key(seen: &[String], keys: &str, help: &str) -> bool {
    seen.iter().any(|line| {
        line.find(help)
            .is_some_and(|at| line[..at].trim_end().ends_with(keys))
    })
}

#[test]
fn help_lists_every_key_and_command_at_80x24() {
    let seen = help_seen(80, 24);
    let keymap = Keymap::default();
    for (_, keys, help) in keymap.help_lines() {
        assert!(shows_key(&seen, &keys, help), "{keys}: {help}");
    }
    for spec in COMMANDS {
        assert!(
            seen.iter().any(|l| l.contains(&spec.usage())),
            "{}",
            spec.name
        );
    }
    let rename = keymap.keys_for(Context::Roster, UiAction::Rename);
    assert_eq!(rename[0].to_string(), "r");
    assert!(shows_key(&seen, "r", UiAction::Rename.help()));
    assert!(seen.iter().any(|l| l.contains("/add JID [NAME]")));
    let input: Vec<_> = keymap
        .help_lines()
        .into_iter()
        .filter(|(context, _, _)| *context == Context::Input)
        .collect();
    assert!(!input.is_empty());
    for (_, keys, help) in input {
        assert!(shows_key(&seen, &keys, help), "{keys}: {help}");
    }
}

#[test]
fn help_uses_two_columns_at_200x60() {
    let seen = help_seen(200, 60);
    let keymap = Keymap::default();
    for (_, keys, help) in keymap.help_lines() {
        assert!(shows_key(&seen, &keys, help), "{keys}: {help}");
    }
    for spec in COMMANDS {
        assert!(
            shows_key(&seen, &spec.usage(), spec.summary) || {
                // Usages too wide for the column stand on a line of their own.
                seen.iter().any(|l| l.contains(&spec.usage()))
                    && seen.iter().any(|l| l.contains(spec.summary))
            },
            "{}: {} / {}",
            spec.name,
            spec.usage(),
            spec.summary
        );
    }
    // Keys on the left and commands on the right share the first rows.
    let first = render(&logged_in(Vec::new()), &mut help_view(), 200, 60);
    assert!(
        first
            .iter()
            .any(|l| l.contains("Everywhere") && l.contains("Input line and dialogs"))
    );
}

fn help_view() -> View {
    with(Overlay::Help { scroll: 0 })
}

#[test]
fn help_scrolls_and_closes() {
    let state = logged_in(Vec::new());
    let mut view = help_view();
    render(&state, &mut view, 80, 24);
    press(&mut view, &state, "Down");
    press(&mut view, &state, "Down");
    press(&mut view, &state, "Up");
    assert!(matches!(view.overlay, Some(Overlay::Help { scroll: 1 })));
    press(&mut view, &state, "End");
    let rows = render(&state, &mut view, 80, 24);
    assert!(rows.iter().any(|l| l.contains("/quit [TEXT]")));
    // End stops at the last page, not at the end of the scroll range.
    assert!(matches!(view.overlay, Some(Overlay::Help { scroll }) if scroll < 300));
    press(&mut view, &state, "PageUp");
    press(&mut view, &state, "x");
    assert!(view.overlay.is_some());
    for key in ["Esc", "q", "?", "F1"] {
        view.overlay = Some(Overlay::Help { scroll: 0 });
        assert!(press(&mut view, &state, key).is_empty());
        assert!(view.overlay.is_none(), "{key}");
    }
}

const HOSTILE: &str = "let me in\u{1b}]0;pwn\u{7} \u{202e}now";

fn with_request(jid: &str, greeting: Option<&str>) -> State {
    let mut state = logged_in(Vec::new());
    state.pending.add(bare(jid), greeting.map(str::to_owned));
    state
}

/// SEC-04: the prompt shows who asks and their words, quoted and with
/// the escape sequence and the bidi override removed.
#[test]
fn sec_04_prompt_shows_jid_and_sanitised_greeting() {
    let state = with_request("mallory@evil.example", Some(HOSTILE));
    let mut view = View::default();
    raise_prompts(&mut view, &state);
    assert!(matches!(&view.overlay, Some(Overlay::Prompt { .. })));
    for (width, height) in [(80, 24), (200, 60)] {
        let text = screen(&state, &mut view, width, height);
        assert!(text.contains("mallory@evil.example"));
        assert!(text.contains("“let me in]0;pwn now”"), "{text}");
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{202e}']));
        assert!(text.contains("approve and add"));
    }
}

#[test]
fn prompt_keys_approve_deny_or_wait() {
    let jid = bare("mallory@evil.example");
    let state = with_request(jid.as_str(), Some(HOSTILE));
    let mut view = View::default();
    raise_prompts(&mut view, &state);
    // Read, past the grace period of a prompt that opened by itself.
    view.prompt_grace_until = None;
    assert_eq!(
        press(&mut view, &state, "a"),
        command(Action::Approve { jid: jid.clone() })
    );
    assert!(view.overlay.is_none());

    view.overlay = Some(Overlay::Prompt { jid: jid.clone() });
    assert_eq!(
        press(&mut view, &state, "d"),
        command(Action::Deny { jid: jid.clone() })
    );
    assert!(view.overlay.is_none());

    // A key that is no answer puts it aside, deciding nothing.
    view.overlay = Some(Overlay::Prompt { jid: jid.clone() });
    press(&mut view, &state, "x");
    assert!(view.overlay.is_none());
    assert!(state.pending.contains(&jid));

    // Esc (or l) decides later: nothing is sent, the request stays
    // pending and listed, and the prompt does not pop up again.
    view.overlay = Some(Overlay::Prompt { jid: jid.clone() });
    assert!(press(&mut view, &state, "Esc").is_empty());
    assert!(view.overlay.is_none());
    assert!(state.pending.contains(&jid));
    raise_prompts(&mut view, &state);
    assert!(view.overlay.is_none());
    view.overlay = Some(Overlay::Prompts { selected: 0 });
    assert!(screen(&state, &mut view, 80, 24).contains("mallory@evil.example"));
}

/// Each request is prompted once, in arrival order, with nothing but its
/// arrival number remembered; one made again after an answer is new.
#[test]
fn prompts_come_once_each_in_arrival_order() {
    let mut state = logged_in(Vec::new());
    for jid in ["c@example.org", "a@example.org", "b@example.org"] {
        state.pending.add(bare(jid), None);
    }
    let mut view = View::default();
    let mut prompted = Vec::new();
    loop {
        raise_prompts(&mut view, &state);
        match view.overlay.take() {
            Some(Overlay::Prompt { jid }) => prompted.push(jid.to_string()),
            _ => break,
        }
    }
    assert_eq!(
        prompted,
        ["c@example.org", "a@example.org", "b@example.org"]
    );
    state.pending.remove(&bare("a@example.org"));
    raise_prompts(&mut view, &state);
    assert!(view.overlay.is_none());
    state.pending.add(bare("a@example.org"), None);
    raise_prompts(&mut view, &state);
    assert!(
        matches!(&view.overlay, Some(Overlay::Prompt { jid }) if jid.as_str() == "a@example.org")
    );
}

/// SUB-08: after approving, the prompt offers to subscribe back (`A`).
#[test]
fn sub_08_approve_and_add_opens_the_add_dialog() {
    let jid = bare("romeo@example.net");
    let state = with_request(jid.as_str(), None);
    let mut view = with(Overlay::Prompt { jid: jid.clone() });
    assert!(screen(&state, &mut view, 80, 24).contains("They sent no message."));
    assert_eq!(
        press(&mut view, &state, "A"),
        command(Action::Approve { jid: jid.clone() })
    );
    type_text(&mut view, &state, "Romeo");
    assert_eq!(
        press(&mut view, &state, "Enter"),
        command(Action::Add {
            jid,
            name: Some("Romeo".into())
        })
    );
    assert!(view.overlay.is_none());
}

#[test]
fn an_answered_prompt_only_closes() {
    let state = logged_in(Vec::new());
    let mut view = with(Overlay::Prompt {
        jid: bare("romeo@example.net"),
    });
    assert!(screen(&state, &mut view, 80, 24).contains("has been answered"));
    assert!(press(&mut view, &state, "a").is_empty());
    assert!(view.overlay.is_none());
}

#[test]
fn prompts_list_answers_the_selected_request() {
    let mut state = with_request("romeo@example.net", Some("It's Romeo"));
    state.pending.add(bare("mercutio@example.org"), None);
    let mut view = with(Overlay::Prompts { selected: 0 });
    for (width, height) in [(80, 24), (200, 60)] {
        let text = screen(&state, &mut view, width, height);
        assert!(text.contains("2 requests"));
        assert!(text.contains("romeo@example.net  “It's Romeo”"));
        assert!(text.contains("mercutio@example.org  (no message)"));
    }
    press(&mut view, &state, "Down");
    assert_eq!(
        press(&mut view, &state, "d"),
        command(Action::Deny {
            jid: bare("mercutio@example.org")
        })
    );
    assert!(matches!(
        view.overlay,
        Some(Overlay::Prompts { selected: 1 })
    ));
    press(&mut view, &state, "Up");
    assert_eq!(
        press(&mut view, &state, "a"),
        command(Action::Approve {
            jid: bare("romeo@example.net")
        })
    );
    press(&mut view, &state, "Enter");
    assert!(
        matches!(&view.overlay, Some(Overlay::Prompt { jid }) if jid.as_str() == "romeo@example.net")
    );
    view.overlay = Some(Overlay::Prompts { selected: 0 });
    press(&mut view, &state, "Esc");
    assert!(view.overlay.is_none());
}

#[test]
fn prompts_list_says_when_it_is_empty() {
    let state = logged_in(Vec::new());
    let mut view = with(Overlay::Prompts { selected: 3 });
    assert!(screen(&state, &mut view, 80, 24).contains("No pending subscription requests."));
    assert!(press(&mut view, &state, "a").is_empty());
}

fn verona() -> State {
    let mut romeo = RosterItem::new(bare("romeo@example.net"));
    romeo.name = Some("Romeo".into());
    romeo.groups = vec!["Friends".into(), "Montague".into()];
    romeo.subscription = Subscription::To;
    romeo.ask = true;
    logged_in(vec![romeo, RosterItem::new(bare("nurse@example.com"))])
}

/// Opens a dialog, types `text` and presses Enter.
fn enter(state: &State, kind: EntryKind, initial: &str, text: &str) -> (View, Vec<Request>) {
    let mut view = with(Overlay::entry(kind, initial));
    render(state, &mut view, 80, 24);
    type_text(&mut view, state, text);
    let requests = press(&mut view, state, "Enter");
    (view, requests)
}

#[test]
fn each_dialog_gives_its_action() {
    let state = verona();
    let romeo = bare("romeo@example.net");
    let (_, add) = enter(&state, EntryKind::Add, "", "juliet@capulet.lit Juliet");
    assert_eq!(
        add,
        command(Action::Add {
            jid: bare("juliet@capulet.lit"),
            name: Some("Juliet".into())
        })
    );
    let (_, rename) = enter(&state, EntryKind::Rename(romeo.clone()), "Romeo", " M.");
    assert_eq!(
        rename,
        command(Action::Rename {
            jid: romeo.clone(),
            name: Some("Romeo M.".into())
        })
    );
    let (_, cleared) = enter(&state, EntryKind::Rename(romeo.clone()), "", "  ");
    assert_eq!(
        cleared,
        command(Action::Rename {
            jid: romeo.clone(),
            name: None
        })
    );
    let (_, groups) = enter(
        &state,
        EntryKind::Groups(romeo.clone()),
        "",
        "Friends, Verona",
    );
    assert_eq!(
        groups,
        command(Action::Group {
            jid: romeo.clone(),
            groups: vec!["Friends".into(), "Verona".into()]
        })
    );
    for empty in ["", "-"] {
        let (_, none) = enter(&state, EntryKind::Groups(romeo.clone()), "", empty);
        assert_eq!(
            none,
            command(Action::Group {
                jid: romeo.clone(),
                groups: Vec::new()
            })
        );
    }
    let (_, directed) = enter(
        &state,
        EntryKind::Directed(romeo.clone()),
        "",
        "away back soon",
    );
    assert_eq!(
        directed,
        command(Action::Presence {
            to: Jid::from(romeo.clone()),
            choice: PresenceChoice::Available(Wanted::Away),
            text: Some("back soon".into())
        })
    );
    let (view, filter) = enter(&state, EntryKind::Filter, "", "mont");
    assert!(filter.is_empty());
    assert!(view.overlay.is_none());
    assert_eq!(view.roster.filter, "mont");
}

#[test]
fn dialogs_show_their_title_and_cancel_with_esc() {
    let state = verona();
    let mut view = with(Overlay::entry(
        EntryKind::Groups(bare("romeo@example.net")),
        "",
    ));
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("Groups of romeo@example.net"));
    assert!(text.contains("Groups, comma separated"));
    type_text(&mut view, &state, "Friends");
    assert!(press(&mut view, &state, "Esc").is_empty());
    assert!(view.overlay.is_none());
}

#[test]
fn groups_dialog_completes_group_names() {
    let state = verona();
    let mut view = with(Overlay::entry(
        EntryKind::Groups(bare("romeo@example.net")),
        "Friends, Mo",
    ));
    press(&mut view, &state, "Tab");
    match &view.overlay {
        Some(Overlay::Entry { editor, .. }) => assert_eq!(editor.text(), "Friends, Montague"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_add_input_shows_the_error_in_the_dialog() {
    let state = verona();
    let (mut view, requests) = enter(&state, EntryKind::Add, "", "romeo@@example.net Romeo");
    assert!(requests.is_empty());
    let Some(Overlay::Entry { editor, .. }) = &view.overlay else {
        panic!("the dialog closed");
    };
    assert_eq!(editor.text(), "romeo@@example.net Romeo");
    let problem = editor.problem().unwrap().to_owned();
    assert!(problem.contains("not a valid JID"), "{problem}");
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("not a valid JID"), "{text}");

    // Fixing the text clears the message; Enter then applies.
    press(&mut view, &state, "C-u");
    let text = screen(&state, &mut view, 80, 24);
    assert!(!text.contains("not a valid JID"));
    assert!(press(&mut view, &state, "Enter").is_empty());
    assert!(screen(&state, &mut view, 80, 24).contains("usage: /add JID [NAME]"));
}

#[test]
fn paste_goes_into_the_dialog_on_one_line() {
    let mut overlay = Overlay::entry(EntryKind::Add, "");
    overlay.paste("juliet@capulet.lit\nJuliet");
    let Overlay::Entry { editor, .. } = &overlay else {
        panic!()
    };
    assert_eq!(editor.text(), "juliet@capulet.lit Juliet");
}

#[test]
fn confirm_runs_the_action_on_yes_only() {
    let state = verona();
    let remove = Action::Remove {
        jid: bare("romeo@example.net"),
    };
    let ask = || {
        with(Overlay::Confirm {
            question: "Remove romeo@example.net from your roster?".into(),
            action: remove.clone(),
        })
    };
    let mut view = ask();
    assert!(
        screen(&state, &mut view, 80, 24).contains("Remove romeo@example.net from your roster?")
    );
    press(&mut view, &state, "x");
    assert!(view.overlay.is_some());
    assert_eq!(press(&mut view, &state, "y"), command(remove.clone()));
    assert!(view.overlay.is_none());
    let mut view = ask();
    assert_eq!(press(&mut view, &state, "Enter"), command(remove.clone()));
    for no in ["n", "Esc"] {
        let mut view = ask();
        assert!(press(&mut view, &state, no).is_empty());
        assert!(view.overlay.is_none());
    }
}

#[test]
fn details_show_resources_and_subscription() {
    let mut state = verona();
    let romeo = bare("romeo@example.net");
    presence(
        &mut state,
        "<presence from='romeo@example.net/orchard'><show>away</show>\
         <status>under the \u{202e}balcony</status><priority>5</priority></presence>",
    );
    presence(
        &mut state,
        "<presence from='romeo@example.net/phone'><priority>1</priority></presence>",
    );
    state
        .pending
        .add(romeo.clone(), Some("let me see you".into()));
    state.preapproved.insert(romeo.clone());
    state.directed.insert(
        "romeo@example.net/orchard".into(),
        OwnPresence {
            show: Some(Show::Dnd),
            status: None,
            priority: 0,
        },
    );
    let mut view = with(Overlay::Details {
        jid: romeo.clone(),
        scroll: 0,
    });
    let text = screen(&state, &mut view, 200, 60);
    for part in [
        "romeo@example.net",
        "Romeo",
        "Friends, Montague",
        "to (you see them; they cannot see you)",
        "pending out",
        "pending in",
        "pre-approved",
        "“let me see you”",
        "Resources (2)",
        "/orchard",
        "away, priority 5, “under the balcony”",
        "/phone",
        "online, priority 1",
        "Directed presence you sent",
        "romeo@example.net/orchard",
        "dnd",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
    assert!(!text.contains('\u{202e}'));

    // At 80×24 it fits too; the keys scroll and Esc closes.
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("/orchard"));
    press(&mut view, &state, "Down");
    press(&mut view, &state, "Esc");
    assert!(view.overlay.is_none());

    let stranger = bare("tybalt@example.com");
    view.overlay = Some(Overlay::Details {
        jid: stranger,
        scroll: 0,
    });
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("not in your roster"));
    assert!(text.contains("unknown (no subscription)"));
}

/// CAPS-14, DISCO-14: the details show, per resource, the client its caps
/// name and its notable features in words, remote text sanitised; a
/// resource whose caps are still being asked says so.
#[test]
fn details_show_each_resource_client_and_features() {
    use crate::app::{Effect, Purpose};
    use crate::xmpp::query::Answer;
    let mut state = verona();
    let stanza = Presence::parse(&test_xml::parse(
        "<presence from='romeo@example.net/orchard'><c xmlns='http://jabber.org/protocol/caps' \
         hash='sha-1' node='https://client.example' ver='bm9wZQ=='/></presence>",
    ))
    .unwrap();
    let effects = update(
        &mut state,
        Msg::Session {
            event: SessionEvent::Presence(stanza),
            at: 0,
        },
    );
    let asked = effects
        .into_iter()
        .find_map(|effect| match effect {
            Effect::Request {
                purpose: Purpose::Caps(asked),
                ..
            } => Some(asked),
            _ => None,
        })
        .expect("a caps query");
    presence(
        &mut state,
        "<presence from='romeo@example.net/tower'><c xmlns='http://jabber.org/protocol/caps' \
         hash='sha-1' node='https://client.example' ver='b3RoZXI='/></presence>",
    );
    let romeo = bare("romeo@example.net");
    let mut view = with(Overlay::Details {
        jid: romeo.clone(),
        scroll: 0,
    });
    let text = screen(&state, &mut view, 200, 60);
    assert!(text.contains("not known yet"), "{text}");
    // Its answer (the ver does not match: kept for this resource only).
    let info = crate::xmpp::stanza::disco::parse_info(Some(&test_xml::parse(
        "<query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='client' type='pc' name='Gajim\u{202e} 1.9'/>\
         <feature var='urn:xmpp:receipts'/>\
         <feature var='http://jabber.org/protocol/chatstates'/>\
         <feature var='urn:xmpp:chat-markers:0'/>\
         <feature var='eu.siacs.conversations.axolotl.devicelist+notify'/></query>",
    )));
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Caps(asked),
            result: Ok(Answer::Info(info)),
        },
    );
    let text = screen(&state, &mut view, 200, 60);
    for part in [
        "/orchard",
        "Gajim 1.9 (client/pc)",
        "delivery receipts, chat states (typing), read markers, OMEMO encryption",
        "/tower",
        "not known yet",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
    assert!(!text.contains('\u{202e}'));
}

/// Every overlay fits any screen, down to a tiny one, without panicking.
#[test]
fn overlays_fit_small_and_large_screens() {
    let state = with_request("romeo@example.net", Some(&"long words ".repeat(200)));
    let romeo = bare("romeo@example.net");
    let overlays = || {
        vec![
            Overlay::Help { scroll: 0 },
            Overlay::Prompts { selected: 0 },
            Overlay::Prompt { jid: romeo.clone() },
            Overlay::entry(EntryKind::Directed(romeo.clone()), "away"),
            Overlay::Confirm {
                question: "Really?".into(),
                action: Action::Roster,
            },
            Overlay::Details {
                jid: romeo.clone(),
                scroll: 0,
            },
        ]
    };
    for (width, height) in [(10, 5), (30, 8), (80, 24), (200, 60)] {
        for overlay in overlays() {
            let mut view = with(overlay);
            let rows = render(&state, &mut view, width, height);
            assert_eq!(rows.len(), usize::from(height));
        }
    }
    // The prompt keeps its keys on screen however long the greeting.
    let mut view = with(Overlay::Prompt { jid: romeo });
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("…”"));
    assert!(text.contains("decide later"));
}

#[test]
fn quit_chord_works_in_any_overlay() {
    let state = logged_in(Vec::new());
    let mut view = with(Overlay::entry(EntryKind::Add, ""));
    assert_eq!(
        press(&mut view, &state, "C-c"),
        command(Action::Quit { status: None })
    );
}

fn rebound(context: &str, action: &str, keys: &[&str]) -> Keymap {
    let keys = keys.iter().map(|k| (*k).to_owned()).collect();
    let overrides = std::collections::HashMap::from([(
        context.to_owned(),
        std::collections::HashMap::from([(action.to_owned(), keys)]),
    )]);
    Keymap::with_overrides(&overrides).unwrap()
}

/// A key rebound under `[keys.prompts]` works there, the old one does
/// nothing, and the hint line shows the new one.
#[test]
fn a_rebound_overlay_key_works_and_its_hint_shows_it() {
    let state = with_request("romeo@example.net", None);
    let mut view = with(Overlay::Prompts { selected: 0 });
    view.keymap = rebound("prompts", "deny", &["X"]);
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("X deny"), "{text}");
    assert!(!text.contains("d deny"), "{text}");
    assert!(press(&mut view, &state, "d").is_empty());
    assert_eq!(
        press(&mut view, &state, "X"),
        command(Action::Deny {
            jid: bare("romeo@example.net")
        })
    );

    let mut view = with(Overlay::Confirm {
        question: "Remove romeo?".to_owned(),
        action: Action::Quit { status: None },
    });
    view.keymap = rebound("confirm", "yes", &["o"]);
    let text = screen(&state, &mut view, 80, 24);
    assert!(text.contains("o yes"), "{text}");
    assert!(press(&mut view, &state, "y").is_empty());
    assert_eq!(
        press(&mut view, &state, "o"),
        command(Action::Quit { status: None })
    );
}

/// F1 lists every screen, overlays included, with each of its keys.
#[test]
fn f1_lists_every_context_and_its_keys() {
    let seen = help_seen(80, 24);
    let keymap = Keymap::default();
    for context in Context::ALL {
        assert!(
            seen.iter().any(|l| l.contains(context.title())),
            "{context:?}"
        );
        for (key, action) in keymap.bound(context) {
            let listed = keymap.help_lines().into_iter().any(|(c, keys, help)| {
                c == context
                    && keys.split(' ').any(|k| k == key.to_string())
                    && help == action.help_in(context)
            });
            assert!(listed, "{context:?} {key} {action:?}");
        }
    }
}

/// Walks the table: every key bound in an overlay does something there
/// (sends a request, closes, or changes the overlay), so no hint drawn
/// from the table names a key its handler ignores.
#[test]
fn every_bound_overlay_key_does_something() {
    let mut state = with_request("romeo@example.net", None);
    state.pending.add(bare("mercutio@example.org"), None);
    state.pending.add(bare("tybalt@example.com"), None);
    let keymap = Keymap::default();
    let fresh = |context| match context {
        Context::Help => Overlay::Help { scroll: 5 },
        Context::Details => Overlay::Details {
            jid: bare("romeo@example.net"),
            scroll: 5,
        },
        Context::Prompts => Overlay::Prompts { selected: 1 },
        Context::Prompt => Overlay::Prompt {
            jid: bare("romeo@example.net"),
        },
        Context::Confirm => Overlay::Confirm {
            question: "Sure?".to_owned(),
            action: Action::Quit { status: None },
        },
        _ => unreachable!(),
    };
    for context in [
        Context::Help,
        Context::Details,
        Context::Prompts,
        Context::Prompt,
        Context::Confirm,
    ] {
        for (key, action) in keymap.bound(context) {
            let mut view = with(fresh(context));
            let before = format!("{:?}", view.overlay);
            let requests = handle_key(&mut view, &state, key);
            let after = format!("{:?}", view.overlay);
            assert!(
                !requests.is_empty() || before != after,
                "{context:?} {key} {action:?} did nothing"
            );
        }
    }
}

/// VCARD-07, VCARD-08, VCARD-10, SEC-05: the details show the card the
/// store fetched when they opened: its fields on one line each, remote
/// text sanitised, the photo as type and size only; before the answer,
/// that it is being fetched; a contact without one, that none is
/// published.
#[test]
fn details_show_the_contacts_card() {
    use crate::app::Purpose;
    use crate::app::vcard::Step;
    use crate::xmpp::query::Answer;
    use crate::xmpp::stanza::vcard::VCard;

    let mut state = logged_in(Vec::new());
    let romeo = bare("romeo@example.net");
    let effects = update(
        &mut state,
        Msg::View(crate::app::ViewMsg::Details(romeo.clone())),
    );
    assert_eq!(effects.len(), 1, "{effects:?}");
    let mut view = with(Overlay::Details {
        jid: romeo.clone(),
        scroll: 0,
    });
    let text = screen(&state, &mut view, 100, 40);
    assert!(text.contains("Card"), "{text}");
    assert!(text.contains("fetching…"), "{text}");

    let binval = "QUJD".repeat(4096);
    let card = VCard::parse(&test_xml::parse(&format!(
        "<vCard xmlns='vcard-temp'><FN>Romeo \u{202e}Montague</FN><NICKNAME>romy</NICKNAME>\
         <EMAIL><INTERNET/><USERID>romeo@example.net</USERID></EMAIL>\
         <URL>https://example.net/romeo</URL><NOTE>Under the\nbalcony</NOTE>\
         <PHOTO><TYPE>image/png</TYPE><BINVAL>{binval}</BINVAL></PHOTO></vCard>"
    )))
    .unwrap();
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Vcard(Step::Show {
                jid: romeo.clone(),
                tag: None,
                label: String::new(),
            }),
            result: Ok(Answer::Vcard(card)),
        },
    );
    let text = screen(&state, &mut view, 100, 40);
    for part in [
        "Card",
        "Romeo Montague",
        "romy",
        "romeo@example.net",
        "https://example.net/romeo",
        "Under the balcony",
        "image/png, 12 KiB",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
    assert!(!text.contains('\u{202e}'));
    assert!(!text.contains("QUJD"), "VCARD-08: the photo is never drawn");
    // Kept for the session: opening again asks nothing.
    let again = update(&mut state, Msg::View(crate::app::ViewMsg::Details(romeo)));
    assert!(again.is_empty(), "{again:?}");

    let juliet = bare("juliet@example.com");
    update(
        &mut state,
        Msg::Reply {
            purpose: Purpose::Vcard(Step::Show {
                jid: juliet.clone(),
                tag: None,
                label: String::new(),
            }),
            result: Ok(Answer::Vcard(VCard::default())),
        },
    );
    view.overlay = Some(Overlay::Details {
        jid: juliet,
        scroll: 0,
    });
    let text = screen(&state, &mut view, 100, 40);
    assert!(text.contains("none published"), "{text}");
}
