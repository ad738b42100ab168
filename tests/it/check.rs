//! `relpack check`: reading, validating and linking, with errors people can act on.

use predicates::prelude::*;

use super::*;

const NEED: &str = "[[need]]\nid = \"N-1\"\ntitle = \"A need\"\n";

fn error_at<'a>(v: &'a serde_json::Value, file: &str, needle: &str) -> &'a serde_json::Value {
    v["errors"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["file"] == file && e["message"].as_str().unwrap_or("").contains(needle))
        })
        .unwrap_or_else(|| panic!("no error in {file} containing {needle:?}: {v:#}"))
}

#[test]
fn clean_tree_checks_with_exit_0() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("needs.toml", NEED),
        (
            "reqs/REQ-1.md",
            "+++\nkind = \"requirement\"\nid = \"REQ-1\"\ntitle = \"Bolus\"\nderives_from = [\"N-1\"]\n+++\nThe pump **shall** deliver.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        ),
        ("tests.toml", "[[test]]\nid = \"T-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverifies = [\"REQ-1\"]\n\n[[result]]\nid = \"R-1\"\ntest = \"T-1\"\noutcome = \"pass\"\nexecuted_by = \"me\"\nexecuted_at = 2026-11-19T10:00:00+01:00\nversion = \"1.0.0\"\n"),
        ("README.md", "# not evidence\n"),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["status"], "releasable");
    assert_eq!(gate(&v, "requirement-verified")["status"], "held");
}

#[test]
fn every_error_is_reported_at_once_with_line_and_column() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "a.toml",
            "[[requirement]]\nid = \"REQ-1\"\ntitle = \"x\"\ntext = \"y\"\nstatus = \"maybe\"\n",
        ),
        (
            "b.toml",
            "[[test]]\nid = \"T-1\"\ntitle = \"t\"\nverifies = [\"REQ-1\", \"REQ-404\"]\n",
        ),
        (
            "c.toml",
            "[[requirement]]\nid = \"REQ-1\"\ntitle = \"dup\"\ntext = \"z\"\n",
        ),
        ("d.toml", "[[requirment]]\nid = \"X\"\n"),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["status"], "invalid");
    let e = error_at(&v, "a.toml", "status");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(5), Some(10))
    );
    let e = error_at(&v, "b.toml", "REQ-404");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(4), Some(22))
    );
    let e = error_at(&v, "c.toml", "duplicate id");
    assert_eq!(e["line"].as_u64(), Some(2));
    let e = error_at(&v, "d.toml", "unknown kind");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(1), Some(3))
    );
}

#[test]
fn text_output_is_rustc_style_without_colour_when_piped_or_no_color() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("a.toml", "[[requirement]]\nid = \"REQ-1\"\ntitle = \"x\"\ntext = \"y\"\nderives_from = [\"NOPE\"]\n"),
    ]);
    // Piped (assert_cmd captures stderr), with neither NO_COLOR nor CI set.
    relpack()
        .env_remove("CI")
        .arg("check")
        .arg(t.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: requirement REQ-1: `derives_from` names `NOPE`",
        ))
        .stderr(predicate::str::contains("┌─ a.toml:5:17"))
        .stderr(predicate::str::contains("\u{1b}[").not());
    // On a terminal (util-linux `script` gives it one): colour, unless
    // NO_COLOR is set.
    require_tool("script");
    let on_terminal = |no_color: bool| -> String {
        let bin = relpack_process().get_program().to_owned();
        let mut c = std::process::Command::new("script");
        c.args(["-qec"])
            .arg(format!(
                "'{}' check '{}'",
                bin.to_string_lossy(),
                t.path().display()
            ))
            .arg("/dev/null")
            .env_remove("CI")
            .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let out = c.output().expect("run script");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let coloured = on_terminal(false);
    assert!(
        coloured.contains("NOPE") && coloured.contains('\u{1b}'),
        "{coloured:?}"
    );
    let plain = on_terminal(true);
    assert!(
        plain.contains("NOPE") && !plain.contains('\u{1b}'),
        "{plain:?}"
    );
}

