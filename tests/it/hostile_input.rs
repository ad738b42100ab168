//! Hostile and careless input (issue 15, the input half; docs/security.md,
//! "Input"): nothing outside the root is read, reads are bounded, nothing
//! that looks like evidence is dropped silently, attachments count in
//! digests, messages say where and why, and a key must be valid on the
//! release date as well as at `signed_at`.

use std::os::unix::fs::symlink;
use std::time::Duration;

use predicates::prelude::*;
use sha2::{Digest, Sha256};

use super::*;

/// `relpack check DIR` (text): exit code and everything it printed.
fn check_text(dir: &Path) -> (i32, String) {
    let o = relpack()
        .arg("check")
        .arg(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

fn assert_says(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "expected {n:?} in:\n{text}");
    }
}

/// The findings of a gate in `check --format json`, joined.
fn findings(v: &serde_json::Value, id: &str) -> String {
    gate(v, id)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

const EVIDENCE: &str = "[[need]]\nid = \"N-1\"\ntitle = \"Safe dosing\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"Limit\"\ntext = \"The pump shall limit a bolus.\"\nderives_from = [\"N-1\"]\n\n[[test]]\nid = \"T-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverifies = [\"REQ-1\"]\n\n[[result]]\nid = \"R-1\"\ntest = \"T-1\"\noutcome = \"pass\"\nexecuted_by = \"A. Tester\"\nexecuted_at = 2026-11-19T10:00:00+01:00\nversion = \"1.0.0\"\n";

/// relpack.toml asking for one signed quality approval.
fn signed_config() -> String {
    "[product]\nname = \"Test Pump\"\nid = \"TP\"\nsafety_class = \"B\"\n\n[release]\nversion = \"1.0.0\"\ndate = 2026-11-20\n\n[gates]\napprovals = [\"quality\"]\nmin_approvals = { A = 1, B = 1, C = 1 }\nrequire_signatures = true\nallowed_signers = \"keys/allowed_signers\"\n".to_string()
}

/// An ed25519 key made by ssh-keygen in `dir`: (private key, public line).
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    require_tool("ssh-keygen");
    let path = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-t", "ed25519", "-C", name, "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_string())
}

/// `relpack approve` a release-scoped quality approval signed with `key`.
fn approve(root: &Path, key: &Path, principal: &str, at: &str) {
    relpack()
        .arg("approve")
        .arg("--root")
        .arg(root)
        .args([
            "--id",
            "APR-1",
            "--role",
            "quality",
            "--meaning",
            "approved",
        ])
        .args([
            "--signer",
            "Q. Person",
            "--principal",
            principal,
            "--at",
            at,
        ])
        .arg("--key")
        .arg(key)
        .assert()
        .success();
}

// --- 2, 3: nothing outside the root is read; reads are bounded ------------

#[test]
fn allowed_signers_linked_out_of_the_root_is_not_read_and_an_attackers_key_does_not_release() {
    let outside = TempDir::new().unwrap();
    let (key, public) = keygen(outside.path(), "mallory");
    outside
        .child("allowed_signers")
        .write_str(&format!("mallory@evil.example {public}\n"))
        .unwrap();
    let t = tree(&[
        ("relpack.toml", &signed_config()),
        ("evidence.toml", EVIDENCE),
    ]);
    std::fs::create_dir(t.path().join("keys")).unwrap();
    // First as a plain file in the root: the approval holds (the control).
    std::fs::copy(
        outside.path().join("allowed_signers"),
        t.path().join("keys/allowed_signers"),
    )
    .unwrap();
    approve(
        t.path(),
        &key,
        "mallory@evil.example",
        "2026-11-19T10:00:00+01:00",
    );
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    // Then as a link out of the root: not read, so nothing verifies.
    std::fs::remove_file(t.path().join("keys/allowed_signers")).unwrap();
    symlink(
        outside.path().join("allowed_signers"),
        t.path().join("keys/allowed_signers"),
    )
    .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "approval")["status"], "failed");
    let f = findings(&v, "approval");
    assert!(f.contains("symbolic link leaves the evidence root"), "{f}");
}

