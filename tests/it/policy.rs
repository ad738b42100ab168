//! Policies as code (issue 20): Rego files in policies/ run against the
//! packet; `deny` fails the `policy` gate at the rule's line and can be
//! waived for the items it names, `warn` warns, a parse error is invalid
//! evidence, `relpack policy test` runs the `test_` rules, and policies are
//! evidence (listed in the packet, in the release digest). The ready
//! policies of docs/policies.md are read from that page and run here.

use super::*;

/// The ```rego blocks of docs/policies.md: (path from the first comment
/// line, text).
fn doc_policies() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(repo_path("docs/policies.md")).unwrap();
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```rego\n") {
        let body = &rest[start + 8..];
        let end = body.find("```\n").expect("closed block");
        let text = &body[..end];
        let path = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .expect("a block starts with `# policies/NAME.rego`");
        out.push((path.to_string(), text.to_string()));
        rest = &body[end..];
    }
    assert_eq!(out.len(), 4, "the four ready policies");
    out
}

/// 1-based line of the first line of `text` starting with `needle`.
fn line_starting(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.starts_with(needle)).unwrap() as u64 + 1
}

const ITEMS: &str = r#"[[requirement]]
id = "REQ-1"
title = "Stop the pump"
text = "The pump shall stop on occlusion."
safety_class = "C"

[[requirement]]
id = "REQ-2"
title = "Alarm"
text = "The pump shall sound an alarm."
derives_from = ["REQ-1"]

[[test]]
id = "T-1"
title = "Stop and alarm"
method = "manual"
verifies = ["REQ-1", "REQ-2"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "A. Tester"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"

[[hazard]]
id = "HAZ-1"
title = "Overdose"
harm = "Overdose"
severity = 5
probability = 1
controls = ["REQ-1", "REQ-2"]

[[change]]
id = "CHG-1"
title = "Faster stop"
reason = "Field report"
affects = ["REQ-1"]

[[anomaly]]
id = "ANOM-1"
title = "Alarm late"
severity = "critical"
status = "open"
rationale = "Under analysis."

[[deviation]]
id = "DEV-1"
waives = "anomaly-open"
items = ["ANOM-1"]
reason = "Field fix in 1.0.1."
owner = "Q. Lead"
expires = 2027-06-30
"#;

/// The evidence above with the four ready policies.
fn with_doc_policies() -> TempDir {
    let t = tree(&[("relpack.toml", CONFIG), ("items.toml", ITEMS)]);
    for (path, text) in doc_policies() {
        t.child(&path).write_str(&text).unwrap();
    }
    t
}

fn policy_finding<'a>(v: &'a serde_json::Value, item: &str) -> &'a serde_json::Value {
    gate(v, "policy")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["items"].as_array().unwrap().iter().any(|i| i == item))
        .unwrap_or_else(|| panic!("no policy finding about {item}: {v:#}"))
}

#[test]
fn the_ready_policies_pass_their_own_tests() {
    let t = with_doc_policies();
    let o = relpack()
        .args(["policy", "test"])
        .arg(t.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("10 passed, 0 failed"), "{stdout}");
    assert!(
        stdout.contains("PASS data.main.test_days (policies/deviation_90_days.rego:"),
        "{stdout}"
    );
}

#[test]
fn each_ready_policy_denies_at_its_rule() {
    let t = with_doc_policies();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "policy")["status"], "failed");
    let docs = doc_policies();
    let text = |name: &str| {
        docs.iter()
            .find(|(p, _)| p.ends_with(name))
            .unwrap()
            .1
            .clone()
    };
    let cases = [
        (
            "CHG-1",
            "class_c_change.rego",
            "affects class C item REQ-1 and has 0 approver(s)",
        ),
        (
            "ANOM-1",
            "critical_anomaly.rego",
            "anomaly ANOM-1 is critical and open",
        ),
        ("DEV-1", "deviation_90_days.rego", "lasts 222 days"),
    ];
    for (item, file, msg) in cases {
        let f = policy_finding(&v, item);
        assert_eq!(f["file"], format!("policies/{file}"), "{f:#}");
        assert_eq!(
            f["line"].as_u64(),
            Some(line_starting(&text(file), "deny contains")),
            "{f:#}"
        );
        assert!(f["message"].as_str().unwrap().contains(msg), "{f:#}");
    }
    // HAZ-1's two controls: REQ-2 derives from REQ-1, so not independent.
    let f = policy_finding(&v, "HAZ-1");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("fewer than two independent"));
}

