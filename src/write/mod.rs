//! Stage 8, write: the release folder appears whole or not at all. Files go
//! to a temporary folder beside it, SHA256SUMS is added, every file and
//! folder is made durable, then one atomic exchange puts it in place: a
//! reader sees the old packet or the new one at every instant.
//! `OUT/index.html` is replaced the same way (temporary file, sync, rename).
//! Before anything is written, [`check_destination`] makes sure the build
//! replaces nothing but relpack's own output, and [`remove_stale`] clears
//! what killed builds left behind. Earlier releases' folders are never
//! touched.

mod releases;

use std::fs;
use std::path::{Path, PathBuf};

use std::collections::HashSet;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::render::{Output, OutputError};
use crate::reuse::Sha;

pub use crate::destination::{check_destination, remove_stale, Destination, Refusal};
use crate::durable;
pub use releases::{list_releases, replace_cache_file, replace_file};

/// Files from this size on start their way to the disk as soon as they are
/// written (see `durable::start_writeback`).
const BIG_FILE: usize = 1 << 20;
use crate::reuse::{self, Recorder, Reuse};

/// Why the packet could not be written: an I/O failure (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot sign SHA256SUMS: {0}")]
    Sign(String),
}

/// The file beside SHA256SUMS that holds the packet's SSH signature over it.
pub const SIGNATURE_FILE: &str = "SHA256SUMS.sig";

/// Makes the armored signature of SHA256SUMS's bytes.
pub type Signer<'a> = &'a dyn Fn(&[u8]) -> Result<String, String>;

fn io<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> WriteError + 'p {
    move |source| WriteError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A release folder being written: files land in a temporary folder
/// beside the destination as renderers produce them; [`Staging::commit`]
/// adds SHA256SUMS and renames it into place. Dropped uncommitted, it
/// removes itself, so a failed build leaves nothing behind.
pub struct Staging {
    out: PathBuf,
    folder: String,
    tmp: PathBuf,
    sums: Mutex<Vec<(String, Sha)>>,
    dirs: Arc<Mutex<HashSet<PathBuf>>>,
    /// Files go to a few writer threads: creating a file costs this
    /// machine's disk about a millisecond of waiting, which overlaps well,
    /// while the two rendering threads keep rendering.
    files: Mutex<Option<SyncSender<QueuedFile>>>,
    writers: Vec<JoinHandle<Result<(), OutputError>>>,
    /// The earlier build's unchanged files, linked instead of written.
    reuse: Arc<Option<Reuse>>,
    recorder: Arc<Recorder>,
    /// The first write error (with its path and the OS's reason), for the
    /// renderer whose next file finds the writers stopped.
    write_error: Arc<Mutex<Option<OutputError>>>,
    /// Rendered rows of the big section pages, kept between builds.
    parts: crate::parts::PartStore,
    committed: bool,
    /// The folder this build replaces is to be the next build's spare.
    spare: bool,
    /// When no folder is replaced to become the spare (a build from
    /// nothing), link one from the new packet ([`reuse::link_spare`]).
    prepare_spare: bool,
}

/// A file being placed: where, and its hash and key.
struct Placed {
    rel: String,
    path: PathBuf,
    sha256: Sha,
    /// The key of its inputs, when its renderer gave one.
    key: Option<Sha>,
}

/// A file waiting for a writer thread, with its bytes.
struct QueuedFile {
    file: Placed,
    bytes: Vec<u8>,
}

/// How many threads create files at once. Creating files in one directory
/// (items/) is serialized by the kernel on the directory's lock; with eight
/// threads, ext4 spent more CPU spinning on that lock than it saved (`perf`:
/// rwsem_spin_on_owner), and took it from the two rendering threads.
const WRITERS: usize = 4;

/// Everything a writer thread needs, shared by all of them.
struct Writers {
    dirs: Arc<Mutex<HashSet<PathBuf>>>,
    reuse: Arc<Option<Reuse>>,
    recorder: Arc<Recorder>,
}

impl Writers {
    /// Link the earlier build's copy of the file when it is unchanged,
    /// else write it; record what is now in place for the next build.
    fn place(&self, q: QueuedFile) -> Result<(), OutputError> {
        self.place_with(q.file, &[&q.bytes])
    }

