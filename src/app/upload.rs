//! `/upload PATH [JID]` and `/upload cancel` (XEP-0363 with XEP-0066;
//! checklist §16, UPLOAD-02…09, UPLOAD-11, UPLOAD-12).
//!
//! An upload goes to the JID given, else to the current chat or room
//! window, in steps, one [`Stage`] at a time: it waits for the services
//! found at login ([`super::service`]); the runner reads the file's size
//! ([`Job::Inspect`]); a file over the service's `max-file-size` is
//! refused before anything is asked (UPLOAD-02); the slot is asked with
//! the base name, the size and the content type guessed from the
//! extension (UPLOAD-03); the runner PUTs the file right away
//! ([`Job::Put`], UPLOAD-06, UPLOAD-07) over HTTPS only, unless `[links]
//! allow_http` (UPLOAD-11), reporting progress; on success the `get` URL
//! goes out as the body of a message marked with `jabber:x:oob`
//! (UPLOAD-09). The first upload's result carries the UPLOAD-12 warning.
//!
//! No disk or network here: the runner does both and answers with a
//! [`Report`]. Imports nothing from `ui`.

use std::collections::BTreeMap;

use jid::{BareJid, Jid};

use super::chat::ConversationId;
use super::dispatch::{Outcome, report};
use super::event::Event;
use super::{Effect, Purpose, State};
use crate::xmpp::query::{Answer, Query};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::oob::Oob;
use crate::xmpp::stanza::upload;

/// UPLOAD-12: said with the first upload's result.
pub const WARNING: &str = "note: uploaded files are stored unencrypted on your server's \
                           HTTP service, readable by anyone with the link, and fetching \
                           them shows your IP address to that server";

/// Uploads in flight at once.
pub const MAX_UPLOADS: usize = 8;

/// Where an upload is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the login's service discovery to end.
    Services,
    /// The runner is reading the file's size.
    Inspecting,
    /// The slot was asked.
    Slot,
    /// The runner is sending the file; `get` is where it will be.
    Putting { get: String },
}

/// One `/upload` in flight, under its command's tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub label: String,
    pub path: String,
    /// The base name sent in the slot request (UPLOAD-03).
    pub name: String,
    pub content_type: Option<String>,
    /// The window the link goes to.
    pub conversation: ConversationId,
    pub stage: Stage,
    pub sent: u64,
    pub size: u64,
}

/// Every upload in flight, by command tag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uploads {
    pub jobs: BTreeMap<u64, Upload>,
    /// Whether the UPLOAD-12 warning was given.
    pub warned: bool,
}

impl Uploads {
    /// The upload sending into `conversation`, the most recent first.
    pub fn in_conversation(&self, conversation: ConversationId) -> Option<(u64, &Upload)> {
        self.jobs
            .iter()
            .rev()
            .find(|(_, job)| job.conversation == conversation)
            .map(|(tag, job)| (*tag, job))
    }
}

/// What the runner is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// Read the size of the file at `path`; answer [`Report::Inspected`].
    Inspect { tag: u64, path: String },
    /// PUT the file to `url` (UPLOAD-06); answer with
    /// [`Report::Progress`] and [`Report::Finished`].
    Put {
        tag: u64,
        path: String,
        url: String,
        headers: Vec<(String, String)>,
        size: u64,
        content_type: Option<String>,
    },
    /// Stop upload `tag`, wherever it is.
    Cancel { tag: u64 },
}

/// What the runner answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    Inspected {
        tag: u64,
        size: Result<u64, String>,
    },
    Progress {
        tag: u64,
        sent: u64,
    },
    Finished {
        tag: u64,
        result: Result<(), String>,
    },
}

/// The base name of `path`, the name the service is told (UPLOAD-03).
pub fn base_name(path: &str) -> Option<String> {
    std::path::Path::new(path)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
}

/// The content type of `path` guessed from its extension, when known.
pub fn content_type(path: &str) -> Option<String> {
    mime_guess::from_path(path)
        .first()
        .map(|mime| mime.essence_str().to_owned())
}

/// UPLOAD-02: why a file of `size` bytes may not go to a service taking
/// at most `max`, if it may not.
pub fn check_size(size: u64, max: Option<u64>) -> Result<(), String> {
    match max {
        Some(max) if size > max => Err(format!(
            "the file is {size} bytes; the upload service takes at most {max} bytes"
        )),
        _ => Ok(()),
    }
}

/// UPLOAD-11: whether a slot URL may be used: HTTPS, or plain HTTP when
/// the user allowed it.
pub fn allowed_url(url: &str, allow_http: bool) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || (allow_http && lower.starts_with("http://"))
}

