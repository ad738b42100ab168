//! Incremental builds: a build into an OUT that holds an earlier build of
//! the release links the files that come out unchanged, and the result is
//! byte for byte what a clean build gives, edit after edit.

use std::fs;
use std::path::{Path, PathBuf};

use assert_fs::TempDir;

use super::support::{files_of, repo_path};

/// A copy of the sample evidence to edit.
fn sample_copy() -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_sample(dir.path());
    dir
}

fn copy_sample(dir: &Path) {
    let src = repo_path("sample-evidence");
    for e in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let rel = e.path().strip_prefix(&src).unwrap();
        let to = dir.join(rel);
        if e.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else {
            fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Build `root` into `out`; the release folder.
fn build_into(root: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    super::support::build_into(root, out, extra).0
}

/// The incremental build of `root` into `out` equals a clean build into a
/// fresh folder, file for file and byte for byte.
fn assert_same_as_clean(root: &Path, out: &Path, extra: &[&str], step: &str) -> PathBuf {
    let folder = build_into(root, out, extra);
    let fresh = TempDir::new().unwrap();
    let mut clean_args = extra.to_vec();
    clean_args.push("--clean");
    let clean = build_into(root, fresh.path(), &clean_args);
    let (a, b) = (files_of(&folder), files_of(&clean));
    let names =
        |m: &std::collections::BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{step}: the files differ");
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{step}: {name} differs from a clean build"
        );
    }
    // Not only equal: right. verify recomputes every digest from
    // packet.json (a digest kept by both builds' caches would agree).
    let verified = super::support::relpack()
        .arg("verify")
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{step}: verify: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    folder
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(p).unwrap().ino()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
#[cfg(unix)]
fn incremental_builds_equal_clean_builds_edit_after_edit() {
    let root = sample_copy();
    let r = root.path();
    let out = TempDir::new().unwrap();
    let o = out.path();
    let no_pdf = ["--no-pdf"];

    assert_same_as_clean(r, o, &no_pdf, "first build");
    let dosing = r.join("requirements/dosing.toml");
    // The first edit makes the sample's approvals stale: every page then
    // says NOT RELEASABLE.
    edit(
        &dosing,
        "without\nintermediate rounding.",
        "without any\nintermediate rounding.",
    );
    let folder = assert_same_as_clean(r, o, &no_pdf, "modify an item");
    let page = folder.join("items/REQ-IOB-1.html");
    let css = folder.join("assets/style.css");
    let (page_ino, css_ino) = (inode(&page), inode(&css));

    edit(
        &dosing,
        "without any\nintermediate",
        "without any kind of\nintermediate",
    );
    let folder = assert_same_as_clean(r, o, &no_pdf, "modify it again");
    // Unchanged files were linked, not written again.
    assert_eq!(
        inode(&folder.join("assets/style.css")),
        css_ino,
        "style.css was rewritten"
    );
    assert_eq!(
        inode(&folder.join("items/REQ-IOB-1.html")),
        page_ino,
        "an unchanged page was rewritten"
    );

    fs::write(
        r.join("requirements/REQ-NEW-1.toml"),
        "[[requirement]]\nid = \"REQ-NEW-1\"\ntitle = \"A new one\"\nderives_from = [\"NEED-1\"]\ntext = \"New.\"\n",
    )
    .unwrap();
    assert_same_as_clean(r, o, &no_pdf, "add an item");

    fs::create_dir_all(r.join("requirements/moved")).unwrap();
    fs::rename(
        r.join("requirements/REQ-NEW-1.toml"),
        r.join("requirements/moved/REQ-NEW-1.toml"),
    )
    .unwrap();
    assert_same_as_clean(r, o, &no_pdf, "move an item");

    fs::remove_file(r.join("requirements/moved/REQ-NEW-1.toml")).unwrap();
    assert_same_as_clean(r, o, &no_pdf, "remove an item");

    let junit = r.join("results/pytest-junit.xml");
    let text = fs::read_to_string(&junit).unwrap();
    let at = text.find("time=\"").expect("a time attribute") + 6;
    fs::write(&junit, format!("{}9{}", &text[..at], &text[at..])).unwrap();
    assert_same_as_clean(r, o, &no_pdf, "change a JUnit file");

    // Digests kept with parse results hold only for an item as parsed:
    // not when a file it attaches changed, nor when a BOM completes it.
    let log = r.join("results/logs/TC-UI-1-2026-11-16.csv");
    let mut bytes = fs::read(&log).unwrap();
    bytes.extend_from_slice(b"one more row\n");
    fs::write(&log, bytes).unwrap();
    assert_same_as_clean(r, o, &no_pdf, "change an attached file");
    edit(
        &r.join("soup/bom.cdx.json"),
        "\"id\": \"BSD-3-Clause\"",
        "\"id\": \"BSD-2-Clause\"",
    );
    assert_same_as_clean(r, o, &no_pdf, "change a BOM that a TOML item completes");

    edit(&r.join("relpack.toml"), "name = \"", "name = \"The ");
    assert_same_as_clean(r, o, &no_pdf, "change relpack.toml");

    // A packet file edited by hand is written afresh, never carried over.
    let folder = build_into(r, o, &no_pdf);
    let tampered = folder.join("items/REQ-IOB-1.html");
    fs::write(&tampered, "tampered").unwrap();
    let folder = assert_same_as_clean(r, o, &no_pdf, "a packet file edited by hand");
    assert_ne!(
        fs::read(folder.join("items/REQ-IOB-1.html")).unwrap(),
        b"tampered"
    );

    // With the PDF, twice: the second build links even packet.pdf.
    let folder = assert_same_as_clean(r, o, &[], "with the PDF");
    let pdf_ino = inode(&folder.join("packet.pdf"));
    let folder = assert_same_as_clean(r, o, &[], "with the PDF again");
    assert_eq!(
        inode(&folder.join("packet.pdf")),
        pdf_ino,
        "an unchanged PDF was rewritten"
    );
}

#[test]
#[cfg(unix)]
fn clean_builds_link_nothing() {
    let root = sample_copy();
    let out = TempDir::new().unwrap();
    let folder = build_into(root.path(), out.path(), &["--no-pdf"]);
    let css_ino = inode(&folder.join("assets/style.css"));
    let folder = build_into(root.path(), out.path(), &["--no-pdf", "--clean"]);
    assert_ne!(
        inode(&folder.join("assets/style.css")),
        css_ino,
        "--clean linked a file"
    );
    // The cache lives in OUT, never in the evidence tree.
    assert!(out.path().join(".relpack-cache").is_dir());
    assert!(!root.path().join(".relpack-cache").exists());
}

/// The counts of the build's "writing the packet" stage: files linked from
/// the earlier build, and how many of those were not rendered again.
fn reuse_counts(root: &Path, out: &Path) -> (usize, usize) {
    let output = assert_cmd::Command::cargo_bin("relpack")
        .unwrap()
        .args(["build", "--no-pdf", "--out"])
        .arg(out)
        .arg(root)
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .env("RELPACK_TIMINGS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("unchanged files linked"))
        .unwrap_or_else(|| panic!("no reuse counts in:\n{stderr}"));
    // "(N unchanged files linked from the earlier build, M of them not
    // rendered again)": the number before each phrase.
    let before = |phrase: &str| -> usize {
        let head = &line[..line
            .find(phrase)
            .unwrap_or_else(|| panic!("no {phrase:?} in {line:?}"))];
        let digits = head.trim_end().rsplit(|c: char| !c.is_ascii_digit()).next();
        digits
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no count before {phrase:?} in {line:?}"))
    };
    (
        before(" unchanged files linked"),
        before(" of them not rendered"),
    )
}

#[test]
#[cfg(unix)]
fn pages_whose_view_is_unchanged_are_not_rendered_again() {
    let root = sample_copy();
    let r = root.path();
    let out = TempDir::new().unwrap();
    let folder = build_into(r, out.path(), &["--no-pdf"]);
    let item_pages = fs::read_dir(folder.join("items")).unwrap().count();
    assert!(item_pages > 50, "the sample has {item_pages} item pages");
    // The section pages are keyed too.
    let sections = fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".html"))
        .count();
    assert!(sections >= 14, "{sections} section pages");
    let pages = item_pages + sections;

    // Nothing changed: every page is linked without rendering.
    let (_, unrendered) = reuse_counts(r, out.path());
    assert_eq!(unrendered, pages, "an unchanged page was rendered again");

    // The first edit makes the sample's approvals stale: every page's
    // header then says NOT RELEASABLE, so every page is made afresh.
    let dosing = r.join("requirements/dosing.toml");
    edit(
        &dosing,
        "without\nintermediate",
        "without any\nintermediate",
    );
    reuse_counts(r, out.path());
    // Another edit of the same text: its own page and the sections that
    // show its text or its file's digest are made afresh, the others are
    // not (the pages that list it show its id, not its text).
    edit(
        &dosing,
        "without any\nintermediate",
        "without any kind of\nintermediate",
    );
    let (linked, unrendered) = reuse_counts(r, out.path());
    assert!(
        // At most ten item pages, and the sections that show the text,
        // its file's digest or the release digest (index, requirements,
        // evidence, approvals ...).
        unrendered < pages && unrendered + 10 + sections / 2 >= pages,
        "{unrendered} of {pages} pages reused after a one-item edit"
    );
    assert!(linked >= unrendered);
    let folder = assert_same_as_clean(r, out.path(), &["--no-pdf"], "after the edit");
    let edited = fs::read_dir(folder.join("items"))
        .unwrap()
        .flatten()
        .filter(|e| {
            fs::read_to_string(e.path())
                .unwrap()
                .contains("without any kind of")
        })
        .count();
    assert_eq!(edited, 1, "the edited item's page does not show the edit");
}

