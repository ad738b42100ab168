//! `relpack build`: the packet folder, determinism, atomicity, the site and the PDF.

use std::path::{Path, PathBuf};

use assert_fs::TempDir;
use predicates::prelude::*;

use super::*;

/// Build `root` into a fresh OUT; returns (OUT, release folder, exit code).
fn build(root: &Path, extra: &[&str]) -> (TempDir, PathBuf, i32) {
    let (out, folder, code, _) = build_packet(root, extra);
    (out, folder, code)
}

const REQS: &str = r#"
[[need]]
id = "N-1"
title = "Dose safely"

[[requirement]]
id = "REQ-1"
title = "Limit the bolus"
text = "The pump shall limit the bolus (see REQ-2)."
derives_from = ["N-1"]

[[requirement]]
id = "REQ-2"
title = "Round down"
text = "Round **down** to the increment."
derives_from = ["REQ-1"]

[[test]]
id = "T-1"
title = "Limit test"
method = "manual"
verifies = ["REQ-1", "REQ-2"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "Tess Ter"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"
"#;

#[test]
fn sample_packet_has_every_file_and_page() {
    let (out, folder, code) = build(&repo_path("sample-evidence"), &[]);
    assert_eq!(code, 0);
    assert_eq!(folder.file_name().unwrap(), "BC-2.4.0");
    for f in [
        "index.html",
        "packet.json",
        "packet.pdf",
        "trace-matrix.csv",
        "SHA256SUMS",
        "trace-matrix.html",
        "gates.html",
        "documents.html",
        "changes.html",
        "requirements.html",
        "risk.html",
        "verification.html",
        "anomalies.html",
        "deviations.html",
        "soup.html",
        "approvals.html",
        "evidence.html",
        "assets/search-index.js",
    ] {
        assert!(folder.join(f).is_file(), "missing {f}");
    }
    let packet: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("packet.json")).unwrap()).unwrap();
    assert_eq!(packet["format"], "relpack-packet/1");
    assert_eq!(packet["status"], "releasable");
    for item in packet["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let page: String = id
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("~{b:02X}")
                }
            })
            .collect();
        assert!(
            folder.join("items").join(format!("{page}.html")).is_file(),
            "no page for {id}"
        );
    }
    // packet.json matches its published schema.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("schemas/packet.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&packet).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // SHA256SUMS lists every other file, as sha256sum writes it.
    let sums = std::fs::read_to_string(folder.join("SHA256SUMS")).unwrap();
    let all = files_of(&folder);
    assert_eq!(sums.lines().count(), all.len() - 1);
    let out_index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(out_index.contains("BC-2.4.0/index.html") && out_index.contains("RELEASABLE"));
    // CSV: a header and one row per requirement.
    let csv = std::fs::read_to_string(folder.join("trace-matrix.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + packet["requirements"].as_array().unwrap().len()
    );
    assert!(csv.starts_with("requirement,title,status"));
}

