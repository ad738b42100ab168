//! The values that pass between the pipeline's stages: what the command
//! line adds (`Options`, `BuildOptions`), what each stage gives (`Loaded`,
//! `Checked`, `Built`) and why nothing could be produced (`Failure`). Kept
//! apart from lib.rs, which runs the stages, so that a stage can name what
//! it receives without depending on the pipeline above it.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::changes;
use crate::destination::Destination;
use crate::diag::{Diagnostic, Sources};
use crate::evidence::Evidence;
use crate::gate::GateReport;
use crate::results::TestResults;
use crate::verdict;

/// What the command line adds to the evidence.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--version`: wins over `release.version` and the git tag.
    pub version: Option<String>,
    /// `SOURCE_DATE_EPOCH`, for the release date when relpack.toml has none.
    pub source_date_epoch: Option<i64>,
    /// Used when nothing else names the version (`relpack digest` does not
    /// depend on it).
    pub fallback_version: Option<String>,
    /// Where the build writes: when it lies inside the evidence root,
    /// discovery skips it (a packet is output, never evidence).
    pub output: Option<Destination>,
    /// `--deny-warnings`: a warning found while reading the evidence fails
    /// the check (exit 2), as `[check] deny = ["warnings"]` does.
    pub deny_warnings: bool,
    /// Where long work counts what it did, for a progress bar.
    pub counters: Option<std::sync::Arc<crate::progress::Counters>>,
    /// `build --clean`: no cache of an earlier run is trusted (they are
    /// written afresh).
    pub clean: bool,
}

/// Why nothing could be produced: invalid evidence (exit 2) or I/O (exit 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Invalid,
    Io,
}

pub struct Failure {
    pub kind: FailureKind,
    pub sources: Sources,
    pub diags: Vec<Diagnostic>,
}

impl Failure {
    pub(crate) fn invalid(sources: Sources, diags: Vec<Diagnostic>) -> Failure {
        Failure {
            kind: FailureKind::Invalid,
            sources,
            diags,
        }
    }

    pub fn io(message: impl Into<String>) -> Failure {
        Failure {
            kind: FailureKind::Io,
            sources: Sources::default(),
            diags: vec![Diagnostic::error(message)],
        }
    }
}

/// The evidence, read, validated and linked, with the warnings found.
pub struct Loaded {
    pub evidence: Evidence,
    pub warnings: Vec<Diagnostic>,
    /// Parse results to keep, once nothing refuses the run.
    pub parse_cache: Option<crate::parse::cache::ParseCache>,
}

/// The evidence with everything the gates computed.
pub struct Checked {
    pub evidence: Evidence,
    pub results: TestResults,
    pub digests: Vec<String>,
    pub release_digest: String,
    pub report: GateReport,
    pub warnings: Vec<Diagnostic>,
    /// Tests made suspect by changes since the previous release.
    pub suspect: HashMap<usize, String>,
    pub changes: Option<changes::ChangeSet>,
    /// Every fact the gates and the packet both state, decided once.
    pub verdicts: verdict::Verdicts,
    /// Secrets and PHI found, and the redactor the packet model applies.
    pub guard: crate::guard::Scan,
    /// A build's parse results, kept once the destination is accepted
    /// (`check` keeps its own before returning).
    pub parse_cache: Option<crate::parse::cache::ParseCache>,
}

/// What `relpack build` adds to a check.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub out: PathBuf,
    pub pdf: bool,
    /// Write every file afresh, reusing nothing of an earlier build.
    pub clean: bool,
    /// An OpenSSH private key: sign SHA256SUMS with it (`build --sign`).
    pub sign: Option<PathBuf>,
    /// A build that replaces no earlier folder links a spare copy of its
    /// packet under `OUT/.relpack-cache/` for the next build to start from
    /// (see `reuse::link_spare`). Off in CI: a one-shot build has no
    /// next one, and an artifact of OUT would carry the copy.
    pub spare: bool,
}

pub struct Built {
    pub checked: Checked,
    pub folder: PathBuf,
}
