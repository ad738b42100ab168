//! The regulatory index's vocabulary: each FDA documentation element
//! ("Content of Premarket Submissions for Device Software Functions", 2023)
//! by documentation level, and each IEC 62304 deliverable by software
//! safety class, with its code (`fda:sds`, `iec62304:5.4`), the relpack
//! section that can provide it, and when it applies. A document declares
//! what it provides in `fulfils`; an unknown code is an error here, at its
//! value. Which elements this release has is decided in `gate/regulatory.rs`.

use crate::config::{DocumentationLevel, SafetyClass};
use crate::diag::Diagnostic;
use crate::item::{Item, Kind};

/// The relpack sections that can provide an element (when they hold what
/// the element asks: `gate/regulatory.rs` says when).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    Ident,
    Changes,
    Requirements,
    Risk,
    Trace,
    Verification,
    Anomalies,
    Soup,
    Evidence,
}

impl Section {
    /// The site page, the title and the PDF section number.
    pub fn place(self) -> (&'static str, &'static str, u32) {
        match self {
            Section::Ident => ("index.html", "Release identification", 1),
            Section::Changes => ("changes.html", "Changes", 4),
            Section::Requirements => ("requirements.html", "Requirements", 5),
            Section::Risk => ("risk.html", "Risk management", 6),
            Section::Trace => ("trace-matrix.html", "Trace matrix", 7),
            Section::Verification => ("verification.html", "Verification summary", 8),
            Section::Anomalies => ("anomalies.html", "Unresolved anomalies", 9),
            Section::Soup => ("soup.html", "SOUP", 11),
            Section::Evidence => ("evidence.html", "Evidence index", 13),
        }
    }
}

/// When an element is required.
#[derive(Debug, Clone, Copy)]
pub enum Applies {
    /// FDA: at both levels, or at the enhanced level only.
    Level(Option<DocumentationLevel>),
    /// IEC 62304: for these classes.
    Classes(&'static [SafetyClass]),
}

pub struct Element {
    pub code: &'static str,
    pub framework: &'static str,
    /// The guidance's element or the standard's clause.
    pub reference: &'static str,
    pub title: &'static str,
    pub applies: Applies,
    pub sections: &'static [Section],
}

use SafetyClass::{A, B, C};
use Section as S;

const ALL: Applies = Applies::Level(None);
const ABC: Applies = Applies::Classes(&[A, B, C]);
const BC: Applies = Applies::Classes(&[B, C]);

const fn fda(
    code: &'static str,
    title: &'static str,
    applies: Applies,
    sections: &'static [Section],
) -> Element {
    Element {
        code,
        framework: "FDA",
        reference: "Premarket software guidance (2023)",
        title,
        applies,
        sections,
    }
}

const fn iec(
    code: &'static str,
    clause: &'static str,
    title: &'static str,
    applies: Applies,
    sections: &'static [Section],
) -> Element {
    Element {
        code,
        framework: "IEC 62304",
        reference: clause,
        title,
        applies,
        sections,
    }
}

/// Every element, in the order of the guidance and of the standard.
pub const ELEMENTS: &[Element] = &[
    fda(
        "fda:documentation-level",
        "Documentation level evaluation",
        ALL,
        &[S::Ident],
    ),
    fda("fda:software-description", "Software description", ALL, &[]),
    fda(
        "fda:risk-management",
        "Risk management file",
        ALL,
        &[S::Risk],
    ),
    fda(
        "fda:srs",
        "Software requirements specification (SRS)",
        ALL,
        &[S::Requirements],
    ),
    fda(
        "fda:architecture",
        "System and software architecture design chart",
        ALL,
        &[],
    ),
    fda(
        "fda:sds",
        "Software design specification (SDS)",
        Applies::Level(Some(DocumentationLevel::Enhanced)),
        &[],
    ),
    fda(
        "fda:practices",
        "Software development, configuration management and maintenance practices",
        ALL,
        &[],
    ),
    fda(
        "fda:testing",
        "Software testing as part of verification and validation",
        ALL,
        &[S::Verification, S::Trace],
    ),
    fda(
        "fda:version-history",
        "Software version history",
        ALL,
        &[S::Changes],
    ),
    fda(
        "fda:anomalies",
        "Unresolved software anomalies",
        ALL,
        &[S::Anomalies],
    ),
    iec(
        "iec62304:5.1",
        "5.1",
        "Software development planning",
        ABC,
        &[],
    ),
    iec(
        "iec62304:5.2",
        "5.2",
        "Software requirements analysis",
        ABC,
        &[S::Requirements],
    ),
    iec(
        "iec62304:5.3",
        "5.3",
        "Software architectural design",
        BC,
        &[],
    ),
    iec("iec62304:5.4", "5.4", "Software detailed design", BC, &[]),
    iec(
        "iec62304:5.5",
        "5.5",
        "Software unit implementation and verification",
        ABC,
        &[],
    ),
    iec(
        "iec62304:5.6",
        "5.6",
        "Software integration and integration testing",
        BC,
        &[S::Verification],
    ),
    iec(
        "iec62304:5.7",
        "5.7",
        "Software system testing",
        ABC,
        &[S::Verification, S::Trace],
    ),
    iec(
        "iec62304:5.8",
        "5.8",
        "Software release",
        ABC,
        &[S::Ident, S::Anomalies],
    ),
    iec(
        "iec62304:7",
        "7",
        "Software risk management process",
        BC,
        &[S::Risk],
    ),
    iec(
        "iec62304:8",
        "8",
        "Software configuration management process",
        ABC,
        &[S::Soup, S::Evidence],
    ),
    iec(
        "iec62304:9",
        "9",
        "Software problem resolution process",
        ABC,
        &[S::Anomalies],
    ),
];

impl Element {
    /// Required for a release of this documentation level (unset: basic)
    /// and safety class.
    pub fn required(&self, level: Option<DocumentationLevel>, class: SafetyClass) -> bool {
        match self.applies {
            Applies::Level(None) => true,
            Applies::Level(Some(only)) => level == Some(only),
            Applies::Classes(classes) => classes.contains(&class),
        }
    }
}

pub fn element(code: &str) -> Option<&'static Element> {
    ELEMENTS.iter().find(|e| e.code == code)
}

/// Every `fulfils` code of every document is a known element: an unknown
/// one is an error at its value, with the nearest known code.
pub fn check_fulfils(items: &[Item]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for item in items.iter().filter(|i| i.kind == Kind::Document) {
        for (n, code) in item.links("fulfils").into_iter().enumerate() {
            if element(code).is_some() {
                continue;
            }
            let mut d = Diagnostic::error(format!(
                "document {}: `{code}` in fulfils is not a regulatory index code",
                item.id
            ))
            .at(
                item.origin.file,
                item.origin.span_of(&format!("/fulfils/{n}")),
            );
            d = match crate::suggest::nearest(code, ELEMENTS.iter().map(|e| e.code)) {
                Some(near) => d.note(format!("did you mean `{near}`?")),
                None => d.note(
                    "the codes are listed in docs/evidence-format.md (documents, `fulfils`); \
                     `relpack schema` writes them too",
                ),
            };
            diags.push(d);
        }
    }
    diags
}
