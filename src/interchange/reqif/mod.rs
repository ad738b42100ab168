//! ReqIF 1.2 (OMG, namespace `http://www.omg.org/spec/ReqIF/20110401/reqif.xsd`):
//! `export` writes the needs, requirements, hazards and tests of checked
//! evidence with their links as SPEC-RELATIONs; `import` reads the same
//! subset back, and the common shape of other tools' files (StrictDoc,
//! Polarion, DOORS: `ReqIF.ForeignID`, `ReqIF.Name`, `ReqIF.Text`).
//!
//! Each kind is one SPEC-OBJECT-TYPE named by the kind, with typed
//! attributes: strings, XHTML for the text, enumerations for closed sets
//! (status, safety class, method), integers for a hazard's scores. The
//! text's Markdown travels beside its XHTML (`relpack.markdown`) so a round
//! trip through relpack keeps it exactly; readers show the XHTML.

mod export;
mod import;
pub mod xhtml;

pub use export::export;
pub use import::import;

use crate::item::Kind;

/// The kinds exported, in the order of their specifications.
pub const KINDS: [Kind; 4] = [Kind::Need, Kind::Requirement, Kind::Hazard, Kind::Test];

/// The ReqIF namespace (ReqIF 1.2 keeps 1.0's).
pub const NS: &str = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd";
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Standard attribute names (ReqIF Implementation Guide).
pub const FOREIGN_ID: &str = "ReqIF.ForeignID";
pub const NAME: &str = "ReqIF.Name";
pub const TEXT: &str = "ReqIF.Text";
pub const MARKDOWN: &str = "relpack.markdown";

/// How one field of a kind is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Xhtml,
    /// Identifier of the enumeration datatype and its values.
    Enum(&'static str, &'static [&'static str]),
    /// An integer score 1..5.
    Score,
}

/// A kind's attributes: ReqIF name, relpack field, type.
pub fn attributes(kind: Kind) -> Vec<(&'static str, &'static str, AttrType)> {
    let mut a = vec![
        (FOREIGN_ID, "id", AttrType::String),
        (NAME, "title", AttrType::String),
    ];
    match kind {
        Kind::Hazard => {
            a.push(("harm", "harm", AttrType::String));
            a.push(("situation", "situation", AttrType::String));
            for f in [
                "severity",
                "probability",
                "residual_severity",
                "residual_probability",
            ] {
                a.push((f, f, AttrType::Score));
            }
            a.push(("benefit_risk", "benefit_risk", AttrType::String));
        }
        _ => {
            a.push((TEXT, "text", AttrType::Xhtml));
            a.push((MARKDOWN, "text", AttrType::String));
        }
    }
    match kind {
        Kind::Requirement => {
            a.push(("status", "status", AttrType::Enum("DT-status", STATUS)));
            a.push((
                "safety_class",
                "safety_class",
                AttrType::Enum("DT-safety_class", CLASSES),
            ));
        }
        Kind::Test => a.push(("method", "method", AttrType::Enum("DT-method", METHODS))),
        _ => {}
    }
    a
}

pub const STATUS: &[&str] = &["draft", "approved", "obsolete"];
pub const CLASSES: &[&str] = &["A", "B", "C"];
pub const METHODS: &[&str] = &["automated", "manual", "inspection", "analysis"];

/// The link fields exported as relation types (source = the item that
/// holds the link).
pub const LINKS: [&str; 3] = ["derives_from", "verifies", "controls"];
