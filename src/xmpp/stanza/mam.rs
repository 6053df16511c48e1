//! Message archive management, `urn:xmpp:mam:2` (XEP-0313; checklist §8,
//! MAM-01..18): the `<query/>` that asks an archive for a page (filter form
//! and RSM `<set/>`, see `rsm.rs`), the `<result/>` messages that carry the
//! archived messages, and the `<fin/>` that ends a page. The older
//! `urn:xmpp:mam:0`/`:1` namespaces are never sent nor read, and archive
//! preferences (XEP-0441) are not handled.
//!
//! A result is trusted only when it comes from the archive that was asked
//! and names a query still open (MAM-03): [`result_from_archive`] checks the
//! first half, the caller the second. Paging, catch-up and deduplication
//! belong to the session and the app; this module must not import
//! `crate::app` or `crate::ui`.

use jid::{BareJid, Jid};

use super::delay::Stamp;
use super::forward::Forwarded;
use super::rsm::{SetQuery, SetResult};
use super::{ParseError, expect_element, expect_stanza, id_attr};
use crate::xmpp::element::Element;
use crate::xmpp::{id, ns};

/// A query for one page of an archive (XEP-0313 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MamQuery {
    /// MAM-02: unpredictable and new for every query; results echo it.
    pub queryid: String,
    /// Only messages exchanged with this JID (MAM-12; rooms ignore it).
    pub with: Option<Jid>,
    /// Only messages at or after this time (MAM-08).
    pub start: Option<Stamp>,
    /// Only messages at or before this time.
    pub end: Option<Stamp>,
    /// Only after this archive id: needs `urn:xmpp:mam:2#extended`
    /// (MAM-01, MAM-13). Plain archives page with the RSM `<after/>`.
    pub after_id: Option<String>,
    /// Only before this archive id: needs `#extended` too.
    pub before_id: Option<String>,
    /// The RSM page wanted.
    pub page: SetQuery,
}

/// MAM-02: a fresh query id, 128 random bits in hex.
pub fn new_queryid() -> String {
    id::random_hex(16)
}

/// A `<field var><value/></field>` of a submitted form.
fn field(var: &str, value: &str) -> Element {
    Element::new("field", ns::DATA_FORMS)
        .with_attr("var", var)
        .with_child(Element::new("value", ns::DATA_FORMS).with_text(value))
}

impl MamQuery {
    /// A query with id `queryid` for the whole archive, server-sized page.
    pub fn new(queryid: impl Into<String>) -> MamQuery {
        MamQuery {
            queryid: queryid.into(),
            with: None,
            start: None,
            end: None,
            after_id: None,
            before_id: None,
            page: SetQuery::default(),
        }
    }

    /// True when the query uses fields only `urn:xmpp:mam:2#extended`
    /// archives know (MAM-01): don't send it to one that does not.
    pub fn needs_extended(&self) -> bool {
        self.after_id.is_some() || self.before_id.is_some()
    }

    /// The `<query/>` payload of the IQ set (MAM-02: to our own archive
    /// without `to`, to a room with the room's bare JID, MAM-14).
    ///
    /// MAM-13: the filter form is sent only when a filter is set, as
    /// `type='submit'` with the hidden `FORM_TYPE` first; the RSM `<set/>`
    /// follows it, when it asks for anything.
    pub fn to_element(&self) -> Element {
        let mut query = Element::new("query", ns::MAM).with_attr("queryid", self.queryid.clone());
        let filters = [
            ("with", self.with.as_ref().map(Jid::to_string)),
            ("start", self.start.as_ref().map(|s| s.as_str().to_owned())),
            ("end", self.end.as_ref().map(|s| s.as_str().to_owned())),
            ("after-id", self.after_id.clone()),
            ("before-id", self.before_id.clone()),
        ];
        if filters.iter().any(|(_, value)| value.is_some()) {
            let mut form = Element::new("x", ns::DATA_FORMS)
                .with_attr("type", "submit")
                .with_child(field("FORM_TYPE", ns::MAM).with_attr("type", "hidden"));
            for (var, value) in &filters {
                if let Some(value) = value {
                    form.push_child(field(var, value));
                }
            }
            query.push_child(form);
        }
        if !self.page.is_empty() {
            query.push_child(self.page.to_element());
        }
        query
    }
}

/// MAM-03 (a): true when a result's outer `from` is the archive that was
/// asked. Our own archive (`archive == own`) sends results from our bare JID
/// or with no `from` at all (Prosody); a room's archive from the room's
/// bare JID. Anything else is forged history.
pub fn result_from_archive(from: Option<&Jid>, archive: &BareJid, own: &BareJid) -> bool {
    match from {
        None => archive == own,
        Some(from) => from == archive,
    }
}