/// The approval of CHG-1 by `signer`, with the digest relpack computes.
fn approval(dir: &Path, id: &str, signer: &str) -> String {
    let o = relpack()
        .args(["digest", "--root"])
        .arg(dir)
        .arg("CHG-1")
        .output()
        .unwrap();
    let digest = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    format!(
        "[[approval]]\nid = \"{id}\"\nsigner = \"{signer}\"\nrole = \"quality\"\nmeaning = \"approved\"\nsigned_at = 2026-11-19T09:00:00Z\nscope = [\"CHG-1\"]\ndigest = \"{digest}\"\n\n"
    )
}

#[test]
fn two_approvers_satisfy_the_class_c_policy() {
    let t = with_doc_policies();
    let a = approval(t.path(), "APR-1", "Dana Reyes") + &approval(t.path(), "APR-2", "Priya Nair");
    t.child("approvals.toml").write_str(&a).unwrap();
    let (_, v) = check_json(t.path());
    let findings = gate(&v, "policy")["findings"].as_array().unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f["items"].as_array().unwrap().iter().any(|i| i == "CHG-1")),
        "{v:#}"
    );
}

fn small(policy: &str) -> TempDir {
    tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"Need\"\ntext = \"x\"\n",
        ),
        ("policies/p.rego", policy),
    ])
}

const DENY_N1: &str = "package main\n\nimport rego.v1\n\nwarn contains \"no release on a Friday\" if {\n\tinput.release.date == \"2026-11-20\"\n}\n\ndeny contains {\"msg\": \"need N-1 is vague\", \"items\": [\"N-1\"]} if {\n\tsome i in input.items\n\ti.id == \"N-1\"\n}\n";

#[test]
fn deny_fails_warn_warns_and_a_deviation_waives_the_items() {
    let t = small(DENY_N1);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let f = policy_finding(&v, "N-1");
    assert_eq!(f["file"], "policies/p.rego");
    assert_eq!(f["line"], 9);
    let warning = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| {
            w["message"]
                .as_str()
                .unwrap()
                .contains("no release on a Friday")
        })
        .unwrap_or_else(|| panic!("no warning: {v:#}"));
    assert_eq!(warning["file"], "policies/p.rego");
    assert_eq!(warning["line"], 5);
    // Waived for N-1.
    t.child("dev.toml")
        .write_str("[[deviation]]\nid = \"DEV-1\"\nwaives = \"policy\"\nitems = [\"N-1\"]\nreason = \"Agreed.\"\nowner = \"Q. Lead\"\nexpires = 2027-01-01\n")
        .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "policy")["status"], "waived");
    assert_eq!(policy_finding(&v, "N-1")["waived_by"], "DEV-1");
    // A deny that names no item is never waived.
    let t = small("package main\n\nimport rego.v1\n\ndeny contains \"never\" if { true }\n");
    t.child("dev.toml")
        .write_str("[[deviation]]\nid = \"DEV-1\"\nwaives = \"policy\"\nitems = [\"N-1\"]\nreason = \"Agreed.\"\nowner = \"Q. Lead\"\nexpires = 2027-01-01\n")
        .unwrap();
    let (code, _) = check_json(t.path());
    assert_eq!(code, 1);
}

#[test]
fn other_packages_count_only_when_named() {
    let policy = DENY_N1.replace("package main", "package release");
    let t = small(&policy);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "package main has no rules: {v:#}");
    let config = format!("{CONFIG}\n[policy]\npackages = [\"release\"]\n");
    t.child("relpack.toml").write_str(&config).unwrap();
    let (code, _) = check_json(t.path());
    assert_eq!(code, 1);
}

