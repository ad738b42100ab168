//! JUnit XML: every real runner's report is read (names, outcomes, reruns,
//! flaky cases, properties, broken bytes), cases bind to tests, huge and
//! broken files; and, at the end, what git adds to a release.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_fs::prelude::*;
use assert_fs::TempDir;
use serde_json::Value;

use super::*;

/// Requirements the fixtures' `verifies` properties name, the test their
/// `test` property names, and a test that binds every case (so each case,
/// with its outcome and flaky mark, shows in that test's runs).
const ITEMS: &str = r#"
[[requirement]]
id = "REQ-A"
title = "Dose"
text = "The pump shall dose."

[[requirement]]
id = "REQ-B"
title = "Rate"
text = "The pump shall limit the rate."

[[requirement]]
id = "REQ-C"
title = "Labels"
text = "The pump shall label."

[[test]]
id = "TC-X"
title = "Bound by the cases' own test property"

[[test]]
id = "T-ALL"
title = "Every case"
junit = ["*"]

# Records, so that neither test is without a result where a fixture has no
# case for it (an automated test's JUnit cases win over its records).
[[result]]
id = "R-X"
test = "TC-X"
outcome = "pass"
executed_by = "ci"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"

[[result]]
id = "R-ALL"
test = "T-ALL"
outcome = "pass"
executed_by = "ci"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"
"#;

pub fn fixture(rel: &str) -> PathBuf {
    repo_path(&format!("tests/fixtures/{rel}"))
}

/// A tree with relpack.toml, `items` and fixture files copied byte for byte
/// (fixture path under tests/fixtures, destination in the tree).
pub fn tree_with(files: &[(&str, &str)], fixtures: &[(&str, &str)]) -> TempDir {
    let t = tree(files);
    for (from, to) in fixtures {
        let bytes = std::fs::read(fixture(from)).unwrap_or_else(|e| panic!("fixture {from}: {e}"));
        t.child(to).write_binary(&bytes).expect("copy fixture");
    }
    t
}

pub struct Built {
    pub code: i32,
    pub packet: Value,
    pub stderr: String,
    _out: TempDir,
}

/// `relpack build DIR --out OUT --no-pdf`, and the packet.json it wrote.
pub fn build(dir: &Path) -> Built {
    let out = TempDir::new().expect("temp dir");
    let o = relpack()
        .arg("build")
        .arg(dir)
        .arg("--out")
        .arg(out.path())
        .arg("--no-pdf")
        .output()
        .expect("run relpack");
    let code = o.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let path = out.path().join("TP-1.0.0/packet.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no packet.json (exit {code}): {e}\n{stderr}"));
    Built {
        code,
        packet: serde_json::from_str(&text).expect("packet.json is JSON"),
        stderr,
        _out: out,
    }
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub outcome: String,
    pub flaky: bool,
    pub source: String,
}

fn test_row<'a>(packet: &'a Value, id: &str) -> &'a Value {
    packet["tests"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == id))
        .unwrap_or_else(|| panic!("no test {id} in packet"))
}

