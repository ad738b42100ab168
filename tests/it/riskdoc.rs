//! ISO 14971 context and FDA anomaly detail in the packet (issue 17): the
//! risk scales, the acceptability rule and the overall residual-risk
//! conclusion of relpack.toml, the risk matrix, each control's type, the
//! anomalies' impact, correction plan and due date (a deferred one past
//! it is an `anomaly-open` finding), and the documentation level's
//! rationale; in packet.json, the site and the PDF.

use super::*;

/// A 4 x 3 policy: severity 1..4, probability 1..3, acceptable at or
/// below 4, a conclusion, and a documentation level with its rationale.
const RISK_CONFIG: &str = r#"
[product]
name = "Test Pump"
id = "TP"
safety_class = "B"
documentation_level = "enhanced"
documentation_level_rationale = "A dosing failure could lead to serious injury before risk controls."

[release]
version = "1.0.0"
date = 2026-11-20

[risk]
acceptable_score = 4
conclusion = """
**Overall residual risk is acceptable** for release: the benefit outweighs HAZ-2.
"""

[[risk.severity]]
level = 1
name = "Negligible"
description = "No injury, inconvenience only."
[[risk.severity]]
level = 2
name = "Minor"
description = "Temporary injury the user treats alone."
[[risk.severity]]
level = 3
name = "Serious"
description = "Injury needing medical intervention."
[[risk.severity]]
level = 4
name = "Catastrophic"
description = "Death or permanent impairment."

[[risk.probability]]
level = 3
name = "Frequent"
description = "More than once a year per device."
[[risk.probability]]
level = 1
name = "Improbable"
description = "Less than once in the product's life."
[[risk.probability]]
level = 2
name = "Occasional"
description = "Once in the product's life."

[gates]
approvals = []
min_approvals = { A = 0, B = 0, C = 0 }
"#;

/// Three hazards: HAZ-1 (4x3 -> 4x1), HAZ-2 (3x3 -> 3x2, justified),
/// HAZ-3 (4x3 -> 2x1); control types on HAZ-1's two controls.
const HAZARDS: &str = r#"
[[need]]
id = "N-1"
title = "Dose safely"

[[requirement]]
id = "REQ-1"
title = "Dose limit"
text = "The pump shall limit each dose."
derives_from = ["N-1"]

[[requirement]]
id = "REQ-2"
title = "Dose warning"
text = "The pump shall warn before a large dose."
derives_from = ["N-1"]

