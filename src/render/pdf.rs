//! packet.pdf: typst as a library, in-process. Our own [`World`] serves one
//! template (built into the binary), the packet as `/packet.json`, fonts
//! embedded in the binary (plus any `packet.fonts` of relpack.toml), and a
//! `today()` fixed to the release date. Nothing is read from disk or the
//! network during compilation, and evidence reaches typst only as JSON data:
//! it is never pasted into markup, so no evidence string can run as code.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use serde_json::{json, Value};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use super::markdown_ast::to_ast;
use super::{Output, Renderer};
use crate::model::Packet;

const TEMPLATE: &str = include_str!("../../templates/pdf/packet.typ");

/// Up to this many items, every id in the PDF links to its item.
pub const LINK_ALL_UP_TO: usize = 2_500;

/// Fonts shipped in the binary: typst's own, and Noto faces for the
/// scripts typst-assets lacks (see assets/fonts/README.md).
const EXTRA_FONTS: &[&[u8]] = &[
    include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-Italic.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-BoldItalic.ttf"),
    include_bytes!("../../assets/fonts/NotoSansMono-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansMono-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansMath-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansSymbols2-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansCJKjp-Regular.otf"),
    include_bytes!("../../assets/fonts/NotoSansCJKjp-Bold.otf"),
    include_bytes!("../../assets/fonts/NotoColorEmoji.ttf"),
];

static BUILTIN_FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    typst_assets::fonts()
        .chain(EXTRA_FONTS.iter().copied())
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect()
});

pub struct PdfRenderer {
    fonts: Vec<Font>,
}

impl PdfRenderer {
    /// Load the built-in fonts and the evidence's own (`packet.fonts`).
    pub fn new(ev: &crate::evidence::Evidence) -> Result<Self, crate::Failure> {
        let mut fonts = BUILTIN_FONTS.clone();
        for rel in &ev.config.packet.fonts {
            let Some(rel_path) = crate::link::join_inside_root("", rel) else {
                return Err(crate::Failure::io(format!(
                    "packet.fonts: `{rel}` is outside the evidence root"
                )));
            };
            let bytes = std::fs::read(ev.root.join(&rel_path)).map_err(|e| {
                crate::Failure::io(format!("packet.fonts: cannot read {rel_path}: {e}"))
            })?;
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(bytes)));
            if fonts.len() == before {
                return Err(crate::Failure::io(format!(
                    "packet.fonts: {rel_path} is not a font typst can read"
                )));
            }
        }
        Ok(PdfRenderer { fonts })
    }

    /// Characters in the packet that no font can draw, by item: typst
    /// silently drops such glyphs, so relpack says so.
    pub fn missing_glyphs(&self, packet: &Packet) -> Vec<(String, Vec<char>)> {
        let mut covered: BTreeMap<char, bool> = BTreeMap::new();
        let mut out = Vec::new();
        let mut report = |who: String, chars: HashSet<char>| {
            let mut missing: Vec<char> = chars
                .into_iter()
                .filter(|&c| {
                    !*covered.entry(c).or_insert_with(|| {
                        self.fonts
                            .iter()
                            .any(|f| f.info().coverage.contains(c as u32))
                    })
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
        let mut data = view_data(packet);
        // PDF/A refuses a glyph no font has: such characters (warned about
        // by `missing_glyphs`) are written as their code point instead.
        let missing: HashSet<char> = self
            .missing_glyphs(packet)
            .into_iter()
            .flat_map(|(_, chars)| chars)
            .collect();
        if !missing.is_empty() {
            replace_missing(&mut data, &missing);
        }
        let bytes = serde_json::to_vec(&data).map_err(|e| e.to_string())?;
        let world = PacketWorld::new(self.fonts.clone(), bytes, &packet.release.date)?;
        let started = std::time::Instant::now();
        let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
            let msgs: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            format!("typst: {}", msgs.join("; "))
        })?;
        let options = PdfOptions {
            ident: Smart::Custom(format!(
                "relpack:{}:{}:{}",
                packet.product.name, packet.release.version, packet.release.digest
            )),
            creator: Smart::Custom(Some(format!("relpack {}", packet.generator.version))),
            timestamp: None,
            standards: PdfStandards::new(&[PdfStandard::A_2b])
                .map_err(|e| format!("PDF/A-2b: {}", e.message()))?,
            ..PdfOptions::default()
        };
        if std::env::var_os("RELPACK_TIMINGS").is_some() {
            eprintln!("  typst compile {:.3} s", started.elapsed().as_secs_f64());
        }
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
            let msgs: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            format!("PDF export: {}", msgs.join("; "))
        })?;
        out.put("packet.pdf", &pdf)
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
    for key in ["items", "requirements"] {
        for row in v[key].as_array_mut().into_iter().flatten() {
            let tree = row["id"].as_str().and_then(|id| trees.get(id)).cloned();
            if let (Some(tree), Some(obj)) = (tree, row.as_object_mut()) {
                obj.insert("md".into(), tree);
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
    // typst resolves each internal link through the page counter: past a
    // few thousand items, linking every id costs minutes and gigabytes, so
    // large packets link from the trace matrix only.
    let link_all = packet.items.len() <= LINK_ALL_UP_TO;
    let mut data = json!({ "packet": v, "items": by_id, "link_all": link_all });
    soften(&mut data, false);
    data
}

/// Give long unbroken words (ids, paths, URLs, digests) a break opportunity
/// every 10 characters, so table cells wrap them instead of overflowing.
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
                for (n, c) in part.chars().enumerate() {
                    if n > 0 && n % 10 == 0 && part.chars().count() > 20 {
                        out.push('\u{200B}');
                    }
                    out.push(c);
                }
            }
            *s = out;
        }
        Value::Array(a) => a.iter_mut().for_each(|x| soften(x, keep)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                soften(x, keep || matches!(k.as_str(), "url" | "old" | "new"));
            }
        }
        _ => {}
    }
}

struct PacketWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Datetime,
}

fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("{e:?}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

impl PacketWorld {
    fn new(fonts: Vec<Font>, data: Vec<u8>, date: &str) -> Result<Self, String> {
        let main_id = file_id("/packet.typ")?;
        let data_id = file_id("/packet.json")?;
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|e| format!("release date {date}: {e}"))?;
        use chrono::Datelike;
        let today = Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8)
            .ok_or("release date out of range")?;
        Ok(PacketWorld {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            main: Source::new(main_id, TEMPLATE.to_string()),
            data_id,
            data: Bytes::new(data),
            today,
        })
    }
}

impl World for PacketWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            // No evidence path, /etc/passwd or package is ever served.
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
