//! Text layout by display width: wrapping and truncation that count
//! columns, not bytes or chars, so CJK, emoji and combining marks line up.
//!
//! The unit we never split is a *cluster*: a character with the zero-width
//! characters after it (combining marks, variation selectors, ZWJ), an emoji
//! ZWJ sequence, or a pair of regional indicators (a flag). This is a
//! char-based stand-in for Unicode grapheme clusters, which would need the
//! `unicode-segmentation` crate; it agrees with ratatui, which measures each
//! grapheme with `unicode-width`, on the text people actually send.
//!
//! Tabs expand to the next multiple of [`TAB_STOP`] columns (ratatui drops
//! control characters, so a raw tab would vanish), other control characters
//! are dropped, and `\n` starts a new line. Nothing here knows about panes
//! or styles; callers add indents and colours.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A tab advances to the next multiple of this many columns.
pub const TAB_STOP: usize = 4;

const ZWJ: char = '\u{200d}';

/// The columns `s` takes: the widest of its lines.
pub fn width(s: &str) -> usize {
    s.split('\n')
        .map(|line| units(line).iter().map(|u| u.width).sum())
        .max()
        .unwrap_or(0)
}

/// `s` on one line (newlines become spaces) cut to at most `max_cols`
/// columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max_cols: usize) -> String {
    let one_line = s.replace('\n', " ");
    let units = units(&one_line);
    let total: usize = units.iter().map(|u| u.width).sum();
    if total <= max_cols {
        return join(&units);
    }
    if max_cols == 0 {
        return String::new();
    }
    let mut used = 0;
    let mut kept = Vec::new();
    for unit in &units {
        if used + unit.width > max_cols - 1 {
            break;
        }
        used += unit.width;
        kept.push(unit.clone());
    }
    // "hello …" reads worse than "hello…".
    while kept.last().is_some_and(|u| u.space) {
        kept.pop();
    }
    let mut out = join(&kept);
    out.push('…');
    out
}

/// Wraps `s` into rows of at most `max_cols` columns. See [`wrap_with`].
pub fn wrap(s: &str, max_cols: usize) -> Vec<String> {
    wrap_with(s, max_cols, max_cols)
}

/// Wraps `s` with `first_cols` columns for the first row and `rest_cols`
/// for the others (room for a prefix, then a hanging indent).
///
/// Breaks at spaces when it can, and inside a word only when the word is
/// wider than a row. Spaces at a break are dropped; leading spaces of a
/// line (indentation) are kept. Every `\n` starts a new row, and an empty
/// line is an empty row, so the result has at least one row. A cluster
/// wider than a row (a CJK character in one column) gets a row to itself.
pub fn wrap_with(s: &str, first_cols: usize, rest_cols: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for line in s.split('\n') {
        let rows_before = rows.len();
        let limit = |rows: &Vec<String>| {
            if rows.is_empty() {
                first_cols.max(1)
            } else {
                rest_cols.max(1)
            }
        };
        let mut pending: std::collections::VecDeque<Unit> = units(line).into();
        let mut row: Vec<Unit> = Vec::new();
        let mut row_width = 0;
        // True once this line has wrapped: such rows drop leading spaces.
        let mut continued = false;
        while let Some(unit) = pending.pop_front() {
            if unit.space && continued && row.is_empty() {
                continue;
            }
            if row_width + unit.width <= limit(&rows) {
                row_width += unit.width;
                row.push(unit);
                continue;
            }
            if unit.space {
                rows.push(join_trimmed(&row));
                row.clear();
                row_width = 0;
                continued = true;
                continue;
            }
            if let Some(last_space) = row.iter().rposition(|u| u.space) {
                // Move the word being built to the next row and feed it
                // again, so it is measured against that row's width.
                let word = row.split_off(last_space + 1);
                rows.push(join_trimmed(&row));
                pending.push_front(unit);
                for u in word.into_iter().rev() {
                    pending.push_front(u);
                }
                row.clear();
                row_width = 0;
                continued = true;
                continue;
            }
            if !row.is_empty() {
                rows.push(join_trimmed(&row));
                row.clear();
                continued = true;
            }
            row_width = unit.width;
            row.push(unit);
        }
        if !row.is_empty() || rows.len() == rows_before {
            rows.push(join_trimmed(&row));
        }
    }
    rows
}

