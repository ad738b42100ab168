//! `approval`: who approved what, whether it is still what they approved
//! (digest current), when, and whether the signature holds (21 CFR 11.50,
//! 11.70).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{highest_class, Finding, GateInput};
use crate::digest::{canonical_form, scope_digest};
use crate::item::Kind;
use crate::results::parse_datetime;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum SignatureState {
    Verified { fingerprint: String },
    Invalid { reason: String },
    Absent,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalCheck {
    pub id: String,
    pub signer: String,
    pub role: String,
    pub meaning: String,
    pub signed_at: String,
    /// `["release"]` or the approved item ids.
    pub scope: Vec<String>,
    pub release_scope: bool,
    pub digest: String,
    pub current_digest: String,
    pub current: bool,
    pub signature: SignatureState,
    pub principal: Option<String>,
    /// This approval counts toward the release (valid in every respect).
    pub valid: bool,
}

pub fn check(input: &GateInput<'_>) -> (Vec<Finding>, Vec<ApprovalCheck>) {
    let ev = input.ev;
    let mut findings = Vec::new();
    let mut checks = Vec::new();
    for e in input.signer_errors {
        findings.push(Finding {
            message: format!("allowed_signers: {e}"),
            items: Vec::new(),
            file: ev.config.gates.allowed_signers.clone(),
            line: e.line,
            waived_by: None,
            column: None,
            unwaivable: false,
        });
    }
    for (ai, a) in ev.of_kind(Kind::Approval) {
        let release_scope = a.str("scope") == Some("release");
        let scope: Vec<String> = if release_scope {
            vec!["release".into()]
        } else {
            a.links("scope").into_iter().map(str::to_string).collect()
        };
        let current_digest = if release_scope {
            input.release_digest.to_string()
        } else {
            scope_digest(scope.iter().filter_map(|id| {
                ev.links
                    .get(id)
                    .map(|i| (ev.items[i].id.as_str(), input.digests[i].as_str()))
            }))
        };
        let digest = a.str("digest").unwrap_or_default().to_string();
        let current = digest == current_digest;
        let mut valid = true;
        if !current {
            valid = false;
            findings.push(Finding::at(
                ev,
                a,
                "/digest",
                format!(
                    "approval {} is stale: it approved {digest}, the {} is now {current_digest}",
                    a.id,
                    if release_scope {
                        "release digest"
                    } else {
                        "digest of its scope"
                    }
                ),
            ));
        }
        let signed_at = a.str("signed_at").unwrap_or_default().to_string();
        match parse_datetime(&signed_at) {
            Some(t) if t.date_naive() > ev.date => {
                valid = false;
                findings.push(Finding::at(
                    ev,
                    a,
                    "/signed_at",
                    format!(
                        "approval {} was signed at {signed_at}, after the release date {}",
                        a.id, ev.date
                    ),
                ));
            }
            Some(_) => {}
            None => {
                valid = false;
                findings.push(Finding::at(
                    ev,
                    a,
                    "/signed_at",
                    format!(
                        "approval {}: signed_at is not a date-time with offset",
                        a.id
                    ),
                ));
            }
        }
        let principal = a.str("principal").map(str::to_string);
        let signature = match a.str("signature") {
            Some(sig) => {
                let who = principal.as_deref().unwrap_or_default();
                // The key must have been valid when the approval was signed.
                let at = parse_datetime(&signed_at);
                // ... and still valid on the release date: signed_at is the
                // signer's word, so a backdated record cannot outlive its key.
                match crate::sign::verify_for_release(
                    canonical_form(a, ev.attachment_digests(ai)).as_bytes(),
                    sig,
                    who,
                    input.signers,
                    at,
                    Some(ev.date),
                ) {
                    Ok(fingerprint) => SignatureState::Verified { fingerprint },
                    Err(reason) => SignatureState::Invalid { reason },
                }
            }
            None => SignatureState::Absent,
        };
        match &signature {
            SignatureState::Invalid { reason } => {
                valid = false;
                findings.push(Finding::at(
                    ev,
                    a,
                    "/signature",
                    format!("approval {}: signature not accepted: {reason}", a.id),
                ));
            }
            SignatureState::Absent if ev.config.gates.require_signatures => {
                valid = false;
                findings.push(Finding::about(
                    ev,
                    a,
                    format!(
                        "approval {} is not signed, and signatures are required",
                        a.id
                    ),
                ));
            }
            _ => {}
        }
        checks.push(ApprovalCheck {
            id: a.id.clone(),
            signer: a.str("signer").unwrap_or_default().to_string(),
            role: a.str("role").unwrap_or_default().to_string(),
            meaning: a.str("meaning").unwrap_or_default().to_string(),
            signed_at,
            scope,
            release_scope,
            digest,
            current_digest,
            current,
            signature,
            principal,
            valid,
        });
    }
    // Only valid approvals of the whole release with meaning approved or
    // released count toward roles and signers.
    let counting: Vec<&ApprovalCheck> = checks
        .iter()
        .filter(|c| {
            c.valid && c.release_scope && matches!(c.meaning.as_str(), "approved" | "released")
        })
        .collect();
    for role in &ev.config.gates.approvals {
        if !counting.iter().any(|c| &c.role == role) {
            findings.push(Finding {
                message: format!("no current approval of the release by role `{role}`"),
                items: Vec::new(),
                file: Some("relpack.toml".into()),
                line: config_line(ev, "approvals"),
                waived_by: None,
                column: None,
                unwaivable: false,
            });
        }
    }
    let class = highest_class(ev);
    let needed = ev
        .config
        .gates
        .min_approvals
        .get(&class)
        .copied()
        .unwrap_or(1);
    let signers = distinct_signers(&counting);
    if (signers as u32) < needed {
        findings.push(Finding {
            message: format!(
                "the release needs {needed} distinct signer(s) for safety class {}, it has {}",
                class.as_str(),
                signers
            ),
            items: Vec::new(),
            file: Some("relpack.toml".into()),
            line: config_line(ev, "min_approvals"),
            waived_by: None,
            column: None,
            unwaivable: false,
        });
    }
    (findings, checks)
}

/// The line of `[gates] key` in relpack.toml, for findings about the policy
/// rather than about an item (None where the key is not written: a default).
fn config_line(ev: &crate::evidence::Evidence, key: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let id = (0..ev.sources.len()).find(|&i| ev.sources.path(i) == "relpack.toml")?;
    let text = &ev.sources.get(id).text;
    let doc = DeTable::parse(text).ok()?;
    let (_, gates) = doc.get_ref().iter().find(|(k, _)| k.get_ref() == "gates")?;
    let DeValue::Table(gates) = gates.get_ref() else {
        return None;
    };
    let (k, _) = gates.iter().find(|(k, _)| k.get_ref() == key)?;
    Some(ev.sources.line_col(id, k.span().start).0)
}

/// How many different people signed these approvals. Two approvals are by
/// the same person when they give the same printed name (case and spacing
/// aside), the same principal, or verify with the same key: one person
/// cannot be two approvers by spelling their name two ways.
fn distinct_signers(approvals: &[&ApprovalCheck]) -> usize {
    let mut parent: Vec<usize> = (0..approvals.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, c) in approvals.iter().enumerate() {
        let name: String = c
            .signer
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let mut identities = vec![format!("name:{name}")];
        if let Some(p) = &c.principal {
            identities.push(format!("principal:{p}"));
        }
        if let SignatureState::Verified { fingerprint } = &c.signature {
            identities.push(format!("key:{fingerprint}"));
        }
        for id in identities {
            match first.get(&id) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first.insert(id, i);
                }
            }
        }
    }
    let roots: BTreeSet<usize> = (0..approvals.len()).map(|i| root(&mut parent, i)).collect();
    roots.len()
}
