//! SSH signatures over approvals, as `ssh-keygen -Y sign -n relpack` makes
//! them and `ssh-keygen -Y verify -n relpack -I PRINCIPAL -f
//! allowed_signers` checks them, done in-process with ssh-key's SSHSIG.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The namespace every relpack signature is made in.
pub const NAMESPACE: &str = "relpack";

#[derive(Debug, Clone)]
pub struct AllowedSigner {
    pub principals: Vec<String>,
    pub namespaces: Option<Vec<String>>,
    pub cert_authority: bool,
    /// `valid-after="..."`: the key is not valid before this time.
    pub valid_after: Option<SignerTime>,
    /// `valid-before="..."`: the key is not valid after this time.
    pub valid_before: Option<SignerTime>,
    pub key: PublicKey,
    pub line: usize,
}

/// A `valid-after` / `valid-before` time, as ssh-keygen reads it:
/// `YYYYMMDD[HHMM[SS]]`, then `Z` (or `UTC`) for UTC. Without `Z`,
/// ssh-keygen reads the machine's local time; relpack, to give the same
/// answer on every machine, reads the signer's local time: the offset of
/// the approval's `signed_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerTime {
    pub naive: chrono::NaiveDateTime,
    pub utc: bool,
    /// As written, for messages.
    pub text: String,
}

impl SignerTime {
    pub fn parse(text: &str) -> Option<SignerTime> {
        let (digits, utc) = if let Some(d) = text.strip_suffix(['Z', 'z']) {
            (d, true)
        } else if let Some(d) = text
            .len()
            .checked_sub(3)
            .filter(|&i| i > 0 && text.is_char_boundary(i) && text[i..].eq_ignore_ascii_case("UTC"))
            .map(|i| &text[..i])
        {
            (d, true)
        } else {
            (text, false)
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let naive = match digits.len() {
            8 => chrono::NaiveDate::parse_from_str(digits, "%Y%m%d")
                .ok()?
                .and_hms_opt(0, 0, 0)?,
            12 => chrono::NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok()?,
            14 => chrono::NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()?,
            _ => return None,
        };
        Some(SignerTime {
            naive,
            utc,
            text: text.to_string(),
        })
    }

    /// The instant this time names, for a signature made at `at` (whose
    /// offset is the signer's local time).
    pub fn instant(&self, at: &DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let offset = if self.utc {
            FixedOffset::east_opt(0)?
        } else {
            *at.offset()
        };
        self.naive.and_local_timezone(offset).single()
    }
}

/// Parse git's / OpenSSH's allowed_signers format:
/// `principals [options] keytype base64 [comment]`. The options are those
/// of `ssh-keygen -Y verify`: `namespaces="..."`, `valid-after="..."`,
/// `valid-before="..."` and `cert-authority` (kept, so that a signature it
/// would vouch for is refused with a clear reason); any other option makes
/// the line an error, as it does for ssh-keygen.
/// A problem with allowed_signers: where (a line, when it is about one) and
/// what. Shown as `line N: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignersProblem {
    pub line: Option<usize>,
    pub message: String,
}

impl SignersProblem {
    pub fn at(line: usize, message: impl Into<String>) -> SignersProblem {
        SignersProblem {
            line: Some(line),
            message: message.into(),
        }
    }

