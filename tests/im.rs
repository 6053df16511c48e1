//! The IM and presence engine against a real Prosody and a real ejabberd, with real second and
//! third accounts as contacts (RFC 3921 §§4–9). balcony's side is the
//! engine (store + session); the contacts are raw sessions, so every test
//! checks both the wire as the contact saw it and balcony's store.

mod common;

use std::time::Duration;

use balcony::app::event::Event;
use balcony::app::presence::Availability;
use balcony::app::roster::Fetch;
use balcony::app::{ApprovePolicy, Preferences};
use balcony::xmpp::element::Element;
use balcony::xmpp::error::StanzaCondition;
use balcony::xmpp::ns;
use balcony::xmpp::session::SessionEvent;
use balcony::xmpp::stanza::iq::{Iq, IqType};
use balcony::xmpp::stanza::lang::LangText;
use balcony::xmpp::stanza::message::{Message, MessageType, Thread};
use balcony::xmpp::stanza::presence::{Presence, PresenceType, Show};
use balcony::xmpp::stanza::roster::Subscription;
use common::{Client, Peer, ServerKind, TestServer};
use jid::{BareJid, Jid};

fn bare(s: &str) -> BareJid {
    BareJid::new(s).unwrap()
}

fn sorted(groups: &[String]) -> Vec<&str> {
    let mut groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    groups.sort();
    groups
}

fn subscription(kind: PresenceType, to: &str) -> Element {
    Presence::subscription(kind, bare(to)).to_element()
}

/// F1, INT-03, INT-05, SUB-01, SUB-02, SUB-04, SUB-05, ROS-05, ROS-06:
/// /add → the contact gets `subscribe` → approves and asks back → we approve
/// → both sides `both`.
async fn int_03_add_approve_mutual_both(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(&server, &bob, "phone").await;
    let mut client = Client::start(&server, &alice).await;

    client.ok("/add bob@localhost Bobby").await;
    // SUB-02: the item exists (with its name) before the request goes out.
    let request = bob
        .expect_presence("subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    assert_eq!(request.from.unwrap().to_string(), "alice@localhost");
    client
        .until("pending out", |c| {
            c.roster_item("bob@localhost").is_some_and(|i| i.ask)
        })
        .await;
    assert_eq!(
        client.roster_item("bob@localhost").unwrap().name.as_deref(),
        Some("Bobby")
    );

    bob.send(subscription(PresenceType::Subscribed, "alice@localhost"));
    bob.send(subscription(PresenceType::Subscribe, "alice@localhost"));
    client
        .event(
            "the subscription request",
            |e| matches!(e, Event::SubscriptionRequest { jid, .. } if jid == "bob@localhost"),
        )
        .await;
    assert!(client.engine.state.pending.contains(&bare("bob@localhost")));
    client
        .until("subscription to", |c| {
            c.roster_item("bob@localhost")
                .is_some_and(|i| i.subscription == Subscription::To && !i.ask)
        })
        .await;
    client
        .event(
            "bob's presence",
            |e| matches!(e, Event::Presence { jid, .. } if jid.starts_with("bob@localhost/phone")),
        )
        .await;

    client.ok("/approve bob@localhost").await;
    client
        .until("both", |c| {
            c.roster_item("bob@localhost")
                .is_some_and(|i| i.subscription == Subscription::Both)
        })
        .await;
    assert!(client.engine.state.pending.is_empty());
    // SUB-05: the answer went to the bare JID, and bob now sees `both` too.
    let approval = bob
        .expect_presence("subscribed", |p| p.kind == PresenceType::Subscribed)
        .await;
    assert_eq!(approval.from.unwrap().to_string(), "alice@localhost");
    let item = bob
        .roster_item("alice@localhost")
        .await
        .expect("alice in bob's roster");
    assert_eq!(item.subscription, Subscription::Both);
    // PRES-01: bob receives alice's available presence once subscribed.
    bob.expect_presence("alice available", |p| {
        p.kind == PresenceType::Available
            && p.from
                .as_ref()
                .is_some_and(|f| f.to_bare().as_str() == "alice@localhost")
    })
    .await;
}
common::on_both_servers!(int_03_add_approve_mutual_both);

/// SUB-04, SEC-04: a request waits for the user; /deny refuses it.
async fn sub_04_deny(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, carol) = (server.account("alice"), server.account("carol"));
    let mut client = Client::start(&server, &alice).await;
    let mut carol = Peer::online(&server, &carol, "pc").await;
    carol.send(
        Presence::subscription(PresenceType::Subscribe, bare("alice@localhost"))
            .with_status("It's Carol")
            .to_element(),
    );
    let request = client
        .event("the request", |e| {
            matches!(e, Event::SubscriptionRequest { .. })
        })
        .await;
    assert_eq!(
        request,
        Event::SubscriptionRequest {
            jid: "carol@localhost".into(),
            greeting: Some("It's Carol".into()),
        }
    );
    // SEC-04: nothing was approved on its own.
    assert!(
        carol
            .nothing(
                Duration::from_millis(500),
                |e| matches!(e, SessionEvent::Presence(p) if p.kind == PresenceType::Subscribed)
            )
            .await
    );
    client.ok("/deny carol@localhost").await;
    carol
        .expect_presence("unsubscribed", |p| p.kind == PresenceType::Unsubscribed)
        .await;
    // INT-04: carol's pending mark is cleared.
    let item = carol.roster_item("alice@localhost").await.expect("item");
    assert_eq!(item.subscription, Subscription::None);
    assert!(!item.ask);
    assert!(client.engine.state.pending.is_empty());
}
common::on_both_servers!(sub_04_deny);