#[test]
fn relpack_toml_linked_out_of_the_root_is_refused() {
    let outside = tree(&[("relpack.toml", CONFIG)]);
    let t = tree(&[("evidence.toml", EVIDENCE)]);
    symlink(
        outside.path().join("relpack.toml"),
        t.path().join("relpack.toml"),
    )
    .unwrap();
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(
        &text,
        &["relpack.toml", "symbolic link leaves the evidence root"],
    );
}

#[test]
fn fonts_linked_out_of_the_root_to_a_device_or_a_fifo_are_refused_quickly() {
    let outside = TempDir::new().unwrap();
    std::fs::copy(
        repo_path("assets/fonts/NotoSans-Regular.ttf"),
        outside.path().join("font.ttf"),
    )
    .unwrap();
    let config = format!("{CONFIG}\n[packet]\nfonts = [\"fonts/extra.ttf\"]\n");
    for (target, needle) in [
        (
            outside.path().join("font.ttf"),
            "symbolic link leaves the evidence root",
        ),
        (
            PathBuf::from("/dev/zero"),
            "symbolic link leaves the evidence root",
        ),
    ] {
        let t = tree(&[("relpack.toml", &config), ("evidence.toml", EVIDENCE)]);
        std::fs::create_dir(t.path().join("fonts")).unwrap();
        symlink(&target, t.path().join("fonts/extra.ttf")).unwrap();
        let started = std::time::Instant::now();
        let (code, text) = check_text(t.path());
        assert_eq!(code, 2, "{text}");
        assert_says(&text, &["fonts/extra.ttf", needle]);
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    // A FIFO inside the root: refused without waiting for a writer.
    let t = tree(&[("relpack.toml", &config), ("evidence.toml", EVIDENCE)]);
    std::fs::create_dir(t.path().join("fonts")).unwrap();
    mkfifo(&t.path().join("fonts/extra.ttf"));
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(
        &text,
        &["fonts/extra.ttf", "a FIFO (named pipe), not a regular file"],
    );
    // A FIFO where evidence could be: said, and skipped, never waited on.
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", EVIDENCE)]);
    mkfifo(&t.path().join("more.toml"));
    let (code, text) = check_text(t.path());
    assert_eq!(code, 0, "{text}");
    assert_says(&text, &["more.toml", "not a regular file; not read"]);
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn files_over_their_size_limit_are_refused_with_the_limit() {
    // relpack.toml: 1 MiB.
    let big = format!("{CONFIG}\n# {}\n", "x".repeat(1 << 20));
    let t = tree(&[("relpack.toml", &big), ("evidence.toml", EVIDENCE)]);
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(&text, &["relpack.toml", "may be at most 1 MiB"]);
    // allowed_signers: 1 MiB, a finding of the approval gate.
    let t = tree(&[
        ("relpack.toml", &signed_config()),
        ("evidence.toml", EVIDENCE),
        (
            "keys/allowed_signers",
            &format!("# {}\n", "x".repeat(1 << 20)),
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1);
    assert!(findings(&v, "approval").contains("may be at most 1 MiB"));
}

#[test]
fn an_attachment_linked_out_of_the_root_is_not_read() {
    let outside = tree(&[("log.txt", "secret")]);
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "evidence.toml",
            &EVIDENCE.replace(
                "version = \"1.0.0\"\n",
                "version = \"1.0.0\"\nattachments = [\"log.txt\"]\n",
            ),
        ),
    ]);
    symlink(outside.path().join("log.txt"), t.path().join("log.txt")).unwrap();
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(
        &text,
        &["log.txt", "symbolic link leaves the evidence root"],
    );
}

// --- 4: no silent drop -----------------------------------------------------

const OPEN_CRITICAL: &str = "+++\nkind = \"anomaly\"\nid = \"ANO-1\"\ntitle = \"Dose doubled\"\nseverity = \"critical\"\nstatus = \"open\"\nrationale = \"none \u{FF} yet\"\naffects = [\"REQ-1\"]\n+++\nBody.\n";

#[test]
fn a_markdown_item_that_is_not_utf8_is_an_error_with_its_place() {
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", EVIDENCE)]);
    let mut bytes = OPEN_CRITICAL.as_bytes().to_vec();
    // The \xFF above is U+00FF in the &str; make it one raw byte.
    let pos = bytes.windows(2).position(|w| w == [0xC3, 0xBF]).unwrap();
    bytes.splice(pos..pos + 2, [0xFF]);
    std::fs::write(t.path().join("anomaly.md"), bytes).unwrap();
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(&text, &["anomaly.md:7:19", "not valid UTF-8"]);
}

#[test]
fn near_miss_front_matter_is_never_silently_not_evidence() {
    let anomaly = OPEN_CRITICAL.replace('\u{FF}', "");
    for (text, needle, line) in [
        (
            anomaly.replacen("+++\n", "+++ \n", 1),
            "white space around it",
            "anomaly.md:1:1",
        ),
        (
            format!("\n{anomaly}"),
            "blank lines come before",
            "anomaly.md:2:1",
        ),
        (
            anomaly.replace("+++\n", "---\n"),
            "not fenced by `+++` lines",
            "anomaly.md:2:1",
        ),
        (
            "---\nid: ANOM-9\nkind: anomaly\ntitle: YAML, for another tool\n---\nText.\n".into(),
            "its front matter is YAML, relpack reads TOML",
            "anomaly.md:3:1",
        ),
    ] {
        let t = tree(&[
            ("relpack.toml", CONFIG),
            ("evidence.toml", EVIDENCE),
            ("anomaly.md", &text),
        ]);
        let (code, out) = check_text(t.path());
        assert_eq!(code, 2, "{out}");
        assert_says(&out, &[needle, line]);
    }
    // `kind = ` in a file with no fence at all: a warning, at its line.
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", EVIDENCE),
        ("notes.md", "# Notes\n\nkind = \"anomaly\"\n"),
        ("README.md", "# Evidence\n\nNothing to see.\n"),
        // A docs site's page: YAML front matter, no item kind.
        (
            "docs/intro.md",
            "---\nid: intro\nkind: guide\ntitle: Intro\n---\n# Intro\n",
        ),
    ]);
    let (code, out) = check_text(t.path());
    assert_eq!(code, 0, "{out}");
    assert_says(&out, &["warning", "no front matter", "notes.md:3:1"]);
    assert!(!out.contains("README.md"), "{out}");
    assert!(!out.contains("intro.md"), "{out}");
}

