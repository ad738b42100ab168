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

static VALIDATORS: LazyLock<Vec<Validator>> = LazyLock::new(|| {
    Kind::ALL
        .iter()
        .map(|&k| {
            let schema: Value = serde_json::from_str(schema_text(k))
                .unwrap_or_else(|e| panic!("built-in schema for {k} is not JSON: {e}"));
            jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("built-in schema for {k} is invalid: {e}"))
        })
        .collect()
});

/// The schema error in the user's words where jsonschema's are about the
/// schema: an id (a plain id, or a BOM component's SOUP-<name>@<version>)
/// fails an `anyOf` of two patterns.
fn explain(e: &jsonschema::ValidationError<'_>) -> String {
    if let (jsonschema::error::ValidationErrorKind::AnyOf { .. }, Value::String(s)) =
        (e.kind(), e.instance().as_ref())
    {
        return format!(
            "`{}` is not a valid id: a letter, then letters, digits, `_`, `.` or `-` \
             (a BOM component's id is SOUP-<name>@<version>, on one line)",
            s.escape_debug()
        );
    }
    e.to_string()
}

pub fn validate(items: &[Item]) -> Vec<Diagnostic> {
    let validators = &*VALIDATORS;
    items
        .par_iter()
        .flat_map_iter(|item| {
            let v = &validators[item.kind as usize];
            let instance = Value::Object(item.fields.clone());
            let errors: Vec<Diagnostic> = v
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
            errors
        })
        .collect()
}
