//! Running the policies with regorus: `deny` and `warn` rules of the
//! configured packages (as conftest reads them) against the packet as
//! input, and the `test_` rules (as `opa test` runs them).
//!
//! A `deny` or `warn` rule yields a set of messages, or of objects
//! `{"msg": ..., "items": [...]}` naming the items concerned. A result is
//! located at the rule that produced it: among the rules of that name, the
//! one whose message text starts as the result does, else the first.

use regex::Regex;
use serde_json::Value;

use super::rego::Engine;
use super::{line_of, PolicyFile};
use crate::diag::FileId;

/// `deny` or `warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Deny,
    Warn,
}

/// One result of a `deny` or `warn` rule.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub level: Level,
    pub message: String,
    pub items: Vec<String>,
    pub path: String,
    pub file: FileId,
    pub line: usize,
    /// Byte offset of the rule's head, for diagnostics.
    pub offset: usize,
}

/// One `test_` rule and whether it held.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub package: String,
    pub name: String,
    pub path: String,
    pub line: usize,
    pub passed: bool,
    /// Why it failed, when evaluation itself failed.
    pub error: Option<String>,
}

/// Parse one file alone: its package name, or (line, column, message).
pub fn parse_check(path: &str, text: &str) -> Result<String, (usize, usize, String)> {
    let mut e = Engine::new();
    match e.add(path, text) {
        Ok(()) => Ok(package_of(text).unwrap_or_default()),
        Err(err) => Err(locate_error(path, &err)),
    }
}

/// regorus places a parse error as `--> path:line:col`, then shows the
/// line, then `error: message`; anything else is placed at the top of the
/// file.
fn locate_error(path: &str, message: &str) -> (usize, usize, String) {
    let last = message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let text = last.trim().trim_start_matches("error:").trim().to_string();
    let re = Regex::new(r"--> (.*?):(\d+):(\d+)").ok();
    if let Some(c) = re.as_ref().and_then(|re| re.captures(message)) {
        if c[1].ends_with(path) {
            let line = c[2].parse().unwrap_or(1);
            let col = c[3].parse().unwrap_or(1);
            return (line, col, text);
        }
    }
    (1, 1, text)
}

fn package_of(text: &str) -> Option<String> {
    let re = Regex::new(r"(?m)^\s*package\s+([A-Za-z_][A-Za-z0-9_.]*)").ok()?;
    re.captures(text).map(|c| c[1].to_string())
}

fn loaded(files: &[PolicyFile]) -> Result<Engine, String> {
    let mut e = Engine::new();
    for f in files {
        e.add(&f.path, &f.text)
            .map_err(|err| format!("{}: {err}", f.path))?;
    }
    Ok(e)
}

/// Evaluate `deny` and `warn` of `packages` with `input` (packet.json's
/// document). `Err` when a rule fails to evaluate (a conflict, a builtin
/// error): said at the policy, as invalid evidence.
pub fn evaluate(
    files: &[PolicyFile],
    packages: &[String],
    input: &str,
) -> Result<Vec<Verdict>, String> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let mut engine = loaded(files)?;
    engine
        .set_input(input)
        .map_err(|e| format!("the packet as input: {e}"))?;
    let mut out = Vec::new();
    for pkg in packages {
        for (level, rule) in [(Level::Deny, "deny"), (Level::Warn, "warn")] {
            let heads = rule_heads(files, pkg, rule);
            if heads.is_empty() {
                continue;
            }
            let json = engine
                .eval_json(&format!("data.{pkg}.{rule}"))
                .map_err(|e| format!("data.{pkg}.{rule}: {e}"))?;
            let results: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
            for r in &results_of(&results, &format!("data.{pkg}.{rule}")) {
                let (message, items) = message_and_items(r);
                let (f, offset) = attribute(&heads, &message);
                out.push(Verdict {
                    level,
                    message,
                    items,
                    path: f.path.clone(),
                    file: f.file,
                    line: line_of(&f.text, offset),
                    offset,
                });
            }
        }
    }
    Ok(out)
}