/// A problem on a line of a minified or generated file (here 100,000
/// characters) quotes a clipped stretch of it around the span, at the true
/// line and column, not the whole line.
#[test]
fn a_diagnostic_on_a_huge_line_quotes_a_clipped_stretch_at_its_true_column() {
    let long = format!(
        "[[requirement]]\nid = \"REQ-L\"\ntitle = \"t\"\ntext = \"{}é\" oops\n",
        "x".repeat(100_000)
    );
    let t = tree(&[("relpack.toml", CONFIG), ("long.toml", &long)]);
    let (code, out) = check_text(t.path());
    assert_eq!(code, 2, "{out}");
    // `text = "` is 8 characters, then 100,000 x and é, `"` and a space.
    assert_says(&out, &["long.toml:4:100012", "…", "x\u{e9}\" oops"]);
    assert!(out.len() < 2_000, "{} bytes:\n{out}", out.len());
    // A short line is still quoted whole.
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("short.toml", "[[requirement]]\nid = \"REQ-S\" oops\n"),
    ]);
    let (code, out) = check_text(t.path());
    assert_eq!(code, 2, "{out}");
    assert_says(&out, &["short.toml:2:14", "2 │ id = \"REQ-S\" oops"]);
    assert!(!out.contains('…'), "{out}");
}

