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
    // Each entry serialized on its own (in parallel), then joined: exactly
    // the compact JSON of the list.
    let entries: Vec<Vec<u8>> = p
        .items
        .par_iter()
        .map(|i| {
            let text = i.text().unwrap_or("");
            let entry = Entry(
                &i.id,
                i.kind.name(),
                &i.title,
                words(&i.title, text),
                page_name(&i.id),
            );
            let json = serde_json::to_vec(&entry).unwrap_or_else(|_| b"null".to_vec());
            script_safe(json)
        })
        .collect();
    const HEAD: &[u8] = b"window.RELPACK_SEARCH = [";
    const TAIL: &[u8] = b"];\n";
    let size = HEAD.len() + TAIL.len() + entries.iter().map(|e| e.len() + 1).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(HEAD);
    for (n, e) in entries.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(e);
    }
    out.extend_from_slice(TAIL);
    out
}

/// `</script>` cannot appear: the index is a separate file, and JSON
/// escapes nothing dangerous for a script context but U+2028 and U+2029.
fn script_safe(json: Vec<u8>) -> Vec<u8> {
    // Both are E2 80 A8/A9 in UTF-8.
    if !json
        .windows(3)
        .any(|w| w[0] == 0xE2 && w[1] == 0x80 && (w[2] | 1) == 0xA9)
    {
        return json;
    }
    String::from_utf8(json)
        .map(|s| {
            s.replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029")
                .into_bytes()
        })
        .unwrap_or_else(|e| e.into_bytes())
}

/// The distinct words (two characters or more, lowercased) of an item's
/// title and text, in order, at most 300, joined by spaces. Most words are
/// lowercase ASCII already: those are not copied (100k items' words were a
/// fifth of a rebuild's site).
fn words(title: &str, text: &str) -> String {
    use std::borrow::Cow;
    let mut words: Vec<Cow<'_, str>> = Vec::new();
    let mut seen: crate::fasthash::HashSet<Cow<'_, str>> = Default::default();
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
    fn line_and_paragraph_separators_are_escaped_for_a_script() {
        let json = serde_json::to_vec(&("a\u{2028}b", "c\u{2029}d", "é")).unwrap();
        let safe = String::from_utf8(super::script_safe(json)).unwrap();
        assert_eq!(safe, r#"["a\u2028b","c\u2029d","é"]"#);
        let plain = serde_json::to_vec(&"no separator: \u{2027}\u{202A}").unwrap();
        assert_eq!(super::script_safe(plain.clone()), plain);
    }

    #[test]
    fn at_most_300_words_and_no_repeats() {
        let text: String = (0..400).map(|i| format!("w{i} W{i} ")).collect();
        let w = words("Title title", &text);
        assert_eq!(w.split(' ').count(), 300);
        assert!(w.starts_with("title w0 w1 "), "{w}");
    }
}
