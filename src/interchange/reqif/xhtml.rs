//! Markdown <-> the XHTML of ReqIF's `ATTRIBUTE-VALUE-XHTML`. Out: the
//! subset of XHTML 1.1 that ReqIF's schema admits (text, hypertext, list,
//! edit, presentation and table modules) inside one `xhtml:div`; raw HTML in
//! the Markdown is written as text, images as links (no image module).
//! In: a reader's XHTML back to plain Markdown, for files from other tools
//! (relpack's own files carry their Markdown beside it).

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use quick_xml::escape::escape;

/// Markdown as `<xhtml:div>...</xhtml:div>`, well-formed and deterministic.
pub fn markdown_to_xhtml(md: &str) -> String {
    let mut out = String::from("<xhtml:div>");
    let mut in_table_head = false;
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for ev in Parser::new_ext(md, opts) {
        match ev {
            Event::Start(tag) => open(&mut out, &tag, &mut in_table_head),
            Event::End(tag) => close(&mut out, tag, &mut in_table_head),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => out.push_str(&escape(&*t)),
            Event::Code(t) => {
                out.push_str("<xhtml:code>");
                out.push_str(&escape(&*t));
                out.push_str("</xhtml:code>");
            }
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<xhtml:br/>"),
            Event::Rule => out.push_str("<xhtml:hr/>"),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&escape(&*t))
            }
        }
    }
    out.push_str("</xhtml:div>");
    out
}

fn heading(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "h1",
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

fn open(out: &mut String, tag: &Tag, in_head: &mut bool) {
    let name = match tag {
        Tag::Paragraph => "p",
        Tag::Heading { level, .. } => heading(*level),
        Tag::BlockQuote(_) => "blockquote",
        Tag::CodeBlock(kind) => {
            out.push_str("<xhtml:pre>");
            if let CodeBlockKind::Fenced(lang) = kind {
                if !lang.is_empty() {
                    out.push_str(&format!("<xhtml:code class=\"{}\">", escape(&**lang)));
                    return;
                }
            }
            out.push_str("<xhtml:code>");
            return;
        }
        Tag::List(Some(start)) if *start != 1 => {
            out.push_str(&format!("<xhtml:ol start=\"{start}\">"));
            return;
        }
        Tag::List(Some(_)) => "ol",
        Tag::List(None) => "ul",
        Tag::Item => "li",
        Tag::Table(_) => "table",
        Tag::TableHead => {
            *in_head = true;
            out.push_str("<xhtml:thead><xhtml:tr>");
            return;
        }
        Tag::TableRow => "tr",
        Tag::TableCell => {
            if *in_head {
                "th"
            } else {
                "td"
            }
        }
        Tag::Emphasis => "em",
        Tag::Strong => "strong",
        Tag::Strikethrough => "del",
        Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
            out.push_str(&format!("<xhtml:a href=\"{}\">", escape(&**dest_url)));
            return;
        }
        _ => return,
    };
    out.push_str("<xhtml:");
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, tag: TagEnd, in_head: &mut bool) {
    let name = match tag {
        TagEnd::Paragraph => "p",
        TagEnd::Heading(level) => heading(level),
        TagEnd::BlockQuote(_) => "blockquote",
        TagEnd::CodeBlock => {
            out.push_str("</xhtml:code></xhtml:pre>");
            return;
        }
        TagEnd::List(true) => "ol",
        TagEnd::List(false) => "ul",
        TagEnd::Item => "li",
        TagEnd::Table => {
            // A table with a head has a body: `tbody` is opened after it.
            out.push_str("</xhtml:tbody></xhtml:table>");
            return;
        }
        TagEnd::TableHead => {
            *in_head = false;
            out.push_str("</xhtml:tr></xhtml:thead><xhtml:tbody>");
            return;
        }
        TagEnd::TableRow => "tr",
        TagEnd::TableCell => {
            if *in_head {
                "th"
            } else {
                "td"
            }
        }
        TagEnd::Emphasis => "em",
        TagEnd::Strong => "strong",
        TagEnd::Strikethrough => "del",
        TagEnd::Link | TagEnd::Image => "a",
        _ => return,
    };
    out.push_str("</xhtml:");
    out.push_str(name);
    out.push('>');
}

