//! Keys become actions through one table: context → key → [`UiAction`].
//! The same table drives the key handlers, the help overlay, the hint
//! lines, and the `[keys]` section of the config, which rebinds entries by
//! action name. Key handlers only look keys up here; they never test key
//! codes. The line editor is a context too (`input`): only printable
//! characters bypass the table, as text.
//!
//! Here: contexts, actions, and the [`Keymap`] that merges the user's
//! overrides over the defaults and answers lookups. The default rows are
//! in `defaults`, the [`Key`] type in `key`. A new key is a row in
//! `defaults`; a new action is a line in the `ui_actions!` list.

mod defaults;
mod key;

pub use key::Key;

use std::collections::HashMap;

use defaults::DEFAULTS;

/// Where a binding applies. `Global` bindings work everywhere except
/// while typing into the input line or a dialog, where only the keys that
/// cannot be text apply (function keys, Ctrl and Alt chords), after the
/// `Input` context's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Roster,
    Chat,
    Headlines,
    Input,
    Help,
    Prompt,
    Prompts,
    Invitations,
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
const CONTEXTS: [(Context, &str, &str); 17] = [
    (Context::Global, "global", "Everywhere"),
    (Context::Roster, "roster", "Roster pane"),
    (Context::Chat, "chat", "Chat pane"),
    (Context::Headlines, "headlines", "Headline pane"),
    (Context::Input, "input", "Input line and dialogs"),
    (Context::Help, "help", "Help (this screen)"),
    (Context::Prompt, "prompt", "Subscription request"),
    (Context::Prompts, "prompts", "Subscription requests (F2)"),
    (
        Context::Invitations,
        "invitations",
        "Invitations into rooms (F5)",
    ),
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
    pub const ALL: [Context; CONTEXTS.len()] = {
        let mut all = [Context::Global; CONTEXTS.len()];
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

    /// Panes fall back to the global bindings; an overlay or the line
    /// editor takes only its own keys, so a global letter never acts
    /// behind a dialog.
    fn takes_global_keys(self) -> bool {
        matches!(
            self,
            Context::Global | Context::Roster | Context::Chat | Context::Headlines
        )
    }

    /// Contexts where every key that is not bound is typed as text: a
    /// printable key bound here could no longer be typed.
    pub fn is_typing(self) -> bool {
        matches!(self, Context::Input | Context::Entry | Context::Password)
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
    Invitations = "invitations": "list invitations into rooms",
    Notices = "notices": "show what the status line said, whole (a command's listing)",
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
    Details = "details": "show resources, presence, subscription and card",
    AddContact = "add": "add a contact",
    ToggleOffline = "toggle-offline": "show or hide offline contacts",
    ToggleGroup = "toggle-group": "fold or unfold the group under the cursor",
    Filter = "filter": "filter the roster by typing",
    ClearHeadlines = "clear-headlines": "clear the headlines",
    ToggleOccupants = "toggle-occupants": "show or hide a room's occupants pane",
    OccupantsUp = "occupants-up": "scroll a room's occupants a page up",
    OccupantsDown = "occupants-down": "scroll a room's occupants a page down",
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
    Newline = "newline": "start a new line in the message",
    Complete = "complete": "complete a command, JID or group; again to cycle",
    Left = "left": "move one character left",
    Right = "right": "move one character right",
    WordLeft = "word-left": "move one word left",
    WordRight = "word-right": "move one word right",
    LineStart = "line-start": "go to the start of the line",
    LineEnd = "line-end": "go to the end of the line",
    DeleteChar = "delete-char": "delete the character under the cursor",
    KillToSpace = "kill-to-space": "delete back to the previous space",
    KillWordBack = "kill-word-back": "delete the word before the cursor",
    KillWord = "kill-word": "delete the word after the cursor",
    KillToStart = "kill-to-start": "delete to the start of the line",
    KillToEnd = "kill-to-end": "delete to the end of the line",
    Yank = "yank": "insert the text deleted last",
}

impl UiAction {
    /// What the action does in `context`, for the help overlay: the line
    /// editor says more about the actions it shares with other screens.
    pub fn help_in(self, context: Context) -> &'static str {
        match (context, self) {
            (Context::Input, UiAction::Submit) => "send the line, or run the /command",
            (Context::Input, UiAction::Up) => "line above, else older history",
            (Context::Input, UiAction::Down) => "line below, else newer history, then the draft",
            (Context::Input, UiAction::EraseChar) => "delete the character before the cursor",
            (Context::Roster, UiAction::Open) => "open a chat (on a request: its prompt)",
            (Context::Roster, UiAction::Approve | UiAction::Deny) => {
                "open the contact's pending request to answer it"
            }
            (Context::Roster, UiAction::Subscribe) => {
                "ask to see the contact's presence (asks first)"
            }
            (Context::Roster, UiAction::Unsubscribe) => {
                "stop seeing the contact's presence (asks first)"
            }
            (Context::Roster, UiAction::CancelTheirs) => {
                "stop letting the contact see your presence (asks first)"
            }
            _ => self.help(),
        }
    }

    /// True for the actions of the line editor, the only ones the `input`
    /// context takes.
    pub fn is_edit(self) -> bool {
        matches!(
            self,
            UiAction::Submit
                | UiAction::Newline
                | UiAction::Complete
                | UiAction::Up
                | UiAction::Down
                | UiAction::Left
                | UiAction::Right
                | UiAction::WordLeft
                | UiAction::WordRight
                | UiAction::LineStart
                | UiAction::LineEnd
                | UiAction::EraseChar
                | UiAction::DeleteChar
                | UiAction::KillToSpace
                | UiAction::KillWordBack
                | UiAction::KillWord
                | UiAction::KillToStart
                | UiAction::KillToEnd
                | UiAction::Yank
        )
    }

    /// The word or two shown next to a key in an overlay's hint line.
    pub fn hint(self, context: Context) -> &'static str {
        match (context, self) {
            (Context::Entry, UiAction::Close) => "cancel",
            (Context::Password, UiAction::Close) => "stay offline",
            (Context::Password, UiAction::Submit) => "log in",
            (Context::Input | Context::Entry | Context::PrivacyForm, UiAction::Submit) => "apply",
            (Context::PrivacyForm, UiAction::Close) => "cancel",
            (_, UiAction::NextField) => "field",
            (Context::Prompts, UiAction::ApproveAndAdd) => "and add",
            (Context::Prompts | Context::Invitations, UiAction::Up | UiAction::Down) => "select",
            (Context::Invitations, UiAction::Approve) => "join",
            (Context::Invitations, UiAction::Deny) => "decline",
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
                let at = format!("[keys.{context_name}] {action_name}");
                let action = UiAction::from_name(action_name)
                    .ok_or_else(|| format!("{at}: unknown action"))?;
                if context == Context::Input && !action.is_edit() {
                    return Err(format!(
                        "{at}: not an editing action; the input line takes only \
                         those F1 lists under [keys.input]"
                    ));
                }
                keymap
                    .bindings
                    .retain(|(c, _, a)| !(*c == context && *a == action));
                for key in keys {
                    let key = Key::parse(key).map_err(|e| format!("{at}: {e}"))?;
                    if context.is_typing() && key.is_text() {
                        return Err(format!(
                            "{at}: {key:?} types a character here, so binding it would stop \
                             you typing it; use a key with C- or M-, or a named key (F5, Insert…)",
                            key = key.to_string()
                        ));
                    }
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
    /// pane, a global one. Overlays and the line editor see only their own
    /// keys.
    pub fn lookup(&self, context: Context, key: Key) -> Option<UiAction> {
        self.get(context, key).or_else(|| {
            if context.takes_global_keys() {
                self.get(Context::Global, key)
            } else {
                None
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
                lines.push((
                    context,
                    keys.join(" "),
                    action.help_in(context),
                    action.name(),
                ));
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
mod tests;
