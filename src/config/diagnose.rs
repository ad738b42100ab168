//! Every problem in relpack.toml at once, as in an evidence file: syntax
//! errors, keys no table has (with the nearest valid key), values the
//! schema refuses (every allowed value, the nearest one), and a quoted
//! date. serde alone stops at its first problem and says "expected a TOML
//! datetime" where "remove the quotes" helps.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use serde_json::{Map, Value};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{Diagnostic, FileId};

const SCHEMA_TEXT: &str = include_str!("../../schemas/relpack.schema.json");

static SCHEMA: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(SCHEMA_TEXT).expect("relpack.schema.json is JSON"));

/// relpack.toml as JSON, with the spans of its keys and values by JSON
/// pointer, and which values were written as strings.
#[derive(Default)]
struct Spans {
    keys: Vec<(String, Range<usize>)>,
    values: Vec<(String, Range<usize>)>,
    strings: HashSet<String>,
}

impl Spans {
    fn key(&self, pointer: &str) -> Option<Range<usize>> {
        self.keys
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, s)| s.clone())
    }

    /// The value's span, or its nearest ancestor's.
    fn value(&self, pointer: &str) -> Range<usize> {
        let mut p = pointer;
        loop {
            if let Some((_, s)) = self.values.iter().find(|(k, _)| k == p) {
                return s.clone();
            }
            if p.is_empty() {
                return 0..0;
            }
            p = &p[..p.rfind('/').unwrap_or(0)];
        }
    }
}

/// Every problem found in `text`. The schema's verdict on values is asked
/// only when serde has refused the file (`values`): where the two differ,
/// serde, which reads the configuration, has the last word.
pub(super) fn problems(text: &str, file: FileId, values: bool) -> Vec<Diagnostic> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return errors
            .into_iter()
            .map(|e| {
                let d = Diagnostic::error(format!("relpack.toml: invalid TOML: {}", e.message()))
                    .in_file(file);
                match e.span() {
                    Some(s) => d.at(file, s),
                    None => d,
                }
            })
            .collect();
    }
    let mut spans = Spans::default();
    spans.values.push((String::new(), 0..text.len()));
    let json = table_json(doc.get_ref(), "", &mut spans);
    let mut out = Vec::new();
    unknown_keys(&SCHEMA, &json, "", &spans, file, &mut out);
    quoted_dates(&spans, text, file, &mut out);
    risk_scales(&json, &spans, file, &mut out);
    if values {
        schema_errors(&json, &spans, file, &mut out);
    }
    out.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    out
}

fn table_json(table: &DeTable<'_>, pointer: &str, spans: &mut Spans) -> Value {
    let mut out = Map::new();
    for (k, v) in table.iter() {
        let p = format!(
            "{pointer}/{}",
            k.get_ref().replace('~', "~0").replace('/', "~1")
        );
        spans.keys.push((p.clone(), k.span()));
        out.insert(k.get_ref().to_string(), value_json(v, &p, spans));
    }
    Value::Object(out)
}

fn value_json(value: &Spanned<DeValue<'_>>, pointer: &str, spans: &mut Spans) -> Value {
    spans.values.push((pointer.to_string(), value.span()));
    match value.get_ref() {
        DeValue::String(s) => {
            spans.strings.insert(pointer.to_string());
            Value::String(s.to_string())
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        // A date is what the schema describes; a time after it is serde's
        // to accept or refuse.
        DeValue::Datetime(d) => Value::String(match d.date {
            Some(date) => date.to_string(),
            None => d.to_string(),
        }),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map_or(Value::Null, |n| Value::Number(n.into())),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DeValue::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, v)| value_json(v, &format!("{pointer}/{i}"), spans))
                .collect(),
        ),
        DeValue::Table(t) => table_json(t, pointer, spans),
    }
}

/// `[release]` for `/release`, the top level for ``.
fn table_name(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top level".into()
    } else {
        format!("[{}]", pointer[1..].replace('/', "."))
    }
}