/// The JUnit runs of one test in packet.json.
pub fn runs_of(packet: &Value, test: &str) -> Vec<Case> {
    test_row(packet, test)["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter(|r| r["case"].is_string())
        .map(|r| Case {
            name: r["case"].as_str().unwrap().to_string(),
            outcome: r["outcome"].as_str().unwrap().to_string(),
            flaky: r["flaky"].as_bool().unwrap_or(false),
            source: r["source"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn find<'a>(cases: &'a [Case], name: &str) -> &'a Case {
    let hits: Vec<&Case> = cases.iter().filter(|c| c.name == name).collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one case named {name:?}; the cases are:\n{:#?}",
        cases.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    hits[0]
}

fn junit_file<'a>(packet: &'a Value, path: &str) -> &'a Value {
    packet["verification"]["junit_files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["path"] == path))
        .unwrap_or_else(|| {
            panic!(
                "{path} was not read as JUnit: {:#}",
                packet["verification"]["junit_files"]
            )
        })
}

/// Read one fixture as `results/<name>` in a tree with [`ITEMS`]: its cases
/// (every case, through T-ALL) and the packet.
fn read_fixture(from: &str) -> (Vec<Case>, Built) {
    let name = from.rsplit('/').next().unwrap();
    let dest = format!("results/{name}");
    let t = tree_with(
        &[("relpack.toml", CONFIG), ("items.toml", ITEMS)],
        &[(from, &dest)],
    );
    let b = build(t.path());
    assert_ne!(b.code, 2, "{from} made the evidence invalid:\n{}", b.stderr);
    let cases: Vec<Case> = runs_of(&b.packet, "T-ALL")
        .into_iter()
        .filter(|c| c.source == dest)
        .collect();
    assert_eq!(
        junit_file(&b.packet, &dest)["cases"].as_u64(),
        Some(cases.len() as u64),
        "junit_files and T-ALL's runs disagree"
    );
    (cases, b)
}

fn outcome(cases: &[Case], name: &str) -> String {
    find(cases, name).outcome.clone()
}

fn assert_outcomes(cases: &[Case], expected: &[(&str, &str)]) {
    for (name, want) in expected {
        assert_eq!(outcome(cases, name), *want, "outcome of {name:?}");
    }
}

/// Requirement row of packet.json: the JUnit cases verifying it by property.
fn requirement_cases(packet: &Value, id: &str) -> Vec<String> {
    packet["requirements"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("no requirement {id}"))["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

fn warnings(v: &Value) -> Vec<String> {
    v["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .map(|w| w["message"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn findings(v: &Value, gate_id: &str) -> Vec<String> {
    gate(v, gate_id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- pytest

fn check_pytest(from: &str) {
    let (cases, b) = read_fixture(from);
    assert_eq!(cases.len(), 10, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("test_dosing::test_dosis_μg", "pass"),
            ("test_dosing::test_rate_limit", "pass"),
            ("test_dosing::test_bolus_failure", "fail"),
            // An exception in a fixture is an <error>: a failure too.
            ("test_dosing::test_pump_error", "fail"),
            ("test_dosing::test_occlusion_alarm", "skipped"),
            // Parametrize ids: quotes, `<`, `&` unescaped exactly.
            ("test_dosing.TestLimits::test_label[quote \"x\"]", "pass"),
            ("test_dosing.TestLimits::test_label[a<b]", "pass"),
            ("test_dosing.TestLimits::test_label[salt & pepper]", "pass"),
            // pytest ASCII-escapes non-ASCII ids: a literal backslash-u.
            (
                "test_dosing.TestLimits::test_label[dosis_\\u03bcg/kg]",
                "pass",
            ),
            ("test_dosing.TestLimits::test_ansi_output", "pass"),
        ],
    );
    assert!(cases.iter().all(|c| !c.flaky));
    let f = junit_file(
        &b.packet,
        &format!("results/{}", from.rsplit('/').next().unwrap()),
    );
    assert_eq!(
        (
            f["failed"].as_u64(),
            f["skipped"].as_u64(),
            f["flaky"].as_u64()
        ),
        (Some(2), Some(1), Some(0))
    );
    // record_property("verifies", "REQ-A, REQ-B") binds the case to both.
    for req in ["REQ-A", "REQ-B"] {
        assert_eq!(
            requirement_cases(&b.packet, req),
            vec!["test_dosing::test_dosis_μg"],
            "{req}"
        );
    }
    assert_eq!(requirement_cases(&b.packet, "REQ-C").len(), 4);
    // record_property("test", "TC-X") binds the case to that test.
    let tc = runs_of(&b.packet, "TC-X");
    assert_eq!(tc.len(), 1, "{tc:#?}");
    assert_eq!(tc[0].name, "test_dosing::test_rate_limit");
}

#[test]
fn pytest_xunit1_is_read_exactly() {
    check_pytest("junit/pytest/junit-xunit1.xml");
}

#[test]
fn pytest_xunit2_is_read_exactly() {
    check_pytest("junit/pytest/junit-xunit2.xml");
}

#[test]
fn pytest_xunit2_with_captured_logs_is_read_exactly() {
    check_pytest("junit/pytest/junit-xunit2-logging-all.xml");
}

#[test]
fn pytest_verifies_property_verifies_requirements_and_its_failure_counts() {
    // Only the verifies-property binds: REQ-A/B/C are verified by cases,
    // with no test item naming them.
    let t = tree_with(
        &[("relpack.toml", CONFIG), ("items.toml", ITEMS)],
        &[("junit/pytest/junit-xunit2.xml", "ci/pytest.xml")],
    );
    let (code, v) = check_json(t.path());
    assert_eq!(gate(&v, "requirement-verified")["status"], "held", "{v:#}");
    assert_eq!(code, 0, "every case with a verifies property passed: {v:#}");
}

// ---------------------------------------------------------------- nextest

#[test]
fn nextest_flaky_and_retried_failures() {
    let (cases, b) = read_fixture("junit/nextest/junit.xml");
    assert_eq!(cases.len(), 6, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("relpack-nextest-fixture::tests::dosis_μg", "pass"),
            ("relpack-nextest-fixture::tests::rate_limit", "pass"),
            (
                "relpack-nextest-fixture::integration::integration_total_dose",
                "pass",
            ),
            // Failed on every try: <failure> + two <rerunFailure>.
            ("relpack-nextest-fixture::tests::bolus_failure", "fail"),
            // SIGABRT, retried.
            (
                "relpack-nextest-fixture::integration::integration_abort",
                "fail",
            ),
        ],
    );
    // <flakyFailure> in a passing case: a pass, shown flaky.
    let flaky = find(
        &cases,
        "relpack-nextest-fixture::tests::flaky_pump_handshake",
    );
    assert_eq!((flaky.outcome.as_str(), flaky.flaky), ("pass", true));
    assert!(!find(&cases, "relpack-nextest-fixture::tests::bolus_failure").flaky);
    assert_eq!(cases.iter().filter(|c| c.flaky).count(), 1);
    let f = junit_file(&b.packet, "results/junit.xml");
    assert_eq!(
        (f["failed"].as_u64(), f["flaky"].as_u64()),
        (Some(2), Some(1))
    );
}

// ---------------------------------------------------------------- jest

#[test]
fn jest_default_templates() {
    let (cases, b) = read_fixture("junit/jest/junit-default.xml");
    // 7 in "Pump dosing"; the suite that failed to load writes an <error>
    // case and a <failure> case under one name in one suite: one failed case.
    assert_eq!(cases.len(), 8, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("Pump dosing dosis_μg::Pump dosing dosis_μg", "pass"),
            ("Pump dosing rate limit::Pump dosing rate limit", "pass"),
            (
                "Pump dosing label with \"quotes\", <angle> & ampersand::Pump dosing label with \"quotes\", <angle> & ampersand",
                "pass",
            ),
            ("Pump dosing bolus failure::Pump dosing bolus failure", "fail"),
            (
                "Pump dosing occlusion alarm (hardware not present)::Pump dosing occlusion alarm (hardware not present)",
                "skipped",
            ),
            // test.todo has no <skipped>: a pass, as written.
            ("Pump dosing air-in-line detection::Pump dosing air-in-line detection", "pass"),
            (
                "Pump dosing nested <group> & more deep case::Pump dosing nested <group> & more deep case",
                "pass",
            ),
            ("Test suite failed to run::broken.test.js", "fail"),
        ],
    );
    // <properties> after <failure> and empty <properties/> on every case.
    assert_eq!(
        requirement_cases(&b.packet, "REQ-A"),
        vec!["Pump dosing dosis_μg::Pump dosing dosis_μg"]
    );
    let tc = runs_of(&b.packet, "TC-X");
    assert_eq!(tc.len(), 1);
    assert_eq!(tc[0].name, "Pump dosing rate limit::Pump dosing rate limit");
}

#[test]
fn jest_classname_and_title() {
    let (cases, b) = read_fixture("junit/jest/junit-classname-title.xml");
    assert_eq!(cases.len(), 8, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("Pump dosing::dosis_μg", "pass"),
            ("Pump dosing::rate limit", "pass"),
            (
                "Pump dosing::label with \"quotes\", <angle> & ampersand",
                "pass",
            ),
            ("Pump dosing::bolus failure", "fail"),
            (
                "Pump dosing::occlusion alarm (hardware not present)",
                "skipped",
            ),
            ("Pump dosing::air-in-line detection", "pass"),
            ("Pump dosing nested <group> & more::deep case", "pass"),
            ("Test suite failed to run::broken.test.js", "fail"),
        ],
    );
    assert_eq!(
        requirement_cases(&b.packet, "REQ-B"),
        vec!["Pump dosing::dosis_μg"]
    );
    assert_eq!(
        runs_of(&b.packet, "TC-X")[0].name,
        "Pump dosing::rate limit"
    );
}

// ---------------------------------------------------------------- vitest

#[test]
fn vitest_names_outcomes_and_annotations() {
    let (cases, b) = read_fixture("junit/vitest/junit.xml");
    assert_eq!(cases.len(), 9, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("dosing.test.js::Pump dosing > dosis_μg", "pass"),
            ("dosing.test.js::Pump dosing > rate limit", "pass"),
            (
                "dosing.test.js::Pump dosing > label with \"quotes\", <angle> & ampersand",
                "pass",
            ),
            ("dosing.test.js::Pump dosing > bolus failure", "fail"),
            // A thrown TypeError is a <failure type="TypeError">.
            ("dosing.test.js::Pump dosing > pump error (throws)", "fail"),
            (
                "dosing.test.js::Pump dosing > occlusion alarm (hardware not present)",
                "skipped",
            ),
            // todo is <skipped/> too.
            (
                "dosing.test.js::Pump dosing > air-in-line detection",
                "skipped",
            ),
            (
                "dosing.test.js::Pump dosing > nested <group> & more > deep case",
                "pass",
            ),
        ],
    );
    // A retried-then-passed test leaves no trace: a plain pass.
    let f = find(&cases, "dosing.test.js::Pump dosing > flaky handshake");
    assert_eq!((f.outcome.as_str(), f.flaky), ("pass", false));
    // annotate() properties, written as <property ...></property>.
    assert_eq!(
        requirement_cases(&b.packet, "REQ-A"),
        vec!["dosing.test.js::Pump dosing > dosis_μg"]
    );
    assert_eq!(
        runs_of(&b.packet, "TC-X")[0].name,
        "dosing.test.js::Pump dosing > rate limit"
    );
}

// ---------------------------------------------------------------- node:test

#[test]
fn node_test_raw_escape_bytes_are_a_warning_with_file_and_line() {
    let (cases, b) = read_fixture("junit/node-test/junit.xml");
    assert!(
        b.stderr
            .contains("warning: results/junit.xml:35: control character U+001B"),
        "{}",
        b.stderr
    );
    assert!(!b.stderr.contains("error"), "{}", b.stderr);
    assert_eq!(cases.len(), 10, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("test::dosis_μg", "pass"),
            ("test::rate limit", "pass"),
            // node double-escapes quotes: what it wrote is what is named.
            (
                "test::label with &quot;quotes&quot;, <angle> & ampersand",
                "pass",
            ),
            ("test::bolus failure", "fail"),
            ("test::pump error (throws)", "fail"),
            ("test::occlusion alarm", "skipped"),
            ("test::air-in-line detection", "skipped"),
            // nested describe = <testsuite> in <testsuite>
            ("test::deep case", "pass"),
            // cancelled by a failing before hook
            ("test::never runs", "fail"),
            // a <testcase> directly under <testsuites>
            ("test::top-level case", "pass"),
        ],
    );

    // The same through `check --format json`: a warning naming file and
    // line, no error.
    let t = tree_with(
        &[("relpack.toml", CONFIG)],
        &[("junit/node-test/junit.xml", "node/junit.xml")],
    );
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert!(v["errors"].as_array().unwrap().is_empty());
    let w = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("control character"))
        .unwrap_or_else(|| panic!("no control-character warning: {v:#}"));
    assert_eq!(w["file"], "node/junit.xml");
    assert!(
        w["message"]
            .as_str()
            .unwrap()
            .starts_with("node/junit.xml:35:"),
        "{w}"
    );
}

// ---------------------------------------------------------------- ctest

#[test]
fn ctest_single_testsuite_root() {
    let (cases, _) = read_fixture("junit/ctest/junit.xml");
    assert_eq!(cases.len(), 9, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("dosis_μg::dosis_μg", "pass"),
            ("rate limit::rate limit", "pass"),
            (
                "label \"quotes\" <angle> & amp::label \"quotes\" <angle> & amp",
                "pass",
            ),
            ("bolus_failure::bolus_failure", "fail"),
            ("pump_crash::pump_crash", "fail"),
            ("occlusion_alarm::occlusion_alarm", "skipped"),
            // ctest counts a missing executable as failed but writes <skipped>.
            ("pump_missing_binary::pump_missing_binary", "skipped"),
            // A DISABLED test has no <skipped>: a pass, as written.
            ("air_in_line_detection::air_in_line_detection", "pass"),
            // --repeat until-pass keeps only the last attempt.
            ("flaky_handshake::flaky_handshake", "pass"),
        ],
    );
}

