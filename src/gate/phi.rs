//! `phi`: the guard's hits (src/guard/) as findings. A secret is never
//! waivable; PHI is waived by a deviation naming its item, or allowed by
//! its fingerprint in `[guard] allow` (then it is no finding at all). The
//! message names the kind of data and where, never the data.

use super::{Finding, GateInput};
use crate::guard::Class;

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    input
        .guard
        .iter()
        .filter(|h| !h.allowed)
        .map(|h| {
            let message = match h.class {
                Class::Secret => format!(
                    "secret ({}) in {}: a secret cannot be waived; remove it from the evidence and revoke it",
                    h.kind, h.place
                ),
                Class::Phi => format!(
                    "PHI ({}) in {}: remove it, waive it for the item with a deviation, or allow its fingerprint if it is synthetic",
                    h.kind, h.place
                ),
            };
            Finding {
                message,
                items: h.items.clone(),
                file: Some(h.file.clone()),
                line: Some(h.line),
                column: Some(h.column),
                waived_by: None,
                unwaivable: h.class == Class::Secret,
            }
        })
        .collect()
}
