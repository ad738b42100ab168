//! packet.pdf: typst as a library, in-process. Our own `World` (world.rs)
//! serves one template (built into the binary), data as `/packet.json`,
//! fonts embedded in the binary (plus any `packet.fonts` of relpack.toml),
//! and a `today()` fixed to the release date. Nothing is read from disk or
//! the network during compilation, and evidence reaches typst only as JSON
//! data: it is never pasted into markup, so no evidence string can run as
//! code. Large packets are compiled in parts side by side (plan.rs) and
//! joined into one document (join.rs) before PDF/A export.

mod join;
mod plan;
mod world;

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use serde_json::{json, Value};
use typst::foundations::{Bytes, Smart};
use typst::model::Document;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst_layout::{Page, PagedDocument};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use super::markdown_ast::to_ast;
use super::{Output, Renderer};
use crate::model::Packet;
use plan::{Plan, TocEntry};
use world::PacketWorld;

/// Fonts shipped in the binary: typst's own, and Noto faces for the
/// scripts typst-assets lacks (see assets/fonts/README.md).
const EXTRA_FONTS: &[&[u8]] = &[
    include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../../assets/fonts/NotoSans-Italic.ttf"),
    include_bytes!("../../../assets/fonts/NotoSans-BoldItalic.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansMono-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansMono-Bold.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansArabic-Bold.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansMath-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansSymbols2-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSansCJKjp-Regular.otf"),
    include_bytes!("../../../assets/fonts/NotoSansCJKjp-Bold.otf"),
    include_bytes!("../../../assets/fonts/NotoColorEmoji.ttf"),
];

static BUILTIN_FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    typst_assets::fonts()
        .chain(EXTRA_FONTS.iter().copied())
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect()
});

pub struct PdfRenderer {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    /// Characters of the packet no font can draw, by item.
    missing: Vec<(String, Vec<char>)>,
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
        Ok(PdfRenderer {
            fonts,
            book,
            missing,
        })
    }

    /// Characters in the packet that no font can draw, by item: typst
    /// silently drops such glyphs, so relpack says so.
    pub fn missing_glyphs(&self) -> &[(String, Vec<char>)] {
        &self.missing
    }
}

fn missing_glyphs(fonts: &[Font], packet: &Packet) -> Vec<(String, Vec<char>)> {
    let mut covered: BTreeMap<char, bool> = BTreeMap::new();
    let mut out = Vec::new();
    let mut report = |who: String, chars: HashSet<char>| {
        let mut missing: Vec<char> = chars
            .into_iter()
            .filter(|&c| {
                !*covered
                    .entry(c)
                    .or_insert_with(|| fonts.iter().any(|f| f.info().coverage.contains(c as u32)))
            })
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            out.push((who, missing));
        }
    };
    for item in &packet.items {
        let mut chars: HashSet<char> = HashSet::new();
        collect_chars(&item.title, &mut chars);
        for v in item.fields.values() {
            collect_value_chars(v, &mut chars);
        }
        report(item.id.clone(), chars);
    }
    // Strings that are not an item's: product, commits, JUnit names, paths.
    let mut chars: HashSet<char> = HashSet::new();
    collect_chars(&packet.product.name, &mut chars);
    collect_chars(
        packet.product.manufacturer.as_deref().unwrap_or(""),
        &mut chars,
    );
    for c in &packet.changes.commits {
        collect_chars(&c.summary, &mut chars);
        collect_chars(&c.author, &mut chars);
    }
    for r in &packet.results {
        collect_chars(r.case.as_deref().unwrap_or(""), &mut chars);
    }
    for u in &packet.verification.unbound {
        collect_chars(&u.name, &mut chars);
    }
    for f in &packet.evidence {
        collect_chars(&f.path, &mut chars);
    }
    report(
        "(product, commits, JUnit case names or file paths)".into(),
        chars,
    );
    out
}

fn collect_chars(s: &str, set: &mut HashSet<char>) {
    for c in s.chars() {
        // Joiners, variation selectors and marks are drawn with their base.
        if c.is_whitespace()
            || c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0020}'..='\u{E007F}')
        {
            continue;
        }
        set.insert(c);
    }
}

fn collect_value_chars(v: &Value, set: &mut HashSet<char>) {
    match v {
        Value::String(s) => collect_chars(s, set),
        Value::Array(a) => a.iter().for_each(|x| collect_value_chars(x, set)),
        Value::Object(o) => o.values().for_each(|x| collect_value_chars(x, set)),
        _ => {}
    }
}

