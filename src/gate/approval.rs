//! `approval`: who approved what, whether it is still what they approved
//! (digest current), when, and whether the signature holds (21 CFR 11.50,
//! 11.70).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{highest_class, Finding, GateInput};
use crate::digest::{canonical_form, scope_digest};
use crate::evidence::Evidence;
use crate::item::Item;
use crate::kinds::{self, Scope};
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
    /// The release it approves, as its record says (`release = "1.0.0"`);
    /// None for a record written before approvals named their release.
    pub release: Option<String>,
    /// An approval of another release: listed, never counted, never stale.
    pub history: bool,
}

pub fn check(input: &GateInput<'_>) -> (Vec<Finding>, Vec<ApprovalCheck>) {
    let ev = input.ev;
    let mut findings: Vec<Finding> = input
        .signer_errors
        .iter()
        .map(|e| Finding {
            message: format!("allowed_signers: {e}"),
            items: Vec::new(),
            file: ev.config.gates.allowed_signers.clone(),
            line: e.line,
            waived_by: None,
            column: None,
            unwaivable: false,
        })
        .collect();
    let checks: Vec<ApprovalCheck> = ev
        .approvals()
        .map(|(ai, a, v)| check_one(input, ai, (a, v), &mut findings))
        .collect();
    findings.extend(policy_findings(ev, &checks));
    (findings, checks)
}

/// One approval: what it approves, whether that is still current, when it
/// was signed and whether its signature holds. An approval of another
/// release is history: checked for nothing, counted for nothing.
fn check_one(
    input: &GateInput<'_>,
    ai: usize,
    (a, v): (&Item, &kinds::Approval),
    findings: &mut Vec<Finding>,
) -> ApprovalCheck {
    let ev = input.ev;
    let (release_scope, scope) = match &v.scope {
        Scope::Release => (true, vec!["release".to_string()]),
        Scope::Items(ids) => (false, ids.clone()),
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
    let digest = v.digest.clone();
    let current = digest == current_digest;
    let release = v.release.clone();
    let history = release.as_deref().is_some_and(|r| r != ev.version);
    let signed_at = v.signed_at.clone();
    let principal = v.principal.clone();
    let signature = signature_state(input, ai, (a, v));
    let mut mine = Vec::new();
    if !history {
        if !current {
            mine.push(stale_finding(input, (a, v), &current_digest, &scope));
        }
        mine.extend(signed_at_finding(ev, a, &signed_at));
        mine.extend(signature_finding(ev, a, &signature));
        // A name that shows nothing names no one: never a signer.
        if crate::text::printed_name(&v.signer).is_empty() {
            mine.push(Finding::at(
                ev,
                a,
                "/signer",
                format!("approval {}: its signer has no printed name", a.id),
            ));
        }
    }
    let valid = !history && mine.is_empty();
    findings.extend(mine);
    ApprovalCheck {
        id: a.id.clone(),
        signer: v.signer.clone(),
        role: v.role.clone(),
        meaning: v.meaning.as_str().to_string(),
        signed_at,
        scope,
        release_scope,
        digest,
        current_digest,
        current,
        signature,
        principal,
        valid,
        release,
        history,
    }
}

/// A stale approval: what it approved and what that is now, which items
/// changed since it was signed (where the previous packet knows), and the
/// command that renews it.
fn stale_finding(
    input: &GateInput<'_>,
    (a, v): (&Item, &kinds::Approval),
    current_digest: &str,
    scope: &[String],
) -> Finding {
    let ev = input.ev;
    let digest = v.digest.as_str();
    let release_scope = v.scope == Scope::Release;
    let mut message = format!(
        "approval {} is stale: it approved {digest}, the {} is now {current_digest}",
        a.id,
        if release_scope {
            "release digest"
        } else {
            "digest of its scope"
        }
    );
    let junit: Vec<(&str, &str)> = ev
        .junit
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let changed = match (input.previous, input.changes) {
        (Some(prev), Some(set)) => crate::changes::changed_since_signed(
            prev,
            set,
            (a.id.as_str(), digest),
            (!release_scope).then_some(scope),
            &junit,
        ),
        _ => None,
    };
    match changed {
        Some(list) if !list.is_empty() => {
            message.push_str(&format!("; changed since it was signed: {}", list.join(", ")))
        }
        _ => message.push_str(
            "; which items changed is known only when release.previous names a packet that found this approval current",
        ),
    }
    message.push_str(&format!(
        "; once the changes are reviewed, renew it with: {}",
        renew_command(ev, v, &a.id, scope)
    ));
    Finding::at(ev, a, "/digest", message)
}

/// The `relpack approve` command that writes this approval again over the
/// evidence as it is now (replacing the stale record).
fn renew_command(ev: &Evidence, v: &kinds::Approval, id: &str, scope: &[String]) -> String {
    let q = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./@:,+=~".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut cmd = format!(
        "relpack approve --root {} --replace --id {} --role {} --meaning {} --signer {}",
        q(&ev.root.display().to_string()),
        q(id),
        q(&v.role),
        q(v.meaning.as_str()),
        q(&v.signer),
    );
    if v.scope != Scope::Release {
        cmd.push_str(&format!(" --items {}", q(&scope.join(","))));
    }
    if let Some(p) = v.principal.as_deref() {
        cmd.push_str(&format!(" --key <private key> --principal {}", q(p)));
    }
    cmd
}

