//! `relpack import reqif`: a ReqIF file -> relpack items, streamed with
//! quick-xml. SPEC-OBJECTs become items of the kind their SPEC-OBJECT-TYPE
//! names (relpack's own kind names, `--map TYPE=kind`, or by the type's
//! name), SPEC-RELATIONs links from SOURCE to TARGET, SPECIFICATIONs files
//! in hierarchy order. Ids come from `ReqIF.ForeignID` (or `UID`), titles
//! from `ReqIF.Name` (`TITLE`, `ReqIF.ChapterName`), texts from relpack's
//! Markdown, else the XHTML of `ReqIF.Text` (`STATEMENT`,
//! `ReqIF.Description`) made Markdown; other attributes are kept as
//! `reqif_<name>`.

use std::collections::HashMap;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xhtml::XhtmlToMarkdown;
use super::{attributes, KINDS, MARKDOWN};
use crate::interchange::{
    default_kind, relpack_id, title_from_text, ForeignDocument, ForeignItem, Imported,
    InterchangeError,
};
use crate::item::Kind;

#[derive(Debug)]
enum Val {
    Str(String),
    Enum(Vec<String>),
}

#[derive(Debug, Default)]
struct Object {
    identifier: String,
    type_ref: String,
    values: Vec<(String, Val)>,
}

/// Everything read from the file, by IDENTIFIER.
#[derive(Debug, Default)]
struct Content {
    names: HashMap<String, String>,
    objects: Vec<Object>,
    /// (source, target, type)
    relations: Vec<(String, String, String)>,
    /// Specifications: name and object refs in hierarchy order.
    specs: Vec<(String, Vec<String>)>,
}

