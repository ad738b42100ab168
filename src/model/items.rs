//! The items of the packet, with where each was read and what links to
//! it; and the evidence index.

use std::collections::BTreeMap;

use crate::fasthash::HashMap;

use rayon::prelude::*;
use serde_json::Value;

use super::{EvidenceEntry, PacketItem};
use crate::item::Kind;
use crate::stages::Checked;

pub fn items(c: &Checked) -> Vec<PacketItem> {
    let ev = &c.evidence;
    // Items, with where each came from and what points at it.
    let mut referenced: Vec<BTreeMap<String, Vec<String>>> = vec![BTreeMap::new(); ev.items.len()];
    // "requirement.derives_from": one name per kind and link field, made
    // once, not once per link (a 100k-item tree has 300k links).
    let mut relations: HashMap<(Kind, &str), String> = HashMap::default();
    for item in &ev.items {
        for &(field, _) in item.kind.links() {
            for target in item.links(field) {
                if let Some(t) = ev.links.get(target) {
                    let rel = relations
                        .entry((item.kind, field))
                        .or_insert_with(|| format!("{}.{field}", item.kind));
                    let map = &mut referenced[t];
                    let list = match map.get_mut(rel.as_str()) {
                        Some(list) => list,
                        None => map.entry(rel.clone()).or_default(),
                    };
                    if list.last() != Some(&item.id) {
                        list.push(item.id.clone());
                    }
                }
            }
        }
    }
    let items: Vec<PacketItem> = ev
        .items
        .par_iter()
        .zip(referenced.into_par_iter())
        .enumerate()
        .map(|(i, (item, referenced_by))| {
            let (file, line) = if item.from_bom && item.origin.span.is_empty() {
                (ev.sources.path(item.origin.file).to_string(), 1)
            } else {
                ev.location(item)
            };
            PacketItem {
                id: item.id.clone(),
                kind: item.kind,
                title: item.title().to_string(),
                digest: c.digests[i].clone(),
                file,
                line,
                fields: std::sync::Arc::clone(&item.fields),
                referenced_by,
                attachments: ev.links.attachments_of.get(&i).cloned().unwrap_or_default(),
                attachment_digests: ev
                    .attachment_digests(i)
                    .iter()
                    .map(|(path, sha)| (path.clone(), Value::String(sha.clone())))
                    .collect(),
                redacted: false,
            }
        })
        .collect();
    items
}

/// Every evidence file with the items read from it.
pub fn evidence_index(c: &Checked, items: &[PacketItem]) -> Vec<EvidenceEntry> {
    let ev = &c.evidence;
    let mut by_file: HashMap<&str, Vec<String>> = HashMap::default();
    for item in items {
        by_file
            .entry(item.file.as_str())
            .or_default()
            .push(item.id.clone());
    }
    for (i, paths) in &ev.links.attachments_of {
        for p in paths {
            by_file
                .entry(p.as_str())
                .or_default()
                .push(ev.items[*i].id.clone());
        }
    }
    let evidence = ev
        .evidence_files
        .iter()
        .map(|f| {
            let mut ids = by_file.get(f.path.as_str()).cloned().unwrap_or_default();
            ids.sort();
            ids.dedup();
            EvidenceEntry {
                path: f.path.clone(),
                size: f.size,
                sha256: f.sha256.clone(),
                items: ids,
            }
        })
        .collect();

    evidence
}
