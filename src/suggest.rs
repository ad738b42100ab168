//! "Did you mean ...?": the nearest of a set of known words to one that is
//! not among them (edit distance, as cargo and clippy suggest), and a list
//! of every allowed value in words. A leaf helper: messages about fields,
//! keys and enum values all use it.

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: at most a third of the word's length in edits (at least one), or
/// one is a prefix of the other (`passed` and `pass`). Case is ignored.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| {
            let cl = c.to_lowercase();
            let d = strsim::damerau_levenshtein(&lower, &cl);
            let prefix = !cl.is_empty()
                && cl.len() >= 3
                && (lower.starts_with(&cl) || cl.starts_with(&lower))
                && lower.len() >= 3;
            (d, prefix, c)
        })
        // Replacing the whole word is no typo (`D` is not near `A`).
        .filter(|(d, prefix, _)| (*d <= limit && *d < word.chars().count()) || *prefix)
        .min_by_key(|(d, _, c)| (*d, *c))
        .map(|(_, _, c)| c)
}

/// The closest candidate whatever the distance (for an enum, where the
/// allowed values are few): the likely typo first, else the value with the
/// most in common (Jaro-Winkler).
pub fn nearest_any<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    nearest(word, candidates.iter().copied()).or_else(|| {
        let lower = word.to_lowercase();
        candidates
            .iter()
            .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), *c))
            .filter(|(score, _)| *score > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)))
            .map(|(_, c)| c)
    })
}

/// `"a", "b" or "c"`: every allowed value, each as `quote` writes it.
pub fn one_of(values: &[&str], quote: impl Fn(&str) -> String) -> String {
    match values {
        [] => String::new(),
        [one] => quote(one),
        [init @ .., last] => format!(
            "{} or {}",
            init.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", "),
            quote(last)
        ),
    }
}

/// `"passed" is not one of "pass", "fail", "blocked" or "skipped": did you
/// mean "pass"?`
pub fn enum_message(instance: &serde_json::Value, options: &serde_json::Value) -> String {
    let raw = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let allowed: Vec<String> = match options {
        serde_json::Value::Array(a) => a.iter().map(raw).collect(),
        other => vec![raw(other)],
    };
    let words: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let quote = |w: &str| serde_json::Value::String(w.to_string()).to_string();
    let mut msg = format!("{instance} is not one of {}", one_of(&words, quote));
    let word = raw(instance);
    if let Some(near) = nearest(&word, words.iter().copied()) {
        msg.push_str(&format!(": did you mean {}?", quote(near)));
    } else if let Some(near) = nearest_any(&word, &words) {
        msg.push_str(&format!(" (the nearest is {})", quote(near)));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_field() {
        let fields = ["id", "title", "verifies", "junit", "method"];
        assert_eq!(nearest("verfies", fields), Some("verifies"));
        assert_eq!(nearest("titel", fields), Some("title"));
        assert_eq!(nearest("owner", fields), None);
        let hazard = ["residual_probability", "residual_severity", "probability"];
        assert_eq!(
            nearest("residual_probabilty", hazard),
            Some("residual_probability")
        );
    }

    #[test]
    fn an_enum_always_names_its_nearest_value() {
        let outcomes = ["pass", "fail", "blocked", "skipped"];
        assert_eq!(nearest_any("passed", &outcomes), Some("pass"));
        assert_eq!(nearest_any("PASS", &outcomes), Some("pass"));
        assert_eq!(nearest_any("skip", &outcomes), Some("skipped"));
        assert_eq!(nearest_any("zzz", &outcomes), None);
    }

    #[test]
    fn lists_read_as_prose() {
        let q = |s: &str| format!("\"{s}\"");
        assert_eq!(one_of(&["a"], q), "\"a\"");
        assert_eq!(one_of(&["a", "b", "c"], q), "\"a\", \"b\" or \"c\"");
    }
}
