//! Keys become actions through one table: context → key → [`UiAction`].
//! The same table drives the key handler, the help overlay, and the
//! `[keys]` section of the config, which rebinds entries by action name.
//! Key handlers only look keys up here; they never test key codes.

use std::collections::HashMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. `Global` bindings work everywhere except
/// while typing into the input line or a dialog, where only the keys that
/// cannot be text apply (function keys, Ctrl and Alt chords).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Roster,
    Chat,
    Headlines,
}

impl Context {
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Roster => "roster",
            Context::Chat => "chat",
            Context::Headlines => "headlines",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Roster => "Roster pane",
            Context::Chat => "Chat pane",
            Context::Headlines => "Headline pane",
        }
    }

    fn from_name(name: &str) -> Option<Context> {
        Some(match name {
            "global" => Context::Global,
            "roster" => Context::Roster,
            "chat" => Context::Chat,
            "headlines" => Context::Headlines,
            _ => return None,
        })
    }
}

macro_rules! ui_actions {
    ($($variant:ident = $name:literal : $help:literal),+ $(,)?) => {
        /// Everything a key can be bound to.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum UiAction { $($variant),+ }

        impl UiAction {
            pub const ALL: &'static [UiAction] = &[$(UiAction::$variant),+];

            /// The name used in the config's `[keys]` tables.
            pub fn name(self) -> &'static str {
                match self { $(UiAction::$variant => $name),+ }
            }

            /// One line for the help overlay.
            pub fn help(self) -> &'static str {
                match self { $(UiAction::$variant => $help),+ }
            }

            pub fn from_name(name: &str) -> Option<UiAction> {
                match name { $($name => Some(UiAction::$variant),)+ _ => None }
            }
        }
    };
}

ui_actions! {
    Quit = "quit": "leave balcony (unavailable presence, clean close)",
    Help = "help": "show this help",
    FocusNext = "focus-next": "move to the next pane",
    FocusPrev = "focus-prev": "move to the previous pane",
    FocusInput = "focus-input": "type in the input line",
    FocusRoster = "focus-roster": "go to the roster",
    StartCommand = "start-command": "type a /command",
    NextWindow = "next-window": "next chat window",
    PrevWindow = "prev-window": "previous chat window",
    CloseWindow = "close-window": "close this chat window",
    Prompts = "prompts": "list pending subscription requests",
    Up = "up": "move up",
    Down = "down": "move down",
    PageUp = "page-up": "scroll a page up",
    PageDown = "page-down": "scroll a page down",
    Top = "top": "go to the top",
    Bottom = "bottom": "go to the bottom",
    Open = "open": "open a chat with the selected contact",
    Rename = "rename": "rename the selected contact",
    EditGroups = "groups": "edit the selected contact's groups",
    Remove = "remove": "remove the selected contact (asks first)",
    Subscribe = "subscribe": "ask to see the contact's presence",
    Unsubscribe = "unsubscribe": "stop seeing the contact's presence",
    CancelTheirs = "cancel": "stop letting the contact see your presence",
    Approve = "approve": "approve the contact's pending request",
    Deny = "deny": "deny the contact's pending request",
    DirectedPresence = "directed-presence": "send your presence to this contact only",
    Details = "details": "show resources, presence and subscription details",
    AddContact = "add": "add a contact",
    ToggleOffline = "toggle-offline": "show or hide offline contacts",
    ToggleGroup = "toggle-group": "fold or unfold the group under the cursor",
    Filter = "filter": "filter the roster by typing",
    ClearHeadlines = "clear-headlines": "clear the headlines",
    Privacy = "privacy": "edit privacy lists (blocking)",
    EnterPassword = "password": "enter the password again after the server refused it",
}