/// A JUnit report with one failing case bound to T-1.
const FAILING_JUNIT: &str = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<testsuite name=\"s\">\n  <testcase classname=\"pump\" name=\"limit é\"><failure message=\"too much\"/></testcase>\n</testsuite>\n";

#[test]
fn utf16_and_utf32_junit_reports_are_read() {
    let evidence = EVIDENCE.replace("method = \"manual\"\n", "junit = [\"pump::*\"]\n");
    let evidence = evidence[..evidence.find("[[result]]").unwrap()].to_string();
    let utf16 = |big: bool| -> Vec<u8> {
        FAILING_JUNIT
            .encode_utf16()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let utf32 = |big: bool| -> Vec<u8> {
        FAILING_JUNIT
            .replace("UTF-16", "UTF-32")
            .chars()
            .flat_map(|c| {
                let c = c as u32;
                if big {
                    c.to_be_bytes()
                } else {
                    c.to_le_bytes()
                }
            })
            .collect()
    };
    let with =
        |mark: &[u8], body: Vec<u8>| -> Vec<u8> { mark.iter().copied().chain(body).collect() };
    for (what, bytes) in [
        ("UTF-16LE with BOM", with(&[0xFF, 0xFE], utf16(false))),
        ("UTF-16BE with BOM", with(&[0xFE, 0xFF], utf16(true))),
        ("UTF-16LE, declared", utf16(false)),
        ("UTF-16BE, declared", utf16(true)),
        ("UTF-32LE with BOM", with(&[0xFF, 0xFE, 0, 0], utf32(false))),
        ("UTF-32BE, declared", utf32(true)),
    ] {
        let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", &evidence)]);
        std::fs::write(t.path().join("report.xml"), &bytes).unwrap();
        let (code, v) = check_json(t.path());
        assert_eq!(code, 1, "{what}: {v:#}");
        assert_eq!(gate(&v, "test-passed")["status"], "failed", "{what}");
        // The digest is of the bytes on disk.
    }
}

const BOM_HEAD: &str = "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n";

/// `relpack check` of the usual evidence with `bom` as bom.cdx.json.
fn check_bom(bom: &str) -> (i32, String) {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", EVIDENCE),
        ("bom.cdx.json", bom),
    ]);
    check_text(t.path())
}

#[test]
fn malformed_boms_are_errors_with_their_place() {
    // A component without a name, at its line.
    let bom = format!(
        "{BOM_HEAD}  \"components\": [\n    {{\"type\": \"library\", \"name\": \"zlib\", \"version\": \"1.3\"}},\n    {{\"type\": \"library\", \"version\": \"2.0\"}}\n  ]\n}}\n"
    );
    let (code, text) = check_bom(&bom);
    assert_eq!(code, 2, "{text}");
    assert_says(&text, &["has no `name`", "bom.cdx.json:6:5"]);
    // In XML too.
    let xml = "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n  <components>\n    <component type=\"library\"><version>1</version></component>\n  </components>\n</bom>\n";
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", EVIDENCE),
        ("bom.cdx.xml", xml),
    ]);
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(&text, &["has no `name`", "bom.cdx.xml:4:5"]);
    // "components" of the wrong type.
    for components in ["{\"name\": \"zlib\"}", "\"zlib\"", "[\"zlib\"]"] {
        let bom = format!("{BOM_HEAD}  \"components\": {components}\n}}\n");
        let (code, text) = check_bom(&bom);
        assert_eq!(code, 2, "{components}: {text}");
        assert_says(&text, &["bom.cdx.json", "not"]);
    }
}

