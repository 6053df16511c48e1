//! Hostile input on the real code paths (SEC-05, SEC-06, SEC-02, SYN-13,
//! PRES-10, PRES-15, CORE-18): a server or contact that sends oversized,
//! too deep, too wide or ill-encoded XML, out-of-range values, invalid
//! addresses, spoofed pushes, terminal escapes and floods.
//!
//! A misbehaving *server* is a scripted fake over `tokio::io::duplex`: it
//! logs the client in with PLAIN (`login::authenticate_and_bind`, the
//! encrypted phase), then the real session task runs on the pipe, and its
//! events go through `app::update` on a store, as the engine would feed
//! them. What a *contact* can send through an honest server runs against
//! the real Prosody of `tests/common`.

mod common;

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use balcony::app::chat::{MAX_CONVERSATIONS, MAX_THREADS_PER_PEER};
use balcony::app::presence::MAX_RESOURCES;
use balcony::app::presence::update::MAX_STRANGERS;
use balcony::app::subscription::MAX_PENDING;
use balcony::app::{Msg, ViewMsg, update};
use balcony::xmpp::ns;
use balcony::xmpp::reader::{ReaderLimits, StreamEvent};
use balcony::xmpp::session::{Session, SessionEvent};
use balcony::xmpp::settings::ConnectSettings;
use balcony::xmpp::stanza::lang::LangText;
use balcony::xmpp::stanza::message::{Message, MessageType, Thread};
use balcony::xmpp::stanza::presence::{MAX_STATUS_BYTES, Presence, PresenceType};
use balcony::xmpp::stanza::roster::Subscription;
use common::{Client, FakeServer, Peer, STEP, TestServer, fake_login, fake_settings};
use harness::App;
use jid::{BareJid, Jid};

/// A client session logged in to a fake server, with a store fed by its
/// events.
struct Scripted {
    server: FakeServer,
    session: Session,
    app: App,
}

fn settings() -> ConnectSettings {
    fake_settings()
}

/// Logs a client in over a pipe and starts its session task; the store is
/// logged in (roster and server features fetched) as in `harness::App`.
async fn scripted() -> Scripted {
    // Large enough that no hostile write here ever waits for the reader.
    let (server, session) = fake_login(settings(), 16 << 20, "").await;
    assert_eq!(harness::OWN_JID, common::BOUND_JID);
    Scripted {
        server,
        session,
        app: App::logged_in(),
    }
}

async fn next_event(session: &mut Session) -> SessionEvent {
    tokio::time::timeout(STEP, session.events.recv())
        .await
        .unwrap_or_else(|_| panic!("no session event within {STEP:?}"))
        .expect("the session is alive")
}

impl Scripted {
    /// The next session event, also applied to the store.
    async fn event(&mut self) -> SessionEvent {
        let event = next_event(&mut self.session).await;
        let copy = match &event {
            SessionEvent::Message(m) => Some(SessionEvent::Message(m.clone())),
            SessionEvent::Presence(p) => Some(SessionEvent::Presence(p.clone())),
            SessionEvent::RosterPush { item, ver } => Some(SessionEvent::RosterPush {
                item: item.clone(),
                ver: ver.clone(),
            }),
            SessionEvent::Rejected(text) => Some(SessionEvent::Rejected(text.clone())),
            SessionEvent::Closed { error, retryable } => Some(SessionEvent::Closed {
                error: error.clone(),
                retryable: *retryable,
            }),
            _ => None,
        };
        if let Some(copy) = copy {
            self.app.apply(copy);
        }
        event
    }

    /// Events until a message whose body is `body`; returns those before it.
    async fn until_message(&mut self, body: &str) -> Vec<SessionEvent> {
        let mut before = Vec::new();
        loop {
            match self.event().await {
                SessionEvent::Message(m) if m.body("en") == Some(body) => return before,
                other => before.push(other),
            }
        }
    }

