//! The guard: secrets and protected health information in anything relpack
//! would publish. Runs after link, before the gates: its hits are the
//! findings of the `phi` gate, and its `Redactor` replaces every flagged
//! text in the packet model (src/model/), whatever the gate decides. A hit
//! says where and what kind of data, never the data: the text itself stays
//! inside this module and the redactor.

mod checks;
pub mod redact;
pub mod rules;
pub mod scan;

use sha2::{Digest, Sha256};

use crate::config::GuardConfig;
use crate::evidence::Evidence;
pub use redact::Redactor;
pub use rules::{Class, Rules};
use scan::{line_col, line_start, locate_in, Locator, Raw};

/// One flagged text, located.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The kind of data: "SSN", "private key", a team pattern's name.
    pub kind: String,
    pub class: Class,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The items it belongs to (a deviation naming them may waive PHI).
    pub items: Vec<String>,
    /// Where, in words: "anomaly ANOM-7, field `text`".
    pub place: String,
    /// Its fingerprint is in `[guard] allow`: known synthetic data, neither
    /// a finding nor redacted.
    pub allowed: bool,
}

/// What the guard found, and how to take it out of the packet.
#[derive(Default)]
pub struct Scan {
    pub hits: Vec<Hit>,
    pub redactor: Redactor,
}

/// `sha256:<hex>` of the exact text flagged: what `[guard] allow` lists.
pub fn fingerprint(text: &str) -> String {
    format!("sha256:{:x}", Sha256::digest(text.as_bytes()))
}

/// Check `[guard]` (for relpack.toml's diagnostics): the team's patterns
/// compile, and `allow` holds fingerprints, not text (a pasted SSN there
/// would be a leak of its own).
pub fn check_config(config: &GuardConfig) -> Result<(), String> {
    for (n, a) in config.allow.iter().enumerate() {
        let hex = a.trim().strip_prefix("sha256:").unwrap_or(a.trim());
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "[guard] allow: entry {} is not a fingerprint: give `sha256:` and the 64 hex digits of the SHA-256 of the text, never the text",
                n + 1
            ));
        }
    }
    Rules::new(config).map(|_| ())
}

/// Scan the evidence. `Err` only for a team pattern that does not compile
/// (checked when relpack.toml was read).
pub fn scan(ev: &Evidence) -> Result<Scan, String> {
    let rules = Rules::new(&ev.config.guard)?;
    let allow: Vec<String> = ev
        .config
        .guard
        .allow
        .iter()
        .map(|a| {
            let a = a.trim().to_ascii_lowercase();
            if a.starts_with("sha256:") {
                a
            } else {
                format!("sha256:{a}")
            }
        })
        .collect();
    let raws = scan::scan_evidence(&rules, ev);
    let mut hits = Vec::with_capacity(raws.len());
    let mut flagged = Vec::new();
    for r in raws {
        let rule = rules.rule(r.rule);
        let allowed = rule.class == rules::Class::Phi && allow.contains(&fingerprint(&r.text));
        let (file, line, column) = locate(ev, &r);
        hits.push(Hit {
            kind: rule.kind.clone(),
            class: rule.class,
            file,
            line,
            column,
            items: r.items,
            place: r.place,
            allowed,
        });
        if !allowed {
            flagged.push((r.text, rule.kind.clone()));
        }
    }
    hits.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.kind).cmp(&(&b.file, b.line, b.column, &b.kind))
    });
    hits.dedup_by(|a, b| {
        (&a.file, a.line, a.column, &a.kind, &a.items)
            == (&b.file, b.line, b.column, &b.kind, &b.items)
    });
    Ok(Scan {
        hits,
        redactor: Redactor::new(flagged),
    })
}

fn locate(ev: &Evidence, r: &Raw) -> (String, usize, usize) {
    match &r.at {
        Locator::Source { file, start, end } => {
            let text = &ev.sources.get(*file).text;
            // Within the value's span; else after it (a BOM component's
            // span is its start only); else the value's start (escapes).
            let at = locate_in(text, *start, *end, &r.text)
                .or_else(|| locate_in(text, *start, None, &r.text))
                .unwrap_or(*start);
            let (line, col) = ev.sources.line_col(*file, at);
            (ev.sources.path(*file).to_string(), line, col)
        }
        Locator::Text { path, text, line } => {
            let from = line_start(text, *line);
            match locate_in(text, from, None, &r.text) {
                Some(at) => {
                    let (l, c) = line_col(text, at);
                    (path.clone(), l, c)
                }
                None => (path.clone(), *line, 1),
            }
        }
        Locator::Exact { path, line, column } => (path.clone(), *line, *column),
    }
}
