//! SASL channel binding, decided once (CB-01…CB-12): which binding types
//! this TLS session defines, which the server announces (XEP-0440), and
//! from both, the mechanism and GS2 header the login uses.
//!
//! The rule that matters in practice (CB-07): a server that offers `-PLUS`
//! without saying which type is never sent a guessed `tls-exporter`; stock
//! ejabberd 23.01 would refuse it as a wrong password.

use super::error::Error;
use super::scram::ScramHash;

/// A channel-binding type (RFC 5929, RFC 9266).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindingType {
    /// RFC 9266: keying material exported from the TLS session.
    TlsExporter,
    /// RFC 5929: the first Finished message; TLS 1.2 and older only.
    TlsUnique,
    /// RFC 5929: a hash of the server's certificate.
    TlsServerEndPoint,
}

impl BindingType {
    /// Strongest first (CB-03; XEP-0440 prefers anything over
    /// `tls-server-end-point`).
    pub const PREFERENCE: [BindingType; 3] = [
        BindingType::TlsExporter,
        BindingType::TlsUnique,
        BindingType::TlsServerEndPoint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BindingType::TlsExporter => "tls-exporter",
            BindingType::TlsUnique => "tls-unique",
            BindingType::TlsServerEndPoint => "tls-server-end-point",
        }
    }

    /// CB-01: unknown names are ignored.
    pub fn from_name(name: &str) -> Option<Self> {
        BindingType::PREFERENCE
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

/// The GS2 header's channel-binding flag (RFC 5802 §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gs2 {
    /// `n`: balcony does not bind.
    NoBinding,
    /// `y`: balcony could bind, but the server offered no `-PLUS`.
    NotOffered,
    /// `p=<type>`: bound to this TLS session with `data`.
    Bind { kind: BindingType, data: Vec<u8> },
}

impl Gs2 {
    /// The header, no authorization identity (CORE-13).
    pub fn header(&self) -> String {
        match self {
            Gs2::NoBinding => "n,,".to_owned(),
            Gs2::NotOffered => "y,,".to_owned(),
            Gs2::Bind { kind, .. } => format!("p={},,", kind.name()),
        }
    }
}

/// The binding data this TLS session defines (CB-02); `None` where a type
/// is undefined for the session or cannot be computed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsBindings {
    pub exporter: Option<Vec<u8>>,
    pub unique: Option<Vec<u8>>,
    pub server_end_point: Option<Vec<u8>>,
}

impl TlsBindings {
    pub fn get(&self, kind: BindingType) -> Option<&[u8]> {
        match kind {
            BindingType::TlsExporter => self.exporter.as_deref(),
            BindingType::TlsUnique => self.unique.as_deref(),
            BindingType::TlsServerEndPoint => self.server_end_point.as_deref(),
        }
    }

    /// Whether balcony can bind to this session at all (decides `y` vs `n`).
    pub fn any(&self) -> bool {
        BindingType::PREFERENCE
            .iter()
            .any(|kind| self.get(*kind).is_some())
    }
}

/// `[account] channel_binding` (CB-10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChannelBindingPolicy {
    /// Bind whenever the server and this TLS session allow it.
    #[default]
    Auto,
    /// Refuse to log in without binding.
    Required,
    /// Never bind (`n`).
    Off,
}

impl ChannelBindingPolicy {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "auto" => Some(ChannelBindingPolicy::Auto),
            "required" => Some(ChannelBindingPolicy::Required),
            "off" => Some(ChannelBindingPolicy::Off),
            _ => None,
        }
    }
}

/// What the server offered: its mechanisms, and the XEP-0440 list when it
/// sent one (`None`: the types are unknown, CB-01).
#[derive(Clone, Copy, Debug)]
pub struct SaslOffer<'a> {
    pub mechanisms: &'a [String],
    pub binding_types: Option<&'a [String]>,
}

impl SaslOffer<'_> {
    fn offers(&self, name: &str) -> bool {
        self.mechanisms.iter().any(|m| m.eq_ignore_ascii_case(name))
    }

    /// The strongest SCRAM hash offered with (or without) `-PLUS`.
    fn best_scram(&self, plus: bool) -> Option<ScramHash> {
        ScramHash::PREFERENCE
            .into_iter()
            .find(|hash| self.offers(&hash.mechanism(plus)))
    }

    fn lists(&self, kind: BindingType) -> bool {
        self.binding_types
            .is_some_and(|types| types.iter().any(|t| t.trim() == kind.name()))
    }

    fn describe(&self) -> String {
        if self.mechanisms.is_empty() {
            "none".to_owned()
        } else {
            self.mechanisms.join(", ")
        }
    }
}

