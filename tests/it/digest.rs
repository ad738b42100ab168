//! Digests (EVIDENCE.md, "Digests and signatures"): what `relpack digest`
//! prints, recomputed here independently from the contract (RFC 8785 JCS of
//! the fields plus "kind", SHA-256), and which edits keep or change it.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::*;

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// The digest of an item given as its JSON fields (with "kind").
fn item_digest(v: &Value) -> String {
    sha(serde_json_canonicalizer::to_string(v).unwrap().as_bytes())
}

/// Run `relpack digest --root DIR ARGS...` and return its stdout lines.
fn digest_out(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = relpack()
        .arg("digest")
        .arg("--root")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "relpack digest {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn release(dir: &Path) -> String {
    digest_out(dir, &["--release"])[0].clone()
}

/// The release digest of a tree made of `files` (and CONFIG).
fn release_of(files: &[(&str, &str)]) -> String {
    let mut all = vec![("relpack.toml", CONFIG)];
    all.extend_from_slice(files);
    let t = tree(&all);
    release(t.path())
}

/// Each item's digest, by id, from `relpack digest --release --each`.
fn each_of(files: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    let mut all = vec![("relpack.toml", CONFIG)];
    all.extend_from_slice(files);
    let t = tree(&all);
    digest_out(t.path(), &["--release", "--each"])[1..]
        .iter()
        .map(|l| {
            let (id, d) = l.split_once(' ').unwrap();
            (id.to_string(), d.to_string())
        })
        .collect()
}

const ITEMS: &str = r#"# Requirements and their test.
[[requirement]]
id = "REQ-1"
title = "Bolus limit"
text = "The pump shall refuse a bolus above the limit."
tags = ["safety", "dosing"]
derives_from = ["N-1"]

[[need]]
id = "N-1"
title = "Safe dosing"

[[test]]
id = "T-1"
title = "Limit test"
method = "manual"
verifies = ["REQ-1"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "A. Tester"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"

[[hazard]]
id = "HAZ-1"
title = "Over-delivery"
harm = "Hypoglycaemia"
severity = 5
probability = 3
controls = ["REQ-1"]

[[deviation]]
id = "DEV-1"
waives = "soup"
items = ["REQ-1"]
reason = "n/a"
owner = "Q. Lead"
expires = 2027-06-30
"#;

/// The same items as ITEMS: other key order, spacing, comments, string
/// styles, multi-line arrays and strings.
const ITEMS_REFORMATTED: &str = r#"
[[hazard]]
controls = [
    "REQ-1",
]
probability   =   3
severity = 5
harm = 'Hypoglycaemia'
title = "Over-delivery"   # short
id = "HAZ-1"

[[deviation]]
expires = 2027-06-30
owner = "Q. Lead"
reason = '''n/a'''
items = [ "REQ-1" ]
waives = "soup"
id = "DEV-1"

[[result]]
version = "1.0.0"
executed_at = 2026-11-19T10:00:00+01:00
executed_by = "A. Tester"
outcome = "pass"
test = "T-1"
id = "R-1"

[[test]]
verifies = ["REQ-1"]
method = "manual"
title = "Limit test"
id = "T-1"

[[need]]
title = "Safe dosing"
id = "N-1"

[[requirement]]
derives_from = [
  "N-1",
]
tags = [
  "safety",
  "dosing",
]
text = """
The pump shall refuse a bolus above the limit.
"""
title = "Bolus\u0020limit"
id = "REQ-1"
"#;

#[test]
fn item_digest_is_sha256_of_the_jcs_of_its_fields_and_kind() {
    let each = each_of(&[("items.toml", ITEMS)]);
    assert_eq!(
        each["REQ-1"],
        item_digest(&json!({
            "id": "REQ-1", "kind": "requirement", "title": "Bolus limit",
            "text": "The pump shall refuse a bolus above the limit.",
            "tags": ["safety", "dosing"], "derives_from": ["N-1"],
        }))
    );
    // Dates as written, integers as JSON numbers.
    assert_eq!(
        each["R-1"],
        item_digest(&json!({
            "id": "R-1", "kind": "result", "test": "T-1", "outcome": "pass",
            "executed_by": "A. Tester", "executed_at": "2026-11-19T10:00:00+01:00", "version": "1.0.0",
        }))
    );
    assert_eq!(
        each["HAZ-1"],
        item_digest(&json!({
            "id": "HAZ-1", "kind": "hazard", "title": "Over-delivery", "harm": "Hypoglycaemia",
            "severity": 5, "probability": 3, "controls": ["REQ-1"],
        }))
    );
    assert_eq!(
        each["DEV-1"],
        item_digest(&json!({
            "id": "DEV-1", "kind": "deviation", "waives": "soup", "items": ["REQ-1"],
            "reason": "n/a", "owner": "Q. Lead", "expires": "2027-06-30",
        }))
    );
    // The canonical form itself, byte for byte.
    let jcs = serde_json_canonicalizer::to_string(
        &json!({"id": "N-1", "kind": "need", "title": "Safe dosing"}),
    )
    .unwrap();
    assert_eq!(jcs, r#"{"id":"N-1","kind":"need","title":"Safe dosing"}"#);
    assert_eq!(each["N-1"], sha(jcs.as_bytes()));
}

#[test]
fn release_digest_is_the_hash_of_the_sorted_lines_and_junit_files() {
    let xml = "<?xml version=\"1.0\"?>\n<testsuite name=\"s\" tests=\"1\">\n  <testcase classname=\"dose\" name=\"limit\" time=\"0.01\"/>\n</testsuite>\n";
    let xml2 =
        "<testsuites><testsuite name=\"t\"><testcase name=\"other\"/></testsuite></testsuites>";
    let ids = ITEMS.replace("method = \"manual\"\n", "junit = [\"dose::limit\"]\n");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("items.toml", &ids),
        ("results/b/junit.xml", xml),
        ("results/a-junit.xml", xml2),
    ]);
    let out = digest_out(t.path(), &["--release", "--each"]);
    let lines = &out[1..];
    let ids: Vec<&str> = lines.iter().map(|l| l.split_once(' ').unwrap().0).collect();
    assert_eq!(
        ids,
        ["DEV-1", "HAZ-1", "N-1", "R-1", "REQ-1", "T-1"],
        "sorted bytewise"
    );
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str(&format!(
        "junit:results/a-junit.xml {}\n",
        sha(xml2.as_bytes())
    ));
    text.push_str(&format!(
        "junit:results/b/junit.xml {}\n",
        sha(xml.as_bytes())
    ));
    assert_eq!(out[0], sha(text.as_bytes()));

    // check --format json reports the same release digest.
    let (_, v) = check_json(t.path());
    assert_eq!(v["release"]["digest"], out[0]);
}

