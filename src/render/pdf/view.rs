//! The packet as the PDF template reads it: JSON data, never markup.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::model::Packet;
use crate::render::markdown_ast::to_ast;

/// The packet as the template reads it: each Markdown text as a small tree
/// of blocks and inlines (never as markup), carried by its own item and
/// requirement row; documents and change records also by id.
pub fn view_data(packet: &Packet) -> Value {
    use rayon::prelude::*;
    let mut figures: std::collections::HashMap<&str, Vec<&crate::model::FigureEntry>> =
        std::collections::HashMap::new();
    for f in &packet.figures {
        figures.entry(f.item.as_str()).or_default().push(f);
    }
    let trees: std::collections::HashMap<&str, Value> = packet
        .items
        .par_iter()
        .filter_map(|i| {
            let text = i.text()?;
            let is_id = |id: &str| id != i.id && packet.item(id).is_some();
            let mine = figures.get(i.id.as_str());
            let figure = |target: &str| {
                let f = mine?.iter().find(|f| f.target == target)?;
                Some((figure_path(f), f.file.rsplit('.').next()?.to_string()))
            };
            Some((i.id.as_str(), to_ast(text, &is_id, &figure)))
        })
        .collect();
    let mut v = serde_json::to_value(packet).unwrap_or(Value::Null);
    // Every row carries `md`, null where the item has no text: the template
    // never has to ask whether a field exists.
    for key in ["items", "requirements", "tests"] {
        for row in v[key].as_array_mut().into_iter().flatten() {
            let tree = row["id"].as_str().and_then(|id| trees.get(id)).cloned();
            if let Some(obj) = row.as_object_mut() {
                obj.insert("md".into(), tree.unwrap_or(Value::Null));
            }
        }
    }
    // The overall residual-risk conclusion, like every text, as a tree.
    let is_item = |id: &str| packet.item(id).is_some();
    v["risk"]["conclusion_md"] = packet
        .risk
        .conclusion
        .as_deref()
        .map_or(Value::Null, |t| to_ast(t, &is_item, &|_| None));
    let wanted: HashSet<&str> = packet
        .documents
        .iter()
        .chain(&packet.changes.records)
        .map(String::as_str)
        .collect();
    let by_id: serde_json::Map<String, Value> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["id"].as_str().is_some_and(|id| wanted.contains(id)))
        .map(|i| (i["id"].as_str().unwrap_or_default().to_string(), i.clone()))
        .collect();
    let mut data = json!({ "packet": v, "items": by_id });
    soften(&mut data, false);
    data
}

/// A figure's file in the PDF's World (world.rs serves it).
pub fn figure_path(f: &crate::model::FigureEntry) -> String {
    format!("/{}", f.file)
}

/// One evidence text as the PDF template receives it: its Markdown tree
/// (`markdown_ast`), long words softened. The fuzz target's entry point;
/// `view_data` builds the same trees for the whole packet at once.
pub fn text_tree(markdown: &str, is_id: &dyn Fn(&str) -> bool) -> Value {
    let mut tree = to_ast(markdown, is_id, &|_| None);
    soften(&mut tree, false);
    tree
}

/// Give long unbroken words (ids, paths, URLs, digests) a break opportunity
/// about every 10 characters (never right after a hyphen), so table cells
/// wrap them instead of overflowing.
/// Link targets and the raw before/after values of changed fields keep their
/// exact text.
pub(super) fn soften(v: &mut Value, keep: bool) {
    match v {
        // typst draws a tab as nothing ("rate\tlimit" read "ratelimit").
        Value::String(s) if s.contains('\t') => {
            *s = s.replace('\t', "    ");
            soften(v, keep);
        }
        Value::String(s) if !keep && s.contains(crate::text::is_bidi_control) => {
            *s = crate::text::show_bidi(s).into_owned();
            soften(v, keep);
        }
        Value::String(s) if !keep && s.split_whitespace().any(|w| w.chars().count() > 20) => {
            let mut out = String::with_capacity(s.len() + s.len() / 8);
            for (i, part) in s.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let long = part.chars().count() > 20;
                let mut since = 0;
                let mut prev = ' ';
                for c in part.chars() {
                    // Never right after a hyphen: pdftotext would drop a
                    // hyphen that ends a line.
                    if long && since >= 10 && prev != '-' {
                        out.push('\u{200B}');
                        since = 0;
                    }
                    out.push(c);
                    prev = c;
                    since += 1;
                }
            }
            *s = out;
        }
        Value::Array(a) => a.iter_mut().for_each(|x| soften(x, keep)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                soften(
                    x,
                    keep || matches!(
                        k.as_str(),
                        "url" | "old" | "new" | "commit" | "date" | "src"
                    ),
                );
            }
        }
        _ => {}
    }
}
