//! The nine release gates (EVIDENCE.md, "Gates"): a tree failing each one,
//! exit 1 for a failed gate and exit 2 for invalid evidence; deviations waive
//! exactly their gate for exactly their items.

use super::*;

// ---------------------------------------------------------------------------
// Building blocks

fn req(id: &str) -> String {
    format!("[[requirement]]\nid = \"{id}\"\ntitle = \"Requirement {id}\"\ntext = \"The pump shall do {id}.\"\n\n")
}

fn manual_test(id: &str, verifies: &[&str]) -> String {
    let list: Vec<String> = verifies.iter().map(|v| format!("\"{v}\"")).collect();
    format!(
        "[[test]]\nid = \"{id}\"\ntitle = \"Test {id}\"\nmethod = \"manual\"\nverifies = [{}]\n\n",
        list.join(", ")
    )
}

fn result(id: &str, test: &str, outcome: &str, at: &str, version: &str) -> String {
    format!(
        "[[result]]\nid = \"{id}\"\ntest = \"{test}\"\noutcome = \"{outcome}\"\nexecuted_by = \"A. Tester\"\nexecuted_at = {at}\nversion = \"{version}\"\n\n"
    )
}

/// REQ-1, verified by T-1 whose one result for 1.0.0 passed.
fn verified_req1() -> String {
    req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-1", "T-1", "pass", "2026-11-19T10:00:00+01:00", "1.0.0")
}

fn deviation(id: &str, waives: &str, items: &[&str], expires: &str) -> String {
    let list: Vec<String> = items.iter().map(|v| format!("\"{v}\"")).collect();
    format!(
        "[[deviation]]\nid = \"{id}\"\nwaives = \"{waives}\"\nitems = [{}]\nreason = \"Accepted for this release.\"\nowner = \"Q. Lead\"\nexpires = {expires}\n\n",
        list.join(", ")
    )
}

/// The 1-based line of the first line of `text` that starts with `needle`
/// (after `skip` such lines).
fn line_of(text: &str, needle: &str, skip: usize) -> u64 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(needle))
        .nth(skip)
        .map(|(n, _)| n as u64 + 1)
        .unwrap_or_else(|| panic!("no line starting with {needle:?} in\n{text}"))
}

fn findings<'a>(v: &'a serde_json::Value, gate_id: &str) -> &'a Vec<serde_json::Value> {
    gate(v, gate_id)["findings"].as_array().expect("findings")
}

/// The finding of `gate_id` that names `item`.
fn finding<'a>(v: &'a serde_json::Value, gate_id: &str, item: &str) -> &'a serde_json::Value {
    findings(v, gate_id)
        .iter()
        .find(|f| {
            f["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|i| i == item))
        })
        .unwrap_or_else(|| panic!("gate {gate_id} has no finding about {item}: {v:#}"))
}

fn names(v: &serde_json::Value, gate_id: &str, item: &str) -> bool {
    findings(v, gate_id).iter().any(|f| {
        f["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|i| i == item))
    })
}

/// Assert exit 1, `gate_id` failed, and a finding names `item` at file:line.
fn assert_fails_at(
    code: i32,
    v: &serde_json::Value,
    gate_id: &str,
    item: &str,
    file: &str,
    line: u64,
) -> serde_json::Value {
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["status"], "not-releasable", "{v:#}");
    assert_eq!(gate(v, gate_id)["status"], "failed", "{v:#}");
    let f = finding(v, gate_id, item);
    assert_eq!(f["file"], file, "{f:#}");
    assert_eq!(f["line"].as_u64(), Some(line), "{f:#}");
    assert!(f["waived_by"].is_null(), "{f:#}");
    f.clone()
}

/// Every gate but `except` held.
fn others_held(v: &serde_json::Value, except: &[&str]) {
    for g in v["gates"].as_array().unwrap() {
        let id = g["id"].as_str().unwrap();
        if !except.contains(&id) {
            assert_eq!(g["status"], "held", "gate {id}: {v:#}");
        }
    }
}

fn release_digest(dir: &Path) -> String {
    let out = relpack()
        .args(["digest", "--release", "--root"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

fn approval(id: &str, signer: &str, role: &str, meaning: &str, at: &str, digest: &str) -> String {
    format!(
        "[[approval]]\nid = \"{id}\"\nsigner = \"{signer}\"\nrole = \"{role}\"\nmeaning = \"{meaning}\"\nsigned_at = {at}\nscope = \"release\"\ndigest = \"{digest}\"\n\n"
    )
}

/// A config with approval requirements.
fn config_with(gates: &str) -> String {
    format!(
        "[product]\nname = \"Test Pump\"\nid = \"TP\"\nsafety_class = \"B\"\n\n[release]\nversion = \"1.0.0\"\ndate = 2026-11-20\n\n[gates]\n{gates}\n"
    )
}

#[test]
fn baseline_tree_passes_every_gate() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &verified_req1()),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    others_held(&v, &[]);
}

// ---------------------------------------------------------------------------
// schema and links: invalid evidence, exit 2

#[test]
fn schema_error_is_invalid_evidence_exit_2() {
    // A requirement without its required `text`, a hazard with severity 9.
    let text = verified_req1()
        + "[[requirement]]\nid = \"REQ-2\"\ntitle = \"No text\"\n\n"
        + "[[hazard]]\nid = \"HAZ-1\"\ntitle = \"h\"\nharm = \"x\"\nseverity = 9\nprobability = 1\ncontrols = [\"REQ-1\"]\n";
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["status"], "invalid");
    let errors = v["errors"].as_array().unwrap();
    assert!(errors.len() >= 2, "{v:#}");
    assert!(
        errors
            .iter()
            .all(|e| e["file"] == "evidence.toml" && e["line"].as_u64().is_some()),
        "{v:#}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["line"].as_u64() == Some(line_of(&text, "severity = 9", 0))),
        "{v:#}"
    );
}