#[test]
fn digest_of_ids_is_the_digest_of_just_their_lines() {
    let t = tree(&[("relpack.toml", CONFIG), ("items.toml", ITEMS)]);
    let each = digest_out(t.path(), &["--release", "--each"]);
    let of = |id: &str| {
        each.iter()
            .find_map(|l| l.strip_prefix(&format!("{id} ")))
            .unwrap()
            .to_string()
    };
    let expected = sha(format!("N-1 {}\nREQ-1 {}\n", of("N-1"), of("REQ-1")).as_bytes());
    // Any order of the ids, repeated ids: the same digest.
    assert_eq!(digest_out(t.path(), &["REQ-1", "N-1"])[0], expected);
    assert_eq!(digest_out(t.path(), &["N-1", "REQ-1", "N-1"])[0], expected);
    // One id: its line alone, not its digest.
    assert_eq!(
        digest_out(t.path(), &["REQ-1"])[0],
        sha(format!("REQ-1 {}\n", of("REQ-1")).as_bytes())
    );
    // --each adds each item's own line.
    let out = digest_out(t.path(), &["--each", "REQ-1", "N-1"]);
    assert_eq!(out[0], expected);
    let mut rest: Vec<&str> = out[1..].iter().map(String::as_str).collect();
    rest.sort();
    assert_eq!(
        rest,
        [
            format!("N-1 {}", of("N-1")),
            format!("REQ-1 {}", of("REQ-1"))
        ]
    );
    // An unknown id is a command-line error.
    relpack()
        .args(["digest", "--root"])
        .arg(t.path())
        .arg("REQ-404")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("REQ-404"));
}

#[test]
fn digest_release_equals_packet_json_release_digest() {
    let evidence = repo_path("sample-evidence");
    let out = TempDir::new().unwrap();
    let status = relpack()
        .args(["build", "--no-pdf", "--quiet", "--out"])
        .arg(out.path())
        .arg(&evidence)
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let packet: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("BC-2.4.0/packet.json")).unwrap(),
    )
    .unwrap();
    let d = release(&evidence);
    assert_eq!(packet["release"]["digest"], d);
    // Every approval of the sample approved exactly this digest.
    let approvals = std::fs::read_to_string(evidence.join("approvals/APR-QA-1.toml")).unwrap();
    assert!(approvals.contains(&d), "{approvals}");
    // And each item's digest in the packet is what `digest --each` prints.
    let each = digest_out(&evidence, &["--release", "--each"]);
    for item in packet["items"].as_array().unwrap() {
        if item["kind"] == "approval" {
            continue;
        }
        let line = format!(
            "{} {}",
            item["id"].as_str().unwrap(),
            item["digest"].as_str().unwrap()
        );
        assert!(each.contains(&line), "{line} not in digest --each");
    }
}

