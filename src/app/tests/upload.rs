//! `/upload` (UPLOAD-02…09, UPLOAD-11, UPLOAD-12) as the store runs it:
//! waiting for the services, the size check, the slot, the PUT asked of
//! the runner, and the link sent with `jabber:x:oob`.

use super::*;
use crate::app::service::UploadService;
use crate::app::upload::{Job, Report, Stage, WARNING};

/// Logged in, the login's discovery over, an upload service taking at
/// most `max` bytes, and a chat with romeo open.
fn ready(max: Option<u64>) -> State {
    let mut state = logged_in();
    state.services.done = true;
    state.services.upload = Some(UploadService {
        jid: bare("upload.example.com"),
        max_file_size: max,
    });
    run(&mut state, 1, "/msg romeo@example.net");
    state
}

fn jobs(effects: &[Effect]) -> Vec<Job> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Upload(job) => Some(job.clone()),
            _ => None,
        })
        .collect()
}

fn runner(state: &mut State, report: Report) -> Vec<Effect> {
    update(state, Msg::Upload { report, at: 0 })
}

fn slot_request(effects: &[Effect]) -> Option<(Purpose, Query)> {
    effects.iter().find_map(|effect| match effect {
        Effect::Request { purpose, query } if matches!(purpose, Purpose::Upload { .. }) => {
            Some((purpose.clone(), query.clone()))
        }
        _ => None,
    })
}

const SLOT: &str = "<iq type='result' id='u1'><slot xmlns='urn:xmpp:http:upload:0'>\
     <put url='https://upload.example.com/s1/cat.png'>\
     <header name='Authorization'>Bearer abc</header><header name='X-Evil'>x</header></put>\
     <get url='https://upload.example.com/s1/cat.png'/></slot></iq>";

/// UPLOAD-03…09, UPLOAD-12: the whole path: size read, slot asked with
/// base name, size and type, the PUT with the filtered headers, progress,
/// then the chat message whose body is the URL, marked with OOB; the
/// first result carries the warning, the second does not.
#[test]
fn upload_03_09_slot_put_and_link() {
    let mut state = ready(Some(10_000));
    let effects = run(&mut state, 7, "/upload /tmp/pics/cat.png");
    assert_eq!(
        jobs(&effects),
        [Job::Inspect {
            tag: 7,
            path: "/tmp/pics/cat.png".into()
        }]
    );
    let effects = runner(
        &mut state,
        Report::Inspected {
            tag: 7,
            size: Ok(5000),
        },
    );
    let (purpose, query) = slot_request(&effects).unwrap();
    assert_eq!(
        query,
        Query::UploadSlot {
            service: bare("upload.example.com"),
            filename: "cat.png".into(),
            size: 5000,
            content_type: Some("image/png".into()),
        }
    );
    let effects = update(
        &mut state,
        Msg::Reply {
            result: decoded(&query, Ok(iq(SLOT))),
            purpose,
        },
    );
    assert_eq!(
        jobs(&effects),
        [Job::Put {
            tag: 7,
            path: "/tmp/pics/cat.png".into(),
            url: "https://upload.example.com/s1/cat.png".into(),
            headers: vec![("Authorization".into(), "Bearer abc".into())],
            size: 5000,
            content_type: Some("image/png".into()),
        }]
    );
    let effects = runner(&mut state, Report::Progress { tag: 7, sent: 2500 });
    assert_eq!(
        trace(&effects),
        ["emit: upload-progress cat.png: 2500/5000 bytes (50%)"]
    );
    let effects = runner(
        &mut state,
        Report::Finished {
            tag: 7,
            result: Ok(()),
        },
    );
    let sent: Vec<String> = trace(&effects)
        .into_iter()
        .filter(|line| line.starts_with("message:"))
        .collect();
    assert_eq!(sent.len(), 1, "{:?}", trace(&effects));
    assert!(
        sent[0].contains("<body>https://upload.example.com/s1/cat.png</body>")
            && sent[0].contains(
                "<x xmlns='jabber:x:oob'><url>https://upload.example.com/s1/cat.png</url></x>"
            )
            && sent[0].contains("to='romeo@example.net'"),
        "{sent:?}"
    );
    let result = results(&effects);
    assert_eq!(result.len(), 1);
    assert!(result[0].contains("uploaded cat.png to https://upload.example.com/s1/cat.png"));
    assert!(result[0].contains(WARNING), "UPLOAD-12 the first time");
    assert!(state.uploads.jobs.is_empty());

    run(&mut state, 8, "/upload /tmp/b.png");
    runner(
        &mut state,
        Report::Inspected {
            tag: 8,
            size: Ok(1),
        },
    );
    state.uploads.jobs.get_mut(&8).unwrap().stage = Stage::Putting {
        get: "https://upload.example.com/b.png".into(),
    };
    let effects = runner(
        &mut state,
        Report::Finished {
            tag: 8,
            result: Ok(()),
        },
    );
    assert!(!results(&effects)[0].contains(WARNING), "only once");
}

