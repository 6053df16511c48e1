//! Privacy editor tests: the screens drawn at 80×24 and 200×60, and key
//! sequences turned into requests (checklist PRIV-01, 06, 07, 09, 10, 18).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jid::{BareJid, Jid};
use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::app::privacy::Support;
use crate::ui::View;
use crate::ui::keymap::Key;
use crate::ui::popup;
use crate::ui::test_support::{logged_in, render, screen};
use crate::xmpp::stanza::privacy::{
    ItemType, ListNames, PrivacyAction, PrivacyItem, PrivacyList, StanzaKinds,
};
use crate::xmpp::stanza::roster::{RosterItem, Subscription};

fn contact(jid: &str, groups: &[&str]) -> RosterItem {
    RosterItem {
        subscription: Subscription::Both,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        ..RosterItem::new(BareJid::new(jid).unwrap())
    }
}

fn rule(
    kind: Option<ItemType>,
    value: Option<&str>,
    action: PrivacyAction,
    order: u32,
) -> PrivacyItem {
    PrivacyItem {
        kind,
        value: value.map(str::to_owned),
        action,
        order,
        stanzas: StanzaKinds::default(),
    }
}

/// The checklist's `public` list: deny tybalt, deny Montagues, allow the rest.
fn public() -> PrivacyList {
    PrivacyList {
        name: "public".into(),
        items: vec![
            rule(
                Some(ItemType::Jid),
                Some("tybalt@example.com"),
                PrivacyAction::Deny,
                10,
            ),
            rule(
                Some(ItemType::Group),
                Some("Montagues"),
                PrivacyAction::Deny,
                20,
            ),
            rule(None, None, PrivacyAction::Allow, 100),
        ],
    }
}

/// Logged in with a roster, privacy lists supported; `public` is the
/// default and fetched, `private` is active and not fetched.
fn state() -> State {
    let mut state = logged_in(vec![
        contact("romeo@example.net", &["Friends"]),
        contact("benvolio@example.net", &["Friends"]),
        contact("nurse@example.com", &["Household"]),
    ]);
    state.privacy.support = Support {
        known: true,
        privacy_lists: true,
        blocking: false,
    };
    state.privacy.names = Some(ListNames {
        active: Some("private".into()),
        default: Some("public".into()),
        lists: vec!["public".into(), "private".into(), "special".into()],
    });
    state.privacy.lists.insert("public".into(), public());
    state
}

fn opened(state: &State) -> View {
    let mut view = View::default();
    open(&mut view, state);
    view
}

fn press(view: &mut View, state: &State, key: &str) -> Vec<Request> {
    popup::handle_key(view, state, Key::parse(key).unwrap())
}

fn keys(view: &mut View, state: &State, keys: &[&str]) -> Vec<Request> {
    keys.iter().flat_map(|k| press(view, state, k)).collect()
}

fn type_text(view: &mut View, state: &State, text: &str) {
    for c in text.chars() {
        let key = Key {
            code: KeyCode::Char(c),
            ctrl: false,
            alt: false,
        };
        assert!(popup::handle_key(view, state, key).is_empty());
    }
}

fn privacy(command: PrivacyCommand) -> Vec<Request> {
    vec![Request::Command(Action::Privacy(command))]
}

/// The editor's state, for checks the screen cannot show.
fn rules(view: &View) -> &Rules {
    match &view.overlay {
        Some(Overlay::Privacy(editor)) => match &editor.screen {
            Screen::Rules(rules) => rules,
            Screen::Lists(_) => panic!("on the Lists screen"),
        },
        other => panic!("not the privacy editor: {other:?}"),
    }
}

fn on_lists(view: &View) -> bool {
    matches!(&view.overlay, Some(Overlay::Privacy(e)) if matches!(e.screen, Screen::Lists(None)))
}

/// The row showing `name`.
fn row_of<'a>(rows: &'a [String], name: &str) -> &'a str {
    rows.iter()
        .find(|r| r.contains(&format!(" {name} ")))
        .unwrap_or_else(|| panic!("no row for {name}:\n{}", rows.join("\n")))
}

