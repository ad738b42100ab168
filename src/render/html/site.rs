//! What every page of one packet's site shares: the packet, its texts
//! rendered once, and the header each page shows.

use crate::fasthash::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::sections::{Section, SECTIONS};
use crate::model::json::JsonParts;
use crate::model::{Packet, PacketItem};
use crate::names::page_name;
use crate::render::markdown::{to_html_linked, ImagePolicy};

/// Stands for the path back to the release folder in rendered texts, so
/// each text is rendered once for its item page and its section page.
const ROOT: &str = "\u{1}root\u{1}";

pub struct Site<'p> {
    pub p: &'p Packet,
    pub with_pdf: bool,
    pub csp: String,
    /// Every item's Markdown text as safe HTML, ids in it linked.
    texts: HashMap<&'p str, String>,
    /// packet.json's digests of its elements, by which pages made from
    /// them are keyed; `None` until packet.json is written (then every
    /// page is rendered).
    pub json: Option<JsonParts>,
}

impl<'p> Site<'p> {
    pub fn new(p: &'p Packet, with_pdf: bool, images: &ImagePolicy) -> Site<'p> {
        Site {
            p,
            with_pdf,
            csp: images.content_security_policy(),
            texts: render_texts(p, images),
            json: None,
        }
    }

    /// An item's text as HTML for a page `root` away from the release folder.
    pub fn text_of(&self, item: &PacketItem, root: &str) -> String {
        text_at(self.text_stored(item), root)
    }

    /// An item's text as HTML as kept here: the path back to the release
    /// folder marked, for [`text_at`] to fill in.
    pub fn text_stored(&self, item: &PacketItem) -> &str {
        self.texts.get(item.id.as_str()).map_or("", String::as_str)
    }

    pub fn header(&self, root: &'static str, current: &'p str, title: String) -> Header<'p> {
        let p = self.p;
        Header {
            product: &p.product.name,
            manufacturer: p.product.manufacturer.as_deref(),
            version: &p.product.version,
            date: &p.release.date,
            status_label: &p.release.status_label,
            releasable: p.is_releasable(),
            // Not on item pages: each would then change with any edit of
            // the evidence, and an incremental build rewrite them all.
            digest: root.is_empty().then_some(p.release.digest.as_str()),
            generator: format!("{} {}", p.generator.name, p.generator.version),
            root,
            current,
            sections: SECTIONS,
            title,
            with_pdf: self.with_pdf,
        }
    }
}

/// What every page shows in its header.
#[derive(Serialize, Clone)]
pub struct Header<'a> {
    product: &'a str,
    manufacturer: Option<&'a str>,
    version: &'a str,
    date: &'a str,
    status_label: &'a str,
    releasable: bool,
    /// The release digest, on the section pages.
    digest: Option<&'a str>,
    generator: String,
    /// Relative path back to the release folder ("" or "../").
    root: &'static str,
    /// The page being rendered, to mark it in the navigation.
    current: &'a str,
    sections: &'static [Section],
    title: String,
    with_pdf: bool,
}

impl Header<'_> {
    pub fn current(&self) -> &str {
        self.current
    }

    /// The path back to the release folder ("" or "../").
    pub fn root(&self) -> &'static str {
        self.root
    }
}

/// A text from [`Site::text_stored`] for a page `root` away from the
/// release folder.
pub fn text_at(stored: &str, root: &str) -> String {
    stored.replace(ROOT, root)
}

/// Every item's text rendered once, in parallel; links to other items
/// carry [`ROOT`] for [`Site::text_of`] to fill in.
fn render_texts<'p>(p: &'p Packet, images: &ImagePolicy) -> HashMap<&'p str, String> {
    let mut figures: HashMap<&str, Vec<&crate::model::FigureEntry>> = HashMap::default();
    for f in &p.figures {
        figures.entry(f.item.as_str()).or_default().push(f);
    }
    p.items
        .par_iter()
        .filter_map(|item| {
            let text = item.text()?;
            let mine = figures.get(item.id.as_str());
            let html = to_html_linked(
                text,
                &|id| {
                    (id != item.id && p.item(id).is_some())
                        .then(|| format!("{ROOT}items/{}.html", page_name(id)))
                },
                images,
                &|target| {
                    let f = mine?.iter().find(|f| f.target == target)?;
                    Some(format!("{ROOT}{}", f.file))
                },
            );
            Some((item.id.as_str(), html))
        })
        .collect()
}
