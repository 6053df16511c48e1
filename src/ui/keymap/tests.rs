//! Keymap tests: parsing keys, merging overrides, what the config check
//! refuses, and the lookups the handlers rely on.

#![allow(clippy::unwrap_used)]

use super::*;

/// Overlay tables are checked like pane tables: an unknown action or
/// context is refused, naming it.
#[test]
fn overlay_tables_refuse_unknown_actions_and_contexts() {
    let table = |context: &str, action: &str| {
        HashMap::from([(
            context.to_owned(),
            HashMap::from([(action.to_owned(), vec!["m".to_owned()])]),
        )])
    };
    let err = Keymap::with_overrides(&table("confirm", "maybe"))
        .err()
        .unwrap();
    assert!(err.contains("maybe"), "{err}");
    let err = Keymap::with_overrides(&table("privacy", "delete"))
        .err()
        .unwrap();
    assert!(err.contains("unknown context"), "{err}");
    assert!(Keymap::with_overrides(&table("prompts", "deny")).is_ok());
}

#[test]
fn every_default_parses() {
    for (_, key, _) in DEFAULTS {
        assert!(Key::parse(key).is_ok(), "{key}");
    }
}

#[test]
fn keys_round_trip_through_text() {
    for text in [
        "r", "R", "C-n", "M-1", "F12", "Enter", "S-Tab", "Space", "PageDown", "C-M-x",
    ] {
        assert_eq!(Key::parse(text).unwrap().to_string(), text);
    }
    assert!(Key::parse("F99").is_err());
    assert!(Key::parse("Hyper-x").is_err());
}

#[test]
fn pane_binding_wins_over_global() {
    let keymap = Keymap::default();
    let enter = Key::parse("Enter").unwrap();
    assert_eq!(keymap.lookup(Context::Roster, enter), Some(UiAction::Open));
    assert_eq!(
        keymap.lookup(Context::Chat, enter),
        Some(UiAction::FocusInput)
    );
    let f1 = Key::parse("F1").unwrap();
    assert_eq!(keymap.lookup(Context::Roster, f1), Some(UiAction::Help));
}

#[test]
fn typing_only_sees_chords() {
    let keymap = Keymap::default();
    assert_eq!(keymap.lookup_typing(Key::parse("?").unwrap()), None);
    assert_eq!(
        keymap.lookup_typing(Key::parse("C-c").unwrap()),
        Some(UiAction::Quit)
    );
}

#[test]
fn overrides_replace_and_unbind() {
    let mut roster = HashMap::new();
    roster.insert("rename".to_owned(), vec!["R".to_owned()]);
    roster.insert("remove".to_owned(), vec![]);
    let mut overrides = HashMap::new();
    overrides.insert("roster".to_owned(), roster);
    let keymap = Keymap::with_overrides(&overrides).unwrap();
    assert_eq!(
        keymap.lookup(Context::Roster, Key::parse("R").unwrap()),
        Some(UiAction::Rename)
    );
    assert_eq!(
        keymap.lookup(Context::Roster, Key::parse("r").unwrap()),
        None
    );
    assert_eq!(
        keymap.lookup(Context::Roster, Key::parse("d").unwrap()),
        None
    );

    let mut bad = HashMap::new();
    bad.insert(
        "roster".to_owned(),
        HashMap::from([("fly".to_owned(), vec!["f".to_owned()])]),
    );
    assert!(
        Keymap::with_overrides(&bad)
            .unwrap_err()
            .contains("unknown action")
    );
}

#[test]
fn every_context_has_keys_and_a_config_name() {
    let keymap = Keymap::default();
    for context in Context::ALL {
        assert!(!keymap.bound(context).is_empty(), "{context:?}");
        assert_eq!(Context::from_name(context.as_str()), Some(context));
    }
    let mut overrides = HashMap::new();
    overrides.insert("nowhere".to_owned(), HashMap::new());
    let error = Keymap::with_overrides(&overrides).unwrap_err();
    assert!(error.contains("privacy_rules"), "{error}");
}

/// Overlays take only their own keys: a global letter does nothing
/// behind a dialog.
#[test]
fn overlays_do_not_fall_back_to_global_keys() {
    let keymap = Keymap::default();
    let a = Key::parse("A").unwrap();
    assert_eq!(
        keymap.lookup(Context::Roster, a),
        Some(UiAction::AddContact)
    );
    assert_eq!(keymap.lookup(Context::Confirm, a), None);
}

