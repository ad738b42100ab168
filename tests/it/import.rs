//! `relpack import doorstop|strictdoc|reqif` and `relpack export reqif`:
//! real trees made by the tools themselves (tests/fixtures/doorstop,
//! tests/fixtures/strictdoc), through the real binary; every result must
//! pass `relpack check` but for gates, and keep every item and link.

use std::path::Path;

use assert_fs::TempDir;

use super::{check_json, gate, relpack, repo_path, require_tool, tree, CONFIG};

/// Run an import; returns stderr (counts and notes).
fn import(args: &[&str], out: &Path) -> String {
    let o = relpack()
        .arg("import")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "import failed:\n{stderr}");
    stderr
}

/// The evidence is valid: only gates may fail (exit 0 or 1, schema and
/// links held).
fn assert_valid(dir: &Path) -> serde_json::Value {
    let (code, v) = check_json(dir);
    assert!(code == 0 || code == 1, "check exit {code}: {v:#}");
    assert_eq!(gate(&v, "schema")["status"], "held", "{v:#}");
    assert_eq!(gate(&v, "links")["status"], "held", "{v:#}");
    v
}

fn read(dir: &Path, rel: &str) -> toml::Table {
    let text = std::fs::read_to_string(dir.join(rel)).unwrap();
    text.parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("{rel}: {e}\n{text}"))
}

/// Items of `kind` in a written file, by id.
fn items<'a>(t: &'a toml::Table, kind: &str) -> Vec<&'a toml::Table> {
    t.get(kind)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_table()).collect())
        .unwrap_or_default()
}

fn find<'a>(t: &'a toml::Table, kind: &str, id: &str) -> &'a toml::Table {
    items(t, kind)
        .into_iter()
        .find(|i| i["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no {kind} {id} in {t:#?}"))
}

