//! Evidence Markdown -> safe HTML: pulldown-cmark (tables, task lists,
//! footnotes, strikethrough), then ammonia, so a `<script>`, an `onerror=`
//! or a `javascript:` link in evidence never reaches a page. A remote image
//! (`![p](https://...)` or a raw `<img>`) becomes a link unless its host is
//! listed in `[packet] remote_images` ([`ImagePolicy`]): opening a page
//! contacts no host (the pages' Content-Security-Policy enforces it).

use std::borrow::Cow;
use std::sync::LazyLock;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_generic_attributes(["id"])
        .add_tag_attributes("a", ["class"])
        .add_allowed_classes("img", ["figure"])
        .add_allowed_classes("span", ["caption"])
        .add_allowed_classes("th", ALIGN_CLASSES)
        .add_allowed_classes("td", ALIGN_CLASSES)
        .id_prefix(Some("md-"))
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    b
});

/// Table cell alignment as classes: pulldown-cmark writes it as a `style`
/// attribute, which the pages' Content-Security-Policy refuses.
const ALIGN_CLASSES: [&str; 3] = ["align-left", "align-center", "align-right"];

fn alignment_as_classes(html: String) -> String {
    if !html.contains(" style=\"text-align: ") {
        return html;
    }
    // Text and attribute values have their `"` escaped: only
    // pulldown-cmark's own attribute can match.
    html.replace(" style=\"text-align: left\"", " class=\"align-left\"")
        .replace(" style=\"text-align: center\"", " class=\"align-center\"")
        .replace(" style=\"text-align: right\"", " class=\"align-right\"")
}

pub fn to_html(markdown: &str) -> String {
    to_html_linked(markdown, &|_| None, &ImagePolicy::default(), &|_| None)
}

/// Markdown to safe HTML where every item id mentioned in the prose links
/// to its page: `link(id)` gives the href for ids that exist. Images the
/// policy does not allow become links to them. `figure(target)` gives the
/// packet's copy of a checked image attachment (images/mod.rs): shown as
/// an `<img>` with its alt text as caption, never as inline markup.
pub fn to_html_linked(
    markdown: &str,
    link: &dyn Fn(&str) -> Option<String>,
    images: &ImagePolicy,
    figure: &dyn Fn(&str) -> Option<String>,
) -> String {
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
    // One entry per open image: the address it links to instead, and
    // whether it had an alt text to show (else the address is shown).
    let mut images_open: Vec<Option<(CowStr<'_>, bool)>> = Vec::new();
    // An open figure: its packet address, its alt text so far, and how
    // many images are open inside it.
    let mut figure_open: Option<(String, String, usize)> = None;
    let linked = events.into_iter().flat_map(|e| match e {
        e if figure_open.is_some() => close_figure(e, &mut figure_open),
        Event::Start(Tag::Image { ref dest_url, .. }) if figure(dest_url).is_some() => {
            figure_open = figure(dest_url).map(|src| (src, String::new(), 0));
            vec![]
        }
        Event::Start(Tag::Link { .. }) => {
            in_link += 1;
            vec![e]
        }
        Event::End(TagEnd::Link) => {
            in_link = in_link.saturating_sub(1);
            vec![e]
        }
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !images.allows(&dest_url) => {
            in_link += 1;
            images_open.push(Some((dest_url.clone(), false)));
            vec![Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })]
        }
        Event::Start(Tag::Image { .. }) => {
            images_open.push(None);
            vec![e]
        }
        Event::End(TagEnd::Image) => match images_open.pop().flatten() {
            Some((url, shown)) => {
                in_link = in_link.saturating_sub(1);
                let mut out = Vec::new();
                if !shown {
                    out.push(Event::Text(url));
                }
                out.push(Event::End(TagEnd::Link));
                out
            }
            None => vec![e],
        },
        // Raw HTML whose tag no page keeps is evidence text that looks
        // like a tag ("dose<max and max>0", "press <OK>"): ammonia would
        // drop it, and with it the words after it. Shown as written, as
        // the PDF shows it.
        Event::InlineHtml(h) | Event::Html(h) if !kept_tag(&h) => vec![Event::Text(h)],
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
        Event::Text(t) => {
            if let Some(Some((_, shown))) = images_open.last_mut() {
                *shown |= !t.trim().is_empty();
            }
            vec![Event::Text(t)]
        }
        other => vec![other],
    });
    html::push_html(&mut raw, linked);
    let raw = alignment_as_classes(raw);
    let html = if needs_cleaning {
        let clean = CLEANER.clean(&raw).to_string();
        remote_images_as_links(&clean, images).into_owned()
    } else {
        raw
    };
    // A bidi control (written, or as `&#x202E;`) is shown as its code
    // point, as the PDF shows it: obeyed, it reversed the rest of its
    // paragraph. No markup holds one, so the page's text is all it touches.
    match crate::text::show_bidi(&html) {
        std::borrow::Cow::Borrowed(_) => html,
        std::borrow::Cow::Owned(shown) => shown,
    }
}

