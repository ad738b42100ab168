//! The previous release's packet.json (`release.previous`): the changes
//! and suspects of this release are computed against it.

use crate::changes::PreviousPacket;
use crate::config::Config;
use crate::diag::{Diagnostic, Sources};
use crate::evidence::Evidence;
use crate::fsroot::{EvidenceRoot, FileRole};
use crate::stages::Failure;

/// The previous release's commit, from its packet.json, to bound the
/// commits read for trailers.
pub fn commit(root: &EvidenceRoot, config: &Config) -> Option<String> {
    let prev = config.release.previous.as_ref()?;
    let bytes = root.read_beside(prev, FileRole::PreviousPacket).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.pointer("/release/source/commit")?
        .as_str()
        .map(str::to_string)
}

/// The previous release's packet.json, named by `release.previous`
/// (relative to the evidence root; it may lie outside it, as packets do).
pub fn read(ev: &Evidence) -> Result<Option<PreviousPacket>, Failure> {
    let Some(rel) = &ev.config.release.previous else {
        return Ok(None);
    };
    let path = ev.root.join(rel);
    let bytes = ev
        .fsroot
        .read_beside(rel, FileRole::PreviousPacket)
        .map_err(|e| {
            Failure::invalid(
                Sources::default(),
                vec![Diagnostic::error(format!("release.previous: {e}"))],
            )
        })?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Failure::invalid(
            Sources::default(),
            vec![Diagnostic::error(format!(
                "release.previous: {} is not a relpack packet.json: {e}",
                path.display()
            ))],
        )
    })
}
