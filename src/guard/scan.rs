//! Every string relpack would publish, scanned once: item fields (Markdown
//! bodies are the `text` field; SOUP from BOMs are items too), JUnit case
//! names and messages, text attachments, relpack.toml's strings, evidence
//! files' paths, and the git commits traced to items. A match is located in the
//! file it was read from (line and column of the text as written there,
//! or of the value when the text was written with escapes).

use rayon::prelude::*;
use serde_json::Value;

use super::rules::{Match, Rules};
use crate::diag::FileId;
use crate::evidence::Evidence;
use crate::fsroot::FileRole;
use crate::item::Item;

/// Fields that name the team's people or suppliers (an email address there
/// is a contact, not a patient's), and fields of ids and package URLs
/// (`SOUP-foo@1.0.dev` is no address).
const NO_EMAIL_FIELDS: &[&str] = &[
    "supplier",
    "owner",
    "signer",
    "principal",
    "executed_by",
    "approved_by",
    "author",
    "id",
    "purl",
];

/// Cryptographic values, never text: an SSH signature's base64 could
/// otherwise look like a key id by chance.
const SKIPPED_FIELDS: &[&str] = &["signature", "digest"];

/// Text attachments are scanned up to this size (larger files are data
/// relpack never publishes as text).
const ATTACHMENT_TEXT_LIMIT: u64 = 16 << 20;

/// A match before it is located: which file, from which byte to search.
pub struct Raw {
    pub rule: usize,
    pub text: String,
    pub place: String,
    pub items: Vec<String>,
    pub at: Locator,
}

