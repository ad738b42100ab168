//! Incremental builds: the files of the earlier build of this release that
//! the new build would write again byte for byte are hard-linked into the
//! staging folder instead of written. Rendering still runs (it is what
//! proves a file unchanged: its bytes hash the same); what is saved is the
//! disk: creating, writing and syncing 100k files costs seconds, linking
//! unchanged ones a fraction, and syncing them nothing.
//!
//! The cache is a manifest in `OUT/.relpack-cache/<folder>.manifest`
//! (postcard: 100k entries read in milliseconds, not tenths): each file
//! of the release folder with its SHA-256 and the stat (size, mtime, inode)
//! it had when relpack wrote it. A file is reused only when its stat still
//! matches, so a packet file edited by hand is written afresh, never linked
//! into the next packet. The manifest is removed before the release folder
//! is replaced and written after, so a build killed in between leaves no
//! manifest and the next build is a full one.

use crate::fasthash::HashMap;
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
    pub sha256: Sha,
    pub len: u64,
    pub mtime_ns: i128,
    pub ino: u64,
    /// The key of the inputs it was rendered from (`render::input_key`),
    /// for files whose renderer can tell before rendering.
    pub key: Option<Sha>,
}

/// A SHA-256 (of a file, or a key of a file's inputs): 32 bytes in memory
/// and in the binary manifest, so 100k entries are read and copied
/// without an allocation each; hex where JSON shows it (the parts' index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha(pub [u8; 32]);

impl Sha {
    pub fn of(bytes: &[u8]) -> Sha {
        Sha::of_pieces(&[bytes])
    }

    /// The SHA-256 of the pieces one after the other.
    pub fn of_pieces(pieces: &[&[u8]]) -> Sha {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for piece in pieces {
            h.update(piece);
        }
        Sha(h.finalize().into())
    }

    /// From 64 hex digits (either case); `None` for anything else.
    pub fn from_hex(s: &str) -> Option<Sha> {
        let s = s.as_bytes();
        if s.len() != 64 {
            return None;
        }
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 32];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Sha(out))
    }

    /// Lowercase hex, as `sha256sum` writes it.
    pub fn push_hex(&self, out: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for b in self.0 {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }

    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(64);
        self.push_hex(&mut s);
        s
    }
}

impl Serialize for Sha {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.hex())
        } else {
            s.serialize_bytes(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Sha {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sha, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Sha;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a SHA-256, as 32 bytes or 64 hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Sha, E> {
                Sha::from_hex(v).ok_or_else(|| E::custom("not 64 hex digits"))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Sha, E> {
                v.try_into().map(Sha).map_err(|_| E::custom("not 32 bytes"))
            }
        }
        if d.is_human_readable() {
            d.deserialize_str(Visit)
        } else {
            d.deserialize_bytes(Visit)
        }
    }
}

/// The earlier build's manifest: the release folder the entries describe,
/// and its files. Written by [`manifest`] (postcard); read by
/// [`Manifest::from_bytes`].
struct Manifest {
    folder: String,
    files: HashMap<String, Entry>,
}

/// The fewest bytes a file's entry takes in a manifest (its name's length,
/// a SHA-256 of 32 bytes with its length, and four more fields of at least
/// a byte each).
const MIN_ENTRY_BYTES: usize = 38;

impl Manifest {
    /// The map of files is made at its size at once (serde's own grows by
    /// doubling from a few thousand, touching twice the memory for 100k
    /// entries), but never larger than the bytes can hold: a forged count
    /// cannot make relpack reserve memory.
    fn from_bytes(bytes: &[u8]) -> Option<Manifest> {
        use serde::de::DeserializeSeed;
        let mut de = postcard::Deserializer::from_bytes(bytes);
        ManifestSeed(bytes.len() / MIN_ENTRY_BYTES)
            .deserialize(&mut de)
            .ok()
    }
}

/// A manifest of at most this many files.
struct ManifestSeed(usize);

impl<'de> serde::de::DeserializeSeed<'de> for ManifestSeed {
    type Value = Manifest;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Manifest, D::Error> {
        d.deserialize_struct("Manifest", &["folder", "files"], self)
    }
}

impl<'de> serde::de::Visitor<'de> for ManifestSeed {
    type Value = Manifest;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a manifest")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Manifest, A::Error> {
        let missing = || serde::de::Error::custom("a manifest has a folder and its files");
        let folder: String = s.next_element()?.ok_or_else(missing)?;
        let files = s
            .next_element_seed(FilesSeed(self.0))?
            .ok_or_else(missing)?;
        Ok(Manifest { folder, files })
    }
}

