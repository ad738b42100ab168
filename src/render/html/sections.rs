//! The section pages of PACKET.md, as one table: each page's file, title
//! and the function that builds its view. The navigation, the renderer and
//! the titles all read this table.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::item_page::{field_views, FieldView};
use super::site::{Header, Site};
use super::templates;
use crate::changes::ChangeSet;
use crate::gate::{ApprovalCheck, GateOutcome};
use crate::git::TracedCommit;
use crate::model::json::Element;
use crate::model::{
    AnomalyRow, DeviationRow, EvidenceEntry, HazardRow, JunitSummary, PacketItem, PropertyCase,
    RequirementCounts, RequirementRow, SoupRow, TestRow, UnboundCase,
};
use crate::render::{Output, RenderError};

type Render = fn(&Site<'_>, Header<'_>, &dyn Output) -> Result<(), RenderError>;

#[derive(Serialize)]
pub struct Section {
    /// The file, also the template's name.
    pub page: &'static str,
    pub title: &'static str,
    #[serde(skip)]
    render: Render,
}

/// The sections, in the order of PACKET.md.
pub const SECTIONS: &[Section] = &[
    section("index.html", "Release identification", index),
    section("gates.html", "Release gates", gates),
    section("documents.html", "Documents", documents),
    section("changes.html", "Changes", changes),
    section("requirements.html", "Requirements", requirements),
    section("risk.html", "Risk management", risk),
    section("trace-matrix.html", "Trace matrix", trace_matrix),
    section("verification.html", "Verification summary", verification),
    section("anomalies.html", "Unresolved anomalies", anomalies),
    section("deviations.html", "Deviations", deviations),
    section("soup.html", "SOUP", soup),
    section("approvals.html", "Approvals", approvals),
    section("evidence.html", "Evidence index", evidence),
    section(
        "regulatory-index.html",
        "Regulatory index",
        regulatory_index,
    ),
];

const fn section(page: &'static str, title: &'static str, render: Render) -> Section {
    Section {
        page,
        title,
        render,
    }
}

impl Section {
    /// Render the page into `out`.
    pub fn render(&self, site: &Site<'_>, out: &dyn Output) -> Result<(), RenderError> {
        let h = site.header("", self.page, self.title.to_string());
        (self.render)(site, h, out)
    }
}

/// Render `page`'s template with `view`, the page's CSP added, into `out`;
/// linked from the earlier build instead when the view is the same (a
/// section of 100k rows takes far longer to render than to hash). The rows
/// of a big section ([`Rows`]) go into the template as markers and into
/// `out` as the parts they are: tens of megabytes of parts are not copied
/// into one string, a JSON value and the page once more.
fn page<T: Serialize>(
    site: &Site<'_>,
    h: &Header<'_>,
    view: T,
    out: &dyn Output,
) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct WithHeader<'a, 'h, T> {
        h: &'a Header<'h>,
        #[serde(flatten)]
        view: T,
    }
    let path = h.current();
    let view = WithHeader { h, view };
    KEYING.with(|k| k.set(true));
    let key = crate::render::input_key(path, &view, &site.csp);
    KEYING.with(|k| k.set(false));
    if let Some(key) = &key {
        if out.reuse(path, key)? {
            return Ok(());
        }
    }
    ROWS.with_borrow_mut(Vec::clear);
    let text = templates::render_text(path, &view, Some(&site.csp));
    let rows = ROWS.with_borrow_mut(std::mem::take);
    let text = text?;
    out.put_pieces(path, key.as_deref(), &with_rows(path, &text, &rows)?)?;
    Ok(())
}

thread_local! {
    /// Set while [`page`] makes its key: [`Rows`] then serialize as the
    /// keys of their parts instead of their megabytes of HTML.
    static KEYING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The [`Rows`] of the page being rendered on this thread, in the order
    /// the view serialized them; each stands in the text as a marker.
    static ROWS: std::cell::RefCell<Vec<Arc<Vec<String>>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The start of a marker: an HTML comment neither a template nor evidence
/// text holds, as it carries a number drawn for this process.
fn marker_head() -> &'static str {
    static HEAD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HEAD.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let nonce = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        format!("<!--relpack-rows {nonce:016x} ")
    })
}

