//! What a quality system tracks release over release, counted from the
//! packet's own rows (every verdict in them was decided by the gate
//! stage): share of requirements fully traced, deviations in force, open
//! anomalies by severity, tests by outcome, days from the first approval
//! of the release to its date. packet.json's `measures`; OUT/index.html
//! charts them over the releases in OUT.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Packet;
use crate::packet_file::SummaryMeasures;

/// Every severity an anomaly may have, so each is counted (0 included).
const SEVERITIES: [&str; 4] = ["critical", "major", "minor", "cosmetic"];

pub fn measures(p: &Packet) -> SummaryMeasures {
    let requirements = p.requirements.len();
    // Fully traced: nothing missing in its trace (need, test, result, pass).
    let traced = p.requirements.iter().filter(|r| r.gaps.is_empty()).count();
    let traced_percent = if requirements == 0 {
        100.0
    } else {
        (traced as f64 * 1000.0 / requirements as f64).round() / 10.0
    };
    let mut open: BTreeMap<String, usize> = SEVERITIES.iter().map(|s| (s.to_string(), 0)).collect();
    for a in p.anomalies.iter().filter(|a| a.status != "resolved") {
        *open.entry(a.severity.clone()).or_default() += 1;
    }
    let release = NaiveDate::parse_from_str(&p.release.date, "%Y-%m-%d").ok();
    let first_approval = p
        .approvals
        .iter()
        .filter(|a| !a.history)
        .filter_map(|a| NaiveDate::parse_from_str(a.signed_at.get(..10)?, "%Y-%m-%d").ok())
        .min();
    SummaryMeasures {
        requirements,
        requirements_traced: traced,
        traced_percent,
        deviations_in_force: p.deviations.iter().filter(|d| !d.expired).count(),
        open_anomalies: open,
        tests_by_outcome: p.verification.by_outcome.clone(),
        days_first_approval_to_release: release
            .zip(first_approval)
            .map(|(r, a)| (r - a).num_days()),
    }
}
