//! Addresses as the user types them (COMP-03, I18N-06): an `xmpp:`, `im:`
//! or `pres:` scheme is stripped, an `xmpp:` URI %-decoded, and the `jid`
//! crate's errors reworded for someone typing. Also how every error message
//! quotes user input ([`shown`], [`shown_plain`]): cut short, one printable
//! line.

use std::borrow::Cow;

use jid::{BareJid, Jid};

use super::CommandError;

/// Reads a JID the user typed (COMP-03, I18N-06): trims it, strips an
/// `xmpp:`, `im:` or `pres:` scheme, then normalises it with stringprep.
pub fn parse_jid(input: &str) -> Result<Jid, CommandError> {
    let input = input.trim();
    let invalid = |reason: String| CommandError::InvalidJid {
        input: input.to_owned(),
        reason,
    };
    let address = strip_scheme(input).map_err(invalid)?;
    if address.is_empty() {
        return Err(invalid("it is empty".to_owned()));
    }
    Jid::new(&address).map_err(|e| invalid(jid_reason(&e)))
}

/// Like [`parse_jid`], but refuses a JID with a resource: roster and
/// subscription commands address the contact, never one of their devices
/// (SUB-01, SUB-05).
pub fn parse_bare_jid(input: &str) -> Result<BareJid, CommandError> {
    match parse_jid(input)?.try_into_full() {
        Ok(full) => Err(CommandError::NotBare(full.to_string())),
        Err(bare) => Ok(bare),
    }
}

/// Strips a URI scheme (COMP-03). CPIM `im:`/`pres:` only lose the scheme;
/// an RFC 5122 `xmpp:` URI also loses its authority, query and fragment and
/// is %-decoded.
fn strip_scheme(input: &str) -> Result<Cow<'_, str>, String> {
    if let Some(rest) = strip_prefix_ignoring_case(input, "xmpp:") {
        let path = match rest.strip_prefix("//") {
            Some(authority_and_path) => authority_and_path
                .split_once('/')
                .map_or("", |(_, path)| path),
            None => rest,
        };
        let end = path.find(['?', '#']).unwrap_or(path.len());
        return percent_decode(&path[..end])
            .map(Cow::Owned)
            .ok_or_else(|| "the xmpp: address has a broken %-escape".to_owned());
    }
    for scheme in ["im:", "pres:"] {
        if let Some(rest) = strip_prefix_ignoring_case(input, scheme) {
            return Ok(Cow::Borrowed(rest));
        }
    }
    Ok(Cow::Borrowed(input))
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `jid` crate's errors, reworded for someone typing an address.
fn jid_reason(error: &jid::Error) -> String {
    use jid::Error as E;
    match error {
        E::NodeEmpty => "there is nothing before the @".to_owned(),
        E::ResourceEmpty => "there is nothing after the /".to_owned(),
        E::NodeTooLong => "the part before the @ is longer than 1023 bytes".to_owned(),
        E::ResourceTooLong => "the part after the / is longer than 1023 bytes".to_owned(),
        E::NodePrep => "the part before the @ has a character not allowed there \
             (such as a space, \", &, ', :, < or >)"
            .to_owned(),
        E::NamePrep | E::Idna => "the part after the @ is not a valid domain name".to_owned(),
        E::ResourcePrep => "the part after the / has a character not allowed there".to_owned(),
        E::TooManyAts => "it has more than one @ before the /".to_owned(),
        E::ResourceMissingInFullJid | E::ResourceInBareJid => error.to_string(),
    }
}

/// How many characters of user input an error message repeats.
const MAX_SHOWN_CHARS: usize = 64;

/// User input for an error message: cut short, control characters escaped so
/// the message stays one printable line.
pub(super) fn shown_plain(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// User input for an error message, in double quotes.
pub(super) fn shown(text: &str) -> String {
    format!("\"{}\"", shown_plain(text))
}

/// Why a full JID was refused where a bare one is needed.
pub(super) fn not_bare_message(full: &str) -> String {
    match full.split_once('/') {
        Some((bare, resource)) => format!(
            "use the bare address {}, without /{}",
            shown_plain(bare),
            shown_plain(resource)
        ),
        None => format!("use the bare address {}", shown_plain(full)),
    }
}
