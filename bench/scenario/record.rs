//! Recordings for the parser benchmark: a 5,000-contact login burst and a 10,000-message flood,
//! each as one complete stream document (`<?xml …?><stream:stream …>` + elements +
//! `</stream:stream>`).
//!
//! The flood comes from balcony's own XML trace (RECV lines, bodies in clear). The login burst
//! cannot: the trace caps a line at 64 KiB, and a 5,000-item roster answer is far longer. So the
//! stanzas balcony sent after binding (from the same trace) are replayed by a raw session as
//! alice, and what Prosody answers is kept byte for byte, from its stream header after
//! authentication on. That is also exactly what a client's parser sees on the wire.

use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use tokio::runtime::Runtime;

use crate::raw::Raw;
use crate::setup::Scenario;
use crate::trace::{self, Dir, Line, TRUNCATED};

pub const LOGIN_FILE: &str = "login-burst-5000.xml";
pub const FLOOD_FILE: &str = "flood-10000.xml";

/// The stanzas balcony sent between binding and `until` (before the chat was opened), in order.
pub fn login_sends(lines: &[Line], until: SystemTime) -> Result<Vec<String>> {
    let bound = lines
        .iter()
        .position(trace::is_bind_result)
        .context("no bind result in the trace")?;
    let sends: Vec<String> = lines[bound + 1..]
        .iter()
        .filter(|l| l.dir == Dir::Send && l.at <= until)
        .map(|l| l.payload.trim().to_owned())
        .filter(|p| p.starts_with('<') && !p.starts_with("</stream"))
        .collect();
    if let Some(cut) = sends.iter().find(|p| p.contains(TRUNCATED)) {
        bail!(
            "a sent element was cut by the trace: {}",
            &cut[..cut.len().min(200)]
        );
    }
    Ok(sends)
}

/// Replays `sends` as alice (resource `balcony`, as the client had) and returns the server's
/// answer as a stream document.
pub fn login_burst(scenario: &Scenario, rt: &Runtime, sends: &[String]) -> Result<String> {
    rt.block_on(async {
        let alice = &scenario.alice;
        let mut raw = Raw::login(&scenario.target, &alice.user, &alice.password, "balcony").await?;
        raw.send(&sends.concat()).await?;
        raw.read_until_quiet(Duration::from_secs(3), Duration::from_secs(120))
            .await?;
        let mut doc = String::from_utf8(std::mem::take(&mut raw.received))
            .context("the server sent invalid UTF-8")?;
        raw.close().await;
        if let Some(i) = doc.find("</stream:stream>") {
            doc.truncate(i);
        }
        doc.push_str("</stream:stream>");
        Ok(doc)
    })
}

/// The server's stream header (the start tag of `<stream:stream>`, with the XML declaration)
/// at the beginning of a raw capture.
pub fn stream_header(doc: &str) -> Result<String> {
    let start = doc.find("<stream:stream").context("no stream header")?;
    let end = doc[start..]
        .find('>')
        .context("unterminated stream header")?
        + start
        + 1;
    Ok(format!("<?xml version='1.0'?>{}", &doc[start..end]))
}

/// The flood as received by balcony: every RECV element from the first flood message to the
/// last one, after `header`.
pub fn flood_doc(lines: &[Line], header: &str, first: &str, last: &str) -> Result<String> {
    let from = lines
        .iter()
        .position(|l| l.dir == Dir::Recv && l.payload.contains(first))
        .context("the first flood message is not in the trace")?;
    let to = lines
        .iter()
        .rposition(|l| l.dir == Dir::Recv && l.payload.contains(last))
        .context("the last flood message is not in the trace")?;
    let mut doc = String::from(header);
    for l in lines[from..=to].iter().filter(|l| l.dir == Dir::Recv) {
        if l.payload.contains(TRUNCATED) {
            bail!("a flood element was cut by the trace");
        }
        doc.push_str(&l.payload);
    }
    doc.push_str("</stream:stream>");
    Ok(doc)
}

/// Parses `doc` completely; returns how many elements sit directly under the stream root.
pub fn check_document(doc: &str) -> Result<usize> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut depth = 0usize;
    let mut top = 0usize;
    let mut closed = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                if depth == 1 {
                    top += 1;
                }
                depth += 1;
            }
            Ok(Event::Empty(_)) if depth == 1 => top += 1,
            Ok(Event::End(_)) => {
                depth = depth.checked_sub(1).context("unbalanced end tag")?;
                if depth == 0 {
                    closed = true;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => bail!("not well-formed at byte {}: {e}", reader.buffer_position()),
        }
    }
    if !closed || depth != 0 {
        bail!("the stream is not closed");
    }
    Ok(top)
}

pub fn write(dir: &Path, name: &str, doc: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    let top = check_document(doc).with_context(|| format!("checking {}", path.display()))?;
    eprintln!(
        "wrote {} ({:.2} MB, {top} top-level elements)",
        path.display(),
        doc.len() as f64 / 1e6
    );
    Ok(())
}
