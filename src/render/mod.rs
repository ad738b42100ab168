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

    /// Place the file an earlier build made from inputs that hash to `key`
    /// (see [`input_key`]) without making it again. `false`: there is none,
    /// or it cannot be proven intact; the caller renders it and hands it to
    /// [`Output::put_keyed`]. Only the staging folder of an incremental
    /// build has earlier files; every other output renders everything.
    fn reuse(&self, _path: &str, _key: &str) -> Result<bool, OutputError> {
        Ok(false)
    }

    /// [`Output::put`], remembering the key of the file's inputs for the
    /// next build.
    fn put_keyed(&self, path: &str, _key: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        self.put(path, bytes)
    }

    /// A part of a page (rows of a big section) that an earlier build
    /// rendered from inputs with this key; `None`: render it.
    fn part(&self, _key: &str) -> Option<String> {
        None
    }

    /// Keep a part just rendered for later builds.
    fn keep_part(&self, _key: &str, _html: &str) {}

    /// A file written as it is made (packet.json: 180 MB at 100k items,
    /// never held whole in memory), placed when [`FileWriter::finish`]
    /// returns. An output that keeps files in memory collects it and
    /// [`Output::put`]s it.
    fn create<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, OutputError> {
        Ok(Box::new(Collect {
            out: self,
            path: path.to_string(),
            bytes: Vec::new(),
        }))
    }

    /// [`Output::put`] (or with a key, [`Output::put_keyed`]) of a file
    /// given as its pieces in order (a big section page: its template's
    /// text and its rows' parts, 30 MB at 100k items). An output that
    /// writes files writes the pieces as they are instead of joining them.
    fn put_pieces(
        &self,
        path: &str,
        key: Option<&str>,
        pieces: &[&[u8]],
    ) -> Result<(), OutputError> {
        match key {
            Some(key) => self.put_keyed(path, key, pieces.concat()),
            None => self.put(path, pieces.concat()),
        }
    }
}

/// The key of a rendered file's inputs: SHA-256 over what makes relpack's
/// renderers what they are (its version, its templates and assets, and the
/// binary itself, by size and modification time, so a rebuilt relpack
/// never reuses what an older one rendered) and the file's whole view,
/// serialized. The renderers are pure functions of these, so equal keys
/// mean equal bytes. `None`: the view cannot be serialized; render.
pub fn input_key<T: serde::Serialize>(template: &str, view: &T, extra: &str) -> Option<String> {
    input_key_raw(template, &[], view, extra)
}

/// [`input_key`] of a view some of whose parts are already serialized and
/// hashed (`raw`: the digests of packet.json's bytes of the rows shown,
/// `None` where the view has no such part), the rest serialized here.
pub fn input_key_raw<T: serde::Serialize>(
    template: &str,
    raw: &[Option<&[u8]>],
    view: &T,
    extra: &str,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(RENDERER_IDENTITY.as_bytes());
    for part in [template, extra] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update((raw.len() as u64).to_le_bytes());
    for part in raw {
        match part {
            Some(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            }
            None => h.update(u64::MAX.to_le_bytes()),
        }
    }
    {
        // serde_json writes token by token; SHA-256 wants blocks.
        let mut w = std::io::BufWriter::with_capacity(16 * 1024, HashWriter(&mut h));
        serde_json::to_writer(&mut w, view).ok()?;
        std::io::Write::flush(&mut w).ok()?;
    }
    Some(format!("{:x}", h.finalize()))
}

/// The one way a keyed file is made: linked from the earlier build when
/// `out` has it under `key`, else rendered and handed over with its key.
pub fn reuse_or_render(
    out: &dyn Output,
    path: &str,
    key: Option<String>,
    render: impl FnOnce() -> Result<Vec<u8>, RenderError>,
) -> Result<(), RenderError> {
    if let Some(key) = &key {
        if out.reuse(path, key)? {
            return Ok(());
        }
    }
    let bytes = render()?;
    match &key {
        Some(key) => out.put_keyed(path, key, bytes)?,
        None => out.put(path, bytes)?,
    }
    Ok(())
}

struct HashWriter<'a>(&'a mut sha2::Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// relpack's version, its site templates and assets, and the running
/// binary's size and mtime, hashed once. Without a readable binary the
/// identity is unique to this process: nothing is reused.
static RENDERER_IDENTITY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for (name, text) in html::template_sources() {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.update(crate::parse::cache::binary_identity().as_bytes());
    format!("{:x}", h.finalize())
});

/// A file being written to an [`Output`] (see [`Output::create`]).
pub trait FileWriter: std::io::Write + Send {
    /// The file is whole: place it. Dropped unfinished, it is never placed.
    fn finish(self: Box<Self>) -> Result<(), OutputError>;
}

/// [`Output::create`] of an output that takes files whole.
struct Collect<'a, O: ?Sized> {
    out: &'a O,
    path: String,
    bytes: Vec<u8>,
}

impl<O: Output + ?Sized> std::io::Write for Collect<'_, O> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<O: Output + ?Sized> FileWriter for Collect<'_, O> {
    fn finish(self: Box<Self>) -> Result<(), OutputError> {
        self.out.put(&self.path, self.bytes)
    }
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

    fn reuse(&self, path: &str, key: &str) -> Result<bool, OutputError> {
        let reused = self.inner.reuse(path, key)?;
        if reused && path.ends_with(".html") {
            self.pages.add(1);
        }
        Ok(reused)
    }

    fn put_keyed(&self, path: &str, key: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        if path.ends_with(".html") {
            self.pages.add(1);
        }
        self.inner.put_keyed(path, key, bytes)
    }

    fn part(&self, key: &str) -> Option<String> {
        self.inner.part(key)
    }

    fn keep_part(&self, key: &str, html: &str) {
        self.inner.keep_part(key, html)
    }

    fn put_pieces(
        &self,
        path: &str,
        key: Option<&str>,
        pieces: &[&[u8]],
    ) -> Result<(), OutputError> {
        if path.ends_with(".html") {
            self.pages.add(1);
        }
        self.inner.put_pieces(path, key, pieces)
    }

    fn create<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, OutputError> {
        if path.ends_with(".html") {
            self.pages.add(1);
        }
        self.inner.create(path)
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
