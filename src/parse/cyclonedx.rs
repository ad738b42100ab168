//! CycloneDX BOMs (1.4 to 1.6, JSON and XML) -> `soup` items, exactly as the
//! contract maps them: nested components too, never the BOM's own
//! `metadata.component`.

use std::io::{BufRead, BufReader, Read};

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
    /// The `soup` item of a component with a name; `at` is where the
    /// component starts in the file.
    fn into_item(self, file: FileId, at: usize) -> Option<Item> {
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
        // A blank supplier is none (the SOUP gate reads it so): the next
        // of publisher and author, else no supplier field at all.
        let supplier = [self.supplier, self.publisher, self.author]
            .into_iter()
            .flatten()
            .find(|s| !crate::text::shows_nothing(s));
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
            fields: fields.into(),
            origin: Origin::new(file, at..at + 1),
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
                .at_line(file, e.line(), e.column())],
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
    let mut walk = JsonWalk {
        offsets: component_offsets(text),
        next: 0,
        found: Vec::new(),
        diags: Vec::new(),
        file,
    };
    match bom.get("components") {
        None => {}
        Some(Value::Array(list)) => walk.components(list, 0),
        Some(other) => walk.diags.push(
            Diagnostic::error(format!(
                "{path}: \"components\" must be an array of components, not {}; no component was read",
                json_type(other)
            ))
            .in_file(file),
        ),
    }
    let JsonWalk { found, diags, .. } = walk;
    let mut items = Vec::with_capacity(found.len());
    for (c, at) in found {
        // A component without a name was reported by the walk.
        if c.name.as_deref().is_some_and(|n| !n.is_empty()) {
            items.extend(c.into_item(file, at));
        }
    }
    (items, diags)
}

