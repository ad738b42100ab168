//! Stage 5, gate: every fact that both a gate and a renderer state, decided
//! once. A requirement's verification, a hazard's residual risk and the
//! verification of its controls, a deviation in force or expired: the gates
//! read these verdicts to find, the packet model reads them to show, so the
//! packet can never say two things about one item.
//!
//! The rules (also in docs/guide.md, "How relpack decides"):
//! - a requirement is *verified* when it is not obsolete, has at least one
//!   verifying test or JUnit case, every verifying test's latest result is
//!   pass and none is suspect, and every verifying case passed;
//! - a hazard's residual severity and probability default to the
//!   unmitigated ones; its residual risk is *acceptable* at or below
//!   `risk.acceptable_score`, *justified* when not acceptable but it has a
//!   non-blank `benefit_risk`;
//! - a deviation is *in force* through its `expires` date (inclusive) and
//!   *expired* after it, or when its expiry cannot be read;
//! - a deferred anomaly is *overdue* when its `due` date is before the
//!   release date (on the day itself it is not).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::evidence::Evidence;
use crate::kinds;
use crate::results::{Outcome, TestResults};

/// Why a requirement is not (fully) traced: the gaps the trace matrix marks.
pub mod gap {
    pub const NO_PARENT: &str = "no need or parent requirement";
    pub const NO_TEST: &str = "no test";
    pub const NO_RESULT: &str = "a test has no result";
    pub const NOT_PASSED: &str = "a test did not pass";
    pub const SUSPECT: &str = "a test is suspect";
    /// `[gates] require_implementation` names its class and no
    /// `relpack: implements` marker names it.
    pub const NO_IMPLEMENTATION: &str = "no implementation marker";
}

#[derive(Debug, Clone)]
pub struct RequirementVerdict {
    pub obsolete: bool,
    /// At least one verifying test or JUnit case.
    pub has_test: bool,
    pub verified: bool,
    /// What the trace is missing (empty for an obsolete requirement).
    pub gaps: Vec<&'static str>,
}

#[derive(Debug, Clone)]
pub struct ControlVerdict {
    pub id: String,
    /// The requirement, where the id names one.
    pub item: Option<usize>,
    pub verified: bool,
}

#[derive(Debug, Clone)]
pub struct HazardVerdict {
    pub severity: i64,
    pub probability: i64,
    pub residual_severity: i64,
    pub residual_probability: i64,
    pub score: i64,
    pub residual_score: i64,
    pub acceptable: bool,
    /// Not acceptable, but a benefit-risk analysis that is not blank.
    pub justified: bool,
    pub controls: Vec<ControlVerdict>,
    /// A control changed since the previous release and the hazard was not
    /// reviewed again.
    pub suspect: Option<String>,
    /// What `hazard-controlled` asks of it: at least one control, every
    /// control verified, not suspect, acceptable or justified.
    pub controlled: bool,
}

#[derive(Debug, Clone)]
pub struct DeviationVerdict {
    /// Its last day in force.
    pub expires: Option<NaiveDate>,
    pub in_force: bool,
}

impl DeviationVerdict {
    pub fn expired(&self) -> bool {
        !self.in_force
    }
}

#[derive(Debug, Clone)]
pub struct AnomalyVerdict {
    /// The correction's due date, where one is written and is a date.
    pub due: Option<NaiveDate>,
    /// Deferred, and due before the release date.
    pub overdue: bool,
}

/// Every verdict, by item index.
#[derive(Debug, Default)]
pub struct Verdicts {
    pub requirements: HashMap<usize, RequirementVerdict>,
    pub hazards: HashMap<usize, HazardVerdict>,
    pub deviations: HashMap<usize, DeviationVerdict>,
    pub anomalies: HashMap<usize, AnomalyVerdict>,
}

/// The acceptability rule of `[risk]`: a severity and a probability whose
/// product is at or below `acceptable_score` are acceptable. Both a
/// hazard's residual risk and the cells of the packet's risk matrix are
/// judged by it.
pub fn acceptable(policy: &crate::config::Risk, severity: i64, probability: i64) -> bool {
    severity * probability <= policy.acceptable_score
}

impl Verdicts {
    pub fn decide(
        ev: &Evidence,
        results: &TestResults,
        suspect: &HashMap<usize, String>,
        suspect_hazards: &HashMap<usize, String>,
    ) -> Verdicts {
        let mut requirements: HashMap<usize, RequirementVerdict> = ev
            .requirements()
            .map(|(r, _, req)| (r, requirement(ev, results, suspect, r, req)))
            .collect();
        implementation_gaps(ev, &mut requirements);
        let hazards = ev
            .hazards()
            .map(|(h, _, hazard)| {
                let verdict = hazard_verdict(ev, &requirements, hazard, suspect_hazards.get(&h));
                (h, verdict)
            })
            .collect();
        let deviations = ev
            .deviations()
            .map(|(d, _, dev)| {
                let expires = expiry(dev);
                let in_force = expires.is_some_and(|date| date >= ev.date);
                (d, DeviationVerdict { expires, in_force })
            })
            .collect();
        let anomalies = ev
            .anomalies()
            .map(|(a, _, anomaly)| {
                let due = anomaly.due.as_deref().and_then(date_of);
                let overdue = anomaly.status == kinds::AnomalyStatus::Deferred
                    && due.is_some_and(|d| d < ev.date);
                (a, AnomalyVerdict { due, overdue })
            })
            .collect();
        Verdicts {
            requirements,
            hazards,
            deviations,
            anomalies,
        }
    }

