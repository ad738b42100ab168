//! Evidence Markdown -> safe HTML: pulldown-cmark (tables, task lists,
//! footnotes, strikethrough), then ammonia, so a `<script>`, an `onerror=`
//! or a `javascript:` link in evidence never reaches a page.

use std::sync::LazyLock;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_generic_attributes(["id"])
        .add_tag_attributes("a", ["class"])
        .id_prefix(Some("md-"))
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    b
});

pub fn to_html(markdown: &str) -> String {
    to_html_linked(markdown, &|_| None)
}

/// Markdown to safe HTML where every item id mentioned in the prose links
/// to its page: `link(id)` gives the href for ids that exist.
pub fn to_html_linked(markdown: &str, link: &dyn Fn(&str) -> Option<String>) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    // pulldown-cmark escapes text and attributes itself; what it passes
    // through unchecked is raw HTML, link targets and footnote ids. Only a
    // text that has one of those pays for ammonia's full parse.
    let needs_cleaning = events.iter().any(|e| match e {
        Event::Html(_) | Event::InlineHtml(_) => true,
        Event::FootnoteReference(_) | Event::Start(Tag::FootnoteDefinition(_)) => true,
        Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
            !safe_url(dest_url)
        }
        _ => false,
    });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    let mut in_link = 0usize;
    let linked = events.into_iter().flat_map(|e| match e {
        Event::Start(Tag::Link { .. }) => {
            in_link += 1;
            vec![e]
        }
        Event::End(TagEnd::Link) => {
            in_link = in_link.saturating_sub(1);
            vec![e]
        }
        Event::Text(t) if in_link == 0 => split_ids(&t, link)
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(s) => Event::Text(CowStr::from(s)),
                Piece::Id(id, href) => Event::InlineHtml(CowStr::from(format!(
                    "<a class=\"id\" href=\"{}\">{}</a>",
                    escape(&href),
                    escape(&id)
                ))),
            })
            .collect(),
        other => vec![other],
    });
    html::push_html(&mut raw, linked);
    if needs_cleaning {
        CLEANER.clean(&raw).to_string()
    } else {
        raw
    }
}

/// A link target that needs no sanitizing: relative, or http(s)/mailto.
fn safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(colon) => {
            // A colon after a `/`, `?` or `#` is not a scheme separator.
            let before = &lower[..colon];
            before.contains(['/', '?', '#']) || matches!(before, "http" | "https" | "mailto")
        }
    }
}

pub enum Piece {
    Text(String),
    Id(String, String),
}

/// Split prose into text and the item ids it names (whole tokens only; a
/// sentence's closing `.` is not part of an id).
pub fn split_ids(text: &str, link: &dyn Fn(&str) -> Option<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let bytes = text.as_bytes();
    let is_id_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    let mut i = 0;
    while i < bytes.len() {
        let starts_token = bytes[i].is_ascii_alphabetic() && (i == 0 || !is_id_char(bytes[i - 1]));
        if !starts_token {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < bytes.len() && is_id_char(bytes[end]) {
            end += 1;
        }
        let mut candidate = &text[i..end];
        while let Some(c) = candidate.strip_suffix(['.', '-', '_']) {
            candidate = c;
        }
        if let Some(href) = link(candidate) {
            if rest_start < i {
                out.push(Piece::Text(text[rest_start..i].to_string()));
            }
            out.push(Piece::Id(candidate.to_string(), href));
            rest_start = i + candidate.len();
        }
        i = end.max(i + 1);
    }
    if rest_start < text.len() {
        out.push(Piece::Text(text[rest_start..].to_string()));
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn hostile_markdown_is_inert() {
        let out = to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <a href=\"javascript:alert(2)\">y</a>",
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
    }

    #[test]
    fn the_fast_path_is_as_safe_as_ammonia() {
        for hostile in [
            "[x](javascript:alert(1))",
            "[x]( JavaScript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "![i](vbscript:msgbox)",
            "<b onclick=alert(1)>b</b>",
            "x[^search]\n\n[^search]: y",
        ] {
            let out = to_html(hostile).to_lowercase();
            assert!(
                !out.contains("javascript:")
                    && !out.contains("data:")
                    && !out.contains("vbscript:"),
                "{out}"
            );
            assert!(
                !out.contains("onclick") && !out.contains("id=\"search\""),
                "{out}"
            );
        }
        assert!(super::safe_url("items/REQ-1.html") && super::safe_url("https://x.org/a:b"));
        assert!(!super::safe_url("javascript:x") && !super::safe_url("JAVASCRIPT:x"));
    }

    #[test]
    fn tables_tasks_footnotes_render() {
        let out =
            to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nnote[^1]\n\n[^1]: here");
        assert!(out.contains("<table>"), "{out}");
        assert!(out.contains("checkbox"), "{out}");
        assert!(out.contains("<sup>"), "{out}");
    }
}