    /// [`Writers::place`] of a file given as its pieces.
    fn place_with(&self, f: Placed, pieces: &[&[u8]]) -> Result<(), OutputError> {
        self.parent_of(&f.path)?;
        if let Some(r) = self.reuse.as_ref() {
            if let Some(entry) = r.staged(&f.rel, Some(&f.sha256), None) {
                if reuse::still(&f.path, entry) {
                    self.kept(f.rel, entry, f.key, false);
                    return Ok(());
                }
            }
        }
        if self.recycled() {
            unlink(&f.path)?;
        }
        if let Some((old, entry)) = self
            .reuse
            .as_ref()
            .as_ref()
            .and_then(|r| r.candidate(&f.rel, &f.sha256))
        {
            if reuse::link_unchanged(&old, &f.path, entry) {
                self.kept(f.rel, entry, f.key, false);
                return Ok(());
            }
        }
        let write = || -> std::io::Result<fs::Metadata> {
            let mut file = fs::File::create(&f.path)?;
            let len: usize = pieces.iter().map(|p| p.len()).sum();
            if let [one] = pieces {
                std::io::Write::write_all(&mut file, one)?;
            } else {
                // Pieces of any size (a page's text between its parts may
                // be a few bytes): buffered, not one system call each.
                let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut file);
                for piece in pieces {
                    std::io::Write::write_all(&mut w, piece)?;
                }
                std::io::Write::flush(&mut w)?;
            }
            closed(&file, len)
        };
        let meta = write().map_err(|e| OutputError::io("write", &f.path, &e))?;
        let entry = reuse::stat_of(&meta, f.sha256, f.key);
        self.recorder.record(f.rel, entry);
        Ok(())
    }

    /// Whether the staging folder is the recycled spare: every name in it
    /// may be a hard link into the packet in place, unlinked before it is
    /// written.
    fn recycled(&self) -> bool {
        self.reuse.as_ref().as_ref().is_some_and(Reuse::recycled)
    }

    /// Create the folder `path` goes in, once.
    fn parent_of(&self, path: &Path) -> Result<(), OutputError> {
        if let Some(parent) = path.parent() {
            // Created under the lock: another thread may write into it next.
            let mut dirs = self.dirs.lock().map_err(|_| OutputError::WritersStopped)?;
            if !dirs.contains(parent) {
                fs::create_dir_all(parent).map_err(|e| OutputError::io("create", parent, &e))?;
                dirs.insert(parent.to_path_buf());
            }
        }
        Ok(())
    }

    /// Link the earlier build's file rendered from inputs with `key`, when
    /// it is still as relpack left it. `None`: there is none; render it.
    fn place_by_key(&self, rel: &str, path: &Path, key: &Sha) -> Result<Option<Sha>, OutputError> {
        let Some(r) = self.reuse.as_ref() else {
            return Ok(None);
        };
        // Already in the recycled folder: its folder exists.
        if let Some(entry) = r.staged(rel, None, Some(key)) {
            if reuse::still(path, entry) {
                self.kept(rel.to_string(), entry, None, true);
                return Ok(Some(entry.sha256));
            }
        }
        let Some((old, entry)) = r.by_key(rel, key) else {
            return Ok(None);
        };
        self.parent_of(path)?;
        if r.recycled() {
            unlink(path)?;
        }
        if !reuse::link_unchanged(&old, path, entry) {
            return Ok(None);
        }
        self.kept(rel.to_string(), entry, None, true);
        Ok(Some(entry.sha256))
    }

    /// Record a file not written: linked from the folder in place, or
    /// already in the (recycled) staging folder.
    fn kept(&self, rel: String, entry: &reuse::Entry, key: Option<Sha>, unrendered: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        self.recorder.linked.fetch_add(1, Relaxed);
        if unrendered {
            self.recorder.unrendered.fetch_add(1, Relaxed);
        }
        let entry = reuse::Entry {
            key: key.or(entry.key),
            ..entry.clone()
        };
        self.recorder.record(rel, Some(entry));
    }
}

/// Remove whatever `path` names, if anything: in a recycled staging folder
/// it may be a hard link to a file of the packet in place, which must
/// never be written through.
/// A file just written whole (`len` bytes): a big one starts its way to
/// the disk now, so the sync before the exchange waits for little; its
/// stat, for the manifest.
fn closed(file: &fs::File, len: usize) -> std::io::Result<fs::Metadata> {
    if len >= BIG_FILE {
        durable::start_writeback(file);
    }
    file.metadata()
}

