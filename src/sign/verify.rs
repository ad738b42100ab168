//! Checking an approval's SSH signature against allowed_signers, as
//! `ssh-keygen -Y verify` would.

use base64ct::{Base64, Encoding};
use chrono::{DateTime, FixedOffset};
use ssh_key::{HashAlg, SshSig};

use super::allowed::{pattern_list_matches, principal_matches, AllowedSigner};
use super::{NAMESPACE, PACKET_NAMESPACE};

/// Verify an armored signature over `message` for `principal`, as
/// `ssh-keygen -Y verify -n relpack` would now. `Ok` carries the key's
/// fingerprint.
pub fn verify(
    message: &[u8],
    armored: &str,
    principal: &str,
    signers: &[AllowedSigner],
) -> Result<String, String> {
    verify_at(
        message,
        armored,
        principal,
        signers,
        Some(chrono::Local::now().fixed_offset()),
    )
}

/// Verify an armored signature over `message` for `principal` as
/// `ssh-keygen -Y verify -n relpack -I PRINCIPAL -f allowed_signers -O
/// verify-time=AT` would: a line lists the principal and the signing key,
/// permits the namespace, and its `valid-after` / `valid-before` window
/// holds `at` (the approval's `signed_at`). `Ok` carries the key's
/// fingerprint; `Err` says why no line verified it.
pub fn verify_at(
    message: &[u8],
    armored: &str,
    principal: &str,
    signers: &[AllowedSigner],
    at: Option<DateTime<FixedOffset>>,
) -> Result<String, String> {
    verify_for_release(message, armored, principal, signers, at, None)
}

/// [`verify_at`], and the key must also still be valid on the release date
/// (its validity window must reach into that day, in the signer's local
/// time): `signed_at` is written by the signer, so a record backdated into
/// an expired key's window would otherwise outlive the key.
pub fn verify_for_release(
    message: &[u8],
    armored: &str,
    principal: &str,
    signers: &[AllowedSigner],
    at: Option<DateTime<FixedOffset>>,
    release: Option<chrono::NaiveDate>,
) -> Result<String, String> {
    let sig = SshSig::from_pem(armored.trim()).map_err(|e| {
        if made_with_certificate(armored) {
            "the signature was made with an SSH certificate: relpack refuses certificates \
             (and cert-authority lines); sign with the plain key that allowed_signers lists"
                .to_string()
        } else {
            format!("the signature is malformed (not an SSH signature: {e})")
        }
    })?;
    if sig.namespace() != NAMESPACE {
        return Err(format!(
            "signature is for namespace `{}`, not `{NAMESPACE}`",
            sig.namespace()
        ));
    }
    let listed: Vec<&AllowedSigner> = signers
        .iter()
        .filter(|s| principal_matches(s, principal))
        .collect();
    if listed.is_empty() {
        return Err(format!("principal `{principal}` is not in allowed_signers"));
    }
    // Why each line that lists the principal and the key refused it.
    let mut refused: Vec<String> = Vec::new();
    let mut cert_lines: Vec<usize> = Vec::new();
    for s in &listed {
        if s.cert_authority {
            cert_lines.push(s.line);
            continue;
        }
        if s.key.key_data() != sig.public_key() {
            continue;
        }
        if let Some(why) = refusal(s, NAMESPACE, at, release) {
            refused.push(format!("allowed_signers line {}: {why}", s.line));
            continue;
        }
        s.key.verify(NAMESPACE, message, &sig).map_err(|_| {
            "the signature does not verify over this record: the signature is damaged, or the record was changed after it was signed".to_string()
        })?;
        return Ok(s.key.fingerprint(HashAlg::Sha256).to_string());
    }
    if !refused.is_empty() {
        return Err(refused.join("; "));
    }
    let mut reason =
        format!("the signing key is not a key allowed_signers lists for `{principal}`");
    if !cert_lines.is_empty() {
        let lines: Vec<String> = cert_lines.iter().map(|l| l.to_string()).collect();
        reason.push_str(&format!(
            "; allowed_signers line {} is a cert-authority line, which relpack refuses: it verifies signatures by listed keys, not by SSH certificates",
            lines.join(", ")
        ));
    }
    Err(reason)
}

/// Who signed a packet: the principals of the allowed_signers line whose
/// key made the signature, and the key's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketSigner {
    pub principals: String,
    pub fingerprint: String,
    pub line: usize,
}