    pub fn whole_file(message: impl Into<String>) -> SignersProblem {
        SignersProblem {
            line: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SignersProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

pub fn parse_allowed_signers(text: &str) -> (Vec<AllowedSigner>, Vec<SignersProblem>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens = tokenize(line);
        if tokens.len() < 3 {
            errors.push(SignersProblem::at(
                n + 1,
                "expected `principals [options] key`",
            ));
            continue;
        }
        let principals: Vec<String> = tokens[0]
            .split(',')
            .map(|s| s.trim_matches('"').to_string())
            .collect();
        let (options, key_at) = if is_key_type(&tokens[1]) {
            (None, 1)
        } else {
            (Some(tokens[1].as_str()), 2)
        };
        let Some(key_b64) = tokens.get(key_at + 1) else {
            errors.push(SignersProblem::at(n + 1, "no key"));
            continue;
        };
        let key = match PublicKey::from_openssh(&format!("{} {}", tokens[key_at], key_b64)) {
            Ok(k) => k,
            Err(e) => {
                errors.push(SignersProblem::at(n + 1, format!("bad key: {e}")));
                continue;
            }
        };
        let options = match parse_options(options.unwrap_or_default()) {
            Ok(o) => o,
            Err(e) => {
                errors.push(SignersProblem::at(n + 1, e));
                continue;
            }
        };
        out.push(AllowedSigner {
            principals,
            namespaces: options.namespaces,
            cert_authority: options.cert_authority,
            valid_after: options.valid_after,
            valid_before: options.valid_before,
            key,
            line: n + 1,
        });
    }
    (out, errors)
}

#[derive(Default)]
struct SignerOptions {
    namespaces: Option<Vec<String>>,
    cert_authority: bool,
    valid_after: Option<SignerTime>,
    valid_before: Option<SignerTime>,
}

/// The options of one allowed_signers line, as `sshsigopt_parse` reads
/// them: names in any case, values quoted.
fn parse_options(text: &str) -> Result<SignerOptions, String> {
    let mut o = SignerOptions::default();
    if text.is_empty() {
        return Ok(o);
    }
    for opt in split_options(text) {
        let (name, value) = match opt.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), Some(v)),
            None => (opt.to_ascii_lowercase(), None),
        };
        let quoted = |v: Option<&str>| -> Result<String, String> {
            let v = v.unwrap_or_default();
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_string)
                .ok_or_else(|| {
                    format!("the value of `{name}` must be quoted, as in {name}=\"...\"")
                })
        };
        match (name.as_str(), value) {
            ("cert-authority", None) => o.cert_authority = true,
            ("namespaces", v) => {
                if o.namespaces.is_some() {
                    return Err("more than one `namespaces` option".into());
                }
                o.namespaces = Some(
                    quoted(v)?
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect(),
                );
            }
            ("valid-after" | "valid-before", v) => {
                let text = quoted(v)?;
                let t = SignerTime::parse(&text).ok_or_else(|| {
                    format!("invalid `{name}` time \"{text}\": expected YYYYMMDD[HHMM[SS]], then Z for UTC")
                })?;
                let slot = if name == "valid-after" {
                    &mut o.valid_after
                } else {
                    &mut o.valid_before
                };
                if slot.is_some() {
                    return Err(format!("more than one `{name}` option"));
                }
                *slot = Some(t);
            }
            _ => {
                return Err(format!(
                    "unknown option `{opt}` (ssh-keygen refuses it too)"
                ))
            }
        }
    }
    if let (Some(a), Some(b)) = (&o.valid_after, &o.valid_before) {
        // Both in UTC, or both local: comparable as written.
        if a.utc == b.utc && b.naive <= a.naive {
            return Err(format!(
                "`valid-before` ({}) is not after `valid-after` ({})",
                b.text, a.text
            ));
        }
    }
    Ok(o)
}

fn is_key_type(s: &str) -> bool {
    s.starts_with("ssh-") || s.starts_with("ecdsa-") || s.starts_with("sk-")
}

