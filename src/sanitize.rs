//! Making remote text safe for a terminal (SEC-05): control characters,
//! escape sequences and bidi overrides in anything that came from the
//! network are removed before it is drawn or printed, so a message cannot
//! move the cursor, retitle the window, or reverse the text around it.

use std::borrow::Cow;

/// True for characters that must never reach the terminal: C0 controls
/// except newline and tab, DEL, C1 controls (including the 8-bit CSI), the
/// bidi embedding, override, isolate and mark controls, and the invisible
/// format characters that can hide or fake text: zero-width space, joiners
/// and word joiner, soft hyphen, byte-order mark, tag characters, variation
/// selectors, interlinear annotation marks and the Hangul fillers.
///
/// Joiners and variation selectors also make terminals and width tables
/// disagree (a family emoji is one wide cell to the table and three to
/// most terminals); without them each emoji is drawn, and counted, alone.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{ad}' | '\u{180e}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}'
        | '\u{206a}'..='\u{206f}' | '\u{feff}' | '\u{fe00}'..='\u{fe0f}'
        | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}'
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
    )
}

/// Removes unsafe characters, keeping newlines and tabs. Borrows when the
/// text is already clean, which it almost always is.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|c| !is_unsafe(*c)).collect())
}

/// Like [`for_terminal`], and also turns newlines and tabs into spaces, for
/// places that hold one line (names, roster output, status lines).
pub fn one_line(text: &str) -> String {
    one_line_chars(text).collect()
}

/// The characters [`one_line`] keeps, without building the string: for
/// comparing names in a sort without allocating.
pub fn one_line_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|c| !is_unsafe(*c)).map(|c| {
        if c == '\n' || c == '\t' || c == '\r' {
            ' '
        } else {
            c
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SEC-05: the checklist's example body, drawn without the C1 CSI and
    /// the bidi override.
    #[test]
    fn sec_05_strips_c1_csi_and_bidi_override() {
        assert_eq!(for_terminal("hi\u{9b}2J\u{202e}olleh"), "hi2Jolleh");
    }

    #[test]
    fn sec_05_strips_raw_escape_and_osc() {
        assert_eq!(
            for_terminal("a\u{1b}]0;pwned\u{7}b\u{1b}[31mred"),
            "a]0;pwnedb[31mred"
        );
    }

    /// Invisible characters that can hide or fake text, and the joiners
    /// whose width terminals disagree on, are removed.
    #[test]
    fn strips_invisible_format_characters() {
        assert_eq!(
            one_line("pay\u{200b}pal \u{e0041}\u{e0042}tag\u{feff} soft\u{ad}hyphen"),
            "paypal tag softhyphen"
        );
        // A family emoji becomes its members, each drawn and counted alone.
        assert_eq!(
            for_terminal("👨\u{200d}👩\u{200d}👧 🏳\u{fe0f}\u{200d}🌈"),
            "👨👩👧 🏳🌈"
        );
        // Flags (regional indicator pairs) stay.
        assert_eq!(for_terminal("🇫🇷"), "🇫🇷");
    }

    #[test]
    fn keeps_newlines_tabs_and_unicode() {
        let text = "line one\n\tline two: 東京 🎉 e\u{301}";
        assert!(matches!(for_terminal(text), Cow::Borrowed(_)));
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }
}
