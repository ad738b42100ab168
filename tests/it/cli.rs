//! Fitting into a team's day: init, schemas, SARIF, completions, man page,
//! the CI recipes in docs/.

use assert_fs::TempDir;
use predicates::prelude::*;

use super::*;

#[test]
fn init_writes_a_tree_that_checks_and_says_what_next() {
    let dir = TempDir::new().unwrap();
    relpack()
        .arg("init")
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("Next:"));
    let (code, v) = check_json(dir.path());
    assert_eq!(code, 0, "{v:#}");
    // One item of each kind but deviation (commented: an unused waiver).
    let out = relpack()
        .args(["digest", "--release", "--each", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    for id in [
        "NEED-1",
        "REQ-1",
        "HAZ-1",
        "TC-1",
        "RES-1",
        "ANOM-1",
        "CHG-1",
        "DOC-INTENDED-USE",
        "SOUP-example@1.0.0",
    ] {
        assert!(listing.contains(id), "{id} missing from {listing}");
    }
    assert!(dir.path().join("approvals/APR-1.toml").is_file());
    // A second init refuses to overwrite.
    relpack().arg("init").arg(dir.path()).assert().code(2);
    // A folder holding one of its files (not relpack.toml): refused, and
    // nothing is written (exit 2 means so).
    let partial = TempDir::new().unwrap();
    std::fs::write(partial.path().join("needs.toml"), "# mine\n").unwrap();
    relpack()
        .arg("init")
        .arg(partial.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing was written"));
    let left: Vec<_> = std::fs::read_dir(partial.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("needs.toml")],
        "init wrote files before refusing"
    );
}

#[test]
fn schema_command_writes_every_schema() {
    let dir = TempDir::new().unwrap();
    relpack()
        .args(["schema", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    for k in [
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
        let text = std::fs::read_to_string(dir.path().join(format!("{k}.schema.json"))).unwrap();
        let _: serde_json::Value = serde_json::from_str(&text).unwrap();
    }
    for f in [
        "relpack.schema.json",
        "evidence-file.schema.json",
        "packet.schema.json",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
}

#[test]
fn sarif_puts_failed_gates_on_the_item_line() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", "[[need]]\nid = \"N\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"x\"\ntext = \"y\"\nderives_from = [\"N\"]\n"),
    ]);
    let out = relpack()
        .args(["check", "--format", "sarif"])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let results = s["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "requirement-verified")
        .unwrap();
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "reqs.toml");
    assert_eq!(loc["region"]["startLine"], 5);
    // Invalid evidence is SARIF too, every result located.
    let bad = tree(&[("relpack.toml", CONFIG), ("x.toml", "[[need]]\nid = 3\n")]);
    let out = relpack()
        .args(["check", "--format", "sarif"])
        .arg(bad.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in s["runs"][0]["results"].as_array().unwrap() {
        assert!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string(),
            "{r}"
        );
    }
}

#[test]
fn completions_and_man_page_come_from_the_cli() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        relpack()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("relpack"));
    }
    relpack()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH relpack"));
    relpack()
        .args(["build", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Example:"));
}

#[test]
fn quiet_and_no_color_are_honoured() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("n.toml", "[[need]]\nid = \"N\"\ntitle = \"n\"\n"),
    ]);
    relpack()
        .args(["check", "-q"])
        .arg(t.path())
        .assert()
        .success()
        .stdout("")
        .stderr("");
    relpack()
        .args(["check", "--color", "auto"])
        .arg(t.path())
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

/// Every `relpack` command in the CI recipes exists, with the flags used.
#[test]
fn ci_recipes_parse_and_use_real_commands() {
    let mut commands = Vec::new();
    for file in ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"] {
        let text = std::fs::read_to_string(repo_path(file)).unwrap();
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        collect_scripts(&doc, &mut commands);
    }
    let relpack_lines: Vec<&String> = commands
        .iter()
        .filter(|l| l.trim_start().starts_with("relpack "))
        .collect();
    assert!(relpack_lines.len() >= 3, "{commands:?}");
    for line in relpack_lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let sub = words[1];
        let help = relpack().args([sub, "--help"]).output().unwrap();
        assert!(
            help.status.success(),
            "`relpack {sub}` does not exist ({line})"
        );
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().unwrap();
            assert!(
                help.contains(flag),
                "`relpack {sub}` has no {flag} ({line})"
            );
        }
    }
    // A tag-time job builds on tags and keeps the packet even when a gate fails.
    let gh = std::fs::read_to_string(repo_path("docs/ci/github-actions.yml")).unwrap();
    assert!(gh.contains("tags:") && gh.contains("if: always()") && gh.contains("fetch-depth: 0"));
    let gl = std::fs::read_to_string(repo_path("docs/ci/gitlab-ci.yml")).unwrap();
    assert!(gl.contains("CI_COMMIT_TAG") && gl.contains("when: always"));
}

fn collect_scripts(v: &serde_yaml::Value, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let key = k.as_str().unwrap_or_default();
                if key == "run" || key == "script" || key == "before_script" {
                    match v {
                        serde_yaml::Value::String(s) => out.extend(s.lines().map(str::to_string)),
                        serde_yaml::Value::Sequence(seq) => out.extend(
                            seq.iter()
                                .filter_map(|x| x.as_str())
                                .flat_map(|s| s.lines().map(str::to_string)),
                        ),
                        _ => {}
                    }
                } else {
                    collect_scripts(v, out);
                }
            }
        }
        serde_yaml::Value::Sequence(s) => s.iter().for_each(|x| collect_scripts(x, out)),
        _ => {}
    }
}
