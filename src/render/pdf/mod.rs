//! packet.pdf: typst as a library, in-process. Our own `World` (world.rs)
//! serves one template (built into the binary), data as `/packet.json`,
//! fonts embedded in the binary (plus any `packet.fonts` of relpack.toml),
//! and a `today()` fixed to the release date. Nothing is read from disk or
//! the network during compilation, and evidence reaches typst only as JSON
//! data: it is never pasted into markup, so no evidence string can run as
//! code. Large packets are compiled in parts side by side (plan.rs) and
//! joined into one document (join.rs) before PDF/A export.

mod fonts;
mod join;
mod plan;
mod view;
mod world;

pub use view::text_tree;

use std::collections::HashSet;

use serde_json::Value;
use typst::foundations::{Bytes, Smart};
use typst::model::Document;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst_layout::{Page, PagedDocument};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use super::{Output, RenderError, Renderer};
use crate::model::Packet;
use fonts::{missing_glyphs, replace_missing, BUILTIN_FONTS};
use plan::{Plan, TocEntry};
use view::view_data;
use world::PacketWorld;

pub struct PdfRenderer {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    /// Characters of the packet no font can draw, by item.
    missing: Vec<(String, Vec<char>)>,
    /// Where the parts laid out are counted (the progress bar).
    pub counters: std::sync::Arc<crate::progress::Counters>,
    /// The packet's figures, served by the World at their packet paths.
    figures: Vec<(typst::syntax::FileId, Bytes)>,
}

impl PdfRenderer {
    /// The built-in fonts and the evidence's own (`packet.fonts`, read by
    /// the pipeline and handed over as bytes: a renderer reads no file),
    /// and the packet's characters that none of them can draw.
    pub fn new(extra_fonts: Vec<(String, Vec<u8>)>, packet: &Packet) -> Result<Self, String> {
        let mut fonts = BUILTIN_FONTS.clone();
        for (name, bytes) in extra_fonts {
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(bytes)));
            if fonts.len() == before {
                return Err(format!("packet.fonts: {name} is not a font typst can read"));
            }
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        let missing = missing_glyphs(&fonts, packet);
        let figures = packet
            .figures
            .iter()
            .map(|f| {
                let id = world::file_id(&view::figure_path(f))?;
                Ok((id, Bytes::new(f.bytes.to_vec())))
            })
            .collect::<Result<_, String>>()?;
        Ok(PdfRenderer {
            fonts,
            book,
            missing,
            counters: Default::default(),
            figures,
        })
    }

    /// Characters in the packet that no font can draw, by item: typst
    /// silently drops such glyphs, so relpack says so.
    pub fn missing_glyphs(&self) -> &[(String, Vec<char>)] {
        &self.missing
    }
}

impl Renderer for PdfRenderer {
    fn name(&self) -> &'static str {
        "pdf"
    }

    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), RenderError> {
        let document = self
            .document(packet, plan::PAGES_PER_PART)
            .map_err(RenderError::Pdf)?;
        let started = std::time::Instant::now();
        let options = PdfOptions {
            ident: Smart::Custom(format!(
                "relpack:{}:{}:{}",
                packet.product.name, packet.release.version, packet.release.digest
            )),
            creator: Smart::Custom(Some(format!("relpack {}", packet.generator.version))),
            timestamp: None,
            // The joined pages keep only the tags of anchors and headings
            // (join::strip_tags), too few for a tagged PDF; PDF/A-2b asks
            // for none.
            tagged: false,
            standards: PdfStandards::new(&[PdfStandard::A_2b])
                .map_err(|e| RenderError::Pdf(format!("PDF/A-2b: {}", e.message())))?,
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
            let msgs: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            RenderError::Pdf(format!("PDF export: {}", msgs.join("; ")))
        })?;
        lap("export", started);
        Ok(out.put("packet.pdf", pdf)?)
    }
}

/// With RELPACK_TIMINGS set, say how long a step of the PDF took.
fn lap(what: &str, since: std::time::Instant) {
    if std::env::var_os("RELPACK_TIMINGS").is_some() {
        eprintln!("  pdf {what}: {:.3} s", since.elapsed().as_secs_f64());
    }
}

impl PdfRenderer {
    /// The laid-out packet: parts compiled side by side, then the cover and
    /// contents, the footers and the links.
    fn document(&self, packet: &Packet, pages_per_part: f64) -> Result<PagedDocument, String> {
        self.lay_out(view_data(packet), &packet.release.date, pages_per_part)
    }

