//! Tests of the test-server harness itself (`tests/common/server.rs`), on Prosody and ejabberd,
//! so that a failing client test is never the harness's fault.
//!
//! They speak XMPP by hand over std sockets (and rustls for TLS) rather than through balcony's
//! own stream code, which other tests are there to check. Each starts its own servers; they run
//! in parallel.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use common::{Account, BlockingModule, Encryption, ServerKind, ServerOptions, TestServer};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};

const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A hand-driven XMPP connection: send raw XML, read until a marker appears.
struct Raw<S> {
    io: S,
    buf: String,
}

impl<S: Read + Write> Raw<S> {
    fn new(io: S) -> Self {
        Raw {
            io,
            buf: String::new(),
        }
    }

    fn send(&mut self, xml: &str) {
        self.io.write_all(xml.as_bytes()).expect("write to server");
        self.io.flush().expect("flush to server");
    }

    /// Returns everything up to and including `marker`; keeps the rest for the next call.
    fn read_until(&mut self, marker: &str) -> String {
        let mut chunk = [0u8; 4096];
        while !self.buf.contains(marker) {
            let n = match self.io.read(&mut chunk) {
                // A signal (a child process ending) interrupts the wait.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => panic!("reading for {marker:?}: {e}; got so far: {}", self.buf),
                Ok(n) => n,
            };
            assert!(
                n > 0,
                "server closed the stream before {marker:?}; got: {}",
                self.buf
            );
            self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
        let end = self.buf.find(marker).unwrap_or(0) + marker.len();
        let rest = self.buf.split_off(end);
        std::mem::replace(&mut self.buf, rest)
    }

    /// Opens a stream to localhost and returns its features.
    fn open_stream(&mut self) -> String {
        self.send(
            "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' \
             xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
        );
        self.read_until("</stream:features>")
    }

    /// SASL PLAIN; true on `<success/>`, false on `<failure/>`.
    fn auth_plain(&mut self, user: &str, password: &str) -> bool {
        let creds =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        self.send(&format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{creds}</auth>"
        ));
        let mut reply = String::new();
        while !reply.contains("<success") && !reply.contains("<failure") {
            reply = self.read_until(">");
        }
        reply.contains("<success")
    }

    /// Binds `resource`; returns the whole `<iq>` reply.
    fn bind(&mut self, resource: &str) -> String {
        self.send(&format!(
            "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
             <resource>{resource}</resource></bind></iq>"
        ));
        self.read_until("</iq>")
    }
}

fn connect(port: u16) -> TcpStream {
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
    tcp.set_read_timeout(Some(READ_TIMEOUT))
        .expect("set read timeout");
    tcp
}

fn tls_config(server: &TestServer) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&server.ca_file).expect("open ca.pem") {
        roots.add(cert.expect("parse ca.pem")).expect("add CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// Wraps `tcp` in TLS to `name`, verified against the server's CA, and completes the handshake.
fn tls(server: &TestServer, tcp: TcpStream, name: &str) -> TlsStream {
    let name = ServerName::try_from(name.to_string()).expect("server name");
    let conn = rustls::ClientConnection::new(tls_config(server), name).expect("TLS client");
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .unwrap_or_else(|e| panic!("TLS handshake: {e}\n{}", server.log()));
    }
    stream
}

/// Connects, negotiates STARTTLS and opens the encrypted stream; returns it with its features.
fn starttls(server: &TestServer) -> (Raw<TlsStream>, String) {
    let mut raw = Raw::new(connect(server.port));
    let features = raw.open_stream();
    assert!(
        features.contains("urn:ietf:params:xml:ns:xmpp-tls"),
        "{features}"
    );
    raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    raw.read_until("<proceed");
    raw.read_until(">");
    let mut tls_raw = Raw::new(tls(server, raw.io, "localhost"));
    let features = tls_raw.open_stream();
    (tls_raw, features)
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

common::on_both_servers!(sync two_servers_start_in_parallel_on_distinct_ports);
fn two_servers_start_in_parallel_on_distinct_ports(kind: ServerKind) {
    let a = thread::spawn(move || TestServer::start_kind(kind));
    let b = thread::spawn(move || {
        TestServer::start_with(ServerOptions {
            kind,
            ..ServerOptions::default()
        })
    });
    let (a, b) = (a.join().expect("server a"), b.join().expect("server b"));
    assert_ne!(a.port, b.port);
    assert_ne!(a.dir, b.dir);
    assert_eq!(a.domain, "localhost");
    for server in [&a, &b] {
        let features = Raw::new(connect(server.port)).open_stream();
        assert!(
            features.contains("<starttls"),
            "{features}\n{}",
            server.log()
        );
        let pidfile = std::fs::read_to_string(server.dir.join(match kind {
            ServerKind::Prosody => "prosody.pid",
            ServerKind::Ejabberd => "ejabberd.pid",
        }))
        .expect("pidfile");
        assert_eq!(
            pidfile.trim().parse::<u32>().ok(),
            server.pid(),
            "pidfile is ours"
        );
    }
}

common::on_both_servers!(sync starttls_server_requires_tls_before_any_sasl);
fn starttls_server_requires_tls_before_any_sasl(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let features = Raw::new(connect(server.port)).open_stream();
    assert!(
        features.contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'"),
        "{features}"
    );
    assert!(features.contains("<required"), "{features}");
    assert!(
        !features.contains("<mechanisms"),
        "no SASL before TLS: {features}"
    );
}

common::on_both_servers!(sync starttls_verifies_against_the_ca_and_then_offers_sasl);
fn starttls_verifies_against_the_ca_and_then_offers_sasl(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let alice = server.account("alice");
    let (mut raw, features) = starttls(&server);
    assert!(
        features.contains("<mechanism>SCRAM-SHA-1</mechanism>"),
        "{features}"
    );
    assert!(
        features.contains("<mechanism>PLAIN</mechanism>"),
        "{features}"
    );
    assert!(!features.contains("<starttls"), "{features}");
    assert!(
        raw.auth_plain(&alice.user, &alice.password),
        "{}",
        server.log()
    );
}

common::on_both_servers!(sync direct_tls_port_speaks_tls_at_once);
fn direct_tls_port_speaks_tls_at_once(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        direct_tls: true,
        ..ServerOptions::default()
    });
    let port = server.direct_tls_port.expect("direct TLS port");
    assert_ne!(port, server.port);
    // The leaf also names 127.0.0.1, for clients that connect by address.
    let mut raw = Raw::new(tls(&server, connect(port), "127.0.0.1"));
    let features = raw.open_stream();
    assert!(
        features.contains("<mechanism>PLAIN</mechanism>"),
        "{features}"
    );

    let account = server.account("dora");
    let toml: toml::Table = server
        .config_toml_direct_tls(&account)
        .parse()
        .expect("TOML");
    assert_eq!(toml["account"]["tls"].as_str(), Some("direct"));
    assert_eq!(toml["account"]["port"].as_integer(), Some(i64::from(port)));
}

