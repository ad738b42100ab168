//! The evidence as read: items of every kind with where each came from.
//! Produced by `parse`, checked by `validate` and `link`, read by `gate`
//! and turned into the packet model by `model`.

use std::fmt;
use std::ops::Range;

use serde::Serialize;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::diag::FileId;

/// The kinds of item the evidence format knows (EVIDENCE.md, "Items").
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Kind {
    Need,
    Requirement,
    Hazard,
    Test,
    Result,
    Anomaly,
    Deviation,
    Change,
    Document,
    Soup,
    Approval,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Need,
        Kind::Requirement,
        Kind::Hazard,
        Kind::Test,
        Kind::Result,
        Kind::Anomaly,
        Kind::Deviation,
        Kind::Change,
        Kind::Document,
        Kind::Soup,
        Kind::Approval,
    ];

    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        name.parse().ok()
    }

    /// The link fields of this kind and the kinds each may name.
    /// `None` as the allowed list means "any kind".
    pub fn links(self) -> &'static [(&'static str, Option<&'static [Kind]>)] {
        match self {
            Kind::Requirement => &[("derives_from", Some(&[Kind::Need, Kind::Requirement]))],
            Kind::Hazard => &[("controls", Some(&[Kind::Requirement]))],
            Kind::Test => &[("verifies", Some(&[Kind::Requirement]))],
            Kind::Result => &[("test", Some(&[Kind::Test]))],
            Kind::Anomaly | Kind::Change => &[("affects", None)],
            Kind::Deviation => &[("items", None)],
            Kind::Soup => &[("requirements", Some(&[Kind::Requirement]))],
            Kind::Approval => &[("scope", None)],
            Kind::Need | Kind::Document => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an item was read from, with the span of each of its values so that
/// any later finding can point at the offending value.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: FileId,
    /// Span of the whole item (its table, or the front matter).
    pub span: Range<usize>,
    /// JSON pointer (`/verifies/2`) -> span of that value.
    pub value_spans: Spans,
    /// JSON pointer -> span of the key that names it.
    pub key_spans: Spans,
}

impl Origin {
    pub fn new(file: FileId, span: Range<usize>) -> Self {
        Origin {
            file,
            span,
            value_spans: Spans::default(),
            key_spans: Spans::default(),
        }
    }

    /// The span of the value at `pointer`, or of its nearest ancestor.
    pub fn span_of(&self, pointer: &str) -> Range<usize> {
        let mut p = pointer;
        while !p.is_empty() {
            if let Some(s) = self.value_spans.get(p) {
                return s;
            }
            p = &p[..p.rfind('/').unwrap_or(0)];
        }
        self.span.clone()
    }
}

/// JSON pointer -> span, in the order they were read. The pointers share
/// one string: an item's spans are two allocations, not one per value (at
/// 100k items that was a tenth of `check`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Spans {
    pointers: String,
    /// (end of the pointer in `pointers`, span); each pointer starts where
    /// the one before ended.
    entries: Vec<(u32, Range<usize>)>,
}

impl Spans {
    pub fn push(&mut self, pointer: &str, span: Range<usize>) {
        self.pointers.push_str(pointer);
        // An item's pointers stay far below 4 GB: its file is within its
        // size limit.
        let end = u32::try_from(self.pointers.len()).unwrap_or(u32::MAX);
        self.entries.push((end, span));
    }

    /// The span of the first entry for `pointer`.
    pub fn get(&self, pointer: &str) -> Option<Range<usize>> {
        self.iter().find(|(p, _)| *p == pointer).map(|(_, s)| s)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Range<usize>)> + '_ {
        let mut start = 0usize;
        self.entries.iter().map(move |(end, span)| {
            let end = *end as usize;
            let p = self.pointers.get(start..end).unwrap_or_default();
            start = end;
            (p, span.clone())
        })
    }

    /// Each entry ends after the one before, on a character boundary of
    /// `pointers`, and the last at its end: what [`Spans::push`] makes
    /// (a cache entry read back is checked against it).
    pub fn is_whole(&self) -> bool {
        let mut start = 0usize;
        for (end, _) in &self.entries {
            let end = *end as usize;
            if end < start || !self.pointers.is_char_boundary(end) {
                return false;
            }
            start = end;
        }
        start == self.pointers.len()
    }
}

/// One item of evidence: its kind, id and fields (everything but `kind`;
/// a Markdown item's body is its `text`).
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: Kind,
    pub id: String,
    /// Shared with the packet model's copy of the item (100k items' fields
    /// are not cloned); changed through `Arc::make_mut` while parsing.
    pub fields: Arc<Map<String, Value>>,
    pub origin: Origin,
    /// Set for SOUP items that came (at least partly) from a CycloneDX BOM.
    pub from_bom: bool,
}

impl Item {
    pub fn str(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    pub fn int(&self, field: &str) -> Option<i64> {
        self.fields.get(field).and_then(Value::as_i64)
    }

    pub fn title(&self) -> &str {
        self.str("title")
            .or_else(|| self.str("name"))
            .unwrap_or_default()
    }

    /// The ids a link field names: a list of strings, or one string.
    pub fn links(&self, field: &str) -> Vec<&str> {
        match self.fields.get(field) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// JSON pointer of the `index`th id in a link field (or the field itself
    /// for a one-id field).
    pub fn link_pointer(&self, field: &str, index: usize) -> String {
        match self.fields.get(field) {
            Some(Value::Array(_)) => format!("/{field}/{index}"),
            _ => format!("/{field}"),
        }
    }
}
