//! Stage 6, model: the packet, the only thing renderers see. Built once
//! from the checked evidence, one builder per section (items.rs,
//! verification.rs, trace.rs, risk.rs, records.rs); serialized as-is it is
//! `packet.json`. Every fact it shows was decided by the gate stage
//! (verdict.rs, results.rs, gate/): the model copies, it never decides.

mod figures;
mod items;
pub mod json;
mod measures;
mod records;
mod redact;
mod risk;
mod trace;
mod verification;

use std::collections::BTreeMap;

use crate::fasthash::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::changes::ChangeSet;
use crate::gate::{ApprovalCheck, GateOutcome};
use crate::git::{GitInfo, TracedCommit};
use crate::item::Kind;
use crate::results::{Outcome, Run};
use crate::stages::Checked;

pub use figures::FigureEntry;
pub use risk::{MatrixCell, RiskContext, RiskMatrix};

/// packet.json's `format`: defined where packets are read back.
pub const FORMAT: &str = crate::packet_file::FORMAT;

#[derive(Debug, Clone, Serialize)]
pub struct Packet {
    pub format: String,
    pub status: String,
    pub generator: Generator,
    pub product: Product,
    pub release: Release,
    pub gates: Vec<GateOutcome>,
    #[serde(serialize_with = "json::long_list")]
    pub items: Vec<PacketItem>,
    /// Every test's runs, in the order of the tests: one list in
    /// packet.json, shared here with the tests' rows.
    #[serde(serialize_with = "json::long_runs")]
    pub results: Vec<std::sync::Arc<Vec<Run>>>,
    #[serde(serialize_with = "json::long_list")]
    pub requirements: Vec<RequirementRow>,
    pub hazards: Vec<HazardRow>,
    /// Section 6's context: scales, acceptability rule, conclusion, matrix.
    pub risk: RiskContext,
    #[serde(serialize_with = "json::long_list")]
    pub tests: Vec<TestRow>,
    pub verification: Verification,
    pub documents: Vec<String>,
    pub changes: Changes,
    pub anomalies: Vec<AnomalyRow>,
    pub deviations: Vec<DeviationRow>,
    pub soup: Vec<SoupRow>,
    pub approvals: Vec<ApprovalCheck>,
    pub evidence: Vec<EvidenceEntry>,
    /// The team's Rego policies: evidence, in the release digest.
    pub policies: Vec<PolicyEntry>,
    /// FDA documentation elements and IEC 62304 deliverables, and where
    /// the packet provides each (`gate/regulatory.rs`).
    pub regulatory_index: crate::gate::regulatory::RegulatoryIndex,
    /// The figures of item texts, copied into `attachments/` (images of
    /// attachments shown by Markdown).
    pub figures: Vec<FigureEntry>,
    /// Earlier releases of the product (`release.previous`, then each
    /// packet's own pointer, and OUT), newest first.
    pub history: crate::history::History,
    /// This release's figures for tracking over releases.
    pub measures: crate::packet_file::SummaryMeasures,
    /// Index of `items` by id, for [`Packet::item`]: renderers look up
    /// every word of every text that could be an id (a million lookups at
    /// 100k items). Not part of packet.json.
    #[serde(skip)]
    pub by_id: HashMap<String, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyEntry {
    pub path: String,
    pub package: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub name: String,
    pub id: Option<String>,
    pub manufacturer: Option<String>,
    pub version: String,
    /// The highest class in the release (the product's where none is higher).
    pub safety_class: String,
    pub documentation_level: Option<String>,
    pub documentation_level_rationale: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub version: String,
    pub date: String,
    pub digest: String,
    /// RELEASABLE or NOT RELEASABLE, for people.
    pub status_label: String,
    pub source: Option<Source>,
    pub paper: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub commit: String,
    pub tag: Option<String>,
    pub dirty: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PacketItem {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub digest: String,
    pub file: String,
    pub line: usize,
    /// The evidence item's own fields, shared with it (see `item.rs`).
    pub fields: std::sync::Arc<Map<String, Value>>,
    /// Items that link to this one, by relation (`verified_by`, ...).
    pub referenced_by: BTreeMap<String, Vec<String>>,
    pub attachments: Vec<String>,
    /// Each attachment as written -> `sha256:<hex>`: part of the digest's
    /// canonical form, so `verify` can recompute it from packet.json.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub attachment_digests: Map<String, Value>,
    /// Some text of its fields was redacted (secrets, PHI): its digest is
    /// of the evidence as written, not of the fields shown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// One release packet found in OUT, for OUT's list of releases.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseEntry {
    pub folder: String,
    pub product: String,
    pub version: String,
    pub date: String,
    pub status: String,
    pub status_label: String,
    /// Its `measures` (null for packets made before relpack counted them).
    pub measures: Option<crate::packet_file::SummaryMeasures>,
}

impl Packet {
    /// What OUT's list of releases shows of this packet: the fields of
    /// packet.json that `packet_file::summary` reads back, taken from the
    /// model instead (a test holds the two equal).
    pub fn summary(&self) -> crate::packet_file::Summary {
        use crate::packet_file::{Summary, SummaryProduct, SummaryRelease};
        Summary {
            status: self.status.clone(),
            product: SummaryProduct {
                name: self.product.name.clone(),
            },
            release: SummaryRelease {
                version: self.release.version.clone(),
                date: self.release.date.clone(),
                status_label: self.release.status_label.clone(),
            },
            measures: Some(self.measures.clone()),
        }
    }
}

/// The runs of each test, one after the other.
fn all_runs(results: &[std::sync::Arc<Vec<Run>>]) -> impl Iterator<Item = &Run> {
    results.iter().flat_map(|runs| runs.iter())
}

impl PacketItem {
    /// Its Markdown text (a Markdown item's body), if it has one.
    pub fn text(&self) -> Option<&str> {
        self.fields.get("text").and_then(Value::as_str)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TestRef {
    pub id: String,
    pub outcome: Option<Outcome>,
    pub suspect: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseRef {
    pub name: String,
    pub outcome: Outcome,
    pub source: String,
}

/// A trace marker naming an item: where it is, what it says, and a link to
/// the line at the built commit where `[trace] web_url` is set.
#[derive(Debug, Clone, Serialize)]
pub struct CodeRef {
    pub path: String,
    pub line: usize,
    /// `implements` or `verifies`.
    pub verb: &'static str,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequirementRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub safety_class: String,
    pub derives_from: Vec<String>,
    /// Needs reached through `derives_from`, transitively.
    pub needs: Vec<String>,
    pub hazards: Vec<String>,
    pub tests: Vec<TestRef>,
    /// JUnit cases verifying it by their own `verifies` property.
    pub cases: Vec<CaseRef>,
    pub soup: Vec<String>,
    /// The latest run among its tests: outcome, when, from which file.
    pub latest: Option<Run>,
    /// Verified: at least one test, every test's latest result pass, none
    /// suspect (the rule hazard-controlled applies to a control).
    pub verified: bool,
    /// What is missing in the trace: no need, no test, no result, not passed.
    pub gaps: Vec<String>,
    /// Trace markers in the sources naming it (`[trace] sources`).
    pub code: Vec<CodeRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardControl {
    pub id: String,
    pub verified: bool,
    /// Its risk control option (ISO 14971 7.1), where the hazard says.
    pub control_type: Option<crate::kinds::ControlType>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardRow {
    pub id: String,
    pub title: String,
    pub situation: Option<String>,
    pub harm: String,
    pub severity: i64,
    pub probability: i64,
    pub residual_severity: i64,
    pub residual_probability: i64,
    pub score: i64,
    pub residual_score: i64,
    pub acceptable: bool,
    /// Not acceptable, but justified by a benefit-risk analysis.
    pub justified: bool,
    pub benefit_risk: Option<String>,
    pub controls: Vec<HazardControl>,
    pub suspect: Option<String>,
    /// What hazard-controlled asks: controls, all verified, not suspect,
    /// acceptable or justified.
    pub controlled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestRow {
    pub id: String,
    pub title: String,
    pub method: String,
    pub verifies: Vec<String>,
    /// The expected result (the procedure is the item's text).
    pub expected: Option<String>,
    pub outcome: Option<Outcome>,
    pub suspect: Option<String>,
    pub runs: std::sync::Arc<Vec<Run>>,
}

/// A JUnit case that verifies requirements by its own `verifies` property.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyCase {
    pub name: String,
    pub outcome: Outcome,
    pub source: String,
    pub line: u32,
    pub executed_at: Option<String>,
    /// The requirements its property names.
    pub verifies: Vec<String>,
    /// Tests that also bind it (by pattern or `test` property).
    pub tests: Vec<String>,
}

/// The requirements by verification, as `verdict.rs` decided.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RequirementCounts {
    /// Not obsolete.
    pub total: usize,
    pub verified: usize,
    pub not_verified: usize,
    /// Verified by at least one test item.
    pub by_tests: usize,
    /// Verified by at least one JUnit case's `verifies` property.
    pub by_cases: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnboundCase {
    pub name: String,
    pub outcome: Outcome,
    pub source: String,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub by_outcome: BTreeMap<String, usize>,
    pub by_method: BTreeMap<String, usize>,
    pub unbound: Vec<UnboundCase>,
    /// JUnit cases verifying requirements by their `verifies` property.
    pub by_property: Vec<PropertyCase>,
    /// Requirements verified, and through what.
    pub requirements: RequirementCounts,
    pub junit_files: Vec<JunitSummary>,
    /// Source files holding trace markers, with their SHA-256: part of the
    /// release digest, as JUnit files are.
    pub source_files: Vec<crate::markers::SourceFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JunitSummary {
    pub path: String,
    pub sha256: String,
    pub cases: usize,
    pub failed: usize,
    pub skipped: usize,
    pub flaky: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub records: Vec<String>,
    pub commits: Vec<TracedCommit>,
    pub since_previous: Option<ChangeSet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnomalyRow {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub affects: Vec<String>,
    pub rationale: Option<String>,
    /// On safety and effectiveness.
    pub impact: Option<String>,
    pub correction_plan: Option<String>,
    pub due: Option<String>,
    /// Deferred and due before the release date (`verdict`).
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviationRow {
    pub id: String,
    pub waives: String,
    pub items: Vec<String>,
    pub owner: String,
    pub reason: String,
    pub expires: String,
    pub in_use: bool,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SoupRow {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub supplier: Option<String>,
    pub purpose: Option<String>,
    /// How the component's published anomaly lists were reviewed.
    pub known_anomalies_reviewed: Option<String>,
    pub licenses: Vec<String>,
    pub purl: Option<String>,
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub items: Vec<String>,
}

impl Packet {
    pub fn build(c: &Checked, changes: Option<ChangeSet>) -> Packet {
        let ev = &c.evidence;
        // The three big sections are independent: built side by side.
        let (items, ((results, tests, by_method, by_outcome), requirements)) = rayon::join(
            || items::items(c),
            || rayon::join(|| verification::tests(c), || trace::requirements(c)),
        );
        let hazards = risk::hazards(c);
        let risk = risk::context(c, &hazards);
        let (unbound, junit_files) = verification::junit(c);
        let by_property = verification::by_property(c);
        let requirement_counts = verification::requirement_counts(c);
        let evidence = items::evidence_index(c, &items);
        let status = c.report.status.word().to_string();
        let mut packet = Packet {
            format: FORMAT.into(),
            status,
            generator: Generator {
                name: "relpack".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            product: Product {
                name: ev.config.product.name.clone(),
                id: ev.config.product.id.clone(),
                manufacturer: ev.config.product.manufacturer.clone(),
                version: ev.version.clone(),
                safety_class: crate::gate::highest_class(ev).as_str().into(),
                documentation_level: ev.config.product.documentation_level.map(|d| {
                    serde_json::to_value(d)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
                documentation_level_rationale: ev
                    .config
                    .product
                    .documentation_level_rationale
                    .clone(),
            },
            release: Release {
                version: ev.version.clone(),
                date: ev.date.to_string(),
                digest: c.release_digest.clone(),
                status_label: c.report.status.label().into(),
                source: ev.git.as_ref().map(source_of),
                paper: ev.config.packet.paper.typst_name().into(),
            },
            gates: c.report.gates.clone(),
            items,
            results,
            requirements,
            hazards,
            risk,
            tests,
            verification: Verification {
                by_outcome,
                by_method,
                unbound,
                by_property,
                requirements: requirement_counts,
                junit_files,
                source_files: ev.markers.files.clone(),
            },
            documents: records::documents(c),
            changes: Changes {
                records: ev
                    .of_kind(Kind::Change)
                    .map(|(_, x)| x.id.clone())
                    .collect(),
                commits: ev
                    .git
                    .as_ref()
                    .map(|g| g.traced.clone())
                    .unwrap_or_default(),
                since_previous: changes,
            },
            anomalies: records::anomalies(c),
            deviations: records::deviations(c),
            soup: records::soup(c),
            approvals: c.report.approvals.clone(),
            evidence,
            policies: ev
                .policies
                .iter()
                .map(|p| PolicyEntry {
                    path: p.path.clone(),
                    package: p.package.clone(),
                    sha256: p.sha256.clone(),
                })
                .collect(),
            regulatory_index: c.report.regulatory.clone(),
            figures: figures::figures(c),
            history: ev.history.clone(),
            measures: Default::default(),
            by_id: HashMap::default(),
        };
        packet.measures = measures::measures(&packet);
        // Whatever the phi gate decided, no flagged text is published.
        redact::packet(&mut packet, &c.guard.redactor);
        packet.by_id = packet
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.clone(), i))
            .collect();
        packet
    }
    /// Every run of every test, in the order of packet.json's `results`.
    pub fn runs(&self) -> impl Iterator<Item = &Run> {
        all_runs(&self.results)
    }

    pub fn item(&self, id: &str) -> Option<&PacketItem> {
        if self.by_id.len() == self.items.len() {
            return self
                .by_id
                .get(id)
                .and_then(|&i| self.items.get(i))
                .filter(|item| item.id == id);
        }
        // Items are sorted by id; a packet built otherwise has no index.
        self.items
            .binary_search_by(|i| i.id.as_bytes().cmp(id.as_bytes()))
            .ok()
            .map(|i| &self.items[i])
    }

    pub fn is_releasable(&self) -> bool {
        self.status == "releasable"
    }
}

fn source_of(g: &GitInfo) -> Source {
    Source {
        commit: g.commit.clone(),
        tag: g.tag.clone(),
        dirty: g.dirty,
    }
}