#[test]
fn colour_only_when_asked_on_a_pipe() {
    let t = tree(&[("relpack.toml", CONFIG), ("a.toml", "[[need]]\nid = 5\n")]);
    relpack()
        .args(["check", "--color", "always"])
        .arg(t.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\u{1b}["));
}

#[test]
fn links_must_name_items_of_allowed_kinds_and_not_cycle() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("needs.toml", NEED),
        (
            "reqs.toml",
            "[[requirement]]\nid = \"A\"\ntitle = \"a\"\ntext = \"a\"\nderives_from = [\"B\"]\n\n[[requirement]]\nid = \"B\"\ntitle = \"b\"\ntext = \"b\"\nderives_from = [\"A\"]\n",
        ),
        ("t.toml", "[[test]]\nid = \"T\"\ntitle = \"t\"\nverifies = [\"N-1\"]\n"),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2);
    error_at(&v, "reqs.toml", "cycle");
    error_at(&v, "t.toml", "it must name a requirement");
}

#[test]
fn attachments_must_exist_inside_the_root() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("sub/needs.toml", "[[need]]\nid = \"N-1\"\ntitle = \"n\"\nattachments = [\"../../etc/passwd\", \"missing.png\", \"ok.txt\"]\n"),
        ("sub/ok.txt", "evidence"),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    error_at(&v, "sub/needs.toml", "outside the evidence root");
    error_at(&v, "sub/needs.toml", "does not exist");
    assert_eq!(v["errors"].as_array().unwrap().len(), 2, "{v:#}");
}

#[test]
fn hidden_excluded_and_readme_files_are_not_evidence() {
    let t = tree(&[
        (
            "relpack.toml",
            &format!("exclude = [\"drafts/**\"]\n{CONFIG}"),
        ),
        ("needs.toml", NEED),
        (".hidden/bad.toml", "this is not toml ["),
        (".bad.toml", "neither ["),
        ("drafts/bad.toml", "[[requirement]]\nid = 1\n"),
        ("notes.md", "# Just notes\n\n+++ not front matter\n"),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_root_are_not_followed() {
    let outside = tree(&[(
        "secret.toml",
        "[[need]]\nid = \"OUT\"\ntitle = \"outside\"\n",
    )]);
    let t = tree(&[("relpack.toml", CONFIG), ("needs.toml", NEED)]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.toml"),
        t.path().join("link.toml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), t.path().join("dirlink")).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["warnings"]
            .to_string()
            .contains("leaves the evidence root"),
        "{v:#}"
    );
}

#[test]
fn hostile_bytes_give_messages_not_panics() {
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(NEED.as_bytes());
    let deep = format!(
        "[[need]]\nid = \"D\"\ntitle = \"d\"\nx = {}1{}\n",
        "[".repeat(40),
        "]".repeat(40)
    );
    let deeper = format!(
        "[[need]]\nid = \"D2\"\ntitle = \"d\"\nx = {}1{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let dotted = format!(
        "[[need]]\nid = \"E\"\ntitle = \"e\"\n{} = 1\n",
        vec!["k"; 5000].join(".")
    );
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "crlf.toml",
            "[[need]]\r\nid = \"C\"\r\ntitle = \"crlf\"\r\n",
        ),
        ("empty.toml", ""),
        ("deep.toml", &deep),
        ("deeper.toml", &deeper),
        ("dotted.toml", &dotted),
        ("unclosed.md", "+++\nkind = \"need\"\nid = \"U\"\n"),
    ]);
    std::fs::write(t.path().join("bom.toml"), bom).unwrap();
    std::fs::write(
        t.path().join("latin1.toml"),
        b"[[need]]\nid = \"L\"\ntitle = \"caf\xe9\"\n",
    )
    .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    error_at(&v, "latin1.toml", "not valid UTF-8");
    error_at(&v, "deep.toml", "nested deeper");
    error_at(&v, "deeper.toml", "recurs");
    error_at(&v, "unclosed.md", "front matter is not closed");
    let errors = v["errors"].to_string();
    assert!(!errors.contains("bom.toml"), "a BOM is fine: {v:#}");
    assert!(!errors.contains("crlf.toml"), "CRLF is fine: {v:#}");
    assert!(v["warnings"].to_string().contains("empty.toml"), "{v:#}");
}

#[test]
fn a_50_megabyte_file_reads() {
    let mut big = String::with_capacity(50 << 20);
    let mut n = 0;
    while big.len() < 50 << 20 {
        big.push_str(&format!("[[need]]\nid = \"N-{n}\"\ntitle = \"need number {n} with some padding text to make it longer\"\n\n"));
        n += 1;
    }
    let t = tree(&[("relpack.toml", CONFIG), ("big.toml", &big)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{}", v["errors"]);
}

#[test]
fn missing_config_and_bad_command_line_exit_2() {
    let t = tree(&[("needs.toml", NEED)]);
    check_refuses(t.path(), "no relpack.toml");
    relpack()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    relpack().arg("frobnicate").assert().code(2);
}

#[test]
fn config_errors_point_into_relpack_toml() {
    let t = tree(&[(
        "relpack.toml",
        "[product]\nname = \"X\"\nsafety_class = \"D\"\n[release]\nversion = \"1\"\n",
    )]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2);
    let e = error_at(&v, "relpack.toml", "");
    assert_eq!(e["line"].as_u64(), Some(3), "{v:#}");
}

#[test]
fn the_sample_evidence_checks_clean() {
    let (code, v) = check_json(&repo_path("sample-evidence"));
    assert_eq!(code, 0, "{v:#}");
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v:#}");
}

/// The words people read are reviewed, not missed: diagnostics and the gate
/// summary are snapshots.
#[test]
fn diagnostics_and_gate_summary_read_well() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", "[[requirement]]\nid = \"REQ-1\"\ntitle = \"Bolus\"\ntext = \"x\"\nstatus = \"done\"\nderives_from = [\"NEED-9\"]\n"),
        ("tests.toml", "[[test]]\nid = \"T-1\"\ntitle = \"t\"\nverifies = [\"REQ-1\"]\njunit = [\"suite::case_*\"]\n"),
    ]);
    let (_, _, stderr) = plain_check(t.path());
    insta::assert_snapshot!("invalid_tree", stderr);

    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"Bolus\"\ntext = \"x\"\nderives_from = [\"N-1\"]\n\n[[anomaly]]\nid = \"AN-1\"\ntitle = \"Crash\"\nseverity = \"major\"\nstatus = \"open\"\nrationale = \"rare\"\n"),
    ]);
    let (code, summary, _) = plain_check(t.path());
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("gate_summary", summary);
}