/// The mechanism to authenticate with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaslChoice {
    Scram {
        hash: ScramHash,
        gs2: Gs2,
    },
    /// Only when no SCRAM is offered at all (CB-12), and only inside TLS.
    Plain,
}

/// Picks the mechanism and the GS2 flag from the server's offer, this TLS
/// session's binding data and the user's policy (CB-03…CB-12). The binding
/// decision comes before the hash (CB-11).
pub fn decide(
    offer: SaslOffer<'_>,
    tls: &TlsBindings,
    policy: ChannelBindingPolicy,
) -> Result<SaslChoice, Error> {
    let plus = offer.best_scram(true);
    let plain_scram = offer.best_scram(false);
    let unbound = |gs2: Gs2| -> Result<SaslChoice, Error> {
        match plain_scram {
            Some(hash) => Ok(SaslChoice::Scram { hash, gs2 }),
            // CB-12: PLAIN only when the server offers no SCRAM at all.
            None if plus.is_none() && offer.offers("PLAIN") => Ok(SaslChoice::Plain),
            None => Err(Error::NoMechanism {
                offered: offer.describe(),
            }),
        }
    };
    let refuse = |why: String| Err(Error::ChannelBinding(why));

    if policy == ChannelBindingPolicy::Off {
        if plain_scram.is_none() && plus.is_some() {
            return refuse(format!(
                "the server offers SCRAM only with channel binding ({}), and channel_binding = \"off\"",
                offer.describe()
            ));
        }
        return unbound(Gs2::NoBinding);
    }

    match (offer.binding_types, plus) {
        // CB-05: types announced, but the -PLUS mechanisms are gone.
        (Some(_), None) => refuse(format!(
            "the server announces channel-binding types but offers no SCRAM -PLUS mechanism \
             (it offers {}); the offer may have been tampered with on the way (possible interception)",
            offer.describe()
        )),
        // CB-03, CB-04: the strongest type both sides have.
        (Some(types), Some(hash)) => {
            let usable = BindingType::PREFERENCE
                .into_iter()
                .filter(|kind| offer.lists(*kind))
                .find_map(|kind| tls.get(kind).map(|data| (kind, data.to_vec())));
            if let Some((kind, data)) = usable {
                return Ok(SaslChoice::Scram {
                    hash,
                    gs2: Gs2::Bind { kind, data },
                });
            }
            let listed = types.join(", ");
            if !offer.lists(BindingType::TlsServerEndPoint) {
                return refuse(format!(
                    "the server offers channel binding only with types this connection cannot use \
                     ({listed}), and not tls-server-end-point; that is a sign of an interception \
                     of the TLS connection, so balcony does not log in"
                ));
            }
            if policy == ChannelBindingPolicy::Required {
                return refuse(format!(
                    "channel_binding = \"required\", but none of the server's binding types \
                     ({listed}) can be computed for this connection"
                ));
            }
            unbound(Gs2::NoBinding)
        }
        // CB-07: -PLUS without a list: the type is not negotiated, so only
        // tls-unique (what such servers implement) is used, and otherwise `n`.
        (None, Some(hash)) => {
            if let Some(data) = tls.get(BindingType::TlsUnique) {
                return Ok(SaslChoice::Scram {
                    hash,
                    gs2: Gs2::Bind {
                        kind: BindingType::TlsUnique,
                        data: data.to_vec(),
                    },
                });
            }
            if policy == ChannelBindingPolicy::Required {
                return refuse(
                    "channel_binding = \"required\", but the server does not say which binding \
                     types it accepts (no XEP-0440 list), and the only type such servers \
                     implement, tls-unique, does not exist on this TLS connection"
                        .to_owned(),
                );
            }
            unbound(Gs2::NoBinding)
        }
        // CB-06: no binding offered at all: `y` when we could have bound.
        (None, None) => {
            if policy == ChannelBindingPolicy::Required {
                return refuse(format!(
                    "channel_binding = \"required\", but the server offers no channel binding \
                     (it offers {})",
                    offer.describe()
                ));
            }
            if tls.any() {
                unbound(Gs2::NotOffered)
            } else {
                unbound(Gs2::NoBinding)
            }
        }
    }
}

