//! `relpack.toml`: the product, the release and the policy. Read first,
//! because its `exclude` globs shape discovery. Every problem in it is
//! reported at once, with hints (`diagnose.rs`).

mod diagnose;
mod risk;

pub use risk::{Risk, ScaleLevel};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, FileId};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub exclude: Vec<String>,
    pub product: Product,
    #[serde(default)]
    pub release: Release,
    #[serde(default)]
    pub packet: PacketConfig,
    #[serde(default)]
    pub risk: Risk,
    #[serde(default)]
    pub gates: Gates,
    #[serde(default)]
    pub trace: TraceConfig,
    /// Fields of the team's own, by kind: `[fields] requirement = ["jira"]`.
    /// Declared fields are not warned about as unknown.
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub check: CheckConfig,
    #[serde(default)]
    pub guard: GuardConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub cache: CacheConfig,
}

/// `[cache]`: where `check` (and `build`, instead of OUT) keeps the parse
/// results of evidence files by their content hash.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Relative to the evidence root; must lie outside it.
    pub folder: Option<String>,
}

/// `[check]`: which warnings fail `check` and `build` (exit 2), as
/// `--deny-warnings` does for all of them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    #[serde(default)]
    pub deny: Vec<Deny>,
}

/// A kind of warning `[check] deny` turns into an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Deny {
    /// A field no schema defines and relpack.toml does not declare.
    #[serde(rename = "unknown-field")]
    UnknownField,
    /// Every warning.
    #[serde(rename = "warnings")]
    Warnings,
}

impl CheckConfig {
    /// Whether this code is denied by name (not only as one of all warnings).
    pub fn denies_code(&self, code: &str) -> bool {
        self.deny
            .iter()
            .any(|d| matches!(d, Deny::UnknownField) && code == "unknown-field")
    }

    /// Whether a warning with this code (`unknown-field`) fails the check.
    pub fn denies(&self, code: Option<&str>) -> bool {
        self.deny.iter().any(|d| match d {
            Deny::Warnings => true,
            Deny::UnknownField => code == Some("unknown-field"),
        })
    }
}

/// `[trace]`: source files searched for trace markers (src/markers.rs).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceConfig {
    /// Globs relative to the evidence root, e.g. `src/**/*.rs`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// The repository's web address (`https://github.com/org/repo`): a
    /// marker links to `<web_url>/blob/<commit>/<path>#L<line>`.
    pub web_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub id: Option<String>,
    pub manufacturer: Option<String>,
    #[serde(default = "default_class")]
    pub safety_class: SafetyClass,
    pub documentation_level: Option<DocumentationLevel>,
    /// Why this documentation level (FDA's documentation level evaluation).
    pub documentation_level_rationale: Option<String>,
}

