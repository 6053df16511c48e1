//! Tab completion: command names, JIDs, groups and availability words.

use super::*;

#[test]
fn complete_command_names() {
    let ctx = CompletionContext::default();
    assert_eq!(
        complete("/re", &ctx),
        [
            "/reconnect",
            "/register",
            "/remove",
            "/rename",
            "/requestvoice"
        ]
    );
    assert_eq!(complete("/PRE", &ctx), ["/preapprove", "/presence"]);
    assert_eq!(complete("/", &ctx).len(), COMMANDS.len());
    assert!(complete("/zz", &ctx).is_empty());
    assert!(complete("hello", &ctx).is_empty());
    assert!(complete("//re", &ctx).is_empty());
    assert_eq!(
        complete("/help ro", &ctx),
        ["/help role", "/help rooms", "/help roster"]
    );
}

#[test]
fn complete_jids() {
    let jids = strings(&[
        "romeo@example.net",
        "Rosaline@example.net",
        "romeo@example.net/orchard",
        "nurse@example.com",
    ]);
    let ctx = CompletionContext {
        jids: &jids,
        groups: &[],
    };
    assert_eq!(
        complete("/msg ro", &ctx),
        [
            "/msg Rosaline@example.net",
            "/msg romeo@example.net",
            "/msg romeo@example.net/orchard"
        ]
    );
    // Bare-JID commands offer each contact once, without resources.
    assert_eq!(
        complete("/add RO", &ctx),
        ["/add Rosaline@example.net", "/add romeo@example.net"]
    );
    assert_eq!(complete("/remove ", &ctx).len(), 3);
    // Past the JID comes free text: nothing to offer.
    assert!(complete("/msg romeo@example.net ro", &ctx).is_empty());
    assert!(complete("/remove romeo@example.net ", &ctx).is_empty());
    assert!(complete("/nosuch ro", &ctx).is_empty());
}

#[test]
fn complete_groups_after_commas() {
    let groups = strings(&["Friends", "Family", "Work", "Close Friends"]);
    let jids = strings(&[ROMEO]);
    let ctx = CompletionContext {
        jids: &jids,
        groups: &groups,
    };
    assert_eq!(
        complete("/group romeo@example.net f", &ctx),
        [
            "/group romeo@example.net Family",
            "/group romeo@example.net Friends"
        ]
    );
    assert_eq!(
        complete("/group romeo@example.net Friends, f", &ctx),
        ["/group romeo@example.net Friends, Family"]
    );
    assert_eq!(
        complete("/group romeo@example.net Work,Clo", &ctx),
        ["/group romeo@example.net Work,Close Friends"]
    );
    assert_eq!(
        complete("/group romeo@example.net Close Fr", &ctx),
        ["/group romeo@example.net Close Friends"]
    );
    assert_eq!(complete("/group rom", &ctx), ["/group romeo@example.net"]);
}

#[test]
fn complete_availability_words() {
    let ctx = CompletionContext::default();
    assert_eq!(
        complete("/status ", &ctx),
        [
            "/status away",
            "/status chat",
            "/status dnd",
            "/status online",
            "/status xa"
        ]
    );
    assert_eq!(complete("/status a", &ctx), ["/status away"]);
    assert!(complete("/status away ", &ctx).is_empty());
    assert_eq!(
        complete("/presence nurse@example.com u", &ctx),
        ["/presence nurse@example.com unavailable"]
    );
    assert!(complete("/priority ", &ctx).is_empty());
}
