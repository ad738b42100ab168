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
    /// Replace the approval with this id (a stale one, being renewed).
    pub replace: bool,
    /// Write the record even though the principal is not in allowed_signers.
    pub force: bool,
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
    check_request(checked, req)?;
    let items = requested_items(req)?;
    let digest = approved_digest(checked, items.as_deref())?;
    let at = signing_time(checked, req)?;
    let mut text = record_text(
        req,
        &checked.evidence.version,
        &at,
        items.as_deref(),
        &digest,
    );
    if let Some(key) = &req.key {
        let (lines, message, armored) = signature_lines(key, &text)?;
        if let (Some(principal), false) = (&req.principal, req.force) {
            check_signature(checked, principal, &message, &armored, &at)?;
        }
        text.push_str(&lines);
    }
    let (rel, replacing) = target_file(checked, req)?;
    write_record(root, checked, &rel, &text, replacing)?;
    Ok(rel)
}

/// Everything about the request that can be refused before any work.
fn check_request(checked: &Checked, req: &ApproveRequest) -> Result<(), Problem> {
    let ev = &checked.evidence;
    if !valid_id(&req.id) {
        return Err(format!(
            "`{}` is not an item id: a letter, then letters, digits, `_`, `.` or `-`",
            req.id
        )
        .into());
    }
    for (what, value) in [("--role", &req.role), ("--signer", &req.signer)] {
        // As the approval gate reads it: invisible characters are no name.
        if crate::text::shows_nothing(value) {
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
    match ev.item(&req.id) {
        Some(i) if req.replace && i.kind != Kind::Approval => {
            return Err(format!(
                "`{}` is a {}, not an approval: --replace replaces an approval",
                req.id, i.kind
            )
            .into())
        }
        Some(_) if !req.replace => {
            return Err(format!(
                "an item with id `{}` already exists (to renew that approval, add --replace)",
                req.id
            )
            .into())
        }
        None if req.replace => {
            return Err(format!("--replace: there is no approval `{}` to replace", req.id).into())
        }
        _ => {}
    }
    const MEANINGS: [&str; 4] = ["authored", "reviewed", "approved", "released"];
    if !MEANINGS.contains(&req.meaning.as_str()) {
        let near = match crate::suggest::nearest(&req.meaning, MEANINGS) {
            Some(n) => format!(": did you mean {n}?"),
            None => crate::suggest::nearest_any(&req.meaning, &MEANINGS)
                .map(|n| format!(" (the nearest is {n})"))
                .unwrap_or_default(),
        };
        return Err(format!(
            "--meaning must be {}, not `{}`{near}",
            crate::suggest::one_of(&MEANINGS, str::to_string),
            req.meaning,
        )
        .into());
    }
    if req.key.is_some() != req.principal.is_some() {
        return Err(
            "--key and --principal go together: the principal names the key in allowed_signers"
                .into(),
        );
    }
    if let Some(key) = req.key.as_deref().filter(|k| !k.exists()) {
        return Err(format!("cannot read private key {}: no such file", key.display()).into());
    }
    if let Some(p) = &req.principal {
        if !req.force {
            check_principal(checked, p)?;
        }
    }
    Ok(())
}

/// relpack.toml's allowed_signers file and its lines, as the approval gate
/// reads them.
fn allowed_signers(
    checked: &Checked,
    principal: &str,
) -> Result<(String, Vec<crate::sign::AllowedSigner>), Problem> {
    let ev = &checked.evidence;
    let Some(rel) = &ev.config.gates.allowed_signers else {
        return Err(format!(
            "relpack.toml names no allowed_signers file ([gates] allowed_signers), so the signature \
             of `{principal}` could not be checked; name the file, or write the record anyway with --force"
        )
        .into());
    };
    let text = ev
        .fsroot
        .read(rel, FileRole::AllowedSigners)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    Ok((rel.clone(), crate::sign::parse_allowed_signers(&text).0))
}

/// A principal the approval gate will not find in allowed_signers makes a
/// record that fails `check`: refuse it (unless --force), naming the file.
fn check_principal(checked: &Checked, principal: &str) -> Result<(), Problem> {
    let (rel, signers) = allowed_signers(checked, principal)?;
    if signers
        .iter()
        .any(|s| crate::sign::principal_matches(s, principal))
    {
        return Ok(());
    }
    let known: Vec<&str> = signers
        .iter()
        .flat_map(|s| s.principals.iter().map(String::as_str))
        .collect();
    let near = crate::suggest::nearest(principal, known.iter().copied())
        .map(|n| format!(" (did you mean {n}?)"))
        .unwrap_or_default();
    Err(format!(
        "principal `{principal}` is not in {rel}, the allowed_signers file{near}: the approval gate \
         would refuse its signature; add a line `{principal} <public key>` to {rel}, or write the \
         record anyway with --force"
    )
    .into())
}

/// `--items "REQ-1, REQ-2"`: the ids without the spaces around them.
fn requested_items(req: &ApproveRequest) -> Result<Option<Vec<String>>, Problem> {
    let items: Option<Vec<String>> = req.items.as_ref().map(|ids| {
        ids.iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect()
    });
    if items.as_ref().is_some_and(|i| i.is_empty()) {
        return Err("--items names no item".into());
    }
    Ok(items)
}

/// The release digest, or the digest of the listed items.
fn approved_digest(checked: &Checked, items: Option<&[String]>) -> Result<String, Problem> {
    let ev = &checked.evidence;
    let Some(ids) = items else {
        return Ok(checked.release_digest.clone());
    };
    let mut lines = Vec::new();
    for id in ids {
        let i = ev
            .links
            .get(id)
            .ok_or_else(|| format!("no item has id `{id}`"))?;
        lines.push((ev.items[i].id.as_str(), checked.digests[i].as_str()));
    }
    Ok(scope_digest(lines))
}

/// `--at`, or now; never after the release date.
fn signing_time(checked: &Checked, req: &ApproveRequest) -> Result<String, Problem> {
    let ev = &checked.evidence;
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
    Ok(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

/// The record, unsigned.
fn record_text(
    req: &ApproveRequest,
    release: &str,
    at: &str,
    items: Option<&[String]>,
    digest: &str,
) -> String {
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
    text.push_str(&format!("release = {}\n", q(release)));
    match items {
        None => text.push_str("scope = \"release\"\n"),
        Some(ids) => text.push_str(&format!(
            "scope = [{}]\n",
            ids.iter().map(|i| q(i)).collect::<Vec<_>>().join(", ")
        )),
    }
    text.push_str(&format!("digest = {}\n", q(digest)));
    if let Some(p) = &req.principal {
        text.push_str(&format!("principal = {}\n", q(p)));
    }
    text
}

/// The `signature = """..."""` lines: the record signed exactly as relpack
/// will read it back; with the message signed and the armored signature.
fn signature_lines(key: &Path, text: &str) -> Result<(String, String, String), Problem> {
    refuse_public_key(key)?;
    let (items, diags) = crate::parse::toml::parse_items_file(text, 0);
    let item = items
        .into_iter()
        .find(|i| i.kind == Kind::Approval)
        .filter(|_| diags.is_empty())
        .ok_or("internal: the approval record did not read back")?;
    let message = canonical_form(&item, &[]);
    let armored = crate::sign::sign_with_key(key, message.as_bytes())?;
    let lines = format!(
        "signature = \"\"\"\n{}\"\"\"\n",
        armored.trim_end().to_string() + "\n"
    );
    Ok((lines, message, armored))
}

/// The signature just made, checked as the approval gate will check it
/// (allowed_signers, the principal's keys, their namespaces and validity
/// at `signed_at`): a key allowed_signers does not list for the principal
/// made a record that failed `check` at once. Refused unless --force.
fn check_signature(
    checked: &Checked,
    principal: &str,
    message: &str,
    armored: &str,
    at: &str,
) -> Result<(), Problem> {
    let (rel, signers) = allowed_signers(checked, principal)?;
    let at = chrono::DateTime::parse_from_rfc3339(at).ok();
    crate::sign::verify_at(message.as_bytes(), armored, principal, &signers, at)
        .map(|_| ())
        .map_err(|why| {
            format!(
                "the approval gate would refuse this signature ({why}): sign with a key {rel} \
                 lists for `{principal}`, or write the record anyway with --force"
            )
            .into()
        })
}

/// A public key where the private key is needed: say so, and name the
/// private key beside it, rather than a key parser's "PEM preamble".
fn refuse_public_key(key: &Path) -> Result<(), Problem> {
    let Ok(bytes) = std::fs::read(key) else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(&bytes);
    let first = text.trim_start();
    let public = ssh_key::PublicKey::from_openssh(first.lines().next().unwrap_or_default()).is_ok()
        || first.starts_with("-----BEGIN SSH2 PUBLIC KEY-----");
    if !public {
        return Ok(());
    }
    let private = key
        .to_str()
        .and_then(|k| k.strip_suffix(".pub"))
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    let hint = match private {
        Some(p) => format!("; the private key beside it is {}", p.display()),
        None => String::new(),
    };
    Err(format!(
        "--key {} is a public key: signing needs the private key (the public one goes in \
         allowed_signers){hint}",
        key.display()
    )
    .into())
}

/// Where the record goes: `--file`, the replaced approval's file, or
/// `approvals/<id>.toml`; and whether it replaces that file's content.
fn target_file(checked: &Checked, req: &ApproveRequest) -> Result<(String, bool), Problem> {
    let ev = &checked.evidence;
    if req.replace {
        let old = ev.item(&req.id).ok_or("--replace: no such approval")?;
        let path = ev.sources.path(old.origin.file).to_string();
        let others: Vec<&str> = ev
            .items
            .iter()
            .filter(|i| i.origin.file == old.origin.file && i.id != req.id)
            .map(|i| i.id.as_str())
            .collect();
        if !others.is_empty() {
            return Err(format!(
                "--replace: {path} holds {} besides {}; remove approval {} from it by hand, \
                 then approve again without --replace",
                others.join(", "),
                req.id,
                req.id
            )
            .into());
        }
        if !path.ends_with(".toml") {
            return Err(format!(
                "--replace: approval {} is written in {path}, not a TOML file; remove it by hand, \
                 then approve again without --replace",
                req.id
            )
            .into());
        }
        return Ok((path, true));
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
    Ok((rel, false))
}

/// Append the record to `rel` (or replace its content).
fn write_record(
    root: &Path,
    checked: &Checked,
    rel: &str,
    text: &str,
    replace: bool,
) -> Result<(), Problem> {
    let path = root.join(rel);
    // Neither the file nor a folder on its way may be a link: writing
    // through one would write wherever it points, out of the root too.
    let mut at = root.to_path_buf();
    let mut shown = String::new();
    for part in Path::new(rel).components() {
        at.push(part);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(&part.as_os_str().to_string_lossy());
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "{shown} is a symbolic link: an approval is written to a regular file in a folder of the evidence root, never through a link"
            )
            .into());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Problem::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut existing = match checked.evidence.fsroot.read(rel, FileRole::Items) {
        Ok(_) if replace => String::new(),
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
    existing.push_str(text);
    std::fs::write(&path, existing)
        .map_err(|e| Problem::Io(format!("cannot write {}: {e}", path.display())))
}

/// The contract's id syntax: `^[A-Za-z][A-Za-z0-9_.-]*$`.
fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}
