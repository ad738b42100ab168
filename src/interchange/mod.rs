//! Interchange with other requirement tools, beside the pipeline: importers
//! turn a Doorstop tree, StrictDoc files or a ReqIF file into relpack
//! evidence files (`relpack import`), and the ReqIF exporter turns loaded
//! evidence into ReqIF 1.2 (`relpack export reqif`). Importers read foreign
//! files only and write only into the folder they are given; the exporter
//! reads only the checked [`Evidence`](crate::evidence::Evidence).
//!
//! Every importer gives the same [`Imported`]: foreign items with their raw
//! links to parents, which [`resolve_links`] turns into relpack's link
//! fields by the kinds at both ends (a link relpack cannot trace is kept as
//! a field, never dropped), then [`out::write_evidence`] writes them.

pub mod doorstop;
pub mod out;
pub mod reqif;
pub mod strictdoc;
mod text;

use std::collections::HashMap;
use std::fmt;

use crate::item::Kind;

pub use text::{relpack_id, title_from_text};

/// An import or export that could not be done: invalid input (exit 2) or
/// I/O (exit 3), with every problem found, each naming its file and line.
#[derive(Debug)]
pub struct InterchangeError {
    pub io: bool,
    pub problems: Vec<String>,
}

impl InterchangeError {
    pub fn invalid(problems: Vec<String>) -> Self {
        InterchangeError {
            io: false,
            problems,
        }
    }

    pub fn io(problem: impl Into<String>) -> Self {
        InterchangeError {
            io: true,
            problems: vec![problem.into()],
        }
    }
}

/// One item read from another tool, before its links are resolved.
#[derive(Debug, Clone)]
pub struct ForeignItem {
    pub kind: Kind,
    /// The relpack id (the foreign id where it is a valid one).
    pub id: String,
    /// Fields in the order they are written, `id` and `kind` excluded.
    pub fields: toml::Table,
    /// Ids (as written in the foreign tool) of the items this one links to
    /// as its parents: what it derives from or verifies.
    pub parents: Vec<String>,
}

/// One foreign document: its items become one TOML file, in outline order.
#[derive(Debug, Clone)]
pub struct ForeignDocument {
    /// The file name, without `.toml` (made safe by `out`).
    pub name: String,
    pub items: Vec<ForeignItem>,
}

/// What an importer read.
#[derive(Debug, Default)]
pub struct Imported {
    /// `doorstop`, `strictdoc`, `reqif`: the prefix of the fields that keep
    /// the tool's own data.
    pub tool: &'static str,
    pub documents: Vec<ForeignDocument>,
    /// Foreign id -> relpack id, where they differ.
    pub renamed: HashMap<String, String>,
    pub notes: Vec<String>,
    pub counts: Counts,
}

/// Counts in and out, printed by `relpack import` so that nothing is lost
/// unseen.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub documents: usize,
    pub items_read: usize,
    pub items_skipped: usize,
    pub items_written: usize,
    pub links_read: usize,
    /// Links that became `derives_from` / `verifies`.
    pub links_traced: usize,
    /// Links kept only in the `<tool>_links` field: relpack cannot trace
    /// them (kinds it does not link, or a skipped or missing target).
    pub links_kept: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "in:  {} items ({} skipped) and {} links in {} documents",
            self.items_read, self.items_skipped, self.links_read, self.documents
        )?;
        write!(
            f,
            "out: {} items; {} links traced (derives_from / verifies / controls), {} kept as fields only",
            self.items_written, self.links_traced, self.links_kept
        )?;
        let dropped = self
            .links_read
            .saturating_sub(self.links_traced + self.links_kept);
        if dropped > 0 {
            write!(f, ", {dropped} dropped (see the notes)")?;
        }
        Ok(())
    }
}

/// The relpack link field for a link from `child` to `parent`, if relpack
/// can trace it.
pub fn link_field(child: Kind, parent: Kind) -> Option<&'static str> {
    Kind::links(child)
        .iter()
        .find(|(_, allowed)| allowed.is_some_and(|a| a.contains(&parent)))
        .map(|(field, _)| *field)
        .filter(|f| matches!(*f, "derives_from" | "verifies" | "controls"))
}