// ---------------------------------------------------------------- gotestsum

#[test]
fn gotestsum_reruns_count_their_last_run() {
    let (cases, b) = read_fixture("junit/gotestsum/junit.xml");
    // 13 <testcase> elements, 10 cases: the reruns are merged.
    assert_eq!(cases.len(), 10, "{cases:#?}");
    // Failed three times: a failure, not flaky.
    let bolus = find(&cases, "example.com/relpackfixture::TestBolusFailure");
    assert_eq!((bolus.outcome.as_str(), bolus.flaky), ("fail", false));
    // Failed, then passed on the rerun: a flaky pass.
    let flaky = find(&cases, "example.com/relpackfixture::TestFlakyHandshake");
    assert_eq!((flaky.outcome.as_str(), flaky.flaky), ("pass", true));
    assert_outcomes(
        &cases,
        &[
            ("example.com/relpackfixture::TestOcclusionAlarm", "skipped"),
            ("example.com/relpackfixture::TestDosis_μg", "pass"),
            ("example.com/relpackfixture::TestRateLimit", "pass"),
            ("example.com/relpackfixture::TestLabels/quote_\"x\"", "pass"),
            ("example.com/relpackfixture::TestLabels/a<b", "pass"),
            (
                "example.com/relpackfixture::TestLabels/salt_&_pepper",
                "pass",
            ),
            ("example.com/relpackfixture::TestLabels/dosis_μg/kg", "pass"),
            ("example.com/relpackfixture::TestLabels", "pass"),
        ],
    );
    let f = junit_file(&b.packet, "results/junit.xml");
    assert_eq!(
        (
            f["cases"].as_u64(),
            f["failed"].as_u64(),
            f["flaky"].as_u64()
        ),
        (Some(10), Some(1), Some(1))
    );
}

#[test]
fn gotestsum_flaky_pass_passes_the_gate_and_the_always_failing_rerun_fails_it() {
    let t = tree_with(
        &[
            ("relpack.toml", CONFIG),
            (
                "items.toml",
                r#"
[[requirement]]
id = "REQ-1"
title = "Handshake"
text = "t"

[[requirement]]
id = "REQ-2"
title = "Bolus"
text = "t"

[[test]]
id = "T-HANDSHAKE"
title = "Handshake"
verifies = ["REQ-1"]
junit = ["example.com/relpackfixture::TestFlakyHandshake"]

[[test]]
id = "T-BOLUS"
title = "Bolus"
verifies = ["REQ-2"]
junit = ["example.com/relpackfixture::TestBolusFailure"]
"#,
            ),
        ],
        &[("junit/gotestsum/junit.xml", "go/junit.xml")],
    );
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let f = findings(&v, "test-passed");
    assert_eq!(f, vec!["test T-BOLUS: latest result is fail"], "{v:#}");
}

// ---------------------------------------------------------------- JUnit 5

#[test]
fn junit5_jupiter_and_an_empty_vintage_report() {
    let (cases, b) = read_fixture("junit/junit5/TEST-junit-jupiter.xml");
    assert_eq!(cases.len(), 9, "{cases:#?}");
    assert_outcomes(
        &cases,
        &[
            ("fixture.DosingTest::bolusFailure()", "fail"),
            // An exception other than an assertion: <error>, a failure.
            ("fixture.DosingTest::pumpError()", "fail"),
            ("fixture.DosingTest::occlusionAlarm()", "skipped"),
            ("fixture.DosingTest$AirInLine::detectsBubble()", "pass"),
            ("fixture.DosingTest::dosis_μg(TestReporter)", "pass"),
            ("fixture.DosingTest::rateLimit(TestReporter)", "pass"),
            ("fixture.DosingTest::positiveRates(int)[1]", "pass"),
            ("fixture.DosingTest::positiveRates(int)[2]", "pass"),
            ("fixture.DosingTest::displayName()", "pass"),
        ],
    );
    // ~50 JVM system properties on the suite: none of them binds anything.
    assert!(requirement_cases(&b.packet, "REQ-A").is_empty());

    let (cases, b) = read_fixture("junit/junit5/TEST-junit-vintage.xml");
    assert!(cases.is_empty());
    assert_eq!(
        junit_file(&b.packet, "results/TEST-junit-vintage.xml")["cases"],
        0
    );
}

// ---------------------------------------------------------------- binding

const BIND_ITEMS: &str = r#"
[[requirement]]
id = "REQ-A"
title = "Dose"
text = "t"

[[requirement]]
id = "REQ-B"
title = "Rate"
text = "t"

[[requirement]]
id = "REQ-C"
title = "Labels"
text = "t"

[[requirement]]
id = "REQ-4"
title = "Parameterized"
text = "t"

[[test]]
id = "TC-X"
title = "Bound by property"
verifies = ["REQ-B"]

[[test]]
id = "T-LABELS"
title = "Labels, by pattern"
verifies = ["REQ-C"]
junit = ["test_dosing.TestLimits::test_label[*]"]

[[test]]
id = "T-UNICODE"
title = "Exact name with a literal backslash"
verifies = ["REQ-C"]
junit = ["test_dosing.TestLimits::test_label[dosis_\\u03bcg/kg]", "test_dosing::test_dosis_μg"]

[[test]]
id = "T-BACKSLASH"
title = "A pattern with a literal backslash and a star"
verifies = ["REQ-C"]
junit = ["test_dosing.TestLimits::test_label[dosis_\\u03bc*]"]

[[test]]
id = "T-STARS"
title = "Two stars in a row are one"
verifies = ["REQ-C"]
junit = ["test_dosing::test_**_limit", "*::test_pump_?rror"]

[[test]]
id = "T-RATES"
title = "JUnit 5 parameterized, pattern with brackets and parentheses"
verifies = ["REQ-4"]
junit = ["fixture.DosingTest::positiveRates(int)[*]"]

[[test]]
id = "T-DOSING"
title = "Every dosing case, one fails"
verifies = ["REQ-A"]
junit = ["test_dosing::*"]

[[test]]
id = "T-GO"
title = "Go subtests across slashes"
junit = ["example.com/*TestLabels/*"]
"#;