/// The rows of the big section pages are rendered in parts kept in
/// OUT/.relpack-cache/.parts: read back while unchanged, rendered again
/// when their rows changed or when the part file was edited by hand (never
/// copied into a packet then), and only the last build's parts are kept.
#[test]
#[cfg(unix)]
fn section_rows_are_kept_in_parts_and_a_part_edited_by_hand_is_made_again() {
    let root = sample_copy();
    let r = root.path();
    let out = TempDir::new().unwrap();
    build_into(r, out.path(), &["--no-pdf"]);
    let dir = out.path().join(".relpack-cache/.parts");
    let parts = || -> std::collections::BTreeMap<String, u64> {
        fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    inode(&e.path()),
                )
            })
            .collect()
    };
    let first = parts();
    assert!(first.len() >= 4, "{first:?}");

    // Nothing changed: every part is read back, none written again.
    build_into(r, out.path(), &["--no-pdf"]);
    assert_eq!(parts(), first);

    // Parts edited by hand are made again, never copied.
    for name in first.keys() {
        let p = dir.join(name);
        let mut text = fs::read_to_string(&p).unwrap();
        text.push_str("<p>TAMPERED</p>");
        fs::write(&p, text).unwrap();
    }
    let folder = assert_same_as_clean(r, out.path(), &["--no-pdf"], "parts edited by hand");
    for (name, bytes) in super::files_of(&folder) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("TAMPERED"),
            "{name} took a part edited by hand"
        );
    }

    // One requirement's text edited: its rows' parts are new, the others
    // (the tests' rows) are the same files.
    let before = parts();
    edit(
        &r.join("requirements/dosing.toml"),
        "without\nintermediate",
        "without any\nintermediate",
    );
    assert_same_as_clean(r, out.path(), &["--no-pdf"], "after the edit");
    let after = parts();
    assert!(
        after.iter().any(|(k, ino)| before.get(k) == Some(ino)),
        "unchanged parts are kept: {before:?} {after:?}"
    );
    assert!(
        after.keys().any(|k| !before.contains_key(k)),
        "changed rows make new parts"
    );
    assert_eq!(after.len(), first.len(), "only this build's parts are kept");
}

