//! Character data and attribute values as the application sees them: line
//! ends normalised (XML 1.0 §2.11), attribute whitespace normalised (§3.3.3),
//! the five predefined entities and character references resolved, other
//! entities refused as restricted XML (RFC 6120 §11.1), and characters XML
//! cannot carry rejected. The byte scan that finds where decoding has work to
//! do is tuned for plain text, which is almost all text.

use super::tag::is_ncname;
use super::{XmlError, excerpt};
use crate::xmpp::element::Text;

pub(super) fn decode_attribute(raw: &str, plain: bool) -> Result<Text, XmlError> {
    // Most values need no decoding; a short one is then stored inline.
    if plain {
        return Ok(Text::from(raw));
    }
    let mut value = String::with_capacity(raw.len());
    decode_into(raw, Mode::Attribute, &mut value)?;
    Ok(Text::from(value))
}

/// XML 1.0 §2.2 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Character data: references are resolved here.
    Text,
    /// CDATA content: `&` and `<` are literal.
    CData,
    /// A raw attribute value: references are resolved here.
    Attribute,
}

/// Bytes `decode_into` must stop at: controls and line ends (except the ones
/// character data keeps as they are), 0xEF (which leads U+FFFE and U+FFFF),
/// `&` outside CDATA, and in attribute values `<`. A table keeps the scan of
/// every text byte to one load.
const fn special_bytes(mode: Mode) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[0xEF] = true;
    match mode {
        Mode::Attribute => {
            table[b'&' as usize] = true;
            table[b'<' as usize] = true;
        }
        Mode::Text | Mode::CData => {
            table[b'\t' as usize] = false;
            table[b'\n' as usize] = false;
            table[b'&' as usize] = matches!(mode, Mode::Text);
        }
    }
    table
}

static TEXT_SPECIAL: [bool; 256] = special_bytes(Mode::Text);
static CDATA_SPECIAL: [bool; 256] = special_bytes(Mode::CData);
static ATTRIBUTE_SPECIAL: [bool; 256] = special_bytes(Mode::Attribute);

/// Appends `raw` to `out` as the application sees it: line ends normalised
/// (XML 1.0 §2.11), attribute whitespace normalised (§3.3.3), references
/// resolved, and characters XML cannot carry rejected.
pub(super) fn decode_into(raw: &str, mode: Mode, out: &mut String) -> Result<(), XmlError> {
    let bytes = raw.as_bytes();
    let Some(first) = first_special(bytes, mode) else {
        out.push_str(raw);
        return Ok(());
    };
    out.reserve(raw.len());
    let mut run = 0;
    let mut i = first;
    // `i` is always at a special byte: ASCII or a UTF-8 lead byte, so a
    // char boundary.
    while let Some(&b) = bytes.get(i) {
        out.push_str(&raw[run..i]);
        match b {
            b'\t' | b'\n' => {
                out.push(' ');
                i += 1;
                run = i;
            }
            b'\r' => {
                out.push(if mode == Mode::Attribute { ' ' } else { '\n' });
                i += 1;
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
                run = i;
            }
            b'&' => {
                let Some(len) = raw[i..].find(';') else {
                    return Err(XmlError::NotWellFormed(
                        "a reference (`&`) lacks its `;`".into(),
                    ));
                };
                resolve_reference(&raw[i + 1..i + len], out)?;
                i += len + 1;
                run = i;
            }
            b'<' => {
                return Err(XmlError::NotWellFormed(
                    "`<` inside an attribute value".into(),
                ));
            }
            0xEF => {
                if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
                {
                    return Err(XmlError::NotWellFormed(
                        "U+FFFE or U+FFFF, which XML does not allow".into(),
                    ));
                }
                // An ordinary character: it starts the next run.
                run = i;
                i += 1;
            }
            control => {
                return Err(XmlError::NotWellFormed(format!(
                    "the control character U+{control:04X}, which XML does not allow"
                )));
            }
        }
        match first_special(&bytes[i.min(bytes.len())..], mode) {
            Some(next) => i += next,
            None => break,
        }
    }
    out.push_str(&raw[run..]);
    Ok(())
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Marks (with a high bit) the zero bytes of `word`, and possibly bytes
/// after one: a hint, checked byte by byte.
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGH_BITS
}