    /// A chat message from a contact, so a test can tell that the session
    /// carried on after what came before it.
    async fn send_marker(&mut self, body: &str) {
        self.server
            .send(
                format!(
                    "<message from='romeo@example.net/orchard' type='chat'><body>{body}</body></message>"
                )
                .as_bytes(),
            )
            .await;
    }
}

/// Sends `stanza` and expects the client to end the stream: a
/// `<stream:error>` with `condition` and a text containing `why` to the
/// server, then the closing tag; and the session reports a lost connection
/// whose error contains `why`. Nothing of the stanza reaches the store.
async fn assert_refused(stanza: &[u8], condition: &str, why: &str) {
    let mut s = scripted().await;
    s.server.send(stanza).await;
    let error = s.server.element().await;
    assert!(error.is("error", ns::STREAM), "{}", error.to_xml());
    assert!(
        error.has_child(condition, ns::STREAM_ERRORS),
        "expected {condition}: {}",
        error.to_xml()
    );
    let text = error
        .child_text("text", ns::STREAM_ERRORS)
        .unwrap_or_default();
    assert!(text.contains(why), "{text}");
    match s.server.next().await {
        Ok(StreamEvent::End) | Err(balcony::xmpp::reader::XmlError::Closed) => {}
        other => panic!("expected the client to close its stream, got {other:?}"),
    }
    loop {
        match s.event().await {
            SessionEvent::Reconnecting { error, .. } => {
                assert!(error.contains(why), "{error}");
                break;
            }
            SessionEvent::Message(_) | SessionEvent::Presence(_) => {
                panic!("the refused stanza was delivered")
            }
            _ => {}
        }
    }
    s.session.handle.close();
}

/// SEC-06: a stanza over the size limit (16 MiB by default) ends the
/// connection with `policy-violation` and a reason the user can read.
#[tokio::test]
async fn sec_06_oversized_stanza_is_a_policy_violation() {
    let limit = ReaderLimits::default().max_stanza_bytes;
    let mut stanza = b"<message from='romeo@example.net/orchard' type='chat'><body>".to_vec();
    stanza.resize(stanza.len() + limit + 1, b'a');
    stanza.extend_from_slice(b"</body></message>");
    assert_refused(
        &stanza,
        "policy-violation",
        &format!("larger than the {limit}-byte limit"),
    )
    .await;
}

/// SEC-06: nesting deeper than the limit is a policy violation.
#[tokio::test]
async fn sec_06_too_deep_nesting_is_a_policy_violation() {
    let depth = ReaderLimits::default().max_depth;
    let stanza = format!(
        "<message from='romeo@example.net/orchard'>{}{}</message>",
        "<a>".repeat(depth + 10),
        "</a>".repeat(depth + 10)
    );
    assert_refused(
        stanza.as_bytes(),
        "policy-violation",
        &format!("deeper than the limit of {depth}"),
    )
    .await;
}

/// SEC-06: 10 000 attributes on one element are refused at the cap.
#[tokio::test]
async fn sec_06_ten_thousand_attributes_are_a_policy_violation() {
    let attributes: String = (0..10_000).map(|i| format!(" a{i}='x'")).collect();
    let stanza = format!("<message from='romeo@example.net/orchard'{attributes}/>");
    assert_refused(
        stanza.as_bytes(),
        "policy-violation",
        &format!(
            "more than {} attributes",
            balcony::xmpp::reader::MAX_ATTRIBUTES
        ),
    )
    .await;
}

/// Invalid UTF-8 from the server is not well-formed XML.
#[tokio::test]
async fn invalid_utf8_from_the_server_is_not_well_formed() {
    assert_refused(
        b"<message from='romeo@example.net/orchard' type='chat'><body>\xff\xfe\xc3(</body></message>",
        "not-well-formed",
        "not well-formed",
    )
    .await;
}

