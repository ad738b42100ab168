//! The team's policies, run where the packet exists: the packet model is
//! built (as packet.json would be, without the `policy` gate: a policy does
//! not see its own outcome), given to regorus as input, and each `deny`
//! becomes a finding of the `policy` gate, each `warn` a warning, both at
//! the policy's file and rule line. Between model and render in the
//! pipeline; `check` calls it only when the evidence has policies.

use crate::diag::Diagnostic;
use crate::gate::{self, Finding, GateInput};
use crate::model::Packet;
use crate::policy::eval::{self, Level};
use crate::progress::timed;
use crate::sign;
use crate::stages::{Checked, Failure};

/// The findings of the `policy` gate and the warnings of `warn` rules.
pub fn run(checked: &Checked) -> Result<(Vec<Finding>, Vec<Diagnostic>), Failure> {
    let ev = &checked.evidence;
    let packet = Packet::build(checked, checked.changes.clone());
    let mut input = serde_json::to_value(&packet).map_err(|e| Failure::io(e.to_string()))?;
    if let Some(gates) = input.get_mut("gates").and_then(|g| g.as_array_mut()) {
        gates.retain(|g| g["id"] != "policy");
    }
    std::mem::forget(packet);
    let verdicts = eval::evaluate(&ev.policies, &ev.config.policy.packages, &input.to_string())
        .map_err(|m| {
            Failure::invalid(
                Default::default(),
                vec![Diagnostic::error(format!(
                    "a policy failed to evaluate: {m}"
                ))],
            )
        })?;
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    for v in verdicts {
        match v.level {
            Level::Deny => findings.push(Finding {
                message: format!("{} (policy {})", v.message, v.path),
                items: v.items,
                file: Some(v.path),
                line: Some(v.line),
                column: Some(1),
                waived_by: None,
                unwaivable: false,
            }),
            Level::Warn => {
                let items = if v.items.is_empty() {
                    String::new()
                } else {
                    format!(" (items: {})", v.items.join(", "))
                };
                warnings.push(
                    Diagnostic::warning(format!("policy warning: {}{items}", v.message))
                        .at(v.file, v.offset..v.offset + 4),
                );
            }
        }
    }
    Ok((findings, warnings))
}

/// The end of `check`: the policies where there are some (they read the
/// packet, so the gates are decided again with their findings), then the
/// findings and warnings redacted as the packet is (a finding or a warning
/// may quote a case name).
pub fn finish_check(
    mut checked: Checked,
    signers: &[sign::AllowedSigner],
    signer_errors: &[sign::SignersProblem],
) -> Result<Checked, Failure> {
    if !checked.evidence.policies.is_empty() {
        let (findings, policy_warnings) = timed("policies", || run(&checked))?;
        let c = &checked;
        let report = gate::evaluate(&GateInput {
            ev: &c.evidence,
            results: &c.results,
            digests: &c.digests,
            release_digest: &c.release_digest,
            signers,
            signer_errors,
            suspect: &c.suspect,
            verdicts: &c.verdicts,
            previous: c.evidence.previous.as_ref(),
            changes: c.changes.as_ref(),
            guard: &c.guard.hits,
            policy: &findings,
        });
        checked.report = report;
        checked.warnings.extend(policy_warnings);
    }
    let Checked {
        report,
        warnings,
        guard,
        ..
    } = &mut checked;
    for f in report.gates.iter_mut().flat_map(|g| g.findings.iter_mut()) {
        guard.redactor.apply(&mut f.message);
    }
    for w in warnings.iter_mut() {
        guard.redactor.apply(&mut w.message);
    }
    Ok(checked)
}
