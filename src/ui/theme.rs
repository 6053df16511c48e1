//! Colours. The default theme uses only the terminal's own palette (no
//! fixed RGB), bold and reverse video, so it reads on dark and light
//! backgrounds alike. Every colour can be changed under `[theme]`.

use std::collections::HashMap;

use ratatui::style::{Color, Modifier, Style};

use crate::app::presence::Availability;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    pub online: Color,
    pub away: Color,
    pub dnd: Color,
    pub offline: Color,
    pub error: Color,
    pub accent: Color,
    pub own: Color,
    pub peer: Color,
    pub dim: Color,
    /// A room line that mentions our nick.
    pub mention: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            online: Color::Green,
            away: Color::Yellow,
            dnd: Color::Red,
            offline: Color::DarkGray,
            error: Color::Red,
            accent: Color::Cyan,
            own: Color::Blue,
            peer: Color::Magenta,
            dim: Color::DarkGray,
            mention: Color::Yellow,
        }
    }
}

impl Theme {
    /// The defaults with `[theme]` entries (name → colour name or #rrggbb).
    pub fn with_overrides(overrides: &HashMap<String, String>) -> Result<Theme, String> {
        let mut theme = Theme::default();
        for (name, value) in overrides {
            let color: Color = value
                .parse()
                .map_err(|_| format!("[theme] {name}: {value:?} is not a colour"))?;
            let slot = match name.as_str() {
                "online" => &mut theme.online,
                "away" => &mut theme.away,
                "dnd" => &mut theme.dnd,
                "offline" => &mut theme.offline,
                "error" => &mut theme.error,
                "accent" => &mut theme.accent,
                "own" => &mut theme.own,
                "peer" => &mut theme.peer,
                "dim" => &mut theme.dim,
                "mention" => &mut theme.mention,
                other => return Err(format!("[theme] {other}: unknown colour name")),
            };
            *slot = color;
        }
        Ok(theme)
    }

    pub fn availability(&self, availability: Availability) -> Style {
        let color = match availability {
            Availability::Online | Availability::Chat => self.online,
            Availability::Away | Availability::Xa => self.away,
            Availability::Dnd => self.dnd,
            Availability::Offline => self.offline,
            Availability::Error => self.error,
        };
        Style::default().fg(color)
    }

    pub fn error(&self) -> Style {
        Style::default().fg(self.error)
    }

    pub fn dim(&self) -> Style {
        Style::default().fg(self.dim)
    }

    pub fn title(&self, focused: bool) -> Style {
        if focused {
            Style::default()
                .fg(self.accent)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            Style::default().fg(self.accent)
        } else {
            Style::default().fg(self.dim)
        }
    }

    /// A room line that mentions us: bold, in the mention colour.
    pub fn mention(&self) -> Style {
        Style::default()
            .fg(self.mention)
            .add_modifier(Modifier::BOLD)
    }

    /// A room nick's colour: picked from [`NICK_COLOURS`] by a hash of the
    /// nick (case aside), the same in every run and every room.
    pub fn nick(&self, nick: &str) -> Color {
        // FNV-1a: stable across runs and Rust versions, unlike std's hasher.
        let mut hash: u32 = 0x811c_9dc5;
        for byte in nick.to_lowercase().bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
        NICK_COLOURS[hash as usize % NICK_COLOURS.len()]
    }

    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

/// The colours room nicks are drawn in: the terminal's palette, without
/// the ones that mean something (red errors, grey dimmed text) or are
/// hard to read on either background.
pub const NICK_COLOURS: &[Color] = &[
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::LightRed,
    Color::LightGreen,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
];

/// The one-character presence mark drawn before a contact.
pub fn mark(availability: Availability) -> &'static str {
    match availability {
        Availability::Chat => "+",
        Availability::Online => "o",
        Availability::Away => "a",
        Availability::Xa => "x",
        Availability::Dnd => "d",
        Availability::Offline => "-",
        Availability::Error => "!",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_names_and_hex() {
        let mut o = HashMap::new();
        o.insert("online".to_owned(), "lightgreen".to_owned());
        o.insert("accent".to_owned(), "#ff8800".to_owned());
        let theme = Theme::with_overrides(&o).unwrap();
        assert_eq!(theme.online, Color::LightGreen);
        assert_eq!(theme.accent, Color::Rgb(0xff, 0x88, 0x00));
        o.insert("bogus".to_owned(), "red".to_owned());
        assert!(Theme::with_overrides(&o).is_err());
    }

    /// A nick keeps its colour, whatever its case; nicks spread over the
    /// palette.
    #[test]
    fn nick_colours_are_stable() {
        let theme = Theme::default();
        assert_eq!(theme.nick("Romeo"), theme.nick("romeo"));
        let colours: std::collections::HashSet<Color> = [
            "romeo", "juliet", "nurse", "tybalt", "mercutio", "benvolio", "paris", "friar",
        ]
        .iter()
        .map(|n| theme.nick(n))
        .collect();
        assert!(colours.len() >= 4, "{colours:?}");
    }
}