/// Splits wrapped `rows` where the first `head_chars` non-space characters
/// of the wrapped text end, giving each row's (head, tail). Wrapping only
/// drops spaces, so this finds a leading part (a subject, a name) again
/// after wrapping, for styling. `head_chars` counts chars other than ' '.
pub fn split_rows(rows: &[String], head_chars: usize) -> Vec<(String, String)> {
    let mut left = head_chars;
    rows.iter()
        .map(|row| {
            let mut cut = row.len();
            for (i, c) in row.char_indices() {
                if left == 0 {
                    cut = i;
                    break;
                }
                if c != ' ' {
                    left -= 1;
                }
            }
            (row[..cut].to_owned(), row[cut..].to_owned())
        })
        .collect()
}

/// The chars of `s` other than ' ', as [`split_rows`] counts them.
pub fn non_space_chars(s: &str) -> usize {
    s.chars().filter(|c| *c != ' ').count()
}

/// One unbreakable piece of a line and its width.
#[derive(Clone, Debug)]
struct Unit {
    text: String,
    width: usize,
    space: bool,
}

fn join(units: &[Unit]) -> String {
    units.iter().map(|u| u.text.as_str()).collect()
}

fn join_trimmed(units: &[Unit]) -> String {
    let end = units.iter().rposition(|u| !u.space).map_or(0, |i| i + 1);
    join(&units[..end])
}

/// The clusters of one line (no `\n`), tabs expanded, controls dropped.
fn units(line: &str) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut column = 0;
    for cluster in (Clusters { rest: line }) {
        if cluster == "\t" {
            let spaces = TAB_STOP - column % TAB_STOP;
            for _ in 0..spaces {
                out.push(Unit {
                    text: " ".to_owned(),
                    width: 1,
                    space: true,
                });
            }
            column += spaces;
            continue;
        }
        if cluster.starts_with(char::is_control) {
            continue;
        }
        let width = UnicodeWidthStr::width(cluster);
        column += width;
        out.push(Unit {
            text: cluster.to_owned(),
            width,
            space: cluster == " ",
        });
    }
    out
}

/// Iterates over the clusters of a string (see the module comment).
struct Clusters<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Clusters<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let mut chars = self.rest.char_indices();
        let (_, first) = chars.next()?;
        let mut end = first.len_utf8();
        if !first.is_control() {
            let mut prev = first;
            let mut flag_done = false;
            for (i, c) in chars {
                let joins = if prev == ZWJ {
                    is_pictographic(c)
                } else if is_regional_indicator(prev) && is_regional_indicator(c) && !flag_done {
                    flag_done = true;
                    true
                } else {
                    !c.is_control() && c.width() == Some(0)
                };
                if !joins {
                    break;
                }
                end = i + c.len_utf8();
                prev = c;
            }
        }
        let (cluster, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(cluster)
    }
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

/// Roughly Extended_Pictographic: what may follow a ZWJ in an emoji
/// sequence (👨‍👩‍👧, 🏳️‍🌈, 👩‍⚕️).
fn is_pictographic(c: char) -> bool {
    matches!(c, '\u{1f000}'..='\u{1faff}' | '\u{2600}'..='\u{27bf}' | '\u{2b00}'..='\u{2bff}')
}

