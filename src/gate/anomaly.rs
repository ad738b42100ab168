//! `anomaly-open`: known residual anomalies (IEC 62304 5.8.3) within policy.

use super::{Finding, GateInput};
use crate::kinds::AnomalyStatus;

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let max = ev.config.gates.max_open_anomaly;
    let mut out = Vec::new();
    for (ai, item, a) in ev.anomalies() {
        if a.status == AnomalyStatus::Resolved {
            continue;
        }
        let status = a.status.as_str();
        if a.severity > max {
            out.push(Finding::at(
                ev,
                item,
                "/severity",
                format!(
                    "anomaly {} is {status} and {}; the release allows at most {}",
                    item.id,
                    a.severity.as_str(),
                    max.as_str()
                ),
            ));
        }
        let verdict = input.verdicts.anomalies.get(&ai);
        if let Some(due) = verdict.filter(|v| v.overdue).and_then(|v| v.due) {
            out.push(Finding::at(
                ev,
                item,
                "/due",
                format!(
                    "anomaly {} is deferred and its correction was due on {due}, before the release date {}: correct it, set a new `due` with a plan, or waive it with a deviation",
                    item.id, ev.date
                ),
            ));
        }
        if a.due.is_some() && verdict.is_some_and(|v| v.due.is_none()) {
            out.push(Finding::at(
                ev,
                item,
                "/due",
                format!("anomaly {}: `due` is not a date", item.id),
            ));
        }
        if crate::text::shown(a.rationale.as_deref()).is_none() {
            out.push(Finding::about(
                ev,
                item,
                format!("anomaly {} is {status} and has no rationale", item.id),
            ));
        }
    }
    out
}
