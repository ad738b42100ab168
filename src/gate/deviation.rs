//! `deviation-expired`: a waiver in use must still be in force on the
//! release date (the verdict of verdict.rs, which the packet shows too).

use super::Finding;
use crate::evidence::Evidence;
use crate::verdict::Verdicts;

pub fn expired(ev: &Evidence, verdicts: &Verdicts, used: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in used {
        let Some(di) = ev.links.get(id) else { continue };
        let (d, Some(v)) = (&ev.items[di], verdicts.deviations.get(&di)) else {
            continue;
        };
        if v.in_force {
            continue;
        }
        let message = match v.expires {
            Some(date) => format!(
                "deviation {} expired on {date}, before the release date {}",
                d.id, ev.date
            ),
            None => format!("deviation {}: `expires` is not a date", d.id),
        };
        out.push(Finding::at(ev, d, "/expires", message));
    }
    out
}
