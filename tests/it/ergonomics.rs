//! A team's second month (issue 19): typos caught at their line with the
//! nearest valid name, relpack.toml's problems all at once, enum errors
//! that name every value, stale approvals that say what changed and how to
//! renew them, approvals that belong to their release, `diff` of JUnit
//! files, man pages per command, and the install and reference documents.

use std::path::Path;

use assert_fs::TempDir;
use predicates::prelude::*;
use serde_json::Value;

use super::*;

const REQ: &str = "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"Limit\"\ntext = \"The pump shall limit a bolus.\"\nderives_from = [\"N-1\"]\n";

const TEST_TYPO: &str =
    "[[test]]\nid = \"TC-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverfies = [\"REQ-1\"]\n";

fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let o = relpack()
        .arg("check")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn an_unknown_field_is_a_warning_at_its_line_with_the_nearest_field() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", REQ),
        ("tests.toml", TEST_TYPO),
        (
            "risk.toml",
            "[[hazard]]\nid = \"HAZ-1\"\ntitle = \"h\"\nharm = \"x\"\nseverity = 3\nprobability = 2\nresidual_probabilty = 1\ncontrols = [\"REQ-1\"]\n",
        ),
    ]);
    let (code, _, err) = check(t.path(), &[]);
    // Valid evidence (a gate fails: REQ-1 has no test), warned about.
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("warning: test TC-1: unknown field `verfies`: did you mean `verifies`?"),
        "{err}"
    );
    assert!(err.contains("tests.toml:5:1"), "{err}");
    assert!(
        err.contains("unknown field `residual_probabilty`: did you mean `residual_probability`?"),
        "{err}"
    );
    assert!(err.contains("risk.toml:7:1"), "{err}");
    // The same in JSON, located.
    let (_, v) = check_json(t.path());
    let w = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("verfies"))
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(w["file"], "tests.toml");
    assert_eq!(w["line"], 5);
}

