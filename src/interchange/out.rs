//! Writing imported items as an evidence root: `relpack.toml` and one TOML
//! file per foreign document, items in outline order. Only into OUT: file
//! names are made of safe characters, OUT must be empty unless forced, and
//! a file already there is removed before a new one is created (never
//! written through, so a link in OUT cannot lead a write outside it).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Imported, InterchangeError};

/// How to write.
pub struct OutOptions<'a> {
    pub out: &'a Path,
    /// Write into a folder that is not empty (replacing files of the same
    /// names).
    pub force: bool,
    /// `[product] name` of the new relpack.toml.
    pub product: &'a str,
    /// Where the import came from, for the files' first comment.
    pub source: &'a str,
}

/// Write the evidence root; gives the files written, relative to OUT.
pub fn write_evidence(imp: &Imported, opts: &OutOptions) -> Result<Vec<String>, InterchangeError> {
    prepare_out(opts.out, opts.force)?;
    let mut written = Vec::new();
    let config = relpack_toml(imp.tool, opts);
    write_file(opts.out, "relpack.toml", &config)?;
    written.push("relpack.toml".to_string());
    let mut used: HashSet<String> = ["relpack".to_string()].into_iter().collect();
    for doc in &imp.documents {
        if doc.items.is_empty() {
            continue;
        }
        let name = unique_name(&safe_name(&doc.name), &mut used);
        let file = format!("{name}.toml");
        let mut text = format!(
            "# Imported by `relpack import {}` from {}, document {}.\n",
            imp.tool,
            opts.source.replace('\n', " "),
            doc.name.replace('\n', " ")
        );
        for item in &doc.items {
            text.push('\n');
            text.push_str(&item_toml(item)?);
        }
        write_file(opts.out, &file, &text)?;
        written.push(file);
    }
    Ok(written)
}

/// One item as `[[kind]]` with `id` first.
fn item_toml(item: &super::ForeignItem) -> Result<String, InterchangeError> {
    let mut table = toml::Table::new();
    table.insert("id".into(), toml::Value::String(item.id.clone()));
    for (k, v) in &item.fields {
        table.insert(k.clone(), v.clone());
    }
    let mut outer = toml::Table::new();
    outer.insert(
        item.kind.name().into(),
        toml::Value::Array(vec![toml::Value::Table(table)]),
    );
    toml::to_string(&outer)
        .map_err(|e| InterchangeError::invalid(vec![format!("{}: cannot write: {e}", item.id)]))
}

fn relpack_toml(tool: &str, opts: &OutOptions) -> String {
    let name = toml::Value::String(opts.product.to_string());
    format!(
        "# Written by `relpack import {tool}`: complete the product and the release.\n\
         [product]\nname = {name}\nsafety_class = \"C\"\n\n[release]\nversion = \"0.0.0\"\n"
    )
}

/// OUT must be a folder (created if missing) and empty unless forced.
fn prepare_out(out: &Path, force: bool) -> Result<(), InterchangeError> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(InterchangeError::invalid(vec![format!(
                    "{} is not empty: give an empty or new folder, or --force to write into it",
                    out.display()
                )]));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(out)
            .map_err(|e| InterchangeError::io(format!("cannot create {}: {e}", out.display()))),
        Err(e) => Err(InterchangeError::io(format!(
            "cannot read {}: {e}",
            out.display()
        ))),
    }
}

fn write_file(out: &Path, name: &str, text: &str) -> Result<(), InterchangeError> {
    let path: PathBuf = out.join(name);
    let io =
        |e: std::io::Error| InterchangeError::io(format!("cannot write {}: {e}", path.display()));
    // Remove, then create_new: a link or file already there is replaced,
    // never followed.
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)
}

/// A file name of safe characters only: no separator, no leading dot.
pub fn safe_name(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_start_matches('.');
    if s.is_empty() {
        "items".into()
    } else {
        s.chars().take(100).collect()
    }
}

/// `name`, or `name-2`, `name-3`... if taken (compared without case, for
/// file systems that ignore it).
fn unique_name(name: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while !used.insert(candidate.to_ascii_lowercase()) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_in_out() {
        assert_eq!(safe_name("../../etc/passwd"), "-..-etc-passwd");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name("reqs/srs"), "reqs-srs");
        assert_eq!(safe_name(""), "items");
        let mut used = HashSet::new();
        assert_eq!(unique_name("SRS", &mut used), "SRS");
        assert_eq!(unique_name("srs", &mut used), "srs-2");
    }
}
