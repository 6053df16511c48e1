//! Contact cards, vcard-temp (XEP-0054; checklist §5, VCARD-01…10).
//!
//! A [`VCard`] is the card as the server holds it: every child of the
//! `<vCard/>`, known or not, in its order, so an edit sends the whole card
//! back with only the edited field changed (VCARD-04: there are no partial
//! updates, and elements we do not know must survive). [`VCard::card`]
//! reads the typed view of it ([`Card`]) that the app shows, every value
//! capped ([`MAX_FIELD_BYTES`], [`MAX_TEXT_BYTES`], [`MAX_REPEATED`]) and
//! the photo reduced to its type and size, never decoded (VCARD-08). A card
//! larger than [`MAX_CARD_BYTES`] is refused whole.
//!
//! What we write follows VCARD-05 exactly: the wrapper `<vCard/>`, child
//! names in upper case, the number of a `<TEL/>` in `<NUMBER/>`, the
//! address of an `<EMAIL/>` in `<USERID/>`. Reading accepts names in any
//! case, as some clients write them. Syntax only: when to fetch and what a
//! missing card means is the app's (`crate::app::vcard`).

use crate::xmpp::cap::cut_owned;
use crate::xmpp::element::{Element, Node};
use crate::xmpp::ns;

/// The largest card accepted, counted in names, attribute and text bytes
/// (VCARD-08: ours is 1 MiB, photo included).
pub const MAX_CARD_BYTES: usize = 1024 * 1024;
/// Longest one-line value shown (a name, an address, a URL).
pub const MAX_FIELD_BYTES: usize = 1024;
/// Longest free text shown (`NOTE`, `DESC`).
pub const MAX_TEXT_BYTES: usize = 4096;
/// The most values of one repeated field shown (emails, numbers, addresses,
/// URLs, JIDs).
pub const MAX_REPEATED: usize = 16;

/// A field `/vcard set` can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `FN`, the formatted name.
    FullName,
    Nickname,
    /// `N/GIVEN`.
    Given,
    /// `N/FAMILY`.
    Family,
    /// `N/MIDDLE`.
    Middle,
    /// The first `EMAIL/USERID`.
    Email,
    /// The first `TEL/NUMBER`.
    Tel,
    Url,
    /// `BDAY`, a date as YYYY-MM-DD.
    Birthday,
    /// `ORG/ORGNAME`.
    Org,
    Title,
    Role,
    Note,
    Desc,
    /// `JABBERID`.
    JabberId,
}

impl Field {
    /// Every field, in the order help lists them.
    pub const ALL: [Field; 15] = [
        Field::FullName,
        Field::Nickname,
        Field::Given,
        Field::Family,
        Field::Middle,
        Field::Email,
        Field::Tel,
        Field::Url,
        Field::Birthday,
        Field::Org,
        Field::Title,
        Field::Role,
        Field::Note,
        Field::Desc,
        Field::JabberId,
    ];

    /// The word typed after `/vcard set`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::FullName => "fn",
            Field::Nickname => "nickname",
            Field::Given => "given",
            Field::Family => "family",
            Field::Middle => "middle",
            Field::Email => "email",
            Field::Tel => "tel",
            Field::Url => "url",
            Field::Birthday => "bday",
            Field::Org => "org",
            Field::Title => "title",
            Field::Role => "role",
            Field::Note => "note",
            Field::Desc => "desc",
            Field::JabberId => "jid",
        }
    }

    /// The field a typed word names, ignoring case; a few other names are
    /// accepted (`name`, `phone`, `birthday`, `jabberid`).
    pub fn parse(word: &str) -> Option<Field> {
        let word = word.to_ascii_lowercase();
        let alias = match word.as_str() {
            "name" | "fullname" => Some(Field::FullName),
            "phone" => Some(Field::Tel),
            "birthday" => Some(Field::Birthday),
            "jabberid" => Some(Field::JabberId),
            _ => None,
        };
        alias.or_else(|| Field::ALL.into_iter().find(|f| f.as_str() == word))
    }

    /// The name of the element that holds the field at the card's top
    /// level (`N` for its parts).
    pub fn element(self) -> &'static str {
        match self {
            Field::FullName => "FN",
            Field::Nickname => "NICKNAME",
            Field::Given | Field::Family | Field::Middle => "N",
            Field::Email => "EMAIL",
            Field::Tel => "TEL",
            Field::Url => "URL",
            Field::Birthday => "BDAY",
            Field::Org => "ORG",
            Field::Title => "TITLE",
            Field::Role => "ROLE",
            Field::Note => "NOTE",
            Field::Desc => "DESC",
            Field::JabberId => "JABBERID",
        }
    }
}