#[test]
fn reformatting_a_toml_file_keeps_every_digest() {
    assert_eq!(
        each_of(&[("items.toml", ITEMS)]),
        each_of(&[("items.toml", ITEMS_REFORMATTED)])
    );
    assert_eq!(
        release_of(&[("items.toml", ITEMS)]),
        release_of(&[("items.toml", ITEMS_REFORMATTED)])
    );
}

#[test]
fn crlf_checkout_keeps_the_digest() {
    let md = "+++\nkind = \"requirement\"\nid = \"REQ-2\"\ntitle = \"Two\"\n+++\n\n# Heading\n\nLine one\nline two.\n";
    let multi = "[[document]]\nid = \"DOC-1\"\ntitle = \"Use\"\ntext = \"\"\"\nFirst paragraph.\n\nSecond.\n\"\"\"\n";
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let lf = each_of(&[("items.toml", ITEMS), ("REQ-2.md", md), ("doc.toml", multi)]);
    let cr = each_of(&[
        ("items.toml", &crlf(ITEMS)),
        ("REQ-2.md", &crlf(md)),
        ("doc.toml", &crlf(multi)),
    ]);
    assert_eq!(lf, cr);
    assert_eq!(
        release_of(&[("items.toml", ITEMS), ("REQ-2.md", md), ("doc.toml", multi)]),
        release_of(&[
            ("items.toml", &crlf(ITEMS)),
            ("REQ-2.md", &crlf(md)),
            ("doc.toml", &crlf(multi))
        ])
    );
    // A CRLF inside a string value (an escape, not a checkout) becomes LF too.
    let escaped = "[[document]]\nid = \"DOC-1\"\ntitle = \"Use\"\ntext = \"First paragraph.\\r\\n\\r\\nSecond.\"\n";
    assert_eq!(
        each_of(&[("doc.toml", multi)])["DOC-1"],
        each_of(&[("doc.toml", escaped)])["DOC-1"]
    );
}

#[test]
fn moving_an_item_to_another_file_keeps_the_digest() {
    let (first, second) = ITEMS.split_at(ITEMS.find("[[hazard]]").unwrap());
    let whole = release_of(&[("items.toml", ITEMS)]);
    assert_eq!(
        whole,
        release_of(&[("a.toml", first), ("deep/er/b.toml", second)])
    );
    assert_eq!(
        each_of(&[("items.toml", ITEMS)]),
        each_of(&[("z.toml", second), ("a.toml", first)])
    );
}

#[test]
fn a_toml_item_moved_to_markdown_with_the_same_text_keeps_the_digest() {
    let toml_req = "[[requirement]]\nid = \"REQ-2\"\ntitle = \"Two\"\ntags = [\"ui\"]\ntext = \"\"\"\nThe screen **shall** show the dose.\n\n- in units\n- with two decimals\n\"\"\"\n";
    let md_req = "+++\nkind = \"requirement\"\nid = \"REQ-2\"\ntags = [\"ui\"]\ntitle = \"Two\"\n+++\n\nThe screen **shall** show the dose.\n\n- in units\n- with two decimals\n\n\n";
    assert_eq!(
        each_of(&[("r.toml", toml_req)])["REQ-2"],
        each_of(&[("REQ-2.md", md_req)])["REQ-2"]
    );
    assert_eq!(
        release_of(&[("r.toml", toml_req)]),
        release_of(&[("reqs/REQ-2.md", md_req)])
    );
}

#[test]
fn leading_and_trailing_white_space_of_text_does_not_count() {
    let base = "[[requirement]]\nid = \"REQ-2\"\ntitle = \"Two\"\ntext = \"Shall.\"\n";
    let padded = "[[requirement]]\nid = \"REQ-2\"\ntitle = \"Two\"\ntext = \"\"\"\n\n   Shall.\t\n\n\"\"\"\n";
    assert_eq!(
        each_of(&[("r.toml", base)])["REQ-2"],
        each_of(&[("r.toml", padded)])["REQ-2"]
    );
    // Only `text` is trimmed: white space around a title is a change.
    let title = base.replace("title = \"Two\"", "title = \"Two \"");
    assert_ne!(
        each_of(&[("r.toml", base)])["REQ-2"],
        each_of(&[("r.toml", &title)])["REQ-2"]
    );
}

