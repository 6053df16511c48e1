//! A small owned XML element tree: what the stream reader produces for every
//! top-level child of `<stream:stream>` and what every stanza builder returns.
//!
//! Names are stored as local names with their resolved namespace URI, so code
//! never depends on the prefixes a peer chose. Serialising writes an `xmlns`
//! declaration only where the namespace differs from the parent's, and
//! escapes text and attribute values, so a built element is always
//! well-formed XML.

use std::fmt::{self, Write as _};
use std::ops::Deref;
use std::sync::Arc;

use compact_str::CompactString;

use super::ns;

/// The default namespace of a client stream (RFC 3920 §4.4).
pub const NS_CLIENT: &str = "jabber:client";

/// A short string stored inline when it fits (24 bytes): element and
/// attribute names and most attribute values and text nodes of a stanza
/// never touch the allocator.
pub type Text = CompactString;

/// One child of an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(Text),
}

/// A namespace URI. The well-known ones are `'static` and others are shared,
/// so giving every parsed element its namespace costs no allocation.
#[derive(Clone)]
pub struct Namespace(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Namespace {
    /// The namespace for `uri`, without allocating when it is well known.
    pub fn intern(uri: &str) -> Namespace {
        match ns::well_known(uri) {
            Some(known) => Namespace(Repr::Static(known)),
            None => Namespace(Repr::Shared(Arc::from(uri))),
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(uri) => uri,
            Repr::Shared(uri) => uri,
        }
    }
}

impl Deref for Namespace {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Namespace {
    fn from(uri: &'static str) -> Self {
        Namespace(Repr::Static(uri))
    }
}

impl From<String> for Namespace {
    fn from(uri: String) -> Self {
        Namespace::intern(&uri)
    }
}

impl From<&Namespace> for Namespace {
    fn from(uri: &Namespace) -> Self {
        uri.clone()
    }
}

impl PartialEq for Namespace {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Namespace {}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// An XML element with resolved namespace, attributes in document order and
/// children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// The local name, then each attribute as `\0name\0value`: one string, so a tag costs
    /// one allocation at most (none when it fits inline). XML cannot carry NUL, and NULs in
    /// values set by code are dropped, so the separator is never part of a name or value.
    tag: Text,
    ns: Namespace,
    children: Vec<Node>,
}

/// Separates the name and the attributes in [`Element::tag`].
const SEP: char = '\0';

impl Element {
    /// An empty element `name` in namespace `ns`.
    pub fn new(name: impl Into<Text>, ns: impl Into<Namespace>) -> Self {
        let mut tag = name.into();
        if tag.contains(SEP) {
            tag.retain(|c| c != SEP);
        }
        Element {
            tag,
            ns: ns.into(),
            children: Vec::new(),
        }
    }

    /// Local name, without prefix.
    pub fn name(&self) -> &str {
        match memchr::memchr(0, self.tag.as_bytes()) {
            Some(end) => &self.tag[..end],
            None => &self.tag,
        }
    }

    /// Resolved namespace URI.
    pub fn ns(&self) -> &str {
        &self.ns
    }

    /// The namespace, for building an element in the same one.
    pub fn namespace(&self) -> &Namespace {
        &self.ns
    }

    /// True when the element has this local name and namespace.
    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name() == name && self.ns.as_str() == ns
    }

    /// Builder form of [`Element::set_attr`].
    pub fn with_attr(mut self, name: impl Into<Text>, value: impl Into<Text>) -> Self {
        self.set_attr(name, value);
        self
    }

    /// Builder form that sets the attribute only when `value` is `Some`.
    pub fn with_opt_attr(mut self, name: impl Into<Text>, value: Option<impl Into<Text>>) -> Self {
        if let Some(value) = value {
            self.set_attr(name, value);
        }
        self
    }

    /// Builder form of [`Element::push_child`].
    pub fn with_child(mut self, child: Element) -> Self {
        self.push_child(child);
        self
    }

    /// Builder form of [`Element::push_text`].
    pub fn with_text(mut self, text: impl Into<Text>) -> Self {
        self.push_text(text);
        self
    }

    /// Sets or replaces an attribute. `name` is the qualified name as written
    /// (`xml:lang` keeps its prefix).
    pub fn set_attr(&mut self, name: impl Into<Text>, value: impl Into<Text>) {
        let name = name.into();
        let value = value.into();
        if self.attr(&name).is_some() {
            self.rebuild_attrs(|n, v| Some(if n == name { value.clone() } else { v.into() }));
        } else {
            self.push_attr(&name, &value);
        }
    }

    /// Makes room for attributes whose names and values total `bytes`.
    pub(crate) fn reserve_attr_bytes(&mut self, bytes: usize) {
        self.tag.reserve(bytes);
    }

    /// Appends an attribute read from XML, which the caller knows is not set yet: XML carries
    /// no NUL, so neither part holds one.
    pub(crate) fn push_parsed_attr(&mut self, name: &str, value: &str) {
        debug_assert!(!name.contains(SEP) && !value.contains(SEP));
        self.tag.push(SEP);
        self.tag.push_str(name);
        self.tag.push(SEP);
        self.tag.push_str(value);
    }

    /// Appends an attribute the caller knows is not set yet.
    fn push_attr(&mut self, name: &str, value: &str) {
        for part in [name, value] {
            self.tag.push(SEP);
            if part.contains(SEP) {
                self.tag.extend(part.chars().filter(|&c| c != SEP));
            } else {
                self.tag.push_str(part);
            }
        }
    }

    /// Removes an attribute, returning its value.
    pub fn remove_attr(&mut self, name: &str) -> Option<String> {
        let value = self.attr(name)?.to_owned();
        self.rebuild_attrs(|n, v| (n != name).then(|| v.into()));
        Some(value)
    }

    /// Rewrites the attributes, each with the value `keep` returns (`None` drops it).
    fn rebuild_attrs(&mut self, keep: impl Fn(&str, &str) -> Option<Text>) {
        let attrs: Vec<(Text, Text)> = self
            .attrs()
            .filter_map(|(n, v)| Some((Text::from(n), keep(n, v)?)))
            .collect();
        self.tag = Text::from(self.name());
        for (name, value) in &attrs {
            self.push_attr(name, value);
        }
    }

    pub fn push_child(&mut self, child: Element) {
        self.reserve_first_child();
        self.children.push(Node::Element(child));
    }

    /// Most elements hold one child or none (a group's text, a body): room for exactly one
    /// instead of `Vec`'s first four keeps a parsed 5,000-item roster megabytes smaller.
    fn reserve_first_child(&mut self) {
        if self.children.capacity() == 0 {
            self.children.reserve_exact(1);
        }
    }

    /// Removes and returns the first child element `wanted` accepts.
    pub fn take_child(&mut self, wanted: impl Fn(&Element) -> bool) -> Option<Element> {
        let index = self
            .children
            .iter()
            .position(|node| matches!(node, Node::Element(e) if wanted(e)))?;
        match self.children.remove(index) {
            Node::Element(element) => Some(element),
            Node::Text(_) => None,
        }
    }

    /// The child elements by value, text dropped: each is freed as soon as the caller is done
    /// with it.
    pub fn into_children(self) -> impl Iterator<Item = Element> {
        self.children.into_iter().filter_map(|node| match node {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Appends text, merging with a preceding text node.
    pub fn push_text(&mut self, text: impl Into<Text>) {
        let text = text.into();
        if text.is_empty() {
            return;
        }
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(&text);
        } else {
            self.reserve_first_child();
            self.children.push(Node::Text(text));
        }
    }

    /// Value of an attribute by qualified name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs().find(|&(n, _)| n == name).map(|(_, v)| v)
    }

    /// All attributes in document order.
    pub fn attrs(&self) -> impl Iterator<Item = (&str, &str)> {
        // Split with memchr: attribute lookups are on every stanza's path.
        let mut rest = memchr::memchr(0, self.tag.as_bytes()).map(|at| &self.tag[at + 1..]);
        let mut next_part = move || {
            let text = rest?;
            Some(match memchr::memchr(0, text.as_bytes()) {
                Some(at) => {
                    rest = Some(&text[at + 1..]);
                    &text[..at]
                }
                None => {
                    rest = None;
                    text
                }
            })
        };
        std::iter::from_fn(move || Some((next_part()?, next_part()?)))
    }

    /// The `xml:lang` attribute of this element itself (not inherited).
    pub fn lang(&self) -> Option<&str> {
        self.attr("xml:lang")
    }

    /// All child nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.children
    }

    /// Child elements, skipping text.
    pub fn children(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|node| match node {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements with this name and namespace.
    pub fn children_named<'a>(
        &'a self,
        name: &'a str,
        ns: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children().filter(move |e| e.is(name, ns))
    }

    /// The first child element with this name and namespace.
    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.children().find(|e| e.is(name, ns))
    }

    /// True when a child element with this name and namespace exists.
    pub fn has_child(&self, name: &str, ns: &str) -> bool {
        self.child(name, ns).is_some()
    }

    /// The concatenated text of the direct text children; nested markup is
    /// ignored (SYN-06: "take the text content and ignore stray markup").
    pub fn text(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            if let Node::Text(t) = node {
                out.push_str(t);
            }
        }
        out
    }

    /// Text of the first matching child, if that child exists.
    pub fn child_text(&self, name: &str, ns: &str) -> Option<String> {
        self.child(name, ns).map(Element::text)
    }

    /// Serialises as a top-level stanza of a client stream: the element's
    /// namespace is declared only when it is not `jabber:client`.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(128);
        self.write_into(&mut out, NS_CLIENT);
        out
    }

    /// Serialises into `out`, given the namespace in scope at the parent.
    pub fn write_into(&self, out: &mut String, parent_ns: &str) {
        out.push('<');
        out.push_str(self.name());
        if self.ns.as_str() != parent_ns {
            out.push_str(" xmlns='");
            escape_into(out, &self.ns, true);
            out.push('\'');
        }
        for (name, value) in self.attrs() {
            // A prefixed attribute came with a namespace declaration we do
            // not keep; writing it would be an unbound prefix, which a
            // server answers by closing the stream. Only xml:* is bound.
            if name.contains(':') && !name.starts_with("xml:") {
                continue;
            }
            let _ = write!(out, " {name}='");
            escape_into(out, value, true);
            out.push('\'');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for node in &self.children {
            match node {
                Node::Element(child) => child.write_into(out, self.ns.as_str()),
                Node::Text(text) => escape_into(out, text, false),
            }
        }
        out.push_str("</");
        out.push_str(self.name());
        out.push('>');
    }
}