/// A manifest's files, at most this many.
struct FilesSeed(usize);

impl<'de> serde::de::DeserializeSeed<'de> for FilesSeed {
    type Value = HashMap<String, Entry>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FilesSeed {
    type Value = HashMap<String, Entry>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of files")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let n = m.size_hint().unwrap_or(0).min(self.0);
        let mut files = HashMap::with_capacity_and_hasher(n, Default::default());
        while let Some((k, v)) = m.next_entry()? {
            files.insert(k, v);
        }
        Ok(files)
    }
}

/// The earlier build's files that may be linked into the new one.
pub struct Reuse {
    dir: PathBuf,
    files: HashMap<String, Entry>,
    /// When the staging folder is the spare (the packet before the earlier
    /// one, see [`take_spare`]): the files it started with.
    staged: Option<HashMap<String, Entry>>,
}

fn manifest_path(out: &Path, folder: &str) -> PathBuf {
    out.join(CACHE_DIR).join(format!("{folder}.manifest"))
}

/// The packet before the one in place, kept after an incremental build so
/// that the next one starts from it: most of its files are already the
/// right ones (hard links to the same inodes as the folder in place), so
/// the next build unlinks and links only what changed instead of linking
/// 100k files into an empty folder and removing 100k from the old one.
fn spare_dir(out: &Path, folder: &str) -> PathBuf {
    out.join(CACHE_DIR).join(format!("{folder}.spare"))
}

fn spare_manifest(out: &Path, folder: &str) -> PathBuf {
    out.join(CACHE_DIR).join(spare_manifest_name(folder))
}

fn read_manifest(path: &Path, folder: &str) -> Option<HashMap<String, Entry>> {
    let bytes = fs::read(path).ok()?;
    let m = Manifest::from_bytes(&bytes)?;
    (m.folder == folder).then_some(m.files)
}

/// Move the spare of `out/folder` to `staging` (which must not exist) and
/// return the files it holds. Its manifest is removed first: from now on
/// the folder changes, and a build killed meanwhile leaves no spare to
/// trust. `None`: there is no complete spare; stage into an empty folder.
pub fn take_spare(out: &Path, folder: &str, staging: &Path) -> Option<HashMap<String, Entry>> {
    let (dir, manifest) = (spare_dir(out, folder), spare_manifest(out, folder));
    // The JSON manifest of relpack before 2026-12-03.
    let _ = fs::remove_file(out.join(CACHE_DIR).join(format!("{folder}.spare.json")));
    let files = read_manifest(&manifest, folder);
    let _ = fs::remove_file(&manifest);
    // The staging folder's folders are created through (`create_dir_all`):
    // a link among them, as a repository could commit into OUT, would have
    // pages written wherever it points. A link deeper is unlinked like a
    // file, never written through.
    let linked = fs::read_dir(&dir).map_or(true, |entries| {
        entries
            .flatten()
            .any(|e| e.file_type().map_or(true, |t| t.is_symlink()))
    });
    if files.is_none() || linked || fs::rename(&dir, staging).is_err() {
        // A spare without its manifest is what a killed build left.
        let _ = fs::remove_dir_all(&dir);
        return None;
    }
    files
}