#[test]
fn dangling_link_and_cycle_are_invalid_evidence_exit_2() {
    let text = verified_req1()
        + &manual_test("T-2", &["REQ-404"])
        + "[[requirement]]\nid = \"REQ-A\"\ntitle = \"a\"\ntext = \"a\"\nderives_from = [\"REQ-B\"]\n\n"
        + "[[requirement]]\nid = \"REQ-B\"\ntitle = \"b\"\ntext = \"b\"\nderives_from = [\"REQ-A\"]\n\n";
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    let errors = v["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("REQ-404")
                && e["line"].as_u64() == Some(line_of(&text, "verifies = [\"REQ-404\"]", 0))),
        "{v:#}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("cycle")),
        "{v:#}"
    );
}

// ---------------------------------------------------------------------------
// requirement-verified

#[test]
fn requirement_verified_fails_for_an_unverified_requirement_obsolete_exempt() {
    let text = verified_req1()
        + &req("REQ-2")
        + "[[requirement]]\nid = \"REQ-3\"\ntitle = \"Old\"\ntext = \"Gone.\"\nstatus = \"obsolete\"\n";
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let line = line_of(&text, "[[requirement]]", 1);
    assert_fails_at(
        code,
        &v,
        "requirement-verified",
        "REQ-2",
        "evidence.toml",
        line,
    );
    assert!(
        !names(&v, "requirement-verified", "REQ-3"),
        "an obsolete requirement is exempt: {v:#}"
    );
    assert_eq!(findings(&v, "requirement-verified").len(), 1, "{v:#}");
    others_held(&v, &["requirement-verified"]);
}

#[test]
fn requirement_in_markdown_is_located_in_its_file() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &verified_req1()),
        (
            "reqs/REQ-2.md",
            "+++\nkind = \"requirement\"\nid = \"REQ-2\"\ntitle = \"md\"\n+++\nThe pump shall.\n",
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "requirement-verified",
        "REQ-2",
        "reqs/REQ-2.md",
        1,
    );
}

// ---------------------------------------------------------------------------
// test-passed

#[test]
fn test_passed_fails_without_a_result() {
    let text = req("REQ-1") + &manual_test("T-1", &["REQ-1"]);
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("no result"),
        "{f:#}"
    );
}

#[test]
fn test_passed_fails_when_the_latest_result_failed() {
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-1", "T-1", "pass", "2026-11-18T10:00:00+01:00", "1.0.0")
        + &result("R-2", "T-1", "fail", "2026-11-19T10:00:00+01:00", "1.0.0");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );
    assert!(f["message"].as_str().unwrap().contains("fail"), "{f:#}");

    // The same two results the other way round: the pass is the latest.
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-1", "T-1", "fail", "2026-11-18T10:00:00+01:00", "1.0.0")
        + &result("R-2", "T-1", "pass", "2026-11-19T10:00:00+01:00", "1.0.0");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn a_manual_result_for_another_version_does_not_count() {
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-1", "T-1", "pass", "2026-11-19T10:00:00+01:00", "0.9.0");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );

    // An older failure for this version is not hidden by a newer pass for
    // another version.
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-1", "T-1", "fail", "2026-11-18T10:00:00+01:00", "1.0.0")
        + &result("R-2", "T-1", "pass", "2026-11-19T10:00:00+01:00", "0.9.0");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );

    // `--version 0.9.0` makes that the release, and its pass counts.
    let out = relpack()
        .args(["check", "--format", "json", "--version", "0.9.0"])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn latest_result_is_by_instant_across_utc_offsets() {
    // As strings, "10:00+01:00" sorts after "09:30Z"; as instants it is
    // 09:00Z, half an hour before. And 05:00-05:00 is 10:00Z, the latest.
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-A", "T-1", "pass", "2026-11-19T10:00:00+01:00", "1.0.0")
        + &result("R-B", "T-1", "fail", "2026-11-19T09:30:00Z", "1.0.0");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );

    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-A", "T-1", "fail", "2026-11-19T10:00:00+01:00", "1.0.0")
        + &result("R-B", "T-1", "fail", "2026-11-19T09:30:00Z", "1.0.0")
        + &result("R-C", "T-1", "pass", "2026-11-19T05:00:00-05:00", "1.0.0");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "test-passed")["status"], "held");
}

