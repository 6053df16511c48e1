//! The server stream's `xml:lang` (I18N-02, I18N-03), against a scripted
//! server: Prosody stamps its own language onto what it routes, so only a
//! server that does not shows whether stanzas inherit the stream's.

mod common;

use balcony::xmpp::session::SessionEvent;
use common::{STEP, fake_login, fake_settings};

/// I18N-02, I18N-03: a message without `xml:lang` on a stream whose header
/// says `xml:lang='en'` is in English, so of its bodies the one without
/// `xml:lang` is the exact match for an `en` user, not `en-US` by prefix.
/// A stanza's own `xml:lang` stays.
#[tokio::test]
async fn i18n_03_stanzas_take_the_stream_language() {
    let (mut server, mut session) = fake_login(fake_settings(), 64 * 1024, "").await;
    server
        .send(
            b"<message from='romeo@example.net/orchard' type='chat'>\
              <body xml:lang='en-US'>Howdy</body><body>Hello</body></message>\
              <message from='romeo@example.net/orchard' type='chat' xml:lang='it'>\
              <body>Ciao</body><body xml:lang='en'>Hi</body></message>",
        )
        .await;
    let mut messages = Vec::new();
    while messages.len() < 2 {
        match tokio::time::timeout(STEP, session.events.recv()).await {
            Ok(Some(SessionEvent::Message(message))) => messages.push(message),
            Ok(Some(_)) => continue,
            other => panic!("expected two messages, got {other:?}"),
        }
    }
    assert_eq!(messages[0].lang.as_deref(), Some("en"));
    assert_eq!(messages[0].body("en"), Some("Hello"));
    assert_eq!(messages[1].lang.as_deref(), Some("it"));
    assert_eq!(messages[1].body("en"), Some("Hi"));
    assert_eq!(messages[1].body("it"), Some("Ciao"));
}
