//! The SCRAM client (RFC 5802, RFC 7677) with every GS2 channel-binding
//! header balcony can send: `p=<type>` with the binding data, `n` and `y`.
//!
//! Hand-written on `ring`'s PBKDF2, HMAC and digests because the `sasl`
//! crate binds only with `tls-unique`/`tls-exporter` and cannot send
//! `tls-server-end-point`, which XEP-0440 asks clients to implement.
//! Which header to send is decided in `channel_binding`, not here.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::{digest, hmac, pbkdf2};

use super::channel_binding::{BindingType, Gs2};

/// The most PBKDF2 iterations a server may ask for: a hostile server must
/// not make the login spin for minutes (servers use 4,096 to 10,000).
const MAX_ITERATIONS: u32 = 1_000_000;

/// The SCRAM hash functions balcony speaks, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScramHash {
    Sha1,
    Sha256,
    Sha512,
}

impl ScramHash {
    /// Strongest first: the order mechanisms are tried in (CORE-08).
    pub const PREFERENCE: [ScramHash; 3] = [ScramHash::Sha512, ScramHash::Sha256, ScramHash::Sha1];

    /// The mechanism name without the `-PLUS` suffix.
    pub fn name(self) -> &'static str {
        match self {
            ScramHash::Sha1 => "SCRAM-SHA-1",
            ScramHash::Sha256 => "SCRAM-SHA-256",
            ScramHash::Sha512 => "SCRAM-SHA-512",
        }
    }

    /// The mechanism name, `-PLUS` when it binds to the channel.
    pub fn mechanism(self, plus: bool) -> String {
        if plus {
            format!("{}-PLUS", self.name())
        } else {
            self.name().to_owned()
        }
    }

    fn pbkdf2(self) -> pbkdf2::Algorithm {
        match self {
            ScramHash::Sha1 => pbkdf2::PBKDF2_HMAC_SHA1,
            ScramHash::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            ScramHash::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            ScramHash::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            ScramHash::Sha256 => hmac::HMAC_SHA256,
            ScramHash::Sha512 => hmac::HMAC_SHA512,
        }
    }

    fn digest(self) -> &'static digest::Algorithm {
        match self {
            ScramHash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            ScramHash::Sha256 => &digest::SHA256,
            ScramHash::Sha512 => &digest::SHA512,
        }
    }

    fn output_len(self) -> usize {
        self.digest().output_len()
    }
}

/// Why a SCRAM exchange could not go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    #[error("the password cannot be prepared for SCRAM (SASLprep): {0}")]
    Prepare(String),
    #[error("the server's SCRAM message is malformed: {0}")]
    Malformed(&'static str),
    #[error("the server's nonce does not extend ours")]
    Nonce,
    #[error("the server asks for {0} PBKDF2 iterations (at most {MAX_ITERATIONS} are accepted)")]
    Iterations(u32),
    #[error("the server reported an error: {0}")]
    Server(String),
    #[error("the server's signature is wrong")]
    Signature,
    #[error("the exchange is not at a step where this message fits")]
    OutOfOrder,
}

/// Where the exchange is.
enum Step {
    /// The client-first message has not been sent yet.
    Start,
    /// Sent client-first; waiting for server-first.
    SentFirst,
    /// Sent client-final; the server's signature to expect.
    SentFinal {
        server_signature: Vec<u8>,
    },
    Done,
}

/// One SCRAM exchange.
pub struct ScramClient {
    hash: ScramHash,
    gs2: Gs2,
    username: String,
    password: String,
    nonce: String,
    client_first_bare: String,
    step: Step,
}

impl ScramClient {
    /// A client with a fresh random nonce.
    pub fn new(
        hash: ScramHash,
        gs2: Gs2,
        username: &str,
        password: &str,
    ) -> Result<Self, ScramError> {
        let mut raw = [0u8; 24];
        getrandom::fill(&mut raw)
            .map_err(|e| ScramError::Prepare(format!("no randomness for the nonce: {e}")))?;
        Self::with_nonce(hash, gs2, username, password, BASE64.encode(raw))
    }

    /// A client with a given nonce, for the RFCs' test vectors.
    pub fn with_nonce(
        hash: ScramHash,
        gs2: Gs2,
        username: &str,
        password: &str,
        nonce: String,
    ) -> Result<Self, ScramError> {
        let password = stringprep::saslprep(password)
            .map_err(|e| ScramError::Prepare(e.to_string()))?
            .into_owned();
        // The username is prepared too where it can be; a node that SASLprep
        // refuses is sent as it is, escaped (RFC 5802 §5.1).
        let username = stringprep::saslprep(username)
            .map(|u| u.into_owned())
            .unwrap_or_else(|_| username.to_owned());
        Ok(ScramClient {
            hash,
            gs2,
            username,
            password,
            nonce,
            client_first_bare: String::new(),
            step: Step::Start,
        })
    }

