//! `relpack import doorstop`: a Doorstop tree (each document a folder with
//! `.doorstop.yml`, each item a YAML file named by its UID) as relpack
//! items. Documents become kinds by `--map` or by their prefix; an item's
//! links (to its parents) become `derives_from` / `verifies`; `level` gives
//! the outline (`order`, and `section` from the nearest heading);
//! non-normative items (headings) become `document` items; inactive items
//! are skipped with a note; everything else Doorstop keeps stays as a
//! `doorstop_*` field. Items are read in parallel: a 21k-item tree takes
//! seconds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{default_kind, keep, relpack_id, title_from_text, ForeignDocument, ForeignItem};
use super::{Imported, InterchangeError};
use crate::item::Kind;

/// One Doorstop document as found on disk.
struct DocumentDir {
    dir: PathBuf,
    prefix: String,
    parent: Option<String>,
    items: Vec<PathBuf>,
}

/// Read the tree under `root`; `map` gives kinds by document prefix.
pub fn import(root: &Path, map: &HashMap<String, Kind>) -> Result<Imported, InterchangeError> {
    let mut problems = Vec::new();
    let docs = find_documents(root, &mut problems);
    if docs.is_empty() && problems.is_empty() {
        problems.push(format!(
            "{}: no Doorstop document (a folder with .doorstop.yml) in this tree",
            root.display()
        ));
    }
    let docs = tree_order(docs);
    let mut imp = Imported {
        tool: "doorstop",
        ..Imported::default()
    };
    let mut order = 0i64;
    for doc in &docs {
        let kind = map
            .get(&doc.prefix)
            .copied()
            .unwrap_or_else(|| default_kind(&doc.prefix));
        let read: Vec<Result<(Level, ForeignItem, bool), String>> = doc
            .items
            .par_iter()
            .map(|p| read_item(root, p, kind))
            .collect();
        let mut items = Vec::new();
        for r in read {
            imp.counts.items_read += 1;
            match r {
                Ok((level, item, true)) => items.push((level, item)),
                Ok((_, item, false)) => {
                    imp.counts.items_skipped += 1;
                    imp.notes
                        .push(format!("{}: skipped (inactive in Doorstop)", item.id));
                }
                Err(p) => problems.push(p),
            }
        }
        // Doorstop's outline: by level, then by UID as Doorstop sorts ties.
        items.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let mut section = String::new();
        for (level, item) in &mut items {
            order += 1;
            item.fields
                .insert("order".into(), toml::Value::Integer(order));
            if item.kind == Kind::Document {
                section = format!("{} {}", level.text, title_of(item));
            } else if !section.is_empty() {
                item.fields
                    .insert("section".into(), toml::Value::String(section.clone()));
            }
        }
        imp.counts.documents += 1;
        imp.documents.push(ForeignDocument {
            name: doc.prefix.clone(),
            items: items.into_iter().map(|(_, i)| i).collect(),
        });
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(InterchangeError::invalid(problems));
    }
    rename_invalid_ids(&mut imp);
    super::resolve_links(&mut imp);
    Ok(imp)
}

fn title_of(item: &ForeignItem) -> &str {
    item.fields
        .get("title")
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
}

/// Ids that are not valid relpack ids get one (kept as `doorstop_uid`).
fn rename_invalid_ids(imp: &mut Imported) {
    for item in imp.documents.iter_mut().flat_map(|d| d.items.iter_mut()) {
        let id = relpack_id(&item.id);
        if id != item.id {
            imp.notes.push(format!(
                "{}: id is {id} in relpack (kept as doorstop_uid)",
                item.id
            ));
            item.fields
                .insert("doorstop_uid".into(), toml::Value::String(item.id.clone()));
            imp.renamed.insert(item.id.clone(), id.clone());
            item.id = id;
        }
    }
}

