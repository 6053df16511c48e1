//! The terminal UI: drawing the store, and turning keys into requests.
//! Pure functions of `&State` and the [`View`] (what is focused, selected
//! and scrolled); no awaits, no network. The store changes only through the
//! [`Request`]s the handlers return. Remote text goes through
//! [`crate::sanitize`] before it reaches a cell.
//!
//! One file per pane ([`roster`], [`chat`], [`headline`], and
//! [`occupants`] beside a room's messages), the [`input`]
//! line (and [`correction`], its mode for correcting our last message), the [`popup`]s (help, prompts, dialogs, details), the [`keymap`]
//! and the [`theme`]; [`text`] wraps by display width.

pub mod chat;
pub mod correction;
pub mod headline;
pub mod input;
pub mod keymap;
pub mod occupants;
pub mod popup;
pub mod privacy;
pub mod roster;
pub mod status;
pub mod text;
pub mod theme;

#[cfg(test)]
pub mod test_support;

#[cfg(test)]
mod flow_tests;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::chat::ConversationId;
use crate::app::command::Action;
use crate::app::{State, ViewMsg};
use input::{InputLine, InputOutcome};
use keymap::{Context, Key, Keymap, UiAction};
use popup::Overlay;
use theme::Theme;

/// What a key handler asks of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Run a command (as if typed).
    Command(Action),
    /// A line typed in the input line: a /command, or text for the current
    /// conversation.
    Line(String),
    /// Tell the store what the user looks at.
    View(ViewMsg),
    /// Log in again with this password, typed after the server refused
    /// the one we had (CORE-12). For this run only: the config is never
    /// written.
    LogIn(crate::xmpp::settings::Password),
}

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Roster,
    Chat,
    Headlines,
    Input,
}

impl Focus {
    fn context(self) -> Context {
        match self {
            Focus::Roster => Context::Roster,
            Focus::Chat => Context::Chat,
            Focus::Headlines => Context::Headlines,
            Focus::Input => Context::Global,
        }
    }

    fn next(self) -> Focus {
        match self {
            Focus::Roster => Focus::Chat,
            Focus::Chat => Focus::Headlines,
            Focus::Headlines => Focus::Input,
            Focus::Input => Focus::Roster,
        }
    }

    fn prev(self) -> Focus {
        match self {
            Focus::Roster => Focus::Input,
            Focus::Chat => Focus::Roster,
            Focus::Headlines => Focus::Chat,
            Focus::Input => Focus::Headlines,
        }
    }
}

/// Everything the UI remembers that is not the store.
#[derive(Debug, Default)]
pub struct View {
    pub focus: Focus,
    pub roster: roster::RosterView,
    pub chat: chat::ChatView,
    pub occupants: occupants::OccupantsView,
    pub headlines: headline::HeadlineView,
    pub input: InputLine,
    /// The input line holds a correction of our last line in this
    /// conversation (see [`correction`]).
    pub correcting: Option<ConversationId>,
    pub overlay: Option<Overlay>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// The arrival number of the last request prompted for: requests are
    /// prompted in arrival order, each once, so this is all it takes to
    /// remember them (a request made again gets a new number).
    pub prompted_upto: u64,
    /// Until when a question that opened without the user asking for that
    /// screen (a prompt that raised itself, or one a single pane key
    /// opened) ignores keys: keys typed just before it appeared were meant
    /// for something else.
    pub prompt_grace_until: Option<std::time::Instant>,
}

/// How long such a question takes no decision.
pub const PROMPT_GRACE: std::time::Duration = std::time::Duration::from_millis(1500);

impl View {
    /// Opens a question that decides something (a request's prompt, a
    /// yes/no) guarded: its keys count only after [`PROMPT_GRACE`], so a
    /// letter typed into the wrong pane cannot both open and answer it.
    pub fn ask(&mut self, overlay: Overlay) {
        self.overlay = Some(overlay);
        self.prompt_grace_until = Some(std::time::Instant::now() + PROMPT_GRACE);
    }
}

/// The areas of one frame.
pub struct Areas {
    pub roster: Rect,
    pub chat: Rect,
    pub headlines: Rect,
    pub status: Rect,
    pub input: Rect,
}