/// SEC-06, SYN-12: a status larger than the stanza limit never reaches
/// memory whole: the size limit refuses the stanza.
#[tokio::test]
async fn sec_06_status_over_the_stanza_limit_is_refused() {
    let limit = ReaderLimits::default().max_stanza_bytes;
    let mut stanza = b"<presence from='romeo@example.net/orchard'><status>".to_vec();
    stanza.resize(stanza.len() + limit + 1_000_000, b's');
    stanza.extend_from_slice(b"</status></presence>");
    assert_refused(&stanza, "policy-violation", "larger than the").await;
}

/// SYN-12: a status under the stanza limit but over the status cap is cut
/// to the cap, on a character boundary, and the session goes on.
#[tokio::test]
async fn syn_12_long_status_is_truncated() {
    let mut s = scripted().await;
    let status = "\u{6771}".repeat(300_000);
    s.server
        .send(
            format!(
                "<presence from='romeo@example.net/orchard'><status>{status}</status></presence>"
            )
            .as_bytes(),
        )
        .await;
    s.send_marker("after").await;
    let before = s.until_message("after").await;
    let presence = before
        .iter()
        .find_map(|e| match e {
            SessionEvent::Presence(p) => Some(p),
            _ => None,
        })
        .expect("the presence arrived");
    let kept = presence.status("en").expect("a status");
    assert!(kept.len() <= MAX_STATUS_BYTES, "{} bytes", kept.len());
    assert!(kept.len() > MAX_STATUS_BYTES - 3, "{} bytes", kept.len());
    let romeo = s.app.state.presence.get(&bare("romeo@example.net"));
    let resource = &romeo.expect("romeo's presence").resources["orchard"];
    assert!(resource.status.as_ref().expect("a status").len() <= MAX_STATUS_BYTES);
    s.session.handle.close();
}

/// SYN-13: priorities out of range are clamped, and ones that are not
/// integers count as 0; none of them stops the session.
#[tokio::test]
async fn syn_13_priority_1000_and_abc_are_clamped_or_ignored() {
    let mut s = scripted().await;
    let cases = [
        ("big", "1000", 127),
        ("small", "-1000", -128),
        ("text", "abc", 0),
        ("huge", "99999999999999999999999999", 127),
        ("empty", "", 0),
    ];
    for (resource, priority, _) in cases {
        s.server
            .send(
                format!(
                    "<presence from='romeo@example.net/{resource}'><priority>{priority}</priority></presence>"
                )
                .as_bytes(),
            )
            .await;
    }
    s.send_marker("after").await;
    s.until_message("after").await;
    let romeo = s
        .app
        .state
        .presence
        .get(&bare("romeo@example.net"))
        .expect("romeo's presence");
    for (resource, priority, expected) in cases {
        assert_eq!(
            romeo.resources[resource].priority, expected,
            "<priority>{priority}</priority>"
        );
    }
    // PRES-10: two resources clamped to 127 tie; the newer one leads.
    assert_eq!(romeo.top().expect("a top resource").0, "huge");
    s.session.handle.close();
}

/// Invalid JIDs in `from` of a message, a presence and an IQ: each is
/// refused on its own (the IQ get answered with `bad-request`, CORE-22),
/// and the next valid stanza still arrives.
#[tokio::test]
async fn invalid_from_jids_are_ignored_and_the_session_continues() {
    let mut s = scripted().await;
    s.server
        .send(
            b"<message from='a@b@c' type='chat'><body>bad message</body></message>\
              <presence from='@example.com'/>\
              <iq type='get' id='q1' from='a@b@c'><ping xmlns='urn:xmpp:ping'/></iq>\
              <message from='' type='chat'><body>empty from</body></message>",
        )
        .await;
    s.send_marker("still here").await;
    let before = s.until_message("still here").await;
    let rejected: Vec<&String> = before
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Rejected(text) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(rejected.len(), 4, "{before:?}");
    assert!(
        rejected.iter().all(|t| t.contains("invalid JID")),
        "{rejected:?}"
    );
    assert!(
        !before
            .iter()
            .any(|e| matches!(e, SessionEvent::Message(_) | SessionEvent::Presence(_))),
        "{before:?}"
    );
    let reply = s.server.element().await;
    assert_eq!(reply.attr("type"), Some("error"), "{}", reply.to_xml());
    assert_eq!(reply.attr("id"), Some("q1"), "{}", reply.to_xml());
    let error = reply.child("error", ns::CLIENT).expect("an error child");
    assert!(
        error.has_child("bad-request", ns::STANZAS),
        "{}",
        reply.to_xml()
    );
    // Only the marker's conversation exists.
    assert_eq!(s.app.state.chats.len(), 1);
    s.session.handle.close();
}