/// Why a card could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VcardError {
    #[error("the answer holds no vCard but <{0}/>")]
    NotACard(String),
    #[error("the card is larger than {} KiB", MAX_CARD_BYTES / 1024)]
    TooLarge,
}

/// A whole card as the server holds it (see the module comment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VCard {
    /// The children of `<vCard/>`, in their order; text between them is
    /// dropped.
    elements: Vec<Element>,
}

/// A telephone number with its types (`HOME`, `VOICE`, `CELL`…).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Phone {
    pub number: String,
    pub kinds: Vec<String>,
}

/// VCARD-08: what a photo is, never its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Photo {
    /// `TYPE`, such as `image/png`.
    pub mime: Option<String>,
    /// The decoded size of `BINVAL`, computed from its length.
    pub bytes: Option<usize>,
    /// `EXTVAL`: where the photo is.
    pub external: Option<String>,
}

/// The typed view of a card: the fields of VCARD-07, each capped. Remote
/// text: sanitise before drawing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Card {
    pub full_name: Option<String>,
    pub nickname: Option<String>,
    pub given: Option<String>,
    pub family: Option<String>,
    pub middle: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<Phone>,
    /// Each address as one line, its parts joined with commas.
    pub addresses: Vec<String>,
    pub org: Option<String>,
    pub org_units: Vec<String>,
    pub title: Option<String>,
    pub role: Option<String>,
    pub urls: Vec<String>,
    pub birthday: Option<String>,
    pub note: Option<String>,
    pub desc: Option<String>,
    pub jabber_ids: Vec<String>,
    pub photo: Option<Photo>,
}

impl VCard {
    /// Reads a `<vCard xmlns='vcard-temp'/>` (any case of its name).
    pub fn parse(payload: &Element) -> Result<VCard, VcardError> {
        if !(payload.name().eq_ignore_ascii_case("vCard") && payload.ns() == ns::VCARD) {
            return Err(VcardError::NotACard(crate::xmpp::stanza::quoted(
                payload.name(),
            )));
        }
        if weight(payload) > MAX_CARD_BYTES {
            return Err(VcardError::TooLarge);
        }
        Ok(VCard {
            elements: payload.children().cloned().collect(),
        })
    }

    /// The card of an IQ result: its payload, or none at all (an empty
    /// card, VCARD-02).
    pub fn from_result(payload: Option<&Element>) -> Result<VCard, VcardError> {
        payload.map_or(Ok(VCard::default()), VCard::parse)
    }

    /// The whole card, for an IQ set (VCARD-04, VCARD-05).
    pub fn to_element(&self) -> Element {
        let mut card = Element::new("vCard", ns::VCARD);
        for element in &self.elements {
            card.push_child(element.clone());
        }
        card
    }

    /// No field with any text: what "no card" reads as (VCARD-02).
    pub fn is_empty(&self) -> bool {
        self.card() == Card::default()
    }