/// Sets up alice ⇄ bob with `both`, returning alice's client, bob, and
/// bob's account (for a second login).
async fn mutual(server: &TestServer) -> (Client, Peer, common::Account) {
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(server, &bob_account, "phone").await;
    let mut client = Client::start(server, &alice).await;
    client.ok("/add bob@localhost").await;
    bob.expect_presence("subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    bob.send(subscription(PresenceType::Subscribed, "alice@localhost"));
    bob.send(subscription(PresenceType::Subscribe, "alice@localhost"));
    client
        .event("request", |e| {
            matches!(e, Event::SubscriptionRequest { .. })
        })
        .await;
    client.ok("/approve bob@localhost").await;
    client
        .until("both", |c| {
            c.roster_item("bob@localhost")
                .is_some_and(|i| i.subscription == Subscription::Both)
        })
        .await;
    client
        .until("bob online", |c| {
            c.engine.state.presence.availability(&bare("bob@localhost")) == Availability::Online
        })
        .await;
    (client, bob, bob_account)
}

/// SUB-09, INT-07: /cancel takes back bob's view of us: both → to.
async fn sub_09_cancel(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, mut bob, _) = mutual(&server).await;
    client.ok("/cancel bob@localhost").await;
    client
        .until("subscription to", |c| {
            c.roster_item("bob@localhost")
                .is_some_and(|i| i.subscription == Subscription::To)
        })
        .await;
    bob.expect_presence("unsubscribed", |p| p.kind == PresenceType::Unsubscribed)
        .await;
    assert_eq!(
        bob.roster_item("alice@localhost")
            .await
            .unwrap()
            .subscription,
        Subscription::From
    );
}
common::on_both_servers!(sub_09_cancel);

/// SUB-10, INT-06, INT-12: /unsubscribe: both → from, and bob's resources
/// are cleared at once.
async fn sub_10_unsubscribe_clears_presence(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, mut bob, _) = mutual(&server).await;
    client.ok("/unsubscribe bob@localhost").await;
    client
        .until("subscription from", |c| {
            c.roster_item("bob@localhost")
                .is_some_and(|i| i.subscription == Subscription::From)
        })
        .await;
    assert_eq!(
        client
            .engine
            .state
            .presence
            .availability(&bare("bob@localhost")),
        Availability::Offline
    );
    bob.expect_presence("unsubscribe", |p| p.kind == PresenceType::Unsubscribe)
        .await;
}
common::on_both_servers!(sub_10_unsubscribe_clears_presence);

/// ROS-09, ROS-10, INT-08: /remove deletes the item and its presence.
async fn ros_09_remove(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, mut bob, _) = mutual(&server).await;
    client.ok("/remove bob@localhost").await;
    client
        .event(
            "removal",
            |e| matches!(e, Event::RosterRemoved { jid } if jid == "bob@localhost"),
        )
        .await;
    assert!(client.roster_item("bob@localhost").is_none());
    assert!(
        client
            .engine
            .state
            .presence
            .get(&bare("bob@localhost"))
            .is_none()
    );
    // The server cancelled both directions for us.
    bob.expect_presence("unsubscribe", |p| p.kind == PresenceType::Unsubscribe)
        .await;
    assert_eq!(
        bob.roster_item("alice@localhost")
            .await
            .unwrap()
            .subscription,
        Subscription::None
    );
    // ROS-15: removing it again is reported as not in the roster, on both servers (ejabberd
    // 23.01 would answer `result` to removing an item it does not have, where RFC 6121 §2.5.3
    // says item-not-found; balcony knows its roster and says so itself).
    let (ok, text) = client.run("/remove bob@localhost").await;
    assert!(!ok);
    assert!(text.contains("not in your roster"), "{text}");
    assert!(client.roster_item("bob@localhost").is_none());
}
common::on_both_servers!(ros_09_remove);

