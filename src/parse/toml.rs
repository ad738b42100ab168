//! TOML evidence files and Markdown front matter -> raw items with a span for
//! every value. Values are converted to JSON here, by hand, because dates
//! must stay the RFC 3339 strings written (the digest depends on it) and
//! because `toml`'s serde bridge would lose the spans.

use std::ops::Range;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{Diagnostic, FileId};
use crate::item::{Item, Kind, Origin};

/// Deeper than this is not evidence; refusing it keeps every later stage
/// (schema validation, canonical JSON) free of unbounded recursion.
const MAX_DEPTH: usize = 32;

/// Parse a whole `*.toml` evidence file: arrays of tables named by kind.
pub fn parse_items_file(text: &str, file: FileId) -> (Vec<Item>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(doc) = parse_table(text, file, 0, &mut diags) else {
        return (Vec::new(), diags);
    };
    let mut items = Vec::new();
    for (key, value) in doc.get_ref().iter() {
        let key_span = key.span();
        let Some(kind) = Kind::from_name(key.get_ref()) else {
            diags.push(
                Diagnostic::error(format!("unknown kind `{}`", key.get_ref()))
                    .at(file, key_span)
                    .label("not a kind of item")
                    .note(format!(
                        "the kinds are: {}",
                        Kind::ALL.map(|k| k.name()).join(", ")
                    )),
            );
            continue;
        };
        let DeValue::Array(array) = value.get_ref() else {
            diags.push(
                Diagnostic::error(format!("`{kind}` must be an array of tables"))
                    .at(file, key_span)
                    .label(format!("write each item as [[{kind}]]")),
            );
            continue;
        };
        for element in array.iter() {
            match element.get_ref() {
                DeValue::Table(table) => {
                    let span = element.span();
                    if let Some(item) =
                        item_from_table(kind, table, span, file, 0, false, &mut diags)
                    {
                        items.push(item);
                    }
                }
                other => diags.push(
                    Diagnostic::error(format!(
                        "a `{kind}` item must be a table, found {}",
                        other.type_str()
                    ))
                    .at(file, element.span()),
                ),
            }
        }
    }
    (items, diags)
}

/// Parse TOML text into a table, reporting every syntax error found.
/// `offset` is where `text` starts in the file (front matter).
pub fn parse_table<'i>(
    text: &'i str,
    file: FileId,
    offset: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Spanned<DeTable<'i>>> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        return Some(doc);
    }
    for e in errors {
        let d = Diagnostic::error(format!("invalid TOML: {}", e.message())).in_file(file);
        diags.push(match e.span() {
            Some(s) => d.at(file, shift(s, offset)),
            None => d,
        });
    }
    None
}

/// Build one item from its table. `offset` shifts spans (front matter);
/// `kind_allowed` is true for front matter, where `kind` names the kind.
pub fn item_from_table(
    kind: Kind,
    table: &DeTable<'_>,
    span: Range<usize>,
    file: FileId,
    offset: usize,
    kind_allowed: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let mut origin = Origin::new(file, shift(span, offset));
    let mut fields = Map::new();
    // One buffer for every JSON pointer of the item: a hundred thousand
    // items have about a million values, each with its pointer.
    let mut pointer = String::with_capacity(64);
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        if name == "kind" {
            let same = value.get_ref().as_str() == Some(kind.name());
            if !kind_allowed && !same {
                diags.push(
                    Diagnostic::error(format!("this item is in [[{kind}]] but says another kind"))
                        .at(file, shift(value.span(), offset)),
                );
            }
            continue;
        }
        pointer.clear();
        push_pointer(&mut pointer, &name);
        origin.key_spans.push(&pointer, shift(key.span(), offset));
        match to_json(value, &mut pointer, offset, &mut origin, 1) {
            Ok(v) => {
                fields.insert(name, v);
            }
            Err((span, msg)) => {
                diags.push(Diagnostic::error(msg).at(file, span));
                return None;
            }
        }
    }
    let id = fields
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Some(Item {
        kind,
        id,
        fields: fields.into(),
        origin,
        from_bom: false,
    })
}

/// `pointer` is the value's JSON pointer; it is extended for children and
/// left as it was on return.
fn to_json(
    value: &Spanned<DeValue<'_>>,
    pointer: &mut String,
    offset: usize,
    origin: &mut Origin,
    depth: usize,
) -> Result<Value, (Range<usize>, String)> {
    let span = shift(value.span(), offset);
    if depth > MAX_DEPTH {
        return Err((span, format!("nested deeper than {MAX_DEPTH} levels")));
    }
    origin.value_spans.push(pointer, span.clone());
    Ok(match value.get_ref() {
        DeValue::String(s) if s.contains('\r') => Value::String(s.replace("\r\n", "\n")),
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let n = i64::from_str_radix(&digits, i.radix())
                .map_err(|_| (span.clone(), "integer out of range".to_string()))?;
            Value::Number(n.into())
        }
        DeValue::Float(f) => {
            let n: f64 = f.as_str().replace('_', "").parse().unwrap_or(f64::NAN);
            Value::Number(Number::from_f64(n).ok_or_else(|| {
                (
                    span.clone(),
                    "inf and nan cannot be evidence values".to_string(),
                )
            })?)
        }
        DeValue::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            let len = pointer.len();
            for (i, v) in a.iter().enumerate() {
                use std::fmt::Write;
                let _ = write!(pointer, "/{i}");
                let v = to_json(v, pointer, offset, origin, depth + 1);
                pointer.truncate(len);
                out.push(v?);
            }
            Value::Array(out)
        }
        DeValue::Table(t) => {
            let mut out = Map::new();
            let len = pointer.len();
            for (k, v) in t.iter() {
                push_pointer(pointer, k.get_ref());
                let v = to_json(v, pointer, offset, origin, depth + 1);
                pointer.truncate(len);
                out.insert(k.get_ref().to_string(), v?);
            }
            Value::Object(out)
        }
    })
}

/// RFC 6901: `~` and `/` in a key are escaped in a JSON pointer.
pub fn escape_pointer(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    push_escaped(&mut out, key);
    out
}

/// Append `/key` to a JSON pointer.
fn push_pointer(pointer: &mut String, key: &str) {
    pointer.push('/');
    push_escaped(pointer, key);
}

fn push_escaped(pointer: &mut String, key: &str) {
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

fn shift(span: Range<usize>, offset: usize) -> Range<usize> {
    span.start + offset..span.end + offset
}