/// `/upload PATH [JID]`.
pub fn start(
    state: &mut State,
    tag: u64,
    label: &str,
    path: String,
    to: Option<BareJid>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let conversation = match to {
        Some(to) if state.rooms.get(&to).is_some() => state.chats.room(&to),
        Some(to) => state.chats.conversation_for(&Jid::from(to)),
        None => match state.active {
            Some(id) => id,
            None => {
                return Outcome::Failed("no conversation is open: use /upload PATH JID".to_owned());
            }
        },
    };
    let Some(name) = base_name(&path) else {
        return Outcome::Failed(format!("{path} names no file"));
    };
    if state.uploads.jobs.len() >= MAX_UPLOADS {
        return Outcome::Failed(format!(
            "{MAX_UPLOADS} uploads are already running; wait or /upload cancel"
        ));
    }
    let content_type = content_type(&path);
    state.uploads.jobs.insert(
        tag,
        Upload {
            label: label.to_owned(),
            path,
            name,
            content_type,
            conversation,
            stage: Stage::Services,
            sent: 0,
            size: 0,
        },
    );
    if state.services.done {
        inspect(state, tag, effects);
    }
    Outcome::Pending
}

/// The login's discovery has ended: uploads waiting for it go on.
pub fn on_services_known(state: &mut State, effects: &mut Vec<Effect>) {
    let waiting: Vec<u64> = state
        .uploads
        .jobs
        .iter()
        .filter(|(_, job)| job.stage == Stage::Services)
        .map(|(tag, _)| *tag)
        .collect();
    for tag in waiting {
        inspect(state, tag, effects);
    }
}

/// With the service known, asks the runner for the file's size.
fn inspect(state: &mut State, tag: u64, effects: &mut Vec<Effect>) {
    if state.services.upload.is_none() {
        fail(
            state,
            tag,
            "your server offers no HTTP upload service (urn:xmpp:http:upload:0)".to_owned(),
            effects,
        );
        return;
    }
    let Some(job) = state.uploads.jobs.get_mut(&tag) else {
        return;
    };
    job.stage = Stage::Inspecting;
    effects.push(Effect::Upload(Job::Inspect {
        tag,
        path: job.path.clone(),
    }));
}

/// Ends upload `tag` with a failure.
fn fail(state: &mut State, tag: u64, why: String, effects: &mut Vec<Effect>) {
    if let Some(job) = state.uploads.jobs.remove(&tag) {
        report(state, tag, job.label, Outcome::Failed(why), effects);
    }
}

/// What the runner found or did.
pub fn on_report(state: &mut State, report_: Report, at: i64, effects: &mut Vec<Effect>) {
    match report_ {
        Report::Inspected { tag, size } => on_inspected(state, tag, size, effects),
        Report::Progress { tag, sent } => {
            let Some(job) = state.uploads.jobs.get_mut(&tag) else {
                return;
            };
            job.sent = sent.min(job.size);
            effects.push(Effect::Emit(Event::UploadProgress {
                tag,
                file: job.name.clone(),
                sent: job.sent,
                total: job.size,
            }));
        }
        Report::Finished { tag, result } => match result {
            Ok(()) => on_uploaded(state, tag, at, effects),
            Err(why) => fail(state, tag, why, effects),
        },
    }
}

fn on_inspected(state: &mut State, tag: u64, size: Result<u64, String>, effects: &mut Vec<Effect>) {
    let Some(service) = state.services.upload.clone() else {
        return;
    };
    let size = match size.and_then(|size| check_size(size, service.max_file_size).map(|_| size)) {
        Ok(size) => size,
        Err(why) => return fail(state, tag, why, effects),
    };
    let Some(job) = state.uploads.jobs.get_mut(&tag) else {
        return;
    };
    job.size = size;
    job.stage = Stage::Slot;
    effects.push(Effect::Request {
        query: Query::UploadSlot {
            service: service.jid,
            filename: job.name.clone(),
            size,
            content_type: job.content_type.clone(),
        },
        purpose: Purpose::Upload { tag },
    });
}

