//! `relpack approve`: write an approval record (and its SSH signature) into
//! the tree, so nobody computes a digest by hand.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Sources};
use crate::digest::{canonical_form, scope_digest};
use crate::fsroot::FileRole;
use crate::item::Kind;
use crate::stages::{Checked, Failure};

pub struct ApproveRequest {
    pub id: String,
    pub role: String,
    pub meaning: String,
    pub signer: String,
    /// None: the whole release; Some: these item ids.
    pub items: Option<Vec<String>>,
    pub key: Option<PathBuf>,
    pub principal: Option<String>,
    /// RFC 3339 with offset; default: now, in the local offset.
    pub at: Option<String>,
    /// Where to write, relative to the root; default `approvals/<id>.toml`.
    pub file: Option<String>,
}

/// Why no approval was written: the request or the evidence does not allow
/// it (exit 2), or the file could not be written (exit 3).
enum Problem {
    Invalid(String),
    Io(String),
}

impl From<String> for Problem {
    fn from(message: String) -> Problem {
        Problem::Invalid(message)
    }
}

impl From<&str> for Problem {
    fn from(message: &str) -> Problem {
        Problem::Invalid(message.to_string())
    }
}

/// Returns the path written (relative to the root). The failure's kind is
/// the exit code's class: invalid request or evidence, or I/O.
pub fn approve(root: &Path, checked: &Checked, req: &ApproveRequest) -> Result<String, Failure> {
    write_approval(root, checked, req).map_err(|p| match p {
        Problem::Invalid(m) => Failure::invalid(Sources::default(), vec![Diagnostic::error(m)]),
        Problem::Io(m) => Failure::io(m),
    })
}

fn write_approval(root: &Path, checked: &Checked, req: &ApproveRequest) -> Result<String, Problem> {
    let ev = &checked.evidence;
    if !valid_id(&req.id) {
        return Err(format!(
            "`{}` is not an item id: a letter, then letters, digits, `_`, `.` or `-`",
            req.id
        )
        .into());
    }
    for (what, value) in [("--role", &req.role), ("--signer", &req.signer)] {
        if value.trim().is_empty() {
            return Err(format!("{what} may not be empty").into());
        }
    }
    if req
        .principal
        .as_deref()
        .is_some_and(|p| p.trim().is_empty())
    {
        return Err("--principal may not be empty".into());
    }
    if ev.item(&req.id).is_some() {
        return Err(format!("an item with id `{}` already exists", req.id).into());
    }
    if !matches!(
        req.meaning.as_str(),
        "authored" | "reviewed" | "approved" | "released"
    ) {
        return Err("--meaning must be authored, reviewed, approved or released".into());
    }
    if req.key.is_some() != req.principal.is_some() {
        return Err(
            "--key and --principal go together: the principal names the key in allowed_signers"
                .into(),
        );
    }
    // `--items "REQ-1, REQ-2"`: the ids without the spaces around them.
    let items: Option<Vec<String>> = req.items.as_ref().map(|ids| {
        ids.iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect()
    });
    if items.as_ref().is_some_and(|i| i.is_empty()) {
        return Err("--items names no item".into());
    }
    let digest = match &items {
        None => checked.release_digest.clone(),
        Some(ids) => {
            let mut lines = Vec::new();
            for id in ids {
                let i = ev
                    .links
                    .get(id)
                    .ok_or_else(|| format!("no item has id `{id}`"))?;
                lines.push((ev.items[i].id.as_str(), checked.digests[i].as_str()));
            }
            scope_digest(lines)
        }
    };
    let at = match &req.at {
        Some(a) => chrono::DateTime::parse_from_rfc3339(a)
            .map_err(|e| format!("--at must be an RFC 3339 date-time with offset: {e}"))?,
        None => chrono::Local::now().fixed_offset(),
    };
    // The approval gate refuses an approval signed after the release date:
    // say so now rather than write a record that fails it.
    if at.date_naive() > ev.date {
        return Err(format!(
            "signing at {} is after the release date {}: the approval would fail the approval gate; \
             give the release date in relpack.toml ([release] date) or the signing time with --at",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ev.date
        ).into());
    }
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = String::new();
    text.push_str("# Written by `relpack approve`. The digest and the signature bind this\n");
    text.push_str("# record to exactly the evidence that was approved: do not edit it.\n");
    text.push_str("[[approval]]\n");
    text.push_str(&format!("id = {}\n", q(&req.id)));
    text.push_str(&format!("signer = {}\n", q(&req.signer)));
    text.push_str(&format!("role = {}\n", q(&req.role)));
    text.push_str(&format!("meaning = {}\n", q(&req.meaning)));
    text.push_str(&format!("signed_at = {at}\n"));
    match &items {
        None => text.push_str("scope = \"release\"\n"),
        Some(ids) => text.push_str(&format!(
            "scope = [{}]\n",
            ids.iter().map(|i| q(i)).collect::<Vec<_>>().join(", ")
        )),
    }
    text.push_str(&format!("digest = {}\n", q(&digest)));
    if let Some(p) = &req.principal {
        text.push_str(&format!("principal = {}\n", q(p)));
    }
    if let Some(key) = &req.key {
        // Sign the record exactly as relpack will read it back.
        let (items, diags) = crate::parse::toml::parse_items_file(&text, 0);
        let item = items
            .into_iter()
            .find(|i| i.kind == Kind::Approval)
            .filter(|_| diags.is_empty())
            .ok_or("internal: the approval record did not read back")?;
        let armored = crate::sign::sign_with_key(key, canonical_form(&item, &[]).as_bytes())?;
        text.push_str(&format!(
            "signature = \"\"\"\n{}\"\"\"\n",
            armored.trim_end().to_string() + "\n"
        ));
    }
    let rel = req
        .file
        .clone()
        .unwrap_or_else(|| format!("approvals/{}.toml", req.id));
    let rel = crate::link::join_inside_root("", &rel)
        .ok_or_else(|| format!("`{rel}` is outside the evidence root"))?;
    // Anything else would not be read back as an evidence file of items.
    if !rel.ends_with(".toml")
        || rel == "relpack.toml"
        || rel.split('/').any(|p| p.starts_with('.'))
    {
        return Err(format!(
            "--file `{rel}`: an approval is written to a visible `.toml` evidence file, not relpack.toml"
        ).into());
    }
    let path = root.join(&rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Problem::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    // Appending to a link would write wherever it points.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(
            format!("{rel} is a symbolic link: an approval is written to a regular file").into(),
        );
    }
    let mut existing = match checked.evidence.fsroot.read(&rel, FileRole::Items) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| format!("{rel}: not valid UTF-8"))?,
        Err(e) if e.is_not_found() => String::new(),
        Err(e) => return Err(e.to_string().into()),
    };
    if !existing.is_empty() && !existing.ends_with('\n') {
        existing.push('\n');
    }
    if !existing.is_empty() {
        existing.push('\n');
    }
    existing.push_str(&text);
    std::fs::write(&path, existing)
        .map_err(|e| Problem::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(rel)
}

/// The contract's id syntax: `^[A-Za-z][A-Za-z0-9_.-]*$`.
fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}
