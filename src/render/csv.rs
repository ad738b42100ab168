//! trace-matrix.csv: one row per requirement (RFC 4180 quoting), the same
//! columns as the trace matrix page.

use super::{Output, RenderError, Renderer};
use crate::model::Packet;

pub struct CsvRenderer;

const HEADER: [&str; 11] = [
    "requirement",
    "title",
    "status",
    "safety_class",
    "needs",
    "derives_from",
    "hazards",
    "tests",
    "latest_result",
    "gaps",
    "code",
];

fn field(s: &str) -> String {
    // Cells a spreadsheet would take for a formula are neutralised with a
    // leading `'` (OWASP, CSV injection): = + - @, and TAB or CR, which
    // spreadsheets skip before reading a formula.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

impl Renderer for CsvRenderer {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn render(&self, packet: &Packet, output: &dyn Output) -> Result<(), RenderError> {
        let mut out = String::new();
        out.push_str(&HEADER.join(","));
        out.push_str("\r\n");
        for r in &packet.requirements {
            let tests: Vec<String> = r
                .tests
                .iter()
                .map(|t| {
                    format!(
                        "{}:{}{}",
                        t.id,
                        t.outcome.map(|o| o.as_str()).unwrap_or("no result"),
                        if t.suspect { " (suspect)" } else { "" }
                    )
                })
                .chain(
                    r.cases
                        .iter()
                        .map(|c| format!("{}:{}", c.name, c.outcome.as_str())),
                )
                .collect();
            let latest = r
                .latest
                .as_ref()
                .map(|l| {
                    format!(
                        "{} {} {}",
                        l.outcome.as_str(),
                        l.executed_at.as_deref().unwrap_or(""),
                        l.source
                    )
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                })
                .unwrap_or_default();
            let row = [
                r.id.clone(),
                r.title.clone(),
                r.status.clone(),
                r.safety_class.clone(),
                r.needs.join(" "),
                r.derives_from.join(" "),
                r.hazards.join(" "),
                tests.join(" "),
                latest,
                r.gaps.join("; "),
                r.code
                    .iter()
                    .map(|c| format!("{}:{} {}", c.path, c.line, c.verb))
                    .collect::<Vec<_>>()
                    .join("; "),
            ];
            out.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        Ok(output.put("trace-matrix.csv", out.into_bytes())?)
    }
}