/// Every date-time shape the schema allows is read as its instant: a
/// failing result written without seconds, with a space or a lowercase
/// `z` is still the latest, never taken for the oldest.
#[test]
fn latest_result_is_read_in_every_shape_the_schema_allows() {
    for later in [
        "\"2026-11-20T10:00Z\"",
        "\"2026-11-20 10:00:00z\"",
        "\"2026-11-20t10:00\"",
        "\"2026-11-20T10:00:00.5+01:00\"",
    ] {
        let text = req("REQ-1")
            + &manual_test("T-1", &["REQ-1"])
            + &result("R-A", "T-1", "pass", "2026-11-19T10:00:00Z", "1.0.0")
            + &result("R-B", "T-1", "fail", later, "1.0.0");
        let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 1, "{later}: {v:#}");
        assert_eq!(gate(&v, "test-passed")["status"], "failed", "{later}");
    }
}

/// A day the calendar does not have is invalid evidence at its value (the
/// schema's pattern allows a 31st in every month); before, such a failing
/// result was read as undated and the earlier pass won.
#[test]
fn a_date_that_does_not_exist_is_invalid_evidence() {
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-A", "T-1", "pass", "2026-11-10T10:00:00Z", "1.0.0")
        + &result("R-B", "T-1", "fail", "\"2026-11-31T10:00:00Z\"", "1.0.0")
        + &deviation("DEV-1", "test-passed", &["T-1"], "\"2026-02-29\"");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    let errors = v["errors"].as_array().expect("errors");
    let at = |needle: &str| {
        errors
            .iter()
            .find(|e| e["message"].as_str().unwrap_or("").contains(needle))
            .unwrap_or_else(|| panic!("no error about {needle} in {v:#}"))
            .clone()
    };
    let nov = at("2026-11-31 is not a day");
    assert_eq!(nov["file"], "evidence.toml");
    assert_eq!(nov["line"], line_of(&text, "executed_at = \"2026-11-31", 0));
    let feb = at("2026-02-29 is not a day");
    assert_eq!(feb["line"], line_of(&text, "expires = \"2026-02-29", 0));
}

#[test]
fn a_failing_junit_case_fails_its_test_at_the_test_and_the_case() {
    let xml = "<?xml version=\"1.0\"?>\n<testsuite name=\"s\" tests=\"2\">\n  <testcase classname=\"dose\" name=\"ok\"/>\n  <testcase classname=\"dose\" name=\"bad\">\n    <failure message=\"off by one\"/>\n  </testcase>\n</testsuite>\n";
    let text = req("REQ-1")
        + "[[test]]\nid = \"T-1\"\ntitle = \"auto\"\nverifies = [\"REQ-1\"]\njunit = [\"dose::*\"]\n";
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &text),
        ("results/junit.xml", xml),
    ]);
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );
}

// ---------------------------------------------------------------------------
// hazard-controlled

fn hazard(id: &str, controls: &[&str], extra: &str) -> String {
    let list: Vec<String> = controls.iter().map(|v| format!("\"{v}\"")).collect();
    format!(
        "[[hazard]]\nid = \"{id}\"\ntitle = \"Over-delivery\"\nharm = \"Hypoglycaemia\"\nseverity = 5\nprobability = 3\nresidual_severity = 3\nresidual_probability = 2\ncontrols = [{}]\n{extra}\n",
        list.join(", ")
    )
}

#[test]
fn hazard_without_control_fails() {
    let text = verified_req1() + &hazard("HAZ-1", &[], "");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "hazard-controlled",
        "HAZ-1",
        "evidence.toml",
        line_of(&text, "[[hazard]]", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("no risk control"),
        "{f:#}"
    );
    others_held(&v, &["hazard-controlled"]);
}

#[test]
fn hazard_with_an_unverified_control_fails_at_that_control() {
    let text = verified_req1()
        + &req("REQ-2")
        + &manual_test("T-2", &["REQ-2"])
        + &result("R-2", "T-2", "fail", "2026-11-19T10:00:00+01:00", "1.0.0")
        + &hazard("HAZ-1", &["REQ-1", "REQ-2"], "");
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "hazard-controlled",
        "HAZ-1",
        "evidence.toml",
        line_of(&text, "controls = [\"REQ-1\", \"REQ-2\"]", 0),
    );
    assert!(f["message"].as_str().unwrap().contains("REQ-2"), "{f:#}");
    assert_eq!(
        findings(&v, "hazard-controlled").len(),
        1,
        "REQ-1 is verified: {v:#}"
    );
}

