#![allow(clippy::unwrap_used)]
use super::*;

/// SUB-07: the same request twice is one prompt.
#[test]
fn sub_07_requests_merge() {
    let mut pending = PendingRequests::default();
    let romeo = BareJid::new("romeo@example.net").unwrap();
    assert!(pending.add(romeo.clone(), Some("It's Romeo".into())));
    assert!(!pending.add(romeo.clone(), None));
    assert_eq!(pending.len(), 1);
    assert_eq!(pending.list()[0].greeting.as_deref(), Some("It's Romeo"));
    assert!(pending.remove(&romeo).is_some());
    assert!(pending.is_empty());
}

/// Requests list in arrival order without sorting; a request made again
/// after it was answered counts as new.
#[test]
fn requests_keep_arrival_order() {
    let mut pending = PendingRequests::default();
    let jids: Vec<BareJid> = ["c@x", "a@x", "b@x"]
        .iter()
        .map(|j| BareJid::new(j).unwrap())
        .collect();
    for jid in &jids {
        pending.add(jid.clone(), None);
    }
    let listed: Vec<_> = pending.iter().map(|r| r.jid.as_str()).collect();
    assert_eq!(listed, ["c@x", "a@x", "b@x"]);
    let first = pending.first_after(0).unwrap().seq();
    assert_eq!(pending.first_after(first).unwrap().jid, jids[1]);
    let rev = pending.rev();
    pending.remove(&jids[0]);
    assert!(pending.rev() > rev);
    pending.add(jids[0].clone(), None);
    let last = pending.iter().last().unwrap();
    assert_eq!(last.jid, jids[0]);
    assert!(last.seq() > first);
    assert_eq!(pending.get(&jids[2]).unwrap().jid, jids[2]);
}
