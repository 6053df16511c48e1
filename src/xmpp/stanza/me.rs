//! The /me command (XEP-0245; checklist §4, ME-01..06): whether a body is
//! an action, and the text after `/me `.
//!
//! Pure text rules, on any body wherever it came from (ME-05: live, room,
//! carbon, archive, correction). Drawing an action and choosing the name
//! (ME-01, ME-04) belong to the ui; this module must not import
//! `crate::app` or `crate::ui`.

use std::borrow::Cow;

/// The prefix that makes a body an action: exactly these four characters.
const PREFIX: &str = "/me ";

/// ME-01 / ME-02: the text after `/me ` when `body` starts with exactly
/// those four characters, else `None` (`/meshrugs`, `/me's`, a leading
/// space, a quote, `/me` later in the text).
pub fn action(body: &str) -> Option<&str> {
    body.strip_prefix(PREFIX)
}

/// ME-06: `body` as plain text, with `/me ` replaced by `name` and a space
/// for an action (`Romeo bows`), and unchanged otherwise.
pub fn plain_text<'a>(name: &str, body: &'a str) -> Cow<'a, str> {
    match action(body) {
        Some(rest) => Cow::Owned(format!("{name} {rest}")),
        None => Cow::Borrowed(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ME-01 / ME-03: the checklist's action; the body is sent unchanged.
    #[test]
    fn me_01_action() {
        assert_eq!(action("/me bows"), Some("bows"));
        assert_eq!(action("/me waves"), Some("waves"));
        assert_eq!(action("/me "), Some(""));
        assert_eq!(action("/me  two spaces"), Some(" two spaces"));
        assert_eq!(action("/me has left the room"), Some("has left the room"));
    }

    /// ME-02: nothing else is an action.
    #[test]
    fn me_02_not_actions() {
        for body in [
            "/meshrugs",
            "/me's",
            " /me bows",
            "\"/me bows\"",
            "he said /me bows",
            "/me",
            "/ME bows",
            "/me\tbows",
            "/me\u{a0}bows",
            "",
        ] {
            assert_eq!(action(body), None, "{body:?}");
        }
    }

    /// ME-06: the notification text.
    #[test]
    fn me_06_plain_text() {
        assert_eq!(plain_text("Romeo", "/me bows"), "Romeo bows");
        assert_eq!(plain_text("Romeo", "hello"), "hello");
        assert!(matches!(plain_text("Romeo", "hello"), Cow::Borrowed(_)));
    }
}
