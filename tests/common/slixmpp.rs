//! A second, independent XMPP client for the integration tests: slixmpp (from PyPI), running
//! `tests/peers/device.py` in the venv `scripts/install-deps tests` makes. A test drives it line
//! by line (JSON) and reads what it received as JSON lines, so the other side of a conversation
//! (or the user's other device) is software balcony shares no code with.
//!
//! The venv is `/opt/balcony-test-venv`, or `BALCONY_TEST_VENV`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::server::{Account, TestServer};

const WAIT: Duration = Duration::from_secs(20);

/// The venv's python, or a panic saying how to make it.
pub fn python() -> PathBuf {
    let venv = std::env::var_os("BALCONY_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/balcony-test-venv"));
    let python = venv.join("bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import slixmpp, slixmpp_omemo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "slixmpp or slixmpp-omemo is missing from {}: run `scripts/install-deps tests`",
        venv.display()
    );
    python
}

/// One slixmpp client logged in as `account` with a resource of its own.
pub struct Device {
    /// The full JID the server bound.
    pub jid: String,
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Messages received and not yet taken by [`Device::expect_message`].
    seen: Vec<Value>,
    /// Room presences received and not yet taken by [`Device::expect_presence`].
    presences: Vec<Value>,
}

impl Device {
    /// Logs in as `account`/`resource` and sends initial presence; with `carbons`, enables
    /// XEP-0280 for itself first.
    pub async fn start(
        server: &TestServer,
        account: &Account,
        resource: &str,
        carbons: bool,
    ) -> Device {
        let flags: &[&str] = if carbons { &["--carbons"] } else { &[] };
        Device::start_with(server, account, resource, flags).await
    }

    /// Logs in with slixmpp's XEP-0184 plugin answering every request for a receipt.
    pub async fn start_with_receipts(
        server: &TestServer,
        account: &Account,
        resource: &str,
    ) -> Device {
        Device::start_with(server, account, resource, &["--receipts"]).await
    }

    /// Logs in with slixmpp's XEP-0115 plugin: its presence carries a sha-1 `<c/>` and it
    /// answers disco#info of its `node#ver` (receipts and chat states among the features).
    pub async fn start_with_caps(server: &TestServer, account: &Account, resource: &str) -> Device {
        Device::start_with(server, account, resource, &["--caps"]).await
    }

    /// The `<c/>` of a presence from `from` (a full JID): `{"hash", "node", "ver"}`.
    pub async fn expect_caps(&mut self, from: &str) -> Value {
        let from = from.to_owned();
        if let Some(i) = self
            .presences
            .iter()
            .position(|e| e["event"] == "caps" && e["from"] == from.as_str())
        {
            return self.presences.remove(i);
        }
        self.next_event("caps", |e| {
            e["event"] == "caps" && e["from"] == from.as_str()
        })
        .await
    }

    /// disco#info of `to` at `node` (XEP-0115 §6.3): `{"node", "features", "identities",
    /// "forms", "ver", "error"}`, `ver` computed by the device from the answer.
    pub async fn caps_query(&mut self, to: &str, node: &str) -> Value {
        self.command(json!({"op": "caps_query", "to": to, "node": node}))
            .await
    }

    async fn start_with(
        server: &TestServer,
        account: &Account,
        resource: &str,
        flags: &[&str],
    ) -> Device {
        Device::start_script(
            server,
            account,
            resource,
            "tests/peers/device.py",
            &[],
            flags,
        )
        .await
    }

    /// A slixmpp device with slixmpp-omemo (both namespaces, blind trust),
    /// keeping its keys in `state_dir` so a restart resumes its sessions.
    pub async fn start_omemo(
        server: &TestServer,
        account: &Account,
        resource: &str,
        state_dir: &std::path::Path,
    ) -> Device {
        let state = state_dir.to_string_lossy().into_owned();
        Device::start_script(
            server,
            account,
            resource,
            "tests/peers/omemo_device.py",
            &[&state],
            &[],
        )
        .await
    }

    /// Sends `body` encrypted to `to` in namespace `ns` ("legacy",
    /// "omemo2" or "auto"): `{"id", "namespaces", "recipients", "errors"}`.
    pub async fn omemo_send(&mut self, to: &str, body: &str, ns: &str) -> Value {
        self.command(json!({"op": "omemo_send", "to": to, "body": body, "ns": ns}))
            .await
    }

