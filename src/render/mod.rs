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

/// The page of an item: ids are mostly file-safe already; the few characters
/// a SOUP id from a BOM may carry (`/`, `@`, ...) are spelled `~HH`.
/// A very long id is cut, with a hash of the whole id appended, so the file
/// name stays within every file system's limit (255 bytes).
pub fn page_name(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("~{b:02X}"));
        }
    }
    if out.len() > 120 {
        use sha2::{Digest, Sha256};
        let hash = format!("{:x}", Sha256::digest(id.as_bytes()));
        out.truncate(100);
        out.push('~');
        out.push_str(&hash[..16]);
    }
    out
}
