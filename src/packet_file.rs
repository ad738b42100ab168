//! Reading a packet.json back, in one place: the previous release's
//! (`release.previous`, read once per build), the two that `relpack diff`
//! compares, the summary of each release in OUT, and the whole document
//! that `relpack verify` checks. Each reader takes only the parts it needs
//! and tolerates anything else, so packets of other relpack versions read.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

/// The parts of an earlier packet.json this needs; tolerant of anything else.
#[derive(Debug, Clone, Deserialize)]
pub struct PreviousPacket {
    /// `relpack-packet/1`: checked, or any JSON object would read as an
    /// empty packet (every item "added", no word of the wrong file).
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub product: PreviousProduct,
    /// A packet.json has a release with a version and a digest ([`previous`]
    /// checks): `{"format": ...}` alone would read as an empty packet.
    #[serde(default)]
    pub release: PreviousRelease,
    #[serde(default)]
    pub items: Vec<PreviousItem>,
    #[serde(default)]
    pub evidence: Vec<PreviousFile>,
    #[serde(default)]
    pub approvals: Vec<PreviousApproval>,
    #[serde(default)]
    pub requirements: Vec<PreviousRequirement>,
    #[serde(default)]
    pub verification: PreviousVerification,
    #[serde(default)]
    pub changes: PreviousChanges,
}

/// What a packet says changed since the release it was built against: only
/// which one, and what it found suspect (`relpack diff` shows it).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousChanges {
    #[serde(default)]
    pub since_previous: Option<PreviousSince>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousSince {
    #[serde(default)]
    pub previous_digest: String,
    #[serde(default)]
    pub suspect: Vec<PreviousSuspect>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreviousSuspect {
    pub id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
}

/// An approval as the previous packet checked it.
#[derive(Debug, Clone, Deserialize)]
pub struct PreviousApproval {
    pub id: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub current: bool,
}

/// A requirement's verification as the packet states it.
#[derive(Debug, Clone, Deserialize)]
pub struct PreviousRequirement {
    pub id: String,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub tests: Vec<PreviousTestRef>,
    #[serde(default)]
    pub cases: Vec<PreviousCaseRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreviousTestRef {
    pub id: String,
    #[serde(default)]
    pub outcome: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreviousCaseRef {
    pub name: String,
    #[serde(default)]
    pub outcome: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousVerification {
    #[serde(default)]
    pub junit_files: Vec<PreviousJunit>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreviousJunit {
    pub path: String,
    pub sha256: String,
    #[serde(default)]
    pub cases: usize,
    #[serde(default)]
    pub failed: usize,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousProduct {
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousRelease {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub digest: String,
    /// Null in a packet built outside git.
    #[serde(default)]
    pub source: Option<PreviousSource>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousSource {
    /// The commit the previous release was built from, if it was in git.
    #[serde(default)]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreviousItem {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub title: String,
    pub digest: String,
    #[serde(default)]
    pub fields: Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreviousFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a relpack packet.json: {source}", path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// The `format` of the packet.json this relpack writes and reads.
pub const FORMAT: &str = "relpack-packet/1";

/// An earlier packet, for changes since it (and `relpack diff`).
pub fn previous(bytes: &[u8]) -> Result<PreviousPacket, serde_json::Error> {
    let mut p: PreviousPacket = serde_json::from_slice(bytes)?;
    known_format(p.format.as_deref())?;
    // The contract's minimal packet names its version under `product`.
    if p.release.version.trim().is_empty() {
        p.release.version = p.product.version.clone();
    }
    if p.release.version.trim().is_empty() || p.release.digest.trim().is_empty() {
        use serde::de::Error;
        return Err(serde_json::Error::custom(
            "its release has no version or no digest",
        ));
    }
    Ok(p)
}

/// A packet.json says it is one (`format`), in a format this relpack reads.
fn known_format(format: Option<&str>) -> Result<(), serde_json::Error> {
    use serde::de::Error;
    match format {
        Some(FORMAT) => Ok(()),
        Some(other) => Err(serde_json::Error::custom(format!(
            "its format is {other:?}, this relpack reads {:?}",
            FORMAT
        ))),
        None => Err(serde_json::Error::custom(format!(
            "it has no \"format\": {:?}",
            FORMAT
        ))),
    }
}

/// [`previous`], read from a file.
pub fn read_previous(path: &Path) -> Result<PreviousPacket, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    previous(&bytes).map_err(|source| ReadError::Format {
        path: path.to_path_buf(),
        source,
    })
}

/// The whole document, as `relpack verify` recomputes its digests.
pub fn document(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// What OUT's list of releases shows of each packet.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Summary {
    pub status: String,
    pub product: SummaryProduct,
    pub release: SummaryRelease,
    #[serde(default)]
    pub measures: Option<SummaryMeasures>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct SummaryProduct {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct SummaryRelease {
    pub version: String,
    pub date: String,
    pub status_label: String,
}

/// A packet's summary; serde skips the rest without building it.
pub fn summary(bytes: &[u8]) -> Result<Summary, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// What the software version history shows of an earlier packet: its
/// release, status, how much it changed since its own predecessor, and the
/// pointer to that predecessor it recorded (`history.previous`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryRecord {
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub product: HistoryProduct,
    #[serde(default)]
    pub release: HistoryRelease,
    #[serde(default)]
    pub changes: HistoryChanges,
    #[serde(default)]
    pub history: Option<HistoryPointer>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryProduct {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryRelease {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub status_label: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryChanges {
    #[serde(default)]
    pub since_previous: Option<HistorySince>,
}

/// `changes.since_previous`, counted: only the lengths are kept.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistorySince {
    #[serde(default)]
    pub previous_version: String,
    #[serde(default)]
    pub previous_digest: String,
    #[serde(default, deserialize_with = "count")]
    pub added: usize,
    #[serde(default, deserialize_with = "count")]
    pub modified: usize,
    #[serde(default, deserialize_with = "count")]
    pub removed: usize,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryPointer {
    /// The previous packet.json, relative to this packet's folder.
    #[serde(default)]
    pub previous: Option<String>,
}

/// The length of a list, its elements skipped unbuilt.
fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    Ok(Vec::<serde::de::IgnoredAny>::deserialize(d)?.len())
}

/// An earlier packet's history record.
pub fn history_record(bytes: &[u8]) -> Result<HistoryRecord, serde_json::Error> {
    let r: HistoryRecord = serde_json::from_slice(bytes)?;
    known_format(r.format.as_deref())?;
    Ok(r)
}

/// This release's measures as a packet in OUT records them (`measures`);
/// absent from packets made before relpack had them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct SummaryMeasures {
    #[serde(default)]
    pub requirements: usize,
    #[serde(default)]
    pub requirements_traced: usize,
    #[serde(default)]
    pub traced_percent: f64,
    #[serde(default)]
    pub deviations_in_force: usize,
    #[serde(default)]
    pub open_anomalies: std::collections::BTreeMap<String, usize>,
    #[serde(default)]
    pub tests_by_outcome: std::collections::BTreeMap<String, usize>,
    #[serde(default)]
    pub days_first_approval_to_release: Option<i64>,
}
