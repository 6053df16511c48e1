//! The app-state store: everything the UI draws, changed only by the pure
//! [`update`] function, which returns [`Effect`]s for the runner to carry
//! out. No tokio, no terminal, no sockets here, so every change can be
//! tested by feeding messages and looking at the state.

use std::collections::VecDeque;

/// How many notices the status area keeps.
const MAX_NOTICES: usize = 200;

/// The connection as the user sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ConnectionState {
    #[default]
    Connecting,
    Online {
        jid: String,
    },
    /// Closed on purpose or lost; `error` says why when it was not on purpose.
    Offline {
        error: Option<String>,
    },
}

/// A line for the status area: errors, refusals, server notices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// The whole state the UI draws from.
#[derive(Debug, Default)]
pub struct State {
    pub connection: ConnectionState,
    pub notices: VecDeque<Notice>,
    /// Set when the user asked to leave; the runner exits once it sees it.
    pub quitting: bool,
}

/// What `update` takes: facts from the session and intents from the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Connected {
        jid: String,
    },
    ConnectionFailed {
        error: String,
    },
    Closed {
        error: Option<String>,
    },
    /// Something the session refused or could not read.
    Warning(String),
    /// The user submitted a line in the input.
    Input(String),
    Quit,
}

/// What the store asks the runner to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Close the session cleanly (unavailable presence, closing tag).
    Disconnect,
}

/// Applies one message; returns the effects to carry out.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Connected { jid } => {
            state.connection = ConnectionState::Online { jid };
            Vec::new()
        }
        Msg::ConnectionFailed { error } => {
            push_notice(state, error.clone(), true);
            state.connection = ConnectionState::Offline { error: Some(error) };
            Vec::new()
        }
        Msg::Closed { error } => {
            if let Some(error) = &error {
                push_notice(state, error.clone(), true);
            }
            state.connection = ConnectionState::Offline { error };
            Vec::new()
        }
        Msg::Warning(text) => {
            push_notice(state, text, false);
            Vec::new()
        }
        Msg::Input(line) => handle_input(state, line.trim()),
        Msg::Quit => quit(state),
    }
}

fn handle_input(state: &mut State, line: &str) -> Vec<Effect> {
    match line {
        "" => Vec::new(),
        "/quit" => quit(state),
        other => {
            let command = other.split_whitespace().next().unwrap_or(other);
            push_notice(state, format!("unknown command {command}"), true);
            Vec::new()
        }
    }
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.quitting = true;
    vec![Effect::Disconnect]
}

/// Adds a notice, dropping the oldest beyond the cap so memory stays bounded.
pub fn push_notice(state: &mut State, text: String, is_error: bool) {
    if state.notices.len() == MAX_NOTICES {
        state.notices.pop_front();
    }
    state.notices.push_back(Notice { text, is_error });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_then_closed_with_error() {
        let mut state = State::default();
        update(
            &mut state,
            Msg::Connected {
                jid: "a@b/c".into(),
            },
        );
        assert_eq!(
            state.connection,
            ConnectionState::Online {
                jid: "a@b/c".into()
            }
        );
        update(
            &mut state,
            Msg::Closed {
                error: Some("gone".into()),
            },
        );
        assert_eq!(
            state.connection,
            ConnectionState::Offline {
                error: Some("gone".into())
            }
        );
        assert_eq!(state.notices.back().map(|n| n.text.as_str()), Some("gone"));
    }

    #[test]
    fn quit_command_disconnects() {
        let mut state = State::default();
        let effects = update(&mut state, Msg::Input("/quit".into()));
        assert!(state.quitting);
        assert_eq!(effects, [Effect::Disconnect]);
    }

    #[test]
    fn notices_are_bounded() {
        let mut state = State::default();
        for i in 0..(MAX_NOTICES + 10) {
            push_notice(&mut state, i.to_string(), false);
        }
        assert_eq!(state.notices.len(), MAX_NOTICES);
        assert_eq!(state.notices.front().map(|n| n.text.as_str()), Some("10"));
    }
}