#[test]
fn ids_differing_only_in_case_are_warned_about() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("needs.toml", NEED),
        (
            "more.toml",
            "[[need]]\nid = \"n-1\"\ntitle = \"Another need\"\n",
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_ne!(code, 2, "{v:#}");
    let w = v["warnings"]
        .as_array()
        .and_then(|w| {
            w.iter().find(|w| {
                w["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("differ only in case")
            })
        })
        .unwrap_or_else(|| panic!("no case warning: {v:#}"));
    assert_eq!(w["file"], "more.toml", "{w:#}");
    assert_eq!(w["line"], 2, "{w:#}");
}

/// Link problems, all at once: a cycle, a duplicate id, a link to the wrong
/// kind, an attachment that is missing, and a JUnit case verifying nothing
/// that exists.
#[test]
fn link_diagnostics_read_well() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "reqs.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"a\"\ntext = \"x\"\nderives_from = [\"REQ-2\"]\n\n[[requirement]]\nid = \"REQ-2\"\ntitle = \"b\"\ntext = \"x\"\nderives_from = [\"REQ-1\"]\nattachments = [\"missing.png\"]\n",
        ),
        (
            "more.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"again\"\n\n[[hazard]]\nid = \"HAZ-1\"\ntitle = \"h\"\nharm = \"x\"\nseverity = 2\nprobability = 2\ncontrols = [\"N-1\"]\n",
        ),
        (
            "results/junit.xml",
            "<testsuite name=\"s\">\n<testcase classname=\"s\" name=\"c\">\n<properties><property name=\"verifies\" value=\"REQ-404\"/></properties>\n</testcase>\n</testsuite>\n",
        ),
    ]);
    let (code, _, stderr) = plain_check(t.path());
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("link_errors", stderr);
}

/// The gate summary of a tree whose findings are partly waived: who waived
/// what, and what still fails.
#[test]
fn a_waived_gate_summary_reads_well() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "e.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"Bolus\"\ntext = \"x\"\nderives_from = [\"N-1\"]\n\n[[requirement]]\nid = \"REQ-2\"\ntitle = \"Basal\"\ntext = \"y\"\nderives_from = [\"N-1\"]\n\n[[soup]]\nid = \"SOUP-1\"\nname = \"zlib\"\n\n[[deviation]]\nid = \"DEV-1\"\ntitle = \"Later\"\nwaives = \"requirement-verified\"\nitems = [\"REQ-1\"]\nreason = \"verified in 1.1\"\nowner = \"Dana\"\nexpires = 2026-12-31\n",
        ),
    ]);
    let (code, summary, _) = plain_check(t.path());
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("waived_gate_summary", summary);
}

