//! Stage 2, parse: read every discovered file in parallel (rayon) and turn
//! it into raw items, JUnit cases and SOUP components, each with where it
//! came from. Problems become diagnostics; parsing never stops early.

pub mod cache;
pub mod cyclonedx;
pub mod encoding;
pub mod junit;
pub mod markdown;
pub mod toml;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, FileId, Sources};
use crate::discover::{FileClass, FoundFile};
use crate::fsroot::{EvidenceRoot, FileRole, ReadError};
use crate::item::{Item, Kind};
use junit::{JunitFile, JunitParse};
use serde_json::Value;

/// A file that held evidence, for the evidence index.
#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Everything read from the tree.
pub struct ParsedTree {
    pub items: Vec<Item>,
    pub junit: Vec<JunitFile>,
    /// Files that held items, JUnit or a BOM.
    pub evidence_files: Vec<EvidenceFile>,
    /// Every other file, by relative path: attachment candidates.
    pub other_files: BTreeMap<String, std::path::PathBuf>,
    pub diags: Vec<Diagnostic>,
}

enum Parsed {
    Items {
        text: String,
        items: Vec<Item>,
        sha256: String,
        size: u64,
    },
    Junit(JunitFile),
    Bom {
        text: String,
        items: Vec<Item>,
        sha256: String,
        size: u64,
    },
    NotEvidence,
    /// A Markdown file that is not evidence but looks like it was meant to
    /// be: kept as text for the diagnostic that says so.
    NearMiss(String),
    /// Unreadable: its text as far as it could be decoded (lossily), for
    /// the diagnostic that points into it; empty when it could not be read.
    Failed(String),
}

/// Parse `files`; file ids are `first_id + index`, so ids match the order in
/// which the caller adds these files to `sources`.
pub fn parse_files(
    root: &EvidenceRoot,
    files: &[FoundFile],
    first_id: FileId,
    sources: &mut Sources,
    counters: &crate::progress::Counters,
    cache: Option<&cache::ParseCache>,
) -> ParsedTree {
    let results: Vec<(Parsed, Vec<Diagnostic>)> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let parsed = parse_one(root, f, first_id + i, cache);
            counters.files_read.add(1);
            parsed
        })
        .collect();
    let item_count = results
        .iter()
        .map(|(p, _)| match p {
            Parsed::Items { items, .. } | Parsed::Bom { items, .. } => items.len(),
            _ => 0,
        })
        .sum();
    let mut tree = ParsedTree {
        items: Vec::with_capacity(item_count),
        junit: Vec::new(),
        evidence_files: Vec::new(),
        other_files: BTreeMap::new(),
        diags: Vec::new(),
    };
    for (f, (parsed, diags)) in files.iter().zip(results) {
        tree.diags.extend(diags);
        let text = match parsed {
            Parsed::Items {
                text,
                items,
                sha256,
                size,
            } => {
                tree.items.extend(items);
                tree.evidence_files.push(EvidenceFile {
                    path: f.rel.clone(),
                    size,
                    sha256,
                });
                text
            }
            Parsed::Junit(j) => {
                tree.evidence_files.push(EvidenceFile {
                    path: f.rel.clone(),
                    size: j.size,
                    sha256: j.sha256.clone(),
                });
                tree.junit.push(j);
                String::new()
            }
            Parsed::Bom {
                text,
                items,
                sha256,
                size,
            } => {
                tree.items.extend(items);
                tree.evidence_files.push(EvidenceFile {
                    path: f.rel.clone(),
                    size,
                    sha256,
                });
                text
            }
            Parsed::NotEvidence => {
                tree.other_files.insert(f.rel.clone(), f.abs.clone());
                String::new()
            }
            Parsed::NearMiss(text) => {
                tree.other_files.insert(f.rel.clone(), f.abs.clone());
                text
            }
            Parsed::Failed(text) => text,
        };
        sources.add(f.rel.clone(), text);
    }
    tree
}