/// ROS-12, NEW-05, SEC-02: a push whose `from` is our own *full* JID (which
/// RFC 3921 tolerated and RFC 6121 forbids) or another domain is neither
/// applied nor acknowledged; a push without `from` still is. (A push from
/// another account through Prosody is `tests/im.rs`' ROS-12 test.)
#[tokio::test]
async fn ros_12_push_from_own_full_jid_or_another_domain_is_ignored() {
    let mut s = scripted().await;
    let push = |id: &str, from: &str, jid: &str| {
        format!(
            "<iq type='set' id='{id}'{from}><query xmlns='jabber:iq:roster'>\
             <item jid='{jid}' subscription='both'/></query></iq>"
        )
    };
    let own_full = format!(" from='{}'", harness::OWN_JID);
    let spoofed = [
        push("full", &own_full, "eve@evil.example"),
        push("domain", " from='evil.example'", "mallory@evil.example"),
        push("server", " from='example.org'", "trudy@example.org"),
    ];
    for push in &spoofed {
        s.server.send(push.as_bytes()).await;
    }
    s.server
        .send(push("honest", "", "nurse@example.com").as_bytes())
        .await;
    let mut replies = Vec::new();
    for _ in 0..4 {
        let reply = s.server.element().await;
        replies.push((
            reply.attr("id").unwrap_or_default().to_owned(),
            reply.attr("type").unwrap_or_default().to_owned(),
            reply
                .child("error", ns::CLIENT)
                .is_some_and(|e| e.has_child("service-unavailable", ns::STANZAS)),
        ));
    }
    assert_eq!(
        replies,
        [
            ("full".to_owned(), "error".to_owned(), true),
            ("domain".to_owned(), "error".to_owned(), true),
            ("server".to_owned(), "error".to_owned(), true),
            ("honest".to_owned(), "result".to_owned(), false),
        ]
    );
    loop {
        match s.event().await {
            SessionEvent::RosterPush { item, .. } => {
                assert_eq!(item.jid.as_str(), "nurse@example.com");
                break;
            }
            SessionEvent::Rejected(text) => assert!(text.contains("roster push"), "{text}"),
            other => panic!("unexpected {other:?}"),
        }
    }
    let roster = &s.app.state.roster;
    assert_eq!(
        roster
            .get(&bare("nurse@example.com"))
            .map(|i| i.subscription),
        Some(Subscription::Both)
    );
    for spoofed in [
        "eve@evil.example",
        "mallory@evil.example",
        "trudy@example.org",
    ] {
        assert!(!roster.contains(&bare(spoofed)), "{spoofed} was applied");
    }
    s.session.handle.close();
}

/// CORE-18, SEC-05: a stream error ends the session with its condition
/// and text for the user; hostile characters in the text never reach the
/// status line, and a condition that reconnecting cannot fix (`conflict`)
/// is not retried.
#[tokio::test]
async fn core_18_stream_error_text_is_shown_without_control_characters() {
    let mut s = scripted().await;
    s.server
        .send(
            "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
             <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\
             Replaced&#x9b;2J \u{202e}by new connection</text></stream:error>"
                .as_bytes(),
        )
        .await;
    let (error, retryable) = loop {
        if let SessionEvent::Closed { error, retryable } = s.event().await {
            break (error.expect("a reason"), retryable);
        }
    };
    assert!(!retryable);
    assert!(error.contains("conflict"), "{error}");
    let rows = harness::screen(&s.app.state, 100, 30);
    for row in &rows {
        if let Some(c) = row.chars().find(|&c| harness::is_terminal_unsafe(c)) {
            panic!("U+{:04X} reached the screen: {row}", u32::from(c));
        }
    }
    assert!(
        rows.iter().any(|row| row.contains("2J by new connection")),
        "{}",
        rows.join("\n")
    );
}