    /// The mechanism name to put on `<auth/>`.
    pub fn mechanism(&self) -> String {
        self.hash.mechanism(matches!(self.gs2, Gs2::Bind { .. }))
    }

    /// The channel-binding type this exchange binds with, if any.
    pub fn binding(&self) -> Option<BindingType> {
        match &self.gs2 {
            Gs2::Bind { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The client-first message.
    pub fn initial(&mut self) -> Vec<u8> {
        self.client_first_bare = format!("n={},r={}", escape_name(&self.username), self.nonce);
        self.step = Step::SentFirst;
        let mut first = self.gs2.header().into_bytes();
        first.extend_from_slice(self.client_first_bare.as_bytes());
        first
    }

    /// Answers the server-first message with the client-final message.
    pub fn respond(&mut self, server_first: &[u8]) -> Result<Vec<u8>, ScramError> {
        if !matches!(self.step, Step::SentFirst) {
            return Err(ScramError::OutOfOrder);
        }
        let server_first =
            std::str::from_utf8(server_first).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        let fields = Fields::parse(server_first)?;
        if let Some(error) = fields.get('e') {
            return Err(ScramError::Server(error.to_owned()));
        }
        if fields.get('m').is_some() {
            return Err(ScramError::Malformed("an unknown mandatory extension"));
        }
        let nonce = fields.get('r').ok_or(ScramError::Malformed("no nonce"))?;
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(ScramError::Nonce);
        }
        let salt = fields
            .get('s')
            .and_then(|s| BASE64.decode(s).ok())
            .filter(|s| !s.is_empty())
            .ok_or(ScramError::Malformed("no usable salt"))?;
        let iterations: u32 = fields
            .get('i')
            .and_then(|i| i.parse().ok())
            .filter(|i| *i > 0)
            .ok_or(ScramError::Malformed("no usable iteration count"))?;
        if iterations > MAX_ITERATIONS {
            return Err(ScramError::Iterations(iterations));
        }

        let mut channel = self.gs2.header().into_bytes();
        if let Gs2::Bind { data, .. } = &self.gs2 {
            channel.extend_from_slice(data);
        }
        let without_proof = format!("c={},r={nonce}", BASE64.encode(&channel));
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);

        let hash = self.hash;
        let mut salted = vec![0u8; hash.output_len()];
        let rounds = std::num::NonZeroU32::new(iterations).ok_or(ScramError::Malformed("zero"))?;
        pbkdf2::derive(
            hash.pbkdf2(),
            rounds,
            &salt,
            self.password.as_bytes(),
            &mut salted,
        );
        let salted_key = hmac::Key::new(hash.hmac(), &salted);
        let client_key = hmac::sign(&salted_key, b"Client Key");
        let stored_key = digest::digest(hash.digest(), client_key.as_ref());
        let client_signature = hmac::sign(
            &hmac::Key::new(hash.hmac(), stored_key.as_ref()),
            auth_message.as_bytes(),
        );
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(client_signature.as_ref())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hmac::sign(&salted_key, b"Server Key");
        let server_signature = hmac::sign(
            &hmac::Key::new(hash.hmac(), server_key.as_ref()),
            auth_message.as_bytes(),
        );
        self.step = Step::SentFinal {
            server_signature: server_signature.as_ref().to_vec(),
        };
        Ok(format!("{without_proof},p={}", BASE64.encode(proof)).into_bytes())
    }

    /// Checks the server-final message (CORE-10): only a correct server
    /// signature proves the server knew the password.
    pub fn finish(&mut self, server_final: &[u8]) -> Result<(), ScramError> {
        let Step::SentFinal { server_signature } = &self.step else {
            return Err(ScramError::OutOfOrder);
        };
        let server_final =
            std::str::from_utf8(server_final).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        let fields = Fields::parse(server_final)?;
        if let Some(error) = fields.get('e') {
            return Err(ScramError::Server(error.to_owned()));
        }
        let verifier = fields
            .get('v')
            .and_then(|v| BASE64.decode(v).ok())
            .ok_or(ScramError::Malformed("no server signature"))?;
        // Compared without an early exit, so timing says nothing about
        // where a forged signature first differs.
        let differs = verifier.len() != server_signature.len()
            || verifier
                .iter()
                .zip(server_signature)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                != 0;
        if differs {
            return Err(ScramError::Signature);
        }
        self.step = Step::Done;
        Ok(())
    }
}

/// RFC 5802 §5.1: `=` and `,` in a name are escaped.
fn escape_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

/// A SCRAM message's `k=value` attributes.
struct Fields<'a>(Vec<(char, &'a str)>);

impl<'a> Fields<'a> {
    fn parse(message: &'a str) -> Result<Self, ScramError> {
        let mut fields = Vec::new();
        for part in message.split(',') {
            let mut chars = part.chars();
            let (Some(key), Some('=')) = (chars.next(), chars.next()) else {
                return Err(ScramError::Malformed("an attribute without a value"));
            };
            fields.push((key, &part[2..]));
        }
        Ok(Fields(fields))
    }