/// Appends a row's subject part in bold and its body part plain, as both
/// the chat and the headline panes lay out `[Subject] body`.
pub fn push_head_tail(spans: &mut Vec<ratatui::text::Span<'static>>, head: String, tail: String) {
    use ratatui::style::{Modifier, Style};
    if !head.is_empty() {
        spans.push(ratatui::text::Span::styled(
            head,
            Style::default().add_modifier(Modifier::BOLD),
        ));
    }
    if !tail.is_empty() {
        spans.push(ratatui::text::Span::raw(tail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(s: &str, max: usize) -> Vec<String> {
        wrap(s, max)
    }

    #[test]
    fn widths_count_columns() {
        assert_eq!(width("hello"), 5);
        assert_eq!(width("東京"), 4);
        assert_eq!(width("🎉"), 2);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("👨\u{200d}👩\u{200d}👧"), 2);
        assert_eq!(width("🇫🇷"), 2);
        assert_eq!(width("\tx"), TAB_STOP + 1);
        assert_eq!(width("ab\tx"), TAB_STOP + 1);
        assert_eq!(width("a\u{1b}b"), 2, "controls take no room");
        assert_eq!(width("short\nlonger line"), 11);
        assert_eq!(width(""), 0);
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(rows("hello world foo", 11), ["hello world", "foo"]);
        assert_eq!(rows("hello world foo", 5), ["hello", "world", "foo"]);
        assert_eq!(rows("a  b", 10), ["a  b"], "inner spaces kept");
        assert_eq!(rows("  indented", 20), ["  indented"]);
        assert_eq!(rows("one two", 4), ["one", "two"], "break drops the space");
    }

    #[test]
    fn hard_breaks_long_words() {
        assert_eq!(rows("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(rows("ab cdefghij", 5), ["ab", "cdefg", "hij"]);
    }

    #[test]
    fn honours_newlines_and_empty_lines() {
        assert_eq!(rows("a\n\nb", 10), ["a", "", "b"]);
        assert_eq!(rows("", 10), [""]);
        assert_eq!(rows("\n", 10), ["", ""]);
        assert_eq!(
            rows("abc \nd", 3),
            ["abc", "d"],
            "no row for a dropped space"
        );
    }

    #[test]
    fn cjk_takes_two_columns() {
        assert_eq!(rows("東京都庁", 5), ["東京", "都庁"]);
        assert_eq!(rows("ab東京", 3), ["ab", "東", "京"]);
        assert_eq!(rows("東京 大阪", 6), ["東京", "大阪"]);
        assert_eq!(rows("東", 1), ["東"], "too wide for any row: alone");
    }

    #[test]
    fn emoji_stay_whole() {
        assert_eq!(rows("🎉🎉🎉", 4), ["🎉🎉", "🎉"]);
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(
            rows(&format!("{family}{family}"), 3),
            [family.to_owned(), family.to_owned()]
        );
        assert_eq!(rows("🇫🇷🇩🇪", 3), ["🇫🇷", "🇩🇪"]);
        assert_eq!(rows("❤\u{fe0f}❤\u{fe0f}", 3), ["❤\u{fe0f}", "❤\u{fe0f}"]);
    }

    #[test]
    fn combining_marks_stay_with_their_base() {
        let e = "e\u{301}";
        assert_eq!(rows(&e.repeat(3), 2), [e.repeat(2), e.to_owned()]);
        assert_eq!(rows("cafe\u{301} noir", 5), ["cafe\u{301}", "noir"]);
        // A mark with no base is kept (ratatui will not draw it alone).
        assert_eq!(rows("\u{301}ab", 1), ["\u{301}a", "b"]);
    }

    #[test]
    fn tabs_expand_to_stops() {
        assert_eq!(rows("a\tb", 10), ["a   b"]);
        assert_eq!(rows("\tx", 10), ["    x"]);
        assert_eq!(rows("a\tb", 2), ["a", "b"], "a tab is a break");
    }

    #[test]
    fn hanging_rows_get_their_own_width() {
        assert_eq!(
            wrap_with("aaa bbbbbbb cc", 10, 4),
            ["aaa", "bbbb", "bbb", "cc"]
        );
        assert_eq!(wrap_with("aa bb cc dd", 2, 8), ["aa", "bb cc dd"]);
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello world", 8), "hello w…");
        assert_eq!(truncate("hello world", 7), "hello…");
        assert_eq!(truncate("東京都", 5), "東京…");
        assert_eq!(truncate("東京都", 4), "東…");
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("a\nb", 5), "a b");
    }

    #[test]
    fn split_rows_finds_the_head_again() {
        let head = "[Big news]";
        let rows = wrap(&format!("{head} and more"), 6);
        assert_eq!(rows, ["[Big", "news]", "and", "more"]);
        let split = split_rows(&rows, non_space_chars(head));
        assert_eq!(split[0], ("[Big".to_owned(), String::new()));
        assert_eq!(split[1], ("news]".to_owned(), String::new()));
        assert_eq!(split[2], (String::new(), "and".to_owned()));
        let rows = wrap("[a] b", 10);
        assert_eq!(split_rows(&rows, 3), [("[a]".to_owned(), " b".to_owned())]);
    }
}
