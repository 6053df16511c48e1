//! Each command's line becomes its action, or a usage error naming it.

use super::*;

#[test]
fn msg_with_and_without_text() {
    assert_eq!(
        ok("/msg romeo@example.net  wherefore   art thou  "),
        Action::Message {
            to: jid(ROMEO),
            body: Some("wherefore   art thou".into())
        }
    );
    assert_eq!(
        ok("/msg romeo@example.net/orchard"),
        Action::Message {
            to: jid("romeo@example.net/orchard"),
            body: None
        }
    );
    assert_eq!(err("/msg"), "missing the JID; usage: /msg JID [TEXT]");
    assert_eq!(err("/msg   "), "missing the JID; usage: /msg JID [TEXT]");
}

#[test]
fn normal_with_and_without_subject() {
    assert_eq!(
        ok("/normal romeo@example.net Tonight | Meet me  below | the balcony"),
        Action::Normal {
            to: jid(ROMEO),
            subject: Some("Tonight".into()),
            body: "Meet me  below | the balcony".into()
        }
    );
    assert_eq!(
        ok("/normal romeo@example.net just a|body"),
        Action::Normal {
            to: jid(ROMEO),
            subject: None,
            body: "just a|body".into()
        }
    );
    assert_eq!(
        ok("/normal romeo@example.net | only body"),
        Action::Normal {
            to: jid(ROMEO),
            subject: None,
            body: "only body".into()
        }
    );
    assert_eq!(
        err("/normal romeo@example.net"),
        "missing the message text; usage: /normal JID [SUBJECT |] BODY"
    );
    assert_eq!(
        err("/normal romeo@example.net Tonight |"),
        "the message has a subject but no body; usage: /normal JID [SUBJECT |] BODY"
    );
}

#[test]
fn headline_with_and_without_subject() {
    assert_eq!(
        ok("/headline romeo@example.net News | The feast is on"),
        Action::Headline {
            to: jid(ROMEO),
            subject: Some("News".into()),
            body: "The feast is on".into()
        }
    );
    assert_eq!(
        ok("/headline romeo@example.net The feast is on"),
        Action::Headline {
            to: jid(ROMEO),
            subject: None,
            body: "The feast is on".into()
        }
    );
    assert_eq!(
        err("/headline"),
        "missing the JID; usage: /headline JID [SUBJECT |] BODY"
    );
}

#[test]
fn add_with_and_without_name() {
    assert_eq!(
        ok("/add romeo@example.net Romeo  Montague"),
        Action::Add {
            jid: bare(ROMEO),
            name: Some("Romeo  Montague".into())
        }
    );
    assert_eq!(
        ok("/ADD romeo@example.net"),
        Action::Add {
            jid: bare(ROMEO),
            name: None
        }
    );
    assert_eq!(
        parse("/add romeo@example.net/orchard Romeo"),
        Err(CommandError::NotBare("romeo@example.net/orchard".into()))
    );
    assert_eq!(
        err("/add romeo@example.net/orchard"),
        "use the bare address romeo@example.net, without /orchard"
    );
}

#[test]
fn remove_takes_exactly_one_jid() {
    assert_eq!(
        ok("/remove romeo@example.net"),
        Action::Remove { jid: bare(ROMEO) }
    );
    assert_eq!(
        err("/remove romeo@example.net now"),
        "unexpected extra text \"now\"; usage: /remove JID"
    );
    assert_eq!(err("/remove"), "missing the JID; usage: /remove JID");
}

#[test]
fn rename_sets_or_clears() {
    assert_eq!(
        ok("/rename romeo@example.net Romeo"),
        Action::Rename {
            jid: bare(ROMEO),
            name: Some("Romeo".into())
        }
    );
    assert_eq!(
        ok("/rename romeo@example.net   "),
        Action::Rename {
            jid: bare(ROMEO),
            name: None
        }
    );
    assert_eq!(err("/rename"), "missing the JID; usage: /rename JID [NAME]");
}

