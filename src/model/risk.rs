//! Section 6, risk management: each hazard as its verdict decided it.

use super::{s, HazardControl, HazardRow};
use crate::item::Kind;
use crate::stages::Checked;

pub fn hazards(c: &Checked) -> Vec<HazardRow> {
    let ev = &c.evidence;
    let hazards = ev
        .of_kind(Kind::Hazard)
        .filter_map(|(hi, h)| Some((h, c.verdicts.hazards.get(&hi)?)))
        .map(|(h, v)| HazardRow {
            id: h.id.clone(),
            title: h.title().to_string(),
            situation: h.str("situation").map(str::to_string),
            harm: s(h.str("harm")),
            severity: v.severity,
            probability: v.probability,
            residual_severity: v.residual_severity,
            residual_probability: v.residual_probability,
            score: v.score,
            residual_score: v.residual_score,
            acceptable: v.acceptable,
            justified: v.justified,
            benefit_risk: h
                .str("benefit_risk")
                .filter(|t| !t.trim().is_empty())
                .map(str::to_string),
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
