//! Moderation and invitations in rooms (XEP-0045 §7.8, §8…§10, XEP-0249; checklist MUC-30,
//! MUC-31, MUC-36…40, MUC-44, MUC-48, MUC-49) against a real Prosody (`muc` component) and a
//! real ejabberd (`mod_muc`), with slixmpp occupants (`common::slixmpp`): balcony as owner
//! kicking, banning and voicing a slixmpp occupant, who sees the room's codes, then
//! configuring (MUC-41, MUC-42) and destroying (MUC-44) the room, and listing its outcasts,
//! members and owners (MUC-35, MUC-39); balcony banned
//! by a slixmpp owner; invitations from a slixmpp client declined and accepted; ours sent direct
//! (XEP-0249, MUC-50) or, in a members-only room, through the room (MUC-31); a command
//! refused for lack of rights, with why; `balcony exec` moderating; a slixmpp visitor's voice
//! request approved with `/allowvoice` (MUC-37); a chat carried on in a room, both ways
//! (MUC-32, MUC-52).

mod common;

use balcony::app::event::Event;
use balcony::app::room::{Exit, JoinPhase, Removal};
use common::slixmpp::Device;
use common::{Client, ServerKind, ServerOptions, TestServer};
use jid::BareJid;
use serde_json::json;

const ROOM: &str = "capulet@conference.localhost";

fn room() -> BareJid {
    BareJid::new(ROOM).expect("jid")
}

/// The bare part of a full JID.
fn bare(jid: &str) -> &str {
    jid.split('/').next().unwrap_or_default()
}

fn muc_server(kind: ServerKind) -> TestServer {
    TestServer::start_with(ServerOptions {
        kind,
        muc: true,
        ..ServerOptions::default()
    })
}

/// Balcony (alice) creates the room as juliet and owns it; bob (slixmpp) joins as tybalt.
async fn owned_room(server: &TestServer) -> (Client, Device) {
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut client = Client::start(server, &alice).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    // MUC-45: others may enter once the room is opened.
    client
        .until("the instant room", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .is_some_and(|r| !r.awaiting_configuration)
        })
        .await;
    let mut bob = Device::start(server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "tybalt").await;
    client
        .until("tybalt in the room", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .and_then(|r| r.occupants.get("tybalt"))
                .is_some()
        })
        .await;
    (client, bob)
}

/// MUC-36, MUC-37, MUC-38, MUC-40: the owner devoices, voices, kicks and bans tybalt; he
/// sees each change with the room's codes (307 kicked, 301 banned), and balcony's room
/// shows the role change as a line.
async fn muc_36_owner_kicks_bans_and_voices(kind: ServerKind) {
    let server = muc_server(kind);
    let (mut client, mut bob) = owned_room(&server).await;
    let tybalt = format!("{ROOM}/tybalt");

    assert_eq!(
        client.ok("/devoice tybalt").await,
        format!("tybalt is a visitor in {ROOM} now")
    );
    bob.expect_presence("devoiced", |p| {
        p["from"] == tybalt && p["role"] == "visitor"
    })
    .await;
    client
        .until("the role line (MUC-40)", |c| {
            c.engine
                .state
                .chats
                .find_room(&room(), None)
                .and_then(|id| c.engine.state.chats.get(id))
                .is_some_and(|conv| {
                    conv.lines
                        .iter()
                        .any(|l| l.notice && l.body == "tybalt is now a visitor")
                })
        })
        .await;
    client.ok("/voice tybalt").await;
    bob.expect_presence("voiced", |p| {
        p["from"] == tybalt && p["role"] == "participant"
    })
    .await;

    client.ok("/kick tybalt brawling").await;
    let kicked = bob
        .expect_presence("kicked", |p| {
            p["from"] == tybalt && p["type"] == "unavailable"
        })
        .await;
    assert!(
        kicked["codes"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("307"))),
        "{kicked}"
    );

    bob.join_room(ROOM, "tybalt").await;
    client
        .until("tybalt back", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .and_then(|r| r.occupants.get("tybalt"))
                .is_some()
        })
        .await;
    // MUC-38: by nick, resolved through the real JID the owner sees.
    assert_eq!(
        client.ok("/ban tybalt enough").await,
        format!("tybalt is banned from {ROOM}")
    );
    let banned = bob
        .expect_presence("banned", |p| {
            p["from"] == tybalt && p["type"] == "unavailable"
        })
        .await;
    assert!(
        banned["codes"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("301"))),
        "{banned}"
    );

    // MUC-41, MUC-42: the owner configures the room by field name; the form reads back.
    assert_eq!(
        client
            .ok("/configure persistent=yes name=\"The feast\"")
            .await,
        format!("{ROOM} is configured")
    );
    let (ok, text) = client.run("/configure nosuchfield=1").await;
    assert!(!ok && text.contains("no field"), "{text}");
    client.ok("/configure").await;
    let listing = client
        .event(
            "the configuration",
            |e| matches!(e, Event::Info { text } if text.contains("configuration:")),
        )
        .await;
    let Event::Info { text } = listing else {
        unreachable!()
    };
    assert!(text.contains("name (text-single) = The feast"), "{text}");
    assert!(text.contains("persistent (boolean) = 1"), "{text}");

    // MUC-44: the owner destroys the room, and is out of it.
    client.ok("/destroy the feast is over").await;
    let event = client
        .event("the room's end", |e| matches!(e, Event::RoomLeft { .. }))
        .await;
    let Event::RoomLeft { why, .. } = event else {
        unreachable!()
    };
    assert_eq!(why, "destroyed");
    bob.quit().await;
}
common::on_both_servers!(muc_36_owner_kicks_bans_and_voices);