/// ROS-16: groups are trimmed, never empty, never repeated; case and
/// inner spaces are kept.
#[test]
fn ros_16_group_trim_dedupe_and_clear() {
    assert_eq!(
        ok("/group romeo@example.net  Friends , Close  Family,,friends, Friends ,"),
        Action::Group {
            jid: bare(ROMEO),
            groups: vec!["Friends".into(), "Close  Family".into(), "friends".into()]
        }
    );
    assert_eq!(
        ok("/group romeo@example.net -"),
        Action::Group {
            jid: bare(ROMEO),
            groups: vec![]
        }
    );
    assert_eq!(
        ok("/group romeo@example.net -,Work"),
        Action::Group {
            jid: bare(ROMEO),
            groups: vec!["-".into(), "Work".into()]
        }
    );
    assert_eq!(
        err("/group romeo@example.net , ,"),
        "no group names given (a lone - clears all groups); \
         usage: /group JID GROUP[,GROUP…]"
    );
    assert_eq!(
        err("/group romeo@example.net"),
        "missing the group names (separate them with commas); \
         usage: /group JID GROUP[,GROUP…]"
    );
}

/// SUB-01, SUB-03: subscribe goes to a bare JID, with an optional greeting.
#[test]
fn sub_03_subscribe_with_greeting() {
    assert_eq!(
        ok("/subscribe romeo@example.net It's Juliet"),
        Action::Subscribe {
            jid: bare(ROMEO),
            greeting: Some("It's Juliet".into())
        }
    );
    assert_eq!(
        ok("/subscribe romeo@example.net"),
        Action::Subscribe {
            jid: bare(ROMEO),
            greeting: None
        }
    );
    assert_eq!(
        err("/subscribe @example.net"),
        "\"@example.net\" is not a valid JID: there is nothing before the @"
    );
}

/// SUB-04, SUB-05, SUB-09, SUB-10: the answers and cancellations take one
/// bare JID.
#[test]
fn sub_single_jid_commands() {
    type Make = fn(BareJid) -> Action;
    let cases: [(&str, Make); 5] = [
        ("unsubscribe", |jid| Action::Unsubscribe { jid }),
        ("approve", |jid| Action::Approve { jid }),
        ("deny", |jid| Action::Deny { jid }),
        ("cancel", |jid| Action::Cancel { jid }),
        ("preapprove", |jid| Action::Preapprove { jid }),
    ];
    for (name, make) in cases {
        assert_eq!(ok(&format!("/{name} {ROMEO}")), make(bare(ROMEO)));
        assert_eq!(
            err(&format!("/{name} {ROMEO}/orchard")),
            "use the bare address romeo@example.net, without /orchard"
        );
        assert_eq!(
            err(&format!("/{name}")),
            format!("missing the JID; usage: /{name} JID")
        );
        assert_eq!(
            err(&format!("/{name} {ROMEO} please")),
            format!("unexpected extra text \"please\"; usage: /{name} JID")
        );
    }
}

#[test]
fn status_words_and_text() {
    for availability in Availability::ALL {
        assert_eq!(
            ok(&format!("/status {}", availability.as_str().to_uppercase())),
            Action::Status {
                availability,
                text: None
            }
        );
    }
    assert_eq!(
        ok("/status away  at the  feast "),
        Action::Status {
            availability: Availability::Away,
            text: Some("at the  feast".into())
        }
    );
    assert_eq!(Availability::Online.show(), None);
    assert_eq!(Availability::Dnd.show(), Some(Show::Dnd));
    assert_eq!(
        err("/status busy"),
        "unknown availability \"busy\": use online, chat, away, xa or dnd; \
         usage: /status online|chat|away|xa|dnd [TEXT]"
    );
    assert_eq!(
        err("/status"),
        "missing the availability (online, chat, away, xa or dnd); \
         usage: /status online|chat|away|xa|dnd [TEXT]"
    );
}