/// `text` with each marker replaced by the parts of its rows, as pieces
/// (a page without rows: one piece).
/// Every rows must be placed and every marker known: a template that
/// escaped or dropped one would otherwise give a page without its rows.
fn with_rows<'a>(
    path: &str,
    text: &'a str,
    rows: &'a [Arc<Vec<String>>],
) -> Result<Vec<&'a [u8]>, RenderError> {
    let head = marker_head();
    let mut pieces = Vec::with_capacity(rows.iter().map(|r| r.len()).sum::<usize>() + 8);
    let mut placed = vec![false; rows.len()];
    let mut rest = text;
    while let Some(at) = rest.find(head) {
        let after = &rest[at + head.len()..];
        let found = after.split_once("-->").and_then(|(n, tail)| {
            let n = n.parse::<usize>().ok()?;
            Some((n, rows.get(n)?, tail))
        });
        let Some((n, parts, tail)) = found else {
            break;
        };
        placed[n] = true;
        pieces.push(&rest.as_bytes()[..at]);
        pieces.extend(parts.iter().map(|p| p.as_bytes()));
        rest = tail;
    }
    if placed.contains(&false) || rest.contains(head) {
        return Err(RenderError::Template {
            template: path.to_string(),
            message: "a section's rows are not in the page (its template must show them as `{{ rows | safe }}`)".into(),
        });
    }
    pieces.push(rest.as_bytes());
    Ok(pieces)
}

/// The rows of a big section as HTML, in parts, and the digest of the keys
/// of the parts they were made of: equal part keys mean equal parts, so the
/// page's key takes the digest and need not hash the HTML (`None`: a part
/// had no key; the page's key then hashes the HTML).
struct Rows {
    parts: Arc<Vec<String>>,
    key: Option<[u8; 32]>,
}

impl Serialize for Rows {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if KEYING.with(std::cell::Cell::get) {
            return match self.key {
                Some(key) => s.serialize_bytes(&key),
                None => s.collect_seq(self.parts.iter()),
            };
        }
        let n = ROWS.with_borrow_mut(|rows| {
            rows.push(Arc::clone(&self.parts));
            rows.len() - 1
        });
        s.serialize_str(&format!("{}{n}-->", marker_head()))
    }
}

/// Rows per part of a big section: an edit renders a few hundred rows
/// again, and a 100k-row section is 400 parts.
const PART_ROWS: usize = 256;

/// `rows` through the part template `template`, in parts of [`PART_ROWS`]
/// rendered side by side; a part whose inputs an earlier build rendered is
/// taken from `out` instead (see `parts.rs`). `digests`: packet.json's
/// digests of the model rows each row shows (see [`Keyed`]); a part is then
/// keyed by those and the rest of its rows, not by its rows serialized.
fn parts<T: Keyed + Sync>(
    out: &dyn Output,
    template: &str,
    root: &str,
    rows: &[T],
    digests: Option<&[Element]>,
) -> Result<Rows, RenderError> {
    use rayon::prelude::*;
    use sha2::Digest;
    #[derive(Serialize)]
    struct Root<'a> {
        root: &'a str,
    }
    #[derive(Serialize)]
    struct PartView<'a, T> {
        h: Root<'a>,
        rows: &'a [T],
    }
    #[derive(Serialize)]
    struct KeyView<'a, R> {
        h: Root<'a>,
        rest: Vec<R>,
    }
    let digests = digests.filter(|d| d.len() == rows.len());
    let rendered: Vec<(String, Option<String>)> = rows
        .par_chunks(PART_ROWS)
        .enumerate()
        .map(|(n, chunk)| {
            let view = PartView {
                h: Root { root },
                rows: chunk,
            };
            let key = match digests {
                Some(d) => {
                    let start = n * PART_ROWS;
                    let raw: Vec<Option<&[u8]>> = d[start..start + chunk.len()]
                        .iter()
                        .map(|e| Some(e.sha256.as_slice()))
                        .collect();
                    let rest = KeyView {
                        h: Root { root },
                        rest: chunk.iter().map(Keyed::rest).collect(),
                    };
                    crate::render::input_key_raw(template, &raw, &rest, "")
                }
                None => crate::render::input_key(template, &view, ""),
            };
            if let Some(html) = key.as_deref().and_then(|k| out.part(k)) {
                return Ok((html, key));
            }
            let html = templates::render_text(template, &view, None)?;
            if let Some(k) = &key {
                out.keep_part(k, &html);
            }
            Ok((html, key))
        })
        .collect::<Result<_, RenderError>>()?;
    let mut keys = Some(sha2::Sha256::new());
    for (_, key) in &rendered {
        match (key, keys.as_mut()) {
            (Some(k), Some(h)) => h.update(k.as_bytes()),
            _ => keys = None,
        }
    }
    Ok(Rows {
        parts: Arc::new(rendered.into_iter().map(|(html, _)| html).collect()),
        key: keys.map(|h| h.finalize().into()),
    })
}

/// A row of a big section: its model row, whose packet.json digest keys it,
/// and the rest of what its part template reads (`rest`), serialized into
/// the key. A field the template reads must be in one or the other.
trait Keyed: Serialize {
    type Rest<'a>: Serialize
    where
        Self: 'a;
    fn rest(&self) -> Self::Rest<'_>;
}

