//! Issue 17: verification in full in the PDF as on the site, the
//! regulatory index (FDA documentation elements by level, IEC 62304
//! deliverables by class), and signed packets; all through the real binary.

use super::*;

const REQUIREMENTS: &str = r#"
[[requirement]]
id = "REQ-1"
title = "Maximum bolus limit"
text = "The pump shall never deliver more than the maximum bolus."

[[requirement]]
id = "REQ-2"
title = "Tamper-evident audit log"
text = "The audit log shall detect an altered entry."
"#;

const TESTS: &str = r#"
[[test]]
id = "TC-1"
title = "Bench check of the limit"
method = "manual"
verifies = ["REQ-1"]
text = "Enter 30 U and press deliver on the bench rig."
expected = "The pump shows Limited to maximum bolus and delivers 10 U."

[[test]]
id = "TC-2"
title = "Limit unit tests"
method = "automated"
verifies = ["REQ-1"]
junit = ["suite::test_limit_*"]
"#;

const RESULTS: &str = r#"
[[result]]
id = "RES-1"
test = "TC-1"
outcome = "pass"
executed_by = "Ana Ruiz"
executed_at = 2026-11-15T10:00:00+01:00
version = "1.0.0"
commit = "c0ffee1234"
environment = "Bench rig seven with firmware build 118"
notes = "Observed exactly as expected on the first attempt."
"#;

const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="suite" tests="2" timestamp="2026-11-12T09:00:00">
<testcase classname="suite" name="test_limit_caps"/>
<testcase classname="suite" name="test_audit_chain_detects_altered_entry">
<properties><property name="verifies" value="REQ-2"/></properties>
</testcase>
</testsuite></testsuites>
"#;

const SOUP: &str = r#"
[[soup]]
id = "SOUP-zlib"
name = "zlib"
version = "1.3.1"
supplier = "zlib project"
known_anomalies_reviewed = "Vendor advisories checked on the first of November: none applies."
"#;

fn config(class: &str, level: Option<&str>, gate: bool) -> String {
    let level = level
        .map(|l| format!("documentation_level = \"{l}\"\n"))
        .unwrap_or_default();
    format!(
        "[product]\nname = \"Test Pump\"\nid = \"TP\"\nsafety_class = \"{class}\"\n{level}\n\
         [release]\nversion = \"1.0.0\"\ndate = 2026-11-20\n\n\
         [gates]\napprovals = []\nmin_approvals = {{ A = 0, B = 0, C = 0 }}\nregulatory_index = {gate}\n"
    )
}

fn evidence(config: &str, extra: &[(&str, &str)]) -> TempDir {
    let mut files = vec![
        ("relpack.toml", config),
        ("requirements/r.toml", REQUIREMENTS),
        ("tests/t.toml", TESTS),
        ("results/manual.toml", RESULTS),
        ("results/junit.xml", JUNIT),
        ("soup/soup.toml", SOUP),
    ];
    files.extend_from_slice(extra);
    tree(&files)
}