/// The first byte of `bytes` that `decode_into` must look at in `mode`.
/// Eight bytes are tested at a time for the few values that can be special
/// (controls, `&`, `<`, 0xEF); only a word with a hit is checked against
/// the exact table, so plain text costs a few instructions per word.
pub(super) fn first_special(bytes: &[u8], mode: Mode) -> Option<usize> {
    let table = match mode {
        Mode::Attribute => &ATTRIBUTE_SPECIAL,
        Mode::Text => &TEXT_SPECIAL,
        Mode::CData => &CDATA_SPECIAL,
    };
    let exact = |chunk: &[u8]| chunk.iter().position(|&b| table[usize::from(b)]);
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(chunk).map(u64::from_le_bytes) else {
            break;
        };
        // Bytes below 0x20 (for ASCII bytes the formula is exact).
        let mut hint = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS;
        hint |= zero_bytes(word ^ (ONES * 0xEF));
        if mode != Mode::CData {
            hint |= zero_bytes(word ^ (ONES * u64::from(b'&')));
        }
        if mode == Mode::Attribute {
            hint |= zero_bytes(word ^ (ONES * u64::from(b'<')));
        }
        if hint != 0
            && let Some(at) = exact(chunk)
        {
            return Some(offset + at);
        }
        offset += 8;
    }
    exact(chunks.remainder()).map(|at| offset + at)
}

/// Resolves the reference `&name;`: the five predefined entities and
/// character references are all XMPP allows (RFC 6120 §11.1).
fn resolve_reference(name: &str, out: &mut String) -> Result<(), XmlError> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "apos" => '\'',
        "quot" => '"',
        _ => match name.strip_prefix('#') {
            Some(number) => char_reference(number).ok_or_else(|| {
                XmlError::NotWellFormed(format!(
                    "&{};, which is not a legal XML character",
                    excerpt(name)
                ))
            })?,
            None if is_ncname(name) => {
                return Err(XmlError::Restricted(format!(
                    "the server used the entity &{};, but XMPP allows only the five \
                     predefined ones (restricted-xml)",
                    excerpt(name)
                )));
            }
            None => {
                return Err(XmlError::NotWellFormed(format!(
                    "the malformed reference &{};",
                    excerpt(name)
                )));
            }
        },
    };
    out.push(c);
    Ok(())
}

/// `number` is what follows `&#`: decimal, or hex after a lowercase `x`.
fn char_reference(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 8 {
        return None;
    }
    let code = if significant.is_empty() {
        0
    } else {
        u32::from_str_radix(significant, radix).ok()?
    };
    char::from_u32(code).filter(|&c| is_xml_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time scan finds exactly what a byte-by-byte scan of
    /// the table finds, at every alignment and for every special byte.
    #[test]
    fn first_special_agrees_with_the_table() {
        let alphabet: &[u8] = b"ab<&;\t\n\r\x01\x1f \xef\xbf\xbe\xc3\xa9~";
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Mostly plain bytes, so specials land anywhere.
                        if seed.is_multiple_of(4) {
                            alphabet[(seed >> 8) as usize % alphabet.len()]
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                for (mode, table) in [
                    (Mode::Text, &TEXT_SPECIAL),
                    (Mode::CData, &CDATA_SPECIAL),
                    (Mode::Attribute, &ATTRIBUTE_SPECIAL),
                ] {
                    let expected = bytes.iter().position(|&b| table[usize::from(b)]);
                    assert_eq!(first_special(&bytes, mode), expected, "{bytes:?}");
                }
            }
        }
    }
}
