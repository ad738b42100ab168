//! `[risk]`: the risk management policy of ISO 14971. The acceptability
//! rule (`acceptable_score`), the definitions of the severity and
//! probability scales (`[[risk.severity]]`, `[[risk.probability]]`: each
//! level's number, name and description) and the overall residual-risk
//! conclusion (clause 8). The scales are checked in `diagnose.rs`; the rule
//! is applied in `verdict.rs` and nowhere else.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    #[serde(default = "default_acceptable")]
    pub acceptable_score: i64,
    /// Empty: the scale is not defined (levels are bare numbers 1 to 5).
    #[serde(default)]
    pub severity: Vec<ScaleLevel>,
    #[serde(default)]
    pub probability: Vec<ScaleLevel>,
    /// The overall residual risk evaluation (Markdown).
    pub conclusion: Option<String>,
}

/// One level of a scale, as the risk management plan defines it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleLevel {
    pub level: i64,
    pub name: String,
    pub description: String,
}

fn default_acceptable() -> i64 {
    6
}

impl Default for Risk {
    fn default() -> Self {
        Risk {
            acceptable_score: default_acceptable(),
            severity: Vec::new(),
            probability: Vec::new(),
            conclusion: None,
        }
    }
}

impl Risk {
    /// The highest severity level: the scale's top, else 5 (the schema's).
    pub fn severity_levels(&self) -> i64 {
        top_level(&self.severity)
    }

    pub fn probability_levels(&self) -> i64 {
        top_level(&self.probability)
    }
}

fn top_level(scale: &[ScaleLevel]) -> i64 {
    scale.iter().map(|l| l.level).max().unwrap_or(5)
}