    /// [`Self::document`] from the view data.
    fn lay_out(
        &self,
        mut data: Value,
        date: &str,
        pages_per_part: f64,
    ) -> Result<PagedDocument, String> {
        use rayon::prelude::*;
        // PDF/A refuses a glyph no font has: such characters (warned about
        // by `missing_glyphs`) are written as their code point instead.
        let missing: HashSet<char> = self
            .missing
            .iter()
            .flat_map(|(_, chars)| chars.iter().copied())
            .collect();
        if !missing.is_empty() {
            replace_missing(&mut data, &missing);
        }
        let plan = Plan::new(data);

        let started = std::time::Instant::now();
        let parts = plan.parts(pages_per_part);
        self.counters.pdf_parts.set_total(parts.len());
        let parts: Vec<Vec<Page>> = parts
            .into_par_iter()
            .map(|json| {
                let doc = self
                    .compile(json, date)
                    .map_err(|e| self.name_the_row(&plan, date, e))?;
                let mut pages: Vec<Page> = doc.pages().to_vec();
                drop(doc);
                join::strip_tags(&mut pages);
                // Layouts of finished parts are no use to the others; keep
                // what the running compilations may still ask for.
                typst::comemo::evict(1);
                self.counters.pdf_parts.add(1);
                Ok::<_, String>(pages)
            })
            .collect::<Result<_, _>>()?;
        let mut body: Vec<Page> = parts.into_iter().flatten().collect();
        typst::comemo::evict(0);
        lap("parts", started);

        // The cover and contents go first, so the contents' page numbers
        // count their own pages; if the contents grow, they are laid out again.
        let started = std::time::Instant::now();
        let (mut anchors, headings) = join::survey(&body);
        let mut front_pages = 2;
        let mut attempts = 0;
        let front = loop {
            let toc: Vec<TocEntry> = headings
                .iter()
                .enumerate()
                .map(|(n, h)| TocEntry {
                    level: h.level,
                    numbers: h.numbers.clone(),
                    title: h.title.clone(),
                    page: front_pages + h.page + 1,
                    target: format!("toc-{n}"),
                })
                .collect();
            let doc = self.compile(plan.front(&toc), date)?;
            if doc.pages().len() == front_pages {
                break doc;
            }
            // Page numbers only ever widen the contents a little; should
            // they never settle, a wrong page number is not an option.
            attempts += 1;
            if attempts == 4 {
                return Err("the contents' page count does not settle".into());
            }
            front_pages = doc.pages().len();
        };
        for (n, h) in headings.iter().enumerate() {
            anchors.insert(format!("toc-{n}"), h.location);
        }
        let mut pages: Vec<Page> = front.pages().to_vec();
        join::strip_tags(&mut pages);
        pages.append(&mut body);

        let mut stamps = self
            .compile(plan.stamp(pages.len()), date)?
            .pages()
            .to_vec();
        join::strip_tags(&mut stamps);
        join::stamp(&mut pages, &stamps);
        join::resolve_links(&mut pages, &anchors)?;
        let document = PagedDocument::new(pages.into_iter().collect(), front.info().clone());
        join::check_anchors(&document, &anchors)?;
        lap("cover, contents, footers and links", started);
        Ok(document)
    }

    /// Compile one document. An error names the template line it arose at
    /// and the lines that called it.
    fn compile(&self, json: Vec<u8>, date: &str) -> Result<PagedDocument, String> {
        let world = PacketWorld::new(&self.fonts, &self.book, json, date, &self.figures)?;
        typst::compile(&world).output.map_err(|errors| {
            let msgs: Vec<String> = errors
                .iter()
                .map(|e| {
                    let mut msg = e.message.to_string();
                    if let Some(line) = world.template_line(e.span) {
                        msg += &format!(" (templates/pdf/packet.typ:{line}");
                        for t in &e.trace {
                            if let Some(line) = world.template_line(t.span) {
                                msg += &format!(", called from line {line}");
                            }
                        }
                        msg.push(')');
                    }
                    msg
                })
                .collect();
            format!("typst: {}", msgs.join("; "))
        })
    }

    /// A part failed: a template bug that some row's data brings out. Find
    /// that row by compiling each alone, so the message names it.
    fn name_the_row(&self, plan: &Plan, date: &str, error: String) -> String {
        for (name, json) in plan.rows_alone() {
            if let Err(e) = self.compile(json, date) {
                return format!("{e}; drawing {name}");
            }
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use typst::introspection::{Location, Tag};
    use typst::layout::{Frame, FrameItem};
    use typst::model::Destination;

    use super::*;

    /// Every element with a tag, by location: its label and its page.
    fn tagged(frame: &Frame, page: usize, out: &mut Vec<(Location, String, usize)>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => tagged(&g.frame, page, out),
                FrameItem::Tag(Tag::Start(elem, _)) => out.push((
                    elem.location().expect("a tagged element has a location"),
                    elem.label()
                        .map(|l| l.resolve().to_string())
                        .unwrap_or_default(),
                    page,
                )),
                _ => {}
            }
        }
    }