/// `tls-server-end-point` data (RFC 5929 §4.1): the server certificate
/// hashed with its signature's hash, SHA-256 for MD5 and SHA-1. `None` for
/// algorithms RFC 5929 leaves undefined (Ed25519, RSASSA-PSS) or a
/// certificate that does not parse.
pub fn server_end_point(certificate: &[u8]) -> Option<Vec<u8>> {
    use ring::digest;
    let algorithm = match signature_algorithm(certificate)? {
        // md5WithRSA, sha1WithRSA, sha256WithRSA, ecdsa-with-SHA1/SHA256
        [
            0x2a,
            0x86,
            0x48,
            0x86,
            0xf7,
            0x0d,
            0x01,
            0x01,
            0x04 | 0x05 | 0x0b,
        ]
        | [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]
        | [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02] => &digest::SHA256,
        // sha384WithRSA, ecdsa-with-SHA384
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c]
        | [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03] => &digest::SHA384,
        // sha512WithRSA, ecdsa-with-SHA512
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d]
        | [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04] => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(algorithm, certificate).as_ref().to_vec())
}

/// The OID of `Certificate.signatureAlgorithm` (RFC 5280 §4.1).
fn signature_algorithm(certificate: &[u8]) -> Option<&[u8]> {
    let (0x30, body, _) = der_tlv(certificate)? else {
        return None;
    };
    let (0x30, _tbs, rest) = der_tlv(body)? else {
        return None;
    };
    let (0x30, algorithm, _) = der_tlv(rest)? else {
        return None;
    };
    let (0x06, oid, _) = der_tlv(algorithm)? else {
        return None;
    };
    Some(oid)
}

