//! Trace markers in source code (`[trace] sources`): found in every comment
//! style with file and line, shown on the requirement's page, in the trace
//! matrix, packet.json and the CSV; an unknown id is reported at its line;
//! `.gitignore` is honoured; `require_implementation` makes a gap.

use std::io::Write;

use super::{build_packet, check_json, relpack, tree};

const CONFIG: &str = r#"
[product]
name = "Marked Pump"
id = "MP"
safety_class = "C"

[release]
version = "1.0.0"
date = 2026-11-20

[gates]
approvals = []
min_approvals = { A = 0, B = 0, C = 0 }
require_implementation = ["C"]

[trace]
sources = ["src/**", "app/**/*.py", "web/*.html", "db/*.sql"]
web_url = "https://git.example.com/pump/blob/{commit}"
"#;

const ITEMS: &str = r#"
[[requirement]]
id = "REQ-1"
title = "One"
text = "One."

[[requirement]]
id = "REQ-2"
title = "Two"
text = "Two."

[[requirement]]
id = "REQ-3"
title = "Three, not implemented"
text = "Three."

[[requirement]]
id = "REQ-4"
title = "Four, class A"
text = "Four."
safety_class = "A"

[[test]]
id = "TC-1"
title = "Test"
verifies = ["REQ-1"]
"#;

fn marked_tree() -> assert_fs::TempDir {
    tree(&[
        ("relpack.toml", CONFIG),
        ("items.toml", ITEMS),
        (".gitignore", "src/generated/\n"),
        (
            "src/main.rs",
            "fn main() {}\n\n// relpack: implements REQ-1, REQ-2\nfn dose() {}\n",
        ),
        ("src/generated/out.rs", "// relpack: implements REQ-3\n"),
        (
            "src/lib.c",
            "/*\n * relpack: implements REQ-2\n */\nint x;\n",
        ),
        (
            "app/pump/check.py",
            "import os\n# relpack: verifies REQ-1\n# relpack: implements NOPE-9\n",
        ),
        (
            "web/index.html",
            "<p>x</p>\n<!-- relpack: implements REQ-1 -->\n",
        ),
        (
            "db/schema.sql",
            "-- relpack: implements REQ-2\ncreate table t (x int);\n",
        ),
        (
            "notes.txt",
            "# relpack: implements REQ-3 (not a source: no glob matches)\n",
        ),
    ])
}

#[test]
fn markers_are_found_and_shown() {
    let t = marked_tree();
    let (_out, folder, _code, stderr) = build_packet(t.path(), &[]);
    assert!(
        stderr
            .contains("app/pump/check.py:3: the marker `relpack: implements NOPE-9` names no item"),
        "{stderr}"
    );
    let packet: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("packet.json")).unwrap()).unwrap();
    let req = |id: &str| {
        packet["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    let code: Vec<String> = req("REQ-1")["code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{} {}",
                c["path"].as_str().unwrap(),
                c["line"],
                c["verb"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        code,
        [
            "app/pump/check.py:2 verifies",
            "src/main.rs:3 implements",
            "web/index.html:2 implements"
        ]
    );
    let r2: Vec<String> = req("REQ-2")["code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}:{}", c["path"].as_str().unwrap(), c["line"]))
        .collect();
    assert_eq!(r2, ["db/schema.sql:1", "src/lib.c:2", "src/main.rs:3"]);
    // .gitignore'd and unmatched files are not read.
    assert_eq!(req("REQ-3")["code"].as_array().unwrap().len(), 0);
    // require_implementation = ["C"]: REQ-3 (class C) is a gap, REQ-4 (A) is not.
    let gaps = |id: &str| req(id)["gaps"].to_string();
    assert!(
        gaps("REQ-3").contains("no implementation marker"),
        "{}",
        gaps("REQ-3")
    );
    assert!(!gaps("REQ-4").contains("no implementation marker"));
    assert!(!gaps("REQ-1").contains("no implementation marker"));
    // The page and the matrix show file:line; the CSV has a code column.
    let page = std::fs::read_to_string(folder.join("site/items/REQ-1.html"))
        .or_else(|_| std::fs::read_to_string(folder.join("items/REQ-1.html")))
        .unwrap();
    assert!(
        page.contains("<code>src&#x2F;main.rs:3</code> implements"),
        "{page}"
    );
    let csv = std::fs::read_to_string(folder.join("trace-matrix.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",code"));
    assert!(csv.contains("src/main.rs:3 implements"), "{csv}");
    // The PDF's requirement section lists them too.
    super::require_tool("pdftotext");
    let pdf = super::build::pdf_pages(&folder.join("packet.pdf")).join("\n");
    assert!(pdf.contains("src/main.rs:3 implements"), "{pdf}");
}

#[test]
fn marker_links_point_at_the_commit() {
    let t = marked_tree();
    super::git(t.path(), &["init", "-q", "-b", "main"]);
    super::git(t.path(), &["add", "-A"]);
    super::git(t.path(), &["commit", "-qm", "first"]);
    let commit = super::git(t.path(), &["rev-parse", "HEAD"]);
    let (_out, folder, _code, _stderr) = build_packet(t.path(), &[]);
    let packet: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("packet.json")).unwrap()).unwrap();
    let url = packet["requirements"][0]["code"][1]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        url,
        format!("https://git.example.com/pump/blob/{commit}/src/main.rs#L3")
    );
}