    fn links(frame: &Frame, page: usize, out: &mut Vec<(Destination, usize)>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => links(&g.frame, page, out),
                FrameItem::Link(dest, _) => out.push((dest.clone(), page)),
                _ => {}
            }
        }
    }

    /// A template failure is a bug; its message says where: the template
    /// line, and the row whose data brought it out.
    #[test]
    fn a_template_failure_names_the_template_line_and_the_row() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-evidence");
        let Ok(checked) = crate::check(&root, &crate::Options::default()) else {
            panic!("the sample does not check")
        };
        let packet = Packet::build(&checked, checked.changes.clone());
        let pdf = PdfRenderer::new(Vec::new(), &packet).expect("fonts load");
        let mut data = view_data(&packet);
        // A row without a field the template reads, as a model bug would make.
        let row = &mut data["packet"]["hazards"][1];
        let id = row["id"].as_str().unwrap().to_string();
        row.as_object_mut().unwrap().remove("residual_score");
        let Err(e) = pdf.lay_out(data, &packet.release.date, plan::PAGES_PER_PART) else {
            panic!("a row without residual_score compiled")
        };
        assert!(e.contains("templates/pdf/packet.typ:"), "{e}");
        assert!(e.contains(&format!("section risk, row {id}")), "{e}");
    }

    /// The sample cut into parts of two pages, so part boundaries fall
    /// inside sections: the joined document must still be one document.
    #[test]
    fn parts_join_into_one_document_whose_links_reach_their_anchors() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-evidence");
        let Ok(checked) = crate::check(&root, &crate::Options::default()) else {
            panic!("the sample does not check")
        };
        let packet = Packet::build(&checked, checked.changes.clone());
        let Ok(pdf) = PdfRenderer::new(Vec::new(), &packet) else {
            panic!("fonts do not load")
        };
        let whole = pdf
            .document(&packet, plan::PAGES_PER_PART)
            .expect("compiles");
        let cut = pdf.document(&packet, 2.0).expect("compiles in parts");
        assert!(
            cut.pages().len() > whole.pages().len(),
            "no part boundary fell inside a section"
        );

        for doc in [&whole, &cut] {
            let mut elems = Vec::new();
            let mut found = Vec::new();
            for (n, page) in doc.pages().iter().enumerate() {
                tagged(&page.frame, n, &mut elems);
                links(&page.frame, n, &mut found);
            }
            // Parts are laid out apart: no two elements may share a location.
            let mut by_location: HashMap<Location, (String, usize)> = HashMap::new();
            for (loc, label, page) in &elems {
                let before = by_location.insert(*loc, (label.clone(), *page));
                assert!(before.is_none(), "location of {label} used twice");
            }
            // Every item has its anchor.
            for item in &packet.items {
                let label = format!("item-{}", item.id);
                assert!(
                    elems
                        .iter()
                        .any(|(_, l, _)| l.replace('\u{200B}', "") == label),
                    "no anchor for {}",
                    item.id
                );
            }
            // Every internal link leads to an anchor or a heading, on the
            // page where that element is.
            let mut internal = 0;
            for (dest, _) in &found {
                match dest {
                    Destination::Url(url) => assert!(
                        url.starts_with("http") || url.starts_with("mailto:"),
                        "unresolved link {url:?}"
                    ),
                    Destination::Location(loc) => {
                        internal += 1;
                        let (_, page) = &by_location[loc];
                        let pos = doc.introspector().position(*loc).expect("position");
                        assert_eq!(pos.page.get(), page + 1);
                    }
                    Destination::Position(_) => {}
                }
            }
            assert!(internal > 300, "only {internal} internal links");
            // Footers count the joined pages.
            let n = doc.pages().len();
            let last: Vec<String> = {
                fn text(frame: &Frame, out: &mut Vec<String>) {
                    for (_, item) in frame.items() {
                        match item {
                            FrameItem::Group(g) => text(&g.frame, out),
                            FrameItem::Text(t) => out.push(t.text.to_string()),
                            _ => {}
                        }
                    }
                }
                let mut out = Vec::new();
                text(&doc.pages()[n - 1].frame, &mut out);
                out
            };
            assert!(
                last.join(" ").contains(&format!("{n} of {n}")),
                "last page footer: {last:?}"
            );
        }
    }

    /// Found reading `soften` for the `markdown_pdf` fuzz target: it counted
    /// a word's characters once per character of the word (quadratic in
    /// its length).
    #[test]
    fn fuzz_soften_is_linear_in_a_long_word() {
        let word = "a".repeat(300_000);
        let tree = text_tree(&word, &|_| false);
        let text = tree[0]["c"][0]["v"].as_str().unwrap();
        assert_eq!(text.matches('\u{200B}').count(), 29_999);
        assert_eq!(text.replace('\u{200B}', ""), word);
    }
}
