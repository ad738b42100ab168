//! Replacing flagged texts: one Aho-Corasick automaton over every text the
//! guard flagged, so a flagged text is replaced wherever it shows up in
//! the packet (an item's field, a row that copies it, a finding's message
//! that quotes a case name), not only where it was found.

use aho_corasick::{AhoCorasick, MatchKind};

#[derive(Default)]
pub struct Redactor {
    ac: Option<AhoCorasick>,
    /// `[redacted: KIND]` for each pattern, by pattern index.
    marks: Vec<String>,
}

impl Redactor {
    /// From the flagged texts and their kinds.
    pub fn new(mut flagged: Vec<(String, String)>) -> Redactor {
        // The longest text first, so a private key wins over a token inside it.
        flagged.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.cmp(b)));
        flagged.dedup_by(|a, b| a.0 == b.0);
        flagged.retain(|(t, _)| !t.is_empty());
        if flagged.is_empty() {
            return Redactor::default();
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(flagged.iter().map(|(t, _)| t.as_str()))
            .ok();
        Redactor {
            ac,
            marks: flagged
                .into_iter()
                .map(|(_, kind)| format!("[redacted: {kind}]"))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Replace every flagged text in `s`; true if anything was.
    pub fn apply(&self, s: &mut String) -> bool {
        let Some(ac) = &self.ac else { return false };
        if !ac.is_match(s.as_str()) {
            return false;
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for m in ac.find_iter(s.as_str()) {
            out.push_str(&s[last..m.start()]);
            out.push_str(&self.marks[m.pattern().as_usize()]);
            last = m.end();
        }
        out.push_str(&s[last..]);
        *s = out;
        true
    }

    /// The same, for a JSON value (every string in it, keys left alone).
    pub fn apply_value(&self, v: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match v {
            Value::String(s) => self.apply(s),
            // Every element, no short cut: each must be redacted.
            Value::Array(a) => {
                a.iter_mut()
                    .map(|x| self.apply_value(x))
                    .filter(|&b| b)
                    .count()
                    > 0
            }
            Value::Object(m) => {
                m.values_mut()
                    .map(|x| self.apply_value(x))
                    .filter(|&b| b)
                    .count()
                    > 0
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let r = Redactor::new(vec![
            ("123-45-6789".into(), "SSN".into()),
            ("MRN 123-45-6789 x".into(), "MRN".into()),
        ]);
        let mut s = "a 123-45-6789 b MRN 123-45-6789 x".to_string();
        assert!(r.apply(&mut s));
        assert_eq!(s, "a [redacted: SSN] b [redacted: MRN]");
        let mut clean = "nothing".to_string();
        assert!(!r.apply(&mut clean));
        assert!(Redactor::new(Vec::new()).is_empty());
    }
}
