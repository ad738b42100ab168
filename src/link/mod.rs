//! Stage 4, link: index ids, check every link names an existing item of an
//! allowed kind, find `derives_from` cycles, resolve attachments inside the
//! root, and bind JUnit cases to tests. Linear in items plus links.

use std::collections::BTreeMap;

use crate::fasthash::HashMap;

use serde::Serialize;

use crate::diag::{Diagnostic, Sources};
use crate::fsroot::{EvidenceRoot, FileRole};
use crate::item::{Item, Kind};
use crate::parse::junit::JunitFile;
use crate::parse::EvidenceFile;

mod junit;

pub use junit::{case_passed, wildcard_match};

/// A JUnit case and what it is bound to.
#[derive(Debug, Clone, Serialize)]
pub struct CaseBinding {
    /// Index into `Links::junit`.
    pub file: usize,
    /// Index into that file's cases.
    pub case: usize,
    /// Tests (item indices) whose patterns or whose `test` property bind it.
    pub tests: Vec<usize>,
    /// Requirements named by the case's own `verifies` property.
    pub verifies: Vec<String>,
}

/// What linking learned: indices from ids, reverse links, and bindings.
#[derive(Debug, Default)]
pub struct Links {
    pub index: HashMap<String, usize>,
    /// requirement -> tests (item indices) that verify it.
    pub verified_by: HashMap<usize, Vec<usize>>,
    /// requirement -> JUnit cases (binding indices) that verify it by property.
    pub verified_by_cases: HashMap<usize, Vec<usize>>,
    /// requirement -> hazards it is a control of.
    pub controls_of: HashMap<usize, Vec<usize>>,
    /// requirement / need -> requirements derived from it.
    pub derived: HashMap<usize, Vec<usize>>,
    /// test -> result records.
    pub results_of: HashMap<usize, Vec<usize>>,
    /// test -> bindings.
    pub cases_of: HashMap<usize, Vec<usize>>,
    /// requirement -> SOUP items that serve it.
    pub soup_of: HashMap<usize, Vec<usize>>,
    /// item -> anomalies / changes that affect it.
    pub affected_by: HashMap<usize, Vec<usize>>,
    pub bindings: Vec<CaseBinding>,
    /// Patterns that matched no case: (test, pattern).
    pub dead_patterns: Vec<(usize, String)>,
    /// Attachments that resolved to files in the root.
    pub attachments: Vec<EvidenceFile>,
    /// item -> attachment paths (relative to the root).
    pub attachments_of: HashMap<usize, Vec<String>>,
    /// item -> each attachment as written in `attachments` and
    /// `sha256:<hex>` of its bytes: the `attachment_digests` of the item's
    /// canonical form (EVIDENCE.md, "Digests and signatures").
    pub attachment_digests: HashMap<usize, Vec<(String, String)>>,
}

