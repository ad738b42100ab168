//! What `relpack check` prints: diagnostics in rustc style, a gate summary,
//! or the same as JSON (PACKET.md: status, gates, errors). Everything meant
//! for a terminal goes through [`Escaped`]: text from the evidence never
//! reaches it raw.

use std::borrow::Cow;
use std::io::Write;

use codespan_reporting::term::termcolor::{Color, ColorSpec, WriteColor};
use serde::Serialize;

use crate::diag::{self, Diagnostic, LocatedDiagnostic, Severity, Sources};
use crate::gate::{GateOutcome, GateStatus, ReleaseStatus};
use crate::stages::Checked;
pub use crate::terminal::{escape_terminal, Escaped};

#[derive(Serialize)]
struct CheckJson<'a> {
    format: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<ProductJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<ReleaseJson<'a>>,
    gates: &'a [GateOutcome],
    errors: Vec<LocatedDiagnostic>,
    warnings: Vec<LocatedDiagnostic>,
}

#[derive(Serialize)]
struct ProductJson<'a> {
    name: &'a str,
    version: &'a str,
    safety_class: &'static str,
}

#[derive(Serialize)]
struct ReleaseJson<'a> {
    date: String,
    digest: &'a str,
}

fn split(
    diags: &[Diagnostic],
    sources: &Sources,
) -> (Vec<LocatedDiagnostic>, Vec<LocatedDiagnostic>) {
    let (e, w): (Vec<_>, Vec<_>) = diags.iter().partition(|d| d.severity == Severity::Error);
    (
        e.into_iter().map(|d| d.locate(sources)).collect(),
        w.into_iter().map(|d| d.locate(sources)).collect(),
    )
}

pub fn status_word(s: ReleaseStatus) -> &'static str {
    s.word()
}

pub fn check_json(c: &Checked) -> String {
    let ev = &c.evidence;
    let (errors, warnings) = split(&c.warnings, &ev.sources);
    let out = CheckJson {
        format: "relpack-check/1",
        status: status_word(c.report.status),
        product: Some(ProductJson {
            name: &ev.config.product.name,
            version: &ev.version,
            safety_class: ev.config.product.safety_class.as_str(),
        }),
        release: Some(ReleaseJson {
            date: ev.date.to_string(),
            digest: &c.release_digest,
        }),
        gates: &c.report.gates,
        errors,
        warnings,
    };
    serde_json::to_string_pretty(&out).unwrap_or_default()
}

pub fn invalid_json(sources: &Sources, diags: &[Diagnostic]) -> String {
    let (errors, warnings) = split(diags, sources);
    let out = CheckJson {
        format: "relpack-check/1",
        status: "invalid",
        product: None,
        release: None,
        gates: &[],
        errors,
        warnings,
    };
    serde_json::to_string_pretty(&out).unwrap_or_default()
}

