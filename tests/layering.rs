//! Dependencies point one way (`ui → app → xmpp`): a lower layer never
//! names a higher one. This reads the crate's sources and checks every
//! `crate::…` path, in `use` lines and inline, outside comments. Test code
//! inside `app/` (its `tests` modules) may build stanzas to feed the
//! session side, so the rule against `crate::xmpp::element` skips it.

use std::fs;
use std::path::{Path, PathBuf};

/// (files under, may not name, skip test files)
type Rules = &'static [(&'static str, &'static [&'static str], bool)];

const RULES: Rules = &[
    (
        "src/xmpp",
        &[
            "crate::app",
            "crate::ui",
            "crate::tui",
            "crate::engine",
            "crate::cli",
        ],
        false,
    ),
    (
        "src/app",
        &["crate::ui", "crate::tui", "crate::engine", "crate::cli"],
        false,
    ),
    ("src/app", &["crate::xmpp::element"], true),
];

/// Config is plain data under everything.
const CONFIG_RULES: Rules = &[("src/config.rs", &["crate::ui", "crate::app"], false)];

fn sources(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_owned());
        }
        return;
    }
    let Ok(entries) = fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        sources(&entry.path(), out);
    }
}

/// `path` is test code: `tests.rs`, or anything under a `tests/` folder.
fn is_test_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
}

/// The code of `line` without its `//` comment (a `//` inside a string is
/// rare enough in our sources to ignore).
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Every `crate::` path in `code` as written, including the names a `use
/// crate::{a, b}` group brings in, as `crate::a` and `crate::b`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let tail = &rest[at + "crate::".len()..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{'))
            .unwrap_or(tail.len());
        let path = &tail[..end];
        if let Some((head, _)) = path.split_once('{') {
            let group_end = tail.find('}').unwrap_or(tail.len());
            for name in tail[head.len() + 1..group_end].split(',') {
                paths.push(format!("crate::{head}{}", name.trim()));
            }
        } else {
            paths.push(format!("crate::{path}"));
        }
        rest = &tail[end..];
    }
    paths
}

fn names(path: &str, forbidden: &str) -> bool {
    path == forbidden
        || path
            .strip_prefix(forbidden)
            .is_some_and(|rest| rest.starts_with("::"))
}

fn violations(rules: Rules) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for (under, forbidden, skip_tests) in rules {
        let mut files = Vec::new();
        sources(&root.join(under), &mut files);
        assert!(!files.is_empty(), "no sources under {under}");
        for file in files {
            let relative = file.strip_prefix(root).unwrap_or(&file);
            if *skip_tests && is_test_file(relative) {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                for path in crate_paths(code(line)) {
                    if let Some(bad) = forbidden.iter().find(|f| names(&path, f)) {
                        found.push(format!(
                            "{}:{}: names {bad} ({path})",
                            relative.display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn lower_layers_do_not_name_higher_ones() {
    let found = violations(RULES);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn config_names_neither_ui_nor_app() {
    let found = violations(CONFIG_RULES);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn the_scanner_sees_use_groups_and_inline_paths() {
    assert_eq!(
        crate_paths("use crate::{ui::View, app};"),
        ["crate::ui::View", "crate::app"]
    );
    assert_eq!(
        crate_paths("let v = crate::ui::keymap::Keymap::default();"),
        ["crate::ui::keymap::Keymap::default"]
    );
    assert!(crate_paths(code("// see crate::ui")).is_empty());
    assert!(names("crate::ui::View", "crate::ui"));
    assert!(!names("crate::uistuff", "crate::ui"));
}