/// UPLOAD-02: a file over the limit is refused before any slot request.
#[test]
fn upload_02_too_large_is_refused_before_asking() {
    let mut state = ready(Some(10_485_760));
    run(&mut state, 7, "/upload big.bin");
    let effects = runner(
        &mut state,
        Report::Inspected {
            tag: 7,
            size: Ok(11 * 1024 * 1024),
        },
    );
    assert!(slot_request(&effects).is_none());
    assert_eq!(
        results(&effects),
        [
            "failed /upload big.bin: the file is 11534336 bytes; the upload service takes at most 10485760 bytes"
        ]
    );
}

/// UPLOAD-08: a slot error is explained; UPLOAD-11: an http slot is
/// refused unless allowed.
#[test]
fn upload_08_11_slot_errors_and_plain_http() {
    let mut state = ready(None);
    run(&mut state, 7, "/upload a.txt");
    let effects = runner(
        &mut state,
        Report::Inspected {
            tag: 7,
            size: Ok(3),
        },
    );
    let (purpose, _) = slot_request(&effects).unwrap();
    let mut error = StanzaError::new(ErrorType::Modify, StanzaCondition::NotAcceptable);
    error.app_condition = Some(("file-too-large".into(), "urn:xmpp:http:upload:0".into()));
    error.app_detail = Some("2".into());
    let effects = update(
        &mut state,
        Msg::Reply {
            purpose,
            result: Err(RequestError::Stanza(error)),
        },
    );
    assert_eq!(
        results(&effects),
        ["failed /upload a.txt: the file is too large for the upload service (at most 2 bytes)"]
    );

    run(&mut state, 8, "/upload a.txt");
    let effects = runner(
        &mut state,
        Report::Inspected {
            tag: 8,
            size: Ok(3),
        },
    );
    let (purpose, query) = slot_request(&effects).unwrap();
    let http = SLOT.replace("https://", "http://");
    let effects = update(
        &mut state,
        Msg::Reply {
            result: decoded(&query, Ok(iq(&http))),
            purpose,
        },
    );
    assert!(jobs(&effects).is_empty());
    assert!(
        results(&effects)[0].contains("not https"),
        "{:?}",
        results(&effects)
    );
}

/// Before the login's discovery ends the upload waits; a server without
/// an upload service then fails it. `/upload cancel` stops the running one.
#[test]
fn upload_waits_for_discovery_and_cancels() {
    let mut state = logged_in();
    run(&mut state, 1, "/msg romeo@example.net");
    let effects = run(&mut state, 7, "/upload a.txt");
    assert!(jobs(&effects).is_empty());
    state.services.done = true;
    let mut effects = Vec::new();
    crate::app::upload::on_services_known(&mut state, &mut effects);
    assert_eq!(
        results(&effects),
        [
            "failed /upload a.txt: your server offers no HTTP upload service (urn:xmpp:http:upload:0)"
        ]
    );

    let mut state = ready(None);
    run(&mut state, 7, "/upload a.txt");
    let effects = run(&mut state, 8, "/upload cancel");
    assert_eq!(jobs(&effects), [Job::Cancel { tag: 7 }]);
    assert_eq!(
        results(&effects),
        [
            "failed /upload a.txt: cancelled",
            "ok /upload cancel: cancelled the upload of a.txt"
        ]
    );
    assert_eq!(
        results(&run(&mut state, 9, "/upload cancel")),
        ["failed /upload cancel: no upload is running"]
    );
}
