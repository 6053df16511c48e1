//! The `/help` text, and the wording for an unknown command.

use super::*;

#[test]
fn unknown_command_with_did_you_mean() {
    assert_eq!(err("/foo"), "unknown command /foo (try /help)");
    assert_eq!(
        err("/rmove romeo@example.net"),
        "unknown command /rmove: did you mean /remove? (try /help)"
    );
    assert_eq!(
        err("/QUTI"),
        "unknown command /QUTI: did you mean /quit? (try /help)"
    );
    // Prefixes are refused but hinted at.
    assert_eq!(
        parse("/rem romeo@example.net"),
        Err(CommandError::Unknown("rem".into()))
    );
    assert_eq!(
        err("/rem romeo@example.net"),
        "unknown command /rem: did you mean /remove? (try /help)"
    );
    // "/pr" is close to nothing and a prefix of four commands ("/re" was
    // too, until "/role" came within two edits of it).
    assert_eq!(err("/pr"), "unknown command /pr (try /help)");
    assert_eq!(
        err("/ msg"),
        "a command name must follow the / (try /help; type // to send text \
         that begins with /)"
    );
    assert_eq!(err("/zzz\u{7}"), "unknown command /zzz\\u{7} (try /help)");
}

#[test]
fn help_lists_every_command() {
    let text = help(None).unwrap();
    for spec in COMMANDS {
        assert!(text.contains(&format!("/{} ", spec.name)), "{}", spec.name);
        assert!(text.contains(spec.summary), "{}", spec.name);
    }
    // Summaries start in one column.
    let add = text.lines().find(|l| l.starts_with("/add ")).unwrap();
    let roster = text.lines().find(|l| l.starts_with("/roster ")).unwrap();
    assert_eq!(add.find("add a contact"), roster.find("list your contacts"));
    assert!(add.starts_with("/add JID [NAME]  "));
}

#[test]
fn help_for_one_command() {
    assert_eq!(
        help(Some("/GROUP")).unwrap(),
        "/group JID GROUP[,GROUP…]\n  put a contact in these groups instead of the old ones\n  \
         Separate groups with commas; names may contain spaces and keep their case. \
         Empty and repeated names are dropped. A lone - removes all groups."
    );
    assert_eq!(help(Some("  ")), help(None));
    assert_eq!(
        help(Some("remve")).unwrap_err().to_string(),
        "unknown command /remve: did you mean /remove? (try /help)"
    );
}
