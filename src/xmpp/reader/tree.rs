//! Tokens to elements: the state of one stream between the header and the
//! closing tag. It keeps the namespace scopes (XML Namespaces §6), the stack
//! of open elements and their names (end tags must match), the text waiting
//! for its element, and the per-stanza caps of SEC-06 (depth, element count,
//! name length). Byte buffering stays in the parent module, start-tag syntax
//! in `tag`, and text decoding in `decode`.

use std::collections::HashMap;

use super::decode::{Mode, decode_attribute, decode_into};
use super::tag::{RawAttribute, each_attribute, is_ncname, split_qname};
use super::{
    MAX_ELEMENTS, MAX_NAME_BYTES, ReaderLimits, StreamEvent, StreamHeader, XmlError, excerpt,
};
use crate::xmpp::element::{Element, Namespace, Text};
use crate::xmpp::lexer::{Token, is_xml_space};
use crate::xmpp::ns;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Before `<stream:stream>`; an XML declaration is still allowed.
    Prolog {
        decl_allowed: bool,
    },
    Open,
    /// The root was `<stream:stream/>`: `End` is due next.
    EmptyRoot,
    Ended,
}

/// What the reader does after one parser event.
pub(super) enum Step {
    Continue,
    /// A top-level item (whitespace) ended: reset the size budget.
    Boundary,
    Emit(StreamEvent),
}

/// Namespace scope undone when an element closes.
struct Frame {
    declared: usize,
    pushed_default: bool,
}

/// Turns parser events into elements: namespace scopes, the stack of open
/// elements and the text waiting to be attached to the innermost one.
pub(super) struct Tree {
    pub(super) phase: Phase,
    pub(super) stack: Vec<Element>,
    frames: Vec<Frame>,
    /// prefix → URIs, innermost declaration last.
    prefixes: HashMap<String, Vec<Namespace>>,
    /// Prefixes declared by the open elements, innermost last.
    declared: Vec<String>,
    /// Default namespaces, innermost last.
    defaults: Vec<Namespace>,
    /// Character data not yet attached to `stack.last()`; adjacent text,
    /// references and CDATA merge here into one node.
    text: String,
    /// The qualified names of the open elements, root first, concatenated;
    /// `name_ends` marks where each ends. End tags must match them.
    names: String,
    name_ends: Vec<usize>,
    /// Scratch space for the attributes of the tag being opened.
    attribute_spans: Vec<RawAttribute>,
    /// Elements in the stanza being read ([`MAX_ELEMENTS`]).
    elements: usize,
    /// The stream header's `xml:lang`: the language of every stanza that
    /// does not name its own (XML 1.0 §2.12; I18N-02, I18N-03).
    pub(super) lang: Option<String>,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            phase: Phase::Prolog { decl_allowed: true },
            stack: Vec::new(),
            frames: Vec::new(),
            prefixes: HashMap::new(),
            declared: Vec::new(),
            defaults: Vec::new(),
            text: String::new(),
            names: String::new(),
            name_ends: Vec::new(),
            attribute_spans: Vec::new(),
            elements: 0,
            lang: None,
        }
    }
}

impl Tree {
    pub(super) fn handle(
        &mut self,
        token: Token<'_>,
        limits: &ReaderLimits,
    ) -> Result<Step, XmlError> {
        match token {
            Token::Start { name, attrs, empty } => self.start(name, attrs, limits, empty),
            Token::End { name } => self.end(name),
            Token::Text(text) => self.chars(text, Mode::Text),
            Token::CData(data) => self.chars(data, Mode::CData),
            Token::Decl => match self.phase {
                Phase::Prolog { decl_allowed: true } => {
                    self.phase = Phase::Prolog {
                        decl_allowed: false,
                    };
                    Ok(Step::Continue)
                }
                _ => Err(XmlError::NotWellFormed(
                    "an XML declaration is only allowed at the start of the stream".into(),
                )),
            },
            Token::Comment => Err(XmlError::Restricted(
                "the server sent a comment, which XMPP forbids (restricted-xml)".into(),
            )),
            Token::Pi { target } => Err(XmlError::Restricted(format!(
                "the server sent a processing instruction (<?{}?>), which XMPP forbids \
                 (restricted-xml)",
                excerpt(target)
            ))),
            Token::DocType => Err(XmlError::Restricted(
                "the server sent a DTD (<!DOCTYPE>), which XMPP forbids (restricted-xml)".into(),
            )),
        }
    }

