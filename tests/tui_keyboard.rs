//! The real binary in a real terminal (tmux), driven by keyboard only,
//! against a private Prosody, with a second real account as the contact:
//! add the contact from the add dialog, open the chat from the roster, send
//! a message, read the answer. Asserts both the screen and what the contact
//! received on the wire.

mod common;

use std::time::Duration;

use balcony::xmpp::stanza::message::Message;
use balcony::xmpp::stanza::presence::{Presence, PresenceType};
use common::tmux::{Tmux, shell_quote};
use common::{Peer, TestServer};
use jid::{BareJid, Jid};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_contact_and_chat_by_keyboard() {
    let server = TestServer::start();
    let (alice, bob_account) = (server.account("alice"), server.account("bob"));
    let mut bob = Peer::online(&server, &bob_account, "phone").await;
    let config = server.write_config(&alice, "resource = \"tty\"\n");
    let tmux = Tmux::start(&format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    ));
    tmux.wait_for("online as alice@localhost/tty", WAIT);

    // `A` opens the add dialog from anywhere outside the input line.
    tmux.type_text("A");
    tmux.wait_for("Add contact", WAIT);
    tmux.type_text("bob@localhost Bobby");
    tmux.send_keys(&["Enter"]);
    let request = bob
        .expect_presence("alice's subscribe", |p| p.kind == PresenceType::Subscribe)
        .await;
    assert_eq!(request.from.unwrap().to_string(), "alice@localhost");
    assert_eq!(
        bob.roster_item("alice@localhost")
            .await
            .map(|i| i.subscription.as_str().to_owned()),
        None,
        "bob has not been asked to add alice, only to let her see him"
    );
    bob.send(
        Presence::subscription(
            PresenceType::Subscribed,
            BareJid::new("alice@localhost").unwrap(),
        )
        .to_element(),
    );
    tmux.wait_until("Bobby online in the roster", WAIT, |screen| {
        screen.lines().any(|l| l.contains("o Bobby"))
    });

    // Roster: Home (the group header), Down (Bobby), Enter opens the chat
    // and moves to the input line.
    tmux.send_keys(&["Home", "Down", "Enter"]);
    tmux.wait_for("[1:Bobby]", WAIT);
    tmux.type_text("hello from the keys 東京");
    tmux.send_keys(&["Enter"]);
    let got = bob
        .expect_message("the chat", |m| {
            m.body("en") == Some("hello from the keys 東京")
        })
        .await;
    assert_eq!(
        got.to.as_ref().unwrap().to_string(),
        "bob@localhost",
        "MSG-02"
    );
    let thread = got.thread.clone().expect("MSG-07: a thread");
    let screen = tmux.wait_for("<me> hello from the keys 東京", WAIT);
    assert!(screen.contains("Bobby"), "{screen}");

    let mut reply = Message::chat(
        Jid::new("alice@localhost/tty").unwrap(),
        "hi Alice, keys work",
    );
    reply.thread = Some(thread);
    bob.send(reply.to_element());
    tmux.wait_for("<Bobby> hi Alice, keys work", WAIT);

    // The reply locked the chat to bob's phone: the next line goes there.
    tmux.type_text("one more");
    tmux.send_keys(&["Enter"]);
    let next = bob
        .expect_message("the second chat", |m| m.body("en") == Some("one more"))
        .await;
    assert_eq!(next.to.unwrap().to_string(), bob.jid(), "NEW-11");

    tmux.type_text("/quit");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("EXITED:0", WAIT);
}
