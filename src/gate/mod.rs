//! Stage 5, gate: the release gates (the nine of the contract, `phi` and
//! `policy`), each a function
//! from the evidence to raw findings; deviations then waive findings of
//! waivable gates for their items. The outcome decides the exit code.

mod anomaly;
mod approval;
mod deviation;
mod hazard;
mod phi;
pub mod regulatory;
mod soup;
mod verification;

use std::collections::HashMap;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::evidence::Evidence;
use crate::item::{Item, Kind};
use crate::kinds;
use crate::results::TestResults;
use crate::sign::AllowedSigner;
use crate::verdict::Verdicts;

pub use approval::{ApprovalCheck, SignatureState};

/// Every gate of the contract: id, whether a deviation may waive it, and
/// what it checks (for reports).
pub const GATES: &[(&str, bool, &str)] = &[
    ("schema", false, "every file parses and every item matches its kind's schema"),
    ("links", false, "ids are unique, every link names an existing item of an allowed kind, no derives_from cycle"),
    ("requirement-verified", true, "every requirement that is not obsolete is verified by at least one test"),
    ("test-passed", true, "every test that verifies a requirement has a result and its latest result is pass"),
    ("hazard-controlled", true, "every hazard has controls, every control is a verified requirement, residual risk is acceptable or justified"),
    ("anomaly-open", true, "no open or deferred anomaly above the allowed severity, each with a rationale"),
    ("approval", false, "the required roles approved the release with enough distinct signers; digests current, dates and signatures valid"),
    ("deviation-expired", false, "no deviation in use has expired at the release date"),
    ("soup", true, "every SOUP item has name, version and supplier"),
    ("phi", true, "no secret and no protected health information in anything the packet would publish (secrets are never waivable)"),
    ("policy", true, "no `deny` of the team's Rego policies (policies/)"),
    ("regulatory-index", false, "every FDA documentation element of the documentation level and every IEC 62304 deliverable of the safety class is provided by a section or a document (`fulfils`); a gate only with [gates] regulatory_index = true"),
];