/// Whether raw HTML starts with a tag the pages keep (ammonia's list), a
/// tag whose content ammonia removes with it (`<script>`, `<style>`), or
/// no tag at all (a comment, a declaration): else it is shown as text.
fn kept_tag(html: &str) -> bool {
    static KEPT: LazyLock<std::collections::HashSet<&'static str>> =
        LazyLock::new(|| CLEANER.clone_tags());
    let rest = html.trim_start().strip_prefix('<').unwrap_or_default();
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    name.is_empty() || KEPT.contains(name.as_str()) || matches!(name.as_str(), "script" | "style")
}

/// One event inside a figure: its text gathers into the alt text; at its
/// end, the figure as an `<img>` of the packet's copy and a caption.
fn close_figure<'e>(e: Event<'e>, open: &mut Option<(String, String, usize)>) -> Vec<Event<'e>> {
    let Some((src, alt, depth)) = open.as_mut() else {
        return vec![e];
    };
    match e {
        Event::Text(t) | Event::Code(t) => alt.push_str(&t),
        Event::SoftBreak | Event::HardBreak => alt.push(' '),
        Event::Start(Tag::Image { .. }) => *depth += 1,
        Event::End(TagEnd::Image) if *depth > 0 => *depth -= 1,
        Event::End(TagEnd::Image) => {
            let mut html = format!(
                "<img class=\"figure\" src=\"{}\" alt=\"{}\">",
                escape(src),
                escape(alt)
            );
            if !alt.trim().is_empty() {
                html += &format!("<span class=\"caption\">{}</span>", escape(alt));
            }
            *open = None;
            return vec![Event::InlineHtml(CowStr::from(html))];
        }
        _ => {}
    }
    vec![]
}

/// Which images a page may load: its own (relative addresses) and those
/// on the hosts relpack.toml lists in `[packet] remote_images`.
#[derive(Debug, Clone, Default)]
pub struct ImagePolicy {
    /// Lower-case host names, each with its port if it names one.
    hosts: Vec<String>,
}

impl ImagePolicy {
    pub fn new(hosts: impl IntoIterator<Item = String>) -> ImagePolicy {
        ImagePolicy {
            hosts: hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether an image at `url` may be loaded by a page.
    pub fn allows(&self, url: &str) -> bool {
        // Browsers read `\` as `/` in these addresses, and ignore leading
        // blanks and control characters.
        let url = url
            .trim_start_matches(|c: char| c <= ' ')
            .replace('\\', "/")
            .to_ascii_lowercase();
        let rest = if let Some(rest) = url.strip_prefix("//") {
            rest
        } else if let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        {
            rest.trim_start_matches('/')
        } else {
            // A relative address is the packet's own; any other scheme is
            // refused (ammonia drops it, the policy blocks it).
            return !url
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .contains(':');
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        self.hosts.iter().any(|h| h == host)
    }

    /// The pages' Content-Security-Policy: nothing but the packet's own
    /// script, style and images, and images from the listed hosts.
    pub fn content_security_policy(&self) -> String {
        let mut img = String::from("'self'");
        for h in &self.hosts {
            img.push_str(&format!(" http://{h} https://{h}"));
        }
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src {img}; \
             base-uri 'none'; form-action 'none'"
        )
    }
}

/// Turn every `<img>` in ammonia's output whose address the policy does
/// not allow into a link to it. ammonia serializes every attribute as
/// `name="value"` with `"` escaped, so the tags are read exactly.
fn remote_images_as_links<'h>(html: &'h str, images: &ImagePolicy) -> Cow<'h, str> {
    if !html.contains("<img") {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<img") {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let Some((attrs, len)) = read_tag(&tag[4..]) else {
            out.push_str(tag);
            return Cow::Owned(out);
        };
        let attr = |name: &str| attrs.iter().find(|a| a.0 == name).map(|a| a.1);
        match attr("src") {
            Some(src) if !images.allows(&unescape_attr(src)) => {
                let text = attr("alt").filter(|a| !a.trim().is_empty()).unwrap_or(src);
                out.push_str(&format!(
                    "<a href=\"{src}\" rel=\"noopener noreferrer nofollow\">{}</a>",
                    text.replace('<', "&lt;").replace('>', "&gt;")
                ));
            }
            _ => out.push_str(&tag[..4 + len]),
        }
        rest = &tag[4 + len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The attributes of a serialized tag after its name, and the length up to
/// and including its `>`.
fn read_tag(s: &str) -> Option<(Vec<(&str, &str)>, usize)> {
    let mut attrs = Vec::new();
    let mut i = 0;
    let b = s.as_bytes();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((attrs, i + 1));
        }
        let name_start = i;
        while i < b.len() && !matches!(b[i], b'=' | b'>' | b'/') && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = &s[name_start..i];
        if b.get(i) == Some(&b'=') && b.get(i + 1) == Some(&b'"') {
            let value_start = i + 2;
            let value_len = s[value_start..].find('"')?;
            attrs.push((name, &s[value_start..value_start + value_len]));
            i = value_start + value_len + 1;
        } else {
            attrs.push((name, ""));
        }
    }
}

