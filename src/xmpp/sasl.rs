//! The SASL client mechanisms: SCRAM (with the channel binding
//! `channel_binding::decide` chose) and PLAIN, which is only ever used
//! inside TLS and only when the server offers no SCRAM (CORE-08, CB-12).

use super::channel_binding::{
    self, BindingType, ChannelBindingPolicy, SaslChoice, SaslOffer, TlsBindings,
};
use super::error::Error;
use super::scram::{ScramClient, ScramError};

/// What the mechanism selection needs to know.
pub struct SaslInput<'a> {
    pub offer: SaslOffer<'a>,
    pub username: &'a str,
    pub password: &'a str,
    /// The binding data this TLS session defines.
    pub tls: &'a TlsBindings,
    pub policy: ChannelBindingPolicy,
}

/// One SASL exchange in progress.
pub enum SaslClient {
    Scram(Box<ScramClient>),
    Plain { username: String, password: String },
}

impl SaslClient {
    /// The mechanism name for `<auth mechanism='…'/>`.
    pub fn name(&self) -> String {
        match self {
            SaslClient::Scram(scram) => scram.mechanism(),
            SaslClient::Plain { .. } => "PLAIN".to_owned(),
        }
    }

    /// The channel-binding type in use, if any (for CB-09's report).
    pub fn binding(&self) -> Option<BindingType> {
        match self {
            SaslClient::Scram(scram) => scram.binding(),
            SaslClient::Plain { .. } => None,
        }
    }

    /// The initial response sent with `<auth/>`.
    pub fn initial(&mut self) -> Vec<u8> {
        match self {
            SaslClient::Scram(scram) => scram.initial(),
            // RFC 4616: no authzid, then the authcid and the password.
            SaslClient::Plain { username, password } => {
                let mut data = Vec::with_capacity(username.len() + password.len() + 2);
                data.push(0);
                data.extend_from_slice(username.as_bytes());
                data.push(0);
                data.extend_from_slice(password.as_bytes());
                data
            }
        }
    }

    /// Answers a `<challenge/>`.
    pub fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, ScramError> {
        match self {
            SaslClient::Scram(scram) => scram.respond(challenge),
            SaslClient::Plain { .. } => Err(ScramError::OutOfOrder),
        }
    }

    /// Checks the data sent with `<success/>` (CORE-10).
    pub fn finish(&mut self, data: &[u8]) -> Result<(), ScramError> {
        match self {
            SaslClient::Scram(scram) => scram.finish(data),
            SaslClient::Plain { .. } => Ok(()),
        }
    }
}

/// Picks the mechanism (see `channel_binding::decide`) and builds it.
pub fn choose(input: SaslInput<'_>) -> Result<SaslClient, Error> {
    match channel_binding::decide(input.offer, input.tls, input.policy)? {
        SaslChoice::Scram { hash, gs2 } => {
            ScramClient::new(hash, gs2, input.username, input.password)
                .map(|scram| SaslClient::Scram(Box::new(scram)))
                .map_err(|e| Error::Sasl(e.to_string()))
        }
        SaslChoice::Plain => Ok(SaslClient::Plain {
            username: input.username.to_owned(),
            password: input.password.to_owned(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pick(offered: &[&str], tls: &TlsBindings) -> Result<SaslClient, Error> {
        let offered: Vec<String> = offered.iter().map(|s| s.to_string()).collect();
        choose(SaslInput {
            offer: SaslOffer {
                mechanisms: &offered,
                binding_types: None,
            },
            username: "juliet",
            password: "pw",
            tls,
            policy: ChannelBindingPolicy::Auto,
        })
    }

    fn name(offered: &[&str]) -> String {
        pick(offered, &TlsBindings::default()).unwrap().name()
    }

    /// CORE-08: the preference order among unbound mechanisms.
    #[test]
    fn core_08_preference_order() {
        assert_eq!(
            name(&["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"]),
            "SCRAM-SHA-256"
        );
        assert_eq!(
            name(&["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-512"]),
            "SCRAM-SHA-512"
        );
        assert_eq!(name(&["PLAIN", "SCRAM-SHA-1"]), "SCRAM-SHA-1");
        assert_eq!(name(&["PLAIN"]), "PLAIN");
    }

    /// CORE-08: DIGEST-MD5 is historic and never used.
    #[test]
    fn core_08_no_digest_md5() {
        let Err(err) = pick(&["DIGEST-MD5"], &TlsBindings::default()) else {
            panic!("DIGEST-MD5 was chosen");
        };
        assert!(err.to_string().contains("DIGEST-MD5"), "{err}");
    }

    /// CB-06: the GS2 flag is `n` without binding data and `y` with it
    /// when the server offers no -PLUS.
    #[test]
    fn cb_06_gs2_flag_reflects_binding() {
        let mut without = pick(&["SCRAM-SHA-1"], &TlsBindings::default()).unwrap();
        assert!(without.initial().starts_with(b"n,,"));
        let tls = TlsBindings {
            exporter: Some(vec![0; 32]),
            ..TlsBindings::default()
        };
        let mut with = pick(&["SCRAM-SHA-1"], &tls).unwrap();
        assert!(with.initial().starts_with(b"y,,"));
    }

    #[test]
    fn plain_initial_response() {
        let mut plain = pick(&["PLAIN"], &TlsBindings::default()).unwrap();
        assert_eq!(plain.initial(), b"\0juliet\0pw");
    }
}