    pub fn requirement(&self, r: usize) -> Option<&RequirementVerdict> {
        self.requirements.get(&r)
    }

    pub fn in_force(&self, d: usize) -> bool {
        self.deviations.get(&d).is_some_and(|v| v.in_force)
    }
}

/// The date a deviation expires on, as written (a date, or the date part of
/// a date-time).
pub fn expiry(d: &kinds::Deviation) -> Option<NaiveDate> {
    date_of(&d.expires)
}

/// A date as written: a date, or the date part of a date-time.
fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// A requirement of a class in `[gates] require_implementation` that no
/// `implements` marker names has the gap NO_IMPLEMENTATION.
fn implementation_gaps(ev: &Evidence, verdicts: &mut HashMap<usize, RequirementVerdict>) {
    let wanted = &ev.config.gates.require_implementation;
    if wanted.is_empty() {
        return;
    }
    let implemented: std::collections::HashSet<&str> = ev
        .markers
        .markers
        .iter()
        .filter(|m| m.verb == crate::markers::Verb::Implements)
        .map(|m| m.id.as_str())
        .collect();
    for (r, v) in verdicts.iter_mut() {
        let req = &ev.items[*r];
        let class = ev
            .views
            .requirement(*r)
            .and_then(|v| v.safety_class)
            .unwrap_or(ev.config.product.safety_class);
        if !v.obsolete && wanted.contains(&class) && !implemented.contains(req.id.as_str()) {
            v.gaps.push(gap::NO_IMPLEMENTATION);
        }
    }
}

fn requirement(
    ev: &Evidence,
    results: &TestResults,
    suspect: &HashMap<usize, String>,
    r: usize,
    req: &kinds::Requirement,
) -> RequirementVerdict {
    let obsolete = req.obsolete();
    let tests = ev
        .links
        .verified_by
        .get(&r)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let cases: Vec<Outcome> = ev
        .cases_verifying(r)
        .map(|(_, case)| Outcome::from_case(case.outcome))
        .collect();
    let has_test = !tests.is_empty() || !cases.is_empty();
    let latest = |t: &usize| results.latest.get(t).copied();
    let no_result = tests.iter().any(|t| latest(t).is_none());
    let not_passed = tests
        .iter()
        .any(|t| latest(t).is_some_and(|o| o != Outcome::Pass))
        || cases.iter().any(|&o| o != Outcome::Pass);
    let any_suspect = tests.iter().any(|t| suspect.contains_key(t));
    let mut gaps = Vec::new();
    if !obsolete {
        if req.derives_from.is_empty() {
            gaps.push(gap::NO_PARENT);
        }
        if !has_test {
            gaps.push(gap::NO_TEST);
        }
        if no_result {
            gaps.push(gap::NO_RESULT);
        }
        if not_passed {
            gaps.push(gap::NOT_PASSED);
        }
        if any_suspect {
            gaps.push(gap::SUSPECT);
        }
    }
    RequirementVerdict {
        obsolete,
        has_test,
        verified: !obsolete && has_test && !no_result && !not_passed && !any_suspect,
        gaps,
    }
}

fn hazard_verdict(
    ev: &Evidence,
    requirements: &HashMap<usize, RequirementVerdict>,
    h: &kinds::Hazard,
    suspect: Option<&String>,
) -> HazardVerdict {
    let (severity, probability) = (h.severity, h.probability);
    let residual_severity = h.residual_severity.unwrap_or(severity);
    let residual_probability = h.residual_probability.unwrap_or(probability);
    let residual_score = residual_severity * residual_probability;
    let acceptable = acceptable(&ev.config.risk, residual_severity, residual_probability);
    let justified = !acceptable && crate::text::shown(h.benefit_risk.as_deref()).is_some();
    let controls: Vec<ControlVerdict> = h
        .controls
        .iter()
        .map(|id| {
            let item = ev.links.get(id);
            ControlVerdict {
                id: id.to_string(),
                item,
                verified: item
                    .and_then(|i| requirements.get(&i))
                    .is_some_and(|v| v.verified),
            }
        })
        .collect();
    let controlled = !controls.is_empty()
        && controls.iter().all(|c| c.verified)
        && suspect.is_none()
        && (acceptable || justified);
    HazardVerdict {
        severity,
        probability,
        residual_severity,
        residual_probability,
        score: severity * probability,
        residual_score,
        acceptable,
        justified,
        controls,
        suspect: suspect.cloned(),
        controlled,
    }
}
