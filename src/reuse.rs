//! Incremental builds: the files of the earlier build of this release that
//! the new build would write again byte for byte are hard-linked into the
//! staging folder instead of written. Rendering still runs (it is what
//! proves a file unchanged: its bytes hash the same); what is saved is the
//! disk: creating, writing and syncing 100k files costs seconds, linking
//! unchanged ones a fraction, and syncing them nothing.
//!
//! The cache is a manifest in `OUT/.relpack-cache/<folder>.json`: each file
//! of the release folder with its SHA-256 and the stat (size, mtime, inode)
//! it had when relpack wrote it. A file is reused only when its stat still
//! matches, so a packet file edited by hand is written afresh, never linked
//! into the next packet. The manifest is removed before the release folder
//! is replaced and written after, so a build killed in between leaves no
//! manifest and the next build is a full one.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The folder under OUT that holds relpack's caches (never a release).
pub const CACHE_DIR: &str = ".relpack-cache";

/// A file as relpack left it: its hash and the stat that proves it since
/// untouched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub sha256: String,
    pub len: u64,
    pub mtime_ns: i128,
    pub ino: u64,
    /// The key of the inputs it was rendered from (`render::input_key`),
    /// for files whose renderer can tell before rendering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    /// The release folder the entries describe.
    folder: String,
    files: HashMap<String, Entry>,
}

/// The earlier build's files that may be linked into the new one.
pub struct Reuse {
    dir: PathBuf,
    files: HashMap<String, Entry>,
}

fn manifest_path(out: &Path, folder: &str) -> PathBuf {
    out.join(CACHE_DIR).join(format!("{folder}.json"))
}

impl Reuse {
    /// The manifest of `out/folder`, if a complete earlier build left one.
    pub fn load(out: &Path, folder: &str) -> Option<Reuse> {
        let bytes = fs::read(manifest_path(out, folder)).ok()?;
        let m: Manifest = serde_json::from_slice(&bytes).ok()?;
        (m.folder == folder).then(|| Reuse {
            dir: out.join(folder),
            files: m.files,
        })
    }

    /// The earlier file at `rel` when it was rendered from inputs with this
    /// key (proven untouched by [`link_unchanged`]).
    pub fn by_key(&self, rel: &str, key: &str) -> Option<(PathBuf, &Entry)> {
        let e = self
            .files
            .get(rel)
            .filter(|e| e.key.as_deref() == Some(key))?;
        Some((self.dir.join(rel), e))
    }

    /// The earlier file at `rel` when it holds exactly `sha256` and was not
    /// touched since relpack wrote it.
    pub fn candidate(&self, rel: &str, sha256: &str) -> Option<(PathBuf, &Entry)> {
        let e = self.files.get(rel).filter(|e| e.sha256 == sha256)?;
        Some((self.dir.join(rel), e))
    }
}

/// Link `old` to `new` when `old` still is the file `entry` describes.
/// `false`: it changed, or this file system cannot link; write instead.
pub fn link_unchanged(old: &Path, new: &Path, entry: &Entry) -> bool {
    match fs::symlink_metadata(old) {
        Ok(m) if m.is_file() && same_file(&m, entry) => fs::hard_link(old, new).is_ok(),
        _ => false,
    }
}

fn same_file(m: &fs::Metadata, entry: &Entry) -> bool {
    stat_of(m, &entry.sha256, None).is_some_and(|now| {
        (now.len, now.mtime_ns, now.ino) == (entry.len, entry.mtime_ns, entry.ino)
    })
}

/// The entry for a file just written or linked.
pub fn stat_of(m: &fs::Metadata, sha256: &str, key: Option<String>) -> Option<Entry> {
    let mtime = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(Entry {
        sha256: sha256.to_string(),
        len: m.len(),
        mtime_ns: i128::try_from(mtime.as_nanos()).ok()?,
        ino: inode(m)?,
        key,
    })
}

#[cfg(unix)]
fn inode(m: &fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(m.ino())
}

/// Without inode numbers a replaced file cannot be told from the original:
/// no reuse.
#[cfg(not(unix))]
fn inode(_m: &fs::Metadata) -> Option<u64> {
    None
}

/// The entries of the folder being staged, gathered by the writer threads.
#[derive(Default)]
pub struct Recorder {
    files: Mutex<HashMap<String, Entry>>,
    /// How many files were linked rather than written.
    pub linked: std::sync::atomic::AtomicUsize,
    /// How many of those were not even rendered: their inputs' key matched.
    pub unrendered: std::sync::atomic::AtomicUsize,
}

impl Recorder {
    pub fn record(&self, rel: String, entry: Option<Entry>) {
        if let (Some(e), Ok(mut files)) = (entry, self.files.lock()) {
            files.insert(rel, e);
        }
    }

    pub fn take(&self) -> HashMap<String, Entry> {
        self.files
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default()
    }
}

/// Forget the manifest of `out/folder` (before that folder is replaced, or
/// on `--clean`).
pub fn forget(out: &Path, folder: &str) {
    let _ = fs::remove_file(manifest_path(out, folder));
}

/// The manifest of the folder now in place, and where it goes (`write.rs`
/// replaces it atomically). `None`: it cannot be serialized, and the next
/// build is simply a full one.
pub fn manifest(
    out: &Path,
    folder: &str,
    files: HashMap<String, Entry>,
) -> Option<(PathBuf, String, Vec<u8>)> {
    let m = Manifest {
        folder: folder.to_string(),
        files,
    };
    let bytes = serde_json::to_vec(&m).ok()?;
    Some((out.join(CACHE_DIR), format!("{folder}.json"), bytes))
}