/// Every key a table of the schema does not define, at the key, with the
/// nearest valid key and the list of valid ones.
fn unknown_keys(
    schema: &Value,
    value: &Value,
    pointer: &str,
    spans: &Spans,
    file: FileId,
    out: &mut Vec<Diagnostic>,
) {
    let Value::Object(map) = value else { return };
    let props = schema.get("properties").and_then(Value::as_object);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    for (k, v) in map {
        let p = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
        match props.and_then(|pr| pr.get(k)) {
            Some(sub) => unknown_keys(sub, v, &p, spans, file, out),
            None if closed => {
                let valid: Vec<&str> = props
                    .map(|pr| pr.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let near = crate::suggest::nearest(k, valid.iter().copied());
                let mut msg = format!(
                    "relpack.toml: unknown key `{}` in {}",
                    k.escape_debug(),
                    table_name(pointer)
                );
                if let Some(n) = near {
                    msg.push_str(&format!(": did you mean `{n}`?"));
                }
                let span = spans.key(&p).unwrap_or_else(|| spans.value(&p));
                out.push(
                    Diagnostic::error(msg)
                        .at(file, span)
                        .label(match near {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => "unknown key".into(),
                        })
                        .note(format!(
                            "the keys of {} are {}",
                            table_name(pointer),
                            crate::suggest::one_of(&valid, |w| format!("`{w}`"))
                        )),
                );
            }
            None => {}
        }
    }
}

/// `date = "2026-12-02"`: a TOML date is written without quotes.
fn quoted_dates(spans: &Spans, text: &str, file: FileId, out: &mut Vec<Diagnostic>) {
    const DATES: &[&str] = &["/release/date"];
    for p in DATES.iter().filter(|p| spans.strings.contains(**p)) {
        let span = spans.value(p);
        let written = text.get(span.clone()).unwrap_or_default();
        let bare = written.trim_matches(|c| c == '"' || c == '\'');
        out.push(
            Diagnostic::error(format!(
                "relpack.toml: {} `date` is a string, not a TOML date: remove the quotes",
                table_name(&p[..p.rfind('/').unwrap_or(0)])
            ))
            .at(file, span)
            .label("remove the quotes")
            .note(format!("write `date = {bare}` (a TOML date, YYYY-MM-DD)")),
        );
    }
}

/// `[[risk.severity]]` and `[[risk.probability]]`: levels 1 to 5 (a
/// hazard's severity and probability are), each once, from 1 without a
/// gap, each with a name and a description. Checked whether or not serde
/// accepted the file: serde reads any integer and any string.
fn risk_scales(json: &Value, spans: &Spans, file: FileId, out: &mut Vec<Diagnostic>) {
    for scale in ["severity", "probability"] {
        let Some(levels) = json
            .pointer(&format!("/risk/{scale}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let table = format!("[[risk.{scale}]]");
        let mut seen: Vec<i64> = Vec::new();
        for (i, entry) in levels.iter().enumerate() {
            let at = |key: &str| spans.value(&format!("/risk/{scale}/{i}/{key}"));
            for key in ["name", "description"] {
                if entry
                    .get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.trim().is_empty())
                {
                    out.push(
                        Diagnostic::error(format!("relpack.toml: {table} `{key}` is blank"))
                            .at(file, at(key))
                            .label(format!("say what this {scale} level means")),
                    );
                }
            }
            let Some(level) = entry.get("level").and_then(Value::as_i64) else {
                continue;
            };
            if !(1..=5).contains(&level) {
                out.push(
                    Diagnostic::error(format!(
                        "relpack.toml: {table} `level` {level} is not 1 to 5"
                    ))
                    .at(file, at("level"))
                    .label("1 to 5")
                    .note(format!(
                        "a hazard's {scale} is 1 to 5, so are the levels of its scale"
                    )),
                );
            } else if seen.contains(&level) {
                out.push(
                    Diagnostic::error(format!(
                        "relpack.toml: {table} level {level} is defined twice"
                    ))
                    .at(file, at("level"))
                    .label("defined again here"),
                );
            } else {
                seen.push(level);
            }
        }
        let top = seen.iter().copied().max().unwrap_or(0);
        let missing: Vec<String> = (1..top)
            .filter(|l| !seen.contains(l))
            .map(|l| l.to_string())
            .collect();
        if !missing.is_empty() {
            out.push(
                Diagnostic::error(format!(
                    "relpack.toml: the {scale} scale has no level {}",
                    missing.join(", ")
                ))
                .at(file, spans.value(&format!("/risk/{scale}")))
                .note(format!("define every level from 1 to {top}, each once")),
            );
        }
    }
}

/// The schema's verdict on every value (types, enums, ranges), unknown
/// keys and patterns aside: those have their own, better, messages.
fn schema_errors(json: &Value, spans: &Spans, file: FileId, out: &mut Vec<Diagnostic>) {
    use jsonschema::error::ValidationErrorKind as K;
    static VALIDATOR: LazyLock<Option<jsonschema::Validator>> =
        LazyLock::new(|| jsonschema::validator_for(&SCHEMA).ok());
    let Some(v) = VALIDATOR.as_ref() else { return };
    for e in v.iter_errors(json) {
        if matches!(
            e.kind(),
            K::AdditionalProperties { .. } | K::Pattern { .. } | K::Required { .. }
        ) {
            continue;
        }
        let pointer: String = e
            .instance_path()
            .iter()
            .map(|seg| format!("/{}", seg.to_string().replace('~', "~0").replace('/', "~1")))
            .collect();
        let msg = match e.kind() {
            K::Enum { options } => crate::suggest::enum_message(e.instance().as_ref(), options),
            _ => e.to_string(),
        };
        let (table, key) = match pointer.rfind('/') {
            Some(i) => (&pointer[..i], &pointer[i + 1..]),
            None => ("", ""),
        };
        out.push(
            Diagnostic::error(format!(
                "relpack.toml: {} `{key}`: {msg}",
                table_name(table)
            ))
            .at(file, spans.value(&pointer)),
        );
    }
}