common::on_both_servers!(sync unencrypted_server_offers_plain_in_the_clear_and_no_starttls);
fn unencrypted_server_offers_plain_in_the_clear_and_no_starttls(kind: ServerKind) {
    let server = TestServer::start_with(ServerOptions {
        kind,
        encryption: Encryption::None,
        ..ServerOptions::default()
    });
    // Registered while Prosody runs: it must see the account without a restart.
    let bob = server.register("bob", "s3cret");
    let mut raw = Raw::new(connect(server.port));
    let features = raw.open_stream();
    assert!(!features.contains("starttls"), "{features}");
    assert!(
        features.contains("<mechanism>PLAIN</mechanism>"),
        "{features}"
    );
    assert!(
        !raw.auth_plain(&bob.user, "wrong"),
        "a wrong password must fail"
    );

    let mut raw = Raw::new(connect(server.port));
    raw.open_stream();
    assert!(raw.auth_plain(&bob.user, &bob.password), "{}", server.log());
}

common::on_both_servers!(sync restart_keeps_port_and_accounts);
fn restart_keeps_port_and_accounts(kind: ServerKind) {
    let mut server = TestServer::start_with(ServerOptions {
        kind,
        encryption: Encryption::None,
        ..ServerOptions::default()
    });
    let carol = server.account("carol");
    let (port, old_pid) = (server.port, server.pid().expect("pid"));

    server.stop();
    assert!(!pid_alive(old_pid), "stop() leaves no process");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nobody listens while stopped"
    );

    server.restart();
    assert_eq!(server.port, port);
    assert_ne!(server.pid(), Some(old_pid));
    {
        let mut raw = Raw::new(connect(server.port));
        raw.open_stream();
        assert!(
            raw.auth_plain(&carol.user, &carol.password),
            "{}",
            server.log()
        );
    } // Closed here: a graceful stop waits a second for clients still connected.

    // A restart while running, and one after a crash, work too.
    server.restart();
    server.kill();
    server.restart();
    assert!(server.is_running());
}

common::on_both_servers!(sync drop_kills_the_server_and_frees_the_port);
fn drop_kills_the_server_and_frees_the_port(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let (port, pid, dir) = (server.port, server.pid().expect("pid"), server.dir.clone());
    assert!(pid_alive(pid));
    drop(server);
    assert!(
        !pid_alive(pid),
        "{} {pid} still runs after drop",
        kind.name()
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still answers"
    );
    assert!(!dir.exists(), "the temporary directory is removed");
}

common::on_both_servers!(sync drop_during_a_panic_still_kills_the_server);
fn drop_during_a_panic_still_kills_the_server(kind: ServerKind) {
    let pid = std::sync::Mutex::new(None);
    let result = std::panic::catch_unwind(|| {
        let server = TestServer::start_kind(kind);
        *pid.lock().expect("lock") = server.pid();
        panic!("a failing test");
    });
    assert!(result.is_err());
    let pid = pid.lock().expect("lock").expect("pid");
    assert!(
        !pid_alive(pid),
        "{} {pid} outlived the panicking test",
        kind.name()
    );
}