/// Read `path`; `map` gives kinds by SPEC-OBJECT-TYPE name.
pub fn import(path: &Path, map: &HashMap<String, Kind>) -> Result<Imported, InterchangeError> {
    let bytes = std::fs::read(path)
        .map_err(|e| InterchangeError::io(format!("{}: {e}", path.display())))?;
    let content = read(&bytes).map_err(|(pos, e)| {
        let line = bytes[..pos.min(bytes.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        InterchangeError::invalid(vec![format!("{}:{line}: {e}", path.display())])
    })?;
    Ok(to_items(content, map))
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn local(name: &[u8]) -> String {
    let n = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(n).into_owned()
}

/// Stream the file into `Content`; an error gives its byte position.
fn read(bytes: &[u8]) -> Result<Content, (usize, String)> {
    let mut r = Reader::from_reader(bytes);
    let mut c = Content::default();
    let mut stack: Vec<String> = Vec::new();
    let mut xhtml: Option<XhtmlToMarkdown> = None;
    let mut text = String::new();
    // A file that is not ReqIF, or one cut short, is an error: read as far
    // as it goes, it imported part of the items and none of the links.
    let mut root = false;
    loop {
        let pos = r.buffer_position() as usize;
        let ev = r.read_event().map_err(|e| (pos, e.to_string()))?;
        match ev {
            Event::Start(e) if xhtml.is_some() => {
                let name = local(e.name().as_ref());
                if let Some(x) = xhtml.as_mut() {
                    x.start(&name, attr(&e, b"href"));
                }
                stack.push(name);
            }
            Event::Empty(e) if xhtml.is_some() => {
                let name = local(e.name().as_ref());
                if let Some(x) = xhtml.as_mut() {
                    x.start(&name, attr(&e, b"href"));
                    x.end(&name);
                }
            }
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if stack.is_empty() {
                    check_root(&name, &mut root).map_err(|m| (pos, m))?;
                }
                start(&mut c, &name, &e, &stack);
                if name == "THE-VALUE" && stack.last().is_some_and(|p| p == "ATTRIBUTE-VALUE-XHTML")
                {
                    xhtml = Some(XhtmlToMarkdown::default());
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = local(e.name().as_ref());
                if stack.is_empty() {
                    check_root(&name, &mut root).map_err(|m| (pos, m))?;
                }
                start(&mut c, &name, &e, &stack);
            }
            Event::Text(t) => {
                let t = t.decode().map_err(|e| (pos, e.to_string()))?;
                let t = quick_xml::escape::unescape(&t).map_err(|e| (pos, e.to_string()))?;
                match xhtml.as_mut() {
                    Some(x) => x.text(&t),
                    None => text.push_str(&t),
                }
            }
            Event::GeneralRef(g) => {
                let name = g.decode().map_err(|e| (pos, e.to_string()))?;
                let entity = format!("&{name};");
                let s = quick_xml::escape::unescape(&entity).map_err(|e| (pos, e.to_string()))?;
                match xhtml.as_mut() {
                    Some(x) => x.text(&s),
                    None => text.push_str(&s),
                }
            }
            Event::CData(t) => {
                let t = String::from_utf8_lossy(&t).into_owned();
                match xhtml.as_mut() {
                    Some(x) => x.text(&t),
                    None => text.push_str(&t),
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                if let Some(x) = xhtml.as_mut() {
                    if name == "THE-VALUE" {
                        let md = xhtml.take().expect("checked").finish();
                        if let Some(o) = c.objects.last_mut() {
                            if let Some((_, v)) = o.values.last_mut() {
                                *v = Val::Str(md);
                            }
                        }
                    } else {
                        x.end(&name);
                    }
                    continue;
                }
                end(&mut c, &name, &stack, text.trim());
                text.clear();
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err((
                        pos,
                        format!("the file ends inside <{open}>: it is cut short"),
                    ));
                }
                if !root {
                    return Err((pos, "no <REQ-IF> element: this is not a ReqIF file".into()));
                }
                break;
            }
            _ => {}
        }
    }
    Ok(c)
}

/// The one root element must be `<REQ-IF>`.
fn check_root(name: &str, seen: &mut bool) -> Result<(), String> {
    if *seen {
        return Err(format!(
            "<{name}> after the <REQ-IF> element: one ReqIF document per file"
        ));
    }
    if name != "REQ-IF" {
        return Err(format!(
            "the root element is <{name}>, not <REQ-IF>: this is not a ReqIF file"
        ));
    }
    *seen = true;
    Ok(())
}

fn start(c: &mut Content, name: &str, e: &BytesStart, stack: &[String]) {
    let id = attr(e, b"IDENTIFIER");
    if let (Some(id), Some(long)) = (&id, attr(e, b"LONG-NAME")) {
        c.names.insert(id.clone(), long);
    }
    match name {
        "SPEC-OBJECT" => c.objects.push(Object {
            identifier: id.unwrap_or_default(),
            ..Object::default()
        }),
        "SPEC-RELATION" => c.relations.push(Default::default()),
        "SPECIFICATION" => c
            .specs
            .push((attr(e, b"LONG-NAME").unwrap_or_default(), Vec::new())),
        _ if name.starts_with("ATTRIBUTE-VALUE-") && stack.iter().any(|s| s == "SPEC-OBJECT") => {
            if let Some(o) = c.objects.last_mut() {
                let v = match name {
                    "ATTRIBUTE-VALUE-ENUMERATION" => Val::Enum(Vec::new()),
                    _ => Val::Str(attr(e, b"THE-VALUE").unwrap_or_default()),
                };
                o.values.push((String::new(), v));
            }
        }
        _ => {}
    }
}

fn end(c: &mut Content, name: &str, stack: &[String], text: &str) {
    let parent = stack.last().map(String::as_str).unwrap_or("");
    let in_object = stack.iter().any(|s| s == "SPEC-OBJECT");
    let in_relation = stack.iter().any(|s| s == "SPEC-RELATION");
    match name {
        n if n.starts_with("ATTRIBUTE-DEFINITION-") && n.ends_with("-REF") && in_object => {
            if let Some((def, _)) = c.objects.last_mut().and_then(|o| o.values.last_mut()) {
                *def = text.to_string();
            }
        }
        "ENUM-VALUE-REF" if in_object => {
            if let Some((_, Val::Enum(v))) = c.objects.last_mut().and_then(|o| o.values.last_mut())
            {
                v.push(text.to_string());
            }
        }
        "SPEC-OBJECT-TYPE-REF" if in_object => {
            if let Some(o) = c.objects.last_mut() {
                o.type_ref = text.to_string();
            }
        }
        "SPEC-OBJECT-REF" if in_relation => {
            if let Some(r) = c.relations.last_mut() {
                match parent {
                    "SOURCE" => r.0 = text.to_string(),
                    "TARGET" => r.1 = text.to_string(),
                    _ => {}
                }
            }
        }
        "SPEC-RELATION-TYPE-REF" if in_relation => {
            if let Some(r) = c.relations.last_mut() {
                r.2 = text.to_string();
            }
        }
        "SPEC-OBJECT-REF" if parent == "OBJECT" => {
            if let Some((_, refs)) = c.specs.last_mut() {
                refs.push(text.to_string());
            }
        }
        _ => {}
    }
}

/// The kind of a SPEC-OBJECT-TYPE name.
fn type_kind(name: &str, map: &HashMap<String, Kind>) -> Kind {
    if let Some(k) = map.get(name) {
        return *k;
    }
    if let Some(k) = Kind::from_name(name).filter(|k| KINDS.contains(k)) {
        return k;
    }
    let upper = name.to_ascii_uppercase();
    if ["SECTION", "HEADING", "TEXT", "INFORMATION", "CHAPTER"]
        .iter()
        .any(|s| upper.contains(s))
    {
        Kind::Document
    } else {
        default_kind(name)
    }
}

/// The attribute values of an object by attribute name.
fn named<'a>(o: &'a Object, names: &'a HashMap<String, String>) -> Vec<(&'a str, &'a Val)> {
    o.values
        .iter()
        .map(|(def, v)| (names.get(def).map(String::as_str).unwrap_or(def), v))
        .collect()
}

fn value_text(v: &Val, names: &HashMap<String, String>) -> toml::Value {
    match v {
        Val::Str(s) => toml::Value::String(s.clone()),
        Val::Enum(refs) => {
            let vals: Vec<String> = refs
                .iter()
                .map(|r| names.get(r).cloned().unwrap_or(r.clone()))
                .collect();
            match <[String; 1]>::try_from(vals) {
                Ok([one]) => toml::Value::String(one),
                Err(many) => {
                    toml::Value::Array(many.into_iter().map(toml::Value::String).collect())
                }
            }
        }
    }
}

/// The item of one object: id, title, text, relpack's own fields, then
/// the others as `reqif_<name>`.
fn to_item(o: &Object, kind: Kind, names: &HashMap<String, String>) -> ForeignItem {
    let vals = named(o, names);
    let find = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            vals.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| value_text(v, names))
                .and_then(|v| v.as_str().map(str::to_string))
                .filter(|s| !s.trim().is_empty())
        })
    };
    let id = relpack_id(&find(&[super::FOREIGN_ID, "UID", "id"]).unwrap_or(o.identifier.clone()));
    let text = find(&[MARKDOWN])
        .or_else(|| {
            find(&[
                super::TEXT,
                "STATEMENT",
                "ReqIF.Description",
                "DESCRIPTION",
                "text",
            ])
        })
        .unwrap_or_default();
    let title = find(&[super::NAME, "TITLE", "ReqIF.ChapterName", "title"])
        .or_else(|| title_from_text(&text))
        .unwrap_or(id.clone());
    let mut fields = toml::Table::new();
    fields.insert("title".into(), toml::Value::String(title.clone()));
    // Requirements and documents must have a text; others keep none.
    if !text.trim().is_empty() {
        fields.insert("text".into(), toml::Value::String(text));
    } else if matches!(kind, Kind::Requirement | Kind::Document) {
        fields.insert("text".into(), toml::Value::String(title));
    }
    let own = attributes(kind);
    let used = [
        super::FOREIGN_ID,
        "UID",
        "id",
        MARKDOWN,
        super::TEXT,
        "STATEMENT",
        "ReqIF.Description",
        "DESCRIPTION",
        "text",
        super::NAME,
        "TITLE",
        "ReqIF.ChapterName",
        "title",
    ];
    for (name, v) in &vals {
        if used.iter().any(|u| u.eq_ignore_ascii_case(name)) {
            continue;
        }
        let value = value_text(v, names);
        match own.iter().find(|(n, _, _)| n == name) {
            Some((_, field, t)) => {
                let value = match (t, value.as_str().and_then(|s| s.parse::<i64>().ok())) {
                    (super::AttrType::Score, Some(i)) => toml::Value::Integer(i),
                    _ => value,
                };
                fields.insert(field.to_string(), value);
            }
            None => {
                if let Some(v) = crate::interchange::keep(value) {
                    let key: String = name
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() {
                                c.to_ascii_lowercase()
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    fields.insert(format!("reqif_{key}"), v);
                }
            }
        }
    }
    ForeignItem {
        kind,
        id,
        fields,
        parents: Vec::new(),
    }
}

