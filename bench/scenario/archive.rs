//! alice's message archive (XEP-0313, `urn:xmpp:mam:2`, paged with XEP-0059 RSM) read over a
//! raw session: the archive's first id and size, and the server floor of the catch-up.
//!
//! Like the rest of the raw sessions it parses no XML: a page ends with the query's IQ result
//! (`<fin/>` always comes after the last result, MAM-05), so the runner reads up to its `</iq>`,
//! counts the `</result>` closing tags, and takes `complete`, `<last>` and `<count>` from the
//! `<fin>` element. The session never sends presence, so the server delivers it nothing else.

use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::measure::ms;
use crate::raw::{Raw, Target, find};

const NS_MAM: &str = "urn:xmpp:mam:2";
const NS_RSM: &str = "http://jabber.org/protocol/rsm";
/// More pages than any archive here can need: a server that never says `complete` stops here.
const MAX_PAGES: usize = 100_000;

/// One answered query.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// Result messages in the page.
    pub results: usize,
    /// The RSM `<last/>` id, the cursor for the next page.
    pub last: Option<String>,
    /// `<fin complete='true'>`: nothing more in this direction.
    pub complete: bool,
    /// The RSM `<count/>`, when the server gave one.
    pub count: Option<u64>,
    /// The page's bytes, from the first result to the end of the IQ result.
    pub text: String,
}

/// A query of our own archive: no `to`, its own `queryid` (MAM-02), RSM `max` and `after`.
pub fn query(id: &str, max: usize, after: Option<&str>) -> String {
    let after = after
        .map(|a| format!("<after>{a}</after>"))
        .unwrap_or_default();
    format!(
        "<iq type='set' id='{id}'><query xmlns='{NS_MAM}' queryid='{id}'>\
         <set xmlns='{NS_RSM}'><max>{max}</max>{after}</set></query></iq>"
    )
}

/// The text between `<tag>` and `</tag>` in `text`, if any.
fn element_text<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let len = text[start..].find(&format!("</{tag}"))?;
    Some(&text[start..start + len])
}

/// Sends one query and reads its page.
pub async fn page(raw: &mut Raw, id: &str, max: usize, after: Option<&str>) -> Result<Page> {
    let from = raw.received.len();
    raw.send(&query(id, max, after)).await?;
    let end = raw.read_until_seen(from, "</iq>").await?;
    let bytes = &raw.received[from..end];
    let results = memchr::memmem::find_iter(bytes, b"</result>").count();
    let iq_at = memchr::memmem::rfind(bytes, b"<iq").context("no <iq in the answer")?;
    let iq = String::from_utf8_lossy(&bytes[iq_at..]).into_owned();
    if iq.contains("type='error'") || iq.contains("type=\"error\"") {
        bail!("archive query {id} failed: {iq}");
    }
    let fin_tag = iq
        .find("<fin")
        .and_then(|i| iq[i..].find('>').map(|j| &iq[i..i + j]))
        .with_context(|| format!("no <fin/> in the answer to {id}: {iq}"))?;
    let complete = fin_tag.contains("complete='true'") || fin_tag.contains("complete=\"true\"");
    let last = element_text(&iq, "last").map(str::to_owned);
    let count = element_text(&iq, "count").and_then(|c| c.trim().parse().ok());
    Ok(Page {
        results,
        last,
        complete,
        count,
        text: String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// The archive id of the oldest message in alice's archive, and that message's page text.
pub async fn first(raw: &mut Raw) -> Result<(String, String)> {
    let p = page(raw, "first", 1, None).await?;
    let id = p.last.context("the archive is empty")?;
    Ok((id, p.text))
}

/// How many messages the archive holds: a page of `max` 0 asks for the RSM count alone
/// (Prosody's count is the whole archive's, whatever the cursor); a server that gives no count
/// is paged through instead.
pub async fn total(raw: &mut Raw) -> Result<u64> {
    let p = page(raw, "count", 0, None).await?;
    if let Some(count) = p.count {
        return Ok(count);
    }
    let mut total = 0u64;
    let mut cursor: Option<String> = None;
    for i in 0..MAX_PAGES {
        let p = page(raw, &format!("c{i}"), 50, cursor.as_deref()).await?;
        total += p.results as u64;
        match (p.complete, p.last) {
            (true, _) => return Ok(total),
            (false, Some(last)) => cursor = Some(last),
            (false, None) => bail!("page c{i} is neither complete nor has a <last/>"),
        }
    }
    bail!("no complete page after {MAX_PAGES} pages")
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Floor {
    /// TCP connect → the IQ result of the page marked `complete`.
    pub total_ms: f64,
    /// TCP connect → bound (STARTTLS, SASL PLAIN, bind).
    pub login_ms: f64,
    pub pages: usize,
    pub results: usize,
    /// RSM `max` asked for.
    pub max: usize,
    /// The server's CPU time over the same span (utime + stime of the Prosody process).
    pub server_cpu_ms: Option<f64>,
    /// The session acknowledged every read at once (see `Raw::set_quick_ack`).
    pub quick_ack: bool,
}

/// The server floor of the catch-up: a fresh session as alice (resource `floor`, no presence)
/// pages forwards after `after`, `max` at a time, until a page says `complete`. `server` is
/// Prosody's pid and the clock ticks per second, for its CPU time.
pub async fn floor(
    target: &Target,
    (user, password): (&str, &str),
    after: &str,
    max: usize,
    server: Option<(u32, u64)>,
    quick_ack: bool,
) -> Result<Floor> {
    let server_ticks = || server.and_then(|(pid, _)| crate::term::sample(pid).ok());
    let cpu_before = server_ticks();
    let start = Instant::now();
    let mut raw = Raw::login(target, user, password, "floor").await?;
    raw.set_quick_ack(quick_ack);
    let login = Instant::now();
    let mut f = Floor {
        max,
        quick_ack,
        ..Floor::default()
    };
    let mut cursor = after.to_owned();
    loop {
        let p = page(&mut raw, &format!("f{}", f.pages), max, Some(&cursor)).await?;
        f.pages += 1;
        f.results += p.results;
        if p.complete {
            break;
        }
        cursor = p
            .last
            .with_context(|| format!("page {} is neither complete nor has a <last/>", f.pages))?;
        if f.pages >= MAX_PAGES {
            bail!("no complete page after {MAX_PAGES} pages");
        }
    }
    let end = Instant::now();
    if let (Some(a), Some(b), Some((_, per_sec))) = (cpu_before, server_ticks(), server) {
        f.server_cpu_ms = Some((b.cpu_ticks - a.cpu_ticks) as f64 * 1000.0 / per_sec as f64);
    }
    f.total_ms = ms(end - start);
    f.login_ms = ms(login - start);
    raw.close().await;
    Ok(f)
}

/// The RSM `max` of the archive queries in balcony's XML trace (SEND lines), most frequent
/// first: the page size its catch-up asks for.
pub fn page_sizes_sent(trace: &[crate::trace::Line]) -> Vec<usize> {
    let mut sizes: Vec<usize> = Vec::new();
    for line in trace.iter().filter(|l| l.dir == crate::trace::Dir::Send) {
        let text = &line.payload;
        if find(text.as_bytes(), NS_MAM.as_bytes()).is_none() || !text.contains("<query") {
            continue;
        }
        if let Some(max) = element_text(text, "max").and_then(|m| m.trim().parse().ok()) {
            sizes.push(max);
        }
    }
    sizes
}
