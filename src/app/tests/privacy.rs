//! Privacy lists and blocking in the store (checklist §8, PRIV-*, BLK-*):
//! the jobs' requests in order, the server's answers fed back one by one,
//! and what the user is told.

use super::*;
use crate::xmpp::stanza::privacy::{ListNames, PrivacyList, parse_list};

const PRIVACY_FEATURES: &str = "<iq type='result' id='d1'>\
     <query xmlns='http://jabber.org/protocol/disco#info'>\
     <feature var='jabber:iq:privacy'/></query></iq>";

/// The disco#info answer: privacy lists, no blocking command.
fn privacy_server(state: &mut State) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::ServerInfo,
            result: decoded(&Query::ServerInfo, Ok(iq(PRIVACY_FEATURES))),
        },
    )
}

/// A list as the server sends it inside `<query/>`.
fn list_xml(name: &str, items: &str) -> String {
    format!("<query xmlns='jabber:iq:privacy'><list name='{name}'>{items}</list></query>")
}

fn list(name: &str, items: &str) -> PrivacyList {
    parse_list(&test_xml::parse(&list_xml(name, items))).unwrap()
}

/// Puts `lists` in the store, `active` and `default` naming some of them,
/// as if fetched at login.
fn with_lists(
    state: &mut State,
    active: Option<&str>,
    default: Option<&str>,
    lists: &[PrivacyList],
) {
    state.privacy.support.known = true;
    state.privacy.support.privacy_lists = true;
    state.privacy.names = Some(ListNames {
        active: active.map(str::to_owned),
        default: default.map(str::to_owned),
        lists: lists.iter().map(|l| l.name.clone()).collect(),
    });
    for l in lists {
        state.privacy.lists.insert(l.name.clone(), l.clone());
    }
}

/// The privacy requests among `effects`: (job tag, XML with `ID`).
fn privacy_requests(effects: &[Effect]) -> Vec<(u64, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request {
                query,
                purpose: Purpose::Privacy { tag },
            } => {
                let mut iq = query.to_iq("example.com");
                iq.id = "ID".into();
                Some((*tag, iq.to_element().to_xml()))
            }
            _ => None,
        })
        .collect()
}

/// The only privacy request among `effects`.
fn one_request(effects: &[Effect]) -> (u64, String) {
    let requests = privacy_requests(effects);
    assert_eq!(requests.len(), 1, "{:?}", trace(effects));
    requests.into_iter().next().unwrap()
}

/// The server answers job `tag`'s current step with `result` (`payload`
/// inside it, or empty).
fn answer(state: &mut State, tag: u64, payload: &str) -> Vec<Effect> {
    let query = step_query(state, tag);
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Privacy { tag },
            result: decoded(
                &query,
                Ok(iq(&format!("<iq type='result' id='x'>{payload}</iq>"))),
            ),
        },
    )
}

/// The server answers job `tag`'s current step with an error.
fn refuse(state: &mut State, tag: u64, condition: StanzaCondition) -> Vec<Effect> {
    update(
        state,
        Msg::Reply {
            purpose: Purpose::Privacy { tag },
            result: Err(RequestError::Stanza(StanzaError::new(
                ErrorType::Cancel,
                condition,
            ))),
        },
    )
}

fn names_xml(active: Option<&str>, default: Option<&str>, lists: &[&str]) -> String {
    let mut xml = "<query xmlns='jabber:iq:privacy'>".to_owned();
    if let Some(a) = active {
        xml.push_str(&format!("<active name='{a}'/>"));
    }
    if let Some(d) = default {
        xml.push_str(&format!("<default name='{d}'/>"));
    }
    for l in lists {
        xml.push_str(&format!("<list name='{l}'/>"));
    }
    xml.push_str("</query>");
    xml
}

/// PRIV-22: a deny that covers only presence-in is not what refused our
/// message; the deny-all rule after it is, and the user is told so.
#[test]
fn priv_22_bounce_explained_by_the_rule_for_messages() {
    let mut state = logged_in();
    let shield = list(
        "shield",
        "<item type='jid' value='romeo@example.net' action='deny' order='10'><presence-in/></item>\
         <item type='jid' value='romeo@example.net' action='deny' order='20'/>\
         <item action='allow' order='100'/>",
    );
    with_lists(&mut state, Some("shield"), None, &[shield]);
    message(
        &mut state,
        "<message type='error' from='romeo@example.net' id='m9'><error type='cancel'>\
         <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
    );
    let text = &last_notice(&state).text;
    assert!(text.contains("blocked by your privacy list"), "{text}");
}

