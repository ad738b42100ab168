//! The parse cache: the items of an evidence file, kept by the SHA-256 of
//! its bytes, so that a tree of 100k items is not parsed again whole after
//! one edit (TOML parsing is most of `check`'s time). Only files that
//! parsed without any diagnostic are kept; a file is always read and
//! hashed, so an entry can only stand for exactly the bytes it came from.
//!
//! An entry is `<folder>/<sha256>.<class>` (`toml`, `markdown`, `junit`):
//! postcard bytes of the items (with each one's digest without
//! attachments, when the pipeline gave a way to hash) or JUnit cases,
//! headed by relpack's identity (version and binary), so another relpack
//! never reads what this one wrote. Entries are written to a temporary
//! name and renamed (a reader sees a whole entry or none); one that cannot
//! be read or decoded is a miss, never an error. The folder is OUT's
//! `.relpack-cache/parse` or `[cache] folder` of relpack.toml (outside the
//! evidence root); relpack creates and removes nothing else there.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::diag::FileId;
use crate::item::{Item, Kind, Origin, Spans};
use crate::parse::junit::JunitCase;

/// The subfolder of a cache folder that holds parse entries.
pub const SUBFOLDER: &str = "parse";

/// Deeper than the parser accepts is a forged entry.
const MAX_DEPTH: usize = 40;

/// An item by its file and the start of its span.
pub type ItemAt = (FileId, usize);

pub struct ParseCache {
    dir: PathBuf,
    /// Read entries? (`--clean` writes them but trusts none.)
    read: bool,
    /// The entries this run looked up, for pruning the others.
    used: Mutex<HashSet<String>>,
    /// Entries made this run, written by [`ParseCache::commit`] (only for
    /// valid evidence: a refused run writes nothing).
    made: Mutex<Vec<(String, Vec<u8>)>>,
    /// Each item's digest without attachments, by (file, start of its
    /// span): kept with its entry, or computed where its file was parsed.
    digests: Mutex<Vec<(ItemAt, [u8; 32])>>,
    /// How an item is hashed (`digest::item_sha256` without attachments),
    /// given by the pipeline: parsing knows nothing of digests.
    digest: Option<fn(&Item) -> [u8; 32]>,
}

/// Every entry: relpack's identity, then the file's items or cases.
#[derive(Serialize, Deserialize)]
struct Entry<T> {
    identity: String,
    body: T,
}

#[derive(Serialize, Deserialize)]
struct CachedItem {
    kind: String,
    id: String,
    span: (usize, usize),
    /// Pre-order nodes of the fields object (flat: decoding a forged entry
    /// cannot recurse without bound).
    fields: Vec<Node>,
    value_spans: Spans,
    key_spans: Spans,
    /// `digest::item_sha256` of the item as parsed, without attachments
    /// (`None` from a cache that was given no way to hash).
    digest: Option<[u8; 32]>,
}

#[derive(Serialize, Deserialize)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    /// An array of this many values (the next nodes).
    Array(u32),
    /// An object of this many members: each a `Key`, then its value.
    Object(u32),
    Key(String),
}

/// relpack's version and the running binary (size, mtime): a rebuilt
/// relpack may parse (or render) differently. Without a readable binary it
/// is unique to this process: nothing cached is reused.
static IDENTITY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let exe = std::env::current_exe()
        .and_then(fs::metadata)
        .and_then(|m| Ok((m.len(), m.modified()?)));
    match exe {
        Ok((len, mtime)) => format!("relpack {} {len} {mtime:?}", env!("CARGO_PKG_VERSION")),
        Err(_) => format!(
            "pid {} {:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ),
    }
});

/// [`IDENTITY`], which every cache of relpack's work is keyed by.
pub fn binary_identity() -> &'static str {
    &IDENTITY
}

