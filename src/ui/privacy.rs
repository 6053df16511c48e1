//! The privacy-list editor (RFC 3921 §10 = XEP-0016; checklist PRIV-*), an
//! overlay with two screens. **Lists** shows every list the server holds
//! with its active and default markers, and makes lists active, default or
//! gone. **Rules** edits a working copy of one list as a table; a rule form
//! (a sub-state of Rules) adds and changes rules, and save sends the whole
//! list (PRIV-09) after [`PrivacyList::validate`] has no errors.
//!
//! Like the other overlays it changes only the view and returns
//! [`Request`]s; the store fetches and saves. The working copy is compared
//! with the store's list so leaving with unsaved changes always asks first.
//! List names, values and JIDs come from the server: they go through
//! [`one_line`] before they are drawn (SEC-05).
//!
//! This file holds the state and the keys of the Lists and Rules screens;
//! the rule form is in `form`, drawing in `render`. Keys come from the
//! keymap (`privacy_lists`, `privacy_rules`, `privacy_form`, `confirm` for
//! yes/no, `entry` and `input` for the name of a new list): a new key is a
//! `UiAction` and a default row there, handled in a `*_key` function and
//! listed in a hint list in `render` or `form`, which draw only what is
//! bound. Nothing here reaches the network or reads more of the store than
//! `state.privacy` and the roster.

use super::input::{InputLine, InputOutcome};
use super::keymap::{Context, Key, Keymap, UiAction};
use super::popup::Overlay;
use super::{Request, View};
use crate::app::State;
use crate::app::command::{Action, PrivacyCommand};
use crate::sanitize::one_line;
use crate::xmpp::stanza::privacy::{MAX_NAME_BYTES, PrivacyList};
use form::{RuleForm, Target, form_key, new_rule_form};

/// The subscription states a `type='subscription'` rule may name (PRIV-06).
const SUBSCRIPTIONS: [&str; 4] = ["both", "to", "from", "none"];
/// The gap a new rule at the end leaves after the last one.
const ORDER_STEP: u32 = 10;
/// PRIV-18, said on the Lists screen whatever the markers are.
const STACKING_NOTE: &str = "An active list replaces the default list for this session: \
     the two never combine, so the default does not apply while a list is active.";

/// The editor: which screen is up and what it shows.
#[derive(Debug)]
pub struct Editor {
    screen: Screen,
    /// The Lists screen's selection, kept while a list is open.
    selected: usize,
    /// The last thing the editor did or refused, under everything else.
    notice: Option<(String, bool)>,
}

// The editor is boxed in the overlay and exists once, so a large variant
// costs nothing worth another box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Screen {
    Lists(Option<Dialog>),
    Rules(Rules),
}

/// A question asked on the Lists screen.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Dialog {
    /// The name of a new list.
    Name(InputLine),
    /// PRIV-10: the name exists, and saving would overwrite that list.
    Overwrite(String),
    Delete(String),
}

/// One list being edited.
#[derive(Debug)]
struct Rules {
    name: String,
    /// `None` until the store has the list.
    working: Option<PrivacyList>,
    /// The store's copy the working copy is compared with; an empty list
    /// for one that is new.
    base: Option<PrivacyList>,
    /// True until the store holds a list equal to what we made.
    new: bool,
    selected: usize,
    form: Option<RuleForm>,
    /// From the last save attempt: each problem and whether it is only a
    /// warning.
    problems: Vec<(String, bool)>,
    ask_discard: bool,
    /// The list last sent, until the store holds it.
    sent: Option<PrivacyList>,
}

impl Rules {
    fn dirty(&self) -> bool {
        self.working.is_some() && self.working != self.base
    }