    fn get(&self, key: char) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 5802 §5: the SCRAM-SHA-1 example exchange, byte for byte.
    #[test]
    fn rfc_5802_sha1_example() {
        let mut client = ScramClient::with_nonce(
            ScramHash::Sha1,
            Gs2::NoBinding,
            "user",
            "pencil",
            "fyko+d2lbbFgONRv9qkxdawL".into(),
        )
        .unwrap();
        assert_eq!(client.mechanism(), "SCRAM-SHA-1");
        assert_eq!(client.initial(), b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        let final_message = client
            .respond(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        assert_eq!(
            String::from_utf8(final_message).unwrap(),
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        client.finish(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").unwrap();
    }

    /// RFC 7677 §3: the SCRAM-SHA-256 example exchange.
    #[test]
    fn rfc_7677_sha256_example() {
        let mut client = ScramClient::with_nonce(
            ScramHash::Sha256,
            Gs2::NoBinding,
            "user",
            "pencil",
            "rOprNGfwEbeRWgbNEkqO".into(),
        )
        .unwrap();
        assert_eq!(client.initial(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let final_message = client
            .respond(
                b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                  s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            )
            .unwrap();
        assert_eq!(
            String::from_utf8(final_message).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        client
            .finish(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
    }

    /// CORE-10: a wrong server signature fails the login.
    #[test]
    fn core_10_wrong_server_signature_is_refused() {
        let mut client = ScramClient::with_nonce(
            ScramHash::Sha1,
            Gs2::NoBinding,
            "user",
            "pencil",
            "fyko+d2lbbFgONRv9qkxdawL".into(),
        )
        .unwrap();
        client.initial();
        client
            .respond(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        assert_eq!(
            client.finish(b"v=AAAApqV8S7suAoZWja4dJRkFsKQ="),
            Err(ScramError::Signature)
        );
    }

    /// CB-08: `y` and `p=` headers go into `c=` exactly; the binding data
    /// follows the header for `p=`.
    #[test]
    fn cb_08_header_and_binding_data_in_c() {
        let server_first = b"r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=4096";
        let mut y =
            ScramClient::with_nonce(ScramHash::Sha1, Gs2::NotOffered, "u", "p", "abcdef".into())
                .unwrap();
        assert!(y.initial().starts_with(b"y,,n=u,"));
        let reply = String::from_utf8(y.respond(server_first).unwrap()).unwrap();
        assert!(reply.starts_with("c=eSws,"), "{reply}");

        let gs2 = Gs2::Bind {
            kind: BindingType::TlsExporter,
            data: vec![7; 32],
        };
        let mut p =
            ScramClient::with_nonce(ScramHash::Sha256, gs2, "u", "p", "abcdef".into()).unwrap();
        assert_eq!(p.mechanism(), "SCRAM-SHA-256-PLUS");
        assert!(p.initial().starts_with(b"p=tls-exporter,,n=u,"));
        let reply = String::from_utf8(p.respond(server_first).unwrap()).unwrap();
        let mut expected = b"p=tls-exporter,,".to_vec();
        expected.extend([7; 32]);
        assert!(
            reply.starts_with(&format!("c={},", BASE64.encode(expected))),
            "{reply}"
        );
    }

    /// Hostile server-first messages are refused, never computed on.
    #[test]
    fn hostile_server_first_is_refused() {
        let client = || {
            let mut c =
                ScramClient::with_nonce(ScramHash::Sha1, Gs2::NoBinding, "u", "p", "abc".into())
                    .unwrap();
            c.initial();
            c
        };
        assert_eq!(
            client().respond(b"r=xyz123,s=QSXC,i=4096"),
            Err(ScramError::Nonce)
        );
        assert_eq!(
            client().respond(b"r=abc,s=QSXC,i=4096"),
            Err(ScramError::Nonce)
        );
        assert_eq!(
            client().respond(b"r=abcd,s=QSXC,i=4000000000"),
            Err(ScramError::Iterations(4_000_000_000))
        );
        assert!(client().respond(b"r=abcd,s=,i=4096").is_err());
        assert!(client().respond(b"garbage").is_err());
        assert_eq!(
            client().respond(b"e=invalid-proof"),
            Err(ScramError::Server("invalid-proof".into()))
        );
        assert_eq!(client().finish(b"v=AAAA"), Err(ScramError::OutOfOrder));
    }

    #[test]
    fn names_with_comma_and_equals_are_escaped() {
        let mut c =
            ScramClient::with_nonce(ScramHash::Sha1, Gs2::NoBinding, "a,b=c", "p", "n".into())
                .unwrap();
        assert_eq!(c.initial(), b"n,,n=a=2Cb=3Dc,r=n");
    }
}
