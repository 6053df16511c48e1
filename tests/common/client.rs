//! Client-side helpers for integration tests: settings for an account on a
//! [`TestServer`], and a TCP proxy that can freeze a link without closing it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use balcony::xmpp::settings::{ConnectSettings, Password};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::server::{Account, TestServer};

/// Login settings for `account`, over STARTTLS to the server's port, trusting its CA.
pub fn settings(server: &TestServer, account: &Account) -> ConnectSettings {
    let jid = jid::BareJid::new(&account.jid).expect("test account JID");
    let mut settings = ConnectSettings::new(jid, Password::new(account.password.clone()));
    settings.host = Some("127.0.0.1".into());
    settings.port = Some(server.port);
    settings.ca_file = Some(server.ca_file.clone());
    settings.reply_timeout = Duration::from_secs(10);
    settings
}

/// Forwards 127.0.0.1:port to a server port until frozen; after `freeze`
/// bytes are swallowed in both directions while the sockets stay open, as
/// on a link that died silently (a suspended laptop, a dropped NAT entry).
pub struct FreezableProxy {
    pub port: u16,
    frozen: Arc<AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
}

impl FreezableProxy {
    pub async fn start(upstream: u16) -> FreezableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let frozen = Arc::new(AtomicBool::new(false));
        let (cut, cuts) = tokio::sync::watch::channel(0u64);
        let flag = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let generation = *cuts.borrow();
                for (from, to) in [(client_read, server_write), (server_read, client_write)] {
                    let flag = flag.clone();
                    let mut cuts = cuts.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = pump(from, to, flag) => {}
                            // A cut drops both halves: the sockets close at once.
                            _ = cuts.wait_for(|g| *g != generation) => {}
                        }
                    });
                }
            }
        });
        FreezableProxy { port, frozen, cut }
    }

    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// Closes every connection made so far (not a clean XMPP close: the
    /// TCP connections just end); new connections are forwarded again.
    pub fn cut(&self) {
        self.cut.send_modify(|g| *g += 1);
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                if frozen.load(Ordering::SeqCst) {
                    // Keep the other side open: a dead link never says goodbye.
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                return;
            }
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
