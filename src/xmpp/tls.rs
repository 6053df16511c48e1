//! TLS with rustls: the trust store (system roots, webpki roots, and the
//! user's `ca_file`), the handshake, certificate errors phrased with a hint,
//! and the channel-binding data SCRAM-*-PLUS needs.
//!
//! Certificates are always verified against the JID's domain (CORE-07,
//! SEC-01). There is no switch that accepts any certificate.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::channel_binding::{self, TlsBindings};
use super::error::Error;

/// The label RFC 9266 defines for `tls-exporter` channel binding.
const EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

/// Builds the client configuration: system roots, Mozilla's roots as a
/// fallback for systems without a store, and `ca_file` when given.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, Error> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A malformed system certificate should not stop the login.
        let _ = roots.add(cert);
    }
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path)
            .map_err(|e| Error::Tls(format!("cannot read ca_file {}: {e}", path.display())))?
        {
            let cert = cert.map_err(|e| {
                Error::Tls(format!(
                    "ca_file {} holds a bad certificate: {e}",
                    path.display()
                ))
            })?;
            roots.add(cert).map_err(|e| {
                Error::Tls(format!(
                    "ca_file {} holds an unusable certificate: {e}",
                    path.display()
                ))
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::Tls(format!(
                "ca_file {} holds no PEM certificate",
                path.display()
            )));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Runs the TLS handshake for `domain` over an open TCP stream (the
/// client's is a [`crate::xmpp::quick_ack::QuickAck`]).
pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    tcp: S,
    domain: &str,
    config: Arc<ClientConfig>,
    has_ca_file: bool,
) -> Result<TlsStream<S>, Error> {
    let name = ServerName::try_from(domain.to_owned())
        .map_err(|_| Error::Tls(format!("{domain} is not a valid TLS server name")))?;
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| describe_handshake_error(e, domain, has_ca_file))
}

/// The channel-binding data this TLS session defines (CB-02):
/// `tls-exporter` (RFC 9266) on TLS 1.3, and `tls-server-end-point`
/// (RFC 5929) from the server's certificate on any version. rustls exposes
/// neither the Finished message `tls-unique` needs nor whether a TLS 1.2
/// session used the extended master secret, so those two stay undefined.
pub fn channel_bindings<S>(stream: &TlsStream<S>) -> TlsBindings {
    let (_, connection) = stream.get_ref();
    let exporter = (connection.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3))
        .then(|| {
            connection
                .export_keying_material(vec![0u8; 32], EXPORTER_LABEL, None)
                .ok()
        })
        .flatten();
    let server_end_point = connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|leaf| channel_binding::server_end_point(leaf.as_ref()));
    TlsBindings {
        exporter,
        unique: None,
        server_end_point,
    }
}

/// Turns a handshake failure into a sentence that says what was wrong and
/// how to trust the server if the user means to.
fn describe_handshake_error(error: std::io::Error, domain: &str, has_ca_file: bool) -> Error {
    let Some(rustls_error) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return Error::Tls(error.to_string());
    };
    let rustls::Error::InvalidCertificate(cert_error) = rustls_error else {
        return Error::Tls(rustls_error.to_string());
    };
    use rustls::CertificateError as C;
    let reason = match cert_error {
        C::UnknownIssuer => "it is signed by an authority balcony does not trust".to_owned(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            format!("it is not valid for {domain}")
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".to_owned(),
        C::Revoked => "it has been revoked".to_owned(),
        // webpki picks the trusted CA by the issuer's name; a signature that
        // fails against it means another CA of the same name signed this
        // certificate, one balcony does not trust.
        C::BadSignature => {
            "it is not trusted: it was not signed by the trusted certificate authority \
             of that name, but by a different one with the same name"
                .to_owned()
        }
        other => format!("{other:?}"),
    };
    let hint = match cert_error {
        C::UnknownIssuer if has_ca_file => {
            "The certificate is not signed by the CA in ca_file either; check that ca_file holds the certificate of the authority that signed the server's certificate".to_owned()
        }
        C::BadSignature if has_ca_file => {
            "ca_file (or the system) holds a different certificate authority with the same name; if you trust this server, put the certificate of the authority that signed its certificate in ca_file".to_owned()
        }
        C::UnknownIssuer | C::BadSignature => {
            "If you trust this server, save the certificate of its certificate authority as a PEM file and set `ca_file` under [account]".to_owned()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => format!(
            "Check that the JID's domain is right; the server must present a certificate for {domain}"
        ),
        _ => "Ask the server's administrator to renew or fix its certificate".to_owned(),
    };
    Error::Certificate { reason, hint }
}