#[test]
fn warnings_fail_check_when_denied_and_declared_fields_draw_none() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", REQ),
        ("tests.toml", TEST_TYPO),
    ]);
    // --deny-warnings: exit 2, on check and build (which writes nothing).
    let (code, _, err) = check(t.path(), &["--deny-warnings"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: test TC-1: unknown field `verfies`"),
        "{err}"
    );
    let out = TempDir::new().unwrap();
    relpack()
        .arg("build")
        .arg(t.path())
        .arg("--out")
        .arg(out.path())
        .args(["--deny-warnings", "--no-pdf"])
        .assert()
        .code(2);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    // [check] deny = ["unknown-field"] in relpack.toml does the same.
    let denied = format!("{CONFIG}\n[check]\ndeny = [\"unknown-field\"]\n");
    let t2 = tree(&[
        ("relpack.toml", &denied),
        ("reqs.toml", REQ),
        ("tests.toml", TEST_TYPO),
    ]);
    let (code, _, err) = check(t2.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[check] deny"), "{err}");
    // A field the team declared is no typo: no warning, even when denied.
    let declared = format!(
        "{CONFIG}\n[check]\ndeny = [\"unknown-field\"]\n\n[fields]\nrequirement = [\"jira\"]\n"
    );
    let reqs = REQ.replace("derives_from", "jira = \"PUMP-12\"\nderives_from");
    let t3 = tree(&[("relpack.toml", &declared), ("reqs.toml", &reqs)]);
    let (code, _, err) = check(t3.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("warning"), "{err}");
    // Undeclared, the same field is denied.
    let t4 = tree(&[("relpack.toml", &denied), ("reqs.toml", &reqs)]);
    let (code, _, err) = check(t4.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field `jira`"), "{err}");
    assert!(err.contains("[fields] requirement = [\"jira\"]"), "{err}");
}

#[test]
fn editor_schemas_flag_unknown_fields_that_relpack_accepts() {
    let dir = TempDir::new().unwrap();
    relpack()
        .args(["schema", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    let test_schema = jsonschema::validator_for(&read("test.schema.json")).unwrap();
    let good = serde_json::json!({"id": "TC-1", "title": "t", "verifies": ["REQ-1"]});
    let typo = serde_json::json!({"id": "TC-1", "title": "t", "verfies": ["REQ-1"]});
    assert!(test_schema.is_valid(&good));
    assert!(!test_schema.is_valid(&typo));
    let file_schema = jsonschema::validator_for(&read("evidence-file.schema.json")).unwrap();
    assert!(!file_schema.is_valid(&serde_json::json!({"test": [typo]})));
    assert!(file_schema.is_valid(&serde_json::json!({"test": [good]})));
    // relpack.toml's schema knows [fields] and [check].
    let config = jsonschema::validator_for(&read("relpack.schema.json")).unwrap();
    assert!(config.is_valid(&serde_json::json!({
        "product": {"name": "x"},
        "fields": {"requirement": ["jira"]},
        "check": {"deny": ["unknown-field"]}
    })));
}

#[test]
fn relpack_toml_reports_every_problem_at_once_with_hints() {
    let config = "[product]\nname = \"Pump\"\nsafety_class = \"D\"\n\n[release]\nversion = \"1.0.0\"\ndate = \"2026-12-02\"\n\n[gates]\nmax_open_anomalies = \"minor\"\n";
    let t = tree(&[("relpack.toml", config), ("reqs.toml", REQ)]);
    let (code, _, err) = check(t.path(), &[]);
    assert_eq!(code, 2, "{err}");
    // The quoted date: its line and column, and what to do.
    assert!(err.contains("relpack.toml:7:8"), "{err}");
    assert!(err.contains("remove the quotes"), "{err}");
    assert!(err.contains("date = 2026-12-02"), "{err}");
    // The misspelled key, with the nearest valid one.
    assert!(err.contains("relpack.toml:10:1"), "{err}");
    assert!(
        err.contains(
            "unknown key `max_open_anomalies` in [gates]: did you mean `max_open_anomaly`?"
        ),
        "{err}"
    );
    // The enum, with every allowed value.
    assert!(err.contains("relpack.toml:3:16"), "{err}");
    assert!(
        err.contains(r#""D" is not one of "A", "B" or "C""#),
        "{err}"
    );
    // All three in one run.
    assert_eq!(err.matches("error: relpack.toml").count(), 3, "{err}");
    assert!(!err.contains("did you mean \"A\""), "{err}");
}

#[test]
fn an_enum_error_names_every_allowed_value_and_the_nearest() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", REQ),
        (
            "t.toml",
            "[[test]]\nid = \"TC-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverifies = [\"REQ-1\"]\n\n[[result]]\nid = \"R-1\"\ntest = \"TC-1\"\noutcome = \"passed\"\nexecuted_by = \"A\"\nexecuted_at = 2026-11-19T10:00:00Z\n",
        ),
    ]);
    check_refuses(
        t.path(),
        r#"result R-1 `outcome`: "passed" is not one of "pass", "fail", "blocked" or "skipped": did you mean "pass"?"#,
    );
}

const APPROVED_CONFIG: &str = "[product]\nname = \"Test Pump\"\nid = \"TP\"\nsafety_class = \"B\"\n\n[release]\nversion = \"VERSION\"\ndate = 2026-11-20\nPREVIOUS\n[gates]\napprovals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }\n";

const VERIFIED: &str = "[[test]]\nid = \"TC-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverifies = [\"REQ-1\"]\n\n[[result]]\nid = \"R-1\"\ntest = \"TC-1\"\noutcome = \"pass\"\nexecuted_by = \"A\"\nexecuted_at = 2026-11-19T10:00:00Z\n";

fn approved_config(version: &str, previous: Option<&Path>) -> String {
    APPROVED_CONFIG.replace("VERSION", version).replace(
        "PREVIOUS",
        &previous
            .map(|p| format!("previous = \"{}\"\n", p.display()))
            .unwrap_or_default(),
    )
}

fn approve_release(dir: &Path) {
    relpack()
        .args(["approve", "--root"])
        .arg(dir)
        .args([
            "--id",
            "APR-1",
            "--role",
            "quality",
            "--meaning",
            "approved",
            "--signer",
            "Dana Reyes",
            "--at",
            "2026-11-19T16:00:00+01:00",
        ])
        .assert()
        .success();
}

#[test]
fn a_stale_approval_says_what_changed_and_how_to_renew_it() {
    let t = tree(&[
        ("relpack.toml", &approved_config("1.0.0", None)),
        ("reqs.toml", REQ),
        ("tests.toml", VERIFIED),
    ]);
    approve_release(t.path());
    let record = std::fs::read_to_string(t.path().join("approvals/APR-1.toml")).unwrap();
    assert!(record.contains("release = \"1.0.0\""), "{record}");
    let (out, folder, code, err) = build_packet(t.path(), &["--no-pdf"]);
    assert_eq!(code, 0, "{err}");
    // The requirement's text changes after the approval.
    std::fs::write(
        t.path().join("reqs.toml"),
        REQ.replace("limit a bolus", "limit every bolus"),
    )
    .unwrap();
    // That packet stands as the release before (another version: a packet
    // of this release's own version is refused as previous).
    let mut earlier: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("packet.json")).unwrap()).unwrap();
    earlier["release"]["version"] = "0.9.0".into();
    let earlier_path = out.path().join("earlier.json");
    std::fs::write(&earlier_path, earlier.to_string()).unwrap();
    std::fs::write(
        t.path().join("relpack.toml"),
        approved_config("1.0.0", Some(&earlier_path)),
    )
    .unwrap();
    let (code, stdout, _) = check(t.path(), &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("approval APR-1 is stale"), "{stdout}");
    assert!(
        stdout.contains("changed since it was signed: REQ-1 (text)"),
        "{stdout}"
    );
    let renew = format!(
        "relpack approve --root {} --replace --id APR-1 --role quality --meaning approved --signer 'Dana Reyes'",
        t.path().display()
    );
    assert!(stdout.contains(&renew), "{stdout}");
    // The command works: the approval is current again.
    let words = shell_words(&renew);
    relpack()
        .args(&words[1..])
        .args(["--at", "2026-11-19T17:00:00+01:00"])
        .assert()
        .success();
    // (TC-1 is now suspect: REQ-1 changed after its last run.)
    let (_, v) = check_json(t.path());
    assert_eq!(gate(&v, "approval")["status"], "held", "{v:#}");
    drop(out);
}

