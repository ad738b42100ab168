//! Two packets side by side: what `relpack diff` adds to the changes of a
//! build (JUnit files added, removed and changed; requirements whose
//! verification changed), and what changed since a stale approval was
//! signed, where the previous packet knows it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::{compare, ChangeSet, CurrentItem, PreviousPacket, PreviousRequirement};

/// `relpack diff OLD NEW`.
#[derive(Debug, Clone, Serialize)]
pub struct PacketDiff {
    #[serde(flatten)]
    pub changes: ChangeSet,
    pub junit: JunitDiff,
    /// Requirements in both packets whose verification changed.
    pub verification: Vec<VerificationChange>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JunitDiff {
    pub added: Vec<JunitRef>,
    pub removed: Vec<JunitRef>,
    /// Same path, other bytes.
    pub changed: Vec<JunitChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JunitRef {
    pub path: String,
    pub cases: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct JunitChange {
    pub path: String,
    pub old_sha256: String,
    pub new_sha256: String,
    pub old_cases: usize,
    pub new_cases: usize,
    pub old_failed: usize,
    pub new_failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerificationChange {
    pub id: String,
    pub old_verified: bool,
    pub new_verified: bool,
    /// What changed, in words: `test TC-3 added (pass)`, `case
    /// pump::stops (pass) added`, `test TC-1: fail -> pass`.
    pub changes: Vec<String>,
}

pub fn diff_packets(old: &PreviousPacket, new: &PreviousPacket) -> PacketDiff {
    let current: Vec<CurrentItem<'_>> = new
        .items
        .iter()
        .map(|i| CurrentItem {
            id: &i.id,
            kind: &i.kind,
            title: &i.title,
            digest: &i.digest,
            fields: &i.fields,
        })
        .collect();
    let mut changes = compare(old, &current);
    // Which tests went without a new run needs the evidence (a JUnit
    // file's bytes), which no packet holds: when the new packet was built
    // against the old one, its own finding is the answer.
    if let Some(since) = new
        .changes
        .since_previous
        .as_ref()
        .filter(|s| !s.previous_digest.is_empty() && s.previous_digest == old.release.digest)
    {
        changes.suspect = since
            .suspect
            .iter()
            .map(|s| super::Suspect {
                id: s.id.clone(),
                kind: s.kind.clone(),
                reason: s.reason.clone(),
            })
            .collect();
    }
    PacketDiff {
        changes,
        junit: junit_diff(old, new),
        verification: verification_changes(&old.requirements, &new.requirements),
    }
}

fn junit_diff(old: &PreviousPacket, new: &PreviousPacket) -> JunitDiff {
    let before: BTreeMap<&str, _> = old
        .verification
        .junit_files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let after: BTreeMap<&str, _> = new
        .verification
        .junit_files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let mut d = JunitDiff::default();
    for (path, n) in &after {
        match before.get(path) {
            None => d.added.push(JunitRef {
                path: path.to_string(),
                cases: n.cases,
                failed: n.failed,
            }),
            Some(o) if o.sha256 != n.sha256 => d.changed.push(JunitChange {
                path: path.to_string(),
                old_sha256: o.sha256.clone(),
                new_sha256: n.sha256.clone(),
                old_cases: o.cases,
                new_cases: n.cases,
                old_failed: o.failed,
                new_failed: n.failed,
            }),
            Some(_) => {}
        }
    }
    for (path, o) in &before {
        if !after.contains_key(path) {
            d.removed.push(JunitRef {
                path: path.to_string(),
                cases: o.cases,
                failed: o.failed,
            });
        }
    }
    d
}

/// An outcome as the packet writes it, or `no result`.
fn outcome(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "no result".into(),
        Some(other) => other.to_string(),
    }
}

/// Added, removed and changed entries of two `name -> outcome` lists.
fn list_changes(
    what: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        match (old.get(name), new.get(name)) {
            (None, Some(o)) => out.push(format!("{what} {name} added ({o})")),
            (Some(_), None) => out.push(format!("{what} {name} removed")),
            (Some(a), Some(b)) if a != b => out.push(format!("{what} {name}: {a} -> {b}")),
            _ => {}
        }
    }
}

fn verification_changes(
    old: &[PreviousRequirement],
    new: &[PreviousRequirement],
) -> Vec<VerificationChange> {
    let before: BTreeMap<&str, &PreviousRequirement> =
        old.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut out = Vec::new();
    for n in new {
        let Some(o) = before.get(n.id.as_str()) else {
            continue;
        };
        let tests = |r: &PreviousRequirement| -> BTreeMap<String, String> {
            r.tests
                .iter()
                .map(|t| (t.id.clone(), outcome(t.outcome.as_ref())))
                .collect()
        };
        let cases = |r: &PreviousRequirement| -> BTreeMap<String, String> {
            r.cases
                .iter()
                .map(|c| (c.name.clone(), outcome(c.outcome.as_ref())))
                .collect()
        };
        let mut changes = Vec::new();
        list_changes("test", &tests(o), &tests(n), &mut changes);
        list_changes("case", &cases(o), &cases(n), &mut changes);
        if o.verified != n.verified || !changes.is_empty() {
            out.push(VerificationChange {
                id: n.id.clone(),
                old_verified: o.verified,
                new_verified: n.verified,
                changes,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// What changed since a stale approval was signed, when the previous
/// packet checked the same record (same id and digest) and found it
/// current: the items of its scope (every item and JUnit file for the
/// release) modified, added or removed since, each with the fields that
/// changed. None when the previous packet cannot tell.
pub fn changed_since_signed(
    prev: &PreviousPacket,
    set: &ChangeSet,
    approval: (&str, &str),
    scope: Option<&[String]>,
    junit: &[(&str, &str)],
) -> Option<Vec<String>> {
    let (id, digest) = approval;
    prev.approvals
        .iter()
        .find(|a| a.id == id && a.digest == digest && a.current)?;
    // The release digest leaves approvals out.
    let in_scope = |i: &str, kind: &str| match scope {
        None => kind != "approval",
        Some(s) => s.iter().any(|x| x == i),
    };
    let mut out: Vec<String> = Vec::new();
    for m in set.modified.iter().filter(|m| in_scope(&m.id, &m.kind)) {
        let fields: Vec<&str> = m.fields.iter().map(|f| f.field.as_str()).collect();
        out.push(if fields.is_empty() {
            format!("{} (attachments)", m.id)
        } else {
            format!("{} ({})", m.id, fields.join(", "))
        });
    }
    for a in set.added.iter().filter(|a| in_scope(&a.id, &a.kind)) {
        out.push(format!("{} (added)", a.id));
    }
    for r in set.removed.iter().filter(|r| in_scope(&r.id, &r.kind)) {
        out.push(format!("{} (removed)", r.id));
    }
    if scope.is_none() {
        let before: BTreeMap<&str, &str> = prev
            .evidence
            .iter()
            .map(|f| (f.path.as_str(), f.sha256.as_str()))
            .collect();
        for (path, sha) in junit {
            match before.get(path) {
                Some(old) if old != sha => out.push(format!("{path} (changed)")),
                None => out.push(format!("{path} (added)")),
                _ => {}
            }
        }
        let now: BTreeSet<&str> = junit.iter().map(|(p, _)| *p).collect();
        for f in &prev.verification.junit_files {
            if !now.contains(f.path.as_str()) {
                out.push(format!("{} (removed)", f.path));
            }
        }
    }
    out.sort();
    Some(out)
}
