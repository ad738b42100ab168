//! The `phi` gate (issue 20): secrets and patient data planted in every
//! place a published string comes from are found at file:line:col, named by
//! kind only, and absent from every file of the packet (and from the PDF's
//! text), whatever the gate decides; synthetic data is allowed by
//! fingerprint; PHI is waivable item by item, secrets never.

use super::*;

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBkZWFkYmVlZmRlYWRiZWVmZGVhZGJlZWZkZWFkYmVlZgAAAJg=\n-----END OPENSSH PRIVATE KEY-----";

/// Every planted text, with the kind a finding must name.
const PLANTED: &[(&str, &str)] = &[
    ("123-45-6789", "SSN"),
    ("00412345", "MRN"),
    ("jane.doe@gmail.com", "email address"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS access key id"),
    (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS secret access key",
    ),
    ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "private key"),
    ("234-56-7890", "SSN"),
    ("617-555-0134", "phone number"),
    ("345-67-8901", "SSN"),
    ("03/14/1962", "date of birth"),
    ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "GitHub token"),
    ("456-78-9012", "SSN"),
    ("567-89-0123", "SSN"),
    ("00998877", "MRN"),
];

fn anomaly_md() -> String {
    format!(
        "+++\nkind = \"anomaly\"\nid = \"ANOM-1\"\ntitle = \"Leak\"\nseverity = \"minor\"\nstatus = \"resolved\"\n+++\nSeen in the log: SSN 123-45-6789, MRN 00412345, mail jane.doe@gmail.com.\n\nKeys: AKIAIOSFODNN7EXAMPLE and aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n```\n{KEY}\n```\n"
    )
}

const ITEMS: &str = r#"[[requirement]]
id = "REQ-1"
title = "Dose"
text = "Support line 617-555-0134 for patient 234-56-7890."
attachments = ["notes/support.txt"]

[[test]]
id = "T-1"
title = "auto"
verifies = ["REQ-1"]
junit = ["dose::*"]
"#;

const JUNIT: &str = "<?xml version=\"1.0\"?>\n<testsuite name=\"s\" tests=\"2\">\n  <testcase classname=\"dose\" name=\"test_patient[John Q. Public-345-67-8901]\"/>\n  <testcase classname=\"dose\" name=\"record\">\n    <failure message=\"patient DOB: 03/14/1962 with ghp_0123456789abcdefghijABCDEFGHIJ012345\"/>\n  </testcase>\n</testsuite>\n";

const BOM: &str = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "components": [
    {"type": "library", "name": "pump-core", "version": "3.1",
     "supplier": {"name": "Acme 456-78-9012"}}
  ]
}"#;

const ATTACHMENT: &str = "Support call notes.\nCaller gave MRN: 00998877 and SSN 567-89-0123.\n";

fn planted_tree(extra_config: &str) -> TempDir {
    let config = format!("{CONFIG}{extra_config}");
    tree(&[
        ("relpack.toml", config.as_str()),
        ("items.toml", ITEMS),
        ("anomalies/ANOM-1.md", anomaly_md().as_str()),
        ("reports/junit.xml", JUNIT),
        ("sbom/app.cdx.json", BOM),
        ("notes/support.txt", ATTACHMENT),
    ])
}

fn phi_findings(v: &serde_json::Value) -> Vec<serde_json::Value> {
    gate(v, "phi")["findings"].as_array().unwrap().clone()
}

/// The finding at `file:line:col`, of a message naming `kind`.
fn at(v: &serde_json::Value, file: &str, line: u64, col: u64, kind: &str) -> serde_json::Value {
    phi_findings(v)
        .into_iter()
        .find(|f| {
            f["file"] == file
                && f["line"].as_u64() == Some(line)
                && f["column"].as_u64() == Some(col)
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("({kind})"))
        })
        .unwrap_or_else(|| panic!("no {kind} finding at {file}:{line}:{col}: {v:#}"))
}

#[test]
fn every_place_a_string_comes_from_is_scanned_and_located() {
    let t = planted_tree("");
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "phi")["status"], "failed");
    // Markdown body: line 8 is the first body line.
    at(&v, "anomalies/ANOM-1.md", 8, 22, "SSN");
    at(&v, "anomalies/ANOM-1.md", 8, 39, "MRN");
    at(&v, "anomalies/ANOM-1.md", 8, 54, "email address");
    at(&v, "anomalies/ANOM-1.md", 10, 7, "AWS access key id");
    at(&v, "anomalies/ANOM-1.md", 10, 56, "AWS secret access key");
    at(&v, "anomalies/ANOM-1.md", 13, 1, "private key");
    // An item field (TOML).
    at(&v, "items.toml", 4, 22, "phone number");
    at(&v, "items.toml", 4, 47, "SSN");
    // A JUnit case name and a failure message.
    at(&v, "reports/junit.xml", 3, 64, "SSN");
    at(&v, "reports/junit.xml", 5, 36, "date of birth");
    at(&v, "reports/junit.xml", 5, 52, "GitHub token");
    // An SBOM field.
    at(&v, "sbom/app.cdx.json", 5, 33, "SSN");
    // A text attachment.
    at(&v, "notes/support.txt", 2, 18, "MRN");
    at(&v, "notes/support.txt", 2, 35, "SSN");
    // The JUnit case is bound to T-1: its findings name the test.
    let junit = at(&v, "reports/junit.xml", 3, 64, "SSN");
    assert_eq!(junit["items"], serde_json::json!(["T-1"]));
}

