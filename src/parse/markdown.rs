//! Markdown items: a `+++` line, TOML front matter, a `+++` line, then the
//! body, which becomes the item's `text`. A Markdown file without front
//! matter is not evidence (a README beside the evidence is fine).

use serde_json::Value;

use super::toml::{item_from_table, parse_table};
use crate::diag::{Diagnostic, FileId};
use crate::item::{Item, Kind};

/// Whether a Markdown file opens with front matter, so it is evidence.
pub fn has_front_matter(text: &str) -> bool {
    first_line(text) == "+++"
}

/// Whether the raw bytes open like an item (their first non-blank line is a
/// `+++` fence, give or take white space), before they are known to be text.
pub fn opens_with_fence(bytes: &[u8]) -> bool {
    // UTF-16 with a byte-order mark (Windows PowerShell 5 writes it): the
    // fence as it would read once decoded.
    let unit = |pair: &[u8], le: bool| {
        u16::from_be_bytes(if le {
            [pair[1], pair[0]]
        } else {
            [pair[0], pair[1]]
        })
    };
    for (bom, le) in [([0xFF, 0xFE], true), ([0xFE, 0xFF], false)] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            let head = &rest[..rest.len().min(4096) & !1];
            let units: Vec<u16> = head.chunks_exact(2).map(|p| unit(p, le)).collect();
            return opens_with_fence(String::from_utf16_lossy(&units).as_bytes());
        }
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty())
        .is_some_and(|l| l == b"+++")
}

/// A Markdown file without front matter that looks as if it was meant to
/// have some: a `+++` fence with white space around it or after blank
/// lines, or a `kind = ...` line. The contract says such a file is not
/// evidence; relpack says so rather than leave an item out silently. A
/// near-miss fence (or `kind =` under a `---` / `+++` line) is an error, a
/// `kind =` line elsewhere a warning.
pub fn near_miss(text: &str, file: FileId) -> Option<Diagnostic> {
    let mut offset = 0;
    let mut fence_like = false;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            offset += line.len();
            continue;
        }
        if content.trim() == "+++" {
            let why = if offset > 0 {
                "blank lines come before its `+++` fence: front matter must start on the first line"
            } else {
                "its `+++` fence has white space around it"
            };
            return Some(
                Diagnostic::error(format!(
                    "this file looks like an item but would not be read: {why}"
                ))
                .at(file, offset..offset + content.len())
                .label("front matter fence")
                .note("an item's Markdown file opens with a first line holding just `+++`"),
            );
        }
        let t = content.trim_start();
        fence_like = t.starts_with("+++") || t.starts_with("---");
        break;
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n').take(60) {
        let t = line.trim_start();
        let is_kind = t
            .strip_prefix("kind")
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        // YAML front matter naming an item kind (`kind: requirement`): an
        // item written for another tool, not a page of a docs site.
        let is_yaml_kind = fence_like
            && t.strip_prefix("kind:").is_some_and(|rest| {
                let kind = rest.trim().trim_matches(['"', '\'']);
                crate::item::Kind::from_name(kind).is_some()
            });
        let d = match (is_yaml_kind, is_kind, fence_like) {
            (true, _, _) => Diagnostic::error(
                "this file looks like an item but would not be read: its front matter is YAML, relpack reads TOML",
            ),
            (false, true, true) => Diagnostic::error(
                "this file looks like an item but would not be read: its front matter is not fenced by `+++` lines",
            ),
            (false, true, false) => Diagnostic::warning(
                "this file has a `kind = ...` line but no front matter, so it is not evidence",
            ),
            (false, false, _) => {
                offset += line.len();
                continue;
            }
        };
        let start = offset + (line.len() - t.len());
        let span = start..start + t.trim_end().len();
        return Some(
            d.at(file, span)
                .label("looks like an item's kind")
                .note("an item's Markdown file opens with a line holding just `+++`, then TOML (`kind = \"requirement\"`), then `+++`"),
        );
    }
    None
}

fn first_line(text: &str) -> &str {
    text.split('\n').next().unwrap_or("").trim_end_matches('\r')
}

/// The closing `+++` line after `from`: where it starts, and where the
/// body after it starts.
fn closing_line(text: &str, from: usize) -> Option<(usize, usize)> {
    let mut pos = from;
    while pos < text.len() {
        let line_end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        if text[pos..line_end].trim_end_matches('\r') == "+++" {
            return Some((pos, (line_end + 1).min(text.len())));
        }
        pos = line_end + 1;
    }
    None
}

/// The front matter's `kind`, which names the item's kind.
fn kind_of(
    table: &toml::Spanned<toml::de::DeTable<'_>>,
    file: FileId,
    fm_start: usize,
) -> Result<Kind, Diagnostic> {
    let kind_value = table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "kind")
        .map(|(_, v)| (v.get_ref().as_str(), v.span()));
    match kind_value {
        Some((Some(name), span)) => Kind::from_name(name).ok_or_else(|| {
            Diagnostic::error(format!("unknown kind `{name}`"))
                .at(file, span.start + fm_start..span.end + fm_start)
                .note(format!(
                    "the kinds are: {}",
                    Kind::ALL.map(|k| k.name()).join(", ")
                ))
        }),
        Some((None, span)) => Err(Diagnostic::error("`kind` must be a string")
            .at(file, span.start + fm_start..span.end + fm_start)),
        None => Err(Diagnostic::error("front matter has no `kind`")
            .at(file, 0..3)
            .note("add a line such as `kind = \"requirement\"`")),
    }
}

pub fn parse_markdown_item(text: &str, file: FileId) -> (Option<Item>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let fm_start = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let fm_end = closing_line(text, fm_start);
    let Some((fm_end, body_start)) = fm_end else {
        diags.push(
            Diagnostic::error("front matter is not closed")
                .at(file, 0..3)
                .label("opened here")
                .note("end the TOML front matter with a line holding just `+++`"),
        );
        return (None, diags);
    };
    let front = &text[fm_start..fm_end];
    let Some(table) = parse_table(front, file, fm_start, &mut diags) else {
        return (None, diags);
    };
    let table_span = fm_start..fm_end;
    let kind = match kind_of(&table, file, fm_start) {
        Ok(k) => k,
        Err(d) => {
            diags.push(d);
            return (None, diags);
        }
    };
    let Some(mut item) = item_from_table(
        kind,
        table.get_ref(),
        table_span.clone(),
        file,
        fm_start,
        true,
        &mut diags,
    ) else {
        return (None, diags);
    };
    let body = text[body_start..].replace("\r\n", "\n");
    let body = body.trim();
    if !body.is_empty() {
        if item.fields.contains_key("text") {
            diags.push(
                Diagnostic::error("`text` is given twice: in the front matter and as the body")
                    .at(file, item.origin.span_of("/text")),
            );
        }
        std::sync::Arc::make_mut(&mut item.fields)
            .insert("text".into(), Value::String(body.to_string()));
        item.origin
            .value_spans
            .push("/text", body_start..text.len());
    } else if !item.fields.contains_key("text") {
        // An empty body is an empty text, as `text = ""` would be.
        std::sync::Arc::make_mut(&mut item.fields)
            .insert("text".into(), Value::String(String::new()));
        item.origin
            .value_spans
            .push("/text", body_start..text.len());
    }
    // The item starts at the opening `+++`.
    item.origin.span = 0..3;
    (Some(item), diags)
}