/// The results of a rule, whatever its shape: a set (conftest's `deny
/// contains msg if ...`) gives its elements; a rule that is just true
/// (`deny if ...`), a string, or an object of messages holds too, and is
/// never ignored. False, undefined and empty give none.
fn results_of(value: &Value, rule: &str) -> Vec<Value> {
    match value {
        Value::Array(a) => a.clone(),
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::Bool(true) => vec![Value::String(format!("{rule} holds"))],
        Value::Object(o) if o.contains_key("msg") => vec![value.clone()],
        // `deny[id] := violated`: the entries whose value holds.
        Value::Object(o) => o
            .iter()
            .filter(|(_, v)| {
                !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("")
            })
            .map(|(k, v)| match v {
                Value::String(_) | Value::Object(_) => v.clone(),
                _ => Value::String(k.clone()),
            })
            .collect(),
        Value::String(s) if s.is_empty() => Vec::new(),
        other => vec![other.clone()],
    }
}

/// A result: a string, or an object with `msg` and `items` (a list of ids
/// or one id).
fn message_and_items(r: &Value) -> (String, Vec<String>) {
    match r {
        Value::String(s) => (s.clone(), Vec::new()),
        Value::Object(o) => {
            let msg = match o.get("msg") {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => r.to_string(),
            };
            let items = match o.get("items") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            (msg, items)
        }
        other => (other.to_string(), Vec::new()),
    }
}

/// The heads of rule `name` (at the start of a line) in the files of
/// package `pkg`, with the text of each rule up to the next head.
fn rule_heads<'f>(
    files: &'f [PolicyFile],
    pkg: &str,
    name: &str,
) -> Vec<(&'f PolicyFile, usize, &'f str)> {
    let Ok(re) = Regex::new(&format!(r"(?m)^{name}\b")) else {
        return Vec::new();
    };
    let any_head = Regex::new(r"(?m)^[A-Za-z_]").ok();
    let mut out = Vec::new();
    for f in files.iter().filter(|f| f.package == pkg) {
        for m in re.find_iter(&f.text) {
            let rest = &f.text[m.end()..];
            let end = any_head
                .as_ref()
                .and_then(|h| h.find(rest))
                .map(|n| m.end() + n.start())
                .unwrap_or(f.text.len());
            out.push((f, m.start(), &f.text[m.start()..end]));
        }
    }
    out
}

/// The rule whose string literal, up to its first `%` verb, starts the
/// message; else the first rule.
fn attribute<'f>(
    heads: &[(&'f PolicyFile, usize, &str)],
    message: &str,
) -> (&'f PolicyFile, usize) {
    let literal = Regex::new(r#""((?:[^"\\]|\\.)*)""#).ok();
    for &(f, offset, body) in heads {
        let found = literal
            .iter()
            .flat_map(|re| re.captures_iter(body))
            .any(|c| {
                let lit = &c[1];
                let head = lit.split('%').next().unwrap_or_default();
                head.len() >= 4 && message.starts_with(head)
            });
        if found {
            return (f, offset);
        }
    }
    (heads[0].0, heads[0].1)
}

/// Run every `test_` rule of every file (as `opa test`): a test passes when
/// it evaluates to true.
pub fn run_tests(files: &[PolicyFile]) -> Result<Vec<TestOutcome>, String> {
    let engine = loaded(files)?;
    let re = Regex::new(r"(?m)^(test_[A-Za-z0-9_]+)\b").map_err(|e| e.to_string())?;
    let mut out: Vec<TestOutcome> = Vec::new();
    for f in files {
        for c in re.captures_iter(&f.text) {
            let name = c[1].to_string();
            if out.iter().any(|t| t.package == f.package && t.name == name) {
                continue;
            }
            let offset = c.get(0).map(|m| m.start()).unwrap_or(0);
            let mut e = engine.clone();
            let (passed, error) = match e.eval_json(&format!("data.{}.{name}", f.package)) {
                Ok(v) => (v.trim() == "true", None),
                Err(err) => (false, Some(err)),
            };
            out.push(TestOutcome {
                package: f.package.clone(),
                name,
                path: f.path.clone(),
                line: line_of(&f.text, offset),
                passed,
                error,
            });
        }
    }
    Ok(out)
}
