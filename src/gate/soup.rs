//! `soup`: every SOUP item names what it is and who supplies it.

use super::{Finding, GateInput};
use crate::item::Kind;

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let mut out = Vec::new();
    for (_, s) in ev.of_kind(Kind::Soup) {
        let missing: Vec<&str> = ["name", "version", "supplier"]
            .into_iter()
            .filter(|f| s.str(f).is_none_or(|v| v.trim().is_empty()))
            .collect();
        if !missing.is_empty() {
            out.push(Finding::about(
                ev,
                s,
                format!("SOUP {} has no {}", s.id, missing.join(", ")),
            ));
        }
    }
    out
}
