//! What the guard looks for: secrets (after gitleaks' and detect-secrets'
//! rules) and protected health information (HIPAA Safe Harbor identifiers a
//! pattern can find, after Presidio's recognizers), plus the team's own
//! patterns from relpack.toml. All rules are compiled into one `RegexSet`
//! that decides in one pass which rules a string may hold; only those
//! rules then run to find where, and a rule's check (entropy, SSN ranges,
//! Luhn, VIN check digit, allowed domains) drops what is not real.

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::checks::{entropy, luhn, placeholder, valid_ssn, vin};
use crate::config::GuardConfig;

/// A secret is never published and never waived; PHI may be waived item
/// by item or allowed by fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Secret,
    Phi,
}

impl Class {
    pub fn word(self) -> &'static str {
        match self {
            Class::Secret => "secret",
            Class::Phi => "PHI",
        }
    }
}

/// What a rule's match must also satisfy.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Check {
    None,
    /// Shannon entropy of the value, bits per character, at least this.
    Entropy(f64),
    Ssn,
    Luhn,
    Vin,
    /// An address outside the allowed domains.
    Email,
    /// At least one digit (label rules whose value class also holds words).
    Digit,
    /// Not a placeholder (`****`, `${VAR}`, `<password>`).
    NotPlaceholder,
}

struct Builtin {
    kind: &'static str,
    class: Class,
    /// Capture group 1, where present, is the part that is flagged.
    pattern: &'static str,
    check: Check,
}

