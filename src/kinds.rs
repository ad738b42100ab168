//! Typed views of the evidence's kinds: each field's name, type and default
//! written once, here. Built once, after validation passed (so every
//! required field is present and every value has its schema's type), and
//! kept beside the raw items in `Evidence`; gates, verdicts and the model
//! read these, never a field by its name. The raw map stays for what is
//! common to every kind (`Item::title`, `Item::text`, links and attachments,
//! which `link` checks before the evidence is known to be valid) and for
//! showing fields relpack does not know.

use serde::{Deserialize, Deserializer};

use crate::config::{AnomalySeverity, SafetyClass};
use crate::item::{Item, Kind};
use crate::parse::junit::CaseOutcome;

/// One item's kind-specific fields.
#[derive(Debug, Clone)]
pub enum Typed {
    Need,
    Requirement(Requirement),
    Hazard(Hazard),
    Test(Test),
    Result(TestResult),
    Anomaly(Anomaly),
    Deviation(Deviation),
    Change(Change),
    Document(Document),
    Soup(Soup),
    Approval(Approval),
}

impl Typed {
    /// The typed view of a validated item. An error here means the schema
    /// and this module disagree: a defect of relpack, reported as such.
    pub fn of(item: &Item) -> Result<Typed, serde_json::Error> {
        let f = &*item.fields;
        Ok(match item.kind {
            Kind::Need => Typed::Need,
            Kind::Requirement => Typed::Requirement(Requirement::deserialize(f)?),
            Kind::Hazard => Typed::Hazard(Hazard::deserialize(f)?),
            Kind::Test => Typed::Test(Test::deserialize(f)?),
            Kind::Result => Typed::Result(TestResult::deserialize(f)?),
            Kind::Anomaly => Typed::Anomaly(Anomaly::deserialize(f)?),
            Kind::Deviation => Typed::Deviation(Deviation::deserialize(f)?),
            Kind::Change => Typed::Change(Change::deserialize(f)?),
            Kind::Document => Typed::Document(Document::deserialize(f)?),
            Kind::Soup => Typed::Soup(Soup::deserialize(f)?),
            Kind::Approval => Typed::Approval(Approval::deserialize(f)?),
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RequirementStatus {
    Draft,
    #[default]
    Approved,
    Obsolete,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Blocked,
    Skipped,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        s.parse().ok()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn from_case(c: CaseOutcome) -> Outcome {
        match c {
            CaseOutcome::Pass => Outcome::Pass,
            CaseOutcome::Fail => Outcome::Fail,
            CaseOutcome::Skipped => Outcome::Skipped,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Requirement {
    #[serde(default)]
    pub status: RequirementStatus,
    /// None: the product's class applies (`gate::effective_class`).
    #[serde(default)]
    pub safety_class: Option<SafetyClass>,
    #[serde(default, deserialize_with = "ids")]
    pub derives_from: Vec<String>,
}

impl Requirement {
    pub fn obsolete(&self) -> bool {
        self.status == RequirementStatus::Obsolete
    }
}

/// ISO 14971 estimates before control; the residual ones default to them
/// (`verdict::hazard`).
#[derive(Debug, Clone, Deserialize)]
pub struct Hazard {
    pub harm: String,
    #[serde(default)]
    pub situation: Option<String>,
    pub severity: i64,
    pub probability: i64,
    #[serde(default)]
    pub residual_severity: Option<i64>,
    #[serde(default)]
    pub residual_probability: Option<i64>,
    #[serde(default)]
    pub benefit_risk: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub controls: Vec<String>,
    /// Each control's option of ISO 14971 7.1, by control id (a key that
    /// is not one of `controls` is refused in `validate::risk`).
    #[serde(default)]
    pub control_types: std::collections::BTreeMap<String, ControlType>,
}

/// The risk control options of ISO 14971 7.1, in their order of priority.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ControlType {
    InherentSafetyByDesign,
    ProtectiveMeasure,
    InformationForSafety,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Method {
    /// Results come from JUnit XML.
    #[default]
    Automated,
    Manual,
    Inspection,
    Analysis,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Test {
    #[serde(default)]
    pub method: Method,
    #[serde(default, deserialize_with = "ids")]
    pub verifies: Vec<String>,
    /// Glob patterns of the JUnit files (and cases) that run this test.
    #[serde(default, deserialize_with = "ids")]
    pub junit: Vec<String>,
    /// The expected result, beside the procedure (the item's text).
    #[serde(default)]
    pub expected: Option<String>,
}

/// A result record of a manual (or otherwise recorded) run.
#[derive(Debug, Clone, Deserialize)]
pub struct TestResult {
    pub test: String,
    pub outcome: Outcome,
    pub executed_by: String,
    pub executed_at: String,
    #[serde(default)]
    pub version: Option<String>,
    /// The source revision run, where no version names it.
    #[serde(default)]
    pub commit: Option<String>,
    /// Where it ran: device, build, operating system, tools.
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum AnomalyStatus {
    #[default]
    Open,
    Resolved,
    Deferred,
}

impl AnomalyStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Anomaly {
    pub severity: AnomalySeverity,
    #[serde(default)]
    pub status: AnomalyStatus,
    #[serde(default)]
    pub rationale: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub affects: Vec<String>,
    /// Its impact on safety and effectiveness (FDA: unresolved anomalies).
    #[serde(default)]
    pub impact: Option<String>,
    /// How and when it will be corrected.
    #[serde(default)]
    pub correction_plan: Option<String>,
    /// The correction's date, `YYYY-MM-DD` (the schema's pattern); a
    /// deferred anomaly past it is a finding (`verdict`, `gate::anomaly`).
    #[serde(default)]
    pub due: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Deviation {
    /// The gate id it waives.
    pub waives: String,
    pub reason: String,
    pub owner: String,
    /// A date, `YYYY-MM-DD` (checked by `lib::check_deviations`).
    pub expires: String,
    #[serde(default, deserialize_with = "ids")]
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub reason: String,
    #[serde(default)]
    pub risk_impact: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub affects: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    /// Position in the documents section; unordered documents come last.
    #[serde(default)]
    pub order: Option<i64>,
    /// Regulatory index codes it provides (`regulatory::ELEMENTS`).
    #[serde(default, deserialize_with = "ids")]
    pub fulfils: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Soup {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub supplier: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub known_anomalies_reviewed: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub licenses: Vec<String>,
    #[serde(default)]
    pub purl: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Meaning {
    Authored,
    Reviewed,
    Approved,
    Released,
}

impl Meaning {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What an approval approves: the whole release, or a list of items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Release,
    Items(Vec<String>),
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scope, D::Error> {
        match OneOrMany::deserialize(d)? {
            OneOrMany::One(s) if s == "release" => Ok(Scope::Release),
            OneOrMany::One(s) => Ok(Scope::Items(vec![s])),
            OneOrMany::Many(v) => Ok(Scope::Items(v)),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Approval {
    pub signer: String,
    pub role: String,
    pub meaning: Meaning,
    pub signed_at: String,
    pub scope: Scope,
    pub digest: String,
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub principal: Option<String>,
    /// The release it approves; another release's approval is history.
    #[serde(default)]
    pub release: Option<String>,
}

enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// By hand, not `#[serde(untagged)]`: that buffers the value and makes an
/// error for every list before trying the second shape (300k link fields
/// at 100k items).
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OneOrMany, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(s.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(s);
                }
                Ok(OneOrMany::Many(v))
            }
        }
        d.deserialize_any(Shape)
    }
}

/// A link or list field: one string or a list of strings (as
/// `Item::links` reads them).
fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Evidence's typed views, index for index beside its items.
#[derive(Debug, Clone, Default)]
pub struct Views(Vec<Typed>);

macro_rules! view_of {
    ($fn:ident, $variant:ident, $ty:ty) => {
        /// Item `i`'s view, if it is of this kind.
        pub fn $fn(&self, i: usize) -> Option<&$ty> {
            match self.0.get(i) {
                Some(Typed::$variant(v)) => Some(v),
                _ => None,
            }
        }
    };
}

impl Views {
    /// The views of validated items. An item whose fields do not fit its
    /// view means the schema and this module disagree: a defect of
    /// relpack, reported at the item rather than a panic.
    pub fn build(items: &[Item]) -> Result<Views, crate::diag::Diagnostic> {
        use rayon::prelude::*;
        let views = items
            .par_iter()
            .enumerate()
            .map(|(i, item)| Typed::of(item).map_err(|e| (i, e)))
            .collect::<Result<Vec<_>, _>>();
        views.map(Views).map_err(|(i, e)| {
            let item = &items[i];
            crate::diag::Diagnostic::error(format!(
                "relpack cannot read {} {} although it passed its schema: {e}",
                item.kind, item.id
            ))
            .at(item.origin.file, item.origin.span.clone())
            .note("this is a defect of relpack: please report it with this file")
        })
    }

    pub fn get(&self, i: usize) -> Option<&Typed> {
        self.0.get(i)
    }

    view_of!(requirement, Requirement, Requirement);
    view_of!(hazard, Hazard, Hazard);
    view_of!(test, Test, Test);
    view_of!(result, Result, TestResult);
    view_of!(anomaly, Anomaly, Anomaly);
    view_of!(deviation, Deviation, Deviation);
    view_of!(change, Change, Change);
    view_of!(document, Document, Document);
    view_of!(soup, Soup, Soup);
    view_of!(approval, Approval, Approval);
}
