//! Section 8, the verification summary: tests and their runs, counts by
//! outcome and method, JUnit files and the cases bound to no test.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{JunitSummary, PropertyCase, RequirementCounts, TestRow, UnboundCase};
use crate::results::{Outcome, Run};
use crate::stages::Checked;

type Counts = BTreeMap<String, usize>;

pub fn tests(c: &Checked) -> (Vec<Arc<Vec<Run>>>, Vec<TestRow>, Counts, Counts) {
    let ev = &c.evidence;
    let outcome_of = |t: usize| c.results.latest.get(&t).copied();
    let mut results = Vec::new();
    let mut tests = Vec::new();
    let mut by_method: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_outcome: BTreeMap<String, usize> = BTreeMap::new();
    for (t, test, view) in ev.tests() {
        let runs = c.results.runs.get(&t).cloned().unwrap_or_default();
        if !runs.is_empty() {
            results.push(Arc::clone(&runs));
        }
        let method = view.method.as_str().to_string();
        *by_method.entry(method.clone()).or_default() += 1;
        let outcome = outcome_of(t);
        *by_outcome
            .entry(
                outcome
                    .map(|o| o.as_str())
                    .unwrap_or("no result")
                    .to_string(),
            )
            .or_default() += 1;
        tests.push(TestRow {
            id: test.id.clone(),
            title: test.title().to_string(),
            method,
            verifies: view.verifies.clone(),
            expected: view.expected.clone(),
            outcome,
            suspect: c.suspect.get(&t).cloned(),
            runs,
        });
    }
    (results, tests, by_method, by_outcome)
}

pub fn junit(c: &Checked) -> (Vec<UnboundCase>, Vec<JunitSummary>) {
    let ev = &c.evidence;
    let bound: Vec<bool> = ev
        .links
        .bindings
        .iter()
        .map(|b| !b.tests.is_empty() || !b.verifies.is_empty())
        .collect();
    let unbound = ev
        .links
        .bindings
        .iter()
        .zip(&bound)
        .filter(|(_, b)| !**b)
        .map(|(b, _)| {
            let f = &ev.junit[b.file];
            let case = &f.cases[b.case];
            UnboundCase {
                name: case.name.clone(),
                outcome: Outcome::from_case(case.outcome),
                source: f.path.clone(),
                line: case.line,
            }
        })
        .collect();
    let junit_files = ev
        .junit
        .iter()
        .map(|f| JunitSummary {
            path: f.path.clone(),
            sha256: f.sha256.clone(),
            cases: f.cases.len(),
            failed: f
                .cases
                .iter()
                .filter(|c| c.outcome == crate::parse::junit::CaseOutcome::Fail)
                .count(),
            skipped: f
                .cases
                .iter()
                .filter(|c| c.outcome == crate::parse::junit::CaseOutcome::Skipped)
                .count(),
            flaky: f.cases.iter().filter(|c| c.flaky).count(),
        })
        .collect();
    (unbound, junit_files)
}

/// Every JUnit case whose own `verifies` property names requirements, in
/// file and case order.
pub fn by_property(c: &Checked) -> Vec<PropertyCase> {
    let ev = &c.evidence;
    ev.links
        .bindings
        .iter()
        .filter(|b| !b.verifies.is_empty())
        .map(|b| {
            let f = &ev.junit[b.file];
            let case = &f.cases[b.case];
            PropertyCase {
                name: case.name.clone(),
                outcome: Outcome::from_case(case.outcome),
                source: f.path.clone(),
                line: case.line,
                executed_at: case.timestamp.clone(),
                verifies: b.verifies.clone(),
                tests: b.tests.iter().map(|&t| ev.items[t].id.clone()).collect(),
            }
        })
        .collect()
}

/// The requirements counted by their verdicts (`verdict.rs`): verified or
/// not, and through test items or JUnit cases' `verifies` properties.
pub fn requirement_counts(c: &Checked) -> RequirementCounts {
    let ev = &c.evidence;
    let mut n = RequirementCounts::default();
    for (r, _, _) in ev.requirements() {
        let Some(v) = c.verdicts.requirement(r).filter(|v| !v.obsolete) else {
            continue;
        };
        n.total += 1;
        if !v.verified {
            n.not_verified += 1;
            continue;
        }
        n.verified += 1;
        n.by_tests += usize::from(ev.links.verified_by.get(&r).is_some_and(|t| !t.is_empty()));
        n.by_cases += usize::from(ev.cases_verifying(r).next().is_some());
    }
    n
}
