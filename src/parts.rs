//! Rendered parts of the big section pages, kept between builds. The trace
//! matrix, the requirements and the verification page of a 100k-item
//! release each list every row, and each shows the release digest, which
//! any edit changes: the page is always made again, but its rows are
//! rendered in parts of a few hundred, each named by the key of its inputs
//! (`render::input_key`), and a part whose key an earlier build already
//! rendered is read back instead of rendered.
//!
//! The parts live in `OUT/.relpack-cache/.parts/<key>.html`, with an index
//! (`.parts.json`) holding each one's SHA-256 and the stat it had when
//! relpack wrote it; a part is read back only while its stat still
//! matches, so a part edited by hand is rendered again, never copied into
//! a packet. After each build the index lists the parts that build used,
//! and every other file in the folder is removed: the cache holds one
//! build's parts.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::reuse::{self, Entry, CACHE_DIR};

/// The parts of the last build, and those of this one as they are used.
pub struct PartStore {
    dir: PathBuf,
    index_path: PathBuf,
    earlier: HashMap<String, Entry>,
    used: Mutex<HashMap<String, Entry>>,
}

/// A key is a hex SHA-256; nothing else may name a file.
fn valid_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

impl PartStore {
    /// The store of `out`; without `incremental` (`--clean`), nothing of
    /// earlier builds is read back.
    pub fn open(out: &Path, incremental: bool) -> PartStore {
        let cache = out.join(CACHE_DIR);
        let index_path = cache.join(".parts.json");
        let earlier = if incremental {
            fs::read(&index_path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default()
        } else {
            HashMap::new()
        };
        PartStore {
            dir: cache.join(".parts"),
            index_path,
            earlier,
            used: Mutex::new(HashMap::new()),
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.html"))
    }

    /// The part an earlier build rendered from inputs with this key, if it
    /// is still as relpack wrote it.
    pub fn get(&self, key: &str) -> Option<String> {
        if !valid_key(key) {
            return None;
        }
        let entry = self.earlier.get(key)?;
        let path = self.path(key);
        if !reuse::still(&path, entry) {
            return None;
        }
        let text = fs::read_to_string(&path).ok()?;
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.to_string(), entry.clone());
        }
        Some(text)
    }

    /// Keep a part just rendered for the next build. A failure only costs
    /// that build the shortcut.
    pub fn put(&self, key: &str, html: &str) {
        if !valid_key(key) {
            return;
        }
        let path = self.path(key);
        let tmp = self.dir.join(format!(".{key}.tmp-{}", std::process::id()));
        let written = fs::create_dir_all(&self.dir)
            .and_then(|()| fs::write(&tmp, html))
            .and_then(|()| fs::rename(&tmp, &path))
            .and_then(|()| fs::symlink_metadata(&path));
        match written {
            Ok(m) => {
                let sha = reuse::Sha::of(html.as_bytes());
                if let (Some(entry), Ok(mut used)) =
                    (reuse::stat_of(&m, sha, None), self.used.lock())
                {
                    used.insert(key.to_string(), entry);
                }
            }
            Err(_) => {
                let _ = fs::remove_file(&tmp);
            }
        }
    }

    /// After the build: the index names the parts this build used, and the
    /// folder keeps only those.
    pub fn finish(&self) {
        let Ok(used) = self.used.lock() else {
            return;
        };
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let keep = name
                    .strip_suffix(".html")
                    .is_some_and(|key| used.contains_key(key));
                if !keep {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        if used.is_empty() && self.earlier.is_empty() {
            return;
        }
        let tmp = self.index_path.with_extension("json.tmp");
        let written = serde_json::to_vec(&*used)
            .map_err(std::io::Error::other)
            .and_then(|b| fs::write(&tmp, b))
            .and_then(|()| fs::rename(&tmp, &self.index_path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
            let _ = fs::remove_file(&self.index_path);
        }
    }
}
