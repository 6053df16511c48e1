//! Drawing the store: the roster, chat-thread and headline panes, the status
//! line and the input line. Pure functions of `&State` and the input
//! editor; no awaits, no network. Remote text goes through
//! [`crate::sanitize`] before it reaches a cell.

pub mod input;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{ConnectionState, State};
use crate::sanitize::one_line;
use input::InputLine;

/// Width of the roster pane.
const ROSTER_WIDTH: u16 = 30;

/// The areas of one frame.
pub struct Areas {
    pub roster: Rect,
    pub chat: Rect,
    pub headlines: Rect,
    pub status: Rect,
    pub input: Rect,
}

/// Splits the screen: panes on top, then the status line, then the input.
pub fn layout(area: Rect) -> Areas {
    let [main, status, input] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [roster, right] =
        Layout::horizontal([Constraint::Length(ROSTER_WIDTH), Constraint::Min(10)]).areas(main);
    let [chat, headlines] =
        Layout::vertical([Constraint::Percentage(75), Constraint::Percentage(25)]).areas(right);
    Areas {
        roster,
        chat,
        headlines,
        status,
        input,
    }
}

/// Draws one frame.
pub fn draw(frame: &mut Frame<'_>, state: &State, input: &InputLine) {
    let areas = layout(frame.area());
    frame.render_widget(
        Paragraph::new("").block(Block::default().borders(Borders::ALL).title(" Roster ")),
        areas.roster,
    );
    let notices: Vec<Line<'_>> = state
        .notices
        .iter()
        .rev()
        .take(areas.chat.height.saturating_sub(2) as usize)
        .rev()
        .map(|n| {
            let style = if n.is_error {
                Style::default().fg(Color::Red)
            } else {
                Style::default()
            };
            Line::styled(one_line(&n.text), style)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(notices).block(Block::default().borders(Borders::ALL).title(" Chat ")),
        areas.chat,
    );
    frame.render_widget(
        Paragraph::new("").block(Block::default().borders(Borders::ALL).title(" Headlines ")),
        areas.headlines,
    );
    frame.render_widget(status_line(state), areas.status);
    input.draw(frame, areas.input);
}

/// Connection state and our JID, on a reversed bar.
fn status_line(state: &State) -> Paragraph<'static> {
    let (text, color) = match &state.connection {
        ConnectionState::Connecting => ("connecting…".to_owned(), Color::Yellow),
        ConnectionState::Online { jid } => (format!("online as {}", one_line(jid)), Color::Green),
        ConnectionState::Offline { error: None } => ("offline".to_owned(), Color::Gray),
        ConnectionState::Offline { error: Some(e) } => {
            (format!("offline: {}", one_line(e)), Color::Red)
        }
    };
    Paragraph::new(Line::from(vec![
        Span::styled(" balcony ", Style::default().add_modifier(Modifier::BOLD)),
        Span::styled(text, Style::default().fg(color)),
    ]))
    .style(Style::default().add_modifier(Modifier::REVERSED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn render(state: &State) -> String {
        let mut terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
        let input = InputLine::default();
        terminal.draw(|f| draw(f, state, &input)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn draws_three_panes_and_status() {
        let mut state = State::default();
        let screen = render(&state);
        assert!(screen.contains(" Roster "), "{screen}");
        assert!(screen.contains(" Chat "), "{screen}");
        assert!(screen.contains(" Headlines "), "{screen}");
        assert!(screen.contains("connecting…"), "{screen}");
        state.connection = ConnectionState::Online {
            jid: "alice@localhost/balcony".into(),
        };
        let screen = render(&state);
        assert!(
            screen.contains("online as alice@localhost/balcony"),
            "{screen}"
        );
    }

    /// SEC-05: an error text with escape sequences is drawn without them.
    #[test]
    fn sec_05_status_text_is_sanitised() {
        let state = State {
            connection: ConnectionState::Offline {
                error: Some("bad\u{1b}[2J\u{202e}thing".into()),
            },
            ..State::default()
        };
        let screen = render(&state);
        assert!(screen.contains("offline: bad[2Jthing"), "{screen}");
        assert!(!screen.contains('\u{1b}'));
    }
}
