//! The services of our server (XEP-0030 §4; DISCO-09, DISCO-11, DISCO-16):
//! once the server's own disco#info has answered, its disco#items are
//! asked, then the disco#info of each item, one level deep and at most
//! [`MAX_PROBED`] of them, all at once. What they are is kept for the
//! session in [`Services`]: the chat services (identity `conference`/`text`
//! and the MUC feature, MUC-01), which `/rooms` reuses, and the HTTP upload
//! service (identity `store`/`file` and `urn:xmpp:http:upload:0`, with the
//! `max-file-size` of its extended form, UPLOAD-01).
//!
//! Nothing waits for it but `/upload` ([`super::upload`]): an error or a timeout is an entity
//! with no features (DISCO-11), never a session failure. A new session
//! starts over; answers meant for an earlier one are recognised by their
//! epoch and dropped. Imports nothing from `ui`.

use jid::{BareJid, Jid};

use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::disco::Info;

use super::{Effect, Purpose, State};

/// The most items of our server whose disco#info is asked (DISCO-09: not
/// every item of a long list).
pub const MAX_PROBED: usize = 20;

/// XEP-0363: the upload feature, and the `FORM_TYPE` of its form.
pub const UPLOAD_FEATURE: &str = "urn:xmpp:http:upload:0";
/// XEP-0045: the feature a chat service has (MUC-01).
const MUC_FEATURE: &str = "http://jabber.org/protocol/muc";

/// The HTTP upload service (UPLOAD-01).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadService {
    pub jid: BareJid,
    /// The largest file it takes, in bytes, when it says (UPLOAD-02).
    pub max_file_size: Option<u64>,
}

/// What discovery learned this session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Services {
    /// Counts sessions; each request carries the one it was asked in.
    pub epoch: u64,
    /// Whether this session's discovery was started.
    pub started: bool,
    /// Whether the items answered and every disco#info asked did.
    pub done: bool,
    /// disco#info requests still unanswered.
    pub waiting: usize,
    /// Chat services, in the order the server listed them (MUC-01).
    pub chat: Vec<BareJid>,
    /// The first upload service found (UPLOAD-01).
    pub upload: Option<UploadService>,
}

/// Which discovery request an answer is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Our server's items, asked in session `epoch`.
    Items { epoch: u64 },
    /// The disco#info of `jid`, asked in session `epoch`.
    Info { epoch: u64, jid: BareJid },
}

/// A new session: nothing is known until discovery runs again (DISCO-16).
pub fn begin_session(state: &mut State) {
    let epoch = state.services.epoch.wrapping_add(1);
    state.services = Services {
        epoch,
        ..Services::default()
    };
}

/// Our server's disco#info answered (DISCO-07): ask its items, once per
/// session.
pub fn discover(state: &mut State, effects: &mut Vec<Effect>) {
    if state.services.started || state.jid.is_none() {
        return;
    }
    state.services.started = true;
    effects.push(Effect::Request {
        query: Query::DiscoItems {
            to: None,
            after: None,
        },
        purpose: Purpose::Services(Step::Items {
            epoch: state.services.epoch,
        }),
    });
}

/// An answer to a discovery request.
pub fn on_reply(
    state: &mut State,
    step: Step,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match step {
        Step::Items { epoch } if epoch == state.services.epoch => {
            // DISCO-11: no items (or an error) is a server without services.
            let items = match result {
                Ok(Answer::DiscoItems(page)) => page.items,
                _ => Vec::new(),
            };
            let mut probed: Vec<BareJid> = Vec::new();
            for item in items {
                if probed.len() >= MAX_PROBED {
                    break;
                }
                if item.jid.node().is_none() && !probed.contains(&item.jid) {
                    probed.push(item.jid);
                }
            }
            state.services.waiting = probed.len();
            if probed.is_empty() {
                state.services.done = true;
                super::upload::on_services_known(state, effects);
            }
            for jid in probed {
                effects.push(Effect::Request {
                    query: Query::EntityInfo {
                        jid: Jid::from(jid.clone()),
                        node: None,
                    },
                    purpose: Purpose::Services(Step::Info { epoch, jid }),
                });
            }
        }
        Step::Info { epoch, jid } if epoch == state.services.epoch => {
            if let Ok(Answer::Info(info)) = &result {
                record(&mut state.services, jid, info);
            }
            state.services.waiting = state.services.waiting.saturating_sub(1);
            if state.services.waiting == 0 && !state.services.done {
                state.services.done = true;
                super::upload::on_services_known(state, effects);
            }
        }
        // A session that is over.
        Step::Items { .. } | Step::Info { .. } => {}
    }
}

/// Records what `jid`'s disco#info says it is (DISCO-09, DISCO-14: by
/// category and type, never by name).
fn record(services: &mut Services, jid: BareJid, info: &Info) {
    if info.has_identity("conference", "text")
        && info.has_feature(MUC_FEATURE)
        && !services.chat.contains(&jid)
    {
        services.chat.push(jid.clone());
    }
    if services.upload.is_none() && is_upload_service(info) {
        services.upload = Some(UploadService {
            max_file_size: max_file_size(info),
            jid,
        });
    }
}

/// UPLOAD-01: the upload feature makes an upload service; its identity is
/// `store`/`file`, which some services leave out, so the feature decides.
fn is_upload_service(info: &Info) -> bool {
    info.has_feature(UPLOAD_FEATURE)
}

/// UPLOAD-01: `max-file-size` from the form named `urn:xmpp:http:upload:0`
/// (DISCO-13), when it is a number.
pub fn max_file_size(info: &Info) -> Option<u64> {
    info.form(UPLOAD_FEATURE)?
        .field("max-file-size")?
        .values
        .first()?
        .trim()
        .parse()
        .ok()
}