// Word boundaries are ASCII (`(?-u)` mode, set on the builder): Unicode
// boundaries would force the slow engine on any non-ASCII text.
const BUILTINS: &[Builtin] = &[
    // Secrets.
    Builtin {
        kind: "private key",
        class: Class::Secret,
        pattern: r"(?s)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|\z)",
        check: Check::None,
    },
    Builtin {
        kind: "AWS access key id",
        class: Class::Secret,
        pattern: r"\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        check: Check::None,
    },
    Builtin {
        kind: "AWS secret access key",
        class: Class::Secret,
        pattern: r#"(?i)\baws.{0,20}?(?:secret|private).{0,20}?[=:]\s{0,4}["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|\z)"#,
        check: Check::Entropy(3.0),
    },
    Builtin {
        kind: "GCP API key",
        class: Class::Secret,
        pattern: r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|\z)",
        check: Check::None,
    },
    Builtin {
        kind: "GCP OAuth client secret",
        class: Class::Secret,
        pattern: r"\b(GOCSPX-[0-9A-Za-z_-]{28})\b",
        check: Check::None,
    },
    Builtin {
        kind: "Azure storage account key",
        class: Class::Secret,
        pattern: r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)",
        check: Check::None,
    },
    Builtin {
        kind: "Azure AD client secret",
        class: Class::Secret,
        pattern: r"(?:^|[^A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|\z)",
        check: Check::None,
    },
    Builtin {
        kind: "GitHub token",
        class: Class::Secret,
        pattern: r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
        check: Check::None,
    },
    Builtin {
        kind: "GitLab token",
        class: Class::Secret,
        pattern: r"\b(gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,})",
        check: Check::None,
    },
    Builtin {
        kind: "Slack token",
        class: Class::Secret,
        pattern: r"\b(xox[abposr]-[A-Za-z0-9-]{10,})",
        check: Check::None,
    },
    Builtin {
        kind: "Slack webhook",
        class: Class::Secret,
        pattern: r"(https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/_-]{20,})",
        check: Check::None,
    },
    Builtin {
        kind: "Stripe key",
        class: Class::Secret,
        pattern: r"\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,})\b",
        check: Check::None,
    },
    Builtin {
        kind: "JSON web token",
        class: Class::Secret,
        pattern: r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})",
        check: Check::None,
    },
    Builtin {
        kind: "password in URL",
        class: Class::Secret,
        pattern: r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@]{1,100}:([^\s/@]{3,100})@[A-Za-z0-9.-]+",
        check: Check::NotPlaceholder,
    },
    Builtin {
        kind: "secret assignment",
        class: Class::Secret,
        pattern: r#"(?i)(?:secret|token|passwd|password|pwd|api[_-]?key|access[_-]?key|client[_-]?secret|auth[_-]?key)[A-Za-z0-9_.-]{0,20}["']?\s{0,3}(?:=|:|=>|:=)\s{0,3}["']?([A-Za-z0-9/+_.=~!@#$%^&*-]{16,})"#,
        check: Check::Entropy(3.5),
    },
    // Protected health information.
    Builtin {
        kind: "SSN",
        class: Class::Phi,
        pattern: r"\b(\d{3}-\d{2}-\d{4})\b",
        check: Check::Ssn,
    },
    Builtin {
        kind: "MRN",
        class: Class::Phi,
        pattern: r"(?i)\b(?:MRN|medical record(?: number| no\.?| #)?|patient (?:id|number|no\.?))\s{0,3}[:#=]?\s{0,3}(?:is\s+)?([A-Z]{0,4}-?\d{5,12})\b",
        check: Check::None,
    },
    Builtin {
        kind: "date of birth",
        class: Class::Phi,
        pattern: r"(?i)\b(?:DOB|D\.O\.B\.?|date of birth|birth ?date|born(?: on)?)\s{0,3}[:#=-]?\s{0,3}(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{4})",
        check: Check::None,
    },
    Builtin {
        kind: "phone number",
        class: Class::Phi,
        pattern: r"(?:^|[^0-9A-Za-z+(-])((?:\+1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4})\b",
        check: Check::None,
    },
    Builtin {
        kind: "phone number",
        class: Class::Phi,
        pattern: r"(?:^|[^0-9A-Za-z+])(\+(?:[2-9]\d{0,2})[ .-]\d{1,4}(?:[ .-]\d{2,4}){2,3})\b",
        check: Check::None,
    },
    Builtin {
        kind: "email address",
        class: Class::Phi,
        pattern: r"\b([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})\b",
        check: Check::Email,
    },
    Builtin {
        kind: "Medicare beneficiary id",
        class: Class::Phi,
        pattern: r"\b([1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}\d{2})\b",
        check: Check::None,
    },
    Builtin {
        kind: "health plan or account number",
        class: Class::Phi,
        pattern: r"(?i)\b(?:member id|beneficiary (?:id|number)|health ?plan (?:id|number|no\.?)|insurance (?:id|number|no\.?)|account (?:number|no\.?|#))\s{0,3}[:#=]?\s{0,3}([A-Z0-9-]{6,20})\b",
        check: Check::Digit,
    },
    Builtin {
        kind: "payment card number",
        class: Class::Phi,
        pattern: r"\b((?:4\d{3}|5[1-5]\d{2}|6011)(?:[ -]?\d{4}){3}|3[47]\d{2}[ -]?\d{6}[ -]?\d{5})\b",
        check: Check::Luhn,
    },
    Builtin {
        kind: "driver's license number",
        class: Class::Phi,
        pattern: r"(?i)\b(?:driver'?s? licen[cs]e|DL)\s{0,3}(?:no\.?|number|#)?\s{0,3}[:#=]?\s{0,3}([A-Z0-9-]{5,15})\b",
        check: Check::Digit,
    },
    Builtin {
        kind: "vehicle identification number",
        class: Class::Phi,
        pattern: r"\b([A-HJ-NPR-Z0-9]{17})\b",
        check: Check::Vin,
    },
    Builtin {
        kind: "IP address",
        class: Class::Phi,
        pattern: r"(?i)\b(?:IP|IPv4|IP address|host address)\s{0,3}[:=]?\s{0,3}((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})\b",
        check: Check::None,
    },
    Builtin {
        kind: "street address",
        class: Class::Phi,
        pattern: r"\b(\d{1,5} (?:[A-Z][a-z]+ ){1,3}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Terrace|Parkway)\b)",
        check: Check::None,
    },
    Builtin {
        kind: "patient name",
        class: Class::Phi,
        pattern: r"(?:(?i:patient(?: name)?|pt name)\s{0,3}[:=]\s{0,3})([A-Z][a-z]+(?: [A-Z]\.?)?(?: [A-Z][a-z]+(?:-[A-Z][a-z]+)?)+)",
        check: Check::None,
    },
];

