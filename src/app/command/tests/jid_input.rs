//! Addresses as typed: non-ASCII JIDs, URI schemes, and the reasons a
//! JID is refused (COMP-03, I18N-06).

use super::*;

/// I18N-06: non-ASCII localparts and resources are accepted and kept.
#[test]
fn i18n_06_non_ascii_jid() {
    let action = ok("/msg josé@example.net/móvil hola");
    assert_eq!(
        action,
        Action::Message {
            to: jid("josé@example.net/móvil"),
            body: Some("hola".into())
        }
    );
    let Action::Message { to, .. } = action else {
        unreachable!()
    };
    assert_eq!(to.to_string(), "josé@example.net/móvil");
    // Nodeprep case-folds the localpart, so both spellings are one contact.
    assert_eq!(
        ok("/contact JOSÉ@example.net"),
        Action::Contact {
            jid: bare("josé@example.net")
        }
    );
}

/// COMP-03: im:, pres: and xmpp: addresses are accepted.
#[test]
fn comp_03_scheme_stripping() {
    for input in [
        "im:romeo@example.net",
        "pres:romeo@example.net",
        "IM:romeo@example.net",
        "xmpp:romeo@example.net",
        "xmpp:romeo@example.net?subscribe",
        "XMPP:romeo@example.net?message;body=hi#frag",
        "xmpp://juliet@example.com/romeo@example.net?roster",
        "  im:romeo@example.net  ",
    ] {
        assert_eq!(parse_jid(input), Ok(jid(ROMEO)), "{input}");
        assert_eq!(parse_bare_jid(input), Ok(bare(ROMEO)), "{input}");
    }
    assert_eq!(
        parse_jid("xmpp:jos%C3%A9@example.net/m%C3%B3vil"),
        Ok(jid("josé@example.net/móvil"))
    );
    assert_eq!(
        ok("/add im:romeo@example.net Romeo"),
        Action::Add {
            jid: bare(ROMEO),
            name: Some("Romeo".into())
        }
    );
    assert_eq!(
        err("/add xmpp:romeo@example.net/orchard"),
        "use the bare address romeo@example.net, without /orchard"
    );
    assert_eq!(
        err("/msg xmpp:jos%C3@example.net"),
        "\"xmpp:jos%C3@example.net\" is not a valid JID: \
         the xmpp: address has a broken %-escape"
    );
    assert_eq!(err("/msg im:"), "\"im:\" is not a valid JID: it is empty");
}

#[test]
fn invalid_jids_name_input_and_reason() {
    assert_eq!(
        err("/msg a@b@example.net"),
        "\"a@b@example.net\" is not a valid JID: it has more than one @ before the /"
    );
    assert_eq!(
        err("/msg romeo@example.net/"),
        "\"romeo@example.net/\" is not a valid JID: there is nothing after the /"
    );
    assert_eq!(
        err("/msg ro<meo@example.net"),
        "\"ro<meo@example.net\" is not a valid JID: the part before the @ has a \
         character not allowed there (such as a space, \", &, ', :, < or >)"
    );
    assert_eq!(
        err("/msg romeo@exa_mple..net"),
        "\"romeo@exa_mple..net\" is not a valid JID: \
         the part after the @ is not a valid domain name"
    );
}