/// One DER tag-length-value: (tag, value, what follows).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |len, byte| (len << 8) | usize::from(*byte));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const EXPORTER: &[u8] = &[1; 32];
    const END_POINT: &[u8] = &[2; 32];

    fn tls13() -> TlsBindings {
        TlsBindings {
            exporter: Some(EXPORTER.to_vec()),
            unique: None,
            server_end_point: Some(END_POINT.to_vec()),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn decide_for(
        mechanisms: &[&str],
        types: Option<&[&str]>,
        tls: &TlsBindings,
        policy: ChannelBindingPolicy,
    ) -> Result<SaslChoice, Error> {
        let mechanisms = strings(mechanisms);
        let types = types.map(strings);
        decide(
            SaslOffer {
                mechanisms: &mechanisms,
                binding_types: types.as_deref(),
            },
            tls,
            policy,
        )
    }

    fn scram(hash: ScramHash, gs2: Gs2) -> SaslChoice {
        SaslChoice::Scram { hash, gs2 }
    }

    fn bind(kind: BindingType, data: &[u8]) -> Gs2 {
        Gs2::Bind {
            kind,
            data: data.to_vec(),
        }
    }

    use ChannelBindingPolicy::{Auto, Off, Required};
    use ScramHash::{Sha1, Sha256};

    /// CB-01, CB-03: the list is read and the strongest listed, computable
    /// type is used.
    #[test]
    fn cb_03_strongest_listed_type() {
        let choice = decide_for(
            &["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"],
            Some(&["tls-server-end-point", "tls-exporter", "x-unknown"]),
            &tls13(),
            Auto,
        );
        assert_eq!(
            choice.unwrap(),
            scram(Sha1, bind(BindingType::TlsExporter, EXPORTER))
        );
        let choice = decide_for(
            &["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"],
            Some(&["tls-server-end-point"]),
            &tls13(),
            Required,
        );
        assert_eq!(
            choice.unwrap(),
            scram(Sha256, bind(BindingType::TlsServerEndPoint, END_POINT))
        );
    }

    /// CB-04: a list of types we cannot compute, without
    /// tls-server-end-point, aborts as a possible interception.
    #[test]
    fn cb_04_uncomputable_list_aborts() {
        let err = decide_for(
            &["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"],
            Some(&["tls-unique"]),
            &tls13(),
            Auto,
        )
        .unwrap_err();
        assert!(matches!(err, Error::ChannelBinding(_)));
        assert!(err.to_string().contains("interception"), "{err}");
    }

    /// CB-04: tls-server-end-point listed but not computable for us (an
    /// Ed25519 certificate): `n`, or refusal under "required".
    #[test]
    fn cb_04_listed_end_point_we_cannot_compute() {
        let tls = TlsBindings {
            exporter: None,
            unique: None,
            server_end_point: None,
        };
        let offer = ["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"];
        let types: &[&str] = &["tls-server-end-point"];
        assert_eq!(
            decide_for(&offer, Some(types), &tls, Auto).unwrap(),
            scram(Sha1, Gs2::NoBinding)
        );
        assert!(matches!(
            decide_for(&offer, Some(types), &tls, Required),
            Err(Error::ChannelBinding(_))
        ));
    }

    /// CB-05: a list without any -PLUS mechanism aborts.
    #[test]
    fn cb_05_list_without_plus_aborts() {
        let err = decide_for(
            &["SCRAM-SHA-1", "PLAIN"],
            Some(&["tls-exporter"]),
            &tls13(),
            Auto,
        )
        .unwrap_err();
        assert!(matches!(err, Error::ChannelBinding(_)), "{err}");
    }

    /// CB-06: no -PLUS and no list: `y` when we could bind, `n` otherwise.
    #[test]
    fn cb_06_y_flag_when_binding_is_not_offered() {
        assert_eq!(
            decide_for(&["SCRAM-SHA-1", "PLAIN"], None, &tls13(), Auto).unwrap(),
            scram(Sha1, Gs2::NotOffered)
        );
        assert_eq!(
            decide_for(&["SCRAM-SHA-1"], None, &TlsBindings::default(), Auto).unwrap(),
            scram(Sha1, Gs2::NoBinding)
        );
    }

    /// CB-07: ejabberd 23.01 on TLS 1.3 offers -PLUS and no list: the plain
    /// mechanism with `n`, never a guessed tls-exporter; tls-unique when
    /// the session defines it.
    #[test]
    fn cb_07_plus_without_list_uses_n() {
        let ejabberd = [
            "SCRAM-SHA-1",
            "SCRAM-SHA-1-PLUS",
            "SCRAM-SHA-256",
            "SCRAM-SHA-256-PLUS",
            "PLAIN",
        ];
        assert_eq!(
            decide_for(&ejabberd, None, &tls13(), Auto).unwrap(),
            scram(Sha256, Gs2::NoBinding)
        );
        let tls12 = TlsBindings {
            exporter: None,
            unique: Some(vec![3; 12]),
            server_end_point: Some(END_POINT.to_vec()),
        };
        assert_eq!(
            decide_for(&ejabberd, None, &tls12, Auto).unwrap(),
            scram(Sha256, bind(BindingType::TlsUnique, &[3; 12]))
        );
        assert!(matches!(
            decide_for(&ejabberd, None, &tls13(), Required),
            Err(Error::ChannelBinding(_))
        ));
    }

    /// CB-10: "off" never binds; "required" refuses every unbound login.
    #[test]
    fn cb_10_policy() {
        assert_eq!(
            decide_for(
                &["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"],
                Some(&["tls-exporter"]),
                &tls13(),
                Off
            )
            .unwrap(),
            scram(Sha256, Gs2::NoBinding)
        );
        for mechanisms in [&["SCRAM-SHA-1"][..], &["PLAIN"][..]] {
            let err = decide_for(mechanisms, None, &tls13(), Required).unwrap_err();
            assert!(err.to_string().contains("required"), "{err}");
        }
        assert_eq!(ChannelBindingPolicy::from_name("required"), Some(Required));
        assert_eq!(ChannelBindingPolicy::from_name("sometimes"), None);
    }

    /// CB-11: the binding decision comes first: SHA-1-PLUS with a usable
    /// type beats plain SHA-256.
    #[test]
    fn cb_11_binding_before_hash() {
        assert_eq!(
            decide_for(
                &["SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"],
                Some(&["tls-exporter"]),
                &tls13(),
                Auto
            )
            .unwrap(),
            scram(Sha1, bind(BindingType::TlsExporter, EXPORTER))
        );
    }

    /// CB-12, CORE-08: PLAIN only when no SCRAM is offered; never
    /// DIGEST-MD5.
    #[test]
    fn cb_12_plain_only_without_scram() {
        assert_eq!(
            decide_for(&["PLAIN"], None, &tls13(), Auto).unwrap(),
            SaslChoice::Plain
        );
        assert!(matches!(
            decide_for(&["DIGEST-MD5"], None, &tls13(), Auto),
            Err(Error::NoMechanism { .. })
        ));
        // Only -PLUS SCRAM (without a list) plus PLAIN: still no PLAIN.
        assert!(decide_for(&["SCRAM-SHA-1-PLUS", "PLAIN"], None, &tls13(), Auto).is_err());
    }

    /// CB-02: tls-server-end-point hashes the certificate with SHA-256 for
    /// an ECDSA-SHA256 signature.
    #[test]
    fn cb_02_server_end_point_of_an_ecdsa_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = cert.der().to_vec();
        let expected = ring::digest::digest(&ring::digest::SHA256, &der);
        assert_eq!(server_end_point(&der).unwrap(), expected.as_ref());
        assert_eq!(server_end_point(&der[..der.len() / 2]), None);
        assert_eq!(server_end_point(b""), None);
    }
}