/// Splits the screen: roster left; chat over headlines right; then the
/// status line and the input line. The roster takes a quarter of the
/// width, between 20 and 40 columns; the input grows with its lines.
pub fn layout(area: Rect, input_lines: u16) -> Areas {
    let input_height = input_lines
        .clamp(1, 5)
        .min(area.height.saturating_sub(4).max(1));
    let [main, status, input] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(input_height),
    ])
    .areas(area);
    let roster_width = (area.width / 4).clamp(20, 40).min(area.width / 2);
    let [roster, right] =
        Layout::horizontal([Constraint::Length(roster_width), Constraint::Min(10)]).areas(main);
    let headline_height = if right.height >= 16 {
        right.height / 4
    } else {
        right.height / 3
    };
    let [chat, headlines] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(headline_height.max(3)),
    ])
    .areas(right);
    Areas {
        roster,
        chat,
        headlines,
        status,
        input,
    }
}

/// The terminal title: `balcony`, with the count of unread conversation
/// lines when there are any (`balcony (3)`).
pub fn window_title(state: &State) -> String {
    match state.chats.unread() {
        0 => "balcony".to_owned(),
        unread => format!("balcony ({unread})"),
    }
}

/// Draws one frame. `view` is mutable only for caches and scroll clamping.
pub fn draw(frame: &mut Frame<'_>, state: &State, view: &mut View) {
    let areas = layout(frame.area(), view.input.line_count() as u16);
    roster::draw(frame, areas.roster, state, view);
    let (chat_area, occupants_area) =
        occupants::split(areas.chat, frame.area().width, state, &view.occupants);
    chat::draw(frame, chat_area, state, view);
    occupants::draw(frame, occupants_area, state, view);
    headline::draw(frame, areas.headlines, state, view);
    status::draw(frame, areas.status, state, view);
    view.input
        .draw(frame, areas.input, view.focus == Focus::Input);
    if let Some(overlay) = &mut view.overlay {
        popup::draw(
            frame,
            frame.area(),
            state,
            overlay,
            &view.keymap,
            &view.theme,
        );
    }
}

/// Turns one key into requests, updating the view.
pub fn handle_key(
    view: &mut View,
    state: &State,
    event: ratatui::crossterm::event::KeyEvent,
) -> Vec<Request> {
    let key = Key::from_event(event);
    if view.overlay.is_some() {
        return popup::handle_key(view, state, key);
    }
    handle_key_in_panes(view, state, key)
}

/// A key for the input line or the focused pane, no overlay being open.
fn handle_key_in_panes(view: &mut View, state: &State, key: Key) -> Vec<Request> {
    if view.focus == Focus::Input {
        if let Some(requests) = correction::handle_key(view, state, key) {
            return requests;
        }
        // The line editor's own keys first, then the chords that work
        // while typing; the rest is text.
        if view.keymap.lookup(Context::Input, key).is_none()
            && let Some(action) = view.keymap.lookup_typing(key)
        {
            return dispatch(view, state, action);
        }
        let mut requests = match view.input.handle_key(&view.keymap, key) {
            InputOutcome::Submitted(line) => {
                if line.trim().is_empty() {
                    Vec::new()
                } else if let Some(overlay) = confirm_first(state, &line) {
                    view.overlay = Some(overlay);
                    Vec::new()
                } else {
                    vec![Request::Line(line)]
                }
            }
            InputOutcome::Complete => {
                input::complete(&mut view.input, state);
                return Vec::new();
            }
            InputOutcome::Edited => Vec::new(),
            InputOutcome::Ignored => return Vec::new(),
        };
        requests.extend(typing(view, state));
        return requests;
    }
    match view.keymap.lookup(view.focus.context(), key) {
        Some(action) => dispatch(view, state, action),
        None => Vec::new(),
    }
}

/// STATES-08: what the input line now says about typing, after a key that
/// edited or sent it, when a conversation is on screen: text for it is
/// composing; an empty line or a command is not.
fn typing(view: &View, state: &State) -> Option<Request> {
    state.active?;
    let text = view.input.text();
    let command = text.starts_with('/') && !text.starts_with("//") && !text.starts_with("/me ");
    let composing = !text.trim().is_empty() && !command;
    Some(Request::View(ViewMsg::Input { composing }))
}

/// BLK-04: a typed line that would unblock everyone asks first. (`exec`
/// and startup commands are written ahead on purpose and run as given.)
fn confirm_first(state: &State, line: &str) -> Option<Overlay> {
    let action = crate::app::command::parse(line).ok()?;
    if !matches!(action, Action::Unblock { jid: None }) {
        return None;
    }
    let question = if state.privacy.support.blocking {
        "Unblock everyone on your blocklist?".to_owned()
    } else {
        let lists: Vec<String> = state
            .privacy
            .names
            .iter()
            .flat_map(|n| [n.active.clone(), n.default.clone()])
            .flatten()
            .chain([crate::app::privacy::BLOCK_LIST.to_owned()])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        format!(
            "Unblock everyone? This removes every \"deny jid\" rule from the lists {}.",
            lists.join(", ")
        )
    };
    Some(Overlay::Confirm { question, action })
}

