//! `hazard-controlled`: ISO 14971 risk control, verified and acceptable.
//! Every fact comes from the hazard's verdict (verdict.rs), which the
//! packet shows too.

use super::{Finding, GateInput};
use crate::item::Kind;

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let mut out = Vec::new();
    for (hi, h) in ev.of_kind(Kind::Hazard) {
        let Some(v) = input.verdicts.hazards.get(&hi) else {
            continue;
        };
        if let Some(reason) = &v.suspect {
            out.push(Finding::about(
                ev,
                h,
                format!("hazard {} is suspect: {reason}", h.id),
            ));
        }
        if v.controls.is_empty() {
            out.push(Finding::about(
                ev,
                h,
                format!("hazard {} has no risk control", h.id),
            ));
        }
        for (n, c) in v.controls.iter().enumerate() {
            // An id that names no requirement is a links error, reported there.
            if c.item.is_none() || c.verified {
                continue;
            }
            out.push(Finding::at(
                ev,
                h,
                &format!("/controls/{n}"),
                format!(
                    "hazard {}: control {} is not a verified requirement (it needs at least one test, every test's latest result pass, none suspect)",
                    h.id, c.id
                ),
            ));
        }
        if !v.acceptable && !v.justified {
            out.push(Finding::about(
                ev,
                h,
                format!(
                    "hazard {}: residual risk {} is above the acceptable {} and there is no benefit_risk",
                    h.id, v.residual_score, ev.config.risk.acceptable_score
                ),
            ));
        }
    }
    out
}