/// PRIV-22: a list that denies romeo only presence-in does not explain a
/// bounced message; nor does it mark him blocked.
#[test]
fn priv_22_presence_only_deny_is_not_a_message_block() {
    let mut state = logged_in();
    let quiet = list(
        "quiet",
        "<item type='jid' value='romeo@example.net' action='deny' order='10'><presence-in/></item>\
         <item action='allow' order='100'/>",
    );
    with_lists(&mut state, None, Some("quiet"), &[quiet]);
    assert!(!state.is_blocked(&bare("romeo@example.net")));
    message(
        &mut state,
        "<message type='error' from='romeo@example.net' id='m9'><error type='cancel'>\
         <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
    );
    let text = &last_notice(&state).text;
    assert!(!text.contains("privacy list"), "{text}");
}

/// The `/privacy delete` walk through the server's answers: each request
/// (what it contains) and the final result line.
fn delete_walk(state: &mut State, names: &str, last: Option<StanzaCondition>) -> Vec<String> {
    let mut seen = Vec::new();
    let effects = run(state, 1, "/privacy delete work");
    let (tag, xml) = one_request(&effects);
    seen.push(xml);
    let mut effects = answer(state, tag, names);
    loop {
        let requests = privacy_requests(&effects);
        let Some((tag, xml)) = requests.into_iter().next() else {
            break;
        };
        let is_remove = xml.contains("<list name='work'/>");
        seen.push(xml);
        effects = match (&last, is_remove) {
            (Some(condition), true) => refuse(state, tag, *condition),
            _ if tag > 1_000 => {
                // An internal job (after a failure): let it end quietly.
                answer(state, tag, "")
            }
            _ if seen.len() > 12 => panic!("no end: {seen:?}"),
            _ => answer(state, tag, &names_xml(None, None, &["work"])),
        };
        seen.extend(results(&effects));
    }
    seen
}

/// PRIV-13: deleting the list this session uses as active and default
/// declines both first (ejabberd refuses to delete a list in use, even by
/// the sender), then deletes it.
#[test]
fn priv_13_delete_declines_our_own_active_and_default_first() {
    let mut state = logged_in();
    let work = list("work", "<item action='allow' order='1'/>");
    with_lists(&mut state, Some("work"), Some("work"), &[work]);
    let seen = delete_walk(
        &mut state,
        &names_xml(Some("work"), Some("work"), &["work"]),
        None,
    );
    let names_get = "<iq type='get' id='ID'><query xmlns='jabber:iq:privacy'/></iq>";
    let set = |inner: &str| {
        format!("<iq type='set' id='ID'><query xmlns='jabber:iq:privacy'>{inner}</query></iq>")
    };
    assert_eq!(
        seen,
        [
            names_get.to_owned(),
            set("<active/>"),
            set("<default/>"),
            set("<list name='work'/>"),
            names_get.to_owned(),
            "ok /privacy delete work: deleted".to_owned(),
        ]
    );
    let names = state.privacy.names.clone().unwrap();
    assert_eq!((names.active, names.default), (None, None));
}

/// PRIV-13: a list only another session uses is deleted without touching
/// ours; its `conflict` is then truly another session's, and what we
/// declined first is put back.
#[test]
fn priv_13_conflict_after_declining_is_another_sessions_and_is_undone() {
    let mut state = logged_in();
    let work = list("work", "<item action='allow' order='1'/>");
    with_lists(&mut state, Some("work"), None, &[work]);
    let seen = delete_walk(
        &mut state,
        &names_xml(Some("work"), None, &["work"]),
        Some(StanzaCondition::Conflict),
    );
    assert!(seen[1].contains("<active/>"), "{seen:?}");
    assert!(!seen.iter().any(|s| s.contains("<default/>")), "{seen:?}");
    let failed = seen
        .iter()
        .find(|s| s.starts_with("failed"))
        .expect("a failure");
    assert!(failed.contains("another session"), "{failed}");
    assert!(failed.contains("work is active again"), "{failed}");
    assert!(
        seen.iter().any(|s| s.contains("<active name='work'/>")),
        "PRIV-14: re-activated: {seen:?}"
    );
}