/// Before the folder in place is replaced: its manifest becomes the
/// spare's (renamed, not written again: the same files, the same inodes),
/// and any stale spare folder is removed, so that the folder about to be
/// replaced can become the spare ([`keep_spare`]). Until it does, the
/// spare's manifest names no folder and [`take_spare`] finds none.
/// `false`: there is no such manifest; the replaced folder is removed.
pub fn manifest_to_spare(out: &Path, folder: &str) -> bool {
    let _ = fs::remove_dir_all(spare_dir(out, folder));
    fs::rename(manifest_path(out, folder), spare_manifest(out, folder)).is_ok()
}

/// Move `old`, the folder just replaced, to be the spare for the next
/// build (its manifest already is, see [`manifest_to_spare`]). `false`:
/// it could not be kept; the caller removes it.
pub fn keep_spare(out: &Path, folder: &str, old: &Path) -> bool {
    if fs::rename(old, spare_dir(out, folder)).is_ok() {
        return true;
    }
    let _ = fs::remove_file(spare_manifest(out, folder));
    false
}

/// After a build that replaced no folder: make the spare from the packet
/// just placed, every file of `files` hard-linked (the same inodes, so the
/// packet's own manifest, written as [`spare_manifest_name`] by the
/// caller once this returns `true`, describes it as well). Without it,
/// the first rebuild after a full one would link 100k files into an
/// empty folder: about 1 s here, more than the rest of a one-edit
/// rebuild's writing. SHA256SUMS is not among `files`, so no staging
/// folder made from the spare ever holds a link to the packet's own. A
/// build killed before the manifest is written leaves a spare
/// [`take_spare`] removes; on `false` the caller forgets the half spare.
pub fn link_spare(out: &Path, folder: &str, files: &HashMap<String, Entry>) -> bool {
    forget_spare(out, folder);
    crate::durable::link_tree(&out.join(folder), &spare_dir(out, folder), &|rel| {
        files.contains_key(rel)
    })
    .is_ok()
}

/// The file name of the spare's manifest in `OUT/.relpack-cache/`.
pub fn spare_manifest_name(folder: &str) -> String {
    format!("{folder}.spare.manifest")
}

/// Forget the spare of `out/folder` (`--clean`).
pub fn forget_spare(out: &Path, folder: &str) {
    let _ = fs::remove_file(spare_manifest(out, folder));
    let _ = fs::remove_file(out.join(CACHE_DIR).join(format!("{folder}.spare.json")));
    let _ = fs::remove_dir_all(spare_dir(out, folder));
}

impl Reuse {
    /// How many files the earlier build placed.
    pub fn earlier_files(&self) -> usize {
        self.files.len()
    }

    /// The manifest of `out/folder`, if a complete earlier build left one.
    pub fn load(out: &Path, folder: &str) -> Option<Reuse> {
        Some(Reuse {
            dir: out.join(folder),
            files: read_manifest(&manifest_path(out, folder), folder)?,
            staged: None,
        })
    }

    /// The staging folder starts as the spare, holding these files.
    pub fn with_staged(self, staged: Option<HashMap<String, Entry>>) -> Reuse {
        Reuse { staged, ..self }
    }

    /// Whether the staging folder started as the spare: every file put
    /// there must replace (unlink, then create) whatever the name holds,
    /// which may be a hard link to a file of the packet in place.
    pub fn recycled(&self) -> bool {
        self.staged.is_some()
    }

    /// The entry of the staging folder's own file at `rel` when it already
    /// holds these bytes (or was rendered from inputs with this key).
    pub fn staged(&self, rel: &str, sha256: Option<&Sha>, key: Option<&Sha>) -> Option<&Entry> {
        let e = self.staged.as_ref()?.get(rel)?;
        let same =
            sha256.is_some_and(|h| *h == e.sha256) || (key.is_some() && e.key.as_ref() == key);
        same.then_some(e)
    }

    /// The files of the folder in place (the next build's spare).
    pub fn files(&self) -> &HashMap<String, Entry> {
        &self.files
    }

