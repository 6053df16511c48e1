//! Certificates for a private test server, shared by every server kind: a tiny CA and a
//! `localhost` leaf signed by it, made with `rcgen`, plus writing private files.
//!
//! Part of `server.rs` (loaded through `#[path]`), so it uses std and `rcgen` only.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes ca.pem, localhost.crt and localhost.key unless all three exist; returns the CA's path.
///
/// rustls refuses a self-signed leaf marked CA:TRUE, so this is a real two-level chain: a CA
/// (CA:TRUE, keyCertSign) and a `localhost` leaf (CA:FALSE, serverAuth, SAN localhost and
/// 127.0.0.1) signed by it. Both are valid from yesterday for ten years: ejabberd sets a timer
/// for each certificate's expiry, and one in the year 4096 (rcgen's default) crashes it.
pub fn write_certificates(dir: &Path) -> PathBuf {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, date_time_ymd,
    };

    let ca_file = dir.join("ca.pem");
    let (crt_file, key_file) = (dir.join("localhost.crt"), dir.join("localhost.key"));
    if ca_file.is_file() && crt_file.is_file() && key_file.is_file() {
        return ca_file;
    }
    let gen_err = |e: rcgen::Error| -> ! { panic!("certificate generation failed: {e}") };
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    let date = |days: i64| {
        let (y, m, d) = civil_from_days(days);
        date_time_ymd(y, m, d)
    };
    let (not_before, not_after) = (date(today - 1), date(today + 3650));

    let ca_key = KeyPair::generate().unwrap_or_else(|e| gen_err(e));
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| gen_err(e));
    ca.distinguished_name
        .push(DnType::CommonName, "balcony test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    (ca.not_before, ca.not_after) = (not_before, not_after);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap_or_else(|e| gen_err(e));
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate().unwrap_or_else(|e| gen_err(e));
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap_or_else(|e| gen_err(e));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    (leaf.not_before, leaf.not_after) = (not_before, not_after);
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .unwrap_or_else(|e| gen_err(e));

    write_private(&key_file, leaf_key.serialize_pem().as_bytes());
    fs::write(&crt_file, leaf_cert.pem()).unwrap_or_else(|e| panic!("{}: {e}", crt_file.display()));
    fs::write(&ca_file, ca_cert.pem()).unwrap_or_else(|e| panic!("{}: {e}", ca_file.display()));
    ca_file
}

/// Writes a file only its owner can read (keys, configs with passwords).
pub fn write_private(path: &Path, contents: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    f.write_all(contents)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u8, day as u8)
}