/// PRIV-04: a list that is not there is reported missing and the names
/// are fetched again.
#[test]
fn priv_04_missing_list_refetches_the_names() {
    let mut state = logged_in();
    with_lists(&mut state, None, None, &[]);
    let effects = run(&mut state, 1, "/privacy show gone");
    let (tag, xml) = one_request(&effects);
    assert!(xml.contains("<list name='gone'/>"), "{xml}");
    let effects = refuse(&mut state, tag, StanzaCondition::ItemNotFound);
    let lines = results(&effects);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("there is no such list"), "{lines:?}");
    let (_, again) = one_request(&effects);
    assert_eq!(
        again,
        "<iq type='get' id='ID'><query xmlns='jabber:iq:privacy'/></iq>"
    );
}

/// What the server holds in a [`drive`]n exchange.
type Responder<'a> = dyn FnMut(&str) -> Result<String, StanzaCondition> + 'a;

/// Answers every privacy request among `effects` (and those that follow)
/// with `respond`, until no request is left. Returns the requests (XML with
/// `ID`) and the events' lines, in order.
fn drive(state: &mut State, effects: Vec<Effect>, respond: &mut Responder<'_>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut pending: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = pending.pop_front() {
        match &effect {
            Effect::Request {
                purpose: Purpose::Privacy { tag },
                ..
            } => {
                let (tag, xml) = (
                    *tag,
                    privacy_requests(std::slice::from_ref(&effect))[0].1.clone(),
                );
                seen.push(xml.clone());
                assert!(seen.len() < 40, "no end: {seen:?}");
                let next = match respond(&xml) {
                    Ok(payload) => answer(state, tag, &payload),
                    Err(condition) => refuse(state, tag, condition),
                };
                pending.extend(next);
            }
            Effect::Emit(event) => seen.push(event.to_line()),
            Effect::SendPresence(p) => seen.push(format!("presence {}", presence_xml(p))),
            _ => {}
        }
    }
    seen
}

/// A fake server's privacy store: lists by name, and the markers.
#[derive(Default)]
struct Store {
    lists: std::collections::BTreeMap<String, String>,
    active: Option<String>,
    default: Option<String>,
}

impl Store {
    fn respond(&mut self, xml: &str) -> Result<String, StanzaCondition> {
        let request = test_xml::parse(xml);
        let query = request
            .child("query", crate::xmpp::ns::PRIVACY)
            .expect("a privacy query");
        let set = request.attr("type") == Some("set");
        for marker in ["active", "default"] {
            if let Some(element) = query.child(marker, crate::xmpp::ns::PRIVACY) {
                let name = element.attr("name").map(str::to_owned);
                if name.as_ref().is_some_and(|n| !self.lists.contains_key(n)) {
                    return Err(StanzaCondition::ItemNotFound);
                }
                *(if marker == "active" {
                    &mut self.active
                } else {
                    &mut self.default
                }) = name;
                return Ok(String::new());
            }
        }
        let Some(list) = query.child("list", crate::xmpp::ns::PRIVACY) else {
            let names: Vec<&str> = self.lists.keys().map(String::as_str).collect();
            return Ok(names_xml(
                self.active.as_deref(),
                self.default.as_deref(),
                &names,
            ));
        };
        let name = list.attr("name").unwrap_or_default().to_owned();
        if !set {
            return match self.lists.get(&name) {
                Some(items) => Ok(list_xml(&name, items)),
                None => Err(StanzaCondition::ItemNotFound),
            };
        }
        let items: String = list.children().map(|i| i.to_xml()).collect();
        if items.is_empty() {
            self.lists.remove(&name);
        } else {
            self.lists
                .insert(name, items.replace(" xmlns='jabber:iq:privacy'", ""));
        }
        Ok(String::new())
    }
}

/// Items of `list`, short: (order, action, value).
fn rules(items: &str, name: &str) -> Vec<(u32, String, Option<String>)> {
    list(name, items)
        .items
        .iter()
        .map(|i| (i.order, i.action.to_string(), i.value.clone()))
        .collect()
}

