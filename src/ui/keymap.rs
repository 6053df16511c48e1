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
    Help,
    Prompt,
    Prompts,
    Confirm,
    Details,
    Entry,
    Password,
    PrivacyLists,
    PrivacyRules,
    PrivacyForm,
    Discard,
}

/// Every context, in the order F1 lists them.
const CONTEXTS: [(Context, &str, &str); 15] = [
    (Context::Global, "global", "Everywhere"),
    (Context::Roster, "roster", "Roster pane"),
    (Context::Chat, "chat", "Chat pane"),
    (Context::Headlines, "headlines", "Headline pane"),
    (Context::Help, "help", "Help (this screen)"),
    (Context::Prompt, "prompt", "Subscription request"),
    (Context::Prompts, "prompts", "Subscription requests (F2)"),
    (Context::Confirm, "confirm", "Yes/no questions"),
    (Context::Details, "details", "Contact details"),
    (Context::Entry, "entry", "One-line dialogs"),
    (Context::Password, "password", "Password dialog"),
    (Context::PrivacyLists, "privacy_lists", "Privacy lists"),
    (Context::PrivacyRules, "privacy_rules", "Privacy list rules"),
    (Context::PrivacyForm, "privacy_form", "Privacy rule form"),
    (Context::Discard, "discard", "Discard unsaved changes?"),
];