fn parse_one(
    root: &EvidenceRoot,
    f: &FoundFile,
    id: FileId,
    cache: Option<&cache::ParseCache>,
) -> (Parsed, Vec<Diagnostic>) {
    let role = match f.class {
        FileClass::Other => return (Parsed::NotEvidence, Vec::new()),
        FileClass::Xml => return parse_xml(root, f, id, cache),
        FileClass::BomXml | FileClass::BomJson => FileRole::Bom,
        FileClass::Items | FileClass::Markdown => FileRole::Items,
    };
    let bytes = match root.read(&f.rel, role) {
        Ok(b) => b,
        Err(e) => return read_failure(id, e),
    };
    let sha256 = sha256_hex(&bytes);
    let size = bytes.len() as u64;
    if f.class == FileClass::BomXml {
        let (items, diags) = cyclonedx::parse_xml_bom(bytes.as_slice(), &f.rel, id);
        // Kept as text for the diagnostics that point into it.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        return (
            Parsed::Bom {
                text,
                items,
                sha256,
                size,
            },
            diags,
        );
    }
    let opens_with_fence = f.class == FileClass::Markdown && markdown::opens_with_fence(&bytes);
    let text = match decode_text(bytes, &f.rel, id) {
        Ok(t) => t,
        // A Markdown file that is not text is not evidence, unless it
        // opens like an item: then it is an item that cannot be read.
        Err(_) if f.class == FileClass::Markdown && !opens_with_fence => {
            return (Parsed::NotEvidence, Vec::new())
        }
        Err(e) => {
            let (d, lossy) = *e;
            return (Parsed::Failed(lossy), vec![d]);
        }
    };
    // Items of these bytes kept by an earlier run (only clean parses are).
    let class = match f.class {
        FileClass::Items => Some("toml"),
        FileClass::Markdown if markdown::has_front_matter(&text) => Some("markdown"),
        _ => None,
    };
    let cached = class.and_then(|class| cache?.get(&sha256, class, id));
    if let Some(items) = cached {
        return (
            Parsed::Items {
                text,
                items,
                sha256,
                size,
            },
            Vec::new(),
        );
    }
    // Not an empty file: its warning is made beside the parse.
    let keep = |items: &[Item], diags: &[Diagnostic]| {
        if let (Some(c), Some(class)) = (cache, class) {
            if diags.is_empty() && !items.is_empty() {
                c.put(&sha256, class, items);
            }
        }
    };
    match f.class {
        FileClass::Items => {
            let (items, mut diags) = toml::parse_items_file(&text, id);
            keep(&items, &diags);
            if text.trim().is_empty() {
                diags.push(
                    Diagnostic::warning(format!("{}: empty file, no items", f.rel)).in_file(id),
                );
            }
            (
                Parsed::Items {
                    text,
                    items,
                    sha256,
                    size,
                },
                diags,
            )
        }
        FileClass::Markdown => {
            if !markdown::has_front_matter(&text) {
                // Not evidence; but a near miss (`+++ `, a blank first line,
                // `kind = ...` without a fence) is said, never dropped silently.
                return match markdown::near_miss(&text, id) {
                    Some(d) => (Parsed::NearMiss(text), vec![d]),
                    None => (Parsed::NotEvidence, Vec::new()),
                };
            }
            let (item, diags) = markdown::parse_markdown_item(&text, id);
            let items: Vec<Item> = item.into_iter().collect();
            keep(&items, &diags);
            (
                Parsed::Items {
                    text,
                    items,
                    sha256,
                    size,
                },
                diags,
            )
        }
        _ => {
            let (items, diags) = cyclonedx::parse_json_bom(&text, &f.rel, id);
            (
                Parsed::Bom {
                    text,
                    items,
                    sha256,
                    size,
                },
                diags,
            )
        }
    }
}

fn parse_xml(
    root: &EvidenceRoot,
    f: &FoundFile,
    id: FileId,
    cache: Option<&cache::ParseCache>,
) -> (Parsed, Vec<Diagnostic>) {
    // A report is streamed (it may be hundreds of megabytes): with a cache
    // it is read once to hash it, and parsed only when not kept.
    if let Some((sha256, size, cases)) = cache.and_then(|c| {
        let (sha256, size) = root.sha256(&f.rel, FileRole::Junit).ok()?;
        let cases = c.get_junit(&sha256)?;
        Some((sha256, size, cases))
    }) {
        let j = JunitFile {
            path: f.rel.clone(),
            file: id,
            sha256,
            size,
            cases,
        };
        return (Parsed::Junit(j), Vec::new());
    }
    let file = match root.open(&f.rel, FileRole::Junit) {
        Ok(file) => file,
        Err(e) => return read_failure(id, e),
    };
    match junit::parse_junit(&f.rel, id, file) {
        Ok(JunitParse::Junit(j, diags)) => {
            // Kept under the hash of the bytes this parse read.
            if let (Some(c), true) = (cache, diags.is_empty()) {
                c.put_junit(&j.sha256, &j.cases);
            }
            (Parsed::Junit(j), diags)
        }
        Ok(JunitParse::NotJunit) => (Parsed::NotEvidence, Vec::new()),
        Err(e) => (
            Parsed::Failed(String::new()),
            vec![Diagnostic::error(format!("{}: cannot read: {e}", f.rel)).in_file(id)],
        ),
    }
}