/// PRIV-18: without the blocking command, `/block` puts its deny rule at
/// the top of the user's list in force and never makes `balcony-blocked`
/// active or default over it (lists do not stack).
#[test]
fn priv_18_block_keeps_the_users_list_in_force() {
    let mut state = logged_in();
    privacy_server(&mut state);
    let mine = "<item type='jid' value='tybalt@example.com' action='deny' order='5'/>\
                <item action='allow' order='6'/>";
    let mut store = Store {
        active: Some("mine".into()),
        default: Some("mine".into()),
        ..Store::default()
    };
    store.lists.insert("mine".into(), mine.into());
    let effects = run(&mut state, 1, "/block romeo@example.net");
    let seen = drive(&mut state, effects, &mut |x| store.respond(x));
    assert!(
        !seen.iter().any(|s| s.contains("balcony-blocked")),
        "{seen:#?}"
    );
    assert_eq!(
        (store.active.as_deref(), store.default.as_deref()),
        (Some("mine"), Some("mine"))
    );
    assert_eq!(
        rules(&store.lists["mine"], "mine"),
        [
            (10, "deny".into(), Some("romeo@example.net".into())),
            (20, "deny".into(), Some("tybalt@example.com".into())),
            (30, "allow".into(), None),
        ]
    );
    let done = seen
        .iter()
        .find(|s| s.starts_with("ok /block"))
        .expect("done");
    assert!(done.contains("top of your list mine"), "{done}");
    assert!(state.is_blocked(&bare("romeo@example.net")));
}

/// PRIV-18: with only an active list of the user's, the rule goes there
/// and `balcony-blocked` becomes the default (there was none), never the
/// active list.
#[test]
fn priv_18_block_with_only_an_active_list() {
    let mut state = logged_in();
    privacy_server(&mut state);
    let mut store = Store {
        active: Some("work".into()),
        ..Store::default()
    };
    store
        .lists
        .insert("work".into(), "<item action='allow' order='1'/>".into());
    let effects = run(&mut state, 1, "/block romeo@example.net");
    drive(&mut state, effects, &mut |x| store.respond(x));
    assert_eq!(
        (store.active.as_deref(), store.default.as_deref()),
        (Some("work"), Some("balcony-blocked"))
    );
    for name in ["work", "balcony-blocked"] {
        assert_eq!(
            rules(&store.lists[name], name)[0],
            (10, "deny".into(), Some("romeo@example.net".into())),
            "{name}"
        );
    }
}

/// PRIV-18: `/unblock` takes the deny rule out of the user's list and
/// leaves its other rules (an allow for the same JID too).
#[test]
fn priv_18_unblock_takes_the_rule_out_of_the_users_list() {
    let mut state = logged_in();
    privacy_server(&mut state);
    let mut store = Store {
        default: Some("mine".into()),
        ..Store::default()
    };
    store.lists.insert(
        "mine".into(),
        "<item type='jid' value='romeo@example.net' action='deny' order='10'/>\
         <item type='jid' value='tybalt@example.com' action='deny' order='20'/>\
         <item type='jid' value='romeo@example.net' action='allow' order='30'><iq/></item>\
         <item action='allow' order='40'/>"
            .into(),
    );
    let effects = run(&mut state, 1, "/unblock romeo@example.net");
    let seen = drive(&mut state, effects, &mut |x| store.respond(x));
    assert!(
        seen.contains(&"ok /unblock romeo@example.net: unblocked".to_owned()),
        "{seen:#?}"
    );
    assert_eq!(
        rules(&store.lists["mine"], "mine"),
        [
            (20, "deny".into(), Some("tybalt@example.com".into())),
            (30, "allow".into(), Some("romeo@example.net".into())),
            (40, "allow".into(), None),
        ]
    );
    assert_eq!(store.default.as_deref(), Some("mine"));
}

