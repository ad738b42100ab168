//! Every helper of the integration tests: evidence trees, running the
//! binary, reading what it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_fs::prelude::*;
use assert_fs::TempDir;

/// A minimal relpack.toml that passes every gate it can on its own.
pub const CONFIG: &str = r#"
[product]
name = "Test Pump"
id = "TP"
safety_class = "B"

[release]
version = "1.0.0"
date = 2026-11-20

[gates]
approvals = []
min_approvals = { A = 0, B = 0, C = 0 }
"#;

/// Build a temporary evidence tree from (path, contents) pairs.
pub fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    for (path, text) in files {
        dir.child(path).write_str(text).expect("write file");
    }
    dir
}

/// The relpack binary, with a fixed environment.
/// `RELPACK_TEST_BIN` names another binary to run (a long generated-evidence
/// run can then go on while the tree is rebuilt).
pub fn relpack() -> Command {
    let mut c = match std::env::var_os("RELPACK_TEST_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::cargo_bin("relpack").expect("relpack binary"),
    };
    c.env_remove("NO_COLOR")
        .env_remove("SOURCE_DATE_EPOCH")
        .env("CI", "1");
    c
}

/// Build `root` with the real binary into a fresh OUT (extra arguments
/// after it); the build must succeed (exit 0 or 1). Returns OUT, the release
/// folder, the exit code and stderr.
pub fn build_packet(root: &Path, extra: &[&str]) -> (TempDir, PathBuf, i32, String) {
    let out = TempDir::new().unwrap();
    let (folder, code, stderr) = build_into(root, out.path(), extra);
    (out, folder, code, stderr)
}

/// Build `root` with the real binary into `out` (which may hold earlier
/// builds); the build must succeed (exit 0 or 1). Returns the release
/// folder, the exit code and stderr.
pub fn build_into(root: &Path, out: &Path, extra: &[&str]) -> (PathBuf, i32, String) {
    let o = relpack()
        .arg("build")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1763600000")
        .output()
        .unwrap();
    let code = o.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(code == 0 || code == 1, "build failed ({code}):\n{stderr}");
    let folder = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| is_release_folder(p))
        .expect("a release folder");
    (folder, code, stderr)
}

/// Run `relpack check --format json` and parse what it prints.
pub fn check_json(dir: &Path) -> (i32, serde_json::Value) {
    let out = relpack()
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run relpack");
    let code = out.status.code().unwrap_or(-1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

/// The status of one gate in `check --format json` output.
/// `relpack check DIR` refuses the tree (exit 2), saying `needle`.
pub fn check_refuses(dir: &Path, needle: &str) {
    relpack()
        .arg("check")
        .arg(dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(needle));
}

pub fn gate<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["gates"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["id"] == id))
        .unwrap_or_else(|| panic!("no gate {id} in {v}"))
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Fail with a clear message when a tool the test drives is missing: the
/// test command (scripts/test.sh) installs it; a test never skips silently.
pub fn require_tool(name: &str) {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not installed: run the tests with `bash scripts/test.sh`, which installs it"
    );
}

/// Run git in `dir` as a fixed person, with no user or system config;
/// panics with git's message when it fails. Returns what it printed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dana Reyes")
        .env("GIT_AUTHOR_EMAIL", "dana@example.com")
        .env("GIT_COMMITTER_NAME", "Dana Reyes")
        .env("GIT_COMMITTER_EMAIL", "dana@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A release folder in OUT: a folder not hidden (OUT also holds relpack's
/// cache, `.relpack-cache`).
pub fn is_release_folder(p: &Path) -> bool {
    p.is_dir()
        && !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Every file under `dir` by its relative path, with its bytes.
pub fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A release folder's packet.json.
pub fn packet_json(folder: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(folder.join("packet.json")).unwrap()).unwrap()
}

/// The text of a PDF, as pdftotext gives it.
pub fn pdf_text(pdf: &Path) -> String {
    require_tool("pdftotext");
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Run `cmd` and watch its peak of anonymous resident memory (RssAnon,
/// polled from /proc every 5 ms while it runs): returns its exit code and
/// the peak in bytes. Anonymous memory is what the process allocated; the
/// pages of its own binary (file-backed, and about 30 MB of a debug build)
/// do not count, so the figure does not move with the binary's size.
pub fn peak_memory(mut cmd: std::process::Command) -> (i32, u64) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        // Read before reaping: once the child is waited for, its memory is gone.
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("RssAnon:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(peak_kb > 0, "no RssAnon read from {status_file}");
            return (status.code().unwrap_or(-1), peak_kb * 1024);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// The relpack binary as a plain `std::process::Command` (for
/// [`peak_memory`]), with the same fixed environment as [`relpack`].
pub fn relpack_process() -> std::process::Command {
    let bin = std::env::var_os("RELPACK_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_relpack")));
    let mut c = std::process::Command::new(bin);
    c.env_remove("NO_COLOR")
        .env_remove("SOURCE_DATE_EPOCH")
        .env("CI", "1");
    c
}

/// A key pair made by ssh-keygen: (private key path, public key line).
pub fn keygen(dir: &Path, name: &str, kind: &[&str]) -> (PathBuf, String) {
    require_tool("ssh-keygen");
    let path = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .args(kind)
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen {kind:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_string())
}
