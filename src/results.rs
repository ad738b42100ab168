//! The latest outcome of every test: from its result records (for this
//! version) or from the JUnit cases bound to it. Computed once, read by the
//! gates and the packet model.

use crate::fasthash::HashMap;

use serde::Serialize;

use crate::evidence::Evidence;
use crate::kinds::Method;
pub use crate::kinds::Outcome;
use crate::parse::junit::{CaseOutcome, JunitCase, JunitFile};

/// One run of a test: a result record or a bound JUnit case.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub test: String,
    pub outcome: Outcome,
    /// The file it was read from.
    pub source: String,
    /// The JUnit case name, for automated runs.
    pub case: Option<String>,
    /// The result record's id, for recorded runs.
    pub record: Option<String>,
    pub executed_at: Option<String>,
    pub executed_by: Option<String>,
    pub version: Option<String>,
    /// A record's commit, environment and notes (none for a JUnit case).
    pub commit: Option<String>,
    pub environment: Option<String>,
    pub notes: Option<String>,
    pub flaky: bool,
    /// A record for another version: shown, never counted.
    pub other_version: bool,
}

impl Run {
    /// A JUnit case as a run of `test` (empty for a case that verifies
    /// requirements by its own `verifies` property and is bound to no test).
    pub fn of_case(test: &str, file: &JunitFile, case: &JunitCase) -> Run {
        Run {
            test: test.to_string(),
            outcome: Outcome::from_case(case.outcome),
            source: file.path.clone(),
            case: Some(case.name.clone()),
            record: None,
            executed_at: case.timestamp.clone(),
            executed_by: None,
            version: None,
            commit: None,
            environment: None,
            notes: None,
            flaky: case.flaky,
            other_version: false,
        }
    }
}

/// Per test (item index): every run, and the one latest outcome.
#[derive(Debug, Default)]
pub struct TestResults {
    /// Shared with the packet model (its results and each test's row).
    pub runs: HashMap<usize, std::sync::Arc<Vec<Run>>>,
    pub latest: HashMap<usize, Outcome>,
    /// The index in its runs of the run its latest outcome comes from
    /// (what the trace shows as a requirement's latest result).
    pub deciding: HashMap<usize, usize>,
}

impl TestResults {
    /// Test by test, on every thread (80k JUnit cases become runs).
    pub fn compute(ev: &Evidence) -> TestResults {
        use rayon::prelude::*;
        let tests: Vec<_> = ev.tests().collect();
        let per_test: Vec<_> = tests
            .par_iter()
            .map(|&(t, test, view)| (t, Self::of_test(ev, t, test, view)))
            .collect();
        let mut out = TestResults {
            runs: HashMap::with_capacity_and_hasher(per_test.len(), Default::default()),
            latest: HashMap::with_capacity_and_hasher(per_test.len(), Default::default()),
            deciding: HashMap::with_capacity_and_hasher(per_test.len(), Default::default()),
        };
        for (t, (runs, latest, deciding)) in per_test {
            if let Some(o) = latest {
                out.latest.insert(t, o);
            }
            if let Some(i) = deciding {
                out.deciding.insert(t, i);
            }
            out.runs.insert(t, std::sync::Arc::new(runs));
        }
        out
    }

    /// One test's runs (its JUnit cases, then its result records newest
    /// first), its latest outcome, and the run that outcome comes from.
    fn of_test(
        ev: &Evidence,
        t: usize,
        test: &crate::item::Item,
        view: &crate::kinds::Test,
    ) -> (Vec<Run>, Option<Outcome>, Option<usize>) {
        let mut runs = Vec::new();
        // Result records, newest first by executed_at (RFC 3339 strings
        // compare correctly only in one offset, so parse them).
        let mut records: Vec<(Option<chrono::DateTime<chrono::FixedOffset>>, Run)> = ev
            .links
            .results_of
            .get(&t)
            .into_iter()
            .flatten()
            .map(|&r| {
                let rec = &ev.items[r];
                let view = ev.views.result(r);
                let version = view.and_then(|v| v.version.clone());
                let at = view.map(|v| v.executed_at.clone());
                let parsed = at.as_deref().and_then(parse_datetime);
                let other_version = version.as_deref().is_some_and(|v| v != ev.version);
                (
                    parsed,
                    Run {
                        test: test.id.clone(),
                        outcome: view.map_or(Outcome::Blocked, |v| v.outcome),
                        source: ev.sources.path(rec.origin.file).to_string(),
                        case: None,
                        record: Some(rec.id.clone()),
                        executed_at: at,
                        executed_by: view.map(|v| v.executed_by.clone()),
                        version,
                        commit: view.and_then(|v| v.commit.clone()),
                        environment: view.and_then(|v| v.environment.clone()),
                        notes: view.and_then(|v| v.notes.clone()),
                        flaky: false,
                        other_version,
                    },
                )
            })
            .collect();
        records.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.record.cmp(&b.1.record)));
        let latest_record = records
            .iter()
            .find(|(_, r)| !r.other_version)
            .map(|(_, r)| r.outcome);
        let mut case_outcomes = Vec::new();
        for &b in ev.links.cases_of.get(&t).into_iter().flatten() {
            let binding = &ev.links.bindings[b];
            let file = &ev.junit[binding.file];
            let case = &file.cases[binding.case];
            case_outcomes.push(case.outcome);
            runs.push(Run::of_case(&test.id, file, case));
        }
        let cases = runs.len();
        let first_record = records.iter().position(|(_, r)| !r.other_version);
        runs.extend(records.into_iter().map(|(_, r)| r));
        let junit = aggregate(&case_outcomes);
        let automated = view.method == Method::Automated;
        // An automated test is judged by its CI run, a manual one by its
        // record; each falls back on the other where it has none. A bound
        // case that failed fails any test: no record outweighs it.
        let (latest, by_cases) = if automated || junit == Some(Outcome::Fail) {
            (junit.or(latest_record), junit.is_some())
        } else {
            (latest_record.or(junit), latest_record.is_none())
        };
        // From its cases: the newest case of that outcome (the first of
        // equals); from its records: the record that counts.
        let deciding = match latest {
            Some(o) if by_cases => (0..cases)
                .filter(|&i| runs[i].outcome == o)
                .max_by_key(|&i| {
                    let at = runs[i].executed_at.as_deref().and_then(parse_datetime);
                    (at, std::cmp::Reverse(i))
                }),
            Some(_) => first_record.map(|i| cases + i),
            None => None,
        };
        (runs, latest, deciding)
    }
}

/// A test whose bound cases include one failure has failed; one whose cases
/// were all skipped was skipped; otherwise it passed.
pub fn aggregate(cases: &[CaseOutcome]) -> Option<Outcome> {
    if cases.is_empty() {
        None
    } else if cases.contains(&CaseOutcome::Fail) {
        Some(Outcome::Fail)
    } else if cases.contains(&CaseOutcome::Pass) {
        Some(Outcome::Pass)
    } else {
        Some(Outcome::Skipped)
    }
}

pub fn parse_datetime(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    // Every form the schemas allow: `T`, `t` or a space between date and
    // time, seconds optional, `Z` or `z`, an offset or none (then UTC). A
    // date-time read as none would sort as the oldest, so none is dropped.
    let (date, rest) = (s.get(..10)?, s.get(11..)?);
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let split = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, offset) = rest.split_at(split);
    let seconds = if time.len() == 5 { ":00" } else { "" };
    let offset = match offset {
        "" | "Z" | "z" => "+00:00",
        other => other,
    };
    chrono::DateTime::parse_from_rfc3339(&format!("{date}T{time}{seconds}{offset}")).ok()
}