#[test]
fn residual_risk_above_acceptable_needs_benefit_risk() {
    // 4 x 2 = 8 > 6 (the default acceptable score).
    let high = "residual_severity = 4\n";
    let text =
        verified_req1() + &hazard("HAZ-1", &["REQ-1"], "").replace("residual_severity = 3\n", high);
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "hazard-controlled",
        "HAZ-1",
        "evidence.toml",
        line_of(&text, "[[hazard]]", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("residual risk 8"),
        "{f:#}"
    );

    // With a benefit_risk justification, the gate holds.
    let text = verified_req1()
        + &hazard(
            "HAZ-1",
            &["REQ-1"],
            "benefit_risk = \"The therapy benefit outweighs it.\"",
        )
        .replace("residual_severity = 3\n", high);
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");

    // A stricter policy: 3 x 2 = 6 is above an acceptable score of 4.
    let config = CONFIG.to_string() + "\n[risk]\nacceptable_score = 4\n";
    let text = verified_req1() + &hazard("HAZ-1", &["REQ-1"], "");
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "hazard-controlled",
        "HAZ-1",
        "evidence.toml",
        line_of(&text, "[[hazard]]", 0),
    );

    // At exactly the acceptable score it holds; without residual values the
    // unmitigated ones count (5 x 3 = 15).
    let config = CONFIG.to_string() + "\n[risk]\nacceptable_score = 6\n";
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", &text)]);
    assert_eq!(check_json(t.path()).0, 0);
    let text = verified_req1()
        + &hazard("HAZ-1", &["REQ-1"], "")
            .replace("residual_severity = 3\nresidual_probability = 2\n", "");
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "hazard-controlled",
        "HAZ-1",
        "evidence.toml",
        line_of(&text, "[[hazard]]", 0),
    );
    assert!(f["message"].as_str().unwrap().contains("15"), "{f:#}");
}

// ---------------------------------------------------------------------------
// anomaly-open

fn anomaly(id: &str, severity: &str, status: &str, rationale: Option<&str>) -> String {
    let r = rationale
        .map(|r| format!("rationale = \"{r}\"\n"))
        .unwrap_or_default();
    format!(
        "[[anomaly]]\nid = \"{id}\"\ntitle = \"Anomaly {id}\"\nseverity = \"{severity}\"\nstatus = \"{status}\"\n{r}affects = [\"REQ-1\"]\n\n"
    )
}

#[test]
fn open_major_anomaly_above_max_fails_at_its_severity() {
    let config = CONFIG.replace("[gates]\n", "[gates]\nmax_open_anomaly = \"minor\"\n");
    let text = verified_req1() + &anomaly("ANOM-1", "major", "open", Some("Display only."));
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "anomaly-open",
        "ANOM-1",
        "evidence.toml",
        line_of(&text, "severity = \"major\"", 0),
    );
    assert!(f["message"].as_str().unwrap().contains("major"), "{f:#}");
    others_held(&v, &["anomaly-open"]);

    // "major" allowed: holds.
    let config = CONFIG.replace("[gates]\n", "[gates]\nmax_open_anomaly = \"major\"\n");
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", &text)]);
    assert_eq!(check_json(t.path()).0, 0);
}

#[test]
fn open_minor_anomaly_with_a_blank_rationale_fails() {
    let text = verified_req1() + &anomaly("ANOM-1", "minor", "open", Some("  "));
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "anomaly-open",
        "ANOM-1",
        "evidence.toml",
        line_of(&text, "[[anomaly]]", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("rationale"),
        "{f:#}"
    );
    // With one, it holds.
    let text = verified_req1() + &anomaly("ANOM-1", "minor", "open", Some("Display only."));
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    assert_eq!(check_json(t.path()).0, 0);
}

/// EVIDENCE.md lists `rationale` as optional ("required while not
/// resolved") and makes its absence an `anomaly-open` finding, a waivable
/// gate: so an open anomaly without one is valid evidence failing that gate
/// (exit 1), not a schema error (exit 2) no deviation could waive.
#[test]
fn open_minor_anomaly_without_rationale_fails_the_gate_not_the_schema() {
    let text = verified_req1() + &anomaly("ANOM-1", "minor", "open", None);
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "anomaly-open",
        "ANOM-1",
        "evidence.toml",
        line_of(&text, "[[anomaly]]", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("rationale"),
        "{f:#}"
    );
    // ... and a deviation can waive it.
    let dev = deviation("DEV-1", "anomaly-open", &["ANOM-1"], "2027-06-30");
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "anomaly-open")["status"], "waived");
}

#[test]
fn resolved_major_is_fine_deferred_counts_as_open() {
    let text = verified_req1()
        + &anomaly("ANOM-1", "major", "resolved", None)
        + &anomaly("ANOM-2", "critical", "resolved", None);
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "anomaly-open")["status"], "held");

    let text = verified_req1() + &anomaly("ANOM-1", "major", "deferred", Some("Later."));
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "anomaly-open",
        "ANOM-1",
        "evidence.toml",
        line_of(&text, "severity = ", 0),
    );
    assert!(f["message"].as_str().unwrap().contains("deferred"), "{f:#}");
}

// ---------------------------------------------------------------------------
// approval

