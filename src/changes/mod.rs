//! Releases over time: what was added, removed and modified since the
//! previous release (by digest, from its packet.json), which fields changed
//! (Markdown diffed by lines), and which tests and hazards that makes
//! suspect. Also used by `relpack diff` on two packet.json files, which
//! adds JUnit files and verification (`diff.rs`), and by the approval gate
//! to say what changed since a stale approval was signed.

mod diff;

pub use diff::{changed_since_signed, diff_packets, PacketDiff};

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::packet_file::{
    PreviousApproval, PreviousCaseRef, PreviousFile, PreviousItem, PreviousJunit, PreviousPacket,
    PreviousProduct, PreviousRelease, PreviousRequirement, PreviousSource, PreviousTestRef,
    PreviousVerification,
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ItemRef {
    pub id: String,
    pub kind: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiffLine {
    /// `+`, `-` or ` `.
    pub tag: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// For text: the line diff.
    #[serde(default)]
    pub diff: Vec<DiffLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Modified {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub old_digest: String,
    pub new_digest: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Suspect {
    pub id: String,
    pub kind: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeSet {
    pub previous_version: String,
    pub previous_date: String,
    pub previous_digest: String,
    pub added: Vec<ItemRef>,
    pub removed: Vec<ItemRef>,
    pub modified: Vec<Modified>,
    pub suspect: Vec<Suspect>,
}

/// A current item, as the comparison sees it.
pub struct CurrentItem<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub digest: &'a str,
    pub fields: &'a Map<String, Value>,
}

pub fn compare(prev: &PreviousPacket, current: &[CurrentItem<'_>]) -> ChangeSet {
    let old: HashMap<&str, &PreviousItem> = prev.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let new_ids: HashSet<&str> = current.iter().map(|i| i.id).collect();
    let mut added = Vec::new();
    let mut modified = Vec::new();
    for c in current {
        match old.get(c.id) {
            None => added.push(ItemRef {
                id: c.id.to_string(),
                kind: c.kind.to_string(),
                title: c.title.to_string(),
            }),
            Some(o) if o.digest != c.digest => modified.push(Modified {
                id: c.id.to_string(),
                kind: c.kind.to_string(),
                title: c.title.to_string(),
                old_digest: o.digest.clone(),
                new_digest: c.digest.to_string(),
                fields: field_changes(&o.fields, c.fields),
            }),
            Some(_) => {}
        }
    }
    let mut removed: Vec<ItemRef> = prev
        .items
        .iter()
        .filter(|o| !new_ids.contains(o.id.as_str()))
        .map(|o| ItemRef {
            id: o.id.clone(),
            kind: o.kind.clone(),
            title: o.title.clone(),
        })
        .collect();
    added.sort_by(|a, b| a.id.cmp(&b.id));
    removed.sort_by(|a, b| a.id.cmp(&b.id));
    modified.sort_by(|a, b| a.id.cmp(&b.id));
    ChangeSet {
        previous_version: if prev.release.version.is_empty() {
            prev.product.version.clone()
        } else {
            prev.release.version.clone()
        },
        previous_date: prev.release.date.clone(),
        previous_digest: prev.release.digest.clone(),
        added,
        removed,
        modified,
        suspect: Vec::new(),
    }
}

fn field_changes(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<FieldChange> {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        if k == "signature" {
            continue;
        }
        let (o, n) = (old.get(k), new.get(k));
        if o == n {
            continue;
        }
        let diff = match (o, n) {
            (Some(Value::String(a)), Some(Value::String(b)))
                if a.contains('\n') || b.contains('\n') || k == "text" =>
            {
                line_diff(a, b)
            }
            _ => Vec::new(),
        };
        out.push(FieldChange {
            field: k.clone(),
            old: o.cloned(),
            new: n.cloned(),
            diff,
        });
    }
    out
}

pub fn line_diff(a: &str, b: &str) -> Vec<DiffLine> {
    let diff = similar::TextDiff::from_lines(a, b);
    diff.iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                similar::ChangeTag::Delete => "-",
                similar::ChangeTag::Insert => "+",
                similar::ChangeTag::Equal => " ",
            }
            .to_string(),
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

/// Files whose bytes are the same as in the previous release: a JUnit case
/// read from one of them is not a new run.
pub fn unchanged_files(prev: &PreviousPacket) -> BTreeMap<String, String> {
    prev.evidence
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()))
        .collect()
}

/// Tests that verify a requirement modified since the previous release and
/// have no run newer than it; hazards whose control was modified while the
/// hazard itself was not reviewed. Item index -> reason.
pub fn suspects(
    ev: &crate::evidence::Evidence,
    results: &crate::results::TestResults,
    changes: &ChangeSet,
    prev: &PreviousPacket,
) -> (HashMap<usize, String>, HashMap<usize, String>) {
    let modified: HashSet<&str> = changes.modified.iter().map(|m| m.id.as_str()).collect();
    let prev_date = chrono::NaiveDate::parse_from_str(&changes.previous_date, "%Y-%m-%d").ok();
    let old_files = unchanged_files(prev);
    let mut tests = HashMap::new();
    for (t, _, test) in ev.tests() {
        let changed: Vec<&str> = test
            .verifies
            .iter()
            .map(String::as_str)
            .filter(|r| modified.contains(r))
            .collect();
        if changed.is_empty() {
            continue;
        }
        let fresh = results
            .runs
            .get(&t)
            .into_iter()
            .flat_map(|r| r.iter())
            .any(|run| {
                if run.other_version {
                    return false;
                }
                if run.case.is_some() {
                    // A JUnit file whose bytes changed holds a new run.
                    let same = ev
                        .junit
                        .iter()
                        .find(|f| f.path == run.source)
                        .is_some_and(|f| old_files.get(&f.path) == Some(&f.sha256));
                    return !same;
                }
                match (
                    run.executed_at
                        .as_deref()
                        .and_then(crate::results::parse_datetime),
                    prev_date,
                ) {
                    (Some(at), Some(d)) => at.date_naive() > d,
                    _ => false,
                }
            });
        if !fresh {
            tests.insert(
                t,
                format!(
                    "{} changed since {}",
                    changed.join(", "),
                    changes.previous_version
                ),
            );
        }
    }
    let mut hazards = HashMap::new();
    for (h, item, hazard) in ev.hazards() {
        if modified.contains(item.id.as_str()) {
            continue;
        }
        let changed: Vec<&str> = hazard
            .controls
            .iter()
            .map(String::as_str)
            .filter(|r| modified.contains(r))
            .collect();
        if !changed.is_empty() {
            hazards.insert(
                h,
                format!(
                    "control {} changed since {} and the hazard was not reviewed",
                    changed.join(", "),
                    changes.previous_version
                ),
            );
        }
    }
    (tests, hazards)
}
