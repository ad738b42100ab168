//! The PDF's fonts and their coverage: fonts built into the binary, and
//! the characters of the packet no font can draw (reported, and shown as
//! their code points rather than dropped silently).

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use serde_json::Value;
use typst::foundations::Bytes;
use typst::text::Font;

use crate::model::Packet;

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

pub static BUILTIN_FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    typst_assets::fonts()
        .chain(EXTRA_FONTS.iter().copied())
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect()
});

pub fn missing_glyphs(fonts: &[Font], packet: &Packet) -> Vec<(String, Vec<char>)> {
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
    for r in packet.runs() {
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
        // Other control characters (a CI log's ESC) are checked as any
        // character: no font draws them, so they are reported and shown
        // as [U+001B], never handed to the PDF (PDF/A refuses them).
        if c.is_whitespace()
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

pub fn replace_missing(v: &mut Value, missing: &HashSet<char>) {
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