fn binding_tree(extra: &[(&str, &str)]) -> TempDir {
    let mut files = vec![("relpack.toml", CONFIG), ("items.toml", BIND_ITEMS)];
    files.extend_from_slice(extra);
    tree_with(
        &files,
        &[
            ("junit/pytest/junit-xunit2.xml", "ci/pytest.xml"),
            ("junit/junit5/TEST-junit-jupiter.xml", "ci/junit5.xml"),
            ("junit/gotestsum/junit.xml", "ci/go.xml"),
        ],
    )
}

#[test]
fn patterns_exact_names_and_test_properties_bind_cases() {
    let t = binding_tree(&[]);
    let b = build(t.path());
    assert_eq!(b.code, 1, "T-DOSING has a failing case:\n{}", b.stderr);
    let names = |id: &str| -> Vec<String> {
        let mut n: Vec<String> = runs_of(&b.packet, id).into_iter().map(|c| c.name).collect();
        n.sort();
        n
    };
    assert_eq!(
        names("T-LABELS"),
        vec![
            "test_dosing.TestLimits::test_label[a<b]",
            "test_dosing.TestLimits::test_label[dosis_\\u03bcg/kg]",
            "test_dosing.TestLimits::test_label[quote \"x\"]",
            "test_dosing.TestLimits::test_label[salt & pepper]",
        ]
    );
    assert_eq!(
        names("T-UNICODE"),
        vec![
            "test_dosing.TestLimits::test_label[dosis_\\u03bcg/kg]",
            "test_dosing::test_dosis_μg"
        ]
    );
    assert_eq!(
        names("T-BACKSLASH"),
        vec!["test_dosing.TestLimits::test_label[dosis_\\u03bcg/kg]"]
    );
    // `?` is literal: only `*` is a wildcard, so the second pattern is dead.
    assert_eq!(names("T-STARS"), vec!["test_dosing::test_rate_limit"]);
    assert_eq!(
        names("T-RATES"),
        vec![
            "fixture.DosingTest::positiveRates(int)[1]",
            "fixture.DosingTest::positiveRates(int)[2]"
        ]
    );
    assert_eq!(names("T-DOSING").len(), 5);
    // `*` matches any run of characters, `/` included.
    assert_eq!(names("T-GO").len(), 4, "{:?}", names("T-GO"));
    // <property name="test" value="TC-X"/>
    assert_eq!(names("TC-X"), vec!["test_dosing::test_rate_limit"]);

    // The test with one failing case failed; the others passed.
    assert_eq!(test_row(&b.packet, "T-DOSING")["outcome"], "fail");
    assert_eq!(test_row(&b.packet, "T-LABELS")["outcome"], "pass");
    assert_eq!(test_row(&b.packet, "T-RATES")["outcome"], "pass");
    assert_eq!(test_row(&b.packet, "TC-X")["outcome"], "pass");
    let g = b.packet["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "test-passed")
        .unwrap()
        .clone();
    assert_eq!(g["status"], "failed");
    let msgs: Vec<&str> = g["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.contains(&"test T-DOSING: latest result is fail"),
        "{msgs:?}"
    );
    assert!(
        !msgs
            .iter()
            .any(|m| m.contains("T-LABELS") || m.contains("T-RATES")),
        "{msgs:?}"
    );

    // Unbound cases are listed, not dropped.
    let unbound: Vec<(String, String)> = b.packet["verification"]["unbound"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["source"].as_str().unwrap().to_string(),
                u["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        unbound.contains(&(
            "ci/junit5.xml".into(),
            "fixture.DosingTest::bolusFailure()".into()
        )),
        "{unbound:?}"
    );
    assert!(unbound.contains(&(
        "ci/go.xml".into(),
        "example.com/relpackfixture::TestRateLimit".into()
    )));
    let pytest_unbound: Vec<&str> = unbound
        .iter()
        .filter(|(f, _)| f == "ci/pytest.xml")
        .map(|(_, n)| n.as_str())
        .collect();
    assert_eq!(
        pytest_unbound,
        vec!["test_dosing.TestLimits::test_ansi_output"]
    );
    // 9 JUnit 5 cases, 2 bound; 10 Go cases, 4 bound; 10 pytest cases, 9 bound.
    assert_eq!(unbound.len(), 7 + 6 + 1, "{unbound:?}");
    let u = b.packet["verification"]["unbound"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "fixture.DosingTest::bolusFailure()")
        .unwrap();
    assert_eq!(u["outcome"], "fail");
    // The line of its <testcase> tag.
    assert_eq!(u["line"], 52);
}