/// SYN-13: only -128..=127 is accepted, with a clear message otherwise.
#[test]
fn syn_13_priority_range() {
    assert_eq!(ok("/priority -128"), Action::Priority(-128));
    assert_eq!(ok("/priority 127"), Action::Priority(127));
    assert_eq!(ok("/priority 0"), Action::Priority(0));
    assert_eq!(
        err("/priority 128"),
        "priority 128 is out of range: it must be from -128 to 127"
    );
    assert_eq!(
        err("/priority -129"),
        "priority -129 is out of range: it must be from -128 to 127"
    );
    assert_eq!(
        parse("/priority abc"),
        Err(CommandError::InvalidPriority(
            "priority must be a whole number from -128 to 127, not \"abc\"".into()
        ))
    );
    assert_eq!(
        err("/priority"),
        "missing the priority (a whole number from -128 to 127); usage: /priority N"
    );
    assert_eq!(
        err("/priority 1 2"),
        "unexpected extra text \"2\"; usage: /priority N"
    );
}

/// PRES-07, PRES-08: directed presence to any JID, available or not.
#[test]
fn pres_07_08_directed_presence() {
    assert_eq!(
        ok("/presence nurse@example.com chat ask me about the feast"),
        Action::Presence {
            to: jid("nurse@example.com"),
            choice: PresenceChoice::Available(Availability::Chat),
            text: Some("ask me about the feast".into())
        }
    );
    assert_eq!(
        ok("/presence room@muc.example.com/juliet Unavailable"),
        Action::Presence {
            to: jid("room@muc.example.com/juliet"),
            choice: PresenceChoice::Unavailable,
            text: None
        }
    );
    assert_eq!(
        err("/presence nurse@example.com gone"),
        "unknown presence \"gone\": use online, chat, away, xa or dnd, or unavailable; \
         usage: /presence JID online|chat|away|xa|dnd|unavailable [TEXT]"
    );
    assert_eq!(
        err("/presence nurse@example.com"),
        "missing the presence (online, chat, away, xa or dnd, or unavailable); \
         usage: /presence JID online|chat|away|xa|dnd|unavailable [TEXT]"
    );
}

#[test]
fn roster_contact_help_quit() {
    assert_eq!(ok("/roster"), Action::Roster);
    assert_eq!(
        err("/roster all"),
        "unexpected extra text \"all\"; usage: /roster"
    );
    assert_eq!(
        ok("/contact romeo@example.net"),
        Action::Contact { jid: bare(ROMEO) }
    );
    assert_eq!(err("/contact"), "missing the JID; usage: /contact JID");
    assert_eq!(ok("/help"), Action::Help { topic: None });
    assert_eq!(
        ok("/help /Group"),
        Action::Help {
            topic: Some("group".into())
        }
    );
    assert_eq!(
        err("/help add remove"),
        "unexpected extra text \"remove\"; usage: /help [COMMAND]"
    );
    assert_eq!(ok("/quit"), Action::Quit { status: None });
    assert_eq!(
        ok("/Quit  off to  Mantua "),
        Action::Quit {
            status: Some("off to  Mantua".into())
        }
    );
}

#[test]
fn say_and_double_slash_escape() {
    assert_eq!(
        ok("  hello,  Romeo "),
        Action::Say {
            text: "hello,  Romeo".into()
        }
    );
    assert_eq!(
        ok("//shrug ¯\\_(ツ)_/¯"),
        Action::Say {
            text: "/shrug ¯\\_(ツ)_/¯".into()
        }
    );
    assert_eq!(ok("//"), Action::Say { text: "/".into() });
    assert_eq!(parse("   "), Err(CommandError::Empty));
    assert_eq!(
        err(""),
        "the line is empty: type a message, or /help to list the commands"
    );
}

