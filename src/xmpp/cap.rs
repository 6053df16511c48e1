//! Caps on every remote field, applied where a stanza is decoded. Anyone
//! who can reach us through a server controls these values; without a cap
//! one stanza can cost megabytes in every place that keeps it (the chat,
//! the history, the log, a notice redrawn on every key press).
//!
//! Text is cut visibly, ending in "…"; identifiers are never cut, since two
//! long ids sharing a prefix are different messages: one over the cap is
//! replaced by a digest of it, so the same id always maps to the same value
//! and a redelivery is still recognised.

use ring::digest;

/// Longest id or thread id kept as it is.
pub const MAX_ID_BYTES: usize = 256;
/// Longest name kept: roster names and groups, nicknames.
pub const MAX_NAME_BYTES: usize = 1024;
/// Longest human-readable error text kept (stanza, stream and SASL errors).
pub const MAX_ERROR_TEXT_BYTES: usize = 1024;

/// The mark that ends a cut text.
const ELLIPSIS: char = '…';

/// Cuts `text` to at most `max` bytes on a character boundary, ending in
/// "…" when anything was cut.
pub fn cut(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max.saturating_sub(ELLIPSIS.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push(ELLIPSIS);
}

/// [`cut`], by value.
pub fn cut_owned(mut text: String, max: usize) -> String {
    cut(&mut text, max);
    text
}

/// An id within [`MAX_ID_BYTES`]: as it is, or a digest of it when longer.
pub fn id(id: String) -> String {
    if id.len() <= MAX_ID_BYTES {
        return id;
    }
    let hash = digest::digest(&digest::SHA256, id.as_bytes());
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_is_visible_and_on_a_character_boundary() {
        let mut text = "é".repeat(600);
        cut(&mut text, MAX_NAME_BYTES);
        assert!(text.len() <= MAX_NAME_BYTES, "{}", text.len());
        assert!(text.ends_with('…'));
        let mut short = "short".to_owned();
        cut(&mut short, MAX_NAME_BYTES);
        assert_eq!(short, "short");
    }

    /// An id over the cap is stored as a digest: stable, distinct, short.
    #[test]
    fn long_ids_become_stable_digests() {
        let a = "a".repeat(200 * 1024);
        let mut b = a.clone();
        b.push('b');
        assert_eq!(id(a.clone()), id(a.clone()));
        assert_ne!(id(a.clone()), id(b));
        assert!(id(a).len() <= MAX_ID_BYTES);
        assert_eq!(id("m1".into()), "m1");
    }
}
