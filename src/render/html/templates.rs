//! The site's tera templates and assets (built into the binary) and the
//! filters they use.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;
use tera::{Context, Tera};

use crate::names::page_name;
use crate::render::RenderError;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/html/base.html"),
    ),
    (
        "index.html",
        include_str!("../../../templates/html/index.html"),
    ),
    (
        "gates.html",
        include_str!("../../../templates/html/gates.html"),
    ),
    (
        "documents.html",
        include_str!("../../../templates/html/documents.html"),
    ),
    (
        "changes.html",
        include_str!("../../../templates/html/changes.html"),
    ),
    (
        "requirements.html",
        include_str!("../../../templates/html/requirements.html"),
    ),
    (
        "risk.html",
        include_str!("../../../templates/html/risk.html"),
    ),
    (
        "trace-matrix.html",
        include_str!("../../../templates/html/trace-matrix.html"),
    ),
    (
        "verification.html",
        include_str!("../../../templates/html/verification.html"),
    ),
    (
        "anomalies.html",
        include_str!("../../../templates/html/anomalies.html"),
    ),
    (
        "deviations.html",
        include_str!("../../../templates/html/deviations.html"),
    ),
    (
        "soup.html",
        include_str!("../../../templates/html/soup.html"),
    ),
    (
        "approvals.html",
        include_str!("../../../templates/html/approvals.html"),
    ),
    (
        "evidence.html",
        include_str!("../../../templates/html/evidence.html"),
    ),
    (
        "regulatory-index.html",
        include_str!("../../../templates/html/regulatory-index.html"),
    ),
    (
        "item.html",
        include_str!("../../../templates/html/item.html"),
    ),
    (
        "releases.html",
        include_str!("../../../templates/html/releases.html"),
    ),
    // The rows of the big sections, rendered in parts (`parts.rs`).
    (
        "parts/requirements.html",
        include_str!("../../../templates/html/parts/requirements.html"),
    ),
    (
        "parts/trace-requirements.html",
        include_str!("../../../templates/html/parts/trace-requirements.html"),
    ),
    (
        "parts/trace-tests.html",
        include_str!("../../../templates/html/parts/trace-tests.html"),
    ),
    (
        "parts/verification-tests.html",
        include_str!("../../../templates/html/parts/verification-tests.html"),
    ),
];

/// Static files every packet's site carries.
pub const ASSETS: &[(&str, &str)] = &[
    (
        "assets/style.css",
        include_str!("../../../templates/html/assets/style.css"),
    ),
    (
        "assets/search.js",
        include_str!("../../../templates/html/assets/search.js"),
    ),
];

/// Every template and asset, by name: what the site is made from (for
/// [`crate::render::input_key`]).
pub fn sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    TEMPLATES.iter().chain(ASSETS).copied()
}

static TERA: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut t = Tera::default();
    t.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| format!("templates: {e:?}"))?;
    t.register_filter("page", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(page_name(v.as_str().unwrap_or_default())))
    });
    t.register_filter("id_link", IdLinks);
    t.autoescape_on(vec![".html"]);
    // Escaped, and a bidi control shown as its code point (as the PDF
    // does): an override in a title reversed the rest of its line.
    t.set_escape_fn(|s| tera::escape_html(&crate::text::show_bidi(s)));
    Ok(t)
});

pub fn tera() -> Result<&'static Tera, RenderError> {
    TERA.as_ref().map_err(|e| RenderError::Template {
        template: "(all)".into(),
        message: e.clone(),
    })
}

/// Render one template with a view.
pub fn render<T: Serialize>(
    template: &str,
    view: &T,
    csp: Option<&str>,
) -> Result<Vec<u8>, RenderError> {
    render_text(template, view, csp).map(String::into_bytes)
}

/// [`render`], as text.
pub fn render_text<T: Serialize>(
    template: &str,
    view: &T,
    csp: Option<&str>,
) -> Result<String, RenderError> {
    let failed = |e: &dyn std::error::Error| RenderError::Template {
        template: template.to_string(),
        message: error_chain(e),
    };
    let mut c = Context::from_serialize(view).map_err(|e| failed(&e))?;
    if let Some(csp) = csp {
        c.insert("csp", csp);
    }
    tera()?.render(template, &c).map_err(|e| failed(&e))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

/// `{{ id | id_link(root=h.root) }}`, `{{ ids | id_link(root=h.root, sep="<br>") }}`:
/// every link to an item page, written once. One id or a list of ids; each
/// becomes `<a class="id" href="ROOT/items/PAGE.html">ID</a>`, escaped as
/// tera's autoescape would, joined by `sep` (", " unless given; a template
/// literal, never evidence).
struct IdLinks;

impl tera::Filter for IdLinks {
    fn filter(&self, v: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let arg = |k: &str| args.get(k).and_then(Value::as_str);
        let root = tera::escape_html(arg("root").unwrap_or_default());
        let sep = arg("sep").unwrap_or(", ");
        let ids: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut out = String::new();
        for (n, id) in ids.into_iter().enumerate() {
            if n > 0 {
                out.push_str(sep);
            }
            let _ = write!(
                out,
                r#"<a class="id" href="{root}items/{}.html">{}</a>"#,
                tera::escape_html(&page_name(id)),
                tera::escape_html(id)
            );
        }
        Ok(Value::String(out))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_links_are_escaped_and_joined() {
        let args: HashMap<String, Value> = [
            ("root".to_string(), Value::from("../")),
            ("sep".to_string(), Value::from("<br>")),
        ]
        .into();
        let out =
            tera::Filter::filter(&IdLinks, &serde_json::json!(["A-1", "B&<"]), &args).unwrap();
        assert_eq!(
            out.as_str().unwrap(),
            format!(
                r#"<a class="id" href="..&#x2F;items/A-1.html">A-1</a><br><a class="id" href="..&#x2F;items/{}.html">B&amp;&lt;</a>"#,
                tera::escape_html(&page_name("B&<"))
            )
        );
    }
}