fn default_class() -> SafetyClass {
    // IEC 62304 says to assume class C until a class is assigned.
    SafetyClass::C
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
pub enum SafetyClass {
    A,
    B,
    C,
}

impl SafetyClass {
    pub fn parse(s: &str) -> Option<SafetyClass> {
        s.parse().ok()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentationLevel {
    Basic,
    Enhanced,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub version: Option<String>,
    pub date: Option<toml::value::Datetime>,
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketConfig {
    #[serde(default)]
    pub paper: Paper,
    #[serde(default)]
    pub fonts: Vec<String>,
    /// Hosts whose images the site may load; other remote images are shown
    /// as links, and the pages' Content-Security-Policy names only these.
    #[serde(default)]
    pub remote_images: Vec<ImageHost>,
}

/// A host name (with an optional port) whose images the site may load.
/// Only letters, digits, `-`, `.` and `:port`: it is written into the
/// pages' Content-Security-Policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ImageHost(pub String);

impl TryFrom<String> for ImageHost {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        let (host, port) = match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s.as_str(), None),
        };
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        let port_ok = port
            .is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
        if host.split('.').all(label_ok) && port_ok {
            Ok(ImageHost(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "`{s}` is not a host name: give the host only, such as \"img.example.com\" (no scheme, path or wildcard)"
            ))
        }
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Paper {
    #[default]
    A4,
    UsLetter,
}

impl Paper {
    /// Its name, as relpack.toml and typst both spell it.
    pub fn typst_name(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum AnomalySeverity {
    Cosmetic,
    Minor,
    Major,
    Critical,
}

impl AnomalySeverity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gates {
    #[serde(default)]
    pub approvals: Vec<String>,
    #[serde(default = "default_min_approvals")]
    pub min_approvals: BTreeMap<SafetyClass, u32>,
    #[serde(default = "default_max_open")]
    pub max_open_anomaly: AnomalySeverity,
    #[serde(default)]
    pub require_signatures: bool,
    pub allowed_signers: Option<String>,
    /// Safety classes whose requirements need an `implements` marker in
    /// the sources; one without is a gap in the trace matrix.
    #[serde(default)]
    pub require_implementation: Vec<SafetyClass>,
    /// Missing regulatory index elements fail the `regulatory-index` gate
    /// (else they are warnings).
    #[serde(default)]
    pub regulatory_index: bool,
}

fn default_min_approvals() -> BTreeMap<SafetyClass, u32> {
    [
        (SafetyClass::A, 1),
        (SafetyClass::B, 1),
        (SafetyClass::C, 1),
    ]
    .into_iter()
    .collect()
}

fn default_max_open() -> AnomalySeverity {
    AnomalySeverity::Minor
}

impl Default for Gates {
    fn default() -> Self {
        Gates {
            approvals: Vec::new(),
            min_approvals: default_min_approvals(),
            max_open_anomaly: default_max_open(),
            require_signatures: false,
            allowed_signers: None,
            require_implementation: Vec::new(),
            regulatory_index: false,
        }
    }
}

impl Config {
    /// Parse `relpack.toml`; problems come back all at once, each a
    /// diagnostic pointing at the offending key or value, with a hint where
    /// one is likely (a quoted date, a misspelled key).
    pub fn parse(text: &str, file: FileId) -> Result<Config, Vec<Diagnostic>> {
        let parsed = toml::from_str::<Config>(text);
        let mut diags = diagnose::problems(text, file, parsed.is_err());
        match parsed {
            Ok(config) => {
                if diags.is_empty() {
                    Ok(config)
                } else {
                    Err(diags)
                }
            }
            Err(e) => {
                let span = e.span();
                // serde stops at its first problem, which the walk above
                // has usually found too, in better words.
                let known = span.as_ref().is_some_and(|s| {
                    diags
                        .iter()
                        .any(|d| d.span.as_ref().is_some_and(|ds| ds.start == s.start))
                });
                if !known {
                    let d =
                        Diagnostic::error(format!("relpack.toml: {}", e.message())).in_file(file);
                    diags.push(match span {
                        Some(span) => d.at(file, span),
                        None => d,
                    });
                }
                diags.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
                Err(diags)
            }
        }
    }

    /// The name used for the release folder and file names.
    pub fn product_slug(&self) -> String {
        let raw = self.product.id.as_deref().unwrap_or(&self.product.name);
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }
}

/// `[guard]`: what the `phi` gate may let through (docs/guide.md, "Secrets
/// and patient data").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    /// Email domains that are the team's own (and their subdomains).
    #[serde(default)]
    pub allowed_email_domains: Vec<String>,
    /// Fingerprints of known synthetic data: `sha256:<hex>` of the exact
    /// text flagged, never the text.
    #[serde(default)]
    pub allow: Vec<String>,
    /// The team's own patterns.
    #[serde(default)]
    pub patterns: Vec<GuardPattern>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardPattern {
    /// The kind of data, as findings and the packet name it.
    pub name: String,
    /// A regular expression (Rust `regex` syntax); capture group 1, where
    /// present, is the part flagged.
    pub regex: String,
    /// A secret: never waivable.
    #[serde(default)]
    pub secret: bool,
}

/// `[policy]`: Rego policies (docs/policies.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Files or folders of `.rego` files, relative to the evidence root.
    #[serde(default = "default_policy_paths")]
    pub paths: Vec<String>,
    /// The packages whose `deny` and `warn` rules count.
    #[serde(default = "default_policy_packages")]
    pub packages: Vec<String>,
}

fn default_policy_paths() -> Vec<String> {
    vec!["policies".into()]
}

fn default_policy_packages() -> Vec<String> {
    vec!["main".into()]
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            paths: default_policy_paths(),
            packages: default_policy_packages(),
        }
    }
}

/// The span of a value of relpack.toml by its keys (`0..0` when absent).
pub fn span_of(text: &str, keys: &[&str]) -> std::ops::Range<usize> {
    let (doc, _) = toml::de::DeTable::parse_recoverable(text);
    let mut span = 0..0;
    let mut table = doc.get_ref();
    for key in keys {
        let Some(value) = table.get(*key) else { break };
        span = value.span();
        match value.get_ref() {
            toml::de::DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    span
}
