//! The syntax of a start tag after the lexer has found its end: element and
//! attribute names as XML-namespace QNames, and the attribute list (XML 1.0
//! §3.1: whitespace, `=`, a quoted value), with the SEC-06 cap on the number
//! of attributes. It yields offsets into the raw tag; resolving prefixes is
//! the tree's job, decoding values `decode`'s.

use std::ops::Range;

use super::decode::{Mode, first_special};
use super::{MAX_ATTRIBUTES, XmlError, excerpt};
use crate::xmpp::lexer::is_xml_space;

/// One attribute of a start tag, as offsets into the tag's raw attribute
/// text.
#[derive(Clone, Debug)]
pub(super) struct RawAttribute {
    pub(super) name: Range<usize>,
    /// Where the prefix ends, for `prefix:local`.
    pub(super) colon: Option<usize>,
    pub(super) value: Range<usize>,
    /// The value needs no decoding: no reference, control character, `<`
    /// or 0xEF byte.
    pub(super) plain: bool,
}

/// Calls `visit` with each attribute in `attrs` (the raw text of a start
/// tag after its name), enforcing [`MAX_ATTRIBUTES`], the attribute syntax
/// of XML 1.0 §3.1 (whitespace before each attribute, `=`, a quoted value)
/// and valid QNames. One pass, one table load per byte.
pub(super) fn each_attribute(
    element: &str,
    attrs: &str,
    mut visit: impl FnMut(RawAttribute) -> Result<(), XmlError>,
) -> Result<(), XmlError> {
    let bytes = attrs.as_bytes();
    let bad = |what: &str| {
        XmlError::NotWellFormed(format!("bad attribute in <{}>: {what}", excerpt(element)))
    };
    let skip_space = |mut i: usize| {
        while i < bytes.len() && is_xml_space(bytes[i]) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    let mut count = 0;
    loop {
        let gap = i;
        i = skip_space(i);
        if i == bytes.len() {
            return Ok(());
        }
        if i == gap {
            return Err(bad("no whitespace before an attribute"));
        }
        if count >= MAX_ATTRIBUTES {
            return Err(XmlError::TooManyAttributes {
                limit: MAX_ATTRIBUTES,
            });
        }
        count += 1;
        let name_start = i;
        let mut colon = None;
        let mut segment_start = i;
        while i < bytes.len() {
            let b = bytes[i];
            let class = NAME_BYTES[usize::from(b)];
            if class == NAME_START || (class == NAME_CHAR && i != segment_start) {
                i += 1;
            } else if b == b':' && colon.is_none() && i != segment_start {
                colon = Some(i - name_start);
                i += 1;
                segment_start = i;
            } else {
                break;
            }
        }
        let name = name_start..i;
        if i == segment_start {
            // Empty, or ends with the colon.
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b'=' || is_xml_space(b))
                .map_or(bytes.len(), |n| i + n);
            return Err(bad_name(&attrs[name_start..end]));
        }
        i = skip_space(i);
        if bytes.get(i) != Some(&b'=') {
            return Err(match bytes.get(i) {
                Some(&b) if !is_xml_space(b) && b != b'\'' && b != b'"' && b != b'/' => {
                    let end = bytes[i..]
                        .iter()
                        .position(|&b| b == b'=' || is_xml_space(b))
                        .map_or(bytes.len(), |n| i + n);
                    bad_name(&attrs[name_start..end])
                }
                _ => bad(&format!("`{}` has no value", excerpt(&attrs[name]))),
            });
        }
        i = skip_space(i + 1);
        let quote = match bytes.get(i) {
            Some(&q) if q == b'\'' || q == b'"' => q,
            _ => {
                return Err(bad(&format!(
                    "the value of `{}` is not quoted",
                    excerpt(&attrs[name])
                )));
            }
        };
        let value_start = i + 1;
        let Some(len) = memchr::memchr(quote, &bytes[value_start..]) else {
            return Err(bad(&format!(
                "the value of `{}` is not closed",
                excerpt(&attrs[name])
            )));
        };
        let value = value_start..value_start + len;
        let plain = first_special(&bytes[value.clone()], Mode::Attribute).is_none();
        i = value.end + 1;
        visit(RawAttribute {
            name,
            colon,
            value,
            plain,
        })?;
    }
}

/// Splits `prefix:local` in one pass, rejecting names that are not
/// XML-namespace QNames. ASCII is checked exactly; any non-ASCII character
/// is accepted, which is laxer than XML 1.0 but never unsafe.
pub(super) fn split_qname(name: &str) -> Result<(Option<&str>, &str), XmlError> {
    let bytes = name.as_bytes();
    let mut colon = None;
    let mut segment_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let class = NAME_BYTES[usize::from(b)];
        if class == NAME_START || (class == NAME_CHAR && i != segment_start) {
            continue;
        }
        if b == b':' && colon.is_none() && i != segment_start {
            colon = Some(i);
            segment_start = i + 1;
            continue;
        }
        return Err(bad_name(name));
    }
    if segment_start == bytes.len() {
        // Empty, or ends with the colon.
        return Err(bad_name(name));
    }
    Ok(match colon {
        Some(i) => (Some(&name[..i]), &name[i + 1..]),
        None => (None, name),
    })
}

const NAME_OTHER: u8 = 0;
const NAME_START: u8 = 1;
/// Allowed in a name, but not first.
const NAME_CHAR: u8 = 2;

/// What each byte may be in a name: ASCII exactly as XML 1.0 says, any
/// non-ASCII byte accepted. One load per byte.
static NAME_BYTES: [u8; 256] = {
    let mut table = [NAME_OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80 {
            NAME_START
        } else if byte.is_ascii_digit() || byte == b'-' || byte == b'.' {
            NAME_CHAR
        } else {
            NAME_OTHER
        };
        b += 1;
    }
    table
};

fn bad_name(name: &str) -> XmlError {
    XmlError::NotWellFormed(format!(
        "`{}` is not a valid element or attribute name",
        excerpt(name)
    ))
}

/// A name without colons.
pub(super) fn is_ncname(name: &str) -> bool {
    matches!(split_qname(name), Ok((None, _)))
}
