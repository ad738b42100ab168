//! Joining separately compiled parts into one document: find the anchors
//! and headings on the pages, lay each page's footer over it, and point the
//! template's `anchor:` links at their anchors. Everything here is a walk
//! over the frames, linear in the document.

use std::collections::{BTreeSet, HashMap};

use typst::foundations::StyleChain;
use typst::introspection::{Location, Tag};
use typst::layout::{Frame, FrameItem, Point};
use typst::model::{Destination, HeadingElem};
use typst_layout::{Page, PagedDocument};

/// The scheme of the template's links: `anchor:<label>`.
const LINK_SCHEME: &str = "anchor:";

/// A heading as the contents list it.
pub struct Heading {
    pub level: usize,
    pub numbers: Option<String>,
    pub title: String,
    /// Index of its page among the pages surveyed.
    pub page: usize,
    pub location: Location,
}

/// Every labelled element (the template's anchors) and every outlined
/// heading on the pages.
pub fn survey(pages: &[Page]) -> (HashMap<String, Location>, Vec<Heading>) {
    let mut anchors = HashMap::new();
    let mut headings = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        survey_frame(&page.frame, index, &mut anchors, &mut headings);
    }
    (anchors, headings)
}

fn survey_frame(
    frame: &Frame,
    page: usize,
    anchors: &mut HashMap<String, Location>,
    headings: &mut Vec<Heading>,
) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => survey_frame(&group.frame, page, anchors, headings),
            FrameItem::Tag(Tag::Start(elem, _)) => {
                let Some(location) = elem.location() else {
                    continue;
                };
                if let Some(label) = elem.label() {
                    anchors
                        .entry(label.resolve().to_string())
                        .or_insert(location);
                }
                if let Some(heading) = elem.to_packed::<HeadingElem>() {
                    if heading.outlined.get(StyleChain::default()) {
                        headings.push(Heading {
                            level: heading.resolve_level(StyleChain::default()).get(),
                            numbers: heading.numbers.as_ref().map(|n| n.to_string()),
                            title: heading.body.plain_text().to_string(),
                            page,
                            location,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// Lay each stamp page (its footer) over the page of the same number, and
/// number the pages.
pub fn stamp(pages: &mut [Page], stamps: &[Page]) {
    for (n, (page, stamp)) in pages.iter_mut().zip(stamps).enumerate() {
        page.frame.push_frame(Point::zero(), stamp.frame.clone());
        page.number = n as u64 + 1;
    }
}

/// Point every `anchor:` link at its anchor. A link to a missing anchor is a
/// bug in the template; it is reported rather than left dangling.
pub fn resolve_links(
    pages: &mut [Page],
    anchors: &HashMap<String, Location>,
) -> Result<(), String> {
    let mut unresolved = BTreeSet::new();
    for page in pages {
        resolve_in_frame(&mut page.frame, anchors, &mut unresolved);
    }
    if unresolved.is_empty() {
        Ok(())
    } else {
        let names: Vec<String> = unresolved.into_iter().take(10).collect();
        Err(format!("links to missing anchors: {}", names.join(", ")))
    }
}

fn has_anchor_link(frame: &Frame) -> bool {
    frame.items().any(|(_, item)| match item {
        FrameItem::Link(Destination::Url(url), _) => url.starts_with(LINK_SCHEME),
        FrameItem::Group(group) => has_anchor_link(&group.frame),
        _ => false,
    })
}

fn resolve_in_frame(
    frame: &mut Frame,
    anchors: &HashMap<String, Location>,
    unresolved: &mut BTreeSet<String>,
) {
    // Frames are shared (memoized layouts): only those with a link to
    // resolve are copied.
    if !has_anchor_link(frame) {
        return;
    }
    frame.retain(|item| {
        match item {
            FrameItem::Link(dest, _) => {
                let name = match dest {
                    Destination::Url(url) => url.strip_prefix(LINK_SCHEME).map(str::to_string),
                    _ => None,
                };
                if let Some(name) = name.as_deref() {
                    match anchors.get(name) {
                        Some(&location) => *dest = Destination::Location(location),
                        None => {
                            unresolved.insert(name.replace('\u{200B}', ""));
                        }
                    }
                }
            }
            FrameItem::Group(group) => resolve_in_frame(&mut group.frame, anchors, unresolved),
            _ => {}
        }
        true
    });
}

/// Drop the introspection tags the PDF does not need: only anchors
/// (labelled elements) and headings (the bookmark outline) keep theirs.
/// Tags hold on to every element's content, which is most of a laid-out
/// packet's memory; without them the PDF is exported untagged.
pub fn strip_tags(pages: &mut [Page]) {
    let mut kept = std::collections::HashSet::new();
    for page in pages {
        strip_frame(&mut page.frame, &mut kept);
    }
}

fn strip_frame(frame: &mut Frame, kept: &mut std::collections::HashSet<Location>) {
    frame.retain(|item| match item {
        FrameItem::Tag(Tag::Start(elem, _)) => {
            let keep = elem.label().is_some() || elem.is::<HeadingElem>();
            if keep {
                if let Some(location) = elem.location() {
                    kept.insert(location);
                }
            }
            keep
        }
        FrameItem::Tag(Tag::End(location, ..)) => kept.contains(location),
        FrameItem::Group(group) => {
            // A group placed under a logical parent (a table cell under its
            // table) is only found through the parent's tag: with that tag
            // gone, the group belongs where it is laid out.
            if group.parent.is_some_and(|p| !kept.contains(&p.location)) {
                group.parent = None;
            }
            strip_frame(&mut group.frame, kept);
            true
        }
        _ => true,
    });
}

/// Every anchor a link may point at must have a place in the joined
/// document; the PDF writer would otherwise send the link to page 1.
pub fn check_anchors(
    document: &PagedDocument,
    anchors: &HashMap<String, Location>,
) -> Result<(), String> {
    let lost: Vec<&str> = anchors
        .iter()
        .filter(|(_, &loc)| document.introspector().position(loc).is_none())
        .map(|(name, _)| name.as_str())
        .take(10)
        .collect();
    if lost.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "anchors without a place in the document: {}",
            lost.join(", ")
        ))
    }
}