fn read_failure(id: FileId, e: ReadError) -> (Parsed, Vec<Diagnostic>) {
    (
        Parsed::Failed(String::new()),
        vec![Diagnostic::error(e.to_string()).in_file(id)],
    )
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// UTF-8 text without a byte-order mark, or a diagnostic naming where the
/// first invalid byte is.
pub fn decode_text(
    mut bytes: Vec<u8>,
    path: &str,
    id: FileId,
) -> Result<String, Box<(Diagnostic, String)>> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    // Windows PowerShell 5 (`Out-File`, `>`) writes UTF-16 with a byte-order
    // mark: said as such, not as a bad byte somewhere.
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        let prefix = &e.as_bytes()[..valid];
        let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = prefix
            .rsplit(|&b| b == b'\n')
            .next()
            .map(|l| String::from_utf8_lossy(l).chars().count() + 1)
            .unwrap_or(1);
        let d = if utf16 {
            Diagnostic::error(format!(
                "{path}: this file is UTF-16 (it opens with a UTF-16 byte-order mark); evidence files must be UTF-8"
            ))
            .note("save it as UTF-8 (in PowerShell: `Out-File -Encoding utf8`, or `Set-Content -Encoding utf8`)")
        } else {
            Diagnostic::error(format!(
                "{path}:{line}:{col}: not valid UTF-8 (byte offset {valid}); evidence files must be UTF-8"
            ))
        };
        // The decoded text has U+FFFD where the first bad byte was.
        let d = d
            .at(id, valid..valid + '\u{FFFD}'.len_utf8())
            .label("not UTF-8");
        Box::new((d, lossy))
    })
}

/// Whether two BOMs' values of a component field disagree in substance:
/// licences and purl must be equal; a supplier may differ in an added
/// e-mail address or case ("TJ Holowaychuk" and "TJ Holowaychuk
/// <tj@...>"); the name is the id's, split differently around the group
/// by different tools, so it never disagrees.
fn disagree(field: &str, a: &Value, b: &Value) -> bool {
    match field {
        "name" => false,
        "supplier" => {
            let norm = |v: &Value| {
                let s = v.as_str().unwrap_or_default();
                let s = s.split('<').next().unwrap_or_default();
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            norm(a) != norm(b)
        }
        _ => a != b,
    }
}

/// A `soup` item written in TOML completes the component a BOM lists under
/// the same id: its fields fill in, and override, the BOM's. The same
/// component in two BOMs is one item: a later BOM fills in what the first
/// lacks, and where both give a field with different values (two licences,
/// two suppliers) that is an error naming both files, unless a TOML item
/// settles the field.
pub fn merge_soup(items: Vec<Item>, sources: &Sources) -> (Vec<Item>, Vec<Diagnostic>) {
    // (id, field) -> the two disagreeing items' (value, file, span).
    type Side = (Value, FileId, std::ops::Range<usize>);
    let mut conflicts: Vec<(String, String, Side, Side)> = Vec::new();
    let mut bom: BTreeMap<String, Item> = BTreeMap::new();
    let mut rest = Vec::with_capacity(items.len());
    for item in items {
        if item.from_bom {
            match bom.entry(item.id.clone()) {
                std::collections::btree_map::Entry::Occupied(mut first) => {
                    let first = first.get_mut();
                    for (k, v) in Arc::unwrap_or_clone(item.fields) {
                        match first.fields.get(&k) {
                            None => {
                                Arc::make_mut(&mut first.fields).insert(k, v);
                            }
                            Some(old) if disagree(&k, old, &v) => conflicts.push((
                                first.id.clone(),
                                k,
                                (old.clone(), first.origin.file, first.origin.span.clone()),
                                (v, item.origin.file, item.origin.span.clone()),
                            )),
                            Some(_) => {}
                        }
                    }
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(item);
                }
            }
        } else {
            rest.push(item);
        }
    }
    // Fields a TOML item sets, by id: they settle a disagreement.
    let settled: std::collections::HashSet<(String, String)> = rest
        .iter()
        .filter(|i| i.kind == Kind::Soup)
        .flat_map(|i| i.fields.keys().map(|k| (i.id.clone(), k.clone())))
        .collect();
    let mut diags = Vec::new();
    for (id, field, (a, a_file, a_span), (b, b_file, b_span)) in conflicts {
        if settled.contains(&(id.clone(), field.clone())) {
            continue;
        }
        let (a_line, _) = sources.line_col(a_file, a_span.start);
        let (b_line, _) = sources.line_col(b_file, b_span.start);
        diags.push(
            Diagnostic::error(format!(
                "{id}: the BOMs disagree on `{field}`: {a} in {}:{a_line}, {b} in {}:{b_line}",
                sources.path(a_file),
                sources.path(b_file),
            ))
            .at(b_file, b_span)
            .label(format!("`{field}` differs from {}", sources.path(a_file)))
            .note(format!(
                "correct one BOM, or settle it in a TOML soup item with id = \"{id}\" and `{field}` set"
            )),
        );
    }
    for item in rest.iter_mut() {
        if item.kind != Kind::Soup {
            continue;
        }
        if let Some(b) = bom.remove(&item.id) {
            let mut fields = Arc::unwrap_or_clone(b.fields);
            for (k, v) in Arc::unwrap_or_clone(std::mem::take(&mut item.fields)) {
                fields.insert(k, v);
            }
            item.fields = Arc::new(fields);
            item.from_bom = true;
        }
    }
    rest.extend(bom.into_values());
    (rest, diags)
}