/// A component without a name cannot be a SOUP item, and leaving it out
/// would hide it from the SOUP list.
fn no_name(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::error("a BOM component has no `name`, so it cannot be listed as SOUP")
        .at(file, at..at + 1)
        .label("this component")
        .note("CycloneDX requires `name` on every component; fix the tool or the BOM")
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field `json_component` reads and the JSON type it must have: a value
/// of another type would otherwise be read as missing (a SOUP without its
/// version, and no word of it).
struct Expected {
    key: &'static str,
    ok: fn(&Value) -> bool,
    want: &'static str,
}

const fn expected(key: &'static str, ok: fn(&Value) -> bool, want: &'static str) -> Expected {
    Expected { key, ok, want }
}

const COMPONENT_FIELDS: &[Expected] = &[
    expected("group", Value::is_string, "a string"),
    expected("name", Value::is_string, "a string"),
    expected("version", Value::is_string, "a string"),
    expected("publisher", Value::is_string, "a string"),
    expected("author", Value::is_string, "a string"),
    expected("purl", Value::is_string, "a string"),
    expected("supplier", Value::is_object, "an object"),
    expected("authors", Value::is_array, "an array"),
    expected("licenses", Value::is_array, "an array"),
];

const SUPPLIER_NAME: Expected = expected("supplier.name", Value::is_string, "a string");
const LICENSE: Expected = expected("licenses[]", license_readable, "a license or an expression");

/// A `licenses` entry as `json_component` reads it: `{"license": {"id" or
/// "name": string}}` or `{"expression": string}`.
fn license_readable(l: &Value) -> bool {
    let named = |lic: &Value| {
        ["id", "name"]
            .iter()
            .any(|k| lic.get(k).is_some_and(Value::is_string))
    };
    match (l.get("license"), l.get("expression")) {
        (Some(lic), _) => named(lic),
        (None, Some(e)) => e.is_string(),
        (None, None) => false,
    }
}

/// Components in document order, each with where its `{` is.
struct JsonWalk {
    /// Offsets of the component objects, in document order
    /// ([`component_offsets`]): the walk visits them in the same order.
    offsets: Vec<usize>,
    next: usize,
    found: Vec<(Component, usize)>,
    diags: Vec<Diagnostic>,
    file: FileId,
}

impl JsonWalk {
    /// An error for each field of component `c` (at byte `at`) that relpack
    /// reads but that has the wrong JSON type.
    fn wrong_types(&mut self, c: &Value, at: usize) {
        let fields = COMPONENT_FIELDS.iter().map(|f| (f, c.get(f.key)));
        let supplier = (
            &SUPPLIER_NAME,
            c.get("supplier").and_then(|s| s.get("name")),
        );
        let licenses = c
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let licenses = licenses.map(|l| (&LICENSE, Some(l)));
        for (f, value) in fields.chain([supplier]).chain(licenses) {
            if let Some(v) = value.filter(|v| !(f.ok)(v)) {
                self.diags.push(
                    Diagnostic::error(format!(
                        "a BOM component's `{}` is {}, not {}; CycloneDX requires {}",
                        f.key,
                        json_type(v),
                        f.want,
                        f.want
                    ))
                    .at(self.file, at..at + 1)
                    .label("this component")
                    .note("relpack would otherwise read it as missing; fix the tool or the BOM"),
                );
            }
        }
    }

    fn components(&mut self, list: &[Value], depth: usize) {
        // Never reached from a file: serde_json refuses nesting deeper than
        // 128 (an invalid BOM) before components are 64 deep.
        if depth > 64 {
            return;
        }
        for c in list {
            if !c.is_object() {
                self.diags.push(
                    Diagnostic::error(format!(
                        "a BOM's \"components\" holds {}, not a component object; it was not read",
                        json_type(c)
                    ))
                    .in_file(self.file),
                );
                continue;
            }
            let at = self.offsets.get(self.next).copied().unwrap_or(0);
            self.next += 1;
            self.wrong_types(c, at);
            // A name of the wrong type was reported as such just above.
            if c.get("name").is_none_or(|n| n.as_str() == Some("")) {
                self.diags.push(no_name(self.file, at));
            }
            self.found.push((json_component(c), at));
            match c.get("components") {
                None => {}
                Some(Value::Array(nested)) => self.components(nested, depth + 1),
                Some(other) => self.diags.push(
                    Diagnostic::error(format!(
                        "a component's \"components\" must be an array, not {}; its components were not read",
                        json_type(other)
                    ))
                    .at(self.file, at..at + 1),
                ),
            }
        }
    }
}

fn json_component(c: &Value) -> Component {
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
    Component {
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
    }
}

/// The byte offsets of the component objects of a CycloneDX JSON document,
/// in document order: objects in a `components` array of the root or of
/// such a component (not `metadata.component`). serde_json's values carry
/// no positions; this one pass over the text finds them.
fn component_offsets(text: &str) -> Vec<usize> {
    enum Frame {
        /// `counted`: the root or a component; `key`: the last key read.
        Object {
            counted: bool,
            key: Vec<u8>,
        },
        Array {
            components: bool,
        },
    }
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if expect_key {
                    if let Some(Frame::Object { key, .. }) = stack.last_mut() {
                        *key = b[start..i.min(b.len())].to_vec();
                    }
                }
            }
            b'{' => {
                let counted = match stack.last() {
                    None => true,
                    Some(Frame::Array { components }) => *components,
                    Some(Frame::Object { .. }) => false,
                };
                if counted && !stack.is_empty() {
                    out.push(i);
                }
                stack.push(Frame::Object {
                    counted,
                    key: Vec::new(),
                });
                expect_key = true;
            }
            b'[' => {
                let components = matches!(
                    stack.last(),
                    Some(Frame::Object { counted: true, key }) if key == b"components"
                );
                stack.push(Frame::Array { components });
                expect_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b':' => expect_key = false,
            b',' => expect_key = matches!(stack.last(), Some(Frame::Object { .. })),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Counts the lines of the bytes the XML parser pulls, to say where an
/// error is.
struct Lines<R> {
    inner: R,
    read: u64,
    newlines: Vec<u64>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.newlines.push(self.read + i as u64);
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

impl<R> Lines<R> {
    fn line_of(&self, offset: u64) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }
}

/// A component being read, with the license being read.
#[derive(Default)]
struct OpenComponent {
    /// Index in the element path of its `<component>`.
    depth: usize,
    /// Where its `<component>` is in the file.
    at: usize,
    c: Component,
    license_id: Option<String>,
    license_name: Option<String>,
    /// The first of 1.6 `<authors><author><name>`, used when there is no
    /// (deprecated) `<author>`.
    first_author: Option<String>,
}

/// The XML reader's state: element names from the root down (a
/// component's fields are its direct children, so the path tells which
/// component a text belongs to), the components open and done.
#[derive(Default)]
struct BomWalk {
    path_stack: Vec<Vec<u8>>,
    open: Vec<OpenComponent>,
    done: Vec<(Component, usize)>,
    text: String,
}

impl BomWalk {
    fn start(&mut self, name: Vec<u8>, at: usize) {
        // Components are those of the BOM's own <components> and,
        // recursively, of a component's <components>; not the BOM's
        // metadata.component, nor pedigree, tools or services.
        let depth = self.path_stack.len();
        if name == b"component"
            && self.path_stack.last().is_some_and(|p| p == b"components")
            && (depth == 2 || self.open.last().is_some_and(|o| o.depth + 2 == depth))
        {
            self.open.push(OpenComponent {
                depth,
                at,
                ..OpenComponent::default()
            });
        }
        self.path_stack.push(name);
        self.text.clear();
    }

    fn end(&mut self) {
        let name = self.path_stack.pop().unwrap_or_default();
        let depth = self.path_stack.len();
        let value = self.text.trim().to_string();
        self.text.clear();
        if name == b"component" && self.open.last().map(|o| o.depth) == Some(depth) {
            if let Some(mut o) = self.open.pop() {
                if o.c.author.is_none() {
                    o.c.author = o.first_author;
                }
                self.done.push((o.c, o.at));
            }
            return;
        }
        if let Some(o) = self.open.last_mut() {
            o.field(&self.path_stack[o.depth + 1..], &name, value);
        }
    }
}

impl OpenComponent {
    /// A field of this component ended: `rel` is the path from the
    /// component to the element named `name`.
    fn field(&mut self, rel: &[Vec<u8>], name: &[u8], value: String) {
        let c = &mut self.c;
        match (rel, name) {
            ([], b"group") => c.group = Some(value),
            ([], b"name") => c.name = Some(value),
            ([], b"version") => c.version = Some(value),
            ([], b"publisher") => c.publisher = Some(value),
            ([], b"author") => c.author = Some(value),
            ([], b"purl") => c.purl = Some(value),
            ([s], b"name") if s == b"supplier" => c.supplier = Some(value),
            ([a, au], b"name")
                if a == b"authors" && au == b"author" && self.first_author.is_none() =>
            {
                self.first_author = Some(value);
            }
            ([ls, l], b"id") if ls == b"licenses" && l == b"license" => {
                self.license_id = Some(value)
            }
            ([ls, l], b"name") if ls == b"licenses" && l == b"license" => {
                self.license_name = Some(value)
            }
            // A license is its SPDX id, else its name.
            ([ls], b"license") if ls == b"licenses" => {
                if let Some(l) = self.license_id.take().or(self.license_name.take()) {
                    c.licenses.push(l);
                }
                self.license_name = None;
            }
            ([ls], b"expression") if ls == b"licenses" => c.licenses.push(value),
            _ => {}
        }
    }
}

pub fn parse_xml_bom(
    reader: impl BufRead,
    path: &str,
    file: FileId,
) -> (Vec<Item>, Vec<Diagnostic>) {
    let mut xml = Reader::from_reader(BufReader::new(Lines {
        inner: reader,
        read: 0,
        newlines: Vec::new(),
    }));
    let mut buf = Vec::new();
    // The file's text is kept (as read, lossily): a span into it.
    let error = |xml: &Reader<BufReader<Lines<_>>>, offset: u64, msg: String| {
        let line = xml.get_ref().get_ref().line_of(offset);
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        (
            Vec::new(),
            vec![Diagnostic::error(format!("{path}:{line}: {msg}"))
                .at(file, at..at.saturating_add(1))],
        )
    };
    let mut walk = BomWalk::default();
    let mut seen_root = false;
    loop {
        let start = xml.buffer_position();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_vec();
                if !seen_root {
                    if name != b"bom" {
                        let root = String::from_utf8_lossy(&name).into_owned();
                        return error(
                            &xml,
                            start,
                            format!("not a CycloneDX BOM: the root element is <{root}>, not <bom>"),
                        );
                    }
                    seen_root = true;
                }
                walk.start(name, usize::try_from(start).unwrap_or(usize::MAX));
            }
            Ok(Event::Empty(e)) if !seen_root => {
                let root = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                return error(
                    &xml,
                    start,
                    format!("not a CycloneDX BOM: the root element is <{root}/>, not <bom>"),
                );
            }
            Ok(Event::Text(t)) => walk.text.push_str(&t.decode().unwrap_or_default()),
            Ok(Event::CData(t)) => walk.text.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::GeneralRef(r)) => walk
                .text
                .push_str(&super::junit::resolve_entity(&String::from_utf8_lossy(&r))),
            Ok(Event::End(_)) => walk.end(),
            Ok(Event::Eof) => {
                if !seen_root {
                    return error(&xml, start, "not a CycloneDX BOM: no <bom> element".into());
                }
                if !walk.path_stack.is_empty() {
                    let end = xml.buffer_position();
                    return error(
                        &xml,
                        end,
                        "invalid CycloneDX XML: the file ends before its elements are closed (truncated?)".into(),
                    );
                }
                break;
            }
            Err(e) => {
                let pos = xml.error_position();
                return error(&xml, pos, format!("invalid CycloneDX XML: {e}"));
            }
            _ => {}
        }
        buf.clear();
    }
    let done = walk.done;
    let mut items = Vec::with_capacity(done.len());
    let mut diags = Vec::new();
    for (c, at) in done {
        if c.name.as_deref().is_none_or(str::is_empty) {
            diags.push(no_name(file, at));
        } else {
            items.extend(c.into_item(file, at));
        }
    }
    (items, diags)
}