/// PRIV-02, PRIV-18: every list with its markers, and the note that an
/// active list replaces the default one, at both screen sizes.
#[test]
fn priv_18_lists_screen_markers_and_note() {
    let state = state();
    for (width, height) in [(80, 24), (200, 60)] {
        let mut view = opened(&state);
        let rows = render(&state, &mut view, width, height);
        let all = rows.join("\n");
        assert!(row_of(&rows, "public").contains("default"), "{all}");
        assert!(!row_of(&rows, "public").contains("active"), "{all}");
        assert!(row_of(&rows, "private").contains("active"), "{all}");
        assert!(row_of(&rows, "public").contains("3 rules"), "{all}");
        assert!(!row_of(&rows, "special").contains("default"), "{all}");
        assert!(all.contains("3 privacy lists on the server"), "{all}");
        assert!(
            all.contains("An active list replaces the default list"),
            "{all}"
        );
        assert!(all.contains("“private” (this session only)"), "{all}");
        assert!(all.contains("Esc close"), "{all}");
        let widest = rows
            .iter()
            .map(|r| r.trim_end().chars().count())
            .max()
            .unwrap();
        assert!(widest <= usize::from(width));
        if width == 200 {
            // The bigger screen gets the wider box.
            assert!(rows.iter().any(|r| r.contains(&"─".repeat(110))), "{all}");
        }
    }
}

/// Opening asks for the names only when the store has none.
#[test]
fn open_fetches_names_when_unknown() {
    let mut state = state();
    let mut view = View::default();
    assert!(open(&mut view, &state).is_empty());
    state.privacy.names = None;
    assert_eq!(open(&mut view, &state), privacy(PrivacyCommand::List));
    assert!(screen(&state, &mut view, 80, 24).contains("Fetching the list names"));
    state.privacy.support.privacy_lists = false;
    assert!(open(&mut view, &state).is_empty());
}

/// `P` opens the editor from the panes; Esc closes it.
#[test]
fn p_opens_the_editor() {
    let state = state();
    let mut view = View::default();
    let event = ratatui::crossterm::event::KeyEvent::from(KeyCode::Char('P'));
    assert!(crate::ui::handle_key(&mut view, &state, event).is_empty());
    assert!(on_lists(&view));
    press(&mut view, &state, "Esc");
    assert!(view.overlay.is_none());
}

#[test]
fn lists_keys_send_commands() {
    let state = state();
    let mut view = opened(&state);
    assert_eq!(press(&mut view, &state, "j"), vec![]);
    assert_eq!(
        press(&mut view, &state, "a"),
        privacy(PrivacyCommand::Active(Some("private".into())))
    );
    assert_eq!(
        press(&mut view, &state, "d"),
        privacy(PrivacyCommand::Default(Some("private".into())))
    );
    assert_eq!(
        press(&mut view, &state, "A"),
        privacy(PrivacyCommand::Active(None))
    );
    assert_eq!(
        press(&mut view, &state, "D"),
        privacy(PrivacyCommand::Default(None))
    );
    assert_eq!(press(&mut view, &state, "r"), privacy(PrivacyCommand::List));
    // Deleting asks first; n keeps the list.
    assert!(press(&mut view, &state, "x").is_empty());
    assert!(screen(&state, &mut view, 80, 24).contains("Delete the privacy list “private”"));
    assert!(press(&mut view, &state, "n").is_empty());
    assert!(on_lists(&view));
    press(&mut view, &state, "x");
    assert_eq!(
        press(&mut view, &state, "y"),
        privacy(PrivacyCommand::Delete("private".into()))
    );
}