/// Split a command the way sh would (single quotes only).
fn shell_words(cmd: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    words.push(cur);
    words
}

#[test]
fn another_releases_approvals_are_history_never_counted_never_stale() {
    let t = tree(&[
        ("relpack.toml", &approved_config("1.0.0", None)),
        ("reqs.toml", REQ),
        ("tests.toml", VERIFIED),
    ]);
    approve_release(t.path());
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    // Release 1.1.0: the evidence changes; 1.0.0's approval is history.
    std::fs::write(
        t.path().join("reqs.toml"),
        REQ.replace("limit a bolus", "limit every bolus"),
    )
    .unwrap();
    std::fs::write(
        t.path().join("relpack.toml"),
        approved_config("1.1.0", None),
    )
    .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let findings: Vec<&str> = gate(&v, "approval")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    // Not stale: missing, since it does not count for 1.1.0.
    assert!(
        findings.iter().all(|f| !f.contains("stale")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("no current approval")),
        "{findings:?}"
    );
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let packet: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("packet.json")).unwrap())
            .unwrap();
    let a = &packet["approvals"][0];
    assert_eq!(a["history"], true, "{a:#}");
    assert_eq!(a["release"], "1.0.0");
    assert_eq!(a["valid"], false);
    let page = std::fs::read_to_string(folder.join("approvals.html")).unwrap();
    assert!(page.contains("history: release 1.0.0"), "{page}");
    // A new approval of 1.1.0 makes the release releasable beside it.
    relpack()
        .args(["approve", "--root"])
        .arg(t.path())
        .args([
            "--id",
            "APR-2",
            "--role",
            "quality",
            "--meaning",
            "approved",
            "--signer",
            "Dana Reyes",
            "--at",
            "2026-11-19T18:00:00+01:00",
        ])
        .assert()
        .success();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn approve_refuses_an_unknown_principal_and_explains_a_public_key() {
    let keys = TempDir::new().unwrap();
    let (key, public) = keygen(keys.path(), "id_ed25519", &["-t", "ed25519"]);
    let config = format!(
        "{}allowed_signers = \"keys/allowed_signers\"\n",
        approved_config("1.0.0", None)
    );
    let t = tree(&[
        ("relpack.toml", &config),
        ("reqs.toml", REQ),
        ("tests.toml", VERIFIED),
        (
            "keys/allowed_signers",
            &format!("dana@acme.example namespaces=\"relpack\" {public}"),
        ),
    ]);
    let approve = |principal: &str, key: &Path, extra: &[&str]| {
        relpack()
            .args(["approve", "--root"])
            .arg(t.path())
            .args([
                "--id",
                "APR-1",
                "--role",
                "quality",
                "--meaning",
                "approved",
                "--signer",
                "Dana Reyes",
                "--at",
                "2026-11-19T16:00:00+01:00",
                "--principal",
                principal,
                "--key",
            ])
            .arg(key)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = approve("nobody@acme.example", &key, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("principal `nobody@acme.example` is not in keys/allowed_signers"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(!t.path().join("approvals/APR-1.toml").exists());
    // The public key where the private one is needed.
    let o = approve("dana@acme.example", &key.with_extension("pub"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is a public key"), "{err}");
    assert!(
        err.contains(&format!("the private key beside it is {}", key.display())),
        "{err}"
    );
    assert!(!err.contains("PEM"), "{err}");
    // --force writes the record, which the gate then refuses.
    let o = approve("nobody@acme.example", &key, &["--force"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
}

const JUNIT: &str = r#"<?xml version="1.0"?>
<testsuite name="pump" tests="1"><testcase classname="pump" name="limits_bolus"><properties><property name="verifies" value="REQ-1"/></properties></testcase></testsuite>
"#;

#[test]
fn diff_shows_junit_files_and_verification_changes() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", REQ),
        ("tests.toml", VERIFIED),
    ]);
    let (_o1, old, _, _) = build_packet(t.path(), &["--no-pdf"]);
    std::fs::write(t.path().join("junit.xml"), JUNIT).unwrap();
    let (_o2, new, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let o = relpack()
        .arg("diff")
        .arg(old.join("packet.json"))
        .arg(new.join("packet.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("junit    1 added, 0 removed, 0 changed"),
        "{text}"
    );
    assert!(text.contains("+ junit.xml (1 cases, 0 failed)"), "{text}");
    assert!(text.contains("~ REQ-1 (verified)"), "{text}");
    assert!(
        text.contains("case pump::limits_bolus added (pass)"),
        "{text}"
    );
    let o = relpack()
        .args(["diff", "--format", "json"])
        .arg(old.join("packet.json"))
        .arg(new.join("packet.json"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["junit"]["added"][0]["path"], "junit.xml");
    assert_eq!(v["verification"][0]["id"], "REQ-1");
    // The item changes are still at the top level.
    assert!(v["added"].is_array() && v["modified"].is_array(), "{v:#}");
}

#[test]
fn man_writes_a_page_per_command_with_environment_exit_status_and_files() {
    let dir = TempDir::new().unwrap();
    relpack()
        .args(["man", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    for cmd in [
        "relpack",
        "relpack-check",
        "relpack-build",
        "relpack-diff",
        "relpack-verify",
        "relpack-approve",
        "relpack-digest",
        "relpack-init",
        "relpack-schema",
        "relpack-man",
        "relpack-completions",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("{cmd}.1")))
            .unwrap_or_else(|e| panic!("{cmd}.1: {e}"));
        assert!(page.contains("\n.TH"), "{cmd}");
        for needle in [
            ".SH \"ENVIRONMENT\"",
            ".SH \"EXIT STATUS\"",
            ".SH \"FILES\"",
            "SOURCE_DATE_EPOCH",
            "NO_COLOR",
            "RELPACK_TIMINGS",
            "RELPACK_KEY_PASSPHRASE",
        ] {
            assert!(page.contains(needle), "{cmd}.1 lacks {needle}");
        }
    }
    let check = std::fs::read_to_string(dir.path().join("relpack-check.1")).unwrap();
    assert!(check.contains("deny\\-warnings"), "{check}");
    // Every page the top page names exists.
    let top = std::fs::read_to_string(dir.path().join("relpack.1")).unwrap();
    for name in top.split("\\fB").skip(1) {
        if let Some(page) = name
            .split("\\fR(1)")
            .next()
            .filter(|_| name.contains("\\fR(1)"))
        {
            let page = page.replace("\\-", "-");
            assert!(dir.path().join(format!("{page}.1")).is_file(), "{page}");
        }
    }
    // --help says the same.
    relpack()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Environment:")
                .and(predicate::str::contains("RELPACK_KEY_PASSPHRASE"))
                .and(predicate::str::contains("Exit status:"))
                .and(predicate::str::contains("Files:")),
        );
}

#[test]
fn the_documentation_stands_alone_and_says_how_to_install() {
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    assert!(readme.contains("## Install"), "no install section");
    assert!(readme.contains("docs/evidence-format.md") && readme.contains("docs/packet.md"));
    let mut files = vec![repo_path("README.md")];
    for e in walkdir::WalkDir::new(repo_path("docs")) {
        let e = e.unwrap();
        if e.file_type().is_file()
            && e.path()
                .extension()
                .is_some_and(|x| x == "md" || x == "yml")
        {
            files.push(e.path().to_path_buf());
        }
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for bad in [
            "shared",
            "EVIDENCE.md",
            "PACKET.md",
            "cargo install relpack",
        ] {
            assert!(!text.contains(bad), "{} mentions `{bad}`", f.display());
        }
    }
    // The reference names every kind, every gate and every exit code.
    let format = std::fs::read_to_string(repo_path("docs/evidence-format.md")).unwrap();
    for kind in [
        "need",
        "requirement",
        "hazard",
        "test",
        "result",
        "anomaly",
        "deviation",
        "change",
        "document",
        "soup",
        "approval",
    ] {
        assert!(format.contains(&format!("### {kind}")), "{kind}");
        let schema: Value = serde_json::from_str(
            &std::fs::read_to_string(repo_path(&format!("schemas/{kind}.schema.json"))).unwrap(),
        )
        .unwrap();
        for field in schema["properties"].as_object().unwrap().keys() {
            assert!(format.contains(&format!("`{field}`")), "{kind}.{field}");
        }
    }
    for (gate, _, _) in relpack::gate::GATES {
        assert!(format.contains(&format!("`{gate}`")), "{gate}");
    }
    let packet = std::fs::read_to_string(repo_path("docs/packet.md")).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("schemas/packet.schema.json")).unwrap(),
    )
    .unwrap();
    for field in schema["required"].as_array().unwrap() {
        assert!(
            packet.contains(&format!("`{}", field.as_str().unwrap())),
            "{field}"
        );
    }
}

#[test]
fn install_recipes_are_real() {
    // A multi-stage image: a Rust builder and a slim Debian runtime.
    let docker = std::fs::read_to_string(repo_path("Dockerfile")).unwrap();
    let froms: Vec<&str> = docker.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].contains("rust:") && froms[0].contains(" AS build"));
    assert!(froms[1].contains("-slim"));
    assert!(docker.contains("cargo build --release --locked"));
    let smoke = std::fs::read_to_string(repo_path("scripts/docker-smoke.sh")).unwrap();
    assert!(smoke.contains("docker build") && smoke.contains("check /work"));
    // The pre-commit hook.
    let hooks: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(repo_path(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    let hook = hooks
        .as_sequence()
        .unwrap()
        .iter()
        .find(|h| h["id"].as_str() == Some("relpack-check"))
        .expect("a relpack-check hook");
    assert_eq!(hook["entry"].as_str(), Some("relpack check"));
    assert!(matches!(hook["language"].as_str(), Some("rust" | "docker")));
    // The release workflow builds binaries for several targets.
    let release: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(repo_path(".github/workflows/release.yml")).unwrap(),
    )
    .unwrap();
    let targets = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap();
    assert!(targets.len() >= 3);
    // Its build job runs the steps of scripts/release-job.sh (tested below).
    let steps = release["jobs"]["build"]["steps"].as_sequence().unwrap();
    for step in ["build", "smoke", "package"] {
        assert!(
            steps.iter().any(|s| s["run"]
                .as_str()
                .is_some_and(|r| r.contains(&format!("scripts/release-job.sh {step} ")))),
            "the release job runs release-job.sh {step}"
        );
    }
    let job = std::fs::read_to_string(repo_path("scripts/release-job.sh")).unwrap();
    assert!(job.contains("cargo build --release --locked --bin relpack --target"));
    // CI recipes install from git, cached.
    for f in ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"] {
        let text = std::fs::read_to_string(repo_path(f)).unwrap();
        assert!(text.contains("cargo install --git \"$RELPACK_GIT\""), "{f}");
        assert!(text.contains("--locked") && text.contains("cache"), "{f}");
    }
}

/// The release job's smoke and package steps, run here as the workflow runs
/// them, on a prebuilt binary (this test's relpack) in a scratch target
/// folder: the archive holds the binary and the README, and its checksum
/// file verifies.
#[test]
fn the_release_job_smoke_tests_and_packages_a_binary() {
    let target = "x86_64-unknown-linux-gnu";
    let scratch = TempDir::new().unwrap();
    let release = scratch.path().join("target").join(target).join("release");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_relpack"), release.join("relpack")).unwrap();
    // The job writes pkg/ in the repository; a scratch copy of the parts it
    // reads keeps the work tree clean.
    let repo = scratch.path().join("repo");
    std::fs::create_dir_all(repo.join("scripts")).unwrap();
    std::fs::copy(
        repo_path("scripts/release-job.sh"),
        repo.join("scripts/release-job.sh"),
    )
    .unwrap();
    std::fs::copy(repo_path("README.md"), repo.join("README.md")).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(repo_path("sample-evidence"))
        .arg(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    let job = |args: &[&str]| {
        std::process::Command::new("bash")
            .arg(repo.join("scripts/release-job.sh"))
            .args(args)
            .env("CARGO_TARGET_DIR", scratch.path().join("target"))
            .env("SOURCE_DATE_EPOCH", "1763600000")
            .env("CI", "1")
            .output()
            .unwrap()
    };
    let smoke = job(&["smoke", target]);
    assert!(
        smoke.status.success(),
        "smoke: {}",
        String::from_utf8_lossy(&smoke.stderr)
    );
    assert!(String::from_utf8_lossy(&smoke.stdout).contains("relpack "));
    let package = job(&["package", target, "9.9.9"]);
    assert!(
        package.status.success(),
        "package: {}",
        String::from_utf8_lossy(&package.stderr)
    );
    let archive = String::from_utf8_lossy(&package.stdout).trim().to_string();
    assert_eq!(archive, format!("pkg/relpack-9.9.9-{target}.tar.gz"));
    let listing = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(repo.join(&archive))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let name = format!("relpack-9.9.9-{target}");
    for f in ["relpack", "README.md"] {
        assert!(listing.contains(&format!("{name}/{f}")), "{listing}");
    }
    let verify = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg(format!("{name}.tar.gz.sha256"))
        .current_dir(repo.join("pkg"))
        .output()
        .unwrap();
    assert!(verify.status.success(), "the checksum file verifies");
    // The same inputs, the same archive.
    let first = std::fs::read(repo.join(&archive)).unwrap();
    assert!(job(&["package", target, "9.9.9"]).status.success());
    assert_eq!(first, std::fs::read(repo.join(&archive)).unwrap());
    // A binary that cannot check the sample fails the smoke step.
    std::fs::write(release.join("relpack"), "#!/bin/sh\nexit 3\n").unwrap();
    assert!(!job(&["smoke", target]).status.success());
}