common::on_both_servers!(sync write_config_writes_a_balcony_config);
fn write_config_writes_a_balcony_config(kind: ServerKind) {
    let server = TestServer::start_kind(kind);
    let account: Account = server.account("erin");
    let path = server.write_config(&account, "[connection]\nkeepalive = 30\n");
    assert_eq!(path, server.dir.join("erin.toml"));
    let text = std::fs::read_to_string(&path).expect("config");
    assert!(text.starts_with(&server.config_toml(&account)));
    let toml: toml::Table = text.parse().expect("valid TOML");
    let acc = &toml["account"];
    assert_eq!(acc["jid"].as_str(), Some("erin@localhost"));
    assert_eq!(acc["password"].as_str(), Some(account.password.as_str()));
    // No resource: the server assigns one unless a test asks (SEC-08).
    assert!(acc.get("resource").is_none());
    assert_eq!(acc["host"].as_str(), Some("127.0.0.1"));
    assert_eq!(acc["port"].as_integer(), Some(i64::from(server.port)));
    assert_eq!(acc["tls"].as_str(), Some("starttls"));
    assert_eq!(acc["ca_file"].as_str(), server.ca_file.to_str());
    assert_eq!(toml["connection"]["keepalive"].as_integer(), Some(30));
}

#[test]
fn options_reach_prosody_smacks_privacy_lists_and_kick_new() {
    let server = TestServer::start_with(ServerOptions {
        conflict_resolve: Some("kick_new".to_string()),
        blocking: BlockingModule::PrivacyLists,
        smacks: true,
        extra_config: "smacks_hibernation_time = 5".to_string(),
        ..ServerOptions::default()
    });
    let frank = server.account("frank");
    let login = || {
        let (mut raw, _) = starttls(&server);
        assert!(
            raw.auth_plain(&frank.user, &frank.password),
            "{}",
            server.log()
        );
        let features = raw.open_stream();
        (raw, features)
    };

    let (mut first, features) = login();
    assert!(
        features.contains("urn:xmpp:sm:3"),
        "smacks offered: {features}"
    );
    assert!(first.bind("desk").contains("type='result'"));

    // kick_new: the second session for the same resource is refused, the first one stays.
    let (mut second, _) = login();
    let reply = second.bind("desk");
    assert!(
        reply.contains("type='error'") && reply.contains("<conflict"),
        "{reply}"
    );

    // mod_privacy_lists answers; mod_blocklist is not loaded.
    first.send("<iq type='get' id='p1'><query xmlns='jabber:iq:privacy'/></iq>");
    let reply = first.read_until("</iq>");
    assert!(reply.contains("type='result'"), "{reply}");
    first.send("<iq type='get' id='b1'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
    let reply = first.read_until("</iq>");
    assert!(reply.contains("type='error'"), "{reply}");
}

/// ejabberd: stream management and privacy lists without the blocking command are offered,
/// registering again sets a new password, and Prosody-only options are refused clearly.
#[test]
fn options_reach_ejabberd_stream_mgmt_privacy_lists_and_reregistration() {
    let server = TestServer::start_with(ServerOptions {
        kind: ServerKind::Ejabberd,
        blocking: BlockingModule::PrivacyLists,
        smacks: true,
        smacks_resume_timeout: Some(5),
        ..ServerOptions::default()
    });
    assert!(
        std::fs::read_to_string(server.config_file())
            .expect("ejabberd.yml")
            .contains("resume_timeout: 5")
    );
    server.register("frank", "first");
    let frank = server.register("frank", "second");
    let (mut raw, _) = starttls(&server);
    assert!(!raw.auth_plain(&frank.user, "first"), "the old password");
    let (mut raw2, _) = starttls(&server);
    assert!(
        raw2.auth_plain(&frank.user, &frank.password),
        "{}",
        server.log()
    );
    drop(raw);
    let features = raw2.open_stream();
    assert!(features.contains("urn:xmpp:sm:3"), "{features}");
    assert!(raw2.bind("desk").contains("type='result'"));
    raw2.send("<iq type='get' id='p1'><query xmlns='jabber:iq:privacy'/></iq>");
    let reply = raw2.read_until("</iq>");
    assert!(reply.contains("type='result'"), "{reply}");
    raw2.send("<iq type='get' id='b1'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
    let reply = raw2.read_until("</iq>");
    assert!(reply.contains("type='error'"), "{reply}");

    for (opts, why) in [
        (
            ServerOptions {
                extra_config: "smacks_hibernation_time = 5".into(),
                ..ServerOptions::default()
            },
            "Prosody Lua",
        ),
        (
            ServerOptions {
                conflict_resolve: Some("kick_new".into()),
                ..ServerOptions::default()
            },
            "Prosody-only",
        ),
    ] {
        let refused = std::panic::catch_unwind(|| {
            TestServer::start_with(ServerOptions {
                kind: ServerKind::Ejabberd,
                ..opts
            })
        });
        let message = refused
            .err()
            .and_then(|p| match p.downcast::<String>() {
                Ok(s) => Some(*s),
                Err(p) => p.downcast::<&str>().ok().map(|s| s.to_string()),
            })
            .expect("refused with a message");
        assert!(message.contains(why), "{message}");
    }
}
