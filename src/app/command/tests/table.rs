//! The table's rows: every command parses and has argument kinds, every
//! action finds its row, and each row's facts (works offline, may wait
//! while reconnecting, touches the roster) agree with the rules the app has
//! always applied.

use std::collections::HashSet;

use super::*;
use crate::app::command::table::find_command;
use crate::xmpp::stanza::privacy::PrivacyList;

#[test]
fn every_command_parses_and_has_kinds_for_its_args() {
    for spec in COMMANDS {
        assert!(find_command(spec.name).is_some());
        let words = spec.args.split_whitespace().count();
        assert!(spec.args_kinds.len() >= words.min(1), "{}", spec.name);
        assert!(!spec.summary.is_empty() && !spec.details.is_empty());
    }
}

/// One line per row, and a line for each other shape of its action; plain
/// text comes last.
const EXAMPLES: &[&str] = &[
    "/msg romeo@example.net",
    "/msg romeo@example.net hello",
    "/join verona@conference.example.com/juliet",
    "/leave verona@conference.example.com good night",
    "/nick jules",
    "/topic Act II",
    "/open 2",
    "/kick tybalt brawling",
    "/ban --room verona@conference.example.com tybalt@example.com",
    "/voice nurse",
    "/devoice nurse",
    "/register verona@conference.example.com thirdwitch",
    "/requestvoice --room verona@conference.example.com",
    "/allowvoice tybalt",
    "/role nurse moderator",
    "/affiliation romeo@example.net member",
    "/destroy moved",
    "/invite romeo@example.net join us",
    "/invitations",
    "/continue --room verona@conference.example.com --history romeo@example.net",
    "/configure persistent=yes name=\"The feast\"",
    "/members --room verona@conference.example.com outcast",
    "/rooms conference.example.com",
    "/upload \"/tmp/my cat.png\" romeo@example.net",
    "/upload /tmp/cat.png",
    "/upload cancel",
    "/vcard",
    "/vcard romeo@example.net",
    "/vcard set fn Juliet Capulet",
    "/vcard retry",
    "/accept verona@conference.example.com",
    "/decline verona@conference.example.com busy",
    "/me waves",
    "/correct window",
    "/mute romeo@example.net",
    "/unmute romeo@example.net",
    "/normal romeo@example.net Tonight | Meet me",
    "/headline romeo@example.net The feast is on",
    "/add romeo@example.net Romeo",
    "/remove romeo@example.net",
    "/rename romeo@example.net Romeo",
    "/group romeo@example.net Friends",
    "/subscribe romeo@example.net",
    "/unsubscribe romeo@example.net",
    "/approve romeo@example.net",
    "/deny romeo@example.net",
    "/cancel romeo@example.net",
    "/preapprove romeo@example.net",
    "/status away at the feast",
    "/priority 5",
    "/presence nurse@example.com unavailable",
    "/roster",
    "/contact romeo@example.net",
    "/help",
    "/help msg",
    "/block romeo@example.net",
    "/unblock romeo@example.net",
    "/unblock *",
    "/blocklist",
    "/privacy",
    "/privacy show public",
    "/privacy active public",
    "/privacy default public",
    "/privacy decline active",
    "/privacy decline default",
    "/privacy delete public",
    "/privacy rule public 1 deny jid romeo@example.net",
    "/privacy unrule public 1",
    "/search feast",
    "/omemo on romeo@example.net",
    "/omemo off",
    "/omemo fingerprints",
    "/omemo trust romeo@example.net 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "/bookmark",
    "/bookmark list",
    "/bookmark add verona@conference.example.com --autojoin --nick jules --name The Verona",
    "/bookmark remove verona@conference.example.com",
    "/reconnect",
    "/disconnect",
    "/quit off to Mantua",
    "hello, Romeo",
    "//shrug",
];

/// Every example as an action, with the privacy editor's save, which is
/// never typed.
fn example_actions() -> Vec<Action> {
    let mut actions: Vec<Action> = EXAMPLES.iter().map(|line| ok(line)).collect();
    actions.push(Action::Privacy(PrivacyCommand::Save(PrivacyList {
        name: "public".into(),
        items: Vec::new(),
    })));
    actions
}