/// A fetched list opens at once as a table of its rules, in order.
#[test]
fn opens_a_stored_list_as_a_table() {
    let state = state();
    for (width, height) in [(80, 24), (200, 60)] {
        let mut view = opened(&state);
        assert!(press(&mut view, &state, "Enter").is_empty());
        let rows = render(&state, &mut view, width, height);
        let all = rows.join("\n");
        let header = rows
            .iter()
            .position(|r| r.contains("Order") && r.contains("Kinds"));
        let header = header.unwrap_or_else(|| panic!("{all}"));
        let body: Vec<&String> = rows[header + 1..header + 4].iter().collect();
        for (row, words) in body.iter().zip([
            ["10", "deny", "jid", "tybalt@example.com", "all"],
            ["20", "deny", "group", "Montagues", "all"],
            ["100", "allow", "-", "everyone", "all"],
        ]) {
            for word in words {
                assert!(row.contains(word), "{word} missing in {row}\n{all}");
            }
        }
        assert!(all.contains("“public” · default"), "{all}");
        // PRIV-18: this default list is shadowed by the active one.
        assert!(all.contains("Another list is active"), "{all}");
    }
}

/// A list the store lacks is fetched and shown once it arrives.
#[test]
fn fetches_a_list_it_does_not_have() {
    let mut state = state();
    let mut view = opened(&state);
    assert_eq!(
        keys(&mut view, &state, &["j", "Enter"]),
        privacy(PrivacyCommand::Show("private".into()))
    );
    assert!(screen(&state, &mut view, 80, 24).contains("Loading “private” from the server…"));
    let mut private = public();
    private.name = "private".into();
    state.privacy.lists.insert("private".into(), private);
    assert!(screen(&state, &mut view, 80, 24).contains("tybalt@example.com"));
    assert!(!rules(&view).dirty());
}

/// PRIV-06, PRIV-07, PRIV-09: add a JID rule completed from the roster,
/// move it up, delete another, save: one request with the whole list.
#[test]
fn priv_09_edit_and_save_sends_the_whole_list() {
    let state = state();
    let mut view = opened(&state);
    press(&mut view, &state, "Enter");
    // A new rule goes after the selected one, between orders 10 and 20.
    assert!(press(&mut view, &state, "a").is_empty());
    let form = screen(&state, &mut view, 80, 24);
    assert!(form.contains("New rule"), "{form}");
    type_text(&mut view, &state, "rom");
    press(&mut view, &state, "Tab");
    let form = screen(&state, &mut view, 80, 24);
    assert!(form.contains("romeo@example.net"), "{form}");
    assert!(form.contains("15"), "{form}");
    // Allow it, for messages only.
    keys(&mut view, &state, &["S-Tab", "S-Tab", "Space", "1"]);
    assert!(press(&mut view, &state, "Enter").is_empty());
    assert_eq!(rules(&view).selected, 1);
    let table = screen(&state, &mut view, 80, 24);
    assert!(table.contains("unsaved changes"), "{table}");
    // Move it above tybalt (the orders trade), then delete Montagues.
    assert!(press(&mut view, &state, "K").is_empty());
    assert_eq!(rules(&view).selected, 0);
    keys(&mut view, &state, &["j", "j", "x"]);
    let sent = keys(&mut view, &state, &["s"]);
    let mut romeo = rule(
        Some(ItemType::Jid),
        Some("romeo@example.net"),
        PrivacyAction::Allow,
        10,
    );
    romeo.stanzas.message = true;
    let expected = PrivacyList {
        name: "public".into(),
        items: vec![
            romeo,
            rule(
                Some(ItemType::Jid),
                Some("tybalt@example.com"),
                PrivacyAction::Deny,
                15,
            ),
            rule(None, None, PrivacyAction::Allow, 100),
        ],
    };
    assert_eq!(sent, privacy(PrivacyCommand::Save(expected.clone())));
    assert_eq!(expected.validate(), vec![]);
    assert!(screen(&state, &mut view, 80, 24).contains("Saving public…"));
}

