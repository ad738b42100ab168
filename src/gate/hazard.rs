//! `hazard-controlled`: ISO 14971 risk control, verified and acceptable.

use super::{Finding, GateInput};
use crate::item::Kind;
use crate::results::Outcome;

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let mut out = Vec::new();
    for (hi, h) in ev.of_kind(Kind::Hazard) {
        if let Some(reason) = input.suspect_hazards.get(&hi) {
            out.push(Finding::about(
                ev,
                h,
                format!("hazard {} is suspect: {reason}", h.id),
            ));
        }
        let controls = h.links("controls");
        if controls.is_empty() {
            out.push(Finding::about(
                ev,
                h,
                format!("hazard {} has no risk control", h.id),
            ));
        }
        for (n, c) in controls.iter().enumerate() {
            let Some(ci) = ev.links.get(c) else { continue };
            if !requirement_is_verified(input, ci) {
                out.push(Finding::at(
                    ev,
                    h,
                    &format!("/controls/{n}"),
                    format!(
                        "hazard {}: control {c} is not a verified requirement (no passing test)",
                        h.id
                    ),
                ));
            }
        }
        let score = residual_score(h);
        if score > ev.config.risk.acceptable_score
            && h.str("benefit_risk").is_none_or(|t| t.trim().is_empty())
        {
            out.push(Finding::about(
                ev,
                h,
                format!(
                    "hazard {}: residual risk {score} is above the acceptable {} and there is no benefit_risk",
                    h.id, ev.config.risk.acceptable_score
                ),
            ));
        }
    }
    out
}

/// Residual severity x residual probability (the unmitigated values where
/// no residual is given).
pub fn residual_score(h: &crate::item::Item) -> i64 {
    let s = h
        .int("residual_severity")
        .or(h.int("severity"))
        .unwrap_or(5);
    let p = h
        .int("residual_probability")
        .or(h.int("probability"))
        .unwrap_or(5);
    s * p
}

/// A requirement that is not obsolete and has at least one verifying test
/// (or JUnit case) whose latest result passed.
pub fn requirement_is_verified(input: &GateInput<'_>, r: usize) -> bool {
    let ev = input.ev;
    if ev.items[r].kind != Kind::Requirement || ev.items[r].str("status") == Some("obsolete") {
        return false;
    }
    let by_test = ev.links.verified_by.get(&r).into_iter().flatten().any(|t| {
        input.results.latest.get(t) == Some(&Outcome::Pass) && !input.suspect.contains_key(t)
    });
    let by_case = ev
        .links
        .verified_by_cases
        .get(&r)
        .into_iter()
        .flatten()
        .any(|&b| {
            let b = &ev.links.bindings[b];
            ev.junit[b.file].cases[b.case].outcome == crate::parse::junit::CaseOutcome::Pass
        });
    by_test || by_case
}
