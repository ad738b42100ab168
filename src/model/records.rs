//! Sections 3, 9, 10 and 11: documents in order, unresolved anomalies,
//! deviations, SOUP.

use super::{AnomalyRow, DeviationRow, SoupRow};
use crate::kinds::AnomalyStatus;
use crate::stages::Checked;

pub fn documents(c: &Checked) -> Vec<String> {
    let ev = &c.evidence;
    let mut documents: Vec<(i64, &str)> = ev
        .documents()
        .map(|(_, d, view)| (view.order.unwrap_or(i64::MAX), d.id.as_str()))
        .collect();
    documents.sort();
    documents
        .into_iter()
        .map(|(_, id)| id.to_string())
        .collect()
}

pub fn anomalies(c: &Checked) -> Vec<AnomalyRow> {
    c.evidence
        .anomalies()
        .filter(|(_, _, a)| a.status != AnomalyStatus::Resolved)
        .map(|(ai, item, a)| AnomalyRow {
            id: item.id.clone(),
            title: item.title().to_string(),
            severity: a.severity.as_str().to_string(),
            status: a.status.as_str().to_string(),
            affects: a.affects.clone(),
            rationale: a.rationale.clone(),
            impact: a.impact.clone(),
            correction_plan: a.correction_plan.clone(),
            due: a.due.clone(),
            overdue: c.verdicts.anomalies.get(&ai).is_some_and(|v| v.overdue),
        })
        .collect()
}

pub fn deviations(c: &Checked) -> Vec<DeviationRow> {
    c.evidence
        .deviations()
        .map(|(di, d, dev)| DeviationRow {
            id: d.id.clone(),
            waives: dev.waives.clone(),
            items: dev.items.clone(),
            owner: dev.owner.clone(),
            reason: dev.reason.clone(),
            expires: dev.expires.clone(),
            in_use: c.report.deviations_used.contains(&d.id),
            // Shown for every deviation; only one in use fails the gate.
            expired: !c.verdicts.in_force(di),
        })
        .collect()
}

pub fn soup(c: &Checked) -> Vec<SoupRow> {
    c.evidence
        .soups()
        .map(|(_, x, soup)| SoupRow {
            id: x.id.clone(),
            name: soup.name.clone(),
            version: soup.version.clone(),
            supplier: soup.supplier.clone(),
            purpose: soup.purpose.clone(),
            known_anomalies_reviewed: soup.known_anomalies_reviewed.clone(),
            licenses: soup.licenses.clone(),
            purl: soup.purl.clone(),
            requirements: soup.requirements.clone(),
        })
        .collect()
}