#[test]
fn approval_missing_role_fails_pointing_at_the_policy() {
    let config = config_with(
        "approvals = [\"engineering\", \"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }",
    );
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
    ]);
    let d = release_digest(t.path());
    t.child("approvals.toml")
        .write_str(&approval(
            "APR-1",
            "Eve Eng",
            "engineering",
            "approved",
            "2026-11-19T10:00:00+01:00",
            &d,
        ))
        .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "approval")["status"], "failed");
    let f = findings(&v, "approval");
    assert_eq!(f.len(), 1, "{v:#}");
    assert!(
        f[0]["message"].as_str().unwrap().contains("`quality`"),
        "{v:#}"
    );
    assert_eq!(f[0]["file"], "relpack.toml");
    assert_eq!(
        f[0]["line"].as_u64(),
        Some(line_of(&config, "approvals", 0)),
        "{v:#}"
    );

    // A quality approval that only "reviewed" does not count either.
    t.child("approvals-q.toml")
        .write_str(&approval(
            "APR-2",
            "Quinn Qual",
            "quality",
            "reviewed",
            "2026-11-19T10:00:00+01:00",
            &d,
        ))
        .unwrap();
    assert_eq!(check_json(t.path()).0, 1);
    t.child("approvals-q.toml")
        .write_str(&approval(
            "APR-2",
            "Quinn Qual",
            "quality",
            "released",
            "2026-11-19T10:00:00+01:00",
            &d,
        ))
        .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn approval_needs_distinct_signers_by_the_highest_safety_class() {
    let config = config_with("approvals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 2 }");
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
    ]);
    let d = release_digest(t.path());
    // Twice the same person (case and spacing aside).
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    ) + &approval(
        "APR-2",
        " dana reyes",
        "quality",
        "released",
        "2026-11-19T11:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "class B needs one signer: {v:#}");

    // A class C requirement raises the release to class C: two signers.
    let evidence = verified_req1()
        + "[[requirement]]\nid = \"REQ-C\"\ntitle = \"c\"\ntext = \"c\"\nsafety_class = \"C\"\n\n"
        + &manual_test("T-C", &["REQ-C"])
        + &result("R-C", "T-C", "pass", "2026-11-19T10:00:00+01:00", "1.0.0");
    t.child("evidence.toml").write_str(&evidence).unwrap();
    let d = release_digest(t.path());
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    ) + &approval(
        "APR-2",
        " dana reyes",
        "quality",
        "released",
        "2026-11-19T11:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let f = findings(&v, "approval");
    assert_eq!(f.len(), 1, "{v:#}");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("2 distinct signer") && msg.contains("class C") && msg.contains("has 1"),
        "{msg}"
    );
    assert_eq!(f[0]["file"], "relpack.toml");
    assert_eq!(
        f[0]["line"].as_u64(),
        Some(line_of(&config, "min_approvals", 0)),
        "{v:#}"
    );

    // Nor are they two when the second name differs only in what a reader
    // cannot see: a zero-width space or joiner, a soft hyphen, a no-break
    // space, fullwidth letters.
    for twin in [
        "Dana Reyes\u{200B}",
        "Da\u{200D}na Reyes",
        "Da\u{00AD}na Reyes",
        "Dana\u{00A0}Reyes",
        "\u{FF24}ana Reyes",
    ] {
        let apr = approval(
            "APR-1",
            "Dana Reyes",
            "quality",
            "approved",
            "2026-11-19T10:00:00+01:00",
            &d,
        ) + &approval(
            "APR-2",
            twin,
            "quality",
            "released",
            "2026-11-19T11:00:00+01:00",
            &d,
        );
        t.child("approvals.toml").write_str(&apr).unwrap();
        let (code, v) = check_json(t.path());
        assert_eq!(code, 1, "{twin:?} counted as a second signer: {v:#}");
    }

    // An obsolete class C requirement does not raise the class.
    let evidence_obsolete = evidence.replace(
        "safety_class = \"C\"\n",
        "safety_class = \"C\"\nstatus = \"obsolete\"\n",
    );
    t.child("evidence.toml")
        .write_str(&evidence_obsolete)
        .unwrap();
    let d2 = release_digest(t.path());
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d2,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");

    // A second, distinct signer makes class C hold.
    t.child("evidence.toml").write_str(&evidence).unwrap();
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    ) + &approval(
        "APR-2",
        "Priya Natarajan",
        "engineering",
        "approved",
        "2026-11-19T11:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn stale_approval_fails_at_its_digest() {
    let config = config_with("approvals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }");
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
    ]);
    let d = release_digest(t.path());
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    assert_eq!(check_json(t.path()).0, 0);
    // Change one letter of a title: the approval is stale.
    t.child("evidence.toml")
        .write_str(&verified_req1().replace("Requirement REQ-1", "Requirement REQ-l"))
        .unwrap();
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "approval",
        "APR-1",
        "approvals.toml",
        line_of(&apr, "digest", 0),
    );
    assert!(f["message"].as_str().unwrap().contains("stale"), "{f:#}");
    // The stale approval no longer counts for its role.
    assert!(
        findings(&v, "approval")
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("`quality`")),
        "{v:#}"
    );
}

#[test]
fn approval_signed_after_the_release_date_fails() {
    let config = config_with("approvals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }");
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
    ]);
    let d = release_digest(t.path());
    // Late on the release date itself is fine.
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-20T23:30:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-21T08:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "approval",
        "APR-1",
        "approvals.toml",
        line_of(&apr, "signed_at", 0),
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("after the release date"),
        "{f:#}"
    );
}

