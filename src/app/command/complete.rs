//! Tab completion of a command line: command names by prefix, then each
//! argument by the kind its row gives it (JIDs and groups from the roster,
//! availability words, command names for `/help`). Free text is never
//! completed.

use std::collections::HashSet;

use super::table::{ArgKind, CommandSpec, command_names, find_command, starts_with_ignoring_case};
use super::{Availability, PresenceChoice};

/// What completion may offer: the roster's JIDs (bare or full) and groups.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompletionContext<'a> {
    pub jids: &'a [String],
    pub groups: &'a [String],
}

/// Candidates for the last word of `line` (the cursor is at its end), each a
/// whole replacement line, sorted and without duplicates. Command names
/// complete by prefix even though `parse` wants them whole.
pub fn complete(line: &str, ctx: &CompletionContext<'_>) -> Vec<String> {
    let Some(command_line) = line.strip_prefix('/') else {
        return Vec::new();
    };
    if command_line.starts_with('/') {
        return Vec::new();
    }
    let mut candidates = match command_line.find(char::is_whitespace) {
        None => command_names(command_line)
            .map(|name| format!("/{name}"))
            .collect(),
        Some(name_end) => match find_command(&command_line[..name_end]) {
            Some(spec) => complete_args(line, 1 + name_end, spec, ctx),
            None => Vec::new(),
        },
    };
    candidates.sort();
    candidates.dedup();
    candidates
}

fn complete_args(
    line: &str,
    mut pos: usize,
    spec: &CommandSpec,
    ctx: &CompletionContext<'_>,
) -> Vec<String> {
    // Walk the words; the one touching the end of the line is being typed.
    for kind in spec.args_kinds {
        let rest = &line[pos..];
        let word_start = pos + (rest.len() - rest.trim_start().len());
        match kind {
            ArgKind::Text => return Vec::new(),
            ArgKind::Group => return complete_groups(line, word_start, ctx),
            _ => {}
        }
        match line[word_start..].find(char::is_whitespace) {
            Some(len) => pos = word_start + len,
            None => return complete_word(line, word_start, *kind, ctx),
        }
    }
    Vec::new()
}

fn complete_word(
    line: &str,
    word_start: usize,
    kind: ArgKind,
    ctx: &CompletionContext<'_>,
) -> Vec<String> {
    let (head, partial) = line.split_at(word_start);
    let words: Vec<&str> = match kind {
        ArgKind::Jid => ctx.jids.iter().map(String::as_str).collect(),
        ArgKind::BareJid => ctx.jids.iter().map(|j| bare_part(j)).collect(),
        ArgKind::Availability => Availability::ALL.iter().map(|a| a.as_str()).collect(),
        ArgKind::PresenceChoice => Availability::ALL
            .iter()
            .map(|a| a.as_str())
            .chain([PresenceChoice::Unavailable.as_str()])
            .collect(),
        ArgKind::Command => command_names("").collect(),
        ArgKind::Group | ArgKind::Text | ArgKind::Number => Vec::new(),
    };
    words
        .into_iter()
        .filter(|word| starts_with_ignoring_case(word, partial))
        .map(|word| format!("{head}{word}"))
        .collect()
}

/// Completes the group after the last comma, leaving the earlier ones as
/// typed and not offering them again.
fn complete_groups(line: &str, list_start: usize, ctx: &CompletionContext<'_>) -> Vec<String> {
    let list = &line[list_start..];
    let (done, partial) = match list.rfind(',') {
        Some(comma) => (&list[..comma], list[comma + 1..].trim_start()),
        None => ("", list),
    };
    let head = &line[..line.len() - partial.len()];
    let chosen: HashSet<&str> = done.split(',').map(str::trim).collect();
    ctx.groups
        .iter()
        .filter(|group| !chosen.contains(group.as_str()))
        .filter(|group| starts_with_ignoring_case(group, partial))
        .map(|group| format!("{head}{group}"))
        .collect()
}

fn bare_part(jid: &str) -> &str {
    jid.split_once('/').map_or(jid, |(bare, _)| bare)
}