[[test]]
id = "T-1"
title = "Limits"
method = "manual"
verifies = ["REQ-1", "REQ-2"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "A. Tester"
executed_at = 2026-11-19T10:00:00+01:00

[[hazard]]
id = "HAZ-1"
title = "Overdose"
harm = "Hypoglycaemia"
severity = 4
probability = 3
residual_severity = 4
residual_probability = 1
controls = ["REQ-1", "REQ-2"]
control_types = { REQ-1 = "protective-measure", REQ-2 = "information-for-safety" }

[[hazard]]
id = "HAZ-2"
title = "Late alarm"
harm = "Hyperglycaemia"
severity = 3
probability = 3
residual_severity = 3
residual_probability = 2
controls = ["REQ-1"]
benefit_risk = "The benefit of automatic dosing outweighs it."

[[hazard]]
id = "HAZ-3"
title = "Unit mix-up"
harm = "Hypoglycaemia"
severity = 4
probability = 3
residual_severity = 2
residual_probability = 1
controls = ["REQ-2"]
control_types = { REQ-2 = "inherent-safety-by-design" }
"#;

const ANOMALIES: &str = r#"
[[anomaly]]
id = "ANOM-1"
title = "Label cut off"
severity = "cosmetic"
status = "deferred"
rationale = "Display only."
impact = "No impact on safety or effectiveness: the value stays readable."
correction_plan = "Wrap the label in release 1.1."
due = 2027-01-31

[[anomaly]]
id = "ANOM-2"
title = "Slow history screen"
severity = "minor"
status = "open"
rationale = "Display only."
"#;

fn cell(p: &serde_json::Value, s: i64, pr: i64) -> &serde_json::Value {
    p["risk"]["matrix"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["severity"] == s && c["probability"] == pr)
        .unwrap_or_else(|| panic!("no cell {s}x{pr}"))
}

#[test]
fn risk_context_control_types_and_anomaly_detail_reach_packet_json() {
    let dir = tree(&[
        ("relpack.toml", RISK_CONFIG),
        ("e.toml", HAZARDS),
        ("a.toml", ANOMALIES),
    ]);
    let (_out, folder, code, stderr) = build_packet(dir.path(), &["--no-pdf"]);
    assert_eq!(code, 0, "{stderr}");
    let p = packet_json(&folder);
    let risk = &p["risk"];
    assert_eq!(risk["acceptable_score"], 4);
    // Scales lowest level first, whatever order relpack.toml wrote them in.
    let names = |scale: &str| -> Vec<String> {
        risk[scale]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| format!("{} {}", l["level"], l["name"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(
        names("probability"),
        ["1 Improbable", "2 Occasional", "3 Frequent"]
    );
    assert_eq!(names("severity").len(), 4);
    assert_eq!(
        risk["severity"][3]["description"],
        "Death or permanent impairment."
    );
    assert!(risk["conclusion"]
        .as_str()
        .unwrap()
        .contains("**Overall residual risk is acceptable**"));
    // The matrix: 4 severities x 3 probabilities, top row first.
    let m = &risk["matrix"];
    assert_eq!(
        (
            m["severity_levels"].as_i64(),
            m["probability_levels"].as_i64()
        ),
        (Some(4), Some(3))
    );
    let cells = m["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 12);
    assert_eq!(
        (
            cells[0]["severity"].as_i64(),
            cells[0]["probability"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(cell(&p, 4, 3)["initial"], 2);
    assert_eq!(
        cell(&p, 4, 3)["initial_hazards"],
        serde_json::json!(["HAZ-1", "HAZ-3"])
    );
    assert_eq!(cell(&p, 4, 3)["residual"], 0);
    assert_eq!(cell(&p, 3, 3)["initial"], 1);
    assert_eq!(cell(&p, 4, 1)["residual"], 1);
    assert_eq!(cell(&p, 3, 2)["residual"], 1);
    assert_eq!(cell(&p, 2, 1)["residual"], 1);
    let total = |k: &str| cells.iter().map(|c| c[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!((total("initial"), total("residual")), (3, 3));
    // Shading follows the rule: S x P <= 4.
    assert_eq!(cell(&p, 4, 1)["acceptable"], true);
    assert_eq!(cell(&p, 2, 2)["acceptable"], true);
    assert_eq!(cell(&p, 3, 2)["acceptable"], false);
    assert_eq!(cell(&p, 1, 3)["acceptable"], true);
    // Control types, and none where the hazard says none.
    let hazard = |id: &str| {
        p["hazards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        hazard("HAZ-1")["controls"][0]["control_type"],
        "protective-measure"
    );
    assert_eq!(
        hazard("HAZ-1")["controls"][1]["control_type"],
        "information-for-safety"
    );
    assert_eq!(
        hazard("HAZ-2")["controls"][0]["control_type"],
        serde_json::Value::Null
    );
    assert_eq!(
        hazard("HAZ-3")["controls"][0]["control_type"],
        "inherent-safety-by-design"
    );
    // Anomalies: the new fields, null where not written.
    let a1 = &p["anomalies"][0];
    assert_eq!(a1["id"], "ANOM-1");
    assert_eq!(
        a1["impact"],
        "No impact on safety or effectiveness: the value stays readable."
    );
    assert_eq!(a1["correction_plan"], "Wrap the label in release 1.1.");
    assert_eq!(a1["due"], "2027-01-31");
    assert_eq!(a1["overdue"], false);
    let a2 = &p["anomalies"][1];
    assert!(a2["impact"].is_null() && a2["correction_plan"].is_null() && a2["due"].is_null());
    assert_eq!(
        p["product"]["documentation_level_rationale"],
        "A dosing failure could lead to serious injury before risk controls."
    );
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("schemas/packet.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&p).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_site_shows_the_conclusion_first_the_scales_and_the_matrix_as_inline_svg() {
    let dir = tree(&[
        ("relpack.toml", RISK_CONFIG),
        ("e.toml", HAZARDS),
        ("a.toml", ANOMALIES),
    ]);
    let (_out, folder, _, _) = build_packet(dir.path(), &["--no-pdf"]);
    let html = std::fs::read_to_string(folder.join("risk.html")).unwrap();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("risk.html lacks {needle:?}"))
    };
    // The conclusion, as Markdown made HTML, before everything else.
    assert!(at("Overall residual risk</h2>") < at("Risk acceptability"));
    assert!(
        at("<strong>Overall residual risk is acceptable</strong>") < at("id=\"matrix-initial\"")
    );
    assert!(
        html.contains("href=\"items/HAZ-2.html\""),
        "ids in the conclusion link"
    );
    assert!(html.contains("at most <strong>4</strong>"));
    for text in [
        "Catastrophic",
        "Death or permanent impairment.",
        "More than once a year per device.",
    ] {
        assert!(html.contains(text), "{text}");
    }
    // Two matrices, each with a cell per level pair and its count.
    assert!(at("id=\"matrix-initial\"") < at("id=\"matrix-residual\""));
    let (before, after) = html.split_at(at("id=\"matrix-residual\""));
    let before = &before[at("id=\"matrix-initial\"")..];
    assert_eq!(before.matches("class=\"cell ").count(), 12);
    assert!(before.contains("data-severity=\"4\" data-probability=\"3\" data-count=\"2\""));
    assert!(before.contains(
        "class=\"cell bad\" data-severity=\"3\" data-probability=\"3\" data-count=\"1\""
    ));
    assert!(after
        .contains("class=\"cell ok\" data-severity=\"4\" data-probability=\"1\" data-count=\"1\""));
    assert!(after.contains(
        "class=\"cell bad\" data-severity=\"3\" data-probability=\"2\" data-count=\"1\""
    ));
    assert!(after.contains("data-severity=\"4\" data-probability=\"3\" data-count=\"0\""));
    // The CSP forbids inline style and script: the figure uses neither.
    assert!(!html.contains(" style="), "no style attribute");
    assert_eq!(html.matches("<script").count(), 1, "only search.js");
    assert!(html.contains("protective measure") && html.contains("information for safety"));
    assert!(html.contains("inherent safety by design"));

    let anomalies = std::fs::read_to_string(folder.join("anomalies.html")).unwrap();
    for text in [
        "Impact on safety and effectiveness",
        "No impact on safety or effectiveness: the value stays readable.",
        "Wrap the label in release 1.1.",
        "2027-01-31",
    ] {
        assert!(anomalies.contains(text), "{text}");
    }
    assert!(!anomalies.contains("overdue"));
    let index = std::fs::read_to_string(folder.join("index.html")).unwrap();
    assert!(index.contains("A dosing failure could lead to serious injury before risk controls."));
}

#[test]
fn the_pdf_shows_the_conclusion_scales_matrix_control_types_and_anomaly_detail() {
    let dir = tree(&[
        ("relpack.toml", RISK_CONFIG),
        ("e.toml", HAZARDS),
        ("a.toml", ANOMALIES),
    ]);
    let (_out, folder, _, _) = build_packet(dir.path(), &[]);
    let text = pdf_text(&folder.join("packet.pdf"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The section itself: after the contents, before the regulatory index,
    // which both name it too.
    let start = flat
        .match_indices("6 Risk management")
        .nth(1)
        .expect("section 6")
        .0;
    let body = &flat[start..];
    let at = |needle: &str| {
        body.find(needle)
            .unwrap_or_else(|| panic!("section 6 on lacks {needle:?}:\n{body}"))
    };
    assert!(at("Overall residual risk is acceptable for release") < at("6.1 Risk acceptability"));
    assert!(at("6.1 Risk acceptability") < at("6.2 Risk matrix"));
    assert!(at("6.2 Risk matrix") < at("6.3 Hazards"));
    for text in [
        "A risk is acceptable when its severity × probability is at most 4",
        "Death or permanent impairment.",
        "Less than once in the product's life.",
        "Before risk control",
        "After risk control",
        "protective measure",
        "information for safety",
        "inherent safety by design",
        "Impact on safety and effectiveness: No impact on safety or effectiveness: the value stays readable.",
        "Correction plan: Wrap the label in release 1.1.",
        "Due: 2027-01-31",
    ] {
        at(text);
    }
    assert!(flat.contains("A dosing failure could lead to serious injury before risk controls."));
    // The matrices' labels, probability up: 3 Frequent above 1 Improbable.
    let matrix = &body[at("Before risk control")..at("6.3 Hazards")];
    assert!(matrix.find("3 Frequent").unwrap() < matrix.find("1 Improbable").unwrap());
    assert_eq!(matrix.matches("3 Frequent").count(), 2, "{matrix}");
}

#[test]
fn a_tree_without_a_risk_table_keeps_its_verdicts_and_gets_a_bare_matrix() {
    let dir = tree(&[("relpack.toml", CONFIG), ("e.toml", HAZARDS)]);
    let (_out, folder, code, _) = build_packet(dir.path(), &["--no-pdf"]);
    let p = packet_json(&folder);
    // Default rule 6: HAZ-2's 3 x 2 is acceptable, as before.
    assert_eq!(code, 0);
    let risk = &p["risk"];
    assert_eq!(risk["acceptable_score"], 6);
    assert_eq!(risk["severity"], serde_json::json!([]));
    assert!(risk["conclusion"].is_null());
    assert_eq!(risk["matrix"]["cells"].as_array().unwrap().len(), 25);
    assert_eq!(cell(&p, 3, 2)["acceptable"], true);
    let html = std::fs::read_to_string(folder.join("risk.html")).unwrap();
    assert!(!html.contains("Overall residual risk</h2>"));
    assert!(html.contains("Not defined in relpack.toml"));
}

fn overdue_tree(status: &str, due: &str, extra: &str) -> TempDir {
    let anomaly = format!(
        "[[anomaly]]\nid = \"ANOM-7\"\ntitle = \"Label cut off\"\nseverity = \"cosmetic\"\nstatus = \"{status}\"\nrationale = \"Display only.\"\ncorrection_plan = \"Fix in 1.1.\"\ndue = {due}\n{extra}"
    );
    tree(&[("relpack.toml", CONFIG), ("anomalies.toml", &anomaly)])
}

#[test]
fn a_deferred_anomaly_past_its_due_date_is_an_anomaly_open_finding() {
    // Due the day before the release date (2026-11-20): a finding at `due`.
    let dir = overdue_tree("deferred", "2026-11-19", "");
    let (code, v) = check_json(dir.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "anomaly-open")["status"], "failed");
    let f = &gate(&v, "anomaly-open")["findings"][0];
    assert_eq!(
        f["message"],
        "anomaly ANOM-7 is deferred and its correction was due on 2026-11-19, before the release date 2026-11-20: correct it, set a new `due` with a plan, or waive it with a deviation"
    );
    assert_eq!(f["file"], "anomalies.toml");
    assert_eq!(f["line"], 8);
    let (_out, folder, _, _) = build_packet(dir.path(), &["--no-pdf"]);
    assert_eq!(packet_json(&folder)["anomalies"][0]["overdue"], true);
    let html = std::fs::read_to_string(folder.join("anomalies.html")).unwrap();
    assert!(html.contains("2026-11-19 <span class=\"gap\">overdue</span>"));

    // On the due date itself, after it, or open rather than deferred: none.
    for (status, due) in [
        ("deferred", "2026-11-20"),
        ("deferred", "2027-01-01"),
        ("open", "2026-01-01"),
    ] {
        let (code, v) = check_json(overdue_tree(status, due, "").path());
        assert_eq!(code, 0, "{status} due {due}: {v:#}");
        assert_eq!(gate(&v, "anomaly-open")["status"], "held");
    }
}

#[test]
fn a_deviation_waives_the_past_due_finding() {
    let deviation = "\n[[deviation]]\nid = \"DEV-1\"\nwaives = \"anomaly-open\"\nitems = [\"ANOM-7\"]\nreason = \"Correction moved to 1.2 by the CCB.\"\nowner = \"Q. Lead\"\nexpires = 2027-06-30\n";
    let dir = overdue_tree("deferred", "2026-10-01", deviation);
    let (code, v) = check_json(dir.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(gate(&v, "anomaly-open")["status"], "waived");
}

#[test]
fn invalid_scale_definitions_are_reported_at_once_each_at_its_line() {
    let config = format!(
        "{CONFIG}
[risk]
acceptable_score = 6

[[risk.severity]]
level = 1
name = \"Negligible\"
description = \"No injury.\"
[[risk.severity]]
level = 1
name = \"Minor\"
description = \"Small injury.\"
[[risk.severity]]
level = 4
name = \" \"
description = \"Death.\"

[[risk.probability]]
level = 7
name = \"Frequent\"
description = \"Often.\"
"
    );
    let line = |needle: &str, skip: usize| {
        config
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(needle))
            .nth(skip)
            .map(|(n, _)| n + 1)
            .unwrap()
    };
    let dir = tree(&[("relpack.toml", &config)]);
    let o = relpack().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for (message, at) in [
        (
            "[[risk.severity]] level 1 is defined twice",
            line("level = 1", 1),
        ),
        ("[[risk.severity]] `name` is blank", line("name = \" \"", 0)),
        (
            "the severity scale has no level 2, 3",
            line("[[risk.severity]]", 0),
        ),
        (
            "[[risk.probability]] `level` 7 is not 1 to 5",
            line("level = 7", 0),
        ),
    ] {
        let i = err
            .find(message)
            .unwrap_or_else(|| panic!("no {message:?} in\n{err}"));
        assert!(
            err[i..].contains(&format!("relpack.toml:{at}:")),
            "{message} not at line {at}:\n{err}"
        );
    }
}

#[test]
fn a_control_type_of_no_control_and_a_level_off_the_scale_are_errors_at_their_values() {
    let config = format!(
        "{CONFIG}
[[risk.severity]]
level = 1
name = \"Minor\"
description = \"Small injury.\"
[[risk.severity]]
level = 2
name = \"Serious\"
description = \"Death.\"
"
    );
    let hazard = r#"[[requirement]]
id = "REQ-1"
title = "Limit"
text = "The pump shall limit."

[[hazard]]
id = "HAZ-1"
title = "Overdose"
harm = "Hypoglycaemia"
severity = 3
probability = 2
controls = ["REQ-1"]
control_types = { REQ-9 = "protective-measure" }
"#;
    let dir = tree(&[("relpack.toml", &config), ("h.toml", hazard)]);
    let o = relpack().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "hazard HAZ-1: `control_types` names REQ-9, which is not one of its `controls`"
        ),
        "{err}"
    );
    assert!(err.contains("h.toml:13:"), "{err}");
    assert!(err.contains("hazard HAZ-1: `severity` 3 is above the severity scale of relpack.toml, whose levels are 1 to 2"), "{err}");
    assert!(err.contains("h.toml:10:"), "{err}");
    // An unknown control type is the schema's error, naming every option.
    let bad = hazard.replace("REQ-9 = \"protective-measure\"", "REQ-1 = \"training\"");
    let dir = tree(&[("relpack.toml", CONFIG), ("h.toml", &bad)]);
    check_refuses(dir.path(), "information-for-safety");
}

#[test]
fn the_matrix_is_counted_from_the_verdicts_in_process() {
    let dir = tree(&[("relpack.toml", RISK_CONFIG), ("e.toml", HAZARDS)]);
    let c = relpack::check(dir.path(), &relpack::Options::default())
        .unwrap_or_else(|_| panic!("refused"));
    let packet = relpack::model::Packet::build(&c, None);
    let m = &packet.risk.matrix;
    for cell in &m.cells {
        // Every cell's shading is the verdict's rule, and every hazard's
        // residual cell agrees with its own verdict.
        assert_eq!(
            cell.acceptable,
            relpack::verdict::acceptable(&c.evidence.config.risk, cell.severity, cell.probability)
        );
        for id in &cell.residual_hazards {
            let h = packet.hazards.iter().find(|h| &h.id == id).unwrap();
            assert_eq!(h.acceptable, cell.acceptable, "{id}");
        }
    }
    let residual: usize = m.cells.iter().map(|c| c.residual).sum();
    assert_eq!(residual, packet.hazards.len());
}
