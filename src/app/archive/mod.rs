//! The server archive as the store sees it (XEP-0313 with XEP-0059,
//! checklist §8): the login steps that come before initial presence, and
//! the catch-up from our own archive.
//!
//! Login order (CARBONS-02, MAM-21): bind → roster and the server's
//! disco#info → carbons enabled (when offered) and our account's
//! disco#info (DISCO-08) → when the account advertises `urn:xmpp:mam:2`
//! (MAM-01), the catch-up → initial presence. [`Archive::hold_presence`]
//! keeps presence back until every step is over, whatever its outcome.
//!
//! The catch-up (MAM-07..11, MAM-16, MAM-17, MAM-22) pages forwards after
//! the archive id the history holds the archive up to (the runner reads it
//! for [`crate::app::Effect::ReadArchiveCursor`]); each page is interpreted by
//! the chat area, once, and recorded before the next is asked. With no
//! history at all only a recent window is fetched (MAM-09). The cursor
//! moves with the pages, never with live stanza-ids while pages are still
//! unfetched (MAM-11). Once at the end, initial presence goes out and one
//! last pass fetches what arrived meanwhile (Prosody keeps offline
//! messages from a session that queried its archive, MAM-21). A resumed
//! stream needs no catch-up (MAM-22): the steps run only for a new
//! session.
//!
//! Scrolling past the top of a conversation's local history asks the
//! archive for the page before the oldest archive id held, with that
//! contact (MAM-12); it is stored as older than everything held and read
//! back as history, and the archive's start ends it. `update` holds the
//! decisions; this file the state.

pub mod update;

use std::collections::{BTreeSet, HashSet};

use jid::BareJid;

use crate::xmpp::stanza::mam::ArchivedMessage;

use super::chat::ConversationId;

/// Messages asked per page; Prosody sends at most 50 however many are
/// asked.
pub const PAGE: u32 = 50;
/// The default of `[history] first_login_messages` (MAM-09).
pub const FIRST_LOGIN_MESSAGES: u32 = 200;
/// The most `[history] first_login_messages` may ask for: the window is
/// held in memory until it is whole.
pub const MAX_FIRST_LOGIN_MESSAGES: u32 = 10_000;

/// Where the catch-up starts, read from the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The archive id the history holds the archive up to.
    pub last_id: Option<String>,
    /// Unix seconds of the message holding `last_id`, else of the newest
    /// message stored (MAM-08); `None`: no history at all (MAM-09).
    pub last_at: Option<i64>,
}

/// Where the catch-up is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CatchUp {
    /// Not started in this session.
    #[default]
    Idle,
    /// Waiting for the history's cursor.
    Reading,
    /// Paging forwards after `after` (MAM-07); `since` is the time to
    /// start from when the archive no longer knows `after` (MAM-08), and
    /// `fell_back` is set once that happened.
    Forward {
        after: Option<String>,
        since: Option<i64>,
        fell_back: bool,
    },
    /// First login (MAM-09): pages backwards from the newest, newest page
    /// first, until `wanted` messages; interpreted oldest first at the end.
    Window {
        pages: Vec<Vec<ArchivedMessage>>,
        got: usize,
        wanted: usize,
        /// The newest archive id: where the next login goes on.
        newest: Option<String>,
    },
    /// Over for this session (caught up, failed, or not wanted).
    Done,
}

/// The login steps and the catch-up of the current session.
#[derive(Clone, Debug, Default)]
pub struct Archive {
    /// Initial presence waits until the steps before it are over.
    pub hold_presence: bool,
    /// The server's disco#info was answered (or failed).
    server_info: bool,
    /// Carbons were asked for and not answered yet.
    carbons_pending: bool,
    /// Our account's disco#info was answered (or failed).
    account_info: bool,
    /// MAM-01: our account advertises `urn:xmpp:mam:2`.
    pub supported: bool,
    pub catch_up: CatchUp,
    /// The catch-up reached the end of the archive in this session: live
    /// archive ids may carry the cursor on now (MAM-11).
    pub caught_up: bool,
    /// Initial presence went out and the catch-up is on its last pass,
    /// for what arrived meanwhile (MAM-21).
    pub tail: bool,
    /// Incoming messages the catch-up filed, for the one notification and
    /// the event at its end.
    pub filed: usize,
    /// Who sent them.
    pub senders: BTreeSet<BareJid>,
    /// Conversations waiting for an older page from the archive (MAM-12).
    pub scrolling: HashSet<ConversationId>,
    /// Conversations whose archive start was reached: nothing older to
    /// ask for. Kept across sessions.
    pub scrolled_to_start: HashSet<ConversationId>,
}

impl Archive {
    /// A new session (not a resumed one): every step is to be done again.
    pub fn begin_session(&mut self) {
        *self = Archive {
            hold_presence: true,
            scrolled_to_start: std::mem::take(&mut self.scrolled_to_start),
            ..Archive::default()
        };
    }

    /// The session is gone: nothing waits any more until the next one.
    pub fn end_session(&mut self) {
        *self = Archive {
            scrolled_to_start: std::mem::take(&mut self.scrolled_to_start),
            ..Archive::default()
        };
    }

    /// The steps before initial presence as if over, with neither carbons
    /// nor an archive: for tests of what comes after them.
    #[cfg(test)]
    pub fn skip_login_steps(&mut self) {
        self.hold_presence = false;
        self.catch_up = CatchUp::Done;
    }

    /// True while pages are being fetched.
    pub fn running(&self) -> bool {
        matches!(
            self.catch_up,
            CatchUp::Reading | CatchUp::Forward { .. } | CatchUp::Window { .. }
        )
    }
}
