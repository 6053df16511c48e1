//! Finding and reaching the server: DNS SRV (`_xmpp-client._tcp`, or
//! `_xmpps-client._tcp` for direct TLS) ordered by priority and weight
//! (RFC 2782), falling back to the domain itself (CORE-01), then TCP to the
//! first target that answers. `host` in the config skips SRV.

use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::RData;
use tokio::net::TcpStream;

use super::quick_ack::QuickAck;

use super::error::Error;
use super::settings::{ConnectSettings, TlsMode};

/// One place to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

/// An SRV answer, reduced to what ordering needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

const DEFAULT_STARTTLS_PORT: u16 = 5222;
const DEFAULT_DIRECT_TLS_PORT: u16 = 5223;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The targets to try, in order.
pub async fn resolve(settings: &ConnectSettings) -> Result<Vec<Target>, Error> {
    let default_port = match settings.tls {
        TlsMode::StartTls => DEFAULT_STARTTLS_PORT,
        TlsMode::Direct => DEFAULT_DIRECT_TLS_PORT,
    };
    if let Some(host) = &settings.host {
        return Ok(vec![Target {
            host: host.clone(),
            port: settings.port.unwrap_or(default_port),
        }]);
    }
    let domain = settings.domain().to_owned();
    let service = match settings.tls {
        TlsMode::StartTls => "_xmpp-client._tcp",
        TlsMode::Direct => "_xmpps-client._tcp",
    };
    let fallback = Target {
        host: domain.clone(),
        port: settings.port.unwrap_or(default_port),
    };
    let records = match lookup_srv(&format!("{service}.{domain}.")).await {
        Ok(records) => records,
        // No SRV records (or no DNS at all): the domain itself is the answer.
        Err(_) => return Ok(vec![fallback]),
    };
    // A single "." target means the service is decidedly not offered (RFC 2782).
    if records.len() == 1 && records[0].target.trim_end_matches('.').is_empty() {
        return Err(Error::Dns {
            domain,
            reason: format!("its {service} SRV record says the service is not available"),
        });
    }
    let ordered = order_srv(records, &mut random_u32);
    if ordered.is_empty() {
        return Ok(vec![fallback]);
    }
    Ok(ordered
        .into_iter()
        .map(|r| Target {
            host: r.target.trim_end_matches('.').to_owned(),
            port: r.port,
        })
        .collect())
}

async fn lookup_srv(name: &str) -> Result<Vec<SrvRecord>, String> {
    let resolver = TokioResolver::builder_tokio()
        .map_err(|e| e.to_string())?
        .build()
        .map_err(|e| e.to_string())?;
    let lookup = resolver.srv_lookup(name).await.map_err(|e| e.to_string())?;
    Ok(lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::SRV(srv) => Some(SrvRecord {
                priority: srv.priority,
                weight: srv.weight,
                port: srv.port,
                target: srv.target.to_utf8(),
            }),
            _ => None,
        })
        .collect())
}

/// Orders SRV records as RFC 2782 says: ascending priority; within one
/// priority, a weighted random draw, repeated until none are left. Records
/// with the "." target are dropped. `random` returns uniformly random u32s.
pub fn order_srv(mut records: Vec<SrvRecord>, random: &mut dyn FnMut() -> u32) -> Vec<SrvRecord> {
    records.retain(|r| !r.target.trim_end_matches('.').is_empty());
    records.sort_by_key(|r| r.priority);
    let mut ordered = Vec::with_capacity(records.len());
    let mut rest = records.as_slice();
    while let Some(first) = rest.first() {
        let same = rest
            .iter()
            .take_while(|r| r.priority == first.priority)
            .count();
        let (group, tail) = rest.split_at(same);
        // Zero weights first, so they get a small but non-zero chance.
        let mut group: Vec<SrvRecord> = group.to_vec();
        group.sort_by_key(|r| r.weight != 0);
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let pick = if total == 0 {
                0
            } else {
                let point = random() % (total + 1);
                let mut running = 0u32;
                group
                    .iter()
                    .position(|r| {
                        running += u32::from(r.weight);
                        running >= point
                    })
                    .unwrap_or(0)
            };
            ordered.push(group.remove(pick));
        }
        rest = tail;
    }
    ordered
}

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    // Falling back to a fixed value only skews load balancing, never safety.
    let _ = getrandom::fill(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// Connects to the first target that accepts, reporting every failure if
/// none does.
pub async fn connect_tcp(targets: &[Target]) -> Result<QuickAck, Error> {
    let mut failures = Vec::new();
    for target in targets {
        let address = (target.host.as_str(), target.port);
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(QuickAck::new(stream));
            }
            Ok(Err(e)) => failures.push(format!("{}:{}: {e}", target.host, target.port)),
            Err(_) => failures.push(format!("{}:{}: timed out", target.host, target.port)),
        }
    }
    Err(Error::Connect {
        target: targets
            .iter()
            .map(|t| format!("{}:{}", t.host, t.port))
            .collect::<Vec<_>>()
            .join(", "),
        reason: failures.join("; "),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn srv(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 5222,
            target: target.into(),
        }
    }

    /// CORE-01: lower priority first, whatever the weights.
    #[test]
    fn core_01_priority_orders_first() {
        let records = vec![srv(20, 100, "b."), srv(10, 0, "a."), srv(30, 5, "c.")];
        let ordered = order_srv(records, &mut || 7);
        let names: Vec<_> = ordered.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(names, ["a.", "b.", "c."]);
    }

    /// CORE-01: within a priority, weight decides the draw.
    #[test]
    fn core_01_weight_decides_within_priority() {
        let records = vec![srv(10, 1, "light."), srv(10, 99, "heavy.")];
        let mut heavy_first = 0;
        let mut counter = 0u32;
        for _ in 0..100 {
            let ordered = order_srv(records.clone(), &mut || {
                counter = counter.wrapping_add(1);
                counter
            });
            assert_eq!(ordered.len(), 2);
            if ordered[0].target == "heavy." {
                heavy_first += 1;
            }
        }
        assert!(heavy_first > 90, "heavy first {heavy_first} times of 100");
    }

    #[test]
    fn dot_target_is_dropped() {
        let ordered = order_srv(vec![srv(0, 0, "."), srv(5, 0, "x.")], &mut || 0);
        assert_eq!(ordered.len(), 1);
        assert_eq!(ordered[0].target, "x.");
    }

    #[tokio::test]
    async fn host_in_config_skips_srv() {
        let jid = jid::BareJid::new("a@example.invalid").unwrap();
        let mut settings = ConnectSettings::new(jid, crate::xmpp::settings::Password::new("x"));
        settings.host = Some("127.0.0.1".into());
        settings.port = Some(1234);
        let targets = resolve(&settings).await.unwrap();
        assert_eq!(
            targets,
            [Target {
                host: "127.0.0.1".into(),
                port: 1234
            }]
        );
    }
}
