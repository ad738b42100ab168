//! `deviation-expired`: a waiver in use must still be in force on the
//! release date.

use super::Finding;
use crate::evidence::Evidence;

pub fn expired(ev: &Evidence, used: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in used {
        let Some(d) = ev.item(id) else { continue };
        let Some(expires) = d.str("expires") else {
            continue;
        };
        let date =
            chrono::NaiveDate::parse_from_str(expires.get(..10).unwrap_or(expires), "%Y-%m-%d");
        match date {
            Ok(date) if date < ev.date => out.push(Finding::at(
                ev,
                d,
                "/expires",
                format!(
                    "deviation {} expired on {date}, before the release date {}",
                    d.id, ev.date
                ),
            )),
            Ok(_) => {}
            Err(_) => out.push(Finding::at(
                ev,
                d,
                "/expires",
                format!("deviation {}: `expires` is not a date", d.id),
            )),
        }
    }
    out
}