/// PRIV-18: where `/block` had to make `balcony-blocked` active and
/// default, unblocking the last JID gives back the state before it: no
/// list in force, and no `balcony-blocked`.
#[test]
fn priv_18_last_unblock_gives_back_the_state_before_blocking() {
    let mut state = logged_in();
    privacy_server(&mut state);
    let mut store = Store::default();
    store
        .lists
        .insert("mine".into(), "<item action='allow' order='1'/>".into());
    let effects = run(&mut state, 1, "/block romeo@example.net");
    let seen = drive(&mut state, effects, &mut |x| store.respond(x));
    assert!(
        seen.iter()
            .any(|s| s.contains("balcony-blocked, active and default")),
        "{seen:#?}"
    );
    assert_eq!(
        (store.active.as_deref(), store.default.as_deref()),
        (Some("balcony-blocked"), Some("balcony-blocked"))
    );
    let effects = run(&mut state, 2, "/unblock romeo@example.net");
    let seen = drive(&mut state, effects, &mut |x| store.respond(x));
    assert!(
        seen.contains(&"ok /unblock romeo@example.net: unblocked".to_owned()),
        "{seen:#?}"
    );
    assert_eq!(
        (store.active.as_deref(), store.default.as_deref()),
        (None, None)
    );
    assert_eq!(store.lists.keys().collect::<Vec<_>>(), ["mine"]);
    assert!(!state.is_blocked(&bare("romeo@example.net")));
}

/// PRIV-25: the active list in use before a reconnect is set again on the
/// new session, before initial presence goes out.
#[test]
fn priv_25_active_list_set_again_before_presence_after_reconnect() {
    let mut state = logged_in();
    privacy_server(&mut state);
    let mut store = Store::default();
    store
        .lists
        .insert("work".into(), "<item action='allow' order='1'/>".into());
    let effects = run(&mut state, 1, "/privacy active work");
    drive(&mut state, effects, &mut |x| store.respond(x));
    assert_eq!(store.active.as_deref(), Some("work"));

    connection_lost(&mut state);
    store.active = None; // a new session has no active list
    online(&mut state, features(false, false));
    let effects = roster_reply(&mut state, false, Ok(iq(ROSTER)));
    assert!(sent_presences(&effects).is_empty(), "{:?}", trace(&effects));
    let effects = privacy_server(&mut state);
    assert!(sent_presences(&effects).is_empty(), "{:?}", trace(&effects));
    let seen = drive(&mut state, effects, &mut |x| store.respond(x));
    let activate = seen
        .iter()
        .position(|s| s.contains("<active name='work'/>"))
        .expect("activated again");
    let presence = seen
        .iter()
        .position(|s| s.starts_with("presence <presence"))
        .expect("initial presence");
    assert!(activate < presence, "{seen:#?}");
    assert_eq!(store.active.as_deref(), Some("work"));
    assert!(state.initial_presence_sent);
}

/// PRIV-25: a list that cannot be set again (deleted meanwhile) is
/// reported, and the session goes online anyway.
#[test]
fn priv_25_failed_reactivation_is_reported_and_presence_follows() {
    let mut state = logged_in();
    privacy_server(&mut state);
    let mut store = Store::default();
    store
        .lists
        .insert("work".into(), "<item action='allow' order='1'/>".into());
    let effects = run(&mut state, 1, "/privacy active work");
    drive(&mut state, effects, &mut |x| store.respond(x));
    connection_lost(&mut state);
    store.lists.clear();
    store.active = None;
    online(&mut state, features(false, false));
    roster_reply(&mut state, false, Ok(iq(ROSTER)));
    let effects = privacy_server(&mut state);
    let seen = drive(&mut state, effects, &mut |x| store.respond(x));
    assert!(
        seen.iter().any(|s| s.starts_with("presence <presence")),
        "{seen:#?}"
    );
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("work") && n.text.contains("going online without it")),
        "{:?}",
        state.notices
    );
    assert_eq!(state.privacy.wanted_active, None);
}

/// The bounce of our message to `from`, refused because we blocked them
/// (XEP-0191's `<blocked/>` marker when `marker`, else Prosody's
/// mod_privacy_lists' service-unavailable).
fn bounce(state: &mut State, from: &str, marker: bool) -> String {
    let condition = if marker {
        "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <blocked xmlns='urn:xmpp:blocking:errors'/>"
    } else {
        "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
    };
    message(
        state,
        &format!(
            "<message type='error' from='{from}' id='m3'><error type='cancel'>{condition}\
             </error></message>"
        ),
    );
    last_notice(state).text.clone()
}

