//! `relpack init`: a small, valid evidence tree with one item of each kind,
//! commented, to start from.

use std::path::Path;

/// The files of a new tree (relative path, contents).
const FILES: &[(&str, &str)] = &[
    (
        "relpack.toml",
        include_str!("../templates/init/relpack.toml"),
    ),
    ("needs.toml", include_str!("../templates/init/needs.toml")),
    (
        "requirements/REQ-1.md",
        include_str!("../templates/init/REQ-1.md"),
    ),
    ("risk.toml", include_str!("../templates/init/risk.toml")),
    ("tests.toml", include_str!("../templates/init/tests.toml")),
    (
        "results/RES-1.toml",
        include_str!("../templates/init/RES-1.toml"),
    ),
    (
        "records.toml",
        include_str!("../templates/init/records.toml"),
    ),
    (
        "documents/intended-use.md",
        include_str!("../templates/init/intended-use.md"),
    ),
];

/// Write the tree; refuses to overwrite an existing relpack.toml.
pub fn init(dir: &Path) -> Result<Vec<String>, String> {
    if dir.join("relpack.toml").exists() {
        return Err(format!(
            "{} already has a relpack.toml; not overwriting it",
            dir.display()
        ));
    }
    // Every file is checked before any is written: a refusal writes nothing.
    let taken: Vec<String> = FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !taken.is_empty() {
        return Err(format!(
            "{} already exist{}; not overwriting {}, and nothing was written",
            taken.join(", "),
            if taken.len() == 1 { "s" } else { "" },
            if taken.len() == 1 { "it" } else { "them" }
        ));
    }
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(rel.to_string());
    }
    Ok(written)
}