    /// The device's own OMEMO id and fingerprints.
    pub async fn omemo_info(&mut self) -> Value {
        self.command(json!({"op": "omemo_info"})).await
    }

    /// `jid`'s devices as the device knows them, asked again first.
    pub async fn omemo_devices(&mut self, jid: &str) -> Value {
        self.command(json!({"op": "omemo_devices", "jid": jid, "refresh": true}))
            .await
    }

    async fn start_script(
        server: &TestServer,
        account: &Account,
        resource: &str,
        script: &str,
        extra: &[&str],
        flags: &[&str],
    ) -> Device {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(script);
        let mut command = Command::new(python());
        command
            .arg(script)
            .arg(format!("{}/{resource}", account.jid))
            .arg(&account.password)
            .arg("127.0.0.1")
            .arg(server.port.to_string())
            .arg(&server.ca_file)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        command.args(flags);
        let mut child = command.spawn().expect("start the slixmpp device");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut device = Device {
            jid: String::new(),
            child,
            stdin,
            stdout,
            seen: Vec::new(),
            presences: Vec::new(),
        };
        let ready = device.next_event("ready", |e| e["event"] == "ready").await;
        device.jid = ready["jid"].as_str().unwrap_or_default().to_owned();
        device
    }

    /// Sends a chat message; `origin_id` adds a XEP-0359 `<origin-id/>`.
    pub async fn send_chat(&mut self, to: &str, body: &str, origin_id: Option<&str>) {
        let mut command = json!({"op": "send", "to": to, "body": body, "type": "chat"});
        if let Some(origin_id) = origin_id {
            command["origin_id"] = json!(origin_id);
        }
        self.command(command).await;
    }

    /// Sends a chat message with id `id` that asks for a receipt (XEP-0184).
    pub async fn send_chat_requesting_receipt(&mut self, to: &str, body: &str, id: &str) {
        self.command(json!({
            "op": "send", "to": to, "body": body, "type": "chat", "id": id, "request": true
        }))
        .await;
    }

    /// Sends a chat message with a XEP-0085 chat state (`active`, `composing`, …): with `body`,
    /// a content message carrying it; without, a standalone notification.
    pub async fn send_chat_state(&mut self, to: &str, body: Option<&str>, state: &str) {
        let mut command = json!({"op": "send", "to": to, "type": "chat", "state": state});
        if let Some(body) = body {
            command["body"] = json!(body);
        }
        self.command(command).await;
    }

    /// Sends a chat message with id `id` that asks for a displayed marker
    /// (XEP-0333 `<markable/>`).
    pub async fn send_markable(&mut self, to: &str, body: &str, id: &str) {
        self.command(json!({
            "op": "send", "to": to, "body": body, "type": "chat", "id": id, "markable": true
        }))
        .await;
    }

    /// Sends `body` with id `id` as a correction of message `original` (XEP-0308
    /// `<replace/>`).
    pub async fn send_correction(&mut self, to: &str, body: &str, id: &str, original: &str) {
        self.command(json!({
            "op": "send", "to": to, "body": body, "type": "chat", "id": id, "replace": original
        }))
        .await;
    }

    /// Sends a displayed marker for message `id` (XEP-0333 `<displayed/>`).
    pub async fn send_displayed(&mut self, to: &str, id: &str) {
        self.command(json!({"op": "displayed", "to": to, "id": id}))
            .await;
    }

    /// Sends `xml` as it is.
    /// Enters `room` as `nick` (XEP-0045) and waits for its own presence back; a room it
    /// creates is opened as an instant room.
    pub async fn join_room(&mut self, room: &str, nick: &str) {
        self.command(json!({"op": "join", "room": room, "nick": nick}))
            .await;
    }

    /// Tries to enter `room` as `nick`, leaving a room it creates as it is; the condition of a
    /// refused join (`item-not-found` for a room still locked), or `None` when it entered.
    pub async fn try_join_room(&mut self, room: &str, nick: &str) -> Option<String> {
        self.command(json!({"op": "try_join", "room": room, "nick": nick}))
            .await["error"]
            .as_str()
            .map(str::to_owned)
    }

