//! Stanza ids: unique within the stream and hard to guess (MSG-05, CORE-21),
//! so a reply or error can be matched to what we sent and a peer cannot
//! forge a reply to a request it never saw.

use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new id: 64 random bits plus a process-wide counter.
pub fn next() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}", random_hex(8))
}

/// `bytes` random bytes as lowercase hex (thread ids use 16: MSG-07).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // Without an OS random source, fall back to the clock: still unique
        // in practice, only less unpredictable.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8;
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique() {
        let a = super::next();
        let b = super::next();
        assert_ne!(a, b);
        assert_eq!(super::random_hex(16).len(), 32);
    }
}
