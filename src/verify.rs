//! `relpack verify`: is a packet folder intact and true? SHA256SUMS against
//! the files, packet.json's digests against its items, its release digest
//! against its items and JUnit files, and (with the evidence root) against
//! the evidence as it is now.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::digest::{canonical_fields, sha256_prefixed};
use crate::item::Kind;

/// What differs; empty means the packet verified.
pub fn verify_packet(folder: &Path) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let sums = std::fs::read_to_string(folder.join("SHA256SUMS"))
        .map_err(|e| format!("cannot read {}/SHA256SUMS: {e}", folder.display()))?;
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for (n, line) in sums.lines().enumerate() {
        let Some((hash, path)) = line.split_once("  ") else {
            problems.push(format!("SHA256SUMS line {}: not `<sha256>  <path>`", n + 1));
            continue;
        };
        listed.insert(path.to_string(), hash.to_string());
    }
    for (path, hash) in &listed {
        if crate::link::join_inside_root("", path).as_deref() != Some(path.as_str()) {
            problems.push(format!(
                "SHA256SUMS names `{path}`, which is not inside the packet"
            ));
            continue;
        }
        match std::fs::read(folder.join(path)) {
            Ok(bytes) => {
                let actual = format!("{:x}", Sha256::digest(&bytes));
                if &actual != hash {
                    problems.push(format!(
                        "{path}: SHA-256 is {actual}, SHA256SUMS says {hash}"
                    ));
                }
            }
            Err(e) => problems.push(format!(
                "{path}: listed in SHA256SUMS but cannot be read: {e}"
            )),
        }
    }
    for entry in walkdir::WalkDir::new(folder).into_iter().flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = crate::discover::relative(folder, entry.path());
        if rel != "SHA256SUMS" && !listed.contains_key(&rel) {
            problems.push(format!("{rel}: in the packet but not in SHA256SUMS"));
        }
    }
    let text = std::fs::read_to_string(folder.join("packet.json"))
        .map_err(|e| format!("cannot read packet.json: {e}"))?;
    let packet: Value = serde_json::from_str(&text).map_err(|e| format!("packet.json: {e}"))?;
    problems.extend(check_digests(&packet));
    Ok(problems)
}

/// Recompute every item digest and the release digest from packet.json.
pub fn check_digests(packet: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut lines: Vec<(String, String)> = Vec::new();
    for item in packet["items"].as_array().into_iter().flatten() {
        let id = item["id"].as_str().unwrap_or_default();
        let Some(kind) = item["kind"].as_str().and_then(Kind::from_name) else {
            problems.push(format!("item {id}: unknown kind"));
            continue;
        };
        let Some(fields) = item["fields"].as_object() else {
            problems.push(format!("item {id}: no fields"));
            continue;
        };
        let attachments: Vec<(String, String)> = item["attachment_digests"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, d)| (p.clone(), d.as_str().unwrap_or_default().to_string()))
            .collect();
        let digest = sha256_prefixed(canonical_fields(kind, fields, &attachments).as_bytes());
        let stated = item["digest"].as_str().unwrap_or_default();
        if digest != stated {
            problems.push(format!(
                "item {id}: digest of its fields is {digest}, packet.json says {stated}"
            ));
        }
        if kind != Kind::Approval {
            lines.push((id.to_string(), digest));
        }
    }
    lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut h = Sha256::new();
    for (id, d) in &lines {
        h.update(format!("{id} {d}\n").as_bytes());
    }
    let mut junit: Vec<(&str, &str)> = packet["verification"]["junit_files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default(),
                f["sha256"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    junit.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (path, sha) in junit {
        h.update(format!("junit:{path} sha256:{sha}\n").as_bytes());
    }
    let release = format!("sha256:{:x}", h.finalize());
    let stated = packet["release"]["digest"].as_str().unwrap_or_default();
    if release != stated {
        problems.push(format!(
            "release digest of the items is {release}, packet.json says {stated}"
        ));
    }
    problems
}