#[test]
fn a_pattern_that_matches_nothing_is_a_warning_and_a_test_passed_finding() {
    let t = binding_tree(&[(
        "typo.toml",
        r#"
[[test]]
id = "T-TYPO"
title = "A typo in the pattern"
verifies = ["REQ-B"]
junit = ["test_dosing::test_rate_limt"]

[[test]]
id = "T-TYPO-GLOB"
title = "A glob that matches nothing, on a test that verifies nothing"
junit = ["nosuchmodule::*"]
"#,
    )]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let w = warnings(&v);
    assert!(
        w.iter().any(|m| m
            == "test T-TYPO: JUnit pattern `test_dosing::test_rate_limt` matches no test case"),
        "{w:#?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("`nosuchmodule::*` matches no test case")),
        "{w:#?}"
    );
    let f = findings(&v, "test-passed");
    assert!(
        f.iter().any(|m| m
            == "test T-TYPO: JUnit pattern `test_dosing::test_rate_limt` matches no test case"),
        "{f:#?}"
    );
    assert!(f.iter().any(|m| m.contains("T-TYPO-GLOB")), "{f:#?}");
    // REQ-B is also verified by TC-X (passing): the typo still blocks the
    // release, it never leaves the requirement looking verified by T-TYPO.
    assert!(
        f.iter().any(|m| m.contains("test T-TYPO has no result")),
        "{f:#?}"
    );
}

#[test]
fn latest_outcome_per_test_aggregates_its_cases() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            r#"
[[requirement]]
id = "REQ-1"
title = "r"
text = "t"

[[test]]
id = "T-SKIP"
title = "all cases skipped"
verifies = ["REQ-1"]
junit = ["m::skipped*"]

[[test]]
id = "T-MIX"
title = "pass and skipped"
verifies = ["REQ-1"]
junit = ["m::skipped_1", "m::ok"]

[[test]]
id = "T-ACROSS"
title = "a pass in one file, a fail in another"
verifies = ["REQ-1"]
junit = ["m::across"]

[[test]]
id = "T-RECORD"
title = "automated: its CI run wins over an older manual record"
verifies = ["REQ-1"]
junit = ["m::ok"]

[[result]]
id = "R-1"
test = "T-RECORD"
outcome = "fail"
executed_by = "me"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"
"#,
        ),
        (
            "a.xml",
            r#"<testsuite name="m">
<testcase classname="m" name="skipped_1"><skipped/></testcase>
<testcase classname="m" name="skipped_2"><skipped message="later"/></testcase>
<testcase classname="m" name="ok"/>
<testcase classname="m" name="across"/>
</testsuite>"#,
        ),
        (
            "b.xml",
            r#"<testsuites><testsuite name="m"><testcase classname="m" name="across"><error message="boom"/></testcase></testsuite></testsuites>"#,
        ),
    ]);
    let b = build(t.path());
    let outcome = |id: &str| {
        test_row(&b.packet, id)["outcome"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(outcome("T-SKIP"), "skipped");
    assert_eq!(outcome("T-MIX"), "pass");
    assert_eq!(outcome("T-ACROSS"), "fail");
    assert_eq!(outcome("T-RECORD"), "pass");
    let g = b.packet["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "test-passed")
        .unwrap();
    let msgs: Vec<&str> = g["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.contains(&"test T-SKIP: latest result is skipped"),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&"test T-ACROSS: latest result is fail"),
        "{msgs:?}"
    );
    assert_eq!(msgs.len(), 2, "{msgs:?}");
}

#[test]
fn suite_properties_apply_to_their_cases() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            r#"
[[requirement]]
id = "REQ-1"
title = "r"
text = "t"

[[requirement]]
id = "REQ-2"
title = "r"
text = "t"

[[test]]
id = "TC-4"
title = "t"
verifies = ["REQ-2"]
"#,
        ),
        (
            "suite.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <properties><property name="test" value="TC-4"/></properties>
  <testsuite name="outer">
    <properties>
      <property name="verifies" value="REQ-1"/>
      <property name="java.version" value="17"/>
    </properties>
    <testcase classname="outer" name="a"/>
    <testsuite name="inner">
      <testcase classname="inner" name="b">
        <properties><property name="verifies">REQ-1, REQ-2</property></properties>
      </testcase>
    </testsuite>
  </testsuite>
  <testsuite name="other">
    <testcase classname="other" name="c"/>
  </testsuite>
</testsuites>"#,
        ),
    ]);
    let b = build(t.path());
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(
        requirement_cases(&b.packet, "REQ-1"),
        vec!["outer::a", "inner::b"]
    );
    assert_eq!(requirement_cases(&b.packet, "REQ-2"), vec!["inner::b"]);
    // The root's `test` property reaches every case.
    let mut tc: Vec<String> = runs_of(&b.packet, "TC-4")
        .into_iter()
        .map(|c| c.name)
        .collect();
    tc.sort();
    assert_eq!(tc, vec!["inner::b", "other::c", "outer::a"]);
    assert!(b.packet["verification"]["unbound"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// Properties add up: a suite's `verifies` and its case's, and two
/// properties of one name on a case (pytest's `record_property` called
/// twice), all count. A failing case so named fails every requirement and
/// test it names, not only the last one's.
#[test]
fn repeated_properties_and_suite_properties_add_up() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            r#"
[[requirement]]
id = "REQ-1"
title = "r"
text = "t"

[[requirement]]
id = "REQ-2"
title = "r"
text = "t"

[[requirement]]
id = "REQ-3"
title = "r"
text = "t"

[[test]]
id = "TC-1"
title = "t"
verifies = ["REQ-1"]

[[test]]
id = "TC-2"
title = "t"
verifies = ["REQ-2"]
"#,
        ),
        (
            "suite.xml",
            r#"<testsuite name="s">
  <properties><property name="verifies" value="REQ-1"/></properties>
  <testcase classname="s" name="fails">
    <properties>
      <property name="verifies" value="REQ-2"/>
      <property name="verifies" value="REQ-3, REQ-2"/>
      <property name="test" value="TC-1"/>
      <property name="test" value="TC-2"/>
    </properties>
    <failure message="no"/>
  </testcase>
</testsuite>"#,
        ),
    ]);
    let b = build(t.path());
    assert_eq!(b.code, 1, "{}", b.stderr);
    for req in ["REQ-1", "REQ-2", "REQ-3"] {
        assert_eq!(requirement_cases(&b.packet, req), vec!["s::fails"], "{req}");
    }
    for test in ["TC-1", "TC-2"] {
        let runs = runs_of(&b.packet, test);
        assert_eq!(runs.len(), 1, "{test}: {runs:?}");
        assert_eq!(runs[0].outcome, "fail", "{test}");
        assert_eq!(test_row(&b.packet, test)["outcome"], "fail", "{test}");
    }
}

#[test]
fn a_test_property_naming_no_test_is_a_warning_and_a_bad_verifies_is_an_error() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "r.xml",
            r#"<testsuite name="s"><testcase classname="s" name="a"><properties><property name="test" value="TC-404"/></properties></testcase></testsuite>"#,
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert!(warnings(&v).iter().any(|w| w.contains("TC-404")), "{v:#}");

    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "r.xml",
            r#"<testsuite name="s"><testcase classname="s" name="a"><properties><property name="verifies" value="REQ-404"/></properties></testcase></testsuite>"#,
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("REQ-404"),
        "{v:#}"
    );
}

// ---------------------------------------------------------------- reruns

/// One file, one suite: the runs of case `c`, in order.
fn reruns_tree(runs: &[&str]) -> TempDir {
    let body: String = runs
        .iter()
        .map(|r| match *r {
            "pass" => r#"<testcase classname="m" name="c"/>"#.to_string(),
            "fail" => {
                r#"<testcase classname="m" name="c"><failure message="no"/></testcase>"#.to_string()
            }
            "error" => {
                r#"<testcase classname="m" name="c"><error message="no"/></testcase>"#.to_string()
            }
            "skipped" => r#"<testcase classname="m" name="c"><skipped/></testcase>"#.to_string(),
            o => panic!("{o}"),
        })
        .collect::<Vec<_>>()
        .join("\n");
    tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            "[[test]]\nid = \"T-ALL\"\ntitle = \"all\"\njunit = [\"*\"]\n",
        ),
        (
            "r.xml",
            &format!("<testsuites><testsuite name=\"m\">\n{body}\n</testsuite></testsuites>"),
        ),
    ])
}

#[test]
fn reruns_in_one_suite_count_their_last_run() {
    for (runs, outcome, flaky) in [
        (&["pass", "fail"][..], "fail", false),
        (&["fail", "pass"][..], "pass", true),
        (&["error", "pass"][..], "pass", true),
        (&["skipped", "fail"][..], "fail", false),
        (&["fail", "pass", "fail"][..], "fail", false),
        (&["fail", "fail", "fail"][..], "fail", false),
        (&["fail", "skipped", "pass"][..], "pass", true),
        (&["pass", "pass"][..], "pass", false),
        (&["fail", "skipped"][..], "skipped", false),
    ] {
        let t = reruns_tree(runs);
        let b = build(t.path());
        let cases = runs_of(&b.packet, "T-ALL");
        assert_eq!(cases.len(), 1, "{runs:?}: {cases:#?}");
        assert_eq!(
            (cases[0].outcome.as_str(), cases[0].flaky),
            (outcome, flaky),
            "runs {runs:?}"
        );
        let f = junit_file(&b.packet, "r.xml");
        assert_eq!(f["cases"], 1);
        assert_eq!(f["flaky"], u64::from(flaky), "{runs:?}");
    }
}

#[test]
fn a_case_is_located_at_its_tag_and_a_rerun_at_its_last_run() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "r.xml",
            "<testsuite name=\"m\">\n  <testcase classname=\"m\"\n            name=\"multi\"\n            time=\"1\"/>\n  <testcase classname=\"m\" name=\"again\"><failure/></testcase>\n\n  <testcase classname=\"m\" name=\"again\">\n  </testcase>\n</testsuite>\n",
        ),
    ]);
    let b = build(t.path());
    let unbound = b.packet["verification"]["unbound"].as_array().unwrap();
    let line = |name: &str| {
        unbound.iter().find(|u| u["name"] == name).unwrap()["line"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(line("m::multi"), 2);
    assert_eq!(line("m::again"), 7);
    assert_eq!(unbound.len(), 2);
}

#[test]
fn same_names_in_different_suites_are_different_cases() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            "[[test]]\nid = \"T-ALL\"\ntitle = \"all\"\njunit = [\"*\"]\n",
        ),
        (
            "r.xml",
            r#"<testsuites>
<testsuite name="linux"><testcase classname="m" name="c"><failure/></testcase></testsuite>
<testsuite name="windows"><testcase classname="m" name="c"/></testsuite>
<testsuite name="mac">
  <testcase classname="m" name="c"/>
  <testsuite name="nested"><testcase classname="m" name="c"><skipped/></testcase></testsuite>
  <testcase classname="m" name="c"><failure/></testcase>
</testsuite>
</testsuites>"#,
        ),
    ]);
    let b = build(t.path());
    let cases = runs_of(&b.packet, "T-ALL");
    let got: Vec<(&str, bool)> = cases
        .iter()
        .map(|c| (c.outcome.as_str(), c.flaky))
        .collect();
    // linux: fail; windows: pass; mac: pass then fail (a rerun) = fail;
    // nested: its own suite, skipped.
    assert_eq!(
        got,
        vec![
            ("fail", false),
            ("pass", false),
            ("fail", false),
            ("skipped", false)
        ]
    );
    // The test has one failed case: it failed.
    assert_eq!(test_row(&b.packet, "T-ALL")["outcome"], "fail");
}