/// NEW-08, NEW-09: pre-approval is shown and a later request is accepted
/// by the server without asking.
async fn new_08_preapproval(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, dave) = (server.account("alice"), server.account("dave"));
    let mut client = Client::start(&server, &alice).await;
    if kind == ServerKind::Ejabberd {
        // ejabberd 23.01 neither advertises nor implements pre-approval (RFC 6121 §3.4):
        // balcony refuses the command, and a later request waits for the user as usual.
        assert!(!client.engine.state.features.pre_approval);
        let (ok, text) = client.run("/preapprove dave@localhost").await;
        assert!(!ok);
        assert!(
            text.contains("the server does not support subscription pre-approval"),
            "{text}"
        );
        let dave = Peer::online(&server, &dave, "pc").await;
        dave.send(subscription(PresenceType::Subscribe, "alice@localhost"));
        client
            .event(
                "the request",
                |e| matches!(e, Event::SubscriptionRequest { jid, .. } if jid == "dave@localhost"),
            )
            .await;
        assert!(
            client
                .engine
                .state
                .pending
                .contains(&bare("dave@localhost"))
        );
        return;
    }
    assert!(client.engine.state.features.pre_approval);
    client.ok("/preapprove dave@localhost").await;
    // Prosody 0.12 never echoes `approved`; balcony remembers what it sent.
    client
        .event(
            "the pre-approved item",
            |e| matches!(e, Event::Roster { jid, approved: true, .. } if jid == "dave@localhost"),
        )
        .await;
    assert!(client.engine.state.is_preapproved(&bare("dave@localhost")));
    let mut dave = Peer::online(&server, &dave, "pc").await;
    dave.send(subscription(PresenceType::Subscribe, "alice@localhost"));
    dave.expect_presence("subscribed", |p| p.kind == PresenceType::Subscribed)
        .await;
    client
        .until("subscription from", |c| {
            c.roster_item("dave@localhost")
                .is_some_and(|i| i.subscription == Subscription::From)
        })
        .await;
    assert!(
        !client.engine.state.is_preapproved(&bare("dave@localhost")),
        "used up"
    );
    assert!(
        client.engine.state.pending.is_empty(),
        "no prompt for a pre-approved contact"
    );
}
common::on_both_servers!(new_08_preapproval);

/// ROS-06, ROS-07, ROS-11: rename and group change reach a second resource
/// of our account as pushes.
async fn ros_07_rename_and_groups_pushed_to_other_resource(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;
    let mut other = Peer::online(&server, &alice, "tablet").await;
    client.ok("/add bob@example.org Bob").await;
    other
        .expect_push("the new item", |i| i.jid.as_str() == "bob@example.org")
        .await;
    client.ok("/rename bob@example.org Robert the Bruce").await;
    let pushed = other
        .expect_push("the rename", |i| {
            i.name.as_deref() == Some("Robert the Bruce")
        })
        .await;
    assert_eq!(pushed.jid.as_str(), "bob@example.org");
    client
        .ok("/group bob@example.org Friends, Work ,Friends")
        .await;
    let pushed = other
        .expect_push("the groups", |i| !i.groups.is_empty())
        .await;
    // Groups are a set; the server does not keep their order.
    assert_eq!(sorted(&pushed.groups), ["Friends", "Work"]);
    assert_eq!(
        pushed.name.as_deref(),
        Some("Robert the Bruce"),
        "ROS-07: the whole item"
    );
    client
        .until("groups in the store", |c| {
            c.roster_item("bob@example.org")
                .is_some_and(|i| sorted(&i.groups) == ["Friends", "Work"])
        })
        .await;
    // ROS-07: no name clears the name, keeping the groups.
    client.ok("/rename bob@example.org").await;
    let pushed = other
        .expect_push("the cleared name", |i| i.name.is_none())
        .await;
    assert_eq!(sorted(&pushed.groups), ["Friends", "Work"]);
}
common::on_both_servers!(ros_07_rename_and_groups_pushed_to_other_resource);