/// Split on white space, keeping quoted runs together.
fn tokenize(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn split_options(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// OpenSSH's `match_pattern`: `*` and `?` wildcards.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

pub fn principal_matches(signer: &AllowedSigner, principal: &str) -> bool {
    pattern_list_matches(&signer.principals, principal)
}

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
        if let Some(ns) = &s.namespaces {
            if !pattern_list_matches(ns, NAMESPACE) {
                refused.push(format!(
                    "allowed_signers line {}: the key is not permitted for namespace `{NAMESPACE}` (namespaces=\"{}\")",
                    s.line,
                    ns.join(",")
                ));
                continue;
            }
        }
        if s.valid_after.is_some() || s.valid_before.is_some() {
            let Some(at) = at else {
                refused.push(format!(
                    "allowed_signers line {}: the key has a validity period, and the signing time is unknown",
                    s.line
                ));
                continue;
            };
            if let Some(after) = &s.valid_after {
                if after.instant(&at).is_none_or(|t| at < t) {
                    refused.push(format!(
                        "allowed_signers line {}: the key is not yet valid at {} (valid-after=\"{}\")",
                        s.line,
                        at.to_rfc3339(),
                        after.text
                    ));
                    continue;
                }
            }
            if let Some(before) = &s.valid_before {
                if before.instant(&at).is_none_or(|t| at > t) {
                    refused.push(format!(
                        "allowed_signers line {}: the key has expired at {} (valid-before=\"{}\")",
                        s.line,
                        at.to_rfc3339(),
                        before.text
                    ));
                    continue;
                }
            }
            if let Some(day) = release {
                // The release day, from its first to its last second.
                let first = day
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(*at.offset()).single());
                let last = day
                    .and_hms_opt(23, 59, 59)
                    .and_then(|t| t.and_local_timezone(*at.offset()).single());
                if let (Some(first), Some(last)) = (first, last) {
                    if let Some(before) = &s.valid_before {
                        if before.instant(&at).is_none_or(|t| t < first) {
                            refused.push(format!(
                                "allowed_signers line {}: the key has expired before the release date {day} (valid-before=\"{}\"); an approval cannot outlive its key, whatever its signed_at",
                                s.line, before.text
                            ));
                            continue;
                        }
                    }
                    if let Some(after) = &s.valid_after {
                        if after.instant(&at).is_none_or(|t| t > last) {
                            refused.push(format!(
                                "allowed_signers line {}: the key is not yet valid on the release date {day} (valid-after=\"{}\")",
                                s.line, after.text
                            ));
                            continue;
                        }
                    }
                }
            }
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

/// Whether an armored SSHSIG carries an OpenSSH certificate as its public
/// key (ssh-key does not read those, so look at the key's algorithm name).
fn made_with_certificate(armored: &str) -> bool {
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().chars())
        .collect();
    let mut bytes = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in body.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let needle = b"-cert-v01@openssh.com";
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// OpenSSH's `match_pattern_list`: comma-separated patterns, `!` negates.
fn pattern_list_matches(patterns: &[String], text: &str) -> bool {
    let mut matched = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if wildcard(neg, text) {
                return false;
            }
        } else if wildcard(p, text) {
            matched = true;
        }
    }
    matched
}

/// Sign `message` with an OpenSSH private key file, giving the armored
/// signature `ssh-keygen -Y sign -n relpack` would write.
pub fn sign_with_key(key_path: &Path, message: &[u8]) -> Result<String, String> {
    // ssh-key 0.6.7 refuses about half of all ECDSA P-521 private keys
    // ("length invalid": it wants the scalar zero-padded to 66 bytes, OpenSSH
    // writes it minimal). For a key it cannot read, ssh-keygen makes the
    // signature and relpack checks it; every other key signs in-process.
    let key = match PrivateKey::read_openssh_file(key_path) {
        Ok(key) => key,
        Err(e) => {
            return sign_with_ssh_keygen(key_path, None, message).map_err(|fallback| {
                format!(
                    "cannot read private key {}: {e}; {fallback}",
                    key_path.display()
                )
            });
        }
    };
    let key = if key.is_encrypted() {
        let pass = std::env::var("RELPACK_KEY_PASSPHRASE").map_err(|_| {
            "the key is encrypted: set RELPACK_KEY_PASSPHRASE (or use an unencrypted key)"
                .to_string()
        })?;
        key.decrypt(pass.as_bytes())
            .map_err(|e| format!("cannot decrypt key: {e}"))?
    } else {
        key
    };
    let sig = if key.algorithm().is_rsa() {
        sign_rsa(&key, message)?
    } else {
        key.sign(NAMESPACE, HashAlg::Sha512, message)
            .map_err(|e| format!("signing failed: {e}"))?
    };
    key.public_key()
        .verify(NAMESPACE, message, &sig)
        .map_err(|_| "the signature made does not verify with the key".to_string())?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| format!("cannot armor signature: {e}"))
}