/// Turn every item's `parents` into relpack link fields; a link relpack
/// cannot trace (no such item, skipped, or kinds it does not link) is only
/// kept in the item's `<tool>_links` field, with a note. Counts links.
pub fn resolve_links(imp: &mut Imported) {
    let kinds: HashMap<String, Kind> = imp
        .documents
        .iter()
        .flat_map(|d| &d.items)
        .map(|i| (i.id.clone(), i.kind))
        .collect();
    let kept_field = format!("{}_untraced_links", imp.tool);
    let mut counts = imp.counts.clone();
    let mut notes = Vec::new();
    for item in imp.documents.iter_mut().flat_map(|d| d.items.iter_mut()) {
        let mut traced: Vec<(&'static str, String)> = Vec::new();
        let mut kept = Vec::new();
        for raw in std::mem::take(&mut item.parents) {
            counts.links_read += 1;
            let id = imp.renamed.get(&raw).cloned().unwrap_or(raw.clone());
            match kinds.get(&id).and_then(|&k| link_field(item.kind, k)) {
                Some(field) if !traced.iter().any(|(f, t)| *f == field && *t == id) => {
                    traced.push((field, id));
                }
                Some(_) => counts.links_traced += 1, // the same link twice
                None => {
                    let why = match kinds.get(&id) {
                        None => "no such item (missing or skipped)".to_string(),
                        Some(k) => format!("relpack does not link a {} to a {k}", item.kind),
                    };
                    notes.push(format!(
                        "{} -> {raw}: kept in {kept_field} ({why})",
                        item.id
                    ));
                    kept.push(toml::Value::String(raw));
                }
            }
        }
        counts.links_traced += traced.len();
        counts.links_kept += kept.len();
        for (field, target) in traced {
            let list = item
                .fields
                .entry(field)
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let toml::Value::Array(a) = list {
                a.push(toml::Value::String(target));
            }
        }
        if !kept.is_empty() {
            item.fields
                .insert(kept_field.clone(), toml::Value::Array(kept));
        }
    }
    counts.items_written = imp.documents.iter().map(|d| d.items.len()).sum();
    imp.counts = counts;
    imp.notes.extend(notes);
}

/// Parse `--map PREFIX=kind,...`.
pub fn parse_map(specs: &[String]) -> Result<HashMap<String, Kind>, String> {
    let mut map = HashMap::new();
    for spec in specs.iter().flat_map(|s| s.split(',')) {
        let spec = spec.trim();
        if spec.is_empty() {
            continue;
        }
        let (name, kind) = spec
            .split_once('=')
            .ok_or_else(|| format!("--map {spec}: write NAME=kind, such as REQ=requirement"))?;
        let kind = Kind::from_name(kind.trim())
            .filter(|k| IMPORTABLE.contains(k))
            .ok_or_else(|| {
                format!("--map {spec}: the kind must be one of need, requirement, test, document")
            })?;
        map.insert(name.trim().to_string(), kind);
    }
    Ok(map)
}

/// The kinds an import may produce: the others need fields (a hazard's
/// harm and scores, a result's outcome) that no requirement tool keeps.
pub const IMPORTABLE: [Kind; 4] = [Kind::Need, Kind::Requirement, Kind::Test, Kind::Document];

/// The default kind of a document (Doorstop prefix, StrictDoc element tag):
/// tests by their usual names, needs likewise, requirements otherwise.
pub fn default_kind(name: &str) -> Kind {
    let n = name.to_ascii_uppercase();
    let n = n.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    const TESTS: [&str; 12] = [
        "TST",
        "TEST",
        "TESTS",
        "TC",
        "TS",
        "HLT",
        "LLT",
        "UT",
        "IT",
        "QT",
        "VER",
        "TEST_CASE",
    ];
    const NEEDS: [&str; 7] = ["NEED", "NEEDS", "UN", "UR", "USR", "STK", "USER_NEED"];
    if TESTS.contains(&n) || n.contains("TEST") {
        Kind::Test
    } else if NEEDS.contains(&n) || n.contains("NEED") {
        Kind::Need
    } else {
        Kind::Requirement
    }
}

/// A YAML or TOML scalar/array/table as TOML; `None` for null (TOML has
/// none) and empty strings, which carry nothing.
pub fn keep(v: toml::Value) -> Option<toml::Value> {
    match &v {
        toml::Value::String(s) if s.is_empty() => None,
        toml::Value::Array(a) if a.is_empty() => None,
        _ => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(default_kind("TST"), Kind::Test);
        assert_eq!(default_kind("LLT"), Kind::Test);
        assert_eq!(default_kind("SYSTEST"), Kind::Test);
        assert_eq!(default_kind("UN"), Kind::Need);
        assert_eq!(default_kind("SRS"), Kind::Requirement);
        assert_eq!(default_kind("REQUIREMENT"), Kind::Requirement);
    }

    #[test]
    fn link_fields_by_kinds() {
        assert_eq!(
            link_field(Kind::Requirement, Kind::Need),
            Some("derives_from")
        );
        assert_eq!(
            link_field(Kind::Requirement, Kind::Requirement),
            Some("derives_from")
        );
        assert_eq!(link_field(Kind::Test, Kind::Requirement), Some("verifies"));
        assert_eq!(link_field(Kind::Test, Kind::Test), None);
        assert_eq!(link_field(Kind::Need, Kind::Need), None);
        assert_eq!(link_field(Kind::Document, Kind::Requirement), None);
    }

    #[test]
    fn map_option() {
        let m = parse_map(&["REQ=requirement, TST=test".into(), "UN=need".into()]).unwrap();
        assert_eq!(m["TST"], Kind::Test);
        assert_eq!(m["UN"], Kind::Need);
        assert!(parse_map(&["REQ".into()]).is_err());
        assert!(parse_map(&["REQ=hazard".into()]).is_err());
    }
}
