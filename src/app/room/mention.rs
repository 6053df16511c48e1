//! Whether a room message mentions us: our current nick in its body as a
//! whole word, case aside. Pure text work, used by the room's update (to
//! count and notify) and by the room window (to highlight); no state.
//!
//! A word boundary is the body's start or end, or a character that is not
//! a letter, a digit or `_` on the side of the nick: "juliet:", "@Juliet",
//! "hi juliet!" mention `juliet`; "juliets" and "romeo_juliet" do not.

/// True when `body` names `nick` as a word, ignoring case. An empty nick
/// mentions nobody.
pub fn mentions(body: &str, nick: &str) -> bool {
    let nick = nick.trim();
    if nick.is_empty() {
        return false;
    }
    // Lower-cased copies: lengths may change with case, so positions are
    // taken in the lowered body only.
    let body = body.to_lowercase();
    let nick = nick.to_lowercase();
    let mut from = 0;
    while let Some(found) = body[from..].find(&nick) {
        let start = from + found;
        let end = start + nick.len();
        let before = body[..start].chars().next_back();
        let after = body[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return true;
        }
        // On past the first character of this match.
        from = start + body[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// A character that continues a word.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn whole_word_any_case() {
        assert!(mentions("juliet: come down", "juliet"));
        assert!(mentions("hi Juliet!", "juliet"));
        assert!(mentions("@JULIET look", "juliet"));
        assert!(mentions("juliet", "Juliet"));
        assert!(mentions("says romeo, juliet.", "juliet"));
    }

    #[test]
    fn not_inside_other_words() {
        assert!(!mentions("juliets and romeos", "juliet"));
        assert!(!mentions("romeo_juliet", "juliet"));
        assert!(!mentions("julietta", "juliet"));
        assert!(!mentions("nobody here", "juliet"));
        assert!(!mentions("anything", ""));
        assert!(!mentions("anything", "  "));
    }

    /// A first match inside a word does not hide a later whole one.
    #[test]
    fn later_match_counts() {
        assert!(mentions("juliets? no, juliet", "juliet"));
        assert!(mentions("xjuliet juliet", "juliet"));
    }

    /// Nicks with spaces, punctuation and letters beyond ASCII.
    #[test]
    fn unusual_nicks() {
        assert!(mentions("ask Mr. Capulet about it", "mr. capulet"));
        assert!(mentions("ÉLODIE, viens", "élodie"));
        assert!(!mentions("élodiea", "élodie"));
        assert!(mentions("thanks 東京", "東京"));
        assert!(mentions("[nurse] ok", "[nurse]"));
    }
}
