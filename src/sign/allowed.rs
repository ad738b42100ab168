//! allowed_signers, read as OpenSSH reads it (ssh-keygen(1), "ALLOWED
//! SIGNERS"): principals, options (namespaces, valid-after, valid-before,
//! cert-authority) and a public key per line.

use chrono::{DateTime, FixedOffset};
use ssh_key::PublicKey;

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

/// OpenSSH's `match_pattern_list`: comma-separated patterns, `!` negates.
pub(super) fn pattern_list_matches(patterns: &[String], text: &str) -> bool {
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

/// The allowed signers, and problems reading them (approval findings).
pub fn load_allowed_signers(
    ev: &crate::evidence::Evidence,
) -> (Vec<AllowedSigner>, Vec<SignersProblem>) {
    let Some(rel) = &ev.config.gates.allowed_signers else {
        return (Vec::new(), Vec::new());
    };
    let bytes = match ev.fsroot.read(rel, crate::fsroot::FileRole::AllowedSigners) {
        Ok(b) => b,
        Err(e) => return (Vec::new(), vec![SignersProblem::whole_file(e.to_string())]),
    };
    match String::from_utf8(bytes) {
        Ok(text) => parse_allowed_signers(&text),
        Err(_) => (
            Vec::new(),
            vec![SignersProblem::whole_file(format!(
                "{rel}: not valid UTF-8"
            ))],
        ),
    }
}