/// MUC-35, MUC-39: the owner lists the room's outcasts after a ban (the JID and the reason),
/// its members after granting membership, and its owners.
async fn muc_35_owner_lists_members_and_outcasts(kind: ServerKind) {
    let server = muc_server(kind);
    let (mut client, bob) = owned_room(&server).await;
    let tybalt = bare(&bob.jid).to_owned();
    client.ok("/ban tybalt brawling").await;
    assert_eq!(
        client.ok("/members outcast").await,
        format!("1 outcast in {ROOM}")
    );
    let event = client
        .event(
            "the outcast list",
            |e| matches!(e, Event::Info { text } if text.starts_with("outcasts of")),
        )
        .await;
    let Event::Info { text } = event else {
        unreachable!()
    };
    assert!(text.contains(&format!("\n  {tybalt}")), "{text}");
    // ejabberd keeps the ban's reason in the list; this Prosody gives the JID only.
    if kind == ServerKind::Ejabberd {
        assert!(text.contains(&format!("\n  {tybalt} — brawling")), "{text}");
    }
    assert_eq!(
        client.ok("/members member").await,
        format!("no members in {ROOM}")
    );
    client.ok("/affiliation romeo@localhost member").await;
    assert_eq!(
        client.ok("/members member").await,
        format!("1 member in {ROOM}")
    );
    let event = client
        .event(
            "the member list",
            |e| matches!(e, Event::Info { text } if text.starts_with("members of")),
        )
        .await;
    let Event::Info { text } = event else {
        unreachable!()
    };
    assert!(text.contains("\n  romeo@localhost"), "{text}");
    let (ok, text) = client.run("/members owner").await;
    assert!(ok, "{text}");
    let (ok, text) = client.run("/members none").await;
    assert!(!ok && text.contains("lists are"), "{text}");
    bob.quit().await;
}
common::on_both_servers!(muc_35_owner_lists_members_and_outcasts);

/// MUC-26, MUC-38: a slixmpp owner bans balcony by JID: balcony says so and who did it, the
/// room counts as left and nothing rejoins it.
async fn muc_38_banned_by_a_slixmpp_owner(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "capulet").await;
    let mut client = Client::start(&server, &alice).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    let refused = bob
        .room_admin(
            ROOM,
            json!({"jid": alice.jid.to_string(), "affiliation": "outcast", "reason": "feud"}),
        )
        .await;
    assert_eq!(refused, None);
    let event = client
        .event("our removal", |e| matches!(e, Event::RoomLeft { .. }))
        .await;
    let Event::RoomLeft { why, reason, .. } = event else {
        unreachable!()
    };
    assert_eq!(why, "banned");
    assert_eq!(reason.as_deref(), Some("feud"));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    client.until("quiet", |_| true).await;
    let entry = client.engine.state.rooms.get(&room()).expect("the room");
    assert!(
        matches!(
            entry.phase,
            JoinPhase::Left(Exit::Removed {
                why: Removal::Banned,
                ..
            })
        ),
        "no rejoin after a ban: {:?}",
        entry.phase
    );
    // MUC-13: joining again is refused, with why.
    let (ok, text) = client.run(&format!("/join {ROOM}/juliet")).await;
    assert!(!ok, "{text}");
    bob.quit().await;
}
common::on_both_servers!(muc_38_banned_by_a_slixmpp_owner);

