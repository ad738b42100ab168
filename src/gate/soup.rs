//! `soup`: every SOUP item names what it is and who supplies it.

use super::{Finding, GateInput};

pub fn check(input: &GateInput<'_>) -> Vec<Finding> {
    let ev = input.ev;
    let mut out = Vec::new();
    for (_, s, soup) in ev.soups() {
        let blank = |v: Option<&str>| crate::text::shown(v).is_none();
        let missing: Vec<&str> = [
            ("name", Some(soup.name.as_str())),
            ("version", soup.version.as_deref()),
            ("supplier", soup.supplier.as_deref()),
        ]
        .into_iter()
        .filter(|(_, v)| blank(*v))
        .map(|(f, _)| f)
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