#[test]
fn no_trace_config_no_markers() {
    let t = tree(&[
        ("relpack.toml", super::CONFIG),
        ("items.toml", ITEMS),
        ("src/main.rs", "// relpack: implements NOPE-1\n"),
    ]);
    let (code, v) = check_json(t.path());
    assert!(code == 0 || code == 1, "{v}");
    assert!(!v.to_string().contains("NOPE-1"));
}

/// 100k source lines (one marker in 50) are scanned in well under half a
/// second, measured as the difference between a check with and without
/// `[trace] sources`.
#[test]
fn scanning_100k_lines_is_fast() {
    let t = tree(&[("relpack.toml", CONFIG), ("items.toml", ITEMS)]);
    for f in 0..100 {
        let path = t.path().join(format!("src/m{f:03}.rs"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for l in 0..1000 {
            if l % 50 == 0 {
                writeln!(w, "    // relpack: implements REQ-{}", 1 + l % 3).unwrap();
            } else {
                writeln!(w, "    let value_{l} = compute(input, {l}); // a comment").unwrap();
            }
        }
    }
    let time = |args: &[&str]| {
        let start = std::time::Instant::now();
        let o = relpack()
            .arg("check")
            .arg(t.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        start.elapsed()
    };
    let with = time(&[]);
    let no_scan = CONFIG.replace(
        r#"sources = ["src/**", "app/**/*.py", "web/*.html", "db/*.sql"]"#,
        "sources = []",
    );
    assert_ne!(no_scan, CONFIG);
    std::fs::write(t.path().join("relpack.toml"), no_scan).unwrap();
    let without = time(&[]);
    let scan = with.saturating_sub(without);
    eprintln!("check with 100k source lines: {with:?}; without: {without:?}; scan ~{scan:?}");
    assert!(scan.as_secs_f64() < 0.5, "scanning took {scan:?}");
}

/// A source file with markers counts in the release digest, as a JUnit
/// file does: changing it changes the digest, and `verify --root` agrees.
#[test]
fn marked_sources_count_in_the_release_digest() {
    let t = marked_tree();
    let digest = || {
        let o = relpack()
            .args(["digest", "--release", "--root"])
            .arg(t.path())
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    let before = digest();
    assert!(before.starts_with("sha256:"), "{before}");
    std::fs::write(t.path().join("notes.txt"), "not a source\n").unwrap();
    assert_eq!(digest(), before, "a file no glob matches does not count");
    std::fs::write(
        t.path().join("src/main.rs"),
        "fn main() { changed() }\n\n// relpack: implements REQ-1, REQ-2\n",
    )
    .unwrap();
    let after = digest();
    assert_ne!(after, before);
    let (_out, folder, _code, _stderr) = build_packet(t.path(), &[]);
    let packet: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("packet.json")).unwrap()).unwrap();
    assert_eq!(packet["release"]["digest"], after.as_str());
    assert_eq!(
        packet["verification"]["source_files"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    relpack()
        .arg("verify")
        .arg(&folder)
        .arg("--root")
        .arg(t.path())
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .assert()
        .code(0);
}
