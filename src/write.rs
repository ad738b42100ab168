//! Stage 8, write: the release folder appears whole or not at all. Files go
//! to a temporary folder beside it, SHA256SUMS is added, every file and
//! folder is made durable, then one atomic exchange puts it in place: a
//! reader sees the old packet or the new one at every instant.
//! `OUT/index.html` is replaced the same way (temporary file, sync, rename).
//! Before anything is written, [`check_destination`] makes sure the build
//! replaces nothing but relpack's own output, and [`remove_stale`] clears
//! what killed builds left behind. Earlier releases' folders are never
//! touched.

use std::fs;
use std::path::{Path, PathBuf};

use std::collections::HashSet;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use crate::render::html::{render_release_list, ReleaseEntry};
use crate::render::Output;

pub use crate::destination::{check_destination, remove_stale, Destination, Refusal};
use crate::durable;

/// A release folder being written: files land in a temporary folder
/// beside the destination as renderers produce them; [`Staging::commit`]
/// adds SHA256SUMS and renames it into place. Dropped uncommitted, it
/// removes itself, so a failed build leaves nothing behind.
pub struct Staging {
    out: PathBuf,
    folder: String,
    tmp: PathBuf,
    sums: Mutex<Vec<(String, String)>>,
    dirs: Arc<Mutex<HashSet<PathBuf>>>,
    /// Files go to a few writer threads: creating a file costs this
    /// machine's disk about a millisecond of waiting, which overlaps well,
    /// while the two rendering threads keep rendering.
    files: Mutex<Option<SyncSender<QueuedFile>>>,
    writers: Vec<JoinHandle<Result<(), String>>>,
    /// The first write error (with its path and the OS's reason), for the
    /// renderer whose next file finds the writers stopped.
    write_error: Arc<Mutex<Option<String>>>,
    committed: bool,
}

/// A file waiting for a writer thread: where, and its bytes.
type QueuedFile = (PathBuf, Vec<u8>);

/// How many threads create files at once. Creating files in one directory
/// (items/) is serialized by the kernel on the directory's lock; with eight
/// threads, ext4 spent more CPU spinning on that lock than it saved (`perf`:
/// rwsem_spin_on_owner), and took it from the two rendering threads.
const WRITERS: usize = 4;

fn write_file(dirs: &Mutex<HashSet<PathBuf>>, path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        // Created under the lock: another thread may write into it next.
        let mut dirs = dirs.lock().map_err(|_| "poisoned")?;
        if !dirs.contains(parent) {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            dirs.insert(parent.to_path_buf());
        }
    }
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