/// XHTML (the inside of `THE-VALUE`) as Markdown: paragraphs, line breaks,
/// emphasis, code, lists and links; other elements give their text.
#[derive(Default)]
pub struct XhtmlToMarkdown {
    out: String,
    lists: Vec<Option<u64>>,
    link: Vec<String>,
    in_pre: bool,
}

impl XhtmlToMarkdown {
    /// An element opens (local name, without `xhtml:`).
    pub fn start(&mut self, name: &str, href: Option<String>) {
        match name {
            "p" | "div" | "table" | "tr" | "blockquote" => self.block(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.block();
                let n = name[1..].parse().unwrap_or(1);
                self.out.push_str(&"#".repeat(n));
                self.out.push(' ');
            }
            "br" => self.out.push('\n'),
            "strong" | "b" => self.out.push_str("**"),
            "em" | "i" => self.out.push('*'),
            "code" if !self.in_pre => self.out.push('`'),
            "pre" => {
                self.block();
                self.in_pre = true;
                self.out.push_str("```\n");
            }
            "ul" => self.list(None),
            "ol" => self.list(Some(1)),
            "li" => self.item(),
            "td" | "th" => self.out.push_str(" | "),
            "a" => {
                self.out.push('[');
                self.link.push(href.unwrap_or_default());
            }
            _ => {}
        }
    }

    pub fn end(&mut self, name: &str) {
        match name {
            "strong" | "b" => self.out.push_str("**"),
            "em" | "i" => self.out.push('*'),
            "code" if !self.in_pre => self.out.push('`'),
            "pre" => {
                self.in_pre = false;
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.out.push_str("```");
            }
            "ul" | "ol" => {
                self.lists.pop();
            }
            "a" => {
                let href = self.link.pop().unwrap_or_default();
                self.out.push_str(&format!("]({href})"));
            }
            _ => {}
        }
    }

    pub fn text(&mut self, t: &str) {
        if self.in_pre {
            self.out.push_str(t);
        } else {
            let collapsed: Vec<&str> = t.split_whitespace().collect();
            if t.starts_with(char::is_whitespace) && !self.at_line_start() {
                self.out.push(' ');
            }
            self.out.push_str(&collapsed.join(" "));
            if t.ends_with(char::is_whitespace) && !collapsed.is_empty() {
                self.out.push(' ');
            }
        }
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n') || self.out.ends_with(' ')
    }

    fn block(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\n']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
    }

    fn list(&mut self, start: Option<u64>) {
        if self.lists.is_empty() {
            self.block();
        }
        self.lists.push(start);
    }

    fn item(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        let depth = self.lists.len().saturating_sub(1);
        self.out.push_str(&"  ".repeat(depth));
        match self.lists.last_mut() {
            Some(Some(n)) => {
                self.out.push_str(&format!("{n}. "));
                *n += 1;
            }
            _ => self.out.push_str("- "),
        }
    }

    pub fn finish(self) -> String {
        self.out.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_out() {
        let x = markdown_to_xhtml(
            "The pump **shall** stop.\n\n- a\n- b <script>\n\n| h |\n|---|\n| c |\n",
        );
        assert_eq!(
            x,
            "<xhtml:div><xhtml:p>The pump <xhtml:strong>shall</xhtml:strong> stop.</xhtml:p>\
             <xhtml:ul><xhtml:li>a</xhtml:li><xhtml:li>b &lt;script&gt;</xhtml:li></xhtml:ul>\
             <xhtml:table><xhtml:thead><xhtml:tr><xhtml:th>h</xhtml:th></xhtml:tr></xhtml:thead>\
             <xhtml:tbody><xhtml:tr><xhtml:td>c</xhtml:td></xhtml:tr></xhtml:tbody></xhtml:table></xhtml:div>"
        );
    }

    #[test]
    fn xhtml_in() {
        let mut m = XhtmlToMarkdown::default();
        m.start("div", None);
        m.start("p", None);
        m.text("The pump ");
        m.start("strong", None);
        m.text("shall");
        m.end("strong");
        m.text(" stop.");
        m.end("p");
        m.start("ul", None);
        m.start("li", None);
        m.text("a");
        m.end("li");
        m.start("li", None);
        m.text("b");
        m.end("li");
        m.end("ul");
        assert_eq!(m.finish(), "The pump **shall** stop.\n\n- a\n- b");
    }
}
