//! Section 6, risk management: each hazard as its verdict decided it.

use super::{HazardControl, HazardRow};
use crate::stages::Checked;

pub fn hazards(c: &Checked) -> Vec<HazardRow> {
    let ev = &c.evidence;
    let hazards = ev
        .hazards()
        .filter_map(|(hi, h, view)| Some((h, view, c.verdicts.hazards.get(&hi)?)))
        .map(|(h, view, v)| HazardRow {
            id: h.id.clone(),
            title: h.title().to_string(),
            situation: view.situation.clone(),
            harm: view.harm.clone(),
            severity: v.severity,
            probability: v.probability,
            residual_severity: v.residual_severity,
            residual_probability: v.residual_probability,
            score: v.score,
            residual_score: v.residual_score,
            acceptable: v.acceptable,
            justified: v.justified,
            benefit_risk: view.benefit_risk.clone().filter(|t| !t.trim().is_empty()),
            controls: v
                .controls
                .iter()
                .map(|c| HazardControl {
                    id: c.id.clone(),
                    verified: c.verified,
                })
                .collect(),
            suspect: v.suspect.clone(),
            controlled: v.controlled,
        })
        .collect();
    hazards
}