impl Staging {
    pub fn new(out: &Path, folder: &str) -> Result<Staging, String> {
        fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let tmp = out.join(format!(".{folder}.tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let dirs = Arc::new(Mutex::new(HashSet::new()));
        let (send, receive) = sync_channel::<QueuedFile>(256);
        let receive = Arc::new(Mutex::new(receive));
        let write_error: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let writers = (0..WRITERS)
            .map(|_| {
                let (receive, dirs) = (Arc::clone(&receive), Arc::clone(&dirs));
                let write_error = Arc::clone(&write_error);
                std::thread::spawn(move || -> Result<(), String> {
                    loop {
                        let next = receive.lock().map_err(|_| "poisoned")?.recv();
                        let Ok((path, bytes)) = next else {
                            return Ok(());
                        };
                        if let Err(e) = write_file(&dirs, &path, &bytes) {
                            if let Ok(mut first) = write_error.lock() {
                                first.get_or_insert_with(|| e.clone());
                            }
                            return Err(e);
                        }
                    }
                })
            })
            .collect();
        Ok(Staging {
            out: out.to_path_buf(),
            folder: folder.to_string(),
            tmp,
            sums: Mutex::new(Vec::new()),
            dirs,
            files: Mutex::new(Some(send)),
            writers,
            write_error,
            committed: false,
        })
    }

    /// Wait for every queued file; the first write error, if any.
    fn finish_writes(&mut self) -> Result<(), String> {
        drop(self.files.lock().map_err(|_| "poisoned")?.take());
        let mut result = Ok(());
        for w in self.writers.drain(..) {
            let r = w
                .join()
                .map_err(|_| "a writer thread panicked".to_string())
                .and_then(|r| r);
            if result.is_ok() {
                result = r;
            }
        }
        result
    }

    /// Write SHA256SUMS, make the folder durable and switch it into place,
    /// replacing only an earlier build of this same release.
    pub fn commit(mut self) -> Result<PathBuf, String> {
        self.finish_writes()?;
        let mut sums = std::mem::take(&mut *self.sums.lock().map_err(|_| "poisoned")?);
        let path = self.tmp.join("SHA256SUMS");
        fs::write(&path, sha256sums(&mut sums))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        // Durable before it is visible: after a crash, the folder in place
        // is a whole packet, never one with empty files.
        durable::sync_tree(&self.tmp)
            .map_err(|e| format!("cannot sync {}: {e}", self.tmp.display()))?;
        let dest = self.out.join(&self.folder);
        if fs::symlink_metadata(&dest).is_ok() {
            self.replace(&dest)?;
        } else {
            fs::rename(&self.tmp, &dest)
                .map_err(|e| format!("cannot move the new packet into place: {e}"))?;
            self.committed = true;
        }
        durable::sync_dir(&self.out)
            .map_err(|e| format!("cannot sync {}: {e}", self.out.display()))?;
        Ok(dest)
    }

    /// Put the new folder where the earlier build of this release is.
    /// Where the system can exchange two names in one step (Linux, macOS),
    /// it does; elsewhere the old folder is moved aside first, and a kill
    /// between the two renames is repaired by the next build
    /// ([`remove_stale`] moves `.NAME.old-PID` back).
    fn replace(&mut self, dest: &Path) -> Result<(), String> {
        match durable::exchange(&self.tmp, dest) {
            Ok(true) => {
                // The temporary name now holds the earlier packet.
                self.committed = true;
                let _ = fs::remove_dir_all(&self.tmp);
                return Ok(());
            }
            Ok(false) => {}
            Err(e) => return Err(format!("cannot move the new packet into place: {e}")),
        }
        let old = self
            .out
            .join(format!(".{}.old-{}", self.folder, std::process::id()));
        let _ = fs::remove_dir_all(&old);
        fs::rename(dest, &old).map_err(|e| format!("cannot move {} aside: {e}", dest.display()))?;
        if let Err(e) = fs::rename(&self.tmp, dest) {
            // Put the earlier packet back: a failed build leaves it as it was.
            let _ = fs::rename(&old, dest);
            return Err(format!("cannot move the new packet into place: {e}"));
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }
}

/// SHA256SUMS in `sha256sum` format, sorted by path.
pub fn sha256sums(sums: &mut [(String, String)]) -> String {
    sums.sort();
    sums.iter()
        .map(|(path, hash)| format!("{hash}  {path}\n"))
        .collect()
}

impl Output for Staging {
    fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<(), String> {
        // Renderers name files; none may climb out of the release folder.
        let rel = crate::link::join_inside_root("", rel)
            .ok_or_else(|| format!("bad output path {rel}"))?;
        let path = self.tmp.join(&rel);
        let hash = format!("{:x}", Sha256::digest(&bytes));
        self.sums.lock().map_err(|_| "poisoned")?.push((rel, hash));
        let sender = self.files.lock().map_err(|_| "poisoned")?.clone();
        match sender {
            Some(s) => s.send((path, bytes)).map_err(|_| {
                self.write_error
                    .lock()
                    .ok()
                    .and_then(|e| e.clone())
                    .unwrap_or_else(|| "the file writers stopped (a write failed)".to_string())
            }),
            None => write_file(&self.dirs, &path, &bytes),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = self.finish_writes();
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

#[derive(serde::Deserialize)]
struct PacketSummary {
    status: String,
    product: SummaryProduct,
    release: SummaryRelease,
}

#[derive(serde::Deserialize)]
struct SummaryProduct {
    name: String,
}

#[derive(serde::Deserialize)]
struct SummaryRelease {
    version: String,
    date: String,
    status_label: String,
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
        let Ok(file) = fs::File::open(e.path().join("packet.json")) else {
            continue;
        };
        // Only the summary is needed: serde skips the rest without building it.
        let Ok(summary) =
            serde_json::from_reader::<_, PacketSummary>(std::io::BufReader::new(file))
        else {
            continue;
        };
        entries.push(ReleaseEntry {
            folder: name,
            product: summary.product.name,
            version: summary.release.version,
            date: summary.release.date,
            status: summary.status,
            status_label: summary.release.status_label,
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
    let written = durable::write_synced(&tmp, &html)
        .and_then(|()| fs::rename(&tmp, out.join("index.html")))
        .and_then(|()| durable::sync_dir(out));
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("cannot write {}: {e}", out.join("index.html").display())
    })
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