    /// The elements of the card, as held.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The typed, capped view of the card (VCARD-07, VCARD-08).
    pub fn card(&self) -> Card {
        let mut card = Card::default();
        for element in &self.elements {
            if element.ns() != ns::VCARD {
                continue;
            }
            let name = element.name().to_ascii_uppercase();
            match name.as_str() {
                "FN" => set_once(&mut card.full_name, line(element)),
                "NICKNAME" => set_once(&mut card.nickname, line(element)),
                "N" => {
                    set_once(&mut card.given, part(element, "GIVEN"));
                    set_once(&mut card.family, part(element, "FAMILY"));
                    set_once(&mut card.middle, part(element, "MIDDLE"));
                }
                "EMAIL" => push_capped(&mut card.emails, part(element, "USERID")),
                "TEL" => {
                    if let Some(number) = part(element, "NUMBER")
                        && card.phones.len() < MAX_REPEATED
                    {
                        let kinds = element
                            .children()
                            .filter(|k| !k.name().eq_ignore_ascii_case("NUMBER"))
                            .map(|k| cut_owned(k.name().to_ascii_lowercase(), 32))
                            .take(8)
                            .collect();
                        card.phones.push(Phone { number, kinds });
                    }
                }
                "ADR" => push_capped(&mut card.addresses, address(element)),
                "ORG" => {
                    set_once(&mut card.org, part(element, "ORGNAME"));
                    for unit in parts(element, "ORGUNIT") {
                        push_capped(&mut card.org_units, Some(unit));
                    }
                }
                "TITLE" => set_once(&mut card.title, line(element)),
                "ROLE" => set_once(&mut card.role, line(element)),
                "URL" => push_capped(&mut card.urls, line(element)),
                "BDAY" => set_once(&mut card.birthday, line(element)),
                "NOTE" => set_once(&mut card.note, text(element)),
                "DESC" => set_once(&mut card.desc, text(element)),
                "JABBERID" => push_capped(&mut card.jabber_ids, line(element)),
                "PHOTO" if card.photo.is_none() => card.photo = photo(element),
                _ => {}
            }
        }
        card
    }

    /// The value of `field` as [`VCard::card`] reads it, for comparing
    /// what was set with what the server stored (VCARD-09).
    pub fn value(&self, field: Field) -> Option<String> {
        let card = self.card();
        match field {
            Field::FullName => card.full_name,
            Field::Nickname => card.nickname,
            Field::Given => card.given,
            Field::Family => card.family,
            Field::Middle => card.middle,
            Field::Email => card.emails.into_iter().next(),
            Field::Tel => card.phones.into_iter().next().map(|p| p.number),
            Field::Url => card.urls.into_iter().next(),
            Field::Birthday => card.birthday,
            Field::Org => card.org,
            Field::Title => card.title,
            Field::Role => card.role,
            Field::Note => card.note,
            Field::Desc => card.desc,
            Field::JabberId => card.jabber_ids.into_iter().next(),
        }
    }

    /// Sets `field` to `value`, or clears it with `None` (VCARD-04). The
    /// first element holding the field is changed where it stands, keeping
    /// its other children (the types of an `EMAIL` or `TEL`, the
    /// `ORGUNIT`s); a field not there yet is added at the end. Clearing
    /// removes every element of the field (for a part of `N`, only that
    /// part). Everything else stays as it was.
    pub fn set(&mut self, field: Field, value: Option<&str>) {
        let value = value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| cut_owned(v.to_owned(), MAX_TEXT_BYTES));
        let name = field.element();
        let position = self.elements.iter().position(|e| is(e, name));
        match (field, value) {
            (Field::Given | Field::Family | Field::Middle, value) => {
                let part_name = match field {
                    Field::Given => "GIVEN",
                    Field::Family => "FAMILY",
                    _ => "MIDDLE",
                };
                if value.is_none() {
                    // Cleared from every `N`, as reading takes it from any.
                    let elements = std::mem::take(&mut self.elements);
                    for element in elements {
                        if !is(&element, name) {
                            self.elements.push(element);
                            continue;
                        }
                        let n = with_part(Some(element), name, part_name, None, &N_ORDER);
                        if n.children().next().is_some() {
                            self.elements.push(n);
                        }
                    }
                    return;
                }
                let old = position.map(|i| self.elements.remove(i));
                let n = with_part(old, name, part_name, value, &N_ORDER);
                let at = position.unwrap_or(self.elements.len());
                if n.children().next().is_some() {
                    self.elements.insert(at, n);
                }
            }
            (_, None) => self.elements.retain(|e| !is(e, name)),
            (Field::Email | Field::Tel | Field::Org, Some(value)) => {
                let (inner, fresh_kind, order): (&str, Option<&str>, &[&str]) = match field {
                    Field::Email => ("USERID", Some("INTERNET"), &[]),
                    Field::Tel => ("NUMBER", Some("VOICE"), &[]),
                    _ => ("ORGNAME", None, &["ORGNAME"]),
                };
                let old = position.map(|i| self.elements.remove(i));
                let fresh = old.is_none();
                let mut element = with_part(old, name, inner, Some(value), order);
                if fresh && let Some(kind) = fresh_kind {
                    // VCARD-05: a type first, the value last.
                    let mut typed = Element::new(name, ns::VCARD);
                    typed.push_child(Element::new(kind, ns::VCARD));
                    for child in element.into_children() {
                        typed.push_child(child);
                    }
                    element = typed;
                }
                let at = position.unwrap_or(self.elements.len());
                self.elements.insert(at, element);
            }
            (_, Some(value)) => {
                let element = Element::new(name, ns::VCARD).with_text(value);
                match position {
                    Some(i) => self.elements[i] = element,
                    None => self.elements.push(element),
                }
            }
        }
    }
}