impl Keyed for RequirementRow {
    type Rest<'a> = ();
    fn rest(&self) {}
}

impl Keyed for TestRow {
    type Rest<'a> = ();
    fn rest(&self) {}
}

fn index(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    /// What the front page shows: identification, gates and counts.
    #[derive(Serialize)]
    struct IndexView<'a> {
        product: &'a crate::model::Product,
        release: &'a crate::model::Release,
        generator: &'a crate::model::Generator,
        gates: &'a [GateOutcome],
        items: usize,
        requirements: usize,
        tests: usize,
        hazards: usize,
        evidence: usize,
    }
    #[derive(Serialize)]
    struct View<'a> {
        p: IndexView<'a>,
    }
    let p = site.p;
    let p = IndexView {
        product: &p.product,
        release: &p.release,
        generator: &p.generator,
        gates: &p.gates,
        items: p.items.len(),
        requirements: p.requirements.len(),
        tests: p.tests.len(),
        hazards: p.hazards.len(),
        evidence: p.evidence.len(),
    };
    page(site, &h, View { p }, out)
}

fn gates(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        gates: &'a [GateOutcome],
        deviations: &'a [DeviationRow],
    }
    let p = site.p;
    let view = View {
        gates: &p.gates,
        deviations: &p.deviations,
    };
    page(site, &h, view, out)
}

#[derive(Serialize)]
struct TextBlock<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'static str,
    html: String,
}

fn documents(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        documents: Vec<TextBlock<'a>>,
    }
    let p = site.p;
    let documents = p
        .documents
        .iter()
        .filter_map(|id| p.item(id))
        .map(|i| TextBlock {
            id: &i.id,
            title: &i.title,
            kind: i.kind.name(),
            html: site.text_of(i, ""),
        })
        .collect();
    page(site, &h, View { documents }, out)
}

fn changes(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct RecordView<'a> {
        item: &'a PacketItem,
        html: String,
        fields: Vec<FieldView>,
    }
    #[derive(Serialize)]
    struct View<'a> {
        records: Vec<RecordView<'a>>,
        commits: &'a [TracedCommit],
        since: Option<&'a ChangeSet>,
        history: &'a crate::history::History,
    }
    let p = site.p;
    let records = p
        .changes
        .records
        .iter()
        .filter_map(|id| p.item(id))
        .map(|i| RecordView {
            item: i,
            html: site.text_of(i, ""),
            fields: field_views(p, i),
        })
        .collect();
    let view = View {
        records,
        commits: &p.changes.commits,
        since: p.changes.since_previous.as_ref(),
        history: &p.history,
    };
    page(site, &h, view, out)
}

fn requirements(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    /// A requirement row and its text as HTML. Serialized as the row's
    /// fields beside `html`, so the row's digest keys all but the text.
    #[derive(Serialize)]
    struct RequirementView<'a> {
        row: &'a RequirementRow,
        html: String,
    }
    impl Keyed for RequirementView<'_> {
        type Rest<'a>
            = &'a str
        where
            Self: 'a;
        fn rest(&self) -> &str {
            &self.html
        }
    }
    #[derive(Serialize)]
    struct View {
        requirement_count: usize,
        requirement_rows: Rows,
    }
    let p = site.p;
    let rows: Vec<RequirementView<'_>> = p
        .requirements
        .iter()
        .map(|r| RequirementView {
            row: r,
            html: p
                .item(&r.id)
                .map(|i| site.text_of(i, ""))
                .unwrap_or_default(),
        })
        .collect();
    let view = View {
        requirement_count: rows.len(),
        requirement_rows: parts(
            out,
            "parts/requirements.html",
            h.root(),
            &rows,
            site.json.as_ref().map(|j| j.requirements.as_slice()),
        )?,
    };
    page(site, &h, view, out)
}

fn risk(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        hazards: &'a [HazardRow],
        risk: &'a crate::model::RiskContext,
        /// The overall residual-risk conclusion, Markdown made safe HTML.
        conclusion: Option<String>,
        matrix_initial: String,
        matrix_residual: String,
    }
    let p = site.p;
    let link = |id: &str| {
        p.item(id)
            .map(|_| format!("items/{}.html", crate::names::page_name(id)))
    };
    let conclusion = p.risk.conclusion.as_deref().map(|t| {
        crate::render::markdown::to_html_linked(
            t,
            &link,
            &crate::render::markdown::ImagePolicy::default(),
            // No item's attachments: relpack.toml shows no figures.
            &|_| None,
        )
    });
    let view = View {
        hazards: &p.hazards,
        risk: &p.risk,
        conclusion,
        matrix_initial: super::risk_matrix::svg(&p.risk, false),
        matrix_residual: super::risk_matrix::svg(&p.risk, true),
    };
    page(site, &h, view, out)
}