/// MSG-01, MSG-02, MSG-07, MSG-08, NEW-11, SYN-01, SYN-05: chat with threads both
/// ways; the reply locks to bob's full JID with the same thread.
async fn msg_08_chat_threads_and_lock_in(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, mut bob, _) = mutual(&server).await;
    client.ok("/msg bob@localhost Art thou there?").await;
    let first = bob
        .expect_message("the chat", |m| m.body("en") == Some("Art thou there?"))
        .await;
    assert_eq!(first.kind, MessageType::Chat);
    assert!(first.id.is_some(), "MSG-05");
    let thread = first.thread.clone().expect("MSG-07: a thread").id;
    assert_eq!(
        first.to.unwrap().to_string(),
        "bob@localhost",
        "MSG-02: bare JID"
    );

    let mut reply = Message::chat(Jid::new("alice@localhost/balcony").unwrap(), "Aye");
    reply.thread = Some(Thread {
        id: thread.clone(),
        parent: None,
    });
    bob.send(reply.to_element());
    let received = client
        .event(
            "the reply",
            |e| matches!(e, Event::Message { body, .. } if body == "Aye"),
        )
        .await;
    assert_eq!(
        received,
        Event::Message {
            from: bob.jid(),
            kind: "chat".into(),
            thread: Some(thread.clone()),
            subject: None,
            body: "Aye".into(),
            action: None,
        }
    );
    client.ok("/msg bob@localhost Good").await;
    let second = bob
        .expect_message("the second chat", |m| m.body("en") == Some("Good"))
        .await;
    assert_eq!(
        second.to.unwrap().to_string(),
        bob.jid(),
        "NEW-11: locked to the full JID"
    );
    assert_eq!(second.thread.unwrap().id, thread, "MSG-08/09: same thread");

    // NEW-11: bob's presence changes: unlocked, back to the bare JID.
    bob.send(
        Presence {
            show: Some(Show::Away),
            ..Presence::available()
        }
        .to_element(),
    );
    client
        .until("bob away", |c| {
            c.engine.state.presence.availability(&bare("bob@localhost")) == Availability::Away
        })
        .await;
    client.ok("/msg bob@localhost Still there?").await;
    let third = bob
        .expect_message("the third", |m| m.body("en") == Some("Still there?"))
        .await;
    assert_eq!(third.to.unwrap().to_string(), "bob@localhost");
}
common::on_both_servers!(msg_08_chat_threads_and_lock_in);

/// MSG-10: a new thread from the same full JID is a separate conversation.
async fn msg_10_new_thread_separate_conversation(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, bob, _) = mutual(&server).await;
    for (thread, body) in [("a", "one"), ("b", "two"), ("a", "three")] {
        let mut m = Message::chat(Jid::new("alice@localhost/balcony").unwrap(), body);
        m.thread = Some(Thread {
            id: thread.into(),
            parent: None,
        });
        bob.send(m.to_element());
    }
    client
        .event(
            "three",
            |e| matches!(e, Event::Message { body, .. } if body == "three"),
        )
        .await;
    let chats = &client.engine.state.chats;
    assert_eq!(chats.len(), 2);
    let mut sizes: Vec<usize> = chats.by_activity().iter().map(|c| c.lines.len()).collect();
    sizes.sort();
    assert_eq!(sizes, [1, 2]);
}
common::on_both_servers!(msg_10_new_thread_separate_conversation);

/// MSG-06, SYN-02, SYN-05: normal messages with subjects both ways; no type
/// or an unknown type is normal; a reply to a normal message is normal.
async fn msg_06_normal_messages_with_subject(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, mut bob, _) = mutual(&server).await;
    client
        .ok("/normal bob@localhost Masque | Tonight, at the Capulets'")
        .await;
    let normal = bob
        .expect_message("the normal", |m| m.kind == MessageType::Normal)
        .await;
    assert_eq!(normal.subject("en"), Some("Masque"));
    assert_eq!(normal.body("en"), Some("Tonight, at the Capulets'"));

    let mut untyped = Element::new("message", ns::CLIENT)
        .with_attr("to", "alice@localhost/balcony")
        .with_attr("type", "x-foo")
        .with_child(Element::new("subject", ns::CLIENT).with_text("Plans"))
        .with_child(Element::new("body", ns::CLIENT).with_text("Supper?"));
    untyped.set_attr("id", "u1");
    bob.send(untyped);
    let received = client
        .event(
            "the untyped",
            |e| matches!(e, Event::Message { body, .. } if body == "Supper?"),
        )
        .await;
    let Event::Message { kind, subject, .. } = received else {
        unreachable!()
    };
    assert_eq!(kind, "normal", "SYN-02");
    assert_eq!(subject.as_deref(), Some("Plans"));
    client.ok("/msg bob@localhost Yes").await;
    let reply = bob
        .expect_message("the reply", |m| m.body("en") == Some("Yes"))
        .await;
    assert_eq!(reply.kind, MessageType::Normal, "SYN-05");
}
common::on_both_servers!(msg_06_normal_messages_with_subject);