#[test]
fn the_same_component_in_two_boms_with_different_licences_is_an_error_naming_both() {
    let bom = |licence: &str| {
        format!(
            "{BOM_HEAD}  \"components\": [\n    {{\"type\": \"library\", \"name\": \"zlib\", \"version\": \"1.3\", \"supplier\": {{\"name\": \"Jean-loup\"}}, \"licenses\": [{{\"license\": {{\"id\": \"{licence}\"}}}}]}}\n  ]\n}}\n"
        )
    };
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", EVIDENCE),
        ("a/bom.cdx.json", &bom("Apache-2.0")),
        ("b/bom.cdx.json", &bom("GPL-3.0-only")),
    ]);
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(
        &text,
        &[
            "SOUP-zlib@1.3: the BOMs disagree on `licenses`",
            "Apache-2.0",
            "a/bom.cdx.json:5",
            "GPL-3.0-only",
            "b/bom.cdx.json:5",
        ],
    );
    // A TOML soup item that sets the licences settles it.
    t.child("soup.toml")
        .write_str("[[soup]]\nid = \"SOUP-zlib@1.3\"\nname = \"zlib\"\nversion = \"1.3\"\nsupplier = \"Jean-loup\"\nlicenses = [\"Apache-2.0\"]\n")
        .unwrap();
    let (code, text) = check_text(t.path());
    assert_eq!(code, 0, "{text}");
    // The same values in both: one item, no error.
    t.child("b/bom.cdx.json")
        .write_str(&bom("Apache-2.0"))
        .unwrap();
    std::fs::remove_file(t.path().join("soup.toml")).unwrap();
    assert_eq!(check_text(t.path()).0, 0);
}

#[test]
fn source_date_epoch_is_validated() {
    let t = tree(&[
        ("relpack.toml", &CONFIG.replace("date = 2026-11-20\n", "")),
        ("evidence.toml", EVIDENCE),
    ]);
    for (value, needle) in [
        ("abc", "is not a whole number of seconds"),
        ("1.5", "is not a whole number of seconds"),
        ("-1", "out of range"),
        ("99999999999999", "out of range"),
    ] {
        relpack()
            .arg("check")
            .arg(t.path())
            .env("SOURCE_DATE_EPOCH", value)
            .assert()
            .code(2)
            .stderr(
                predicates::str::contains("SOURCE_DATE_EPOCH")
                    .and(predicates::str::contains(needle)),
            );
    }
    // The last second typst and a PDF can date.
    let (_out, folder, code, stderr) = {
        let out = TempDir::new().unwrap();
        let o = relpack()
            .arg("build")
            .arg(t.path())
            .arg("--out")
            .arg(out.path())
            .arg("--no-pdf")
            .env("SOURCE_DATE_EPOCH", "253402300799")
            .output()
            .unwrap();
        let folder = out.path().join("TP-1.0.0");
        (
            out,
            folder,
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    assert_eq!(code, Some(0), "{stderr}");
    let packet = std::fs::read_to_string(folder.join("packet.json")).unwrap();
    assert!(packet.contains("\"date\": \"9999-12-31\""), "{packet}");
}

// --- 10: attachments count in their item's digest ---------------------------

#[test]
fn an_attachment_is_in_its_items_digest_and_an_approval_of_it_goes_stale() {
    let evidence = EVIDENCE.replace(
        "version = \"1.0.0\"\n",
        "version = \"1.0.0\"\nattachments = [\"logs/../logs/run.txt\"]\n",
    );
    let config = CONFIG
        .replace("approvals = []", "approvals = [\"quality\"]")
        .replace("A = 0, B = 0, C = 0", "A = 1, B = 1, C = 1");
    let t = tree(&[
        ("relpack.toml", &config),
        ("evidence.toml", &evidence),
        ("logs/run.txt", "step 1 ok\n"),
    ]);
    let digest = |args: &[&str]| -> String {
        let o = relpack()
            .arg("digest")
            .arg("--root")
            .arg(t.path())
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    // The canonical form has the attachment, as written, with its bytes' hash.
    let canonical = digest(&["--canonical", "R-1"]);
    let sha = format!("{:x}", Sha256::digest(b"step 1 ok\n"));
    assert!(
        canonical.starts_with(&format!(
            "{{\"attachment_digests\":{{\"logs/../logs/run.txt\":\"sha256:{sha}\"}},\"attachments\":[\"logs/../logs/run.txt\"],"
        )),
        "{canonical}"
    );
    let before = digest(&["R-1"]);
    let release_before = digest(&["--release"]);
    // An approval of the release, the result record included.
    relpack()
        .arg("approve")
        .arg("--root")
        .arg(t.path())
        .args([
            "--id",
            "APR-1",
            "--role",
            "quality",
            "--meaning",
            "approved",
        ])
        .args(["--signer", "Q. Person", "--at", "2026-11-19T12:00:00+01:00"])
        .assert()
        .success();
    assert_eq!(check_json(t.path()).0, 0);
    // The log is edited after approval: the item digest, the release digest
    // and so the approval change.
    t.child("logs/run.txt")
        .write_str("step 1 FAILED\n")
        .unwrap();
    assert_ne!(digest(&["R-1"]), before);
    assert_ne!(digest(&["--release"]), release_before);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert!(
        findings(&v, "approval").contains("approval APR-1 is stale"),
        "{v:#}"
    );
}

// --- 11: messages name the file, the line and the cause ---------------------

#[test]
fn a_write_error_names_the_file_and_the_cause() {
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", EVIDENCE)]);
    let out = TempDir::new().unwrap();
    // Files over 4 KiB fail with EFBIG, as a full disk fails with ENOSPC.
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" build \"$1\" --out \"$2\" --no-pdf")
        .arg(assert_cmd::cargo::cargo_bin("relpack"))
        .arg(t.path())
        .arg(out.path())
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert_says(
        &stderr,
        &[
            "cannot write",
            out.path().to_str().unwrap(),
            "File too large",
        ],
    );
    assert!(!stderr.contains("the file writers stopped"), "{stderr}");
}

#[test]
fn out_being_a_file_says_so() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", EVIDENCE),
        ("dist", "a file"),
    ]);
    relpack()
        .arg("build")
        .arg(t.path())
        .arg("--out")
        .arg(t.path().join("dist"))
        .assert()
        .code(3)
        .stderr(predicates::str::contains("is a file, not a folder"));
}