/// A key as the terminal reports it, reduced to what bindings compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(event: KeyEvent) -> Key {
        // Shift is part of the character itself ('R' vs 'r'), except for
        // BackTab which crossterm already names.
        Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// True for keys that can never be text, so they work while typing.
    pub fn is_chord(self) -> bool {
        self.ctrl
            || self.alt
            || matches!(
                self.code,
                KeyCode::F(_)
                    | KeyCode::PageUp
                    | KeyCode::PageDown
                    | KeyCode::BackTab
                    | KeyCode::Esc
            )
    }

    /// Parses "r", "R", "C-n", "M-1", "F1", "Enter", "Tab", "S-Tab",
    /// "PageUp", "Delete", "Space", "Up"…
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text;
        let mut ctrl = false;
        let mut alt = false;
        loop {
            if let Some(r) = rest.strip_prefix("C-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("M-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Enter" => KeyCode::Enter,
            "Tab" => KeyCode::Tab,
            "S-Tab" | "BackTab" => KeyCode::BackTab,
            "Esc" => KeyCode::Esc,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            "Delete" => KeyCode::Delete,
            "Insert" => KeyCode::Insert,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            f if f.len() > 1 && f.starts_with('F') => {
                let n: u8 = f[1..]
                    .parse()
                    .map_err(|_| format!("{text:?} is not a key"))?;
                if !(1..=24).contains(&n) {
                    return Err(format!("{text:?}: function keys go from F1 to F24"));
                }
                KeyCode::F(n)
            }
            other => {
                let mut chars = other.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("{text:?} is not a key")),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PageUp"),
            KeyCode::PageDown => f.write_str("PageDown"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The default bindings. Several keys may share an action.
const DEFAULTS: &[(Context, &str, UiAction)] = &[
    (Context::Global, "C-c", UiAction::Quit),
    (Context::Global, "F1", UiAction::Help),
    (Context::Global, "?", UiAction::Help),
    (Context::Global, "Tab", UiAction::FocusNext),
    (Context::Global, "S-Tab", UiAction::FocusPrev),
    (Context::Global, "i", UiAction::FocusInput),
    (Context::Global, "/", UiAction::StartCommand),
    (Context::Global, "Esc", UiAction::FocusRoster),
    (Context::Global, "C-n", UiAction::NextWindow),
    (Context::Global, "C-p", UiAction::PrevWindow),
    (Context::Global, "M-Right", UiAction::NextWindow),
    (Context::Global, "M-Left", UiAction::PrevWindow),
    (Context::Global, "F2", UiAction::Prompts),
    (Context::Global, "F3", UiAction::EnterPassword),
    (Context::Global, "PageUp", UiAction::PageUp),
    (Context::Global, "PageDown", UiAction::PageDown),
    (Context::Global, "A", UiAction::AddContact),
    (Context::Global, "P", UiAction::Privacy),
    (Context::Roster, "Up", UiAction::Up),
    (Context::Roster, "k", UiAction::Up),
    (Context::Roster, "Down", UiAction::Down),
    (Context::Roster, "j", UiAction::Down),
    (Context::Roster, "Home", UiAction::Top),
    (Context::Roster, "End", UiAction::Bottom),
    (Context::Roster, "Enter", UiAction::Open),
    (Context::Roster, "r", UiAction::Rename),
    (Context::Roster, "g", UiAction::EditGroups),
    (Context::Roster, "d", UiAction::Remove),
    (Context::Roster, "Delete", UiAction::Remove),
    (Context::Roster, "s", UiAction::Subscribe),
    (Context::Roster, "u", UiAction::Unsubscribe),
    (Context::Roster, "c", UiAction::CancelTheirs),
    (Context::Roster, "a", UiAction::Approve),
    (Context::Roster, "x", UiAction::Deny),
    (Context::Roster, "p", UiAction::DirectedPresence),
    (Context::Roster, "v", UiAction::Details),
    (Context::Roster, "o", UiAction::ToggleOffline),
    (Context::Roster, "Space", UiAction::ToggleGroup),
    (Context::Roster, "f", UiAction::Filter),
    (Context::Chat, "Up", UiAction::Up),
    (Context::Chat, "k", UiAction::Up),
    (Context::Chat, "Down", UiAction::Down),
    (Context::Chat, "j", UiAction::Down),
    (Context::Chat, "Home", UiAction::Top),
    (Context::Chat, "End", UiAction::Bottom),
    (Context::Chat, "Enter", UiAction::FocusInput),
    (Context::Chat, "w", UiAction::CloseWindow),
    (Context::Chat, "v", UiAction::Details),
    (Context::Headlines, "Up", UiAction::Up),
    (Context::Headlines, "k", UiAction::Up),
    (Context::Headlines, "Down", UiAction::Down),
    (Context::Headlines, "j", UiAction::Down),
    (Context::Headlines, "Home", UiAction::Top),
    (Context::Headlines, "End", UiAction::Bottom),
    (Context::Headlines, "C", UiAction::ClearHeadlines),
];

/// The bindings in force: the defaults with the user's overrides.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: HashMap<(Context, Key), UiAction>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = HashMap::new();
        for (context, key, action) in DEFAULTS {
            // The table is ours and tested; a typo there is caught by a test.
            if let Ok(key) = Key::parse(key) {
                bindings.insert((*context, key), *action);
            }
        }
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `overrides` applied: context name → action name →
    /// key or keys. Binding an action replaces its default keys in that
    /// context; an empty list unbinds it.
    pub fn with_overrides(
        overrides: &HashMap<String, HashMap<String, Vec<String>>>,
    ) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        for (context_name, actions) in overrides {
            let context = Context::from_name(context_name).ok_or_else(|| {
                format!("[keys.{context_name}]: unknown context (global, roster, chat, headlines)")
            })?;
            for (action_name, keys) in actions {
                let action = UiAction::from_name(action_name).ok_or_else(|| {
                    format!("[keys.{context_name}] {action_name}: unknown action")
                })?;
                keymap
                    .bindings
                    .retain(|(c, _), a| !(*c == context && *a == action));
                for key in keys {
                    let key = Key::parse(key)
                        .map_err(|e| format!("[keys.{context_name}] {action_name}: {e}"))?;
                    keymap.bindings.insert((context, key), action);
                }
            }
        }
        Ok(keymap)
    }

    /// The action for a key in a pane: the pane's own binding first, then
    /// a global one.
    pub fn lookup(&self, context: Context, key: Key) -> Option<UiAction> {
        self.bindings
            .get(&(context, key))
            .or_else(|| self.bindings.get(&(Context::Global, key)))
            .copied()
    }

    /// The action for a key while text is being typed: only chords.
    pub fn lookup_typing(&self, key: Key) -> Option<UiAction> {
        if !key.is_chord() {
            return None;
        }
        self.bindings.get(&(Context::Global, key)).copied()
    }

    /// The keys bound to `action` in `context`, for hints.
    pub fn keys_for(&self, context: Context, action: UiAction) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings
            .iter()
            .filter(|((c, _), a)| *c == context && **a == action)
            .map(|((_, k), _)| *k)
            .collect();
        keys.sort_by_key(|k| k.to_string());
        keys
    }

    /// The help listing: per context, each action with its keys.
    pub fn help_lines(&self) -> Vec<(Context, String, &'static str)> {
        let mut lines = Vec::new();
        for context in [
            Context::Global,
            Context::Roster,
            Context::Chat,
            Context::Headlines,
        ] {
            for action in UiAction::ALL {
                let keys = self.keys_for(context, *action);
                if keys.is_empty() {
                    continue;
                }
                let keys: Vec<String> = keys.iter().map(Key::to_string).collect();
                lines.push((context, keys.join(" "), action.help()));
            }
        }
        lines
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
    fn help_lists_every_bound_action() {
        let keymap = Keymap::default();
        let help = keymap.help_lines();
        for (_, _, action) in DEFAULTS {
            assert!(
                help.iter().any(|(_, _, h)| *h == action.help()),
                "{action:?}"
            );
        }
    }
}