impl ParseCache {
    /// The cache in `dir` (created by the first [`ParseCache::commit`]).
    /// `read`: use what earlier runs kept; `false` only refreshes it.
    pub fn new(dir: &Path, read: bool) -> ParseCache {
        ParseCache {
            dir: dir.to_path_buf(),
            read,
            used: Mutex::new(HashSet::new()),
            made: Mutex::new(Vec::new()),
            digests: Mutex::new(Vec::new()),
            digest: None,
        }
    }

    /// Keep each item's digest too, made by `digest`.
    pub fn with_digest(mut self, digest: fn(&Item) -> [u8; 32]) -> ParseCache {
        self.digest = Some(digest);
        self
    }

    fn name(sha256: &str, class: &str) -> String {
        format!("{sha256}.{class}")
    }

    /// The body of entry `name`, counted as used; `None` under `--clean`,
    /// or when missing, damaged or written by another relpack.
    fn load<T: serde::de::DeserializeOwned>(&self, name: String) -> Option<T> {
        let path = self.dir.join(&name);
        self.used.lock().ok()?.insert(name);
        if !self.read {
            return None;
        }
        let bytes = fs::read(path).ok()?;
        let entry: Entry<T> = postcard::from_bytes(&bytes).ok()?;
        (entry.identity == *IDENTITY).then_some(entry.body)
    }

    fn store(&self, name: String, body: impl Serialize) {
        let entry = Entry {
            identity: IDENTITY.clone(),
            body,
        };
        if let (Ok(bytes), Ok(mut made)) = (postcard::to_allocvec(&entry), self.made.lock()) {
            made.push((name, bytes));
        }
    }

    /// The items of the file whose bytes hash to `sha256`, read as `class`,
    /// placed in `file`; `None`: not kept (or not readable), parse it.
    pub fn get(&self, sha256: &str, class: &str, file: FileId) -> Option<Vec<Item>> {
        let cached: Vec<CachedItem> = self.load(Self::name(sha256, class))?;
        let mut digests = Vec::with_capacity(cached.len());
        let items = cached
            .into_iter()
            .map(|c| {
                let digest = c.digest;
                let item = c.into_item(file)?;
                if let Some(d) = digest.filter(|_| self.digest.is_some()) {
                    digests.push(((file, item.origin.span.start), d));
                }
                Some(item)
            })
            .collect::<Option<Vec<Item>>>()?;
        self.remember(digests);
        Some(items)
    }

    /// Keep the items parsed from `sha256`'s bytes, for [`ParseCache::commit`].
    pub fn put(&self, sha256: &str, class: &str, items: &[Item]) {
        let cached: Vec<CachedItem> = items
            .iter()
            .map(|i| CachedItem::of(i, self.digest))
            .collect();
        self.remember(
            items
                .iter()
                .zip(&cached)
                .filter_map(|(i, c)| Some(((i.origin.file, i.origin.span.start), c.digest?)))
                .collect(),
        );
        self.store(Self::name(sha256, class), cached);
    }

    fn remember(&self, digests: Vec<(ItemAt, [u8; 32])>) {
        if let Ok(mut all) = self.digests.lock() {
            all.extend(digests);
        }
    }

    /// The digests without attachments of the items this run read or
    /// parsed, by (file, start of the item's span). They hold for an item
    /// only as parsed: not once a BOM completed it, nor with attachments.
    pub fn take_digests(&self) -> std::collections::HashMap<ItemAt, [u8; 32]> {
        self.digests
            .lock()
            .map(|mut d| std::mem::take(&mut *d).into_iter().collect())
            .unwrap_or_default()
    }

    /// The cases of the JUnit file whose bytes hash to `sha256`.
    pub fn get_junit(&self, sha256: &str) -> Option<Vec<JunitCase>> {
        self.load(Self::name(sha256, "junit"))
    }

    /// Keep the cases read from `sha256`'s bytes.
    pub fn put_junit(&self, sha256: &str, cases: &[JunitCase]) {
        self.store(Self::name(sha256, "junit"), cases);
    }