// ---------------------------------------------------------------- huge and broken

/// Write a JUnit file of about `bytes` bytes, streaming; returns its cases.
fn write_big_junit(path: &Path, bytes: u64) -> u64 {
    let f = std::fs::File::create(path).expect("create");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(
        w,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"big\">"
    )
    .unwrap();
    let out = "dose = 1000 µg &amp; rate &lt; limit; ".repeat(20);
    let mut written = 0u64;
    let mut cases = 0u64;
    let mut suite = 0u64;
    while written < bytes {
        let head = format!("<testsuite name=\"suite{suite}\" tests=\"1000\">\n");
        w.write_all(head.as_bytes()).unwrap();
        written += head.len() as u64;
        for i in 0..1000 {
            let case = if i % 100 == 7 {
                format!(
                    "  <testcase classname=\"big.suite{suite}\" name=\"case_{i}\" time=\"0.001\">\n    <failure message=\"expected &lt;1&gt;\">{out}</failure>\n  </testcase>\n"
                )
            } else {
                format!(
                    "  <testcase classname=\"big.suite{suite}\" name=\"case_{i}\" time=\"0.001\">\n    <system-out>{out}</system-out>\n  </testcase>\n"
                )
            };
            w.write_all(case.as_bytes()).unwrap();
            written += case.len() as u64;
            cases += 1;
        }
        w.write_all(b"</testsuite>\n").unwrap();
        suite += 1;
    }
    w.write_all(b"</testsuites>\n").unwrap();
    w.flush().unwrap();
    cases
}

fn huge_file_is_streamed(megabytes: u64) {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            "[[requirement]]\nid = \"REQ-1\"\ntitle = \"r\"\ntext = \"t\"\n\n[[test]]\nid = \"T-BIG\"\ntitle = \"t\"\nverifies = [\"REQ-1\"]\njunit = [\"big.suite0::case_1\", \"big.suite*::case_999\"]\n",
        ),
    ]);
    let cases = write_big_junit(&t.path().join("big.xml"), megabytes << 20);
    assert!(std::fs::metadata(t.path().join("big.xml")).unwrap().len() >= megabytes << 20);
    let start = std::time::Instant::now();
    let b = build(t.path());
    eprintln!(
        "{megabytes} MB, {cases} cases: relpack build took {:?}",
        start.elapsed()
    );
    assert_eq!(b.code, 0, "{}", b.stderr);
    let f = junit_file(&b.packet, "big.xml");
    assert_eq!(f["cases"].as_u64(), Some(cases));
    assert_eq!(f["failed"].as_u64(), Some(cases / 100));
    // The exact name and the last case of every suite (the last one too: the
    // file was read to its end).
    assert_eq!(runs_of(&b.packet, "T-BIG").len() as u64, 1 + cases / 1000);
    // Streamed: `check` never holds the file, so the memory it allocates
    // stays under the file's size.
    let mut check = super::relpack_process();
    check.arg("check").arg(t.path());
    let (code, peak) = super::peak_memory(check);
    assert_eq!(code, 0);
    assert!(
        peak < megabytes << 20,
        "relpack check allocated up to {} MB on a {megabytes} MB report",
        peak >> 20
    );
}

/// About 8 s in the debug build; `relpack check` allocates at most about
/// 64 MB on it (the file is streamed, never held whole: its 118,000 cases
/// are), and the test fails at the file's size.
#[test]
fn a_100_mb_junit_file_is_streamed() {
    huge_file_is_streamed(100);
}

#[test]
fn a_truncated_report_is_an_error_with_file_and_line() {
    let full = std::fs::read_to_string(fixture("junit/nextest/junit.xml")).unwrap();
    // Cut inside a case's text (line 10), and inside a tag.
    let cut_text: String = full.lines().take(10).collect::<Vec<_>>().join("\n");
    let cut_tag = &full[..full.find("name=\"tests::rate_limit\"").unwrap() + 8];
    for (cut, line) in [(cut_text.as_str(), 10), (cut_tag, 84)] {
        let t = tree(&[("relpack.toml", CONFIG), ("ci/junit.xml", cut)]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{v:#}");
        let e = &v["errors"][0];
        assert_eq!(e["file"], "ci/junit.xml", "{v:#}");
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!("ci/junit.xml:{line}:"))
                && msg.contains(": invalid JUnit XML"),
            "{msg}"
        );
        assert_eq!(e["line"], line, "{v:#}");
        assert!(e["column"].as_u64().is_some_and(|c| c > 0), "{v:#}");
    }
}

