//! `requirement-verified` and `test-passed`.

use super::{Finding, GateInput};
use crate::item::Kind;
use crate::results::Outcome;

pub fn requirement_verified(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    // Whether a requirement has a test at all is its verdict's (verdict.rs).
    ev.of_kind(Kind::Requirement)
        .filter(|(i, _)| {
            input
                .verdicts
                .requirement(*i)
                .is_some_and(|v| !v.obsolete && !v.has_test)
        })
        .map(|(_, r)| {
            Finding::about(
                ev,
                r,
                format!("requirement {} is verified by no test", r.id),
            )
        })
        .collect()
}

pub fn test_passed(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let mut out = Vec::new();
    for (t, test, view) in ev.tests() {
        if view.verifies.is_empty() {
            continue;
        }
        match input.results.latest.get(&t) {
            None => out.push(Finding::about(
                ev,
                test,
                format!("test {} has no result for version {}", test.id, ev.version),
            )),
            Some(Outcome::Pass) => {}
            Some(o) => out.push(Finding::about(
                ev,
                test,
                format!("test {}: latest result is {}", test.id, o.as_str()),
            )),
        }
        if let Some(reason) = input.suspect.get(&t) {
            out.push(Finding::about(
                ev,
                test,
                format!("test {} is suspect: {reason}; it has no result newer than the previous release", test.id),
            ));
        }
    }
    for (t, pattern) in &ev.links.dead_patterns {
        let test = &ev.items[*t];
        let n = ev
            .views
            .test(*t)
            .map(|v| v.junit.as_slice())
            .unwrap_or_default()
            .iter()
            .position(|p| p == pattern)
            .unwrap_or(0);
        out.push(Finding::at(
            ev,
            test,
            &format!("/junit/{n}"),
            format!(
                "test {}: JUnit pattern `{pattern}` matches no test case",
                test.id
            ),
        ));
    }
    // JUnit cases that verify requirements by their own property.
    for b in &ev.links.bindings {
        if b.verifies.is_empty() {
            continue;
        }
        let file = &ev.junit[b.file];
        let case = &file.cases[b.case];
        if case.outcome != crate::parse::junit::CaseOutcome::Pass {
            out.push(Finding {
                message: format!(
                    "JUnit case `{}` (verifies {}) did not pass",
                    case.name,
                    b.verifies.join(", ")
                ),
                items: b.verifies.clone(),
                file: Some(file.path.clone()),
                line: Some(case.line as usize),
                waived_by: None,
                column: None,
                unwaivable: false,
            });
        }
    }
    out
}
