//! Binding JUnit cases to tests: by the test's `junit` names and `*`
//! patterns (indexed by their literal head or tail, so a case name is
//! looked up rather than tried against 40k patterns), and by the case's
//! `test` / `verifies` properties.

use super::{CaseBinding, HashMap, Links};
use crate::diag::Diagnostic;
use crate::item::{Item, Kind};
use crate::parse::junit::{CaseOutcome, JunitCase, JunitFile};

pub(super) fn bind_junit(
    items: &[Item],
    junit: &[JunitFile],
    links: &mut Links,
    diags: &mut Vec<Diagnostic>,
) {
    use rayon::prelude::*;
    let patterns = crate::progress::timed("link: patterns", || Patterns::of(items));
    let cases: Vec<(usize, usize)> = junit
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| (0..f.cases.len()).map(move |ci| (fi, ci)))
        .collect();
    // Cases are bound in parallel, then recorded in file and case order, so
    // binding numbers, lists and diagnostics are as a serial walk makes them.
    let bound: Vec<BoundCase> = cases
        .par_iter()
        .map(|&(fi, ci)| bind_case(items, links, &patterns, &junit[fi], &junit[fi].cases[ci]))
        .collect();
    let mut hit = vec![false; patterns.owner.len()];
    for (&(fi, ci), bound) in cases.iter().zip(bound) {
        let b = links.bindings.len();
        for k in bound.hits {
            hit[k] = true;
        }
        diags.extend(bound.diags);
        for &r in &bound.requirements {
            links.verified_by_cases.entry(r).or_default().push(b);
        }
        for &t in &bound.tests {
            links.cases_of.entry(t).or_default().push(b);
        }
        links.bindings.push(CaseBinding {
            file: fi,
            case: ci,
            tests: bound.tests,
            verifies: bound.verifies,
        });
    }
    let dead = patterns.owner.into_iter().zip(hit).filter(|(_, hit)| !hit);
    for ((t, n), _) in dead {
        let item = &items[t];
        let pattern = item.links("junit")[n].to_string();
        diags.push(
            Diagnostic::warning(format!(
                "test {}: JUnit pattern `{pattern}` matches no test case",
                item.id
            ))
            .at(item.origin.file, item.origin.span_of(&format!("/junit/{n}")))
            .label("matches nothing")
            .note("a typo here would leave the test without a result; the `test-passed` gate reports it"),
        );
        links.dead_patterns.push((t, pattern));
    }
}

/// What one JUnit case is bound to, before it is recorded.
struct BoundCase {
    /// Tests by pattern or by the case's `test` property, sorted, unique.
    tests: Vec<usize>,
    /// The patterns (by number) that matched it.
    hits: Vec<usize>,
    /// Requirement ids of its `verifies` property, and their items.
    verifies: Vec<String>,
    requirements: Vec<usize>,
    diags: Vec<Diagnostic>,
}

fn bind_case(
    items: &[Item],
    links: &Links,
    patterns: &Patterns<'_>,
    file: &JunitFile,
    case: &JunitCase,
) -> BoundCase {
    let mut diags = Vec::new();
    let (mut tests, hits) = patterns.tests_named(&case.name);
    tests.extend(tests_by_property(items, links, file, case, &mut diags));
    tests.sort_unstable();
    tests.dedup();
    let (verifies, requirements) = requirements_by_property(items, links, file, case, &mut diags);
    BoundCase {
        tests,
        hits,
        verifies,
        requirements,
        diags,
    }
}

/// Every test's `junit` patterns, each numbered once so marking it used is
/// an index. Exact names are one map; a wildcard pattern is filed under its
/// head (the text before its first `*`), or under its tail when the head is
/// empty, so a case name is tried only against patterns it starts (or ends)
/// with: one map lookup per distinct head length, linear in cases, not
/// cases x patterns. (A GlobSet of the 40k patterns of the generated tree
/// took 0.2 s to build; this index takes a few milliseconds.)
struct Patterns<'a> {
    /// Pattern number -> (test, index in its `junit`).
    owner: Vec<(usize, usize)>,
    exact: HashMap<&'a str, Vec<usize>>,
    by_head: Affix<'a>,
    by_tail: Affix<'a>,
    /// Patterns with neither head nor tail (`*`, `*x*`): tried on every case.
    anywhere: Vec<(usize, &'a str)>,
}

/// Wildcard patterns by a literal affix, and the distinct affix lengths.
#[derive(Default)]
struct Affix<'a> {
    map: HashMap<&'a str, Vec<(usize, &'a str)>>,
    lens: Vec<usize>,
}