/// BLK-06: a message refused because we blocked the contact says so and
/// names the command that unblocks: the blocklist entry that matched (a
/// whole domain here), or the deny rule's JID in the list in force.
#[test]
fn blk_06_block_bounce_offers_unblocking() {
    let mut state = logged_in();
    state.privacy.blocklist = Some(vec![
        jid::Jid::new("tybalt@example.com").unwrap(),
        jid::Jid::new("example.org").unwrap(),
    ]);
    let text = bounce(&mut state, "tybalt@example.com", true);
    assert!(text.contains("you blocked this contact"), "{text}");
    assert!(text.contains("/unblock tybalt@example.com"), "{text}");
    let text = bounce(&mut state, "paris@example.org/court", true);
    assert!(text.contains("/unblock example.org"), "{text}");

    let mut state = logged_in();
    let shield = list(
        "shield",
        "<item type='jid' value='romeo@example.net' action='deny' order='10'/>\
         <item type='group' value='Montagues' action='deny' order='20'/>\
         <item action='allow' order='100'/>",
    );
    with_lists(&mut state, Some("shield"), None, &[shield]);
    let text = bounce(&mut state, "romeo@example.net/orchard", false);
    assert!(text.contains("blocked by your privacy list"), "{text}");
    assert!(text.contains("/unblock romeo@example.net"), "{text}");
}

/// BLK-06: a block by a rule that names no address (a group here) points
/// to the list instead, since /unblock cannot undo it.
#[test]
fn blk_06_group_rule_bounce_points_to_the_list() {
    let mut state = logged_in();
    let shield = list(
        "shield",
        "<item type='group' value='Friends' action='deny' order='20'/>\
         <item action='allow' order='100'/>",
    );
    with_lists(&mut state, None, Some("shield"), &[shield]);
    let text = bounce(&mut state, "romeo@example.net", false);
    assert!(text.contains("blocked by your privacy list"), "{text}");
    assert!(text.contains("shield"), "{text}");
    assert!(!text.contains("/unblock"), "{text}");
}

/// BLK-07: a block push drops the blocked contact's pending subscription
/// prompt (Prosody refuses the request), leaves the others, and
/// `/blocklist` shows each entry the way it matches: a domain, a bare
/// JID, a full JID.
#[test]
fn blk_07_block_push_drops_the_prompt_and_entries_show_as_they_match() {
    use crate::xmpp::stanza::blocking::BlockPush;
    let mut state = logged_in();
    for from in ["tybalt@example.com", "nurse@example.com"] {
        presence(
            &mut state,
            &format!("<presence type='subscribe' from='{from}'/>"),
        );
    }
    assert!(state.pending.contains(&bare("tybalt@example.com")));
    let entries = [
        "tybalt@example.com",
        "example.org",
        "paris@example.org/court",
    ];
    session(
        &mut state,
        SessionEvent::BlockPush(BlockPush::Block(
            entries.iter().map(|e| jid::Jid::new(e).unwrap()).collect(),
        )),
    );
    assert!(!state.pending.contains(&bare("tybalt@example.com")));
    assert!(state.pending.contains(&bare("nurse@example.com")));
    assert!(state.is_blocked(&bare("capulet@example.org")), "domain");
    assert!(!state.is_blocked(&bare("nurse@example.com")));

    state.privacy.support.known = true;
    state.privacy.support.blocking = true;
    let effects = run(&mut state, 1, "/blocklist");
    let (tag, xml) = one_request(&effects);
    assert!(
        xml.contains("<blocklist xmlns='urn:xmpp:blocking'/>"),
        "{xml}"
    );
    let items: String = entries
        .iter()
        .map(|e| format!("<item jid='{e}'/>"))
        .collect();
    let effects = answer(
        &mut state,
        tag,
        &format!("<blocklist xmlns='urn:xmpp:blocking'>{items}</blocklist>"),
    );
    let lines: Vec<String> = events(&effects).into_iter().map(Event::to_line).collect();
    assert!(
        lines.iter().any(
            |l| l.contains("blocked: tybalt@example.com, example.org, paris@example.org/court")
        ),
        "{lines:?}"
    );
}