/// Every folder with `.doorstop.yml` under `root` (hidden folders and those
/// with `.doorstop.skip` skipped), with its item files.
fn find_documents(root: &Path, problems: &mut Vec<String>) -> Vec<DocumentDir> {
    let mut docs: Vec<DocumentDir> = Vec::new();
    let mut items: Vec<PathBuf> = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_name().to_string_lossy().starts_with('.')
                || e.file_type().is_file()
        });
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("cannot read the tree: {e}"));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file() {
            continue;
        }
        if name == ".doorstop.yml" {
            let dir = entry.path().parent().unwrap_or(root).to_path_buf();
            if dir.join(".doorstop.skip").exists() {
                continue;
            }
            match read_settings(entry.path()) {
                Ok((prefix, parent)) => docs.push(DocumentDir {
                    dir,
                    prefix,
                    parent,
                    items: Vec::new(),
                }),
                Err(p) => problems.push(p),
            }
        } else if !name.starts_with('.') && (name.ends_with(".yml") || name.ends_with(".yaml")) {
            items.push(entry.path().to_path_buf());
        }
    }
    // Each item belongs to the deepest document folder that holds it.
    for path in items {
        let owner = docs
            .iter_mut()
            .filter(|d| path.starts_with(&d.dir))
            .max_by_key(|d| d.dir.components().count());
        if let Some(d) = owner {
            d.items.push(path);
        }
    }
    docs
}

/// `settings.prefix` and `settings.parent` of a `.doorstop.yml`.
fn read_settings(path: &Path) -> Result<(String, Option<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| yaml_problem(path, &e))?;
    let settings = v.get("settings");
    let get = |k: &str| settings.and_then(|s| s.get(k)).and_then(scalar_string);
    let prefix = get("prefix")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("{}: no settings.prefix", path.display()))?;
    Ok((prefix, get("parent").filter(|p| !p.is_empty())))
}

fn yaml_problem(path: &Path, e: &serde_norway::Error) -> String {
    match e.location() {
        Some(l) => format!("{}:{}:{}: {e}", path.display(), l.line(), l.column()),
        None => format!("{}: {e}", path.display()),
    }
}

/// Parents before children, siblings by prefix: the order of the outline
/// across documents.
fn tree_order(mut docs: Vec<DocumentDir>) -> Vec<DocumentDir> {
    docs.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    let mut out = Vec::with_capacity(docs.len());
    let mut placed: Vec<String> = Vec::new();
    while !docs.is_empty() {
        let next = docs
            .iter()
            .position(|d| {
                d.parent
                    .as_ref()
                    .is_none_or(|p| placed.contains(p) || !docs.iter().any(|o| &o.prefix == p))
            })
            .unwrap_or(0);
        let d = docs.remove(next);
        placed.push(d.prefix.clone());
        out.push(d);
    }
    out
}

/// A Doorstop level (`1.2.0`) for sorting: trailing zeros mark a heading
/// and sort it before its first child.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Level {
    parts: Vec<u64>,
    text: String,
}

impl Level {
    fn parse(v: Option<&serde_norway::Value>) -> Level {
        let text = v.and_then(scalar_string).unwrap_or_else(|| "1".into());
        let mut parts: Vec<u64> = text
            .split('.')
            .map(|p| p.trim().parse().unwrap_or(0))
            .collect();
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Level { parts, text }
    }
}