/// Edits the selected rule in place; M-Down moves it down.
#[test]
fn edit_a_rule_and_move_it_down() {
    let state = state();
    let mut view = opened(&state);
    press(&mut view, &state, "Enter");
    assert!(press(&mut view, &state, "e").is_empty());
    assert!(screen(&state, &mut view, 80, 24).contains("Edit rule"));
    // The value field has the keyboard: replace the JID.
    press(&mut view, &state, "C-u");
    type_text(&mut view, &state, "example.org");
    press(&mut view, &state, "Enter");
    press(&mut view, &state, "M-Down");
    let working = rules(&view).working.clone().unwrap();
    let got: Vec<(u32, Option<&str>)> = working
        .items
        .iter()
        .map(|i| (i.order, i.value.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (10, Some("Montagues")),
            (20, Some("example.org")),
            (100, None)
        ]
    );
    assert_eq!(rules(&view).selected, 1);
}

/// PRIV-06: an invalid JID is refused in the form, with the reason.
#[test]
fn priv_06_invalid_jid_is_refused() {
    let state = state();
    let mut view = opened(&state);
    keys(&mut view, &state, &["Enter", "a"]);
    type_text(&mut view, &state, "a@b@c");
    assert!(press(&mut view, &state, "Enter").is_empty());
    let shown = screen(&state, &mut view, 80, 24);
    assert!(shown.contains("“a@b@c” is not a valid JID"), "{shown}");
    assert!(rules(&view).form.is_some());
    assert_eq!(rules(&view).working.as_ref().unwrap().items.len(), 3);
    // A subscription rule must name one of the four states.
    keys(&mut view, &state, &["S-Tab", "Space", "Space"]);
    press(&mut view, &state, "Tab");
    press(&mut view, &state, "C-u");
    type_text(&mut view, &state, "pending");
    press(&mut view, &state, "Enter");
    let shown = screen(&state, &mut view, 80, 24);
    assert!(shown.contains("is not a subscription state"), "{shown}");
    // An order another rule has is refused too (PRIV-07).
    press(&mut view, &state, "C-u");
    type_text(&mut view, &state, "no");
    press(&mut view, &state, "Tab");
    assert!(screen(&state, &mut view, 80, 24).contains("none"));
    keys(&mut view, &state, &["Down", "Down", "C-u"]);
    type_text(&mut view, &state, "20");
    press(&mut view, &state, "Enter");
    let shown = screen(&state, &mut view, 80, 24);
    assert!(shown.contains("Another rule has order 20"), "{shown}");
    press(&mut view, &state, "Esc");
    assert!(rules(&view).form.is_none());
    assert!(!rules(&view).dirty());
}

/// Leaving with unsaved changes asks; n stays, y discards.
#[test]
fn esc_with_unsaved_changes_asks() {
    let state = state();
    let mut view = opened(&state);
    keys(&mut view, &state, &["Enter", "x"]);
    assert!(press(&mut view, &state, "Esc").is_empty());
    let shown = screen(&state, &mut view, 80, 24);
    assert!(
        shown.contains("Discard unsaved changes to public?"),
        "{shown}"
    );
    press(&mut view, &state, "n");
    assert!(!rules(&view).ask_discard);
    assert_eq!(rules(&view).working.as_ref().unwrap().items.len(), 2);
    press(&mut view, &state, "Esc");
    assert!(press(&mut view, &state, "y").is_empty());
    assert!(on_lists(&view));
    // Reopened, the list is the store's again.
    press(&mut view, &state, "Enter");
    assert_eq!(rules(&view).working.as_ref().unwrap().items.len(), 3);
    // Nothing changed: Esc leaves without asking.
    press(&mut view, &state, "Esc");
    assert!(on_lists(&view));
}

