//! Language alternatives of human-readable text: the `<body/>`, `<subject/>`
//! and `<status/>` elements that RFC 3921 §2.1.2 and §2.2.2 allow more than
//! once, each with its own `xml:lang` (§13; checklist I18N-03 to I18N-05).
//!
//! Reading collects every alternative; displaying picks exactly one with
//! [`select`] (never joins them); writing keeps one per language with
//! [`push_texts`].

use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// One language alternative of a text element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LangText {
    /// The element's own `xml:lang`; `None` means it inherits the stanza's
    /// (or the stream's) language.
    pub lang: Option<String>,
    pub text: String,
}

impl LangText {
    /// A text without its own `xml:lang`.
    pub fn new(text: impl Into<String>) -> Self {
        LangText {
            lang: None,
            text: text.into(),
        }
    }

    /// A text in language `lang`.
    pub fn with_lang(lang: impl Into<String>, text: impl Into<String>) -> Self {
        LangText {
            lang: Some(lang.into()),
            text: text.into(),
        }
    }
}

/// Reads every child `name` in `jabber:client`, keeping document order.
///
/// SYN-06: these elements hold text only; nested markup a peer slipped in is
/// skipped and only the direct text is kept.
pub fn collect(element: &Element, name: &str) -> Vec<LangText> {
    element
        .children_named(name, ns::CLIENT)
        .map(|child| LangText {
            lang: child.lang().map(str::to_owned),
            text: child.text(),
        })
        .collect()
}

/// Picks the one alternative to show (I18N-03), in this order:
///
/// 1. the user's language, exactly (tags compare without case, I18N-05);
/// 2. a prefix match on subtags in either direction: `en-GB` takes `en`, and
///    `en` takes `en-GB`; the closest relative wins (`en-GB` prefers `en` to
///    `en-US`);
/// 3. the one without `xml:lang`, or whose language is `stanza_lang` (the
///    stanza's or stream's default);
/// 4. the first.
///
/// An alternative without its own `xml:lang` is in `stanza_lang` for steps 1
/// and 2. An empty `xml:lang=''` means "no language" (XML 1.0 §2.12) and never
/// matches a preference. Never joins alternatives.
pub fn select<'a>(
    texts: &'a [LangText],
    preferred: &str,
    stanza_lang: Option<&str>,
) -> Option<&'a LangText> {
    let preferred: Vec<&str> = subtags(preferred);
    if !preferred.is_empty() {
        // Rank by subtags in common (more is better), then by extra subtags
        // the candidate adds (fewer is better); ties keep document order.
        let mut best: Option<(&LangText, (usize, std::cmp::Reverse<usize>))> = None;
        for text in texts {
            let Some(lang) = effective_lang(text, stanza_lang) else {
                continue;
            };
            let candidate = subtags(lang);
            let common = preferred
                .iter()
                .zip(&candidate)
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .count();
            if common == 0 {
                continue;
            }
            let rank = (common, std::cmp::Reverse(candidate.len() - common));
            if best.as_ref().is_none_or(|(_, r)| rank > *r) {
                best = Some((text, rank));
            }
        }
        if let Some((text, _)) = best {
            return Some(text);
        }
    }
    texts
        .iter()
        .find(|text| match text.lang.as_deref() {
            None | Some("") => true,
            Some(lang) => stanza_lang.is_some_and(|s| s.eq_ignore_ascii_case(lang)),
        })
        .or_else(|| texts.first())
}

/// Appends `texts` to `parent` as `name` children, with `xml:lang` where set.
///
/// I18N-04: siblings must differ in language, counting the inherited
/// `default_lang` for ones without their own. When two share a language, the
/// first one is kept and the later one dropped.
pub fn push_texts(
    parent: &mut Element,
    name: &str,
    texts: &[LangText],
    default_lang: Option<&str>,
) {
    let mut seen: Vec<Option<String>> = Vec::with_capacity(texts.len());
    for text in texts {
        let key = effective_lang(text, default_lang).map(str::to_ascii_lowercase);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        parent.push_child(
            Element::new(name, ns::CLIENT)
                .with_opt_attr("xml:lang", text.lang.clone())
                .with_text(text.text.clone()),
        );
    }
}

/// The language a text is in: its own `xml:lang`, else the inherited one.
/// `xml:lang=''` explicitly says "unknown", so it does not inherit.
fn effective_lang<'a>(text: &'a LangText, inherited: Option<&'a str>) -> Option<&'a str> {
    match text.lang.as_deref() {
        Some("") => None,
        Some(lang) => Some(lang),
        None => inherited.filter(|l| !l.is_empty()),
    }
}

