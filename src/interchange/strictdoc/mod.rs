//! `relpack import strictdoc`: StrictDoc's SDoc files as relpack items.
//! A line-by-line reader of the SDoc grammar (strictdoc
//! `backend/sdoc/grammar/grammar.py`): `[DOCUMENT]` with its fields and
//! `[GRAMMAR]` (skipped: fields are kept whatever the grammar), sections
//! both old (`[SECTION]` .. `[/SECTION]`) and new (`[[SECTION]]` ..
//! `[[/SECTION]]`), nodes `[TAG]` and composite nodes `[[TAG]]` ..
//! `[[/TAG]]`, single-line fields `NAME: value`, multi-line fields between
//! `>>>` and `<<<`, and `RELATIONS` of type Parent, Child and File.
//!
//! A node becomes an item of the kind `--map TAG=kind` gives (by default
//! from its tag: `TEST_CASE` a test, `TEXT` a document, others
//! requirements): UID is its id, TITLE its title, STATEMENT (or CONTENT /
//! DESCRIPTION) its text, RATIONALE `rationale`, STATUS its status where
//! relpack has one, every other field `strictdoc_<name>`; a Parent relation
//! is a link to a parent, a Child relation one from the child.

use std::collections::HashMap;
use std::path::Path;

use super::{default_kind, keep, relpack_id, title_from_text, ForeignDocument, ForeignItem};
use super::{Imported, InterchangeError};
use crate::item::Kind;

/// One node as read: its tag, fields in order, relations, line.
#[derive(Debug, Default)]
struct Node {
    tag: String,
    line: usize,
    fields: Vec<(String, String)>,
    relations: Vec<Relation>,
    section: String,
}

#[derive(Debug, Default, Clone)]
struct Relation {
    kind: String,
    value: String,
    role: Option<String>,
    /// Other keys of a File relation (PATH, FORMAT, LINE_RANGE...).
    extra: Vec<(String, String)>,
}

/// Read `files`; `map` gives kinds by node tag.
pub fn import(files: &[&Path], map: &HashMap<String, Kind>) -> Result<Imported, InterchangeError> {
    let mut imp = Imported {
        tool: "strictdoc",
        ..Imported::default()
    };
    let mut problems = Vec::new();
    let mut children: Vec<(String, String)> = Vec::new(); // (child, parent)
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                return Err(InterchangeError::io(format!("{}: {e}", path.display())));
            }
        };
        let shown = path.display().to_string();
        let (title, nodes) = match parse(&text) {
            Ok(r) => r,
            Err(errs) => {
                problems.extend(errs.into_iter().map(|(l, m)| format!("{shown}:{l}: {m}")));
                continue;
            }
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sdoc".into());
        let mut items = Vec::new();
        for (n, node) in nodes.into_iter().enumerate() {
            imp.counts.items_read += 1;
            let kind = map
                .get(&node.tag)
                .copied()
                .unwrap_or_else(|| tag_kind(&node.tag));
            let item = to_item(node, kind, &stem, n + 1, &mut imp, &mut children);
            items.push(item);
        }
        imp.counts.documents += 1;
        imp.notes.push(format!("{shown}: document \"{title}\""));
        imp.documents.push(ForeignDocument { name: stem, items });
    }
    if !problems.is_empty() {
        return Err(InterchangeError::invalid(problems));
    }
    // A Child relation is the child's link to this node.
    let index: HashMap<String, (usize, usize)> = imp
        .documents
        .iter()
        .enumerate()
        .flat_map(|(d, doc)| {
            doc.items
                .iter()
                .enumerate()
                .map(move |(i, it)| (it.id.clone(), (d, i)))
        })
        .collect();
    for (child, parent) in children {
        let id = imp.renamed.get(&child).cloned().unwrap_or(child.clone());
        match index.get(&id) {
            Some(&(d, i)) => imp.documents[d].items[i].parents.push(parent),
            None => {
                imp.counts.links_read += 1;
                imp.counts.links_kept += 1;
                imp.notes.push(format!(
                    "{parent} -> child {child}: no such item; kept in {parent}'s strictdoc_relations only"
                ));
            }
        }
    }
    super::resolve_links(&mut imp);
    Ok(imp)
}

fn tag_kind(tag: &str) -> Kind {
    if tag == "TEXT" {
        Kind::Document
    } else {
        default_kind(tag)
    }
}