    /// Write the entries made this run and prune the folder. Best effort:
    /// a cache that cannot be written only makes the next run slower.
    pub fn commit(self) {
        let made = self.made.into_inner().unwrap_or_default();
        if made.is_empty() && !self.dir.is_dir() {
            return;
        }
        if fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        {
            use rayon::prelude::*;
            made.par_iter().for_each(|(name, bytes)| {
                let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
                if fs::write(&tmp, bytes).is_err() || fs::rename(&tmp, self.dir.join(name)).is_err()
                {
                    let _ = fs::remove_file(&tmp);
                }
            });
        }
        let mut used = self.used.into_inner().unwrap_or_default();
        used.extend(made.into_iter().map(|(name, _)| name));
        prune(&self.dir, &used);
    }
}

/// Remove the entries this run did not look up once they outnumber the
/// ones it did (so switching between two branches keeps both), and the
/// temporary files of runs that died.
fn prune(dir: &Path, used: &HashSet<String>) {
    let Ok(list) = fs::read_dir(dir) else {
        return;
    };
    let names: Vec<String> = list
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| is_entry_name(n) || is_temp_name(n))
        .collect();
    let stale: Vec<&String> = names.iter().filter(|n| !used.contains(*n)).collect();
    let many = stale.iter().filter(|n| is_entry_name(n)).count() > used.len() + 64;
    for n in stale {
        if is_temp_name(n) {
            remove_if_dead(dir, n);
        } else if many {
            let _ = fs::remove_file(dir.join(n));
        }
    }
}

/// `<64 hex>.<class>`: the only names relpack removes besides its
/// temporary files.
fn is_entry_name(n: &str) -> bool {
    let Some((hash, class)) = n.split_once('.') else {
        return false;
    };
    hash.len() == 64
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !class.is_empty()
        && class.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_temp_name(n: &str) -> bool {
    n.strip_prefix('.')
        .and_then(|n| n.rsplit_once(".tmp-"))
        .is_some_and(|(entry, pid)| is_entry_name(entry) && pid.parse::<u32>().is_ok())
}

fn remove_if_dead(dir: &Path, n: &str) {
    let pid = n
        .rsplit_once(".tmp-")
        .and_then(|(_, p)| p.parse::<u32>().ok());
    if pid.is_some_and(|p| !crate::durable::process_alive(p)) {
        let _ = fs::remove_file(dir.join(n));
    }
}

impl CachedItem {
    fn of(item: &Item, digest: Option<fn(&Item) -> [u8; 32]>) -> CachedItem {
        let mut fields = Vec::new();
        push_object(&item.fields, &mut fields);
        CachedItem {
            kind: item.kind.name().to_string(),
            id: item.id.clone(),
            span: (item.origin.span.start, item.origin.span.end),
            fields,
            value_spans: item.origin.value_spans.clone(),
            key_spans: item.origin.key_spans.clone(),
            digest: digest.map(|d| d(item)),
        }
    }

    fn into_item(self, file: FileId) -> Option<Item> {
        let kind = Kind::from_name(&self.kind)?;
        let mut nodes = self.fields.into_iter();
        let Some(Node::Object(n)) = nodes.next() else {
            return None;
        };
        let fields = object(n, &mut nodes, 1)?;
        if nodes.next().is_some() {
            return None;
        }
        if !(self.value_spans.is_whole() && self.key_spans.is_whole()) {
            return None;
        }
        Some(Item {
            kind,
            id: self.id,
            fields: fields.into(),
            origin: Origin {
                file,
                span: self.span.0..self.span.1,
                value_spans: self.value_spans,
                key_spans: self.key_spans,
            },
            from_bom: false,
        })
    }
}

fn push_object(map: &Map<String, Value>, out: &mut Vec<Node>) {
    out.push(Node::Object(map.len() as u32));
    for (k, v) in map {
        out.push(Node::Key(k.clone()));
        push_value(v, out);
    }
}

fn push_value(v: &Value, out: &mut Vec<Node>) {
    match v {
        Value::Null => out.push(Node::Null),
        Value::Bool(b) => out.push(Node::Bool(*b)),
        Value::Number(n) => out.push(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Node::Int(i),
            (None, Some(u), _) => Node::Uint(u),
            (None, None, f) => Node::Float(f.unwrap_or(f64::NAN)),
        }),
        Value::String(s) => out.push(Node::Str(s.clone())),
        Value::Array(a) => {
            out.push(Node::Array(a.len() as u32));
            for v in a {
                push_value(v, out);
            }
        }
        Value::Object(m) => push_object(m, out),
    }
}

