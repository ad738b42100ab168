//! Stage 1, discover: walk the evidence root and classify every file by its
//! name. Hidden files, `exclude` globs and symbolic links that leave the root
//! are skipped; nothing is read yet.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::diag::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileClass {
    /// `*.toml`: arrays of tables named by kind.
    Items,
    /// `*.md`: an item when it opens with front matter.
    Markdown,
    /// `*.xml`: JUnit when its root is `<testsuites>` / `<testsuite>`.
    Xml,
    /// `*.cdx.json`, `bom.json`.
    BomJson,
    /// `*.cdx.xml`.
    BomXml,
    /// Anything else: an attachment if an item names it.
    Other,
}

#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Relative to the root, with `/`.
    pub rel: String,
    pub abs: PathBuf,
    pub class: FileClass,
}

pub fn classify(name: &str) -> FileClass {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".cdx.json") || lower == "bom.json" {
        FileClass::BomJson
    } else if lower.ends_with(".cdx.xml") {
        FileClass::BomXml
    } else if lower.ends_with(".toml") {
        FileClass::Items
    } else if lower.ends_with(".md") {
        FileClass::Markdown
    } else if lower.ends_with(".xml") {
        FileClass::Xml
    } else {
        FileClass::Other
    }
}

pub fn build_excludes(globs: &[String]) -> Result<GlobSet, Diagnostic> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g)
            .map_err(|e| Diagnostic::error(format!("relpack.toml: bad exclude glob `{g}`: {e}")))?;
        b.add(glob);
    }
    b.build()
        .map_err(|e| Diagnostic::error(format!("relpack.toml: exclude: {e}")))
}

/// Every file under `root` that may be evidence, sorted by relative path.
/// `relpack.toml` at the root is not listed: it is read on its own.
pub fn discover(root: &Path, excludes: &GlobSet) -> (Vec<FoundFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic::warning(format!(
                    "cannot read part of the tree: {e}"
                )));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let rel = relative(root, entry.path());
        if excludes.is_match(&rel) {
            continue;
        }
        let ft = entry.file_type();
        let abs = if ft.is_symlink() {
            // A link is read only if it lands on a file inside the root.
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) && target.is_file() => {
                    entry.path().to_path_buf()
                }
                Ok(target) if target.starts_with(&canonical_root) => {
                    if !target.is_dir() {
                        diags.push(Diagnostic::warning(format!(
                            "{rel}: symbolic link to a special file (a FIFO, socket or device); not read"
                        )));
                    }
                    continue;
                }
                _ => {
                    diags.push(Diagnostic::warning(format!(
                        "{rel}: symbolic link leaves the evidence root (or is broken); not read"
                    )));
                    continue;
                }
            }
        } else if ft.is_file() {
            entry.path().to_path_buf()
        } else {
            if !ft.is_dir() {
                diags.push(Diagnostic::warning(format!(
                    "{rel}: a special file (a FIFO, socket or device), not a regular file; not read"
                )));
            }
            continue;
        };
        if rel == "relpack.toml" {
            continue;
        }
        let class = classify(&entry.file_name().to_string_lossy());
        files.push(FoundFile { rel, abs, class });
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    (files, diags)
}

pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
