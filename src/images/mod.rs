//! Stage 4, link (after attachments): the figures of evidence Markdown.
//! Every `![alt](target)` whose target is a local path must name an
//! attachment of the same item, and that file must be an image (PNG, JPEG,
//! GIF or SVG, told by its bytes, `sniff.rs`) that typst can decode, no
//! larger than `sniff::MAX_PIXELS`. Anything else is an error at the
//! image's file, line and column. Remote images (`http(s)://`) are left to
//! `[packet] remote_images` (render/markdown.rs). Figures are read through
//! `fsroot`, like every file the evidence names, and carried as bytes to
//! the renderers, which read no file.

mod sniff;

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use pulldown_cmark::{Event, Options, Parser, Tag};
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Sources};
use crate::fsroot::{EvidenceRoot, FileRole, ReadError};
use crate::item::Item;
use crate::link::{join_inside_root, Links};

pub use sniff::Format;

/// One figure of an item's text: the attachment a Markdown image shows.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The target as written in the Markdown.
    pub target: String,
    /// The file, relative to the evidence root.
    pub path: String,
    pub format: Format,
    /// Hex SHA-256 of the bytes: the name of its copy in the packet.
    pub sha256: String,
    /// Pixels, for raster images.
    pub size: Option<(u32, u32)>,
    pub bytes: Arc<[u8]>,
}

/// item index -> its figures, each target once, in order of first use.
pub type Figures = BTreeMap<usize, Vec<Figure>>;

/// A local image target: not remote, not another scheme, not empty.
pub fn is_local(target: &str) -> bool {
    let t = target.trim();
    !t.is_empty()
        && !t.starts_with("//")
        && !t.starts_with('#')
        && !t
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .contains(':')
}

/// The local image targets of a Markdown text, with their byte ranges in it.
pub fn targets(markdown: &str) -> Vec<(String, Range<usize>)> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH;
    Parser::new_ext(markdown, options)
        .into_offset_iter()
        .filter_map(|(e, range)| match e {
            Event::Start(Tag::Image { dest_url, .. }) if is_local(&dest_url) => {
                Some((dest_url.to_string(), range))
            }
            _ => None,
        })
        .collect()
}

/// Check every item's images; the figures found, and an error for each
/// image that is not a readable image attachment of its item.
pub fn check(
    items: &[Item],
    links: &Links,
    sources: &Sources,
    root: &EvidenceRoot,
) -> (Figures, Vec<Diagnostic>) {
    let mut figures = Figures::new();
    let mut diags = Vec::new();
    // Each file is read and decoded once, however many items show it.
    let mut read: BTreeMap<String, Result<Figure, String>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        // Every CommonMark image starts `![`; most texts have none and need
        // no Markdown parse at all.
        let Some(text) = item.str("text").filter(|t| t.contains("![")) else {
            continue;
        };
        let found = targets(text);
        if found.is_empty() {
            continue;
        }
        let dir = sources
            .path(item.origin.file)
            .rsplit_once('/')
            .map_or("", |(d, _)| d);
        let attached: HashSet<&str> = links
            .attachments_of
            .get(&i)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut locate = Locator::new(sources, item);
        let mut seen = HashSet::new();
        for (target, range) in found {
            let span = locate.span(&text[range], &target);
            let fail = |why: String, label: &str| {
                Diagnostic::error(format!("{} {}: image `{target}` {why}", item.kind, item.id))
                    .at(item.origin.file, span.clone())
                    .label(label.to_string())
            };
            let Some(rel) = join_inside_root(dir, &target) else {
                diags.push(fail(
                    "is outside the evidence root".into(),
                    "leaves the root",
                ));
                continue;
            };
            if !attached.contains(rel.as_str()) {
                diags.push(not_attached(item, dir, &rel, root, fail));
                continue;
            }
            let figure = read
                .entry(rel.clone())
                .or_insert_with(|| load(root, &rel, &target));
            match figure {
                Ok(f) if seen.insert(target.clone()) => {
                    figures.entry(i).or_default().push(Figure {
                        target: target.clone(),
                        ..f.clone()
                    })
                }
                Ok(_) => {}
                Err(why) => diags.push(fail(why.clone(), "not an image relpack can show")),
            }
        }
    }
    (figures, diags)
}

