//! The status line: connection state and our JID, our own presence,
//! unread counts, pending prompts and room invitations, and the latest
//! notice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::View;
use super::keymap::{Context, UiAction};
use super::theme::mark;
use crate::app::event::percent;
use crate::app::presence::Availability;
use crate::app::upload::{Stage, Upload};
use crate::app::{ConnectionState, State};
use crate::sanitize::one_line;

pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, view: &View) {
    frame.render_widget(line(state, view), area);
}

/// The status line's content.
pub fn line(state: &State, view: &View) -> Paragraph<'static> {
    let theme = &view.theme;
    let mut spans = vec![Span::styled(
        " balcony ",
        Style::default().add_modifier(Modifier::BOLD),
    )];
    match &state.connection {
        ConnectionState::Connecting => {
            spans.push(Span::styled("connecting…", Style::default().fg(theme.away)))
        }
        ConnectionState::Online { jid } => {
            let own = Availability::from_show(state.own.show);
            spans.push(Span::styled(
                format!("[{}] {}", mark(own), own.as_str()),
                theme.availability(own),
            ));
            spans.push(Span::raw(format!(" as {}", one_line(jid))));
            if let Some(status) = &state.own.status {
                spans.push(Span::raw(format!(" \"{}\"", one_line(status))));
            }
        }
        ConnectionState::Reconnecting {
            error,
            attempt,
            retry_in_secs,
        } => spans.push(Span::styled(
            format!(
                "reconnecting (attempt {attempt}, in {retry_in_secs}s): {}",
                one_line(error)
            ),
            Style::default().fg(theme.away),
        )),
        ConnectionState::Offline { error: None } => {
            spans.push(Span::styled("offline", theme.dim()))
        }
        // CORE-12: announced here first, where it fits on any screen (the
        // refusal itself is the notice at the end); opened only on the key.
        ConnectionState::Offline { error: Some(_) }
            if state.password_refused
                && let Some(key) = view
                    .keymap
                    .keys_for(Context::Global, UiAction::EnterPassword)
                    .first() =>
        {
            spans.push(Span::styled(
                format!("offline: password refused ({key} to enter it again)"),
                theme.error(),
            ))
        }
        ConnectionState::Offline { error: Some(e) } => spans.push(Span::styled(
            format!("offline: {}", one_line(e)),
            theme.error(),
        )),
    }
    let unread = state.chats.unread();
    if unread > 0 {
        spans.push(Span::styled(
            format!("  {unread} unread"),
            Style::default().fg(theme.accent),
        ));
    }
    if state.headlines.unread > 0 {
        spans.push(Span::styled(
            format!("  {} headlines", state.headlines.unread),
            Style::default().fg(theme.accent),
        ));
    }
    if !state.pending.is_empty() {
        spans.push(Span::styled(
            match view
                .keymap
                .keys_for(Context::Global, UiAction::Prompts)
                .first()
            {
                Some(key) => format!("  {} requests ({key})", state.pending.len()),
                None => format!("  {} requests", state.pending.len()),
            },
            Style::default().fg(theme.away),
        ));
    }
    if !state.invitations.is_empty() {
        let how = view
            .keymap
            .keys_for(Context::Global, UiAction::Invitations)
            .first()
            .map_or_else(|| "/invitations".to_owned(), ToString::to_string);
        spans.push(Span::styled(
            match state.invitations.len() {
                1 => format!("  1 invitation ({how})"),
                n => format!("  {n} invitations ({how})"),
            },
            Style::default().fg(theme.away),
        ));
    }
    if !state.voice_requests.is_empty() {
        spans.push(Span::styled(
            match state.voice_requests.len() {
                1 => "  1 voice request (/allowvoice)".to_owned(),
                n => format!("  {n} voice requests (/allowvoice)"),
            },
            Style::default().fg(theme.away),
        ));
    }
    for job in state.uploads.jobs.values() {
        spans.push(Span::styled(
            format!("  {}", upload_progress(job)),
            Style::default().fg(theme.accent),
        ));
    }
    if let Some(notice) = state.notices.back() {
        let style = if notice.is_error {
            theme.error()
        } else {
            theme.dim()
        };
        let listing = match view
            .keymap
            .keys_for(Context::Global, UiAction::Notices)
            .first()
        {
            Some(key) if state.notice_batch > 1 => {
                format!(" {} lines ({key}):", state.notice_batch)
            }
            _ => String::new(),
        };
        spans.push(Span::styled(
            format!(" {listing} {}", one_line(&notice.text)),
            style,
        ));
    }
    Paragraph::new(Line::from(spans)).style(Style::default().add_modifier(Modifier::REVERSED))
}

/// Cells in an upload's progress bar.
const BAR_CELLS: u64 = 10;
/// Characters of a file's name shown beside its bar.
const NAME_CHARS: usize = 24;

/// UPLOAD-06: `↑ name 42% [####      ]` while the file goes, and what it
/// waits for before.
fn upload_progress(job: &Upload) -> String {
    let mut name = one_line(&job.name);
    if name.chars().count() > NAME_CHARS {
        name = name.chars().take(NAME_CHARS - 1).collect::<String>() + "…";
    }
    match job.stage {
        Stage::Services | Stage::Inspecting | Stage::Slot => {
            format!("↑ {name} (asking for a slot)")
        }
        Stage::Putting { .. } => {
            let pct = percent(job.sent, job.size);
            let filled = (pct * BAR_CELLS / 100) as usize;
            format!(
                "↑ {name} {pct}% [{}{}]",
                "#".repeat(filled),
                " ".repeat(BAR_CELLS as usize - filled)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{logged_in, screen};
    use super::*;
    use crate::app::chat::ConversationId;

    fn upload(name: &str, stage: Stage, sent: u64, size: u64) -> Upload {
        Upload {
            label: format!("/upload {name}"),
            path: format!("/tmp/{name}"),
            name: name.to_owned(),
            content_type: None,
            conversation: ConversationId(1),
            stage,
            sent,
            size,
        }
    }

    /// UPLOAD-06: the status line shows each upload's progress as it goes,
    /// and what one still waits for; the file's name is cut and cleaned.
    #[test]
    fn upload_06_progress_in_the_status_line() {
        let mut state = logged_in(Vec::new());
        let putting = Stage::Putting {
            get: "https://up.example/a".into(),
        };
        state.uploads.jobs.insert(
            1,
            upload("holiday photo.png", putting, 42 * 1024, 100 * 1024),
        );
        state.uploads.jobs.insert(
            2,
            upload(
                "a\u{1b}[31m-very-long-name-of-a-report.pdf",
                Stage::Slot,
                0,
                0,
            ),
        );
        let mut view = View::default();
        let shown = screen(&state, &mut view, 200, 24);
        assert!(
            shown.contains("↑ holiday photo.png 42% [####      ]"),
            "{shown}"
        );
        assert!(shown.contains("(asking for a slot)"), "{shown}");
        assert!(!shown.contains('\u{1b}'), "{shown}");
        assert!(shown.contains("-very-long-name-of…"), "{shown}");
    }
}