/// The PDF's text with every run of white space made one space: table
/// cells wrap wherever the layout puts them.
fn flat_pdf(folder: &Path) -> String {
    pdf_text(&folder.join("packet.pdf"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_pdf_shows_every_verification_field_and_soup_review() {
    let dir = evidence(&config("B", Some("basic"), false), &[]);
    let (_out, folder, code, stderr) = build_packet(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let text = flat_pdf(&folder);
    for needle in [
        "Procedure: Enter 30 U and press deliver on the bench rig.",
        "Expected result: The pump shows Limited to maximum bolus and delivers 10 U.",
        "by Ana Ruiz",
        "version 1.0.0",
        "commit c0ffee1234",
        "Environment: Bench rig seven with firmware build 118",
        "Notes: Observed exactly as expected on the first attempt.",
        // An automated test's bound case, with its file.
        "suite::test_limit_caps",
        "results/junit.xml",
        "Known anomalies reviewed: Vendor advisories checked on the first of November: none applies.",
    ] {
        assert!(text.contains(needle), "PDF lacks {needle:?}:\n{text}");
    }
    // The site's test page shows the same run details.
    let page = std::fs::read_to_string(folder.join("items/TC-1.html")).unwrap();
    for needle in [
        "Bench rig seven with firmware build 118",
        "Observed exactly as expected",
        "c0ffee1234",
        "The pump shows Limited to maximum bolus",
    ] {
        assert!(page.contains(needle), "TC-1 page lacks {needle:?}");
    }
    let soup = std::fs::read_to_string(folder.join("soup.html")).unwrap();
    assert!(soup.contains("Vendor advisories checked"));
    let p = packet_json(&folder);
    let tc1 = p["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "TC-1")
        .unwrap();
    assert_eq!(
        tc1["expected"],
        "The pump shows Limited to maximum bolus and delivers 10 U."
    );
    assert_eq!(
        tc1["runs"][0]["environment"],
        "Bench rig seven with firmware build 118"
    );
    assert_eq!(tc1["runs"][0]["commit"], "c0ffee1234");
}

#[test]
fn a_requirement_verified_by_a_junit_property_is_counted_and_traced() {
    let dir = evidence(&config("B", Some("basic"), false), &[]);
    let (_out, folder, code, stderr) = build_packet(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let p = packet_json(&folder);
    // The verdict: verified, through the case alone.
    let req2 = p["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "REQ-2")
        .unwrap();
    assert_eq!(req2["verified"], true);
    assert_eq!(req2["latest"]["outcome"], "pass");
    assert_eq!(
        req2["latest"]["case"],
        "suite::test_audit_chain_detects_altered_entry"
    );
    let counts = &p["verification"]["requirements"];
    assert_eq!(counts["total"], 2);
    assert_eq!(counts["verified"], 2);
    assert_eq!(counts["by_cases"], 1);
    assert_eq!(counts["by_tests"], 1);
    let by_property = p["verification"]["by_property"].as_array().unwrap();
    assert_eq!(by_property.len(), 1);
    assert_eq!(by_property[0]["verifies"], serde_json::json!(["REQ-2"]));
    // The PDF: counted in the summary, listed in 8.2.1, and 8.3 empty.
    let text = flat_pdf(&folder);
    assert!(
        text.contains("8.2.1 Requirements verified by JUnit cases"),
        "no 8.2.1:\n{text}"
    );
    let s821 = &text[text
        .rfind("8.2.1 Requirements verified by JUnit cases")
        .unwrap()..];
    let s821 = &s821[..s821
        .find("8.3 JUnit cases bound to no test")
        .expect("8.3 after 8.2.1")];
    assert!(
        s821.contains("suite::test_audit_chain_detects_altered_entry"),
        "{s821}"
    );
    assert!(s821.contains("REQ-2"), "{s821}");
    assert!(
        text.contains("Verified, with JUnit cases naming them in a verifies property (8.2.1)"),
        "summary does not count it:\n{text}"
    );
    // The trace matrix (PDF section 7): REQ-2's latest result is its case
    // (REQ-1's is the manual record, in results/manual.toml).
    let s7 = &text[text.find("7 Trace matrix Need").expect("section 7")..];
    let s7 = &s7[..s7.find("From tests").expect("7.1")];
    assert_eq!(s7.matches("results/junit.xml").count(), 1, "{s7}");
    // The CSV and the site's matrix too.
    let csv = std::fs::read_to_string(folder.join("trace-matrix.csv")).unwrap();
    let line = csv.lines().find(|l| l.starts_with("REQ-2,")).unwrap();
    assert!(
        line.contains("pass 2026-11-12T09:00:00 results/junit.xml"),
        "{line}"
    );
    let site = std::fs::read_to_string(folder.join("trace-matrix.html")).unwrap();
    let row = &site[site.find("items/REQ-2.html").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("2026-11-12T09:00:00"), "{row}");
    let ver = std::fs::read_to_string(folder.join("verification.html")).unwrap();
    assert!(ver.contains("Requirements verified by JUnit cases (1)"));
}

fn index_codes(p: &serde_json::Value) -> Vec<(String, bool)> {
    p["regulatory_index"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_string(),
                e["provided"] == true,
            )
        })
        .collect()
}

#[test]
fn the_index_lists_the_elements_of_the_level_and_the_class() {
    // Basic, class A: no SDS, no 5.3/5.4/5.6/7.
    let dir = evidence(&config("A", Some("basic"), false), &[]);
    let (code, v) = check_json(dir.path());
    assert_eq!(code, 0);
    assert!(v["gates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["id"] != "regulatory-index"));
    let (_out, folder, _, stderr) = build_packet(dir.path(), &[]);
    let codes = index_codes(&packet_json(&folder));
    let has = |c: &str| codes.iter().any(|(x, _)| x == c);
    assert!(has("fda:srs") && has("iec62304:5.1") && has("iec62304:9"));
    assert!(
        !has("fda:sds") && !has("iec62304:5.4") && !has("iec62304:7"),
        "{codes:?}"
    );
    // Missing elements are warnings, not a failure.
    assert!(
        stderr.contains("regulatory index: FDA Software description `fda:software-description`"),
        "{stderr}"
    );
    // Enhanced, class C: all of them.
    let dir = evidence(&config("C", Some("enhanced"), false), &[]);
    let (_out, folder, code, _) = build_packet(dir.path(), &[]);
    assert_eq!(code, 0);
    let p = packet_json(&folder);
    let codes = index_codes(&p);
    assert_eq!(codes.len(), 21, "{codes:?}");
    let provided = |c: &str| codes.iter().find(|(x, _)| x == c).unwrap().1;
    assert!(provided("fda:srs") && provided("iec62304:5.7") && provided("fda:documentation-level"));
    assert!(!provided("fda:sds") && !provided("iec62304:5.4") && !provided("fda:risk-management"));
    // The PDF's last numbered section, and the site's last section page.
    let text = flat_pdf(&folder);
    let s14 = &text[text.rfind("14 Regulatory index").expect("section 14")..];
    assert!(
        s14.contains("Software design specification (SDS) fda:sds missing"),
        "{s14}"
    );
    assert!(
        s14.contains("Software requirements specification (SRS) fda:srs 5 Requirements"),
        "{s14}"
    );
    let page = std::fs::read_to_string(folder.join("regulatory-index.html")).unwrap();
    assert!(page.contains("fda:sds") && page.contains("href=\"requirements.html\""));
    let index = std::fs::read_to_string(folder.join("index.html")).unwrap();
    let nav_last = index.rfind("regulatory-index.html").unwrap();
    assert!(nav_last > index.rfind("evidence.html").unwrap());
}

#[test]
fn documents_that_declare_elements_provide_them_and_the_gate_fails_on_the_rest() {
    let sds = "+++\nkind = \"document\"\nid = \"DOC-SDS\"\ntitle = \"Design\"\nfulfils = [\"fda:sds\", \"iec62304:5.4\"]\n+++\n\nUnits and their interfaces.\n";
    let dir = evidence(
        &config("C", Some("enhanced"), true),
        &[("documents/sds.md", sds)],
    );
    let (code, v) = check_json(dir.path());
    assert_eq!(code, 1, "missing elements fail the gate");
    let g = gate(&v, "regulatory-index");
    assert_eq!(g["status"], "failed");
    let messages: Vec<&str> = g["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("`fda:architecture`")),
        "{messages:?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("`fda:sds`")),
        "{messages:?}"
    );
    let (_out, folder, code, _) = build_packet(dir.path(), &[]);
    assert_eq!(code, 1);
    let p = packet_json(&folder);
    let sds = p["regulatory_index"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "fda:sds")
        .unwrap();
    assert_eq!(sds["provided"], true);
    assert_eq!(sds["documents"], serde_json::json!(["DOC-SDS"]));
    let text = flat_pdf(&folder);
    assert!(
        text.contains("Software design specification (SDS) fda:sds DOC-SDS"),
        "{text}"
    );
}

#[test]
fn an_unknown_fulfils_code_is_an_error_at_its_line_with_the_nearest_code() {
    let doc = "+++\nkind = \"document\"\nid = \"DOC-X\"\ntitle = \"X\"\nfulfils = [\"fda:sdss\"]\n+++\n\nText.\n";
    let dir = evidence(&config("C", None, false), &[("documents/x.md", doc)]);
    relpack()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`fda:sdss` in fulfils is not a regulatory index code",
        ))
        .stderr(predicates::str::contains("documents/x.md:5:"))
        .stderr(predicates::str::contains("did you mean `fda:sds`?"));
}

/// allowed_signers permitting `relpack-packet` for `key`'s public half.
fn signers(dir: &Path, principal: &str, public: &str, namespaces: &str) -> PathBuf {
    let path = dir.join("allowed_signers");
    std::fs::write(
        &path,
        format!("{principal} namespaces=\"{namespaces}\" {public}\n"),
    )
    .unwrap();
    path
}

#[test]
fn a_signed_packet_verifies_and_says_who_signed() {
    let keys = TempDir::new().unwrap();
    let (key, public) = keygen(keys.path(), "release", &["-t", "ed25519"]);
    let allowed = signers(keys.path(), "rel@acme.example", &public, "relpack-packet");
    let dir = evidence(&config("B", Some("basic"), false), &[]);
    let key_arg = key.to_str().unwrap();
    let (_out, folder, code, stderr) = build_packet(dir.path(), &["--no-pdf", "--sign", key_arg]);
    assert_eq!(code, 0, "{stderr}");
    let sig = std::fs::read_to_string(folder.join("SHA256SUMS.sig")).unwrap();
    assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"));
    // ssh-keygen agrees, in the packet's own namespace.
    let o = std::process::Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-n",
            "relpack-packet",
            "-I",
            "rel@acme.example",
            "-f",
        ])
        .arg(&allowed)
        .arg("-s")
        .arg(folder.join("SHA256SUMS.sig"))
        .stdin(std::fs::File::open(folder.join("SHA256SUMS")).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    relpack()
        .arg("verify")
        .arg(&folder)
        .arg("--allowed-signers")
        .arg(&allowed)
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "SHA256SUMS.sig: SHA256SUMS is signed by rel@acme.example",
        ));
    // --root finds allowed_signers in relpack.toml and rebuilds the packet.
    std::fs::copy(&allowed, dir.path().join("allowed_signers")).unwrap();
    let mut toml = std::fs::read_to_string(dir.path().join("relpack.toml")).unwrap();
    toml = toml.replace(
        "[gates]\n",
        "[gates]\nallowed_signers = \"allowed_signers\"\n",
    );
    std::fs::write(dir.path().join("relpack.toml"), toml).unwrap();
    let (_out2, folder2, code, stderr) = build_packet(dir.path(), &["--no-pdf", "--sign", key_arg]);
    assert_eq!(code, 0, "{stderr}");
    relpack()
        .arg("verify")
        .arg(&folder2)
        .arg("--root")
        .arg(dir.path())
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .assert()
        .code(0)
        .stdout(predicates::str::contains("verified:"))
        .stdout(predicates::str::contains("signed by rel@acme.example"));
}

#[test]
fn a_tampered_or_foreign_signature_fails_verify() {
    let keys = TempDir::new().unwrap();
    let (key, public) = keygen(keys.path(), "release", &["-t", "ed25519"]);
    let (other, _) = keygen(keys.path(), "intruder", &["-t", "ed25519"]);
    let allowed = signers(keys.path(), "rel@acme.example", &public, "relpack-packet");
    let dir = evidence(&config("B", Some("basic"), false), &[]);
    let (_out, folder, _, _) = build_packet(dir.path(), &["--no-pdf"]);
    let verify = || {
        let mut c = relpack();
        c.arg("verify")
            .arg(&folder)
            .arg("--allowed-signers")
            .arg(&allowed);
        c
    };
    // Unsigned, while a signature is asked for.
    verify()
        .assert()
        .code(1)
        .stdout(predicates::str::contains("the packet is not signed"));
    // Signed by a key allowed_signers does not list.
    relpack()
        .arg("sign")
        .arg(&folder)
        .arg("--key")
        .arg(&other)
        .assert()
        .code(0);
    verify()
        .assert()
        .code(1)
        .stdout(predicates::str::contains("signature not valid"))
        .stdout(predicates::str::contains(
            "is not listed in allowed_signers",
        ));
    // Signed properly, then a page and SHA256SUMS changed together.
    relpack()
        .arg("sign")
        .arg(&folder)
        .arg("--key")
        .arg(&key)
        .assert()
        .code(0);
    verify().assert().code(0);
    let page = folder.join("gates.html");
    let edited = std::fs::read_to_string(&page)
        .unwrap()
        .replace("held", "HELD");
    std::fs::write(&page, &edited).unwrap();
    let sums = std::fs::read_to_string(folder.join("SHA256SUMS")).unwrap();
    use sha2::Digest;
    let hash = format!("{:x}", sha2::Sha256::digest(edited.as_bytes()));
    let sums: String = sums
        .lines()
        .map(|l| {
            if l.ends_with("  gates.html") {
                format!("{hash}  gates.html\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(folder.join("SHA256SUMS"), sums).unwrap();
    verify().assert().code(1).stdout(predicates::str::contains(
        "SHA256SUMS.sig: signature not valid: the signature does not verify over SHA256SUMS",
    ));
    // An approval's namespace is not a packet's.
    let approvals_only = signers(keys.path(), "rel@acme.example", &public, "relpack");
    relpack()
        .arg("verify")
        .arg(&folder)
        .arg("--allowed-signers")
        .arg(&approvals_only)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "not permitted for namespace `relpack-packet`",
        ));
}

#[test]
fn a_bad_signing_key_writes_nothing() {
    let dir = evidence(&config("B", Some("basic"), false), &[]);
    let out = TempDir::new().unwrap();
    relpack()
        .arg("build")
        .arg(dir.path())
        .arg("--no-pdf")
        .arg("--out")
        .arg(out.path())
        .arg("--sign")
        .arg(dir.path().join("no-such-key"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot sign SHA256SUMS"));
    assert!(!out.path().join("TP-1.0.0").exists());
}

#[test]
fn deny_warnings_makes_missing_elements_fail_check() {
    let dir = evidence(&config("C", Some("enhanced"), false), &[]);
    let o = relpack().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "missing elements are warnings");
    let o = relpack()
        .arg("check")
        .arg(dir.path())
        .arg("--deny-warnings")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("warnings are errors here"), "{stderr}");
}