#[test]
fn approval_with_a_bad_signature_fails() {
    let config = config_with(
        "approvals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }\nallowed_signers = \"keys/allowed_signers\"",
    );
    let signers =
        std::fs::read_to_string(repo_path("sample-evidence/keys/allowed_signers")).unwrap();
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
        ("keys/allowed_signers", &signers),
    ]);
    let d = release_digest(t.path());
    let apr = approval("APR-1", "Dana Reyes", "quality", "approved", "2026-11-19T10:00:00+01:00", &d)
        + "principal = \"dana@acme-medical.example\"\nsignature = \"\"\"\n-----BEGIN SSH SIGNATURE-----\nbm90IGEgc2lnbmF0dXJl\n-----END SSH SIGNATURE-----\n\"\"\"\n";
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "approval",
        "APR-1",
        "approvals.toml",
        line_of(&apr, "signature", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("signature"),
        "{f:#}"
    );

    // A real signature by the demo key, but over another record (the sample
    // release's APR-QA-1): it does not verify for this one.
    let sample =
        std::fs::read_to_string(repo_path("sample-evidence/approvals/APR-QA-1.toml")).unwrap();
    let sig = &sample[sample.find("signature = ").unwrap()..];
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    ) + "principal = \"dana@acme-medical.example\"\n"
        + sig;
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "approval",
        "APR-1",
        "approvals.toml",
        line_of(&apr, "signature", 0),
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("the signature does not verify over this record"),
        "{f:#}"
    );
}

#[test]
fn require_signatures_fails_an_unsigned_approval() {
    let config = config_with(
        "approvals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }\nrequire_signatures = true",
    );
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
    ]);
    let d = release_digest(t.path());
    let apr = approval(
        "APR-1",
        "Dana Reyes",
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(code, &v, "approval", "APR-1", "approvals.toml", 1);
    assert!(
        f["message"].as_str().unwrap().contains("not signed"),
        "{f:#}"
    );
}

#[test]
fn sample_evidence_passes_every_gate_with_real_signatures() {
    let (code, v) = check_json(&repo_path("sample-evidence"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "approval")["status"], "held");
    assert_eq!(gate(&v, "soup")["status"], "waived");
    assert_eq!(gate(&v, "soup")["waived_by"], serde_json::json!(["DEV-1"]));
}

// ---------------------------------------------------------------------------
// deviations: deviation-expired and waivers

#[test]
fn an_expired_deviation_in_use_fails_deviation_expired() {
    let text = verified_req1() + &req("REQ-2");
    let dev = deviation("DEV-1", "requirement-verified", &["REQ-2"], "2026-11-19");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &text),
        ("deviations.toml", &dev),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(
        gate(&v, "requirement-verified")["status"],
        "waived",
        "{v:#}"
    );
    let f = assert_fails_at(
        code,
        &v,
        "deviation-expired",
        "DEV-1",
        "deviations.toml",
        line_of(&dev, "expires", 0),
    );
    assert!(
        f["message"].as_str().unwrap().contains("2026-11-19"),
        "{f:#}"
    );

    // Expiring on the release date, it is still in force.
    let dev = deviation("DEV-1", "requirement-verified", &["REQ-2"], "2026-11-20");
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn an_unused_expired_deviation_does_not_fail() {
    // REQ-1 is verified: the deviation waives nothing.
    let dev = deviation("DEV-1", "requirement-verified", &["REQ-1"], "2025-01-01");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &verified_req1()),
        ("deviations.toml", &dev),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "deviation-expired")["status"], "held");
}

#[test]
fn a_deviation_waives_exactly_its_gate_for_exactly_its_items() {
    let text = verified_req1() + &req("REQ-2") + &req("REQ-3");
    let dev = deviation("DEV-1", "requirement-verified", &["REQ-2"], "2027-06-30")
        + &deviation("DEV-2", "soup", &["REQ-3"], "2027-06-30");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &text),
        ("deviations.toml", &dev),
    ]);
    let (code, v) = check_json(t.path());
    // REQ-3 has the same problem but no deviation for this gate.
    assert_fails_at(
        code,
        &v,
        "requirement-verified",
        "REQ-3",
        "evidence.toml",
        line_of(&text, "[[requirement]]", 2),
    );
    assert_eq!(
        finding(&v, "requirement-verified", "REQ-2")["waived_by"],
        "DEV-1"
    );
    assert_eq!(
        gate(&v, "requirement-verified")["waived_by"],
        serde_json::json!(["DEV-1"])
    );
    assert_eq!(gate(&v, "soup")["status"], "held");
    assert_eq!(gate(&v, "soup")["waived_by"], serde_json::json!([]));

    // Every finding waived: the gate is `waived`, the release releasable.
    let dev = deviation(
        "DEV-1",
        "requirement-verified",
        &["REQ-2", "REQ-3"],
        "2027-06-30",
    );
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["status"], "releasable");
    let g = gate(&v, "requirement-verified");
    assert_eq!(g["status"], "waived");
    assert_eq!(g["waived_by"], serde_json::json!(["DEV-1"]));
    assert!(
        findings(&v, "requirement-verified")
            .iter()
            .all(|f| f["waived_by"] == "DEV-1"),
        "{v:#}"
    );

    // A deviation for the requirement does not waive a failing test of it.
    let text = verified_req1().replace("outcome = \"pass\"", "outcome = \"fail\"");
    let dev = deviation("DEV-1", "test-passed", &["REQ-1"], "2027-06-30");
    t.child("evidence.toml").write_str(&text).unwrap();
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (code, v) = check_json(t.path());
    assert_fails_at(
        code,
        &v,
        "test-passed",
        "T-1",
        "evidence.toml",
        line_of(&text, "[[test]]", 0),
    );
    let dev = deviation("DEV-1", "test-passed", &["T-1"], "2027-06-30");
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (_, v) = check_json(t.path());
    assert_eq!(gate(&v, "test-passed")["status"], "waived", "{v:#}");
}