/// MUC-30, MUC-31, MUC-48, MUC-49: capulet (slixmpp) invites balcony through the room;
/// balcony declines and capulet sees the decline. Then a direct invitation, accepted: balcony
/// joins. Nothing joins by itself.
async fn muc_30_invitations_declined_and_accepted(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "capulet").await;
    let mut client = Client::start(&server, &alice).await;
    let alice_jid = alice.jid.to_string();

    bob.invite_mediated(ROOM, &alice_jid, "the feast").await;
    let event = client
        .event("the mediated invitation", |e| {
            matches!(e, Event::Invitation { mediated: true, .. })
        })
        .await;
    let Event::Invitation {
        room: invited,
        from,
        reason,
        ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(invited, ROOM);
    // Prosody names the inviter by nick (its occupant JID), ejabberd by JID.
    assert!(
        from.as_deref() == Some(bare(&bob.jid)) || from.as_deref() == Some("capulet"),
        "{from:?}"
    );
    assert_eq!(reason.as_deref(), Some("the feast"));
    assert!(client.engine.state.rooms.get(&room()).is_none(), "MUC-51");

    client.ok(&format!("/decline {ROOM} not tonight")).await;
    let declined = bob
        .expect_message("the decline", |m| !m["decline_from"].is_null())
        .await;
    assert!(
        declined["decline_from"]
            .as_str()
            .is_some_and(|f| f.starts_with(&alice_jid)),
        "{declined}"
    );
    assert_eq!(declined["muc_reason"], "not tonight");

    bob.invite_direct(&alice_jid, ROOM, "come after all", "")
        .await;
    client
        .event("the direct invitation", |e| {
            matches!(
                e,
                Event::Invitation {
                    mediated: false,
                    ..
                }
            )
        })
        .await;
    let text = client.ok("/accept").await;
    assert!(
        text.starts_with(&format!("joined {ROOM} as alice")),
        "{text}"
    );
    assert!(client.engine.state.invitations.is_empty());
    bob.quit().await;
}
common::on_both_servers!(muc_30_invitations_declined_and_accepted);

/// MUC-36, MUC-44: a participant may not kick or destroy: refused with why, nothing sent; a
/// ban of the owner by an admin is refused by balcony too.
async fn muc_36_refused_for_lack_of_rights(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "capulet").await;
    let mut client = Client::start(&server, &alice).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    let (ok, text) = client.run("/kick capulet").await;
    assert!(!ok);
    assert!(text.contains("only moderators"), "{text}");
    let (ok, text) = client.run("/destroy").await;
    assert!(!ok);
    assert!(text.contains("only owners may destroy"), "{text}");
    // MUC-35: a participant may not see the ban list: the room's refusal is explained.
    let (ok, text) = client.run("/members outcast").await;
    assert!(!ok);
    assert!(text.contains("only to those allowed"), "{text}");
    // Made an admin, balcony still may not ban the owner.
    let refused = bob
        .room_admin(
            ROOM,
            json!({"jid": alice.jid.to_string(), "affiliation": "admin"}),
        )
        .await;
    assert_eq!(refused, None);
    client
        .until("the admin affiliation", |c| {
            c.engine
                .state
                .rooms
                .get(&room())
                .and_then(|r| r.occupants.get("juliet"))
                .is_some_and(|o| o.affiliation == balcony::xmpp::stanza::muc::Affiliation::Admin)
        })
        .await;
    // Refused before sending when balcony knows tybalt's affiliation (Prosody shows the new
    // admin the real JIDs), else by the room, and explained either way (ejabberd).
    let (ok, text) = client.run(&format!("/ban {}", bare(&bob.jid))).await;
    assert!(!ok);
    assert!(
        text.contains("only owners") || text.contains("outranks you"),
        "{text}"
    );
    bob.quit().await;
}
common::on_both_servers!(muc_36_refused_for_lack_of_rights);