    /// A groupchat message to `room`.
    pub async fn send_groupchat(&mut self, room: &str, body: &str) {
        self.command(json!({"op": "groupchat", "room": room, "body": body}))
            .await;
    }

    /// Sets the subject of `room`.
    pub async fn set_subject(&mut self, room: &str, subject: &str) {
        self.command(json!({"op": "subject", "room": room, "subject": subject}))
            .await;
    }

    /// Changes its nick in `room`.
    pub async fn change_nick(&mut self, room: &str, nick: &str) {
        self.command(json!({"op": "nick", "room": room, "nick": nick}))
            .await;
    }

    /// Leaves `room`, where it is `nick`.
    pub async fn leave_room(&mut self, room: &str, nick: &str) {
        self.command(json!({"op": "leave", "room": room, "nick": nick}))
            .await;
    }

    /// A private message to the occupant `to` (`room/nick`).
    pub async fn send_private(&mut self, to: &str, body: &str) {
        self.command(json!({"op": "pm", "to": to, "body": body}))
            .await;
    }

    /// Waits for a room presence matching `pred`, and takes it.
    pub async fn expect_presence(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.presences.iter().position(&pred) {
            return self.presences.remove(i);
        }
        self.next_event(what, |e| e["event"] == "presence" && pred(e))
            .await
    }

    /// A muc#admin set on `room` (XEP-0045 §8, §9): `item` holds `nick` and `role`, or `jid`
    /// and `affiliation`, and maybe `reason`. Returns the error condition, if refused.
    pub async fn room_admin(&mut self, room: &str, item: Value) -> Option<String> {
        let mut command = json!({"op": "admin", "room": room});
        if let (Some(command), Some(item)) = (command.as_object_mut(), item.as_object()) {
            command.extend(item.clone());
        }
        self.command(command).await["error"]
            .as_str()
            .map(str::to_owned)
    }

    /// Destroys `room` (muc#owner); returns the error condition, if refused.
    pub async fn destroy_room(&mut self, room: &str, reason: &str) -> Option<String> {
        self.command(json!({"op": "destroy", "room": room, "reason": reason}))
            .await["error"]
            .as_str()
            .map(str::to_owned)
    }

    /// A mediated invitation of `to` through `room` (MUC-31).
    pub async fn invite_mediated(&mut self, room: &str, to: &str, reason: &str) {
        self.command(json!({"op": "invite", "room": room, "to": to, "reason": reason}))
            .await;
    }

    /// A direct invitation (XEP-0249) of `to` into `room` that continues the 1:1 chat in
    /// `thread` (MUC-52).
    pub async fn invite_to_continue(&mut self, to: &str, room: &str, thread: &str) {
        self.command(json!({"op": "direct_invite", "to": to, "room": room, "thread": thread}))
            .await;
    }

    /// A direct invitation (XEP-0249) of `to` into `room`.
    pub async fn invite_direct(&mut self, to: &str, room: &str, reason: &str, password: &str) {
        self.command(json!({
            "op": "direct_invite", "to": to, "room": room, "reason": reason, "password": password
        }))
        .await;
    }

    /// Declines, through `room`, the invitation `to` sent (MUC-30).
    pub async fn decline_invitation(&mut self, room: &str, to: &str, reason: &str) {
        self.command(json!({"op": "decline", "room": room, "to": to, "reason": reason}))
            .await;
    }

    /// Sends a chat message carrying `url` as an out-of-band link (XEP-0066), as clients share
    /// an upload.
    pub async fn send_link(&mut self, to: &str, body: &str, url: &str) {
        self.command(json!({"op": "send", "to": to, "body": body, "type": "chat", "oob_url": url}))
            .await;
    }

    /// Downloads `url` over HTTPS trusting only the server's CA: `status`, `size`, `sha256`
    /// and `content_type`, or `error`.
    pub async fn fetch(&mut self, url: &str) -> Value {
        self.command(json!({"op": "fetch", "url": url})).await
    }

    pub async fn send_raw(&mut self, xml: &str) {
        self.command(json!({"op": "raw", "xml": xml})).await;
    }

    /// Publishes a XEP-0402 bookmark for `room` with the `<conference/>` `xml`, as another
    /// client does (BOOKMARKS-05); returns the answer's type and payload.
    pub async fn publish_bookmark(&mut self, room: &str, xml: &str) -> (String, String) {
        answer(
            self.command(json!({"op": "publish_bookmark", "room": room, "xml": xml}))
                .await,
        )
    }