impl<'a> Affix<'a> {
    fn add(&mut self, affix: &'a str, k: usize, pattern: &'a str) {
        self.map.entry(affix).or_default().push((k, pattern));
    }

    fn finish(&mut self) {
        self.lens = self.map.keys().map(|a| a.len()).collect();
        self.lens.sort_unstable();
        self.lens.dedup();
    }

    /// Patterns filed under an affix of `name`; `head` picks prefix or suffix.
    fn candidates<'s>(
        &'s self,
        name: &'s str,
        head: bool,
    ) -> impl Iterator<Item = &'s (usize, &'a str)> + 's {
        self.lens
            .iter()
            .take_while(move |&&len| len <= name.len())
            .filter_map(move |&len| {
                let affix = if head {
                    name.get(..len)
                } else {
                    name.get(name.len() - len..)
                }?;
                self.map.get(affix)
            })
            .flatten()
    }
}

impl<'a> Patterns<'a> {
    fn of(items: &'a [Item]) -> Patterns<'a> {
        let mut patterns = Patterns {
            owner: Vec::new(),
            exact: HashMap::default(),
            by_head: Affix::default(),
            by_tail: Affix::default(),
            anywhere: Vec::new(),
        };
        for (i, item) in items.iter().enumerate() {
            if item.kind != Kind::Test {
                continue;
            }
            for (n, p) in item.links("junit").into_iter().enumerate() {
                let k = patterns.owner.len();
                patterns.owner.push((i, n));
                match (p.split_once('*'), p.rsplit_once('*')) {
                    (None, _) | (_, None) => patterns.exact.entry(p).or_default().push(k),
                    (Some((head, _)), _) if !head.is_empty() => patterns.by_head.add(head, k, p),
                    (_, Some((_, tail))) if !tail.is_empty() => patterns.by_tail.add(tail, k, p),
                    _ => patterns.anywhere.push((k, p)),
                }
            }
        }
        patterns.by_head.finish();
        patterns.by_tail.finish();
        patterns
    }

    /// The tests whose patterns match a case name, and those patterns.
    fn tests_named(&self, name: &str) -> (Vec<usize>, Vec<usize>) {
        let mut tests = Vec::new();
        let mut hits = Vec::new();
        for &k in self.exact.get(name).into_iter().flatten() {
            tests.push(self.owner[k].0);
            hits.push(k);
        }
        let wild = self
            .by_head
            .candidates(name, true)
            .chain(self.by_tail.candidates(name, false))
            .chain(self.anywhere.iter());
        for &(k, pattern) in wild {
            if wildcard_match(pattern, name) {
                tests.push(self.owner[k].0);
                hits.push(k);
            }
        }
        (tests, hits)
    }
}

/// Whether a contract pattern matches a whole case name. `*` (any run of
/// characters, `/` included) is the only wildcard; everything else is
/// literal: `?`, `[`, `{` and a backslash (pytest writes `\u03bc` into
/// parametrize ids) are characters. Leftmost matching of each middle piece
/// is exact for patterns whose only wildcard is `*`.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let Some((head, after)) = pattern.split_once('*') else {
        return pattern == name;
    };
    let (middle, tail) = after.rsplit_once('*').unwrap_or(("", after));
    let Some(rest) = name.strip_prefix(head) else {
        return false;
    };
    let Some(mut rest) = rest.strip_suffix(tail) else {
        return false;
    };
    for piece in middle.split('*').filter(|p| !p.is_empty()) {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// The tests a case names by its own `test` property.
fn tests_by_property(
    items: &[Item],
    links: &Links,
    file: &JunitFile,
    case: &JunitCase,
    diags: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let mut tests = Vec::new();
    for tid in case.property_ids("test") {
        match links.get(tid) {
            Some(t) if items[t].kind == Kind::Test => tests.push(t),
            _ => diags.push(
                Diagnostic::warning(format!(
                    "{}:{}: JUnit case `{}` names test `{tid}`, which is not a test item",
                    file.path, case.line, case.name
                ))
                .in_file(file.file),
            ),
        }
    }
    tests
}

/// The requirements a case verifies by its own `verifies` property: their
/// ids and their items.
fn requirements_by_property(
    items: &[Item],
    links: &Links,
    file: &JunitFile,
    case: &JunitCase,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<String>, Vec<usize>) {
    let mut verifies: Vec<String> = Vec::new();
    let mut requirements = Vec::new();
    for rid in case.property_ids("verifies") {
        match links.get(rid) {
            Some(r) if items[r].kind == Kind::Requirement => {
                verifies.push(rid.to_string());
                requirements.push(r);
            }
            _ => diags.push(
                Diagnostic::error(format!(
                    "{}:{}: JUnit case `{}` verifies `{rid}`, which is not a requirement",
                    file.path, case.line, case.name
                ))
                .in_file(file.file),
            ),
        }
    }
    (verifies, requirements)
}

/// Whether a JUnit outcome counts as passed for the gates.
pub fn case_passed(o: CaseOutcome) -> bool {
    o == CaseOutcome::Pass
}

#[cfg(test)]
mod tests {
    use super::{wildcard_match, Patterns};
    use crate::item::{Item, Kind, Origin};
    use proptest::prelude::*;

    fn test_item(i: usize, junit: &[String]) -> Item {
        let mut fields = serde_json::Map::new();
        fields.insert("id".into(), format!("T{i}").into());
        fields.insert("junit".into(), junit.to_vec().into());
        Item {
            kind: Kind::Test,
            id: format!("T{i}"),
            fields: fields.into(),
            origin: Origin::new(0, 0..0),
            from_bom: false,
        }
    }

    /// The contract's pattern as a glob, the way relpack matched before its
    /// own matcher: the oracle the matcher is held to.
    fn oracle(pattern: &str, name: &str) -> bool {
        let mut glob = String::new();
        for (i, part) in pattern.split('*').enumerate() {
            if i > 0 && !glob.ends_with('*') {
                glob.push('*');
            }
            glob.push_str(&globset::escape(part));
        }
        globset::GlobBuilder::new(&glob)
            .literal_separator(false)
            .backslash_escape(false)
            .build()
            .unwrap()
            .compile_matcher()
            .is_match(name)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn matches_as_the_glob_does(
            pattern in "[ab*?\\[/μ]{0,7}",
            name in "[ab?\\[/μ]{0,8}",
        ) {
            prop_assert_eq!(wildcard_match(&pattern, &name), oracle(&pattern, &name));
        }

        /// Two letters and many stars: repeated pieces, where a matcher
        /// that reuses characters or backtracks wrongly shows.
        #[test]
        fn matches_as_the_glob_does_on_repeated_pieces(
            pattern in "[ab*]{0,9}",
            name in "[ab]{0,9}",
        ) {
            prop_assert_eq!(wildcard_match(&pattern, &name), oracle(&pattern, &name));
        }

        /// The index (by head, by tail, anywhere, exact) finds exactly the
        /// patterns that trying every pattern on the name finds.
        #[test]
        fn the_pattern_index_finds_what_trying_every_pattern_finds(
            tests in proptest::collection::vec(
                proptest::collection::vec("[ab*]{0,5}", 0..3), 0..6),
            names in proptest::collection::vec("[ab]{0,6}", 0..8),
        ) {
            let items: Vec<Item> =
                tests.iter().enumerate().map(|(i, j)| test_item(i, j)).collect();
            let patterns = Patterns::of(&items);
            let all: Vec<(usize, &str)> = tests
                .iter()
                .enumerate()
                .flat_map(|(i, j)| j.iter().map(move |p| (i, p.as_str())))
                .collect();
            for name in &names {
                let (mut found, mut hits) = patterns.tests_named(name);
                found.sort_unstable();
                hits.sort_unstable();
                let want_hits: Vec<usize> = (0..all.len())
                    .filter(|&k| wildcard_match(all[k].1, name))
                    .collect();
                let mut want: Vec<usize> = want_hits.iter().map(|&k| all[k].0).collect();
                want.sort_unstable();
                prop_assert_eq!(&hits, &want_hits, "name {:?}", name);
                prop_assert_eq!(&found, &want, "name {:?}", name);
            }
        }

        #[test]
        fn a_name_matches_itself_and_a_pattern_made_from_it(
            name in "[ab?\\[/μ]{0,8}",
            cut in 0usize..8,
        ) {
            prop_assert!(wildcard_match(&name, &name));
            let chars: Vec<char> = name.chars().collect();
            let cut = cut.min(chars.len());
            let pattern: String = chars[..cut].iter().chain(['*'].iter()).collect();
            prop_assert!(wildcard_match(&pattern, &name));
        }
    }

    #[test]
    fn overlapping_head_and_tail_do_not_share_characters() {
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("ab*ba", "abba"));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxcyyb"));
        assert!(!wildcard_match("*a*a*", "a"));
        assert!(wildcard_match("*a*a*", "aa"));
    }
}
