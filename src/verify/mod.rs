//! `relpack verify`: is a packet folder intact, and is it what the evidence
//! gives? Without the evidence: SHA256SUMS against the files (no symbolic
//! link, no file missing from it or absent), packet.json's item digests and
//! release digest against its items; anyone who can write the folder can
//! recompute all of these, and [`Verdict::unchecked`] says so. With the
//! evidence root: the packet is rebuilt in memory from the evidence (the
//! build is deterministic given the release date and version, both taken
//! from the packet) and every file is compared byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::digest::{canonical_fields, sha256_prefixed};
use crate::item::Kind;
use crate::render::{Output, OutputError};
use crate::stages::{Failure, Options};

mod signature;

/// What `relpack verify` found.
pub struct Verdict {
    /// What differs; empty means every check made passed.
    pub problems: Vec<String>,
    /// What was checked.
    pub checked: Vec<String>,
    /// What could not be checked, and why (empty with the evidence root).
    pub unchecked: Vec<String>,
}

/// Verify `folder`; with `root`, against the evidence. `opts` gives the
/// version when the packet was built with `--version`; `signers` is the
/// allowed_signers file for the packet's signature (else relpack.toml's,
/// with `root`).
pub fn verify(
    folder: &Path,
    root: Option<&Path>,
    signers: Option<&Path>,
    opts: &Options,
) -> Result<Verdict, String> {
    let mut verdict = verify_contents(folder, root, opts)?;
    signature::check(folder, root, signers, &mut verdict);
    Ok(verdict)
}

fn verify_contents(folder: &Path, root: Option<&Path>, opts: &Options) -> Result<Verdict, String> {
    let manifest = read_manifest(folder)?;
    let mut problems = manifest.problems.clone();
    let packet = read_regular(folder, "packet.json")
        .and_then(|bytes| crate::packet_file::document(&bytes).map_err(|e| e.to_string()));
    match &packet {
        Ok(p) => problems.extend(check_digests(p)),
        Err(e) => problems.push(format!("packet.json: {e}")),
    }
    let mut checked = vec![
        "SHA256SUMS lists every file, and every file has the SHA-256 it states".to_string(),
        "packet.json's item digests and release digest match its items".to_string(),
    ];
    let Some(root) = root else {
        return Ok(Verdict {
            problems,
            checked,
            unchecked: vec![
                "that the evidence gives this packet: anyone who can write the folder can edit \
                 packet.json or a page and recompute SHA256SUMS and the digests; \
                 `relpack verify FOLDER --root EVIDENCE` rebuilds the packet from the evidence \
                 and compares every file"
                    .to_string(),
            ],
        });
    };
    let Ok(packet) = packet else {
        return Ok(Verdict {
            problems,
            checked,
            unchecked: vec!["that the evidence gives this packet: without a readable \
                             packet.json it cannot be rebuilt"
                .to_string()],
        });
    };
    problems.extend(compare_with_evidence(
        folder, root, &packet, &manifest, opts,
    )?);
    checked.push(format!(
        "every file is the one the evidence in {} gives (rebuilt and compared byte for byte)",
        root.display()
    ));
    Ok(Verdict {
        problems,
        checked,
        unchecked: Vec::new(),
    })
}

/// SHA256SUMS read and checked against the folder.
struct Manifest {
    /// Path -> SHA-256 (hex) as SHA256SUMS states it.
    listed: BTreeMap<String, String>,
    /// Every regular file in the folder but SHA256SUMS.
    files: BTreeSet<String>,
    problems: Vec<String>,
}

/// A regular file of the packet; a symbolic link or a special file is
/// refused, never followed or read.
fn read_regular(folder: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let path = folder.join(rel);
    let meta = fs::symlink_metadata(&path).map_err(|e| format!("cannot read {rel}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{rel} is not a regular file"));
    }
    fs::read(&path).map_err(|e| format!("cannot read {rel}: {e}"))
}

