//! `deviation-expired`: a waiver in use must still be in force on the
//! release date.

use super::Finding;
use crate::evidence::Evidence;
use crate::item::Item;

/// The date a deviation expires on (its last day in force), if it is one.
pub fn expires(d: &Item) -> Option<chrono::NaiveDate> {
    let expires = d.str("expires")?;
    chrono::NaiveDate::parse_from_str(expires.get(..10).unwrap_or(expires), "%Y-%m-%d").ok()
}

/// Whether a deviation is still in force on the release date: it expires
/// on or after it.
pub fn in_force(ev: &Evidence, d: &Item) -> bool {
    expires(d).is_some_and(|date| date >= ev.date)
}

pub fn expired(ev: &Evidence, used: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in used {
        let Some(d) = ev.item(id) else { continue };
        if d.str("expires").is_none() {
            continue;
        }
        match expires(d) {
            Some(date) if date < ev.date => out.push(Finding::at(
                ev,
                d,
                "/expires",
                format!(
                    "deviation {} expired on {date}, before the release date {}",
                    d.id, ev.date
                ),
            )),
            Some(_) => {}
            None => out.push(Finding::at(
                ev,
                d,
                "/expires",
                format!("deviation {}: `expires` is not a date", d.id),
            )),
        }
    }
    out
}