/// `parent/evidence`: a copy of the sample whose relpack.toml names
/// `parent/cache` as its cache folder.
fn sample_with_cache_folder() -> (TempDir, PathBuf, PathBuf) {
    let parent = TempDir::new().unwrap();
    let root = parent.path().join("evidence");
    copy_sample(&root);
    let config = root.join("relpack.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("{text}\n[cache]\nfolder = \"../cache\"\n")).unwrap();
    let cache = parent.path().join("cache").join("parse");
    (parent, root, cache)
}

/// What `relpack check` says (exit code, stdout, stderr), in text and JSON.
fn check_says(root: &Path) -> (Option<i32>, String, String) {
    let mut said = (None, String::new(), String::new());
    for format in ["text", "json"] {
        let o = super::support::relpack()
            .args(["check", "--format", format])
            .arg(root)
            .output()
            .unwrap();
        said.0 = o.status.code();
        said.1 += &String::from_utf8_lossy(&o.stdout);
        said.2 += &String::from_utf8_lossy(&o.stderr);
    }
    said
}

fn names_under(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect();
    names.sort();
    names
}

/// `[cache] folder`: check keeps each evidence file's parse there, by
/// content hash, and says exactly what it says without it: warnings and
/// errors at the same line and column, an edited file read afresh, a
/// damaged entry ignored. Nothing is added to the evidence tree, and a run
/// on invalid evidence writes no cache.
#[test]
fn check_keeps_parse_results_in_the_cache_folder_and_says_the_same() {
    let (_parent, root, cache) = sample_with_cache_folder();
    // A value the schema refuses, in a file that parses cleanly (so it is
    // kept): its error must point at the same place from the cache.
    edit(
        &root.join("requirements/dosing.toml"),
        "id = \"REQ-CARB-1\"",
        "id = \"REQ-CARB-1\"\nmystery = 3\nsafety_class = \"Z\"",
    );
    let before = names_under(&root);
    let first = check_says(&root);
    assert_eq!(first.0, Some(2), "{}", first.2);
    assert!(first.2.contains("dosing.toml:"), "{}", first.2);
    assert!(!cache.exists(), "a refused run keeps no cache");
    fs::write(
        root.join("requirements/dosing.toml"),
        fs::read_to_string(root.join("requirements/dosing.toml"))
            .unwrap()
            .replace("safety_class = \"Z\"\n", ""),
    )
    .unwrap();
    let uncached = check_says(&root);
    assert!(uncached.2.contains("mystery"), "{}", uncached.2);
    let entries = names_under(&cache);
    assert!(entries.len() > 10, "{entries:?}");
    assert_eq!(names_under(&root), before, "the evidence tree is unchanged");
    assert_eq!(check_says(&root), uncached, "from the cache");
    // An edit is read afresh.
    edit(
        &root.join("requirements/dosing.toml"),
        "mystery = 3",
        "enigma = 3",
    );
    let edited = check_says(&root);
    assert!(
        edited.2.contains("enigma") && !edited.2.contains("mystery"),
        "{}",
        edited.2
    );
    // So is a JUnit report (its cases are kept too).
    assert!(names_under(&cache).iter().any(|n| n.ends_with(".junit")));
    edit(
        &root.join("results/pytest-junit.xml"),
        r#"name="test_audit_chain_detects_altered_entry" time="0.002">"#,
        r#"name="test_audit_chain_detects_altered_entry" time="0.002"><failure message="chain broken"/>"#,
    );
    let failed = check_says(&root);
    assert_ne!(failed, edited, "the failure is seen");
    assert!(failed.1.contains("REQ-LOG-2"), "{}", failed.1);
    let edited = failed;
    // Damaged entries are misses.
    for e in fs::read_dir(&cache).unwrap().flatten() {
        fs::write(e.path(), b"not an entry").unwrap();
    }
    assert_eq!(check_says(&root), edited, "damaged entries");
    fs::remove_dir_all(&cache).unwrap();
    assert_eq!(check_says(&root), edited, "without a cache");
}