#[test]
fn findings_never_show_the_data_in_any_output() {
    let t = planted_tree("");
    for format in ["text", "json", "sarif"] {
        let o = relpack()
            .args(["check", "--verbose", "--format", format])
            .arg(t.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(all.contains("phi"), "{format}: {all}");
        for (text, _) in PLANTED {
            assert!(!all.contains(text), "{format} output shows {text}:\n{all}");
        }
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_published_file_carries_a_flagged_string() {
    require_tool("pdftotext");
    let t = planted_tree("");
    let (_out, folder, code, _) = build_packet(t.path(), &[]);
    assert_eq!(code, 1, "phi fails the release; the packet is still built");
    let mut files = Vec::new();
    files_under(&folder, &mut files);
    assert!(files.len() > 10);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for (planted, _) in PLANTED {
            assert!(!text.contains(planted), "{} carries {planted}", f.display());
        }
    }
    let pdf = files
        .iter()
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .expect("a PDF");
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("[redacted: SSN]"), "{text}");
    for (planted, _) in PLANTED {
        assert!(!text.contains(planted), "the PDF's text carries {planted}");
    }
    // The redaction says what was there, and the evidence is untouched.
    let packet = std::fs::read_to_string(folder.join("packet.json")).unwrap();
    for mark in [
        "[redacted: SSN]",
        "[redacted: MRN]",
        "[redacted: private key]",
    ] {
        assert!(packet.contains(mark), "packet.json lacks {mark}");
    }
    let md = std::fs::read_to_string(t.path().join("anomalies/ANOM-1.md")).unwrap();
    assert_eq!(md, anomaly_md());
    // The digests are of the evidence as written: verify with --root agrees.
    relpack()
        .arg("verify")
        .arg(&folder)
        .arg("--root")
        .arg(t.path())
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .assert()
        .success();
    relpack().arg("verify").arg(&folder).assert().success();
}

/// A tree with one synthetic SSN in a requirement.
fn synthetic(extra: &str) -> TempDir {
    let config = format!("{CONFIG}{extra}");
    tree(&[
        ("relpack.toml", config.as_str()),
        (
            "items.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"Test patient 321-54-9876 is synthetic\"\ntext = \"x\"\n",
        ),
    ])
}

#[test]
fn synthetic_data_is_allowed_by_its_fingerprint_only() {
    let (code, v) = check_json(synthetic("").path());
    assert_eq!(code, 1);
    assert_eq!(gate(&v, "phi")["status"], "failed");
    at(&v, "items.toml", 3, 23, "SSN");
    // sha256 of the exact text flagged, never the text.
    let fp = "sha256:4b0b8a6d5b6e2b3bd1f0e0b9c4bbd3bda8a2c5f3d8f6e0e2c0c5b9c0d2a9e1f0";
    let (_, v) = check_json(synthetic(&format!("\n[guard]\nallow = [\"{fp}\"]\n")).path());
    assert_eq!(
        gate(&v, "phi")["status"],
        "failed",
        "another hash allows nothing"
    );
    let real = sha256_hex("321-54-9876");
    let t = synthetic(&format!("\n[guard]\nallow = [\"sha256:{real}\"]\n"));
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "phi")["status"], "held");
    // The text itself is refused, and not repeated.
    let t = synthetic("\n[guard]\nallow = [\"321-54-9876\"]\n");
    let o = relpack().arg("check").arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("entry 1 is not a fingerprint"), "{stderr}");
    assert!(!stderr.contains("321-54-9876"), "{stderr}");
}

fn sha256_hex(text: &str) -> String {
    let o = std::process::Command::new("sh")
        .args(["-c", "printf %s \"$1\" | sha256sum", "sh", text])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)[..64].to_string()
}

#[test]
fn phi_is_waived_item_by_item_and_a_secret_never() {
    let dev = |items: &str| {
        format!(
            "[[deviation]]\nid = \"DEV-1\"\nwaives = \"phi\"\nitems = [{items}]\nreason = \"Synthetic record under review.\"\nowner = \"Q. Lead\"\nexpires = 2027-01-01\n"
        )
    };
    // PHI in N-1, waived for N-1: the gate is waived, the text still redacted.
    let t = synthetic("");
    t.child("dev.toml").write_str(&dev("\"N-1\"")).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "phi")["status"], "waived");
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let packet = std::fs::read_to_string(folder.join("packet.json")).unwrap();
    assert!(!packet.contains("321-54-9876"));
    assert!(packet.contains("Test patient [redacted: SSN] is synthetic"));
    // A deviation for another item waives nothing.
    let t = synthetic("");
    t.child("dev.toml")
        .write_str(&(dev("\"N-2\"") + "\n[[need]]\nid = \"N-2\"\ntitle = \"x\"\ntext = \"y\"\n"))
        .unwrap();
    let (code, _) = check_json(t.path());
    assert_eq!(code, 1);
    // A secret in N-1 stays a failure, deviation or not.
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"x\"\ntext = \"token glpat-abcdefghij0123456789\"\n",
        ),
        ("dev.toml", dev("\"N-1\"").as_str()),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let f = &phi_findings(&v)[0];
    assert!(f["message"]
        .as_str()
        .unwrap()
        .starts_with("secret (GitLab token)"));
    assert!(f["waived_by"].is_null());
}