/// Pasted text goes to whatever is being typed into; into the input line
/// it is typing like keys (STATES-08).
pub fn handle_paste(view: &mut View, state: &State, text: &str) -> Vec<Request> {
    if let Some(overlay) = &mut view.overlay {
        overlay.paste(text);
        return Vec::new();
    }
    view.focus = Focus::Input;
    view.input.insert_text(text);
    typing(view, state).into_iter().collect()
}

/// Carries out one action: global ones here, the rest by the focused pane.
pub fn dispatch(view: &mut View, state: &State, action: UiAction) -> Vec<Request> {
    match action {
        UiAction::Quit => vec![Request::Command(Action::Quit { status: None })],
        UiAction::Help => {
            view.overlay = Some(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        UiAction::FocusNext => {
            view.focus = view.focus.next();
            Vec::new()
        }
        UiAction::FocusPrev => {
            view.focus = view.focus.prev();
            Vec::new()
        }
        UiAction::FocusInput => {
            view.focus = Focus::Input;
            Vec::new()
        }
        UiAction::FocusRoster => {
            view.focus = Focus::Roster;
            Vec::new()
        }
        UiAction::StartCommand => {
            view.focus = Focus::Input;
            view.input.insert_text("/");
            Vec::new()
        }
        UiAction::NextWindow | UiAction::PrevWindow => {
            switch_window(state, action == UiAction::NextWindow)
                .map(|id| vec![Request::View(ViewMsg::Activate(id))])
                .unwrap_or_default()
        }
        UiAction::ToggleOccupants | UiAction::OccupantsUp | UiAction::OccupantsDown => {
            occupants::handle(view, state, action)
        }
        UiAction::Prompts => {
            view.overlay = Some(Overlay::Prompts { selected: 0 });
            Vec::new()
        }
        UiAction::Invitations => {
            view.overlay = Some(Overlay::Invitations { selected: 0 });
            Vec::new()
        }
        UiAction::Notices => {
            view.overlay = Some(Overlay::Notices { scroll: usize::MAX });
            Vec::new()
        }
        UiAction::AddContact => {
            view.overlay = Some(Overlay::entry(popup::EntryKind::Add, ""));
            Vec::new()
        }
        UiAction::Privacy => {
            // Opened by one letter (`P`): the letters typed after it were
            // probably meant as text, and here `a` or `d` change which list
            // is in force, so they wait a moment too.
            let requests = privacy::open(view, state);
            view.prompt_grace_until = Some(std::time::Instant::now() + PROMPT_GRACE);
            requests
        }
        // Only after a refusal, and only on the user's key: a dialog that
        // opened by itself would take keys meant for the input line.
        UiAction::EnterPassword => {
            if state.password_refused {
                view.overlay = Some(Overlay::Password(popup::SecretEntry::default()));
            }
            Vec::new()
        }
        _ => match view.focus {
            Focus::Roster => roster::handle(view, state, action),
            Focus::Chat => chat::handle(view, state, action),
            Focus::Headlines => headline::handle(view, state, action),
            // Page keys while typing scroll the chat.
            Focus::Input => chat::handle(view, state, action),
        },
    }
}

/// The window after (or before) the current one, wrapping around.
fn switch_window(state: &State, forward: bool) -> Option<ConversationId> {
    let windows = state.chats.window_ids();
    if windows.is_empty() {
        return None;
    }
    let current = state.active.and_then(|id| state.chats.window_position(id));
    let n = windows.len();
    let index = match (current, forward) {
        (None, _) => 0,
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    Some(windows[index])
}

/// Opens the prompt for a new subscription request, once per request.
/// A lookup in the ordered requests, however many are waiting.
pub fn raise_prompts(view: &mut View, state: &State) {
    // A decision is never made by keys meant for something else: while the
    // user types in the input line, a request is only announced (status
    // line, the roster's Requests group, F2).
    if view.overlay.is_some() || view.focus == Focus::Input || !view.input.text().is_empty() {
        return;
    }
    if let Some(request) = state.pending.first_after(view.prompted_upto) {
        view.prompted_upto = request.seq();
        view.ask(Overlay::Prompt {
            jid: request.jid.clone(),
        });
    }
}
