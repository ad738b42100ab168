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
    fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), String>;
}

/// A renderer turns the packet into files (mdBook's `Renderer`, simplified).
pub trait Renderer {
    fn name(&self) -> &'static str;
    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), String>;
}

pub use crate::names::page_name;