/// Saving checks the list: errors stop it, warnings do not (PRIV-08).
#[test]
fn save_validates_first() {
    let mut state = state();
    let mut view = opened(&state);
    press(&mut view, &state, "Enter");
    // Put the fall-through first: a warning, sent anyway.
    keys(&mut view, &state, &["End", "K", "K"]);
    let sent = press(&mut view, &state, "C-s");
    assert_eq!(sent.len(), 1);
    let shown = screen(&state, &mut view, 80, 24);
    assert!(
        shown.contains("warning: Rule 10 matches everyone"),
        "{shown}"
    );
    // The store confirms the save: nothing is unsaved any more.
    let Request::Command(Action::Privacy(PrivacyCommand::Save(list))) = &sent[0] else {
        panic!("{sent:?}");
    };
    state.privacy.lists.insert("public".into(), list.clone());
    let shown = screen(&state, &mut view, 80, 24);
    assert!(!shown.contains("unsaved"), "{shown}");
    assert!(shown.contains("Saved public."), "{shown}");
    // An empty list would delete it (PRIV-11): refused.
    keys(&mut view, &state, &["x", "x", "x"]);
    assert!(press(&mut view, &state, "s").is_empty());
    let shown = screen(&state, &mut view, 80, 24);
    assert!(shown.contains("error: The list has no rules"), "{shown}");
    assert!(shown.contains("Not saved"), "{shown}");
}

/// PRIV-10: a new list may not take an existing name without asking.
#[test]
fn priv_10_new_list_name() {
    let state = state();
    let mut view = opened(&state);
    press(&mut view, &state, "n");
    assert!(screen(&state, &mut view, 80, 24).contains("Name of the new list"));
    type_text(&mut view, &state, "public");
    assert!(press(&mut view, &state, "Enter").is_empty());
    let shown = screen(&state, &mut view, 80, 24);
    assert!(
        shown.contains("A list named “public” already exists"),
        "{shown}"
    );
    // n: back to the name, to choose another.
    press(&mut view, &state, "n");
    keys(&mut view, &state, &["C-u"]);
    type_text(&mut view, &state, "strangers");
    assert!(press(&mut view, &state, "Enter").is_empty());
    let shown = screen(&state, &mut view, 80, 24);
    assert!(shown.contains("“strangers” · new"), "{shown}");
    assert!(shown.contains("No rules yet"), "{shown}");
    // PRIV-24: block strangers, one subscription rule.
    press(&mut view, &state, "a");
    keys(&mut view, &state, &["S-Tab", "Space", "Space"]);
    press(&mut view, &state, "Tab");
    type_text(&mut view, &state, "no");
    press(&mut view, &state, "Tab");
    press(&mut view, &state, "Enter");
    let sent = press(&mut view, &state, "s");
    let expected = PrivacyList {
        name: "strangers".into(),
        items: vec![rule(
            Some(ItemType::Subscription),
            Some("none"),
            PrivacyAction::Deny,
            10,
        )],
    };
    assert_eq!(sent, privacy(PrivacyCommand::Save(expected)));
}

/// PRIV-07: no room between two orders renumbers the list first.
#[test]
fn priv_07_renumbers_to_make_room() {
    let mut state = state();
    let mut tight = public();
    tight.items[0].order = 1;
    tight.items[1].order = 2;
    tight.items[2].order = 3;
    state.privacy.lists.insert("public".into(), tight);
    let mut view = opened(&state);
    keys(&mut view, &state, &["Enter", "a"]);
    type_text(&mut view, &state, "nurse@example.com");
    press(&mut view, &state, "Enter");
    let working = rules(&view).working.clone().unwrap();
    let orders: Vec<u32> = working.items.iter().map(|i| i.order).collect();
    assert_eq!(orders, vec![10, 15, 20, 30]);
    assert_eq!(working.items[1].value.as_deref(), Some("nurse@example.com"));
}

/// Pasted text lands in the form's focused field.
#[test]
fn paste_goes_into_the_form() {
    let state = state();
    let mut view = opened(&state);
    keys(&mut view, &state, &["Enter", "a"]);
    view.overlay.as_mut().unwrap().paste("juliet@example.com");
    press(&mut view, &state, "Enter");
    let working = rules(&view).working.clone().unwrap();
    assert_eq!(
        working.items[1].value.as_deref(),
        Some("juliet@example.com")
    );
}

