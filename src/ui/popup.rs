//! Overlays: help, subscription prompts, dialogs and the details view.

use jid::BareJid;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::keymap::{Key, Keymap};
use super::theme::Theme;
use super::{Request, View};
use crate::app::State;

/// What a one-line dialog asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Add,
    Rename(BareJid),
    Groups(BareJid),
    Directed(BareJid),
    Filter,
}

#[derive(Debug)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Prompts {
        selected: usize,
    },
    Prompt {
        jid: BareJid,
    },
    Entry {
        kind: EntryKind,
        editor: super::input::InputLine,
    },
    Confirm {
        question: String,
        action: crate::app::command::Action,
    },
    Details {
        jid: BareJid,
        scroll: usize,
    },
}

impl Overlay {
    pub fn entry(kind: EntryKind, initial: &str) -> Overlay {
        let mut editor = super::input::InputLine::default();
        editor.insert_text(initial);
        Overlay::Entry { kind, editor }
    }

    pub fn paste(&mut self, text: &str) {
        if let Overlay::Entry { editor, .. } = self {
            editor.insert_text(text);
        }
    }
}

pub fn draw(
    _frame: &mut Frame<'_>,
    _area: Rect,
    _state: &State,
    _overlay: &mut Overlay,
    _keymap: &Keymap,
    _theme: &Theme,
) {
}

pub fn handle_key(view: &mut View, _state: &State, _key: Key) -> Vec<Request> {
    view.overlay = None;
    Vec::new()
}