impl Card {
    /// The card as labelled values, in reading order; nothing for an empty
    /// card. Values are remote text: sanitise before showing.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        let mut one = |label: &'static str, value: &Option<String>| {
            if let Some(value) = value {
                lines.push((label, value.clone()));
            }
        };
        one("name", &self.full_name);
        one("nickname", &self.nickname);
        one("given name", &self.given);
        one("middle name", &self.middle);
        one("family name", &self.family);
        one("birthday", &self.birthday);
        one("organisation", &self.org);
        one("title", &self.title);
        one("role", &self.role);
        for unit in &self.org_units {
            lines.push(("unit", unit.clone()));
        }
        for email in &self.emails {
            lines.push(("email", email.clone()));
        }
        for phone in &self.phones {
            let kinds = if phone.kinds.is_empty() {
                String::new()
            } else {
                format!(" ({})", phone.kinds.join(", "))
            };
            lines.push(("phone", format!("{}{kinds}", phone.number)));
        }
        for address in &self.addresses {
            lines.push(("address", address.clone()));
        }
        for url in &self.urls {
            lines.push(("url", url.clone()));
        }
        for jid in &self.jabber_ids {
            lines.push(("jid", jid.clone()));
        }
        if let Some(photo) = &self.photo {
            lines.push(("photo", photo.describe()));
        }
        let mut one = |label: &'static str, value: &Option<String>| {
            if let Some(value) = value {
                lines.push((label, value.clone()));
            }
        };
        one("note", &self.note);
        one("about", &self.desc);
        lines
    }
}

impl Photo {
    /// VCARD-08: "image/png, 12 KiB", or where it is.
    pub fn describe(&self) -> String {
        let mime = self.mime.as_deref().unwrap_or("an image");
        match (self.bytes, &self.external) {
            (Some(bytes), _) if bytes >= 1024 => format!("{mime}, {} KiB", bytes.div_ceil(1024)),
            (Some(bytes), _) => format!("{mime}, {bytes} bytes"),
            (None, Some(url)) => format!("{mime} at {url}"),
            (None, None) => mime.to_owned(),
        }
    }
}

/// The order of `N`'s parts (XEP-0054's DTD).
const N_ORDER: [&str; 5] = ["FAMILY", "GIVEN", "MIDDLE", "PREFIX", "SUFFIX"];

/// True when `element` is the vcard-temp element `name` (any case).
fn is(element: &Element, name: &str) -> bool {
    element.ns() == ns::VCARD && element.name().eq_ignore_ascii_case(name)
}