#[test]
fn changing_any_value_changes_the_digest() {
    let base_each = each_of(&[("items.toml", ITEMS)]);
    let base = release_of(&[("items.toml", ITEMS)]);
    for (what, from, to, id) in [
        (
            "a title letter",
            "title = \"Bolus limit\"",
            "title = \"Bolus limiT\"",
            "REQ-1",
        ),
        (
            "a link",
            "verifies = [\"REQ-1\"]",
            "verifies = [\"REQ-1\", \"REQ-1\"]",
            "T-1",
        ),
        (
            "a link target",
            "derives_from = [\"N-1\"]",
            "derives_from = []",
            "REQ-1",
        ),
        ("a number", "severity = 5", "severity = 4", "HAZ-1"),
        (
            "a date-time",
            "executed_at = 2026-11-19T10:00:00+01:00",
            "executed_at = 2026-11-19T10:00:00+02:00",
            "R-1",
        ),
        (
            "a date",
            "expires = 2027-06-30",
            "expires = 2027-07-30",
            "DEV-1",
        ),
        (
            "interior white space of text",
            "refuse a bolus",
            "refuse  a bolus",
            "REQ-1",
        ),
        (
            "a tag order",
            "tags = [\"safety\", \"dosing\"]",
            "tags = [\"dosing\", \"safety\"]",
            "REQ-1",
        ),
        (
            "a new field",
            "method = \"manual\"",
            "method = \"manual\"\nnote = \"x\"",
            "T-1",
        ),
    ] {
        let changed = ITEMS.replacen(from, to, 1);
        assert_ne!(changed, ITEMS, "{what}: nothing replaced");
        let each = each_of(&[("items.toml", &changed)]);
        assert_ne!(each[id], base_each[id], "{what}");
        for (other, d) in &base_each {
            if other != id {
                assert_eq!(&each[other], d, "{what} changed {other} too");
            }
        }
        assert_ne!(release_of(&[("items.toml", &changed)]), base, "{what}");
    }
    // A changed id is another item.
    assert_ne!(
        release_of(&[("items.toml", &ITEMS.replace("\"N-1\"", "\"N-2\""))]),
        base
    );
}

#[test]
fn approvals_are_not_in_the_release_digest() {
    let t = tree(&[("relpack.toml", CONFIG), ("items.toml", ITEMS)]);
    let before = digest_out(t.path(), &["--release", "--each"]);
    t.child("approvals/APR-1.toml")
        .write_str(&format!(
            "[[approval]]\nid = \"APR-1\"\nsigner = \"Dana Reyes\"\nrole = \"quality\"\nmeaning = \"approved\"\nsigned_at = 2026-11-19T10:00:00+01:00\nscope = \"release\"\ndigest = \"{}\"\n",
            before[0]
        ))
        .unwrap();
    let after = digest_out(t.path(), &["--release", "--each"]);
    assert_eq!(before, after, "no approval line, same digest");
    // But an approval has its own digest, and can be named.
    assert_eq!(digest_out(t.path(), &["APR-1"]).len(), 1);
}

#[test]
fn a_junit_files_bytes_are_in_the_release_digest_and_not_in_item_digests() {
    let xml = "<?xml version=\"1.0\"?>\n<testsuite name=\"s\" tests=\"1\">\n  <testcase classname=\"dose\" name=\"limit\" time=\"0.01\"/>\n</testsuite>\n";
    let items = ITEMS.replace("method = \"manual\"\n", "junit = [\"dose::limit\"]\n");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("items.toml", &items),
        ("junit.xml", xml),
    ]);
    let before = digest_out(t.path(), &["--release", "--each"]);
    // Another run time: same cases, same outcome, other bytes.
    t.child("junit.xml")
        .write_str(&xml.replace("0.01", "0.02"))
        .unwrap();
    let after = digest_out(t.path(), &["--release", "--each"]);
    assert_ne!(before[0], after[0]);
    assert_eq!(before[1..], after[1..]);
    // Moved to another path: another line.
    std::fs::remove_file(t.path().join("junit.xml")).unwrap();
    t.child("ci/junit.xml").write_str(xml).unwrap();
    assert_ne!(release(t.path()), before[0]);
    // Back: the same digest again.
    std::fs::remove_file(t.path().join("ci/junit.xml")).unwrap();
    t.child("junit.xml").write_str(xml).unwrap();
    assert_eq!(release(t.path()), before[0]);
}

#[test]
fn bom_components_have_stable_digests() {
    let bom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "components": [{"type": "library", "name": "left-pad", "version": "1.3.0",
                  "supplier": {"name": "Left Inc"}, "purl": "pkg:npm/left-pad@1.3.0",
                  "licenses": [{"license": {"id": "MIT"}}]}]}"#;
    let reformatted: String =
        serde_json::to_string(&serde_json::from_str::<Value>(bom).unwrap()).unwrap();
    let a = each_of(&[("bom.cdx.json", bom)]);
    assert_eq!(a, each_of(&[("sub/bom.cdx.json", &reformatted)]));
    assert_eq!(
        a["SOUP-left-pad@1.3.0"],
        item_digest(&json!({
            "id": "SOUP-left-pad@1.3.0", "kind": "soup", "name": "left-pad", "version": "1.3.0",
            "supplier": "Left Inc", "licenses": ["MIT"], "purl": "pkg:npm/left-pad@1.3.0",
        }))
    );
}