#[test]
fn a_cache_folder_inside_the_evidence_root_is_refused() {
    for folder in ["cache", "./x/../cache", "requirements"] {
        let root = sample_copy();
        let config = root.path().join("relpack.toml");
        let text = fs::read_to_string(&config).unwrap();
        fs::write(&config, format!("{text}\n[cache]\nfolder = \"{folder}\"\n")).unwrap();
        let lines = text.lines().count();
        let o = super::support::relpack()
            .arg("check")
            .arg(root.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{folder}: {stderr}");
        assert!(stderr.contains("inside the evidence root"), "{stderr}");
        assert!(
            stderr.contains(&format!("relpack.toml:{}:", lines + 3)),
            "{folder}: at its line: {stderr}"
        );
        assert!(!root.path().join("cache").exists(), "{folder}");
        assert!(!root.path().join("requirements/parse").exists(), "{folder}");
    }
}

/// A build keeps its parse cache in OUT; `--clean` reads none of it: an
/// entry swapped for another file's is not believed.
#[test]
#[cfg(unix)]
fn build_keeps_a_parse_cache_in_out_that_clean_does_not_read() {
    let root = sample_copy();
    let out = TempDir::new().unwrap();
    let first = build_into(root.path(), out.path(), &["--no-pdf"]);
    let cache = out.path().join(".relpack-cache/parse");
    let entries: Vec<PathBuf> = fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    assert!(entries.len() > 5, "{entries:?}");
    let expected = files_of(&first);
    // Every entry now holds the first one's items.
    let one = fs::read(&entries[0]).unwrap();
    for e in &entries[1..] {
        fs::write(e, &one).unwrap();
    }
    let clean = build_into(root.path(), out.path(), &["--no-pdf", "--clean"]);
    assert!(files_of(&clean) == expected, "--clean parsed every file");
    // ... and wrote the cache afresh: the next build reads true entries.
    let again = build_into(root.path(), out.path(), &["--no-pdf"]);
    assert!(files_of(&again) == expected);
}

/// A packet lists every file it holds (`verify` refuses anything else):
/// a cache folder inside one is refused and nothing is written there.
#[test]
fn a_cache_folder_inside_a_packet_is_refused() {
    let (parent, root, _) = sample_with_cache_folder();
    let out = parent.path().join("dist");
    let folder = build_into(&root, &out, &["--no-pdf"]);
    let before = files_of(&folder);
    let name = folder.file_name().unwrap().to_str().unwrap().to_string();
    let config = root.join("relpack.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        text.replace("../cache", &format!("../dist/{name}/items")),
    )
    .unwrap();
    let o = super::support::relpack()
        .arg("check")
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("inside the release packet"), "{stderr}");
    assert!(files_of(&folder) == before, "the packet is untouched");
}