/// Verify a packet's signature over its SHA256SUMS (namespace
/// `relpack-packet`) against allowed_signers, as `ssh-keygen -Y
/// find-principals` then `-Y verify` would now: some line must list the
/// signing key, permit the namespace and be valid today. `Ok` says who.
pub fn verify_packet(
    message: &[u8],
    armored: &str,
    signers: &[AllowedSigner],
) -> Result<PacketSigner, String> {
    let sig = SshSig::from_pem(armored.trim())
        .map_err(|e| format!("the signature is malformed (not an SSH signature: {e})"))?;
    if sig.namespace() != PACKET_NAMESPACE {
        return Err(format!(
            "the signature is for namespace `{}`, not `{PACKET_NAMESPACE}`: it was not made as a packet's signature",
            sig.namespace()
        ));
    }
    let now = Some(chrono::Local::now().fixed_offset());
    let mut refused: Vec<String> = Vec::new();
    for s in signers.iter().filter(|s| !s.cert_authority) {
        if s.key.key_data() != sig.public_key() {
            continue;
        }
        if let Some(why) = refusal(s, PACKET_NAMESPACE, now, None) {
            refused.push(format!("allowed_signers line {}: {why}", s.line));
            continue;
        }
        s.key.verify(PACKET_NAMESPACE, message, &sig).map_err(|_| {
            "the signature does not verify over SHA256SUMS: SHA256SUMS was changed after it was signed, or the signature is damaged".to_string()
        })?;
        return Ok(PacketSigner {
            principals: s.principals.join(","),
            fingerprint: s.key.fingerprint(HashAlg::Sha256).to_string(),
            line: s.line,
        });
    }
    if !refused.is_empty() {
        return Err(refused.join("; "));
    }
    Err(format!(
        "the signing key ({}) is not listed in allowed_signers",
        ssh_key::PublicKey::from(sig.public_key().clone()).fingerprint(HashAlg::Sha256)
    ))
}

/// Why a line listing the principal and the signing key does not permit
/// this signature: the namespace, or the key's validity at the signing
/// time and on the release date.
fn refusal(
    s: &AllowedSigner,
    namespace: &str,
    at: Option<DateTime<FixedOffset>>,
    release: Option<chrono::NaiveDate>,
) -> Option<String> {
    if let Some(ns) = &s.namespaces {
        if !pattern_list_matches(ns, namespace) {
            return Some(format!(
                "the key is not permitted for namespace `{namespace}` (namespaces=\"{}\")",
                ns.join(",")
            ));
        }
    }
    if s.valid_after.is_none() && s.valid_before.is_none() {
        return None;
    }
    let Some(at) = at else {
        return Some("the key has a validity period, and the signing time is unknown".into());
    };
    if let Some(after) = &s.valid_after {
        if after.instant(&at).is_none_or(|t| at < t) {
            return Some(format!(
                "the key is not yet valid at {} (valid-after=\"{}\")",
                at.to_rfc3339(),
                after.text
            ));
        }
    }
    if let Some(before) = &s.valid_before {
        if before.instant(&at).is_none_or(|t| at > t) {
            return Some(format!(
                "the key has expired at {} (valid-before=\"{}\")",
                at.to_rfc3339(),
                before.text
            ));
        }
    }
    release.and_then(|day| release_day_refusal(s, at, day))
}

/// The key must still be valid on the release day, from its first to its
/// last second in the signer's offset.
fn release_day_refusal(
    s: &AllowedSigner,
    at: DateTime<FixedOffset>,
    day: chrono::NaiveDate,
) -> Option<String> {
    let edge = |h, m, sec| {
        day.and_hms_opt(h, m, sec)
            .and_then(|t| t.and_local_timezone(*at.offset()).single())
    };
    let (first, last) = (edge(0, 0, 0)?, edge(23, 59, 59)?);
    if let Some(before) = &s.valid_before {
        if before.instant(&at).is_none_or(|t| t < first) {
            return Some(format!(
                "the key has expired before the release date {day} (valid-before=\"{}\"); an approval cannot outlive its key, whatever its signed_at",
                before.text
            ));
        }
    }
    if let Some(after) = &s.valid_after {
        if after.instant(&at).is_none_or(|t| t > last) {
            return Some(format!(
                "the key is not yet valid on the release date {day} (valid-after=\"{}\")",
                after.text
            ));
        }
    }
    None
}

/// Whether an armored SSHSIG carries an OpenSSH certificate as its public
/// key (ssh-key does not read those, so look at the key's algorithm name).
pub(super) fn made_with_certificate(armored: &str) -> bool {
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().chars())
        .collect();
    let Ok(bytes) = Base64::decode_vec(&body) else {
        return false;
    };
    let needle = b"-cert-v01@openssh.com";
    bytes.windows(needle.len()).any(|w| w == needle)
}
