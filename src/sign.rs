//! SSH signatures over approvals, as `ssh-keygen -Y sign -n relpack` makes
//! them and `ssh-keygen -Y verify -n relpack -I PRINCIPAL -f
//! allowed_signers` checks them, done in-process with ssh-key's SSHSIG.

use std::path::Path;

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The namespace every relpack signature is made in.
pub const NAMESPACE: &str = "relpack";

#[derive(Debug, Clone)]
pub struct AllowedSigner {
    pub principals: Vec<String>,
    pub namespaces: Option<Vec<String>>,
    pub cert_authority: bool,
    pub key: PublicKey,
    pub line: usize,
}

/// Parse git's / OpenSSH's allowed_signers format:
/// `principals [options] keytype base64 [comment]`.
pub fn parse_allowed_signers(text: &str) -> (Vec<AllowedSigner>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens = tokenize(line);
        if tokens.len() < 3 {
            errors.push(format!(
                "line {}: expected `principals [options] key`",
                n + 1
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
            errors.push(format!("line {}: no key", n + 1));
            continue;
        };
        let key = match PublicKey::from_openssh(&format!("{} {}", tokens[key_at], key_b64)) {
            Ok(k) => k,
            Err(e) => {
                errors.push(format!("line {}: bad key: {e}", n + 1));
                continue;
            }
        };
        let mut namespaces = None;
        let mut cert_authority = false;
        for opt in options.map(split_options).unwrap_or_default() {
            let (k, v) = opt.split_once('=').unwrap_or((opt.as_str(), ""));
            match k.to_ascii_lowercase().as_str() {
                "namespaces" => {
                    namespaces = Some(
                        v.trim_matches('"')
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .collect(),
                    )
                }
                "cert-authority" => cert_authority = true,
                _ => {}
            }
        }
        out.push(AllowedSigner {
            principals,
            namespaces,
            cert_authority,
            key,
            line: n + 1,
        });
    }
    (out, errors)
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

fn principal_matches(signer: &AllowedSigner, principal: &str) -> bool {
    let mut matched = false;
    for p in &signer.principals {
        if let Some(neg) = p.strip_prefix('!') {
            if wildcard(neg, principal) {
                return false;
            }
        } else if wildcard(p, principal) {
            matched = true;
        }
    }
    matched
}

/// Verify an armored signature over `message` for `principal`, as
/// `ssh-keygen -Y verify -n relpack` would. `Ok` carries the key's
/// fingerprint.
pub fn verify(
    message: &[u8],
    armored: &str,
    principal: &str,
    signers: &[AllowedSigner],
) -> Result<String, String> {
    let sig = SshSig::from_pem(armored.trim()).map_err(|e| format!("not an SSH signature: {e}"))?;
    if sig.namespace() != NAMESPACE {
        return Err(format!(
            "signature is for namespace `{}`, not `{NAMESPACE}`",
            sig.namespace()
        ));
    }
    let candidates: Vec<&AllowedSigner> = signers
        .iter()
        .filter(|s| !s.cert_authority && principal_matches(s, principal))
        .filter(|s| {
            s.namespaces
                .as_ref()
                .is_none_or(|ns| ns.iter().any(|n| wildcard(n, NAMESPACE)))
        })
        .collect();
    if candidates.is_empty() {
        return Err(format!(
            "principal `{principal}` is not in allowed_signers for namespace `{NAMESPACE}`"
        ));
    }
    let Some(signer) = candidates
        .iter()
        .find(|s| s.key.key_data() == sig.public_key())
    else {
        return Err(format!(
            "the signing key is not the key allowed_signers lists for `{principal}`"
        ));
    };
    signer.key.verify(NAMESPACE, message, &sig).map_err(|_| {
        "signature does not match the approval record (tampered or wrong key)".to_string()
    })?;
    Ok(signer.key.fingerprint(HashAlg::Sha256).to_string())
}

/// Sign `message` with an OpenSSH private key file, giving the armored
/// signature `ssh-keygen -Y sign -n relpack` would write.
pub fn sign_with_key(key_path: &Path, message: &[u8]) -> Result<String, String> {
    let key = PrivateKey::read_openssh_file(key_path)
        .map_err(|e| format!("cannot read private key {}: {e}", key_path.display()))?;
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
    let sig = key
        .sign(NAMESPACE, HashAlg::Sha512, message)
        .map_err(|e| format!("signing failed: {e}"))?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| format!("cannot armor signature: {e}"))
}