/// The slot answer (UPLOAD-04, UPLOAD-08): the PUT starts at once
/// (UPLOAD-07).
pub fn on_slot(
    state: &mut State,
    tag: u64,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let slot = match result {
        Ok(Answer::Slot(slot)) => slot,
        Ok(_) => {
            return fail(
                state,
                tag,
                "the upload service sent no slot".into(),
                effects,
            );
        }
        Err(RequestError::Stanza(error)) => {
            return fail(state, tag, upload::explain_error(&error), effects);
        }
        Err(error) => return fail(state, tag, format!("no upload slot: {error}"), effects),
    };
    let allow_http = state.prefs.allow_http_links;
    if !allowed_url(&slot.put, allow_http) || !allowed_url(&slot.get, allow_http) {
        return fail(
            state,
            tag,
            "the upload service gave a URL that is not https (refused; [links] allow_http \
             permits plain http)"
                .into(),
            effects,
        );
    }
    let Some(job) = state.uploads.jobs.get_mut(&tag) else {
        return;
    };
    job.stage = Stage::Putting {
        get: slot.get.clone(),
    };
    effects.push(Effect::Upload(Job::Put {
        tag,
        path: job.path.clone(),
        url: slot.put,
        headers: slot.headers,
        size: job.size,
        content_type: job.content_type.clone(),
    }));
}

/// UPLOAD-06, UPLOAD-09: the file is there; the link goes to the window.
fn on_uploaded(state: &mut State, tag: u64, at: i64, effects: &mut Vec<Effect>) {
    let Some(job) = state.uploads.jobs.remove(&tag) else {
        return;
    };
    let Stage::Putting { get } = job.stage else {
        return;
    };
    effects.push(Effect::Emit(Event::UploadProgress {
        tag,
        file: job.name.clone(),
        sent: job.size,
        total: job.size,
    }));
    let sent = super::chat::update::send_link(
        state,
        job.conversation,
        Oob {
            url: get.clone(),
            desc: None,
        },
        at,
        effects,
    );
    let outcome = match sent {
        Outcome::Done(how) => {
            let mut text = format!("uploaded {} to {get} ({how})", job.name);
            if !state.uploads.warned {
                state.uploads.warned = true;
                text.push_str("; ");
                text.push_str(WARNING);
            }
            // It ended long after its command: the status line says so,
            // where its progress was.
            super::push_notice(state, text.clone(), false);
            Outcome::Done(text)
        }
        Outcome::Failed(why) => Outcome::Failed(format!(
            "uploaded {} to {get}, but the link was not sent: {why}",
            job.name
        )),
        Outcome::Pending => Outcome::Pending,
    };
    report(state, tag, job.label, outcome, effects);
}

/// `/upload cancel` (or the cancel key): stops the upload of the current
/// window, else the most recent one.
pub fn cancel(state: &mut State, effects: &mut Vec<Effect>) -> Outcome {
    let in_window = state
        .active
        .and_then(|id| state.uploads.in_conversation(id))
        .map(|(tag, _)| tag);
    let Some(tag) = in_window.or_else(|| state.uploads.jobs.keys().next_back().copied()) else {
        return Outcome::Failed("no upload is running".to_owned());
    };
    let name = state
        .uploads
        .jobs
        .get(&tag)
        .map(|job| job.name.clone())
        .unwrap_or_default();
    effects.push(Effect::Upload(Job::Cancel { tag }));
    fail(state, tag, "cancelled".to_owned(), effects);
    Outcome::Done(format!("cancelled the upload of {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UPLOAD-02: a file over the limit is refused, naming the limit.
    #[test]
    fn upload_02_size_is_checked_against_the_limit() {
        assert!(check_size(10, Some(10)).is_ok());
        assert!(check_size(10, None).is_ok());
        let refused = check_size(11 * 1024 * 1024, Some(10 * 1024 * 1024));
        assert_eq!(
            refused,
            Err(
                "the file is 11534336 bytes; the upload service takes at most 10485760 bytes"
                    .to_owned()
            )
        );
    }

    /// UPLOAD-03: the base name only, and the type from the extension.
    #[test]
    fn upload_03_base_name_and_content_type() {
        assert_eq!(
            base_name("/home/j/très cool.jpg").as_deref(),
            Some("très cool.jpg")
        );
        assert_eq!(base_name("/"), None);
        assert_eq!(content_type("a/b.png").as_deref(), Some("image/png"));
        assert_eq!(content_type("a/b.unknownext"), None);
    }

    /// UPLOAD-11: https only, http behind the setting.
    #[test]
    fn upload_11_only_https_unless_allowed() {
        assert!(allowed_url("https://upload.example.com/a", false));
        assert!(allowed_url("HTTPS://upload.example.com/a", false));
        assert!(!allowed_url("http://upload.example.com/a", false));
        assert!(allowed_url("http://upload.example.com/a", true));
        assert!(!allowed_url("ftp://upload.example.com/a", true));
        assert!(!allowed_url("", true));
    }
}