/// SYN-03: headlines go to the headline list, apart from chats; we can send one.
async fn syn_03_headlines(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, mut bob, _) = mutual(&server).await;
    let mut headline = Message::new(MessageType::Headline);
    headline.to = Some(Jid::new("alice@localhost/balcony").unwrap());
    headline.subjects = vec![LangText::new("Alert")];
    headline.bodies = vec![LangText::new("Read https://example.org/news now")];
    bob.send(headline.to_element());
    client
        .event("the headline", |e| matches!(e, Event::Headline { .. }))
        .await;
    let headlines: Vec<_> = client.engine.state.headlines.items().cloned().collect();
    assert_eq!(headlines.len(), 1);
    assert_eq!(headlines[0].subject.as_deref(), Some("Alert"));
    assert_eq!(headlines[0].urls, ["https://example.org/news"]);
    assert!(client.engine.state.chats.is_empty());

    client
        .ok("/headline bob@localhost News | Fair Verona")
        .await;
    let sent = bob
        .expect_message("a headline", |m| m.kind == MessageType::Headline)
        .await;
    assert_eq!(sent.subject("en"), Some("News"));
}
common::on_both_servers!(syn_03_headlines);

/// MSG-12, RTE-05: an error reply is attached to the message it answers.
async fn msg_12_error_attached_to_sent_message(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;
    client.ok("/msg nobody@localhost hello?").await;
    let error = client
        .event("the bounce", |e| matches!(e, Event::MessageError { .. }))
        .await;
    let Event::MessageError { error, .. } = error else {
        unreachable!()
    };
    assert!(error.contains("service-unavailable"), "{error}");
    let conversation = client
        .engine
        .state
        .chats
        .latest_with(&bare("nobody@localhost"))
        .expect("conversation");
    let line = conversation.lines.back().expect("line");
    assert_eq!(
        line.error.as_ref().map(|e| e.condition),
        Some(StanzaCondition::ServiceUnavailable)
    );
}
common::on_both_servers!(msg_12_error_attached_to_sent_message);

/// I18N-03, SYN-07: the body in the user's language is picked.
async fn i18n_03_body_by_language(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let prefs = Preferences {
        language: "it".into(),
        ..Preferences::default()
    };
    let mut client = Client::start_with(&server, &alice, prefs, None, "balcony").await;
    let bob = Peer::online(&server, &bob, "phone").await;
    let mut m = Message::chat(Jid::new("alice@localhost/balcony").unwrap(), "");
    m.bodies = vec![
        LangText::with_lang("en", "Hi"),
        LangText::with_lang("it", "Ciao"),
    ];
    bob.send(m.to_element());
    let received = client
        .event("the message", |e| matches!(e, Event::Message { .. }))
        .await;
    let Event::Message { body, .. } = received else {
        unreachable!()
    };
    assert_eq!(body, "Ciao");
}
common::on_both_servers!(i18n_03_body_by_language);

/// PRES-07, PRES-08, SEC-03: directed presence to a non-contact, remembered,
/// then revoked.
async fn pres_07_directed_presence_and_revocation(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, nurse) = (server.account("alice"), server.account("nurse"));
    let mut client = Client::start(&server, &alice).await;
    let mut nurse = Peer::online(&server, &nurse, "kitchen").await;
    let nurse_jid = nurse.jid();
    client
        .ok(&format!(
            "/presence {nurse_jid} chat ask me about the feast"
        ))
        .await;
    let got = nurse
        .expect_presence("directed", |p| {
            p.kind == PresenceType::Available
                && p.from
                    .as_ref()
                    .is_some_and(|f| f.to_bare().as_str() == "alice@localhost")
        })
        .await;
    assert_eq!(got.show, Some(Show::Chat));
    assert_eq!(got.status("en"), Some("ask me about the feast"));
    assert!(client.engine.state.directed.contains_key(&nurse_jid));
    client
        .ok(&format!("/presence {nurse_jid} unavailable"))
        .await;
    nurse
        .expect_presence("directed unavailable", |p| {
            p.kind == PresenceType::Unavailable
        })
        .await;
    assert!(client.engine.state.directed.is_empty());
}
common::on_both_servers!(pres_07_directed_presence_and_revocation);