#[test]
fn soup_waiver_for_a_bom_component() {
    let bom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "components": [{"type": "library", "name": "left-pad", "version": "1.3.0"},
                 {"type": "library", "name": "right-pad", "version": "2.0.0"}]}"#;
    let dev = deviation("DEV-1", "soup", &["SOUP-left-pad@1.3.0"], "2027-06-30");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &verified_req1()),
        ("bom.cdx.json", bom),
        ("deviations.toml", &dev),
    ]);
    let (code, v) = check_json(t.path());
    // At the component's own line in the BOM.
    assert_fails_at(code, &v, "soup", "SOUP-right-pad@2.0.0", "bom.cdx.json", 3);
    assert_eq!(
        finding(&v, "soup", "SOUP-left-pad@1.3.0")["waived_by"],
        "DEV-1"
    );
}

#[test]
fn a_deviation_of_a_non_waivable_or_unknown_gate_is_invalid_evidence() {
    for (waives, needle) in [
        ("approval", "cannot be waived"),
        ("deviation-expired", "cannot be waived"),
        ("schema", "cannot be waived"),
        ("requirement-verifed", "there is no gate"),
    ] {
        let dev = deviation("DEV-1", waives, &["REQ-1"], "2027-06-30");
        let t = tree(&[
            ("relpack.toml", CONFIG),
            ("evidence.toml", &verified_req1()),
            ("deviations.toml", &dev),
        ]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{waives}: {v:#}");
        let e = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["message"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("{waives}: {v:#}"));
        assert_eq!(e["file"], "deviations.toml");
        assert_eq!(e["line"].as_u64(), Some(line_of(&dev, "waives", 0)));
    }
}

/// The waiver of a JUnit case that verifies two requirements by its own
/// property needs a deviation listing both.
#[test]
fn a_waiver_must_list_every_item_a_finding_names() {
    let xml = "<?xml version=\"1.0\"?>\n<testsuite name=\"s\" tests=\"1\">\n  <testcase classname=\"dose\" name=\"both\">\n    <properties><property name=\"verifies\" value=\"REQ-1, REQ-2\"/></properties>\n    <failure message=\"no\"/>\n  </testcase>\n</testsuite>\n";
    let text = req("REQ-1") + &req("REQ-2");
    let dev = deviation("DEV-1", "test-passed", &["REQ-1"], "2027-06-30");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &text),
        ("results/junit.xml", xml),
        ("deviations.toml", &dev),
    ]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(code, &v, "test-passed", "REQ-2", "results/junit.xml", 3);
    assert_eq!(f["items"], serde_json::json!(["REQ-1", "REQ-2"]));
    assert_eq!(gate(&v, "test-passed")["waived_by"], serde_json::json!([]));
    assert_eq!(gate(&v, "deviation-expired")["status"], "held");

    // Listing the other one only is no better.
    let dev = deviation("DEV-1", "test-passed", &["REQ-2"], "2027-06-30");
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (_, v) = check_json(t.path());
    assert_eq!(gate(&v, "test-passed")["status"], "failed", "{v:#}");

    // Both: waived. (Two deviations each naming one are not one waiver.)
    let dev = deviation("DEV-1", "test-passed", &["REQ-2", "REQ-1"], "2027-06-30");
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(gate(&v, "test-passed")["status"], "waived", "{v:#}");
    assert_eq!(
        gate(&v, "test-passed")["waived_by"],
        serde_json::json!(["DEV-1"])
    );
    // requirement-verified holds: a case verifies them (it failed, which is
    // test-passed's business).
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn a_valid_deviation_is_not_shadowed_by_an_expired_one() {
    let text = verified_req1() + &req("REQ-2");
    // DEV-1 sorts first and has expired; DEV-2 covers the same item and is
    // in force.
    let dev = deviation("DEV-1", "requirement-verified", &["REQ-2"], "2026-01-31")
        + &deviation("DEV-2", "requirement-verified", &["REQ-2"], "2027-06-30");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &text),
        ("deviations.toml", &dev),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        finding(&v, "requirement-verified", "REQ-2")["waived_by"],
        "DEV-2"
    );
    assert_eq!(
        gate(&v, "requirement-verified")["waived_by"],
        serde_json::json!(["DEV-2"])
    );
    assert_eq!(gate(&v, "deviation-expired")["status"], "held");

    // Only expired ones: the waiver is used, and deviation-expired fails.
    let dev = deviation("DEV-1", "requirement-verified", &["REQ-2"], "2026-01-31")
        + &deviation("DEV-2", "requirement-verified", &["REQ-2"], "2026-02-28");
    t.child("deviations.toml").write_str(&dev).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        gate(&v, "requirement-verified")["status"],
        "waived",
        "{v:#}"
    );
    assert_eq!(gate(&v, "deviation-expired")["status"], "failed", "{v:#}");
}

