//! Contact cards (vcard-temp, XEP-0054; checklist VCARD-*) against a real Prosody (Debian's
//! `mod_vcard4` + `mod_vcard_legacy`, or plain `mod_vcard`) and a real ejabberd (`mod_vcard`),
//! with slixmpp as the contact, or as the user's other device: balcony shows a card slixmpp
//! published, shows "no card" as an empty card, stores an edit slixmpp then reads, and keeps
//! the elements it does not know when it sends the card back.

mod common;

use balcony::app::event::Event;
use balcony::app::vcard::CardState;
use common::slixmpp::Device;
use common::{Client, ServerKind, ServerOptions, TestServer, VcardModule};
use jid::BareJid;

fn server_with_cards(kind: ServerKind, module: VcardModule) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        vcard: module,
        ..ServerOptions::default()
    })
}

/// The text of the last `Info` event that starts with `start`, taken from the events.
fn info(client: &Client, start: &str) -> String {
    client
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Info { text } if text.starts_with(start) => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no info starting {start:?}: {:#?}", client.events))
}

const BOB_CARD: &str = "<vCard xmlns='vcard-temp'><FN>Bob Builder</FN><NICKNAME>bobby</NICKNAME>\
    <EMAIL><INTERNET/><USERID>bob@example.org</USERID></EMAIL>\
    <URL>https://example.org/bob</URL><NOTE>Can we fix it? Yes we can</NOTE>\
    <PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkY\
    PhfDwAChwGA60e6kgAAAABJRU5ErkJggg==</BINVAL></PHOTO></vCard>";

/// VCARD-01, VCARD-07: bob publishes his card with slixmpp; `/vcard bob@localhost` asks his
/// bare JID and shows his name, nick, email, URL and note, one readable line each, and the
/// card is kept for the details pane.
async fn a_contacts_card_is_shown(kind: ServerKind) {
    let server = server_with_cards(kind, VcardModule::Legacy);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let (answer, xml) = bob.publish_vcard(BOB_CARD).await;
    assert_eq!(answer, "result", "{xml}");

    let mut client = Client::start(&server, &alice).await;
    let text = client.ok("/vcard bob@localhost").await;
    assert!(text.ends_with("fields"), "{text}");
    let card = info(&client, "card of bob@localhost:");
    for line in [
        "\n  name: Bob Builder",
        "\n  nickname: bobby",
        "\n  email: bob@example.org",
        "\n  url: https://example.org/bob",
        "\n  note: Can we fix it? Yes we can",
        // VCARD-08: the photo is its type and size, never its bytes.
        "\n  photo: image/png, 70 bytes",
    ] {
        assert!(card.contains(line), "{line:?} in {card}");
    }
    assert!(!card.contains("iVBOR"), "{card}");
    let kept = client
        .engine
        .state
        .cards
        .get(&BareJid::new("bob@localhost").expect("jid"))
        .cloned();
    assert!(
        matches!(&kept, Some(CardState::Loaded(card)) if card.card().nickname.as_deref() == Some("bobby")),
        "{kept:?}"
    );
    bob.quit().await;
}
common::on_both_servers!(a_contacts_card_is_shown);

/// VCARD-02, VCARD-03: a contact who never published a card, and our own account before we
/// do, have an empty card: a success that says so, not an error. On Prosody both modules'
/// shapes are met: an empty `<vCard/>` (`mod_vcard_legacy`) and `item-not-found`
/// (`mod_vcard`); ejabberd answers an empty `<vCard/>`.
async fn no_card_is_an_empty_card(kind: ServerKind) {
    let modules: &[VcardModule] = match kind {
        ServerKind::Prosody => &[VcardModule::Legacy, VcardModule::Plain],
        ServerKind::Ejabberd => &[VcardModule::Legacy],
    };
    for module in modules {
        let server = server_with_cards(kind, *module);
        let alice = server.account("alice");
        let _carol = server.account("carol");
        let mut client = Client::start(&server, &alice).await;
        for line in ["/vcard carol@localhost", "/vcard"] {
            let (ok, text) = client.run(line).await;
            assert!(ok, "{module:?}: {line} failed: {text}");
            assert_eq!(text, "no card published", "{module:?}: {line}");
        }
        assert!(info(&client, "carol@localhost has published no card").len() > 10);
        assert!(info(&client, "alice@localhost has published no card").len() > 10);
    }
}
common::on_both_servers!(no_card_is_an_empty_card);

/// VCARD-04, VCARD-09: `/vcard set fn` and `/vcard set note` each read alice's card, change
/// the field and send it whole; the result says what the server stored; bob, with slixmpp,
/// reads alice's card and sees both. `/vcard set note` without a value clears the note and
/// keeps the name.
async fn an_edit_reaches_the_server(kind: ServerKind) {
    let server = server_with_cards(kind, VcardModule::Legacy);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(&server, &alice).await;

    let text = client.ok("/vcard set fn Alice Liddell").await;
    assert_eq!(text, "fn is now \"Alice Liddell\"");
    let text = client.ok("/vcard set note Down the rabbit hole").await;
    assert_eq!(text, "note is now \"Down the rabbit hole\"");
    let stored = info(&client, "as stored by the server:");
    assert!(stored.contains("\n  name: Alice Liddell"), "{stored}");
    assert!(
        stored.contains("\n  note: Down the rabbit hole"),
        "{stored}"
    );

    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let (answer, xml) = bob.vcard(Some("alice@localhost")).await;
    assert_eq!(answer, "result", "{xml}");
    assert!(xml.contains("Alice Liddell"), "{xml}");
    assert!(xml.contains("Down the rabbit hole"), "{xml}");

    let text = client.ok("/vcard set note").await;
    assert_eq!(text, "note is cleared");
    let (_, xml) = bob.vcard(Some("alice@localhost")).await;
    assert!(xml.contains("Alice Liddell"), "{xml}");
    assert!(!xml.contains("rabbit"), "{xml}");
    bob.quit().await;
}
common::on_both_servers!(an_edit_reaches_the_server);

/// VCARD-04, VCARD-05: alice's other device stored a card with an element balcony does not
/// know and a fax number; balcony's `/vcard set nickname` sends the card back whole, so both
/// are still there, next to the new nickname, when that device reads it again. (Prosody's
/// `mod_vcard_legacy` drops unknown elements by design, VCARD-09, so Prosody runs
/// `mod_vcard` here.)
async fn unknown_elements_survive_an_edit(kind: ServerKind) {
    let server = server_with_cards(kind, VcardModule::Plain);
    let alice = server.account("alice");
    let mut phone = Device::start(&server, &alice, "phone", false).await;
    let (answer, xml) = phone
        .publish_vcard(
            "<vCard xmlns='vcard-temp'><FN>Alice</FN>\
             <X-BALCONY-TEST>kept as it was</X-BALCONY-TEST>\
             <TEL><WORK/><FAX/><NUMBER>+1 555 0100</NUMBER></TEL></vCard>",
        )
        .await;
    assert_eq!(answer, "result", "{xml}");

    let mut client = Client::start(&server, &alice).await;
    let text = client.ok("/vcard set nickname ally").await;
    assert_eq!(text, "nickname is now \"ally\"");

    let (answer, xml) = phone.vcard(None).await;
    assert_eq!(answer, "result", "{xml}");
    for part in [
        "X-BALCONY-TEST",
        "kept as it was",
        "FAX",
        "+1 555 0100",
        ">Alice<",
        ">ally<",
    ] {
        assert!(xml.contains(part), "{part} in {xml}");
    }
    phone.quit().await;
}
common::on_both_servers!(unknown_elements_survive_an_edit);

/// VCARD-09: Prosody's Debian default keeps the card as PEP nodes and gives `DESC` back as
/// `NOTE`; balcony reads the card again after the set and says so, instead of claiming the
/// description was stored.
#[tokio::test]
async fn a_lossy_store_is_reported_on_prosody() {
    let server = server_with_cards(ServerKind::Prosody, VcardModule::Legacy);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;
    let text = client.ok("/vcard set desc Curiouser and curiouser").await;
    assert_eq!(
        text, "sent; the server did not keep desc (it keeps it as note)",
        "{text}"
    );
    let stored = info(&client, "as stored by the server:");
    assert!(
        stored.contains("\n  note: Curiouser and curiouser"),
        "{stored}"
    );
}

/// VCARD-10, DISCO-07: a Prosody without a vcard module does not list `vcard-temp`; balcony
/// does not ask it for cards and says why, for our own card and for an edit.
#[tokio::test]
async fn a_server_without_cards_says_so() {
    let server = server_with_cards(ServerKind::Prosody, VcardModule::Off);
    let alice = server.account("alice");
    let mut client = Client::start(&server, &alice).await;
    client.until_features().await;
    for line in ["/vcard", "/vcard bob@localhost", "/vcard set fn Alice"] {
        let (ok, text) = client.run(line).await;
        assert!(!ok, "{line}: {text}");
        assert_eq!(text, balcony::app::vcard::NO_SERVICE, "{line}");
    }
}

/// VCARD-07, VCARD-10: in the terminal UI, `v` on a roster contact opens the details and
/// fetches the contact's card then, which the pane shows when it comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_details_pane_fetches_and_shows_the_card() {
    use common::tmux::{Tmux, shell_quote};
    const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

    let server = server_with_cards(ServerKind::Prosody, VcardModule::Legacy);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let (answer, xml) = bob.publish_vcard(BOB_CARD).await;
    assert_eq!(answer, "result", "{xml}");
    // Offline, so nothing answers alice's request and no prompt comes up.
    bob.quit().await;

    let config = server.write_config(&alice, "resource = \"tty\"\n");
    let tmux = Tmux::start(&format!(
        "{} --config {}",
        shell_quote(env!("CARGO_BIN_EXE_balcony")),
        shell_quote(&config.to_string_lossy())
    ));
    tmux.wait_for("online as alice@localhost/tty", WAIT);
    // Nothing asks for a card before the user opens one (VCARD-10).
    tmux.type_text("/add bob@localhost Bobby");
    tmux.send_keys(&["Enter"]);
    tmux.wait_until("Bobby in the roster", WAIT, |screen| {
        screen.contains("Bobby")
    });
    tmux.send_keys(&["Escape", "Home", "Down"]);
    tmux.type_text("v");
    let screen = tmux.wait_for("Bob Builder", WAIT);
    for part in ["Card", "bobby", "bob@example.org", "image/png, 70 bytes"] {
        assert!(screen.contains(part), "{part} in\n{screen}");
    }
    tmux.send_keys(&["Escape"]);
    tmux.type_text("/quit");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("EXITED:0", WAIT);
}