/// The newest conversation opened, then the screen; asserts nothing unsafe
/// reached a cell and returns the screen for further checks.
fn draw_newest(app: &mut App) -> String {
    let newest = app.state.chats.windows().last().map(|c| c.id);
    let newest = newest.expect("a conversation");
    update(&mut app.state, Msg::View(ViewMsg::Activate(newest)));
    let rows = harness::screen(&app.state, 100, 30);
    for row in &rows {
        if let Some(c) = row.chars().find(|&c| harness::is_terminal_unsafe(c)) {
            panic!("U+{:04X} reached the screen: {row}", u32::from(c));
        }
    }
    rows.join("\n")
}

/// SEC-05: a body with a raw ESC sequence, an 8-bit CSI and a bidi override
/// is drawn without them. A raw ESC cannot come over XML 1.0 (the reader
/// refuses it), so this store receives the message directly, as a lenient
/// parser would have delivered it.
#[test]
fn sec_05_escape_csi_and_bidi_override_never_reach_the_screen() {
    let mut app = App::logged_in();
    let mut message = Message::new(MessageType::Chat);
    message.from = Some(Jid::new("romeo@example.net/orchard").expect("a JID"));
    message.bodies = vec![LangText::new(
        "clear\u{1b}[2J csi\u{9b}31m flip\u{202e}olleh",
    )];
    message.subjects = vec![LangText::new("subject\u{1b}]0;title\u{7}")];
    app.apply(SessionEvent::Message(message));
    let screen = draw_newest(&mut app);
    assert!(screen.contains("clear[2J csi31m flipolleh"), "{screen}");
}

/// SEC-05 over a real server: a contact's C1 CSI and bidi override in a
/// body, delivered by Prosody, are drawn without them.
#[tokio::test]
async fn sec_05_c1_and_bidi_from_a_real_contact_never_reach_the_screen() {
    let server = TestServer::start();
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;
    let bob = Peer::online(&server, &bob, "phone").await;
    bob.send(
        Message::chat(
            Jid::new("alice@localhost/balcony").expect("a JID"),
            "hi\u{9b}2J\u{202e}olleh \u{2066}isolated\u{2069} \u{200f}mark",
        )
        .to_element(),
    );
    client
        .until("bob's message", |c| !c.engine.state.chats.is_empty())
        .await;
    // Draw the client's own store.
    let mut app = App::logged_in();
    std::mem::swap(&mut app.state, &mut client.engine.state);
    let screen = draw_newest(&mut app);
    assert!(screen.contains("hi2Jolleh isolated mark"), "{screen}");
}

/// PRES-15: a presence flood from distinct strangers is bounded by the
/// strangers' cap. The cap is 10 000, so 5 000 strangers all fit: the
/// flood is `MAX_STRANGERS + 1000` to pass it. A contact is still tracked
/// afterwards.
#[tokio::test]
async fn pres_15_presence_flood_from_strangers_is_capped() {
    let mut s = scripted().await;
    let flood = MAX_STRANGERS + 1000;
    let mut burst = String::new();
    for i in 0..flood {
        burst.push_str(&format!("<presence from='s{i}@evil.example/x'/>"));
    }
    burst.push_str("<presence from='romeo@example.net/orchard'><show>chat</show></presence>");
    s.server.send(burst.as_bytes()).await;
    s.send_marker("after the flood").await;
    s.until_message("after the flood").await;
    let presence = &s.app.state.presence;
    assert_eq!(presence.strangers(), MAX_STRANGERS);
    assert!(presence.get(&bare("s0@evil.example")).is_some());
    assert!(
        presence
            .get(&bare(&format!("s{}@evil.example", flood - 1)))
            .is_none()
    );
    assert_eq!(
        presence.availability(&bare("romeo@example.net")),
        balcony::app::presence::Availability::Chat
    );
    s.session.handle.close();
}

