//! Sections 5 and 7: each requirement with its trace (needs, hazards,
//! tests, cases, latest result) and its verification verdict.

use crate::fasthash::HashMap;

use super::{CaseRef, CodeRef, RequirementRow, TestRef};
use crate::gate::effective_class;
use crate::item::Kind;
use crate::results::{Outcome, Run};
use crate::stages::Checked;

pub fn requirements(c: &Checked) -> Vec<RequirementRow> {
    let ev = &c.evidence;
    let outcome_of = |t: usize| c.results.latest.get(&t).copied();
    let mut needs_memo: HashMap<usize, Vec<String>> = HashMap::default();
    let code = code_refs(ev);
    let requirements: Vec<RequirementRow> = ev
        .requirements()
        .map(|(r, item, req)| {
            let needs = needs_of(ev, r, &mut needs_memo, 0);
            let test_refs: Vec<TestRef> = ev
                .links
                .verified_by
                .get(&r)
                .into_iter()
                .flatten()
                .map(|&t| TestRef {
                    id: ev.items[t].id.clone(),
                    outcome: outcome_of(t),
                    suspect: c.suspect.contains_key(&t),
                })
                .collect();
            let cases: Vec<CaseRef> = ev
                .cases_verifying(r)
                .map(|(f, case)| CaseRef {
                    name: case.name.clone(),
                    outcome: Outcome::from_case(case.outcome),
                    source: f.path.clone(),
                })
                .collect();
            let latest = latest_run(c, r);
            let verdict = c.verdicts.requirement(r);
            RequirementRow {
                id: item.id.clone(),
                title: item.title().to_string(),
                status: <&str>::from(req.status).to_string(),
                safety_class: effective_class(ev, req).as_str().to_string(),
                derives_from: req.derives_from.clone(),
                needs,
                hazards: ids_of(ev, ev.links.controls_of.get(&r)),
                tests: test_refs,
                cases,
                soup: ids_of(ev, ev.links.soup_of.get(&r)),
                latest,
                verified: verdict.is_some_and(|v| v.verified),
                gaps: verdict
                    .map(|v| v.gaps.iter().map(|g| g.to_string()).collect())
                    .unwrap_or_default(),
                code: code.get(item.id.as_str()).cloned().unwrap_or_default(),
            }
        })
        .collect();
    requirements
}

/// The requirement's latest result: among the runs its tests' outcomes
/// come from (`TestResults::deciding`) and the JUnit cases that verify it
/// by property, the newest that did not pass, else the newest. So the
/// trace never shows a pass beside a test that failed, nor a failure the
/// gates did not count. Only the one chosen is cloned (a pattern may bind
/// thousands of cases).
fn latest_run(c: &Checked, r: usize) -> Option<Run> {
    use crate::results::Outcome;
    use std::cmp::Reverse;
    let ev = &c.evidence;
    let when = |at: Option<&str>| at.and_then(crate::results::parse_datetime);
    enum Pick<'a> {
        Run(&'a Run),
        Case(
            &'a crate::parse::junit::JunitFile,
            &'a crate::parse::junit::JunitCase,
        ),
    }
    let from_tests = ev
        .links
        .verified_by
        .get(&r)
        .into_iter()
        .flatten()
        .filter_map(|t| c.results.runs.get(t)?.get(*c.results.deciding.get(t)?))
        .map(|run| (run.outcome, run.executed_at.as_deref(), Pick::Run(run)));
    let from_cases = ev.cases_verifying(r).map(|(f, case)| {
        (
            Outcome::from_case(case.outcome),
            case.timestamp.as_deref(),
            Pick::Case(f, case),
        )
    });
    let (_, (_, _, pick)) = from_tests
        .chain(from_cases)
        .enumerate()
        .max_by_key(|(i, (outcome, at, _))| (*outcome != Outcome::Pass, when(*at), Reverse(*i)))?;
    Some(match pick {
        Pick::Run(run) => run.clone(),
        Pick::Case(f, case) => Run::of_case("", f, case),
    })
}

/// The markers by the id they name, in path and line order, each linked to
/// `[trace] web_url` (its `{commit}` replaced by the built commit) + path.
fn code_refs(ev: &crate::evidence::Evidence) -> HashMap<&str, Vec<CodeRef>> {
    let base = ev
        .config
        .trace
        .web_url
        .as_deref()
        .zip(ev.git.as_ref())
        // Only a web address becomes a link (the site's pages are strict).
        .filter(|(url, _)| url.starts_with("https://") || url.starts_with("http://"))
        .map(|(url, g)| url.replace("{commit}", &g.commit));
    let mut out: HashMap<&str, Vec<CodeRef>> = HashMap::default();
    for m in &ev.markers.markers {
        out.entry(m.id.as_str()).or_default().push(CodeRef {
            path: m.path.clone(),
            line: m.line,
            verb: m.verb.as_str(),
            url: base
                .as_ref()
                .map(|b| format!("{}/{}#L{}", b.trim_end_matches('/'), m.path, m.line)),
        });
    }
    out
}

fn ids_of(ev: &crate::evidence::Evidence, list: Option<&Vec<usize>>) -> Vec<String> {
    list.into_iter()
        .flatten()
        .map(|&i| ev.items[i].id.clone())
        .collect()
}

/// Needs a requirement derives from, directly or through parents. Depth is
/// bounded (cycles were refused at link time; this guards the recursion).
fn needs_of(
    ev: &crate::evidence::Evidence,
    r: usize,
    memo: &mut HashMap<usize, Vec<String>>,
    depth: usize,
) -> Vec<String> {
    if let Some(v) = memo.get(&r) {
        return v.clone();
    }
    let mut out = Vec::new();
    if depth < 64 {
        let parents = ev.views.requirement(r).map(|v| v.derives_from.as_slice());
        for target in parents.unwrap_or_default() {
            let Some(t) = ev.links.get(target) else {
                continue;
            };
            match ev.items[t].kind {
                Kind::Need => out.push(ev.items[t].id.clone()),
                Kind::Requirement => out.extend(needs_of(ev, t, memo, depth + 1)),
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    memo.insert(r, out.clone());
    out
}
