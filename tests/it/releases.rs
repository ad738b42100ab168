//! Releases over time: `release.previous`, suspect links, `relpack diff`, `relpack verify`.

use std::path::Path;

use assert_fs::prelude::*;
use assert_fs::TempDir;
use predicates::prelude::*;

use super::*;

fn config(version: &str, date: &str, previous: Option<&Path>) -> String {
    let prev = previous
        .map(|p| format!("previous = {:?}\n", p.to_string_lossy()))
        .unwrap_or_default();
    format!(
        "[product]\nname = \"Pump\"\nid = \"P\"\nsafety_class = \"B\"\n[release]\nversion = \"{version}\"\ndate = {date}\n{prev}[gates]\nmin_approvals = {{ A = 0, B = 0, C = 0 }}\n"
    )
}

const V1_REQS: &str = r#"
[[need]]
id = "N-1"
title = "Dose safely"

[[requirement]]
id = "REQ-1"
title = "Limit the bolus"
text = "The pump shall limit the bolus."
derives_from = ["N-1"]

[[requirement]]
id = "REQ-2"
title = "Round down"
text = """
Round down to the increment.
Never round up.
"""
derives_from = ["N-1"]

[[requirement]]
id = "REQ-OLD"
title = "Going away"
text = "Removed in 1.1."
derives_from = ["N-1"]
status = "obsolete"

[[hazard]]
id = "HAZ-1"
title = "Overdose"
harm = "Hypoglycaemia"
severity = 4
probability = 2
residual_probability = 1
controls = ["REQ-2"]
"#;

const TESTS: &str = r#"
[[test]]
id = "T-1"
title = "Limit"
method = "manual"
verifies = ["REQ-1"]

[[test]]
id = "T-2"
title = "Rounding"
method = "manual"
verifies = ["REQ-2"]

