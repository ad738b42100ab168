//! Evidence Markdown -> a small JSON tree of blocks and inlines for the PDF
//! template. The template draws strings as text, so nothing in the Markdown
//! can become typst code. Nesting is capped so typst's own recursion limit
//! is never reached.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::{json, Value};

use super::markdown::{split_ids, Piece};

const MAX_NESTING: usize = 8;

struct Frame {
    tag: Option<Tag<'static>>,
    children: Vec<Value>,
}

/// A figure's address in the PDF's World and its typst format, by the
/// image target as written (images/mod.rs checked it).
pub type FigureOf<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

pub fn to_ast(markdown: &str, is_id: &dyn Fn(&str) -> bool, figure: FigureOf<'_>) -> Value {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH;
    let mut stack: Vec<Frame> = vec![Frame::plain()];
    let mut code: Option<String> = None;
    let mut in_comment = false;
    for event in Parser::new_ext(markdown, options) {
        if !matches!(event, Event::Html(_) | Event::InlineHtml(_)) {
            in_comment = false;
        }
        if let Some(buf) = code.as_mut() {
            match event {
                Event::Text(t) => {
                    buf.push_str(&t);
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {
                    let v = code.take().unwrap_or_default();
                    push(
                        &mut stack,
                        json!({"t": "codeblock", "v": v.trim_end_matches('\n')}),
                    );
                    continue;
                }
                _ => continue,
            }
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) => code = Some(String::new()),
            // Too deep: keep the text, drop the structure, but never run
            // blocks together ("Maximum bolus" and its sub-items "1" and
            // "0 units per kg" once read "Maximum bolus10 units per kg"):
            // each item or block starts a line, an item with a bullet.
            Event::Start(tag) if stack.len() + structure_below(&tag) > MAX_NESTING => {
                stack.push(Frame::plain());
                match tag {
                    Tag::Item => {
                        push(&mut stack, json!({"t": "br"}));
                        push(&mut stack, json!({"t": "s", "v": "•\u{00A0}"}));
                    }
                    Tag::Paragraph
                    | Tag::Heading { .. }
                    | Tag::BlockQuote(_)
                    | Tag::TableRow
                    | Tag::TableHead
                    | Tag::FootnoteDefinition(_)
                    | Tag::HtmlBlock => push(&mut stack, json!({"t": "br"})),
                    Tag::TableCell => push(&mut stack, json!({"t": "s", "v": " | "})),
                    _ => {}
                }
            }
            Event::Start(tag) => stack.push(Frame {
                tag: Some(tag.into_static()),
                children: Vec::new(),
            }),
            Event::End(_) => {
                if stack.len() <= 1 {
                    continue;
                }
                let frame = stack.pop().unwrap_or_else(Frame::plain);
                match node(frame, figure) {
                    Node::One(v) => push(&mut stack, v),
                    Node::Many(vs) => {
                        for v in vs {
                            push(&mut stack, v);
                        }
                    }
                }
            }
            Event::Text(t) => {
                let in_link = stack
                    .iter()
                    .any(|f| matches!(f.tag, Some(Tag::Link { .. })));
                let link = |id: &str| (!in_link && is_id(id)).then(String::new);
                for piece in split_ids(&t, &link) {
                    match piece {
                        Piece::Text(s) => push(&mut stack, json!({"t": "s", "v": s})),
                        Piece::Id(id, _) => push(&mut stack, json!({"t": "ref", "id": id})),
                    }
                }
            }
            Event::Code(t) => push(&mut stack, json!({"t": "code", "v": t.to_string()})),
            Event::Html(t) | Event::InlineHtml(t) => {
                let shown = without_comments(&t, &mut in_comment);
                let shown = shown.trim_end_matches('\n');
                if !shown.is_empty() {
                    push(&mut stack, json!({"t": "s", "v": shown}));
                }
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                push(&mut stack, json!({"t": "code", "v": t.to_string()}))
            }
            Event::FootnoteReference(l) => {
                push(&mut stack, json!({"t": "s", "v": format!("[{l}]")}))
            }
            Event::SoftBreak => push(&mut stack, json!({"t": "s", "v": " "})),
            Event::HardBreak => push(&mut stack, json!({"t": "br"})),
            Event::Rule => push(&mut stack, json!({"t": "hr"})),
            Event::TaskListMarker(checked) => {
                push(&mut stack, json!({"t": "task", "checked": checked}))
            }
        }
    }
    // Close anything left open (cannot happen with a well-behaved parser).
    while stack.len() > 1 {
        let frame = stack.pop().unwrap_or_else(Frame::plain);
        if let Node::One(v) = node(frame, figure) {
            push(&mut stack, v);
        }
    }
    Value::Array(stack.pop().map(|f| f.children).unwrap_or_default())
}

/// Raw HTML (shown as text in the PDF) without its comments, which the
/// site does not show either. A comment may span several HTML events (the
/// lines of one block): `in_comment` carries it from one to the next.
fn without_comments(html: &str, in_comment: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = html;
    loop {
        let (mark, len) = if *in_comment { ("-->", 3) } else { ("<!--", 4) };
        let Some(i) = rest.find(mark) else {
            if !*in_comment {
                out.push_str(rest);
            }
            return out;
        };
        if !*in_comment {
            out.push_str(&rest[..i]);
        }
        rest = &rest[i + len..];
        *in_comment = !*in_comment;
    }
}

