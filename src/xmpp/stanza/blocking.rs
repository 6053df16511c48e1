//! The blocking command, `urn:xmpp:blocking` (XEP-0191 "Blocking Command";
//! checklist §8, BLK-01..07): building the blocklist get and the block and
//! unblock sets, reading the blocklist and pushes, and matching a JID
//! against the blocklist as the server does.
//!
//! Syntax and pure matching only; keeping the blocklist and answering
//! pushes belong to the session and `crate::app`, which this module must
//! not import (nor `crate::ui`). The error a blocked send comes back with
//! (BLK-06, `urn:xmpp:blocking:errors`) is read by the stanza error code.

use std::collections::HashSet;

use jid::Jid;

use super::privacy::jid_matches;
use super::{ParseError, quoted};
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// BLK-02: asks for the blocklist. Fetch it before any block or unblock;
/// the server only sends pushes to resources that did.
pub fn get_blocklist() -> Element {
    Element::new("blocklist", ns::BLOCKING)
}

/// `<name xmlns='urn:xmpp:blocking'>` with one `<item jid/>` per JID.
fn with_items(name: &str, jids: &[Jid]) -> Element {
    let mut element = Element::new(name, ns::BLOCKING);
    for jid in jids {
        element.push_child(Element::new("item", ns::BLOCKING).with_attr("jid", jid.to_string()));
    }
    element
}

/// BLK-03: blocks `jids`. Callers never pass an empty slice: a `<block/>`
/// without items is answered with `bad-request`.
pub fn block(jids: &[Jid]) -> Element {
    with_items("block", jids)
}

/// BLK-04: unblocks `jids`. An empty slice unblocks *everyone*; ask the
/// user before sending that.
pub fn unblock(jids: &[Jid]) -> Element {
    with_items("unblock", jids)
}

fn expect(element: &Element, name: &str) -> Result<(), ParseError> {
    if element.is(name, ns::BLOCKING) {
        Ok(())
    } else {
        Err(ParseError::Invalid(format!(
            "expected <{name}/> in {}, got <{}/> in {}",
            ns::BLOCKING,
            quoted(element.name()),
            quoted(element.ns())
        )))
    }
}

/// The JIDs of `element`'s items in document order, without repeats,
/// skipping (with a warning) items whose `jid` is missing or invalid, and
/// how many items there were in all.
fn item_jids(element: &Element) -> (Vec<Jid>, usize) {
    let mut jids: Vec<Jid> = Vec::new();
    // A set, so a hostile list with many items stays linear.
    let mut seen: HashSet<Jid> = HashSet::new();
    let mut count = 0;
    for item in element.children_named("item", ns::BLOCKING) {
        count += 1;
        let Some(value) = item.attr("jid") else {
            tracing::warn!("blocking: skipping an item without a jid");
            continue;
        };
        match Jid::new(value) {
            Ok(jid) => {
                if seen.insert(jid.clone()) {
                    jids.push(jid);
                }
            }
            Err(error) => tracing::warn!(
                %error,
                jid = %quoted(value),
                "blocking: skipping an item with an invalid jid"
            ),
        }
    }
    (jids, count)
}

/// Reads the answer to [`get_blocklist`] (BLK-02). One bad item never costs
/// the user the rest of the list: it is skipped with a warning.
pub fn parse_blocklist(element: &Element) -> Result<Vec<Jid>, ParseError> {
    expect(element, "blocklist")?;
    Ok(item_jids(element).0)
}

/// A block or unblock push (BLK-05).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockPush {
    /// Add these to the blocklist; never empty.
    Block(Vec<Jid>),
    /// Remove these; empty means the whole list was cleared.
    Unblock(Vec<Jid>),
}