/// Domains that are never anyone's: RFC 2606 and RFC 6761 names.
const RESERVED_DOMAINS: &[&str] = &[
    "example",
    "example.com",
    "example.net",
    "example.org",
    "test",
    "invalid",
    "localhost",
];

/// One rule, compiled.
pub struct Rule {
    pub kind: String,
    pub class: Class,
    regex: Regex,
    check: Check,
}

/// Every rule, and the set that picks the ones worth running.
pub struct Rules {
    set: RegexSet,
    rules: Vec<Rule>,
    allowed_domains: Vec<String>,
}

/// One match: the bytes flagged and the rule that flagged them.
#[derive(Debug, Clone)]
pub struct Match {
    pub rule: usize,
    pub range: std::ops::Range<usize>,
}

fn compile(pattern: &str, unicode: bool) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(unicode)
        .size_limit(1 << 24)
        .build()
}

impl Rules {
    /// The built-in rules and the team's patterns; a team pattern that does
    /// not compile is an error naming it.
    pub fn new(config: &GuardConfig) -> Result<Rules, String> {
        let mut rules = Vec::new();
        let mut patterns = Vec::new();
        for b in BUILTINS {
            rules.push(Rule {
                kind: b.kind.to_string(),
                class: b.class,
                regex: compile(b.pattern, false).map_err(|e| format!("{}: {e}", b.kind))?,
                check: b.check,
            });
            patterns.push((b.pattern.to_string(), false));
        }
        for p in &config.patterns {
            let regex = compile(&p.regex, true).map_err(|e| {
                format!(
                    "[[guard.patterns]] `{}`: not a regular expression: {e}",
                    p.name
                )
            })?;
            rules.push(Rule {
                kind: p.name.clone(),
                class: if p.secret { Class::Secret } else { Class::Phi },
                regex,
                check: Check::None,
            });
            patterns.push((p.regex.clone(), true));
        }
        // The set is built from the same patterns; team patterns keep their
        // Unicode meaning inside a `(?u:...)` group.
        let set = RegexSetBuilder::new(patterns.iter().map(|(p, u)| {
            if *u {
                format!("(?u:{p})")
            } else {
                p.clone()
            }
        }))
        .unicode(false)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 26)
        .build()
        .map_err(|e| format!("the guard's rules: {e}"))?;
        let allowed_domains = config
            .allowed_email_domains
            .iter()
            .map(|d| d.trim_start_matches('@').to_ascii_lowercase())
            .collect();
        Ok(Rules {
            set,
            rules,
            allowed_domains,
        })
    }

    pub fn rule(&self, i: usize) -> &Rule {
        &self.rules[i]
    }

    /// Every flagged part of `text`, in order.
    pub fn find(&self, text: &str) -> Vec<Match> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        if !self.set.is_match(bytes) {
            return out;
        }
        for i in self.set.matches(bytes).iter() {
            let rule = &self.rules[i];
            for caps in rule.regex.captures_iter(bytes) {
                let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                    continue;
                };
                // Never cut a character in two (a team pattern may match
                // bytes inside one).
                if !text.is_char_boundary(m.start()) || !text.is_char_boundary(m.end()) {
                    continue;
                }
                let value = &text[m.start()..m.end()];
                if !value.is_empty() && self.passes(rule.check, value) {
                    out.push(Match {
                        rule: i,
                        range: m.start()..m.end(),
                    });
                }
            }
        }
        out.sort_by_key(|m| (m.range.start, m.range.end, m.rule));
        self.one_per_place(out)
    }

    /// Overlapping matches name one thing: a secret wins over PHI (the
    /// password of `user:pass@host` is no email address), else the first
    /// rule (an AWS secret key is also a secret assignment).
    fn one_per_place(&self, sorted: Vec<Match>) -> Vec<Match> {
        let mut kept: Vec<Match> = Vec::with_capacity(sorted.len());
        for m in sorted {
            let Some(last) = kept.last_mut() else {
                kept.push(m);
                continue;
            };
            if m.range.start >= last.range.end {
                kept.push(m);
            } else if self.rules[m.rule].class == Class::Secret
                && self.rules[last.rule].class == Class::Phi
            {
                *last = m;
            }
        }
        kept
    }

    fn passes(&self, check: Check, value: &str) -> bool {
        match check {
            Check::None => true,
            Check::Entropy(min) => entropy(value) >= min,
            Check::Ssn => valid_ssn(value),
            Check::Luhn => luhn(value),
            Check::Vin => vin(value),
            Check::Email => !self.email_allowed(value),
            Check::Digit => value.bytes().any(|b| b.is_ascii_digit()),
            Check::NotPlaceholder => !placeholder(value),
        }
    }

    fn email_allowed(&self, address: &str) -> bool {
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        let under = |d: &str| domain == d || domain.ends_with(&format!(".{d}"));
        RESERVED_DOMAINS.iter().any(|d| under(d)) || self.allowed_domains.iter().any(|d| under(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::new(&GuardConfig {
            allowed_email_domains: vec!["acme.com".into()],
            ..GuardConfig::default()
        })
        .unwrap()
    }

    fn kinds(text: &str) -> Vec<String> {
        let r = rules();
        r.find(text)
            .into_iter()
            .map(|m| r.rule(m.rule).kind.clone())
            .collect()
    }

    #[test]
    fn finds_phi() {
        assert_eq!(kinds("SSN 123-45-6789, MRN 00412345"), ["SSN", "MRN"]);
        assert_eq!(kinds("test_patient[John Q. Public-123-45-6789]"), ["SSN"]);
        assert_eq!(kinds("DOB: 03/14/1962"), ["date of birth"]);
        assert_eq!(kinds("call (617) 555-0134 now"), ["phone number"]);
        assert_eq!(kinds("mail jane.doe@gmail.com"), ["email address"]);
        assert_eq!(kinds("Patient: John Q. Public"), ["patient name"]);
        assert_eq!(kinds("card 4111 1111 1111 1111"), ["payment card number"]);
        assert_eq!(
            kinds("VIN 1M8GDM9AXKP042788"),
            ["vehicle identification number"]
        );
        assert_eq!(kinds("lives at 12 Elm Street"), ["street address"]);
    }

    #[test]
    fn leaves_ordinary_text() {
        for text in [
            "Release 1.2.3.4 on 2026-01-15, REQ-123-45 passes",
            "qa@acme.com and dana@acme.example sign",
            "SSN 000-12-3456 and 987-65-4321 are never issued",
            "the session token expires after 15 minutes",
            "password: ********",
            "sha256:0041234500412345004123450041234500412345004123450041234500412345",
            "4111 1111 1111 1112",
        ] {
            assert_eq!(kinds(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn finds_secrets() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
        assert_eq!(kinds(key), ["private key"]);
        assert_eq!(kinds("id AKIAIOSFODNN7EXAMPLE"), ["AWS access key id"]);
        assert!(
            kinds("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
                .contains(&"AWS secret access key".to_string())
        );
        assert_eq!(
            kinds("token ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            ["GitHub token"]
        );
        assert_eq!(kinds("glpat-abcdefghij0123456789"), ["GitLab token"]);
        assert_eq!(kinds("xoxb-1234567890-abcdefghij"), ["Slack token"]);
        assert_eq!(
            kinds("postgres://admin:S3cr3tPassw0rd@db.internal:5432/x"),
            ["password in URL"]
        );
        assert_eq!(
            kinds("api_key = \"q8Zr2LmX0pT7vB4nK9sD1fG6\""),
            ["secret assignment"]
        );
    }

    #[test]
    fn team_patterns_and_their_errors() {
        let cfg = GuardConfig {
            patterns: vec![crate::config::GuardPattern {
                name: "ACME patient".into(),
                regex: r"ACME-P\d{6}".into(),
                secret: false,
            }],
            ..GuardConfig::default()
        };
        let r = Rules::new(&cfg).unwrap();
        let found = r.find("see ACME-P123456");
        assert_eq!(r.rule(found[0].rule).kind, "ACME patient");
        let bad = GuardConfig {
            patterns: vec![crate::config::GuardPattern {
                name: "broken".into(),
                regex: "(".into(),
                secret: false,
            }],
            ..GuardConfig::default()
        };
        assert!(Rules::new(&bad).err().unwrap().contains("`broken`"));
    }
}
