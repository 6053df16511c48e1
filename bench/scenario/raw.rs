//! A bare-bones XMPP client session over STARTTLS that keeps the bytes it receives: the online
//! contacts, the flooder, the routing-floor receiver, the recorder of the login burst, and the
//! catch-up benchmark's senders and archive reader.
//!
//! It parses no XML: against our own Prosody it only has to find a few markers (end of the stream
//! features, `<proceed`, `<success`, the bind result), and a parser here would add its own cost to
//! the routing floor. TLS trust comes from balcony's own `tls::client_config` with the test CA.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

const NS_STREAMS: &str = "http://etherx.jabber.org/streams";
/// How long one negotiation step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Target {
    pub addr: SocketAddr,
    pub domain: String,
    pub tls: Arc<rustls::ClientConfig>,
}

impl Target {
    pub fn new(addr: SocketAddr, domain: &str, ca_file: &std::path::Path) -> Result<Target> {
        let tls = balcony::xmpp::tls::client_config(Some(ca_file))
            .map_err(|e| anyhow::anyhow!("TLS config: {e}"))?;
        Ok(Target {
            addr,
            domain: domain.to_owned(),
            tls,
        })
    }
}

/// A bound session. `received` holds every byte read since the server's stream header after
/// authentication (that header included).
pub struct Raw {
    stream: TlsStream<TcpStream>,
    pub received: Vec<u8>,
    /// Acknowledge every read at once (TCP_QUICKACK) instead of the kernel's delayed ACK.
    quick_ack: bool,
}

fn header(domain: &str) -> String {
    format!(
        "<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' \
         xmlns:stream='{NS_STREAMS}' version='1.0' xml:lang='en'>"
    )
}

