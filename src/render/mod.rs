//! Stage 7, render: each output is one renderer reading the same packet
//! model. Renderers hand each file to an [`Output`] as soon as it is made
//! (so 100k item pages never sit in memory together); `write` provides the
//! output that stages them for an atomic rename.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod markdown_ast;
pub mod pdf;

use crate::model::Packet;

/// Where rendered files go: a path relative to the release folder and its
/// bytes. Called from many threads at once.
pub trait Output: Sync {
    /// Takes the bytes: a writer thread may still hold them after `put`
    /// returns, and 100k pages are not copied once more on the way.
    fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), OutputError>;
}

/// An output that counts the HTML pages handed to it (the progress bar's
/// "pages"), passing every file on.
pub struct Counting<'a> {
    pub inner: &'a dyn Output,
    pub pages: &'a crate::progress::Count,
}

impl Output for Counting<'_> {
    fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        if path.ends_with(".html") {
            self.pages.add(1);
        }
        self.inner.put(path, bytes)
    }
}

/// A renderer turns the packet into files (mdBook's `Renderer`, simplified).
pub trait Renderer {
    fn name(&self) -> &'static str;
    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), RenderError>;
}

/// Why a renderer could not make its files. Each is a failure of the
/// build (exit 3), never of the evidence: invalid evidence stops before
/// any renderer runs.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed on this packet: a defect of relpack's templates.
    #[error("{template}: {message}")]
    Template { template: String, message: String },
    /// typst could not lay out or export the PDF.
    #[error("{0}")]
    Pdf(String),
    /// The packet model could not be serialized.
    #[error("{0}")]
    Serialize(#[from] serde_json::Error),
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Why an output could not take a file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OutputError {
    #[error("cannot {action} {path}: {reason}")]
    Io {
        action: &'static str,
        path: String,
        reason: String,
    },
    /// A renderer named a path that leaves the release folder (a defect).
    #[error("bad output path {0}")]
    OutsideFolder(String),
    /// The writer threads stopped (after an earlier error, or a panic).
    #[error("the file writers stopped")]
    WritersStopped,
}

impl OutputError {
    pub fn io(action: &'static str, path: &std::path::Path, e: &std::io::Error) -> OutputError {
        OutputError::Io {
            action,
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

pub use crate::names::page_name;
