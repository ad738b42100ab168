//! The rules, in-process through the library: typed views and their
//! defaults, verdicts, JUnit binding and gate findings, asserted on the
//! values the stages produce rather than on printed text. Fast and precise;
//! the CLI contract is tested through the binary elsewhere.

use relpack::config::{AnomalySeverity, Paper};
use relpack::kinds::{AnomalyStatus, Method, RequirementStatus, Scope};
use relpack::{Checked, Options};

use super::{tree, CONFIG};

/// `relpack::check` on a tree of one evidence file beside [`CONFIG`].
fn checked(evidence: &str) -> Checked {
    checked_with(CONFIG, &[("e.toml", evidence)])
}

fn checked_with(config: &str, files: &[(&str, &str)]) -> Checked {
    let mut all = vec![("relpack.toml", config)];
    all.extend_from_slice(files);
    let dir = tree(&all);
    match relpack::check(dir.path(), &Options::default()) {
        Ok(c) => c,
        Err(f) => panic!(
            "the tree is refused: {:?}",
            f.diags
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        ),
    }
}

fn index(c: &Checked, id: &str) -> usize {
    c.evidence
        .links
        .get(id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

/// The messages of one gate's findings.
fn findings(c: &Checked, gate: &str) -> Vec<String> {
    c.report
        .gates
        .iter()
        .find(|g| g.id == gate)
        .unwrap_or_else(|| panic!("no gate {gate}"))
        .findings
        .iter()
        .map(|f| f.message.clone())
        .collect()
}

const NEED_AND_REQ: &str = r#"
[[need]]
id = "N-1"
title = "n"

[[requirement]]
id = "REQ-1"
title = "r"
text = "t"
derives_from = ["N-1"]
"#;

#[test]
fn typed_views_carry_each_kinds_defaults() {
    let c = checked(&format!(
        "{NEED_AND_REQ}
[[test]]
id = \"T-1\"
title = \"t\"
verifies = [\"REQ-1\"]

[[anomaly]]
id = \"A-1\"
title = \"a\"
severity = \"minor\"
status = \"deferred\"
rationale = \"why\"

[[approval]]
id = \"AP-1\"
signer = \"Dana\"
role = \"QA\"
meaning = \"approved\"
signed_at = 2026-11-20T10:00:00Z
scope = \"release\"
digest = \"sha256:{zeros}\"
",
        zeros = "0".repeat(64)
    ));
    let v = &c.evidence.views;
    let req = v.requirement(index(&c, "REQ-1")).unwrap();
    assert_eq!(req.status, RequirementStatus::Approved);
    assert_eq!(req.safety_class, None);
    assert_eq!(req.derives_from, ["N-1"]);
    let test = v.test(index(&c, "T-1")).unwrap();
    assert_eq!(test.method, Method::Automated);
    assert!(test.junit.is_empty());
    let anomaly = v.anomaly(index(&c, "A-1")).unwrap();
    assert_eq!(anomaly.severity, AnomalySeverity::Minor);
    assert_eq!(anomaly.status, AnomalyStatus::Deferred);
    let approval = v.approval(index(&c, "AP-1")).unwrap();
    assert_eq!(approval.scope, Scope::Release);
    // A view of another kind is none.
    assert!(v.hazard(index(&c, "REQ-1")).is_none());
}

#[test]
fn enum_strings_are_derived_not_tabled() {
    assert_eq!(Paper::UsLetter.typst_name(), "us-letter");
    assert_eq!(Paper::A4.typst_name(), "a4");
    assert_eq!(AnomalySeverity::Critical.as_str(), "critical");
    assert_eq!(Method::Inspection.as_str(), "inspection");
    let p: Paper = toml::from_str::<toml::Value>("p = \"us-letter\"")
        .unwrap()
        .get("p")
        .unwrap()
        .clone()
        .try_into()
        .unwrap();
    assert_eq!(p, Paper::UsLetter);
}

#[test]
fn a_hazards_residual_risk_defaults_to_the_unmitigated_one() {
    let c = checked(
        r#"
[[hazard]]
id = "HAZ-1"
title = "h"
harm = "x"
severity = 3
probability = 4
"#,
    );
    let v = &c.verdicts.hazards[&index(&c, "HAZ-1")];
    assert_eq!((v.residual_severity, v.residual_probability), (3, 4));
    assert_eq!(v.residual_score, 12);
    // Above the default acceptable score of 6, and no benefit-risk text.
    assert!(!v.acceptable && !v.justified && !v.controlled);
}

#[test]
fn a_requirement_is_verified_only_when_every_test_passed() {
    let records = |second: &str| {
        format!(
            "{NEED_AND_REQ}
[[test]]
id = \"T-1\"
title = \"t\"
method = \"manual\"
verifies = [\"REQ-1\"]

[[test]]
id = \"T-2\"
title = \"t\"
method = \"manual\"
verifies = [\"REQ-1\"]

[[result]]
id = \"R-1\"
test = \"T-1\"
outcome = \"pass\"
executed_by = \"Dana\"
executed_at = 2026-11-19T10:00:00Z

[[result]]
id = \"R-2\"
test = \"T-2\"
outcome = \"{second}\"
executed_by = \"Dana\"
executed_at = 2026-11-19T10:00:00Z
"
        )
    };
    let c = checked(&records("pass"));
    assert!(c.verdicts.requirement(index(&c, "REQ-1")).unwrap().verified);
    let c = checked(&records("fail"));
    let v = c.verdicts.requirement(index(&c, "REQ-1")).unwrap();
    assert!(!v.verified);
    assert_eq!(v.gaps, [relpack::verdict::gap::NOT_PASSED]);
    assert_eq!(
        findings(&c, "test-passed"),
        ["test T-2: latest result is fail"]
    );
}

#[test]
fn a_deviation_is_in_force_through_its_expiry_date() {
    // The release date of CONFIG is 2026-11-20.
    for (expires, in_force) in [("2026-11-20", true), ("2026-11-19", false)] {
        let c = checked(&format!(
            "[[deviation]]\nid = \"DEV-1\"\ntitle = \"d\"\nwaives = \"soup\"\nreason = \"r\"\nowner = \"o\"\nexpires = {expires}\n"
        ));
        assert_eq!(
            c.verdicts.in_force(index(&c, "DEV-1")),
            in_force,
            "{expires}"
        );
    }
}

#[test]
fn junit_cases_bind_by_exact_name_and_by_pattern_and_dead_patterns_are_kept() {
    let c = checked_with(
        CONFIG,
        &[
            (
                "e.toml",
                &format!(
                    "{NEED_AND_REQ}
[[test]]
id = \"T-1\"
title = \"t\"
verifies = [\"REQ-1\"]
junit = [\"suite::exact\", \"suite::glob*\", \"nothing::here\"]
"
                ),
            ),
            (
                "results/junit.xml",
                r#"<testsuite name="s"><testcase classname="suite" name="exact"/><testcase classname="suite" name="glob_one"/><testcase classname="other" name="x"/></testsuite>"#,
            ),
        ],
    );
    let t = index(&c, "T-1");
    let bound: Vec<&str> = c.evidence.links.cases_of[&t]
        .iter()
        .map(|&b| {
            let b = &c.evidence.links.bindings[b];
            c.evidence.junit[b.file].cases[b.case].name.as_str()
        })
        .collect();
    assert_eq!(bound.len(), 2, "{bound:?}");
    assert_eq!(
        c.evidence.links.dead_patterns,
        [(t, "nothing::here".to_string())]
    );
}

#[test]
fn an_open_anomaly_above_the_allowed_severity_is_a_finding_and_a_resolved_one_is_not() {
    let anomaly = |id: &str, severity: &str, status: &str| {
        format!(
            "[[anomaly]]\nid = \"{id}\"\ntitle = \"a\"\nseverity = \"{severity}\"\nstatus = \"{status}\"\nrationale = \"r\"\n\n"
        )
    };
    let c = checked(&format!(
        "{}{}",
        anomaly("A-1", "critical", "open"),
        anomaly("A-2", "critical", "resolved")
    ));
    let found = findings(&c, "anomaly-open");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("anomaly A-1 is open and critical"),
        "{found:?}"
    );
}

#[test]
fn soup_without_version_or_supplier_is_a_finding() {
    let c = checked("[[soup]]\nid = \"SOUP-1\"\nname = \"lib\"\n");
    assert_eq!(
        findings(&c, "soup"),
        ["SOUP SOUP-1 has no version, supplier"]
    );
}
