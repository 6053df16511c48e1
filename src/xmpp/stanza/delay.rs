//! Delayed delivery, `urn:xmpp:delay` (XEP-0203), and the XEP-0082
//! date-time it carries: the `<delay stamp from/>` a server puts on a
//! message it held back (offline storage, CSI-06) and on every archived or
//! forwarded message (MAM-04), read from and written to an [`Element`].
//!
//! The stamp is checked for XEP-0082 syntax and kept as the text it was; it
//! is never turned into a clock value here. History is ordered by arrival,
//! not by stamp (MAM-17), so nothing here compares stamps. The legacy
//! `jabber:x:delay` (XEP-0091) is not read. This module must not import
//! `crate::app` or `crate::ui`.

use std::fmt;
use std::str::FromStr;

use jid::Jid;

use super::{ParseError, expect_element, jid_attr, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Longest stamp accepted. `2026-01-02T10:00:00.123456789+01:00` is 35
/// bytes; room for longer fractions, but not for a megabyte of digits.
pub const MAX_STAMP_BYTES: usize = 64;

/// A XEP-0082 DateTime, `CCYY-MM-DDThh:mm:ss[.sss]TZD` with `TZD` either
/// `Z` or `±hh:mm`, as the text it arrived as.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stamp(String);

impl Stamp {
    /// Checks `text` against the XEP-0082 DateTime profile (§3.3): the
    /// fields must be in range (seconds up to 60, for a leap second), and
    /// the fraction, when present, is one digit or more.
    pub fn parse(text: &str) -> Result<Stamp, ParseError> {
        if text.len() <= MAX_STAMP_BYTES && is_date_time(text.as_bytes()) {
            Ok(Stamp(text.to_owned()))
        } else {
            Err(ParseError::Invalid(format!(
                "not a XEP-0082 date-time: {:?}",
                quoted(text)
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stamp in UTC `YYYY-MM-DDThh:mm:ssZ` for `secs` since the Unix
    /// epoch (before it: the epoch).
    pub fn from_unix(secs: i64) -> Stamp {
        let secs = secs.max(0) as u64;
        let (year, month, day) = civil_from_days(secs / 86_400);
        let rem = secs % 86_400;
        Stamp(format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        ))
    }

    /// Seconds since the Unix epoch, the fraction dropped and the zone
    /// applied. A checked stamp always has one; the `Option` keeps
    /// arithmetic on remote digits from ever panicking.
    pub fn unix_seconds(&self) -> Option<i64> {
        let text = self.0.as_bytes();
        let num = |at: usize, len: usize| -> Option<i64> {
            std::str::from_utf8(text.get(at..at + len)?)
                .ok()?
                .parse()
                .ok()
        };
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        let days = days_from_civil(year, month, day);
        let mut secs = days * 86_400 + hour * 3600 + minute * 60 + second;
        let zone = text.iter().skip(19).position(|b| matches!(b, b'+' | b'-'));
        if let Some(at) = zone.map(|z| z + 19) {
            let offset = num(at + 1, 2)? * 3600 + num(at + 4, 2)? * 60;
            secs -= if text[at] == b'+' { offset } else { -offset };
        }
        Some(secs)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm, in 400-year eras starting on March 1st).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`] for days on or after the epoch.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    (year_of_era + era * 400 + u64::from(month <= 2), month, day)
}

impl FromStr for Stamp {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stamp::parse(s)
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two-digit number at `at`, when both bytes are digits.
fn two_digits(text: &[u8], at: usize) -> Option<u8> {
    match text.get(at..at + 2)? {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// XEP-0082 §3.3 DateTime syntax, on bytes so that no index can land
/// inside a multi-byte character.
fn is_date_time(text: &[u8]) -> bool {
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let within = |at: usize, low: u8, high: u8| {
        two_digits(text, at).is_some_and(|value| (low..=high).contains(&value))
    };
    let fixed = digits(0..4)
        && text.get(4) == Some(&b'-')
        && within(5, 1, 12)
        && text.get(7) == Some(&b'-')
        && within(8, 1, 31)
        && text.get(10) == Some(&b'T')
        && within(11, 0, 23)
        && text.get(13) == Some(&b':')
        && within(14, 0, 59)
        && text.get(16) == Some(&b':')
        && within(17, 0, 60);
    if !fixed {
        return false;
    }
    let mut at = 19;
    if text.get(at) == Some(&b'.') {
        let fraction = text[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if fraction == 0 {
            return false;
        }
        at += 1 + fraction;
    }
    match &text[at..] {
        b"Z" => true,
        [b'+' | b'-', ..] => {
            text.len() == at + 6
                && within(at + 1, 0, 23)
                && text.get(at + 3) == Some(&b':')
                && within(at + 4, 0, 59)
        }
        _ => false,
    }
}

/// A `<delay xmlns='urn:xmpp:delay' stamp from/>` (XEP-0203 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delay {
    /// When the stanza was first sent or received (XEP-0203 §4: in UTC).
    pub stamp: Stamp,
    /// Who delayed it: a server, a room, an archive.
    pub from: Option<Jid>,
}

impl Delay {
    /// Reads a `<delay/>`. The `stamp` is required; an invalid stamp or
    /// `from` is an error. The human-readable reason inside is not kept.
    pub fn parse(element: &Element) -> Result<Delay, ParseError> {
        expect_element(element, "delay", ns::DELAY)?;
        let stamp = element
            .attr("stamp")
            .ok_or(ParseError::MissingAttribute("stamp"))?;
        Ok(Delay {
            stamp: Stamp::parse(stamp)?,
            from: jid_attr(element, "from")?,
        })
    }

    /// The first `<delay/>` child of `stanza`, if there is one.
    pub fn of(stanza: &Element) -> Result<Option<Delay>, ParseError> {
        stanza
            .child("delay", ns::DELAY)
            .map(Delay::parse)
            .transpose()
    }

    pub fn to_element(&self) -> Element {
        Element::new("delay", ns::DELAY)
            .with_opt_attr("from", self.from.as_ref().map(Jid::to_string))
            .with_attr("stamp", self.stamp.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    /// MAM-04: the checklist's stamp, and the shapes XEP-0082 allows.
    #[test]
    fn mam_04_stamps_that_read() {
        for stamp in [
            "2026-01-02T10:00:00Z",
            "2002-09-10T23:08:25.124Z",
            "1969-07-21T02:56:15.000000001Z",
            "2026-01-02T10:00:00+01:00",
            "2026-01-02T10:00:00.5-08:30",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(Stamp::parse(stamp).unwrap().as_str(), stamp);
        }
    }

    #[test]
    fn stamps_that_do_not_read() {
        for stamp in [
            "",
            "2026-01-02",
            "2026-01-02T10:00:00",
            "2026-01-02 10:00:00Z",
            "2026-13-02T10:00:00Z",
            "2026-00-02T10:00:00Z",
            "2026-01-32T10:00:00Z",
            "2026-01-02T24:00:00Z",
            "2026-01-02T10:60:00Z",
            "2026-01-02T10:00:61Z",
            "2026-01-02T10:00:00.Z",
            "2026-01-02T10:00:00+0100",
            "2026-01-02T10:00:00+01:00Z",
            "2026-01-02T10:00:00z",
            "26-01-02T10:00:00Z",
            "2026-01-02T10:00:00ZZ",
            "２026-01-02T10:00:00Z",
            "2026-01-02T10:00:00é",
        ] {
            assert!(Stamp::parse(stamp).is_err(), "{stamp}");
        }
    }

    /// Hostile input: a fraction of a megabyte of digits is refused, and
    /// the error quotes a bounded prefix.
    #[test]
    fn huge_stamp_is_refused() {
        let huge = format!("2026-01-02T10:00:00.{}Z", "1".repeat(1024 * 1024));
        let Err(ParseError::Invalid(message)) = Stamp::parse(&huge) else {
            panic!("accepted");
        };
        assert!(message.len() < 200, "{}", message.len());
    }

    /// CSI-06: a delay a server put on a held-back stanza.
    #[test]
    fn csi_06_reads_a_delay() {
        let presence = test_xml::parse(
            "<presence from='romeo@example.net/orchard'>\
             <delay xmlns='urn:xmpp:delay' from='example.com' stamp='2026-01-02T10:00:00Z'>Held</delay></presence>",
        );
        let delay = Delay::of(&presence).unwrap().unwrap();
        assert_eq!(delay.stamp.as_str(), "2026-01-02T10:00:00Z");
        assert_eq!(delay.from, Some(Jid::new("example.com").unwrap()));
        assert_eq!(
            delay.to_element().to_xml(),
            "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2026-01-02T10:00:00Z'/>"
        );
        assert_eq!(Delay::parse(&delay.to_element()), Ok(delay));
    }

    #[test]
    fn bad_delays() {
        let none = test_xml::parse("<message><body>x</body></message>");
        assert_eq!(Delay::of(&none), Ok(None));
        let no_stamp = test_xml::parse("<delay xmlns='urn:xmpp:delay'/>");
        assert_eq!(
            Delay::parse(&no_stamp),
            Err(ParseError::MissingAttribute("stamp"))
        );
        let bad_from = test_xml::parse(
            "<delay xmlns='urn:xmpp:delay' from='a@@b' stamp='2026-01-02T10:00:00Z'/>",
        );
        assert!(matches!(
            Delay::parse(&bad_from),
            Err(ParseError::InvalidJid { attr: "from", .. })
        ));
        let legacy = test_xml::parse("<x xmlns='jabber:x:delay' stamp='20020910T23:08:25'/>");
        assert!(Delay::parse(&legacy).is_err());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod unix_tests {
    use super::Stamp;

    /// MAM-04, MAM-08: archive stamps become Unix times, and a time
    /// becomes the `start` of an archive query, both ways alike.
    #[test]
    fn stamps_and_unix_seconds() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-01-02T10:00:00Z", 1_767_348_000),
            ("2024-02-29T23:59:59Z", 1_709_251_199),
        ];
        for (text, secs) in cases {
            let stamp = Stamp::parse(text).unwrap();
            assert_eq!(stamp.unix_seconds(), Some(secs), "{text}");
            assert_eq!(Stamp::from_unix(secs).as_str(), text);
        }
        let zoned = Stamp::parse("2026-01-02T11:30:00.123+01:30").unwrap();
        assert_eq!(zoned.unix_seconds(), Some(1_767_348_000));
        let west = Stamp::parse("2026-01-02T05:00:00-05:00").unwrap();
        assert_eq!(west.unix_seconds(), Some(1_767_348_000));
        assert_eq!(Stamp::from_unix(-5).as_str(), "1970-01-01T00:00:00Z");
    }
}