    /// Retracts the XEP-0402 bookmark for `room`, with notify (BOOKMARKS-07).
    pub async fn retract_bookmark(&mut self, room: &str) -> (String, String) {
        answer(
            self.command(json!({"op": "retract_bookmark", "room": room}))
                .await,
        )
    }

    /// The items of the XEP-0402 node, as the server answers.
    pub async fn bookmarks(&mut self) -> (String, String) {
        answer(self.command(json!({"op": "bookmarks"})).await)
    }

    /// Stores a XEP-0048 `<storage/>` in private storage (XEP-0049).
    pub async fn set_private_bookmarks(&mut self, xml: &str) -> (String, String) {
        answer(
            self.command(json!({"op": "set_private_bookmarks", "xml": xml}))
                .await,
        )
    }

    /// The XEP-0048 `<storage/>` in private storage.
    pub async fn private_bookmarks(&mut self) -> (String, String) {
        answer(self.command(json!({"op": "private_bookmarks"})).await)
    }

    /// Creates the XEP-0402 node with the open access model, as a careless client might.
    pub async fn open_bookmarks_node(&mut self) -> (String, String) {
        answer(self.command(json!({"op": "open_bookmarks_node"})).await)
    }

    /// Stores `xml`, a whole `<vCard xmlns='vcard-temp'/>`, as its own card (XEP-0054 §3.3);
    /// returns the answer's type and payload.
    pub async fn publish_vcard(&mut self, xml: &str) -> (String, String) {
        answer(
            self.command(json!({"op": "publish_vcard", "xml": xml}))
                .await,
        )
    }

    /// Reads `jid`'s card, or its own without one: the answer's type and payload (the
    /// `<vCard/>` as XML, or the error).
    pub async fn vcard(&mut self, jid: Option<&str>) -> (String, String) {
        answer(self.command(json!({"op": "get_vcard", "jid": jid})).await)
    }

    /// Sends one op and returns its "done" event.
    async fn command(&mut self, command: Value) -> Value {
        let op = command["op"].clone();
        let line = format!("{command}\n");
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to the device");
        self.stdin.flush().await.expect("flush");
        self.next_event("done", |e| e["event"] == "done" && e["op"] == op)
            .await
    }

    /// Reads lines until one matches `pred`; messages on the way are kept.
    async fn next_event(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.next_event_within(what, WAIT, pred).await
    }

    async fn next_event_within(
        &mut self,
        what: &str,
        wait: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.stdout.next_line()).await {
                Ok(Ok(Some(line))) => line,
                Ok(Ok(None)) => panic!("the slixmpp device exited while waiting for {what}"),
                Ok(Err(e)) => panic!("reading the slixmpp device: {e}"),
                Err(_) => panic!("the slixmpp device: no {what} within {wait:?}"),
            };
            let event: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("the device printed {line:?}: {e}"));
            if event["event"] == "error" {
                panic!("the slixmpp device failed: {event}");
            }
            if pred(&event) {
                return event;
            }
            if event["event"] == "message" {
                self.seen.push(event);
            } else if event["event"] == "presence" || event["event"] == "caps" {
                self.presences.push(event);
            }
        }
    }

    /// Waits for a received message (a carbon copy included) matching `pred`, and takes it.
    pub async fn expect_message(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        self.next_event(what, |e| e["event"] == "message" && pred(e))
            .await
    }

    /// As [`Device::expect_message`], for a message that comes later than the usual wait.
    pub async fn expect_message_within(
        &mut self,
        what: &str,
        wait: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        self.next_event_within(what, wait, |e| e["event"] == "message" && pred(e))
            .await
    }

    /// Messages received and not taken yet, oldest first.
    pub fn pending_messages(&self) -> &[Value] {
        &self.seen
    }

    /// Closes its stdin and waits for it to log out.
    pub async fn quit(mut self) {
        let _ = self.stdin.write_all(b"{\"op\": \"quit\"}\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// An IQ op's answer: its type (`result` or `error`) and payload.
fn answer(done: Value) -> (String, String) {
    (
        done["type"].as_str().unwrap_or_default().to_owned(),
        done["xml"].as_str().unwrap_or_default().to_owned(),
    )
}
