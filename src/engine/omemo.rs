//! The engine's OMEMO (XEP-0384): this device's keys and sessions, the
//! device lists and bundles it fetches and publishes, and the two places
//! messages pass through it: decrypted on the way in, before the store
//! sees them, and encrypted on the way out, after the history has the
//! plain text.

use std::collections::VecDeque;

use super::Engine;
use crate::app::Msg;
use crate::app::omemo::{OmemoCommand, Report};

impl Engine {
    /// Carries out a `/omemo` command.
    pub(super) fn omemo_command(
        &mut self,
        tag: u64,
        command: OmemoCommand,
        queue: &mut VecDeque<Msg>,
    ) {
        let _ = command;
        queue.push_back(Msg::Omemo(Report::Result {
            tag,
            ok: false,
            text: "OMEMO is not available".to_owned(),
        }));
    }
}