/// Objects -> items by specification, relations -> parents.
fn to_items(c: Content, map: &HashMap<String, Kind>) -> Imported {
    let mut imp = Imported {
        tool: "reqif",
        ..Imported::default()
    };
    let mut items: HashMap<&str, ForeignItem> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for o in &c.objects {
        imp.counts.items_read += 1;
        let type_name = c
            .names
            .get(&o.type_ref)
            .cloned()
            .unwrap_or(o.type_ref.clone());
        let item = to_item(o, type_kind(&type_name, map), &c.names);
        order.push(&o.identifier);
        items.insert(&o.identifier, item);
    }
    let ids: HashMap<&str, String> = items.iter().map(|(k, v)| (*k, v.id.clone())).collect();
    for (source, target, _) in &c.relations {
        match (items.get_mut(source.as_str()), ids.get(target.as_str())) {
            (Some(item), Some(t)) => item.parents.push(t.clone()),
            _ => {
                imp.counts.links_read += 1;
                imp.notes.push(format!(
                    "relation {source} -> {target}: an end is no SPEC-OBJECT of this file; dropped"
                ));
            }
        }
    }
    for (name, refs) in &c.specs {
        let mut doc = ForeignDocument {
            name: if name.is_empty() {
                "specification".into()
            } else {
                name.clone()
            },
            items: Vec::new(),
        };
        for r in refs {
            if let Some(item) = items.remove(r.as_str()) {
                doc.items.push(item);
            }
        }
        imp.counts.documents += 1;
        imp.documents.push(doc);
    }
    let rest: Vec<ForeignItem> = order.iter().filter_map(|r| items.remove(r)).collect();
    if !rest.is_empty() {
        imp.notes.push(format!(
            "{} objects in no specification: written to unplaced.toml",
            rest.len()
        ));
        imp.documents.push(ForeignDocument {
            name: "unplaced".into(),
            items: rest,
        });
    }
    crate::interchange::resolve_links(&mut imp);
    imp
}