#[test]
fn a_flipped_byte_in_a_signature_is_blamed_on_the_signature() {
    let keys = TempDir::new().unwrap();
    let (key, public) = keygen(keys.path(), "dana");
    let t = tree(&[
        ("relpack.toml", &signed_config()),
        ("evidence.toml", EVIDENCE),
        (
            "keys/allowed_signers",
            &format!("dana@acme.example {public}\n"),
        ),
    ]);
    approve(
        t.path(),
        &key,
        "dana@acme.example",
        "2026-11-19T10:00:00+01:00",
    );
    assert_eq!(check_json(t.path()).0, 0);
    let path = t.path().join("approvals/APR-1.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    // The signature's own bytes end the blob: flip a character in the
    // second-to-last base64 line.
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let end = lines
        .iter()
        .position(|l| l.starts_with("-----END SSH SIGNATURE"))
        .unwrap();
    let line = &mut lines[end - 2];
    let c = if line.as_bytes()[10] == b'A' {
        "B"
    } else {
        "A"
    };
    line.replace_range(10..11, c);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1);
    let f = findings(&v, "approval");
    assert!(
        f.contains("APR-1: signature not accepted: the signature does not verify")
            || f.contains("APR-1: signature not accepted: the signature is malformed"),
        "{f}"
    );
}

#[test]
fn a_bom_name_with_a_bracket_and_a_nan_are_reported_at_their_line() {
    let bom = format!(
        "{BOM_HEAD}  \"components\": [\n    {{\"type\": \"library\", \"name\": \"zlib\", \"version\": \"1.3\"}},\n    {{\"type\": \"library\", \"name\": \"<script>\", \"version\": \"1\\n2\"}}\n  ]\n}}\n"
    );
    let (code, text) = check_bom(&bom);
    assert_eq!(code, 2, "{text}");
    assert_says(&text, &["bom.cdx.json:6:5", "is not a valid id"]);
    assert!(!text.contains("anyOf"), "{text}");

    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "evidence.toml",
            &EVIDENCE.replace("title = \"t\"", "title = \"t\"\nweight = nan"),
        ),
    ]);
    let (code, text) = check_text(t.path());
    assert_eq!(code, 2, "{text}");
    assert_says(&text, &["evidence.toml:14:10", "nan"]);
}

