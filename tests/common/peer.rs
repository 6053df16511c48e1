//! A contact for the integration tests: a raw session (no store, no
//! command language) that sends exactly the stanzas a test builds and
//! records exactly what the server delivers, so tests can assert on the
//! wire from the contact's side.

use std::time::Duration;

use balcony::app::Preferences;
use balcony::app::event::Event;
use balcony::engine::Engine;
use balcony::xmpp::element::Element;
use balcony::xmpp::session::{self, Session, SessionEvent};
use balcony::xmpp::stanza::iq::Iq;
use balcony::xmpp::stanza::message::Message;
use balcony::xmpp::stanza::presence::Presence;
use balcony::xmpp::stanza::roster::{self, RosterItem, RosterQuery};

use super::client::settings;
use super::server::{Account, TestServer};

const WAIT: Duration = Duration::from_secs(10);

pub struct Peer {
    pub session: Session,
    /// Everything received so far and not yet taken by an `expect_*`.
    seen: Vec<SessionEvent>,
}

impl Peer {
    /// Logs in with `resource`; sends no presence yet.
    pub async fn login(server: &TestServer, account: &Account, resource: &str) -> Peer {
        let mut s = settings(server, account);
        s.resource = Some(resource.to_owned());
        let session = session::start(s).await.expect("peer login");
        Peer {
            session,
            seen: Vec::new(),
        }
    }

    /// Logs in, fetches the roster (so pushes reach us, ROS-02) and sends
    /// available presence with `priority`.
    pub async fn online(server: &TestServer, account: &Account, resource: &str) -> Peer {
        let mut peer = Peer::login(server, account, resource).await;
        peer.roster().await;
        peer.send(Presence::available().to_element());
        peer
    }

    pub fn jid(&self) -> String {
        self.session.handle.jid().to_string()
    }

    pub fn send(&self, stanza: Element) {
        self.session
            .handle
            .send(stanza)
            .expect("peer session alive");
    }

    pub async fn roster(&mut self) -> Vec<RosterItem> {
        let reply = self
            .session
            .handle
            .request(Iq::get(roster::get_request(None)))
            .await
            .expect("roster");
        RosterQuery::parse(reply.payload.as_ref().expect("roster payload"))
            .expect("roster parses")
            .items
    }

    pub async fn roster_item(&mut self, jid: &str) -> Option<RosterItem> {
        self.roster()
            .await
            .into_iter()
            .find(|i| i.jid.as_str() == jid)
    }

    /// Waits for an event matching `pick`, keeping the others for later.
    pub async fn expect<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&SessionEvent) -> Option<T>,
    ) -> T {
        if let Some(i) = self.seen.iter().position(|e| pick(e).is_some()) {
            let event = self.seen.remove(i);
            return pick(&event).expect("picked");
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let event = tokio::time::timeout_at(deadline, self.session.events.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "peer {}: no {what} within {WAIT:?}; saw {:#?}",
                        self.jid(),
                        self.seen
                    )
                })
                .expect("peer session alive");
            if let Some(found) = pick(&event) {
                return found;
            }
            self.seen.push(event);
        }
    }

    pub async fn expect_presence(
        &mut self,
        what: &str,
        pred: impl Fn(&Presence) -> bool,
    ) -> Presence {
        self.expect(what, |e| match e {
            SessionEvent::Presence(p) if pred(p) => Some(p.clone()),
            _ => None,
        })
        .await
    }

    pub async fn expect_message(&mut self, what: &str, pred: impl Fn(&Message) -> bool) -> Message {
        self.expect(what, |e| match e {
            SessionEvent::Message(m) if pred(m) => Some(m.clone()),
            _ => None,
        })
        .await
    }

    pub async fn expect_push(
        &mut self,
        what: &str,
        pred: impl Fn(&RosterItem) -> bool,
    ) -> RosterItem {
        self.expect(what, |e| match e {
            SessionEvent::RosterPush { item, .. } if pred(item) => Some(item.clone()),
            _ => None,
        })
        .await
    }

    /// True when nothing matching `pred` arrives within `quiet`.
    pub async fn nothing(&mut self, quiet: Duration, pred: impl Fn(&SessionEvent) -> bool) -> bool {
        if self.seen.iter().any(&pred) {
            return false;
        }
        let deadline = tokio::time::Instant::now() + quiet;
        while let Ok(Some(event)) =
            tokio::time::timeout_at(deadline, self.session.events.recv()).await
        {
            if pred(&event) {
                return false;
            }
            self.seen.push(event);
        }
        true
    }
}

/// A balcony engine logged in as `account`, ready (roster fetched, initial
/// presence sent), with the events of the login collected.
pub struct Client {
    pub engine: Engine,
    pub events: Vec<Event>,
}

impl Client {
    pub async fn start(server: &TestServer, account: &Account) -> Client {
        Client::start_with(server, account, Preferences::default(), None, "balcony").await
    }

    pub async fn start_with(
        server: &TestServer,
        account: &Account,
        prefs: Preferences,
        cache: Option<std::path::PathBuf>,
        resource: &str,
    ) -> Client {
        let mut s = settings(server, account);
        s.resource = Some(resource.to_owned());
        Client::start_engine(Engine::new(s, prefs, cache, Vec::new())).await
    }

    /// Starts an engine built by the caller (own settings, history…).
    pub async fn start_engine(engine: Engine) -> Client {
        let mut client = Client {
            engine,
            events: Vec::new(),
        };
        client.engine.connect();
        client
            .until("our presence reflected by the server", |c| {
                c.engine.state.presence_reflected
            })
            .await;
        client
    }

    /// Steps the engine until `done` holds.
    pub async fn until(&mut self, what: &str, mut done: impl FnMut(&Client) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            self.events.extend(self.engine.take_events());
            if done(self) {
                return;
            }
            match tokio::time::timeout_at(deadline, self.engine.step()).await {
                Ok(true) => {}
                Ok(false) => panic!("engine stopped while waiting for {what}"),
                Err(_) => panic!("no {what} within {WAIT:?}; events: {:#?}", self.events),
            }
        }
    }

    /// Waits until the server's features are known (disco#info answered),
    /// which privacy and blocking commands depend on.
    pub async fn until_features(&mut self) {
        self.until("features", |c| c.engine.state.privacy.support.known)
            .await;
    }

    /// Runs a command line and waits for its result; returns (ok, text).
    pub async fn run(&mut self, line: &str) -> (bool, String) {
        let tag = self.engine.command_line(line);
        let mut outcome = None;
        self.until(&format!("the result of {line}"), |c| {
            outcome = c.events.iter().find_map(|e| match e {
                Event::Result {
                    tag: t, ok, text, ..
                } if *t == tag => Some((*ok, text.clone())),
                _ => None,
            });
            outcome.is_some()
        })
        .await;
        outcome.expect("an outcome")
    }

    /// Runs a command that must succeed.
    pub async fn ok(&mut self, line: &str) -> String {
        let (ok, text) = self.run(line).await;
        assert!(ok, "{line} failed: {text}");
        text
    }

    /// Waits for an event matching `pred` (among all events so far).
    pub async fn event(&mut self, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
        let mut found = None;
        self.until(what, |c| {
            found = c.events.iter().find(|e| pred(e)).cloned();
            found.is_some()
        })
        .await;
        let event = found.expect("found");
        if let Some(i) = self.events.iter().position(|e| *e == event) {
            self.events.remove(i);
        }
        event
    }

    pub fn roster_item(&self, jid: &str) -> Option<RosterItem> {
        self.engine
            .state
            .roster
            .item(&jid::BareJid::new(jid).expect("jid"))
    }
}