/// PRES-10: 200 resources from one contact are bounded by the resource cap,
/// and so are 200 of our own other resources (PRES-13).
#[tokio::test]
async fn pres_10_two_hundred_resources_from_one_contact_are_capped() {
    let mut s = scripted().await;
    let mut burst = String::new();
    for i in 0..200 {
        burst.push_str(&format!(
            "<presence from='romeo@example.net/r{i}'><priority>{}</priority></presence>",
            i % 100
        ));
        burst.push_str(&format!("<presence from='juliet@example.com/own{i}'/>"));
    }
    s.server.send(burst.as_bytes()).await;
    s.send_marker("after").await;
    s.until_message("after").await;
    let romeo = s
        .app
        .state
        .presence
        .get(&bare("romeo@example.net"))
        .expect("romeo's presence");
    assert_eq!(romeo.resources.len(), MAX_RESOURCES);
    // The first ones were kept; an update to one of them still applies.
    assert!(romeo.resources.contains_key("r0"));
    assert!(!romeo.resources.contains_key("r199"));
    assert_eq!(s.app.state.own_resources.resources.len(), MAX_RESOURCES);
    s.session.handle.close();
}

/// CORE-22 echoes the payload of a refused IQ, and the echo must be XML the
/// server accepts. Prosody forwards a contact's prefixed attribute as
/// `ns1:a` with its declaration; echoing `ns1:a` without one made Prosody
/// close our stream as not-well-formed ("unbound prefix"), so anyone could
/// disconnect us at will. The fake server sends what Prosody sends and reads
/// the answer with our own reader, which refuses unbound prefixes.
#[tokio::test]
async fn core_22_refused_iq_with_a_prefixed_attribute_is_answered_with_well_formed_xml() {
    let mut s = scripted().await;
    s.server
        .send(
            b"<iq type='get' id='v2' from='romeo@example.net/orchard' \
              to='juliet@example.com/balcony'><query xmlns='urn:x' xmlns:ns1='urn:p' \
              ns1:a='1'><ns1:child ns1:b='2'/></query></iq>",
        )
        .await;
    match s.server.next().await {
        Ok(StreamEvent::Stanza(reply)) => {
            assert_eq!(reply.attr("type"), Some("error"), "{}", reply.to_xml());
            assert_eq!(reply.attr("id"), Some("v2"), "{}", reply.to_xml());
            let error = reply.child("error", ns::CLIENT).expect("an error child");
            assert!(
                error.has_child("service-unavailable", ns::STANZAS),
                "{}",
                reply.to_xml()
            );
        }
        other => panic!("the answer is not XML a server accepts: {other:?}"),
    }
    // The session is still up.
    s.send_marker("still here").await;
    s.until_message("still here").await;
    s.session.handle.close();
}

/// SEC-04, SUB-07: each distinct stranger adds a request that waits for the
/// user; a flood from invented addresses is capped like the presence table.
#[test]
fn sec_04_subscription_request_flood_is_capped() {
    let mut app = App::logged_in();
    let flood = MAX_PENDING + 1000;
    for i in 0..flood {
        let mut presence = Presence::new(PresenceType::Subscribe);
        presence.from = Some(Jid::new(&format!("s{i}@evil.example")).expect("a JID"));
        app.apply(SessionEvent::Presence(presence));
    }
    assert_eq!(app.state.pending.len(), MAX_PENDING);
    // The first requests are kept, not replaced by the flood.
    assert!(app.state.pending.contains(&bare("s0@evil.example")));
}

