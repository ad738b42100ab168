//! relpack's integration tests: one binary (linking typst once), a module
//! per feature. Most build an evidence tree with [`support::tree`] and run
//! the real `relpack` binary on it (the CLI contract); `rules` calls the
//! library in-process. Every helper lives in `support`.

mod approve;
mod build;
mod check;
mod cli;
mod cyclonedx;
mod digest;
mod ergonomics;
mod gates;
mod generated;
mod guard;
mod hostile_input;
mod hostile_output;
mod import;
mod incremental;
mod junit;
mod layout;
mod markers;
mod media;
mod pdf;
#[cfg(feature = "policy")]
mod policy;
mod regulatory;
mod releases;
mod riskdoc;
mod rules;
mod serve;
mod site;
mod support;
mod trust;

pub use support::*;

// What the feature modules take from here with `use super::*`.
#[allow(unused_imports)]
use std::path::{Path, PathBuf};

#[allow(unused_imports)]
use assert_cmd::Command;
#[allow(unused_imports)]
use assert_fs::prelude::*;
#[allow(unused_imports)]
use assert_fs::TempDir;
