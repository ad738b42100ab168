//! Stage 3, validate: every item against its kind's JSON Schema (the files
//! in `schemas/`, compiled into the binary so validation never reads the
//! disk or the network). Errors point at the offending value.

use std::sync::LazyLock;

use jsonschema::Validator;
use rayon::prelude::*;
use serde_json::Value;

use crate::diag::Diagnostic;
use crate::item::{Item, Kind};
use crate::parse::toml::escape_pointer;

/// The schema text of each kind, as shipped in `schemas/`.
pub fn schema_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Need => include_str!("../schemas/need.schema.json"),
        Kind::Requirement => include_str!("../schemas/requirement.schema.json"),
        Kind::Hazard => include_str!("../schemas/hazard.schema.json"),
        Kind::Test => include_str!("../schemas/test.schema.json"),
        Kind::Result => include_str!("../schemas/result.schema.json"),
        Kind::Anomaly => include_str!("../schemas/anomaly.schema.json"),
        Kind::Deviation => include_str!("../schemas/deviation.schema.json"),
        Kind::Change => include_str!("../schemas/change.schema.json"),
        Kind::Document => include_str!("../schemas/document.schema.json"),
        Kind::Soup => include_str!("../schemas/soup.schema.json"),
        Kind::Approval => include_str!("../schemas/approval.schema.json"),
    }
}

/// Schemas that are not of one kind: relpack.toml, a whole evidence file,
/// and packet.json. Written out by `relpack schema`.
pub const EXTRA_SCHEMAS: &[(&str, &str)] = &[
    (
        "relpack.schema.json",
        include_str!("../schemas/relpack.schema.json"),
    ),
    (
        "evidence-file.schema.json",
        include_str!("../schemas/evidence-file.schema.json"),
    ),
    (
        "packet.schema.json",
        include_str!("../schemas/packet.schema.json"),
    ),
];

/// Each kind's validator. The shipped schemas say `"additionalProperties":
/// false`, so that editors flag a typo; relpack itself accepts a field it
/// does not know (a team's own), warning about it in [`unknown_fields`].
static VALIDATORS: LazyLock<Vec<Validator>> = LazyLock::new(|| {
    Kind::ALL
        .iter()
        .map(|&k| {
            let mut schema: Value = serde_json::from_str(schema_text(k))
                .unwrap_or_else(|e| panic!("built-in schema for {k} is not JSON: {e}"));
            schema["additionalProperties"] = Value::Bool(true);
            jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("built-in schema for {k} is invalid: {e}"))
        })
        .collect()
});

/// Each kind's fields, as its schema names them.
static KNOWN_FIELDS: LazyLock<Vec<Vec<String>>> = LazyLock::new(|| {
    Kind::ALL
        .iter()
        .map(|&k| {
            let schema: Value = serde_json::from_str(schema_text(k)).unwrap_or_default();
            schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        })
        .collect()
});

/// The fields a kind's schema defines.
pub fn known_fields(kind: Kind) -> &'static [String] {
    &KNOWN_FIELDS[kind as usize]
}

/// The schema error in the user's words where jsonschema's are about the
/// schema: an id (a plain id, or a BOM component's SOUP-<name>@<version>)
/// fails an `anyOf` of two patterns; a value not in an enum is told every
/// allowed value and the nearest one.
fn explain(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    match (e.kind(), e.instance().as_ref()) {
        (K::AnyOf { .. }, Value::String(s)) => format!(
            "`{}` is not a valid id: a letter, then letters, digits, `_`, `.` or `-` \
             (a BOM component's id is SOUP-<name>@<version>, on one line)",
            s.escape_debug()
        ),
        (K::Enum { options }, instance) => crate::suggest::enum_message(instance, options),
        _ => e.to_string(),
    }
}

/// Custom fields a team declared in relpack.toml (`[fields] requirement =
/// ["jira"]`), by kind name.
pub type CustomFields = std::collections::BTreeMap<String, Vec<String>>;

/// A warning for every field that is neither in the kind's schema nor
/// declared by the team, at its key, with the nearest known field when one
/// is close: `verfies` is most likely `verifies`.
pub fn unknown_fields(item: &Item, custom: &CustomFields) -> Vec<Diagnostic> {
    if item.from_bom {
        return Vec::new();
    }
    let known = known_fields(item.kind);
    let declared = custom
        .get(item.kind.name())
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut out = Vec::new();
    for key in item.fields.keys() {
        if known.contains(key) || declared.contains(key) {
            continue;
        }
        let pointer = format!("/{}", escape_pointer(key));
        let span = item
            .origin
            .key_spans
            .get(&pointer)
            .unwrap_or_else(|| item.origin.span_of(&pointer));
        let who = if item.id.is_empty() {
            format!("a {} item", item.kind)
        } else {
            format!("{} {}", item.kind, item.id)
        };
        let near = crate::suggest::nearest(key, known.iter().map(String::as_str));
        let mut msg = format!("{who}: unknown field `{}`", key.escape_debug());
        if let Some(n) = near {
            msg.push_str(&format!(": did you mean `{n}`?"));
        }
        let mut d = Diagnostic::warning(msg)
            .code(UNKNOWN_FIELD)
            .at(item.origin.file, span)
            .label(match near {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("not a field of a {}", item.kind),
            });
        // A field far from every known one is likelier the team's own.
        if near.is_none() {
            d = d.note(format!(
                "a field of the team's own is declared in relpack.toml: [fields] {} = [\"{}\"]",
                item.kind,
                key.escape_debug()
            ));
        }
        out.push(d);
    }
    out
}