    fn start(
        &mut self,
        name: &str,
        attrs: &str,
        limits: &ReaderLimits,
        empty: bool,
    ) -> Result<Step, XmlError> {
        match self.phase {
            Phase::Prolog { .. } => self.header(name, attrs, empty),
            Phase::Open => {
                if self.stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                self.elements += 1;
                if self.elements > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements {
                        limit: MAX_ELEMENTS,
                    });
                }
                self.flush_text();
                let element = self.open(name, attrs)?;
                if empty {
                    self.close_scope();
                    Ok(self.attach(element))
                } else {
                    self.stack.push(element);
                    self.push_name(name);
                    Ok(Step::Continue)
                }
            }
            Phase::EmptyRoot | Phase::Ended => Err(content_after_end()),
        }
    }

    fn header(&mut self, name: &str, attrs: &str, empty: bool) -> Result<Step, XmlError> {
        let mut root = self.open(name, attrs)?;
        self.push_name(name);
        if !root.is("stream", ns::STREAM) {
            return Err(XmlError::InvalidNamespace(format!(
                "the stream root is <{}> in namespace '{}', expected <stream> in '{}'",
                excerpt(name),
                excerpt(root.ns()),
                ns::STREAM
            )));
        }
        // RFC 6120 §4.8.2: the content namespace of a client stream.
        match self.defaults.last() {
            None => self.defaults.push(Namespace::from(ns::CLIENT)),
            Some(default) if default.as_str() == ns::CLIENT => {}
            Some(default) => {
                return Err(XmlError::InvalidNamespace(format!(
                    "the stream's default namespace is '{}', expected '{}'",
                    excerpt(default),
                    ns::CLIENT
                )));
            }
        }
        let header = StreamHeader {
            from: root.remove_attr("from"),
            to: root.remove_attr("to"),
            id: root.remove_attr("id"),
            version: root.remove_attr("version"),
            lang: root.remove_attr("xml:lang"),
        };
        self.lang = header.lang.clone();
        // The root's scope stays open for the whole stream.
        self.phase = if empty { Phase::EmptyRoot } else { Phase::Open };
        Ok(Step::Emit(StreamEvent::Header(header)))
    }

    fn end(&mut self, name: &str) -> Result<Step, XmlError> {
        if self.phase == Phase::Open {
            self.pop_name(name)?;
        }
        match self.phase {
            Phase::Open => match self.stack.pop() {
                Some(mut element) => {
                    if !self.text.is_empty() {
                        // Copied, not moved: short text is stored inline and
                        // the scratch buffer keeps its capacity.
                        element.push_text(self.text.as_str());
                        self.text.clear();
                    }
                    self.close_scope();
                    Ok(self.attach(element))
                }
                None => {
                    self.phase = Phase::Ended;
                    Ok(Step::Emit(StreamEvent::End))
                }
            },
            Phase::Prolog { .. } => Err(XmlError::NotWellFormed(
                "an end tag before the stream header".into(),
            )),
            Phase::EmptyRoot | Phase::Ended => Err(content_after_end()),
        }
    }

    fn chars(&mut self, raw: &str, mode: Mode) -> Result<Step, XmlError> {
        match self.phase {
            Phase::Open if !self.stack.is_empty() => {
                decode_into(raw, mode, &mut self.text)?;
                Ok(Step::Continue)
            }
            // A byte-order mark before the header arrives as text.
            Phase::Prolog { .. }
                if raw.trim_start_matches('\u{feff}').bytes().all(is_xml_space) =>
            {
                Ok(Step::Continue)
            }
            _ if raw.bytes().all(is_xml_space) => {
                if self.phase == Phase::Open {
                    Ok(Step::Boundary)
                } else {
                    Ok(Step::Continue)
                }
            }
            _ => Err(self.stray_text(raw)),
        }
    }

    fn push_name(&mut self, name: &str) {
        self.names.push_str(name);
        self.name_ends.push(self.names.len());
    }

    /// Closes the innermost open name, which must be `name` (XML 1.0 §3,
    /// element type match).
    fn pop_name(&mut self, name: &str) -> Result<(), XmlError> {
        let Some(&end) = self.name_ends.last() else {
            return Err(XmlError::NotWellFormed(format!(
                "the end tag </{}> closes nothing",
                excerpt(name)
            )));
        };
        let start = match self.name_ends.len() {
            1 => 0,
            n => self.name_ends[n - 2],
        };
        let open = &self.names[start..end];
        if open != name {
            return Err(XmlError::NotWellFormed(format!(
                "expected </{}>, found </{}>",
                excerpt(open),
                excerpt(name)
            )));
        }
        self.names.truncate(start);
        self.name_ends.pop();
        Ok(())
    }

    fn stray_text(&self, text: &str) -> XmlError {
        match self.phase {
            Phase::Open => XmlError::BadFormat(format!("'{}'", excerpt(text.trim()))),
            Phase::Prolog { .. } => XmlError::NotWellFormed(format!(
                "text before the stream header: '{}'",
                excerpt(text.trim())
            )),
            Phase::EmptyRoot | Phase::Ended => content_after_end(),
        }
    }

    fn flush_text(&mut self) {
        if self.text.is_empty() {
            return;
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.push_text(self.text.as_str());
        }
        self.text.clear();
    }

    fn attach(&mut self, element: Element) -> Step {
        match self.stack.last_mut() {
            Some(parent) => {
                parent.push_child(element);
                Step::Continue
            }
            None => {
                self.elements = 0;
                Step::Emit(StreamEvent::Stanza(element))
            }
        }
    }

    /// Opens the namespace scope of `start` and builds its element, without
    /// children. The caller closes the scope when the element ends.
    fn open(&mut self, qname: &str, attrs: &str) -> Result<Element, XmlError> {
        if qname.len() > MAX_NAME_BYTES {
            return Err(XmlError::NameTooLong {
                limit: MAX_NAME_BYTES,
            });
        }
        let (prefix, local) = split_qname(qname)?;
        // One pass over the raw attributes, kept as offsets into `attrs`:
        // declarations may follow the attributes they bind, so they are
        // applied before any prefix is resolved.
        let mut spans = std::mem::take(&mut self.attribute_spans);
        spans.clear();
        let mut declarations = false;
        each_attribute(qname, attrs, |attribute| {
            let name = &attrs[attribute.name.clone()];
            // A namespace URI is a name too: every element in it keeps one.
            let is_declaration = name.starts_with("xmlns");
            if name.len() > MAX_NAME_BYTES
                || (is_declaration && attribute.value.len() > MAX_NAME_BYTES)
            {
                return Err(XmlError::NameTooLong {
                    limit: MAX_NAME_BYTES,
                });
            }
            declarations |= is_declaration;
            spans.push(attribute);
            Ok(())
        })?;
        let mut frame = Frame {
            declared: 0,
            pushed_default: false,
        };
        if declarations {
            for attribute in &spans {
                let key = &attrs[attribute.name.clone()];
                let raw = &attrs[attribute.value.clone()];
                if key == "xmlns" {
                    let uri = decode_attribute(raw, attribute.plain)?;
                    if frame.pushed_default {
                        return Err(duplicate_attribute(qname));
                    }
                    if uri == ns::XML || uri == NS_XMLNS {
                        return Err(reserved_namespace(&uri));
                    }
                    self.defaults.push(Namespace::intern(&uri));
                    frame.pushed_default = true;
                } else if let Some(declared) = key.strip_prefix("xmlns:") {
                    self.declare(
                        declared,
                        decode_attribute(raw, attribute.plain)?,
                        &mut frame,
                    )?;
                }
            }
        }
        // From here the declarations are undone by `close_scope`. An error
        // in between leaves them dangling, which is harmless: every error
        // ends the stream.
        self.frames.push(frame);
        let mut element = Element::new(local, self.resolve(prefix)?);
        // Raw lengths bound the decoded ones: one allocation holds the whole tag.
        element.reserve_attr_bytes(spans.iter().map(|a| a.name.len() + a.value.len() + 2).sum());
        for (index, attribute) in spans.iter().enumerate() {
            let key = &attrs[attribute.name.clone()];
            if declarations && (key == "xmlns" || key.starts_with("xmlns:")) {
                continue;
            }
            if let Some(colon) = attribute.colon {
                self.resolve(Some(&key[..colon]))?;
            }
            // Names hold no references, so raw names compare as read.
            if spans[..index].iter().any(|a| &attrs[a.name.clone()] == key) {
                return Err(duplicate_attribute(qname));
            }
            let raw = &attrs[attribute.value.clone()];
            if attribute.plain {
                element.push_parsed_attr(key, raw);
            } else {
                element.push_parsed_attr(key, &decode_attribute(raw, false)?);
            }
        }
        self.attribute_spans = spans;
        Ok(element)
    }

    fn declare(&mut self, prefix: &str, uri: Text, frame: &mut Frame) -> Result<(), XmlError> {
        if !is_ncname(prefix) {
            return Err(XmlError::NotWellFormed(format!(
                "`xmlns:{}` does not declare a valid prefix",
                excerpt(prefix)
            )));
        }
        if prefix == "xml" {
            // Always bound; redeclaring it to its own URI is allowed.
            return if uri == ns::XML {
                Ok(())
            } else {
                Err(reserved_namespace(&uri))
            };
        }
        if prefix == "xmlns" || uri == ns::XML || uri == NS_XMLNS {
            return Err(reserved_namespace(&uri));
        }
        if uri.is_empty() {
            return Err(XmlError::NotWellFormed(format!(
                "the prefix `{}` is bound to an empty namespace",
                excerpt(prefix)
            )));
        }
        let first = self.declared.len() - frame.declared;
        if self.declared[first..].iter().any(|p| p == prefix) {
            return Err(XmlError::NotWellFormed(format!(
                "the prefix `{}` is declared twice on one element",
                excerpt(prefix)
            )));
        }
        self.prefixes
            .entry(prefix.to_owned())
            .or_default()
            .push(Namespace::intern(&uri));
        self.declared.push(prefix.to_owned());
        frame.declared += 1;
        Ok(())
    }

    fn close_scope(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.pushed_default {
            self.defaults.pop();
        }
        for _ in 0..frame.declared {
            let Some(prefix) = self.declared.pop() else {
                break;
            };
            if let Some(uris) = self.prefixes.get_mut(&prefix) {
                uris.pop();
                // Drop empty entries so a long session cannot grow the map.
                if uris.is_empty() {
                    self.prefixes.remove(&prefix);
                }
            }
        }
    }

    fn resolve(&self, prefix: Option<&str>) -> Result<Namespace, XmlError> {
        match prefix {
            None => Ok(self.defaults.last().cloned().unwrap_or(Namespace::from(""))),
            Some("xml") => Ok(Namespace::from(ns::XML)),
            Some(prefix) => self
                .prefixes
                .get(prefix)
                .and_then(|uris| uris.last())
                .cloned()
                .ok_or_else(|| XmlError::BadNamespacePrefix(excerpt(prefix))),
        }
    }
}

const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

fn content_after_end() -> XmlError {
    XmlError::NotWellFormed("content after </stream:stream>".into())
}

fn duplicate_attribute(element: &str) -> XmlError {
    XmlError::NotWellFormed(format!("<{}> repeats an attribute", excerpt(element)))
}

fn reserved_namespace(uri: &str) -> XmlError {
    XmlError::NotWellFormed(format!(
        "misuse of the reserved namespace '{}'",
        excerpt(uri)
    ))
}