/// Reads from `r` into `buf` until `buf[from..]` contains `needle`; returns the index just after
/// it. A `<failure` or a stream error ends the wait with an error.
async fn read_until<R: AsyncReadExt + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    from: usize,
    needle: &str,
) -> Result<usize> {
    let fut = async {
        let mut chunk = [0u8; 16384];
        loop {
            if let Some(i) = find(&buf[from..], needle.as_bytes()) {
                return Ok(from + i + needle.len());
            }
            let tail = String::from_utf8_lossy(&buf[from..]);
            if tail.contains("<failure") || tail.contains("<stream:error") {
                bail!("server said: {tail}");
            }
            let n = r
                .read(&mut chunk)
                .await
                .context("reading from the server")?;
            if n == 0 {
                bail!(
                    "server closed the stream while we waited for {needle:?}: {}",
                    String::from_utf8_lossy(&buf[from..])
                );
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(STEP_TIMEOUT, fut)
        .await
        .with_context(|| format!("timed out waiting for {needle:?}"))?
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

impl Raw {
    /// Connects, STARTTLS, SASL PLAIN (over TLS), stream restart, binds `resource`.
    pub async fn login(target: &Target, user: &str, password: &str, resource: &str) -> Result<Raw> {
        let domain = &target.domain;
        let mut tcp = TcpStream::connect(target.addr)
            .await
            .with_context(|| format!("connecting to {}", target.addr))?;
        tcp.set_nodelay(true)?;
        tcp.write_all(header(domain).as_bytes()).await?;
        let mut buf = Vec::new();
        let end = read_until(&mut tcp, &mut buf, 0, "</stream:features>").await?;
        tcp.write_all(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            .await?;
        read_until(&mut tcp, &mut buf, end, "<proceed").await?;
        let mut tls = balcony::xmpp::tls::handshake(tcp, domain, target.tls.clone(), true)
            .await
            .map_err(|e| anyhow::anyhow!("TLS handshake: {e}"))?;

        tls.write_all(header(domain).as_bytes()).await?;
        let mut buf = Vec::new();
        let end = read_until(&mut tls, &mut buf, 0, "</stream:features>").await?;
        let creds =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        tls.write_all(
            format!(
                "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{creds}</auth>"
            )
            .as_bytes(),
        )
        .await?;
        read_until(&mut tls, &mut buf, end, "<success")
            .await
            .with_context(|| format!("SASL PLAIN as {user}"))?;
        // Whatever followed `<success .../>` in the same read is at most its own tail: the
        // server sends nothing else until we restart the stream.
        tls.write_all(header(domain).as_bytes()).await?;
        let mut received = Vec::new();
        let end = read_until(&mut tls, &mut received, 0, "</stream:features>").await?;
        tls.write_all(
            format!(
                "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                 <resource>{resource}</resource></bind></iq>"
            )
            .as_bytes(),
        )
        .await?;
        let bind = read_until(&mut tls, &mut received, end, "</jid>").await?;
        read_until(&mut tls, &mut received, bind, "</iq>").await?;
        Ok(Raw {
            stream: tls,
            received,
            quick_ack: false,
        })
    }

    /// From now on, acknowledge what arrives at once. Prosody leaves Nagle's algorithm on: an
    /// answer written in several TLS records holds its tail back until the client acknowledges
    /// the head, which a delayed ACK puts off by up to 40 ms on Linux. Quick ACKs show the
    /// server's own time for a request/answer exchange.
    pub fn set_quick_ack(&mut self, on: bool) {
        self.quick_ack = on;
    }

    /// Linux leaves quick-ACK mode by itself, so it is asked for again before every read.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn arm_quick_ack(&self) {
        use std::os::fd::AsRawFd as _;
        let fd = self.stream.get_ref().0.as_raw_fd();
        let on: libc::c_int = 1;
        // SAFETY: `fd` is this session's open socket and `on` outlives the call; a failure
        // only means delayed ACKs, which the figure then shows.
        unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    fn arm_quick_ack(&self) {}

    pub async fn send(&mut self, xml: &str) -> Result<()> {
        self.stream.write_all(xml.as_bytes()).await?;
        self.stream.flush().await?;
        Ok(())
    }

    /// Reads once (waiting at most `wait`); returns how many bytes arrived (0 on timeout).
    pub async fn read_some(&mut self, wait: Duration) -> Result<usize> {
        let mut chunk = vec![0u8; 65536];
        if self.quick_ack {
            self.arm_quick_ack();
        }
        match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
            Err(_) => Ok(0),
            Ok(Ok(0)) => bail!("server closed the stream"),
            Ok(Ok(n)) => {
                self.received.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
            Ok(Err(e)) => Err(e).context("reading from the server"),
        }
    }

    /// Reads until nothing has arrived for `quiet`, or `limit` has passed.
    pub async fn read_until_quiet(&mut self, quiet: Duration, limit: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if self.read_some(quiet).await? == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Reads until `needle` shows up in what arrived after byte `from`; returns the index after
    /// it. Only the new bytes (and a needle's length before them) are searched each time.
    pub async fn read_until_seen(&mut self, from: usize, needle: &str) -> Result<usize> {
        let mut scanned = from;
        loop {
            let start = scanned.saturating_sub(needle.len()).max(from);
            if let Some(i) = find(&self.received[start..], needle.as_bytes()) {
                return Ok(start + i + needle.len());
            }
            scanned = self.received.len();
            if self.read_some(STEP_TIMEOUT).await? == 0 {
                bail!("no data for {STEP_TIMEOUT:?} while waiting for {needle:?}");
            }
        }
    }

    /// Keeps reading (and dropping) whatever arrives, so the server never blocks on us, until the
    /// connection closes.
    pub fn drain_forever(mut self) {
        tokio::spawn(async move {
            let mut chunk = vec![0u8; 16384];
            while let Ok(n) = self.stream.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
            }
        });
    }

    /// Closes the stream and waits briefly for the server's answer.
    pub async fn close(mut self) {
        let _ = self.send("</stream:stream>").await;
        let _ = self
            .read_until_quiet(Duration::from_millis(200), Duration::from_secs(2))
            .await;
        let _ = self.stream.shutdown().await;
    }
}