/// The commands that work offline, as `app::action::run` listed them.
fn listed_offline(action: &Action) -> bool {
    matches!(
        action,
        Action::Help { .. }
            | Action::Roster
            | Action::Contact { .. }
            | Action::Quit { .. }
            | Action::Reconnect
            | Action::Disconnect { .. }
            | Action::Search { .. }
            | Action::Mute { .. }
            | Action::Unmute { .. }
            | Action::Invitations
            | Action::Open { .. }
            | Action::Omemo(_)
    )
}

/// The messages that wait while reconnecting, as `app::action::run` listed
/// them.
fn listed_may_wait(action: &Action) -> bool {
    matches!(
        action,
        Action::Message { .. }
            | Action::Me { .. }
            | Action::Correct { .. }
            | Action::Say { .. }
            | Action::Normal { .. }
    )
}

/// The commands that can change a roster row, as `app::update` listed them.
fn listed_touches_roster(action: &Action) -> bool {
    !matches!(
        action,
        Action::Message { .. }
            | Action::Me { .. }
            | Action::Correct { .. }
            | Action::Mute { .. }
            | Action::Unmute { .. }
            | Action::Say { .. }
            | Action::Normal { .. }
            | Action::Headline { .. }
            | Action::Help { .. }
            | Action::Search { .. }
            | Action::Nick { .. }
            | Action::Topic { .. }
            | Action::Moderate { .. }
            | Action::Invite { .. }
            | Action::Invitations
            | Action::Continue { .. }
            | Action::Configure { .. }
            | Action::Members { .. }
            | Action::RequestVoice { .. }
            | Action::Register { .. }
            | Action::AllowVoice { .. }
            | Action::Rooms { .. }
            | Action::Upload { .. }
            | Action::UploadCancel
            | Action::Open { .. }
            | Action::Vcard { .. }
            | Action::VcardSet { .. }
            | Action::VcardRetry
            | Action::Decline { .. }
            | Action::Roster
            | Action::Contact { .. }
            | Action::Bookmark(_)
            | Action::Omemo(_)
    )
}

#[test]
fn every_row_is_reached_by_an_example() {
    let reached: HashSet<&str> = example_actions()
        .iter()
        .map(|action| action.spec().name)
        .collect();
    for spec in COMMANDS {
        assert!(reached.contains(spec.name), "no example for /{}", spec.name);
    }
    assert!(reached.contains(SAY.name));
    assert!(find_command(SAY.name).is_none(), "say is not typed");
}

#[test]
fn each_action_finds_the_row_of_its_command() {
    for line in EXAMPLES {
        let spec = ok(line).spec();
        match line.strip_prefix('/').filter(|rest| !rest.starts_with('/')) {
            Some(command_line) => {
                let name = command_line.split_whitespace().next().unwrap();
                assert_eq!(spec.name, name, "{line}");
            }
            None => assert_eq!(spec.name, SAY.name, "{line}"),
        }
    }
    let save = Action::Privacy(PrivacyCommand::Save(PrivacyList {
        name: "public".into(),
        items: Vec::new(),
    }));
    assert_eq!(save.spec().name, "privacy");
}

#[test]
fn row_flags_agree_with_the_listed_rules() {
    for action in example_actions() {
        let spec = action.spec();
        assert_eq!(spec.works_offline, listed_offline(&action), "{action:?}");
        assert_eq!(spec.may_wait, listed_may_wait(&action), "{action:?}");
        assert_eq!(
            spec.touches_roster,
            listed_touches_roster(&action),
            "{action:?}"
        );
    }
}