/// Issue "one table per input surface", item 4: next-door privacy
/// screens do not give one key a harmless meaning on one and a
/// destructive one on the other.
#[test]
fn privacy_screens_agree_on_delete() {
    let keymap = Keymap::default();
    let lists = keymap.keys_for(Context::PrivacyLists, UiAction::Delete);
    let rules = keymap.keys_for(Context::PrivacyRules, UiAction::Delete);
    assert_eq!(lists, rules);
    for (key, action) in keymap.bound(Context::PrivacyLists) {
        if let Some(other) = keymap.lookup(Context::PrivacyRules, key) {
            assert!(
                (action == UiAction::Delete) == (other == UiAction::Delete),
                "{key}: {action:?} vs {other:?}"
            );
        }
    }
}

#[test]
fn hints_follow_rebinding_and_unbinding() {
    let overrides = HashMap::from([(
        "confirm".to_owned(),
        HashMap::from([
            ("yes".to_owned(), vec!["o".to_owned()]),
            ("no".to_owned(), vec![]),
        ]),
    )]);
    let keymap = Keymap::with_overrides(&overrides).unwrap();
    assert_eq!(
        keymap.hints(Context::Confirm, &[UiAction::Yes, UiAction::No]),
        vec![("o".to_owned(), "yes")]
    );
}

#[test]
fn help_lists_every_bound_action() {
    let keymap = Keymap::default();
    let help = keymap.help_lines();
    for (context, _, action) in DEFAULTS {
        assert!(
            help.iter().any(|(_, _, h)| *h == action.help_in(*context)),
            "{action:?}"
        );
    }
}

/// The line editor is a context like the others: its keys are rebound
/// under `[keys.input]`, and the defaults are what it always had.
#[test]
fn input_edits_come_from_the_table() {
    let keymap = Keymap::default();
    let key = |text| Key::parse(text).unwrap();
    assert_eq!(
        keymap.lookup(Context::Input, key("C-a")),
        Some(UiAction::LineStart)
    );
    assert_eq!(
        keymap.lookup(Context::Input, key("Enter")),
        Some(UiAction::Submit)
    );
    // No global key falls through into the editor.
    assert_eq!(keymap.lookup(Context::Input, key("A")), None);
    assert_eq!(keymap.lookup(Context::Input, key("C-c")), None);
    let overrides = HashMap::from([(
        "input".to_owned(),
        HashMap::from([("yank".to_owned(), vec!["M-y".to_owned()])]),
    )]);
    let keymap = Keymap::with_overrides(&overrides).unwrap();
    assert_eq!(
        keymap.lookup(Context::Input, key("M-y")),
        Some(UiAction::Yank)
    );
    assert_eq!(keymap.lookup(Context::Input, key("C-y")), None);
}

/// Typing must stay possible: a key that types a character cannot be
/// bound where text is typed (the input line, dialogs, the password), and
/// the input line takes only editing actions.
#[test]
fn typing_contexts_refuse_keys_that_are_text() {
    let table = |context: &str, action: &str, key: &str| {
        HashMap::from([(
            context.to_owned(),
            HashMap::from([(action.to_owned(), vec![key.to_owned()])]),
        )])
    };
    for (context, action, key) in [
        ("input", "line-start", "a"),
        ("input", "complete", "Space"),
        ("input", "submit", "C-M-q"),
        ("entry", "close", "q"),
        ("password", "erase-all", "U"),
    ] {
        let error = Keymap::with_overrides(&table(context, action, key))
            .err()
            .unwrap();
        assert!(
            error.contains(&format!("[keys.{context}] {action}"))
                && error.contains("types a character"),
            "{error}"
        );
    }
    for (context, action, key) in [
        ("input", "line-start", "C-t"),
        ("input", "submit", "F5"),
        ("entry", "close", "C-g"),
        ("roster", "rename", "e"),
    ] {
        assert!(
            Keymap::with_overrides(&table(context, action, key)).is_ok(),
            "{context} {action} {key}"
        );
    }
    let error = Keymap::with_overrides(&table("input", "quit", "C-q"))
        .err()
        .unwrap();
    assert!(error.contains("not an editing action"), "{error}");
}
