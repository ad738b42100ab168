//! Stage 8, write: the release folder appears whole or not at all. Files go
//! to a temporary folder beside it, SHA256SUMS is added, then one rename
//! puts it in place; `OUT/index.html` is refreshed the same way. Earlier
//! releases' folders are never touched.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::render::html::{render_release_list, ReleaseEntry};
use crate::render::OutputFile;

/// Write `files` as `out/folder/`, replacing only that folder.
pub fn write_release(
    out: &Path,
    folder: &str,
    mut files: Vec<OutputFile>,
) -> Result<PathBuf, String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let pid = std::process::id();
    let tmp = out.join(format!(".{folder}.tmp-{pid}"));
    let _ = fs::remove_dir_all(&tmp);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let sums: String = files
        .par_iter()
        .map(|(path, bytes)| format!("{:x}  {path}\n", Sha256::digest(bytes)))
        .collect::<Vec<_>>()
        .concat();
    files.push(("SHA256SUMS".into(), sums.into_bytes()));
    let result = (|| {
        // Create every folder first, then write files in parallel.
        let mut dirs: Vec<PathBuf> = files
            .iter()
            .filter_map(|(p, _)| tmp.join(p).parent().map(Path::to_path_buf))
            .collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        files.par_iter().try_for_each(|(p, bytes)| {
            let path = tmp.join(p);
            fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
        })?;
        let dest = out.join(folder);
        if dest.exists() {
            let old = out.join(format!(".{folder}.old-{pid}"));
            let _ = fs::remove_dir_all(&old);
            fs::rename(&dest, &old)
                .map_err(|e| format!("cannot move {} aside: {e}", dest.display()))?;
            if let Err(e) = fs::rename(&tmp, &dest) {
                // Put the earlier packet back: a failed build leaves it as it was.
                let _ = fs::rename(&old, &dest);
                return Err(format!("cannot move the new packet into place: {e}"));
            }
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&tmp, &dest)
                .map_err(|e| format!("cannot move the new packet into place: {e}"))?;
        }
        Ok(dest)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

/// Rewrite `out/index.html`: every release folder in `out`, newest first.
pub fn refresh_release_list(out: &Path) -> Result<(), String> {
    let mut entries = Vec::new();
    let dir = fs::read_dir(out).map_err(|e| format!("cannot list {}: {e}", out.display()))?;
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let Ok(text) = fs::read_to_string(e.path().join("packet.json")) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let s = |p: &str| {
            v.pointer(p)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        entries.push(ReleaseEntry {
            folder: name,
            product: s("/product/name"),
            version: s("/release/version"),
            date: s("/release/date"),
            status: s("/status"),
            status_label: s("/release/status_label"),
        });
    }
    entries.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| compare_versions(&b.version, &a.version))
            .then_with(|| a.folder.cmp(&b.folder))
    });
    let html = render_release_list(&entries)?;
    let tmp = out.join(format!(".index.html.tmp-{}", std::process::id()));
    fs::write(&tmp, html).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    fs::rename(&tmp, out.join("index.html")).map_err(|e| format!("cannot write index.html: {e}"))
}

/// Compare dotted versions numerically where they are numbers (2.10 > 2.9).
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<(u64, String)> {
        s.split(['.', '-', '+'])
            .map(|p| (p.parse::<u64>().unwrap_or(0), p.to_string()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}