/// `/bookmark`: list by default; add with its options (NAME runs to the
/// next option); remove; the room must be a room.
#[test]
fn bookmark_commands_parse() {
    use crate::app::command::{BookmarkCommand, BookmarkEdit};
    let room = BareJid::new("verona@conference.example.com").unwrap();
    assert_eq!(ok("/bookmark"), Action::Bookmark(BookmarkCommand::List));
    assert_eq!(
        ok(
            "/bookmark add verona@conference.example.com --name Fair Verona --autojoin --nick jules --password pw"
        ),
        Action::Bookmark(BookmarkCommand::Add(BookmarkEdit {
            room: room.clone(),
            name: Some("Fair Verona".into()),
            nick: Some("jules".into()),
            password: Some("pw".into()),
            autojoin: Some(true),
        }))
    );
    assert_eq!(
        ok("/bookmark remove verona@conference.example.com"),
        Action::Bookmark(BookmarkCommand::Remove(room))
    );
    // Without ROOM: the room window on screen, resolved when it runs.
    assert_eq!(
        ok("/bookmark add --autojoin"),
        Action::BookmarkHere(BookmarkHere::Add {
            name: None,
            nick: None,
            password: None,
            autojoin: Some(true),
        })
    );
    for (line, want) in [
        ("/bookmark add --nick", "missing the nick"),
        ("/bookmark add --autojoin extra", "unknown option"),
        (
            "/bookmark add conference.example.com",
            "is a service, not a room",
        ),
        ("/bookmark add v@c.example --nick", "missing the nick"),
        (
            "/bookmark add v@c.example --autojoin --no-autojoin",
            "given twice",
        ),
        ("/bookmark add v@c.example --colour red", "unknown option"),
        ("/bookmark edit v@c.example", "unknown subcommand"),
        (
            "/bookmark remove v@c.example extra",
            "unexpected extra text",
        ),
    ] {
        let error = err(line);
        assert!(error.contains(want), "{line}: {error}");
    }
}

/// UPLOAD-02: `/upload PATH [JID]`, a quoted path with spaces, `cancel`.
#[test]
fn upload_path_jid_and_cancel() {
    assert_eq!(
        ok("/upload /tmp/cat.png"),
        Action::Upload {
            path: "/tmp/cat.png".into(),
            to: None
        }
    );
    assert_eq!(
        ok("/upload \"/tmp/my cat.png\"  romeo@example.net"),
        Action::Upload {
            path: "/tmp/my cat.png".into(),
            to: Some(BareJid::new(ROMEO).unwrap())
        }
    );
    // As terminals paste a dropped file: single quotes, or escaped spaces.
    for pasted in ["/upload '/tmp/my cat.png'", "/upload /tmp/my\\ cat.png"] {
        assert_eq!(
            ok(pasted),
            Action::Upload {
                path: "/tmp/my cat.png".into(),
                to: None
            },
            "{pasted}"
        );
    }
    assert_eq!(
        Action::Upload {
            path: "/tmp/my cat.png".into(),
            to: None
        }
        .label(),
        "/upload \"/tmp/my cat.png\""
    );
    assert_eq!(ok("/upload cancel"), Action::UploadCancel);
    assert_eq!(ok("/open"), Action::Open { n: 1 });
    assert_eq!(ok("/open 3"), Action::Open { n: 3 });
    assert!(err("/open 0").contains("from 1"));
    assert!(err("/open first").contains("from 1"));
    assert!(err("/upload").contains("missing the file's path"));
    assert!(err("/upload \"/tmp/a").contains("closing quote"));
    assert!(err("/upload a b c").contains("unexpected extra text"));
}

