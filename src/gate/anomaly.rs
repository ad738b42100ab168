//! `anomaly-open`: known residual anomalies (IEC 62304 5.8.3) within policy.

use super::{Finding, GateInput};
use crate::config::AnomalySeverity;
use crate::item::Kind;

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let max = ev.config.gates.max_open_anomaly;
    let mut out = Vec::new();
    for (_, a) in ev.of_kind(Kind::Anomaly) {
        let status = a.str("status").unwrap_or("open");
        if status == "resolved" {
            continue;
        }
        let severity = a
            .str("severity")
            .and_then(AnomalySeverity::parse)
            .unwrap_or(AnomalySeverity::Critical);
        if severity > max {
            out.push(Finding::at(
                ev,
                a,
                "/severity",
                format!(
                    "anomaly {} is {status} and {}; the release allows at most {}",
                    a.id,
                    a.str("severity").unwrap_or("?"),
                    serde_json::to_value(max)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ),
            ));
        }
        if a.str("rationale").is_none_or(|r| r.trim().is_empty()) {
            out.push(Finding::about(
                ev,
                a,
                format!("anomaly {} is {status} and has no rationale", a.id),
            ));
        }
    }
    out
}