fn scalar_string(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// One item file: its level, the item, and whether it is active.
fn read_item(root: &Path, path: &Path, kind: Kind) -> Result<(Level, ForeignItem, bool), String> {
    let shown = path.strip_prefix(root).unwrap_or(path);
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", shown.display()))?;
    let value: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| yaml_problem(shown, &e))?;
    let serde_norway::Value::Mapping(map) = value else {
        return Err(format!(
            "{}: not a Doorstop item (a YAML mapping)",
            shown.display()
        ));
    };
    let uid = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let get = |k: &str| map.get(k);
    let flag = |k: &str, default: bool| get(k).and_then(|v| v.as_bool()).unwrap_or(default);
    let active = flag("active", true);
    let normative = flag("normative", true);
    let level = Level::parse(get("level"));
    let body = get("text")
        .and_then(scalar_string)
        .unwrap_or_default()
        .trim_end()
        .to_string();
    let header = get("header").and_then(scalar_string).unwrap_or_default();
    let kind = if normative { kind } else { Kind::Document };
    let title = Some(header.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| title_from_text(&body))
        .unwrap_or_else(|| uid.clone());
    let mut fields = toml::Table::new();
    fields.insert("title".into(), toml::Value::String(title.clone()));
    let text_value = if body.trim().is_empty() { title } else { body };
    fields.insert("text".into(), toml::Value::String(text_value));
    fields.insert(
        "doorstop_level".into(),
        toml::Value::String(level.text.clone()),
    );
    let (parents, stamps) = links(get("links"));
    for (key, value) in &map {
        let Some(key) = key.as_str() else { continue };
        if matches!(key, "text" | "links" | "active" | "level") {
            continue;
        }
        if let Some(v) = yaml_to_toml(value).and_then(keep) {
            fields.insert(format!("doorstop_{key}"), v);
        }
    }
    if !stamps.is_empty() {
        fields.insert("doorstop_link_stamps".into(), toml::Value::Table(stamps));
    }
    let item = ForeignItem {
        kind,
        id: uid,
        fields,
        parents,
    };
    Ok((level, item, active))
}

/// `links: [UID, {UID: stamp}]` -> the UIDs, and the stamps where given.
fn links(v: Option<&serde_norway::Value>) -> (Vec<String>, toml::Table) {
    let mut uids = Vec::new();
    let mut stamps = toml::Table::new();
    for link in v.and_then(|v| v.as_sequence()).into_iter().flatten() {
        match link {
            serde_norway::Value::Mapping(m) => {
                for (k, stamp) in m {
                    if let Some(uid) = scalar_string(k) {
                        if let Some(s) = scalar_string(stamp).filter(|s| !s.is_empty()) {
                            stamps.insert(uid.clone(), toml::Value::String(s));
                        }
                        uids.push(uid);
                    }
                }
            }
            other => uids.extend(scalar_string(other)),
        }
    }
    (uids, stamps)
}

/// A YAML value as TOML (nulls dropped: TOML has none).
pub fn yaml_to_toml(v: &serde_norway::Value) -> Option<toml::Value> {
    use serde_norway::Value as Y;
    Some(match v {
        Y::Null => return None,
        Y::Bool(b) => toml::Value::Boolean(*b),
        Y::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(f)) if f.is_finite() => toml::Value::Float(f),
            _ => toml::Value::String(n.to_string()),
        },
        Y::String(s) => toml::Value::String(s.clone()),
        Y::Sequence(s) => toml::Value::Array(s.iter().filter_map(yaml_to_toml).collect()),
        Y::Mapping(m) => toml::Value::Table(
            m.iter()
                .filter_map(|(k, v)| Some((scalar_string(k)?, yaml_to_toml(v)?)))
                .collect(),
        ),
        Y::Tagged(t) => return yaml_to_toml(&t.value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_keep_the_outline() {
        let l = |s: &str| Level::parse(Some(&serde_norway::Value::String(s.into())));
        let mut v = [l("2.1"), l("1.10"), l("1.2"), l("1.0"), l("2.0"), l("1.1")];
        v.sort();
        let texts: Vec<&str> = v.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["1.0", "1.1", "1.2", "1.10", "2.0", "2.1"]);
    }

    #[test]
    fn link_forms() {
        let y: serde_norway::Value =
            serde_norway::from_str("- REQ001: abc\n- REQ002\n- REQ003: null\n").unwrap();
        let (uids, stamps) = links(Some(&y));
        assert_eq!(uids, ["REQ001", "REQ002", "REQ003"]);
        assert_eq!(stamps.len(), 1);
    }
}