/// exec moderates: `/kick` and `/invite` report success, a refusal its reason.
async fn exec_moderates(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    bob.join_room(ROOM, "capulet").await;
    let config = server.write_config(&alice, "");
    let data = tempfile::tempdir().expect("tempdir");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_balcony"))
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_STATE_HOME", data.path())
        .arg("--config")
        .arg(&config)
        .args([
            "exec",
            "--wait",
            "1",
            &format!("/join {ROOM}/juliet"),
            "/kick capulet",
            &format!("/invite --mediated {} come", bare(&bob.jid)),
        ])
        .output()
        .await
        .expect("exec");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for wanted in [
        format!("failed /kick capulet: only moderators may do that in {ROOM}"),
        format!("ok /invite {}: invited", bare(&bob.jid)),
    ] {
        assert!(
            stdout.contains(&wanted),
            "{wanted:?} missing from:\n{stdout}"
        );
    }
    match kind {
        // Prosody lets occupants invite.
        ServerKind::Prosody => {
            let invitation = bob
                .expect_message("the invitation", |m| !m["invite_from"].is_null())
                .await;
            assert_eq!(invitation["muc_reason"], "come");
        }
        // ejabberd's rooms do not by default (allow_user_invites): the refusal is explained.
        ServerKind::Ejabberd => {
            let wanted = format!("room-error {ROOM} not-allowed: {ROOM} does not let you invite");
            assert!(
                stdout.contains(&wanted),
                "{wanted:?} missing from:\n{stdout}"
            );
        }
    }
    bob.quit().await;
}
common::on_both_servers!(exec_moderates);

/// MUC-50, MUC-31, MUC-45: in a room that is not members-only `/invite` sends a direct
/// invitation (XEP-0249) the slixmpp invitee receives; a room balcony creates members-only
/// through its configuration form gets mediated invitations, and `--direct` still sends a
/// direct one.
async fn muc_50_direct_or_mediated_invitation(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let bob_jid = bare(&bob.jid).to_owned();
    let mut client = Client::start(&server, &alice).await;
    client.ok(&format!("/join {ROOM}/juliet")).await;
    let text = client.ok(&format!("/invite {bob_jid} come")).await;
    assert_eq!(
        text,
        format!("invited {bob_jid} to {ROOM} (direct invitation)")
    );
    let invitation = bob
        .expect_message("the direct invitation", |m| !m["direct_invite"].is_null())
        .await;
    assert_eq!(invitation["direct_invite"], ROOM);

    let closed = "montague@conference.localhost";
    let closed_jid = BareJid::new(closed).expect("jid");
    let tag = client
        .engine
        .command_line(&format!("/join {closed}/juliet --configure"));
    client
        .event(
            "the configuration form",
            |e| matches!(e, Event::Info { text } if text.contains("/configure submit")),
        )
        .await;
    client.ok("/configure membersonly=yes").await;
    client
        .event(
            "the join's end",
            |e| matches!(e, Event::Result { tag: t, ok: true, .. } if *t == tag),
        )
        .await;
    client
        .until("the members-only flag", |c| {
            c.engine
                .state
                .rooms
                .get(&closed_jid)
                .is_some_and(|r| r.flags.members_only)
        })
        .await;
    let text = client
        .ok(&format!("/invite --room {closed} {bob_jid} members"))
        .await;
    assert_eq!(text, format!("invited {bob_jid} to {closed}"));
    let invitation = bob
        .expect_message("the mediated invitation", |m| !m["invite_from"].is_null())
        .await;
    assert_eq!(invitation["from"], closed);
    client
        .ok(&format!("/invite --room {closed} --direct {bob_jid}"))
        .await;
    let invitation = bob
        .expect_message("the forced direct invitation", |m| {
            m["direct_invite"] == closed
        })
        .await;
    assert_eq!(invitation["direct_invite"], closed);
    bob.quit().await;
}
common::on_both_servers!(muc_50_direct_or_mediated_invitation);

/// MUC-37: in a moderated room, a visitor's voice request (sent by slixmpp's bob as the
/// muc#request form) reaches balcony, the owner, as a waiting request; nothing is approved
/// until `/allowvoice tybalt`, which gives him the participant role.
async fn muc_37_voice_request_approved(kind: ServerKind) {
    let server = muc_server(kind);
    let (mut client, mut bob) = owned_room(&server).await;
    let tybalt = format!("{ROOM}/tybalt");
    client.ok("/configure moderated=1").await;
    client.ok("/devoice tybalt").await;
    bob.expect_presence("devoiced", |p| {
        p["from"] == tybalt && p["role"] == "visitor"
    })
    .await;
    bob.send_raw(&format!(
        "<message to='{ROOM}'><x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>\
         <field var='muc#role' type='list-single'><value>participant</value></field>\
         </x></message>"
    ))
    .await;
    client
        .until("the voice request", |c| {
            c.engine
                .state
                .voice_requests
                .iter()
                .any(|r| r.nick == "tybalt")
        })
        .await;
    assert_eq!(
        client.ok("/allowvoice tybalt").await,
        format!("approved tybalt's voice request in {ROOM}")
    );
    bob.expect_presence("voiced", |p| {
        p["from"] == tybalt && p["role"] == "participant"
    })
    .await;
    assert!(client.engine.state.voice_requests.is_empty());
    // The approval carried the request's muc#jid: ejabberd refuses one without it.
    client.ok("/topic").await;
    let window = client
        .engine
        .state
        .chats
        .find_room(&room(), None)
        .expect("window");
    let refused = client.engine.state.chats.get(window).is_some_and(|c| {
        c.lines
            .iter()
            .any(|l| l.body.contains("refused the message"))
    });
    assert!(!refused, "the room refused the approval");
    bob.quit().await;
}
common::on_both_servers!(muc_37_voice_request_approved);