fn unlink(path: &Path) -> Result<(), OutputError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(OutputError::io("replace", path, &e))
        }
        _ => Ok(()),
    }
}

/// In a recycled staging folder, remove every file this build did not put
/// (items gone, a SHA256SUMS.sig no longer asked for) and the folders left
/// empty, so that it holds exactly what a clean build would.
fn prune(dir: &Path, placed: &crate::fasthash::HashSet<&str>) -> std::io::Result<()> {
    prune_in(dir, &mut String::new(), placed).map(|_| ())
}

/// [`prune`] of `dir`, whose path in the release folder is `rel` (empty or
/// ending in `/`); whether it is left empty. One name built in place per
/// entry: items/ holds 100k.
fn prune_in(
    dir: &Path,
    rel: &mut String,
    placed: &crate::fasthash::HashSet<&str>,
) -> std::io::Result<bool> {
    let prefix = rel.len();
    let mut empty = true;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        rel.truncate(prefix);
        rel.push_str(&entry.file_name().to_string_lossy());
        // Not followed: a link is removed like a file.
        if entry.file_type()?.is_dir() {
            rel.push('/');
            if prune_in(&entry.path(), rel, placed)? {
                fs::remove_dir(entry.path())?;
            } else {
                empty = false;
            }
        } else if placed.contains(rel.as_str()) {
            empty = false;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    rel.truncate(prefix);
    Ok(empty)
}

impl Staging {
    /// `incremental`: link the files of the earlier build of this release
    /// that come out unchanged (see `reuse.rs`); `false` writes every file.
    /// `prepare_spare`: a build that replaces no folder (the first, or
    /// `--clean`) links a spare from its own packet, so that the next
    /// build is as quick as the ones after it.
    pub fn new(
        out: &Path,
        folder: &str,
        incremental: bool,
        prepare_spare: bool,
    ) -> Result<Staging, WriteError> {
        fs::create_dir_all(out).map_err(io("create", out))?;
        let tmp = out.join(format!(".{folder}.tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let reuse = if incremental {
            Reuse::load(out, folder).map(|r| r.with_staged(reuse::take_spare(out, folder, &tmp)))
        } else {
            reuse::forget(out, folder);
            reuse::forget_spare(out, folder);
            None
        };
        if !reuse.as_ref().is_some_and(Reuse::recycled) {
            fs::create_dir(&tmp).map_err(io("create", &tmp))?;
        }
        let recorder = Arc::new(Recorder::with_capacity(
            reuse.as_ref().map_or(0, Reuse::earlier_files),
        ));
        let reuse = Arc::new(reuse);
        let dirs = Arc::new(Mutex::new(HashSet::new()));
        let (send, receive) = sync_channel::<QueuedFile>(256);
        let receive = Arc::new(Mutex::new(receive));
        let write_error: Arc<Mutex<Option<OutputError>>> = Arc::new(Mutex::new(None));
        let writers = (0..WRITERS)
            .map(|_| {
                let receive = Arc::clone(&receive);
                let writers = Writers {
                    dirs: Arc::clone(&dirs),
                    reuse: Arc::clone(&reuse),
                    recorder: Arc::clone(&recorder),
                };
                let write_error = Arc::clone(&write_error);
                std::thread::spawn(move || -> Result<(), OutputError> {
                    loop {
                        let next = receive
                            .lock()
                            .map_err(|_| OutputError::WritersStopped)?
                            .recv();
                        let Ok(file) = next else {
                            return Ok(());
                        };
                        if let Err(e) = writers.place(file) {
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
            reuse,
            recorder,
            write_error,
            parts: crate::parts::PartStore::open(out, incremental),
            committed: false,
            spare: false,
            prepare_spare,
        })
    }

    /// Wait for every queued file; the first write error, if any.
    fn finish_writes(&mut self) -> Result<(), OutputError> {
        drop(
            self.files
                .lock()
                .map_err(|_| OutputError::WritersStopped)?
                .take(),
        );
        let mut result = Ok(());
        for w in self.writers.drain(..) {
            let r = w
                .join()
                .map_err(|_| OutputError::WritersStopped)
                .and_then(|r| r);
            if result.is_ok() {
                result = r;
            }
        }
        result
    }

    /// Write SHA256SUMS, make the folder durable and switch it into place,
    /// replacing only an earlier build of this same release.
    pub fn commit(self) -> Result<PathBuf, WriteError> {
        self.commit_signed(None)
    }

    /// [`Staging::commit`], with SHA256SUMS signed by `sign` into
    /// `SHA256SUMS.sig` in the staging folder, before the exchange: the
    /// signed packet appears whole, or not at all.
    pub fn commit_signed(mut self, sign: Option<Signer<'_>>) -> Result<PathBuf, WriteError> {
        crate::progress::timed("finish the writes", || self.finish_writes())?;
        let mut sums =
            std::mem::take(&mut *self.sums.lock().map_err(|_| OutputError::WritersStopped)?);
        sums.sort();
        let recorded = self.recorder.take();
        // Pruning walks the folder; the checksums and the manifest need only
        // what was placed: side by side.
        let recycled = self.reuse.as_ref().as_ref().is_some_and(Reuse::recycled);
        let (pruned, (text, manifest)) = rayon::join(
            || {
                if !recycled {
                    return Ok(());
                }
                let placed: crate::fasthash::HashSet<&str> =
                    sums.iter().map(|(rel, _)| rel.as_str()).collect();
                crate::progress::timed("prune the recycled folder", || prune(&self.tmp, &placed))
            },
            || {
                (
                    crate::progress::timed("SHA256SUMS", || sorted_sums(&sums)),
                    crate::progress::timed("make the manifest", || {
                        reuse::manifest(&self.out, &self.folder, &self.folder, &recorded)
                    }),
                )
            },
        );
        pruned.map_err(io("clean", &self.tmp))?;
        let path = self.tmp.join("SHA256SUMS");
        fs::write(&path, &text).map_err(io("write", &path))?;
        if let Some(sign) = sign {
            let armored = sign(text.as_bytes()).map_err(WriteError::Sign)?;
            let sig = self.tmp.join(SIGNATURE_FILE);
            fs::write(&sig, armored).map_err(io("write", &sig))?;
        }
        // Durable before it is visible: after a crash, the folder in place
        // is a whole packet, never one with empty files.
        crate::progress::timed("sync the new folder", || durable::sync_tree(&self.tmp))
            .map_err(io("sync", &self.tmp))?;
        let dest = self.out.join(&self.folder);
        // The manifest describes the folder in place; none while it changes.
        // An incremental build keeps the folder it replaces as the next
        // one's spare, described by that same manifest.
        let in_place = fs::symlink_metadata(&dest).is_ok();
        self.spare =
            in_place && self.reuse.is_some() && reuse::manifest_to_spare(&self.out, &self.folder);
        reuse::forget(&self.out, &self.folder);
        if in_place {
            crate::progress::timed("replace the earlier folder", || self.replace(&dest))?;
        } else {
            fs::rename(&self.tmp, &dest).map_err(io("move the new packet into", &dest))?;
            self.committed = true;
        }
        durable::sync_dir(&self.out).map_err(io("sync", &self.out))?;
        // Failing to record it is no failure of the build: the next one is
        // then a full one.
        if let Some((dir, name, bytes)) = &manifest {
            let written = crate::progress::timed("write the manifest", || {
                fs::create_dir_all(dir).and_then(|()| replace_cache_file(dir, name, bytes))
            });
            if written.is_ok() && self.prepare_spare && !self.spare {
                crate::progress::timed("link the spare", || {
                    let name = reuse::spare_manifest_name(&self.folder);
                    if !(reuse::link_spare(&self.out, &self.folder, &recorded)
                        && replace_cache_file(dir, &name, bytes).is_ok())
                    {
                        reuse::forget_spare(&self.out, &self.folder);
                    }
                });
            }
        }
        crate::progress::timed("keep the parts", || self.parts.finish());
        Ok(dest)
    }

    /// How many files were linked from the earlier build so far, and how
    /// many of those were not rendered at all.
    pub fn linked(&self) -> (usize, usize) {
        let load =
            |c: &std::sync::atomic::AtomicUsize| c.load(std::sync::atomic::Ordering::Relaxed);
        (load(&self.recorder.linked), load(&self.recorder.unrendered))
    }

    /// Put the new folder where the earlier build of this release is.
    /// Where the system can exchange two names in one step (Linux, macOS),
    /// it does; elsewhere the old folder is moved aside first, and a kill
    /// between the two renames is repaired by the next build
    /// ([`remove_stale`] moves `.NAME.old-PID` back).
    fn replace(&mut self, dest: &Path) -> Result<(), WriteError> {
        match durable::exchange(&self.tmp, dest) {
            Ok(true) => {
                // The temporary name now holds the earlier packet.
                self.committed = true;
                self.retire(&self.tmp.clone());
                return Ok(());
            }
            Ok(false) => {}
            Err(e) => return Err(io("move the new packet into", dest)(e)),
        }
        let old = self
            .out
            .join(format!(".{}.old-{}", self.folder, std::process::id()));
        let _ = fs::remove_dir_all(&old);
        fs::rename(dest, &old).map_err(io("move aside", dest))?;
        if let Err(e) = fs::rename(&self.tmp, dest) {
            // Put the earlier packet back: a failed build leaves it as it was.
            let _ = fs::rename(&old, dest);
            return Err(io("move the new packet into", dest)(e));
        }
        self.committed = true;
        self.retire(&old);
        Ok(())
    }

    /// The earlier packet, just replaced: kept as the next build's spare
    /// when its manifest became the spare's ([`reuse::manifest_to_spare`]),
    /// else removed.
    fn retire(&self, old: &Path) {
        if !(self.spare && reuse::keep_spare(&self.out, &self.folder, old)) {
            let _ = fs::remove_dir_all(old);
        }
    }
}

/// SHA256SUMS in `sha256sum` format, sorted by path.
pub fn sha256sums(sums: &mut [(String, Sha)]) -> String {
    sums.sort();
    sorted_sums(sums)
}

fn sorted_sums(sums: &[(String, Sha)]) -> String {
    let mut text = String::with_capacity(sums.iter().map(|(p, _)| p.len() + 64 + 3).sum());
    for (path, hash) in sums {
        hash.push_hex(&mut text);
        text.push_str("  ");
        text.push_str(path);
        text.push('\n');
    }
    text
}

impl Staging {
    fn writers(&self) -> Writers {
        Writers {
            dirs: Arc::clone(&self.dirs),
            reuse: Arc::clone(&self.reuse),
            recorder: Arc::clone(&self.recorder),
        }
    }

    /// A renderer's name for a file, checked to stay inside the release
    /// folder, and the file's path in the staging folder.
    fn inside(&self, rel: &str) -> Result<(String, PathBuf), OutputError> {
        let rel = crate::link::join_inside_root("", rel)
            .ok_or_else(|| OutputError::OutsideFolder(rel.to_string()))?;
        let path = self.tmp.join(&rel);
        Ok((rel, path))
    }

    /// A file's line of SHA256SUMS.
    fn sum(&self, rel: String, sha256: Sha) -> Result<(), OutputError> {
        self.sums
            .lock()
            .map_err(|_| OutputError::WritersStopped)?
            .push((rel, sha256));
        Ok(())
    }

    fn queue(&self, rel: &str, bytes: Vec<u8>, key: Option<Sha>) -> Result<(), OutputError> {
        let (rel, path) = self.inside(rel)?;
        let sha256 = Sha::of(&bytes);
        fn stopped<E>(_: E) -> OutputError {
            OutputError::WritersStopped
        }
        self.sum(rel.clone(), sha256)?;
        let file = QueuedFile {
            file: Placed {
                rel,
                path,
                sha256,
                key,
            },
            bytes,
        };
        let sender = self.files.lock().map_err(stopped)?.clone();
        match sender {
            Some(s) => s.send(file).map_err(|_| {
                // The first write error says why the writers stopped.
                self.write_error
                    .lock()
                    .ok()
                    .and_then(|e| e.clone())
                    .unwrap_or(OutputError::WritersStopped)
            }),
            None => self.writers().place(file),
        }
    }
}

impl Output for Staging {
    fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        self.queue(rel, bytes, None)
    }

    fn put_keyed(&self, rel: &str, key: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        self.queue(rel, bytes, Sha::from_hex(key))
    }

    /// Hashed, then written here, on the renderer's thread, through a
    /// small buffer: never joined in memory.
    fn put_pieces(
        &self,
        rel: &str,
        key: Option<&str>,
        pieces: &[&[u8]],
    ) -> Result<(), OutputError> {
        let (rel, path) = self.inside(rel)?;
        let sha256 = Sha::of_pieces(pieces);
        self.sum(rel.clone(), sha256)?;
        let file = Placed {
            rel,
            path,
            sha256,
            key: key.and_then(Sha::from_hex),
        };
        self.writers().place_with(file, pieces)
    }

    /// Written here as it is made, through a buffer, hashed on the way.
    /// Never linked from the earlier build: its hash is known only at the
    /// end (packet.json, which every edit changes).
    fn create<'a>(
        &'a self,
        rel: &str,
    ) -> Result<Box<dyn crate::render::FileWriter + 'a>, OutputError> {
        let (rel, path) = self.inside(rel)?;
        let writers = self.writers();
        writers.parent_of(&path)?;
        if writers.recycled() {
            unlink(&path)?;
        }
        let file = fs::File::create(&path).map_err(|e| OutputError::io("write", &path, &e))?;
        Ok(Box::new(StagedFile {
            staging: self,
            writers,
            rel,
            path,
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            sha: <sha2::Sha256 as sha2::Digest>::new(),
            len: 0,
        }))
    }

    /// Linked here, on the rendering thread: one stat and one link, and
    /// the renderer must know at once whether to render.
    fn reuse(&self, rel: &str, key: &str) -> Result<bool, OutputError> {
        let (true, Some(key)) = (self.reuse.is_some(), Sha::from_hex(key)) else {
            return Ok(false);
        };
        let (rel, path) = self.inside(rel)?;
        let Some(sha256) = self.writers().place_by_key(&rel, &path, &key)? else {
            return Ok(false);
        };
        self.sum(rel, sha256)?;
        Ok(true)
    }

    fn part(&self, key: &str) -> Option<String> {
        self.parts.get(key)
    }

    fn keep_part(&self, key: &str, html: &str) {
        self.parts.put(key, html)
    }
}

/// A file of [`Staging`] being written ([`Output::create`]).
struct StagedFile<'a> {
    staging: &'a Staging,
    writers: Writers,
    rel: String,
    path: PathBuf,
    file: std::io::BufWriter<fs::File>,
    sha: sha2::Sha256,
    len: usize,
}

impl std::io::Write for StagedFile<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        sha2::Digest::update(&mut self.sha, &buf[..n]);
        self.len += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl crate::render::FileWriter for StagedFile<'_> {
    fn finish(self: Box<Self>) -> Result<(), OutputError> {
        let StagedFile {
            staging,
            writers,
            rel,
            path,
            file,
            sha,
            len,
        } = *self;
        let failed = |e: &std::io::Error| OutputError::io("write", &path, e);
        let file = file.into_inner().map_err(|e| failed(e.error()))?;
        let meta = closed(&file, len).map_err(|e| failed(&e))?;
        let sha256 = Sha(sha2::Digest::finalize(sha).into());
        staging.sum(rel.clone(), sha256)?;
        writers
            .recorder
            .record(rel, reuse::stat_of(&meta, sha256, None));
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_exactly_the_placed_files_and_drops_emptied_folders() {
        let dir = assert_fs::TempDir::new().unwrap();
        let d = dir.path();
        for rel in [
            "packet.json",
            "stale.html",
            "items/REQ-1.html",
            "items/REQ-2.html",
            "assets/x/deep.css",
            "gone/a/b.txt",
        ] {
            fs::create_dir_all(d.join(rel).parent().unwrap()).unwrap();
            fs::write(d.join(rel), rel).unwrap();
        }
        fs::create_dir_all(d.join("empty/inner")).unwrap();
        let placed: crate::fasthash::HashSet<&str> =
            ["packet.json", "items/REQ-1.html", "assets/x/deep.css"]
                .into_iter()
                .collect();
        prune(d, &placed).unwrap();
        let mut left: Vec<String> = walkdir::WalkDir::new(d)
            .min_depth(1)
            .into_iter()
            .flatten()
            .map(|e| crate::discover::relative(d, e.path()))
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "assets",
                "assets/x",
                "assets/x/deep.css",
                "items",
                "items/REQ-1.html",
                "packet.json"
            ]
        );
    }
}
