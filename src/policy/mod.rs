//! Policies as code: the team's Rego files (`policies/` in the evidence
//! root, or `[policy] paths`), read with the evidence (they are evidence:
//! listed in the packet and covered by the release digest), checked to
//! parse (a policy that does not is invalid evidence, at its file and
//! line), evaluated by regorus against the packet (`eval.rs`) and tested
//! by their own `test_` rules (`relpack policy test`).

pub mod eval;
mod rego;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::PolicyConfig;
use crate::diag::{Diagnostic, FileId, Sources};
use crate::fsroot::{EvidenceRoot, FileRole};

/// One `.rego` file of the evidence.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// Relative to the evidence root, with `/`.
    pub path: String,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
    pub file: FileId,
    pub text: String,
    /// The name after `package`.
    pub package: String,
}

/// The `.rego` files under the configured paths, sorted, each read through
/// the evidence root and added to `sources`; a file that does not parse is
/// an error at its line.
pub fn load(
    fsroot: &EvidenceRoot,
    config: &PolicyConfig,
    sources: &mut Sources,
) -> (Vec<PolicyFile>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut paths = Vec::new();
    for rel in &config.paths {
        let abs = fsroot.path().join(rel);
        if abs.is_file() {
            paths.push(rel.trim_start_matches("./").to_string());
        } else if abs.is_dir() {
            collect(fsroot.path(), &abs, &mut paths);
        } else if config.paths != PolicyConfig::default().paths {
            diags.push(Diagnostic::error(format!(
                "relpack.toml: [policy] paths: `{rel}` is neither a .rego file nor a folder in the evidence root"
            )));
        }
    }
    paths.sort();
    paths.dedup();
    let mut files = Vec::new();
    for rel in paths {
        let bytes = match fsroot.read(&rel, FileRole::Items) {
            Ok(b) => b,
            Err(e) => {
                diags.push(Diagnostic::error(format!("{rel}: {e}")));
                continue;
            }
        };
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let Ok(text) = String::from_utf8(bytes) else {
            diags.push(Diagnostic::error(format!(
                "{rel}: a policy must be UTF-8 text"
            )));
            continue;
        };
        let file = sources.add(rel.clone(), text.clone());
        match eval::parse_check(&rel, &text) {
            Ok(package) => files.push(PolicyFile {
                path: rel,
                sha256,
                file,
                text,
                package,
            }),
            Err((line, col, msg)) => {
                let start = offset_of(&text, line, col);
                diags.push(
                    Diagnostic::error(format!("policy {rel} does not parse: {msg}"))
                        .at(file, start..(start + 1).min(text.len())),
                );
            }
        }
    }
    (files, diags)
}

/// Every `.rego` file under `dir`, relative to `root`; hidden entries skipped.
fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .flatten()
    {
        let p = entry.path();
        if entry.file_type().is_file() && p.extension().is_some_and(|x| x == "rego") {
            if let Ok(rel) = p.strip_prefix(root) {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
}

/// Byte offset of 1-based `line` and `col` (characters).
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map(|(i, _)| i + 1)
            .unwrap_or(text.len())
    };
    let rest = &text[start..];
    let line_text = &rest[..rest.find('\n').unwrap_or(rest.len())];
    start
        + line_text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(line_text.len())
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