[[test]]
id = "T-OLD"
title = "Old"
method = "analysis"
verifies = ["REQ-1"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "Tess"
executed_at = 2026-09-20T10:00:00+02:00

[[result]]
id = "R-2"
test = "T-2"
outcome = "pass"
executed_by = "Tess"
executed_at = 2026-09-21T10:00:00+02:00

[[result]]
id = "R-OLD"
test = "T-OLD"
outcome = "pass"
executed_by = "Tess"
executed_at = 2026-09-21T11:00:00+02:00
"#;

fn build(root: &Path, out: &Path) -> i32 {
    let o = relpack()
        .arg("build")
        .arg(root)
        .arg("--out")
        .arg(out)
        .arg("--no-pdf")
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.status.code().unwrap()
}

fn packet(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn ids(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect()
}

#[test]
fn two_successive_releases_show_changes_and_suspect_tests() {
    let out = TempDir::new().unwrap();
    let t = tree(&[
        ("relpack.toml", &config("1.0.0", "2026-10-01", None)),
        ("reqs.toml", V1_REQS),
        ("tests.toml", TESTS),
    ]);
    assert_eq!(build(t.path(), out.path()), 0);
    let v1 = out.path().join("P-1.0.0/packet.json");

    // Edits: REQ-2 reworded, REQ-OLD removed, REQ-3 added, REQ-1 moved to
    // its own Markdown file with the same content (not a modification).
    let v2_reqs = V1_REQS
        .replace("Never round up.", "Never round up, not even at the maximum.")
        .replace(
            "[[requirement]]\nid = \"REQ-OLD\"\ntitle = \"Going away\"\ntext = \"Removed in 1.1.\"\nderives_from = [\"N-1\"]\nstatus = \"obsolete\"\n",
            "[[requirement]]\nid = \"REQ-3\"\ntitle = \"New\"\ntext = \"Added in 1.1.\"\nderives_from = [\"N-1\"]\n",
        )
        .replace(
            "[[requirement]]\nid = \"REQ-1\"\ntitle = \"Limit the bolus\"\ntext = \"The pump shall limit the bolus.\"\nderives_from = [\"N-1\"]\n",
            "",
        );
    t.child("reqs.toml").write_str(&v2_reqs).unwrap();
    t.child("req-1.md")
        .write_str("+++\nkind = \"requirement\"\nid = \"REQ-1\"\ntitle = \"Limit the bolus\"\nderives_from = [\"N-1\"]\n+++\n\nThe pump shall limit the bolus.\n")
        .unwrap();
    t.child("t3.toml")
        .write_str("[[test]]\nid = \"T-3\"\ntitle = \"New\"\nmethod = \"manual\"\nverifies = [\"REQ-3\"]\n\n[[result]]\nid = \"R-3\"\ntest = \"T-3\"\noutcome = \"pass\"\nexecuted_by = \"Tess\"\nexecuted_at = 2026-11-02T09:00:00Z\n")
        .unwrap();
    t.child("relpack.toml")
        .write_str(&config("1.1.0", "2026-11-20", Some(&v1)))
        .unwrap();
    // T-2's only result predates 1.0.0: it is suspect, so test-passed fails.
    assert_eq!(build(t.path(), out.path()), 1);
    let p = packet(&out.path().join("P-1.1.0/packet.json"));
    let c = &p["changes"]["since_previous"];
    assert_eq!(c["previous_version"], "1.0.0");
    assert_eq!(ids(&c["added"]), ["R-3", "REQ-3", "T-3"]);
    assert_eq!(ids(&c["removed"]), ["REQ-OLD"]);
    assert_eq!(
        ids(&c["modified"]),
        ["REQ-2"],
        "moving REQ-1 to a Markdown file is not a change"
    );
    let text = &c["modified"][0]["fields"][0];
    assert_eq!(text["field"], "text");
    let diff = text["diff"].to_string();
    assert!(
        diff.contains(r#"{"tag":"-","text":"Never round up."}"#),
        "{diff}"
    );
    assert!(
        diff.contains(r#"{"tag":"+","text":"Never round up, not even at the maximum."}"#),
        "{diff}"
    );
    assert_eq!(ids(&c["suspect"]), ["HAZ-1", "T-2"]);
    // `relpack diff` of the two packets shows the new one's suspects: it
    // was built against the old one (which tests went unrun needs the
    // evidence, which no packet holds).
    let d = diff_json(&v1, &out.path().join("P-1.1.0/packet.json"));
    assert_eq!(ids(&d["suspect"]), ["HAZ-1", "T-2"], "{d:#}");
    let gate = p["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "test-passed")
        .unwrap();
    assert_eq!(gate["status"], "failed");
    assert!(gate["findings"].to_string().contains("T-2 is suspect"));
    assert_eq!(
        p["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "T-2")
            .unwrap()["suspect"]
            .as_str()
            .map(|s| s.contains("REQ-2")),
        Some(true)
    );
    // The site and the trace matrix show it.
    let page = std::fs::read_to_string(out.path().join("P-1.1.0/items/T-2.html")).unwrap();
    assert!(page.contains("suspect"));
    let changes = std::fs::read_to_string(out.path().join("P-1.1.0/changes.html")).unwrap();
    assert!(
        changes.contains("Never round up, not even at the maximum.") && changes.contains("REQ-OLD")
    );

    // A fresh result after 1.0.0 clears T-2; re-reviewing HAZ-1 clears it.
    t.child("r2.toml")
        .write_str("[[result]]\nid = \"R-2b\"\ntest = \"T-2\"\noutcome = \"pass\"\nexecuted_by = \"Tess\"\nexecuted_at = 2026-11-10T10:00:00+01:00\n")
        .unwrap();
    t.child("reqs.toml")
        .write_str(&v2_reqs.replace(
            "probability = 2",
            "probability = 2\nsituation = \"Reviewed for 1.1\"",
        ))
        .unwrap();
    assert_eq!(build(t.path(), out.path()), 0);
    let p = packet(&out.path().join("P-1.1.0/packet.json"));
    assert_eq!(
        p["changes"]["since_previous"]["suspect"],
        serde_json::json!([])
    );

    // `relpack diff` prints the same comparison without rebuilding.
    relpack()
        .arg("diff")
        .arg(&v1)
        .arg(out.path().join("P-1.1.0/packet.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("+ requirement REQ-3 New"))
        .stdout(predicate::str::contains("- requirement REQ-OLD Going away"))
        .stdout(predicate::str::contains("~ requirement REQ-2 Round down"))
        .stdout(predicate::str::contains(
            "+ Never round up, not even at the maximum.",
        ));
    let d = diff_json(&v1, &out.path().join("P-1.1.0/packet.json"));
    assert_eq!(ids(&d["removed"]), ["REQ-OLD"]);
}

/// `relpack diff OLD NEW --format json`.
fn diff_json(old: &std::path::Path, new: &std::path::Path) -> serde_json::Value {
    let o = relpack()
        .args(["diff", "--format", "json"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn verify_checks_sums_digests_and_the_evidence() {
    let out = TempDir::new().unwrap();
    let t = tree(&[
        ("relpack.toml", &config("1.0.0", "2026-10-01", None)),
        ("reqs.toml", V1_REQS),
        ("tests.toml", TESTS),
    ]);
    build(t.path(), out.path());
    let folder = out.path().join("P-1.0.0");
    relpack()
        .arg("verify")
        .arg(&folder)
        .arg("--root")
        .arg(t.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("verified"));

    // Evidence edited since: the release digest differs.
    t.child("reqs.toml")
        .write_str(&V1_REQS.replace("Round down", "Round half down"))
        .unwrap();
    relpack()
        .arg("verify")
        .arg(&folder)
        .arg("--root")
        .arg(t.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("now gives release digest"));

    // A page tampered with: SHA256SUMS catches it.
    std::fs::write(folder.join("gates.html"), "<p>all good</p>").unwrap();
    relpack()
        .arg("verify")
        .arg(&folder)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("gates.html: SHA-256 is"));

    // packet.json edited and SHA256SUMS regenerated to match: the item
    // digests still give it away.
    let path = folder.join("packet.json");
    let edited = std::fs::read_to_string(&path).unwrap().replace(
        "The pump shall limit the bolus.",
        "The pump may limit the bolus.",
    );
    std::fs::write(&path, &edited).unwrap();
    std::fs::write(folder.join("gates.html"), "<p>all good</p>").unwrap();
    let sums: String = walkdir::WalkDir::new(&folder)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() != "SHA256SUMS")
        .map(|e| {
            use sha2::Digest;
            let rel = e
                .path()
                .strip_prefix(&folder)
                .unwrap()
                .to_string_lossy()
                .to_string();
            format!(
                "{:x}  {rel}\n",
                sha2::Sha256::digest(std::fs::read(e.path()).unwrap())
            )
        })
        .collect();
    std::fs::write(folder.join("SHA256SUMS"), sums).unwrap();
    relpack()
        .arg("verify")
        .arg(&folder)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "item REQ-1: digest of its fields is",
        ))
        .stdout(predicate::str::contains("release digest of the items is"));
}

/// The sample's rich evidence and a small tree of requirements only (a
/// temporary folder, kept while its guard lives).
fn sample_and_small_tree() -> (TempDir, [std::path::PathBuf; 2]) {
    let small = TempDir::new().unwrap();
    small
        .child("relpack.toml")
        .write_str(&config("1.0.0", "2026-01-01", None))
        .unwrap();
    small.child("reqs.toml").write_str(V1_REQS).unwrap();
    let roots = [repo_path("sample-evidence"), small.path().to_path_buf()];
    (small, roots)
}

/// OUT's list of releases takes the release just built from its model, not
/// from its packet.json read back: both must say the same, on the sample's
/// rich evidence and on a small tree.
#[test]
fn a_packets_summary_from_its_model_equals_the_one_read_from_its_packet_json() {
    struct Memory(std::sync::Mutex<Option<Vec<u8>>>);
    impl relpack::render::Output for Memory {
        fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), relpack::render::OutputError> {
            if path == "packet.json" {
                *self.0.lock().unwrap() = Some(bytes);
            }
            Ok(())
        }
    }
    let (_small, roots) = sample_and_small_tree();
    for root in roots {
        let mut checked = relpack::check(&root, &relpack::Options::default())
            .unwrap_or_else(|_| panic!("{} checks", root.display()));
        let memory = Memory(Default::default());
        let summary =
            relpack::render_packet(&mut checked, false, &memory, &|_| {}, &Default::default())
                .unwrap_or_else(|_| panic!("{} renders", root.display()));
        let json = memory.0.into_inner().unwrap().expect("a packet.json");
        assert_eq!(
            summary,
            relpack::packet_file::summary(&json).unwrap(),
            "{}",
            root.display()
        );
        assert!(summary.measures.is_some());
    }
}

/// packet.json is written as its long lists are serialized, a batch at a
/// time on every thread (`model/json.rs`): byte for byte what serializing
/// the model whole gives, on the sample and on a small tree (some lists
/// empty), with each element's digest that of its bytes in the file.
#[test]
fn packet_json_written_in_batches_equals_the_model_serialized_whole() {
    let (_small, roots) = sample_and_small_tree();
    for root in roots {
        let checked = relpack::check(&root, &relpack::Options::default())
            .unwrap_or_else(|_| panic!("{} checks", root.display()));
        let packet = relpack::model::Packet::build(&checked, checked.changes.clone());
        let mut whole = serde_json::to_vec_pretty(&packet).unwrap();
        whole.push(b'\n');
        assert_eq!(relpack::model::json::packet_json(&packet).unwrap(), whole);
        let mut written: Vec<u8> = Vec::new();
        let parts = relpack::model::json::write_to(&packet, &mut written).unwrap();
        assert!(
            written == whole,
            "{}: packet.json written in batches differs",
            root.display()
        );
        let value: serde_json::Value = serde_json::from_slice(&written).unwrap();
        let items = value["items"].as_array().unwrap();
        assert_eq!(items.len(), parts.items.len());
        for (item, element) in items.iter().zip(&parts.items) {
            let pretty = serde_json::to_string_pretty(item)
                .unwrap()
                .replace('\n', "\n    ");
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(pretty.as_bytes()).into();
            assert_eq!(element.sha256, digest, "{}", root.display());
        }
    }
}

/// The list of releases is the same whether a summary came from the cache
/// or from reading packet.json again (the cache deleted), and a packet.json
/// changed behind relpack's back is read again.
#[test]
fn the_release_list_is_the_same_with_and_without_its_summary_cache() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    let root = t.child("ev");
    root.child("reqs.toml").write_str(V1_REQS).unwrap();
    let build = |version: &str, date: &str| {
        root.child("relpack.toml")
            .write_str(&config(version, date, None))
            .unwrap();
        relpack()
            .args(["build", "--no-pdf", "--out"])
            .arg(&out)
            .arg(root.path())
            .assert()
            .code(predicate::in_iter([0, 1]));
        std::fs::read_to_string(out.join("index.html")).unwrap()
    };
    build("1.0.0", "2026-01-01");
    let cached = build("1.1.0", "2026-02-01");
    assert!(
        cached.contains("1.0.0") && cached.contains("1.1.0"),
        "{cached}"
    );
    let cache = out.join(".relpack-cache/.summaries.json");
    assert!(cache.is_file(), "the summaries are cached");
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(build("1.1.0", "2026-02-01"), cached);
    // 1.0.0's packet.json edited by hand: the list reads it again.
    let folder = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().contains("1.0.0"))
        .unwrap();
    let pj = folder.join("packet.json");
    let text = std::fs::read_to_string(&pj).unwrap();
    std::fs::write(
        &pj,
        text.replacen("\"name\": \"Pump\"", "\"name\": \"Pump Edited\"", 1),
    )
    .unwrap();
    assert!(build("1.1.0", "2026-02-01").contains("Pump Edited"));
}

/// `release.previous` must name a relpack packet.json: any other JSON
/// object (an SBOM, a packet's summary, a newer format) read with every
/// field defaulted would show every item as added, and no word of it.
#[test]
fn a_previous_file_that_is_not_a_relpack_packet_is_an_error() {
    let t = TempDir::new().unwrap();
    let v1 = t.child("v1");
    v1.child("relpack.toml")
        .write_str(&config("1.0.0", "2026-09-01", None))
        .unwrap();
    v1.child("reqs.toml").write_str(V1_REQS).unwrap();
    let out = t.child("out");
    build(v1.path(), out.path());
    let real = out.child("P-1.0.0/packet.json");
    let good: serde_json::Value = packet(real.path());
    for (name, text, says) in [
        (
            "sbom.json",
            r#"{"bomFormat": "CycloneDX", "components": []}"#.to_string(),
            "no \"format\"",
        ),
        ("empty.json", "{}".to_string(), "no \"format\""),
        // A packet's format and nothing else: no release, no items.
        (
            "stub.json",
            r#"{"format": "relpack-packet/1"}"#.to_string(),
            "no version",
        ),
        (
            "no-version.json",
            {
                let mut v = good.clone();
                v["release"]["version"] = "".into();
                v["product"]["version"] = "".into();
                v.to_string()
            },
            "no version",
        ),
        (
            "newer.json",
            {
                let mut v = good.clone();
                v["format"] = "relpack-packet/2".into();
                v.to_string()
            },
            "relpack-packet/2",
        ),
    ] {
        let prev = t.child(name);
        prev.write_str(&text).unwrap();
        let v2 = t.child(format!("v2-{name}"));
        v2.child("relpack.toml")
            .write_str(&config("1.1.0", "2026-10-01", Some(prev.path())))
            .unwrap();
        v2.child("reqs.toml").write_str(V1_REQS).unwrap();
        let (code, v) = check_json(v2.path());
        assert_eq!(code, 2, "{name}: {v:#}");
        let msg = v["errors"][0]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("release.previous:")
                && msg.contains("is not a relpack packet.json")
                && msg.contains(says),
            "{name}: {msg}"
        );
    }
    // The real packet is still read.
    let v2 = t.child("v2-real");
    v2.child("relpack.toml")
        .write_str(&config("1.1.0", "2026-10-01", Some(real.path())))
        .unwrap();
    v2.child("reqs.toml").write_str(V1_REQS).unwrap();
    let (code, v) = check_json(v2.path());
    assert!(matches!(code, 0 | 1), "{v:#}");
    // A packet of this same version is not the release before it.
    let same = t.child("v1-again");
    same.child("relpack.toml")
        .write_str(&config("1.0.0", "2026-10-01", Some(real.path())))
        .unwrap();
    same.child("reqs.toml").write_str(V1_REQS).unwrap();
    let (code, v) = check_json(same.path());
    assert_eq!(code, 2, "{v:#}");
    assert!(
        v["errors"].to_string().contains("this release's own"),
        "{v:#}"
    );
}