/// How many levels of structure a tag needs below it (a table's rows and
/// their cells, a list's items): a table or list is kept only when they
/// fit under the cap too, else it is flattened whole. One whose rows or
/// items were flattened alone had text nodes where the template reads
/// cells and items (exit 3), or lost its rows without a word.
fn structure_below(tag: &Tag<'_>) -> usize {
    match tag {
        Tag::Table(_) => 2,
        Tag::List(_) | Tag::TableHead | Tag::TableRow => 1,
        _ => 0,
    }
}

impl Frame {
    /// A frame with no tag of its own: the root, or one past the nesting limit.
    fn plain() -> Frame {
        Frame {
            tag: None,
            children: Vec::new(),
        }
    }
}

fn push(stack: &mut [Frame], v: Value) {
    if let Some(top) = stack.last_mut() {
        top.children.push(v);
    }
}

/// A paragraph with figures: the figures become blocks of their own
/// between the paragraph's runs of text (a figure cannot sit in a line).
fn split_figures(c: Vec<Value>) -> Node {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for v in c {
        if v["t"] == "img" {
            if !run.is_empty() {
                out.push(json!({"t": "p", "c": std::mem::take(&mut run)}));
            }
            out.push(v);
        } else if !(run.is_empty()
            && v["t"] == "s"
            && v["v"].as_str().is_some_and(|s| s.trim().is_empty()))
        {
            run.push(v);
        }
    }
    if !run.is_empty() {
        out.push(json!({"t": "p", "c": run}));
    }
    Node::Many(out)
}

/// The text of inline nodes (an image's alt text), without their markup.
fn plain(c: &[Value]) -> String {
    let mut out = String::new();
    for v in c {
        match v["t"].as_str() {
            Some("s" | "code") => out.push_str(v["v"].as_str().unwrap_or_default()),
            Some("ref") => out.push_str(v["id"].as_str().unwrap_or_default()),
            _ => out.push_str(&plain(
                v["c"].as_array().map(Vec::as_slice).unwrap_or_default(),
            )),
        }
    }
    out
}

enum Node {
    One(Value),
    Many(Vec<Value>),
}

fn node(frame: Frame, figure: FigureOf<'_>) -> Node {
    let c = frame.children;
    let Some(tag) = frame.tag else {
        return Node::Many(c);
    };
    Node::One(match tag {
        Tag::Paragraph if c.iter().any(|v| v["t"] == "img") => return split_figures(c),
        Tag::Paragraph => json!({"t": "p", "c": c}),
        Tag::Heading { level, .. } => json!({"t": "h", "l": level as u8, "c": c}),
        Tag::BlockQuote(_) => json!({"t": "quote", "c": c}),
        Tag::List(start) => match start {
            Some(n) => json!({"t": "ol", "start": n, "items": c}),
            None => json!({"t": "ul", "items": c}),
        },
        Tag::Item => json!({"t": "item", "c": c}),
        Tag::Table(align) => {
            let head = c
                .iter()
                .find(|v| v["t"] == "head")
                .cloned()
                .unwrap_or(json!({"cells": []}));
            let rows: Vec<Value> = c.into_iter().filter(|v| v["t"] == "row").collect();
            json!({"t": "table", "cols": align.len().max(1), "head": head["cells"], "rows": rows.iter().map(|r| r["cells"].clone()).collect::<Vec<_>>()})
        }
        Tag::TableHead => json!({"t": "head", "cells": c}),
        Tag::TableRow => json!({"t": "row", "cells": c}),
        Tag::TableCell => json!({"t": "cell", "c": c}),
        Tag::Emphasis => json!({"t": "em", "c": c}),
        Tag::Strong => json!({"t": "strong", "c": c}),
        Tag::Strikethrough => json!({"t": "del", "c": c}),
        Tag::Link { dest_url, .. } => json!({"t": "link", "url": dest_url.to_string(), "c": c}),
        Tag::Image { dest_url, .. } => match figure(&dest_url) {
            Some((src, format)) => json!({"t": "img", "src": src, "fmt": format, "alt": plain(&c)}),
            // Not drawn: its alt text and address, as the site links it.
            None => match plain(&c) {
                alt if alt.trim().is_empty() => {
                    json!({"t": "s", "v": format!("[image: {dest_url}]")})
                }
                alt => json!({"t": "s", "v": format!("[image: {alt} ({dest_url})]")}),
            },
        },
        Tag::FootnoteDefinition(label) => json!({"t": "fn", "label": label.to_string(), "c": c}),
        Tag::CodeBlock(CodeBlockKind::Fenced(_) | CodeBlockKind::Indented) => {
            json!({"t": "codeblock", "v": ""})
        }
        _ => return Node::Many(c),
    })
}

#[cfg(test)]
mod tests {
    use super::to_ast;

    fn text(markdown: &str) -> String {
        to_ast(markdown, &|_| false, &|_| None).to_string()
    }

    /// The PDF shows raw HTML as text, but not its comments, as the site.
    #[test]
    fn html_comments_are_not_shown_other_raw_html_is() {
        let out =
            text("Visible <!-- a note --> words <b>bold</b>.\n\n<!--\nblock note\n-->\n\nAfter.");
        for shown in ["Visible", "words", "<b>", "After."] {
            assert!(out.contains(shown), "{shown}: {out}");
        }
        assert!(!out.contains("note"), "{out}");
    }
}
