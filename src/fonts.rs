//! Extra PDF fonts named in relpack.toml: read from inside the evidence
//! root and checked to be fonts when the config is read.

use crate::fsroot::{EvidenceRoot, FileRole};

/// An extra PDF font must be a font file inside the evidence root.
pub fn read_font(root: &EvidenceRoot, rel: &str) -> Result<Vec<u8>, String> {
    root.read(rel, FileRole::Font).map_err(|e| e.to_string())
}

pub fn check_font(root: &EvidenceRoot, rel: &str) -> Result<(), String> {
    let bytes = read_font(root, rel)?;
    let path = rel;
    if typst::text::Font::iter(typst::foundations::Bytes::new(bytes))
        .next()
        .is_none()
    {
        return Err(format!(
            "{path} is not a font file (TrueType, OpenType or a collection)"
        ));
    }
    Ok(())
}
