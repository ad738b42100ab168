//! Small conversions every importer needs: a foreign id made a valid
//! relpack id, a title made from a text.

/// A valid relpack id (`^[A-Za-z][A-Za-z0-9_.-]*$`) for a foreign id: other
/// characters become `-`, and an id that does not start with a letter gets
/// `X` before it. Valid ids are kept as they are.
pub fn relpack_id(raw: &str) -> String {
    let mut id: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'X');
    }
    id
}

/// A title from the first line of a Markdown (or RST) text: markup
/// characters dropped, cut at a word before 80 characters.
pub fn title_from_text(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let plain: String = line
        .trim_start_matches(['#', '-', '*', '>', ' '])
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect();
    let plain = plain.trim();
    if plain.is_empty() {
        return None;
    }
    if plain.chars().count() <= 80 {
        return Some(plain.to_string());
    }
    let cut: String = plain.chars().take(80).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > 40 => &cut[..i],
        _ => &cut[..],
    };
    Some(format!("{}…", cut.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(relpack_id("REQ001"), "REQ001");
        assert_eq!(relpack_id("SDOC-SRS-1"), "SDOC-SRS-1");
        assert_eq!(relpack_id("REQ 1/a"), "REQ-1-a");
        assert_eq!(relpack_id("1.2"), "X1.2");
        assert_eq!(relpack_id(""), "X");
    }

    #[test]
    fn titles() {
        assert_eq!(
            title_from_text("\n# The **pump** shall stop.\nmore").as_deref(),
            Some("The pump shall stop.")
        );
        assert_eq!(title_from_text("  \n"), None);
        let long = "word ".repeat(40);
        let t = title_from_text(&long).unwrap();
        assert!(t.ends_with('…') && t.chars().count() <= 81, "{t}");
    }
}
