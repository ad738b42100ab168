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
            Entry(
                &i.id,
                i.kind.name(),
                &i.title,
                words(&i.title, text),
                page_name(&i.id),
            )
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
    // `</script>` cannot appear: this is a separate file, and JSON escapes
    // nothing dangerous for a script context other than U+2028/2029.
    let json = if json.contains(['\u{2028}', '\u{2029}']) {
        json.replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    } else {
        json
    };
    format!("window.RELPACK_SEARCH = {json};\n").into_bytes()
}

/// The distinct words (two characters or more, lowercased) of an item's
/// title and text, in order, at most 300, joined by spaces. Most words are
/// lowercase ASCII already: those are not copied (100k items' words were a
/// fifth of a rebuild's site).
fn words(title: &str, text: &str) -> String {
    use std::borrow::Cow;
    let mut words: Vec<Cow<'_, str>> = Vec::new();
    let mut seen: std::collections::HashSet<Cow<'_, str>> = std::collections::HashSet::new();
    let all = title
        .split(|c: char| !c.is_alphanumeric())
        .chain(text.split(|c: char| !c.is_alphanumeric()));
    for w in all.filter(|w| w.chars().nth(1).is_some()) {
        let w: Cow<'_, str> = if w.bytes().any(|b| !b.is_ascii() || b.is_ascii_uppercase()) {
            Cow::Owned(w.to_lowercase())
        } else {
            Cow::Borrowed(w)
        };
        if !seen.contains(&w) {
            seen.insert(w.clone());
            words.push(w);
            if words.len() >= 300 {
                break;
            }
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::words;

    /// The words as they were first computed, one allocation each.
    fn oracle(title: &str, text: &str) -> String {
        let mut words: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for w in format!("{title} {text}")
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
        words.join(" ")
    }

    proptest::proptest! {
        #[test]
        fn words_are_those_of_the_first_way(title in "[a-zA-Zİé ,.0-9ß]{0,40}", text in "(?s).{0,400}") {
            proptest::prop_assert_eq!(words(&title, &text), oracle(&title, &text));
        }
    }

    #[test]
    fn at_most_300_words_and_no_repeats() {
        let text: String = (0..400).map(|i| format!("w{i} W{i} ")).collect();
        let w = words("Title title", &text);
        assert_eq!(w.split(' ').count(), 300);
        assert!(w.starts_with("title w0 w1 "), "{w}");
    }
}