/// Escapes `text` for XML character data (`in_attribute == false`) or a
/// single-quoted attribute value. Characters XML 1.0 cannot carry at all
/// (C0 controls other than tab, LF, CR) are dropped, because no escape makes
/// them legal and a peer would close the stream on them.
pub fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\t' | '\n' | '\r' if in_attribute => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            // A raw CR would come back as LF (XML line-end normalisation).
            '\r' => out.push_str("&#xd;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// Escapes a string, returning a new one.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, true);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn serialises_nested_namespaces_once() {
        let iq = Element::new("iq", NS_CLIENT)
            .with_attr("type", "get")
            .with_attr("id", "r1")
            .with_child(
                Element::new("query", "jabber:iq:roster")
                    .with_child(Element::new("item", "jabber:iq:roster").with_attr("jid", "a@b")),
            );
        assert_eq!(
            iq.to_xml(),
            "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>"
        );
    }

    #[test]
    fn escapes_text_and_attributes() {
        let body = Element::new("body", NS_CLIENT)
            .with_attr("x", "it's \"<&>\"")
            .with_text("a < b & c > d 'q'");
        assert_eq!(
            body.to_xml(),
            "<body x='it&apos;s &quot;&lt;&amp;&gt;&quot;'>a &lt; b &amp; c &gt; d 'q'</body>"
        );
    }

    #[test]
    fn drops_characters_xml_cannot_carry() {
        let body = Element::new("body", NS_CLIENT).with_text("a\u{1b}[2Jb\u{0}c\td");
        assert_eq!(body.to_xml(), "<body>a[2Jbc\td</body>");
    }

    #[test]
    fn text_ignores_nested_markup() {
        let body = Element::new("body", NS_CLIENT)
            .with_text("one ")
            .with_child(Element::new("b", NS_CLIENT).with_text("bold"))
            .with_text("two");
        assert_eq!(body.text(), "one two");
    }

    #[test]
    fn set_attr_replaces() {
        let mut e = Element::new("x", "urn:x").with_attr("a", "1");
        e.set_attr("a", "2");
        assert_eq!(e.attr("a"), Some("2"));
        assert_eq!(e.attrs().count(), 1);
        assert_eq!(e.remove_attr("a").as_deref(), Some("2"));
        assert_eq!(e.attr("a"), None);
    }

    #[test]
    fn attributes_keep_their_order_and_empty_values() {
        let mut e = Element::new("item", "jabber:iq:roster")
            .with_attr("jid", "a@b")
            .with_attr("name", "")
            .with_attr("subscription", "both");
        assert_eq!(e.name(), "item");
        assert_eq!(
            e.attrs().collect::<Vec<_>>(),
            [("jid", "a@b"), ("name", ""), ("subscription", "both")]
        );
        assert_eq!(e.attr("name"), Some(""));
        assert_eq!(e.attr("na"), None);
        e.set_attr("name", "Romeo");
        e.set_attr("ask", "subscribe");
        assert_eq!(e.remove_attr("jid").as_deref(), Some("a@b"));
        assert_eq!(
            e.attrs().collect::<Vec<_>>(),
            [
                ("name", "Romeo"),
                ("subscription", "both"),
                ("ask", "subscribe")
            ]
        );
        assert_eq!(
            e.to_xml(),
            "<item xmlns='jabber:iq:roster' name='Romeo' subscription='both' ask='subscribe'/>"
        );
    }

    /// NUL separates the packed name and attributes; one inside a value set by code is
    /// dropped, as serialising would drop it, and cannot shift the other attributes.
    #[test]
    fn a_nul_in_a_value_cannot_forge_an_attribute() {
        let e = Element::new("x\0y", NS_CLIENT)
            .with_attr("a", "1\0b\0z")
            .with_attr("c\0", "3");
        assert_eq!(e.name(), "xy");
        assert_eq!(e.attrs().collect::<Vec<_>>(), [("a", "1bz"), ("c", "3")]);
        assert_eq!(e.attr("b"), None);
    }

    #[test]
    fn takes_children_out() {
        let mut iq = Element::new("iq", NS_CLIENT)
            .with_text("  ")
            .with_child(Element::new("error", NS_CLIENT))
            .with_child(Element::new("query", "urn:q").with_text("t"))
            .with_child(Element::new("query", "urn:q").with_attr("n", "2"));
        let query = iq.take_child(|e| e.name() == "query").unwrap();
        assert_eq!(query.text(), "t");
        assert!(iq.take_child(|e| e.name() == "nothing").is_none());
        let rest: Vec<Element> = iq.into_children().collect();
        assert_eq!(rest.len(), 2);
        assert_eq!(rest[0].name(), "error");
        assert_eq!(rest[1].attr("n"), Some("2"));
    }

    #[test]
    fn a_single_child_takes_room_for_one() {
        let group = Element::new("group", "jabber:iq:roster").with_text("Friends");
        assert_eq!(group.children.capacity(), 1);
        let item = Element::new("item", "jabber:iq:roster")
            .with_child(group.clone())
            .with_child(group);
        assert_eq!(item.children().count(), 2);
    }
}