    /// Follows the store: adopts a fetched list, and a changed one while
    /// nothing here is edited (a push from another device).
    fn sync(&mut self, state: &State) {
        let Some(stored) = state.privacy.lists.get(&self.name) else {
            return;
        };
        // Compared before any copy: this runs on every frame, and the
        // store's lists are already sorted.
        if self.new {
            if self.working.as_ref() == Some(stored) {
                self.new = false;
                self.base = Some(stored.clone());
            }
            return;
        }
        if self.base.as_ref() == Some(stored) {
            return;
        }
        let mut stored = stored.clone();
        stored.items.sort_by_key(|item| item.order);
        if !self.dirty() {
            self.working = Some(stored.clone());
        }
        self.base = Some(stored);
    }
}

impl Editor {
    fn new() -> Editor {
        Editor {
            screen: Screen::Lists(None),
            selected: 0,
            notice: None,
        }
    }

    /// Pasted text goes into the field being typed in, if any.
    pub fn paste(&mut self, text: &str) {
        match &mut self.screen {
            Screen::Lists(Some(Dialog::Name(line))) => line.insert_text(text),
            Screen::Rules(Rules {
                form: Some(form), ..
            }) => {
                if let Some(line) = form.text_field() {
                    line.insert_text(text);
                }
            }
            _ => {}
        }
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some((text.into(), error));
    }

    fn open_rules(&mut self, state: &State, name: &str, new: bool) -> Vec<Request> {
        let empty = PrivacyList {
            name: name.to_owned(),
            items: Vec::new(),
        };
        let mut rules = Rules {
            name: name.to_owned(),
            working: new.then(|| empty.clone()),
            base: new.then_some(empty),
            new,
            selected: 0,
            form: None,
            problems: Vec::new(),
            ask_discard: false,
            sent: None,
        };
        rules.sync(state);
        let fetch = rules.working.is_none();
        self.screen = Screen::Rules(rules);
        self.notice = None;
        if fetch {
            command(PrivacyCommand::Show(name.to_owned()))
        } else {
            Vec::new()
        }
    }

    /// Catches up with the store, and says when a save has landed.
    fn sync(&mut self, state: &State) {
        let Screen::Rules(rules) = &mut self.screen else {
            return;
        };
        rules.sync(state);
        if rules.sent.is_some() && rules.sent == rules.base {
            rules.sent = None;
            self.notice = Some((format!("Saved {}.", one_line(&rules.name)), false));
        }
    }

    /// One key; false closes the editor.
    fn key(&mut self, keymap: &Keymap, state: &State, key: Key) -> (bool, Vec<Request>) {
        self.sync(state);
        // A notice answers the key before; the status line keeps the
        // store's own reports.
        self.notice = None;
        match &mut self.screen {
            Screen::Lists(dialog) => match dialog.take() {
                Some(open) => (true, self.dialog_key(keymap, state, open, key)),
                None => self.lists_key(state, keymap.lookup(Context::PrivacyLists, key)),
            },
            Screen::Rules(_) => (true, self.rules_key(keymap, state, key)),
        }
    }
}

fn command(command: PrivacyCommand) -> Vec<Request> {
    vec![Request::Command(Action::Privacy(command))]
}

/// Opens the editor at the Lists screen, asking for the names when the
/// store does not have them yet.
pub fn open(view: &mut View, state: &State) -> Vec<Request> {
    view.overlay = Some(Overlay::Privacy(Box::new(Editor::new())));
    if state.privacy.support.privacy_lists && state.privacy.names.is_none() {
        command(PrivacyCommand::List)
    } else {
        Vec::new()
    }
}

/// Handles a key while the editor is the overlay.
pub fn handle_key(view: &mut View, state: &State, key: Key) -> Vec<Request> {
    let mut editor = match view.overlay.take() {
        Some(Overlay::Privacy(editor)) => editor,
        other => {
            view.overlay = other;
            return Vec::new();
        }
    };
    let (keep, requests) = editor.key(&view.keymap, state, key);
    if keep {
        view.overlay = Some(Overlay::Privacy(editor));
    }
    requests
}

/// Up/Down/Top/Bottom applied to a selection among `len`.
fn moved(selected: usize, len: usize, action: Option<UiAction>) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match action? {
        UiAction::Up => selected.saturating_sub(1),
        UiAction::Down => (selected + 1).min(last),
        UiAction::Top => 0,
        UiAction::Bottom => last,
        _ => return None,
    })
}

