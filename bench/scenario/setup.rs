//! One server per roster size: Prosody started by the test harness, alice's roster and every
//! contact written into its data directory, and the online fifth of the contacts logged in.
//! The catch-up benchmark provisions its own contacts and server options the same way
//! ([`Scenario::provision`]) and logs nobody in.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

use crate::provision::{self, Contact, FLOODER_USER};
use crate::raw::{Raw, Target};
use crate::server::{Account, ServerOptions, TestServer};
use balcony::xmpp::element::escape;

/// Logins in flight at once while the online contacts connect: enough to keep Prosody busy,
/// few enough not to make it queue hundreds of TLS handshakes.
const CONCURRENT_LOGINS: usize = 16;

pub struct Scenario {
    pub server: TestServer,
    pub n: usize,
    pub contacts: Vec<Contact>,
    pub alice: Account,
    /// The password every generated contact (and the flooder and the sink) shares.
    pub contact_password: String,
    pub target: Target,
    /// How many contacts are online (the flooder included).
    pub online: usize,
    /// The flooder's session, kept for the floods.
    pub flooder: Option<Raw>,
    /// The server's directory, removed on drop unless kept.
    pub dir: PathBuf,
    pub keep: bool,
}

impl Drop for Scenario {
    fn drop(&mut self) {
        self.server.kill();
        if self.keep {
            eprintln!("kept the server directory {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl Scenario {
    /// Provisions `n` contacts in a fresh server directory under `base` and starts Prosody.
    pub fn start(base: &Path, n: usize, seed: u64, keep: bool, rt: &Runtime) -> Result<Scenario> {
        let mut scenario = Scenario::provision(
            base,
            &format!("prosody-{n}"),
            provision::plan(n, seed),
            ServerOptions::default(),
            keep,
        )?;
        rt.block_on(scenario.connect_online())?;
        Ok(scenario)
    }

    /// Writes `contacts` (and alice's roster of them) into a fresh server directory
    /// `base/name` and starts Prosody with `opts`. Nobody is logged in yet.
    pub fn provision(
        base: &Path,
        name: &str,
        contacts: Vec<Contact>,
        opts: ServerOptions,
        keep: bool,
    ) -> Result<Scenario> {
        let n = contacts.len();
        let dir = base.join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        fs::create_dir_all(&dir)?;
        let began = Instant::now();
        let mut server = TestServer::start_in(dir.clone(), opts);
        // One registered account, copied for every generated user.
        let contact_password = crate::server::generate_password();
        server.register("template", &contact_password);
        let host_dir = dir.join("data").join(provision::encode(&server.domain));
        let template = host_dir.join("accounts/template.dat");
        let account_file = fs::read_to_string(&template)
            .with_context(|| format!("reading {}", template.display()))?;
        fs::remove_file(&template)?;
        let alice = server.account("alice");
        server.stop();

        provision::write_data(
            &dir.join("data"),
            &server.domain,
            &alice.user,
            &contacts,
            &account_file,
        )?;
        // Prosody reads rosters when a user logs in and caches them, so it starts after the
        // files are in place.
        server.restart();
        let target = Target::new(server.addr(), &server.domain, &server.ca_file)?;
        eprintln!(
            "[{n}] provisioned {n} contacts in {:.1}s",
            began.elapsed().as_secs_f64()
        );
        Ok(Scenario {
            server,
            n,
            contacts,
            alice,
            contact_password,
            target,
            online: 0,
            flooder: None,
            dir,
            keep,
        })
    }

    /// Logs in every online contact and sends its presence, a few at a time; the sessions then
    /// only drain what the server sends them. The flooder's session is kept aside.
    async fn connect_online(&mut self) -> Result<()> {
        let began = Instant::now();
        let gate = std::sync::Arc::new(Semaphore::new(CONCURRENT_LOGINS));
        let mut tasks = tokio::task::JoinSet::new();
        let target = std::sync::Arc::new(Target {
            addr: self.target.addr,
            domain: self.target.domain.clone(),
            tls: self.target.tls.clone(),
        });
        for c in self.contacts.iter().filter(|c| c.online.is_some()) {
            let Some(online) = &c.online else { continue };
            let mut presence = String::from("<presence>");
            if let Some(show) = online.show {
                presence.push_str(&format!("<show>{show}</show>"));
            }
            if !online.status.is_empty() {
                presence.push_str(&format!("<status>{}</status>", escape(&online.status)));
            }
            presence.push_str("<priority>1</priority></presence>");
            let (user, password) = (c.user.clone(), self.contact_password.clone());
            let (gate, target) = (gate.clone(), target.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await?;
                let mut raw = Raw::login(&target, &user, &password, "scenario").await?;
                raw.send(&presence).await?;
                anyhow::Ok((user, raw))
            });
        }
        let mut count = 0;
        while let Some(joined) = tasks.join_next().await {
            let (user, raw) = joined.context("login task")??;
            count += 1;
            if user == FLOODER_USER {
                self.flooder = Some(raw);
            } else {
                raw.drain_forever();
            }
        }
        if self.flooder.is_none() {
            bail!("the flooder did not log in");
        }
        self.online = count;
        eprintln!(
            "[{}] {count} contacts online after {:.1}s",
            self.n,
            began.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Waits until Prosody has used no CPU for half a second (at most a minute), so that one
    /// measurement does not pay for the server's work on the previous one.
    pub fn wait_server_idle(&self, ticks_per_sec: u64) {
        let Some(pid) = self.server.pid() else { return };
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = crate::term::sample(pid).map(|s| s.cpu_ticks).unwrap_or(0);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(500));
            let now = crate::term::sample(pid).map(|s| s.cpu_ticks).unwrap_or(0);
            // One tick of slack: a timer firing is not a busy server.
            if now.saturating_sub(last) <= ticks_per_sec / 100 {
                return;
            }
            last = now;
        }
        eprintln!("[{}] Prosody still busy after a minute; going on", self.n);
    }

    /// Checks the provisioning from alice's side with a raw session: the roster has `n` items,
    /// no probe is answered `unsubscribed`, offline contacts answer `unavailable`. Returns a one-
    /// line summary.
    pub async fn check(&self) -> Result<String> {
        let mut raw = Raw::login(
            &self.target,
            &self.alice.user,
            &self.alice.password,
            "check",
        )
        .await
        .context("alice's check session")?;
        let start = raw.received.len();
        raw.send("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
            .await?;
        let end = raw.read_until_seen(start, "</iq>").await?;
        let roster = String::from_utf8_lossy(&raw.received[start..end]).into_owned();
        let items = roster.matches("<item").count();
        raw.send("<presence/>").await?;
        // Prosody answers thousands of probes in one go, after a pause: wait for the first
        // presence, then until the burst is over.
        raw.read_until_seen(end, "<presence").await?;
        raw.read_until_quiet(Duration::from_secs(2), Duration::from_secs(120))
            .await?;
        let after = String::from_utf8_lossy(&raw.received[end..]).into_owned();
        let own = format!("from='{}@{}/", self.alice.user, self.server.domain);
        let (mut available, mut unavailable, mut unsubscribed, mut subscribe) = (0, 0, 0, 0);
        for chunk in after.split("<presence").skip(1) {
            let tag = chunk.split('>').next().unwrap_or_default();
            if tag.contains(&own) {
                continue;
            }
            match tag
                .split("type='")
                .nth(1)
                .and_then(|t| t.split('\'').next())
            {
                None => available += 1,
                Some("unavailable") => unavailable += 1,
                Some("unsubscribed") => unsubscribed += 1,
                Some("subscribe") => subscribe += 1,
                Some(_) => {}
            }
        }
        raw.close().await;
        let sees = self.contacts.iter().filter(|c| c.sub.alice_sees()).count();
        let pending = self
            .contacts
            .iter()
            .filter(|c| c.pending_in.is_some())
            .count();
        let summary = format!(
            "roster items {items}/{n}; probes: {available} available (expected {online}), \
             {unavailable} unavailable (expected {offline}), {unsubscribed} unsubscribed \
             (expected 0); {subscribe} pending requests (expected {pending})",
            n = self.n,
            online = self.online,
            offline = sees - self.online,
        );
        if items != self.n || unsubscribed != 0 {
            bail!("provisioning check failed: {summary}");
        }
        Ok(summary)
    }
}
