//! Trace markers in source code (stage: after link, which gives the ids a
//! marker must name). `[trace] sources` in relpack.toml lists globs relative to the
//! evidence root; the files they match (walked with the `ignore` crate, so
//! `.gitignore`, `.ignore` and hidden files are honoured as ripgrep does)
//! are read through `fsroot` and searched for comments such as
//!
//! ```text
//! // relpack: implements REQ-1, REQ-2
//! # relpack: verifies TC-3
//! <!-- relpack: implements REQ-4 -->
//! ```
//!
//! in any comment style (`//`, `#`, `--`, `/* */`, `<!-- -->`, `;`, `%`).
//! The search is one `memmem` pass per file for `relpack:`; only those
//! lines are looked at further. Gives each marker with file and line.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use sha2::Digest;

use crate::diag::Diagnostic;
use crate::fsroot::{EvidenceRoot, FileRole};

/// What a marker says of its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    Implements,
    Verifies,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Implements => "implements",
            Verb::Verifies => "verifies",
        }
    }
}

/// One id named by one marker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Marker {
    /// Relative to the evidence root, with `/`.
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub verb: Verb,
    pub id: String,
}

/// A source file with markers: its path and the SHA-256 of its bytes (the
/// release digest covers it, as it covers JUnit files).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFile {
    pub path: String,
    pub sha256: String,
}

/// Everything the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Sorted by path, line, id.
    pub markers: Vec<Marker>,
    /// The files that hold markers, sorted by path.
    pub files: Vec<SourceFile>,
    /// Files that matched but could not be read, and bad globs.
    pub problems: Vec<String>,
}

/// The globs as one set; `Err` names the bad one.
pub fn globs(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| format!("[trace] sources: `{p}`: {e}"))?;
        b.add(g);
    }
    b.build().map_err(|e| e.to_string())
}

/// Scan the files under `root` that `patterns` match.
pub fn scan(root: &EvidenceRoot, patterns: &[String]) -> Scan {
    if patterns.is_empty() {
        return Scan::default();
    }
    let set = match globs(patterns) {
        Ok(s) => s,
        Err(e) => {
            return Scan {
                problems: vec![e],
                ..Scan::default()
            }
        }
    };
    let base = root.path();
    let mut rels = Vec::new();
    let mut problems = Vec::new();
    let walk = ignore::WalkBuilder::new(base)
        .require_git(false)
        .follow_links(false)
        .build();
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                if let Some(rel) = relative(base, e.path()) {
                    if set.is_match(&rel) {
                        rels.push(rel);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("[trace] sources: {e}")),
        }
    }
    rels.sort();
    let per_file: Vec<Result<FileMarkers, String>> = rels
        .par_iter()
        .map(|rel| {
            let bytes = root
                .read(rel, FileRole::Items)
                .map_err(|e| format!("{rel}: {e}"))?;
            let markers = find_markers(rel, &bytes);
            let file = (!markers.is_empty()).then(|| SourceFile {
                path: rel.clone(),
                sha256: format!("{:x}", sha2::Sha256::digest(&bytes)),
            });
            Ok((markers, file))
        })
        .collect();
    let mut scan = Scan {
        problems,
        ..Scan::default()
    };
    for r in per_file {
        match r {
            Ok((m, f)) => {
                scan.markers.extend(m);
                scan.files.extend(f);
            }
            Err(p) => scan.problems.push(p),
        }
    }
    scan
}

/// A source file that matched `[trace] sources` but could not be read is an
/// error (no silent drop); a marker naming no item is a warning at its file
/// and line, as a commit trailer naming no item is.
pub fn diagnostics(scan: &Scan, links: &crate::link::Links) -> Vec<Diagnostic> {
    let problems = scan.problems.iter().map(|p| Diagnostic::error(p.clone()));
    let unknown = scan
        .markers
        .iter()
        .filter(|m| !links.index.contains_key(&m.id))
        .map(|m| {
            Diagnostic::warning(format!(
                "{}:{}: the marker `relpack: {} {}` names no item",
                m.path,
                m.line,
                m.verb.as_str(),
                m.id
            ))
        });
    problems.chain(unknown).collect()
}