/// The subtags of a language tag (`en-GB` → `["en", "GB"]`); empty for an
/// empty tag.
fn subtags(tag: &str) -> Vec<&str> {
    tag.split('-').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::test_xml;

    fn texts(items: &[(Option<&str>, &str)]) -> Vec<LangText> {
        items
            .iter()
            .map(|(lang, text)| LangText {
                lang: lang.map(str::to_owned),
                text: (*text).to_owned(),
            })
            .collect()
    }

    fn pick<'a>(texts: &'a [LangText], preferred: &str, stanza_lang: Option<&str>) -> &'a str {
        select(texts, preferred, stanza_lang).unwrap().text.as_str()
    }

    /// I18N-03 with the SYN-07 example: UI language `it` → `Ciao`.
    #[test]
    fn i18n_03_exact_match() {
        let t = texts(&[(Some("en"), "Hi"), (Some("it"), "Ciao")]);
        assert_eq!(pick(&t, "it", None), "Ciao");
        assert_eq!(pick(&t, "en", None), "Hi");
    }

    /// I18N-05: language tags compare without regard to case.
    #[test]
    fn i18n_05_case_insensitive() {
        let t = texts(&[(Some("en"), "Hi"), (Some("IT"), "Ciao")]);
        assert_eq!(pick(&t, "it", None), "Ciao");
        let t = texts(&[(Some("EN-gb"), "Hiya"), (Some("en"), "Hi")]);
        assert_eq!(pick(&t, "en-GB", None), "Hiya");
    }

    /// I18N-03: `en-GB` wants `en`; `en` accepts `en-GB`.
    #[test]
    fn i18n_03_prefix_match_both_ways() {
        let t = texts(&[(Some("it"), "Ciao"), (Some("en"), "Hi")]);
        assert_eq!(pick(&t, "en-GB", None), "Hi");
        let t = texts(&[(Some("it"), "Ciao"), (Some("en-GB"), "Hiya")]);
        assert_eq!(pick(&t, "en", None), "Hiya");
    }

    /// I18N-03: the closest relative wins over a sibling dialect.
    #[test]
    fn i18n_03_closest_prefix_wins() {
        let t = texts(&[(Some("en-US"), "Howdy"), (Some("en"), "Hi")]);
        assert_eq!(pick(&t, "en-GB", None), "Hi");
        let t = texts(&[(Some("en-US"), "Howdy"), (Some("it"), "Ciao")]);
        assert_eq!(pick(&t, "en-GB", None), "Howdy");
    }

    /// I18N-03: exact beats prefix even when the prefix match comes first.
    #[test]
    fn i18n_03_exact_beats_prefix() {
        let t = texts(&[(Some("en"), "Hi"), (Some("en-GB"), "Hiya")]);
        assert_eq!(pick(&t, "en-GB", None), "Hiya");
        assert_eq!(pick(&t, "en", None), "Hi");
    }

    /// I18N-03: no language match → the one without `xml:lang`, then the
    /// stanza default, then the first.
    #[test]
    fn i18n_03_fallbacks() {
        let t = texts(&[(Some("it"), "Ciao"), (None, "Hi")]);
        assert_eq!(pick(&t, "fr", None), "Hi");
        let t = texts(&[(Some("it"), "Ciao"), (Some("de"), "Hallo")]);
        assert_eq!(pick(&t, "fr", Some("DE")), "Hallo");
        assert_eq!(pick(&t, "fr", None), "Ciao");
        assert_eq!(pick(&t, "", None), "Ciao");
        assert!(select(&[], "en", None).is_none());
    }

    /// An element without `xml:lang` is in the stanza's language (RFC 6121
    /// §5.2.3, inheritance), so it matches the preference exactly.
    #[test]
    fn i18n_03_inherited_lang_matches() {
        let t = texts(&[(Some("en"), "Hi"), (None, "Ciao")]);
        assert_eq!(pick(&t, "it", Some("it")), "Ciao");
    }

    /// `xml:lang=''` means "unknown": it never matches a preference.
    #[test]
    fn empty_lang_is_unknown() {
        let t = texts(&[(Some(""), "??"), (Some("en"), "Hi")]);
        assert_eq!(pick(&t, "en", Some("en")), "Hi");
        assert_eq!(pick(&t, "fr", None), "??");
    }

    /// SYN-06: stray markup inside a text element is ignored; only the
    /// `jabber:client` children of that name are read.
    #[test]
    fn syn_06_collect_ignores_markup() {
        let e = test_xml::parse(
            "<message><body xml:lang='en'>one <b>bold</b>two</body>\
             <body xmlns='urn:other'>not me</body><subject>s</subject></message>",
        );
        assert_eq!(
            collect(&e, "body"),
            vec![LangText::with_lang("en", "one two")]
        );
        assert_eq!(collect(&e, "subject"), vec![LangText::new("s")]);
    }

    /// I18N-04: never two siblings with the same language, or two without.
    #[test]
    fn i18n_04_push_texts_dedupes() {
        let mut e = Element::new("message", ns::CLIENT);
        let t = texts(&[
            (None, "a"),
            (Some("en"), "b"),
            (None, "c"),
            (Some("EN"), "d"),
            (Some("it"), "e"),
        ]);
        push_texts(&mut e, "body", &t, None);
        assert_eq!(
            e.to_xml(),
            "<message><body>a</body><body xml:lang='en'>b</body><body xml:lang='it'>e</body></message>"
        );
    }

    /// I18N-04: a body without `xml:lang` inherits the stanza's, so an
    /// explicit body in that same language is a duplicate.
    #[test]
    fn i18n_04_push_texts_counts_inherited_lang() {
        let mut e = Element::new("message", ns::CLIENT);
        let t = texts(&[(None, "Hi"), (Some("en"), "Hello")]);
        push_texts(&mut e, "body", &t, Some("en"));
        assert_eq!(e.to_xml(), "<message><body>Hi</body></message>");
    }
}
