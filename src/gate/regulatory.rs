//! The regulatory index, decided once: for each FDA documentation element
//! of the release's documentation level and each IEC 62304 deliverable of
//! its safety class (`regulatory::ELEMENTS`), the relpack sections that
//! provide it (where they hold what it asks) and the documents that declare
//! it in `fulfils`, or that nothing does. A missing element is a warning,
//! or a finding of the `regulatory-index` gate with `[gates]
//! regulatory_index = true`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{highest_class, Finding};
use crate::diag::Diagnostic;
use crate::evidence::Evidence;
use crate::item::Kind;
use crate::regulatory::{Element, Section, ELEMENTS};

#[derive(Debug, Clone, Serialize)]
pub struct SectionRef {
    /// The PDF template's name of the section.
    pub section: Section,
    pub page: &'static str,
    pub title: &'static str,
    /// Its number in the PDF.
    pub number: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub code: &'static str,
    pub framework: &'static str,
    pub reference: &'static str,
    pub title: &'static str,
    pub provided: bool,
    pub sections: Vec<SectionRef>,
    /// Documents declaring it in `fulfils`, by id.
    pub documents: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RegulatoryIndex {
    /// `basic`, `enhanced`, or none (the basic elements are listed).
    pub documentation_level: Option<&'static str>,
    pub safety_class: &'static str,
    /// Missing elements fail the `regulatory-index` gate (else they are
    /// warnings).
    pub gate: bool,
    pub provided: usize,
    pub missing: usize,
    pub elements: Vec<IndexEntry>,
    /// Missing elements are warned about: the release states a
    /// documentation level or a document declares `fulfils` (a tree that
    /// does neither is not prepared for a submission, and is not nagged).
    #[serde(skip)]
    pub warn: bool,
}

/// Whether a section holds what an element asks of it.
fn holds(ev: &Evidence, section: Section, code: &str) -> bool {
    let any = |kind: Kind| ev.of_kind(kind).next().is_some();
    match section {
        // The level evaluation is the level stated; the release is the packet.
        Section::Ident => {
            code != "fda:documentation-level" || ev.config.product.documentation_level.is_some()
        }
        Section::Changes => any(Kind::Change) || ev.previous.is_some(),
        Section::Requirements | Section::Trace => ev.requirements().any(|(_, _, r)| !r.obsolete()),
        Section::Risk => any(Kind::Hazard),
        Section::Verification => any(Kind::Test) || !ev.links.verified_by_cases.is_empty(),
        Section::Soup => any(Kind::Soup),
        // Stated even when empty: "no unresolved anomaly" is the record.
        Section::Anomalies | Section::Evidence => true,
    }
}

pub fn index(ev: &Evidence) -> RegulatoryIndex {
    let level = ev.config.product.documentation_level;
    let class = highest_class(ev);
    let mut declared: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (_, item, doc) in ev.documents() {
        for code in &doc.fulfils {
            declared
                .entry(code.as_str())
                .or_default()
                .push(item.id.clone());
        }
    }
    let warn = level.is_some() || !declared.is_empty();
    let elements: Vec<IndexEntry> = ELEMENTS
        .iter()
        .filter(|e| e.required(level, class))
        .map(|e| entry(ev, e, declared.remove(e.code).unwrap_or_default()))
        .collect();
    let provided = elements.iter().filter(|e| e.provided).count();
    RegulatoryIndex {
        documentation_level: level.map(|l| match l {
            crate::config::DocumentationLevel::Basic => "basic",
            crate::config::DocumentationLevel::Enhanced => "enhanced",
        }),
        safety_class: class.as_str(),
        gate: ev.config.gates.regulatory_index,
        provided,
        missing: elements.len() - provided,
        elements,
        warn,
    }
}

fn entry(ev: &Evidence, e: &Element, documents: Vec<String>) -> IndexEntry {
    let sections: Vec<SectionRef> = e
        .sections
        .iter()
        .filter(|s| holds(ev, **s, e.code))
        .map(|s| {
            let (page, title, number) = s.place();
            SectionRef {
                section: *s,
                page,
                title,
                number,
            }
        })
        .collect();
    IndexEntry {
        code: e.code,
        framework: e.framework,
        reference: e.reference,
        title: e.title,
        provided: !sections.is_empty() || !documents.is_empty(),
        sections,
        documents,
    }
}

/// What a missing element says, as a finding or a warning.
fn missing_message(ix: &RegulatoryIndex, e: &IndexEntry) -> String {
    let why = if e.framework == "FDA" {
        format!(
            "required at the {} documentation level",
            ix.documentation_level.unwrap_or("basic")
        )
    } else {
        format!("required for safety class {}", ix.safety_class)
    };
    format!(
        "regulatory index: {} {} `{}` ({why}) is provided by no section and no document",
        e.framework, e.title, e.code
    )
}

/// The `regulatory-index` gate's findings (only when it is a gate).
pub fn findings(ix: &RegulatoryIndex) -> Vec<Finding> {
    if !ix.gate {
        return Vec::new();
    }
    ix.elements
        .iter()
        .filter(|e| !e.provided)
        .map(|e| Finding {
            message: missing_message(ix, e),
            items: Vec::new(),
            file: None,
            line: None,
            column: None,
            waived_by: None,
            unwaivable: false,
        })
        .collect()
}

/// Missing elements as warnings, where they are not a gate and the
/// release prepares a submission (`RegulatoryIndex::warn`).
pub fn warnings(ix: &RegulatoryIndex) -> Vec<Diagnostic> {
    if ix.gate || !ix.warn {
        return Vec::new();
    }
    ix.elements
        .iter()
        .filter(|e| !e.provided)
        .map(|e| {
            Diagnostic::warning(missing_message(ix, e)).note(format!(
                "a document that provides it declares `fulfils = [\"{}\"]`; \
                 `[gates] regulatory_index = true` makes missing elements fail the release",
                e.code
            ))
        })
        .collect()
}
