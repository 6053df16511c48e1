//! Reading balcony's XML trace (`[log] xml_trace`, see src/xmpp/trace.rs): one line per element,
//! `2024-02-29T12:34:56.789Z RECV <payload>`. Used for the login timeline (where the time goes)
//! and for the flood recording.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Send,
    Recv,
}

#[derive(Clone, Debug)]
pub struct Line {
    pub at: SystemTime,
    pub dir: Dir,
    pub payload: String,
}

/// The marker the trace puts at the end of a line it had to cut.
pub const TRUNCATED: &str = " [truncated ";

/// Reads the trace at `path`, its rotated part (`PATH.1`) first.
pub fn read(path: &Path) -> Result<Vec<Line>> {
    let mut text = String::new();
    let mut rotated = path.as_os_str().to_owned();
    rotated.push(".1");
    if let Ok(old) = std::fs::read_to_string(&rotated) {
        text.push_str(&old);
    }
    text.push_str(
        &std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    );
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(stamp), Some(dir), Some(payload)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let dir = match dir {
            "SEND" => Dir::Send,
            "RECV" => Dir::Recv,
            _ => continue,
        };
        let Some(at) = parse_rfc3339(stamp) else {
            continue;
        };
        lines.push(Line {
            at,
            dir,
            payload: payload.to_owned(),
        });
    }
    Ok(lines)
}

/// `2024-02-29T12:34:56.789Z` → time (UTC, milliseconds).
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    let millis: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
    let days = days_from_civil(y, m, day);
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(UNIX_EPOCH + Duration::from_millis((secs * 1000 + millis).try_into().ok()?))
}

/// Days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds from `origin` to `at` (negative if before).
pub fn since(origin: SystemTime, at: SystemTime) -> f64 {
    match at.duration_since(origin) {
        Ok(d) => d.as_secs_f64() * 1000.0,
        Err(e) => -e.duration().as_secs_f64() * 1000.0,
    }
}

/// Where a login's time went, from the trace lines written after `origin`.
pub fn timeline(lines: &[Line], origin: SystemTime) -> Vec<(String, f64)> {
    let lines: Vec<&Line> = lines.iter().filter(|l| l.at >= origin).collect();
    let mut out = Vec::new();
    let first = |out: &mut Vec<(String, f64)>, label: &str, pred: &dyn Fn(&Line) -> bool| {
        if let Some(l) = lines.iter().find(|l| pred(l)) {
            out.push((label.to_owned(), since(origin, l.at)));
        }
    };
    first(&mut out, "first byte sent", &|l| l.dir == Dir::Send);
    first(&mut out, "TLS proceed", &|l| {
        l.dir == Dir::Recv && l.payload.starts_with("<proceed")
    });
    first(&mut out, "SASL success", &|l| {
        l.dir == Dir::Recv && l.payload.starts_with("<success")
    });
    first(&mut out, "bound", &|l| is_bind_result(l));
    first(&mut out, "roster requested", &|l| {
        l.dir == Dir::Send && l.payload.contains("jabber:iq:roster")
    });
    let roster_id = lines
        .iter()
        .find(|l| l.dir == Dir::Send && l.payload.contains("jabber:iq:roster"))
        .and_then(|l| attr(&l.payload, "id"));
    if let Some(id) = &roster_id {
        let answer = lines.iter().find(|l| {
            l.dir == Dir::Recv
                && l.payload.starts_with("<iq")
                && attr(&l.payload, "id").as_deref() == Some(id)
        });
        if let Some(l) = answer {
            let items = l.payload.matches("<item ").count();
            let what = if l.payload.contains(TRUNCATED) {
                format!("roster answer ({items}+ items; line cut by the trace)")
            } else if items == 0 {
                "roster answer (empty: cached version still current)".to_owned()
            } else {
                format!("roster answer ({items} items)")
            };
            out.push((what, since(origin, l.at)));
        }
    }
    first(&mut out, "initial presence sent", &|l| {
        l.dir == Dir::Send && l.payload.starts_with("<presence") && !l.payload.contains("type=")
    });
    let presences: Vec<&&Line> = lines
        .iter()
        .filter(|l| l.dir == Dir::Recv && l.payload.starts_with("<presence"))
        .collect();
    if let (Some(a), Some(b)) = (presences.first(), presences.last()) {
        out.push(("first presence received".into(), since(origin, a.at)));
        out.push((
            format!("last presence received ({} in all)", presences.len()),
            since(origin, b.at),
        ));
    }
    out
}

/// The server's answer to our bind request (not the stream features that offer binding).
pub fn is_bind_result(l: &Line) -> bool {
    l.dir == Dir::Recv
        && l.payload.starts_with("<iq")
        && l.payload.contains("urn:ietf:params:xml:ns:xmpp-bind")
}

/// The value of attribute `name` in the start tag at the beginning of `xml`.
pub fn attr(xml: &str, name: &str) -> Option<String> {
    let tag = xml.split('>').next()?;
    for quote in ['"', '\''] {
        let key = format!(" {name}={quote}");
        if let Some(i) = tag.find(&key) {
            let rest = &tag[i + key.len()..];
            return rest.split(quote).next().map(str::to_owned);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = parse_rfc3339("2024-02-29T12:34:56.789Z").unwrap();
        let d = t.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(d.as_millis(), 1_709_210_096_789);
    }
}