/// Signed after the release date, or no date-time with offset.
fn signed_at_finding(ev: &Evidence, a: &Item, signed_at: &str) -> Option<Finding> {
    let message = match parse_datetime(signed_at) {
        Some(t) if t.date_naive() > ev.date => format!(
            "approval {} was signed at {signed_at}, after the release date {}",
            a.id, ev.date
        ),
        Some(_) => return None,
        None => format!(
            "approval {}: signed_at is not a date-time with offset",
            a.id
        ),
    };
    Some(Finding::at(ev, a, "/signed_at", message))
}

fn signature_state(
    input: &GateInput<'_>,
    ai: usize,
    (a, v): (&Item, &kinds::Approval),
) -> SignatureState {
    let ev = input.ev;
    let Some(sig) = v.signature.as_deref() else {
        return SignatureState::Absent;
    };
    // The key must have been valid when the approval was signed ...
    let at = parse_datetime(&v.signed_at);
    // ... and still valid on the release date: signed_at is the signer's
    // word, so a backdated record cannot outlive its key.
    match crate::sign::verify_for_release(
        canonical_form(a, ev.attachment_digests(ai)).as_bytes(),
        sig,
        v.principal.as_deref().unwrap_or_default(),
        input.signers,
        at,
        Some(ev.date),
    ) {
        Ok(fingerprint) => SignatureState::Verified { fingerprint },
        Err(reason) => SignatureState::Invalid { reason },
    }
}

fn signature_finding(ev: &Evidence, a: &Item, signature: &SignatureState) -> Option<Finding> {
    match signature {
        SignatureState::Invalid { reason } => Some(Finding::at(
            ev,
            a,
            "/signature",
            format!("approval {}: signature not accepted: {reason}", a.id),
        )),
        SignatureState::Absent if ev.config.gates.require_signatures => Some(Finding::about(
            ev,
            a,
            format!(
                "approval {} is not signed, and signatures are required",
                a.id
            ),
        )),
        _ => None,
    }
}

/// The roles and the number of distinct signers the policy asks for. Only
/// valid approvals of the whole release with meaning approved or released
/// count.
fn policy_findings(ev: &Evidence, checks: &[ApprovalCheck]) -> Vec<Finding> {
    let mut findings = Vec::new();
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
    findings
}

/// The line of `[gates] key` in relpack.toml, for findings about the policy
/// rather than about an item (None where the key is not written: a default).
fn config_line(ev: &Evidence, key: &str) -> Option<usize> {
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
        let name = crate::text::printed_name(&c.signer);
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