/// PRES-10: two resources with different priorities; the summary follows
/// the higher one, and its departure falls back to the other (PRES-11).
async fn pres_10_two_resources_aggregated(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (mut client, bob, bob_account) = mutual(&server).await;
    bob.send(
        Presence {
            show: Some(Show::Away),
            priority: 1,
            ..Presence::available()
        }
        .to_element(),
    );
    let laptop = Peer::login(&server, &bob_account, "laptop").await;
    laptop.send(
        Presence {
            show: Some(Show::Dnd),
            priority: 5,
            ..Presence::available()
        }
        .with_status("coding")
        .to_element(),
    );
    client
        .until("dnd on top", |c| {
            c.engine.state.presence.availability(&bare("bob@localhost")) == Availability::Dnd
        })
        .await;
    let entity = client
        .engine
        .state
        .presence
        .get(&bare("bob@localhost"))
        .unwrap();
    assert_eq!(entity.resources.len(), 2);
    assert_eq!(entity.top().unwrap().0, "laptop");
    laptop.send(Presence::unavailable().to_element());
    client
        .until("back to away", |c| {
            c.engine.state.presence.availability(&bare("bob@localhost")) == Availability::Away
        })
        .await;
}
common::on_both_servers!(pres_10_two_resources_aggregated);

/// ROS-12, NEW-05, SEC-02: a roster push from someone else is ignored and
/// never acknowledged.
async fn ros_12_spoofed_roster_push_ignored(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, mallory) = (server.account("alice"), server.account("mallory"));
    let mut client = Client::start(&server, &alice).await;
    let mallory = Peer::online(&server, &mallory, "evil").await;
    let push = Iq::set(
        Element::new("query", ns::ROSTER).with_child(
            Element::new("item", ns::ROSTER)
                .with_attr("jid", "mallory@localhost")
                .with_attr("subscription", "both"),
        ),
    )
    .with_to(Jid::new("alice@localhost/balcony").unwrap());
    let reply = mallory.session.handle.request(push).await;
    match reply {
        Err(balcony::xmpp::session::RequestError::Stanza(error)) => {
            assert_eq!(error.condition, StanzaCondition::ServiceUnavailable)
        }
        other => panic!("expected an error reply, got {other:?}"),
    }
    client
        .event(
            "the refusal notice",
            |e| matches!(e, Event::Error { text } if text.contains("roster push")),
        )
        .await;
    assert!(client.roster_item("mallory@localhost").is_none());
}
common::on_both_servers!(ros_12_spoofed_roster_push_ignored);

/// CORE-22: an IQ we do not handle is answered with service-unavailable;
/// XEP-0199 ping, disco#info (DISCO-01: our client/console identity, every
/// feature, disco#info itself) and disco#items (DISCO-03: empty, never an
/// error) are answered.
async fn core_22_unknown_iq_gets_an_error(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let _client = Client::start(&server, &alice).await;
    let bob = Peer::online(&server, &bob, "phone").await;
    let to = Jid::new("alice@localhost/balcony").unwrap();
    let version = Iq::get(Element::new("query", "jabber:iq:version")).with_to(to.clone());
    match bob.session.handle.request(version).await {
        Err(balcony::xmpp::session::RequestError::Stanza(error)) => {
            assert_eq!(error.condition, StanzaCondition::ServiceUnavailable)
        }
        other => panic!("expected service-unavailable, got {other:?}"),
    }
    let ping = Iq::get(Element::new("ping", ns::PING)).with_to(to.clone());
    let pong = bob
        .session
        .handle
        .request(ping)
        .await
        .expect("ping answered");
    assert_eq!(pong.kind, IqType::Result);
    let disco = Iq::get(Element::new("query", ns::DISCO_INFO)).with_to(to);
    let info = bob
        .session
        .handle
        .request(disco)
        .await
        .expect("disco answered");
    let features: Vec<String> = info
        .payload
        .expect("query")
        .children_named("feature", ns::DISCO_INFO)
        .filter_map(|f| f.attr("var").map(str::to_owned))
        .collect();
    assert!(features.contains(&ns::PING.to_owned()), "{features:?}");
    // RECEIPTS-01: we take part in delivery receipts.
    assert!(features.contains(&ns::RECEIPTS.to_owned()), "{features:?}");
    // DISCO-01: our identity and disco#info itself.
    assert!(
        features.contains(&ns::DISCO_INFO.to_owned()),
        "{features:?}"
    );
    let to = Jid::new("alice@localhost/balcony").unwrap();
    let info = bob
        .session
        .handle
        .request(Iq::get(Element::new("query", ns::DISCO_INFO)).with_to(to.clone()))
        .await
        .expect("disco answered");
    let identity = info
        .payload
        .as_ref()
        .and_then(|q| q.child("identity", ns::DISCO_INFO))
        .expect("an identity");
    assert_eq!(identity.attr("category"), Some("client"));
    assert_eq!(identity.attr("type"), Some("console"));
    // DISCO-03: no items, and no error either.
    let items = Iq::get(Element::new("query", ns::DISCO_ITEMS)).with_to(to);
    let answer = bob
        .session
        .handle
        .request(items)
        .await
        .expect("disco#items answered");
    assert_eq!(answer.kind, IqType::Result);
    let query = answer.payload.expect("a query");
    assert_eq!(query.children().count(), 0, "{}", query.to_xml());
}
common::on_both_servers!(core_22_unknown_iq_gets_an_error);

