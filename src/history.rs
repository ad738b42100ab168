//! The software version history: every earlier packet of the product,
//! found by following `release.previous` and then each packet's own
//! recorded pointer (`history.previous` in its packet.json), and every
//! earlier packet in OUT. Packets lie outside the root: each is read
//! through `fsroot` (a regular file, bounded) and parsed by `packet_file`.
//! A cycle of pointers or a packet that cannot be read ends the chain with
//! a warning; the history never fails a build.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::fsroot::{EvidenceRoot, FileRole};
use crate::packet_file::{history_record, HistoryRecord};

/// The most packets a history lists: a bound for a pointer chain that
/// never ends (a cycle is caught before; this guards the rest).
const MAX_RELEASES: usize = 10_000;

/// packet.json's `history`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    /// This packet's pointer to the previous packet.json, relative to this
    /// packet's folder (null without `release.previous` or an output).
    pub previous: Option<String>,
    /// Earlier releases, newest first.
    pub releases: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub version: String,
    pub date: String,
    pub digest: String,
    /// `releasable` or `not-releasable`, as that packet said.
    pub status: String,
    pub status_label: String,
    /// How it was found: `previous` (the chain of pointers) or `out`.
    pub found: &'static str,
    /// What changed since its own predecessor, as its packet.json counts
    /// it (null where it names no previous release).
    pub changes: Option<ChangeCounts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeCounts {
    pub previous_version: String,
    pub added: usize,
    pub modified: usize,
    pub removed: usize,
}

/// Where this release is written, to find its siblings and name its own
/// pointer relatively.
pub struct Here<'a> {
    pub product: &'a str,
    pub version: &'a str,
    /// OUT, resolved, and this release's folder name in it.
    pub out: Option<(&'a Path, &'a str)>,
}

/// The history of the release described by `here`.
pub fn collect(
    root: &EvidenceRoot,
    previous: Option<&str>,
    here: &Here<'_>,
) -> (History, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut history = History::default();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut seen_digests: HashSet<String> = HashSet::new();
    let first = previous.and_then(|rel| root.path().join(rel).canonicalize().ok());
    if let (Some(first), Some((out, folder))) = (&first, here.out) {
        history.previous = Some(relative(&out.join(folder), first));
    }
    let mut next = first;
    while let Some(path) = next.take() {
        if history.releases.len() >= MAX_RELEASES {
            break;
        }
        if !seen_files.insert(path.clone()) {
            diags.push(warn(format!(
                "the previous-release pointers form a cycle at {}; the history stops there",
                path.display()
            )));
            break;
        }
        let record = match read(&path) {
            Ok(r) => r,
            Err(e) => {
                diags.push(warn(e));
                break;
            }
        };
        next = record
            .history
            .as_ref()
            .and_then(|h| h.previous.as_deref())
            .and_then(|p| {
                let joined = path.parent()?.join(p);
                match joined.canonicalize() {
                    Ok(c) => Some(c),
                    Err(_) => {
                        diags.push(warn(format!(
                            "{} names {} as its previous packet, which cannot be read; the history stops there",
                            path.display(),
                            joined.display()
                        )));
                        None
                    }
                }
            });
        if seen_digests.insert(record.release.digest.clone()) {
            history.releases.push(entry(record, "previous"));
        }
    }
    if let Some((out, folder)) = here.out {
        for record in in_out(out, folder) {
            let earlier = record.product.name == here.product
                && compare_versions(&record.release.version, here.version).is_lt();
            if earlier && seen_digests.insert(record.release.digest.clone()) {
                history.releases.push(entry(record, "out"));
            }
        }
    }
    history.releases.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| compare_versions(&b.version, &a.version))
            .then_with(|| a.digest.cmp(&b.digest))
    });
    (history, diags)
}

fn warn(message: String) -> Diagnostic {
    Diagnostic::warning(format!("software version history: {message}"))
}