/// quick-xml reads attributes lazily: a malformed or repeated attribute
/// must be an error with its line, not skipped while the rest is read.
#[test]
fn a_malformed_or_repeated_attribute_is_an_error_with_file_and_line() {
    for (bad, why) in [
        (r#"<testcase << classname="s" name="b"/>"#, "<testcase>"),
        (
            r#"<testcase classname="s" name="b" name="c"/>"#,
            "<testcase>",
        ),
        (
            r#"<testcase classname="s" name="b"><failure message=oops/></testcase>"#,
            "<failure>",
        ),
    ] {
        let report = format!(
            "<testsuite name=\"s\">\n<testcase classname=\"s\" name=\"a\"/>\n{bad}\n</testsuite>\n"
        );
        let t = tree(&[("relpack.toml", CONFIG), ("ci/junit.xml", &report)]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{bad}: {v:#}");
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{bad}: {v:#}");
        assert_eq!(errors[0]["file"], "ci/junit.xml", "{v:#}");
        let msg = errors[0]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("ci/junit.xml:3:")
                && msg.contains("invalid JUnit XML")
                && msg.contains(why),
            "{bad}: {msg}"
        );
        assert_eq!(errors[0]["line"], 3, "{v:#}");
    }
}

#[test]
fn xml_that_is_not_junit_is_not_evidence() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("pom.xml", "<?xml version=\"1.0\"?>\n<project><testsuite name=\"x\"><testcase name=\"y\"/></testsuite></project>\n"),
        ("broken.xml", "<not xml at all"),
        ("notes.xml", "just text, no element"),
        ("ok.xml", "\u{feff}<?xml version=\"1.0\"?>\n<testsuite name=\"s\"><testcase name=\"bom\"/></testsuite>\n"),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert!(v["errors"].as_array().unwrap().is_empty());
    let b = build(t.path());
    let files: Vec<&str> = b.packet["verification"]["junit_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    // A byte-order mark does not hide a report.
    assert_eq!(files, vec!["ok.xml"]);
    assert_eq!(b.packet["verification"]["unbound"][0]["name"], "bom");
}

// ---------------------------------------------------------------- performance

/// 100k cases in 50 files, bound by patterns: how long `relpack check`
/// takes. Measures, asserts nothing about time. Run against a release
/// binary with
/// `cargo build --release && RELPACK_BIN=target/release/relpack cargo test --test it junit::perf -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test"]
fn perf_100k_cases_in_50_files() {
    let t = tree(&[("relpack.toml", CONFIG)]);
    let mut items = String::new();
    for m in 0..50 {
        items.push_str(&format!(
            "[[requirement]]\nid = \"REQ-{m}\"\ntitle = \"r\"\ntext = \"t\"\n\n[[test]]\nid = \"T-{m}\"\ntitle = \"t\"\nverifies = [\"REQ-{m}\"]\njunit = [\"pkg.mod{m}.*::test_*\", \"pkg.mod{m}.Class0::test_0\"]\n\n"
        ));
    }
    t.child("items.toml").write_str(&items).unwrap();
    for m in 0..50 {
        let mut x = String::from("<?xml version=\"1.0\"?>\n<testsuites>\n");
        for s in 0..20 {
            x.push_str(&format!("<testsuite name=\"pkg.mod{m}.Class{s}\">\n"));
            for c in 0..100 {
                x.push_str(&format!(
                    "<testcase classname=\"pkg.mod{m}.Class{s}\" name=\"test_{c}\" time=\"0.01\"/>\n"
                ));
            }
            x.push_str("</testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        t.child(format!("results/m{m}.xml")).write_str(&x).unwrap();
    }
    let bin = std::env::var("RELPACK_BIN").ok();
    let mut cmd = match &bin {
        Some(b) => assert_cmd::Command::new(b),
        None => relpack(),
    };
    let start = std::time::Instant::now();
    let out = cmd
        .args(["check", "--format", "json"])
        .arg(t.path())
        .output()
        .unwrap();
    let took = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "relpack check, 100k cases in 50 files ({}): {took:?}",
        bin.as_deref().unwrap_or("debug binary")
    );
}

// ---------------------------------------------------------------- git

mod git {
    //! What git adds: release.source, traced commits, a version from a tag.

    use super::super::*;
    use super::build;

    const ITEMS: &str = "[[requirement]]\nid = \"REQ-1\"\ntitle = \"r\"\ntext = \"t\"\n\n[[requirement]]\nid = \"REQ-2\"\ntitle = \"r\"\ntext = \"t\"\n\n[[test]]\nid = \"T-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverifies = [\"REQ-1\", \"REQ-2\"]\n\n[[result]]\nid = \"R-1\"\ntest = \"T-1\"\noutcome = \"pass\"\nexecuted_by = \"me\"\nexecuted_at = 2026-11-19T10:00:00+01:00\nversion = \"1.0.0\"\n";

    /// A repository whose evidence lives in `evidence/`, with commits.
    fn repo(config: &str) -> (TempDir, std::path::PathBuf) {
        require_tool("git");
        let repo = TempDir::new().unwrap();
        let root = repo.path().join("evidence");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("relpack.toml"), config).unwrap();
        std::fs::write(root.join("items.toml"), ITEMS).unwrap();
        git(repo.path(), &["init", "-q", "-b", "main"]);
        git(repo.path(), &["add", "."]);
        git(repo.path(), &["commit", "-q", "-m", "Evidence"]);
        std::fs::write(repo.path().join("pump.c"), "int dose;\n").unwrap();
        git(repo.path(), &["add", "."]);
        git(
            repo.path(),
            &[
                "commit",
                "-q",
                "-m",
                "Limit the bolus\n\nThe body.\n\nRefs: REQ-1, REQ-2",
            ],
        );
        std::fs::write(repo.path().join("pump.c"), "int dose;\nint rate;\n").unwrap();
        git(
            repo.path(),
            &["commit", "-q", "-am", "Rate\n\nImplements: REQ-2"],
        );
        std::fs::write(repo.path().join("pump.c"), "int dose;\nint rate;\nint x;\n").unwrap();
        git(
            repo.path(),
            &[
                "commit",
                "-q",
                "-am",
                "Fix the alarm\n\nFixes: REQ-1\nSigned-off-by: Dana Reyes <dana@example.com>",
            ],
        );
        std::fs::write(repo.path().join("pump.c"), "int dose;\n").unwrap();
        git(
            repo.path(),
            &[
                "commit",
                "-q",
                "-am",
                "No trailer, Refs: REQ-1 in the subject only",
            ],
        );
        (repo, root)
    }

    #[test]
    fn release_source_and_traced_commits() {
        let (repo, root) = repo(CONFIG);
        git(repo.path(), &["tag", "-a", "-m", "release", "v1.0.0"]);
        let head = git(repo.path(), &["rev-parse", "HEAD"]);
        let b = build(&root);
        assert_eq!(b.code, 0, "{}", b.stderr);
        let src = &b.packet["release"]["source"];
        assert_eq!(src["commit"], head.as_str());
        assert_eq!(src["tag"], "v1.0.0");
        assert_eq!(src["dirty"], false);
        let commits = b.packet["changes"]["commits"].as_array().unwrap();
        let got: Vec<(&str, Vec<&str>)> = commits
            .iter()
            .map(|c| {
                (
                    c["summary"].as_str().unwrap(),
                    c["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_str().unwrap())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Limit the bolus", vec!["REQ-1", "REQ-2"]),
                ("Rate", vec!["REQ-2"]),
                ("Fix the alarm", vec!["REQ-1"]),
            ]
        );
        assert_eq!(commits[0]["author"], "Dana Reyes");
        assert_eq!(commits[0]["commit"].as_str().unwrap().len(), 40);
    }

    #[test]
    fn a_dirty_work_tree_is_dirty_and_an_untagged_commit_has_no_tag() {
        let (repo, root) = repo(CONFIG);
        std::fs::write(repo.path().join("pump.c"), "changed\n").unwrap();
        let b = build(&root);
        let src = &b.packet["release"]["source"];
        assert_eq!(src["dirty"], true, "{src}");
        assert!(src["tag"].is_null(), "{src}");
        // A new untracked file is dirty too.
        git(repo.path(), &["checkout", "-q", "--", "pump.c"]);
        std::fs::write(repo.path().join("new.txt"), "x").unwrap();
        let b = build(&root);
        assert_eq!(b.packet["release"]["source"]["dirty"], true);
    }

    #[test]
    fn outside_a_repository_there_is_no_source() {
        let t = tree(&[("relpack.toml", CONFIG), ("items.toml", ITEMS)]);
        // Make sure the temp dir is not inside some repository.
        let inside = std::process::Command::new("git")
            .args(["rev-parse", "--is-inside-work-tree"])
            .current_dir(t.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if inside {
            panic!(
                "the temp dir {} is inside a git repository; set TMPDIR",
                t.path().display()
            );
        }
        let b = build(t.path());
        assert!(
            b.packet["release"]["source"].is_null(),
            "{}",
            b.packet["release"]
        );
        assert_eq!(b.packet["changes"]["commits"], serde_json::json!([]));
    }

    #[test]
    fn a_trailer_naming_an_unknown_id_is_a_warning() {
        let (repo, root) = repo(CONFIG);
        std::fs::write(repo.path().join("pump.c"), "y\n").unwrap();
        git(
            repo.path(),
            &["commit", "-q", "-am", "Oops\n\nRefs: REQ-404"],
        );
        let (code, v) = check_json(&root);
        assert_eq!(code, 0, "{v:#}");
        let w = super::warnings(&v);
        assert!(
            w.iter().any(|m| m.contains("names `REQ-404` in a trailer")),
            "{w:#?}"
        );
    }

    #[test]
    fn the_version_may_come_from_a_v_tag() {
        let config = CONFIG.replace("version = \"1.0.0\"\n", "");
        assert!(!config.contains("version"));
        let (repo, root) = repo(&config);
        // Without a version anywhere: invalid.
        let (code, v) = check_json(&root);
        assert_eq!(code, 2, "{v:#}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no version"),
            "{v:#}"
        );
        // A lightweight tag `v1.0.0` on HEAD gives 1.0.0.
        git(repo.path(), &["tag", "v1.0.0"]);
        let (code, v) = check_json(&root);
        assert_eq!(code, 0, "{v:#}");
        assert_eq!(v["product"]["version"], "1.0.0");
        let b = build(&root);
        assert_eq!(b.packet["release"]["version"], "1.0.0");
        assert_eq!(b.packet["release"]["source"]["tag"], "v1.0.0");
        // --version wins over the tag.
        let out = relpack()
            .args(["check", "--format", "json", "--version", "2.0.0"])
            .arg(&root)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["product"]["version"], "2.0.0");
    }

    fn summaries(packet: &serde_json::Value) -> Vec<String> {
        packet["changes"]["commits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["summary"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_version_tag_wins_over_other_tags_on_the_same_commit() {
        let config = CONFIG.replace("version = \"1.0.0\"\n", "");
        let (repo, root) = repo(&config);
        // Made first and sorted first by name, but not a version.
        git(repo.path(), &["tag", "deployed"]);
        git(repo.path(), &["tag", "-a", "-m", "r", "v1.0.0"]);
        git(repo.path(), &["tag", "zz-latest"]);
        let b = build(&root);
        assert_eq!(b.packet["release"]["source"]["tag"], "v1.0.0");
        assert_eq!(b.packet["release"]["version"], "1.0.0");
    }

    #[test]
    fn trailers_are_read_only_from_the_last_paragraph_in_any_case() {
        let (repo, root) = repo(CONFIG);
        let commit = |msg: &str| {
            std::fs::write(repo.path().join("pump.c"), msg).unwrap();
            git(repo.path(), &["commit", "-q", "-am", msg]);
        };
        commit("Refs: REQ-1");
        commit(
            "Mention Refs: REQ-1 in the body\n\nRefs: REQ-1 is discussed here.\n\nReviewed-by: Sam",
        );
        commit("Windows line ends\r\n\r\nrefs: REQ-2\r\nFIXES: REQ-1, REQ-1\r\n");
        commit("Spaces between ids\n\nImplements: REQ-1 REQ-2");
        let b = build(&root);
        let commits = b.packet["changes"]["commits"].as_array().unwrap();
        let got: Vec<(String, Vec<String>)> = commits
            .iter()
            .map(|c| {
                (
                    c["summary"].as_str().unwrap().to_string(),
                    c["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect();
        let tail: Vec<(String, Vec<String>)> = got[got.len() - 2..].to_vec();
        assert_eq!(
            tail,
            vec![
                (
                    "Windows line ends".to_string(),
                    vec!["REQ-2".to_string(), "REQ-1".to_string()]
                ),
                (
                    "Spaces between ids".to_string(),
                    vec!["REQ-1".to_string(), "REQ-2".to_string()]
                ),
            ]
        );
        // A subject is not a trailer; a body line is not a trailer.
        assert!(
            !got.iter()
                .any(|(s, _)| s == "Refs: REQ-1" || s.starts_with("Mention")),
            "{got:?}"
        );
    }

    #[test]
    fn only_commits_since_the_previous_release_are_traced() {
        let (repo, root) = repo(CONFIG);
        let first = build(&root);
        assert_eq!(summaries(&first.packet).len(), 3);
        let prev = repo.path().join("released/packet.json");
        std::fs::create_dir_all(prev.parent().unwrap()).unwrap();
        // As the release before this one: another version.
        let mut released = first.packet.clone();
        released["release"]["version"] = "0.9.0".into();
        std::fs::write(&prev, serde_json::to_string(&released).unwrap()).unwrap();
        std::fs::write(repo.path().join(".gitignore"), "released/\n").unwrap();
        std::fs::write(repo.path().join("pump.c"), "after\n").unwrap();
        git(repo.path(), &["add", "."]);
        git(
            repo.path(),
            &["commit", "-q", "-m", "After the release\n\nFixes: REQ-2"],
        );
        let config = CONFIG.replace(
            "date = 2026-11-20\n",
            &format!("date = 2026-11-20\nprevious = \"{}\"\n", prev.display()),
        );
        std::fs::write(root.join("relpack.toml"), config).unwrap();
        let b = build(&root);
        assert_eq!(
            summaries(&b.packet),
            vec!["After the release"],
            "{}",
            b.stderr
        );
        assert_eq!(
            b.packet["release"]["source"]["dirty"], true,
            "relpack.toml changed"
        );
    }
}

/// An entity a DOCTYPE declares could hide a failure (`&fail;` standing for
/// `<failure/>`), and one declared nowhere makes the file not well-formed:
/// either is invalid evidence at its line, never a case read as a pass.
#[test]
fn declared_or_unknown_entities_are_invalid_never_a_hidden_pass() {
    let declared = "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [\n<!ENTITY fail \"<failure/>\">\n]>\n<testsuite name=\"s\">\n<testcase classname=\"s\" name=\"a\">&fail;</testcase>\n</testsuite>\n";
    let unknown = "<testsuite name=\"s\">\n<testcase classname=\"s\" name=\"a\">\n<failure message=\"m\">&nope;</failure></testcase>\n</testsuite>\n";
    let predefined = "<testsuite name=\"s\">\n<testcase classname=\"s\" name=\"a &amp; b &#233;\"><failure message=\"x &lt; y\">1 &lt; 2 &#x2264; 3</failure></testcase>\n</testsuite>\n";
    for (report, says) in [
        (declared, "its DOCTYPE declares entities"),
        (unknown, "the entity &nope; is not one XML predefines"),
    ] {
        let t = tree(&[("relpack.toml", CONFIG), ("ci/junit.xml", report)]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{says}: {v:#}");
        assert!(v["errors"].to_string().contains(says), "{v:#}");
    }
    let t = tree(&[("relpack.toml", CONFIG), ("ci/junit.xml", predefined)]);
    let (code, v) = check_json(t.path());
    assert_ne!(code, 2, "predefined entities are read: {v:#}");
}

/// A requirement's latest result in the trace is the run its test's
/// outcome comes from, never a pass beside a test that failed: two records
/// at one instant (the smaller id counts), and one case failing in an
/// older report and passing in a newer one (one failure fails the test).
#[test]
fn the_trace_shows_the_result_the_test_outcome_comes_from() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            r#"
[[need]]
id = "N-1"
title = "n"

[[requirement]]
id = "REQ-1"
title = "r"
text = "t"
derives_from = ["N-1"]

[[requirement]]
id = "REQ-2"
title = "r"
text = "t"
derives_from = ["N-1"]

[[test]]
id = "TC-1"
title = "manual"
method = "manual"
verifies = ["REQ-1"]

[[test]]
id = "TC-2"
title = "auto"
verifies = ["REQ-2"]
junit = ["m::case1"]

[[result]]
id = "RES-A"
test = "TC-1"
outcome = "fail"
executed_by = "x"
executed_at = 2026-11-15T11:00:00+01:00

[[result]]
id = "RES-B"
test = "TC-1"
outcome = "pass"
executed_by = "x"
executed_at = 2026-11-15T10:00:00Z
"#,
        ),
        (
            "a-old.xml",
            r#"<testsuite name="s" timestamp="2026-11-01T10:00:00Z"><testcase classname="m" name="case1"><failure message="wrong dose"/></testcase></testsuite>"#,
        ),
        (
            "b-new.xml",
            r#"<testsuite name="s" timestamp="2026-11-18T10:00:00Z"><testcase classname="m" name="case1"/></testsuite>"#,
        ),
    ]);
    let b = build(t.path());
    assert_eq!(b.code, 1, "{}", b.stderr);
    let latest = |req: &str| {
        b.packet["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == req)
            .unwrap()["latest"]
            .clone()
    };
    assert_eq!(test_row(&b.packet, "TC-1")["outcome"], "fail");
    assert_eq!(latest("REQ-1")["outcome"], "fail", "{:#}", latest("REQ-1"));
    assert_eq!(latest("REQ-1")["record"], "RES-A");
    assert_eq!(test_row(&b.packet, "TC-2")["outcome"], "fail");
    assert_eq!(latest("REQ-2")["outcome"], "fail", "{:#}", latest("REQ-2"));
    assert_eq!(latest("REQ-2")["source"], "a-old.xml");
}