/// DISCO-05: a disco#info from our own account (another of our resources; servers ask from
/// our bare or full JID too) is answered like any other, never dropped as coming from us.
async fn disco_05_our_own_resources_are_answered(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let _client = Client::start(&server, &alice).await;
    let phone = Peer::online(&server, &alice, "phone").await;
    let to = Jid::new("alice@localhost/balcony").unwrap();
    let info = phone
        .session
        .handle
        .request(Iq::get(Element::new("query", ns::DISCO_INFO)).with_to(to))
        .await
        .expect("disco answered");
    assert_eq!(info.kind, IqType::Result);
    assert!(
        info.payload
            .is_some_and(|q| q.child("identity", ns::DISCO_INFO).is_some())
    );
}
common::on_both_servers!(disco_05_our_own_resources_are_answered);

/// NEW-02..04: a second login with an unchanged roster gets an empty result
/// and uses the cache; a change while away arrives as a push.
async fn new_03_roster_versioning_uses_cache(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let cache = tempfile::tempdir().unwrap();
    // Roster-only changes (no subscription traffic that would also bump
    // the server's version), made by another client.
    let setup = Peer::login(&server, &alice, "setup").await;
    for (jid, name) in [
        ("bob@example.org", Some("Bob")),
        ("carol@example.org", None),
    ] {
        let mut item = balcony::xmpp::stanza::roster::RosterItem::new(bare(jid));
        item.name = name.map(str::to_owned);
        setup
            .session
            .handle
            .request(Iq::set(balcony::xmpp::stanza::roster::set_item(&item)))
            .await
            .expect("roster set");
    }
    {
        let mut client = Client::start_with(
            &server,
            &alice,
            Preferences::default(),
            Some(cache.path().to_owned()),
            "one",
        )
        .await;
        assert_eq!(
            client.engine.state.roster.last_fetch,
            Some(Fetch::Full { items: 2 })
        );
        client.ok("/quit").await;
        client.engine.flush();
    }
    let mut second = Client::start_with(
        &server,
        &alice,
        Preferences::default(),
        Some(cache.path().to_owned()),
        "two",
    )
    .await;
    assert_eq!(
        second.engine.state.roster.last_fetch,
        Some(Fetch::Unchanged)
    );
    assert_eq!(second.engine.state.roster.len(), 2);
    assert_eq!(
        second
            .roster_item("bob@example.org")
            .unwrap()
            .name
            .as_deref(),
        Some("Bob")
    );
    second.ok("/remove carol@example.org").await;
    second.ok("/quit").await;
    second.engine.flush();
    drop(second);
    let third = Client::start_with(
        &server,
        &alice,
        Preferences::default(),
        Some(cache.path().to_owned()),
        "three",
    )
    .await;
    assert_eq!(third.engine.state.roster.last_fetch, Some(Fetch::Unchanged));
    assert_eq!(third.engine.state.roster.len(), 1);
}
common::on_both_servers!(new_03_roster_versioning_uses_cache);