/// PRIV-01: no privacy lists: say so, and show the blocklist read-only.
#[test]
fn priv_01_unsupported_server() {
    let mut state = state();
    state.privacy.support = Support {
        known: true,
        privacy_lists: false,
        blocking: true,
    };
    state.privacy.blocklist = Some(vec![Jid::new("tybalt@example.com").unwrap()]);
    for (width, height) in [(80, 24), (200, 60)] {
        let mut view = opened(&state);
        let shown = screen(&state, &mut view, width, height);
        assert!(shown.contains("does not support privacy lists"), "{shown}");
        assert!(shown.contains("tybalt@example.com"), "{shown}");
        assert!(shown.contains("/block"), "{shown}");
        assert!(!shown.contains("active"), "{shown}");
        // Nothing to edit: list keys do nothing.
        assert!(keys(&mut view, &state, &["n", "Enter", "a", "r"]).is_empty());
        press(&mut view, &state, "Esc");
        assert!(view.overlay.is_none());
    }
}

/// SEC-05: names and values from the server are drawn without controls.
#[test]
fn remote_text_is_sanitised() {
    let mut state = state();
    let evil = "ev\u{1b}[2Jil\u{202e}";
    let mut list = public();
    list.name = evil.into();
    list.items[1].value = Some(format!("grp{evil}"));
    state
        .privacy
        .names
        .as_mut()
        .unwrap()
        .lists
        .push(evil.into());
    state.privacy.lists.insert(evil.into(), list);
    let mut view = opened(&state);
    let shown = screen(&state, &mut view, 80, 24);
    assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}'));
    keys(&mut view, &state, &["End", "Enter"]);
    let shown = screen(&state, &mut view, 80, 24);
    assert!(shown.contains("grpev[2Jil"), "{shown}");
    assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}'));
}

/// Walks the table: every key bound on the lists screen, the rules screen
/// and the rule form does something there, so the hints drawn from the
/// table never name a key the handler ignores.
#[test]
fn every_bound_privacy_key_does_something() {
    let state = state();
    let keymap = Keymap::default();
    let setups: [(Context, &[&str]); 3] = [
        (Context::PrivacyLists, &["j"]),
        (Context::PrivacyRules, &["Enter", "j"]),
        // On the allow/deny field, where choices and ticks apply.
        (Context::PrivacyForm, &["Enter", "j", "a", "S-Tab", "S-Tab"]),
    ];
    for (context, setup) in setups {
        for (key, action) in keymap.bound(context) {
            let mut view = opened(&state);
            keys(&mut view, &state, setup);
            let before = format!("{:?}", view.overlay);
            let requests = popup::handle_key(&mut view, &state, key);
            let after = format!("{:?}", view.overlay);
            assert!(
                !requests.is_empty() || before != after,
                "{context:?} {key} {action:?} did nothing"
            );
        }
    }
}

/// A rule-form key rebound under `[keys.privacy_form]` works and its hint
/// shows it; rules deletes with the same key as lists.
#[test]
fn rebound_privacy_keys_work_and_show() {
    let state = state();
    let overrides = std::collections::HashMap::from([(
        "privacy_form".to_owned(),
        std::collections::HashMap::from([("close".to_owned(), vec!["C-g".to_owned()])]),
    )]);
    let mut view = opened(&state);
    view.keymap = Keymap::with_overrides(&overrides).unwrap();
    keys(&mut view, &state, &["Enter", "a"]);
    let form = screen(&state, &mut view, 80, 24);
    assert!(form.contains("C-g cancel"), "{form}");
    press(&mut view, &state, "Esc");
    assert!(screen(&state, &mut view, 80, 24).contains("New rule"));
    press(&mut view, &state, "C-g");
    let table = screen(&state, &mut view, 80, 24);
    assert!(!table.contains("New rule"), "{table}");
    assert!(table.contains("x delete"), "{table}");
}