/// Why a target is not an attachment: not listed, or listed but unreadable.
fn not_attached(
    item: &Item,
    dir: &str,
    rel: &str,
    root: &EvidenceRoot,
    fail: impl Fn(String, &str) -> Diagnostic,
) -> Diagnostic {
    let listed = item
        .links("attachments")
        .iter()
        .any(|a| join_inside_root(dir, a).as_deref() == Some(rel));
    match root.open(rel, FileRole::Image) {
        Err(e @ ReadError::Refused(_)) => fail(format!("is refused: {e}"), "not read"),
        Err(ReadError::NotFound(_)) => fail(
            format!("does not exist (looked for {rel})"),
            "no such file in the evidence root",
        ),
        _ if listed => fail(
            format!("cannot be shown: its attachment ({rel}) was not read"),
            "see the attachment's error",
        ),
        _ => fail(
            format!("is not an attachment of {} {}", item.kind, item.id),
            "not in its `attachments`",
        )
        .note(format!(
            "a figure must be one of the item's attachments: add \"{rel}\" (relative to the item's file) to `attachments`"
        )),
    }
}

/// Read, identify and decode one figure.
fn load(root: &EvidenceRoot, rel: &str, target: &str) -> Result<Figure, String> {
    let bytes = root.read(rel, FileRole::Image).map_err(|e| match e {
        ReadError::NotFound(_) => format!("does not exist (looked for {rel})"),
        e => format!("cannot be read: {e}"),
    })?;
    let (format, size) = sniff::sniff(&bytes).map_err(|e| format!("({rel}) {e}"))?;
    decodes(&bytes, format).map_err(|e| format!("({rel}) cannot be decoded: {e}"))?;
    Ok(Figure {
        target: target.to_string(),
        path: rel.to_string(),
        format,
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        size,
        bytes: bytes.into(),
    })
}

/// Whether typst, which draws the PDF, can decode it: a file browsers show
/// but the PDF cannot is refused before any output is written.
fn decodes(bytes: &[u8], format: Format) -> Result<(), String> {
    use typst::foundations::Bytes;
    use typst::visualize::{ExchangeFormat, RasterImage, SvgImage};
    let data = Bytes::new(bytes.to_vec());
    let exchange = match format {
        Format::Png => ExchangeFormat::Png,
        Format::Jpeg => ExchangeFormat::Jpg,
        Format::Gif => ExchangeFormat::Gif,
        Format::Svg => {
            linked_image(bytes)?;
            // typst's load error shows its message only through Debug.
            return SvgImage::new(data).map(|_| ()).map_err(|e| {
                let debug = format!("{e:?}");
                debug
                    .split_once("message: \"")
                    .map(|(_, m)| m.trim_end_matches(['}', ' ', '"']).to_string())
                    .unwrap_or(debug)
            });
        }
    };
    RasterImage::plain(data, exchange)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// An SVG whose `<image>` links a file or URL (not a `data:` URI): the PDF
/// reads nothing but the packet's own files, so typst would fail on it at
/// build time; said here, where `check` finds it, at the figure.
fn linked_image(bytes: &[u8]) -> Result<(), String> {
    let linked = std::sync::Mutex::new(None::<String>);
    let options = usvg::Options {
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|href, _| {
                if let Ok(mut first) = linked.lock() {
                    first.get_or_insert_with(|| href.to_string());
                }
                None
            }),
        },
        ..usvg::Options::default()
    };
    // A parse error is typst's to report, below.
    let _ = usvg::Tree::from_data(bytes, &options);
    drop(options);
    match linked.into_inner().ok().flatten() {
        Some(href) => Err(format!(
            "it links another file or URL ({}) that the PDF cannot draw: embed that image in the SVG as a data: URI",
            href.escape_debug()
        )),
        None => Ok(()),
    }
}

/// Finds where in the item's file each image is written: its Markdown
/// found in the raw text of the `text` value (escapes in a TOML string
/// may move it), else the value's start.
struct Locator<'a> {
    raw: &'a str,
    base: usize,
    from: usize,
}

impl<'a> Locator<'a> {
    fn new(sources: &'a Sources, item: &Item) -> Locator<'a> {
        let span = item.origin.span_of("/text");
        let text = &sources.get(item.origin.file).text;
        let raw = text.get(span.clone()).unwrap_or_default();
        Locator {
            raw,
            base: span.start,
            from: 0,
        }
    }

    fn span(&mut self, markdown: &str, target: &str) -> Range<usize> {
        let rest = self.raw.get(self.from..).unwrap_or_default();
        for needle in [markdown, target] {
            if let Some(at) = rest.find(needle).filter(|_| !needle.is_empty()) {
                let start = self.base + self.from + at;
                self.from += at + needle.len();
                return start..start + needle.len();
            }
        }
        self.base..self.base
    }
}