/// MSG-10: a new thread id opens a new conversation, but one sender
/// inventing thread ids gets at most `MAX_THREADS_PER_PEER` of them, and
/// invented senders at most `MAX_CONVERSATIONS` in all.
#[test]
fn msg_10_thread_and_sender_floods_are_capped() {
    let mut app = App::logged_in();
    let chat = |from: &str, thread: Option<String>| {
        let mut message = Message::new(MessageType::Chat);
        message.from = Some(Jid::new(from).expect("a JID"));
        message.bodies = vec![LangText::new("x")];
        message.thread = thread.map(|id| Thread { id, parent: None });
        SessionEvent::Message(message)
    };
    for i in 0..(MAX_THREADS_PER_PEER * 10) {
        app.apply(chat("romeo@example.net/orchard", Some(format!("t{i}"))));
    }
    assert_eq!(app.state.chats.len(), MAX_THREADS_PER_PEER);
    for i in 0..(MAX_CONVERSATIONS + 500) {
        app.apply(chat(&format!("s{i}@evil.example/x"), None));
    }
    assert_eq!(app.state.chats.len(), MAX_CONVERSATIONS);
}

/// Statuses are cut to `MAX_STATUS_BYTES`, but a body may be as large as a
/// stanza (16 MiB), and a conversation keeps `MAX_LINES` of them: one contact
/// can make us hold gigabytes, and a single such body costs about half a
/// second per frame to draw in a debug build.
#[tokio::test]
async fn bug_a_huge_message_body_is_bounded() {
    let mut s = scripted().await;
    let body = "word ".repeat(180_000);
    s.server
        .send(
            format!(
                "<message from='romeo@example.net/orchard' type='chat'><body>{body}</body></message>"
            )
            .as_bytes(),
        )
        .await;
    s.send_marker("after").await;
    s.until_message("after").await;
    let kept = s
        .app
        .state
        .chats
        .latest_with(&bare("romeo@example.net"))
        .and_then(|c| c.lines.iter().map(|l| l.body.len()).max())
        .expect("romeo's lines");
    assert!(kept <= 64 * 1024, "a {kept}-byte body was kept whole");
    s.session.handle.close();
}

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).expect("a bare JID")
}

/// DISCO-15 (CORE-21): a reply is matched by its id and by who was asked. A result with the
/// right id from someone else, here a forged disco#info "answer" from mallory, is ignored and
/// the request stays open; the real answer from the contact asked settles it.
#[tokio::test]
async fn disco_15_a_reply_from_someone_else_is_ignored() {
    let (mut server, session) = fake_login(fake_settings(), 1 << 20, "").await;
    let romeo = Jid::new("romeo@example.net/orchard").unwrap();
    let ask = balcony::xmpp::stanza::iq::Iq::get(balcony::xmpp::element::Element::new(
        "query",
        ns::DISCO_INFO,
    ))
    .with_to(romeo.clone());
    let handle = session.handle.clone();
    let request = tokio::spawn(async move { handle.request(ask).await });
    let sent = loop {
        let element = server.element().await;
        if element.attr("to") == Some("romeo@example.net/orchard") {
            break element;
        }
    };
    let id = sent.attr("id").expect("an id").to_owned();
    server
        .send(
            format!(
                "<iq type='result' id='{id}' from='mallory@evil.example/x'>\
                 <query xmlns='{}'><feature var='urn:forged'/></query></iq>",
                ns::DISCO_INFO
            )
            .as_bytes(),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !request.is_finished(),
        "the forged reply settled the request"
    );
    server
        .send(
            format!(
                "<iq type='result' id='{id}' from='{romeo}'>\
                 <query xmlns='{}'><feature var='urn:real'/></query></iq>",
                ns::DISCO_INFO
            )
            .as_bytes(),
        )
        .await;
    let answer = tokio::time::timeout(STEP, request)
        .await
        .expect("settled in time")
        .expect("no panic")
        .expect("a result");
    let xml = answer.payload.expect("a query").to_xml();
    assert!(
        xml.contains("urn:real") && !xml.contains("urn:forged"),
        "{xml}"
    );
}