    /// The earlier file at `rel` when it was rendered from inputs with this
    /// key (proven untouched by [`link_unchanged`]).
    pub fn by_key(&self, rel: &str, key: &Sha) -> Option<(PathBuf, &Entry)> {
        let e = self
            .files
            .get(rel)
            .filter(|e| e.key.as_ref() == Some(key))?;
        Some((self.dir.join(rel), e))
    }

    /// The earlier file at `rel` when it holds exactly `sha256` and was not
    /// touched since relpack wrote it.
    pub fn candidate(&self, rel: &str, sha256: &Sha) -> Option<(PathBuf, &Entry)> {
        let e = self.files.get(rel).filter(|e| e.sha256 == *sha256)?;
        Some((self.dir.join(rel), e))
    }
}

/// Whether the file at `path` still is the one `entry` describes.
pub fn still(path: &Path, entry: &Entry) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && same_file(&m, entry))
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
    stat_of(m, entry.sha256, None).is_some_and(|now| {
        (now.len, now.mtime_ns, now.ino) == (entry.len, entry.mtime_ns, entry.ino)
    })
}

/// The entry for a file just written or linked.
pub fn stat_of(m: &fs::Metadata, sha256: Sha, key: Option<Sha>) -> Option<Entry> {
    let mtime = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(Entry {
        sha256,
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
    /// A recorder for about `files` files (the earlier build's number).
    pub fn with_capacity(files: usize) -> Recorder {
        Recorder {
            files: Mutex::new(HashMap::with_capacity_and_hasher(files, Default::default())),
            ..Recorder::default()
        }
    }

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
    // The JSON manifest of relpack before 2026-12-03.
    let _ = fs::remove_file(out.join(CACHE_DIR).join(format!("{folder}.json")));
}

/// The manifest of the folder now in place, and where it goes (`write/mod.rs`
/// replaces it atomically). `None`: it cannot be serialized, and the next
/// build is simply a full one.
pub fn manifest(
    out: &Path,
    name: &str,
    folder: &str,
    files: &HashMap<String, Entry>,
) -> Option<(PathBuf, String, Vec<u8>)> {
    #[derive(Serialize)]
    struct ManifestRef<'a> {
        folder: &'a str,
        files: &'a HashMap<String, Entry>,
    }
    // Sized once (a path and about 100 bytes an entry), not grown by
    // doubling to 10 MB.
    let size = files.keys().map(|k| k.len() + 100).sum::<usize>() + folder.len() + 16;
    let bytes =
        postcard::to_extend(&ManifestRef { folder, files }, Vec::with_capacity(size)).ok()?;
    Some((out.join(CACHE_DIR), format!("{name}.manifest"), bytes))
}

/// The summaries of the packets in OUT (what OUT/index.html lists), kept in
/// `OUT/.relpack-cache/.summaries.json` (no release folder starts with a dot) by the stat of each folder's
/// packet.json: listing the releases then reads no packet.json that did not
/// change, and the release just built gives its own from its model.
#[derive(Default, Serialize, Deserialize)]
pub struct Summaries {
    folders: HashMap<String, CachedSummary>,
}

#[derive(Serialize, Deserialize)]
struct CachedSummary {
    len: u64,
    mtime_ns: i128,
    ino: u64,
    summary: crate::packet_file::Summary,
}

impl Summaries {
    fn path(out: &Path) -> PathBuf {
        out.join(CACHE_DIR).join(".summaries.json")
    }

    /// The cache as the last build left it (empty when there is none or it
    /// does not parse: it is only ever a shortcut).
    pub fn load(out: &Path) -> Summaries {
        fs::read(Summaries::path(out))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// The summary of `packet_json` (of release folder `folder`) if the file
    /// is still the one it was taken from.
    pub fn get(&self, folder: &str, m: &fs::Metadata) -> Option<&crate::packet_file::Summary> {
        let c = self.folders.get(folder)?;
        let now = stat_of(m, Sha([0; 32]), None)?;
        ((now.len, now.mtime_ns, now.ino) == (c.len, c.mtime_ns, c.ino)).then_some(&c.summary)
    }

    pub fn insert(&mut self, folder: &str, m: &fs::Metadata, summary: crate::packet_file::Summary) {
        if let Some(now) = stat_of(m, Sha([0; 32]), None) {
            self.folders.insert(
                folder.to_string(),
                CachedSummary {
                    len: now.len,
                    mtime_ns: now.mtime_ns,
                    ino: now.ino,
                    summary,
                },
            );
        }
    }

    /// Keep only `folders` (releases removed from OUT drop out).
    pub fn retain(&mut self, folders: &std::collections::HashSet<String>) {
        self.folders.retain(|f, _| folders.contains(f));
    }

    /// Write the cache (a temporary file renamed over it; a failure only
    /// costs the next listing its shortcut).
    pub fn save(&self, out: &Path) {
        let path = Summaries::path(out);
        let tmp = path.with_extension("json.tmp");
        let written = serde_json::to_vec(self)
            .map_err(std::io::Error::other)
            .and_then(|b| {
                fs::create_dir_all(out.join(CACHE_DIR))?;
                fs::write(&tmp, b)
            })
            .and_then(|()| fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest reads back as written; one cut short or claiming more
    /// files than its bytes hold is refused (its map is sized by
    /// `MIN_ENTRY_BYTES`, not by the claim).
    #[test]
    fn a_manifest_reads_back_and_a_forged_count_is_refused() {
        let mut files = HashMap::default();
        for n in 0..1000u64 {
            files.insert(
                format!("items/REQ-{n}.html"),
                Entry {
                    sha256: Sha([n as u8; 32]),
                    len: n,
                    mtime_ns: -(n as i128),
                    ino: n * 7,
                    key: (n % 2 == 0).then_some(Sha([1; 32])),
                },
            );
        }
        let (_, _, bytes) = manifest(Path::new("out"), "R-1", "R-1", &files).unwrap();
        let read = Manifest::from_bytes(&bytes).unwrap();
        assert_eq!(read.folder, "R-1");
        assert_eq!(read.files.len(), files.len());
        for (k, e) in &files {
            let r = &read.files[k];
            assert_eq!(
                (r.sha256, r.len, r.mtime_ns, r.ino, r.key),
                (e.sha256, e.len, e.mtime_ns, e.ino, e.key)
            );
        }
        // A folder name, then a map of 2^62 files, then nothing.
        let mut forged = vec![3, b'R', b'-', b'1'];
        forged.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
        assert!(Manifest::from_bytes(&forged).is_none());
        assert!(Manifest::from_bytes(&bytes[..bytes.len() / 2]).is_none());
    }

    #[test]
    fn a_sha_is_hex_in_json_and_bytes_in_the_manifest() {
        let sha = Sha::of(b"relpack");
        let hex = sha.hex();
        assert_eq!(
            hex,
            format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(b"relpack"))
        );
        assert_eq!(Sha::from_hex(&hex), Some(sha));
        assert_eq!(Sha::of_pieces(&[b"rel", b"", b"pack"]), sha);
        assert_eq!(Sha::from_hex(&hex.to_uppercase()), Some(sha));
        for bad in [
            "",
            "g".repeat(64).as_str(),
            &hex[1..],
            "é".repeat(32).as_str(),
        ] {
            assert_eq!(Sha::from_hex(bad), None, "{bad:?}");
        }
        let json = serde_json::to_string(&sha).unwrap();
        assert_eq!(json, format!("\"{hex}\""));
        assert_eq!(serde_json::from_str::<Sha>(&json).unwrap(), sha);
        let bin = postcard::to_allocvec(&sha).unwrap();
        assert_eq!(bin.len(), 33, "a length byte and 32 bytes");
        assert_eq!(postcard::from_bytes::<Sha>(&bin).unwrap(), sha);
        assert!(postcard::from_bytes::<Sha>(&bin[..20]).is_err());
    }
}