/// SUB-06: the opt-in policy approves contacts we asked ourselves.
async fn sub_06_auto_approve_policy(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let prefs = Preferences {
        approve: ApprovePolicy::ContactsWeFollow,
        ..Preferences::default()
    };
    let mut client = Client::start_with(&server, &alice, prefs, None, "balcony").await;
    let mut bob = Peer::online(&server, &bob, "phone").await;
    client.ok("/add bob@localhost").await;
    bob.expect_presence("subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    bob.send(subscription(PresenceType::Subscribed, "alice@localhost"));
    bob.send(subscription(PresenceType::Subscribe, "alice@localhost"));
    client
        .until("both", |c| {
            c.roster_item("bob@localhost")
                .is_some_and(|i| i.subscription == Subscription::Both)
        })
        .await;
    bob.expect_presence("auto approval", |p| p.kind == PresenceType::Subscribed)
        .await;
    assert!(client.engine.state.pending.is_empty());
}
common::on_both_servers!(sub_06_auto_approve_policy);

/// `balcony exec`: commands in order, events as JSON lines, exit status.
async fn exec_runs_commands_and_prints_json(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(&server, &bob, "phone").await;
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args([
            "exec",
            "--json",
            "--wait",
            "1",
            "/add bob@localhost Bob",
            "/msg bob@localhost hi from exec",
        ])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let results: Vec<(&str, bool)> = events
        .iter()
        .filter(|e| e["event"] == "result")
        .map(|e| (e["command"].as_str().unwrap(), e["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("/add bob@localhost", true),
            ("/msg bob@localhost", true),
            ("/quit", true)
        ]
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "roster" && e["jid"] == "bob@localhost" && e["ask"] == true)
    );
    bob.expect_presence("subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    bob.expect_message("the message", |m| m.body("en") == Some("hi from exec"))
        .await;

    // A failing command makes the exit status non-zero.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args(["exec", "/rename nobody@localhost x"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("failed /rename nobody@localhost: nobody@localhost is not in your roster"),
        "{stdout}"
    );
}
common::on_both_servers!(exec_runs_commands_and_prints_json);

/// `balcony exec` without commands reads stdin, running each line as it
/// arrives and printing what comes in meanwhile.
async fn exec_reads_commands_from_stdin(kind: ServerKind) {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(&server, &bob, "phone").await;
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args(["exec", "--wait", "1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"/msg bob@localhost first\n")
        .await
        .unwrap();
    let first = bob
        .expect_message("first", |m| m.body("en") == Some("first"))
        .await;
    let alice_jid = first.from.unwrap();
    bob.send(Message::chat(alice_jid, "reply while exec waits").to_element());
    tokio::time::sleep(Duration::from_millis(500)).await;
    stdin
        .write_all(b"plain text goes to the open conversation\n")
        .await
        .unwrap();
    bob.expect_message("second", |m| {
        m.body("en") == Some("plain text goes to the open conversation")
    })
    .await;
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(": reply while exec waits"), "{stdout}");
}
common::on_both_servers!(exec_reads_commands_from_stdin);

/// `[startup] commands` run after every login, after initial presence.
async fn startup_commands_run_after_login(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(&server, &bob, "phone").await;
    let bob_jid = bob.jid();
    let config = server.write_config(
        &alice,
        &format!("[startup]\ncommands = [\"/presence {bob_jid} away from startup\"]\n"),
    );
    let data = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args(["exec"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("ok /presence {bob_jid}")),
        "{stdout}"
    );
    let got = bob
        .expect_presence("the startup presence", |p| p.show == Some(Show::Away))
        .await;
    assert_eq!(got.status("en"), Some("from startup"));
}
common::on_both_servers!(startup_commands_run_after_login);

/// INT-04: carol refuses our request: the server's push takes her back to
/// `none` without `ask`, her `unsubscribed` is a notice, and nothing stays
/// pending on our side.
async fn int_04_refused_request_clears_pending_out(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (alice, carol) = (server.account("alice"), server.account("carol"));
    let mut carol = Peer::online(&server, &carol, "pc").await;
    let mut client = Client::start(&server, &alice).await;
    client.ok("/add carol@localhost").await;
    carol
        .expect_presence("subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    client
        .until("pending out", |c| {
            c.engine
                .state
                .roster
                .get(&bare("carol@localhost"))
                .is_some_and(|item| item.ask)
        })
        .await;
    carol.send(subscription(PresenceType::Unsubscribed, "alice@localhost"));
    client
        .event(
            "the refusal",
            |e| matches!(e, Event::SubscriptionNotice { kind, .. } if kind == "unsubscribed"),
        )
        .await;
    client
        .until("no longer pending", |c| {
            c.engine
                .state
                .roster
                .get(&bare("carol@localhost"))
                .is_some_and(|item| !item.ask && item.subscription == Subscription::None)
        })
        .await;
}
common::on_both_servers!(int_04_refused_request_clears_pending_out);
