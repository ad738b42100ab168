//! The figures of item texts: each Markdown image of an attachment, with
//! the file its copy has in the packet. The bytes ride along (not in
//! packet.json) so the site and the PDF show them without reading a file.

use std::sync::Arc;

use serde::Serialize;

use crate::stages::Checked;

/// One image of an item's text, as the packet shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FigureEntry {
    /// The item whose text shows it.
    pub item: String,
    /// The image's target as written in the Markdown.
    pub target: String,
    /// The attachment, relative to the evidence root.
    pub source: String,
    /// Its copy in the packet: `attachments/<sha256>.<ext>`, named by its
    /// content (one copy however many items show it; no evidence path in
    /// a packet path).
    pub file: String,
    pub media_type: &'static str,
    pub sha256: String,
    /// Pixels (null for SVG).
    pub width: Option<u32>,
    pub height: Option<u32>,
    #[serde(skip)]
    pub bytes: Arc<[u8]>,
}

/// Every figure, by item id, then in order of first use in its text.
pub fn figures(c: &Checked) -> Vec<FigureEntry> {
    let ev = &c.evidence;
    let mut out: Vec<FigureEntry> = ev
        .figures
        .iter()
        .flat_map(|(&i, list)| {
            list.iter().map(move |f| FigureEntry {
                item: ev.items[i].id.clone(),
                target: f.target.clone(),
                source: f.path.clone(),
                file: format!("attachments/{}.{}", f.sha256, f.format.extension()),
                media_type: f.format.media_type(),
                sha256: format!("sha256:{}", f.sha256),
                width: f.size.map(|s| s.0),
                height: f.size.map(|s| s.1),
                bytes: f.bytes.clone(),
            })
        })
        .collect();
    // Items are sorted by id already; keep each item's own order.
    out.sort_by(|a, b| a.item.as_bytes().cmp(b.item.as_bytes()));
    out
}