fn strings(v: Option<&toml::Value>) -> Vec<&str> {
    v.and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn doorstop_tree_becomes_valid_evidence() {
    let out = TempDir::new().unwrap();
    let src = repo_path("tests/fixtures/doorstop/tree");
    let stderr = import(
        &["doorstop", src.to_str().unwrap(), "--map", "SYS=need"],
        out.path(),
    );
    // 14 items read, SRS005 skipped (inactive); TST004 -> SRS005 kept as a field.
    assert!(
        stderr.contains("in:  14 items (1 skipped) and 11 links in 3 documents"),
        "{stderr}"
    );
    assert!(
        stderr.contains("out: 13 items; 10 links traced"),
        "{stderr}"
    );
    assert!(stderr.contains("1 kept as fields only"), "{stderr}");
    assert!(
        stderr.contains("SRS005: skipped (inactive in Doorstop)"),
        "{stderr}"
    );
    assert_valid(out.path());

    let sys = read(out.path(), "SYS.toml");
    assert_eq!(items(&sys, "need").len(), 2);
    let srs = read(out.path(), "SRS.toml");
    let heading = find(&srs, "document", "SRS001");
    assert_eq!(heading["title"].as_str(), Some("Dose entry"));
    let r = find(&srs, "requirement", "SRS002");
    assert_eq!(strings(r.get("derives_from")), ["SYS001"]);
    assert_eq!(r["section"].as_str(), Some("1.0 Dose entry"));
    assert_eq!(r["doorstop_level"].as_str(), Some("1.1"));
    assert_eq!(r["doorstop_safety"].as_str(), Some("C"));
    assert!(r["text"].as_str().unwrap().contains("- with its unit"));
    assert!(r.contains_key("doorstop_reviewed") && r.contains_key("doorstop_link_stamps"));
    assert_eq!(
        find(&srs, "requirement", "SRS003")["title"].as_str(),
        Some("Confirmation")
    );
    assert!(items(&srs, "requirement")
        .iter()
        .all(|i| i["id"].as_str() != Some("SRS005")));
    // The outline is kept: `order` rises through the file.
    let orders: Vec<i64> = srs
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .map(|i| i["order"].as_integer().unwrap())
        .collect();
    assert_eq!(orders.len(), 7);
    let tst = read(out.path(), "TST.toml");
    assert_eq!(
        strings(find(&tst, "test", "TST001").get("verifies")),
        ["SRS002", "SRS003"]
    );
    let t4 = find(&tst, "test", "TST004");
    assert!(t4.get("verifies").is_none());
    assert_eq!(strings(t4.get("doorstop_untraced_links")), ["SRS005"]);
}

#[test]
fn import_refuses_a_non_empty_out_unless_forced() {
    let out = tree(&[("keep.txt", "mine")]);
    let src = repo_path("tests/fixtures/doorstop/tree");
    relpack()
        .args(["import", "doorstop"])
        .arg(&src)
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not empty"));
    assert!(!out.path().join("relpack.toml").exists());
    // With --force it writes, and a link already in OUT is replaced, not
    // followed out of it.
    let outside = TempDir::new().unwrap();
    let target = outside.path().join("victim.toml");
    std::fs::write(&target, "untouched").unwrap();
    std::os::unix::fs::symlink(&target, out.path().join("SRS.toml")).unwrap();
    relpack()
        .args(["import", "doorstop"])
        .arg(&src)
        .arg("--out")
        .arg(out.path())
        .arg("--force")
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
    assert!(!out.path().join("SRS.toml").is_symlink());
    assert_eq!(
        std::fs::read_to_string(out.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn doorstop_errors_name_the_file_and_line() {
    let src = tree(&[
        (
            "reqs/.doorstop.yml",
            "settings:\n  prefix: REQ\n  sep: ''\n",
        ),
        ("reqs/REQ001.yml", "active: true\ntext: |\n  fine\n"),
        ("reqs/REQ002.yml", "active: true\ntext: [unclosed\n"),
    ]);
    let out = TempDir::new().unwrap();
    relpack()
        .args(["import", "doorstop"])
        .arg(src.path())
        .arg("--out")
        .arg(out.path().join("new"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("REQ002.yml:"));
    assert!(!out.path().join("new").exists());
    relpack()
        .args(["import", "doorstop"])
        .arg(src.path())
        .args(["--map", "REQ=hazard", "--out"])
        .arg(out.path().join("new"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "need, requirement, test, document",
        ));
}

#[test]
fn strictdoc_files_become_valid_evidence() {
    let out = TempDir::new().unwrap();
    let dir = repo_path("tests/fixtures/strictdoc");
    let stderr = import(
        &[
            "strictdoc",
            dir.join("requirements.sdoc").to_str().unwrap(),
            dir.join("system.sdoc").to_str().unwrap(),
        ],
        out.path(),
    );
    // 7 nodes (a TEXT, three REQUIREMENTs, two TEST_CASEs, SYS-1); links:
    // SWR-1, SWR-2 -> SYS-1, SWR-2 -> child SWR-3, TC-1 -> SWR-1, TC-2 -> SWR-2, SWR-3.
    assert!(
        stderr.contains("in:  7 items (0 skipped) and 6 links in 2 documents"),
        "{stderr}"
    );
    assert!(stderr.contains("out: 7 items; 6 links traced"), "{stderr}");
    assert_valid(out.path());
    let req = read(out.path(), "requirements.toml");
    let swr1 = find(&req, "requirement", "SWR-1");
    assert_eq!(swr1["title"].as_str(), Some("Show the dose"));
    assert_eq!(swr1["status"].as_str(), Some("approved"));
    assert_eq!(swr1["strictdoc_safety_class"].as_str(), Some("C"));
    assert_eq!(
        swr1["rationale"].as_str(),
        Some("A clinician confirms what they see.")
    );
    assert_eq!(swr1["section"].as_str(), Some("1 Dose entry"));
    assert_eq!(strings(swr1.get("derives_from")), ["SYS-1"]);
    let swr3 = find(&req, "requirement", "SWR-3");
    assert_eq!(strings(swr3.get("derives_from")), ["SWR-2"]);
    assert_eq!(swr3["section"].as_str(), Some("1.1 Limits"));
    assert_eq!(
        find(&req, "requirement", "SWR-2")["status"].as_str(),
        Some("draft")
    );
    assert_eq!(
        find(&req, "requirement", "SWR-2")["strictdoc_verification"].as_str(),
        Some("Test")
    );
    assert_eq!(
        strings(find(&req, "test", "TC-2").get("verifies")),
        ["SWR-2", "SWR-3"]
    );
    assert_eq!(items(&req, "document").len(), 1);
}

#[test]
fn strictdoc_errors_name_the_file_and_line() {
    let src = tree(&[(
        "bad.sdoc",
        "[DOCUMENT]\nTITLE: x\n\n[REQUIREMENT]\nUID: A\nSTATEMENT: >>>\nnever closed\n",
    )]);
    let out = TempDir::new().unwrap();
    relpack()
        .args(["import", "strictdoc"])
        .arg(src.path().join("bad.sdoc"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.sdoc:6:"));
}

/// Export the sample evidence as ReqIF.
fn export_sample(file: &Path) {
    relpack()
        .args(["export", "reqif", "--root"])
        .arg(repo_path("sample-evidence"))
        .arg("--out")
        .arg(file)
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .assert()
        .code(0);
}

/// The objects and relations of `dir` exported again, as the Python
/// reader sees them.
/// Objects (id, title, text) and relations (source, type, target).
type Trace = (Vec<(String, String, String)>, Vec<(String, String, String)>);

fn trace_of(dir: &Path) -> Trace {
    let o = relpack()
        .args(["export", "reqif", "--root"])
        .arg(dir)
        .arg("--out")
        .arg(dir.join("..").join(format!(
            "{}.reqif",
            dir.file_name().unwrap().to_string_lossy()
        )))
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.join("..").join(format!(
        "{}.reqif",
        dir.file_name().unwrap().to_string_lossy()
    )))
    .unwrap();
    parse_with_python(&text)
}

/// Objects (id, title, markdown text) and relations (source, type,
/// target) as the StrictDoc authors' ReqIF parser reads them.
fn parse_with_python(reqif: &str) -> Trace {
    let python = std::env::var("RELPACK_REQIF_PYTHON").unwrap_or_else(|_| {
        panic!("RELPACK_REQIF_PYTHON is not set: run the tests with `bash scripts/test.sh`, which installs the pinned `reqif` package")
    });
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("in.reqif");
    std::fs::write(&file, reqif).unwrap();
    let out = std::process::Command::new(python)
        .arg(repo_path("tests/fixtures/reqif/read.py"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let triple = |a: &serde_json::Value| {
        let s = |i: usize| a[i].as_str().unwrap_or_default().to_string();
        (s(0), s(1), s(2))
    };
    let objects = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(triple)
        .collect();
    let relations = v["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(triple)
        .collect();
    (objects, relations)
}

#[test]
fn reqif_round_trip_keeps_ids_texts_and_links() {
    require_tool("xmllint");
    let work = TempDir::new().unwrap();
    let first = work.path().join("first.reqif");
    export_sample(&first);
    let bytes = std::fs::read(&first).unwrap();
    // Deterministic: the same evidence and SOURCE_DATE_EPOCH, the same bytes.
    let again = work.path().join("again.reqif");
    export_sample(&again);
    assert_eq!(bytes, std::fs::read(&again).unwrap());
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("<CREATION-TIME>2025-11-20T00:53:20Z</CREATION-TIME>"));
    assert!(text.contains("<ATTRIBUTE-DEFINITION-XHTML"));
    assert!(text.contains("<DATATYPE-DEFINITION-ENUMERATION IDENTIFIER=\"DT-status\""));

    // Valid against the ReqIF 1.2 schema (shipped in the pinned `reqif`
    // package, not vendored here).
    let xsd = reqif_xsd(work.path());
    let lint = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&first)
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );

    // Through relpack: import, and the new tree exports the same objects
    // and relations (ids, titles, texts, links).
    let back = work.path().join("back");
    import(&["reqif", first.to_str().unwrap()], &back);
    std::fs::write(back.join("relpack.toml"), CONFIG).unwrap();
    assert_valid(&back);
    let (objects, relations) = parse_with_python(&text);
    assert!(objects.len() > 20 && relations.len() > 20, "{objects:?}");
    let (objects2, relations2) = trace_of(&back);
    assert_eq!(objects, objects2);
    assert_eq!(relations, relations2);
}

/// The ReqIF 1.2 XSD of the pinned `reqif` package, copied into `dir`: it
/// imports the `xml:` namespace with an empty schemaLocation (which
/// libxml2 reads as the schema itself), so the copy points those imports
/// at a small schema of the four `xml:` attributes.
fn reqif_xsd(dir: &Path) -> std::path::PathBuf {
    let python = std::env::var("RELPACK_REQIF_PYTHON")
        .expect("RELPACK_REQIF_PYTHON (scripts/test.sh sets it)");
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import os, reqif; print(os.path.join(os.path.dirname(reqif.__file__), 'reqif_schema'))",
        ])
        .output()
        .unwrap();
    let src = std::path::PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let xml_xsd = dir.join("xml.xsd");
    std::fs::write(&xml_xsd, XML_NAMESPACE_XSD).unwrap();
    let location = format!("schemaLocation=\"file://{}\"", xml_xsd.display());
    for entry in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let rel = entry.path().strip_prefix(&src).unwrap();
        let to = dir.join("schema").join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if rel.extension().is_some_and(|e| e == "xsd") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(&to, text.replace("schemaLocation=\"\"", &location)).unwrap();
        }
    }
    dir.join("schema/reqif.xsd")
}

const XML_NAMESPACE_XSD: &str = r#"<?xml version="1.0"?>
<xs:schema targetNamespace="http://www.w3.org/XML/1998/namespace" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:attribute name="lang" type="xs:language"/>
  <xs:attribute name="space"><xs:simpleType><xs:restriction base="xs:NCName"><xs:enumeration value="default"/><xs:enumeration value="preserve"/></xs:restriction></xs:simpleType></xs:attribute>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
  <xs:attributeGroup name="specialAttrs"><xs:attribute ref="xml:base"/><xs:attribute ref="xml:lang"/><xs:attribute ref="xml:space"/><xs:attribute ref="xml:id"/></xs:attributeGroup>
</xs:schema>
"#;

#[test]
fn reqif_from_strictdoc_imports() {
    let out = TempDir::new().unwrap();
    let file = repo_path("tests/fixtures/strictdoc/strictdoc-export.reqif");
    let stderr = import(
        &["reqif", file.to_str().unwrap(), "--map", "TEST_CASE=test"],
        out.path(),
    );
    assert!(stderr.contains("out: 11 items; 6 links traced"), "{stderr}");
    assert_valid(out.path());
    let all: String = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(all.contains("id = \"SWR-1\""), "{all}");
    assert!(
        all.contains("The software **shall** show the entered dose in units."),
        "{all}"
    );
}

/// A ReqIF file cut short, or a file that is not ReqIF at all, is an error
/// at its file and line and nothing is written (exit 2): read as far as
/// it went, a cut file imported part of the items and none of the links.
#[test]
fn a_cut_or_foreign_reqif_file_is_refused() {
    let dir = TempDir::new().unwrap();
    let whole = dir.path().join("whole.reqif");
    export_sample(&whole);
    let bytes = std::fs::read(&whole).unwrap();
    // Cut after a tag, as a copy stopped between two writes leaves it.
    let cut = bytes[..bytes.len() / 2]
        .iter()
        .rposition(|&b| b == b'>')
        .unwrap()
        + 1;
    let cases: [(&str, &[u8], &str); 3] = [
        ("cut.reqif", &bytes[..cut], "it is cut short"),
        ("junk.reqif", b"not xml at all\n", "not a ReqIF file"),
        (
            "other.reqif",
            b"<?xml version=\"1.0\"?>\n<x/>\n",
            "not <REQ-IF>",
        ),
    ];
    for (name, content, says) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let out = dir.path().join(format!("{name}.out"));
        relpack()
            .args(["import", "reqif"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!("{name}:")))
            .stderr(predicates::str::contains(says));
        assert!(!out.exists(), "{name}: something was written");
    }
}
