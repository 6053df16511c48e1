//! Tests of the command language, one file per topic under `tests/`:
//! parsing each command, typed addresses, help and unknown commands,
//! completion, the table's rows and their facts, and odd input. The
//! fixtures they share live here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod complete;
mod help;
mod jid_input;
mod odd_input;
mod parse;
mod table;

use super::*;

fn jid(s: &str) -> Jid {
    Jid::new(s).unwrap()
}

fn bare(s: &str) -> BareJid {
    BareJid::new(s).unwrap()
}

fn ok(line: &str) -> Action {
    match parse(line) {
        Ok(action) => action,
        Err(e) => panic!("{line:?} failed: {e}"),
    }
}

fn err(line: &str) -> String {
    match parse(line) {
        Ok(action) => panic!("{line:?} parsed as {action:?}"),
        Err(e) => e.to_string(),
    }
}

const ROMEO: &str = "romeo@example.net";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