/// How to find a match's line and column.
pub enum Locator {
    /// In a file kept in `Sources`: search from this byte (the value's
    /// start); `None` as the end searches the whole rest of the file.
    Source {
        file: FileId,
        start: usize,
        end: Option<usize>,
    },
    /// In a JUnit report, read again: its text, from the case's line.
    Text {
        path: String,
        text: std::sync::Arc<str>,
        line: usize,
    },
    /// Known already (an attachment is scanned as it is on disk).
    Exact {
        path: String,
        line: usize,
        column: usize,
    },
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn pointer(path: &[Seg<'_>]) -> String {
    let mut p = String::new();
    for s in path {
        p.push('/');
        match s {
            Seg::Key(k) => p.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => p.push_str(&i.to_string()),
        }
    }
    p
}

fn walk<'a>(v: &'a Value, path: &mut Vec<Seg<'a>>, f: &mut dyn FnMut(&[Seg<'a>], &'a str)) {
    match v {
        Value::String(s) => f(path, s),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(x, path, f);
                path.pop();
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                path.push(Seg::Key(k));
                walk(x, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Every string of the evidence that the packet would show.
pub fn scan_evidence(rules: &Rules, ev: &Evidence) -> Vec<Raw> {
    let mut raw: Vec<Raw> = ev
        .items
        .par_iter()
        .flat_map_iter(|item| scan_item(rules, item))
        .collect();
    raw.extend(
        ev.junit
            .par_iter()
            .enumerate()
            .flat_map_iter(|(fi, _)| scan_junit(rules, ev, fi))
            .collect::<Vec<_>>(),
    );
    raw.extend(scan_attachments(rules, ev));
    raw.extend(scan_config(rules, ev));
    raw.extend(scan_paths(rules, ev));
    raw.extend(scan_commits(rules, ev));
    raw
}

/// The tables of relpack.toml whose strings the packet shows: the
/// product, the release's version, the risk policy (its conclusion, its
/// scales' names). Others are settings relpack reads (`[guard]`'s own
/// patterns, paths, globs), never published.
const PUBLISHED_TABLES: &[&str] = &["product", "release", "risk"];

/// Keys of those tables that hold a path, not published text.
const CONFIG_PATHS: &[&str] = &["previous"];

/// relpack.toml's published strings, as written.
fn scan_config(rules: &Rules, ev: &Evidence) -> Vec<Raw> {
    let Some(file) = (0..ev.sources.len()).find(|&f| ev.sources.path(f) == "relpack.toml") else {
        return Vec::new();
    };
    let Ok(table) = toml::from_str::<toml::Table>(&ev.sources.get(file).text) else {
        return Vec::new();
    };
    let published: serde_json::Map<String, Value> = table
        .into_iter()
        .filter(|(k, _)| PUBLISHED_TABLES.contains(&k.as_str()))
        .filter_map(|(k, v)| Some((k, serde_json::to_value(v).ok()?)))
        .collect();
    let value = Value::Object(published);
    let mut out = Vec::new();
    walk(&value, &mut Vec::new(), &mut |p, s| {
        let key = p.iter().rev().find_map(|seg| match seg {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        });
        if key.is_some_and(|k| CONFIG_PATHS.contains(&k)) {
            return;
        }
        // The manufacturer's address and mail are a contact, not a patient's.
        let manufacturer = key == Some("manufacturer");
        let contact = manufacturer || key.is_some_and(|k| NO_EMAIL_FIELDS.contains(&k));
        for m in rules.find(s) {
            let kind = rules.rule(m.rule).kind.as_str();
            if (contact && kind == "email address") || (manufacturer && kind == "street address") {
                continue;
            }
            let place = format!(
                "relpack.toml, `{}`",
                pointer(p).trim_start_matches('/').replace('/', ".")
            );
            out.push(raw(
                m,
                s,
                place,
                Vec::new(),
                Locator::Source {
                    file,
                    start: 0,
                    end: None,
                },
            ));
        }
    });
    out
}

/// The paths of evidence files, which the packet lists.
fn scan_paths(rules: &Rules, ev: &Evidence) -> Vec<Raw> {
    let mut out = Vec::new();
    // JUnit reports are evidence files too: each path once.
    for path in ev.evidence_files.iter().map(|f| f.path.as_str()) {
        for m in rules.find(path) {
            let at = Locator::Exact {
                path: path.to_string(),
                line: 1,
                column: 1,
            };
            out.push(raw(m, path, format!("the path of {path}"), Vec::new(), at));
        }
    }
    out
}

/// The commits traced to items by their trailers: their summaries and
/// authors are in the packet's changes (an author's address is a contact).
fn scan_commits(rules: &Rules, ev: &Evidence) -> Vec<Raw> {
    let mut out = Vec::new();
    for c in ev.git.iter().flat_map(|g| &g.traced) {
        let short = c.commit.get(..12).unwrap_or(&c.commit);
        for (what, text) in [("message", &c.summary), ("author", &c.author)] {
            for m in rules.find(text) {
                if what == "author" && rules.rule(m.rule).kind == "email address" {
                    continue;
                }
                let at = Locator::Exact {
                    path: format!("git commit {short}"),
                    line: 1,
                    column: 1,
                };
                out.push(raw(
                    m,
                    text,
                    format!("the {what} of git commit {short}"),
                    c.items.clone(),
                    at,
                ));
            }
        }
    }
    out
}

fn scan_item(rules: &Rules, item: &Item) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    let whole_file = item.from_bom && item.origin.span.is_empty();
    for (key, value) in item.fields.iter() {
        if SKIPPED_FIELDS.contains(&key.as_str()) {
            continue;
        }
        path.push(Seg::Key(key));
        let contact = NO_EMAIL_FIELDS.contains(&key.as_str())
            || item.kind.links().iter().any(|(f, _)| f == key);
        walk(value, &mut path, &mut |p, s| {
            for m in rules.find(s) {
                if contact && rules.rule(m.rule).kind == "email address" {
                    continue;
                }
                let (start, end) = if whole_file {
                    (0, None)
                } else {
                    let span = item.origin.span_of(&pointer(p));
                    (span.start, Some(span.end))
                };
                out.push(raw(
                    m,
                    s,
                    format!("{} {}, field `{key}`", item.kind, item.id),
                    vec![item.id.clone()],
                    Locator::Source {
                        file: item.origin.file,
                        start,
                        end,
                    },
                ));
            }
        });
        path.pop();
    }
    out
}

fn raw(m: Match, s: &str, place: String, items: Vec<String>, at: Locator) -> Raw {
    Raw {
        rule: m.rule,
        text: s[m.range].to_string(),
        place,
        items,
        at,
    }
}

/// The tests a JUnit case is bound to, by binding.
fn case_tests(ev: &Evidence, file: usize, case: usize) -> Vec<String> {
    let mut ids: Vec<String> = ev
        .links
        .bindings
        .iter()
        .filter(|b| b.file == file && b.case == case)
        .flat_map(|b| b.tests.iter().map(|&t| ev.items[t].id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn scan_junit(rules: &Rules, ev: &Evidence, fi: usize) -> Vec<Raw> {
    let file = &ev.junit[fi];
    let mut found = Vec::new();
    for (ci, case) in file.cases.iter().enumerate() {
        let fields = [
            ("name", Some(case.name.as_str())),
            ("message", case.message.as_deref()),
        ];
        for (what, text) in fields {
            let Some(text) = text else { continue };
            for m in rules.find(text) {
                found.push((ci, case.line as usize, what, m, text));
            }
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    // Read again only when something was found: the report was streamed.
    let text: std::sync::Arc<str> = ev
        .fsroot
        .read(&file.path, FileRole::Junit)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
        .into();
    found
        .into_iter()
        .map(|(ci, line, what, m, s)| {
            raw(
                m,
                s,
                format!("JUnit case {what} in {}", file.path),
                case_tests(ev, fi, ci),
                Locator::Text {
                    path: file.path.clone(),
                    text: text.clone(),
                    line,
                },
            )
        })
        .collect()
}

/// Attachments that are text (UTF-8 without NUL bytes): what an item
/// attaches is evidence a reader may open from the packet's index.
fn scan_attachments(rules: &Rules, ev: &Evidence) -> Vec<Raw> {
    let mut list: Vec<(&str, usize)> = ev
        .links
        .attachments_of
        .iter()
        .flat_map(|(&i, paths)| paths.iter().map(move |p| (p.as_str(), i)))
        .collect();
    list.sort();
    list.par_iter()
        .flat_map_iter(|&(path, i)| {
            let size = ev
                .evidence_files
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.size)
                .unwrap_or(u64::MAX);
            if size > ATTACHMENT_TEXT_LIMIT {
                return Vec::new();
            }
            let Ok(bytes) = ev.fsroot.read(path, FileRole::Attachment) else {
                return Vec::new();
            };
            let Ok(text) = String::from_utf8(bytes) else {
                return Vec::new();
            };
            if text.contains('\0') {
                return Vec::new();
            }
            let item = &ev.items[i];
            rules
                .find(&text)
                .into_iter()
                .map(|m| {
                    let (line, column) = line_col(&text, m.range.start);
                    raw(
                        m,
                        &text,
                        format!("attachment {path} of {} {}", item.kind, item.id),
                        vec![item.id.clone()],
                        Locator::Exact {
                            path: path.to_string(),
                            line,
                            column,
                        },
                    )
                })
                .collect()
        })
        .collect()
}

/// Line and column (1-based, in characters) of `needle` in `text`, searched
/// from byte `from` up to `to`; `fallback` where the text was written with
/// escapes and is not found as it reads.
pub fn locate_in(text: &str, from: usize, to: Option<usize>, needle: &str) -> Option<usize> {
    let from = floor(text, from.min(text.len()));
    let to = to
        .map(|t| floor(text, t.min(text.len())))
        .unwrap_or(text.len());
    if from > to {
        return None;
    }
    text[from..to].find(needle).map(|p| from + p)
}

fn floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset where 1-based `line` starts.
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map(|(i, _)| i + 1)
        .unwrap_or(text.len())
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, text[start..offset].chars().count() + 1)
}