#[test]
fn team_patterns_and_allowed_domains_from_relpack_toml() {
    let items =
        "[[need]]\nid = \"N-1\"\ntitle = \"Ask qa@acme.com about ACME-P123456\"\ntext = \"x\"\n";
    let t = tree(&[("relpack.toml", CONFIG), ("items.toml", items)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1);
    at(&v, "items.toml", 3, 14, "email address");
    let config = format!(
        "{CONFIG}\n[guard]\nallowed_email_domains = [\"acme.com\"]\n[[guard.patterns]]\nname = \"ACME patient id\"\nregex = 'ACME-P\\d{{6}}'\n"
    );
    let t = tree(&[("relpack.toml", config.as_str()), ("items.toml", items)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1);
    assert_eq!(phi_findings(&v).len(), 1, "{v:#}");
    at(&v, "items.toml", 3, 32, "ACME patient id");
    // A pattern that is no regular expression is a configuration error.
    let bad = format!("{CONFIG}\n[[guard.patterns]]\nname = \"broken\"\nregex = '('\n");
    let t = tree(&[("relpack.toml", bad.as_str()), ("items.toml", items)]);
    check_refuses(t.path(), "`broken`");
}

#[test]
fn a_clean_tree_holds_the_gate() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            "[[need]]\nid = \"N-1\"\ntitle = \"Release 1.2.3.4 on 2026-01-15\"\ntext = \"Mail qa@example.com; the session token expires.\"\n",
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "phi")["status"], "held");
}

/// Without the `policy` feature (the default build for now), a tree with
/// Rego policies is refused, saying why, rather than built without them.
#[cfg(not(feature = "policy"))]
#[test]
fn a_build_without_rego_refuses_policies_clearly() {
    let t = super::tree(&[
        ("relpack.toml", super::CONFIG),
        (
            "policies/main.rego",
            "package main\n\ndeny contains msg if { false; msg := \"x\" }\n",
        ),
    ]);
    super::relpack()
        .arg("check")
        .arg(t.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("without Rego support"));
}

/// Strings published from outside the items are scanned too: relpack.toml
/// (the risk conclusion), an evidence file's path, and the message and
/// author of a git commit traced to an item. Each fails the gate, and none
/// reaches a file of the packet.
#[test]
fn relpack_toml_paths_and_commits_are_scanned_and_redacted() {
    // The team's own marker pattern, and the manufacturer's street address,
    // are settings and a contact: never findings themselves.
    let config = CONFIG.replace(
        "name = \"Test Pump\"",
        "name = \"Test Pump\"\nmanufacturer = \"Acme Medical, 100 Innovation Drive\"",
    ) + "\n[risk]\nconclusion = \"Reviewed with patient SSN 234-56-7890 on site.\"\n\n[[guard.patterns]]\nname = \"marker\"\nregex = \"(?i)confidential\"\nsecret = true\n";
    let t = tree(&[
        ("relpack.toml", &config),
        (
            "items.toml",
            "[[requirement]]\nid = \"REQ-1\"\ntitle = \"Dose\"\ntext = \"t\"\n",
        ),
        (
            "results/SSN 345-67-8901/notes.toml",
            "[[need]]\nid = \"N-9\"\ntitle = \"n\"\n",
        ),
    ]);
    git(t.path(), &["init", "-q"]);
    git(t.path(), &["add", "."]);
    git(
        t.path(),
        &[
            "-c",
            "user.name=Patient Jane Doe",
            "-c",
            "user.email=x@example.com",
            "commit",
            "-q",
            "-m",
            "Fix dose for SSN 456-78-9012\n\nRefs: REQ-1",
        ],
    );
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let found = phi_findings(&v);
    let text = serde_json::to_string(&found).unwrap();
    for place in [
        "relpack.toml, `risk.conclusion`",
        "the path of results/SSN",
        "the message of git commit",
    ] {
        assert!(text.contains(place), "no finding in {place}: {text}");
    }
    assert!(
        !text.contains("guard") && !text.contains("manufacturer"),
        "{text}"
    );
    let (_out, folder, _, stderr) = build_packet(t.path(), &["--no-pdf"]);
    let mut files = Vec::new();
    files_under(&folder, &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let s = String::from_utf8_lossy(&bytes);
        for ssn in ["234-56-7890", "345-67-8901", "456-78-9012"] {
            assert!(!s.contains(ssn), "{ssn} in {}: {stderr}", f.display());
        }
    }
}
