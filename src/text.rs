//! What a reader sees of an evidence string: the gates count a rationale,
//! a benefit-risk text or a signer's name only when it shows something, and
//! compare names as they read, not as their code points differ.

/// Unicode's Default_Ignorable_Code_Point: characters drawn as nothing
/// (zero-width spaces and joiners, soft hyphens, bidi marks, variation
/// selectors, tags).
pub fn default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether `s` shows nothing: only white space (a no-break space too) and
/// characters drawn as nothing. Such a text is no text.
pub fn shows_nothing(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || default_ignorable(c))
}

/// An explicit bidi embedding, override or isolate (U+202A-U+202E,
/// U+2066-U+2069): in a product name it turned the PDF's running header,
/// "NOT RELEASABLE" with it, around, and on a page the rest of its
/// paragraph. The implicit order of right-to-left scripts needs none.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with each bidi control written as its code point (`[U+202E]`), as
/// the PDF and the site show them: shown, never obeyed.
pub fn show_bidi(s: &str) -> std::borrow::Cow<'_, str> {
    show_chars(s, is_bidi_control, |c| format!("[U+{:04X}]", c as u32))
}

/// `s` with each character `hidden` picks written out by `show` instead
/// (a terminal's `\u{1b}`, the PDF's `[U+202E]`): shown, never obeyed.
pub fn show_chars<'s>(
    s: &'s str,
    hidden: impl Fn(char) -> bool,
    show: impl Fn(char) -> String,
) -> std::borrow::Cow<'s, str> {
    if !s.chars().any(&hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&show(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `Some(s)` unless it shows nothing.
pub fn shown(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !shows_nothing(s))
}

/// A printed name as a reader of the packet sees it: compatibility and
/// composed forms folded (NFKC: a fullwidth `Ｄａｎａ` is `Dana`, `e` and a
/// combining acute are `é`), characters drawn as nothing dropped, spacing
/// and case aside. Empty when the name shows nothing.
pub fn printed_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let shown: String = name.nfkc().filter(|&c| !default_ignorable(c)).collect();
    shown
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_text_is_no_text_and_names_fold_as_they_read() {
        for blank in [
            "",
            "   ",
            "\u{200B}",
            "\u{200B}\u{00A0}",
            "\u{FEFF}\t\u{2060}",
        ] {
            assert!(shows_nothing(blank), "{blank:?}");
        }
        assert!(!shows_nothing("\u{200B}x"));
        let dana = printed_name("Dana Reyes");
        for twin in [
            "Dana Reyes\u{200B}",
            " dana  reyes",
            "\u{FF24}ana Reyes",
            "Da\u{00AD}na\u{00A0}Reyes",
        ] {
            assert_eq!(printed_name(twin), dana, "{twin:?}");
        }
        assert_eq!(
            printed_name("Jos\u{00E9} Ruiz"),
            printed_name("Jose\u{0301} Ruiz")
        );
        assert_eq!(printed_name("\u{200B} \u{00A0}"), "");
    }
}
