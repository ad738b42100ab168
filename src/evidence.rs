//! The checked, linked evidence of one release: what `load` gives the gates
//! and the packet model. Nothing here renders or decides.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::config::Config;
use crate::diag::Sources;
use crate::fsroot::EvidenceRoot;
use crate::git::GitInfo;
use crate::item::{Item, Kind};
use crate::kinds::{self, Views};
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
    /// Each item's kind-specific fields, typed; index for index with `items`.
    pub views: Views,
    pub junit: Vec<JunitFile>,
    pub links: Links,
    pub evidence_files: Vec<EvidenceFile>,
    pub git: Option<GitInfo>,
    /// The previous release's packet, when relpack.toml names one.
    pub previous: Option<crate::packet_file::PreviousPacket>,
    /// Trace markers found in `[trace] sources`.
    pub markers: crate::markers::Scan,
    /// The team's Rego policies (evidence too: in the release digest).
    pub policies: Vec<crate::policy::PolicyFile>,
    /// The figures of item texts (Markdown images of attachments), by item.
    pub figures: crate::images::Figures,
    /// The software version history: earlier packets of the product.
    pub history: crate::history::History,
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

    /// Items of one kind with their typed views.
    fn typed<'a, T: 'a>(
        &'a self,
        kind: Kind,
        view: fn(&'a Views, usize) -> Option<&'a T>,
    ) -> impl Iterator<Item = (usize, &'a Item, &'a T)> + 'a {
        self.of_kind(kind)
            .filter_map(move |(i, item)| view(&self.views, i).map(|v| (i, item, v)))
    }

    pub fn requirements(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Requirement)> {
        self.typed(Kind::Requirement, Views::requirement)
    }

    pub fn hazards(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Hazard)> {
        self.typed(Kind::Hazard, Views::hazard)
    }

    pub fn tests(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Test)> {
        self.typed(Kind::Test, Views::test)
    }

    pub fn result_records(&self) -> impl Iterator<Item = (usize, &Item, &kinds::TestResult)> {
        self.typed(Kind::Result, Views::result)
    }

    pub fn anomalies(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Anomaly)> {
        self.typed(Kind::Anomaly, Views::anomaly)
    }

    pub fn deviations(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Deviation)> {
        self.typed(Kind::Deviation, Views::deviation)
    }

    pub fn changes(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Change)> {
        self.typed(Kind::Change, Views::change)
    }

    pub fn documents(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Document)> {
        self.typed(Kind::Document, Views::document)
    }

    pub fn soups(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Soup)> {
        self.typed(Kind::Soup, Views::soup)
    }

    pub fn approvals(&self) -> impl Iterator<Item = (usize, &Item, &kinds::Approval)> {
        self.typed(Kind::Approval, Views::approval)
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