pub fn is_waivable(id: &str) -> Option<bool> {
    GATES.iter().find(|g| g.0 == id).map(|g| g.1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateStatus {
    Held,
    Failed,
    Waived,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub message: String,
    pub items: Vec<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    /// 1-based, in characters, where the finding points into the line.
    pub column: Option<usize>,
    /// The deviation that waives this finding, if one does.
    pub waived_by: Option<String>,
    /// Never waived, whatever the gate (a secret in the evidence).
    #[serde(skip)]
    pub unwaivable: bool,
}

impl Finding {
    /// A finding about `item`, located where the item is written.
    pub fn about(ev: &Evidence, item: &Item, message: String) -> Finding {
        Finding::at(ev, item, "", message)
    }

    /// A finding about `item`, located at one of its values.
    pub fn at(ev: &Evidence, item: &Item, pointer: &str, message: String) -> Finding {
        let (file, line) = if item.origin.span.is_empty() && item.from_bom {
            (ev.sources.path(item.origin.file).to_string(), 1)
        } else {
            ev.value_location(item, pointer)
        };
        Finding {
            message,
            items: vec![item.id.clone()],
            file: Some(file),
            line: Some(line),
            column: None,
            waived_by: None,
            unwaivable: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GateOutcome {
    pub id: &'static str,
    pub status: GateStatus,
    pub waivable: bool,
    pub description: &'static str,
    pub findings: Vec<Finding>,
    pub waived_by: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseStatus {
    Releasable,
    NotReleasable,
}

impl ReleaseStatus {
    /// As packet.json and `check --format json` write it.
    pub fn word(self) -> &'static str {
        match self {
            ReleaseStatus::Releasable => "releasable",
            ReleaseStatus::NotReleasable => "not-releasable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReleaseStatus::Releasable => "RELEASABLE",
            ReleaseStatus::NotReleasable => "NOT RELEASABLE",
        }
    }
}

/// Everything the gates need besides the evidence, computed once.
pub struct GateInput<'a> {
    pub ev: &'a Evidence,
    pub results: &'a TestResults,
    /// Digest of each item, by item index.
    pub digests: &'a [String],
    pub release_digest: &'a str,
    pub signers: &'a [AllowedSigner],
    /// Problems reading allowed_signers, reported in the approval gate.
    pub signer_errors: &'a [crate::sign::SignersProblem],
    /// Tests made suspect by changes since the previous release.
    pub suspect: &'a HashMap<usize, String>,
    /// Every fact the packet states too, decided once.
    pub verdicts: &'a Verdicts,
    /// The previous release's packet and the changes since, to say what
    /// changed since a stale approval was signed.
    pub previous: Option<&'a crate::changes::PreviousPacket>,
    pub changes: Option<&'a crate::changes::ChangeSet>,
    /// Secrets and PHI the guard found (the `phi` gate).
    pub guard: &'a [crate::guard::Hit],
    /// The `deny` findings of the team's policies, where they were run
    /// (the `policy` gate).
    pub policy: &'a [Finding],
}

pub struct GateReport {
    pub status: ReleaseStatus,
    pub gates: Vec<GateOutcome>,
    pub approvals: Vec<ApprovalCheck>,
    /// Deviation ids that waived at least one finding.
    pub deviations_used: Vec<String>,
    /// Which regulatory elements the packet provides (`regulatory.rs`).
    pub regulatory: regulatory::RegulatoryIndex,
}

pub fn evaluate(input: &GateInput<'_>) -> GateReport {
    let ev = input.ev;
    let (approval_findings, approvals) = approval::check(input);
    let mut raw: Vec<(&'static str, Vec<Finding>)> = vec![
        ("schema", Vec::new()),
        ("links", Vec::new()),
        (
            "requirement-verified",
            verification::requirement_verified(input),
        ),
        ("test-passed", verification::test_passed(input)),
        ("hazard-controlled", hazard::check(input)),
        ("anomaly-open", anomaly::check(input)),
        ("approval", approval_findings),
        ("deviation-expired", Vec::new()),
        ("soup", soup::check(input)),
        ("phi", phi::check(input)),
        ("policy", input.policy.to_vec()),
    ];
    let regulatory = regulatory::index(ev);
    // Listed among the gates only where relpack.toml makes it one.
    if regulatory.gate {
        raw.push(("regulatory-index", regulatory::findings(&regulatory)));
    }
    // Waive: a finding of a waivable gate is waived by a deviation that
    // waives that gate and lists the finding's item.
    let mut used: Vec<String> = Vec::new();
    let mut waived_by: HashMap<&str, Vec<String>> = HashMap::new();
    for (gate, findings) in raw.iter_mut() {
        if is_waivable(gate) != Some(true) {
            continue;
        }
        for f in findings.iter_mut().filter(|f| !f.unwaivable) {
            if let Some(dev) = waiver(ev, input.verdicts, gate, &f.items) {
                f.waived_by = Some(dev.id.clone());
                if !used.contains(&dev.id) {
                    used.push(dev.id.clone());
                }
                let list = waived_by.entry(gate).or_default();
                if !list.contains(&dev.id) {
                    list.push(dev.id.clone());
                }
            }
        }
    }
    used.sort();
    if let Some((_, f)) = raw.iter_mut().find(|(g, _)| *g == "deviation-expired") {
        *f = deviation::expired(ev, input.verdicts, &used);
    }
    let gates: Vec<GateOutcome> = raw
        .into_iter()
        .map(|(id, findings)| {
            let open = findings.iter().any(|f| f.waived_by.is_none());
            let status = if open {
                GateStatus::Failed
            } else if findings.is_empty() {
                GateStatus::Held
            } else {
                GateStatus::Waived
            };
            let (waivable, description) = GATES
                .iter()
                .find(|g| g.0 == id)
                .map(|g| (g.1, g.2))
                .unwrap_or((false, ""));
            GateOutcome {
                id,
                status,
                waivable,
                description,
                findings,
                waived_by: waived_by.remove(id).unwrap_or_default(),
            }
        })
        .collect();
    let status = if gates.iter().any(|g| g.status == GateStatus::Failed) {
        ReleaseStatus::NotReleasable
    } else {
        ReleaseStatus::Releasable
    };
    GateReport {
        status,
        gates,
        approvals,
        deviations_used: used,
        regulatory,
    }
}

/// The deviation that waives a finding of `gate` naming `items`: one that
/// waives that gate and lists EVERY item the finding names (a JUnit case
/// verifying REQ-1 and REQ-2 is waived only by a deviation listing both). A
/// finding that names no item is never waived. Among the matching
/// deviations, one still in force at the release date wins, so an expired
/// deviation does not shadow a valid one; where all have expired, the first
/// is used (and `deviation-expired` then fails).
fn waiver<'e>(
    ev: &'e Evidence,
    verdicts: &Verdicts,
    gate: &str,
    items: &[String],
) -> Option<&'e Item> {
    if items.is_empty() {
        return None;
    }
    let mut expired = None;
    for (di, d, dev) in ev.deviations() {
        if dev.waives != gate {
            continue;
        }
        if !items.iter().all(|i| dev.items.contains(i)) {
            continue;
        }
        if verdicts.in_force(di) {
            return Some(d);
        }
        expired.get_or_insert(d);
    }
    expired
}

/// The highest IEC 62304 class among the release's requirements that are
/// not obsolete (a requirement without a class has the product's).
pub fn highest_class(ev: &Evidence) -> crate::config::SafetyClass {
    ev.requirements()
        .filter(|(_, _, r)| !r.obsolete())
        .map(|(_, _, r)| effective_class(ev, r))
        .max()
        .unwrap_or(ev.config.product.safety_class)
}

pub fn effective_class(ev: &Evidence, r: &kinds::Requirement) -> crate::config::SafetyClass {
    r.safety_class.unwrap_or(ev.config.product.safety_class)
}

/// A deviation may waive only a gate that exists and is waivable.
pub fn check_waives(items: &[Item]) -> Vec<Diagnostic> {
    items
        .iter()
        .filter(|i| i.kind == Kind::Deviation)
        .filter_map(|d| {
            let gate = d.str("waives")?;
            let msg = match is_waivable(gate) {
                Some(true) => return None,
                Some(false) => format!("deviation {}: gate `{gate}` cannot be waived", d.id),
                None => format!(
                    "deviation {}: there is no gate `{gate}`; the gates are {}",
                    d.id,
                    GATES.iter().map(|g| g.0).collect::<Vec<_>>().join(", ")
                ),
            };
            Some(Diagnostic::error(msg).at(d.origin.file, d.origin.span_of("/waives")))
        })
        .collect()
}
