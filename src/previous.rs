//! The previous release's packet.json (`release.previous`, relative to the
//! evidence root; it may lie outside it, as packets do): read once per
//! build, for the commits to trace since it and the changes and suspects
//! of this release.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::fsroot::{EvidenceRoot, FileRole};
use crate::packet_file::PreviousPacket;

/// The previous packet, if relpack.toml names one; an error (invalid
/// evidence) when it cannot be read or is not a packet.json.
pub fn read(root: &EvidenceRoot, config: &Config) -> Result<Option<PreviousPacket>, Diagnostic> {
    let Some(rel) = &config.release.previous else {
        return Ok(None);
    };
    let bytes = root
        .read_beside(rel, FileRole::PreviousPacket)
        .map_err(|e| Diagnostic::error(format!("release.previous: {e}")))?;
    crate::packet_file::previous(&bytes).map(Some).map_err(|e| {
        Diagnostic::error(format!(
            "release.previous: {} is not a relpack packet.json: {e}",
            root.path().join(rel).display()
        ))
    })
}