fn read(path: &Path) -> Result<HistoryRecord, String> {
    let bytes = EvidenceRoot::read_outside(path, FileRole::PreviousPacket)
        .map_err(|e| format!("{e}; the history stops there"))?;
    history_record(&bytes).map_err(|e| {
        format!(
            "{} is not a relpack packet.json ({e}); the history stops there",
            path.display()
        )
    })
}

/// Every packet in OUT but this release's own folder, by folder name.
fn in_out(out: &Path, folder: &str) -> Vec<HistoryRecord> {
    let Ok(dir) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && n != folder)
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|n| read(&out.join(n).join("packet.json")).ok())
        .collect()
}

fn entry(r: HistoryRecord, found: &'static str) -> HistoryEntry {
    HistoryEntry {
        version: r.release.version,
        date: r.release.date,
        digest: r.release.digest,
        status: r.status,
        status_label: r.release.status_label,
        found,
        changes: r.changes.since_previous.map(|s| ChangeCounts {
            previous_version: s.previous_version,
            added: s.added,
            modified: s.modified,
            removed: s.removed,
        }),
    }
}

/// Versions compared as semantic versions are: the dotted core part by
/// part, numbers as numbers (1.10 > 1.9); then a pre-release (`-rc1`)
/// before the release itself (1.0.0-rc1 < 1.0.0), pre-releases part by
/// part; build metadata (`+build`) last, only to break a tie.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    /// A part as runs of digits (numbers) and of anything else: `rc10`
    /// after `rc2`, as people number them.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Run<'a> {
        Number(u64),
        Text(&'a str),
    }
    fn parts(s: &str) -> Vec<Vec<Run<'_>>> {
        s.split(['.', '-'])
            .map(|p| {
                let mut runs = Vec::new();
                let mut rest = p;
                while let Some(c) = rest.chars().next() {
                    let digits = c.is_ascii_digit();
                    let end = rest
                        .find(|ch: char| ch.is_ascii_digit() != digits)
                        .unwrap_or(rest.len());
                    let (run, tail) = rest.split_at(end);
                    runs.push(match run.parse::<u64>() {
                        Ok(n) if digits => Run::Number(n),
                        _ => Run::Text(run),
                    });
                    rest = tail;
                }
                runs
            })
            .collect()
    }
    fn split(v: &str) -> (&str, Option<&str>, &str) {
        let (rest, build) = v.split_once('+').unwrap_or((v, ""));
        match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre), build),
            None => (rest, None, build),
        }
    }
    let ((core_a, pre_a, build_a), (core_b, pre_b, build_b)) = (split(a), split(b));
    parts(core_a)
        .cmp(&parts(core_b))
        .then_with(|| match (pre_a, pre_b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => parts(x).cmp(&parts(y)),
        })
        .then_with(|| parts(build_a).cmp(&parts(build_b)))
}

/// `to` relative to the folder `from` (both absolute), with `/`.
fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<Component<'_>> = from.components().collect();
    let t: Vec<Component<'_>> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn a_pre_release_comes_before_its_release() {
        use super::compare_versions;
        let mut v = vec![
            "1.0.0",
            "1.0.0-rc1",
            "1.10.0",
            "1.9.0",
            "1.0.0-rc10",
            "1.0.0-rc2",
            "0.9",
            "1.0.0+b7",
        ];
        v.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            v,
            [
                "0.9",
                "1.0.0-rc1",
                "1.0.0-rc2",
                "1.0.0-rc10",
                "1.0.0",
                "1.0.0+b7",
                "1.9.0",
                "1.10.0"
            ]
        );
    }

    #[test]
    fn pointers_are_relative_to_the_packet_folder() {
        assert_eq!(
            relative(Path::new("/o/p-1.1.0"), Path::new("/o/p-1.0.0/packet.json")),
            "../p-1.0.0/packet.json"
        );
        assert_eq!(
            relative(Path::new("/o/p-2"), Path::new("/a/b/packet.json")),
            "../../a/b/packet.json"
        );
    }
}