impl Renderer for PdfRenderer {
    fn name(&self) -> &'static str {
        "pdf"
    }

    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), String> {
        let document = self.document(packet, plan::PAGES_PER_PART)?;
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
                .map_err(|e| format!("PDF/A-2b: {}", e.message()))?,
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
            let msgs: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            format!("PDF export: {}", msgs.join("; "))
        })?;
        lap("export", started);
        out.put("packet.pdf", pdf)
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
        let parts: Vec<Vec<Page>> = plan
            .parts(pages_per_part)
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
        let world = PacketWorld::new(&self.fonts, &self.book, json, date)?;
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

fn replace_missing(v: &mut Value, missing: &HashSet<char>) {
    match v {
        Value::String(s) if s.chars().any(|c| missing.contains(&c)) => {
            *s = s
                .chars()
                .map(|c| {
                    if missing.contains(&c) {
                        format!("[U+{:04X}]", c as u32)
                    } else {
                        c.to_string()
                    }
                })
                .collect();
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace_missing(x, missing)),
        Value::Object(o) => o.values_mut().for_each(|x| replace_missing(x, missing)),
        _ => {}
    }
}

/// The packet as the template reads it: each Markdown text as a small tree
/// of blocks and inlines (never as markup), carried by its own item and
/// requirement row; documents and change records also by id.
fn view_data(packet: &Packet) -> Value {
    use rayon::prelude::*;
    let trees: std::collections::HashMap<&str, Value> = packet
        .items
        .par_iter()
        .filter_map(|i| {
            let text = i.fields.get("text").and_then(Value::as_str)?;
            let is_id = |id: &str| id != i.id && packet.item(id).is_some();
            Some((i.id.as_str(), to_ast(text, &is_id)))
        })
        .collect();
    let mut v = serde_json::to_value(packet).unwrap_or(Value::Null);
    // Every row carries `md`, null where the item has no text: the template
    // never has to ask whether a field exists.
    for key in ["items", "requirements"] {
        for row in v[key].as_array_mut().into_iter().flatten() {
            let tree = row["id"].as_str().and_then(|id| trees.get(id)).cloned();
            if let Some(obj) = row.as_object_mut() {
                obj.insert("md".into(), tree.unwrap_or(Value::Null));
            }
        }
    }
    let wanted: HashSet<&str> = packet
        .documents
        .iter()
        .chain(&packet.changes.records)
        .map(String::as_str)
        .collect();
    let by_id: serde_json::Map<String, Value> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["id"].as_str().is_some_and(|id| wanted.contains(id)))
        .map(|i| (i["id"].as_str().unwrap_or_default().to_string(), i.clone()))
        .collect();
    let mut data = json!({ "packet": v, "items": by_id });
    soften(&mut data, false);
    data
}

/// One evidence text as the PDF template receives it: its Markdown tree
/// (`markdown_ast`), long words softened. The fuzz target's entry point;
/// `view_data` builds the same trees for the whole packet at once.
pub fn text_tree(markdown: &str, is_id: &dyn Fn(&str) -> bool) -> Value {
    let mut tree = to_ast(markdown, is_id);
    soften(&mut tree, false);
    tree
}

/// Give long unbroken words (ids, paths, URLs, digests) a break opportunity
/// about every 10 characters (never right after a hyphen), so table cells
/// wrap them instead of overflowing.
/// Link targets and the raw before/after values of changed fields keep their
/// exact text.
fn soften(v: &mut Value, keep: bool) {
    match v {
        Value::String(s) if !keep && s.split_whitespace().any(|w| w.chars().count() > 20) => {
            let mut out = String::with_capacity(s.len() + s.len() / 8);
            for (i, part) in s.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let long = part.chars().count() > 20;
                let mut since = 0;
                let mut prev = ' ';
                for c in part.chars() {
                    // Never right after a hyphen: pdftotext would drop a
                    // hyphen that ends a line.
                    if long && since >= 10 && prev != '-' {
                        out.push('\u{200B}');
                        since = 0;
                    }
                    out.push(c);
                    prev = c;
                    since += 1;
                }
            }
            *s = out;
        }
        Value::Array(a) => a.iter_mut().for_each(|x| soften(x, keep)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                soften(
                    x,
                    keep || matches!(k.as_str(), "url" | "old" | "new" | "commit" | "date"),
                );
            }
        }
        _ => {}
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