// --- 12: a key must be valid on the release date too ------------------------

#[test]
fn a_backdated_approval_cannot_outlive_its_key() {
    let keys = TempDir::new().unwrap();
    let (key, public) = keygen(keys.path(), "dana");
    let t = tree(&[
        ("relpack.toml", &signed_config()),
        ("evidence.toml", EVIDENCE),
        (
            "keys/allowed_signers",
            &format!("dana@acme.example valid-before=\"20261101\" {public}\n"),
        ),
    ]);
    // Signed "on 30 October", while the key was valid; released 20 November.
    approve(
        t.path(),
        &key,
        "dana@acme.example",
        "2026-10-30T10:00:00+01:00",
    );
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let f = findings(&v, "approval");
    assert!(
        f.contains(
            "the key has expired before the release date 2026-11-20 (valid-before=\"20261101\")"
        ),
        "{f}"
    );
    // The same key and record for a release in the key's time are fine.
    t.child("relpack.toml")
        .write_str(&signed_config().replace("2026-11-20", "2026-10-31"))
        .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
}

// --- 3: the PDF summarises huge case lists, the site and JSON keep them ------

#[test]
fn the_pdf_summarises_huge_case_lists_and_packet_json_keeps_every_case() {
    require_tool("pdftotext");
    let mut xml = String::from("<testsuites>\n<testsuite name=\"s\">\n");
    for i in 0..120 {
        xml.push_str(&format!(
            "<testcase classname=\"pump\" name=\"bound_{i}\"/>\n"
        ));
    }
    for i in 0..1050 {
        xml.push_str(&format!(
            "<testcase classname=\"other\" name=\"unbound_{i}\"/>\n"
        ));
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    let evidence = EVIDENCE.replace("method = \"manual\"\n", "junit = [\"pump::*\"]\n");
    let evidence = evidence[..evidence.find("[[result]]").unwrap()].to_string();
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("evidence.toml", &evidence),
        ("junit.xml", &xml),
    ]);
    let (_out, folder, code, stderr) = build_packet(t.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let pdf = super::build::pdf_pages(&folder.join("packet.pdf")).join("\n");
    let pdf = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_says(
        &pdf,
        &[
            "… and 50 more cases bound to no test, not listed here",
            "… and 20 more runs, not listed here",
        ],
    );
    assert!(pdf.contains("other::unbound_999") && !pdf.contains("other::unbound_1000 "));
    let packet = super::packet_json(&folder);
    assert_eq!(
        packet["verification"]["unbound"].as_array().unwrap().len(),
        1050
    );
    let site = std::fs::read_to_string(folder.join("verification.html")).unwrap();
    assert!(site.contains("other::unbound_1049"));
}

#[test]
fn approve_never_writes_through_a_link() {
    let outside = tree(&[("victim.toml", "# not evidence\n")]);
    let t = tree(&[("relpack.toml", CONFIG), ("evidence.toml", EVIDENCE)]);
    std::fs::create_dir(t.path().join("approvals")).unwrap();
    symlink(
        outside.path().join("victim.toml"),
        t.path().join("approvals/APR-1.toml"),
    )
    .unwrap();
    relpack()
        .arg("approve")
        .arg("--root")
        .arg(t.path())
        .args([
            "--id",
            "APR-1",
            "--role",
            "quality",
            "--meaning",
            "approved",
        ])
        .args(["--signer", "Q. Person", "--at", "2026-11-19T12:00:00+01:00"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a symbolic link"));
    assert_eq!(
        std::fs::read_to_string(outside.path().join("victim.toml")).unwrap(),
        "# not evidence\n"
    );
}