#[test]
fn a_policy_that_does_not_parse_is_invalid_evidence() {
    let t = small("package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := \n}\n");
    let o = relpack().arg("check").arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("policies/p.rego:"), "{stderr}");
    assert!(stderr.contains("does not parse"), "{stderr}");
    relpack()
        .args(["policy", "test"])
        .arg(t.path())
        .assert()
        .code(2);
}

/// A policy is evidence: one that runs away (25M iterations here) is
/// stopped after RELPACK_POLICY_TIMEOUT seconds and the evidence is
/// invalid, instead of hanging the release job.
#[test]
fn a_policy_that_runs_too_long_is_stopped_and_the_evidence_invalid() {
    let t = small("package main\n\nimport rego.v1\n\ndeny contains \"never\" if {\n\tsome i in numbers.range(1, 5000)\n\tsome j in numbers.range(1, 5000)\n\ti * j == -1\n}\n");
    let started = std::time::Instant::now();
    let o = relpack()
        .arg("check")
        .arg(t.path())
        .env("RELPACK_POLICY_TIMEOUT", "0.5")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a policy failed to evaluate"), "{stderr}");
    assert!(stderr.contains("RELPACK_POLICY_TIMEOUT"), "{stderr}");
    // Not a timing test: only that it stopped long before finishing.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{stderr}"
    );
}

#[test]
fn policy_test_reports_each_test_and_fails_on_one() {
    let t = small(
        "package main\n\nimport rego.v1\n\ntest_holds if { 1 == 1 }\n\ntest_breaks if { 1 == 2 }\n",
    );
    let o = relpack()
        .args(["policy", "test"])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("PASS data.main.test_holds (policies/p.rego:5)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL data.main.test_breaks (policies/p.rego:7)"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn policies_are_evidence_in_the_packet_and_the_release_digest() {
    let t = small(DENY_N1);
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let packet: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("packet.json")).unwrap())
            .unwrap();
    let p = &packet["policies"][0];
    assert_eq!(p["path"], "policies/p.rego");
    assert_eq!(p["package"], "main");
    assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
    let page = std::fs::read_to_string(folder.join("evidence.html")).unwrap();
    // tera escapes `/` as `&#x2F;` in text.
    assert!(
        page.contains("policies&#x2F;p.rego"),
        "the Evidence index lists it"
    );
    // verify recomputes the release digest from packet.json, policies included.
    relpack().arg("verify").arg(&folder).assert().success();
    let before = packet["release"]["digest"].clone();
    t.child("policies/p.rego")
        .write_str(&DENY_N1.replace("vague", "unclear"))
        .unwrap();
    let (_, v) = check_json(t.path());
    assert_ne!(
        v["release"]["digest"], before,
        "a changed policy changes the digest"
    );
}

/// A `deny` rule of any shape that holds fails the gate: a rule that is
/// just true (`deny if ...`), an object of messages, a string, as well as
/// the set conftest writes; one that does not hold (false, undefined, an
/// empty set) does not. Before, only a set was read and the others were
/// ignored without a word.
#[test]
fn a_deny_rule_of_any_shape_that_holds_fails_the_gate() {
    let head = "package main\n\nimport rego.v1\n\n";
    for (rule, holds) in [
        ("deny if { true }\n", true),
        ("deny := {\"a\": \"first\"}\n", true),
        ("deny := \"no release on Fridays\"\n", true),
        ("deny contains \"always\" if { true }\n", true),
        ("deny if { false }\n", false),
        ("deny contains \"never\" if { false }\n", false),
        ("deny := false\n", false),
        ("deny := {\"a\": false, \"b\": null}\n", false),
        ("deny := {\"a\": false, \"b\": true}\n", true),
    ] {
        let t = tree(&[
            ("relpack.toml", CONFIG),
            ("items.toml", ITEMS),
            ("policies/p.rego", &format!("{head}{rule}")),
        ]);
        let (code, v) = check_json(t.path());
        let status = &gate(&v, "policy")["status"];
        if holds {
            assert_eq!(status, "failed", "{rule}: {v:#}");
            assert_eq!(code, 1, "{rule}: {v:#}");
        } else {
            assert_eq!(status, "held", "{rule}: {v:#}");
        }
    }
}