fn names(state: &State) -> Vec<String> {
    state
        .privacy
        .names
        .as_ref()
        .map(|n| n.lists.clone())
        .unwrap_or_default()
}

impl Editor {
    fn lists_key(&mut self, state: &State, action: Option<UiAction>) -> (bool, Vec<Request>) {
        if action == Some(UiAction::Close) {
            return (false, Vec::new());
        }
        if !state.privacy.support.privacy_lists {
            return (true, Vec::new());
        }
        let names = names(state);
        self.selected = self.selected.min(names.len().saturating_sub(1));
        if let Some(selected) = moved(self.selected, names.len(), action) {
            self.selected = selected;
            return (true, Vec::new());
        }
        let chosen = names.get(self.selected).cloned();
        let marks = state.privacy.names.clone().unwrap_or_default();
        let Some(action) = action else {
            return (true, Vec::new());
        };
        let requests = match (action, chosen) {
            (UiAction::NewList, _) => {
                self.screen = Screen::Lists(Some(Dialog::Name(InputLine::single_line())));
                Vec::new()
            }
            (UiAction::Reload, _) => {
                self.say("Fetching the list names…", false);
                command(PrivacyCommand::List)
            }
            (UiAction::Deactivate, _) if marks.active.is_none() => {
                self.say("No list is active.", false);
                Vec::new()
            }
            (UiAction::Deactivate, _) => command(PrivacyCommand::Active(None)),
            (UiAction::ClearDefault, _) if marks.default.is_none() => {
                self.say("There is no default list.", false);
                Vec::new()
            }
            (UiAction::ClearDefault, _) => command(PrivacyCommand::Default(None)),
            (_, None) => Vec::new(),
            (UiAction::Activate, Some(name)) => command(PrivacyCommand::Active(Some(name))),
            (UiAction::MakeDefault, Some(name)) => command(PrivacyCommand::Default(Some(name))),
            (UiAction::Delete, Some(name)) => {
                self.screen = Screen::Lists(Some(Dialog::Delete(name)));
                Vec::new()
            }
            (UiAction::Edit, Some(name)) => {
                return (true, self.open_rules(state, &name, false));
            }
            _ => Vec::new(),
        };
        (true, requests)
    }

    fn dialog_key(
        &mut self,
        keymap: &Keymap,
        state: &State,
        dialog: Dialog,
        key: Key,
    ) -> Vec<Request> {
        let answer = keymap.lookup(Context::Confirm, key);
        let yes = answer == Some(UiAction::Yes);
        let no = answer == Some(UiAction::No);
        let back = |dialog| Screen::Lists(Some(dialog));
        match dialog {
            // A one-line dialog: the entry context's cancel, then the editor.
            Dialog::Name(mut line) => {
                if keymap.lookup(Context::Entry, key) == Some(UiAction::Close) {
                    return Vec::new();
                }
                if let InputOutcome::Submitted(text) = line.handle_key(keymap, key) {
                    let name = text.trim();
                    if name.is_empty() || name.len() > MAX_NAME_BYTES {
                        line.set_text(&text);
                        line.set_problem(format!("Type a name of 1 to {MAX_NAME_BYTES} bytes."));
                    } else if names(state).iter().any(|n| n == name) {
                        self.screen = back(Dialog::Overwrite(name.to_owned()));
                        return Vec::new();
                    } else {
                        return self.open_rules(state, name, true);
                    }
                }
                self.screen = back(Dialog::Name(line));
            }
            Dialog::Overwrite(name) if yes => return self.open_rules(state, &name, true),
            Dialog::Overwrite(name) if no => {
                let mut line = InputLine::single_line();
                line.insert_text(&name);
                self.screen = back(Dialog::Name(line));
            }
            Dialog::Delete(name) if yes => {
                self.say(format!("Deleting {}…", one_line(&name)), false);
                return command(PrivacyCommand::Delete(name));
            }
            Dialog::Delete(_) if no => {}
            other => self.screen = back(other),
        }
        Vec::new()
    }

