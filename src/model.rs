//! Stage 6, model: the packet, the only thing renderers see. Built once
//! from the checked evidence; serialized as-is it is `packet.json`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::changes::ChangeSet;
use crate::gate::{effective_class, ApprovalCheck, GateOutcome};
use crate::git::{GitInfo, TracedCommit};
use crate::item::Kind;
use crate::results::{Outcome, Run};
use crate::Checked;

pub const FORMAT: &str = "relpack-packet/1";

#[derive(Debug, Clone, Serialize)]
pub struct Packet {
    pub format: String,
    pub status: String,
    pub generator: Generator,
    pub product: Product,
    pub release: Release,
    pub gates: Vec<GateOutcome>,
    pub items: Vec<PacketItem>,
    pub results: Vec<Run>,
    pub requirements: Vec<RequirementRow>,
    pub hazards: Vec<HazardRow>,
    pub tests: Vec<TestRow>,
    pub verification: Verification,
    pub documents: Vec<String>,
    pub changes: Changes,
    pub anomalies: Vec<AnomalyRow>,
    pub deviations: Vec<DeviationRow>,
    pub soup: Vec<SoupRow>,
    pub approvals: Vec<ApprovalCheck>,
    pub evidence: Vec<EvidenceEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    pub version: String,
    /// The highest class in the release (the product's where none is higher).
    pub safety_class: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_level: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub version: String,
    pub date: String,
    pub digest: String,
    /// RELEASABLE or NOT RELEASABLE, for people.
    pub status_label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    pub paper: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub commit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    pub fields: Map<String, Value>,
    /// Items that link to this one, by relation (`verified_by`, ...).
    pub referenced_by: BTreeMap<String, Vec<String>>,
    pub attachments: Vec<String>,
    /// Each attachment as written -> `sha256:<hex>`: part of the digest's
    /// canonical form, so `verify` can recompute it from packet.json.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub attachment_digests: Map<String, Value>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<Run>,
    /// What is missing in the trace: no need, no test, no result, not passed.
    pub gaps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardControl {
    pub id: String,
    pub verified: bool,
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
    pub benefit_risk: Option<String>,
    pub controls: Vec<HazardControl>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestRow {
    pub id: String,
    pub title: String,
    pub method: String,
    pub verifies: Vec<String>,
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspect: Option<String>,
    pub runs: Vec<Run>,
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
    pub junit_files: Vec<JunitSummary>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
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

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

fn strings(v: Vec<&str>) -> Vec<String> {
    v.into_iter().map(str::to_string).collect()
}

impl Packet {
    pub fn build(c: &Checked, changes: Option<ChangeSet>) -> Packet {
        let ev = &c.evidence;
        let outcome_of = |t: usize| c.results.latest.get(&t).copied();

        // Items, with where each came from and what points at it.
        let mut referenced: HashMap<usize, BTreeMap<String, Vec<String>>> = HashMap::new();
        for (i, item) in ev.items.iter().enumerate() {
            for &(field, _) in item.kind.links() {
                for target in item.links(field) {
                    if let Some(t) = ev.links.get(target) {
                        let rel = format!("{}.{field}", item.kind);
                        let list = referenced.entry(t).or_default().entry(rel).or_default();
                        if list.last() != Some(&item.id) {
                            list.push(item.id.clone());
                        }
                    }
                }
            }
            let _ = i;
        }
        let items: Vec<PacketItem> = ev
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let (file, line) = if item.from_bom && item.origin.span.is_empty() {
                    (ev.sources.path(item.origin.file).to_string(), 1)
                } else {
                    ev.location(item)
                };
                PacketItem {
                    id: item.id.clone(),
                    kind: item.kind,
                    title: item.title().to_string(),
                    digest: c.digests[i].clone(),
                    file,
                    line,
                    fields: item.fields.clone(),
                    referenced_by: referenced.remove(&i).unwrap_or_default(),
                    attachments: ev.links.attachments_of.get(&i).cloned().unwrap_or_default(),
                    attachment_digests: ev
                        .attachment_digests(i)
                        .iter()
                        .map(|(path, sha)| (path.clone(), Value::String(sha.clone())))
                        .collect(),
                }
            })
            .collect();

        // Tests and their runs.
        let mut results = Vec::new();
        let mut tests = Vec::new();
        let mut by_method: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_outcome: BTreeMap<String, usize> = BTreeMap::new();
        for (t, test) in ev.of_kind(Kind::Test) {
            let runs = c.results.runs.get(&t).cloned().unwrap_or_default();
            results.extend(runs.iter().cloned());
            let method = test.str("method").unwrap_or("automated").to_string();
            *by_method.entry(method.clone()).or_default() += 1;
            let outcome = outcome_of(t);
            *by_outcome
                .entry(
                    outcome
                        .map(|o| o.as_str())
                        .unwrap_or("no result")
                        .to_string(),
                )
                .or_default() += 1;
            tests.push(TestRow {
                id: test.id.clone(),
                title: test.title().to_string(),
                method,
                verifies: strings(test.links("verifies")),
                outcome,
                suspect: c.suspect.get(&t).cloned(),
                runs,
            });
        }

        // Needs reached from each requirement through derives_from (memoised).
        let mut needs_memo: HashMap<usize, Vec<String>> = HashMap::new();
        let requirements: Vec<RequirementRow> = ev
            .of_kind(Kind::Requirement)
            .map(|(r, req)| {
                let needs = needs_of(ev, r, &mut needs_memo, 0);
                let test_refs: Vec<TestRef> = ev
                    .links
                    .verified_by
                    .get(&r)
                    .into_iter()
                    .flatten()
                    .map(|&t| TestRef {
                        id: ev.items[t].id.clone(),
                        outcome: outcome_of(t),
                        suspect: c.suspect.contains_key(&t),
                    })
                    .collect();
                let cases: Vec<CaseRef> = ev
                    .links
                    .verified_by_cases
                    .get(&r)
                    .into_iter()
                    .flatten()
                    .map(|&b| {
                        let b = &ev.links.bindings[b];
                        let f = &ev.junit[b.file];
                        let case = &f.cases[b.case];
                        CaseRef {
                            name: case.name.clone(),
                            outcome: match case.outcome {
                                crate::parse::junit::CaseOutcome::Pass => Outcome::Pass,
                                crate::parse::junit::CaseOutcome::Fail => Outcome::Fail,
                                crate::parse::junit::CaseOutcome::Skipped => Outcome::Skipped,
                            },
                            source: f.path.clone(),
                        }
                    })
                    .collect();
                let latest = ev
                    .links
                    .verified_by
                    .get(&r)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| c.results.runs.get(t))
                    .flatten()
                    .filter(|run| !run.other_version)
                    .max_by_key(|run| {
                        run.executed_at
                            .as_deref()
                            .and_then(crate::results::parse_datetime)
                    })
                    .cloned();
                let status = s(req.str("status").or(Some("approved")));
                let mut gaps = Vec::new();
                if status != "obsolete" {
                    if req.links("derives_from").is_empty() {
                        gaps.push("no need or parent requirement".into());
                    }
                    if test_refs.is_empty() && cases.is_empty() {
                        gaps.push("no test".into());
                    } else {
                        if test_refs.iter().any(|t| t.outcome.is_none()) {
                            gaps.push("a test has no result".into());
                        }
                        if test_refs
                            .iter()
                            .any(|t| t.outcome.is_some_and(|o| o != Outcome::Pass))
                            || cases.iter().any(|c| c.outcome != Outcome::Pass)
                        {
                            gaps.push("a test did not pass".into());
                        }
                        if test_refs.iter().any(|t| t.suspect) {
                            gaps.push("a test is suspect".into());
                        }
                    }
                }
                RequirementRow {
                    id: req.id.clone(),
                    title: req.title().to_string(),
                    status,
                    safety_class: effective_class(ev, req).as_str().to_string(),
                    derives_from: strings(req.links("derives_from")),
                    needs,
                    hazards: ids_of(ev, ev.links.controls_of.get(&r)),
                    tests: test_refs,
                    cases,
                    soup: ids_of(ev, ev.links.soup_of.get(&r)),
                    latest,
                    gaps,
                }
            })
            .collect();

        let acceptable = ev.config.risk.acceptable_score;
        let verified: HashMap<&str, bool> = requirements
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    r.status != "obsolete"
                        && (!r.tests.is_empty() || !r.cases.is_empty())
                        && r.gaps.iter().all(|g| g == "no need or parent requirement"),
                )
            })
            .collect();
        let hazards = ev
            .of_kind(Kind::Hazard)
            .map(|(_, h)| {
                let sev = h.int("severity").unwrap_or(0);
                let prob = h.int("probability").unwrap_or(0);
                let rs = h.int("residual_severity").unwrap_or(sev);
                let rp = h.int("residual_probability").unwrap_or(prob);
                let benefit = h.str("benefit_risk").map(str::to_string);
                HazardRow {
                    id: h.id.clone(),
                    title: h.title().to_string(),
                    situation: h.str("situation").map(str::to_string),
                    harm: s(h.str("harm")),
                    severity: sev,
                    probability: prob,
                    residual_severity: rs,
                    residual_probability: rp,
                    score: sev * prob,
                    residual_score: rs * rp,
                    acceptable: rs * rp <= acceptable,
                    benefit_risk: benefit,
                    controls: h
                        .links("controls")
                        .into_iter()
                        .map(|id| HazardControl {
                            id: id.to_string(),
                            verified: verified.get(id).copied().unwrap_or(false),
                        })
                        .collect(),
                }
            })
            .collect();

        let bound: Vec<bool> = ev
            .links
            .bindings
            .iter()
            .map(|b| !b.tests.is_empty() || !b.verifies.is_empty())
            .collect();
        let unbound = ev
            .links
            .bindings
            .iter()
            .zip(&bound)
            .filter(|(_, b)| !**b)
            .map(|(b, _)| {
                let f = &ev.junit[b.file];
                let case = &f.cases[b.case];
                UnboundCase {
                    name: case.name.clone(),
                    outcome: match case.outcome {
                        crate::parse::junit::CaseOutcome::Pass => Outcome::Pass,
                        crate::parse::junit::CaseOutcome::Fail => Outcome::Fail,
                        crate::parse::junit::CaseOutcome::Skipped => Outcome::Skipped,
                    },
                    source: f.path.clone(),
                    line: case.line,
                }
            })
            .collect();
        let junit_files = ev
            .junit
            .iter()
            .map(|f| JunitSummary {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
                cases: f.cases.len(),
                failed: f
                    .cases
                    .iter()
                    .filter(|c| c.outcome == crate::parse::junit::CaseOutcome::Fail)
                    .count(),
                skipped: f
                    .cases
                    .iter()
                    .filter(|c| c.outcome == crate::parse::junit::CaseOutcome::Skipped)
                    .count(),
                flaky: f.cases.iter().filter(|c| c.flaky).count(),
            })
            .collect();

        let mut documents: Vec<(i64, &str)> = ev
            .of_kind(Kind::Document)
            .map(|(_, d)| (d.int("order").unwrap_or(i64::MAX), d.id.as_str()))
            .collect();
        documents.sort();

        let anomalies = ev
            .of_kind(Kind::Anomaly)
            .filter(|(_, a)| a.str("status") != Some("resolved"))
            .map(|(_, a)| AnomalyRow {
                id: a.id.clone(),
                title: a.title().to_string(),
                severity: s(a.str("severity")),
                status: s(a.str("status")),
                affects: strings(a.links("affects")),
                rationale: a.str("rationale").map(str::to_string),
            })
            .collect();
        let expired_ids: Vec<&str> = c
            .report
            .gates
            .iter()
            .filter(|g| g.id == "deviation-expired")
            .flat_map(|g| {
                g.findings
                    .iter()
                    .flat_map(|f| f.items.iter().map(String::as_str))
            })
            .collect();
        let deviations = ev
            .of_kind(Kind::Deviation)
            .map(|(_, d)| DeviationRow {
                id: d.id.clone(),
                waives: s(d.str("waives")),
                items: strings(d.links("items")),
                owner: s(d.str("owner")),
                reason: s(d.str("reason")),
                expires: s(d.str("expires")),
                in_use: c.report.deviations_used.contains(&d.id),
                // Shown for every deviation; only one in use fails the gate.
                expired: expired_ids.contains(&d.id.as_str())
                    || d.str("expires")
                        .and_then(|e| {
                            chrono::NaiveDate::parse_from_str(e.get(..10).unwrap_or(e), "%Y-%m-%d")
                                .ok()
                        })
                        .is_some_and(|e| e < ev.date),
            })
            .collect();
        let soup = ev
            .of_kind(Kind::Soup)
            .map(|(_, x)| SoupRow {
                id: x.id.clone(),
                name: s(x.str("name")),
                version: x.str("version").map(str::to_string),
                supplier: x.str("supplier").map(str::to_string),
                purpose: x.str("purpose").map(str::to_string),
                licenses: strings(x.links("licenses")),
                purl: x.str("purl").map(str::to_string),
                requirements: strings(x.links("requirements")),
            })
            .collect();

        // Evidence index: every file with the items read from it.
        let mut by_file: HashMap<&str, Vec<String>> = HashMap::new();
        for item in &items {
            by_file
                .entry(item.file.as_str())
                .or_default()
                .push(item.id.clone());
        }
        for (i, paths) in &ev.links.attachments_of {
            for p in paths {
                by_file
                    .entry(p.as_str())
                    .or_default()
                    .push(ev.items[*i].id.clone());
            }
        }
        let evidence = ev
            .evidence_files
            .iter()
            .map(|f| {
                let mut ids = by_file.get(f.path.as_str()).cloned().unwrap_or_default();
                ids.sort();
                ids.dedup();
                EvidenceEntry {
                    path: f.path.clone(),
                    size: f.size,
                    sha256: f.sha256.clone(),
                    items: ids,
                }
            })
            .collect();

        let status = crate::report::status_word(c.report.status).to_string();
        Packet {
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
            tests,
            verification: Verification {
                by_outcome,
                by_method,
                unbound,
                junit_files,
            },
            documents: documents
                .into_iter()
                .map(|(_, id)| id.to_string())
                .collect(),
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
            anomalies,
            deviations,
            soup,
            approvals: c.report.approvals.clone(),
            evidence,
        }
    }

    pub fn item(&self, id: &str) -> Option<&PacketItem> {
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

fn ids_of(ev: &crate::evidence::Evidence, list: Option<&Vec<usize>>) -> Vec<String> {
    list.into_iter()
        .flatten()
        .map(|&i| ev.items[i].id.clone())
        .collect()
}

/// Needs a requirement derives from, directly or through parents. Depth is
/// bounded (cycles were refused at link time; this guards the recursion).
fn needs_of(
    ev: &crate::evidence::Evidence,
    r: usize,
    memo: &mut HashMap<usize, Vec<String>>,
    depth: usize,
) -> Vec<String> {
    if let Some(v) = memo.get(&r) {
        return v.clone();
    }
    let mut out = Vec::new();
    if depth < 64 {
        for target in ev.items[r].links("derives_from") {
            let Some(t) = ev.links.get(target) else {
                continue;
            };
            match ev.items[t].kind {
                Kind::Need => out.push(ev.items[t].id.clone()),
                Kind::Requirement => out.extend(needs_of(ev, t, memo, depth + 1)),
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    memo.insert(r, out.clone());
    out
}