/// VCARD-01, VCARD-03, VCARD-04, VCARD-06: `/vcard [JID]`, `/vcard set
/// FIELD [VALUE]`, `/vcard retry`.
#[test]
fn vcard_show_set_and_retry() {
    use crate::xmpp::stanza::vcard::Field;
    assert_eq!(ok("/vcard"), Action::Vcard { jid: None });
    assert_eq!(
        ok("/vcard xmpp:romeo@example.net"),
        Action::Vcard {
            jid: Some(bare(ROMEO))
        }
    );
    assert_eq!(
        ok("/vcard set FN  Juliet  Capulet "),
        Action::VcardSet {
            field: Field::FullName,
            value: Some("Juliet  Capulet".into())
        }
    );
    assert_eq!(
        ok("/vcard set note"),
        Action::VcardSet {
            field: Field::Note,
            value: None
        }
    );
    assert_eq!(ok("/vcard retry"), Action::VcardRetry);
    assert_eq!(
        Action::VcardSet {
            field: Field::Email,
            value: None
        }
        .label(),
        "/vcard set email"
    );
    assert!(err("/vcard set").contains("missing the field"));
    assert!(err("/vcard set avatar x").contains("fields are fn, nickname"));
    assert!(err("/vcard romeo@example.net/orchard").contains("bare"));
    assert!(err("/vcard romeo@example.net extra").contains("unexpected extra text"));
    assert!(err("/vcard retry now").contains("unexpected extra text"));
}

/// `/omemo` (OMEMO-31, OMEMO-50…52): on, off and fingerprints with an
/// optional JID; trust and untrust with a fingerprint typed as clients
/// show it.
#[test]
fn omemo_commands_parse() {
    use crate::app::omemo::OmemoCommand;
    let hex = "0123456789abcdef".repeat(4);
    assert_eq!(ok("/omemo on"), Action::Omemo(OmemoCommand::On(None)));
    assert_eq!(
        ok("/omemo OFF romeo@example.net"),
        Action::Omemo(OmemoCommand::Off(Some(bare(ROMEO))))
    );
    assert_eq!(
        ok("/omemo fingerprints"),
        Action::Omemo(OmemoCommand::Fingerprints(None))
    );
    let grouped = "01234567 89ABCDEF 01234567 89abcdef 01234567 89abcdef 01234567 89abcdef";
    let coloned = hex
        .as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).unwrap().to_uppercase())
        .collect::<Vec<_>>()
        .join(":");
    for typed in [hex.clone(), grouped.to_owned(), coloned, format!("05{hex}")] {
        assert_eq!(
            ok(&format!("/omemo trust romeo@example.net {typed}")),
            Action::Omemo(OmemoCommand::Trust {
                jid: bare(ROMEO),
                fingerprint: hex.clone()
            }),
            "{typed}"
        );
    }
    let untrust = ok(&format!("/omemo untrust romeo@example.net {hex}"));
    assert_eq!(
        untrust,
        Action::Omemo(OmemoCommand::Untrust {
            jid: bare(ROMEO),
            fingerprint: hex.clone()
        })
    );
    assert_eq!(
        untrust.label(),
        format!("/omemo untrust romeo@example.net {hex}")
    );
    assert_eq!(ok("/omemo on").label(), "/omemo on");
    assert!(err("/omemo").contains("missing on, off, fingerprints, trust or untrust"));
    assert!(err("/omemo maybe").contains("unknown subcommand"));
    assert!(err("/omemo trust romeo@example.net").contains("missing the fingerprint"));
    assert!(err("/omemo trust romeo@example.net abc").contains("is not a fingerprint"));
    assert!(err(&format!("/omemo trust romeo@example.net {hex}0")).contains("not a fingerprint"));
    assert!(
        err(&format!(
            "/omemo trust romeo@example.net {}",
            "zz".repeat(32)
        ))
        .contains("not a fingerprint")
    );
    assert!(err("/omemo trust").contains("missing the JID"));
    assert!(err("/omemo on romeo@example.net/orchard").contains("bare"));
    assert!(err("/omemo on romeo@example.net extra").contains("unexpected extra text"));
}