/// `old` (or a new element `name`) with its child `part` set to `value`
/// (or removed), the children named in `order` first in that order, then
/// the others as they were.
fn with_part(
    old: Option<Element>,
    name: &str,
    part: &str,
    value: Option<String>,
    order: &[&str],
) -> Element {
    let mut rebuilt = Element::new(name, ns::VCARD);
    let mut children: Vec<Element> = match old {
        Some(old) => {
            for (key, attr) in old.attrs() {
                rebuilt.set_attr(key, attr);
            }
            old.into_children().filter(|c| !is(c, part)).collect()
        }
        None => Vec::new(),
    };
    if let Some(value) = value {
        children.push(Element::new(part, ns::VCARD).with_text(value));
    }
    let rank = |e: &Element| {
        order
            .iter()
            .position(|name| is(e, name))
            .unwrap_or(order.len())
    };
    // Stable: the others keep their order, after the ordered parts.
    children.sort_by_key(rank);
    for child in children {
        rebuilt.push_child(child);
    }
    rebuilt
}

/// Puts `value` in `slot` unless it holds one already.
fn set_once(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Appends `value` up to [`MAX_REPEATED`] values.
fn push_capped(values: &mut Vec<String>, value: Option<String>) {
    if let Some(value) = value
        && values.len() < MAX_REPEATED
    {
        values.push(value);
    }
}

/// An element's text as one capped value; blank is none.
fn line(element: &Element) -> Option<String> {
    let text = element.text();
    let text = text.trim();
    (!text.is_empty()).then(|| cut_owned(text.to_owned(), MAX_FIELD_BYTES))
}

/// As [`line`], for free text.
fn text(element: &Element) -> Option<String> {
    let text = element.text();
    let text = text.trim();
    (!text.is_empty()).then(|| cut_owned(text.to_owned(), MAX_TEXT_BYTES))
}

/// The text of the first child `name` of `element` (any case).
fn part(element: &Element, name: &str) -> Option<String> {
    parts(element, name).next()
}

fn parts<'a>(element: &'a Element, name: &'a str) -> impl Iterator<Item = String> + 'a {
    element
        .children()
        .filter(move |c| is(c, name))
        .filter_map(line)
}

/// An `ADR` as one line: its parts with text, in their order.
fn address(element: &Element) -> Option<String> {
    let parts: Vec<String> = element
        .children()
        .filter(|c| {
            !["HOME", "WORK", "POSTAL", "PARCEL", "DOM", "INTL", "PREF"]
                .iter()
                .any(|kind| c.name().eq_ignore_ascii_case(kind))
        })
        .filter_map(line)
        .take(8)
        .collect();
    (!parts.is_empty()).then(|| cut_owned(parts.join(", "), MAX_FIELD_BYTES))
}

/// VCARD-08: a `PHOTO`'s type and size, from the length of its base64.
fn photo(element: &Element) -> Option<Photo> {
    let mime = part(element, "TYPE").map(|t| cut_owned(t, 64));
    let binval = element
        .children()
        .find(|c| c.name().eq_ignore_ascii_case("BINVAL"));
    let bytes = binval.map(|b| {
        let mut digits = 0usize;
        let mut padding = 0usize;
        for node in b.nodes() {
            if let Node::Text(t) = node {
                for c in t.chars() {
                    match c {
                        '=' => padding += 1,
                        c if c.is_whitespace() => {}
                        _ => digits += 1,
                    }
                }
            }
        }
        ((digits + padding) / 4 * 3).saturating_sub(padding.min(2))
    });
    let external = part(element, "EXTVAL");
    (mime.is_some() || bytes.is_some_and(|b| b > 0) || external.is_some()).then_some(Photo {
        mime,
        bytes: bytes.filter(|b| *b > 0),
        external,
    })
}

/// The bytes an element holds: names, attributes and text, all the way
/// down (without recursion: depth is the reader's to limit, not ours).
fn weight(element: &Element) -> usize {
    let mut total = 0usize;
    let mut stack = vec![element];
    while let Some(element) = stack.pop() {
        total = total.saturating_add(element.name().len());
        for (name, value) in element.attrs() {
            total = total.saturating_add(name.len() + value.len());
        }
        for node in element.nodes() {
            match node {
                Node::Element(child) => stack.push(child),
                Node::Text(text) => total = total.saturating_add(text.len()),
            }
        }
        if total > MAX_CARD_BYTES {
            break;
        }
    }
    total
}

#[cfg(test)]
#[path = "vcard_tests.rs"]
mod tests;