/// `relpack check DIR` without colour: exit code, stdout with the release
/// digest masked (it changes with relpack's version), stderr.
fn plain_check(dir: &Path) -> (Option<i32>, String, String) {
    let out = relpack()
        .arg("check")
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            if l.starts_with("release digest") {
                "release digest [digest]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.code(), stdout, stderr)
}

/// A Markdown item saved as UTF-16 (Windows PowerShell 5's `Out-File`) is
/// an error that says so, never a file silently left out: here an open
/// critical anomaly that would fail the release.
#[test]
fn a_utf16_markdown_item_is_an_error_not_a_file_left_out() {
    use assert_fs::prelude::*;
    let t = tree(&[("relpack.toml", CONFIG), ("needs.toml", NEED)]);
    let text = "+++\r\nkind = \"anomaly\"\r\nid = \"ANOM-1\"\r\ntitle = \"Occlusion alarm late\"\r\nseverity = \"critical\"\r\nstatus = \"open\"\r\n+++\r\nSeen in the field.\r\n";
    for (name, bom, le) in [
        ("le.md", [0xFF, 0xFE], true),
        ("be.md", [0xFE, 0xFF], false),
    ] {
        let mut bytes = bom.to_vec();
        for unit in text.encode_utf16() {
            bytes.extend(if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        t.child(name).write_binary(&bytes).unwrap();
    }
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    for name in ["le.md", "be.md"] {
        let e = error_at(&v, name, "this file is UTF-16");
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(1), Some(1)),
            "{e}"
        );
    }
}

/// Every error in a file relpack cannot parse has a line and a column in
/// `check --format json` and SARIF, not only inside its message: bytes
/// that are not UTF-8, a JUnit report with a repeated attribute or a
/// second root element, a CycloneDX JSON BOM with a trailing comma, a
/// truncated CycloneDX XML BOM.
#[test]
fn unreadable_files_are_reported_at_their_line_and_column() {
    use assert_fs::prelude::*;
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("needs.toml", NEED),
        (
            "junit/attr.xml",
            "<?xml version=\"1.0\"?>\n<testsuite name=\"s\">\n  <properties/>\n    <testcase classname=\"pkg\" name=\"a\" name=\"b\"/>\n</testsuite>\n",
        ),
        (
            "junit/two.xml",
            "<testsuite name=\"s\"><testcase classname=\"p\" name=\"a\"/></testsuite>\n<?xml version=\"1.0\"?>\n<testsuite name=\"t\"/>\n",
        ),
        (
            "sbom/bom.json",
            "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n  \"components\": [\n    {\"name\": \"a\", \"version\": \"1\"},\n  ]\n}\n",
        ),
        (
            "sbom/x.cdx.xml",
            "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n  <components>\n    <component type=\"library\"><name>a</name></component>\n",
        ),
    ]);
    t.child("bad.toml")
        .write_binary(b"[[need]]\nid = \"N-2\"\ntitle = \"caf\xe9\"\n")
        .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    let at = |file: &str, needle: &str| {
        let e = error_at(&v, file, needle);
        (
            e["line"].as_u64().unwrap_or(0),
            e["column"].as_u64().unwrap_or(0),
        )
    };
    assert_eq!(at("bad.toml", "not valid UTF-8"), (3, 13));
    assert_eq!(at("junit/attr.xml", "duplicated attribute"), (4, 5));
    assert_eq!(
        at("junit/two.xml", "content after the root element"),
        (2, 1)
    );
    assert_eq!(at("sbom/bom.json", "trailing comma"), (6, 3));
    assert_eq!(
        at("sbom/x.cdx.xml", "ends before its elements are closed").0,
        5
    );
    let sarif = relpack()
        .args(["check", "--format", "sarif"])
        .arg(t.path())
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let region = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap_or("")
                .contains("duplicated attribute")
        })
        .map(|r| r["locations"][0]["physicalLocation"]["region"].clone())
        .expect("a SARIF result for the JUnit error");
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(4), Some(5))
    );
}
