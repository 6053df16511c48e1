//! The message for an unknown command, with a "did you mean" when one
//! command is clearly closest: by edit distance, else by unique prefix.

use super::jid_input::shown_plain;
use super::table::{COMMANDS, command_names};

/// Says the command is unknown and, when one is close, which was meant.
pub(super) fn unknown_message(name: &str) -> String {
    if name.is_empty() {
        return "a command name must follow the / (try /help; type // to send text \
                that begins with /)"
            .to_owned();
    }
    let name_shown = shown_plain(name);
    match suggestion(name) {
        Some(close) => {
            format!("unknown command /{name_shown}: did you mean /{close}? (try /help)")
        }
        None => format!("unknown command /{name_shown} (try /help)"),
    }
}

/// The command the user probably meant: the single closest name within edit
/// distance 2, else the single name the input is a prefix of.
fn suggestion(typed: &str) -> Option<&'static str> {
    let typed = typed.to_lowercase();
    let typed_len = typed.chars().count();
    let mut best: Option<(usize, &'static str)> = None;
    let mut tied = false;
    for spec in COMMANDS {
        // Cheap bound first: a long line must not cost a full comparison.
        // A name of two letters is within two edits of any short word.
        if typed_len.abs_diff(spec.name.len()) > 2 || spec.name.len() < 3 {
            continue;
        }
        let distance = edit_distance(&typed, spec.name);
        match best {
            _ if distance > 2 => {}
            Some((best_distance, _)) if distance > best_distance => {}
            Some((best_distance, _)) if distance == best_distance => tied = true,
            _ => {
                best = Some((distance, spec.name));
                tied = false;
            }
        }
    }
    match best {
        Some((_, name)) if !tied => Some(name),
        // Several equally close names: better no hint than a wrong one.
        Some(_) => None,
        None => {
            let mut prefixed = command_names(&typed);
            match (prefixed.next(), prefixed.next()) {
                (Some(name), None) if !typed.is_empty() => Some(name),
                _ => None,
            }
        }
    }
}

/// Edit distance over characters, a swap of two neighbours counting as
/// one edit (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Two rows back, for a swap of neighbours (one slip: "quti" for "quit").
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let replace = previous[j] + usize::from(ca != cb);
            let delete = previous[j + 1] + 1;
            let insert = current[j] + 1;
            let mut best = replace.min(delete).min(insert);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                best = best.min(before[j - 1] + 1);
            }
            current.push(best);
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}