#[test]
fn row_flags_by_name() {
    let flags = |name: &str| {
        let spec = find_command(name).unwrap();
        (spec.works_offline, spec.may_wait, spec.touches_roster)
    };
    for name in [
        "help",
        "roster",
        "contact",
        "quit",
        "reconnect",
        "disconnect",
        "search",
    ] {
        assert!(flags(name).0, "/{name} works offline");
    }
    for name in ["msg", "normal", "headline", "add", "block", "privacy"] {
        assert!(!flags(name).0, "/{name} needs a connection");
    }
    assert!(!SAY.works_offline);
    for name in ["msg", "normal"] {
        assert!(flags(name).1, "/{name} may wait while reconnecting");
    }
    assert!(SAY.may_wait);
    for name in ["headline", "add", "status", "presence", "help", "quit"] {
        assert!(!flags(name).1, "/{name} does not wait");
    }
    for name in [
        "msg", "normal", "headline", "help", "search", "roster", "contact",
    ] {
        assert!(!flags(name).2, "/{name} leaves the roster rows alone");
    }
    assert!(!SAY.touches_roster);
    for name in [
        "add",
        "remove",
        "rename",
        "group",
        "subscribe",
        "approve",
        "status",
        "block",
        "privacy",
        "reconnect",
        "disconnect",
        "quit",
    ] {
        assert!(flags(name).2, "/{name} can change a roster row");
    }
}

/// A result's label starts with its row's command, so results and `/help`
/// name a command the same way.
#[test]
fn labels_name_the_row() {
    for action in example_actions() {
        let label = action.label();
        let spec = action.spec();
        if spec.name == SAY.name {
            assert_eq!(label, "say");
        } else {
            let command = format!("/{}", spec.name);
            assert!(
                label == command || label.starts_with(&format!("{command} ")),
                "{label:?} for {action:?}"
            );
        }
    }
    assert_eq!(
        ok("/msg romeo@example.net hi").label(),
        "/msg romeo@example.net"
    );
    assert_eq!(ok("/status AWAY").label(), "/status away");
    assert_eq!(ok("/unblock *").label(), "/unblock *");
    assert_eq!(
        ok("/privacy decline default").label(),
        "/privacy decline default"
    );
    assert_eq!(
        ok("/privacy rule public 7 deny").label(),
        "/privacy rule public 7"
    );
}

/// MUC-36…44, MUC-31: the room commands read their words, with an
/// optional leading `--room ROOM`.
#[test]
fn moderation_commands_read_their_words() {
    use crate::app::command::{Moderation, Target};
    use crate::xmpp::stanza::muc::{Affiliation, Role};
    let room = || Some(jid::BareJid::new("verona@conference.example.com").unwrap());
    assert_eq!(
        ok("/kick tybalt for brawling"),
        Action::Moderate {
            room: None,
            order: Moderation::Kick {
                nick: "tybalt".into(),
                reason: Some("for brawling".into())
            }
        }
    );
    assert_eq!(
        ok("/ban --room verona@conference.example.com tybalt"),
        Action::Moderate {
            room: room(),
            order: Moderation::Ban {
                target: Target::Nick("tybalt".into()),
                reason: None
            }
        }
    );
    assert!(
        parse("/ban tybalt@example.com/x brawling").is_err(),
        "a ban is by bare JID"
    );
    assert_eq!(
        ok("/role nurse Moderator"),
        Action::Moderate {
            room: None,
            order: Moderation::Role {
                nick: "nurse".into(),
                role: Role::Moderator
            }
        }
    );
    assert_eq!(
        ok("/affiliation romeo@example.net outcast"),
        Action::Moderate {
            room: None,
            order: Moderation::Affiliation {
                target: Target::Jid(jid::BareJid::new("romeo@example.net").unwrap()),
                affiliation: Affiliation::Outcast
            }
        }
    );
    assert!(err("/role nurse king").contains("roles are moderator"));
    assert!(err("/affiliation romeo@example.net boss").contains("affiliations are owner"));
    assert!(err("/kick").contains("missing the nick"));
    assert!(err("/voice --room").contains("missing the room"));
    assert_eq!(
        ok("/decline busy tonight"),
        Action::Decline {
            room: None,
            reason: Some("busy tonight".into())
        }
    );
}