/// Warnings the configuration or `--deny-warnings` turns into errors.
pub fn deny(diags: &mut [Diagnostic], check: &crate::config::CheckConfig, all: bool) {
    for d in diags.iter_mut() {
        let code = d.code.map(crate::diag::Code::as_str);
        if d.severity == crate::diag::Severity::Warning && (all || check.denies(code)) {
            d.severity = crate::diag::Severity::Error;
            d.notes.push(match code {
                Some(code) if !all && check.denies_code(code) => {
                    format!("denied by relpack.toml: [check] deny = [\"{code}\"]")
                }
                _ => "warnings are errors here (--deny-warnings or [check] deny = [\"warnings\"])"
                    .into(),
            });
        }
    }
}

/// The code of an unknown-field warning, as `[check] deny` names it.
pub const UNKNOWN_FIELD: crate::diag::Code = crate::diag::Code::UnknownField;

pub fn validate(items: &[Item], custom: &CustomFields) -> Vec<Diagnostic> {
    let validators = &*VALIDATORS;
    items
        .par_iter()
        .flat_map_iter(|item| {
            let v = &validators[item.kind as usize];
            let instance = Value::Object((*item.fields).clone());
            let mut errors: Vec<Diagnostic> = v
                .iter_errors(&instance)
                .map(|e| {
                    let pointer: String = e
                        .instance_path()
                        .iter()
                        .map(|seg| format!("/{}", escape_pointer(&seg.to_string())))
                        .collect();
                    let field = if pointer.is_empty() {
                        String::new()
                    } else {
                        format!(" `{}`", &pointer[1..])
                    };
                    let who = if item.id.is_empty() {
                        format!("a {} item", item.kind)
                    } else {
                        format!("{} {}", item.kind, item.id)
                    };
                    Diagnostic::error(format!("{who}{field}: {}", explain(&e)))
                        .at(item.origin.file, item.origin.span_of(&pointer))
                        .label(format!("does not match the {} schema", item.kind))
                })
                .collect();
            errors.extend(unknown_fields(item, custom));
            errors.extend(calendar_dates(item));
            errors
        })
        .collect()
}

/// The date and date-time fields, whose schema pattern allows any day up
/// to 31 in any month.
const DATE_FIELDS: &[(Kind, &str)] = &[
    (Kind::Anomaly, "due"),
    (Kind::Deviation, "expires"),
    (Kind::Approval, "signed_at"),
    (Kind::Result, "executed_at"),
];

/// What the schema cannot say of a date: that the day exists (no 31st of
/// November, no 29th of February 2026). A result dated so would otherwise
/// be read as no date at all, and never be its test's latest.
fn calendar_dates(item: &Item) -> Option<Diagnostic> {
    let field = DATE_FIELDS
        .iter()
        .find(|(k, _)| *k == item.kind)
        .map(|(_, f)| *f)?;
    let Value::String(s) = item.fields.get(field)? else {
        return None;
    };
    let day = s.get(..10)?;
    let shaped = day.bytes().enumerate().all(|(i, b)| {
        if i == 4 || i == 7 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }
    });
    // A value of another shape breaks the schema's pattern, reported above.
    if !shaped || chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok() {
        return None;
    }
    let pointer = format!("/{field}");
    Some(
        Diagnostic::error(format!(
            "{} {} `{field}`: {day} is not a day of the calendar",
            item.kind, item.id
        ))
        .at(item.origin.file, item.origin.span_of(&pointer))
        .label("no such day"),
    )
}

/// What a hazard's schema cannot say: each key of `control_types` names
/// one of its `controls`, and where relpack.toml defines a scale, its
/// severities and probabilities are levels of that scale. Read from the
/// raw fields (the typed views come after validation), skipping values
/// of the wrong type, which the schema reports.
pub fn risk(items: &[Item], policy: &crate::config::Risk) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for h in items.iter().filter(|i| i.kind == Kind::Hazard) {
        let controls: Vec<&str> = match h.fields.get("controls") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if let Some(Value::Object(types)) = h.fields.get("control_types") {
            for id in types.keys().filter(|k| !controls.contains(&k.as_str())) {
                out.push(
                    Diagnostic::error(format!(
                        "hazard {}: `control_types` names {id}, which is not one of its `controls`",
                        h.id
                    ))
                    .at(
                        h.origin.file,
                        h.origin
                            .span_of(&format!("/control_types/{}", escape_pointer(id))),
                    )
                    .label("not a control of this hazard")
                    .note(match controls.is_empty() {
                        true => "the hazard has no controls".to_string(),
                        false => format!("its controls are {}", controls.join(", ")),
                    }),
                );
            }
        }
        let scales = [
            ("severity", &policy.severity),
            ("probability", &policy.probability),
        ];
        for (scale, levels) in scales.into_iter().filter(|(_, l)| !l.is_empty()) {
            let top = levels.iter().map(|l| l.level).max().unwrap_or(5);
            for field in [scale.to_string(), format!("residual_{scale}")] {
                let Some(v) = h.fields.get(&field).and_then(Value::as_i64) else {
                    continue;
                };
                if v > top {
                    out.push(
                        Diagnostic::error(format!(
                            "hazard {}: `{field}` {v} is above the {scale} scale of relpack.toml, whose levels are 1 to {top}",
                            h.id
                        ))
                        .at(h.origin.file, h.origin.span_of(&format!("/{field}")))
                        .label(format!("not a level of [[risk.{scale}]]")),
                    );
                }
            }
        }
    }
    out
}
