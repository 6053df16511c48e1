//! The clients of the room benchmark (balcony, Profanity, Poezio): how each is started, how
//! its screen says it is online, how the join command is typed, how its screen says the room's
//! occupants are all there, and how it quits.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::clients::{Client, ClientDir, LaunchOptions};
use crate::setup::Scenario;
use crate::term::Pane;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomClient {
    Balcony,
    Profanity,
    Poezio,
}

impl fmt::Display for RoomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoomClient::Balcony => "balcony",
            RoomClient::Profanity => "profanity",
            RoomClient::Poezio => "poezio",
        })
    }
}

/// The binaries in use.
pub struct Binaries<'a> {
    pub balcony: &'a Path,
    pub poezio: Option<&'a Path>,
}

/// The digits (with `,` or `.` thousands separators) just before `word` on any line of
/// `screen`, as numbers.
fn counts_before(screen: &str, word: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for line in screen.lines() {
        for (at, _) in line.match_indices(word) {
            let before = line[..at].trim_end();
            let digits: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
                .filter(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
        }
    }
    out
}

impl RoomClient {
    /// Writes the client's configuration into `dir`; the command line and extra environment.
    pub fn prepare(
        self,
        scenario: &Scenario,
        dir: &ClientDir,
        bins: &Binaries,
    ) -> Result<(Vec<String>, BTreeMap<String, String>)> {
        match self {
            RoomClient::Balcony => Ok((
                Client::Balcony.prepare(scenario, dir, bins.balcony, &LaunchOptions::default())?,
                BTreeMap::new(),
            )),
            RoomClient::Profanity => crate::profanity::prepare(scenario, dir),
            RoomClient::Poezio => {
                let bin = bins
                    .poezio
                    .ok_or_else(|| anyhow::anyhow!("Poezio is not installed"))?;
                crate::poezio::prepare(scenario, dir, bin)
            }
        }
    }

    /// The client says it is connected.
    pub fn online(self, screen: &str) -> bool {
        match self {
            RoomClient::Balcony => Client::Balcony.online(screen),
            RoomClient::Profanity => screen.contains("logged in successfully"),
            RoomClient::Poezio => screen.contains("Authentication success"),
        }
    }

    /// Types the join command for `room` with the nick `alice` into the input line, all but the
    /// Enter key: `/join ROOM/alice` (balcony, Poezio), `/join ROOM nick alice` (Profanity,
    /// whose `/join` takes no nick after a slash).
    pub fn type_join(self, pane: &Pane, room: &str) -> Result<()> {
        match self {
            RoomClient::Balcony => {
                // The input line takes the keyboard.
                pane.keys(&["i"])?;
                std::thread::sleep(Duration::from_millis(100));
                pane.type_text(&format!("/join {room}/alice"))
            }
            RoomClient::Profanity => pane.type_text(&format!("/join {room} nick alice")),
            RoomClient::Poezio => {
                // `/` opens the command line of the roster tab; what follows it at once is lost.
                pane.type_text("/")?;
                std::thread::sleep(Duration::from_millis(300));
                pane.type_text(&format!("join {room}/alice"))
            }
        }
    }

    /// The occupant count the client shows for the room, if it shows one: balcony's occupants
    /// pane header (`1001 occupants`), Poezio's info bar (`[room@…]{1001}`). Profanity shows
    /// none.
    pub fn occupants_shown(self, screen: &str) -> Option<usize> {
        match self {
            RoomClient::Balcony => counts_before(screen, " occupants").into_iter().max(),
            RoomClient::Profanity => None,
            RoomClient::Poezio => screen.lines().find_map(|l| {
                let rest = &l[l.find("]{")? + 2..];
                rest[..rest.find('}')?].parse().ok()
            }),
        }
    }

    /// The room's occupants are drawn: the count shown is `everyone`; for Profanity, which
    /// shows no count, its occupants pane is drawn with the owner (the first row, under
    /// "Moderators") and the participants heading. Prosody sends every occupant's presence
    /// before alice's own and the history, and Profanity handles them in order, so with the
    /// history's last line drawn every occupant has been taken in.
    pub fn occupants_drawn(self, screen: &str, everyone: usize) -> bool {
        match self {
            RoomClient::Profanity => {
                screen.contains("Moderators")
                    && screen.contains(crate::room_traffic::OWNER_NICK)
                    && screen.contains("Participants")
            }
            _ => self.occupants_shown(screen).is_some_and(|n| n >= everyone),
        }
    }

    /// The program the pane ends up running (`/proc/PID/comm`).
    pub fn program(self, bins: &Binaries) -> String {
        match self {
            RoomClient::Balcony => bins
                .balcony
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            RoomClient::Profanity => "profanity".into(),
            RoomClient::Poezio => "poezio".into(),
        }
    }

    pub fn quit(self, pane: &Pane) -> Result<()> {
        match self {
            RoomClient::Balcony => pane.keys(&["C-c"]),
            RoomClient::Profanity | RoomClient::Poezio => {
                pane.keys(&["C-u"])?;
                pane.type_text("/quit")?;
                pane.keys(&["Enter"])
            }
        }
    }
}
