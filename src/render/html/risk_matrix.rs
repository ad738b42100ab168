//! The risk matrix of the Risk management page, drawn as inline SVG:
//! probability up, severity across, each cell shaded by the acceptability
//! rule (decided in `verdict`, carried by the model) and holding its count
//! of hazards, before or after risk control. No script, no style
//! attribute (the pages' CSP allows neither): presentation attributes and
//! the site's stylesheet only. Level names come from relpack.toml and are
//! escaped as text.

use crate::config::ScaleLevel;
use crate::model::RiskContext;

const CELL_W: i64 = 64;
const CELL_H: i64 = 40;
/// Room for the probability labels on the left and the severity labels
/// below.
const LEFT: i64 = 128;
const TOP: i64 = 8;
const BOTTOM: i64 = 58;

/// Before (`residual` false) or after risk control.
pub fn svg(risk: &RiskContext, residual: bool) -> String {
    let m = &risk.matrix;
    let (sn, pn) = (m.severity_levels, m.probability_levels);
    let (w, h) = (LEFT + sn * CELL_W + 8, TOP + pn * CELL_H + BOTTOM);
    let which = if residual { "residual" } else { "initial" };
    let when = if residual { "after" } else { "before" };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"risk-matrix\" id=\"matrix-{which}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"matrix-{which}-title\">\
<title id=\"matrix-{which}-title\">Risk matrix {when} risk control: hazards by severity and probability; shaded green where the risk is acceptable</title>"
    );
    for c in &m.cells {
        let x = LEFT + (c.severity - 1) * CELL_W;
        let y = TOP + (pn - c.probability) * CELL_H;
        let (count, ids) = if residual {
            (c.residual, &c.residual_hazards)
        } else {
            (c.initial, &c.initial_hazards)
        };
        let (class, word) = if c.acceptable {
            ("ok", "acceptable")
        } else {
            ("bad", "not acceptable")
        };
        out.push_str(&format!(
            "<g class=\"cell {class}\" data-severity=\"{}\" data-probability=\"{}\" data-count=\"{count}\"><title>Severity {} × probability {}: {word}; {count} hazard{}{}{}</title>\
<rect x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{CELL_H}\" fill=\"{}\" stroke=\"#8a949e\" stroke-width=\"1\"/>",
            c.severity,
            c.probability,
            c.severity,
            c.probability,
            if count == 1 { "" } else { "s" },
            if ids.is_empty() { "" } else { ": " },
            escape(&ids.join(", ")),
            if c.acceptable { "#e3f4e8" } else { "#fbe7e8" },
        ));
        if count > 0 {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"700\" fill=\"#1a1f24\">{count}</text>",
                x + CELL_W / 2,
                y + CELL_H / 2 + 6
            ));
        }
        out.push_str("</g>");
    }
    for p in 1..=pn {
        let y = TOP + (pn - p) * CELL_H + CELL_H / 2 + 4;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\" font-size=\"11\" fill=\"#1a1f24\">{}</text>",
            LEFT - 6,
            label(p, &risk.probability, 18)
        ));
    }
    for s in 1..=sn {
        let x = LEFT + (s - 1) * CELL_W + CELL_W / 2;
        let y = TOP + pn * CELL_H + 14;
        out.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1f24\">{s}</text>\
<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#56606b\">{}</text>",
            y + 12,
            name(s, &risk.severity, 12)
        ));
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"700\" fill=\"#56606b\">Severity →</text>",
        LEFT + sn * CELL_W / 2,
        h - 6
    ));
    out.push_str(&format!(
        "<text x=\"12\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"700\" fill=\"#56606b\" transform=\"rotate(-90 12 {})\">Probability →</text></svg>",
        TOP + pn * CELL_H / 2,
        TOP + pn * CELL_H / 2
    ));
    out
}

/// "3 Occasional" (the name cut to `max` characters), or "3".
fn label(level: i64, scale: &[ScaleLevel], max: usize) -> String {
    let n = name(level, scale, max);
    if n.is_empty() {
        level.to_string()
    } else {
        format!("{level} {n}")
    }
}

fn name(level: i64, scale: &[ScaleLevel], max: usize) -> String {
    let Some(l) = scale.iter().find(|l| l.level == level) else {
        return String::new();
    };
    let name = l.name.trim();
    let cut: String = if name.chars().count() > max {
        name.chars().take(max - 1).chain(['…']).collect()
    } else {
        name.to_string()
    };
    escape(&cut)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MatrixCell, RiskMatrix};

    #[test]
    fn names_are_text_and_counts_are_drawn_where_hazards_are() {
        let level = |n: i64, name: &str| ScaleLevel {
            level: n,
            name: name.into(),
            description: String::new(),
        };
        let risk = RiskContext {
            acceptable_score: 2,
            severity: vec![level(1, "<script>"), level(2, "Serious")],
            probability: vec![level(1, "Rare & odd"), level(2, "Often")],
            conclusion: None,
            matrix: RiskMatrix {
                severity_levels: 2,
                probability_levels: 2,
                cells: vec![MatrixCell {
                    severity: 2,
                    probability: 2,
                    acceptable: false,
                    initial: 2,
                    residual: 0,
                    initial_hazards: vec!["HAZ-1".into(), "HAZ-2".into()],
                    residual_hazards: vec![],
                }],
            },
        };
        let before = svg(&risk, false);
        assert!(before.contains("&lt;script&gt;") && !before.contains("<script>"));
        assert!(before.contains("Rare &amp; odd"));
        assert!(before.contains("data-count=\"2\""));
        assert!(before.contains(">2</text>"));
        assert!(before.contains("HAZ-1, HAZ-2"));
        let after = svg(&risk, true);
        assert!(after.contains("data-count=\"0\"") && !after.contains(">0</text>"));
        assert!(!after.contains("style="));
    }
}
