//! `/open [N]`: the links in the current window, newest first, and which
//! one the user asked for (UPLOAD-10). Only `https` links are offered, and
//! `http` ones when `[links] allow_http` says so; each is read through a
//! URL parser and handed on in its serialised form, so what reaches the
//! opener is one well-formed URL with no spaces or control characters.
//! Nothing is fetched or opened on its own: only this command does it.

use super::dispatch::Outcome;
use super::{Effect, State};

/// How many links back `/open N` may reach.
pub const MAX_LINKS: usize = 50;

/// The links `text` shows, in order: words starting with an offered
/// scheme, stripped of the punctuation prose puts around them.
pub fn links_in(text: &str, allow_http: bool) -> Vec<String> {
    text.split(char::is_whitespace)
        .filter_map(|word| link(word, allow_http))
        .collect()
}

fn link(word: &str, allow_http: bool) -> Option<String> {
    let word = word.trim_start_matches(['<', '(', '[', '"', '\'']);
    let word = word.trim_end_matches(['>', ')', ']', '"', '\'', '.', ',', ';', ':', '!', '?']);
    let scheme_end = word.find("://")?;
    let scheme = word[..scheme_end].to_ascii_lowercase();
    if scheme != "https" && !(allow_http && scheme == "http") {
        return None;
    }
    let url = url::Url::parse(word).ok()?;
    url.host_str().filter(|host| !host.is_empty())?;
    Some(url.as_str().to_owned())
}

/// The distinct links of the current window, newest first.
pub fn recent_links(state: &State) -> Vec<String> {
    let Some(conversation) = state.active.and_then(|id| state.chats.get(id)) else {
        return Vec::new();
    };
    let allow_http = state.prefs.allow_http_links;
    let mut found: Vec<String> = Vec::new();
    for line in conversation.lines.iter().rev() {
        for url in links_in(&line.body, allow_http).into_iter().rev() {
            if !found.contains(&url) {
                found.push(url);
            }
            if found.len() == MAX_LINKS {
                return found;
            }
        }
    }
    found
}

/// `/open [N]`: hands the `n`th newest link (1 the newest) to the opener.
pub fn open(state: &State, tag: u64, label: &str, n: usize, effects: &mut Vec<Effect>) -> Outcome {
    let links = recent_links(state);
    if links.is_empty() {
        return Outcome::Failed("no link in this window".to_owned());
    }
    let Some(url) = n.checked_sub(1).and_then(|i| links.get(i)) else {
        return Outcome::Failed(format!(
            "this window has {} link{}: /open 1 is the newest",
            links.len(),
            if links.len() == 1 { "" } else { "s" }
        ));
    };
    if state.prefs.link_command.is_empty() {
        return Outcome::Failed("no [links] command is set in the config".to_owned());
    }
    effects.push(Effect::OpenLink {
        tag,
        label: label.to_owned(),
        command: state.prefs.link_command.clone(),
        url: url.clone(),
    });
    Outcome::Pending
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UPLOAD-10: https links are found in prose, stripped of the
    /// punctuation around them; http only when allowed; other schemes and
    /// broken URLs never.
    #[test]
    fn upload_10_links_in_text() {
        let text = "see <https://up.example/a%20b.png>, or (https://x.example/p?q=1). \
                    http://plain.example/ javascript://x file:///etc/passwd https://";
        assert_eq!(
            links_in(text, false),
            vec!["https://up.example/a%20b.png", "https://x.example/p?q=1"]
        );
        assert_eq!(links_in(text, true).len(), 3);
        assert_eq!(
            links_in("HTTPS://Up.Example/x", false),
            vec!["https://up.example/x"]
        );
    }

    /// UPLOAD-10: what reaches the opener is the parser's form: no control
    /// characters or escapes survive in it.
    #[test]
    fn upload_10_links_are_serialised_safely() {
        let links = links_in("https://evil.example/\u{1b}[31mred\u{7}", false);
        assert_eq!(links.len(), 1);
        assert!(!links[0].chars().any(char::is_control), "{links:?}");
    }
}
