//! Choosing a SASL mechanism (CORE-08) and wrapping the `sasl` crate's
//! client mechanisms.
//!
//! Preference: SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS (when we have channel
//! binding data), SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN, which is only ever
//! offered to us inside TLS because we never authenticate without it.

use sasl::client::Mechanism;
use sasl::client::mechanisms::{Plain, Scram};
use sasl::common::ChannelBinding;
use sasl::common::scram::{Sha1, Sha256};

use super::error::Error;

/// What the mechanism selection needs to know.
pub struct SaslInput<'a> {
    pub offered: &'a [String],
    pub username: &'a str,
    pub password: &'a str,
    /// `tls-exporter` data when the TLS session supports it.
    pub channel_binding: Option<Vec<u8>>,
}

/// Picks the strongest mechanism both sides support and builds it.
pub fn choose(input: SaslInput<'_>) -> Result<Box<dyn Mechanism + Send>, Error> {
    let offers = |name: &str| input.offered.iter().any(|m| m.eq_ignore_ascii_case(name));
    if let Some(data) = &input.channel_binding {
        let binding = ChannelBinding::TlsExporter(data.clone());
        if offers("SCRAM-SHA-256-PLUS") {
            return Ok(Box::new(
                Scram::<Sha256>::new(input.username, input.password.to_owned(), binding)
                    .map_err(|e| Error::Sasl(format!("{e:?}")))?,
            ));
        }
        if offers("SCRAM-SHA-1-PLUS") {
            return Ok(Box::new(
                Scram::<Sha1>::new(input.username, input.password.to_owned(), binding)
                    .map_err(|e| Error::Sasl(format!("{e:?}")))?,
            ));
        }
    }
    // We could bind but the server offers no -PLUS: say so with the "y"
    // flag, so a server that does support it can detect a downgrade.
    let binding = if input.channel_binding.is_some() {
        ChannelBinding::Unsupported
    } else {
        ChannelBinding::None
    };
    if offers("SCRAM-SHA-256") {
        return Scram::<Sha256>::new(input.username, input.password.to_owned(), binding)
            .map(|m| Box::new(m) as Box<dyn Mechanism + Send>)
            .map_err(|e| Error::Sasl(format!("{e:?}")));
    }
    if offers("SCRAM-SHA-1") {
        return Scram::<Sha1>::new(input.username, input.password.to_owned(), binding)
            .map(|m| Box::new(m) as Box<dyn Mechanism + Send>)
            .map_err(|e| Error::Sasl(format!("{e:?}")));
    }
    if offers("PLAIN") {
        return Ok(Box::new(Plain::new(input.username, input.password)));
    }
    Err(Error::NoMechanism {
        offered: if input.offered.is_empty() {
            "none".to_owned()
        } else {
            input.offered.join(", ")
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pick(offered: &[&str], binding: bool) -> Result<String, Error> {
        let offered: Vec<String> = offered.iter().map(|s| s.to_string()).collect();
        choose(SaslInput {
            offered: &offered,
            username: "juliet",
            password: "pw",
            channel_binding: binding.then(|| vec![1; 32]),
        })
        .map(|m| m.name().to_owned())
    }

    /// CORE-08: the preference order.
    #[test]
    fn core_08_preference_order() {
        let all = [
            "PLAIN",
            "SCRAM-SHA-1",
            "SCRAM-SHA-1-PLUS",
            "SCRAM-SHA-256",
            "SCRAM-SHA-256-PLUS",
        ];
        assert_eq!(pick(&all, true).unwrap(), "SCRAM-SHA-256-PLUS");
        assert_eq!(pick(&all, false).unwrap(), "SCRAM-SHA-256");
        assert_eq!(
            pick(&["PLAIN", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"], true).unwrap(),
            "SCRAM-SHA-1-PLUS"
        );
        assert_eq!(
            pick(&["PLAIN", "SCRAM-SHA-1"], true).unwrap(),
            "SCRAM-SHA-1"
        );
        assert_eq!(pick(&["PLAIN"], false).unwrap(), "PLAIN");
    }

    /// CORE-08: DIGEST-MD5 is historic and never used.
    #[test]
    fn core_08_no_digest_md5() {
        let err = pick(&["DIGEST-MD5"], false).unwrap_err();
        assert!(err.to_string().contains("DIGEST-MD5"), "{err}");
    }

    /// Without channel binding the gs2 header is "n", with binding data but
    /// no -PLUS offer it is "y" (downgrade protection).
    #[test]
    fn gs2_flag_reflects_binding() {
        let offered = vec!["SCRAM-SHA-1".to_string()];
        let mut without = choose(SaslInput {
            offered: &offered,
            username: "u",
            password: "p",
            channel_binding: None,
        })
        .unwrap();
        assert!(without.initial().starts_with(b"n,,"));
        let mut with = choose(SaslInput {
            offered: &offered,
            username: "u",
            password: "p",
            channel_binding: Some(vec![0; 32]),
        })
        .unwrap();
        assert!(with.initial().starts_with(b"y,,"));
    }
}
