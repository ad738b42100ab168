//! The checked, linked evidence of one release: what `load` gives the gates
//! and the packet model. Nothing here renders or decides.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::config::Config;
use crate::diag::Sources;
use crate::fsroot::EvidenceRoot;
use crate::git::GitInfo;
use crate::item::{Item, Kind};
use crate::link::Links;
use crate::parse::junit::{JunitCase, JunitFile};
use crate::parse::EvidenceFile;

pub struct Evidence {
    pub root: PathBuf,
    /// The root every evidence file is read through.
    pub fsroot: EvidenceRoot,
    pub config: Config,
    pub version: String,
    pub date: NaiveDate,
    pub sources: Sources,
    /// Sorted by id (bytewise).
    pub items: Vec<Item>,
    pub junit: Vec<JunitFile>,
    pub links: Links,
    pub evidence_files: Vec<EvidenceFile>,
    pub git: Option<GitInfo>,
    /// The team's Rego policies (evidence too: in the release digest).
    pub policies: Vec<crate::policy::PolicyFile>,
}

impl Evidence {
    /// Item `i`'s attachments as written, with the digests of their bytes:
    /// part of its canonical form.
    pub fn attachment_digests(&self, i: usize) -> &[(String, String)] {
        self.links
            .attachment_digests
            .get(&i)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.links.get(id).map(|i| &self.items[i])
    }

    /// The JUnit cases that verify requirement `r` by their own `verifies`
    /// property, with the file each was read from.
    pub fn cases_verifying(&self, r: usize) -> impl Iterator<Item = (&JunitFile, &JunitCase)> {
        self.links
            .verified_by_cases
            .get(&r)
            .into_iter()
            .flatten()
            .map(|&b| {
                let b = &self.links.bindings[b];
                let file = &self.junit[b.file];
                (file, &file.cases[b.case])
            })
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = (usize, &Item)> {
        self.items
            .iter()
            .enumerate()
            .filter(move |(_, i)| i.kind == kind)
    }

    /// Where an item was read from: path and 1-based line.
    pub fn location(&self, item: &Item) -> (String, usize) {
        let (line, _) = self
            .sources
            .line_col(item.origin.file, item.origin.span.start);
        (self.sources.path(item.origin.file).to_string(), line)
    }

    /// Location of one value of an item (by JSON pointer).
    pub fn value_location(&self, item: &Item, pointer: &str) -> (String, usize) {
        let span = item.origin.span_of(pointer);
        let (line, _) = self.sources.line_col(item.origin.file, span.start);
        (self.sources.path(item.origin.file).to_string(), line)
    }
}