/// MUC-32: from a chat with bob (slixmpp), `/continue` makes a room, posts the chat's lines
/// there in the chat's thread and invites bob with `<continue thread/>`; bob joins and reads
/// them.
async fn muc_32_a_chat_continues_in_a_room(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let bob_jid = bare(&bob.jid).to_owned();
    let mut client = Client::start(&server, &alice).await;
    client
        .ok(&format!("/msg {bob_jid} shall we ask the others?"))
        .await;
    let first = bob
        .expect_message("the chat line", |m| m["body"] == "shall we ask the others?")
        .await;
    let thread = first["thread"].as_str().expect("a thread").to_owned();
    let text = client
        .ok(&format!("/continue --room {ROOM} --history"))
        .await;
    assert!(
        text.starts_with(&format!("joined {ROOM} as alice"))
            && text.contains(&format!("invited {bob_jid} to continue the chat here")),
        "{text}"
    );
    // A direct invitation (the room is not members-only), continuing the thread.
    let invitation = bob
        .expect_message("the invitation", |m| m["direct_invite"] == ROOM)
        .await;
    assert_eq!(
        invitation["direct_continues"],
        thread.as_str(),
        "{invitation}"
    );
    bob.join_room(ROOM, "bob").await;
    let history = bob
        .expect_message("the chat's lines in the room", |m| {
            m["type"] == "groupchat"
                && m["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("> alice: shall we ask the others?"))
        })
        .await;
    assert_eq!(history["thread"], thread.as_str());
    bob.quit().await;
}
common::on_both_servers!(muc_32_a_chat_continues_in_a_room);

/// MUC-52: bob (slixmpp) invites balcony to a room that continues their chat; accepting it
/// links the panes (a notice in each) and balcony's lines there carry the chat's thread.
async fn muc_52_an_invitation_continues_our_chat(kind: ServerKind) {
    let server = muc_server(kind);
    let (alice, bob) = (server.account("alice"), server.account("bob"));
    let mut bob = Device::start(&server, &bob, "laptop", false).await;
    let bob_jid = bare(&bob.jid).to_owned();
    let mut client = Client::start(&server, &alice).await;
    let alice_jid = client.engine.state.jid.clone().expect("bound").to_bare();
    client.ok(&format!("/msg {bob_jid} let us meet")).await;
    let first = bob
        .expect_message("the chat line", |m| m["body"] == "let us meet")
        .await;
    let thread = first["thread"].as_str().expect("a thread").to_owned();
    bob.join_room(ROOM, "bob").await;
    bob.invite_to_continue(&alice_jid.to_string(), ROOM, &thread)
        .await;
    client
        .event(
            "the invitation",
            |e| matches!(e, Event::Invitation { continues: Some(t), .. } if *t == thread),
        )
        .await;
    let text = client.ok("/accept").await;
    assert!(
        text.starts_with(&format!("joined {ROOM} as alice")),
        "{text}"
    );
    let chat = client
        .engine
        .state
        .chats
        .latest_with(&BareJid::new(&bob_jid).expect("jid"))
        .expect("the chat");
    let last = chat.lines.back().expect("a notice");
    assert!(last.notice && last.body.contains(ROOM), "{last:?}");
    client.ok(&format!("/msg {ROOM} here we are")).await;
    let line = bob
        .expect_message("alice's room line", |m| {
            m["type"] == "groupchat" && m["body"] == "here we are"
        })
        .await;
    assert_eq!(line["thread"], thread.as_str());
    bob.quit().await;
}
common::on_both_servers!(muc_52_an_invitation_continues_our_chat);