fn trace_matrix(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View {
        requirement_count: usize,
        requirement_rows: Rows,
        test_count: usize,
        test_rows: Rows,
    }
    let p = site.p;
    let view = View {
        requirement_count: p.requirements.len(),
        requirement_rows: parts(
            out,
            "parts/trace-requirements.html",
            h.root(),
            &p.requirements,
            site.json.as_ref().map(|j| j.requirements.as_slice()),
        )?,
        test_count: p.tests.len(),
        test_rows: parts(
            out,
            "parts/trace-tests.html",
            h.root(),
            &p.tests,
            site.json.as_ref().map(|j| j.tests.as_slice()),
        )?,
    };
    page(site, &h, view, out)
}

fn verification(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        by_outcome: &'a BTreeMap<String, usize>,
        by_method: &'a BTreeMap<String, usize>,
        test_rows: Rows,
        unbound: &'a [UnboundCase],
        by_property: &'a [PropertyCase],
        requirements: &'a RequirementCounts,
        junit_files: &'a [JunitSummary],
    }
    let p = site.p;
    let view = View {
        by_outcome: &p.verification.by_outcome,
        by_method: &p.verification.by_method,
        test_rows: parts(
            out,
            "parts/verification-tests.html",
            h.root(),
            &p.tests,
            site.json.as_ref().map(|j| j.tests.as_slice()),
        )?,
        unbound: &p.verification.unbound,
        by_property: &p.verification.by_property,
        requirements: &p.verification.requirements,
        junit_files: &p.verification.junit_files,
    };
    page(site, &h, view, out)
}

fn anomalies(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        anomalies: &'a [AnomalyRow],
    }
    let anomalies = &site.p.anomalies;
    page(site, &h, View { anomalies }, out)
}

fn deviations(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        deviations: &'a [DeviationRow],
    }
    let deviations = &site.p.deviations;
    page(site, &h, View { deviations }, out)
}

fn soup(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        soup: &'a [SoupRow],
    }
    let soup = &site.p.soup;
    page(site, &h, View { soup }, out)
}

fn approvals(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        approvals: &'a [ApprovalCheck],
    }
    let approvals = &site.p.approvals;
    page(site, &h, View { approvals }, out)
}

fn evidence(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        evidence: &'a [EvidenceEntry],
        policies: &'a [crate::model::PolicyEntry],
    }
    let view = View {
        evidence: &site.p.evidence,
        policies: &site.p.policies,
    };
    page(site, &h, view, out)
}

fn regulatory_index(site: &Site<'_>, h: Header<'_>, out: &dyn Output) -> Result<(), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        index: &'a crate::gate::regulatory::RegulatoryIndex,
    }
    let index = &site.p.regulatory_index;
    page(site, &h, View { index }, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(n: usize) -> String {
        format!("{}{n}-->", marker_head())
    }

    fn joined(pieces: &[&[u8]]) -> String {
        String::from_utf8(pieces.concat()).unwrap()
    }

    /// Each marker becomes its rows' parts, in the page's order, as often
    /// as the page shows it; a page that lost or escaped a marker is an
    /// error, never a page without its rows.
    #[test]
    fn markers_become_their_rows_and_a_lost_marker_is_an_error() {
        let rows = [
            Arc::new(vec!["<tr>a</tr>".to_string(), "<tr>b</tr>".to_string()]),
            Arc::new(vec!["<tr>c</tr>".to_string()]),
        ];
        let text = format!("<h1>x</h1>{}<p>between</p>{}<end>", marker(1), marker(0));
        let pieces = with_rows("p.html", &text, &rows).unwrap();
        assert_eq!(
            joined(&pieces),
            "<h1>x</h1><tr>c</tr><p>between</p><tr>a</tr><tr>b</tr><end>"
        );
        let twice = format!("{}{}{}", marker(0), marker(1), marker(1));
        assert_eq!(
            joined(&with_rows("p.html", &twice, &rows).unwrap()),
            "<tr>a</tr><tr>b</tr><tr>c</tr><tr>c</tr>"
        );
        let lost = format!("<h1>x</h1>{}", marker(0));
        assert!(with_rows("p.html", &lost, &rows).is_err());
        let escaped = format!("{}{}", marker(0), marker(1).replace('<', "&lt;"));
        assert!(with_rows("p.html", &escaped, &rows).is_err());
        let unknown = format!("{}{}{}", marker(0), marker(1), marker(7));
        assert!(with_rows("p.html", &unknown, &rows).is_err());
    }
}
