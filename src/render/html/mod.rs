//! The browsable audit site: tera templates from `templates/html/` (built
//! into the binary, `templates.rs`), one table of section pages
//! (`sections.rs`), item pages rendered in parallel (`item_page.rs`), the
//! search index, and OUT's list of releases (`releases.rs`). Every view is
//! a typed struct over the packet model; Markdown goes through
//! [`super::markdown`].

mod item_page;
mod releases;
mod risk_matrix;
mod search;
mod sections;
mod site;
mod templates;

use rayon::prelude::*;

use super::markdown::ImagePolicy;
use super::{Output, RenderError, Renderer};
use crate::model::Packet;

pub use releases::release_list;
pub use sections::SECTIONS;
pub use site::Site;
pub use templates::sources as template_sources;

pub struct HtmlRenderer {
    /// Whether packet.pdf is part of this packet (not with `--no-pdf`).
    pub with_pdf: bool,
    /// `[packet] remote_images`: the hosts whose images pages may load.
    pub remote_images: Vec<crate::config::ImageHost>,
}

impl HtmlRenderer {
    /// What the site needs before packet.json's digests exist: the assets,
    /// the search index, the figures and every item's text. It runs beside
    /// packet.json (see `render_model` in lib.rs); [`HtmlRenderer::pages`]
    /// then makes the pages.
    pub fn prepare<'p>(&self, p: &'p Packet, out: &dyn Output) -> Result<Site<'p>, RenderError> {
        templates::tera()?;
        for (path, text) in templates::ASSETS {
            out.put(path, text.as_bytes().to_vec())?;
        }
        out.put(
            "assets/search-index.js",
            crate::progress::timed("site: search index", || search::search_index(p)),
        )?;
        // Figures: one copy of each file, named by its content.
        let mut copied = std::collections::HashSet::new();
        for f in &p.figures {
            if copied.insert(f.file.as_str()) {
                out.put(&f.file, f.bytes.to_vec())?;
            }
        }
        let images = ImagePolicy::new(self.remote_images.iter().map(|h| h.0.clone()));
        Ok(crate::progress::timed("site: item texts", || {
            Site::new(p, self.with_pdf, &images)
        }))
    }

    /// The section and item pages, side by side: a big section page is
    /// written by one thread, the item pages take what it leaves. With
    /// `site.json` (packet.json's digests) unchanged pages are linked from
    /// the earlier build; without, every page is rendered.
    pub fn pages(&self, site: &Site<'_>, out: &dyn Output) -> Result<(), RenderError> {
        use crate::progress::timed;
        let (sections, items) = rayon::join(
            || {
                timed("site: section pages", || {
                    SECTIONS.par_iter().try_for_each(|s| {
                        timed(&format!("site: {}", s.page), || s.render(site, out))
                    })
                })
            },
            || timed("site: item pages", || item_page::render_all(site, out)),
        );
        sections.and(items)
    }
}

impl Renderer for HtmlRenderer {
    fn name(&self) -> &'static str {
        "html"
    }

    /// The whole site, every page rendered (no packet.json digests).
    fn render(&self, p: &Packet, out: &dyn Output) -> Result<(), RenderError> {
        let site = self.prepare(p, out)?;
        self.pages(&site, out)
    }
}
