//! CycloneDX BOMs (1.4 to 1.6, JSON and XML) -> `soup` items, exactly as the
//! contract maps them: nested components too, never the BOM's own
//! `metadata.component`.

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use crate::diag::{Diagnostic, FileId};
use crate::item::{Item, Kind, Origin};

#[derive(Debug, Default, Clone)]
struct Component {
    group: Option<String>,
    name: Option<String>,
    version: Option<String>,
    supplier: Option<String>,
    publisher: Option<String>,
    author: Option<String>,
    licenses: Vec<String>,
    purl: Option<String>,
}

impl Component {
    fn into_item(self, file: FileId) -> Option<Item> {
        let name = self.name.filter(|n| !n.is_empty())?;
        let version = self.version.unwrap_or_default();
        let full_name = match &self.group {
            Some(g) if !g.is_empty() => format!("{g}/{name}"),
            _ => name.clone(),
        };
        let id = format!("SOUP-{full_name}@{version}");
        let mut fields = Map::new();
        fields.insert("id".into(), Value::String(id.clone()));
        fields.insert("name".into(), Value::String(name));
        if !version.is_empty() {
            fields.insert("version".into(), Value::String(version));
        }
        let supplier = [self.supplier, self.publisher, self.author]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty());
        if let Some(s) = supplier {
            fields.insert("supplier".into(), Value::String(s));
        }
        if !self.licenses.is_empty() {
            fields.insert(
                "licenses".into(),
                Value::Array(self.licenses.into_iter().map(Value::String).collect()),
            );
        }
        if let Some(p) = self.purl {
            fields.insert("purl".into(), Value::String(p));
        }
        Some(Item {
            kind: Kind::Soup,
            id,
            fields,
            origin: Origin::new(file, 0..0),
            from_bom: true,
        })
    }
}

pub fn parse_json_bom(text: &str, path: &str, file: FileId) -> (Vec<Item>, Vec<Diagnostic>) {
    let bom: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Vec::new(),
                vec![Diagnostic::error(format!(
                    "{path}:{}:{}: invalid CycloneDX JSON: {e}",
                    e.line(),
                    e.column()
                ))
                .in_file(file)],
            )
        }
    };
    if bom.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return (
            Vec::new(),
            vec![Diagnostic::error(format!(
                "{path}: not a CycloneDX BOM (no \"bomFormat\": \"CycloneDX\")"
            ))
            .in_file(file)],
        );
    }
    let mut out = Vec::new();
    if let Some(list) = bom.get("components").and_then(Value::as_array) {
        collect_json(list, &mut out, 0);
    }
    (
        out.into_iter().filter_map(|c| c.into_item(file)).collect(),
        Vec::new(),
    )
}

fn collect_json(list: &[Value], out: &mut Vec<Component>, depth: usize) {
    if depth > 64 {
        return;
    }
    for c in list {
        let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
        let mut licenses = Vec::new();
        for l in c
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(lic) = l.get("license") {
                if let Some(v) = lic
                    .get("id")
                    .or_else(|| lic.get("name"))
                    .and_then(Value::as_str)
                {
                    licenses.push(v.to_string());
                }
            } else if let Some(e) = l.get("expression").and_then(Value::as_str) {
                licenses.push(e.to_string());
            }
        }
        let author = s("author").or_else(|| {
            // 1.6 replaced `author` with `authors` (organizational contacts).
            c.get("authors")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|a| a.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        out.push(Component {
            group: s("group"),
            name: s("name"),
            version: s("version"),
            supplier: c
                .get("supplier")
                .and_then(|x| x.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string),
            publisher: s("publisher"),
            author,
            licenses,
            purl: s("purl"),
        });
        if let Some(nested) = c.get("components").and_then(Value::as_array) {
            collect_json(nested, out, depth + 1);
        }
    }
}

pub fn parse_xml_bom(
    reader: impl BufRead,
    path: &str,
    file: FileId,
) -> (Vec<Item>, Vec<Diagnostic>) {
    let mut xml = Reader::from_reader(reader);
    let mut buf = Vec::new();
    // Element names from the root down; a component's fields are its direct
    // children, so the stack tells which component a text belongs to.
    let mut path_stack: Vec<Vec<u8>> = Vec::new();
    let mut open: Vec<(usize, Component)> = Vec::new();
    let mut done = Vec::new();
    let mut text = String::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_vec();
                if name == b"component" && !path_stack.iter().any(|n| n == b"metadata") {
                    open.push((path_stack.len(), Component::default()));
                }
                path_stack.push(name);
                text.clear();
            }
            Ok(Event::Text(t)) => text.push_str(&t.decode().unwrap_or_default()),
            Ok(Event::CData(t)) => text.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::GeneralRef(r)) => {
                text.push_str(&super::junit::resolve_entity(&String::from_utf8_lossy(&r)))
            }
            Ok(Event::End(_)) => {
                let name = path_stack.pop().unwrap_or_default();
                let depth = path_stack.len();
                let value = text.trim().to_string();
                text.clear();
                if name == b"component" && open.last().map(|(d, _)| *d) == Some(depth) {
                    if let Some((_, c)) = open.pop() {
                        done.push(c);
                    }
                    continue;
                }
                let Some((cdepth, c)) = open.last_mut() else {
                    continue;
                };
                let rel = &path_stack[*cdepth + 1..];
                match (rel, name.as_slice()) {
                    ([], b"group") => c.group = Some(value),
                    ([], b"name") => c.name = Some(value),
                    ([], b"version") => c.version = Some(value),
                    ([], b"publisher") => c.publisher = Some(value),
                    ([], b"author") => c.author = Some(value),
                    ([], b"purl") => c.purl = Some(value),
                    ([s], b"name") if s == b"supplier" => c.supplier = Some(value),
                    ([a], b"name") if a == b"authors" => {}
                    ([ls, l], b"id" | b"name") if ls == b"licenses" && l == b"license" => {
                        c.licenses.push(value)
                    }
                    ([ls], b"expression") if ls == b"licenses" => c.licenses.push(value),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                return (
                    Vec::new(),
                    vec![Diagnostic::error(format!(
                        "{path}: invalid CycloneDX XML at byte {}: {e}",
                        xml.error_position()
                    ))
                    .in_file(file)],
                )
            }
            _ => {}
        }
        buf.clear();
    }
    (
        done.into_iter().filter_map(|c| c.into_item(file)).collect(),
        Vec::new(),
    )
}