impl Context {
    pub const ALL: [Context; 15] = {
        let mut all = [Context::Global; 15];
        let mut i = 0;
        while i < CONTEXTS.len() {
            all[i] = CONTEXTS[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> (Context, &'static str, &'static str) {
        CONTEXTS
            .into_iter()
            .find(|(c, _, _)| *c == self)
            .unwrap_or(CONTEXTS[0])
    }

    /// The name used in the config's `[keys.CONTEXT]` tables.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    pub fn title(self) -> &'static str {
        self.row().2
    }

    /// Panes fall back to the global bindings; an overlay takes only its
    /// own keys, so a global letter never acts behind a dialog.
    pub fn is_overlay(self) -> bool {
        !matches!(
            self,
            Context::Global | Context::Roster | Context::Chat | Context::Headlines
        )
    }

    fn from_name(name: &str) -> Option<Context> {
        CONTEXTS
            .into_iter()
            .find(|(_, n, _)| *n == name)
            .map(|(c, _, _)| c)
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
    Close = "close": "close this screen",
    Later = "later": "decide later (F2 lists requests)",
    ApproveAndAdd = "approve-and-add": "approve and add to your roster",
    Read = "read": "read the selected request",
    Yes = "yes": "answer yes",
    No = "no": "answer no",
    Submit = "submit": "use what was typed",
    EraseChar = "erase-char": "erase the last character",
    EraseAll = "erase-all": "erase everything typed",
    NewList = "new-list": "create a privacy list",
    Reload = "reload": "fetch again from the server",
    Activate = "activate": "make the selected list active for this session",
    Deactivate = "deactivate": "stop using an active list",
    MakeDefault = "make-default": "make the selected list the account's default",
    ClearDefault = "clear-default": "have no default list",
    Delete = "delete": "delete the selected list or rule (a list asks first)",
    Edit = "edit": "open the selected list or rule",
    AddRule = "add-rule": "add a rule after the selected one",
    MoveUp = "move-up": "move the selected rule up",
    MoveDown = "move-down": "move the selected rule down",
    Save = "save": "send the list to the server",
    NextField = "next-field": "next field (Tab also completes the value)",
    PrevField = "prev-field": "previous field",
    NextChoice = "next-choice": "next choice in the allow/deny or type field",
    PrevChoice = "prev-choice": "previous choice in the allow/deny or type field",
    TickMessages = "tick-messages": "tick or untick messages (kinds field)",
    TickIq = "tick-iq": "tick or untick IQ requests (kinds field)",
    TickPresenceIn = "tick-presence-in": "tick or untick incoming presence (kinds field)",
    TickPresenceOut = "tick-presence-out": "tick or untick outgoing presence (kinds field)",
}

impl UiAction {
    /// The word or two shown next to a key in an overlay's hint line.
    pub fn hint(self, context: Context) -> &'static str {
        match (context, self) {
            (Context::Entry, UiAction::Close) => "cancel",
            (Context::Password, UiAction::Close) => "stay offline",
            (Context::Password, UiAction::Submit) => "log in",
            (Context::Entry | Context::PrivacyForm, UiAction::Submit) => "apply",
            (Context::PrivacyForm, UiAction::Close) => "cancel",
            (_, UiAction::NextField) => "field",
            (Context::Prompts, UiAction::ApproveAndAdd) => "and add",
            (Context::Prompts, UiAction::Up | UiAction::Down) => "select",
            (_, UiAction::Up | UiAction::Down) => "scroll",
            (_, UiAction::Later) => "decide later (F2 lists requests)",
            (_, UiAction::ApproveAndAdd) => "approve and add to your roster",
            (Context::PrivacyLists, UiAction::Edit) => "open",
            (Context::PrivacyLists, UiAction::Reload) => "refresh",
            (Context::PrivacyRules, UiAction::Close) => "back",
            (_, UiAction::Activate) => "make active",
            (_, UiAction::Deactivate) => "no active list",
            (_, UiAction::MakeDefault) => "make default",
            (_, UiAction::ClearDefault) => "no default list",
            (_, UiAction::AddRule) => "add",
            (_, UiAction::MoveUp) => "up",
            (_, UiAction::MoveDown) => "down",
            (_, UiAction::NewList) => "new",
            (_, action) => action.name(),
        }
    }
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
    (Context::Help, "Esc", UiAction::Close),
    (Context::Help, "q", UiAction::Close),
    (Context::Help, "F1", UiAction::Close),
    (Context::Help, "?", UiAction::Close),
    (Context::Help, "Up", UiAction::Up),
    (Context::Help, "k", UiAction::Up),
    (Context::Help, "Down", UiAction::Down),
    (Context::Help, "j", UiAction::Down),
    (Context::Help, "PageUp", UiAction::PageUp),
    (Context::Help, "PageDown", UiAction::PageDown),
    (Context::Help, "Space", UiAction::PageDown),
    (Context::Help, "Home", UiAction::Top),
    (Context::Help, "g", UiAction::Top),
    (Context::Help, "End", UiAction::Bottom),
    (Context::Help, "G", UiAction::Bottom),
    (Context::Prompt, "a", UiAction::Approve),
    (Context::Prompt, "A", UiAction::ApproveAndAdd),
    (Context::Prompt, "d", UiAction::Deny),
    (Context::Prompt, "l", UiAction::Later),
    (Context::Prompt, "Esc", UiAction::Later),
    (Context::Prompts, "Up", UiAction::Up),
    (Context::Prompts, "k", UiAction::Up),
    (Context::Prompts, "Down", UiAction::Down),
    (Context::Prompts, "j", UiAction::Down),
    (Context::Prompts, "Home", UiAction::Top),
    (Context::Prompts, "End", UiAction::Bottom),
    (Context::Prompts, "a", UiAction::Approve),
    (Context::Prompts, "A", UiAction::ApproveAndAdd),
    (Context::Prompts, "d", UiAction::Deny),
    (Context::Prompts, "Enter", UiAction::Read),
    (Context::Prompts, "Esc", UiAction::Close),
    (Context::Prompts, "q", UiAction::Close),
    (Context::Prompts, "F2", UiAction::Close),
    (Context::Confirm, "y", UiAction::Yes),
    (Context::Confirm, "Y", UiAction::Yes),
    (Context::Confirm, "Enter", UiAction::Yes),
    (Context::Confirm, "n", UiAction::No),
    (Context::Confirm, "N", UiAction::No),
    (Context::Confirm, "q", UiAction::No),
    (Context::Confirm, "Esc", UiAction::No),
    (Context::Details, "Esc", UiAction::Close),
    (Context::Details, "q", UiAction::Close),
    (Context::Details, "Enter", UiAction::Close),
    (Context::Details, "v", UiAction::Close),
    (Context::Details, "Up", UiAction::Up),
    (Context::Details, "k", UiAction::Up),
    (Context::Details, "Down", UiAction::Down),
    (Context::Details, "j", UiAction::Down),
    (Context::Details, "PageUp", UiAction::PageUp),
    (Context::Details, "PageDown", UiAction::PageDown),
    (Context::Details, "Space", UiAction::PageDown),
    (Context::Details, "Home", UiAction::Top),
    (Context::Details, "g", UiAction::Top),
    (Context::Details, "End", UiAction::Bottom),
    (Context::Details, "G", UiAction::Bottom),
    (Context::Entry, "Esc", UiAction::Close),
    (Context::Password, "Enter", UiAction::Submit),
    (Context::Password, "Esc", UiAction::Close),
    (Context::Password, "Backspace", UiAction::EraseChar),
    (Context::Password, "C-h", UiAction::EraseChar),
    (Context::Password, "C-u", UiAction::EraseAll),
    (Context::PrivacyLists, "Esc", UiAction::Close),
    (Context::PrivacyLists, "q", UiAction::Close),
    (Context::PrivacyLists, "Up", UiAction::Up),
    (Context::PrivacyLists, "k", UiAction::Up),
    (Context::PrivacyLists, "Down", UiAction::Down),
    (Context::PrivacyLists, "j", UiAction::Down),
    (Context::PrivacyLists, "Home", UiAction::Top),
    (Context::PrivacyLists, "End", UiAction::Bottom),
    (Context::PrivacyLists, "Enter", UiAction::Edit),
    (Context::PrivacyLists, "n", UiAction::NewList),
    (Context::PrivacyLists, "r", UiAction::Reload),
    (Context::PrivacyLists, "a", UiAction::Activate),
    (Context::PrivacyLists, "A", UiAction::Deactivate),
    (Context::PrivacyLists, "d", UiAction::MakeDefault),
    (Context::PrivacyLists, "D", UiAction::ClearDefault),
    (Context::PrivacyLists, "x", UiAction::Delete),
    (Context::PrivacyLists, "Delete", UiAction::Delete),
    (Context::PrivacyRules, "Esc", UiAction::Close),
    (Context::PrivacyRules, "q", UiAction::Close),
    (Context::PrivacyRules, "Up", UiAction::Up),
    (Context::PrivacyRules, "k", UiAction::Up),
    (Context::PrivacyRules, "Down", UiAction::Down),
    (Context::PrivacyRules, "j", UiAction::Down),
    (Context::PrivacyRules, "Home", UiAction::Top),
    (Context::PrivacyRules, "End", UiAction::Bottom),
    (Context::PrivacyRules, "a", UiAction::AddRule),
    (Context::PrivacyRules, "Insert", UiAction::AddRule),
    (Context::PrivacyRules, "e", UiAction::Edit),
    (Context::PrivacyRules, "Enter", UiAction::Edit),
    (Context::PrivacyRules, "K", UiAction::MoveUp),
    (Context::PrivacyRules, "M-Up", UiAction::MoveUp),
    (Context::PrivacyRules, "J", UiAction::MoveDown),
    (Context::PrivacyRules, "M-Down", UiAction::MoveDown),
    // Delete is x on both privacy screens; d means "default" next door.
    (Context::PrivacyRules, "x", UiAction::Delete),
    (Context::PrivacyRules, "Delete", UiAction::Delete),
    (Context::PrivacyRules, "s", UiAction::Save),
    (Context::PrivacyRules, "C-s", UiAction::Save),
    (Context::PrivacyRules, "r", UiAction::Reload),
    // Unlike other questions, Enter does not answer: it would throw work away.
    (Context::Discard, "y", UiAction::Yes),
    (Context::Discard, "Y", UiAction::Yes),
    (Context::Discard, "n", UiAction::No),
    (Context::Discard, "N", UiAction::No),
    (Context::Discard, "Esc", UiAction::No),
    (Context::PrivacyForm, "Tab", UiAction::NextField),
    (Context::PrivacyForm, "Down", UiAction::NextField),
    (Context::PrivacyForm, "S-Tab", UiAction::PrevField),
    (Context::PrivacyForm, "Up", UiAction::PrevField),
    (Context::PrivacyForm, "Enter", UiAction::Submit),
    (Context::PrivacyForm, "Esc", UiAction::Close),
    (Context::PrivacyForm, "Space", UiAction::NextChoice),
    (Context::PrivacyForm, "Right", UiAction::NextChoice),
    (Context::PrivacyForm, "Left", UiAction::PrevChoice),
    (Context::PrivacyForm, "1", UiAction::TickMessages),
    (Context::PrivacyForm, "2", UiAction::TickIq),
    (Context::PrivacyForm, "3", UiAction::TickPresenceIn),
    (Context::PrivacyForm, "4", UiAction::TickPresenceOut),
];

/// The bindings in force: the defaults with the user's overrides.
#[derive(Clone, Debug)]
pub struct Keymap {
    /// In table order, so hints show a context's first key for an action.
    bindings: Vec<(Context, Key, UiAction)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut keymap = Keymap {
            bindings: Vec::new(),
        };
        for (context, key, action) in DEFAULTS {
            // The table is ours and tested; a typo there is caught by a test.
            if let Ok(key) = Key::parse(key) {
                keymap.bind(*context, key, *action);
            }
        }
        keymap
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
                let names: Vec<&str> = CONTEXTS.iter().map(|(_, n, _)| *n).collect();
                format!(
                    "[keys.{context_name}]: unknown context ({})",
                    names.join(", ")
                )
            })?;
            for (action_name, keys) in actions {
                let action = UiAction::from_name(action_name).ok_or_else(|| {
                    format!("[keys.{context_name}] {action_name}: unknown action")
                })?;
                keymap
                    .bindings
                    .retain(|(c, _, a)| !(*c == context && *a == action));
                for key in keys {
                    let key = Key::parse(key)
                        .map_err(|e| format!("[keys.{context_name}] {action_name}: {e}"))?;
                    keymap.bind(context, key, action);
                }
            }
        }
        Ok(keymap)
    }

    /// Binds `key` in `context`, replacing what it did there before.
    fn bind(&mut self, context: Context, key: Key, action: UiAction) {
        self.bindings
            .retain(|(c, k, _)| !(*c == context && *k == key));
        self.bindings.push((context, key, action));
    }

    /// The action bound to `key` in exactly `context`.
    fn get(&self, context: Context, key: Key) -> Option<UiAction> {
        self.bindings
            .iter()
            .find(|(c, k, _)| *c == context && *k == key)
            .map(|(_, _, a)| *a)
    }

    /// The action for a key: the context's own binding first, then, for a
    /// pane, a global one. Overlays see only their own keys.
    pub fn lookup(&self, context: Context, key: Key) -> Option<UiAction> {
        self.get(context, key).or_else(|| {
            if context.is_overlay() {
                None
            } else {
                self.get(Context::Global, key)
            }
        })
    }

    /// The action for a key while text is being typed: only chords.
    pub fn lookup_typing(&self, key: Key) -> Option<UiAction> {
        if !key.is_chord() {
            return None;
        }
        self.get(Context::Global, key)
    }

    /// The keys bound to `action` in `context`, in table order.
    pub fn keys_for(&self, context: Context, action: UiAction) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(c, _, a)| *c == context && *a == action)
            .map(|(_, k, _)| *k)
            .collect()
    }

    /// Every key bound in exactly `context`, with its action, in table
    /// order.
    pub fn bound(&self, context: Context) -> Vec<(Key, UiAction)> {
        self.bindings
            .iter()
            .filter(|(c, _, _)| *c == context)
            .map(|(_, k, a)| (*k, *a))
            .collect()
    }

    /// An overlay's hint line: for each action still bound in `context`,
    /// its first key and a word or two. Unbound actions are left out, so a
    /// hint never shows a key that does nothing.
    pub fn hints(&self, context: Context, actions: &[UiAction]) -> Vec<(String, &'static str)> {
        actions
            .iter()
            .filter_map(|action| {
                let key = self.keys_for(context, *action).into_iter().next()?;
                Some((key.to_string(), action.hint(context)))
            })
            .collect()
    }

    /// Like [`Keymap::hints`], with every key of each action.
    pub fn hints_all_keys(
        &self,
        context: Context,
        actions: &[UiAction],
    ) -> Vec<(String, &'static str)> {
        actions
            .iter()
            .filter_map(|action| {
                let keys = self.keys_for(context, *action);
                let keys: Vec<String> = keys.iter().map(Key::to_string).collect();
                (!keys.is_empty()).then(|| (keys.join(" "), action.hint(context)))
            })
            .collect()
    }

    /// [`Keymap::help_lines`] with each action's config name.
    pub fn help_lines_named(&self) -> Vec<(Context, String, &'static str, &'static str)> {
        let mut lines = Vec::new();
        for context in Context::ALL {
            for action in UiAction::ALL {
                let keys = self.keys_for(context, *action);
                if keys.is_empty() {
                    continue;
                }
                let keys: Vec<String> = keys.iter().map(Key::to_string).collect();
                lines.push((context, keys.join(" "), action.help(), action.name()));
            }
        }
        lines
    }

    /// The help listing: per context, each action with its keys.
    pub fn help_lines(&self) -> Vec<(Context, String, &'static str)> {
        self.help_lines_named()
            .into_iter()
            .map(|(context, keys, help, _)| (context, keys, help))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
        for (_, _, action) in DEFAULTS {
            assert!(
                help.iter().any(|(_, _, h)| *h == action.help()),
                "{action:?}"
            );
        }
    }
}