    fn rules_key(&mut self, keymap: &Keymap, state: &State, key: Key) -> Vec<Request> {
        let Screen::Rules(rules) = &mut self.screen else {
            return Vec::new();
        };
        if rules.ask_discard {
            match keymap.lookup(Context::Discard, key) {
                Some(UiAction::Yes) => self.screen = Screen::Lists(None),
                Some(UiAction::No) => rules.ask_discard = false,
                _ => {}
            }
            return Vec::new();
        }
        if let Some(form) = rules.form.take() {
            rules.form = form_key(rules, state, form, keymap, key);
            return Vec::new();
        }
        let action = keymap.lookup(Context::PrivacyRules, key);
        let leave = action == Some(UiAction::Close);
        let Some(working) = &mut rules.working else {
            if leave {
                self.screen = Screen::Lists(None);
            } else if action == Some(UiAction::Reload) {
                return command(PrivacyCommand::Show(rules.name.clone()));
            }
            return Vec::new();
        };
        let len = working.items.len();
        rules.selected = rules.selected.min(len.saturating_sub(1));
        if let Some(selected) = moved(rules.selected, len, action) {
            rules.selected = selected;
            return Vec::new();
        }
        let sel = rules.selected;
        let up = action == Some(UiAction::MoveUp);
        let down = action == Some(UiAction::MoveDown);
        let save = action == Some(UiAction::Save);
        if leave {
            if rules.dirty() {
                rules.ask_discard = true;
            } else {
                self.screen = Screen::Lists(None);
            }
        } else if action == Some(UiAction::AddRule) {
            rules.form = Some(new_rule_form(working, (len > 0).then_some(sel)));
        } else if action == Some(UiAction::Edit) && sel < len {
            rules.form = Some(RuleForm::new(Target::Edit(sel), &working.items[sel]));
        } else if up && sel > 0 {
            swap_orders(working, sel - 1);
            rules.selected = sel - 1;
            rules.problems.clear();
        } else if down && sel + 1 < len {
            swap_orders(working, sel);
            rules.selected = sel + 1;
            rules.problems.clear();
        } else if action == Some(UiAction::Delete) && sel < len {
            working.items.remove(sel);
            rules.problems.clear();
        } else if save {
            return self.save();
        } else if action == Some(UiAction::Reload) {
            if rules.dirty() {
                self.say("Save or leave the unsaved changes before reloading.", true);
            } else {
                return command(PrivacyCommand::Show(rules.name.clone()));
            }
        }
        Vec::new()
    }

    /// Validates the working copy and sends it whole (PRIV-09) unless
    /// something is wrong with it; warnings are shown and do not stop it.
    fn save(&mut self) -> Vec<Request> {
        let Screen::Rules(rules) = &mut self.screen else {
            return Vec::new();
        };
        let Some(list) = rules.working.clone() else {
            return Vec::new();
        };
        let problems = list.validate();
        rules.problems = problems
            .iter()
            .map(|p| (p.to_string(), p.is_warning()))
            .collect();
        let shown = one_line(&list.name);
        if problems.iter().any(|p| !p.is_warning()) {
            self.say(
                format!("Not saved: fix the problems with {shown} first."),
                true,
            );
            return Vec::new();
        }
        rules.sent = Some(list.clone());
        self.say(format!("Saving {shown}…"), false);
        command(PrivacyCommand::Save(list))
    }
}

/// Gives the rules at `upper` and `upper + 1` each other's order, so they
/// trade places and every other order stays as it was.
fn swap_orders(list: &mut PrivacyList, upper: usize) {
    let a = list.items[upper].order;
    list.items[upper].order = list.items[upper + 1].order;
    list.items[upper + 1].order = a;
    list.items.swap(upper, upper + 1);
}

mod form;
mod render;

pub use render::draw;

#[cfg(test)]
mod tests;