#[test]
fn same_evidence_and_epoch_give_byte_identical_files() {
    let t = tree(&[("relpack.toml", "[product]\nname = \"Twice\"\n[release]\nversion = \"1.0.0\"\n[gates]\nmin_approvals = { A = 0, B = 0, C = 0 }\n"), ("items.toml", REQS)]);
    let (_o1, a, _) = build(t.path(), &[]);
    let (_o2, b, _) = build(t.path(), &[]);
    let (fa, fb) = (files_of(&a), files_of(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between two builds");
    }
    // The date came from SOURCE_DATE_EPOCH (relpack.toml has none).
    let p: serde_json::Value = serde_json::from_slice(&fa["packet.json"]).unwrap();
    assert_eq!(p["release"]["date"], "2025-11-20");
}

#[test]
fn a_failed_build_leaves_earlier_output_exactly_as_it_was() {
    let good = tree(&[("relpack.toml", CONFIG), ("items.toml", REQS)]);
    let (out, folder, _) = build(good.path(), &["--no-pdf"]);
    let before = files_of(out.path());
    // Same product and version, now invalid: exit 2, nothing written.
    let bad = tree(&[
        ("relpack.toml", CONFIG),
        ("items.toml", "[[requirement]]\nid = \"X\"\n"),
    ]);
    relpack()
        .arg("build")
        .arg(bad.path())
        .arg("--out")
        .arg(out.path())
        .arg("--no-pdf")
        .assert()
        .code(2);
    assert_eq!(before, files_of(out.path()));
    // An I/O failure (OUT is a file) exits 3.
    let file_out = out.path().join("not-a-dir");
    std::fs::write(&file_out, "x").unwrap();
    relpack()
        .arg("build")
        .arg(good.path())
        .arg("--out")
        .arg(&file_out)
        .assert()
        .code(3);
    assert!(folder.is_dir());
}

#[test]
fn earlier_releases_are_kept_and_listed_newest_first() {
    let t = tree(&[("relpack.toml", CONFIG), ("items.toml", REQS)]);
    let out = TempDir::new().unwrap();
    for v in ["1.0.0", "1.10.0", "1.2.0"] {
        relpack()
            .arg("build")
            .arg(t.path())
            .arg("--out")
            .arg(out.path())
            .args(["--no-pdf", "--version", v])
            .assert()
            .code(predicate::in_iter([0, 1]));
    }
    for v in ["1.0.0", "1.10.0", "1.2.0"] {
        assert!(out
            .path()
            .join(format!("TP-{v}"))
            .join("packet.json")
            .is_file());
    }
    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    let pos = |v: &str| index.find(&format!("TP-{v}/index.html")).unwrap();
    assert!(
        pos("1.10.0") < pos("1.2.0") && pos("1.2.0") < pos("1.0.0"),
        "{index}"
    );
}

#[test]
fn a_failing_gate_still_writes_a_packet_marked_not_releasable_everywhere() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "items.toml",
            &REQS.replace("outcome = \"pass\"", "outcome = \"fail\""),
        ),
    ]);
    let (_out, folder, code) = build(t.path(), &[]);
    assert_eq!(code, 1);
    for (path, bytes) in files_of(&folder) {
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            assert!(
                html.contains("NOT RELEASABLE"),
                "{path} has no NOT RELEASABLE banner"
            );
        }
    }
    require_tool("pdftotext");
    let pages = pdf_pages(&folder.join("packet.pdf"));
    assert!(pages.len() > 3);
    for (n, p) in pages.iter().enumerate() {
        assert!(
            p.contains("NOT RELEASABLE"),
            "PDF page {} lacks NOT RELEASABLE",
            n + 1
        );
    }
}

#[test]
fn every_link_and_source_in_the_site_resolves_to_a_file() {
    let (_out, folder, _) = build(&repo_path("sample-evidence"), &["--no-pdf"]);
    let mut checked = 0;
    for (path, bytes) in files_of(&folder) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let dir = Path::new(&path).parent().unwrap().to_path_buf();
        for attr in ["href=\"", "src=\""] {
            for piece in html.split(attr).skip(1) {
                let target = piece
                    .split('"')
                    .next()
                    .unwrap()
                    .replace("&#x2F;", "/")
                    .replace("&amp;", "&");
                if target.starts_with("http")
                    || target.starts_with("mailto:")
                    || target.starts_with('#')
                {
                    continue;
                }
                let file = target.split('#').next().unwrap();
                let resolved = folder.join(&dir).join(file);
                assert!(
                    resolved.is_file(),
                    "{path}: {attr}{target} does not resolve"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} links checked");
}

const XSS: &str = r#"
[[requirement]]
id = "REQ-X"
title = "<script>alert('title')</script>"
text = """
<script>alert(1)</script>

<img src=x onerror=alert(2)>

[click](javascript:alert(3)) <a href="javascript:alert(4)">y</a> <iframe src="https://evil.example"></iframe>
"""
"#;

#[test]
fn hostile_markdown_and_titles_stay_text_in_the_site() {
    let t = tree(&[("relpack.toml", CONFIG), ("x.toml", XSS)]);
    let (_out, folder, _) = build(t.path(), &["--no-pdf"]);
    for (path, bytes) in files_of(&folder) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap().to_lowercase();
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(!html.contains("onerror"), "{path}");
        assert!(!html.contains("javascript:"), "{path}");
        assert!(!html.contains("<iframe"), "{path}");
    }
    let page = std::fs::read_to_string(folder.join("items/REQ-X.html")).unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(&#x27;title&#x27;)&lt;&#x2F;script&gt;")
            || page.contains("&lt;script&gt;"),
        "title must show as text"
    );
}

/// The text of each page of a PDF (pdftotext, form feed between pages).
pub fn pdf_pages(pdf: &Path) -> Vec<String> {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}
