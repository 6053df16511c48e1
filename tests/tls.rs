//! Certificate refusals phrased for the user (CORE-07, SEC-01), against a
//! local TLS server whose chain is made with rcgen for each case.

use std::sync::Arc;

use balcony::xmpp::error::Error;
use balcony::xmpp::tls;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

/// A CA named "balcony test CA": the same subject every time, a new key.
fn ca() -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "balcony test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

/// A `localhost` leaf signed by `issuer`, as (certificate, key).
fn leaf(issuer: &Issuer<'static, KeyPair>) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, issuer).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// Serves one TLS handshake with `chain` and returns what balcony's
/// handshake, trusting the CA in `trusted_pem`, made of it.
async fn handshake_against(
    chain: (CertificateDer<'static>, PrivateKeyDer<'static>),
    trusted_pem: &str,
    has_ca_file: bool,
) -> Error {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![chain.0], chain.1)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((tcp, _)) = listener.accept().await {
            let _ = acceptor.accept(tcp).await;
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("trusted.pem");
    std::fs::write(&ca_file, trusted_pem).unwrap();
    // The trusted CA stands for one in the system store when `has_ca_file`
    // is false: that is all the flag tells the handshake.
    let config = tls::client_config(Some(&ca_file)).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    match tls::handshake(tcp, "localhost", config, has_ca_file).await {
        Ok(_) => panic!("the handshake should have been refused"),
        Err(error) => error,
    }
}

/// CORE-07, SEC-01: a server certificate from a CA that shares its name
/// with a trusted one (a different key) is refused as not trusted, with
/// the way to trust it, not as a broken signature. With a `ca_file`, the
/// hint says the file holds a different CA of that name.
#[tokio::test]
async fn core_07_same_named_ca_is_reported_as_untrusted_with_a_hint() {
    let (trusted_pem, _) = ca();
    let (_, other) = ca();
    let error = handshake_against(leaf(&other), &trusted_pem, false).await;
    let text = error.to_string();
    assert!(matches!(error, Error::Certificate { .. }), "{text}");
    assert!(!text.contains("signature is invalid"), "{text}");
    assert!(text.contains("not trusted"), "{text}");
    assert!(text.contains("ca_file"), "{text}");

    let error = handshake_against(leaf(&other), &trusted_pem, true).await;
    let text = error.to_string();
    assert!(!text.contains("signature is invalid"), "{text}");
    assert!(text.contains("ca_file"), "{text}");
    assert!(text.contains("same name"), "{text}");
}