/// One archived message: a `<result/>` from an archive (XEP-0313 §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchivedMessage {
    /// The `queryid` of the query it answers (MAM-03 (b)); a result without
    /// one matches no query of ours.
    pub queryid: Option<String>,
    /// MAM-04 / SID-04: the archive id, the paging cursor and dedup key.
    pub id: String,
    /// MAM-04: when the message was archived, from the forwarded delay.
    pub stamp: Stamp,
    /// The message itself, with that delay.
    pub forwarded: Forwarded,
}

impl ArchivedMessage {
    /// Reads the archive result in `message`, a `<message/>` stanza:
    /// `Ok(None)` when it holds no `<result/>`.
    ///
    /// MAM-04: a result has an `id` and exactly one `<forwarded/>`, with a
    /// `<delay stamp/>` and one `<message/>`; anything else, or two
    /// results in one stanza, is an error, and the caller drops the stanza.
    /// Does *not* check who sent it: see [`result_from_archive`].
    pub fn parse(message: &Element) -> Result<Option<ArchivedMessage>, ParseError> {
        expect_stanza(message, "message")?;
        let mut results = message.children_named("result", ns::MAM);
        let Some(result) = results.next() else {
            return Ok(None);
        };
        if results.next().is_some() {
            return Err(ParseError::Invalid(
                "a message holds more than one archive result".into(),
            ));
        }
        let id = id_attr(result, "id").ok_or(ParseError::MissingAttribute("id"))?;
        let mut forwards = result.children_named("forwarded", ns::FORWARD);
        let (Some(forwarded), None) = (forwards.next(), forwards.next()) else {
            return Err(ParseError::Invalid(
                "an archive result must hold exactly one forwarded element".into(),
            ));
        };
        let forwarded = Forwarded::parse(forwarded)?;
        let stamp = forwarded
            .delay
            .as_ref()
            .map(|delay| delay.stamp.clone())
            .ok_or_else(|| ParseError::Invalid("an archive result without a delay".into()))?;
        Ok(Some(ArchivedMessage {
            queryid: id_attr(result, "queryid"),
            id,
            stamp,
            forwarded,
        }))
    }

    /// The `<result/>` element, as an archive sends it.
    pub fn to_element(&self) -> Element {
        Element::new("result", ns::MAM)
            .with_opt_attr("queryid", self.queryid.clone())
            .with_attr("id", self.id.clone())
            .with_child(self.forwarded.to_element())
    }
}

/// The `<fin/>` in the IQ result that ends a page (XEP-0313 §4.3, MAM-05).
/// It always comes after the page's last result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fin {
    /// Nothing more in the direction paged: the end (forwards) or the start
    /// (backwards, MAM-12) of the archive.
    pub complete: bool,
    /// `false`: the archive may still change this page; don't keep it as
    /// final, query it again later.
    pub stable: bool,
    /// The page's first and last ids, the cursors for the next query.
    pub set: SetResult,
}

/// An `xs:boolean` attribute: `Some(true)` for `true`/`1`, `Some(false)`
/// for `false`/`0`, `None` when absent; anything else is `Some(invalid)`.
fn boolean(element: &Element, attr: &str, invalid: bool) -> Option<bool> {
    element.attr(attr).map(|value| match value {
        "true" | "1" => true,
        "false" | "0" => false,
        _ => invalid,
    })
}

impl Fin {
    /// Reads a `<fin/>`. Lenient where being wrong is cheap: a missing RSM
    /// `<set/>` is an empty one. Cautious where it is not: `complete` that
    /// is not a readable `true` means more pages, and `stable` that is
    /// there but unreadable means unstable.
    pub fn parse(element: &Element) -> Result<Fin, ParseError> {
        expect_element(element, "fin", ns::MAM)?;
        let set = match element.child("set", ns::RSM) {
            Some(set) => SetResult::parse(set)?,
            None => SetResult::default(),
        };
        Ok(Fin {
            complete: boolean(element, "complete", false).unwrap_or(false),
            stable: boolean(element, "stable", false).unwrap_or(true),
            set,
        })
    }

    pub fn to_element(&self) -> Element {
        Element::new("fin", ns::MAM)
            .with_opt_attr("complete", self.complete.then_some("true"))
            .with_opt_attr("stable", (!self.stable).then_some("false"))
            .with_child(self.set.to_element())
    }
}

#[cfg(test)]
#[path = "mam_tests.rs"]
mod tests;