/// Reads a push (BLK-05); the caller answers it with a result.
///
/// A push whose items all have bad JIDs is an error rather than an empty
/// unblock, which would read as "unblock everyone". A block push without
/// items is an error too: nothing would be blocked.
pub fn parse_push(element: &Element) -> Result<BlockPush, ParseError> {
    let push = if element.is("block", ns::BLOCKING) {
        BlockPush::Block
    } else {
        expect(element, "unblock")?;
        BlockPush::Unblock
    };
    let (jids, count) = item_jids(element);
    if jids.is_empty() && (count > 0 || element.name() == "block") {
        return Err(ParseError::Invalid(format!(
            "a {} push holds no valid item ({count} in all)",
            element.name()
        )));
    }
    Ok(push(jids))
}

/// BLK-07: true when some entry of `blocklist` covers `candidate`, as the
/// server matches: a domain entry blocks the whole domain, a bare entry
/// every resource of that account, a full entry only that resource (and
/// `domain/resource` that resource anywhere in the domain).
pub fn is_blocked(blocklist: &[Jid], candidate: &Jid) -> bool {
    blocklist.iter().any(|entry| jid_matches(entry, candidate))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::iq::Iq;
    use crate::xmpp::stanza::test_xml;

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    fn with_id(mut iq: Iq, id: &str) -> String {
        iq.id = id.into();
        iq.to_element().to_xml()
    }

    /// BLK-02: the request, byte for byte, and the checklist's answer.
    #[test]
    fn blk_02_get_and_parse_blocklist() {
        assert_eq!(
            with_id(Iq::get(get_blocklist()), "bl1"),
            "<iq type='get' id='bl1'><blocklist xmlns='urn:xmpp:blocking'/></iq>"
        );
        let iq = Iq::parse(&test_xml::parse(
            "<iq type='result' id='bl1'><blocklist xmlns='urn:xmpp:blocking'>\
             <item jid='tybalt@example.com'/></blocklist></iq>",
        ))
        .unwrap();
        assert_eq!(
            parse_blocklist(iq.payload.as_ref().unwrap()).unwrap(),
            vec![jid("tybalt@example.com")]
        );
    }

    /// BLK-02: bad items are skipped, repeats collapse, an empty list is
    /// fine.
    #[test]
    fn blk_02_blocklist_skips_bad_items() {
        let list = test_xml::parse(
            "<blocklist xmlns='urn:xmpp:blocking'><item jid='a@@b'/><item/>\
             <item jid='Tybalt@Example.com'/><item jid='example.org'/><item jid='tybalt@example.com'/>\
             <other jid='x@y'/></blocklist>",
        );
        assert_eq!(
            parse_blocklist(&list).unwrap(),
            vec![jid("tybalt@example.com"), jid("example.org")]
        );
        let empty = test_xml::parse("<blocklist xmlns='urn:xmpp:blocking'/>");
        assert_eq!(parse_blocklist(&empty).unwrap(), Vec::<Jid>::new());
        let wrong = Element::new("blocklist", ns::PRIVACY);
        assert_eq!(
            parse_blocklist(&wrong),
            Err(ParseError::Invalid(
                "expected <blocklist/> in urn:xmpp:blocking, got <blocklist/> in jabber:iq:privacy"
                    .into()
            ))
        );
    }

    /// BLK-03: the checklist's block, byte for byte.
    #[test]
    fn blk_03_block() {
        assert_eq!(
            with_id(Iq::set(block(&[jid("tybalt@example.com")])), "block1"),
            "<iq type='set' id='block1'><block xmlns='urn:xmpp:blocking'><item jid='tybalt@example.com'/></block></iq>"
        );
        assert_eq!(
            block(&[jid("a@example.com"), jid("example.org/bot")]).to_xml(),
            "<block xmlns='urn:xmpp:blocking'><item jid='a@example.com'/><item jid='example.org/bot'/></block>"
        );
    }

    /// BLK-04: unblock some, and unblock all with an empty element.
    #[test]
    fn blk_04_unblock() {
        assert_eq!(
            with_id(Iq::set(unblock(&[])), "unblock2"),
            "<iq type='set' id='unblock2'><unblock xmlns='urn:xmpp:blocking'/></iq>"
        );
        assert_eq!(
            unblock(&[jid("tybalt@example.com")]).to_xml(),
            "<unblock xmlns='urn:xmpp:blocking'><item jid='tybalt@example.com'/></unblock>"
        );
    }

    /// BLK-05: the checklist's unblock push, and our answer.
    #[test]
    fn blk_05_unblock_push() {
        let iq = Iq::parse(&test_xml::parse(
            "<iq type='set' id='push3'><unblock xmlns='urn:xmpp:blocking'>\
             <item jid='tybalt@example.com'/></unblock></iq>",
        ))
        .unwrap();
        assert_eq!(
            parse_push(iq.payload.as_ref().unwrap()),
            Ok(BlockPush::Unblock(vec![jid("tybalt@example.com")]))
        );
        assert_eq!(
            Iq::result_for(&iq, None).to_element().to_xml(),
            "<iq type='result' id='push3'/>"
        );
    }

    /// BLK-05: block pushes add, an empty unblock push clears.
    #[test]
    fn blk_05_block_and_clear_pushes() {
        let block = test_xml::parse(
            "<block xmlns='urn:xmpp:blocking'><item jid='a@example.com'/><item jid='bad@@'/></block>",
        );
        assert_eq!(
            parse_push(&block),
            Ok(BlockPush::Block(vec![jid("a@example.com")]))
        );
        let clear = test_xml::parse("<unblock xmlns='urn:xmpp:blocking'/>");
        assert_eq!(parse_push(&clear), Ok(BlockPush::Unblock(Vec::new())));
    }

    /// BLK-05: a push whose items are all bad never reads as "unblock
    /// all", and an empty block push is refused.
    #[test]
    fn blk_05_bad_pushes() {
        let bad_unblock = test_xml::parse(
            "<unblock xmlns='urn:xmpp:blocking'><item jid='a@@b'/><item/></unblock>",
        );
        assert_eq!(
            parse_push(&bad_unblock),
            Err(ParseError::Invalid(
                "a unblock push holds no valid item (2 in all)".into()
            ))
        );
        let empty_block = test_xml::parse("<block xmlns='urn:xmpp:blocking'/>");
        assert!(parse_push(&empty_block).is_err());
        let blocklist = test_xml::parse("<blocklist xmlns='urn:xmpp:blocking'/>");
        assert!(parse_push(&blocklist).is_err());
        let other_ns = Element::new("block", ns::PRIVACY);
        assert!(parse_push(&other_ns).is_err());
    }

    /// BLK-07: domain entries block the domain, bare entries every
    /// resource, full entries one resource.
    #[test]
    fn blk_07_matching() {
        let list = [
            jid("example.org"),
            jid("tybalt@example.com"),
            jid("nurse@example.com/kitchen"),
        ];
        let blocked = |s: &str| is_blocked(&list, &jid(s));
        assert!(blocked("example.org"));
        assert!(blocked("anyone@example.org/x"));
        assert!(!blocked("conference.example.org"));
        assert!(blocked("tybalt@example.com"));
        assert!(blocked("tybalt@example.com/sword"));
        assert!(blocked("nurse@example.com/kitchen"));
        assert!(!blocked("nurse@example.com/garden"));
        assert!(!blocked("nurse@example.com"));
        assert!(!blocked("romeo@example.com"));
        assert!(!blocked("example.com"));
        assert!(!is_blocked(&[], &jid("tybalt@example.com")));
    }

    /// Hostile input: 10,000 items read without trouble.
    #[test]
    fn ten_thousand_items() {
        let mut list = Element::new("blocklist", ns::BLOCKING);
        for n in 0..10_000 {
            list.push_child(
                Element::new("item", ns::BLOCKING).with_attr("jid", format!("u{n}@example.com")),
            );
        }
        assert_eq!(parse_blocklist(&list).unwrap().len(), 10_000);
    }
}