fn object(
    n: u32,
    nodes: &mut impl Iterator<Item = Node>,
    depth: usize,
) -> Option<Map<String, Value>> {
    let mut map = Map::new();
    for _ in 0..n {
        let Some(Node::Key(k)) = nodes.next() else {
            return None;
        };
        let v = value(nodes, depth + 1)?;
        map.insert(k, v);
    }
    Some(map)
}

fn value(nodes: &mut impl Iterator<Item = Node>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match nodes.next()? {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::Number(i.into()),
        Node::Uint(u) => Value::Number(u.into()),
        Node::Float(f) => Value::Number(Number::from_f64(f)?),
        Node::Str(s) => Value::String(s),
        Node::Array(n) => {
            // A forged count cannot reserve more than the nodes there are.
            let mut a = Vec::new();
            for _ in 0..n {
                a.push(value(nodes, depth + 1)?);
            }
            Value::Array(a)
        }
        Node::Object(n) => Value::Object(object(n, nodes, depth)?),
        Node::Key(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stands for the digest (which parsing does not depend on).
    fn fake_digest(item: &Item) -> [u8; 32] {
        let mut d = [0; 32];
        d[..item.id.len().min(32)].copy_from_slice(&item.id.as_bytes()[..item.id.len().min(32)]);
        d
    }

    fn parsed(text: &str) -> Vec<Item> {
        let (items, diags) = crate::parse::toml::parse_items_file(text, 7);
        assert!(diags.is_empty(), "{diags:?}");
        items
    }

    fn same(a: &[Item], b: &[Item]) {
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(b) {
            assert_eq!((a.kind, &a.id, &a.fields), (b.kind, &b.id, &b.fields));
            assert_eq!(
                serde_json::to_string(&a.fields).unwrap(),
                serde_json::to_string(&b.fields).unwrap(),
                "order of keys"
            );
            assert_eq!(a.origin.span, b.origin.span);
            assert_eq!(a.origin.value_spans, b.origin.value_spans);
            assert_eq!(a.origin.key_spans, b.origin.key_spans);
            assert_eq!(a.origin.file, b.origin.file);
        }
    }

    const TEXT: &str = r#"
[[requirement]]
id = "REQ-1"
title = "Dose \"limit\" ~/ é"
zeta = 1
alpha = [1, 2.5, true, 2024-01-02, { a = { b = [] } }]
big = -9223372036854775808
"a/b~c" = { x = "y" }

[[test]]
id = "TST-1"
verifies = "REQ-1"
"#;

    #[test]
    fn an_entry_gives_back_the_items_it_was_made_from() {
        let dir = assert_fs::TempDir::new().unwrap();
        let cache = ParseCache::new(dir.path(), true).with_digest(fake_digest);
        let items = parsed(TEXT);
        let hash = "a".repeat(64);
        assert!(cache.get(&hash, "toml", 7).is_none());
        cache.put(&hash, "toml", &items);
        cache.commit();
        let cache = ParseCache::new(dir.path(), true).with_digest(fake_digest);
        same(&cache.get(&hash, "toml", 7).unwrap(), &items);
        // Each item's digest without attachments comes back with it.
        let digests = cache.take_digests();
        assert_eq!(digests.len(), items.len());
        for item in &items {
            assert_eq!(digests[&(7, item.origin.span.start)], fake_digest(item));
        }
        // A cache given no way to hash offers no digests.
        let plain = ParseCache::new(dir.path(), true);
        assert!(plain.get(&hash, "toml", 7).is_some());
        assert!(plain.take_digests().is_empty());
        // `--clean`: kept, but not trusted.
        assert!(ParseCache::new(dir.path(), false)
            .get(&hash, "toml", 7)
            .is_none());
        // Another class of the same bytes is another entry.
        assert!(cache.get(&hash, "markdown", 7).is_none());
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_a_miss() {
        let dir = assert_fs::TempDir::new().unwrap();
        let cache = ParseCache::new(dir.path(), true);
        let hash = "b".repeat(64);
        cache.put(&hash, "toml", &parsed(TEXT));
        cache.commit();
        let cache = ParseCache::new(dir.path(), true);
        let path = dir.path().join(format!("{hash}.toml"));
        let bytes = fs::read(&path).unwrap();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            fs::write(&path, &bytes[..cut]).unwrap();
            assert!(cache.get(&hash, "toml", 0).is_none(), "cut at {cut}");
        }
        let foreign = Entry {
            identity: "relpack 0.0.0".into(),
            body: parsed(TEXT)
                .iter()
                .map(|i| CachedItem::of(i, None))
                .collect::<Vec<_>>(),
        };
        fs::write(&path, postcard::to_allocvec(&foreign).unwrap()).unwrap();
        assert!(cache.get(&hash, "toml", 0).is_none());
        // Nesting deeper than any parsed file is refused, not recursed.
        let mut fields = vec![Node::Object(1), Node::Key("a".into())];
        fields.extend((0..100_000).map(|_| Node::Array(1)));
        fields.push(Node::Null);
        let deep = Entry {
            identity: IDENTITY.clone(),
            body: vec![CachedItem {
                kind: "requirement".into(),
                id: "R".into(),
                span: (0, 1),
                fields,
                value_spans: Spans::default(),
                key_spans: Spans::default(),
                digest: None,
            }],
        };
        fs::write(&path, postcard::to_allocvec(&deep).unwrap()).unwrap();
        assert!(cache.get(&hash, "toml", 0).is_none());
        // Spans pointing past their pointers' text (or inside a character)
        // are forged too: spans are (pointers, [(end, start..end)]).
        for (pointers, end) in [("/id", 9u32), ("/é", 2)] {
            let mut item = CachedItem::of(&parsed(TEXT)[0], None);
            let forged = (pointers.to_string(), vec![(end, 0usize..1usize)]);
            item.value_spans =
                postcard::from_bytes(&postcard::to_allocvec(&forged).unwrap()).unwrap();
            let entry = Entry {
                identity: IDENTITY.clone(),
                body: vec![item],
            };
            fs::write(&path, postcard::to_allocvec(&entry).unwrap()).unwrap();
            assert!(cache.get(&hash, "toml", 0).is_none(), "{pointers} {end}");
        }
    }

    #[test]
    fn pruning_keeps_what_this_run_used_and_removes_only_entries() {
        let dir = assert_fs::TempDir::new().unwrap();
        let items = parsed(TEXT);
        let old = ParseCache::new(dir.path(), true);
        let hashes: Vec<String> = (0..100).map(|i| format!("{i:064x}")).collect();
        for h in &hashes {
            old.put(h, "toml", &items);
        }
        old.commit();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        // A temporary file of a live process stays; of a dead one goes.
        let live = format!(".{}.toml.tmp-{}", hashes[1], std::process::id());
        let dead = format!(".{}.toml.tmp-{}", hashes[1], u32::MAX - 1);
        fs::write(dir.path().join(&live), "").unwrap();
        fs::write(dir.path().join(&dead), "").unwrap();
        let now = ParseCache::new(dir.path(), true);
        assert!(now.get(&hashes[0], "toml", 0).is_some());
        now.commit();
        let left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        let mut left = left;
        left.sort();
        assert_eq!(
            left,
            vec![live, format!("{}.toml", hashes[0]), "notes.txt".into()]
        );
    }
}