fn unescape_attr(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
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

    /// Text that looks like a tag no page keeps stays text, with the words
    /// after it; tags the pages keep still work, and a script still goes.
    #[test]
    fn tag_like_text_stays_text() {
        let out = to_html(
            "Deliver only if dose<max and max>0 holds, then log it.\n\n\
             Press <OK> to confirm, <b>now</b>.\n\n<Patient ID>\n\n\
             <script>alert(1)</script>",
        );
        assert!(
            out.contains("dose&lt;max and max&gt;0 holds, then log it."),
            "{out}"
        );
        assert!(
            out.contains("Press &lt;OK&gt; to confirm, <b>now</b>."),
            "{out}"
        );
        assert!(out.contains("&lt;Patient ID&gt;"), "{out}");
        assert!(!out.contains("<script") && !out.contains("alert"), "{out}");
    }

    #[test]
    fn a_bidi_override_is_shown_not_obeyed() {
        for text in [
            "a &#x202E;reversed",
            "a \u{202E}reversed",
            "<b>a &#x202E;b</b>",
        ] {
            let out = to_html(text);
            assert!(
                !out.contains('\u{202E}') && out.contains("[U+202E]"),
                "{out}"
            );
        }
    }

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
    fn remote_images_become_links_unless_their_host_is_listed() {
        use super::{to_html_linked, ImagePolicy};
        let none = ImagePolicy::default();
        let listed = ImagePolicy::new(["img.example.com".to_string()]);
        for hostile in [
            "![p](https://tracker.example/p.png)",
            "![](//tracker.example/p.png)",
            "![p](HTTPS://tracker.example/p.png)",
            r"![p](\\\\tracker.example/p.png)",
            "<img src=https://tracker.example/p.png>",
            "<img alt='a \"src=\" b' src=\"http://u@tracker.example/p.png\">",
            "x <IMG SRC=https://tracker.example/p.png> y",
            "![p](https://img.example.com.tracker.example/p.png)",
        ] {
            let out = to_html_linked(hostile, &|_| None, &none, &|_| None);
            assert!(!out.contains("<img"), "{hostile}: {out}");
            assert!(out.contains("tracker.example"), "{hostile}: {out}");
        }
        let out = to_html_linked(
            "![p](https://img.example.com/p.png)",
            &|_| None,
            &listed,
            &|_| None,
        );
        assert!(
            out.contains("<img src=\"https://img.example.com/p.png\""),
            "{out}"
        );
        let out = to_html_linked(
            "<img src=https://img.example.com/p.png>",
            &|_| None,
            &listed,
            &|_| None,
        );
        assert!(
            out.contains("<img src=\"https://img.example.com/p.png\""),
            "{out}"
        );
        let out = to_html_linked("![local](figures/a.png)", &|_| None, &none, &|_| None);
        assert!(out.contains("<img src=\"figures/a.png\""), "{out}");
        let out = to_html_linked("![](https://t.example/p.png)", &|_| None, &none, &|_| None);
        assert!(out.contains(">https://t.example/p.png</a>"), "{out}");
    }

    #[test]
    fn figures_are_images_of_the_packet_copy_with_their_alt_text_as_caption() {
        use super::{to_html_linked, ImagePolicy};
        let figure = |t: &str| (t == "arch.svg").then(|| "../attachments/ab.svg".to_string());
        for md in [
            "See ![The *system* \"arch\"](arch.svg) here.",
            "See ![The *system* \"arch\"](arch.svg) here. <b>raw</b>",
        ] {
            let out = to_html_linked(md, &|_| None, &ImagePolicy::default(), &figure);
            assert!(
                out.contains("<img class=\"figure\" src=\"../attachments/ab.svg\" alt=\"The system &quot;arch&quot;\">"),
                "{out}"
            );
            assert!(
                // ammonia writes a text's `"` as is: only `<`, `>`, `&` matter there.
                out.contains("<span class=\"caption\">The system &quot;arch&quot;</span>")
                    || out.contains("<span class=\"caption\">The system \"arch\"</span>"),
                "{out}"
            );
            assert!(!out.contains("<em>"), "{out}");
        }
    }

    #[test]
    fn tables_tasks_footnotes_render() {
        let out =
            to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nnote[^1]\n\n[^1]: here");
        assert!(out.contains("<table>"), "{out}");
        assert!(out.contains("checkbox"), "{out}");
        assert!(out.contains("<sup>"), "{out}");
        let out = to_html("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n<b>raw</b>");
        assert!(!out.contains("style="), "{out}");
        assert!(out.contains("<td class=\"align-right\">3</td>"), "{out}");
    }
}
