//! Sections 3, 9, 10 and 11: documents in order, unresolved anomalies,
//! deviations, SOUP.

use super::{s, strings, AnomalyRow, DeviationRow, SoupRow};
use crate::item::Kind;
use crate::stages::Checked;

pub fn documents(c: &Checked) -> Vec<String> {
    let ev = &c.evidence;
    let mut documents: Vec<(i64, &str)> = ev
        .of_kind(Kind::Document)
        .map(|(_, d)| (d.int("order").unwrap_or(i64::MAX), d.id.as_str()))
        .collect();
    documents.sort();
    documents
        .into_iter()
        .map(|(_, id)| id.to_string())
        .collect()
}

pub fn anomalies(c: &Checked) -> Vec<AnomalyRow> {
    c.evidence
        .of_kind(Kind::Anomaly)
        .filter(|(_, a)| a.str("status") != Some("resolved"))
        .map(|(_, a)| AnomalyRow {
            id: a.id.clone(),
            title: a.title().to_string(),
            severity: s(a.str("severity")),
            status: s(a.str("status")),
            affects: strings(a.links("affects")),
            rationale: a.str("rationale").map(str::to_string),
        })
        .collect()
}

pub fn deviations(c: &Checked) -> Vec<DeviationRow> {
    c.evidence
        .of_kind(Kind::Deviation)
        .map(|(di, d)| DeviationRow {
            id: d.id.clone(),
            waives: s(d.str("waives")),
            items: strings(d.links("items")),
            owner: s(d.str("owner")),
            reason: s(d.str("reason")),
            expires: s(d.str("expires")),
            in_use: c.report.deviations_used.contains(&d.id),
            // Shown for every deviation; only one in use fails the gate.
            expired: !c.verdicts.in_force(di),
        })
        .collect()
}

pub fn soup(c: &Checked) -> Vec<SoupRow> {
    c.evidence
        .of_kind(Kind::Soup)
        .map(|(_, x)| SoupRow {
            id: x.id.clone(),
            name: s(x.str("name")),
            version: x.str("version").map(str::to_string),
            supplier: x.str("supplier").map(str::to_string),
            purpose: x.str("purpose").map(str::to_string),
            licenses: strings(x.links("licenses")),
            purl: x.str("purl").map(str::to_string),
            requirements: strings(x.links("requirements")),
        })
        .collect()
}