/// The relpack item of a node.
fn to_item(
    node: Node,
    kind: Kind,
    stem: &str,
    n: usize,
    imp: &mut Imported,
    children: &mut Vec<(String, String)>,
) -> ForeignItem {
    let get = |k: &str| {
        node.fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
    };
    let uid = get("UID");
    let id = match &uid {
        Some(u) => relpack_id(u),
        None => {
            let id = relpack_id(&format!("{stem}-{}-{n}", node.tag));
            imp.notes.push(format!(
                "{stem} line {}: a [{}] without UID is {id} in relpack",
                node.line, node.tag
            ));
            id
        }
    };
    if let Some(u) = uid.as_ref().filter(|u| **u != id) {
        imp.renamed.insert(u.clone(), id.clone());
    }
    let text = ["STATEMENT", "CONTENT", "DESCRIPTION"]
        .iter()
        .find_map(|k| get(k))
        .unwrap_or_default();
    let title = get("TITLE")
        .or_else(|| title_from_text(&text))
        .unwrap_or_else(|| id.clone());
    let mut fields = toml::Table::new();
    fields.insert("title".into(), toml::Value::String(title.clone()));
    let text = if text.trim().is_empty() { title } else { text };
    fields.insert("text".into(), toml::Value::String(text));
    if let Some(status) = get("STATUS").and_then(|s| status(kind, &s)) {
        fields.insert("status".into(), toml::Value::String(status.into()));
    }
    if let Some(r) = get("RATIONALE") {
        fields.insert("rationale".into(), toml::Value::String(r));
    }
    if !node.section.is_empty() {
        fields.insert("section".into(), toml::Value::String(node.section.clone()));
    }
    fields.insert(
        "strictdoc_type".into(),
        toml::Value::String(node.tag.clone()),
    );
    for (name, value) in &node.fields {
        if matches!(
            name.as_str(),
            "TITLE" | "STATEMENT" | "CONTENT" | "DESCRIPTION" | "RATIONALE"
        ) {
            continue;
        }
        let key = format!("strictdoc_{}", name.to_ascii_lowercase());
        if let Some(v) = keep(toml::Value::String(value.clone())) {
            fields.insert(key, v);
        }
    }
    let mut parents = Vec::new();
    let mut relations = Vec::new();
    for r in &node.relations {
        match r.kind.as_str() {
            "Parent" => parents.push(r.value.clone()),
            "Child" => {
                children.push((r.value.clone(), uid.clone().unwrap_or(id.clone())));
            }
            _ => {}
        }
        let mut t = toml::Table::new();
        t.insert("type".into(), toml::Value::String(r.kind.clone()));
        if !r.value.is_empty() {
            t.insert("value".into(), toml::Value::String(r.value.clone()));
        }
        if let Some(role) = &r.role {
            t.insert("role".into(), toml::Value::String(role.clone()));
        }
        for (k, v) in &r.extra {
            t.insert(k.to_ascii_lowercase(), toml::Value::String(v.clone()));
        }
        relations.push(toml::Value::Table(t));
    }
    if !relations.is_empty() {
        fields.insert("strictdoc_relations".into(), toml::Value::Array(relations));
    }
    ForeignItem {
        kind,
        id,
        fields,
        parents,
    }
}

/// relpack's status for StrictDoc's, where the kind has one.
fn status(kind: Kind, s: &str) -> Option<&'static str> {
    if kind != Kind::Requirement {
        return None;
    }
    match s.trim().to_ascii_lowercase().as_str() {
        "draft" | "proposed" | "in progress" => Some("draft"),
        "active" | "approved" | "accepted" | "released" => Some("approved"),
        "deleted" | "obsolete" | "deprecated" | "rejected" => Some("obsolete"),
        _ => None,
    }
}

type Problems = Vec<(usize, String)>;