// ---------------------------------------------------------------------------
// soup

#[test]
fn soup_without_supplier_fails() {
    let soup = "[[soup]]\nid = \"SOUP-zlib@1.3\"\nname = \"zlib\"\nversion = \"1.3\"\nsupplier = \"Jean-loup Gailly and Mark Adler\"\n\n[[soup]]\nid = \"SOUP-libfoo@2.0\"\nname = \"libfoo\"\nversion = \"2.0\"\n";
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &verified_req1()),
        ("soup/soup.toml", soup),
    ]);
    let (code, v) = check_json(t.path());
    let f = assert_fails_at(
        code,
        &v,
        "soup",
        "SOUP-libfoo@2.0",
        "soup/soup.toml",
        line_of(soup, "[[soup]]", 1),
    );
    assert!(f["message"].as_str().unwrap().contains("supplier"), "{f:#}");
    assert_eq!(findings(&v, "soup").len(), 1, "{v:#}");
    others_held(&v, &["soup"]);
}

/// A text that shows nothing (zero-width and no-break spaces) is no text:
/// not a hazard's benefit-risk justification, not an anomaly's rationale,
/// not a signer's name, not a release's version.
#[test]
fn text_that_shows_nothing_is_no_text() {
    let invisible = "\u{200B}\u{00A0}\u{2060}";
    let high = "residual_severity = 4\n";
    let config = CONFIG.replace("[gates]\n", "[gates]\nmax_open_anomaly = \"major\"\n");
    let text = verified_req1()
        + &hazard(
            "HAZ-1",
            &["REQ-1"],
            &format!("benefit_risk = \"{invisible}\""),
        )
        .replace("residual_severity = 3\n", high)
        + &anomaly("ANOM-1", "minor", "open", Some(invisible));
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", &text)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "hazard-controlled")["status"], "failed", "{v:#}");
    assert_eq!(gate(&v, "anomaly-open")["status"], "failed", "{v:#}");

    let config = config_with("approvals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }");
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &verified_req1()),
    ]);
    let d = release_digest(t.path());
    let apr = approval(
        "APR-1",
        invisible,
        "quality",
        "approved",
        "2026-11-19T10:00:00+01:00",
        &d,
    );
    t.child("approvals.toml").write_str(&apr).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let f = findings(&v, "approval");
    assert!(
        f.iter().any(|f| f["message"]
            .as_str()
            .unwrap_or("")
            .contains("APR-1: its signer has no printed name")),
        "{v:#}"
    );

    for version in ["", " ", invisible] {
        let config = CONFIG.replace("version = \"1.0.0\"", &format!("version = \"{version}\""));
        let t = tree(&[
            ("relpack.toml", &config),
            ("evidence.toml", &verified_req1()),
        ]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{version:?}: {v:#}");
        assert!(
            v["errors"].to_string().contains("version is empty"),
            "{v:#}"
        );
    }
}

/// A manual test is judged by its records, but a JUnit case bound to it
/// that failed fails it all the same: "a test whose bound cases include
/// one failure has failed", whether bound by a `test` property or by the
/// test's `junit` pattern. A passing case does not outweigh its record.
#[test]
fn a_failing_bound_case_fails_a_manual_test_whatever_its_record() {
    let failing = "<testsuite name=\"s\"><testcase classname=\"s\" name=\"a\"><properties><property name=\"test\" value=\"T-1\"/></properties><failure message=\"x\"/></testcase></testsuite>\n";
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &verified_req1()),
        ("ci/junit.xml", failing),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "test-passed")["status"], "failed", "{v:#}");

    let by_pattern = verified_req1().replace(
        "method = \"manual\"\n",
        "method = \"manual\"\njunit = [\"s::a\"]\n",
    );
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &by_pattern),
        (
            "ci/junit.xml",
            &failing.replace(
                "<properties><property name=\"test\" value=\"T-1\"/></properties>",
                "",
            ),
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");

    // A failing record and a passing case: the record, the newest, counts.
    let text = req("REQ-1")
        + &manual_test("T-1", &["REQ-1"])
        + &result("R-1", "T-1", "fail", "2026-11-19T10:00:00+01:00", "1.0.0");
    let passing = failing.replace("<failure message=\"x\"/>", "");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &text),
        ("ci/junit.xml", &passing),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
}