impl Links {
    pub fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

pub fn link(
    items: &[Item],
    junit: &[JunitFile],
    other_files: &BTreeMap<String, std::path::PathBuf>,
    evidence_files: &[EvidenceFile],
    sources: &Sources,
    root: &EvidenceRoot,
) -> (Links, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut links = Links::default();
    use crate::progress::timed;
    timed("link: ids", || {
        index_ids(items, sources, &mut links, &mut diags)
    });
    timed("link: links", || check_links(items, &mut links, &mut diags));
    timed("link: cycles", || find_cycles(items, &links, &mut diags));
    timed("link: attachments", || {
        resolve_attachments(
            items,
            other_files,
            evidence_files,
            sources,
            root,
            &mut links,
            &mut diags,
        )
    });
    timed("link: junit", || {
        junit::bind_junit(items, junit, &mut links, &mut diags)
    });
    (links, diags)
}

fn index_ids(items: &[Item], sources: &Sources, links: &mut Links, diags: &mut Vec<Diagnostic>) {
    // Item pages are items/<ID>.html: ids that differ only in case would
    // share a page on a case-insensitive file system (macOS, Windows), where
    // auditors often open a copied packet.
    use rayon::prelude::*;
    let names: Vec<String> = items
        .par_iter()
        .map(|item| crate::names::page_name(&item.id).to_lowercase())
        .collect();
    let mut pages: HashMap<String, usize> = HashMap::default();
    pages.reserve(items.len());
    links.index.reserve(items.len());
    for ((i, item), page) in items.iter().enumerate().zip(names) {
        if item.id.is_empty() {
            continue;
        }
        let other = *pages.entry(page).or_insert(i);
        if items[other].id != item.id {
            let o = &items[other];
            let (line, _) = sources.line_col(o.origin.file, o.origin.span.start);
            diags.push(
                Diagnostic::warning(format!(
                    "ids `{}` and `{}` differ only in case: their pages would be one file on a case-insensitive file system",
                    o.id, item.id
                ))
                .at(item.origin.file, item.origin.span_of("/id"))
                .label("differs only in case")
                .note(format!("`{}` is defined in {}:{line}", o.id, sources.path(o.origin.file))),
            );
        }
        if let Some(&first) = links.index.get(&item.id) {
            let f = &items[first];
            let (line, _) = sources.line_col(f.origin.file, f.origin.span.start);
            diags.push(
                Diagnostic::error(format!("duplicate id `{}`", item.id))
                    .at(item.origin.file, item.origin.span_of("/id"))
                    .label("defined again here")
                    .note(format!(
                        "first defined in {}:{line}",
                        sources.path(f.origin.file)
                    )),
            );
        } else {
            links.index.insert(item.id.clone(), i);
        }
    }
}

fn check_links(items: &[Item], links: &mut Links, diags: &mut Vec<Diagnostic>) {
    use rayon::prelude::*;
    // Each item's links are resolved in parallel; the reverse maps are
    // filled in item order afterwards, so their lists are as a serial walk
    // makes them.
    let found: Vec<ItemLinks> = items
        .par_iter()
        .map(|item| item_links(items, links, item))
        .collect();
    for (i, (targets, item_diags)) in found.into_iter().enumerate() {
        diags.extend(item_diags);
        // The reverse map a link is recorded in follows from the linking
        // item's kind.
        let map = match items[i].kind {
            Kind::Test => &mut links.verified_by,
            Kind::Hazard => &mut links.controls_of,
            Kind::Requirement => &mut links.derived,
            Kind::Result => &mut links.results_of,
            Kind::Soup => &mut links.soup_of,
            Kind::Anomaly | Kind::Change => &mut links.affected_by,
            _ => continue,
        };
        for t in targets {
            let v = map.entry(t).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
    }
}

/// The items one item's links name, and the diagnostics of those that
/// name no item of an allowed kind.
type ItemLinks = (Vec<usize>, Vec<Diagnostic>);

/// One item's links: the items they name, and a diagnostic for each that
/// names no item of an allowed kind.
fn item_links(items: &[Item], links: &Links, item: &Item) -> ItemLinks {
    let mut targets = Vec::new();
    let mut diags = Vec::new();
    for &(field, allowed) in item.kind.links() {
        if item.kind == Kind::Approval
            && item.fields.get(field).and_then(|v| v.as_str()) == Some("release")
        {
            continue;
        }
        for (n, target) in item.links(field).into_iter().enumerate() {
            // Made only for a diagnostic: a pointer per link is a
            // formatted string, and a tree has hundreds of thousands.
            let span = || item.origin.span_of(&item.link_pointer(field, n));
            let Some(t) = links.get(target) else {
                diags.push(
                    Diagnostic::error(format!(
                        "{} {}: `{field}` names `{target}`, which no item has as id",
                        item.kind, item.id
                    ))
                    .at(item.origin.file, span())
                    .label("unknown id"),
                );
                continue;
            };
            let tk = items[t].kind;
            if let Some(allowed) = allowed {
                if !allowed.contains(&tk) {
                    let names: Vec<&str> = allowed.iter().map(|k| k.name()).collect();
                    diags.push(
                        Diagnostic::error(format!(
                            "{} {}: `{field}` names {tk} `{target}`; it must name a {}",
                            item.kind,
                            item.id,
                            names.join(" or ")
                        ))
                        .at(item.origin.file, span())
                        .label(format!("a {tk}")),
                    );
                    continue;
                }
            }
            targets.push(t);
        }
    }
    (targets, diags)
}

/// Iterative three-colour DFS over `derives_from`, so a 20k-deep chain does
/// not overflow the stack. Each cycle is reported once, at its first item.
fn find_cycles(items: &[Item], links: &Links, diags: &mut Vec<Diagnostic>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let edges = |i: usize| -> Vec<usize> {
        items[i]
            .links("derives_from")
            .into_iter()
            .filter_map(|t| links.get(t))
            .filter(|&t| items[t].kind == Kind::Requirement)
            .collect()
    };
    let mut colour = vec![Colour::White; items.len()];
    for start in 0..items.len() {
        if items[start].kind != Kind::Requirement || colour[start] != Colour::White {
            continue;
        }
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, edges(start))];
        let mut path = vec![start];
        colour[start] = Colour::Grey;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match next.pop() {
                Some(t) if colour[t] == Colour::White => {
                    colour[t] = Colour::Grey;
                    path.push(t);
                    let e = edges(t);
                    stack.push((t, e));
                }
                Some(t) if colour[t] == Colour::Grey => {
                    let from = path.iter().position(|&p| p == t).unwrap_or(0);
                    let mut ids: Vec<&str> =
                        path[from..].iter().map(|&p| items[p].id.as_str()).collect();
                    ids.push(&items[t].id);
                    let item = &items[node];
                    diags.push(
                        Diagnostic::error(format!("`derives_from` cycle: {}", ids.join(" -> ")))
                            .at(item.origin.file, item.origin.span_of("/derives_from"))
                            .label("closes the cycle"),
                    );
                }
                Some(_) => {}
                None => {
                    colour[node] = Colour::Black;
                    path.pop();
                    stack.pop();
                }
            }
        }
    }
}

