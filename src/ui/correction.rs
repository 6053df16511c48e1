//! Correcting the last message from the input line (XEP-0308, CORRECT-04):
//! Up in an empty input line, with a conversation on screen that has a
//! line of ours, puts that line's text in the input in correcting mode
//! (the prompt reads `correct> `); Enter sends the text as `/correct`, and
//! the key that leaves the input line (Esc) cancels instead. Switching to
//! another window ends the mode too. Up and Down do not walk the history
//! meanwhile. Everything else is ordinary editing.

use super::input::InputOutcome;
use super::keymap::{Context, Key, UiAction};
use super::{Request, View};
use crate::app::State;
use crate::app::command::Action;

/// The prompt while correcting.
pub const PROMPT: &str = "correct> ";

/// A key in the input line that starts, ends or cancels a correction:
/// the requests it makes, or `None` when it is ordinary editing.
pub fn handle_key(view: &mut View, state: &State, key: Key) -> Option<Vec<Request>> {
    let action = view.keymap.lookup(Context::Input, key);
    let Some(id) = view.correcting else {
        if action != Some(UiAction::Up) || !view.input.text().is_empty() {
            return None;
        }
        let id = state.active?;
        let body = state.chats.last_own_line(id)?.body.clone();
        view.correcting = Some(id);
        view.input.set_text(&body);
        view.input.set_prompt(Some(PROMPT));
        return Some(Vec::new());
    };
    if state.active != Some(id) {
        stop(view);
        return None;
    }
    if action.is_none() && view.keymap.lookup_typing(key) == Some(UiAction::FocusRoster) {
        stop(view);
        view.input.set_text("");
        return Some(Vec::new());
    }
    // Walking the history would put another line under the prompt; in a
    // one-line correction Up and Down have nothing else to do.
    if matches!(action, Some(UiAction::Up | UiAction::Down)) && !view.input.text().contains('\n') {
        return Some(Vec::new());
    }
    if action != Some(UiAction::Submit) {
        return None;
    }
    let InputOutcome::Submitted(text) = view.input.handle_key(&view.keymap, key) else {
        return Some(Vec::new());
    };
    stop(view);
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    Some(vec![Request::Command(Action::Correct { text })])
}

/// Leaves correcting mode; the text stays as it is.
pub fn stop(view: &mut View) {
    view.correcting = None;
    view.input.set_prompt(None);
}