/// RSA signatures made with the `rsa` crate (rsa-sha2-512, PKCS#1 v1.5 over
/// the SSHSIG signed data), since ssh-key 0.6.7's own RSA signing is broken.
fn sign_rsa(key: &PrivateKey, message: &[u8]) -> Result<SshSig, String> {
    use rsa::BigUint;
    use sha2::Digest;
    let ssh_key::private::KeypairData::Rsa(pair) = key.key_data() else {
        return Err("not an RSA key".into());
    };
    let int =
        |m: &ssh_key::Mpint| BigUint::from_bytes_be(m.as_positive_bytes().unwrap_or(m.as_bytes()));
    let private = rsa::RsaPrivateKey::from_components(
        int(&pair.public.n),
        int(&pair.public.e),
        int(&pair.private.d),
        vec![int(&pair.private.p), int(&pair.private.q)],
    )
    .map_err(|e| format!("bad RSA key: {e}"))?;
    let data = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, message)
        .map_err(|e| format!("signing failed: {e}"))?;
    let digest = sha2::Sha512::digest(&data);
    let raw = private
        .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), &digest)
        .map_err(|e| format!("RSA signing failed: {e}"))?;
    let signature = ssh_key::Signature::new(
        ssh_key::Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        raw,
    )
    .map_err(|e| format!("RSA signature: {e}"))?;
    SshSig::new(
        key.public_key().key_data().clone(),
        NAMESPACE,
        HashAlg::Sha512,
        signature,
    )
    .map_err(|e| format!("signing failed: {e}"))
}

/// `ssh-keygen -Y sign -n relpack -f KEY` over `message` (on stdin; the
/// signature comes back on stdout). ssh-keygen asks for an encrypted key's
/// passphrase itself, or uses the key from ssh-agent. The signature is
/// verified against the key's public half before it is returned.
fn sign_with_ssh_keygen(
    key_path: &Path,
    public: Option<&PublicKey>,
    message: &[u8],
) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", NAMESPACE, "-f"])
        .arg(key_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("signing with this key needs ssh-keygen (OpenSSH 8.1 or later), which did not run: {e}; or use an ed25519 or ECDSA P-256/P-384 key")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(message)
            .map_err(|e| format!("cannot pass the record to ssh-keygen: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("ssh-keygen failed: {e}"))?;
    if !out.status.success() {
        let mut reason = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if std::env::var_os("RELPACK_KEY_PASSPHRASE").is_some() {
            reason.push_str(
                " (RELPACK_KEY_PASSPHRASE is not used for P-521 keys: ssh-keygen asks for the passphrase, or add the key to ssh-agent)",
            );
        }
        return Err(format!("ssh-keygen -Y sign failed: {reason}"));
    }
    let armored =
        String::from_utf8(out.stdout).map_err(|_| "ssh-keygen wrote no signature".to_string())?;
    let sig = SshSig::from_pem(armored.trim())
        .map_err(|e| format!("ssh-keygen wrote no SSH signature: {e}"))?;
    let own = PublicKey::from(sig.public_key().clone());
    if public.is_some_and(|p| p.key_data() != sig.public_key()) {
        return Err("ssh-keygen signed with another key than the one given".into());
    }
    public
        .unwrap_or(&own)
        .verify(NAMESPACE, message, &sig)
        .map_err(|_| "the signature ssh-keygen made does not verify with the key".to_string())?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| format!("cannot armor signature: {e}"))
}

#[cfg(test)]
mod tests;
