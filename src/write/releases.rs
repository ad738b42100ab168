//! The releases in OUT (what OUT/index.html lists) and replacing one file
//! of OUT whole.

use std::fs;
use std::path::Path;

use super::{io, WriteError};
use crate::durable;
use crate::model::ReleaseEntry;

/// Every release folder in `out` with its summary, newest first. `fresh`
/// is the release just written, with the summary of its model: its
/// packet.json (100 MB at 100k items) need not be read back. The others
/// come from the summaries cache while their packet.json is unchanged.
pub fn list_releases(
    out: &Path,
    fresh: Option<(&str, &crate::packet_file::Summary)>,
) -> Result<Vec<ReleaseEntry>, WriteError> {
    let mut cache = crate::reuse::Summaries::load(out);
    let mut listed = std::collections::HashSet::new();
    let mut entries = Vec::new();
    let dir = fs::read_dir(out).map_err(io("list", out))?;
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path().join("packet.json");
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        let summary = match (fresh, cache.get(&name, &meta)) {
            (Some((folder, s)), _) if folder == name => s.clone(),
            (_, Some(s)) => s.clone(),
            _ => {
                let Ok(summary) = fs::read(&path)
                    .map_err(|_| ())
                    .and_then(|b| crate::packet_file::summary(&b).map_err(|_| ()))
                else {
                    continue;
                };
                summary
            }
        };
        cache.insert(&name, &meta, summary.clone());
        listed.insert(name.clone());
        entries.push(ReleaseEntry {
            folder: name,
            product: summary.product.name,
            version: summary.release.version,
            date: summary.release.date,
            status: summary.status,
            status_label: summary.release.status_label,
            measures: summary.measures,
        });
    }
    cache.retain(&listed);
    cache.save(out);
    entries.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| crate::history::compare_versions(&b.version, &a.version))
            .then_with(|| a.folder.cmp(&b.folder))
    });
    Ok(entries)
}

/// Replace a cache file `out/<name>` whole (a temporary file renamed over
/// it), not synced: a cache lost to a crash costs a full build, never a
/// wrong packet, as every file reused is first checked by its stat. A
/// synced 10 MB manifest made every rebuild wait about 0.1 s for the disk.
pub fn replace_cache_file(out: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = out.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, out.join(name)));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Replace `out/<name>` whole: a temporary file, synced, renamed over it.
pub fn replace_file(out: &Path, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = out.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = durable::write_synced(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, out.join(name)))
        .and_then(|()| durable::sync_dir(out));
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io("write", &out.join(name))(e)
    })
}