fn read_manifest(folder: &Path) -> Result<Manifest, String> {
    if !folder.is_dir() {
        return Err(format!("{} is not a packet folder", folder.display()));
    }
    let sums =
        read_regular(folder, "SHA256SUMS").map_err(|e| format!("{}: {e}", folder.display()))?;
    let sums = String::from_utf8_lossy(&sums);
    let mut problems = Vec::new();
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for (n, line) in sums.lines().enumerate() {
        let Some((hash, path)) = line.split_once("  ") else {
            problems.push(format!("SHA256SUMS line {}: not `<sha256>  <path>`", n + 1));
            continue;
        };
        if crate::link::join_inside_root("", path).as_deref() != Some(path) {
            problems.push(format!(
                "SHA256SUMS names `{path}`, which is not inside the packet"
            ));
            continue;
        }
        listed.insert(path.to_string(), hash.to_string());
    }
    let mut files = BTreeSet::new();
    for entry in walkdir::WalkDir::new(folder)
        .follow_links(false)
        .min_depth(1)
    {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
        let rel = crate::discover::relative(folder, entry.path());
        let kind = entry.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(entry.path())
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            problems.push(format!(
                "{rel}: a symbolic link (to {target}); a packet holds only files"
            ));
        } else if kind.is_file() {
            // The manifest and its signature are not listed in it.
            if rel != "SHA256SUMS" && rel != crate::write::SIGNATURE_FILE {
                files.insert(rel);
            }
        } else if !kind.is_dir() {
            problems.push(format!("{rel}: not a regular file"));
        }
    }
    for rel in &files {
        if !listed.contains_key(rel) {
            problems.push(format!("{rel}: in the packet but not in SHA256SUMS"));
        }
    }
    for (rel, hash) in &listed {
        if !files.contains(rel) {
            problems.push(format!("{rel}: listed in SHA256SUMS but not in the packet"));
            continue;
        }
        match read_regular(folder, rel) {
            Ok(bytes) => {
                let actual = format!("{:x}", Sha256::digest(&bytes));
                if &actual != hash {
                    problems.push(format!(
                        "{rel}: SHA-256 is {actual}, SHA256SUMS says {hash}"
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    Ok(Manifest {
        listed,
        files,
        problems,
    })
}

/// Rebuild the packet from the evidence and compare every file.
fn compare_with_evidence(
    folder: &Path,
    root: &Path,
    packet: &Value,
    manifest: &Manifest,
    opts: &Options,
) -> Result<Vec<String>, String> {
    let date = packet
        .pointer("/release/date")
        .and_then(Value::as_str)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or("packet.json has no release date (release.date): cannot rebuild")?;
    let epoch = date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default();
    let version = opts.version.clone().or_else(|| {
        packet
            .pointer("/product/version")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let parent = folder.parent().unwrap_or(Path::new("."));
    let opts = Options {
        version,
        source_date_epoch: Some(epoch),
        fallback_version: None,
        output: crate::write::Destination::new(root, parent).ok(),
        deny_warnings: false,
        counters: None,
        clean: false,
    };
    let mut checked = crate::check(root, &opts).map_err(|f| failure_text(&f))?;
    let mut problems = Vec::new();
    let stated = packet
        .pointer("/release/digest")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if stated != checked.release_digest {
        problems.push(format!(
            "the evidence in {} now gives release digest {}, the packet has {stated}",
            root.display(),
            checked.release_digest
        ));
    }
    let with_pdf =
        manifest.files.contains("packet.pdf") || manifest.listed.contains_key("packet.pdf");
    let rebuilt = Rebuilt {
        folder: folder.to_path_buf(),
        sums: Mutex::new(Vec::new()),
        problems: Mutex::new(Vec::new()),
    };
    crate::render_packet(
        &mut checked,
        with_pdf,
        &rebuilt,
        &|_| {},
        &Default::default(),
    )
    .map_err(|f| failure_text(&f))?;
    let mut sums = rebuilt.sums.into_inner().map_err(|_| "poisoned")?;
    problems.extend(rebuilt.problems.into_inner().map_err(|_| "poisoned")?);
    let given: BTreeSet<&str> = sums.iter().map(|(rel, _)| rel.as_str()).collect();
    for rel in &manifest.files {
        if !given.contains(rel.as_str()) {
            problems.push(format!("{rel}: not part of the packet the evidence gives"));
        }
    }
    let expected = crate::write::sha256sums(&mut sums);
    if read_regular(folder, "SHA256SUMS").ok().as_deref() != Some(expected.as_bytes()) {
        problems.push("SHA256SUMS: not the one the evidence gives".to_string());
    }
    // The release digest first, then the files in order.
    let first = usize::from(
        problems
            .first()
            .is_some_and(|p| p.starts_with("the evidence in ")),
    );
    problems[first..].sort();
    Ok(problems)
}

fn failure_text(f: &Failure) -> String {
    let mut text = "the evidence does not build:".to_string();
    for d in &f.diags {
        let l = d.locate(&f.sources);
        text.push_str("\n  ");
        if let Some(file) = &l.file {
            text.push_str(&format!("{file}:{}: ", l.line.unwrap_or(1)));
        }
        text.push_str(&l.message);
    }
    text
}

/// The packet rebuilt from the evidence, compared file by file with the
/// one on disk as the renderers hand each file over (nothing is kept).
struct Rebuilt {
    folder: PathBuf,
    sums: Mutex<Vec<(String, crate::reuse::Sha)>>,
    problems: Mutex<Vec<String>>,
}

impl Output for Rebuilt {
    fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        let rel = crate::link::join_inside_root("", rel)
            .ok_or_else(|| OutputError::OutsideFolder(rel.to_string()))?;
        let problem = match read_regular(&self.folder, &rel) {
            Ok(on_disk) if on_disk == bytes => None,
            Ok(_) => Some(format!("{rel}: differs from the file the evidence gives")),
            Err(_) => Some(format!(
                "{rel}: missing, or not a regular file; the evidence gives it"
            )),
        };
        if let Some(p) = problem {
            self.problems
                .lock()
                .map_err(|_| OutputError::WritersStopped)?
                .push(p);
        }
        let hash = crate::reuse::Sha::of(&bytes);
        self.sums
            .lock()
            .map_err(|_| OutputError::WritersStopped)?
            .push((rel, hash));
        Ok(())
    }
}

/// Recompute every item digest and the release digest from packet.json.
pub fn check_digests(packet: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut lines: Vec<(String, String)> = Vec::new();
    for item in packet["items"].as_array().into_iter().flatten() {
        let id = item["id"].as_str().unwrap_or_default();
        let Some(kind) = item["kind"].as_str().and_then(Kind::from_name) else {
            problems.push(format!("item {id}: unknown kind"));
            continue;
        };
        let Some(fields) = item["fields"].as_object() else {
            problems.push(format!("item {id}: no fields"));
            continue;
        };
        let attachments: Vec<(String, String)> = item["attachment_digests"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, d)| (p.clone(), d.as_str().unwrap_or_default().to_string()))
            .collect();
        let stated = item["digest"].as_str().unwrap_or_default();
        // A redacted item's fields are not the evidence's: its digest can
        // be checked only against the evidence (`verify --root`).
        let digest = if item["redacted"] == Value::Bool(true) {
            stated.to_string()
        } else {
            sha256_prefixed(canonical_fields(kind, fields, &attachments).as_bytes())
        };
        if digest != stated {
            problems.push(format!(
                "item {id}: digest of its fields is {digest}, packet.json says {stated}"
            ));
        }
        if kind != Kind::Approval {
            lines.push((id.to_string(), digest));
        }
    }
    // Packets from before trace markers or policies have none of those:
    // no lines count for them.
    let junit = files(&packet["verification"]["junit_files"]);
    let sources = files(&packet["verification"]["source_files"]);
    let policies = files(&packet["policies"]);
    let release = crate::digest::release_digest_of(
        lines.iter().map(|(id, d)| (id.as_str(), d.as_str())),
        junit,
        sources,
        policies,
    );
    let stated = packet["release"]["digest"].as_str().unwrap_or_default();
    if release != stated {
        problems.push(format!(
            "release digest of the items is {release}, packet.json says {stated}"
        ));
    }
    problems
}

/// (path, sha256) of each file in a packet.json list of files.
fn files(list: &Value) -> Vec<(&str, &str)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default(),
                f["sha256"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}