/// Off CI, a build that replaces no folder links a spare of its packet
/// for the next build to start from: the same files (hard links), but not
/// SHA256SUMS, which every build writes afresh. The next build's staging
/// folder is that spare, its packet is a clean build's, and the packet it
/// replaces is left whole: nothing is written through a link. In CI (`CI`
/// set) no spare is kept: a one-shot build has no next one.
#[test]
#[cfg(unix)]
fn a_build_from_nothing_keeps_a_spare_that_the_next_build_starts_from() {
    let root = sample_copy();
    let r = root.path();
    let no_pdf = ["--no-pdf"];

    let ci_out = TempDir::new().unwrap();
    let folder = build_into(r, ci_out.path(), &no_pdf);
    let name = folder.file_name().unwrap().to_string_lossy().to_string();
    let spare_in = |out: &Path| out.join(".relpack-cache").join(format!("{name}.spare"));
    assert!(
        !spare_in(ci_out.path()).exists(),
        "a build in CI kept a spare"
    );

    let out = TempDir::new().unwrap();
    let o = out.path();
    let build_off_ci = || {
        let done = super::support::relpack()
            .env_remove("CI")
            .env("SOURCE_DATE_EPOCH", "1763600000")
            .args(["build", "--no-pdf", "--out"])
            .arg(o)
            .arg(r)
            .output()
            .unwrap();
        assert!(
            done.status.code().is_some_and(|c| c <= 1),
            "build: {}",
            String::from_utf8_lossy(&done.stderr)
        );
    };
    build_off_ci();
    let (folder, spare) = (o.join(&name), spare_in(o));
    assert!(spare.is_dir(), "no spare after a build from nothing");
    let before = files_of(&folder);
    let spared = files_of(&spare);
    let mut expected: Vec<&String> = before.keys().filter(|k| *k != "SHA256SUMS").collect();
    expected.sort();
    assert_eq!(spared.keys().collect::<Vec<_>>(), expected);
    for rel in spared.keys() {
        assert_eq!(
            inode(&spare.join(rel)),
            inode(&folder.join(rel)),
            "{rel} in the spare is no link to the packet's"
        );
    }
    let spare_dir_ino = inode(&spare);

    edit(
        &r.join("requirements/dosing.toml"),
        "without\nintermediate rounding.",
        "without any\nintermediate rounding.",
    );
    build_off_ci();
    assert_eq!(
        inode(&folder),
        spare_dir_ino,
        "the rebuild did not start from the spare"
    );
    // The replaced packet is now the spare: whole, as it was.
    let replaced = files_of(&spare);
    assert_eq!(
        replaced.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &before {
        assert!(
            &replaced[rel] == bytes,
            "{rel} of the replaced packet was written through a link"
        );
    }
    assert_same_as_clean(r, o, &no_pdf, "a rebuild from the spare");
}