/// The document's title and its nodes in order, or every problem by line.
fn parse(text: &str) -> Result<(String, Vec<Node>), Problems> {
    let mut p = Parser::new(text);
    p.run();
    if p.problems.is_empty() {
        Ok((p.title, p.nodes))
    } else {
        Err(p.problems)
    }
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    at: usize,
    title: String,
    nodes: Vec<Node>,
    /// Open sections (title) and composite nodes (tag, `None`).
    open: Vec<(String, Option<String>)>,
    numbers: Vec<usize>,
    problems: Problems,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            lines: text.lines().map(|l| l.trim_end_matches('\r')).collect(),
            at: 0,
            title: String::new(),
            nodes: Vec::new(),
            open: Vec::new(),
            numbers: vec![0],
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, line: usize, msg: impl Into<String>) {
        self.problems.push((line, msg.into()));
    }

    fn run(&mut self) {
        if self.lines.first().map(|l| l.trim()) != Some("[DOCUMENT]") {
            self.problem(1, "an SDoc file starts with [DOCUMENT]");
            return;
        }
        self.at = 1;
        let (fields, _) = self.fields();
        self.title = fields
            .into_iter()
            .find(|(k, _)| k == "TITLE")
            .map(|(_, v)| v)
            .unwrap_or_default();
        while self.at < self.lines.len() && self.problems.len() < 100 {
            let line = self.lines[self.at].trim_end();
            let n = self.at + 1;
            self.at += 1;
            if line.is_empty() {
                continue;
            }
            self.block(line, n);
        }
        if let Some((name, tag)) = self.open.last().cloned() {
            let what = tag.map_or(format!("section \"{name}\""), |t| format!("[[{t}]]"));
            let end = self.lines.len();
            self.problem(end, format!("{what} is not closed"));
        }
    }

    /// One block starting at `line` (number `n`).
    fn block(&mut self, line: &str, n: usize) {
        match line {
            "[GRAMMAR]" => self.skip_grammar(),
            "[SECTION]" | "[[SECTION]]" => {
                let (fields, _) = self.fields();
                let title = fields
                    .into_iter()
                    .find(|(k, _)| k == "TITLE")
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                self.open_section(title);
            }
            "[/SECTION]" | "[[/SECTION]]" => self.close(n, None),
            "[DOCUMENT_FROM_FILE]" => {
                let (fields, _) = self.fields();
                let file = fields
                    .into_iter()
                    .map(|(_, v)| v)
                    .next()
                    .unwrap_or_default();
                self.problem(
                    n,
                    format!("[DOCUMENT_FROM_FILE] {file}: give that file to relpack import too (included documents are not followed)"),
                );
            }
            _ if line.starts_with("[[/") && line.ends_with("]]") => {
                self.close(n, Some(line[3..line.len() - 2].to_string()))
            }
            _ if line.starts_with("[[") && line.ends_with("]]") => {
                let tag = line[2..line.len() - 2].to_string();
                self.node(tag.clone(), n);
                self.open.push((tag.clone(), Some(tag)));
            }
            _ if line.starts_with('[') && line.ends_with(']') && !line.starts_with("[/") => {
                self.node(line[1..line.len() - 1].to_string(), n)
            }
            _ => self.problem(
                n,
                format!(
                    "expected a [NODE], [[SECTION]] or the end of one, found `{}`",
                    shorten(line)
                ),
            ),
        }
    }

    fn open_section(&mut self, title: String) {
        let depth = self.open.iter().filter(|(_, t)| t.is_none()).count();
        self.numbers.truncate(depth + 1);
        self.numbers[depth] += 1;
        self.numbers.push(0);
        self.open.push((title, None));
    }

    fn close(&mut self, n: usize, tag: Option<String>) {
        match self.open.pop() {
            Some((_, open_tag)) if open_tag == tag => {
                if tag.is_none() {
                    self.numbers.pop();
                }
            }
            _ => self.problem(n, "closes nothing that is open"),
        }
    }

    /// The section path of the current position, as "1.2 Title".
    fn section(&self) -> String {
        let titles: Vec<&str> = self
            .open
            .iter()
            .filter(|(_, t)| t.is_none())
            .map(|(s, _)| s.as_str())
            .collect();
        let Some(last) = titles.last() else {
            return String::new();
        };
        let nums: Vec<String> = self.numbers[..titles.len()]
            .iter()
            .map(|n| n.to_string())
            .collect();
        format!("{} {last}", nums.join("."))
    }

    fn node(&mut self, tag: String, line: usize) {
        let section = self.section();
        let (fields, relations) = self.fields();
        self.nodes.push(Node {
            tag,
            line,
            fields,
            relations,
            section,
        });
    }

    fn skip_grammar(&mut self) {
        while self.at < self.lines.len() && !self.lines[self.at].starts_with('[') {
            self.at += 1;
        }
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

mod fields;

#[cfg(test)]
mod tests;