/// Attachments are paths relative to the item's file and must stay inside
/// the root: `..` may not climb out, and absolute paths are refused.
fn resolve_attachments(
    items: &[Item],
    other_files: &BTreeMap<String, std::path::PathBuf>,
    evidence_files: &[EvidenceFile],
    sources: &Sources,
    root: &EvidenceRoot,
    links: &mut Links,
    diags: &mut Vec<Diagnostic>,
) {
    let evidence: HashMap<&str, &EvidenceFile> = evidence_files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let mut hashed: BTreeMap<String, EvidenceFile> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let list = item.links("attachments");
        if list.is_empty() {
            continue;
        }
        // Items from a BOM have no meaningful directory; use the root.
        let dir = if item.from_bom && item.origin.span.is_empty() {
            String::new()
        } else {
            parent_dir(sources.path(item.origin.file))
        };
        for (n, raw) in list.into_iter().enumerate() {
            let span = item.origin.span_of(&format!("/attachments/{n}"));
            let Some(rel) = join_inside_root(&dir, raw) else {
                diags.push(
                    Diagnostic::error(format!(
                        "{} {}: attachment `{raw}` is outside the evidence root",
                        item.kind, item.id
                    ))
                    .at(item.origin.file, span)
                    .label("leaves the root"),
                );
                continue;
            };
            let found = if let Some(f) = hashed.get(&rel) {
                Ok(f.clone())
            } else if let Some(f) = evidence.get(rel.as_str()) {
                Ok((*f).clone())
            } else if other_files.contains_key(&rel) {
                hash_file(root, &rel).inspect(|f| {
                    hashed.insert(rel.clone(), f.clone());
                })
            } else {
                Err(None)
            };
            match found {
                Ok(f) => {
                    links
                        .attachment_digests
                        .entry(i)
                        .or_default()
                        .push((raw.to_string(), format!("sha256:{}", f.sha256)));
                    links.attachments_of.entry(i).or_default().push(rel);
                }
                Err(Some(e)) => diags.push(
                    Diagnostic::error(format!(
                        "{} {}: attachment `{raw}`: {e}",
                        item.kind, item.id
                    ))
                    .at(item.origin.file, span)
                    .label("cannot be read"),
                ),
                Err(None) => diags.push(
                    Diagnostic::error(format!(
                        "{} {}: attachment `{raw}` does not exist (looked for {rel})",
                        item.kind, item.id
                    ))
                    .at(item.origin.file, span)
                    .label("no such file in the evidence root"),
                ),
            }
        }
    }
    links.attachments = hashed.into_values().collect();
}

/// Hash an attachment as it streams past (attachments may be large; they
/// are never held whole).
fn hash_file(root: &EvidenceRoot, rel: &str) -> Result<EvidenceFile, Option<String>> {
    let (sha256, size) = root.sha256(rel, FileRole::Attachment).map_err(Some)?;
    Ok(EvidenceFile {
        path: rel.to_string(),
        size,
        sha256,
    })
}

fn parent_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => path[..i].to_string(),
        None => String::new(),
    }
}

/// Join a relative path onto a directory inside the root, refusing anything
/// that would leave the root. Returns the normalised relative path.
pub fn join_inside_root(dir: &str, raw: &str) -> Option<String> {
    if raw.starts_with('/') || raw.starts_with('\\') || raw.contains('\\') || raw.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in raw.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}
