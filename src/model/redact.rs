//! The packet, redacted: every text the guard flagged is replaced by
//! `[redacted: KIND]` in every string of the model, once, here, so every
//! renderer (site, search index, PDF, packet.json, CSV) shows the same
//! redacted packet. Digests, hashes and commit ids are left as they are:
//! they are computed over the evidence as it is, and never hold text.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::*;
use crate::changes::{DiffLine, FieldChange, ItemRef, Modified, Suspect};
use crate::gate::regulatory::{IndexEntry, RegulatoryIndex};
use crate::gate::Finding;
use crate::guard::Redactor;

/// Whatever holds evidence text.
trait Redact {
    /// Replace flagged texts; true if anything was.
    fn redact(&mut self, r: &Redactor) -> bool;
}

impl Redact for String {
    fn redact(&mut self, r: &Redactor) -> bool {
        r.apply(self)
    }
}

impl Redact for Value {
    fn redact(&mut self, r: &Redactor) -> bool {
        r.apply_value(self)
    }
}

/// What the model shares with the evidence (an item's fields, a test's
/// runs): copied to be redacted, and kept only if something was.
impl<T: Redact + Clone> Redact for std::sync::Arc<T> {
    fn redact(&mut self, r: &Redactor) -> bool {
        let mut copy = (**self).clone();
        let any = copy.redact(r);
        if any {
            *self = std::sync::Arc::new(copy);
        }
        any
    }
}

impl Redact for Map<String, Value> {
    fn redact(&mut self, r: &Redactor) -> bool {
        // Every value, no short cut: each must be redacted.
        self.values_mut()
            .map(|v| r.apply_value(v))
            .filter(|&b| b)
            .count()
            > 0
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact(&mut self, r: &Redactor) -> bool {
        self.as_mut().is_some_and(|x| x.redact(r))
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(&mut self, r: &Redactor) -> bool {
        self.iter_mut().map(|x| x.redact(r)).filter(|&b| b).count() > 0
    }
}

impl<T: Redact> Redact for BTreeMap<String, T> {
    fn redact(&mut self, r: &Redactor) -> bool {
        self.values_mut()
            .map(|x| x.redact(r))
            .filter(|&b| b)
            .count()
            > 0
    }
}

/// `Redact` for a struct: the fields that may hold evidence text.
macro_rules! redact_fields {
    ($($t:ty { $($f:ident),* $(,)? })*) => {$(
        impl Redact for $t {
            fn redact(&mut self, r: &Redactor) -> bool {
                let mut any = false;
                $( any |= self.$f.redact(r); )*
                any
            }
        }
    )*};
}

redact_fields! {
    Product { name, id, manufacturer, documentation_level_rationale }
    GateOutcome { findings }
    Finding { message, items, file }
    Run { test, source, case, record, executed_at, executed_by, version, commit, environment, notes }
    RequirementRow { id, title, status, derives_from, needs, hazards, tests, cases, soup, latest, gaps }
    TestRef { id }
    CaseRef { name, source }
    HazardControl { id }
    HazardRow { id, title, situation, harm, benefit_risk, controls, suspect }
    TestRow { id, title, method, verifies, expected, suspect, runs }
    PropertyCase { name, source, verifies, tests }
    UnboundCase { name, source }
    JunitSummary { path }
    Verification { unbound, by_property, junit_files }
    TracedCommit { summary, author, items }
    ItemRef { id, title }
    Modified { id, title, fields }
    FieldChange { old, new, diff }
    DiffLine { text }
    Suspect { id, reason }
    ChangeSet { added, removed, modified, suspect }
    Changes { records, commits, since_previous }
    AnomalyRow { id, title, severity, status, affects, rationale, impact, correction_plan, due }
    RiskContext { conclusion, matrix }
    RiskMatrix { cells }
    MatrixCell { initial_hazards, residual_hazards }
    DeviationRow { id, items, owner, reason, expires }
    SoupRow { id, name, version, supplier, purpose, known_anomalies_reviewed, licenses, purl, requirements }
    ApprovalCheck { id, signer, role, meaning, signed_at, scope, principal }
    EvidenceEntry { path, items }
    IndexEntry { documents }
    RegulatoryIndex { elements }
}

/// Redact the whole packet. An item whose own fields changed is marked
/// `redacted`: its digest is of the evidence, which packet.json no longer
/// shows, so `verify` cannot recompute it from packet.json.
pub fn packet(p: &mut Packet, r: &Redactor) {
    if r.is_empty() {
        return;
    }
    p.product.redact(r);
    p.gates.redact(r);
    for item in &mut p.items {
        let mut any = item.fields.redact(r);
        any |= item.id.redact(r);
        any |= item.title.redact(r);
        item.file.redact(r);
        item.referenced_by.redact(r);
        item.attachments.redact(r);
        item.redacted = any;
    }
    p.results.redact(r);
    p.requirements.redact(r);
    p.hazards.redact(r);
    p.risk.redact(r);
    p.tests.redact(r);
    p.verification.redact(r);
    p.documents.redact(r);
    p.changes.redact(r);
    p.anomalies.redact(r);
    p.deviations.redact(r);
    p.soup.redact(r);
    p.approvals.redact(r);
    p.evidence.redact(r);
    p.regulatory_index.redact(r);
}