/// One line of evidence text: a newline in it is shown too, so it cannot
/// fake a line of relpack's own.
fn one_line(s: &str) -> Cow<'_, str> {
    if s.contains('\n') {
        Cow::Owned(s.replace('\n', "\\n"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The human summary: one line a gate, findings under the failed ones.
pub fn gate_summary(out: &mut dyn WriteColor, c: &Checked, verbose: bool) -> std::io::Result<()> {
    let out = &mut Escaped(out);
    let ev = &c.evidence;
    writeln!(
        out,
        "{} {} (released {}), safety class {}",
        ev.config.product.name,
        ev.version,
        ev.date,
        crate::gate::highest_class(ev).as_str()
    )?;
    writeln!(out, "release digest {}", c.release_digest)?;
    writeln!(out)?;
    for g in &c.report.gates {
        let (word, colour) = match g.status {
            GateStatus::Held => ("held  ", Color::Green),
            GateStatus::Failed => ("FAILED", Color::Red),
            GateStatus::Waived => ("waived", Color::Yellow),
        };
        out.set_color(ColorSpec::new().set_fg(Some(colour)).set_bold(true))?;
        write!(out, "  {word}")?;
        out.reset()?;
        write!(out, "  {}", g.id)?;
        if !g.waived_by.is_empty() {
            write!(out, " (waived by {})", g.waived_by.join(", "))?;
        }
        writeln!(out)?;
        let show = verbose || g.status == GateStatus::Failed;
        if show {
            for f in &g.findings {
                let loc = match (&f.file, f.line) {
                    (Some(file), Some(line)) => match f.column {
                        Some(col) => format!("{}:{line}:{col}: ", one_line(file)),
                        None => format!("{}:{line}: ", one_line(file)),
                    },
                    (Some(file), None) => format!("{}: ", one_line(file)),
                    _ => String::new(),
                };
                let waived = f
                    .waived_by
                    .as_ref()
                    .map(|d| format!(" [waived by {d}]"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "            {loc}{}{}",
                    one_line(&f.message),
                    one_line(&waived)
                )?;
            }
        }
    }
    writeln!(out)?;
    let colour = match c.report.status {
        ReleaseStatus::Releasable => Color::Green,
        ReleaseStatus::NotReleasable => Color::Red,
    };
    out.set_color(ColorSpec::new().set_fg(Some(colour)).set_bold(true))?;
    write!(out, "{}", c.report.status.label())?;
    out.reset()?;
    writeln!(out)?;
    Ok(())
}

pub fn emit_diagnostics(
    out: &mut dyn WriteColor,
    sources: &Sources,
    diags: &[Diagnostic],
) -> std::io::Result<()> {
    emit_failure(out, sources, diags, true)
}

/// Diagnostics, then (for invalid evidence) a closing count.
pub fn emit_failure(
    out: &mut dyn WriteColor,
    sources: &Sources,
    diags: &[Diagnostic],
    evidence: bool,
) -> std::io::Result<()> {
    let out = &mut Escaped(out);
    diag::emit(out, sources, diags)?;
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 && evidence {
        out.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_bold(true))?;
        write!(out, "error")?;
        out.reset()?;
        writeln!(
            out,
            ": the evidence is invalid: {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// SARIF 2.1.0: one result per open finding of a failed gate (and per
/// evidence error), so code-scanning UIs show it on the item's line.
pub fn sarif(checked: Option<&Checked>, sources: &Sources, diags: &[Diagnostic]) -> String {
    use serde_json::json;
    let rules: Vec<serde_json::Value> = crate::gate::GATES
        .iter()
        .map(|(id, waivable, text)| {
            json!({
                "id": id,
                "shortDescription": {"text": text},
                "properties": {"waivable": waivable}
            })
        })
        .chain(std::iter::once(json!({"id": "evidence", "shortDescription": {"text": "the evidence must parse, match its schema and link"}})))
        .collect();
    let mut results = Vec::new();
    for d in diags {
        let l = d.locate(sources);
        let mut r = json!({
            "ruleId": "evidence",
            "level": if d.severity == Severity::Error { "error" } else { "warning" },
            "message": {"text": l.message},
        });
        // Code-scanning UIs refuse a result without a location: a problem
        // of the tree as a whole is placed on relpack.toml.
        r["locations"] = json!([{"physicalLocation": {
            "artifactLocation": {"uri": l.file.as_deref().unwrap_or("relpack.toml")},
            "region": {"startLine": l.line.unwrap_or(1), "startColumn": l.column.unwrap_or(1)}
        }}]);
        results.push(r);
    }
    if let Some(c) = checked {
        for g in &c.report.gates {
            for f in &g.findings {
                let mut r = json!({
                    "ruleId": g.id,
                    "level": if f.waived_by.is_some() { "note" } else { "error" },
                    "message": {"text": match &f.waived_by {
                        Some(d) => format!("{} (waived by {d})", f.message),
                        None => f.message.clone(),
                    }},
                });
                r["locations"] = json!([{"physicalLocation": {
                    "artifactLocation": {"uri": f.file.as_deref().unwrap_or("relpack.toml")},
                    "region": {"startLine": f.line.unwrap_or(1), "startColumn": f.column.unwrap_or(1)}
                }}]);
                results.push(r);
            }
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "relpack",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://relpack.dev",
                "rules": rules
            }},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// `relpack diff` for a terminal.
pub fn change_set_text(
    out: &mut dyn Write,
    set: &crate::changes::ChangeSet,
    new_version: &str,
) -> std::io::Result<()> {
    let out = &mut Escaped(out);
    writeln!(
        out,
        "changes from {} to {new_version}",
        set.previous_version
    )?;
    writeln!(out, "added    {}", set.added.len())?;
    for a in &set.added {
        writeln!(out, "  + {} {} {}", a.kind, a.id, a.title)?;
    }
    writeln!(out, "removed  {}", set.removed.len())?;
    for a in &set.removed {
        writeln!(out, "  - {} {} {}", a.kind, a.id, a.title)?;
    }
    writeln!(out, "modified {}", set.modified.len())?;
    for m in &set.modified {
        writeln!(out, "  ~ {} {} {}", m.kind, m.id, m.title)?;
        for f in &m.fields {
            if f.diff.is_empty() {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref()
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "(absent)".into())
                };
                writeln!(
                    out,
                    "      {}: {} -> {}",
                    f.field,
                    show(&f.old),
                    show(&f.new)
                )?;
            } else {
                writeln!(out, "      {}:", f.field)?;
                for l in &f.diff {
                    if l.tag != " " {
                        writeln!(out, "        {} {}", l.tag, l.text)?;
                    }
                }
            }
        }
    }
    if !set.suspect.is_empty() {
        writeln!(out, "suspect  {}", set.suspect.len())?;
        for s in &set.suspect {
            writeln!(out, "  ! {} {}: {}", s.kind, s.id, s.reason)?;
        }
    }
    Ok(())
}

/// `relpack diff`: the item changes, then JUnit files and the requirements
/// whose verification changed.
pub fn packet_diff_text(
    out: &mut dyn Write,
    d: &crate::changes::PacketDiff,
    new_version: &str,
) -> std::io::Result<()> {
    change_set_text(out, &d.changes, new_version)?;
    let out = &mut Escaped(out);
    let j = &d.junit;
    writeln!(
        out,
        "junit    {} added, {} removed, {} changed",
        j.added.len(),
        j.removed.len(),
        j.changed.len()
    )?;
    for (sign, files) in [("+", &j.added), ("-", &j.removed)] {
        for f in files {
            writeln!(
                out,
                "  {sign} {} ({} cases, {} failed)",
                f.path, f.cases, f.failed
            )?;
        }
    }
    for f in &j.changed {
        writeln!(
            out,
            "  ~ {} (cases {} -> {}, failed {} -> {})",
            f.path, f.old_cases, f.new_cases, f.old_failed, f.new_failed
        )?;
    }
    writeln!(out, "verification {}", d.verification.len())?;
    let word = |v: bool| if v { "verified" } else { "not verified" };
    for v in &d.verification {
        if v.old_verified == v.new_verified {
            writeln!(out, "  ~ {} ({})", v.id, word(v.new_verified))?;
        } else {
            writeln!(
                out,
                "  ~ {} ({} -> {})",
                v.id,
                word(v.old_verified),
                word(v.new_verified)
            )?;
        }
        for c in &v.changes {
            writeln!(out, "      {c}")?;
        }
    }
    Ok(())
}
