//! Stage 2, parse: read every discovered file in parallel (rayon) and turn
//! it into raw items, JUnit cases and SOUP components, each with where it
//! came from. Problems become diagnostics; parsing never stops early.

pub mod cyclonedx;
pub mod junit;
pub mod markdown;
pub mod toml;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, FileId, Sources};
use crate::discover::{FileClass, FoundFile};
use crate::item::{Item, Kind};
use junit::{JunitFile, JunitParse};

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
        items: Vec<Item>,
        sha256: String,
        size: u64,
    },
    NotEvidence,
    Failed,
}

/// Parse `files`; file ids are `first_id + index`, so ids match the order in
/// which the caller adds these files to `sources`.
pub fn parse_files(files: &[FoundFile], first_id: FileId, sources: &mut Sources) -> ParsedTree {
    let results: Vec<(Parsed, Vec<Diagnostic>)> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| parse_one(f, first_id + i))
        .collect();
    let mut tree = ParsedTree {
        items: Vec::new(),
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
                String::new()
            }
            Parsed::NotEvidence => {
                tree.other_files.insert(f.rel.clone(), f.abs.clone());
                String::new()
            }
            Parsed::Failed => String::new(),
        };
        sources.add(f.rel.clone(), text);
    }
    tree
}

fn parse_one(f: &FoundFile, id: FileId) -> (Parsed, Vec<Diagnostic>) {
    match f.class {
        FileClass::Other => (Parsed::NotEvidence, Vec::new()),
        FileClass::Xml => parse_xml(f, id),
        FileClass::BomXml => match File::open(&f.abs) {
            Ok(file) => {
                let bytes = match read_all(file) {
                    Ok(b) => b,
                    Err(e) => return io_failure(f, id, e),
                };
                let (items, diags) = cyclonedx::parse_xml_bom(bytes.as_slice(), &f.rel, id);
                (
                    Parsed::Bom {
                        items,
                        sha256: sha256_hex(&bytes),
                        size: bytes.len() as u64,
                    },
                    diags,
                )
            }
            Err(e) => io_failure(f, id, e),
        },
        FileClass::Items | FileClass::Markdown | FileClass::BomJson => {
            let bytes = match std::fs::read(&f.abs) {
                Ok(b) => b,
                Err(e) => return io_failure(f, id, e),
            };
            let sha256 = sha256_hex(&bytes);
            let size = bytes.len() as u64;
            let text = match decode_text(bytes, &f.rel, id) {
                Ok(t) => t,
                Err(d) => {
                    // A Markdown file that is not text is not evidence.
                    if f.class == FileClass::Markdown {
                        return (Parsed::NotEvidence, Vec::new());
                    }
                    return (Parsed::Failed, vec![d]);
                }
            };
            match f.class {
                FileClass::Items => {
                    let (items, mut diags) = toml::parse_items_file(&text, id);
                    if text.trim().is_empty() {
                        diags.push(
                            Diagnostic::warning(format!("{}: empty file, no items", f.rel))
                                .in_file(id),
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
                        return (Parsed::NotEvidence, Vec::new());
                    }
                    let (item, diags) = markdown::parse_markdown_item(&text, id);
                    (
                        Parsed::Items {
                            text,
                            items: item.into_iter().collect(),
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
                            items,
                            sha256,
                            size,
                        },
                        diags,
                    )
                }
            }
        }
    }
}

fn parse_xml(f: &FoundFile, id: FileId) -> (Parsed, Vec<Diagnostic>) {
    let file = match File::open(&f.abs) {
        Ok(file) => file,
        Err(e) => return io_failure(f, id, e),
    };
    match junit::parse_junit(&f.rel, id, BufReader::new(file)) {
        Ok(JunitParse::Junit(j, diags)) => (Parsed::Junit(j), diags),
        Ok(JunitParse::NotJunit) => (Parsed::NotEvidence, Vec::new()),
        Err(e) => io_failure(f, id, e),
    }
}

fn io_failure(f: &FoundFile, id: FileId, e: std::io::Error) -> (Parsed, Vec<Diagnostic>) {
    (
        Parsed::Failed,
        vec![Diagnostic::error(format!("{}: cannot read: {e}", f.rel)).in_file(id)],
    )
}

fn read_all(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.read_to_end(&mut v)?;
    Ok(v)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// UTF-8 text without a byte-order mark, or a diagnostic naming where the
/// first invalid byte is.
pub fn decode_text(mut bytes: Vec<u8>, path: &str, id: FileId) -> Result<String, Diagnostic> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = &e.as_bytes()[..valid];
        let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = prefix
            .rsplit(|&b| b == b'\n')
            .next()
            .map(|l| String::from_utf8_lossy(l).chars().count() + 1)
            .unwrap_or(1);
        Diagnostic::error(format!(
            "{path}:{line}:{col}: not valid UTF-8 (byte offset {valid}); evidence files must be UTF-8"
        ))
        .in_file(id)
    })
}

/// A `soup` item written in TOML completes the component a BOM lists under
/// the same id: its fields fill in, and override, the BOM's. The same
/// component in two BOMs is one item.
pub fn merge_soup(items: Vec<Item>) -> Vec<Item> {
    let mut bom: BTreeMap<String, Item> = BTreeMap::new();
    let mut rest = Vec::with_capacity(items.len());
    for item in items {
        if item.from_bom {
            // The same component in a later BOM fills in what the first lacks.
            match bom.entry(item.id.clone()) {
                std::collections::btree_map::Entry::Occupied(mut first) => {
                    for (k, v) in item.fields {
                        first.get_mut().fields.entry(k).or_insert(v);
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
    for item in rest.iter_mut() {
        if item.kind != Kind::Soup {
            continue;
        }
        if let Some(b) = bom.remove(&item.id) {
            let mut fields = b.fields;
            for (k, v) in std::mem::take(&mut item.fields) {
                fields.insert(k, v);
            }
            item.fields = fields;
            item.from_bom = true;
        }
    }
    rest.extend(bom.into_values());
    rest
}
