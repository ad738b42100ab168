//! The site's search index.

use rayon::prelude::*;
use serde::Serialize;

use crate::model::Packet;
use crate::names::page_name;

/// The search index as a script (`file://` forbids fetching JSON): per
/// item its id, kind, title and the distinct words of its title and text.
pub fn search_index(p: &Packet) -> Vec<u8> {
    #[derive(Serialize)]
    struct Entry<'a>(&'a str, &'a str, &'a str, String, String);
    let entries: Vec<Entry<'_>> = p
        .items
        .par_iter()
        .map(|i| {
            let text = i.text().unwrap_or("");
            let mut words: Vec<String> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for w in format!("{} {}", i.title, text)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() > 1)
            {
                let w = w.to_lowercase();
                if seen.insert(w.clone()) {
                    words.push(w);
                }
                if words.len() >= 300 {
                    break;
                }
            }
            Entry(
                &i.id,
                i.kind.name(),
                &i.title,
                words.join(" "),
                page_name(&i.id),
            )
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
    // `</script>` cannot appear: this is a separate file, and JSON escapes
    // nothing dangerous for a script context other than U+2028/2029.
    let json = json
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    format!("window.RELPACK_SEARCH = {json};\n").into_bytes()
}