fn relative(base: &Path, p: &Path) -> Option<String> {
    let rel = p.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// One file's markers, and the file itself when it has any.
type FileMarkers = (Vec<Marker>, Option<SourceFile>);

const NEEDLE: &[u8] = b"relpack:";

/// Every marker in one file's bytes.
pub fn find_markers(path: &str, bytes: &[u8]) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut counted_to = 0;
    for at in memchr::memmem::find_iter(bytes, NEEDLE) {
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..at]).count();
        counted_to = at;
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let (Ok(before), Ok(after)) = (
            std::str::from_utf8(&bytes[start..at]),
            std::str::from_utf8(&bytes[at + NEEDLE.len()..end]),
        ) else {
            continue;
        };
        if !in_comment(before) {
            continue;
        }
        if let Some((verb, ids)) = parse_marker(after) {
            out.extend(ids.into_iter().map(|id| Marker {
                path: path.to_string(),
                line,
                verb,
                id,
            }));
        }
    }
    out
}

/// Whether the text before `relpack:` on its line opens a comment (or
/// continues a block comment: ` * relpack: ...`).
fn in_comment(before: &str) -> bool {
    const OPENERS: [&str; 7] = ["//", "#", "--", "/*", "<!--", ";", "%"];
    let t = before.trim_start();
    OPENERS.iter().any(|o| before.contains(o)) || t.starts_with('*') || t.starts_with("'")
}

/// `implements A, B` / `verifies C` -> the verb and ids; the list ends at
/// the first word that is not an id, or at a comment's closer.
fn parse_marker(after: &str) -> Option<(Verb, Vec<String>)> {
    let rest = after.trim_start();
    let (verb, rest) = if let Some(r) = rest.strip_prefix("implements") {
        (Verb::Implements, r)
    } else if let Some(r) = rest.strip_prefix("verifies") {
        (Verb::Verifies, r)
    } else {
        return None;
    };
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let mut ids = Vec::new();
    for word in rest.split(',') {
        let word = word.trim();
        let token: String = word
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        let token = token.trim_end_matches(['.', '-']);
        if !token.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break;
        }
        ids.push(token.to_string());
        // An id followed by anything but the list's comma ends the list.
        if word.len() != token.len() {
            break;
        }
    }
    (!ids.is_empty()).then_some((verb, ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<(usize, Verb, String)> {
        find_markers("f", src.as_bytes())
            .into_iter()
            .map(|m| (m.line, m.verb, m.id))
            .collect()
    }

    #[test]
    fn comment_styles() {
        let src = "fn a() {} // relpack: implements REQ-1, REQ-2\n\
                   # relpack: verifies TC-3\n\
                   -- relpack: implements REQ-4\n\
                   /* relpack: implements REQ-5 */\n\
                   <!-- relpack: implements REQ-6 -->\n\
                    * relpack: implements REQ-7.\n\
                   let s = \"relpack: implements REQ-8\";\n\
                   ; relpack: implementsREQ-9\n";
        let got = ids(src);
        let want: Vec<(usize, Verb, String)> = vec![
            (1, Verb::Implements, "REQ-1".into()),
            (1, Verb::Implements, "REQ-2".into()),
            (2, Verb::Verifies, "TC-3".into()),
            (3, Verb::Implements, "REQ-4".into()),
            (4, Verb::Implements, "REQ-5".into()),
            (5, Verb::Implements, "REQ-6".into()),
            (6, Verb::Implements, "REQ-7".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn list_ends_at_prose() {
        assert_eq!(
            parse_marker(" implements REQ-1 and more, REQ-2").unwrap().1,
            ["REQ-1"]
        );
        assert_eq!(
            parse_marker(" implements REQ-1,REQ-2 */").unwrap().1,
            ["REQ-1", "REQ-2"]
        );
        assert!(parse_marker(" mentions REQ-1").is_none());
        assert!(parse_marker(" implements 42").is_none());
    }
}
