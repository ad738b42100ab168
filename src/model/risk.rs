//! Section 6, risk management: the risk policy's context (scales, rule,
//! conclusion, matrix) and each hazard as its verdict decided it.

use serde::Serialize;

use super::{HazardControl, HazardRow};
use crate::config::ScaleLevel;
use crate::stages::Checked;
use crate::verdict;

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
            benefit_risk: view
                .benefit_risk
                .clone()
                .filter(|t| !crate::text::shows_nothing(t)),
            controls: v
                .controls
                .iter()
                .map(|c| HazardControl {
                    id: c.id.clone(),
                    verified: c.verified,
                    control_type: view.control_types.get(&c.id).copied(),
                })
                .collect(),
            suspect: v.suspect.clone(),
            controlled: v.controlled,
        })
        .collect();
    hazards
}

/// The context a reviewer reads the hazards in (ISO 14971 clauses 4.4 and
/// 8): the scales, the acceptability rule, the overall conclusion, and the
/// risk matrix with how many hazards lie in each cell before and after
/// control.
#[derive(Debug, Clone, Serialize)]
pub struct RiskContext {
    /// The acceptability rule: severity x probability at or below it.
    pub acceptable_score: i64,
    /// The severity scale's levels, lowest first; empty when relpack.toml
    /// defines none.
    pub severity: Vec<ScaleLevel>,
    pub probability: Vec<ScaleLevel>,
    /// The overall residual-risk evaluation (Markdown), if written.
    pub conclusion: Option<String>,
    pub matrix: RiskMatrix,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskMatrix {
    /// Levels 1 to this: the scale's top, else 5.
    pub severity_levels: i64,
    pub probability_levels: i64,
    /// Row by row as drawn: the highest probability first, each row by
    /// severity from 1 up.
    pub cells: Vec<MatrixCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixCell {
    pub severity: i64,
    pub probability: i64,
    /// By the acceptability rule (`verdict::acceptable`).
    pub acceptable: bool,
    /// Hazards here before risk control.
    pub initial: usize,
    /// Hazards here after risk control.
    pub residual: usize,
    pub initial_hazards: Vec<String>,
    pub residual_hazards: Vec<String>,
}

pub fn context(c: &Checked, hazards: &[HazardRow]) -> RiskContext {
    let policy = &c.evidence.config.risk;
    let (sn, pn) = (policy.severity_levels(), policy.probability_levels());
    let ids = |pick: &dyn Fn(&HazardRow) -> (i64, i64), s: i64, p: i64| -> Vec<String> {
        hazards
            .iter()
            .filter(|z| pick(z) == (s, p))
            .map(|z| z.id.clone())
            .collect()
    };
    let mut cells = Vec::new();
    for p in (1..=pn).rev() {
        for s in 1..=sn {
            let initial_hazards = ids(&|z| (z.severity, z.probability), s, p);
            let residual_hazards = ids(&|z| (z.residual_severity, z.residual_probability), s, p);
            cells.push(MatrixCell {
                severity: s,
                probability: p,
                acceptable: verdict::acceptable(policy, s, p),
                initial: initial_hazards.len(),
                residual: residual_hazards.len(),
                initial_hazards,
                residual_hazards,
            });
        }
    }
    let by_level = |scale: &[ScaleLevel]| {
        let mut v = scale.to_vec();
        v.sort_by_key(|l| l.level);
        v
    };
    RiskContext {
        acceptable_score: policy.acceptable_score,
        severity: by_level(&policy.severity),
        probability: by_level(&policy.probability),
        conclusion: policy
            .conclusion
            .clone()
            .filter(|t| !crate::text::shows_nothing(t)),
        matrix: RiskMatrix {
            severity_levels: sn,
            probability_levels: pn,
            cells,
        },
    }
}
